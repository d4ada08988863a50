/*
 * Object output (s3.md §4.3, §4.4, §4.7; D21-D24): one walk over the
 * `objs` sorter. Records of one (bucket, generation, key) are adjacent; the
 * manifest sorts first, then the chunks in assembly order (upload, part,
 * part version, inline before offloaded, chunk). A live object's chunks
 * are checked for completeness while they stream into a temp file beside
 * the final path, which is committed only when the body is whole and its
 * length equals size_bytes (D22). Nothing per chunk is kept.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <openssl/evp.h>
#include "s3_decode.h"
#include "../../lib/error.h"
#include "../../lib/keymap.h"
#include "../../lib/segment.h"
#include "../../lib/util.h"

#define COPY_BUF (1u << 20)

enum obj_status { ST_LIVE, ST_STALE, ST_NO_BUCKET };

struct obj_group {
	struct ekv_buf prefix;          /* seg(B) BE64(g) seg(K) */
	struct ekv_buf bucket, key, upload, path, tmp;
	uint64_t gen;
	struct s3_bucket *b;
	enum obj_status status;
	int has_manifest;
	uint64_t manifest_offset;       /* snapshot offset of the manifest record */
	struct s3_manifest m;
	size_t *order;                  /* manifest parts sorted by part_no */
	size_t cur;                     /* index into order of the part being read */
	uint64_t expected;              /* next chunk number of that part */
	int cls;
	struct ekv_file *f;
	uint64_t written;
	EVP_MD_CTX *md5;
	uint64_t inline_chunks;
};

struct walk {
	struct s3_state *s;
	struct ekv_sorter *decisions, *keymap;
	struct ekv_buf dec_key;         /* current decision record */
	int dec_class, dec_state;       /* dec_state: 0 not read, 1 have, 2 end */
	uint8_t *buf;
	struct obj_group g;
};

static void group_reset(struct obj_group *g)
{
	ekv_file_abort(g->f);
	g->f = NULL;
	s3_manifest_release(&g->m);
	free(g->order);
	g->order = NULL;
	if (g->md5) EVP_MD_CTX_free(g->md5);
	g->md5 = NULL;
	g->has_manifest = 0;
	g->cur = 0;
	g->expected = 0;
	g->written = 0;
	g->inline_chunks = 0;
}

static int oom(struct ekv_error *err)
{
	return ekv_fail(err, EKV_ENOMEM, "s3: out of memory");
}

static int group_fail(struct obj_group *g, struct ekv_error *err, const char *what)
{
	int rc = s3_fail_obj(err, EKV_EDATA, g->bucket.data, g->bucket.len, g->key.data, g->key.len, what);
	if (g->has_manifest) ekv_error_set_offset(err, g->manifest_offset);
	return rc;
}

/* ---- decisions stream (names.c) ---- */

static int decision_for(struct walk *w, struct ekv_error *err)
{
	struct obj_group *g = &w->g;
	struct ekv_buf want = EKV_BUF_INIT;
	if (ekv_keyseg_append(&want, g->bucket.data, g->bucket.len) ||
	    ekv_keyseg_append(&want, g->key.data, g->key.len)) {
		ekv_buf_release(&want);
		return oom(err);
	}
	int rc = 0, c;
	for (;;) {
		if (w->dec_state == 0) {
			const uint8_t *k, *v;
			size_t kl, vl;
			int r = ekv_sorter_next(w->decisions, &k, &kl, &v, &vl, err);
			if (r < 0) { rc = err->code ? (int)err->code : EKV_EIO; break; }
			if (r == 0) { w->dec_state = 2; continue; }
			if (ekv_buf_set(&w->dec_key, k, kl)) { rc = oom(err); break; }
			w->dec_class = vl ? v[0] : C_SHA;
			w->dec_state = 1;
		}
		c = w->dec_state == 2 ? 1 : ekv_bytes_cmp(w->dec_key.data, w->dec_key.len, want.data, want.len);
		if (c < 0) { w->dec_state = 0; continue; }
		if (c > 0) rc = group_fail(g, err, "internal: no name decision for object");
		else g->cls = w->dec_class;
		break;
	}
	ekv_buf_release(&want);
	return rc;
}

