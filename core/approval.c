/* approval: requests, signed decisions, and the counting rules applied when a decision is recorded and every time it is shown. */
#include "approval.h"
#include "approval-sign.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <jansson.h>
#include <sodium.h>

#include "check.h"
#include "dsse.h"
#include "gate.h"
#include "keyset.h"
#include "ledger.h"
#include "proven.h"
#include "policy.h"
#include "record.h"
#include "registry.h"

/* ---- the rules ---- */

/* Separation of duties: neither the version's author nor the requester
 * decides on it. 0 when principal may; -1 with why filled. */
int approval_sod(const char *principal, const char *author, const char *requester,
			const char *subject, char *why, size_t n)
{
	if (author != NULL && author[0] != '\0' && record_same_person(principal, author))
		return err_why(why, n, "%s is the author of %s (separation of duties)", principal,
			       subject);
	if (strcmp(principal, requester) == 0)
		return err_why(why, n, "%s requested this promotion (separation of duties)",
			       principal);
	return 0;
}

/* principal's decision on r that still stands, NULL when none: one
 * decision per person, except over evidence that changed since (a stale
 * review may be given again, as after new commits). */
const struct approval_eval *approval_signed_by(const struct approval_request *r,
						       const char *principal)
{
	size_t i;

	for (i = 0; i < r->n; i++)
		if (strcmp(r->v[i].principal, principal) == 0 && strncmp(r->v[i].why, "stale:", 6) != 0)
			return &r->v[i];
	return NULL;
}

int approval_check(const struct approval_ctx *c, const char *env, size_t len,
		   struct approval_stmt *out, char *why, size_t n)
{
	struct dsse d;
	struct err e;
	char principal[KEYS_NAME_MAX + 1], subj[200], want_subj[200], tbuf[32];
	uint8_t pk[KEYS_PK_BYTES];
	json_t *root = NULL, *subject, *digest, *pred, *pol;
	const char *type, *ptype, *sname, *shex, *decision, *role, *pprincipal, *from, *to, *tier,
		*nonce, *issued, *expires, *comment = "", *log, *model;
	json_int_t request, version, kv;
	json_error_t je;
	int active, k, r = -1;
	size_t i;

	memset(out, 0, sizeof *out);
	if (dsse_parse(env, len, &d, &e) != 0)
		return err_why(why, n, "%s", e.msg);
	if (strcmp(d.payload_type, DSSE_INTOTO_TYPE) != 0) {
		err_why(why, n, "envelope payloadType is not %s", DSSE_INTOTO_TYPE);
		goto out;
	}
	/* The first signature whose key the keyring knows decides; verify it
	 * before anything in the payload is read. */
	for (i = 0, k = 0; i < d.nsigs; i++) {
		k = c->key_at(c->arg, d.sigs[i].keyid, c->keyring_ver, principal, pk, &active);
		if (k != 0)
			break;
	}
	if (k < 0) {
		err_why(why, n, "cannot read the keyring");
		goto out;
	}
	if (k == 0) {
		err_why(why, n, "signed by key %s, which is not in the keyring",
			d.nsigs ? d.sigs[0].keyid : "?");
		goto out;
	}
	if (!dsse_verify(&d, pk, d.sigs[i].keyid)) {
		err_why(why, n, "signature by key %s does not verify (forged or altered)",
			d.sigs[i].keyid);
		goto out;
	}
	snprintf(out->key_id, sizeof out->key_id, "%s", d.sigs[i].keyid);
	if (!active) {
		err_why(why, n, "key %s of %s was not active (revoked or not yet added) at keyring version %" PRId64,
			out->key_id, principal, c->keyring_ver);
		goto out;
	}
	root = json_loadb((const char *)d.payload, d.payload_len, JSON_REJECT_DUPLICATES, &je);
	if (root == NULL) {
		err_why(why, n, "payload is not JSON (%s)", je.text);
		goto out;
	}
	if (json_unpack_ex(root, &je, 0, "{s:s, s:o, s:s, s:o}", "_type", &type, "subject", &subject,
			   "predicateType", &ptype, "predicate", &pred) != 0 ||
	    strcmp(type, INTOTO_STATEMENT_TYPE) != 0 || strcmp(ptype, APPROVAL_PREDICATE_TYPE) != 0) {
		err_why(why, n, "payload is not an in-toto Statement v1 with predicateType %s",
			APPROVAL_PREDICATE_TYPE);
		goto out;
	}
	if (!json_is_array(subject) || json_array_size(subject) != 1 ||
	    json_unpack(json_array_get(subject, 0), "{s:s, s:o}", "name", &sname, "digest", &digest) != 0 ||
	    json_unpack(digest, "{s:s}", "sha256", &shex) != 0) {
		err_why(why, n, "statement needs exactly one subject with a name and a sha256 digest");
		goto out;
	}
	if (json_unpack_ex(pred, &je, 0,
			   "{s:s, s:s, s:s, s:I, s:s, s:I, s:s, s:s, s:s, s:I, s:s, s:s, s:s, s?s, s:s}",
			   "decision", &decision, "role", &role, "principal", &pprincipal, "request",
			   &request, "model", &model, "version", &version, "from", &from, "to", &to,
			   "tier", &tier, "keyringVersion", &kv, "nonce", &nonce, "issuedAt", &issued,
			   "expiresAt", &expires, "comment", &comment, "log", &log) != 0) {
		err_why(why, n, "predicate: %s", je.text);
		goto out;
	}
	snprintf(out->principal, sizeof out->principal, "%s", pprincipal);
	snprintf(out->nonce, sizeof out->nonce, "%s", nonce);
	snprintf(out->comment, sizeof out->comment, "%s", comment);
	out->keyring_claim = kv;
	out->issued = check_time_parse(issued);
	out->expires = check_time_parse(expires);
	if (strcmp(decision, "approve") != 0 && strcmp(decision, "reject") != 0) {
		err_why(why, n, "decision must be approve or reject");
		goto out;
	}
	out->approve = strcmp(decision, "approve") == 0;
	out->role = keyring_role_parse(role, &e);
	if (strcmp(pprincipal, principal) != 0) {
		err_why(why, n, "statement names principal %s but key %s belongs to %s", pprincipal,
			out->key_id, principal);
		goto out;
	}
	if (out->role == 0 || !(out->role & ROLE_SIGNERS)) {
		err_why(why, n, "role %s cannot sign decisions", role);
		goto out;
	}
	k = c->role_at(c->arg, principal, out->role, c->keyring_ver);
	if (k != 1) {
		err_why(why, n, k < 0 ? "cannot read roles"
					   : "%s did not hold role %s at keyring version %" PRId64,
			principal, role, c->keyring_ver);
		goto out;
	}
	if (request != c->request) {
		err_why(why, n, "statement is for request %" PRId64 ", not request %" PRId64,
			(int64_t)request, c->request);
		goto out;
	}
	if (strcmp(log, c->log) != 0) {
		err_why(why, n, "statement is for the log %s, not this store's %s", log, c->log);
		goto out;
	}
	snprintf(subj, sizeof subj, "%s", sname);
	snprintf(want_subj, sizeof want_subj, "models:/%s/%" PRId64, c->model, c->version);
	if (strcmp(subj, want_subj) != 0 || strcmp(model, c->model) != 0 || version != c->version) {
		err_why(why, n, "statement is for %s, request %" PRId64 " is for %s", subj,
			c->request, want_subj);
		goto out;
	}
	if (strncmp(c->digest, "sha256:", 7) != 0 || strcmp(shex, c->digest + 7) != 0) {
		err_why(why, n, "statement binds artifact sha256:%.12s..., the version's artifact is %.19s...",
			shex, c->digest);
		goto out;
	}
	if (strcmp(from, c->from) != 0 || strcmp(to, c->to) != 0) {
		err_why(why, n, "statement is for %s -> %s, request %" PRId64 " is %s -> %s", from, to,
			c->request, c->from, c->to);
		goto out;
	}
	if (strcmp(tier, c->tier) != 0) {
		err_why(why, n, "statement says tier %s, the model is %s", tier, c->tier);
		goto out;
	}
	pol = json_object_get(pred, "policy");
	{
		const char *psha = "", *want = c->policy != NULL ? c->policy : "";

		if (pol != NULL && !json_is_null(pol) &&
		    (json_unpack(pol, "{s:s}", "sha256", &psha) != 0 || psha[0] == '\0')) {
			err_why(why, n, "predicate policy must be null or carry a sha256");
			goto out;
		}
		if (strcmp(psha, want) != 0) {
			err_why(why, n, "statement is bound to policy %s, request %" PRId64 " was opened under %s",
				psha[0] ? psha : "none", c->request, want[0] ? want : "none");
			goto out;
		}
	}
	{
		json_t *ev = json_object_get(pred, "evidence");
		const char *esha = json_is_object(ev) ? json_string_value(json_object_get(ev, "sha256")) : NULL;

		if (esha == NULL) {
			err_why(why, n, "statement binds no evidence snapshot (predicate evidence.sha256)");
			goto out;
		}
		snprintf(out->evidence, sizeof out->evidence, "%s", esha);
		if (c->evidence != NULL && strcmp(esha, c->evidence) != 0) {
			err_why(why, n, "stale: %s since it was signed", c->stale_why ? c->stale_why : "the evidence changed");
			goto out;
		}
	}
	if (kv > c->keyring_ver || kv < 1) {
		err_why(why, n, "statement claims keyring version %" PRId64 ", recorded under %" PRId64,
			(int64_t)kv, c->keyring_ver);
		goto out;
	}
	if (strlen(nonce) < 32 || strlen(nonce) > 64) {
		err_why(why, n, "nonce must be 32 to 64 characters");
		goto out;
	}
	if (out->issued < 0 || out->expires < 0 || out->expires <= out->issued ||
	    out->expires - out->issued > APPROVAL_TTL_MAX) {
		err_why(why, n, "issuedAt/expiresAt must be RFC 3339 UTC times at most 90 days apart");
		goto out;
	}
	if (out->issued > c->now + APPROVAL_SKEW) {
		check_time_text(out->issued, tbuf, sizeof tbuf);
		err_why(why, n, "issued in the future (%s)", tbuf);
		goto out;
	}
	if (c->now >= out->expires) {
		check_time_text(out->expires, tbuf, sizeof tbuf);
		err_why(why, n, "expired at %s", tbuf);
		goto out;
	}
	if (approval_sod(principal, c->author, c->requester, want_subj, why, n) != 0)
		goto out;
	r = 0;
out:
	json_decref(root);
	dsse_free(&d);
	return r;
}

