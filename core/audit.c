/* audit: replays the ledger (keyring, requests, approvals) on top of the hash checks, for the store and for exported bundles. */
#include "check.h"
#include "audit.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>
#include <sodium.h>

#include "approval.h"
#include "dsse.h"
#include "file.h"
#include "gate.h"
#include "incident.h"
#include "keyring.h"
#include "ledger-tree.h"
#include "note.h"
#include "policy.h"
#include "proven.h"
#include "record.h"
#include "reconcile.h"
#include "verifyq.h"

/* ---- the replayed state ---- */

/* Strings repeat across requests (models, stages, tiers, people,
 * policies): interned, a million-entry replay stays small. */
struct rp_request {
	int64_t id, version, seq;
	char digest[72];
	const char *model, *author, *requester, *from, *to, *tier;
	const char *policy; /* sha256 of the policy in force when it opened, "" for none */
	int open;
	int review;
};

struct rp_approval {
	int64_t seq, request;
	char principal[KEYS_NAME_MAX + 1];
	char role[16];
	int approve;
	uint8_t envelope[32]; /* its SHA-256: a million-entry replay keeps hashes, not copies */
	size_t len;
};

/* An enrolled policy: the newest per tier is in force. */
struct rp_policy {
	char name[65], tier[16], digest[72];
	int64_t version;
	char *text;
};

/* A version moved to an alias under policy: a rollback may return to it. */
struct rp_promotion {
	char model[101], alias[65];
	int64_t version;
};

/* A set of strings (open addressing, FNV-1a): nonces and request/principal
 * pairs, so a million-entry replay stays linear. */
struct strset {
	char **slot;
	size_t cap, n;
};

static uint64_t strset_hash(const char *s)
{
	uint64_t h = 1469598103934665603ull;

	for (; *s != '\0'; s++)
		h = (h ^ (unsigned char)*s) * 1099511628211ull;
	return h;
}

static void strset_free(struct strset *set)
{
	size_t i;

	for (i = 0; i < set->cap; i++)
		free(set->slot[i]);
	free(set->slot);
	memset(set, 0, sizeof *set);
}

/* 1 when s was added, 0 when it was there already, -1 out of memory.
 * *stored (when not NULL) gets the set's own copy. */
static int strset_put(struct strset *set, const char *s, const char **stored)
{
	size_t i;

	if (2 * (set->n + 1) > set->cap) {
		struct strset bigger = { .cap = set->cap ? 2 * set->cap : 1024 };

		bigger.slot = calloc(bigger.cap, sizeof *bigger.slot);
		if (bigger.slot == NULL)
			return -1;
		for (i = 0; i < set->cap; i++) {
			size_t j;

			if (set->slot[i] == NULL)
				continue;
			for (j = strset_hash(set->slot[i]) & (bigger.cap - 1); bigger.slot[j] != NULL;
			     j = (j + 1) & (bigger.cap - 1))
				;
			bigger.slot[j] = set->slot[i];
		}
		bigger.n = set->n;
		free(set->slot);
		*set = bigger;
	}
	for (i = strset_hash(s) & (set->cap - 1); set->slot[i] != NULL; i = (i + 1) & (set->cap - 1))
		if (strcmp(set->slot[i], s) == 0) {
			if (stored != NULL)
				*stored = set->slot[i];
			return 0;
		}
	set->slot[i] = strdup(s);
	if (set->slot[i] == NULL)
		return -1;
	if (stored != NULL)
		*stored = set->slot[i];
	set->n++;
	return 1;
}

static int strset_add(struct strset *set, const char *s)
{
	return strset_put(set, s, NULL);
}

struct replay {
	struct proven_keyring kr;
	struct rp_request *q;
	size_t nq;
	struct rp_approval *a;
	size_t na;
	struct rp_policy *pol;
	size_t npol;
	struct rp_promotion *prom;
	size_t nprom;
	struct strset names; /* interned strings of requests */
	struct strset nonces;
	struct strset signed_on; /* "request/principal" */
	struct incident_replay *inc;
};

static void replay_free(struct replay *rp)
{
	size_t i;

	proven_keyring_clear(&rp->kr);
	free(rp->q);
	free(rp->a);
	for (i = 0; i < rp->npol; i++)
		free(rp->pol[i].text);
	free(rp->pol);
	free(rp->prom);
	strset_free(&rp->names);
	strset_free(&rp->nonces);
	strset_free(&rp->signed_on);
	incident_replay_free(rp->inc);
	memset(rp, 0, sizeof *rp);
}

/* The replay's own copy of s (NULL when out of memory). */
static const char *replay_intern(struct replay *rp, const char *s)
{
	const char *stored = NULL;

	return strset_put(&rp->names, s, &stored) < 0 ? NULL : stored;
}

static int replay_why(char *why, size_t n, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

static int replay_why(char *why, size_t n, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(why, n, fmt, ap);
	va_end(ap);
	return -1;
}
#ifdef __clang_analyzer__
#define replay_why(...) (replay_why(__VA_ARGS__), -1)
#endif

/* ---- requests and approvals ---- */

/* Requests are replayed in increasing id order (enforced on open). */
static struct rp_request *replay_request(struct replay *rp, int64_t id)
{
	size_t lo = 0, hi = rp->nq;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (rp->q[mid].id == id)
			return &rp->q[mid];
		if (rp->q[mid].id < id)
			lo = mid + 1;
		else
			hi = mid;
	}
	return NULL;
}

static const struct rp_policy *replay_policy_for(const struct replay *rp, const char *tier)
{
	size_t i;

	for (i = rp->npol; i-- > 0;)
		if (strcmp(rp->pol[i].tier, tier) == 0)
			return &rp->pol[i];
	return NULL;
}

static int replay_request_open(struct replay *rp, int64_t seq, const char *actor, json_t *data,
			       char *why, size_t n)
{
	const char *model, *digest, *author, *from, *to, *tier, *requester, *psha = "";
	json_int_t id, version, kv;
	struct rp_request *q;
	const struct rp_policy *inforce;
	json_t *pol;
	size_t pidx;

	if (json_unpack(data, "{s:I, s:s, s:I, s:s, s:s, s:s, s:s, s:s, s:s, s:I}", "request", &id, "model",
			&model, "version", &version, "digest", &digest, "author", &author, "from", &from,
			"to", &to, "tier", &tier, "requester", &requester, "keyring", &kv) != 0)
		return replay_why(why, n, "request entry is malformed");
	if (rp->nq > 0 && id <= rp->q[rp->nq - 1].id)
		return replay_why(why, n, "request %lld opened after request %" PRId64 " (ids go up)", (long long)id,
				  rp->q[rp->nq - 1].id);
	if (strcmp(actor, requester) != 0 || kv != rp->kr.version)
		return replay_why(why, n, "request entry disagrees with its actor or the keyring version");
	pol = json_object_get(data, "policy");
	if (pol != NULL && !json_is_null(pol) && json_unpack(pol, "{s:s}", "sha256", &psha) != 0)
		return replay_why(why, n, "request entry's policy is malformed");
	inforce = replay_policy_for(rp, tier);
	if (strcmp(psha, inforce != NULL ? inforce->digest : "") != 0)
		return replay_why(why, n, "request bound to policy %s, but %s was in force for tier %s", psha[0] ? psha : "none",
				  inforce != NULL ? inforce->digest : "none", tier);
	if (proven_principal(&rp->kr, actor, &pidx) == NULL || rp->kr.p[pidx].revoked != 0 ||
	    !(proven_roles_now(&rp->kr, pidx) & (ROLE_ADMIN | ROLE_MLLEAD | ROLE_SRE | ROLE_RISK)))
		return replay_why(why, n, "request opened by %s, who held no role that may request", actor);
	q = proven_push(&rp->q, &rp->nq, sizeof *rp->q);
	if (q == NULL)
		return replay_why(why, n, "out of memory");
	q->id = id;
	q->version = version;
	q->seq = seq;
	q->open = 1;
	snprintf(q->digest, sizeof q->digest, "%s", digest);
	q->model = replay_intern(rp, model);
	q->author = replay_intern(rp, author);
	q->requester = replay_intern(rp, requester);
	q->from = replay_intern(rp, from);
	q->to = replay_intern(rp, to);
	q->tier = replay_intern(rp, tier);
	q->policy = replay_intern(rp, psha);
	if (!q->model || !q->author || !q->requester || !q->from || !q->to || !q->tier || !q->policy)
		return replay_why(why, n, "out of memory");
	return 0;
}

