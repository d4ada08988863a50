/*
 * Helpers for the Redis adapter tests: build a snapshot from internal
 * records (sorted as a live store would write them), decode it, read the
 * output, and encode a tree back. Header-only: each test_*.c is its own
 * executable.
 */
#ifndef REDIS_FIXTURE_H
#define REDIS_FIXTURE_H
#include <fcntl.h>
#include <math.h>
#include <sys/stat.h>
#include <unistd.h>
#include "harness.h"
#include "snapbuild.h"
#include "lib/buf.h"
#include "lib/container.h"
#include "lib/util.h"

#define FX_TS 1000

struct fx {
	struct snapbuild sb;    /* records; header ts FX_TS */
	struct ekv_buf kb;      /* key under construction */
};

static inline void fx_init(struct fx *f)
{
	memset(f, 0, sizeof *f);
	snapbuild_init(&f->sb, FX_TS);
	ekv_buf_init(&f->kb);
}

/* Key builders: fx_k starts a key, fx_kb appends bytes, fx_klen appends a
 * BE32 length + bytes, fx_k64 a BE64. */
static inline struct fx *fx_k(struct fx *f, const char *prefix)
{
	ekv_buf_reset(&f->kb);
	ekv_buf_append_str(&f->kb, prefix);
	return f;
}
static inline struct fx *fx_kb(struct fx *f, const void *p, size_t n)
{
	ekv_buf_append(&f->kb, p, n);
	return f;
}
static inline struct fx *fx_ks(struct fx *f, const char *s)
{
	return fx_kb(f, s, strlen(s));
}
static inline struct fx *fx_klen(struct fx *f, const void *p, size_t n)
{
	ekv_buf_append_be32(&f->kb, (uint32_t)n);
	return fx_kb(f, p, n);
}
static inline struct fx *fx_k64(struct fx *f, uint64_t v)
{
	ekv_buf_append_be64(&f->kb, v);
	return f;
}

/* Adds the record (current key, body) at commit ts, optionally a tombstone. */
static inline void fx_put_ts(struct fx *f, const void *body, size_t n, uint64_t ts, int tomb);
static inline void fx_put(struct fx *f, const void *body, size_t n)
{
	fx_put_ts(f, body, n, FX_TS, 0);
}
static inline void fx_put_ts(struct fx *f, const void *body, size_t n, uint64_t ts, int tomb)
{
	if (!tomb) {
		snapbuild_put(&f->sb, f->kb.data, f->kb.len, ts, body, n);
		return;
	}
	snapbuild_version(&f->sb, f->kb.data, f->kb.len, ts, 1, body, n);  /* tombstone keeping its body */
}
static inline void fx_puts(struct fx *f, const char *body)
{
	fx_put(f, body, strlen(body));
}
static inline void fx_put64(struct fx *f, uint64_t v)
{
	uint8_t b[8];
	ekv_put_be64(b, v);
	fx_put(f, b, 8);
}

static inline void fx_write(struct fx *f, const char *path)
{
	f->sb.header_ts = FX_TS;
	snapbuild_write(&f->sb, path);
	ekv_buf_release(&f->kb);
	fx_init(f);
}

/* Warnings collected by the sink. */
static char fx_warnings[8192];
static void fx_warn(void *ud, const char *adapter, const char *event, const char *detail)
{
	(void)ud;
	(void)adapter;
	(void)detail;
	size_t n = strlen(fx_warnings);
	snprintf(fx_warnings + n, sizeof fx_warnings - n, "%s\n", event);
}

struct fx_opts {
	int cap_set;
	uint64_t cap;
	uint64_t spill;
};

/* Decodes in.fsm into out (redis only); returns the status. */
static inline int fx_decode_opts(const char *in, const char *out, const struct fx_opts *o,
				 struct ekv_decode_result *res, struct ekv_error *err)
{
	struct ekv_decode_options opts;
	memset(&opts, 0, sizeof opts);
	opts.input = in;
	opts.output = out;
	opts.adapters = 1u << EKV_ADAPTER_REDIS;
	opts.warn = fx_warn;
	fx_warnings[0] = 0;
	if (o) {
		opts.pending_ttl_cap_set = o->cap_set;
		opts.pending_ttl_cap = o->cap;
		opts.spill_threshold = o->spill;
	}
	memset(res, 0, sizeof *res);
	return ekv_decode(&opts, res, err);
}

static inline struct ekv_decode_result fx_decode(const char *in, const char *out)
{
	struct ekv_decode_result res;
	struct ekv_error err = { 0 };
	CHECK_OK(fx_decode_opts(in, out, NULL, &res, &err), &err);
	return res;
}

/* Whole-file content equals text. */
#define CHECK_FILE(path, text)                                                      \
	do {                                                                        \
		size_t len_;                                                        \
		char *got_ = ekv_test_read_file(path, &len_);                       \
		if (!got_) ekv_test_fail(__FILE__, __LINE__, "%s missing", path);   \
		if (len_ != strlen(text) || memcmp(got_, text, len_) != 0)          \
			ekv_test_fail(__FILE__, __LINE__, "%s:\n%s\n--- expected:\n%s", path, got_, text); \
		free(got_);                                                         \
	} while (0)
#define CHECK_NOFILE(path) CHECK(!ekv_test_file_exists(path))

/* Encodes dir into out (redis only). */
static inline int fx_encode(const char *dir, const char *out, struct ekv_error *err)
{
	struct ekv_encode_options o;
	memset(&o, 0, sizeof o);
	o.input = dir;
	o.output = out;
	o.adapters = 1u << EKV_ADAPTER_REDIS;
	struct ekv_encode_result res;
	memset(&res, 0, sizeof res);
	int st = ekv_encode(&o, &res, err);
	free(res.mismatch);
	return st;
}

/* decode(in) -> a, encode(a) -> r.fsm, decode(r.fsm) -> b; trees equal. */
static inline void fx_roundtrip(const char *in)
{
	struct ekv_error err = { 0 };
	fx_decode(in, "rt_a");
	CHECK_OK(fx_encode("rt_a", "rt.fsm", &err), &err);
	fx_decode("rt.fsm", "rt_b");
	CHECK_INT(ekv_test_sh("diff -r -x MANIFEST.json -x CHECKSUMS rt_a rt_b"), 0);
}
#endif
