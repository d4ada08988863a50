/*
 * SQS encode: sqs/<queue>/{_queue.json,messages.jsonl} -> the internal
 * records a live store holds for that queue (sqs.md §5): queue meta,
 * generation counter "1", per message the data row plus the derived vis
 * and byage rows, FIFO dedup rows (one per dedup tuple, the latest send
 * wins), and the FIFO sequence counter. Group locks and queue tombstones
 * are never emitted (§5.5).
 *
 * The queue name comes from _queue.json, never from the directory name.
 * messages.jsonl is streamed line by line: data/vis/byage rows go out at
 * once; dedup candidates wait in an ekv_sorter keyed by their dedup row
 * key (D14: bounded memory) until the file ends and the winners are known.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <dirent.h>
#include "sqs_internal.h"
#include "../../lib/error.h"
#include "../../lib/jsonr.h"
#include "../../lib/jsonw.h"
#include "../../lib/sorter.h"
#include "../../lib/tree.h"
#include "../../lib/util.h"

#define SQS_DEDUP_SORT_MEM (16u << 20)
#define READ_CHUNK (64u << 10)

struct queue_enc {
	struct ekv_encode_ctx *ctx;
	const struct sqs_meta *meta;
	char display[1024];           /* "sqs/<dir>/messages.jsonl" */
	struct ekv_sorter *dedup;     /* FIFO only */
	uint64_t max_seq;
	uint64_t line_no;
	struct ekv_buf key, val;
};

static int fail_file(struct ekv_error *err, enum ekv_status code, const char *file,
		     unsigned long line, const char *fmt, const char *a, const char *b)
{
	int st = ekv_fail(err, code, fmt, a, b);
	ekv_error_set_file(err, file, line);
	return st;
}

/* ---- _queue.json validation (§5.2) ---- */

/* NULL or the reason; *member names the member it is about. */
static const char *validate_meta(const struct sqs_meta *m, const char **member)
{
	*member = "format_version";
	if (m->format_version != 1) return "unsupported format_version (want 1)";
	*member = "fifo_throughput_limit";
	const char *tl = m->throughput;
	size_t tn = m->throughput_len;
	if (tn && !sqs_str_eq(tl, tn, "perMessageGroupId") && !sqs_str_eq(tl, tn, "perQueue"))
		return "fifo_throughput_limit is not \"perMessageGroupId\" or \"perQueue\"";
	*member = "deduplication_scope";
	const char *sc = m->dedup_scope;
	size_t sn = m->dedup_scope_len;
	if (sn && !sqs_str_eq(sc, sn, "messageGroup") && !sqs_str_eq(sc, sn, "queue"))
		return "deduplication_scope is not \"messageGroup\" or \"queue\"";
	*member = "partition_count";
	uint32_t pc = m->partition_count;
	if (pc & (pc - 1)) return "partition_count is not a power of two";
	if (pc > SQS_MAX_PARTITIONS) return "partition_count exceeds 32";
	if (!m->fifo) {
		*member = "fifo";
		if (pc > 1) return "partition_count > 1 is only valid on FIFO queues";
		if (tn) return "fifo_throughput_limit is only valid on FIFO queues";
		if (sn) return "deduplication_scope is only valid on FIFO queues";
	} else {
		*member = "deduplication_scope";
		if (pc > 1 && sqs_str_eq(sc, sn, "queue"))
			return "deduplication_scope \"queue\" is incompatible with partition_count > 1";
		*member = "fifo_throughput_limit";
		if (pc <= 1 && sqs_str_eq(tl, tn, "perMessageGroupId"))
			return "fifo_throughput_limit \"perMessageGroupId\" requires partition_count > 1";
	}
	*member = "name";
	if (m->name_len == 0) return "empty queue name";
	return NULL;
}

static int emit_queue_records(struct ekv_encode_ctx *ctx, const struct sqs_meta *m,
			      struct ekv_buf *key, struct ekv_buf *val, struct ekv_error *err)
{
	ekv_buf_reset(val);
	int st = sqs_key_queue(key, SQS_PFX_QUEUE_META, m->name, m->name_len);
	if (!st) st = sqs_meta_write_stored(val, m, SQS_RESTORE_GENERATION);
	if (st) return ekv_fail(err, EKV_ENOMEM, "sqs: out of memory");
	st = ekv_emit(ctx, key->data, key->len, val->data, val->len, err);
	if (st) return st;
	if (sqs_key_queue(key, SQS_PFX_QUEUE_GEN, m->name, m->name_len))
		return ekv_fail(err, EKV_ENOMEM, "sqs: out of memory");
	return ekv_emit(ctx, key->data, key->len, "1", 1, err);
}

