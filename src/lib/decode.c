/* Decode orchestration: snapshot -> dump tree (container.md §4, D1-D6). */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "adapter.h"
#include "container.h"
#include "error.h"
#include "manifest.h"
#include "route.h"
#include "tree.h"
#include "util.h"

const char *ekv_adapter_name(int id)
{
	if (id < 0 || id >= EKV_ADAPTER_COUNT) return "?";
	return ekv_adapters[id]->name;
}

int ekv_adapter_by_name(const char *name)
{
	for (int i = 0; i < EKV_ADAPTER_COUNT; i++)
		if (strcmp(ekv_adapters[i]->name, name) == 0) return i;
	return -1;
}

int ekv_adapter_can_decode(int id)
{
	return id >= 0 && id < EKV_ADAPTER_COUNT && ekv_adapters[id]->decode_record != NULL;
}

int ekv_adapter_can_encode(int id)
{
	return id >= 0 && id < EKV_ADAPTER_COUNT && ekv_adapters[id]->encode != NULL;
}

void ekv_warn(struct ekv_decode_ctx *ctx, const char *event, const char *fmt, ...)
{
	char detail[1024];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(detail, sizeof detail, fmt, ap);
	va_end(ap);
	ctx->counters->warnings++;
	if (ctx->opts->warn) ctx->opts->warn(ctx->opts->warn_ud, ctx->adapter, event, detail);
}

static int is_hex_lower(char c)
{
	return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f');
}

int ekv_snapshot_index_from_path(const char *path, uint64_t *out)
{
	const char *base = strrchr(path, '/');
	base = base ? base + 1 : path;
	size_t n = strlen(base);
	if (n <= 4 || strcmp(base + n - 4, ".fsm") != 0) return -1;
	size_t stem = n - 4;
	/* D4: what nodes write (%016x) is hex; other all-digit stems decimal */
	int hex = stem == 16;
	for (size_t i = 0; i < stem && hex; i++) hex = is_hex_lower(base[i]);
	if (hex) {
		uint64_t v = 0;
		for (size_t i = 0; i < 16; i++)
			v = v << 4 | (uint64_t)(base[i] <= '9' ? base[i] - '0' : base[i] - 'a' + 10);
		*out = v;
		return 0;
	}
	return ekv_parse_u64_dec(base, stem, out);
}

struct decoder {
	const struct ekv_decode_options *opts;
	unsigned enabled;
	struct ekv_router router;
	struct ekv_tree *tree;
	struct ekv_counters counters;
	struct ekv_decode_ctx ctx[EKV_ADAPTER_COUNT];
	void *state[EKV_ADAPTER_COUNT];
	int begun[EKV_ADAPTER_COUNT];
	struct ekv_mvcc *mvcc;
};

static int begin_adapters(struct decoder *d, struct ekv_error *err)
{
	uint64_t spill = d->opts->spill_threshold ? d->opts->spill_threshold : EKV_SPILL_THRESHOLD_DEFAULT;
	for (int a = 0; a < EKV_ADAPTER_COUNT; a++) {
		struct ekv_decode_ctx *c = &d->ctx[a];
		c->opts = d->opts;
		c->tree = d->tree;
		c->counters = &d->counters;
		c->tmpdir = ekv_tree_tmpdir(d->tree);
		c->spill_threshold = spill;
		c->adapter = ekv_adapters[a]->name;
		if (!(d->enabled & (1u << a)) || !ekv_adapters[a]->decode_begin) continue;
		int rc = ekv_adapters[a]->decode_begin(c, &d->state[a], err);
		if (rc) {
			ekv_error_set_adapter(err, c->adapter);
			return rc;
		}
		d->begun[a] = 1;
	}
	return EKV_OK;
}

