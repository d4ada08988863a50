/*
 * ekvbackup encode: a dump tree back into a .fsm (bare EKVPBBL1, or the
 * node wrapper with --node-format, D3), plus the provenance sidecar
 * <output>.encode_info.json (tools.md §4.7) and, after a failed
 * self-test, <output>.mismatch.txt (§4.6.4). Exit 0 ok, 1 usage and
 * environment errors, 2 data errors (§4.9).
 */
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "cli.h"
#include "options.h"
#include "progress.h"

#define ENCODE_EXIT_ENV 1
#define ENCODE_EXIT_DATA 2

static const char encode_exit_codes[] =
	"  0  success: <output> and <output>.encode_info.json written\n"
	"  1  usage or environment error (flags, missing MANIFEST.json, I/O, refused sidecar)\n"
	"  2  data error: invalid manifest or format_version, invalid dump content, duplicate\n"
	"     key, key/value too large, unsupported layout, self-test mismatch\n";

struct encode_args {
	const char *input, *output, *adapter, *last_commit_ts, *scratch_root, *tmpdir;
	int self_test, node_format, quiet;
};

/* Statuses that mean "the dump tree's data is wrong" (upstream's exit-2
 * sentinels, tools.md §4.9); everything else is environment (exit 1). */
static int encode_exit_code(int st)
{
	switch (st) {
	case EKV_EMANIFEST:
	case EKV_EVERSION:
	case EKV_EINPUT:
	case EKV_EDUPLICATE:
	case EKV_EDATA:
	case EKV_ESELFTEST:
	case EKV_EKEYTOOLARGE:
	case EKV_EVALUETOOLARGE:
	case EKV_EKEYMAP:
	case EKV_EUNSUPPORTED:
		return ENCODE_EXIT_DATA;
	default:
		return ENCODE_EXIT_ENV;
	}
}

/* tools.md §4.4: trimmed; 0x/0X + hex, else decimal; nothing else. */
static int parse_last_commit_ts(const char *s, uint64_t *out)
{
	while (*s && isspace((unsigned char)*s)) s++;
	size_t n = strlen(s);
	while (n && isspace((unsigned char)s[n - 1])) n--;
	if (n == 0) return -1;
	unsigned base = 10;
	size_t i = 0;
	if (n >= 2 && s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
		base = 16;
		i = 2;
		if (n == 2) return -1;
	}
	uint64_t v = 0;
	for (; i < n; i++) {
		int d;
		char c = s[i];
		if (c >= '0' && c <= '9') d = c - '0';
		else if (base == 16 && c >= 'a' && c <= 'f') d = c - 'a' + 10;
		else if (base == 16 && c >= 'A' && c <= 'F') d = c - 'A' + 10;
		else return -1;
		if (v > (UINT64_MAX - (uint64_t)d) / base) return -1;
		v = v * base + (uint64_t)d;
	}
	*out = v;
	return 0;
}

/* Go time.RFC3339Nano in UTC: fraction without trailing zeros. */
static void wall_time_iso(char *buf, size_t cap)
{
	struct timespec ts;
	struct tm tm;
	clock_gettime(CLOCK_REALTIME, &ts);
	gmtime_r(&ts.tv_sec, &tm);
	size_t n = strftime(buf, cap, "%Y-%m-%dT%H:%M:%S", &tm);
	if (ts.tv_nsec) {
		char frac[16];
		snprintf(frac, sizeof frac, ".%09ld", ts.tv_nsec);
		size_t fl = strlen(frac);
		while (fl > 1 && frac[fl - 1] == '0') frac[--fl] = '\0';
		snprintf(buf + n, cap - n, "%s", frac);
		n += fl;
	}
	snprintf(buf + n, cap - n, "Z");
}

static int fsync_parent(const char *path)
{
	char *dup = strdup(path);
	if (!dup) return -1;
	char *slash = strrchr(dup, '/');
	const char *dir = ".";
	if (slash == dup) dir = "/";
	else if (slash) { *slash = '\0'; dir = dup; }
	int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	int rc = -1;
	if (fd >= 0) {
		rc = fsync(fd);
		close(fd);
	}
	free(dup);
	return rc;
}

