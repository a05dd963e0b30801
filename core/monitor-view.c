/* monitor-view: what the monitor and alert views and commands read of the monitoring cache (rows against the tiers' limits, a version's detail, alerts, silences, markers), and silencing as an act. */
#include "monitor.h"

#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <jansson.h>

#include "ledger.h"
#include "policy.h"
#include "proven.h"

/* ---- what the views draw ---- */

struct monitor_limits {
	int loaded[4];
	struct monitor_limit lim[4][MSIG_N];
};

static int monitor_tier_index(const char *tier)
{
	static const char *const tiers[] = { "low", "medium", "high", "critical" };
	int i;

	for (i = 0; i < 4; i++)
		if (strcmp(tier, tiers[i]) == 0)
			return i;
	return -1;
}

/* The limits the tier's newest enrolled policy sets. */
static const struct monitor_limit *monitor_tier_limits(struct store *st, struct monitor_limits *c, const char *tier)
{
	int t = monitor_tier_index(tier);
	struct db_stmt *s;
	struct err e;

	if (t < 0)
		return NULL;
	if (c->loaded[t])
		return c->lim[t];
	c->loaded[t] = 1;
	if (store_prepare(st, &s, "SELECT text, name FROM policies WHERE tier = ?1 ORDER BY enrolled DESC, id DESC LIMIT 1",
			  &e) != 0)
		return c->lim[t];
	db_bind_text(s, 1, tier, -1, DB_STATIC);
	if (db_step(s) == DB_ROW) {
		struct policy p;
		const char *txt = (const char *)db_column_text(s, 0);

		if (policy_parse(txt, (size_t)db_column_bytes(s, 0), (const char *)db_column_text(s, 1), &p, &e) ==
		    0) {
			size_t i, j;

			for (i = 0; i < p.nsec; i++)
				for (j = 0; j < p.sec[i].nrules; j++) {
					const struct policy_rule *r = &p.sec[i].rules[j];
					int sig = -1, k;

					if (r->kind == PK_DRIFT && (strcmp(r->a, "any") == 0 || strcmp(r->a, "score") == 0))
						sig = MSIG_PSI;
					for (k = 0; r->kind == PK_LIVE && k < MSIG_N; k++)
						if (strcmp(r->a, monitor_sig_name((enum monitor_sig)k)) == 0)
							sig = k;
					if (sig < 0 || c->lim[t][sig].has)
						continue;
					c->lim[t][sig].has = 1;
					c->lim[t][sig].op = r->op;
					c->lim[t][sig].value = r->value;
					snprintf(c->lim[t][sig].rule, sizeof c->lim[t][sig].rule, "%s", r->name);
				}
			policy_free(&p);
		}
	}
	db_finalize(s);
	return c->lim[t];
}

static int monitor_sig_index(const char *name)
{
	int k;

	for (k = 0; k < MSIG_N; k++)
		if (strcmp(name, monitor_sig_name((enum monitor_sig)k)) == 0)
			return k;
	return -1;
}

/* The statements filling rows, prepared once for a whole list. */
struct monitor_fill {
	struct monitor_limits lims;
	struct db_stmt *meta, *ks, *alerts;
};

static int monitor_fill_open(struct store *st, struct monitor_fill *f, struct err *e)
{
	memset(f, 0, sizeof *f);
	if (store_prepare(st, &f->meta, "SELECT signal, current, spark, last FROM series_meta WHERE version_id = ?1", e) !=
		    0 ||
	    store_prepare(st, &f->ks,
			  "SELECT max(value) FROM monitor_values WHERE version_id = ?1 AND kind = 'drift' AND name LIKE '%.ks'",
			  e) != 0 ||
	    store_prepare(st, &f->alerts,
			  "SELECT state, severity FROM alerts WHERE model_id = ?1 AND (version = 0 OR version = ?2)", e) != 0) {
		db_finalize(f->meta);
		db_finalize(f->ks);
		return -1;
	}
	return 0;
}

static void monitor_fill_close(struct monitor_fill *f)
{
	db_finalize(f->meta);
	db_finalize(f->ks);
	db_finalize(f->alerts);
}

/* Fills what a row shows beyond its names, from the precomputed sparklines. */
static int monitor_row_fill(struct store *st, struct monitor_fill *f, int64_t vid, int64_t mid,
			    struct monitor_row *r, struct err *e)
{
	const struct monitor_limit *lim = monitor_tier_limits(st, &f->lims, r->tier);
	struct db_stmt *s = f->meta;
	int k, rc;

