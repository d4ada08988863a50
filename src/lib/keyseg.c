/* Escaped key segments shared by the adapters' key layouts (keyseg.h). */
#include "keyseg.h"

int ekv_keyseg_append(struct ekv_buf *out, const void *raw, size_t n)
{
	const uint8_t *p = raw;
	if (ekv_buf_reserve(out, n + 2)) return EKV_ENOMEM;
	for (size_t i = 0; i < n; i++) {
		if (ekv_buf_append_byte(out, p[i])) return EKV_ENOMEM;
		if (p[i] == 0 && ekv_buf_append_byte(out, 0xFF)) return EKV_ENOMEM;
	}
	if (ekv_buf_append_byte(out, 0) || ekv_buf_append_byte(out, 1)) return EKV_ENOMEM;
	return EKV_OK;
}

size_t ekv_keyseg_span(const uint8_t *k, size_t n, size_t pos)
{
	for (size_t i = pos; i < n; i++) {
		if (k[i] != 0) continue;
		if (i + 1 >= n) return 0;
		if (k[i + 1] == 1) return i + 2 - pos;
		if (k[i + 1] != 0xFF) return 0;
		i++;
	}
	return 0;
}

int ekv_keyseg_read(const uint8_t *k, size_t n, size_t *pos, struct ekv_buf *out)
{
	size_t span = ekv_keyseg_span(k, n, *pos);
	if (!span) return -1;
	ekv_buf_reset(out);
	size_t end = *pos + span - 2;
	for (size_t i = *pos; i < end; i++) {
		if (ekv_buf_append_byte(out, k[i])) return -1;
		if (k[i] == 0) i++;   /* skip the FF of an escaped 00 */
	}
	*pos += span;
	return 0;
}
