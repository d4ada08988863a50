/*
 * S3 decode: snapshot records -> s3/<bucket>/... (s3.md §4, D20-D24).
 *
 * Snapshot order puts every blob, chunk ref and bucket meta before the
 * manifests that give them meaning (s3.md §4.10), so the scan keeps only
 * small index records, in external sorters that spill (D14):
 *   objs   seg(B) BE64(g) seg(K) 01             -> manifest JSON
 *          seg(B) BE64(g) seg(K) 02 chunk-order -> where the chunk bytes are
 *   facts  seg(B) BE64(g) seg(P) 00|01          -> "P is a directory" / "P exists"
 * plus chunk blobs and chunk refs keyed by digest (chunkrefs.c joins them
 * into objs at finish), and the bucket metas in memory (one small record
 * per bucket). decode_finish then resolves names
 * (names.c) and walks `objs` once: each object's chunks come out in
 * assembly order and are streamed into a temp file beside the final path
 * (D24), read back from the input (source.c).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <openssl/evp.h>
#include "s3_decode.h"
#include "../../lib/error.h"
#include "../../lib/jsonw.h"
#include "../../lib/keymap.h"
#include "../../lib/segment.h"
#include "../../lib/util.h"

/* ---- small helpers ---- */

void s3_printable(const uint8_t *p, size_t n, char *out, size_t cap)
{
	size_t o = 0, i = 0;
	for (; i < n && o + 8 < cap; i++) {
		if (p[i] >= 0x20 && p[i] < 0x7F && p[i] != '\\')
			out[o++] = (char)p[i];
		else
			o += (size_t)snprintf(out + o, cap - o, "\\x%02x", p[i]);
	}
	if (i < n) o += (size_t)snprintf(out + o, cap - o, "...");   /* cut: cap >= 12 */
	out[o] = 0;
}

/* Fails with the key bytes and "bucket B" in the message. */
int s3_fail_obj(struct ekv_error *err, enum ekv_status code, const uint8_t *bucket, size_t bl,
		const uint8_t *key, size_t kl, const char *what)
{
	char b[128];
	s3_printable(bucket, bl, b, sizeof b);
	return ekv_fail_key(err, code, key, kl, "s3: bucket %s: %s", b, what);
}

static struct s3_bucket *bucket_find(struct s3_state *s, const uint8_t *name, size_t n)
{
	size_t lo = 0, hi = s->n_buckets;
	while (lo < hi) {
		size_t mid = (lo + hi) / 2;
		int c = ekv_bytes_cmp(s->buckets[mid].name.data, s->buckets[mid].name.len, name, n);
		if (c == 0) return &s->buckets[mid];
		if (c < 0) lo = mid + 1; else hi = mid;
	}
	return NULL;
}

/* ---- begin / free ---- */

int s3_decode_begin(struct ekv_decode_ctx *ctx, void **state, struct ekv_error *err)
{
	struct s3_state *s = calloc(1, sizeof *s);
	if (!s) return ekv_fail(err, EKV_ENOMEM, "s3: out of memory");
	s->ctx = ctx;
	ekv_buf_init(&s->last_obj);
	ekv_buf_init(&s->scratch);
	s3_chunk_key_init(&s->ck);
	size_t mem = (size_t)(ctx->spill_threshold ? ctx->spill_threshold : EKV_SPILL_THRESHOLD_DEFAULT);
	int rc = ekv_sorter_new(ctx->tmpdir, mem / 2, &s->objs, err);
	if (!rc) rc = ekv_sorter_new(ctx->tmpdir, mem / 8, &s->facts, err);
	if (!rc) rc = ekv_sorter_new(ctx->tmpdir, mem / 8, &s->uploads, err);
	if (!rc) rc = ekv_sorter_new(ctx->tmpdir, mem / 16, &s->cblobs, err);
	if (!rc) rc = ekv_sorter_new(ctx->tmpdir, mem / 16, &s->refs, err);
	if (!rc) rc = s3_source_new(ctx->opts->input, ctx->tmpdir, &s->src, err);
	if (rc) {
		s3_decode_free(s);   /* the core frees only adapters that began */
		s = NULL;
	}
	*state = s;
	return rc;
}

