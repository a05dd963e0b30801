/* sign: asks for confirmation, reasons and the passphrase of the console's governed acts, then records them through a read-write connection of its own. */
#include "sign.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "act.h"
#include "action.h"
#include "app.h"
#include "approval.h"
#include "gate.h"
#include "keyring.h"
#include "keys.h"
#include "ledger.h"
#include "link.h"
#include "plugin.h"
#include "registry.h"
#include "sync.h"

static void sign_passphrase(struct app *a, char *pass, size_t len);

/* The role the pending decision is signed as: the one the pre-check found
 * serving a need, so the signature fills what was shown to wait. */
static unsigned sign_decision_role;

static void sign_ask_passphrase(struct app *a)
{
	char q[APP_LINE_MAX];

	snprintf(q, sizeof q, "passphrase for key %s (not shown; Esc cancels): ", a->id.pub.name);
	app_ask(a, APP_SECRET, q, sign_passphrase);
}

static void sign_comment(struct app *a, char *text, size_t len);

/* The comment goes into the signed statement, as the CLI's --comment: a
 * rejection's is its reason and may not be empty, an approval's may. */
static void sign_ask_comment(struct app *a)
{
	char q[APP_LINE_MAX];

	if (a->decision.approve)
		snprintf(q, sizeof q,
			 "comment for approving request #%" PRId64 " (Enter for none; Esc cancels): ",
			 a->decision.request);
	else
		snprintf(q, sizeof q, "reason for rejecting request #%" PRId64 " (Esc cancels): ",
			 a->decision.request);
	app_ask(a, APP_PROMPT, q, sign_comment);
}

static void sign_comment(struct app *a, char *text, size_t len)
{
	(void)len;
	if (text[0] == '\0' && !a->decision.approve) {
		/* core refuses a rejection without a reason; ask again rather than fail later. */
		app_error(a, "a rejection needs a reason");
		sign_ask_comment(a);
		return;
	}
	snprintf(a->decision.comment, sizeof a->decision.comment, "%s", text);
	sign_ask_passphrase(a);
}

static void sign_confirmed(struct app *a, char *text, size_t len)
{
	(void)text;
	(void)len;
	sign_ask_comment(a);
}

int sign_decision_start(struct app *a, int64_t request, int approve)
{
	struct approval_request r;
	char q[APP_LINE_MAX * 2], why[400];
	unsigned role = 0;
	struct err e;

	err_clear(&e);
	if (!a->id.loaded || !a->id.known) {
		app_error(a, "start with --key FILE (a key in the keyring) to sign");
		return -1;
	}
	/* An act through a plugin holds the store's write lock: say so now,
	 * not after the passphrase. */
	if (act_running()[0] != '\0') {
		app_error(a, "wait: %s is still running", act_running());
		return -1;
	}
	if (approval_request_get(a->st, request, &r, &e) != 0) {
		app_error(a, "%s", e.msg);
		return -1;
	}
	/* Everything that refuses without the key is said before the
	 * passphrase is asked for: core's own checks, as approval_sign makes
	 * them again when it records. */
	if (approval_precheck(a->st, &a->id.who, &r, approve, &role, why, sizeof why) != 0) {
		app_error(a, "cannot %s request #%" PRId64 ": %s", approve ? "approve" : "reject",
			  request, why);
		approval_request_clear(&r);
		return -1;
	}
	memset(&a->decision, 0, sizeof a->decision);
	sign_decision_role = role;
	a->decision.request = request;
	a->decision.approve = approve;
	/* The full digest: what is signed is the exact artifact, so that is what the signer sees. */
	snprintf(q, sizeof q, "%s request #%" PRId64 " as %s: %s v%" PRId64 " %s to %s? (y/n)",
		 approve ? "approve" : "reject", request, keyring_role_name(role), r.model, r.version,
		 r.digest, r.to);
	approval_request_clear(&r);
	return app_ask(a, APP_CONFIRM, q, sign_confirmed);
}

