/* view-approvals: what waits for the signed-in principal's decision (t: every open request), each with its gate's state; H: the closed requests and why they closed; paged from the store, the gates of the rows in sight only. */
#include <inttypes.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "action.h"
#include "app.h"
#include "approval.h"
#include "queue.h"
#include "queue-page.h"
#include "draw.h"
#include "gate.h"
#include "keyring.h"
#include "sign.h"
#include "worker.h"

/* Rows whose READY and GATE were worked out, kept by request id: moving
 * back over them does not evaluate them again. A screenful or two. */
#define APPROVALS_CACHE 128

enum approvals_mode { APPROVALS_MINE, APPROVALS_ALL, APPROVALS_HISTORY };

enum { APPROVALS_ID, APPROVALS_MODEL, APPROVALS_VERSION, APPROVALS_TIER, APPROVALS_STAGE,
       APPROVALS_COUNT, APPROVALS_GATE, APPROVALS_REQUESTER, APPROVALS_NCOLS };

static const struct list_col view_approvals_cols[APPROVALS_NCOLS] = {
	[APPROVALS_ID] = {.title = "REQ", .width = 8, .right = 1},
	/* The model is the key fact: at 80 columns the gate's reason gives way first. */
	[APPROVALS_MODEL] = {.title = "MODEL", .min = 10, .weight = 8},
	[APPROVALS_VERSION] = {.title = "VER", .width = 5, .right = 1},
	[APPROVALS_TIER] = {.title = "TIER", .width = 8},
	/* Where it goes: every request comes from the stage before it. */
	[APPROVALS_STAGE] = {.title = "TO", .min = 6, .weight = 2},
	/* Approvals that fill a need against those required, as k9s' READY 1/2. */
	[APPROVALS_COUNT] = {.title = "READY", .width = 5, .right = 1},
	[APPROVALS_GATE] = {.title = "GATE", .min = 12, .weight = 3},
	[APPROVALS_REQUESTER] = {.title = "BY", .min = 4, .weight = 2},
};

enum { PAST_ID, PAST_STATE, PAST_MODEL, PAST_VERSION, PAST_STAGE, PAST_REQUESTER, PAST_WHY,
       PAST_NCOLS };

static const struct list_col view_approvals_past_cols[PAST_NCOLS] = {
	[PAST_ID] = {.title = "REQ", .width = 8, .right = 1},
	[PAST_STATE] = {.title = "STATE", .width = 10},
	[PAST_MODEL] = {.title = "MODEL", .min = 10, .weight = 8},
	[PAST_VERSION] = {.title = "VER", .width = 5, .right = 1},
	[PAST_STAGE] = {.title = "TO", .min = 6, .weight = 2},
	[PAST_REQUESTER] = {.title = "BY", .min = 4, .weight = 2},
	[PAST_WHY] = {.title = "WHY", .min = 12, .weight = 5},
};

/* An open request's evaluated cells, for the rows that came into sight. */
struct view_approvals_eval {
	int64_t id;
	int pending; /* asked of the evaluator, not in yet */
	char ready[16];
	int ready_style;
	char gate[800];
	int gate_style;
};

/* Finds what waits for the principal on a connection of its own: an
 * evaluation of every open request, which the header's count may be
 * making at the same moment (queue_waiting then waits for its answer).
 * One search at a time; below mu is shared with the console. Lock and
 * unlock of a default mutex fail only when misused, so go unchecked. */
struct view_approvals_finder {
	pthread_t thread;
	pthread_mutex_t mu;
	char *path;
	struct principal who;
	int done;
	int orphan; /* the view closed: the thread frees f when it ends */
	int64_t *ids;
	size_t n, open;
	char err[512];
};

/* Evaluates the rows that come into sight on a connection of its own: a
 * gate reads the model's whole history (tens of ms on a large estate),
 * which no key should wait for. The newest ask first; results carry the
 * generation they were asked in, so a reload drops those for the store
 * before it. Below mu is shared with the console. */
struct view_approvals_evaluator {
	struct worker wk;
	/* A second thread on the same asks, with a connection of its own: a
	 * gate is 2-3 ms of CPU on the bench estate and a screen holds 18
	 * rows, so one thread took 60 ms to fill the first page, while the
	 * input thread of a two-core machine sat idle. */
	pthread_t second;
	int have_second;
	int stop, running; /* running: how many threads are evaluating a row */
	uint64_t gen;
	int64_t want[APPROVALS_CACHE];
	size_t nwant;
	struct view_approvals_eval got[APPROVALS_CACHE];
	size_t ngot;
};

struct view_approvals {
	struct app *a;
	enum approvals_mode mode;
	char state[16];   /* history: the one state shown, "" for all */
	size_t mine, open, total;
	/* Mine: the open requests that wait for the principal, newest first
	 * (only an evaluation finds them; see queue_waiting). */
	int64_t *ids;
	size_t nids;
	struct view_approvals_finder *f; /* finding them, NULL when not */
	struct view_approvals_evaluator *w; /* NULL until a row needs evaluating */
	int again;                       /* the store changed meanwhile: find them again after */
	/* Why they could not be found: said in the heading, where the count
	 * would be, not as a message over the status line (a store that went
	 * away says so in the header, and the reconnect finds them again). */
	char find_err[512];
	char heading[1024];
	char empty[1024];
	struct view_approvals_eval cache[APPROVALS_CACHE];
	size_t ncache, next;
};

