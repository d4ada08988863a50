/* Throttled, delayed progress line on stderr (see progress.h). */
#include "progress.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define PROGRESS_DELAY_NS 1000000000ull     /* nothing before 1 s */
#define PROGRESS_PERIOD_NS 200000000ull     /* then at most 5 per second */

struct progress {
	const char *title;
	uint64_t start_ns;
	uint64_t last_ns;
	int shown;
};

static uint64_t now_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

struct progress *progress_start(const char *title, int quiet)
{
	if (quiet || !isatty(STDERR_FILENO)) return NULL;
	struct progress *p = calloc(1, sizeof *p);
	if (!p) return NULL;
	p->title = title;
	p->start_ns = now_ns();
	return p;
}

static void human_bytes(uint64_t v, char *buf, size_t cap)
{
	static const char *const units[] = { "B", "KiB", "MiB", "GiB", "TiB" };
	double d = (double)v;
	size_t u = 0;
	while (d >= 1024.0 && u + 1 < sizeof units / sizeof units[0]) {
		d /= 1024.0;
		u++;
	}
	if (u == 0) snprintf(buf, cap, "%llu B", (unsigned long long)v);
	else snprintf(buf, cap, "%.1f %s", d, units[u]);
}

void progress_update(void *ud, uint64_t bytes_done, uint64_t bytes_total, uint64_t entries)
{
	struct progress *p = ud;
	if (!p) return;
	uint64_t t = now_ns();
	if (t - p->start_ns < PROGRESS_DELAY_NS) return;
	if (p->shown && t - p->last_ns < PROGRESS_PERIOD_NS) return;
	p->last_ns = t;
	p->shown = 1;
	char done[32], total[32];
	human_bytes(bytes_done, done, sizeof done);
	double secs = (double)(t - p->start_ns) / 1e9;
	double rate = secs > 0 ? (double)bytes_done / secs / (1024.0 * 1024.0) : 0.0;
	if (bytes_total > 0) {
		human_bytes(bytes_total, total, sizeof total);
		fprintf(stderr, "\r%s: %3.0f%% %s / %s, %llu entries, %.1f MiB/s\033[K", p->title,
			100.0 * (double)bytes_done / (double)bytes_total, done, total,
			(unsigned long long)entries, rate);
	} else {
		fprintf(stderr, "\r%s: %s, %llu entries, %.1f MiB/s\033[K", p->title, done,
			(unsigned long long)entries, rate);
	}
	fflush(stderr);
}

void progress_stop(struct progress *p)
{
	if (!p) return;
	if (p->shown) {
		fputs("\r\033[K", stderr);
		fflush(stderr);
	}
	free(p);
}
