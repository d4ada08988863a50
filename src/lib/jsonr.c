/*
 * Strict JSON reading on top of jansson (D18).
 *
 * jansson keeps integers as long long and refuses anything beyond, yet
 * uint64 fields (last_commit_ts, snapshot_index, ...) may exceed
 * INT64_MAX. Before parsing, a string-aware scan rewrites each such
 * integer token into a JSON string and remembers its ordinal among all
 * string tokens (keys included). jansson keeps object members in input
 * order and duplicates are refused, so a walk of the parsed tree meets
 * string tokens in the same order; the walk replaces each rewritten one
 * by a marker string that begins with the byte 0xFF. jansson only
 * produces valid UTF-8 from its input, so no parsed string can carry
 * that byte and the marker cannot be confused with user data.
 * "-0" is marked too: Go's unsigned decoding refuses it, the signed one
 * reads 0, while jansson would silently make it the integer 0.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "error.h"
#include "jsonr.h"
#include "util.h"

#define BIG_PREFIX "\xffu64:"
#define BIG_PREFIX_LEN 5

/* Ordinals (among string tokens) of integer tokens turned into strings. */
struct bigints {
	size_t *ord;
	size_t n, cap;
};

static int bigints_add(struct bigints *b, size_t ord)
{
	if (b->n == b->cap) {
		size_t cap = b->cap ? b->cap * 2 : 8;
		size_t *p = realloc(b->ord, cap * sizeof *p);
		if (!p) return EKV_ENOMEM;
		b->ord = p;
		b->cap = cap;
	}
	b->ord[b->n++] = ord;
	return 0;
}

static int is_digit(uint8_t c)
{
	return c >= '0' && c <= '9';
}

/* A number can only start after a structural character or whitespace;
 * anything else (letters, a closing quote) makes the text invalid JSON
 * whatever the digits are, so it is left for jansson to refuse. */
static int number_may_start(const uint8_t *p, size_t i)
{
	if (i == 0) return 1;
	switch (p[i - 1]) {
	case ' ': case '\t': case '\r': case '\n': case ',': case ':': case '[':
		return 1;
	default:
		return 0;
	}
}

/* True if the decimal magnitude digits[0..n) (no leading zero) is above
 * INT64_MAX, or above 2^63 when negative. */
static int beyond_int64(const uint8_t *digits, size_t n, int negative)
{
	static const char max_pos[] = "9223372036854775807";
	static const char max_neg[] = "9223372036854775808";
	const char *lim = negative ? max_neg : max_pos;
	if (n != 19) return n > 19;
	return memcmp(digits, lim, 19) > 0;
}

/* Scans one string token starting at the opening quote; returns the index
 * just past the closing quote, or n if unterminated. */
static size_t skip_string(const uint8_t *p, size_t n, size_t i)
{
	size_t from = i + 1;
	for (;;) {
		const uint8_t *q = from < n ? memchr(p + from, '"', n - from) : NULL;
		if (!q) return n;
		size_t at = (size_t)(q - p), bs = 0;
		/* Escaped iff an odd run of backslashes precedes it. */
		while (at - bs > i + 1 && p[at - bs - 1] == '\\') bs++;
		if (!(bs & 1)) return at + 1;
		from = at + 1;
	}
}

/* The pre-pass. On return *out is empty if nothing had to be rewritten. */
static int rewrite_bigints(const uint8_t *p, size_t n, struct ekv_buf *out, struct bigints *big)
{
	size_t copied = 0, strings = 0, i = 0;
	while (i < n) {
		uint8_t c = p[i];
		if (c == '"') {
			strings++;
			i = skip_string(p, n, i);
			continue;
		}
		if ((c != '-' && !is_digit(c)) || !number_may_start(p, i)) {
			i++;
			continue;
		}
		size_t start = i, d0;
		int negative = c == '-';
		if (negative) i++;
		d0 = i;
		while (i < n && is_digit(p[i])) i++;
		size_t nd = i - d0;
		if (nd == 0 || (i < n && (p[i] == '.' || p[i] == 'e' || p[i] == 'E')) ||
		    (nd > 1 && p[d0] == '0') ||
		    !(beyond_int64(p + d0, nd, negative) || (negative && p[d0] == '0'))) {
			/* Not an integer token jansson would reject for size: skip the
			 * whole run of number characters. */
			while (i < n && (is_digit(p[i]) || p[i] == '.' || p[i] == 'e' || p[i] == 'E' ||
					 p[i] == '+' || p[i] == '-'))
				i++;
			continue;
		}
		strings++;
		if (bigints_add(big, strings)) return EKV_ENOMEM;
		if (ekv_buf_append(out, p + copied, start - copied) ||
		    ekv_buf_append_byte(out, '"') || ekv_buf_append(out, p + start, i - start) ||
		    ekv_buf_append_byte(out, '"'))
			return EKV_ENOMEM;
		copied = i;
	}
	if (big->n && ekv_buf_append(out, p + copied, n - copied)) return EKV_ENOMEM;
	return 0;
}

struct walk {
	const struct bigints *big;
	size_t next;       /* index into big->ord of the next marker */
	size_t strings;    /* string tokens met so far */
	int status;        /* 0, EKV_ENOMEM, or -1 = a number stood as a key */
};

/* Counts one string token; true if it is the next rewritten integer. */
static int walk_is_marker(struct walk *w)
{
	w->strings++;
	if (w->next < w->big->n && w->big->ord[w->next] == w->strings) {
		w->next++;
		return 1;
	}
	return 0;
}

