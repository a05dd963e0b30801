/* deploy: deployments from deploy plugins, governed traffic plans recorded as deploy.traffic, traffic no decision explains, and the canary evidence a gate reads. */
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "check.h"
#include "deploy.h"
#include "ledger.h"
#include "proven.h"
#include "registry.h"

#define DEPLOY_MAX_RECORDS 4096 /* servers one sync may report */

/* ---- plans ---- */

static const char *deploy_state_word(const char *s)
{
	static const char *const words[] = { "ready", "drain", "maint", "down" };

	for (size_t i = 0; i < sizeof words / sizeof words[0]; i++)
		if (strcmp(s, words[i]) == 0)
			return words[i];
	return NULL;
}

/* state must be one of deploy_state_word's: the plan holds the pointer. */
static int deploy_plan_put(struct deploy_plan *p, int64_t version, int64_t share, const char *state)
{
	size_t i;

	for (i = 0; i < p->n && p->v[i].version != version; i++)
		;
	if (i == p->n) {
		if (p->n == DEPLOY_MAX_VERSIONS)
			return -1;
		p->n++;
	}
	p->v[i].version = version;
	p->v[i].share = share;
	p->v[i].state = state;
	return 0;
}

static int deploy_plan_cmp(const void *a, const void *b)
{
	const struct steward_traffic *x = a, *y = b;

	return x->version < y->version ? -1 : x->version > y->version;
}

static void deploy_plan_sort(struct deploy_plan *p)
{
	qsort(p->v, p->n, sizeof p->v[0], deploy_plan_cmp);
}

void deploy_plan_text(const struct deploy_plan *p, char *out, size_t n)
{
	size_t used = 0;

	if (n == 0)
		return;
	out[0] = '\0';
	for (size_t i = 0; i < p->n; i++) {
		int ready = strcmp(p->v[i].state, "ready") == 0;
		int w = snprintf(out + used, n - used, "%s%" PRId64 "=%" PRId64 "%s%s", i ? " " : "", p->v[i].version,
				 p->v[i].share, ready ? "" : ":", ready ? "" : p->v[i].state);

		if (w < 0 || (size_t)w >= n - used)
			return;
		used += (size_t)w;
	}
}

static json_t *deploy_plan_json(const struct deploy_plan *p)
{
	json_t *a = json_array();

	for (size_t i = 0; a != NULL && i < p->n; i++)
		if (json_array_append_new(a, json_pack("{s:I, s:I, s:s}", "version", (json_int_t)p->v[i].version, "share",
						       (json_int_t)p->v[i].share, "state", p->v[i].state)) != 0) {
			json_decref(a);
			return NULL;
		}
	return a;
}

static int deploy_plan_from_json(json_t *a, struct deploy_plan *p)
{
	size_t i;
	json_t *x;

	memset(p, 0, sizeof *p);
	if (!json_is_array(a))
		return -1;
	json_array_foreach(a, i, x) {
		json_t *v = json_object_get(x, "version"), *sh = json_object_get(x, "share"), *stt = json_object_get(x, "state");
		const char *w = json_is_string(stt) ? deploy_state_word(json_string_value(stt)) : NULL;

		if (!json_is_integer(v) || !json_is_integer(sh) || w == NULL || json_integer_value(sh) < 0 ||
		    json_integer_value(sh) > 100 || deploy_plan_put(p, json_integer_value(v), json_integer_value(sh), w) != 0)
			return -1;
	}
	deploy_plan_sort(p);
	return 0;
}

/* ---- the sync ---- */

struct deploy_sync {
	char plugin[65];
	struct deploy_row *v;
	size_t n, cap;
};

struct deploy_sync *deploy_sync_begin(const char *plugin, struct err *e)
{
	struct deploy_sync *d = calloc(1, sizeof *d);

	if (d == NULL) {
		err_set(e, ERR_IO, "out of memory");
		return NULL;
	}
	snprintf(d->plugin, sizeof d->plugin, "%s", plugin);
	return d;
}

void deploy_sync_free(struct deploy_sync *d)
{
	if (d == NULL)
		return;
	free(d->v);
	free(d);
}

