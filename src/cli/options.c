/* Table-driven flag parser and --help printer (see options.h). */
#include "options.h"

#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "ekvbackup/ekvbackup.h"

static const struct option *find_opt(const struct option *opts, const char *name, size_t n)
{
	for (const struct option *o = opts; o->name; o++)
		if (strlen(o->name) == n && memcmp(o->name, name, n) == 0) return o;
	return NULL;
}

int opt_parse_bool(const char *s, int *out)
{
	static const char *const yes[] = { "1", "t", "T", "TRUE", "true", "True" };
	static const char *const no[] = { "0", "f", "F", "FALSE", "false", "False" };
	for (size_t i = 0; i < sizeof yes / sizeof yes[0]; i++) {
		if (strcmp(s, yes[i]) == 0) { *out = 1; return 0; }
		if (strcmp(s, no[i]) == 0) { *out = 0; return 0; }
	}
	return -1;
}

static int digit_value(char c)
{
	if (c >= '0' && c <= '9') return c - '0';
	if (c >= 'a' && c <= 'z') return c - 'a' + 10;
	if (c >= 'A' && c <= 'Z') return c - 'A' + 10;
	return 99;
}

/* Go strconv.ParseUint(s, 0, 64): 0x/0o/0b prefixes, a leading 0 means
 * octal, underscores only between digits (a base prefix counts as one). */
int opt_parse_uint(const char *s, uint64_t *out)
{
	unsigned base = 10;
	const char *p = s;
	int explicit_prefix = 0;
	if (p[0] == '0' && p[1] != '\0') {
		char c = (char)tolower((unsigned char)p[1]);
		if (c == 'x' || c == 'o' || c == 'b') {
			base = c == 'x' ? 16 : c == 'o' ? 8 : 2;
			p += 2;
			explicit_prefix = 1;
		} else {
			base = 8;
			p += 1;
		}
	}
	uint64_t v = 0;
	int prev_digit = p != s, saw_digit = 0;
	for (; *p; p++) {
		if (*p == '_') {
			if (!prev_digit) return -1;
			prev_digit = 0;
			continue;
		}
		int d = digit_value(*p);
		if (d < 0 || (unsigned)d >= base) return -1;
		if (v > (UINT64_MAX - (uint64_t)d) / base) return -1;
		v = v * base + (uint64_t)d;
		prev_digit = 1;
		saw_digit = 1;
	}
	if (!prev_digit || (explicit_prefix && !saw_digit)) return -1;
	*out = v;
	return 0;
}

int opt_parse_size(const char *s, uint64_t *out)
{
	static const struct { const char *suffix; unsigned shift; } units[] = {
		{ "KiB", 10 }, { "MiB", 20 }, { "GiB", 30 }, { "TiB", 40 }, { "B", 0 },
	};
	size_t n = strlen(s);
	/* A hex number may end in 'B' (0x1B): try the whole string first. */
	uint64_t v;
	if (opt_parse_uint(s, &v) == 0) { *out = v; return 0; }
	for (size_t i = 0; i < sizeof units / sizeof units[0]; i++) {
		size_t ul = strlen(units[i].suffix);
		if (n <= ul || strcmp(s + n - ul, units[i].suffix) != 0) continue;
		char num[64];
		if (n - ul >= sizeof num) return -1;
		memcpy(num, s, n - ul);
		num[n - ul] = '\0';
		if (opt_parse_uint(num, &v) != 0) return -1;
		if (units[i].shift && v > (UINT64_MAX >> units[i].shift)) return -1;
		*out = v << units[i].shift;
		return 0;
	}
	return -1;
}

int opt_parse_adapters(const char *csv, int fold_case, unsigned *mask, char *msg, size_t cap)
{
	if (csv[0] == '\0' || strcmp(csv, "all") == 0) {
		*mask = EKV_ADAPTERS_ALL;
		return 0;
	}
	unsigned m = 0;
	const char *p = csv;
	while (*p) {
		const char *end = strchr(p, ',');
		if (!end) end = p + strlen(p);
		const char *a = p, *b = end;
		while (a < b && isspace((unsigned char)*a)) a++;
		while (b > a && isspace((unsigned char)b[-1])) b--;
		if (b > a) {
			char name[64];
			size_t n = (size_t)(b - a);
			if (n >= sizeof name) n = sizeof name - 1;
			memcpy(name, a, n);
			name[n] = '\0';
			if (fold_case)
				for (size_t i = 0; i < n; i++)
					name[i] = (char)tolower((unsigned char)name[i]);
			int id = ekv_adapter_by_name(name);
			if (id < 0) {
				if (fold_case) snprintf(msg, cap, "unknown adapter \"%s\"", name);
				else snprintf(msg, cap, "%s: unknown adapter name", name);
				return -1;
			}
			m |= 1u << id;
		}
		p = *end ? end + 1 : end;
	}
	if (m == 0) {
		if (fold_case)
			snprintf(msg, cap,
				 "--adapter \"%s\" selects no adapters; use \"all\" or a comma-separated subset",
				 csv);
		else snprintf(msg, cap, "--adapter selected zero adapters");
		return -1;
	}
	*mask = m;
	return 0;
}

