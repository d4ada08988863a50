/*
 * ekvbackup decode: one .fsm (bare EKVPBBL1 or a node's wrapped file, D3)
 * into a dump tree. With --input-snap-dir the newest snapshot of a node's
 * fsm-snap/ directory is picked (D4 index order), or with --all every one
 * is decoded into <output>/<stem>/. Exit 0 on success, 1 on any failure
 * (tools.md §2.2), usage errors included.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli.h"
#include "options.h"
#include "progress.h"

#define DECODE_EXIT_FAIL 1

struct decode_args {
	const char *input, *output, *adapter, *bundle_mode, *cluster_id, *snap_dir, *tmpdir;
	int include_incomplete_uploads, include_orphans, preserve_sqs_visibility;
	int include_sqs_side_records, rename_collisions, all, keep_partial, quiet;
	uint64_t pending_ttl_cap, bundle_size, spill_threshold;
	int pending_ttl_cap_set;
};

struct snap_file {
	uint64_t index;
	char *name;
};

static const char decode_exit_codes[] =
	"  0  success: MANIFEST.json and CHECKSUMS written\n"
	"  1  any failure (usage, I/O, malformed or unsupported snapshot); no MANIFEST.json\n";

static int snap_cmp(const void *a, const void *b)
{
	const struct snap_file *x = a, *y = b;
	if (x->index != y->index) return x->index < y->index ? -1 : 1;
	return strcmp(x->name, y->name);
}

static void free_snaps(struct snap_file *v, size_t n)
{
	for (size_t i = 0; i < n; i++) free(v[i].name);
	free(v);
}

/* Lists the regular *.fsm files of dir whose name carries an index (D4),
 * sorted by index. Returns 0, or -1 with a message printed. */
static int list_snapshots(const char *dir, struct snap_file **out, size_t *n_out)
{
	DIR *d = opendir(dir);
	if (!d) {
		fprintf(stderr, "ekvbackup decode: cannot open --input-snap-dir %s: %s\n", dir,
			strerror(errno));
		return -1;
	}
	struct snap_file *v = NULL;
	size_t n = 0, cap = 0;
	struct dirent *de;
	while ((de = readdir(d)) != NULL) {
		size_t len = strlen(de->d_name);
		if (len <= 4 || strcmp(de->d_name + len - 4, ".fsm") != 0) continue;
		struct stat st;
		if (fstatat(dirfd(d), de->d_name, &st, AT_SYMLINK_NOFOLLOW) != 0 || !S_ISREG(st.st_mode))
			continue;
		uint64_t idx;
		if (ekv_snapshot_index_from_path(de->d_name, &idx) != 0) continue;
		if (n == cap) {
			cap = cap ? cap * 2 : 16;
			struct snap_file *nv = realloc(v, cap * sizeof *v);
			if (!nv) break;
			v = nv;
		}
		v[n].index = idx;
		v[n].name = strdup(de->d_name);
		if (!v[n].name) break;
		n++;
	}
	closedir(d);
	if (n == 0) {
		fprintf(stderr, "ekvbackup decode: no <index>.fsm snapshot in %s\n", dir);
		free(v);
		return -1;
	}
	qsort(v, n, sizeof *v, snap_cmp);
	*out = v;
	*n_out = n;
	return 0;
}

static char *join_path(const char *a, const char *b)
{
	size_t la = strlen(a), lb = strlen(b);
	char *p = malloc(la + lb + 2);
	if (!p) return NULL;
	memcpy(p, a, la);
	size_t o = la;
	if (la && a[la - 1] != '/') p[o++] = '/';
	memcpy(p + o, b, lb + 1);
	return p;
}

