/* Strict JSON reading (jsonr.h): one value, duplicates and invalid UTF-8
 * refused, uint64 beyond INT64_MAX exact. */
#include "harness.h"
#include "jsonr.h"

static json_t *parse_ok(const char *text)
{
	struct ekv_error err = { 0 };
	json_t *v = ekv_json_parse(text, strlen(text), "t.json", EKV_EINPUT, &err);
	if (!v) {
		char eb[1024];
		ekv_test_fail(__FILE__, __LINE__, "parse of %s failed: %s", text,
			      ekv_error_format(&err, eb, sizeof eb));
	}
	return v;
}

static struct ekv_error parse_bad(const void *text, size_t n, enum ekv_status code)
{
	struct ekv_error err = { 0 };
	json_t *v = ekv_json_parse(text, n, "t.json", code, &err);
	if (v) ekv_test_fail(__FILE__, __LINE__, "parse of %.*s succeeded", (int)n, (const char *)text);
	CHECK_INT(err.code, code);
	CHECK_STR(err.file, "t.json");
	CHECK(err.line >= 1);
	return err;
}

#define BAD(s, code) parse_bad((s), sizeof(s) - 1, (code))

static uint64_t get_u64(const json_t *v)
{
	uint64_t x = 0;
	CHECK(ekv_json_is_integer(v));
	CHECK_INT(ekv_json_u64(v, &x), 0);
	return x;
}

EKV_TEST(jsonr_parses_one_value)
{
	json_t *v = parse_ok("{\"a\": [1, 2.5, true, null, \"s\"], \"b\": {}}  \n\t\r\n");
	CHECK(json_is_object(v));
	CHECK_INT(json_array_size(json_object_get(v, "a")), 5);
	json_decref(v);
	v = parse_ok("42");
	CHECK_U64(get_u64(v), 42);
	json_decref(v);
	v = parse_ok("\"x\"");
	CHECK(json_is_string(v));
	json_decref(v);
}

EKV_TEST(jsonr_rejects_trailing_content)
{
	struct ekv_error e = BAD("{}\n{}", EKV_EINPUT);
	CHECK_INT(e.line, 2);
	BAD("{} garbage", EKV_EMANIFEST);
	BAD("1 2", EKV_EINPUT);
	BAD("", EKV_EINPUT);
	BAD("   ", EKV_EINPUT);
}

EKV_TEST(jsonr_error_names_file_and_line)
{
	struct ekv_error e = BAD("{\n\"a\": 1,\n\"b\": x\n}", EKV_EKEYMAP);
	CHECK_INT(e.line, 3);
	CHECK(strstr(e.msg, "invalid JSON") != NULL);
	char eb[1024];
	ekv_error_format(&e, eb, sizeof eb);
	CHECK(strstr(eb, "t.json:3") != NULL);
	/* parse_at shifts the line for JSONL callers. */
	struct ekv_error err = { 0 };
	CHECK(ekv_json_parse_at("{", 1, "k.jsonl", 17, EKV_EKEYMAP, &err) == NULL);
	CHECK_INT(err.line, 17);
	CHECK_STR(err.file, "k.jsonl");
	CHECK_INT(err.code, EKV_EKEYMAP);
}

EKV_TEST(jsonr_rejects_duplicate_members)
{
	struct ekv_error e = BAD("{\"a\": 1, \"a\": 1}", EKV_EINPUT);
	CHECK(strstr(e.msg, "duplicate") != NULL);
	BAD("{\"x\": {\"a\": 1, \"b\": 2, \"a\": 3}}", EKV_EINPUT);
	/* Case differs: two members. */
	json_t *v = parse_ok("{\"a\": 1, \"A\": 2}");
	CHECK_INT(json_object_size(v), 2);
	json_decref(v);
}

EKV_TEST(jsonr_rejects_invalid_utf8)
{
	BAD("\"\xff\"", EKV_EINPUT);
	BAD("\"\xc3\"", EKV_EINPUT);
	BAD("\"\xed\xa0\x80\"", EKV_EINPUT);   /* encoded surrogate */
	BAD("{\"k\xfe\": 1}", EKV_EINPUT);
	BAD("\"\\ud800\"", EKV_EINPUT);        /* lone surrogate escape */
	/* Valid multi-byte text and escapes are fine. */
	json_t *v = parse_ok("\"\xe2\x80\xa8 \\u2029 \\ud83d\\ude00 \xf0\x9f\x98\x80\"");
	CHECK_STR(json_string_value(v), "\xe2\x80\xa8 \xe2\x80\xa9 \xf0\x9f\x98\x80 \xf0\x9f\x98\x80");
	json_decref(v);
}

