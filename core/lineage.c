/* lineage: OpenLineage run events into the store (checked, deduplicated, linked to model versions) and the signed lineage.set evidence. */
#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <sodium.h>

#include "gate.h"
#include "ledger.h"
#include "lineage.h"
#include "proven.h"

#define LINEAGE_CHUNK 4096 /* events an import commits at once when it owns the transaction */
#define LINEAGE_NAME_MAX 1024
#define LINEAGE_FIELDS_MAX (64 * 1024)

/* Statements an import runs for every event, prepared once. */
enum li_stmt {
	LS_EVENT_SEEN,
	LS_EVENT_PUT,
	LS_JOB_PUT,
	LS_JOB_GET,
	LS_RUN_GET,
	LS_RUN_PUT,
	LS_RUN_SET,
	LS_DS_PUT,
	LS_DS_GET,
	LS_DS_SET,
	LS_DSV_GET,
	LS_DSV_PUT,
	LS_DSV_DIGEST,
	LS_IO_PUT,
	LS_N
};

static const char *const li_sql[LS_N] = {
	[LS_EVENT_SEEN] = "SELECT 1 FROM lineage_events WHERE digest = ?1",
	[LS_EVENT_PUT] = "INSERT INTO lineage_events(digest, run, type, time, source) VALUES (?1, ?2, ?3, ?4, ?5)",
	[LS_JOB_PUT] = "INSERT INTO lineage_jobs(namespace, name) VALUES (?1, ?2) ON CONFLICT DO NOTHING",
	[LS_JOB_GET] = "SELECT id FROM lineage_jobs WHERE namespace = ?1 AND name = ?2",
	[LS_RUN_GET] = "SELECT id, job, state, state_time, started, ended, mlflow_run, model, model_version"
		       " FROM lineage_runs WHERE run_id = ?1",
	[LS_RUN_PUT] = "INSERT INTO lineage_runs(run_id, job, state, state_time, started, ended, mlflow_run, model,"
		       " model_version, producer) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)",
	[LS_RUN_SET] = "UPDATE lineage_runs SET state = ?2, state_time = ?3, started = ?4, ended = ?5, mlflow_run = ?6,"
		       " model = ?7, model_version = ?8 WHERE id = ?1",
	[LS_DS_PUT] = "INSERT INTO lineage_datasets(namespace, name) VALUES (?1, ?2) ON CONFLICT DO NOTHING",
	[LS_DS_GET] = "SELECT id, source, fields FROM lineage_datasets WHERE namespace = ?1 AND name = ?2",
	[LS_DS_SET] = "UPDATE lineage_datasets SET source = ?2, fields = ?3 WHERE id = ?1",
	[LS_DSV_GET] = "SELECT id, digest FROM lineage_dsv WHERE dataset = ?1 AND version = ?2",
	[LS_DSV_PUT] = "INSERT INTO lineage_dsv(dataset, version, digest, seen) VALUES (?1, ?2, ?3, ?4)",
	[LS_DSV_DIGEST] = "UPDATE lineage_dsv SET digest = ?2 WHERE id = ?1",
	[LS_IO_PUT] = "INSERT INTO lineage_io(run, dir, dsv) VALUES (?1, ?2, ?3) ON CONFLICT DO NOTHING",
};

/* What an import already wrote or read, so a dataset named by thousands of
 * events costs one lookup, not two statements each time: keyed by
 * "namespace\0name" (jobs, datasets) or dataset id and version. */
struct li_slot {
	char *key;
	size_t klen;
	int64_t id;
	char *a, *b; /* datasets: source and fields; dataset versions: digest */
};

struct li_map {
	struct li_slot *s;
	size_t n, cap;
};

struct lineage_import {
	struct store *st;
	const struct principal *who;
	char via[64];
	lineage_report_fn report;
	void *arg;
	struct db_stmt *s[LS_N];
	int own;     /* the import began the transaction it is in */
	long pending; /* events since the last commit */
	int64_t *runs; /* runs touched (new or repeated events): their versions are attested at the end */
	size_t nruns, caprun;
	struct lineage_stats stats;
	int ended;
	struct li_map jobs, datasets, dsvs;
};

static uint64_t li_hash(const char *k, size_t n)
{
	uint64_t h = 1469598103934665603ull;
	size_t i;

	for (i = 0; i < n; i++)
		h = (h ^ (unsigned char)k[i]) * 1099511628211ull;
	return h;
}

static void li_map_clear(struct li_map *m)
{
	size_t i;

	for (i = 0; i < m->cap; i++) {
		free(m->s[i].key);
		free(m->s[i].a);
		free(m->s[i].b);
	}
	free(m->s);
	memset(m, 0, sizeof *m);
}

/* The slot of key: found (key set) or empty, for the caller to fill with li_map_put. NULL: out of memory. */
static struct li_slot *li_map_find(struct li_map *m, const char *k, size_t n)
{
	size_t h;

	if (m->cap == 0 || (m->n + 1) * 2 > m->cap) {
		size_t cap = m->cap ? m->cap * 2 : 1024, i;
		struct li_slot *ns = calloc(cap, sizeof *ns);

		if (ns == NULL)
			return NULL;
		for (i = 0; i < m->cap; i++)
			if (m->s[i].key != NULL) {
				for (h = li_hash(m->s[i].key, m->s[i].klen) & (cap - 1); ns[h].key != NULL; h = (h + 1) & (cap - 1))
					;
				ns[h] = m->s[i];
			}
		free(m->s);
		m->s = ns;
		m->cap = cap;
	}
	for (h = li_hash(k, n) & (m->cap - 1); m->s[h].key != NULL; h = (h + 1) & (m->cap - 1))
		if (m->s[h].klen == n && memcmp(m->s[h].key, k, n) == 0)
			break;
	return &m->s[h];
}

static int li_map_put(struct li_map *m, struct li_slot *slot, const char *k, size_t n, int64_t id)
{
	slot->key = malloc(n ? n : 1);
	if (slot->key == NULL)
		return -1;
	memcpy(slot->key, k, n);
	slot->klen = n;
	slot->id = id;
	m->n++;
	return 0;
}

static int li_set(char **dst, const char *v)
{
	char *c = strdup(v ? v : "");

	if (c == NULL)
		return -1;
	free(*dst);
	*dst = c;
	return 0;
}

