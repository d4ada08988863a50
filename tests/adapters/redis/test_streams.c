/* Redis streams (redis.md §3.6, §3.9, §4.11; D10, D11). */
#include "redis_fixture.h"

#define DB "out/redis/db_0/"

/* RXE magic + RedisStreamEntry{id, fields...} */
static void entry(struct fx *f, const char *uk, uint64_t ms, uint64_t seq, const char *const *fields,
		  size_t n)
{
	struct ekv_buf b = EKV_BUF_INIT;
	ekv_buf_append(&b, "\x00RXE\x01", 5);
	char id[48];
	int idn = snprintf(id, sizeof id, "%llu-%llu", (unsigned long long)ms, (unsigned long long)seq);
	ekv_buf_append_byte(&b, 0x0A);
	ekv_buf_append_byte(&b, (uint8_t)idn);
	ekv_buf_append(&b, id, (size_t)idn);
	for (size_t i = 0; i < n; i++) {
		ekv_buf_append_byte(&b, 0x12);
		ekv_buf_append_byte(&b, (uint8_t)strlen(fields[i]));
		ekv_buf_append_str(&b, fields[i]);
	}
	fx_k64(fx_k64(fx_klen(fx_k(f, "!stream|entry|"), uk, strlen(uk)), ms), seq);
	fx_put(f, b.data, b.len);
	ekv_buf_release(&b);
}

static void smeta(struct fx *f, const char *uk, uint64_t len, uint64_t ms, uint64_t seq, size_t size,
		  uint64_t ttl)
{
	uint8_t v[48] = { 0 };
	ekv_put_be64(v, len);
	ekv_put_be64(v + 8, ms);
	ekv_put_be64(v + 16, seq);
	ekv_put_be64(v + 24, ttl);
	fx_klen(fx_k(f, "!stream|meta|"), uk, strlen(uk));
	fx_put(f, v, size);
}

EKV_TEST(redis_stream_order_duplicates_and_ttl_before_rows)
{
	struct fx f;
	fx_init(&f);
	const char *a[] = { "event", "login", "user", "alice" };
	const char *b[] = { "f", "v1", "f", "v2" };   /* duplicate names kept */
	const char *c[] = { "x", "<&>" };
	fx_ks(fx_k(&f, "!redis|ttl|"), "s");          /* before every !stream| row */
	fx_put64(&f, 1700000000321ull);
	entry(&f, "s", 10, 0, c, 2);                   /* 10-0 sorts after 2-0 */
	entry(&f, "s", 2, 0, a, 4);
	entry(&f, "s", 2, 5, b, 4);
	entry(&f, "s", 2, 1, NULL, 0);
	smeta(&f, "s", 4, 10, 0, 24, 0);
	fx_write(&f, "in.fsm");
	fx_decode("in.fsm", "out");
	CHECK_FILE(DB "streams/s.jsonl",
		   "{\"id\":\"2-0\",\"fields\":[{\"name\":\"event\",\"value\":\"login\"},{\"name\":\"user\",\"value\":\"alice\"}]}\n"
		   "{\"id\":\"2-1\",\"fields\":[]}\n"
		   "{\"id\":\"2-5\",\"fields\":[{\"name\":\"f\",\"value\":\"v1\"},{\"name\":\"f\",\"value\":\"v2\"}]}\n"
		   "{\"id\":\"10-0\",\"fields\":[{\"name\":\"x\",\"value\":\"\\u003c\\u0026\\u003e\"}]}\n"
		   "{\"_meta\":true,\"length\":4,\"last_ms\":10,\"last_seq\":0,\"expire_at_ms\":1700000000321}\n");
	CHECK(strlen(fx_warnings) == 0);
	fx_roundtrip("in.fsm");
}

EKV_TEST(redis_stream_inline_ttl_48_byte_meta_and_meta_only)
{
	struct fx f;
	fx_init(&f);
	const char *a[] = { "k", "v" };
	entry(&f, "live", 1714400000000ull, 7, a, 2);
	smeta(&f, "live", 1, 1714400000000ull, 7, 48, 999);
	smeta(&f, "empty", 0, 0, 0, 32, 0);
	fx_ks(fx_k(&f, "!redis|ttl|"), "live");
	fx_put64(&f, 5);   /* ignored: the inline meta TTL owns the key */
	fx_write(&f, "in.fsm");
	fx_decode("in.fsm", "out");
	CHECK_FILE(DB "streams/live.jsonl",
		   "{\"id\":\"1714400000000-7\",\"fields\":[{\"name\":\"k\",\"value\":\"v\"}]}\n"
		   "{\"_meta\":true,\"length\":1,\"last_ms\":1714400000000,\"last_seq\":7,\"expire_at_ms\":999}\n");
	CHECK_FILE(DB "streams/empty.jsonl",
		   "{\"_meta\":true,\"length\":0,\"last_ms\":0,\"last_seq\":0,\"expire_at_ms\":null}\n");
	fx_roundtrip("in.fsm");
}

EKV_TEST(redis_stream_without_meta_is_skipped_with_warning)
{
	/* D10 */
	struct fx f;
	fx_init(&f);
	const char *a[] = { "k", "v" };
	entry(&f, "orphan", 1, 0, a, 2);
	fx_write(&f, "in.fsm");
	struct ekv_decode_result r = fx_decode("in.fsm", "out");
	CHECK_NOFILE(DB "streams/orphan.jsonl");
	CHECK(ekv_test_file_exists(DB "streams"));   /* empty, as upstream (§4.1) */
	CHECK(strstr(fx_warnings, "redis_stream_orphan_entries_without_meta") != NULL);
	CHECK_U64(r.counters.warnings, 1);
}

EKV_TEST(redis_stream_meta_mismatch_kept_and_reencoded)
{
	/* D11: a meta that disagrees with its entries is kept verbatim, warned
	 * about, and our encoder accepts it */
	struct fx f;
	fx_init(&f);
	const char *a[] = { "k", "v" };
	entry(&f, "m", 50, 0, a, 2);
	smeta(&f, "m", 3, 1, 0, 24, 0);   /* length 3 (1 entry), last ID behind 50-0 */
	fx_write(&f, "in.fsm");
	fx_decode("in.fsm", "out");
	CHECK(strstr(fx_warnings, "redis_stream_length_mismatch") != NULL);
	CHECK_INT(ekv_test_sh("tail -n1 out/redis/db_0/streams/m.jsonl | grep -qF '\"length\":3,\"last_ms\":1,\"last_seq\":0'"), 0);
	fx_roundtrip("in.fsm");
}

EKV_TEST(redis_stream_multiple_streams_one_file_each)
{
	struct fx f;
	fx_init(&f);
	const char *a[] = { "k", "v" };
	entry(&f, "a", 1, 0, a, 2);
	smeta(&f, "a", 1, 1, 0, 24, 0);
	entry(&f, "ab", 1, 0, a, 2);
	smeta(&f, "ab", 1, 1, 0, 24, 0);
	fx_write(&f, "in.fsm");
	fx_decode("in.fsm", "out");
	CHECK(ekv_test_file_exists(DB "streams/a.jsonl"));
	CHECK(ekv_test_file_exists(DB "streams/ab.jsonl"));
	fx_roundtrip("in.fsm");
}
