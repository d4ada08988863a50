/*
 * DynamoDB adapter internals (spec: dynamodb.md).
 *
 *   ddb_arena.c   per-record bump allocator for decoded values
 *   ddb_proto.c   protobuf wire reader/writer for DynamoTableSchema and
 *                 DynamoItem (protobuf-go decode semantics, deterministic
 *                 encode, §3.3/§3.4)
 *   ddb_number.c  N values: ordered key bytes (§2.4) and the canonical
 *                 file-name form (§4.4, D17)
 *   ddb_keys.c    internal key layouts (§2.3) and item-key parsing (§2.6)
 *   ddb_json.c    _schema.json (§4.3) and item DynamoDB JSON (§4.5)
 *   ddb_decode.c  decode hooks (§4, D14-D16, D19)
 *   ddb_encode.c  encode hook (§5, D16, D18, D19)
 */
#ifndef EKV_DDB_INTERNAL_H
#define EKV_DDB_INTERNAL_H
#include "../../lib/adapter.h"
#include "../../lib/keyseg.h"
#include "../../lib/buf.h"

#define DDB_PREFIX_TABLE "!ddb|meta|table|"
#define DDB_PREFIX_GEN "!ddb|meta|gen|"
#define DDB_PREFIX_ITEM "!ddb|item|"
#define DDB_PREFIX_GSI "!ddb|gsi|"

/* Route tags (dynamodb.c). */
enum ddb_route { DDB_ROUTE_TABLE, DDB_ROUTE_GEN, DDB_ROUTE_ITEM, DDB_ROUTE_GSI };

/* Value magics (§3.1). */
#define DDB_SCHEMA_MAGIC "\x00\x44\x53\x01"
#define DDB_ITEM_MAGIC "\x00\x44\x49\x01"
#define DDB_MAGIC_LEN 4

/* Restore constants stamped by the encoder (§5.2). */
#define DDB_RESTORE_GENERATION 1
#define DDB_ORDERED_KEY_ENCODING 2

/* Nested messages beyond this depth are refused (protobuf-go allows
 * 10 000; live data stops at 32 attribute levels). */
#define DDB_MAX_NESTING 1000

/* ---- arena ---- */
struct ddb_arena_block;
struct ddb_arena {
	struct ddb_arena_block *head;
	int failed;                 /* an allocation failed (sticky) */
};
void ddb_arena_init(struct ddb_arena *a);
void ddb_arena_release(struct ddb_arena *a);
void *ddb_arena_alloc(struct ddb_arena *a, size_t n);
/* Makes room for one more element in an arena-backed array. 0 or -1. */
int ddb_arena_grow(struct ddb_arena *a, void **arr, size_t *cap, size_t n, size_t elem);

/* ---- attribute values ---- */
enum ddb_kind {
	DDB_NONE = 0, DDB_S, DDB_N, DDB_B, DDB_BOOL, DDB_NULL,
	DDB_SS, DDB_NS, DDB_BS, DDB_L, DDB_M
};

struct ddb_bytes {
	const uint8_t *p;
	size_t n;
};

struct ddb_av;
struct ddb_entry {                  /* one map entry (attribute name -> value) */
	struct ddb_bytes name;
	struct ddb_av *value;
	size_t seq;                     /* wire position: later duplicates win */
};

struct ddb_av {
	enum ddb_kind kind;
	struct ddb_bytes scalar;        /* S, N, B */
	int flag;                       /* BOOL, NULL */
	struct ddb_bytes *strs;         /* SS, NS, BS */
	size_t n_strs, cap_strs;
	struct ddb_av **elems;          /* L */
	size_t n_elems, cap_elems;
	struct ddb_entry *ents;         /* M */
	size_t n_ents, cap_ents;
};

/* A map in wire order; ddb_map_normalize sorts it bytewise by name and
 * keeps the last of duplicate names (protobuf-go map semantics). */
struct ddb_map {
	struct ddb_entry *ents;
	size_t n, cap;
};
void ddb_map_normalize(struct ddb_entry *ents, size_t *n);
const struct ddb_av *ddb_map_get(const struct ddb_entry *ents, size_t n, const char *name,
				 size_t len);

