/*
 * DynamoDB N values (dynamodb.md §2.4, §4.4, decision D17).
 *
 * ddb_numkey: the live adapter's order-preserving key bytes, quirks
 * included (negative digit-prefix mis-order, int64 exponent wrap): the
 * encoder must reproduce them or restored items become unreachable.
 *
 * ddb_canon_number: the file-name form, Go big.Rat's RatString of the
 * decimal grammar. D17: Go's other big.Rat forms (0x/0b/0o prefixes,
 * a/b fractions, p exponents, '_' separators), which only old-format
 * tables can hold, are returned as their trimmed text.
 */
#include <stdlib.h>
#include <string.h>
#include "ddb_internal.h"

/* ---- Go strings.TrimSpace over UTF-8 ---- */

/* Unicode White_Space as UTF-8 byte sequences (what unicode.IsSpace accepts). */
static size_t space_prefix(const uint8_t *p, size_t n)
{
	if (n == 0) return 0;
	if ((p[0] >= 0x09 && p[0] <= 0x0d) || p[0] == 0x20) return 1;
	if (n >= 2 && p[0] == 0xc2 && (p[1] == 0x85 || p[1] == 0xa0)) return 2;
	if (n < 3) return 0;
	if (p[0] == 0xe1 && p[1] == 0x9a && p[2] == 0x80) return 3;                 /* U+1680 */
	if (p[0] == 0xe2 && p[1] == 0x80 &&
	    (p[2] <= 0x8a || p[2] == 0xa8 || p[2] == 0xa9 || p[2] == 0xaf) && p[2] >= 0x80)
		return 3;                                                            /* U+2000.. */
	if (p[0] == 0xe2 && p[1] == 0x81 && p[2] == 0x9f) return 3;                 /* U+205F */
	if (p[0] == 0xe3 && p[1] == 0x80 && p[2] == 0x80) return 3;                 /* U+3000 */
	return 0;
}

static size_t space_suffix(const uint8_t *p, size_t n)
{
	for (size_t len = 1; len <= 3 && len <= n; len++) {
		const uint8_t *s = p + n - len;
		/* the rune must start exactly here (a lead or ASCII byte) */
		if (len > 1 && (s[0] & 0xc0) == 0x80) continue;
		if (space_prefix(s, len) == len) return len;
		if ((s[0] & 0xc0) != 0x80) return 0;
	}
	return 0;
}

void ddb_trim_space(const uint8_t **p, size_t *n)
{
	size_t k;
	while ((k = space_prefix(*p, *n)) != 0) {
		*p += k;
		*n -= k;
	}
	while ((k = space_suffix(*p, *n)) != 0) *n -= k;
}

/* ---- ordered key bytes (§2.4) ---- */

static int is_digit(uint8_t c)
{
	return c >= '0' && c <= '9';
}

/* strconv.ParseInt(s, 10, 64). */
static int parse_int64(const uint8_t *s, size_t n, int64_t *out)
{
	int neg = 0;
	if (n && (s[0] == '+' || s[0] == '-')) {
		neg = s[0] == '-';
		s++;
		n--;
	}
	if (n == 0) return -1;
	uint64_t v = 0, limit = neg ? (1ull << 63) : (1ull << 63) - 1;
	for (size_t i = 0; i < n; i++) {
		if (!is_digit(s[i])) return -1;
		if (v > (limit - (uint64_t)(s[i] - '0')) / 10) return -1;
		v = v * 10 + (uint64_t)(s[i] - '0');
	}
	*out = neg ? (int64_t)(0 - v) : (int64_t)v;
	return 0;
}

struct ddb_num {
	int negative, zero;
	const uint8_t *int_part, *frac_part;
	size_t int_len, frac_len;
	int64_t exp10;
};

