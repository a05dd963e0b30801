/* incident: incidents opened, acknowledged, noted and resolved as signed ledger entries with their cache rows, read back for the views, and replayed from the ledger for audit verify. */
#include "incident.h"

#include <inttypes.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "check.h"
#include "ledger.h"
#include "registry.h"

#define INCIDENT_ALERT_MAX 128

/* ---- what an act may say ---- */

int incident_check_severity(const char *severity, struct err *e)
{
	char ex[64];

	if (severity != NULL &&
	    (strcmp(severity, "info") == 0 || strcmp(severity, "warning") == 0 || strcmp(severity, "critical") == 0))
		return 0;
	check_excerpt(severity != NULL ? severity : "", ex, sizeof ex);
	return err_set(e, ERR_INVALID, "severity \"%s\" is not one of info, warning, critical", ex);
}

/* The checks of incident_open's input, which the replay makes again on
 * what an entry says: a key holder cannot sign past them either. */
static int incident_check_open(const char *model, const char *severity, const char *title, const char *alert,
			       struct err *e)
{
	if (check_model_name(model, e) != 0 || incident_check_severity(severity, e) != 0 ||
	    check_text("title", title, INCIDENT_TITLE_MAX, 0, 0, e) != 0)
		return -1;
	return check_text("alert", alert, INCIDENT_ALERT_MAX, 0, 1, e);
}

static int incident_check_note(const char *kind, const char *text, struct err *e)
{
	char ex[64];

	if (kind == NULL || (strcmp(kind, "note") != 0 && strcmp(kind, "step") != 0)) {
		check_excerpt(kind != NULL ? kind : "", ex, sizeof ex);
		return err_set(e, ERR_INVALID, "a timeline entry is a note or a step, not \"%s\"", ex);
	}
	return check_text(kind, text, INCIDENT_TEXT_MAX, 0, 0, e);
}

/* Who may act: a key to sign with and a role that may (auditors read,
 * pipeline keys record evidence; neither runs incidents). */
static int incident_check_who(const struct principal *who, const char *verb, struct err *e)
{
	char held[128], need[128];

	if (who == NULL || who->key == NULL)
		return err_set(e, ERR_DENIED, "to %s an incident is an act: it needs your key", verb);
	if (!(who->roles & INCIDENT_ROLES))
		return err_set(e, ERR_DENIED, "%s (roles: %s) may not %s an incident: it needs one of %s", who->name,
			       keyring_roles_text(who->roles, held, sizeof held), verb,
			       keyring_roles_text(INCIDENT_ROLES, need, sizeof need));
	return 0;
}

/* The ack event's text: who owns it now, and who did before a hand-over. */
static void incident_ack_text(const char *owner, const char *before, char *buf, size_t n)
{
	if (before[0] != '\0' && strcmp(before, owner) != 0)
		snprintf(buf, n, "owner %s (was %s)", owner, before);
	else
		snprintf(buf, n, "owner %s", owner);
}

/* ---- the cache ---- */

#define INCIDENT_COLUMNS \
	"SELECT id, model, title, severity, state, owner, opened_by, opened, acked, resolved, alert, seq FROM incidents"

static void incident_row(struct db_stmt *s, struct incident *out)
{
	memset(out, 0, sizeof *out);
	out->id = db_column_int64(s, 0);
	store_text_copy(out->model, sizeof out->model, s, 1);
	store_text_copy(out->title, sizeof out->title, s, 2);
	store_text_copy(out->severity, sizeof out->severity, s, 3);
	store_text_copy(out->state, sizeof out->state, s, 4);
	store_text_copy(out->owner, sizeof out->owner, s, 5);
	store_text_copy(out->opened_by, sizeof out->opened_by, s, 6);
	out->opened = db_column_int64(s, 7);
	out->acked = db_column_int64(s, 8);
	out->resolved = db_column_int64(s, 9);
	store_text_copy(out->alert, sizeof out->alert, s, 10);
	out->seq = db_column_int64(s, 11);
}

static int incident_read(struct store *st, int64_t id, struct incident *out, struct err *e)
{
	struct db_stmt *s;
	int rc;

	if (store_prepare(st, &s, INCIDENT_COLUMNS " WHERE id = ?1", e) != 0)
		return -1;
	db_bind_int64(s, 1, id);
	rc = db_step(s);
	if (rc == DB_ROW)
		incident_row(s, out);
	db_finalize(s);
	if (rc == DB_ROW)
		return 0;
	if (rc != DB_DONE)
		return store_fail(st, e, "reading an incident");
	return err_set(e, ERR_NOTFOUND, "no incident %" PRId64 " (steward incident list --all lists them)", id);
}

