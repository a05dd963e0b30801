/* test_store: the store opens, migrates, nests transactions and refuses unusable files. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>
#include <sqlite3.h>

#include "store.h"
#include "peer.h"

static char dir[256];
extern char **environ;

static int setup(void **state)
{
	(void)state;
	snprintf(dir, sizeof dir, "/tmp/steward-unit-XXXXXX");
	return mkdtemp(dir) == NULL ? -1 : 0;
}

static int teardown(void **state)
{
	char p[400];
	const char *names[] = { "s.db", "s.db-wal", "s.db-shm", "g.db", "e.db", "n.db", "n.db-wal",
				"n.db-shm", "a/b/c.db", "a/b/c.db-wal", "a/b/c.db-shm", "f", "w.db", "w.db-wal", "w.db-shm" };

	(void)state;
	for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
		snprintf(p, sizeof p, "%s/%s", dir, names[i]);
		unlink(p);
	}
	snprintf(p, sizeof p, "%s/a/b", dir);
	rmdir(p);
	snprintf(p, sizeof p, "%s/a", dir);
	rmdir(p);
	rmdir(dir);
	return 0;
}

static void path(char *buf, size_t n, const char *name)
{
	snprintf(buf, n, "%s/%s", dir, name);
}

static void test_create_and_reopen(void **state)
{
	struct err e = { 0 };
	char p[400];
	struct store *st;

	(void)state;
	path(p, sizeof p, "s.db");
	assert_null(store_open(p, 0, &e));
	assert_int_equal(e.kind, ERR_NOTFOUND);
	assert_non_null(strstr(e.msg, "steward init"));

	st = store_open(p, STORE_CREATE, &e);
	assert_non_null(st);
	assert_int_equal(store_schema_version(st), store_schema_latest());
	assert_int_equal(store_meta_set(st, "k", "v1", &e), 0);
	store_close(st);

	st = store_open(p, STORE_READONLY, &e);
	assert_non_null(st);
	{
		char v[16];
		assert_int_equal(store_meta_get(st, "k", v, sizeof v, &e), 1);
		assert_string_equal(v, "v1");
		assert_int_equal(store_meta_get(st, "missing", v, sizeof v, &e), 0);
		/* read-only connection refuses writes */
		assert_int_equal(store_meta_set(st, "k", "v2", &e), -1);
		assert_non_null(strstr(e.msg, "read-only"));
	}
	store_close(st);
}

static void test_creates_parent_dirs(void **state)
{
	struct err e = { 0 };
	char p[400];
	struct store *st;

	(void)state;
	path(p, sizeof p, "a/b/c.db");
	st = store_open(p, STORE_CREATE, &e);
	assert_non_null(st);
	store_close(st);
}

static void test_garbage_file(void **state)
{
	struct err e = { 0 };
	char p[400];
	FILE *f;

	(void)state;
	path(p, sizeof p, "g.db");
	f = fopen(p, "wb");
	assert_non_null(f);
	for (int i = 0; i < 4096; i++)
		fputc((i * 131) & 0xff, f);
	fclose(f);
	assert_null(store_open(p, STORE_CREATE, &e));
	assert_non_null(strstr(e.msg, "not a SQLite database"));
	assert_non_null(strstr(e.msg, "g.db"));
}

static void test_empty_file_without_create(void **state)
{
	struct err e = { 0 };
	char p[400];
	FILE *f;

	(void)state;
	path(p, sizeof p, "e.db");
	f = fopen(p, "wb");
	assert_non_null(f);
	fclose(f);
	assert_null(store_open(p, 0, &e));
	assert_non_null(strstr(e.msg, "empty"));
}

static void test_newer_schema(void **state)
{
	struct err e = { 0 };
	char p[400];
	struct store *st;

	(void)state;
	path(p, sizeof p, "n.db");
	st = store_open(p, STORE_CREATE, &e);
	assert_non_null(st);
	assert_int_equal(peer_exec(st, "PRAGMA user_version = 999"), SQLITE_OK);
	store_close(st);
	assert_null(store_open(p, 0, &e));
	assert_non_null(strstr(e.msg, "newer steward"));
	assert_non_null(strstr(e.msg, "999"));
}

