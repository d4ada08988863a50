/*
 * S3 records for the synthetic generator, in the live layout (s3.md §2-§3):
 * bucket meta + generation counter per bucket, and objects of
 * --value-size bytes cut into 1 MiB blob chunks with a manifest carrying
 * the real MD5 ETag. One object in eight is a two-part multipart upload
 * with versioned blob keys and a composite ETag; one in sixteen is empty;
 * some keys are nested, a few are folder markers ("dir/") and one bucket
 * has a leaf/directory collision. About two records per object for small
 * values; --records 1 --value-size 1073741824 gives one 1 GiB object.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <openssl/evp.h>
#include "gen.h"
#include "lib/buf.h"

#define CHUNK (1u << 20)
#define HLC 116488018119163909ull

struct sg {
	struct gen *g;
	struct ekv_buf k, v;
	uint8_t *chunk;
};

static void seg(struct ekv_buf *b, const void *p, size_t n)
{
	const uint8_t *s = p;
	for (size_t i = 0; i < n; i++) {
		ekv_buf_append_byte(b, s[i]);
		if (!s[i]) ekv_buf_append_byte(b, 0xFF);
	}
	ekv_buf_append_byte(b, 0);
	ekv_buf_append_byte(b, 1);
}

static void obj_key(struct sg *s, const char *prefix, const char *bucket, const char *obj)
{
	ekv_buf_reset(&s->k);
	ekv_buf_append_str(&s->k, prefix);
	seg(&s->k, bucket, strlen(bucket));
	ekv_buf_append_be64(&s->k, 1);
	seg(&s->k, obj, strlen(obj));
}

static int put_bucket(struct sg *s, const char *bucket)
{
	ekv_buf_reset(&s->k);
	ekv_buf_append_str(&s->k, "!s3|bucket|meta|");
	seg(&s->k, bucket, strlen(bucket));
	ekv_buf_reset(&s->v);
	ekv_buf_printf(&s->v, "{\"bucket_name\":\"%s\",\"generation\":1,\"created_at_hlc\":%llu,"
		       "\"region\":\"us-east-1\",\"acl\":\"private\"}", bucket, HLC);
	int rc = gen_put(s->g, s->k.data, s->k.len, s->v.data, s->v.len);
	if (rc) return rc;
	ekv_buf_reset(&s->k);
	ekv_buf_append_str(&s->k, "!s3|bucket|gen|");
	seg(&s->k, bucket, strlen(bucket));
	uint8_t g[8] = { 0, 0, 0, 0, 0, 0, 0, 1 };
	return gen_put(s->g, s->k.data, s->k.len, g, 8);
}

/* One part's chunks: blob keys (upload, part, chunk[, pv]); returns its MD5. */
static int put_part(struct sg *s, const char *bucket, const char *obj, const char *upload,
		    uint64_t part, uint64_t pv, uint64_t size, uint8_t md5[16], struct ekv_buf *sizes)
{
	EVP_MD_CTX *c = EVP_MD_CTX_new();
	EVP_DigestInit_ex(c, EVP_md5(), NULL);
	int rc = 0;
	for (uint64_t i = 0, off = 0; off < size && !rc; i++) {
		size_t n = size - off > CHUNK ? CHUNK : (size_t)(size - off);
		gen_bytes(s->g, s->chunk, n);
		EVP_DigestUpdate(c, s->chunk, n);
		obj_key(s, "!s3|blob|", bucket, obj);
		seg(&s->k, upload, strlen(upload));
		ekv_buf_append_be64(&s->k, part);
		ekv_buf_append_be64(&s->k, i);
		if (pv) ekv_buf_append_be64(&s->k, pv);
		rc = gen_put(s->g, s->k.data, s->k.len, s->chunk, n);
		ekv_buf_printf(sizes, "%s%zu", i ? "," : "", n);
		off += n;
	}
	unsigned ml;
	EVP_DigestFinal_ex(c, md5, &ml);
	EVP_MD_CTX_free(c);
	return rc;
}

static void hex(char *out, const uint8_t *p, size_t n)
{
	for (size_t i = 0; i < n; i++) sprintf(out + 2 * i, "%02x", p[i]);
}

static int put_single(struct sg *s, const char *bucket, const char *obj, uint64_t size)
{
	struct ekv_buf sizes = EKV_BUF_INIT;
	uint8_t md5[16];
	char etag[33];
	int rc = put_part(s, bucket, obj, "0123456789abcdef0123456789abcdef", 1, 0, size, md5, &sizes);
	hex(etag, md5, 16);
	ekv_buf_reset(&s->v);
	ekv_buf_printf(&s->v, "{\"upload_id\":\"0123456789abcdef0123456789abcdef\",\"etag\":\"%s\",\"size_bytes\":%llu,"
		       "\"last_modified_hlc\":%llu,\"content_type\":\"application/octet-stream\"", etag,
		       (unsigned long long)size, HLC);
	if (size)
		ekv_buf_printf(&s->v, ",\"parts\":[{\"part_no\":1,\"etag\":\"%s\",\"size_bytes\":%llu,"
			       "\"chunk_count\":%llu,\"chunk_sizes\":[%s]}]", etag, (unsigned long long)size,
			       (unsigned long long)((size + CHUNK - 1) / CHUNK), (const char *)sizes.data);
	ekv_buf_append_str(&s->v, "}");
	ekv_buf_release(&sizes);
	obj_key(s, "!s3|obj|head|", bucket, obj);
	return rc ? rc : gen_put(s->g, s->k.data, s->k.len, s->v.data, s->v.len);
}

