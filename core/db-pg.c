/* db-pg: the PostgreSQL engine behind db.h: sessions, errors, transactions, and LISTEN/NOTIFY as data_version (statements are in db-pg-stmt.c). */
#include "db-pg-int.h"

#include "check.h"

#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <poll.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>

/* The oldest server whose float output round-trips (extra_float_digits). */
#define DBPG_MIN_SERVER 120000

/* One round trip's deadline unless STEWARD_PG_TIMEOUT says otherwise:
 * well above the write lock's 5 s lock_timeout, so the server's own
 * "lock timeout" is what a busy writer hears, and long enough for one
 * batch of rows of the slowest read (audit verify streams its rows, and
 * the deadline restarts with each). */
#define DBPG_TIMEOUT_MS 30000
/* How many times that a round trip in a read-only snapshot may take: one
 * statement there may read the whole ledger before its first row (audit
 * verify's reconciliation, 10-25 s each at a million entries), and a
 * snapshot holds no lock a writer waits for, so a stalled server costs
 * only this reader the wait. */
#define DBPG_SNAPSHOT_FACTOR 10
/* How long a cancel request may take before steward stops waiting for it
 * (PQcancel blocks, and a stopped postmaster never answers it). */
#define DBPG_CANCEL_MS 2000

int dbpg_fail(struct pg_conn *c, int rc, const char *fmt, ...)
{
	va_list ap;

	c->rc = rc;
	va_start(ap, fmt);
	vsnprintf(c->msg, sizeof c->msg, fmt, ap);
	va_end(ap);
	return rc;
}

/* libpq's messages span lines ("...failed: FATAL:  ...\n"): one line for
 * people, without the trailing newline. */
static void pg_oneline(char *dst, size_t n, const char *src)
{
	size_t o = 0;
	int space = 0;

	if (n == 0)
		return;
	for (; src != NULL && *src != '\0' && o + 1 < n; src++) {
		if (isspace((unsigned char)*src)) {
			space = o > 0;
			continue;
		}
		if (space && o + 2 < n)
			dst[o++] = ' ';
		space = 0;
		dst[o++] = *src;
	}
	dst[o] = '\0';
}

int dbpg_lost(struct pg_conn *c, const char *why)
{
	char line[600];

	c->lost = 1;
	pg_oneline(line, sizeof line, why != NULL ? why : PQerrorMessage(c->pg));
	return dbpg_fail(c, DB_ERROR, "the connection to the PostgreSQL server was lost (%s): %s", c->desc,
		       line[0] != '\0' ? line : "no answer");
}

/* SQLSTATE classes onto SQLite's codes, as db.h lists them. */
static int pg_rc_of_state(const char *state)
{
	if (state == NULL || strlen(state) != 5)
		return DB_ERROR;
	if (strncmp(state, "23", 2) == 0)
		return DB_CONSTRAINT;
	if (strcmp(state, "40001") == 0 || strcmp(state, "40P01") == 0 || strcmp(state, "55P03") == 0)
		return DB_BUSY;
	if (strcmp(state, "25006") == 0)
		return DB_READONLY;
	if (strcmp(state, "57014") == 0)
		return DB_INTERRUPT;
	if (strcmp(state, "53200") == 0)
		return DB_NOMEM;
	return DB_ERROR;
}

/* The code and message of a failed result, into buf. */
int dbpg_result_error(struct pg_conn *c, const PGresult *r, char *buf, size_t n)
{
	const char *prim = r != NULL ? PQresultErrorField(r, PG_DIAG_MESSAGE_PRIMARY) : NULL;
	const char *state = r != NULL ? PQresultErrorField(r, PG_DIAG_SQLSTATE) : NULL;
	const char *sev = r != NULL ? PQresultErrorField(r, PG_DIAG_SEVERITY_NONLOCALIZED) : NULL;

	/* A FATAL error (pg_terminate_backend, a server shutdown) arrives
	 * before libpq sees the socket close. */
	if (PQstatus(c->pg) == CONNECTION_BAD || (sev != NULL && (strcmp(sev, "FATAL") == 0 || strcmp(sev, "PANIC") == 0)) ||
	    (state != NULL && strncmp(state, "08", 2) == 0)) {
		dbpg_lost(c, prim != NULL ? prim : PQerrorMessage(c->pg));
		snprintf(buf, n, "%s", c->msg);
		return DB_ERROR;
	}
	if (prim != NULL)
		snprintf(buf, n, "%s", prim);
	else
		pg_oneline(buf, n, r != NULL ? PQresultErrorMessage(r) : PQerrorMessage(c->pg));
	if (buf[0] == '\0')
		snprintf(buf, n, "the server gave no reason");
	if (r == NULL)
		return DB_NOMEM;
	return pg_rc_of_state(state);
}