int deploy_sync_record(struct deploy_sync *d, const struct steward_deployment_rec *r, struct err *e)
{
	struct deploy_row *x;
	const char *state;

	if (r->model == NULL || check_name("model", r->model, 100, e) != 0)
		return err_prefix(e, "deployment");
	if (r->target == NULL || check_text("target", r->target, 199, 1, 0, e) != 0)
		return err_prefix(e, "deployment of %s", r->model);
	if (r->version <= 0)
		return err_set(e, ERR_INVALID, "deployment %s of %s: version %" PRId64 " is not a version number", r->target,
			       r->model, r->version);
	if (r->mode == NULL || (strcmp(r->mode, "live") != 0 && strcmp(r->mode, "shadow") != 0))
		return err_set(e, ERR_INVALID, "deployment %s of %s: mode must be live or shadow", r->target, r->model);
	state = r->state != NULL ? deploy_state_word(r->state) : NULL;
	if (state == NULL)
		return err_set(e, ERR_INVALID, "deployment %s of %s: state must be ready, drain, maint or down", r->target,
			       r->model);
	if (r->weight < 0 || r->weight > 256 || !isfinite(r->share) || r->share < 0 || r->share > 100)
		return err_set(e, ERR_INVALID, "deployment %s of %s: weight %" PRId64 " or share %g out of range", r->target,
			       r->model, r->weight, r->share);
	for (size_t i = 0; i < d->n; i++)
		if (strcmp(d->v[i].target, r->target) == 0)
			return err_set(e, ERR_INVALID, "deployment %s reported twice in one sync", r->target);
	if (d->n == DEPLOY_MAX_RECORDS)
		return err_set(e, ERR_INVALID, "more than %d deployments in one sync", DEPLOY_MAX_RECORDS);
	if (d->n == d->cap) {
		size_t cap = d->cap ? d->cap * 2 : 16;
		struct deploy_row *nv = realloc(d->v, cap * sizeof *nv);

		if (nv == NULL)
			return err_set(e, ERR_IO, "out of memory");
		d->v = nv;
		d->cap = cap;
	}
	x = &d->v[d->n++];
	memset(x, 0, sizeof *x);
	snprintf(x->plugin, sizeof x->plugin, "%s", d->plugin);
	snprintf(x->target, sizeof x->target, "%s", r->target);
	snprintf(x->model, sizeof x->model, "%s", r->model);
	x->version = r->version;
	snprintf(x->mode, sizeof x->mode, "%s", r->mode);
	snprintf(x->state, sizeof x->state, "%s", state);
	x->weight = r->weight;
	x->share = r->share;
	x->sessions = r->sessions < 0 ? -1 : r->sessions;
	return 0;
}

/* The live shares as steward compares them: each version's weight over
 * the weights of servers taking traffic (ready, or down: a failed health
 * check is not a decision); drained and maintained servers get 0. */
static int deploy_seen_plan(const struct deploy_row *rows, size_t n, const char *model, struct deploy_plan *p)
{
	int64_t total = 0;
	size_t i;

	memset(p, 0, sizeof *p);
	for (i = 0; i < n; i++)
		if (strcmp(rows[i].model, model) == 0 && strcmp(rows[i].mode, "live") == 0 &&
		    (strcmp(rows[i].state, "ready") == 0 || strcmp(rows[i].state, "down") == 0))
			total += rows[i].weight;
	for (i = 0; i < n; i++) {
		int64_t share;
		const char *state;

		if (strcmp(rows[i].model, model) != 0 || strcmp(rows[i].mode, "live") != 0)
			continue;
		state = strcmp(rows[i].state, "down") == 0 ? "ready" : deploy_state_word(rows[i].state);
		if (state == NULL)
			return -1;
		share = strcmp(state, "ready") == 0 && total > 0 ? (rows[i].weight * 100 + total / 2) / total : 0;
		if (deploy_plan_put(p, rows[i].version, share, state) != 0)
			return -1;
	}
	deploy_plan_sort(p);
	return 0;
}

/* Plans match when each version has the same share and whether it takes traffic. */
static int deploy_plan_same(const struct deploy_plan *a, const struct deploy_plan *b)
{
	char x[600], y[600];

	deploy_plan_text(a, x, sizeof x);
	deploy_plan_text(b, y, sizeof y);
	return strcmp(x, y) == 0;
}

/* The newest traffic entry of model, any kind: its action and the plan it
 * records (a decision's plan, or what an observation saw). Only for
 * telling whether a sync saw something new, never for a gate. */
static int deploy_newest_at(struct store *st, const char *model, char action[32], struct deploy_plan *p, int64_t *seq,
			    int64_t *when, struct err *e)
{
	struct db_stmt *s;
	char subject[200];
	json_t *j;
	int rc;

	action[0] = '\0';
	memset(p, 0, sizeof *p);
	*seq = *when = 0;
	snprintf(subject, sizeof subject, "models:/%s", model);
	if (store_prepare(st, &s,
			  "SELECT action, body, seq, time FROM ledger WHERE subject = ?1 AND"
			  " action || '' IN ('deploy.traffic', 'traffic.observed', 'traffic.imported') ORDER BY seq DESC LIMIT 1",
			  e) != 0)
		return -1;
	db_bind_text(s, 1, subject, -1, DB_STATIC);
	rc = db_step(s);
	if (rc == DB_ROW) {
		store_text_copy(action, 32, s, 0);
		*seq = db_column_int64(s, 2);
		*when = db_column_int64(s, 3);
		j = json_loadb((const char *)db_column_blob(s, 1), (size_t)db_column_bytes(s, 1), 0, NULL);
		if (j == NULL ||
		    deploy_plan_from_json(json_object_get(json_object_get(j, "data"),
							   strcmp(action, "deploy.traffic") == 0 ? "plan" : "seen"),
					  p) != 0)
			action[0] = '\0'; /* unreadable: treated as nothing seen, so the sync records anew */
		json_decref(j);
	}
	db_finalize(s);
	return rc == DB_ROW || rc == DB_DONE ? 0 : store_fail(st, e, "reading the ledger");
}

