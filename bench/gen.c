/*
 * ekvgen: deterministic synthetic snapshots (same flags, same bytes).
 *
 *   ekvgen --seed N --records N --value-size BYTES --adapters LIST
 *          --output FILE [--node-format] [--with-operational] [--with-versions]
 *
 * The per-adapter generators (gen_<adapter>.c) emit live records through
 * gen_put; this file frames them with one fixed commit timestamp, sorts
 * them with the core sorter and writes them with the .fsm writer. The
 * mixes add container cases the adapters never produce: raw operational
 * keys (D2), older versions plus tombstones (D1), and internal/unknown
 * prefixes. They draw from their
 * own RNG stream, so the adapters' records are the same with or without
 * a mix. A summary with the counters a decoder must report goes to stdout.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "gen.h"
#include "lib/buf.h"
#include "lib/container.h"
#include "lib/error.h"
#include "lib/sorter.h"

#define GEN_COMMIT_TS 0x00018F1A2B3C0007ull

struct rng {
	uint64_t s[4];
};

struct gen {
	struct rng rng;            /* adapters' stream */
	struct rng mix;            /* --with-* stream */
	uint64_t value_size;
	uint64_t ts;
	int with_versions;
	struct ekv_sorter *sorter;
	struct ekv_buf key, val;
	struct ekv_error err;
	uint64_t live, superseded, tombstones, operational, internal, unknown;
};

static uint64_t rotl(uint64_t x, int k)
{
	return (x << k) | (x >> (64 - k));
}

static uint64_t rng_next(struct rng *r)
{
	uint64_t *s = r->s;
	uint64_t result = rotl(s[1] * 5, 7) * 9;
	uint64_t t = s[1] << 17;
	s[2] ^= s[0];
	s[3] ^= s[1];
	s[1] ^= s[2];
	s[0] ^= s[3];
	s[2] ^= t;
	s[3] = rotl(s[3], 45);
	return result;
}

/* splitmix64 expands the seed into the xoshiro state. */
static void rng_seed(struct rng *r, uint64_t seed)
{
	for (int i = 0; i < 4; i++) {
		uint64_t z = (seed += 0x9E3779B97F4A7C15ull);
		z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
		z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
		r->s[i] = z ^ (z >> 31);
	}
}

static uint64_t rng_below(struct rng *r, uint64_t n)
{
	if (n == 0) return 0;
	uint64_t limit = UINT64_MAX - UINT64_MAX % n;
	uint64_t v;
	do v = rng_next(r);
	while (v >= limit);
	return v % n;
}

uint64_t gen_rand(struct gen *g)
{
	return rng_next(&g->rng);
}

uint64_t gen_below(struct gen *g, uint64_t n)
{
	return rng_below(&g->rng, n);
}

void gen_bytes(struct gen *g, void *p, size_t n)
{
	uint8_t *o = p;
	while (n) {
		uint64_t v = rng_next(&g->rng);
		size_t k = n < 8 ? n : 8;
		memcpy(o, &v, k);
		o += k;
		n -= k;
	}
}

uint64_t gen_value_size(const struct gen *g)
{
	return g->value_size;
}

/* One MVCC entry: user key ‖ BE64(^ts), flags ‖ LE64(0) ‖ body. */
static int put_version(struct gen *g, const void *key, size_t klen, uint64_t ts, int tombstone,
		       const void *body, size_t blen)
{
	uint8_t suffix[8], head[EKV_VALUE_HEADER];
	ekv_put_be64(suffix, ~ts);
	memset(head, 0, sizeof head);
	head[0] = tombstone ? 1 : 0;
	ekv_buf_reset(&g->key);
	ekv_buf_reset(&g->val);
	if (ekv_buf_append(&g->key, key, klen) || ekv_buf_append(&g->key, suffix, 8) ||
	    ekv_buf_append(&g->val, head, sizeof head) || ekv_buf_append(&g->val, body, blen))
		return EKV_ENOMEM;
	return ekv_sorter_add(g->sorter, g->key.data, g->key.len, g->val.data, g->val.len, &g->err);
}

/* Random bytes from the mix stream: older versions get bodies no adapter
 * could parse, so a decoder that routes them (instead of skipping them,
 * D1) fails or writes a different tree. */
