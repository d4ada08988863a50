/* Filename-segment encoding and its inverse (container.md §5.2). */
#include <string.h>
#include "segment.h"
#include "util.h"

static int is_unreserved(uint8_t c)
{
	return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
	       c == '-' || c == '.' || c == '_';
}

static int is_hex(uint8_t c)
{
	return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}

static int hex_val(uint8_t c)
{
	if (c <= '9') return c - '0';
	if (c >= 'a') return c - 'a' + 10;
	return c - 'A' + 10;
}

/* Length of the percent-encoded form, computed without building it. */
static size_t percent_len(const uint8_t *s, size_t n, size_t stop_after)
{
	size_t len = 0;
	for (size_t i = 0; i < n && len <= stop_after; i++) len += is_unreserved(s[i]) ? 1 : 3;
	return len;
}

int ekv_percent_encode(struct ekv_buf *out, const void *raw, size_t n)
{
	static const char hex[] = "0123456789ABCDEF";
	const uint8_t *s = raw;
	if (ekv_buf_reserve(out, n * 3)) return EKV_ENOMEM;
	uint8_t *o = out->data + out->len;
	for (size_t i = 0; i < n; i++) {
		if (is_unreserved(s[i])) {
			*o++ = s[i];
		} else {
			*o++ = '%';
			*o++ = (uint8_t)hex[s[i] >> 4];
			*o++ = (uint8_t)hex[s[i] & 15];
		}
	}
	out->len = (size_t)(o - out->data);
	out->data[out->len] = 0;
	return EKV_OK;
}

int ekv_segment_is_sha_shaped(const char *s, size_t n)
{
	if (n < 34) return 0;
	for (int i = 0; i < 32; i++)
		if (!is_hex((uint8_t)s[i])) return 0;
	return s[32] == '_' && s[33] == '_';
}

int ekv_segment_sha_fallback(struct ekv_buf *out, const void *raw, size_t n)
{
	uint8_t digest[EKV_SHA256_LEN];
	char hex[2 * EKV_SHA256_LEN + 1];
	ekv_sha256(raw, n, digest);
	ekv_hex_lower(hex, digest, EKV_SHA256_LEN);
	if (ekv_buf_append(out, hex, 32) || ekv_buf_append(out, "__", 2)) return EKV_ENOMEM;
	return ekv_percent_encode(out, raw, n < 64 ? n : 64);
}

int ekv_segment_encode(struct ekv_buf *out, const void *raw, size_t n, int *fallback)
{
	const uint8_t *s = raw;
	*fallback = 0;
	if (n > EKV_SEGMENT_MAX || percent_len(s, n, EKV_SEGMENT_MAX) > EKV_SEGMENT_MAX) {
		*fallback = 1;
		return ekv_segment_sha_fallback(out, raw, n);
	}
	size_t start = out->len;
	if (ekv_percent_encode(out, raw, n)) return EKV_ENOMEM;
	const char *enc = (const char *)out->data + start;
	size_t elen = out->len - start;
	if (ekv_segment_is_sha_shaped(enc, elen) || (elen >= 4 && memcmp(enc, "b64.", 4) == 0)) {
		ekv_buf_truncate(out, start);
		*fallback = 1;
		return ekv_segment_sha_fallback(out, raw, n);
	}
	return EKV_OK;
}

int ekv_segment_encode_binary(struct ekv_buf *out, const void *raw, size_t n, int *fallback)
{
	*fallback = 0;
	if (4 + ekv_b64url_encoded_len(n) > EKV_SEGMENT_MAX) {
		*fallback = 1;
		return ekv_segment_sha_fallback(out, raw, n);
	}
	if (ekv_buf_append(out, "b64.", 4)) return EKV_ENOMEM;
	return ekv_b64url_encode(out, raw, n);
}

int ekv_segment_decode(struct ekv_buf *out, const char *seg, size_t n)
{
	if (n > EKV_SEGMENT_MAX) return EKV_EDATA;
	if (ekv_segment_is_sha_shaped(seg, n)) return EKV_EKEYMAP;
	if (n >= 4 && memcmp(seg, "b64.", 4) == 0) {
		size_t start = out->len;
		int rc = ekv_b64url_decode(out, seg + 4, n - 4);
		if (rc) ekv_buf_truncate(out, start);
		return rc;
	}
	if (ekv_buf_reserve(out, n)) return EKV_ENOMEM;
	size_t start = out->len;
	for (size_t i = 0; i < n; i++) {
		uint8_t c = (uint8_t)seg[i];
		if (is_unreserved(c)) {
			out->data[out->len++] = c;
		} else if (c == '%' && i + 2 < n && is_hex((uint8_t)seg[i + 1]) &&
			   is_hex((uint8_t)seg[i + 2])) {
			out->data[out->len++] = (uint8_t)(hex_val((uint8_t)seg[i + 1]) << 4 |
							  hex_val((uint8_t)seg[i + 2]));
			i += 2;
		} else {
			ekv_buf_truncate(out, start);
			return EKV_EDATA;
		}
	}
	out->data[out->len] = 0;
	return EKV_OK;
}
