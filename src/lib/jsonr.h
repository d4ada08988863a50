/*
 * Reading JSON with jansson, strictly (D18): duplicate members and invalid
 * UTF-8 refused, exactly one value (trailing whitespace allowed).
 *
 * jansson stores integers as signed long long; uint64 fields such as
 * last_commit_ts may exceed 2^63 (tools.md §10.1 #22). Parsing therefore
 * first rewrites every integer token above INT64_MAX into a marked string,
 * which ekv_json_u64 turns back into the exact value. Object keys may
 * hold NUL (\u0000, which jansson alone refuses): iterate with
 * json_object_keylen_foreach, not json_object_foreach.
 */
#ifndef EKV_JSONR_H
#define EKV_JSONR_H
#include <jansson.h>
#include "buf.h"

/* Parses text; on failure fills err (EKV_EINPUT by default) naming
 * display and the line. */
json_t *ekv_json_parse(const void *text, size_t n, const char *display, enum ekv_status code,
		       struct ekv_error *err);
/* Same, for text that starts at line first_line of display (JSONL). */
json_t *ekv_json_parse_at(const void *text, size_t n, const char *display,
			  unsigned long first_line, enum ekv_status code, struct ekv_error *err);
/* Integer >= 0 (or a big one from the pre-pass) -> 0, else -1. */
int ekv_json_u64(const json_t *v, uint64_t *out);
/* Integer in int64 range -> 0, else -1. ("-0" is 0 here but refused by
 * ekv_json_u64, as Go's strconv does.) */
int ekv_json_i64(const json_t *v, int64_t *out);
/* True if v is an integer token (including the big-integer marker). */
int ekv_json_is_integer(const json_t *v);
/* True if v is a string of the input. A big-integer marker is a jansson
 * string internally (its bytes start with 0xFF, never valid UTF-8), so
 * json_is_string() alone would accept an integer above INT64_MAX where a
 * string is required: use this instead on parsed documents. */
int ekv_json_is_string(const json_t *v);
#endif
