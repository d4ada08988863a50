/* DynamoDB encode refuses bad trees (dynamodb.md §6.2, D16, D18, D19):
 * a typed status naming the file (and line), and no output .fsm. */
#include "ddb_test_util.h"

#define SCHEMA_T "{\"format_version\":1,\"table_name\":\"t\",\"primary_key\":{\"hash_key\":{\"name\":\"h\"}}}"
#define SCHEMA_TR                                                                           \
	"{\"format_version\":1,\"table_name\":\"t\",\"primary_key\":{\"hash_key\":{\"name\":\"h\"}," \
	"\"range_key\":{\"name\":\"r\"}}}"

static void make_dump(const char *root, int bundle)
{
	struct snapb s = { 0 };
	sb_write(&s, "empty.fsm");
	struct ekv_error err;
	struct warns w = { 0 };
	CHECK_OK(run_decode("empty.fsm", root, bundle, 0, 0, &w, NULL, &err), &err);
	CHECK(ekv_test_sh("mkdir -p '%s/dynamodb'", root) == 0);
}

static void put(const char *path, const char *text)
{
	char dir[1024];
	snprintf(dir, sizeof dir, "%s", path);
	*strrchr(dir, '/') = 0;
	CHECK(ekv_test_sh("mkdir -p '%s'", dir) == 0);
	ekv_test_write_file(path, text, strlen(text));
}

static void expect_encode_fail(int code, const char *file_part, const char *msg_part)
{
	struct ekv_encode_result res;
	struct ekv_error err;
	int rc = run_encode("d", "out.fsm", 0, &res, &err);
	char eb[1024];
	if (rc != code)
		ekv_test_fail(__FILE__, __LINE__, "encode returned %s, expected %s: %s", ekv_status_name(rc),
			      ekv_status_name(code), ekv_error_format(&err, eb, sizeof eb));
	if (file_part && !strstr(err.file, file_part))
		ekv_test_fail(__FILE__, __LINE__, "error file \"%s\" lacks \"%s\" (%s)", err.file, file_part,
			      ekv_error_format(&err, eb, sizeof eb));
	if (msg_part && !strstr(err.msg, msg_part))
		ekv_test_fail(__FILE__, __LINE__, "message \"%s\" lacks \"%s\"", err.msg, msg_part);
	CHECK(!ekv_test_file_exists("out.fsm"));
}

EKV_TEST(schema_file_problems)
{
	make_dump("d", 0);
	CHECK(ekv_test_sh("mkdir -p d/dynamodb/t") == 0);
	expect_encode_fail(EKV_EINPUT, "dynamodb/t/_schema.json", "without _schema.json");
	CHECK(ekv_test_sh("mkdir d/dynamodb/t/_schema.json") == 0);
	expect_encode_fail(EKV_EUNSAFE, "dynamodb/t/_schema.json", "regular");
	CHECK(ekv_test_sh("rmdir d/dynamodb/t/_schema.json && echo '" SCHEMA_T "' > real.json && "
			  "ln -s ../../../real.json d/dynamodb/t/_schema.json") == 0);
	expect_encode_fail(EKV_EUNSAFE, "dynamodb/t/_schema.json", "symlink");
	CHECK(ekv_test_sh("rm d/dynamodb/t/_schema.json && ln real.json d/dynamodb/t/_schema.json") == 0);
	expect_encode_fail(EKV_EUNSAFE, "dynamodb/t/_schema.json", "hard-linked");
}