/* Two parts (part 1 and 3), versioned blobs, composite ETag. */
static int put_multipart(struct sg *s, const char *bucket, const char *obj, uint64_t size)
{
	uint64_t s1 = size / 2, s2 = size - s1;
	struct ekv_buf z1 = EKV_BUF_INIT, z2 = EKV_BUF_INIT;
	uint8_t m[32], comp[16];
	const char *up = "fedcba9876543210fedcba9876543210";
	int rc = put_part(s, bucket, obj, up, 1, HLC + 1, s1, m, &z1);
	if (!rc) rc = put_part(s, bucket, obj, up, 3, HLC + 2, s2, m + 16, &z2);
	unsigned ml;
	EVP_Digest(m, 32, comp, &ml, EVP_md5(), NULL);
	char e1[33], e2[33], ec[33];
	hex(e1, m, 16);
	hex(e2, m + 16, 16);
	hex(ec, comp, 16);
	ekv_buf_reset(&s->v);
	ekv_buf_printf(&s->v, "{\"upload_id\":\"%s\",\"etag\":\"%s-2\",\"size_bytes\":%llu,\"last_modified_hlc\":%llu,"
		       "\"content_type\":\"video/mp4\",\"user_metadata\":{\"camera\":\"fx30\"},\"parts\":["
		       "{\"part_no\":1,\"etag\":\"%s\",\"size_bytes\":%llu,\"chunk_count\":%llu,\"chunk_sizes\":[%s],\"part_version\":%llu},"
		       "{\"part_no\":3,\"etag\":\"%s\",\"size_bytes\":%llu,\"chunk_count\":%llu,\"chunk_sizes\":[%s],\"part_version\":%llu}]}",
		       up, ec, (unsigned long long)size, HLC, e1, (unsigned long long)s1,
		       (unsigned long long)((s1 + CHUNK - 1) / CHUNK), (const char *)z1.data, HLC + 1, e2,
		       (unsigned long long)s2, (unsigned long long)((s2 + CHUNK - 1) / CHUNK), (const char *)z2.data,
		       HLC + 2);
	ekv_buf_release(&z1);
	ekv_buf_release(&z2);
	obj_key(s, "!s3|obj|head|", bucket, obj);
	return rc ? rc : gen_put(s->g, s->k.data, s->k.len, s->v.data, s->v.len);
}

int gen_s3(struct gen *g, uint64_t n)
{
	if (!n) return 0;
	struct sg s = { .g = g, .k = EKV_BUF_INIT, .v = EKV_BUF_INIT };
	s.chunk = malloc(CHUNK);
	if (!s.chunk) return 1;
	uint64_t objects = n / 2 ? n / 2 : 1, size = gen_value_size(g);
	uint64_t buckets = 1 + objects / 1000;
	if (buckets > 16) buckets = 16;
	int rc = 0;
	char bucket[32], obj[96];
	for (uint64_t b = 0; b < buckets && !rc; b++) {
		snprintf(bucket, sizeof bucket, "bench-%02llu", (unsigned long long)b);
		rc = put_bucket(&s, bucket);
	}
	for (uint64_t i = 0; i < objects && !rc; i++) {
		snprintf(bucket, sizeof bucket, "bench-%02llu", (unsigned long long)(i % buckets));
		uint64_t kind = objects == 1 ? 0 : gen_below(g, 16);
		if (kind == 1)
			snprintf(obj, sizeof obj, "dir-%llu/", (unsigned long long)i);   /* folder marker (D20) */
		else if (kind < 4)
			snprintf(obj, sizeof obj, "logs/%04llu/%06llu.log", (unsigned long long)(i % 97),
				 (unsigned long long)i);
		else
			snprintf(obj, sizeof obj, "obj-%06llu", (unsigned long long)i);
		if (kind == 1 || kind == 2) rc = put_single(&s, bucket, obj, 0);
		else if (kind == 3 && size >= 2) rc = put_multipart(&s, bucket, obj, size);
		else rc = put_single(&s, bucket, obj, size);
	}
	/* one leaf/directory collision: "logs" is both an object and a prefix */
	if (!rc && objects > 8) rc = put_single(&s, "bench-00", "logs", size < 64 ? size : 64);
	free(s.chunk);
	ekv_buf_release(&s.k);
	ekv_buf_release(&s.v);
	return rc;
}