/* D6 for the --all parent root: absent, or an empty real directory. */
static int prepare_all_root(const char *root)
{
	struct stat st;
	if (lstat(root, &st) != 0) {
		if (errno != ENOENT || mkdir(root, 0755) != 0) {
			fprintf(stderr, "ekvbackup decode: cannot create %s: %s\n", root, strerror(errno));
			return -1;
		}
		return 0;
	}
	if (S_ISLNK(st.st_mode)) {
		fprintf(stderr, "ekvbackup decode: output root %s is a symlink (refused, D6)\n", root);
		return -1;
	}
	if (!S_ISDIR(st.st_mode)) {
		fprintf(stderr, "ekvbackup decode: output root %s is not a directory\n", root);
		return -1;
	}
	DIR *d = opendir(root);
	if (!d) {
		fprintf(stderr, "ekvbackup decode: cannot open %s: %s\n", root, strerror(errno));
		return -1;
	}
	struct dirent *de;
	int empty = 1;
	while ((de = readdir(d)) != NULL)
		if (strcmp(de->d_name, ".") != 0 && strcmp(de->d_name, "..") != 0) empty = 0;
	closedir(d);
	if (!empty) {
		fprintf(stderr, "ekvbackup decode: output root %s is not empty (refused, D6)\n", root);
		return -1;
	}
	return 0;
}

static void print_summary(const char *input, const char *output, unsigned mask,
			  const struct ekv_decode_result *r)
{
	const struct ekv_counters *c = &r->counters;
	printf("decoded %s -> %s: entries=%llu", input, output, (unsigned long long)c->total);
	for (int id = 0; id < EKV_ADAPTER_COUNT; id++)
		printf(" %s=%llu", ekv_adapter_name(id), (unsigned long long)c->adapter[id]);
	printf(" tombstone=%llu superseded=%llu operational=%llu internal=%llu unknown=%llu"
	       " warnings=%llu orphan_ttls=%llu files=%llu bytes=%llu last_commit_ts=%llu",
	       (unsigned long long)c->tombstone, (unsigned long long)c->superseded,
	       (unsigned long long)c->operational, (unsigned long long)c->internal,
	       (unsigned long long)c->unknown, (unsigned long long)c->warnings,
	       (unsigned long long)c->orphan_ttls, (unsigned long long)r->files_written,
	       (unsigned long long)r->bytes_written, (unsigned long long)r->last_commit_ts);
	if (r->has_snapshot_index)
		printf(" snapshot_index=%llu", (unsigned long long)r->snapshot_index);
	if (r->node_wrapper) printf(" node_wrapper=EKVTHLC%d", r->node_wrapper);
	int first = 1;
	for (int id = 0; id < EKV_ADAPTER_COUNT; id++) {
		if (!(mask & (1u << id)) || ekv_adapter_can_decode(id)) continue;
		printf("%s%s", first ? "; not yet supported: " : ",", ekv_adapter_name(id));
		first = 0;
	}
	putchar('\n');
	fflush(stdout);
}

static int decode_run(const struct decode_args *a, unsigned mask, const char *input,
		      const char *output)
{
	struct ekv_decode_options o;
	memset(&o, 0, sizeof o);
	o.input = input;
	o.output = output;
	o.tmpdir = a->tmpdir && *a->tmpdir ? a->tmpdir : NULL;
	o.adapters = mask;
	o.cluster_id = a->cluster_id;
	o.include_incomplete_uploads = a->include_incomplete_uploads;
	o.include_orphans = a->include_orphans;
	o.rename_s3_collisions = a->rename_collisions;
	o.preserve_sqs_visibility = a->preserve_sqs_visibility;
	o.include_sqs_side_records = a->include_sqs_side_records;
	o.dynamodb_bundle_jsonl = strcmp(a->bundle_mode, "jsonl") == 0;
	o.dynamodb_bundle_size = a->bundle_size;
	o.pending_ttl_cap = a->pending_ttl_cap;
	o.pending_ttl_cap_set = a->pending_ttl_cap_set;
	o.spill_threshold = a->spill_threshold;
	o.keep_partial = a->keep_partial;
	o.cancel = cli_cancel_flag();
	o.warn = cli_warn;
	o.warn_ud = (void *)&a->quiet;
	struct progress *p = progress_start("decode", a->quiet);
	o.progress = p ? progress_update : NULL;
	o.progress_ud = p;

	struct ekv_decode_result r;
	struct ekv_error err;
	memset(&r, 0, sizeof r);
	memset(&err, 0, sizeof err);
	int st = ekv_decode(&o, &r, &err);
	progress_stop(p);
	int canceled = cli_canceled_exit(st);
	if (canceled >= 0) return canceled;
	if (st != EKV_OK) {
		cli_report_error("decode", input, st, &err);
		return DECODE_EXIT_FAIL;
	}
	print_summary(input, output, mask, &r);
	return 0;
}

