/*
 * The .fsm stream (container.md §2): EKVPBBL1 reader and writer, the
 * node wrapper (D3), operational keys (D2) and MVCC collapse (D1).
 */
#ifndef EKV_CONTAINER_H
#define EKV_CONTAINER_H
#include "buf.h"

#define EKV_MAGIC "EKVPBBL1"
#define EKV_MAX_ENCODED_KEY 1048584ull        /* 1 MiB user key + 8 */
#define EKV_MAX_ENCODED_VALUE 268435499ull    /* 256 MiB + 9 + 34 */
#define EKV_VALUE_HEADER 9

struct ekv_entry {
	uint64_t offset;            /* file offset of the entry's keyLen field */
	const uint8_t *raw_key;     /* encoded key as stored */
	size_t raw_key_len;
	const uint8_t *raw_value;   /* value as stored (header included) */
	size_t raw_value_len;
	int operational;            /* D2: raw operational row, nothing below is set */
	const uint8_t *user_key;    /* raw_key minus the 8-byte suffix */
	size_t user_key_len;
	uint64_t commit_ts;
	int tombstone;
	uint64_t expire_at;
	const uint8_t *body;        /* value after the 9-byte header */
	size_t body_len;
};

struct ekv_reader;
/* Reads from fd (not closed by the reader). total_size may be 0 if
 * unknown (pipes); it is only used for progress. */
int ekv_reader_new(int fd, uint64_t total_size, struct ekv_reader **out, struct ekv_error *err);
/* Same, and a read interrupted by a signal (EINTR) while *cancel is
 * non-zero fails with EKV_ECANCELED instead of being retried. */
int ekv_reader_new_cancelable(int fd, uint64_t total_size, const volatile int *cancel,
			      struct ekv_reader **out, struct ekv_error *err);
uint64_t ekv_reader_last_commit_ts(const struct ekv_reader *r);
/* 0 bare stream, 1 EKVTHLC1, 2 EKVTHLC2, 3 no header but a valid CRC32C
 * footer (a node file written before the HLC header existed). Final only
 * after ekv_reader_next returned 0. */
int ekv_reader_wrapper(const struct ekv_reader *r);
/* 1 = entry filled (pointers valid until the next call), 0 = clean end
 * (footer verified), else an error status with err filled (offset set). */
int ekv_reader_next(struct ekv_reader *r, struct ekv_entry *e, struct ekv_error *err);
uint64_t ekv_reader_bytes_read(const struct ekv_reader *r);
void ekv_reader_free(struct ekv_reader *r);

/* D2: true for the raw operational keys of container.md §2.6(a). */
int ekv_is_operational_key(const uint8_t *k, size_t n);

/* D1: newest-version filter with the bounded prefix set of §2.7. Feed
 * every non-operational entry in stream order; returns 1 when the entry
 * is an older version of a user key already seen (skip it). */
struct ekv_mvcc;
struct ekv_mvcc *ekv_mvcc_new(void);
int ekv_mvcc_is_older(struct ekv_mvcc *m, const uint8_t *raw_key, size_t raw_len,
		      size_t user_len);
void ekv_mvcc_free(struct ekv_mvcc *m);

/* Writer: magic, LE64(ts), then entries exactly as given (the caller
 * sorts). With node_wrapper, prepends EKVTHLC1 + BE64(ceiling_ms) and
 * appends the BE32 CRC32C footer over everything before it. Writes go
 * through a buffer to fd; SHA-256 of the produced bytes is kept. */
struct ekv_fsm_writer;
int ekv_fsm_writer_new(int fd, uint64_t last_commit_ts, int node_wrapper,
		       struct ekv_fsm_writer **out, struct ekv_error *err);
/* One entry with its bytes exactly as given (raw encoded key and value). */
int ekv_fsm_writer_add(struct ekv_fsm_writer *w, const void *key, size_t klen,
		       const void *value, size_t vlen, struct ekv_error *err);
/* One live MVCC entry: key = encoded key (user key + BE64(^ts)); the
 * 9-byte value header (flags 0, expireAt 0) is written before body. */
int ekv_fsm_writer_add_live(struct ekv_fsm_writer *w, const void *key, size_t klen,
			    const void *body, size_t blen, struct ekv_error *err);
/* Appends user_key ‖ BE64(^ts) to out. */
int ekv_mvcc_encode_key(struct ekv_buf *out, const void *user_key, size_t n, uint64_t ts);
/* Flushes (and writes the footer). Fills sha256 (64 hex + NUL) and bytes. */
int ekv_fsm_writer_finish(struct ekv_fsm_writer *w, char sha256_hex[65], uint64_t *bytes,
			  struct ekv_error *err);
void ekv_fsm_writer_free(struct ekv_fsm_writer *w);
#endif