	for (k = 0; k < MSIG_N; k++) {
		int i;

		r->now[k] = NAN;
		for (i = 0; i < MONITOR_SPARK; i++)
			r->spark[k][i] = NAN;
		if (lim != NULL)
			r->limit[k] = lim[k];
	}
	r->ks = NAN;
	db_reset(s);
	db_bind_int64(s, 1, vid);
	while ((rc = db_step(s)) == DB_ROW) {
		int sig = monitor_sig_index((const char *)db_column_text(s, 0));

		if (db_column_int64(s, 3) > r->observed)
			r->observed = db_column_int64(s, 3);
		if (sig < 0)
			continue;
		if (db_column_type(s, 1) != DB_NULL)
			r->now[sig] = db_column_double(s, 1);
		monitor_spark_unpack(db_column_blob(s, 2), (size_t)db_column_bytes(s, 2), r->spark[sig]);
		r->breach[sig] = r->limit[sig].has && !isnan(r->now[sig]) &&
				 !policy_compare(r->now[sig], (enum policy_op)r->limit[sig].op, r->limit[sig].value);
	}
	if (rc != DB_DONE)
		return store_fail(st, e, "reading the monitoring cache");
	s = f->ks;
	db_reset(s);
	db_bind_int64(s, 1, vid);
	if (db_step(s) == DB_ROW && db_column_type(s, 0) != DB_NULL)
		r->ks = db_column_double(s, 0);
	s = f->alerts;
	db_reset(s);
	db_bind_int64(s, 1, mid);
	db_bind_int64(s, 2, r->version);
	while ((rc = db_step(s)) == DB_ROW) {
		if (strcmp((const char *)db_column_text(s, 0), "suppressed") == 0) {
			r->silenced++;
			continue;
		}
		r->firing++;
		if (policy_severity((const char *)db_column_text(s, 1)) > r->worst)
			r->worst = policy_severity((const char *)db_column_text(s, 1));
	}
	return rc == DB_DONE ? 0 : store_fail(st, e, "reading alerts");
}

static const char monitor_rows_sql[] =
	"SELECT mo.name, v.version, a.alias, mo.tier, v.id, mo.id"
	" FROM aliases a JOIN versions v ON v.id = a.version_id JOIN models mo ON mo.id = a.model_id"
	" WHERE CAST(?1 AS TEXT) IS NULL OR (mo.name = ?1 AND v.version = ?2)"
	" ORDER BY mo.name, v.version, a.alias <> 'production', a.alias";

int monitor_rows(struct store *st, int64_t now, struct monitor_row **out, size_t *n, struct err *e)
{
	struct monitor_fill f;
	struct monitor_row *rows = NULL;
	struct db_stmt *s;
	int rc;

	(void)now;
	*out = NULL;
	*n = 0;
	if (monitor_fill_open(st, &f, e) != 0)
		return -1;
	if (store_prepare(st, &s, monitor_rows_sql, e) != 0) {
		monitor_fill_close(&f);
		return -1;
	}
	while ((rc = db_step(s)) == DB_ROW) {
		struct monitor_row *r;

		if (*n > 0 && rows[*n - 1].version == db_column_int64(s, 1) &&
		    strcmp(rows[*n - 1].model, (const char *)db_column_text(s, 0)) == 0)
			continue;
		r = proven_push(&rows, n, sizeof *rows);
		if (r == NULL) {
			rc = DB_NOMEM;
			break;
		}
		store_text_copy(r->model, sizeof r->model, s, 0);
		r->version = db_column_int64(s, 1);
		store_text_copy(r->alias, sizeof r->alias, s, 2);
		store_text_copy(r->tier, sizeof r->tier, s, 3);
		if (monitor_row_fill(st, &f, db_column_int64(s, 4), db_column_int64(s, 5), r, e) != 0) {
			db_finalize(s);
			monitor_fill_close(&f);
			free(rows);
			*n = 0;
			return -1;
		}
	}
	db_finalize(s);
	monitor_fill_close(&f);
	if (rc != DB_DONE) {
		free(rows);
		*n = 0;
		return rc == DB_NOMEM ? err_set(e, ERR_IO, "out of memory") : store_fail(st, e, "reading deployed versions");
	}
	*out = rows;
	return 0;
}

void monitor_rows_free(struct monitor_row *r)
{
	free(r);
}

int monitor_detail_load(struct store *st, const char *model, int64_t version, int64_t now,
			struct monitor_detail *d, struct err *e)
{
	struct monitor_fill f;
	struct db_stmt *s, *p;
	int64_t vid = 0, mid = 0;
	int rc;

