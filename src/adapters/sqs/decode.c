/*
 * SQS decode: snapshot records -> sqs/<queue>/_queue.json, messages.jsonl
 * and (--include-sqs-side-records) _internals/side_records.jsonl
 * (sqs.md §4).
 *
 * Snapshot order puts every message and side record of a queue before its
 * gen and meta records (§4.5), and the meta decides whether the queue is
 * live at all. Messages and side records are therefore held in an
 * ekv_sorter (D14: spills to ctx->tmpdir past ctx->spill_threshold), keyed
 *   seg 00 00 BE64(send_ts ^ 2^63) BE64(seq) message_id   (message)
 *   seg 00 01                                             (side record)
 * so that iteration yields each queue's messages already in emission
 * order (§4.3: send_ts signed, seq, id bytewise; equal keys keep arrival
 * order because the sorter is stable), then its side records in arrival
 * order. Only one small state per queue (meta, generation, counts) stays
 * in memory. Queues are finalized in bytewise order of their segments.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "sqs_internal.h"
#include "../../lib/error.h"
#include "../../lib/jsonr.h"
#include "../../lib/jsonw.h"
#include "../../lib/segment.h"
#include "../../lib/sorter.h"
#include "../../lib/tree.h"
#include "../../lib/util.h"

enum { HELD_MESSAGE = 0, HELD_SIDE = 1 };

struct sqs_queue {
	uint8_t *seg;                 /* encoded queue segment from the keys */
	size_t seg_len;
	int has_meta;
	char *dir;                    /* directory name under sqs/ */
	char *name_print;             /* decoded name, printable, for warnings */
	struct ekv_buf queue_json;
	uint64_t active_gen;          /* 0 = no gen record: no stale filter */
	uint64_t n_msgs;
	uint64_t n_side;
};

struct sqs_dec {
	struct ekv_decode_ctx *ctx;
	struct ekv_sorter *held;
	struct sqs_queue **slots;     /* open-addressing table keyed by seg */
	size_t cap, n;
	struct ekv_buf key, val, tmp;
};

/* ---- queue table ---- */

static uint64_t seg_hash(const uint8_t *p, size_t n)
{
	uint64_t h = 1469598103934665603ull;
	for (size_t i = 0; i < n; i++) h = (h ^ p[i]) * 1099511628211ull;
	return h;
}

static int table_grow(struct sqs_dec *d)
{
	size_t cap = d->cap ? d->cap * 2 : 64;
	struct sqs_queue **slots = calloc(cap, sizeof *slots);
	if (!slots) return EKV_ENOMEM;
	for (size_t i = 0; i < d->cap; i++) {
		struct sqs_queue *q = d->slots[i];
		if (!q) continue;
		size_t j = seg_hash(q->seg, q->seg_len) & (cap - 1);
		while (slots[j]) j = (j + 1) & (cap - 1);
		slots[j] = q;
	}
	free(d->slots);
	d->slots = slots;
	d->cap = cap;
	return EKV_OK;
}

/* The state of queue `seg`, created on first sight. NULL = out of memory. */
static struct sqs_queue *queue_get(struct sqs_dec *d, const uint8_t *seg, size_t n)
{
	if ((d->n + 1) * 2 > d->cap && table_grow(d)) return NULL;
	size_t j = seg_hash(seg, n) & (d->cap - 1);
	for (; d->slots[j]; j = (j + 1) & (d->cap - 1)) {
		struct sqs_queue *q = d->slots[j];
		if (q->seg_len == n && memcmp(q->seg, seg, n) == 0) return q;
	}
	struct sqs_queue *q = calloc(1, sizeof *q);
	if (!q || !(q->seg = malloc(n + 1))) {
		free(q);
		return NULL;
	}
	memcpy(q->seg, seg, n);
	q->seg[n] = 0;
	q->seg_len = n;
	ekv_buf_init(&q->queue_json);
	d->slots[j] = q;
	d->n++;
	return q;
}

static void queue_free(struct sqs_queue *q)
{
	if (!q) return;
	free(q->seg);
	free(q->dir);
	free(q->name_print);
	ekv_buf_release(&q->queue_json);
	free(q);
}

/* ---- begin ---- */

