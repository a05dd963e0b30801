/* link: the console's connection to a store that can drop (PostgreSQL): noticing the drop, retrying with backoff, refusing acts meanwhile, and acts whose commit the drop cut off. */
#ifndef STEWARD_TUI_LINK_H
#define STEWARD_TUI_LINK_H

#include <stddef.h>
#include <stdint.h>

#include "err.h"
#include "store.h"

struct app;

/* The state behind the header's "[disconnected: retrying in Ns]". */
struct link {
	int down;         /* the console's connection is gone */
	int tries;        /* attempts that failed since it went */
	int64_t retry_at; /* CLOCK_MONOTONIC milliseconds of the next attempt */
	/* An act whose COMMIT got no answer: what to ask the server about. */
	int64_t unsure;
	int64_t ask_at;
	char what[200];
};

/* Notices a drop, reconnects when the backoff says so (the view, its
 * selection and filter stay; everything is reloaded once it is back), and
 * settles an unknown outcome once the server can say. 1 when the header
 * or the view changed. Cheap: call it every time round the loop. */
int link_tick(struct app *a);
/* 1 while the connection is down. */
int link_down(const struct app *a);
/* Seconds until the next attempt, at least 1 while down. */
int link_retry_in(const struct app *a);
/* The header's tag ("" while connected). */
void link_tag(const struct app *a, char *buf, size_t n);
/* When down: says that what ("approve") cannot be done until the
 * connection is back (an error message) and returns 1; else 0. */
int link_refuse(struct app *a, const char *what);

/* Commits an act's transaction on st, its own connection: store_commit,
 * except that a commit cut off by the drop is neither success nor
 * failure: e then says the outcome is unknown and *unsure is the mark to
 * settle it with link_unsure (0 otherwise). The caller rolls back on -1,
 * as after store_commit. Runs on any thread: it touches no console state. */
int link_commit(struct store *st, int64_t *unsure, struct err *e);
/* Keeps an act of unknown outcome (what: "the decision on request #4")
 * for the console to settle as soon as the server answers, saying then
 * whether it was recorded. */
void link_unsure(struct app *a, int64_t mark, const char *what);

#endif