static int put_garbage_version(struct gen *g, const void *key, size_t klen, uint64_t ts,
			       size_t blen)
{
	uint8_t body[256];
	if (blen > sizeof body) blen = sizeof body;
	for (size_t i = 0; i < blen; i++) body[i] = (uint8_t)rng_next(&g->mix);
	return put_version(g, key, klen, ts, 0, body, blen);
}

/* --with-versions: about one live key in eight gets 1-2 older versions,
 * and one in sixteen a deleted sibling key (tombstone + older versions)
 * that must never reach an adapter. */
static int add_version_mix(struct gen *g, const void *key, size_t klen, size_t blen)
{
	int rc;
	if (rng_below(&g->mix, 8) == 0) {
		uint64_t n = 1 + rng_below(&g->mix, 2);
		for (uint64_t i = 1; i <= n; i++) {
			if ((rc = put_garbage_version(g, key, klen, g->ts - i * 3, blen))) return rc;
			g->superseded++;
		}
	}
	if (rng_below(&g->mix, 16) == 0) {
		struct ekv_buf dk = EKV_BUF_INIT;
		if (ekv_buf_append(&dk, key, klen) || ekv_buf_append(&dk, "\0deleted", 8)) {
			ekv_buf_release(&dk);
			return EKV_ENOMEM;
		}
		rc = put_version(g, dk.data, dk.len, g->ts - 1, 1, "", 0);
		for (uint64_t i = 2; !rc && i <= 3; i++) {
			rc = put_garbage_version(g, dk.data, dk.len, g->ts - i * 5, blen);
			g->superseded++;
		}
		g->tombstones++;
		ekv_buf_release(&dk);
		if (rc) return rc;
	}
	return 0;
}

int gen_put(struct gen *g, const void *key, size_t klen, const void *body, size_t blen)
{
	int rc = put_version(g, key, klen, g->ts, 0, body, blen);
	if (rc) return rc;
	g->live++;
	return g->with_versions ? add_version_mix(g, key, klen, blen) : 0;
}

/* --with-internal: records of the core's internal prefixes (counted as
 * internal) and of no prefix at all (unknown), so the container cases are
 * exercised even with no adapter selected. The version mix applies. */
static int add_internal(struct gen *g, uint64_t records)
{
	static const char *const prefixes[] = { "!dist|gen|", "!txn|lock|", "!s3route|r|" };
	uint64_t n = records / 20 < 8 ? 8 : records / 20;
	uint8_t body[64];
	char key[64];
	for (uint64_t i = 0; i < n; i++) {
		int unknown = i % 4 == 3;
		int len = snprintf(key, sizeof key, "%s%08llx", unknown ? "~nobody|" : prefixes[i % 3],
				   (unsigned long long)rng_next(&g->mix));
		size_t blen = (size_t)rng_below(&g->mix, sizeof body);
		for (size_t j = 0; j < blen; j++) body[j] = (uint8_t)rng_next(&g->mix);
		int rc = put_version(g, key, (size_t)len, g->ts, 0, body, blen);
		if (!rc && g->with_versions) rc = add_version_mix(g, key, (size_t)len, blen);
		if (rc) return rc;
		if (unknown) g->unknown++;
		else g->internal++;
	}
	return 0;
}

/* --with-operational: the raw, unversioned rows of container.md §2.6(a). */
static int add_operational(struct gen *g)
{
	uint8_t v8[8], reg_key[27], reg_val[12];
	const char *metas[] = { "_meta_last_commit_ts", "_meta_min_retained_ts",
				"_meta_applied_index" };
	uint64_t vals[] = { g->ts, g->ts - 0x10000, 4242 };
	for (size_t i = 0; i < 3; i++) {
		ekv_put_le64(v8, vals[i]);
		int rc = ekv_sorter_add(g->sorter, metas[i], strlen(metas[i]), v8, 8, &g->err);
		if (rc) return rc;
		g->operational++;
	}
	for (uint16_t node = 1; node <= 2; node++) {
		memcpy(reg_key, "!encryption|writers|", 20);
		ekv_put_be32(reg_key + 20, 7);
		reg_key[24] = '|';
		ekv_put_be16(reg_key + 25, node);
		ekv_put_be64(reg_val, 0x0100000000000000ull | node);   /* flags byte would be 0x01 */
		ekv_put_be16(reg_val + 8, 1);
		ekv_put_be16(reg_val + 10, 3);
		int rc = ekv_sorter_add(g->sorter, reg_key, 27, reg_val, 12, &g->err);
		if (rc) return rc;
		g->operational++;
	}
	return 0;
}

