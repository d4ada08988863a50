/* Encode orchestration: dump tree -> .fsm (container.md §6, tools.md §4). */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <unistd.h>
#include "adapter.h"
#include "container.h"
#include "error.h"
#include "fsutil.h"
#include "manifest.h"
#include "selftest.h"
#include "sorter.h"
#include "tree.h"
#include "util.h"

struct ekv_encoder {
	struct ekv_sorter *sorter;
	const volatile int *cancel;
	uint64_t ts;
	struct ekv_buf key;
};

/* Canonical encode order (tools.md §4.2): redis, dynamodb, s3, sqs. */
static const int encode_order[EKV_ADAPTER_COUNT] = {
	EKV_ADAPTER_REDIS, EKV_ADAPTER_DYNAMODB, EKV_ADAPTER_S3, EKV_ADAPTER_SQS,
};

int ekv_emit(struct ekv_encode_ctx *ctx, const void *key, size_t klen, const void *value,
	     size_t vlen, struct ekv_error *err)
{
	struct ekv_encoder *e = ctx->enc;
	if (e->cancel && *e->cancel) return ekv_fail(err, EKV_ECANCELED, "encode canceled");
	if (klen + 8 > EKV_MAX_ENCODED_KEY)
		return ekv_fail_key(err, EKV_EKEYTOOLARGE, key, klen, "%s: key of %zu bytes exceeds 1 MiB",
				    ctx->adapter, klen);
	if (vlen + EKV_VALUE_HEADER > EKV_MAX_ENCODED_VALUE)
		return ekv_fail_key(err, EKV_EVALUETOOLARGE, key, klen,
				    "%s: value of %zu bytes exceeds 256 MiB", ctx->adapter, vlen);
	ekv_buf_reset(&e->key);
	if (ekv_mvcc_encode_key(&e->key, key, klen, e->ts)) return ekv_fail(err, EKV_ENOMEM, "out of memory");
	return ekv_sorter_add(e->sorter, e->key.data, e->key.len, value, vlen, err);
}

struct encode_run {
	const struct ekv_encode_options *opts;
	struct ekv_encode_result *res;
	struct ekv_manifest manifest;
	int have_manifest;
	int root_fd;
	unsigned selected;
	uint64_t ts;
	struct ekv_buf tmpdir;
	struct ekv_buf temp_path;
	struct ekv_encoder enc;
};

static int read_manifest(struct encode_run *r, struct ekv_error *err)
{
	struct ekv_buf b = EKV_BUF_INIT;
	int rc = ekv_read_input_file(r->root_fd, EKV_MANIFEST_FILE, EKV_MANIFEST_FILE, &b, err);
	if (!rc) rc = ekv_manifest_parse(b.data, b.len, &r->manifest, err);
	if (!rc) r->have_manifest = 1;
	else ekv_error_set_file(err, EKV_MANIFEST_FILE, 0);
	ekv_buf_release(&b);
	return rc;
}

static int select_adapters(struct encode_run *r, struct ekv_error *err)
{
	unsigned in_manifest = r->manifest.adapters;
	r->selected = r->opts->adapters ? r->opts->adapters & EKV_ADAPTERS_ALL : in_manifest;
	if (!r->selected) return ekv_fail(err, EKV_EMANIFEST, "MANIFEST.json lists no adapter to encode");
	for (int a = 0; a < EKV_ADAPTER_COUNT; a++)
		if ((r->selected & (1u << a)) && !(in_manifest & (1u << a)))
			return ekv_fail(err, EKV_EMANIFEST,
					"adapter %s selected but MANIFEST.json has no scope for it",
					ekv_adapter_name(a));
	return EKV_OK;
}

static int resolve_ts(struct encode_run *r, struct ekv_error *err)
{
	uint64_t floor = r->manifest.last_commit_ts;
	r->res->manifest_last_commit_ts = floor;
	r->ts = floor;
	if (r->opts->has_last_commit_ts) {
		if (r->opts->last_commit_ts < floor)
			return ekv_fail(err, EKV_EINPUT,
					"--last-commit-ts %llu < manifest last_commit_ts %llu (HLC ceiling regression)",
					(unsigned long long)r->opts->last_commit_ts, (unsigned long long)floor);
		r->ts = r->opts->last_commit_ts;
		r->res->overridden = 1;
	}
	r->res->last_commit_ts = r->ts;
	return EKV_OK;
}