EKV_TEST(jsonr_allows_nul_in_strings)
{
	json_t *v = parse_ok("\"a\\u0000b\"");
	CHECK_INT(json_string_length(v), 3);
	CHECK_MEM(json_string_value(v), 3, "a\0b", 3);
	CHECK(!ekv_json_is_integer(v));
	json_decref(v);
}

EKV_TEST(jsonr_uint64_beyond_int64_exact)
{
	json_t *v = parse_ok("{\"max\": 18446744073709551615, \"a\": 18446744073709551610,"
			     " \"b\": 9223372036854775808, \"c\": 9223372036854775807,"
			     " \"d\": [0, 18446744073709551611, {\"e\": 9223372036854775809}]}");
	CHECK_U64(get_u64(json_object_get(v, "max")), UINT64_MAX);
	CHECK_U64(get_u64(json_object_get(v, "a")), 18446744073709551610ull);
	CHECK_U64(get_u64(json_object_get(v, "b")), 9223372036854775808ull);
	CHECK_U64(get_u64(json_object_get(v, "c")), 9223372036854775807ull);
	CHECK(json_is_integer(json_object_get(v, "c")));
	const json_t *d = json_object_get(v, "d");
	CHECK_U64(get_u64(json_array_get(d, 0)), 0);
	CHECK_U64(get_u64(json_array_get(d, 1)), 18446744073709551611ull);
	CHECK_U64(get_u64(json_object_get(json_array_get(d, 2), "e")), 9223372036854775809ull);
	/* Big values are not int64. */
	int64_t i;
	CHECK_INT(ekv_json_i64(json_object_get(v, "b"), &i), -1);
	CHECK_INT(ekv_json_i64(json_object_get(v, "c"), &i), 0);
	CHECK(i == INT64_MAX);
	json_decref(v);
	/* A whole document that is one big integer. */
	v = parse_ok(" 18446744073709551615 ");
	CHECK_U64(get_u64(v), UINT64_MAX);
	json_decref(v);
}

EKV_TEST(jsonr_integers_out_of_uint64_range)
{
	json_t *v = parse_ok("[18446744073709551616, -9223372036854775809, -9223372036854775808, -1]");
	uint64_t u;
	int64_t i;
	/* Integers all, but neither u64 nor i64 for the first two. */
	for (int k = 0; k < 4; k++) CHECK(ekv_json_is_integer(json_array_get(v, k)));
	CHECK_INT(ekv_json_u64(json_array_get(v, 0), &u), -1);
	CHECK_INT(ekv_json_i64(json_array_get(v, 0), &i), -1);
	CHECK_INT(ekv_json_u64(json_array_get(v, 1), &u), -1);
	CHECK_INT(ekv_json_i64(json_array_get(v, 1), &i), -1);
	CHECK_INT(ekv_json_i64(json_array_get(v, 2), &i), 0);
	CHECK(i == INT64_MIN);
	CHECK_INT(ekv_json_u64(json_array_get(v, 3), &u), -1);
	CHECK_INT(ekv_json_i64(json_array_get(v, 3), &i), 0);
	CHECK(i == -1);
	json_decref(v);
}