/* ---- messages ---- */

/* §5.4 gates, on the raw partition_count > 1. */
static const char *check_partition(const struct sqs_meta *q, const struct sqs_msg *m)
{
	if (q->partition_count <= 1) {
		if (m->has_partition && m->partition != 0)
			return "classic queue message has a non-zero partition";
		return NULL;
	}
	if (!m->has_partition) return "partitioned queue message has no partition member";
	if (m->partition >= q->partition_count) return "partition is out of range for partition_count";
	if (sqs_str_eq(q->throughput, q->throughput_len, "perQueue"))
		return m->partition ? "perQueue queue keeps every message on partition 0" : NULL;
	if (m->partition != sqs_partition_for(q, m->group, m->group_len))
		return "partition disagrees with the FNV-1a partition of message_group_id";
	return NULL;
}

static struct sqs_msg_place place_of(const struct sqs_meta *q, const struct sqs_msg *m)
{
	struct sqs_msg_place pl = { q->name, q->name_len, SQS_RESTORE_GENERATION,
				    q->partition_count > 1, 0 };
	if (pl.partitioned) pl.partition = m->partition;
	return pl;
}

static int emit_message_rows(struct queue_enc *e, const struct sqs_msg *m, struct ekv_error *err)
{
	struct sqs_msg_place pl = place_of(e->meta, m);
	ekv_buf_reset(&e->val);
	int st = sqs_key_msg(&e->key, SQS_PFX_MSG_DATA, &pl, NULL, m->id, m->id_len);
	if (!st) st = sqs_msg_write_stored(&e->val, m, SQS_RESTORE_GENERATION);
	if (st) return ekv_fail(err, EKV_ENOMEM, "sqs: out of memory");
	st = ekv_emit(e->ctx, e->key.data, e->key.len, e->val.data, e->val.len, err);
	/* vis keyed at available_at (§5.5, code wins over the "zeroed" doc) */
	if (!st && sqs_key_msg(&e->key, SQS_PFX_MSG_VIS, &pl, &m->available_at, m->id, m->id_len))
		st = ekv_fail(err, EKV_ENOMEM, "sqs: out of memory");
	if (!st) st = ekv_emit(e->ctx, e->key.data, e->key.len, m->id, m->id_len, err);
	if (!st && sqs_key_msg(&e->key, SQS_PFX_MSG_BYAGE, &pl, &m->send_ts, m->id, m->id_len))
		st = ekv_fail(err, EKV_ENOMEM, "sqs: out of memory");
	if (!st) st = ekv_emit(e->ctx, e->key.data, e->key.len, m->id, m->id_len, err);
	return st;
}

/* Dedup id as live resolves it: explicit id, else on content-based
 * queues the hex SHA-256 of the body, else none. hex holds 65 bytes. */
static void resolve_dedup(const struct sqs_meta *q, const struct sqs_msg *m, const char **id,
			  size_t *len, char hex[65])
{
	*id = m->dedup;
	*len = m->dedup_len;
	if (*len || !q->cbd) return;
	uint8_t sum[EKV_SHA256_LEN];
	ekv_sha256(m->body.data, m->body.len, sum);
	ekv_hex_lower(hex, sum, sizeof sum);
	*id = hex;
	*len = 64;
}