int dbpg_fail_result(struct pg_conn *c, const PGresult *r)
{
	char buf[sizeof c->msg];
	int rc = dbpg_result_error(c, r, buf, sizeof buf);

	return dbpg_fail(c, rc, "%s", buf);
}

/* A PQsend* call that failed: the connection is gone, or libpq ran out of memory. */
int dbpg_fail_send(struct pg_conn *c)
{
	char line[600];

	if (PQstatus(c->pg) == CONNECTION_BAD)
		return dbpg_lost(c, NULL);
	pg_oneline(line, sizeof line, PQerrorMessage(c->pg));
	return dbpg_fail(c, DB_ERROR, "%s", line[0] != '\0' ? line : "the query could not be sent");
}

/* ---- deadlines ---- */

static int64_t pg_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* A cancel request runs on its own thread because PQcancel blocks until
 * the postmaster answers; whichever of the two lets go last frees it. */
struct pg_canceller {
	pthread_mutex_t mu;
	pthread_cond_t cv;
	PGcancel *cancel;
	int done, ok, refs;
};

static void pg_canceller_put(struct pg_canceller *k)
{
	int last;

	pthread_mutex_lock(&k->mu);
	last = --k->refs == 0;
	pthread_mutex_unlock(&k->mu);
	if (!last)
		return;
	PQfreeCancel(k->cancel);
	pthread_cond_destroy(&k->cv);
	pthread_mutex_destroy(&k->mu);
	free(k);
}

static void *pg_canceller_run(void *arg)
{
	struct pg_canceller *k = arg;
	char buf[256];
	int ok = PQcancel(k->cancel, buf, sizeof buf);

	pthread_mutex_lock(&k->mu);
	k->done = 1;
	k->ok = ok;
	pthread_cond_signal(&k->cv);
	pthread_mutex_unlock(&k->mu);
	pg_canceller_put(k);
	return NULL;
}

/* Asks the server to cancel the running statement, waiting at most
 * DBPG_CANCEL_MS. 1 when the server took the request. */
static int pg_cancel_bounded(struct pg_conn *c)
{
	struct pg_canceller *k;
	pthread_attr_t attr;
	pthread_t t;
	struct timespec until;
	int done, rc = 0;

	k = calloc(1, sizeof *k);
	if (k == NULL)
		return 0;
	if ((k->cancel = PQgetCancel(c->pg)) == NULL || pthread_mutex_init(&k->mu, NULL) != 0) {
		PQfreeCancel(k->cancel);
		free(k);
		return 0;
	}
	if (pthread_cond_init(&k->cv, NULL) != 0) {
		pthread_mutex_destroy(&k->mu);
		PQfreeCancel(k->cancel);
		free(k);
		return 0;
	}
	k->refs = 2;
	if (pthread_attr_init(&attr) == 0) {
		if (pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED) == 0)
			rc = pthread_create(&t, &attr, pg_canceller_run, k) == 0;
		pthread_attr_destroy(&attr);
	}
	if (!rc) {
		k->refs = 1;
		pg_canceller_put(k);
		return 0;
	}
	clock_gettime(CLOCK_REALTIME, &until);
	until.tv_sec += DBPG_CANCEL_MS / 1000;
	until.tv_nsec += (long)(DBPG_CANCEL_MS % 1000) * 1000000L;
	if (until.tv_nsec >= 1000000000L) {
		until.tv_sec++;
		until.tv_nsec -= 1000000000L;
	}
	pthread_mutex_lock(&k->mu);
	while (!k->done && pthread_cond_timedwait(&k->cv, &k->mu, &until) != ETIMEDOUT)
		;
	done = k->done && k->ok;
	pthread_mutex_unlock(&k->mu);
	pg_canceller_put(k);
	return done;
}

/* The round trip took too long: the server is stopped, or the network
 * between is. The statement is cancelled if the server still listens,
 * and the socket shut, so that when the server wakes it reads the end of
 * the session and rolls back whatever this session had not committed
 * (and frees the write lock) instead of holding it for a client that
 * left. */
