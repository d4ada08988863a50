/* Files written next to an encoder's output (tools.md §2.5 b, §4.7). */
#ifndef EKV_SIDECAR_H
#define EKV_SIDECAR_H
#include "buf.h"

/* Writes data to path with the sidecar rules: no-follow, never a FIFO,
 * regular files with a single link only, truncated and forced to 0600.
 * With durable, fsyncs the file and its directory. *truncated (may be
 * NULL) says whether an existing file was emptied by this call. */
int ekv_sidecar_write(const char *path, const void *data, size_t len, int durable,
		      int *truncated, struct ekv_error *err);
#endif
