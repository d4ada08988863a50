/*
 * ekvbackup inspect FILE [--json]: reads a snapshot without writing
 * anything and prints its header, wrapper, the count per prefix class and
 * per adapter, and whether the counters add up (total = tombstone +
 * superseded + operational + internal + unknown + per-adapter).
 * Exit 0 ok, 1 unreadable snapshot or counters that do not add up,
 * 2 usage error.
 */
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "options.h"
#include "progress.h"

#define INSPECT_EXIT_FAIL 1
#define INSPECT_EXIT_USAGE 2

static uint64_t counted_sum(const struct ekv_counters *c)
{
	uint64_t s = c->tombstone + c->superseded + c->operational + c->internal + c->unknown;
	for (int i = 0; i < EKV_ADAPTER_COUNT; i++) s += c->adapter[i];
	return s;
}

static const char *wrapper_name(int w)
{
	return w == 1 ? "EKVTHLC1" : w == 2 ? "EKVTHLC2" : "none";
}

static void print_text(const char *input, const struct ekv_inspect_result *r, int consistent)
{
	const struct ekv_counters *c = &r->counters;
	printf("file:            %s\n", input);
	printf("size:            %llu bytes\n", (unsigned long long)r->file_bytes);
	printf("magic:           %s\n", r->magic);
	printf("node wrapper:    %s\n", wrapper_name(r->node_wrapper));
	printf("last_commit_ts:  %llu (0x%016llx)\n", (unsigned long long)r->last_commit_ts,
	       (unsigned long long)r->last_commit_ts);
	printf("\n%-32s %-9s %12s %16s\n", "prefix class", "adapter", "records", "bytes");
	for (size_t i = 0; i < r->n_classes; i++) {
		const struct ekv_inspect_class *k = &r->classes[i];
		printf("%-32s %-9s %12llu %16llu\n", k->prefix,
		       k->adapter >= 0 ? ekv_adapter_name(k->adapter) : "-",
		       (unsigned long long)k->count, (unsigned long long)k->bytes);
	}
	printf("\ncounters:\n");
	printf("  %-12s %llu\n", "total", (unsigned long long)c->total);
	for (int i = 0; i < EKV_ADAPTER_COUNT; i++)
		printf("  %-12s %llu%s\n", ekv_adapter_name(i), (unsigned long long)c->adapter[i],
		       ekv_adapter_can_decode(i) ? "" : " (not yet supported)");
	printf("  %-12s %llu\n  %-12s %llu\n  %-12s %llu\n  %-12s %llu\n  %-12s %llu\n",
	       "tombstone", (unsigned long long)c->tombstone, "superseded",
	       (unsigned long long)c->superseded, "operational", (unsigned long long)c->operational,
	       "internal", (unsigned long long)c->internal, "unknown", (unsigned long long)c->unknown);
	printf("check: total %llu %s tombstone+superseded+operational+internal+unknown+adapters %llu\n",
	       (unsigned long long)c->total, consistent ? "==" : "!=",
	       (unsigned long long)counted_sum(c));
}

