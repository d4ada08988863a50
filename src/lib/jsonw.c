/* JSON writer reproducing Go encoding/json output bytes (see jsonw.h). */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "jsonw.h"
#include "util.h"

void ekv_jw_init(struct ekv_jw *w, struct ekv_buf *out, unsigned flags)
{
	memset(w, 0, sizeof *w);
	w->out = out;
	w->flags = flags;
}

static void put(struct ekv_jw *w, const void *p, size_t n)
{
	if (!w->status && ekv_buf_append(w->out, p, n)) w->status = EKV_ENOMEM;
}

static void put_c(struct ekv_jw *w, char c)
{
	put(w, &c, 1);
}

static void newline_indent(struct ekv_jw *w, int depth)
{
	if (!(w->flags & EKV_JW_INDENT)) return;
	put_c(w, '\n');
	for (int i = 0; i < depth; i++) put(w, "  ", 2);
}

/* Separator and indentation before a value or a key at the current level. */
static void before_item(struct ekv_jw *w)
{
	if (w->depth == 0) return;
	if (w->count[w->depth]) put_c(w, ',');
	if (w->count[w->depth] < 255) w->count[w->depth]++;
	newline_indent(w, w->depth);
}

static void before_value(struct ekv_jw *w)
{
	if (w->after_key) {
		w->after_key = 0;
		return;
	}
	before_item(w);
}

int ekv_json_quote(struct ekv_buf *out, const void *p, size_t n, int escape_html)
{
	static const char hex[] = "0123456789abcdef";
	const uint8_t *s = p;
	if (ekv_buf_reserve(out, n + 2)) return EKV_ENOMEM;
	int rc = ekv_buf_append_byte(out, '"');
	size_t start = 0, i = 0;
	while (i < n && !rc) {
		uint8_t b = s[i];
		char esc[8];
		size_t elen = 0, adv = 1;
		if (b < 0x80) {
			int html = escape_html && (b == '<' || b == '>' || b == '&');
			if (b >= 0x20 && b != '"' && b != '\\' && !html) { i++; continue; }
			esc[0] = '\\';
			switch (b) {
			case '"': case '\\': esc[1] = (char)b; elen = 2; break;
			case '\b': esc[1] = 'b'; elen = 2; break;
			case '\f': esc[1] = 'f'; elen = 2; break;
			case '\n': esc[1] = 'n'; elen = 2; break;
			case '\r': esc[1] = 'r'; elen = 2; break;
			case '\t': esc[1] = 't'; elen = 2; break;
			default:
				memcpy(esc, "\\u00", 4);
				esc[4] = hex[b >> 4];
				esc[5] = hex[b & 15];
				elen = 6;
			}
		} else {
			size_t k = ekv_utf8_seq_len(s + i, n - i);
			if (k == 0) {
				memcpy(esc, "\\ufffd", 6);
				elen = 6;
			} else if (k == 3 && b == 0xE2 && s[i + 1] == 0x80 && (s[i + 2] & 0xFE) == 0xA8) {
				memcpy(esc, s[i + 2] == 0xA8 ? "\\u2028" : "\\u2029", 6);
				elen = 6;
				adv = 3;
			} else {
				i += k;
				continue;
			}
		}
		rc = ekv_buf_append(out, s + start, i - start);
		if (!rc) rc = ekv_buf_append(out, esc, elen);
		i += adv;
		start = i;
	}
	if (!rc) rc = ekv_buf_append(out, s + start, n - start);
	if (!rc) rc = ekv_buf_append_byte(out, '"');
	return rc;
}

static void put_quoted(struct ekv_jw *w, const void *s, size_t n)
{
	if (!w->status && ekv_json_quote(w->out, s, n, w->flags & EKV_JW_HTML)) w->status = EKV_ENOMEM;
}

void ekv_jw_obj_begin(struct ekv_jw *w)
{
	before_value(w);
	put_c(w, '{');
	if (w->depth + 1 >= EKV_JW_MAX_DEPTH) {
		w->status = EKV_ENOMEM;
		return;
	}
	w->count[++w->depth] = 0;
}

static void container_end(struct ekv_jw *w, char close)
{
	if (w->depth == 0) return;
	int had = w->count[w->depth] != 0;
	w->depth--;
	if (had) newline_indent(w, w->depth);
	put_c(w, close);
}

void ekv_jw_obj_end(struct ekv_jw *w)
{
	container_end(w, '}');
}

void ekv_jw_arr_begin(struct ekv_jw *w)
{
	before_value(w);
	put_c(w, '[');
	if (w->depth + 1 >= EKV_JW_MAX_DEPTH) {
		w->status = EKV_ENOMEM;
		return;
	}
	w->count[++w->depth] = 0;
}

void ekv_jw_arr_end(struct ekv_jw *w)
{
	container_end(w, ']');
}

void ekv_jw_key_bytes(struct ekv_jw *w, const void *key, size_t len)
{
	before_item(w);
	put_quoted(w, key, len);
	if (w->flags & EKV_JW_INDENT) put(w, ": ", 2);
	else put_c(w, ':');
	w->after_key = 1;
}