/* Signs a checkpoint of the grown ledger the way every command that wrote
 * does: the same checks of the new entries and the same witness. */
static int sign_checkpoint(struct store *st, struct err *e)
{
	return ledger_checkpoint_commit(st, NULL, NULL, e);
}

/* Records the decision with *k on a read-write connection (*id gets it),
 * freeing the key as soon as it has signed. */
static int sign_record(struct app *a, struct key_secret **k, int64_t *id, int64_t *unsure, struct err *e)
{
	const struct app_decision *d = &a->decision;
	struct principal who;
	struct store *st;
	int rc;

	st = store_open(a->opts->db_path, 0, e);
	if (st == NULL) {
		/* The key must not outlive a store that would not open. */
		keys_secret_free(*k);
		*k = NULL;
		return -1;
	}
	rc = store_begin(st, e);
	/* Roles as the keyring stands inside this transaction, not as the header last saw them. */
	if (rc == 0)
		rc = keyring_whoami(st, (*k)->id, &who, e);
	if (rc == 0)
		rc = approval_sign(st, &who, *k, d->request, d->approve, sign_decision_role,
				   d->comment[0] ? d->comment : NULL, 0, id, e);
	keys_secret_free(*k);
	*k = NULL;
	if (rc == 0)
		rc = link_commit(st, unsure, e);
	if (rc != 0) {
		store_rollback(st);
		store_close(st);
		return -1;
	}
	if (sign_checkpoint(st, e) != 0) {
		err_prefix(e, "decision #%" PRId64 " recorded, but no checkpoint was signed", *id);
		store_close(st);
		return -1;
	}
	store_close(st);
	return 0;
}

struct key_secret *sign_unlock(struct app *a, char *pass, size_t len)
{
	struct key_secret *k = NULL;
	struct err e;
	int rc;

	err_clear(&e);
	/* An act through a plugin holds the store's write lock until its
	 * backend answers: a second write would wait for it with the keys. */
	if (act_running()[0] != '\0') {
		sodium_memzero(pass, len);
		app_error(a, "%s is still running: one act at a time; nothing was signed", act_running());
		return NULL;
	}
	/* The connection went while the questions were asked. */
	if (link_refuse(a, "sign")) {
		sodium_memzero(pass, len);
		return NULL;
	}
	rc = keys_load_secret(a->id.path, pass, len, &k, &e);
	sodium_memzero(pass, len);
	if (rc != 0) {
		app_error(a, "%s", e.msg);
		return NULL;
	}
	if (strcmp(k->id, a->id.pub.id) != 0) {
		app_error(a, "the secret key in %s is not the one in its .pub (key %s, not %s)",
			  a->id.path, k->id, a->id.pub.id);
		keys_secret_free(k);
		return NULL;
	}
	return k;
}

static void sign_passphrase(struct app *a, char *pass, size_t len)
{
	struct key_secret *k;
	struct err e;
	int64_t id = 0, unsure = 0;
	char what[120];
	int rc;

	err_clear(&e);
	k = sign_unlock(a, pass, len);
	if (k == NULL)
		return;
	rc = sign_record(a, &k, &id, &unsure, &e);
	keys_secret_free(k); /* already freed on every path; a guard against the next one */
	snprintf(what, sizeof what, "the decision on request #%" PRId64, a->decision.request);
	link_unsure(a, unsure, what);
	/* Show the new record (or whatever did get written) at once. */
	app_store_written(a);
	if (rc != 0) {
		app_error(a, "%s", e.msg);
		return;
	}
	app_message(a, "%s request #%" PRId64 " as %s: decision #%" PRId64 " signed and recorded",
		    a->decision.approve ? "approved" : "rejected", a->decision.request,
		    a->id.pub.name, id);
}

/* ---- opening, applying and rolling back: p, P and R ---- */

enum sign_kind { SIGN_REQUEST = 1, SIGN_APPLY, SIGN_ROLLBACK };

