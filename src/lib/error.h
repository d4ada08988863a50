/*
 * Helpers that fill a struct ekv_error and return its code, so call sites
 * read `return ekv_fail(err, EKV_EDATA, "odd field count %zu", n);`.
 * A NULL err is allowed (the detail is dropped).
 */
#ifndef EKV_ERROR_H
#define EKV_ERROR_H
#include "internal.h"

int ekv_fail(struct ekv_error *err, enum ekv_status code, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
/* Same, with sys_errno = errno_value and ": strerror" appended. */
int ekv_fail_errno(struct ekv_error *err, int errno_value, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
/* Same as ekv_fail, also recording the raw key bytes. */
int ekv_fail_key(struct ekv_error *err, enum ekv_status code, const void *key, size_t key_len,
		 const char *fmt, ...) __attribute__((format(printf, 5, 6)));
/* Attaches context to an error already filled (only fields not yet set). */
void ekv_error_set_key(struct ekv_error *err, const void *key, size_t key_len);
void ekv_error_set_file(struct ekv_error *err, const char *file, unsigned long line);
void ekv_error_set_offset(struct ekv_error *err, uint64_t offset);
void ekv_error_set_adapter(struct ekv_error *err, const char *adapter);
/* Prefixes msg with "context: ". */
void ekv_error_prefix(struct ekv_error *err, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
#endif