void s3_decode_free(void *state)
{
	struct s3_state *s = state;
	if (!s) return;
	for (size_t i = 0; i < s->n_buckets; i++) {
		ekv_buf_release(&s->buckets[i].name);
		s3_bucket_meta_release(&s->buckets[i].meta);
	}
	free(s->buckets);
	ekv_sorter_free(s->cblobs);
	ekv_sorter_free(s->refs);
	ekv_sorter_free(s->objs);
	ekv_sorter_free(s->facts);
	ekv_sorter_free(s->uploads);
	ekv_buf_release(&s->last_obj);
	ekv_buf_release(&s->scratch);
	s3_chunk_key_release(&s->ck);
	s3_source_free(s->src);
	free(s);
}

/* ---- records ---- */

static int reject_dot_bucket(const struct ekv_buf *b, const struct ekv_record *rec,
			     struct ekv_error *err)
{
	if (!s3_is_dot_name(b->data, b->len)) return 0;
	return ekv_fail_key(err, EKV_EDATA, rec->key, rec->key_len,
			    "s3: bucket name \"%.*s\" cannot be a directory", (int)b->len,
			    (const char *)b->data);
}

/* seg(B) BE64(g) seg(K): the group prefix of objs and facts. */
static int obj_prefix(struct ekv_buf *out, const struct ekv_buf *b, uint64_t g, const uint8_t *k,
		      size_t kl)
{
	ekv_buf_reset(out);
	int st = ekv_keyseg_append(out, b->data, b->len);
	if (!st) st = ekv_buf_append_be64(out, g);
	if (!st) st = ekv_keyseg_append(out, k, kl);
	return st;
}

/* Records the facts names.c needs (s3.md §4.6 DIRS/KEYS): "K exists" (02
 * with a manifest, 01 chunks only; value seg(B) K) and "P is a directory"
 * (00) for every proper '/'-prefix P of K, keyed H(B) BE64(g) H(P) with
 * H = SHA-256. Prefix hashes come from one running digest, so a key with
 * many levels costs linear time and 73 bytes per level. Deduplicated per
 * object state and family. */
static int fact_key(struct ekv_buf *out, const uint8_t hb[32], uint64_t g, const uint8_t hp[32], int type)
{
	ekv_buf_reset(out);
	return ekv_buf_append(out, hb, 32) || ekv_buf_append_be64(out, g) || ekv_buf_append(out, hp, 32) ||
	       ekv_buf_append_byte(out, (uint8_t)type);
}

static int note_object(struct s3_state *s, const struct ekv_buf *b, uint64_t g,
		       const struct ekv_buf *k, int manifest, struct ekv_error *err)
{
	struct ekv_buf *p = &s->scratch;
	uint8_t hb[32], hk[32];
	ekv_sha256(b->data, b->len, hb);
	ekv_sha256(k->data, k->len, hk);
	if (fact_key(p, hb, g, hk, manifest ? 2 : 1)) return ekv_fail(err, EKV_ENOMEM, "s3: out of memory");
	if (p->len == s->last_obj.len && memcmp(p->data, s->last_obj.data, p->len) == 0) return 0;
	if (ekv_buf_set(&s->last_obj, p->data, p->len)) return ekv_fail(err, EKV_ENOMEM, "s3: oom");
	struct ekv_buf ident = EKV_BUF_INIT;
	int rc = ekv_keyseg_append(&ident, b->data, b->len) || ekv_buf_append(&ident, k->data, k->len)
			 ? ekv_fail(err, EKV_ENOMEM, "s3: out of memory")
			 : ekv_sorter_add(s->facts, p->data, p->len, ident.data, ident.len, err);
	ekv_buf_release(&ident);
	EVP_MD_CTX *run = rc ? NULL : EVP_MD_CTX_new(), *cut = rc ? NULL : EVP_MD_CTX_new();
	if (!rc && (!run || !cut || !EVP_DigestInit_ex(run, EVP_sha256(), NULL)))
		rc = ekv_fail(err, EKV_ENOMEM, "s3: out of memory");
	size_t done = 0;
	for (size_t i = 0; !rc && i < k->len; i++) {
		if (k->data[i] != '/') continue;
		uint8_t hp[32];
		unsigned hl = 0;
		EVP_DigestUpdate(run, k->data + done, i - done);
		done = i;
		if (!EVP_MD_CTX_copy_ex(cut, run) || !EVP_DigestFinal_ex(cut, hp, &hl) || fact_key(p, hb, g, hp, 0))
			rc = ekv_fail(err, EKV_ENOMEM, "s3: out of memory");
		else
			rc = ekv_sorter_add(s->facts, p->data, p->len, NULL, 0, err);
	}
	EVP_MD_CTX_free(run);
	EVP_MD_CTX_free(cut);
	return rc;
}