/* ---- schema ---- */
struct ddb_gsi {
	struct ddb_bytes name;
	struct ddb_bytes hash_key, range_key;
	struct ddb_bytes projection_type;
	struct ddb_bytes *non_key;
	size_t n_non_key, cap_non_key;
	size_t seq;
};

struct ddb_schema {
	struct ddb_bytes table_name;
	struct ddb_entry *defs;         /* value->scalar holds the type string */
	size_t n_defs, cap_defs;
	struct ddb_bytes hash_key, range_key;
	struct ddb_gsi *gsis;
	size_t n_gsis, cap_gsis;
	uint64_t key_encoding_version;
	uint64_t migrating_from_generation;
	uint64_t generation;
};

/* Decoders (body = value after the magic). After success the maps are
 * normalized (sorted, last duplicate wins). EKV_EDATA with a message
 * in err (no key) on a malformed body. */
int ddb_proto_parse_schema(const uint8_t *body, size_t n, struct ddb_arena *a,
			   struct ddb_schema *out, struct ekv_error *err);
int ddb_proto_parse_item(const uint8_t *body, size_t n, struct ddb_arena *a, struct ddb_map *out,
			 struct ekv_error *err);
/* Deterministic encoders (§3.4); append magic + body to out. Maps must be
 * normalized. */
int ddb_proto_write_schema(struct ekv_buf *out, const struct ddb_schema *s);
int ddb_proto_write_item(struct ekv_buf *out, const struct ddb_entry *ents, size_t n);
/* Type string of attribute `name` in the schema's definitions, or NULL. */
const struct ddb_bytes *ddb_schema_def_type(const struct ddb_schema *s, const struct ddb_bytes *name);

/* ---- numbers ---- */
/* Ordered key bytes of an N text (§2.4). 0, or -1 when the text is not a
 * number (why in *reason). */
int ddb_numkey(struct ekv_buf *out, const uint8_t *text, size_t n, const char **reason);
/* Canonical big.Rat form of an N text (§4.4, D17). EKV_OK, EKV_ENOMEM or
 * EKV_ELIMIT (mantissa too long to canonicalise). */
int ddb_canon_number(struct ekv_buf *out, const uint8_t *text, size_t n);
/* Go strings.TrimSpace over UTF-8. */
void ddb_trim_space(const uint8_t **p, size_t *n);

/* ---- keys ---- */
/* oseg() is the core's escaped key segment (lib/keyseg.h). */
/* kb(av) (§2.1): S/B raw bytes, N numkey. -1 (reason set) otherwise. */
int ddb_key_bytes(struct ekv_buf *out, const struct ddb_av *av, const char **reason);
/* "!ddb|item|" b64(table) "|1|" oseg(hash) [oseg(range)]. -1 + reason. */
int ddb_item_key(struct ekv_buf *out, const struct ddb_bytes *table, const struct ddb_av *hash,
		 const struct ddb_av *range, const char **reason);
/* Parses "!ddb|item|<seg>|<gen>|<payload>" (§2.6): table segment and
 * generation. EKV_EDATA with message otherwise. */
int ddb_parse_item_key(const uint8_t *key, size_t n, struct ddb_bytes *seg, uint64_t *gen,
		       struct ekv_error *err);

/* ---- JSON ---- */
/* _schema.json bytes (profile A, indented, no newline). */
int ddb_json_schema(struct ekv_buf *out, const struct ddb_schema *s);
/* Item DynamoDB JSON; indent = MarshalIndent (file) or compact (JSONL line,
 * no newline). Maps must be normalized. */
int ddb_json_item(struct ekv_buf *out, const struct ddb_entry *ents, size_t n, int indent);

/* ---- hooks ---- */
int ddb_decode_begin(struct ekv_decode_ctx *ctx, void **state, struct ekv_error *err);
int ddb_decode_record(void *state, const struct ekv_record *rec, struct ekv_error *err);
int ddb_decode_finish(void *state, struct ekv_error *err);
void ddb_decode_free(void *state);
int ddb_encode(struct ekv_encode_ctx *ctx, struct ekv_error *err);

/* Bundle part names (D19). */
#define DDB_BUNDLE_DEFAULT_SIZE (64ull << 20)
#endif
