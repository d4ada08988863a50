/*
 * KEYMAP.jsonl (container.md §5.3): writer and strict reader.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "error.h"
#include "jsonr.h"
#include "jsonw.h"
#include "keymap.h"
#include "util.h"

/* bufio.Scanner buffer of upstream's reader: a longer line is an error. */
#define KEYMAP_MAX_LINE ((size_t)4 << 20)

int ekv_keymap_append(struct ekv_buf *out, const char *encoded, size_t encoded_len,
		      const void *original, size_t original_len, const char *kind)
{
	if (!encoded_len || !kind || !kind[0]) return EKV_EUSAGE;
	size_t mark = out->len;
	int st = ekv_buf_append_str(out, "{\"encoded\":");
	if (!st) st = ekv_json_quote(out, encoded, encoded_len, 0);
	if (!st) st = ekv_buf_append_str(out, ",\"original\":\"");
	if (!st) st = ekv_b64url_encode(out, original, original_len);
	if (!st) st = ekv_buf_append_str(out, "\",\"kind\":");
	if (!st) st = ekv_json_quote(out, kind, strlen(kind), 0);
	if (!st) st = ekv_buf_append_str(out, "}\n");
	if (st) {
		ekv_buf_truncate(out, mark);
		return EKV_ENOMEM;
	}
	return 0;
}

/* ---- hash index ---- */

static uint64_t hash_bytes(const void *p, size_t n)
{
	const uint8_t *b = p;
	uint64_t h = 1469598103934665603ull;
	for (size_t i = 0; i < n; i++) {
		h ^= b[i];
		h *= 1099511628211ull;
	}
	return h;
}

/* Slot of `encoded` in the index: the slot holding it, or the empty slot
 * where it would go. index[i] is entry number + 1, 0 for empty. */
static size_t index_slot(const struct ekv_keymap *km, const char *encoded, size_t len)
{
	size_t mask = km->index_cap - 1;
	size_t i = (size_t)hash_bytes(encoded, len) & mask;
	for (;;) {
		size_t e = km->index[i];
		if (!e) return i;
		const struct ekv_keymap_entry *ent = &km->entries[e - 1];
		if (ent->encoded_len == len && memcmp(ent->encoded, encoded, len) == 0) return i;
		i = (i + 1) & mask;
	}
}

static int index_grow(struct ekv_keymap *km)
{
	size_t cap = km->index_cap ? km->index_cap * 2 : 64;
	size_t *idx = calloc(cap, sizeof *idx);
	if (!idx) return EKV_ENOMEM;
	free(km->index);
	km->index = idx;
	km->index_cap = cap;
	for (size_t e = 0; e < km->n; e++) {
		size_t s = index_slot(km, km->entries[e].encoded, km->entries[e].encoded_len);
		km->index[s] = e + 1;
	}
	return 0;
}

const struct ekv_keymap_entry *ekv_keymap_find(const struct ekv_keymap *km, const char *encoded,
					       size_t len)
{
	if (!km->index_cap) return NULL;
	size_t e = km->index[index_slot(km, encoded, len)];
	return e ? &km->entries[e - 1] : NULL;
}

static void entry_free(struct ekv_keymap_entry *e)
{
	free(e->encoded);
	free(e->original);
	free(e->kind);
}

void ekv_keymap_release(struct ekv_keymap *km)
{
	for (size_t i = 0; i < km->n; i++) entry_free(&km->entries[i]);
	free(km->entries);
	free(km->index);
	memset(km, 0, sizeof *km);
}

static char *dup_bytes(const void *p, size_t n)
{
	char *d = malloc(n + 1);
	if (!d) return NULL;
	if (n) memcpy(d, p, n);
	d[n] = 0;
	return d;
}