static int on_bucket_meta(struct s3_state *s, const struct ekv_record *rec, struct ekv_error *err)
{
	struct ekv_buf name = EKV_BUF_INIT;
	if (s3_parse_bucket_key(rec->key + rec->prefix_len, rec->key_len - rec->prefix_len, &name)) {
		ekv_buf_release(&name);
		return ekv_fail_key(err, EKV_EDATA, rec->key, rec->key_len, "s3: malformed bucket meta key");
	}
	struct s3_bucket_meta meta;
	s3_bucket_meta_init(&meta);
	int rc = reject_dot_bucket(&name, rec, err);
	if (!rc) rc = s3_bucket_meta_parse(rec->value, rec->value_len, &meta, err);
	if (!rc && meta.generation == 0)   /* which generation is live cannot be told */
		rc = ekv_fail(err, EKV_EDATA, "s3: bucket meta without a generation");
	struct s3_bucket *nb = NULL;
	if (!rc) {
		nb = realloc(s->buckets, (s->n_buckets + 1) * sizeof *nb);
		if (!nb) rc = ekv_fail(err, EKV_ENOMEM, "s3: out of memory");
	}
	if (rc) {
		ekv_error_set_key(err, rec->key, rec->key_len);
		ekv_buf_release(&name);
		s3_bucket_meta_release(&meta);
		return rc;
	}
	s->buckets = nb;
	struct s3_bucket *b = &s->buckets[s->n_buckets++];
	memset(b, 0, sizeof *b);
	b->name = name;
	b->meta = meta;
	/* keys arrive sorted, so the table stays sorted for bucket_find */
	if (s->n_buckets > 1 && ekv_bytes_cmp(nb[s->n_buckets - 2].name.data, nb[s->n_buckets - 2].name.len,
					      name.data, name.len) >= 0)
		s->unsorted = 1;
	return 0;
}

static int add_obj_record(struct s3_state *s, const struct ekv_buf *prefix, const struct ekv_buf *tail,
			  const void *val, size_t vlen, struct ekv_error *err)
{
	struct ekv_buf k = EKV_BUF_INIT;
	int rc = ekv_buf_append(&k, prefix->data, prefix->len) || ekv_buf_append(&k, tail->data, tail->len)
			 ? ekv_fail(err, EKV_ENOMEM, "s3: out of memory")
			 : ekv_sorter_add(s->objs, k.data, k.len, val, vlen, err);
	ekv_buf_release(&k);
	return rc;
}

/* Chunk sort tail: 02 seg(U) BE64(part) BE64(pv) offloaded BE64(chunk), the
 * assembly order of s3.md §4.3 within one upload. */
static int chunk_tail(struct ekv_buf *t, const struct s3_chunk_key *c, int offloaded)
{
	ekv_buf_reset(t);
	return ekv_buf_append_byte(t, 2) || ekv_keyseg_append(t, c->upload.data, c->upload.len) ||
	       ekv_buf_append_be64(t, c->part) || ekv_buf_append_be64(t, c->pv) ||
	       ekv_buf_append_byte(t, (uint8_t)offloaded) || ekv_buf_append_be64(t, c->chunk);
}

