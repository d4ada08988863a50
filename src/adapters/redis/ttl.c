/*
 * !redis|ttl| rows (redis.md §3.3, §4.13) and D12.
 *
 * Every TTL row sorts after the strings, HLLs, hashes and lists it may
 * belong to, and before the sets, zsets, legacy zset blobs and streams that
 * may own it (§2.4). Instead of an in-memory map of every key's type, both
 * sides are recorded in sorters (spilling past the threshold, D14) and joined
 * at finish:
 *   - a key typed before the TTL row takes it as upstream's kind[uk] lookup
 *     would (the type registered last in snapshot order);
 *   - otherwise the row is "pending" (counted against --pending-ttl-cap, D12:
 *     crossing the cap is EKV_ELIMIT, never a silent drop; cap 0 counts the
 *     row as an orphan) and goes to the first set/zset/stream created for
 *     the key, or stays an orphan (counted and warned).
 * Legacy string/HLL lines are replayed in TTL-row arrival order so the
 * sidecars and KEYMAP.jsonl keep upstream's line order.
 */
#include "redis_internal.h"

int redis_note_kind(struct redis_dec *d, const uint8_t *uk, size_t n, int kind,
		    struct ekv_error *err)
{
	if (d->last_kind == kind && d->last_kind_uk.len == n &&
	    (n == 0 || memcmp(d->last_kind_uk.data, uk, n) == 0))
		return EKV_OK;
	if (ekv_buf_set(&d->last_kind_uk, uk, n)) return ekv_fail(err, EKV_ENOMEM, "redis: out of memory");
	d->last_kind = kind;
	uint8_t k = (uint8_t)kind;
	return ekv_sorter_add(d->kinds, uk, n, &k, 1, err);
}

int redis_dec_ttl_row(struct redis_dec *d, const struct ekv_record *rec, struct ekv_error *err)
{
	if (rec->value_len != 8)
		return ekv_fail_key(err, EKV_EDATA, rec->key, rec->key_len,
				    "redis: TTL value of %zu bytes (want 8)", rec->value_len);
	uint64_t ms = ekv_be64(rec->value);
	if (ms > REDIS_MAXI64) ms = REDIS_MAXI64;
	uint8_t v[16];
	ekv_put_be64(v, ms);
	ekv_put_be64(v + 8, d->arrival++);
	return ekv_sorter_add(d->ttls, rec->key + rec->prefix_len, rec->key_len - rec->prefix_len,
			      v, sizeof v, err);
}

/* Cursor over the kinds sorter (pointers copied: the sorter's are only
 * valid until its next call). */
struct kind_cursor {
	struct ekv_sorter *s;
	int have;
	struct ekv_buf key;
	int kind;
};

static int kind_advance(struct kind_cursor *c, struct ekv_error *err)
{
	const uint8_t *k, *v;
	size_t kl, vl;
	int r = ekv_sorter_next(c->s, &k, &kl, &v, &vl, err);
	if (r < 0) return err && err->code ? err->code : EKV_EIO;
	c->have = r;
	if (!r) return EKV_OK;
	if (ekv_buf_set(&c->key, k, kl)) return ekv_fail(err, EKV_ENOMEM, "redis: out of memory");
	c->kind = vl ? v[0] : 0;
	return EKV_OK;
}

/* Folds every kind registered for uk into the one that decides the TTL. */
static int kinds_for(struct kind_cursor *c, const uint8_t *uk, size_t n, int *pre, int *post,
		     struct ekv_error *err)
{
	*pre = 0;
	*post = 0;
	while (c->have) {
		int cmp = ekv_bytes_cmp(c->key.data, c->key.len, uk, n);
		if (cmp > 0) break;
		if (cmp == 0) {
			if (c->kind <= K_LAST_BEFORE_TTL) {
				if (c->kind > *pre) *pre = c->kind;
			} else if (!*post || c->kind < *post) {
				*post = c->kind;
			}
		}
		int st = kind_advance(c, err);
		if (st) return st;
	}
	return EKV_OK;
}

static int to_collection(struct redis_dec *d, int coll, const uint8_t *uk, size_t n, uint64_t ms,
			 struct ekv_error *err)
{
	uint8_t v[8];
	ekv_put_be64(v, ms);
	ekv_buf_reset(&d->tmp);
	if (ekv_keyseg_append(&d->tmp, uk, n)) return ekv_fail(err, EKV_ENOMEM, "redis: out of memory");
	return ekv_sorter_add(d->coll_ttl[coll], d->tmp.data, d->tmp.len, v, 8, err);
}

static int to_late_line(struct ekv_sorter *late, int hll, const uint8_t *uk, size_t n,
			const uint8_t *val, struct redis_dec *d, struct ekv_error *err)
{
	ekv_buf_reset(&d->tmp);
	if (ekv_buf_append_byte(&d->tmp, (uint8_t)hll) || ekv_buf_append(&d->tmp, val, 8) ||
	    ekv_buf_append(&d->tmp, uk, n))
		return ekv_fail(err, EKV_ENOMEM, "redis: out of memory");
	return ekv_sorter_add(late, val + 8, 8, d->tmp.data, d->tmp.len, err);
}

