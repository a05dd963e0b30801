/* db-sqlite: the SQLite engine behind core/db.h, the one file of core that calls SQLite. */
#include "db-sqlite.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <sqlite3.h>

/* The wrapper and the handle in one allocation; base first, so a
 * struct db_stmt * is a struct db_sqlite_stmt *. */
struct db_sqlite_stmt {
	struct db_stmt base;
	sqlite3_stmt *s;
};

/* DB_ codes are SQLite's primary codes: extended codes (a primary code
 * and a detail above the low byte) become their primary code, so callers
 * compare with DB_CONSTRAINT and the like whatever the engine. */
#define DB_SQLITE_RC(rc) ((rc) & 0xff)

/* The codes and types pass through unchanged only while these hold. */
_Static_assert(DB_OK == SQLITE_OK && DB_ERROR == SQLITE_ERROR && DB_BUSY == SQLITE_BUSY &&
		       DB_NOMEM == SQLITE_NOMEM && DB_READONLY == SQLITE_READONLY &&
		       DB_INTERRUPT == SQLITE_INTERRUPT && DB_IOERR == SQLITE_IOERR &&
		       DB_CANTOPEN == SQLITE_CANTOPEN && DB_CONSTRAINT == SQLITE_CONSTRAINT &&
		       DB_NOTADB == SQLITE_NOTADB && DB_ROW == SQLITE_ROW && DB_DONE == SQLITE_DONE,
	       "DB_ codes are SQLite's");
_Static_assert(DB_INTEGER == SQLITE_INTEGER && DB_FLOAT == SQLITE_FLOAT && DB_TEXT == SQLITE_TEXT &&
		       DB_BLOB == SQLITE_BLOB && DB_NULL == SQLITE_NULL,
	       "DB_ types are SQLite's");

static inline sqlite3_stmt *db_sqlite_stmt(struct db_stmt *s)
{
	return ((struct db_sqlite_stmt *)s)->s;
}

static inline sqlite3_destructor_type db_sqlite_life(enum db_life life)
{
	return life == DB_STATIC ? SQLITE_STATIC : SQLITE_TRANSIENT;
}

static int db_sqlite_bind_text(struct db_stmt *s, int i, const char *v, int n, enum db_life life)
{
	return DB_SQLITE_RC(sqlite3_bind_text(db_sqlite_stmt(s), i, v, n, db_sqlite_life(life)));
}

static int db_sqlite_bind_blob(struct db_stmt *s, int i, const void *v, int n, enum db_life life)
{
	return DB_SQLITE_RC(sqlite3_bind_blob(db_sqlite_stmt(s), i, v, n, db_sqlite_life(life)));
}

static int db_sqlite_bind_int64(struct db_stmt *s, int i, int64_t v)
{
	return DB_SQLITE_RC(sqlite3_bind_int64(db_sqlite_stmt(s), i, (sqlite3_int64)v));
}

static int db_sqlite_bind_double(struct db_stmt *s, int i, double v)
{
	return DB_SQLITE_RC(sqlite3_bind_double(db_sqlite_stmt(s), i, v));
}

static int db_sqlite_bind_null(struct db_stmt *s, int i)
{
	return DB_SQLITE_RC(sqlite3_bind_null(db_sqlite_stmt(s), i));
}

static int db_sqlite_step(struct db_stmt *s)
{
	return DB_SQLITE_RC(sqlite3_step(db_sqlite_stmt(s)));
}

static int db_sqlite_reset(struct db_stmt *s)
{
	return DB_SQLITE_RC(sqlite3_reset(db_sqlite_stmt(s)));
}

static void db_sqlite_finalize(struct db_stmt *s)
{
	sqlite3_finalize(db_sqlite_stmt(s));
	free(s);
}

static int64_t db_sqlite_column_int64(struct db_stmt *s, int col)
{
	return (int64_t)sqlite3_column_int64(db_sqlite_stmt(s), col);
}

static double db_sqlite_column_double(struct db_stmt *s, int col)
{
	return sqlite3_column_double(db_sqlite_stmt(s), col);
}

static const unsigned char *db_sqlite_column_text(struct db_stmt *s, int col)
{
	return sqlite3_column_text(db_sqlite_stmt(s), col);
}

static const void *db_sqlite_column_blob(struct db_stmt *s, int col)
{
	return sqlite3_column_blob(db_sqlite_stmt(s), col);
}

static int db_sqlite_column_bytes(struct db_stmt *s, int col)
{
	return sqlite3_column_bytes(db_sqlite_stmt(s), col);
}

static int db_sqlite_column_type(struct db_stmt *s, int col)
{
	return sqlite3_column_type(db_sqlite_stmt(s), col);
}

static int db_sqlite_column_count(struct db_stmt *s)
{
	return sqlite3_column_count(db_sqlite_stmt(s));
}

static const char *db_sqlite_column_name(struct db_stmt *s, int col)
{
	return sqlite3_column_name(db_sqlite_stmt(s), col);
}