static const char *type_placeholder(const struct option *o)
{
	if (o->argname) return o->argname;
	switch (o->type) {
	case OPT_STRING: return "STRING";
	case OPT_UINT: return "N";
	case OPT_SIZE: return "BYTES";
	default: return "";
	}
}

void opt_usage(const struct cmd_usage *u, FILE *f)
{
	fprintf(f, "usage: ekvbackup %s %s\n\n", u->name, u->synopsis);
	if (u->summary) fprintf(f, "%s\n\n", u->summary);
	fprintf(f, "Flags (-name and --name are the same; values as --name=V or --name V):\n");
	/* Go's PrintDefaults layout: the flag, then its help indented below. */
	for (const struct option *o = u->opts; o->name; o++) {
		if (o->type == OPT_BOOL) fprintf(f, "  --%s\n", o->name);
		else fprintf(f, "  --%s %s\n", o->name, type_placeholder(o));
		fprintf(f, "        %s", o->help);
		if (o->defval) fprintf(f, " (default %s)", o->defval);
		fputc('\n', f);
	}
	fprintf(f, "  -h, --help\n        print this help and exit 0\n");
	if (u->exit_codes) fprintf(f, "\nExit codes:\n%s", u->exit_codes);
}

void opt_usage_error(const struct cmd_usage *u, const char *fmt, ...)
{
	va_list ap;
	fprintf(stderr, "ekvbackup %s: ", u->name);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputs("\n\n", stderr);
	opt_usage(u, stderr);
}

static int set_value(const struct cmd_usage *u, const struct option *o, const char *v)
{
	switch (o->type) {
	case OPT_BOOL:
		if (opt_parse_bool(v, (int *)o->value) != 0) {
			opt_usage_error(u, "invalid boolean value \"%s\" for flag -%s", v, o->name);
			return -1;
		}
		break;
	case OPT_STRING:
		*(const char **)o->value = v;
		break;
	case OPT_UINT:
		if (opt_parse_uint(v, (uint64_t *)o->value) != 0) {
			opt_usage_error(u, "invalid value \"%s\" for flag -%s: not an unsigned integer",
					v, o->name);
			return -1;
		}
		break;
	case OPT_SIZE:
		if (opt_parse_size(v, (uint64_t *)o->value) != 0) {
			opt_usage_error(u, "invalid value \"%s\" for flag -%s: want BYTES with an optional "
					   "KiB/MiB/GiB/TiB suffix", v, o->name);
			return -1;
		}
		break;
	}
	if (o->given) *o->given = 1;
	return 0;
}

enum opt_result opt_parse(const struct cmd_usage *u, int argc, char **argv, const char **pos,
			  int *npos)
{
	int np = 0, only_positional = 0;
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];
		if (only_positional || a[0] != '-' || a[1] == '\0') {
			if (np >= u->max_positional) {
				opt_usage_error(u, "unexpected argument \"%s\"", a);
				return OPT_ERROR;
			}
			pos[np++] = a;
			continue;
		}
		const char *name = a + 1;
		if (*name == '-') {
			name++;
			if (*name == '\0') { only_positional = 1; continue; }   /* "--" */
		}
		if (*name == '-' || *name == '=') {
			opt_usage_error(u, "bad flag syntax: %s", a);
			return OPT_ERROR;
		}
		const char *eq = strchr(name, '=');
		size_t nlen = eq ? (size_t)(eq - name) : strlen(name);
		if ((nlen == 1 && name[0] == 'h') || (nlen == 4 && memcmp(name, "help", 4) == 0)) {
			opt_usage(u, stdout);
			return OPT_HELP;
		}
		const struct option *o = find_opt(u->opts, name, nlen);
		if (!o) {
			opt_usage_error(u, "flag provided but not defined: -%.*s", (int)nlen, name);
			return OPT_ERROR;
		}
		const char *v;
		if (eq) {
			v = eq + 1;
		} else if (o->type == OPT_BOOL) {
			v = "true";   /* a following word is never a bool's value */
		} else {
			if (i + 1 >= argc) {
				opt_usage_error(u, "flag needs an argument: -%s", o->name);
				return OPT_ERROR;
			}
			v = argv[++i];
		}
		if (set_value(u, o, v) != 0) return OPT_ERROR;
	}
	if (npos) *npos = np;
	return OPT_OK;
}
