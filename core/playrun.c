/* playrun: a playbook run step by step: checks over signed monitoring, governed actions through the core, one signed playbook.step entry per step, resumable where it stopped. */
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "deploy.h"
#include "gate.h"
#include "incident.h"
#include "ledger.h"
#include "monitor.h"
#include "playrun.h"
#include "proven.h"
#include "record.h"
#include "registry.h"

/* ---- the run's row ---- */

static int playrun_row(struct db_stmt *s, struct playrun_info *r)
{
	memset(r, 0, sizeof *r);
	r->id = db_column_int64(s, 0);
	store_text_copy(r->playbook, sizeof r->playbook, s, 1);
	store_text_copy(r->digest, sizeof r->digest, s, 2);
	store_text_copy(r->model, sizeof r->model, s, 3);
	store_text_copy(r->alert, sizeof r->alert, s, 4);
	store_text_copy(r->actor, sizeof r->actor, s, 5);
	r->started = db_column_int64(s, 6);
	store_text_copy(r->state, sizeof r->state, s, 7);
	r->next = (size_t)db_column_int64(s, 8);
	r->nsteps = (size_t)db_column_int64(s, 9);
	r->incident = db_column_int64(s, 10);
	r->seq = db_column_int64(s, 11);
	r->version = db_column_int64(s, 12);
	return 0;
}

#define PLAYRUN_COLS "id, playbook, digest, model, alert, actor, started, state, next_step, nsteps, incident, seq, version"

static int playrun_load(struct store *st, int64_t run, struct playrun_info *r, struct err *e)
{
	struct db_stmt *s;
	int rc;

	if (store_prepare(st, &s, "SELECT " PLAYRUN_COLS " FROM playbook_runs WHERE id = ?1", e) != 0)
		return -1;
	db_bind_int64(s, 1, run);
	rc = db_step(s);
	if (rc == DB_ROW)
		playrun_row(s, r);
	db_finalize(s);
	if (rc == DB_DONE)
		return err_set(e, ERR_NOTFOUND, "no playbook run %" PRId64, run);
	return rc == DB_ROW ? 0 : store_fail(st, e, "reading playbook runs");
}

/* The run as its signed entries tell it: playbook.start at the row's seq
 * naming the same run, playbook and digest, then each playbook.step and
 * playbook.abandon of the run in order. A row that says otherwise (a step
 * skipped, a stopped run marked done) was changed outside steward: the
 * run is refused rather than resumed from a forged place. */
static int playrun_proven(struct store *st, const struct playrun_info *r, struct err *e)
{
	const struct proven_keyring *kr;
	struct db_stmt *s;
	char subject[200], state[16] = "running";
	size_t next = 0;
	int rc, started = 0;

	if (proven_keyring_load(st, &kr, e) != 0)
		return -1;
	snprintf(subject, sizeof subject, "models:/%s", r->model);
	if (store_prepare(st, &s,
			  "SELECT seq, body, leaf, sig, action FROM ledger WHERE subject = ?1 AND"
			  " action || '' IN ('playbook.start', 'playbook.step', 'playbook.abandon') AND seq >= ?2 ORDER BY seq",
			  e) != 0)
		return -1;
	db_bind_text(s, 1, subject, -1, DB_STATIC);
	db_bind_int64(s, 2, r->seq);
	while ((rc = db_step(s)) == DB_ROW) {
		int64_t seq = db_column_int64(s, 0);
		char action[32];
		json_t *j = NULL, *data;

		store_text_copy(action, sizeof action, s, 4);
		if (proven_row(kr, seq, s, 1, &j, e) != 0) {
			db_finalize(s);
			return -1;
		}
		data = json_object_get(j, "data");
		if (json_integer_value(json_object_get(data, "run")) != r->id) {
			json_decref(j);
			continue;
		}
		if (strcmp(action, "playbook.start") == 0) {
			started = seq == r->seq && json_integer_value(json_object_get(data, "version")) == r->version &&
				  json_is_string(json_object_get(data, "digest")) &&
				  strcmp(json_string_value(json_object_get(data, "digest")), r->digest) == 0 &&
				  json_is_string(json_object_get(data, "playbook")) &&
				  strcmp(json_string_value(json_object_get(data, "playbook")), r->playbook) == 0;
		} else if (strcmp(action, "playbook.abandon") == 0) {
			snprintf(state, sizeof state, "abandoned");
		} else {
			const char *st8 = json_string_value(json_object_get(data, "state"));
			json_int_t idx = json_integer_value(json_object_get(data, "step"));

			if (st8 != NULL && strcmp(st8, "done") == 0 && idx == (json_int_t)next) {
				next++;
				snprintf(state, sizeof state, "%s", next >= r->nsteps ? "done" : "running");
			} else if (st8 != NULL && strcmp(st8, "done") != 0 && idx == (json_int_t)next) {
				snprintf(state, sizeof state, "stopped");
			} else {
				started = 0; /* a step out of order: not a run steward made */
			}
		}
		json_decref(j);
	}
	db_finalize(s);
	if (rc != DB_DONE)
		return store_fail(st, e, "reading the ledger");
	if (!started || next != r->next || strcmp(state, r->state) != 0)
		return err_set(e, ERR_DENIED,
			       "playbook run %" PRId64 ": its row says %s at step %zu, but the signed ledger says %s at step %zu"
			       " (the store was changed outside steward); start a new run with --new",
			       r->id, r->state, r->next + 1, started ? state : "no such run", next + 1);
	return 0;
}