/* ---- group start ---- */

static int group_start(struct walk *w, const uint8_t *k, size_t span, struct ekv_error *err)
{
	struct obj_group *g = &w->g;
	group_reset(g);
	size_t pos = 0;
	if (ekv_buf_set(&g->prefix, k, span) || ekv_keyseg_read(k, span, &pos, &g->bucket) ||
	    s3_u64_read(k, span, &pos, &g->gen) || ekv_keyseg_read(k, span, &pos, &g->key))
		return oom(err);
	g->b = s3_bucket_lookup(w->s, g->bucket.data, g->bucket.len);
	g->status = !g->b ? ST_NO_BUCKET : g->b->meta.generation != g->gen ? ST_STALE : ST_LIVE;
	return 0;
}

static int cmp_part(const void *a, const void *b, void *ctx)
{
	const struct s3_part *p = ctx;
	uint64_t x = p[*(const size_t *)a].part_no, y = p[*(const size_t *)b].part_no;
	return (x > y) - (x < y);
}

static int is_hex32(const struct ekv_buf *e)
{
	if (e->len != 32) return 0;
	for (size_t i = 0; i < 32; i++) {
		uint8_t c = e->data[i];
		if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F'))) return 0;
	}
	return 1;
}

/* The manifest of a live object: parts, name, temp file beside the final path. */
static int on_manifest(struct walk *w, const uint8_t *v, size_t vl, struct ekv_error *err)
{
	struct obj_group *g = &w->g;
	if (g->status != ST_LIVE) return 0;
	if (vl < 8) return group_fail(g, err, "internal: bad manifest index");
	g->manifest_offset = ekv_be64(v);
	int rc = s3_manifest_parse(v + 8, vl - 8, &g->m, err);
	if (rc) return rc;
	g->has_manifest = 1;
	size_t n = g->m.n_parts;
	g->order = calloc(n ? n : 1, sizeof *g->order);
	if (!g->order) return oom(err);
	for (size_t i = 0; i < n; i++) g->order[i] = i;
	qsort_r(g->order, n, sizeof *g->order, cmp_part, g->m.parts);
	for (size_t i = 1; i < n; i++)
		if (g->m.parts[g->order[i]].part_no == g->m.parts[g->order[i - 1]].part_no)
			return group_fail(g, err, "manifest lists the same part number twice");
	if ((rc = decision_for(w, err))) return rc;
	if (s3_bucket_dir(&g->path, g->bucket.data, g->bucket.len) || ekv_buf_append_byte(&g->path, '/') ||
	    s3_class_name(&g->tmp, g->cls, g->key.data, g->key.len) ||
	    ekv_buf_append(&g->path, g->tmp.data, g->tmp.len))
		return oom(err);
	if (is_hex32(&g->m.etag)) {
		g->md5 = EVP_MD_CTX_new();
		if (!g->md5 || !EVP_DigestInit_ex(g->md5, EVP_md5(), NULL)) return oom(err);
	}
	if ((rc = s3_mkdirs_parent(w->s->ctx->tree, (const char *)g->path.data, err))) return rc;
	rc = ekv_tree_open_temp(w->s->ctx->tree, (const char *)g->path.data, &g->f, err);
	if (rc) g->f = NULL;
	return rc;
}

/* ---- chunks ---- */

struct chunk_rec {
	struct ekv_buf *upload;
	uint64_t part, pv, chunk;
	int offloaded;
	uint64_t off, len;             /* inline: source location */
	int found;                     /* offloaded: the chunk blob exists (off, len) */
	uint64_t size;                 /* offloaded: size the ref declares */
};

