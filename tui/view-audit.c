/* view-audit: the audit trail newest first (time, actor, action, model, version), the whole ledger or scoped to the model or version it was opened from, paged from the store; with a filter, its applying, far moves and recounts run on a worker thread of its own; w widens and narrows. */
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
#include "worker.h"

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

/* What the worker is asked to do with a snapshot of the list: apply a
 * filter afresh, reload around the selected entry after another
 * writer's commit, or fetch the window a move needs. */
enum { AUDIT_JOB_REFILTER = 1, AUDIT_JOB_RELOAD, AUDIT_JOB_WINDOW };

/* Runs the list's filtered work on a connection of its own, so typing,
 * moving and another writer's commit never wait for a scan of the
 * ledger. Everything below mu is shared with the console; lock and
 * unlock of a default mutex fail only when misused, so go unchecked.
 * The last request wins: a newer one interrupts the query running and
 * its result is never shown. */
struct view_audit_filterer {
	struct worker wk; /* its condition: a request, a result or a stop */
	int stop;
	uint64_t gen;      /* bumped by every request and cancel */
	int requested;     /* gen is wanted and not yet taken */
	int running;
	struct store *st;  /* the worker's connection while it is open, for interrupting */
	/* The request: what to do, on which snapshot, in which scope. */
	int kind;
	struct list snap;
	char keep[32];
	char subject[200];
	int scoped;
	/* The result of request done_gen: the snapshot worked on, or why not. */
	uint64_t done_gen;
	int done_kind;
	int fresh;
	struct list done;
	char err[512];
};

/* What the source functions read the ledger through: the console's
 * connection and the view's scope, or a worker's connection and its
 * request's copy of them (with the request's generation, so rows for a
 * superseded request stop coming). */
struct view_audit;

struct view_audit_src {
	struct store *st;
	char subject[200];
	int scoped;
	struct view_audit_filterer *f; /* NULL on the console's side */
	uint64_t gen;
	struct view_audit *p; /* the view, on the console's side */
};

