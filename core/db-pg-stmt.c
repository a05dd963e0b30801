/* db-pg-stmt: the PostgreSQL engine's statements: SQLite's prepare, bind, step and column semantics over libpq's prepared statements. */
#include "db-pg-int.h"

#include <limits.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Type OIDs are fixed in PostgreSQL's catalog; libpq-dev has no header for them. */
enum {
	PG_BOOL = 16,
	PG_BYTEA = 17,
	PG_INT8 = 20,
	PG_INT2 = 21,
	PG_INT4 = 23,
	PG_TEXT = 25,
	PG_OID = 26,
	PG_FLOAT4 = 700,
	PG_FLOAT8 = 701,
	PG_NUMERIC = 1700,
};

/* Prepared plans kept per connection before unused ones are deallocated:
 * SQL text is fixed in the code, so this is a guard, not a working limit. */
#define DBPG_MAX_PLANS 4096

/* One server-side prepared statement, shared by every statement object
 * with the same text (and, for typed plans, the same parameter types). */
struct pg_plan {
	struct pg_plan *next;
	char *sql;
	char *sig; /* NULL: the server infers the types; else one letter per parameter */
	Oid *types;
	int nparams;
	int needs_types; /* the server could not infer one: typed plans are made per binding */
	unsigned gen;    /* the session it was prepared in; 0 never */
	int refs;
	unsigned hash;
	char name[24];
};

struct pg_param {
	int type; /* DB_NULL (also unbound), DB_INTEGER, DB_FLOAT, DB_TEXT, DB_BLOB */
	char *data;
	int len;
	char num[40];
};

struct pg_col {
	unsigned char *buf; /* a bytea value decoded, NUL-terminated */
	size_t cap;
	int len;
	int ready;
};

enum { ST_IDLE, ST_RUNNING, ST_DONE };

struct pg_stmt {
	struct db_stmt base;
	struct pg_conn *c;
	struct pg_plan *plan;
	struct pg_plan *typed;
	int nparams;
	struct pg_param *p;
	const char **values;
	int *lengths;
	int *formats;
	int bind_rc; /* a bind that failed: the next step reports it */
	char bind_msg[128];
	int state;
	int wire; /* its results are still arriving on the connection */
	PGresult *cur;
	int row;
	PGresult **queue; /* results taken off the wire early, see dbpg_drain */
	size_t qlen, qcap, qpos;
	PGresult *qbatch; /* the queue's last result, when dbpg_drain may add rows to it */
	int lost_rows; /* the queue could not grow: rows were dropped */
	int fail_rc;
	char *fail_msg;
	int last_rc;
	int changed;
	int ncols;
	struct pg_col *cols;
	PGresult *desc; /* the server's description of the plan's result, for column names */
};

static const struct db_stmt_ops pg_stmt_ops;

/* ---- plans ---- */

static unsigned pg_hash(const char *sql, const char *sig)
{
	unsigned h = 2166136261u;

	for (; *sql != '\0'; sql++)
		h = (h ^ (unsigned char)*sql) * 16777619u;
	for (; sig != NULL && *sig != '\0'; sig++)
		h = (h ^ (unsigned char)*sig) * 16777619u;
	return h;
}

static void pg_plan_free(struct pg_plan *p)
{
	if (p == NULL)
		return;
	free(p->sql);
	free(p->sig);
	free(p->types);
	free(p);
}

static struct pg_plan *pg_plan_find(struct pg_conn *c, const char *sql, const char *sig, unsigned h)
{
	struct pg_plan *p;

	for (p = c->plans[h % DBPG_BUCKETS]; p != NULL; p = p->next)
		if (p->hash == h && strcmp(p->sql, sql) == 0 &&
		    ((p->sig == NULL && sig == NULL) || (p->sig != NULL && sig != NULL && strcmp(p->sig, sig) == 0)))
			return p;
	return NULL;
}

static void pg_plan_unlink(struct pg_conn *c, struct pg_plan *p)
{
	struct pg_plan **pp;

	for (pp = &c->plans[p->hash % DBPG_BUCKETS]; *pp != NULL; pp = &(*pp)->next)
		if (*pp == p) {
			*pp = p->next;
			c->nplans--;
			return;
		}
}

/* Drops every plan no statement holds, and their server-side statements. */
static void pg_plans_evict(struct pg_conn *c)
{
	struct pg_plan **pp, *p;
	char sql[64];
	int b;

	if (c->stream != NULL)
		dbpg_drain(c->stream);
	for (b = 0; b < DBPG_BUCKETS; b++) {
		for (pp = &c->plans[b]; (p = *pp) != NULL;) {
			if (p->refs > 0) {
				pp = &p->next;
				continue;
			}
			/* The name is ours ("stw" and a number), not data. */
			if (p->gen == c->gen) {
				snprintf(sql, sizeof sql, "DEALLOCATE %s", p->name);
				dbpg_run(c, sql, NULL, 0);
			}
			*pp = p->next;
			c->nplans--;
			pg_plan_free(p);
		}
	}
}

