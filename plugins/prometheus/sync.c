/* sync: the Prometheus plugin's sync: for every monitored version, each signal's query_range since the newest point the core holds, and the score histogram of the drift reference and of the current window, all in parallel, handed to the core as they arrive. */
#include "plugins/prometheus/prom.h"

/* Kinds of query besides the signals (whose kind is their index in p->sig). */
enum { PK_FIRST = 1000, PK_REF, PK_CUR };

struct prom_target {
	char *model, *alias;
	int64_t version, production_since;
	int64_t ref_from, ref_to;
};

struct prom_sync {
	struct prom *p;
	const struct steward_sink *sink;
	struct prom_target *t;
	size_t nt, cap;
	int oom;
	int64_t from, to, step, window;
	long done, total;
	int fatal;
	char err[900];
};

static void prom_fail(struct prom_sync *s, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* The first fault ends the sync: the rest of its transfers are dropped. */
static void prom_fail(struct prom_sync *s, const char *fmt, ...)
{
	va_list ap;

	if (s->fatal)
		return;
	va_start(ap, fmt);
	vsnprintf(s->err, sizeof s->err, fmt, ap);
	va_end(ap);
	s->fatal = 1;
	s->p->stop = 1;
}

static void prom_target_fn(void *arg, const struct steward_target *t)
{
	struct prom_sync *s = arg;
	struct prom_target *n;
	size_t i;

	if (s->oom || t->model == NULL)
		return;
	/* A version two aliases point at is one version to watch. */
	for (i = 0; i < s->nt; i++)
		if (s->t[i].version == t->version && strcmp(s->t[i].model, t->model) == 0) {
			if (t->production_since > 0 && s->t[i].production_since == 0)
				s->t[i].production_since = t->production_since;
			return;
		}
	if (s->nt == s->cap) {
		size_t cap = s->cap ? s->cap * 2 : 64;

		n = realloc(s->t, cap * sizeof *n);
		if (n == NULL) {
			s->oom = 1;
			return;
		}
		s->t = n;
		s->cap = cap;
	}
	n = &s->t[s->nt];
	memset(n, 0, sizeof *n);
	n->model = strdup(t->model);
	n->alias = strdup(t->alias != NULL ? t->alias : "");
	if (n->model == NULL || n->alias == NULL) {
		free(n->model);
		free(n->alias);
		s->oom = 1;
		return;
	}
	n->version = t->version;
	n->production_since = t->production_since;
	s->nt++;
}

/* ---- what each answer hands to the core ---- */

static void prom_counted(struct prom_sync *s)
{
	s->done++;
	s->sink->progress(s->sink->ctx, "queries", s->done, s->total);
}

static void prom_series_done(struct prom *p, struct prom_xfer *x)
{
	struct prom_sync *s = x->owner;
	struct prom_target *t = &s->t[x->index];
	char why[700];
	json_t *data = prom_answer(p, x, s->err, sizeof s->err);
	struct steward_series_rec r = { .model = t->model, .version = t->version, .step = s->step };
	int64_t *tm;
	double *v;

	prom_counted(s);
	if (data == NULL) {
		s->fatal = 1;
		p->stop = 1;
		return;
	}
	if (prom_matrix(data, &tm, &v, &r.n, why, sizeof why) != 0) {
		json_decref(data);
		prom_fail(s, "%s: %s: %s", p->url, x->what, why);
		return;
	}
	json_decref(data);
	if (r.n > 0) {
		r.signal = p->sig[x->kind].name;
		r.time = tm;
		r.value = v;
		if (s->sink->series(s->sink->ctx, &r) != 0)
			prom_fail(s, "series %s of %s v%" PRId64 " refused: %s", r.signal, t->model, t->version,
				  s->sink->message(s->sink->ctx));
	}
	free(tm);
	free(v);
}

static void prom_hist_done(struct prom *p, struct prom_xfer *x)
{
	struct prom_sync *s = x->owner;
	struct prom_target *t = &s->t[x->index];
	char why[700];
	json_t *data = prom_answer(p, x, s->err, sizeof s->err);
	struct steward_histogram_rec r = { .model = t->model, .version = t->version, .feature = p->feature };
	double *le, *count;

	prom_counted(s);
	if (data == NULL) {
		s->fatal = 1;
		p->stop = 1;
		return;
	}
	if (prom_buckets(data, &le, &count, &r.n, why, sizeof why) != 0) {
		json_decref(data);
		prom_fail(s, "%s: %s: %s", p->url, x->what, why);
		return;
	}
	json_decref(data);
	/* No buckets, only +Inf, or nothing observed: no distribution to compare. */
	if (r.n >= 2 && count[r.n - 1] > 0) {
		r.window = x->kind == PK_REF ? "reference" : "current";
		r.from = x->kind == PK_REF ? t->ref_from : s->to - s->window;
		r.to = x->kind == PK_REF ? t->ref_to : s->to;
		r.le = le;
		r.count = count;
		if (s->sink->histogram(s->sink->ctx, &r) != 0)
			prom_fail(s, "the %s score histogram of %s v%" PRId64 " refused: %s", r.window, t->model,
				  t->version, s->sink->message(s->sink->ctx));
	}
	free(le);
	free(count);
}

static void prom_queue(struct prom_sync *s, size_t i, int kind, const char *api, const char *query,
		       const char *params, const char *what, prom_done_fn done)
{
	char *path;
	struct prom_xfer *x;

	if (s->fatal)
		return;
	path = prom_query_path(api, query, params);
	x = path != NULL ? prom_xfer_new(path, what, done, s, i, kind) : NULL;
	free(path);
	if (x == NULL) {
		prom_fail(s, "out of memory");
		return;
	}
	prom_submit(s->p, x);
	s->total++;
}

/* The reference: its first PROM_REFERENCE seconds, cut at now. */
static void prom_queue_reference(struct prom_sync *s, size_t i)
{
	struct prom_target *t = &s->t[i];
	char params[64], what[300], *q;

	t->ref_to = t->ref_from + PROM_REFERENCE < s->to ? t->ref_from + PROM_REFERENCE : s->to;
	/* Under a step of history says nothing yet. */
	if (t->ref_to - t->ref_from < s->step)
		return;
	q = prom_drift_query(s->p->score, s->p->selector, t->ref_to - t->ref_from);
	if (q == NULL) {
		prom_fail(s, "out of memory");
		return;
	}
	snprintf(params, sizeof params, "time=%" PRId64, t->ref_to);
	snprintf(what, sizeof what, "the reference score histogram of %.100s v%" PRId64, t->model, t->version);
	{
		char *e = prom_expand(q, t->model, t->version, t->alias);

		if (e == NULL)
			prom_fail(s, "out of memory");
		else
			prom_queue(s, i, PK_REF, "/api/v1/query", e, params, what, prom_hist_done);
		free(e);
	}
	free(q);
}

static void prom_first_done(struct prom *p, struct prom_xfer *x)
{
	struct prom_sync *s = x->owner;
	struct prom_target *t = &s->t[x->index];
	char why[700];
	json_t *data = prom_answer(p, x, s->err, sizeof s->err);
	double first;

	prom_counted(s);
	if (data == NULL) {
		s->fatal = 1;
		p->stop = 1;
		return;
	}
	if (prom_scalar(data, &first, why, sizeof why) != 0) {
		json_decref(data);
		prom_fail(s, "%s: %s: %s", p->url, x->what, why);
		return;
	}
	json_decref(data);
	/* NaN: the version has no score data at all. */
	if (!(first > 0 && first < (double)s->to))
		return;
	t->ref_from = (int64_t)first;
	prom_queue_reference(s, x->index);
}

/* ---- the queries of one version ---- */

static void prom_queue_target(struct prom_sync *s, size_t i)
{
	struct prom *p = s->p;
	struct prom_target *t = &s->t[i];
	char params[128], what[300];
	size_t k;

	for (k = 0; k < p->nsig && !s->fatal; k++) {
		int64_t start;
		char *q;

		if (p->sig[k].tmpl[0] == '\0')
			continue; /* turned off */
		start = s->sink->series_last(s->sink->ctx, t->model, t->version, p->sig[k].name);
		/* Only what came after the newest point held, that point again
		 * included; on the step grid, so points land where the cache has them. */
		if (start < s->from)
			start = s->from;
		if (start > s->to)
			start = s->to;
		start -= start % s->step;
		q = prom_expand(p->sig[k].tmpl, t->model, t->version, t->alias);
		if (q == NULL) {
			prom_fail(s, "out of memory");
			return;
		}
		snprintf(params, sizeof params, "start=%" PRId64 "&end=%" PRId64 "&step=%" PRId64, start, s->to,
			 s->step);
		snprintf(what, sizeof what, "query_range %s of %.100s v%" PRId64, p->sig[k].name, t->model, t->version);
		prom_queue(s, i, (int)k, "/api/v1/query_range", q, params, what, prom_series_done);
		free(q);
	}
	if (p->score == NULL || s->fatal)
		return;
	{
		char *q = prom_drift_query(p->score, p->selector, s->window), *e;

		e = q != NULL ? prom_expand(q, t->model, t->version, t->alias) : NULL;
		free(q);
		if (e == NULL) {
			prom_fail(s, "out of memory");
			return;
		}
		snprintf(params, sizeof params, "time=%" PRId64, s->to);
		snprintf(what, sizeof what, "the current score histogram of %.100s v%" PRId64, t->model, t->version);
		prom_queue(s, i, PK_CUR, "/api/v1/query", e, params, what, prom_hist_done);
		free(e);
	}
	/* The reference starts when the version became production, else (a
	 * version never in production: staging, a shadow) at its first score
	 * sample, which may well precede its alias. */
	t->ref_from = t->production_since;
	if (t->ref_from > 0 && t->ref_from < s->to) {
		prom_queue_reference(s, i);
	} else {
		char *q = prom_first_query(p->score, p->selector), *e;

		e = q != NULL ? prom_expand(q, t->model, t->version, t->alias) : NULL;
		free(q);
		if (e == NULL) {
			prom_fail(s, "out of memory");
			return;
		}
		snprintf(params, sizeof params, "time=%" PRId64, s->to);
		snprintf(what, sizeof what, "the first score sample of %.100s v%" PRId64, t->model, t->version);
		prom_queue(s, i, PK_FIRST, "/api/v1/query", e, params, what, prom_first_done);
		free(e);
	}
}

int prom_sync_run(struct prom *p, const struct steward_sink *sink, char *err, size_t errn)
{
	struct prom_sync s = { .p = p, .sink = sink };
	int64_t hstep = 0;
	size_t i;
	int rc = -1;

	sink->window(sink->ctx, &s.from, &s.to, &hstep);
	s.window = p->window > 0 ? p->window : s.to - s.from > 0 ? s.to - s.from : 86400;
	s.from = s.to - s.window;
	/* About 1440 points over the window: a minute over a day. */
	s.step = p->step > 0 ? p->step : hstep > 0 ? hstep : (s.window + 1439) / 1440;
	if (s.window / s.step > PROM_MAX_POINTS)
		return prom_err(err, errn, "a step of %" PRId64 " s over a window of %" PRId64
				" s asks for more than the %d points per series Prometheus answers; raise step",
				s.step, s.window, PROM_MAX_POINTS);
	if (sink->targets(sink->ctx, prom_target_fn, &s) != 0) {
		prom_err(err, errn, "the versions to monitor could not be read: %s", sink->message(sink->ctx));
		goto out;
	}
	if (s.oom) {
		prom_err(err, errn, "out of memory");
		goto out;
	}
	p->sink = sink;
	p->stop = 0;
	for (i = 0; i < s.nt && !s.fatal; i++)
		prom_queue_target(&s, i);
	if (!s.fatal && prom_drive(p, err, errn) == 0 && !s.fatal)
		rc = 0;
	else if (s.fatal)
		snprintf(err, errn, "%s", s.err);
	p->sink = NULL;
	prom_abort(p);
out:
	for (i = 0; i < s.nt; i++) {
		free(s.t[i].model);
		free(s.t[i].alias);
	}
	free(s.t);
	return rc;
}
