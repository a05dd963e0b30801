/* test_card: card parsing and input checks, including hostile and malformed input. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "card.h"
#include "check.h"

static int parse(const char *text, struct card *c, struct err *e)
{
	return card_parse(text, strlen(text), "card.md", c, e);
}

static void test_sections(void **state)
{
	struct card c;
	struct err e = { 0 };
	const char *md = "# Fraud scoring\n\nShort summary.\n\n## Intended use\n\nCNP fraud.\r\n"
			 "### Detail\nmore\n\n\n## Limitations ##\nThin files.\n```\n## not a heading\n```\n";

	(void)state;
	assert_int_equal(parse(md, &c, &e), 0);
	assert_int_equal(c.n, 3);
	assert_string_equal(c.s[0].title, "Summary");
	assert_string_equal(c.s[0].body, "Short summary.");
	assert_string_equal(c.s[1].title, "Intended use");
	assert_string_equal(c.s[1].body, "CNP fraud.\n### Detail\nmore");
	assert_string_equal(c.s[2].title, "Limitations");
	assert_non_null(strstr(c.s[2].body, "## not a heading"));
	assert_non_null(card_find(&c, "intended USE"));
	assert_null(card_find(&c, "Evaluation"));
	card_free(&c);
}

static void test_bad_cards(void **state)
{
	struct card c;
	struct err e = { 0 };

	(void)state;
	assert_int_equal(parse("## A\nx\n## a\ny\n", &c, &e), -1);
	assert_non_null(strstr(e.msg, "card.md:3: duplicate section"));
	assert_int_equal(parse("## A\nok\n\xff\xfe\n", &c, &e), -1);
	assert_non_null(strstr(e.msg, "card.md:3: not valid UTF-8"));
	assert_int_equal(parse("## \nx\n", &c, &e), -1);
	assert_non_null(strstr(e.msg, "empty section heading"));
	assert_int_equal(parse("", &c, &e), -1);
	assert_non_null(strstr(e.msg, "no sections"));
	assert_int_equal(parse("# Title only\n\n", &c, &e), -1);
	assert_int_equal(parse("## A\n\x1b[2J\n", &c, &e), -1);
	assert_non_null(strstr(e.msg, "card.md:2:1: control character"));
	assert_int_equal(parse("## A\n```\nnever closed\n", &c, &e), -1);
	assert_int_equal(card_parse("## A\0x", 7, "bin", &c, &e), -1);
	assert_non_null(strstr(e.msg, "NUL"));
	{
		char *big = malloc(CARD_MAX_BYTES + 10);
		assert_non_null(big);
		memset(big, 'a', CARD_MAX_BYTES + 9);
		big[CARD_MAX_BYTES + 9] = '\0';
		assert_int_equal(parse(big, &c, &e), -1);
		assert_non_null(strstr(e.msg, "at most"));
		free(big);
	}
}

/* 40,000 sections parse (this took seconds while every heading was compared
 * with every earlier one), and a duplicate far down still names its line. */
static void test_many_sections(void **state)
{
	enum { N = 40000 };
	size_t cap = (size_t)N * 16 + 64, len = 0;
	char *md = malloc(cap);
	struct card c;
	struct err e = { 0 };

	(void)state;
	assert_non_null(md);
	len += (size_t)snprintf(md + len, cap - len, "Before the first heading.\n");
	for (int i = 0; i < N; i++)
		len += (size_t)snprintf(md + len, cap - len, "## S%d\nt\n", i);
	assert_int_equal(card_parse(md, len, "big.md", &c, &e), 0);
	assert_int_equal(c.n, N + 1);
	assert_string_equal(c.s[0].title, "Summary");
	assert_string_equal(c.s[N].title, "S39999");
	assert_non_null(card_find(&c, "s20000"));
	card_free(&c);
	/* line 1 is the summary, section i's heading is line 2 + 2i */
	len += (size_t)snprintf(md + len, cap - len, "## s17\n");
	assert_int_equal(card_parse(md, len, "big.md", &c, &e), -1);
	assert_non_null(strstr(e.msg, "big.md:80002: duplicate section \"s17\""));
	assert_int_equal(parse("Text first.\n## Summary\nagain\n", &c, &e), -1);
	assert_non_null(strstr(e.msg, "card.md:2: duplicate section \"Summary\""));
	free(md);
}

