/* monitor: the monitoring cache plugins fill (series, histograms, alerts, silences), drift from it, and the signed observations a gate reads. */
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

static const char *const monitor_sig_names[MSIG_N] = {
	[MSIG_LATENCY] = "latency_p99",
	[MSIG_ERRORS] = "error_rate",
	[MSIG_PSI] = "drift_psi",
	[MSIG_FRESHNESS] = "freshness",
	[MSIG_TRAFFIC] = "traffic",
};

const char *monitor_sig_name(enum monitor_sig s)
{
	return s < MSIG_N ? monitor_sig_names[s] : "";
}

/* ---- drift ---- */

int monitor_hist_check(const struct monitor_hist *h, struct err *e)
{
	size_t i;

	if (h->n < 2 || h->n > MONITOR_MAX_BUCKETS)
		return err_set(e, ERR_INVALID, "a histogram needs 2 to %d buckets, not %zu", MONITOR_MAX_BUCKETS, h->n);
	if (!isinf(h->le[h->n - 1]) || h->le[h->n - 1] < 0)
		return err_set(e, ERR_INVALID, "the last bucket's upper bound is %g, not +Inf", h->le[h->n - 1]);
	for (i = 0; i < h->n; i++) {
		if (isnan(h->le[i]) || (i + 1 < h->n && !isfinite(h->le[i])))
			return err_set(e, ERR_INVALID, "bucket %zu has no finite upper bound", i + 1);
		if (i > 0 && !(h->le[i] > h->le[i - 1]))
			return err_set(e, ERR_INVALID, "bucket bounds are not ascending at %g", h->le[i]);
		if (!isfinite(h->count[i]) || h->count[i] < 0)
			return err_set(e, ERR_INVALID, "bucket le=%g has count %g", h->le[i], h->count[i]);
		/* Counters reset between scrapes can leave a cumulative count a
		 * hair below its neighbour after increase(): a tenth of a count
		 * is rounding, more is a broken histogram. */
		if (i > 0 && h->count[i] < h->count[i - 1] - 0.1)
			return err_set(e, ERR_INVALID, "bucket le=%g counts %g, fewer than le=%g's %g", h->le[i],
				       h->count[i], h->le[i - 1], h->count[i - 1]);
	}
	return 0;
}

static int monitor_same_bounds(const struct monitor_hist *a, const struct monitor_hist *b, struct err *e)
{
	size_t i;

	if (monitor_hist_check(a, e) != 0 || monitor_hist_check(b, e) != 0)
		return -1;
	if (a->n != b->n)
		return err_set(e, ERR_INVALID, "the reference has %zu buckets and the current window %zu", a->n, b->n);
	for (i = 0; i < a->n; i++)
		if (a->le[i] != b->le[i])
			return err_set(e, ERR_INVALID, "bucket %zu bounds differ: %g in the reference, %g now", i + 1,
				       a->le[i], b->le[i]);
	if (!(a->count[a->n - 1] > 0) || !(b->count[b->n - 1] > 0))
		return err_set(e, ERR_INVALID, "the %s window has no observations",
			       a->count[a->n - 1] > 0 ? "current" : "reference");
	return 0;
}

/* The share of all observations in bucket i. */
static double monitor_share(const struct monitor_hist *h, size_t i)
{
	double lo = i == 0 ? 0 : h->count[i - 1], c = h->count[i] - lo;

	return (c < 0 ? 0 : c) / h->count[h->n - 1];
}

int monitor_psi(const struct monitor_hist *ref, const struct monitor_hist *cur, double *psi, struct err *e)
{
	double sum = 0;
	size_t i;

	if (monitor_same_bounds(ref, cur, e) != 0)
		return -1;
	for (i = 0; i < ref->n; i++) {
		double r = monitor_share(ref, i), c = monitor_share(cur, i);

		/* The usual floor: an empty bucket on one side is a large term, not an infinite one. */
		if (r < 1e-4)
			r = 1e-4;
		if (c < 1e-4)
			c = 1e-4;
		sum += (c - r) * log(c / r);
	}
	*psi = sum;
	return 0;
}

int monitor_ks(const struct monitor_hist *ref, const struct monitor_hist *cur, double *ks, struct err *e)
{
	double best = 0;
	size_t i;

	if (monitor_same_bounds(ref, cur, e) != 0)
		return -1;
	for (i = 0; i < ref->n; i++) {
		double d = fabs(ref->count[i] / ref->count[ref->n - 1] - cur->count[i] / cur->count[cur->n - 1]);

		if (d > best)
			best = d;
	}
	*ks = best;
	return 0;
}

/* Buckets as stored: [[le, count], ...] with "+Inf" for the last bound. */
static char *monitor_hist_text(const struct monitor_hist *h)
{
	json_t *a = json_array();
	char *txt;
	size_t i;

	if (a == NULL)
		return NULL;
	for (i = 0; i < h->n; i++)
		if (json_array_append_new(a, json_pack("[o, f]", isinf(h->le[i]) ? json_string("+Inf") : json_real(h->le[i]),
						       h->count[i])) != 0) {
			json_decref(a);
			return NULL;
		}
	txt = json_dumps(a, JSON_COMPACT);
	json_decref(a);
	return txt;
}

static int monitor_hist_parse(const char *text, struct monitor_hist *h)
{
	json_t *a = json_loads(text, 0, NULL), *b;
	size_t i;

	h->n = 0;
	if (!json_is_array(a) || json_array_size(a) > MONITOR_MAX_BUCKETS) {
		json_decref(a);
		return -1;
	}
	json_array_foreach(a, i, b) {
		json_t *le = json_array_get(b, 0);

		h->le[i] = json_is_string(le) ? INFINITY : json_number_value(le);
		h->count[i] = json_number_value(json_array_get(b, 1));
		h->n++;
	}
	json_decref(a);
	return 0;
}

/* ---- the sink side ---- */

struct monitor_touched {
	int64_t vid;
	char signal[65]; /* "" for the version's histograms */
};

/* A series or histogram held until the sync's end (or until the buffer
 * is full): copies, since a plugin's buffers live only for its call. */
struct monitor_pend {
	char *model, *name, *window; /* name: the signal, or the feature */
	int64_t version, step, from, to;
	int64_t *t;
	double *v, *le;
	size_t n;
	int hist;
};

struct monitor_sync {
	struct store *st;
	char plugin[65];
	unsigned caps;
	int64_t now, seen;
	int64_t *touched; /* model ids whose series or histograms this sync handed over */
	size_t ntouched;
	struct monitor_touched *tv; /* and which series and histograms of which versions */
	size_t ntv;
	struct monitor_pend *pend; /* outside a registry's transaction: what waits to be written */
	size_t npend, pend_points;
	int alerts_seen;  /* the sync handed over alerts or is an alert source */
	int64_t head;     /* the ledger's last entry before the source was read */
	int stale;        /* a silence act landed after that: what was read may predate it */
	struct err e;
};

struct monitor_sync *monitor_sync_begin(struct store *st, const char *plugin, unsigned caps, struct err *e)
{
	struct monitor_sync *m = calloc(1, sizeof *m);
	struct db_stmt *s;

