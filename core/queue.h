/* queue: what waits for a principal's decision among the open requests, counted and listed for the console's header and :approvals. */
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
/* The ids of the open requests waiting for who, newest first (*ids
 * malloc'd, *n of them, NULL when none), and how many are open. Only an
 * evaluation of every open request finds them: the last answer per store
 * and principal is kept until the ledger's head moves (every act that
 * could change it appends an entry) or the clock reaches the next moment
 * a decision on an open request starts or stops counting (its issue time
 * less the allowed skew, its expiry), so the header's count (on its
 * worker) and :approvals evaluate once between them, and again only when
 * the answer can differ. */
int queue_waiting(struct store *st, const struct principal *who, int64_t **ids, size_t *n, size_t *open,
		  struct err *e);
/* queue_waiting's kept answer when it is fresh: 1 with it, 0 when there
 * is none (or another thread is finding it), never evaluating; -1 on error. */
int queue_waiting_cached(struct store *st, const struct principal *who, int64_t **ids, size_t *n, size_t *open,
			 struct err *e);
/* How many open requests wait for who (*mine), and are open (*open):
 * what a header shows. */
int queue_count(struct store *st, const struct principal *who, size_t *mine, size_t *open,
		struct err *e);

#endif