/* "a\0b" into buf; its length, or 0 when it does not fit. */
static size_t li_key2(char *buf, size_t n, const char *a, size_t alen, const char *b)
{
	size_t blen = strlen(b);

	if (alen + 1 + blen > n)
		return 0;
	memcpy(buf, a, alen);
	buf[alen] = '\0';
	memcpy(buf + alen + 1, b, blen);
	return alen + 1 + blen;
}

/* ---- parsing one event ---- */

struct li_ds {
	const char *ns, *name, *version, *source;
	char digest[72];
	char *fields; /* malloc'd compact JSON, or NULL */
	int out;
};

struct li_event {
	json_t *root;
	const char *type, *run_id, *job_ns, *job_name, *producer, *mlflow_run, *model;
	int64_t time, model_version;
	struct li_ds *ds;
	size_t nds;
};

static void li_event_free(struct li_event *ev)
{
	size_t i;

	for (i = 0; i < ev->nds; i++)
		free(ev->ds[i].fields);
	free(ev->ds);
	json_decref(ev->root);
	memset(ev, 0, sizeof *ev);
}

/* A text field: present, a string, not empty, at most max bytes, no control characters. */
static const char *li_text(json_t *o, const char *key, size_t max, int required, const char *where, char *why, size_t n,
			   int *bad)
{
	json_t *v = json_object_get(o, key);
	const char *s;
	size_t i, len;

	if (v == NULL || json_is_null(v)) {
		if (required)
			*bad = err_why(why, n, "%s%s is missing", where, key);
		return NULL;
	}
	if (!json_is_string(v)) {
		*bad = err_why(why, n, "%s%s is not a string", where, key);
		return NULL;
	}
	s = json_string_value(v);
	len = json_string_length(v);
	if (len == 0 && required) {
		*bad = err_why(why, n, "%s%s is empty", where, key);
		return NULL;
	}
	if (len > max) {
		*bad = err_why(why, n, "%s%s is %zu bytes, over the %zu allowed", where, key, len, max);
		return NULL;
	}
	for (i = 0; i < len; i++)
		if ((unsigned char)s[i] < 0x20 || s[i] == 0x7f) {
			*bad = err_why(why, n, "%s%s holds a control character", where, key);
			return NULL;
		}
	return s;
}

static int li_uuid(const char *s)
{
	static const int dash[] = { 8, 13, 18, 23 };
	size_t i, k = 0;

	if (strlen(s) != 36)
		return 0;
	for (i = 0; i < 36; i++) {
		if (k < 4 && (int)i == dash[k]) {
			if (s[i] != '-')
				return 0;
			k++;
		} else if (!isxdigit((unsigned char)s[i]))
			return 0;
	}
	return 1;
}

static int li_hex64(const char *s)
{
	size_t i;

	for (i = 0; i < 64; i++)
		if (!isxdigit((unsigned char)s[i]) || isupper((unsigned char)s[i]))
			return 0;
	return s[64] == '\0';
}

/* ISO 8601 / RFC 3339 date-time with optional fraction and a Z or +hh:mm offset, as the clients write it. */
static int64_t li_time(const char *s)
{
	struct tm tm;
	const char *p;
	int64_t t;
	int sign, hh, mm;

	memset(&tm, 0, sizeof tm);
	p = strptime(s, "%Y-%m-%dT%H:%M:%S", &tm);
	if (p == NULL)
		return -1;
	if (*p == '.') {
		p++;
		if (!isdigit((unsigned char)*p))
			return -1;
		while (isdigit((unsigned char)*p))
			p++;
	}
	t = (int64_t)timegm(&tm);
	if (*p == 'Z' || *p == 'z')
		return p[1] == '\0' ? t : -1;
	if (*p != '+' && *p != '-')
		return -1;
	sign = *p == '+' ? 1 : -1;
	if (!isdigit((unsigned char)p[1]) || !isdigit((unsigned char)p[2]) || p[3] != ':' ||
	    !isdigit((unsigned char)p[4]) || !isdigit((unsigned char)p[5]) || p[6] != '\0')
		return -1;
	hh = (p[1] - '0') * 10 + (p[2] - '0');
	mm = (p[4] - '0') * 10 + (p[5] - '0');
	if (hh > 23 || mm > 59)
		return -1;
	return t - sign * (int64_t)(hh * 3600 + mm * 60);
}

/* The model a dataset names by the MLflow model URI convention: namespace "mlflow", name "models:/NAME/VERSION". */
static int li_model_uri(const char *ns, const char *name, const char **model, size_t *mlen, int64_t *version)
{
	const char *slash;
	char *end;
	long long v;

	if (strcmp(ns, "mlflow") != 0 || strncmp(name, "models:/", 8) != 0)
		return 0;
	slash = strrchr(name + 8, '/');
	if (slash == NULL || slash == name + 8)
		return -1;
	errno = 0;
	v = strtoll(slash + 1, &end, 10);
	if (errno != 0 || *end != '\0' || v <= 0 || slash[1] == '\0' || !isdigit((unsigned char)slash[1]))
		return -1;
	*model = name + 8;
	*mlen = (size_t)(slash - (name + 8));
	*version = v;
	return 1;
}