/* ---- the store's keyring as callbacks ---- */

int approval_store_key_at(void *arg, const char *key_id, int64_t ver,
			  char principal[KEYS_NAME_MAX + 1], uint8_t pk[KEYS_PK_BYTES], int *active)
{
	struct err e;

	return keyring_key_at(arg, key_id, ver, principal, pk, active, &e);
}

int approval_store_role_at(void *arg, const char *principal, unsigned role, int64_t ver)
{
	struct err e;

	return keyring_role_at(arg, principal, role, ver, &e);
}

/* ---- needs ---- */

/* Built-in minimums until policies are enrolled: more risk, more people. */
size_t approval_default_needs(const char *tier, struct approval_need *out, size_t max)
{
	size_t n = 0;

	if (max < 2)
		return 0;
	memset(out, 0, max * sizeof *out);
	out[n].role = ROLE_MLLEAD;
	out[n++].count = 1;
	if (strcmp(tier, "high") == 0 || strcmp(tier, "critical") == 0) {
		out[n].role = ROLE_RISK;
		out[n++].count = strcmp(tier, "critical") == 0 ? 2 : 1;
	}
	return n;
}

/* ---- requests ---- */

int approval_id_parse(const char *what, const char *s, int64_t *out, struct err *e)
{
	char ex[64], *end;
	long long v;

	check_excerpt(s ? s : "", ex, sizeof ex);
	if (s == NULL || s[0] < '0' || s[0] > '9')
		return err_set(e, ERR_INVALID, "%s \"%s\" is not a number (1, 2, ...)", what, ex);
	errno = 0;
	v = strtoll(s, &end, 10);
	if (errno != 0 || *end != '\0' || v <= 0)
		return err_set(e, ERR_INVALID, "%s \"%s\" is not a number (1, 2, ...)", what, ex);
	*out = (int64_t)v;
	return 0;
}

/* The stage a version is at now: production beats staging beats other aliases. */
void approval_stage_of(const char *aliases, char *out, size_t n)
{
	char buf[512], *tok, *save = NULL;

	snprintf(out, n, "none");
	if (aliases == NULL || aliases[0] == '\0')
		return;
	snprintf(buf, sizeof buf, ",%s,", aliases);
	if (strstr(buf, ",production,") != NULL) {
		snprintf(out, n, "production");
		return;
	}
	/* A canary is further along than staging: it already takes live traffic. */
	if (strstr(buf, ",canary,") != NULL) {
		snprintf(out, n, "canary");
		return;
	}
	if (strstr(buf, ",staging,") != NULL) {
		snprintf(out, n, "staging");
		return;
	}
	tok = strtok_r(buf, ",", &save);
	if (tok != NULL)
		snprintf(out, n, "%s", tok);
}

int approval_store_log(struct store *st, char *name, size_t n, struct err *e)
{
	uint8_t pk[KEYS_PK_BYTES];

	return ledger_logkey_public(st, name, n, pk, e);
}

/* One policy.enroll entry as proven: what it enrolled, or why it does not hold. */
struct approval_enrol {
	int64_t seq;
	struct err why; /* ERR_OK when it holds, else ERR_DENIED and why */
	char tier[65], name[65], sha[72];
	int64_t version;
	char *text;
};

/* Every enrolment of the store, newest first, proven once per connection
 * until a policy.enroll entry is added or the keyring changes: a gate
 * asked for its tier's policy twice (the request's read and the gate's
 * own), each parsing and proving the enrolment entries again with their
 * policy texts, a sixth of a gate on the bench estate. */
struct approval_enrols {
	struct approval_enrol *v;
	size_t n;
	int64_t keyring; /* the stamp of the proven keyring they were checked against */
};

static void approval_enrols_free(void *p)
{
	struct approval_enrols *l = p;
	size_t i;

	if (l == NULL)
		return;
	for (i = 0; i < l->n; i++)
		free(l->v[i].text);
	free(l->v);
	free(l);
}

/* Each entry must be signed by an admin of its time, its statement must
 * name its tier and sha256, and its text must hash to that sha256. 0 with
 * x filled or x->why set; -1 when the row could not be read at all. */
static int approval_enrol_prove(const struct proven_keyring *kr, int64_t seq, struct db_stmt *s,
				struct approval_enrol *x)
{
	const char *actor, *env, *ptext, *type, *sname, *stier, *ssha;
	json_int_t sver;
	char have[72];
	struct dsse d;
	json_t *j, *stmt = NULL;
	size_t idx;
	int r = 0;