int sqs_decode_begin(struct ekv_decode_ctx *ctx, void **state, struct ekv_error *err)
{
	struct sqs_dec *d = calloc(1, sizeof *d);
	if (!d) return ekv_fail(err, EKV_ENOMEM, "sqs: out of memory");
	d->ctx = ctx;
	ekv_buf_init(&d->key);
	ekv_buf_init(&d->val);
	ekv_buf_init(&d->tmp);
	size_t limit = ctx->spill_threshold ? (size_t)ctx->spill_threshold : EKV_SORTER_DEFAULT_MEM;
	int st = ekv_sorter_new(ctx->tmpdir, limit, &d->held, err);
	if (st) {
		free(d);
		return st;
	}
	*state = d;
	return EKV_OK;
}

/* ---- records ---- */

/* Names the queue by its decoded name when the segment decodes to
 * printable text, else by the raw segment. */
static int fail_rec(const struct ekv_record *rec, struct ekv_error *err, enum ekv_status code,
		    const char *what, const uint8_t *seg, size_t seg_len, const char *why)
{
	struct ekv_buf name = EKV_BUF_INIT;
	int decoded = sqs_seg_decode(&name, seg, seg_len) == EKV_OK;
	char *q = decoded ? sqs_printable(name.data, name.len) : sqs_printable(seg, seg_len);
	int st = ekv_fail_key(err, code, rec->key, rec->key_len, "sqs: queue %s\"%s\": %s: %s",
			      decoded ? "" : "segment ", q ? q : "?", what, why);
	free(q);
	ekv_buf_release(&name);
	return st;
}

static int oom(struct ekv_error *err)
{
	return ekv_fail(err, EKV_ENOMEM, "sqs: out of memory");
}

/* Parses magic + JSON of a record value. NULL root = err filled. */
static json_t *parse_value(const struct ekv_record *rec, const uint8_t magic[SQS_MAGIC_LEN],
			   const char *what, const uint8_t *seg, size_t seg_len,
			   struct ekv_error *err)
{
	if (rec->value_len < SQS_MAGIC_LEN || memcmp(rec->value, magic, SQS_MAGIC_LEN) != 0) {
		fail_rec(rec, err, EKV_EDATA, what, seg, seg_len, "value lacks the magic prefix");
		return NULL;
	}
	json_t *root = ekv_json_parse(rec->value + SQS_MAGIC_LEN, rec->value_len - SQS_MAGIC_LEN,
				      NULL, EKV_EDATA, err);
	if (!root) {
		if (err && err->code == EKV_ENOMEM) return NULL;
		char why[512];
		snprintf(why, sizeof why, "%s", err ? err->msg : "invalid JSON");
		fail_rec(rec, err, EKV_EDATA, what, seg, seg_len, why);
	}
	return root;
}

/* Zeroes the visibility state unless --preserve-sqs-visibility (§4.3). */
static void apply_visibility(const struct sqs_dec *d, struct sqs_msg *m)
{
	if (d->ctx->opts->preserve_sqs_visibility) return;
	m->visible_at = 0;
	m->receive_count = 0;
	m->first_receive = 0;
	ekv_buf_reset(&m->token);
}

static int hold_message(struct sqs_dec *d, const struct sqs_data_key *k, const struct sqs_msg *m,
			struct ekv_error *err)
{
	ekv_buf_reset(&d->key);
	ekv_buf_reset(&d->val);
	int st = ekv_buf_append(&d->key, k->seg, k->seg_len);
	if (!st) st = ekv_buf_append_byte(&d->key, 0);
	if (!st) st = ekv_buf_append_byte(&d->key, HELD_MESSAGE);
	if (!st) st = ekv_buf_append_be64(&d->key, (uint64_t)m->send_ts ^ (1ull << 63));
	if (!st) st = ekv_buf_append_be64(&d->key, m->seq);
	if (!st) st = ekv_buf_append(&d->key, m->id, m->id_len);
	if (!st) st = ekv_buf_append_be64(&d->val, m->queue_gen);
	if (!st) st = sqs_msg_write_dump(&d->val, m);
	if (st) return oom(err);
	return ekv_sorter_add(d->held, d->key.data, d->key.len, d->val.data, d->val.len, err);
}

/* "message \"<id>\"" with the id decoded from the key's segment. */
static void message_label(const struct sqs_data_key *k, char *out, size_t cap)
{
	struct ekv_buf id = EKV_BUF_INIT;
	char *p = sqs_seg_decode(&id, k->id_seg, k->id_seg_len) == EKV_OK
			  ? sqs_printable(id.data, id.len) : NULL;
	snprintf(out, cap, "message \"%s\"", p ? p : "?");
	free(p);
	ekv_buf_release(&id);
}