	if (m == NULL) {
		err_set(e, ERR_IO, "out of memory");
		return NULL;
	}
	m->st = st;
	snprintf(m->plugin, sizeof m->plugin, "%s", plugin);
	m->caps = caps;
	m->now = store_now();
	/* A token newer than any earlier sync's: what this one saw keeps it. */
	if (store_prepare(st, &s,
			  "SELECT max(coalesce((SELECT max(seen) FROM alerts WHERE plugin = ?1), 0),"
			  " coalesce((SELECT max(seen) FROM silences WHERE plugin = ?1), 0))",
			  e) != 0) {
		free(m);
		return NULL;
	}
	db_bind_text(s, 1, plugin, -1, DB_STATIC);
	m->seen = (db_step(s) == DB_ROW ? db_column_int64(s, 0) : 0) + 1;
	db_finalize(s);
	if (store_prepare(st, &s, "SELECT coalesce(max(seq), 0) FROM ledger", e) != 0) {
		free(m);
		return NULL;
	}
	m->head = db_step(s) == DB_ROW ? db_column_int64(s, 0) : 0;
	db_finalize(s);
	return m;
}

int monitor_sync_stale(const struct monitor_sync *m)
{
	return m->stale;
}

/* A silence made or expired here (the console, a colleague's CLI) after
 * the source was read is newer than what was read: the source's answer
 * would put the alert back as it was before the act until the next sync.
 * Read in the sync's own write transaction, so no act slips in between. */
static int monitor_acts_since(struct monitor_sync *m, struct err *e)
{
	struct db_stmt *s;
	int64_t n;

	if (store_prepare(m->st, &s,
			  "SELECT count(*) FROM ledger WHERE seq > ?1 AND action IN ('alert.silence', 'alert.unsilence')",
			  e) != 0)
		return -1;
	db_bind_int64(s, 1, m->head);
	n = db_step(s) == DB_ROW ? db_column_int64(s, 0) : -1;
	db_finalize(s);
	if (n < 0)
		return store_fail(m->st, e, "reading the silence acts");
	if (n > 0) {
		m->stale = 1;
		return err_set(e, ERR_STORE, "%" PRId64 " silence act%s landed while %s was read: its answer may predate %s", n,
			       n == 1 ? "" : "s", m->plugin, n == 1 ? "it" : "them");
	}
	return 0;
}

static void monitor_pend_clear(struct monitor_sync *m)
{
	size_t i;

	for (i = 0; i < m->npend; i++) {
		free(m->pend[i].model);
		free(m->pend[i].name);
		free(m->pend[i].window);
		free(m->pend[i].t);
		free(m->pend[i].v);
		free(m->pend[i].le);
	}
	free(m->pend);
	m->pend = NULL;
	m->npend = m->pend_points = 0;
}

void monitor_sync_free(struct monitor_sync *m)
{
	if (m == NULL)
		return;
	free(m->touched);
	free(m->tv);
	monitor_pend_clear(m);
	free(m);
}

/* Notes what a record changed, so the end of the sync redoes only that. */
static int monitor_touch_series(struct monitor_sync *m, int64_t vid, const char *signal)
{
	struct monitor_touched *n;

	if (m->ntv > 0 && m->tv[m->ntv - 1].vid == vid && strcmp(m->tv[m->ntv - 1].signal, signal) == 0)
		return 0;
	n = proven_push(&m->tv, &m->ntv, sizeof *n);
	if (n == NULL)
		return -1;
	n->vid = vid;
	snprintf(n->signal, sizeof n->signal, "%s", signal);
	return 0;
}

static int monitor_touch(struct monitor_sync *m, int64_t mid)
{
	int64_t *n;
	size_t i;

	for (i = 0; i < m->ntouched; i++)
		if (m->touched[i] == mid)
			return 0;
	n = realloc(m->touched, (m->ntouched + 1) * sizeof *n);
	if (n == NULL)
		return err_set(&m->e, ERR_IO, "out of memory");
	m->touched = n;
	n[m->ntouched++] = mid;
	return 0;
}

int monitor_targets(struct monitor_sync *m, void (*fn)(void *arg, const struct steward_target *t), void *arg)
{
	struct db_stmt *s;
	int rc;

	if (store_prepare(m->st, &s,
			  "SELECT mo.name, v.version, a.alias, a.updated,"
			  " coalesce((SELECT min(p.time) FROM promotions p WHERE p.version_id = v.id AND p.alias = 'production'),"
			  "  (SELECT p2.updated FROM aliases p2 WHERE p2.version_id = v.id AND p2.alias = 'production'), 0)"
			  " FROM aliases a JOIN versions v ON v.id = a.version_id JOIN models mo ON mo.id = a.model_id"
			  " ORDER BY mo.name, v.version, a.alias <> 'production', a.alias",
			  &m->e) != 0)
		return -1;
	char last_model[256] = "";
	int64_t last_version = 0;
	while ((rc = db_step(s)) == DB_ROW) {
		struct steward_target t = {
			.model = (const char *)db_column_text(s, 0),
			.version = db_column_int64(s, 1),
			.alias = (const char *)db_column_text(s, 2),
			.since = db_column_int64(s, 3),
			.production_since = db_column_int64(s, 4),
		};

		/* One target per version, under its first alias (production first). */
		if (t.version == last_version && strcmp(t.model, last_model) == 0)
			continue;
		snprintf(last_model, sizeof last_model, "%s", t.model);
		last_version = t.version;
		fn(arg, &t);
	}
	db_finalize(s);
	return rc == DB_DONE ? 0 : store_fail(m->st, &m->e, "reading the deployed versions");
}

void monitor_window(struct monitor_sync *m, int64_t *from, int64_t *to, int64_t *step)
{
	*to = m->now;
	*from = m->now - MONITOR_WINDOW;
	*step = 60;
}

int64_t monitor_vid(struct store *st, const char *model, int64_t version, int64_t *mid)
{
	struct db_stmt *s;
	int64_t vid = 0;
	struct err e;

	if (model == NULL ||
	    store_prepare(st, &s,
			  "SELECT v.id, v.model_id FROM versions v JOIN models m ON m.id = v.model_id"
			  " WHERE m.name = ?1 AND v.version = ?2",
			  &e) != 0)
		return 0;
	db_bind_text(s, 1, model, -1, DB_STATIC);
	db_bind_int64(s, 2, version);
	if (db_step(s) == DB_ROW) {
		vid = db_column_int64(s, 0);
		if (mid != NULL)
			*mid = db_column_int64(s, 1);
	}
	db_finalize(s);
	return vid;
}

int64_t monitor_series_last(struct monitor_sync *m, const char *model, int64_t version, const char *signal)
{
	struct db_stmt *s;
	int64_t last = 0;

	if (model == NULL || signal == NULL ||
	    store_prepare(m->st, &s,
			  "SELECT sm.last FROM series_meta sm JOIN versions v ON v.id = sm.version_id"
			  " JOIN models mo ON mo.id = v.model_id WHERE mo.name = ?1 AND v.version = ?2 AND sm.signal = ?3",
			  &m->e) != 0)
		return 0;
	db_bind_text(s, 1, model, -1, DB_STATIC);
	db_bind_int64(s, 2, version);
	db_bind_text(s, 3, signal, -1, DB_STATIC);
	if (db_step(s) == DB_ROW)
		last = db_column_int64(s, 0);
	db_finalize(s);
	return last;
}

/* A name a plugin gives: printable ASCII, not empty, short. */
static int monitor_name_ok(const char *s, size_t max)
{
	size_t i;

	if (s == NULL || s[0] == '\0')
		return 0;
	for (i = 0; s[i] != '\0'; i++)
		if (i >= max || (unsigned char)s[i] < 0x21 || (unsigned char)s[i] > 0x7e)
			return 0;
	return 1;
}

/* What a series record must be before it is taken: refused at the call,
 * so the plugin stops there, whether it is written now or later. */