static int replay_approval(struct replay *rp, int64_t seq, int64_t when, const char *action,
			   const char *actor, json_t *data, char *why, size_t n)
{
	struct approval_stmt stmt;
	struct approval_ctx c;
	struct rp_request *q;
	struct rp_approval *a;
	const char *env;
	json_int_t request, kv;
	char reason[400], pair[KEYS_NAME_MAX + 112];
	int rc;

	if (json_unpack(data, "{s:I, s:I, s:s}", "request", &request, "keyring", &kv, "envelope", &env) != 0)
		return replay_why(why, n, "approval entry is malformed");
	q = replay_request(rp, request);
	if (q == NULL)
		return replay_why(why, n, "approval of request %lld, which was never opened", (long long)request);
	if (!q->open)
		return replay_why(why, n, "approval of request %lld after it was closed", (long long)request);
	if (kv != rp->kr.version)
		return replay_why(why, n, "approval recorded under keyring version %lld, but version %" PRId64 " was in force",
				  (long long)kv, rp->kr.version);
	memset(&c, 0, sizeof c);
	c.request = q->id;
	c.model = q->model;
	c.version = q->version;
	c.digest = q->digest;
	c.from = q->from;
	c.to = q->to;
	c.tier = q->tier;
	c.author = q->author[0] ? q->author : NULL;
	c.requester = q->requester;
	c.log = rp->kr.log;
	c.policy = q->policy;
	c.now = when;
	c.keyring_ver = rp->kr.version;
	c.key_at = proven_key_at;
	c.role_at = proven_role_at;
	c.arg = &rp->kr;
	if (approval_check(&c, env, strlen(env), &stmt, reason, sizeof reason) != 0)
		return replay_why(why, n, "approval does not hold: %s", reason);
	if (strcmp(actor, stmt.principal) != 0 ||
	    strcmp(action, stmt.approve ? "approval.approve" : "approval.reject") != 0)
		return replay_why(why, n, "entry's actor or action differs from the signed decision");
	rc = strset_add(&rp->nonces, stmt.nonce);
	if (rc == 0)
		return replay_why(why, n, "approval replays a nonce used by an earlier decision");
	/* A person decides once per request and evidence snapshot. */
	snprintf(pair, sizeof pair, "%lld/%s/%s", (long long)request, stmt.principal, stmt.evidence);
	if (rc > 0)
		rc = strset_add(&rp->signed_on, pair);
	if (rc == 0)
		return replay_why(why, n, "%s signed a second decision on request %lld", stmt.principal,
				  (long long)request);
	if (rc < 0)
		return replay_why(why, n, "out of memory");
	a = proven_push(&rp->a, &rp->na, sizeof *rp->a);
	if (a != NULL)
		crypto_hash_sha256(a->envelope, (const unsigned char *)env, strlen(env));
	if (a == NULL)
		return replay_why(why, n, "out of memory");
	a->len = strlen(env);
	a->seq = seq;
	a->request = request;
	a->approve = stmt.approve;
	snprintf(a->role, sizeof a->role, "%s", keyring_role_name(stmt.role));
	snprintf(a->principal, sizeof a->principal, "%s", stmt.principal);
	if (!stmt.approve)
		q->open = 0;
	return 0;
}

static int replay_alias(struct replay *rp, const char *actor, char *why, size_t n)
{
	size_t idx;

	if (proven_principal(&rp->kr, actor, &idx) == NULL || rp->kr.p[idx].revoked != 0 ||
	    !(proven_roles_now(&rp->kr, idx) & ROLE_ADMIN))
		return replay_why(why, n, "alias moved by %s, who was not an active admin", actor);
	return 0;
}

/* An active principal's index holding one of roles now; -1 when not. */
static long replay_actor(struct replay *rp, const char *actor, unsigned roles)
{
	size_t idx;

	if (proven_principal(&rp->kr, actor, &idx) == NULL || rp->kr.p[idx].revoked != 0 ||
	    !(proven_roles_now(&rp->kr, idx) & roles))
		return -1;
	return (long)idx;
}

static int replay_enroll(struct replay *rp, const char *actor, json_t *data, char *why, size_t n)
{
	const char *env, *text, *path, *type, *name, *tier, *sha, *log;
	char digest[72];
	json_int_t version;
	struct proven_key *signer = NULL;
	struct rp_policy *rpp;
	struct policy pol;
	struct dsse d;
	struct err e;
	json_t *stmt = NULL;
	size_t i;
	int r = -1;

	if (json_unpack(data, "{s:s, s:s, s:s}", "envelope", &env, "text", &text, "path", &path) != 0)
		return replay_why(why, n, "policy enrolment without envelope, text and path");
	if (dsse_parse(env, strlen(env), &d, &e) != 0)
		return replay_why(why, n, "policy enrolment: %s", e.msg);
	for (i = 0; i < d.nsigs && signer == NULL; i++)
		signer = proven_key(&rp->kr, d.sigs[i].keyid);
	if (strcmp(d.payload_type, POLICY_PAYLOAD_TYPE) != 0 || signer == NULL ||
	    !dsse_verify(&d, signer->pk, signer->id)) {
		replay_why(why, n, "policy enrolment is not signed by a key of the keyring");
		goto out;
	}
	if (!proven_key_active(signer, rp->kr.version) || replay_actor(rp, actor, ROLE_ADMIN) < 0 ||
	    strcmp(rp->kr.p[signer->principal].name, actor) != 0) {
		replay_why(why, n, "policy enrolled by %s, who was not an active admin signing with an active key", actor);
		goto out;
	}
	stmt = json_loadb((const char *)d.payload, d.payload_len, JSON_REJECT_DUPLICATES, NULL);
	if (stmt == NULL || json_unpack(stmt, "{s:s, s:s, s:I, s:s, s:s, s:s}", "type", &type, "name", &name, "version",
					&version, "tier", &tier, "sha256", &sha, "log", &log) != 0 ||
	    strcmp(type, "policy-enrolment") != 0 || strcmp(log, rp->kr.log) != 0) {
		replay_why(why, n, "policy enrolment statement is malformed or for another log");
		goto out;
	}
	gate_digest(text, strlen(text), digest);
	if (strcmp(digest, sha) != 0) {
		replay_why(why, n, "enrolled text hashes to %s, the signed statement says %s", digest, sha);
		goto out;
	}
	if (policy_parse(text, strlen(text), path, &pol, &e) != 0) {
		replay_why(why, n, "enrolled policy does not parse: %s", e.msg);
		goto out;
	}
	if (strcmp(pol.name, name) != 0 || pol.version != version || strcmp(pol.tier, tier) != 0) {
		policy_free(&pol);
		replay_why(why, n, "statement names %s v%lld (%s), the text is %s v%" PRId64 " (%s)", name, (long long)version,
			   tier, pol.name, pol.version, pol.tier);
		goto out;
	}
	policy_free(&pol);
	for (i = 0; i < rp->npol; i++)
		if (strcmp(rp->pol[i].name, name) == 0 && rp->pol[i].version >= version) {
			replay_why(why, n, "policy %s v%lld enrolled after v%" PRId64 " (a downgrade or a rewrite)", name,
				   (long long)version, rp->pol[i].version);
			goto out;
		}
	rpp = proven_push(&rp->pol, &rp->npol, sizeof *rp->pol);
	if (rpp == NULL || (rpp->text = strdup(text)) == NULL) {
		replay_why(why, n, "out of memory");
		goto out;
	}
	snprintf(rpp->name, sizeof rpp->name, "%s", name);
	snprintf(rpp->tier, sizeof rpp->tier, "%s", tier);
	snprintf(rpp->digest, sizeof rpp->digest, "%s", sha);
	rpp->version = version;
	r = 0;
out:
	json_decref(stmt);
	dsse_free(&d);
	return r;
}

/* Re-runs a recorded gate: the evidence's digest, the policy in force,
 * and every rule's result must come out as recorded. */
static int replay_gate(struct replay *rp, json_t *data, const char *tier, int rollback, const char *alias,
		       struct evidence *ev, const struct rp_policy **used, char *why, size_t n)
{
	const struct policy_section *sec;
	const struct rp_policy *inforce = replay_policy_for(rp, tier);
	struct rule_result res[POLICY_MAX_RULES];
	const char *sha, *esha;
	char digest[72], *canon;
	json_t *evj, *results, *x;
	struct policy pol;
	struct err e;
	size_t i;
	int allow;