/* Sorter value: BE64(ts^2^63) BE64(seq) BE64(line) BE32(id_len) id row. */
static int hold_dedup(struct queue_enc *e, const struct sqs_msg *m, struct ekv_error *err)
{
	char hex[65];
	const char *id;
	size_t id_len;
	resolve_dedup(e->meta, m, &id, &id_len, hex);
	if (!e->meta->fifo || id_len == 0) return EKV_OK;
	struct sqs_msg_place pl = place_of(e->meta, m);
	struct ekv_buf *v = &e->val;
	ekv_buf_reset(v);
	int st = sqs_key_dedup(&e->key, &pl, m->group, m->group_len, id, id_len);
	if (!st) st = ekv_buf_append_be64(v, (uint64_t)m->send_ts ^ (1ull << 63));
	if (!st) st = ekv_buf_append_be64(v, m->seq);
	if (!st) st = ekv_buf_append_be64(v, e->line_no);
	if (!st) st = ekv_buf_append_be32(v, (uint32_t)m->id_len);
	if (!st) st = ekv_buf_append(v, m->id, m->id_len);
	if (!st) {
		struct ekv_jw w;
		ekv_jw_init(&w, v, EKV_JW_PROFILE_A);
		ekv_jw_obj_begin(&w);
		ekv_jw_key(&w, "message_id");
		ekv_jw_str(&w, m->id, m->id_len);
		ekv_jw_key(&w, "send_timestamp_ms");
		ekv_jw_i64(&w, m->send_ts);
		ekv_jw_key(&w, "expires_at_millis");   /* Go int64 addition wraps */
		ekv_jw_i64(&w, (int64_t)((uint64_t)m->send_ts + (uint64_t)SQS_DEDUP_WINDOW_MS));
		if (m->seq) {
			ekv_jw_key(&w, "original_sequence");
			ekv_jw_u64(&w, m->seq);
		}
		ekv_jw_obj_end(&w);
		st = ekv_jw_finish(&w);
	}
	if (st) return ekv_fail(err, EKV_ENOMEM, "sqs: out of memory");
	return ekv_sorter_add(e->dedup, e->key.data, e->key.len, v->data, v->len, err);
}

/* True if candidate a is processed before b (§5.5/§5.6): classic queues
 * in file order; partitioned queues sorted by (seq, id) then file order
 * (same tuple means same partition, and a tie means the same send_ts). */
static int processed_before(const uint8_t *a, size_t al, const uint8_t *b, size_t bl,
			    int partitioned)
{
	if (partitioned) {
		uint64_t sa = ekv_be64(a + 8), sb = ekv_be64(b + 8);
		if (sa != sb) return sa < sb;
		int c = ekv_bytes_cmp(a + 28, ekv_be32(a + 24), b + 28, ekv_be32(b + 24));
		if (c) return c < 0;
	}
	(void)al;
	(void)bl;
	return ekv_be64(a + 16) < ekv_be64(b + 16);
}

static int emit_winner(struct queue_enc *e, const struct ekv_buf *k, const struct ekv_buf *v,
		       struct ekv_error *err)
{
	size_t skip = 28 + ekv_be32(v->data + 24);
	return ekv_emit(e->ctx, k->data, k->len, v->data + skip, v->len - skip, err);
}

/* Walks the dedup candidates tuple by tuple; the greatest send_ts wins,
 * ties go to the earliest processed. */
static int emit_dedup_winners(struct queue_enc *e, struct ekv_error *err)
{
	struct ekv_buf wk = EKV_BUF_INIT, wv = EKV_BUF_INIT;
	const uint8_t *k, *v;
	size_t kl, vl;
	int r = 0, st = ekv_sorter_finish(e->dedup, err), have = 0;
	int partitioned = e->meta->partition_count > 1;
	while (!st && (r = ekv_sorter_next(e->dedup, &k, &kl, &v, &vl, err)) == 1) {
		int same = have && kl == wk.len && memcmp(k, wk.data, kl) == 0;
		if (same) {
			uint64_t ts = ekv_be64(v), wts = ekv_be64(wv.data);
			if (ts < wts || (ts == wts && !processed_before(v, vl, wv.data, wv.len, partitioned)))
				continue;
		} else if (have) {
			st = emit_winner(e, &wk, &wv, err);
		}
		if (!st && (ekv_buf_set(&wk, k, kl) || ekv_buf_set(&wv, v, vl)))
			st = ekv_fail(err, EKV_ENOMEM, "sqs: out of memory");
		have = 1;
	}
	if (!st && r < 0) st = err && err->code ? (int)err->code : EKV_EIO;
	if (!st && have) st = emit_winner(e, &wk, &wv, err);
	ekv_buf_release(&wk);
	ekv_buf_release(&wv);
	return st;
}