static int deploy_newest(struct store *st, const char *model, char action[32], struct deploy_plan *p, struct err *e)
{
	int64_t seq, when;

	return deploy_newest_at(st, model, action, p, &seq, &when, e);
}

static int deploy_exec(struct store *st, const char *sql, const char *t1, const char *t2, const char *t3, int64_t i4,
		       int64_t i5, struct err *e)
{
	struct db_stmt *s;
	int rc;

	if (store_prepare(st, &s, sql, e) != 0)
		return -1;
	if (t1 != NULL)
		db_bind_text(s, 1, t1, -1, DB_STATIC);
	if (t2 != NULL)
		db_bind_text(s, 2, t2, -1, DB_STATIC);
	if (t3 != NULL)
		db_bind_text(s, 3, t3, -1, DB_STATIC);
	db_bind_int64(s, 4, i4);
	db_bind_int64(s, 5, i5);
	rc = db_step(s);
	db_finalize(s);
	return rc == DB_DONE ? 0 : store_fail(st, e, "writing deployments");
}

/* Compares what the sync saw of one model with what was decided. */
static int deploy_observe(struct store *st, const struct deploy_sync *d, const char *model, int64_t *observed,
			  struct err *e)
{
	struct deploy_plan seen, last;
	struct deploy_decision dec;
	char action[32], actor[80];
	json_t *data;
	int64_t seq;
	int rc, same;

	if (deploy_seen_plan(d->v, d->n, model, &seen) != 0)
		return err_set(e, ERR_INVALID, "model %s has more than %d live versions", model, DEPLOY_MAX_VERSIONS);
	if (seen.n == 0)
		return 0;
	if (deploy_newest(st, model, action, &last, e) != 0)
		return -1;
	if (action[0] != '\0' && deploy_plan_same(&seen, &last))
		return 0;
	if (deploy_decided(st, model, &dec, e) != 0)
		return -1;
	same = dec.has && deploy_plan_same(&seen, &dec.plan);
	data = json_pack("{s:s, s:s, s:o, s:o, s:o}", "model", model, "plugin", d->plugin, "seen", deploy_plan_json(&seen),
			 "expected", dec.has ? deploy_plan_json(&dec.plan) : json_null(), "decided_seq",
			 dec.has ? json_integer(dec.seq) : json_null());
	if (data == NULL)
		return err_set(e, ERR_IO, "out of memory");
	snprintf(actor, sizeof actor, "plugin:%s", d->plugin);
	{
		char subject[200];

		snprintf(subject, sizeof subject, "models:/%s", model);
		/* A model steward never governed: the backend's word is the baseline. */
		rc = ledger_append(st, actor, dec.has ? "traffic.observed" : "traffic.imported", subject, data, &seq, e);
	}
	json_decref(data);
	if (rc != 0)
		return -1;
	(*observed)++;
	(void)same;
	return 0;
}

int deploy_sync_end(struct store *st, struct deploy_sync *d, int64_t *observed, struct err *e)
{
	struct db_stmt *s;
	size_t i, j;

	*observed = 0;
	if (!store_in_transaction(st))
		return err_set(e, ERR_STORE, "deployments must be written inside a transaction");
	if (deploy_exec(st, "DELETE FROM deployments WHERE plugin = ?1", d->plugin, NULL, NULL, 0, 0, e) != 0 ||
	    store_prepare(st, &s,
			  "INSERT INTO deployments(plugin, target, model, version, mode, state, weight, share, sessions, observed)"
			  " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)",
			  e) != 0)
		return -1;
	for (i = 0; i < d->n; i++) {
		const struct deploy_row *r = &d->v[i];
		int rc;

		db_bind_text(s, 1, r->plugin, -1, DB_STATIC);
		db_bind_text(s, 2, r->target, -1, DB_STATIC);
		db_bind_text(s, 3, r->model, -1, DB_STATIC);
		db_bind_int64(s, 4, r->version);
		db_bind_text(s, 5, r->mode, -1, DB_STATIC);
		db_bind_text(s, 6, r->state, -1, DB_STATIC);
		db_bind_int64(s, 7, r->weight);
		db_bind_double(s, 8, r->share);
		db_bind_int64(s, 9, r->sessions);
		db_bind_int64(s, 10, store_now());
		rc = db_step(s);
		db_reset(s);
		if (rc != DB_DONE) {
			db_finalize(s);
			return store_fail(st, e, "writing deployments");
		}
	}
	db_finalize(s);
	for (i = 0; i < d->n; i++) {
		for (j = 0; j < i && strcmp(d->v[j].model, d->v[i].model) != 0; j++)
			;
		if (j == i && deploy_observe(st, d, d->v[i].model, observed, e) != 0)
			return -1;
	}
	return 0;
}