static int pg_timed_out(struct pg_conn *c, int64_t waited)
{
	int cancelled = pg_cancel_bounded(c);
	int fd = PQsocket(c->pg);

	if (fd >= 0)
		shutdown(fd, SHUT_RDWR);
	c->lost = 1;
	dbpg_fail(c, DB_ERROR,
		  "the PostgreSQL server %s did not answer within %lld.%lld s (STEWARD_PG_TIMEOUT); %s, and the connection"
		  " closed: what was not committed is rolled back by the server",
		  c->desc, (long long)(waited / 1000), (long long)(waited % 1000 / 100),
		  cancelled ? "the statement was cancelled" : "the cancel request went unanswered too");
	/* The statement reading rows reports the same at its next step. */
	if (c->stream != NULL)
		dbpg_abandon(c->stream, c->msg);
	return DB_ERROR;
}

/* Waits for the socket until the deadline; 1 ready, 0 expired, -1 error. */
static int pg_poll(struct pg_conn *c, short events, int64_t start)
{
	struct pollfd p = {.fd = PQsocket(c->pg), .events = events};
	int64_t limit = c->timeout_ms, left;
	int n;

	if (p.fd < 0)
		return -1;
	if (c->snapshot && PQtransactionStatus(c->pg) != PQTRANS_IDLE)
		limit *= DBPG_SNAPSHOT_FACTOR;
	for (;;) {
		left = limit > 0 ? start + limit - pg_now_ms() : -1;
		if (limit > 0 && left <= 0)
			return 0;
		n = poll(&p, 1, left > INT_MAX ? INT_MAX : (int)left);
		if (n > 0)
			return 1;
		if (n == 0)
			return 0;
		if (errno != EINTR)
			return -1;
	}
}

int dbpg_flush(struct pg_conn *c)
{
	int64_t start = pg_now_ms();
	int f, w;

	while ((f = PQflush(c->pg)) == 1) {
		/* The server may be sending while we send: read it so neither side waits on the other. */
		w = pg_poll(c, POLLIN | POLLOUT, start);
		if (w == 0)
			return pg_timed_out(c, pg_now_ms() - start);
		if (w < 0 || !PQconsumeInput(c->pg))
			return dbpg_lost(c, NULL);
	}
	return f == 0 ? DB_OK : dbpg_lost(c, NULL);
}

int dbpg_ready(struct pg_conn *c)
{
	int64_t start = pg_now_ms();
	int w;

	if (c->lost)
		return dbpg_lost(c, "the session was ended; reconnect");
	/* Input is read only when what libpq holds does not make a whole
	 * result: each read first moves what is still unparsed to the front of
	 * its buffer, so reading ahead on every row of a streamed result kept
	 * the server's whole backlog there and moved it again per row (a
	 * million-entry ledger read took half an hour instead of seconds). */
	for (;;) {
		if (!PQisBusy(c->pg))
			return DB_OK;
		w = pg_poll(c, POLLIN, start);
		if (w == 0)
			return pg_timed_out(c, pg_now_ms() - start);
		if (w < 0 || !PQconsumeInput(c->pg))
			return dbpg_lost(c, NULL);
	}
}

/* Sends text with the simple protocol and waits for its first result:
 * for one-off reads that are no statement of the caller's. */
static int pg_send(struct pg_conn *c, const char *sql)
{
	if (!PQsendQuery(c->pg, sql))
		return dbpg_fail_send(c);
	return dbpg_flush(c);
}

/* The next result of what was sent, waiting at most the deadline;
 * NULL at the end or with *rc set when the server did not answer. */
static PGresult *pg_result(struct pg_conn *c, int *rc)
{
	if ((*rc = dbpg_ready(c)) != DB_OK)
		return NULL;
	return PQgetResult(c->pg);
}

static void pg_notice_ignore(void *arg, const char *message)
{
	/* Notices (a COMMIT without a transaction, ...) would write to the
	 * console's terminal; errors come back as results instead. */
	(void)arg;
	(void)message;
}

/* COPY is never steward's; a statement that starts one must not hang. */
void dbpg_end_copy(struct pg_conn *c, const PGresult *r)
{
	char *buf;

	if (PQresultStatus(r) == PGRES_COPY_IN) {
		PQputCopyEnd(c->pg, "steward does not run COPY");
	} else if (PQresultStatus(r) == PGRES_COPY_OUT) {
		while (PQgetCopyData(c->pg, &buf, 0) > 0)
			PQfreemem(buf);
	}
}

