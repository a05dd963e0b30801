/* approval-sign: who may decide on a request before any key is unlocked (the person rules the queue shares), and recording a signed decision with its ledger entry. */
#include "approval.h"
#include "approval-sign.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>
#include <sodium.h>

#include "check.h"
#include "dsse.h"
#include "gate.h"
#include "ledger.h"
#include "proven.h"
#include "policy.h"
#include "record.h"
#include "registry.h"

/* ---- before the key: who may decide ---- */

static const unsigned approval_role_order[] = { ROLE_RISK, ROLE_MLLEAD, ROLE_SRE, ROLE_ADMIN };
#define APPROVAL_NROLES (sizeof approval_role_order / sizeof approval_role_order[0])

static unsigned approval_default_role(unsigned held)
{
	size_t i;

	for (i = 0; i < APPROVAL_NROLES; i++)
		if (held & approval_role_order[i])
			return approval_role_order[i];
	return 0;
}

static void approval_signed_why(const struct approval_request *r, const char *principal, char *why,
				size_t n)
{
	const struct approval_eval *d = approval_signed_by(r, principal);

	if (d != NULL)
		snprintf(why, n,
			 "%s already signed a decision on request %" PRId64 " (approval %" PRId64
			 " with key %s); thresholds count people, not keys",
			 principal, r->id, d->id, d->key_id);
}

/* 1 when a decision signed as role would serve one of r's needs: for an
 * approval a need not yet filled, for a rejection any need of that role. */
static int approval_role_needed(const struct approval_request *r, unsigned role, int approve)
{
	size_t i;

	for (i = 0; i < r->nneeds; i++)
		if ((r->needs[i].role == role || r->needs[i].role == 0) &&
		    (!approve || r->needs[i].have < r->needs[i].count))
			return 1;
	return 0;
}

/* "ml-lead 1/1, risk-officer 0/1", for refusals that say what is needed. */
static void approval_needs_text(const struct approval_request *r, char *buf, size_t n)
{
	size_t i, used = 0;

	buf[0] = '\0';
	for (i = 0; i < r->nneeds; i++) {
		int w = snprintf(buf + used, n - used, "%s%s %d/%d", i ? ", " : "",
				 r->needs[i].role ? keyring_role_name(r->needs[i].role) : "any role",
				 r->needs[i].have < r->needs[i].count ? r->needs[i].have : r->needs[i].count,
				 r->needs[i].count);

		if (w < 0 || (size_t)w >= n - used)
			break;
		used += (size_t)w;
	}
}

/* The rules about the person and the request that need no key and no
 * store access beyond r (evaluated): shared by the queue and the precheck. */
static int approval_person_check(const struct approval_request *r, const struct principal *who,
				 int approve, int only_needed, unsigned *role, char *why, size_t n)
{
	char subject[200], held[128], needs[200];
	size_t i;

	if (strcmp(r->state, "open") != 0)
		return err_why(why, n, "request %" PRId64 " is %s, not open", r->id, r->state);
	if (r->tampered[0] != '\0')
		return err_why(why, n, "%s", r->tampered);
	if (!(who->roles & ROLE_SIGNERS))
		return err_why(why, n, "%s holds no role that signs decisions", who->name);
	if (*role != 0 && !(who->roles & *role))
		return err_why(why, n, "%s does not hold role %s", who->name, keyring_role_name(*role));
	snprintf(subject, sizeof subject, "models:/%s/%" PRId64, r->model, r->version);
	if (approval_sod(who->name, r->author, r->requester, subject, why, n) != 0)
		return -1;
	if (approval_signed_by(r, who->name) != NULL) {
		approval_signed_why(r, who->name, why, n);
		return -1;
	}
	if (*role == 0)
		for (i = 0; i < APPROVAL_NROLES && *role == 0; i++)
			if ((who->roles & approval_role_order[i]) &&
			    approval_role_needed(r, approval_role_order[i], approve))
				*role = approval_role_order[i];
	/* The CLI may record a decision no need asks for (a second risk
	 * officer's word is evidence too); the console, which offers what
	 * waits for someone, does not ask for one. */
	if (!only_needed) {
		if (*role == 0)
			*role = approval_default_role(who->roles);
		return 0;
	}
	if (*role == 0 || !approval_role_needed(r, *role, approve)) {
		approval_needs_text(r, needs, sizeof needs);
		keyring_roles_text(*role ? *role : who->roles & ROLE_SIGNERS, held, sizeof held);
		if (r->satisfied >= r->required)
			return err_why(why, n, "request #%" PRId64 " has every approval it needs (%s)",
				       r->id, needs[0] ? needs : "none");
		return err_why(why, n, "request #%" PRId64 " needs no %s from %s (%s %s)", r->id,
			       approve ? "approval" : "decision", held, approve ? "still open:" : "needs:",
			       needs[0] ? needs : "none");
	}
	return 0;
}

