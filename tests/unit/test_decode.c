/* Decode orchestration on hand-built snapshots: D1 (newest version wins,
 * tombstones hide older versions), D2 (operational keys), D4
 * (snapshot_index), counters, and fail-closed behaviour (no MANIFEST.json,
 * nothing left behind). */
#include <fcntl.h>
#include <unistd.h>
#include "harness.h"
#include "lib/buf.h"
#include "lib/container.h"
#include "lib/util.h"

static struct ekv_buf snap;

static void begin(uint64_t ts)
{
	ekv_buf_release(&snap);
	ekv_buf_append(&snap, "EKVPBBL1", 8);
	ekv_buf_append_le64(&snap, ts);
}

static void raw(const void *k, size_t kl, const void *v, size_t vl)
{
	ekv_buf_append_le64(&snap, kl);
	ekv_buf_append(&snap, k, kl);
	ekv_buf_append_le64(&snap, vl);
	ekv_buf_append(&snap, v, vl);
}

/* A Redis string record (new format, no TTL) or a tombstone. */
static void put_str(const char *key, uint64_t ts, int tomb, const char *value)
{
	struct ekv_buf k = EKV_BUF_INIT, v = EKV_BUF_INIT;
	ekv_buf_append_str(&k, "!redis|str|");
	ekv_buf_append_str(&k, key);
	ekv_buf_append_be64(&k, ~ts);
	ekv_buf_append_byte(&v, tomb ? 1 : 0);
	ekv_buf_append_le64(&v, 0);
	if (!tomb) {
		ekv_buf_append(&v, "\xff\x01\x00", 3);
		ekv_buf_append_str(&v, value);
	}
	raw(k.data, k.len, v.data, v.len);
	ekv_buf_release(&k);
	ekv_buf_release(&v);
}

static void put_other(const char *key, uint64_t ts)
{
	struct ekv_buf k = EKV_BUF_INIT;
	ekv_buf_append_str(&k, key);
	ekv_buf_append_be64(&k, ~ts);
	uint8_t v[9] = { 0 };
	raw(k.data, k.len, v, 9);
	ekv_buf_release(&k);
}

static int decode(const char *file, struct ekv_decode_result *res, struct ekv_error *err)
{
	ekv_test_write_file(file, snap.data, snap.len);
	struct ekv_decode_options o = { .input = file, .output = "out" };
	return ekv_decode(&o, res, err);
}

EKV_TEST(newest_version_and_tombstones_d1)
{
	begin(100);
	put_str("a", 100, 0, "new");
	put_str("a", 90, 0, "old");          /* superseded */
	put_str("b", 100, 1, "");            /* deleted ... */
	put_str("b", 80, 0, "resurrected?"); /* ... so this older version is hidden */
	put_str("c", 50, 0, "only");
	struct ekv_decode_result res;
	struct ekv_error err = { 0 };
	CHECK_OK(decode("snap.fsm", &res, &err), &err);
	CHECK_U64(res.counters.total, 5);
	CHECK_U64(res.counters.superseded, 2);
	CHECK_U64(res.counters.tombstone, 1);
	CHECK_U64(res.counters.adapter[EKV_ADAPTER_REDIS], 2);
	size_t n;
	char *a = ekv_test_read_file("out/redis/db_0/strings/a.bin", &n);
	CHECK(a && n == 3 && memcmp(a, "new", 3) == 0);
	free(a);
	CHECK(!ekv_test_file_exists("out/redis/db_0/strings/b.bin"));
	CHECK(ekv_test_file_exists("out/MANIFEST.json"));
	CHECK_INT(ekv_test_sh("cd out && sha256sum --quiet -c CHECKSUMS"), 0);
}

EKV_TEST(operational_internal_unknown_counted_d2)
{
	begin(7);
	uint8_t reg[27], regval[12] = { 1 };
	memcpy(reg, "!encryption|writers|", 20);
	memset(reg + 20, 0, 7);
	reg[24] = '|';
	raw(reg, 27, regval, 12);              /* D2: would fail upstream */
	put_other("!fs|ino|x", 7);             /* unknown */
	put_str("k", 7, 0, "v");
	put_other("!txn|lock|k", 7);           /* internal */
	uint8_t le[8] = { 7 };
	raw("_meta_applied_index", 19, le, 8); /* D2 */
	raw("_meta_last_commit_ts", 20, le, 8);
	struct ekv_decode_result res;
	struct ekv_error err = { 0 };
	CHECK_OK(decode("snap.fsm", &res, &err), &err);
	const struct ekv_counters *c = &res.counters;
	CHECK_U64(c->total, 6);
	CHECK_U64(c->operational, 3);
	CHECK_U64(c->unknown, 1);
	CHECK_U64(c->internal, 1);
	CHECK_U64(c->adapter[EKV_ADAPTER_REDIS], 1);
	CHECK_U64(c->total, c->tombstone + c->superseded + c->operational + c->internal + c->unknown +
				    c->adapter[0] + c->adapter[1] + c->adapter[2] + c->adapter[3]);
	CHECK(c->warnings >= 1);   /* the unknown record is reported */
	char *m = ekv_test_read_file("out/MANIFEST.json", NULL);
	CHECK(m && strstr(m, "\"operational\": 3") != NULL);
	free(m);
}

