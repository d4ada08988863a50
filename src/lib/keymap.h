/*
 * KEYMAP.jsonl (container.md §5.3): one compact JSON object per line,
 * {"encoded":…,"original":<base64url no padding>,"kind":…}, HTML escaping
 * off, "\n" after each record.
 */
#ifndef EKV_KEYMAP_H
#define EKV_KEYMAP_H
#include "buf.h"

#define EKV_KEYMAP_FILE "KEYMAP.jsonl"
#define EKV_KEYMAP_SHA_FALLBACK "sha-fallback"
#define EKV_KEYMAP_S3_LEAF_DATA "s3-leaf-data"
#define EKV_KEYMAP_META_RENAME "meta-suffix-rename"

/* Appends one record line to out: {"encoded":…,"original":…,"kind":…}\n,
 * HTML escaping off. Empty encoded or kind -> EKV_EUSAGE; EKV_ENOMEM. */
int ekv_keymap_append(struct ekv_buf *out, const char *encoded, size_t encoded_len,
		      const void *original, size_t original_len, const char *kind);

struct ekv_keymap_entry {
	char *encoded;
	size_t encoded_len;
	uint8_t *original;
	size_t original_len;
	char *kind;
};
struct ekv_keymap {
	struct ekv_keymap_entry *entries;   /* in file order */
	size_t n;
	size_t *index;                      /* hash index into entries */
	size_t index_cap;
};
/* Parses a KEYMAP.jsonl body (strict rules of §5.3). display names the
 * file in errors (err->file, err->line). reject_duplicates: a repeated
 * `encoded` is an error (S3); otherwise the last record wins (its
 * original and kind replace the earlier record's, which keeps its place
 * in `entries`). On failure km is left empty. EKV_EKEYMAP for bad
 * content, EKV_ENOMEM. */
int ekv_keymap_parse(const void *data, size_t n, const char *display, int reject_duplicates,
		     struct ekv_keymap *km, struct ekv_error *err);
/* Reads dirfd/KEYMAP.jsonl if present (absent = empty map). display is
 * the file's path as shown in errors ("s3/b/KEYMAP.jsonl"). A symlink,
 * non-regular or hard-linked file is EKV_EUNSAFE. */
int ekv_keymap_load(int dirfd, const char *display, int reject_duplicates, struct ekv_keymap *km,
		    struct ekv_error *err);
const struct ekv_keymap_entry *ekv_keymap_find(const struct ekv_keymap *km, const char *encoded,
					       size_t len);
void ekv_keymap_release(struct ekv_keymap *km);
#endif