static int message_fail(struct queue_enc *e, struct ekv_error *err, const struct sqs_msg *m,
			const char *why)
{
	char *id = sqs_printable(m->id, m->id_len);
	int st = ekv_fail(err, EKV_EINPUT, "%s:%llu: message \"%s\": %s", e->display,
			  (unsigned long long)e->line_no, id ? id : "?", why);
	free(id);
	ekv_error_set_file(err, e->display, (unsigned long)e->line_no);
	return st;
}

static int encode_line(struct queue_enc *e, const char *line, size_t len, struct ekv_error *err)
{
	json_t *root = ekv_json_parse_at(line, len, e->display, (unsigned long)e->line_no,
					 EKV_EINPUT, err);
	if (!root) return err ? (int)err->code : EKV_EINPUT;
	struct sqs_msg m;
	int oom = 0, st = 0;
	sqs_msg_init(&m);
	const char *why = sqs_msg_parse(root, line, len, SQS_FROM_DUMP, &m, &oom);
	if (!why) why = check_partition(e->meta, &m);
	if (!why && m.id_len == 0) why = "empty message_id";
	if (oom) st = ekv_fail(err, EKV_ENOMEM, "sqs: out of memory");
	else if (why) st = message_fail(e, err, &m, why);
	if (!st) st = emit_message_rows(e, &m, err);
	if (!st && e->dedup) st = hold_dedup(e, &m, err);
	if (!st && m.seq > e->max_seq) e->max_seq = m.seq;
	sqs_msg_release(&m);
	json_decref(root);
	return st;
}

static int is_blank(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (s[i] != ' ' && s[i] != '\t' && s[i] != '\r') return 0;
	return 1;
}

/* Streams fd line by line (the last line may lack "\n"); blank lines are
 * skipped as upstream's decoder loop does. */
static int encode_lines(struct queue_enc *e, int fd, struct ekv_error *err)
{
	struct ekv_buf buf = EKV_BUF_INIT;
	size_t pos = 0;
	int eof = 0, st = 0;
	while (!st) {
		uint8_t *nl = memchr(buf.data + pos, '\n', buf.len - pos);
		if (!nl && !eof) {
			memmove(buf.data, buf.data + pos, buf.len - pos);
			buf.len -= pos;
			pos = 0;
			if (ekv_buf_reserve(&buf, READ_CHUNK)) {
				st = ekv_fail(err, EKV_ENOMEM, "sqs: out of memory");
				break;
			}
			ssize_t got = read(fd, buf.data + buf.len, READ_CHUNK);
			if (got < 0) {
				st = ekv_fail_errno(err, errno, "%s: read failed", e->display);
				break;
			}
			buf.len += (size_t)got;
			eof = got == 0;
			continue;
		}
		size_t end = nl ? (size_t)(nl - buf.data) : buf.len;
		if (end == pos && !nl) break;   /* clean end of file */
		e->line_no++;
		const char *line = (const char *)buf.data + pos;
		if (!is_blank(line, end - pos)) st = encode_line(e, line, end - pos, err);
		pos = nl ? end + 1 : end;
	}
	ekv_buf_release(&buf);
	return st;
}

static int encode_messages(struct queue_enc *e, int qfd, const char *dir, struct ekv_error *err)
{
	snprintf(e->display, sizeof e->display, "sqs/%s/messages.jsonl", dir);
	int fd = ekv_open_input_file(qfd, "messages.jsonl", e->display, err);
	if (fd < 0) return err && err->code ? (int)err->code : EKV_EIO;
	int st = 0;
	if (e->meta->fifo) st = ekv_sorter_new(e->ctx->tmpdir, SQS_DEDUP_SORT_MEM, &e->dedup, err);
	if (!st) st = encode_lines(e, fd, err);
	close(fd);
	if (!st && e->dedup) st = emit_dedup_winners(e, err);
	ekv_sorter_free(e->dedup);
	e->dedup = NULL;
	return st;
}

/* The FIFO seq counter holds the last issued number (§5.5 #4). */
static int emit_seq(struct queue_enc *e, struct ekv_error *err)
{
	if (!e->meta->fifo || e->max_seq == 0) return EKV_OK;
	char num[24];
	int n = snprintf(num, sizeof num, "%llu", (unsigned long long)e->max_seq);
	if (sqs_key_queue(&e->key, SQS_PFX_QUEUE_SEQ, e->meta->name, e->meta->name_len))
		return ekv_fail(err, EKV_ENOMEM, "sqs: out of memory");
	return ekv_emit(e->ctx, e->key.data, e->key.len, num, (size_t)n, err);
}

