/* queue-page: the console's windows onto the requests, fetched by keyset on id with the state and filter in SQL; the history puts lapsed open requests before the closed ones. */
#include "queue-page.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "approval.h"
#include "check.h"

/* A list is one or two parts, each a run of requests newest first: the
 * open ones; or the lapsed ones, then the closed ones. rank orders them. */
enum { QUEUE_PART_OPEN, QUEUE_PART_EXPIRED, QUEUE_PART_CLOSED };

/* The WHERE of one part, its bound values in the order its text names
 * them. sql is only ever this file's fixed fragments: the filter, the
 * state and the clock are always bound. */
struct queue_page_where {
	int part;
	char sql[1024];
	char like[2 * CHECK_FILTER_MAX + 3];
	int64_t id, version; /* the filter read as a request or a version number; 0 when not one */
	int text;            /* the filter is matched as text */
	int nlike;           /* how many times like is bound */
	const char *state;   /* bound for a closed state the other fragments do not name */
	int64_t now;         /* bound for the lapsed part */
};

#define QUEUE_PAGE_FROM                                                                           \
	" FROM requests r JOIN versions v ON v.id = r.version_id JOIN models m ON m.id = v.model_id"

/* Which parts the query lists, in order; returns how many. */
static size_t queue_page_parts(const struct queue_page_q *q, int parts[2])
{
	size_t n = 0;

	if (!q->history) {
		parts[n++] = QUEUE_PART_OPEN;
		return n;
	}
	if (q->state == NULL || strcmp(q->state, "expired") == 0)
		parts[n++] = QUEUE_PART_EXPIRED;
	if (q->state == NULL || strcmp(q->state, "expired") != 0)
		parts[n++] = QUEUE_PART_CLOSED;
	return n;
}

/* The part a request belongs to by its stored state: an open one could
 * only stand among the lapsed, a closed one among the closed. */
static int queue_page_rank_of(int part)
{
	return part == QUEUE_PART_CLOSED ? 1 : 0;
}

int queue_page_state_ok(const char *state, struct err *e)
{
	static const char *const states[] = { "applied", "rejected", "withdrawn", "superseded", "expired", NULL };
	size_t i;

	if (state == NULL)
		return 0;
	for (i = 0; states[i] != NULL && strcmp(states[i], state) != 0; i++)
		;
	if (states[i] == NULL)
		return err_set(e, ERR_INVALID,
			       "no request state '%.40s' (applied, rejected, withdrawn, superseded, expired)", state);
	return 0;
}

static void queue_page_add(struct queue_page_where *w, const char *fragment)
{
	size_t used = strlen(w->sql);

	snprintf(w->sql + used, sizeof w->sql - used, "%s", fragment);
}

/* Builds one part's WHERE from fixed pieces; the filter's text only
 * ever goes through a bound parameter, with LIKE's wildcards and the
 * escape character escaped so every character of it is literal. */
static int queue_page_where(struct store *st, const struct queue_page_q *q, int part,
			    struct queue_page_where *w, struct err *e)
{
	/* The columns a part's rows show; the state of a lapsed one is a word. */
	static const char *const open_cols[] = { "m.name", "r.tier", "r.to_stage", "r.requester", NULL };
	static const char *const expired_cols[] = { "m.name", "r.to_stage", "r.requester", "'expired'", NULL };
	static const char *const closed_cols[] = { "m.name", "r.to_stage", "r.requester", "r.state", "r.closed_note",
						   NULL };
	const char *const *cols = part == QUEUE_PART_OPEN	 ? open_cols
				  : part == QUEUE_PART_EXPIRED ? expired_cols
							       : closed_cols;
	const char *f = q->filter != NULL ? q->filter : "";
	/* SQLite's LIKE already ignores ASCII case; PostgreSQL's ILIKE does the same. */
	const char *like = strcmp(store_engine(st), "sqlite") == 0 ? "LIKE" : "ILIKE";
	char piece[96];
	size_t i;