static void test_foreign_sqlite(void **state)
{
	struct err e = { 0 };
	char p[400];
	sqlite3 *db;

	(void)state;
	path(p, sizeof p, "g.db");
	unlink(p);
	assert_int_equal(sqlite3_open(p, &db), SQLITE_OK);
	assert_int_equal(sqlite3_exec(db, "CREATE TABLE songs(title TEXT)", NULL, NULL, NULL), SQLITE_OK);
	sqlite3_close(db);
	assert_null(store_open(p, STORE_CREATE, &e));
	assert_non_null(strstr(e.msg, "another program"));
	assert_int_equal(sqlite3_open(p, &db), SQLITE_OK);
	{
		sqlite3_stmt *s;
		assert_int_equal(sqlite3_prepare_v2(db, "SELECT count(*) FROM sqlite_master", -1, &s, NULL), SQLITE_OK);
		assert_int_equal(sqlite3_step(s), SQLITE_ROW);
		assert_int_equal(sqlite3_column_int(s, 0), 1); /* nothing of ours was added */
		sqlite3_finalize(s);
	}
	sqlite3_close(db);
	unlink(p);
}

static void test_unwritable_dir(void **state)
{
	struct err e = { 0 };
	char p[512], f[400];
	FILE *fp;

	(void)state;
	/* A regular file as the parent: refused even for root. */
	path(f, sizeof f, "f");
	fp = fopen(f, "w");
	assert_non_null(fp);
	fclose(fp);
	snprintf(p, sizeof p, "%s/x.db", f);
	assert_null(store_open(p, STORE_CREATE, &e));
	assert_non_null(strstr(e.msg, f));
}

static void test_directory_as_store(void **state)
{
	struct err e = { 0 };

	(void)state;
	assert_null(store_open(dir, STORE_CREATE, &e));
	assert_non_null(strstr(e.msg, "directory"));
}

static void test_nested_transactions(void **state)
{
	struct err e = { 0 };
	char p[400], v[16];
	struct store *st;

	(void)state;
	path(p, sizeof p, "s.db");
	st = store_open(p, STORE_CREATE, &e);
	assert_non_null(st);
	assert_int_equal(store_begin(st, &e), 0);
	assert_int_equal(store_meta_set(st, "outer", "1", &e), 0);
	assert_int_equal(store_begin(st, &e), 0);
	assert_int_equal(store_meta_set(st, "inner", "1", &e), 0);
	store_rollback(st); /* only the inner write goes */
	assert_int_equal(store_commit(st, &e), 0);
	assert_int_equal(store_meta_get(st, "outer", v, sizeof v, &e), 1);
	assert_int_equal(store_meta_get(st, "inner", v, sizeof v, &e), 0);
	assert_int_equal(store_commit(st, &e), -1); /* nothing open */
	store_close(st);
}

/* Column names, as store copy reads them: known from prepare on, quoted names as written. */
static void test_column_names(void **state)
{
	struct store *st;
	struct db_stmt *s;
	struct err e;
	char p[300];

	(void)state;
	snprintf(p, sizeof p, "%s/s.db", dir);
	st = store_open(p, STORE_CREATE, &e);
	assert_non_null(st);
	assert_int_equal(store_prepare(st, &s, "SELECT 1 AS one, 'x' AS \"offset\" FROM meta WHERE 0", &e), 0);
	assert_int_equal(db_column_count(s), 2);
	assert_string_equal(db_column_name(s, 0), "one");
	assert_string_equal(db_column_name(s, 1), "offset");
	assert_null(db_column_name(s, 2));
	assert_int_equal(db_step(s), DB_DONE);
	assert_int_equal(db_column_count(s), 2);
	db_finalize(s);
	store_close(st);
}