/* INSERT, UPDATE, DELETE and MERGE count, as in SQLite; a SELECT's row count does not. */
int64_t dbpg_dml_rows(const PGresult *r)
{
	const char *st = PQcmdStatus((PGresult *)r);
	const char *n;

	if (st == NULL || (strncmp(st, "INSERT ", 7) != 0 && strncmp(st, "UPDATE ", 7) != 0 &&
			   strncmp(st, "DELETE ", 7) != 0 && strncmp(st, "MERGE ", 6) != 0))
		return -1;
	n = PQcmdTuples((PGresult *)r);
	return n != NULL && n[0] != '\0' ? strtoll(n, NULL, 10) : 0;
}

/* Commands that change the database without rows to count. */
static int pg_writes(const PGresult *r)
{
	static const char *const tags[] = {"CREATE", "ALTER", "DROP", "TRUNCATE", "GRANT", "REVOKE", "COMMENT",
					   "DO", "CALL", "COPY", "REFRESH", "SECURITY", "REINDEX", "CLUSTER"};
	const char *st = PQcmdStatus((PGresult *)r);
	size_t i, n;

	for (i = 0; st != NULL && i < sizeof tags / sizeof tags[0]; i++) {
		n = strlen(tags[i]);
		if (strncmp(st, tags[i], n) == 0 && (st[n] == '\0' || st[n] == ' '))
			return 1;
	}
	return 0;
}

/* Runs text with the simple protocol (one or more statements), counting
 * changes; status (may be NULL) gets the last command's tag. */
int dbpg_run(struct pg_conn *c, const char *sql, char *status, size_t n)
{
	PGresult *r;
	int rc = DB_OK, wait = DB_OK;
	int64_t rows;

	c->wrote = 0;
	if (status != NULL && n > 0)
		status[0] = '\0';
	if ((rc = pg_send(c, sql)) != DB_OK)
		return rc;
	while ((r = pg_result(c, &wait)) != NULL) {
		switch (PQresultStatus(r)) {
		case PGRES_COMMAND_OK:
		case PGRES_TUPLES_OK:
			if ((rows = dbpg_dml_rows(r)) >= 0) {
				c->changes = rows;
				c->total += rows;
				c->wrote |= rows > 0;
			}
			c->wrote |= pg_writes(r);
			if (status != NULL)
				snprintf(status, n, "%s", PQcmdStatus(r));
			break;
		case PGRES_EMPTY_QUERY:
			break;
		case PGRES_COPY_IN:
		case PGRES_COPY_OUT:
			dbpg_end_copy(c, r);
			break;
		default:
			if (rc == DB_OK)
				rc = dbpg_fail_result(c, r);
			break;
		}
		PQclear(r);
	}
	if (wait != DB_OK)
		return wait;
	if (rc == DB_OK && PQstatus(c->pg) == CONNECTION_BAD)
		rc = dbpg_lost(c, NULL);
	return rc;
}

/* Tells the other sessions that this one committed a change. A failure
 * only delays their refresh, so it leaves the last error as it was. */
void dbpg_notify(struct pg_conn *c)
{
	int rc = c->rc;
	char msg[sizeof c->msg];

	if (c->readonly)
		return;
	memcpy(msg, c->msg, sizeof msg);
	dbpg_run(c, "NOTIFY steward", NULL, 0);
	/* A server that stopped answering is news for the caller's next statement. */
	if (c->lost)
		return;
	c->rc = rc;
	memcpy(c->msg, msg, sizeof msg);
}

/* ---- connections ---- */

static int pg_session(struct pg_conn *c)
{
	int rc;

	/* Hex bytea, shortest exact floats and standard strings are what the
	 * column readers and the placeholder scanner expect, whatever the
	 * server's defaults. JIT is off: compiling the big reads (audit
	 * verify's reconciliation) cost about a second each and ran no faster. */
	rc = dbpg_run(c,
		    c->readonly ? "SET bytea_output = 'hex'; SET extra_float_digits = 1;"
				  " SET standard_conforming_strings = on; SET jit = off;"
				  " SET SESSION CHARACTERISTICS AS TRANSACTION READ ONLY"
				: "SET bytea_output = 'hex'; SET extra_float_digits = 1;"
				  " SET standard_conforming_strings = on; SET jit = off",
		    NULL, 0);
	if (rc != DB_OK)
		return rc;
	/* A hot standby refuses LISTEN: data_version then follows replay. */
	c->listening = dbpg_run(c, "LISTEN steward", NULL, 0) == DB_OK;
	if (!c->listening && PQstatus(c->pg) != CONNECTION_OK)
		return DB_ERROR;
	c->rc = DB_OK;
	c->msg[0] = '\0';
	return DB_OK;
}