/* ---- reading ---- */

int deploy_list(struct store *st, const char *model, struct deploy_row **out, size_t *n, struct err *e)
{
	struct db_stmt *s;
	size_t cap = 0;
	int rc;

	*out = NULL;
	*n = 0;
	if (store_prepare(st, &s,
			  "SELECT plugin, target, model, version, mode, state, weight, share, sessions, observed FROM deployments"
			  " WHERE CAST(?1 AS TEXT) IS NULL OR model = ?1 ORDER BY model, mode, share DESC, version",
			  e) != 0)
		return -1;
	if (model != NULL)
		db_bind_text(s, 1, model, -1, DB_STATIC);
	while ((rc = db_step(s)) == DB_ROW) {
		struct deploy_row *x;

		if (*n == cap) {
			size_t nc = cap ? cap * 2 : 8;
			struct deploy_row *nv = realloc(*out, nc * sizeof *nv);

			if (nv == NULL) {
				db_finalize(s);
				free(*out);
				*out = NULL;
				*n = 0;
				return err_set(e, ERR_IO, "out of memory");
			}
			*out = nv;
			cap = nc;
		}
		x = &(*out)[(*n)++];
		memset(x, 0, sizeof *x);
		store_text_copy(x->plugin, sizeof x->plugin, s, 0);
		store_text_copy(x->target, sizeof x->target, s, 1);
		store_text_copy(x->model, sizeof x->model, s, 2);
		x->version = db_column_int64(s, 3);
		store_text_copy(x->mode, sizeof x->mode, s, 4);
		store_text_copy(x->state, sizeof x->state, s, 5);
		x->weight = db_column_int64(s, 6);
		x->share = db_column_double(s, 7);
		x->sessions = db_column_int64(s, 8);
		x->observed = db_column_int64(s, 9);
	}
	db_finalize(s);
	if (rc != DB_DONE) {
		free(*out);
		*out = NULL;
		*n = 0;
		return store_fail(st, e, "reading deployments");
	}
	return 0;
}

/* Unapproved when the newest traffic entry of a model is an observation
 * whose shares differ from the newest decision: derived from the ledger
 * each time, so no table a writer of the store file could clear says it. */
int deploy_unapproved_list(struct store *st, const char *model, struct deploy_unapproved **out, size_t *n,
			   struct err *e)
{
	struct db_stmt *s;
	int rc = DB_DONE;

	*out = NULL;
	*n = 0;
	if (store_prepare(st, &s,
			  "SELECT DISTINCT substr(subject, 9) FROM ledger WHERE action = 'traffic.observed' AND"
			  " (CAST(?1 AS TEXT) IS NULL OR subject = 'models:/' || ?1) ORDER BY 1",
			  e) != 0)
		return -1;
	if (model != NULL)
		db_bind_text(s, 1, model, -1, DB_STATIC);
	while ((rc = db_step(s)) == DB_ROW) {
		const char *m = (const char *)db_column_text(s, 0);
		struct deploy_decision dec;
		struct deploy_plan last;
		char action[32];
		int64_t seq, when;
		struct deploy_unapproved *nv, *x;

		if (deploy_newest_at(st, m, action, &last, &seq, &when, e) != 0 || deploy_decided(st, m, &dec, e) != 0)
			break;
		if (strcmp(action, "traffic.observed") != 0 || !dec.has || deploy_plan_same(&last, &dec.plan))
			continue;
		nv = realloc(*out, (*n + 1) * sizeof *nv);
		if (nv == NULL) {
			err_set(e, ERR_IO, "out of memory");
			break;
		}
		*out = nv;
		x = &nv[(*n)++];
		memset(x, 0, sizeof *x);
		snprintf(x->model, sizeof x->model, "%s", m);
		deploy_plan_text(&last, x->seen, sizeof x->seen);
		deploy_plan_text(&dec.plan, x->expected, sizeof x->expected);
		x->observed = when;
		x->seq = seq;
	}
	db_finalize(s);
	if (rc != DB_DONE) {
		free(*out);
		*out = NULL;
		*n = 0;
		return rc == DB_ROW ? -1 : store_fail(st, e, "reading the ledger");
	}
	return 0;
}

