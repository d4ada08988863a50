/* External sorter: order, stability, spilling to disk. */
#include "harness.h"
#include "lib/sorter.h"

static void fill_and_check(size_t mem, int n, unsigned *spills)
{
	struct ekv_sorter *s;
	struct ekv_error err = { 0 };
	CHECK_OK(ekv_sorter_new(".", mem, &s, &err), &err);
	for (int i = 0; i < n; i++) {
		char k[32], v[32];
		int kn = snprintf(k, sizeof k, "k%05d", (i * 7919) % (n / 2));   /* each key twice */
		int vn = snprintf(v, sizeof v, "%d", i);
		CHECK_OK(ekv_sorter_add(s, k, (size_t)kn, v, (size_t)vn, &err), &err);
	}
	const uint8_t *k, *v;
	size_t kl, vl;
	char prevk[32] = "";
	int prevv = -1, count = 0, rc;
	while ((rc = ekv_sorter_next(s, &k, &kl, &v, &vl, &err)) == 1) {
		char kk[32], vv[32];
		snprintf(kk, sizeof kk, "%.*s", (int)kl, k);
		snprintf(vv, sizeof vv, "%.*s", (int)vl, v);
		int c = strcmp(prevk, kk);
		CHECK(c <= 0);
		if (c == 0) CHECK(atoi(vv) > prevv);   /* stable: insertion order */
		snprintf(prevk, sizeof prevk, "%s", kk);
		prevv = atoi(vv);
		count++;
	}
	CHECK_INT(rc, 0);
	CHECK_INT(count, n);
	*spills = ekv_sorter_spills(s);
	ekv_sorter_free(s);
}

EKV_TEST(in_memory)
{
	unsigned spills;
	fill_and_check(1 << 20, 1000, &spills);
	CHECK_INT(spills, 0);
}

EKV_TEST(spills_and_merges)
{
	unsigned spills;
	fill_and_check(4096, 20000, &spills);
	CHECK(spills > 10);
}

EKV_TEST(empty)
{
	struct ekv_sorter *s;
	struct ekv_error err = { 0 };
	CHECK_OK(ekv_sorter_new(NULL, 0, &s, &err), &err);
	const uint8_t *k, *v;
	size_t kl, vl;
	CHECK_INT(ekv_sorter_next(s, &k, &kl, &v, &vl, &err), 0);
	ekv_sorter_free(s);
}

EKV_TEST(compaction_keeps_order_and_bounds_runs)
{
	/* 1 KiB batches and 64 KiB records: many spills, merged 16 at a time */
	struct ekv_sorter *s;
	struct ekv_error err = { 0 };
	CHECK_OK(ekv_sorter_new(".", 1024, &s, &err), &err);
	static uint8_t big[65536];
	for (int i = 0; i < 200; i++) {
		char k[16];
		int kn = snprintf(k, sizeof k, "%03d", (i * 37) % 100);
		memset(big, i, sizeof big);
		CHECK_OK(ekv_sorter_add(s, k, (size_t)kn, big, sizeof big, &err), &err);
	}
	CHECK(ekv_sorter_spills(s) >= 100);
	const uint8_t *k, *v;
	size_t kl, vl;
	int n = 0, rc, prev_key = -1, prev_fill = -1;
	while ((rc = ekv_sorter_next(s, &k, &kl, &v, &vl, &err)) == 1) {
		int key = (k[0] - 48) * 100 + (k[1] - 48) * 10 + (k[2] - 48), fill = v[0];
		CHECK(kl == 3 && vl == sizeof big && v[vl - 1] == v[0]);
		CHECK(key >= prev_key);
		if (key == prev_key) CHECK(fill > prev_fill);   /* stable through compaction */
		prev_key = key;
		prev_fill = fill;
		n++;
	}
	CHECK_INT(rc, 0);
	CHECK_INT(n, 200);
	ekv_sorter_free(s);
}