static int playrun_exec(struct store *st, const char *sql, const char *t1, int64_t i2, int64_t i3, int64_t i4,
			struct err *e)
{
	struct db_stmt *s;
	int rc;

	if (store_prepare(st, &s, sql, e) != 0)
		return -1;
	if (t1 != NULL)
		db_bind_text(s, 1, t1, -1, DB_STATIC);
	db_bind_int64(s, 2, i2);
	db_bind_int64(s, 3, i3);
	db_bind_int64(s, 4, i4);
	rc = db_step(s);
	db_finalize(s);
	return rc == DB_DONE ? 0 : store_fail(st, e, "writing playbook runs");
}

/* ---- begin ---- */

static int playrun_abandon(struct store *st, const struct principal *who, const struct playrun_info *old,
			   struct err *e)
{
	char subject[200];
	json_t *data = json_pack("{s:I, s:s, s:s, s:I}", "run", (json_int_t)old->id, "playbook", old->playbook, "model",
				 old->model, "at_step", (json_int_t)old->next);
	int64_t seq;
	int rc;

	if (data == NULL)
		return err_set(e, ERR_IO, "out of memory");
	snprintf(subject, sizeof subject, "models:/%s", old->model);
	rc = ledger_append_act(st, who->key, who->name, "playbook.abandon", subject, data, &seq, e);
	json_decref(data);
	if (rc != 0)
		return -1;
	return playrun_exec(st, "UPDATE playbook_runs SET state = 'abandoned' WHERE id = ?2", NULL, old->id, 0, 0, e);
}

