/* Container reader/writer: framing, every error class, truncation at every
 * offset, D1 (MVCC), D2 (operational keys), D3 (node wrapper). */
#include <fcntl.h>
#include <unistd.h>
#include "harness.h"
#include "lib/buf.h"
#include "lib/container.h"
#include "lib/util.h"

struct snap {
	struct ekv_buf b;
};

static void snap_begin(struct snap *s, uint64_t ts)
{
	ekv_buf_init(&s->b);
	ekv_buf_append(&s->b, "EKVPBBL1", 8);
	ekv_buf_append_le64(&s->b, ts);
}

static void snap_raw(struct snap *s, const void *k, size_t kl, const void *v, size_t vl)
{
	ekv_buf_append_le64(&s->b, kl);
	ekv_buf_append(&s->b, k, kl);
	ekv_buf_append_le64(&s->b, vl);
	ekv_buf_append(&s->b, v, vl);
}

static void snap_put(struct snap *s, const char *key, uint64_t ts, int tomb, const char *body)
{
	struct ekv_buf k = EKV_BUF_INIT, v = EKV_BUF_INIT;
	ekv_mvcc_encode_key(&k, key, strlen(key), ts);
	ekv_buf_append_byte(&v, tomb ? 1 : 0);
	ekv_buf_append_le64(&v, 0);
	ekv_buf_append_str(&v, body);
	snap_raw(s, k.data, k.len, v.data, v.len);
	ekv_buf_release(&k);
	ekv_buf_release(&v);
}

static int open_bytes(const void *p, size_t n)
{
	ekv_test_write_file("snap.fsm", p, n);
	int fd = open("snap.fsm", O_RDONLY);
	CHECK(fd >= 0);
	return fd;
}

/* Reads every entry; returns the final status (0 = clean end). */
static int read_all(const void *p, size_t n, int *entries, struct ekv_error *err)
{
	int fd = open_bytes(p, n);
	struct ekv_reader *r = NULL;
	int rc = ekv_reader_new(fd, n, &r, err);
	*entries = 0;
	if (!rc) {
		struct ekv_entry e;
		while ((rc = ekv_reader_next(r, &e, err)) == 1) (*entries)++;
	}
	ekv_reader_free(r);
	close(fd);
	return rc;
}

EKV_TEST(worked_example_bytes)
{
	/* container.md §2.1 worked example: 66 bytes */
	uint64_t T = 0x00018F1A2B3C0007ull;
	struct ekv_buf k = EKV_BUF_INIT;
	ekv_mvcc_encode_key(&k, "!redis|str|k", 12, T);
	int fd = open("out.fsm", O_WRONLY | O_CREAT | O_TRUNC, 0600);
	struct ekv_fsm_writer *w;
	struct ekv_error err = { 0 };
	CHECK_OK(ekv_fsm_writer_new(fd, T, 0, &w, &err), &err);
	const uint8_t body[] = { 0xFF, 0x01, 0x00, 'h', 'i' };
	CHECK_OK(ekv_fsm_writer_add_live(w, k.data, k.len, body, sizeof body, &err), &err);
	char sha[65];
	uint64_t bytes;
	CHECK_OK(ekv_fsm_writer_finish(w, sha, &bytes, &err), &err);
	ekv_fsm_writer_free(w);
	close(fd);
	CHECK_U64(bytes, 66);
	size_t n;
	char *got = ekv_test_read_file("out.fsm", &n);
	static const uint8_t want[66] = {
		0x45, 0x4b, 0x56, 0x50, 0x42, 0x42, 0x4c, 0x31, 0x07, 0x00, 0x3c, 0x2b, 0x1a, 0x8f, 0x01, 0x00,
		0x14, 0, 0, 0, 0, 0, 0, 0, '!', 'r', 'e', 'd', 'i', 's', '|', 's', 't', 'r', '|', 'k',
		0xff, 0xfe, 0x70, 0xe5, 0xd4, 0xc3, 0xff, 0xf8, 0x0e, 0, 0, 0, 0, 0, 0, 0,
		0x00, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0x01, 0x00, 0x68, 0x69,
	};
	CHECK_MEM(got, n, want, sizeof want);
	int entries;
	CHECK_OK(read_all(got, n, &entries, &err), &err);
	CHECK_INT(entries, 1);
	free(got);
	ekv_buf_release(&k);
}