EKV_TEST(jsonr_big_integer_marker_not_confusable)
{
	/* Strings that look like any internal marker stay strings, and the
	 * ordinal bookkeeping survives escaped quotes and keys. */
	json_t *v = parse_ok("{\"k\\\"99999999999999999999\": \"\\\\\", \"s\": \"\\u0000u64:5\","
			     " \"n\": 99999999999999999999, \"t\": \"18446744073709551615\","
			     " \"arr\": [\"x\", 18446744073709551612, \"y\"]}");
	uint64_t u;
	CHECK_STR(json_string_value(json_object_get(v, "k\"99999999999999999999")), "\\");
	CHECK(!ekv_json_is_integer(json_object_get(v, "s")));
	CHECK_INT(ekv_json_u64(json_object_get(v, "s"), &u), -1);
	CHECK(!ekv_json_is_integer(json_object_get(v, "t")));
	CHECK(json_is_string(json_object_get(v, "t")));
	CHECK(ekv_json_is_integer(json_object_get(v, "n")));
	CHECK_INT(ekv_json_u64(json_object_get(v, "n"), &u), -1);   /* > uint64 */
	/* A big integer is never a string to callers. */
	CHECK(!ekv_json_is_string(json_object_get(v, "n")));
	CHECK(ekv_json_is_string(json_object_get(v, "s")));
	CHECK(ekv_json_is_string(json_object_get(v, "t")));
	const json_t *arr = json_object_get(v, "arr");
	CHECK_STR(json_string_value(json_array_get(arr, 0)), "x");
	CHECK_U64(get_u64(json_array_get(arr, 1)), 18446744073709551612ull);
	CHECK_STR(json_string_value(json_array_get(arr, 2)), "y");
	json_decref(v);
}

EKV_TEST(jsonr_big_integer_rewrite_keeps_invalid_json_invalid)
{
	BAD("{ 99999999999999999999: 1}", EKV_EINPUT);
	BAD("{99999999999999999999: 1}", EKV_EINPUT);
	BAD("[099999999999999999999]", EKV_EINPUT);
	BAD("[tru99999999999999999999]", EKV_EINPUT);
	BAD("[1 99999999999999999999]", EKV_EINPUT);
	BAD("[-]", EKV_EINPUT);
	/* Reals are left to jansson. */
	json_t *v = parse_ok("[99999999999999999999.5, 1e30, 18446744073709551615e0]");
	CHECK(json_is_real(json_array_get(v, 0)));
	CHECK(json_is_real(json_array_get(v, 1)));
	CHECK(json_is_real(json_array_get(v, 2)));
	CHECK(!ekv_json_is_integer(json_array_get(v, 2)));
	json_decref(v);
}

EKV_TEST(jsonr_number_kinds)
{
	json_t *v = parse_ok("[1.0, -0, 5, \"5\", true, 0, -0.0]");
	uint64_t u;
	int64_t i = 7;
	CHECK(!ekv_json_is_integer(json_array_get(v, 0)));
	CHECK_INT(ekv_json_u64(json_array_get(v, 0), &u), -1);
	/* "-0": an integer, int64 0, but not a uint64 (Go's strconv). */
	CHECK(ekv_json_is_integer(json_array_get(v, 1)));
	CHECK_INT(ekv_json_u64(json_array_get(v, 1), &u), -1);
	CHECK_INT(ekv_json_i64(json_array_get(v, 1), &i), 0);
	CHECK_INT(i, 0);
	CHECK(!ekv_json_is_string(json_array_get(v, 1)));
	CHECK_U64(get_u64(json_array_get(v, 5)), 0);
	CHECK(json_is_real(json_array_get(v, 6)));
	CHECK_U64(get_u64(json_array_get(v, 2)), 5);
	CHECK_INT(ekv_json_u64(json_array_get(v, 3), &u), -1);
	CHECK_INT(ekv_json_u64(json_array_get(v, 4), &u), -1);
	CHECK_INT(ekv_json_u64(NULL, &u), -1);
	CHECK(!ekv_json_is_integer(NULL));
	json_decref(v);
}

EKV_TEST(jsonr_big_integers_many_members)
{
	/* Member order survives jansson's hashtable growth: every big value
	 * lands on its own key, strings in between stay strings. */
	struct ekv_buf b = EKV_BUF_INIT;
	CHECK_INT(ekv_buf_append_str(&b, "{"), 0);
	for (int i = 0; i < 2000; i++)
		CHECK_INT(ekv_buf_printf(&b, "%s\"k%d\": %llu, \"s%d\": \"v%d\"", i ? ", " : "", i,
					 18446744073709549615ull + (unsigned long long)i, i, i), 0);
	CHECK_INT(ekv_buf_append_str(&b, "}"), 0);
	json_t *v = parse_ok((const char *)b.data);
	char key[32], val[32];
	for (int i = 0; i < 2000; i++) {
		snprintf(key, sizeof key, "k%d", i);
		CHECK_U64(get_u64(json_object_get(v, key)), 18446744073709549615ull + (unsigned long long)i);
		snprintf(key, sizeof key, "s%d", i);
		snprintf(val, sizeof val, "v%d", i);
		CHECK_STR(json_string_value(json_object_get(v, key)), val);
	}
	json_decref(v);
	ekv_buf_release(&b);
}

