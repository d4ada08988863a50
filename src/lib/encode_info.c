/* The encoder's provenance sidecar <output>.encode_info.json (tools.md
 * §4.7) and its mismatch report, written with the sidecar rules. */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "error.h"
#include "fsutil.h"
#include "jsonw.h"
#include "manifest.h"

static int open_sidecar(const char *path, int *truncated, struct ekv_error *err)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC, 0600);
	if (fd < 0) {
		if (errno == ELOOP)
			return ekv_fail(err, EKV_EUNSAFE, "refusing to overwrite symlink at %s", path), -1;
		if (errno == ENXIO)
			return ekv_fail(err, EKV_EUNSAFE, "refusing to write to FIFO at %s", path), -1;
		return ekv_fail_errno(err, errno, "open %s", path), -1;
	}
	struct stat st;
	const char *why = NULL;
	if (fstat(fd, &st) != 0) {
		ekv_fail_errno(err, errno, "stat %s", path);
	} else if (!S_ISREG(st.st_mode)) {
		why = "refusing to write to non-regular file";
	} else if (st.st_nlink > 1) {
		why = "refusing to overwrite hard-linked file";
	} else if (ftruncate(fd, 0) != 0 || fchmod(fd, 0600) != 0) {
		ekv_fail_errno(err, errno, "truncate %s", path);
	} else {
		if (truncated) *truncated = 1;
		return fd;
	}
	if (why) ekv_fail(err, EKV_EUNSAFE, "%s at %s", why, path);
	close(fd);
	return -1;
}

static int fsync_dir_of(const char *path)
{
	struct ekv_buf dir = EKV_BUF_INIT;
	ekv_dirname(path, &dir);
	int fd = open((char *)dir.data, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	int rc = fd < 0 ? -1 : fsync(fd);
	if (fd >= 0) close(fd);
	ekv_buf_release(&dir);
	return rc;
}

int ekv_sidecar_write(const char *path, const void *data, size_t len, int durable,
		      int *truncated, struct ekv_error *err)
{
	if (truncated) *truncated = 0;
	int fd = open_sidecar(path, truncated, err);
	if (fd < 0) return err ? (int)err->code : EKV_EIO;
	const uint8_t *p = data;
	size_t off = 0;
	int e = 0;
	while (off < len && !e) {
		ssize_t w = write(fd, p + off, len - off);
		if (w < 0 && errno != EINTR) e = errno;
		else if (w > 0) off += (size_t)w;
	}
	if (!e && durable && fsync(fd) != 0) e = errno;
	if (close(fd) != 0 && !e) e = errno;
	if (!e && durable && fsync_dir_of(path) != 0) e = errno;
	if (e) return ekv_fail_errno(err, e, "write %s", path);
	return EKV_OK;
}

static const int canonical_order[EKV_ADAPTER_COUNT] = {
	EKV_ADAPTER_REDIS, EKV_ADAPTER_DYNAMODB, EKV_ADAPTER_S3, EKV_ADAPTER_SQS,
};

static int render(const struct ekv_encode_options *opts, const struct ekv_encode_result *res,
		  const char *wall_time, struct ekv_buf *out)
{
	struct ekv_jw w;
	/* Go json.Encoder with SetIndent and HTML escaping left on */
	ekv_jw_init(&w, out, EKV_JW_HTML | EKV_JW_INDENT | EKV_JW_NEWLINE);
	ekv_jw_obj_begin(&w);
	ekv_jw_key(&w, "format_version");
	ekv_jw_u64(&w, 1);
	ekv_jw_key(&w, "encoder_version");
	ekv_jw_cstr(&w, "ekvbackup " EKV_VERSION_STRING);
	ekv_jw_key(&w, "encoder_key_format_version");
	ekv_jw_u64(&w, EKV_MANIFEST_FORMAT_VERSION);
	ekv_jw_key(&w, "wall_time_iso");
	ekv_jw_cstr(&w, wall_time);
	ekv_jw_key(&w, "input_root");
	ekv_jw_cstr(&w, opts->input);
	ekv_jw_key(&w, "output_fsm_path");
	ekv_jw_cstr(&w, opts->output);
	ekv_jw_key(&w, "output_fsm_sha256");
	ekv_jw_cstr(&w, res->sha256);
	ekv_jw_key(&w, "last_commit_ts");
	ekv_jw_u64(&w, res->last_commit_ts);
	ekv_jw_key(&w, "last_commit_ts_overridden");
	ekv_jw_bool(&w, res->overridden);
	ekv_jw_key(&w, "manifest_last_commit_ts");
	ekv_jw_u64(&w, res->manifest_last_commit_ts);
	if (res->cluster_id[0]) {
		ekv_jw_key(&w, "manifest_cluster_id");
		ekv_jw_cstr(&w, res->cluster_id);
	}
	ekv_jw_key(&w, "adapters_enabled");
	ekv_jw_arr_begin(&w);
	for (int i = 0; i < EKV_ADAPTER_COUNT; i++)
		if (res->adapters_run & (1u << canonical_order[i]))
			ekv_jw_cstr(&w, ekv_adapter_name(canonical_order[i]));
	ekv_jw_arr_end(&w);
	ekv_jw_key(&w, "self_test");
	ekv_jw_obj_begin(&w);
	ekv_jw_key(&w, "ran");
	ekv_jw_bool(&w, res->self_test_ran);
	ekv_jw_key(&w, "matched");
	ekv_jw_bool(&w, res->self_test_matched);
	ekv_jw_obj_end(&w);
	ekv_jw_obj_end(&w);
	return ekv_jw_finish(&w);
}

char *ekv_encode_info_render(const struct ekv_encode_options *opts,
			     const struct ekv_encode_result *res, const char *wall_time, size_t *len)
{
	struct ekv_buf out = EKV_BUF_INIT;
	if (render(opts, res, wall_time, &out)) {
		ekv_buf_release(&out);
		return NULL;
	}
	return (char *)ekv_buf_detach(&out, len);
}

int ekv_encode_info_write(const struct ekv_encode_options *opts, const struct ekv_encode_result *res,
			  const char *path, int *truncated, struct ekv_error *err)
{
	char now[64];
	struct ekv_buf out = EKV_BUF_INIT;
	ekv_now_rfc3339nano(now);
	int rc = render(opts, res, now, &out);
	if (rc) rc = ekv_fail(err, rc, "encode_info: out of memory");
	else rc = ekv_sidecar_write(path, out.data, out.len, 1, truncated, err);
	ekv_buf_release(&out);
	return rc;
}