/* What p, P or R is about, between the key and the passphrase. The
 * console asks one question at a time, so one pending act suffices; it is
 * kept here so that struct app need not know about each kind of act. */
struct sign_pending {
	enum sign_kind kind;
	char model[101];
	int64_t version; /* requested, moved to, or rolled back to */
	int64_t from;    /* the alias's version when confirmed (0: none); must still hold */
	int64_t request; /* applied */
	char to[65];     /* the stage or alias */
	char reason[APP_LINE_MAX];
	char review[160]; /* rollback: the review the policy will then ask for */
	unsigned roles; /* the action's, checked again inside the transaction */
	char source[65]; /* where the alias lives: "local", or the plugin that moves it first */
};

static struct sign_pending sign_pending;

const char *sign_next_stage(const char *from)
{
	if (strcmp(from, "none") == 0)
		return "staging";
	if (strcmp(from, "staging") == 0)
		return "production";
	return NULL;
}

void sign_gate_why(const struct gate *g, char *buf, size_t n)
{
	size_t i, bad = 0;
	const struct rule_result *first = NULL;
	const char *reason;

	if (g->refusal[0] != '\0') {
		snprintf(buf, n, "%s", g->refusal);
		return;
	}
	for (i = 0; i < g->nres; i++)
		if (g->res[i].status != RULE_PASS) {
			if (first == NULL)
				first = &g->res[i];
			bad++;
		}
	if (first == NULL) {
		snprintf(buf, n, "every rule passes");
		return;
	}
	reason = first->reason;
	while (*reason == ' ')
		reason++;
	if (bad > 1)
		snprintf(buf, n, "%s %s: %s (and %zu more)", first->rule->name,
			 policy_status_name(first->status), reason, bad - 1);
	else
		snprintf(buf, n, "%s %s: %s", first->rule->name, policy_status_name(first->status),
			 reason);
}

/* The version alias points at now, 0 for none. */
static int sign_alias_now(struct store *st, const char *model, const char *alias, int64_t *v,
			  struct err *e)
{
	struct reg_aliases al;
	size_t i;

	*v = 0;
	if (registry_alias_list(st, model, &al, e) != 0)
		return -1;
	for (i = 0; i < al.n; i++)
		if (strcmp(al.v[i].alias, alias) == 0)
			*v = al.v[i].version;
	registry_aliases_free(&al);
	return 0;
}

/* Where model's aliases live: "local", or the plugin instance that
 * synced it, whose registry is moved first. */
static int sign_model_source(struct store *st, const char *model, char *src, size_t n, struct err *e)
{
	struct reg_model m;

	memset(&m, 0, sizeof m);
	if (registry_model_get(st, model, &m, e) != 0)
		return -1;
	snprintf(src, n, "%s", m.source != NULL ? m.source : "local");
	registry_model_clear(&m);
	return 0;
}

/* Refusals that need no key: another act still running (it holds the
 * store's write lock), or a synced model whose plugin this console has
 * not loaded. */
static int sign_act_ready(const struct app *a, const char *model, const char *source, struct err *e)
{
	if (act_running()[0] != '\0')
		return err_set(e, ERR_DENIED, "%s is still running: one act at a time", act_running());
	if (strcmp(source, "local") == 0)
		return 0;
	if (a->opts->config_path == NULL)
		return err_set(e, ERR_DENIED,
			       "%s is synced from plugin %s, whose registry must move the alias first: start the "
			       "console with --config FILE naming [plugin %s]",
			       model, source, source);
	if (!tui_sync_configured(a->syncs, source))
		return err_set(e, ERR_DENIED,
			       "%s is synced from plugin %s, which %s does not configure: nothing can move its "
			       "alias from here",
			       model, source, a->opts->config_path);
	return 0;
}

static void sign_act_passphrase(struct app *a, char *pass, size_t len);

static void sign_act_ask_passphrase(struct app *a)
{
	char q[APP_LINE_MAX];

	snprintf(q, sizeof q, "passphrase for key %s (not shown; Esc cancels): ", a->id.pub.name);
	app_ask(a, APP_SECRET, q, sign_act_passphrase);
}

