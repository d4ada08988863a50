/*
 * Where each active object is written (s3.md §4.5-§4.6, decision D20).
 *
 * Two sorted passes over small "fact" records, so memory does not grow
 * with the number of objects:
 *  1. facts (H(B) BE64(g) H(P) 00=dir|01=chunks|02=manifest, H = SHA-256 so a
 *     deep key costs 73 bytes per level, not the whole prefix; "exists"
 *     carries seg(B) K as its value), active generation only: a key that exists gets its first class (natural, leaf-data
 *     rename, .user-data rename, SHA fallback for keys that cannot be a
 *     path), and every path it claims besides its own is noted in facts2
 *     (seg(B) seg(path) 00=rename target|01=sidecar|02=object).
 *  2. facts2 in path order with a stack of claimed paths that are
 *     prefixes of the current one: a key whose own name is another key's
 *     rename target, or whose path runs through a claimed file, falls back
 *     to the SHA name (D20). One decision per object goes to `decisions`
 *     keyed seg(B) seg(K), the order objects.c walks them in.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "s3_decode.h"
#include "../../lib/error.h"
#include "../../lib/segment.h"
#include "../../lib/util.h"

enum { F2_TAKEN = 0, F2_SIDECAR = 1, F2_OBJECT = 2 };

static int seg_equals(const uint8_t *p, size_t n, const char *s)
{
	return n == strlen(s) && memcmp(p, s, n) == 0;
}

/* D20: keys that cannot live at their natural path. */
static int needs_fallback(const uint8_t *k, size_t n)
{
	if (n == 0) return 1;
	size_t start = 0;
	int first = 1;
	for (size_t i = 0; i <= n; i++) {
		if (i < n && (k[i] == 0 || k[i] == '\\')) return 1;
		if (i < n && k[i] != '/') continue;
		const uint8_t *seg = k + start;
		size_t sl = i - start;
		if (s3_is_dot_name(seg, sl) || sl > S3_MAX_SEGMENT) return 1;
		/* top-level control names of the bucket directory */
		if (first && (seg_equals(seg, sl, "_bucket.json") || seg_equals(seg, sl, "KEYMAP.jsonl") ||
			      seg_equals(seg, sl, "_orphans") || seg_equals(seg, sl, "_incomplete_uploads")))
			return 1;
		first = 0;
		start = i + 1;
	}
	return 0;
}

static int first_class(const struct s3_state *s, const struct ekv_buf *b, const struct ekv_buf *k,
		       int is_dir, int has_manifest, int *cls, struct ekv_error *err)
{
	if (s3_has_suffix(k->data, k->len, S3_META_SUFFIX)) {
		/* only a key that would be written fails (chunks alone are orphans) */
		if (!s->ctx->opts->rename_s3_collisions && has_manifest)
			return s3_fail_obj(err, EKV_EDATA, b->data, b->len, k->data, k->len,
					   "object key ends in .elastickv-meta.json (use --rename-collisions)");
		*cls = C_USERDATA;
	} else {
		*cls = is_dir ? C_LEAF : C_NATURAL;
	}
	if (needs_fallback(k->data, k->len)) *cls = C_SHA;
	/* renamed keys go to KEYMAP "encoded", a JSON string: keep it exact (D20) */
	if (*cls != C_NATURAL && !ekv_utf8_valid(k->data, k->len)) *cls = C_SHA;
	return 0;
}

static int add_fact2(struct ekv_sorter *f2, struct ekv_buf *tmp, const struct ekv_buf *b,
		     const uint8_t *path, size_t pl, const char *suffix, const char *suffix2, int type,
		     int cls, struct ekv_error *err)
{
	struct ekv_buf full = EKV_BUF_INIT;
	int st = ekv_buf_append(&full, path, pl);
	if (!st && suffix) st = ekv_buf_append_str(&full, suffix);
	if (!st && suffix2) st = ekv_buf_append_str(&full, suffix2);
	ekv_buf_reset(tmp);
	if (!st) st = ekv_keyseg_append(tmp, b->data, b->len);
	if (!st) st = ekv_keyseg_append(tmp, full.data, full.len);
	if (!st) st = ekv_buf_append_byte(tmp, (uint8_t)type);
	ekv_buf_release(&full);
	if (st) return ekv_fail(err, EKV_ENOMEM, "s3: out of memory");
	uint8_t v = (uint8_t)cls;
	return ekv_sorter_add(f2, tmp->data, tmp->len, &v, type == F2_OBJECT ? 1 : 0, err);
}