/* Entries of one queue directory: _queue.json (required), messages.jsonl
 * (optional); anything else (e.g. _internals/) is ignored, as upstream. */
static int find_entry(const struct ekv_dirlist *l, const char *name)
{
	for (size_t i = 0; i < l->n; i++)
		if (strcmp(l->names[i], name) == 0) return (int)i;
	return -1;
}

/* 1-based line of a member in the document, or 1 if it is absent. */
static unsigned long member_line(const struct ekv_buf *text, const char *member)
{
	struct sqs_span v;
	if (!member || sqs_rj_find_member((const char *)text->data, text->len, member, &v) != 1)
		return 1;
	unsigned long line = 1;
	for (size_t i = 0; i < v.beg; i++) line += text->data[i] == '\n';
	return line;
}

static int read_meta(int qfd, const char *display, struct ekv_buf *text, json_t **root,
		     struct sqs_meta *m, struct ekv_error *err)
{
	int st = ekv_read_input_file(qfd, "_queue.json", display, text, err);
	if (st) return st;
	*root = ekv_json_parse(text->data, text->len, display, EKV_EINPUT, err);
	if (!*root) return err ? (int)err->code : EKV_EINPUT;
	const char *member = NULL;
	const char *why = sqs_meta_parse(*root, SQS_FROM_DUMP, m);
	if (why) member = sqs_bad_member();
	else why = validate_meta(m, &member);
	if (!why) return EKV_OK;
	unsigned long line = member_line(text, member);
	st = ekv_fail(err, EKV_EINPUT, "%s:%lu: %s", display, line, why);
	ekv_error_set_file(err, display, line);
	return st;
}

static int encode_queue(struct ekv_encode_ctx *ctx, const char *dir, struct ekv_error *err)
{
	char display[1024];
	snprintf(display, sizeof display, "sqs/%s", dir);
	int qfd = ekv_open_input_dir(ctx->dir_fd, dir, display, 0, err);
	if (qfd < 0) return err && err->code ? (int)err->code : EKV_EIO;
	struct ekv_dirlist l = { 0 };
	struct ekv_buf text = EKV_BUF_INIT;
	json_t *root = NULL;
	struct sqs_meta meta;
	struct queue_enc e = { .ctx = ctx, .meta = &meta };
	ekv_buf_init(&e.key);
	ekv_buf_init(&e.val);
	int st = ekv_list_dir(qfd, display, &l, err);
	if (!st && find_entry(&l, "_queue.json") < 0)
		st = fail_file(err, EKV_EINPUT, display, 0, "%s: queue directory has no _queue.json%s",
			       display, "");
	snprintf(display, sizeof display, "sqs/%s/_queue.json", dir);
	if (!st) st = read_meta(qfd, display, &text, &root, &meta, err);
	if (!st) st = emit_queue_records(ctx, &meta, &e.key, &e.val, err);
	if (!st && find_entry(&l, "messages.jsonl") >= 0) st = encode_messages(&e, qfd, dir, err);
	if (!st) st = emit_seq(&e, err);
	json_decref(root);
	ekv_buf_release(&text);
	ekv_buf_release(&e.key);
	ekv_buf_release(&e.val);
	ekv_dirlist_free(&l);
	close(qfd);
	return st;
}

int sqs_encode(struct ekv_encode_ctx *ctx, struct ekv_error *err)
{
	struct ekv_dirlist l = { 0 };
	int st = ekv_list_dir(ctx->dir_fd, ctx->dir_path, &l, err);
	for (size_t i = 0; i < l.n && !st; i++) {
		if (l.types[i] == DT_DIR) {
			st = encode_queue(ctx, l.names[i], err);
			continue;
		}
		/* Upstream skips these silently; a file or link where only queue
		 * directories belong is refused instead (fail closed). */
		char display[1024];
		snprintf(display, sizeof display, "sqs/%s", l.names[i]);
		st = fail_file(err, l.types[i] == DT_LNK ? EKV_EUNSAFE : EKV_EINPUT, display, 0,
			       "%s: %s", display, "not a queue directory");
	}
	ekv_dirlist_free(&l);
	return st;
}
