/* app: the view stack, store-change detection, questions and passphrases, identity, ledger state and messages shared by the console. */
#include "app.h"

#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "approval.h"
#include "queue.h"
#include "audit.h"
#include "draw.h"
#include "incident.h"
#include "keys.h"
#include "registry.h"
#include "worker.h"

struct view *app_top(struct app *a)
{
	return a->depth > 0 ? a->stack[a->depth - 1] : NULL;
}

const struct view *app_top_const(const struct app *a)
{
	return a->depth > 0 ? a->stack[a->depth - 1] : NULL;
}

static void app_view_free(struct view *v)
{
	if (v == NULL)
		return;
	if (v->ops->close != NULL)
		v->ops->close(v);
	list_free(&v->list);
	free(v);
}

/* Two optional strings of view arguments say the same ("" as NULL). */
static int app_str_same(const char *x, const char *y)
{
	return strcmp(x != NULL ? x : "", y != NULL ? y : "") == 0;
}

/* Two view arguments name the same thing. */
static int app_arg_same(const struct view_arg *x, const struct view_arg *y)
{
	static const struct view_arg none;

	if (x == NULL)
		x = &none;
	if (y == NULL)
		y = &none;
	return app_str_same(x->model, y->model) && app_str_same(x->scope, y->scope) &&
	       app_str_same(x->ns, y->ns) && app_str_same(x->dataset, y->dataset) &&
	       x->version == y->version && x->request == y->request && x->seq == y->seq &&
	       x->policy == y->policy && x->other == y->other && x->incident == y->incident;
}

/* A view with ops and arg in the stack, loaded at the store's current
 * data version, that a new one can be copied from (ops->copy); or NULL. */
static const struct view *app_fresh_twin(const struct app *a, const struct view_ops *ops,
					 const struct view_arg *arg)
{
	int i;

	if (ops->copy == NULL || link_down(a))
		return NULL;
	for (i = a->depth - 1; i >= 0; i--) {
		const struct view *v = a->stack[i];

		if (v->ops == ops && v->seen_version == a->data_version && app_arg_same(&v->arg, arg))
			return v;
	}
	return NULL;
}

int app_push(struct app *a, const struct view_ops *ops, const struct view_arg *arg)
{
	const struct view *twin;
	struct view *v;
	struct err e;

	err_clear(&e);
	if (a->depth >= APP_STACK_MAX) {
		app_error(a, "too many views open; press Esc to go back");
		return -1;
	}
	v = calloc(1, sizeof *v);
	if (v == NULL) {
		app_error(a, "out of memory opening %s", ops->name);
		return -1;
	}
	v->ops = ops;
	v->seen_version = a->data_version;
	if (arg != NULL) {
		v->arg = *arg;
		if (arg->model != NULL) {
			snprintf(v->model, sizeof v->model, "%s", arg->model);
			v->arg.model = v->model;
		}
		if (arg->scope != NULL) {
			snprintf(v->scope, sizeof v->scope, "%s", arg->scope);
			v->arg.scope = v->scope;
		}
		if (arg->ns != NULL) {
			snprintf(v->ns, sizeof v->ns, "%s", arg->ns);
			v->arg.ns = v->ns;
		}
		if (arg->dataset != NULL) {
			snprintf(v->dataset, sizeof v->dataset, "%s", arg->dataset);
			v->arg.dataset = v->dataset;
		}
	}
	twin = app_fresh_twin(a, ops, arg);
	if ((twin != NULL ? ops->copy(a, v, twin, &e) : ops->open(a, v, arg, &e)) != 0) {
		app_error(a, "%s", e.msg[0] ? e.msg : "cannot open the view");
		app_view_free(v);
		return -1;
	}
	a->stack[a->depth++] = v;
	return 0;
}

static void app_reload(struct app *a, struct view *v)
{
	struct err e;

	err_clear(&e);
	v->seen_version = a->data_version;
	if (v->ops->refresh != NULL && v->ops->refresh(a, v, &e) != 0)
		app_error(a, "reloading %s: %s", v->ops->name, e.msg);
}