	memset(w, 0, sizeof *w);
	w->part = part;
	w->now = q->now;
	if (part == QUEUE_PART_OPEN) {
		queue_page_add(w, " AND r.state = 'open'");
	} else if (part == QUEUE_PART_EXPIRED) {
		/* As the evaluation finds it: decisions, and none unexpired now. */
		queue_page_add(w, " AND r.state = 'open'"
				  " AND EXISTS (SELECT 1 FROM approvals a WHERE a.request_id = r.id)"
				  " AND NOT EXISTS (SELECT 1 FROM approvals a WHERE a.request_id = r.id AND a.expires > ?)");
	} else {
		queue_page_add(w, " AND r.state <> 'open'");
		/* Superseded requests are withdrawn ones whose note says so. */
		if (q->state != NULL && strcmp(q->state, "superseded") == 0)
			queue_page_add(w, " AND r.state = 'withdrawn' AND r.closed_note LIKE 'superseded%'");
		else if (q->state != NULL && strcmp(q->state, "withdrawn") == 0)
			queue_page_add(w, " AND r.state = 'withdrawn' AND r.closed_note NOT LIKE 'superseded%'");
		else if (q->state != NULL) {
			queue_page_add(w, " AND r.state = ?");
			w->state = q->state;
		}
	}
	if (f[0] == '\0')
		return 0;
	if (check_like_pattern(f, w->like, e) != 0)
		return -1;
	/* "#N" and "vN" say what they are; a bare number may be either a
	 * request or text. */
	w->text = 1;
	w->id = check_filter_number(f, 0);
	if (w->id == 0 && (w->id = check_filter_number(f, '#')) > 0)
		w->text = 0;
	w->version = check_filter_number(f, 'v');
	if (w->version > 0)
		w->text = 0;
	if (!w->text) {
		queue_page_add(w, w->id > 0 ? " AND r.id = ?" : " AND v.version = ?");
		return 0;
	}
	queue_page_add(w, " AND (");
	for (i = 0; cols[i] != NULL; i++) {
		snprintf(piece, sizeof piece, "%s%s %s ? ESCAPE '\\'", i ? " OR " : "", cols[i], like);
		queue_page_add(w, piece);
		w->nlike++;
	}
	queue_page_add(w, w->id > 0 ? " OR r.id = ?)" : ")");
	return 0;
}

/* Binds w's values from index i on; returns the next free index. */
static int queue_page_bind(struct db_stmt *s, int i, const struct queue_page_where *w)
{
	int k;

	if (w->part == QUEUE_PART_EXPIRED)
		db_bind_int64(s, i++, w->now);
	if (w->state != NULL)
		db_bind_text(s, i++, w->state, -1, DB_STATIC);
	if (w->like[0] == '\0')
		return i;
	if (!w->text) {
		db_bind_int64(s, i++, w->id > 0 ? w->id : w->version);
		return i;
	}
	for (k = 0; k < w->nlike; k++)
		db_bind_text(s, i++, w->like, -1, DB_STATIC);
	if (w->id > 0)
		db_bind_int64(s, i++, w->id);
	return i;
}

/* A window's rows, read whole before any is shown: a rejection's reason
 * runs statements of its own, which PostgreSQL would otherwise make wait
 * behind an open read. */
struct queue_page_rows {
	struct queue_row *v;
	size_t n, cap;
};

static struct queue_row *queue_page_push(struct queue_page_rows *rs)
{
	if (rs->n == rs->cap) {
		size_t cap = rs->cap ? 2 * rs->cap : 32;
		struct queue_row *nv = realloc(rs->v, cap * sizeof *nv);

		if (nv == NULL)
			return NULL;
		rs->v = nv;
		rs->cap = cap;
	}
	memset(&rs->v[rs->n], 0, sizeof rs->v[rs->n]);
	return &rs->v[rs->n++];
}

