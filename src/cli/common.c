/* Helpers shared by the subcommands (see cli.h). */
#include <errno.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
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

static volatile int cancel_signal;

static void on_signal(int sig)
{
	if (cancel_signal) {
		/* second signal: stop now, the default way */
		signal(sig, SIG_DFL);
		raise(sig);
	}
	cancel_signal = sig;
}

const volatile int *cli_cancel_flag(void)
{
	static const int sigs[] = { SIGINT, SIGTERM, SIGHUP };
	struct sigaction sa, old;
	memset(&sa, 0, sizeof sa);
	sa.sa_handler = on_signal;
	sigemptyset(&sa.sa_mask);
	/* no SA_RESTART: a blocked read returns EINTR so the run can stop */
	for (size_t i = 0; i < sizeof sigs / sizeof sigs[0]; i++) {
		sigaction(sigs[i], NULL, &old);
		/* signals the caller ignores (nohup, background jobs) stay ignored */
		if (old.sa_handler != SIG_IGN) sigaction(sigs[i], &sa, NULL);
	}
	return &cancel_signal;
}

int cli_canceled_exit(int st)
{
	if (st != EKV_ECANCELED || !cancel_signal) return -1;
	fprintf(stderr, "\nekvbackup: interrupted by signal %d; partial files removed\n", cancel_signal);
	return 128 + cancel_signal;
}
