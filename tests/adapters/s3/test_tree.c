/* S3 dump tree properties: sync-style object listing, spills, temp files, long keys. */
#include <dirent.h>
#include <sys/resource.h>
#include "s3_fixture.h"
#include "lib/keymap.h"
#include "adapters/s3/s3_decode.h"

struct kv {
	struct ekv_buf key, body;
	int seen;
};

static struct kv *find_kv(struct kv *objs, size_t n, const void *k, size_t kl)
{
	for (size_t i = 0; i < n; i++)
		if (objs[i].key.len == kl && memcmp(objs[i].key.data, k, kl) == 0) return &objs[i];
	return NULL;
}

/* Walks dir (relative path rel under the bucket): every file that is not a
 * sidecar or a control file is an object; KEYMAP gives its real key. */
static void walk(const char *bucket_dir, const char *rel, int top, const struct ekv_keymap *km,
		 struct kv *objs, size_t n)
{
	char path[8192];
	snprintf(path, sizeof path, "%s%s%s", bucket_dir, *rel ? "/" : "", rel);
	DIR *d = opendir(path);
	CHECK(d != NULL);
	struct dirent *e;
	while ((e = readdir(d))) {
		const char *nm = e->d_name;
		if (!strcmp(nm, ".") || !strcmp(nm, "..")) continue;
		char sub[8192];
		snprintf(sub, sizeof sub, "%s%s%s", rel, *rel ? "/" : "", nm);
		if (e->d_type == DT_DIR) {
			if (top && (!strcmp(nm, "_orphans") || !strcmp(nm, "_incomplete_uploads"))) continue;
			walk(bucket_dir, sub, 0, km, objs, n);
			continue;
		}
		if (top && (!strcmp(nm, "_bucket.json") || !strcmp(nm, "KEYMAP.jsonl"))) continue;
		if (s3_has_suffix((const uint8_t *)nm, strlen(nm), S3_META_SUFFIX)) continue;
		const struct ekv_keymap_entry *m = ekv_keymap_find(km, sub, strlen(sub));
		const void *k = m ? (const void *)m->original : sub;
		size_t kl = m ? m->original_len : strlen(sub);
		struct kv *o = find_kv(objs, n, k, kl);
		if (!o) ekv_test_fail(__FILE__, __LINE__, "unexpected object file %s", sub);
		CHECK(!o->seen);
		o->seen = 1;
		char full[8300];
		snprintf(full, sizeof full, "%s/%s", bucket_dir, sub);
		s3fx_check_file(full, o->body.data, o->body.len);
	}
	closedir(d);
}

/* `aws s3 sync`-style check (s3.md §8.3): the tree minus sidecars and
 * control files, with KEYMAP renames reversed, is exactly the bucket's objects. */
EKV_TEST(s3_tree_lists_exactly_the_objects)
{
	static const char *const keys[] = { "a", "a/b", "a/b/c", "photos/", "photos", "x//y", "/lead",
					    "..", "_bucket.json", "KEYMAP.jsonl", "dir/_bucket.json",
					    "dir/KEYMAP.jsonl", "n\nl", "sp ace", "q.elastickv-leaf-data",
					    "q", "q/z", "m.elastickv-meta.json", "caf\xc3\xa9", "\xff\xfe" };
	size_t n = sizeof keys / sizeof keys[0];
	struct kv *objs = calloc(n, sizeof *objs);
	struct s3fx s = { 0 };
	s3fx_bucket(&s, "bkt", 2);
	for (size_t i = 0; i < n; i++) {
		ekv_buf_init(&objs[i].key);
		ekv_buf_init(&objs[i].body);
		ekv_buf_set(&objs[i].key, keys[i], strlen(keys[i]));
		ekv_buf_printf(&objs[i].body, "body-%zu", i);
		s3fx_object(&s, "bkt", 2, keys[i], strlen(keys[i]), objs[i].body.data, objs[i].body.len, NULL);
	}
	s3fx_write(&s, "in.fsm");
	struct ekv_decode_options o;
	struct ekv_error err;
	s3fx_opts(&o, "in.fsm", "out", NULL);
	o.rename_s3_collisions = 1;
	CHECK_OK(s3fx_decode(&o, &err), &err);
	struct ekv_keymap km;
	size_t kmlen = 0;
	char *kmdata = ekv_test_read_file("out/s3/bkt/KEYMAP.jsonl", &kmlen);
	CHECK(kmdata != NULL);
	CHECK_OK(ekv_keymap_parse(kmdata, kmlen, "KEYMAP.jsonl", 1, &km, &err), &err);
	walk("out/s3/bkt", "", 1, &km, objs, n);
	for (size_t i = 0; i < n; i++)
		if (!objs[i].seen) ekv_test_fail(__FILE__, __LINE__, "object %zu missing from the tree", i);
	ekv_keymap_release(&km);
	free(kmdata);
	for (size_t i = 0; i < n; i++) {
		ekv_buf_release(&objs[i].key);
		ekv_buf_release(&objs[i].body);
	}
	free(objs);
}

