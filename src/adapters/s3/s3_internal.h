/*
 * S3 adapter internals shared by keys.c, meta.c, source.c, names.c,
 * decode.c and encode.c. Facts: /work/shared/spec/s3.md; decisions D20-D24.
 */
#ifndef EKV_S3_INTERNAL_H
#define EKV_S3_INTERNAL_H
#include "../../lib/adapter.h"
#include "../../lib/keyseg.h"
#include "../../lib/buf.h"

enum s3_route {
	S_BUCKET_META, S_UPLOAD_META, S_UPLOAD_PART, S_BUCKET_GEN, S_CHUNKBLOB, S_OBJ_HEAD,
	S_CHUNKREF, S_BLOB,
};

#define S3_META_SUFFIX ".elastickv-meta.json"
#define S3_LEAF_SUFFIX ".elastickv-leaf-data"
#define S3_USERDATA_SUFFIX ".user-data"
#define S3_SUFFIX_LEN 20
#define S3_CHUNK_SIZE (1u << 20)                /* s3.md §5.6: encoder chunk size */
#define S3_RESTORE_UPLOAD "elastickv-restore"
#define S3_MAX_SEGMENT 200                      /* D20: longer path segments use the fallback */

#define P_BUCKET_META "!s3|bucket|meta|"
#define P_BUCKET_GEN "!s3|bucket|gen|"
#define P_OBJ_HEAD "!s3|obj|head|"
#define P_BLOB "!s3|blob|"
#define P_CHUNKREF "!s3|chunkref|"
#define P_CHUNKBLOB "!s3|chunkblob|"
#define P_UPLOAD_META "!s3|upload|meta|"
#define P_UPLOAD_PART "!s3|upload|part|"

/* ---- keys.c: key parsers (s3.md §2.1, §2.5); seg() is the core's keyseg ---- */

int s3_u64_read(const uint8_t *k, size_t n, size_t *pos, uint64_t *v);

/* A parsed object-scoped chunk key (blob or chunk ref). */
struct s3_chunk_key {
	struct ekv_buf bucket, object, upload;
	uint64_t gen, part, chunk, pv;
};
void s3_chunk_key_init(struct s3_chunk_key *c);
void s3_chunk_key_release(struct s3_chunk_key *c);
/* rest = key after the family prefix. 0 or -1 (malformed). */
int s3_parse_chunk_key(const uint8_t *rest, size_t n, struct s3_chunk_key *c);
/* Manifest key rest: seg(bucket) BE64(gen) seg(object), nothing after. */
int s3_parse_manifest_key(const uint8_t *rest, size_t n, struct ekv_buf *bucket, uint64_t *gen,
			  struct ekv_buf *object);
/* Bucket meta key rest: exactly one segment. */
int s3_parse_bucket_key(const uint8_t *rest, size_t n, struct ekv_buf *bucket);

/* True for "", "." and "..". */
int s3_is_dot_name(const uint8_t *p, size_t n);
int s3_has_suffix(const uint8_t *p, size_t n, const char *suffix);

/* ---- meta.c: JSON values ---- */

struct s3_part {
	uint64_t part_no, chunk_count, part_version, chunk_ref_version;
	int64_t size_bytes;
	int offloaded;
	uint64_t *chunk_sizes;
	size_t n_chunk_sizes;
	int has_chunk_sizes;
};
struct s3_manifest {
	struct ekv_buf upload_id, etag;
	int64_t size_bytes;
	uint64_t last_modified_hlc;
	struct ekv_buf content_type, content_encoding, cache_control, content_disposition;
	/* user_metadata members, sorted by name bytes */
	struct ekv_buf *md_names, *md_values;
	size_t n_md;
	struct s3_part *parts;
	size_t n_parts;
};
void s3_manifest_init(struct s3_manifest *m);
void s3_manifest_release(struct s3_manifest *m);
/* Parses a live manifest value (s3.md §3.3). EKV_EDATA on a bad value. */
int s3_manifest_parse(const uint8_t *v, size_t n, struct s3_manifest *m, struct ekv_error *err);

struct s3_bucket_meta {
	uint64_t generation;
	struct ekv_buf owner, region, acl;
};
void s3_bucket_meta_init(struct s3_bucket_meta *b);
void s3_bucket_meta_release(struct s3_bucket_meta *b);
int s3_bucket_meta_parse(const uint8_t *v, size_t n, struct s3_bucket_meta *b,
			 struct ekv_error *err);

/* `_bucket.json` (s3.md §4.2) and the sidecar (§4.4), profile A indented. */
int s3_write_bucket_json(struct ekv_buf *out, const uint8_t *name, size_t nlen,
			 const struct s3_bucket_meta *b);
int s3_write_sidecar_json(struct ekv_buf *out, const struct s3_manifest *m);
/* Go RFC3339Nano of the millisecond half of an HLC (s3.md §4.4). */
void s3_format_hlc(uint64_t hlc, char buf[64]);
/* Inverse (s3.md §5.5): 0 for empty/unparseable/negative. */
uint64_t s3_parse_time_hlc(const char *s, size_t n);

/* ---- source.c: where inline chunk bytes are read back from (D24) ---- */
struct s3_source;
int s3_source_new(const char *input, const char *tmpdir, struct s3_source **out,
		  struct ekv_error *err);
/* Registers a record's value body; fills a location (offset, len). */
int s3_source_add(struct s3_source *s, const struct ekv_record *rec, uint64_t *loc_off,
		  struct ekv_error *err);
/* Reads len bytes at loc into buf (>= len). */
int s3_source_read(struct s3_source *s, uint64_t loc_off, uint64_t len, uint64_t at,
		   void *buf, size_t n, struct ekv_error *err);
void s3_source_free(struct s3_source *s);
#endif
