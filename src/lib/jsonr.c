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
 *
 * The same pass handles object keys holding \u0000, which jansson
 * refuses and Go writes: each is parsed on its own, replaced by a
 * placeholder key, and the walk rebuilds the object (member order kept,
 * duplicates refused) with the real key. Read such keys with
 * json_object_keylen_foreach / json_object_getn.
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

/* What the pre-pass rewrote, by ordinal among string tokens (keys
 * included), in increasing order. */
struct nulkey {
	size_t ord;
	json_t *key;       /* the decoded key, NULs and all */
};
struct rewrites {
	size_t *big;       /* integer tokens turned into strings */
	size_t nbig, capbig;
	struct nulkey *keys;   /* keys holding \u0000, renamed */
	size_t nkeys, capkeys;
};

/* Room for one more element of `size` bytes in p[0..n); returns the
 * (possibly moved) array, or NULL with p untouched. */
static void *grow(void *p, size_t *cap, size_t n, size_t size)
{
	if (n < *cap) return p;
	size_t c = *cap ? *cap * 2 : 8;
	void *q = realloc(p, c * size);
	if (q) *cap = c;
	return q;
}

static void rewrites_release(struct rewrites *r)
{
	for (size_t i = 0; i < r->nkeys; i++) json_decref(r->keys[i].key);
	free(r->keys);
	free(r->big);
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

/* True if the string token p[0..n) (quotes included) has an escape that
 * decodes to NUL. */
static int token_has_nul(const uint8_t *p, size_t n)
{
	for (size_t i = 1; i + 1 < n; i++) {
		if (p[i] != '\\') continue;
		if (p[i + 1] == 'u' && i + 5 < n && memcmp(p + i + 2, "0000", 4) == 0) return 1;
		i++;
	}
	return 0;
}

/* True if the token ending before p[i] is followed by ':' (an object key). */
static int followed_by_colon(const uint8_t *p, size_t n, size_t i)
{
	while (i < n && (p[i] == ' ' || p[i] == '\t' || p[i] == '\r' || p[i] == '\n')) i++;
	return i < n && p[i] == ':';
}

static int flush_to(struct ekv_buf *out, const uint8_t *p, size_t *copied, size_t upto)
{
	int st = ekv_buf_append(out, p + *copied, upto - *copied);
	*copied = upto;
	return st;
}

/* jansson refuses NUL in object keys, which Go writes as \u0000 (a
 * DynamoDB attribute name may hold one). Such a key is decoded here and
 * replaced by a placeholder unique to its ordinal; the walk restores it. */
static int rewrite_nul_key(const uint8_t *p, size_t start, size_t end, size_t ord,
			   struct ekv_buf *out, size_t *copied, struct rewrites *r)
{
	json_error_t jerr;
	json_t *key = json_loadb((const char *)p + start, end - start,
				 JSON_DECODE_ANY | JSON_ALLOW_NUL, &jerr);
	if (!key) return 0;   /* a bad key: jansson reports it in context */
	struct nulkey *keys = grow(r->keys, &r->capkeys, r->nkeys, sizeof *keys);
	if (!keys) {
		json_decref(key);
		return EKV_ENOMEM;
	}
	r->keys = keys;
	r->keys[r->nkeys].ord = ord;
	r->keys[r->nkeys].key = key;
	r->nkeys++;
	if (flush_to(out, p, copied, start) ||
	    ekv_buf_printf(out, "\"\\udbff\\udfffekv-nul-key-%zu\"", ord))
		return EKV_ENOMEM;
	*copied = end;
	return 0;
}

/* The pre-pass. On return out is empty if nothing had to be rewritten. */
static int prepass(const uint8_t *p, size_t n, struct ekv_buf *out, struct rewrites *r)
{
	size_t copied = 0, strings = 0, i = 0;
	while (i < n) {
		uint8_t c = p[i];
		if (c == '"') {
			size_t start = i;
			strings++;
			i = skip_string(p, n, i);
			if (token_has_nul(p + start, i - start) && followed_by_colon(p, n, i) &&
			    rewrite_nul_key(p, start, i, strings, out, &copied, r))
				return EKV_ENOMEM;
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
		size_t *big = grow(r->big, &r->capbig, r->nbig, sizeof *big);
		if (!big) return EKV_ENOMEM;
		r->big = big;
		r->big[r->nbig++] = strings;
		if (flush_to(out, p, &copied, start) || ekv_buf_append_byte(out, '"') ||
		    ekv_buf_append(out, p + start, i - start) || ekv_buf_append_byte(out, '"'))
			return EKV_ENOMEM;
		copied = i;
	}
	if ((r->nbig || r->nkeys) && flush_to(out, p, &copied, n)) return EKV_ENOMEM;
	return 0;
}

enum { WALK_NUMBER_KEY = -1, WALK_DUPLICATE_KEY = -2 };

struct walk {
	const struct rewrites *r;
	size_t next_big;   /* index into r->big of the next marker */
	size_t next_key;   /* index into r->keys of the next renamed key */
	size_t strings;    /* string tokens met so far */
	int status;        /* 0, EKV_ENOMEM or WALK_* */
};

/* Counts one string token; true if it is the next rewritten integer. */
static int walk_is_marker(struct walk *w)
{
	w->strings++;
	if (w->next_big < w->r->nbig && w->r->big[w->next_big] == w->strings) {
		w->next_big++;
		return 1;
	}
	return 0;
}

/* After walk_is_marker on a key: its real value if it was renamed. */
static json_t *walk_renamed_key(struct walk *w)
{
	if (w->next_key < w->r->nkeys && w->r->keys[w->next_key].ord == w->strings)
		return w->r->keys[w->next_key++].key;
	return NULL;
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

/* A copy of obj, in member order, with renamed keys restored. */
static json_t *restore_keys(struct walk *w, json_t *obj, json_t **real)
{
	json_t *copy = json_object();
	size_t pos = 0;
	if (!copy) goto nomem;
	for (void *it = json_object_iter(obj); it; it = json_object_iter_next(obj, it), pos++) {
		const char *k = real[pos] ? json_string_value(real[pos]) : json_object_iter_key(it);
		size_t kl = real[pos] ? json_string_length(real[pos]) : json_object_iter_key_len(it);
		if (json_object_getn(copy, k, kl)) {
			w->status = WALK_DUPLICATE_KEY;
			json_decref(copy);
			return NULL;
		}
		if (json_object_setn_nocheck(copy, k, kl, json_object_iter_value(it))) goto nomem;
	}
	return copy;
nomem:
	json_decref(copy);
	w->status = EKV_ENOMEM;
	return NULL;
}

static void walk_object(struct walk *w, json_t *obj, json_t **replace)
{
	json_t **real = NULL;   /* per member position, set for renamed keys */
	size_t pos = 0;
	for (void *it = json_object_iter(obj); it && !w->status;
	     it = json_object_iter_next(obj, it), pos++) {
		if (walk_is_marker(w)) {
			w->status = WALK_NUMBER_KEY;
			break;
		}
		json_t *key = walk_renamed_key(w);
		if (key && !real && !(real = calloc(json_object_size(obj), sizeof *real)))
			w->status = EKV_ENOMEM;
		if (key && real) real[pos] = key;
		json_t *rep = NULL;
		walk_value(w, json_object_iter_value(it), &rep);
		if (rep && json_object_iter_set_new(obj, it, rep)) w->status = EKV_ENOMEM;
	}
	if (real && !w->status) *replace = restore_keys(w, obj, real);
	free(real);
}

static void walk_value(struct walk *w, json_t *v, json_t **replace)
{
	if (json_is_object(v)) {
		walk_object(w, v, replace);
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
	struct rewrites rw = { 0 };
	json_error_t jerr;
	json_t *root = NULL;
	const char *what = display ? display : "JSON";

	if (prepass(text, n, &rewritten, &rw)) {
		ekv_fail(err, EKV_ENOMEM, "%s: out of memory reading JSON", what);
		goto out;
	}
	int changed = rw.nbig || rw.nkeys;
	const void *src = changed ? (const void *)rewritten.data : text;
	size_t len = changed ? rewritten.len : n;
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
	if (changed) {
		struct walk w = { &rw, 0, 0, 0, 0 };
		json_t *rep = NULL;
		walk_value(&w, root, &rep);
		if (rep) {
			/* The root itself was replaced (a big integer, or an
			 * object whose keys were restored). */
			json_decref(root);
			root = rep;
		}
		if (w.status) {
			json_decref(root);
			root = NULL;
			if (w.status == EKV_ENOMEM) {
				ekv_fail(err, EKV_ENOMEM, "%s: out of memory reading JSON", what);
			} else {
				ekv_fail(err, code, "invalid JSON: %s",
					 w.status == WALK_NUMBER_KEY ? "object key is a number"
								     : "duplicate object key");
				if (display) ekv_error_set_file(err, display, first_line);
			}
		}
	}
out:
	ekv_buf_release(&rewritten);
	rewrites_release(&rw);
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
