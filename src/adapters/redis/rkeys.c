/* Redis key helpers: length-prefixed user keys and sorter group keys
 * (redis.md §2.3). Protobuf values go through protobuf-c (redis_internal.proto). */
#include "redis_internal.h"

int redis_parse_lenkey(const uint8_t *p, size_t n, const uint8_t **uk, size_t *uklen,
		       const uint8_t **rest, size_t *restlen)
{
	if (n < 4) return -1;
	uint64_t len = ekv_be32(p);
	if ((uint64_t)n - 4 < len) return -1;
	*uk = p + 4;
	*uklen = (size_t)len;
	*rest = p + 4 + len;
	*restlen = n - 4 - (size_t)len;
	return 0;
}

int redis_group_append(struct ekv_buf *out, const void *uk, size_t n)
{
	const uint8_t *p = uk;
	int st = ekv_buf_reserve(out, n + 2);
	for (size_t i = 0; i < n && !st; i++) {
		st = ekv_buf_append_byte(out, p[i]);
		if (!st && p[i] == 0) st = ekv_buf_append_byte(out, 0xFF);
	}
	if (!st) st = ekv_buf_append_byte(out, 0);
	if (!st) st = ekv_buf_append_byte(out, 1);
	return st;
}

size_t redis_group_len(const uint8_t *k, size_t n)
{
	for (size_t i = 0; i + 1 < n; i++) {
		if (k[i] != 0) continue;
		if (k[i + 1] == 1) return i + 2;
		i++; /* escaped NUL (00 FF) */
	}
	return 0;
}

int redis_group_decode(struct ekv_buf *out, const uint8_t *k, size_t glen)
{
	ekv_buf_reset(out);
	if (glen < 2) return EKV_EDATA;
	for (size_t i = 0; i < glen - 2; i++) {
		if (ekv_buf_append_byte(out, k[i])) return EKV_ENOMEM;
		if (k[i] == 0) i++;
	}
	return 0;
}