static int64_t monitor_series_check(struct monitor_sync *m, const struct steward_series_rec *r, int64_t *mid,
				    struct err *e)
{
	int64_t vid;
	size_t i;

	if (!monitor_name_ok(r->signal, 64))
		return err_set(e, ERR_INVALID, "a series of %s %" PRId64 " has no usable signal name",
			       r->model ? r->model : "?", r->version);
	vid = monitor_vid(m->st, r->model, r->version, mid);
	if (vid == 0)
		return err_set(e, ERR_NOTFOUND, "series %s for %s %" PRId64 ": no such version in the store", r->signal,
			       r->model ? r->model : "?", r->version);
	if (r->n > 0 && (r->time == NULL || r->value == NULL))
		return err_set(e, ERR_INVALID, "series %s of %s %" PRId64 " has points without times or values",
			       r->signal, r->model, r->version);
	for (i = 0; i < r->n; i++)
		if (r->time[i] <= 0 || (i > 0 && r->time[i] <= r->time[i - 1]))
			return err_set(e, ERR_INVALID, "series %s of %s %" PRId64 ": point %zu's time %" PRId64 " is not after the one before",
				       r->signal, r->model, r->version, i + 1, r->time[i]);
	return vid;
}

static int monitor_series_write(struct monitor_sync *m, const struct steward_series_rec *r, struct err *e)
{
	struct db_stmt *s;
	int64_t vid, mid = 0, last = 0;
	size_t i;

	vid = monitor_series_check(m, r, &mid, e);
	if (vid <= 0)
		return -1;
	/* The points this record brings replace those held from its first time on: one range
	 * delete, then plain inserts (a conflict check per point cost more than the insert). */
	if (r->n > 0) {
		if (store_prepare(m->st, &s, "DELETE FROM series WHERE version_id = ?1 AND signal = ?2 AND t >= ?3", e) != 0)
			return -1;
		db_bind_int64(s, 1, vid);
		db_bind_text(s, 2, r->signal, -1, DB_STATIC);
		db_bind_int64(s, 3, r->time[0]);
		i = db_step(s) == DB_DONE;
		db_finalize(s);
		if (!i)
			return store_fail(m->st, e, "writing a series");
	}
	if (store_prepare(m->st, &s, "INSERT INTO series(version_id, signal, t, value) VALUES (?1, ?2, ?3, ?4)", e) != 0)
		return -1;
	db_bind_int64(s, 1, vid);
	db_bind_text(s, 2, r->signal, -1, DB_STATIC);
	for (i = 0; i < r->n; i++) {
		db_bind_int64(s, 3, r->time[i]);
		if (isnan(r->value[i]))
			db_bind_null(s, 4);
		else
			db_bind_double(s, 4, r->value[i]);
		if (db_step(s) != DB_DONE) {
			db_finalize(s);
			return store_fail(m->st, e, "writing a series");
		}
		db_reset(s);
		last = r->time[i];
	}
	db_finalize(s);
	if (store_prepare(m->st, &s,
			  "INSERT INTO series_meta(version_id, signal, plugin, step, last) VALUES (?1, ?2, ?3, ?4, ?5)"
			  " ON CONFLICT(version_id, signal) DO UPDATE SET plugin = excluded.plugin, step = excluded.step,"
			  " last = max(series_meta.last, excluded.last)",
			  e) != 0)
		return -1;
	db_bind_int64(s, 1, vid);
	db_bind_text(s, 2, r->signal, -1, DB_STATIC);
	db_bind_text(s, 3, m->plugin, -1, DB_STATIC);
	db_bind_int64(s, 4, r->step > 0 ? r->step : 60);
	db_bind_int64(s, 5, last);
	i = db_step(s) == DB_DONE;
	db_finalize(s);
	if (!i)
		return store_fail(m->st, e, "writing a series");
	return monitor_touch(m, mid) != 0 || monitor_touch_series(m, vid, r->signal) != 0
		       ? err_set(e, ERR_IO, "out of memory")
		       : 0;
}

static int monitor_histogram_write(struct monitor_sync *m, const struct steward_histogram_rec *r, struct err *e);

/* Writes what is held: in the caller's transaction, or (own) in one of its own. */
static int monitor_flush(struct monitor_sync *m, int own, struct err *e)
{
	size_t i;

	if (m->npend == 0)
		return 0;
	if (own && store_begin(m->st, e) != 0)
		return -1;
	for (i = 0; i < m->npend; i++) {
		const struct monitor_pend *p = &m->pend[i];
		int rc;

		if (p->hist) {
			struct steward_histogram_rec h = { .model = p->model, .version = p->version, .feature = p->name,
							   .window = p->window, .from = p->from, .to = p->to,
							   .le = p->le, .count = p->v, .n = p->n };

			rc = monitor_histogram_write(m, &h, e);
		} else {
			struct steward_series_rec r = { .model = p->model, .version = p->version, .signal = p->name,
							.time = p->t, .value = p->v, .n = p->n, .step = p->step };

			rc = monitor_series_write(m, &r, e);
		}
		if (rc != 0) {
			if (own)
				store_rollback(m->st);
			return -1;
		}
	}
	monitor_pend_clear(m);
	return own ? store_commit(m->st, e) : 0;
}

/* Inside a registry plugin's transaction a record is written at once.
 * Otherwise (a monitoring source) it is checked now and held: the sync's
 * end writes all of it in one short transaction, so waiting on the
 * network never holds the write lock a colleague's approval needs. A
 * very large first sync is written in chunks of MONITOR_FLUSH points. */
int monitor_series(struct monitor_sync *m, const struct steward_series_rec *r, struct err *e)
{
	struct monitor_pend *p;
	int64_t mid = 0;

	if (store_in_transaction(m->st))
		return monitor_series_write(m, r, e);
	if (monitor_series_check(m, r, &mid, e) <= 0)
		return -1;
	p = proven_push(&m->pend, &m->npend, sizeof *p);
	if (p == NULL)
		return err_set(e, ERR_IO, "out of memory");
	p->model = strdup(r->model);
	p->name = strdup(r->signal);
	p->version = r->version;
	p->step = r->step;
	p->n = r->n;
	p->t = malloc((r->n ? r->n : 1) * sizeof *p->t);
	p->v = malloc((r->n ? r->n : 1) * sizeof *p->v);
	if (p->model == NULL || p->name == NULL || p->t == NULL || p->v == NULL)
		return err_set(e, ERR_IO, "out of memory");
	if (r->n > 0) {
		memcpy(p->t, r->time, r->n * sizeof *p->t);
		memcpy(p->v, r->value, r->n * sizeof *p->v);
	}
	m->pend_points += r->n;
	return m->pend_points >= MONITOR_FLUSH ? monitor_flush(m, 1, e) : 0;
}

static int64_t monitor_histogram_check(struct monitor_sync *m, const struct steward_histogram_rec *r,
				       struct monitor_hist *hp, int64_t *midp, struct err *e)
{
	struct monitor_hist h = { .n = r->n, .from = r->from, .to = r->to };
	int64_t vid, mid = 0;
	size_t i;

