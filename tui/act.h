/* act: one governed act through a plugin at a time, on a worker thread, so a backend that stalls never blocks a key; and what quitting does while it runs. */
#ifndef STEWARD_TUI_ACT_H
#define STEWARD_TUI_ACT_H

#include <stddef.h>
#include <time.h>

#include "err.h"

struct app;

/* Runs on the worker: the act with its own store connection. 0 done (msg
 * says what), -1 failed (e says why: the backend's refusal, say). */
typedef int (*act_run_fn)(void *arg, char *msg, size_t mn, struct err *e);

/* Starts run(arg) on a worker; what ("rolling back m through mlflow") is
 * shown in the status line while it runs. arg belongs to the act from
 * here on: free_arg(arg) runs once the worker has ended (at once when it
 * cannot start: -1, message set). Only one act runs at a time. */
int act_start(struct app *a, const char *what, act_run_fn run, void *arg, void (*free_arg)(void *arg));
/* What runs now ("" when nothing does): every signed act refuses to start
 * meanwhile, since the running one holds the store's write lock. */
const char *act_running(void);
/* Takes a finished act's result without blocking: refreshes the store and
 * shows the outcome. While it runs, keeps its progress in the status line.
 * A quit asked for meanwhile goes ahead once it ended. 1 when one ended. */
int act_poll(struct app *a);
/* Script mode: waits for the act in flight, then takes its result as
 * act_poll would; 1 when there was one. */
int act_wait(struct app *a);
/* Asked when the user quits: 1 to quit now. With an act in flight the
 * first quit waits for it (the status line says so), a second one asks
 * whether to quit without waiting. */
int act_may_quit(struct app *a);
/* At exit, the terminal already restored: waits for an act still in
 * flight until deadline (CLOCK_MONOTONIC), then leaves it to the end of
 * the process; says on stderr what became of an act the quit overtook. */
void act_stop(const struct timespec *deadline);

#endif