/* The paths an object claims besides its name's directory chain. */
static int emit_claims(struct ekv_sorter *f2, struct ekv_buf *tmp, const struct ekv_buf *b,
		       const struct ekv_buf *k, int cls, struct ekv_error *err)
{
	int rc = add_fact2(f2, tmp, b, k->data, k->len, NULL, NULL, F2_OBJECT, cls, err);
	if (rc) return rc;
	switch (cls) {
	case C_NATURAL:
		return add_fact2(f2, tmp, b, k->data, k->len, S3_META_SUFFIX, NULL, F2_SIDECAR, 0, err);
	case C_LEAF:
		rc = add_fact2(f2, tmp, b, k->data, k->len, S3_LEAF_SUFFIX, NULL, F2_TAKEN, 0, err);
		if (!rc) rc = add_fact2(f2, tmp, b, k->data, k->len, S3_LEAF_SUFFIX, S3_META_SUFFIX, F2_SIDECAR, 0, err);
		return rc;
	case C_USERDATA:
		rc = add_fact2(f2, tmp, b, k->data, k->len, S3_USERDATA_SUFFIX, NULL, F2_TAKEN, 0, err);
		if (!rc) rc = add_fact2(f2, tmp, b, k->data, k->len, S3_USERDATA_SUFFIX, S3_META_SUFFIX, F2_SIDECAR, 0, err);
		return rc;
	default:
		return 0;   /* SHA names live at the bucket root and contain no '/' */
	}
}

/* Pass 1: facts -> facts2. */
static int pass_facts(struct s3_state *s, struct ekv_sorter *f2, struct ekv_error *err)
{
	const uint8_t *k, *v;
	size_t kl, vl;
	struct ekv_buf group = EKV_BUF_INIT, ident = EKV_BUF_INIT, b = EKV_BUF_INIT, key = EKV_BUF_INIT;
	struct ekv_buf tmp = EKV_BUF_INIT;
	int is_dir = 0, exists = 0, has_manifest = 0, have = 0, r, rc = ekv_sorter_finish(s->facts, err);
	for (;;) {
		r = rc ? 0 : ekv_sorter_next(s->facts, &k, &kl, &v, &vl, err);
		if (r < 0) { rc = err->code ? (int)err->code : EKV_EIO; break; }
		int same = r == 1 && have && group.len == kl - 1 && memcmp(group.data, k, kl - 1) == 0;
		if (have && !same && exists) {
			/* group done: H(B) BE64(g) H(K); the value of "exists" is seg(B) K */
			size_t pos = 0;
			uint64_t g = ekv_be64(group.data + 32);
			ekv_keyseg_read(ident.data, ident.len, &pos, &b);
			if (ekv_buf_set(&key, ident.data + pos, ident.len - pos)) { rc = ekv_fail(err, EKV_ENOMEM, "s3: oom"); break; }
			struct s3_bucket *bk = s3_bucket_lookup(s, b.data, b.len);
			if (bk && bk->meta.generation == g) {
				int cls = 0;
				rc = first_class(s, &b, &key, is_dir, has_manifest, &cls, err);
				if (!rc) rc = emit_claims(f2, &tmp, &b, &key, cls, err);
				if (rc) break;
			}
		}
		if (r != 1) break;
		if (!same) {
			if (ekv_buf_set(&group, k, kl - 1)) { rc = ekv_fail(err, EKV_ENOMEM, "s3: oom"); break; }
			have = 1;
			is_dir = exists = has_manifest = 0;
		}
		if (k[kl - 1] == 0) {
			is_dir = 1;
		} else {
			if (!exists && ekv_buf_set(&ident, v, vl)) { rc = ekv_fail(err, EKV_ENOMEM, "s3: oom"); break; }
			exists = 1;
		}
		if (k[kl - 1] == 2) has_manifest = 1;
	}
	ekv_buf_release(&group);
	ekv_buf_release(&ident);
	ekv_buf_release(&b);
	ekv_buf_release(&key);
	ekv_buf_release(&tmp);
	return rc;
}

struct claim_stack {
	struct ekv_buf *paths;
	size_t n, cap;
};

static void stack_pop_to_prefixes(struct claim_stack *st, const struct ekv_buf *p)
{
	while (st->n) {
		const struct ekv_buf *top = &st->paths[st->n - 1];
		if (top->len <= p->len && memcmp(top->data, p->data, top->len) == 0) break;
		ekv_buf_release(&st->paths[--st->n]);
	}
}

static int stack_blocks(const struct claim_stack *st, const struct ekv_buf *p)
{
	for (size_t i = 0; i < st->n; i++) {
		size_t l = st->paths[i].len;
		if (l < p->len && p->data[l] == '/') return 1;
	}
	return 0;
}

