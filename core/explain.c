/* explain: one ledger entry made readable for an auditor: the signed statement it carries decoded, who signed it with which key and role, and whether the checks hold. */
#include "explain.h"

#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "approval.h"
#include "check.h"
#include "dsse.h"
#include "keyring.h"
#include "proven.h"

static void explain_fail(struct explain *x, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Keeps the first failure: it is the one that explains the others. */
static void explain_fail(struct explain *x, const char *fmt, ...)
{
	va_list ap;

	if (!x->ok)
		return;
	x->ok = 0;
	va_start(ap, fmt);
	vsnprintf(x->why, sizeof x->why, fmt, ap);
	va_end(ap);
}

int explain_subject(const char *subject, char *model, size_t n, int64_t *version)
{
	const char *name, *slash;
	char *end;
	long long v;

	model[0] = '\0';
	*version = 0;
	if (subject == NULL || strncmp(subject, "models:/", 8) != 0 || subject[8] == '\0')
		return 0;
	name = subject + 8;
	slash = strchr(name, '/');
	if (slash == NULL) {
		snprintf(model, n, "%s", name);
		return 1;
	}
	v = strtoll(slash + 1, &end, 10);
	if (slash == name || *end != '\0' || v <= 0)
		return 0;
	snprintf(model, n, "%.*s", (int)(slash - name), name);
	*version = (int64_t)v;
	return 1;
}

/* The roles principal idx held at keyring version ver ("ml-lead,sre"). */
static void explain_roles(const struct proven_keyring *kr, size_t idx, int64_t ver, char *buf, size_t n)
{
	unsigned mask = 0;
	int i;

	for (i = 0; i < ROLE_COUNT; i++)
		if (proven_role_held(kr, idx, 1u << i, ver))
			mask |= 1u << i;
	keyring_roles_text(mask, buf, n);
}

/* The envelope an entry carries (data.envelope), decoded for reading only:
 * the checks below decide whether it is to be believed. */
static void explain_envelope(struct explain *x, const char *env)
{
	struct dsse d;
	struct err e;

	if (env == NULL || dsse_parse(env, strlen(env), &d, &e) != 0)
		return;
	snprintf(x->payload_type, sizeof x->payload_type, "%s", d.payload_type);
	x->statement = json_loadb((const char *)d.payload, d.payload_len, JSON_REJECT_DUPLICATES, NULL);
	if (d.nsigs > 0 && x->key_id[0] == '\0')
		snprintf(x->key_id, sizeof x->key_id, "%s", d.sigs[0].keyid);
	dsse_free(&d);
}

/* Who owns key_id in the proven keyring, and the roles they held at ver. */
static void explain_signer(struct explain *x, const struct proven_keyring *kr, int64_t ver)
{
	struct proven_key *k = proven_key((struct proven_keyring *)kr, x->key_id);

	if (k == NULL)
		return;
	snprintf(x->signer, sizeof x->signer, "%s", kr->p[k->principal].name);
	if (x->role[0] == '\0')
		explain_roles(kr, k->principal, ver, x->role, sizeof x->role);
}

/* A decision: approval_check against the request as its opening entry
 * recorded it, at the time and keyring version the decision was recorded
 * under, as the audit replay judges it; then whether it counts now. */
static void explain_decision(struct store *st, struct explain *x, const struct proven_keyring *kr, int64_t seq,
			     const char *actor, const char *action, const char *when, json_t *data)
{
	struct approval_request r;
	struct approval_stmt stmt;
	struct approval_ctx c;
	const char *env = json_string_value(json_object_get(data, "envelope"));
	json_t *kv = json_object_get(data, "keyring");
	char why[400];
	struct err e;
	size_t i;

	if (env == NULL || x->request <= 0 || !json_is_integer(kv)) {
		explain_fail(x, "decision entry lacks its envelope, request or keyring version");
		return;
	}
	if (json_integer_value(kv) != x->keyring_ver)
		explain_fail(x, "recorded under keyring version %" PRId64 ", but version %" PRId64 " was in force",
			     (int64_t)json_integer_value(kv), x->keyring_ver);
	if (approval_request_get(st, x->request, &r, &e) != 0) {
		explain_fail(x, "request %" PRId64 ": %s", x->request, e.msg);
		return;
	}
	if (r.tampered[0] != '\0')
		explain_fail(x, "%s", r.tampered);
	memset(&c, 0, sizeof c);
	c.request = r.id;
	c.model = r.model;
	c.version = r.version;
	c.digest = r.digest;
	c.from = r.from;
	c.to = r.to;
	c.tier = r.tier;
	c.author = r.author[0] ? r.author : NULL;
	c.requester = r.requester;
	c.log = kr->log;
	c.policy = r.policy;
	c.now = check_time_parse(when);
	c.keyring_ver = x->keyring_ver;
	c.key_at = proven_key_at;
	c.role_at = proven_role_at;
	c.arg = (void *)kr;
	if (approval_check(&c, env, strlen(env), &stmt, why, sizeof why) != 0) {
		explain_fail(x, "%s", why);
	} else {
		snprintf(x->signer, sizeof x->signer, "%s", stmt.principal);
		snprintf(x->key_id, sizeof x->key_id, "%s", stmt.key_id);
		snprintf(x->role, sizeof x->role, "%s", keyring_role_name(stmt.role));
		if (strcmp(actor, stmt.principal) != 0 ||
		    strcmp(action, stmt.approve ? "approval.approve" : "approval.reject") != 0)
			explain_fail(x, "the entry says %s by %s, the signed statement %s by %s", action, actor,
				     stmt.approve ? "approve" : "reject", stmt.principal);
	}
	for (i = 0; i < r.n; i++)
		if (r.v[i].seq == seq) {
			x->counts = r.v[i].counts;
			snprintf(x->counts_why, sizeof x->counts_why, "%s", r.v[i].why);
		}
	approval_request_clear(&r);
}

/* A policy enrolment carries the admin's envelope over the policy: it
 * must verify under the key it names, as the audit replay requires. */
static void explain_enrolment(struct explain *x, const struct proven_keyring *kr, json_t *data)
{
	const char *env = json_string_value(json_object_get(data, "envelope"));
	struct proven_key *k = NULL;
	struct dsse d;
	struct err e;
	size_t i;

	if (env == NULL || dsse_parse(env, strlen(env), &d, &e) != 0) {
		explain_fail(x, "policy enrolment without a readable envelope");
		return;
	}
	for (i = 0; i < d.nsigs && k == NULL; i++)
		k = proven_key((struct proven_keyring *)kr, d.sigs[i].keyid);
	if (k == NULL || !dsse_verify(&d, k->pk, k->id))
		explain_fail(x, "the enrolled policy's envelope is not signed by a key of the keyring (forged or altered)");
	dsse_free(&d);
}

int explain_entry(struct store *st, int64_t seq, struct explain *out, struct err *e)
{
	const struct proven_keyring *kr = NULL;
	const char *actor = "", *action = "", *subject = "", *when = "", *kid;
	struct db_stmt *s;
	json_t *data, *checked = NULL, *rev;
	struct err ke;
	int rc;

	memset(out, 0, sizeof *out);
	out->ok = 1;
	if (store_prepare(st, &s, "SELECT body, leaf, sig FROM ledger WHERE seq = ?1", e) != 0)
		return -1;
	db_bind_int64(s, 1, seq);
	rc = db_step(s);
	if (rc != DB_ROW) {
		db_finalize(s);
		return rc == DB_DONE ? err_set(e, ERR_NOTFOUND, "no ledger entry %" PRId64, seq)
				     : store_fail(st, e, "reading the ledger");
	}
	out->body = json_loadb(db_column_blob(s, 0), (size_t)db_column_bytes(s, 0), JSON_REJECT_DUPLICATES,
			       NULL);
	json_unpack(out->body, "{s?s, s?s, s?s, s?s}", "actor", &actor, "action", &action, "subject", &subject,
		    "time", &when);
	data = json_object_get(out->body, "data");
	explain_subject(subject, out->model, sizeof out->model, &out->version);
	out->request = json_integer_value(json_object_get(data, "request"));
	out->successor = json_integer_value(json_object_get(data, "successor"));
	rev = json_object_get(data, "review");
	if (strcmp(action, "rollback") == 0 && json_is_object(rev))
		out->request = json_integer_value(json_object_get(rev, "request"));
	if (strncmp(action, "keyring.", 8) == 0)
		out->kind = EXPLAIN_KEYRING;
	else if (strncmp(action, "approval.", 9) == 0)
		out->kind = EXPLAIN_DECISION;
	else if (proven_self_signed(action, actor))
		out->kind = EXPLAIN_OBSERVED;
	else
		out->kind = EXPLAIN_ACT;
	explain_envelope(out, json_string_value(json_object_get(data, "envelope")));
	kid = json_string_value(json_object_get(out->body, "key"));
	if (out->kind == EXPLAIN_ACT && kid != NULL)
		snprintf(out->key_id, sizeof out->key_id, "%s", kid);

	err_clear(&ke);
	if (proven_keyring_load(st, &kr, &ke) != 0) {
		explain_fail(out, "the keyring the ledger proves does not hold: %s", ke.msg);
		db_finalize(s);
		return 0;
	}
	out->keyring_ver = proven_version_at(kr, seq);
	/* The bytes against the leaf, then the actor's signature over them. */
	if (proven_row(kr, seq, s, 0, &checked, &ke) != 0)
		explain_fail(out, "%s", ke.msg);
	db_finalize(s);
	json_decref(checked);
	if (out->body == NULL) {
		explain_fail(out, "the entry is not JSON");
		return 0;
	}
	switch (out->kind) {
	case EXPLAIN_DECISION:
		explain_decision(st, out, kr, seq, actor, action, when, data);
		break;
	case EXPLAIN_KEYRING:
		/* proven_keyring_load replayed every keyring change, each
		 * checked against the admins before it: this one held. */
		break;
	case EXPLAIN_ACT:
		if (strcmp(action, "policy.enroll") == 0)
			explain_enrolment(out, kr, data);
		break;
	case EXPLAIN_OBSERVED:
		break;
	}
	if (out->signer[0] == '\0')
		explain_signer(out, kr, out->keyring_ver);
	/* The first entry is signed by the key it adds: the root of trust. */
	if (strcmp(action, "keyring.init") == 0)
		snprintf(out->role, sizeof out->role, "admin, the keyring's root");
	return 0;
}

void explain_clear(struct explain *x)
{
	json_decref(x->body);
	json_decref(x->statement);
	x->body = x->statement = NULL;
}