static int parse_chunk_rec(struct walk *w, const uint8_t *k, size_t kl, size_t pos, const uint8_t *v,
			   size_t vl, struct chunk_rec *c)
{
	c->upload = &w->g.upload;
	if (ekv_keyseg_read(k, kl, &pos, c->upload) || s3_u64_read(k, kl, &pos, &c->part) ||
	    s3_u64_read(k, kl, &pos, &c->pv) || pos >= kl)
		return -1;
	c->offloaded = k[pos++];
	if (s3_u64_read(k, kl, &pos, &c->chunk)) return -1;
	if (!c->offloaded && vl == 17 && v[0] == 'I') {
		c->off = ekv_be64(v + 1);
		c->len = ekv_be64(v + 9);
		return 0;
	}
	if (c->offloaded && vl == 26 && v[0] == 'R') {
		c->found = v[1];
		c->size = ekv_be64(v + 2);
		c->off = ekv_be64(v + 10);
		c->len = ekv_be64(v + 18);
		return 0;
	}
	return -1;
}

static int copy_bytes(struct walk *w, uint64_t off, uint64_t len, struct ekv_file *f, EVP_MD_CTX *md5,
		      struct ekv_error *err)
{
	for (uint64_t at = 0; at < len;) {
		size_t n = len - at > COPY_BUF ? COPY_BUF : (size_t)(len - at);
		int rc = s3_source_read(w->s->src, off, len, at, w->buf, n, err);
		if (!rc) rc = ekv_file_write(f, w->buf, n, err);
		if (rc) return rc;
		if (md5) EVP_DigestUpdate(md5, w->buf, n);
		at += n;
	}
	return 0;
}

/* Finds the declared part a chunk belongs to (s3.md §4.3 filter); -1 = not used. */
static long declared_index(const struct obj_group *g, const struct chunk_rec *c)
{
	const struct s3_manifest *m = &g->m;
	if (c->offloaded) {
		/* refs compare upload ids exactly, even an empty one (s3.md P15) */
		if (c->upload->len != m->upload_id.len ||
		    memcmp(c->upload->data, m->upload_id.data, c->upload->len) != 0)
			return -1;
	} else if (m->upload_id.len && (c->upload->len != m->upload_id.len ||
					memcmp(c->upload->data, m->upload_id.data, c->upload->len) != 0)) {
		return -1;
	}
	size_t lo = 0, hi = m->n_parts;
	while (lo < hi) {
		size_t mid = (lo + hi) / 2;
		uint64_t pn = m->parts[g->order[mid]].part_no;
		if (pn == c->part) {
			const struct s3_part *p = &m->parts[g->order[mid]];
			uint64_t pv = c->offloaded ? p->chunk_ref_version : p->part_version;
			if (!p->offloaded != !c->offloaded || pv != c->pv || p->chunk_count == 0) return -1;
			return (long)mid;
		}
		if (pn < c->part) lo = mid + 1; else hi = mid;
	}
	return -1;
}

static int missing_chunk(struct obj_group *g, size_t idx, uint64_t chunk, struct ekv_error *err)
{
	const struct s3_part *p = &g->m.parts[g->order[idx]];
	char msg[200];
	snprintf(msg, sizeof msg, "incomplete blob chunks: part %llu (version %llu, offloaded %d) of %llu chunks lacks chunk %llu",
		 (unsigned long long)p->part_no,
		 (unsigned long long)(p->offloaded ? p->chunk_ref_version : p->part_version), p->offloaded,
		 (unsigned long long)p->chunk_count, (unsigned long long)chunk);
	return group_fail(g, err, msg);
}

/* Parts before `upto` must be complete: the one being read, and any
 * skipped ones must declare no chunks. */
static int close_parts(struct obj_group *g, size_t upto, struct ekv_error *err)
{
	for (size_t i = g->cur; i < upto; i++) {
		uint64_t have = i == g->cur ? g->expected : 0;
		if (have != g->m.parts[g->order[i]].chunk_count) return missing_chunk(g, i, have, err);
	}
	return 0;
}