/* Sidecar open (tools.md §2.5 b): no-follow, no FIFO, regular files with
 * one link only, truncated and forced to 0600. *truncated tells whether
 * an existing file was emptied by this call. */
static int open_sidecar(const char *path, int *truncated)
{
	*truncated = 0;
	int fd = open(path, O_WRONLY | O_CREAT | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC, 0600);
	if (fd < 0) {
		if (errno == ELOOP) fprintf(stderr, "ekvbackup encode: refusing to overwrite symlink at %s\n", path);
		else if (errno == ENXIO) fprintf(stderr, "ekvbackup encode: refusing to write to FIFO at %s\n", path);
		else fprintf(stderr, "ekvbackup encode: cannot open %s: %s\n", path, strerror(errno));
		return -1;
	}
	struct stat st;
	const char *why = NULL;
	if (fstat(fd, &st) != 0) why = strerror(errno);
	else if (!S_ISREG(st.st_mode)) why = "refusing to write to non-regular file";
	else if (st.st_nlink > 1) why = "refusing to overwrite hard-linked file";
	if (!why && (ftruncate(fd, 0) != 0 || fchmod(fd, 0600) != 0)) why = strerror(errno);
	if (why) {
		fprintf(stderr, "ekvbackup encode: %s: %s\n", path, why);
		close(fd);
		return -1;
	}
	*truncated = 1;
	return fd;
}

/* Writes data to path with the sidecar rules, fsyncs it and (if
 * sync_dir) its directory. Returns 0 or -1 (message printed). */
static int write_sidecar(const char *path, const char *data, size_t len, int sync_dir,
			 int *truncated)
{
	int fd = open_sidecar(path, truncated);
	if (fd < 0) return -1;
	size_t off = 0;
	while (off < len) {
		ssize_t w = write(fd, data + off, len - off);
		if (w < 0) {
			if (errno == EINTR) continue;
			break;
		}
		off += (size_t)w;
	}
	int err = off < len ? errno : 0;
	if (!err && sync_dir && fsync(fd) != 0) err = errno;
	if (close(fd) != 0 && !err) err = errno;
	if (!err && sync_dir && fsync_parent(path) != 0) err = errno;
	if (err) {
		fprintf(stderr, "ekvbackup encode: write %s: %s\n", path, strerror(err));
		return -1;
	}
	return 0;
}

/* ENCODE_INFO.json (tools.md §4.7): Go json.Encoder, indent 2, HTML
 * escaping on, one trailing newline. Returns malloc'ed text. */
static char *encode_info_json(const struct encode_args *a, const struct ekv_encode_result *r,
			      unsigned enabled, size_t *len)
{
	static const int canonical[] = { EKV_ADAPTER_REDIS, EKV_ADAPTER_DYNAMODB, EKV_ADAPTER_S3,
					 EKV_ADAPTER_SQS };
	char *text = NULL;
	FILE *f = open_memstream(&text, len);
	if (!f) return NULL;
	char when[64];
	wall_time_iso(when, sizeof when);
	fprintf(f, "{\n  \"format_version\": 1,\n  \"encoder_version\": ");
	cli_json_quote(f, "ekvbackup " EKV_VERSION_STRING, strlen("ekvbackup " EKV_VERSION_STRING), 1);
	fprintf(f, ",\n  \"encoder_key_format_version\": 1,\n  \"wall_time_iso\": \"%s\",\n", when);
	fprintf(f, "  \"input_root\": ");
	cli_json_quote(f, a->input, strlen(a->input), 1);
	fprintf(f, ",\n  \"output_fsm_path\": ");
	cli_json_quote(f, a->output, strlen(a->output), 1);
	fprintf(f, ",\n  \"output_fsm_sha256\": \"%s\",\n", r->sha256);
	fprintf(f, "  \"last_commit_ts\": %llu,\n", (unsigned long long)r->last_commit_ts);
	fprintf(f, "  \"last_commit_ts_overridden\": %s,\n", r->overridden ? "true" : "false");
	fprintf(f, "  \"manifest_last_commit_ts\": %llu,\n",
		(unsigned long long)r->manifest_last_commit_ts);
	if (r->cluster_id[0]) {
		fprintf(f, "  \"manifest_cluster_id\": ");
		cli_json_quote(f, r->cluster_id, strnlen(r->cluster_id, sizeof r->cluster_id), 1);
		fprintf(f, ",\n");
	}
	fprintf(f, "  \"adapters_enabled\": [");
	int n = 0;
	for (size_t i = 0; i < sizeof canonical / sizeof canonical[0]; i++) {
		if (!(enabled & (1u << canonical[i]))) continue;
		fprintf(f, "%s\n    \"%s\"", n ? "," : "", ekv_adapter_name(canonical[i]));
		n++;
	}
	fprintf(f, n ? "\n  ],\n" : "],\n");
	fprintf(f, "  \"self_test\": {\n    \"ran\": %s,\n    \"matched\": %s\n  }\n}\n",
		r->self_test_ran ? "true" : "false", r->self_test_matched ? "true" : "false");
	if (fclose(f) != 0) {
		free(text);
		return NULL;
	}
	return text;
}

