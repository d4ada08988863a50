/*
 * The adapter interface. Each adapter lives in src/adapters/<name>/ and
 * exports one `const struct ekv_adapter_ops ekv_adapter_<name>`; the
 * registry (src/adapters/registry.c) is the only list of adapters.
 *
 * Decode: the core reads the stream, applies D1/D2, routes each record by
 * longest matching prefix, counts it for the adapter, then calls
 * decode_record. Records arrive in snapshot (bytewise key) order; state
 * that must wait for later records is held with bounded memory (use
 * ekv_sorter to spill, D14). decode_finish writes what was held. Files go
 * through the ekv_tree API only (safe creates, checksums while writing).
 *
 * Encode: the core opens <root>/<name>/ (no-follow) and calls encode,
 * which walks it and hands every internal record to ekv_emit. The core
 * frames, sorts and writes them.
 */
#ifndef EKV_ADAPTER_H
#define EKV_ADAPTER_H
#include "buf.h"
#include "tree.h"

enum ekv_route_flags {
	EKV_ROUTE_INTERNAL = 1,      /* counted as internal even when the adapter is on */
};

struct ekv_route_def {
	const char *prefix;          /* raw bytes, ASCII */
	int tag;                     /* adapter's own handler id */
	unsigned flags;
};

struct ekv_record {
	const uint8_t *key;          /* whole user key (MVCC suffix stripped) */
	size_t key_len;
	size_t prefix_len;           /* length of the matched route prefix */
	int tag;                     /* the matched route's tag */
	const uint8_t *value;        /* body after the 9-byte value header */
	size_t value_len;
	uint64_t commit_ts;
	uint64_t expire_at;
	uint64_t offset;             /* entry's byte offset in the snapshot file */
};

struct ekv_decode_ctx {
	const struct ekv_decode_options *opts;   /* public options, all flags */
	struct ekv_tree *tree;                   /* output root */
	struct ekv_counters *counters;           /* warnings, orphan_ttls */
	const char *tmpdir;                      /* D14 spill directory */
	uint64_t spill_threshold;                /* D14 bytes before spilling */
	const char *adapter;                     /* this adapter's name */
};

/* Counts a warning and passes it to the caller's sink. */
void ekv_warn(struct ekv_decode_ctx *ctx, const char *event, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

struct ekv_encoder;                          /* core: sorts and frames records */
struct ekv_manifest;

struct ekv_encode_ctx {
	const struct ekv_manifest *manifest;     /* the input MANIFEST.json */
	int root_fd;                             /* dump root */
	int dir_fd;                              /* <root>/<adapter>, opened no-follow */
	const char *dir_path;                    /* display path of dir_fd, e.g. "redis" */
	const char *tmpdir;                      /* spill directory */
	struct ekv_encoder *enc;
	const char *adapter;
};

/* Emits one internal record (user key, body); the core adds the MVCC
 * framing with the uniform commit timestamp. Duplicates and oversize
 * keys/values are refused when the stream is written. */
int ekv_emit(struct ekv_encode_ctx *ctx, const void *key, size_t klen, const void *value,
	     size_t vlen, struct ekv_error *err);

struct ekv_adapter_ops {
	const char *name;                        /* also the dump folder */
	const struct ekv_route_def *routes;
	size_t n_routes;
	/* NULL hooks = slot not filled yet: records are counted, the summary
	 * says "not yet supported". */
	int (*decode_begin)(struct ekv_decode_ctx *ctx, void **state, struct ekv_error *err);
	int (*decode_record)(void *state, const struct ekv_record *rec, struct ekv_error *err);
	int (*decode_finish)(void *state, struct ekv_error *err);
	void (*decode_free)(void *state);
	int (*encode)(struct ekv_encode_ctx *ctx, struct ekv_error *err);
};

extern const struct ekv_adapter_ops *const ekv_adapters[EKV_ADAPTER_COUNT];
extern const struct ekv_route_def ekv_core_routes[];   /* internal-only prefixes */
extern const size_t ekv_core_routes_count;
#endif