void app_pop(struct app *a)
{
	struct view *v;

	if (a->depth <= 1)
		return;
	app_view_free(a->stack[--a->depth]);
	a->stack[a->depth] = NULL;
	v = app_top(a);
	if (v != NULL && v->seen_version != a->data_version && !link_down(a))
		app_reload(a, v);
}

void app_pop_to_root(struct app *a)
{
	while (a->depth > 1)
		app_pop(a);
}

int app_goto(struct app *a, const struct view_ops *ops, const struct view_arg *arg)
{
	struct view *top = app_top(a);

	if (top != NULL && top->ops == ops && app_arg_same(&top->arg, arg))
		return 0;
	if (a->depth >= APP_STACK_MAX) {
		app_view_free(a->stack[1]);
		memmove(&a->stack[1], &a->stack[2], (size_t)(a->depth - 2) * sizeof a->stack[0]);
		a->stack[--a->depth] = NULL;
	}
	return app_push(a, ops, arg);
}

void app_crumbs(const struct app *a, char *buf, size_t n)
{
	size_t used = 0;
	int i;

	buf[0] = '\0';
	/* The root is always the models list: named only when it is all there is. */
	for (i = a->depth > 1 ? 1 : 0; i < a->depth; i++) {
		const struct view *v = a->stack[i];
		char title[256];
		int w;

		if (v->ops->title != NULL)
			v->ops->title((struct view *)v, title, sizeof title);
		else
			snprintf(title, sizeof title, "%s", v->ops->name);
		w = snprintf(buf + used, n - used, "%s%s", used ? draw_glyphs()->crumb : "", title);
		if (w < 0 || (size_t)w >= n - used)
			return;
		used += (size_t)w;
	}
}

void app_history_add(struct app *a, const char *line)
{
	if (line[0] == '\0')
		return;
	if (a->nhistory > 0 && strcmp(a->history[a->nhistory - 1], line) == 0) {
		a->hpos = a->nhistory;
		return;
	}
	if (a->nhistory == APP_HISTORY_MAX) {
		memmove(a->history[0], a->history[1], sizeof a->history - sizeof a->history[0]);
		a->nhistory--;
	}
	snprintf(a->history[a->nhistory++], APP_LINE_MAX, "%s", line);
	a->hpos = a->nhistory;
}

void app_close_all(struct app *a)
{
	/* Quitting in the middle of a passphrase must not leave it behind. */
	if (a->mode != APP_NORMAL)
		app_ask_cancel(a);
	while (a->depth > 0) {
		app_view_free(a->stack[--a->depth]);
		a->stack[a->depth] = NULL;
	}
}

void app_counts(struct app *a)
{
	struct err e;

	a->model_count = registry_model_count(a->st);
	a->incident_count = incident_count_open(a->st, &e);
}

void app_reload_top(struct app *a)
{
	struct view *v = app_top(a);

	if (v != NULL)
		app_reload(a, v);
}

/* Reloads the top view and marks those under it stale: all of them, or
 * (personal_only) those whose rows depend on who is signed in. */
static void app_reload_views(struct app *a, int personal_only)
{
	struct view *top = app_top(a);
	int i;

	for (i = 0; i + 1 < a->depth; i++)
		if (!personal_only || !a->stack[i]->ops->impersonal)
			a->stack[i]->seen_version = INT64_MIN;
	if (top != NULL && !(personal_only && top->ops->impersonal))
		app_reload(a, top);
}

void app_reload_all(struct app *a)
{
	app_reload_views(a, 0);
}

static void app_store_reload(struct app *a)
{
	app_counts(a);
	app_identity_check(a);
	app_ledger_check(a);
	app_reload_top(a);
}

void app_check_store(struct app *a)
{
	int64_t dv;

	/* Reading a dead connection would only blank the view: link.c
	 * reloads everything once it is back. */
	if (link_down(a))
		return;
	dv = store_data_version(a->st);
	/* The notification socket said the server went away. */
	if (dv == a->data_version || !store_connected(a->st))
		return;
	a->data_version = dv;
	app_store_reload(a);
}

