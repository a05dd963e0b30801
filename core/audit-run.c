/* audit-run: the pieces both audit checks (store and bundle) run on: failures, pins, kept checkpoints, workers, clocks. */
#include "audit-run.h"

#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>

#include "keys.h"
#include "verifyq.h"

int audit_fail(struct audit_report *r, struct err *e, int64_t seq, const char *fmt, ...)
{
	va_list ap;

	r->ledger.bad_seq = seq;
	va_start(ap, fmt);
	vsnprintf(r->ledger.reason, sizeof r->ledger.reason, fmt, ap);
	va_end(ap);
	if (seq > 0)
		return err_set(e, ERR_DENIED, "ledger entry %" PRId64 ": %s", seq, r->ledger.reason);
	return err_set(e, ERR_DENIED, "%s", r->ledger.reason);
}

int audit_kept_cmp(const void *a, const void *b)
{
	const struct ledger_kept *x = a, *y = b;

	return x->size < y->size ? -1 : x->size > y->size;
}

/* The checkpoints the auditor kept, each verified under (name, pk), with
 * room for one more (the witness); *out is malloc'd. */
int audit_kept_load(const struct audit_pins *p, const char *name, const uint8_t pk[KEYS_PK_BYTES],
			   struct ledger_kept **out, size_t *n, struct err *e)
{
	size_t i, count = p != NULL ? p->ncheckpoints : 0;

	*n = 0;
	*out = calloc(count + 1, sizeof **out);
	if (*out == NULL)
		return err_set(e, ERR_IO, "out of memory");
	for (i = 0; i < count; i++)
		if (ledger_kept_load(p->checkpoints[i], name, pk, &(*out)[i], e) != 0) {
			free(*out);
			*out = NULL;
			return -1;
		}
	*n = count;
	return 0;
}

/* A pinned verifier key must be the log's own, in any spelling that parses. */
int audit_pinned(const char *pin, const char *own, const char *what, struct err *e)
{
	char name[KEYS_NAME_MAX + 1], want[300];
	uint8_t pk[KEYS_PK_BYTES];

	if (audit_vkey_parse(pin, name, pk, e) != 0)
		return err_prefix(e, "--vkey");
	if (audit_vkey(name, pk, want, sizeof want) != 0 || strcmp(want, own) != 0)
		return err_set(e, ERR_DENIED, "%s is signed by log key %s, not the pinned %s", what, own, want);
	return 0;
}

int audit_par_entry(void *arg, int64_t seq, const char *body, size_t len, json_t *j, const char *sig,
			   char *why, size_t n)
{
	struct audit_par *x = arg;

	if (seq % LEDGER_PROGRESS_EVERY == 0 && verifyq_bad(x->q) != 0)
		return err_why(why, n, "a check of an earlier entry failed");
	return x->fn(x->rp, seq, body, len, j, sig, why, n);
}

/* Batches a one-off run may leave queued: about 45 MB of entries. */
#define AUDIT_BACKLOG 64

/* Starts the workers (none for one job) and hands them this thread's signature checks. */
int audit_par_start(const struct audit_run *o, struct replay *rp, struct audit_par *x, struct err *e)
{
	int jobs = o != NULL ? o->jobs : 1;

	memset(x, 0, sizeof *x);
	x->rp = rp;
	x->fn = replay_entry;
	if (jobs == 0)
		jobs = verifyq_cpus();
	if (verifyq_new(jobs, &x->q, e) != 0)
		return -1;
	if (x->q != NULL)
		keys_defer_set(verifyq_defer(x->q));
	/* A one-off run has the tables, the tree and the reconciliation to
	 * check on this thread after the last entry (two seconds at a million
	 * entries): with this much left queued for the workers then, the other
	 * processors verify signatures meanwhile instead of waiting. The
	 * console's check, kept beside a view, stays within its memory. */
	if (o == NULL || o->resume == NULL)
		verifyq_backlog(x->q, AUDIT_BACKLOG);
	return 0;
}

/* Stops the workers: 1 when what they found means the check must run
 * again on one thread (a worker failed an entry no later than the first
 * one the replay failed, or at all when the replay held). */
int audit_par_stop(struct audit_par *x, int rc, const struct ledger_report *lr)
{
	int64_t bad;

	if (x->q == NULL)
		return 0;
	keys_defer_set(NULL);
	bad = verifyq_finish(x->q);
	x->q = NULL;
	return bad != 0 && (rc == 0 || lr->bad_seq == 0 || bad <= lr->bad_seq);
}

/* ---- what a run costs ---- */

static double audit_cpu_now(void)
{
	struct rusage ru;

	if (getrusage(RUSAGE_SELF, &ru) != 0)
		return 0;
	return (double)ru.ru_utime.tv_sec + (double)ru.ru_utime.tv_usec / 1e6 + (double)ru.ru_stime.tv_sec +
	       (double)ru.ru_stime.tv_usec / 1e6;
}

void audit_clock_start(struct audit_clock *c)
{
	if (clock_gettime(CLOCK_MONOTONIC, &c->wall) != 0)
		memset(&c->wall, 0, sizeof c->wall);
	c->cpu = audit_cpu_now();
}

const char *const audit_phase_name[AUDIT_PHASES] = { "ledger", "tables", "tree", "reconcile", "workers" };

void audit_clock_lap(struct audit_clock *c, struct audit_report *r, int phase)
{
	struct audit_clock now;

	audit_clock_start(&now);
	r->phase_wall[phase] += (double)(now.wall.tv_sec - c->wall.tv_sec) + (double)(now.wall.tv_nsec - c->wall.tv_nsec) / 1e9;
	r->phase_cpu[phase] += now.cpu - c->cpu;
	*c = now;
}

void audit_clock_stop(const struct audit_clock *c, const struct audit_run *o, struct audit_report *r)
{
	struct timespec now;

	if (clock_gettime(CLOCK_MONOTONIC, &now) != 0)
		now = c->wall;
	r->wall_seconds = (double)(now.tv_sec - c->wall.tv_sec) + (double)(now.tv_nsec - c->wall.tv_nsec) / 1e9;
	r->cpu_seconds = audit_cpu_now() - c->cpu;
	r->jobs = o == NULL || o->jobs == 1 ? 1 : o->jobs > 1 ? o->jobs : verifyq_cpus();
}