static int stack_push(struct claim_stack *st, const struct ekv_buf *p)
{
	if (st->n == st->cap) {
		size_t cap = st->cap ? 2 * st->cap : 8;
		struct ekv_buf *np = realloc(st->paths, cap * sizeof *np);
		if (!np) return -1;
		st->paths = np;
		st->cap = cap;
	}
	ekv_buf_init(&st->paths[st->n]);
	return ekv_buf_set(&st->paths[st->n++], p->data, p->len);
}

static void stack_clear(struct claim_stack *st)
{
	while (st->n) ekv_buf_release(&st->paths[--st->n]);
}

/* Pass 2: facts2 -> decisions. */
static int pass_claims(struct ekv_sorter *f2, struct ekv_sorter *decisions, struct ekv_error *err)
{
	const uint8_t *k, *v;
	size_t kl, vl;
	struct ekv_buf group = EKV_BUF_INIT, bucket = EKV_BUF_INIT, path = EKV_BUF_INIT;
	struct claim_stack st = { 0 };
	int taken = 0, claimed = 0, cls = -1, have = 0, r, rc = ekv_sorter_finish(f2, err);
	for (;;) {
		r = rc ? 0 : ekv_sorter_next(f2, &k, &kl, &v, &vl, err);
		if (r < 0) { rc = err->code ? (int)err->code : EKV_EIO; break; }
		int same = r == 1 && have && group.len == kl - 1 && memcmp(group.data, k, kl - 1) == 0;
		if (have && !same) {
			size_t bspan = ekv_keyseg_span(group.data, group.len, 0), pos = bspan;
			if (bucket.len != bspan || memcmp(bucket.data, group.data, bspan) != 0) {
				stack_clear(&st);   /* claims never cross buckets */
				ekv_buf_set(&bucket, group.data, bspan);
			}
			ekv_keyseg_read(group.data, group.len, &pos, &path);
			stack_pop_to_prefixes(&st, &path);
			if (cls >= 0) {
				/* D20: another key's rename target, or a path through a claimed file */
				if (taken || stack_blocks(&st, &path)) cls = C_SHA;
				uint8_t c = (uint8_t)cls;
				rc = ekv_sorter_add(decisions, group.data, group.len, &c, 1, err);
				if (rc) break;
			}
			if ((taken || claimed) && stack_push(&st, &path)) {
				rc = ekv_fail(err, EKV_ENOMEM, "s3: out of memory");
				break;
			}
		}
		if (r != 1) break;
		if (!same) {
			if (ekv_buf_set(&group, k, kl - 1)) { rc = ekv_fail(err, EKV_ENOMEM, "s3: oom"); break; }
			have = 1;
			taken = claimed = 0;
			cls = -1;
		}
		if (k[kl - 1] == F2_TAKEN) taken = 1;
		else if (k[kl - 1] == F2_SIDECAR) claimed = 1;
		else if (vl == 1) cls = v[0];
	}
	stack_clear(&st);
	free(st.paths);
	ekv_buf_release(&group);
	ekv_buf_release(&bucket);
	ekv_buf_release(&path);
	return rc;
}

int s3_resolve_names(struct s3_state *s, struct ekv_sorter *decisions, struct ekv_error *err)
{
	struct ekv_sorter *f2 = NULL;
	size_t mem = (size_t)(s->ctx->spill_threshold ? s->ctx->spill_threshold : EKV_SPILL_THRESHOLD_DEFAULT);
	int rc = ekv_sorter_new(s->ctx->tmpdir, mem / 8, &f2, err);
	if (!rc) rc = pass_facts(s, f2, err);
	if (!rc) rc = pass_claims(f2, decisions, err);
	if (!rc) rc = ekv_sorter_finish(decisions, err);
	ekv_sorter_free(f2);
	return rc;
}

int s3_class_name(struct ekv_buf *out, int cls, const uint8_t *key, size_t kl)
{
	ekv_buf_reset(out);
	if (cls == C_SHA) {
		/* container.md §5.2 SHA fallback of the whole key; bare hash when the
		 * name would end like a sidecar or a rename (D20) */
		if (ekv_segment_sha_fallback(out, key, kl)) return EKV_ENOMEM;
		if (s3_has_suffix(out->data, out->len, S3_META_SUFFIX) ||
		    s3_has_suffix(out->data, out->len, S3_LEAF_SUFFIX) ||
		    s3_has_suffix(out->data, out->len, S3_USERDATA_SUFFIX))
			ekv_buf_truncate(out, 32);
		return 0;
	}
	if (ekv_buf_append(out, key, kl)) return EKV_ENOMEM;
	if (cls == C_LEAF) return ekv_buf_append_str(out, S3_LEAF_SUFFIX);
	if (cls == C_USERDATA) return ekv_buf_append_str(out, S3_USERDATA_SUFFIX);
	return 0;
}
