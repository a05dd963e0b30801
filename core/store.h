/* store: owns the database (a SQLite file, the default engine): opening, schema migrations, transactions and the clock. */
#ifndef STEWARD_STORE_H
#define STEWARD_STORE_H

#include <stddef.h>
#include <stdint.h>

#include "db.h"
#include "err.h"

struct store;

enum store_flags {
	STORE_CREATE = 1 << 0,   /* create the file (and migrate) when missing */
	STORE_READONLY = 1 << 1, /* open read-only: no migrations, no writes */
	STORE_GROUP = 1 << 2,    /* with STORE_CREATE: the file is 0660, for its folder's group */
	/* A background reader beside a view (the console's ledger check): the
	 * engine keeps less in memory for it, its reads costing a little more. */
	STORE_LEAN = 1 << 3,
};

/* Where the store lives when no --db is given: STEWARD_DB, else
 * $XDG_DATA_HOME/steward/steward.db (XDG_DATA_HOME defaults to
 * ~/.local/share). Writes the path into buf. */
int store_default_path(char *buf, size_t n, struct err *e);

/* Opens (and with STORE_CREATE creates) the store at path, applies
 * pending migrations, and refuses files that are not SQLite databases or
 * were made by a newer steward. */
struct store *store_open(const char *path, int flags, struct err *e);
void store_close(struct store *st);

/* The path or URI the store was opened with, to open it again (it may
 * hold a password: never print it); the same for messages. */
const char *store_path(const struct store *st);
const char *store_label(const struct store *st);
/* 1 when path names a PostgreSQL database (postgresql://..., or a
 * key=value conninfo) rather than a file. */
int store_is_uri(const char *path);
/* path for messages: a URI's password becomes "***". */
void store_label_of(const char *path, char *buf, size_t n);
/* "sqlite" or "postgresql". */
const char *store_engine(const struct store *st);
/* The file that belongs beside the store for suffix (".logkey",
 * ".witness"): PATH.logkey for a store file; for a database, a file in
 * this account's data folder named after the server and database. */
int store_local_path(struct store *st, const char *suffix, char *buf, size_t n, struct err *e);
/* The schema version this build writes (PRAGMA user_version). */
int store_schema_latest(void);
int store_schema_version(struct store *st);

/* Prepares a statement (core/db.h), for core modules only: nothing
 * outside core/ runs SQL. On failure fills e naming the database's error. */
int store_prepare(struct store *st, struct db_stmt **stmt, const char *sql, struct err *e);
/* The same statement from the store's cache, prepared once per store
 * handle (per session on PostgreSQL) for SQL run once per row or per act:
 * give it back with store_stmt_done (which resets it) instead of
 * db_finalize. Its bindings are the last user's: bind every parameter.
 * Asked again while handed out, it gives a separate statement; more than
 * STORE_CACHE_MAX texts are prepared and finalized as store_prepare's. */
#define STORE_CACHE_MAX 64
int store_stmt(struct store *st, struct db_stmt **stmt, const char *sql, struct err *e);
void store_stmt_done(struct store *st, struct db_stmt *s);
/* Copies column col of the current row as text into dst ("" for NULL), cut to fit. */
void store_text_copy(char *dst, size_t n, struct db_stmt *s, int col);
/* Turns the connection's last database error into e, prefixed with what. */
int store_fail(struct store *st, struct err *e, const char *what);
/* Always -1; told to clang's analyser as err_set is (err.h). */
#if defined(__clang_analyzer__) && !defined(STEWARD_STORE_IMPL)
#define store_fail(...) (store_fail(__VA_ARGS__), -1)
#endif
/* Runs fixed SQL that returns no rows (settings, migrations, transaction
 * control); values always go through store_prepare's bound parameters. */
int store_exec(struct store *st, const char *sql, const char *what, struct err *e);
/* The id the last INSERT into a table with an integer key gave; the rows
 * the last INSERT, UPDATE or DELETE changed; all rows changed since open. */