static char *path_with_suffix(const char *path, const char *suffix)
{
	size_t a = strlen(path), b = strlen(suffix);
	char *p = malloc(a + b + 1);
	if (p) {
		memcpy(p, path, a);
		memcpy(p + a, suffix, b + 1);
	}
	return p;
}

static void adapters_csv(unsigned bits, char *buf, size_t cap)
{
	static const int canonical[] = { EKV_ADAPTER_REDIS, EKV_ADAPTER_DYNAMODB, EKV_ADAPTER_S3,
					 EKV_ADAPTER_SQS };
	size_t o = 0;
	buf[0] = '\0';
	for (size_t i = 0; i < sizeof canonical / sizeof canonical[0]; i++)
		if (bits & (1u << canonical[i]))
			o += (size_t)snprintf(buf + o, cap - o, "%s%s", o ? "," : "",
					      ekv_adapter_name(canonical[i]));
}

/* Self-test mismatch (tools.md §4.6.4): mismatch.txt and a sidecar with
 * matched:false. Nothing was published: the library refuses an existing
 * <output> up front and only renames the temporary file on a match. */
static void handle_mismatch(const struct encode_args *a, const struct ekv_encode_result *r,
			    unsigned enabled, const char *mismatch_path, const char *info_path)
{
	int truncated;
	const char *text = r->mismatch ? r->mismatch : "self-test failed\n";
	if (write_sidecar(mismatch_path, text, strlen(text), 0, &truncated) != 0)
		fprintf(stderr, "warning: encode: could not write %s\n", mismatch_path);
	size_t len;
	char *info = encode_info_json(a, r, enabled, &len);
	if (!info || write_sidecar(info_path, info, len, 1, &truncated) != 0)
		fprintf(stderr, "warning: encode: could not write %s\n", info_path);
	free(info);
}

static int run_encode(const struct encode_args *a, unsigned mask, int has_ts, uint64_t ts)
{
	char *info_path = path_with_suffix(a->output, ".encode_info.json");
	char *mismatch_path = path_with_suffix(a->output, ".mismatch.txt");
	if (!info_path || !mismatch_path) {
		free(info_path);
		free(mismatch_path);
		fprintf(stderr, "ekvbackup encode: out of memory\n");
		return ENCODE_EXIT_ENV;
	}
	unlink(mismatch_path);

	struct ekv_encode_options o;
	memset(&o, 0, sizeof o);
	o.input = a->input;
	o.output = a->output;
	o.tmpdir = a->tmpdir && *a->tmpdir ? a->tmpdir
		 : a->scratch_root && *a->scratch_root ? a->scratch_root : NULL;
	o.adapters = mask;
	o.has_last_commit_ts = has_ts;
	o.last_commit_ts = ts;
	o.self_test = a->self_test;
	o.node_format = a->node_format;
	struct progress *p = progress_start("encode", a->quiet);
	o.progress = p ? progress_update : NULL;
	o.progress_ud = p;

	struct ekv_encode_result r;
	struct ekv_error err;
	memset(&r, 0, sizeof r);
	memset(&err, 0, sizeof err);
	int st = ekv_encode(&o, &r, &err);
	progress_stop(p);
	int rc = 0;
	if (st == EKV_ESELFTEST && r.self_test_ran && !r.self_test_matched) {
		handle_mismatch(a, &r, mask, mismatch_path, info_path);
		fprintf(stderr, "ekvbackup encode: self-test diff (see %s)\n", mismatch_path);
		cli_report_error("encode", a->input, st, &err);
		rc = ENCODE_EXIT_DATA;
	} else if (st != EKV_OK) {
		cli_report_error("encode", a->input, st, &err);
		rc = encode_exit_code(st);
	} else {
		size_t len;
		int truncated = 0;
		/* adapters_enabled lists every selected adapter, also those
		 * whose subtree is absent (upstream invokes them all). */
		char *info = encode_info_json(a, &r, mask, &len);
		if (!info || write_sidecar(info_path, info, len, 1, &truncated) != 0) {
			/* Roll back (tools.md §4.8): no .fsm without its sidecar. */
			unlink(a->output);
			if (truncated) unlink(info_path);
			fprintf(stderr, "ekvbackup encode: sidecar not written; %s removed\n", a->output);
			rc = ENCODE_EXIT_ENV;
		} else {
			char csv[64];
			adapters_csv(mask, csv, sizeof csv);
			printf("encoded %s -> %s: bytes=%llu sha256=%s records=%llu last_commit_ts=%llu"
			       " adapters=%s self_test=%s\n",
			       a->input, a->output, (unsigned long long)r.bytes, r.sha256,
			       (unsigned long long)r.records, (unsigned long long)r.last_commit_ts, csv,
			       r.self_test_ran ? (r.self_test_matched ? "matched" : "mismatch") : "off");
		}
		free(info);
	}
	free(r.mismatch);
	free(info_path);
	free(mismatch_path);
	return rc;
}