	memset(d, 0, sizeof *d);
	d->psi = d->ks = NAN;
	if (store_prepare(st, &s, monitor_rows_sql, e) != 0)
		return -1;
	db_bind_text(s, 1, model, -1, DB_STATIC);
	db_bind_int64(s, 2, version);
	if (db_step(s) == DB_ROW) {
		store_text_copy(d->row.model, sizeof d->row.model, s, 0);
		d->row.version = version;
		store_text_copy(d->row.alias, sizeof d->row.alias, s, 2);
		store_text_copy(d->row.tier, sizeof d->row.tier, s, 3);
		vid = db_column_int64(s, 4);
		mid = db_column_int64(s, 5);
	}
	db_finalize(s);
	if (vid == 0) {
		/* Not deployed: still show what the cache holds for it. */
		vid = monitor_vid(st, model, version, &mid);
		if (vid == 0)
			return err_set(e, ERR_NOTFOUND, "model \"%s\" has no version %" PRId64, model, version);
		snprintf(d->row.model, sizeof d->row.model, "%s", model);
		d->row.version = version;
		if (store_prepare(st, &s, "SELECT tier FROM models WHERE id = ?1", e) != 0)
			return -1;
		db_bind_int64(s, 1, mid);
		if (db_step(s) == DB_ROW)
			store_text_copy(d->row.tier, sizeof d->row.tier, s, 0);
		db_finalize(s);
	}
	if (monitor_fill_open(st, &f, e) != 0)
		return -1;
	rc = monitor_row_fill(st, &f, vid, mid, &d->row, e);
	monitor_fill_close(&f);
	if (rc != 0)
		return -1;
	if (store_prepare(st, &s, "SELECT signal, step FROM series_meta WHERE version_id = ?1 ORDER BY signal", e) != 0)
		return -1;
	if (store_prepare(st, &p, "SELECT t, value FROM series WHERE version_id = ?1 AND signal = ?2 AND t > ?3 ORDER BY t",
			  e) != 0) {
		db_finalize(s);
		return -1;
	}
	db_bind_int64(s, 1, vid);
	while ((rc = db_step(s)) == DB_ROW) {
		struct monitor_series *ms = proven_push(&d->s, &d->ns, sizeof *d->s);

		if (ms == NULL) {
			rc = DB_NOMEM;
			break;
		}
		store_text_copy(ms->signal, sizeof ms->signal, s, 0);
		ms->step = db_column_int64(s, 1);
		db_bind_int64(p, 1, vid);
		db_bind_text(p, 2, ms->signal, -1, DB_TRANSIENT);
		db_bind_int64(p, 3, now - MONITOR_WINDOW);
		while ((rc = db_step(p)) == DB_ROW) {
			int64_t *nt;
			double *nv;

			if ((ms->n & (ms->n - 1)) == 0) { /* grow at powers of two */
				size_t cap = ms->n ? ms->n * 2 : 64;

				nt = realloc(ms->t, cap * sizeof *nt);
				if (nt == NULL)
					break;
				ms->t = nt;
				nv = realloc(ms->v, cap * sizeof *nv);
				if (nv == NULL)
					break;
				ms->v = nv;
			}
			ms->t[ms->n] = db_column_int64(p, 0);
			ms->v[ms->n++] = db_column_type(p, 1) == DB_NULL ? NAN : db_column_double(p, 1);
		}
		db_reset(p);
		if (rc != DB_DONE) {
			rc = rc == DB_ROW ? DB_NOMEM : rc;
			break;
		}
	}
	db_finalize(p);
	db_finalize(s);
	if (rc != DB_DONE) {
		monitor_detail_free(d);
		return rc == DB_NOMEM ? err_set(e, ERR_IO, "out of memory") : store_fail(st, e, "reading series");
	}
	d->has_ref = monitor_load_hist(st, vid, "score", "reference", &d->ref);
	d->has_cur = monitor_load_hist(st, vid, "score", "current", &d->cur);
	if (store_prepare(st, &s,
			  "SELECT name, value FROM monitor_values WHERE version_id = ?1 AND kind = 'drift' AND name IN ('score', 'score.ks')",
			  e) != 0)
		return -1;
	db_bind_int64(s, 1, vid);
	while (db_step(s) == DB_ROW)
		*(strcmp((const char *)db_column_text(s, 0), "score") == 0 ? &d->psi : &d->ks) = db_column_double(s, 1);
	db_finalize(s);
	if (store_prepare(st, &s,
			  "SELECT coalesce((SELECT min(time) FROM promotions WHERE version_id = ?1 AND alias = 'production'),"
			  " (SELECT updated FROM aliases WHERE version_id = ?1 AND alias = 'production'), 0)",
			  e) != 0)
		return -1;
	db_bind_int64(s, 1, vid);
	if (db_step(s) == DB_ROW)
		d->production_since = db_column_int64(s, 0);
	db_finalize(s);
	return 0;
}

void monitor_detail_free(struct monitor_detail *d)
{
	size_t i;

	for (i = 0; i < d->ns; i++) {
		free(d->s[i].t);
		free(d->s[i].v);
	}
	free(d->s);
	d->s = NULL;
	d->ns = 0;
}

static const char monitor_alerts_sql[] =
	"SELECT a.plugin, a.fingerprint, a.name, a.state, a.severity, coalesce(mo.name, ''), a.version, a.starts, a.ends,"
	" a.summary, a.silenced_by, a.labels FROM alerts a LEFT JOIN models mo ON mo.id = a.model_id"
	" WHERE (CAST(?1 AS TEXT) IS NULL OR a.plugin = ?1) AND (CAST(?2 AS TEXT) IS NULL OR a.fingerprint = ?2)"
	" ORDER BY a.state = 'suppressed', CASE a.severity WHEN 'critical' THEN 0 WHEN 'warning' THEN 1"
	" WHEN 'info' THEN 2 ELSE 3 END, a.starts, a.fingerprint";

