/*
 * Raw JSON spans. Message attribute values are json.RawMessage upstream:
 * they leave the decoder as the live bytes with insignificant whitespace
 * removed and nothing re-escaped (sqs.md §4.3, P8), and the encoder
 * re-escapes < > & U+2028 U+2029 (§5.5). A parsed jansson tree loses the
 * original spelling, so these helpers walk the text itself. The text has
 * always been validated by jansson first; the walker still bounds every
 * index so malformed input only yields -1.
 */
#include <string.h>
#include "sqs_internal.h"

#define RJ_BAD ((size_t)-1)

static int rj_ws(char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

static size_t rj_skip_ws(const char *s, size_t n, size_t i)
{
	while (i < n && rj_ws(s[i])) i++;
	return i;
}

/* s[i] == '"': index just past the closing quote. */
static size_t rj_skip_string(const char *s, size_t n, size_t i)
{
	for (i++; i < n; i++) {
		if (s[i] == '\\') i++;
		else if (s[i] == '"') return i + 1;
	}
	return RJ_BAD;
}

static size_t rj_skip_value(const char *s, size_t n, size_t i, int depth);

/* s[i] is '{' or '[': index just past the matching close. */
static size_t rj_skip_container(const char *s, size_t n, size_t i, int depth)
{
	char close = s[i] == '{' ? '}' : ']';
	int is_obj = close == '}';
	i = rj_skip_ws(s, n, i + 1);
	if (i < n && s[i] == close) return i + 1;
	for (;;) {
		if (is_obj) {
			if (i >= n || s[i] != '"') return RJ_BAD;
			i = rj_skip_string(s, n, i);
			if (i == RJ_BAD) return RJ_BAD;
			i = rj_skip_ws(s, n, i);
			if (i >= n || s[i] != ':') return RJ_BAD;
			i = rj_skip_ws(s, n, i + 1);
		}
		i = rj_skip_value(s, n, i, depth + 1);
		if (i == RJ_BAD) return RJ_BAD;
		i = rj_skip_ws(s, n, i);
		if (i >= n) return RJ_BAD;
		if (s[i] == close) return i + 1;
		if (s[i] != ',') return RJ_BAD;
		i = rj_skip_ws(s, n, i + 1);
	}
}

static size_t rj_skip_value(const char *s, size_t n, size_t i, int depth)
{
	if (i >= n || depth > 512) return RJ_BAD;
	if (s[i] == '"') return rj_skip_string(s, n, i);
	if (s[i] == '{' || s[i] == '[') return rj_skip_container(s, n, i, depth);
	size_t start = i;
	while (i < n && !rj_ws(s[i]) && s[i] != ',' && s[i] != ']' && s[i] != '}' && s[i] != ':')
		i++;
	return i > start ? i : RJ_BAD;
}

int sqs_rj_next_member(const char *text, struct sqs_span obj, size_t *pos, struct sqs_span *key,
		       struct sqs_span *value)
{
	size_t n = obj.end;
	size_t i = *pos ? *pos : obj.beg + 1;
	i = rj_skip_ws(text, n, i);
	if (i >= n) return -1;
	if (text[i] == '}') return 0;
	if (*pos) {
		if (text[i] != ',') return -1;
		i = rj_skip_ws(text, n, i + 1);
	}
	if (i >= n || text[i] != '"') return -1;
	key->beg = i;
	key->end = rj_skip_string(text, n, i);
	if (key->end == RJ_BAD) return -1;
	i = rj_skip_ws(text, n, key->end);
	if (i >= n || text[i] != ':') return -1;
	i = rj_skip_ws(text, n, i + 1);
	value->beg = i;
	value->end = rj_skip_value(text, n, i, 0);
	if (value->end == RJ_BAD) return -1;
	*pos = value->end;
	return 1;
}

/* Compares a raw quoted key with name after unescaping (Go matches the
 * decoded member name). */
static int rj_key_is(const char *text, struct sqs_span key, const char *name)
{
	const char *inner = text + key.beg + 1;
	size_t len = key.end - key.beg - 2;
	if (!memchr(inner, '\\', len)) return sqs_str_eq(inner, len, name);
	json_error_t e;
	json_t *v = json_loadb(text + key.beg, key.end - key.beg, JSON_DECODE_ANY | JSON_ALLOW_NUL, &e);
	int same = v && json_is_string(v) &&
		   sqs_str_eq(json_string_value(v), json_string_length(v), name);
	json_decref(v);
	return same;
}

int sqs_rj_find_member(const char *text, size_t n, const char *name, struct sqs_span *value)
{
	size_t i = rj_skip_ws(text, n, 0);
	if (i >= n || text[i] != '{') return -1;
	struct sqs_span obj = { i, n }, key, val;
	size_t pos = 0;
	int r;
	while ((r = sqs_rj_next_member(text, obj, &pos, &key, &val)) == 1) {
		if (rj_key_is(text, key, name)) {
			*value = val;
			return 1;
		}
	}
	return r;
}

int sqs_rj_compact(struct ekv_buf *out, const char *text, struct sqs_span sp, int escape_html)
{
	int in_str = 0;
	for (size_t i = sp.beg; i < sp.end; i++) {
		unsigned char c = (unsigned char)text[i];
		int st = 0;
		if (!in_str && rj_ws((char)c)) continue;
		if (escape_html && (c == '<' || c == '>' || c == '&')) {
			st = ekv_buf_printf(out, "\\u00%02x", c);
		} else if (escape_html && c == 0xE2 && i + 2 < sp.end &&
			   (unsigned char)text[i + 1] == 0x80 &&
			   ((unsigned char)text[i + 2] & 0xFE) == 0xA8) {
			st = ekv_buf_printf(out, "\\u202%c", (unsigned char)text[i + 2] == 0xA8 ? '8' : '9');
			i += 2;
		} else if (in_str && c == '\\' && i + 1 < sp.end) {
			st = ekv_buf_append(out, text + i, 2);
			i++;
		} else {
			if (c == '"') in_str = !in_str;
			st = ekv_buf_append_byte(out, c);
		}
		if (st) return EKV_ENOMEM;
	}
	return EKV_OK;
}