static uint64_t pending_cap(const struct redis_dec *d)
{
	const struct ekv_decode_options *o = d->ctx->opts;
	return o && o->pending_ttl_cap_set ? o->pending_ttl_cap : EKV_PENDING_TTL_CAP_DEFAULT;
}

/* A row no earlier-typed key took: D12 budget, then the later owner. */
static int route_pending(struct redis_dec *d, int post, const uint8_t *uk, size_t n,
			 uint64_t ms, struct ekv_error *err)
{
	uint64_t cap = pending_cap(d);
	if (cap == 0) {
		d->orphans++;      /* count-only mode: the TTL is not held */
		return EKV_OK;
	}
	d->pending_bytes += (uint64_t)n + 8;
	if (d->pending_bytes > cap) {
		struct ekv_buf key = EKV_BUF_INIT;
		ekv_buf_append_str(&key, "!redis|ttl|");
		ekv_buf_append(&key, uk, n);
		int st = ekv_fail_key(err, EKV_ELIMIT, key.data, key.len,
				      "redis: pending TTL rows need %llu bytes, over --pending-ttl-cap %llu (D12)",
				      (unsigned long long)d->pending_bytes, (unsigned long long)cap);
		ekv_buf_release(&key);
		return st;
	}
	switch (post) {
	case K_ZSET_BLOB:
	case K_ZSET: return to_collection(d, C_ZSET, uk, n, ms, err);
	case K_STREAM: return to_collection(d, C_STREAM, uk, n, ms, err);
	case K_SET: return to_collection(d, C_SET, uk, n, ms, err);
	default: d->orphans++; return EKV_OK;
	}
}

static int route_row(struct redis_dec *d, struct ekv_sorter *late, int pre, int post,
		     const uint8_t *uk, size_t n, const uint8_t *val, struct ekv_error *err)
{
	uint64_t ms = ekv_be64(val);
	switch (pre) {
	case K_HASH:
	case K_HASH_BLOB: return to_collection(d, C_HASH, uk, n, ms, err);
	case K_LIST: return to_collection(d, C_LIST, uk, n, ms, err);
	case K_SET_BLOB: return to_collection(d, C_SET, uk, n, ms, err);
	case K_HLL_LEGACY: return to_late_line(late, 1, uk, n, val, d, err);
	case K_STR_LEGACY: return to_late_line(late, 0, uk, n, val, d, err);
	case K_HLL_INLINE:
	case K_STR_INLINE: return EKV_OK;   /* the inline header owns the TTL */
	default: return route_pending(d, post, uk, n, ms, err);
	}
}

static int replay_late_lines(struct redis_dec *d, struct ekv_sorter *late, struct ekv_error *err)
{
	int st = ekv_sorter_finish(late, err);
	if (st) return st;
	for (;;) {
		const uint8_t *k, *v;
		size_t kl, vl;
		int r = ekv_sorter_next(late, &k, &kl, &v, &vl, err);
		if (r < 0) return err->code ? err->code : EKV_EIO;
		if (r == 0) return EKV_OK;
		struct ekv_buf uk = EKV_BUF_INIT;
		if (ekv_buf_set(&uk, v + 9, vl - 9)) return ekv_fail(err, EKV_ENOMEM, "redis: out of memory");
		st = redis_ttl_line(d, v[0], uk.data, uk.len, ekv_be64(v + 1), err);
		ekv_buf_release(&uk);
		if (st) return st;
	}
}

int redis_resolve_ttls(struct redis_dec *d, struct ekv_error *err)
{
	struct ekv_sorter *late = NULL;
	struct kind_cursor kc = { d->kinds, 0, EKV_BUF_INIT, 0 };
	struct ekv_buf uk = EKV_BUF_INIT;
	int st = ekv_sorter_finish(d->kinds, err);
	if (!st) st = ekv_sorter_finish(d->ttls, err);
	if (!st) st = ekv_sorter_new(d->ctx->tmpdir, d->sorter_mem, &late, err);
	if (!st) st = kind_advance(&kc, err);
	while (!st) {
		const uint8_t *k, *v;
		size_t kl, vl;
		int r = ekv_sorter_next(d->ttls, &k, &kl, &v, &vl, err);
		if (r < 0) st = err->code ? err->code : EKV_EIO;
		if (r <= 0) break;
		uint8_t val[16];
		memcpy(val, v, 16);
		if (ekv_buf_set(&uk, k, kl)) {
			st = ekv_fail(err, EKV_ENOMEM, "redis: out of memory");
			break;
		}
		int pre, post;
		st = kinds_for(&kc, uk.data, uk.len, &pre, &post, err);
		if (!st) st = route_row(d, late, pre, post, uk.data, uk.len, val, err);
	}
	if (!st) st = replay_late_lines(d, late, err);
	ekv_sorter_free(late);
	ekv_buf_release(&kc.key);
	ekv_buf_release(&uk);
	return st;
}