/* STEWARD_PG_TIMEOUT: whole seconds one round trip may take, 0 for no limit. */
static int pg_timeout_env(int *ms, struct err *e)
{
	const char *v = getenv("STEWARD_PG_TIMEOUT");
	char *end;
	long n;

	*ms = DBPG_TIMEOUT_MS;
	if (v == NULL || v[0] == '\0')
		return 0;
	errno = 0;
	n = strtol(v, &end, 10);
	if (errno != 0 || end == v || *end != '\0' || n < 0 || n > 86400 || !isdigit((unsigned char)v[0])) {
		char shown[40];

		check_excerpt(v, shown, sizeof shown);
		return err_set(e, ERR_INVALID,
			       "STEWARD_PG_TIMEOUT is '%s': give whole seconds from 0 (no limit) to 86400", shown);
	}
	*ms = (int)n * 1000;
	return 0;
}

void *dbpg_open(const char *uri, int readonly, struct err *e)
{
	/* The timeout and keepalives come before dbname so the URI may
	 * override them (and PGCONNECT_TIMEOUT the default timeout); the
	 * encoding after, so it may not. Keepalives (TCP only; a socket file
	 * has none) find a server or a network that went away while steward
	 * waits for nothing in particular, as the console does. */
	const char *keys[] = {"keepalives", "keepalives_idle", "keepalives_interval", "keepalives_count",
			      "connect_timeout", "dbname", "fallback_application_name", "client_encoding", NULL};
	const char *vals[] = {"1", "30", "10", "3", "10", uri, "steward", "UTF8", NULL};
	const char *env = getenv("PGCONNECT_TIMEOUT");
	char desc[512], line[600];
	struct pg_conn *c;
	PGconn *pg;
	int v, timeout_ms;

	if (uri == NULL || uri[0] == '\0') {
		err_set(e, ERR_INVALID, "empty PostgreSQL URI");
		return NULL;
	}
	if (pg_timeout_env(&timeout_ms, e) != 0)
		return NULL;
	if (env != NULL && env[0] != '\0')
		vals[4] = env;
	dbpg_redact(uri, desc, sizeof desc);
	pg = PQconnectdbParams(keys, vals, 1);
	if (pg == NULL) {
		err_set(e, ERR_STORE, "cannot open PostgreSQL store %s: out of memory", desc);
		return NULL;
	}
	if (PQstatus(pg) != CONNECTION_OK) {
		pg_oneline(line, sizeof line, PQerrorMessage(pg));
		err_set(e, ERR_STORE, "cannot open PostgreSQL store %s: %s", desc, line);
		PQfinish(pg);
		return NULL;
	}
	v = PQserverVersion(pg);
	if (v < DBPG_MIN_SERVER) {
		err_set(e, ERR_STORE, "PostgreSQL store %s: the server is version %d.%d; steward needs %d or newer",
			desc, v / 10000, v % 10000, DBPG_MIN_SERVER / 10000);
		PQfinish(pg);
		return NULL;
	}
	PQsetNoticeProcessor(pg, pg_notice_ignore, NULL);
	/* Sends never block either: a round trip's deadline covers them too. */
	if (PQsetnonblocking(pg, 1) != 0) {
		pg_oneline(line, sizeof line, PQerrorMessage(pg));
		err_set(e, ERR_STORE, "cannot open PostgreSQL store %s: %s", desc, line);
		PQfinish(pg);
		return NULL;
	}
	c = calloc(1, sizeof *c);
	if (c != NULL)
		atomic_init(&c->interrupted, 0);
	if (c == NULL || (c->desc = strdup(desc)) == NULL || (c->cancel = PQgetCancel(pg)) == NULL) {
		err_set(e, ERR_STORE, "cannot open PostgreSQL store %s: out of memory", desc);
		if (c != NULL)
			free(c->desc);
		free(c);
		PQfinish(pg);
		return NULL;
	}
	c->pg = pg;
	c->readonly = readonly != 0;
	c->timeout_ms = timeout_ms;
	c->gen = 1;
	if (pg_session(c) != DB_OK) {
		/* A lost connection's message names the store already. */
		if (c->lost)
			err_set(e, ERR_STORE, "cannot open PostgreSQL store: %s", c->msg);
		else
			err_set(e, ERR_STORE, "cannot open PostgreSQL store %s: %s", desc, c->msg);
		PQfreeCancel(c->cancel);
		PQfinish(pg);
		free(c->desc);
		free(c);
		return NULL;
	}
	return c;
}