/* Every connection commits durably: WAL synced at each commit (FULL, 2),
 * so an acknowledged entry survives a power loss (DESIGN.md in the tree). */
static void test_durable_commits(void **state)
{
	struct store *st;
	struct db_stmt *s;
	struct err e;
	char p[300];

	(void)state;
	snprintf(p, sizeof p, "%s/s.db", dir);
	st = store_open(p, STORE_CREATE, &e);
	assert_non_null(st);
	assert_int_equal(store_prepare(st, &s, "PRAGMA synchronous", &e), 0);
	assert_int_equal(db_step(s), DB_ROW);
	assert_int_equal(db_column_int(s, 0), 2);
	db_finalize(s);
	assert_int_equal(store_prepare(st, &s, "PRAGMA journal_mode", &e), 0);
	assert_int_equal(db_step(s), DB_ROW);
	assert_string_equal((const char *)db_column_text(s, 0), "wal");
	db_finalize(s);
	store_close(st);
}

/* PRAGMA cache_size of a connection opened with flags. */
static int cache_of(const char *p, int flags)
{
	struct store *st;
	struct db_stmt *s;
	struct err e;
	int n;

	st = store_open(p, flags, &e);
	assert_non_null(st);
	assert_int_equal(store_prepare(st, &s, "PRAGMA cache_size", &e), 0);
	assert_int_equal(db_step(s), DB_ROW);
	n = db_column_int(s, 0);
	db_finalize(s);
	store_close(st);
	return n;
}

/* A lean reader (the console's ledger check) keeps a smaller page cache,
 * which also bounds its sorts' memory; other connections keep SQLite's. */
static void test_lean_reader(void **state)
{
	struct store *st;
	struct err e;
	char p[300];

	(void)state;
	snprintf(p, sizeof p, "%s/lean.db", dir);
	st = store_open(p, STORE_CREATE, &e);
	assert_non_null(st);
	store_close(st);
	assert_int_equal(cache_of(p, STORE_READONLY | STORE_LEAN), -512);
	assert_int_not_equal(cache_of(p, STORE_READONLY), -512);
	assert_int_not_equal(cache_of(p, 0), -512);
}

static void test_data_version_sees_other_connection(void **state)
{
	struct err e = { 0 };
	char p[400];
	struct store *a, *b;
	int64_t before;

	(void)state;
	path(p, sizeof p, "s.db");
	a = store_open(p, STORE_CREATE, &e);
	b = store_open(p, 0, &e);
	assert_non_null(a);
	assert_non_null(b);
	before = store_data_version(a);
	assert_int_equal(store_meta_set(b, "x", "y", &e), 0);
	assert_true(store_data_version(a) != before);
	store_close(a);
	store_close(b);
}

/* A file never drops: no socket to wait on, always connected, a reconnect
 * changes nothing, and a commit needs no mark to be settled later. */
static void test_sqlite_connection_never_drops(void **state)
{
	struct err e = { 0 };
	char p[400];
	struct store *st;
	int64_t mark = -1;

	(void)state;
	path(p, sizeof p, "s.db");
	st = store_open(p, STORE_CREATE, &e);
	assert_non_null(st);
	assert_int_equal(store_notify_fd(st), -1);
	assert_int_equal(store_connected(st), 1);
	assert_int_equal(store_begin(st, &e), 0);
	assert_int_equal(store_meta_set(st, "x", "y", &e), 0);
	assert_int_equal(store_commit_mark(st, &mark, &e), 0);
	assert_int_equal(mark, 0);
	assert_int_equal(store_commit(st, &e), 0);
	/* Nothing to ask about: refused rather than guessed. */
	assert_int_equal(store_commit_outcome(st, 0, &e), -1);
	assert_int_equal(e.kind, ERR_INVALID);
	assert_int_equal(store_reconnect(st, &e), 0);
	assert_int_equal(store_meta_get(st, "x", p, sizeof p, &e), 1);
	assert_string_equal(p, "y");
	store_close(st);
}

