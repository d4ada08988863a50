#include "snapbuild.h"
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "harness.h"
#include "lib/buf.h"
#include "lib/container.h"
#include "lib/error.h"
#include "lib/util.h"

struct snapbuild_rec {
	struct ekv_buf key;   /* encoded key */
	struct ekv_buf value; /* raw value: header ‖ body */
	size_t seq;           /* insertion order, for a stable sort */
};

void snapbuild_init(struct snapbuild *sb, uint64_t header_ts)
{
	memset(sb, 0, sizeof *sb);
	sb->header_ts = header_ts;
}

static struct snapbuild_rec *add(struct snapbuild *sb)
{
	if (sb->n == sb->cap) {
		sb->cap = sb->cap ? 2 * sb->cap : 64;
		sb->r = realloc(sb->r, sb->cap * sizeof *sb->r);
		CHECK(sb->r != NULL);
	}
	struct snapbuild_rec *r = &sb->r[sb->n];
	ekv_buf_init(&r->key);
	ekv_buf_init(&r->value);
	r->seq = sb->n++;
	return r;
}

void snapbuild_version(struct snapbuild *sb, const void *ukey, size_t klen, uint64_t ts, uint8_t flags,
		       const void *body, size_t blen)
{
	struct snapbuild_rec *r = add(sb);
	CHECK(ekv_mvcc_encode_key(&r->key, ukey, klen, ts) == 0);
	CHECK(ekv_buf_append_byte(&r->value, flags) == 0);
	CHECK(ekv_buf_append_le64(&r->value, 0) == 0);
	if (blen) CHECK(ekv_buf_append(&r->value, body, blen) == 0);
}

void snapbuild_put(struct snapbuild *sb, const void *user_key, size_t klen, uint64_t commit_ts,
		   const void *body, size_t blen)
{
	snapbuild_version(sb, user_key, klen, commit_ts, 0, body, blen);
}

void snapbuild_tombstone(struct snapbuild *sb, const void *user_key, size_t klen, uint64_t commit_ts)
{
	snapbuild_version(sb, user_key, klen, commit_ts, 1, NULL, 0);
}

void snapbuild_raw(struct snapbuild *sb, const void *encoded_key, size_t klen, const void *raw_value,
		   size_t vlen)
{
	struct snapbuild_rec *r = add(sb);
	CHECK(ekv_buf_set(&r->key, encoded_key, klen) == 0);
	CHECK(ekv_buf_set(&r->value, raw_value, vlen) == 0);
}

void snapbuild_pop(struct snapbuild *sb)
{
	CHECK(sb->n > 0);
	sb->n--;
	ekv_buf_release(&sb->r[sb->n].key);
	ekv_buf_release(&sb->r[sb->n].value);
}

static int rec_cmp(const void *a, const void *b)
{
	const struct snapbuild_rec *x = a, *y = b;
	int c = ekv_bytes_cmp(x->key.data, x->key.len, y->key.data, y->key.len);
	if (c) return c;
	return x->seq < y->seq ? -1 : x->seq > y->seq;
}

void snapbuild_free(struct snapbuild *sb)
{
	uint64_t ts = sb->header_ts;
	for (size_t i = 0; i < sb->n; i++) {
		ekv_buf_release(&sb->r[i].key);
		ekv_buf_release(&sb->r[i].value);
	}
	free(sb->r);
	snapbuild_init(sb, ts);
}

void snapbuild_write(struct snapbuild *sb, const char *path)
{
	struct ekv_error err = { 0 };
	struct ekv_fsm_writer *w;
	if (sb->n) qsort(sb->r, sb->n, sizeof *sb->r, rec_cmp);
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	CHECK(fd >= 0);
	CHECK_OK(ekv_fsm_writer_new(fd, sb->header_ts, 0, &w, &err), &err);
	for (size_t i = 0; i < sb->n; i++)
		CHECK_OK(ekv_fsm_writer_add(w, sb->r[i].key.data, sb->r[i].key.len, sb->r[i].value.data,
					    sb->r[i].value.len, &err),
			 &err);
	char sha[65];
	uint64_t bytes;
	CHECK_OK(ekv_fsm_writer_finish(w, sha, &bytes, &err), &err);
	ekv_fsm_writer_free(w);
	CHECK(close(fd) == 0);
	snapbuild_free(sb);
}
