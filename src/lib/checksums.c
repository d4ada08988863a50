/* CHECKSUMS line formatting and strict parsing (see checksums.h). */
#include <string.h>
#include "checksums.h"
#include "util.h"

static int needs_escape(const uint8_t *p, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (p[i] == '\n' || p[i] == '\r' || p[i] == '\\') return 1;
	return 0;
}

int ekv_checksums_format_line(struct ekv_buf *out, const uint8_t digest[32], const void *path,
			      size_t path_len)
{
	const uint8_t *p = path;
	int esc = needs_escape(p, path_len);
	/* worst case: every byte escaped */
	if (ekv_buf_reserve(out, 1 + 64 + 2 + 2 * path_len + 1)) return EKV_ENOMEM;
	char *o = (char *)out->data + out->len;
	if (esc) *o++ = '\\';
	ekv_hex_lower(o, digest, 32);
	o += 64;
	*o++ = ' ';
	*o++ = ' ';
	if (!esc) {
		memcpy(o, p, path_len);
		o += path_len;
	} else {
		for (size_t i = 0; i < path_len; i++) {
			switch (p[i]) {
			case '\n': *o++ = '\\'; *o++ = 'n'; break;
			case '\r': *o++ = '\\'; *o++ = 'r'; break;
			case '\\': *o++ = '\\'; *o++ = '\\'; break;
			default: *o++ = (char)p[i]; break;
			}
		}
	}
	*o++ = '\n';
	out->len = (size_t)(o - (char *)out->data);
	out->data[out->len] = 0;
	return 0;
}

static int hexval(uint8_t c)
{
	if (c >= '0' && c <= '9') return c - '0';
	if (c >= 'a' && c <= 'f') return c - 'a' + 10;
	return -1;   /* upper case refused, as upstream (tools.md §10.1 #16) */
}

static int unescape(const uint8_t *p, size_t n, struct ekv_buf *path)
{
	for (size_t i = 0; i < n; i++) {
		uint8_t c = p[i];
		if (c == '\\') {
			if (++i >= n) return -1;          /* dangling backslash */
			switch (p[i]) {
			case 'n': c = '\n'; break;
			case 'r': c = '\r'; break;
			case '\\': c = '\\'; break;
			default: return -1;               /* unknown escape */
			}
		}
		if (ekv_buf_append_byte(path, c)) return -1;
	}
	return 0;
}

int ekv_checksums_parse_line(const void *line, size_t len, uint8_t digest[32],
			     struct ekv_buf *path)
{
	const uint8_t *p = line;
	ekv_buf_reset(path);
	if (len && p[len - 1] == '\r') len--;
	int esc = len && p[0] == '\\';
	if (esc) {
		p++;
		len--;
	}
	if (len < 64 + 3) return -1;
	for (size_t i = 0; i < 32; i++) {
		int hi = hexval(p[2 * i]), lo = hexval(p[2 * i + 1]);
		if (hi < 0 || lo < 0) return -1;
		digest[i] = (uint8_t)(hi << 4 | lo);
	}
	if (p[64] != ' ' || (p[65] != ' ' && p[65] != '*')) return -1;
	p += 66;
	len -= 66;
	if (!esc) return ekv_buf_append(path, p, len) ? -1 : 0;
	return unescape(p, len, path);
}

int ekv_checksums_check_path(const void *path, size_t len)
{
	const uint8_t *p = path;
	if (len == 0) return EKV_ECHECKSUM;
	if (p[0] == '/') return EKV_EUNSAFE;
	if (memchr(p, 0, len)) return EKV_ECHECKSUM;
	/* ".." anywhere is an escape attempt even where Clean would keep it
	 * inside; the other non-canonical shapes are merely malformed. */
	int bad = 0;
	size_t start = 0;
	for (size_t i = 0; i <= len; i++) {
		if (i < len && p[i] != '/') continue;
		size_t n = i - start;
		const uint8_t *c = p + start;
		if (n == 2 && c[0] == '.' && c[1] == '.') return EKV_EUNSAFE;
		if (n == 0 || (n == 1 && c[0] == '.')) bad = 1;
		start = i + 1;
	}
	return bad ? EKV_ECHECKSUM : 0;
}