static void print_json(const char *input, const struct ekv_inspect_result *r, int consistent)
{
	const struct ekv_counters *c = &r->counters;
	printf("{\n  \"file\": ");
	cli_json_quote(stdout, input, strlen(input), 0);
	printf(",\n  \"file_bytes\": %llu,\n  \"magic\": ", (unsigned long long)r->file_bytes);
	cli_json_quote(stdout, r->magic, strnlen(r->magic, sizeof r->magic), 0);
	printf(",\n  \"node_wrapper\": %d,\n  \"last_commit_ts\": %llu,\n", r->node_wrapper,
	       (unsigned long long)r->last_commit_ts);
	printf("  \"classes\": [");
	for (size_t i = 0; i < r->n_classes; i++) {
		const struct ekv_inspect_class *k = &r->classes[i];
		printf("%s\n    {\"prefix\": ", i ? "," : "");
		cli_json_quote(stdout, k->prefix, strnlen(k->prefix, sizeof k->prefix), 0);
		printf(", \"adapter\": ");
		if (k->adapter >= 0) printf("\"%s\"", ekv_adapter_name(k->adapter));
		else printf("null");
		printf(", \"count\": %llu, \"bytes\": %llu}", (unsigned long long)k->count,
		       (unsigned long long)k->bytes);
	}
	printf(r->n_classes ? "\n  ],\n" : "],\n");
	printf("  \"counters\": {\n    \"total\": %llu,\n", (unsigned long long)c->total);
	printf("    \"tombstone\": %llu,\n    \"superseded\": %llu,\n    \"operational\": %llu,\n"
	       "    \"internal\": %llu,\n    \"unknown\": %llu,\n",
	       (unsigned long long)c->tombstone, (unsigned long long)c->superseded,
	       (unsigned long long)c->operational, (unsigned long long)c->internal,
	       (unsigned long long)c->unknown);
	for (int i = 0; i < EKV_ADAPTER_COUNT; i++)
		printf("    \"%s\": %llu,\n", ekv_adapter_name(i), (unsigned long long)c->adapter[i]);
	printf("    \"warnings\": %llu,\n    \"orphan_ttls\": %llu\n  },\n",
	       (unsigned long long)c->warnings, (unsigned long long)c->orphan_ttls);
	printf("  \"not_yet_supported\": [");
	int n = 0;
	for (int i = 0; i < EKV_ADAPTER_COUNT; i++)
		if (!ekv_adapter_can_decode(i)) printf("%s\"%s\"", n++ ? ", " : "", ekv_adapter_name(i));
	printf("],\n  \"consistent\": %s\n}\n", consistent ? "true" : "false");
}

int cmd_inspect(int argc, char **argv)
{
	const char *input = NULL;
	int json = 0, quiet = 0;
	const struct option opts[] = {
		{ "input", OPT_STRING, &input, "FILE", NULL, "snapshot (or give it as the argument)", NULL },
		{ "json", OPT_BOOL, &json, NULL, "false", "print one JSON document instead of text", NULL },
		{ "quiet", OPT_BOOL, &quiet, NULL, "false", "no progress line on stderr", NULL },
		{ NULL, 0, NULL, NULL, NULL, NULL, NULL },
	};
	const struct cmd_usage u = {
		"inspect", "[flags] FILE",
		"Reads a snapshot (bare or node-wrapped) without writing anything and prints its\n"
		"header and record counts per prefix class and per adapter.",
		"  0  ok, counters consistent\n"
		"  1  unreadable or malformed snapshot, or counters that do not add up\n"
		"  2  usage error\n",
		opts, INSPECT_EXIT_USAGE, 1,
	};
	const char *pos[1];
	int npos = 0;
	switch (opt_parse(&u, argc, argv, pos, &npos)) {
	case OPT_HELP: return 0;
	case OPT_ERROR: return INSPECT_EXIT_USAGE;
	case OPT_OK: break;
	}
	if (npos == 1 && input) {
		opt_usage_error(&u, "give the snapshot once (argument or --input)");
		return INSPECT_EXIT_USAGE;
	}
	if (npos == 1) input = pos[0];
	if (!input || !*input) {
		opt_usage_error(&u, "a snapshot file is required");
		return INSPECT_EXIT_USAGE;
	}
	static struct ekv_inspect_result r;
	struct ekv_error err;
	memset(&r, 0, sizeof r);
	memset(&err, 0, sizeof err);
	struct progress *p = progress_start("inspect", quiet);
	int st = ekv_inspect(input, p ? progress_update : NULL, p, &r, &err);
	progress_stop(p);
	if (st != EKV_OK) {
		cli_report_error("inspect", input, st, &err);
		return INSPECT_EXIT_FAIL;
	}
	int consistent = counted_sum(&r.counters) == r.counters.total;
	if (json) print_json(input, &r, consistent);
	else print_text(input, &r, consistent);
	if (!consistent) {
		fprintf(stderr, "ekvbackup inspect: counters do not add up\n");
		return INSPECT_EXIT_FAIL;
	}
	return 0;
}