	if (!monitor_name_ok(r->feature, 64) || r->window == NULL ||
	    (strcmp(r->window, "reference") != 0 && strcmp(r->window, "current") != 0))
		return err_set(e, ERR_INVALID, "a histogram of %s %" PRId64 " names no feature or a window other than reference or current",
			       r->model ? r->model : "?", r->version);
	vid = monitor_vid(m->st, r->model, r->version, &mid);
	if (vid == 0)
		return err_set(e, ERR_NOTFOUND, "histogram for %s %" PRId64 ": no such version in the store",
			       r->model ? r->model : "?", r->version);
	if (r->n > MONITOR_MAX_BUCKETS || (r->n > 0 && (r->le == NULL || r->count == NULL)))
		return err_set(e, ERR_INVALID, "histogram %s of %s %" PRId64 ": %zu buckets (at most %d)", r->feature,
			       r->model, r->version, r->n, MONITOR_MAX_BUCKETS);
	for (i = 0; i < r->n; i++) {
		h.le[i] = r->le[i];
		h.count[i] = r->count[i];
	}
	if (monitor_hist_check(&h, e) != 0) {
		char why[sizeof e->msg];

		snprintf(why, sizeof why, "%s", e->msg);
		return err_set(e, ERR_INVALID, "histogram %s (%s) of %s %" PRId64 ": %s", r->feature, r->window, r->model,
			       r->version, why);
	}
	*hp = h;
	*midp = mid;
	return vid;
}

static int monitor_histogram_write(struct monitor_sync *m, const struct steward_histogram_rec *r, struct err *e)
{
	struct monitor_hist h;
	struct db_stmt *s;
	int64_t vid, mid = 0;
	char *txt;
	int rc;

	vid = monitor_histogram_check(m, r, &h, &mid, e);
	if (vid <= 0)
		return -1;
	txt = monitor_hist_text(&h);
	if (txt == NULL)
		return err_set(e, ERR_IO, "out of memory");
	if (store_prepare(m->st, &s,
			  "INSERT INTO histograms(version_id, feature, win, t_from, t_to, buckets, observed)"
			  " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)"
			  " ON CONFLICT(version_id, feature, win) DO UPDATE SET t_from = excluded.t_from, t_to = excluded.t_to, buckets = excluded.buckets, observed = excluded.observed",
			  e) != 0) {
		free(txt);
		return -1;
	}
	db_bind_int64(s, 1, vid);
	db_bind_text(s, 2, r->feature, -1, DB_STATIC);
	db_bind_text(s, 3, r->window, -1, DB_STATIC);
	db_bind_int64(s, 4, r->from);
	db_bind_int64(s, 5, r->to);
	db_bind_text(s, 6, txt, -1, DB_STATIC);
	db_bind_int64(s, 7, m->now);
	rc = db_step(s);
	db_finalize(s);
	free(txt);
	if (rc != DB_DONE)
		return store_fail(m->st, e, "writing a histogram");
	return monitor_touch(m, mid) != 0 || monitor_touch_series(m, vid, "") != 0 ? err_set(e, ERR_IO, "out of memory")
										   : 0;
}

int monitor_histogram(struct monitor_sync *m, const struct steward_histogram_rec *r, struct err *e)
{
	struct monitor_pend *p;
	struct monitor_hist h;
	int64_t mid = 0;

	if (store_in_transaction(m->st))
		return monitor_histogram_write(m, r, e);
	if (monitor_histogram_check(m, r, &h, &mid, e) <= 0)
		return -1;
	p = proven_push(&m->pend, &m->npend, sizeof *p);
	if (p == NULL)
		return err_set(e, ERR_IO, "out of memory");
	p->hist = 1;
	p->model = strdup(r->model);
	p->name = strdup(r->feature);
	p->window = strdup(r->window);
	p->version = r->version;
	p->from = r->from;
	p->to = r->to;
	p->n = r->n;
	p->le = malloc(r->n * sizeof *p->le);
	p->v = malloc(r->n * sizeof *p->v);
	if (p->model == NULL || p->name == NULL || p->window == NULL || p->le == NULL || p->v == NULL)
		return err_set(e, ERR_IO, "out of memory");
	memcpy(p->le, r->le, r->n * sizeof *p->le);
	memcpy(p->v, r->count, r->n * sizeof *p->v);
	m->pend_points += r->n;
	return m->pend_points >= MONITOR_FLUSH ? monitor_flush(m, 1, e) : 0;
}

static json_t *monitor_kv_json(const struct steward_kv *kv, size_t n)
{
	json_t *o = json_object();
	size_t i;

	for (i = 0; o != NULL && i < n; i++)
		if (kv[i].key != NULL && kv[i].value != NULL && json_object_set_new(o, kv[i].key, json_string(kv[i].value)) != 0) {
			json_decref(o);
			return NULL;
		}
	return o;
}

/* An alert source's set is written in the transaction its sync ends in,
 * begun at its first record: sources hand their set over once they have
 * read all of it, so the lock is held only while it is written. */
int monitor_alert(struct monitor_sync *m, const struct steward_alert_rec *a, struct err *e)
{
	static const char *const states[] = { "active", "suppressed", "unprocessed" };
	struct db_stmt *s;
	int64_t mid = 0;
	json_t *labels;
	char *ltxt;
	size_t i;
	int rc;

	if (!store_in_transaction(m->st) && store_begin(m->st, e) != 0)
		return -1;
	/* Whoever can post to the alert source chooses names: only an absurd one fails the sync. */
	if (!monitor_name_ok(a->fingerprint, 64) || a->name == NULL || a->name[0] == '\0' || strlen(a->name) > 4096)
		return err_set(e, ERR_INVALID, "an alert without a fingerprint, or with no name or one over 4096 bytes");
	for (i = 0; i < 3 && (a->state == NULL || strcmp(a->state, states[i]) != 0); i++)
		;
	if (i == 3)
		return err_set(e, ERR_INVALID, "alert %s: state '%s' is none of active, suppressed, unprocessed", a->name,
			       a->state ? a->state : "");
	if (a->model != NULL) {
		if (store_prepare(m->st, &s, "SELECT id FROM models WHERE name = ?1", e) != 0)
			return -1;
		db_bind_text(s, 1, a->model, -1, DB_STATIC);
		if (db_step(s) == DB_ROW)
			mid = db_column_int64(s, 0);
		db_finalize(s);
	}
	labels = monitor_kv_json(a->labels, a->nlabels);
	ltxt = labels ? json_dumps(labels, JSON_COMPACT | JSON_SORT_KEYS) : NULL;
	json_decref(labels);
	if (ltxt == NULL)
		return err_set(e, ERR_INVALID, "alert %s: labels are not text", a->name);
	if (store_prepare(m->st, &s,
			  "INSERT INTO alerts(plugin, fingerprint, name, state, severity, model_id, version,"
			  " starts, ends, summary, silenced_by, labels, seen)"
			  " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13)"
			  " ON CONFLICT(plugin, fingerprint) DO UPDATE SET name = excluded.name, state = excluded.state, severity = excluded.severity, model_id = excluded.model_id, version = excluded.version, starts = excluded.starts, ends = excluded.ends, summary = excluded.summary, silenced_by = excluded.silenced_by, labels = excluded.labels, seen = excluded.seen",
			  e) != 0) {
		free(ltxt);
		return -1;
	}
	db_bind_text(s, 1, m->plugin, -1, DB_STATIC);
	db_bind_text(s, 2, a->fingerprint, -1, DB_STATIC);
	db_bind_text(s, 3, a->name, -1, DB_STATIC);
	db_bind_text(s, 4, a->state, -1, DB_STATIC);
	db_bind_text(s, 5, a->severity ? a->severity : "", -1, DB_STATIC);
	if (mid > 0)
		db_bind_int64(s, 6, mid);
	else
		db_bind_null(s, 6);
	db_bind_int64(s, 7, a->version > 0 ? a->version : 0);
	db_bind_int64(s, 8, a->starts);
	db_bind_int64(s, 9, a->ends);
	db_bind_text(s, 10, a->summary ? a->summary : "", -1, DB_STATIC);
	db_bind_text(s, 11, a->silenced_by ? a->silenced_by : "", -1, DB_STATIC);
	db_bind_text(s, 12, ltxt, -1, DB_STATIC);
	db_bind_int64(s, 13, m->seen);
	rc = db_step(s);
	db_finalize(s);
	free(ltxt);
	m->alerts_seen = 1;
	return rc == DB_DONE ? 0 : store_fail(m->st, e, "writing an alert");
}