static int li_dataset(json_t *d, const char *where, struct li_ds *out, char *why, size_t n)
{
	json_t *facets = json_object_get(d, "facets"), *f;
	const char *dig = NULL;
	int bad = 0;

	if (!json_is_object(d))
		return err_why(why, n, "%s is not an object", where);
	out->ns = li_text(d, "namespace", LINEAGE_NAME_MAX, 1, where, why, n, &bad);
	if (!bad)
		out->name = li_text(d, "name", LINEAGE_NAME_MAX, 1, where, why, n, &bad);
	if (bad)
		return -1;
	if (facets != NULL && !json_is_object(facets))
		return err_why(why, n, "%sfacets is not an object", where);
	f = json_object_get(facets, "version");
	if (f != NULL) {
		char w[160];

		snprintf(w, sizeof w, "%sfacets.version.", where);
		out->version = li_text(f, "datasetVersion", 512, 1, w, why, n, &bad);
		if (bad)
			return -1;
		if (strncmp(out->version, "sha256:", 7) == 0) {
			if (!li_hex64(out->version + 7))
				return err_why(why, n, "%sfacets.version.datasetVersion starts sha256: but is not 64 lowercase hex digits",
					      where);
			dig = out->version + 7;
		}
	}
	f = json_object_get(facets, "steward_digest");
	if (f != NULL) {
		char w[160];
		const char *h;

		snprintf(w, sizeof w, "%sfacets.steward_digest.", where);
		h = li_text(f, "sha256", 64, 1, w, why, n, &bad);
		if (bad)
			return -1;
		if (!li_hex64(h))
			return err_why(why, n, "%sfacets.steward_digest.sha256 is not 64 lowercase hex digits", where);
		if (dig != NULL && strcmp(dig, h) != 0)
			return err_why(why, n, "%sfacets.steward_digest.sha256 differs from the sha256 datasetVersion", where);
		dig = h;
	}
	if (dig != NULL)
		snprintf(out->digest, sizeof out->digest, "sha256:%s", dig);
	if (out->version == NULL)
		out->version = out->digest[0] != '\0' ? out->digest : "";
	f = json_object_get(facets, "dataSource");
	if (f != NULL) {
		char w[160];

		snprintf(w, sizeof w, "%sfacets.dataSource.", where);
		out->source = li_text(f, "uri", 2048, 0, w, why, n, &bad);
		if (bad)
			return -1;
	}
	f = json_object_get(json_object_get(facets, "schema"), "fields");
	if (f != NULL) {
		if (!json_is_array(f))
			return err_why(why, n, "%sfacets.schema.fields is not an array", where);
		out->fields = json_dumps(f, JSON_COMPACT | JSON_ENSURE_ASCII);
		if (out->fields == NULL)
			return err_why(why, n, "out of memory");
		if (strlen(out->fields) > LINEAGE_FIELDS_MAX)
			return err_why(why, n, "%sfacets.schema.fields is over %d bytes", where, LINEAGE_FIELDS_MAX);
	}
	return 0;
}

static int li_datasets(json_t *root, const char *key, int out, struct li_event *ev, const char **model, size_t *mlen,
		       char *why, size_t n)
{
	json_t *a = json_object_get(root, key), *d;
	size_t i;

	if (a == NULL || json_is_null(a))
		return 0;
	if (!json_is_array(a))
		return err_why(why, n, "%s is not an array", key);
	if (json_array_size(a) > 10000)
		return err_why(why, n, "%s has %zu datasets, over the 10000 allowed", key, json_array_size(a));
	json_array_foreach(a, i, d) {
		struct li_ds *ds;
		char where[64];
		int r;

		snprintf(where, sizeof where, "%s[%zu].", key, i);
		if (ev->nds % 16 == 0) {
			struct li_ds *g = realloc(ev->ds, (ev->nds + 16) * sizeof *g);

			if (g == NULL)
				return err_why(why, n, "out of memory");
			ev->ds = g;
		}
		ds = &ev->ds[ev->nds];
		memset(ds, 0, sizeof *ds);
		ds->out = out;
		ev->nds++;
		if (li_dataset(d, where, ds, why, n) != 0)
			return -1;
		if (out) {
			const char *m;
			size_t ml;
			int64_t v;

			r = li_model_uri(ds->ns, ds->name, &m, &ml, &v);
			if (r < 0)
				return err_why(why, n, "%sname \"%s\" in namespace mlflow is not models:/NAME/VERSION", where,
					      ds->name);
			if (r > 0) {
				/* A model version, not a dataset: it becomes the run's link. */
				if (*model != NULL && (ml != *mlen || strncmp(m, *model, ml) != 0 || v != ev->model_version))
					return err_why(why, n, "%snames a second model version for the run", where);
				*model = m;
				*mlen = ml;
				ev->model = m;
				ev->model_version = v;
				free(ds->fields);
				ev->nds--;
			}
		}
	}
	return 0;
}

static const char *const li_types[] = { "START", "RUNNING", "COMPLETE", "ABORT", "FAIL", "OTHER" };

/* Checks everything an event must carry before anything is written: a
 * malformed event never half-lands. */
static int li_parse(const char *json, size_t len, struct li_event *ev, char *model, size_t modeln, char *why, size_t n)
{
	json_error_t jerr;
	json_t *run, *job, *rf, *f;
	const char *mname = NULL, *t;
	size_t mlen = 0, i;
	int bad = 0;

	memset(ev, 0, sizeof *ev);
	model[0] = '\0';
	if (len > LINEAGE_EVENT_MAX)
		return err_why(why, n, "event of %zu bytes is over the %d byte limit", len, LINEAGE_EVENT_MAX);
	ev->root = json_loadb(json, len, JSON_REJECT_DUPLICATES, &jerr);
	if (ev->root == NULL)
		return err_why(why, n, "not JSON: %s (column %d)", jerr.text, jerr.column);
	if (!json_is_object(ev->root))
		return err_why(why, n, "not a JSON object");
	run = json_object_get(ev->root, "run");
	job = json_object_get(ev->root, "job");
	if (run == NULL && json_object_get(ev->root, "dataset") != NULL)
		return err_why(why, n, "a DatasetEvent: only run events are imported");
	if (run == NULL && job != NULL)
		return err_why(why, n, "a JobEvent: only run events are imported");
	t = li_text(ev->root, "eventTime", 64, 1, "", why, n, &bad);
	if (bad)
		return -1;
	ev->time = li_time(t);
	if (ev->time < 0)
		return err_why(why, n, "eventTime \"%s\" is not an ISO 8601 date-time with a zone", t);
	ev->producer = li_text(ev->root, "producer", 2048, 1, "", why, n, &bad);
	if (bad)
		return -1;
	ev->type = li_text(ev->root, "eventType", 16, 0, "", why, n, &bad);
	if (bad)
		return -1;
	if (ev->type == NULL)
		ev->type = "OTHER";
	for (i = 0; i < sizeof li_types / sizeof li_types[0] && strcmp(li_types[i], ev->type) != 0; i++)
		;
	if (i == sizeof li_types / sizeof li_types[0])
		return err_why(why, n, "eventType \"%s\" is not START, RUNNING, COMPLETE, ABORT, FAIL or OTHER", ev->type);
	if (!json_is_object(run))
		return err_why(why, n, run == NULL ? "run is missing" : "run is not an object");
	ev->run_id = li_text(run, "runId", 64, 1, "run.", why, n, &bad);
	if (bad)
		return -1;
	if (!li_uuid(ev->run_id))
		return err_why(why, n, "run.runId \"%s\" is not a UUID", ev->run_id);
	if (!json_is_object(job))
		return err_why(why, n, job == NULL ? "job is missing" : "job is not an object");
	ev->job_ns = li_text(job, "namespace", LINEAGE_NAME_MAX, 1, "job.", why, n, &bad);
	if (!bad)
		ev->job_name = li_text(job, "name", LINEAGE_NAME_MAX, 1, "job.", why, n, &bad);
	if (bad)
		return -1;
	rf = json_object_get(run, "facets");
	if (rf != NULL && !json_is_object(rf))
		return err_why(why, n, "run.facets is not an object");
	f = json_object_get(rf, "mlflow");
	if (f != NULL) {
		size_t k, l;

		ev->mlflow_run = li_text(f, "runId", 64, 1, "run.facets.mlflow.", why, n, &bad);
		if (bad)
			return -1;
		for (k = 0, l = strlen(ev->mlflow_run); k < l; k++)
			if (!isalnum((unsigned char)ev->mlflow_run[k]) && ev->mlflow_run[k] != '-' && ev->mlflow_run[k] != '_')
				return err_why(why, n, "run.facets.mlflow.runId \"%s\" is not an MLflow run id", ev->mlflow_run);
	}
	f = json_object_get(rf, "steward_model");
	if (f != NULL) {
		json_t *v = json_object_get(f, "version");

		mname = li_text(f, "name", 200, 1, "run.facets.steward_model.", why, n, &bad);
		if (bad)
			return -1;
		mlen = strlen(mname);
		if (!json_is_integer(v) || json_integer_value(v) <= 0)
			return err_why(why, n, "run.facets.steward_model.version is not a positive integer");
		ev->model = mname;
		ev->model_version = json_integer_value(v);
	}
	if (li_datasets(ev->root, "inputs", 0, ev, &mname, &mlen, why, n) != 0 ||
	    li_datasets(ev->root, "outputs", 1, ev, &mname, &mlen, why, n) != 0)
		return -1;
	/* mname is set with ev->model, and tested instead for the analyser,
	 * which loses that the two go together across li_datasets. */
	if (mname != NULL) {
		if (mlen >= modeln)
			return err_why(why, n, "the model name it links to is over %zu bytes", modeln - 1);
		memcpy(model, mname, mlen);
		model[mlen] = '\0';
		ev->model = model;
	}
	return 0;
}