/* The principal whose queue this is, NULL without a known --key. */
static const struct principal *view_approvals_who(const struct app *a)
{
	return a->id.loaded && a->id.known ? &a->id.who : NULL;
}

/* The gate's state for an open request in a few words: ALLOW, "waiting
 * for N more" when only approvals are missing, else DENY and its first
 * reason. Evaluated only for the rows the view shows. */
static void view_approvals_gate(struct store *st, const struct approval_request *r, char *buf,
				size_t n, int *style)
{
	const struct rule_result *first = NULL;
	char why[700];
	struct gate g;
	struct err e;
	size_t i;
	int others = 0, missing = r->required - r->satisfied;

	*style = DRAW_WARN;
	if (strcmp(r->kind, "promotion") != 0) {
		if (missing > 0) {
			snprintf(buf, n, "review: waiting for %d", missing);
		} else {
			*style = DRAW_OK;
			snprintf(buf, n, "reviewed");
		}
		return;
	}
	err_clear(&e);
	memset(&g, 0, sizeof g);
	if (gate_evaluate_request(st, r, &g, &e) != 0) {
		*style = DRAW_ERROR;
		snprintf(buf, n, "gate not evaluated: %s", e.msg);
		gate_free(&g);
		return;
	}
	for (i = 0; i < g.nres; i++)
		if (g.res[i].status != RULE_PASS && g.res[i].rule->kind != PK_APPROVALS &&
		    g.res[i].rule->kind != PK_APPROVERS && others++ == 0)
			first = &g.res[i];
	if (g.refusal[0] == '\0' && g.allow) {
		*style = DRAW_OK;
		snprintf(buf, n, "ALLOW");
	} else if (g.refusal[0] == '\0' && others == 0 && missing > 0) {
		snprintf(buf, n, "waiting for %d more", missing);
	} else if (first != NULL) {
		/* Missing approvals are what the queue is for: the rule that
		 * signatures cannot fix is the news. */
		const char *reason = first->reason;

		while (*reason == ' ')
			reason++;
		*style = DRAW_ERROR;
		snprintf(buf, n, "DENY %s %s: %s%s", first->rule->name, policy_status_name(first->status),
			 reason, others > 1 ? " (and more)" : "");
	} else {
		*style = DRAW_ERROR;
		sign_gate_why(&g, why, sizeof why);
		snprintf(buf, n, "DENY %s", why);
	}
	gate_free(&g);
}

static void *view_approvals_find_main(void *arg)
{
	struct view_approvals_finder *f = arg;
	int64_t *ids = NULL;
	size_t n = 0, open = 0;
	struct store *st;
	struct err e;

	err_clear(&e);
	st = store_open(f->path, STORE_READONLY, &e);
	if (st != NULL) {
		queue_waiting(st, &f->who, &ids, &n, &open, &e);
		store_close(st);
	}
	pthread_mutex_lock(&f->mu);
	f->ids = ids;
	f->n = n;
	f->open = open;
	snprintf(f->err, sizeof f->err, "%s", e.msg);
	f->done = 1;
	worker_wake();
	if (f->orphan) {
		pthread_mutex_unlock(&f->mu);
		pthread_mutex_destroy(&f->mu);
		free(f->ids);
		free(f->path);
		free(f);
		return NULL;
	}
	pthread_mutex_unlock(&f->mu);
	return NULL;
}

/* Starts finding what waits for who; NULL when no thread can be had. */
static struct view_approvals_finder *view_approvals_find_start(const char *path, const struct principal *who)
{
	struct view_approvals_finder *f = calloc(1, sizeof *f);

	if (f == NULL)
		return NULL;
	f->path = strdup(path);
	f->who = *who;
	/* Only the name and roles: the search never signs. */
	f->who.key = NULL;
	if (f->path == NULL)
		goto fail_path;
	if (pthread_mutex_init(&f->mu, NULL) != 0)
		goto fail_mutex;
	if (pthread_create(&f->thread, NULL, view_approvals_find_main, f) != 0)
		goto fail_thread;
	return f;
fail_thread:
	pthread_mutex_destroy(&f->mu);
fail_mutex:
	free(f->path);
fail_path:
	free(f);
	return NULL;
}

/* Ends the search once it is done (waiting for it with wait): 1 with
 * f freed and its answer in ids, n, open and err; 0 while it runs. */
static int view_approvals_find_end(struct view_approvals_finder *f, int wait, int64_t **ids, size_t *n,
				   size_t *open, char *err, size_t errn)
{
	int done;

	pthread_mutex_lock(&f->mu);
	done = f->done;
	pthread_mutex_unlock(&f->mu);
	if (!done && !wait)
		return 0;
	if (pthread_join(f->thread, NULL) != 0)
		return 0;
	*ids = f->ids;
	*n = f->n;
	*open = f->open;
	snprintf(err, errn, "%s", f->err);
	pthread_mutex_destroy(&f->mu);
	free(f->path);
	free(f);
	return 1;
}

/* Closing the view does not wait for the search: it is left to end alone. */
static void view_approvals_find_drop(struct view_approvals_finder *f)
{
	int64_t *ids;
	size_t n, open;
	char err[8];

	pthread_mutex_lock(&f->mu);
	if (!f->done && pthread_detach(f->thread) == 0) {
		f->orphan = 1;
		pthread_mutex_unlock(&f->mu);
		return;
	}
	pthread_mutex_unlock(&f->mu);
	if (view_approvals_find_end(f, 1, &ids, &n, &open, err, sizeof err))
		free(ids);
}