/* Features whose records the dump cannot carry back (tools.md §4.2 6-8). */
static int check_unsupported(struct encode_run *r, struct ekv_error *err)
{
	const struct ekv_manifest *m = &r->manifest;
	if (r->selected & (1u << EKV_ADAPTER_S3)) {
		if (m->include_incomplete_uploads)
			return ekv_fail(err, EKV_EINPUT, "S3 include_incomplete_uploads not supported by encoder");
		if (m->include_orphans)
			return ekv_fail(err, EKV_EINPUT, "S3 include_orphans not supported by encoder");
	}
	if (r->selected & (1u << EKV_ADAPTER_SQS)) {
		if (m->preserve_sqs_visibility)
			return ekv_fail(err, EKV_EINPUT, "preserve_sqs_visibility not supported by encoder");
		if (m->include_sqs_side_records)
			return ekv_fail(err, EKV_EINPUT, "include_sqs_side_records not supported by encoder");
	}
	return EKV_OK;
}

static int dir_is_empty(int fd)
{
	struct ekv_dirlist l = { 0 };
	struct ekv_error e = { 0 };
	if (ekv_list_dir(fd, ".", &l, &e)) return 0;
	int empty = l.n == 0;
	ekv_dirlist_free(&l);
	return empty;
}

static int run_adapter(struct encode_run *r, int a, struct ekv_error *err)
{
	const struct ekv_adapter_ops *ops = ekv_adapters[a];
	int fd = ekv_open_input_dir(r->root_fd, ops->name, ops->name, 1, err);
	if (fd == -2) {                                /* no subtree: runs as a no-op */
		r->res->adapters_run |= 1u << a;
		return EKV_OK;
	}
	if (fd < 0) return err->code ? (int)err->code : EKV_EIO;
	int rc = EKV_OK;
	if (!ops->encode) {
		if (!dir_is_empty(fd))
			rc = ekv_fail(err, EKV_EUNSUPPORTED, "encoding the %s adapter is not supported yet",
				      ops->name);
	} else {
		struct ekv_encode_ctx ctx = {
			.manifest = &r->manifest, .root_fd = r->root_fd, .dir_fd = fd,
			.dir_path = ops->name, .tmpdir = (const char *)r->tmpdir.data, .enc = &r->enc,
			.adapter = ops->name,
		};
		rc = ops->encode(&ctx, err);
		if (rc) ekv_error_set_adapter(err, ops->name);
	}
	close(fd);
	if (!rc) r->res->adapters_run |= 1u << a;
	return rc;
}

static int random_hex(char *out, size_t bytes)
{
	uint8_t b[16];
	if (bytes > sizeof b || getrandom(b, bytes, 0) != (ssize_t)bytes) return -1;
	ekv_hex_lower(out, b, bytes);
	return 0;
}

/* Writes the sorted records to fd, refusing duplicate keys. */
static int write_stream(struct encode_run *r, int fd, struct ekv_error *err)
{
	struct ekv_fsm_writer *w;
	int rc = ekv_fsm_writer_new(fd, r->ts, r->opts->node_format, &w, err);
	if (rc) return rc;
	struct ekv_buf prev = EKV_BUF_INIT;
	const uint8_t *k, *v;
	size_t kl, vl;
	int have_prev = 0, n;
	uint64_t count = 0;
	while ((n = ekv_sorter_next(r->enc.sorter, &k, &kl, &v, &vl, err)) == 1) {
		if (r->opts->cancel && *r->opts->cancel) {
			rc = ekv_fail(err, EKV_ECANCELED, "encode canceled");
			break;
		}
		if (have_prev && kl == prev.len && memcmp(k, prev.data, kl) == 0) {
			rc = ekv_fail_key(err, EKV_EDUPLICATE, k, kl - 8,
					  "the dump produces the same key twice");
			break;
		}
		if (ekv_buf_set(&prev, k, kl)) {
			rc = ekv_fail(err, EKV_ENOMEM, "out of memory");
			break;
		}
		have_prev = 1;
		if ((rc = ekv_fsm_writer_add_live(w, k, kl, v, vl, err))) break;
		if (r->opts->progress && (++count & 4095) == 0)
			r->opts->progress(r->opts->progress_ud, count, ekv_sorter_count(r->enc.sorter), count);
	}
	if (n < 0) rc = -n;
	if (!rc) rc = ekv_fsm_writer_finish(w, r->res->sha256, &r->res->bytes, err);
	r->res->records = ekv_sorter_count(r->enc.sorter);
	ekv_fsm_writer_free(w);
	ekv_buf_release(&prev);
	return rc;
}