/* Adds a parsed record; takes ownership of *rec's strings. */
static int keymap_add(struct ekv_keymap *km, struct ekv_keymap_entry *rec, size_t *cap,
		      int reject_duplicates, const char *display, unsigned long line,
		      struct ekv_error *err)
{
	if ((km->n + 1) * 2 > km->index_cap && index_grow(km)) goto nomem;
	size_t slot = index_slot(km, rec->encoded, rec->encoded_len);
	if (km->index[slot]) {
		if (reject_duplicates) {
			ekv_fail(err, EKV_EKEYMAP, "duplicate encoded name \"%s\"", rec->encoded);
			ekv_error_set_file(err, display, line);
			entry_free(rec);
			return EKV_EKEYMAP;
		}
		/* Last record wins; it keeps the first record's position. */
		struct ekv_keymap_entry *old = &km->entries[km->index[slot] - 1];
		entry_free(old);
		*old = *rec;
		return 0;
	}
	if (km->n == *cap) {
		size_t ncap = *cap ? *cap * 2 : 16;
		struct ekv_keymap_entry *p = realloc(km->entries, ncap * sizeof *p);
		if (!p) goto nomem;
		km->entries = p;
		*cap = ncap;
	}
	km->entries[km->n++] = *rec;
	km->index[slot] = km->n;
	return 0;
nomem:
	entry_free(rec);
	return ekv_fail(err, EKV_ENOMEM, "out of memory loading keymap");
}

static int bad_record(struct ekv_error *err, const char *display, unsigned long line,
		      const char *what, const char *field)
{
	if (field)
		ekv_fail(err, EKV_EKEYMAP, "invalid KEYMAP record: field \"%s\" %s", field, what);
	else
		ekv_fail(err, EKV_EKEYMAP, "invalid KEYMAP record: %s", what);
	ekv_error_set_file(err, display, line);
	return EKV_EKEYMAP;
}

/* One line -> one record (decodeKeymapLine). */
static int parse_line(const uint8_t *p, size_t n, const char *display, unsigned long line,
		      struct ekv_keymap_entry *rec, struct ekv_error *err)
{
	static const char *const names[3] = { "encoded", "original", "kind" };
	const json_t *f[3];
	memset(rec, 0, sizeof *rec);
	json_t *root = ekv_json_parse_at(p, n, display, line, EKV_EKEYMAP, err);
	if (!root) return err ? err->code : EKV_EKEYMAP;
	int st = 0;
	if (!json_is_object(root)) {
		st = bad_record(err, display, line, "line is not a JSON object", NULL);
		goto out;
	}
	for (int i = 0; i < 3; i++) {
		f[i] = json_object_get(root, names[i]);
		if (!f[i]) st = bad_record(err, display, line, "is missing", names[i]);
		else if (json_is_null(f[i])) st = bad_record(err, display, line, "is null", names[i]);
		else if (!ekv_json_is_string(f[i]))
			st = bad_record(err, display, line, "is not a string", names[i]);
		if (st) goto out;
	}
	if (!json_string_length(f[0])) {
		st = bad_record(err, display, line, "is empty", "encoded");
		goto out;
	}
	if (!json_string_length(f[2])) {
		st = bad_record(err, display, line, "is empty", "kind");
		goto out;
	}
	struct ekv_buf orig = EKV_BUF_INIT;
	st = ekv_b64url_decode(&orig, json_string_value(f[1]), json_string_length(f[1]));
	if (st == EKV_ENOMEM) {
		ekv_buf_release(&orig);
		st = ekv_fail(err, EKV_ENOMEM, "out of memory loading keymap");
		goto out;
	}
	if (st) {
		ekv_buf_release(&orig);
		st = bad_record(err, display, line, "is not unpadded base64url",
				"original");
		goto out;
	}
	rec->original_len = orig.len;
	rec->original = ekv_buf_detach(&orig, NULL);
	rec->encoded_len = json_string_length(f[0]);
	rec->encoded = dup_bytes(json_string_value(f[0]), rec->encoded_len);
	rec->kind = dup_bytes(json_string_value(f[2]), json_string_length(f[2]));
	if (!rec->original || !rec->encoded || !rec->kind) {
		entry_free(rec);
		memset(rec, 0, sizeof *rec);
		st = ekv_fail(err, EKV_ENOMEM, "out of memory loading keymap");
	}
out:
	json_decref(root);
	return st;
}

