/* store: the store on its engine (core/db.h; SQLite, see store-sqlite.c): open and close, errors, nested transactions, metadata and the clock. */
#define STEWARD_STORE_IMPL /* store_fail is defined here, not the analyser stand-in in store.h */
#include "store.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "db-pg.h"
#include "db-sqlite.h"
#include "store-pg.h"
#include "store-sqlite.h"

struct store {
	const struct db_conn_ops *ops;
	void *conn; /* the engine's connection */
	char *path;  /* as given: a file, or a URI that may hold a password */
	char *label; /* for messages: the path, or the URI without its password */
	int depth; /* transaction nesting: 0 none, 1 BEGIN, >1 savepoints */
	int reading; /* store_read_begin opened a read-only transaction */
	int dry_run;
	struct {
		void *p;
		int64_t stamp;
		void (*release)(void *);
	} slot[STORE_SLOT_COUNT];
	struct store_cached {
		char *sql; /* a copy: the caller's text may be a buffer it reuses */
		struct db_stmt *s;
		int busy; /* handed out and not yet given back */
	} cache[STORE_CACHE_MAX];
	int ncache;
};

static int64_t store_clock_fixed;

/* Drops every cached statement: on close, and on a reconnect, whose new
 * session knows none of the old one's. One still handed out becomes its
 * holder's, finalized by store_stmt_done, which no longer finds it here. */
static void store_cache_clear(struct store *st)
{
	int i;

	for (i = 0; i < st->ncache; i++) {
		if (!st->cache[i].busy)
			db_finalize(st->cache[i].s);
		free(st->cache[i].sql);
	}
	st->ncache = 0;
}

int store_schema_latest(void)
{
	return store_sqlite_latest();
}

int store_default_path(char *buf, size_t n, struct err *e)
{
	const char *env = getenv("STEWARD_DB");
	const char *xdg = getenv("XDG_DATA_HOME");
	const char *home = getenv("HOME");
	int r;

	if (env != NULL && env[0] != '\0')
		r = snprintf(buf, n, "%s", env);
	else if (xdg != NULL && xdg[0] == '/')
		r = snprintf(buf, n, "%s/steward/steward.db", xdg);
	else if (home != NULL && home[0] == '/')
		r = snprintf(buf, n, "%s/.local/share/steward/steward.db", home);
	else
		return err_set(e, ERR_INVALID,
			       "no store path: give --db PATH, or set STEWARD_DB, XDG_DATA_HOME or HOME");
	if (r < 0 || (size_t)r >= n)
		return err_set(e, ERR_INVALID, "store path is too long");
	return 0;
}

int store_fail(struct store *st, struct err *e, const char *what)
{
	int code = st->ops->errcode(st->conn);
	const char *msg = st->ops->errmsg(st->conn);

	if (code == DB_READONLY)
		return err_set(e, ERR_STORE, "%s: store %s is read-only (%s)", what, st->label, msg);
	if (code == DB_NOTADB)
		return err_set(e, ERR_STORE, "%s is not a steward store (not a SQLite database)",
			       st->label);
	if (code == DB_CANTOPEN || code == DB_IOERR)
		return err_set(e, ERR_STORE, "%s: cannot write store %s or its directory (%s)", what,
			       st->label, msg);
	if (code == DB_BUSY)
		return err_set(e, ERR_STORE, "%s: store %s is busy (another steward is writing)",
			       what, st->label);
	return err_set(e, ERR_STORE, "%s: %s", what, msg);
}

void store_text_copy(char *dst, size_t n, struct db_stmt *s, int col)
{
	const unsigned char *t = db_column_text(s, col);

	snprintf(dst, n, "%s", t != NULL ? (const char *)t : "");
}

int store_prepare(struct store *st, struct db_stmt **stmt, const char *sql, struct err *e)
{
	int rc = st->ops->prepare(st->conn, stmt, sql);

	if (rc == DB_OK)
		return 0;
	*stmt = NULL;
	/* Said here: when the engine could not even hold the statement, the
	 * connection has no error of its own to name. */
	if (rc == DB_NOMEM)
		return err_set(e, ERR_STORE, "preparing a query: out of memory");
	return store_fail(st, e, "preparing a query");
}