	x->seq = seq;
	err_clear(&x->why);
	if (proven_row(kr, seq, s, 1, &j, &x->why) != 0)
		return 0;
	if (json_unpack(j, "{s:s, s:{s:s, s:s}}", "actor", &actor, "data", "envelope", &env, "text", &ptext) != 0 ||
	    dsse_parse(env, strlen(env), &d, &x->why) != 0) {
		json_decref(j);
		err_set(&x->why, ERR_DENIED, "ledger entry %" PRId64 ": policy enrolment is malformed", seq);
		return 0;
	}
	stmt = json_loadb((const char *)d.payload, d.payload_len, JSON_REJECT_DUPLICATES, NULL);
	dsse_free(&d);
	if (stmt == NULL || json_unpack(stmt, "{s:s, s:s, s:I, s:s, s:s}", "type", &type, "name", &sname, "version",
					&sver, "tier", &stier, "sha256", &ssha) != 0 ||
	    strcmp(type, "policy-enrolment") != 0) {
		json_decref(stmt);
		json_decref(j);
		err_set(&x->why, ERR_DENIED, "ledger entry %" PRId64 ": policy enrolment statement is malformed", seq);
		return 0;
	}
	gate_digest(ptext, strlen(ptext), have);
	if (strcmp(have, ssha) != 0 || proven_principal((struct proven_keyring *)kr, actor, &idx) == NULL ||
	    !proven_role_held(kr, idx, ROLE_ADMIN, proven_version_at(kr, seq)))
		err_set(&x->why, ERR_DENIED,
			"ledger entry %" PRId64 ": the enrolled policy's text or its signer does not hold (changed outside steward)",
			seq);
	else {
		snprintf(x->tier, sizeof x->tier, "%s", stier);
		snprintf(x->name, sizeof x->name, "%s", sname);
		snprintf(x->sha, sizeof x->sha, "%s", ssha);
		x->version = sver;
		x->text = strdup(ptext);
		if (x->text == NULL)
			r = -1;
	}
	json_decref(stmt);
	json_decref(j);
	return r;
}

static int approval_enrols_load(struct store *st, const struct approval_enrols **out, struct err *e)
{
	const struct proven_keyring *kr;
	struct approval_enrols *l, *cached;
	int64_t stamp = 0, have = 0, kstamp = 0;
	struct db_stmt *s;
	int rc, r = 0;

	/* (No other action starts with "policy.enroll".) */
	if (proven_keyring_load(st, &kr, e) != 0 || proven_action_stamp(st, "policy.enroll", &stamp, e) != 0)
		return -1;
	store_slot(st, STORE_SLOT_KEYRING, &kstamp);
	cached = store_slot(st, STORE_SLOT_POLICIES, &have);
	if (cached != NULL && have == stamp && cached->keyring == kstamp) {
		*out = cached;
		return 0;
	}
	l = calloc(1, sizeof *l);
	if (l == NULL)
		return err_set(e, ERR_IO, "out of memory");
	l->keyring = kstamp;
	if (store_stmt(st, &s, "SELECT seq, body, leaf, sig FROM ledger WHERE action = 'policy.enroll' ORDER BY seq DESC",
		       e) != 0) {
		approval_enrols_free(l);
		return -1;
	}
	while (r == 0 && (rc = db_step(s)) == DB_ROW) {
		struct approval_enrol *x = proven_push(&l->v, &l->n, sizeof *l->v);

		if (x == NULL || approval_enrol_prove(kr, db_column_int64(s, 0), s, x) != 0)
			r = err_set(e, ERR_IO, "out of memory");
		else if (x->why.kind != ERR_OK && x->why.kind != ERR_DENIED) {
			/* Not a verdict on the entry (out of memory): not kept. */
			if (e != NULL)
				*e = x->why;
			r = -1;
		}
	}
	if (r == 0 && rc != DB_DONE)
		r = store_fail(st, e, "reading policy enrolments");
	store_stmt_done(st, s);
	if (r != 0) {
		approval_enrols_free(l);
		return -1;
	}
	store_slot_set(st, STORE_SLOT_POLICIES, l, stamp, approval_enrols_free);
	*out = l;
	return 0;
}

/* The newest policy enrolled for tier (or the one enrolled with digest),
 * from the signed policy.enroll entries themselves: the policies table
 * is a cache whose text anyone who can write the file could change. An
 * enrolment that does not hold, newer than the one sought, stops the
 * search with its reason. */
static int approval_enrolled(struct store *st, const char *tier, const char *want, char name[65], int64_t *version,
			     char digest[72], char **text, struct err *e)
{
	const struct approval_enrols *l = NULL;
	size_t i;

	name[0] = digest[0] = '\0';
	*version = 0;
	if (text != NULL)
		*text = NULL;
	if (approval_enrols_load(st, &l, e) != 0)
		return -1;
	for (i = 0; i < l->n; i++) {
		const struct approval_enrol *x = &l->v[i];

		if (x->why.kind != ERR_OK) {
			if (e != NULL)
				*e = x->why;
			return -1;
		}
		if ((tier != NULL && strcmp(x->tier, tier) == 0) || (want != NULL && strcmp(x->sha, want) == 0)) {
			snprintf(name, 65, "%s", x->name);
			*version = x->version;
			snprintf(digest, 72, "%s", x->sha);
			if (text != NULL && (*text = strdup(x->text)) == NULL)
				return err_set(e, ERR_IO, "out of memory");
			return 1;
		}
	}
	return 0;
}

int approval_policy_for_tier(struct store *st, const char *tier, char name[65], int64_t *version,
			     char digest[72], char **text, struct err *e)
{
	return approval_enrolled(st, tier, NULL, name, version, digest, text, e);
}

json_t *approval_policy_json(const char *name, int64_t version, const char *digest)
{
	if (digest == NULL || digest[0] == '\0')
		return json_null();
	return json_pack("{s:s, s:I, s:s}", "name", name, "version", (json_int_t)version, "sha256", digest);
}

int approval_review_open(struct store *st, const char *actor, const char *model, int64_t version,
			 const char *alias, unsigned role, int64_t due, int64_t seq, const char *reason,
			 int64_t *id, struct err *e)
{
	char comment[1100];
	struct reg_version v;
	struct reg_model m;
	char pname[65], pdigest[72];
	int64_t pver;
	struct db_stmt *s;
	int rc, r = -1;

	memset(&m, 0, sizeof m);
	memset(&v, 0, sizeof v);
	if (registry_model_get(st, model, &m, e) != 0)
		return -1;
	if (registry_version_get(st, model, version, &v, e) != 0 ||
	    approval_policy_for_tier(st, registry_tier_name(m.tier), pname, &pver, pdigest, NULL, e) < 0 ||
	    store_prepare(st, &s,
			  "INSERT INTO requests(version_id, from_stage, to_stage, tier, requester, comment, created,"
			  " keyring_ver, seq, kind, policy_name, policy_version, policy_digest, due, review_role)"
			  " VALUES (?1, ?2, 'review', ?3, ?4, ?13, ?5, ?6, ?7,"
			  " 'review', ?8, ?9, ?10, ?11, ?12)",
			  e) != 0)
		goto out;
	db_bind_int64(s, 1, v.id);
	db_bind_text(s, 2, alias, -1, DB_STATIC);
	db_bind_text(s, 3, registry_tier_name(m.tier), -1, DB_STATIC);
	db_bind_text(s, 4, actor, -1, DB_STATIC);
	db_bind_int64(s, 5, store_now());
	db_bind_int64(s, 6, keyring_version(st));
	db_bind_int64(s, 7, seq);
	db_bind_text(s, 8, pname, -1, DB_STATIC);
	db_bind_int64(s, 9, pver);
	db_bind_text(s, 10, pdigest, -1, DB_STATIC);
	db_bind_int64(s, 11, due);
	db_bind_text(s, 12, keyring_role_name(role), -1, DB_STATIC);
	/* The reviewer sees why it was rolled back (the reason is in the
	 * rollback's signed entry too). */
	snprintf(comment, sizeof comment, "post-incident review of a rollback: %s", reason != NULL ? reason : "");
	db_bind_text(s, 13, comment, -1, DB_TRANSIENT);
	rc = db_step(s);
	db_finalize(s);
	if (rc != DB_DONE) {
		store_fail(st, e, "opening the review");
		goto out;
	}
	*id = store_last_insert_id(st);
	r = 0;
out:
	registry_model_clear(&m);
	registry_version_clear(&v);
	return r;
}