static void sign_act_confirmed(struct app *a, char *text, size_t len)
{
	(void)text;
	(void)len;
	sign_act_ask_passphrase(a);
}

int sign_promote_start(struct app *a, const char *model, int64_t version)
{
	struct sign_pending *p = &sign_pending;
	struct approval_requests rs = {0};
	struct reg_version rv;
	char q[APP_LINE_MAX * 2], from[65];
	const char *to;
	struct err e;
	size_t i;
	int64_t open = 0;

	err_clear(&e);
	memset(&rv, 0, sizeof rv);
	if (sign_act_ready(a, model, "local", &e) != 0 ||
	    registry_version_get(a->st, model, version, &rv, &e) != 0) {
		app_error(a, "%s", e.msg);
		return -1;
	}
	approval_stage_of(rv.aliases, from, sizeof from);
	to = sign_next_stage(from);
	if (to == NULL) {
		app_error(a, "%s v%" PRId64 " is %s: there is no next stage to request", model, version,
			  from);
		registry_version_clear(&rv);
		return -1;
	}
	/* Asked before the passphrase, which would otherwise be typed for a refusal. */
	if (approval_request_list(a->st, 1, &rs, &e) != 0) {
		app_error(a, "%s", e.msg);
		registry_version_clear(&rv);
		return -1;
	}
	for (i = 0; i < rs.n && open == 0; i++)
		if (strcmp(rs.v[i].kind, "promotion") == 0 && strcmp(rs.v[i].model, model) == 0 &&
		    rs.v[i].version == version && strcmp(rs.v[i].to, to) == 0 &&
		    strcmp(rs.v[i].state, "open") == 0)
			open = rs.v[i].id;
	approval_requests_free(&rs);
	if (open != 0) {
		app_error(a, "request #%" PRId64 " for %s v%" PRId64 " to %s is already open: "
			  "P applies it once its gate passes",
			  open, model, version, to);
		registry_version_clear(&rv);
		return -1;
	}
	memset(p, 0, sizeof *p);
	p->kind = SIGN_REQUEST;
	snprintf(p->model, sizeof p->model, "%s", model);
	p->version = version;
	snprintf(p->to, sizeof p->to, "%s", to);
	p->roles = action_by_id(ACT_PROMOTE)->roles;
	snprintf(p->source, sizeof p->source, "local");
	/* The full digest: approvers will sign for exactly these bytes. */
	snprintf(q, sizeof q, "request promotion of %s v%" PRId64 " %s from %s to %s? (y/n)", model,
		 version, rv.digest, from, to);
	registry_version_clear(&rv);
	return app_ask(a, APP_CONFIRM, q, sign_act_confirmed);
}

