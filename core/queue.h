/* queue: what waits for a principal's decision among the open requests, and the history of closed ones. */
#ifndef STEWARD_QUEUE_H
#define STEWARD_QUEUE_H

#include <stddef.h>
#include <stdint.h>

#include "approval.h"
#include "err.h"
#include "keyring.h"
#include "store.h"

/* The open requests waiting for who: those who could approve now (the
 * person rules of approval_precheck, through approval_waits_for), newest
 * first, evaluated; *open is how many requests are open in all. who NULL
 * gives every open request. */
int queue_open(struct store *st, const struct principal *who, struct approval_requests *out,
	       size_t *open, struct err *e);
/* How many open requests wait for who (*mine), and are open (*open):
 * what a header shows. */
int queue_count(struct store *st, const struct principal *who, size_t *mine, size_t *open,
		struct err *e);

/* A closed request, for the history: no decision is evaluated except a
 * rejection, whose reason is read from its verified statement. */
struct queue_past {
	int64_t id, version, created;
	char model[101], from[65], to[65], tier[16], kind[16];
	char requester[KEYS_NAME_MAX + 1];
	char state[16]; /* applied, rejected, withdrawn, superseded */
	char why[400];  /* the rejection's "signer (role): reason", or how it closed */
};
struct queue_pasts {
	struct queue_past *v;
	size_t n;
};
/* Closed requests, newest first, at most max; state NULL for all, or one
 * of applied, rejected, withdrawn, superseded. *total counts every match. */
int queue_history(struct store *st, const char *state, size_t max, struct queue_pasts *out,
		  size_t *total, struct err *e);
void queue_pasts_free(struct queue_pasts *l);

#endif