static int write_temp(struct encode_run *r, struct ekv_error *err)
{
	char hex[33];
	if (random_hex(hex, 8)) return ekv_fail_errno(err, errno, "getrandom");
	if (ekv_buf_printf(&r->temp_path, "%s.tmp-%s", r->opts->output, hex))
		return ekv_fail(err, EKV_ENOMEM, "out of memory");
	int fd = open((char *)r->temp_path.data, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
	if (fd < 0) return ekv_fail_errno(err, errno, "create %s", (char *)r->temp_path.data);
	int rc = write_stream(r, fd, err);
	if (!rc && fsync(fd) != 0) rc = ekv_fail_errno(err, errno, "fsync %s", (char *)r->temp_path.data);
	if (close(fd) != 0 && !rc) rc = ekv_fail_errno(err, errno, "close %s", (char *)r->temp_path.data);
	return rc;
}

/* Moves the temp file to the output path without replacing anything. */
static int publish(struct encode_run *r, struct ekv_error *err)
{
	const char *tmp = (const char *)r->temp_path.data, *out = r->opts->output;
	if (renameat2(AT_FDCWD, tmp, AT_FDCWD, out, RENAME_NOREPLACE) != 0) {
		int e = errno;
		if (e == EINVAL || e == ENOSYS) {
			if (link(tmp, out) != 0) return ekv_fail_errno(err, errno, "publish %s", out);
			unlink(tmp);
		} else if (e == EEXIST) {
			return ekv_fail(err, EKV_EEXIST, "%s already exists; refusing to replace it", out);
		} else {
			return ekv_fail_errno(err, e, "publish %s", out);
		}
	}
	struct ekv_buf dir = EKV_BUF_INIT;
	ekv_dirname(out, &dir);
	int dfd = open((char *)dir.data, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	int rc = EKV_OK;
	if (dfd < 0 || fsync(dfd) != 0) {
		rc = ekv_fail_errno(err, errno, "fsync directory %s", (char *)dir.data);
		unlink(out);
	}
	if (dfd >= 0) close(dfd);
	ekv_buf_release(&dir);
	return rc;
}

static int check_output_free(const char *out, struct ekv_error *err)
{
	struct stat st;
	if (lstat(out, &st) == 0)
		return ekv_fail(err, EKV_EEXIST, "%s already exists; refusing to replace it", out);
	return EKV_OK;
}

static int encode_run(struct encode_run *r, struct ekv_error *err)
{
	const struct ekv_encode_options *o = r->opts;
	int rc = check_output_free(o->output, err);
	if (rc) return rc;
	r->root_fd = open(o->input, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (r->root_fd < 0) return ekv_fail_errno(err, errno, "open dump root %s", o->input);
	if ((rc = read_manifest(r, err)) || (rc = select_adapters(r, err)) || (rc = resolve_ts(r, err)) ||
	    (rc = check_unsupported(r, err)))
		return rc;
	snprintf(r->res->cluster_id, sizeof r->res->cluster_id, "%s",
		 r->manifest.cluster_id ? r->manifest.cluster_id : "");
	if (o->tmpdir) ekv_buf_append_str(&r->tmpdir, o->tmpdir);
	else ekv_dirname(o->output, &r->tmpdir);
	r->enc.ts = r->ts;
	r->enc.cancel = o->cancel;
	if ((rc = ekv_sorter_new((char *)r->tmpdir.data, 0, &r->enc.sorter, err))) return rc;
	for (int i = 0; i < EKV_ADAPTER_COUNT && !rc; i++) {
		if (o->cancel && *o->cancel) rc = ekv_fail(err, EKV_ECANCELED, "encode canceled");
		else if (r->selected & (1u << encode_order[i])) rc = run_adapter(r, encode_order[i], err);
	}
	if (!rc) rc = write_temp(r, err);
	if (!rc && o->self_test)
		rc = ekv_encode_self_test(o, &r->manifest, r->selected, r->ts, (char *)r->temp_path.data,
					  (char *)r->tmpdir.data, r->res, err);
	if (!rc) rc = publish(r, err);
	return rc;
}

int ekv_encode(const struct ekv_encode_options *opts, struct ekv_encode_result *res,
	       struct ekv_error *err)
{
	if (!opts->input || !*opts->input) return ekv_fail(err, EKV_EUSAGE, "encode: input is required");
	if (!opts->output || !*opts->output) return ekv_fail(err, EKV_EUSAGE, "encode: output is required");
	memset(res, 0, sizeof *res);
	struct encode_run r = { .opts = opts, .res = res, .root_fd = -1 };
	ekv_buf_init(&r.tmpdir);
	ekv_buf_init(&r.temp_path);
	ekv_buf_init(&r.enc.key);
	int rc = encode_run(&r, err);
	if (r.temp_path.len) unlink((char *)r.temp_path.data);   /* gone after publish too */
	if (r.root_fd >= 0) close(r.root_fd);
	if (r.have_manifest) ekv_manifest_release(&r.manifest);
	ekv_sorter_free(r.enc.sorter);
	ekv_buf_release(&r.tmpdir);
	ekv_buf_release(&r.temp_path);
	ekv_buf_release(&r.enc.key);
	return rc;
}