static int on_message(struct sqs_dec *d, const struct ekv_record *rec, struct ekv_error *err)
{
	struct sqs_data_key k;
	const uint8_t *rest = rec->key + rec->prefix_len;
	const char *why = sqs_parse_data_key(rest, rec->key_len - rec->prefix_len, &k);
	if (why) return ekv_fail_key(err, EKV_EDATA, rec->key, rec->key_len, "sqs: %s", why);
	char what[256];
	message_label(&k, what, sizeof what);
	json_t *root = parse_value(rec, sqs_msg_magic, what, k.seg, k.seg_len, err);
	if (!root) return err ? (int)err->code : EKV_EDATA;
	struct sqs_msg m;
	int is_oom = 0, st;
	sqs_msg_init(&m);
	const char *text = (const char *)rec->value + SQS_MAGIC_LEN;
	why = sqs_msg_parse(root, text, rec->value_len - SQS_MAGIC_LEN, SQS_FROM_LIVE, &m, &is_oom);
	if (why) {
		st = is_oom ? oom(err) : fail_rec(rec, err, EKV_EDATA, what, k.seg, k.seg_len, why);
	} else {
		apply_visibility(d, &m);
		m.has_partition = k.partitioned;   /* §4.3 #18: from the key only */
		m.partition = k.partition;
		st = hold_message(d, &k, &m, err);
	}
	sqs_msg_release(&m);
	json_decref(root);
	if (st) return st;
	struct sqs_queue *q = queue_get(d, k.seg, k.seg_len);
	if (!q) return oom(err);
	q->n_msgs++;
	return EKV_OK;
}

/* Directory of a queue: EncodeSegment of the name decoded from the meta
 * key (§4.1). "." and ".." would name sqs/ itself or the dump root, so
 * they are percent-encoded like any reserved byte (the encoder reads the
 * name from _queue.json, so the queue still round-trips). */
static char *queue_dir_name(const uint8_t *name, size_t n)
{
	struct ekv_buf b = EKV_BUF_INIT;
	int fallback = 0, st;
	if (sqs_str_eq((const char *)name, n, ".")) st = ekv_buf_append_str(&b, "%2E");
	else if (sqs_str_eq((const char *)name, n, "..")) st = ekv_buf_append_str(&b, "%2E%2E");
	else st = ekv_segment_encode(&b, name, n, &fallback);
	if (st) {
		ekv_buf_release(&b);
		return NULL;
	}
	size_t len;
	return (char *)ekv_buf_detach(&b, &len);
}

/* The queue name a meta key carries: its segment decoded, never empty. */
static int meta_key_name(const struct ekv_record *rec, struct ekv_buf *name,
			 struct ekv_error *err)
{
	const uint8_t *seg = rec->key + rec->prefix_len;
	size_t seg_len = rec->key_len - rec->prefix_len;
	int st = sqs_seg_decode(name, seg, seg_len);
	if (st == EKV_ENOMEM) return oom(err);
	if (st)
		return fail_rec(rec, err, EKV_EDATA, "queue meta key", seg, seg_len,
				"segment is not base64url");
	if (name->len == 0)
		return fail_rec(rec, err, EKV_EDATA, "queue meta key", seg, seg_len,
				"empty queue name cannot be a directory");
	return EKV_OK;
}

/* Records the live queue: directory, printable name, rendered _queue.json. */
static int queue_set_meta(struct sqs_queue *q, struct sqs_meta *m, const struct ekv_buf *name,
			  struct ekv_error *err)
{
	if (m->name_len == 0) {          /* §4.2 #2: fall back to the key's name */
		m->name = (const char *)name->data;
		m->name_len = name->len;
	}
	q->dir = queue_dir_name(name->data, name->len);
	q->name_print = sqs_printable(name->data, name->len);
	if (!q->dir || !q->name_print || sqs_meta_write_public(&q->queue_json, m)) return oom(err);
	q->has_meta = 1;
	return EKV_OK;
}

