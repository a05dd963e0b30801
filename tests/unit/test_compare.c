/* test_compare: which way a metric is better: the policy's metric rules first (the judged transition's before the others), then the naming convention. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <string.h>

#include "compare.h"
#include "policy.h"

static void test_convention(void **state)
{
	const char *from;

	(void)state;
	assert_int_equal(compare_direction(NULL, NULL, "auc", &from), 1);
	assert_string_equal(from, "convention");
	assert_int_equal(compare_direction(NULL, NULL, "calibration_error", &from), -1);
	assert_int_equal(compare_direction(NULL, NULL, "p95_latency_ms", &from), -1);
	assert_int_equal(compare_direction(NULL, NULL, "F1-score", &from), 1);
	assert_int_equal(compare_direction(NULL, NULL, "ndcg@10", &from), 1);
	assert_int_equal(compare_direction(NULL, NULL, "log_loss", &from), -1);
	/* Whole words only: neither "map" in mapping nor "err" in errand. */
	assert_int_equal(compare_direction(NULL, NULL, "mapping_size", &from), 0);
	assert_null(from);
	assert_int_equal(compare_direction(NULL, NULL, "errand", &from), 0);
	assert_int_equal(compare_direction(NULL, NULL, "", &from), 0);
	assert_int_equal(compare_direction(NULL, NULL, "__", &from), 0);
}

static void test_policy_first(void **state)
{
	static const char text[] = "policy p\nversion 1\ntier low\n"
				   "transition any -> staging\n"
				   "rule loose: metric auc <= 0.99 on *\n"
				   "rule calm: metric error_rate >= 0.01 on *\n"
				   "transition staging -> production\n"
				   "rule floor: metric auc >= 0.85 on *\n"
				   "rule exact: metric mystery == 1 on *\n";
	struct policy p;
	struct err e = {0};
	const char *from;

	(void)state;
	assert_int_equal(policy_parse(text, strlen(text), "t.policy", &p, &e), 0);
	/* The judged transition speaks first... */
	assert_int_equal(compare_direction(&p, &p.sec[1], "auc", &from), 1);
	assert_string_equal(from, "floor");
	/* ...then the policy's other sections, in order. */
	assert_int_equal(compare_direction(&p, NULL, "auc", &from), -1);
	assert_string_equal(from, "loose");
	/* A rule beats the name's convention. */
	assert_int_equal(compare_direction(&p, &p.sec[1], "error_rate", &from), 1);
	assert_string_equal(from, "calm");
	/* == says nothing about direction. */
	assert_int_equal(compare_direction(&p, &p.sec[1], "mystery", &from), 0);
	policy_free(&p);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_convention),
		cmocka_unit_test(test_policy_first),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
