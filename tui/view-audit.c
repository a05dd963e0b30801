/* view-audit: the audit trail newest first (time, actor, action, model, version), the whole ledger or scoped to the model or version it was opened from, paged from the store and filtered on a worker thread of its own; w widens and narrows. */
#include <inttypes.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "action.h"
#include "app.h"
#include "draw.h"
#include "explain.h"
#include "ledger-page.h"

enum { AUDIT_SEQ, AUDIT_TIME, AUDIT_ACTOR, AUDIT_ACTION, AUDIT_SUBJECT, AUDIT_VERSION, AUDIT_NCOLS };

/* Sized for 80 columns: the action whole (request.supersede is the
 * longest), the model or other subject taking the slack. The time drops
 * its seconds here; the entry shows it exactly. */
static const struct list_col view_audit_cols[AUDIT_NCOLS] = {
	[AUDIT_SEQ] = {.title = "SEQ", .width = 8, .right = 1},
	[AUDIT_TIME] = {.title = "TIME (UTC)", .width = 16},
	[AUDIT_ACTOR] = {.title = "ACTOR", .min = 4, .weight = 1},
	[AUDIT_ACTION] = {.title = "ACTION", .width = 17},
	[AUDIT_SUBJECT] = {.title = "MODEL/SUBJECT", .min = 14, .weight = 5},
	[AUDIT_VERSION] = {.title = "VER", .width = 5},
};

/* Scoped to one model the model column says nothing: it is left out. */
enum { SCOPED_SEQ, SCOPED_TIME, SCOPED_ACTOR, SCOPED_ACTION, SCOPED_VERSION, SCOPED_NCOLS };

static const struct list_col view_audit_scoped_cols[SCOPED_NCOLS] = {
	[SCOPED_SEQ] = {.title = "SEQ", .width = 8, .right = 1},
	[SCOPED_TIME] = {.title = "TIME (UTC)", .width = 16},
	[SCOPED_ACTOR] = {.title = "ACTOR", .min = 8, .weight = 1},
	[SCOPED_ACTION] = {.title = "ACTION", .width = 17},
	[SCOPED_VERSION] = {.title = "VER", .min = 5, .weight = 1},
};

/* Applies a filter on a connection of its own, so typing never waits for
 * a scan of the ledger. Everything below mu is shared with the console;
 * lock and unlock of a default mutex fail only when misused, so go
 * unchecked. The last filter typed wins: a newer one interrupts the
 * query running and its result is never shown. */
struct view_audit_filterer {
	pthread_t thread;
	pthread_mutex_t mu;
	pthread_cond_t cv; /* a request, a result or a stop */
	char *path;
	int stop;
	uint64_t gen;      /* bumped by every request and cancel */
	int requested;     /* gen is wanted and not yet taken */
	int running;
	struct store *st;  /* the worker's connection while it is open, for interrupting */
	/* The request: the filter and scope, and how many rows make a window. */
	char filter[LIST_FILTER_MAX];
	char subject[200];
	int scoped;
	size_t want;
	/* The result of request done_gen: the first window, the count or why not. */
	uint64_t done_gen;
	int fresh;
	struct ledger_row *rows;
	size_t nrows;
	int64_t match, all;
	char err[512];
};

struct view_audit {
	struct app *a;
	struct view_audit_filterer *f; /* NULL until the first filter is typed */
	char *model;     /* the scope it was opened on; NULL: the whole ledger */
	int64_t version; /* with model: one version's entries; 0 the whole model's */
	int wide;        /* w: the whole ledger for now, the scope kept to narrow back */
	char subject[200];
	struct list *l;  /* the list rows are being added to */
};

static int view_audit_scoped(const struct view_audit *p)
{
	return p->model != NULL && !p->wide;
}

/* "2026-12-01 20:10": minutes are enough to scan by; seq orders. */
static void view_audit_time(int64_t t, char *buf, size_t n)
{
	char full[32];

	view_time(t, full, sizeof full);
	if (strlen(full) >= 16 && full[10] == 'T')
		snprintf(buf, n, "%.10s %.5s", full, full + 11);
	else
		snprintf(buf, n, "%s", full);
}