int playrun_begin(struct store *st, const struct principal *who, const struct playbook *pb, const char *model,
		  const char *alert, int fresh, int64_t *run, int *resumed, struct err *e)
{
	struct playrun_info old;
	struct db_stmt *s;
	json_t *data = NULL, *steps;
	char subject[200];
	int64_t id = 0, seq, prod;
	int rc, found = 0;
	size_t i;

	*run = 0;
	*resumed = 0;
	if (pb->digest[0] == '\0')
		return err_set(e, ERR_INVALID, "playbook %s was not loaded from a file", pb->name);
	prod = registry_alias_version(st, model, "production", e);
	if (prod < 0)
		return -1;
	if (store_begin(st, e) != 0)
		return -1;
	if (store_prepare(st, &s,
			  "SELECT " PLAYRUN_COLS " FROM playbook_runs WHERE playbook = ?1 AND model = ?2 AND"
			  " state IN ('running', 'stopped') ORDER BY id DESC LIMIT 1",
			  e) != 0)
		goto fail;
	db_bind_text(s, 1, pb->name, -1, DB_STATIC);
	db_bind_text(s, 2, model, -1, DB_STATIC);
	rc = db_step(s);
	if (rc == DB_ROW) {
		playrun_row(s, &old);
		found = 1;
	}
	db_finalize(s);
	if (rc != DB_ROW && rc != DB_DONE) {
		store_fail(st, e, "reading playbook runs");
		goto fail;
	}
	if (found && !fresh) {
		if (strcmp(old.digest, pb->digest) != 0) {
			err_set(e, ERR_DENIED,
				"run %" PRId64 " of %s on %s stopped at step %zu, but the playbook changed since (%s then, %s now):"
				" start a new run with --new, which abandons it",
				old.id, pb->name, model, old.next + 1, old.digest, pb->digest);
			goto fail;
		}
		if (playrun_proven(st, &old, e) != 0)
			goto fail;
		store_rollback(st);
		*run = old.id;
		*resumed = 1;
		return 0;
	}
	if (found && playrun_abandon(st, who, &old, e) != 0)
		goto fail;
	if (store_prepare(st, &s, "SELECT coalesce(max(id), 0) + 1 FROM playbook_runs", e) != 0)
		goto fail;
	if (db_step(s) == DB_ROW)
		id = db_column_int64(s, 0);
	db_finalize(s);
	steps = json_array();
	for (i = 0; steps != NULL && i < pb->nsteps; i++)
		if (json_array_append_new(steps, json_pack("{s:s, s:s}", "name", pb->steps[i].name, "kind",
							   playbook_kind_name(pb->steps[i].kind))) != 0) {
			json_decref(steps);
			steps = NULL;
		}
	if (steps != NULL)
		data = json_pack("{s:I, s:s, s:s, s:s, s:I, s:s, s:o}", "run", (json_int_t)id, "playbook", pb->name, "digest",
				 pb->digest, "model", model, "version", (json_int_t)prod, "alert", alert ? alert : "", "steps", steps);
	if (data == NULL) {
		err_set(e, ERR_IO, "out of memory");
		goto fail;
	}
	snprintf(subject, sizeof subject, "models:/%s", model);
	rc = ledger_append_act(st, who->key, who->name, "playbook.start", subject, data, &seq, e);
	json_decref(data);
	if (rc != 0)
		goto fail;
	if (store_prepare(st, &s,
			  "INSERT INTO playbook_runs(id, playbook, digest, model, alert, actor, started, state, next_step, nsteps, seq, version)"
			  " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, 'running', 0, ?8, ?9, ?10)",
			  e) != 0)
		goto fail;
	db_bind_int64(s, 1, id);
	db_bind_text(s, 2, pb->name, -1, DB_STATIC);
	db_bind_text(s, 3, pb->digest, -1, DB_STATIC);
	db_bind_text(s, 4, model, -1, DB_STATIC);
	db_bind_text(s, 5, alert ? alert : "", -1, DB_STATIC);
	db_bind_text(s, 6, who->name, -1, DB_STATIC);
	db_bind_int64(s, 7, store_now());
	db_bind_int64(s, 8, (int64_t)pb->nsteps);
	db_bind_int64(s, 9, seq);
	db_bind_int64(s, 10, prod);
	rc = db_step(s);
	db_finalize(s);
	if (rc != DB_DONE) {
		store_fail(st, e, "recording the playbook run");
		goto fail;
	}
	if (store_commit(st, e) != 0)
		goto fail;
	*run = id;
	return 0;
fail:
	store_rollback(st);
	return -1;
}

/* ---- what a step works on ---- */

struct playrun_ctx {
	struct playrun_info run;
	const struct playbook *pb;
	const struct playbook_step *s;
	char version[32];  /* the production version, "-" when none */
	int64_t prod;
	char alert[129];
	char severity[16];
	struct playbook_vars vars;
};

static int playrun_ctx_load(struct store *st, const struct playbook *pb, int64_t run, size_t idx, struct playrun_ctx *c,
			    struct err *e)
{
	memset(c, 0, sizeof *c);
	if (playrun_load(st, run, &c->run, e) != 0)
		return -1;
	if (strcmp(c->run.playbook, pb->name) != 0 || strcmp(c->run.digest, pb->digest) != 0)
		return err_set(e, ERR_DENIED, "run %" PRId64 " follows %s %s, not the playbook file given (%s %s)", run,
			       c->run.playbook, c->run.digest, pb->name, pb->digest);
	if (idx >= pb->nsteps)
		return err_set(e, ERR_NOTFOUND, "playbook %s has %zu steps", pb->name, pb->nsteps);
	c->pb = pb;
	c->s = &pb->steps[idx];
	c->prod = registry_alias_version(st, c->run.model, "production", e);
	if (c->prod < 0)
		return -1;
	/* {version} is what served when the run began, so a note after the rollback still names it. */
	snprintf(c->version, sizeof c->version, c->run.version ? "%" PRId64 : "-", c->run.version);
	snprintf(c->alert, sizeof c->alert, "%s", c->run.alert[0] ? c->run.alert : pb->alert);
	{
		struct monitor_alert *a;
		size_t n, i;

		if (monitor_alerts_list(st, &a, &n, e) != 0)
			return -1;
		for (i = 0; i < n; i++)
			if (strcmp(a[i].model, c->run.model) == 0 && strcmp(a[i].name, c->alert) == 0) {
				snprintf(c->severity, sizeof c->severity, "%s", a[i].severity);
				break;
			}
		monitor_alerts_free(a);
	}
	c->vars.model = c->run.model;
	c->vars.version = c->run.version ? c->version : NULL;
	c->vars.alert = c->alert;
	c->vars.severity = c->severity[0] ? c->severity : NULL;
	c->vars.playbook = pb->name;
	return 0;
}