/* The page query the list stands for: the mode, the state and the list's filter. */
static void view_approvals_query(const struct view_approvals *p, const struct list *l, struct queue_page_q *q)
{
	memset(q, 0, sizeof *q);
	q->history = p->mode == APPROVALS_HISTORY;
	q->state = p->state[0] ? p->state : NULL;
	q->filter = l->filter;
	q->now = store_now();
	/* Mine: those found, and none while they are being found. */
	if (p->mode == APPROVALS_MINE) {
		static const int64_t none[1];

		q->ids = p->ids != NULL ? p->ids : none;
		q->nids = p->nids;
	}
}

static const struct view_approvals_eval *view_approvals_cached(const struct view_approvals *p, int64_t id)
{
	size_t i;

	for (i = 0; i < p->ncache; i++)
		if (p->cache[i].id == id)
			return &p->cache[i];
	return NULL;
}

/* Evaluates the request of an open row: READY and GATE. */
static void view_approvals_evaluate(struct store *st, int64_t id, struct view_approvals_eval *c)
{
	struct approval_request r;
	struct err e;

	memset(c, 0, sizeof *c);
	c->id = id;
	err_clear(&e);
	if (approval_request_get(st, id, &r, &e) != 0) {
		c->ready_style = c->gate_style = DRAW_ERROR;
		snprintf(c->ready, sizeof c->ready, "?");
		snprintf(c->gate, sizeof c->gate, "not evaluated: %.700s", e.msg);
		return;
	}
	/* Approvals that fill a need, so "2/2" means ready, not merely two signatures. */
	c->ready_style = r.satisfied >= r.required ? DRAW_OK : DRAW_WARN;
	snprintf(c->ready, sizeof c->ready, "%d/%d", r.satisfied, r.required);
	view_approvals_gate(st, &r, c->gate, sizeof c->gate, &c->gate_style);
	approval_request_clear(&r);
}

/* Under the keys, above the ledger check (app.c): a gate is drawn on the
 * screen someone looks at, the check only in the header. */
#define APPROVALS_NICE 5

static void *view_approvals_eval_main(void *arg)
{
	struct view_approvals_evaluator *w = arg;
	struct store *st = NULL;
	struct view_approvals_eval c;

	worker_nice(APPROVALS_NICE);

	pthread_mutex_lock(&w->wk.mu);
	for (;;) {
		uint64_t gen;
		int64_t id;
		struct err e;

		while (!w->stop && w->nwant == 0)
			pthread_cond_wait(&w->wk.cv, &w->wk.mu);
		if (w->stop)
			break;
		id = w->want[--w->nwant];
		gen = w->gen;
		w->running++;
		pthread_mutex_unlock(&w->wk.mu);
		err_clear(&e);
		/* Kept open between rows: opening one per row would cost the row. */
		if (st == NULL)
			st = store_open(w->wk.path, STORE_READONLY, &e);
		if (st != NULL) {
			view_approvals_evaluate(st, id, &c);
		} else {
			memset(&c, 0, sizeof c);
			c.id = id;
			c.ready_style = c.gate_style = DRAW_ERROR;
			snprintf(c.ready, sizeof c.ready, "?");
			snprintf(c.gate, sizeof c.gate, "not evaluated: %.700s", e.msg);
		}
		pthread_mutex_lock(&w->wk.mu);
		w->running--;
		if (gen == w->gen && w->ngot < APPROVALS_CACHE)
			w->got[w->ngot++] = c;
		pthread_cond_broadcast(&w->wk.cv);
		worker_wake();
	}
	pthread_mutex_unlock(&w->wk.mu);
	if (st != NULL)
		store_close(st);
	return NULL;
}

static struct view_approvals_evaluator *view_approvals_eval_start(const char *path)
{
	struct view_approvals_evaluator *w = calloc(1, sizeof *w);

	if (w == NULL)
		return NULL;
	if (worker_start(&w->wk, path, view_approvals_eval_main, w) != 0) {
		free(w);
		return NULL;
	}
	/* Without it, the one thread does it all. */
	w->have_second = pthread_create(&w->second, NULL, view_approvals_eval_main, w) == 0;
	return w;
}

/* Waits for the rows being evaluated (one a thread at most), then ends. */
static void view_approvals_eval_stop(struct view_approvals_evaluator *w)
{
	if (w == NULL)
		return;
	pthread_mutex_lock(&w->wk.mu);
	w->stop = 1;
	pthread_cond_broadcast(&w->wk.cv);
	pthread_mutex_unlock(&w->wk.mu);
	if (w->have_second && pthread_join(w->second, NULL) != 0)
		return; /* it may still use w: leave it rather than free it under it */
	if (worker_join(&w->wk) != 0)
		return; /* the thread may still use w: leave it rather than free it under it */
	free(w);
}

/* Forgets what was asked and what came: the store changed. */
static void view_approvals_eval_reset(struct view_approvals_evaluator *w)
{
	if (w == NULL)
		return;
	pthread_mutex_lock(&w->wk.mu);
	w->gen++;
	w->nwant = w->ngot = 0;
	pthread_mutex_unlock(&w->wk.mu);
}

/* A cache slot for id, the oldest one reused. */
static struct view_approvals_eval *view_approvals_slot(struct view_approvals *p, int64_t id)
{
	struct view_approvals_eval *c = (struct view_approvals_eval *)view_approvals_cached(p, id);