static const struct db_stmt_ops db_sqlite_stmt_ops = {
	.bind_text = db_sqlite_bind_text,
	.bind_blob = db_sqlite_bind_blob,
	.bind_int64 = db_sqlite_bind_int64,
	.bind_double = db_sqlite_bind_double,
	.bind_null = db_sqlite_bind_null,
	.step = db_sqlite_step,
	.reset = db_sqlite_reset,
	.finalize = db_sqlite_finalize,
	.column_int64 = db_sqlite_column_int64,
	.column_double = db_sqlite_column_double,
	.column_text = db_sqlite_column_text,
	.column_blob = db_sqlite_column_blob,
	.column_bytes = db_sqlite_column_bytes,
	.column_type = db_sqlite_column_type,
	.column_count = db_sqlite_column_count,
	.column_name = db_sqlite_column_name,
};

/* Fails with DB_NOMEM when the wrapper cannot be had: SQLite then knows
 * of no error, so the caller must not ask errmsg for this one. */
static int db_sqlite_prepare(void *conn, struct db_stmt **out, const char *sql)
{
	struct db_sqlite_stmt *w = malloc(sizeof *w);
	int rc;

	*out = NULL;
	if (w == NULL)
		return DB_NOMEM;
	rc = sqlite3_prepare_v2(conn, sql, -1, &w->s, NULL);
	if (rc != SQLITE_OK) {
		sqlite3_finalize(w->s);
		free(w);
		return DB_SQLITE_RC(rc);
	}
	w->base.ops = &db_sqlite_stmt_ops;
	*out = &w->base;
	return DB_OK;
}

static int db_sqlite_exec(void *conn, const char *sql)
{
	return DB_SQLITE_RC(sqlite3_exec(conn, sql, NULL, NULL, NULL));
}

static int db_sqlite_errcode(void *conn)
{
	return DB_SQLITE_RC(sqlite3_extended_errcode(conn));
}

static const char *db_sqlite_errmsg(void *conn)
{
	return sqlite3_errmsg(conn);
}

static int64_t db_sqlite_last_insert_id(void *conn)
{
	return (int64_t)sqlite3_last_insert_rowid(conn);
}

static int64_t db_sqlite_changes(void *conn)
{
	return sqlite3_changes(conn);
}

static int64_t db_sqlite_total_changes(void *conn)
{
	return sqlite3_total_changes(conn);
}

/* -1 when it cannot be read: the caller then treats the store as changed. */
static int64_t db_sqlite_data_version(void *conn)
{
	sqlite3_stmt *s;
	int64_t v = -1;

	if (sqlite3_prepare_v2(conn, "PRAGMA data_version", -1, &s, NULL) != SQLITE_OK)
		return -1;
	if (sqlite3_step(s) == SQLITE_ROW)
		v = (int64_t)sqlite3_column_int64(s, 0);
	sqlite3_finalize(s);
	return v;
}

static void db_sqlite_interrupt(void *conn)
{
	sqlite3_interrupt(conn);
}

/* _v2: statements still open (a caller's bug) do not keep the handle
 * half-closed; it goes when the last of them is finalized. */
static void db_sqlite_close(void *conn)
{
	sqlite3_close_v2(conn);
}

const struct db_conn_ops db_sqlite_ops = {
	.name = "sqlite",
	.prepare = db_sqlite_prepare,
	.exec = db_sqlite_exec,
	.errcode = db_sqlite_errcode,
	.errmsg = db_sqlite_errmsg,
	.last_insert_id = db_sqlite_last_insert_id,
	.changes = db_sqlite_changes,
	.total_changes = db_sqlite_total_changes,
	.data_version = db_sqlite_data_version,
	.interrupt = db_sqlite_interrupt,
	.close = db_sqlite_close,
};

/* SQLite counts every allocation under one process-wide mutex unless told
 * not to: the console's input thread, its ledger check and its gate
 * evaluators all allocate through SQLite, and queued on that mutex (its
 * counts are never read here). Must precede SQLite's initialisation; a
 * process that initialised it already (a test) keeps its counting. */
static void db_sqlite_setup(void)
{
	(void)sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 0);
}

int db_sqlite_open(const char *path, int readonly, void **conn, char *msg, size_t n)
{
	static pthread_once_t once = PTHREAD_ONCE_INIT;
	sqlite3 *db = NULL;
	int rc;

	(void)pthread_once(&once, db_sqlite_setup);
	rc = sqlite3_open_v2(path, &db, readonly ? SQLITE_OPEN_READONLY : SQLITE_OPEN_READWRITE, NULL);
	*conn = NULL;
	if (rc != SQLITE_OK) {
		snprintf(msg, n, "%s", db != NULL ? sqlite3_errmsg(db) : "out of memory");
		sqlite3_close_v2(db);
		return db != NULL ? DB_SQLITE_RC(rc) : DB_NOMEM;
	}
	sqlite3_extended_result_codes(db, 1);
	sqlite3_busy_timeout(db, 5000);
	*conn = db;
	return DB_OK;
}

int db_sqlite_readonly(void *conn)
{
	return sqlite3_db_readonly(conn, "main") == 1;
}

void db_sqlite_persist_wal(void *conn)
{
	int persist = 1;

	sqlite3_file_control(conn, "main", SQLITE_FCNTL_PERSIST_WAL, &persist);
}