/* ---- writing one event ---- */

static void li_report(struct lineage_import *li, const char *source, long line, const char *why)
{
	li->stats.malformed++;
	if (li->report != NULL)
		li->report(li->arg, source, line, why);
}

static int li_step(struct lineage_import *li, enum li_stmt k, struct err *e)
{
	int rc = db_step(li->s[k]);

	db_reset(li->s[k]);
	return rc == DB_DONE || rc == DB_ROW ? 0 : store_fail(li->st, e, "writing lineage");
}

static int li_touch(struct lineage_import *li, int64_t run)
{
	if (li->nruns > 0 && li->runs[li->nruns - 1] == run)
		return 0;
	if (li->nruns == li->caprun) {
		size_t cap = li->caprun ? li->caprun * 2 : 256;
		int64_t *g = realloc(li->runs, cap * sizeof *g);

		if (g == NULL)
			return -1;
		li->runs = g;
		li->caprun = cap;
	}
	li->runs[li->nruns++] = run;
	return 0;
}

static int li_terminal(const char *t)
{
	return strcmp(t, "COMPLETE") == 0 || strcmp(t, "FAIL") == 0 || strcmp(t, "ABORT") == 0;
}

/* The run's row, created or merged: the newest event sets the state, and
 * at one time an end beats a start. Returns its id, 0 when refused (why
 * filled), -1 on a store failure. */
static int64_t li_run(struct lineage_import *li, const struct li_event *ev, int64_t job, char *why, size_t n,
		      struct err *e)
{
	struct db_stmt *g = li->s[LS_RUN_GET], *s;
	int64_t id, state_time, started, ended, mv;
	char state[16], mlflow[80], model[256];
	int rc;

	db_bind_text(g, 1, ev->run_id, -1, DB_STATIC);
	rc = db_step(g);
	if (rc != DB_ROW) {
		db_reset(g);
		if (rc != DB_DONE)
			return store_fail(li->st, e, "reading lineage");
		s = li->s[LS_RUN_PUT];
		db_bind_text(s, 1, ev->run_id, -1, DB_STATIC);
		db_bind_int64(s, 2, job);
		db_bind_text(s, 3, ev->type, -1, DB_STATIC);
		db_bind_int64(s, 4, ev->time);
		db_bind_int64(s, 5, strcmp(ev->type, "START") == 0 || !li_terminal(ev->type) ? ev->time : 0);
		db_bind_int64(s, 6, li_terminal(ev->type) ? ev->time : 0);
		db_bind_text(s, 7, ev->mlflow_run ? ev->mlflow_run : "", -1, DB_STATIC);
		db_bind_text(s, 8, ev->model ? ev->model : "", -1, DB_STATIC);
		db_bind_int64(s, 9, ev->model ? ev->model_version : 0);
		db_bind_text(s, 10, ev->producer, -1, DB_STATIC);
		if (li_step(li, LS_RUN_PUT, e) != 0)
			return -1;
		return store_last_insert_id(li->st);
	}
	id = db_column_int64(g, 0);
	if (job == 0 || db_column_int64(g, 1) != job) {
		db_reset(g);
		err_why(why, n, "run %s was recorded under another job than %s/%s", ev->run_id, ev->job_ns, ev->job_name);
		return 0;
	}
	store_text_copy(state, sizeof state, g, 2);
	state_time = db_column_int64(g, 3);
	started = db_column_int64(g, 4);
	ended = db_column_int64(g, 5);
	store_text_copy(mlflow, sizeof mlflow, g, 6);
	store_text_copy(model, sizeof model, g, 7);
	mv = db_column_int64(g, 8);
	db_reset(g);
	if (ev->mlflow_run != NULL && mlflow[0] != '\0' && strcmp(mlflow, ev->mlflow_run) != 0) {
		err_why(why, n, "run %s already names MLflow run %s, not %s", ev->run_id, mlflow, ev->mlflow_run);
		return 0;
	}
	if (ev->model != NULL && model[0] != '\0' && (strcmp(model, ev->model) != 0 || mv != ev->model_version)) {
		err_why(why, n, "run %s already produced %s v%" PRId64 ", not %s v%" PRId64, ev->run_id, model, mv, ev->model,
		       ev->model_version);
		return 0;
	}
	if (ev->time > state_time || (ev->time == state_time && li_terminal(ev->type) && !li_terminal(state))) {
		snprintf(state, sizeof state, "%s", ev->type);
		state_time = ev->time;
	}
	if (strcmp(ev->type, "START") == 0 && (started == 0 || ev->time < started))
		started = ev->time;
	if (li_terminal(ev->type) && ev->time >= ended)
		ended = ev->time;
	s = li->s[LS_RUN_SET];
	db_bind_int64(s, 1, id);
	db_bind_text(s, 2, state, -1, DB_TRANSIENT);
	db_bind_int64(s, 3, state_time);
	db_bind_int64(s, 4, started);
	db_bind_int64(s, 5, ended);
	db_bind_text(s, 6, ev->mlflow_run ? ev->mlflow_run : mlflow, -1, DB_TRANSIENT);
	db_bind_text(s, 7, ev->model ? ev->model : model, -1, DB_TRANSIENT);
	db_bind_int64(s, 8, ev->model ? ev->model_version : mv);
	return li_step(li, LS_RUN_SET, e) != 0 ? -1 : id;
}