static int parse_numeric_literal(const uint8_t *p, size_t n, struct ddb_num *num, const char **reason)
{
	memset(num, 0, sizeof *num);
	ddb_trim_space(&p, &n);
	if (n == 0) return *reason = "empty number literal", -1;
	if (p[0] == '+' || p[0] == '-') {
		num->negative = p[0] == '-';
		p++;
		n--;
	}
	if (n == 0) return *reason = "number literal is sign only", -1;
	for (size_t i = 0; i < n; i++) {
		if (p[i] != 'e' && p[i] != 'E') continue;
		const uint8_t *e = p + i + 1;
		size_t en = n - i - 1;
		ddb_trim_space(&e, &en);
		if (en == 0) return *reason = "empty exponent", -1;
		if (parse_int64(e, en, &num->exp10)) return *reason = "bad exponent", -1;
		n = i;
		break;
	}
	const uint8_t *dot = memchr(p, '.', n);
	if (dot && memchr(dot + 1, '.', n - (size_t)(dot - p) - 1))
		return *reason = "number has more than one decimal point", -1;
	num->int_part = p;
	num->int_len = dot ? (size_t)(dot - p) : n;
	num->frac_part = dot ? dot + 1 : p + n;
	num->frac_len = dot ? n - num->int_len - 1 : 0;
	if (num->int_len + num->frac_len == 0) return *reason = "number has no digits", -1;
	for (size_t i = 0; i < num->int_len; i++)
		if (!is_digit(num->int_part[i])) return *reason = "number has non-decimal characters", -1;
	for (size_t i = 0; i < num->frac_len; i++)
		if (!is_digit(num->frac_part[i])) return *reason = "number has non-decimal characters", -1;
	return 0;
}

static uint8_t digit_at(const struct ddb_num *num, size_t i)
{
	return i < num->int_len ? num->int_part[i] : num->frac_part[i - num->int_len];
}

static int put_ord_uint(struct ekv_buf *b, uint64_t u)
{
	uint8_t be[8];
	ekv_put_be64(be, u);
	int lead = 0;
	while (lead < 7 && be[lead] == 0) lead++;
	uint8_t w = (uint8_t)(8 - lead);
	if (ekv_buf_append_byte(b, w)) return EKV_ENOMEM;
	return ekv_buf_append(b, be + lead, w);
}

static int put_ord_int(struct ekv_buf *b, int64_t e)
{
	if (e == 0) return ekv_buf_append_byte(b, 0x01);
	if (e > 0) return ekv_buf_append_byte(b, 0x02) || put_ord_uint(b, (uint64_t)e) ? EKV_ENOMEM : 0;
	size_t start = b->len;
	uint64_t mag = 0 - (uint64_t)e;        /* |MinInt64| = 2^63 */
	if (ekv_buf_append_byte(b, 0x00) || put_ord_uint(b, mag)) return EKV_ENOMEM;
	for (size_t i = start + 1; i < b->len; i++) b->data[i] = (uint8_t)~b->data[i];
	return 0;
}

int ddb_numkey(struct ekv_buf *out, const uint8_t *text, size_t n, const char **reason)
{
	struct ddb_num num;
	if (parse_numeric_literal(text, n, &num, reason)) return -1;
	size_t total = num.int_len + num.frac_len, lz = 0;
	while (lz < total && digit_at(&num, lz) == '0') lz++;
	if (lz == total) return ekv_buf_append_byte(out, 0x01) ? (*reason = "out of memory", -1) : 0;
	size_t end = total;
	while (end > lz && digit_at(&num, end - 1) == '0') end--;
	/* int64 two's-complement arithmetic, wrapping like Go */
	uint64_t exponent = (uint64_t)num.int_len + (uint64_t)num.exp10 - (uint64_t)lz;
	size_t start = out->len;
	int rc = ekv_buf_append_byte(out, num.negative ? 0x00 : 0x02);
	size_t body = out->len;
	if (!rc) rc = put_ord_int(out, (int64_t)exponent);
	if (!rc) rc = ekv_buf_append_byte(out, 0x00);
	for (size_t i = lz; i < end && !rc; i++) rc = ekv_buf_append_byte(out, digit_at(&num, i));
	if (rc) {
		ekv_buf_truncate(out, start);
		*reason = "out of memory";
		return -1;
	}
	if (num.negative)
		for (size_t i = body; i < out->len; i++) out->data[i] = (uint8_t)~out->data[i];
	return 0;
}

/* ---- canonical big.Rat form (§4.4) ---- */