EKV_TEST(jsonr_prepass_backslash_runs)
{
	/* Raw text: {"a\\": 99999999999999999999, "b\\\" 99999999999999999999": "c\\\\"} */
	json_t *v = parse_ok("{\"a\\\\\": 99999999999999999999, \"b\\\\\\\" 99999999999999999999\": \"c\\\\\\\\\","
			     " \"d\": 18446744073709551615}");
	uint64_t u;
	CHECK(ekv_json_is_integer(json_object_get(v, "a\\")));
	CHECK_INT(ekv_json_u64(json_object_get(v, "a\\"), &u), -1);
	CHECK_STR(json_string_value(json_object_get(v, "b\\\" 99999999999999999999")), "c\\\\");
	CHECK_U64(get_u64(json_object_get(v, "d")), UINT64_MAX);
	json_decref(v);
	/* Unterminated string: left for jansson to refuse. */
	BAD("[\"abc\\\", 99999999999999999999]", EKV_EINPUT);
}

EKV_TEST(jsonr_nul_in_object_keys)
{
	/* jansson refuses NUL in keys; Go writes them as \u0000 (DynamoDB
	 * attribute names). Keys come back whole, in member order. */
	json_t *v = parse_ok("{\"a\\u0000b\": 1, \"a\": 2, \"z\\u0000\": {\"\\u0000\": [99999999999999999999,"
			     " {\"q\\u0000\": \"x\\u0000\"}]}, \"last\": 18446744073709551615}");
	const char *k;
	size_t kl, i = 0;
	json_t *x;
	static const char *const want[4] = { "a\0b", "a", "z\0", "last" };
	static const size_t want_len[4] = { 3, 1, 2, 4 };
	json_object_keylen_foreach(v, k, kl, x) {
		CHECK(i < 4);
		CHECK_MEM(k, kl, want[i], want_len[i]);
		i++;
	}
	CHECK_INT(i, 4);
	CHECK_U64(get_u64(json_object_getn(v, "a\0b", 3)), 1);
	CHECK_U64(get_u64(json_object_get(v, "last")), UINT64_MAX);
	const json_t *z = json_object_getn(v, "z\0", 2);
	CHECK(json_is_object(z));
	const json_t *arr = json_object_getn(z, "\0", 1);
	CHECK(json_is_array(arr));
	CHECK(ekv_json_is_integer(json_array_get(arr, 0)));
	const json_t *q = json_object_getn(json_array_get(arr, 1), "q\0", 2);
	CHECK(q != NULL);
	CHECK_MEM(json_string_value(q), json_string_length(q), "x\0", 2);
	json_decref(v);

	/* A NUL key at the top, alone. */
	v = parse_ok("{\"\\u0000\": null}");
	CHECK(json_is_null(json_object_getn(v, "\0", 1)));
	json_decref(v);
	/* Duplicates among restored keys are still refused. */
	struct ekv_error e = BAD("{\"a\\u0000\": 1, \"b\": 2, \"a\\u0000\": 3}", EKV_EINPUT);
	CHECK(strstr(e.msg, "duplicate") != NULL);
	BAD("[{\"x\\u0000\": 1, \"x\\u0000\": 1}]", EKV_EINPUT);
	/* A NUL value that is not a key is untouched; a bad key stays bad. */
	BAD("{\"a\\u0000\\x\": 1}", EKV_EINPUT);
	BAD("{\"a\\u0000\" 1}", EKV_EINPUT);
}

/* ---- randomized round trip: Go-style writer -> ekv_json_parse ---- */

#include "jsonw.h"

static uint64_t rnd(uint64_t *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 7;
	*s ^= *s << 17;
	return *s;
}

/* Random bytes that are valid UTF-8 (ASCII incl. NUL and controls, a
 * few multi-byte characters, U+2028). */