/* The time the ledger gave entry seq: the cache says what the entry says. */
static int incident_entry_time(struct store *st, int64_t seq, int64_t *t, struct err *e)
{
	struct db_stmt *s;
	int rc;

	if (store_prepare(st, &s, "SELECT time FROM ledger WHERE seq = ?1", e) != 0)
		return -1;
	db_bind_int64(s, 1, seq);
	rc = db_step(s);
	if (rc == DB_ROW)
		*t = db_column_int64(s, 0);
	db_finalize(s);
	return rc == DB_ROW ? 0 : store_fail(st, e, "reading the entry just appended");
}

static int incident_event_add(struct store *st, int64_t id, int64_t seq, int64_t t, const char *actor,
			      const char *kind, const char *text, struct err *e)
{
	struct db_stmt *s;
	int rc;

	if (store_prepare(st, &s,
			  "INSERT INTO incident_events(incident, seq, time, actor, kind, text) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
			  e) != 0)
		return -1;
	db_bind_int64(s, 1, id);
	db_bind_int64(s, 2, seq);
	db_bind_int64(s, 3, t);
	db_bind_text(s, 4, actor, -1, DB_STATIC);
	db_bind_text(s, 5, kind, -1, DB_STATIC);
	db_bind_text(s, 6, text, -1, DB_STATIC);
	rc = db_step(s);
	db_finalize(s);
	return rc == DB_DONE ? 0 : store_fail(st, e, "recording the incident's timeline");
}

/* Appends the act's entry (signed by who) about incident x; *seq and *t
 * get the entry's number and time. data is consumed. */
static int incident_append(struct store *st, const struct principal *who, const char *action, const char *model,
			   json_t *data, int64_t *seq, int64_t *t, struct err *e)
{
	char subject[128];
	int rc;

	if (data == NULL)
		return err_set(e, ERR_IO, "out of memory");
	snprintf(subject, sizeof subject, "models:/%s", model);
	rc = ledger_append_act(st, who->key, who->name, action, subject, data, seq, e);
	json_decref(data);
	if (rc != 0)
		return -1;
	return incident_entry_time(st, *seq, t, e);
}

/* The incident an ack, note or resolve is about, refused once resolved. */
static int incident_for_act(struct store *st, int64_t id, const char *verb, struct incident *x, struct err *e)
{
	if (incident_read(st, id, x, e) != 0)
		return -1;
	if (strcmp(x->state, "resolved") == 0) {
		char when[32];

		check_time_text(x->resolved, when, sizeof when);
		return err_set(e, ERR_DENIED, "incident %" PRId64 " (%s) was resolved at %s: it cannot be %s", id,
			       x->model, when, verb);
	}
	return 0;
}

/* ---- the acts ---- */