int64_t store_last_insert_id(struct store *st);
int64_t store_changes(struct store *st);
int64_t store_total_changes(struct store *st);

/* BEGIN IMMEDIATE / COMMIT / ROLLBACK. Governed changes and their ledger
 * entries go in one of these. */
int store_begin(struct store *st, struct err *e);
int store_commit(struct store *st, struct err *e);
void store_rollback(struct store *st);
/* Several reads that must see one moment (a list measured, then printed):
 * a read-only transaction, or nothing inside one already open. */
int store_read_begin(struct store *st, struct err *e);
void store_read_end(struct store *st);
/* 1 inside store_begin/commit: the ledger insists on it. */
int store_in_transaction(const struct store *st);

/* A connection whose transactions are previews, always rolled back (the
 * console's "what would this do"): acts may be recorded there unsigned. */
void store_set_dry_run(struct store *st, int on);
int store_dry_run(const struct store *st);

/* Changes whenever another connection committed: cheap "did anything
 * change" check for the console's refresh. */
int64_t store_data_version(struct store *st);

/* The connection under the store: a PostgreSQL session can drop (a server
 * restart, pg_terminate_backend, the network), a SQLite file cannot.
 * store_notify_fd is the socket another session's commit makes readable,
 * for poll() (-1 for SQLite and while the connection is down); then
 * store_data_version says whether anything changed. store_connected is 1
 * while the connection is up. store_reconnect opens a new session in
 * place of a lost one: a transaction open on the old one is gone, so the
 * transaction depth goes back to 0 and the per-connection caches (slots)
 * are dropped; statements are prepared again. 0, or -1 with e filled. */
int store_notify_fd(struct store *st);
int store_connected(struct store *st);
int store_reconnect(struct store *st, struct err *e);

/* A commit whose answer a dropped connection took may or may not have
 * happened. Inside the transaction, before store_commit: *mark names it
 * (0 for SQLite, whose commits are never cut off that way). After the
 * drop, on any connection: store_commit_outcome gives 1 when it
 * committed, 0 when it did not, -1 when that cannot be told (yet: the
 * server may still be finishing it) with e saying why. */
int store_commit_mark(struct store *st, int64_t *mark, struct err *e);
int store_commit_outcome(struct store *st, int64_t mark, struct err *e);

/* Makes the statement running on st (from another thread) stop soon with
 * an error: for quitting while a long read such as audit verify runs. */
void store_interrupt(struct store *st);

/* Per-connection caches of state derived from the ledger (the proven
 * keyring, the proven policy enrolments): a pointer, the stamp it was built for, and how to free it.
 * Freed by store_close. */
enum store_slot { STORE_SLOT_KEYRING, STORE_SLOT_POLICIES, STORE_SLOT_COUNT };
void *store_slot(struct store *st, enum store_slot slot, int64_t *stamp);
void store_slot_set(struct store *st, enum store_slot slot, void *p, int64_t stamp, void (*release)(void *));

/* Small key/value table for facts about the estate itself. */
int store_meta_set(struct store *st, const char *key, const char *value, struct err *e);
/* Copies the value into buf; returns 1 when found, 0 when not, -1 on error. */
int store_meta_get(struct store *st, const char *key, char *buf, size_t n, struct err *e);

/* Seconds since the epoch, from the system clock. Only a build with
 * STEWARD_TEST_CLOCK (the tests' binary, never the release one) lets
 * STEWARD_NOW (seconds) override it, so tests are deterministic. */
int64_t store_now(void);
/* Pins store_now() to t (0 releases it). For building the demo estate on
 * one thread; not for use while workers run. */
void store_clock_set(int64_t t);
/* Only in a build with STEWARD_TEST_CLOCK: sleeps the milliseconds the
 * environment variable var gives (1 to 60000), so a suite can watch the
 * console stay live while slow work runs without a ledger of millions.
 * The release build never reads it. */
void store_test_wait(const char *var);

#endif