/* Finds or makes the plan for (sql, sig); types NULL lets the server infer. */
static struct pg_plan *pg_plan_get(struct pg_conn *c, const char *sql, const char *sig, int nparams,
				   const Oid *types)
{
	unsigned h = pg_hash(sql, sig);
	struct pg_plan *p = pg_plan_find(c, sql, sig, h);

	if (p != NULL)
		return p;
	if (c->nplans >= DBPG_MAX_PLANS)
		pg_plans_evict(c);
	p = calloc(1, sizeof *p);
	if (p == NULL)
		return NULL;
	p->sql = strdup(sql);
	p->sig = sig != NULL ? strdup(sig) : NULL;
	p->types = nparams > 0 ? malloc((size_t)nparams * sizeof *p->types) : NULL;
	if (p->sql == NULL || (sig != NULL && p->sig == NULL) || (nparams > 0 && p->types == NULL)) {
		pg_plan_free(p);
		return NULL;
	}
	if (nparams > 0)
		memcpy(p->types, types, (size_t)nparams * sizeof *p->types);
	p->nparams = nparams;
	p->hash = h;
	snprintf(p->name, sizeof p->name, "stw%u", ++c->next_name);
	p->next = c->plans[h % DBPG_BUCKETS];
	c->plans[h % DBPG_BUCKETS] = p;
	c->nplans++;
	return p;
}

void dbpg_plans_free(struct pg_conn *c)
{
	struct pg_plan *p, *next;
	int b;

	for (b = 0; b < DBPG_BUCKETS; b++)
		for (p = c->plans[b]; p != NULL; p = next) {
			next = p->next;
			pg_plan_free(p);
		}
}

static void pg_plan_release(struct pg_conn *c, struct pg_plan *p)
{
	(void)c;
	if (p != NULL && p->refs > 0)
		p->refs--;
}

/* Sends p's Parse and takes its one result (NULL with the error set
 * when the server did not answer or the connection went). */
static PGresult *pg_parse(struct pg_conn *c, struct pg_plan *p)
{
	PGresult *r, *rest;

	if (!PQsendPrepare(c->pg, p->name, p->sql, p->nparams, p->types)) {
		dbpg_fail_send(c);
		return NULL;
	}
	if (dbpg_flush(c) != DB_OK || dbpg_ready(c) != DB_OK)
		return NULL;
	if ((r = PQgetResult(c->pg)) == NULL) {
		dbpg_fail_send(c);
		return NULL;
	}
	/* The end of the results, which a Parse has one of. */
	while (dbpg_ready(c) == DB_OK && (rest = PQgetResult(c->pg)) != NULL)
		PQclear(rest);
	if (c->lost) {
		PQclear(r);
		return NULL;
	}
	return r;
}

/* Prepares p in this session unless it already is. An untyped plan whose
 * parameter types the server cannot infer (42P18: "SELECT ?1 IS NULL") or
 * infers two ways (42P08: "SELECT ?1, length(CAST(?1 AS BYTEA))") becomes
 * needs_types, which is not a failure. Inside a transaction the Parse
 * runs under a savepoint: PostgreSQL ends a transaction at any failed
 * message, where SQLite's prepare failing leaves it as it was, and the
 * caller's transaction must survive both the expected failure above and
 * a statement it prepares only to see whether it can. */
static int pg_plan_ready(struct pg_conn *c, struct pg_plan *p)
{
	PGresult *r;
	const char *state;
	int rc, guard;

	if (p->gen == c->gen || p->needs_types)
		return DB_OK;
	if (c->stream != NULL)
		dbpg_drain(c->stream);
	if ((rc = dbpg_wire_free(c)) != DB_OK)
		return rc;
	guard = PQtransactionStatus(c->pg) == PQTRANS_INTRANS;
	if (guard && (rc = dbpg_run(c, "SAVEPOINT dbpg_prepare", NULL, 0)) != DB_OK)
		return rc;
	if ((r = pg_parse(c, p)) == NULL)
		return c->rc != DB_OK ? c->rc : DB_ERROR;
	if (PQresultStatus(r) != PGRES_COMMAND_OK) {
		state = PQresultErrorField(r, PG_DIAG_SQLSTATE);
		rc = DB_OK;
		if (p->sig == NULL && state != NULL && (strcmp(state, "42P18") == 0 || strcmp(state, "42P08") == 0) &&
		    PQstatus(c->pg) == CONNECTION_OK)
			p->needs_types = 1;
		else
			rc = dbpg_fail_result(c, r);
		PQclear(r);
		/* The error stays the caller's; the rollback to the savepoint only undoes the Parse. */
		if (guard && !c->lost) {
			int keep = c->rc;
			char msg[sizeof c->msg];

			memcpy(msg, c->msg, sizeof msg);
			if (dbpg_run(c, "ROLLBACK TO SAVEPOINT dbpg_prepare; RELEASE SAVEPOINT dbpg_prepare", NULL, 0) != DB_OK)
				return c->rc;
			c->rc = keep;
			memcpy(c->msg, msg, sizeof msg);
		}
		return rc;
	}
	PQclear(r);
	if (guard && (rc = dbpg_run(c, "RELEASE SAVEPOINT dbpg_prepare", NULL, 0)) != DB_OK)
		return rc;
	p->gen = c->gen;
	return DB_OK;
}