static void test_default_path_and_clock(void **state)
{
	struct err e = { 0 };
	char p[400];

	(void)state;
	setenv("STEWARD_DB", "/tmp/explicit.db", 1);
	assert_int_equal(store_default_path(p, sizeof p, &e), 0);
	assert_string_equal(p, "/tmp/explicit.db");
	unsetenv("STEWARD_DB");
	setenv("XDG_DATA_HOME", "/srv/data", 1);
	assert_int_equal(store_default_path(p, sizeof p, &e), 0);
	assert_string_equal(p, "/srv/data/steward/steward.db");
	unsetenv("XDG_DATA_HOME");
	setenv("HOME", "/home/ops", 1);
	assert_int_equal(store_default_path(p, sizeof p, &e), 0);
	assert_string_equal(p, "/home/ops/.local/share/steward/steward.db");

	setenv("STEWARD_NOW", "1767225600", 1);
	assert_int_equal(store_now(), 1767225600);
	store_clock_set(42);
	assert_int_equal(store_now(), 42);
	store_clock_set(0);
	setenv("STEWARD_NOW", "junk", 1);
	assert_true(store_now() > 1700000000);
	unsetenv("STEWARD_NOW");
}

/* Another process (the sqlite3 shell) writes and closes while this one
 * holds a connection and has opened and closed a second one, as the
 * console does with its worker threads: the writer must not find the
 * store unused and delete the -wal file under the first connection. */
static void test_second_connection_keeps_locks(void **state)
{
	struct err e = { 0 };
	char p[400], wal[420], shm[420], v[16];
	char *argv[] = { "sqlite3", p, "INSERT INTO meta(key, value) VALUES ('other', 'yes')", NULL };
	struct store *a, *b;
	struct stat sb;
	pid_t pid;
	int status;

	(void)state;
	path(p, sizeof p, "w.db");
	snprintf(wal, sizeof wal, "%s-wal", p);
	snprintf(shm, sizeof shm, "%s-shm", p);
	a = store_open(p, STORE_CREATE, &e);
	assert_non_null(a);
	assert_int_equal(store_meta_set(a, "k", "a", &e), 0);
	b = store_open(p, STORE_READONLY, &e);
	assert_non_null(b);
	store_close(b);
	if (posix_spawnp(&pid, "sqlite3", NULL, NULL, argv, environ) != 0) {
		store_close(a);
		skip();
	}
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	assert_int_equal(stat(wal, &sb), 0);
	assert_int_equal(store_meta_get(a, "other", v, sizeof v, &e), 1);
	assert_string_equal(v, "yes");
	assert_int_equal(store_meta_set(a, "k", "again", &e), 0);
	/* New stores are their owner's alone, and so are the files beside them. */
	assert_int_equal(stat(p, &sb), 0);
	assert_int_equal(sb.st_mode & 0777, 0600);
	assert_int_equal(stat(wal, &sb), 0);
	assert_int_equal(sb.st_mode & 0777, 0600);
	assert_int_equal(stat(shm, &sb), 0);
	assert_int_equal(sb.st_mode & 0777, 0600);
	store_close(a);
}

/* The statement cache: one statement per text, reset and rebound per use,
 * a separate one while it is handed out, bad SQL refused and not kept,
 * and texts past the cache's size still run. */
