/*
 * Streaming JSON writer that reproduces Go's classic encoding/json bytes
 * (container.md §5.7, decision D7):
 *   - strings: \" \\ \b \f \n \r \t, other bytes < 0x20 as \u00xx (lower
 *     hex), U+2028/U+2029 escaped, each invalid UTF-8 byte as the six
 *     characters \ufffd, everything else raw;
 *   - EKV_JW_HTML additionally writes < > & as \u003c \u003e \u0026
 *     (profile A: adapter files via json.Marshal);
 *   - EKV_JW_INDENT writes two-space indentation with "key": value, empty
 *     objects/arrays as {} / [] (json.MarshalIndent / SetIndent("", "  "));
 *   - EKV_JW_NEWLINE appends "\n" after the top-level value (json.Encoder).
 * The writer appends to a caller-owned ekv_buf; errors are sticky and
 * reported by ekv_jw_status (only EKV_ENOMEM can happen).
 */
#ifndef EKV_JSONW_H
#define EKV_JSONW_H
#include "buf.h"

enum ekv_jw_flags {
	EKV_JW_HTML = 1,
	EKV_JW_INDENT = 2,
	EKV_JW_NEWLINE = 4,
};
/* Profile A (json.Marshal) and B (Encoder, SetEscapeHTML(false)). */
#define EKV_JW_PROFILE_A (EKV_JW_HTML)
#define EKV_JW_PROFILE_A_INDENT (EKV_JW_HTML | EKV_JW_INDENT)
#define EKV_JW_PROFILE_B (EKV_JW_NEWLINE)
#define EKV_JW_PROFILE_B_INDENT (EKV_JW_NEWLINE | EKV_JW_INDENT)

/* DynamoDB items nest up to 32 levels live (about 65 JSON levels) and the
 * decoder accepts far deeper protobuf, so the limit is generous. */
#define EKV_JW_MAX_DEPTH 2100
struct ekv_jw {
	struct ekv_buf *out;
	unsigned flags;
	int depth;
	int status;
	int after_key;                         /* a key was written; next value follows ':' */
	uint8_t count[EKV_JW_MAX_DEPTH];       /* 0 = container still empty */
};

void ekv_jw_init(struct ekv_jw *w, struct ekv_buf *out, unsigned flags);
void ekv_jw_obj_begin(struct ekv_jw *w);
void ekv_jw_obj_end(struct ekv_jw *w);
void ekv_jw_arr_begin(struct ekv_jw *w);
void ekv_jw_arr_end(struct ekv_jw *w);
void ekv_jw_key(struct ekv_jw *w, const char *key);
void ekv_jw_key_bytes(struct ekv_jw *w, const void *key, size_t len);
void ekv_jw_str(struct ekv_jw *w, const void *s, size_t len);
void ekv_jw_cstr(struct ekv_jw *w, const char *s);
void ekv_jw_u64(struct ekv_jw *w, uint64_t v);
void ekv_jw_i64(struct ekv_jw *w, int64_t v);
void ekv_jw_bool(struct ekv_jw *w, int v);
void ekv_jw_null(struct ekv_jw *w);
/* Go float64 formatting (strconv 'f'/'e' shortest, as encoding/json).
 * NaN/Inf are not JSON: the caller must refuse them first. */
void ekv_jw_f64(struct ekv_jw *w, double v);
/* Appends pre-formatted JSON text as one value (e.g. a number token). */
void ekv_jw_raw(struct ekv_jw *w, const char *text, size_t len);
/* Binary-safe value (container.md §5.7): valid UTF-8 -> string, otherwise
 * {"base64":"<base64url, no padding>"}. */
void ekv_jw_binary_safe(struct ekv_jw *w, const void *s, size_t len);
/* Finishes the document (adds the newline for EKV_JW_NEWLINE). Returns
 * 0 or EKV_ENOMEM. */
int ekv_jw_finish(struct ekv_jw *w);
int ekv_jw_status(const struct ekv_jw *w);

/* Escapes one string into out using the writer's rules (with quotes). */
int ekv_json_quote(struct ekv_buf *out, const void *s, size_t len, int escape_html);
/* Go strconv.FormatFloat(v, 'g'-style JSON rules); buf >= 32 bytes. */
size_t ekv_format_go_float(double v, char *buf);
#endif