int incident_open(struct store *st, const struct principal *who, const char *model, const char *severity,
		  const char *title, const char *alert, int64_t *id, struct err *e)
{
	struct reg_model m;
	struct db_stmt *s;
	int64_t next = 0, seq = 0, t = 0;
	int rc;

	if (alert == NULL)
		alert = "";
	if (incident_check_who(who, "open", e) != 0 || incident_check_open(model, severity, title, alert, e) != 0)
		return -1;
	if (registry_model_get(st, model, &m, e) != 0)
		return -1;
	registry_model_clear(&m);
	/* Past every number the table or the ledger ever gave: a row removed
	 * from the table must not have its number handed out again. */
	if (store_prepare(st, &s,
			  "SELECT max(coalesce((SELECT max(id) FROM incidents), 0),"
			  " coalesce((SELECT max(CAST(json_extract(CAST(body AS TEXT), '$.data.incident') AS BIGINT))"
			  " FROM ledger WHERE action = 'incident.open'), 0)) + 1",
			  e) != 0)
		return -1;
	rc = db_step(s);
	if (rc == DB_ROW)
		next = db_column_int64(s, 0);
	db_finalize(s);
	if (rc != DB_ROW)
		return store_fail(st, e, "numbering the incident");
	if (incident_append(st, who, "incident.open", model,
			    json_pack("{s:I, s:s, s:s, s:s, s:s}", "incident", (json_int_t)next, "model", model, "severity",
				      severity, "title", title, "alert", alert),
			    &seq, &t, e) != 0)
		return -1;
	if (store_prepare(st, &s,
			  "INSERT INTO incidents(id, model, title, severity, state, owner, opened_by, opened, alert, seq)"
			  " VALUES (?1, ?2, ?3, ?4, 'open', '', ?5, ?6, ?7, ?8)",
			  e) != 0)
		return -1;
	db_bind_int64(s, 1, next);
	db_bind_text(s, 2, model, -1, DB_STATIC);
	db_bind_text(s, 3, title, -1, DB_STATIC);
	db_bind_text(s, 4, severity, -1, DB_STATIC);
	db_bind_text(s, 5, who->name, -1, DB_STATIC);
	db_bind_int64(s, 6, t);
	db_bind_text(s, 7, alert, -1, DB_STATIC);
	db_bind_int64(s, 8, seq);
	rc = db_step(s);
	db_finalize(s);
	if (rc != DB_DONE)
		return store_fail(st, e, "recording the incident");
	if (incident_event_add(st, next, seq, t, who->name, "open", title, e) != 0)
		return -1;
	if (id != NULL)
		*id = next;
	return 0;
}

int incident_ack(struct store *st, const struct principal *who, int64_t id, struct err *e)
{
	struct incident x;
	struct db_stmt *s;
	char text[256];
	int64_t seq = 0, t = 0;
	int rc;

	if (incident_check_who(who, "acknowledge", e) != 0 || incident_for_act(st, id, "acknowledged", &x, e) != 0)
		return -1;
	/* A second ack by its owner would only repeat the first. */
	if (strcmp(x.owner, who->name) == 0)
		return err_set(e, ERR_EXISTS, "incident %" PRId64 " is already acknowledged by %s", id, who->name);
	if (incident_append(st, who, "incident.ack", x.model, json_pack("{s:I}", "incident", (json_int_t)id), &seq, &t,
			    e) != 0)
		return -1;
	if (store_prepare(st, &s, "UPDATE incidents SET state = 'acknowledged', owner = ?1, acked = ?2 WHERE id = ?3",
			  e) != 0)
		return -1;
	db_bind_text(s, 1, who->name, -1, DB_STATIC);
	db_bind_int64(s, 2, t);
	db_bind_int64(s, 3, id);
	rc = db_step(s);
	db_finalize(s);
	if (rc != DB_DONE)
		return store_fail(st, e, "recording the acknowledgement");
	incident_ack_text(who->name, x.owner, text, sizeof text);
	return incident_event_add(st, id, seq, t, who->name, "ack", text, e);
}

int incident_note(struct store *st, const struct principal *who, int64_t id, const char *kind, const char *text,
		  struct err *e)
{
	struct incident x;
	int64_t seq = 0, t = 0;

	if (incident_check_who(who, "add to", e) != 0 || incident_check_note(kind, text, e) != 0 ||
	    incident_for_act(st, id, "added to", &x, e) != 0)
		return -1;
	if (incident_append(st, who, "incident.note", x.model,
			    json_pack("{s:I, s:s, s:s}", "incident", (json_int_t)id, "kind", kind, "text", text), &seq, &t,
			    e) != 0)
		return -1;
	return incident_event_add(st, id, seq, t, who->name, kind, text, e);
}

int incident_resolve(struct store *st, const struct principal *who, int64_t id, const char *text, struct err *e)
{
	struct incident x;
	struct db_stmt *s;
	int64_t seq = 0, t = 0;
	int rc;

	if (text == NULL)
		text = "";
	if (incident_check_who(who, "resolve", e) != 0 || check_text("note", text, INCIDENT_TEXT_MAX, 0, 1, e) != 0 ||
	    incident_for_act(st, id, "resolved again", &x, e) != 0)
		return -1;
	if (incident_append(st, who, "incident.resolve", x.model,
			    json_pack("{s:I, s:s}", "incident", (json_int_t)id, "text", text), &seq, &t, e) != 0)
		return -1;
	if (store_prepare(st, &s, "UPDATE incidents SET state = 'resolved', resolved = ?1 WHERE id = ?2", e) != 0)
		return -1;
	db_bind_int64(s, 1, t);
	db_bind_int64(s, 2, id);
	rc = db_step(s);
	db_finalize(s);
	if (rc != DB_DONE)
		return store_fail(st, e, "recording the resolution");
	return incident_event_add(st, id, seq, t, who->name, "resolve", text, e);
}