static int approval_precheck_as(struct store *st, const struct principal *who,
				 const struct approval_request *r, int approve, int only_needed,
				 unsigned *role, char *why, size_t n)
{
	struct err e;

	if (approval_person_check(r, who, approve, only_needed, role, why, n) != 0)
		return -1;
	if (r->evidence[0] == '\0')
		return err_why(why, n,
			       "the evidence of %s v%" PRId64 " cannot be read from the ledger, so nothing can be signed over it",
			       r->model, r->version);
	/* An approval (not a rejection) binds to bytes; a request opened
	 * before digest states existed may name a version never read. */
	if (approve) {
		struct reg_version v;
		int rc;

		err_clear(&e);
		if (registry_version_get(st, r->model, r->version, &v, &e) != 0)
			return err_why(why, n, "%s", e.msg);
		rc = registry_digest_bindable(&v, &e);
		registry_version_clear(&v);
		if (rc != 0)
			return err_why(why, n, "%s", e.msg);
	}
	return 0;
}

int approval_precheck(struct store *st, const struct principal *who, const struct approval_request *r,
		      int approve, unsigned *role, char *why, size_t n)
{
	return approval_precheck_as(st, who, r, approve, 1, role, why, n);
}

int approval_waits_for(const struct approval_request *r, const struct principal *who)
{
	char why[400];
	unsigned role = 0;

	return approval_person_check(r, who, 1, 1, &role, why, sizeof why) == 0;
}

/* ---- recording decisions ---- */

/* Checks env against request r as the keyring stands now, refuses
 * replays and second decisions by the same person, and records it with
 * its ledger entry. Inside the caller's transaction. */
static int approval_record(struct store *st, const struct approval_request *r, const char *env,
			   size_t len, int64_t *id, struct err *e)
{
	char log[KEYS_NAME_MAX + 1], why[400], subject[200], action[32];
	struct approval_stmt stmt;
	struct approval_ctx c;
	int64_t kv, seq, prior = 0;
	struct db_stmt *s;
	json_t *data;
	int rc;

	if (strcmp(r->state, "open") != 0)
		return err_set(e, ERR_DENIED, "request %" PRId64 " is %s, not open", r->id, r->state);
	if (approval_store_log(st, log, sizeof log, e) != 0)
		return -1;
	if (approval_ctx_for(st, r, log, &c, e) != 0)
		return -1;
	if (c.evidence == NULL)
		return err_set(e, ERR_DENIED, "decision refused: the evidence of %s v%" PRId64 " cannot be read from the ledger",
			       r->model, r->version);
	kv = c.keyring_ver;
	if (approval_check(&c, env, len, &stmt, why, sizeof why) != 0)
		return err_set(e, ERR_DENIED, "decision refused: %s", why);
	if (store_prepare(st, &s, "SELECT id FROM approvals WHERE nonce = ?1", e) != 0)
		return -1;
	db_bind_text(s, 1, stmt.nonce, -1, DB_STATIC);
	if (db_step(s) == DB_ROW)
		prior = db_column_int64(s, 0);
	db_finalize(s);
	if (prior != 0)
		return err_set(e, ERR_DENIED, "decision refused: nonce already used by approval %" PRId64 " (replay)",
			       prior);
	if (approval_signed_by(r, stmt.principal) != NULL) {
		approval_signed_why(r, stmt.principal, why, sizeof why);
		return err_set(e, ERR_DENIED, "decision refused: %s", why);
	}
	/* The entry first, so the row can carry its sequence number. */
	data = json_pack("{s:I, s:I, s:s}", "request", (json_int_t)r->id, "keyring", (json_int_t)kv,
			 "envelope", env);
	if (data == NULL)
		return err_set(e, ERR_IO, "out of memory");
	snprintf(subject, sizeof subject, "models:/%s/%" PRId64, r->model, r->version);
	snprintf(action, sizeof action, "approval.%s", stmt.approve ? "approve" : "reject");
	rc = ledger_append(st, stmt.principal, action, subject, data, &seq, e);
	json_decref(data);
	if (rc != 0)
		return -1;
	if (store_prepare(st, &s,
			  "INSERT INTO approvals(request_id, principal, key_id, role, decision, nonce, issued,"
			  " expires, recorded, keyring_ver, seq, envelope)"
			  " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12)",
			  e) != 0)
		return -1;
	db_bind_int64(s, 1, r->id);
	db_bind_text(s, 2, stmt.principal, -1, DB_STATIC);
	db_bind_text(s, 3, stmt.key_id, -1, DB_STATIC);
	db_bind_text(s, 4, keyring_role_name(stmt.role), -1, DB_STATIC);
	db_bind_text(s, 5, stmt.approve ? "approve" : "reject", -1, DB_STATIC);
	db_bind_text(s, 6, stmt.nonce, -1, DB_STATIC);
	db_bind_int64(s, 7, stmt.issued);
	db_bind_int64(s, 8, stmt.expires);
	db_bind_int64(s, 9, store_now());
	db_bind_int64(s, 10, kv);
	db_bind_int64(s, 11, seq);
	db_bind_blob(s, 12, env, (int)len, DB_STATIC);
	rc = db_step(s);
	db_finalize(s);
	if (rc != DB_DONE)
		return store_fail(st, e, "recording the decision");
	*id = store_last_insert_id(st);
	if (!stmt.approve) {
		if (store_prepare(st, &s, "UPDATE requests SET state = 'rejected' WHERE id = ?1", e) != 0)
			return -1;
		db_bind_int64(s, 1, r->id);
		rc = db_step(s);
		db_finalize(s);
		if (rc != DB_DONE)
			return store_fail(st, e, "rejecting the request");
	}
	return 0;
}