void dbpg_conn_free(struct pg_conn *c)
{
	dbpg_plans_free(c);
	PQfreeCancel(c->cancel);
	PQfinish(c->pg);
	free(c->desc);
	free(c);
}

/* Like sqlite3_close_v2: statements still open keep the connection until
 * the last is finalized. */
static void pg_close(void *conn)
{
	struct pg_conn *c = conn;

	if (c == NULL)
		return;
	if (c->nlive > 0) {
		c->closing = 1;
		return;
	}
	dbpg_conn_free(c);
}

int dbpg_notify_fd(void *conn)
{
	struct pg_conn *c = conn;

	return PQsocket(c->pg);
}

int dbpg_connected(void *conn)
{
	struct pg_conn *c = conn;

	return !c->lost && PQstatus(c->pg) == CONNECTION_OK;
}

int dbpg_reconnect(void *conn, struct err *e)
{
	struct pg_conn *c = conn;
	PGcancel *cancel;
	char line[600];

	/* A statement that was reading from the old session has lost its rows. */
	if (c->stream != NULL)
		dbpg_abandon(c->stream, "the connection to the PostgreSQL server was lost");
	PQreset(c->pg);
	if (PQstatus(c->pg) != CONNECTION_OK || PQsetnonblocking(c->pg, 1) != 0) {
		pg_oneline(line, sizeof line, PQerrorMessage(c->pg));
		return err_set(e, ERR_STORE, "cannot reconnect to PostgreSQL store %s: %s", c->desc, line);
	}
	cancel = PQgetCancel(c->pg);
	if (cancel == NULL)
		return err_set(e, ERR_STORE, "cannot reconnect to PostgreSQL store %s: out of memory", c->desc);
	PQfreeCancel(c->cancel);
	c->cancel = cancel;
	/* Prepared statements belonged to the old session. */
	c->gen++;
	c->lost = 0;
	c->tx_dirty = 0;
	c->tx_mark = c->total;
	if (pg_session(c) != DB_OK)
		return err_set(e, ERR_STORE, "cannot reconnect to PostgreSQL store %s: %s", c->desc, c->msg);
	/* Commits made while it was away sent notifications nobody heard. */
	c->version++;
	return 0;
}

static int pg_errcode(void *conn)
{
	return ((struct pg_conn *)conn)->rc;
}

static const char *pg_errmsg(void *conn)
{
	struct pg_conn *c = conn;

	return c->rc == DB_OK && c->msg[0] == '\0' ? "not an error" : c->msg;
}

int dbpg_wire_free(struct pg_conn *c)
{
	if (c->stream != NULL)
		dbpg_drain(c->stream);
	if (c->lost)
		return dbpg_lost(c, "the session was ended; reconnect");
	if (PQstatus(c->pg) != CONNECTION_OK)
		return dbpg_lost(c, NULL);
	return DB_OK;
}

/* The one number the last result of sql with a row gives, into *out
 * (left alone when none does); the results' errors are not the caller's. */
static int pg_scalar(struct pg_conn *c, const char *sql, int64_t *out)
{
	PGresult *r;
	int rc;

	if ((rc = pg_send(c, sql)) != DB_OK)
		return rc;
	while ((r = pg_result(c, &rc)) != NULL) {
		if (PQresultStatus(r) == PGRES_TUPLES_OK && PQntuples(r) == 1 && !PQgetisnull(r, 0, 0))
			*out = strtoll(PQgetvalue(r, 0, 0), NULL, 10);
		PQclear(r);
	}
	return rc;
}

/* lastval() fails when no sequence was used yet, and a failure would end
 * the caller's transaction: inside one it runs under a savepoint. */