EKV_TEST(header_only_is_valid)
{
	struct snap s;
	snap_begin(&s, 0);
	struct ekv_error err = { 0 };
	int entries;
	CHECK_OK(read_all(s.b.data, s.b.len, &entries, &err), &err);
	CHECK_INT(entries, 0);
	ekv_buf_release(&s.b);
}

EKV_TEST(truncation_at_every_offset_is_typed)
{
	struct snap s;
	snap_begin(&s, 77);
	snap_put(&s, "!redis|str|a", 77, 0, "hello");
	snap_put(&s, "!redis|str|b", 77, 0, "");
	snap_put(&s, "!zz", 77, 1, "");
	for (size_t cut = 0; cut < s.b.len; cut++) {
		struct ekv_error err = { 0 };
		int entries;
		int rc = read_all(s.b.data, cut, &entries, &err);
		/* the only clean cuts are entry boundaries (and 16 = header only) */
		size_t b1 = 16, b2 = b1 + 8 + 20 + 8 + 14, b3 = b2 + 8 + 20 + 8 + 9;
		if (cut == b1 || cut == b2 || cut == b3) {
			CHECK_OK(rc, &err);
			continue;
		}
		if (rc != EKV_ETRUNCATED) ekv_test_fail(__FILE__, __LINE__, "cut %zu gave %s", cut, ekv_status_name(rc));
		if (cut >= 16) CHECK(err.has_offset);
	}
	ekv_buf_release(&s.b);
}

EKV_TEST(bad_magic_names_it)
{
	struct ekv_error err = { 0 };
	int entries;
	CHECK_STATUS(read_all("NOTASNAP\0\0\0\0\0\0\0\0", 16, &entries, &err), EKV_EBADMAGIC, &err);
	CHECK(strstr(err.msg, "NOTASNAP") != NULL);
	CHECK_STATUS(read_all("EKVSSTI1\0\0\0\0\0\0\0\0", 16, &entries, &err), EKV_EUNSUPPORTED, &err);
	CHECK(strstr(err.msg, "EKVSSTI1") != NULL);
	CHECK_STATUS(read_all("EKVMVCC2\0\0\0\0\0\0\0\0", 16, &entries, &err), EKV_EUNSUPPORTED, &err);
	CHECK_STATUS(read_all("EKVTHLC9\0\0\0\0\0\0\0\0", 16, &entries, &err), EKV_EUNSUPPORTED, &err);
	CHECK_STATUS(read_all("EKVP", 4, &entries, &err), EKV_ETRUNCATED, &err);
}

EKV_TEST(every_entry_error_class)
{
	struct ekv_error err = { 0 };
	int entries;
	struct snap s;
	uint8_t v9[9] = { 0 };
	/* short key */
	snap_begin(&s, 1);
	snap_raw(&s, "abc", 3, v9, 9);
	CHECK_STATUS(read_all(s.b.data, s.b.len, &entries, &err), EKV_ESHORTKEY, &err);
	CHECK(err.has_offset && err.offset == 16);
	ekv_buf_release(&s.b);
	/* short value */
	snap_begin(&s, 1);
	snap_raw(&s, "abcdefgh", 8, v9, 8);
	CHECK_STATUS(read_all(s.b.data, s.b.len, &entries, &err), EKV_ESHORTVALUE, &err);
	ekv_buf_release(&s.b);
	/* encrypted */
	v9[0] = 0x02;
	snap_begin(&s, 1);
	snap_raw(&s, "abcdefgh", 8, v9, 9);
	CHECK_STATUS(read_all(s.b.data, s.b.len, &entries, &err), EKV_EENCRYPTED, &err);
	ekv_buf_release(&s.b);
	/* reserved state and reserved bits, also on tombstones */
	uint8_t flags[] = { 0x04, 0x06, 0x08, 0x81, 0x05 };
	for (size_t i = 0; i < sizeof flags; i++) {
		v9[0] = flags[i];
		snap_begin(&s, 1);
		snap_raw(&s, "abcdefgh", 8, v9, 9);
		CHECK_STATUS(read_all(s.b.data, s.b.len, &entries, &err), EKV_EENCRESERVED, &err);
		ekv_buf_release(&s.b);
	}
	/* oversize lengths are refused before reading */
	snap_begin(&s, 1);
	ekv_buf_append_le64(&s.b, EKV_MAX_ENCODED_KEY + 1);
	CHECK_STATUS(read_all(s.b.data, s.b.len, &entries, &err), EKV_EKEYTOOLARGE, &err);
	ekv_buf_release(&s.b);
	snap_begin(&s, 1);
	ekv_buf_append_le64(&s.b, 8);
	ekv_buf_append(&s.b, "abcdefgh", 8);
	ekv_buf_append_le64(&s.b, EKV_MAX_ENCODED_VALUE + 1);
	CHECK_STATUS(read_all(s.b.data, s.b.len, &entries, &err), EKV_EVALUETOOLARGE, &err);
	ekv_buf_release(&s.b);
}