/* The version a shift step names: previous is the known-safe baseline of production. */
static int64_t playrun_shift_version(struct store *st, const struct playrun_ctx *c, struct err *e)
{
	struct record_moves mv;
	int64_t v;

	if (c->s->version > 0)
		return c->s->version;
	if (strcmp(c->s->a, "current") == 0)
		return c->prod;
	if (record_alias_history(st, c->run.model, "production", &mv, e) != 0)
		return -1;
	v = record_baseline(&mv, c->prod);
	record_moves_free(&mv);
	return v;
}

static int playrun_describe_at(struct store *st, const struct playrun_ctx *c, char *out, size_t n, struct err *e)
{
	char base[700], text[700], plan[300] = "", plugin[65];
	struct deploy_plan p;
	struct err ig;

	playbook_describe(c->s, &c->vars, base, sizeof base);
	if (c->s->kind == PB_ROLLBACK || c->s->kind == PB_SHIFT) {
		int64_t to;

		if (c->s->kind == PB_ROLLBACK) {
			struct record_moves mv;

			if (record_alias_history(st, c->run.model, c->s->a, &mv, e) != 0)
				return -1;
			to = record_baseline(&mv, registry_alias_version(st, c->run.model, c->s->a, &ig));
			record_moves_free(&mv);
		} else {
			to = playrun_shift_version(st, c, e);
			if (to < 0)
				return -1;
		}
		err_clear(&ig);
		if (to > 0 && deploy_plan_for(st, c->run.model, to, c->s->kind == PB_ROLLBACK ? 100 : c->s->share, &p, plugin,
					      &ig) == 0) {
			deploy_plan_text(&p, text, sizeof text);
			snprintf(plan, sizeof plan, "; live traffic %.200s through %.64s", text, plugin);
		} else if (to > 0 && ig.kind != ERR_NOTFOUND) {
			snprintf(plan, sizeof plan, "; traffic: %.250s", ig.msg);
		}
		if (to > 0)
			snprintf(out, n, "%s (to version %" PRId64 ")%s", base, to, plan);
		else
			snprintf(out, n, "%s (no known-safe version to go to)", base);
		return 0;
	}
	if (c->s->kind == PB_SILENCE || c->s->kind == PB_CHECK_FIRING)
		snprintf(out, n, "%s (alert %s of %s)", base, c->s->kind == PB_CHECK_FIRING && c->s->a[0] ? c->s->a : c->alert,
			 c->run.model);
	else
		snprintf(out, n, "%s", base);
	return 0;
}

int playrun_preview(struct store *st, const struct playbook *pb, int64_t run, size_t idx, char *out, size_t n,
		    struct err *e)
{
	struct playrun_ctx c;

	if (playrun_ctx_load(st, pb, run, idx, &c, e) != 0)
		return -1;
	return playrun_describe_at(st, &c, out, n, e);
}

/* ---- checks ---- */

static int playrun_check(struct store *st, const struct playrun_ctx *c, char *msg, size_t n, struct err *e)
{
	const struct playbook_step *s = c->s;
	struct monitor_evidence me;
	const char *want = s->kind == PB_CHECK_FIRING && s->a[0] ? s->a : c->alert;
	size_t i;

	if (c->prod == 0) {
		snprintf(msg, n, "%s has no production version to check", c->run.model);
		return 0;
	}
	if (monitor_gate_evidence(st, c->run.model, c->prod, store_now(), &me, e) != 0)
		return -1;
	if (s->kind == PB_CHECK_FIRING) {
		if (!me.has_alerts) {
			snprintf(msg, n, "no signed alert observation of %s to check (%s)", c->run.model,
				 me.alerts_why[0] ? me.alerts_why : "a sync with --key signs what the alert sources show");
			return 0;
		}
		for (i = 0; i < me.nalerts; i++)
			if (strcmp(me.alerts[i].name, want) == 0) {
				snprintf(msg, n, "%s is firing for %s (observed by %s)", want, c->run.model, me.alerts_signer);
				return 1;
			}
		snprintf(msg, n, "%s is not firing for %s (observed by %s)", want, c->run.model, me.alerts_signer);
		return 0;
	}
	if (!me.has_monitor) {
		snprintf(msg, n, "no signed monitoring observation of %s v%" PRId64 " to check (%s)", c->run.model, c->prod,
			 me.why[0] ? me.why : "a sync with --key signs what the metric sources show");
		return 0;
	}
	{
		int drift = s->kind == PB_CHECK_DRIFT, any = drift && strcmp(s->a, "any") == 0, seen = 0, hold = 0;
		double worst = NAN;
		size_t nv = drift ? me.ndrift : me.nlive;

		for (i = 0; i < nv; i++) {
			const char *name = drift ? me.drift[i].name : me.live[i].name;
			double v = drift ? me.drift[i].value : me.live[i].value;

			if (!any && strcmp(name, s->a) != 0)
				continue;
			seen = 1;
			if (isnan(worst) || v > worst)
				worst = v;
			if (policy_compare(v, s->op, s->value))
				hold = 1;
		}
		if (!seen) {
			snprintf(msg, n, "no %s %s for %s v%" PRId64 " in the signed observation", drift ? "drift of" : "live",
				 s->a, c->run.model, c->prod);
			return 0;
		}
		snprintf(msg, n, "%s %s of %s v%" PRId64 " is %.4g, %s %s %.4g", drift ? "drift" : "live", s->a, c->run.model,
			 c->prod, worst, hold ? "holds" : "does not hold", policy_op_text(s->op), s->value);
		return hold;
	}
}