static int on_meta(struct sqs_dec *d, const struct ekv_record *rec, struct ekv_error *err)
{
	const uint8_t *seg = rec->key + rec->prefix_len;
	size_t seg_len = rec->key_len - rec->prefix_len;
	struct ekv_buf name = EKV_BUF_INIT;
	struct sqs_meta m;
	json_t *root = NULL;
	int st = meta_key_name(rec, &name, err);
	if (!st) {
		root = parse_value(rec, sqs_meta_magic, "queue meta value", seg, seg_len, err);
		if (!root) st = err ? (int)err->code : EKV_EDATA;
	}
	const char *why = st ? NULL : sqs_meta_parse(root, SQS_FROM_LIVE, &m);
	if (why) st = fail_rec(rec, err, EKV_EDATA, "queue meta value", seg, seg_len, why);
	struct sqs_queue *q = st ? NULL : queue_get(d, seg, seg_len);
	if (!st && !q) st = oom(err);
	if (!st && q->has_meta) st = fail_rec(rec, err, EKV_EDATA, "queue meta", seg, seg_len, "seen twice");
	if (!st) st = queue_set_meta(q, &m, &name, err);
	json_decref(root);
	ekv_buf_release(&name);
	return st;
}

/* Go strings.TrimSpace: Unicode White_Space at both ends. */
static size_t space_len_at(const uint8_t *p, size_t n)
{
	if (n >= 1 && (p[0] == ' ' || (p[0] >= 0x09 && p[0] <= 0x0D))) return 1;
	if (n >= 2 && p[0] == 0xC2 && (p[1] == 0x85 || p[1] == 0xA0)) return 2;
	if (n < 3) return 0;
	uint32_t c = (uint32_t)(p[0] & 0x0F) << 12 | (uint32_t)(p[1] & 0x3F) << 6 | (p[2] & 0x3F);
	if ((p[0] & 0xF0) != 0xE0 || (p[1] & 0xC0) != 0x80 || (p[2] & 0xC0) != 0x80) return 0;
	if (c == 0x1680 || (c >= 0x2000 && c <= 0x200A) || c == 0x2028 || c == 0x2029 ||
	    c == 0x202F || c == 0x205F || c == 0x3000)
		return 3;
	return 0;
}

static size_t space_len_before(const uint8_t *p, size_t n)
{
	for (size_t k = 1; k <= 3 && k <= n; k++)
		if (space_len_at(p + n - k, k) == k) return k;
	return 0;
}

static int on_gen(struct sqs_dec *d, const struct ekv_record *rec, struct ekv_error *err)
{
	const uint8_t *seg = rec->key + rec->prefix_len;   /* not validated, as upstream */
	size_t seg_len = rec->key_len - rec->prefix_len;
	const uint8_t *v = rec->value;
	size_t n = rec->value_len, k;
	while ((k = space_len_at(v, n)) > 0) {
		v += k;
		n -= k;
	}
	while ((k = space_len_before(v, n)) > 0) n -= k;
	uint64_t gen;
	if (n == 0 || ekv_parse_u64_dec((const char *)v, n, &gen))
		return fail_rec(rec, err, EKV_EDATA, "generation counter", seg, seg_len,
				"value is not a decimal uint64");
	struct sqs_queue *q = queue_get(d, seg, seg_len);
	if (!q) return oom(err);
	q->active_gen = gen;
	return EKV_OK;
}

/* {"prefix":…,"key_hex":…,"value_b64":…} (§4.4). */
static int on_side(struct sqs_dec *d, const struct ekv_record *rec, struct ekv_error *err)
{
	const uint8_t *rest = rec->key + rec->prefix_len, *seg = NULL;
	size_t rest_len = rec->key_len - rec->prefix_len, seg_len = 0;
	const char *why = rec->tag == Q_QUEUE_SEQ ? sqs_parse_seq_key(rest, rest_len, &seg, &seg_len)
						  : sqs_parse_side_key(rest, rest_len, &seg, &seg_len);
	if (why) return ekv_fail_key(err, EKV_EDATA, rec->key, rec->key_len, "sqs: %s", why);
	struct ekv_jw w;
	ekv_buf_reset(&d->val);
	ekv_buf_reset(&d->tmp);
	ekv_jw_init(&w, &d->val, EKV_JW_PROFILE_B);
	ekv_jw_obj_begin(&w);
	ekv_jw_key(&w, "prefix");
	ekv_jw_str(&w, rec->key, rec->prefix_len);
	ekv_jw_key(&w, "key_hex");
	if (ekv_buf_reserve(&d->tmp, rec->key_len * 2 + 1)) return oom(err);
	ekv_hex_lower((char *)d->tmp.data, rec->key, rec->key_len);
	ekv_jw_str(&w, d->tmp.data, rec->key_len * 2);
	ekv_buf_reset(&d->tmp);
	if (ekv_b64url_encode(&d->tmp, rec->value, rec->value_len)) return oom(err);
	ekv_jw_key(&w, "value_b64");
	ekv_jw_str(&w, d->tmp.data, d->tmp.len);
	ekv_jw_obj_end(&w);
	ekv_buf_reset(&d->key);
	if (ekv_jw_finish(&w) || ekv_buf_append(&d->key, seg, seg_len) ||
	    ekv_buf_append_byte(&d->key, 0) || ekv_buf_append_byte(&d->key, HELD_SIDE))
		return oom(err);
	int st = ekv_sorter_add(d->held, d->key.data, d->key.len, d->val.data, d->val.len, err);
	if (st) return st;
	struct sqs_queue *q = queue_get(d, seg, seg_len);
	if (!q) return oom(err);
	q->n_side++;
	return EKV_OK;
}