static int live_chunk(struct walk *w, const struct chunk_rec *c, struct ekv_error *err)
{
	struct obj_group *g = &w->g;
	long li = declared_index(g, c);
	if (li < 0) return 0;
	size_t idx = (size_t)li;
	const struct s3_part *p = &g->m.parts[g->order[idx]];
	if (c->offloaded) {
		if (!c->found) return 0;   /* missing blob: shows up as a missing chunk */
		if (c->size > INT64_MAX || c->len != c->size)
			return group_fail(g, err, "invalid chunk ref: size differs from its chunk blob");
		if (c->chunk >= p->n_chunk_sizes || p->chunk_sizes[c->chunk] != c->size)
			return group_fail(g, err, "invalid chunk ref: size differs from the manifest's chunk_sizes");
	}
	if (idx < g->cur || (idx == g->cur && c->chunk < g->expected))
		return group_fail(g, err, "duplicate blob chunk (chunks of two uploads?)");
	if (idx > g->cur) {
		int rc = close_parts(g, idx, err);
		if (rc) return rc;
		g->cur = idx;
		g->expected = 0;
	}
	if (c->chunk >= p->chunk_count)
		return group_fail(g, err, "incomplete blob chunks: chunk number beyond chunk_count");
	if (c->chunk != g->expected) return missing_chunk(g, idx, g->expected, err);
	g->expected++;
	int rc = copy_bytes(w, c->off, c->len, g->f, g->md5, err);
	g->written += c->len;
	return rc;
}

static int orphan_chunk(struct walk *w, const struct chunk_rec *c, struct ekv_error *err)
{
	struct obj_group *g = &w->g;
	if (c->offloaded) return 0;   /* refs are never written to _orphans (s3.md §4.7) */
	g->inline_chunks++;
	if (!w->s->ctx->opts->include_orphans) return 0;
	/* _orphans/<seg(K)>/gen-<G>/<seg(U)>_<part>_<chunk>_<pv>.bin */
	struct ekv_buf *p = &g->path;
	int fb, st = s3_bucket_dir(p, g->bucket.data, g->bucket.len) ||
		     ekv_buf_append_str(p, "/_orphans/");
	size_t before = p->len;
	if (!st) st = ekv_segment_encode(p, g->key.data, g->key.len, &fb);
	if (!st && s3_is_dot_name(p->data + before, p->len - before)) {
		ekv_buf_truncate(p, before);
		st = ekv_segment_sha_fallback(p, g->key.data, g->key.len);
	}
	if (!st) st = ekv_buf_printf(p, "/gen-%llu/", (unsigned long long)g->gen);
	if (!st) st = ekv_segment_encode(p, c->upload->data, c->upload->len, &fb);
	if (!st) st = ekv_buf_printf(p, "_%016llx_%016llx_%016llx.bin", (unsigned long long)c->part,
				     (unsigned long long)c->chunk, (unsigned long long)c->pv);
	if (st) return oom(err);
	struct ekv_file *f = NULL;
	int rc = s3_mkdirs_parent(w->s->ctx->tree, (const char *)p->data, err);
	if (!rc) rc = ekv_tree_open(w->s->ctx->tree, (const char *)p->data, &f, err);
	if (rc) return rc;
	rc = copy_bytes(w, c->off, c->len, f, NULL, err);
	if (rc) ekv_file_abort(f);
	else rc = ekv_file_commit(f, err);
	return rc;
}

static int on_chunk(struct walk *w, const uint8_t *k, size_t kl, size_t pos, const uint8_t *v,
		    size_t vl, struct ekv_error *err)
{
	struct chunk_rec c;
	memset(&c, 0, sizeof c);
	if (parse_chunk_rec(w, k, kl, pos, v, vl, &c)) return group_fail(&w->g, err, "internal: bad chunk index");
	if (w->g.status == ST_LIVE && w->g.has_manifest) return live_chunk(w, &c, err);
	return orphan_chunk(w, &c, err);   /* no manifest, stale generation or no bucket */
}

/* ---- group end ---- */