/* ---- statements ---- */

int dbpg_prepare(void *conn, struct db_stmt **out, const char *sql)
{
	struct pg_conn *c = conn;
	struct pg_stmt *s = NULL;
	struct pg_plan *p;
	struct err e;
	char *text;
	unsigned char *used;
	Oid *types = NULL;
	int n, i, rc;

	*out = NULL;
	if (dbpg_translate(sql, &text, &n, &used, &e) != 0)
		return dbpg_fail(c, DB_ERROR, "%s", e.msg);
	/* Unused numbers get a type so the server does not have to guess one. */
	if (n > 0 && (types = calloc((size_t)n, sizeof *types)) == NULL) {
		rc = dbpg_fail(c, DB_NOMEM, "out of memory");
		goto fail;
	}
	for (i = 0; i < n; i++)
		types[i] = used[i] ? 0 : PG_TEXT;
	p = pg_plan_get(c, text, NULL, n, types);
	if (p == NULL) {
		rc = dbpg_fail(c, DB_NOMEM, "out of memory");
		goto fail;
	}
	p->refs++;
	rc = pg_plan_ready(c, p);
	p->refs--;
	if (rc != DB_OK) {
		if (p->refs == 0) {
			pg_plan_unlink(c, p);
			pg_plan_free(p);
		}
		goto fail;
	}
	s = calloc(1, sizeof *s);
	if (s == NULL || (n > 0 && ((s->p = calloc((size_t)n, sizeof *s->p)) == NULL ||
				    (s->values = calloc((size_t)n, sizeof *s->values)) == NULL ||
				    (s->lengths = calloc((size_t)n, sizeof *s->lengths)) == NULL ||
				    (s->formats = calloc((size_t)n, sizeof *s->formats)) == NULL))) {
		rc = dbpg_fail(c, DB_NOMEM, "out of memory");
		goto fail;
	}
	for (i = 0; i < n; i++)
		s->p[i].type = DB_NULL;
	s->base.ops = &pg_stmt_ops;
	s->c = c;
	s->plan = p;
	p->refs++;
	s->nparams = n;
	s->state = ST_IDLE;
	s->row = -1;
	c->nlive++;
	free(text);
	free(used);
	free(types);
	*out = &s->base;
	return DB_OK;
fail:
	if (s != NULL) {
		free(s->p);
		free(s->values);
		free(s->lengths);
		free(s->formats);
		free(s);
	}
	free(text);
	free(used);
	free(types);
	return rc;
}

enum { PG_BAD_BIND = -1 };

/* The parameter to bind, emptied; NULL (with the error set) when out of range. */
static struct pg_param *pg_param_at(struct pg_stmt *s, int i)
{
	struct pg_param *pp;

	if (i < 1 || i > s->nparams) {
		dbpg_fail(s->c, DB_ERROR, "bind parameter %d is out of range (the statement has %d)", i, s->nparams);
		return NULL;
	}
	pp = &s->p[i - 1];
	free(pp->data);
	pp->data = NULL;
	pp->len = 0;
	pp->type = DB_NULL;
	return pp;
}

/* Callers rarely check a bind's result, so a bind that failed also makes
 * the next step fail instead of running with a NULL in its place. */
static int pg_bad_bind(struct pg_stmt *s, struct pg_param *pp, int rc, const char *msg)
{
	pp->type = PG_BAD_BIND;
	s->bind_rc = rc;
	snprintf(s->bind_msg, sizeof s->bind_msg, "%s", msg);
	return dbpg_fail(s->c, rc, "%s", msg);
}

/* Every binding is copied, whatever its life: reset keeps bindings for
 * the next step, when a DB_STATIC buffer may already be gone. */
