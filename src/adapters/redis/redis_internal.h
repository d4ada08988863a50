/*
 * Redis adapter internals (redis.md). Files:
 *   redis.c        routes, decode hooks (record dispatch), registration
 *   rkeys.c        internal key parsing
 *   redis_internal.proto  hash/set/zset blobs and stream entries (protobuf-c)
 *   strings.c      !redis|str| / !redis|hll| blobs and the TTL sidecars
 *   ttl.c          TTL resolution at finish (D12 pending cap, orphans)
 *   collections.c  hash/list/set/zset/stream state and their JSON files
 *   encode.c       redis/db_0/ -> internal records
 *
 * Decode memory model (D14): blobs are written as they arrive; everything the
 * snapshot order forces us to hold (collection elements before their metas,
 * TTL rows before the sets/zsets/streams that own them, the type of every key
 * for TTL routing) goes into ekv_sorter instances that spill to ctx->tmpdir.
 * Finish merges the sorted streams key by key, so per-key state lives only
 * while that key's file is written.
 */
#ifndef EKV_REDIS_INTERNAL_H
#define EKV_REDIS_INTERNAL_H
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "../../lib/adapter.h"
#include "../../lib/keyseg.h"
#include "../../lib/buf.h"
#include "../../lib/error.h"
#include "../../lib/jsonw.h"
#include "../../lib/sorter.h"
#include "../../lib/util.h"

#define REDIS_DB_DIR "redis/db_0"
#define REDIS_MAXI64 0x7fffffffffffffffull

enum redis_route {
	R_STREAM_ENTRY, R_STREAM_META, R_LIST_META_DELTA, R_ZSET_LEGACY, R_HASH_META_DELTA,
	R_LIST_CLAIM, R_SET_META_DELTA, R_ZSET_META_DELTA, R_STRING, R_HLL, R_TTL, R_LIST_META,
	R_HASH_META, R_LIST_ITEM, R_SET_META, R_ZSET_META, R_HASH_FIELD, R_SET_MEMBER,
	R_ZSET_MEMBER, R_ZSET_SCORE, R_HASH_LEGACY, R_SET_LEGACY, R_FENCE,
};

/* Collection families, in Finalize order (redis.md §4.14). */
enum redis_coll { C_HASH, C_LIST, C_SET, C_ZSET, C_STREAM, C_COUNT };

/* Sub-record tags inside one collection group (sorted after the group key):
 * the meta sorts first so its declared length and inline TTL are known
 * before the elements are streamed out. SUB_PRESENT marks a key created by
 * an empty legacy blob. */
enum { SUB_PRESENT = 0, SUB_META = 1, SUB_ELEM = 2, SUB_BLOB = 3 };

/* Kinds registered per user key for TTL routing, numbered in snapshot
 * family order (redis.md §2.4): codes up to K_STR_INLINE arrive before every
 * !redis|ttl| row, the rest after it. */
enum redis_kind {
	K_HASH = 1, K_LIST, K_HASH_BLOB, K_HLL_LEGACY, K_HLL_INLINE, K_SET_BLOB, K_STR_LEGACY,
	K_STR_INLINE, K_ZSET_BLOB, K_STREAM, K_SET, K_ZSET,
};
#define K_LAST_BEFORE_TTL K_STR_INLINE

struct redis_dec {
	struct ekv_decode_ctx *ctx;
	struct ekv_sorter *coll[C_COUNT];     /* group(uk) || sub -> payload */
	struct ekv_sorter *kinds;             /* uk -> kind byte */
	struct ekv_sorter *ttls;              /* uk -> BE64 ms || BE64 arrival */
	struct ekv_sorter *coll_ttl[C_COUNT]; /* group(uk) -> BE64 ms (built at finish) */
	size_t sorter_mem;
	uint64_t arrival;                     /* TTL row counter (snapshot order) */
	struct ekv_buf last_kind_uk;          /* dedupes consecutive kind registrations */
	int last_kind;
	struct ekv_file *str_ttl, *hll_ttl, *keymap;
	uint64_t orphans;
	uint64_t pending_bytes;
	struct ekv_buf tmp, tmp2, seg;        /* scratch */
};

/* ---- rkeys.c ---- */
/* BE32 length-prefixed user key (redis.md §2.3): 0 ok, -1 malformed. */
int redis_parse_lenkey(const uint8_t *p, size_t n, const uint8_t **uk, size_t *uklen,
		       const uint8_t **rest, size_t *restlen);
/* Sorter group keys are the core's escaped key segment (lib/keyseg.h):
 * bytewise order of groups is bytewise order of user keys. */

/* ---- strings.c ---- */
int redis_dec_string(struct redis_dec *d, const struct ekv_record *rec, int hll,
		     struct ekv_error *err);
int redis_segment(struct redis_dec *d, const uint8_t *uk, size_t n, struct ekv_error *err);
int redis_ttl_line(struct redis_dec *d, int hll, const uint8_t *uk, size_t n, uint64_t ms,
		   struct ekv_error *err);
int redis_sidecars_commit(struct redis_dec *d, struct ekv_error *err);

/* ---- ttl.c ---- */
int redis_dec_ttl_row(struct redis_dec *d, const struct ekv_record *rec, struct ekv_error *err);
int redis_note_kind(struct redis_dec *d, const uint8_t *uk, size_t n, int kind,
		    struct ekv_error *err);
int redis_resolve_ttls(struct redis_dec *d, struct ekv_error *err);

/* ---- collections.c ---- */
int redis_dec_collection(struct redis_dec *d, const struct ekv_record *rec, struct ekv_error *err);

/* ---- collections_out.c ---- */
int redis_flush_collections(struct redis_dec *d, struct ekv_error *err);

/* ---- encode.c ---- */
int redis_encode(struct ekv_encode_ctx *ctx, struct ekv_error *err);
#endif