/* ---- reading ---- */

/* Grows *v (of *cap elements of size) to hold one more; NULL without memory. */
static void *incident_grow(void *v, size_t *cap, size_t n, size_t size)
{
	void *nv;
	size_t want;

	if (n < *cap)
		return v;
	want = *cap ? 2 * *cap : 16;
	nv = realloc(v, want * size);
	if (nv != NULL)
		*cap = want;
	return nv;
}

int incident_get(struct store *st, int64_t id, struct incident *out, struct incident_event **ev, size_t *nev,
		 struct err *e)
{
	struct incident_event *v = NULL, *nv;
	struct db_stmt *s;
	size_t n = 0, cap = 0;
	int rc;

	if (ev != NULL)
		*ev = NULL;
	if (nev != NULL)
		*nev = 0;
	if (incident_read(st, id, out, e) != 0)
		return -1;
	if (ev == NULL)
		return 0;
	if (store_prepare(st, &s,
			  "SELECT seq, time, actor, kind, text FROM incident_events WHERE incident = ?1 ORDER BY seq", e) != 0)
		return -1;
	db_bind_int64(s, 1, id);
	while ((rc = db_step(s)) == DB_ROW) {
		nv = incident_grow(v, &cap, n, sizeof *v);
		if (nv == NULL) {
			db_finalize(s);
			free(v);
			return err_set(e, ERR_IO, "out of memory");
		}
		v = nv;
		memset(&v[n], 0, sizeof v[n]);
		v[n].seq = db_column_int64(s, 0);
		v[n].time = db_column_int64(s, 1);
		store_text_copy(v[n].actor, sizeof v[n].actor, s, 2);
		store_text_copy(v[n].kind, sizeof v[n].kind, s, 3);
		store_text_copy(v[n].text, sizeof v[n].text, s, 4);
		n++;
	}
	db_finalize(s);
	if (rc != DB_DONE) {
		free(v);
		return store_fail(st, e, "reading the incident's timeline");
	}
	*ev = v;
	if (nev != NULL)
		*nev = n;
	return 0;
}

int incident_list(struct store *st, int all, const char *model, struct incident **out, size_t *n, struct err *e)
{
	struct incident *v = NULL, *nv;
	struct db_stmt *s;
	size_t cap = 0;
	int rc;

	*out = NULL;
	*n = 0;
	if (store_prepare(st, &s,
			  INCIDENT_COLUMNS " WHERE (?1 OR state <> 'resolved') AND (CAST(?2 AS TEXT) IS NULL OR model = ?2) ORDER BY id DESC",
			  e) != 0)
		return -1;
	db_bind_int(s, 1, all != 0);
	if (model != NULL)
		db_bind_text(s, 2, model, -1, DB_STATIC);
	while ((rc = db_step(s)) == DB_ROW) {
		nv = incident_grow(v, &cap, *n, sizeof *v);
		if (nv == NULL) {
			db_finalize(s);
			free(v);
			*n = 0;
			return err_set(e, ERR_IO, "out of memory");
		}
		v = nv;
		incident_row(s, &v[(*n)++]);
	}
	db_finalize(s);
	if (rc != DB_DONE) {
		free(v);
		*n = 0;
		return store_fail(st, e, "listing incidents");
	}
	*out = v;
	return 0;
}

int incident_each(struct store *st, const struct incident_query *q, incident_fn fn, void *arg, struct err *e)
{
	struct incident x;
	struct db_stmt *s;
	int64_t seen = 0;
	int rc = DB_DONE, r = 0;

	if (store_prepare(st, &s,
			  INCIDENT_COLUMNS " WHERE (?1 OR state <> 'resolved') AND (CAST(?2 AS TEXT) IS NULL OR model = ?2)"
					   " AND opened >= ?3 ORDER BY id DESC",
			  e) != 0)
		return -1;
	db_bind_int(s, 1, q->all != 0);
	if (q->model != NULL)
		db_bind_text(s, 2, q->model, -1, DB_STATIC);
	db_bind_int64(s, 3, q->since);
	while ((q->limit == 0 || seen < q->limit) && (rc = db_step(s)) == DB_ROW) {
		incident_row(s, &x);
		seen++;
		r = fn(arg, &x, e);
		if (r != 0)
			break;
	}
	db_finalize(s);
	if (r < 0)
		return -1;
	if (r == 0 && rc != DB_DONE && rc != DB_ROW)
		return store_fail(st, e, "listing incidents");
	return 0;
}