/* One signed deploy.traffic entry, checked: it hashes to its leaf, its
 * signer's key was active, and its body names the model it is filed under. */
static int deploy_read_decision(struct store *st, const struct proven_keyring *kr, struct db_stmt *s, const char *model,
				struct deploy_decision *d, struct err *e)
{
	json_t *j = NULL, *data;
	int r;

	memset(d, 0, sizeof *d);
	d->seq = db_column_int64(s, 0);
	r = proven_row(kr, d->seq, s, 1, &j, e);
	if (r != 0)
		return -1;
	(void)st;
	data = json_object_get(j, "data");
	if (!json_is_string(json_object_get(data, "model")) || strcmp(json_string_value(json_object_get(data, "model")), model) != 0 ||
	    !json_is_string(json_object_get(data, "kind")) || !json_is_string(json_object_get(data, "plugin")) ||
	    deploy_plan_from_json(json_object_get(data, "plan"), &d->plan) != 0) {
		json_decref(j);
		return err_set(e, ERR_DENIED, "ledger entry %" PRId64 " (deploy.traffic) is not a traffic plan for %s", d->seq, model);
	}
	d->has = 1;
	d->time = json_is_string(json_object_get(j, "time")) ? check_time_parse(json_string_value(json_object_get(j, "time"))) : -1;
	if (d->time < 0) {
		json_decref(j);
		return err_set(e, ERR_DENIED, "ledger entry %" PRId64 " (deploy.traffic) has no valid time", d->seq);
	}
	snprintf(d->kind, sizeof d->kind, "%s", json_string_value(json_object_get(data, "kind")));
	snprintf(d->plugin, sizeof d->plugin, "%s", json_string_value(json_object_get(data, "plugin")));
	snprintf(d->actor, sizeof d->actor, "%s", json_string_value(json_object_get(j, "actor")));
	json_decref(j);
	return 0;
}

/* Calls fn with each signed deploy.traffic decision of model, newest
 * first, until it returns non-zero; each is checked (deploy_read_decision). */
static int deploy_decisions(struct store *st, const char *model,
			    int (*fn)(void *arg, const struct deploy_decision *d), void *arg, struct err *e)
{
	const struct proven_keyring *kr;
	struct deploy_decision d;
	struct db_stmt *s;
	char subject[200];
	int rc;

	if (proven_keyring_load(st, &kr, e) != 0)
		return -1;
	snprintf(subject, sizeof subject, "models:/%s", model);
	if (store_stmt(st, &s,
			  "SELECT seq, body, leaf, sig FROM ledger WHERE subject = ?1 AND action || '' = 'deploy.traffic'"
			  " ORDER BY seq DESC",
			  e) != 0)
		return -1;
	db_bind_text(s, 1, subject, -1, DB_STATIC);
	while ((rc = db_step(s)) == DB_ROW) {
		if (deploy_read_decision(st, kr, s, model, &d, e) != 0) {
			store_stmt_done(st, s);
			return -1;
		}
		if (fn(arg, &d) != 0) {
			rc = DB_DONE;
			break;
		}
	}
	store_stmt_done(st, s);
	return rc == DB_DONE ? 0 : store_fail(st, e, "reading the ledger");
}

static int deploy_take_first(void *arg, const struct deploy_decision *d)
{
	*(struct deploy_decision *)arg = *d;
	return 1;
}

int deploy_decided(struct store *st, const char *model, struct deploy_decision *d, struct err *e)
{
	memset(d, 0, sizeof *d);
	return deploy_decisions(st, model, deploy_take_first, d, e);
}

static int64_t deploy_share_of(const struct deploy_plan *p, int64_t version)
{
	for (size_t i = 0; i < p->n; i++)
		if (p->v[i].version == version)
			return strcmp(p->v[i].state, "ready") == 0 ? p->v[i].share : 0;
	return 0;
}

struct deploy_soak {
	int64_t version, share;
	struct deploy_canary *c;
};

/* Newest first: the share now, then back to the decision that set it. */
static int deploy_soak_step(void *arg, const struct deploy_decision *d)
{
	struct deploy_soak *k = arg;
	int64_t v = deploy_share_of(&d->plan, k->version);

	if (k->share < 0) {
		if (v == 0)
			return 1;
		k->share = v;
		k->c->has = 1;
		k->c->share = (double)v;
	} else if (v != k->share) {
		return 1;
	}
	k->c->since = d->time;
	return 0;
}

