/* test_ledger: appending, checkpoints, and detection of every kind of tampering with the stored ledger. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <sodium.h>
#include <sqlite3.h>

#include "ledger-tree.h"
#include "ledger.h"
#include "peer.h"
#include "verifyq.h"

static char dir[64], db[128];

/* A fresh store with n entries and checkpoints after entries 3 and n. */
static struct store *fresh(int n)
{
	struct err e = { 0 };
	struct ledger_logkey *k;
	struct store *st;
	char p[200];

	snprintf(p, sizeof p, "%s.logkey", db);
	unlink(p);
	unlink(db);
	snprintf(p, sizeof p, "%s-wal", db);
	unlink(p);
	snprintf(p, sizeof p, "%s-shm", db);
	unlink(p);
	st = store_open(db, STORE_CREATE, &e);
	assert_non_null(st);
	assert_int_equal(ledger_logkey_create(st, &e), 0);
	assert_int_equal(ledger_logkey_load(st, &k, &e), 0);
	for (int i = 1; i <= n; i++) {
		json_t *d = json_pack("{s:i}", "i", i);
		int64_t seq;
		char subject[32];

		snprintf(subject, sizeof subject, "model/m%d", i % 3);
		assert_int_equal(store_begin(st, &e), 0);
		assert_int_equal(ledger_append(st, i % 2 ? "alice" : "bob", "alias.set", subject, d, &seq, &e), 0);
		assert_int_equal(store_commit(st, &e), 0);
		assert_int_equal(seq, i);
		json_decref(d);
		if (i == 3 || i == n)
			assert_int_equal(ledger_checkpoint(st, k, &e), 0);
	}
	ledger_logkey_free(k);
	return st;
}

/* Runs sql as the attacker; its result, and SQLite's message in msg. */
static int peer_exec_why(struct store *st, const char *sql, char *msg, size_t n)
{
	sqlite3 *pdb = peer(st);
	int rc = sqlite3_exec(pdb, sql, NULL, NULL, NULL);

	snprintf(msg, n, "%s", sqlite3_errmsg(pdb));
	sqlite3_close(pdb);
	return rc;
}

static void raw(struct store *st, const char *sql)
{
	char msg[256];

	if (peer_exec_why(st, sql, msg, sizeof msg) != SQLITE_OK)
		fail_msg("%s: %s", sql, msg);
}

static void untrigger(struct store *st)
{
	raw(st, "DROP TRIGGER ledger_no_update; DROP TRIGGER ledger_no_delete;"
		"DROP TRIGGER checkpoints_no_update; DROP TRIGGER checkpoints_no_delete;");
}

static int setup(void **state)
{
	(void)state;
	snprintf(dir, sizeof dir, "/tmp/steward-ledger-XXXXXX");
	if (mkdtemp(dir) == NULL || sodium_init() < 0)
		return -1;
	snprintf(db, sizeof db, "%s/l.db", dir);
	return 0;
}

static int teardown(void **state)
{
	char p[200];
	const char *sfx[] = { "", "-wal", "-shm", ".logkey", ".witness" };

	(void)state;
	for (int i = 0; i < 5; i++) {
		snprintf(p, sizeof p, "%s%s", db, sfx[i]);
		unlink(p);
	}
	rmdir(dir);
	return 0;
}

static void test_clean_ledger_verifies(void **state)
{
	struct store *st = fresh(10);
	struct ledger_report r;
	struct err e = { 0 };
	char msg[256];

	(void)state;
	assert_int_equal(ledger_verify(st, &r, &e), 0);
	assert_int_equal(r.entries, 10);
	assert_int_equal(r.checkpoints, 2);
	assert_int_equal(r.verified, 10);
	assert_int_equal(ledger_size(st), 10);
	/* append outside a transaction is refused */
	assert_int_equal(ledger_append(st, "a", "x", "s", NULL, NULL, &e), -1);
	/* the triggers refuse edits */
	assert_int_not_equal(peer_exec_why(st, "UPDATE ledger SET actor='eve' WHERE seq=2", msg, sizeof msg), SQLITE_OK);
	assert_non_null(strstr(msg, "append-only"));
	assert_int_not_equal(peer_exec_why(st, "DELETE FROM ledger WHERE seq=10", msg, sizeof msg), SQLITE_OK);
	assert_int_not_equal(peer_exec_why(st, "DELETE FROM checkpoints", msg, sizeof msg), SQLITE_OK);
	store_close(st);
}