int approval_request_open(struct store *st, const struct principal *who, const char *model,
			  int64_t version, const char *to, const char *comment, int64_t *id,
			  struct err *e)
{
	struct reg_version v;
	struct reg_model m;
	char from[65], subject[200], pname[65], pdigest[72];
	int64_t kv = keyring_version(st), seq, existing = 0, pver;
	struct db_stmt *s;
	json_t *data;
	int rc, r = -1;

	if (!store_in_transaction(st))
		return err_set(e, ERR_STORE, "requests must be opened inside a transaction");
	/* err_prefix, not err_set with e->msg as its own argument: snprintf
	 * from a buffer into itself garbled the message. */
	if (check_alias(to, e) != 0)
		return err_prefix(e, "stage");
	if (comment != NULL && check_text("comment", comment, 1000, 1, 1, e) != 0)
		return -1;
	memset(&m, 0, sizeof m);
	memset(&v, 0, sizeof v);
	if (registry_model_get(st, model, &m, e) != 0)
		return -1;
	if (registry_version_get(st, model, version, &v, e) != 0 || registry_digest_bindable(&v, e) != 0)
		goto out;
	approval_stage_of(v.aliases, from, sizeof from);
	{
		char buf[512];

		snprintf(buf, sizeof buf, ",%s,", v.aliases);
		snprintf(subject, sizeof subject, ",%s,", to);
		if (strstr(buf, subject) != NULL) {
			err_set(e, ERR_EXISTS, "%s version %" PRId64 " is already %s", model, version, to);
			goto out;
		}
	}
	if (store_prepare(st, &s,
			  "SELECT id FROM requests WHERE version_id = ?1 AND to_stage = ?2 AND state = 'open'",
			  e) != 0)
		goto out;
	db_bind_int64(s, 1, v.id);
	db_bind_text(s, 2, to, -1, DB_STATIC);
	if (db_step(s) == DB_ROW)
		existing = db_column_int64(s, 0);
	db_finalize(s);
	if (existing != 0) {
		err_set(e, ERR_EXISTS, "request %" PRId64 " for %s version %" PRId64 " to %s is already open",
			existing, model, version, to);
		goto out;
	}
	/* The request is bound to the policy in force now: approvals made for
	 * it never count toward a policy enrolled later. */
	if (approval_policy_for_tier(st, registry_tier_name(m.tier), pname, &pver, pdigest, NULL, e) < 0)
		goto out;
	if (store_prepare(st, &s,
			  "INSERT INTO requests(version_id, from_stage, to_stage, tier, requester, comment,"
			  " created, keyring_ver, seq, policy_name, policy_version, policy_digest)"
			  " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, 0, ?9, ?10, ?11)",
			  e) != 0)
		goto out;
	db_bind_text(s, 9, pname, -1, DB_STATIC);
	db_bind_int64(s, 10, pver);
	db_bind_text(s, 11, pdigest, -1, DB_STATIC);
	db_bind_int64(s, 1, v.id);
	db_bind_text(s, 2, from, -1, DB_STATIC);
	db_bind_text(s, 3, to, -1, DB_STATIC);
	db_bind_text(s, 4, registry_tier_name(m.tier), -1, DB_STATIC);
	db_bind_text(s, 5, who->name, -1, DB_STATIC);
	db_bind_text(s, 6, comment ? comment : "", -1, DB_STATIC);
	db_bind_int64(s, 7, store_now());
	db_bind_int64(s, 8, kv);
	rc = db_step(s);
	db_finalize(s);
	if (rc != DB_DONE) {
		store_fail(st, e, "opening the request");
		goto out;
	}
	*id = store_last_insert_id(st);
	data = json_pack("{s:I, s:s, s:I, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:I, s:o}", "request",
			 (json_int_t)*id, "model", model, "version", (json_int_t)version, "digest",
			 v.digest, "author", v.author, "from", from, "to", to, "tier",
			 registry_tier_name(m.tier), "requester", who->name, "comment",
			 comment ? comment : "", "keyring", (json_int_t)kv, "policy",
			 approval_policy_json(pname, pver, pdigest));
	if (data == NULL) {
		err_set(e, ERR_IO, "out of memory");
		goto out;
	}
	snprintf(subject, sizeof subject, "models:/%s/%" PRId64, model, version);
	rc = ledger_append_act(st, who->key, who->name, "request.open", subject, data, &seq, e);
	json_decref(data);
	if (rc != 0)
		goto out;
	if (store_prepare(st, &s, "UPDATE requests SET seq = ?1 WHERE id = ?2", e) != 0)
		goto out;
	db_bind_int64(s, 1, seq);
	db_bind_int64(s, 2, *id);
	rc = db_step(s);
	db_finalize(s);
	if (rc != DB_DONE) {
		store_fail(st, e, "opening the request");
		goto out;
	}
	r = 0;
out:
	registry_model_clear(&m);
	registry_version_clear(&v);
	return r;
}

#define REQUEST_COLUMNS                                                                         \
	"SELECT r.id, m.name, v.version, v.digest, v.author, r.from_stage, r.to_stage, r.tier,"  \
	" r.requester, r.comment, r.state, r.created, r.keyring_ver, r.seq, r.kind,"             \
	" r.policy_name, r.policy_version, r.policy_digest, r.due, r.review_role, r.closed_note FROM requests r" \
	" JOIN versions v ON v.id = r.version_id JOIN models m ON m.id = v.model_id"

static void approval_request_row(struct db_stmt *s, struct approval_request *r)
{
	memset(r, 0, sizeof *r);
	r->id = db_column_int64(s, 0);
	store_text_copy(r->model, sizeof r->model, s, 1);
	r->version = db_column_int64(s, 2);
	store_text_copy(r->digest, sizeof r->digest, s, 3);
	store_text_copy(r->author, sizeof r->author, s, 4);
	store_text_copy(r->from, sizeof r->from, s, 5);
	store_text_copy(r->to, sizeof r->to, s, 6);
	store_text_copy(r->tier, sizeof r->tier, s, 7);
	store_text_copy(r->requester, sizeof r->requester, s, 8);
	store_text_copy(r->comment, sizeof r->comment, s, 9);
	store_text_copy(r->state, sizeof r->state, s, 10);
	r->created = db_column_int64(s, 11);
	r->keyring_ver = db_column_int64(s, 12);
	r->seq = db_column_int64(s, 13);
	store_text_copy(r->kind, sizeof r->kind, s, 14);
	store_text_copy(r->policy_name, sizeof r->policy_name, s, 15);
	r->policy_version = db_column_int64(s, 16);
	store_text_copy(r->policy, sizeof r->policy, s, 17);
	r->due = db_column_int64(s, 18);
	store_text_copy(r->review_role, sizeof r->review_role, s, 19);
	store_text_copy(r->closed, sizeof r->closed, s, 20);
}