static int decode_one(const struct decode_args *a, unsigned mask, const char *input,
		      const char *output)
{
	return decode_run(a, mask, input, output);
}

static int decode_snap_dir(const struct decode_args *a, unsigned mask)
{
	struct snap_file *snaps;
	size_t n;
	if (list_snapshots(a->snap_dir, &snaps, &n) != 0) return DECODE_EXIT_FAIL;
	int rc = 0;
	if (!a->all) {
		char *in = join_path(a->snap_dir, snaps[n - 1].name);
		rc = in ? decode_one(a, mask, in, a->output) : DECODE_EXIT_FAIL;
		free(in);
		free_snaps(snaps, n);
		return rc;
	}
	if (prepare_all_root(a->output) != 0) {
		free_snaps(snaps, n);
		return DECODE_EXIT_FAIL;
	}
	/* Carry on after a failed snapshot and report it in the exit code. */
	for (size_t i = 0; i < n; i++) {
		char stem[256];
		snprintf(stem, sizeof stem, "%.*s", (int)(strlen(snaps[i].name) - 4), snaps[i].name);
		char *in = join_path(a->snap_dir, snaps[i].name);
		char *out = join_path(a->output, stem);
		int one = in && out ? decode_one(a, mask, in, out) : DECODE_EXIT_FAIL;
		free(in);
		free(out);
		if (one > 128) {           /* interrupted: stop here */
			rc = one;
			break;
		}
		if (one != 0) rc = DECODE_EXIT_FAIL;
	}
	free_snaps(snaps, n);
	return rc;
}