void app_store_written(struct app *a)
{
	if (link_down(a) || !store_connected(a->st))
		return;
	/* Whatever notification already came is this write's or older. */
	a->data_version = store_data_version(a->st);
	app_store_reload(a);
}

static void app_vmessage(struct app *a, int error, const char *fmt, va_list ap)
{
	vsnprintf(a->msg, sizeof a->msg, fmt, ap);
	a->msg_error = error;
}

void app_message(struct app *a, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	app_vmessage(a, 0, fmt, ap);
	va_end(ap);
}

void app_error(struct app *a, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	app_vmessage(a, 1, fmt, ap);
	va_end(ap);
}

void app_clear_message(struct app *a)
{
	a->msg[0] = '\0';
	a->msg_error = 0;
}

int app_identity_open(struct app *a, const char *key_path, struct err *e)
{
	struct app_identity *id = &a->id;
	char name[KEYS_NAME_MAX + 1], pubpath[sizeof id->path + 8];
	unsigned mode;
	int kind;

	memset(id, 0, sizeof *id);
	if (snprintf(id->path, sizeof id->path, "%s", key_path) >= (int)sizeof id->path)
		return err_set(e, ERR_INVALID, "--key path is too long");
	kind = keys_file_kind(key_path, e);
	if (kind < 0)
		return -1;
	if (kind == KEYS_KIND_PUBLIC)
		return err_set(e, ERR_INVALID,
			       "--key %s is a public key; give the secret key file (with its .pub beside it)",
			       key_path);
	if (keys_inspect_secret(key_path, name, &mode, e) != 0)
		return -1;
	/* Refused now, not after the passphrase has been typed for nothing. */
	if (mode & 077)
		return err_set(e, ERR_DENIED,
			       "key file %s has mode %04o: other users can read it; run chmod 600 %s",
			       key_path, mode & 07777, key_path);
	snprintf(pubpath, sizeof pubpath, "%s.pub", key_path);
	/* The public half is sealed with the seed; without the passphrase the
	 * identity comes from the .pub written beside it (as `key show` does). */
	if (keys_load_public(pubpath, &id->pub, e) != 0)
		return err_prefix(e, "--key %s: its public half", key_path);
	if (strcmp(id->pub.name, name) != 0)
		return err_set(e, ERR_INVALID,
			       "%s is for key '%s' but %s is the secret key of '%s': they are not a pair",
			       pubpath, id->pub.name, key_path, name);
	id->loaded = 1;
	return 0;
}

void app_identity_check(struct app *a)
{
	struct app_identity *id = &a->id;
	struct err e;

	/* The first proof is the verifier's (app_ledger_check): until it
	 * reports there is nothing to prove again. */
	if (!id->loaded || (!id->checked && a->verifier != NULL))
		return;
	err_clear(&e);
	id->checked = 1;
	id->known = keyring_whoami(a->st, id->pub.id, &id->who, &e) == 0;
	snprintf(id->why, sizeof id->why, "%s", id->known ? "" : e.msg);
}

/* What one verification found, as the header shows it, and what waits
 * for who (NULL: nobody signed in). */
static void app_ledger_run(struct store *st, struct app_ledger *l, const struct principal *who,
			   const struct audit_run *o, int (*stopping)(void *arg), void *arg)
{
	struct audit_report ar;
	struct err e;
	int rc;

	memset(&ar, 0, sizeof ar);
	memset(l, 0, sizeof *l);
	err_clear(&e);
	if (who != NULL && queue_count(st, who, &l->waiting, &l->open, &e) == 0)
		l->counted = 1;
	/* The count may have waited for :approvals' own (queue_waiting): a
	 * quit's interrupt that came meanwhile found no statement to stop. */
	if (stopping != NULL && stopping(arg)) {
		l->state = APP_LEDGER_ERROR;
		snprintf(l->msg, sizeof l->msg, "stopped");
		return;
	}
	err_clear(&e);
	/* The whole audit (hashes, checkpoints, the keyring replay and every
	 * approval), of the entries after o->resume's checkpoint when it has one. */
	rc = audit_verify_run(st, NULL, o, &ar, &e);
	l->r = ar.ledger;
	l->checked = ar.checked;
	l->resumed = ar.resumed;
	if (rc == 0) {
		l->state = APP_LEDGER_OK;
	} else if (l->r.bad_seq != 0) {
		l->state = APP_LEDGER_FAILED;
	} else {
		/* No log key means a store made before `init --admin`: nothing to verify yet. */
		l->state = e.kind == ERR_NOTFOUND ? APP_LEDGER_NONE : APP_LEDGER_ERROR;
		snprintf(l->msg, sizeof l->msg, "%s", e.msg);
	}
}