static void test_statement_cache(void **state)
{
	struct store *st;
	struct db_stmt *a, *b, *c;
	struct err e;
	char p[300], sql[64];
	int i;

	(void)state;
	snprintf(p, sizeof p, "%s/s.db", dir);
	st = store_open(p, STORE_CREATE, &e);
	assert_non_null(st);
	assert_int_equal(store_stmt(st, &a, "SELECT ?1 + 1", &e), 0);
	db_bind_int64(a, 1, 41);
	assert_int_equal(db_step(a), DB_ROW);
	assert_int_equal(db_column_int64(a, 0), 42);
	/* Asked again while a is out (mid-row): its own statement. */
	assert_int_equal(store_stmt(st, &b, "SELECT ?1 + 1", &e), 0);
	assert_ptr_not_equal(a, b);
	db_bind_int64(b, 1, 1);
	assert_int_equal(db_step(b), DB_ROW);
	assert_int_equal(db_column_int64(b, 0), 2);
	assert_int_equal(db_column_int64(a, 0), 42);
	store_stmt_done(st, b);
	store_stmt_done(st, a);
	/* Given back mid-row, it was reset: the next user starts over, rebound. */
	assert_int_equal(store_stmt(st, &c, "SELECT ?1 + 1", &e), 0);
	assert_ptr_equal(c, a);
	db_bind_int64(c, 1, 99);
	assert_int_equal(db_step(c), DB_ROW);
	assert_int_equal(db_column_int64(c, 0), 100);
	assert_int_equal(db_step(c), DB_DONE);
	store_stmt_done(st, c);
	/* A cached statement sees what was committed since it was prepared. */
	assert_int_equal(store_stmt(st, &a, "SELECT value FROM meta WHERE key = ?1", &e), 0);
	db_bind_text(a, 1, "cache", -1, DB_STATIC);
	assert_int_equal(db_step(a), DB_DONE);
	store_stmt_done(st, a);
	assert_int_equal(store_meta_set(st, "cache", "v", &e), 0);
	assert_int_equal(store_stmt(st, &b, "SELECT value FROM meta WHERE key = ?1", &e), 0);
	assert_ptr_equal(a, b);
	db_bind_text(b, 1, "cache", -1, DB_STATIC);
	assert_int_equal(db_step(b), DB_ROW);
	assert_string_equal((const char *)db_column_text(b, 0), "v");
	store_stmt_done(st, b);
	/* A text in a buffer the caller rewrites is matched by its contents. */
	for (i = 0; i < STORE_CACHE_MAX + 10; i++) {
		snprintf(sql, sizeof sql, "SELECT %d", i);
		assert_int_equal(store_stmt(st, &a, sql, &e), 0);
		assert_int_equal(db_step(a), DB_ROW);
		assert_int_equal(db_column_int64(a, 0), i);
		store_stmt_done(st, a);
	}
	snprintf(sql, sizeof sql, "SELECT %d", 3);
	assert_int_equal(store_stmt(st, &a, sql, &e), 0);
	assert_int_equal(db_step(a), DB_ROW);
	assert_int_equal(db_column_int64(a, 0), 3);
	store_stmt_done(st, a);
	/* Bad SQL: an error naming the database's complaint, nothing kept. */
	assert_int_equal(store_stmt(st, &a, "SELEKT 1", &e), -1);
	assert_null(a);
	assert_non_null(strstr(e.msg, "preparing a query"));
	assert_non_null(strstr(e.msg, "SELEKT"));
	assert_int_equal(store_stmt(st, &a, "SELEKT 1", &e), -1);
	store_stmt_done(st, NULL);
	store_close(st);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_create_and_reopen),
		cmocka_unit_test(test_creates_parent_dirs),
		cmocka_unit_test(test_garbage_file),
		cmocka_unit_test(test_empty_file_without_create),
		cmocka_unit_test(test_newer_schema),
		cmocka_unit_test(test_foreign_sqlite),
		cmocka_unit_test(test_unwritable_dir),
		cmocka_unit_test(test_directory_as_store),
		cmocka_unit_test(test_nested_transactions),
		cmocka_unit_test(test_column_names),
		cmocka_unit_test(test_durable_commits),
		cmocka_unit_test(test_data_version_sees_other_connection),
		cmocka_unit_test(test_lean_reader),
		cmocka_unit_test(test_sqlite_connection_never_drops),
		cmocka_unit_test(test_default_path_and_clock),
		cmocka_unit_test(test_second_connection_keeps_locks),
		cmocka_unit_test(test_statement_cache),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