/* Little-endian base-1e9 natural number. */
struct nat {
	uint32_t *d;
	size_t n;
};
#define NAT_BASE 1000000000u
/* D17/ELIMIT: mantissas longer than this are not reduced (quadratic work). */
#define CANON_MAX_DIGITS 20000

static int nat_from_digits(struct nat *x, const char *s, size_t n)
{
	x->n = (n + 8) / 9;
	x->d = calloc(x->n ? x->n : 1, sizeof *x->d);
	if (!x->d) return -1;
	for (size_t i = 0; i < x->n; i++) {
		size_t hi = n - 9 * i, lo = hi >= 9 ? hi - 9 : 0;
		uint32_t v = 0;
		for (size_t j = lo; j < hi; j++) v = v * 10 + (uint32_t)(s[j] - '0');
		x->d[i] = v;
	}
	return 0;
}

static void nat_trim(struct nat *x)
{
	while (x->n > 1 && x->d[x->n - 1] == 0) x->n--;
}

static uint32_t nat_mod(const struct nat *x, uint32_t m)
{
	uint64_t r = 0;
	for (size_t i = x->n; i-- > 0;) r = (r * NAT_BASE + x->d[i]) % m;
	return (uint32_t)r;
}

static void nat_div(struct nat *x, uint32_t m)
{
	uint64_t r = 0;
	for (size_t i = x->n; i-- > 0;) {
		uint64_t cur = r * NAT_BASE + x->d[i];
		x->d[i] = (uint32_t)(cur / m);
		r = cur % m;
	}
	nat_trim(x);
}

static int nat_mul(struct nat *x, uint32_t m)
{
	uint64_t carry = 0;
	for (size_t i = 0; i < x->n; i++) {
		uint64_t cur = (uint64_t)x->d[i] * m + carry;
		x->d[i] = (uint32_t)(cur % NAT_BASE);
		carry = cur / NAT_BASE;
	}
	while (carry) {                        /* m may exceed the base: carry can too */
		uint32_t *nd = realloc(x->d, (x->n + 1) * sizeof *nd);
		if (!nd) return -1;
		x->d = nd;
		x->d[x->n++] = (uint32_t)(carry % NAT_BASE);
		carry /= NAT_BASE;
	}
	return 0;
}

static uint32_t ipow(uint32_t p, unsigned e)
{
	uint32_t v = 1;
	while (e--) v *= p;
	return v;
}

/* Divides x by p (2 or 5) as often as it divides, at most max times. */
static uint64_t nat_remove_factor(struct nat *x, uint32_t p, uint64_t max)
{
	const unsigned chunk = p == 2 ? 29 : 13;
	uint64_t count = 0;
	while (count < max) {
		unsigned c = max - count < chunk ? (unsigned)(max - count) : chunk;
		uint32_t pc = ipow(p, c), r = nat_mod(x, pc);
		unsigned t = 0;
		while (t < c && r % p == 0) {
			r /= p;
			t++;
		}
		if (r != 0 || t < c) {
			/* v_p(x) mod pc is exactly t here */
			if (t) nat_div(x, ipow(p, t));
			return count + t;
		}
		nat_div(x, pc);
		count += c;
	}
	return count;
}

static int nat_append_decimal(struct ekv_buf *out, const struct nat *x)
{
	if (ekv_buf_printf(out, "%u", x->d[x->n - 1])) return EKV_ENOMEM;
	for (size_t i = x->n - 1; i-- > 0;)
		if (ekv_buf_printf(out, "%09u", x->d[i])) return EKV_ENOMEM;
	return 0;
}

static int nat_pow(struct nat *x, uint32_t p, uint64_t e)
{
	x->n = 1;
	x->d = calloc(1, sizeof *x->d);
	if (!x->d) return -1;
	x->d[0] = 1;
	const unsigned chunk = p == 2 ? 29 : 13;
	while (e) {
		unsigned c = e < chunk ? (unsigned)e : chunk;
		if (nat_mul(x, ipow(p, c))) return -1;
		e -= c;
	}
	return 0;
}