static int on_chunk(struct s3_state *s, const struct ekv_record *rec, int offloaded,
		    struct ekv_error *err)
{
	struct s3_chunk_key *c = &s->ck;
	if (s3_parse_chunk_key(rec->key + rec->prefix_len, rec->key_len - rec->prefix_len, c))
		return ekv_fail_key(err, EKV_EDATA, rec->key, rec->key_len, "s3: malformed %s key",
				    offloaded ? "chunk ref" : "blob");
	int rc = reject_dot_bucket(&c->bucket, rec, err);
	if (rc) return rc;
	uint8_t val[17], digest[32];
	uint64_t size = 0, loc = 0;
	if (offloaded && s3_parse_chunkref_value(rec->value, rec->value_len, digest, &size))
		return ekv_fail_key(err, EKV_EDATA, rec->key, rec->key_len, "s3: invalid chunk ref value");
	if (!offloaded && (rc = s3_source_add(s->src, rec, &loc, err))) return rc;
	struct ekv_buf okey = EKV_BUF_INIT, tail = EKV_BUF_INIT;
	if (obj_prefix(&okey, &c->bucket, c->gen, c->object.data, c->object.len) ||
	    chunk_tail(&tail, c, offloaded) || ekv_buf_append(&okey, tail.data, tail.len))
		rc = ekv_fail(err, EKV_ENOMEM, "s3: out of memory");
	if (!rc && offloaded) {
		/* filed into objs once its blob is known (chunkrefs.c) */
		rc = s3_note_chunkref(s, digest, size, &okey, err);
	} else if (!rc) {
		val[0] = 'I';
		ekv_put_be64(val + 1, loc);
		ekv_put_be64(val + 9, rec->value_len);
		rc = ekv_sorter_add(s->objs, okey.data, okey.len, val, 17, err);
	}
	ekv_buf_release(&okey);
	ekv_buf_release(&tail);
	if (!rc) rc = note_object(s, &c->bucket, c->gen, &c->object, 0, err);
	return rc;
}

static int hex_nibble(uint8_t c)
{
	if (c >= '0' && c <= '9') return c - '0';
	if (c >= 'a' && c <= 'f') return c - 'a' + 10;
	if (c >= 'A' && c <= 'F') return c - 'A' + 10;
	return -1;
}

/* !s3|chunkblob|<64 hex>: hash-checked now, located for later (s3.md §3.7). */
static int on_chunkblob(struct s3_state *s, const struct ekv_record *rec, struct ekv_error *err)
{
	const uint8_t *hex = rec->key + rec->prefix_len;
	uint8_t digest[32], actual[32];
	if (rec->key_len - rec->prefix_len != 64)
		return ekv_fail_key(err, EKV_EDATA, rec->key, rec->key_len, "s3: malformed chunk blob key");
	for (int i = 0; i < 32; i++) {
		int hi = hex_nibble(hex[2 * i]), lo = hex_nibble(hex[2 * i + 1]);
		if (hi < 0 || lo < 0)
			return ekv_fail_key(err, EKV_EDATA, rec->key, rec->key_len, "s3: malformed chunk blob key");
		digest[i] = (uint8_t)(hi << 4 | lo);
	}
	ekv_sha256(rec->value, rec->value_len, actual);
	if (memcmp(digest, actual, 32) != 0)
		return ekv_fail_key(err, EKV_EDATA, rec->key, rec->key_len,
				    "s3: chunk blob content does not match its SHA-256");
	uint64_t off;
	int rc = s3_source_add(s->src, rec, &off, err);
	if (!rc) rc = s3_note_chunkblob(s, digest, off, rec->value_len, err);
	return rc;
}