/* Matchers as one line a person reads: alertname="X", model=~"f.*". */
char *monitor_matchers_text(const struct steward_kv *kv, size_t n)
{
	json_t *a = json_array();
	char *txt;
	size_t i;

	for (i = 0; a != NULL && i < n; i++) {
		const char *sp = kv[i].key ? strchr(kv[i].key, ' ') : NULL;

		if (sp == NULL || kv[i].value == NULL ||
		    (strcmp(sp + 1, "=") != 0 && strcmp(sp + 1, "!=") != 0 && strcmp(sp + 1, "=~") != 0 &&
		     strcmp(sp + 1, "!~") != 0) ||
		    json_array_append_new(a, json_pack("[s#, s, s]", kv[i].key, (int)(sp - kv[i].key), sp + 1, kv[i].value)) !=
			    0) {
			json_decref(a);
			return NULL;
		}
	}
	if (a == NULL)
		return NULL;
	txt = json_dumps(a, JSON_COMPACT);
	json_decref(a);
	return txt;
}

/* Like alerts: in the transaction the sync ends in. */
int monitor_silence(struct monitor_sync *m, const struct steward_silence_rec *r, struct err *e)
{
	struct db_stmt *s;
	char *mt;
	int rc;

	if (!store_in_transaction(m->st) && store_begin(m->st, e) != 0)
		return -1;
	if (!monitor_name_ok(r->id, 64) || r->state == NULL ||
	    (strcmp(r->state, "active") != 0 && strcmp(r->state, "pending") != 0 && strcmp(r->state, "expired") != 0))
		return err_set(e, ERR_INVALID, "a silence without an id, or in a state other than active, pending, expired");
	mt = monitor_matchers_text(r->matchers, r->nmatchers);
	if (mt == NULL)
		return err_set(e, ERR_INVALID, "silence %s: a matcher is not 'name op' and a value", r->id);
	if (store_prepare(m->st, &s,
			  "INSERT INTO silences(plugin, id, state, matchers, starts, ends, created_by, comment, seen)"
			  " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)"
			  " ON CONFLICT(plugin, id) DO UPDATE SET state = excluded.state, matchers = excluded.matchers, starts = excluded.starts, ends = excluded.ends, created_by = excluded.created_by, comment = excluded.comment, seen = excluded.seen",
			  e) != 0) {
		free(mt);
		return -1;
	}
	db_bind_text(s, 1, m->plugin, -1, DB_STATIC);
	db_bind_text(s, 2, r->id, -1, DB_STATIC);
	db_bind_text(s, 3, r->state, -1, DB_STATIC);
	db_bind_text(s, 4, mt, -1, DB_STATIC);
	db_bind_int64(s, 5, r->starts);
	db_bind_int64(s, 6, r->ends);
	db_bind_text(s, 7, r->created_by ? r->created_by : "", -1, DB_STATIC);
	db_bind_text(s, 8, r->comment ? r->comment : "", -1, DB_STATIC);
	db_bind_int64(s, 9, m->seen);
	rc = db_step(s);
	db_finalize(s);
	free(mt);
	m->alerts_seen = 1;
	return rc == DB_DONE ? 0 : store_fail(m->st, e, "writing a silence");
}


/* ---- after a sync ---- */

static int monitor_run(struct store *st, const char *sql, const char *t1, int64_t i2, int64_t i3, struct err *e)
{
	struct db_stmt *s;
	int rc;

	if (store_prepare(st, &s, sql, e) != 0)
		return -1;
	if (t1 != NULL)
		db_bind_text(s, 1, t1, -1, DB_STATIC);
	db_bind_int64(s, 2, i2);
	db_bind_int64(s, 3, i3);
	rc = db_step(s);
	db_finalize(s);
	return rc == DB_DONE ? 0 : store_fail(st, e, "updating the monitoring cache");
}

int monitor_load_hist(struct store *st, int64_t vid, const char *feature, const char *win,
			     struct monitor_hist *h)
{
	struct db_stmt *s;
	struct err e;
	int ok = 0;

	if (store_prepare(st, &s,
			  "SELECT buckets, t_from, t_to FROM histograms WHERE version_id = ?1 AND feature = ?2 AND win = ?3",
			  &e) != 0)
		return 0;
	db_bind_int64(s, 1, vid);
	db_bind_text(s, 2, feature, -1, DB_STATIC);
	db_bind_text(s, 3, win, -1, DB_STATIC);
	if (db_step(s) == DB_ROW && monitor_hist_parse((const char *)db_column_text(s, 0), h) == 0) {
		h->from = db_column_int64(s, 1);
		h->to = db_column_int64(s, 2);
		ok = 1;
	}
	db_finalize(s);
	return ok;
}

static int monitor_value_put(struct store *st, int64_t vid, const char *kind, const char *name, double v,
			     int64_t now, struct err *e)
{
	struct db_stmt *s;
	int rc;

	if (store_prepare(st, &s,
			  "INSERT INTO monitor_values(version_id, kind, name, value, observed)"
			  " VALUES (?1, ?2, ?3, ?4, ?5)"
			  " ON CONFLICT(version_id, kind, name) DO UPDATE SET value = excluded.value, observed = excluded.observed",
			  e) != 0)
		return -1;
	db_bind_int64(s, 1, vid);
	db_bind_text(s, 2, kind, -1, DB_STATIC);
	db_bind_text(s, 3, name, -1, DB_STATIC);
	db_bind_double(s, 4, v);
	db_bind_int64(s, 5, now);
	rc = db_step(s);
	db_finalize(s);
	return rc == DB_DONE ? 0 : store_fail(st, e, "writing monitoring values");
}

/* Drift of each feature of a version whose two windows are both held:
 * PSI under the feature's name, KS under "FEATURE.ks", and the worst PSI
 * as one more point of the drift_psi series. */
