/*
 * Finish: one pass per family (hashes, lists, sets, zsets, streams, §4.14)
 * over its sorter, merged with the TTLs the TTL join routed to it. Each
 * group is one user key; its file is streamed out as the elements come.
 */
#include <math.h>
#include "redis_internal.h"

/* Copying cursor over a sorter (its pointers die at the next call). */
struct cursor {
	struct ekv_sorter *s;
	int have;
	struct ekv_buf key, val;
};

static int cur_next(struct cursor *c, struct ekv_error *err)
{
	const uint8_t *k, *v;
	size_t kl, vl;
	int r = ekv_sorter_next(c->s, &k, &kl, &v, &vl, err);
	if (r < 0) return err && err->code ? err->code : EKV_EIO;
	c->have = r;
	if (r && (ekv_buf_set(&c->key, k, kl) || ekv_buf_set(&c->val, v, vl)))
		return ekv_fail(err, EKV_ENOMEM, "redis: out of memory");
	return EKV_OK;
}

/* What is known about one key before its elements are written. */
struct group {
	struct ekv_buf gk, uk;
	size_t glen;
	int meta_seen;
	struct ekv_buf meta;
	int has_ttl;
	uint64_t ttl;
};

static int in_group(const struct cursor *c, const struct group *g)
{
	return c->have && c->key.len > g->glen && memcmp(c->key.data, g->gk.data, g->glen) == 0;
}

/* Buffered JSON output file. */
struct jout {
	struct ekv_file *f;
	struct ekv_buf b;
	struct ekv_jw w;
};

static const char *const dir_names[C_COUNT] = { "hashes", "lists", "sets", "zsets", "streams" };
static const char *const type_names[C_COUNT] = { "hash", "list", "set", "zset", "stream" };

static int jout_open(struct redis_dec *d, int coll, const struct group *g, struct jout *o,
		     struct ekv_error *err)
{
	int st = redis_segment(d, g->uk.data, g->uk.len, err);
	if (st) return st;
	ekv_buf_reset(&d->tmp);
	if (ekv_buf_printf(&d->tmp, "%s/%s/", REDIS_DB_DIR, dir_names[coll]) ||
	    ekv_buf_append(&d->tmp, d->seg.data, d->seg.len) ||
	    ekv_buf_append_str(&d->tmp, coll == C_STREAM ? ".jsonl" : ".json"))
		return ekv_fail(err, EKV_ENOMEM, "redis: out of memory");
	ekv_buf_init(&o->b);
	ekv_jw_init(&o->w, &o->b, coll == C_STREAM ? EKV_JW_PROFILE_A : EKV_JW_PROFILE_A_INDENT);
	return ekv_tree_open(d->ctx->tree, (const char *)d->tmp.data, &o->f, err);
}

static int jout_flush(struct jout *o, size_t above, struct ekv_error *err)
{
	if (ekv_jw_status(&o->w)) return ekv_fail(err, EKV_ENOMEM, "redis: out of memory");
	if (o->b.len <= above) return EKV_OK;
	int st = ekv_file_write(o->f, o->b.data, o->b.len, err);
	ekv_buf_reset(&o->b);
	return st;
}

static int jout_close(struct jout *o, int st, struct ekv_error *err)
{
	if (!st) st = jout_flush(o, 0, err);
	if (!st) {
		st = ekv_file_commit(o->f, err);
	} else {
		ekv_file_abort(o->f);
	}
	ekv_buf_release(&o->b);
	return st;
}

static void write_ttl(struct ekv_jw *w, const struct group *g)
{
	ekv_jw_key(w, "expire_at_ms");
	if (g->has_ttl) ekv_jw_u64(w, g->ttl);
	else ekv_jw_null(w);
}

static void write_score(struct ekv_jw *w, const uint8_t *bits)
{
	uint64_t u = ekv_be64(bits);
	double s;
	memcpy(&s, &u, 8);
	if (isinf(s)) ekv_jw_cstr(w, s > 0 ? "+inf" : "-inf");
	else ekv_jw_f64(w, s);
}

/* One element of a hash/list/set/zset array (sub key after the tag). */
static void write_elem(struct ekv_jw *w, int coll, const uint8_t *sub, size_t slen,
		       const struct ekv_buf *val)
{
	switch (coll) {
	case C_HASH:
		ekv_jw_obj_begin(w);
		ekv_jw_key(w, "name");
		ekv_jw_binary_safe(w, sub, slen);
		ekv_jw_key(w, "value");
		ekv_jw_binary_safe(w, val->data, val->len);
		ekv_jw_obj_end(w);
		break;
	case C_LIST: ekv_jw_binary_safe(w, val->data, val->len); break;
	case C_SET: ekv_jw_binary_safe(w, sub, slen); break;
	case C_ZSET:
		ekv_jw_obj_begin(w);
		ekv_jw_key(w, "member");
		ekv_jw_binary_safe(w, sub, slen);
		ekv_jw_key(w, "score");
		write_score(w, val->data);
		ekv_jw_obj_end(w);
		break;
	}
}