/* Decimal grammar of §4.4; 0 = parsed, -1 = not this grammar. */
static int canon_parse(const uint8_t *t, size_t n, struct ddb_num *num)
{
	memset(num, 0, sizeof *num);
	size_t i = 0;
	if (i < n && (t[i] == '+' || t[i] == '-')) num->negative = t[i++] == '-';
	num->int_part = t + i;
	while (i < n && is_digit(t[i])) i++;
	num->int_len = (size_t)(t + i - num->int_part);
	num->frac_part = t + i;
	if (i < n && t[i] == '.') {
		num->frac_part = t + ++i;
		while (i < n && is_digit(t[i])) i++;
		num->frac_len = (size_t)(t + i - num->frac_part);
	}
	if (num->int_len + num->frac_len == 0) return -1;
	if (i < n && (t[i] == 'e' || t[i] == 'E')) {
		const uint8_t *e = t + ++i;
		if (i < n && (t[i] == '+' || t[i] == '-')) i++;
		size_t digits = 0;
		while (i < n && is_digit(t[i])) i++, digits++;
		if (!digits || parse_int64(e, (size_t)(t + i - e), &num->exp10)) return -1;
	}
	return i == n ? 0 : -1;
}

static int canon_fraction(struct ekv_buf *out, const char *m, size_t mlen, uint64_t k, int neg)
{
	struct nat num = { 0 }, den = { 0 };
	int rc = EKV_ENOMEM;
	if (nat_from_digits(&num, m, mlen)) goto done;
	/* m has no trailing zeros, so at most one of 2 and 5 divides it */
	uint64_t a = nat_remove_factor(&num, 2, k);
	uint64_t b = a ? 0 : nat_remove_factor(&num, 5, k);
	/* den = 2^(k-a) 5^(k-b) = (5^a or 2^b) followed by (k - a - b) zeros */
	if (nat_pow(&den, a ? 5 : 2, a ? a : b)) goto done;
	if ((neg && ekv_buf_append_byte(out, '-')) || nat_append_decimal(out, &num) ||
	    ekv_buf_append_byte(out, '/') || nat_append_decimal(out, &den))
		goto done;
	for (uint64_t z = 0; z < k - a - b; z++)
		if (ekv_buf_append_byte(out, '0')) goto done;
	rc = EKV_OK;
done:
	free(num.d);
	free(den.d);
	return rc;
}

int ddb_canon_number(struct ekv_buf *out, const uint8_t *text, size_t n)
{
	ddb_trim_space(&text, &n);
	struct ddb_num num;
	if (canon_parse(text, n, &num)) return ekv_buf_append(out, text, n);
	/* the mantissa digits without leading zeros */
	struct ekv_buf m = EKV_BUF_INIT;
	size_t total = num.int_len + num.frac_len;
	int rc = EKV_OK;
	for (size_t i = 0; i < total && !rc; i++) {
		uint8_t d = digit_at(&num, i);
		if (d != '0' || m.len) rc = ekv_buf_append_byte(&m, d);
	}
	if (rc) goto done;
	if (m.len == 0) {
		rc = ekv_buf_append_byte(out, '0');
		goto done;
	}
	/* E = X - F, refused by big.Rat beyond 1e6 in magnitude */
	__int128 e = (__int128)num.exp10 - (__int128)num.frac_len;
	if (e > 1000000 || e < -1000000) {
		rc = ekv_buf_append(out, text, n);
		goto done;
	}
	uint64_t k = e < 0 ? (uint64_t)(-e) : 0;
	while (k && m.data[m.len - 1] == '0') {       /* a factor 10 cancels */
		ekv_buf_truncate(&m, m.len - 1);
		k--;
	}
	if (e >= 0 || k == 0) {
		if (num.negative) rc = ekv_buf_append_byte(out, '-');
		if (!rc) rc = ekv_buf_append(out, m.data, m.len);
		for (__int128 z = 0; z < e && !rc; z++) rc = ekv_buf_append_byte(out, '0');
		goto done;
	}
	if (m.len > CANON_MAX_DIGITS) {
		rc = EKV_ELIMIT;
		goto done;
	}
	rc = canon_fraction(out, (const char *)m.data, m.len, k, num.negative);
done:
	ekv_buf_release(&m);
	return rc;
}
