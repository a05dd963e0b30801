/* test_lex: the shared tokenizer under the policy's and the playbook's options: lines, tokens, strings, stray characters and the exact FILE:LINE:COL messages of its readers. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lex.h"

#define POLICY_OPTS LEX_OPT_ARROW
#define PLAYBOOK_OPTS (LEX_OPT_MATCH | LEX_OPT_ESCAPES | LEX_OPT_WHOLE_CHARS)

struct lex_case {
	struct lexer lx;
	struct err e;
	struct lex_token t;
};

/* Starts c on text and reads the first token of its first statement. */
static void lex_start(struct lex_case *c, const char *text, unsigned opts)
{
	memset(&c->e, 0, sizeof c->e);
	lex_init(&c->lx, text, strlen(text), "f", opts, &c->e);
	assert_int_equal(lex_statement(&c->lx, &c->t), 1);
}

/* The types and texts of the rest of the line after the first token, as
 * "TYPE:text TYPE:text". */
static void lex_rest(struct lex_case *c, char *out, size_t n)
{
	static const char *const names[] = { "end", "word", "string", "op", "arrow", "colon", "comma", "bad" };
	size_t o = 0;

	out[0] = '\0';
	for (;;) {
		lex_next(&c->lx, &c->t);
		if (c->t.type == LEX_END)
			return;
		o += (size_t)snprintf(out + o, n - o, "%s%s:%s", o ? " " : "", names[c->t.type], c->t.text);
		assert_true(o < n);
	}
}

static void test_lines(void **state)
{
	struct lex_case c;
	const char *text = "\n# a comment\n   \t\nfirst one # note\r\n\nsecond:\r\nthird";

	(void)state;
	lex_start(&c, text, POLICY_OPTS);
	assert_int_equal(c.lx.line, 4);
	assert_int_equal(c.t.type, LEX_WORD);
	assert_string_equal(c.t.text, "first");
	assert_int_equal(c.t.col, 1);
	lex_next(&c.lx, &c.t);
	assert_string_equal(c.t.text, "one");
	assert_int_equal(c.t.col, 7);
	assert_int_equal(lex_eol(&c.lx), 0);
	assert_int_equal(lex_statement(&c.lx, &c.t), 1);
	assert_int_equal(c.lx.line, 6);
	/* The '\r' of "\r\n" is no part of the line. */
	assert_int_equal(lex_expect(&c.lx, LEX_COLON, "':'"), 0);
	assert_int_equal(lex_eol(&c.lx), 0);
	assert_int_equal(lex_statement(&c.lx, &c.t), 1);
	assert_int_equal(c.lx.line, 7);
	assert_string_equal(c.t.text, "third");
	assert_int_equal(lex_statement(&c.lx, &c.t), 0);
	/* Callers report the end of the file at line + 1. */
	assert_int_equal(c.lx.line, 7);

	lex_init(&c.lx, "", 0, "f", POLICY_OPTS, &c.e);
	assert_int_equal(lex_statement(&c.lx, &c.t), 0);
	assert_int_equal(c.lx.line, 0);
	lex_init(&c.lx, "\n\n# only\n", 9, "f", PLAYBOOK_OPTS, &c.e);
	assert_int_equal(lex_statement(&c.lx, &c.t), 0);
	assert_int_equal(c.lx.line, 3);
}

/* The same line read by each language. */
static void test_options(void **state)
{
	static const struct {
		const char *line, *policy, *playbook;
	} cases[] = {
		{ "x a -> b", "word:a arrow:-> word:b", "word:a word:- op:> word:b" },
		{ "x region=EU", "word:region=EU", "word:region op:= word:EU" },
		{ "x team!=ops", "word:team bad:! bad:= word:ops", "word:team op:!= word:ops" },
		{ "x = == !", "bad:= op:== bad:!", "op:= op:== bad:!" },
		{ "x >= > <= < ==", "op:>= op:> op:<= op:< op:==", "op:>= op:> op:<= op:< op:==" },
		{ "x a: b, c", "word:a colon:: word:b comma:, word:c", "word:a colon:: word:b comma:, word:c" },
		{ "x a.b/c+d*e_f-1", "word:a.b/c+d*e_f-1", "word:a.b/c+d*e_f-1" },
		{ "x \"s p\" # \"not a string\"", "string:s p", "string:s p" },
	};
	struct lex_case c;
	char got[256];

	(void)state;
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		lex_start(&c, cases[i].line, POLICY_OPTS);
		lex_rest(&c, got, sizeof got);
		assert_string_equal(got, cases[i].policy);
		lex_start(&c, cases[i].line, PLAYBOOK_OPTS);
		lex_rest(&c, got, sizeof got);
		assert_string_equal(got, cases[i].playbook);
	}
}