int store_stmt(struct store *st, struct db_stmt **stmt, const char *sql, struct err *e)
{
	struct store_cached *c;
	int i;

	for (i = 0; i < st->ncache; i++) {
		c = &st->cache[i];
		if (strcmp(c->sql, sql) != 0)
			continue;
		/* In use further up the stack (a row loop that calls itself):
		 * that caller's cursor must not move, so this one is its own. */
		if (c->busy)
			return store_prepare(st, stmt, sql, e);
		c->busy = 1;
		*stmt = c->s;
		return 0;
	}
	if (store_prepare(st, stmt, sql, e) != 0)
		return -1;
	if (st->ncache == STORE_CACHE_MAX)
		return 0; /* full: this one is finalized when given back */
	c = &st->cache[st->ncache];
	c->sql = strdup(sql);
	if (c->sql == NULL)
		return 0; /* uncached: still a working statement */
	c->s = *stmt;
	c->busy = 1;
	st->ncache++;
	return 0;
}

void store_stmt_done(struct store *st, struct db_stmt *s)
{
	int i;

	if (s == NULL)
		return;
	for (i = 0; i < st->ncache; i++)
		if (st->cache[i].s == s) {
			/* Reset ends its read (SQLite's lock, PostgreSQL's pending
			 * rows) as finalize would; the error, if any, was seen at step. */
			db_reset(s);
			st->cache[i].busy = 0;
			return;
		}
	db_finalize(s);
}

int store_exec(struct store *st, const char *sql, const char *what, struct err *e)
{
	if (st->ops->exec(st->conn, sql) != DB_OK)
		return store_fail(st, e, what);
	return 0;
}

int64_t store_last_insert_id(struct store *st)
{
	return st->ops->last_insert_id(st->conn);
}

int64_t store_changes(struct store *st)
{
	return st->ops->changes(st->conn);
}

int64_t store_total_changes(struct store *st)
{
	return st->ops->total_changes(st->conn);
}

int store_is_uri(const char *path)
{
	return dbpg_is_uri(path);
}

void store_label_of(const char *path, char *buf, size_t n)
{
	if (dbpg_is_uri(path))
		dbpg_redact(path, buf, n);
	else
		snprintf(buf, n, "%s", path);
}

struct store *store_open(const char *path, int flags, struct err *e)
{
	char label[4200];
	struct store *st;
	void *conn;
	int pg;

	if (path == NULL || path[0] == '\0') {
		err_set(e, ERR_INVALID, "empty store path");
		return NULL;
	}
	pg = dbpg_is_uri(path);
	if (pg && (flags & STORE_GROUP)) {
		err_set(e, ERR_INVALID,
			"--group shares a store file; who may use a PostgreSQL store is up to its roles (scripts/pg-setup)");
		return NULL;
	}
	if ((pg ? store_pg_connect(path, flags, &conn, e) : store_sqlite_connect(path, flags, &conn, e)) != 0)
		return NULL;
	store_label_of(path, label, sizeof label);
	st = calloc(1, sizeof *st);
	if (st == NULL || (st->path = strdup(path)) == NULL || (st->label = strdup(label)) == NULL) {
		if (st != NULL)
			free(st->path);
		free(st);
		(pg ? &dbpg_conn_ops : &db_sqlite_ops)->close(conn);
		err_set(e, ERR_STORE, "out of memory");
		return NULL;
	}
	st->ops = pg ? &dbpg_conn_ops : &db_sqlite_ops;
	st->conn = conn;
	if ((pg ? store_pg_schema(st, conn, flags, e) : store_sqlite_schema(st, conn, flags, e)) != 0) {
		store_close(st);
		return NULL;
	}
	return st;
}

void store_close(struct store *st)
{
	int i;

	if (st == NULL)
		return;
	for (i = 0; i < STORE_SLOT_COUNT; i++)
		if (st->slot[i].p != NULL && st->slot[i].release != NULL)
			st->slot[i].release(st->slot[i].p);
	if (st->conn != NULL) {
		store_cache_clear(st);
		st->ops->close(st->conn);
	}
	free(st->path);
	free(st->label);
	free(st);
}

const char *store_path(const struct store *st)
{
	return st->path;
}

const char *store_label(const struct store *st)
{
	return st->label;
}

int store_local_path(struct store *st, const char *suffix, char *buf, size_t n, struct err *e)
{
	if (st->ops == &dbpg_conn_ops)
		return store_pg_local_path(st->conn, suffix, buf, n, e);
	if (snprintf(buf, n, "%s%s", st->path, suffix) >= (int)n)
		return err_set(e, ERR_INVALID, "store path is too long");
	return 0;
}

const char *store_engine(const struct store *st)
{
	return st->ops->name;
}

int store_schema_version(struct store *st)
{
	struct err e;
	int v = -1;

	if ((st->ops == &dbpg_conn_ops ? store_pg_version(st->conn, &v, &e) : store_sqlite_version(st, &v, &e)) != 0)
		return -1;
	return v;
}

