/* ledger-page: the console's windows onto the ledger, fetched by keyset on seq with the scope and filter in SQL. */
#include "ledger-page.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "check.h"
#include "ledger.h"

/* The bound values of a query's WHERE, in the order its text names them.
 * sql and key are only ever this file's own fragments (placeholders,
 * column names, LIKE or ILIKE): the filter and scope are always bound. */
struct ledger_page_where {
	char sql[512];
	char lo[420], hi[420]; /* the scope's range, as ledger_entries has it */
	char like[2 * CHECK_FILTER_MAX + 3];
	char ver[40];
	int64_t seq; /* the filter read as an entry number; 0 when it is not one */
	int has_scope, has_filter;
	int text; /* the filter is matched as text (not "#N" or "vN") */
	/* seq as the queries compare and order by it: "+seq" in a scope.
	 * Given bound values, SQLite would walk the whole ledger by its key
	 * to avoid sorting, testing each entry against the scope (0.8 s for a
	 * model's 10,000 entries of a million); the unary plus leaves it the
	 * subject index and a sort of the scope's rows, a few ms. */
	const char *key;
};

/* Builds the WHERE from fixed pieces; the filter's text only ever goes
 * through a bound parameter, with LIKE's wildcards and the escape
 * character escaped so every character of it is literal. */
static int ledger_page_where(struct store *st, const struct ledger_page_q *q,
			     struct ledger_page_where *w, struct err *e)
{
	const char *f = q->filter != NULL ? q->filter : "";
	/* SQLite's LIKE already ignores ASCII case; lower() on every row
	 * costs a third of a scan. PostgreSQL's ILIKE does the same. */
	const char *like = strcmp(store_engine(st), "sqlite") == 0 ? "LIKE" : "ILIKE";
	int64_t v;

	memset(w, 0, sizeof *w);
	/* The tests' build makes a filtered query slow on demand (store_test_wait). */
	if (f[0] != '\0')
		store_test_wait("STEWARD_TEST_FILTER_MS");
	w->has_scope = q->subject != NULL;
	w->key = w->has_scope ? "+seq" : "seq";
	w->has_filter = f[0] != '\0';
	if (w->has_scope) {
		snprintf(w->lo, sizeof w->lo, "%s/", q->subject);
		snprintf(w->hi, sizeof w->hi, "%s0", q->subject);
		snprintf(w->sql, sizeof w->sql, "%s",
			 " AND (subject = ? OR (subject >= ? AND subject < ?))");
	}
	if (!w->has_filter)
		return 0;
	if (check_like_pattern(f, w->like, e) != 0)
		return -1;
	/* "#N" and "vN" say what they are: an entry is found on the key and a
	 * version on the subject alone, without reading every actor and
	 * action. A bare number may be either an entry or text. */
	w->text = 1;
	w->seq = check_filter_number(f, 0);
	if (w->seq == 0 && (w->seq = check_filter_number(f, '#')) > 0)
		w->text = 0;
	v = check_filter_number(f, 'v');
	if (v > 0) {
		snprintf(w->ver, sizeof w->ver, "%%/%" PRId64, v);
		w->text = 0;
	}
	if (w->text)
		snprintf(w->sql + strlen(w->sql), sizeof w->sql - strlen(w->sql),
			 " AND (actor %s ? ESCAPE '\\' OR action %s ? ESCAPE '\\'"
			 " OR subject %s ? ESCAPE '\\'%s)",
			 like, like, like, w->seq > 0 ? " OR seq = ?" : "");
	else if (w->seq > 0)
		snprintf(w->sql + strlen(w->sql), sizeof w->sql - strlen(w->sql), " AND seq = ?");
	else
		snprintf(w->sql + strlen(w->sql), sizeof w->sql - strlen(w->sql),
			 " AND subject LIKE ?");
	return 0;
}

/* Binds the WHERE's values from parameter i on; returns the next one. */
static int ledger_page_bind(struct db_stmt *s, int i, const struct ledger_page_q *q,
			    const struct ledger_page_where *w)
{
	if (w->has_scope) {
		db_bind_text(s, i++, q->subject, -1, DB_STATIC);
		db_bind_text(s, i++, w->lo, -1, DB_STATIC);
		db_bind_text(s, i++, w->hi, -1, DB_STATIC);
	}
	if (w->has_filter) {
		if (w->text) {
			db_bind_text(s, i++, w->like, -1, DB_STATIC);
			db_bind_text(s, i++, w->like, -1, DB_STATIC);
			db_bind_text(s, i++, w->like, -1, DB_STATIC);
		}
		if (w->seq > 0)
			db_bind_int64(s, i++, w->seq);
		if (w->ver[0])
			db_bind_text(s, i++, w->ver, -1, DB_STATIC);
	}
	return i;
}

