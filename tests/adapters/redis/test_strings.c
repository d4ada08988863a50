/* Redis strings and HLL: layouts, TTL sidecars, KEYMAP, binary keys
 * (redis.md §3.1-§3.3, §4.5, §4.6, §4.12, §7.1). */
#include "redis_fixture.h"

#define DB "out/redis/db_0/"

static const uint8_t STR_NEW[] = { 0xFF, 0x01, 0x00 };

static void put_str_inline(struct fx *f, const void *uk, size_t n, uint64_t ttl, const char *val)
{
	struct ekv_buf b = EKV_BUF_INIT;
	ekv_buf_append(&b, "\xFF\x01", 2);
	ekv_buf_append_byte(&b, ttl ? 1 : 0);
	if (ttl) ekv_buf_append_be64(&b, ttl);
	ekv_buf_append_str(&b, val);
	fx_kb(fx_k(f, "!redis|str|"), uk, n);
	fx_put(f, b.data, b.len);
	ekv_buf_release(&b);
}

EKV_TEST(redis_string_new_format_no_ttl)
{
	struct fx f;
	fx_init(&f);
	fx_ks(fx_k(&f, "!redis|str|"), "greeting");
	uint8_t v[] = { 0xFF, 0x01, 0x00, 'h', 'e', 'l', 'l', 'o' };
	fx_put(&f, v, sizeof v);
	fx_write(&f, "in.fsm");
	struct ekv_decode_result r = fx_decode("in.fsm", "out");
	CHECK_FILE(DB "strings/greeting.bin", "hello");
	CHECK_NOFILE(DB "strings_ttl.jsonl");
	CHECK_NOFILE(DB "KEYMAP.jsonl");
	CHECK_U64(r.counters.adapter[EKV_ADAPTER_REDIS], 1);
	(void)STR_NEW;
	fx_roundtrip("in.fsm");
}

EKV_TEST(redis_string_inline_ttl_and_encoded_key)
{
	struct fx f;
	fx_init(&f);
	put_str_inline(&f, "session:abc", 11, 1788998400000ull, "v");
	fx_ks(fx_k(&f, "!redis|ttl|"), "session:abc");
	fx_put64(&f, 5);   /* stale scan-index row: the inline TTL owns the key */
	fx_write(&f, "in.fsm");
	fx_decode("in.fsm", "out");
	CHECK_FILE(DB "strings/session%3Aabc.bin", "v");
	CHECK_FILE(DB "strings_ttl.jsonl", "{\"key\":\"session%3Aabc\",\"expire_at_ms\":1788998400000}\n");
	fx_roundtrip("in.fsm");
}

EKV_TEST(redis_string_legacy_value_and_ttl_row)
{
	struct fx f;
	fx_init(&f);
	fx_ks(fx_k(&f, "!redis|str|"), "a/b:c");
	fx_puts(&f, "raw legacy");
	fx_ks(fx_k(&f, "!redis|str|"), "zero");
	fx_puts(&f, "z");
	fx_ks(fx_k(&f, "!redis|ttl|"), "a/b:c");
	fx_put64(&f, 0xFFFFFFFFFFFFFFFFull);   /* clamped to MAXI64 */
	fx_ks(fx_k(&f, "!redis|ttl|"), "zero");
	fx_put64(&f, 0);                       /* a legacy row of 0 is a line */
	fx_write(&f, "in.fsm");
	fx_decode("in.fsm", "out");
	CHECK_FILE(DB "strings/a%2Fb%3Ac.bin", "raw legacy");
	CHECK_FILE(DB "strings_ttl.jsonl",
		   "{\"key\":\"a%2Fb%3Ac\",\"expire_at_ms\":9223372036854775807}\n"
		   "{\"key\":\"zero\",\"expire_at_ms\":0}\n");
	fx_roundtrip("in.fsm");
}

EKV_TEST(redis_hll_envelope_and_ttls)
{
	struct fx f;
	fx_init(&f);
	/* new format with TTL + a TTL row: exactly one sidecar line */
	fx_ks(fx_k(&f, "!redis|hll|"), "h1");
	uint8_t v1[] = { 0xFF, 0x02, 0x01, 0, 0, 0, 0, 0, 0, 0x03, 0xE8, 'S', 'K' };
	fx_put(&f, v1, sizeof v1);
	fx_ks(fx_k(&f, "!redis|ttl|"), "h1");
	fx_put64(&f, 1000);
	/* new format without TTL ignores the row */
	fx_ks(fx_k(&f, "!redis|hll|"), "h2");
	uint8_t v2[] = { 0xFF, 0x02, 0x00, 'X' };
	fx_put(&f, v2, sizeof v2);
	fx_ks(fx_k(&f, "!redis|ttl|"), "h2");
	fx_put64(&f, 7);
	/* legacy sketch written verbatim, TTL from the row */
	fx_ks(fx_k(&f, "!redis|hll|"), "h3");
	uint8_t v3[] = { 0x00, 'R', 'S', 0x01, 0xFF };
	fx_put(&f, v3, sizeof v3);
	fx_ks(fx_k(&f, "!redis|ttl|"), "h3");
	fx_put64(&f, 42);
	fx_write(&f, "in.fsm");
	fx_decode("in.fsm", "out");
	CHECK_FILE(DB "hll/h1.bin", "SK");
	CHECK_FILE(DB "hll/h2.bin", "X");
	size_t n;
	char *h3 = ekv_test_read_file(DB "hll/h3.bin", &n);
	CHECK_MEM(h3, n, v3, sizeof v3);
	free(h3);
	CHECK_FILE(DB "hll_ttl.jsonl", "{\"key\":\"h1\",\"expire_at_ms\":1000}\n{\"key\":\"h3\",\"expire_at_ms\":42}\n");
	CHECK_NOFILE(DB "strings_ttl.jsonl");
	fx_roundtrip("in.fsm");
}