int sign_apply_start(struct app *a, int64_t request)
{
	struct sign_pending *p = &sign_pending;
	struct approval_request r;
	char q[APP_LINE_MAX * 2], why[700], source[65], digest[32];
	struct gate g;
	struct err e;
	int64_t from = 0;

	err_clear(&e);
	if (approval_request_get(a->st, request, &r, &e) != 0) {
		app_error(a, "%s", e.msg);
		return -1;
	}
	if (strcmp(r.kind, "promotion") != 0) {
		/* A post-incident review is signed (a), never applied. */
		app_error(a, "request #%" PRId64 " is a %s, not a promotion: nothing to apply", request,
			  r.kind);
		approval_request_clear(&r);
		return -1;
	}
	if (strcmp(r.state, "open") != 0) {
		app_error(a, "request #%" PRId64 " is %s, not open: nothing to apply", request, r.state);
		approval_request_clear(&r);
		return -1;
	}
	if (sign_model_source(a->st, r.model, source, sizeof source, &e) != 0 ||
	    sign_act_ready(a, r.model, source, &e) != 0) {
		app_error(a, "%s", e.msg);
		approval_request_clear(&r);
		return -1;
	}
	if (gate_evaluate(a->st, r.model, r.version, r.to, request, &g, &e) != 0) {
		app_error(a, "%s", e.msg);
		gate_free(&g);
		approval_request_clear(&r);
		return -1;
	}
	/* Evaluated now so that a gate that denies costs no passphrase; it is
	 * evaluated again inside the transaction that moves the alias. */
	if (g.refusal[0] != '\0' || !g.allow) {
		sign_gate_why(&g, why, sizeof why);
		app_error(a, "request #%" PRId64 " cannot be applied: %s", request, why);
		gate_free(&g);
		approval_request_clear(&r);
		return -1;
	}
	gate_free(&g);
	if (sign_alias_now(a->st, r.model, r.to, &from, &e) != 0) {
		app_error(a, "%s", e.msg);
		approval_request_clear(&r);
		return -1;
	}
	memset(p, 0, sizeof *p);
	p->kind = SIGN_APPLY;
	snprintf(p->model, sizeof p->model, "%s", r.model);
	p->version = r.version;
	p->from = from;
	p->request = request;
	snprintf(p->to, sizeof p->to, "%s", r.to);
	p->roles = action_by_id(ACT_APPLY)->roles;
	snprintf(p->source, sizeof p->source, "%s", source);
	view_short_digest(r.digest, digest, sizeof digest);
	if (from != 0)
		snprintf(q, sizeof q,
			 "move %s of %s from v%" PRId64 " to v%" PRId64 " (%s, request #%" PRId64
			 ")? (y/n)",
			 r.to, r.model, from, r.version, digest, request);
	else
		snprintf(q, sizeof q,
			 "set %s of %s, on no version now, to v%" PRId64 " (%s, request #%" PRId64
			 ")? (y/n)",
			 r.to, r.model, r.version, digest, request);
	approval_request_clear(&r);
	return app_ask(a, APP_CONFIRM, q, sign_act_confirmed);
}

/* "72h", "7d": the review's window as the policy wrote it. */
static void sign_duration(int64_t s, char *buf, size_t n)
{
	if (s > 0 && s % 86400 == 0)
		snprintf(buf, n, "%" PRId64 "d", s / 86400);
	else if (s > 0 && s % 3600 == 0)
		snprintf(buf, n, "%" PRId64 "h", s / 3600);
	else
		snprintf(buf, n, "%" PRId64 "m", s / 60);
}

static void sign_rollback_reason(struct app *a, char *text, size_t len);

static void sign_rollback_ask_reason(struct app *a)
{
	char q[APP_LINE_MAX];

	snprintf(q, sizeof q, "reason for rolling back %.100s: ", sign_pending.model);
	app_ask(a, APP_PROMPT, q, sign_rollback_reason);
}

static void sign_rollback_reason(struct app *a, char *text, size_t len)
{
	struct sign_pending *p = &sign_pending;
	char q[APP_LINE_MAX * 2];

	(void)len;
	if (text[0] == '\0') {
		/* core refuses a rollback without a reason; ask again rather than fail later. */
		app_error(a, "a rollback needs a reason: it is recorded and shown to the reviewer");
		sign_rollback_ask_reason(a);
		return;
	}
	snprintf(p->reason, sizeof p->reason, "%s", text);
	/* The baseline is the newest version promoted there and never rolled
	 * back from: say so when that is newer than what serves now. */
	snprintf(q, sizeof q, "roll back %.64s of %.100s from v%" PRId64 " to v%" PRId64 "%s%.159s? (y/n)", p->to,
		 p->model, p->from, p->version, p->version > p->from ? " (NEWER than the current version)" : "",
		 p->review);
	app_ask(a, APP_CONFIRM, q, sign_act_confirmed);
}

/* Asks the policy, in a transaction that is always rolled back, which
 * version a rollback would go to and whether this principal may do it:
 * core alone knows the known-safe baseline, and nobody should type a
 * reason and a passphrase for a rollback the policy refuses. */