/* ---- actions ---- */

enum { PR_DONE, PR_FAILED, PR_REFUSED, PR_ERROR };
static const char *const playrun_states[] = { "done", "failed", "refused", "error" };

static int playrun_expand(const struct playrun_ctx *c, char *out, size_t n)
{
	if (playbook_expand(c->s->text, &c->vars, out, n) != 0)
		snprintf(out, n, "%s", c->s->text);
	return 0;
}

/* The gate's refusal in one line: its reason, or the rules that did not pass. */
static void playrun_gate_why(const struct gate *g, char *out, size_t n)
{
	size_t used, i;
	int w;

	if (g->refusal[0] != '\0') {
		snprintf(out, n, "%.590s", g->refusal);
		return;
	}
	w = snprintf(out, n, "policy %s denies:", g->policy_name);
	used = w > 0 && (size_t)w < n ? (size_t)w : 0;
	for (i = 0; i < g->nres; i++)
		if (g->res[i].status != RULE_PASS) {
			w = snprintf(out + used, n - used, " %s %s (%s)", g->res[i].rule->name,
				     policy_status_name(g->res[i].status), g->res[i].reason);
			if (w < 0 || (size_t)w >= n - used)
				break;
			used += (size_t)w;
		}
}

/* Runs an action inside the caller's transaction (all but silence): its
 * outcome in *state and msg; -1 only for errors that leave nothing to record. */