/* The dataset's id, created when new, its source and schema kept current. */
static int64_t li_dataset_id(struct lineage_import *li, const struct li_ds *d, struct err *e)
{
	char key[2 * LINEAGE_NAME_MAX + 2];
	size_t kl = li_key2(key, sizeof key, d->ns, strlen(d->ns), d->name);
	struct li_slot *slot = kl ? li_map_find(&li->datasets, key, kl) : NULL;
	struct db_stmt *s;
	int64_t ds;

	if (slot == NULL)
		return err_set(e, ERR_IO, "out of memory");
	if (slot->key == NULL) {
		s = li->s[LS_DS_PUT];
		db_bind_text(s, 1, d->ns, -1, DB_STATIC);
		db_bind_text(s, 2, d->name, -1, DB_STATIC);
		if (li_step(li, LS_DS_PUT, e) != 0)
			return -1;
		s = li->s[LS_DS_GET];
		db_bind_text(s, 1, d->ns, -1, DB_STATIC);
		db_bind_text(s, 2, d->name, -1, DB_STATIC);
		if (db_step(s) != DB_ROW) {
			db_reset(s);
			return store_fail(li->st, e, "reading lineage");
		}
		if (li_map_put(&li->datasets, slot, key, kl, db_column_int64(s, 0)) != 0 ||
		    li_set(&slot->a, (const char *)db_column_text(s, 1)) != 0 ||
		    li_set(&slot->b, (const char *)db_column_text(s, 2)) != 0) {
			db_reset(s);
			return err_set(e, ERR_IO, "out of memory");
		}
		db_reset(s);
	}
	ds = slot->id;
	if ((d->source != NULL && strcmp(d->source, slot->a) != 0) || (d->fields != NULL && strcmp(d->fields, slot->b) != 0)) {
		if ((d->source != NULL && li_set(&slot->a, d->source) != 0) || (d->fields != NULL && li_set(&slot->b, d->fields) != 0))
			return err_set(e, ERR_IO, "out of memory");
		s = li->s[LS_DS_SET];
		db_bind_int64(s, 1, ds);
		db_bind_text(s, 2, slot->a, -1, DB_TRANSIENT);
		db_bind_text(s, 3, slot->b, -1, DB_TRANSIENT);
		if (li_step(li, LS_DS_SET, e) != 0)
			return -1;
	}
	return ds;
}

/* The dataset version's id, created when new; 0 when refused (a digest that contradicts the one held). */
static int64_t li_dsv(struct lineage_import *li, const struct li_ds *d, int64_t time, char *why, size_t n,
		      struct err *e)
{
	char key[8 + 600];
	struct li_slot *slot;
	struct db_stmt *s;
	int64_t ds, id;
	size_t vl = strlen(d->version);
	int rc;

	ds = li_dataset_id(li, d, e);
	if (ds < 0)
		return -1;
	if (vl > sizeof key - 8)
		return err_set(e, ERR_INVALID, "dataset version too long");
	memcpy(key, &ds, 8);
	memcpy(key + 8, d->version, vl);
	slot = li_map_find(&li->dsvs, key, 8 + vl);
	if (slot == NULL)
		return err_set(e, ERR_IO, "out of memory");
	if (slot->key == NULL) {
		s = li->s[LS_DSV_GET];
		db_bind_int64(s, 1, ds);
		db_bind_text(s, 2, d->version, -1, DB_STATIC);
		rc = db_step(s);
		if (rc == DB_ROW) {
			if (li_map_put(&li->dsvs, slot, key, 8 + vl, db_column_int64(s, 0)) != 0 ||
			    li_set(&slot->a, (const char *)db_column_text(s, 1)) != 0) {
				db_reset(s);
				return err_set(e, ERR_IO, "out of memory");
			}
			db_reset(s);
		} else {
			db_reset(s);
			if (rc != DB_DONE)
				return store_fail(li->st, e, "reading lineage");
			s = li->s[LS_DSV_PUT];
			db_bind_int64(s, 1, ds);
			db_bind_text(s, 2, d->version, -1, DB_STATIC);
			db_bind_text(s, 3, d->digest, -1, DB_STATIC);
			db_bind_int64(s, 4, time);
			if (li_step(li, LS_DSV_PUT, e) != 0)
				return -1;
			if (li_map_put(&li->dsvs, slot, key, 8 + vl, store_last_insert_id(li->st)) != 0 ||
			    li_set(&slot->a, d->digest) != 0)
				return err_set(e, ERR_IO, "out of memory");
			return slot->id;
		}
	}
	id = slot->id;
	if (d->digest[0] == '\0' || strcmp(slot->a, d->digest) == 0)
		return id;
	if (slot->a[0] != '\0') {
		err_why(why, n, "dataset %s/%s version %s has digest %s recorded, this event says %s", d->ns, d->name, d->version,
		       slot->a, d->digest);
		return 0;
	}
	if (li_set(&slot->a, d->digest) != 0)
		return err_set(e, ERR_IO, "out of memory");
	s = li->s[LS_DSV_DIGEST];
	db_bind_int64(s, 1, id);
	db_bind_text(s, 2, d->digest, -1, DB_STATIC);
	return li_step(li, LS_DSV_DIGEST, e) != 0 ? -1 : id;
}

/* Writes a parsed event inside a savepoint: 1 stored, 0 refused (why), -1 store failure. */
/* The id of a job, dataset or dataset version already in the store (or
 * the import's caches): 0 when there is none. Reads only. */