/* Everything below mu is shared between the console and the worker. Lock
 * and unlock of a default mutex fail only when misused, so go unchecked. */
struct app_verifier {
	/* Its condition: any change below; the worker and app_ledger_wait both
	 * sleep on it. Its path: the store, opened afresh for each check. */
	struct worker wk;
	int requested;     /* a check is wanted (after the running one, if any) */
	int running;
	int stop;
	int fresh;         /* result holds a check the console has not taken */
	struct store *st;  /* the running check's connection, for interrupting it */
	struct app_ledger result;
	struct principal who; /* whose queue to count, as of the last request */
	int have_who;
	/* The --key's first proof, made on the worker's connection before its
	 * first check: reading the keyring and counting a million entries for
	 * holes must not hold up the first keys, which mostly only browse.
	 * prove: 0 none asked, 1 asked, 2 its result below is in. */
	int prove;
	char prove_id[KEYS_ID_HEX + 1];
	int proved_known;
	struct principal proved_who;
	char proved_why[512];
	int64_t done, total;  /* the running check's progress */
	/* Where the last check stopped, so the next reads only what is new
	 * (the worker's alone). Rewrites of older entries are found by a full
	 * check every full_every seconds, written to or not. */
	struct audit_resume *resume;
	long full_every;
	struct timespec last_full;
};

/* How often the console reads the whole ledger again (STEWARD_VERIFY_FULL_EVERY overrides it). */
#define APP_FULL_EVERY 600

static void app_verifier_progress(void *arg, const char *what, int64_t done, int64_t total)
{
	struct app_verifier *w = arg;

	(void)what;
	pthread_mutex_lock(&w->wk.mu);
	w->done = done;
	w->total = total;
	/* A quit that came between two statements interrupted none: the
	 * check's next step is told again, so quitting never waits out the
	 * rest of a long check. */
	if (w->stop && w->st != NULL)
		store_interrupt(w->st);
	pthread_mutex_unlock(&w->wk.mu);
}

static int app_verifier_stopping(void *arg)
{
	struct app_verifier *w = arg;
	int stop;

	pthread_mutex_lock(&w->wk.mu);
	stop = w->stop;
	pthread_mutex_unlock(&w->wk.mu);
	return stop;
}

/* Waits for a request, or until the next full check is due (which then is one). */
static void app_verifier_sleep(struct app_verifier *w)
{
	struct timespec due;

	while (!w->requested && !w->stop) {
		struct timespec now;

		/* 0: every check is a full one already, so none is due by itself. */
		if (w->resume == NULL || w->full_every == 0 || clock_gettime(CLOCK_MONOTONIC, &now) != 0) {
			pthread_cond_wait(&w->wk.cv, &w->wk.mu);
			continue;
		}
		if (now.tv_sec - w->last_full.tv_sec >= w->full_every) {
			w->requested = 1;
			break;
		}
		/* The condition waits on the real-time clock: wait that long from now on it. */
		if (clock_gettime(CLOCK_REALTIME, &due) != 0) {
			pthread_cond_wait(&w->wk.cv, &w->wk.mu);
			continue;
		}
		due.tv_sec += w->full_every - (now.tv_sec - w->last_full.tv_sec);
		pthread_cond_timedwait(&w->wk.cv, &w->wk.mu, &due);
	}
}

/* The --key's first proof, when asked for (called unlocked): its result
 * is the principal whose queue this check counts. st NULL: the store
 * could not be opened, e says why. */
