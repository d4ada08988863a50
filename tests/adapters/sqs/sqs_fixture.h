/*
 * Shared helpers for the SQS tests: build snapshots with the core's
 * ekv_fsm_writer, run decode/encode through the public API, read back
 * files and encoded records. Included by each test_*.c (one executable
 * per file), so everything here is static.
 */
#ifndef SQS_FIXTURE_H
#define SQS_FIXTURE_H
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>
#include "harness.h"
#include "snapbuild.h"
#include "lib/buf.h"
#include "lib/container.h"
#include "lib/error.h"
#include "lib/util.h"
#include "adapters/sqs/sqs_internal.h"

/* ---- snapshot building ---- */

struct fx_snap {
	struct snapbuild sb;  /* header ts 5000, set at write */
};

static __attribute__((unused)) void fx_put_ts(struct fx_snap *s, const void *k, size_t kl, const void *v, size_t vl,
		      uint64_t ts, int tombstone)
{
	if (tombstone) snapbuild_tombstone(&s->sb, k, kl, ts);
	else snapbuild_put(&s->sb, k, kl, ts, v, vl);
}

static __attribute__((unused)) void fx_put(struct fx_snap *s, const struct ekv_buf *k, const struct ekv_buf *v)
{
	fx_put_ts(s, k->data, k->len, v->data, v->len, 1000, 0);
}

/* Sorts by encoded key and writes a bare EKVPBBL1 file. */
static __attribute__((unused)) void fx_write(struct fx_snap *s, const char *path)
{
	s->sb.header_ts = 5000;
	snapbuild_write(&s->sb, path);
	memset(s, 0, sizeof *s);
}

/* ---- record values ---- */

static __attribute__((unused)) struct ekv_buf fx_buf(const void *p, size_t n)
{
	struct ekv_buf b = EKV_BUF_INIT;
	CHECK(ekv_buf_set(&b, p, n) == 0);
	return b;
}

static __attribute__((unused)) struct ekv_buf fx_str(const char *s)
{
	return fx_buf(s, strlen(s));
}

static __attribute__((unused)) struct ekv_buf fx_magic(const uint8_t magic[4], const char *json)
{
	struct ekv_buf b = EKV_BUF_INIT;
	CHECK(ekv_buf_append(&b, magic, 4) == 0);
	CHECK(ekv_buf_append_str(&b, json) == 0);
	return b;
}

static __attribute__((unused)) struct ekv_buf fx_key_queue(const char *prefix, const void *name, size_t n)
{
	struct ekv_buf k = EKV_BUF_INIT;
	CHECK(sqs_key_queue(&k, prefix, name, n) == 0);
	return k;
}

static __attribute__((unused)) struct ekv_buf fx_key_data(const char *queue, uint64_t gen, int partitioned,
				  uint32_t part, const char *id)
{
	struct ekv_buf k = EKV_BUF_INIT;
	struct sqs_msg_place pl = { queue, strlen(queue), gen, partitioned, part };
	CHECK(sqs_key_msg(&k, SQS_PFX_MSG_DATA, &pl, NULL, id, strlen(id)) == 0);
	return k;
}

/* Adds a queue meta record (live JSON) and a gen counter when gen != 0. */
static __attribute__((unused)) void fx_queue(struct fx_snap *s, const char *name, const char *live_json, uint64_t gen)
{
	struct ekv_buf k = fx_key_queue(SQS_PFX_QUEUE_META, name, strlen(name));
	struct ekv_buf v = fx_magic(sqs_meta_magic, live_json);
	fx_put(s, &k, &v);
	ekv_buf_release(&k);
	ekv_buf_release(&v);
	if (!gen) return;
	char num[24];
	snprintf(num, sizeof num, "%llu", (unsigned long long)gen);
	k = fx_key_queue(SQS_PFX_QUEUE_GEN, name, strlen(name));
	v = fx_str(num);
	fx_put(s, &k, &v);
	ekv_buf_release(&k);
	ekv_buf_release(&v);
}

static __attribute__((unused)) void fx_message(struct fx_snap *s, const char *queue, uint64_t gen, int partitioned,
		       uint32_t part, const char *id, const char *live_json)
{
	struct ekv_buf k = fx_key_data(queue, gen, partitioned, part, id);
	struct ekv_buf v = fx_magic(sqs_msg_magic, live_json);
	fx_put(s, &k, &v);
	ekv_buf_release(&k);
	ekv_buf_release(&v);
}

/* ---- running ---- */

static char fx_warnings[8192];

static __attribute__((unused)) void fx_warn_sink(void *ud, const char *adapter, const char *event, const char *detail)
{
	(void)ud;
	size_t n = strlen(fx_warnings);
	snprintf(fx_warnings + n, sizeof fx_warnings - n, "%s:%s:%s\n", adapter, event, detail);
}

