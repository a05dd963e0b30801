/* test_diff: the bounded line diff: edits, context folding, empty sides and the size caps. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "diff.h"

/* The diff as text, one line per entry: " x", "-x", "+x" or "~N". */
static char *render(const struct diff *d)
{
	size_t i, cap = 64, used = 0;
	char *buf = malloc(cap);

	assert_non_null(buf);
	buf[0] = '\0';
	for (i = 0; i < d->n; i++) {
		const struct diff_line *l = &d->v[i];
		char one[256];
		int w;

		if (l->op == DIFF_SKIP)
			w = snprintf(one, sizeof one, "~%zu\n", l->skipped);
		else
			w = snprintf(one, sizeof one, "%c%.*s\n",
				     l->op == DIFF_SAME ? ' ' : l->op == DIFF_DEL ? '-' : '+', (int)l->len,
				     l->s);
		assert_true(w > 0 && (size_t)w < sizeof one);
		while (used + (size_t)w + 1 > cap) {
			cap *= 2;
			buf = realloc(buf, cap);
			assert_non_null(buf);
		}
		memcpy(buf + used, one, (size_t)w + 1);
		used += (size_t)w;
	}
	return buf;
}

static void check(const char *old, const char *new, size_t context, const char *want, size_t adds,
		  size_t dels)
{
	struct diff d;
	struct err e = {0};
	char *got;

	assert_int_equal(diff_lines(old, new, context, &d, &e), 0);
	assert_false(d.too_large);
	got = render(&d);
	assert_string_equal(got, want);
	assert_int_equal(d.adds, adds);
	assert_int_equal(d.dels, dels);
	free(got);
	diff_free(&d);
}

static void test_edits(void **state)
{
	(void)state;
	check("a\nb\nc", "a\nb\nc", DIFF_ALL, " a\n b\n c\n", 0, 0);
	check("a\nb\nc", "a\nB\nc", DIFF_ALL, " a\n-b\n+B\n c\n", 1, 1);
	check("a\nb\nc", "x\na\nb\nc", DIFF_ALL, "+x\n a\n b\n c\n", 1, 0);
	check("a\nb\nc", "a\nb\nc\nd\n", DIFF_ALL, " a\n b\n c\n+d\n", 1, 0);
	check("a\nb\nc\nd", "a\nd", DIFF_ALL, " a\n-b\n-c\n d\n", 0, 2);
	/* The common subsequence survives moves around it. */
	check("x\na\ny\nb\nz", "a\nq\nb", DIFF_ALL, "-x\n a\n-y\n+q\n b\n-z\n", 1, 3);
	/* A trailing newline does not make a line of its own, but an empty line does. */
	check("a\n", "a", DIFF_ALL, " a\n", 0, 0);
	check("a\n\nb", "a\nb", DIFF_ALL, " a\n-\n b\n", 0, 1);
}

static void test_empty_sides(void **state)
{
	(void)state;
	check("", "", DIFF_ALL, "", 0, 0);
	check("", "a\nb", DIFF_ALL, "+a\n+b\n", 2, 0);
	check("a\nb", "", DIFF_ALL, "-a\n-b\n", 0, 2);
}

static void test_context(void **state)
{
	(void)state;
	check("1\n2\n3\n4\n5\n6\n7\n8\n9", "1\n2\n3\n4\nX\n6\n7\n8\n9", 1,
	      "~3\n 4\n-5\n+X\n 6\n~3\n", 1, 1);
	check("1\n2\n3\n4\n5\n6\n7\n8\n9", "1\n2\n3\n4\nX\n6\n7\n8\n9", 0, "~4\n-5\n+X\n~4\n", 1,
	      1);
	/* Two changes close together share their context. */
	check("1\n2\n3\n4\n5\n6\n7", "A\n2\n3\n4\n5\n6\nG", 2, "-1\n+A\n 2\n 3\n~1\n 5\n 6\n-7\n+G\n", 2,
	      2);
	/* Unchanged text folds to one entry. */
	check("1\n2\n3", "1\n2\n3", 1, "~3\n", 0, 0);
	check("1\n2\n3", "1\n2\n3", 5, "~3\n", 0, 0);
	check("1\n2\n3", "1\n2\n3", DIFF_ALL, " 1\n 2\n 3\n", 0, 0);
}

static char *lines(size_t n, const char *tag)
{
	size_t cap = n * (strlen(tag) + 24) + 1, used = 0, i;
	char *s = malloc(cap);

	assert_non_null(s);
	s[0] = '\0';
	for (i = 0; i < n; i++)
		used += (size_t)snprintf(s + used, cap - used, "%s line %zu\n", tag, i);
	return s;
}

static void test_caps(void **state)
{
	struct diff d;
	struct err e = {0};
	char *a = lines(1500, "old"), *b = lines(1500, "new"), *c, *big = lines(DIFF_MAX_LINES + 1, "x");

	(void)state;
	/* 1500 x 1500 changed lines is past the table's cap: not diffed, not an error. */
	assert_int_equal(diff_lines(a, b, 3, &d, &e), 0);
	assert_true(d.too_large);
	assert_int_equal(d.n, 0);
	assert_int_equal(d.old_lines, 1500);
	assert_int_equal(d.new_lines, 1500);
	diff_free(&d);
	/* Past the line cap on one side. */
	assert_int_equal(diff_lines(big, "x", 3, &d, &e), 0);
	assert_true(d.too_large);
	diff_free(&d);
	/* A long text with one change is cheap: the common head and tail are set aside. */
	c = lines(1500, "old");
	c[5] = 'X';
	assert_int_equal(diff_lines(a, c, 1, &d, &e), 0);
	assert_false(d.too_large);
	assert_int_equal(d.adds, 1);
	assert_int_equal(d.dels, 1);
	assert_int_equal(d.n, 4); /* -, +, one line of context, the rest folded */
	assert_int_equal(d.v[0].op, DIFF_DEL);
	assert_int_equal(d.v[3].op, DIFF_SKIP);
	assert_int_equal(d.v[3].skipped, 1498);
	diff_free(&d);
	free(a);
	free(b);
	free(c);
	free(big);
}

static void test_bytes(void **state)
{
	(void)state;
	/* Lines are compared as bytes, escapes and all; drawing them safely is the caller's job. */
	check("a\x1b[2Jb\n\xe2\x80\xaer", "a\x1b[2Jb\n\xe2\x80\xaeR", DIFF_ALL,
	      " a\x1b[2Jb\n-\xe2\x80\xaer\n+\xe2\x80\xaeR\n", 1, 1);
	check("a\r\nb", "a\nb", DIFF_ALL, "-a\r\n+a\n b\n", 1, 1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_edits),   cmocka_unit_test(test_empty_sides),
		cmocka_unit_test(test_context), cmocka_unit_test(test_caps),
		cmocka_unit_test(test_bytes),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
