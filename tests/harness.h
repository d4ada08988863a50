/*
 * Minimal test harness. A test file defines tests with EKV_TEST(name) { … }
 * at the start of a line; CMake registers each name as its own CTest test,
 * and the harness runs it in a fresh temporary directory. CHECK* macros
 * report the failing expression and abort the test.
 */
#ifndef EKV_HARNESS_H
#define EKV_HARNESS_H
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <stdint.h>
#include "ekvbackup/ekvbackup.h"

typedef void (*ekv_test_fn)(void);
void ekv_test_register(const char *name, ekv_test_fn fn);
void ekv_test_fail(const char *file, int line, const char *fmt, ...)
	__attribute__((format(printf, 3, 4), noreturn));

#define EKV_TEST(name)                                                              \
	static void test_##name(void);                                              \
	__attribute__((constructor)) static void register_##name(void)             \
	{                                                                           \
		ekv_test_register(#name, test_##name);                              \
	}                                                                           \
	static void test_##name(void)

#define CHECK(cond)                                                                 \
	do {                                                                        \
		if (!(cond)) ekv_test_fail(__FILE__, __LINE__, "CHECK(%s)", #cond); \
	} while (0)
#define CHECK_INT(a, b)                                                             \
	do {                                                                        \
		long long a_ = (long long)(a), b_ = (long long)(b);                 \
		if (a_ != b_)                                                       \
			ekv_test_fail(__FILE__, __LINE__, "%s == %lld, expected %s == %lld", #a, \
				      a_, #b, b_);                                  \
	} while (0)
#define CHECK_U64(a, b)                                                             \
	do {                                                                        \
		unsigned long long a_ = (unsigned long long)(a), b_ = (unsigned long long)(b); \
		if (a_ != b_)                                                       \
			ekv_test_fail(__FILE__, __LINE__, "%s == %llu, expected %llu", #a, a_, b_); \
	} while (0)
#define CHECK_STR(a, b)                                                             \
	do {                                                                        \
		const char *a_ = (a), *b_ = (b);                                    \
		if (strcmp(a_, b_) != 0)                                            \
			ekv_test_fail(__FILE__, __LINE__, "%s == \"%s\", expected \"%s\"", #a, a_, b_); \
	} while (0)
#define CHECK_MEM(a, an, b, bn)                                                     \
	do {                                                                        \
		size_t an_ = (an), bn_ = (bn);                                      \
		if (an_ != bn_ || memcmp((a), (b), an_) != 0)                       \
			ekv_test_fail(__FILE__, __LINE__, "%s (%zu bytes) differs from %s (%zu bytes)", \
				      #a, an_, #b, bn_);                            \
	} while (0)
/* Runs expr (an ekv status), expects `code`; prints the error otherwise. */
#define CHECK_STATUS(expr, code, errp)                                              \
	do {                                                                        \
		int st_ = (expr);                                                   \
		if (st_ != (int)(code)) {                                           \
			char eb_[1024];                                             \
			ekv_test_fail(__FILE__, __LINE__, "%s returned %s, expected %s: %s", #expr, \
				      ekv_status_name(st_), ekv_status_name(code),  \
				      ekv_error_format((errp), eb_, sizeof eb_));   \
		}                                                                   \
	} while (0)
#define CHECK_OK(expr, errp) CHECK_STATUS(expr, EKV_OK, errp)

/* Helpers shared by tests. */
int ekv_test_file_exists(const char *path);
/* Reads a whole file; returns malloc'ed bytes (NUL-terminated) or NULL. */
char *ekv_test_read_file(const char *path, size_t *len);
void ekv_test_write_file(const char *path, const void *data, size_t len);
/* Runs a shell command, returns its exit status (0-255) or -1. */
int ekv_test_sh(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* Path of the ekvbackup binary (from $EKV_BIN) and the generator. */
const char *ekv_test_bin(void);
const char *ekv_test_gen_bin(void);
#endif