struct encode_job {
	const struct encode_args *a;
	unsigned mask;
	int has_ts;
	uint64_t ts;
	char *out_dir, *out_base, *scratch_dir;
	char **tmp_before, **scratch_before;
	int output_existed, info_existed;
};

static int encode_job_run(void *ud)
{
	struct encode_job *j = ud;
	return run_encode(j->a, j->mask, j->has_ts, j->ts);
}

static int path_exists(const char *p)
{
	struct stat st;
	return lstat(p, &st) == 0;
}

/* Removes the entries with prefix that appeared in dir during the run. */
static void remove_new_entries(const char *dir, const char *prefix, char **before)
{
	char **now = cli_list_prefixed(dir, prefix);
	for (char **p = now; p && *p; p++) {
		if (cli_list_has(before, *p)) continue;
		size_t n = strlen(dir) + strlen(*p) + 2;
		char *full = malloc(n);
		if (!full) continue;
		snprintf(full, n, "%s/%s", dir, *p);
		cli_remove_tree(full, 0);
		free(full);
	}
	cli_list_free(now);
}

/* After Ctrl-C: the temporary .fsm, self-test scratch trees, and an
 * output or sidecar that did not exist before this run. */
static void encode_job_cleanup(void *ud)
{
	struct encode_job *j = ud;
	char *tmp_prefix = path_with_suffix(j->out_base, ".tmp-");
	if (tmp_prefix) remove_new_entries(j->out_dir, tmp_prefix, j->tmp_before);
	free(tmp_prefix);
	remove_new_entries(j->scratch_dir, "encode-self-test-", j->scratch_before);
	char *info = path_with_suffix(j->a->output, ".encode_info.json");
	if (!j->output_existed) unlink(j->a->output);
	if (info && !j->info_existed) unlink(info);
	free(info);
}

static int encode_guarded(const struct encode_args *a, unsigned mask, int has_ts, uint64_t ts)
{
	struct encode_job j = { a, mask, has_ts, ts, NULL, NULL, NULL, NULL, NULL, 0, 0 };
	const char *slash = strrchr(a->output, '/');
	j.out_dir = slash ? strndup(a->output, slash == a->output ? 1 : (size_t)(slash - a->output))
			  : strdup(".");
	j.out_base = strdup(slash ? slash + 1 : a->output);
	const char *scratch = a->tmpdir && *a->tmpdir ? a->tmpdir
			    : a->scratch_root && *a->scratch_root ? a->scratch_root : NULL;
	j.scratch_dir = scratch ? strdup(scratch) : j.out_dir ? strdup(j.out_dir) : NULL;
	if (!j.out_dir || !j.out_base || !j.scratch_dir) {
		free(j.out_dir);
		free(j.out_base);
		free(j.scratch_dir);
		fprintf(stderr, "ekvbackup encode: out of memory\n");
		return ENCODE_EXIT_ENV;
	}
	char *tmp_prefix = path_with_suffix(j.out_base, ".tmp-");
	j.tmp_before = tmp_prefix ? cli_list_prefixed(j.out_dir, tmp_prefix) : NULL;
	free(tmp_prefix);
	j.scratch_before = cli_list_prefixed(j.scratch_dir, "encode-self-test-");
	j.output_existed = path_exists(a->output);
	char *info = path_with_suffix(a->output, ".encode_info.json");
	j.info_existed = info ? path_exists(info) : 1;
	free(info);
	int rc = cli_run_guarded(encode_job_run, encode_job_cleanup, &j);
	cli_list_free(j.tmp_before);
	cli_list_free(j.scratch_before);
	free(j.out_dir);
	free(j.out_base);
	free(j.scratch_dir);
	return rc;
}

