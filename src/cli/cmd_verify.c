/*
 * ekvbackup verify DIR: checks a dump tree against its CHECKSUMS (missing,
 * extra and altered files), MANIFEST.json and every KEYMAP.jsonl. Each
 * problem is one line "<path>: <problem>" on stdout (control bytes in the
 * path escaped), then a summary.
 * Exit 0 clean, 1 problems found, 2 usage error.
 */
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "options.h"

#define VERIFY_EXIT_PROBLEMS 1
#define VERIFY_EXIT_USAGE 2

/* Paths come from the tree and may hold any byte but '/' and NUL: control
 * bytes and backslashes are printed as \xHH so each problem stays one line. */
static void print_path(const char *path)
{
	for (const unsigned char *p = (const unsigned char *)path; *p; p++) {
		if (*p < 0x20 || *p == 0x7f || *p == '\\') printf("\\x%02x", *p);
		else putchar(*p);
	}
}

static void print_problem(void *ud, const char *path, const char *problem)
{
	(void)ud;
	if (path && *path) print_path(path);
	else fputs("(root)", stdout);
	printf(": %s\n", problem);
}

int cmd_verify(int argc, char **argv)
{
	const char *input = NULL;
	int quiet = 0;
	const struct option opts[] = {
		{ "input", OPT_STRING, &input, "DIR", NULL, "dump root (or give it as the argument)", NULL },
		{ "quiet", OPT_BOOL, &quiet, NULL, "false", "print only the summary line", NULL },
		{ NULL, 0, NULL, NULL, NULL, NULL, NULL },
	};
	const struct cmd_usage u = {
		"verify", "[flags] DIR",
		"Checks a dump tree: CHECKSUMS against the files (missing, extra, altered),\n"
		"MANIFEST.json and every KEYMAP.jsonl. Problems are listed on stdout.",
		"  0  clean\n  1  problems found (or the tree could not be read)\n  2  usage error\n",
		opts, VERIFY_EXIT_USAGE, 1,
	};
	const char *pos[1];
	int npos = 0;
	switch (opt_parse(&u, argc, argv, pos, &npos)) {
	case OPT_HELP: return 0;
	case OPT_ERROR: return VERIFY_EXIT_USAGE;
	case OPT_OK: break;
	}
	if (npos == 1 && input) {
		opt_usage_error(&u, "give the dump root once (argument or --input)");
		return VERIFY_EXIT_USAGE;
	}
	if (npos == 1) input = pos[0];
	if (!input || !*input) {
		opt_usage_error(&u, "a dump root is required");
		return VERIFY_EXIT_USAGE;
	}
	struct ekv_verify_result r;
	struct ekv_error err;
	memset(&r, 0, sizeof r);
	memset(&err, 0, sizeof err);
	int st = ekv_verify(input, quiet ? NULL : print_problem, NULL, &r, &err);
	fflush(stdout);
	if (st != EKV_OK) {
		cli_report_error("verify", input, st, &err);
		printf("verify %s: FAILED: %llu files checked, %llu problems\n", input,
		       (unsigned long long)r.files_checked, (unsigned long long)r.problems);
		return VERIFY_EXIT_PROBLEMS;
	}
	printf("verify %s: OK: %llu files checked, 0 problems\n", input,
	       (unsigned long long)r.files_checked);
	return 0;
}