static void expect_bad(struct store *st, int64_t seq, const char *why)
{
	struct ledger_report r;
	struct err e = { 0 };

	assert_int_equal(ledger_verify(st, &r, &e), -1);
	if (r.bad_seq != seq || strstr(r.reason, why) == NULL)
		fail_msg("wanted entry %lld '%s', got entry %lld '%s'", (long long)seq, why,
			 (long long)r.bad_seq, r.reason);
	store_close(st);
}

/* Entries come to the callback in order, each with its own body parsed. */
static int in_order(void *arg, int64_t seq, const char *body, size_t len, json_t *parsed, const char *sig, char *why,
		    size_t n)
{
	int64_t *calls = arg;

	(void)body;
	(void)len;
	(void)sig;
	assert_int_equal(seq, *calls + 1);
	assert_int_equal(json_integer_value(json_object_get(json_object_get(parsed, "data"), "i")), seq);
	(*calls)++;
	if (seq != 1030)
		return 0;
	snprintf(why, n, "refused by the test");
	return 1;
}

/* With workers the bodies are parsed ahead in chunks of hundreds: past
 * several of them (and a last one cut short), every entry still comes in
 * order, the first refusal stops the run there, and an edited body far
 * into the ledger is named by the workers. */
static void test_read_ahead(void **state)
{
	struct store *st = fresh(1100);
	struct ledger_verify_opts o = { 0 };
	struct ledger_report r;
	struct err e = { 0 };
	int64_t calls = 0;

	(void)state;
	assert_int_equal(verifyq_new(2, &o.q, &e), 0);
	assert_non_null(o.q);
	assert_int_equal(ledger_verify_with(st, &o, &r, in_order, &calls, &e), -1);
	assert_int_equal(r.bad_seq, 1030);
	assert_int_equal(calls, 1030);
	assert_int_equal(verifyq_finish(o.q), 0);
	untrigger(st);
	/* (Its data, not a field a column repeats: the columns are checked on the reading thread.) */
	raw(st, "UPDATE ledger SET body = CAST(replace(CAST(body AS TEXT), '1051}', '1059}') AS BLOB) WHERE seq = 1051");
	assert_int_equal(verifyq_new(2, &o.q, &e), 0);
	assert_int_equal(ledger_verify_with(st, &o, &r, NULL, NULL, &e), 0);
	assert_int_equal(r.entries, 1100);
	assert_int_equal(verifyq_finish(o.q), 1051);
	expect_bad(st, 1051, "edited");
}

static void test_one_byte_changed(void **state)
{
	struct store *st = fresh(10);

	(void)state;
	untrigger(st);
	/* "alice" -> "alicf" in entry 5's body */
	raw(st, "UPDATE ledger SET body = CAST(replace(CAST(body AS TEXT), 'alice', 'alicf') AS BLOB) WHERE seq = 5");
	expect_bad(st, 5, "edited");
}