/* The first column of the one row sql gives for model (or none), -1 on error. */
static int64_t incident_scalar(struct store *st, const char *sql, const char *model, struct err *e)
{
	struct db_stmt *s;
	int64_t v = 0;
	int rc;

	if (store_prepare(st, &s, sql, e) != 0)
		return -1;
	if (model != NULL)
		db_bind_text(s, 1, model, -1, DB_STATIC);
	rc = db_step(s);
	if (rc == DB_ROW)
		v = db_column_int64(s, 0);
	db_finalize(s);
	if (rc != DB_ROW && rc != DB_DONE)
		return store_fail(st, e, "reading incidents");
	return v;
}

int64_t incident_open_for(struct store *st, const char *model, struct err *e)
{
	return incident_scalar(st, "SELECT coalesce(max(id), 0) FROM incidents WHERE model = ?1 AND state <> 'resolved'",
			       model != NULL ? model : "", e);
}

int64_t incident_count_open(struct store *st, struct err *e)
{
	return incident_scalar(st, "SELECT count(*) FROM incidents WHERE state <> 'resolved'", NULL, e);
}

void incident_free(void *p)
{
	free(p);
}

/* ---- the replay ---- */

/* An incident as the ledger made it, and the newest entry about it. */
struct incident_rp {
	struct incident x;
	int64_t last;
};

/* A timeline entry as the ledger made it; its text kept as a hash, so a
 * long replay holds little. */
struct incident_rp_event {
	int64_t seq, time, incident;
	char actor[KEYS_NAME_MAX + 1];
	char kind[16];
	uint8_t text[32];
};

struct incident_replay {
	struct incident_rp *x; /* in id order: numbers only go up */
	size_t n, cap;
	struct incident_rp_event *ev; /* in ledger order */
	size_t nev, capev;
};

struct incident_replay *incident_replay_new(void)
{
	return calloc(1, sizeof(struct incident_replay));
}

void incident_replay_free(struct incident_replay *r)
{
	if (r == NULL)
		return;
	free(r->x);
	free(r->ev);
	free(r);
}

int64_t incident_replay_count(const struct incident_replay *r)
{
	return r != NULL ? (int64_t)r->n : 0;
}

static struct incident_rp *incident_replay_find(const struct incident_replay *r, int64_t id)
{
	size_t lo = 0, hi = r->n;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (r->x[mid].x.id < id)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo < r->n && r->x[lo].x.id == id ? &r->x[lo] : NULL;
}

static int incident_replay_event(struct incident_replay *r, int64_t seq, int64_t t, int64_t id, const char *actor,
				 const char *kind, const char *text, char *why, size_t n)
{
	struct incident_rp_event *v = incident_grow(r->ev, &r->capev, r->nev, sizeof *r->ev);

	if (v == NULL)
		return err_why(why, n, "out of memory");
	r->ev = v;
	v = &r->ev[r->nev++];
	memset(v, 0, sizeof *v);
	v->seq = seq;
	v->time = t;
	v->incident = id;
	snprintf(v->actor, sizeof v->actor, "%s", actor);
	snprintf(v->kind, sizeof v->kind, "%s", kind);
	crypto_hash_sha256(v->text, (const unsigned char *)text, strlen(text));
	return 0;
}