void ekv_jw_key(struct ekv_jw *w, const char *key)
{
	ekv_jw_key_bytes(w, key, strlen(key));
}

void ekv_jw_str(struct ekv_jw *w, const void *s, size_t len)
{
	before_value(w);
	put_quoted(w, s, len);
}

void ekv_jw_cstr(struct ekv_jw *w, const char *s)
{
	ekv_jw_str(w, s, strlen(s));
}

void ekv_jw_raw(struct ekv_jw *w, const char *text, size_t len)
{
	before_value(w);
	put(w, text, len);
}

void ekv_jw_u64(struct ekv_jw *w, uint64_t v)
{
	char t[24];
	int n = snprintf(t, sizeof t, "%llu", (unsigned long long)v);
	ekv_jw_raw(w, t, (size_t)n);
}

void ekv_jw_i64(struct ekv_jw *w, int64_t v)
{
	char t[24];
	int n = snprintf(t, sizeof t, "%lld", (long long)v);
	ekv_jw_raw(w, t, (size_t)n);
}

void ekv_jw_bool(struct ekv_jw *w, int v)
{
	ekv_jw_raw(w, v ? "true" : "false", v ? 4 : 5);
}

void ekv_jw_null(struct ekv_jw *w)
{
	ekv_jw_raw(w, "null", 4);
}

void ekv_jw_f64(struct ekv_jw *w, double v)
{
	char t[40];
	size_t n = ekv_format_go_float(v, t);
	ekv_jw_raw(w, t, n);
}

void ekv_jw_binary_safe(struct ekv_jw *w, const void *s, size_t len)
{
	if (ekv_utf8_valid(s, len)) {
		ekv_jw_str(w, s, len);
		return;
	}
	struct ekv_buf b64 = EKV_BUF_INIT;
	if (ekv_b64url_encode(&b64, s, len)) w->status = EKV_ENOMEM;
	ekv_jw_obj_begin(w);
	ekv_jw_key(w, "base64");
	ekv_jw_str(w, b64.data, b64.len);
	ekv_jw_obj_end(w);
	ekv_buf_release(&b64);
}

int ekv_jw_finish(struct ekv_jw *w)
{
	if (w->flags & EKV_JW_NEWLINE) put_c(w, '\n');
	return w->status;
}

int ekv_jw_status(const struct ekv_jw *w)
{
	return w->status;
}

/* Shortest round-trip digits of v: fills digits (no dot) and returns the
 * count; *exp10 is the decimal exponent of the first digit. */
static int shortest_digits(double v, char *digits, int *exp10)
{
	char tmp[40];
	int p;
	for (p = 1; p <= 17; p++) {
		snprintf(tmp, sizeof tmp, "%.*e", p - 1, v);
		if (strtod(tmp, NULL) == v) break;
	}
	if (p > 17) snprintf(tmp, sizeof tmp, "%.16e", v);
	const char *s = tmp;
	if (*s == '-') s++;
	int n = 0;
	for (; *s && *s != 'e'; s++)
		if (*s >= '0' && *s <= '9') digits[n++] = *s;
	*exp10 = *s == 'e' ? atoi(s + 1) : 0;
	while (n > 1 && digits[n - 1] == '0') n--;
	digits[n] = 0;
	return n;
}

size_t ekv_format_go_float(double v, char *buf)
{
	char digits[24];
	int exp10;
	size_t o = 0;
	if (signbit(v)) buf[o++] = '-';
	double a = fabs(v);
	int nd = shortest_digits(a, digits, &exp10);
	if (a != 0 && (a < 1e-6 || a >= 1e21)) {
		buf[o++] = digits[0];
		if (nd > 1) {
			buf[o++] = '.';
			memcpy(buf + o, digits + 1, (size_t)nd - 1);
			o += (size_t)nd - 1;
		}
		/* strconv 'e' uses at least two exponent digits; encoding/json then
		 * trims "e-0X" to "e-X" (positive exponents stay as they are). */
		int e = exp10 < 0 ? -exp10 : exp10;
		if (exp10 < 0 && e < 10) o += (size_t)sprintf(buf + o, "e-%d", e);
		else o += (size_t)sprintf(buf + o, "e%c%02d", exp10 < 0 ? '-' : '+', e);
	} else if (a == 0) {
		buf[o++] = '0';
	} else if (exp10 < 0) {
		buf[o++] = '0';
		buf[o++] = '.';
		for (int i = 0; i < -exp10 - 1; i++) buf[o++] = '0';
		memcpy(buf + o, digits, (size_t)nd);
		o += (size_t)nd;
	} else if (nd <= exp10 + 1) {
		memcpy(buf + o, digits, (size_t)nd);
		o += (size_t)nd;
		for (int i = 0; i < exp10 + 1 - nd; i++) buf[o++] = '0';
	} else {
		memcpy(buf + o, digits, (size_t)exp10 + 1);
		o += (size_t)exp10 + 1;
		buf[o++] = '.';
		memcpy(buf + o, digits + exp10 + 1, (size_t)(nd - exp10 - 1));
		o += (size_t)(nd - exp10 - 1);
	}
	buf[o] = 0;
	return o;
}