/* The message lex_fail gives for the token after "x " in line. */
static const char *lex_msg(struct lex_case *c, const char *line, unsigned opts)
{
	lex_start(c, line, opts);
	lex_next(&c->lx, &c->t);
	assert_int_equal(lex_fail(&c->lx, &c->t, "WANT"), -1);
	assert_int_equal(c->e.kind, ERR_INVALID);
	return c->e.msg;
}

static void test_strings(void **state)
{
	struct lex_case c;

	(void)state;
	/* Escapes: the playbook undoes them and keeps the raw span; the policy has none. */
	lex_start(&c, "x \"a \\\"b\\\\\" y", PLAYBOOK_OPTS);
	lex_next(&c.lx, &c.t);
	assert_int_equal(c.t.type, LEX_STRING);
	assert_string_equal(c.t.text, "a \"b\\");
	assert_int_equal(c.t.col, 3);
	assert_int_equal(c.t.rawlen, 9);
	assert_memory_equal(c.t.raw, "\"a \\\"b\\\\\"", 9);
	lex_start(&c, "x \"a\\\" y\"", POLICY_OPTS);
	lex_next(&c.lx, &c.t);
	assert_int_equal(c.t.type, LEX_STRING);
	assert_string_equal(c.t.text, "a\\");

	/* Bad strings, as each language reports them. */
	assert_string_equal(lex_msg(&c, "x \"no end", POLICY_OPTS), "f:1:3: found an unterminated string, expected WANT");
	assert_string_equal(lex_msg(&c, "x \"no end", PLAYBOOK_OPTS),
			    "f:1:10: found the end of the line inside a string, expected '\"' to close the string (strings end on their line)");
	assert_string_equal(lex_msg(&c, "x \"a\\nb\"", PLAYBOOK_OPTS),
			    "f:1:5: found '\\n' in a string, expected \\\" or \\\\ after a backslash (the only escapes)");
	assert_string_equal(lex_msg(&c, "x \"ab\\", PLAYBOOK_OPTS),
			    "f:1:6: found a backslash in a string, expected \\\" or \\\\ after a backslash (the only escapes)");
	assert_string_equal(lex_msg(&c, "x \"a\tb\"", PLAYBOOK_OPTS),
			    "f:1:5: found a tab in a string, expected text without control characters (spaces instead of tabs)");
	/* The policy shows the text before a control byte and goes on after it. */
	assert_string_equal(lex_msg(&c, "x \"ab\tc\" d", POLICY_OPTS), "f:1:3: found 'ab', expected WANT");
	lex_next(&c.lx, &c.t);
	assert_int_equal(c.t.type, LEX_WORD);
	assert_string_equal(c.t.text, "c");
	/* Found strings are shown quoted and cut short. */
	assert_string_equal(lex_msg(&c, "x \"0123456789012345678901234567890123456789 and more\"", PLAYBOOK_OPTS),
			    "f:1:3: found \"0123456789012345678901234567890123456789...\", expected WANT");
}

static void test_stray(void **state)
{
	struct lex_case c;

	(void)state;
	/* The playbook shows a whole character, the policy its first byte. */
	assert_string_equal(lex_msg(&c, "x \xc3\xa9t\xc3\xa9", PLAYBOOK_OPTS), "f:1:3: found '\\xc3\\xa9', expected WANT");
	lex_next(&c.lx, &c.t);
	assert_string_equal(c.t.text, "t");
	assert_string_equal(lex_msg(&c, "x \xc3\xa9t\xc3\xa9", POLICY_OPTS), "f:1:3: found '\\xc3', expected WANT");
	assert_string_equal(lex_msg(&c, "x \x01", POLICY_OPTS), "f:1:3: found '\\x01', expected WANT");
	assert_string_equal(lex_msg(&c, "x ;", PLAYBOOK_OPTS), "f:1:3: found ';', expected WANT");
	assert_string_equal(lex_msg(&c, "x ,", PLAYBOOK_OPTS), "f:1:3: found ',', expected WANT");
	assert_string_equal(lex_msg(&c, "x", PLAYBOOK_OPTS), "f:1:2: found the end of the line, expected WANT");
}

