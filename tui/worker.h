/* worker: the thread, lock and condition a console view's background worker runs with, started and ended in one place. */
#ifndef STEWARD_TUI_WORKER_H
#define STEWARD_TUI_WORKER_H

#include <pthread.h>

struct worker {
	pthread_t thread;
	pthread_mutex_t mu;
	pthread_cond_t cv;
	char *path; /* the store the worker opens its own connection to */
};

/* Copies path, makes the lock and condition and starts fn(arg) on a new
 * thread; -1, with nothing left made, when any of them cannot be had. */
int worker_start(struct worker *w, const char *path, void *(*fn)(void *), void *arg);

/* Waits for the thread (the caller has told it to stop), then frees what
 * worker_start made: 0. -1 when it cannot be joined: the thread may still
 * use its state, which is then left as it is rather than freed under it. */
int worker_join(struct worker *w);

/* Lowers the calling thread's CPU priority by inc (nice), so the thread
 * reading keys wins a busy machine's cores from it. Linux's nice is a
 * thread's own; elsewhere it may be the whole process's, so there it
 * does nothing. */
void worker_nice(int inc);

/* A worker has a result for the console's loop: wakes its wait now rather
 * than at its next timeout. Any thread; never blocks. */
void worker_wake(void);

/* The descriptor the loop's wait polls for worker_wake, -1 when none could
 * be made (the loop then finds results at its timeout, as before). */
int worker_wake_fd(void);

/* Empties it once the wait has seen it, before the results are taken. */
void worker_woken(void);

#endif
