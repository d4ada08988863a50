/* Decoder state shared by decode.c (scan), names.c (D20 name resolution)
 * and objects.c (body assembly, sidecars, KEYMAP, orphans). */
#ifndef EKV_S3_DECODE_H
#define EKV_S3_DECODE_H
#include "s3_internal.h"
#include "../../lib/sorter.h"

struct s3_bucket {
	struct ekv_buf name;            /* raw bucket name from the key */
	struct s3_bucket_meta meta;     /* generation = the active one */
	uint64_t stale;                 /* objects of other generations */
};

struct s3_state {
	struct ekv_decode_ctx *ctx;
	struct s3_bucket *buckets;      /* sorted by name at finish */
	size_t n_buckets;
	int unsorted;
	struct ekv_sorter *objs, *facts, *uploads;
	struct ekv_sorter *cblobs, *refs;   /* chunkrefs.c */
	uint64_t upload_seq, ref_seq;
	struct s3_source *src;
	struct ekv_buf last_obj, scratch;
	struct s3_chunk_key ck;
};

/* Name classes (D20, s3.md §4.6). */
enum s3_name_class { C_NATURAL = 0, C_LEAF = 1, C_USERDATA = 2, C_SHA = 3 };

void s3_printable(const uint8_t *p, size_t n, char *out, size_t cap);
int s3_fail_obj(struct ekv_error *err, enum ekv_status code, const uint8_t *bucket, size_t bl,
		const uint8_t *key, size_t kl, const char *what);
int s3_bucket_dir(struct ekv_buf *out, const uint8_t *name, size_t n);
struct s3_bucket *s3_bucket_lookup(struct s3_state *s, const uint8_t *name, size_t n);
int s3_mkdirs_parent(struct ekv_tree *t, const char *rel, struct ekv_error *err);

/* chunkrefs.c: offloaded chunks joined with their blobs by digest (D14). */
int s3_note_chunkblob(struct s3_state *s, const uint8_t digest[32], uint64_t off, uint64_t len,
		      struct ekv_error *err);
int s3_note_chunkref(struct s3_state *s, const uint8_t digest[32], uint64_t size,
		     const struct ekv_buf *objs_key, struct ekv_error *err);
int s3_resolve_chunkrefs(struct s3_state *s, struct ekv_error *err);

/* names.c: facts -> one decision per active object, keyed seg(B) seg(K). */
int s3_resolve_names(struct s3_state *s, struct ekv_sorter *decisions, struct ekv_error *err);
/* objects.c */
int s3_write_objects(struct s3_state *s, struct ekv_sorter *decisions, struct ekv_sorter *keymap,
		     struct ekv_error *err);
int s3_write_keymaps(struct s3_state *s, struct ekv_sorter *keymap, struct ekv_error *err);
/* The file name for a class (relative to the bucket directory). */
int s3_class_name(struct ekv_buf *out, int cls, const uint8_t *key, size_t kl);

/* keys.c: chunk ref value V1/V2 (s3.md §3.6). */
int s3_parse_chunkref_value(const uint8_t *v, size_t n, uint8_t digest[32], uint64_t *size);

/* hooks (s3.c registers them) */
int s3_decode_begin(struct ekv_decode_ctx *ctx, void **state, struct ekv_error *err);
int s3_decode_record(void *state, const struct ekv_record *rec, struct ekv_error *err);
int s3_decode_finish(void *state, struct ekv_error *err);
void s3_decode_free(void *state);
int s3_encode(struct ekv_encode_ctx *ctx, struct ekv_error *err);
#endif