static void test_edit_with_rehash(void **state)
{
	struct store *st = fresh(10);

	(void)state;
	untrigger(st);
	/* The attacker also recomputes entry 5's leaf: the chain of 5 gives it away. */
	raw(st, "UPDATE ledger SET body = CAST(replace(CAST(body AS TEXT), 'alice', 'alicf') AS BLOB) WHERE seq = 5");
	{
		sqlite3 *pdb = peer(st);
		sqlite3_stmt *s;
		uint8_t leaf[32];
		const void *b;
		int n;

		assert_int_equal(sqlite3_prepare_v2(pdb, "SELECT body FROM ledger WHERE seq=5", -1, &s, NULL), SQLITE_OK);
		assert_int_equal(sqlite3_step(s), SQLITE_ROW);
		b = sqlite3_column_blob(s, 0);
		n = sqlite3_column_bytes(s, 0);
		merkle_leaf(b, (size_t)n, leaf);
		sqlite3_finalize(s);
		assert_int_equal(sqlite3_prepare_v2(pdb, "UPDATE ledger SET leaf=?1 WHERE seq=5", -1, &s, NULL), SQLITE_OK);
		sqlite3_bind_blob(s, 1, leaf, 32, SQLITE_STATIC);
		assert_int_equal(sqlite3_step(s), SQLITE_DONE);
		sqlite3_finalize(s);
		sqlite3_close(pdb);
	}
	expect_bad(st, 5, "chain");
}

static void test_deleted(void **state)
{
	struct store *st = fresh(10);

	(void)state;
	untrigger(st);
	raw(st, "DELETE FROM ledger WHERE seq = 4");
	expect_bad(st, 4, "missing");
}

static void test_swapped(void **state)
{
	struct store *st = fresh(10);

	(void)state;
	untrigger(st);
	raw(st, "UPDATE ledger SET seq = 1000 WHERE seq = 6; UPDATE ledger SET seq = 6 WHERE seq = 7;"
		"UPDATE ledger SET seq = 7 WHERE seq = 1000");
	expect_bad(st, 6, "swapped");
}

static void test_truncated_below_checkpoint(void **state)
{
	struct store *st = fresh(10);

	(void)state;
	untrigger(st);
	raw(st, "DELETE FROM ledger WHERE seq > 8");
	expect_bad(st, 9, "truncated");
}

static void test_forged_checkpoint(void **state)
{
	struct store *st = fresh(10);

	(void)state;
	untrigger(st);
	raw(st, "UPDATE checkpoints SET note = replace(note, '\n10\n', '\n11\n') WHERE size = 10");
	expect_bad(st, 10, "signature");
}

static int64_t last_time(struct store *st)
{
	sqlite3 *pdb = peer(st);
	sqlite3_stmt *s;
	int64_t t;

	assert_int_equal(sqlite3_prepare_v2(pdb, "SELECT time FROM ledger ORDER BY seq DESC LIMIT 1", -1, &s, NULL),
			 SQLITE_OK);
	assert_int_equal(sqlite3_step(s), SQLITE_ROW);
	t = sqlite3_column_int64(s, 0);
	sqlite3_finalize(s);
	sqlite3_close(pdb);
	return t;
}

static void append_at(struct store *st, int64_t t)
{
	struct err e = { 0 };

	store_clock_set(t);
	assert_int_equal(store_begin(st, &e), 0);
	assert_int_equal(ledger_append(st, "alice", "alias.set", "model/m1", NULL, NULL, &e), 0);
	assert_int_equal(store_commit(st, &e), 0);
	store_clock_set(0);
}

static void test_times(void **state)
{
	struct store *st = fresh(3);
	struct ledger_report r;
	struct err e = { 0 };
	int64_t t0 = last_time(st);

	(void)state;
	/* A clock stepped back: the entry keeps the previous entry's time. */
	append_at(st, t0 - 3600);
	assert_int_equal(last_time(st), t0);
	append_at(st, t0 + 10);
	assert_int_equal(last_time(st), t0 + 10);
	assert_int_equal(ledger_verify(st, &r, &e), 0);
	/* Within the skew ahead of the clock is fine; a day ahead is not. */
	append_at(st, store_now() + LEDGER_SKEW - 5);
	assert_int_equal(ledger_verify(st, &r, &e), 0);
	append_at(st, store_now() + 86400);
	expect_bad(st, 7, "dated in the future");
}