static int view_audit_row(struct list *l, const struct ledger_row *x, int scoped, struct err *e)
{
	char key[32], when[32], model[101], ver[32];
	struct list_row *r;
	int64_t version;
	int is_model = explain_subject(x->subject, model, sizeof model, &version);

	snprintf(key, sizeof key, "%" PRId64, x->seq);
	r = list_add(l, key, 0, e);
	if (r == NULL)
		return -1;
	view_audit_time(x->time, when, sizeof when);
	if (version > 0)
		snprintf(ver, sizeof ver, "v%" PRId64, version);
	else
		snprintf(ver, sizeof ver, "-");
	if (list_set(r, AUDIT_SEQ, DRAW_NORMAL, e, "#%" PRId64, x->seq) != 0 ||
	    list_set(r, AUDIT_TIME, DRAW_DIM, e, "%s", when) != 0 ||
	    list_set(r, AUDIT_ACTOR, DRAW_NORMAL, e, "%s", x->actor) != 0 ||
	    list_set(r, AUDIT_ACTION, DRAW_NORMAL, e, "%s", x->action) != 0)
		return -1;
	if (scoped)
		return list_set(r, SCOPED_VERSION, DRAW_NORMAL, e, "%s", ver);
	/* The models:/ every model subject repeats is left out. */
	return list_set(r, AUDIT_SUBJECT, DRAW_NORMAL, e, "%s", is_model ? model : x->subject) != 0 ||
			       list_set(r, AUDIT_VERSION, DRAW_NORMAL, e, "%s", ver) != 0
		       ? -1
		       : 0;
}

/* The entries the view stands for: its scope and the list's filter. */
static void view_audit_query(struct view_audit *p, const struct list *l, struct ledger_page_q *q)
{
	q->subject = NULL;
	q->filter = l->filter;
	if (!view_audit_scoped(p))
		return;
	/* A scope is an index range on the subject (see ledger_page). */
	if (p->version > 0)
		snprintf(p->subject, sizeof p->subject, "models:/%s/%" PRId64, p->model,
			 p->version);
	else
		snprintf(p->subject, sizeof p->subject, "models:/%s", p->model);
	q->subject = p->subject;
}

static int view_audit_add(void *arg, const struct ledger_row *r, struct err *e)
{
	struct view_audit *p = arg;

	return view_audit_row(p->l, r, view_audit_scoped(p), e);
}

static int view_audit_count(struct list *l, size_t *match, size_t *all, struct err *e)
{
	struct view_audit *p = l->src_ctx;
	struct ledger_page_q q;
	int64_t m = 0, n = 0;

	view_audit_query(p, l, &q);
	if (match != NULL && ledger_page_count(p->a->st, &q, &m, e) != 0)
		return -1;
	q.filter = NULL;
	if (match != NULL && l->filter[0] == '\0')
		n = m;
	else if (ledger_page_count(p->a->st, &q, &n, e) != 0)
		return -1;
	if (match != NULL)
		*match = (size_t)m;
	*all = (size_t)n;
	return 0;
}

/* Rows the worker reads, kept until the console takes them. */
struct view_audit_take {
	struct view_audit_filterer *f;
	uint64_t gen;
	struct ledger_row *rows;
	size_t n, cap;
};

/* 1 when request gen is not the one wanted any more. */
static int view_audit_filter_stale(struct view_audit_filterer *f, uint64_t gen)
{
	int stale;

	pthread_mutex_lock(&f->mu);
	stale = f->gen != gen || f->stop;
	pthread_mutex_unlock(&f->mu);
	return stale;
}

static int view_audit_take_row(void *arg, const struct ledger_row *r, struct err *e)
{
	struct view_audit_take *t = arg;

	if (view_audit_filter_stale(t->f, t->gen))
		return err_set(e, ERR_INVALID, "superseded");
	if (t->n == t->cap) {
		size_t cap = t->cap ? t->cap * 2 : 64;
		struct ledger_row *rows = realloc(t->rows, cap * sizeof *rows);

		if (rows == NULL)
			return err_set(e, ERR_IO, "out of memory");
		t->rows = rows;
		t->cap = cap;
	}
	t->rows[t->n++] = *r;
	return 0;
}

/* The first window of the request's rows and, when it is full, their
 * count (a window that comes back short is the count); and the scope's
 * count, which its index or the ledger's size gives at once. */
static int view_audit_filter_run(struct view_audit_filterer *f, struct store *st,
				 const struct ledger_page_q *q, size_t want,
				 struct view_audit_take *t, int64_t *match, int64_t *all,
				 struct err *e)
{
	struct ledger_page_q scope = {.subject = q->subject, .filter = NULL};

	if (ledger_page_count(st, &scope, all, e) != 0)
		return -1;
	if (ledger_page(st, q, 0, 1, want, view_audit_take_row, t, e) != 0)
		return -1;
	*match = (int64_t)t->n;
	if (t->n < want)
		return 0;
	if (view_audit_filter_stale(f, t->gen))
		return err_set(e, ERR_INVALID, "superseded");
	return ledger_page_count(st, q, match, e);
}