static void app_verifier_prove(struct app_verifier *w, struct store *st, const struct err *open_e,
			       struct principal *who, int *have_who)
{
	char id[KEYS_ID_HEX + 1];
	struct principal p;
	struct err e;
	int asked, known;

	pthread_mutex_lock(&w->wk.mu);
	asked = w->prove == 1;
	snprintf(id, sizeof id, "%s", w->prove_id);
	pthread_mutex_unlock(&w->wk.mu);
	if (!asked)
		return;
	err_clear(&e);
	memset(&p, 0, sizeof p);
	if (st == NULL) {
		err_set(&e, open_e->kind, "cannot open the store to prove the key: %s", open_e->msg);
		known = 0;
	} else {
		known = keyring_whoami(st, id, &p, &e) == 0;
	}
	p.key = NULL;
	pthread_mutex_lock(&w->wk.mu);
	w->proved_known = known;
	w->proved_who = p;
	snprintf(w->proved_why, sizeof w->proved_why, "%s", known ? "" : e.msg);
	w->prove = 2;
	pthread_cond_broadcast(&w->wk.cv);
	worker_wake();
	pthread_mutex_unlock(&w->wk.mu);
	*have_who = known;
	if (known)
		*who = p;
}

/* The ledger check's nice: a background audit, under the keys and under
 * :approvals' gate evaluators (view-approvals.c), which the screen waits
 * for. On the bench estate its two minutes of a core were shared evenly
 * with the input thread: the risk officer's script opened a request in
 * 28 ms, of which the input thread ran about 11. The key's first proof,
 * which comes before, keeps the console's priority: opening a request
 * waits for that proof, and at nice 10 beside two evaluators at nice 5 it
 * got about a quarter of a core. A thread cannot take back a priority it
 * gave up, so the later proofs run under the check's. */
#define APP_NICE_CHECK 10

static void *app_verifier_main(void *arg)
{
	struct app_verifier *w = arg;
	int niced = 0;

	pthread_mutex_lock(&w->wk.mu);
	for (;;) {
		struct app_ledger l;
		struct principal who;
		int have_who;
		struct store *st;
		struct err e;

		struct audit_run o = { .jobs = 1 };
		struct timespec now;

		app_verifier_sleep(w);
		if (w->stop)
			break;
		w->requested = 0;
		w->running = 1;
		w->done = w->total = 0;
		o.progress.fn = app_verifier_progress;
		o.progress.arg = w;
		o.resume = w->resume;
		if (w->resume != NULL && clock_gettime(CLOCK_MONOTONIC, &now) == 0 &&
		    now.tv_sec - w->last_full.tv_sec >= w->full_every) {
			audit_resume_forget(w->resume);
			w->last_full = now;
		}
		who = w->who;
		have_who = w->have_who;
		pthread_mutex_unlock(&w->wk.mu);
		/* Its own connection: a SQLite connection is never shared between threads. */
		err_clear(&e);
		st = store_open(w->wk.path, STORE_READONLY | STORE_LEAN, &e);
		app_verifier_prove(w, st, &e, &who, &have_who);
		if (!niced) {
			worker_nice(APP_NICE_CHECK);
			niced = 1;
		}
		if (st != NULL) {
			pthread_mutex_lock(&w->wk.mu);
			w->st = st;
			pthread_mutex_unlock(&w->wk.mu);
			app_ledger_run(st, &l, have_who ? &who : NULL, &o, app_verifier_stopping, w);
			/* Cleared before closing, so a quit never interrupts a closed handle. */
			pthread_mutex_lock(&w->wk.mu);
			w->st = NULL;
			pthread_mutex_unlock(&w->wk.mu);
			store_close(st);
		} else {
			memset(&l, 0, sizeof l);
			l.state = APP_LEDGER_ERROR;
			snprintf(l.msg, sizeof l.msg, "%s", e.msg);
		}
		pthread_mutex_lock(&w->wk.mu);
		w->result = l;
		w->fresh = 1;
		w->running = 0;
		pthread_cond_broadcast(&w->wk.cv);
		worker_wake();
	}
	pthread_mutex_unlock(&w->wk.mu);
	return NULL;
}

