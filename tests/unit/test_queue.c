/* test_queue: what waits for a risk officer is kept while nothing that could change it did, and found again after an act or once a decision lapses. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <dirent.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sqlite3.h>

#include "approval.h"
#include "keyring.h"
#include "ledger.h"
#include "queue.h"
#include "registry.h"
#include "peer.h"

#define DIGEST "sha256:1111111111111111111111111111111111111111111111111111111111111111"
#define T0 1767225600

enum { ADA, ROSA, RAVI, LENA, NKEYS };

struct fx {
	char dir[64];
	char db[128];
	struct store *st;
	struct key_secret *k[NKEYS];
	struct principal p[NKEYS];
};

static void clock_at(int64_t t)
{
	char buf[32];

	snprintf(buf, sizeof buf, "%" PRId64, t);
	setenv("STEWARD_NOW", buf, 1);
}

static void fx_key(struct fx *f, int i, const char *name)
{
	char path[200];
	struct err e;

	snprintf(path, sizeof path, "%s/%s.key", f->dir, name);
	assert_int_equal(keys_generate(name, path, "a long passphrase", 17, &e), 0);
	assert_int_equal(keys_load_secret(path, "a long passphrase", 17, &f->k[i], &e), 0);
}

/* ada (admin), rosa and ravi (risk officers), lena (ML lead); a high-tier
 * model whose version 1 lena asks to promote: it waits for a risk officer. */
static int setup(void **state)
{
	static const char *const names[NKEYS] = { "ada", "rosa", "ravi", "lena" };
	static const unsigned roles[NKEYS] = { ROLE_ADMIN, ROLE_RISK, ROLE_RISK, ROLE_MLLEAD };
	struct fx *f = calloc(1, sizeof *f);
	struct key_public pub;
	struct err e;
	int64_t req;
	int i;

	if (f == NULL)
		return -1;
	clock_at(T0);
	snprintf(f->dir, sizeof f->dir, "/tmp/steward-queue-XXXXXX");
	if (mkdtemp(f->dir) == NULL)
		return -1;
	snprintf(f->db, sizeof f->db, "%s/s.db", f->dir);
	f->st = store_open(f->db, STORE_CREATE, &e);
	if (f->st == NULL)
		return -1;
	for (i = 0; i < NKEYS; i++)
		fx_key(f, i, names[i]);
	assert_int_equal(store_begin(f->st, &e), 0);
	assert_int_equal(ledger_logkey_create(f->st, &e), 0);
	assert_int_equal(keyring_init(f->st, "ada", f->k[ADA], &e), 0);
	assert_int_equal(keyring_whoami(f->st, f->k[ADA]->id, &f->p[ADA], &e), 0);
	f->p[ADA].key = f->k[ADA];
	for (i = 1; i < NKEYS; i++) {
		keys_public_of(f->k[i], &pub);
		assert_int_equal(keyring_add(f->st, &f->p[ADA], f->k[ADA], names[i], roles[i], &pub, &e), 0);
		assert_int_equal(keyring_whoami(f->st, f->k[i]->id, &f->p[i], &e), 0);
		f->p[i].key = f->k[i];
	}
	assert_int_equal(registry_model_add(f->st, &f->p[ADA], "fraud", TIER_HIGH, "risk", "", &e), 0);
	assert_int_equal(registry_version_add(f->st, &f->p[ADA], "fraud", "s3://m/1", DIGEST, "someone", "", 0, NULL,
					      &e),
			 0);
	assert_int_equal(approval_request_open(f->st, &f->p[LENA], "fraud", 1, "production", "", &req, &e), 0);
	assert_int_equal(store_commit(f->st, &e), 0);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fx *f = *state;
	struct dirent *de;
	char path[400];
	DIR *d;
	int i;

	store_close(f->st);
	for (i = 0; i < NKEYS; i++)
		keys_secret_free(f->k[i]);
	d = opendir(f->dir);
	while (d != NULL && (de = readdir(d)) != NULL) {
		if (de->d_name[0] == '.')
			continue;
		snprintf(path, sizeof path, "%s/%s", f->dir, de->d_name);
		unlink(path);
	}
	if (d != NULL)
		closedir(d);
	rmdir(f->dir);
	free(f);
	unsetenv("STEWARD_NOW");
	return 0;
}