static int on_manifest(struct s3_state *s, const struct ekv_record *rec, struct ekv_error *err)
{
	struct ekv_buf bucket = EKV_BUF_INIT, object = EKV_BUF_INIT, prefix = EKV_BUF_INIT;
	struct ekv_buf tail = EKV_BUF_INIT;
	uint64_t gen;
	int rc = 0;
	if (s3_parse_manifest_key(rec->key + rec->prefix_len, rec->key_len - rec->prefix_len, &bucket,
				  &gen, &object))
		rc = ekv_fail_key(err, EKV_EDATA, rec->key, rec->key_len, "s3: malformed manifest key");
	if (!rc) rc = reject_dot_bucket(&bucket, rec, err);
	if (!rc) {
		/* validated now, also for stale generations (s3.md §3.3) */
		struct s3_manifest m;
		s3_manifest_init(&m);
		rc = s3_manifest_parse(rec->value, rec->value_len, &m, err);
		s3_manifest_release(&m);
		if (rc) ekv_error_set_key(err, rec->key, rec->key_len);
	}
	/* value: BE64(record offset) so finish-time errors can name it, then the JSON */
	struct ekv_buf val = EKV_BUF_INIT;
	if (!rc && (obj_prefix(&prefix, &bucket, gen, object.data, object.len) ||
		    ekv_buf_append_byte(&tail, 1) || ekv_buf_append_be64(&val, rec->offset) ||
		    ekv_buf_append(&val, rec->value, rec->value_len)))
		rc = ekv_fail(err, EKV_ENOMEM, "s3: out of memory");
	if (!rc) rc = add_obj_record(s, &prefix, &tail, val.data, val.len, err);
	ekv_buf_release(&val);
	if (!rc) rc = note_object(s, &bucket, gen, &object, 1, err);
	ekv_buf_release(&bucket);
	ekv_buf_release(&object);
	ekv_buf_release(&prefix);
	ekv_buf_release(&tail);
	return rc;
}

/* --include-incomplete-uploads: one records.jsonl line per row (s3.md §4.8). */
static int on_upload(struct s3_state *s, const struct ekv_record *rec, const char *prefix,
		     struct ekv_error *err)
{
	const uint8_t *rest = rec->key + rec->prefix_len;
	size_t n = rec->key_len - rec->prefix_len;
	size_t end = 0;
	int found = 0;
	if (rec->tag == S_UPLOAD_PART) {
		struct ekv_buf b = EKV_BUF_INIT, o = EKV_BUF_INIT, u = EKV_BUF_INIT;
		size_t pos = 0;
		uint64_t g, part;
		int bad = ekv_keyseg_read(rest, n, &pos, &b) || s3_u64_read(rest, n, &pos, &g) ||
			  ekv_keyseg_read(rest, n, &pos, &o) || ekv_keyseg_read(rest, n, &pos, &u) ||
			  s3_u64_read(rest, n, &pos, &part) || pos != n;
		ekv_buf_release(&b);
		ekv_buf_release(&o);
		ekv_buf_release(&u);
		if (bad) return ekv_fail_key(err, EKV_EDATA, rec->key, rec->key_len, "s3: malformed upload part key");
	}
	/* upstream's heuristic: the bucket is the raw bytes before the first 00 01 */
	for (size_t i = 0; i + 1 < n; i++)
		if (rest[i] == 0 && rest[i + 1] == 1) { end = i; found = 1; break; }
	if (!found)
		return ekv_fail_key(err, EKV_EDATA, rec->key, rec->key_len, "s3: malformed upload key");
	if (s3_is_dot_name(rest, end))
		return ekv_fail_key(err, EKV_EDATA, rec->key, rec->key_len, "s3: upload row with bucket \"\", \".\" or \"..\"");
	struct ekv_buf line = EKV_BUF_INIT, k64 = EKV_BUF_INIT, v64 = EKV_BUF_INIT, key = EKV_BUF_INIT;
	struct ekv_jw w;
	int rc = ekv_b64std_encode(&k64, rec->key, rec->key_len) ||
		 ekv_b64std_encode(&v64, rec->value, rec->value_len);
	if (!rc) {
		ekv_jw_init(&w, &line, EKV_JW_PROFILE_B);
		ekv_jw_obj_begin(&w);
		ekv_jw_key(&w, "prefix");
		ekv_jw_cstr(&w, prefix);
		ekv_jw_key(&w, "key");
		ekv_jw_str(&w, k64.data, k64.len);
		ekv_jw_key(&w, "value");
		ekv_jw_str(&w, v64.data, v64.len);
		ekv_jw_obj_end(&w);
		rc = ekv_jw_finish(&w);
	}
	/* key: seg(raw bucket) BE64(arrival) keeps snapshot order per bucket */
	if (!rc) rc = ekv_keyseg_append(&key, rest, end) || ekv_buf_append_be64(&key, s->upload_seq++);
	if (rc) rc = ekv_fail(err, EKV_ENOMEM, "s3: out of memory");
	else rc = ekv_sorter_add(s->uploads, key.data, key.len, line.data, line.len, err);
	ekv_buf_release(&line);
	ekv_buf_release(&k64);
	ekv_buf_release(&v64);
	ekv_buf_release(&key);
	return rc;
}