static void test_checks(void **state)
{
	struct err e = { 0 };
	char ex[64];

	(void)state;
	assert_true(check_utf8("h\xc3\xa9llo \xe2\x82\xac \xf0\x9f\x98\x80", 15));
	assert_false(check_utf8("\xc0\xaf", 2));         /* overlong */
	assert_false(check_utf8("\xed\xa0\x80", 3));     /* surrogate */
	assert_false(check_utf8("\xf4\x90\x80\x80", 4)); /* > U+10FFFF */
	assert_false(check_utf8("\xe2\x82", 2));         /* truncated */
	assert_int_equal(check_name("model name", "fraud-scoring_v2.1", CHECK_NAME_MAX, &e), 0);
	assert_int_equal(check_name("model name", "a b", CHECK_NAME_MAX, &e), -1);
	assert_non_null(strstr(e.msg, "' ' at position 2"));
	assert_int_equal(check_name("model name", ".hidden", CHECK_NAME_MAX, &e), -1);
	assert_int_equal(check_slice("slice", "region=EU", &e), 0);
	assert_int_equal(check_slice("slice", "age:18-25,sex=f", &e), 0);
	assert_int_equal(check_slice("slice", "a;b", &e), -1);
	assert_int_equal(check_alias("champion_2", &e), 0);
	assert_int_equal(check_alias("2fast", &e), -1);
	assert_int_equal(check_digest("sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855", &e), 0);
	assert_int_equal(check_digest("sha256:e3b0", &e), -1);
	assert_non_null(strstr(e.msg, "4 hex digits"));
	assert_int_equal(check_uri("models:/fraud/3", &e), 0);
	assert_int_equal(check_uri("s3://b/with space", &e), -1);
	assert_int_equal(check_uri("://x", &e), -1);
	assert_int_equal(check_text("owner", "a\tb", 10, 0, 0, &e), -1);
	assert_int_equal(check_text("comment", "a\tb\nc", 10, 1, 0, &e), 0);
	assert_int_equal(check_text("comment", "", 10, 1, 1, &e), 0);
	check_excerpt("q\"\x01z", ex, sizeof ex);
	assert_string_equal(ex, "q\\x22\\x01z");
}

/* What could rewrite a terminal is refused on the way in, naming the field
 * and the code point, and escaped on the way out. */
static void test_controls(void **state)
{
	static const struct {
		const char *text;
		const char *cp;
	} bad[] = {
		{ "ok\x1b[2Jfake", "U+001B" },     { "approvals: 9 of 9\rx", "U+000D" },
		{ "del\x7f", "U+007F" },           { "nel\xc2\x85x", "U+0085" },
		{ "csi\xc2\x9b", "U+009B" },        { "rlo\xe2\x80\xae" "evil", "U+202E" },
		{ "lre\xe2\x80\xaax", "U+202A" },   { "rli\xe2\x81\xa7x", "U+2067" },
		{ "pdi\xe2\x81\xa9x", "U+2069" },   { "lrm\xe2\x80\x8ex", "U+200E" },
		{ "rlm\xe2\x80\x8fx", "U+200F" },   { "alm\xd8\x9cx", "U+061C" },
	};
	struct err e = { 0 };
	char *x;

	(void)state;
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		assert_int_equal(check_text("comment", bad[i].text, 100, 1, 0, &e), -1);
		assert_non_null(strstr(e.msg, "comment"));
		assert_non_null(strstr(e.msg, bad[i].cp));
	}
	assert_int_equal(check_text("comment", "two\nlines", 100, 1, 0, &e), 0);
	assert_int_equal(check_text("owner", "two\nlines", 100, 0, 0, &e), -1);
	assert_non_null(strstr(e.msg, "owner \"two\\x0alines\" has a newline (U+000A) at position 4"));
	assert_int_equal(check_text("comment", "rlo\xe2\x80\xae" "evil", 100, 1, 0, &e), -1);
	assert_non_null(strstr(e.msg, "bidirectional control U+202E at position 4"));
	/* printable non-ASCII is fine: accents, CJK, emoji, the arrows we draw */
	assert_int_equal(check_text("comment", "caf\xc3\xa9 \xe6\x97\xa5 \xf0\x9f\x98\x80 \xe2\x86\x92", 100, 0, 0, &e), 0);

	x = check_escape("a\x1b[2J\nb\tc\xc2\x85" "d\xe2\x80\xae" "e\xff", 0);
	assert_non_null(x);
	assert_string_equal(x, "a\\x1b[2J\\x0ab\\x09c\\u0085d\\u202ee\\xff");
	free(x);
	x = check_escape("a\x1b\nb\tc\xe2\x81\xa6", 1);
	assert_non_null(x);
	assert_string_equal(x, "a\\x1b\nb\tc\\u2066");
	free(x);
	assert_int_equal(check_needs_escape("plain caf\xc3\xa9", 0), 0);
	assert_int_equal(check_needs_escape("two\nlines", 1), 0);
	assert_int_equal(check_needs_escape("two\nlines", 0), 1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_sections),
		cmocka_unit_test(test_bad_cards),
		cmocka_unit_test(test_many_sections),
		cmocka_unit_test(test_checks),
		cmocka_unit_test(test_controls),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