/* The snapshot a decision on r must bind now, from the signed evidence
 * entries; "" (no comparison) when the evidence cannot be read, which the
 * gate then refuses on its own. */
static void approval_request_evidence(struct store *st, struct approval_request *r)
{
	struct record_evidence rec;
	struct err e;

	r->evidence[0] = r->evidence_why[0] = '\0';
	if (record_load(st, r->model, r->version, &rec, &e) != 0)
		return;
	if (record_snapshot(&rec, r->policy, r->evidence) != 0)
		r->evidence[0] = '\0';
	if (rec.newest_seq != 0)
		snprintf(r->evidence_why, sizeof r->evidence_why, "%s at #%" PRId64 " changed the evidence",
			 rec.newest_action, rec.newest_seq);
	record_evidence_free(&rec);
}

/* Decisions are checked against the keyring the ledger proves, not the
 * store's keyring tables (which anyone who can write the file can edit). */
int approval_ctx_for(struct store *st, const struct approval_request *r, const char *log,
			    struct approval_ctx *c, struct err *e)
{
	const struct proven_keyring *kr;

	memset(c, 0, sizeof *c);
	if (proven_keyring_load(st, &kr, e) != 0)
		return -1;
	c->request = r->id;
	c->model = r->model;
	c->version = r->version;
	c->digest = r->digest;
	c->from = r->from;
	c->to = r->to;
	c->tier = r->tier;
	c->author = r->author[0] ? r->author : NULL;
	c->requester = r->requester;
	c->log = log;
	c->policy = r->policy;
	c->now = store_now();
	c->key_at = proven_key_at;
	c->role_at = proven_role_at;
	c->arg = (void *)kr;
	c->keyring_ver = kr->version;
	if (r->evidence[0] != '\0') {
		c->evidence = r->evidence;
		c->stale_why = r->evidence_why;
	}
	return 0;
}

#define APPROVAL_COLUMNS                                                                        \
	"SELECT id, request_id, principal, key_id, role, decision, issued, expires, recorded,"   \
	" keyring_ver, seq, envelope, nonce FROM approvals"

/* What the request needs: a review one decision by its role; a promotion
 * the approvals rules of the policy it was opened under, or the built-in
 * minimums when there was none. */
static int approval_needs(struct store *st, struct approval_request *r, struct err *e)
{
	const struct policy_section *sec;
	struct policy pol;
	char *text = NULL;
	size_t i;
	int rc;

	r->nneeds = 0;
	if (strcmp(r->kind, "review") == 0) {
		r->needs[0].role = keyring_role_parse(r->review_role, e);
		r->needs[0].count = 1;
		r->nneeds = 1;
		return 0;
	}
	if (r->policy[0] == '\0') {
		r->nneeds = approval_default_needs(r->tier, r->needs, APPROVAL_MAX_NEEDS);
		return 0;
	}
	{
		char pname[65], pdigest[72];
		int64_t pver;

		rc = approval_enrolled(st, NULL, r->policy, pname, &pver, pdigest, &text, e);
		if (rc < 0)
			return -1;
		if (rc == 0 || text == NULL)
			return 0;
	}
	rc = policy_parse(text, strlen(text), r->policy_name, &pol, e);
	free(text);
	if (rc != 0)
		return 0; /* an enrolled policy always parsed; if not, show no needs rather than fail */
	sec = policy_transition(&pol, r->from, r->to);
	for (i = 0; sec != NULL && i < sec->nrules && r->nneeds < APPROVAL_MAX_NEEDS; i++) {
		const struct policy_rule *ru = &sec->rules[i];

		if (ru->kind != PK_APPROVALS && ru->kind != PK_APPROVERS)
			continue;
		r->needs[r->nneeds].role = ru->kind == PK_APPROVALS ? keyring_role_parse(ru->a, e) : 0;
		r->needs[r->nneeds].count = (int)ru->value;
		r->needs[r->nneeds++].have = 0;
	}
	policy_free(&pol);
	return 0;
}

/* Checks an approval row against the ledger entry that recorded it and
 * takes the keyring version and time from the entry. 0 when they agree;
 * -1 with a->why filled when the row was changed outside steward. */
static int approval_from_entry(struct store *st, struct approval_eval *a, const void *env, size_t len)
{
	const char *eenv = NULL, *action = NULL, *when = NULL;
	json_int_t req = 0, kv = 0;
	struct err e;
	json_t *body;

	if (proven_entry(st, a->seq, &body, &e) != 0) {
		snprintf(a->why, sizeof a->why, "%.399s", e.msg);
		return -1;
	}
	if (json_unpack(body, "{s:s, s:s, s:{s:I, s:I, s:s}}", "action", &action, "time", &when, "data", "request", &req,
			"keyring", &kv, "envelope", &eenv) != 0 ||
	    strncmp(action, "approval.", 9) != 0 || req != a->request || strlen(eenv) != len ||
	    memcmp(eenv, env, len) != 0) {
		snprintf(a->why, sizeof a->why,
			 "approval %" PRId64 " differs from the decision ledger entry %" PRId64 " recorded (changed outside steward)",
			 a->id, a->seq);
		json_decref(body);
		return -1;
	}
	a->keyring_ver = kv;
	a->recorded = check_time_parse(when);
	json_decref(body);
	return 0;
}

/* The request row against the ledger entry that opened it (a promotion's
 * request.open, a review's rollback): what a count relies on, the
 * requester, version, digest, stages, tier and policy, must be what that
 * signed entry says. Sets r->tampered when not. */
static void approval_request_proven(struct store *st, struct approval_request *r)
{
	const char *action = "", *requester = "", *model = "", *digest = "", *from = "", *to = "", *tier = "",
		   *psha = "", *actor = "";
	json_int_t id = 0, version = 0;
	json_t *body, *data, *pol;
	struct err e;
	int ok;

	r->tampered[0] = '\0';
	if (proven_entry(st, r->seq, &body, &e) != 0) {
		snprintf(r->tampered, sizeof r->tampered, "request %" PRId64 ": %.300s", r->id, e.msg);
		return;
	}
	data = json_object_get(body, "data");
	json_unpack(body, "{s:s, s:s}", "action", &action, "actor", &actor);
	if (strcmp(r->kind, "review") == 0) {
		json_t *rev = json_object_get(data, "review");

		ok = strcmp(action, "rollback") == 0 && json_is_object(rev) &&
		     json_integer_value(json_object_get(rev, "request")) == r->id && strcmp(actor, r->requester) == 0 &&
		     json_integer_value(json_object_get(data, "to_version")) == r->version;
	} else {
		ok = strcmp(action, "request.open") == 0 &&
		     json_unpack(data, "{s:I, s:s, s:I, s:s, s:s, s:s, s:s, s:s}", "request", &id, "model", &model, "version",
				 &version, "digest", &digest, "from", &from, "to", &to, "tier", &tier, "requester",
				 &requester) == 0;
		pol = json_object_get(data, "policy");
		if (json_is_object(pol))
			psha = json_string_value(json_object_get(pol, "sha256")) ? json_string_value(json_object_get(pol, "sha256")) : "";
		ok = ok && id == r->id && strcmp(model, r->model) == 0 && version == r->version &&
		     strcmp(digest, r->digest) == 0 && strcmp(from, r->from) == 0 && strcmp(to, r->to) == 0 &&
		     strcmp(tier, r->tier) == 0 && strcmp(requester, r->requester) == 0 && strcmp(actor, requester) == 0 &&
		     strcmp(psha, r->policy) == 0;
	}
	if (!ok)
		snprintf(r->tampered, sizeof r->tampered,
			 "request %" PRId64 " differs from ledger entry %" PRId64 " that opened it (changed outside steward)",
			 r->id, r->seq);
	json_decref(body);
}

