/*
 * S3 test helpers: live-shaped keys (s3.md §2.3), snapshot files written
 * with the core's ekv_fsm_writer, decode/encode through the public API,
 * and file checks. Everything is static: each test_*.c is one program.
 */
#ifndef S3_FIXTURE_H
#define S3_FIXTURE_H
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>
#include <openssl/evp.h>
#include "harness.h"
#include "snapbuild.h"
#include "lib/buf.h"
#include "lib/container.h"
#include "lib/error.h"
#include "lib/util.h"
#include "adapters/s3/s3_internal.h"

#define S3FX_UNUSED __attribute__((unused))
#define S3FX_TS 0x00018F1A2B3C0007ull   /* a 2024 HLC: suffix byte 0xFE (container.md §2.8) */

struct s3fx {
	struct snapbuild sb;               /* records; header ts set at write */
	struct ekv_buf k;                  /* scratch for building user keys */
};

static S3FX_UNUSED void s3fx_put_ts(struct s3fx *s, const void *k, size_t kl, const void *v,
				     size_t vl, uint64_t ts, int tombstone)
{
	if (tombstone) snapbuild_tombstone(&s->sb, k, kl, ts);
	else snapbuild_put(&s->sb, k, kl, ts, v, vl);
}

static S3FX_UNUSED void s3fx_put(struct s3fx *s, const struct ekv_buf *k, const void *v, size_t vl)
{
	s3fx_put_ts(s, k->data, k->len, v, vl, S3FX_TS, 0);
}

/* ---- live keys ---- */

static S3FX_UNUSED struct ekv_buf *s3fx_bucket_key(struct s3fx *s, const char *prefix, const char *bucket)
{
	ekv_buf_reset(&s->k);
	CHECK(ekv_buf_append_str(&s->k, prefix) == 0);
	CHECK(ekv_keyseg_append(&s->k, bucket, strlen(bucket)) == 0);
	return &s->k;
}

static S3FX_UNUSED struct ekv_buf *s3fx_obj_key(struct s3fx *s, const char *prefix, const char *bucket,
						 uint64_t gen, const void *obj, size_t ol)
{
	ekv_buf_reset(&s->k);
	CHECK(ekv_buf_append_str(&s->k, prefix) == 0);
	CHECK(ekv_keyseg_append(&s->k, bucket, strlen(bucket)) == 0);
	CHECK(ekv_buf_append_be64(&s->k, gen) == 0);
	CHECK(ekv_keyseg_append(&s->k, obj, ol) == 0);
	return &s->k;
}

/* blob / chunk ref key; pv 0 = unversioned shape */
static S3FX_UNUSED struct ekv_buf *s3fx_chunk_key(struct s3fx *s, const char *prefix, const char *bucket,
						   uint64_t gen, const void *obj, size_t ol,
						   const char *upload, uint64_t part, uint64_t chunk,
						   uint64_t pv)
{
	s3fx_obj_key(s, prefix, bucket, gen, obj, ol);
	CHECK(ekv_keyseg_append(&s->k, upload, strlen(upload)) == 0);
	CHECK(ekv_buf_append_be64(&s->k, part) == 0);
	CHECK(ekv_buf_append_be64(&s->k, chunk) == 0);
	if (pv) CHECK(ekv_buf_append_be64(&s->k, pv) == 0);
	return &s->k;
}

static S3FX_UNUSED void s3fx_bucket(struct s3fx *s, const char *bucket, uint64_t gen)
{
	char v[256];
	int n = snprintf(v, sizeof v,
			 "{\"bucket_name\":\"%s\",\"generation\":%llu,\"created_at_hlc\":116488018119163909,\"region\":\"us-east-1\",\"acl\":\"private\"}",
			 bucket, (unsigned long long)gen);
	s3fx_put(s, s3fx_bucket_key(s, P_BUCKET_META, bucket), v, (size_t)n);
	uint8_t g[8];
	ekv_put_be64(g, gen);
	s3fx_put(s, s3fx_bucket_key(s, P_BUCKET_GEN, bucket), g, 8);
}

static S3FX_UNUSED void s3fx_blob(struct s3fx *s, const char *bucket, uint64_t gen, const void *obj,
				   size_t ol, const char *upload, uint64_t part, uint64_t chunk, uint64_t pv,
				   const void *data, size_t dl)
{
	s3fx_put(s, s3fx_chunk_key(s, P_BLOB, bucket, gen, obj, ol, upload, part, chunk, pv), data, dl);
}

static S3FX_UNUSED void s3fx_manifest(struct s3fx *s, const char *bucket, uint64_t gen, const void *obj,
				       size_t ol, const char *json)
{
	s3fx_put(s, s3fx_obj_key(s, P_OBJ_HEAD, bucket, gen, obj, ol), json, strlen(json));
}

