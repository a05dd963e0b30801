/* lineage: extends the bench estate with a layered lineage graph of a million edges, then measures OpenLineage import rate and the closures the views and gate ask for. */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "lineage.h"
#include "store.h"

#define BL_FEATURES 1000     /* feature tables */
#define BL_DAYS 100          /* daily versions of each: 100,000 feature runs */
#define BL_RAW 200           /* raw sources, unversioned */
#define BL_RAW_PER_RUN 5     /* raw sources a feature run reads */
#define BL_IMPORT 100000     /* events of the import measurement */
#define BL_SAMPLES 2000      /* random closures of each kind */

static double bl_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int bl_cmp(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

static double bl_pct(double *v, size_t n, int p)
{
	size_t i = (size_t)((p * n + 99) / 100);

	return v[i < 1 ? 0 : i - 1];
}

static uint32_t bl_rand(uint32_t *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 17;
	*s ^= *s << 5;
	return *s;
}

static int bl_die(const struct err *e, const char *what)
{
	fprintf(stderr, "bench/lineage: %s: %s\n", what, e->msg);
	return 1;
}

static void bl_uuid(uint32_t kind, uint32_t a, uint32_t b, char out[37])
{
	snprintf(out, 37, "%08x-%04x-7000-8000-%012x", a, kind & 0xffff, b);
}

static void bl_time(int64_t t, char *buf, size_t n)
{
	time_t tt = (time_t)t;
	struct tm tm;

	gmtime_r(&tt, &tm);
	strftime(buf, n, "%Y-%m-%dT%H:%M:%S.000000+00:00", &tm);
}

/* A run event of the size pipelines send: schema and source facets on its datasets. */
static int bl_event(char *buf, size_t n, const char *type, int64_t t, const char *run, const char *job,
		    const char *mlflow, const char *inputs, const char *outputs)
{
	char when[40];
	int w;

	bl_time(t, when, sizeof when);
	w = snprintf(buf, n,
		     "{\"eventType\":\"%s\",\"eventTime\":\"%s\",\"producer\":\"https://github.com/OpenLineage/OpenLineage/tree/1.24.2/integration/airflow\","
		     "\"schemaURL\":\"https://openlineage.io/spec/2-0-2/OpenLineage.json#/$defs/RunEvent\","
		     "\"run\":{\"runId\":\"%s\",\"facets\":{%s%s%s}},\"job\":{\"namespace\":\"airflow://bank-prod\",\"name\":\"%s\"},"
		     "\"inputs\":[%s],\"outputs\":[%s]}",
		     type, when, run, mlflow ? "\"mlflow\":{\"runId\":\"" : "", mlflow ? mlflow : "", mlflow ? "\"}" : "", job,
		     inputs, outputs);
	return w > 0 && (size_t)w < n ? w : -1;
}

static int bl_ds(char *buf, size_t n, const char *ns, const char *name, const char *version, int schema)
{
	int w = snprintf(buf, n,
			 "{\"namespace\":\"%s\",\"name\":\"%s\",\"facets\":{%s%s%s%s\"dataSource\":{\"name\":\"%s\",\"uri\":\"%s\"}}}",
			 ns, name, version ? "\"version\":{\"datasetVersion\":\"" : "", version ? version : "", version ? "\"}," : "",
			 schema ? "\"schema\":{\"fields\":[{\"name\":\"customer_id\",\"type\":\"string\"},{\"name\":\"as_of\",\"type\":\"date\"},"
				  "{\"name\":\"balance_90d\",\"type\":\"double\"},{\"name\":\"delinquencies_12m\",\"type\":\"int\"}]},"
				: "",
			 ns, ns);
	return w > 0 && (size_t)w < n ? w : -1;
}

static void bl_digest(uint32_t a, uint32_t b, char out[72])
{
	snprintf(out, 72, "sha256:%08x%08x%08x%08x%08x%08x%08x%08x", a, b, a ^ 0x5bd1e995u, b * 2654435761u, a + b, a * 31u,
		 b ^ 0xdeadbeefu, a ^ b);
}

struct bl_version {
	char model[64];
	int64_t version;
	char run[40];
};

static int bl_versions(struct store *st, struct bl_version **out, size_t *n, struct err *e)
{
	struct db_stmt *s;
	size_t cap = 0;

	*out = NULL;
	*n = 0;
	if (store_prepare(st, &s, "SELECT m.name, v.version, v.run_id FROM versions v JOIN models m ON m.id = v.model_id ORDER BY v.id",
			  e) != 0)
		return -1;
	while (db_step(s) == DB_ROW) {
		if (*n == cap) {
			struct bl_version *g = realloc(*out, (cap = cap ? cap * 2 : 1024) * sizeof *g);

			if (g == NULL) {
				db_finalize(s);
				return err_set(e, ERR_IO, "out of memory");
			}
			*out = g;
		}
		store_text_copy((*out)[*n].model, sizeof (*out)[*n].model, s, 0);
		(*out)[*n].version = db_column_int64(s, 1);
		store_text_copy((*out)[*n].run, sizeof (*out)[*n].run, s, 2);
		(*n)++;
	}
	db_finalize(s);
	return 0;
}

/* A generated event refused is a bug in this generator: the first few are named. */
static void bl_report(void *arg, const char *source, long line, const char *why)
{
	long *n = arg;

	if ((*n)++ < 3)
		fprintf(stderr, "bench/lineage: %s:%ld refused: %s\n", source, line, why);
}

/* The layers: raw sources -> daily feature table versions -> a training
 * snapshot per model version -> its training run, which also reads that
 * day's feature table. */
static int bl_generate(struct store *st, const struct bl_version *v, size_t nv, struct err *e)
{
	struct lineage_import *li;
	struct lineage_stats s;
	char ev[8192], in[4096], out[1024], run[40], ver[72], name[96], one[1024];
	size_t i, k;
	uint32_t rng = 88172645u;
	double t0 = bl_now();
	int64_t base = 1704067200;
	long refused = 0;
	int r = 0;

	li = lineage_import_begin(st, NULL, "", bl_report, &refused, e);
	if (li == NULL)
		return -1;
	for (i = 0; r == 0 && i < (size_t)BL_FEATURES * BL_DAYS; i++) {
		size_t f = i % BL_FEATURES, day = i / BL_FEATURES, used = 0;

		in[0] = '\0';
		for (k = 0; k < BL_RAW_PER_RUN; k++) {
			snprintf(name, sizeof name, "lake.raw_%03zu", (f * 7 + k * 13) % BL_RAW);
			if (bl_ds(one, sizeof one, "postgres://core-banking.bank.internal:5432", name, NULL, 0) < 0)
				return err_set(e, ERR_IO, "event too long");
			used += (size_t)snprintf(in + used, sizeof in - used, "%s%s", k ? "," : "", one);
		}
		snprintf(name, sizeof name, "features/table_%04zu", f);
		bl_digest((uint32_t)f, (uint32_t)day, ver);
		if (bl_ds(out, sizeof out, "s3://bank-feature-store", name, ver, 1) < 0)
			return err_set(e, ERR_IO, "event too long");
		bl_uuid(1, (uint32_t)f, (uint32_t)day, run);
		snprintf(name, sizeof name, "features.build_table_%04zu", f);
		if (bl_event(ev, sizeof ev, "COMPLETE", base + (int64_t)day * 86400, run, name, NULL, in, out) < 0)
			return err_set(e, ERR_IO, "event too long");
		r = lineage_import_event(li, "bench", (long)i, ev, strlen(ev), e);
	}
	for (i = 0; r == 0 && i < nv; i++) {
		size_t f = bl_rand(&rng) % BL_FEATURES, day = bl_rand(&rng) % BL_DAYS;
		char feat[1024], snap[1024], sver[72];

		snprintf(name, sizeof name, "features/table_%04zu", f);
		bl_digest((uint32_t)f, (uint32_t)day, ver);
		bl_ds(feat, sizeof feat, "s3://bank-feature-store", name, ver, 0);
		snprintf(name, sizeof name, "training/%s/v%" PRId64, v[i].model, v[i].version);
		bl_digest((uint32_t)i, 0xabcdu, sver);
		bl_ds(snap, sizeof snap, "s3://bank-ml-datasets", name, sver, 0);
		bl_uuid(2, (uint32_t)i, 1, run);
		if (bl_event(ev, sizeof ev, "COMPLETE", base + (int64_t)day * 86400 + 3600, run, "snapshot_training_set", NULL,
			     feat, snap) < 0)
			return err_set(e, ERR_IO, "event too long");
		r = lineage_import_event(li, "bench", (long)i, ev, strlen(ev), e);
		if (r != 0)
			break;
		snprintf(in, sizeof in, "%s,%s", snap, feat);
		bl_uuid(3, (uint32_t)i, 2, run);
		snprintf(name, sizeof name, "train.%s", v[i].model);
		if (bl_event(ev, sizeof ev, "COMPLETE", base + (int64_t)day * 86400 + 7200, run, name,
			     v[i].run[0] ? v[i].run : NULL, in, "") < 0)
			return err_set(e, ERR_IO, "event too long");
		r = lineage_import_event(li, "bench", (long)i, ev, strlen(ev), e);
	}
	if (r == 0)
		r = lineage_import_end(li, &s, e);
	lineage_import_free(li);
	if (r == 0)
		printf("generated: %ld events, %ld malformed, in %.1f s\n", s.events, s.malformed, bl_now() - t0);
	return r;
}

/* 100,000 events as a pipeline fleet writes them (START then COMPLETE per
 * run, about 1 KB each), into a file. */
static int bl_events_file(const char *path, struct err *e)
{
	FILE *f = fopen(path, "w");
	char ev[8192], in[2048], out[1024], run[40], ver[72], name[96];
	size_t i;

	if (f == NULL)
		return err_set(e, ERR_IO, "%s: %s", path, strerror(errno));
	for (i = 0; i < BL_IMPORT / 2; i++) {
		snprintf(name, sizeof name, "features/fresh_%05zu", i % 5000);
		bl_ds(in, sizeof in, "postgres://core-banking.bank.internal:5432", "lake.raw_017", NULL, 0);
		bl_digest((uint32_t)i, 0x1234u, ver);
		bl_ds(out, sizeof out, "s3://bank-feature-store", name, ver, 1);
		bl_uuid(9, (uint32_t)i, 7, run);
		snprintf(name, sizeof name, "features.fresh_%03zu", i % 500);
		bl_event(ev, sizeof ev, "START", 1767225600 - 7200 + (int64_t)i, run, name, NULL, in, "");
		fprintf(f, "%s\n", ev);
		bl_event(ev, sizeof ev, "COMPLETE", 1767225600 - 3600 + (int64_t)i, run, name, NULL, in, out);
		fprintf(f, "%s\n", ev);
	}
	if (fclose(f) != 0)
		return err_set(e, ERR_IO, "%s: %s", path, strerror(errno));
	return 0;
}

/* Imports the file inside a transaction that is then rolled back, so the
 * measurement can run again on the same store. */
static int bl_import(struct store *st, const char *path, const char *what, struct err *e)
{
	struct lineage_import *li;
	struct lineage_stats s;
	double t0, t;
	int r;

	if (store_begin(st, e) != 0)
		return -1;
	t0 = bl_now();
	li = lineage_import_begin(st, NULL, "", NULL, NULL, e);
	r = li == NULL ? -1 : lineage_import_path(li, path, e);
	if (r == 0)
		r = lineage_import_end(li, &s, e);
	t = bl_now() - t0;
	lineage_import_free(li);
	store_rollback(st);
	if (r != 0)
		return -1;
	printf("import %s: %ld events (%ld new) in %.2f s: %.0f events/s\n", what, s.events, s.imported, t,
	       (double)s.events / t);
	return 0;
}

int main(int argc, char **argv)
{
	struct bl_version *v = NULL;
	struct store *st, *fresh;
	struct err e;
	struct db_stmt *s;
	size_t nv = 0, i;
	double *up, *down, *stat;
	long upn = 0, downn = 0;
	int gen = 0, edges = 0;
	uint32_t rng = 2463534242u;
	char evpath[4200], freshpath[4200];
	const char *db;

	if (argc == 3 && strcmp(argv[1], "-e") == 0) {
		/* Only the events of the import measurement, to time or profile elsewhere. */
		if (bl_events_file(argv[2], &e) != 0)
			return bl_die(&e, "writing events");
		return 0;
	}
	if (argc == 3 && strcmp(argv[1], "-g") == 0) {
		gen = 1;
		db = argv[2];
	} else if (argc == 2)
		db = argv[1];
	else {
		fprintf(stderr, "usage: bench/lineage [-g] ESTATE.db | -e EVENTS.ndjson\n");
		return 2;
	}
	st = store_open(db, 0, &e);
	if (st == NULL)
		return bl_die(&e, "opening the estate");
	if (bl_versions(st, &v, &nv, &e) != 0 || nv == 0)
		return bl_die(&e, "reading versions");
	if (store_prepare(st, &s, "SELECT count(*) FROM lineage_io", &e) != 0)
		return bl_die(&e, "counting edges");
	if (db_step(s) == DB_ROW)
		edges = db_column_int(s, 0);
	db_finalize(s);
	if (gen && edges == 0) {
		if (store_begin(st, &e) != 0 || bl_generate(st, v, nv, &e) != 0 || store_commit(st, &e) != 0)
			return bl_die(&e, "generating the lineage");
	}
	if (store_prepare(st, &s, "SELECT count(*) FROM lineage_io", &e) != 0)
		return bl_die(&e, "counting edges");
	if (db_step(s) == DB_ROW)
		edges = db_column_int(s, 0);
	db_finalize(s);
	printf("edges: %d dataset edges, %zu versions\n", edges, nv);
	if (gen)
		return 0;

	/* Import rate: into an empty store, and into the estate with its million edges. */
	snprintf(evpath, sizeof evpath, "%s.events.ndjson", db);
	snprintf(freshpath, sizeof freshpath, "%s.fresh.db", db);
	unlink(freshpath);
	if (bl_events_file(evpath, &e) != 0)
		return bl_die(&e, "writing events");
	fresh = store_open(freshpath, STORE_CREATE, &e);
	if (fresh == NULL || bl_import(fresh, evpath, "into an empty store", &e) != 0)
		return bl_die(&e, "importing");
	store_close(fresh);
	unlink(freshpath);
	if (bl_import(st, evpath, "into the estate", &e) != 0)
		return bl_die(&e, "importing");
	unlink(evpath);

	/* Closures: upstream of random versions, downstream of random feature table versions, and the version screen's status. */
	up = calloc(BL_SAMPLES, sizeof *up);
	down = calloc(BL_SAMPLES, sizeof *down);
	stat = calloc(BL_SAMPLES, sizeof *stat);
	if (up == NULL || down == NULL || stat == NULL)
		return 1;
	for (i = 0; i < BL_SAMPLES; i++) {
		const struct bl_version *x = &v[bl_rand(&rng) % nv];
		struct lineage_graph g;
		struct lineage_status ls;
		char name[64];
		double t0 = bl_now();

		if (lineage_graph_version(st, x->model, x->version, LINEAGE_UP, 0, &g, &e) != 0)
			return bl_die(&e, "upstream");
		up[i] = (bl_now() - t0) * 1e3;
		upn += (long)g.nn;
		lineage_graph_free(&g);
		t0 = bl_now();
		if (lineage_status_of(st, x->model, x->version, &ls, &e) != 0)
			return bl_die(&e, "status");
		stat[i] = (bl_now() - t0) * 1e3;
		lineage_status_free(&ls);
		snprintf(name, sizeof name, "features/table_%04u", bl_rand(&rng) % BL_FEATURES);
		/* One day's version of the table: what a data owner asks about after a bad load. */
		{
			struct lineage_graph d;
			size_t k;

			t0 = bl_now();
			if (lineage_graph_dataset(st, "s3://bank-feature-store", name, LINEAGE_DOWN, 0, &d, &e) != 0)
				return bl_die(&e, "downstream");
			down[i] = (bl_now() - t0) * 1e3;
			for (k = 0; k < d.nn; k++)
				downn++;
			lineage_graph_free(&d);
		}
	}
	qsort(up, BL_SAMPLES, sizeof *up, bl_cmp);
	qsort(down, BL_SAMPLES, sizeof *down, bl_cmp);
	qsort(stat, BL_SAMPLES, sizeof *stat, bl_cmp);
	printf("upstream of a version: p50 %.2f ms, p99 %.2f ms, max %.2f ms (n=%d, %.1f nodes on average)\n",
	       bl_pct(up, BL_SAMPLES, 50), bl_pct(up, BL_SAMPLES, 99), up[BL_SAMPLES - 1], BL_SAMPLES,
	       (double)upn / BL_SAMPLES);
	printf("downstream of a feature table (all its daily versions): p50 %.2f ms, p99 %.2f ms, max %.2f ms (n=%d, %.1f nodes on average)\n",
	       bl_pct(down, BL_SAMPLES, 50), bl_pct(down, BL_SAMPLES, 99), down[BL_SAMPLES - 1], BL_SAMPLES,
	       (double)downn / BL_SAMPLES);
	printf("completeness of a version: p50 %.2f ms, p99 %.2f ms\n", bl_pct(stat, BL_SAMPLES, 50),
	       bl_pct(stat, BL_SAMPLES, 99));
	free(up);
	free(down);
	free(stat);
	free(v);
	store_close(st);
	return 0;
}