struct view_audit {
	struct app *a;
	struct view_audit_filterer *f; /* NULL until the first filter is typed */
	char *model;     /* the scope it was opened on; NULL: the whole ledger */
	int64_t version; /* with model: one version's entries; 0 the whole model's */
	int wide;        /* w: the whole ledger for now, the scope kept to narrow back */
	int reloading;   /* a reload is asked of the worker or waits for a search to end */
	struct view_audit_src src; /* the console's connection and the scope, for the list */
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
static void view_audit_query(const struct view_audit_src *s, const struct list *l,
			     struct ledger_page_q *q)
{
	q->subject = s->scoped ? s->subject : NULL;
	q->filter = l->filter;
}

/* 1 when request gen is not the one wanted any more. */
static int view_audit_filter_stale(struct view_audit_filterer *f, uint64_t gen)
{
	int stale;

	pthread_mutex_lock(&f->wk.mu);
	stale = f->gen != gen || f->stop;
	pthread_mutex_unlock(&f->wk.mu);
	return stale;
}

/* A superseded request's queries stop between rows and before counts,
 * since an interrupt that lands between two statements is lost. */
static int view_audit_src_stale(const struct view_audit_src *s, struct err *e)
{
	if (s->f != NULL && view_audit_filter_stale(s->f, s->gen))
		return err_set(e, ERR_INVALID, "superseded");
	return 0;
}

struct view_audit_adding {
	struct list *l;
	const struct view_audit_src *s;
};

static int view_audit_add(void *arg, const struct ledger_row *r, struct err *e)
{
	struct view_audit_adding *x = arg;

	if (view_audit_src_stale(x->s, e) != 0)
		return -1;
	return view_audit_row(x->l, r, x->s->scoped, e);
}

static int view_audit_count(struct list *l, size_t *match, size_t *all, struct err *e)
{
	const struct view_audit_src *s = l->src_ctx;
	struct ledger_page_q q;
	int64_t m = 0, n = 0;

	view_audit_query(s, l, &q);
	if (view_audit_src_stale(s, e) != 0)
		return -1;
	if (match != NULL && ledger_page_count(s->st, &q, &m, e) != 0)
		return -1;
	q.filter = NULL;
	if (match != NULL && l->filter[0] == '\0')
		n = m;
	else if (ledger_page_count(s->st, &q, &n, e) != 0)
		return -1;
	if (match != NULL)
		*match = (size_t)m;
	*all = (size_t)n;
	return 0;
}

/* Newest first: the list's "after" is the ledger's older. */
static int view_audit_fetch(struct list *l, const char *key, size_t n, int older, struct err *e)
{
	const struct view_audit_src *s = l->src_ctx;
	struct view_audit_adding x = {.l = l, .s = s};
	struct ledger_page_q q;

	view_audit_query(s, l, &q);
	return ledger_page(s->st, &q, key != NULL ? strtoll(key, NULL, 10) : 0, older, n,
			   view_audit_add, &x, e);
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
	const struct view_audit_src *s = l->src_ctx;
	struct ledger_page_q q;
	int64_t at = 0;

	view_audit_query(s, l, &q);
	if (view_audit_src_stale(s, e) != 0)
		return -1;
	if (ledger_page_rank(s->st, &q, strtoll(key, NULL, 10), &at, found, e) != 0)
		return -1;
	*pos = (size_t)at;
	return 0;
}

/* One request's work on a snapshot of the list, by kind. */
static int view_audit_job_run(int kind, struct list *snap, const char *keep, struct err *e)
{
	if (kind == AUDIT_JOB_WINDOW)
		return list_window(snap, e);
	return list_finish(snap, kind == AUDIT_JOB_RELOAD ? keep : NULL, e);
}

static void *view_audit_filter_main(void *arg)
{
	struct view_audit_filterer *f = arg;
	struct store *st;
	struct err oe;

	/* Opened at once: the worker starts with the filter line ('/'), and
	 * the first letter typed finds the connection ready instead of paying
	 * for it. One that cannot be had is asked again, and said, per request. */
	err_clear(&oe);
	st = store_open(f->wk.path, STORE_READONLY, &oe);
	pthread_mutex_lock(&f->wk.mu);
	f->st = st;
	for (;;) {
		struct view_audit_src s;
		struct list snap, again;
		char keep[32];
		int kind, rc = -1;
		struct err e;

		while (!f->requested && !f->stop)
			pthread_cond_wait(&f->wk.cv, &f->wk.mu);
		if (f->stop)
			break;
		f->requested = 0;
		f->running = 1;
		memset(&s, 0, sizeof s);
		s.f = f;
		s.gen = f->gen;
		s.scoped = f->scoped;
		snprintf(s.subject, sizeof s.subject, "%s", f->subject);
		snprintf(keep, sizeof keep, "%s", f->keep);
		kind = f->kind;
		/* The request's snapshot is the worker's now. */
		snap = f->snap;
		list_init(&f->snap, NULL, 0, 0, NULL);
		pthread_mutex_unlock(&f->wk.mu);
		err_clear(&e);
		/* Kept open between requests: a SQLite connection is never shared
		 * between threads, and opening one per key would cost the key. */
		if (st == NULL) {
			st = store_open(f->wk.path, STORE_READONLY, &e);
			pthread_mutex_lock(&f->wk.mu);
			f->st = st;
			pthread_mutex_unlock(&f->wk.mu);
		}
		s.st = st;
		snap.src_ctx = &s;
		/* PostgreSQL's cancel reaches the server on its own connection: one
		 * meant for the request before can land on this one. Asked once
		 * more, from the same starting point. */
		if (st != NULL && list_snapshot(&snap, &again, &e) == 0) {
			again.src_ctx = &s;
			rc = view_audit_job_run(kind, &snap, keep, &e);
			if (rc != 0 && !view_audit_filter_stale(f, s.gen)) {
				list_free(&snap);
				snap = again;
				list_init(&again, NULL, 0, 0, NULL);
				err_clear(&e);
				rc = view_audit_job_run(kind, &snap, keep, &e);
			}
			list_free(&again);
		}
		pthread_mutex_lock(&f->wk.mu);
		if (s.gen == f->gen && !f->stop) {
			list_free(&f->done);
			f->done = snap;
			list_init(&snap, NULL, 0, 0, NULL);
			f->done_kind = kind;
			snprintf(f->err, sizeof f->err, "%s", rc == 0 ? "" : e.msg);
			f->done_gen = s.gen;
			f->fresh = 1;
		}
		list_free(&snap);
		f->running = 0;
		pthread_cond_broadcast(&f->wk.cv);
		worker_wake();
	}
	/* Cleared before closing, so a stop never interrupts a closed handle. */
	f->st = NULL;
	pthread_mutex_unlock(&f->wk.mu);
	if (st != NULL)
		store_close(st);
	return NULL;
}

static struct view_audit_filterer *view_audit_filter_start(const char *path)
{
	struct view_audit_filterer *f = calloc(1, sizeof *f);

