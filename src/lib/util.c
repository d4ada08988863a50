/* Shared helpers: UTF-8, base64, hex, SHA-256, byte comparison, numbers. */
#include <openssl/evp.h>
#include <string.h>
#include "util.h"

size_t ekv_utf8_seq_len(const uint8_t *s, size_t n)
{
	uint8_t c = s[0];
	if (c < 0x80) return 1;
	if (c < 0xC2) return 0;
	if (c < 0xE0) {
		if (n < 2 || (s[1] & 0xC0) != 0x80) return 0;
		return 2;
	}
	if (c < 0xF0) {
		if (n < 3 || (s[1] & 0xC0) != 0x80 || (s[2] & 0xC0) != 0x80) return 0;
		if (c == 0xE0 && s[1] < 0xA0) return 0;
		if (c == 0xED && s[1] > 0x9F) return 0;
		return 3;
	}
	if (c < 0xF5) {
		if (n < 4 || (s[1] & 0xC0) != 0x80 || (s[2] & 0xC0) != 0x80 || (s[3] & 0xC0) != 0x80)
			return 0;
		if (c == 0xF0 && s[1] < 0x90) return 0;
		if (c == 0xF4 && s[1] > 0x8F) return 0;
		return 4;
	}
	return 0;
}

int ekv_utf8_valid(const void *p, size_t n)
{
	const uint8_t *s = p;
	size_t i = 0;
	while (i < n) {
		if (s[i] < 0x80) {
			i++;
			continue;
		}
		size_t k = ekv_utf8_seq_len(s + i, n - i);
		if (!k) return 0;
		i += k;
	}
	return 1;
}

static const char b64url_alpha[] =
	"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
static const char b64std_alpha[] =
	"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

size_t ekv_b64url_encoded_len(size_t n)
{
	return (n * 8 + 5) / 6;
}

static int b64_encode(struct ekv_buf *out, const uint8_t *p, size_t n, const char *alpha, int pad)
{
	if (ekv_buf_reserve(out, (n + 2) / 3 * 4)) return EKV_ENOMEM;
	uint8_t *o = out->data + out->len;
	size_t i = 0;
	for (; i + 3 <= n; i += 3) {
		uint32_t v = (uint32_t)p[i] << 16 | (uint32_t)p[i + 1] << 8 | p[i + 2];
		*o++ = (uint8_t)alpha[v >> 18];
		*o++ = (uint8_t)alpha[(v >> 12) & 63];
		*o++ = (uint8_t)alpha[(v >> 6) & 63];
		*o++ = (uint8_t)alpha[v & 63];
	}
	if (n - i == 1) {
		uint32_t v = (uint32_t)p[i] << 16;
		*o++ = (uint8_t)alpha[v >> 18];
		*o++ = (uint8_t)alpha[(v >> 12) & 63];
		if (pad) { *o++ = '='; *o++ = '='; }
	} else if (n - i == 2) {
		uint32_t v = (uint32_t)p[i] << 16 | (uint32_t)p[i + 1] << 8;
		*o++ = (uint8_t)alpha[v >> 18];
		*o++ = (uint8_t)alpha[(v >> 12) & 63];
		*o++ = (uint8_t)alpha[(v >> 6) & 63];
		if (pad) *o++ = '=';
	}
	out->len = (size_t)(o - out->data);
	out->data[out->len] = 0;
	return EKV_OK;
}

int ekv_b64url_encode(struct ekv_buf *out, const void *p, size_t n)
{
	return b64_encode(out, p, n, b64url_alpha, 0);
}

int ekv_b64std_encode(struct ekv_buf *out, const void *p, size_t n)
{
	return b64_encode(out, p, n, b64std_alpha, 1);
}

static int b64_value(char c, int url)
{
	if (c >= 'A' && c <= 'Z') return c - 'A';
	if (c >= 'a' && c <= 'z') return c - 'a' + 26;
	if (c >= '0' && c <= '9') return c - '0' + 52;
	if (c == (url ? '-' : '+')) return 62;
	if (c == (url ? '_' : '/')) return 63;
	return -1;
}