static void test_time_goes_back(void **state)
{
	struct store *st = fresh(3);

	(void)state;
	untrigger(st);
	/* Entry 3's time column is moved back, so the next append dates its
	 * body before entry 3's: the column no longer says what the body says. */
	raw(st, "UPDATE ledger SET time = 0 WHERE seq = 3");
	append_at(st, 1000);
	expect_bad(st, 3, "its time column says 0 but its body says");
}

/* Signs a checkpoint with the store's log key; 0 or -1 with e filled. */
static int sign_each(struct store *st, ledger_entry_fn fn, void *arg, struct err *e)
{
	struct ledger_logkey *k;
	int r;

	assert_int_equal(ledger_logkey_load(st, &k, e), 0);
	assert_int_equal(store_begin(st, e), 0);
	r = ledger_checkpoint_each(st, k, fn, arg, e);
	if (r == 0)
		assert_int_equal(store_commit(st, e), 0);
	else
		store_rollback(st);
	ledger_logkey_free(k);
	return r;
}

static int64_t count(struct store *st, const char *sql)
{
	sqlite3 *pdb = peer(st);
	sqlite3_stmt *s;
	int64_t n;

	assert_int_equal(sqlite3_prepare_v2(pdb, sql, -1, &s, NULL), SQLITE_OK);
	assert_int_equal(sqlite3_step(s), SQLITE_ROW);
	n = sqlite3_column_int64(s, 0);
	sqlite3_finalize(s);
	sqlite3_close(pdb);
	return n;
}

static void append_plain(struct store *st)
{
	append_at(st, 0);
}

static void append_as(struct store *st, const char *actor)
{
	struct err e = { 0 };

	assert_int_equal(store_begin(st, &e), 0);
	assert_int_equal(ledger_append(st, actor, "alias.set", "model/m1", NULL, NULL, &e), 0);
	assert_int_equal(store_commit(st, &e), 0);
}

static void test_checkpoint_checks_new_entries(void **state)
{
	struct store *st = fresh(5);
	struct err e = { 0 };

	(void)state;
	untrigger(st);
	append_plain(st);
	/* Entry 6, not yet signed, edited: its leaf is recomputed from its bytes. */
	raw(st, "UPDATE ledger SET body = CAST(replace(CAST(body AS TEXT), 'alice', 'alicf') AS BLOB) WHERE seq = 6");
	assert_int_equal(sign_each(st, NULL, NULL, &e), -1);
	assert_non_null(strstr(e.msg, "ledger entry 6: body does not hash to its stored leaf"));
	assert_int_equal(count(st, "SELECT count(*) FROM checkpoints"), 2);
	store_close(st);
}

static void test_checkpoint_checks_chain(void **state)
{
	struct store *st = fresh(5);
	struct err e = { 0 };

	(void)state;
	untrigger(st);
	append_plain(st);
	append_plain(st);
	/* Entry 6's stored chain hash is not the one its body gives. */
	raw(st, "UPDATE ledger SET chain = zeroblob(32) WHERE seq = 6");
	assert_int_equal(sign_each(st, NULL, NULL, &e), -1);
	assert_non_null(strstr(e.msg, "ledger entry 6: chain hash does not match"));
	store_close(st);
}

static int refuse_seven(void *arg, int64_t seq, const char *body, size_t len, json_t *parsed, const char *sig, char *why,
			size_t n)
{
	int *calls = arg;

	(void)body;
	(void)len;
	(void)sig;
	assert_non_null(json_object_get(parsed, "actor"));
	(*calls)++;
	if (seq != 7)
		return 0;
	snprintf(why, n, "no signature by the actor");
	return 1;
}

static void test_checkpoint_callback(void **state)
{
	struct store *st = fresh(5);
	struct err e = { 0 };
	int calls = 0;

	(void)state;
	append_plain(st);
	append_plain(st);
	append_plain(st);
	/* Called for the entries the checkpoint adds, in order; a refusal names the entry. */
	assert_int_equal(sign_each(st, refuse_seven, &calls, &e), -1);
	assert_int_equal(calls, 2);
	assert_non_null(strstr(e.msg, "ledger entry 7: no signature by the actor"));
	assert_int_equal(count(st, "SELECT max(size) FROM checkpoints"), 5);
	store_close(st);
}

