/* progress: how core's long work (a copy, an export, a sync) tells its caller how far it has come; the caller draws it. */
#ifndef STEWARD_PROGRESS_H
#define STEWARD_PROGRESS_H

#include <stddef.h>
#include <stdint.h>

/* Heard after each unit of work: what is being done ("copying series"),
 * and units done of the total (total 0 when not known). Core calls it
 * often and cheaply; the caller decides how often to draw. */
struct progress {
	void (*fn)(void *arg, const char *what, int64_t done, int64_t total);
	void *arg;
};

/* p may be NULL, or have no fn: work nobody watches. */
static inline void progress_note(const struct progress *p, const char *what, int64_t done, int64_t total)
{
	if (p != NULL && p->fn != NULL)
		p->fn(p->arg, what, done, total);
}

#endif