	if (c != NULL)
		return c;
	c = &p->cache[p->next];
	p->next = (p->next + 1) % APPROVALS_CACHE;
	if (p->ncache < APPROVALS_CACHE)
		p->ncache++;
	memset(c, 0, sizeof *c);
	c->id = id;
	return c;
}

/* Asks the evaluator for id, evaluating here when it cannot be had or a
 * script compares screens. */
static void view_approvals_ask(struct app *a, struct view_approvals *p, struct view_approvals_eval *c)
{
	if (!a->in_place && p->w == NULL)
		p->w = view_approvals_eval_start(store_path(a->st));
	if (a->in_place || p->w == NULL) {
		view_approvals_evaluate(a->st, c->id, c);
		return;
	}
	c->pending = 1;
	pthread_mutex_lock(&p->w->wk.mu);
	/* The newest ask is taken first (from the end); a full list drops the oldest. */
	if (p->w->nwant == APPROVALS_CACHE) {
		memmove(p->w->want, p->w->want + 1, (APPROVALS_CACHE - 1) * sizeof *p->w->want);
		p->w->nwant--;
	}
	p->w->want[p->w->nwant++] = c->id;
	pthread_cond_broadcast(&p->w->wk.cv);
	pthread_mutex_unlock(&p->w->wk.mu);
}

/* Asked again while it waits: it goes back on top, so the rows in sight
 * (asked last, in every pass) come before those asked ahead. Without it a
 * second pass's rows asked ahead (the list's size known, or a page key)
 * went before the first pass's rows in sight: :approvals' first gates came
 * at 110 ms, after forty rows out of sight, on the bench estate. */
static void view_approvals_again(struct view_approvals *p, int64_t id)
{
	struct view_approvals_evaluator *w = p->w;
	size_t i;

	if (w == NULL)
		return;
	pthread_mutex_lock(&w->wk.mu);
	for (i = 0; i < w->nwant; i++)
		if (w->want[i] == id) {
			memmove(w->want + i, w->want + i + 1, (w->nwant - i - 1) * sizeof *w->want);
			w->want[w->nwant - 1] = id;
			break;
		}
	pthread_mutex_unlock(&w->wk.mu);
}

/* Sets a row's READY and GATE from what is known of its request; 1 when they changed. */
static int view_approvals_cells(struct app *a, const struct view_approvals *p, struct list_row *row)
{
	const struct view_approvals_eval *c;
	struct err e;

	if (row->key == NULL || (c = view_approvals_cached(p, strtoll(row->key, NULL, 10))) == NULL || c->pending)
		return 0;
	if (row->cells[APPROVALS_GATE].text != NULL && strcmp(row->cells[APPROVALS_GATE].text, c->gate) == 0 &&
	    row->cells[APPROVALS_COUNT].text != NULL && strcmp(row->cells[APPROVALS_COUNT].text, c->ready) == 0)
		return 0;
	err_clear(&e);
	if (list_set(row, APPROVALS_COUNT, c->ready_style, &e, "%s", c->ready) != 0 ||
	    list_set(row, APPROVALS_GATE, c->gate_style, &e, "%s", c->gate) != 0) {
		app_error(a, "%s", e.msg);
		return 0;
	}
	return 1;
}

/* Takes the evaluations that came (waiting for those asked, with wait)
 * into the cache and the rows; 1 while some are still awaited. */
static int view_approvals_eval_take(struct app *a, struct view *v, int wait)
{
	struct view_approvals *p = v->priv;
	struct view_approvals_evaluator *w = p->w;
	struct view_approvals_eval got[APPROVALS_CACHE];
	size_t n, i;
	int busy, changed = 0;

	if (w == NULL)
		return 0;
	pthread_mutex_lock(&w->wk.mu);
	while (wait && (w->nwant > 0 || w->running))
		pthread_cond_wait(&w->wk.cv, &w->wk.mu);
	n = w->ngot;
	memcpy(got, w->got, n * sizeof *got);
	w->ngot = 0;
	busy = w->nwant > 0 || w->running;
	pthread_mutex_unlock(&w->wk.mu);
	for (i = 0; i < n; i++)
		*view_approvals_slot(p, got[i].id) = got[i];
	for (i = 0; n > 0 && p->mode != APPROVALS_HISTORY && i < v->list.n; i++) {
		struct list *l = &v->list;
		struct list_row *row = &l->rows[i];
		size_t k = l->win + i;

		if (!view_approvals_cells(a, p, row))
			continue;
		/* A row out of sight (asked ahead) sizes the columns anew only
		 * when it is wider than they are: else it would redraw the
		 * screen for nothing, under whatever key comes next. */
		if ((k >= l->top && k < l->top + (size_t)l->height) ||
		    row->cells[APPROVALS_COUNT].width > l->natural[APPROVALS_COUNT] ||
		    row->cells[APPROVALS_GATE].width > l->natural[APPROVALS_GATE])
			changed = 1;
	}
	if (changed)
		v->list.widths_stale = 1;
	return busy;
}

struct view_approvals_adding {
	struct list *l;
	const struct view_approvals *p;
};

