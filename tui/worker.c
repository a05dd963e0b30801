/* worker: the thread, lock and condition a console view's background worker runs with, started and ended in one place. */
#include "worker.h"

#include <stdlib.h>
#include <string.h>

int worker_start(struct worker *w, const char *path, void *(*fn)(void *), void *arg)
{
	w->path = strdup(path);
	if (w->path == NULL)
		return -1;
	if (pthread_mutex_init(&w->mu, NULL) != 0)
		goto fail_mutex;
	if (pthread_cond_init(&w->cv, NULL) != 0)
		goto fail_cond;
	if (pthread_create(&w->thread, NULL, fn, arg) != 0)
		goto fail_thread;
	return 0;
fail_thread:
	pthread_cond_destroy(&w->cv);
fail_cond:
	pthread_mutex_destroy(&w->mu);
fail_mutex:
	free(w->path);
	w->path = NULL;
	return -1;
}

int worker_join(struct worker *w)
{
	if (pthread_join(w->thread, NULL) != 0)
		return -1;
	pthread_cond_destroy(&w->cv);
	pthread_mutex_destroy(&w->mu);
	free(w->path);
	w->path = NULL;
	return 0;
}