static __attribute__((unused)) int fx_decode_opts(const char *fsm, const char *out, int preserve, int side,
			  uint64_t spill, struct ekv_error *err)
{
	struct ekv_decode_options o = { 0 };
	struct ekv_decode_result res = { 0 };
	o.input = fsm;
	o.output = out;
	o.preserve_sqs_visibility = preserve;
	o.include_sqs_side_records = side;
	o.spill_threshold = spill;
	o.warn = fx_warn_sink;
	fx_warnings[0] = 0;
	memset(err, 0, sizeof *err);
	return ekv_decode(&o, &res, err);
}

static __attribute__((unused)) int fx_decode(const char *fsm, const char *out, struct ekv_error *err)
{
	return fx_decode_opts(fsm, out, 0, 0, 0, err);
}

static __attribute__((unused)) int fx_encode(const char *root, const char *fsm, struct ekv_error *err)
{
	struct ekv_encode_options o = { 0 };
	struct ekv_encode_result res = { 0 };
	o.input = root;
	o.output = fsm;
	memset(err, 0, sizeof *err);
	int st = ekv_encode(&o, &res, err);
	free(res.mismatch);
	return st;
}

/* Whole file as a NUL-terminated string (CHECK fails if absent). */
static char *fx_read(const char *path, size_t *len)
{
	char *p = ekv_test_read_file(path, len);
	if (!p) ekv_test_fail(__FILE__, __LINE__, "cannot read %s", path);
	return p;
}

static __attribute__((unused)) void fx_expect_file(const char *path, const char *want)
{
	size_t n;
	char *got = fx_read(path, &n);
	if (n != strlen(want) || memcmp(got, want, n) != 0)
		ekv_test_fail(__FILE__, __LINE__, "%s:\n got: %s\nwant: %s", path, got, want);
	free(got);
}

/* ---- reading an encoded .fsm back ---- */

struct fx_entries {
	struct ekv_buf *keys, *vals;
	size_t n;
};

static __attribute__((unused)) void fx_load(const char *fsm, struct fx_entries *out)
{
	struct ekv_error err = { 0 };
	struct ekv_reader *r;
	struct ekv_entry e;
	int fd = open(fsm, O_RDONLY);
	CHECK(fd >= 0);
	CHECK_OK(ekv_reader_new(fd, 0, &r, &err), &err);
	memset(out, 0, sizeof *out);
	int st;
	while ((st = ekv_reader_next(r, &e, &err)) == 1) {
		out->keys = realloc(out->keys, (out->n + 1) * sizeof *out->keys);
		out->vals = realloc(out->vals, (out->n + 1) * sizeof *out->vals);
		out->keys[out->n] = fx_buf(e.user_key, e.user_key_len);
		out->vals[out->n] = fx_buf(e.body, e.body_len);
		out->n++;
	}
	CHECK_INT(st, 0);
	ekv_reader_free(r);
	close(fd);
}

/* Index of the record with key k, or -1. */
static __attribute__((unused)) int fx_find(const struct fx_entries *es, const struct ekv_buf *k)
{
	for (size_t i = 0; i < es->n; i++)
		if (es->keys[i].len == k->len && memcmp(es->keys[i].data, k->data, k->len) == 0)
			return (int)i;
	return -1;
}

static __attribute__((unused)) void fx_expect_record(const struct fx_entries *es, struct ekv_buf k, const void *v,
			     size_t vl)
{
	int i = fx_find(es, &k);
	if (i < 0) {
		char *p = sqs_printable(k.data, k.len);
		ekv_test_fail(__FILE__, __LINE__, "record %s missing", p);
	}
	if (es->vals[i].len != vl || memcmp(es->vals[i].data, v, vl) != 0) {
		char *p = sqs_printable(es->vals[i].data, es->vals[i].len);
		ekv_test_fail(__FILE__, __LINE__, "record value differs: %s", p);
	}
	ekv_buf_release(&k);
}

static __attribute__((unused)) size_t fx_count_prefix(const struct fx_entries *es, const char *prefix)
{
	size_t c = 0;
	for (size_t i = 0; i < es->n; i++)
		if (ekv_has_prefix(es->keys[i].data, es->keys[i].len, prefix, strlen(prefix))) c++;
	return c;
}

static __attribute__((unused)) void fx_entries_free(struct fx_entries *es)
{
	for (size_t i = 0; i < es->n; i++) {
		ekv_buf_release(&es->keys[i]);
		ekv_buf_release(&es->vals[i]);
	}
	free(es->keys);
	free(es->vals);
}

/* mkdir -p + write a file under the current directory. */
static __attribute__((unused)) void fx_write_file(const char *path, const char *text)
{
	char dir[1024];
	snprintf(dir, sizeof dir, "%s", path);
	char *slash = strrchr(dir, '/');
	if (slash) {
		*slash = 0;
		CHECK(ekv_test_sh("mkdir -p '%s'", dir) == 0);
	}
	ekv_test_write_file(path, text, strlen(text));
}

/* A dump root with MANIFEST.json listing every adapter (decode of an
 * empty snapshot), ready for hand-written sqs/ content. */
static __attribute__((unused)) void fx_empty_dump(const char *root)
{
	struct fx_snap s = { 0 };
	struct ekv_error err;
	fx_write(&s, "empty.fsm");
	CHECK_OK(fx_decode("empty.fsm", root, &err), &err);
}
#endif