static int route_entry(struct decoder *d, const struct ekv_entry *e, struct ekv_error *err)
{
	const struct ekv_route *rt = ekv_router_match(&d->router, e->user_key, e->user_key_len);
	if (!rt) {
		d->counters.unknown++;
		return EKV_OK;
	}
	if ((rt->flags & EKV_ROUTE_INTERNAL) || rt->adapter < 0 || !(d->enabled & (1u << rt->adapter))) {
		d->counters.internal++;
		return EKV_OK;
	}
	int a = rt->adapter;
	d->counters.adapter[a]++;
	if (!d->begun[a] || !ekv_adapters[a]->decode_record) return EKV_OK;
	struct ekv_record rec = {
		.key = e->user_key, .key_len = e->user_key_len, .prefix_len = rt->len, .tag = rt->tag,
		.value = e->body, .value_len = e->body_len, .commit_ts = e->commit_ts,
		.expire_at = e->expire_at, .offset = e->offset,
	};
	int rc = ekv_adapters[a]->decode_record(d->state[a], &rec, err);
	if (rc) {
		ekv_error_set_adapter(err, ekv_adapters[a]->name);
		ekv_error_set_key(err, e->user_key, e->user_key_len);
		ekv_error_set_offset(err, e->offset);
	}
	return rc;
}

static int handle_entry(struct decoder *d, const struct ekv_entry *e, struct ekv_error *err)
{
	d->counters.total++;
	if (e->operational) {              /* D2 */
		d->counters.operational++;
		return EKV_OK;
	}
	int older = ekv_mvcc_is_older(d->mvcc, e->raw_key, e->raw_key_len, e->user_key_len);
	if (older < 0) return ekv_fail(err, EKV_ENOMEM, "out of memory");
	if (older) {                       /* D1 */
		d->counters.superseded++;
		return EKV_OK;
	}
	if (e->tombstone) {
		d->counters.tombstone++;
		return EKV_OK;
	}
	return route_entry(d, e, err);
}

static int read_all(struct decoder *d, struct ekv_reader *r, uint64_t total_size,
		    struct ekv_error *err)
{
	struct ekv_entry e;
	int rc;
	uint64_t n = 0;
	while ((rc = ekv_reader_next(r, &e, err)) == 1) {
		if (d->opts->cancel && *d->opts->cancel)
			return ekv_fail(err, EKV_ECANCELED, "decode canceled");
		if ((rc = handle_entry(d, &e, err))) return rc;
		if (d->opts->progress && (++n & 4095) == 0)
			d->opts->progress(d->opts->progress_ud, ekv_reader_bytes_read(r), total_size,
					  d->counters.total);
	}
	return rc;
}

/* Finalizes every begun adapter in registry order; the first error wins. */
static int finish_adapters(struct decoder *d, int rc, struct ekv_error *err)
{
	for (int a = 0; a < EKV_ADAPTER_COUNT; a++) {
		if (!d->begun[a] || !ekv_adapters[a]->decode_finish || rc) continue;
		rc = ekv_adapters[a]->decode_finish(d->state[a], err);
		if (rc) ekv_error_set_adapter(err, ekv_adapters[a]->name);
	}
	for (int a = 0; a < EKV_ADAPTER_COUNT; a++) {
		if (d->begun[a] && ekv_adapters[a]->decode_free) ekv_adapters[a]->decode_free(d->state[a]);
		d->begun[a] = 0;
	}
	return rc;
}

static int write_manifest(struct decoder *d, uint64_t ts, struct ekv_decode_result *res,
			  struct ekv_error *err)
{
	const struct ekv_decode_options *o = d->opts;
	struct ekv_manifest m;
	struct ekv_buf out = EKV_BUF_INIT;
	int rc = ekv_manifest_init_phase0(&m);
	if (rc) return ekv_fail(err, rc, "manifest: out of memory");
	free(m.cluster_id);
	m.cluster_id = o->cluster_id && *o->cluster_id ? strdup(o->cluster_id) : NULL;
	m.snapshot_index = res->has_snapshot_index ? res->snapshot_index : 0;
	m.last_commit_ts = ts;
	m.has_source = 1;
	free(m.source_fsm_path);
	m.source_fsm_path = strdup(o->fsm_path ? o->fsm_path : o->input);
	m.adapters = d->enabled;
	m.include_incomplete_uploads = o->include_incomplete_uploads;
	m.include_orphans = o->include_orphans;
	m.preserve_sqs_visibility = o->preserve_sqs_visibility;
	m.include_sqs_side_records = o->include_sqs_side_records;
	m.rename_s3_collisions = o->rename_s3_collisions;
	if (o->dynamodb_bundle_jsonl) {
		free(m.dynamodb_layout);
		m.dynamodb_layout = strdup("jsonl");
		m.dynamodb_bundle_size = o->dynamodb_bundle_size ? o->dynamodb_bundle_size : 64ull << 20;
	}
	m.counters = &d->counters;
	rc = ekv_manifest_write(&out, &m, err);
	if (!rc) rc = ekv_tree_finish(d->tree, out.data, out.len, err);
	ekv_buf_release(&out);
	ekv_manifest_release(&m);
	return rc;
}