static void test_checkpoint_forged_base(void **state)
{
	struct store *st = fresh(5);
	struct err e = { 0 };

	(void)state;
	untrigger(st);
	append_plain(st);
	/* The newest checkpoint row's root (and frontier) replaced by the
	 * attacker: its note no longer signs it. */
	raw(st, "UPDATE checkpoints SET root = zeroblob(32), frontier = NULL WHERE size = 5");
	assert_int_equal(sign_each(st, NULL, NULL, &e), -1);
	assert_non_null(strstr(e.msg, "the store's newest checkpoint is not the log key's"));
	store_close(st);
}

static void test_witness(void **state)
{
	struct store *st = fresh(5);
	struct ledger_kept w;
	struct err e = { 0 };
	struct stat sb;
	char p[200];
	char name[KEYS_NAME_MAX + 1];
	uint8_t pk[KEYS_PK_BYTES];

	(void)state;
	snprintf(p, sizeof p, "%s.witness", db);
	assert_int_equal(stat(p, &sb), 0);
	assert_int_equal(sb.st_mode & 0777, 0600);
	assert_int_equal(ledger_logkey_public(st, name, sizeof name, pk, &e), 0);
	assert_int_equal(ledger_witness_read(st, name, pk, &w, &e), 1);
	assert_int_equal(w.size, 5);
	assert_non_null(strstr(w.what, "witnessed in"));
	/* A frontier lost (an older store): the signer rehashes from the first entry. */
	untrigger(st);
	raw(st, "UPDATE checkpoints SET frontier = NULL");
	append_plain(st);
	assert_int_equal(sign_each(st, NULL, NULL, &e), 0);
	assert_int_equal(ledger_witness_read(st, name, pk, &w, &e), 1);
	assert_int_equal(w.size, 6);
	/* The tail and its checkpoint deleted, then one ordinary write: the
	 * witness still holds checkpoint 6, which this history cannot give. */
	raw(st, "DELETE FROM ledger WHERE seq = 6; DELETE FROM checkpoints WHERE size = 6");
	append_as(st, "mallory");
	assert_int_equal(sign_each(st, NULL, NULL, &e), -1);
	assert_non_null(strstr(e.msg, "the ledger no longer contains the history of checkpoint 6 witnessed in"));
	assert_non_null(strstr(e.msg, "entries were removed or changed"));
	assert_int_equal(count(st, "SELECT max(size) FROM checkpoints"), 5);
	/* Cut below it: the same. */
	raw(st, "DELETE FROM ledger WHERE seq = 6");
	assert_int_equal(sign_each(st, NULL, NULL, &e), 0); /* nothing new since 5 */
	append_plain(st);
	raw(st, "DELETE FROM ledger WHERE seq >= 5; DELETE FROM checkpoints WHERE size = 5");
	append_as(st, "mallory");
	assert_int_equal(sign_each(st, NULL, NULL, &e), -1);
	assert_non_null(strstr(e.msg, "checkpoint 6 witnessed in"));
	store_close(st);
}

static void test_logkey_refusals(void **state)
{
	struct store *st = fresh(1);
	struct ledger_logkey *k;
	struct err e = { 0 };
	char p[200];

	(void)state;
	assert_int_equal(ledger_logkey_create(st, &e), -1); /* never replaced */
	snprintf(p, sizeof p, "%s.logkey", db);
	chmod(p, 0644);
	assert_int_equal(ledger_logkey_load(st, &k, &e), -1);
	assert_non_null(strstr(e.msg, "chmod 600"));
	store_close(st);
}

/* The nodes appends store give the roots and proofs RFC 9162 gives from
 * every leaf, at every size, index and old size of a 70-entry ledger;
 * ledger_tree_check agrees, and names a node changed behind its back. */