static int pg_bind_text(struct db_stmt *base, int i, const char *v, int n, enum db_life life)
{
	struct pg_stmt *s = (struct pg_stmt *)base;
	struct pg_param *pp = pg_param_at(s, i);
	char msg[128];
	size_t len;

	(void)life;
	if (pp == NULL)
		return DB_ERROR;
	if (v == NULL)
		return DB_OK;
	len = n < 0 ? strlen(v) : (size_t)n;
	if (len > INT_MAX - 1)
		return pg_bad_bind(s, pp, DB_ERROR, "a text parameter is too long");
	if (memchr(v, '\0', len) != NULL) {
		snprintf(msg, sizeof msg, "parameter %d: text with a NUL byte cannot be stored in PostgreSQL", i);
		return pg_bad_bind(s, pp, DB_ERROR, msg);
	}
	pp->data = malloc(len + 1);
	if (pp->data == NULL)
		return pg_bad_bind(s, pp, DB_NOMEM, "out of memory");
	memcpy(pp->data, v, len);
	pp->data[len] = '\0';
	pp->len = (int)len;
	pp->type = DB_TEXT;
	return DB_OK;
}

static int pg_bind_blob(struct db_stmt *base, int i, const void *v, int n, enum db_life life)
{
	struct pg_stmt *s = (struct pg_stmt *)base;
	struct pg_param *pp = pg_param_at(s, i);

	(void)life;
	if (pp == NULL)
		return DB_ERROR;
	if (v == NULL)
		return DB_OK;
	if (n < 0)
		return pg_bad_bind(s, pp, DB_ERROR, "a blob parameter has a negative length");
	pp->data = malloc(n > 0 ? (size_t)n : 1);
	if (pp->data == NULL)
		return pg_bad_bind(s, pp, DB_NOMEM, "out of memory");
	if (n > 0)
		memcpy(pp->data, v, (size_t)n);
	pp->len = n;
	pp->type = DB_BLOB;
	return DB_OK;
}

static int pg_bind_int64(struct db_stmt *base, int i, int64_t v)
{
	struct pg_param *pp = pg_param_at((struct pg_stmt *)base, i);

	if (pp == NULL)
		return DB_ERROR;
	snprintf(pp->num, sizeof pp->num, "%lld", (long long)v);
	pp->type = DB_INTEGER;
	return DB_OK;
}

static int pg_bind_double(struct db_stmt *base, int i, double v)
{
	struct pg_param *pp = pg_param_at((struct pg_stmt *)base, i);

	if (pp == NULL)
		return DB_ERROR;
	/* SQLite stores a NaN as NULL; so does this engine, for the same reads. */
	if (isnan(v))
		return DB_OK;
	if (isinf(v))
		snprintf(pp->num, sizeof pp->num, "%s", v > 0 ? "Infinity" : "-Infinity");
	else
		snprintf(pp->num, sizeof pp->num, "%.17g", v);
	pp->type = DB_FLOAT;
	return DB_OK;
}

static int pg_bind_null(struct db_stmt *base, int i)
{
	return pg_param_at((struct pg_stmt *)base, i) != NULL ? DB_OK : DB_ERROR;
}

/* The plan for this statement's text with types from its bindings. */
static int pg_typed_plan(struct pg_stmt *s, struct pg_plan **out)
{
	struct pg_conn *c = s->c;
	struct pg_plan *tp;
	char *sig;
	Oid *types;
	int i, rc;

	sig = malloc((size_t)s->nparams + 1);
	types = malloc(((size_t)s->nparams + 1) * sizeof *types);
	if (sig == NULL || types == NULL) {
		free(sig);
		free(types);
		return dbpg_fail(c, DB_NOMEM, "out of memory");
	}
	for (i = 0; i < s->nparams; i++) {
		switch (s->p[i].type) {
		case DB_INTEGER:
			sig[i] = 'i';
			types[i] = PG_INT8;
			break;
		case DB_FLOAT:
			sig[i] = 'd';
			types[i] = PG_FLOAT8;
			break;
		case DB_BLOB:
			sig[i] = 'b';
			types[i] = PG_BYTEA;
			break;
		default:
			/* A NULL in a place the server cannot type is as good as text. */
			sig[i] = 't';
			types[i] = PG_TEXT;
			break;
		}
	}
	sig[s->nparams] = '\0';
	tp = pg_plan_get(c, s->plan->sql, sig, s->nparams, types);
	free(sig);
	free(types);
	if (tp == NULL)
		return dbpg_fail(c, DB_NOMEM, "out of memory");
	if (s->typed != tp) {
		pg_plan_release(c, s->typed);
		s->typed = tp;
		tp->refs++;
	}
	if ((rc = pg_plan_ready(c, tp)) != DB_OK)
		return rc;
	*out = tp;
	return DB_OK;
}

