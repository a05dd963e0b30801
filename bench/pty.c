/* pty: runs the console in a pseudo-terminal as a person's terminal would and times what they see: exec to the first full screen, and each key to the end of the output it causes, Esc's delay included. */
#include <errno.h>
#include <poll.h>
#include <pty.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

/* Output that pauses this long is a finished screen. ncurses writes
 * one refresh in one burst; the console's Esc delay (25 ms) is
 * shorter, so an Esc's wait is inside what is measured. */
#define PTY_QUIET_MS 80
/* A key that changes nothing on screen writes nothing: give up after
 * this long (a key whose screen takes longer is counted as such). */
#define PTY_KEY_MAX_MS 1500

static double pty_now(void)
{
	struct timespec t;

	if (clock_gettime(CLOCK_MONOTONIC, &t) != 0)
		return 0;
	return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

/* The console's header starts with this word, drawn with its first full
 * screen. The terminal set-up ncurses writes at start (the alternate
 * screen, the keypad mode) comes before the store is read: when reading
 * took longer than PTY_QUIET_MS, the quiet after the set-up looked like a
 * finished screen, and the first paint was timed at the set-up. */
#define PTY_PAINTED "steward"

/* Reads until the output has been quiet for PTY_QUIET_MS (and, with
 * until, has shown that text) or max_ms passed. *last gets the time of
 * the last byte and *first that of the first (0 when none came). Returns
 * the bytes read, -1 when the console is gone. */
static long pty_settle(int fd, double max_ms, double *last, double *first, const char *until)
{
	char buf[65536], tail[64] = "";
	double start = pty_now();
	long total = 0;
	size_t ntail = 0;
	int found = until == NULL;

	*last = 0;
	*first = 0;
	for (;;) {
		double now = pty_now();
		double since = *last > 0 && found ? now - *last : now - start;
		double wait_ms = *last > 0 && found ? PTY_QUIET_MS - since * 1000 : max_ms - since * 1000;
		struct pollfd p = { .fd = fd, .events = POLLIN };
		int r;

		if (wait_ms <= 0)
			return total;
		r = poll(&p, 1, (int)wait_ms + 1);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			return -1;
		if (r == 0)
			continue;
		ssize_t n = read(fd, buf, sizeof buf);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return total > 0 ? total : -1;
		total += n;
		*last = pty_now();
		if (!found) {
			/* The text may be split between two reads: keep the end of the last. */
			size_t m = strlen(until), all = ntail + (size_t)n;
			char joined[sizeof tail + sizeof buf];

			memcpy(joined, tail, ntail);
			memcpy(joined + ntail, buf, (size_t)n);
			for (size_t i = 0; !found && i + m <= all; i++)
				found = memcmp(joined + i, until, m) == 0;
			ntail = all < m ? all : m - 1;
			memcpy(tail, joined + all - ntail, ntail);
		}
		if (*first == 0)
			*first = *last;
	}
}

/* <pause>: a second in which the console's background work (a filter,
 * a search) ends and is drawn, read and not timed, so the next key's
 * time is its own. */
static int pty_pause(int fd)
{
	char buf[65536];
	double end = pty_now() + 1.0;

	for (;;) {
		double left = end - pty_now();
		struct pollfd p = { .fd = fd, .events = POLLIN };
		int r;

		if (left <= 0)
			return 0;
		r = poll(&p, 1, (int)(left * 1000) + 1);
		if (r < 0 && errno != EINTR)
			return -1;
		if (r > 0 && read(fd, buf, sizeof buf) <= 0)
			return -1;
	}
}

/* The CPU time the console (all its threads) has used, in milliseconds; -1 when /proc cannot say. */
static double pty_cpu_ms(pid_t pid)
{
	char path[64], buf[1024], *p;
	unsigned long long ut, st;
	long tick = sysconf(_SC_CLK_TCK);
	FILE *f;
	size_t n;

	snprintf(path, sizeof path, "/proc/%ld/stat", (long)pid);
	f = fopen(path, "r");
	if (f == NULL)
		return -1;
	n = fread(buf, 1, sizeof buf - 1, f);
	fclose(f);
	buf[n] = '\0';
	/* The command name may hold spaces: fields count from its closing parenthesis. */
	p = strrchr(buf, ')');
	if (p == NULL || tick <= 0 ||
	    sscanf(p + 1, " %*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %llu %llu", &ut, &st) != 2)
		return -1;
	return (double)(ut + st) * 1000.0 / (double)tick;
}

/* The bytes the console has read through read(2) and its kin (/proc's
 * rchar, the page cache's hits included); -1 when /proc cannot say. */
static double pty_read_bytes(pid_t pid)
{
	char path[64], line[128];
	unsigned long long v;
	FILE *f;
	double got = -1;

	snprintf(path, sizeof path, "/proc/%ld/io", (long)pid);
	f = fopen(path, "r");
	if (f == NULL)
		return -1;
	while (fgets(line, sizeof line, f) != NULL)
		if (sscanf(line, "rchar: %llu", &v) == 1) {
			got = (double)v;
			break;
		}
	fclose(f);
	return got;
}

/* <idle MS>: reads, untimed, until for MS milliseconds the console has
 * written nothing, used under a tenth of a core and read under
 * PTY_IDLE_READ bytes: its background work (the ledger check, whose
 * progress redraws the header every 250 ms, but not in every phase) is
 * over, so a key that changes nothing is not charged the check's next
 * redraw. The bytes read count because a check waiting on a cold disk
 * uses little CPU and draws nothing for over a second (random reads of
 * 10 ms each here, 0.1-2 MB a second): runs called it idle 3.2 and 4.0 s
 * into a 100 s check. An idle console reads nothing. Bounded by PTY_IDLE_MAX_MS; returns
 * the microseconds it waited, -1 when the bound was reached first, -2
 * when the console is gone. */
#define PTY_IDLE_MAX_MS 600000
#define PTY_IDLE_READ 65536.0

static double pty_idle(int fd, pid_t pid, long quiet_ms)
{
	char buf[65536];
	double start = pty_now(), w0 = start, cpu0 = pty_cpu_ms(pid), rd0 = pty_read_bytes(pid);

	for (;;) {
		double now = pty_now();
		double left = PTY_IDLE_MAX_MS - (now - start) * 1000;
		double wait_ms = quiet_ms - (now - w0) * 1000;
		struct pollfd p = { .fd = fd, .events = POLLIN };
		int r;

		if (wait_ms <= 0) {
			double cpu = pty_cpu_ms(pid), rd = pty_read_bytes(pid);

			if ((cpu < 0 || cpu0 < 0 || cpu - cpu0 <= quiet_ms / 10.0) &&
			    (rd < 0 || rd0 < 0 || rd - rd0 < PTY_IDLE_READ))
				return (now - start) * 1e6;
			/* Quiet but busy: a phase of the check that draws nothing. */
			w0 = now;
			cpu0 = cpu;
			rd0 = rd;
			continue;
		}
		if (left <= 0)
			return -1;
		r = poll(&p, 1, (int)(wait_ms < left ? wait_ms : left) + 1);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			return -2;
		if (r == 0)
			continue;
		ssize_t n = read(fd, buf, sizeof buf);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return -2;
		w0 = pty_now();
		cpu0 = pty_cpu_ms(pid);
		rd0 = pty_read_bytes(pid);
	}
}

/* The bytes a key name sends, as an xterm does. */
static int pty_key(const char *name, char *out, size_t n)
{
	static const struct {
		const char *name, *bytes;
	} keys[] = {
		{ "<Esc>", "\033" },	    { "<Enter>", "\r" },	{ "<Tab>", "\t" },
		{ "<BS>", "\177" },	    { "<Up>", "\033[A" },	{ "<Down>", "\033[B" },
		{ "<Right>", "\033[C" },    { "<Left>", "\033[D" },	{ "<Home>", "\033[H" },
		{ "<End>", "\033[F" },	    { "<PgUp>", "\033[5~" },	{ "<PgDn>", "\033[6~" },
	};

	if (name[0] != '<' || name[1] == '\0') {
		if (n < 2)
			return -1;
		out[0] = name[0];
		out[1] = '\0';
		return 0;
	}
	for (size_t i = 0; i < sizeof keys / sizeof keys[0]; i++)
		if (strcmp(name, keys[i].name) == 0) {
			snprintf(out, n, "%s", keys[i].bytes);
			return 0;
		}
	return -1;
}

int main(int argc, char **argv)
{
	struct winsize ws = { .ws_row = 24, .ws_col = 80 };
	char line[4096];
	FILE *keys, *out;
	double t0, last, first;
	pid_t pid;
	int fd, status, opt;
	long got;

	while ((opt = getopt(argc, argv, "r:c:")) != -1) {
		if (opt == 'r')
			ws.ws_row = (unsigned short)atoi(optarg);
		else if (opt == 'c')
			ws.ws_col = (unsigned short)atoi(optarg);
		else
			return 2;
	}
	if (argc - optind < 3 || ws.ws_row < 10 || ws.ws_col < 40) {
		fprintf(stderr, "usage: pty [-r ROWS] [-c COLS] KEYS OUT COMMAND [ARGS...]\n"
				"KEYS: one key a line (a character, or <Esc> <Enter> <Tab> <BS> <Up> <Down> <Left>\n"
				"<Right> <Home> <End> <PgUp> <PgDn>; <pause>: a second, not timed; <idle MS>: until the\n"
				"console has been quiet and idle MS ms, not timed); OUT gets \"paint MICROSECONDS\" then\n"
				"\"KEY MICROSECONDS BYTES FIRST\" a key (MICROSECONDS -1: the screen did not change;\n"
				"FIRST: to its first byte, the answer while work it started goes on), \"idle MICROSECONDS\"\n"
				"an idle (how long it waited; -1: the console was still busy at the bound), then\n"
				"\"rss KB\", the console's peak resident memory\n");
		return 2;
	}
	keys = fopen(argv[optind], "r");
	if (keys == NULL) {
		fprintf(stderr, "pty: %s: %s\n", argv[optind], strerror(errno));
		return 1;
	}
	out = fopen(argv[optind + 1], "w");
	if (out == NULL) {
		fprintf(stderr, "pty: %s: %s\n", argv[optind + 1], strerror(errno));
		fclose(keys);
		return 1;
	}
	if (getenv("TERM") == NULL || strcmp(getenv("TERM"), "dumb") == 0)
		setenv("TERM", "xterm-256color", 1);
	t0 = pty_now();
	pid = forkpty(&fd, NULL, NULL, &ws);
	if (pid < 0) {
		fprintf(stderr, "pty: forkpty: %s\n", strerror(errno));
		return 1;
	}
	if (pid == 0) {
		execvp(argv[optind + 2], argv + optind + 2);
		fprintf(stderr, "pty: %s: %s\n", argv[optind + 2], strerror(errno));
		_exit(127);
	}
	got = pty_settle(fd, 20000, &last, &first, PTY_PAINTED);
	if (got <= 0) {
		fprintf(stderr, "pty: the console drew nothing\n");
		kill(pid, SIGKILL);
		waitpid(pid, &status, 0);
		return 1;
	}
	fprintf(out, "paint %.0f\n", (last - t0) * 1e6);
	while (fgets(line, sizeof line, keys) != NULL) {
		char bytes[16];
		double sent;

		line[strcspn(line, "\n")] = '\0';
		if (line[0] == '\0' || line[0] == '#')
			continue;
		if (strcmp(line, "<pause>") == 0) {
			if (pty_pause(fd) != 0)
				break;
			continue;
		}
		if (strncmp(line, "<idle ", 6) == 0) {
			char *end;
			long ms = strtol(line + 6, &end, 10);
			double waited;

			if (ms <= 0 || ms > PTY_IDLE_MAX_MS || strcmp(end, ">") != 0) {
				fprintf(stderr, "pty: %s: bad idle '%s' (<idle MS>, MS 1 to %d)\n", argv[optind], line,
					PTY_IDLE_MAX_MS);
				kill(pid, SIGKILL);
				waitpid(pid, &status, 0);
				return 2;
			}
			waited = pty_idle(fd, pid, ms);
			if (waited < -1)
				break;
			fprintf(out, "idle %.0f\n", waited);
			continue;
		}
		if (pty_key(line, bytes, sizeof bytes) != 0) {
			fprintf(stderr, "pty: %s: unknown key '%s'\n", argv[optind], line);
			kill(pid, SIGKILL);
			waitpid(pid, &status, 0);
			return 2;
		}
		sent = pty_now();
		if (write(fd, bytes, strlen(bytes)) != (ssize_t)strlen(bytes)) {
			fprintf(stderr, "pty: the console stopped reading\n");
			break;
		}
		got = pty_settle(fd, PTY_KEY_MAX_MS, &last, &first, NULL);
		if (got < 0)
			break;
		fprintf(out, "%s %.0f %ld %.0f\n", line, got > 0 ? (last - sent) * 1e6 : -1.0, got,
			got > 0 ? (first - sent) * 1e6 : -1.0);
	}
	fclose(keys);
	/* The console's peak resident memory, read before it is stopped. */
	snprintf(line, sizeof line, "/proc/%ld/status", (long)pid);
	FILE *st = fopen(line, "r");
	if (st != NULL) {
		while (fgets(line, sizeof line, st) != NULL)
			if (strncmp(line, "VmHWM:", 6) == 0)
				fprintf(out, "rss %ld\n", strtol(line + 6, NULL, 10));
		fclose(st);
	}
	kill(pid, SIGTERM);
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	close(fd);
	return fclose(out) == 0 ? 0 : 1;
}