int sqs_decode_record(void *state, const struct ekv_record *rec, struct ekv_error *err)
{
	struct sqs_dec *d = state;
	switch (rec->tag) {
	case Q_MSG_DATA: return on_message(d, rec, err);
	case Q_QUEUE_META: return on_meta(d, rec, err);
	case Q_QUEUE_GEN: return on_gen(d, rec, err);
	default:
		/* vis, byage, dedup, group, tombstone, seq: counted by the core,
		 * kept only on request (D13 covers seq). */
		if (!d->ctx->opts->include_sqs_side_records) return EKV_OK;
		return on_side(d, rec, err);
	}
}

/* ---- finish ---- */

struct held_cursor {
	struct ekv_sorter *s;
	int have;
	const uint8_t *k, *v;
	size_t kl, vl;
};

/* 1 = a held record of queue `q` with kind `kind` is current. */
static int cursor_at(struct held_cursor *c, const struct sqs_queue *q, int kind,
		     struct ekv_error *err)
{
	if (!c->have) {
		int r = ekv_sorter_next(c->s, &c->k, &c->kl, &c->v, &c->vl, err);
		if (r < 0) return r;
		if (r == 0) return 0;
		c->have = 1;
	}
	return c->kl >= q->seg_len + 2 && memcmp(c->k, q->seg, q->seg_len) == 0 &&
	       c->k[q->seg_len] == 0 && c->k[q->seg_len + 1] == kind;
}

struct out_file {
	struct ekv_tree *tree;
	const char *rel;
	struct ekv_file *f;
};

static int out_write(struct out_file *o, const void *p, size_t n, struct ekv_error *err)
{
	if (!o->f) {
		int st = ekv_tree_open(o->tree, o->rel, &o->f, err);
		if (st) return st;
	}
	return ekv_file_write(o->f, p, n, err);
}

static int out_close(struct out_file *o, int st, struct ekv_error *err)
{
	if (!o->f) return st;
	if (st) {
		ekv_file_abort(o->f);
		return st;
	}
	return ekv_file_commit(o->f, err);
}

/* Writes (or, for orphans, drops) the queue's messages; returns the
 * number dropped by the stale-generation filter in *dropped. */
static int flush_messages(struct sqs_dec *d, struct held_cursor *c, struct sqs_queue *q,
			  const char *rel, uint64_t *dropped, struct ekv_error *err)
{
	struct out_file o = { d->ctx->tree, rel, NULL };
	int r = 0, st = 0;
	while (!st && (r = cursor_at(c, q, HELD_MESSAGE, err)) == 1) {
		c->have = 0;
		if (!q->has_meta) continue;
		if (c->vl < 8) return ekv_fail(err, EKV_EIO, "sqs: held message record is short");
		uint64_t gen = ekv_be64(c->v);
		if (q->active_gen != 0 && gen != q->active_gen) {
			(*dropped)++;
			continue;
		}
		st = out_write(&o, c->v + 8, c->vl - 8, err);
	}
	if (!st && r < 0) st = err && err->code ? (int)err->code : EKV_EIO;
	return out_close(&o, st, err);
}

static int flush_side(struct sqs_dec *d, struct held_cursor *c, struct sqs_queue *q,
		      const char *rel, struct ekv_error *err)
{
	struct out_file o = { d->ctx->tree, rel, NULL };
	int r = 0, st = 0;
	while (!st && (r = cursor_at(c, q, HELD_SIDE, err)) == 1) {
		c->have = 0;
		st = out_write(&o, c->v, c->vl, err);
	}
	if (!st && r < 0) st = err && err->code ? (int)err->code : EKV_EIO;
	return out_close(&o, st, err);
}