static int incident_replay_open(struct incident_replay *r, int64_t seq, int64_t t, const char *actor,
				const char *subject, json_t *data, char *why, size_t n)
{
	const char *model, *severity, *title, *alert;
	char want[128];
	json_int_t id;
	struct incident_rp *p;
	struct err e;

	if (json_unpack(data, "{s:I, s:s, s:s, s:s, s:s}", "incident", &id, "model", &model, "severity", &severity,
			"title", &title, "alert", &alert) != 0)
		return err_why(why, n, "incident.open entry lacks incident, model, severity, title or alert");
	if (id <= 0 || (r->n > 0 && id <= r->x[r->n - 1].x.id))
		return err_why(why, n, "incident %lld opened after incident %" PRId64 " (numbers go up)",
					   (long long)id, r->n > 0 ? r->x[r->n - 1].x.id : 0);
	if (incident_check_open(model, severity, title, alert, &e) != 0)
		return err_why(why, n, "incident %lld: %s", (long long)id, e.msg);
	snprintf(want, sizeof want, "models:/%s", model);
	if (strcmp(subject, want) != 0)
		return err_why(why, n, "incident %lld is about %s but the entry's subject is %s", (long long)id,
					   model, subject);
	p = incident_grow(r->x, &r->cap, r->n, sizeof *r->x);
	if (p == NULL)
		return err_why(why, n, "out of memory");
	r->x = p;
	p = &r->x[r->n++];
	memset(p, 0, sizeof *p);
	p->x.id = id;
	snprintf(p->x.model, sizeof p->x.model, "%s", model);
	snprintf(p->x.title, sizeof p->x.title, "%s", title);
	snprintf(p->x.severity, sizeof p->x.severity, "%s", severity);
	snprintf(p->x.state, sizeof p->x.state, "open");
	snprintf(p->x.opened_by, sizeof p->x.opened_by, "%s", actor);
	p->x.opened = t;
	snprintf(p->x.alert, sizeof p->x.alert, "%s", alert);
	p->x.seq = seq;
	p->last = seq;
	return incident_replay_event(r, seq, t, id, actor, "open", title, why, n);
}

int incident_replay_entry(struct incident_replay *r, int64_t seq, int64_t t, const char *action, const char *actor,
			  const char *subject, json_t *data, char *why, size_t n)
{
	const char *kind = "", *text = "", *verb;
	char want[128], ack[256];
	struct incident_rp *p;
	struct incident *x;
	json_int_t id;
	struct err e;

	if (strcmp(action, "incident.open") == 0)
		return incident_replay_open(r, seq, t, actor, subject, data, why, n);
	if (strcmp(action, "incident.ack") == 0)
		verb = "acknowledged";
	else if (strcmp(action, "incident.note") == 0)
		verb = "added to";
	else if (strcmp(action, "incident.resolve") == 0)
		verb = "resolved again";
	else
		return err_why(why, n, "unknown action %s", action);
	if (json_unpack(data, "{s:I}", "incident", &id) != 0)
		return err_why(why, n, "%s entry names no incident", action);
	p = incident_replay_find(r, id);
	if (p == NULL)
		return err_why(why, n, "%s of incident %lld, which was never opened", action, (long long)id);
	x = &p->x;
	snprintf(want, sizeof want, "models:/%s", x->model);
	if (strcmp(subject, want) != 0)
		return err_why(why, n, "%s of incident %lld (%s) has subject %s", action, (long long)id,
					   x->model, subject);
	if (strcmp(x->state, "resolved") == 0)
		return err_why(why, n, "incident %lld was resolved by entry %" PRId64 ": it cannot be %s",
					   (long long)id, p->last, verb);
	if (strcmp(action, "incident.ack") == 0) {
		if (strcmp(x->owner, actor) == 0)
			return err_why(why, n, "incident %lld acknowledged again by its owner %s", (long long)id,
						   actor);
		incident_ack_text(actor, x->owner, ack, sizeof ack);
		snprintf(x->state, sizeof x->state, "acknowledged");
		snprintf(x->owner, sizeof x->owner, "%s", actor);
		x->acked = t;
		kind = "ack";
		text = ack;
	} else if (strcmp(action, "incident.note") == 0) {
		if (json_unpack(data, "{s:s, s:s}", "kind", &kind, "text", &text) != 0)
			return err_why(why, n, "incident.note entry lacks kind or text");
		if (incident_check_note(kind, text, &e) != 0)
			return err_why(why, n, "incident %lld: %s", (long long)id, e.msg);
	} else {
		if (json_unpack(data, "{s:s}", "text", &text) != 0)
			return err_why(why, n, "incident.resolve entry lacks its text");
		if (check_text("note", text, INCIDENT_TEXT_MAX, 0, 1, &e) != 0)
			return err_why(why, n, "incident %lld: %s", (long long)id, e.msg);
		snprintf(x->state, sizeof x->state, "resolved");
		x->resolved = t;
		kind = "resolve";
	}
	p->last = seq;
	return incident_replay_event(r, seq, t, id, actor, kind, text, why, n);
}

