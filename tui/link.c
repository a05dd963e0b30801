/* link: the console's connection to a store that can drop (PostgreSQL): noticing the drop, retrying with backoff, refusing acts meanwhile, and settling acts whose commit the drop cut off. */
#include "link.h"

#include <stdio.h>
#include <time.h>

#include "app.h"

#define LINK_FIRST_MS 1000 /* the drop shows for a second even when the server is back at once */
#define LINK_MAX_MS 16000
#define LINK_ASK_MS 2000 /* how often an unknown outcome is asked about while the server cannot say */

static int64_t link_now_ms(void)
{
	struct timespec t;

	if (clock_gettime(CLOCK_MONOTONIC, &t) != 0)
		return 0;
	return (int64_t)t.tv_sec * 1000 + t.tv_nsec / 1000000;
}

/* 1 s, 2 s, 4 s ... 16 s: a restart is caught within seconds, an outage
 * is not hammered. */
static void link_schedule(struct link *l)
{
	int64_t wait = (int64_t)LINK_FIRST_MS << (l->tries < 4 ? l->tries : 4);

	l->retry_at = link_now_ms() + (wait < LINK_MAX_MS ? wait : LINK_MAX_MS);
}

int link_down(const struct app *a)
{
	return a->link.down;
}

int link_retry_in(const struct app *a)
{
	int64_t ms = a->link.retry_at - link_now_ms();

	return ms > 1000 ? (int)((ms + 999) / 1000) : 1;
}

void link_tag(const struct app *a, char *buf, size_t n)
{
	if (a->link.down)
		snprintf(buf, n, "[disconnected: retrying in %ds]  ", link_retry_in(a));
	else
		snprintf(buf, n, "%s", "");
}

int link_refuse(struct app *a, const char *what)
{
	if (!a->link.down)
		return 0;
	app_error(a, "disconnected from the store: cannot %s until it is back (retrying in %ds); nothing changed",
		  what, link_retry_in(a));
	return 1;
}

/* Asks the server how the act cut off by the drop ended; 1 when it said. */
static int link_settle(struct app *a)
{
	struct link *l = &a->link;
	struct err e;
	int r;

	err_clear(&e);
	r = store_commit_outcome(a->st, l->unsure, &e);
	if (r < 0) {
		/* The console's own connection went too: asked again once it is back. */
		l->ask_at = link_now_ms() + LINK_ASK_MS;
		if (!store_connected(a->st) || e.kind != ERR_NOTFOUND)
			return 0;
		app_error(a, "%s: outcome still unknown (%s); check the ledger", l->what, e.msg);
	} else if (r == 1) {
		app_message(a, "%s was recorded: its commit went through before the connection dropped", l->what);
	} else {
		app_error(a, "%s was NOT recorded: the connection dropped before it committed; nothing changed",
			  l->what);
	}
	l->unsure = 0;
	return 1;
}

/* The connection is back: the same views, reloaded. */
static void link_back(struct app *a)
{
	a->data_version = store_data_version(a->st);
	app_counts(a);
	app_identity_check(a);
	app_ledger_check(a);
	app_reload_all(a);
	app_message(a, "reconnected to the store");
}

int link_tick(struct app *a)
{
	struct link *l = &a->link;
	struct err e;
	int changed = 0;

	if (!l->down && !store_connected(a->st)) {
		l->down = 1;
		l->tries = 0;
		link_schedule(l);
		app_error(a, "lost the connection to the store: showing what was loaded; acts wait until it is back");
		changed = 1;
	}
	if (l->down && link_now_ms() >= l->retry_at) {
		err_clear(&e);
		if (store_reconnect(a->st, &e) != 0) {
			l->tries++;
			link_schedule(l);
		} else {
			l->down = 0;
			l->tries = 0;
			link_back(a);
		}
		changed = 1;
	}
	if (!l->down && l->unsure != 0 && link_now_ms() >= l->ask_at)
		changed |= link_settle(a);
	return changed;
}

int link_commit(struct store *st, int64_t *unsure, struct err *e)
{
	int64_t mark = 0;

	*unsure = 0;
	/* Before COMMIT: once it is sent, only the server knows. */
	if (store_commit_mark(st, &mark, e) != 0)
		return -1;
	if (store_commit(st, e) == 0)
		return 0;
	if (mark != 0 && !store_connected(st)) {
		*unsure = mark;
		err_set(e, ERR_STORE,
			"unknown outcome: the connection to the store dropped while committing, so it may or may"
			" not be recorded; check the ledger (steward audit log): the console looks as soon as the"
			" server answers");
	}
	return -1;
}

void link_unsure(struct app *a, int64_t mark, const char *what)
{
	if (mark == 0)
		return;
	a->link.unsure = mark;
	a->link.ask_at = 0;
	snprintf(a->link.what, sizeof a->link.what, "%s", what);
}
