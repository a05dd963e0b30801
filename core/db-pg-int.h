/* db-pg-int: what the PostgreSQL engine's two halves share (db-pg.c: connections, db-pg-stmt.c: statements); nothing else includes it. */
#ifndef STEWARD_DB_PG_INT_H
#define STEWARD_DB_PG_INT_H

#include <stdatomic.h>
#include <stdint.h>

#include <libpq-fe.h>

#include "db-pg.h"

#define DBPG_BUCKETS 256

struct pg_plan;
struct pg_stmt;

/* One session with the server, and what SQLite's connection would know about it. */
struct pg_conn {
	PGconn *pg;
	PGcancel *cancel;
	char *desc; /* the URI without its password, for messages */
	int readonly;
	int listening;
	unsigned gen;
	int rc;
	char msg[1024];
	int64_t changes, total, version;
	int64_t tx_mark;
	int tx_dirty;
	int wrote; /* the last dbpg_run ran DDL or the like, which changes nothing dbpg_dml_rows counts */
	int lost;  /* the server ended the session; the socket may not know yet */
	int timeout_ms; /* how long one round trip may take (STEWARD_PG_TIMEOUT); 0 waits for ever */
	int snapshot;   /* the transaction is a read-only snapshot: its round trips may take longer */
	struct pg_stmt *stream; /* the statement whose results are on the wire */
	/* Set by another thread (db interrupt): the running statement's next
	 * step fails, whatever rows are still on their way. */
	atomic_int interrupted;
	int nrunning; /* statements with rows still to come */
	struct pg_plan *plans[DBPG_BUCKETS];
	int nplans;
	unsigned next_name;
	int nlive;
	int closing;
};

/* db-pg.c: errors, running text, telling other sessions. */
int dbpg_fail(struct pg_conn *c, int rc, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
/* The connection is gone (or going): DB_ERROR saying so, why as libpq or the server put it. */
int dbpg_lost(struct pg_conn *c, const char *why);
/* The DB_ code and message of a failed result, into buf. */
int dbpg_result_error(struct pg_conn *c, const PGresult *r, char *buf, size_t n);
int dbpg_fail_result(struct pg_conn *c, const PGresult *r);
int dbpg_fail_send(struct pg_conn *c);
int dbpg_run(struct pg_conn *c, const char *sql, char *status, size_t n);
/* After a PQsend*: sends what libpq queued, then waits until PQgetResult
 * will not block. Past the round trip's deadline it cancels the
 * statement, cuts the connection (the server rolls back what it had not
 * committed) and returns DB_ERROR saying so; the connection is then lost. */
int dbpg_flush(struct pg_conn *c);
int dbpg_ready(struct pg_conn *c);
void dbpg_notify(struct pg_conn *c);
/* Drains the statement reading from the wire, and checks the session is up. */
int dbpg_wire_free(struct pg_conn *c);
int64_t dbpg_dml_rows(const PGresult *r);
void dbpg_end_copy(struct pg_conn *c, const PGresult *r);
void dbpg_conn_free(struct pg_conn *c);

/* db-pg-stmt.c: statements and their server-side plans. */
int dbpg_prepare(void *conn, struct db_stmt **out, const char *sql);
/* Takes the rest of s's results off the wire into its queue, so the connection is free. */
void dbpg_drain(struct pg_stmt *s);
/* The session s was reading from is gone: s reports why at its next step. */
void dbpg_abandon(struct pg_stmt *s, const char *why);
void dbpg_plans_free(struct pg_conn *c);

#endif
