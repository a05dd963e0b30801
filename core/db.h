/* db: the statement interface every core module uses, so that no module but the engines knows which database is underneath. */
#ifndef STEWARD_DB_H
#define STEWARD_DB_H

#include <stddef.h>
#include <stdint.h>

#include "err.h"

/* Result codes. They keep SQLite's numbers so its engine passes them
 * through unchanged; the PostgreSQL engine maps SQLSTATE classes onto
 * them (23xxx is DB_CONSTRAINT, 40001/40P01/55P03 DB_BUSY, 25006 DB_READONLY). */
enum db_rc {
	DB_OK = 0,
	DB_ERROR = 1,
	DB_BUSY = 5,
	DB_NOMEM = 7,
	DB_READONLY = 8,
	DB_INTERRUPT = 9,
	DB_IOERR = 10,    /* the file cannot be read or written (SQLite only) */
	DB_CANTOPEN = 14, /* the file or its directory cannot be opened (SQLite only) */
	DB_CONSTRAINT = 19,
	DB_NOTADB = 26, /* the file is not a database (SQLite only) */
	DB_ROW = 100,
	DB_DONE = 101,
};

/* A column's storage class in the current row. */
enum db_type { DB_INTEGER = 1, DB_FLOAT = 2, DB_TEXT = 3, DB_BLOB = 4, DB_NULL = 5 };

/* How long a bound text or blob stays valid: DB_STATIC until the statement
 * is stepped to its end, reset or finalized; DB_TRANSIENT is copied now. */
enum db_life { DB_STATIC, DB_TRANSIENT };

struct db_stmt;

/* One engine's statement operations. Parameters are numbered from 1 and
 * written ?1, ?2... in the SQL (or ? for the next one); columns from 0.
 * column_text and column_blob stay valid until the next step, reset or
 * finalize; column_text of NULL is NULL, of a number its decimal text.
 * reset keeps the bindings, as SQLite's does. */
struct db_stmt_ops {
	int (*bind_text)(struct db_stmt *s, int i, const char *v, int n, enum db_life life);
	int (*bind_blob)(struct db_stmt *s, int i, const void *v, int n, enum db_life life);
	int (*bind_int64)(struct db_stmt *s, int i, int64_t v);
	int (*bind_double)(struct db_stmt *s, int i, double v);
	int (*bind_null)(struct db_stmt *s, int i);
	int (*step)(struct db_stmt *s);
	int (*reset)(struct db_stmt *s);
	void (*finalize)(struct db_stmt *s);
	int64_t (*column_int64)(struct db_stmt *s, int col);
	double (*column_double)(struct db_stmt *s, int col);
	const unsigned char *(*column_text)(struct db_stmt *s, int col);
	const void *(*column_blob)(struct db_stmt *s, int col);
	int (*column_bytes)(struct db_stmt *s, int col);
	int (*column_type)(struct db_stmt *s, int col);
	/* The result's columns, for code that copies whole rows without
	 * knowing the table (store copy): how many, and each one's name
	 * (valid until finalize; NULL out of range). Known from prepare on. */
	int (*column_count)(struct db_stmt *s);
	const char *(*column_name)(struct db_stmt *s, int col);
};

/* Every engine's statement begins with this. */
struct db_stmt {
	const struct db_stmt_ops *ops;
};

/* One engine's connection operations, behind struct store. conn is the
 * engine's own connection object. */
struct db_conn_ops {
	const char *name; /* "sqlite" or "postgresql" */
	int (*prepare)(void *conn, struct db_stmt **out, const char *sql);
	/* Runs SQL that returns no rows (one or more statements). */
	int (*exec)(void *conn, const char *sql);
	/* The last error: its DB_ code and a message for people. */
	int (*errcode)(void *conn);
	const char *(*errmsg)(void *conn);
	/* The id the last INSERT into a table with an integer key gave. */
	int64_t (*last_insert_id)(void *conn);
	/* Rows the last INSERT, UPDATE or DELETE changed; all of them since open. */
	int64_t (*changes)(void *conn);
	int64_t (*total_changes)(void *conn);
	/* Changes whenever another connection committed. */
	int64_t (*data_version)(void *conn);
	/* Makes a statement running on another thread stop soon. */
	void (*interrupt)(void *conn);
	void (*close)(void *conn);
};

static inline int db_bind_text(struct db_stmt *s, int i, const char *v, int n, enum db_life life)
{
	return s->ops->bind_text(s, i, v, n, life);
}
static inline int db_bind_blob(struct db_stmt *s, int i, const void *v, int n, enum db_life life)
{
	return s->ops->bind_blob(s, i, v, n, life);
}
static inline int db_bind_int64(struct db_stmt *s, int i, int64_t v)
{
	return s->ops->bind_int64(s, i, v);
}
static inline int db_bind_int(struct db_stmt *s, int i, int v)
{
	return s->ops->bind_int64(s, i, v);
}
static inline int db_bind_double(struct db_stmt *s, int i, double v)
{
	return s->ops->bind_double(s, i, v);
}
static inline int db_bind_null(struct db_stmt *s, int i)
{
	return s->ops->bind_null(s, i);
}
static inline int db_step(struct db_stmt *s)
{
	return s->ops->step(s);
}
static inline int db_reset(struct db_stmt *s)
{
	return s->ops->reset(s);
}
/* Like free(): NULL is fine. */
static inline void db_finalize(struct db_stmt *s)
{
	if (s != NULL)
		s->ops->finalize(s);
}
static inline int64_t db_column_int64(struct db_stmt *s, int col)
{
	return s->ops->column_int64(s, col);
}
static inline int db_column_int(struct db_stmt *s, int col)
{
	return (int)s->ops->column_int64(s, col);
}
static inline double db_column_double(struct db_stmt *s, int col)
{
	return s->ops->column_double(s, col);
}
static inline const unsigned char *db_column_text(struct db_stmt *s, int col)
{
	return s->ops->column_text(s, col);
}
static inline const void *db_column_blob(struct db_stmt *s, int col)
{
	return s->ops->column_blob(s, col);
}
static inline int db_column_bytes(struct db_stmt *s, int col)
{
	return s->ops->column_bytes(s, col);
}
static inline int db_column_type(struct db_stmt *s, int col)
{
	return s->ops->column_type(s, col);
}
static inline int db_column_count(struct db_stmt *s)
{
	return s->ops->column_count(s);
}
static inline const char *db_column_name(struct db_stmt *s, int col)
{
	return s->ops->column_name(s, col);
}

#endif