EKV_TEST(operational_keys_are_flagged)
{
	/* D2: raw _meta_* rows and 27-byte writer-registry rows */
	CHECK(ekv_is_operational_key((const uint8_t *)"_meta_last_commit_ts", 20));
	CHECK(ekv_is_operational_key((const uint8_t *)"_meta_min_retained_ts", 21));
	CHECK(ekv_is_operational_key((const uint8_t *)"_meta_pending_min_retained_ts", 29));
	CHECK(ekv_is_operational_key((const uint8_t *)"_meta_applied_index", 19));
	CHECK(!ekv_is_operational_key((const uint8_t *)"_meta_applied_indexX", 20));
	uint8_t reg[27];
	memcpy(reg, "!encryption|writers|", 20);
	ekv_put_be32(reg + 20, 7);
	reg[24] = '|';
	ekv_put_be16(reg + 25, 3);
	CHECK(ekv_is_operational_key(reg, 27));
	reg[24] = 'x';
	CHECK(!ekv_is_operational_key(reg, 27));

	struct snap s;
	snap_begin(&s, 5);
	reg[24] = '|';
	uint8_t regval[12] = { 0x7f };
	snap_raw(&s, reg, 27, regval, 12);
	snap_put(&s, "!redis|str|a", 5, 0, "x");
	uint8_t le[8] = { 5 };
	snap_raw(&s, "_meta_last_commit_ts", 20, le, 8);
	int fd = open_bytes(s.b.data, s.b.len);
	struct ekv_reader *r;
	struct ekv_error err = { 0 };
	CHECK_OK(ekv_reader_new(fd, 0, &r, &err), &err);
	struct ekv_entry e;
	int ops = 0, live = 0, rc;
	while ((rc = ekv_reader_next(r, &e, &err)) == 1) e.operational ? ops++ : live++;
	CHECK_OK(rc, &err);
	CHECK_INT(ops, 2);
	CHECK_INT(live, 1);
	ekv_reader_free(r);
	close(fd);
	ekv_buf_release(&s.b);
}

/* Feeds encoded keys (user key, ts) in order; returns a bitmask of "older". */
static unsigned mvcc_run(const char *const *keys, const uint64_t *ts, int n)
{
	struct ekv_mvcc *m = ekv_mvcc_new();
	unsigned older = 0;
	for (int i = 0; i < n; i++) {
		struct ekv_buf k = EKV_BUF_INIT;
		ekv_mvcc_encode_key(&k, keys[i], strlen(keys[i]), ts[i]);
		if (ekv_mvcc_is_older(m, k.data, k.len, strlen(keys[i])) == 1) older |= 1u << i;
		ekv_buf_release(&k);
	}
	ekv_mvcc_free(m);
	return older;
}