static void test_tree_nodes(void **state)
{
	struct store *st = fresh(70);
	merkle_hash leaves[70], r1, r2, want[MERKLE_MAX_PATH], got[MERKLE_MAX_PATH];
	size_t wl, gl;
	struct db_stmt *s;
	struct err e = { 0 };
	char why[300];
	int n = 0;

	(void)state;
	assert_int_equal(store_prepare(st, &s, "SELECT leaf FROM ledger ORDER BY seq", &e), 0);
	while (db_step(s) == DB_ROW && n < 70)
		memcpy(leaves[n++], db_column_blob(s, 0), MERKLE_HASH);
	db_finalize(s);
	assert_int_equal(n, 70);
	for (int64_t size = 1; size <= 70; size++) {
		merkle_root(leaves, (size_t)size, r1);
		assert_int_equal(ledger_tree_root(st, size, r2, &e), 0);
		assert_memory_equal(r1, r2, MERKLE_HASH);
		for (int64_t i = 1; i <= size; i++) {
			merkle_inclusion_proof(leaves, (size_t)size, (size_t)(i - 1), want, &wl);
			assert_int_equal(ledger_tree_inclusion(st, size, i, got, &gl, &e), 0);
			assert_int_equal(gl, wl);
			assert_memory_equal(got, want, wl * MERKLE_HASH);
			merkle_consistency_proof(leaves, (size_t)size, (size_t)i, want, &wl);
			assert_int_equal(ledger_tree_consistency(st, size, i, got, &gl, &e), 0);
			assert_int_equal(gl, wl);
			assert_memory_equal(got, want, wl * MERKLE_HASH);
		}
	}
	assert_int_equal(ledger_tree_inclusion(st, 70, 71, got, &gl, &e), -1);
	assert_int_equal(ledger_tree_consistency(st, 70, 0, got, &gl, &e), -1);
	assert_int_equal(count(st, "SELECT count(*) FROM ledger_nodes"), 70 - 3); /* 70 has three bits set */
	assert_int_equal(ledger_tree_check(st, why, sizeof why, &e), 0);
	raw(st, "DROP TRIGGER ledger_nodes_no_update;"
		" UPDATE ledger_nodes SET hash = zeroblob(32) WHERE seq = 64 AND level = 5");
	assert_int_equal(ledger_tree_check(st, why, sizeof why, &e), 1);
	assert_non_null(strstr(why, "level 5 index 1 (entries 33 to 64) differs"));
	/* A proof through it no longer verifies against the root of the leaves. */
	assert_int_equal(ledger_tree_inclusion(st, 70, 10, got, &gl, &e), 0);
	merkle_root(leaves, 70, r1);
	assert_false(merkle_inclusion_verify(9, 70, leaves[9], got, gl, r1));
	assert_int_equal(ledger_tree_inclusion(st, 70, 40, got, &gl, &e), 0);
	assert_true(merkle_inclusion_verify(39, 70, leaves[39], got, gl, r1));
	store_close(st);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_clean_ledger_verifies),
		cmocka_unit_test(test_read_ahead),
		cmocka_unit_test(test_one_byte_changed),
		cmocka_unit_test(test_edit_with_rehash),
		cmocka_unit_test(test_deleted),
		cmocka_unit_test(test_swapped),
		cmocka_unit_test(test_truncated_below_checkpoint),
		cmocka_unit_test(test_forged_checkpoint),
		cmocka_unit_test(test_times),
		cmocka_unit_test(test_time_goes_back),
		cmocka_unit_test(test_checkpoint_checks_new_entries),
		cmocka_unit_test(test_checkpoint_checks_chain),
		cmocka_unit_test(test_checkpoint_callback),
		cmocka_unit_test(test_checkpoint_forged_base),
		cmocka_unit_test(test_witness),
		cmocka_unit_test(test_logkey_refusals),
		cmocka_unit_test(test_tree_nodes),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