/* Evaluates every decision of r, in the order they were recorded. */
static int approval_evaluate(struct store *st, struct approval_request *r, struct err *e)
{
	char log[KEYS_NAME_MAX + 1];
	struct approval_ctx c;
	struct db_stmt *s, *ns = NULL;
	size_t i, j;
	int rc;

	if (approval_store_log(st, log, sizeof log, e) != 0)
		return -1;
	approval_request_evidence(st, r);
	if (approval_ctx_for(st, r, log, &c, e) != 0 || approval_needs(st, r, e) != 0)
		return -1;
	/* A closed request is judged as it stood: evidence changed after it
	 * closed makes no decision on it stale. */
	if (strcmp(r->state, "open") != 0)
		c.evidence = NULL;
	for (i = 0; i < r->nneeds; i++)
		r->required += r->needs[i].count;
	approval_request_proven(st, r);
	if (store_stmt(st, &s, APPROVAL_COLUMNS " WHERE request_id = ?1 ORDER BY id", e) != 0)
		return -1;
	if (store_stmt(st, &ns, "SELECT min(id) FROM approvals WHERE nonce = ?1", e) != 0) {
		store_stmt_done(st, s);
		return -1;
	}
	db_bind_int64(s, 1, r->id);
	while ((rc = db_step(s)) == DB_ROW) {
		struct approval_eval *a, *nv = realloc(r->v, (r->n + 1) * sizeof *r->v);
		struct approval_stmt stmt;
		int64_t first;

		if (nv == NULL) {
			rc = DB_NOMEM;
			break;
		}
		r->v = nv;
		a = &r->v[r->n++];
		memset(a, 0, sizeof *a);
		a->id = db_column_int64(s, 0);
		a->request = db_column_int64(s, 1);
		store_text_copy(a->principal, sizeof a->principal, s, 2);
		store_text_copy(a->key_id, sizeof a->key_id, s, 3);
		store_text_copy(a->role, sizeof a->role, s, 4);
		a->approve = strcmp((const char *)db_column_text(s, 5), "approve") == 0;
		a->issued = db_column_int64(s, 6);
		a->expires = db_column_int64(s, 7);
		a->recorded = db_column_int64(s, 8);
		a->keyring_ver = db_column_int64(s, 9);
		a->seq = db_column_int64(s, 10);
		if (r->tampered[0] != '\0') {
			snprintf(a->why, sizeof a->why, "%s", r->tampered);
			continue;
		}
		/* The row is a cache of its ledger entry: the envelope, keyring
		 * version and time the gate relies on come from the entry. */
		if (approval_from_entry(st, a, db_column_blob(s, 11), (size_t)db_column_bytes(s, 11)) != 0)
			continue;
		c.keyring_ver = a->keyring_ver;
		/* A closed request is judged as it stood when each decision came in. */
		if (strcmp(r->state, "open") != 0)
			c.now = a->recorded;
		if (approval_check(&c, db_column_blob(s, 11), (size_t)db_column_bytes(s, 11),
				   &stmt, a->why, sizeof a->why) != 0)
			continue;
		snprintf(a->comment, sizeof a->comment, "%s", stmt.comment);
		/* The row must say what the signed statement says. */
		if (strcmp(stmt.principal, a->principal) != 0 || strcmp(stmt.key_id, a->key_id) != 0 ||
		    strcmp(keyring_role_name(stmt.role), a->role) != 0 || stmt.approve != a->approve ||
		    strcmp(stmt.nonce, (const char *)db_column_text(s, 12)) != 0) {
			snprintf(a->why, sizeof a->why, "stored fields differ from the signed statement");
			continue;
		}
		db_reset(ns);
		db_bind_text(ns, 1, stmt.nonce, -1, DB_TRANSIENT);
		first = db_step(ns) == DB_ROW ? db_column_int64(ns, 0) : a->id;
		if (first != a->id) {
			snprintf(a->why, sizeof a->why, "nonce already used by approval %" PRId64 " (replay)", first);
			continue;
		}
		if (!a->approve) {
			snprintf(a->why, sizeof a->why, "rejects the request");
			continue;
		}
		for (j = 0; j + 1 < r->n; j++)
			if (r->v[j].counts && strcmp(r->v[j].principal, a->principal) == 0)
				break;
		if (j + 1 < r->n) {
			snprintf(a->why, sizeof a->why,
				 "%s already counted (approval %" PRId64 "); thresholds count people, not keys",
				 a->principal, r->v[j].id);
			continue;
		}
		a->counts = 1;
		r->counted++;
		/* A role's own need first; "any role" needs take the rest. */
		for (j = 0; j < r->nneeds; j++)
			if (r->needs[j].role == stmt.role && r->needs[j].have < r->needs[j].count)
				break;
		if (j == r->nneeds)
			for (j = 0; j < r->nneeds; j++)
				if (r->needs[j].role == 0 && r->needs[j].have < r->needs[j].count)
					break;
		if (j == r->nneeds)
			for (j = 0; j < r->nneeds; j++)
				if (r->needs[j].role == stmt.role)
					break;
		if (j < r->nneeds)
			r->needs[j].have++;
	}
	store_stmt_done(st, ns);
	if (rc == DB_NOMEM) {
		store_stmt_done(st, s);
		return err_set(e, ERR_IO, "out of memory");
	}
	if (rc != DB_DONE) {
		store_fail(st, e, "reading approvals");
		store_stmt_done(st, s);
		return -1;
	}
	store_stmt_done(st, s);
	for (i = 0; i < r->nneeds; i++)
		r->satisfied += r->needs[i].have < r->needs[i].count ? r->needs[i].have : r->needs[i].count;
	return 0;
}

int approval_request_close(struct store *st, int64_t id, const char *state, struct err *e)
{
	struct db_stmt *s;
	int rc;

	if (strcmp(state, "applied") != 0 && strcmp(state, "withdrawn") != 0)
		return err_set(e, ERR_INVALID, "a request closes as applied or withdrawn");
	if (store_prepare(st, &s, "UPDATE requests SET state = ?2 WHERE id = ?1 AND state = 'open'", e) != 0)
		return -1;
	db_bind_int64(s, 1, id);
	db_bind_text(s, 2, state, -1, DB_STATIC);
	rc = db_step(s);
	db_finalize(s);
	if (rc != DB_DONE)
		return store_fail(st, e, "closing the request");
	if (store_changes(st) != 1)
		return err_set(e, ERR_NOTFOUND, "no open request %" PRId64, id);
	return 0;
}

