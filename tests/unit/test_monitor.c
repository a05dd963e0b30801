/* test_monitor: drift from score histograms (PSI and KS against hand-computed values) and the histograms it refuses. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <math.h>
#include <string.h>

#include "monitor.h"

/* A histogram from cumulative counts over bounds, the last +Inf. */
static struct monitor_hist hist(size_t n, const double *le, const double *count)
{
	struct monitor_hist h;
	size_t i;

	memset(&h, 0, sizeof h);
	h.n = n;
	for (i = 0; i < n; i++) {
		h.le[i] = i + 1 == n ? INFINITY : le[i];
		h.count[i] = count[i];
	}
	return h;
}

static void test_psi_ks_by_hand(void **state)
{
	static const double le[] = { 0.5, 0 }, ref_c[] = { 50, 100 }, cur_c[] = { 25, 100 };
	struct monitor_hist ref = hist(2, le, ref_c), cur = hist(2, le, cur_c);
	struct err e;
	double psi, ks;

	(void)state;
	/* shares 0.5/0.5 against 0.25/0.75: (0.25-0.5)ln(0.5) + (0.75-0.5)ln(1.5) */
	assert_int_equal(monitor_psi(&ref, &cur, &psi, &e), 0);
	assert_true(fabs(psi - (-0.25 * log(0.5) + 0.25 * log(1.5))) < 1e-12);
	assert_true(fabs(psi - 0.274653) < 1e-6);
	/* the CDFs at 0.5 are 0.5 and 0.25 */
	assert_int_equal(monitor_ks(&ref, &cur, &ks, &e), 0);
	assert_true(fabs(ks - 0.25) < 1e-12);
	/* symmetric in the sense PSI is: swapping the windows gives the same value */
	assert_int_equal(monitor_psi(&cur, &ref, &psi, &e), 0);
	assert_true(fabs(psi - 0.274653) < 1e-6);
}

static void test_identical_is_zero(void **state)
{
	static const double le[] = { 0.1, 0.2, 0.5, 0.9, 0 }, c[] = { 3, 10, 40, 90, 120 },
			    c2[] = { 30, 100, 400, 900, 1200 };
	struct monitor_hist a = hist(5, le, c), b = hist(5, le, c2);
	struct err e;
	double psi, ks;

	(void)state;
	/* same shares, ten times the traffic: no drift */
	assert_int_equal(monitor_psi(&a, &b, &psi, &e), 0);
	assert_true(fabs(psi) < 1e-12);
	assert_int_equal(monitor_ks(&a, &b, &ks, &e), 0);
	assert_true(fabs(ks) < 1e-12);
}

static void test_empty_bucket_is_floored(void **state)
{
	static const double le[] = { 0.5, 0 }, ref_c[] = { 100, 100 }, cur_c[] = { 50, 100 };
	struct monitor_hist ref = hist(2, le, ref_c), cur = hist(2, le, cur_c);
	struct err e;
	double psi, want = (0.5 - 1.0) * log(0.5 / 1.0) + (0.5 - 1e-4) * log(0.5 / 1e-4);

	(void)state;
	/* the reference's empty upper bucket counts as 1e-4, not 0 */
	assert_int_equal(monitor_psi(&ref, &cur, &psi, &e), 0);
	assert_true(isfinite(psi));
	assert_true(fabs(psi - want) < 1e-9);
}

static void test_refused(void **state)
{
	static const double le[] = { 0.5, 0.7, 0 }, good[] = { 1, 2, 3 }, down[] = { 5, 2, 9 },
			    zero[] = { 0, 0, 0 }, neg[] = { -1, 2, 3 };
	static const double le2[] = { 0.4, 0.7, 0 }, unordered[] = { 0.7, 0.5, 0 };
	struct monitor_hist g = hist(3, le, good), h;
	struct err e;
	double x;

	(void)state;
	h = hist(3, le, down);
	assert_int_equal(monitor_hist_check(&h, &e), -1);
	assert_non_null(strstr(e.msg, "fewer than"));
	h = hist(3, le, neg);
	assert_int_equal(monitor_hist_check(&h, &e), -1);
	h = hist(3, unordered, good);
	assert_int_equal(monitor_hist_check(&h, &e), -1);
	assert_non_null(strstr(e.msg, "not ascending"));
	h = hist(3, le, good);
	h.le[2] = 0.9; /* no +Inf bucket */
	assert_int_equal(monitor_hist_check(&h, &e), -1);
	assert_non_null(strstr(e.msg, "+Inf"));
	h = hist(1, le, good);
	assert_int_equal(monitor_hist_check(&h, &e), -1);
	h = hist(3, le, good);
	h.count[1] = NAN;
	assert_int_equal(monitor_hist_check(&h, &e), -1);
	/* different bounds cannot be compared */
	h = hist(3, le2, good);
	assert_int_equal(monitor_psi(&g, &h, &x, &e), -1);
	assert_non_null(strstr(e.msg, "bounds differ"));
	/* a window without observations has no distribution */
	h = hist(3, le, zero);
	assert_int_equal(monitor_ks(&g, &h, &x, &e), -1);
	assert_non_null(strstr(e.msg, "no observations"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_psi_ks_by_hand),
		cmocka_unit_test(test_identical_is_zero),
		cmocka_unit_test(test_empty_bucket_is_floored),
		cmocka_unit_test(test_refused),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