static int64_t li_job_known(struct lineage_import *li, const struct li_event *ev, char *key, size_t *kl, struct err *e)
{
	struct li_slot *slot;
	struct db_stmt *s = li->s[LS_JOB_GET];
	int64_t id = 0;
	int rc;

	*kl = li_key2(key, 2 * LINEAGE_NAME_MAX + 2, ev->job_ns, strlen(ev->job_ns), ev->job_name);
	slot = *kl ? li_map_find(&li->jobs, key, *kl) : NULL;
	if (slot == NULL)
		return err_set(e, ERR_IO, "out of memory");
	if (slot->key != NULL)
		return slot->id;
	db_bind_text(s, 1, ev->job_ns, -1, DB_STATIC);
	db_bind_text(s, 2, ev->job_name, -1, DB_STATIC);
	rc = db_step(s);
	if (rc == DB_ROW)
		id = db_column_int64(s, 0);
	db_reset(s);
	if (rc != DB_ROW && rc != DB_DONE)
		return store_fail(li->st, e, "reading lineage");
	if (id > 0 && li_map_put(&li->jobs, slot, key, *kl, id) != 0)
		return err_set(e, ERR_IO, "out of memory");
	return id;
}

/* Refuses (0, why) a dataset version whose digest contradicts the one the
 * store holds or another dataset of the same event; 1 when it may be written. */
static int li_dsv_check(struct lineage_import *li, const struct li_event *ev, size_t i, char *why, size_t n,
			struct err *e)
{
	const struct li_ds *d = &ev->ds[i];
	char key[8 + 600], dkey[2 * LINEAGE_NAME_MAX + 2];
	struct li_slot *slot;
	size_t k, kl, vl = strlen(d->version);
	int64_t ds = 0;
	int rc;

	if (d->digest[0] == '\0')
		return 1;
	for (k = 0; k < i && k < 256; k++) {
		const struct li_ds *o = &ev->ds[k];

		if (o->digest[0] != '\0' && strcmp(o->digest, d->digest) != 0 && strcmp(o->ns, d->ns) == 0 &&
		    strcmp(o->name, d->name) == 0 && strcmp(o->version, d->version) == 0) {
			err_why(why, n, "dataset %s/%s version %s is given two digests, %s and %s", d->ns, d->name, d->version,
			       o->digest, d->digest);
			return 0;
		}
	}
	kl = li_key2(dkey, sizeof dkey, d->ns, strlen(d->ns), d->name);
	slot = kl ? li_map_find(&li->datasets, dkey, kl) : NULL;
	if (slot == NULL)
		return err_set(e, ERR_IO, "out of memory");
	if (slot->key != NULL)
		ds = slot->id;
	else {
		struct db_stmt *s = li->s[LS_DS_GET];

		db_bind_text(s, 1, d->ns, -1, DB_STATIC);
		db_bind_text(s, 2, d->name, -1, DB_STATIC);
		rc = db_step(s);
		if (rc == DB_ROW) {
			ds = db_column_int64(s, 0);
			if (li_map_put(&li->datasets, slot, dkey, kl, ds) != 0 ||
			    li_set(&slot->a, (const char *)db_column_text(s, 1)) != 0 ||
			    li_set(&slot->b, (const char *)db_column_text(s, 2)) != 0)
				rc = -1;
		}
		db_reset(s);
		if (rc == -1)
			return err_set(e, ERR_IO, "out of memory");
		if (rc != DB_ROW && rc != DB_DONE)
			return store_fail(li->st, e, "reading lineage");
		if (ds == 0)
			return 1; /* a new dataset: nothing to contradict */
	}
	if (vl > sizeof key - 8)
		return 1;
	memcpy(key, &ds, 8);
	memcpy(key + 8, d->version, vl);
	slot = li_map_find(&li->dsvs, key, 8 + vl);
	if (slot == NULL)
		return err_set(e, ERR_IO, "out of memory");
	if (slot->key == NULL) {
		struct db_stmt *s = li->s[LS_DSV_GET];

		db_bind_int64(s, 1, ds);
		db_bind_text(s, 2, d->version, -1, DB_STATIC);
		rc = db_step(s);
		if (rc == DB_ROW && (li_map_put(&li->dsvs, slot, key, 8 + vl, db_column_int64(s, 0)) != 0 ||
				     li_set(&slot->a, (const char *)db_column_text(s, 1)) != 0))
			rc = -1;
		db_reset(s);
		if (rc == -1)
			return err_set(e, ERR_IO, "out of memory");
		if (rc != DB_ROW && rc != DB_DONE)
			return store_fail(li->st, e, "reading lineage");
		if (rc == DB_DONE)
			return 1;
	}
	if (slot->a[0] != '\0' && strcmp(slot->a, d->digest) != 0) {
		err_why(why, n, "dataset %s/%s version %s has digest %s recorded, this event says %s", d->ns, d->name, d->version,
		       slot->a, d->digest);
		return 0;
	}
	return 1;
}

/* Writes a parsed event: every refusal is found before the first write, so
 * a refused event leaves nothing behind without a savepoint (whose
 * statement journal cost a write per page). 1 stored, 0 refused (why), -1
 * store failure. */