EKV_TEST(schema_content_problems)
{
	static const struct {
		const char *dir, *json, *msg;
	} cases[] = {
		{ "t", "{", NULL },
		{ "t", SCHEMA_T " }", NULL },                                   /* D18: trailing bytes */
		{ "t", SCHEMA_T " x", NULL },
		{ "t", "{\"format_version\":1,\"format_version\":1,\"table_name\":\"t\"}", NULL },
		{ "t", "{\"format_version\":1,\"table_name\":\"t\xff\"}", NULL },  /* invalid UTF-8 */
		{ "tbl", "{\"format_version\":99,\"table_name\":\"x\"}", "format_version" },
		{ "t", "{\"format_version\":\"1\",\"table_name\":\"t\"}", "format_version" },
		{ "t", "{\"format_version\":1.0,\"table_name\":\"t\"}", "format_version" },
		{ "t", "{\"table_name\":\"t\"}", "format_version" },
		{ "t", "{\"format_version\":1,\"Table_Name\":\"t\"}", "letter case" },        /* D18 case */
		{ "t", "[]", "top level" },
		{ "t", "{\"format_version\":1,\"table_name\":\"t\",\"primary_key\":{\"Hash_Key\":{\"name\":\"h\"}}}",
		  "letter case" },
		{ "t", "{\"format_version\":1,\"table_name\":\"t\",\"primary_key\":{\"hash_key\":{\"name\":\"h\"}},"
		       "\"global_secondary_indexes\":[{\"NAME\":\"g\"}]}",
		  "letter case" },
		{ "t", "{\"format_version\":1,\"table_name\":7}", "table_name" },
		{ "t", "{\"format_version\":1,\"table_name\":\"t\",\"primary_key\":{\"hash_key\":{\"name\":\"h\"}},"
		       "\"attribute_definitions\":[{\"name\":\"id\",\"type\":\"S\"},{\"name\":\"id\",\"type\":\"N\"}]}",
		  "duplicate attribute" },
		{ "t", "{\"format_version\":1,\"table_name\":\"t\",\"primary_key\":{\"hash_key\":{\"name\":\"h\"}},"
		       "\"global_secondary_indexes\":[{\"name\":\"g\"},{\"name\":\"g\"}]}",
		  "duplicate index" },
		{ "t", "{\"format_version\":1,\"table_name\":\"\"}", "empty table_name" },
		{ "wrong-dir", "{\"format_version\":1,\"table_name\":\"real\",\"primary_key\":{\"hash_key\":{\"name\":\"h\"}}}",
		  "does not match" },
		{ "x", "{\"format_version\":1,\"table_name\":\"x\",\"primary_key\":{\"hash_key\":{\"name\":\"\"}}}",
		  "hash_key" },
		{ "t", "{\"format_version\":1,\"table_name\":\"t\",\"primary_key\":{\"hash_key\":{\"name\":\"h\",\"type\":5}}}",
		  "not a string" },
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		ekv_test_sh("rm -rf d");
		make_dump("d", 0);
		char path[256], file[256];
		snprintf(path, sizeof path, "d/dynamodb/%s/_schema.json", cases[i].dir);
		snprintf(file, sizeof file, "dynamodb/%s/_schema.json", cases[i].dir);
		put(path, cases[i].json);
		expect_encode_fail(EKV_EINPUT, file, cases[i].msg);
	}
}

EKV_TEST(schema_null_members_and_unknown_members_accepted)
{
	make_dump("d", 0);
	put("d/dynamodb/t/_schema.json",
	    "{\"format_version\":1,\"table_name\":\"t\",\"primary_key\":{\"hash_key\":{\"name\":\"h\",\"type\":\"S\"},"
	    "\"range_key\":null},\"attribute_definitions\":null,\"global_secondary_indexes\":null,\"extra\":[1]}");
	struct ekv_encode_result res;
	struct ekv_error err;
	CHECK_OK(run_encode("d", "out.fsm", 0, &res, &err), &err);
}

EKV_TEST(symlinks_below_dynamodb_refused)
{
	/* D16: upstream silently skips symlinked table and hash directories */
	make_dump("d", 0);
	put("real/t/_schema.json", SCHEMA_T);
	CHECK(ekv_test_sh("ln -s ../../real/t d/dynamodb/t") == 0);
	expect_encode_fail(EKV_EUNSAFE, "dynamodb/t", "D16");
	ekv_test_sh("rm d/dynamodb/t");
	put("d/dynamodb/t/_schema.json", SCHEMA_T);
	CHECK(ekv_test_sh("mkdir -p real/items && ln -s ../../../real/items d/dynamodb/t/items") == 0);
	expect_encode_fail(EKV_EUNSAFE, "dynamodb/t/items", NULL);
	ekv_test_sh("rm d/dynamodb/t/items && mkdir -p d/dynamodb/t/items real/h");
	CHECK(ekv_test_sh("ln -s ../../../../real/h d/dynamodb/t/items/h") == 0);
	expect_encode_fail(EKV_EUNSAFE, "dynamodb/t/items/h", "D16");
	ekv_test_sh("rm d/dynamodb/t/items/h && echo '{\"h\":{\"S\":\"a\"}}' > real/a.json");
	CHECK(ekv_test_sh("ln -s ../../../../real/a.json d/dynamodb/t/items/a.json") == 0);
	expect_encode_fail(EKV_EUNSAFE, "dynamodb/t/items/a.json", NULL);
}

