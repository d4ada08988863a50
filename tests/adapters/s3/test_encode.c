/* S3 encode: records (s3.md §5.6-§5.7), round trips, refusals (§6.2, §7.2-§7.5). */
#include "s3_fixture.h"

/* decode(encode(tree)) == tree, for every file under s3/ (and KEYMAPs). */
static void round_trip(const char *tree)
{
	struct ekv_error err;
	char cmd[512];
	snprintf(cmd, sizeof cmd, "rm -rf rt.fsm rt-out");
	CHECK(s3fx_sh_ok(cmd));
	CHECK_OK(s3fx_encode(tree, "rt.fsm", &err), &err);
	struct ekv_decode_options o;
	s3fx_opts(&o, "rt.fsm", "rt-out", NULL);
	CHECK_OK(s3fx_decode(&o, &err), &err);
	snprintf(cmd, sizeof cmd, "diff -r %s/s3 rt-out/s3", tree);
	if (!s3fx_sh_ok(cmd)) ekv_test_fail(__FILE__, __LINE__, "round trip of %s differs", tree);
}

EKV_TEST(s3_round_trip_objects)
{
	struct s3fx s = { 0 };
	size_t n = 2 * S3_CHUNK_SIZE + 512;   /* TestS3EncodeObjectMultiChunkRoundTrip */
	uint8_t *body = malloc(n);
	for (size_t i = 0; i < n; i++) body[i] = (uint8_t)(i % 251);
	s3fx_bucket(&s, "photos", 3);
	s3fx_object(&s, "photos", 3, "big", 3, body, n, ",\"user_metadata\":{\"k\":\"<v>\"}");
	s3fx_text(&s, "photos", 3, "a/b/c.txt", "nested");
	s3fx_object(&s, "photos", 3, "empty", 5, "", 0, NULL);
	s3fx_text(&s, "photos", 3, "path/to", "LEAF");
	s3fx_text(&s, "photos", 3, "path/to/sub", "CHILD");
	s3fx_text(&s, "photos", 3, "caf\xe9/x", "latin1");
	s3fx_bucket(&s, "b64.x", 1);
	s3fx_text(&s, "b64.x", 1, "k", "v");
	s3fx_bucket(&s, "empty-bucket", 2);
	s3fx_decode_ok(&s, "out", NULL);
	round_trip("out");
	free(body);
}

/* D20 keys come back byte-identical through the sha-fallback KEYMAP records. */
EKV_TEST(s3_round_trip_hostile_keys)
{
	static const char *const keys[] = { "..", ".", "photos/", "photos", "//", "/lead", "a/../b",
					    "_bucket.json", "KEYMAP.jsonl", "_orphans/x", "x\\y",
					    "p", "p/q", "p.elastickv-leaf-data", "m.elastickv-meta.json",
					    "m.elastickv-meta.json.user-data", "n", "n.elastickv-meta.json/z" };
	struct s3fx s = { 0 };
	s3fx_bucket(&s, "b", 1);
	for (size_t i = 0; i < sizeof keys / sizeof keys[0]; i++) s3fx_text(&s, "b", 1, keys[i], keys[i]);
	char longk[300];
	memset(longk, 'L', 299);
	longk[299] = 0;
	s3fx_text(&s, "b", 1, longk, "long");
	char nul[] = { 'n', 0, 'l' };
	s3fx_object(&s, "b", 1, nul, 3, "NUL", 3, NULL);
	s3fx_write(&s, "in.fsm");
	struct ekv_decode_options o;
	struct ekv_error err;
	s3fx_opts(&o, "in.fsm", "out", NULL);
	o.rename_s3_collisions = 1;
	CHECK_OK(s3fx_decode(&o, &err), &err);
	/* re-decode with the same flag (the self-test would read it from MANIFEST) */
	CHECK_OK(s3fx_encode("out", "rt.fsm", &err), &err);
	s3fx_opts(&o, "rt.fsm", "rt-out", NULL);
	o.rename_s3_collisions = 1;
	CHECK_OK(s3fx_decode(&o, &err), &err);
	CHECK(s3fx_sh_ok("diff -r out/s3 rt-out/s3"));
}