static void usage(FILE *f)
{
	fprintf(f, "usage: ekvgen --output FILE [--seed N] [--records N] [--value-size BYTES]\n"
		   "              [--adapters redis,dynamodb,s3,sqs] [--node-format]\n"
		   "              [--with-operational] [--with-versions] [--with-internal]\n"
		   "Writes a deterministic synthetic snapshot (commit ts 0x%016llx).\n",
		(unsigned long long)GEN_COMMIT_TS);
}

static int parse_u64(const char *s, uint64_t *out)
{
	char *end;
	errno = 0;
	unsigned long long v = strtoull(s, &end, 0);
	if (errno || end == s || *end || s[0] == '-') return -1;
	*out = v;
	return 0;
}

struct gen_args {
	uint64_t seed, records, value_size;
	const char *adapters, *output;
	int node_format, with_operational, with_versions, with_internal;
};

/* Go flag style: -name/--name, =value or the next word. */
static int parse_args(int argc, char **argv, struct gen_args *a)
{
	for (int i = 1; i < argc; i++) {
		const char *arg = argv[i];
		if (arg[0] != '-') return -1;
		arg += arg[1] == '-' ? 2 : 1;
		const char *eq = strchr(arg, '=');
		size_t n = eq ? (size_t)(eq - arg) : strlen(arg);
		const char *v = eq ? eq + 1 : NULL;
#define IS(name) (n == strlen(name) && memcmp(arg, name, n) == 0)
		if (IS("node-format")) { a->node_format = 1; continue; }
		if (IS("with-operational")) { a->with_operational = 1; continue; }
		if (IS("with-versions")) { a->with_versions = 1; continue; }
		if (IS("with-internal")) { a->with_internal = 1; continue; }
		if (IS("h") || IS("help")) { usage(stdout); exit(0); }
		if (!v) {
			if (i + 1 >= argc) return -1;
			v = argv[++i];
		}
		if (IS("seed")) { if (parse_u64(v, &a->seed)) return -1; }
		else if (IS("records")) { if (parse_u64(v, &a->records)) return -1; }
		else if (IS("value-size")) { if (parse_u64(v, &a->value_size)) return -1; }
		else if (IS("adapters")) a->adapters = v;
		else if (IS("output")) a->output = v;
		else return -1;
#undef IS
	}
	return a->output ? 0 : -1;
}