static int sign_rollback_preview(struct app *a, const char *model, int64_t *to, char *review,
				 size_t rn, struct err *e)
{
	struct store *st;
	struct gate g;
	int64_t rid = 0;
	size_t i;
	int rc;

	st = store_open(a->opts->db_path, 0, e);
	if (st == NULL)
		return -1;
	store_set_dry_run(st, 1);
	if (store_begin(st, e) != 0) {
		store_close(st);
		return -1;
	}
	rc = gate_rollback(st, &a->id.who, model, "production", 0, "preview", NULL, &g, &rid, e);
	store_rollback(st);
	store_close(st);
	review[0] = '\0';
	if (rc == 1) {
		char why[700];

		sign_gate_why(&g, why, sizeof why);
		if (g.policy_name[0] != '\0')
			err_set(e, ERR_DENIED, "policy %s v%" PRId64 " refuses %s a rollback of %s: %s",
				g.policy_name, g.policy_version, a->id.who.name, model, why);
		else
			err_set(e, ERR_DENIED, "rollback of %s refused: %s", model, why);
	} else if (rc == 0) {
		*to = g.version;
		for (i = 0; g.sec != NULL && i < g.sec->nrules; i++)
			if (g.sec->rules[i].kind == PK_REVIEW) {
				char d[32];

				sign_duration(g.sec->rules[i].duration, d, sizeof d);
				snprintf(review, rn, " (then a review by %s within %s)",
					 g.sec->rules[i].a, d);
			}
	}
	gate_free(&g);
	return rc == 0 ? 0 : -1;
}

int sign_rollback_start(struct app *a, const char *model)
{
	struct sign_pending *p = &sign_pending;
	char review[sizeof sign_pending.review], source[65];
	int64_t from = 0, to = 0;
	struct err e;

	err_clear(&e);
	if (sign_model_source(a->st, model, source, sizeof source, &e) != 0 ||
	    sign_act_ready(a, model, source, &e) != 0 ||
	    sign_alias_now(a->st, model, "production", &from, &e) != 0) {
		app_error(a, "%s", e.msg);
		return -1;
	}
	if (from == 0) {
		app_error(a, "%s has no production alias to roll back", model);
		return -1;
	}
	if (sign_rollback_preview(a, model, &to, review, sizeof review, &e) != 0) {
		app_error(a, "%s", e.msg);
		return -1;
	}
	memset(p, 0, sizeof *p);
	p->kind = SIGN_ROLLBACK;
	snprintf(p->model, sizeof p->model, "%s", model);
	snprintf(p->to, sizeof p->to, "production");
	p->from = from;
	p->version = to;
	p->roles = action_by_id(ACT_ROLLBACK)->roles;
	snprintf(p->review, sizeof p->review, "%s", review);
	snprintf(p->source, sizeof p->source, "%s", source);
	sign_rollback_ask_reason(a);
	return 0;
}

int sign_whoami(struct store *st, const char *key_id, unsigned roles, struct principal *who, struct err *e)
{
	char held[128], need[128];

	if (keyring_whoami(st, key_id, who, e) != 0)
		return -1;
	if (roles != 0 && !(who->roles & roles))
		return err_set(e, ERR_DENIED, "%s holds %s; this needs one of %s", who->name,
			       keyring_roles_text(who->roles, held, sizeof held),
			       keyring_roles_text(roles, need, sizeof need));
	return 0;
}

/* The alias must be where it was when the move was confirmed, and live
 * where it did: the confirmation named both ends and the backend. */
static int sign_alias_unchanged(struct store *st, const struct sign_pending *p, struct err *e)
{
	char source[65];
	int64_t now;

	if (sign_model_source(st, p->model, source, sizeof source, e) != 0)
		return -1;
	if (strcmp(source, p->source) != 0)
		return err_set(e, ERR_DENIED, "%s is now synced from %s, not %s as when you confirmed; nothing changed",
			       p->model, source, p->source);
	if (sign_alias_now(st, p->model, p->to, &now, e) != 0)
		return -1;
	if (now != p->from)
		return err_set(e, ERR_DENIED,
			       "%s of %s moved to v%" PRId64 " since you confirmed; nothing changed",
			       p->to, p->model, now);
	return 0;
}