static int view_approvals_row(void *arg, const struct queue_row *r, struct err *e)
{
	struct view_approvals_adding *x = arg;
	const struct view_approvals_eval *c = view_approvals_cached(x->p, r->id);
	const char *wait = draw_glyphs()->ellipsis;
	struct list_row *row;
	char key[32];
	int style;

	snprintf(key, sizeof key, "%" PRId64, r->id);
	row = list_add(x->l, key, 0, e);
	if (row == NULL)
		return -1;
	if (x->p->mode == APPROVALS_HISTORY) {
		style = strcmp(r->state, "applied") == 0 ? DRAW_OK : strcmp(r->state, "rejected") == 0 ? DRAW_ERROR : DRAW_WARN;
		if (list_set(row, PAST_ID, DRAW_NORMAL, e, "#%" PRId64, r->id) != 0 ||
		    list_set(row, PAST_STATE, style, e, "%s", r->state) != 0 ||
		    list_set(row, PAST_MODEL, DRAW_NORMAL, e, "%s", r->model) != 0 ||
		    list_set(row, PAST_VERSION, DRAW_NORMAL, e, "v%" PRId64, r->version) != 0 ||
		    list_set(row, PAST_STAGE, DRAW_NORMAL, e, "%s", r->to) != 0 ||
		    list_set(row, PAST_REQUESTER, DRAW_DIM, e, "%s", r->requester) != 0 ||
		    list_set(row, PAST_WHY, DRAW_NORMAL, e, "%s", r->why[0] ? r->why : "-") != 0)
			return -1;
		return 0;
	}
	/* READY and GATE come from an evaluation, made when the row is in sight. */
	if (list_set(row, APPROVALS_ID, DRAW_NORMAL, e, "#%" PRId64, r->id) != 0 ||
	    list_set(row, APPROVALS_MODEL, DRAW_NORMAL, e, "%s", r->model) != 0 ||
	    list_set(row, APPROVALS_VERSION, DRAW_NORMAL, e, "v%" PRId64, r->version) != 0 ||
	    list_set(row, APPROVALS_TIER, view_tier_style(r->tier), e, "%s", r->tier) != 0 ||
	    list_set(row, APPROVALS_STAGE, DRAW_NORMAL, e, "%s", r->to) != 0 ||
	    list_set(row, APPROVALS_COUNT, c ? c->ready_style : DRAW_DIM, e, "%s", c ? c->ready : wait) != 0 ||
	    list_set(row, APPROVALS_GATE, c ? c->gate_style : DRAW_DIM, e, "%s", c ? c->gate : wait) != 0 ||
	    list_set(row, APPROVALS_REQUESTER, DRAW_DIM, e, "%s", r->requester) != 0)
		return -1;
	return 0;
}

static int view_approvals_count(struct list *l, size_t *match, size_t *all, struct err *e)
{
	struct view_approvals *p = l->src_ctx;
	struct queue_page_q q;
	int64_t m = 0, n = 0;

	view_approvals_query(p, l, &q);
	if (match != NULL && queue_page_count(p->a->st, &q, &m, e) != 0)
		return -1;
	q.filter = NULL;
	if (match != NULL && l->filter[0] == '\0')
		n = m;
	else if (queue_page_count(p->a->st, &q, &n, e) != 0)
		return -1;
	if (match != NULL)
		*match = (size_t)m;
	*all = (size_t)n;
	return 0;
}

/* Newest first: the list's "after" is the older requests. */
static int view_approvals_fetch(struct list *l, const char *key, size_t n, int older, struct err *e)
{
	struct view_approvals *p = l->src_ctx;
	struct view_approvals_adding x = {.l = l, .p = p};
	struct queue_page_q q;

	view_approvals_query(p, l, &q);
	return queue_page(p->a->st, &q, key != NULL ? strtoll(key, NULL, 10) : 0, older, n, view_approvals_row,
			  &x, e);
}

static int view_approvals_after(struct list *l, const char *key, size_t n, struct err *e)
{
	return view_approvals_fetch(l, key, n, 1, e);
}

static int view_approvals_before(struct list *l, const char *key, size_t n, struct err *e)
{
	return view_approvals_fetch(l, key, n, 0, e);
}

static int view_approvals_seek(struct list *l, const char *key, size_t *pos, int *found, struct err *e)
{
	struct view_approvals *p = l->src_ctx;
	struct queue_page_q q;
	int64_t at = 0;

	view_approvals_query(p, l, &q);
	if (queue_page_rank(p->a->st, &q, strtoll(key, NULL, 10), &at, found, e) != 0)
		return -1;
	*pos = (size_t)at;
	return 0;
}

static const struct list_source_ops view_approvals_source = {
	.count = view_approvals_count,
	.after = view_approvals_after,
	.before = view_approvals_before,
	.seek = view_approvals_seek,
};

static void view_approvals_history_texts(struct view_approvals *p)
{
	const char *state = p->state[0] ? p->state : NULL;

	snprintf(p->heading, sizeof p->heading, "history: %zu %s request%s", p->total, state ? state : "closed",
		 p->total == 1 ? "" : "s");
	snprintf(p->empty, sizeof p->empty, "no %s requests%s", state ? state : "closed", state ? "" : " yet");
}