static int run_generators(struct gen *g, const struct gen_args *a)
{
	static const struct { const char *name; int (*fn)(struct gen *, uint64_t); } gens[] = {
		{ "redis", gen_redis }, { "dynamodb", gen_dynamodb }, { "s3", gen_s3 }, { "sqs", gen_sqs },
	};
	int selected[4] = { 0 }, nsel = 0;
	char *list = strdup(a->adapters);
	if (!list) return EKV_ENOMEM;
	for (char *save = NULL, *tok = strtok_r(list, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
		int found = 0;
		for (int i = 0; i < 4; i++)
			if (strcmp(tok, gens[i].name) == 0) { nsel += !selected[i]; selected[i] = found = 1; }
		if (!found) {
			fprintf(stderr, "ekvgen: unknown adapter \"%s\"\n", tok);
			free(list);
			return EKV_EUSAGE;
		}
	}
	free(list);
	/* --records is split evenly; the first selected adapters get the rest. */
	uint64_t share = nsel ? a->records / (uint64_t)nsel : 0, extra = nsel ? a->records % (uint64_t)nsel : 0;
	for (int i = 0; i < 4; i++) {
		if (!selected[i]) continue;
		uint64_t n = share + (extra ? 1 : 0);
		if (extra) extra--;
		int rc = gens[i].fn(g, n);
		if (rc) {
			fprintf(stderr, "ekvgen: gen_%s failed (%d)\n", gens[i].name, rc);
			return rc;
		}
	}
	return 0;
}

/* Sorted records into the .fsm; equal encoded keys are an error. */
static int write_fsm(struct gen *g, int fd, int node_format, char sha[65], uint64_t *bytes)
{
	struct ekv_fsm_writer *w;
	int rc = ekv_sorter_finish(g->sorter, &g->err);
	if (rc) return rc;
	if ((rc = ekv_fsm_writer_new(fd, g->ts, node_format, &w, &g->err))) return rc;
	struct ekv_buf prev = EKV_BUF_INIT;
	int have_prev = 0;
	const uint8_t *k, *v;
	size_t kl, vl;
	while ((rc = ekv_sorter_next(g->sorter, &k, &kl, &v, &vl, &g->err)) == 1) {
		if (have_prev && prev.len == kl && memcmp(prev.data, k, kl) == 0) {
			rc = ekv_fail(&g->err, EKV_EDUPLICATE, "generator produced a duplicate key");
			break;
		}
		if ((rc = ekv_buf_set(&prev, k, kl))) break;
		have_prev = 1;
		if ((rc = ekv_fsm_writer_add(w, k, kl, v, vl, &g->err))) break;
	}
	ekv_buf_release(&prev);
	if (rc == 0) rc = ekv_fsm_writer_finish(w, sha, bytes, &g->err);
	ekv_fsm_writer_free(w);
	return rc;
}

static char *dir_of(const char *path)
{
	const char *slash = strrchr(path, '/');
	if (!slash) return strdup(".");
	if (slash == path) return strdup("/");
	return strndup(path, (size_t)(slash - path));
}

int main(int argc, char **argv)
{
	struct gen_args a = { 1, 1000, 100, "redis,dynamodb,s3,sqs", NULL, 0, 0, 0, 0 };
	if (parse_args(argc, argv, &a) != 0) {
		usage(stderr);
		return 2;
	}
	struct gen g;
	memset(&g, 0, sizeof g);
	rng_seed(&g.rng, a.seed);
	rng_seed(&g.mix, a.seed ^ 0x6D69786D69786D69ull);
	g.value_size = a.value_size;
	g.ts = GEN_COMMIT_TS;
	g.with_versions = a.with_versions;
	ekv_buf_init(&g.key);
	ekv_buf_init(&g.val);
	char *tmpdir = dir_of(a.output);
	int rc = tmpdir ? ekv_sorter_new(tmpdir, EKV_SORTER_DEFAULT_MEM, &g.sorter, &g.err) : EKV_ENOMEM;
	free(tmpdir);
	if (!rc) rc = run_generators(&g, &a);
	if (!rc && a.with_internal) rc = add_internal(&g, a.records);
	if (!rc && a.with_operational) rc = add_operational(&g);
	char sha[65] = "";
	uint64_t bytes = 0;
	int fd = -1;
	if (!rc) {
		fd = open(a.output, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
		if (fd < 0) rc = ekv_fail_errno(&g.err, errno, "open %s", a.output);
	}
	if (!rc) rc = write_fsm(&g, fd, a.node_format, sha, &bytes);
	if (fd >= 0 && close(fd) != 0 && !rc) rc = ekv_fail_errno(&g.err, errno, "close %s", a.output);
	ekv_sorter_free(g.sorter);
	ekv_buf_release(&g.key);
	ekv_buf_release(&g.val);
	if (rc) {
		char buf[1024];
		fprintf(stderr, "ekvgen: %s: %s\n", ekv_status_name((enum ekv_status)rc),
			ekv_error_format(&g.err, buf, sizeof buf));
		if (fd >= 0) unlink(a.output);
		return 1;
	}
	uint64_t total = g.live + g.superseded + g.tombstones + g.operational + g.internal + g.unknown;
	printf("ekvgen %s: entries=%llu live=%llu superseded=%llu tombstone=%llu operational=%llu"
	       " internal=%llu unknown=%llu bytes=%llu sha256=%s\n",
	       a.output, (unsigned long long)total, (unsigned long long)g.live,
	       (unsigned long long)g.superseded, (unsigned long long)g.tombstones,
	       (unsigned long long)g.operational, (unsigned long long)g.internal,
	       (unsigned long long)g.unknown, (unsigned long long)bytes, sha);
	return 0;
}
