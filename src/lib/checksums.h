/*
 * CHECKSUMS lines (container.md §5.6, tools.md §8.3): GNU sha256sum format.
 *
 *   <64 lowercase hex>␠␠<path>\n            plain
 *   \<64 lowercase hex>␠␠<escaped path>\n   path holds \n, \r or a backslash
 *
 * Escaping is byte-exact: "\n" -> '\' 'n', "\r" -> '\' 'r', '\' -> '\' '\',
 * every other byte copied as is. Upstream re-encodes the escaped branch as
 * UTF-8 runes, turning invalid UTF-8 bytes into EF BF BD so the line no
 * longer names the file (tools.md §10.1 #15); we keep the bytes, as GNU
 * sha256sum does, so `sha256sum -c` and our verifier find the real file.
 * The two outputs differ only for a path that holds both an escaped byte
 * and invalid UTF-8.
 */
#ifndef EKV_CHECKSUMS_H
#define EKV_CHECKSUMS_H
#include "buf.h"

/* Longest CHECKSUMS line, '\n' excluded: upstream's line scanner has an
 * 8 KiB buffer that must hold the line and its '\n'. The tree writer
 * refuses a path whose line would be longer, so every dump verifies with
 * both tools. */
#define EKV_CHECKSUMS_LINE_MAX 8191

/* Appends one line, '\n' included. Returns 0 or EKV_ENOMEM. */
int ekv_checksums_format_line(struct ekv_buf *out, const uint8_t digest[32], const void *path,
			      size_t path_len);

/* Parses one line (without its '\n'; a trailing '\r' is dropped, as
 * upstream's line scanner does). Strict upstream rules: optional leading
 * '\' (escaped form), 64 lowercase hex digits, "  " or " *", then the
 * path; in the escaped form only \n, \r and \\ are known escapes.
 * Fills digest and path (reset first). Returns 0, or -1 if malformed. */
int ekv_checksums_parse_line(const void *line, size_t len, uint8_t digest[32],
			     struct ekv_buf *path);

/* Checks a listed path. Our writer only emits canonical relative paths,
 * so this is stricter than upstream's filepath.IsLocal + Clean: returns
 * 0 for a canonical relative path, EKV_EUNSAFE for an absolute path or
 * any ".." component (escapes the root), EKV_ECHECKSUM for an empty path
 * or a non-canonical one (empty or "." component, NUL byte). */
int ekv_checksums_check_path(const void *path, size_t len);
#endif