/* Gives fn each alert (of one plugin, one fingerprint, or NULL for all)
 * as it is read, one row in one struct. */
static int monitor_alerts_scan(struct store *st, const char *plugin, const char *fp, monitor_alert_fn fn, void *arg,
			       struct err *e)
{
	struct monitor_alert a;
	struct db_stmt *s;
	int rc, r = 0;

	if (store_prepare(st, &s, monitor_alerts_sql, e) != 0)
		return -1;
	if (plugin != NULL && plugin[0] != '\0')
		db_bind_text(s, 1, plugin, -1, DB_STATIC);
	if (fp != NULL)
		db_bind_text(s, 2, fp, -1, DB_STATIC);
	while ((rc = db_step(s)) == DB_ROW) {
		memset(&a, 0, sizeof a);
		store_text_copy(a.plugin, sizeof a.plugin, s, 0);
		store_text_copy(a.fingerprint, sizeof a.fingerprint, s, 1);
		store_text_copy(a.name, sizeof a.name, s, 2);
		store_text_copy(a.state, sizeof a.state, s, 3);
		store_text_copy(a.severity, sizeof a.severity, s, 4);
		store_text_copy(a.model, sizeof a.model, s, 5);
		a.version = db_column_int64(s, 6);
		a.starts = db_column_int64(s, 7);
		a.ends = db_column_int64(s, 8);
		store_text_copy(a.summary, sizeof a.summary, s, 9);
		store_text_copy(a.silenced_by, sizeof a.silenced_by, s, 10);
		store_text_copy(a.labels, sizeof a.labels, s, 11);
		r = fn(arg, &a, e);
		if (r != 0)
			break;
	}
	db_finalize(s);
	if (r < 0)
		return -1;
	if (r == 0 && rc != DB_DONE)
		return store_fail(st, e, "reading alerts");
	return 0;
}

struct monitor_alerts_into {
	struct monitor_alert **out;
	size_t *n;
};

static int monitor_alerts_collect(void *arg, const struct monitor_alert *a, struct err *e)
{
	struct monitor_alerts_into *in = arg;
	struct monitor_alert *x = proven_push(in->out, in->n, sizeof **in->out);

	if (x == NULL)
		return err_set(e, ERR_IO, "out of memory");
	*x = *a;
	return 0;
}

static int monitor_alerts_query(struct store *st, const char *plugin, const char *fp, struct monitor_alert **out,
				size_t *n, struct err *e)
{
	struct monitor_alerts_into in = { out, n };

	*out = NULL;
	*n = 0;
	if (monitor_alerts_scan(st, plugin, fp, monitor_alerts_collect, &in, e) != 0) {
		free(*out);
		*out = NULL;
		*n = 0;
		return -1;
	}
	return 0;
}

int monitor_alerts_each(struct store *st, monitor_alert_fn fn, void *arg, struct err *e)
{
	return monitor_alerts_scan(st, NULL, NULL, fn, arg, e);
}

int monitor_alerts_list(struct store *st, struct monitor_alert **out, size_t *n, struct err *e)
{
	return monitor_alerts_query(st, NULL, NULL, out, n, e);
}

void monitor_alerts_free(struct monitor_alert *a)
{
	free(a);
}

/* Stored matchers ([[name, op, value], ...]) as a person reads them. */
static void monitor_matchers_show(const char *stored, char *buf, size_t n)
{
	json_t *a = json_loads(stored, 0, NULL), *m;
	size_t i, used = 0;

	buf[0] = '\0';
	json_array_foreach(a, i, m) {
		int w = snprintf(buf + used, n - used, "%s%s%s\"%s\"", i ? ", " : "",
				 json_string_value(json_array_get(m, 0)) ? json_string_value(json_array_get(m, 0)) : "?",
				 json_string_value(json_array_get(m, 1)) ? json_string_value(json_array_get(m, 1)) : "=",
				 json_string_value(json_array_get(m, 2)) ? json_string_value(json_array_get(m, 2)) : "");

		if (w < 0 || (size_t)w >= n - used)
			break;
		used += (size_t)w;
	}
	json_decref(a);
}

int monitor_silences_each(struct store *st, monitor_silence_fn fn, void *arg, struct err *e)
{
	struct monitor_silence_row r;
	struct db_stmt *s;
	int rc, x = 0;

	if (store_prepare(st, &s,
			  "SELECT plugin, id, state, matchers, starts, ends, created_by, comment FROM silences"
			  " ORDER BY state <> 'active', state <> 'pending', ends DESC, id",
			  e) != 0)
		return -1;
	while ((rc = db_step(s)) == DB_ROW) {
		memset(&r, 0, sizeof r);
		store_text_copy(r.plugin, sizeof r.plugin, s, 0);
		store_text_copy(r.id, sizeof r.id, s, 1);
		store_text_copy(r.state, sizeof r.state, s, 2);
		monitor_matchers_show((const char *)db_column_text(s, 3), r.matchers, sizeof r.matchers);
		r.starts = db_column_int64(s, 4);
		r.ends = db_column_int64(s, 5);
		store_text_copy(r.created_by, sizeof r.created_by, s, 6);
		store_text_copy(r.comment, sizeof r.comment, s, 7);
		x = fn(arg, &r, e);
		if (x != 0)
			break;
	}
	db_finalize(s);
	if (x < 0)
		return -1;
	if (x == 0 && rc != DB_DONE)
		return store_fail(st, e, "reading silences");
	return 0;
}