EKV_TEST(disabled_adapter_counts_internal)
{
	begin(7);
	put_str("k", 7, 0, "v");
	ekv_test_write_file("snap.fsm", snap.data, snap.len);
	struct ekv_decode_options o = { .input = "snap.fsm", .output = "out",
					.adapters = 1u << EKV_ADAPTER_SQS };
	struct ekv_decode_result res;
	struct ekv_error err = { 0 };
	CHECK_OK(ekv_decode(&o, &res, &err), &err);
	CHECK_U64(res.counters.internal, 1);
	CHECK(!ekv_test_file_exists("out/redis"));
	char *m = ekv_test_read_file("out/MANIFEST.json", NULL);
	CHECK(strstr(m, "\"sqs\": {}") && !strstr(m, "\"redis\": {}"));
	free(m);
}

EKV_TEST(snapshot_index_d4)
{
	uint64_t v;
	CHECK_INT(ekv_snapshot_index_from_path("/d/fsm-snap/0000000000000064.fsm", &v), 0);
	CHECK_U64(v, 100);                    /* D4: node names are hex */
	CHECK_INT(ekv_snapshot_index_from_path("00000000000000ff.fsm", &v), 0);
	CHECK_U64(v, 255);
	CHECK_INT(ekv_snapshot_index_from_path("64.fsm", &v), 0);
	CHECK_U64(v, 64);                     /* other digit stems: decimal */
	CHECK_INT(ekv_snapshot_index_from_path("18446744073709551615.fsm", &v), 0);
	CHECK_U64(v, 18446744073709551615ull);
	CHECK_INT(ekv_snapshot_index_from_path("18446744073709551616.fsm", &v), -1);
	CHECK_INT(ekv_snapshot_index_from_path("snap.fsm", &v), -1);
	CHECK_INT(ekv_snapshot_index_from_path(".fsm", &v), -1);
	CHECK_INT(ekv_snapshot_index_from_path("-1.fsm", &v), -1);
	CHECK_INT(ekv_snapshot_index_from_path("12", &v), -1);
	CHECK_INT(ekv_snapshot_index_from_path("00000000000000FF.fsm", &v), -1);
}

EKV_TEST(failure_leaves_no_manifest_and_no_files)
{
	begin(7);
	put_str("a", 7, 0, "v");
	put_str("b", 7, 0, "w");
	snap.len -= 2;                       /* truncate the last entry */
	struct ekv_decode_result res;
	struct ekv_error err = { 0 };
	CHECK_STATUS(decode("snap.fsm", &res, &err), EKV_ETRUNCATED, &err);
	CHECK(err.has_offset);
	CHECK(!ekv_test_file_exists("out/MANIFEST.json"));
	CHECK(!ekv_test_file_exists("out/redis"));
}

EKV_TEST(bad_magic_creates_no_output)
{
	ekv_buf_release(&snap);
	ekv_buf_append(&snap, "EKVSSTI1\0\0\0\0\0\0\0\0", 16);
	struct ekv_decode_result res;
	struct ekv_error err = { 0 };
	CHECK_STATUS(decode("snap.fsm", &res, &err), EKV_EUNSUPPORTED, &err);
	CHECK(!ekv_test_file_exists("out"));
}

EKV_TEST(node_wrapper_decodes_d3)
{
	begin(0x20000);
	put_str("k", 0x20000, 0, "v");
	struct ekv_buf w = EKV_BUF_INIT;
	ekv_buf_append(&w, "EKVTHLC1", 8);
	ekv_buf_append_be64(&w, 3);
	ekv_buf_append(&w, snap.data, snap.len);
	ekv_buf_append_be32(&w, ekv_crc32c(0, w.data, w.len));
	ekv_test_write_file("0000000000000010.fsm", w.data, w.len);
	struct ekv_decode_options o = { .input = "0000000000000010.fsm", .output = "out" };
	struct ekv_decode_result res;
	struct ekv_error err = { 0 };
	CHECK_OK(ekv_decode(&o, &res, &err), &err);
	CHECK_INT(res.node_wrapper, 1);
	CHECK_U64(res.snapshot_index, 16);
	CHECK(ekv_test_file_exists("out/redis/db_0/strings/k.bin"));
	w.data[w.len - 1] ^= 0xff;
	ekv_test_write_file("bad.fsm", w.data, w.len);
	o.input = "bad.fsm";
	o.output = "out2";
	CHECK_STATUS(ekv_decode(&o, &res, &err), EKV_ECRC, &err);
	CHECK(!ekv_test_file_exists("out2/MANIFEST.json"));
	ekv_buf_release(&w);
}

EKV_TEST(every_truncation_fails_closed)
{
	/* a decode of the snapshot cut at any byte either fails with a typed
	 * error and leaves nothing, or (only at entry boundaries) succeeds */
	begin(9);
	put_str("a", 9, 0, "alpha");
	put_str("b", 9, 0, "");
	put_other("!txn|lock|x", 9);
	struct ekv_buf full = EKV_BUF_INIT;
	ekv_buf_append(&full, snap.data, snap.len);
	for (size_t cut = 0; cut < full.len; cut++) {
		ekv_buf_set(&snap, full.data, cut);
		struct ekv_decode_result res;
		struct ekv_error err = { 0 };
		int rc = decode("cut.fsm", &res, &err);
		if (rc == EKV_OK) {
			CHECK(ekv_test_file_exists("out/MANIFEST.json"));
			CHECK_INT(ekv_test_sh("rm -rf out"), 0);
			continue;
		}
		CHECK(rc == EKV_ETRUNCATED);
		CHECK(!ekv_test_file_exists("out"));
	}
	ekv_buf_release(&full);
}
