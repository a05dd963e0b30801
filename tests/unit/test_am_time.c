/* test_am_time: the Alertmanager plugin's RFC 3339 times (fractions, zone offsets, leap days, garbage) against hand-computed seconds and the C library's timegm. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <string.h>
#include <time.h>

/* The plugin's own file: it links no libsteward, and its functions are not exported. */
#include "plugins/alertmanager/time.c"

static void test_parse_known(void **state)
{
	static const struct {
		const char *s;
		int64_t want;
	} cases[] = {
		{ "1970-01-01T00:00:00Z", 0 },
		{ "2026-01-01T00:00:00Z", 1767225600 },
		{ "2026-01-01T00:00:00.000Z", 1767225600 },
		{ "2026-01-01T00:00:00.999999999Z", 1767225600 },
		{ "2026-01-01T01:00:00+01:00", 1767225600 },
		{ "2025-12-31T19:30:00-04:30", 1767225600 },
		{ "2026-12-01T23:00:00.500+01:00", 1796162400 },
		{ "2024-02-29T12:00:00z", 1709208000 },
		{ "2026-01-01t00:00:00Z", 1767225600 },
		{ "1969-12-31T23:59:59Z", -1 },
		/* Go's zero time, which Alertmanager writes for "never". */
		{ "0001-01-01T00:00:00Z", -62135596800LL },
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		int64_t got = 42;

		assert_int_equal(am_time_parse(cases[i].s, &got), 0);
		assert_int_equal(got, cases[i].want);
	}
}

static void test_parse_garbage(void **state)
{
	static const char *const bad[] = {
		"",
		"2026-01-01",
		"2026-01-01T00:00:00",      /* no zone */
		"2026-01-01T00:00:00+0100", /* offset without colon */
		"2026-13-01T00:00:00Z",
		"2026-02-29T00:00:00Z",     /* not a leap year */
		"2026-04-31T00:00:00Z",
		"2026-01-01T24:00:00Z",
		"2026-01-01T00:60:00Z",
		"2026-01-01T00:00:00.Z",    /* a dot without digits */
		"2026-01-01T00:00:00Zjunk",
		"2026-01-01T00:00:00+25:00",
		"2026-01-01X00:00:00Z",
		"2O26-01-01T00:00:00Z",
		"-026-01-01T00:00:00Z",
		"2026-01-01T00:00:00\xff",
	};
	size_t i;
	int64_t t;

	(void)state;
	assert_int_equal(am_time_parse(NULL, &t), -1);
	for (i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		if (am_time_parse(bad[i], &t) != -1)
			fail_msg("accepted '%s'", bad[i]);
	}
}

/* Every day of 1900..2100 at a few times: the same as timegm, and back. */
static void test_against_timegm(void **state)
{
	int64_t t;

	(void)state;
	for (t = -2208988800LL; t < 4133980800LL; t += 86400 + 3607) {
		time_t tt = (time_t)t;
		struct tm tm;
		char s[40], f[40];
		int64_t got;

		assert_non_null(gmtime_r(&tt, &tm));
		assert_true(strftime(s, sizeof s, "%Y-%m-%dT%H:%M:%SZ", &tm) > 0);
		assert_int_equal(am_time_parse(s, &got), 0);
		assert_int_equal(got, t);
		assert_int_equal((int64_t)timegm(&tm), t);
		assert_int_equal(am_time_format(t, f, sizeof f), 0);
		assert_string_equal(f, s);
	}
}

static void test_format(void **state)
{
	char buf[32];

	(void)state;
	assert_int_equal(am_time_format(1767225600, buf, sizeof buf), 0);
	assert_string_equal(buf, "2026-01-01T00:00:00Z");
	assert_int_equal(am_time_format(1767225600 + 7200 + 61, buf, sizeof buf), 0);
	assert_string_equal(buf, "2026-01-01T02:01:01Z");
	assert_int_equal(am_time_format(1767225600, buf, 10), -1); /* too small: refused, not cut */
	assert_int_equal(am_time_format(400000000000LL, buf, sizeof buf), -1); /* past year 9999 */
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse_known),
		cmocka_unit_test(test_parse_garbage),
		cmocka_unit_test(test_against_timegm),
		cmocka_unit_test(test_format),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