static size_t rnd_text(uint64_t *s, char *out, size_t cap)
{
	static const char *const pieces[] = { "\0", "\"", "\\", "\n", "\x1f", "<", "&", "\xc3\xa9",
					      "\xe2\x80\xa8", "\xf0\x9f\x98\x80", "a", "Z", "9", " ",
					      "-", "u0000" };
	size_t n = 0, k = rnd(s) % 8;
	for (size_t i = 0; i < k; i++) {
		const char *p = pieces[rnd(s) % (sizeof pieces / sizeof *pieces)];
		size_t l = p[0] ? strlen(p) : 1;
		if (n + l >= cap) break;
		memcpy(out + n, p, l);
		n += l;
	}
	return n;
}

/* Writes a random value; when check is set, compares it with v instead. */
static void rnd_value(uint64_t *s, int depth, struct ekv_jw *w, const json_t *v)
{
	char text[64];
	unsigned kind = (unsigned)(rnd(s) % (depth > 3 ? 6 : 8));
	switch (kind) {
	case 0: {
		uint64_t x = rnd(s);
		if (w) ekv_jw_u64(w, x);
		else CHECK_U64(get_u64(v), x);
		break;
	}
	case 1: {
		int64_t x = (int64_t)rnd(s) >> (rnd(s) % 64);
		int64_t got;
		if (w) ekv_jw_i64(w, x);
		else {
			CHECK_INT(ekv_json_i64(v, &got), 0);
			CHECK(got == x);
		}
		break;
	}
	case 2:
	case 3: {
		size_t n = rnd_text(s, text, sizeof text);
		if (w) ekv_jw_str(w, text, n);
		else {
			CHECK(ekv_json_is_string(v));
			CHECK_MEM(json_string_value(v), json_string_length(v), text, n);
		}
		break;
	}
	case 4: {
		int b = (int)(rnd(s) % 3);
		if (w) {
			if (b == 2) ekv_jw_null(w);
			else ekv_jw_bool(w, b);
		} else {
			CHECK(b == 2 ? json_is_null(v) : b ? json_is_true(v) : json_is_false(v));
		}
		break;
	}
	case 5:
	case 6: {
		size_t n = rnd(s) % 5;
		if (w) ekv_jw_arr_begin(w);
		else CHECK_INT(json_array_size(v), n);
		for (size_t i = 0; i < n; i++) rnd_value(s, depth + 1, w, w ? NULL : json_array_get(v, i));
		if (w) ekv_jw_arr_end(w);
		break;
	}
	default: {
		size_t n = rnd(s) % 5;
		if (w) ekv_jw_obj_begin(w);
		else CHECK_INT(json_object_size(v), n);
		for (size_t i = 0; i < n; i++) {
			size_t kl = rnd_text(s, text, sizeof text - 4);
			text[kl++] = (char)('A' + i);   /* unique within the object */
			if (w) ekv_jw_key_bytes(w, text, kl);
			rnd_value(s, depth + 1, w, w ? NULL : json_object_getn(v, text, kl));
		}
		if (w) ekv_jw_obj_end(w);
	}
	}
}

EKV_TEST(jsonr_random_round_trip)
{
	static const unsigned flags[2] = { EKV_JW_PROFILE_B, EKV_JW_PROFILE_A_INDENT };
	for (uint64_t seed = 1; seed <= 3000; seed++) {
		struct ekv_buf text = EKV_BUF_INIT;
		struct ekv_jw w;
		uint64_t s = seed * 0x9E3779B97F4A7C15ull;
		ekv_jw_init(&w, &text, flags[seed & 1]);
		rnd_value(&s, 0, &w, NULL);
		CHECK_INT(ekv_jw_finish(&w), 0);
		struct ekv_error err = { 0 };
		json_t *v = ekv_json_parse(text.data, text.len, "r.json", EKV_EINPUT, &err);
		if (!v) {
			char eb[1024];
			ekv_test_fail(__FILE__, __LINE__, "seed %llu: %s\n%s", (unsigned long long)seed,
				      ekv_error_format(&err, eb, sizeof eb), (const char *)text.data);
		}
		s = seed * 0x9E3779B97F4A7C15ull;
		rnd_value(&s, 0, NULL, v);
		json_decref(v);
		ekv_buf_release(&text);
	}
}