struct monitor_silences_into {
	struct monitor_silence_row **out;
	size_t *n;
};

static int monitor_silences_collect(void *arg, const struct monitor_silence_row *r, struct err *e)
{
	struct monitor_silences_into *in = arg;
	struct monitor_silence_row *x = proven_push(in->out, in->n, sizeof **in->out);

	if (x == NULL)
		return err_set(e, ERR_IO, "out of memory");
	*x = *r;
	return 0;
}

int monitor_silences_list(struct store *st, struct monitor_silence_row **out, size_t *n, struct err *e)
{
	struct monitor_silences_into in = { out, n };

	*out = NULL;
	*n = 0;
	if (monitor_silences_each(st, monitor_silences_collect, &in, e) != 0) {
		free(*out);
		*out = NULL;
		*n = 0;
		return -1;
	}
	return 0;
}

void monitor_silences_free(struct monitor_silence_row *s)
{
	free(s);
}

static int monitor_mark(struct store *st, const char *model, int64_t version, struct monitor_mark *out,
			struct err *e)
{
	struct monitor_limits lims;
	const struct monitor_limit *lim;
	struct db_stmt *s;
	char tier[16] = "";
	int rc;

	memset(out, 0, sizeof *out);
	memset(&lims, 0, sizeof lims);
	if (store_prepare(st, &s,
			  "SELECT a.severity, mo.tier FROM models mo LEFT JOIN alerts a ON a.model_id = mo.id"
			  " AND a.state <> 'suppressed' AND (?2 = 0 OR a.version = 0 OR a.version = ?2) WHERE mo.name = ?1",
			  e) != 0)
		return -1;
	db_bind_text(s, 1, model, -1, DB_STATIC);
	db_bind_int64(s, 2, version);
	while ((rc = db_step(s)) == DB_ROW) {
		store_text_copy(tier, sizeof tier, s, 1);
		if (db_column_type(s, 0) == DB_NULL)
			continue;
		out->firing++;
		if (policy_severity((const char *)db_column_text(s, 0)) > out->worst)
			out->worst = policy_severity((const char *)db_column_text(s, 0));
	}
	db_finalize(s);
	if (rc != DB_DONE)
		return store_fail(st, e, "reading alerts");
	lim = tier[0] ? monitor_tier_limits(st, &lims, tier) : NULL;
	if (lim == NULL || !lim[MSIG_PSI].has)
		return 0;
	/* Drift over the limit on the version, or (for a model) on any deployed version. */
	if (store_prepare(st, &s,
			  "SELECT mv.value FROM monitor_values mv JOIN versions v ON v.id = mv.version_id"
			  " JOIN models mo ON mo.id = v.model_id WHERE mo.name = ?1 AND mv.kind = 'drift'"
			  " AND mv.name NOT LIKE '%.ks' AND (?2 = 0 AND v.id IN (SELECT version_id FROM aliases) OR v.version = ?2)",
			  e) != 0)
		return -1;
	db_bind_text(s, 1, model, -1, DB_STATIC);
	db_bind_int64(s, 2, version);
	while (db_step(s) == DB_ROW)
		if (!policy_compare(db_column_double(s, 0), (enum policy_op)lim[MSIG_PSI].op, lim[MSIG_PSI].value))
			out->drift_over = 1;
	db_finalize(s);
	return 0;
}

int monitor_mark_model(struct store *st, const char *model, struct monitor_mark *out, struct err *e)
{
	return monitor_mark(st, model, 0, out, e);
}

int monitor_mark_version(struct store *st, const char *model, int64_t version, struct monitor_mark *out,
			 struct err *e)
{
	return monitor_mark(st, model, version, out, e);
}

/* The entry of model in a growing list of marks, added when new. */
static struct monitor_model_mark *monitor_marks_get(struct monitor_model_mark **v, size_t *n, size_t *cap,
						    const char *model)
{
	struct monitor_model_mark *m;

	/* Both statements come ordered by name: a model's rows are adjacent. */
	if (*n > 0 && strcmp((*v)[*n - 1].model, model) == 0)
		return &(*v)[*n - 1];
	if (*n == *cap) {
		size_t c = *cap ? *cap * 2 : 16;

		m = realloc(*v, c * sizeof *m);
		if (m == NULL)
			return NULL;
		*v = m;
		*cap = c;
	}
	m = &(*v)[(*n)++];
	memset(m, 0, sizeof *m);
	snprintf(m->model, sizeof m->model, "%s", model);
	return m;
}

