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
static void handle_mismatch(const struct ekv_encode_options *o, const struct ekv_encode_result *r,
			    const char *mismatch_path, const char *info_path)
{
	struct ekv_error err = { 0 };
	const char *text = r->mismatch ? r->mismatch : "self-test failed\n";
	if (ekv_sidecar_write(mismatch_path, text, strlen(text), 0, NULL, &err) != EKV_OK)
		cli_report_error("encode", mismatch_path, err.code, &err);
	if (ekv_encode_info_write(o, r, info_path, NULL, &err) != EKV_OK)
		cli_report_error("encode", info_path, err.code, &err);
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
	o.cancel = cli_cancel_flag();
	struct progress *p = progress_start("encode", a->quiet);
	o.progress = p ? progress_update : NULL;
	o.progress_ud = p;

	struct ekv_encode_result r;
	struct ekv_error err;
	int truncated = 0;
	memset(&r, 0, sizeof r);
	memset(&err, 0, sizeof err);
	int st = ekv_encode(&o, &r, &err);
	progress_stop(p);
	int rc = cli_canceled_exit(st);
	if (rc >= 0) {
		/* interrupted: the library removed its temporary files */
	} else if (st == EKV_ESELFTEST && r.self_test_ran && !r.self_test_matched) {
		handle_mismatch(&o, &r, mismatch_path, info_path);
		fprintf(stderr, "ekvbackup encode: self-test diff (see %s)\n", mismatch_path);
		cli_report_error("encode", a->input, st, &err);
		rc = ENCODE_EXIT_DATA;
	} else if (st != EKV_OK) {
		cli_report_error("encode", a->input, st, &err);
		rc = encode_exit_code(st);
	} else if ((st = ekv_encode_info_write(&o, &r, info_path, &truncated, &err)) != EKV_OK) {
		/* Roll back (tools.md §4.8): no .fsm without its sidecar. */
		cli_report_error("encode", info_path, st, &err);
		unlink(a->output);
		if (truncated) unlink(info_path);
		fprintf(stderr, "ekvbackup encode: sidecar not written; %s removed\n", a->output);
		rc = ENCODE_EXIT_ENV;
	} else {
		char csv[64];
		adapters_csv(r.adapters_run, csv, sizeof csv);
		printf("encoded %s -> %s: bytes=%llu sha256=%s records=%llu last_commit_ts=%llu"
		       " adapters=%s self_test=%s\n",
		       a->input, a->output, (unsigned long long)r.bytes, r.sha256,
		       (unsigned long long)r.records, (unsigned long long)r.last_commit_ts, csv,
		       r.self_test_ran ? (r.self_test_matched ? "matched" : "mismatch") : "off");
		rc = 0;
	}
	free(r.mismatch);
	free(info_path);
	free(mismatch_path);
	return rc;
}

int cmd_encode(int argc, char **argv)
{
	struct encode_args a;
	memset(&a, 0, sizeof a);
	const struct option opts[] = {
		{ "input", OPT_STRING, &a.input, "DIR", NULL, "dump root holding MANIFEST.json (required)", NULL },
		{ "output", OPT_STRING, &a.output, "FILE", NULL,
		  ".fsm to write (required; temporary file + rename); must not exist yet", NULL },
		{ "adapter", OPT_STRING, &a.adapter, "LIST", "the adapters MANIFEST.json lists",
		  "comma list of adapters (case-insensitive) or \"all\"; each must be in MANIFEST.json", NULL },
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
	unsigned mask = 0;   /* 0: the adapters MANIFEST.json lists */
	char msg[256];
	if (a.adapter && opt_parse_adapters(a.adapter, 1, &mask, msg, sizeof msg) != 0) {
		opt_usage_error(&u, "%s", msg);
		return ENCODE_EXIT_ENV;
	}
	uint64_t ts = 0;
	if (a.last_commit_ts && parse_last_commit_ts(a.last_commit_ts, &ts) != 0) {
		opt_usage_error(&u, "invalid --last-commit-ts \"%s\": want a decimal or 0x-hex uint64",
				a.last_commit_ts);
		return ENCODE_EXIT_ENV;
	}
	return run_encode(&a, mask, a.last_commit_ts != NULL, ts);
}
