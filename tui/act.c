/* act: runs a governed act through a plugin on a worker thread, shows its progress and outcome, and decides what quitting does while one runs. */
#include "act.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "app.h"
#include "draw.h"

struct act_job {
	pthread_t t;
	int done; /* atomic: set by the worker as its last write */
	char what[200];
	struct timespec started;
	act_run_fn run;
	void *arg;
	void (*free_arg)(void *arg);
	int rc;
	char msg[768];
	struct err e;
};

/* The console asks one question at a time and refuses a second act while
 * one runs, so one job suffices. */
static struct act_job *act_cur;
/* A worker still inside a plugin when the process ends: left running and
 * kept reachable here, since it still writes to its job (see act_stop). */
static struct act_job *act_abandoned;
static int act_quit_pending; /* q was pressed: quit once the act ends */
static int act_quit_forced;  /* the user chose to quit without waiting */
static char act_status[256]; /* the status line this module wrote last */
static char act_outcome[1024]; /* for stderr: an act the quit waited for */

static void *act_main(void *arg)
{
	struct act_job *j = arg;

	err_clear(&j->e);
	j->msg[0] = '\0';
	j->rc = j->run(j->arg, j->msg, sizeof j->msg, &j->e);
	__atomic_store_n(&j->done, 1, __ATOMIC_RELEASE);
	return NULL;
}

static double act_elapsed(const struct act_job *j)
{
	struct timespec now;

	if (clock_gettime(CLOCK_MONOTONIC, &now) != 0)
		return 0;
	return (double)(now.tv_sec - j->started.tv_sec) + (double)(now.tv_nsec - j->started.tv_nsec) / 1e9;
}

int act_start(struct app *a, const char *what, act_run_fn run, void *arg, void (*free_arg)(void *arg))
{
	struct act_job *j;

	if (act_cur != NULL) {
		app_error(a, "%s is still running: one act at a time", act_cur->what);
		free_arg(arg);
		return -1;
	}
	j = calloc(1, sizeof *j);
	if (j == NULL) {
		app_error(a, "out of memory");
		free_arg(arg);
		return -1;
	}
	snprintf(j->what, sizeof j->what, "%s", what);
	j->run = run;
	j->arg = arg;
	j->free_arg = free_arg;
	if (clock_gettime(CLOCK_MONOTONIC, &j->started) != 0)
		memset(&j->started, 0, sizeof j->started);
	if (pthread_create(&j->t, NULL, act_main, j) != 0) {
		app_error(a, "cannot start a worker for %s; nothing changed", what);
		free_arg(arg);
		free(j);
		return -1;
	}
	act_cur = j;
	act_quit_pending = 0;
	act_status[0] = '\0';
	act_poll(a);
	return 0;
}

const char *act_running(void)
{
	return act_cur != NULL ? act_cur->what : "";
}

/* Joins a finished worker and frees the job; the outcome stays in rc, msg, e. */
static void act_collect(struct act_job *j, int *rc, char *msg, size_t n)
{
	pthread_join(j->t, NULL);
	*rc = j->rc;
	snprintf(msg, n, "%s", j->rc == 0 ? j->msg : j->e.msg);
	j->free_arg(j->arg);
	free(j);
}

/* The act's result on screen, and the quit that waited for it. */
static void act_finish(struct app *a)
{
	char msg[768], what[200];
	int rc;

	snprintf(what, sizeof what, "%s", act_cur->what);
	act_collect(act_cur, &rc, msg, sizeof msg);
	act_cur = NULL;
	/* Show the change (or that nothing changed) at once. */
	app_store_written(a);
	if (rc != 0)
		app_error(a, "%s", msg);
	else
		app_message(a, "%s", msg);
	act_status[0] = '\0';
	if (act_quit_pending) {
		/* Said again once the terminal is back: the screen goes with the quit. */
		snprintf(act_outcome, sizeof act_outcome, "%s %s before quitting: %s", what,
			 rc == 0 ? "ended" : "FAILED", msg);
		act_quit_pending = 0;
		a->quit = 1;
	}
}