/* s3.md §5.7 worked example: exact records. */
EKV_TEST(s3_encode_worked_example_records)
{
	struct s3fx s = { 0 };
	const char *meta = "{\"bucket_name\":\"b1\",\"generation\":1,\"owner\":\"o\",\"region\":\"r\",\"acl\":\"private\"}";
	s3fx_put(&s, s3fx_bucket_key(&s, P_BUCKET_META, "b1"), meta, strlen(meta));
	s3fx_decode_ok(&s, "out", NULL);
	ekv_test_write_file("out/s3/b1/greeting.txt", "hello world", 11);
	const char *sc = "{\"format_version\":1,\"etag\":\"5eb63bbbe01eeed093cb22bb8f5acdc3\",\"size_bytes\":11,"
			 "\"last_modified\":\"2026-04-29T12:34:56.789Z\",\"content_type\":\"text/plain\"}";
	ekv_test_write_file("out/s3/b1/greeting.txt.elastickv-meta.json", sc, strlen(sc));
	struct ekv_error err;
	CHECK_OK(s3fx_encode("out", "x.fsm", &err), &err);
	int fd = open("x.fsm", O_RDONLY);
	CHECK(fd >= 0);
	struct ekv_reader *r;
	CHECK_OK(ekv_reader_new(fd, 0, &r, &err), &err);
	struct ekv_entry e;
	const char *want_vals[] = {
		"hello world",
		"\0\0\0\0\0\0\0\1",
		"{\"bucket_name\":\"b1\",\"generation\":1,\"created_at_hlc\":0,\"owner\":\"o\",\"region\":\"r\",\"acl\":\"private\"}",
		"{\"upload_id\":\"elastickv-restore\",\"etag\":\"5eb63bbbe01eeed093cb22bb8f5acdc3\",\"size_bytes\":11,"
		"\"last_modified_hlc\":116488018119163904,\"content_type\":\"text/plain\",\"content_encoding\":\"\","
		"\"cache_control\":\"\",\"content_disposition\":\"\",\"user_metadata\":null,\"parts\":[{\"part_no\":1,"
		"\"etag\":\"5eb63bbbe01eeed093cb22bb8f5acdc3\",\"size_bytes\":11,\"chunk_count\":1,\"chunk_sizes\":[11],"
		"\"part_version\":0,\"chunk_ref_version\":0,\"offloaded\":false}]}",
	};
	size_t want_lens[] = { 11, 8, 0, 0 };
	size_t want_klen[] = { 70, 19, 20, 39 };
	int i = 0;
	while (ekv_reader_next(r, &e, &err) == 1) {
		CHECK(i < 4);
		size_t wl = want_lens[i] ? want_lens[i] : strlen(want_vals[i]);
		CHECK_MEM(e.body, e.body_len, want_vals[i], wl);
		CHECK_INT(e.user_key_len, want_klen[i]);
		i++;
	}
	CHECK_INT(i, 4);
	ekv_reader_free(r);
	close(fd);
}

/* A tree for refusal tests: one bucket with one good object. */
static void good_tree(void)
{
	struct s3fx s = { 0 };
	s3fx_bucket(&s, "b", 1);
	s3fx_text(&s, "b", 1, "obj", "hello");
	s3fx_decode_ok(&s, "out", NULL);
}

static void expect_encode_fail(enum ekv_status code, const char *file_part)
{
	struct ekv_error err;
	CHECK_STATUS(s3fx_encode("out", "x.fsm", &err), code, &err);
	CHECK(!ekv_test_file_exists("x.fsm"));
	if (file_part && !strstr(err.file, file_part))
		ekv_test_fail(__FILE__, __LINE__, "error names file \"%s\", expected \"%s\"", err.file, file_part);
}