static int li_write(struct lineage_import *li, const struct li_event *ev, const uint8_t digest[32], const char *source,
		    char *why, size_t n, struct err *e)
{
	char key[2 * LINEAGE_NAME_MAX + 2];
	struct db_stmt *s;
	int64_t job, run, dsv;
	size_t i, kl;
	int r;

	for (i = 0; i < ev->nds; i++) {
		r = li_dsv_check(li, ev, i, why, n, e);
		if (r <= 0)
			return r;
	}
	job = li_job_known(li, ev, key, &kl, e);
	if (job < 0)
		return -1;
	if (job == 0) {
		struct li_slot *slot;

		/* A new job: a run of this id recorded under another job is refused before the job is written. */
		s = li->s[LS_RUN_GET];
		db_bind_text(s, 1, ev->run_id, -1, DB_STATIC);
		r = db_step(s);
		db_reset(s);
		if (r == DB_ROW) {
			err_why(why, n, "run %s was recorded under another job than %s/%s", ev->run_id, ev->job_ns, ev->job_name);
			return 0;
		}
		if (r != DB_DONE)
			return store_fail(li->st, e, "reading lineage");
		s = li->s[LS_JOB_PUT];
		db_bind_text(s, 1, ev->job_ns, -1, DB_STATIC);
		db_bind_text(s, 2, ev->job_name, -1, DB_STATIC);
		if (li_step(li, LS_JOB_PUT, e) != 0)
			return -1;
		job = store_last_insert_id(li->st);
		slot = li_map_find(&li->jobs, key, kl);
		if (slot == NULL || (slot->key == NULL && li_map_put(&li->jobs, slot, key, kl, job) != 0))
			return err_set(e, ERR_IO, "out of memory");
	}
	/* li_run refuses before it writes; after it, nothing refuses. */
	run = li_run(li, ev, job, why, n, e);
	if (run <= 0)
		return (int)run;
	for (i = 0; i < ev->nds; i++) {
		dsv = li_dsv(li, &ev->ds[i], ev->time, why, n, e);
		if (dsv == 0)
			return err_set(e, ERR_STORE, "lineage: %s (after it was checked)", why);
		if (dsv < 0)
			return -1;
		s = li->s[LS_IO_PUT];
		db_bind_int64(s, 1, run);
		db_bind_int(s, 2, ev->ds[i].out);
		db_bind_int64(s, 3, dsv);
		if (li_step(li, LS_IO_PUT, e) != 0)
			return -1;
	}
	s = li->s[LS_EVENT_PUT];
	db_bind_blob(s, 1, digest, 32, DB_STATIC);
	db_bind_int64(s, 2, run);
	db_bind_text(s, 3, ev->type, -1, DB_STATIC);
	db_bind_int64(s, 4, ev->time);
	db_bind_text(s, 5, source, -1, DB_STATIC);
	if (li_step(li, LS_EVENT_PUT, e) != 0)
		return -1;
	return li_touch(li, run) == 0 ? 1 : err_set(e, ERR_IO, "out of memory");
}

/* SHA-256 of the event's bytes without the whitespace between tokens: the
 * same event indented, on one line or with CRLF endings is the same event.
 * (A canonical re-serialisation would also ignore key order, at a sixth of
 * the import's time; the bytes were parsed as JSON already, so a string
 * ends where the scan thinks it does.) */
static void li_digest(const char *json, size_t len, uint8_t out[32])
{
	crypto_hash_sha256_state h;
	size_t i, from = 0;
	int in = 0, esc = 0;

	crypto_hash_sha256_init(&h);
	for (i = 0; i < len; i++) {
		char c = json[i];

		if (in) {
			if (esc)
				esc = 0;
			else if (c == '\\')
				esc = 1;
			else if (c == '"')
				in = 0;
		} else if (c == '"')
			in = 1;
		else if (c == ' ' || c == '\t' || c == '\n' || c == '\r') {
			if (i > from)
				crypto_hash_sha256_update(&h, (const unsigned char *)json + from, i - from);
			from = i + 1;
		}
	}
	if (len > from)
		crypto_hash_sha256_update(&h, (const unsigned char *)json + from, len - from);
	crypto_hash_sha256_final(&h, out);
}

static int li_commit_chunk(struct lineage_import *li, int reopen, struct err *e)
{
	if (!li->own)
		return 0;
	if (store_commit(li->st, e) != 0)
		return -1;
	li->pending = 0;
	return reopen ? store_begin(li->st, e) : 0;
}

struct lineage_parsed {
	int ok; /* ev and digest are set; else why says what is wrong */
	struct li_event ev;
	uint8_t digest[32];
	char model[256];
	char why[600];
};

struct lineage_parsed *lineage_event_parse(const char *json, size_t len)
{
	struct lineage_parsed *p = calloc(1, sizeof *p);

	if (p == NULL)
		return NULL;
	if (li_parse(json, len, &p->ev, p->model, sizeof p->model, p->why, sizeof p->why) != 0)
		li_event_free(&p->ev);
	else {
		p->ok = 1;
		li_digest(json, len, p->digest);
	}
	return p;
}

void lineage_parsed_free(struct lineage_parsed *p)
{
	if (p == NULL)
		return;
	li_event_free(&p->ev);
	free(p);
}

int lineage_import_parsed(struct lineage_import *li, const char *source, long line, struct lineage_parsed *p,
			  struct err *e)
{
	struct li_event *ev = &p->ev;
	char why[600];
	struct db_stmt *s;
	int r;

	li->stats.events++;
	if (!p->ok) {
		li_report(li, source, line, p->why);
		return 0;
	}
	s = li->s[LS_EVENT_SEEN];
	db_bind_blob(s, 1, p->digest, 32, DB_STATIC);
	r = db_step(s);
	db_reset(s);
	if (r == DB_ROW) {
		/* Seen before: nothing to write, but its versions are still checked for attestation,
		 * so an import cut short before attesting can simply be run again. */
		struct db_stmt *g = li->s[LS_RUN_GET];

		li->stats.duplicates++;
		/* Without a key nothing would be signed: a repeat changes nothing to count. */
		if (li->who != NULL) {
			db_bind_text(g, 1, ev->run_id, -1, DB_STATIC);
			if (db_step(g) == DB_ROW && li_touch(li, db_column_int64(g, 0)) != 0)
				r = -1;
			db_reset(g);
		}
		return r < 0 ? err_set(e, ERR_IO, "out of memory") : 0;
	}
	if (r != DB_DONE)
		return store_fail(li->st, e, "reading lineage");
	why[0] = '\0';
	r = li_write(li, ev, p->digest, source, why, sizeof why, e);
	if (r < 0)
		return -1;
	if (r == 0) {
		li_report(li, source, line, why);
		return 0;
	}
	li->stats.imported++;
	if (++li->pending >= LINEAGE_CHUNK)
		return li_commit_chunk(li, 1, e);
	return 0;
}

int lineage_import_event(struct lineage_import *li, const char *source, long line, const char *json, size_t len,
			 struct err *e)
{
	struct lineage_parsed *p = lineage_event_parse(json, len);
	int r;

	if (p == NULL)
		return err_set(e, ERR_IO, "out of memory");
	r = lineage_import_parsed(li, source, line, p, e);
	lineage_parsed_free(p);
	return r;
}