static int playrun_act(struct store *st, const struct principal *who, struct plugin_backend *be, struct playrun_ctx *c,
		       int *state, char *msg, size_t n, int64_t *act_seq, struct err *e)
{
	const struct playbook_step *s = c->s;
	char text[700];
	struct gate g;
	int rc;

	*act_seq = 0;
	playrun_expand(c, text, sizeof text);
	switch (s->kind) {
	case PB_INCIDENT_OPEN: {
		int64_t id = incident_open_for(st, c->run.model, e);

		if (id < 0)
			return -1;
		if (id > 0) {
			char note[700];

			snprintf(note, sizeof note, "joined by playbook %s (run %" PRId64 "): %.500s", c->pb->name, c->run.id, text);
			if (incident_note(st, who, id, "step", note, e) != 0)
				return -1;
			snprintf(msg, n, "incident %" PRId64 " of %s was already open: joined it", id, c->run.model);
		} else {
			if (incident_open(st, who, c->run.model, s->a, text, c->alert, &id, e) != 0)
				return -1;
			snprintf(msg, n, "opened incident %" PRId64 " (%s): %.400s", id, s->a, text);
		}
		c->run.incident = id;
		*state = PR_DONE;
		return playrun_exec(st, "UPDATE playbook_runs SET incident = ?2 WHERE id = ?3", NULL, id, c->run.id, 0, e);
	}
	case PB_INCIDENT_NOTE:
	case PB_INCIDENT_RESOLVE:
	case PB_ANNOTATE: {
		int64_t id = c->run.incident ? c->run.incident : incident_open_for(st, c->run.model, e);

		if (id < 0)
			return -1;
		if (id == 0 && s->kind != PB_ANNOTATE) {
			*state = PR_FAILED;
			snprintf(msg, n, "%s has no open incident to %s", c->run.model,
				 s->kind == PB_INCIDENT_NOTE ? "note on" : "resolve");
			return 0;
		}
		if (s->kind == PB_INCIDENT_RESOLVE)
			rc = incident_resolve(st, who, id, text, e);
		else if (id != 0)
			rc = incident_note(st, who, id, s->kind == PB_ANNOTATE ? "note" : "step", text, e);
		else
			rc = 0;
		if (rc != 0) {
			*state = PR_FAILED;
			snprintf(msg, n, "%s", e->msg);
			err_clear(e);
			return 0;
		}
		*state = PR_DONE;
		if (s->kind == PB_INCIDENT_RESOLVE)
			snprintf(msg, n, "resolved incident %" PRId64 ": %.400s", id, text);
		else if (id != 0)
			snprintf(msg, n, "noted on incident %" PRId64 ": %.400s", id, text);
		else
			snprintf(msg, n, "noted: %.500s", text);
		return 0;
	}
	case PB_ROLLBACK: {
		int64_t review = 0;

		rc = gate_rollback(st, who, c->run.model, s->a, 0, text, &be->gb, &g, &review, e);
		if (rc == 0) {
			*state = PR_DONE;
			snprintf(msg, n, "rolled %s of %s back to version %" PRId64 "%s%s", s->a, c->run.model, g.version,
				 g.traffic_seq ? "; live traffic all on it" : "", review ? "; post-incident review opened" : "");
			*act_seq = ledger_size(st);
		} else if (rc == 1) {
			*state = PR_REFUSED;
			playrun_gate_why(&g, msg, n);
		} else {
			/* No baseline to return to is the estate's answer, not a failure of steward's. */
			*state = e->kind == ERR_NOTFOUND || e->kind == ERR_DENIED || e->kind == ERR_EXISTS ? PR_REFUSED : PR_ERROR;
			snprintf(msg, n, "%s", e->msg);
		}
		gate_free(&g);
		return rc < 0 ? 1 : 0;
	}
	case PB_SHIFT: {
		int64_t to = playrun_shift_version(st, c, e), seq = 0;

		if (to < 0)
			return -1;
		if (to == 0) {
			*state = PR_FAILED;
			snprintf(msg, n, "%s has no %s version to shift traffic to", c->run.model, s->a);
			return 0;
		}
		rc = deploy_apply(st, who, DEPLOY_SHIFT, c->run.model, to, s->share, text, &be->gb, &g, &seq, e);
		if (rc == 0) {
			*state = PR_DONE;
			snprintf(msg, n, "version %" PRId64 " of %s now takes %" PRId64 "%% of live traffic", to, c->run.model,
				 s->share);
			*act_seq = seq;
		} else if (rc == 1) {
			*state = PR_REFUSED;
			playrun_gate_why(&g, msg, n);
		} else {
			*state = e->kind == ERR_NOTFOUND || e->kind == ERR_DENIED || e->kind == ERR_EXISTS ? PR_REFUSED : PR_ERROR;
			snprintf(msg, n, "%s", e->msg);
		}
		gate_free(&g);
		return rc < 0 ? 1 : 0;
	}
	default:
		return err_set(e, ERR_INVALID, "step %s: not an action", s->name);
	}
}

/* Silences the triggering alert: outside any transaction, as core/monitor.c wants. */
static int playrun_silence(struct store *st, const struct principal *who, struct plugin_backend *be,
			   const struct playrun_ctx *c, int *state, char *msg, size_t n, struct err *e)
{
	struct monitor_alert *a;
	struct plugin_instance *in;
	char fp[65] = "", plugin[65] = "", text[700], id[128] = "", err[600] = "";
	size_t na, i;

	if (monitor_alerts_list(st, &a, &na, e) != 0)
		return -1;
	for (i = 0; i < na; i++)
		if (strcmp(a[i].model, c->run.model) == 0 && strcmp(a[i].name, c->alert) == 0 &&
		    strcmp(a[i].state, "active") == 0) {
			snprintf(fp, sizeof fp, "%s", a[i].fingerprint);
			snprintf(plugin, sizeof plugin, "%s", a[i].plugin);
			break;
		}
	monitor_alerts_free(a);
	if (fp[0] == '\0') {
		*state = PR_FAILED;
		snprintf(msg, n, "%s is not firing unsilenced for %s: nothing to silence", c->alert, c->run.model);
		return 0;
	}
	in = plugin_backend_instance(be, plugin, err, sizeof err);
	if (in == NULL) {
		*state = PR_ERROR;
		snprintf(msg, n, "silencing %.100s: %.450s", c->alert, err);
		return 0;
	}
	playrun_expand(c, text, sizeof text);
	if (monitor_silence_alert(st, who, plugin, fp, c->s->duration, text, plugin_act_call, in, id, sizeof id, e) != 0) {
		*state = PR_ERROR;
		snprintf(msg, n, "%s", e->msg);
		err_clear(e);
		return 0;
	}
	*state = PR_DONE;
	snprintf(msg, n, "silenced %s of %s for %" PRId64 "s in %s: silence %s", c->alert, c->run.model, c->s->duration,
		 plugin, id);
	return 0;
}

