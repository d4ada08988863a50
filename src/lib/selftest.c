/* Encode round-trip self-test (tools.md §4.6): decode the produced .fsm
 * into a scratch tree and compare every selected adapter's files with the
 * input tree, byte for byte. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "adapter.h"
#include "error.h"
#include "fsutil.h"
#include "manifest.h"
#include "selftest.h"
#include "sorter.h"
#include "util.h"

#define MISMATCH_CAP 64

static const int compare_order[EKV_ADAPTER_COUNT] = {
	EKV_ADAPTER_REDIS, EKV_ADAPTER_DYNAMODB, EKV_ADAPTER_S3, EKV_ADAPTER_SQS,
};

static int collect(void *ud, int parent_fd, const char *name, const char *rel, struct ekv_error *err)
{
	(void)parent_fd;
	(void)name;
	return ekv_sorter_add(ud, rel, strlen(rel), "", 0, err);
}

/* Sorted regular-file paths below root/sub (empty if sub is absent). */
static int list_files(int root, const char *sub, const char *tmpdir, struct ekv_sorter **out,
		      struct ekv_error *err)
{
	int rc = ekv_sorter_new(tmpdir, 8u << 20, out, err);
	if (rc) return rc;
	int fd = openat(root, sub, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd >= 0) {
		rc = ekv_walk_files(fd, collect, *out, err);
		close(fd);
	} else if (errno != ENOENT) {
		rc = ekv_fail_errno(err, errno, "open %s", sub);
	}
	if (!rc) rc = ekv_sorter_finish(*out, err);
	return rc;
}

static int same_bytes(int afd, int bfd)
{
	static uint8_t a[65536], b[65536];
	for (;;) {
		ssize_t x = read(afd, a, sizeof a);
		if (x < 0) return -1;
		size_t got = 0;
		while (got < (size_t)x) {
			ssize_t y = read(bfd, b + got, (size_t)x - got);
			if (y <= 0) return y < 0 ? -1 : 0;
			got += (size_t)y;
		}
		if (memcmp(a, b, (size_t)x) != 0) return 0;
		if (x == 0) {
			ssize_t y = read(bfd, b, 1);
			return y == 0;
		}
	}
}

