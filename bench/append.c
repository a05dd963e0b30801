/* append: measures the ledger's append rate with one or more concurrent writers, each an admin's signed alias move in its own transaction, on any store (file or PostgreSQL URI). */
#include <errno.h>
#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <sodium.h>

#include "keyring.h"
#include "keys.h"
#include "ledger.h"
#include "registry.h"
#include "store.h"

#define APPEND_PASS "bench-passphrase"
#define APPEND_MODEL "bench-append"
#define APPEND_MAX_WRITERS 64
/* The versions' artifact digests: 62 hex digits, then 01 or 02. */
#define APPEND_HEX "00000000000000000000000000000000000000000000000000000000000000"

static double append_now(void)
{
	struct timespec t;

	if (clock_gettime(CLOCK_MONOTONIC, &t) != 0)
		return 0;
	return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

static int append_fail(const char *what, const struct err *e)
{
	fprintf(stderr, "append: %s: %s\n", what, e->msg);
	return -1;
}

/* A new store gets an admin (key in keydir), the log key, a model and two
 * versions to move aliases between; an existing one is used as it is. */
static int append_setup(const char *path, const char *keyfile, struct err *e)
{
	struct store *st;
	struct key_secret *k = NULL;
	struct principal p;
	int rc = -1;

	st = store_open(path, STORE_CREATE, e);
	if (st == NULL)
		return append_fail("opening the store", e);
	if (keys_generate("bench", keyfile, APPEND_PASS, strlen(APPEND_PASS), e) != 0 ||
	    keys_load_secret(keyfile, APPEND_PASS, strlen(APPEND_PASS), &k, e) != 0) {
		append_fail("making the admin's key", e);
		goto out;
	}
	if (store_begin(st, e) != 0 || ledger_logkey_create(st, e) != 0 || keyring_init(st, "bench", k, e) != 0 ||
	    store_commit(st, e) != 0) {
		store_rollback(st);
		append_fail("starting the keyring", e);
		goto out;
	}
	if (keyring_whoami(st, k->id, &p, e) != 0 || (p.key = k) == NULL ||
	    registry_model_add(st, &p, APPEND_MODEL, TIER_LOW, "bench", "append-rate bench", e) != 0 ||
	    registry_version_add(st, &p, APPEND_MODEL, "s3://bench/1", "sha256:" APPEND_HEX "01", "ds", "r1", store_now(), NULL, e) != 0 ||
	    registry_version_add(st, &p, APPEND_MODEL, "s3://bench/2", "sha256:" APPEND_HEX "02", "ds", "r2", store_now(), NULL, e) != 0) {
		append_fail("adding the model", e);
		goto out;
	}
	rc = 0;
out:
	keys_secret_free(k);
	store_close(st);
	return rc;
}

/* One writer: opens the store and its key, says so on ready, waits for go
 * to close, then makes alias moves for seconds; writes "DONE BUSY" to fd. */
static int append_writer(const char *path, const char *keyfile, int w, long seconds, int ready, int go, int fd)
{
	struct store *st;
	struct key_secret *k = NULL;
	struct principal p;
	struct err e;
	char alias[32], line[64], c;
	long done = 0, busy = 0;
	double until;
	int n, rc = 1;

	err_clear(&e);
	snprintf(alias, sizeof alias, "w%d", w);
	st = store_open(path, 0, &e);
	if (st == NULL) {
		append_fail("a writer opening the store", &e);
		return 1;
	}
	if (keys_load_secret(keyfile, APPEND_PASS, strlen(APPEND_PASS), &k, &e) != 0 ||
	    keyring_whoami(st, k->id, &p, &e) != 0 || (p.key = k) == NULL) {
		append_fail("a writer signing in", &e);
		goto out;
	}
	/* Unlocking the key (Argon2id, 256 MiB) is no part of the rate: eight
	 * at once took most of a 10 s run on two cores. */
	c = 'r';
	if (write(ready, &c, 1) != 1)
		goto out;
	/* Closed, so a writer that failed first cannot keep the others waiting. */
	close(ready);
	if (read(go, &c, 1) != 0)
		goto out;
	until = append_now() + (double)seconds;
	while (append_now() < until) {
		err_clear(&e);
		if (registry_alias_set(st, &p, APPEND_MODEL, alias, 1 + (done % 2), &e) == 0) {
			done++;
			continue;
		}
		/* Another writer held the write lock past the busy timeout: counted, tried again. */
		if (e.kind == ERR_STORE && strstr(e.msg, "is busy") != NULL) {
			busy++;
			continue;
		}
		append_fail("moving an alias", &e);
		goto out;
	}
	n = snprintf(line, sizeof line, "%ld %ld\n", done, busy);
	if (write(fd, line, (size_t)n) != n)
		goto out;
	rc = 0;
out:
	keys_secret_free(k);
	store_close(st);
	return rc;
}

static int append_number(const char *opt, const char *s, long min, long max, long *out)
{
	char *end;
	long v;

	errno = 0;
	v = strtol(s, &end, 10);
	if (errno != 0 || end == s || *end != '\0' || v < min || v > max) {
		fprintf(stderr, "append: %s wants a number from %ld to %ld, not '%s'\n", opt, min, max, s);
		return -1;
	}
	*out = v;
	return 0;
}

int main(int argc, char **argv)
{
	long writers = 1, seconds = 10, total = 0, busy = 0;
	const char *keydir = NULL;
	char keyfile[4200];
	int fds[2], rdy[2], go[2], opt, i, failed = 0, nready = 0;
	char c;
	pid_t pids[APPEND_MAX_WRITERS];
	struct err e;
	struct store *st;
	int64_t before, after;
	double t0, t1;
	FILE *in;

	err_clear(&e);
	while ((opt = getopt(argc, argv, "w:s:k:")) != -1) {
		if ((opt == 'w' && append_number("-w", optarg, 1, APPEND_MAX_WRITERS, &writers) != 0) ||
		    (opt == 's' && append_number("-s", optarg, 1, 3600, &seconds) != 0))
			return 2;
		if (opt == 'k')
			keydir = optarg;
		if (opt == '?')
			goto usage;
	}
	if (optind != argc - 1 || keydir == NULL)
		goto usage;
	if (sodium_init() < 0) {
		fprintf(stderr, "append: libsodium failed to initialise\n");
		return 1;
	}
	if (snprintf(keyfile, sizeof keyfile, "%s/bench.key", keydir) >= (int)sizeof keyfile) {
		fprintf(stderr, "append: the key folder's path is too long\n");
		return 2;
	}
	if (access(keyfile, F_OK) != 0) {
		if (mkdir(keydir, 0700) != 0 && errno != EEXIST) {
			fprintf(stderr, "append: cannot make %s: %s\n", keydir, strerror(errno));
			return 1;
		}
		if (append_setup(argv[optind], keyfile, &e) != 0)
			return 1;
	}
	st = store_open(argv[optind], STORE_READONLY, &e);
	if (st == NULL)
		return append_fail("opening the store", &e);
	before = ledger_size(st);
	if (pipe(fds) != 0 || pipe(rdy) != 0 || pipe(go) != 0) {
		perror("append: pipe");
		store_close(st);
		return 1;
	}
	fflush(NULL);
	for (i = 0; i < writers; i++) {
		pids[i] = fork();
		if (pids[i] < 0) {
			perror("append: fork");
			writers = i;
			failed = 1;
			break;
		}
		if (pids[i] == 0) {
			close(fds[0]);
			close(rdy[0]);
			close(go[1]);
			_exit(append_writer(argv[optind], keyfile, i, seconds, rdy[1], go[0], fds[1]));
		}
	}
	close(fds[1]);
	close(rdy[1]);
	close(go[0]);
	/* Every writer ready (or gone: its end of rdy closes), then all start at once. */
	while (nready < writers && read(rdy[0], &c, 1) == 1)
		nready++;
	close(rdy[0]);
	t0 = append_now();
	close(go[1]);
	for (i = 0; i < writers; i++) {
		int status;

		if (waitpid(pids[i], &status, 0) < 0 || !WIFEXITED(status) || WEXITSTATUS(status) != 0)
			failed = 1;
	}
	t1 = append_now();
	in = fdopen(fds[0], "r");
	if (in == NULL) {
		close(fds[0]);
		store_close(st);
		return 1;
	}
	for (;;) {
		long d, b;

		if (fscanf(in, "%ld %ld", &d, &b) != 2)
			break;
		total += d;
		busy += b;
	}
	fclose(in);
	after = ledger_size(st);
	store_close(st);
	if (failed) {
		fprintf(stderr, "append: a writer failed (see above)\n");
		return 1;
	}
	/* Every move a writer counted is one entry: anything else is a lost or doubled write. */
	if (after - before != total) {
		fprintf(stderr, "append: writers counted %ld moves but the ledger grew by %" PRId64 "\n", total,
			after - before);
		return 1;
	}
	printf("writers %ld: %ld appends in %.1f s: %.0f/s (%ld busy retries; ledger %" PRId64 " entries)\n", writers,
	       total, t1 - t0, (double)total / (t1 - t0), busy, after);
	return 0;
usage:
	fprintf(stderr, "usage: append -k KEYDIR [-w WRITERS] [-s SECONDS] STORE\n"
			"  a new STORE gets an admin whose key (passphrase \"bench-passphrase\") goes in KEYDIR; then WRITERS\n"
			"  processes (default 1) move aliases for SECONDS (default 10), each move one transaction\n");
	return 2;
}
