/* timed: runs a command and writes its wall time in seconds, its peak resident memory in kB and its CPU seconds to a file, for bench/run (POSIX sh has no fine clock). */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static double timed_now(void)
{
	struct timespec t;

	if (clock_gettime(CLOCK_MONOTONIC, &t) != 0)
		return 0;
	return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

int main(int argc, char **argv)
{
	struct rusage ru;
	double t0;
	FILE *out;
	pid_t pid;
	int status;

	if (argc < 3) {
		fprintf(stderr, "usage: timed OUT COMMAND [ARGS...]\n"
				"writes \"SECONDS MAXRSS_KB CPU_SECONDS\" to OUT; exits with the command's status\n");
		return 2;
	}
	out = fopen(argv[1], "w");
	if (out == NULL) {
		fprintf(stderr, "timed: %s: %s\n", argv[1], strerror(errno));
		return 1;
	}
	t0 = timed_now();
	pid = fork();
	if (pid < 0) {
		fprintf(stderr, "timed: fork: %s\n", strerror(errno));
		fclose(out);
		return 1;
	}
	if (pid == 0) {
		fclose(out);
		execvp(argv[2], argv + 2);
		fprintf(stderr, "timed: %s: %s\n", argv[2], strerror(errno));
		_exit(127);
	}
	memset(&ru, 0, sizeof ru);
	while (wait4(pid, &status, 0, &ru) < 0) {
		if (errno != EINTR) {
			fprintf(stderr, "timed: wait: %s\n", strerror(errno));
			fclose(out);
			return 1;
		}
	}
	/* ru_maxrss is in kB on Linux; CPU is every thread's, user and system. */
	if (fprintf(out, "%.3f %ld %.3f\n", timed_now() - t0, ru.ru_maxrss,
		    (double)ru.ru_utime.tv_sec + (double)ru.ru_utime.tv_usec / 1e6 + (double)ru.ru_stime.tv_sec +
			    (double)ru.ru_stime.tv_usec / 1e6) < 0 ||
	    fclose(out) != 0) {
		fprintf(stderr, "timed: cannot write %s: %s\n", argv[1], strerror(errno));
		return 1;
	}
	if (WIFEXITED(status))
		return WEXITSTATUS(status);
	return 128 + (WIFSIGNALED(status) ? WTERMSIG(status) : 0);
}