static int open_input(const char *path, int *fd, uint64_t *size, struct ekv_error *err)
{
	*fd = open(path, O_RDONLY | O_CLOEXEC);
	if (*fd < 0) return ekv_fail_errno(err, errno, "open %s", path);
	struct stat st;
	if (fstat(*fd, &st) != 0) {
		int e = errno;
		close(*fd);
		return ekv_fail_errno(err, e, "stat %s", path);
	}
	if (S_ISDIR(st.st_mode)) {
		close(*fd);
		return ekv_fail(err, EKV_EUSAGE, "%s is a directory, not a snapshot file", path);
	}
	*size = S_ISREG(st.st_mode) ? (uint64_t)st.st_size : 0;
	return EKV_OK;
}

static void warn_unknown(struct decoder *d)
{
	if (!d->counters.unknown) return;
	struct ekv_decode_ctx c = d->ctx[0];
	c.adapter = "core";
	ekv_warn(&c, "unknown_records",
		 "%llu records matched no known key prefix and are not in the dump",
		 (unsigned long long)d->counters.unknown);
}

int ekv_decode(const struct ekv_decode_options *opts, struct ekv_decode_result *res,
	       struct ekv_error *err)
{
	if (!opts->input || !*opts->input) return ekv_fail(err, EKV_EUSAGE, "decode: input is required");
	if (!opts->output || !*opts->output) return ekv_fail(err, EKV_EUSAGE, "decode: output is required");
	if (opts->dynamodb_bundle_jsonl && opts->dynamodb_bundle_size && opts->dynamodb_bundle_size < 1024)
		return ekv_fail(err, EKV_EUSAGE, "decode: DynamoDB bundle size must be at least 1024 bytes");
	memset(res, 0, sizeof *res);
	struct decoder *d = calloc(1, sizeof *d);
	if (!d || !(d->mvcc = ekv_mvcc_new())) {
		free(d);
		return ekv_fail(err, EKV_ENOMEM, "out of memory");
	}
	d->opts = opts;
	d->enabled = opts->adapters ? opts->adapters & EKV_ADAPTERS_ALL : EKV_ADAPTERS_ALL;
	ekv_router_init(&d->router);
	res->has_snapshot_index = ekv_snapshot_index_from_path(opts->input, &res->snapshot_index) == 0;

	int fd = -1;
	uint64_t size = 0;
	struct ekv_reader *r = NULL;
	int rc = open_input(opts->input, &fd, &size, err);
	if (!rc) rc = ekv_reader_new_cancelable(fd, size, opts->cancel, &r, err);   /* bad magic: no output */
	if (!rc) rc = ekv_tree_create(opts->output, opts->tmpdir, &d->tree, err);
	if (!rc) ekv_tree_set_cancel(d->tree, opts->cancel);
	if (!rc) rc = begin_adapters(d, err);
	if (!rc) rc = read_all(d, r, size, err);
	rc = d->tree ? finish_adapters(d, rc, err) : rc;
	if (!rc) {
		res->last_commit_ts = ekv_reader_last_commit_ts(r);
		res->node_wrapper = ekv_reader_wrapper(r);
		warn_unknown(d);
		rc = write_manifest(d, res->last_commit_ts, res, err);
	}
	if (!rc) {
		res->counters = d->counters;
		res->files_written = ekv_tree_file_count(d->tree);
		res->bytes_written = ekv_tree_byte_count(d->tree);
	}
	if (d->tree) ekv_tree_close(d->tree, rc ? opts->keep_partial : 1);
	ekv_reader_free(r);
	if (fd >= 0) close(fd);
	ekv_mvcc_free(d->mvcc);
	free(d);
	return rc;
}
