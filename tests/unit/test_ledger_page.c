/* test_ledger_page: the console's ledger windows: keyset pages both ways, scopes, filters with hostile text, counts and positions. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <sodium.h>

#include "ledger-page.h"
#include "ledger.h"

static char dir[64], db[128];

/* 30 entries: actors alice/bob in turn, subjects models:/m<i%3>/<i%4+1>;
 * entry 10's actor holds LIKE's wildcards and its escape. */
static struct store *fresh(void)
{
	struct err e = {0};
	struct store *st;

	unlink(db);
	st = store_open(db, STORE_CREATE, &e);
	assert_non_null(st);
	for (int i = 1; i <= 30; i++) {
		const char *actor = i == 10 ? "o%d_d\\x" : i % 2 ? "alice" : "bob";
		char subject[64];
		int64_t seq;

		snprintf(subject, sizeof subject, "models:/m%d/%d", i % 3, i % 4 + 1);
		assert_int_equal(store_begin(st, &e), 0);
		assert_int_equal(ledger_append(st, actor, "alias.set", subject, NULL, &seq, &e), 0);
		assert_int_equal(store_commit(st, &e), 0);
	}
	return st;
}

struct seqs {
	int64_t v[64];
	size_t n;
};

static int collect(void *arg, const struct ledger_row *r, struct err *e)
{
	struct seqs *s = arg;

	(void)e;
	if (s->n < 64)
		s->v[s->n++] = r->seq;
	return 0;
}

static int64_t count(struct store *st, const char *subject, const char *filter)
{
	struct ledger_page_q q = {.subject = subject, .filter = filter};
	struct err e = {0};
	int64_t n = -1;

	assert_int_equal(ledger_page_count(st, &q, &n, &e), 0);
	return n;
}

static void test_pages_both_ways(void **state)
{
	struct store *st = fresh();
	struct ledger_page_q q = {0};
	struct seqs s = {0};
	struct err e = {0};

	(void)state;
	/* the newest first, then older than the last one seen */
	assert_int_equal(ledger_page(st, &q, 0, 1, 5, collect, &s, &e), 0);
	assert_int_equal(s.n, 5);
	assert_int_equal(s.v[0], 30);
	assert_int_equal(s.v[4], 26);
	s.n = 0;
	assert_int_equal(ledger_page(st, &q, 26, 1, 5, collect, &s, &e), 0);
	assert_int_equal(s.v[0], 25);
	/* newer than 3, nearest first; from 0 the oldest */
	s.n = 0;
	assert_int_equal(ledger_page(st, &q, 3, 0, 2, collect, &s, &e), 0);
	assert_int_equal(s.n, 2);
	assert_int_equal(s.v[0], 4);
	assert_int_equal(s.v[1], 5);
	s.n = 0;
	assert_int_equal(ledger_page(st, &q, 0, 0, 1, collect, &s, &e), 0);
	assert_int_equal(s.v[0], 1);
	/* past the end: nothing, no error */
	s.n = 0;
	assert_int_equal(ledger_page(st, &q, 1, 1, 5, collect, &s, &e), 0);
	assert_int_equal(s.n, 0);
	store_close(st);
}

static void test_counts_and_ranks(void **state)
{
	struct store *st = fresh();
	struct ledger_page_q q = {.subject = "models:/m1"};
	struct err e = {0};
	int64_t pos = -1;
	int found = -1;

	(void)state;
	assert_int_equal(count(st, NULL, NULL), 30);
	assert_int_equal(count(st, "models:/m1", NULL), 10);
	assert_int_equal(count(st, "models:/m1/2", NULL), 3); /* 1, 13, 25 */
	assert_int_equal(count(st, "models:/m", NULL), 0);    /* a prefix only at '/' */
	/* entry 25 in m1: 28 is newer */
	assert_int_equal(ledger_page_rank(st, &q, 25, &pos, &found, &e), 0);
	assert_int_equal(found, 1);
	assert_int_equal(pos, 1);
	assert_int_equal(ledger_page_rank(st, &q, 24, &pos, &found, &e), 0);
	assert_int_equal(found, 0);
	q.subject = NULL;
	assert_int_equal(ledger_page_rank(st, &q, 30, &pos, &found, &e), 0);
	assert_int_equal(found, 1);
	assert_int_equal(pos, 0);
	assert_int_equal(ledger_page_rank(st, &q, 31, &pos, &found, &e), 0);
	assert_int_equal(found, 0);
	store_close(st);
}

static void test_filters(void **state)
{
	struct store *st = fresh();
	struct ledger_page_q q = {.filter = "BOB"};
	struct seqs s = {0};
	struct err e = {0};
	char longf[200];

	(void)state;
	assert_int_equal(count(st, NULL, "BOB"), 14); /* even, less entry 10 */
	assert_int_equal(ledger_page(st, &q, 0, 1, 3, collect, &s, &e), 0);
	assert_int_equal(s.v[0], 30);
	assert_int_equal(s.v[1], 28);
	/* wildcards and the escape are literal */
	assert_int_equal(count(st, NULL, "%"), 1);
	assert_int_equal(count(st, NULL, "_"), 1);
	assert_int_equal(count(st, NULL, "o_d"), 0);
	assert_int_equal(count(st, NULL, "%d_d\\"), 1);
	assert_int_equal(count(st, NULL, "\\"), 1);
	assert_int_equal(count(st, NULL, "'"), 0);
	assert_int_equal(count(st, NULL, "\" OR 1=1 --"), 0);
	/* numbers: entry, version, either */
	assert_int_equal(count(st, NULL, "#7"), 1);
	assert_int_equal(count(st, NULL, "#31"), 0);
	assert_int_equal(count(st, NULL, "v2"), 8); /* i % 4 == 1 */
	assert_int_equal(count(st, NULL, "3"), 9); /* entry 3, and the 8 subjects at version 3 */
	assert_int_equal(count(st, NULL, "#"), 0);
	/* the scope and the filter together */
	assert_int_equal(count(st, "models:/m1", "alice"), 5);
	memset(longf, 'a', sizeof longf - 1);
	longf[sizeof longf - 1] = '\0';
	q.filter = longf;
	assert_int_equal(ledger_page_count(st, &q, &(int64_t){0}, &e), -1);
	assert_non_null(strstr(e.msg, "filter too long"));
	store_close(st);
}

static int setup(void **state)
{
	(void)state;
	snprintf(dir, sizeof dir, "/tmp/steward-lpage-XXXXXX");
	if (mkdtemp(dir) == NULL || sodium_init() < 0)
		return -1;
	snprintf(db, sizeof db, "%s/l.db", dir);
	return 0;
}

static int teardown(void **state)
{
	char p[200];
	const char *sfx[] = {"", "-wal", "-shm"};

	(void)state;
	for (int i = 0; i < 3; i++) {
		snprintf(p, sizeof p, "%s%s", db, sfx[i]);
		unlink(p);
	}
	rmdir(dir);
	return 0;
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_pages_both_ways),
		cmocka_unit_test(test_counts_and_ranks),
		cmocka_unit_test(test_filters),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