int s3_decode_record(void *state, const struct ekv_record *rec, struct ekv_error *err)
{
	struct s3_state *s = state;
	switch (rec->tag) {
	case S_BUCKET_META: return on_bucket_meta(s, rec, err);
	case S_BLOB: return on_chunk(s, rec, 0, err);
	case S_CHUNKREF: return on_chunk(s, rec, 1, err);
	case S_CHUNKBLOB: return on_chunkblob(s, rec, err);
	case S_OBJ_HEAD: return on_manifest(s, rec, err);
	case S_UPLOAD_META:
		if (!s->ctx->opts->include_incomplete_uploads) return 0;
		return on_upload(s, rec, P_UPLOAD_META, err);
	case S_UPLOAD_PART:
		if (!s->ctx->opts->include_incomplete_uploads) return 0;
		return on_upload(s, rec, P_UPLOAD_PART, err);
	default: return 0;   /* bucket generation counters: internal, never dumped */
	}
}

/* ---- finish ---- */

static int cmp_bucket(const void *a, const void *b)
{
	const struct s3_bucket *x = a, *y = b;
	return ekv_bytes_cmp(x->name.data, x->name.len, y->name.data, y->name.len);
}

int s3_mkdirs_parent(struct ekv_tree *t, const char *rel, struct ekv_error *err)
{
	const char *slash = strrchr(rel, '/');
	if (!slash) return 0;
	char *dir = strndup(rel, (size_t)(slash - rel));
	if (!dir) return ekv_fail(err, EKV_ENOMEM, "s3: out of memory");
	int rc = ekv_tree_mkdirs(t, dir, err);
	free(dir);
	return rc;
}

int s3_bucket_dir(struct ekv_buf *out, const uint8_t *name, size_t n)
{
	int fb;
	ekv_buf_reset(out);
	if (ekv_buf_append_str(out, "s3/")) return EKV_ENOMEM;
	return ekv_segment_encode(out, name, n, &fb);
}

static int write_bucket_files(struct s3_state *s, struct ekv_error *err)
{
	struct ekv_buf path = EKV_BUF_INIT, body = EKV_BUF_INIT;
	int rc = 0;
	for (size_t i = 0; i < s->n_buckets && !rc; i++) {
		struct s3_bucket *b = &s->buckets[i];
		if (i > 0 && cmp_bucket(&s->buckets[i - 1], b) == 0) {
			rc = ekv_fail_key(err, EKV_EDATA, b->name.data, b->name.len, "s3: bucket meta seen twice");
			break;
		}
		ekv_buf_reset(&body);
		if (s3_bucket_dir(&path, b->name.data, b->name.len) ||
		    ekv_buf_append_str(&path, "/_bucket.json") ||
		    s3_write_bucket_json(&body, b->name.data, b->name.len, &b->meta))
			rc = ekv_fail(err, EKV_ENOMEM, "s3: out of memory");
		else
			rc = ekv_tree_write(s->ctx->tree, (const char *)path.data, body.data, body.len, err);
	}
	ekv_buf_release(&path);
	ekv_buf_release(&body);
	return rc;
}

