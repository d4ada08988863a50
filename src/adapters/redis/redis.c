/* Redis adapter: registration (routes and hooks). See redis.md and
 * redis_internal.h for the memory model. */
#include <stdlib.h>
#include "redis_internal.h"

static const struct ekv_route_def redis_routes[] = {
	{ "!stream|entry|", R_STREAM_ENTRY, 0 },
	{ "!stream|meta|", R_STREAM_META, 0 },
	{ "!lst|meta|d|", R_LIST_META_DELTA, 0 },
	{ "!redis|zset|", R_ZSET_LEGACY, 0 },
	{ "!hs|meta|d|", R_HASH_META_DELTA, 0 },
	{ "!lst|claim|", R_LIST_CLAIM, 0 },
	{ "!st|meta|d|", R_SET_META_DELTA, 0 },
	{ "!zs|meta|d|", R_ZSET_META_DELTA, 0 },
	{ "!redis|str|", R_STRING, 0 },
	{ "!redis|hll|", R_HLL, 0 },
	{ "!redis|ttl|", R_TTL, 0 },
	{ "!lst|meta|", R_LIST_META, 0 },
	{ "!hs|meta|", R_HASH_META, 0 },
	{ "!lst|itm|", R_LIST_ITEM, 0 },
	{ "!st|meta|", R_SET_META, 0 },
	{ "!zs|meta|", R_ZSET_META, 0 },
	{ "!hs|fld|", R_HASH_FIELD, 0 },
	{ "!st|mem|", R_SET_MEMBER, 0 },
	{ "!zs|mem|", R_ZSET_MEMBER, 0 },
	{ "!zs|scr|", R_ZSET_SCORE, 0 },
	/* D8: legacy whole-hash / whole-set blobs are decoded, and the OCC
	 * fence rows of wide transactions are internal, not unknown. */
	{ "!redis|hash|", R_HASH_LEGACY, 0 },
	{ "!redis|set|", R_SET_LEGACY, 0 },
	{ "!redis|txn-wide-", R_FENCE, EKV_ROUTE_INTERNAL },
};

static void redis_decode_free(void *state)
{
	struct redis_dec *d = state;
	if (!d) return;
	for (int c = 0; c < C_COUNT; c++) {
		ekv_sorter_free(d->coll[c]);
		ekv_sorter_free(d->coll_ttl[c]);
	}
	ekv_sorter_free(d->kinds);
	ekv_sorter_free(d->ttls);
	ekv_file_abort(d->str_ttl);
	ekv_file_abort(d->hll_ttl);
	ekv_file_abort(d->keymap);
	ekv_buf_release(&d->last_kind_uk);
	ekv_buf_release(&d->tmp);
	ekv_buf_release(&d->tmp2);
	ekv_buf_release(&d->seg);
	free(d);
}

static int redis_decode_begin(struct ekv_decode_ctx *ctx, void **state, struct ekv_error *err)
{
	struct redis_dec *d = calloc(1, sizeof *d);
	if (!d) return ekv_fail(err, EKV_ENOMEM, "redis: out of memory");
	d->ctx = ctx;
	ekv_buf_init(&d->last_kind_uk);
	ekv_buf_init(&d->tmp);
	ekv_buf_init(&d->tmp2);
	ekv_buf_init(&d->seg);
	/* D14: the threshold is shared by the adapter's 13 sorters */
	uint64_t thr = ctx->spill_threshold ? ctx->spill_threshold : EKV_SPILL_THRESHOLD_DEFAULT;
	d->sorter_mem = (size_t)(thr / 16 ? thr / 16 : 1);
	int st = EKV_OK;
	for (int c = 0; c < C_COUNT && !st; c++) {
		st = ekv_sorter_new(ctx->tmpdir, d->sorter_mem, &d->coll[c], err);
		if (!st) st = ekv_sorter_new(ctx->tmpdir, d->sorter_mem, &d->coll_ttl[c], err);
	}
	if (!st) st = ekv_sorter_new(ctx->tmpdir, d->sorter_mem, &d->kinds, err);
	if (!st) st = ekv_sorter_new(ctx->tmpdir, d->sorter_mem, &d->ttls, err);
	if (st) {
		redis_decode_free(d);
		return st;
	}
	*state = d;
	return EKV_OK;
}

static int redis_decode_record(void *state, const struct ekv_record *rec, struct ekv_error *err)
{
	struct redis_dec *d = state;
	switch (rec->tag) {
	case R_STRING: return redis_dec_string(d, rec, 0, err);
	case R_HLL: return redis_dec_string(d, rec, 1, err);
	case R_TTL: return redis_dec_ttl_row(d, rec, err);
	case R_FENCE: return EKV_OK;
	default: return redis_dec_collection(d, rec, err);
	}
}

static int redis_decode_finish(void *state, struct ekv_error *err)
{
	struct redis_dec *d = state;
	int st = redis_resolve_ttls(d, err);
	if (!st) st = redis_flush_collections(d, err);
	if (!st) st = redis_sidecars_commit(d, err);
	if (!st && d->orphans) {
		d->ctx->counters->orphan_ttls += d->orphans;
		ekv_warn(d->ctx, "redis_orphan_ttl",
			 "%llu TTL rows matched no key of a known type and were not applied",
			 (unsigned long long)d->orphans);
	}
	return st;
}

const struct ekv_adapter_ops ekv_adapter_redis = {
	.name = "redis",
	.routes = redis_routes,
	.n_routes = sizeof(redis_routes) / sizeof(redis_routes[0]),
	.decode_begin = redis_decode_begin,
	.decode_record = redis_decode_record,
	.decode_finish = redis_decode_finish,
	.decode_free = redis_decode_free,
	.encode = redis_encode,
};