static json_t *make_marker(const json_t *s)
{
	struct ekv_buf b = EKV_BUF_INIT;
	json_t *m = NULL;
	if (!ekv_buf_append(&b, BIG_PREFIX, BIG_PREFIX_LEN) &&
	    !ekv_buf_append(&b, json_string_value(s), json_string_length(s)))
		m = json_stringn_nocheck((const char *)b.data, b.len);
	ekv_buf_release(&b);
	return m;
}

static void walk_value(struct walk *w, json_t *v, json_t **replace);

static void walk_object(struct walk *w, json_t *obj)
{
	for (void *it = json_object_iter(obj); it && !w->status;
	     it = json_object_iter_next(obj, it)) {
		if (walk_is_marker(w)) {
			w->status = -1;
			return;
		}
		json_t *rep = NULL;
		walk_value(w, json_object_iter_value(it), &rep);
		if (rep && json_object_iter_set_new(obj, it, rep)) w->status = EKV_ENOMEM;
	}
}

static void walk_value(struct walk *w, json_t *v, json_t **replace)
{
	if (json_is_object(v)) {
		walk_object(w, v);
	} else if (json_is_array(v)) {
		size_t n = json_array_size(v);
		for (size_t i = 0; i < n && !w->status; i++) {
			json_t *rep = NULL;
			walk_value(w, json_array_get(v, i), &rep);
			if (rep && json_array_set_new(v, i, rep)) w->status = EKV_ENOMEM;
		}
	} else if (json_is_string(v) && walk_is_marker(w)) {
		*replace = make_marker(v);
		if (!*replace) w->status = EKV_ENOMEM;
	}
}

json_t *ekv_json_parse_at(const void *text, size_t n, const char *display,
			  unsigned long first_line, enum ekv_status code, struct ekv_error *err)
{
	struct ekv_buf rewritten = EKV_BUF_INIT;
	struct bigints big = { 0 };
	json_error_t jerr;
	json_t *root = NULL;
	const char *what = display ? display : "JSON";

	if (rewrite_bigints(text, n, &rewritten, &big)) {
		ekv_fail(err, EKV_ENOMEM, "%s: out of memory reading JSON", what);
		goto out;
	}
	const void *src = big.n ? (const void *)rewritten.data : text;
	size_t len = big.n ? rewritten.len : n;
	root = json_loadb(src, len, JSON_DECODE_ANY | JSON_REJECT_DUPLICATES | JSON_ALLOW_NUL,
			  &jerr);
	if (!root) {
		unsigned long line = jerr.line > 0 ? (unsigned long)jerr.line : 1;
		line += first_line - 1;
		/* The file and line go to err->file/line, printed by
		 * ekv_error_format; without a display they go into the text. */
		if (display) {
			ekv_fail(err, code, "invalid JSON: %s (column %d)", jerr.text, jerr.column);
			ekv_error_set_file(err, display, line);
		} else {
			ekv_fail(err, code, "invalid JSON at line %lu: %s (column %d)", line, jerr.text,
				 jerr.column);
		}
		goto out;
	}
	if (big.n) {
		struct walk w = { &big, 0, 0, 0 };
		json_t *rep = NULL;
		walk_value(&w, root, &rep);
		if (rep) {
			/* The whole document was one big integer. */
			json_decref(root);
			root = rep;
		}
		if (w.status) {
			json_decref(root);
			root = NULL;
			if (w.status == EKV_ENOMEM) {
				ekv_fail(err, EKV_ENOMEM, "%s: out of memory reading JSON", what);
			} else {
				ekv_fail(err, code, "invalid JSON: object key is a number");
				if (display) ekv_error_set_file(err, display, first_line);
			}
		}
	}
out:
	ekv_buf_release(&rewritten);
	free(big.ord);
	return root;
}

json_t *ekv_json_parse(const void *text, size_t n, const char *display, enum ekv_status code,
		       struct ekv_error *err)
{
	return ekv_json_parse_at(text, n, display, 1, code, err);
}

static int is_big_marker(const json_t *v)
{
	return json_is_string(v) && json_string_length(v) > BIG_PREFIX_LEN &&
	       memcmp(json_string_value(v), BIG_PREFIX, BIG_PREFIX_LEN) == 0;
}

int ekv_json_u64(const json_t *v, uint64_t *out)
{
	if (json_is_integer(v)) {
		json_int_t i = json_integer_value(v);
		if (i < 0) return -1;
		*out = (uint64_t)i;
		return 0;
	}
	if (!is_big_marker(v)) return -1;
	const char *digits = json_string_value(v) + BIG_PREFIX_LEN;
	size_t nd = json_string_length(v) - BIG_PREFIX_LEN;
	if (digits[0] == '-') return -1;
	return ekv_parse_u64_dec(digits, nd, out);
}

int ekv_json_i64(const json_t *v, int64_t *out)
{
	if (json_is_integer(v)) {
		*out = (int64_t)json_integer_value(v);
		return 0;
	}
	/* The only marker inside the int64 range is "-0". */
	if (is_big_marker(v) && json_string_length(v) == BIG_PREFIX_LEN + 2 &&
	    memcmp(json_string_value(v) + BIG_PREFIX_LEN, "-0", 2) == 0) {
		*out = 0;
		return 0;
	}
	return -1;
}

int ekv_json_is_integer(const json_t *v)
{
	return json_is_integer(v) || is_big_marker(v);
}

int ekv_json_is_string(const json_t *v)
{
	return json_is_string(v) && !is_big_marker(v);
}
