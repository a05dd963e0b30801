/* audit-run: what the store check and the bundle check share: failing with a named entry, pinned keys and kept checkpoints, the worker threads, and the run's wall and CPU time. */
#ifndef STEWARD_AUDIT_RUN_H
#define STEWARD_AUDIT_RUN_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "audit.h"
#include "ledger.h"
#include "replay.h"

/* Fills r's bad_seq and reason (and e): -1. seq 0 names no entry. */
int audit_fail(struct audit_report *r, struct err *e, int64_t seq, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
/* qsort order of kept checkpoints: by size. */
int audit_kept_cmp(const void *a, const void *b);
/* The checkpoints the auditor kept, each verified under (name, pk), with
 * room for one more (the witness); *out is malloc'd. */
int audit_kept_load(const struct audit_pins *p, const char *name, const uint8_t pk[KEYS_PK_BYTES],
		    struct ledger_kept **out, size_t *n, struct err *e);
/* A pinned verifier key must be the log's own (own), in any spelling that parses. */
int audit_pinned(const char *pin, const char *own, const char *what, struct err *e);

/* The replay behind the workers: it stops soon after a worker found a bad
 * entry, since the whole check then runs again on one thread anyway. */
struct audit_par {
	struct replay *rp;
	struct verifyq *q;
	ledger_entry_fn fn;
};

struct audit_clock {
	struct timespec wall;
	double cpu;
};

/* The ledger_entry_fn beside workers (arg is a struct audit_par). */
int audit_par_entry(void *arg, int64_t seq, const char *body, size_t len, json_t *j, const char *sig,
		    char *why, size_t n);
/* Starts o's workers (none for one job) and hands them this thread's signature checks. */
int audit_par_start(const struct audit_run *o, struct replay *rp, struct audit_par *x, struct err *e);
/* Stops the workers: 1 when the check must run again on one thread. */
int audit_par_stop(struct audit_par *x, int rc, const struct ledger_report *lr);

void audit_clock_start(struct audit_clock *c);
/* Adds the time since c started (or last lapped) to r's phase and restarts c. */
void audit_clock_lap(struct audit_clock *c, struct audit_report *r, int phase);
/* Fills r's wall and CPU seconds since c started and the threads o used. */
void audit_clock_stop(const struct audit_clock *c, const struct audit_run *o, struct audit_report *r);

#endif