int ekv_keymap_parse(const void *data, size_t n, const char *display, int reject_duplicates,
		     struct ekv_keymap *km, struct ekv_error *err)
{
	const uint8_t *p = data;
	size_t pos = 0, cap = 0;
	unsigned long line = 0;
	if (!display) display = EKV_KEYMAP_FILE;
	memset(km, 0, sizeof *km);
	while (pos < n) {
		const uint8_t *nl = memchr(p + pos, '\n', n - pos);
		size_t end = nl ? (size_t)(nl - p) : n;
		size_t len = end - pos;
		line++;
		if (len + (nl ? 1 : 0) > KEYMAP_MAX_LINE) {
			ekv_fail(err, EKV_EKEYMAP, "line longer than %zu bytes", KEYMAP_MAX_LINE);
			ekv_error_set_file(err, display, line);
			goto fail;
		}
		if (len && p[end - 1] == '\r') len--;
		if (!len) {
			ekv_fail(err, EKV_EKEYMAP, "invalid KEYMAP record: empty line");
			ekv_error_set_file(err, display, line);
			goto fail;
		}
		struct ekv_keymap_entry rec;
		if (parse_line(p + pos, len, display, line, &rec, err)) goto fail;
		if (keymap_add(km, &rec, &cap, reject_duplicates, display, line, err)) goto fail;
		pos = nl ? end + 1 : n;
	}
	return 0;
fail:
	ekv_keymap_release(km);
	return err ? err->code : EKV_EKEYMAP;
}

int ekv_keymap_load(int dirfd, const char *display, int reject_duplicates, struct ekv_keymap *km,
		    struct ekv_error *err)
{
	struct ekv_buf data = EKV_BUF_INIT;
	struct stat stbuf;
	int st = 0;
	if (!display) display = EKV_KEYMAP_FILE;
	memset(km, 0, sizeof *km);
	int fd = openat(dirfd, EKV_KEYMAP_FILE, O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK);
	if (fd < 0) {
		if (errno == ENOENT) return 0;
		if (errno == ELOOP)
			st = ekv_fail(err, EKV_EUNSAFE, "refusing to read a symlink");
		else
			st = ekv_fail_errno(err, errno, "open");
		ekv_error_set_file(err, display, 0);
		return st;
	}
	if (fstat(fd, &stbuf) < 0) {
		st = ekv_fail_errno(err, errno, "stat");
		goto out;
	}
	if (!S_ISREG(stbuf.st_mode)) {
		st = ekv_fail(err, EKV_EUNSAFE, "not a regular file");
		goto out;
	}
	if (stbuf.st_nlink > 1) {
		st = ekv_fail(err, EKV_EUNSAFE, "refusing to read a hard-linked file");
		goto out;
	}
	for (;;) {
		if (ekv_buf_reserve(&data, 65536)) {
			st = ekv_fail(err, EKV_ENOMEM, "out of memory reading keymap");
			goto out;
		}
		ssize_t r = read(fd, data.data + data.len, data.cap - data.len - 1);
		if (r < 0 && errno == EINTR) continue;
		if (r < 0) {
			st = ekv_fail_errno(err, errno, "read");
			goto out;
		}
		if (r == 0) break;
		data.len += (size_t)r;
		data.data[data.len] = 0;
	}
	st = ekv_keymap_parse(data.data, data.len, display, reject_duplicates, km, err);
out:
	if (st && st != EKV_EKEYMAP) ekv_error_set_file(err, display, 0);
	close(fd);
	ekv_buf_release(&data);
	return st;
}