/* 1 when column col of s holds exactly want (a text cut to fit a buffer,
 * or one with a NUL inside, is not the same). */
static int incident_col_is(struct db_stmt *s, int col, const char *want)
{
	const unsigned char *have = db_column_text(s, col);
	size_t len = (size_t)db_column_bytes(s, col);

	return have != NULL && len == strlen(want) && memcmp(have, want, len) == 0;
}

/* The columns of INCIDENT_COLUMNS an act decides, in the order a
 * difference is reported: what an attacker would change first. */
enum incident_field_kind { INCIDENT_F_TEXT, INCIDENT_F_TIME, INCIDENT_F_NUMBER };

static const struct incident_field {
	const char *name;
	int col;
	size_t off;
	enum incident_field_kind kind;
} incident_fields[] = {
	{"state", 4, offsetof(struct incident, state), INCIDENT_F_TEXT},
	{"owner", 5, offsetof(struct incident, owner), INCIDENT_F_TEXT},
	{"severity", 3, offsetof(struct incident, severity), INCIDENT_F_TEXT},
	{"model", 1, offsetof(struct incident, model), INCIDENT_F_TEXT},
	{"title", 2, offsetof(struct incident, title), INCIDENT_F_TEXT},
	{"opened_by", 6, offsetof(struct incident, opened_by), INCIDENT_F_TEXT},
	{"alert", 10, offsetof(struct incident, alert), INCIDENT_F_TEXT},
	{"opened", 7, offsetof(struct incident, opened), INCIDENT_F_TIME},
	{"acked", 8, offsetof(struct incident, acked), INCIDENT_F_TIME},
	{"resolved", 9, offsetof(struct incident, resolved), INCIDENT_F_TIME},
	{"seq", 11, offsetof(struct incident, seq), INCIDENT_F_NUMBER},
};

/* A value for the message: quoted text, a time, a number; hostile bytes escaped. */
static void incident_field_text(const struct incident_field *f, const char *text, int64_t v, char *buf, size_t n)
{
	char raw[300];

	if (f->kind == INCIDENT_F_TIME && v == 0)
		snprintf(raw, sizeof raw, "none");
	else if (f->kind == INCIDENT_F_TIME)
		check_time_text(v, raw, sizeof raw);
	else if (f->kind == INCIDENT_F_NUMBER)
		snprintf(raw, sizeof raw, "%" PRId64, v);
	else
		snprintf(raw, sizeof raw, "'%s'", text != NULL ? text : "");
	check_excerpt(raw, buf, n);
}

/* The first decided column of the row at s that differs from x, NULL when none. */
static const struct incident_field *incident_differs(struct db_stmt *s, const struct incident *x)
{
	size_t i;

	for (i = 0; i < sizeof incident_fields / sizeof incident_fields[0]; i++) {
		const struct incident_field *f = &incident_fields[i];
		const char *p = (const char *)x + f->off;
		int64_t v;

		if (f->kind == INCIDENT_F_TEXT) {
			if (!incident_col_is(s, f->col, p))
				return f;
			continue;
		}
		memcpy(&v, p, sizeof v);
		if (db_column_type(s, f->col) != DB_INTEGER || db_column_int64(s, f->col) != v)
			return f;
	}
	return NULL;
}