/* D14: with a tiny spill threshold every sorter spills; the tree is the same. */
EKV_TEST(s3_spills_give_same_tree)
{
	struct s3fx s = { 0 };
	char key[64], body[64];
	s3fx_bucket(&s, "b", 1);
	for (int i = 0; i < 400; i++) {
		snprintf(key, sizeof key, "d%02d/o%04d%s", i % 7, i, i % 13 ? "" : "/");
		snprintf(body, sizeof body, "v%d", i);
		s3fx_text(&s, "b", 1, key, body);
		if (i % 50 == 0) {
			snprintf(key, sizeof key, "d%02d", i % 7);
			s3fx_text(&s, "b", 1, key, "leaf");
		}
	}
	s3fx_write(&s, "in.fsm");
	struct ekv_decode_options o;
	struct ekv_error err;
	s3fx_opts(&o, "in.fsm", "big-mem", NULL);
	CHECK_OK(s3fx_decode(&o, &err), &err);
	s3fx_opts(&o, "in.fsm", "tiny-mem", NULL);
	o.spill_threshold = 2048;
	CHECK_OK(s3fx_decode(&o, &err), &err);
	CHECK(s3fx_sh_ok("diff -r big-mem/s3 tiny-mem/s3"));
}

/* D24: temp files beside the final paths are gone after success and after failure. */
EKV_TEST(s3_no_temp_files_left)
{
	struct s3fx s = { 0 };
	s3fx_bucket(&s, "b", 1);
	s3fx_text(&s, "b", 1, "a/ok", "fine");
	s3fx_text(&s, "b", 1, "b/ok", "fine");
	s3fx_decode_ok(&s, "out", NULL);
	CHECK(s3fx_sh_ok("test $(find out -type f | wc -l) = 7"));   /* 2 x (body+sidecar), _bucket, MANIFEST, CHECKSUMS */

	struct s3fx t = { 0 };
	s3fx_bucket(&t, "b", 1);
	s3fx_text(&t, "b", 1, "a/ok", "fine");
	s3fx_manifest(&t, "b", 1, "z/broken", 8,
		      "{\"upload_id\":\"u\",\"size_bytes\":2,\"parts\":[{\"part_no\":1,\"chunk_count\":2}]}");
	s3fx_blob(&t, "b", 1, "z/broken", 8, "u", 1, 0, 0, "x", 1);
	s3fx_write(&t, "in2.fsm");
	struct ekv_decode_options o;
	struct ekv_error err;
	s3fx_opts(&o, "in2.fsm", "out2", NULL);
	CHECK_STATUS(s3fx_decode(&o, &err), EKV_EDATA, &err);
	CHECK(s3fx_sh_ok("test ! -e out2 || test -z \"$(find out2 -mindepth 1)\""));
	CHECK(err.has_key && err.key_len == 8 && memcmp(err.key, "z/broken", 8) == 0);
	CHECK(err.has_offset);   /* the manifest record's offset */
}

/* A 4.2 KiB key of 200-byte segments keeps its natural (deep) path; one of
 * 4 KiB with a 201-byte segment goes to the SHA name (D20); both round trip. */
EKV_TEST(s3_long_keys)
{
	char deep[4600], over[4600];
	size_t n = 0;
	for (int i = 0; i < 21; i++) {
		memset(deep + n, 'a' + i, 200);
		n += 200;
		deep[n++] = '/';
	}
	memcpy(deep + n, "end", 4);
	memcpy(over, deep, sizeof deep);
	over[199] = 'X';
	over[200] = 'X';   /* first segment now 201 bytes */
	struct s3fx s = { 0 };
	s3fx_bucket(&s, "b", 1);
	s3fx_text(&s, "b", 1, deep, "deep");
	s3fx_text(&s, "b", 1, over, "over");
	s3fx_decode_ok(&s, "out", NULL);
	char path[4700];
	snprintf(path, sizeof path, "out/s3/b/%s", deep);
	CHECK(strlen(path) > 4096);
	CHECK(s3fx_sh_ok("test $(grep -c sha-fallback out/s3/b/KEYMAP.jsonl) = 1"));
	struct ekv_error err;
	CHECK_OK(s3fx_encode("out", "rt.fsm", &err), &err);
	struct ekv_decode_options o;
	s3fx_opts(&o, "rt.fsm", "rt", NULL);
	CHECK_OK(s3fx_decode(&o, &err), &err);
	/* diff(1) cannot open paths over PATH_MAX: compare the CHECKSUMS lines */
	CHECK(s3fx_sh_ok("grep ' s3/' out/CHECKSUMS > a && grep ' s3/' rt/CHECKSUMS > b && test -s a && cmp a b"));
}