static int64_t pg_last_insert_id(void *conn)
{
	struct pg_conn *c = conn;
	PGTransactionStatusType ts;
	int64_t id = 0;
	int rc = c->rc;
	char msg[sizeof c->msg];

	memcpy(msg, c->msg, sizeof msg);
	if (dbpg_wire_free(c) != DB_OK)
		goto out;
	ts = PQtransactionStatus(c->pg);
	if (ts == PQTRANS_INERROR)
		goto out;
	if (ts == PQTRANS_IDLE) {
		pg_scalar(c, "SELECT lastval()", &id);
		goto out;
	}
	pg_scalar(c, "SAVEPOINT dbpg_lastval; SELECT lastval(); RELEASE SAVEPOINT dbpg_lastval", &id);
	if (!c->lost && PQtransactionStatus(c->pg) == PQTRANS_INERROR)
		dbpg_run(c, "ROLLBACK TO SAVEPOINT dbpg_lastval; RELEASE SAVEPOINT dbpg_lastval", NULL, 0);
out:
	/* A server that stopped answering is news for the caller's next statement. */
	if (!c->lost) {
		c->rc = rc;
		memcpy(c->msg, msg, sizeof msg);
	}
	return id;
}

static int64_t pg_changes(void *conn)
{
	return ((struct pg_conn *)conn)->changes;
}

static int64_t pg_total_changes(void *conn)
{
	return ((struct pg_conn *)conn)->total;
}

/* Notifications from other sessions count; this session's own do not, as
 * SQLite's data_version ignores the connection's own commits. */
static int64_t pg_data_version(void *conn)
{
	struct pg_conn *c = conn;
	PGnotify *n;
	int pid = PQbackendPID(c->pg), rc;
	char msg[sizeof c->msg];

	if (!c->listening) {
		/* A standby: how far replay got moves with every commit it applies. */
		if (c->stream != NULL || c->lost || PQstatus(c->pg) != CONNECTION_OK)
			return c->version;
		rc = c->rc;
		memcpy(msg, c->msg, sizeof msg);
		pg_scalar(c, "SELECT (pg_last_wal_replay_lsn() - '0/0')::bigint", &c->version);
		if (!c->lost) {
			c->rc = rc;
			memcpy(c->msg, msg, sizeof msg);
		}
		return c->version;
	}
	if (PQconsumeInput(c->pg) == 0)
		return c->version;
	while ((n = PQnotifies(c->pg)) != NULL) {
		if (n->be_pid != pid)
			c->version++;
		PQfreemem(n);
	}
	return c->version;
}

static void pg_interrupt(void *conn)
{
	struct pg_conn *c = conn;
	char buf[256];

	/* The cancel alone is not enough: rows the server already sent keep
	 * coming (a streamed million-entry ledger kept a quitting console
	 * verifying for minutes), so the step stops on the flag too. */
	atomic_store(&c->interrupted, 1);
	if (c->cancel != NULL)
		PQcancel(c->cancel, buf, sizeof buf);
}

/* ---- exec: transactions and scripts ---- */

enum { X_BEGIN, X_BEGIN_SQLITE, X_COMMIT, X_ROLLBACK, X_SAVEPOINT, X_OTHER };

/* The next word of s (letters only), upper-cased into w; returns what follows. */
static const char *pg_word(const char *s, char *w, size_t n)
{
	size_t i = 0;

	while (isspace((unsigned char)*s))
		s++;
	while (isalpha((unsigned char)*s)) {
		if (i + 1 < n)
			w[i++] = (char)toupper((unsigned char)*s);
		s++;
	}
	w[i] = '\0';
	return s;
}

static int pg_at_end(const char *s)
{
	while (isspace((unsigned char)*s) || *s == ';')
		s++;
	return *s == '\0';
}

static int pg_classify(const char *sql)
{
	char w[16];
	const char *s = pg_word(sql, w, sizeof w);

	if (strcmp(w, "BEGIN") == 0) {
		/* SQLite's BEGIN [DEFERRED|IMMEDIATE|EXCLUSIVE] [TRANSACTION] */
		s = pg_word(s, w, sizeof w);
		if (strcmp(w, "DEFERRED") == 0 || strcmp(w, "IMMEDIATE") == 0 || strcmp(w, "EXCLUSIVE") == 0)
			s = pg_word(s, w, sizeof w);
		if (strcmp(w, "TRANSACTION") == 0)
			s = pg_word(s, w, sizeof w);
		return w[0] == '\0' && pg_at_end(s) ? X_BEGIN_SQLITE : X_BEGIN;
	}
	if (strcmp(w, "COMMIT") == 0 || strcmp(w, "END") == 0) {
		s = pg_word(s, w, sizeof w);
		if (strcmp(w, "TRANSACTION") == 0)
			s = pg_word(s, w, sizeof w);
		return w[0] == '\0' && pg_at_end(s) ? X_COMMIT : X_OTHER;
	}
	if (strcmp(w, "ROLLBACK") == 0) {
		pg_word(s, w, sizeof w);
		return strcmp(w, "TO") == 0 ? X_SAVEPOINT : X_ROLLBACK;
	}
	if (strcmp(w, "SAVEPOINT") == 0 || strcmp(w, "RELEASE") == 0)
		return X_SAVEPOINT;
	return X_OTHER;
}