static int monitor_marks_cmp(const void *a, const void *b)
{
	return strcmp(((const struct monitor_model_mark *)a)->model, ((const struct monitor_model_mark *)b)->model);
}

int monitor_mark_models(struct store *st, struct monitor_model_mark **out, size_t *n, struct err *e)
{
	struct monitor_model_mark *v = NULL, *m;
	struct monitor_limits lims;
	size_t nv = 0, cap = 0, i, k;
	struct db_stmt *s;
	int rc;

	*out = NULL;
	*n = 0;
	memset(&lims, 0, sizeof lims);
	if (store_prepare(st, &s,
			  "SELECT mo.name, a.severity FROM alerts a JOIN models mo ON mo.id = a.model_id"
			  " WHERE a.state <> 'suppressed' ORDER BY mo.name",
			  e) != 0)
		return -1;
	while ((rc = db_step(s)) == DB_ROW) {
		int sev = policy_severity((const char *)db_column_text(s, 1));

		m = monitor_marks_get(&v, &nv, &cap, (const char *)db_column_text(s, 0));
		if (m == NULL)
			break;
		m->m.firing++;
		m->m.worst = sev > m->m.worst ? sev : m->m.worst;
	}
	db_finalize(s);
	if (rc != DB_DONE) {
		free(v);
		return rc == DB_ROW ? err_set(e, ERR_IO, "out of memory") : store_fail(st, e, "reading alerts");
	}
	/* Drift of the deployed versions, each against its tier's limit (read once per tier). */
	if (store_prepare(st, &s,
			  "SELECT mo.name, mo.tier, mv.value FROM monitor_values mv JOIN versions v ON v.id = mv.version_id"
			  " JOIN models mo ON mo.id = v.model_id WHERE mv.kind = 'drift' AND mv.name NOT LIKE '%.ks'"
			  " AND v.id IN (SELECT version_id FROM aliases) ORDER BY mo.name",
			  e) != 0) {
		free(v);
		return -1;
	}
	while ((rc = db_step(s)) == DB_ROW) {
		const struct monitor_limit *lim = monitor_tier_limits(st, &lims, (const char *)db_column_text(s, 1));
		const char *name = (const char *)db_column_text(s, 0);

		if (lim == NULL || !lim[MSIG_PSI].has ||
		    policy_compare(db_column_double(s, 2), (enum policy_op)lim[MSIG_PSI].op, lim[MSIG_PSI].value))
			continue;
		/* A model the alerts listed too gets a second entry, merged below. */
		if ((m = monitor_marks_get(&v, &nv, &cap, name)) == NULL)
			break;
		m->m.drift_over = 1;
	}
	db_finalize(s);
	if (rc != DB_DONE) {
		free(v);
		return rc == DB_ROW ? err_set(e, ERR_IO, "out of memory") : store_fail(st, e, "reading drift");
	}
	if (nv > 1)
		qsort(v, nv, sizeof *v, monitor_marks_cmp);
	/* A model from both statements is two entries: one keeps both halves. */
	for (i = 0, k = 0; i < nv; i++) {
		if (k > 0 && strcmp(v[k - 1].model, v[i].model) == 0) {
			v[k - 1].m.firing += v[i].m.firing;
			v[k - 1].m.worst = v[i].m.worst > v[k - 1].m.worst ? v[i].m.worst : v[k - 1].m.worst;
			v[k - 1].m.drift_over |= v[i].m.drift_over;
			continue;
		}
		if (k != i)
			v[k] = v[i];
		k++;
	}
	*out = v;
	*n = k;
	return 0;
}

void monitor_mark_models_free(struct monitor_model_mark *m)
{
	free(m);
}

/* ---- acts ---- */

