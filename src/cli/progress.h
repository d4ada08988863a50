/*
 * Progress line on stderr (the git progress.h idea): shown only when
 * stderr is a terminal and the user did not ask for --quiet, starts after
 * a short delay (fast runs print nothing), refreshes at most ~5 times a
 * second, and a NULL handle is a no-op so callers never test for it.
 */
#ifndef EKV_CLI_PROGRESS_H
#define EKV_CLI_PROGRESS_H
#include <stdint.h>

struct progress;

/* Returns NULL (progress off) when quiet or stderr is not a tty. */
struct progress *progress_start(const char *title, int quiet);
/* Matches ekv_progress_fn: pass progress_update with the handle as ud. */
void progress_update(void *ud, uint64_t bytes_done, uint64_t bytes_total, uint64_t entries);
/* Clears the line and frees the handle. */
void progress_stop(struct progress *p);
#endif