static int pg_exec(void *conn, const char *sql)
{
	struct pg_conn *c = conn;
	PGTransactionStatusType ts;
	char status[64];
	int kind = pg_classify(sql), rc;

	if ((rc = dbpg_wire_free(c)) != DB_OK)
		return rc;
	ts = PQtransactionStatus(c->pg);
	switch (kind) {
	case X_BEGIN:
	case X_BEGIN_SQLITE:
		if (ts != PQTRANS_IDLE)
			return dbpg_fail(c, DB_ERROR, "cannot start a transaction within a transaction");
		/* SQLite's BEGIN IMMEDIATE takes the one write lock at once, and
		 * every governed act relies on that: it reads (the approvals, the
		 * ledger's head) and then writes what follows from them. One
		 * transaction-scoped advisory lock gives writers on every machine
		 * the same order, so the ledger stays one gapless chain and a
		 * request is never applied twice; readers never take it. */
		rc = dbpg_run(c, kind != X_BEGIN_SQLITE ? sql
			      : c->readonly ? "BEGIN ISOLATION LEVEL READ COMMITTED"
					    : "BEGIN ISOLATION LEVEL READ COMMITTED; SELECT pg_advisory_xact_lock(" DBPG_WRITE_LOCK ")",
			      NULL, 0);
		if (rc == DB_OK) {
			c->tx_mark = c->total;
			c->tx_dirty = 0;
		}
		c->snapshot = rc == DB_OK && kind == X_BEGIN && strstr(sql, "READ ONLY") != NULL;
		return rc;
	case X_COMMIT:
		if (ts == PQTRANS_IDLE)
			return dbpg_fail(c, DB_ERROR, "cannot commit - no transaction is active");
		if (ts == PQTRANS_INERROR) {
			dbpg_run(c, "ROLLBACK", NULL, 0);
			return dbpg_fail(c, DB_ERROR,
				       "cannot commit: a statement in the transaction failed, so it was rolled back");
		}
		/* NOTIFY is delivered at commit, and only if the commit happens. */
		rc = dbpg_run(c, !c->readonly && (c->total != c->tx_mark || c->tx_dirty) ? "NOTIFY steward; COMMIT" : "COMMIT",
			    status, sizeof status);
		if (rc == DB_OK && strcmp(status, "COMMIT") != 0)
			return dbpg_fail(c, DB_ERROR, "the transaction was rolled back instead of committed (%s)", status);
		return rc;
	case X_ROLLBACK:
	case X_SAVEPOINT:
		return dbpg_run(c, sql, NULL, 0);
	default:
		rc = dbpg_run(c, sql, NULL, 0);
		/* A migration or a script changed what others read: they should look again. */
		if (!c->wrote)
			return rc;
		if (ts == PQTRANS_IDLE && PQtransactionStatus(c->pg) == PQTRANS_IDLE)
			dbpg_notify(c);
		else
			c->tx_dirty = 1;
		return rc;
	}
}

const struct db_conn_ops dbpg_conn_ops = {
	.name = "postgresql",
	.prepare = dbpg_prepare,
	.exec = pg_exec,
	.errcode = pg_errcode,
	.errmsg = pg_errmsg,
	.last_insert_id = pg_last_insert_id,
	.changes = pg_changes,
	.total_changes = pg_total_changes,
	.data_version = pg_data_version,
	.interrupt = pg_interrupt,
	.close = pg_close,
};

int dbpg_ident(void *conn, char *buf, size_t n)
{
	struct pg_conn *c = conn;
	const char *host = PQhost(c->pg), *port = PQport(c->pg), *db = PQdb(c->pg);
	size_t i;
	int w;

	w = snprintf(buf, n, "%s_%s_%s", host != NULL && host[0] != '\0' ? host : "local",
		     port != NULL ? port : "", db != NULL ? db : "");
	if (w < 0 || (size_t)w >= n)
		return -1;
	/* A socket folder or an IPv6 address becomes one safe file name. */
	for (i = 0; buf[i] != '\0'; i++)
		if (!isalnum((unsigned char)buf[i]) && buf[i] != '.' && buf[i] != '-' && buf[i] != '_')
			buf[i] = '_';
	return 0;
}