static void pg_wire_done(struct pg_stmt *s)
{
	struct pg_conn *c = s->c;

	s->wire = 0;
	if (c->stream == s)
		c->stream = NULL;
	/* A change outside a transaction is committed now; inside one, COMMIT tells. */
	if (s->changed && PQtransactionStatus(c->pg) == PQTRANS_IDLE)
		dbpg_notify(c);
	s->changed = 0;
}

/* The next result off the wire, with its changes counted as it arrives. */
static PGresult *pg_wire_get(struct pg_stmt *s)
{
	struct pg_conn *c = s->c;
	PGresult *r;
	int64_t rows;

	/* The deadline is per result, so a long read that keeps sending rows
	 * never meets it, and one that stops does. */
	if (dbpg_ready(c) != DB_OK) {
		dbpg_abandon(s, c->msg);
		return NULL;
	}
	r = PQgetResult(c->pg);
	if (r == NULL) {
		pg_wire_done(s);
		return NULL;
	}
	switch (PQresultStatus(r)) {
	case PGRES_COMMAND_OK:
	case PGRES_TUPLES_OK:
		if ((rows = dbpg_dml_rows(r)) >= 0) {
			c->changes = rows;
			c->total += rows;
			s->changed |= rows > 0;
		}
		break;
	case PGRES_COPY_IN:
	case PGRES_COPY_OUT:
		dbpg_end_copy(c, r);
		break;
	default:
		break;
	}
	return r;
}

/* Adds r's one row to batch, the last result queued; 0 when out of memory. */
static int pg_batch_add(PGresult *batch, const PGresult *r)
{
	int n = PQntuples(batch), f, nf = PQnfields(r);

	for (f = 0; f < nf; f++)
		if (!PQsetvalue(batch, n, f, PQgetisnull(r, 0, f) ? NULL : PQgetvalue(r, 0, f),
				PQgetisnull(r, 0, f) ? -1 : PQgetlength(r, 0, f)))
			return 0;
	return 1;
}

/* Takes the rest of s's results off the wire so that another statement
 * may use the connection; s reads them from its queue later, as SQLite
 * lets one statement step while another runs. The rows arrive one result
 * each (single-row mode), and a result costs libpq a 2 KiB block whatever
 * the row's size: queued as they came, the 500,000 rows of audit verify's
 * card check (43 MB) took 1.6 GB. Consecutive rows are queued as one
 * result instead, which holds them packed. */
void dbpg_drain(struct pg_stmt *s)
{
	PGresult *r, **q, *last;
	size_t cap;

	while (s->wire && (r = pg_wire_get(s)) != NULL) {
		last = s->qlen > s->qpos ? s->queue[s->qlen - 1] : NULL;
		if (PQresultStatus(r) == PGRES_SINGLE_TUPLE && PQntuples(r) == 1) {
			if (last != NULL && last == s->qbatch && PQnfields(last) == PQnfields(r)) {
				if (!pg_batch_add(last, r))
					s->lost_rows = 1;
				PQclear(r);
				continue;
			}
			/* The row's own result, with its columns' names and types, starts the batch. */
			last = PQcopyResult(r, PG_COPYRES_ATTRS | PG_COPYRES_TUPLES);
			if (last != NULL) {
				PQclear(r);
				r = last;
			}
		}
		if (s->qlen == s->qcap) {
			cap = s->qcap > 0 ? s->qcap * 2 : 64;
			q = s->lost_rows ? NULL : realloc(s->queue, cap * sizeof *q);
			if (q == NULL) {
				s->lost_rows = 1;
				PQclear(r);
				continue;
			}
			s->queue = q;
			s->qcap = cap;
		}
		s->queue[s->qlen++] = r;
		s->qbatch = PQresultStatus(r) == PGRES_TUPLES_OK && last == r ? r : NULL;
	}
}

void dbpg_abandon(struct pg_stmt *s, const char *why)
{
	s->wire = 0;
	if (s->c->stream == s)
		s->c->stream = NULL;
	if (s->fail_rc == DB_OK) {
		s->fail_rc = DB_ERROR;
		free(s->fail_msg);
		s->fail_msg = strdup(why);
	}
}

static PGresult *pg_next(struct pg_stmt *s)
{
	PGresult *r;

	if (s->qpos < s->qlen) {
		r = s->queue[s->qpos];
		s->queue[s->qpos++] = NULL;
		if (r == s->qbatch)
			s->qbatch = NULL;
		if (s->qpos == s->qlen)
			s->qpos = s->qlen = 0;
		return r;
	}
	return s->wire ? pg_wire_get(s) : NULL;
}