EKV_TEST(redis_hll_payload_starting_with_magic_round_trips)
{
	/* redis.md §8.2 #9: a no-TTL payload beginning FF 02 must not be
	 * misparsed after a round trip */
	struct fx f;
	fx_init(&f);
	fx_ks(fx_k(&f, "!redis|hll|"), "m");
	uint8_t v[] = { 0xFF, 0x02, 0x00, 0xFF, 0x02, 0x01, 'q' };
	fx_put(&f, v, sizeof v);
	fx_write(&f, "in.fsm");
	fx_roundtrip("in.fsm");
	size_t n;
	char *got = ekv_test_read_file("rt_b/redis/db_0/hll/m.bin", &n);
	CHECK_MEM(got, n, v + 3, sizeof v - 3);
	free(got);
}

EKV_TEST(redis_binary_and_hostile_keys)
{
	struct fx f;
	fx_init(&f);
	const char *keys[] = { "", ".", "..", "../../etc/passwd", "b64.x" };
	for (size_t i = 0; i < 5; i++) put_str_inline(&f, keys[i], strlen(keys[i]), 0, "v");
	uint8_t bin[] = { 0x00, 0xFF, '/', 0x00 };
	put_str_inline(&f, bin, sizeof bin, 9, "bin");
	static uint8_t big[4096];
	memset(big, 'k', sizeof big);
	put_str_inline(&f, big, sizeof big, 0, "big");
	fx_write(&f, "in.fsm");
	fx_decode("in.fsm", "out");
	CHECK_FILE(DB "strings/.bin", "v");
	CHECK_FILE(DB "strings/..bin", "v");
	CHECK_FILE(DB "strings/...bin", "v");
	CHECK_FILE(DB "strings/..%2F..%2Fetc%2Fpasswd.bin", "v");
	CHECK_FILE(DB "strings/%00%FF%2F%00.bin", "bin");
	CHECK(ekv_test_file_exists(DB "KEYMAP.jsonl"));   /* b64.x and the 4 KiB key */
	CHECK_INT(ekv_test_sh("ls -A out/redis/db_0/strings | wc -l | grep -qx 7"), 0);
	CHECK_INT(ekv_test_sh("grep -c sha-fallback out/redis/db_0/KEYMAP.jsonl | grep -qx 2"), 0);
	fx_roundtrip("in.fsm");
}

EKV_TEST(redis_sha_fallback_with_ttl_gives_two_keymap_lines)
{
	/* §4.12: one record per use (blob, then TTL line) */
	struct fx f;
	fx_init(&f);
	static uint8_t big[300];
	memset(big, 'a', sizeof big);
	put_str_inline(&f, big, sizeof big, 77, "v");
	fx_write(&f, "in.fsm");
	fx_decode("in.fsm", "out");
	CHECK_INT(ekv_test_sh("wc -l < out/redis/db_0/KEYMAP.jsonl | grep -qx 2"), 0);
	fx_roundtrip("in.fsm");
}

EKV_TEST(redis_no_redis_records_no_directory)
{
	struct fx f;
	fx_init(&f);
	fx_ks(fx_k(&f, "!redis|stream|"), "old");   /* ignored, as live (D8) */
	fx_puts(&f, "x");
	fx_write(&f, "in.fsm");
	struct ekv_decode_result r = fx_decode("in.fsm", "out");
	CHECK_NOFILE("out/redis");
	CHECK_U64(r.counters.unknown, 1);
}

EKV_TEST(redis_fence_rows_are_internal)
{
	/* D8: !redis|txn-wide-*| fence rows are internal, not unknown */
	struct fx f;
	fx_init(&f);
	fx_ks(fx_k(&f, "!redis|txn-wide-hash|"), "k");
	fx_put(&f, "", 0);
	fx_ks(fx_k(&f, "!redis|txn-wide-set|"), "k");
	fx_put(&f, "", 0);
	fx_write(&f, "in.fsm");
	struct ekv_decode_result r = fx_decode("in.fsm", "out");
	CHECK_U64(r.counters.unknown, 0);
	CHECK_U64(r.counters.internal, 2);
}
