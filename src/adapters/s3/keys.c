/* S3 internal key layouts (s3.md §2.1-§2.5): parsers over the shared key segments. */
#include <string.h>
#include "s3_decode.h"

int s3_u64_read(const uint8_t *k, size_t n, size_t *pos, uint64_t *v)
{
	if (*pos > n || n - *pos < 8) return -1;
	*v = ekv_be64(k + *pos);
	*pos += 8;
	return 0;
}

void s3_chunk_key_init(struct s3_chunk_key *c)
{
	memset(c, 0, sizeof *c);
	ekv_buf_init(&c->bucket);
	ekv_buf_init(&c->object);
	ekv_buf_init(&c->upload);
}

void s3_chunk_key_release(struct s3_chunk_key *c)
{
	ekv_buf_release(&c->bucket);
	ekv_buf_release(&c->object);
	ekv_buf_release(&c->upload);
}

/* seg(bucket) BE64(gen) seg(object) seg(upload) BE64(part) BE64(chunk) [BE64(pv)] */
int s3_parse_chunk_key(const uint8_t *rest, size_t n, struct s3_chunk_key *c)
{
	size_t pos = 0;
	if (ekv_keyseg_read(rest, n, &pos, &c->bucket) || s3_u64_read(rest, n, &pos, &c->gen) ||
	    ekv_keyseg_read(rest, n, &pos, &c->object) || ekv_keyseg_read(rest, n, &pos, &c->upload) ||
	    s3_u64_read(rest, n, &pos, &c->part) || s3_u64_read(rest, n, &pos, &c->chunk))
		return -1;
	c->pv = 0;
	if (pos == n) return 0;
	if (n - pos != 8) return -1;   /* exactly 0 or 8 trailing bytes (s3.md §2.5) */
	c->pv = ekv_be64(rest + pos);
	return 0;
}

int s3_parse_manifest_key(const uint8_t *rest, size_t n, struct ekv_buf *bucket, uint64_t *gen,
			  struct ekv_buf *object)
{
	size_t pos = 0;
	if (ekv_keyseg_read(rest, n, &pos, bucket) || s3_u64_read(rest, n, &pos, gen) ||
	    ekv_keyseg_read(rest, n, &pos, object))
		return -1;
	return pos == n ? 0 : -1;
}

int s3_parse_bucket_key(const uint8_t *rest, size_t n, struct ekv_buf *bucket)
{
	size_t pos = 0;
	if (ekv_keyseg_read(rest, n, &pos, bucket)) return -1;
	return pos == n ? 0 : -1;
}

int s3_is_dot_name(const uint8_t *p, size_t n)
{
	return n == 0 || (n == 1 && p[0] == '.') || (n == 2 && p[0] == '.' && p[1] == '.');
}

int s3_has_suffix(const uint8_t *p, size_t n, const char *suffix)
{
	size_t sl = strlen(suffix);
	return n >= sl && memcmp(p + n - sl, suffix, sl) == 0;
}

/* Chunk ref value (s3.md §3.6):
 *   V1: 01 sha256[32] BE64(size) BE16(n) peer[n]
 *   V2: 02 ... same ... BE16(r) r x (BE16(a) node[a] BE16(b) addr[b])
 * Only the digest and the size are used. */
int s3_parse_chunkref_value(const uint8_t *v, size_t n, uint8_t digest[32], uint64_t *size)
{
	if (n < 43 || (v[0] != 1 && v[0] != 2)) return -1;
	memcpy(digest, v + 1, 32);
	*size = ekv_be64(v + 33);
	size_t peer = ekv_be16(v + 41), pos = 43;
	if (n - pos < peer) return -1;
	pos += peer;
	if (v[0] == 1) return pos == n ? 0 : -1;
	if (n - pos < 2) return -1;
	size_t r = ekv_be16(v + pos);
	pos += 2;
	if (r > (n - pos) / 4) return -1;   /* checked before walking, as upstream */
	for (size_t i = 0; i < r; i++) {
		for (int f = 0; f < 2; f++) {
			if (n - pos < 2) return -1;
			size_t l = ekv_be16(v + pos);
			pos += 2;
			if (n - pos < l) return -1;
			pos += l;
		}
	}
	return pos == n ? 0 : -1;
}