int monitor_silence_alert(struct store *st, const struct principal *who, const char *plugin,
			  const char *fingerprint, int64_t duration, const char *comment, monitor_act_fn fn,
			  void *arg, char *id, size_t idn, struct err *e)
{
	struct steward_kv kv[MONITOR_MAX_MATCHERS];
	char *keys = NULL, *mt = NULL;
	struct monitor_alert *a = NULL;
	size_t na = 0, nkv = 0, used = 0, cap = 0;
	json_t *labels = NULL, *v, *data;
	const char *k;
	char err[512] = "", subject[200];
	struct steward_act act;
	struct db_stmt *s;
	int rc;

	if (who == NULL || who->key == NULL)
		return err_set(e, ERR_DENIED, "silencing an alert is an act: it needs your key");
	if (duration < 60 || duration > 30 * 86400)
		return err_set(e, ERR_INVALID, "a silence lasts 1 minute to 30 days, not %" PRId64 " s", duration);
	if (comment == NULL || comment[0] == '\0' || strlen(comment) > 280)
		return err_set(e, ERR_INVALID, "a silence needs a comment (1 to 280 bytes) saying why");
	if (monitor_alerts_query(st, plugin, fingerprint, &a, &na, e) != 0)
		return -1;
	if (na == 0)
		return err_set(e, ERR_NOTFOUND, "no alert %s%s%s in the store (sync first?)", fingerprint,
			       plugin && plugin[0] ? " from " : "", plugin && plugin[0] ? plugin : "");
	if (na > 1) {
		free(a);
		return err_set(e, ERR_INVALID, "alert %s comes from more than one plugin: name one", fingerprint);
	}
	/* The labels whole, from the store: the list's copy is cut to fit a screen. */
	if (store_prepare(st, &s, "SELECT labels FROM alerts WHERE plugin = ?1 AND fingerprint = ?2", e) != 0) {
		free(a);
		return -1;
	}
	db_bind_text(s, 1, a->plugin, -1, DB_STATIC);
	db_bind_text(s, 2, a->fingerprint, -1, DB_STATIC);
	if (db_step(s) == DB_ROW)
		labels = json_loads((const char *)db_column_text(s, 0), 0, NULL);
	db_finalize(s);
	if (json_object_size(labels) > MONITOR_MAX_MATCHERS) {
		json_decref(labels);
		free(a);
		/* Fewer matchers would silence more than this alert. */
		return err_set(e, ERR_INVALID, "alert %s has %zu labels; a silence made here matches at most %d", fingerprint,
			       json_object_size(labels), MONITOR_MAX_MATCHERS);
	}
	/* Every label, as equality: the silence Alertmanager's own UI makes for one alert. */
	json_object_foreach(labels, k, v) cap += strlen(k) + 3;
	keys = malloc(cap + 1);
	if (keys == NULL && cap > 0) {
		json_decref(labels);
		free(a);
		return err_set(e, ERR_IO, "out of memory");
	}
	json_object_foreach(labels, k, v) if (json_is_string(v))
	{
		int w = snprintf(keys + used, cap + 1 - used, "%s =", k);

		kv[nkv].key = keys + used;
		kv[nkv++].value = json_string_value(v);
		used += (size_t)w + 1;
	}
	if (nkv == 0) {
		json_decref(labels);
		free(keys);
		free(a);
		return err_set(e, ERR_INVALID, "alert %s has no labels to match", fingerprint);
	}
	memset(&act, 0, sizeof act);
	act.kind = STEWARD_ACT_SILENCE;
	act.model = a->model;
	act.version = a->version;
	act.matchers = kv;
	act.nmatchers = nkv;
	/* The backend's clock decides when a silence runs: real time, whatever the store's clock says. */
	act.starts = (int64_t)time(NULL);
	act.ends = act.starts + duration;
	act.comment = comment;
	act.creator = who->name;
	id[0] = '\0';
	act.out = id;
	act.outn = idn;
	rc = fn(arg, &act, err, sizeof err);
	/* While the labels the matchers point into are still held. */
	mt = monitor_matchers_text(kv, nkv);
	if (rc != 0 || id[0] == '\0') {
		free(mt);
		free(keys);
		json_decref(labels);
		free(a);
		return err_set(e, ERR_IO, "%s refused the silence: %s", plugin && plugin[0] ? plugin : "the alert source",
			       err[0] ? err : "no silence id in its answer");
	}
	snprintf(subject, sizeof subject, "alerts:/%s/%s", a->plugin, a->fingerprint);
	data = json_pack("{s:s, s:s, s:s, s:s, s:I, s:s, s:O, s:I, s:I, s:s}", "plugin", a->plugin, "fingerprint",
			 a->fingerprint, "alert", a->name, "model", a->model, "version", (json_int_t)a->version, "silence", id,
			 "matchers", labels, "starts", (json_int_t)act.starts, "ends", (json_int_t)act.ends, "comment",
			 comment);
	json_decref(labels);
	if (data == NULL) {
		free(mt);
		free(keys);
		free(a);
		return err_set(e, ERR_IO, "out of memory");
	}
	rc = store_begin(st, e);
	if (rc == 0)
		rc = ledger_append_act(st, who->key, who->name, "alert.silence", subject, data, NULL, e);
	json_decref(data);
	/* The views see it now, not at the next sync; other silences on it stay named. */
	if (rc == 0) {
		if (store_prepare(st, &s,
				  "UPDATE alerts SET state = 'suppressed', silenced_by = trim(silenced_by || ' ' || ?1)"
				  " WHERE plugin = ?2 AND fingerprint = ?3",
				  e) == 0) {
			db_bind_text(s, 1, id, -1, DB_STATIC);
			db_bind_text(s, 2, a->plugin, -1, DB_STATIC);
			db_bind_text(s, 3, a->fingerprint, -1, DB_STATIC);
			rc = db_step(s) == DB_DONE ? 0 : store_fail(st, e, "marking the alert silenced");
			db_finalize(s);
		} else
			rc = -1;
	}
	/* And the silence itself, so it can be expired before the next sync reads it back. */
	if (rc == 0) {
		if (mt == NULL)
			rc = err_set(e, ERR_IO, "out of memory");
		else if (store_prepare(st, &s,
				       "INSERT INTO silences(plugin, id, state, matchers, starts, ends, created_by, comment, seen)"
				       " VALUES (?1, ?2, 'active', ?3, ?4, ?5, ?6, ?7,"
				       " coalesce((SELECT max(seen) FROM silences WHERE plugin = ?1), 0))"
				       " ON CONFLICT(plugin, id) DO UPDATE SET state = excluded.state, matchers = excluded.matchers, starts = excluded.starts, ends = excluded.ends, created_by = excluded.created_by, comment = excluded.comment, seen = excluded.seen",
				       e) == 0) {
			db_bind_text(s, 1, a->plugin, -1, DB_STATIC);
			db_bind_text(s, 2, id, -1, DB_STATIC);
			db_bind_text(s, 3, mt, -1, DB_STATIC);
			db_bind_int64(s, 4, act.starts);
			db_bind_int64(s, 5, act.ends);
			db_bind_text(s, 6, who->name, -1, DB_STATIC);
			db_bind_text(s, 7, comment, -1, DB_STATIC);
			rc = db_step(s) == DB_DONE ? 0 : store_fail(st, e, "keeping the silence");
			db_finalize(s);
		} else
			rc = -1;
	}
	if (rc == 0)
		rc = store_commit(st, e);
	else if (store_in_transaction(st))
		store_rollback(st);
	if (rc != 0)
		err_prefix(e, "silence %s was made in %s but not recorded", id, a->plugin);
	free(mt);
	free(keys);
	free(a);
	return rc;
}