int store_read_begin(struct store *st, struct err *e)
{
	/* Inside a transaction the reads already see one moment. */
	if (st->depth > 0 || st->reading)
		return 0;
	/* SQLite's deferred BEGIN takes its snapshot at the first read and
	 * holds it to COMMIT; PostgreSQL's default READ COMMITTED would not. */
	if (store_exec(st, st->ops == &dbpg_conn_ops ? "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY" : "BEGIN",
		       "starting a read", e) != 0)
		return -1;
	st->reading = 1;
	return 0;
}

void store_read_end(struct store *st)
{
	if (!st->reading)
		return;
	st->ops->exec(st->conn, "COMMIT");
	st->reading = 0;
}

/* Nested calls become savepoints so a registry call can run inside a
 * caller's transaction (a governed change plus its ledger entry). */
int store_begin(struct store *st, struct err *e)
{
	char sql[48];

	if (st->depth == 0) {
		if (store_exec(st, "BEGIN IMMEDIATE", "starting a transaction", e) != 0)
			return -1;
	} else {
		snprintf(sql, sizeof sql, "SAVEPOINT sp%d", st->depth);
		if (store_exec(st, sql, "starting a savepoint", e) != 0)
			return -1;
	}
	st->depth++;
	return 0;
}

int store_commit(struct store *st, struct err *e)
{
	char sql[48];

	if (st->depth <= 0)
		return err_set(e, ERR_STORE, "commit without a transaction");
	if (st->dry_run)
		return err_set(e, ERR_STORE, "a preview is never committed");
	if (st->depth == 1) {
		if (store_exec(st, "COMMIT", "committing", e) != 0) {
			store_rollback(st);
			return -1;
		}
	} else {
		snprintf(sql, sizeof sql, "RELEASE sp%d", st->depth - 1);
		if (store_exec(st, sql, "releasing a savepoint", e) != 0)
			return -1;
	}
	st->depth--;
	return 0;
}

void store_rollback(struct store *st)
{
	char sql[80];

	if (st->depth <= 0)
		return;
	if (st->depth == 1) {
		st->ops->exec(st->conn, "ROLLBACK");
	} else {
		snprintf(sql, sizeof sql, "ROLLBACK TO sp%d; RELEASE sp%d", st->depth - 1,
			 st->depth - 1);
		st->ops->exec(st->conn, sql);
	}
	st->depth--;
}

void *store_slot(struct store *st, enum store_slot slot, int64_t *stamp)
{
	*stamp = st->slot[slot].stamp;
	return st->slot[slot].p;
}

void store_slot_set(struct store *st, enum store_slot slot, void *p, int64_t stamp, void (*release)(void *))
{
	if (st->slot[slot].p != NULL && st->slot[slot].p != p && st->slot[slot].release != NULL)
		st->slot[slot].release(st->slot[slot].p);
	st->slot[slot].p = p;
	st->slot[slot].stamp = stamp;
	st->slot[slot].release = release;
}

void store_set_dry_run(struct store *st, int on)
{
	st->dry_run = on;
}

int store_dry_run(const struct store *st)
{
	return st->dry_run;
}

int store_in_transaction(const struct store *st)
{
	return st->depth > 0;
}

int64_t store_data_version(struct store *st)
{
	return st->ops->data_version(st->conn);
}

int store_notify_fd(struct store *st)
{
	if (st->ops != &dbpg_conn_ops || !dbpg_connected(st->conn))
		return -1;
	return dbpg_notify_fd(st->conn);
}

int store_connected(struct store *st)
{
	return st->ops != &dbpg_conn_ops || dbpg_connected(st->conn);
}

int store_reconnect(struct store *st, struct err *e)
{
	int i;

	if (st->ops != &dbpg_conn_ops)
		return 0;
	store_cache_clear(st);
	if (dbpg_reconnect(st->conn, e) != 0)
		return -1;
	/* The old session's transaction and savepoints ended with it. */
	st->depth = 0;
	st->reading = 0;
	/* Caches stamped on the old session's view: built again on demand. */
	for (i = 0; i < STORE_SLOT_COUNT; i++) {
		if (st->slot[i].p != NULL && st->slot[i].release != NULL)
			st->slot[i].release(st->slot[i].p);
		st->slot[i].p = NULL;
		st->slot[i].stamp = 0;
		st->slot[i].release = NULL;
	}
	return 0;
}