static void queue_page_row(struct db_stmt *s, int part, struct queue_row *p)
{
	char when[32];
	int64_t lapsed;

	p->id = db_column_int64(s, 0);
	store_text_copy(p->model, sizeof p->model, s, 1);
	p->version = db_column_int64(s, 2);
	store_text_copy(p->from, sizeof p->from, s, 3);
	store_text_copy(p->to, sizeof p->to, s, 4);
	store_text_copy(p->tier, sizeof p->tier, s, 5);
	store_text_copy(p->kind, sizeof p->kind, s, 6);
	store_text_copy(p->requester, sizeof p->requester, s, 7);
	store_text_copy(p->state, sizeof p->state, s, 8);
	store_text_copy(p->why, sizeof p->why, s, 9);
	lapsed = db_column_int64(s, 10);
	if (part == QUEUE_PART_EXPIRED) {
		/* The first decision's expiry, as its evaluation words it. */
		check_time_text(lapsed, when, sizeof when);
		snprintf(p->state, sizeof p->state, "expired");
		snprintf(p->why, sizeof p->why, "every decision lapsed (expired at %s): sign again", when);
	} else if (strcmp(p->state, "withdrawn") == 0 && strncmp(p->why, "superseded", 10) == 0) {
		snprintf(p->state, sizeof p->state, "superseded");
	}
}

/* Reads into rs the rows of w's part matching `AND r.id OP bound`
 * (keyset), at most n, newest first when desc. The statements are the
 * store's cached ones: a principal's queue reads its requests one by one. */
static int queue_page_read(struct store *st, const struct queue_page_where *w, const char *op, int64_t bound,
			   int desc, size_t n, struct queue_page_rows *rs, struct err *e)
{
	struct db_stmt *s;
	char sql[2048];
	int i, rc;

	snprintf(sql, sizeof sql,
		 "SELECT r.id, m.name, v.version, r.from_stage, r.to_stage, r.tier, r.kind, r.requester,"
		 " r.state, r.closed_note, %s" QUEUE_PAGE_FROM " WHERE r.id %s ?%s ORDER BY r.id %s LIMIT ?",
		 w->part == QUEUE_PART_EXPIRED
			 ? "(SELECT a.expires FROM approvals a WHERE a.request_id = r.id ORDER BY a.id LIMIT 1)"
			 : "0",
		 op, w->sql, desc ? "DESC" : "ASC");
	if (store_stmt(st, &s, sql, e) != 0)
		return -1;
	db_bind_int64(s, 1, bound);
	i = queue_page_bind(s, 2, w);
	db_bind_int64(s, i, (int64_t)n);
	while ((rc = db_step(s)) == DB_ROW) {
		struct queue_row *p = queue_page_push(rs);

		if (p == NULL) {
			rc = DB_NOMEM;
			break;
		}
		queue_page_row(s, w->part, p);
	}
	store_stmt_done(st, s);
	if (rc == DB_NOMEM)
		return err_set(e, ERR_IO, "out of memory");
	if (rc != DB_DONE)
		return store_fail(st, e, "reading requests");
	return 0;
}

/* One scalar of w's part: count(*) where `r.id OP bound`. */
static int queue_page_scalar(struct store *st, const struct queue_page_where *w, const char *op, int64_t bound,
			     int64_t *out, struct err *e)
{
	struct db_stmt *s;
	char sql[1536];
	int rc;

	/* Without a filter on the model or version the joins only restrict
	 * to rows that exist, as every request's do: the count reads the
	 * requests alone. Every closed one is every request but the open
	 * ones: two counts off indexes instead of a walk of the table. */
	if (w->part == QUEUE_PART_CLOSED && w->like[0] == '\0' && w->state == NULL &&
	    strcmp(w->sql, " AND r.state <> 'open'") == 0 && bound == 0 && strcmp(op, ">") == 0)
		snprintf(sql, sizeof sql,
			 "SELECT (SELECT count(*) FROM requests) - (SELECT count(*) FROM requests"
			 " WHERE state = 'open' AND id > ?)");
	else
		snprintf(sql, sizeof sql, "SELECT count(*)%s WHERE r.id %s ?%s",
			 w->like[0] != '\0' ? QUEUE_PAGE_FROM : " FROM requests r", op, w->sql);
	if (store_stmt(st, &s, sql, e) != 0)
		return -1;
	db_bind_int64(s, 1, bound);
	queue_page_bind(s, 2, w);
	rc = db_step(s);
	if (rc == DB_ROW)
		*out = db_column_int64(s, 0);
	store_stmt_done(st, s);
	if (rc != DB_ROW)
		return store_fail(st, e, "counting requests");
	return 0;
}

