/* verifyq: the checks of audit verify that need no replayed state (leaf hashes, Ed25519 signatures, parsing the entries ahead of the replay), run on worker threads. */
#ifndef STEWARD_VERIFYQ_H
#define STEWARD_VERIFYQ_H

#include <stddef.h>
#include <stdint.h>

#include "err.h"
#include "keys.h"

struct verifyq;

/* The default for jobs: the processors online (at least 1). */
int verifyq_cpus(void);
/* A queue with jobs worker threads beside the caller's, which mostly
 * reads and replays (a third of the work) and so shares the processors
 * with them. jobs 1 gives NULL with no error: everything is checked at once. */
int verifyq_new(int jobs, struct verifyq **out, struct err *e);
/* Lets up to batches full batches (about 1,000 checks and 0.7 MB each)
 * wait for the workers before the caller is held up; the default keeps
 * two a worker. A deeper queue lets the caller finish reading and go on
 * to its own checks while the workers still have signatures to verify. */
void verifyq_backlog(struct verifyq *q, int batches);
/* The entry the following checks belong to (seqs only go up). */
void verifyq_at(struct verifyq *q, int64_t seq);
/* Queues "the body hashes to leaf want" for the current entry: 0, or -1
 * when out of memory (the caller then checks it itself). */
int verifyq_leaf(struct verifyq *q, const void *body, size_t len, const uint8_t want[32]);
/* The hook that queues the calling thread's signature checks
 * (keys_defer_set), each under the current entry. */
const struct keys_defer *verifyq_defer(struct verifyq *q);
/* The first entry a queued check failed for so far, 0 when none. */
int64_t verifyq_bad(struct verifyq *q);
/* Work split by index: fn(arg, i) for each i below n, run by the workers
 * and, in verifyq_split_wait, by the caller. The caller fills fn, arg and
 * n, and keeps w until verifyq_split_wait returned. */
struct verifyq_split {
	void (*fn)(void *arg, size_t i);
	void *arg;
	size_t n;
	size_t next, done; /* the queue's: indices claimed, and run */
	struct verifyq_split *link;
};
/* Hands w to the workers ahead of any queued batch. */
void verifyq_split_start(struct verifyq *q, struct verifyq_split *w);
/* Runs what no worker claimed yet of w, then waits until all of it ran. */
void verifyq_split_wait(struct verifyq *q, struct verifyq_split *w);
/* Waits for every queued check, stops the workers and frees q; returns
 * the first entry a check failed for, 0 when all held. NULL gives 0. */
int64_t verifyq_finish(struct verifyq *q);

#endif