/* " through mlflow" for a move a plugin makes first, "" for a local one. */
static void sign_through(const struct sign_pending *p, char *buf, size_t n)
{
	if (strcmp(p->source, "local") == 0)
		snprintf(buf, n, "%s", "");
	else
		snprintf(buf, n, " through %s", p->source);
}

/* Runs act p in one transaction on st, as key_id (whose secret is k).
 * Alias moves go through be, the CLI's backend: a synced model's
 * registry moves first and the ledger entry follows only once it
 * confirmed. 0 done (msg says what), -1 failed (e says why); the
 * transaction is committed or rolled back. Uses nothing of the console's
 * state, so that it can run on the act's worker. */
static int sign_act_run(const struct sign_pending *p, const char *key_id, struct store *st,
			const struct key_secret *k, const struct gate_backend *be, char *msg, size_t mn,
			int64_t *unsure, struct err *e)
{
	struct principal who;
	struct gate g;
	char why[700], through[80];
	int64_t id = 0, seq = 0;
	int rc;

	sign_through(p, through, sizeof through);
	if (store_begin(st, e) != 0)
		return -1;
	rc = sign_whoami(st, key_id, p->roles, &who, e);
	who.key = k;
	switch (p->kind) {
	case SIGN_REQUEST:
		if (rc == 0)
			rc = approval_request_open(st, &who, p->model, p->version, p->to, NULL, &id, e);
		if (rc == 0)
			snprintf(msg, mn, "opened request #%" PRId64 ": %.100s v%" PRId64 " to %.64s, as %.100s",
				 id, p->model, p->version, p->to, who.name);
		break;
	case SIGN_APPLY:
		if (rc == 0)
			rc = sign_alias_unchanged(st, p, e);
		if (rc != 0)
			break;
		rc = gate_apply(st, &who, p->request, be, &g, &seq, e);
		if (rc == 1) {
			sign_gate_why(&g, why, sizeof why);
			err_set(e, ERR_DENIED, "request #%" PRId64 " not applied, nothing changed: %s",
				p->request, why);
			rc = -1;
		} else if (rc == 0) {
			snprintf(msg, mn,
				 "applied request #%" PRId64 "%s: %.64s of %.100s now points at v%" PRId64
				 " (ledger entry #%" PRId64 ")",
				 p->request, through, p->to, p->model, p->version, seq);
		}
		gate_free(&g);
		break;
	case SIGN_ROLLBACK:
		if (rc == 0)
			rc = sign_alias_unchanged(st, p, e);
		if (rc != 0)
			break;
		rc = gate_rollback(st, &who, p->model, p->to, p->version, p->reason, be, &g, &id, e);
		if (rc == 1) {
			sign_gate_why(&g, why, sizeof why);
			err_set(e, ERR_DENIED, "rollback of %s refused by policy, nothing changed: %s",
				p->model, why);
			rc = -1;
		} else if (rc == 0) {
			if (id != 0)
				snprintf(msg, mn,
					 "rolled %.64s of %.100s back from v%" PRId64 " to v%" PRId64
					 "%s; review request #%" PRId64 " opened",
					 p->to, p->model, p->from, p->version, through, id);
			else
				snprintf(msg, mn,
					 "rolled %.64s of %.100s back from v%" PRId64 " to v%" PRId64 "%s",
					 p->to, p->model, p->from, p->version, through);
		}
		gate_free(&g);
		break;
	default:
		rc = err_set(e, ERR_INVALID, "nothing to do");
		break;
	}
	if (rc == 0 && link_commit(st, unsure, e) == 0)
		return 0;
	store_rollback(st);
	return -1;
}

/* An act with everything it needs copied out of the console, so that it
 * can run on a worker while the console goes on. */
