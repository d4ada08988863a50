/* inspect: header facts and record counts per prefix class and adapter,
 * without writing anything. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "container.h"
#include "error.h"
#include "route.h"

static struct ekv_inspect_class *class_for(struct ekv_inspect_result *res, const char *prefix,
					   int adapter)
{
	for (size_t i = 0; i < res->n_classes; i++)
		if (strcmp(res->classes[i].prefix, prefix) == 0) return &res->classes[i];
	if (res->n_classes >= EKV_INSPECT_MAX_CLASSES) return NULL;
	struct ekv_inspect_class *c = &res->classes[res->n_classes++];
	snprintf(c->prefix, sizeof c->prefix, "%s", prefix);
	c->adapter = adapter;
	return c;
}

static void count(struct ekv_inspect_result *res, const char *prefix, int adapter, size_t bytes)
{
	struct ekv_inspect_class *c = class_for(res, prefix, adapter);
	if (!c) return;
	c->count++;
	c->bytes += bytes;
}

static void classify(struct ekv_inspect_result *res, const struct ekv_router *router,
		     struct ekv_mvcc *mvcc, const struct ekv_entry *e)
{
	size_t bytes = e->raw_key_len + e->raw_value_len;
	struct ekv_counters *k = &res->counters;
	k->total++;
	if (e->operational) {
		k->operational++;
		count(res, "(operational)", -1, bytes);
		return;
	}
	if (ekv_mvcc_is_older(mvcc, e->raw_key, e->raw_key_len, e->user_key_len) == 1) {
		k->superseded++;
		count(res, "(superseded)", -1, bytes);
		return;
	}
	if (e->tombstone) {
		k->tombstone++;
		count(res, "(tombstone)", -1, bytes);
		return;
	}
	const struct ekv_route *rt = ekv_router_match(router, e->user_key, e->user_key_len);
	if (!rt) {
		k->unknown++;
		count(res, "(unknown)", -1, bytes);
	} else if (rt->flags & EKV_ROUTE_INTERNAL) {
		k->internal++;
		count(res, rt->prefix, -1, bytes);
	} else {
		k->adapter[rt->adapter]++;
		count(res, rt->prefix, rt->adapter, bytes);
	}
}

int ekv_inspect(const char *input, ekv_progress_fn progress, void *ud,
		struct ekv_inspect_result *res, struct ekv_error *err)
{
	memset(res, 0, sizeof *res);
	int fd = open(input, O_RDONLY | O_CLOEXEC);
	if (fd < 0) return ekv_fail_errno(err, errno, "open %s", input);
	struct stat st;
	if (fstat(fd, &st) == 0 && S_ISREG(st.st_mode)) res->file_bytes = (uint64_t)st.st_size;
	struct ekv_reader *r = NULL;
	struct ekv_mvcc *mvcc = ekv_mvcc_new();
	struct ekv_router router;
	ekv_router_init(&router);
	int rc = mvcc ? ekv_reader_new(fd, res->file_bytes, &r, err) : ekv_fail(err, EKV_ENOMEM, "out of memory");
	if (!rc) {
		memcpy(res->magic, EKV_MAGIC, 8);
		res->last_commit_ts = ekv_reader_last_commit_ts(r);
		struct ekv_entry e;
		int n;
		while ((n = ekv_reader_next(r, &e, err)) == 1) {
			classify(res, &router, mvcc, &e);
			if (progress && (res->counters.total & 4095) == 0)
				progress(ud, ekv_reader_bytes_read(r), res->file_bytes, res->counters.total);
		}
		rc = n;
		res->node_wrapper = ekv_reader_wrapper(r);
	}
	ekv_reader_free(r);
	ekv_mvcc_free(mvcc);
	close(fd);
	return rc;
}