static void *view_audit_filter_main(void *arg)
{
	struct view_audit_filterer *f = arg;
	struct store *st = NULL;

	pthread_mutex_lock(&f->mu);
	for (;;) {
		char filter[LIST_FILTER_MAX], subject[200];
		struct view_audit_take t = {0};
		struct ledger_page_q q;
		size_t want;
		int64_t match = 0, all = 0;
		struct err e;
		int rc = -1;

		while (!f->requested && !f->stop)
			pthread_cond_wait(&f->cv, &f->mu);
		if (f->stop)
			break;
		f->requested = 0;
		f->running = 1;
		t.f = f;
		t.gen = f->gen;
		snprintf(filter, sizeof filter, "%s", f->filter);
		snprintf(subject, sizeof subject, "%s", f->subject);
		q.filter = filter;
		q.subject = f->scoped ? subject : NULL;
		want = f->want;
		pthread_mutex_unlock(&f->mu);
		err_clear(&e);
		/* Kept open between filters: a SQLite connection is never shared
		 * between threads, and opening one per key would cost the key. */
		if (st == NULL) {
			st = store_open(f->path, STORE_READONLY, &e);
			pthread_mutex_lock(&f->mu);
			f->st = st;
			pthread_mutex_unlock(&f->mu);
		}
		if (st != NULL)
			rc = view_audit_filter_run(f, st, &q, want, &t, &match, &all, &e);
		/* PostgreSQL's cancel reaches the server on its own connection: one
		 * meant for the filter before can land on this one. Asked once more. */
		if (st != NULL && rc != 0 && !view_audit_filter_stale(f, t.gen)) {
			t.n = 0;
			err_clear(&e);
			rc = view_audit_filter_run(f, st, &q, want, &t, &match, &all, &e);
		}
		pthread_mutex_lock(&f->mu);
		if (t.gen == f->gen && !f->stop) {
			free(f->rows);
			f->rows = rc == 0 ? t.rows : NULL;
			f->nrows = rc == 0 ? t.n : 0;
			f->match = match;
			f->all = all;
			snprintf(f->err, sizeof f->err, "%s", rc == 0 ? "" : e.msg);
			f->done_gen = t.gen;
			f->fresh = 1;
			if (rc == 0)
				t.rows = NULL;
		}
		free(t.rows);
		f->running = 0;
		pthread_cond_broadcast(&f->cv);
	}
	/* Cleared before closing, so a stop never interrupts a closed handle. */
	f->st = NULL;
	pthread_mutex_unlock(&f->mu);
	if (st != NULL)
		store_close(st);
	return NULL;
}

static struct view_audit_filterer *view_audit_filter_start(const char *path)
{
	struct view_audit_filterer *f = calloc(1, sizeof *f);

	if (f == NULL)
		return NULL;
	f->path = strdup(path);
	if (f->path == NULL)
		goto fail_path;
	if (pthread_mutex_init(&f->mu, NULL) != 0)
		goto fail_mutex;
	if (pthread_cond_init(&f->cv, NULL) != 0)
		goto fail_cond;
	if (pthread_create(&f->thread, NULL, view_audit_filter_main, f) != 0)
		goto fail_thread;
	return f;
fail_thread:
	pthread_cond_destroy(&f->cv);
fail_cond:
	pthread_mutex_destroy(&f->mu);
fail_mutex:
	free(f->path);
fail_path:
	free(f);
	return NULL;
}

/* Forgets any filter asked for: its result, coming or come, is dropped. */
static void view_audit_filter_cancel(struct view_audit_filterer *f)
{
	if (f == NULL)
		return;
	pthread_mutex_lock(&f->mu);
	f->gen++;
	f->requested = 0;
	f->fresh = 0;
	if (f->running && f->st != NULL)
		store_interrupt(f->st);
	pthread_mutex_unlock(&f->mu);
}

static void view_audit_filter_stop(struct view_audit_filterer *f)
{
	if (f == NULL)
		return;
	pthread_mutex_lock(&f->mu);
	f->stop = 1;
	f->requested = 0;
	/* Closing the view must not wait for a scan of the ledger. */
	if (f->running && f->st != NULL)
		store_interrupt(f->st);
	pthread_cond_broadcast(&f->cv);
	pthread_mutex_unlock(&f->mu);
	if (pthread_join(f->thread, NULL) != 0)
		return; /* the thread may still use f: leave it rather than free it under it */
	pthread_cond_destroy(&f->cv);
	pthread_mutex_destroy(&f->mu);
	free(f->rows);
	free(f->path);
	free(f);
}