int act_poll(struct app *a)
{
	if (act_cur == NULL)
		return 0;
	if (__atomic_load_n(&act_cur->done, __ATOMIC_ACQUIRE)) {
		act_finish(a);
		return 1;
	}
	/* The progress comes back after any other message a key left, but
	 * never over a question being asked. */
	if (a->mode != APP_NORMAL || (a->msg[0] != '\0' && strcmp(a->msg, act_status) != 0))
		return 0;
	if (act_quit_pending)
		snprintf(act_status, sizeof act_status, "quit waits for: %.150s%s %.0fs (q again: quit now)",
			 act_cur->what, draw_glyphs()->ellipsis, act_elapsed(act_cur));
	else
		snprintf(act_status, sizeof act_status, "%.150s%s %.0fs", act_cur->what, draw_glyphs()->ellipsis,
			 act_elapsed(act_cur));
	app_message(a, "%s", act_status);
	return 0;
}

int act_wait(struct app *a)
{
	struct timespec tick = { 0, 10 * 1000 * 1000 };

	if (act_cur == NULL)
		return 0;
	while (!__atomic_load_n(&act_cur->done, __ATOMIC_ACQUIRE))
		nanosleep(&tick, NULL);
	act_finish(a);
	return 1;
}

static void act_quit_confirmed(struct app *a, char *text, size_t len)
{
	(void)text;
	(void)len;
	act_quit_forced = 1;
	a->quit = 1;
}

int act_may_quit(struct app *a)
{
	char q[APP_LINE_MAX * 2];

	if (act_cur == NULL || act_quit_forced)
		return 1;
	/* Leaving now could leave the alias moved in the backend with no
	 * ledger entry for it: waiting is the default, quitting anyway is a
	 * second, confirmed choice. */
	if (!act_quit_pending) {
		act_quit_pending = 1;
		act_status[0] = '\0';
		app_clear_message(a);
		act_poll(a);
		return 0;
	}
	snprintf(q, sizeof q,
		 "quit while %.150s? The backend may then make the move with no ledger entry for it "
		 "(the next sync reports it as an unapproved change) (y/n)",
		 act_cur->what);
	app_ask(a, APP_CONFIRM, q, act_quit_confirmed);
	return 0;
}

void act_stop(const struct timespec *deadline)
{
	struct timespec now, tick = { 0, 10 * 1000 * 1000 };
	char msg[768];
	int rc;

	if (act_outcome[0] != '\0') {
		fprintf(stderr, "steward: %s\n", act_outcome);
		act_outcome[0] = '\0';
	}
	if (act_cur == NULL)
		return;
	while (!__atomic_load_n(&act_cur->done, __ATOMIC_ACQUIRE) && clock_gettime(CLOCK_MONOTONIC, &now) == 0 &&
	       (now.tv_sec < deadline->tv_sec || (now.tv_sec == deadline->tv_sec && now.tv_nsec < deadline->tv_nsec)))
		nanosleep(&tick, NULL);
	if (__atomic_load_n(&act_cur->done, __ATOMIC_ACQUIRE)) {
		char what[200];

		snprintf(what, sizeof what, "%s", act_cur->what);
		act_collect(act_cur, &rc, msg, sizeof msg);
		act_cur = NULL;
		fprintf(stderr, "steward: %s %s: %s\n", what, rc == 0 ? "ended" : "FAILED", msg);
		return;
	}
	/* A plugin call cannot be interrupted, and joining could wait for
	 * ever. The worker is detached and its job (the plugin instance, the
	 * key, the store connection) left allocated under it, never freed:
	 * the process is about to end, and ending it is what stops the
	 * worker. Its transaction commits whole or, cut short by the exit,
	 * is dropped by SQLite: nothing half-written lands in the ledger. */
	pthread_detach(act_cur->t);
	act_abandoned = act_cur;
	act_cur = NULL;
	fprintf(stderr,
		"steward: quit while %s was in flight: it is in the ledger only if the backend confirmed it before "
		"the exit (steward audit log); a move the backend made without an entry shows at the next sync "
		"as an unapproved change\n",
		act_abandoned->what);
}
