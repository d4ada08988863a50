/*
 * One option table per subcommand drives both the parser and --help
 * (the git parse-options idea). Syntax is Go's `flag` package
 * (tools.md §2.1): -name and --name are the same, values come as
 * -name=value or as the next word, a bool takes only -name or
 * -name=<ParseBool word>, repeating a flag keeps the last value, and
 * parsing stops at "--". Unlike Go, -h/--help print the usage to stdout.
 */
#ifndef EKV_CLI_OPTIONS_H
#define EKV_CLI_OPTIONS_H
#include <stdint.h>
#include <stdio.h>

enum opt_type {
	OPT_BOOL,          /* int *: 0/1 */
	OPT_STRING,        /* const char **: points into argv */
	OPT_UINT,          /* uint64_t *: Go ParseUint(s, 0, 64) */
	OPT_SIZE,          /* uint64_t *: bytes, optional KiB/MiB/GiB/TiB suffix */
};

struct option {
	const char *name;          /* without dashes */
	enum opt_type type;
	void *value;
	const char *argname;       /* placeholder in --help, e.g. "DIR" */
	const char *defval;        /* default shown in --help, NULL = none */
	const char *help;
	int *given;                /* optional: set to 1 when the flag appears */
};

struct cmd_usage {
	const char *name;          /* "decode" */
	const char *synopsis;      /* "--input FILE --output DIR [flags]" */
	const char *summary;       /* one paragraph */
	const char *exit_codes;    /* lines printed under "Exit codes:" */
	const struct option *opts; /* terminated by a { NULL } entry */
	int usage_exit;            /* exit code for usage errors */
	int max_positional;        /* positional arguments allowed (0 = none) */
};

enum opt_result {
	OPT_OK = 0,
	OPT_HELP,                  /* usage printed to stdout: exit 0 */
	OPT_ERROR,                 /* message + usage printed to stderr */
};

/* Parses argv[1..argc) (argv[0] is the subcommand name). Flags and
 * positional arguments may be mixed; up to max_positional positionals
 * are stored in pos[] and counted in *npos. */
enum opt_result opt_parse(const struct cmd_usage *u, int argc, char **argv, const char **pos,
			  int *npos);
void opt_usage(const struct cmd_usage *u, FILE *f);
/* Prints "ekvbackup <cmd>: <msg>" and the usage to stderr. */
void opt_usage_error(const struct cmd_usage *u, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* Value parsers (0 ok, -1 bad). */
int opt_parse_bool(const char *s, int *out);
int opt_parse_uint(const char *s, uint64_t *out);
int opt_parse_size(const char *s, uint64_t *out);

/* --adapter lists (tools.md §3.1 and §4.1): "" or "all" = every adapter,
 * otherwise a comma list, items trimmed, empty items skipped. decode is
 * case-sensitive, encode lower-cases (fold_case = 1). On error fills
 * msg and returns -1. */
int opt_parse_adapters(const char *csv, int fold_case, unsigned *mask, char *msg, size_t cap);
#endif