static int monitor_drift(struct monitor_sync *m, int64_t vid, struct err *e)
{
	struct db_stmt *s;
	char feats[8][65];
	size_t nf = 0, i;
	double worst = NAN;

	if (store_prepare(m->st, &s, "SELECT DISTINCT feature FROM histograms WHERE version_id = ?1 ORDER BY feature", e) !=
	    0)
		return -1;
	db_bind_int64(s, 1, vid);
	while (nf < 8 && db_step(s) == DB_ROW)
		store_text_copy(feats[nf++], sizeof feats[0], s, 0);
	db_finalize(s);
	for (i = 0; i < nf; i++) {
		struct monitor_hist ref, cur;
		double psi, ks;
		char name[80];
		struct err de;

		if (!monitor_load_hist(m->st, vid, feats[i], "reference", &ref) ||
		    !monitor_load_hist(m->st, vid, feats[i], "current", &cur))
			continue;
		/* Windows that cannot be compared leave no drift value: "no data", never "fine". */
		if (monitor_psi(&ref, &cur, &psi, &de) != 0 || monitor_ks(&ref, &cur, &ks, &de) != 0)
			continue;
		snprintf(name, sizeof name, "%.64s.ks", feats[i]);
		if (monitor_value_put(m->st, vid, "drift", feats[i], psi, m->now, e) != 0 ||
		    monitor_value_put(m->st, vid, "drift", name, ks, m->now, e) != 0)
			return -1;
		if (isnan(worst) || psi > worst)
			worst = psi;
	}
	if (!isnan(worst)) {
		struct db_stmt *w;
		int rc;

		if (store_prepare(m->st, &w,
				  "INSERT INTO series(version_id, signal, t, value) VALUES (?1, 'drift_psi', ?2, ?3)"
				  " ON CONFLICT(version_id, signal, t) DO UPDATE SET value = excluded.value",
				  e) != 0)
			return -1;
		db_bind_int64(w, 1, vid);
		db_bind_int64(w, 2, m->now);
		db_bind_double(w, 3, worst);
		rc = db_step(w);
		db_finalize(w);
		if (rc != DB_DONE)
			return store_fail(m->st, e, "writing drift");
		if (monitor_run(m->st,
				"INSERT INTO series_meta(version_id, signal, plugin, step, last) VALUES (?2, 'drift_psi', ?1, 60, ?3)"
				" ON CONFLICT(version_id, signal) DO UPDATE SET last = max(series_meta.last, excluded.last)",
				m->plugin, vid, m->now, e) != 0)
			return -1;
	}
	return 0;
}

/* Sparklines are stored as MONITOR_SPARK little-endian IEEE floats (NaN
 * for a gap): a view of a thousand rows reads five thousand of them, and
 * parsing text was most of its opening time. */
void monitor_spark_pack(const double v[MONITOR_SPARK], unsigned char out[MONITOR_SPARK * 4])
{
	int i, b;

	for (i = 0; i < MONITOR_SPARK; i++) {
		float f = (float)v[i];
		uint32_t u;

		memcpy(&u, &f, sizeof u);
		for (b = 0; b < 4; b++)
			out[i * 4 + b] = (unsigned char)(u >> (8 * b));
	}
}

size_t monitor_spark_unpack(const void *blob, size_t len, double out[MONITOR_SPARK])
{
	const unsigned char *p = blob;
	size_t i;

	if (blob == NULL || len != MONITOR_SPARK * 4)
		return 0;
	for (i = 0; i < MONITOR_SPARK; i++) {
		uint32_t u = (uint32_t)p[i * 4] | (uint32_t)p[i * 4 + 1] << 8 | (uint32_t)p[i * 4 + 2] << 16 |
			     (uint32_t)p[i * 4 + 3] << 24;
		float f;

		memcpy(&f, &u, sizeof f);
		out[i] = f;
	}
	return MONITOR_SPARK;
}

/* The newest numeric value and MONITOR_SPARK hourly means of one series
 * (the last hour still filling), kept beside it so a view of a thousand
 * rows reads one row each. Within the same hour only the last bucket is
 * read again: a sync every minute does not reread the whole day. */
static int monitor_spark_update(struct store *st, int64_t vid, const char *signal, int64_t now, struct err *e)
{
	const int64_t width = MONITOR_WINDOW / MONITOR_SPARK;
	int64_t anchor = now / width * width - (MONITOR_SPARK - 1) * width, from = anchor, at = 0;
	double sum[MONITOR_SPARK] = { 0 }, cur = NAN, kept[MONITOR_SPARK], mean[MONITOR_SPARK];
	int cnt[MONITOR_SPARK] = { 0 }, rc, i, have_kept = 0;
	struct db_stmt *s;
	unsigned char packed[MONITOR_SPARK * 4];

	if (store_prepare(st, &s, "SELECT spark, spark_at, current FROM series_meta WHERE version_id = ?1 AND signal = ?2",
			  e) != 0)
		return -1;
	db_bind_int64(s, 1, vid);
	db_bind_text(s, 2, signal, -1, DB_STATIC);
	if (db_step(s) == DB_ROW) {
		at = db_column_int64(s, 1);
		if (at / width == now / width && at > 0 &&
		    monitor_spark_unpack(db_column_blob(s, 0), (size_t)db_column_bytes(s, 0), kept) ==
			    MONITOR_SPARK) {
			have_kept = 1;
			from = anchor + (MONITOR_SPARK - 1) * width;
			if (db_column_type(s, 2) != DB_NULL)
				cur = db_column_double(s, 2);
		}
	}
	db_finalize(s);
	if (store_prepare(st, &s,
			  "SELECT t, value FROM series WHERE version_id = ?1 AND signal = ?2 AND t >= ?3 AND t <= ?4 ORDER BY t",
			  e) != 0)
		return -1;
	db_bind_int64(s, 1, vid);
	db_bind_text(s, 2, signal, -1, DB_STATIC);
	db_bind_int64(s, 3, from);
	db_bind_int64(s, 4, now);
	while ((rc = db_step(s)) == DB_ROW) {
		int64_t t = db_column_int64(s, 0);
		int b = (int)((t - anchor) / width);
		double v;

		if (db_column_type(s, 1) == DB_NULL)
			continue;
		v = db_column_double(s, 1);
		cur = v;
		if (!isfinite(v) || b < 0 || b >= MONITOR_SPARK)
			continue;
		sum[b] += v;
		cnt[b]++;
	}
	db_finalize(s);
	if (rc != DB_DONE)
		return store_fail(st, e, "reading a series");
	for (i = 0; i < MONITOR_SPARK; i++)
		mean[i] = have_kept && i < MONITOR_SPARK - 1 ? kept[i] : cnt[i] ? sum[i] / cnt[i] : NAN;
	monitor_spark_pack(mean, packed);
	if (store_prepare(st, &s,
			  "UPDATE series_meta SET spark = ?3, current = ?4, spark_at = ?5 WHERE version_id = ?1 AND signal = ?2",
			  e) != 0)
		return -1;
	db_bind_int64(s, 1, vid);
	db_bind_text(s, 2, signal, -1, DB_STATIC);
	db_bind_blob(s, 3, packed, sizeof packed, DB_STATIC);
	if (isfinite(cur))
		db_bind_double(s, 4, cur);
	else
		db_bind_null(s, 4);
	db_bind_int64(s, 5, now);
	rc = db_step(s);
	db_finalize(s);
	return rc == DB_DONE ? 0 : store_fail(st, e, "writing a sparkline");
}

/* Signs body as who and keeps it as the model's observation of kind. */
static int monitor_attest(struct store *st, const struct principal *who, int64_t mid, const char *model,
			  const char *kind, json_t *body, int64_t now, struct err *e)
{
	char sig[200], *txt;
	struct db_stmt *s;
	int rc;

	if (json_object_set_new(body, "model", json_string(model)) != 0 ||
	    json_object_set_new(body, "actor", json_string(who->name)) != 0 ||
	    json_object_set_new(body, "key", json_string(who->key_id)) != 0 ||
	    json_object_set_new(body, "observed", json_integer(now)) != 0)
		return err_set(e, ERR_IO, "out of memory");
	txt = json_dumps(body, JSON_COMPACT | JSON_SORT_KEYS | JSON_ENSURE_ASCII);
	if (txt == NULL)
		return err_set(e, ERR_IO, "out of memory");
	proven_sign_entry(who->key, txt, strlen(txt), sig, sizeof sig);
	if (sig[0] == '\0' ||
	    store_prepare(st, &s, "INSERT INTO monitor_attest(model_id, kind, observed, body, sig) VALUES (?1, ?2, ?3, ?4, ?5)"
			  " ON CONFLICT(model_id, kind) DO UPDATE SET observed = excluded.observed, body = excluded.body, sig = excluded.sig",
			  e) != 0) {
		free(txt);
		return sig[0] == '\0' ? err_set(e, ERR_IO, "cannot sign the observation") : -1;
	}
	db_bind_int64(s, 1, mid);
	db_bind_text(s, 2, kind, -1, DB_STATIC);
	db_bind_int64(s, 3, now);
	db_bind_text(s, 4, txt, -1, DB_STATIC);
	db_bind_text(s, 5, sig, -1, DB_STATIC);
	rc = db_step(s);
	db_finalize(s);
	free(txt);
	return rc == DB_DONE ? 0 : store_fail(st, e, "writing an observation");
}