/* The step's own entry and rows, inside the caller's transaction. */
static int playrun_record(struct store *st, const struct principal *who, const struct playrun_ctx *c, size_t idx,
			  int state, const char *confirmed, const char *msg, int64_t act_seq, struct playrun_step *out,
			  struct err *e)
{
	char subject[200];
	json_t *data;
	struct db_stmt *s;
	int64_t seq;
	int rc, last = idx + 1 >= c->pb->nsteps;

	data = json_pack("{s:I, s:s, s:I, s:s, s:s, s:s, s:s, s:s, s:o}", "run", (json_int_t)c->run.id, "playbook",
			 c->pb->name, "step", (json_int_t)idx, "name", c->s->name, "kind", playbook_kind_name(c->s->kind),
			 "state", playrun_states[state], "confirmed", confirmed, "message", msg, "act_seq",
			 act_seq ? json_integer(act_seq) : json_null());
	if (data == NULL)
		return err_set(e, ERR_IO, "out of memory");
	snprintf(subject, sizeof subject, "models:/%s", c->run.model);
	rc = ledger_append_act(st, who->key, who->name, "playbook.step", subject, data, &seq, e);
	json_decref(data);
	if (rc != 0)
		return -1;
	if (store_prepare(st, &s,
			  "INSERT INTO playbook_steps(run, idx, name, state, time, actor, confirmed, message, seq)"
			  " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
			  e) != 0)
		return -1;
	db_bind_int64(s, 1, c->run.id);
	db_bind_int64(s, 2, (int64_t)idx);
	db_bind_text(s, 3, c->s->name, -1, DB_STATIC);
	db_bind_text(s, 4, playrun_states[state], -1, DB_STATIC);
	db_bind_int64(s, 5, store_now());
	db_bind_text(s, 6, who->name, -1, DB_STATIC);
	db_bind_text(s, 7, confirmed, -1, DB_STATIC);
	db_bind_text(s, 8, msg, -1, DB_STATIC);
	db_bind_int64(s, 9, seq);
	rc = db_step(s);
	db_finalize(s);
	if (rc != DB_DONE)
		return store_fail(st, e, "recording the step");
	if (playrun_exec(st,
			 state == PR_DONE ? (last ? "UPDATE playbook_runs SET next_step = ?2, state = 'done' WHERE id = ?3"
						  : "UPDATE playbook_runs SET next_step = ?2, state = 'running' WHERE id = ?3")
					  : "UPDATE playbook_runs SET state = 'stopped' WHERE id = ?3 AND ?2 >= 0",
			 NULL, (int64_t)idx + 1, c->run.id, 0, e) != 0)
		return -1;
	if (out != NULL) {
		memset(out, 0, sizeof *out);
		out->idx = idx;
		snprintf(out->name, sizeof out->name, "%s", c->s->name);
		snprintf(out->state, sizeof out->state, "%s", playrun_states[state]);
		snprintf(out->confirmed, sizeof out->confirmed, "%s", confirmed);
		snprintf(out->actor, sizeof out->actor, "%s", who->name);
		snprintf(out->message, sizeof out->message, "%s", msg);
		out->time = store_now();
		out->seq = seq;
	}
	return 0;
}