int deploy_canary_of(struct store *st, const char *model, int64_t version, struct deploy_canary *c, struct err *e)
{
	struct deploy_soak k = { .version = version, .share = -1, .c = c };
	struct deploy_plan last;
	char action[32];
	int64_t share;

	memset(c, 0, sizeof *c);
	if (deploy_decisions(st, model, deploy_soak_step, &k, e) != 0)
		return -1;
	if (!c->has)
		return 0;
	share = k.share;
	/* The backend since showed something else: what was decided is not what serves. */
	if (deploy_newest(st, model, action, &last, e) != 0)
		return -1;
	if (strcmp(action, "traffic.observed") == 0 && deploy_share_of(&last, version) != share) {
		c->has = 0;
		snprintf(c->note, sizeof c->note, "the serving layer was seen giving version %" PRId64 " %" PRId64 "%%, not the %" PRId64 "%% decided",
			 version, deploy_share_of(&last, version), share);
	}
	return 0;
}

/* ---- plans for governed changes ---- */

static int deploy_has_version(const struct deploy_plan *p, int64_t version)
{
	for (size_t i = 0; i < p->n; i++)
		if (p->v[i].version == version)
			return 1;
	return 0;
}

int deploy_plan_for(struct store *st, const char *model, int64_t version, int64_t share, struct deploy_plan *p,
		    char plugin[65], struct err *e)
{
	struct deploy_decision dec;
	struct deploy_row *rows;
	struct deploy_plan now;
	size_t n, i;
	int64_t stable = 0, best = -1, prod;
	int has = 0;

	memset(p, 0, sizeof *p);
	if (share < 0 || share > 100)
		return err_set(e, ERR_INVALID, "a share of traffic is a percentage from 0 to 100, not %" PRId64, share);
	if (deploy_list(st, model, &rows, &n, e) != 0)
		return -1;
	plugin[0] = '\0';
	for (i = 0; i < n; i++)
		if (strcmp(rows[i].mode, "live") == 0) {
			if (plugin[0] == '\0')
				snprintf(plugin, 65, "%s", rows[i].plugin);
			else if (strcmp(plugin, rows[i].plugin) != 0) {
				free(rows);
				return err_set(e, ERR_INVALID, "%s is served through two deploy plugins (%s and %s); steward moves traffic through one",
					       model, plugin, rows[i].plugin);
			}
		}
	if (plugin[0] == '\0') {
		free(rows);
		return err_set(e, ERR_NOTFOUND,
			       "no deploy plugin has reported servers for %s: configure one (steward-plugins(7), haproxy) and run 'steward sync'",
			       model);
	}
	if (deploy_seen_plan(rows, n, model, &now) != 0) {
		free(rows);
		return err_set(e, ERR_INVALID, "%s has more than %d live versions", model, DEPLOY_MAX_VERSIONS);
	}
	free(rows);
	prod = registry_alias_version(st, model, "production", e);
	if (prod < 0)
		return -1;
	if (deploy_decided(st, model, &dec, e) != 0)
		return -1;
	for (i = 0; i < now.n; i++)
		has |= now.v[i].version == version;
	/* The stable version takes the rest: the one holding most of the
	 * traffic steward last decided (signed), else production, else most
	 * of what the last sync saw. The cache alone never picks it while a
	 * decision exists: a writer of the store file could aim it. */
	for (i = 0; i < dec.plan.n; i++)
		if (dec.plan.v[i].version != version && strcmp(dec.plan.v[i].state, "ready") == 0 &&
		    dec.plan.v[i].share > best && deploy_has_version(&now, dec.plan.v[i].version)) {
			best = dec.plan.v[i].share;
			stable = dec.plan.v[i].version;
		}
	for (i = 0; stable == 0 && i < now.n; i++)
		if (now.v[i].version == prod && prod != version)
			stable = prod;
	for (i = 0; stable == 0 && i < now.n; i++) {
		if (now.v[i].version == version)
			continue;
		if (now.v[i].share > best) {
			best = now.v[i].share;
			stable = now.v[i].version;
		}
	}
	if (stable != 0 && deploy_has_version(&now, stable) == 0)
		stable = 0;
	if (!has)
		return err_set(e, ERR_NOTFOUND, "no server of %s serves version %" PRId64 " (the last sync saw %zu live version%s)",
			       model, version, now.n, now.n == 1 ? "" : "s");
	if (share < 100 && stable == 0)
		return err_set(e, ERR_INVALID, "%s has no other live version to take the other %" PRId64 "%% of traffic", model,
			       100 - share);
	for (i = 0; i < now.n; i++) {
		int64_t v = now.v[i].version;
		int64_t s = v == version ? share : v == stable ? 100 - share : 0;

		if (deploy_plan_put(p, v, s, s > 0 ? "ready" : "drain") != 0)
			return err_set(e, ERR_INVALID, "too many versions");
	}
	deploy_plan_sort(p);
	return 0;
}

