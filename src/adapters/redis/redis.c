/* Redis adapter: registration (routes and hooks). See redis.md. */
#include "../../lib/adapter.h"

enum redis_route {
	R_STREAM_ENTRY, R_STREAM_META, R_LIST_META_DELTA, R_ZSET_LEGACY, R_HASH_META_DELTA,
	R_LIST_CLAIM, R_SET_META_DELTA, R_ZSET_META_DELTA, R_STRING, R_HLL, R_TTL, R_LIST_META,
	R_HASH_META, R_LIST_ITEM, R_SET_META, R_ZSET_META, R_HASH_FIELD, R_SET_MEMBER,
	R_ZSET_MEMBER, R_ZSET_SCORE,
};

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
};

const struct ekv_adapter_ops ekv_adapter_redis = {
	.name = "redis",
	.routes = redis_routes,
	.n_routes = sizeof(redis_routes) / sizeof(redis_routes[0]),
};
