/* queue: what waits for a principal's decision among the open requests, and the history of closed ones, for the console's :approvals and its header. */
#include "queue.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int queue_open(struct store *st, const struct principal *who, struct approval_requests *out,
		   size_t *open, struct err *e)
{
	size_t i, k = 0;

	if (approval_request_list(st, 1, out, e) != 0)
		return -1;
	*open = out->n;
	if (who == NULL)
		return 0;
	for (i = 0; i < out->n; i++) {
		if (!approval_waits_for(&out->v[i], who)) {
			approval_request_clear(&out->v[i]);
			continue;
		}
		out->v[k++] = out->v[i];
	}
	out->n = k;
	return 0;
}

int queue_count(struct store *st, const struct principal *who, size_t *mine, size_t *open,
			 struct err *e)
{
	struct approval_requests rs;

	if (queue_open(st, who, &rs, open, e) != 0)
		return -1;
	*mine = rs.n;
	approval_requests_free(&rs);
	return 0;
}

void queue_pasts_free(struct queue_pasts *l)
{
	free(l->v);
	l->v = NULL;
	l->n = 0;
}

/* The reason of the decision that rejected request id, from its verified
 * statement; says so when no rejection verifies. */
static void queue_reject_reason(struct store *st, int64_t id, char *why, size_t n)
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

int queue_history(struct store *st, const char *state, size_t max, struct queue_pasts *out,
		  size_t *total, struct err *e)
{
	static const char *const states[] = { "applied", "rejected", "withdrawn", "superseded", NULL };
	struct db_stmt *s;
	size_t i;
	int rc;

	memset(out, 0, sizeof *out);
	*total = 0;
	if (state != NULL) {
		for (i = 0; states[i] != NULL && strcmp(states[i], state) != 0; i++)
			;
		if (states[i] == NULL)
			return err_set(e, ERR_INVALID,
				       "no request state '%.40s' (applied, rejected, withdrawn, superseded)", state);
	}
	/* One statement, every value bound: the count of all matches rides
	 * on each row shown (a window is counted before the LIMIT).
	 * Superseded requests are withdrawn ones whose note says so. */
	if (store_prepare(st, &s,
			  "SELECT r.id, m.name, v.version, r.from_stage, r.to_stage, r.tier, r.kind, r.requester,"
			  " r.state, r.closed_note, r.created, count(*) OVER ()"
			  " FROM requests r JOIN versions v ON v.id = r.version_id JOIN models m ON m.id = v.model_id"
			  " WHERE r.state <> 'open' AND (CAST(?1 AS TEXT) IS NULL"
			  " OR (?1 = 'superseded' AND r.state = 'withdrawn' AND r.closed_note LIKE 'superseded%')"
			  " OR (?1 = 'withdrawn' AND r.state = 'withdrawn' AND r.closed_note NOT LIKE 'superseded%')"
			  " OR (?1 NOT IN ('superseded', 'withdrawn') AND r.state = ?1))"
			  " ORDER BY r.id DESC LIMIT ?2",
			  e) != 0)
		return -1;
	db_bind_text(s, 1, state, -1, DB_STATIC);
	db_bind_int64(s, 2, (int64_t)max);
	while ((rc = db_step(s)) == DB_ROW) {
		struct queue_past *p, *nv = realloc(out->v, (out->n + 1) * sizeof *out->v);

		if (nv == NULL) {
			rc = DB_NOMEM;
			break;
		}
		out->v = nv;
		p = &out->v[out->n++];
		memset(p, 0, sizeof *p);
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
		p->created = db_column_int64(s, 10);
		*total = (size_t)db_column_int64(s, 11);
		if (strcmp(p->state, "withdrawn") == 0 && strncmp(p->why, "superseded", 10) == 0)
			snprintf(p->state, sizeof p->state, "superseded");
	}
	db_finalize(s);
	if (rc != DB_DONE) {
		queue_pasts_free(out);
		return rc == DB_NOMEM ? err_set(e, ERR_IO, "out of memory") : store_fail(st, e, "reading requests");
	}
	/* Only the rows shown pay for a verification, and only rejections need one. */
	for (i = 0; i < out->n; i++)
		if (strcmp(out->v[i].state, "rejected") == 0)
			queue_reject_reason(st, out->v[i].id, out->v[i].why, sizeof out->v[i].why);
	return 0;
}