EKV_TEST(mvcc_newest_version_wins_even_when_not_adjacent)
{
	/* D1: "A" at ts 9 and 5; between them sorts "A\xfe..." (an extension
	 * starting with 0xFE) -- still detected as older versions */
	const char *keys[] = { "A", "A\xfe\x01", "A", "B", "B" };
	uint64_t ts[] = { 9, 3, 5, 2, 1 };
	CHECK_INT(mvcc_run(keys, ts, 5), (1u << 2) | (1u << 4));
	/* prefix keys: "ab" sorts before "a" with real HLC timestamps */
	const char *k2[] = { "ab", "a", "a" };
	uint64_t t2[] = { 0x0001000000000000ull, 0x0001000000000005ull, 0x0001000000000001ull };
	CHECK_INT(mvcc_run(k2, t2, 3), 1u << 2);
	/* distinct keys: nothing skipped */
	const char *k3[] = { "a", "b", "c" };
	uint64_t t3[] = { 1, 1, 1 };
	CHECK_INT(mvcc_run(k3, t3, 3), 0);
}

EKV_TEST(node_wrapper_v1_v2_and_crc)
{
	/* D3: EKVTHLC1 + payload + CRC32C footer written and read back */
	struct ekv_error err = { 0 };
	int fd = open("node.fsm", O_WRONLY | O_CREAT | O_TRUNC, 0600);
	struct ekv_fsm_writer *w;
	CHECK_OK(ekv_fsm_writer_new(fd, 0x10000, 1, &w, &err), &err);
	struct ekv_buf k = EKV_BUF_INIT;
	ekv_mvcc_encode_key(&k, "!redis|str|a", 12, 0x10000);
	CHECK_OK(ekv_fsm_writer_add_live(w, k.data, k.len, "v", 1, &err), &err);
	CHECK_OK(ekv_fsm_writer_finish(w, NULL, NULL, &err), &err);
	ekv_fsm_writer_free(w);
	close(fd);
	size_t n;
	char *p = ekv_test_read_file("node.fsm", &n);
	CHECK(memcmp(p, "EKVTHLC1", 8) == 0);
	CHECK_U64(ekv_be64((uint8_t *)p + 8), 2);   /* (T >> 16) + 1 */
	CHECK_U64(ekv_be32((uint8_t *)p + n - 4), ekv_crc32c(0, p, n - 4));
	int entries;
	CHECK_OK(read_all(p, n, &entries, &err), &err);
	CHECK_INT(entries, 1);
	p[n - 1] ^= 1;
	CHECK_STATUS(read_all(p, n, &entries, &err), EKV_ECRC, &err);
	p[n - 1] ^= 1;
	/* missing footer */
	CHECK_STATUS(read_all(p, n - 4, &entries, &err), EKV_ETRUNCATED, &err);

	/* v2: length prefix bounds */
	struct ekv_buf v2 = EKV_BUF_INIT;
	ekv_buf_append(&v2, "EKVTHLC2", 8);
	uint8_t l[2];
	ekv_put_be16(l, 20);
	ekv_buf_append(&v2, l, 2);
	uint8_t pay[20] = { 0 };
	ekv_buf_append(&v2, pay, 20);
	ekv_buf_append(&v2, p + 16, n - 16 - 4);
	uint8_t f[4];
	ekv_put_be32(f, ekv_crc32c(0, v2.data, v2.len));
	ekv_buf_append(&v2, f, 4);
	CHECK_OK(read_all(v2.data, v2.len, &entries, &err), &err);
	CHECK_INT(entries, 1);
	ekv_put_be16(v2.data + 8, 15);
	CHECK_STATUS(read_all(v2.data, v2.len, &entries, &err), EKV_EUNSUPPORTED, &err);
	ekv_put_be16(v2.data + 8, 1025);
	CHECK_STATUS(read_all(v2.data, v2.len, &entries, &err), EKV_EUNSUPPORTED, &err);
	free(p);
	ekv_buf_release(&v2);
	ekv_buf_release(&k);
}

EKV_TEST(crc32c_known_vector)
{
	/* RFC 3720 B.4: CRC32C("123456789") = 0xE3069283; 32 zero bytes = 0x8A9136AA */
	CHECK_U64(ekv_crc32c(0, "123456789", 9), 0xE3069283u);
	uint8_t z[32] = { 0 };
	CHECK_U64(ekv_crc32c(0, z, 32), 0x8A9136AAu);
	/* incremental = one shot */
	CHECK_U64(ekv_crc32c(ekv_crc32c(0, "1234", 4), "56789", 5), 0xE3069283u);
}