/* A PutObject-shaped object: upload u, 1 MiB chunks of part 1, real ETag. */
static S3FX_UNUSED void s3fx_object(struct s3fx *s, const char *bucket, uint64_t gen, const void *obj,
				     size_t ol, const void *body, size_t bl, const char *extra)
{
	uint8_t md5[16];
	unsigned ml = 0;
	EVP_Digest(body, bl, md5, &ml, EVP_md5(), NULL);
	char etag[33];
	ekv_hex_lower(etag, md5, 16);
	size_t chunks = (bl + S3_CHUNK_SIZE - 1) / S3_CHUNK_SIZE;
	struct ekv_buf j = EKV_BUF_INIT;
	CHECK(ekv_buf_printf(&j, "{\"upload_id\":\"u\",\"etag\":\"%s\",\"size_bytes\":%zu,"
			     "\"last_modified_hlc\":116488018119163909,\"content_type\":\"text/plain\"%s",
			     etag, bl, extra ? extra : "") == 0);
	if (chunks) {
		CHECK(ekv_buf_printf(&j, ",\"parts\":[{\"part_no\":1,\"etag\":\"%s\",\"size_bytes\":%zu,"
				     "\"chunk_count\":%zu,\"chunk_sizes\":[", etag, bl, chunks) == 0);
		for (size_t i = 0; i < chunks; i++) {
			size_t cl = i + 1 < chunks ? S3_CHUNK_SIZE : bl - i * S3_CHUNK_SIZE;
			CHECK(ekv_buf_printf(&j, "%s%zu", i ? "," : "", cl) == 0);
			s3fx_blob(s, bucket, gen, obj, ol, "u", 1, i, 0, (const uint8_t *)body + i * S3_CHUNK_SIZE, cl);
		}
		CHECK(ekv_buf_append_str(&j, "]}]") == 0);
	}
	CHECK(ekv_buf_append_str(&j, "}") == 0);
	s3fx_manifest(s, bucket, gen, obj, ol, (const char *)j.data);
	ekv_buf_release(&j);
}

static S3FX_UNUSED void s3fx_text(struct s3fx *s, const char *bucket, uint64_t gen, const char *obj,
				   const char *body)
{
	s3fx_object(s, bucket, gen, obj, strlen(obj), body, strlen(body), NULL);
}

static S3FX_UNUSED void s3fx_write(struct s3fx *s, const char *path)
{
	s->sb.header_ts = S3FX_TS + 100;
	snapbuild_write(&s->sb, path);
	ekv_buf_release(&s->k);
	memset(s, 0, sizeof *s);
}

/* ---- running ---- */

struct s3fx_warns {
	int n;
	char events[64][48];
	char details[64][512];
};

static S3FX_UNUSED void s3fx_warn_sink(void *ud, const char *adapter, const char *event, const char *detail)
{
	struct s3fx_warns *w = ud;
	(void)adapter;
	if (w->n < 64) {
		snprintf(w->events[w->n], sizeof w->events[0], "%s", event);
		snprintf(w->details[w->n], sizeof w->details[0], "%s", detail);
	}
	w->n++;
}

static S3FX_UNUSED int s3fx_count_warn(const struct s3fx_warns *w, const char *event)
{
	int c = 0;
	for (int i = 0; i < w->n && i < 64; i++) c += strcmp(w->events[i], event) == 0;
	return c;
}

static S3FX_UNUSED void s3fx_opts(struct ekv_decode_options *o, const char *in, const char *out,
				   struct s3fx_warns *w)
{
	memset(o, 0, sizeof *o);
	o->input = in;
	o->output = out;
	o->adapters = 1u << EKV_ADAPTER_S3;
	if (w) {
		memset(w, 0, sizeof *w);
		o->warn = s3fx_warn_sink;
		o->warn_ud = w;
	}
}

static S3FX_UNUSED int s3fx_decode(const struct ekv_decode_options *o, struct ekv_error *err)
{
	struct ekv_decode_result res;
	memset(err, 0, sizeof *err);
	return ekv_decode(o, &res, err);
}

/* Decode with default options; must succeed. */
static S3FX_UNUSED void s3fx_decode_ok(struct s3fx *s, const char *out, struct s3fx_warns *w)
{
	struct ekv_decode_options o;
	struct ekv_error err;
	s3fx_write(s, "in.fsm");
	s3fx_opts(&o, "in.fsm", out, w);
	CHECK_OK(s3fx_decode(&o, &err), &err);
}

static S3FX_UNUSED int s3fx_encode(const char *in, const char *out, struct ekv_error *err)
{
	struct ekv_encode_options o;
	struct ekv_encode_result res;
	memset(&o, 0, sizeof o);
	memset(&res, 0, sizeof res);
	memset(err, 0, sizeof *err);
	o.input = in;
	o.output = out;
	o.adapters = 1u << EKV_ADAPTER_S3;
	int rc = ekv_encode(&o, &res, err);
	free(res.mismatch);
	return rc;
}

/* File content equals the string exactly. */
static S3FX_UNUSED void s3fx_check_file(const char *path, const void *want, size_t wl)
{
	size_t n = 0;
	char *got = ekv_test_read_file(path, &n);
	if (!got) ekv_test_fail(__FILE__, __LINE__, "missing file %s", path);
	if (n != wl || memcmp(got, want, n) != 0)
		ekv_test_fail(__FILE__, __LINE__, "%s differs: got %zu bytes \"%.*s\"", path, n,
			      (int)(n > 400 ? 400 : n), got);
	free(got);
}
#define S3FX_FILE(path, str) s3fx_check_file((path), (str), strlen(str))

/* Every file under dir, as "relative-path\n" lines sorted (for tree checks). */
static S3FX_UNUSED int s3fx_sh_ok(const char *cmd)
{
	return ekv_test_sh("%s", cmd) == 0;
}
#endif