/* "<segment>.orphan" (§4.1). The segment of a side record is base64url,
 * so it cannot be "." or ".."; one too long for a file name (no live
 * queue name is) takes the SHA fallback of container.md §5.2 instead of
 * failing the decode; the key_hex lines keep the whole key. */
static char *orphan_dir_name(const struct sqs_queue *q)
{
	struct ekv_buf b = EKV_BUF_INIT;
	int st = q->seg_len + 7 <= EKV_SEGMENT_MAX ? ekv_buf_append(&b, q->seg, q->seg_len)
						   : ekv_segment_sha_fallback(&b, q->seg, q->seg_len);
	if (!st) st = ekv_buf_append_str(&b, ".orphan");
	if (st) {
		ekv_buf_release(&b);
		return NULL;
	}
	size_t len;
	return (char *)ekv_buf_detach(&b, &len);
}

static int flush_queue(struct sqs_dec *d, struct held_cursor *c, struct sqs_queue *q,
		       struct ekv_error *err)
{
	char *rel = NULL;
	uint64_t dropped = 0;
	if (!q->has_meta && !q->dir && !(q->dir = orphan_dir_name(q))) return oom(err);
	if (asprintf(&rel, "sqs/%s/_internals/side_records.jsonl", q->dir) < 0) return oom(err);
	char *leaf = strstr(rel, "/_internals/");
	int st = 0;
	if (q->has_meta) {
		strcpy(leaf, "/_queue.json");
		st = ekv_tree_write(d->ctx->tree, rel, q->queue_json.data, q->queue_json.len, err);
		strcpy(leaf, "/messages.jsonl");
	} else {
		char *name = sqs_printable(q->seg, q->seg_len);
		ekv_warn(d->ctx, "sqs_orphan_messages",
			 "encoded_queue=%s buffered_messages=%llu buffered_side_records=%llu "
			 "hint=no !sqs|queue|meta record matched this encoded prefix; messages "
			 "dropped from the dump",
			 name ? name : "?", (unsigned long long)q->n_msgs,
			 (unsigned long long)q->n_side);
		free(name);
	}
	if (!st) st = flush_messages(d, c, q, rel, &dropped, err);
	if (!st && dropped)
		ekv_warn(d->ctx, "sqs_stale_generation_messages_dropped",
			 "queue=%s active_gen=%llu dropped=%llu hint=messages with mismatched "
			 "queue_generation suppressed; reaper had not finished cleanup at snapshot time",
			 q->name_print, (unsigned long long)q->active_gen,
			 (unsigned long long)dropped);
	if (!st) {
		strcpy(leaf, "/_internals/side_records.jsonl");
		st = flush_side(d, c, q, rel, err);
	}
	free(rel);
	return st;
}

static int queue_cmp(const void *a, const void *b)
{
	const struct sqs_queue *x = *(struct sqs_queue *const *)a;
	const struct sqs_queue *y = *(struct sqs_queue *const *)b;
	return ekv_bytes_cmp(x->seg, x->seg_len, y->seg, y->seg_len);
}

int sqs_decode_finish(void *state, struct ekv_error *err)
{
	struct sqs_dec *d = state;
	int st = ekv_sorter_finish(d->held, err);
	if (st) return st;
	/* Compact the table into a sorted list (the table is not used again). */
	size_t n = 0;
	for (size_t i = 0; i < d->cap; i++)
		if (d->slots[i]) d->slots[n++] = d->slots[i];
	for (size_t i = n; i < d->cap; i++) d->slots[i] = NULL;
	if (n) qsort(d->slots, n, sizeof *d->slots, queue_cmp);
	struct held_cursor c = { d->held, 0, NULL, NULL, 0, 0 };
	for (size_t i = 0; i < n && !st; i++) st = flush_queue(d, &c, d->slots[i], err);
	return st;
}

void sqs_decode_free(void *state)
{
	struct sqs_dec *d = state;
	if (!d) return;
	for (size_t i = 0; i < d->cap; i++) queue_free(d->slots[i]);
	free(d->slots);
	ekv_sorter_free(d->held);
	ekv_buf_release(&d->key);
	ekv_buf_release(&d->val);
	ekv_buf_release(&d->tmp);
	free(d);
}
