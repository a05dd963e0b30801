/* worker: the thread, lock and condition a console view's background worker runs with, started and ended in one place. */
#include "worker.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#ifdef __linux__
#include <sys/resource.h>
#include <sys/syscall.h>
#endif

/* One self-pipe for the process: the loop waits on it with the keys and
 * the store's socket. Non-blocking at both ends: a full pipe already
 * holds a wake, and a drained one must not stop the loop. */
static int worker_pipe[2] = { -1, -1 };
static pthread_once_t worker_pipe_once = PTHREAD_ONCE_INIT;

static void worker_pipe_make(void)
{
	int fd[2], i;

	if (pipe(fd) != 0)
		return;
	for (i = 0; i < 2; i++)
		if (fcntl(fd[i], F_SETFL, O_NONBLOCK) != 0 || fcntl(fd[i], F_SETFD, FD_CLOEXEC) != 0) {
			close(fd[0]);
			close(fd[1]);
			return;
		}
	worker_pipe[0] = fd[0];
	worker_pipe[1] = fd[1];
}

void worker_nice(int inc)
{
#ifdef __linux__
	long tid = syscall(SYS_gettid);

	/* Lowering one's own priority is always allowed; a failure leaves it as it was. */
	if (tid > 0)
		(void)setpriority(PRIO_PROCESS, (id_t)tid, getpriority(PRIO_PROCESS, (id_t)tid) + inc);
#else
	(void)inc;
#endif
}

int worker_wake_fd(void)
{
	if (pthread_once(&worker_pipe_once, worker_pipe_make) != 0)
		return -1;
	return worker_pipe[0];
}

void worker_wake(void)
{
	static const char one = 1;

	if (worker_wake_fd() < 0)
		return;
	/* EAGAIN: a wake is already waiting to be seen; enough. */
	while (write(worker_pipe[1], &one, 1) < 0 && errno == EINTR)
		;
}

void worker_woken(void)
{
	char buf[64];

	if (worker_wake_fd() < 0)
		return;
	/* Until it would block: errno is looked at only after a failed read,
	 * or a stale EINTR would spin on a pipe that reads 0. */
	for (;;) {
		ssize_t r = read(worker_pipe[0], buf, sizeof buf);

		if (r > 0 || (r < 0 && errno == EINTR))
			continue;
		break;
	}
}

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