/* The reason of the decision that rejected request id, from its verified
 * statement; says so when no rejection verifies. */
static void queue_page_reject_reason(struct store *st, int64_t id, char *why, size_t n)
{
	struct approval_request r;
	struct err e;
	size_t i;

	err_clear(&e);
	if (approval_request_get(st, id, &r, &e) != 0) {
		snprintf(why, n, "reason unreadable: %.370s", e.msg);
		return;
	}
	snprintf(why, n, "no verified rejection on record");
	for (i = 0; i < r.n; i++) {
		if (r.v[i].approve)
			continue;
		/* "rejects the request" is set only once every check passed. */
		if (strcmp(r.v[i].why, "rejects the request") == 0) {
			snprintf(why, n, "%.64s (%.16s): %.300s", r.v[i].principal, r.v[i].role, r.v[i].comment);
			break;
		}
		snprintf(why, n, "rejection by %.64s does not verify: %.300s", r.v[i].principal, r.v[i].why);
	}
	approval_request_clear(&r);
}

/* The part request id stands in by its stored state; -1 when there is no such request. */
static int queue_page_part_of(struct store *st, const struct queue_page_q *q, int64_t id, int *rank,
			      struct err *e)
{
	struct db_stmt *s;
	int rc;

	if (!q->history) {
		*rank = 0;
		return 0;
	}
	if (store_stmt(st, &s, "SELECT state FROM requests WHERE id = ?1", e) != 0)
		return -1;
	db_bind_int64(s, 1, id);
	rc = db_step(s);
	if (rc == DB_ROW)
		*rank = strcmp((const char *)db_column_text(s, 0), "open") == 0 ? 0 : 1;
	store_stmt_done(st, s);
	if (rc == DB_DONE) {
		/* Gone: list as if it were the newest closed one. */
		*rank = 1;
		return 0;
	}
	return rc == DB_ROW ? 0 : store_fail(st, e, "reading a request");
}

/* ids (newest first) read one at a time against the part's WHERE: the
 * console's own queue is the open requests that wait for someone, which
 * only an evaluation finds, never the whole history. */
static int queue_page_ids(struct store *st, const struct queue_page_q *q, const struct queue_page_where *w,
			  int64_t from, int older, size_t n, struct queue_page_rows *rs, struct err *e)
{
	size_t i, k;

	for (k = 0; k < q->nids && rs->n < n; k++) {
		i = older ? k : q->nids - 1 - k;
		if (from > 0 && (older ? q->ids[i] >= from : q->ids[i] <= from))
			continue;
		if (queue_page_read(st, w, "=", q->ids[i], 1, 1, rs, e) != 0)
			return -1;
	}
	return 0;
}