static int files_equal(int aroot, int broot, const char *rel, struct ekv_error *err)
{
	int a = openat(aroot, rel, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	int b = openat(broot, rel, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	int eq = a >= 0 && b >= 0 ? same_bytes(a, b) : -1;
	if (a >= 0) close(a);
	if (b >= 0) close(b);
	if (eq < 0) {
		ekv_fail_errno(err, errno ? errno : EIO, "compare %s", rel);
		return -1;
	}
	return eq;
}

struct diff {
	struct ekv_buf text;
	unsigned lines;
};

static int add_line(struct diff *d, const char *adapter, const uint8_t *p, size_t n, const char *why)
{
	d->lines++;
	return ekv_buf_printf(&d->text, "%s/%.*s (%s)\n", adapter, (int)n, (const char *)p, why);
}

/* Merge-compares the two sorted path lists of one adapter. */
static int diff_adapter(const char *name, int in_root, int out_root, const char *tmpdir,
			struct diff *d, struct ekv_error *err)
{
	struct ekv_sorter *in = NULL, *out = NULL;
	int rc = list_files(in_root, name, tmpdir, &in, err);
	if (!rc) rc = list_files(out_root, name, tmpdir, &out, err);
	const uint8_t *ik = NULL, *ok = NULL, *v;
	size_t ikl = 0, okl = 0, vl;
	int ih = 0, oh = 0;
	if (!rc) ih = ekv_sorter_next(in, &ik, &ikl, &v, &vl, err);
	if (!rc) oh = ekv_sorter_next(out, &ok, &okl, &v, &vl, err);
	struct ekv_buf rel = EKV_BUF_INIT;
	while (!rc && (ih == 1 || oh == 1)) {
		int c = ih != 1 ? 1 : oh != 1 ? -1 : ekv_bytes_cmp(ik, ikl, ok, okl);
		if (c < 0) {
			rc = add_line(d, name, ik, ikl, "missing in scratch");
			ih = ekv_sorter_next(in, &ik, &ikl, &v, &vl, err);
		} else if (c > 0) {
			rc = add_line(d, name, ok, okl, "missing in input");
			oh = ekv_sorter_next(out, &ok, &okl, &v, &vl, err);
		} else {
			ekv_buf_reset(&rel);
			ekv_buf_printf(&rel, "%s/%.*s", name, (int)ikl, (const char *)ik);
			int eq = files_equal(in_root, out_root, (char *)rel.data, err);
			if (eq < 0) rc = err->code;
			else if (!eq) rc = add_line(d, name, ik, ikl, "bytes differ");
			ih = ekv_sorter_next(in, &ik, &ikl, &v, &vl, err);
			oh = ekv_sorter_next(out, &ok, &okl, &v, &vl, err);
		}
		if (ih < 0 || oh < 0) rc = err->code;
	}
	ekv_buf_release(&rel);
	ekv_sorter_free(in);
	ekv_sorter_free(out);
	return rc;
}

/* Keeps the first MISMATCH_CAP lines, then says it was cut (upstream cuts
 * only between adapters; we cut at the cap, which never shows more). */
static void cap_text(struct diff *d)
{
	if (d->lines < MISMATCH_CAP) return;
	size_t pos = 0;
	for (unsigned i = 0; i < MISMATCH_CAP && pos < d->text.len; i++) {
		const uint8_t *nl = memchr(d->text.data + pos, '\n', d->text.len - pos);
		pos = nl ? (size_t)(nl - d->text.data) + 1 : d->text.len;
	}
	ekv_buf_truncate(&d->text, pos);
	ekv_buf_printf(&d->text, "... (truncated; first %d paths shown)\n", MISMATCH_CAP);
}

static int is_data_error(int rc)
{
	return rc != EKV_EIO && rc != EKV_ENOMEM && rc != EKV_EUSAGE;
}

int ekv_encode_self_test(const struct ekv_encode_options *opts, const struct ekv_manifest *m,
			 unsigned selected, uint64_t ts, const char *fsm_path, const char *tmpdir,
			 struct ekv_encode_result *res, struct ekv_error *err)
{
	struct ekv_buf scratch = EKV_BUF_INIT, out = EKV_BUF_INIT;
	struct diff d = { EKV_BUF_INIT, 0 };
	int rc = ekv_make_temp_dir(tmpdir, "encode-self-test-", &scratch, err);
	if (rc) return rc;
	ekv_buf_printf(&out, "%s/tree", (char *)scratch.data);
	struct ekv_decode_options dopt = {
		.input = fsm_path, .output = (char *)out.data, .tmpdir = (char *)scratch.data,
		.adapters = selected, .include_incomplete_uploads = m->include_incomplete_uploads,
		.include_orphans = m->include_orphans, .rename_s3_collisions = m->rename_s3_collisions,
		.preserve_sqs_visibility = m->preserve_sqs_visibility,
		.include_sqs_side_records = m->include_sqs_side_records,
		.dynamodb_bundle_jsonl = m->dynamodb_layout && strcmp(m->dynamodb_layout, "jsonl") == 0,
		.dynamodb_bundle_size = m->dynamodb_bundle_size, .cancel = opts->cancel,
	};
	struct ekv_decode_result dres;
	struct ekv_error derr = { 0 };
	res->self_test_ran = 1;
	int drc = ekv_decode(&dopt, &dres, &derr);
	if (drc && (!is_data_error(drc) || drc == EKV_ECANCELED)) {
		*err = derr;
		rc = drc;
	} else if (drc) {
		char line[1024];
		ekv_buf_printf(&d.text, "self-test failed: decode rejected the produced .fsm: %s",
			       ekv_error_format(&derr, line, sizeof line));
		d.lines = 1;
	} else if (dres.last_commit_ts != ts) {
		ekv_buf_printf(&d.text, "self-test failed: header.LastCommitTS mismatch (want %llu, got %llu)\n",
			       (unsigned long long)ts, (unsigned long long)dres.last_commit_ts);
		d.lines = 1;
	} else {
		int in_root = open(opts->input, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		int out_root = open((char *)out.data, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		if (in_root < 0 || out_root < 0) rc = ekv_fail_errno(err, errno, "self-test: open trees");
		for (int i = 0; i < EKV_ADAPTER_COUNT && !rc; i++)
			if (selected & (1u << compare_order[i]))
				rc = diff_adapter(ekv_adapter_name(compare_order[i]), in_root, out_root,
						  (char *)scratch.data, &d, err);
		if (in_root >= 0) close(in_root);
		if (out_root >= 0) close(out_root);
		cap_text(&d);
	}
	ekv_remove_all((char *)scratch.data);
	if (!rc && d.lines) {
		res->self_test_matched = 0;
		res->mismatch = (char *)ekv_buf_detach(&d.text, NULL);
		rc = ekv_fail(err, EKV_ESELFTEST, "self-test: the produced .fsm does not decode back to the input tree");
	} else if (!rc) {
		res->self_test_matched = 1;
	}
	ekv_buf_release(&d.text);
	ekv_buf_release(&scratch);
	ekv_buf_release(&out);
	return rc;
}