/* hashes/lists/sets/zsets: {"format_version":1,"<arr>":[…],"expire_at_ms":…}.
 * Element rows win over a legacy blob's entries (D8; zset as upstream). */
static int write_collection(struct redis_dec *d, int coll, struct group *g, struct cursor *c,
			    uint64_t *count, struct ekv_error *err)
{
	struct jout o;
	int st = jout_open(d, coll, g, &o, err);
	if (st) return st;
	static const char *const arr[C_COUNT] = { "fields", "items", "members", "members", NULL };
	ekv_jw_obj_begin(&o.w);
	ekv_jw_key(&o.w, "format_version");
	ekv_jw_u64(&o.w, 1);
	ekv_jw_key(&o.w, arr[coll]);
	ekv_jw_arr_begin(&o.w);
	int saw_elem = 0;
	*count = 0;
	while (!st && in_group(c, g)) {
		int sub = c->key.data[g->glen];
		if (sub == SUB_ELEM) saw_elem = 1;
		if (sub == SUB_ELEM || (sub == SUB_BLOB && !saw_elem)) {
			write_elem(&o.w, coll, c->key.data + g->glen + 1, c->key.len - g->glen - 1, &c->val);
			(*count)++;
			st = jout_flush(&o, 1 << 16, err);
		}
		if (!st) st = cur_next(c, err);
	}
	ekv_jw_arr_end(&o.w);
	write_ttl(&o.w, g);
	ekv_jw_obj_end(&o.w);
	if (!st && ekv_jw_finish(&o.w)) st = ekv_fail(err, EKV_ENOMEM, "redis: out of memory");
	return jout_close(&o, st, err);
}

static void stream_meta_line(struct jout *o, const struct group *g)
{
	const uint8_t *m = g->meta.data;
	ekv_jw_init(&o->w, &o->b, EKV_JW_PROFILE_A);
	ekv_jw_obj_begin(&o->w);
	ekv_jw_key(&o->w, "_meta");
	ekv_jw_bool(&o->w, 1);
	ekv_jw_key(&o->w, "length");
	ekv_jw_u64(&o->w, ekv_be64(m));
	ekv_jw_key(&o->w, "last_ms");
	ekv_jw_u64(&o->w, ekv_be64(m + 8));
	ekv_jw_key(&o->w, "last_seq");
	ekv_jw_u64(&o->w, ekv_be64(m + 16));
	write_ttl(&o->w, g);
	ekv_jw_obj_end(&o->w);
	ekv_jw_finish(&o->w);
	ekv_buf_append_byte(&o->b, '\n');
}

/* streams/<seg>.jsonl: the entry lines rendered on arrival (already in
 * (ms, seq) order), then the _meta line. No meta: no file, a warning (D10). */
static int write_stream(struct redis_dec *d, struct group *g, struct cursor *c, uint64_t *count,
			struct ekv_error *err)
{
	*count = 0;
	if (!g->meta_seen) {
		int st = EKV_OK;
		while (!st && in_group(c, g)) {
			(*count)++;
			st = cur_next(c, err);
		}
		if (!st)
			ekv_warn(d->ctx, "redis_stream_orphan_entries_without_meta",
				 "stream with %llu entries and no meta record is not written (D10); user_key_len=%zu",
				 (unsigned long long)*count, g->uk.len);
		return st;
	}
	struct jout o;
	int st = jout_open(d, C_STREAM, g, &o, err);
	while (!st && in_group(c, g)) {
		if (c->key.data[g->glen] == SUB_ELEM) {
			(*count)++;
			if (ekv_buf_append(&o.b, c->val.data, c->val.len))
				st = ekv_fail(err, EKV_ENOMEM, "redis: out of memory");
			if (!st) st = jout_flush(&o, 1 << 16, err);
		}
		if (!st) st = cur_next(c, err);
	}
	if (st) return jout_close(&o, st, err);
	stream_meta_line(&o, g);
	return jout_close(&o, st, err);
}