int queue_page(struct store *st, const struct queue_page_q *q, int64_t from, int older, size_t n,
	       queue_row_fn fn, void *arg, struct err *e)
{
	struct queue_page_rows rs = {0};
	struct queue_page_where w;
	int parts[2], rank = 0, rc = 0;
	size_t np = queue_page_parts(q, parts), k, i;

	if (queue_page_state_ok(q->state, e) != 0)
		return -1;
	if (from > 0 && queue_page_part_of(st, q, from, &rank, e) != 0)
		return -1;
	for (k = 0; k < np && rc == 0 && rs.n < n; k++) {
		int part = parts[older ? k : np - 1 - k], pr = queue_page_rank_of(part);

		if (!q->history)
			pr = 0;
		/* Past the part of from in the direction asked: none of it. */
		if (from > 0 && (older ? pr < rank : pr > rank))
			continue;
		rc = queue_page_where(st, q, part, &w, e);
		if (rc != 0)
			break;
		if (q->ids != NULL && part == QUEUE_PART_OPEN)
			rc = queue_page_ids(st, q, &w, from, older, n, &rs, e);
		else if (from > 0 && pr == rank)
			rc = queue_page_read(st, &w, older ? "<" : ">", from, older, n - rs.n, &rs, e);
		else
			rc = queue_page_read(st, &w, older ? "<" : ">", older ? INT64_MAX : 0, older, n - rs.n, &rs, e);
	}
	/* Only the rows shown pay for a verification, and only rejections need one. */
	for (i = 0; rc == 0 && i < rs.n; i++)
		if (strcmp(rs.v[i].state, "rejected") == 0)
			queue_page_reject_reason(st, rs.v[i].id, rs.v[i].why, sizeof rs.v[i].why);
	for (i = 0; rc == 0 && i < rs.n; i++)
		rc = fn(arg, &rs.v[i], e);
	free(rs.v);
	return rc;
}

/* Matching ids of the list, counted one at a time (ids newer than after, when after > 0). */
static int queue_page_ids_count(struct store *st, const struct queue_page_q *q, const struct queue_page_where *w,
				int64_t after, int64_t *out, struct err *e)
{
	int64_t one;
	size_t i;

	*out = 0;
	for (i = 0; i < q->nids && (after <= 0 || q->ids[i] > after); i++) {
		if (queue_page_scalar(st, w, "=", q->ids[i], &one, e) != 0)
			return -1;
		*out += one;
	}
	return 0;
}

int queue_page_count(struct store *st, const struct queue_page_q *q, int64_t *n, struct err *e)
{
	struct queue_page_where w;
	int parts[2];
	size_t np = queue_page_parts(q, parts), k;
	int64_t c;

	*n = 0;
	if (queue_page_state_ok(q->state, e) != 0)
		return -1;
	for (k = 0; k < np; k++) {
		if (queue_page_where(st, q, parts[k], &w, e) != 0)
			return -1;
		if (q->ids != NULL && parts[k] == QUEUE_PART_OPEN
			    ? queue_page_ids_count(st, q, &w, 0, &c, e) != 0
			    : queue_page_scalar(st, &w, ">", 0, &c, e) != 0)
			return -1;
		*n += c;
	}
	return 0;
}

int queue_page_rank(struct store *st, const struct queue_page_q *q, int64_t id, int64_t *pos, int *found,
		    struct err *e)
{
	struct queue_page_where w;
	int parts[2], rank = 0;
	size_t np = queue_page_parts(q, parts), k;
	int64_t c;

	*pos = 0;
	*found = 0;
	if (queue_page_state_ok(q->state, e) != 0 || queue_page_part_of(st, q, id, &rank, e) != 0)
		return -1;
	for (k = 0; k < np; k++) {
		int pr = q->history ? queue_page_rank_of(parts[k]) : 0;

		if (pr > rank)
			break;
		if (queue_page_where(st, q, parts[k], &w, e) != 0)
			return -1;
		if (q->ids != NULL && parts[k] == QUEUE_PART_OPEN) {
			if (queue_page_ids_count(st, q, &w, id, &c, e) != 0)
				return -1;
			*pos += c;
			for (c = 0, k = 0; k < q->nids && c == 0; k++)
				if (q->ids[k] == id && queue_page_scalar(st, &w, "=", id, &c, e) != 0)
					return -1;
			*found = c > 0;
			return 0;
		}
		if (pr < rank) {
			if (queue_page_scalar(st, &w, ">", 0, &c, e) != 0)
				return -1;
			*pos += c;
			continue;
		}
		if (queue_page_scalar(st, &w, ">", id, &c, e) != 0)
			return -1;
		*pos += c;
		if (queue_page_scalar(st, &w, "=", id, &c, e) != 0)
			return -1;
		*found = c > 0;
	}
	return 0;
}