	if (f == NULL)
		return NULL;
	if (worker_start(&f->wk, path, view_audit_filter_main, f) != 0) {
		free(f);
		return NULL;
	}
	return f;
}

/* Forgets any request: its result, coming or come, is dropped. */
static void view_audit_filter_cancel(struct view_audit_filterer *f)
{
	if (f == NULL)
		return;
	pthread_mutex_lock(&f->wk.mu);
	f->gen++;
	f->requested = 0;
	f->fresh = 0;
	if (f->running && f->st != NULL)
		store_interrupt(f->st);
	pthread_mutex_unlock(&f->wk.mu);
}

static void view_audit_filter_stop(struct view_audit_filterer *f)
{
	if (f == NULL)
		return;
	pthread_mutex_lock(&f->wk.mu);
	f->stop = 1;
	f->requested = 0;
	/* Closing the view must not wait for a scan of the ledger. */
	if (f->running && f->st != NULL)
		store_interrupt(f->st);
	pthread_cond_broadcast(&f->wk.cv);
	pthread_mutex_unlock(&f->wk.mu);
	if (worker_join(&f->wk) != 0)
		return; /* the thread may still use f: leave it rather than free it under it */
	list_free(&f->snap);
	list_free(&f->done);
	free(f);
}

/* Hands the worker (started on the first request) a snapshot of the
 * list to work on, superseding any request before it. */
static int view_audit_request(struct view_audit *p, struct list *l, int kind, const char *keep,
			      struct err *e)
{
	struct view_audit_filterer *f;
	struct list snap;