static void warn_orphan(struct walk *w)
{
	struct obj_group *g = &w->g;
	char b[128], k[256];
	s3_printable(g->bucket.data, g->bucket.len, b, sizeof b);
	s3_printable(g->key.data, g->key.len, k, sizeof k);
	ekv_warn(w->s->ctx, "s3_orphan_chunks",
		 "bucket=%s object=%s chunks=%llu hint=blob chunks present but no !s3|obj|head record matched%s",
		 b, k, (unsigned long long)g->inline_chunks,
		 g->status == ST_NO_BUCKET ? " (bucket has no meta record, D21)" : "");
}

static void check_etag(struct walk *w)
{
	struct obj_group *g = &w->g;
	uint8_t md[EVP_MAX_MD_SIZE];
	unsigned ml = 0;
	char hex[2 * EVP_MAX_MD_SIZE + 1];
	EVP_DigestFinal_ex(g->md5, md, &ml);
	ekv_hex_lower(hex, md, ml);
	if (strncasecmp(hex, (const char *)g->m.etag.data, 32) == 0) return;
	char b[128], k[256];
	s3_printable(g->bucket.data, g->bucket.len, b, sizeof b);
	s3_printable(g->key.data, g->key.len, k, sizeof k);
	ekv_warn(w->s->ctx, "s3_etag_mismatch", "bucket=%s object=%s etag=%.*s body_md5=%s (D22)", b, k,
		 (int)g->m.etag.len, (const char *)g->m.etag.data, hex);
}

static int finish_live(struct walk *w, struct ekv_error *err)
{
	struct obj_group *g = &w->g;
	int rc = close_parts(g, g->m.n_parts, err);
	if (rc) return rc;
	if (g->m.size_bytes < 0 || g->written != (uint64_t)g->m.size_bytes) {
		char msg[160];
		snprintf(msg, sizeof msg, "assembled body is %llu bytes, manifest size_bytes is %lld (D22)",
			 (unsigned long long)g->written, (long long)g->m.size_bytes);
		return group_fail(g, err, msg);
	}
	if (g->md5) check_etag(w);
	rc = ekv_file_commit(g->f, err);
	g->f = NULL;
	if (rc) return rc;
	struct ekv_buf body = EKV_BUF_INIT;
	if (s3_write_sidecar_json(&body, &g->m) || ekv_buf_append_str(&g->path, S3_META_SUFFIX))
		rc = oom(err);
	else
		rc = ekv_tree_write(w->s->ctx->tree, (const char *)g->path.data, body.data, body.len, err);
	ekv_buf_release(&body);
	if (rc || g->cls == C_NATURAL) return rc;
	/* KEYMAP record, sorted later by seg(B) encoded (D23) */
	struct ekv_buf key = EKV_BUF_INIT, val = EKV_BUF_INIT;
	if (ekv_keyseg_append(&key, g->bucket.data, g->bucket.len) ||
	    ekv_buf_append(&key, g->tmp.data, g->tmp.len) || ekv_buf_append_byte(&val, (uint8_t)g->cls) ||
	    ekv_buf_append(&val, g->key.data, g->key.len))
		rc = oom(err);
	else
		rc = ekv_sorter_add(w->keymap, key.data, key.len, val.data, val.len, err);
	ekv_buf_release(&key);
	ekv_buf_release(&val);
	return rc;
}

static int group_end(struct walk *w, struct ekv_error *err)
{
	struct obj_group *g = &w->g;
	switch (g->status) {
	case ST_LIVE:
		if (g->has_manifest) return finish_live(w, err);
		warn_orphan(w);
		return 0;
	case ST_STALE:
		g->b->stale++;
		if (w->s->ctx->opts->include_orphans) warn_orphan(w);
		return 0;
	default:
		warn_orphan(w);   /* D21: no bucket meta, so no bucket to restore into */
		return 0;
	}
}