/* The traffic as the last sync saw it, for putting back after a failure. */
static int deploy_plan_now(struct store *st, const char *model, struct deploy_plan *p, struct err *e)
{
	struct deploy_row *rows;
	size_t n;
	int rc;

	if (deploy_list(st, model, &rows, &n, e) != 0)
		return -1;
	rc = deploy_seen_plan(rows, n, model, p);
	free(rows);
	return rc == 0 ? 0 : err_set(e, ERR_INVALID, "too many versions");
}

static int deploy_carry_out(const struct gate_backend *be, const char *plugin, const char *model,
			    const struct deploy_plan *p, struct err *e)
{
	char err[600] = "", text[300];

	deploy_plan_text(p, text, sizeof text);
	if (be == NULL || be->set_traffic == NULL)
		return err_set(e, ERR_INVALID, "no serving layer is reachable from here to apply %s to %s", text, model);
	if (be->set_traffic(be->arg, plugin, model, p->v, p->n, err, sizeof err) != 0)
		return err_set(e, ERR_IO, "the serving layer (%s) refused %s for %s: %s", plugin, text, model,
			       err[0] ? err : "no reason given");
	return 0;
}

void deploy_put_back(const struct gate_backend *be, const char *plugin, const char *model,
			    const struct deploy_plan *undo, struct err *e)
{
	struct err ig;
	char text[300];

	if (undo->n == 0)
		return;
	deploy_plan_text(undo, text, sizeof text);
	if (deploy_carry_out(be, plugin, model, undo, &ig) == 0)
		err_prefix(e, "traffic was put back as it was (%s)", text);
	else
		err_prefix(e, "traffic could NOT be put back to %s (%s); it stays as the plan set it", text, ig.msg);
}

static int deploy_record(struct store *st, const struct principal *who, const char *kind, const char *model,
			 int64_t version, const struct deploy_plan *p, const char *plugin, const char *reason,
			 json_t *gate, int64_t cause, int64_t *seq, struct err *e)
{
	char subject[200];
	json_t *data;
	int rc;

	data = json_pack("{s:s, s:s, s:I, s:o, s:s, s:s, s:o, s:o}", "model", model, "kind", kind, "version",
			 (json_int_t)version, "plan", deploy_plan_json(p), "plugin", plugin, "reason", reason ? reason : "",
			 "gate", gate != NULL ? gate : json_null(), "cause", cause ? json_integer(cause) : json_null());
	if (data == NULL)
		return err_set(e, ERR_IO, "out of memory");
	snprintf(subject, sizeof subject, "models:/%s", model);
	rc = ledger_append_act(st, who->key, who->name, "deploy.traffic", subject, data, seq, e);
	json_decref(data);
	return rc;
}

const char *deploy_kind_name(enum deploy_kind k)
{
	return k == DEPLOY_CANARY ? "canary" : k == DEPLOY_SHIFT ? "shift" : k == DEPLOY_FULL ? "full" : "?";
}

/* The open promotion request of version to stage, 0 none. */
static int64_t deploy_open_request(struct store *st, const char *model, int64_t version, const char *stage,
				   struct err *e)
{
	struct db_stmt *s;
	int64_t id = 0;
	int rc;

	if (store_prepare(st, &s,
			  "SELECT r.id FROM requests r JOIN versions v ON v.id = r.version_id JOIN models m ON m.id = v.model_id"
			  " WHERE m.name = ?1 AND v.version = ?2 AND r.to_stage = ?3 AND r.state = 'open' AND r.kind = 'promotion'"
			  " ORDER BY r.id DESC LIMIT 1",
			  e) != 0)
		return -1;
	db_bind_text(s, 1, model, -1, DB_STATIC);
	db_bind_int64(s, 2, version);
	db_bind_text(s, 3, stage, -1, DB_STATIC);
	rc = db_step(s);
	if (rc == DB_ROW)
		id = db_column_int64(s, 0);
	db_finalize(s);
	return rc == DB_ROW || rc == DB_DONE ? id : store_fail(st, e, "reading requests");
}