/* Newest first: the list's "after" is the ledger's older. */
static int view_audit_fetch(struct list *l, const char *key, size_t n, int older, struct err *e)
{
	struct view_audit *p = l->src_ctx;
	struct ledger_page_q q;

	view_audit_query(p, l, &q);
	p->l = l;
	return ledger_page(p->a->st, &q, key != NULL ? strtoll(key, NULL, 10) : 0, older, n,
			   view_audit_add, p, e);
}

static int view_audit_after(struct list *l, const char *key, size_t n, struct err *e)
{
	return view_audit_fetch(l, key, n, 1, e);
}

static int view_audit_before(struct list *l, const char *key, size_t n, struct err *e)
{
	return view_audit_fetch(l, key, n, 0, e);
}

static int view_audit_seek(struct list *l, const char *key, size_t *pos, int *found, struct err *e)
{
	struct view_audit *p = l->src_ctx;
	struct ledger_page_q q;
	int64_t at = 0;

	view_audit_query(p, l, &q);
	if (ledger_page_rank(p->a->st, &q, strtoll(key, NULL, 10), &at, found, e) != 0)
		return -1;
	*pos = (size_t)at;
	return 0;
}

/* Hands the list's filter to the worker (started on the first one). */
static int view_audit_refilter(struct list *l, struct err *e)
{
	struct view_audit *p = l->src_ctx;
	struct view_audit_filterer *f;
	struct ledger_page_q q;

	if (p->f == NULL)
		p->f = view_audit_filter_start(store_path(p->a->st));
	if (p->f == NULL) {
		/* No thread to be had: filter here rather than not at all. */
		l->pending = 0;
		return list_finish(l, NULL, e);
	}
	f = p->f;
	view_audit_query(p, l, &q);
	pthread_mutex_lock(&f->mu);
	snprintf(f->filter, sizeof f->filter, "%s", l->filter);
	snprintf(f->subject, sizeof f->subject, "%s", q.subject != NULL ? q.subject : "");
	f->scoped = q.subject != NULL;
	/* The window list_sync would fetch for the first match. */
	f->want = 2 * (size_t)(l->height > 0 ? l->height : 1) + 32;
	f->gen++;
	f->requested = 1;
	f->fresh = 0;
	if (f->running && f->st != NULL)
		store_interrupt(f->st);
	pthread_cond_broadcast(&f->cv);
	pthread_mutex_unlock(&f->mu);
	return 0;
}

/* Takes the filter's rows when they have come (waiting for them with
 * wait); 1 while they are still awaited. */
static int view_audit_poll(struct app *a, struct view *v, int wait)
{
	struct view_audit *p = v->priv;
	struct view_audit_filterer *f = p->f;
	struct ledger_row *rows = NULL;
	size_t nrows = 0, i;
	int64_t match = 0, all = 0;
	char msg[512];
	int took = 0, busy;
	struct err e;

	(void)a;
	if (f == NULL || !v->list.pending)
		return 0;
	pthread_mutex_lock(&f->mu);
	while (wait && (f->requested || f->running))
		pthread_cond_wait(&f->cv, &f->mu);
	if (f->fresh && f->done_gen == f->gen) {
		rows = f->rows;
		nrows = f->nrows;
		match = f->match;
		all = f->all;
		snprintf(msg, sizeof msg, "%s", f->err);
		f->rows = NULL;
		f->fresh = 0;
		took = 1;
	}
	busy = f->requested || f->running;
	pthread_mutex_unlock(&f->mu);
	if (!took)
		return busy;
	err_clear(&e);
	list_clear(&v->list);
	for (i = 0; i < nrows && msg[0] == '\0'; i++)
		if (view_audit_row(&v->list, &rows[i], view_audit_scoped(p), &e) != 0)
			snprintf(msg, sizeof msg, "%s", e.msg);
	free(rows);
	list_source_filtered(&v->list, (size_t)match, (size_t)all, msg[0] != '\0' ? msg : NULL);
	return 0;
}

static const struct list_source_ops view_audit_source = {
	.refilter = view_audit_refilter,
	.count = view_audit_count,
	.after = view_audit_after,
	.before = view_audit_before,
	.seek = view_audit_seek,
};

static int view_audit_load(struct app *a, struct view *v, struct err *e)
{
	char keep[32];

	(void)a;
	/* A filter on its way is asked for again, to see the change too. */
	if (v->list.pending)
		return view_audit_refilter(&v->list, e);
	list_selected_key(&v->list, keep, sizeof keep);
	return list_finish(&v->list, keep, e);
}