EKV_TEST(items_layout_problems)
{
	make_dump("d", 0);
	put("d/dynamodb/t/_schema.json", SCHEMA_T);
	put("d/dynamodb/t/items", "not a dir");
	expect_encode_fail(EKV_EINPUT, "dynamodb/t/items", "not a directory");
	ekv_test_sh("rm d/dynamodb/t/items");
	put("d/dynamodb/t/items/h/sub/x.json", "{\"h\":{\"S\":\"a\"}}");
	expect_encode_fail(EKV_EINPUT, "dynamodb/t/items/h/sub", "nested directory");
	ekv_test_sh("rm -rf d/dynamodb/t/items/h");
	put("d/dynamodb/t/items/data-00000.jsonl", "{\"h\":{\"S\":\"a\"}}\n");
	expect_encode_fail(EKV_EINPUT, "data-00000.jsonl", "per-item");
	/* non-.json names are skipped, as upstream */
	ekv_test_sh("rm d/dynamodb/t/items/data-00000.jsonl");
	put("d/dynamodb/t/items/notes.txt", "x");
	put("d/dynamodb/t/items/.bin.tmp-1", "x");
	put("d/dynamodb/notes.txt", "x");
	struct ekv_encode_result res;
	struct ekv_error err;
	CHECK_OK(run_encode("d", "out.fsm", 0, &res, &err), &err);
}

EKV_TEST(item_content_problems)
{
	static const struct {
		const char *json, *msg;
		int composite;
	} cases[] = {
		{ "[]", "top level", 0 },
		{ "{\"h\":{\"S\":\"a\"}} }", NULL, 0 },                            /* D18 trailing */
		{ "{\"h\":{\"S\":\"a\"},\"h\":{\"S\":\"b\"}}", NULL, 0 },           /* D18 duplicate */
		{ "{\"h\":{\"S\":\"a\",\"S\":\"b\"}}", NULL, 0 },
		{ "{\"h\":{\"S\":\"a\xff\"}}", NULL, 0 },                           /* D18 UTF-8 */
		{ "{\"h\":\"a\"}", "not an object", 0 },
		{ "{\"h\":{\"S\":\"a\",\"N\":\"1\"}}", "exactly one", 0 },
		{ "{\"h\":{}}", "exactly one", 0 },
		{ "{\"h\":{\"s\":\"a\"}}", "unknown attribute type", 0 },
		{ "{\"h\":{\"X\":\"a\"}}", "unknown attribute type", 0 },
		{ "{\"h\":{\"S\":1}}", "not a string", 0 },
		{ "{\"h\":{\"S\":null}}", "not a string", 0 },
		{ "{\"h\":{\"S\":\"a\"},\"b\":{\"B\":\"AAE\"}}", "base64", 0 },
		{ "{\"h\":{\"S\":\"a\"},\"b\":{\"BS\":[\"AA==\",\"*\"]}}", "base64", 0 },
		{ "{\"h\":{\"S\":\"a\"},\"b\":{\"BOOL\":\"true\"}}", "true or false", 0 },
		{ "{\"h\":{\"S\":\"a\"},\"b\":{\"NULL\":1}}", "true or false", 0 },
		{ "{\"h\":{\"S\":\"a\"},\"b\":{\"SS\":[\"x\",2]}}", "not a string", 0 },
		{ "{\"h\":{\"S\":\"a\"},\"b\":{\"NS\":\"1\"}}", "not an array", 0 },
		{ "{\"h\":{\"S\":\"a\"},\"b\":{\"L\":[\"x\"]}}", "not an object", 0 },
		{ "{\"h\":{\"S\":\"a\"},\"b\":{\"M\":[]}}", "not an object", 0 },
		{ "{\"h\":{\"S\":\"a\"},\"b\":{\"M\":{\"c\":{\"Q\":1}}}}", "unknown attribute type", 0 },
		{ "{\"other\":{\"S\":\"v\"}}", "missing hash-key", 0 },
		{ "{\"h\":{\"S\":\"a\"}}", "missing range-key", 1 },
		{ "{\"h\":{\"BOOL\":true}}", "not S, N, or B", 0 },
		{ "{\"h\":{\"N\":\"abc\"}}", "non-decimal", 0 },
		{ "{\"h\":{\"N\":\"\"}}", "empty number", 0 },
		{ "{\"h\":{\"S\":\"a\"},\"r\":{\"N\":\"1e\"}}", "empty exponent", 1 },
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		ekv_test_sh("rm -rf d");
		make_dump("d", 0);
		put("d/dynamodb/t/_schema.json", cases[i].composite ? SCHEMA_TR : SCHEMA_T);
		put("d/dynamodb/t/items/x.json", cases[i].json);
		expect_encode_fail(EKV_EINPUT, "dynamodb/t/items/x.json", cases[i].msg);
	}
}

