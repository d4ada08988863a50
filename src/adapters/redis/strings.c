/* Strings and HLL blobs (redis.md §3.1, §3.2, §4.5, §4.6), the TTL sidecars
 * and KEYMAP.jsonl of redis/db_0/. */
#include "redis_internal.h"
#include "../../lib/keymap.h"
#include "../../lib/segment.h"

static int open_lazy(struct redis_dec *d, struct ekv_file **f, const char *name,
		     struct ekv_error *err)
{
	if (*f) return EKV_OK;
	char path[128];
	snprintf(path, sizeof path, "%s/%s", REDIS_DB_DIR, name);
	return ekv_tree_open(d->ctx->tree, path, f, err);
}

/* d->seg = file-name segment of uk; a SHA fallback appends its KEYMAP record
 * each time it is used, as upstream's recordIfFallback does (§4.12). */
int redis_segment(struct redis_dec *d, const uint8_t *uk, size_t n, struct ekv_error *err)
{
	int fallback = 0;
	ekv_buf_reset(&d->seg);
	if (ekv_segment_encode(&d->seg, uk, n, &fallback)) return ekv_fail(err, EKV_ENOMEM, "redis: out of memory");
	if (!fallback) return EKV_OK;
	int st = open_lazy(d, &d->keymap, EKV_KEYMAP_FILE, err);
	if (st) return st;
	ekv_buf_reset(&d->tmp2);
	if (ekv_keymap_append(&d->tmp2, (const char *)d->seg.data, d->seg.len, uk, n,
			      EKV_KEYMAP_SHA_FALLBACK))
		return ekv_fail(err, EKV_ENOMEM, "redis: out of memory");
	return ekv_file_write(d->keymap, d->tmp2.data, d->tmp2.len, err);
}

/* One {"key":<seg>,"expire_at_ms":N} line (profile B, §4.5). */
int redis_ttl_line(struct redis_dec *d, int hll, const uint8_t *uk, size_t n, uint64_t ms,
		   struct ekv_error *err)
{
	struct ekv_file **f = hll ? &d->hll_ttl : &d->str_ttl;
	int st = redis_segment(d, uk, n, err);
	if (!st) st = open_lazy(d, f, hll ? "hll_ttl.jsonl" : "strings_ttl.jsonl", err);
	if (st) return st;
	ekv_buf_reset(&d->tmp2);
	struct ekv_jw w;
	ekv_jw_init(&w, &d->tmp2, EKV_JW_PROFILE_B);
	ekv_jw_obj_begin(&w);
	ekv_jw_key(&w, "key");
	ekv_jw_str(&w, d->seg.data, d->seg.len);
	ekv_jw_key(&w, "expire_at_ms");
	ekv_jw_u64(&w, ms);
	ekv_jw_obj_end(&w);
	if (ekv_jw_finish(&w)) return ekv_fail(err, EKV_ENOMEM, "redis: out of memory");
	return ekv_file_write(*f, d->tmp2.data, d->tmp2.len, err);
}

/* Splits a string/HLL value: new format FF <ver> flags [BE64 ttl] body, or a
 * legacy raw body. Returns 0, or -1 (header truncated) / -2 (ttl truncated). */
static int split_value(const uint8_t *v, size_t n, uint8_t ver, int *inline_fmt, uint64_t *ms,
		       const uint8_t **body, size_t *blen)
{
	*inline_fmt = 0;
	*ms = 0;
	*body = v;
	*blen = n;
	if (n < 2 || v[0] != 0xFF || v[1] != ver) return 0;
	if (n < 3) return -1;
	size_t off = 3;
	if (v[2] & 1) {
		if (n - 3 < 8) return -2;
		*ms = ekv_be64(v + 3);
		if (*ms > REDIS_MAXI64) *ms = REDIS_MAXI64;
		off = 11;
	}
	*inline_fmt = 1;
	*body = v + off;
	*blen = n - off;
	return 0;
}

int redis_dec_string(struct redis_dec *d, const struct ekv_record *rec, int hll,
		     struct ekv_error *err)
{
	const uint8_t *uk = rec->key + rec->prefix_len;
	size_t n = rec->key_len - rec->prefix_len;
	int inline_fmt;
	uint64_t ms;
	const uint8_t *body;
	size_t blen;
	int r = split_value(rec->value, rec->value_len, hll ? 2 : 1, &inline_fmt, &ms, &body, &blen);
	if (r)
		return ekv_fail_key(err, EKV_EDATA, rec->key, rec->key_len, "redis: %s value %s",
				    hll ? "HLL" : "string",
				    r == -1 ? "header truncated" : "ttl section truncated");
	int kind = hll ? (inline_fmt ? K_HLL_INLINE : K_HLL_LEGACY)
		       : (inline_fmt ? K_STR_INLINE : K_STR_LEGACY);
	int st = redis_note_kind(d, uk, n, kind, err);
	if (!st) st = redis_segment(d, uk, n, err);
	if (st) return st;
	ekv_buf_reset(&d->tmp);
	if (ekv_buf_printf(&d->tmp, "%s/%s/", REDIS_DB_DIR, hll ? "hll" : "strings") ||
	    ekv_buf_append(&d->tmp, d->seg.data, d->seg.len) || ekv_buf_append_str(&d->tmp, ".bin"))
		return ekv_fail(err, EKV_ENOMEM, "redis: out of memory");
	st = ekv_tree_write(d->ctx->tree, (const char *)d->tmp.data, body, blen, err);
	if (st) {
		ekv_error_set_key(err, rec->key, rec->key_len);
		return st;
	}
	/* inline TTL 0 (or no TTL section) means "no TTL" (§4.5 step 5) */
	if (inline_fmt && ms != 0) return redis_ttl_line(d, hll, uk, n, ms, err);
	return EKV_OK;
}

static int commit_one(struct ekv_file **f, struct ekv_error *err)
{
	if (!*f) return EKV_OK;
	struct ekv_file *t = *f;
	*f = NULL;
	return ekv_file_commit(t, err);
}

int redis_sidecars_commit(struct redis_dec *d, struct ekv_error *err)
{
	int st = commit_one(&d->str_ttl, err);
	if (!st) st = commit_one(&d->hll_ttl, err);
	if (!st) st = commit_one(&d->keymap, err);
	return st;
}