EKV_TEST(s3_encode_refuses_bad_bucket_json)
{
	good_tree();
	const char *v99 = "{\"format_version\":99,\"name\":\"b\"}";
	ekv_test_write_file("out/s3/b/_bucket.json", v99, strlen(v99));
	expect_encode_fail(EKV_EINPUT, "_bucket.json");
	const char *wrong = "{\"format_version\":1,\"name\":\"real\"}";   /* TestS3EncodeRejectsNameDirMismatch */
	ekv_test_write_file("out/s3/b/_bucket.json", wrong, strlen(wrong));
	expect_encode_fail(EKV_EINPUT, "_bucket.json");
	const char *dup = "{\"format_version\":1,\"name\":\"b\",\"name\":\"b\"}";   /* D18 */
	ekv_test_write_file("out/s3/b/_bucket.json", dup, strlen(dup));
	expect_encode_fail(EKV_EINPUT, "_bucket.json");
	const char *cased = "{\"format_version\":1,\"Name\":\"b\"}";
	ekv_test_write_file("out/s3/b/_bucket.json", cased, strlen(cased));
	expect_encode_fail(EKV_EINPUT, "_bucket.json");
	CHECK(s3fx_sh_ok("rm out/s3/b/_bucket.json"));
	expect_encode_fail(EKV_EINPUT, "_bucket.json");
	CHECK(s3fx_sh_ok("mkdir out/s3/b/_bucket.json"));   /* TestS3EncodeRejectsNonRegularBucketMeta */
	struct ekv_error err;
	CHECK(s3fx_encode("out", "x.fsm", &err) != EKV_OK);
}

EKV_TEST(s3_encode_refuses_bad_objects)
{
	good_tree();
	ekv_test_write_file("out/s3/stray.txt", "x", 1);   /* TestS3EncodeRejectsNonDirectoryBucketEntry */
	expect_encode_fail(EKV_EINPUT, "stray.txt");
	CHECK(s3fx_sh_ok("rm out/s3/stray.txt"));
	ekv_test_write_file("out/s3/_marker", "x", 1);      /* TestS3EncodeIgnoresReservedPrefixEntry */
	struct ekv_error err;
	CHECK_OK(s3fx_encode("out", "ok.fsm", &err), &err);
	ekv_test_write_file("out/s3/b/obj", "hello!", 6);    /* TestS3EncodeRejectsSizeMismatch */
	expect_encode_fail(EKV_EINPUT, "obj.elastickv-meta.json");
	ekv_test_write_file("out/s3/b/obj", "hello", 5);
	ekv_test_write_file("out/s3/b/.obj.tmp-1", "x", 1);  /* body without sidecar */
	expect_encode_fail(EKV_EINPUT, ".obj.tmp-1");
	CHECK(s3fx_sh_ok("rm out/s3/b/.obj.tmp-1 && ln -s obj out/s3/b/link && cp out/s3/b/obj.elastickv-meta.json out/s3/b/link.elastickv-meta.json"));
	expect_encode_fail(EKV_EUNSAFE, "link");
	CHECK(s3fx_sh_ok("rm out/s3/b/link out/s3/b/link.elastickv-meta.json && ln out/s3/b/obj out/s3/b/hard && cp out/s3/b/obj.elastickv-meta.json out/s3/b/hard.elastickv-meta.json"));
	expect_encode_fail(EKV_EUNSAFE, "s3/b/hard");
	CHECK(s3fx_sh_ok("rm out/s3/b/hard out/s3/b/hard.elastickv-meta.json"));
	const char *bad = "{\"format_version\":1,\"size_bytes\":5,\"etag\":7}";
	ekv_test_write_file("out/s3/b/obj.elastickv-meta.json", bad, strlen(bad));
	expect_encode_fail(EKV_EINPUT, "obj.elastickv-meta.json");
}