/* D23: two keys that land on one path (here a natural key spelled like the
 * SHA name of "..") are an error, never a replacement. */
EKV_TEST(s3_d23_existing_path_is_error)
{
	struct ekv_buf name = EKV_BUF_INIT;
	CHECK(s3_class_name(&name, C_SHA, (const uint8_t *)"..", 2) == 0);
	char twin[128];
	snprintf(twin, sizeof twin, "%.*s", (int)name.len, (const char *)name.data);
	struct s3fx s = { 0 };
	s3fx_bucket(&s, "b", 1);
	s3fx_text(&s, "b", 1, "..", "dots");
	s3fx_text(&s, "b", 1, twin, "twin");
	s3fx_write(&s, "in.fsm");
	struct ekv_decode_options o;
	struct ekv_error err;
	s3fx_opts(&o, "in.fsm", "out", NULL);
	CHECK_STATUS(s3fx_decode(&o, &err), EKV_EEXIST, &err);
	CHECK(!ekv_test_file_exists("out/MANIFEST.json"));
	ekv_buf_release(&name);
}

/* A key nested 1000 levels deep round trips, and the encoder walks it with
 * fewer than 100 open descriptors (iterative walk, deep levels reopened). */
EKV_TEST(s3_deep_key_bounded_descriptors)
{
	static char k[2100];
	size_t n = 0;
	for (int i = 0; i < 1000; i++) {
		k[n++] = 'd';
		k[n++] = '/';
	}
	k[n++] = 'z';
	struct s3fx s = { 0 };
	s3fx_bucket(&s, "b", 1);
	s3fx_object(&s, "b", 1, k, n, "deep", 4, NULL);
	s3fx_text(&s, "b", 1, "d/d/side", "side");
	s3fx_decode_ok(&s, "out", NULL);
	struct rlimit old, low;
	CHECK(getrlimit(RLIMIT_NOFILE, &old) == 0);
	low = old;
	low.rlim_cur = 100;
	CHECK(setrlimit(RLIMIT_NOFILE, &low) == 0);
	struct ekv_error err;
	int rc = s3fx_encode("out", "rt.fsm", &err);
	CHECK(setrlimit(RLIMIT_NOFILE, &old) == 0);
	CHECK_OK(rc, &err);
	struct ekv_decode_options o;
	s3fx_opts(&o, "rt.fsm", "rt", NULL);
	CHECK_OK(s3fx_decode(&o, &err), &err);
	CHECK(s3fx_sh_ok("grep ' s3/' out/CHECKSUMS > a && grep ' s3/' rt/CHECKSUMS > b && test -s a && cmp a b"));
}

/* s3.md §7.8 key lengths and case: segments of 200 bytes stay natural,
 * 201/236/240/241/255/256 go to SHA names (D20); case-only variants are
 * distinct files; everything round trips. */
EKV_TEST(s3_segment_lengths_and_case)
{
	static const size_t lens[] = { 200, 201, 236, 240, 241, 255, 256 };
	struct s3fx s = { 0 };
	char k[300];
	s3fx_bucket(&s, "b", 1);
	for (size_t i = 0; i < sizeof lens / sizeof lens[0]; i++) {
		memset(k, 'a' + (int)i, lens[i]);
		k[lens[i]] = 0;
		s3fx_text(&s, "b", 1, k, k + lens[i] - 3);
	}
	s3fx_text(&s, "b", 1, "Key", "upper");
	s3fx_text(&s, "b", 1, "key", "lower");
	s3fx_decode_ok(&s, "out", NULL);
	CHECK(s3fx_sh_ok("test $(grep -c sha-fallback out/s3/b/KEYMAP.jsonl) = 6"));
	memset(k, 'a', 200);
	k[200] = 0;
	char path[320];
	snprintf(path, sizeof path, "out/s3/b/%s", k);
	S3FX_FILE(path, "aaa");
	S3FX_FILE("out/s3/b/Key", "upper");
	S3FX_FILE("out/s3/b/key", "lower");
	struct ekv_error err;
	CHECK_OK(s3fx_encode("out", "rt.fsm", &err), &err);
	struct ekv_decode_options o;
	s3fx_opts(&o, "rt.fsm", "rt", NULL);
	CHECK_OK(s3fx_decode(&o, &err), &err);
	CHECK(s3fx_sh_ok("diff -r out/s3 rt/s3"));
}