static int approval_close_note(struct store *st, int64_t id, const char *note, struct err *e)
{
	struct db_stmt *s;
	int rc;

	if (store_prepare(st, &s, "UPDATE requests SET closed_note = ?2 WHERE id = ?1", e) != 0)
		return -1;
	db_bind_int64(s, 1, id);
	db_bind_text(s, 2, note, -1, DB_STATIC);
	rc = db_step(s);
	db_finalize(s);
	return rc == DB_DONE ? 0 : store_fail(st, e, "closing the request");
}

/* The open promotion request id, if who may close it: its requester or an admin. */
static int approval_closable(struct store *st, const struct principal *who, int64_t id, struct approval_request *r,
			     struct err *e)
{
	int closed;

	if (approval_request_get(st, id, r, e) != 0)
		return -1;
	approval_request_clear(r);
	if (strcmp(r->state, "open") != 0)
		return err_set(e, ERR_DENIED, "request %" PRId64 " is %s, not open", id, r->state);
	if (r->tampered[0] != '\0')
		return err_set(e, ERR_DENIED, "request %" PRId64 ": %s", id, r->tampered);
	closed = approval_request_closed_in_ledger(st, id, r->model, r->version, e);
	if (closed != 0)
		return closed < 0 ? -1
				  : err_set(e, ERR_DENIED, "request %" PRId64 " is closed in the ledger though its row says open", id);
	if (!record_same_person(who->name, r->requester) && !(who->roles & ROLE_ADMIN))
		return err_set(e, ERR_DENIED, "only %s, who opened request %" PRId64 ", or an admin can close it", r->requester, id);
	return 0;
}

int approval_request_closed_in_ledger(struct store *st, int64_t id, const char *model, int64_t version,
				      struct err *e)
{
	char subject[200];
	struct db_stmt *s;
	int rc;

	/* By the version's subject (the subject index): by the action alone,
	 * every gate apply read the body of every promotion and withdrawal
	 * the ledger holds, a cost growing with the ledger. */
	snprintf(subject, sizeof subject, "models:/%s/%" PRId64, model, version);
	if (store_stmt(st, &s,
		       "SELECT 1 FROM ledger WHERE subject = ?2 AND action || '' IN ('promotion.apply', 'request.withdraw',"
		       " 'request.supersede') AND CAST(json_extract(CAST(body AS TEXT), '$.data.request') AS BIGINT) = ?1 LIMIT 1",
		       e) != 0)
		return -1;
	db_bind_int64(s, 1, id);
	db_bind_text(s, 2, subject, -1, DB_STATIC);
	rc = db_step(s);
	if (rc != DB_ROW && rc != DB_DONE)
		store_fail(st, e, "reading the ledger");
	store_stmt_done(st, s);
	if (rc == DB_ROW)
		return 1;
	return rc == DB_DONE ? 0 : -1;
}

int approval_request_withdraw(struct store *st, const struct principal *who, int64_t id, const char *reason,
			      int64_t *seq, struct err *e)
{
	struct approval_request r;
	char subject[200], note[300];
	json_t *data;
	int rc;

	if (!store_in_transaction(st))
		return err_set(e, ERR_STORE, "requests must be withdrawn inside a transaction");
	if (reason == NULL || reason[0] == '\0')
		return err_set(e, ERR_INVALID, "withdrawing a request needs a reason (--reason TEXT)");
	if (check_text("reason", reason, 1000, 1, 0, e) != 0 || approval_closable(st, who, id, &r, e) != 0)
		return -1;
	data = json_pack("{s:I, s:s, s:I, s:s, s:s, s:s}", "request", (json_int_t)id, "model", r.model, "version",
			 (json_int_t)r.version, "to", r.to, "requester", r.requester, "reason", reason);
	if (data == NULL)
		return err_set(e, ERR_IO, "out of memory");
	snprintf(subject, sizeof subject, "models:/%s/%" PRId64, r.model, r.version);
	rc = ledger_append_act(st, who->key, who->name, "request.withdraw", subject, data, seq, e);
	json_decref(data);
	snprintf(note, sizeof note, "withdrawn by %.64s: %.200s", who->name, reason);
	if (rc != 0 || approval_request_close(st, id, "withdrawn", e) != 0 || approval_close_note(st, id, note, e) != 0)
		return -1;
	return 0;
}

int approval_request_supersede(struct store *st, const struct principal *who, int64_t id, int64_t *new_id,
			       struct err *e)
{
	struct approval_request r;
	char subject[200], note[300], pname[65], pdigest[72];
	int64_t pver, seq;
	json_t *data;
	int rc;

	if (!store_in_transaction(st))
		return err_set(e, ERR_STORE, "requests must be superseded inside a transaction");
	if (approval_closable(st, who, id, &r, e) != 0)
		return -1;
	if (strcmp(r.kind, "promotion") != 0)
		return err_set(e, ERR_INVALID, "request %" PRId64 " is a %s; only promotion requests are superseded", id, r.kind);
	rc = approval_policy_for_tier(st, r.tier, pname, &pver, pdigest, NULL, e);
	if (rc < 0)
		return -1;
	if (strcmp(pdigest, r.policy) == 0)
		return err_set(e, ERR_INVALID, "request %" PRId64 " is bound to %s v%" PRId64 ", the policy still in force for %s: nothing supersedes it",
			       id, r.policy_name, r.policy_version, r.tier);
	/* Closed first: the new request for the same version and stage would
	 * otherwise collide with this one, which is still open. */
	if (approval_request_close(st, id, "withdrawn", e) != 0 ||
	    approval_request_open(st, who, r.model, r.version, r.to, r.comment, new_id, e) != 0)
		return -1;
	data = json_pack("{s:I, s:I, s:s, s:I, s:s, s:{s:s, s:I, s:s}, s:{s:s, s:I, s:s}}", "request", (json_int_t)id,
			 "successor", (json_int_t)*new_id, "model", r.model, "version", (json_int_t)r.version, "to", r.to,
			 "old_policy", "name", r.policy_name, "version", (json_int_t)r.policy_version, "sha256", r.policy,
			 "policy", "name", pname, "version", (json_int_t)pver, "sha256", pdigest);
	if (data == NULL)
		return err_set(e, ERR_IO, "out of memory");
	snprintf(subject, sizeof subject, "models:/%s/%" PRId64, r.model, r.version);
	rc = ledger_append_act(st, who->key, who->name, "request.supersede", subject, data, &seq, e);
	json_decref(data);
	snprintf(note, sizeof note, "superseded by request %" PRId64 " (policy %.64s v%" PRId64 ")", *new_id, pname, pver);
	if (rc != 0 || approval_close_note(st, id, note, e) != 0)
		return -1;
	return 0;
}

void approval_request_clear(struct approval_request *r)
{
	free(r->v);
	r->v = NULL;
	r->n = 0;
}

int approval_request_peek(struct store *st, int64_t id, struct approval_request *out, struct err *e)
{
	struct db_stmt *s;
	int rc;

	memset(out, 0, sizeof *out);
	if (store_stmt(st, &s, REQUEST_COLUMNS " WHERE r.id = ?1", e) != 0)
		return -1;
	db_bind_int64(s, 1, id);
	rc = db_step(s);
	if (rc == DB_ROW)
		approval_request_row(s, out);
	store_stmt_done(st, s);
	if (rc == DB_DONE)
		return err_set(e, ERR_NOTFOUND, "no request %" PRId64 " (see 'steward approval list')", id);
	if (rc != DB_ROW)
		return store_fail(st, e, "reading a request");
	return 0;
}