static void view_approvals_open_texts(struct app *a, struct view_approvals *p)
{
	const struct principal *who = view_approvals_who(a);
	const char *dot = draw_utf8() ? "\xc2\xb7" : "-";
	char roles[128], me[256];

	if (who != NULL) {
		snprintf(me, sizeof me, "%.100s (%.120s)", who->name,
			 keyring_roles_text(who->roles, roles, sizeof roles));
		if (p->f == NULL && p->find_err[0] != '\0') {
			snprintf(p->heading, sizeof p->heading, "all %zu open %s cannot tell what waits for %s: %s",
				 p->open, dot, me, p->find_err);
			snprintf(p->empty, sizeof p->empty, "cannot tell what waits for %s: %s", me, p->find_err);
		} else if (p->f != NULL && p->mode == APPROVALS_MINE) {
			snprintf(p->heading, sizeof p->heading, "finding what waits for %s %s %zu open", me, dot,
				 p->open);
			snprintf(p->empty, sizeof p->empty, "finding what waits for %s (t shows every open request)", me);
		} else if (p->f != NULL) {
			snprintf(p->heading, sizeof p->heading, "all %zu open %s finding what waits for %s", p->open,
				 dot, me);
			snprintf(p->empty, sizeof p->empty,
				 "no open requests: open one with p on a version or `steward promote request`");
		} else if (p->mode == APPROVALS_MINE) {
			snprintf(p->heading, sizeof p->heading, "%zu wait%s for %s %s %zu open",
				 p->mine, p->mine == 1 ? "s" : "", me, dot, p->open);
			snprintf(p->empty, sizeof p->empty,
				 "nothing waits for %s: t shows all %zu open requests", me, p->open);
		} else {
			snprintf(p->heading, sizeof p->heading, "all %zu open %s %zu wait%s for %s",
				 p->open, dot, p->mine, p->mine == 1 ? "s" : "", me);
			snprintf(p->empty, sizeof p->empty,
				 "no open requests: open one with p on a version or `steward promote request`");
		}
		return;
	}
	/* Without a principal nothing can be said to wait for anyone. */
	if (!a->id.loaded)
		snprintf(p->heading, sizeof p->heading,
			 "all %zu open (no --key: start with --key FILE to see what waits for you)",
			 p->open);
	else if (!a->id.checked)
		/* Loaded again once it is proven (app_ledger_poll). */
		snprintf(p->heading, sizeof p->heading, "all %zu open (%.100s: proving the key%s)", p->open,
			 a->id.pub.name, draw_glyphs()->ellipsis);
	else
		snprintf(p->heading, sizeof p->heading, "all %zu open (%.100s: %.400s)", p->open,
			 a->id.pub.name, a->id.why);
	snprintf(p->empty, sizeof p->empty,
		 "no open requests: open one with p on a version or `steward promote request`");
}

/* The counts the heading gives, then the window around the selection:
 * what waits for the principal is asked of queue_waiting (one evaluation
 * of the open requests, shared with the header's count), every other
 * count of the store. */
static int view_approvals_load(struct app *a, struct view *v, struct err *e)
{
	struct view_approvals *p = v->priv;
	const struct principal *who = view_approvals_who(a);
	struct queue_page_q q;
	char keep[64];
	int64_t n;

	list_selected_key(&v->list, keep, sizeof keep);
	/* Decisions and gates may have changed: every row is evaluated afresh. */
	p->ncache = p->next = 0;
	view_approvals_eval_reset(p->w);
	free(p->ids);
	p->ids = NULL;
	p->nids = 0;
	if (p->mode == APPROVALS_HISTORY) {
		/* Counted with the window: the heading is written after it. */
		v->list.empty = p->empty;
		if (list_finish(&v->list, keep, e) != 0)
			return -1;
		p->total = list_total(&v->list);
		view_approvals_history_texts(p);
		return 0;
	} else {
		int rc = 0;

		p->find_err[0] = '\0';
		/* A kept answer is taken at once; else it is found away from the
		 * input thread, the open requests counted meanwhile (in place for
		 * a script, whose screens are compared). */
		if (who != NULL && p->f == NULL)
			rc = queue_waiting_cached(a->st, who, &p->ids, &p->nids, &p->open, e);
		if (rc < 0)
			return -1;
		if (who != NULL && rc == 0 && p->f == NULL) {
			p->f = a->in_place ? NULL : view_approvals_find_start(store_path(a->st), who);
			if (p->f == NULL && queue_waiting(a->st, who, &p->ids, &p->nids, &p->open, e) != 0)
				return -1;
			rc = p->f == NULL;
		} else if (who != NULL && p->f != NULL) {
			p->again = 1;
		}
		p->mine = p->nids;
		if (rc == 0) {
			memset(&q, 0, sizeof q);
			if (queue_page_count(a->st, &q, &n, e) != 0)
				return -1;
			p->open = (size_t)n;
		}
		view_approvals_open_texts(a, p);
	}
	v->list.empty = p->empty;
	return list_finish(&v->list, keep, e);
}

/* "", "mine", "all", "history", "history STATE" */
static int view_approvals_scope(struct view_approvals *p, const char *scope, int who,
				struct err *e)
{
	char word[32], state[32];
	int n;

	word[0] = state[0] = '\0';
	n = scope != NULL ? sscanf(scope, "%31s %31s", word, state) : 0;
	p->mode = who ? APPROVALS_MINE : APPROVALS_ALL;
	if (n <= 0 || strcmp(word, "mine") == 0)
		return n == 2 ? err_set(e, ERR_INVALID, ":approvals mine takes nothing more") : 0;
	if (strcmp(word, "all") == 0) {
		p->mode = APPROVALS_ALL;
		return n == 2 ? err_set(e, ERR_INVALID, ":approvals all takes nothing more") : 0;
	}
	if (strcmp(word, "history") == 0) {
		static const char *const states[] = { "applied", "rejected", "withdrawn", "superseded",
						      "expired", NULL };
		size_t i;

		p->mode = APPROVALS_HISTORY;
		if (n < 2)
			return 0;
		for (i = 0; states[i] != NULL && strcmp(states[i], state) != 0; i++)
			;
		if (states[i] == NULL)
			return err_set(e, ERR_INVALID,
				       ":approvals history takes applied, rejected, withdrawn, superseded or expired");
		snprintf(p->state, sizeof p->state, "%.15s", state);
		return 0;
	}
	return err_set(e, ERR_INVALID, "unknown :approvals argument (try all, or history [STATE])");
}