/* Decodes n characters of unpadded base64; trailing bits must be zero
 * (strict, so every byte string has exactly one accepted spelling). */
static int b64_decode_raw(struct ekv_buf *out, const char *s, size_t n, int url)
{
	if (n % 4 == 1) return EKV_EDATA;
	if (ekv_buf_reserve(out, n / 4 * 3 + 3)) return EKV_ENOMEM;
	uint32_t acc = 0;
	int bits = 0;
	for (size_t i = 0; i < n; i++) {
		int v = b64_value(s[i], url);
		if (v < 0) return EKV_EDATA;
		acc = acc << 6 | (uint32_t)v;
		bits += 6;
		if (bits >= 8) {
			bits -= 8;
			out->data[out->len++] = (uint8_t)(acc >> bits);
			acc &= (1u << bits) - 1;
		}
	}
	if (acc != 0) return EKV_EDATA;
	out->data[out->len] = 0;
	return EKV_OK;
}

int ekv_b64url_decode(struct ekv_buf *out, const char *s, size_t n)
{
	return b64_decode_raw(out, s, n, 1);
}

int ekv_b64std_decode(struct ekv_buf *out, const char *s, size_t n)
{
	if (n % 4 != 0) return EKV_EDATA;
	size_t pad = 0;
	while (pad < 2 && n > pad && s[n - 1 - pad] == '=') pad++;
	return b64_decode_raw(out, s, n - pad, 0);
}

void ekv_hex_lower(char *dst, const uint8_t *src, size_t n)
{
	static const char hex[] = "0123456789abcdef";
	for (size_t i = 0; i < n; i++) {
		dst[2 * i] = hex[src[i] >> 4];
		dst[2 * i + 1] = hex[src[i] & 15];
	}
	dst[2 * n] = 0;
}

struct ekv_sha256_ctx {
	EVP_MD_CTX *md;
};

struct ekv_sha256_ctx *ekv_sha256_new(void)
{
	struct ekv_sha256_ctx *c = malloc(sizeof *c);
	if (!c) return NULL;
	c->md = EVP_MD_CTX_new();
	if (!c->md || EVP_DigestInit_ex(c->md, EVP_sha256(), NULL) != 1) {
		EVP_MD_CTX_free(c->md);
		free(c);
		return NULL;
	}
	return c;
}

void ekv_sha256_update(struct ekv_sha256_ctx *c, const void *p, size_t n)
{
	if (n) EVP_DigestUpdate(c->md, p, n);
}

void ekv_sha256_final(struct ekv_sha256_ctx *c, uint8_t out[EKV_SHA256_LEN])
{
	unsigned int len = 0;
	EVP_DigestFinal_ex(c->md, out, &len);
	ekv_sha256_free(c);
}

void ekv_sha256_free(struct ekv_sha256_ctx *c)
{
	if (!c) return;
	EVP_MD_CTX_free(c->md);
	free(c);
}

void ekv_sha256(const void *p, size_t n, uint8_t out[EKV_SHA256_LEN])
{
	unsigned int len = 0;
	EVP_Digest(p, n, out, &len, EVP_sha256(), NULL);
}

int ekv_bytes_cmp(const void *a, size_t an, const void *b, size_t bn)
{
	size_t n = an < bn ? an : bn;
	int c = n ? memcmp(a, b, n) : 0;
	if (c) return c;
	return an < bn ? -1 : an > bn;
}

int ekv_parse_u64_dec(const char *s, size_t n, uint64_t *out)
{
	if (n == 0) return -1;
	uint64_t v = 0;
	for (size_t i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9') return -1;
		unsigned d = (unsigned)(s[i] - '0');
		if (v > (UINT64_MAX - d) / 10) return -1;
		v = v * 10 + d;
	}
	*out = v;
	return 0;
}