EKV_TEST(duplicate_item_keys)
{
	make_dump("d", 0);
	put("d/dynamodb/t/_schema.json", SCHEMA_T);
	put("d/dynamodb/t/items/a.json", "{\"h\":{\"S\":\"a\"}}");
	put("d/dynamodb/t/items/b.json", "{\"h\":{\"S\":\"a\"},\"x\":{\"N\":\"1\"}}");
	expect_encode_fail(EKV_EDUPLICATE, NULL, NULL);
	ekv_test_sh("rm -rf d");
	make_dump("d", 0);
	put("d/dynamodb/t/_schema.json", SCHEMA_T);
	put("d/dynamodb/t/items/1.json", "{\"h\":{\"N\":\"1\"}}");
	put("d/dynamodb/t/items/2.json", "{\"h\":{\"N\":\"1.0\"}}");      /* equal numeric value */
	expect_encode_fail(EKV_EDUPLICATE, NULL, NULL);
}

EKV_TEST(bundle_problems)
{
	make_dump("d", 1);
	put("d/dynamodb/t/_schema.json", SCHEMA_T);
	put("d/dynamodb/t/items/data-00000.jsonl", "{\"h\":{\"S\":\"a\"}}\n\n");
	expect_encode_fail(EKV_EINPUT, "data-00000.jsonl", "empty bundle line");
	put("d/dynamodb/t/items/data-00000.jsonl", "{\"h\":{\"S\":\"a\"}}");
	expect_encode_fail(EKV_EINPUT, "data-00000.jsonl", "without newline");
	put("d/dynamodb/t/items/data-00000.jsonl", "{\"h\":{\"S\":\"a\"}}\n{\"h\":{\"X\":\"b\"}}\n");
	struct ekv_encode_result res;
	struct ekv_error err;
	CHECK_STATUS(run_encode("d", "out.fsm", 0, &res, &err), EKV_EINPUT, &err);
	CHECK_U64(err.line, 2);
	put("d/dynamodb/t/items/data-00000.jsonl", "{\"h\":{\"S\":\"a\"}}\n{\"h\":\n");
	CHECK_STATUS(run_encode("d", "out.fsm", 0, &res, &err), EKV_EINPUT, &err);
	CHECK_U64(err.line, 2);
	put("d/dynamodb/t/items/data-00000.jsonl", "{\"h\":{\"S\":\"a\"}}\n");
	put("d/dynamodb/t/items/a.json", "{\"h\":{\"S\":\"b\"}}");
	expect_encode_fail(EKV_EINPUT, "dynamodb/t/items/a.json", "jsonl dump");
	ekv_test_sh("rm d/dynamodb/t/items/a.json");
	put("d/dynamodb/t/items/extra.jsonl", "{\"h\":{\"S\":\"c\"}}\n");
	expect_encode_fail(EKV_EINPUT, "dynamodb/t/items/extra.jsonl", "bundle part name");
	ekv_test_sh("rm d/dynamodb/t/items/extra.jsonl");
	put("d/dynamodb/t/items/notes.txt", "skipped");
	CHECK_OK(run_encode("d", "out.fsm", 0, &res, &err), &err);
}

EKV_TEST(dynamodb_dir_symlink_or_file)
{
	/* §5.1: dynamodb/ itself a symlink or not a directory */
	make_dump("d", 0);
	ekv_test_sh("rmdir d/dynamodb && mkdir -p real && ln -s ../real d/dynamodb");
	struct ekv_encode_result res;
	struct ekv_error err;
	int rc = run_encode("d", "out.fsm", 0, &res, &err);
	CHECK(rc == EKV_EUNSAFE);
	CHECK(!ekv_test_file_exists("out.fsm"));
	ekv_test_sh("rm d/dynamodb && echo x > d/dynamodb");
	rc = run_encode("d", "out.fsm", 0, &res, &err);
	CHECK(rc == EKV_EINPUT || rc == EKV_EUNSAFE);
	CHECK(!ekv_test_file_exists("out.fsm"));
}
