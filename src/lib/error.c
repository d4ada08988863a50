/* Typed errors: filling struct ekv_error and formatting it for people. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include "error.h"

static const char *const status_names[EKV_STATUS_COUNT] = {
	[EKV_OK] = "ok",
	[EKV_EIO] = "io",
	[EKV_ENOMEM] = "out-of-memory",
	[EKV_EUSAGE] = "usage",
	[EKV_EBADMAGIC] = "bad-magic",
	[EKV_ETRUNCATED] = "truncated",
	[EKV_EKEYTOOLARGE] = "key-too-large",
	[EKV_EVALUETOOLARGE] = "value-too-large",
	[EKV_ESHORTKEY] = "short-key",
	[EKV_ESHORTVALUE] = "short-value",
	[EKV_EENCRYPTED] = "encrypted-entry",
	[EKV_EENCRESERVED] = "encryption-reserved",
	[EKV_ECRC] = "crc-mismatch",
	[EKV_EUNSUPPORTED] = "unsupported",
	[EKV_EDATA] = "bad-record",
	[EKV_ELIMIT] = "limit-reached",
	[EKV_EEXIST] = "exists",
	[EKV_EUNSAFE] = "unsafe-path",
	[EKV_EMANIFEST] = "invalid-manifest",
	[EKV_EVERSION] = "unsupported-version",
	[EKV_EINPUT] = "invalid-input",
	[EKV_EDUPLICATE] = "duplicate-key",
	[EKV_ECHECKSUM] = "checksum-mismatch",
	[EKV_EKEYMAP] = "invalid-keymap",
	[EKV_ESELFTEST] = "self-test-mismatch",
	[EKV_ECANCELED] = "canceled",
};

const char *ekv_status_name(enum ekv_status st)
{
	if ((int)st < 0 || st >= EKV_STATUS_COUNT || !status_names[st]) return "unknown";
	return status_names[st];
}

static void vset(struct ekv_error *err, enum ekv_status code, const char *fmt, va_list ap)
{
	err->code = code;
	vsnprintf(err->msg, sizeof err->msg, fmt, ap);
}

int ekv_fail(struct ekv_error *err, enum ekv_status code, const char *fmt, ...)
{
	if (err) {
		va_list ap;
		memset(err, 0, sizeof *err);
		va_start(ap, fmt);
		vset(err, code, fmt, ap);
		va_end(ap);
	}
	return code;
}

int ekv_fail_errno(struct ekv_error *err, int errno_value, const char *fmt, ...)
{
	enum ekv_status code = errno_value == ENOMEM ? EKV_ENOMEM : EKV_EIO;
	if (err) {
		va_list ap;
		memset(err, 0, sizeof *err);
		va_start(ap, fmt);
		vset(err, code, fmt, ap);
		va_end(ap);
		err->sys_errno = errno_value;
		size_t n = strlen(err->msg);
		snprintf(err->msg + n, sizeof err->msg - n, ": %s", strerror(errno_value));
	}
	return code;
}

int ekv_fail_key(struct ekv_error *err, enum ekv_status code, const void *key, size_t key_len,
		 const char *fmt, ...)
{
	if (err) {
		va_list ap;
		memset(err, 0, sizeof *err);
		va_start(ap, fmt);
		vset(err, code, fmt, ap);
		va_end(ap);
		ekv_error_set_key(err, key, key_len);
	}
	return code;
}

void ekv_error_set_key(struct ekv_error *err, const void *key, size_t key_len)
{
	if (!err || err->has_key) return;
	size_t n = key_len < EKV_ERROR_KEY_MAX ? key_len : EKV_ERROR_KEY_MAX;
	if (n) memcpy(err->key, key, n);
	err->key_len = key_len;
	err->has_key = 1;
}

void ekv_error_set_file(struct ekv_error *err, const char *file, unsigned long line)
{
	if (!err || err->file[0]) return;
	snprintf(err->file, sizeof err->file, "%s", file);
	err->line = line;
}

void ekv_error_set_offset(struct ekv_error *err, uint64_t offset)
{
	if (!err || err->has_offset) return;
	err->offset = offset;
	err->has_offset = 1;
}

void ekv_error_set_adapter(struct ekv_error *err, const char *adapter)
{
	if (err && !err->adapter) err->adapter = adapter;
}

void ekv_error_prefix(struct ekv_error *err, const char *fmt, ...)
{
	if (!err) return;
	char head[256], old[sizeof err->msg];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(head, sizeof head, fmt, ap);
	va_end(ap);
	memcpy(old, err->msg, sizeof old);
	size_t h = strlen(head);
	if (h + 2 >= sizeof err->msg) h = sizeof err->msg - 3;
	memcpy(err->msg, head, h);
	memcpy(err->msg + h, ": ", 2);
	size_t rest = sizeof err->msg - h - 3;
	size_t ol = strlen(old);
	if (ol > rest) ol = rest;
	memcpy(err->msg + h + 2, old, ol);
	err->msg[h + 2 + ol] = 0;
}

/* Appends key bytes with everything outside printable ASCII as \xHH. */
static size_t format_key(const struct ekv_error *err, char *out, size_t cap)
{
	size_t n = err->key_len < EKV_ERROR_KEY_MAX ? err->key_len : EKV_ERROR_KEY_MAX;
	size_t o = 0;
	for (size_t i = 0; i < n && o + 5 < cap; i++) {
		uint8_t c = err->key[i];
		if (c >= 0x20 && c < 0x7f && c != '\\' && c != '"')
			out[o++] = (char)c;
		else
			o += (size_t)snprintf(out + o, cap - o, "\\x%02x", c);
	}
	if (err->key_len > n && o + 4 < cap) o += (size_t)snprintf(out + o, cap - o, "...");
	out[o] = 0;
	return o;
}

char *ekv_error_format(const struct ekv_error *err, char *buf, size_t cap)
{
	if (!cap) return buf;
	int n = snprintf(buf, cap, "%s", err->msg[0] ? err->msg : ekv_status_name(err->code));
	size_t o = n < 0 ? 0 : (size_t)n;
	const char *sep = " (";
#define ADD(...)                                                                    \
	do {                                                                        \
		if (o < cap) {                                                      \
			int k_ = snprintf(buf + o, cap - o, __VA_ARGS__);           \
			if (k_ > 0) o += (size_t)k_;                                \
		}                                                                   \
		sep = ", ";                                                         \
	} while (0)
	if (err->has_offset) ADD("%soffset %llu", sep, (unsigned long long)err->offset);
	if (err->adapter) ADD("%sadapter %s", sep, err->adapter);
	if (err->has_key) {
		char k[EKV_ERROR_KEY_MAX * 4 + 8];
		format_key(err, k, sizeof k);
		ADD("%skey \"%s\"", sep, k);
	}
	if (err->file[0]) {
		if (err->line) ADD("%sfile %s:%lu", sep, err->file, err->line);
		else ADD("%sfile %s", sep, err->file);
	}
	if (sep[0] == ',') ADD(")");
#undef ADD
	if (o >= cap) buf[cap - 1] = 0;
	return buf;
}