static void pg_cols_stale(struct pg_stmt *s)
{
	int i;

	for (i = 0; i < s->ncols; i++)
		s->cols[i].ready = 0;
}

static int pg_cols_fit(struct pg_stmt *s, int n)
{
	struct pg_col *k;

	if (n > s->ncols) {
		k = realloc(s->cols, (size_t)n * sizeof *k);
		if (k == NULL)
			return -1;
		memset(k + s->ncols, 0, (size_t)(n - s->ncols) * sizeof *k);
		s->cols = k;
		s->ncols = n;
	}
	pg_cols_stale(s);
	return 0;
}

/* Forgets the results, keeping the bindings. */
/* Moves s to state st, counting the statements with rows still to come:
 * an interrupt lasts while any runs, as SQLite's does. */
static void pg_set_state(struct pg_stmt *s, int st)
{
	if (s->state == ST_RUNNING && st != ST_RUNNING)
		s->c->nrunning--;
	else if (s->state != ST_RUNNING && st == ST_RUNNING)
		s->c->nrunning++;
	s->state = st;
}

static void pg_clear(struct pg_stmt *s)
{
	PGresult *r;

	PQclear(s->cur);
	s->cur = NULL;
	s->row = -1;
	while (s->qpos < s->qlen)
		PQclear(s->queue[s->qpos++]);
	s->qpos = s->qlen = 0;
	s->qbatch = NULL;
	while (s->wire && (r = pg_wire_get(s)) != NULL)
		PQclear(r);
	s->lost_rows = 0;
	s->fail_rc = DB_OK;
	free(s->fail_msg);
	s->fail_msg = NULL;
	s->changed = 0;
	pg_set_state(s, ST_IDLE);
}

static int pg_execute(struct pg_stmt *s)
{
	struct pg_conn *c = s->c;
	struct pg_plan *p = s->plan;
	struct pg_param *pp;
	int i, rc;

	for (i = 0; i < s->nparams; i++)
		if (s->p[i].type == PG_BAD_BIND)
			return dbpg_fail(c, s->bind_rc, "%s", s->bind_msg);
	if ((rc = dbpg_wire_free(c)) != DB_OK || (rc = pg_plan_ready(c, p)) != DB_OK)
		return rc;
	/* As SQLite's: an interrupt stops what runs, not what starts once
	 * nothing does (other statements run between a long read's rows). */
	if (c->nrunning == 0)
		atomic_store(&c->interrupted, 0);
	if (p->needs_types && (rc = pg_typed_plan(s, &p)) != DB_OK)
		return rc;
	/* Text goes as text for the server to convert to the column's type;
	 * blobs go as bytes. */
	for (i = 0; i < s->nparams; i++) {
		pp = &s->p[i];
		s->values[i] = NULL;
		s->lengths[i] = 0;
		s->formats[i] = 0;
		if (pp->type == DB_INTEGER || pp->type == DB_FLOAT) {
			s->values[i] = pp->num;
		} else if (pp->type == DB_TEXT) {
			s->values[i] = pp->data;
		} else if (pp->type == DB_BLOB) {
			s->values[i] = pp->data;
			s->lengths[i] = pp->len;
			s->formats[i] = 1;
		}
	}
	if (!PQsendQueryPrepared(c->pg, p->name, s->nparams, s->values, s->lengths, s->formats, 0))
		return dbpg_fail_send(c);
	/* Rows arrive one at a time, so a long read (audit verify) does not
	 * hold every row in memory; without it they all come at once. */
	PQsetSingleRowMode(c->pg);
	c->stream = s;
	s->wire = 1;
	if ((rc = dbpg_flush(c)) != DB_OK) {
		s->wire = 0;
		c->stream = NULL;
		return rc;
	}
	return DB_OK;
}

