/* N values: ordered key bytes (dynamodb.md §2.4) and canonical file-name
 * form (§4.4, D17), as byte-exact vectors. */
#include "ddb_test_util.h"

static void check_numkey(const char *text, const char *want, size_t wn)
{
	struct ekv_buf b = EKV_BUF_INIT;
	const char *reason = NULL;
	if (ddb_numkey(&b, (const uint8_t *)text, strlen(text), &reason))
		ekv_test_fail(__FILE__, __LINE__, "numkey(\"%s\") failed: %s", text, reason);
	if (b.len != wn || memcmp(b.data, want, wn) != 0) {
		char hex[256];
		ekv_hex_lower(hex, b.data, b.len < 100 ? b.len : 100);
		ekv_test_fail(__FILE__, __LINE__, "numkey(\"%s\") = %s", text, hex);
	}
	ekv_buf_release(&b);
}
#define NUMKEY(text, bytes) check_numkey(text, bytes, sizeof(bytes) - 1)

EKV_TEST(numkey_worked_values)
{
	/* the §2.4 table */
	NUMKEY("0", "\x01");
	NUMKEY("-0", "\x01");
	NUMKEY("0.0", "\x01");
	NUMKEY("000", "\x01");
	NUMKEY("0e5", "\x01");
	NUMKEY("42", "\x02\x02\x01\x02\x00\x34\x32");
	NUMKEY("100", "\x02\x02\x01\x03\x00\x31");
	NUMKEY("1e2", "\x02\x02\x01\x03\x00\x31");
	NUMKEY("+1e2", "\x02\x02\x01\x03\x00\x31");
	NUMKEY("1000", "\x02\x02\x01\x04\x00\x31");
	NUMKEY("1e3", "\x02\x02\x01\x04\x00\x31");
	NUMKEY("0.5", "\x02\x01\x00\x35");
	NUMKEY("5e-1", "\x02\x01\x00\x35");
	NUMKEY(".5", "\x02\x01\x00\x35");
	NUMKEY("0.05", "\x02\x00\xfe\xfe\x00\x35");
	NUMKEY("1.5", "\x02\x02\x01\x01\x00\x31\x35");
	NUMKEY("129.50", "\x02\x02\x01\x03\x00\x31\x32\x39\x35");
	NUMKEY("-1", "\x00\xfd\xfe\xfe\xff\xce");
	NUMKEY("-12.5", "\x00\xfd\xfe\xfd\xff\xce\xcd\xca");
	NUMKEY("-1000", "\x00\xfd\xfe\xfb\xff\xce");
	/* trimmed text, inner exponent spaces accepted */
	NUMKEY(" 7 ", "\x02\x02\x01\x01\x00\x37");
	NUMKEY("1e 5", "\x02\x02\x01\x06\x00\x31");
	NUMKEY("\xc2\xa0" "7\xe3\x80\x80", "\x02\x02\x01\x01\x00\x37");   /* NBSP, U+3000 */
	NUMKEY("5.", "\x02\x02\x01\x01\x00\x35");
}

EKV_TEST(numkey_edges_and_quirks)
{
	/* 38 digits, DynamoDB's magnitude edges */
	NUMKEY("12345678901234567890123456789012345678",
	       "\x02\x02\x01\x26\x00" "12345678901234567890123456789012345678");
	NUMKEY("1E+125", "\x02\x02\x01\x7e\x00\x31");
	/* -1E-130: exponent -129 -> 00 ~(01 81) = 00 fe 7e; negative inverts the body */
	NUMKEY("-1E-130", "\x00\xff\x01\x81\xff\xce");
	/* exponent overflow wraps like Go's int64 */
	NUMKEY("1e9223372036854775807", "\x02\x00\xf7\x7f\xff\xff\xff\xff\xff\xff\xff\x00\x31");
	/* negative digit-prefix quirk: -1 sorts before -1.5 */
	struct ekv_buf a = EKV_BUF_INIT, b = EKV_BUF_INIT;
	const char *reason;
	CHECK(ddb_numkey(&a, (const uint8_t *)"-1", 2, &reason) == 0);
	CHECK(ddb_numkey(&b, (const uint8_t *)"-1.5", 4, &reason) == 0);
	CHECK(ekv_bytes_cmp(a.data, a.len, b.data, b.len) < 0);
	ekv_buf_release(&a);
	ekv_buf_release(&b);
}

EKV_TEST(numkey_order_preserving)
{
	const char *v[] = { "-1000", "-12.5", "-1", "-0.5", "0", "0.5", "1", "12.5", "100", "1000", "12345" };
	struct ekv_buf prev = EKV_BUF_INIT, cur = EKV_BUF_INIT;
	const char *reason;
	for (size_t i = 0; i < sizeof v / sizeof v[0]; i++) {
		ekv_buf_reset(&cur);
		struct ekv_buf raw = EKV_BUF_INIT;
		CHECK(ddb_numkey(&raw, (const uint8_t *)v[i], strlen(v[i]), &reason) == 0);
		ekv_keyseg_append(&cur, raw.data, raw.len);
		ekv_buf_release(&raw);
		if (i) CHECK(ekv_bytes_cmp(prev.data, prev.len, cur.data, cur.len) < 0);
		ekv_buf_set(&prev, cur.data, cur.len);
	}
	ekv_buf_release(&prev);
	ekv_buf_release(&cur);
}