int ledger_page(struct store *st, const struct ledger_page_q *q, int64_t from, int older, size_t n,
		ledger_row_fn fn, void *arg, struct err *e)
{
	struct ledger_page_where w;
	struct ledger_row r;
	struct db_stmt *s;
	char sql[1024];
	int i, rc, stop = 0;

	if (ledger_page_where(st, q, &w, e) != 0)
		return -1;
	snprintf(sql, sizeof sql,
		 "SELECT seq, time, actor, action, subject FROM ledger WHERE %s %s ?%s"
		 " ORDER BY %s %s LIMIT ?",
		 w.key, older ? "<" : ">", w.sql, w.key, older ? "DESC" : "ASC");
	if (store_prepare(st, &s, sql, e) != 0)
		return -1;
	db_bind_int64(s, 1, older && from <= 0 ? INT64_MAX : from);
	i = ledger_page_bind(s, 2, q, &w);
	db_bind_int64(s, i, (int64_t)n);
	while (stop == 0 && (rc = db_step(s)) == DB_ROW) {
		memset(&r, 0, sizeof r);
		r.seq = db_column_int64(s, 0);
		r.time = db_column_int64(s, 1);
		store_text_copy(r.actor, sizeof r.actor, s, 2);
		store_text_copy(r.action, sizeof r.action, s, 3);
		store_text_copy(r.subject, sizeof r.subject, s, 4);
		stop = fn(arg, &r, e);
	}
	db_finalize(s);
	if (stop != 0)
		return stop;
	if (rc != DB_DONE)
		return store_fail(st, e, "reading the ledger");
	return 0;
}

static int ledger_page_scalar(struct store *st, const char *sql, const struct ledger_page_q *q,
			      const struct ledger_page_where *w, int64_t seq, int64_t *out,
			      struct err *e)
{
	struct db_stmt *s;
	int rc;

	if (store_prepare(st, &s, sql, e) != 0)
		return -1;
	db_bind_int64(s, 1, seq);
	ledger_page_bind(s, 2, q, w);
	rc = db_step(s);
	if (rc == DB_ROW)
		*out = db_column_int64(s, 0);
	db_finalize(s);
	if (rc != DB_ROW)
		return store_fail(st, e, "counting ledger entries");
	return 0;
}

int ledger_page_count(struct store *st, const struct ledger_page_q *q, int64_t *n, struct err *e)
{
	struct ledger_page_where w;
	char sql[700];

	if (ledger_page_where(st, q, &w, e) != 0)
		return -1;
	/* Entries are numbered from 1 without gaps (the Merkle tree's leaves):
	 * the whole ledger's count is its last seq, read off the key. */
	if (!w.has_scope && !w.has_filter) {
		*n = ledger_size(st);
		return *n < 0 ? store_fail(st, e, "counting ledger entries") : 0;
	}
	snprintf(sql, sizeof sql, "SELECT count(*) FROM ledger WHERE %s > ?%s", w.key, w.sql);
	return ledger_page_scalar(st, sql, q, &w, 0, n, e);
}

int ledger_page_rank(struct store *st, const struct ledger_page_q *q, int64_t seq, int64_t *pos,
		     int *found, struct err *e)
{
	struct ledger_page_where w;
	int64_t size, hit = 0;
	char sql[700];

	if (ledger_page_where(st, q, &w, e) != 0)
		return -1;
	if (!w.has_scope && !w.has_filter) {
		size = ledger_size(st);
		if (size < 0)
			return store_fail(st, e, "counting ledger entries");
		*found = seq >= 1 && seq <= size;
		*pos = *found ? size - seq : 0;
		return 0;
	}
	snprintf(sql, sizeof sql, "SELECT count(*) FROM ledger WHERE %s > ?%s", w.key, w.sql);
	if (ledger_page_scalar(st, sql, q, &w, seq, pos, e) != 0)
		return -1;
	snprintf(sql, sizeof sql, "SELECT count(*) FROM ledger WHERE seq = ?%s", w.sql);
	if (ledger_page_scalar(st, sql, q, &w, seq, &hit, e) != 0)
		return -1;
	*found = hit > 0;
	return 0;
}
