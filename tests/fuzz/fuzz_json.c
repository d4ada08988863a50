/* libFuzzer target for the JSON readers: ekv_json_parse (uint64 and NUL-key
 * pre-pass), KEYMAP.jsonl and MANIFEST.json never crash or leak; a manifest
 * that parses writes and parses back to the same bytes; a keymap that
 * parses re-serialises to a keymap that parses to the same records. */
#include <stdlib.h>
#include <string.h>
#include "lib/buf.h"
#include "lib/jsonr.h"
#include "lib/keymap.h"
#include "lib/manifest.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_manifest(const uint8_t *data, size_t size)
{
	struct ekv_manifest m, r;
	struct ekv_error err = { 0 };
	struct ekv_buf a = EKV_BUF_INIT, b = EKV_BUF_INIT;
	if (ekv_manifest_parse(data, size, &m, &err)) return;
	if (ekv_manifest_write(&a, &m, &err) || ekv_manifest_parse(a.data, a.len, &r, &err)) abort();
	if (ekv_manifest_write(&b, &r, &err) || a.len != b.len || memcmp(a.data, b.data, a.len)) abort();
	ekv_manifest_release(&r);
	ekv_manifest_release(&m);
	ekv_buf_release(&a);
	ekv_buf_release(&b);
}

static void check_keymap(const uint8_t *data, size_t size)
{
	struct ekv_keymap km, back;
	struct ekv_error err = { 0 };
	struct ekv_buf out = EKV_BUF_INIT;
	if (ekv_keymap_parse(data, size, "KEYMAP.jsonl", 0, &km, &err)) return;
	for (size_t i = 0; i < km.n; i++) {
		const struct ekv_keymap_entry *e = &km.entries[i];
		if (ekv_keymap_append(&out, e->encoded, e->encoded_len, e->original, e->original_len,
				      e->kind))
			abort();
	}
	if (ekv_keymap_parse(out.data, out.len, "KEYMAP.jsonl", 1, &back, &err) || back.n != km.n)
		abort();
	for (size_t i = 0; i < km.n; i++) {
		const struct ekv_keymap_entry *e = &km.entries[i];
		const struct ekv_keymap_entry *f = ekv_keymap_find(&back, e->encoded, e->encoded_len);
		/* Invalid UTF-8 cannot come out of the parser, so bytes survive. */
		if (!f || f->original_len != e->original_len ||
		    memcmp(f->original, e->original, e->original_len) || strcmp(f->kind, e->kind))
			abort();
	}
	ekv_keymap_release(&back);
	ekv_keymap_release(&km);
	ekv_buf_release(&out);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct ekv_error err = { 0 };
	json_t *v = ekv_json_parse(data, size, "fuzz.json", EKV_EINPUT, &err);
	if (v) {
		uint64_t u;
		int64_t i;
		ekv_json_u64(v, &u);
		ekv_json_i64(v, &i);
		json_decref(v);
	}
	check_manifest(data, size);
	check_keymap(data, size);
	return 0;
}
