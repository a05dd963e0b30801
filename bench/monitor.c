/* monitor: measures the monitoring cache at bank scale: a sync of N series x 24 h at a 1-minute step, the steady one-minute sync after it, loading the :monitor rows, and PSI/KS per version; with -r, only builds the registry bench/prometheus syncs into. */
#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <sodium.h>

#include "keyring.h"
#include "keys.h"
#include "ledger.h"
#include "monitor.h"
#include "registry.h"
#include "store.h"

#define BM_PASS "bench-passphrase"
#define BM_SIGNALS 4

static double bm_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int bm_cmp(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

static int bm_die(const struct err *e, const char *what)
{
	fprintf(stderr, "bench/monitor: %s: %s\n", what, e->msg);
	return 1;
}

struct bm_feed {
	struct monitor_sync *m;
	int64_t from, to, step;
	int only_last; /* the steady sync: the newest point of each series */
	long series, points;
	int rc;
	struct err *e;
};

static void bm_target(void *arg, const struct steward_target *t)
{
	static const char *const sig[BM_SIGNALS] = { "latency_p99", "error_rate", "freshness", "traffic" };
	struct bm_feed *f = arg;
	size_t n = (size_t)((f->to - f->from) / f->step) + 1, i, k;
	int64_t *tm = malloc(n * sizeof *tm);
	double *v = malloc(n * sizeof *v), le[10], cnt[10];

	if (tm == NULL || v == NULL || f->rc != 0) {
		free(tm);
		free(v);
		f->rc = -1;
		return;
	}
	for (k = 0; k < BM_SIGNALS; k++) {
		struct steward_series_rec r = { .model = t->model, .version = t->version, .signal = sig[k], .time = tm,
						.value = v, .step = f->step };
		size_t first = f->only_last ? n - 1 : 0;

		for (i = first; i < n; i++) {
			tm[i - first] = f->from + (int64_t)i * f->step;
			v[i - first] = 0.1 * (double)(k + 1) * (1 + 0.2 * sin((double)i / 90.0));
		}
		r.n = n - first;
		if (monitor_series(f->m, &r, f->e) != 0) {
			f->rc = -1;
			break;
		}
		f->series++;
		f->points += (long)r.n;
	}
	for (k = 0; f->rc == 0 && k < 2; k++) {
		struct steward_histogram_rec h = { .model = t->model, .version = t->version, .feature = "score",
						   .window = k ? "current" : "reference", .le = le, .count = cnt, .n = 10,
						   .from = f->from, .to = f->to };

		for (i = 0; i < 10; i++) {
			le[i] = i == 9 ? INFINITY : (double)(i + 1) / 10;
			cnt[i] = (i ? cnt[i - 1] : 0) + 1000 * exp(-pow((double)i - 4.5 - (double)k * (t->version % 3), 2) / 8);
		}
		if (monitor_histogram(f->m, &h, f->e) != 0)
			f->rc = -1;
	}
	free(tm);
	free(v);
}

/* One sync as a plugin would hand it over, timed in its two parts. */
static int bm_sync(struct store *st, const struct principal *who, int64_t now, int only_last, double *feed_s,
		   double *end_s, long *series, long *points, struct err *e)
{
	struct bm_feed f = { .e = e, .only_last = only_last };
	double t0, t1, t2;

	store_clock_set(now);
	if (store_begin(st, e) != 0)
		return -1;
	t0 = bm_now();
	f.m = monitor_sync_begin(st, "prometheus", STEWARD_CAP_METRICS, e);
	if (f.m == NULL) {
		store_rollback(st);
		return -1;
	}
	monitor_window(f.m, &f.from, &f.to, &f.step);
	if (monitor_targets(f.m, bm_target, &f) != 0 || f.rc != 0) {
		monitor_sync_free(f.m);
		store_rollback(st);
		return -1;
	}
	t1 = bm_now();
	if (monitor_sync_end(f.m, who, e) != 0 || store_commit(st, e) != 0) {
		monitor_sync_free(f.m);
		store_rollback(st);
		return -1;
	}
	t2 = bm_now();
	monitor_sync_free(f.m);
	*feed_s = t1 - t0;
	*end_s = t2 - t1;
	*series = f.series;
	*points = f.points;
	return 0;
}

int main(int argc, char **argv)
{
	int registry_only = argc > 1 && strcmp(argv[1], "-r") == 0, nmodels, i;
	char keypath[4200], name[64];
	struct key_secret *k = NULL;
	struct principal admin;
	struct store *st;
	struct err e;
	double feed, end, t0, t1, *lat;
	long series, points;
	int64_t now = 1767225600;
	struct monitor_row *rows;
	size_t nrows;

	argc -= registry_only;
	argv += registry_only;
	nmodels = argc > 2 ? atoi(argv[2]) : 1000;
	if (argc < 2 || nmodels < 1 || nmodels > 100000) {
		fprintf(stderr, "usage: bench/monitor [-r] STORE [MODELS (1000)]\n");
		return 2;
	}
	if (sodium_init() < 0)
		return 1;
	snprintf(keypath, sizeof keypath, "%s.key", argv[1]);
	/* A fresh store each run: the files a previous run left go first. */
	{
		static const char *const leftovers[] = { "", "-wal", "-shm", ".logkey", ".key", ".key.pub" };
		char f[4300];
		size_t j;

		for (j = 0; j < sizeof leftovers / sizeof leftovers[0]; j++) {
			snprintf(f, sizeof f, "%s%s", argv[1], leftovers[j]);
			if (unlink(f) != 0 && errno != ENOENT) {
				fprintf(stderr, "bench/monitor: cannot remove %s: %s\n", f, strerror(errno));
				return 1;
			}
		}
	}
	store_clock_set(now - 10 * 86400);
	st = store_open(argv[1], STORE_CREATE, &e);
	if (st == NULL)
		return bm_die(&e, "opening the store");
	if (keys_generate("bench-admin", keypath, BM_PASS, strlen(BM_PASS), &e) != 0 ||
	    keys_load_secret(keypath, BM_PASS, strlen(BM_PASS), &k, &e) != 0)
		return bm_die(&e, "making a key");
	if (store_begin(st, &e) != 0 || ledger_logkey_create(st, &e) != 0 ||
	    keyring_init(st, "bench-admin", k, &e) != 0 || keyring_whoami(st, k->id, &admin, &e) != 0)
		return bm_die(&e, "the keyring");
	admin.key = k;
	for (i = 0; i < nmodels; i++) {
		char digest[72];
		int64_t v;

		snprintf(name, sizeof name, "model-%04d", i);
		snprintf(digest, sizeof digest, "sha256:%064x", i + 1);
		if (registry_model_add(st, &admin, name, (enum tier)(i % 4), "bench", "", &e) != 0 ||
		    registry_version_add(st, &admin, name, "s3://bench/x", digest, "bench", "", now - 9 * 86400, &v, &e) !=
			    0 ||
		    registry_alias_set(st, &admin, name, "production", v, &e) != 0)
			return bm_die(&e, "the registry");
	}
	if (store_commit(st, &e) != 0)
		return bm_die(&e, "committing the registry");
	if (registry_only) {
		/* The store for a real sync: its admin key is STORE.key, passphrase "bench-passphrase" (BM_PASS). */
		store_close(st);
		keys_secret_free(k);
		return 0;
	}

	/* The first sync: a day of every signal of every deployed version. */
	if (bm_sync(st, &admin, now, 0, &feed, &end, &series, &points, &e) != 0)
		return bm_die(&e, "the first sync");
	printf("first sync: %ld series, %ld points: handed over in %.2f s (%.0f points/s), drift, sparklines and signed observations in %.2f s\n",
	       series, points, feed, (double)points / feed, end);
	t0 = bm_now();
	if (monitor_rows(st, now, &rows, &nrows, &e) != 0)
		return bm_die(&e, "monitor rows");
	t1 = bm_now();
	monitor_rows_free(rows);
	printf(":monitor rows: %zu loaded in %.1f ms; sync to screen %.2f s\n", nrows, (t1 - t0) * 1e3,
	       feed + end + (t1 - t0));
	/* The steady state: a minute later, one new point per series. */
	if (bm_sync(st, &admin, now + 60, 1, &feed, &end, &series, &points, &e) != 0)
		return bm_die(&e, "the next sync");
	printf("one-minute sync: %ld points: handed over in %.3f s, finished in %.2f s\n", points, feed, end);

	/* Drift per version, as the sync computes it. */
	lat = calloc((size_t)nmodels, sizeof *lat);
	if (lat == NULL)
		return 1;
	for (i = 0; i < nmodels; i++) {
		struct monitor_hist a = { .n = 10 }, b = { .n = 10 };
		double psi, ks, s;
		int j;

		for (j = 0; j < 10; j++) {
			a.le[j] = b.le[j] = j == 9 ? INFINITY : (double)(j + 1) / 10;
			a.count[j] = (j ? a.count[j - 1] : 0) + 100 + j * i % 7;
			b.count[j] = (j ? b.count[j - 1] : 0) + 100 + j * (i + 3) % 11;
		}
		s = bm_now();
		if (monitor_psi(&a, &b, &psi, &e) != 0 || monitor_ks(&a, &b, &ks, &e) != 0)
			return bm_die(&e, "drift");
		lat[i] = bm_now() - s;
	}
	qsort(lat, (size_t)nmodels, sizeof *lat, bm_cmp);
	printf("PSI+KS per version: p50 %.2f us, p99 %.2f us\n", lat[nmodels / 2] * 1e6, lat[nmodels * 99 / 100] * 1e6);
	free(lat);
	store_close(st);
	keys_secret_free(k);
	return 0;
}
