/* Go encoding/json byte compatibility of the JSON writer (container.md §5.7, D7). */
#include <math.h>
#include "harness.h"
#include "lib/jsonw.h"

static const char *quote(const char *s, size_t n, int html)
{
	static struct ekv_buf out;
	ekv_buf_release(&out);
	CHECK(ekv_json_quote(&out, s, n, html) == 0);
	return (const char *)out.data;
}

EKV_TEST(string_escaping)
{
	CHECK_STR(quote("a\"b\\c", 5, 0), "\"a\\\"b\\\\c\"");
	CHECK_STR(quote("\b\f\n\r\t", 5, 0), "\"\\b\\f\\n\\r\\t\"");
	CHECK_STR(quote("\x01\x1f\x7f", 3, 0), "\"\\u0001\\u001f\x7f\"");
	CHECK_STR(quote("<>&", 3, 1), "\"\\u003c\\u003e\\u0026\"");
	CHECK_STR(quote("<>&", 3, 0), "\"<>&\"");
	CHECK_STR(quote("\xe2\x80\xa8\xe2\x80\xa9", 6, 0), "\"\\u2028\\u2029\"");
	CHECK_STR(quote("h\xc3\xa9", 3, 0), "\"h\xc3\xa9\"");
	/* D7: each invalid byte becomes the six characters \ufffd */
	CHECK_STR(quote("a\xff\xfe", 3, 0), "\"a\\ufffd\\ufffd\"");
	CHECK_STR(quote("\xe2\x82", 2, 0), "\"\\ufffd\\ufffd\"");
	CHECK_STR(quote("\xed\xa0\x80", 3, 0), "\"\\ufffd\\ufffd\\ufffd\"");
	CHECK_STR(quote("\0", 1, 0), "\"\\u0000\"");
}

EKV_TEST(indent_and_empty_containers)
{
	struct ekv_buf out = EKV_BUF_INIT;
	struct ekv_jw w;
	ekv_jw_init(&w, &out, EKV_JW_PROFILE_B_INDENT);
	ekv_jw_obj_begin(&w);
	ekv_jw_key(&w, "a");
	ekv_jw_u64(&w, 18446744073709551615ull);
	ekv_jw_key(&w, "e");
	ekv_jw_obj_begin(&w);
	ekv_jw_obj_end(&w);
	ekv_jw_key(&w, "l");
	ekv_jw_arr_begin(&w);
	ekv_jw_cstr(&w, "x");
	ekv_jw_bool(&w, 1);
	ekv_jw_arr_end(&w);
	ekv_jw_key(&w, "n");
	ekv_jw_arr_begin(&w);
	ekv_jw_arr_end(&w);
	ekv_jw_obj_end(&w);
	CHECK(ekv_jw_finish(&w) == 0);
	CHECK_STR((char *)out.data,
		  "{\n  \"a\": 18446744073709551615,\n  \"e\": {},\n  \"l\": [\n    \"x\",\n    true\n  ],\n"
		  "  \"n\": []\n}\n");
	ekv_buf_reset(&out);
	ekv_jw_init(&w, &out, EKV_JW_PROFILE_A);
	ekv_jw_obj_begin(&w);
	ekv_jw_key(&w, "k");
	ekv_jw_binary_safe(&w, "\xff", 1);
	ekv_jw_key(&w, "s");
	ekv_jw_binary_safe(&w, "ok", 2);
	ekv_jw_obj_end(&w);
	ekv_jw_finish(&w);
	CHECK_STR((char *)out.data, "{\"k\":{\"base64\":\"_w\"},\"s\":\"ok\"}");
	ekv_buf_release(&out);
}

static const char *fmt(double v)
{
	static char b[40];
	ekv_format_go_float(v, b);
	return b;
}

EKV_TEST(go_float_format)
{
	CHECK_STR(fmt(0), "0");
	CHECK_STR(fmt(-0.0), "-0");
	CHECK_STR(fmt(1), "1");
	CHECK_STR(fmt(1.5), "1.5");
	CHECK_STR(fmt(-2.25), "-2.25");
	CHECK_STR(fmt(0.1), "0.1");
	CHECK_STR(fmt(100), "100");
	CHECK_STR(fmt(1e20), "100000000000000000000");
	CHECK_STR(fmt(1e21), "1e+21");
	CHECK_STR(fmt(1.5e300), "1.5e+300");
	CHECK_STR(fmt(0.000001), "0.000001");
	CHECK_STR(fmt(0.0000001), "1e-7");
	CHECK_STR(fmt(1.234e-10), "1.234e-10");
	CHECK_STR(fmt(3.141592653589793), "3.141592653589793");
	CHECK_STR(fmt(5e-324), "5e-324");
	CHECK_STR(fmt(1.7976931348623157e308), "1.7976931348623157e+308");
	CHECK_STR(fmt(123456789.125), "123456789.125");
}