/* Starts the worker; NULL when the thread (or its memory) cannot be had. */
static struct app_verifier *app_verifier_start(const char *path)
{
	struct app_verifier *w = calloc(1, sizeof *w);

	if (w == NULL)
		return NULL;
	{
		const char *every = getenv("STEWARD_VERIFY_FULL_EVERY");
		char *end = NULL;

		w->full_every = APP_FULL_EVERY;
		if (every != NULL && *every != '\0') {
			long v = strtol(every, &end, 10);

			/* Not a number of seconds: the default, never a check that only resumes. */
			if (*end == '\0' && v >= 0)
				w->full_every = v;
		}
	}
	/* Without it every check reads the whole ledger, as before. */
	w->resume = audit_resume_new();
	if (w->resume != NULL && clock_gettime(CLOCK_MONOTONIC, &w->last_full) != 0) {
		audit_resume_free(w->resume);
		w->resume = NULL;
	}
	if (worker_start(&w->wk, path, app_verifier_main, w) != 0) {
		audit_resume_free(w->resume);
		free(w);
		return NULL;
	}
	return w;
}

void app_ledger_check(struct app *a)
{
	struct app_verifier *w = a->verifier;

	if (w == NULL)
		w = a->verifier = app_verifier_start(store_path(a->st));
	if (w == NULL) {
		/* No thread to be had: prove and verify here rather than show nothing. */
		app_identity_check(a);
		app_ledger_run(a->st, &a->ledger, a->id.known ? &a->id.who : NULL, NULL, NULL, NULL);
		return;
	}
	pthread_mutex_lock(&w->wk.mu);
	if (a->id.loaded && !a->id.checked && w->prove == 0) {
		snprintf(w->prove_id, sizeof w->prove_id, "%s", a->id.pub.id);
		w->prove = 1;
	}
	/* Only the name and roles: the worker never signs. */
	w->have_who = a->id.loaded && a->id.known;
	if (w->have_who) {
		w->who = a->id.who;
		w->who.key = NULL;
	}
	w->requested = 1;
	pthread_cond_broadcast(&w->wk.cv);
	pthread_mutex_unlock(&w->wk.mu);
	a->ledger.verifying = 1;
}

int app_ledger_poll(struct app *a)
{
	struct app_verifier *w = a->verifier;
	int changed = 0, verifying, proved = 0;

	if (w == NULL)
		return 0;
	pthread_mutex_lock(&w->wk.mu);
	if (w->prove == 2 && a->id.loaded && !a->id.checked) {
		a->id.checked = 1;
		a->id.known = w->proved_known;
		a->id.who = w->proved_who;
		snprintf(a->id.why, sizeof a->id.why, "%s", w->proved_why);
		proved = changed = 1;
	}
	if (w->fresh) {
		a->ledger = w->result;
		w->fresh = 0;
		changed = 1;
	}
	verifying = w->running || w->requested;
	if (a->ledger.done != w->done || a->ledger.total != w->total)
		changed = 1;
	a->ledger.done = w->done;
	a->ledger.total = w->total;
	pthread_mutex_unlock(&w->wk.mu);
	if (a->ledger.verifying != verifying)
		changed = 1;
	a->ledger.verifying = verifying;
	/* Views mark what waits for who (:approvals): loaded again knowing it. */
	if (proved)
		app_reload_views(a, 1);
	return changed;
}

void app_identity_wait(struct app *a)
{
	struct app_verifier *w = a->verifier;

	if (w == NULL || !a->id.loaded || a->id.checked)
		return;
	pthread_mutex_lock(&w->wk.mu);
	while (w->prove == 1 && !w->stop)
		pthread_cond_wait(&w->wk.cv, &w->wk.mu);
	pthread_mutex_unlock(&w->wk.mu);
	app_ledger_poll(a);
}

void app_ledger_wait(struct app *a)
{
	struct app_verifier *w = a->verifier;

	if (w == NULL)
		return;
	pthread_mutex_lock(&w->wk.mu);
	while (w->running || w->requested)
		pthread_cond_wait(&w->wk.cv, &w->wk.mu);
	pthread_mutex_unlock(&w->wk.mu);
	app_ledger_poll(a);
}

