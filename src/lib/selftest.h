/* Encode's round-trip self-test (selftest.c). */
#ifndef EKV_SELFTEST_H
#define EKV_SELFTEST_H
#include "manifest.h"

/* Decodes fsm_path into a scratch tree under tmpdir and compares the
 * selected adapters' files with opts->input. EKV_ESELFTEST with
 * res->mismatch filled when they differ; I/O trouble is reported as such,
 * never as a mismatch. */
int ekv_encode_self_test(const struct ekv_encode_options *opts, const struct ekv_manifest *m,
			 unsigned selected, uint64_t ts, const char *fsm_path, const char *tmpdir,
			 struct ekv_encode_result *res, struct ekv_error *err);
#endif
