/* queue-page: windows of requests by keyset on id, open or closed, filtered in SQL, with their count and a request's position, so :approvals never holds the whole history. */
#ifndef STEWARD_QUEUE_PAGE_H
#define STEWARD_QUEUE_PAGE_H

#include <stddef.h>
#include <stdint.h>

#include "err.h"
#include "keys.h"
#include "store.h"

/* What a window shows of a request: no decision is evaluated except a
 * closed request's rejection, whose reason is read from its verified
 * statement. */
struct queue_row {
	int64_t id, version;
	char model[101], from[65], to[65], tier[16], kind[16];
	char requester[KEYS_NAME_MAX + 1];
	char state[16]; /* open, applied, rejected, withdrawn, superseded, expired */
	char why[400];  /* closed: the rejection's "signer (role): reason", or how it closed */
};

/* Which requests, newest first. Open ones (history 0): every open
 * request, or with ids only those (newest first, nids of them). The
 * history (history 1): open requests whose decisions all expired by now
 * (state "expired", they need signing again), then the closed ones; state
 * NULL for all or one of applied, rejected, withdrawn, superseded,
 * expired. filter ("" or NULL for none) matches, ignoring ASCII case, a
 * substring of the model, the requester, the stage it goes to, the tier,
 * the state or how it closed, as stored; "#N" is request N alone, "vN"
 * version N alone, a bare number request N or text. Its characters are
 * literal: '%', '_' and '\' match themselves. */
struct queue_page_q {
	int history;
	const char *state;
	const char *filter;
	const int64_t *ids;
	size_t nids;
	int64_t now;
};

typedef int (*queue_row_fn)(void *arg, const struct queue_row *r, struct err *e);

/* Up to n matching requests next to request `from` in the order above,
 * nearest first: after it (older, from 0 starts at the first) or, with
 * older 0, before it (from 0 starts at the last). fn sees each; a nonzero
 * return from it stops and is returned. */
int queue_page(struct store *st, const struct queue_page_q *q, int64_t from, int older, size_t n,
	       queue_row_fn fn, void *arg, struct err *e);
/* How many requests match. */
int queue_page_count(struct store *st, const struct queue_page_q *q, int64_t *n, struct err *e);
/* Where request id stands: how many matching requests come before it;
 * *found says whether it matches itself. */
int queue_page_rank(struct store *st, const struct queue_page_q *q, int64_t id, int64_t *pos, int *found,
		    struct err *e);
/* Checks a history state name (NULL is all): 0, or -1 with e filled. */
int queue_page_state_ok(const char *state, struct err *e);

#endif