struct sign_job {
	struct sign_pending p;
	char key_id[KEYS_ID_HEX + 1];
	struct key_secret *k; /* freed as soon as the act's transaction is over */
	char db[4096];
	char config[4096];
	int has_config;
	int64_t unsure; /* its commit was cut off: link_commit's mark */
};

/* The act on a connection of its own, through the plugin backend the CLI
 * uses, then the checkpoint every write is followed by. */
static int sign_job_run(void *arg, char *msg, size_t mn, struct err *e)
{
	struct sign_job *j = arg;
	struct plugin_backend *be;
	struct store *st;
	int rc;

	/* A whole plugin configuration: too big for a worker's stack. */
	be = malloc(sizeof *be);
	if (be == NULL) {
		keys_secret_free(j->k);
		j->k = NULL;
		return err_set(e, ERR_IO, "out of memory");
	}
	st = store_open(j->db, 0, e);
	if (st == NULL) {
		keys_secret_free(j->k);
		j->k = NULL;
		free(be);
		return -1;
	}
	plugin_backend_init(be, st, j->has_config ? j->config : NULL);
	rc = sign_act_run(&j->p, j->key_id, st, j->k, &be->gb, msg, mn, &j->unsure, e);
	/* The key signed the act's entry, if any: it goes before anything else. */
	keys_secret_free(j->k);
	j->k = NULL;
	plugin_backend_free(be);
	free(be);
	if (rc == 0 && sign_checkpoint(st, e) != 0) {
		err_prefix(e, "%s; but no checkpoint was signed", msg);
		rc = -1;
	}
	store_close(st);
	return rc;
}

static void sign_job_free(void *arg)
{
	struct sign_job *j = arg;

	keys_secret_free(j->k);
	free(j);
}

static void sign_act_passphrase(struct app *a, char *pass, size_t len)
{
	struct sign_job *j;
	char what[200];
	struct err e;
	char msg[768];
	int rc;

	err_clear(&e);
	msg[0] = '\0';
	j = calloc(1, sizeof *j);
	if (j == NULL) {
		sodium_memzero(pass, len);
		app_error(a, "out of memory");
		return;
	}
	/* The act's ledger entry is signed with the key, which is freed as
	 * soon as the act's transaction is over. */
	j->k = sign_unlock(a, pass, len);
	if (j->k == NULL) {
		free(j);
		return;
	}
	j->p = sign_pending;
	snprintf(j->key_id, sizeof j->key_id, "%s", a->id.pub.id);
	snprintf(j->db, sizeof j->db, "%s", a->opts->db_path);
	if (a->opts->config_path != NULL) {
		snprintf(j->config, sizeof j->config, "%s", a->opts->config_path);
		j->has_config = 1;
	}
	if (strcmp(j->p.source, "local") != 0) {
		/* A backend can take seconds or stall until it times out: the
		 * act runs on a worker and the keys go on meanwhile. */
		if (j->p.kind == SIGN_APPLY)
			snprintf(what, sizeof what, "applying request #%" PRId64 " through %.64s", j->p.request,
				 j->p.source);
		else
			snprintf(what, sizeof what, "rolling back %.100s through %.64s", j->p.model, j->p.source);
		act_start(a, what, sign_job_run, j, sign_job_free);
		return;
	}
	/* A local move takes milliseconds: done here, as it always was. */
	rc = sign_job_run(j, msg, sizeof msg, &e);
	if (j->p.kind == SIGN_REQUEST)
		snprintf(what, sizeof what, "the request for %.100s v%" PRId64, j->p.model, j->p.version);
	else if (j->p.kind == SIGN_APPLY)
		snprintf(what, sizeof what, "applying request #%" PRId64, j->p.request);
	else
		snprintf(what, sizeof what, "the rollback of %.100s", j->p.model);
	link_unsure(a, j->unsure, what);
	sign_job_free(j);
	/* Show the change (or whatever did get written) at once. */
	app_store_written(a);
	if (rc != 0)
		app_error(a, "%s", e.msg);
	else
		app_message(a, "%s", msg);
}