int approval_sign(struct store *st, const struct principal *who, const struct key_secret *k,
		  int64_t request, int approve, unsigned role, const char *comment, int64_t ttl,
		  int64_t *id, struct err *e)
{
	struct approval_request r;
	char log[KEYS_NAME_MAX + 1], issued[32], expires[32], nonce[65], subj[200], hex[65], why[400];
	uint8_t nb[32];
	int64_t now = store_now(), kver;
	json_t *stmt = NULL;
	char *payload = NULL, *env = NULL;
	int rc = -1;

	if (!store_in_transaction(st))
		return err_set(e, ERR_STORE, "decisions must be recorded inside a transaction");
	if (comment != NULL && check_text("comment", comment, 1000, 1, 1, e) != 0)
		return -1;
	if (!approve && (comment == NULL || comment[0] == '\0'))
		return err_set(e, ERR_INVALID, "a rejection needs a reason (--comment TEXT)");
	if (ttl == 0)
		ttl = APPROVAL_TTL_DEFAULT;
	if (ttl < 60 || ttl > APPROVAL_TTL_MAX)
		return err_set(e, ERR_INVALID, "validity must be between 1 minute and 90 days");
	if (role != 0 && !(role & ROLE_SIGNERS))
		return err_set(e, ERR_DENIED, "role %s cannot sign decisions", keyring_role_name(role));
	if (approval_request_get(st, request, &r, e) != 0)
		return -1;
	/* The same checks the console makes before it asks for a passphrase. */
	if (approval_precheck_as(st, who, &r, approve, 0, &role, why, sizeof why) != 0) {
		err_set(e, ERR_DENIED, "decision refused: %s", why);
		goto out;
	}
	if (approval_store_log(st, log, sizeof log, e) != 0)
		goto out;
	check_time_text(now, issued, sizeof issued);
	check_time_text(now + ttl, expires, sizeof expires);
	randombytes_buf(nb, sizeof nb);
	sodium_bin2hex(nonce, sizeof nonce, nb, sizeof nb);
	snprintf(subj, sizeof subj, "models:/%s/%" PRId64, r.model, r.version);
	snprintf(hex, sizeof hex, "%.64s", r.digest + 7);
	{
		const struct proven_keyring *kr;

		if (proven_keyring_load(st, &kr, e) != 0)
			goto out;
		kver = kr->version;
	}
	/* The decision binds the evidence it was made over: a card, metric or
	 * digest recorded later makes it stale. */
	stmt = json_pack("{s:s, s:[{s:s, s:{s:s}}], s:s, s:{s:s, s:s, s:s, s:I, s:s, s:I, s:s, s:s, s:s, s:I, s:s, s:s, s:s, s:s, s:s, s:o, s:{s:s}}}",
			 "_type", INTOTO_STATEMENT_TYPE, "subject", "name", subj, "digest", "sha256", hex,
			 "predicateType", APPROVAL_PREDICATE_TYPE, "predicate", "decision",
			 approve ? "approve" : "reject", "role", keyring_role_name(role), "principal",
			 who->name, "request", (json_int_t)r.id, "model", r.model, "version",
			 (json_int_t)r.version, "from", r.from, "to", r.to, "tier", r.tier,
			 "keyringVersion", (json_int_t)kver, "nonce", nonce, "issuedAt",
			 issued, "expiresAt", expires, "comment", comment ? comment : "", "log", log, "policy",
			 approval_policy_json(r.policy_name, r.policy_version, r.policy), "evidence", "sha256", r.evidence);
	if (stmt == NULL ||
	    (payload = json_dumps(stmt, JSON_COMPACT | JSON_SORT_KEYS | JSON_ENSURE_ASCII)) == NULL) {
		err_set(e, ERR_IO, "out of memory building the statement");
		goto out;
	}
	env = dsse_sign(DSSE_INTOTO_TYPE, payload, strlen(payload), k, e);
	if (env == NULL)
		goto out;
	rc = approval_record(st, &r, env, strlen(env), id, e);
out:
	json_decref(stmt);
	free(payload);
	free(env);
	approval_request_clear(&r);
	return rc;
}

int approval_submit(struct store *st, int64_t request, const char *env, size_t len, int64_t *id,
		    struct err *e)
{
	struct approval_request r;
	int rc;

	if (!store_in_transaction(st))
		return err_set(e, ERR_STORE, "decisions must be recorded inside a transaction");
	if (len == 0 || len > 65536 || memchr(env, '\0', len) != NULL)
		return err_set(e, ERR_INVALID, "envelope must be 1 byte to 64 KiB of JSON text");
	if (approval_request_get(st, request, &r, e) != 0)
		return -1;
	rc = approval_record(st, &r, env, len, id, e);
	approval_request_clear(&r);
	return rc;
}