static int pg_step(struct db_stmt *base)
{
	struct pg_stmt *s = (struct pg_stmt *)base;
	struct pg_conn *c = s->c;
	PGresult *r;
	char buf[sizeof c->msg];
	int rc;

	/* As SQLite does, a statement stepped past its end starts again. */
	if (s->state == ST_DONE)
		pg_clear(s);
	if (s->state == ST_IDLE) {
		rc = pg_execute(s);
		pg_set_state(s, ST_DONE);
		if (rc != DB_OK)
			return s->last_rc = rc;
		pg_set_state(s, ST_RUNNING);
	}
	for (;;) {
		if (atomic_load(&c->interrupted) && s->fail_rc == DB_OK) {
			/* The rest is drained when the statement is reset: the
			 * cancel that came with the flag ends it on the server. */
			s->fail_rc = DB_INTERRUPT;
			free(s->fail_msg);
			s->fail_msg = strdup("interrupted");
			break;
		}
		if (s->cur != NULL && s->row + 1 < PQntuples(s->cur)) {
			s->row++;
			pg_cols_stale(s);
			return s->last_rc = DB_ROW;
		}
		PQclear(s->cur);
		s->cur = NULL;
		s->row = -1;
		if ((r = pg_next(s)) == NULL)
			break;
		switch (PQresultStatus(r)) {
		case PGRES_SINGLE_TUPLE:
		case PGRES_TUPLES_OK:
			if (pg_cols_fit(s, PQnfields(r)) != 0) {
				s->lost_rows = 1;
				PQclear(r);
			} else {
				s->cur = r;
			}
			break;
		case PGRES_COMMAND_OK:
		case PGRES_EMPTY_QUERY:
		case PGRES_COPY_IN:
		case PGRES_COPY_OUT:
			PQclear(r);
			break;
		default:
			if (s->fail_rc == DB_OK) {
				s->fail_rc = dbpg_result_error(c, r, buf, sizeof buf);
				s->fail_msg = strdup(buf);
			}
			PQclear(r);
			break;
		}
	}
	pg_set_state(s, ST_DONE);
	if (s->fail_rc == DB_OK && s->lost_rows) {
		s->fail_rc = DB_NOMEM;
		s->fail_msg = strdup("out of memory while reading rows");
	}
	if (s->fail_rc != DB_OK) {
		dbpg_fail(c, s->fail_rc, "%s", s->fail_msg != NULL ? s->fail_msg : "out of memory");
		return s->last_rc = s->fail_rc;
	}
	return s->last_rc = DB_DONE;
}

static int pg_reset(struct db_stmt *base)
{
	struct pg_stmt *s = (struct pg_stmt *)base;
	int rc = s->last_rc;

	pg_clear(s);
	s->last_rc = DB_OK;
	/* As sqlite3_reset: the last step's error, if it failed. */
	return rc == DB_ROW || rc == DB_DONE ? DB_OK : rc;
}

static void pg_finalize(struct db_stmt *base)
{
	struct pg_stmt *s = (struct pg_stmt *)base;
	struct pg_conn *c = s->c;
	int i;

	pg_clear(s);
	free(s->queue);
	pg_plan_release(c, s->plan);
	pg_plan_release(c, s->typed);
	for (i = 0; i < s->nparams; i++)
		free(s->p[i].data);
	free(s->p);
	free(s->values);
	free(s->lengths);
	free(s->formats);
	for (i = 0; i < s->ncols; i++)
		free(s->cols[i].buf);
	free(s->cols);
	PQclear(s->desc);
	free(s);
	if (--c->nlive == 0 && c->closing)
		dbpg_conn_free(c);
}

/* ---- columns ---- */

/* 1 when the current row has a non-NULL value in col. */
static int pg_has(struct pg_stmt *s, int col)
{
	return s->cur != NULL && s->row >= 0 && col >= 0 && col < PQnfields(s->cur) &&
	       !PQgetisnull(s->cur, s->row, col);
}

static int pg_hexval(char ch)
{
	if (ch >= '0' && ch <= '9')
		return ch - '0';
	if (ch >= 'a' && ch <= 'f')
		return ch - 'a' + 10;
	if (ch >= 'A' && ch <= 'F')
		return ch - 'A' + 10;
	return 0;
}

/* A bytea value decoded once per row into the column's buffer. */
static const unsigned char *pg_bytea(struct pg_stmt *s, int col, int *len)
{
	struct pg_col *k = &s->cols[col];
	const char *v = PQgetvalue(s->cur, s->row, col);
	size_t vl = (size_t)PQgetlength(s->cur, s->row, col), n, i;
	unsigned char *u = NULL, *grown;

	*len = 0;
	if (!k->ready) {
		if (vl >= 2 && v[0] == '\\' && v[1] == 'x') {
			n = (vl - 2) / 2;
		} else {
			/* Another bytea_output than the session asked for. */
			u = PQunescapeBytea((const unsigned char *)v, &n);
			if (u == NULL)
				return NULL;
		}
		if (n + 1 > k->cap) {
			grown = realloc(k->buf, n + 1);
			if (grown == NULL) {
				PQfreemem(u);
				return NULL;
			}
			k->buf = grown;
			k->cap = n + 1;
		}
		if (u != NULL) {
			memcpy(k->buf, u, n);
			PQfreemem(u);
		} else {
			for (i = 0; i < n; i++)
				k->buf[i] = (unsigned char)(pg_hexval(v[2 + 2 * i]) << 4 | pg_hexval(v[3 + 2 * i]));
		}
		k->buf[n] = '\0';
		k->len = (int)n;
		k->ready = 1;
	}
	*len = k->len;
	return k->buf;
}