int s3_write_objects(struct s3_state *s, struct ekv_sorter *decisions, struct ekv_sorter *keymap,
		     struct ekv_error *err)
{
	struct walk w;
	memset(&w, 0, sizeof w);
	w.s = s;
	w.decisions = decisions;
	w.keymap = keymap;
	s3_manifest_init(&w.g.m);
	w.buf = malloc(COPY_BUF);
	int rc = w.buf ? ekv_sorter_finish(s->objs, err) : oom(err), r = 0, open = 0;
	const uint8_t *k, *v;
	size_t kl, vl;
	while (!rc && (r = ekv_sorter_next(s->objs, &k, &kl, &v, &vl, err)) == 1) {
		size_t bs = ekv_keyseg_span(k, kl, 0);
		size_t ks = bs && kl >= bs + 8 ? ekv_keyseg_span(k, kl, bs + 8) : 0;
		if (!ks || bs + 8 + ks >= kl) { rc = ekv_fail(err, EKV_EDATA, "s3: internal: bad object index"); break; }
		size_t span = bs + 8 + ks;
		if (!open || w.g.prefix.len != span || memcmp(w.g.prefix.data, k, span) != 0) {
			if (open && (rc = group_end(&w, err))) break;
			if ((rc = group_start(&w, k, span, err))) break;
			open = 1;
		}
		rc = k[span] == 1 ? on_manifest(&w, v, vl, err) : on_chunk(&w, k, kl, span + 1, v, vl, err);
	}
	if (!rc && r < 0) rc = err->code ? (int)err->code : EKV_EIO;
	if (!rc && open) rc = group_end(&w, err);
	group_reset(&w.g);
	struct obj_group *g = &w.g;
	ekv_buf_release(&g->prefix);
	ekv_buf_release(&g->bucket);
	ekv_buf_release(&g->key);
	ekv_buf_release(&g->upload);
	ekv_buf_release(&g->path);
	ekv_buf_release(&g->tmp);
	ekv_buf_release(&w.dec_key);
	free(w.buf);
	return rc;
}

static const char *kind_of(int cls)
{
	return cls == C_LEAF ? EKV_KEYMAP_S3_LEAF_DATA
	       : cls == C_USERDATA ? EKV_KEYMAP_META_RENAME : EKV_KEYMAP_SHA_FALLBACK;
}

/* One KEYMAP.jsonl per bucket with renames, lines sorted by encoded (D23). */
int s3_write_keymaps(struct s3_state *s, struct ekv_sorter *keymap, struct ekv_error *err)
{
	struct ekv_buf cur = EKV_BUF_INIT, path = EKV_BUF_INIT, name = EKV_BUF_INIT, line = EKV_BUF_INIT;
	struct ekv_file *f = NULL;
	const uint8_t *k, *v;
	size_t kl, vl;
	int r = 0, rc = ekv_sorter_finish(keymap, err);
	while (!rc && (r = ekv_sorter_next(keymap, &k, &kl, &v, &vl, err)) == 1) {
		size_t span = ekv_keyseg_span(k, kl, 0), pos = 0;
		if (!f || span != cur.len || memcmp(cur.data, k, span) != 0) {
			if (f) {
				rc = ekv_file_commit(f, err);
				f = NULL;
				if (rc) break;
			}
			if (ekv_buf_set(&cur, k, span) || ekv_keyseg_read(k, kl, &pos, &name) ||
			    s3_bucket_dir(&path, name.data, name.len) ||
			    ekv_buf_append_str(&path, "/" EKV_KEYMAP_FILE)) {
				rc = oom(err);
				break;
			}
			if ((rc = ekv_tree_open(s->ctx->tree, (const char *)path.data, &f, err))) { f = NULL; break; }
		}
		ekv_buf_reset(&line);
		if (ekv_keymap_append(&line, (const char *)k + span, kl - span, v + 1, vl - 1, kind_of(v[0]))) {
			rc = oom(err);
			break;
		}
		rc = ekv_file_write(f, line.data, line.len, err);
	}
	if (!rc && r < 0) rc = err->code ? (int)err->code : EKV_EIO;
	if (f) {
		if (!rc) rc = ekv_file_commit(f, err);
		else ekv_file_abort(f);
	}
	ekv_buf_release(&cur);
	ekv_buf_release(&path);
	ekv_buf_release(&name);
	ekv_buf_release(&line);
	return rc;
}