/* TestS3EncodeRejectsUserObjectUnderReservedDir / SkipsLegitimateReservedDumpDirs */
EKV_TEST(s3_encode_reserved_dirs)
{
	good_tree();
	CHECK(s3fx_sh_ok("mkdir -p out/s3/b/_orphans/ghost/gen-1 out/s3/b/_incomplete_uploads"));
	ekv_test_write_file("out/s3/b/_orphans/ghost/gen-1/0.bin", "x", 1);
	ekv_test_write_file("out/s3/b/_incomplete_uploads/records.jsonl", "x", 1);
	struct ekv_error err;
	CHECK_OK(s3fx_encode("out", "ok.fsm", &err), &err);
	CHECK(s3fx_sh_ok("mkdir -p out/s3/b/_orphans/path/to"));
	ekv_test_write_file("out/s3/b/_orphans/path/to/key.elastickv-meta.json", "{}", 2);
	expect_encode_fail(EKV_EINPUT, "_orphans/path/to/key.elastickv-meta.json");
}

/* s3.md §7.4/§7.5: KEYMAP validation. */
EKV_TEST(s3_encode_keymap_checks)
{
	good_tree();
	const char *orphan = "{\"encoded\":\"ghost.elastickv-leaf-data\",\"original\":\"Z2hvc3Q\",\"kind\":\"s3-leaf-data\"}\n";
	ekv_test_write_file("out/s3/b/KEYMAP.jsonl", orphan, strlen(orphan));
	expect_encode_fail(EKV_EKEYMAP, "KEYMAP.jsonl");
	const char *dup = "{\"encoded\":\"obj\",\"original\":\"eA\",\"kind\":\"sha-fallback\"}\n"
			  "{\"encoded\":\"obj\",\"original\":\"eQ\",\"kind\":\"sha-fallback\"}\n";
	ekv_test_write_file("out/s3/b/KEYMAP.jsonl", dup, strlen(dup));
	expect_encode_fail(EKV_EKEYMAP, "KEYMAP.jsonl");
	const char *reserved = "{\"encoded\":\"obj\",\"original\":\"X29ycGhhbnMvZm9yYmlkZGVuL2tleQ\",\"kind\":\"s3-leaf-data\"}\n";
	ekv_test_write_file("out/s3/b/KEYMAP.jsonl", reserved, strlen(reserved));
	expect_encode_fail(EKV_EKEYMAP, "KEYMAP.jsonl");
	const char *kind = "{\"encoded\":\"obj\",\"original\":\"eA\",\"kind\":\"future-rename-kind\"}\n";
	ekv_test_write_file("out/s3/b/KEYMAP.jsonl", kind, strlen(kind));
	expect_encode_fail(EKV_EKEYMAP, "KEYMAP.jsonl");
	const char *bad = "not-json\n";
	ekv_test_write_file("out/s3/b/KEYMAP.jsonl", bad, strlen(bad));
	struct ekv_error err;
	CHECK(s3fx_encode("out", "x.fsm", &err) != EKV_OK);
	/* TestS3EncodeAcceptsKeymapWithUserUnderscoreKey: obj restored as _foo/legit */
	const char *ok = "{\"encoded\":\"obj\",\"original\":\"X2Zvby9sZWdpdA\",\"kind\":\"sha-fallback\"}\n";
	ekv_test_write_file("out/s3/b/KEYMAP.jsonl", ok, strlen(ok));
	CHECK_OK(s3fx_encode("out", "ok.fsm", &err), &err);
	struct ekv_decode_options o;
	s3fx_opts(&o, "ok.fsm", "re", NULL);
	CHECK_OK(s3fx_decode(&o, &err), &err);
	S3FX_FILE("re/s3/b/_foo/legit", "hello");
}