/* Declared length and inline TTL from the family's base meta (§3.4-§3.6). */
static void apply_meta(int coll, struct group *g, uint64_t *declared)
{
	const uint8_t *m = g->meta.data;
	size_t n = g->meta.len;
	size_t len_at = coll == C_LIST ? 16 : 0;
	size_t ttl_at = coll == C_LIST || coll == C_STREAM ? 24 : 8;
	*declared = ekv_be64(m + len_at);
	if (n >= ttl_at + 8) {
		/* inline TTL owns the key's expiry, 0 meaning none (§4.13) */
		g->ttl = ekv_be64(m + ttl_at);
		g->has_ttl = g->ttl != 0;
	}
}

static int ttl_lookup(struct cursor *t, struct group *g, struct ekv_error *err)
{
	g->has_ttl = 0;
	while (t->have) {
		int cmp = ekv_bytes_cmp(t->key.data, t->key.len, g->gk.data, g->glen);
		if (cmp > 0) break;
		if (cmp == 0) {
			g->has_ttl = 1;
			g->ttl = ekv_be64(t->val.data);
		}
		int st = cur_next(t, err);
		if (st) return st;
	}
	return EKV_OK;
}

static int start_group(struct cursor *c, struct cursor *t, struct group *g, struct ekv_error *err)
{
	size_t pos = 0;
	g->glen = ekv_keyseg_span(c->key.data, c->key.len, 0);
	if (!g->glen) return ekv_fail(err, EKV_EIO, "redis: corrupt spill record");
	if (ekv_buf_set(&g->gk, c->key.data, g->glen) ||
	    ekv_keyseg_read(c->key.data, g->glen, &pos, &g->uk))
		return ekv_fail(err, EKV_ENOMEM, "redis: out of memory");
	int st = ttl_lookup(t, g, err);
	g->meta_seen = 0;
	/* an empty-blob marker sorts first; the meta (if any) comes next */
	while (!st && in_group(c, g) && c->key.len == g->glen + 1 && c->key.data[g->glen] <= SUB_META) {
		if (c->key.data[g->glen] == SUB_META) {
			g->meta_seen = 1;
			if (ekv_buf_set(&g->meta, c->val.data, c->val.len))
				return ekv_fail(err, EKV_ENOMEM, "redis: out of memory");
		}
		st = cur_next(c, err);
	}
	return st;
}

static int flush_one(struct redis_dec *d, int coll, struct ekv_error *err)
{
	struct cursor c = { d->coll[coll], 0, EKV_BUF_INIT, EKV_BUF_INIT };
	struct cursor t = { d->coll_ttl[coll], 0, EKV_BUF_INIT, EKV_BUF_INIT };
	struct group g = { EKV_BUF_INIT, EKV_BUF_INIT, 0, 0, EKV_BUF_INIT, 0, 0 };
	int st = ekv_sorter_finish(c.s, err);
	if (!st) st = ekv_sorter_finish(t.s, err);
	if (!st) st = cur_next(&c, err);
	if (!st) st = cur_next(&t, err);
	/* upstream creates the family's directory for any key seen, even when
	 * the only streams lacked a meta and wrote no file (§4.1) */
	if (!st && c.have) {
		char dir[64];
		snprintf(dir, sizeof dir, "%s/%s", REDIS_DB_DIR, dir_names[coll]);
		st = ekv_tree_mkdirs(d->ctx->tree, dir, err);
	}
	while (!st && c.have) {
		uint64_t declared = 0, count = 0;
		st = start_group(&c, &t, &g, err);
		if (!st && g.meta_seen) apply_meta(coll, &g, &declared);
		if (!st) st = coll == C_STREAM ? write_stream(d, &g, &c, &count, err)
					       : write_collection(d, coll, &g, &c, &count, err);
		if (!st && g.meta_seen && count != declared) {
			char event[48];
			snprintf(event, sizeof event, "redis_%s_length_mismatch", type_names[coll]);
			ekv_warn(d->ctx, event,
				 "%s meta declares %llu elements, %llu found (kept verbatim%s); user_key_len=%zu",
				 type_names[coll], (unsigned long long)declared, (unsigned long long)count,
				 coll == C_STREAM ? ", D11" : "; uncompacted deltas are not applied",
				 g.uk.len);
		}
	}
	ekv_buf_release(&c.key);
	ekv_buf_release(&c.val);
	ekv_buf_release(&t.key);
	ekv_buf_release(&t.val);
	ekv_buf_release(&g.gk);
	ekv_buf_release(&g.uk);
	ekv_buf_release(&g.meta);
	return st;
}

int redis_flush_collections(struct redis_dec *d, struct ekv_error *err)
{
	for (int c = 0; c < C_COUNT; c++) {
		int st = flush_one(d, c, err);
		if (st) return st;
	}
	return EKV_OK;
}