/* What waits for rosa: how many (mine) and how many are open. */
static void waiting(struct fx *f, size_t *mine, size_t *open)
{
	int64_t *ids = NULL;
	struct err e;

	assert_int_equal(queue_waiting(f->st, &f->p[ROSA], &ids, mine, open, &e), 0);
	assert_true((*mine == 0) == (ids == NULL));
	free(ids);
}

/* The request's row marked closed behind steward's back, which appends
 * nothing to the ledger: a kept answer still counts it open, one found
 * again does not. Returns how many are open by the answer given. */
static size_t open_with_row_closed(struct fx *f)
{
	size_t mine, open;

	assert_int_equal(peer_exec(f->st, "UPDATE requests SET state = 'withdrawn'"), SQLITE_OK);
	waiting(f, &mine, &open);
	assert_int_equal(peer_exec(f->st, "UPDATE requests SET state = 'open'"), SQLITE_OK);
	return open;
}

static void test_kept_until_act_or_lapse(void **state)
{
	struct fx *f = *state;
	int64_t *ids = NULL, id;
	size_t mine, open;
	struct err e;

	waiting(f, &mine, &open);
	assert_int_equal(mine, 1);
	assert_int_equal(open, 1);
	/* Nothing moved: the answer is the kept one, also hours later (no
	 * decision is there to lapse). */
	assert_int_equal(open_with_row_closed(f), 1);
	clock_at(T0 + 86400);
	assert_int_equal(open_with_row_closed(f), 1);
	assert_int_equal(queue_waiting_cached(f->st, &f->p[ROSA], &ids, &mine, &open, &e), 1);
	assert_int_equal(mine, 1);
	assert_non_null(ids);
	free(ids);

	/* ravi's approval (valid 600 s) fills the risk officer's need: the
	 * ledger grew, so the answer is found again and rosa is not waited for. */
	clock_at(T0 + 86400);
	assert_int_equal(store_begin(f->st, &e), 0);
	assert_int_equal(approval_sign(f->st, &f->p[RAVI], f->k[RAVI], 1, 1, 0, "ok", 600, &id, &e), 0);
	assert_int_equal(store_commit(f->st, &e), 0);
	assert_int_equal(queue_waiting_cached(f->st, &f->p[ROSA], &ids, &mine, &open, &e), 0);
	assert_null(ids);
	waiting(f, &mine, &open);
	assert_int_equal(mine, 0);
	assert_int_equal(open, 1);
	/* Up to the second before it expires the answer is kept... */
	clock_at(T0 + 86400 + 599);
	assert_int_equal(open_with_row_closed(f), 1);
	/* ...and at its expiry found again: rosa is waited for once more. */
	clock_at(T0 + 86400 + 600);
	assert_int_equal(queue_waiting_cached(f->st, &f->p[ROSA], &ids, &mine, &open, &e), 0);
	waiting(f, &mine, &open);
	assert_int_equal(mine, 1);
	assert_int_equal(open_with_row_closed(f), 1);
	/* A clock set back is not trusted with an answer found later. */
	clock_at(T0 + 86400 + 500);
	assert_int_equal(open_with_row_closed(f), 0);
	waiting(f, &mine, &open);
	assert_int_equal(mine, 0);
}

/* A decision issued ahead of the clock counts from APPROVAL_SKEW before
 * its issue time: the answer found before is not kept past that moment. */
static void test_found_again_when_decision_starts(void **state)
{
	struct fx *f = *state;
	size_t mine, open;
	struct err e;
	int64_t id;

	/* ravi's clock runs 1,000 s ahead when he signs. */
	clock_at(T0 + 1000);
	assert_int_equal(store_begin(f->st, &e), 0);
	assert_int_equal(approval_sign(f->st, &f->p[RAVI], f->k[RAVI], 1, 1, 0, "ok", 3600, &id, &e), 0);
	assert_int_equal(store_commit(f->st, &e), 0);
	clock_at(T0 + 1000 - APPROVAL_SKEW - 1);
	waiting(f, &mine, &open);
	assert_int_equal(mine, 1); /* issued in the future: not counted yet */
	assert_int_equal(open_with_row_closed(f), 1);
	clock_at(T0 + 1000 - APPROVAL_SKEW);
	waiting(f, &mine, &open);
	assert_int_equal(mine, 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_kept_until_act_or_lapse, setup, teardown),
		cmocka_unit_test_setup_teardown(test_found_again_when_decision_starts, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