/* The open requests and the history are different tables; both are
 * windows of the store. */
static void view_approvals_columns(struct view *v)
{
	struct view_approvals *p = v->priv;

	list_free(&v->list);
	if (p->mode == APPROVALS_HISTORY)
		list_init(&v->list, view_approvals_past_cols, PAST_NCOLS, 1, "");
	else
		list_init(&v->list, view_approvals_cols, APPROVALS_NCOLS, 1, "");
	list_source(&v->list, &view_approvals_source, p);
}

static void view_approvals_close(struct view *v)
{
	struct view_approvals *p = v->priv;

	if (p != NULL) {
		if (p->f != NULL)
			view_approvals_find_drop(p->f);
		view_approvals_eval_stop(p->w);
		free(p->ids);
	}
	free(v->priv);
	v->priv = NULL;
}

/* Asks for list row k (in list order) when the window holds it and it
 * is not known yet; fills it in when it is; 1 when it was filled in. */
static int view_approvals_want(struct app *a, struct view_approvals *p, struct list *l, size_t k)
{
	const struct view_approvals_eval *c;
	struct list_row *row;
	int64_t id;

	if (k < l->win || k - l->win >= l->n)
		return 0;
	row = &l->rows[k - l->win];
	if (row->key == NULL)
		return 0;
	id = strtoll(row->key, NULL, 10);
	c = view_approvals_cached(p, id);
	if (c == NULL)
		view_approvals_ask(a, p, view_approvals_slot(p, id));
	else if (c->pending)
		view_approvals_again(p, id);
	return view_approvals_cells(a, p, row);
}

/* Asks for the rows in sight that are not known yet, and fills in those
 * that are; 1 when one was filled in (the columns may then be sized anew).
 * With the evaluator, the two pages below and the page above the screen
 * are asked first: it takes the newest ask first, so they are evaluated once
 * the rows in sight are, while the person reads them, and a page key
 * finds them known instead of waiting for a gate a row (ms each). */
static int view_approvals_gate_visible(struct app *a, struct view *v)
{
	struct view_approvals *p = v->priv;
	struct list *l = &v->list;
	size_t k, h = l->height > 0 ? (size_t)l->height : 0, end = l->top + h;
	int filled = 0;

	if (p->mode == APPROVALS_HISTORY || l->src == NULL)
		return 0;
	if (end > l->nvis)
		end = l->nvis;
	if (!a->in_place) {
		/* Farthest first: the nearest are taken sooner. Two pages
		 * below, as two page keys in a row go that far. */
		for (k = end + 2 * h; k-- > end;)
			if (k < l->nvis)
				filled |= view_approvals_want(a, p, l, k);
		for (k = l->top > h ? l->top - h : 0; k < l->top; k++)
			filled |= view_approvals_want(a, p, l, k);
	}
	for (k = l->top; k < end; k++)
		filled |= view_approvals_want(a, p, l, k);
	if (filled)
		l->widths_stale = 1;
	return filled;
}

/* Whether the evaluator has rows to evaluate or results to hand over. */
static int view_approvals_eval_busy(struct view_approvals_evaluator *w)
{
	int busy;

	if (w == NULL)
		return 0;
	pthread_mutex_lock(&w->wk.mu);
	busy = w->nwant > 0 || w->running || w->ngot > 0;
	pthread_mutex_unlock(&w->wk.mu);
	return busy;
}

static int view_approvals_open(struct app *a, struct view *v, const struct view_arg *arg,
			       struct err *e)
{
	struct view_approvals *p = calloc(1, sizeof *p);

	if (p == NULL)
		return err_set(e, ERR_IO, "out of memory");
	v->priv = p;
	p->a = a;
	if (view_approvals_scope(p, arg != NULL ? arg->scope : NULL, view_approvals_who(a) != NULL,
				 e) != 0)
		return -1;
	view_approvals_columns(v);
	return view_approvals_load(a, v, e);
}

/* The selected request's id, 0 when nothing is selected. */
static int64_t view_approvals_selected(const struct view *v)
{
	const struct list_row *r = list_selected(&v->list);

	return r != NULL && r->key != NULL ? strtoll(r->key, NULL, 10) : 0;
}

static int view_approvals_enter(struct app *a, struct view *v, struct err *e)
{
	struct view_arg arg = {0};

	(void)e;
	arg.request = view_approvals_selected(v);
	if (arg.request > 0)
		app_push(a, &view_request_ops, &arg);
	return 0;
}

static int view_approvals_offers(const struct app *a, const struct view *v,
				 const struct action *act)
{
	const struct view_approvals *p = v->priv;

	if (act->id == ACT_APPROVALS_HISTORY)
		return 1;
	if (act->id == ACT_APPROVALS_MINE)
		return view_approvals_who(a) != NULL || p->mode == APPROVALS_HISTORY;
	return (act->id == ACT_APPROVE || act->id == ACT_REJECT || act->id == ACT_APPLY) &&
	       p->mode != APPROVALS_HISTORY && view_approvals_selected(v) > 0;
}

