/*
 * Shared test helper: build a snapshot file (EKVPBBL1) from records.
 * Records are collected in any order; snapbuild_write sorts them bytewise
 * by encoded key (stable: equal keys keep insertion order), writes them
 * with the core's ekv_fsm_writer, and frees everything. Failures CHECK.
 */
#ifndef EKV_TEST_SNAPBUILD_H
#define EKV_TEST_SNAPBUILD_H
#include <stddef.h>
#include <stdint.h>

struct snapbuild_rec;
struct snapbuild {
	struct snapbuild_rec *r;
	size_t n, cap;
	uint64_t header_ts;                 /* last_commit_ts in the file header */
};

void snapbuild_init(struct snapbuild *sb, uint64_t header_ts);
/* Live version: key = user_key ‖ BE64(^commit_ts), value = 9-byte header
 * (flags 0, expireAt 0) ‖ body. */
void snapbuild_put(struct snapbuild *sb, const void *user_key, size_t klen, uint64_t commit_ts,
		   const void *body, size_t blen);
/* Tombstone: value is the 9-byte header with flags 1 and no body. */
void snapbuild_tombstone(struct snapbuild *sb, const void *user_key, size_t klen, uint64_t commit_ts);
/* Any version: value = 9-byte header (flags byte, expireAt 0) ‖ body; a
 * tombstone (flags 1) may carry a body here. */
void snapbuild_version(struct snapbuild *sb, const void *user_key, size_t klen, uint64_t commit_ts,
		       uint8_t flags, const void *body, size_t blen);
/* Exact bytes: encoded key and raw value as given. */
void snapbuild_raw(struct snapbuild *sb, const void *encoded_key, size_t klen, const void *raw_value,
		   size_t vlen);
/* Drops the most recently added record (before any write). */
void snapbuild_pop(struct snapbuild *sb);
/* Sorts, writes path (created/truncated), frees; sb is re-initialised
 * with the same header ts. */
void snapbuild_write(struct snapbuild *sb, const char *path);
/* Frees without writing. */
void snapbuild_free(struct snapbuild *sb);
#endif
