/* Filename-segment encoding (container.md §5.2) edge cases and round trips. */
#include "harness.h"
#include "lib/buf.h"
#include "lib/segment.h"

static const char *enc(const void *raw, size_t n, int *fb)
{
	static struct ekv_buf out;
	ekv_buf_release(&out);
	CHECK(ekv_segment_encode(&out, raw, n, fb) == 0);
	return (const char *)out.data;
}

EKV_TEST(spec_table)
{
	int fb;
	CHECK_STR(enc("", 0, &fb), "");
	CHECK_STR(enc(".", 1, &fb), ".");
	CHECK_STR(enc("..", 2, &fb), "..");
	CHECK_STR(enc("hello world", 11, &fb), "hello%20world");
	CHECK_STR(enc("session:abc/\xff", 13, &fb), "session%3Aabc%2F%FF");
	CHECK_STR(enc("\xab\xcd", 2, &fb), "%AB%CD");
	char a[251];
	memset(a, 'a', 250);
	CHECK_INT(strlen(enc(a, 200, &fb)), 200);
	CHECK(!fb);
	const char *s = enc(a, 250, &fb);
	CHECK(fb);
	CHECK(strncmp(s, "3f3e35e0a775d9b1d5ec2eccca06381c__", 34) == 0);
	CHECK_INT(strlen(s), 34 + 64);
	char ones[81];
	memset(ones, 1, 81);
	enc(ones, 81, &fb);
	CHECK(fb);
	CHECK_STR(enc("b64.foo", 7, &fb), "72ef1a090c013093607ce5a62f598cf4__b64.foo");
	enc("0123456789abcdef0123456789abcdef__suffix", 40, &fb);
	CHECK(fb);
	enc("0123456789abcdef0123456789abcde__x", 34, &fb);   /* 31 hex: not shaped */
	CHECK(!fb);
}

EKV_TEST(binary_form)
{
	struct ekv_buf out = EKV_BUF_INIT;
	int fb;
	CHECK(ekv_segment_encode_binary(&out, "\x00\x01\xfe\xff", 4, &fb) == 0);
	CHECK_STR((char *)out.data, "b64.AAH-_w");
	ekv_buf_reset(&out);
	CHECK(ekv_segment_encode_binary(&out, "", 0, &fb) == 0);
	CHECK_STR((char *)out.data, "b64.");
	uint8_t big[178] = { 0 };
	ekv_buf_reset(&out);
	ekv_segment_encode_binary(&out, big, 177, &fb);
	CHECK(!fb);
	ekv_buf_reset(&out);
	ekv_segment_encode_binary(&out, big, 178, &fb);
	CHECK(fb);
	ekv_buf_release(&out);
}

EKV_TEST(decode_rejects_malformed)
{
	const char *bad[] = { "%", "%1", "abc%", "abc%2", "%GG", "%1G", "%G1", "foo%XYbar", "a/b", "a:b",
			      "hello world", "b64.!!!", "b64.padding=" };
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		struct ekv_buf out = EKV_BUF_INIT;
		CHECK_INT(ekv_segment_decode(&out, bad[i], strlen(bad[i])), EKV_EDATA);
		ekv_buf_release(&out);
	}
	struct ekv_buf out = EKV_BUF_INIT;
	char long241[241];
	memset(long241, 'a', 241);
	CHECK_INT(ekv_segment_decode(&out, long241, 241), EKV_EDATA);
	CHECK_INT(ekv_segment_decode(&out, "3f3e35e0a775d9b1d5ec2eccca06381c__aa", 36), EKV_EKEYMAP);
	CHECK_INT(ekv_segment_decode(&out, "%41%2f", 6), EKV_OK);
	CHECK_STR((char *)out.data, "A/");
	ekv_buf_release(&out);
}

EKV_TEST(random_round_trip)
{
	uint64_t x = 88172645463325252ull;
	for (int iter = 0; iter < 3000; iter++) {
		uint8_t raw[300];
		x ^= x << 13; x ^= x >> 7; x ^= x << 17;
		size_t n = x % 300;
		for (size_t i = 0; i < n; i++) {
			x ^= x << 13; x ^= x >> 7; x ^= x << 17;
			raw[i] = iter & 1 ? (uint8_t)x : (uint8_t)"ab.-_%/\x00\xff"[x % 9];
		}
		struct ekv_buf e = EKV_BUF_INIT, d = EKV_BUF_INIT;
		int fb;
		CHECK(ekv_segment_encode(&e, raw, n, &fb) == 0);
		CHECK(e.len <= 240);
		if (!fb) {
			CHECK_INT(ekv_segment_decode(&d, (char *)e.data, e.len), EKV_OK);
			CHECK_MEM(d.data, d.len, raw, n);
		}
		ekv_buf_reset(&e);
		ekv_buf_reset(&d);
		CHECK(ekv_segment_encode_binary(&e, raw, n, &fb) == 0);
		if (!fb) {
			CHECK_INT(ekv_segment_decode(&d, (char *)e.data, e.len), EKV_OK);
			CHECK_MEM(d.data, d.len, raw, n);
		}
		ekv_buf_release(&e);
		ekv_buf_release(&d);
	}
}

EKV_TEST(huge_input_takes_fallback)
{
	size_t n = 1 << 20;
	uint8_t *p = calloc(1, n);
	struct ekv_buf e = EKV_BUF_INIT;
	int fb;
	CHECK(ekv_segment_encode(&e, p, n, &fb) == 0);
	CHECK(fb && e.len <= 240);
	ekv_buf_release(&e);
	free(p);
}