int store_commit_mark(struct store *st, int64_t *mark, struct err *e)
{
	struct db_stmt *s;
	int rc;

	*mark = 0;
	if (st->ops != &dbpg_conn_ops)
		return 0;
	if (st->depth == 0)
		return err_set(e, ERR_STORE, "marking a commit: no transaction is open");
	/* The transaction's id, which the server can still be asked about
	 * after the session that ran it is gone (txid_status). */
	if (store_prepare(st, &s, "SELECT txid_current()", e) != 0)
		return -1;
	rc = db_step(s);
	if (rc == DB_ROW)
		*mark = db_column_int64(s, 0);
	db_finalize(s);
	if (rc != DB_ROW || *mark <= 0)
		return store_fail(st, e, "marking a commit");
	return 0;
}

int store_commit_outcome(struct store *st, int64_t mark, struct err *e)
{
	struct db_stmt *s;
	char status[32] = "";
	int rc, null = 0;

	if (mark <= 0 || st->ops != &dbpg_conn_ops)
		return err_set(e, ERR_INVALID, "no commit to look up");
	if (store_prepare(st, &s, "SELECT txid_status(?1)", e) != 0)
		return -1;
	db_bind_int64(s, 1, mark);
	rc = db_step(s);
	if (rc == DB_ROW) {
		null = db_column_type(s, 0) == DB_NULL;
		store_text_copy(status, sizeof status, s, 0);
	}
	db_finalize(s);
	if (rc != DB_ROW)
		return store_fail(st, e, "looking up a commit");
	if (strcmp(status, "committed") == 0)
		return 1;
	if (strcmp(status, "aborted") == 0)
		return 0;
	if (null)
		return err_set(e, ERR_NOTFOUND, "transaction %lld is too old for the server to remember",
			       (long long)mark);
	return err_set(e, ERR_STORE, "transaction %lld is still %s on the server", (long long)mark, status);
}

int store_meta_set(struct store *st, const char *key, const char *value, struct err *e)
{
	struct db_stmt *s;
	int rc;

	if (store_prepare(st, &s,
			  "INSERT INTO meta(key, value) VALUES (?1, ?2)"
			  " ON CONFLICT(key) DO UPDATE SET value = excluded.value",
			  e) != 0)
		return -1;
	db_bind_text(s, 1, key, -1, DB_STATIC);
	db_bind_text(s, 2, value, -1, DB_STATIC);
	rc = db_step(s);
	db_finalize(s);
	if (rc != DB_DONE)
		return store_fail(st, e, "writing store metadata");
	return 0;
}

void store_interrupt(struct store *st)
{
	st->ops->interrupt(st->conn);
}

int store_meta_get(struct store *st, const char *key, char *buf, size_t n, struct err *e)
{
	struct db_stmt *s;
	int rc, found = 0;

	/* Cached: the log key's name and public key are read for every
	 * decision a list or the gate evaluates. */
	if (store_stmt(st, &s, "SELECT value FROM meta WHERE key = ?1", e) != 0)
		return -1;
	db_bind_text(s, 1, key, -1, DB_STATIC);
	rc = db_step(s);
	if (rc == DB_ROW) {
		snprintf(buf, n, "%s", (const char *)db_column_text(s, 0));
		found = 1;
	} else if (rc != DB_DONE) {
		found = store_fail(st, e, "reading store metadata");
	}
	store_stmt_done(st, s);
	return found;
}

void store_clock_set(int64_t t)
{
	store_clock_fixed = t;
}

void store_test_wait(const char *var)
{
#ifdef STEWARD_TEST_CLOCK
	const char *env = getenv(var);
	long ms = env != NULL ? strtol(env, NULL, 10) : 0;
	struct timespec ts;

	if (ms <= 0 || ms > 60000)
		return;
	ts.tv_sec = ms / 1000;
	ts.tv_nsec = (ms % 1000) * 1000000L;
	while (nanosleep(&ts, &ts) != 0)
		;
#else
	(void)var;
#endif
}

int64_t store_now(void)
{
	if (store_clock_fixed != 0)
		return store_clock_fixed;
#ifdef STEWARD_TEST_CLOCK
	/* Only the tests' build (make test) honours STEWARD_NOW: in a release
	 * binary an environment variable would let anyone skip a soak rule,
	 * revive an expired approval and date ledger entries at will. */
	{
		const char *env = getenv("STEWARD_NOW");
		char *end;
		long long v;

		if (env != NULL && env[0] != '\0') {
			errno = 0;
			v = strtoll(env, &end, 10);
			if (errno == 0 && *end == '\0' && v > 0)
				return (int64_t)v;
		}
	}
#endif
	return (int64_t)time(NULL);
}