	if (json_unpack(data, "{s:{s:s}, s:o, s:s, s:o}", "policy", "sha256", &sha, "evidence", &evj, "evidence_sha256",
			&esha, "results", &results) != 0 || !json_is_array(results))
		return replay_why(why, n, "decision entry lacks policy, evidence or results");
	if (inforce == NULL || strcmp(inforce->digest, sha) != 0)
		return replay_why(why, n, "decided under policy %s, but %s was in force for tier %s", sha,
				  inforce != NULL ? inforce->digest : "none", tier);
	canon = json_dumps(evj, JSON_COMPACT | JSON_SORT_KEYS | JSON_ENSURE_ASCII);
	if (canon == NULL)
		return replay_why(why, n, "out of memory");
	gate_digest(canon, strlen(canon), digest);
	free(canon);
	if (strcmp(digest, esha) != 0)
		return replay_why(why, n, "evidence hashes to %s, the entry says %s", digest, esha);
	if (evidence_from_json(evj, ev, &e) != 0)
		return replay_why(why, n, "%s", e.msg);
	if (policy_parse(inforce->text, strlen(inforce->text), inforce->name, &pol, &e) != 0)
		return replay_why(why, n, "policy in force does not parse: %s", e.msg);
	sec = rollback ? policy_rollback(&pol, alias) : policy_transition(&pol, ev->from, ev->to);
	if (sec == NULL) {
		policy_free(&pol);
		return replay_why(why, n, "policy %s has no section for this move: it could not have allowed it", inforce->name);
	}
	allow = policy_evaluate(sec, ev, sha, res);
	if (!allow || json_array_size(results) != sec->nrules) {
		policy_free(&pol);
		return replay_why(why, n, "re-evaluating policy %s over the recorded evidence does not allow this move",
				  inforce->name);
	}
	json_array_foreach(results, i, x) {
		const char *rule = json_string_value(json_object_get(x, "rule")),
			   *status = json_string_value(json_object_get(x, "status"));

		if (rule == NULL || status == NULL || strcmp(rule, sec->rules[i].name) != 0 ||
		    strcmp(status, policy_status_name(res[i].status)) != 0) {
			policy_free(&pol);
			return replay_why(why, n, "recorded result of rule %zu differs from re-evaluating it", i + 1);
		}
	}
	policy_free(&pol);
	*used = inforce;
	return 0;
}

static int replay_promoted(struct replay *rp, const char *model, const char *alias, int64_t version)
{
	struct rp_promotion *p = proven_push(&rp->prom, &rp->nprom, sizeof *rp->prom);

	if (p == NULL)
		return -1;
	snprintf(p->model, sizeof p->model, "%s", model);
	snprintf(p->alias, sizeof p->alias, "%s", alias);
	p->version = version;
	return 0;
}

static int replay_apply(struct replay *rp, const char *actor, json_t *data, char *why, size_t n)
{
	const struct rp_policy *used;
	struct rp_request *q;
	struct evidence ev;
	json_int_t request;
	const char *alias;
	size_t i, j;
	int r = -1;

	memset(&ev, 0, sizeof ev);
	if (json_unpack(data, "{s:I, s:s}", "request", &request, "alias", &alias) != 0)
		return replay_why(why, n, "promotion entry lacks request and alias");
	if (replay_actor(rp, actor, ROLE_SIGNERS) < 0)
		return replay_why(why, n, "promotion applied by %s, who held no role that may", actor);
	q = replay_request(rp, request);
	if (q == NULL || !q->open || q->review || strcmp(q->to, alias) != 0)
		return replay_why(why, n, "promotion of request %lld, which is not an open promotion to %s", (long long)request,
				  alias);
	if (replay_gate(rp, data, q->tier, 0, alias, &ev, &used, why, n) != 0)
		goto out;
	if (strcmp(ev.model, q->model) != 0 || ev.version != q->version || strcmp(ev.digest, q->digest) != 0 ||
	    strcmp(ev.from, q->from) != 0 || strcmp(ev.to, q->to) != 0) {
		replay_why(why, n, "evidence is about another version or move than request %lld", (long long)request);
		goto out;
	}
	/* Every approval the evidence counted must be a decision this ledger recorded. */
	for (i = 0; i < ev.nappr; i++) {
		if (!ev.appr[i].counts)
			continue;
		for (j = 0; j < rp->na; j++)
			if (rp->a[j].request == request && rp->a[j].approve &&
			    strcmp(rp->a[j].principal, ev.appr[i].principal) == 0 && strcmp(rp->a[j].role, ev.appr[i].role) == 0)
				break;
		if (j == rp->na) {
			replay_why(why, n, "evidence counts an approval by %s that the ledger never recorded", ev.appr[i].principal);
			goto out;
		}
	}
	q->open = 0;
	if (replay_promoted(rp, q->model, alias, q->version) != 0) {
		replay_why(why, n, "out of memory");
		goto out;
	}
	r = 0;
out:
	evidence_free(&ev);
	return r;
}

static int replay_rollback(struct replay *rp, int64_t seq, const char *actor, json_t *data, char *why, size_t n)
{
	const struct rp_policy *used;
	const char *alias, *reason;
	json_int_t from, to;
	json_t *review;
	struct evidence ev;
	struct err e;
	long idx;
	size_t i;
	int r = -1;

	memset(&ev, 0, sizeof ev);
	if (json_unpack(data, "{s:s, s:I, s:I, s:s, s:o}", "alias", &alias, "from_version", &from, "to_version", &to,
			"reason", &reason, "review", &review) != 0)
		return replay_why(why, n, "rollback entry lacks alias, versions, reason or review");
	idx = replay_actor(rp, actor, ROLE_ALL);
	if (idx < 0)
		return replay_why(why, n, "rollback by %s, who is not an active principal", actor);
	if (evidence_from_json(json_object_get(data, "evidence"), &ev, &e) == 0 &&
	    (strcmp(ev.actor, actor) != 0 || ev.actor_roles != proven_roles_now(&rp->kr, (size_t)idx))) {
		replay_why(why, n, "rollback evidence names %s with other roles than %s held", ev.actor, actor);
		goto out;
	}
	evidence_free(&ev);
	if (replay_gate(rp, data, json_string_value(json_object_get(json_object_get(data, "evidence"), "tier")) ?
				      json_string_value(json_object_get(json_object_get(data, "evidence"), "tier")) : "",
			1, alias, &ev, &used, why, n) != 0)
		goto out;
	for (i = 0; i < rp->nprom; i++)
		if (strcmp(rp->prom[i].model, ev.model) == 0 && strcmp(rp->prom[i].alias, alias) == 0 &&
		    rp->prom[i].version == to)
			break;
	if (i == rp->nprom || ev.version != to) {
		replay_why(why, n, "rolled back to version %lld, which was never promoted to %s under policy", (long long)to,
			   alias);
		goto out;
	}
	if (!json_is_null(review)) {
		struct rp_request *q;
		json_int_t rid, due;
		const char *role;

		if (json_unpack(review, "{s:I, s:s, s:I}", "request", &rid, "role", &role, "due", &due) != 0 ||
		    (rp->nq > 0 && rid <= rp->q[rp->nq - 1].id)) {
			replay_why(why, n, "rollback's review is malformed or out of order");
			goto out;
		}
		q = proven_push(&rp->q, &rp->nq, sizeof *rp->q);
		if (q == NULL) {
			replay_why(why, n, "out of memory");
			goto out;
		}
		q->id = rid;
		q->version = to;
		q->seq = seq;
		q->open = 1;
		q->review = 1;
		snprintf(q->digest, sizeof q->digest, "%s", ev.digest);
		q->model = replay_intern(rp, ev.model);
		q->author = replay_intern(rp, ev.author);
		q->requester = replay_intern(rp, actor);
		q->from = replay_intern(rp, alias);
		q->to = replay_intern(rp, "review");
		q->tier = replay_intern(rp, ev.tier);
		q->policy = replay_intern(rp, used->digest);
		if (!q->model || !q->author || !q->requester || !q->from || !q->to || !q->tier || !q->policy) {
			replay_why(why, n, "out of memory");
			goto out;
		}
	}
	if (replay_promoted(rp, ev.model, alias, to) != 0) {
		replay_why(why, n, "out of memory");
		goto out;
	}
	r = 0;
out:
	evidence_free(&ev);
	return r;
}

/* A request closed without being applied: by its requester or an admin,
 * while open; a supersede names a successor opened just before it. */
static int replay_close(struct replay *rp, const char *action, const char *actor, json_t *data, char *why, size_t n)
{
	struct rp_request *q, *next;
	json_int_t id, successor = 0;

	if (json_unpack(data, "{s:I}", "request", &id) != 0 ||
	    (strcmp(action, "request.supersede") == 0 && json_unpack(data, "{s:I}", "successor", &successor) != 0))
		return replay_why(why, n, "%s entry is malformed", action);
	q = replay_request(rp, id);
	if (q == NULL || !q->open || q->review)
		return replay_why(why, n, "%s of request %lld, which is not an open promotion request", action, (long long)id);
	if (!record_same_person(actor, q->requester) && replay_actor(rp, actor, ROLE_ADMIN) < 0)
		return replay_why(why, n, "%s of request %lld by %s, neither its requester nor an admin", action, (long long)id,
				  actor);
	if (successor != 0) {
		next = replay_request(rp, successor);
		if (next == NULL || !next->open || next->version != q->version || strcmp(next->model, q->model) != 0 ||
		    strcmp(next->to, q->to) != 0 || strcmp(next->policy, q->policy) == 0)
			return replay_why(why, n, "request %lld is superseded by %lld, which is not an open request for the same move under another policy",
					  (long long)id, (long long)successor);
	}
	q->open = 0;
	return 0;
}