/* t and H: another mode, the selection kept where the request still shows. */
static void view_approvals_switch(struct app *a, struct view *v, enum approvals_mode mode)
{
	struct view_approvals *p = v->priv;
	struct err e;

	err_clear(&e);
	p->mode = mode;
	p->state[0] = '\0';
	view_approvals_columns(v);
	if (view_approvals_load(a, v, &e) != 0)
		app_error(a, "%s", e.msg);
}

static int view_approvals_key(struct app *a, struct view *v, const struct action *act)
{
	struct view_approvals *p = v->priv;
	int64_t id = view_approvals_selected(v);

	if (act->id == ACT_APPROVALS_MINE) {
		if (p->mode == APPROVALS_HISTORY)
			view_approvals_switch(a, v, view_approvals_who(a) ? APPROVALS_MINE : APPROVALS_ALL);
		else if (view_approvals_who(a) == NULL)
			app_error(a, "nothing waits for anyone without a known --key: this is every open request");
		else
			view_approvals_switch(a, v, p->mode == APPROVALS_MINE ? APPROVALS_ALL : APPROVALS_MINE);
		return 1;
	}
	if (act->id == ACT_APPROVALS_HISTORY) {
		if (p->mode == APPROVALS_HISTORY)
			view_approvals_switch(a, v, view_approvals_who(a) ? APPROVALS_MINE : APPROVALS_ALL);
		else
			view_approvals_switch(a, v, APPROVALS_HISTORY);
		return 1;
	}
	if (act->id != ACT_APPROVE && act->id != ACT_REJECT && act->id != ACT_APPLY)
		return 0;
	if (p->mode == APPROVALS_HISTORY)
		app_error(a, "these requests are closed: H goes back to the open ones");
	else if (id <= 0)
		app_error(a, "no request selected");
	else if (act->id == ACT_APPLY)
		sign_apply_start(a, id);
	else
		sign_decision_start(a, id, act->id == ACT_APPROVE);
	return 1;
}

static void view_approvals_draw(struct app *a, struct view *v, int y, int x, int h, int w)
{
	struct view_approvals *p = v->priv;

	if (h < 3) {
		list_draw(&v->list, y, x, h, w);
		return;
	}
	draw_text(y, x + 1, w - 1, draw_attr(DRAW_HEADING, 0), p->heading);
	list_draw(&v->list, y + 1, x, h - 1, w);
	/* The first draw says which rows are in sight; their gates, then
	 * again over a cleared box (the columns may have moved). */
	if (view_approvals_gate_visible(a, v)) {
		int i;

		for (i = 1; i < h; i++)
			draw_fill(y + i, x, w, draw_attr(DRAW_NORMAL, 0));
		list_draw(&v->list, y + 1, x, h - 1, w);
	}
}

/* What waits for the principal, once found: the list is loaded again
 * with it, the selection kept. 1 while it is still being found. */
static int view_approvals_poll(struct app *a, struct view *v, int wait)
{
	struct view_approvals *p = v->priv;
	char err[512], keep[64];
	int64_t *ids = NULL;
	size_t n = 0, open = 0;
	struct err e;

	if (p->f == NULL) {
		int busy = view_approvals_eval_take(a, v, wait);

		/* A key moved the list since the draw: the rows now in sight are
		 * asked for here, so the loop knows to look for their gates soon
		 * rather than at its idle timeout (asked in the draw, they came
		 * a quarter of a second late, after the next key). */
		if (!a->in_place && view_approvals_gate_visible(a, v))
			busy = 1;
		return busy | view_approvals_eval_busy(p->w);
	}
	if (!view_approvals_find_end(p->f, wait, &ids, &n, &open, err, sizeof err))
		return 1 | view_approvals_eval_take(a, v, 0);
	p->f = NULL;
	err_clear(&e);
	if (err[0] != '\0') {
		free(ids);
		snprintf(p->find_err, sizeof p->find_err, "%s", err);
		view_approvals_open_texts(a, p);
		return 0;
	}
	if (p->mode == APPROVALS_HISTORY) {
		free(ids);
		return 0;
	}
	if (p->again) {
		/* Found for a store since changed: found again (kept, when it did not). */
		p->again = 0;
		free(ids);
		if (view_approvals_load(a, v, &e) != 0)
			app_error(a, "%s", e.msg);
		return p->f != NULL ? (wait ? view_approvals_poll(a, v, wait) : 1) : 0;
	}
	free(p->ids);
	p->ids = ids;
	p->nids = p->mine = n;
	p->open = open;
	view_approvals_open_texts(a, p);
	list_selected_key(&v->list, keep, sizeof keep);
	if (list_finish(&v->list, keep, &e) != 0)
		app_error(a, "%s", e.msg);
	return 0;
}

static void view_approvals_title(struct view *v, char *buf, size_t n)
{
	const struct view_approvals *p = v->priv;

	if (p->mode == APPROVALS_HISTORY)
		snprintf(buf, n, "approvals history%s%s", p->state[0] ? " " : "", p->state);
	else
		snprintf(buf, n, "approvals");
}

const struct view_ops view_approvals_ops = {
	.name = "approvals",
	.open = view_approvals_open,
	.close = view_approvals_close,
	.refresh = view_approvals_load,
	.draw = view_approvals_draw,
	.key = view_approvals_key,
	.enter = view_approvals_enter,
	.title = view_approvals_title,
	.offers = view_approvals_offers,
	.poll = view_approvals_poll,
};