static void test_readers(void **state)
{
	struct lex_case c;
	char word[8], op[3], *big;
	double v;
	size_t i;

	(void)state;
	lex_start(&c, "x name longname", POLICY_OPTS);
	assert_int_equal(lex_word(&c.lx, "a name", word, sizeof word), 0);
	assert_string_equal(word, "name");
	assert_int_equal(lex_word(&c.lx, "a name", word, sizeof word), -1);
	assert_string_equal(c.e.msg, "f:1:8: found 'longname', expected a name");

	lex_start(&c, "x on off", POLICY_OPTS);
	assert_int_equal(lex_keyword(&c.lx, "on"), 0);
	assert_int_equal(lex_keyword(&c.lx, "on"), -1);
	assert_string_equal(c.e.msg, "f:1:6: found 'off', expected 'on'");

	lex_start(&c, "x <= >=", POLICY_OPTS);
	assert_int_equal(lex_op(&c.lx, "<= <", op), 0);
	assert_string_equal(op, "<=");
	assert_int_equal(lex_op(&c.lx, "<= <", op), -1);
	assert_string_equal(c.e.msg, "f:1:6: found '>=', expected a comparison (<= <)");
	lex_start(&c, "x = !=", PLAYBOOK_OPTS);
	assert_int_equal(lex_op(&c.lx, ">= > <= < ==", op), -1);
	assert_string_equal(c.e.msg, "f:1:3: found '=', expected a comparison (>= > <= < ==)");

	lex_start(&c, "x : ->", POLICY_OPTS);
	assert_int_equal(lex_expect(&c.lx, LEX_COLON, "':'"), 0);
	assert_int_equal(lex_expect(&c.lx, LEX_COLON, "':'"), -1);
	assert_string_equal(c.e.msg, "f:1:5: found '->', expected ':'");

	lex_start(&c, "x 0.25 -1.5e2 .5 +1 1e999 nan a", PLAYBOOK_OPTS);
	assert_int_equal(lex_number(&c.lx, "N", &v), 0);
	assert_true(v == 0.25);
	assert_int_equal(lex_number(&c.lx, "N", &v), 0);
	assert_true(v == -150);
	assert_int_equal(lex_number(&c.lx, "N", &v), 0);
	assert_true(v == 0.5);
	assert_int_equal(lex_number(&c.lx, "N", &v), -1);
	assert_string_equal(c.e.msg, "f:1:18: found '+1', expected N");
	assert_int_equal(lex_number(&c.lx, "N", &v), -1);
	assert_string_equal(c.e.msg, "f:1:21: found '1e999', expected N");
	assert_int_equal(lex_number(&c.lx, "N", &v), -1);
	assert_string_equal(c.e.msg, "f:1:27: found 'nan', expected N");
	assert_int_equal(lex_number(&c.lx, "N", &v), -1);
	assert_string_equal(c.e.msg, "f:1:31: found 'a', expected N");

	/* A long number is read whole, not cut at some buffer's size, and one
	 * longer than a token holds is refused rather than truncated. */
	big = malloc(2048);
	assert_non_null(big);
	snprintf(big, 2048, "x ");
	for (i = 2; i < 2 + 300; i++)
		big[i] = '0';
	snprintf(big + i, 2048 - i, "7");
	lex_start(&c, big, POLICY_OPTS);
	assert_int_equal(lex_number(&c.lx, "N", &v), 0);
	assert_true(v == 7);
	for (i = 2; i < 2 + 1100; i++)
		big[i] = '0';
	snprintf(big + i, 2048 - i, "7");
	lex_start(&c, big, POLICY_OPTS);
	assert_int_equal(lex_number(&c.lx, "N", &v), -1);
	assert_string_equal(c.e.msg, "f:1:3: found '0000000000000000000000000000000000000000...', expected N");
	free(big);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_lines),   cmocka_unit_test(test_options), cmocka_unit_test(test_strings),
		cmocka_unit_test(test_stray),   cmocka_unit_test(test_readers),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