EKV_TEST(numkey_rejects_malformed)
{
	const char *bad[] = { "", "abc", "1.2.3", "+", "1e", "0x10", "e3", " ", "-", "1e+", "1e1.5",
			      "1_000", "1e99999999999999999999", "1 e5" };
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		struct ekv_buf b = EKV_BUF_INIT;
		const char *reason = NULL;
		if (ddb_numkey(&b, (const uint8_t *)bad[i], strlen(bad[i]), &reason) == 0)
			ekv_test_fail(__FILE__, __LINE__, "numkey(\"%s\") accepted", bad[i]);
		CHECK(reason != NULL);
		ekv_buf_release(&b);
	}
}

static void check_canon(const char *text, const char *want)
{
	struct ekv_buf b = EKV_BUF_INIT;
	CHECK_OK(ddb_canon_number(&b, (const uint8_t *)text, strlen(text)), NULL);
	if (strcmp((const char *)b.data, want) != 0)
		ekv_test_fail(__FILE__, __LINE__, "canon(\"%s\") = \"%s\", expected \"%s\"", text,
			      (const char *)b.data, want);
	ekv_buf_release(&b);
}

EKV_TEST(canonical_number_table)
{
	/* §4.4 */
	check_canon("42", "42");
	check_canon("042", "42");
	check_canon("+42", "42");
	check_canon(" 42 ", "42");
	check_canon("1", "1");
	check_canon("1.0", "1");
	check_canon("1e0", "1");
	check_canon("10e-1", "1");
	check_canon("100", "100");
	check_canon("1e2", "100");
	check_canon("0.5", "1/2");
	check_canon("5e-1", "1/2");
	check_canon(".5", "1/2");
	check_canon("129.50", "259/2");
	check_canon("-12.5", "-25/2");
	check_canon("0.05", "1/20");
	check_canon("-0", "0");
	check_canon("0.000", "0");
	check_canon("0e99999999999", "0");
	check_canon("1e 5", "1e 5");
	check_canon("abc", "abc");
	/* more reductions */
	check_canon("0.125", "1/8");
	check_canon("0.2", "1/5");
	check_canon("0.0016", "1/625");
	check_canon("3.14159", "314159/100000");
	check_canon("-2.50e1", "-25");
	check_canon("1E-3", "1/1000");
	check_canon("1e1000001", "1e1000001");          /* beyond big.Rat's exponent limit */
	/* powers of 5 above one limb in the denominator (carry regression) */
	check_canon("0.0000000000008192", "1/1220703125000");
	check_canon("1099511627776e-45", "1/909494701772928237915039062500000");
	/* D17: other big.Rat forms kept as trimmed text */
	check_canon("0x10", "0x10");
	check_canon("1/3", "1/3");
	check_canon("1_000", "1_000");
}

EKV_TEST(canonical_number_pairs_equal)
{
	/* TestDDB_CanonicalNumberKeySegment */
	const char *pairs[][2] = { { "1", "1.0" }, { "100", "1e2" }, { "-0", "0" }, { "0.5", "5e-1" } };
	for (size_t i = 0; i < 4; i++) {
		struct ekv_buf a = EKV_BUF_INIT, b = EKV_BUF_INIT;
		ddb_canon_number(&a, (const uint8_t *)pairs[i][0], strlen(pairs[i][0]));
		ddb_canon_number(&b, (const uint8_t *)pairs[i][1], strlen(pairs[i][1]));
		CHECK_STR((const char *)a.data, (const char *)b.data);
		ekv_buf_release(&a);
		ekv_buf_release(&b);
	}
}

EKV_TEST(canonical_number_huge_exponent_builds_exactly)
{
	struct ekv_buf b = EKV_BUF_INIT;
	CHECK_OK(ddb_canon_number(&b, (const uint8_t *)"1e999999", 8), NULL);
	CHECK_U64(b.len, 1000000);
	CHECK(b.data[0] == '1' && b.data[999999] == '0');
	ekv_buf_reset(&b);
	CHECK_OK(ddb_canon_number(&b, (const uint8_t *)"-3e-999999", 10), NULL);
	CHECK(memcmp(b.data, "-3/1000", 7) == 0);
	CHECK_U64(b.len, 4 + 999999);
	ekv_buf_release(&b);
}

EKV_TEST(oseg_layout)
{
	/* TestEncodeDDBOrderedKeySegment */
	struct ekv_buf b = EKV_BUF_INIT;
	ekv_keyseg_append(&b, (const uint8_t *)"a\x00" "b", 3);
	CHECK_MEM(b.data, b.len, "a\x00\xff" "b\x00\x01", 6);
	ekv_buf_reset(&b);
	ekv_keyseg_append(&b, (const uint8_t *)"", 0);
	CHECK_MEM(b.data, b.len, "\x00\x01", 2);
	ekv_buf_release(&b);
}

EKV_TEST(canonical_number_digit_limit)
{
	/* a fraction needing more than 20 000 mantissa digits is refused (ELIMIT),
	 * an integer of any length is built */
	size_t n = 20003;
	char *t = malloc(n + 1);
	t[0] = '.';
	memset(t + 1, '7', n - 1);
	t[n] = 0;
	struct ekv_buf b = EKV_BUF_INIT;
	CHECK_STATUS(ddb_canon_number(&b, (const uint8_t *)t, n), EKV_ELIMIT, NULL);
	ekv_buf_reset(&b);
	CHECK_OK(ddb_canon_number(&b, (const uint8_t *)t + 1, n - 1), NULL);       /* integer */
	CHECK_U64(b.len, n - 1);
	/* only a power of 2 or 5 remains in the denominator */
	ekv_buf_reset(&b);
	CHECK_OK(ddb_canon_number(&b, (const uint8_t *)"0.0625", 6), NULL);
	CHECK_STR((const char *)b.data, "1/16");
	free(t);
	ekv_buf_release(&b);
}