int cmd_decode(int argc, char **argv)
{
	struct decode_args a;
	memset(&a, 0, sizeof a);
	a.adapter = "dynamodb,s3,redis,sqs";
	a.bundle_mode = "per-item";
	a.pending_ttl_cap = EKV_PENDING_TTL_CAP_DEFAULT;
	a.bundle_size = 64ull << 20;
	a.spill_threshold = EKV_SPILL_THRESHOLD_DEFAULT;
	const struct option opts[] = {
		{ "input", OPT_STRING, &a.input, "FILE", NULL,
		  "snapshot to decode: bare EKVPBBL1 stream or a node's fsm-snap/<index>.fsm;\n"
		  "        required unless --input-snap-dir is given", NULL },
		{ "output", OPT_STRING, &a.output, "DIR", NULL,
		  "dump root (required); must be absent or an empty directory, never a symlink", NULL },
		{ "adapter", OPT_STRING, &a.adapter, "LIST", "\"dynamodb,s3,redis,sqs\"",
		  "comma list of adapters (case-sensitive) or \"all\"", NULL },
		{ "dynamodb-bundle-mode", OPT_STRING, &a.bundle_mode, "MODE", "\"per-item\"",
		  "DynamoDB layout: per-item or jsonl (D19)", NULL },
		{ "dynamodb-bundle-size", OPT_SIZE, &a.bundle_size, "BYTES", "64MiB",
		  "jsonl part size limit (D19); suffixes KiB/MiB/GiB", NULL },
		{ "cluster-id", OPT_STRING, &a.cluster_id, "ID", "\"\"",
		  "MANIFEST.json cluster_id (omitted when empty)", NULL },
		{ "include-incomplete-uploads", OPT_BOOL, &a.include_incomplete_uploads, NULL, "false",
		  "S3: write in-flight multipart uploads under _incomplete_uploads/", NULL },
		{ "include-orphans", OPT_BOOL, &a.include_orphans, NULL, "false",
		  "S3: write objects without a bucket under _orphans/ (D21)", NULL },
		{ "preserve-sqs-visibility", OPT_BOOL, &a.preserve_sqs_visibility, NULL, "false",
		  "SQS: keep message visibility fields", NULL },
		{ "include-sqs-side-records", OPT_BOOL, &a.include_sqs_side_records, NULL, "false",
		  "SQS: write side records under _internals/ (D13)", NULL },
		{ "rename-collisions", OPT_BOOL, &a.rename_collisions, NULL, "false",
		  "S3: rename keys ending in .elastickv-meta.json instead of failing", NULL },
		{ "input-snap-dir", OPT_STRING, &a.snap_dir, "DIR", NULL,
		  "a node's fsm-snap/ directory: decode the newest <index>.fsm (D4)", NULL },
		{ "all", OPT_BOOL, &a.all, NULL, "false",
		  "with --input-snap-dir: decode every snapshot into <output>/<stem>/", NULL },
		{ "tmpdir", OPT_STRING, &a.tmpdir, "DIR", "beside the output root",
		  "directory for spill files (D14), never inside the output", NULL },
		{ "pending-ttl-cap", OPT_SIZE, &a.pending_ttl_cap, "BYTES", "1GiB",
		  "Redis: bytes of TTL rows held for later owners; 0 = count only (D12)",
		  &a.pending_ttl_cap_set },
		{ "spill-threshold", OPT_SIZE, &a.spill_threshold, "BYTES", "16MiB",
		  "bytes of held adapter state before spilling to --tmpdir (D14)", NULL },
		{ "keep-partial", OPT_BOOL, &a.keep_partial, NULL, "false",
		  "keep a failed run's files for debugging (never a MANIFEST.json)", NULL },
		{ "quiet", OPT_BOOL, &a.quiet, NULL, "false",
		  "no progress line and no warnings on stderr (the summary stays)", NULL },
		{ NULL, 0, NULL, NULL, NULL, NULL, NULL },
	};
	const struct cmd_usage u = {
		"decode", "(--input FILE | --input-snap-dir DIR [--all]) --output DIR [flags]",
		"Decodes an elastickv FSM snapshot into a dump tree (MANIFEST.json, CHECKSUMS,\n"
		"dynamodb/ s3/ redis/ sqs/). Prints a one-line summary on stdout.",
		decode_exit_codes, opts, DECODE_EXIT_FAIL, 0,
	};
	switch (opt_parse(&u, argc, argv, NULL, NULL)) {
	case OPT_HELP: return 0;
	case OPT_ERROR: return DECODE_EXIT_FAIL;
	case OPT_OK: break;
	}
	if (!a.input && !a.snap_dir) {
		opt_usage_error(&u, "--input is required");
		return DECODE_EXIT_FAIL;
	}
	if (a.input && a.snap_dir) {
		opt_usage_error(&u, "--input and --input-snap-dir are mutually exclusive");
		return DECODE_EXIT_FAIL;
	}
	if (a.all && !a.snap_dir) {
		opt_usage_error(&u, "--all needs --input-snap-dir");
		return DECODE_EXIT_FAIL;
	}
	if (!a.output || !*a.output) {
		opt_usage_error(&u, "--output is required");
		return DECODE_EXIT_FAIL;
	}
	if (strcmp(a.bundle_mode, "") == 0) a.bundle_mode = "per-item";
	if (strcmp(a.bundle_mode, "per-item") != 0 && strcmp(a.bundle_mode, "jsonl") != 0) {
		opt_usage_error(&u, "invalid --dynamodb-bundle-mode: %s", a.bundle_mode);
		return DECODE_EXIT_FAIL;
	}
	unsigned mask;
	char msg[256];
	if (opt_parse_adapters(a.adapter, 0, &mask, msg, sizeof msg) != 0) {
		opt_usage_error(&u, "%s", msg);
		return DECODE_EXIT_FAIL;
	}
	if (a.snap_dir) return decode_snap_dir(&a, mask);
	return decode_one(&a, mask, a.input, a.output);
}