struct lineage_import *lineage_import_begin(struct store *st, const struct principal *who, const char *via,
					    lineage_report_fn report, void *arg, struct err *e)
{
	struct lineage_import *li = calloc(1, sizeof *li);
	int k;

	if (li == NULL) {
		err_set(e, ERR_IO, "out of memory");
		return NULL;
	}
	li->st = st;
	li->who = who;
	snprintf(li->via, sizeof li->via, "%s", via ? via : "");
	li->report = report;
	li->arg = arg;
	for (k = 0; k < LS_N; k++)
		if (store_prepare(st, &li->s[k], li_sql[k], e) != 0) {
			lineage_import_free(li);
			return NULL;
		}
	if (!store_in_transaction(st)) {
		if (store_begin(st, e) != 0) {
			lineage_import_free(li);
			return NULL;
		}
		li->own = 1;
	}
	return li;
}

void lineage_import_free(struct lineage_import *li)
{
	int k;

	if (li == NULL)
		return;
	for (k = 0; k < LS_N; k++)
		db_finalize(li->s[k]);
	if (li->own && !li->ended && store_in_transaction(li->st))
		store_rollback(li->st);
	free(li->runs);
	li_map_clear(&li->jobs);
	li_map_clear(&li->datasets);
	li_map_clear(&li->dsvs);
	free(li);
}

void lineage_import_reject(struct lineage_import *li, const char *source, long line, const char *why)
{
	li->stats.events++;
	li_report(li, source, line, why);
}

void lineage_import_file(struct lineage_import *li)
{
	li->stats.files++;
}

/* ---- versions a run produced ---- */

struct li_ver {
	int64_t id;
	char model[256];
	int64_t version;
};

static int li_ver_cmp(const void *a, const void *b)
{
	const struct li_ver *x = a, *y = b;

	return x->id < y->id ? -1 : x->id > y->id;
}

static int li_int64_cmp(const void *a, const void *b)
{
	int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;

	return x < y ? -1 : x > y;
}

#define LI_RUN_VERSIONS_SQL                                                                                            \
	"SELECT v.id, m.name, v.version FROM lineage_runs r JOIN versions v ON v.run_id = r.mlflow_run"                \
	" JOIN models m ON m.id = v.model_id WHERE r.id = ?1 AND r.mlflow_run <> '' AND v.run_id <> ''"                                 \
	" UNION ALL SELECT v.id, m.name, v.version FROM lineage_runs r JOIN models m ON m.name = r.model"                 \
	" JOIN versions v ON v.model_id = m.id AND v.version = r.model_version WHERE r.id = ?1 AND r.model <> ''"

int lineage_import_end(struct lineage_import *li, struct lineage_stats *out, struct err *e)
{
	struct li_ver *v = NULL;
	size_t nv = 0, cap = 0, i;
	struct db_stmt *s;
	int r = 0;

	if (li->nruns > 1) {
		size_t k, w = 1;

		qsort(li->runs, li->nruns, sizeof *li->runs, li_int64_cmp);
		for (k = 1; k < li->nruns; k++)
			if (li->runs[k] != li->runs[w - 1])
				li->runs[w++] = li->runs[k];
		li->nruns = w;
	}
	if (store_prepare(li->st, &s, LI_RUN_VERSIONS_SQL, e) != 0)
		return -1;
	for (i = 0; r == 0 && i < li->nruns; i++) {
		db_bind_int64(s, 1, li->runs[i]);
		while (r == 0 && db_step(s) == DB_ROW) {
			if (nv == cap) {
				struct li_ver *g = realloc(v, (cap = cap ? cap * 2 : 64) * sizeof *g);

				if (g == NULL) {
					r = err_set(e, ERR_IO, "out of memory");
					break;
				}
				v = g;
			}
			v[nv].id = db_column_int64(s, 0);
			store_text_copy(v[nv].model, sizeof v[nv].model, s, 1);
			v[nv].version = db_column_int64(s, 2);
			nv++;
		}
		db_reset(s);
	}
	db_finalize(s);
	if (nv > 1)
		qsort(v, nv, sizeof *v, li_ver_cmp);
	/* The ledger wants a transaction; an import that committed its last chunk opens one more. */
	if (r == 0 && li->own && !store_in_transaction(li->st))
		r = store_begin(li->st, e);
	for (i = 0; r == 0 && i < nv; i++) {
		int appended = 0;

		if (i > 0 && v[i].id == v[i - 1].id)
			continue;
		if (li->who == NULL) {
			/* Nothing to sign with: these versions' lineage changed and waits for a key
			 * (working out whether each summary really moved costs two graph walks). */
			li->stats.unattested++;
			continue;
		}
		r = lineage_attest(li->st, li->who, v[i].model, v[i].version, li->via, &appended, e);
		if (r == 0 && appended)
			li->stats.attested++;
	}
	free(v);
	if (r == 0 && li->own) {
		r = li_commit_chunk(li, 0, e);
		li->ended = r == 0;
	}
	if (out != NULL)
		*out = li->stats;
	return r;
}

/* ---- followed sources ---- */

int64_t lineage_source_offset(struct store *st, const char *plugin, const char *source, char *ident, size_t n)
{
	struct db_stmt *s;
	int64_t off = 0;
	struct err e;

	ident[0] = '\0';
	if (store_prepare(st, &s, "SELECT \"offset\", ident FROM lineage_sources WHERE plugin = ?1 AND source = ?2", &e) != 0)
		return 0;
	db_bind_text(s, 1, plugin, -1, DB_STATIC);
	db_bind_text(s, 2, source, -1, DB_STATIC);
	if (db_step(s) == DB_ROW) {
		off = db_column_int64(s, 0);
		store_text_copy(ident, n, s, 1);
	}
	db_finalize(s);
	return off;
}

int lineage_source_mark(struct store *st, const char *plugin, const char *source, int64_t offset, const char *ident,
			struct err *e)
{
	struct db_stmt *s;
	int rc;

	if (store_prepare(st, &s,
			  "INSERT INTO lineage_sources(plugin, source, \"offset\", ident) VALUES (?1, ?2, ?3, ?4)"
			  " ON CONFLICT(plugin, source) DO UPDATE SET \"offset\" = excluded.\"offset\", ident = excluded.ident",
			  e) != 0)
		return -1;
	db_bind_text(s, 1, plugin, -1, DB_STATIC);
	db_bind_text(s, 2, source, -1, DB_STATIC);
	db_bind_int64(s, 3, offset);
	db_bind_text(s, 4, ident, -1, DB_STATIC);
	rc = db_step(s);
	db_finalize(s);
	return rc == DB_DONE ? 0 : store_fail(st, e, "recording where a lineage source stands");
}