int cmd_encode(int argc, char **argv)
{
	struct encode_args a;
	memset(&a, 0, sizeof a);
	a.adapter = "dynamodb,s3,redis,sqs";
	const struct option opts[] = {
		{ "input", OPT_STRING, &a.input, "DIR", NULL, "dump root holding MANIFEST.json (required)", NULL },
		{ "output", OPT_STRING, &a.output, "FILE", NULL,
		  ".fsm to write (required; temporary file + rename); must not exist yet", NULL },
		{ "adapter", OPT_STRING, &a.adapter, "LIST", "\"dynamodb,s3,redis,sqs\"",
		  "comma list of adapters (case-insensitive) or \"all\"", NULL },
		{ "last-commit-ts", OPT_STRING, &a.last_commit_ts, "TS", "MANIFEST last_commit_ts",
		  "override the HLC commit timestamp (decimal or 0x hex, >= the manifest's)", NULL },
		{ "self-test", OPT_BOOL, &a.self_test, NULL, "false",
		  "decode the result and compare with --input; publish only on a match", NULL },
		{ "scratch-root", OPT_STRING, &a.scratch_root, "DIR", "\"\"",
		  "self-test scratch directory (same as --tmpdir)", NULL },
		{ "tmpdir", OPT_STRING, &a.tmpdir, "DIR", "beside --output",
		  "directory for sort spills and the self-test scratch tree", NULL },
		{ "node-format", OPT_BOOL, &a.node_format, NULL, "false",
		  "write a node's fsm-snap file (EKVTHLC1 header + CRC32C footer, D3)", NULL },
		{ "quiet", OPT_BOOL, &a.quiet, NULL, "false", "no progress line on stderr", NULL },
		{ NULL, 0, NULL, NULL, NULL, NULL, NULL },
	};
	const struct cmd_usage u = {
		"encode", "--input DIR --output FILE [flags]",
		"Encodes a dump tree into an EKVPBBL1 snapshot and writes <output>.encode_info.json.\n"
		"Prints a one-line summary (bytes, sha256, records) on stdout.",
		encode_exit_codes, opts, ENCODE_EXIT_ENV, 0,
	};
	switch (opt_parse(&u, argc, argv, NULL, NULL)) {
	case OPT_HELP: return 0;
	case OPT_ERROR: return ENCODE_EXIT_ENV;
	case OPT_OK: break;
	}
	if (!a.input || !*a.input) {
		opt_usage_error(&u, "--input is required");
		return ENCODE_EXIT_ENV;
	}
	if (!a.output || !*a.output) {
		opt_usage_error(&u, "--output is required");
		return ENCODE_EXIT_ENV;
	}
	unsigned mask;
	char msg[256];
	if (opt_parse_adapters(a.adapter, 1, &mask, msg, sizeof msg) != 0) {
		opt_usage_error(&u, "%s", msg);
		return ENCODE_EXIT_ENV;
	}
	uint64_t ts = 0;
	if (a.last_commit_ts && parse_last_commit_ts(a.last_commit_ts, &ts) != 0) {
		opt_usage_error(&u, "invalid --last-commit-ts \"%s\": want a decimal or 0x-hex uint64",
				a.last_commit_ts);
		return ENCODE_EXIT_ENV;
	}
	return encode_guarded(&a, mask, a.last_commit_ts != NULL, ts);
}