/* The ledger_entry_fn: one entry's meaning, in order. */
static int replay_entry(void *arg, int64_t seq, const char *body, size_t len, json_t *j, const char *sig, char *why,
			size_t n)
{
	struct replay *rp = arg;
	const char *actor, *action, *subject, *when;
	json_t *data;
	int64_t t;
	int r;

	if (json_unpack(j, "{s:s, s:s, s:s, s:s, s:o}", "actor", &actor, "action", &action, "subject", &subject,
			"time", &when, "data", &data) != 0)
		return replay_why(why, n, "body lacks actor, action, subject, time or data");
	t = check_time_parse(when);
	if (t < 0)
		r = replay_why(why, n, "time %s is not RFC 3339 UTC", when);
	else if (strncmp(action, "keyring.", 8) != 0 && rp->kr.version == 0)
		r = replay_why(why, n, "%s before the keyring's first entry", action);
	else if (proven_check_entry(&rp->kr, rp->kr.version, j, body, len, sig, why, n) != 0)
		r = -1;
	else if (strncmp(action, "keyring.", 8) == 0)
		r = proven_keyring_apply(&rp->kr, seq, action, actor, data, why, n);
	else if (rp->kr.version == 0)
		r = replay_why(why, n, "%s before the keyring's first entry", action);
	else if (strcmp(action, "request.open") == 0)
		r = replay_request_open(rp, seq, actor, data, why, n);
	else if (strncmp(action, "approval.", 9) == 0)
		r = replay_approval(rp, seq, t, action, actor, data, why, n);
	else if (strcmp(action, "alias.set") == 0)
		r = replay_alias(rp, actor, why, n);
	else if (strcmp(action, "alias.imported") == 0 || strcmp(action, "alias.observed") == 0 ||
		 strcmp(action, "traffic.imported") == 0 || strcmp(action, "traffic.observed") == 0)
		/* What a backend showed: recorded, not decided, so only who saw it is checked. */
		r = strncmp(actor, "plugin:", 7) == 0 ? 0 : replay_why(why, n, "%s recorded by %s, not a plugin", action, actor);
	else if (strcmp(action, "model.set") == 0 || strcmp(action, "version.set") == 0 ||
		 strcmp(action, "card.set") == 0 || strcmp(action, "metric.set") == 0 ||
		 strcmp(action, "lineage.set") == 0)
		r = replay_actor(rp, actor, ROLE_EVIDENCE) < 0
			    ? replay_why(why, n, "%s recorded by %s, who held no role that records evidence", action, actor)
			    : 0;
	else if (strcmp(action, "playbook.start") == 0 || strcmp(action, "playbook.step") == 0 ||
		 strcmp(action, "playbook.abandon") == 0)
		/* Each action a step took has its own entry, replayed on its own; this records who ran it. */
		r = replay_actor(rp, actor, ROLE_SIGNERS) < 0
			    ? replay_why(why, n, "%s recorded by %s, who held no role that runs playbooks", action, actor)
			    : 0;
	else if (strcmp(action, "deploy.traffic") == 0)
		/* Who moved live traffic: the gate results it carries were judged when it was made. */
		r = replay_actor(rp, actor, ROLE_SIGNERS) < 0
			    ? replay_why(why, n, "%s recorded by %s, who held no role that moves traffic", action, actor)
			    : 0;
	else if (strcmp(action, "policy.enroll") == 0)
		r = replay_enroll(rp, actor, data, why, n);
	else if (strcmp(action, "promotion.apply") == 0)
		r = replay_apply(rp, actor, data, why, n);
	else if (strcmp(action, "rollback") == 0)
		r = replay_rollback(rp, seq, actor, data, why, n);
	else if (strcmp(action, "request.withdraw") == 0 || strcmp(action, "request.supersede") == 0)
		r = replay_close(rp, action, actor, data, why, n);
	else if (strcmp(action, "alert.silence") == 0 || strcmp(action, "alert.unsilence") == 0)
		/* Made in the alert source first, recorded after it confirmed: who may is all there is to check. */
		r = json_is_string(json_object_get(data, "silence")) == 0
			    ? replay_why(why, n, "%s entry names no silence", action)
		    : replay_actor(rp, actor, ROLE_SRE) < 0
			    ? replay_why(why, n, "%s by %s, who held no sre role", action, actor)
			    : 0;
	else if (strncmp(action, "incident.", 9) == 0)
		r = replay_actor(rp, actor, INCIDENT_ROLES) < 0
			    ? replay_why(why, n, "%s by %s, who held no role that may act on incidents", action, actor)
			    : incident_replay_entry(rp->inc, seq, t, action, actor, subject, data, why, n);
	else
		r = replay_why(why, n, "unknown action %s", action);
	return r;
}

/* ---- the store's tables against the replay ---- */