int deploy_apply(struct store *st, const struct principal *who, enum deploy_kind kind, const char *model,
		 int64_t version, int64_t share, const char *reason, const struct gate_backend *be, struct gate *g,
		 int64_t *seq, struct err *e)
{
	const char *stage = kind == DEPLOY_CANARY ? "canary" : "production";
	struct deploy_plan plan, undo;
	char plugin[65];
	int64_t request = 0, cause = 0;
	json_t *rec = NULL;
	int rc, promoted = 0;

	memset(g, 0, sizeof *g);
	*seq = 0;
	if (!store_in_transaction(st))
		return err_set(e, ERR_STORE, "traffic changes must run inside a transaction");
	if (check_text("reason", reason ? reason : "", 1000, 0, 1, e) != 0)
		return -1;
	if (kind == DEPLOY_FULL)
		share = 100;
	if (kind == DEPLOY_CANARY && (share < 1 || share > 50))
		return err_set(e, ERR_INVALID, "a canary takes from 1 to 50 percent of traffic, not %" PRId64 " (more is a shift)", share);
	/* The gate first: a refused change learns nothing about the servers. */
	if (kind == DEPLOY_SHIFT) {
		rc = gate_evaluate_shift(st, who, model, version, g, e);
		if (rc != 0)
			return rc;
	} else {
		request = deploy_open_request(st, model, version, stage, e);
		if (request < 0)
			return -1;
		if (kind == DEPLOY_CANARY && request == 0) {
			snprintf(g->model, sizeof g->model, "%s", model);
			g->version = version;
			snprintf(g->refusal, sizeof g->refusal,
				 "a canary is a stage: version %" PRId64 " of %s needs an open request to canary, approved as the"
				 " policy asks ('steward promote request %s %" PRId64 " --to canary'); deploy canary applies it with the traffic",
				 version, model, model, version);
			return 1;
		}
		if (kind == DEPLOY_FULL && request == 0) {
			int64_t at = registry_alias_version(st, model, "production", e);

			if (at < 0)
				return -1;
			promoted = at == version ? gate_was_promoted(st, model, "production", version, e) : 0;
			if (promoted < 0)
				return -1;
			if (!promoted) {
				snprintf(g->model, sizeof g->model, "%s", model);
				g->version = version;
				snprintf(g->refusal, sizeof g->refusal,
					 "full traffic needs the production gate: version %" PRId64 " of %s is not production by a governed"
					 " promotion and has no open request to production ('steward promote request %s %" PRId64 " --to production')",
					 version, model, model, version);
				return 1;
			}
		} else {
			if (gate_evaluate(st, model, version, stage, request, g, e) != 0)
				return -1;
			if (g->refusal[0] != '\0' || !g->allow)
				return 1;
		}
	}
	if (deploy_plan_for(st, model, version, share, &plan, plugin, e) != 0 || deploy_plan_now(st, model, &undo, e) != 0)
		return -1;
	/* Traffic first: it is what the change is for; the alias follows. */
	if (deploy_carry_out(be, plugin, model, &plan, e) != 0)
		return -1;
	if (request != 0) {
		struct gate ga;

		rc = gate_apply(st, who, request, be, &ga, &cause, e);
		if (rc != 0) {
			if (rc > 0)
				err_set(e, ERR_DENIED, "the gate refused request %" PRId64 " when applied: %s", request,
					ga.refusal[0] ? ga.refusal : "a rule failed");
			gate_free(&ga);
			deploy_put_back(be, plugin, model, &undo, e);
			return -1;
		}
		gate_free(&ga);
	} else if (!promoted) {
		rec = gate_record(g);
		if (rec == NULL) {
			deploy_put_back(be, plugin, model, &undo, e);
			return err_set(e, ERR_IO, "out of memory");
		}
	}
	if (deploy_record(st, who, deploy_kind_name(kind), model, version, &plan, plugin, reason, rec, cause, seq, e) != 0) {
		deploy_put_back(be, plugin, model, &undo, e);
		return -1;
	}
	return 0;
}

int deploy_rollback_traffic(struct store *st, const struct principal *who, const char *model, int64_t to,
			    const char *reason, const struct gate_backend *be, int64_t *seq, struct deploy_plan *undo,
			    char plugin[65], struct err *e)
{
	struct deploy_plan plan;
	struct deploy_row *rows;
	size_t n, i;
	int live = 0;

	*seq = 0;
	memset(undo, 0, sizeof *undo);
	plugin[0] = '\0';
	if (deploy_list(st, model, &rows, &n, e) != 0)
		return -1;
	for (i = 0; i < n; i++)
		live |= strcmp(rows[i].mode, "live") == 0;
	free(rows);
	if (!live)
		return 0;
	if (deploy_plan_for(st, model, to, 100, &plan, plugin, e) != 0 || deploy_plan_now(st, model, undo, e) != 0)
		return err_prefix(e, "returning traffic to version %" PRId64, to);
	if (deploy_carry_out(be, plugin, model, &plan, e) != 0)
		return -1;
	if (deploy_record(st, who, "rollback", model, to, &plan, plugin, reason, NULL, 0, seq, e) != 0) {
		deploy_put_back(be, plugin, model, undo, e);
		return -1;
	}
	return 0;
}