int playrun_next(struct store *st, const struct principal *who, struct plugin_backend *be, const struct playbook *pb,
		 int64_t run, playrun_confirm_fn confirm, void *arg, struct playrun_step *out, struct err *e)
{
	struct playrun_info ri;
	struct playrun_ctx c;
	const char *confirmed = confirm != NULL ? "interactive" : "--yes";
	char msg[600] = "";
	int state = PR_DONE, rc;
	int64_t act_seq = 0;
	size_t idx;

	memset(out, 0, sizeof *out);
	if (playrun_load(st, run, &ri, e) != 0)
		return -1;
	if (playrun_proven(st, &ri, e) != 0)
		return -1;
	if (strcmp(ri.state, "done") == 0 || strcmp(ri.state, "abandoned") == 0 || ri.next >= ri.nsteps)
		return 2;
	idx = ri.next;
	if (playrun_ctx_load(st, pb, run, idx, &c, e) != 0)
		return -1;
	if (!playbook_is_action(c.s->kind)) {
		rc = playrun_check(st, &c, msg, sizeof msg, e);
		if (rc < 0)
			return -1;
		state = rc ? PR_DONE : PR_FAILED;
	} else if (confirm != NULL) {
		char what[800];

		if (playrun_describe_at(st, &c, what, sizeof what, e) != 0)
			return -1;
		if (!confirm(arg, c.s, idx, what)) {
			state = PR_REFUSED;
			snprintf(msg, sizeof msg, "declined by %s at the confirmation", who->name);
		}
	}
	if (state == PR_DONE && c.s->kind == PB_SILENCE) {
		if (playrun_silence(st, who, be, &c, &state, msg, sizeof msg, e) != 0)
			return -1;
	}
	if (store_begin(st, e) != 0)
		return -1;
	if (state == PR_DONE && playbook_is_action(c.s->kind) && c.s->kind != PB_SILENCE) {
		rc = playrun_act(st, who, be, &c, &state, msg, sizeof msg, &act_seq, e);
		if (rc < 0) {
			store_rollback(st);
			return -1;
		}
		if (state != PR_DONE) {
			/* What the refused act began is undone; the refusal itself is recorded. */
			store_rollback(st);
			err_clear(e);
			if (store_begin(st, e) != 0)
				return -1;
		}
	}
	if (playrun_record(st, who, &c, idx, state, confirmed, msg, act_seq, out, e) != 0 || store_commit(st, e) != 0) {
		store_rollback(st);
		return -1;
	}
	if (state != PR_DONE)
		return 1;
	return idx + 1 >= pb->nsteps ? 2 : 0;
}

/* ---- reading ---- */

int playrun_get(struct store *st, int64_t run, struct playrun_info *out, struct playrun_step **steps, size_t *n,
		struct err *e)
{
	struct db_stmt *s;
	int rc;

	*steps = NULL;
	*n = 0;
	if (playrun_load(st, run, out, e) != 0)
		return -1;
	if (store_prepare(st, &s,
			  "SELECT idx, name, state, confirmed, actor, message, time, seq FROM playbook_steps WHERE run = ?1 ORDER BY seq",
			  e) != 0)
		return -1;
	db_bind_int64(s, 1, run);
	while ((rc = db_step(s)) == DB_ROW) {
		struct playrun_step *nv = realloc(*steps, (*n + 1) * sizeof *nv), *x;

		if (nv == NULL) {
			db_finalize(s);
			free(*steps);
			*steps = NULL;
			*n = 0;
			return err_set(e, ERR_IO, "out of memory");
		}
		*steps = nv;
		x = &nv[(*n)++];
		memset(x, 0, sizeof *x);
		x->idx = (size_t)db_column_int64(s, 0);
		store_text_copy(x->name, sizeof x->name, s, 1);
		store_text_copy(x->state, sizeof x->state, s, 2);
		store_text_copy(x->confirmed, sizeof x->confirmed, s, 3);
		store_text_copy(x->actor, sizeof x->actor, s, 4);
		store_text_copy(x->message, sizeof x->message, s, 5);
		x->time = db_column_int64(s, 6);
		x->seq = db_column_int64(s, 7);
	}
	db_finalize(s);
	if (rc != DB_DONE) {
		free(*steps);
		*steps = NULL;
		*n = 0;
		return store_fail(st, e, "reading playbook steps");
	}
	return 0;
}

int playrun_list(struct store *st, int all, const char *model, struct playrun_info **out, size_t *n, struct err *e)
{
	struct db_stmt *s;
	int rc;

	*out = NULL;
	*n = 0;
	if (store_prepare(st, &s,
			  "SELECT " PLAYRUN_COLS " FROM playbook_runs WHERE (?1 OR state IN ('running', 'stopped')) AND"
			  " (CAST(?2 AS TEXT) IS NULL OR model = ?2) ORDER BY id DESC",
			  e) != 0)
		return -1;
	db_bind_int(s, 1, all != 0);
	if (model != NULL)
		db_bind_text(s, 2, model, -1, DB_STATIC);
	while ((rc = db_step(s)) == DB_ROW) {
		struct playrun_info *nv = realloc(*out, (*n + 1) * sizeof *nv);

		if (nv == NULL) {
			db_finalize(s);
			free(*out);
			*out = NULL;
			*n = 0;
			return err_set(e, ERR_IO, "out of memory");
		}
		*out = nv;
		playrun_row(s, &nv[(*n)++]);
	}
	db_finalize(s);
	if (rc != DB_DONE) {
		free(*out);
		*out = NULL;
		*n = 0;
		return store_fail(st, e, "reading playbook runs");
	}
	return 0;
}