static int incident_replay_rows(struct store *st, const struct incident_replay *r, char *seen, struct err *e)
{
	const struct incident_field *f;
	struct incident_rp *p;
	char ex[64], have[64], want[64];
	struct db_stmt *s;
	size_t i;
	int rc, bad = 0;

	if (store_prepare(st, &s, INCIDENT_COLUMNS " ORDER BY id", e) != 0)
		return -1;
	while (!bad && (rc = db_step(s)) == DB_ROW) {
		int64_t id = db_column_int64(s, 0), v;
		const char *model = (const char *)db_column_text(s, 1);

		check_excerpt(model != NULL ? model : "", ex, sizeof ex);
		p = incident_replay_find(r, id);
		if (p == NULL) {
			bad = err_set(e, ERR_DENIED,
				      "incidents: incident %" PRId64 " (%s) is in the table but no ledger entry opened it"
				      " (changed outside steward)",
				      id, ex);
			break;
		}
		seen[p - r->x] = 1;
		f = incident_differs(s, &p->x);
		if (f == NULL)
			continue;
		v = 0;
		if (f->kind != INCIDENT_F_TEXT)
			memcpy(&v, (const char *)&p->x + f->off, sizeof v);
		incident_field_text(f, (const char *)db_column_text(s, f->col), db_column_int64(s, f->col),
				    have, sizeof have);
		incident_field_text(f, (const char *)&p->x + f->off, v, want,
				    sizeof want);
		bad = err_set(e, ERR_DENIED,
			      "incidents: incident %" PRId64 " (%s) has %s %s in the table, but the ledger says %s"
			      " (entry %" PRId64 "; changed outside steward)",
			      id, ex, f->name, have, want, p->last);
	}
	db_finalize(s);
	if (bad)
		return -1;
	if (rc != DB_DONE)
		return store_fail(st, e, "reconciling incidents");
	for (i = 0; i < r->n; i++)
		if (!seen[i])
			return err_set(e, ERR_DENIED,
				       "incidents: incident %" PRId64 " (%s), opened by ledger entry %" PRId64
				       ", is missing from the table (changed outside steward)",
				       r->x[i].x.id, r->x[i].x.model, r->x[i].x.seq);
	return 0;
}

static size_t incident_replay_event_find(const struct incident_replay *r, int64_t seq)
{
	size_t lo = 0, hi = r->nev;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (r->ev[mid].seq < seq)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo < r->nev && r->ev[lo].seq == seq ? lo : r->nev;
}

static int incident_replay_events(struct store *st, const struct incident_replay *r, char *seen, struct err *e)
{
	struct db_stmt *s;
	size_t i;
	int rc, bad = 0;

	if (store_prepare(st, &s, "SELECT incident, seq, time, actor, kind, text FROM incident_events ORDER BY seq, incident",
			  e) != 0)
		return -1;
	while (!bad && (rc = db_step(s)) == DB_ROW) {
		int64_t id = db_column_int64(s, 0), seq = db_column_int64(s, 1);
		const void *text = db_column_blob(s, 5);
		const char *what = NULL;
		uint8_t h[32];

		i = incident_replay_event_find(r, seq);
		if (i == r->nev || seen[i] || r->ev[i].incident != id) {
			bad = err_set(e, ERR_DENIED,
				      "incident_events: incident %" PRId64 "'s timeline holds ledger entry %" PRId64
				      ", which is no act on it (changed outside steward)",
				      id, seq);
			break;
		}
		seen[i] = 1;
		crypto_hash_sha256(h, text != NULL ? text : (const void *)"", (size_t)db_column_bytes(s, 5));
		if (db_column_int64(s, 2) != r->ev[i].time)
			what = "time";
		else if (!incident_col_is(s, 3, r->ev[i].actor))
			what = "actor";
		else if (!incident_col_is(s, 4, r->ev[i].kind))
			what = "kind";
		else if (memcmp(h, r->ev[i].text, sizeof h) != 0)
			what = "text";
		if (what != NULL)
			bad = err_set(e, ERR_DENIED,
				      "incident_events: incident %" PRId64 "'s timeline entry for ledger entry %" PRId64
				      " has another %s than the entry says (changed outside steward)",
				      id, seq, what);
	}
	db_finalize(s);
	if (bad)
		return -1;
	if (rc != DB_DONE)
		return store_fail(st, e, "reconciling incident timelines");
	for (i = 0; i < r->nev; i++)
		if (!seen[i])
			return err_set(e, ERR_DENIED,
				       "incident_events: incident %" PRId64 "'s timeline lacks ledger entry %" PRId64
				       " (%s; changed outside steward)",
				       r->ev[i].incident, r->ev[i].seq, r->ev[i].kind);
	return 0;
}

int incident_replay_check(struct store *st, const struct incident_replay *r, struct err *e)
{
	size_t most = (r->n > r->nev ? r->n : r->nev) + 1;
	char *seen = calloc(most, 1);
	int rc;

	if (seen == NULL)
		return err_set(e, ERR_IO, "out of memory");
	rc = incident_replay_rows(st, r, seen, e);
	if (rc == 0) {
		memset(seen, 0, most);
		rc = incident_replay_events(st, r, seen, e);
	}
	free(seen);
	return rc;
}