static int audit_fail(struct audit_report *r, struct err *e, int64_t seq, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

static int audit_fail(struct audit_report *r, struct err *e, int64_t seq, const char *fmt, ...)
{
	va_list ap;

	r->ledger.bad_seq = seq;
	va_start(ap, fmt);
	vsnprintf(r->ledger.reason, sizeof r->ledger.reason, fmt, ap);
	va_end(ap);
	if (seq > 0)
		return err_set(e, ERR_DENIED, "ledger entry %" PRId64 ": %s", seq, r->ledger.reason);
	return err_set(e, ERR_DENIED, "%s", r->ledger.reason);
}

static int audit_same_hash(const uint8_t want[32], const void *data, size_t len)
{
	uint8_t h[32];

	crypto_hash_sha256(h, data != NULL ? data : (const void *)"", len);
	return memcmp(h, want, sizeof h) == 0;
}

static int audit_tables(struct store *st, struct replay *rp, struct audit_report *r, struct err *e)
{
	struct db_stmt *s;
	int64_t count = 0;
	int rc, bad = 0;

	if (keyring_version(st) != rp->kr.version)
		return audit_fail(r, e, 0, "keyring table is at version %" PRId64 " but the ledger's keyring is at %" PRId64,
				  keyring_version(st), rp->kr.version);
	/* Every key row as the ledger made it. */
	if (store_prepare(st, &s,
			  "SELECT k.key_id, p.name, k.added_ver, coalesce(k.revoked_ver, 0) FROM principal_keys k"
			  " JOIN principals p ON p.id = k.principal_id",
			  e) != 0)
		return -1;
	while (!bad && (rc = db_step(s)) == DB_ROW) {
		const char *id = (const char *)db_column_text(s, 0), *name = (const char *)db_column_text(s, 1);
		struct proven_key *k = proven_key(&rp->kr, id ? id : "");

		count++;
		if (k == NULL || strcmp(rp->kr.p[k->principal].name, name ? name : "") != 0 ||
		    k->added != db_column_int64(s, 2) || k->revoked != db_column_int64(s, 3)) {
			audit_fail(r, e, 0, "keyring table: key %s of %s does not match the ledger (changed outside steward)",
				   id ? id : "?", name ? name : "?");
			bad = 1;
		}
	}
	db_finalize(s);
	if (bad)
		return -1;
	if (count != (int64_t)rp->kr.nk)
		return audit_fail(r, e, 0, "keyring table holds %" PRId64 " keys but the ledger added %zu", count,
				  rp->kr.nk);
	/* Roles held now. */
	if (store_prepare(st, &s,
			  "SELECT p.name, r.role FROM principal_roles r JOIN principals p ON p.id = r.principal_id"
			  " WHERE r.revoked_ver IS NULL",
			  e) != 0)
		return -1;
	count = 0;
	while (!bad && (rc = db_step(s)) == DB_ROW) {
		const char *name = (const char *)db_column_text(s, 0);
		struct err ig;
		unsigned role = keyring_role_parse((const char *)db_column_text(s, 1), &ig);
		size_t idx;

		count++;
		if (proven_principal(&rp->kr, name ? name : "", &idx) == NULL || !(proven_roles_now(&rp->kr, idx) & role)) {
			audit_fail(r, e, 0, "keyring table: %s holds role %s, which the ledger never granted",
				   name ? name : "?", keyring_role_name(role));
			bad = 1;
		}
	}
	db_finalize(s);
	if (bad)
		return -1;
	{
		int64_t held = 0;
		size_t i;

		for (i = 0; i < rp->kr.nr; i++)
			held += rp->kr.r[i].revoked == 0;
		if (held != count)
			return audit_fail(r, e, 0, "keyring table holds %" PRId64 " roles but the ledger grants %" PRId64,
					  count, held);
	}
	/* Every approval row is the envelope its entry recorded. */
	if (store_prepare(st, &s, "SELECT id, seq, request_id, envelope FROM approvals ORDER BY id", e) != 0)
		return -1;
	count = 0;
	while (!bad && (rc = db_step(s)) == DB_ROW) {
		int64_t seq = db_column_int64(s, 1), req = db_column_int64(s, 2);
		size_t i, len = (size_t)db_column_bytes(s, 3);
		const void *env = db_column_blob(s, 3);

		size_t lo = 0, hi = rp->na;

		count++;
		/* rp->a is in ledger order: search by seq. */
		while (lo < hi) {
			size_t mid = lo + (hi - lo) / 2;

			if (rp->a[mid].seq < seq)
				lo = mid + 1;
			else
				hi = mid;
		}
		i = lo;
		if (i == rp->na || rp->a[i].seq != seq || rp->a[i].request != req || rp->a[i].len != len ||
		    !audit_same_hash(rp->a[i].envelope, env, len)) {
			audit_fail(r, e, seq, "approval %" PRId64 " in the table differs from the decision this entry recorded",
				   (int64_t)db_column_int64(s, 0));
			bad = 1;
		}
	}
	db_finalize(s);
	if (bad)
		return -1;
	if (count != (int64_t)rp->na)
		return audit_fail(r, e, 0, "approvals table holds %" PRId64 " decisions but the ledger recorded %zu",
				  count, rp->na);
	r->approvals = (int64_t)rp->na;
	r->requests = (int64_t)rp->nq;
	/* A promotion request the ledger closed (applied, withdrawn,
	 * superseded) must not be open in the table, where a gate would see it. */
	if (store_prepare(st, &s, "SELECT id FROM requests WHERE state = 'open' AND kind = 'promotion' ORDER BY id", e) != 0)
		return -1;
	while (db_step(s) == DB_ROW) {
		const struct rp_request *q = replay_request(rp, db_column_int64(s, 0));

		if (q != NULL && !q->open) {
			audit_fail(r, e, q->seq, "request %" PRId64 " is open in the table but the ledger closed it",
				   q->id);
			db_finalize(s);
			return -1;
		}
	}
	db_finalize(s);
	/* Incidents and their timelines as the incident.* entries made them. */
	if (incident_replay_check(st, rp->inc, e) != 0)
		return audit_fail(r, e, 0, "%s", e->msg);
	r->incidents = incident_replay_count(rp->inc);
	return 0;
}

/* The stored Merkle nodes are a cache of the leaves like every other
 * table: a tampered one cannot make a false proof verify (proofs are
 * checked against signed roots), but it is named here rather than left
 * to make true proofs fail. */
static int audit_tree_nodes(struct store *st, struct audit_report *r, struct err *e)
{
	char why[sizeof r->ledger.reason];
	int rc = ledger_tree_check(st, why, sizeof why, e);

	if (rc == 1)
		return audit_fail(r, e, 0, "%s", why);
	return rc;
}

static int replay_init(struct replay *rp, const char *log, struct err *e)
{
	memset(rp, 0, sizeof *rp);
	rp->inc = incident_replay_new();
	if (rp->inc == NULL)
		return err_set(e, ERR_IO, "out of memory");
	if (proven_keyring_init(&rp->kr, log, e) != 0) {
		replay_free(rp);
		return -1;
	}
	return 0;
}

static int audit_kept_cmp(const void *a, const void *b)
{
	const struct ledger_kept *x = a, *y = b;

	return x->size < y->size ? -1 : x->size > y->size;
}

/* The checkpoints the auditor kept, each verified under (name, pk), with
 * room for one more (the witness); *out is malloc'd. */
static int audit_kept_load(const struct audit_pins *p, const char *name, const uint8_t pk[KEYS_PK_BYTES],
			   struct ledger_kept **out, size_t *n, struct err *e)
{
	size_t i, count = p != NULL ? p->ncheckpoints : 0;

	*n = 0;
	*out = calloc(count + 1, sizeof **out);
	if (*out == NULL)
		return err_set(e, ERR_IO, "out of memory");
	for (i = 0; i < count; i++)
		if (ledger_kept_load(p->checkpoints[i], name, pk, &(*out)[i], e) != 0) {
			free(*out);
			*out = NULL;
			return -1;
		}
	*n = count;
	return 0;
}

/* A pinned verifier key must be the log's own, in any spelling that parses. */
static int audit_pinned(const char *pin, const char *own, const char *what, struct err *e)
{
	char name[KEYS_NAME_MAX + 1], want[300];
	uint8_t pk[KEYS_PK_BYTES];

	if (audit_vkey_parse(pin, name, pk, e) != 0)
		return err_prefix(e, "--vkey");
	if (audit_vkey(name, pk, want, sizeof want) != 0 || strcmp(want, own) != 0)
		return err_set(e, ERR_DENIED, "%s is signed by log key %s, not the pinned %s", what, own, want);
	return 0;
}

int audit_verify(struct store *st, struct audit_report *r, struct err *e)
{
	return audit_verify_pinned(st, NULL, r, e);
}

int audit_verify_pinned(struct store *st, const struct audit_pins *p, struct audit_report *r, struct err *e)
{
	return audit_verify_run(st, p, NULL, r, e);
}

/* The replay behind the workers: it stops soon after a worker found a bad
 * entry, since the whole check then runs again on one thread anyway. */
struct audit_par {
	struct replay *rp;
	struct verifyq *q;
	ledger_entry_fn fn;
};

static int audit_par_entry(void *arg, int64_t seq, const char *body, size_t len, json_t *j, const char *sig,
			   char *why, size_t n)
{
	struct audit_par *x = arg;

	if (seq % LEDGER_PROGRESS_EVERY == 0 && verifyq_bad(x->q) != 0)
		return replay_why(why, n, "a check of an earlier entry failed");
	return x->fn(x->rp, seq, body, len, j, sig, why, n);
}

/* Starts the workers (none for one job) and hands them this thread's signature checks. */
static int audit_par_start(const struct audit_run *o, struct replay *rp, struct audit_par *x, struct err *e)
{
	int jobs = o != NULL ? o->jobs : 1;

	memset(x, 0, sizeof *x);
	x->rp = rp;
	x->fn = replay_entry;
	if (jobs == 0)
		jobs = verifyq_cpus();
	if (verifyq_new(jobs, &x->q, e) != 0)
		return -1;
	if (x->q != NULL)
		keys_defer_set(verifyq_defer(x->q));
	return 0;
}

/* Stops the workers: 1 when what they found means the check must run
 * again on one thread (a worker failed an entry no later than the first
 * one the replay failed, or at all when the replay held). */
static int audit_par_stop(struct audit_par *x, int rc, const struct ledger_report *lr)
{
	int64_t bad;

	if (x->q == NULL)
		return 0;
	keys_defer_set(NULL);
	bad = verifyq_finish(x->q);
	x->q = NULL;
	return bad != 0 && (rc == 0 || lr->bad_seq == 0 || bad <= lr->bad_seq);
}

/* ---- what a run costs ---- */

struct audit_clock {
	struct timespec wall;
	double cpu;
};

static double audit_cpu_now(void)
{
	struct rusage ru;

	if (getrusage(RUSAGE_SELF, &ru) != 0)
		return 0;
	return (double)ru.ru_utime.tv_sec + (double)ru.ru_utime.tv_usec / 1e6 + (double)ru.ru_stime.tv_sec +
	       (double)ru.ru_stime.tv_usec / 1e6;
}

static void audit_clock_start(struct audit_clock *c)
{
	if (clock_gettime(CLOCK_MONOTONIC, &c->wall) != 0)
		memset(&c->wall, 0, sizeof c->wall);
	c->cpu = audit_cpu_now();
}

static void audit_clock_stop(const struct audit_clock *c, const struct audit_run *o, struct audit_report *r)
{
	struct timespec now;

	if (clock_gettime(CLOCK_MONOTONIC, &now) != 0)
		now = c->wall;
	r->wall_seconds = (double)(now.tv_sec - c->wall.tv_sec) + (double)(now.tv_nsec - c->wall.tv_nsec) / 1e9;
	r->cpu_seconds = audit_cpu_now() - c->cpu;
	r->jobs = o == NULL || o->jobs == 1 ? 1 : o->jobs > 1 ? o->jobs : verifyq_cpus();
}

/* ---- picking up where the last run stopped ---- */

struct audit_resume {
	int have;
	char log_vkey[300];
	struct ledger_state at; /* where the last run that held stopped */
	struct replay rp;       /* the replay as of at.size */
};

struct audit_resume *audit_resume_new(void)
{
	return calloc(1, sizeof(struct audit_resume));
}

void audit_resume_forget(struct audit_resume *r)
{
	if (r == NULL || !r->have)
		return;
	replay_free(&r->rp);
	r->have = 0;
}

void audit_resume_free(struct audit_resume *r)
{
	audit_resume_forget(r);
	free(r);
}

/* Whether rs can start this run: same log key, the ledger still at
 * least that long, and every pinned checkpoint up to its end one it can
 * vouch for (at its end, or the newest checkpoint it verified, with the
 * same root); others are only checked by reading from the first entry. */
static int audit_resume_usable(struct store *st, const struct audit_resume *rs, const char *vkey,
			       const struct ledger_kept *kept, size_t nkept)
{
	size_t i;

	if (rs == NULL || !rs->have || strcmp(rs->log_vkey, vkey) != 0 || ledger_size(st) < rs->at.size)
		return 0;
	for (i = 0; i < nkept; i++) {
		merkle_hash root;

		if (kept[i].size > rs->at.size)
			continue; /* the run reaches it */
		merkle_acc_root(&rs->at.acc, root);
		if (kept[i].size == rs->at.size && memcmp(root, kept[i].root, MERKLE_HASH) == 0)
			continue;
		/* The witness usually is the newest checkpoint, which the last run verified. */
		if (kept[i].size == rs->at.verified && memcmp(rs->at.verified_root, kept[i].root, MERKLE_HASH) == 0)
			continue;
		return 0;
	}
	return 1;
}

static int audit_verify_store(struct store *st, const struct audit_pins *p, const struct audit_run *o,
			      struct audit_report *r, struct err *e);

int audit_verify_run(struct store *st, const struct audit_pins *p, const struct audit_run *o,
		     struct audit_report *r, struct err *e)
{
	struct audit_clock c;
	int rc;

	audit_clock_start(&c);
	/* One snapshot for the whole run: the entries, checkpoints and the
	 * tables reconciled with them are read as of one moment, so a
	 * colleague's commit half way does not look like a table the ledger
	 * does not explain. */
	if (store_read_begin(st, e) != 0)
		return -1;
	rc = audit_verify_store(st, p, o, r, e);
	store_read_end(st);
	audit_clock_stop(&c, o, r);
	return rc;
}

static int audit_verify_store(struct store *st, const struct audit_pins *p, const struct audit_run *o,
			      struct audit_report *r, struct err *e)
{
	char what[4300];
	uint8_t pk[KEYS_PK_BYTES];
	struct ledger_kept *kept = NULL;
	struct replay rp;
	struct ledger_state from, to;
	struct audit_resume *rs = o != NULL ? o->resume : NULL;
	size_t nkept;
	int rc;

	memset(r, 0, sizeof *r);
	memset(&from, 0, sizeof from);
	memset(&to, 0, sizeof to);
	if (ledger_logkey_public(st, r->log_name, sizeof r->log_name, pk, e) != 0)
		return -1;
	if (audit_vkey(r->log_name, pk, r->log_vkey, sizeof r->log_vkey) != 0)
		return err_set(e, ERR_INVALID, "log key name is too long");
	snprintf(what, sizeof what, "store %s", store_path(st));
	if (p != NULL && p->vkey != NULL && audit_pinned(p->vkey, r->log_vkey, what, e) != 0)
		return -1;
	if (audit_kept_load(p, r->log_name, pk, &kept, &nkept, e) != 0)
		return -1;
	/* The signer's own witness counts as one more kept checkpoint. */
	if (ledger_witness_path(st, r->witness_path, sizeof r->witness_path, e) != 0) {
		free(kept);
		return -1;
	}
	r->witness = ledger_witness_read(st, r->log_name, pk, &kept[nkept], e);
	if (r->witness < 0) {
		free(kept);
		return -1;
	}
	if (r->witness == 1)
		r->witness_size = kept[nkept++].size;
	qsort(kept, nkept, sizeof *kept, audit_kept_cmp);
	if (rs != NULL && audit_resume_usable(st, rs, r->log_vkey, kept, nkept)) {
		/* Taken over: whatever this run ends in, the state moves on or is gone. */
		rp = rs->rp;
		from = rs->at;
		rs->have = 0;
		memset(&rs->rp, 0, sizeof rs->rp);
	} else {
		audit_resume_forget(rs);
		if (replay_init(&rp, r->log_name, e) != 0) {
			free(kept);
			return -1;
		}
	}
	{
		struct ledger_verify_opts lo = { .kept = kept, .nkept = nkept, .from = &from, .to = &to };
		struct audit_par par;

		if (audit_par_start(o, &rp, &par, e) != 0) {
			replay_free(&rp);
			free(kept);
			return -1;
		}
		lo.q = par.q;
		lo.progress = o != NULL ? o->progress : (struct progress){ 0 };
		rc = ledger_verify_with(st, &lo, &r->ledger, par.q != NULL ? audit_par_entry : replay_entry,
					par.q != NULL ? (void *)&par : (void *)&rp, e);
		if (audit_par_stop(&par, rc, &r->ledger)) {
			/* Again from the first entry: the replay it started from is spent. */
			struct audit_run one = { .jobs = 1, .progress = lo.progress, .resume = rs };

			replay_free(&rp);
			free(kept);
			return audit_verify_store(st, p, &one, r, e);
		}
	}
	if (rc == 0 && r->witness == 1)
		r->ledger.kept--; /* reported as the witness, not as a kept file */
	if (rc == 0)
		rc = audit_tables(st, &rp, r, e);
	if (rc == 0)
		rc = audit_tree_nodes(st, r, e);
	if (rc == 0) {
		/* The ledger holds: now every table derived from it must agree. */
		struct reconcile_report rr;

		rc = reconcile_tables(st, &rr, e);
		if (rc != 0)
			snprintf(r->ledger.reason, sizeof r->ledger.reason, "%s", e->msg);
		r->unattested = rr.unattested;
	}
	r->keyring_version = rp.kr.version;
	snprintf(r->root_key, sizeof r->root_key, "%s", rp.kr.root_key);
	r->resumed = from.size;
	/* A run that stopped early has no end point: it read at least nothing. */
	r->checked = to.size > from.size ? to.size - from.size : 0;
	/* Kept even when the newest entries are past the newest checkpoint:
	 * the next checkpoint's signed root must then be the root of the
	 * leaves as this run read them, so a tail rewritten after it was read
	 * fails there. */
	if (rc == 0 && rs != NULL && to.size > 0) {
		rs->rp = rp;
		rs->at = to;
		snprintf(rs->log_vkey, sizeof rs->log_vkey, "%s", r->log_vkey);
		rs->have = 1;
	} else {
		replay_free(&rp);
	}
	free(kept);
	return rc;
}

/* ---- verifier keys ---- */

int audit_vkey(const char *name, const uint8_t pk[KEYS_PK_BYTES], char *buf, size_t n)
{
	uint8_t hash[4], blob[1 + KEYS_PK_BYTES];
	char b64[sodium_base64_ENCODED_LEN(1 + KEYS_PK_BYTES, sodium_base64_VARIANT_ORIGINAL)], hex[9];
	int w;

	note_key_hash(name, pk, hash);
	sodium_bin2hex(hex, sizeof hex, hash, sizeof hash);
	blob[0] = 0x01;
	memcpy(blob + 1, pk, KEYS_PK_BYTES);
	sodium_bin2base64(b64, sizeof b64, blob, sizeof blob, sodium_base64_VARIANT_ORIGINAL);
	w = snprintf(buf, n, "%s+%s+%s", name, hex, b64);
	return w < 0 || (size_t)w >= n ? -1 : 0;
}

int audit_vkey_parse(const char *vkey, char name[KEYS_NAME_MAX + 1], uint8_t pk[KEYS_PK_BYTES],
		     struct err *e)
{
	const char *p1 = strchr(vkey, '+'), *p2 = p1 ? strchr(p1 + 1, '+') : NULL;
	uint8_t blob[1 + KEYS_PK_BYTES + 1], hash[4], want[4];
	size_t bin, hl;

	if (p1 == NULL || p2 == NULL || p1 == vkey || (size_t)(p1 - vkey) > KEYS_NAME_MAX)
		return err_set(e, ERR_INVALID, "verifier key must be NAME+HASH+KEY");
	snprintf(name, KEYS_NAME_MAX + 1, "%.*s", (int)(p1 - vkey), vkey);
	if (sodium_hex2bin(hash, sizeof hash, p1 + 1, (size_t)(p2 - p1 - 1), NULL, &hl, NULL) != 0 ||
	    hl != 4 ||
	    sodium_base642bin(blob, sizeof blob, p2 + 1, strlen(p2 + 1), NULL, &bin, NULL,
			      sodium_base64_VARIANT_ORIGINAL) != 0 ||
	    bin != 1 + KEYS_PK_BYTES || blob[0] != 0x01)
		return err_set(e, ERR_INVALID, "verifier key: bad hash or Ed25519 key");
	memcpy(pk, blob + 1, KEYS_PK_BYTES);
	note_key_hash(name, pk, want);
	if (memcmp(hash, want, 4) != 0)
		return err_set(e, ERR_INVALID, "verifier key: hash does not match the name and key");
	return 0;
}

/* ---- export ---- */

static int audit_write_file(const char *dir, const char *name, const void *buf, size_t len, struct err *e)
{
	char path[4200];
	int fd;

	if (snprintf(path, sizeof path, "%s/%s", dir, name) >= (int)sizeof path)
		return err_set(e, ERR_INVALID, "bundle path is too long");
	fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
	if (fd < 0)
		return err_set(e, ERR_IO, "cannot create %s: %s", path, strerror(errno));
	if ((len > 0 && write(fd, buf, len) != (ssize_t)len) || fsync(fd) != 0) {
		int saved = errno;

		close(fd);
		return err_set(e, ERR_IO, "cannot write %s: %s", path, strerror(saved));
	}
	return close(fd) == 0 ? 0 : err_set(e, ERR_IO, "cannot write %s: %s", path, strerror(errno));
}

/* A new file DIR/NAME of the bundle, opened for writing (never an existing one). */
static int audit_create(const char *dir, const char *name, FILE **out, struct err *e)
{
	char path[4200];
	int fd;

	snprintf(path, sizeof path, "%s/%s", dir, name);
	fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
	*out = fd >= 0 ? fdopen(fd, "w") : NULL;
	if (*out == NULL) {
		if (fd >= 0)
			close(fd);
		return err_set(e, ERR_IO, "cannot create %s: %s", path, strerror(errno));
	}
	return 0;
}

/* Collects bodies into entries.jsonl while replaying them. */
struct audit_export_arg {
	struct replay *rp;
	FILE *f;
	FILE *sigf; /* signatures.txt: each entry's actor signature, "-" for none */
	const struct progress *pr;
	int64_t total;
};

static int audit_export_entry(void *arg, int64_t seq, const char *body, size_t len, json_t *j, const char *sig,
			      char *why, size_t n)
{
	struct audit_export_arg *x = arg;

	if (memchr(body, '\n', len) != NULL)
		return replay_why(why, n, "body holds a newline; cannot export it as one line");
	if (fwrite(body, 1, len, x->f) != len || fputc('\n', x->f) == EOF)
		return replay_why(why, n, "writing entries.jsonl failed");
	if (fprintf(x->sigf, "%s\n", sig[0] ? sig : "-") < 0)
		return replay_why(why, n, "writing signatures.txt failed");
	if ((seq & 1023) == 0 || seq == x->total)
		progress_note(x->pr, "exporting", seq, x->total);
	return replay_entry(x->rp, seq, body, len, j, sig, why, n);
}

int audit_export(struct store *st, const char *dir, const struct progress *pr, struct err *e)
{
	char path[4200], vkey[300], cpname[64];
	uint8_t pk[KEYS_PK_BYTES];
	struct audit_report r;
	struct audit_export_arg x;
	struct replay rp;
	struct db_stmt *s;
	char *hist = NULL;
	int rc = -1;

	memset(&r, 0, sizeof r);
	if (ledger_logkey_public(st, r.log_name, sizeof r.log_name, pk, e) != 0)
		return -1;
	/* A fresh directory only: an export never mixes with other files. Its
	 * missing parents are made (0700), as for every file steward writes. */
	if (file_mkparent(dir, e) != 0)
		return -1;
	if (mkdir(dir, 0755) != 0)
		return err_set(e, ERR_IO, "cannot create %s: %s (the bundle needs a new directory)", dir,
			       strerror(errno));
	if (snprintf(path, sizeof path, "%s/checkpoints", dir) >= (int)sizeof path || mkdir(path, 0755) != 0)
		return err_set(e, ERR_IO, "cannot create %s/checkpoints", dir);
	if (audit_vkey(r.log_name, pk, vkey, sizeof vkey) != 0)
		return err_set(e, ERR_INVALID, "log key name is too long");
	snprintf(path, sizeof path, "%s\n", vkey);
	if (audit_write_file(dir, "log.vkey", path, strlen(path), e) != 0)
		return -1;
	if (audit_create(dir, "entries.jsonl", &x.f, e) != 0)
		return -1;
	snprintf(path, sizeof path, "%s/signatures.txt", dir);
	if (audit_create(dir, "signatures.txt", &x.sigf, e) != 0) {
		fclose(x.f);
		return -1;
	}
	if (replay_init(&rp, r.log_name, e) != 0) {
		fclose(x.f);
		fclose(x.sigf);
		return -1;
	}
	x.rp = &rp;
	x.pr = pr;
	x.total = ledger_size(st);
	/* The export verifies as it copies: a bundle of a broken ledger is refused. */
	if (ledger_verify_each(st, &r.ledger, audit_export_entry, &x, e) != 0) {
		fclose(x.f);
		fclose(x.sigf);
		err_prefix(e, "not exporting");
		goto out;
	}
	if (fflush(x.f) != 0 || fsync(fileno(x.f)) != 0 || fclose(x.f) != 0) {
		fclose(x.sigf);
		err_set(e, ERR_IO, "cannot write %s/entries.jsonl: %s", dir, strerror(errno));
		goto out;
	}
	if (fflush(x.sigf) != 0 || fsync(fileno(x.sigf)) != 0 || fclose(x.sigf) != 0) {
		err_set(e, ERR_IO, "cannot write %s: %s", path, strerror(errno));
		goto out;
	}
	if (store_prepare(st, &s, "SELECT size, note FROM checkpoints ORDER BY size", e) != 0)
		goto out;
	while (db_step(s) == DB_ROW) {
		snprintf(cpname, sizeof cpname, "checkpoints/%020" PRId64 ".note", (int64_t)db_column_int64(s, 0));
		if (audit_write_file(dir, cpname, db_column_text(s, 1),
				     (size_t)db_column_bytes(s, 1), e) != 0) {
			db_finalize(s);
			goto out;
		}
	}
	db_finalize(s);
	hist = json_dumps(rp.kr.keyring_history, JSON_INDENT(2) | JSON_SORT_KEYS);
	if (hist == NULL) {
		err_set(e, ERR_IO, "out of memory");
		goto out;
	}
	rc = audit_write_file(dir, "keyring.json", hist, strlen(hist), e);
out:
	free(hist);
	replay_free(&rp);
	return rc;
}

/* ---- verifying a bundle ---- */

struct audit_bundle_src {
	FILE *f;
	char *line;
	size_t cap;
	FILE *sigf;
	char *sline;
	size_t scap;
	int64_t seq;
	char **notes;
	int64_t *sizes;
	size_t nnotes, next;
};

static int audit_bundle_next(void *arg, int64_t *seq, const char **body, size_t *len,
			     const uint8_t **leaf, const uint8_t **chain, const char **sig)
{
	struct audit_bundle_src *b = arg;
	ssize_t got = getline(&b->line, &b->cap, b->f), sgot;

	*sig = "";
	if (got > 0 && b->sigf != NULL) {
		sgot = getline(&b->sline, &b->scap, b->sigf);
		if (sgot <= 0 || b->sline[sgot - 1] != '\n')
			return -1; /* one signature line per entry */
		b->sline[--sgot] = '\0';
		*sig = strcmp(b->sline, "-") == 0 ? "" : b->sline;
	}
	if (got < 0)
		return ferror(b->f) ? -1 : 0;
	if (got == 0 || b->line[got - 1] != '\n')
		return -1; /* every entry ends its line: a cut file is not a shorter ledger */
	b->line[--got] = '\0';
	*seq = ++b->seq;
	*body = b->line;
	*len = (size_t)got;
	*leaf = NULL;
	*chain = NULL;
	return 1;
}

static int audit_bundle_next_cp(void *arg, int64_t *size, const char **note)
{
	struct audit_bundle_src *b = arg;

	if (b->next >= b->nnotes)
		return 0;
	*size = b->sizes[b->next];
	*note = b->notes[b->next++];
	return 1;
}

static int audit_cmp_size(const void *a, const void *b)
{
	int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;

	return x < y ? -1 : x > y;
}

/* A bundle's file, or NULL: regular files only, so a FIFO in a bundle cannot hang a check. */
static char *audit_slurp(const char *path, size_t max, size_t *len)
{
	struct err e;
	char *buf;
	size_t n;

	if (file_read(path, "bundle file", max, &buf, &n, &e) != 0)
		return NULL;
	if (len != NULL)
		*len = n;
	return buf;
}

/* Loads checkpoints/NNN.note sorted by size. */
static int audit_bundle_notes(const char *dir, struct audit_bundle_src *b, struct err *e)
{
	char path[4200];
	struct dirent *de;
	DIR *d;
	int64_t *sizes = NULL;
	size_t i;

	snprintf(path, sizeof path, "%s/checkpoints", dir);
	d = opendir(path);
	if (d == NULL)
		return err_set(e, ERR_IO, "bundle %s: no checkpoints directory", dir);
	while ((de = readdir(d)) != NULL) {
		char *end;
		long long v;
		int64_t *nv;

		if (de->d_name[0] == '.')
			continue;
		v = strtoll(de->d_name, &end, 10);
		if (v <= 0 || strcmp(end, ".note") != 0) {
			closedir(d);
			free(sizes);
			return err_set(e, ERR_INVALID, "bundle %s: unexpected file checkpoints/%s", dir, de->d_name);
		}
		nv = realloc(sizes, (b->nnotes + 1) * sizeof *sizes);
		if (nv == NULL) {
			closedir(d);
			free(sizes);
			return err_set(e, ERR_IO, "out of memory");
		}
		sizes = nv;
		sizes[b->nnotes++] = v;
	}
	closedir(d);
	if (b->nnotes > 0)
		qsort(sizes, b->nnotes, sizeof *sizes, audit_cmp_size);
	b->sizes = sizes;
	b->notes = calloc(b->nnotes ? b->nnotes : 1, sizeof *b->notes);
	if (b->notes == NULL)
		return err_set(e, ERR_IO, "out of memory");
	for (i = 0; i < b->nnotes; i++) {
		snprintf(path, sizeof path, "%s/checkpoints/%020" PRId64 ".note", dir, sizes[i]);
		b->notes[i] = audit_slurp(path, 4096, NULL);
		if (b->notes[i] == NULL)
			return err_set(e, ERR_IO, "bundle %s: cannot read checkpoint of size %" PRId64
				       " (named with 20 digits?)", dir, sizes[i]);
	}
	return 0;
}

int audit_verify_bundle(const char *dir, const struct audit_pins *p, struct audit_report *r, struct err *e)
{
	return audit_verify_bundle_run(dir, p, NULL, r, e);
}

static int audit_bundle_check(const char *dir, const struct audit_pins *p, const struct audit_run *o,
			      struct audit_report *r, struct err *e);

int audit_verify_bundle_run(const char *dir, const struct audit_pins *p, const struct audit_run *o,
			    struct audit_report *r, struct err *e)
{
	struct audit_clock c;
	int rc;

	audit_clock_start(&c);
	rc = audit_bundle_check(dir, p, o, r, e);
	audit_clock_stop(&c, o, r);
	return rc;
}

static int audit_bundle_check(const char *dir, const struct audit_pins *p, const struct audit_run *o,
			      struct audit_report *r, struct err *e)
{
	char path[4200], name[KEYS_NAME_MAX + 1], *own = NULL, *hist = NULL, *want = NULL;
	uint8_t pk[KEYS_PK_BYTES];
	struct audit_bundle_src b;
	struct ledger_kept *kept = NULL;
	struct ledger_source src = {
		.next = audit_bundle_next,
		.next_checkpoint = audit_bundle_next_cp,
		.arg = &b,
	};
	struct replay rp;
	struct audit_par par;
	size_t i;
	int rc = -1, fd, lrc, again = 0;

	memset(&par, 0, sizeof par);
	memset(r, 0, sizeof *r);
	memset(&b, 0, sizeof b);
	memset(&rp, 0, sizeof rp);
	snprintf(path, sizeof path, "%s/log.vkey", dir);
	own = audit_slurp(path, 1024, NULL);
	if (own == NULL)
		return err_set(e, ERR_IO, "bundle %s: cannot read log.vkey", dir);
	own[strcspn(own, "\r\n")] = '\0';
	if (audit_vkey_parse(own, name, pk, e) != 0) {
		err_prefix(e, "bundle %s: log.vkey", dir);
		goto out;
	}
	snprintf(r->log_name, sizeof r->log_name, "%s", name);
	if (audit_vkey(name, pk, r->log_vkey, sizeof r->log_vkey) != 0) {
		err_set(e, ERR_INVALID, "bundle %s: log key name is too long", dir);
		goto out;
	}
	snprintf(path, sizeof path, "bundle %s", dir);
	if (p != NULL && p->vkey != NULL && audit_pinned(p->vkey, r->log_vkey, path, e) != 0)
		goto out;
	if (audit_kept_load(p, name, pk, &kept, &src.nkept, e) != 0)
		goto out;
	qsort(kept, src.nkept, sizeof *kept, audit_kept_cmp);
	src.kept = kept;
	if (audit_bundle_notes(dir, &b, e) != 0)
		goto out;
	snprintf(path, sizeof path, "%s/entries.jsonl", dir);
	fd = file_open(path, "bundle file", 0, NULL, e);
	if (fd < 0)
		goto out;
	b.f = fdopen(fd, "rb");
	if (b.f == NULL) {
		close(fd);
		err_set(e, ERR_IO, "bundle %s: cannot read entries.jsonl", dir);
		goto out;
	}
	snprintf(path, sizeof path, "%s/signatures.txt", dir);
	b.sigf = fopen(path, "rb");
	if (b.sigf == NULL) {
		err_set(e, ERR_IO, "bundle %s: cannot read signatures.txt (the actors' signatures of the entries)", dir);
		goto out;
	}
	if (replay_init(&rp, name, e) != 0)
		goto out;
	if (audit_par_start(o, &rp, &par, e) != 0)
		goto out;
	/* Bundles keep no leaves: only the signatures go to the workers. */
	src.q = par.q;
	src.progress = o != NULL ? o->progress : (struct progress){ 0 };
	src.total = b.nnotes > 0 ? b.sizes[b.nnotes - 1] : 0;
	lrc = ledger_verify_source(&src, name, pk, &r->ledger, par.q != NULL ? audit_par_entry : replay_entry,
				   par.q != NULL ? (void *)&par : (void *)&rp, e);
	again = audit_par_stop(&par, lrc, &r->ledger);
	if (lrc != 0 || again)
		goto out;
	/* Whoever made the bundle could have written entries no checkpoint
	 * signs: under a pinned key they count only when asked to. */
	if (p != NULL && p->vkey != NULL && r->ledger.entries > 0 && r->ledger.checkpoints == 0) {
		audit_fail(r, e, 0, "bundle %s holds %" PRId64 " entries and no checkpoint: nothing in it is signed by the pinned log key",
			   dir, r->ledger.entries);
		r->ledger.bad_seq = 1;
		goto out;
	}
	if (p != NULL && p->vkey != NULL && !p->allow_unsigned_tail && r->ledger.verified < r->ledger.entries) {
		audit_fail(r, e, 0,
			   "bundle %s: %" PRId64 " entries after the last checkpoint are not covered by a signature"
			   " (entries %" PRId64 " to %" PRId64 "; --allow-unsigned-tail accepts them)",
			   dir, r->ledger.entries - r->ledger.verified, r->ledger.verified + 1, r->ledger.entries);
		r->ledger.bad_seq = r->ledger.verified + 1;
		goto out;
	}
	/* keyring.json is a convenience copy: it must say what the entries say. */
	snprintf(path, sizeof path, "%s/keyring.json", dir);
	hist = audit_slurp(path, 64u << 20, NULL);
	want = json_dumps(rp.kr.keyring_history, JSON_INDENT(2) | JSON_SORT_KEYS);
	if (hist == NULL || want == NULL || strcmp(hist, want) != 0) {
		audit_fail(r, e, 0, "keyring.json does not match the keyring the entries build");
		goto out;
	}
	r->keyring_version = rp.kr.version;
	r->requests = (int64_t)rp.nq;
	r->approvals = (int64_t)rp.na;
	r->incidents = incident_replay_count(rp.inc);
	snprintf(r->root_key, sizeof r->root_key, "%s", rp.kr.root_key);
	rc = 0;
out:
	if (b.f != NULL)
		fclose(b.f);
	if (b.sigf != NULL)
		fclose(b.sigf);
	free(b.line);
	free(b.sline);
	for (i = 0; i < b.nnotes; i++)
		free(b.notes != NULL ? b.notes[i] : NULL);
	free(b.notes);
	free(b.sizes);
	free(own);
	free(hist);
	free(want);
	free(kept);
	replay_free(&rp);
	if (again) {
		struct audit_run one = { .jobs = 1, .progress = o->progress };

		return audit_bundle_check(dir, p, &one, r, e);
	}
	return rc;
}