int monitor_expire_silence(struct store *st, const struct principal *who, const char *plugin, const char *id,
			   monitor_act_fn fn, void *arg, struct err *e)
{
	struct steward_act act;
	char err[512] = "", subject[200], pl[65] = "";
	struct db_stmt *s;
	json_t *data;
	int rc, found = 0;

	if (who == NULL || who->key == NULL)
		return err_set(e, ERR_DENIED, "expiring a silence is an act: it needs your key");
	if (store_prepare(st, &s, "SELECT plugin FROM silences WHERE id = ?1 AND (CAST(?2 AS TEXT) IS NULL OR plugin = ?2)", e) != 0)
		return -1;
	db_bind_text(s, 1, id, -1, DB_STATIC);
	if (plugin != NULL && plugin[0] != '\0')
		db_bind_text(s, 2, plugin, -1, DB_STATIC);
	while (db_step(s) == DB_ROW) {
		store_text_copy(pl, sizeof pl, s, 0);
		found++;
	}
	db_finalize(s);
	if (found == 0)
		return err_set(e, ERR_NOTFOUND, "no silence %s in the store (sync first?)", id);
	if (found > 1)
		return err_set(e, ERR_INVALID, "silence %s is known to more than one plugin: name one", id);
	memset(&act, 0, sizeof act);
	act.kind = STEWARD_ACT_EXPIRE_SILENCE;
	act.silence_id = id;
	act.creator = who->name;
	if (fn(arg, &act, err, sizeof err) != 0)
		return err_set(e, ERR_IO, "%s refused to expire silence %s: %s", pl, id, err[0] ? err : "no reason given");
	snprintf(subject, sizeof subject, "silences:/%s/%s", pl, id);
	data = json_pack("{s:s, s:s}", "plugin", pl, "silence", id);
	if (data == NULL)
		return err_set(e, ERR_IO, "out of memory");
	rc = store_begin(st, e);
	if (rc == 0)
		rc = ledger_append_act(st, who->key, who->name, "alert.unsilence", subject, data, NULL, e);
	json_decref(data);
	if (rc == 0 && store_prepare(st, &s, "UPDATE silences SET state = 'expired' WHERE plugin = ?1 AND id = ?2", e) == 0) {
		db_bind_text(s, 1, pl, -1, DB_STATIC);
		db_bind_text(s, 2, id, -1, DB_STATIC);
		rc = db_step(s) == DB_DONE ? 0 : store_fail(st, e, "marking the silence expired");
		db_finalize(s);
	}
	/* An alert stays silenced while another silence still covers it. */
	if (rc == 0 && store_prepare(st, &s,
				     "UPDATE alerts SET silenced_by = trim(replace(' ' || silenced_by || ' ', ' ' || ?2 || ' ', ' ')),"
				     " state = CASE WHEN trim(replace(' ' || silenced_by || ' ', ' ' || ?2 || ' ', ' ')) = ''"
				     " THEN 'active' ELSE state END"
				     " WHERE plugin = ?1 AND (' ' || silenced_by || ' ') LIKE '% ' || ?2 || ' %'",
				     e) == 0) {
		db_bind_text(s, 1, pl, -1, DB_STATIC);
		db_bind_text(s, 2, id, -1, DB_STATIC);
		rc = db_step(s) == DB_DONE ? 0 : store_fail(st, e, "marking alerts active");
		db_finalize(s);
	}
	if (rc == 0)
		rc = store_commit(st, e);
	else if (store_in_transaction(st))
		store_rollback(st);
	if (rc != 0)
		err_prefix(e, "silence %s was expired in %s but not recorded", id, pl);
	return rc;
}