	if (p->f == NULL)
		p->f = view_audit_filter_start(store_path(p->a->st));
	if (p->f == NULL)
		return err_set(e, ERR_IO, "cannot start the audit view's worker thread");
	if (list_snapshot(l, &snap, e) != 0)
		return -1;
	f = p->f;
	pthread_mutex_lock(&f->wk.mu);
	list_free(&f->snap);
	f->snap = snap;
	f->kind = kind;
	snprintf(f->keep, sizeof f->keep, "%s", keep != NULL ? keep : "");
	snprintf(f->subject, sizeof f->subject, "%s", p->src.subject);
	f->scoped = p->src.scoped;
	f->gen++;
	f->requested = 1;
	f->fresh = 0;
	if (f->running && f->st != NULL)
		store_interrupt(f->st);
	pthread_cond_broadcast(&f->wk.cv);
	pthread_mutex_unlock(&f->wk.mu);
	/* Any request supersedes a reload: it is asked again after. */
	if (kind == AUDIT_JOB_RELOAD)
		p->reloading = 1;
	else if (kind == AUDIT_JOB_REFILTER)
		p->reloading = 0;
	return 0;
}

/* Hands the list's filter to the worker. No filter (the line just
 * opened, emptied, or Esc) is the ledger read off its key, as the view
 * opened: on the console's connection, whose rows are known, superseding
 * the worker's request; on the worker's it cost a key 12 ms on the bench
 * estate, the first time its whole connection. The worker is started
 * meanwhile, for the filter to come. */
static int view_audit_refilter(struct list *l, struct err *e)
{
	struct view_audit *p = ((struct view_audit_src *)l->src_ctx)->p;

	if (l->filter[0] == '\0') {
		if (p->f == NULL)
			p->f = view_audit_filter_start(store_path(p->a->st));
		view_audit_filter_cancel(p->f);
		p->reloading = 0;
		l->pending = 0;
		return list_finish(l, NULL, e);
	}
	if (view_audit_request(p, l, AUDIT_JOB_REFILTER, NULL, e) == 0)
		return 0;
	/* No thread to be had: filter here rather than not at all. */
	l->pending = 0;
	return list_finish(l, NULL, e);
}

/* A move past the window with a filter: the worker finds its rows. */
static int view_audit_defer(struct list *l, struct err *e)
{
	struct view_audit *p = ((struct view_audit_src *)l->src_ctx)->p;

	return view_audit_request(p, l, AUDIT_JOB_WINDOW, NULL, e);
}

static void view_audit_cancel(struct list *l)
{
	struct view_audit *p = ((struct view_audit_src *)l->src_ctx)->p;

	view_audit_filter_cancel(p->f);
}

/* A reload found the entry selected when it was asked for; one moved
 * to since, when its row came too, stays selected. */
static void view_audit_adopt(struct list *l, struct list *done, int kind)
{
	char now[32];
	size_t i;

	list_selected_key(l, now, sizeof now);
	list_adopt(l, done);
	if (kind != AUDIT_JOB_RELOAD || now[0] == '\0')
		return;
	for (i = 0; i < l->n; i++)
		if (l->rows[i].key != NULL && strcmp(l->rows[i].key, now) == 0) {
			l->sel = l->win + i;
			if (l->sel < l->top)
				l->top = l->sel;
			return;
		}
}

/* Takes the worker's result when it has come (waiting for it with
 * wait); 1 while one is still awaited. */
static int view_audit_poll(struct app *a, struct view *v, int wait)
{
	struct view_audit *p = v->priv;
	struct view_audit_filterer *f = p->f;
	struct list done;
	char msg[512], keep[32];
	int took = 0, busy, kind = 0;
	struct err e;

	if (f == NULL)
		return 0;
	pthread_mutex_lock(&f->wk.mu);
	while (wait && (f->requested || f->running))
		pthread_cond_wait(&f->wk.cv, &f->wk.mu);
	if (f->fresh && f->done_gen == f->gen) {
		done = f->done;
		list_init(&f->done, NULL, 0, 0, NULL);
		kind = f->done_kind;
		snprintf(msg, sizeof msg, "%s", f->err);
		f->fresh = 0;
		took = 1;
	}
	busy = f->requested || f->running;
	pthread_mutex_unlock(&f->wk.mu);
	if (took) {
		if (kind == AUDIT_JOB_REFILTER && msg[0] != '\0')
			list_source_filtered(&v->list, 0, 0, msg);
		else if (msg[0] == '\0') {
			view_audit_adopt(&v->list, &done, kind);
			if (kind == AUDIT_JOB_RELOAD)
				p->reloading = 0;
		} else if (kind == AUDIT_JOB_WINDOW) {
			list_search_cancel(&v->list);
			app_error(a, "%s", msg);
		} else {
			p->reloading = 0;
			app_error(a, "%s", msg);
		}
		list_free(&done);
	}
	/* A reload superseded by a move is asked again once nothing else is. */
	if (!busy && p->reloading && !v->list.pending && !v->list.searching) {
		err_clear(&e);
		list_selected_key(&v->list, keep, sizeof keep);
		if (view_audit_request(p, &v->list, AUDIT_JOB_RELOAD, keep, &e) != 0) {
			p->reloading = 0;
			app_error(a, "%s", e.msg);
		} else if (wait)
			return view_audit_poll(a, v, wait);
		else
			busy = 1;
	}
	return busy;
}

static const struct list_source_ops view_audit_source = {
	.refilter = view_audit_refilter,
	.count = view_audit_count,
	.after = view_audit_after,
	.before = view_audit_before,
	.seek = view_audit_seek,
	.defer = view_audit_defer,
	.cancel = view_audit_cancel,
};

static int view_audit_load(struct app *a, struct view *v, struct err *e)
{
	struct view_audit *p = v->priv;
	char keep[32];

	(void)a;
	/* A filter on its way is asked for again, to see the change too. */
	if (v->list.pending)
		return view_audit_refilter(&v->list, e);
	/* After the move being searched for, the reload (see view_audit_poll). */
	if (v->list.searching) {
		p->reloading = 1;
		return 0;
	}
	list_selected_key(&v->list, keep, sizeof keep);
	/* A filter's recount and the matches around the selection can scan
	 * the ledger: the worker does them, the rows shown meanwhile stay. */
	if (v->list.filter[0] != '\0' && view_audit_request(p, &v->list, AUDIT_JOB_RELOAD, keep, e) == 0)
		return 0;
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
	/* A scope is an index range on the subject (see ledger_page). */
	p->src.st = p->a->st;
	p->src.p = p;
	p->src.scoped = view_audit_scoped(p);
	if (p->src.scoped && p->version > 0)
		snprintf(p->src.subject, sizeof p->src.subject, "models:/%s/%" PRId64, p->model,
			 p->version);
	else if (p->src.scoped)
		snprintf(p->src.subject, sizeof p->src.subject, "models:/%s", p->model);
	p->reloading = 0;
	list_source(&v->list, &view_audit_source, &p->src);
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