static int pg_column_type(struct db_stmt *base, int col)
{
	struct pg_stmt *s = (struct pg_stmt *)base;

	if (!pg_has(s, col))
		return DB_NULL;
	switch (PQftype(s->cur, col)) {
	case PG_INT2:
	case PG_INT4:
	case PG_INT8:
	case PG_OID:
	case PG_BOOL:
		return DB_INTEGER;
	case PG_FLOAT4:
	case PG_FLOAT8:
	case PG_NUMERIC:
		return DB_FLOAT;
	case PG_BYTEA:
		return DB_BLOB;
	default:
		return DB_TEXT;
	}
}

/* The value as text: booleans as SQLite's 1 and 0, bytea decoded. */
static const char *pg_value(struct pg_stmt *s, int col, int *len)
{
	const char *v;

	*len = 0;
	if (!pg_has(s, col))
		return NULL;
	switch (PQftype(s->cur, col)) {
	case PG_BOOL:
		*len = 1;
		return PQgetvalue(s->cur, s->row, col)[0] == 't' ? "1" : "0";
	case PG_BYTEA:
		return (const char *)pg_bytea(s, col, len);
	default:
		v = PQgetvalue(s->cur, s->row, col);
		*len = PQgetlength(s->cur, s->row, col);
		return v;
	}
}

/* SQLite's reading of text as a number: the leading integer, or the
 * leading real truncated. */
static int64_t pg_atoi64(const char *t)
{
	char *end;
	long long v = strtoll(t, &end, 10);
	double d;

	if (end != t && *end != '.' && *end != 'e' && *end != 'E')
		return v;
	d = strtod(t, NULL);
	if (isnan(d))
		return 0;
	if (d >= 9223372036854775807.0)
		return INT64_MAX;
	if (d <= -9223372036854775808.0)
		return INT64_MIN;
	return (int64_t)d;
}

static int64_t pg_column_int64(struct db_stmt *base, int col)
{
	int len;
	const char *v = pg_value((struct pg_stmt *)base, col, &len);

	return v != NULL ? pg_atoi64(v) : 0;
}

static double pg_column_double(struct db_stmt *base, int col)
{
	int len;
	const char *v = pg_value((struct pg_stmt *)base, col, &len);

	return v != NULL ? strtod(v, NULL) : 0.0;
}

static const unsigned char *pg_column_text(struct db_stmt *base, int col)
{
	int len;

	return (const unsigned char *)pg_value((struct pg_stmt *)base, col, &len);
}

static const void *pg_column_blob(struct db_stmt *base, int col)
{
	int len;
	const char *v = pg_value((struct pg_stmt *)base, col, &len);

	/* As SQLite: a zero-length value has no pointer. */
	return len > 0 ? v : NULL;
}

static int pg_column_bytes(struct db_stmt *base, int col)
{
	int len;

	pg_value((struct pg_stmt *)base, col, &len);
	return len;
}

/* The result's shape, asked of the server once so it is known before the
 * first row (and for a result with none); the current rows' as a last resort. */
static const PGresult *pg_desc(struct pg_stmt *s)
{
	struct pg_conn *c = s->c;
	struct pg_plan *p = s->typed != NULL ? s->typed : s->plan;
	PGresult *r;

	if (s->desc == NULL && p->gen == c->gen && !p->needs_types) {
		if (c->stream != NULL)
			dbpg_drain(c->stream);
		r = PQdescribePrepared(c->pg, p->name);
		if (r != NULL && PQresultStatus(r) == PGRES_COMMAND_OK)
			s->desc = r;
		else
			PQclear(r);
	}
	return s->desc != NULL ? s->desc : s->cur;
}

static int pg_column_count(struct db_stmt *base)
{
	const PGresult *r = pg_desc((struct pg_stmt *)base);

	return r != NULL ? PQnfields(r) : 0;
}

static const char *pg_column_name(struct db_stmt *base, int col)
{
	const PGresult *r = pg_desc((struct pg_stmt *)base);

	return r != NULL && col >= 0 && col < PQnfields(r) ? PQfname(r, col) : NULL;
}

static const struct db_stmt_ops pg_stmt_ops = {
	.bind_text = pg_bind_text,
	.bind_blob = pg_bind_blob,
	.bind_int64 = pg_bind_int64,
	.bind_double = pg_bind_double,
	.bind_null = pg_bind_null,
	.step = pg_step,
	.reset = pg_reset,
	.finalize = pg_finalize,
	.column_int64 = pg_column_int64,
	.column_double = pg_column_double,
	.column_text = pg_column_text,
	.column_blob = pg_column_blob,
	.column_bytes = pg_column_bytes,
	.column_type = pg_column_type,
	.column_count = pg_column_count,
	.column_name = pg_column_name,
};