/* Dumps with orphans / incomplete uploads are refused (s3.md §5.1). */
EKV_TEST(s3_encode_refuses_flagged_dumps)
{
	struct s3fx s = { 0 };
	s3fx_bucket(&s, "b", 1);
	s3fx_text(&s, "b", 1, "obj", "hello");
	s3fx_write(&s, "in.fsm");
	struct ekv_decode_options o;
	struct ekv_error err;
	s3fx_opts(&o, "in.fsm", "out", NULL);
	o.include_orphans = 1;
	CHECK_OK(s3fx_decode(&o, &err), &err);
	CHECK(s3fx_encode("out", "x.fsm", &err) != EKV_OK);
	CHECK(!ekv_test_file_exists("x.fsm"));
}

static void put_obj(const char *path, const char *body)
{
	char side[512], json[256];
	ekv_test_write_file(path, body, strlen(body));
	snprintf(side, sizeof side, "%s.elastickv-meta.json", path);
	int n = snprintf(json, sizeof json, "{\"format_version\":1,\"size_bytes\":%zu}", strlen(body));
	ekv_test_write_file(side, json, (size_t)n);
}

/* Upstream-made trees (s3.md §7.3, §7.5): a user object named KEYMAP.jsonl
 * (it has a sidecar), a directory KEYMAP.jsonl/, a literal
 * .elastickv-leaf-data key, and a tracker next to a directory named
 * KEYMAP.jsonl.elastickv-meta.json. */
EKV_TEST(s3_encode_upstream_tree_shapes)
{
	good_tree();
	CHECK(s3fx_sh_ok("mkdir -p out/s3/b/KEYMAP.jsonl"));
	put_obj("out/s3/b/KEYMAP.jsonl/foo", "dir-keymap");
	put_obj("out/s3/b/foo.elastickv-leaf-data", "literal");
	struct ekv_error err;
	CHECK_OK(s3fx_encode("out", "1.fsm", &err), &err);
	struct ekv_decode_options o;
	s3fx_opts(&o, "1.fsm", "d1", NULL);
	CHECK_OK(s3fx_decode(&o, &err), &err);
	S3FX_FILE("d1/s3/b/foo.elastickv-leaf-data", "literal");
	CHECK(s3fx_sh_ok("grep -q S0VZTUFQLmpzb25sL2Zvbw d1/s3/b/KEYMAP.jsonl"));   /* D20 moved it */

	CHECK(s3fx_sh_ok("rm -rf out/s3/b/KEYMAP.jsonl out/s3/b/foo.elastickv-leaf-data*"));
	put_obj("out/s3/b/KEYMAP.jsonl", "user-object");
	CHECK_OK(s3fx_encode("out", "2.fsm", &err), &err);
	s3fx_opts(&o, "2.fsm", "d2", NULL);
	CHECK_OK(s3fx_decode(&o, &err), &err);
	CHECK(s3fx_sh_ok("grep -q S0VZTUFQLmpzb25s d2/s3/b/KEYMAP.jsonl"));

	CHECK(s3fx_sh_ok("rm -f out/s3/b/KEYMAP.jsonl out/s3/b/KEYMAP.jsonl.elastickv-meta.json && "
			 "mkdir -p out/s3/b/path/to out/s3/b/KEYMAP.jsonl.elastickv-meta.json"));
	put_obj("out/s3/b/path/to.elastickv-leaf-data", "LEAF");
	put_obj("out/s3/b/path/to/sub", "CHILD");
	put_obj("out/s3/b/KEYMAP.jsonl.elastickv-meta.json/x", "under-dir");
	const char *km = "{\"encoded\":\"path/to.elastickv-leaf-data\",\"original\":\"cGF0aC90bw\",\"kind\":\"s3-leaf-data\"}\n";
	ekv_test_write_file("out/s3/b/KEYMAP.jsonl", km, strlen(km));
	CHECK_OK(s3fx_encode("out", "3.fsm", &err), &err);
	s3fx_opts(&o, "3.fsm", "d3", NULL);
	CHECK_OK(s3fx_decode(&o, &err), &err);
	S3FX_FILE("d3/s3/b/path/to.elastickv-leaf-data", "LEAF");
	S3FX_FILE("d3/s3/b/KEYMAP.jsonl.elastickv-meta.json/x", "under-dir");
}
