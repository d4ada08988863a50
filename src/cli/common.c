/* Helpers shared by the subcommands (see cli.h). */
#include <dirent.h>
#include <errno.h>
#include <ftw.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cli.h"

void cli_report_error(const char *cmd, const char *what, int status, const struct ekv_error *err)
{
	char buf[2048];
	fprintf(stderr, "ekvbackup %s: %s%s%s: %s\n", cmd, what ? what : "", what ? ": " : "",
		ekv_status_name((enum ekv_status)status), ekv_error_format(err, buf, sizeof buf));
}

void cli_warn(void *ud, const char *adapter, const char *event, const char *detail)
{
	const int *quiet = ud;
	if (quiet && *quiet) return;
	fprintf(stderr, "warning: %s: %s: %s\n", adapter ? adapter : "core", event, detail);
}

/* Length of the valid UTF-8 sequence at p (1..4), or 0 if invalid. */
static size_t utf8_seq(const unsigned char *p, size_t n, uint32_t *cp)
{
	unsigned char c = p[0];
	size_t len;
	uint32_t v, min;
	if (c < 0x80) { *cp = c; return 1; }
	if (c >= 0xC2 && c <= 0xDF) { len = 2; v = c & 0x1F; min = 0x80; }
	else if (c >= 0xE0 && c <= 0xEF) { len = 3; v = c & 0x0F; min = 0x800; }
	else if (c >= 0xF0 && c <= 0xF4) { len = 4; v = c & 0x07; min = 0x10000; }
	else return 0;
	if (n < len) return 0;
	for (size_t i = 1; i < len; i++) {
		if ((p[i] & 0xC0) != 0x80) return 0;
		v = (v << 6) | (p[i] & 0x3F);
	}
	if (v < min || v > 0x10FFFF || (v >= 0xD800 && v <= 0xDFFF)) return 0;
	*cp = v;
	return len;
}

void cli_json_quote(FILE *f, const char *s, size_t n, int html)
{
	static const char hex[] = "0123456789abcdef";
	const unsigned char *p = (const unsigned char *)s;
	fputc('"', f);
	for (size_t i = 0; i < n;) {
		unsigned char c = p[i];
		uint32_t cp;
		if (c < 0x80) {
			switch (c) {
			case '"': fputs("\\\"", f); break;
			case '\\': fputs("\\\\", f); break;
			case '\b': fputs("\\b", f); break;
			case '\f': fputs("\\f", f); break;
			case '\n': fputs("\\n", f); break;
			case '\r': fputs("\\r", f); break;
			case '\t': fputs("\\t", f); break;
			default:
				if (c < 0x20 || (html && (c == '<' || c == '>' || c == '&')))
					fprintf(f, "\\u00%c%c", hex[c >> 4], hex[c & 15]);
				else fputc(c, f);
			}
			i++;
			continue;
		}
		size_t len = utf8_seq(p + i, n - i, &cp);
		if (len == 0) {
			fputs("\\ufffd", f);
			i++;
			continue;
		}
		if (cp == 0x2028 || cp == 0x2029) fprintf(f, "\\u%04x", (unsigned)cp);
		else fwrite(p + i, 1, len, f);
		i += len;
	}
	fputc('"', f);
}

static volatile pid_t guarded_child;

static void forward_signal(int sig)
{
	if (guarded_child > 0) kill(guarded_child, sig);
}

int cli_run_guarded(int (*fn)(void *), void (*cleanup)(void *), void *ud)
{
	static const int sigs[] = { SIGINT, SIGTERM, SIGHUP };
	struct sigaction sa, old[3];
	fflush(stdout);
	fflush(stderr);
	pid_t pid = fork();
	if (pid < 0) return fn(ud);          /* no fork: run unguarded */
	if (pid == 0) {
		int rc = fn(ud);
		fflush(stdout);
		fflush(stderr);
		exit(rc);   /* not _exit: LeakSanitizer checks the child */
	}
	guarded_child = pid;
	memset(&sa, 0, sizeof sa);
	sa.sa_handler = forward_signal;
	sigemptyset(&sa.sa_mask);
	/* Signals the caller ignores (nohup, background jobs) stay ignored. */
	for (int i = 0; i < 3; i++) {
		sigaction(sigs[i], NULL, &old[i]);
		if (old[i].sa_handler != SIG_IGN) sigaction(sigs[i], &sa, NULL);
	}
	int status = 0;
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {
	}
	guarded_child = 0;
	for (int i = 0; i < 3; i++) sigaction(sigs[i], &old[i], NULL);
	if (WIFEXITED(status)) return WEXITSTATUS(status);
	int sig = WIFSIGNALED(status) ? WTERMSIG(status) : SIGTERM;
	if (cleanup) cleanup(ud);
	fprintf(stderr, "\nekvbackup: interrupted by signal %d; partial files removed\n", sig);
	return 128 + sig;
}

static int remove_entry(const char *path, const struct stat *st, int type, struct FTW *ftw)
{
	(void)st;
	if (ftw->level == 0) return 0;      /* the root is handled by the caller */
	if (type == FTW_DP) rmdir(path);
	else unlink(path);
	return 0;
}

void cli_remove_tree(const char *path, int keep_root)
{
	struct stat st;
	if (lstat(path, &st) != 0) return;
	if (!S_ISDIR(st.st_mode)) {
		unlink(path);
		return;
	}
	nftw(path, remove_entry, 16, FTW_DEPTH | FTW_PHYS);
	if (!keep_root) rmdir(path);
}

char **cli_list_prefixed(const char *dir, const char *prefix)
{
	DIR *d = opendir(dir);
	if (!d) return NULL;
	size_t n = 0, cap = 8, plen = strlen(prefix);
	char **v = malloc(cap * sizeof *v);
	struct dirent *de;
	while (v && (de = readdir(d)) != NULL) {
		if (strncmp(de->d_name, prefix, plen) != 0) continue;
		if (n + 1 >= cap) {
			char **nv = realloc(v, (cap *= 2) * sizeof *v);
			if (!nv) break;
			v = nv;
		}
		if ((v[n] = strdup(de->d_name)) != NULL) n++;
	}
	closedir(d);
	if (v) v[n] = NULL;
	return v;
}

int cli_list_has(char *const *list, const char *name)
{
	for (; list && *list; list++)
		if (strcmp(*list, name) == 0) return 1;
	return 0;
}

void cli_list_free(char **list)
{
	for (char **p = list; p && *p; p++) free(*p);
	free(list);
}