static void view_audit_columns(struct view *v)
{
	struct view_audit *p = v->priv;
	char filter[LIST_FILTER_MAX];

	snprintf(filter, sizeof filter, "%s", v->list.filter);
	list_free(&v->list);
	if (view_audit_scoped(p))
		list_init(&v->list, view_audit_scoped_cols, SCOPED_NCOLS, 1,
			  p->version > 0 ? "no ledger entry names this version yet"
					 : "no ledger entry names this model yet");
	else
		list_init(&v->list, view_audit_cols, AUDIT_NCOLS, 1,
			  "the ledger is empty: governed changes appear here");
	snprintf(v->list.filter, sizeof v->list.filter, "%s", filter);
	list_source(&v->list, &view_audit_source, p);
}

static void view_audit_close(struct view *v)
{
	struct view_audit *p = v->priv;

	if (p == NULL)
		return;
	view_audit_filter_stop(p->f);
	free(p->model);
	free(p);
	v->priv = NULL;
}

static int view_audit_open(struct app *a, struct view *v, const struct view_arg *arg,
			   struct err *e)
{
	struct view_audit *p = calloc(1, sizeof *p);

	if (p == NULL)
		return err_set(e, ERR_IO, "out of memory");
	v->priv = p;
	p->a = a;
	if (arg != NULL && arg->model != NULL && arg->model[0] != '\0') {
		p->model = strdup(arg->model);
		if (p->model == NULL)
			return err_set(e, ERR_IO, "out of memory");
		p->version = arg->version;
	}
	list_init(&v->list, NULL, 0, 1, "");
	view_audit_columns(v);
	return view_audit_load(a, v, e);
}

static int view_audit_enter(struct app *a, struct view *v, struct err *e)
{
	const struct list_row *r = list_selected(&v->list);
	struct view_arg arg = {0};

	(void)e;
	if (r == NULL || r->key == NULL)
		return 0;
	arg.seq = strtoll(r->key, NULL, 10);
	app_push(a, &view_entry_ops, &arg);
	return 0;
}

static void view_audit_draw(struct app *a, struct view *v, int y, int x, int h, int w)
{
	(void)a;
	list_draw(&v->list, y, x, h, w);
}

/* w where there is a scope to leave or go back to. */
static int view_audit_offers(const struct app *a, const struct view *v, const struct action *act)
{
	const struct view_audit *p = v->priv;

	(void)a;
	return act->id == ACT_AUDIT_SCOPE && p->model != NULL;
}

static int view_audit_key(struct app *a, struct view *v, const struct action *act)
{
	struct view_audit *p = v->priv;
	char keep[32];
	struct err e;
	int rc;

	if (act->id != ACT_AUDIT_SCOPE || p->model == NULL)
		return 0;
	err_clear(&e);
	list_selected_key(&v->list, keep, sizeof keep);
	p->wide = !p->wide;
	/* A filter on its way was for the other scope. */
	view_audit_filter_cancel(p->f);
	view_audit_columns(v);
	/* The entry selected stays selected when it is in the new scope;
	 * a filter is applied afresh, as when it was typed. */
	if (v->list.filter[0] != '\0') {
		v->list.pending = 1;
		rc = view_audit_refilter(&v->list, &e);
		if (rc != 0)
			v->list.pending = 0;
	} else
		rc = list_finish(&v->list, keep, &e);
	if (rc != 0)
		app_error(a, "%s", e.msg);
	else if (p->wide)
		app_message(a, "the whole ledger: w narrows back to %s", p->model);
	else
		app_message(a, "only what names %s%s: w widens to the whole ledger", p->model,
			     p->version > 0 ? " at this version" : "");
	return 1;
}

static void view_audit_title(struct view *v, char *buf, size_t n)
{
	struct view_audit *p = v->priv;

	/* Not "›": the breadcrumbs already use it between views. */
	if (!view_audit_scoped(p))
		snprintf(buf, n, "audit");
	else if (p->version > 0)
		snprintf(buf, n, "audit of %s v%" PRId64, p->model, p->version);
	else
		snprintf(buf, n, "audit of %s", p->model);
}

const struct view_ops view_audit_ops = {
	.name = "audit",
	.open = view_audit_open,
	.close = view_audit_close,
	.refresh = view_audit_load,
	.draw = view_audit_draw,
	.enter = view_audit_enter,
	.key = view_audit_key,
	.title = view_audit_title,
	.offers = view_audit_offers,
	.poll = view_audit_poll,
};