/* The gate's view of one model's deployed versions: live and drift values. */
static json_t *monitor_observation(struct store *st, int64_t mid, struct err *e)
{
	json_t *o = json_pack("{s:s, s:o}", "action", "monitor.observe", "versions", json_object());
	struct db_stmt *s;
	int rc;

	if (o == NULL) {
		err_set(e, ERR_IO, "out of memory");
		return NULL;
	}
	if (store_prepare(st, &s,
			  "SELECT v.version, 'live', sm.signal, sm.current FROM series_meta sm JOIN versions v ON v.id = sm.version_id"
			  " WHERE v.model_id = ?1 AND sm.current IS NOT NULL"
			  " UNION ALL SELECT v.version, 'drift', mv.name, mv.value FROM monitor_values mv"
			  " JOIN versions v ON v.id = mv.version_id WHERE v.model_id = ?1 AND mv.kind = 'drift'"
			  " ORDER BY 1, 2, 3",
			  e) != 0) {
		json_decref(o);
		return NULL;
	}
	db_bind_int64(s, 1, mid);
	while ((rc = db_step(s)) == DB_ROW) {
		char ver[24];
		json_t *vs = json_object_get(o, "versions"), *v, *k;
		double x = db_column_double(s, 3);

		if (!isfinite(x))
			continue;
		snprintf(ver, sizeof ver, "%" PRId64, (int64_t)db_column_int64(s, 0));
		v = json_object_get(vs, ver);
		if (v == NULL && (json_object_set_new(vs, ver, json_pack("{s:{}, s:{}}", "live", "drift")) != 0 ||
				  (v = json_object_get(vs, ver)) == NULL))
			break;
		k = json_object_get(v, (const char *)db_column_text(s, 1));
		if (json_object_set_new(k, (const char *)db_column_text(s, 2), json_real(x)) != 0)
			break;
	}
	db_finalize(s);
	if (rc != DB_DONE) {
		json_decref(o);
		store_fail(st, e, "reading monitoring values");
		return NULL;
	}
	return o;
}

/* The alerts firing for a model: [[name, severity, version], ...]. */
static json_t *monitor_firing(struct store *st, int64_t mid, struct err *e)
{
	json_t *o = json_pack("{s:s, s:[]}", "action", "alerts.observe", "firing");
	struct db_stmt *s;
	int rc;

	if (o == NULL) {
		err_set(e, ERR_IO, "out of memory");
		return NULL;
	}
	if (store_prepare(st, &s,
			  "SELECT name, severity, version FROM alerts WHERE model_id = ?1 AND state <> 'suppressed'"
			  " ORDER BY name, severity, version, fingerprint",
			  e) != 0) {
		json_decref(o);
		return NULL;
	}
	db_bind_int64(s, 1, mid);
	while ((rc = db_step(s)) == DB_ROW)
		if (json_array_append_new(json_object_get(o, "firing"),
					  json_pack("[s, s, I]", (const char *)db_column_text(s, 0),
						    (const char *)db_column_text(s, 1),
						    (json_int_t)db_column_int64(s, 2))) != 0)
			break;
	db_finalize(s);
	if (rc != DB_DONE) {
		json_decref(o);
		store_fail(st, e, "reading alerts");
		return NULL;
	}
	return o;
}

static int monitor_touched_cmp(const void *a, const void *b)
{
	const struct monitor_touched *x = a, *y = b;

	if (x->vid != y->vid)
		return x->vid < y->vid ? -1 : 1;
	return strcmp(x->signal, y->signal);
}

static const char *monitor_model_name(struct store *st, int64_t mid, char *buf, size_t n)
{
	struct db_stmt *s;
	struct err e;

	buf[0] = '\0';
	if (store_prepare(st, &s, "SELECT name FROM models WHERE id = ?1", &e) != 0)
		return buf;
	db_bind_int64(s, 1, mid);
	if (db_step(s) == DB_ROW)
		store_text_copy(buf, n, s, 0);
	db_finalize(s);
	return buf;
}

int monitor_sync_end(struct monitor_sync *m, const struct principal *who, struct err *e)
{
	char name[256];
	struct db_stmt *s, *prune = NULL;
	size_t i;
	int rc;

	if (monitor_flush(m, !store_in_transaction(m->st), e) != 0)
		return -1;
	if (m->alerts_seen || (m->caps & STEWARD_CAP_ALERTS)) {
		if (monitor_acts_since(m, e) != 0)
			return -1;
		/* The source's whole set arrived: what it no longer has is gone. */
		if (monitor_run(m->st, "DELETE FROM alerts WHERE plugin = ?1 AND seen <> ?2", m->plugin, m->seen, 0, e) != 0 ||
		    monitor_run(m->st, "DELETE FROM silences WHERE plugin = ?1 AND seen <> ?2", m->plugin, m->seen, 0, e) !=
			    0 ||
		    monitor_run(m->st,
				"INSERT INTO alert_sync(model_id, synced) SELECT id, ?2 FROM models WHERE CAST(?1 AS TEXT) IS NOT NULL"
				" ON CONFLICT(model_id) DO UPDATE SET synced = excluded.synced",
				m->plugin, m->now, 0, e) != 0)
			return -1;
	}
	/* An alert source hands no series: tv is still NULL, which qsort may not be given. */
	if (m->ntv > 1)
		qsort(m->tv, m->ntv, sizeof *m->tv, monitor_touched_cmp);
	for (i = 0; i < m->ntv; i++) {
		if (i > 0 && m->tv[i].vid == m->tv[i - 1].vid && strcmp(m->tv[i].signal, m->tv[i - 1].signal) == 0)
			continue;
		/* Histograms sort first: drift adds its point before the sparklines are drawn. */
		if (m->tv[i].signal[0] == '\0') {
			if (monitor_drift(m, m->tv[i].vid, e) != 0 ||
			    monitor_spark_update(m->st, m->tv[i].vid, "drift_psi", m->now, e) != 0)
				return -1;
			continue;
		}
		if (strcmp(m->tv[i].signal, "drift_psi") != 0 &&
		    monitor_spark_update(m->st, m->tv[i].vid, m->tv[i].signal, m->now, e) != 0)
			return -1;
		/* What the views no longer show leaves the cache (a range of the key, not a scan). */
		if (prune == NULL &&
		    store_prepare(m->st, &prune, "DELETE FROM series WHERE version_id = ?1 AND signal = ?2 AND t < ?3", e) != 0)
			return -1;
		db_reset(prune);
		db_bind_int64(prune, 1, m->tv[i].vid);
		db_bind_text(prune, 2, m->tv[i].signal, -1, DB_STATIC);
		db_bind_int64(prune, 3, m->now - MONITOR_RETAIN);
		if (db_step(prune) != DB_DONE) {
			db_finalize(prune);
			return store_fail(m->st, e, "pruning the series cache");
		}
	}
	db_finalize(prune);
	if (who == NULL || who->key == NULL)
		return 0;
	for (i = 0; i < m->ntouched; i++) {
		json_t *o = monitor_observation(m->st, m->touched[i], e);

		if (o == NULL)
			return -1;
		json_object_set_new(o, "plugin", json_string(m->plugin));
		rc = monitor_attest(m->st, who, m->touched[i], monitor_model_name(m->st, m->touched[i], name, sizeof name),
				    "monitor", o, m->now, e);
		json_decref(o);
		if (rc != 0)
			return -1;
	}
	if (m->alerts_seen || (m->caps & STEWARD_CAP_ALERTS)) {
		int64_t *ids = NULL;
		size_t n = 0;

		if (store_prepare(m->st, &s, "SELECT id FROM models ORDER BY id", e) != 0)
			return -1;
		while ((rc = db_step(s)) == DB_ROW) {
			int64_t *ni = realloc(ids, (n + 1) * sizeof *ids);

			if (ni == NULL)
				break;
			ids = ni;
			ids[n++] = db_column_int64(s, 0);
		}
		db_finalize(s);
		if (rc != DB_DONE) {
			free(ids);
			return rc == DB_ROW ? err_set(e, ERR_IO, "out of memory") : store_fail(m->st, e, "reading models");
		}
		for (i = 0; i < n; i++) {
			json_t *o = monitor_firing(m->st, ids[i], e);

			if (o == NULL) {
				free(ids);
				return -1;
			}
			json_object_set_new(o, "plugin", json_string(m->plugin));
			rc = monitor_attest(m->st, who, ids[i], monitor_model_name(m->st, ids[i], name, sizeof name), "alerts", o,
					    m->now, e);
			json_decref(o);
			if (rc != 0) {
				free(ids);
				return -1;
			}
		}
		free(ids);
	}
	return 0;
}