int approval_request_get(struct store *st, int64_t id, struct approval_request *out, struct err *e)
{
	if (approval_request_peek(st, id, out, e) != 0)
		return -1;
	if (approval_evaluate(st, out, e) != 0) {
		approval_request_clear(out);
		return -1;
	}
	return 0;
}

void approval_requests_free(struct approval_requests *l)
{
	size_t i;

	for (i = 0; i < l->n; i++)
		approval_request_clear(&l->v[i]);
	free(l->v);
	l->v = NULL;
	l->n = 0;
}

/* One approval_request_each. */
struct approval_pages {
	struct store *st;
	const struct approval_query *q;
	approval_request_fn fn;
	void *arg;
	int64_t seen;
};

static void approval_request_bind(struct db_stmt *s, const void *last, void *arg)
{
	const struct approval_query *q = ((const struct approval_pages *)arg)->q;
	const struct approval_request *r = last;

	db_bind_int64(s, 1, r != NULL ? r->id : q->oldest_first ? 0 : INT64_MAX);
	db_bind_int64(s, 2, q->open_only ? 1 : 0);
	db_bind_int64(s, 3, q->since);
	db_bind_int64(s, 4, q->decided ? 1 : 0);
	db_bind_int64(s, 5, q->decided_since);
	db_bind_int64(s, 6, KEYSET_PAGE);
}

static int approval_request_read(struct db_stmt *s, void *r)
{
	approval_request_row(s, r);
	return 0;
}

static void approval_request_drop(void *r)
{
	approval_request_clear(r);
}

/* Requests are evaluated only once their page is read: evaluating runs
 * statements of its own. */
static int approval_request_give(void *arg, void *row, struct err *e)
{
	struct approval_pages *p = arg;
	int rc;

	if (approval_evaluate(p->st, row, e) != 0)
		return -1;
	rc = p->fn(p->arg, row, e);
	if (rc != 0)
		return rc;
	p->seen++;
	return p->q->limit > 0 && p->seen >= p->q->limit;
}

int approval_request_each(struct store *st, const struct approval_query *q, approval_request_fn fn, void *arg,
			  struct err *e)
{
	/* The keyset (r.id past the last page's) keeps each page as quick as
	 * the first; one statement serves every page. */
	struct keyset k = {
		.sql = q->oldest_first
			       ? REQUEST_COLUMNS " WHERE r.id > ?1 AND (?2 = 0 OR r.state = 'open') AND r.created >= ?3"
						 " AND (?4 = 0 OR EXISTS (SELECT 1 FROM approvals a WHERE a.request_id = r.id"
						 " AND a.recorded >= ?5)) ORDER BY r.id LIMIT ?6"
			       : REQUEST_COLUMNS " WHERE r.id < ?1 AND (?2 = 0 OR r.state = 'open') AND r.created >= ?3"
						 " AND (?4 = 0 OR EXISTS (SELECT 1 FROM approvals a WHERE a.request_id = r.id"
						 " AND a.recorded >= ?5)) ORDER BY r.id DESC LIMIT ?6",
		.what = "reading requests",
		.size = sizeof(struct approval_request),
		.bind = approval_request_bind,
		.row = approval_request_read,
		.clear = approval_request_drop,
		.give = approval_request_give,
	};
	struct approval_pages p = { .st = st, .q = q, .fn = fn, .arg = arg };

	return keyset_each(st, &k, &p, e);
}

static int approval_request_collect(void *arg, const struct approval_request *r, struct err *e)
{
	struct approval_requests *out = arg;
	struct approval_request *nv = realloc(out->v, (out->n + 1) * sizeof *out->v);

	if (nv == NULL)
		return err_set(e, ERR_IO, "out of memory");
	out->v = nv;
	out->v[out->n] = *r;
	out->v[out->n].v = r->n > 0 ? malloc(r->n * sizeof *r->v) : NULL;
	if (r->n > 0 && out->v[out->n].v == NULL)
		return err_set(e, ERR_IO, "out of memory");
	if (r->n > 0)
		memcpy(out->v[out->n].v, r->v, r->n * sizeof *r->v);
	out->n++;
	return 0;
}

int approval_request_list(struct store *st, int open_only, struct approval_requests *out,
			  struct err *e)
{
	struct approval_query q = { .open_only = open_only };

	memset(out, 0, sizeof *out);
	if (approval_request_each(st, &q, approval_request_collect, out, e) != 0) {
		approval_requests_free(out);
		return -1;
	}
	return 0;
}

void approval_evals_free(struct approval_evals *l)
{
	free(l->v);
	l->v = NULL;
	l->n = 0;
}

struct approval_walk {
	int64_t since, limit, seen;
	approval_eval_fn fn;
	void *arg;
};

static int approval_walk_request(void *arg, const struct approval_request *r, struct err *e)
{
	struct approval_walk *w = arg;
	size_t j;
	int rc;

	for (j = 0; j < r->n; j++) {
		if (r->v[j].recorded < w->since)
			continue;
		if (w->limit > 0 && w->seen >= w->limit)
			return 1;
		w->seen++;
		if ((rc = w->fn(w->arg, &r->v[j], e)) != 0)
			return rc;
	}
	return w->limit > 0 && w->seen >= w->limit ? 1 : 0;
}

int approval_each(struct store *st, int64_t request, int64_t since, int64_t limit, approval_eval_fn fn, void *arg,
		  struct err *e)
{
	/* The limit counts decisions, not requests: the walk stops itself. */
	struct approval_query q = { .oldest_first = 1, .decided = 1, .decided_since = since };
	struct approval_walk w = { .since = since, .limit = limit, .fn = fn, .arg = arg };
	struct approval_request r;
	int rc;

	if (request == 0)
		return approval_request_each(st, &q, approval_walk_request, &w, e);
	if (approval_request_get(st, request, &r, e) != 0)
		return -1;
	rc = approval_walk_request(&w, &r, e);
	approval_request_clear(&r);
	return rc < 0 ? -1 : 0;
}

static int approval_collect(void *arg, const struct approval_eval *a, struct err *e)
{
	struct approval_evals *out = arg;
	struct approval_eval *nv = realloc(out->v, (out->n + 1) * sizeof *out->v);

	if (nv == NULL)
		return err_set(e, ERR_IO, "out of memory");
	out->v = nv;
	out->v[out->n++] = *a;
	return 0;
}

int approval_list(struct store *st, int64_t request, struct approval_evals *out, struct err *e)
{
	memset(out, 0, sizeof *out);
	if (approval_each(st, request, 0, 0, approval_collect, out, e) != 0) {
		approval_evals_free(out);
		return -1;
	}
	return 0;
}

int approval_envelope(struct store *st, int64_t id, char **env, size_t *len, struct err *e)
{
	struct db_stmt *s;
	int rc;

	*env = NULL;
	if (store_prepare(st, &s, "SELECT envelope FROM approvals WHERE id = ?1", e) != 0)
		return -1;
	db_bind_int64(s, 1, id);
	rc = db_step(s);
	if (rc == DB_ROW) {
		*len = (size_t)db_column_bytes(s, 0);
		*env = malloc(*len + 1);
		if (*env != NULL) {
			memcpy(*env, db_column_blob(s, 0), *len);
			(*env)[*len] = '\0';
		}
	}
	db_finalize(s);
	if (rc == DB_DONE)
		return err_set(e, ERR_NOTFOUND, "no approval %" PRId64 " (see 'steward approval list')", id);
	if (rc != DB_ROW)
		return store_fail(st, e, "reading an approval");
	return *env != NULL ? 0 : err_set(e, ERR_IO, "out of memory");
}
