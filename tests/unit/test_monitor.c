/* test_monitor: drift from score histograms (PSI and KS against hand-computed values) and the histograms it refuses; an alert sync that read its source before a silence act landed does not undo it. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "keyring.h"
#include "keys.h"
#include "ledger.h"
#include "monitor.h"
#include "registry.h"
#include "store.h"

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

/* The backend's side of a silence act: it always agrees, naming s-1. */
static int fake_backend(void *arg, const struct steward_act *act, char *err, size_t errn)
{
	(void)arg;
	(void)err;
	(void)errn;
	if (act->out != NULL)
		snprintf(act->out, act->outn, "s-1");
	return 0;
}

/* One alert-source sync of the HighLatency alert as the source reported it. */
static int alert_sync(struct store *st, struct monitor_sync *m, const char *state, const char *by, struct err *e)
{
	static const struct steward_kv labels[] = {
		{ .key = "alertname", .value = "HighLatency" },
		{ .key = "model", .value = "pd" },
	};
	struct steward_alert_rec r = {
		.labels = labels, .nlabels = 2,
		.fingerprint = "f1", .name = "HighLatency", .state = state, .severity = "critical",
		.model = "pd", .version = 0, .starts = 1, .ends = 0, .summary = "", .silenced_by = by,
	};

	static const struct steward_kv match[] = { { .key = "alertname =", .value = "HighLatency" } };
	struct steward_silence_rec sil = {
		.id = "s-1", .state = "active", .matchers = match, .nmatchers = 1, .starts = 1, .ends = 1767229200,
		.created_by = "ada", .comment = "rolling back",
	};

	if (monitor_alert(m, &r, e) != 0)
		return -1;
	/* The source holds the silence its alert names. */
	if (by[0] != '\0' && monitor_silence(m, &sil, e) != 0)
		return -1;
	if (!store_in_transaction(st) && store_begin(st, e) != 0)
		return -1;
	if (monitor_sync_end(m, NULL, e) != 0) {
		store_rollback(st);
		return -1;
	}
	return store_commit(st, e);
}

static void alert_state(struct store *st, char *state, size_t n)
{
	struct db_stmt *s;
	struct err e = {0};

	state[0] = '\0';
	assert_int_equal(store_prepare(st, &s, "SELECT state || ' ' || silenced_by FROM alerts WHERE fingerprint = 'f1'", &e), 0);
	if (db_step(s) == DB_ROW)
		store_text_copy(state, n, s, 0);
	db_finalize(s);
}

/* A sync reads the source, a silence act lands, then the sync writes what
 * it read: the act would be undone until the next sync. The sync must see
 * it is stale; a sync that starts after the act writes. */
static void test_sync_after_silence_act(void **state)
{
	char dir[] = "/tmp/steward-mon-XXXXXX", db[300], kp[300], got[200], id[64];
	struct key_secret *key = NULL;
	struct principal ada;
	struct monitor_sync *m;
	struct store *st;
	struct err e = {0};

	(void)state;
	assert_non_null(mkdtemp(dir));
	snprintf(db, sizeof db, "%s/m.db", dir);
	snprintf(kp, sizeof kp, "%s/ada.key", dir);
	setenv("STEWARD_NOW", "1767225600", 1);
	st = store_open(db, STORE_CREATE, &e);
	assert_non_null(st);
	assert_int_equal(keys_generate("ada", kp, "a long passphrase", 17, &e), 0);
	assert_int_equal(keys_load_secret(kp, "a long passphrase", 17, &key, &e), 0);
	assert_int_equal(store_begin(st, &e), 0);
	assert_int_equal(ledger_logkey_create(st, &e), 0);
	assert_int_equal(keyring_init(st, "ada", key, &e), 0);
	assert_int_equal(keyring_whoami(st, key->id, &ada, &e), 0);
	ada.key = key;
	assert_int_equal(registry_model_add(st, &ada, "pd", TIER_HIGH, "risk", "", &e), 0);
	assert_int_equal(store_commit(st, &e), 0);

	m = monitor_sync_begin(st, "am", STEWARD_CAP_ALERTS, &e);
	assert_non_null(m);
	assert_int_equal(alert_sync(st, m, "active", "", &e), 0);
	monitor_sync_free(m);
	alert_state(st, got, sizeof got);
	assert_string_equal(got, "active ");

	/* The source is read (firing), then the SRE silences it here. */
	m = monitor_sync_begin(st, "am", STEWARD_CAP_ALERTS, &e);
	assert_non_null(m);
	if (monitor_silence_alert(st, &ada, "am", "f1", 3600, "rolling back", fake_backend, NULL, id, sizeof id, &e) != 0)
		fail_msg("%s", e.msg);
	assert_string_equal(id, "s-1");
	assert_int_equal(alert_sync(st, m, "active", "", &e), -1);
	assert_true(monitor_sync_stale(m));
	assert_non_null(strstr(e.msg, "1 silence act landed while am was read"));
	monitor_sync_free(m);
	alert_state(st, got, sizeof got);
	assert_string_equal(got, "suppressed s-1");

	/* Read again after the act: what the source says now is kept. */
	err_clear(&e);
	m = monitor_sync_begin(st, "am", STEWARD_CAP_ALERTS, &e);
	assert_non_null(m);
	assert_int_equal(alert_sync(st, m, "suppressed", "s-1", &e), 0);
	assert_false(monitor_sync_stale(m));
	monitor_sync_free(m);
	alert_state(st, got, sizeof got);
	assert_string_equal(got, "suppressed s-1");

	/* The same race for an expiry. */
	m = monitor_sync_begin(st, "am", STEWARD_CAP_ALERTS, &e);
	assert_non_null(m);
	if (monitor_expire_silence(st, &ada, "am", "s-1", fake_backend, NULL, &e) != 0)
		fail_msg("%s", e.msg);
	assert_int_equal(alert_sync(st, m, "suppressed", "s-1", &e), -1);
	assert_true(monitor_sync_stale(m));
	monitor_sync_free(m);
	alert_state(st, got, sizeof got);
	assert_string_equal(got, "active ");

	store_close(st);
	keys_secret_free(key);
	for (const char *f = "m.db\0m.db-wal\0m.db-shm\0m.db.logkey\0m.db.witness\0ada.key\0ada.key.pub\0"; *f; f += strlen(f) + 1) {
		snprintf(kp, sizeof kp, "%s/%s", dir, f);
		unlink(kp);
	}
	rmdir(dir);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_psi_ks_by_hand),
		cmocka_unit_test(test_identical_is_zero),
		cmocka_unit_test(test_empty_bucket_is_floored),
		cmocka_unit_test(test_refused),
		cmocka_unit_test(test_sync_after_silence_act),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