void app_ledger_stop(struct app *a)
{
	struct app_verifier *w = a->verifier;

	if (w == NULL)
		return;
	pthread_mutex_lock(&w->wk.mu);
	w->stop = 1;
	w->requested = 0;
	/* A running check is cut short: quitting must not wait for a whole audit. */
	if (w->st != NULL)
		store_interrupt(w->st);
	pthread_cond_broadcast(&w->wk.cv);
	pthread_mutex_unlock(&w->wk.mu);
	if (worker_join(&w->wk) != 0)
		return; /* the thread may still use w: leave it rather than free it under it */
	audit_resume_free(w->resume);
	free(w);
	a->verifier = NULL;
}

static void app_secret_wipe(struct app *a)
{
	if (a->secret == NULL)
		return;
	sodium_memzero(a->secret, APP_SECRET_MAX + 1);
	sodium_free(a->secret);
	a->secret = NULL;
	a->secret_len = 0;
}

int app_ask(struct app *a, enum app_mode mode, const char *question, app_answer_fn answer)
{
	app_secret_wipe(a);
	/* The wait after a wrong passphrase runs before the next one is
	 * asked: the console stays live meanwhile and says how long is left. */
	if (mode == APP_SECRET && keys_wrong_wait_left_ms() > 0)
		mode = APP_HOLD;
	if (mode == APP_SECRET) {
		a->secret = sodium_malloc(APP_SECRET_MAX + 1);
		if (a->secret == NULL) {
			a->mode = APP_NORMAL;
			app_error(a, "out of secure memory for the passphrase");
			return -1;
		}
		a->secret[0] = '\0';
	}
	snprintf(a->ask, sizeof a->ask, "%s", question);
	a->answer = answer;
	a->mode = mode;
	a->line[0] = '\0';
	return 0;
}

void app_hold_tick(struct app *a)
{
	char q[sizeof a->ask];

	if (a->mode != APP_HOLD || keys_wrong_wait_left_ms() > 0)
		return;
	snprintf(q, sizeof q, "%s", a->ask);
	app_ask(a, APP_SECRET, q, a->answer);
}

void app_ask_answer(struct app *a)
{
	app_answer_fn answer = a->answer;
	char line[APP_LINE_MAX], yes[] = "y";
	char *secret = a->secret;
	size_t len = a->secret_len;
	enum app_mode mode = a->mode;

	/* Back to normal first: the answer may well ask the next question. */
	snprintf(line, sizeof line, "%s", a->line);
	a->line[0] = '\0';
	a->mode = APP_NORMAL;
	a->answer = NULL;
	a->secret = NULL;
	a->secret_len = 0;
	if (mode == APP_SECRET) {
		if (answer != NULL && secret != NULL)
			answer(a, secret, len);
		if (secret != NULL) {
			sodium_memzero(secret, APP_SECRET_MAX + 1);
			sodium_free(secret);
		}
		return;
	}
	if (answer != NULL) {
		if (mode == APP_CONFIRM)
			answer(a, yes, 1);
		else
			answer(a, line, strlen(line));
	}
}

void app_ask_cancel(struct app *a)
{
	app_secret_wipe(a);
	a->mode = APP_NORMAL;
	a->answer = NULL;
	a->line[0] = '\0';
	a->ask[0] = '\0';
}

int app_secret_add(struct app *a, const char *b, size_t n)
{
	if (a->secret == NULL || a->secret_len + n > APP_SECRET_MAX)
		return -1;
	memcpy(a->secret + a->secret_len, b, n);
	a->secret_len += n;
	a->secret[a->secret_len] = '\0';
	return 0;
}

void app_secret_bs(struct app *a)
{
	size_t n = a->secret_len;

	if (a->secret == NULL || n == 0)
		return;
	/* A whole UTF-8 character, as the other lines do. */
	while (n > 0 && ((unsigned char)a->secret[n - 1] & 0xc0) == 0x80)
		n--;
	if (n > 0)
		n--;
	sodium_memzero(a->secret + n, a->secret_len - n);
	a->secret_len = n;
}