/* ---- what the gate reads ---- */

static void monitor_age_text(int64_t secs, char *buf, size_t n)
{
	if (secs >= 2 * 86400)
		snprintf(buf, n, "%" PRId64 " d", secs / 86400);
	else if (secs >= 2 * 3600)
		snprintf(buf, n, "%" PRId64 " h", secs / 3600);
	else
		snprintf(buf, n, "%" PRId64 " min", secs / 60);
}

int monitor_gate_evidence(struct store *st, const char *model, int64_t version, int64_t now,
			  struct monitor_evidence *out, struct err *e)
{
	const struct proven_keyring *kr = NULL;
	struct db_stmt *s;
	char ver[24];
	int rc;

	memset(out, 0, sizeof *out);
	snprintf(ver, sizeof ver, "%" PRId64, version);
	if (store_stmt(st, &s,
			  "SELECT a.kind, a.body, a.sig FROM monitor_attest a JOIN models m ON m.id = a.model_id"
			  " WHERE m.name = ?1 ORDER BY a.kind",
			  e) != 0)
		return -1;
	db_bind_text(s, 1, model, -1, DB_STATIC);
	while ((rc = db_step(s)) == DB_ROW) {
		const char *kind = (const char *)db_column_text(s, 0), *body = (const char *)db_column_text(s, 1),
			   *sig = (const char *)db_column_text(s, 2);
		int alerts = strcmp(kind, "alerts") == 0;
		json_t *j = json_loads(body, 0, NULL);
		char why[300] = "", age[32];
		int64_t observed;

		if (kr == NULL && proven_keyring_load(st, &kr, e) != 0) {
			json_decref(j);
			store_stmt_done(st, s);
			return -1;
		}
		/* Signed with a key revoked since: no longer counts, as a stale one, but is not a forgery. */
		{
			const char *kid = json_string_value(json_object_get(j, "key"));
			size_t k;

			for (k = 0; kid != NULL && k < kr->nk; k++)
				if (strcmp(kr->k[k].id, kid) == 0 && !proven_key_active(&kr->k[k], kr->version)) {
					snprintf(alerts ? out->alerts_why : out->why, sizeof out->why,
						 "the newest %s data was signed with key %.16s, revoked since",
						 alerts ? "alert" : "monitoring", kid);
					break;
				}
			if (kid != NULL && k < kr->nk) {
				json_decref(j);
				continue;
			}
		}
		/* The body names its model and kind: a row moved to another model or kind does not verify. */
		if (j == NULL || !json_is_string(json_object_get(j, "model")) ||
		    strcmp(json_string_value(json_object_get(j, "model")), model) != 0 ||
		    !json_is_string(json_object_get(j, "action")) ||
		    strcmp(json_string_value(json_object_get(j, "action")), alerts ? "alerts.observe" : "monitor.observe") != 0 ||
		    proven_check_entry(kr, kr->version, j, body, strlen(body), sig, why, sizeof why) != 0) {
			json_decref(j);
			store_stmt_done(st, s);
			return err_set(e, ERR_DENIED, "the %s observation of %s does not verify (%s): the store was changed outside steward",
				       alerts ? "alert" : "monitoring", model, why[0] ? why : "not the signed text");
		}
		observed = json_integer_value(json_object_get(j, "observed"));
		if (now - observed > MONITOR_MAX_AGE) {
			monitor_age_text(now - observed, age, sizeof age);
			snprintf(alerts ? out->alerts_why : out->why, sizeof out->why,
				 "the newest %s data is %s old (a gate uses data up to %d h old)", alerts ? "alert" : "monitoring",
				 age, MONITOR_MAX_AGE / 3600);
			json_decref(j);
			continue;
		}
		if (alerts) {
			json_t *f;
			size_t i;

			out->has_alerts = 1;
			out->alerts_observed = observed;
			snprintf(out->alerts_signer, sizeof out->alerts_signer, "%s",
				 json_string_value(json_object_get(j, "actor")));
			json_array_foreach(json_object_get(j, "firing"), i, f) {
				int64_t av = json_integer_value(json_array_get(f, 2));

				/* An alert about another version of the model is that version's. */
				if ((av != 0 && av != version) || out->nalerts == sizeof out->alerts / sizeof out->alerts[0])
					continue;
				snprintf(out->alerts[out->nalerts].name, sizeof out->alerts[0].name, "%s",
					 json_string_value(json_array_get(f, 0)) ? json_string_value(json_array_get(f, 0)) : "?");
				out->alerts[out->nalerts++].value =
					policy_severity(json_string_value(json_array_get(f, 1)) ? json_string_value(json_array_get(f, 1)) : "");
			}
		} else {
			json_t *v = json_object_get(json_object_get(j, "versions"), ver), *x;
			const char *k;

			if (v == NULL) {
				json_decref(j);
				continue;
			}
			out->has_monitor = 1;
			out->observed = observed;
			snprintf(out->signer, sizeof out->signer, "%s", json_string_value(json_object_get(j, "actor")));
			json_object_foreach(json_object_get(v, "live"), k, x) if (out->nlive < sizeof out->live / sizeof out->live[0])
			{
				snprintf(out->live[out->nlive].name, sizeof out->live[0].name, "%s", k);
				out->live[out->nlive++].value = json_number_value(x);
			}
			json_object_foreach(json_object_get(v, "drift"), k, x) if (out->ndrift < sizeof out->drift / sizeof out->drift[0])
			{
				snprintf(out->drift[out->ndrift].name, sizeof out->drift[0].name, "%s", k);
				out->drift[out->ndrift++].value = json_number_value(x);
			}
		}
		json_decref(j);
	}
	store_stmt_done(st, s);
	if (rc != DB_DONE)
		return store_fail(st, e, "reading monitoring observations");
	return 0;
}