static int write_uploads(struct s3_state *s, struct ekv_error *err)
{
	const uint8_t *k, *v;
	size_t kl, vl;
	struct ekv_buf cur = EKV_BUF_INIT, path = EKV_BUF_INIT, name = EKV_BUF_INIT;
	struct ekv_file *f = NULL;
	int rc = ekv_sorter_finish(s->uploads, err), r;
	while (!rc && (r = ekv_sorter_next(s->uploads, &k, &kl, &v, &vl, err)) == 1) {
		size_t span = ekv_keyseg_span(k, kl, 0);
		if (!f || span != cur.len || memcmp(cur.data, k, span) != 0) {
			if (f && (rc = ekv_file_commit(f, err))) { f = NULL; break; }
			f = NULL;
			size_t pos = 0;
			if (ekv_buf_set(&cur, k, span) || ekv_keyseg_read(k, kl, &pos, &name) ||
			    s3_bucket_dir(&path, name.data, name.len) ||
			    ekv_buf_append_str(&path, "/_incomplete_uploads/records.jsonl")) {
				rc = ekv_fail(err, EKV_ENOMEM, "s3: out of memory");
				break;
			}
			if ((rc = s3_mkdirs_parent(s->ctx->tree, (const char *)path.data, err))) break;
			if ((rc = ekv_tree_open(s->ctx->tree, (const char *)path.data, &f, err))) { f = NULL; break; }
		}
		rc = ekv_file_write(f, v, vl, err);
	}
	if (!rc && r < 0) rc = err->code ? (int)err->code : EKV_EIO;
	if (f) {
		if (!rc) rc = ekv_file_commit(f, err);
		else ekv_file_abort(f);
	}
	ekv_buf_release(&cur);
	ekv_buf_release(&path);
	ekv_buf_release(&name);
	return rc;
}

static int warn_stale(struct s3_state *s)
{
	for (size_t i = 0; i < s->n_buckets; i++) {
		struct s3_bucket *b = &s->buckets[i];
		if (!b->stale) continue;
		char name[128];
		s3_printable(b->name.data, b->name.len, name, sizeof name);
		ekv_warn(s->ctx, "s3_stale_generation_objects",
			 "bucket=%s active_generation=%llu stale_count=%llu hint=stale-gen objects excluded; restore would otherwise emit them under the new bucket",
			 name, (unsigned long long)b->meta.generation, (unsigned long long)b->stale);
	}
	return 0;
}

int s3_decode_finish(void *state, struct ekv_error *err)
{
	struct s3_state *s = state;
	if (s->unsorted) qsort(s->buckets, s->n_buckets, sizeof *s->buckets, cmp_bucket);
	int rc = s3_resolve_chunkrefs(s, err);
	if (!rc) rc = write_bucket_files(s, err);
	struct ekv_sorter *decisions = NULL, *keymap = NULL;
	size_t mem = (size_t)(s->ctx->spill_threshold ? s->ctx->spill_threshold : EKV_SPILL_THRESHOLD_DEFAULT);
	if (!rc) rc = ekv_sorter_new(s->ctx->tmpdir, mem / 8, &decisions, err);
	if (!rc) rc = ekv_sorter_new(s->ctx->tmpdir, mem / 8, &keymap, err);
	if (!rc) rc = s3_resolve_names(s, decisions, err);
	if (!rc) rc = s3_write_objects(s, decisions, keymap, err);
	if (!rc) rc = s3_write_keymaps(s, keymap, err);
	if (!rc) rc = write_uploads(s, err);
	if (!rc) rc = warn_stale(s);
	ekv_sorter_free(decisions);
	ekv_sorter_free(keymap);
	return rc;
}

struct s3_bucket *s3_bucket_lookup(struct s3_state *s, const uint8_t *name, size_t n)
{
	return bucket_find(s, name, n);
}
