/* replay: replays the ledger's entries in order, each checked against the keyring, requests, policies and promotions the entries before it made. */
#include "replay.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "approval.h"
#include "check.h"
#include "dsse.h"
#include "gate.h"
#include "incident.h"
#include "jspan.h"
#include "keyring.h"
#include "policy.h"
#include "record.h"


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

static void hashset_free(struct hashset *set)
{
	free(set->slot);
	memset(set, 0, sizeof *set);
}

/* 1 when s was added, 0 when it was there already, -1 out of memory. */
static int hashset_add(struct hashset *set, const uint8_t key[16], const char *s)
{
	uint8_t h[16];
	uint64_t at;
	size_t i;

	crypto_shorthash_siphashx24(h, (const unsigned char *)s, strlen(s), key);
	/* An all-zero slot is an empty one: no member hashes to it. */
	h[0] |= 1;
	if (2 * (set->n + 1) > set->cap) {
		struct hashset bigger = { .cap = set->cap ? 2 * set->cap : 1024 };

		bigger.slot = calloc(bigger.cap, sizeof *bigger.slot);
		if (bigger.slot == NULL)
			return -1;
		for (i = 0; i < set->cap; i++) {
			size_t j;

			if (set->slot[i][0] == 0)
				continue;
			memcpy(&at, set->slot[i] + 8, sizeof at);
			for (j = at & (bigger.cap - 1); bigger.slot[j][0] != 0; j = (j + 1) & (bigger.cap - 1))
				;
			memcpy(bigger.slot[j], set->slot[i], 16);
		}
		bigger.n = set->n;
		free(set->slot);
		*set = bigger;
	}
	memcpy(&at, h + 8, sizeof at);
	for (i = at & (set->cap - 1); set->slot[i][0] != 0; i = (i + 1) & (set->cap - 1))
		if (memcmp(set->slot[i], h, 16) == 0)
			return 0;
	memcpy(set->slot[i], h, 16);
	set->n++;
	return 1;
}

void replay_free(struct replay *rp)
{
	size_t i;

	proven_keyring_clear(&rp->kr);
	free(rp->q);
	for (i = 0; i < rp->nopen; i++)
		free(rp->open[i].signed_on);
	free(rp->open);
	free(rp->a);
	for (i = 0; i < rp->npol; i++)
		policy_free(&rp->pol[i].parsed);
	free(rp->pol);
	free(rp->prom);
	strset_free(&rp->names);
	hashset_free(&rp->nonces);
	incident_replay_free(rp->inc);
	record_alias_states_free(&rp->aliases);
	reconcile_seen_free(rp->seen);
	memset(rp, 0, sizeof *rp);
}

/* The replay's own copy of s (NULL when out of memory). */
static const char *replay_intern(struct replay *rp, const char *s)
{
	const char *stored = NULL;

	return strset_put(&rp->names, s, &stored) < 0 ? NULL : stored;
}

/* ---- requests and approvals ---- */

/* Requests are replayed in increasing id order (enforced on open). */
struct rp_request *replay_request(struct replay *rp, int64_t id)
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

/* The rest of q while it is open, NULL once closed. */
static struct rp_open *replay_open(struct replay *rp, const struct rp_request *q)
{
	return q != NULL && q->open != 0 ? &rp->open[q->open - 1] : NULL;
}

/* A new request (its id above every earlier one) with a zeroed rest, open. */
static struct rp_request *replay_request_add(struct replay *rp, int64_t id, struct rp_open **rest)
{
	struct rp_request *q;
	struct rp_open *o;
	size_t slot;

	if (rp->free_open != 0) {
		slot = rp->free_open - 1;
		o = &rp->open[slot];
		rp->free_open = o->next_free;
		memset(o, 0, sizeof *o);
	} else {
		if (rp->nopen >= UINT32_MAX)
			return NULL;
		o = proven_push(&rp->open, &rp->nopen, sizeof *rp->open);
		if (o == NULL)
			return NULL;
		slot = rp->nopen - 1;
	}
	q = proven_push(&rp->q, &rp->nq, sizeof *rp->q);
	if (q == NULL) {
		rp->open[slot].next_free = rp->free_open;
		rp->free_open = slot + 1;
		return NULL;
	}
	q->id = id;
	q->open = (uint32_t)(slot + 1);
	*rest = &rp->open[slot];
	return q;
}

/* Closed: only what struct rp_request keeps is asked of it from now on. */
static void replay_request_close(struct replay *rp, struct rp_request *q)
{
	struct rp_open *o = replay_open(rp, q);

	if (o == NULL)
		return;
	free(o->signed_on);
	o->signed_on = NULL;
	o->nsigned = 0;
	o->next_free = rp->free_open;
	rp->free_open = q->open;
	q->open = 0;
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
	struct rp_open *o;
	const struct rp_policy *inforce;
	json_t *pol;
	size_t pidx;

	if (json_unpack(data, "{s:I, s:s, s:I, s:s, s:s, s:s, s:s, s:s, s:s, s:I}", "request", &id, "model",
			&model, "version", &version, "digest", &digest, "author", &author, "from", &from,
			"to", &to, "tier", &tier, "requester", &requester, "keyring", &kv) != 0)
		return err_why(why, n, "request entry is malformed");
	if (rp->nq > 0 && id <= rp->q[rp->nq - 1].id)
		return err_why(why, n, "request %lld opened after request %" PRId64 " (ids go up)", (long long)id,
				  rp->q[rp->nq - 1].id);
	if (strcmp(actor, requester) != 0 || kv != rp->kr.version)
		return err_why(why, n, "request entry disagrees with its actor or the keyring version");
	pol = json_object_get(data, "policy");
	if (pol != NULL && !json_is_null(pol) && json_unpack(pol, "{s:s}", "sha256", &psha) != 0)
		return err_why(why, n, "request entry's policy is malformed");
	inforce = replay_policy_for(rp, tier);
	if (strcmp(psha, inforce != NULL ? inforce->digest : "") != 0)
		return err_why(why, n, "request bound to policy %s, but %s was in force for tier %s", psha[0] ? psha : "none",
				  inforce != NULL ? inforce->digest : "none", tier);
	if (proven_principal(&rp->kr, actor, &pidx) == NULL || rp->kr.p[pidx].revoked != 0 ||
	    !(proven_roles_now(&rp->kr, pidx) & (ROLE_ADMIN | ROLE_MLLEAD | ROLE_SRE | ROLE_RISK)))
		return err_why(why, n, "request opened by %s, who held no role that may request", actor);
	q = replay_request_add(rp, id, &o);
	if (q == NULL)
		return err_why(why, n, "out of memory");
	q->version = version;
	q->seq = seq;
	q->requester = replay_intern(rp, requester);
	q->to = replay_intern(rp, to);
	snprintf(o->digest, sizeof o->digest, "%s", digest);
	o->model = replay_intern(rp, model);
	o->author = replay_intern(rp, author);
	o->from = replay_intern(rp, from);
	o->tier = replay_intern(rp, tier);
	o->policy = replay_intern(rp, psha);
	if (!o->model || !o->author || !q->requester || !o->from || !q->to || !o->tier || !o->policy)
		return err_why(why, n, "out of memory");
	return 0;
}

static int replay_approval(struct replay *rp, int64_t seq, int64_t when, const char *action,
			   const char *actor, json_t *data, char *why, size_t n)
{
	struct approval_stmt stmt;
	struct approval_ctx c;
	struct rp_request *q;
	struct rp_open *o;
	struct rp_approval *a;
	const char *env;
	json_int_t request, kv;
	char reason[400], pair[KEYS_NAME_MAX + 112];
	uint8_t h[16], (*signed_on)[16];
	size_t k;
	int rc;

	if (json_unpack(data, "{s:I, s:I, s:s}", "request", &request, "keyring", &kv, "envelope", &env) != 0)
		return err_why(why, n, "approval entry is malformed");
	q = replay_request(rp, request);
	if (q == NULL)
		return err_why(why, n, "approval of request %lld, which was never opened", (long long)request);
	o = replay_open(rp, q);
	if (o == NULL)
		return err_why(why, n, "approval of request %lld after it was closed", (long long)request);
	if (kv != rp->kr.version)
		return err_why(why, n, "approval recorded under keyring version %lld, but version %" PRId64 " was in force",
				  (long long)kv, rp->kr.version);
	memset(&c, 0, sizeof c);
	c.request = q->id;
	c.model = o->model;
	c.version = q->version;
	c.digest = o->digest;
	c.from = o->from;
	c.to = q->to;
	c.tier = o->tier;
	c.author = o->author[0] ? o->author : NULL;
	c.requester = q->requester;
	c.log = rp->kr.log;
	c.policy = o->policy;
	c.now = when;
	c.keyring_ver = rp->kr.version;
	c.key_at = proven_key_at;
	c.role_at = proven_role_at;
	c.arg = &rp->kr;
	if (approval_check(&c, env, strlen(env), &stmt, reason, sizeof reason) != 0)
		return err_why(why, n, "approval does not hold: %s", reason);
	if (strcmp(actor, stmt.principal) != 0 ||
	    strcmp(action, stmt.approve ? "approval.approve" : "approval.reject") != 0)
		return err_why(why, n, "entry's actor or action differs from the signed decision");
	rc = hashset_add(&rp->nonces, rp->hkey, stmt.nonce);
	if (rc == 0)
		return err_why(why, n, "approval replays a nonce used by an earlier decision");
	if (rc < 0)
		return err_why(why, n, "out of memory");
	/* A person decides once per request and evidence snapshot. */
	snprintf(pair, sizeof pair, "%s/%s", stmt.principal, stmt.evidence);
	crypto_shorthash_siphashx24(h, (const unsigned char *)pair, strlen(pair), rp->hkey);
	for (k = 0; k < o->nsigned; k++)
		if (memcmp(o->signed_on[k], h, sizeof h) == 0)
			return err_why(why, n, "%s signed a second decision on request %lld", stmt.principal,
					  (long long)request);
	signed_on = realloc(o->signed_on, (o->nsigned + 1) * sizeof *o->signed_on);
	if (signed_on == NULL)
		return err_why(why, n, "out of memory");
	o->signed_on = signed_on;
	memcpy(o->signed_on[o->nsigned++], h, sizeof h);
	if (strlen(env) > UINT32_MAX || rp->na >= UINT32_MAX)
		return err_why(why, n, "approval envelope too long or too many decisions");
	a = proven_push(&rp->a, &rp->na, sizeof *rp->a);
	if (a != NULL)
		crypto_shorthash_siphashx24(a->envelope, (const unsigned char *)env, strlen(env), rp->hkey);
	if (a == NULL)
		return err_why(why, n, "out of memory");
	a->len = (uint32_t)strlen(env);
	a->seq = seq;
	a->request = request;
	a->prev_same = o->last_appr;
	o->last_appr = (uint32_t)rp->na;
	a->approve = stmt.approve != 0;
	a->role = stmt.role <= ROLE_ALL ? (uint8_t)stmt.role : 0xff;
	a->principal = replay_intern(rp, stmt.principal);
	if (a->principal == NULL)
		return err_why(why, n, "out of memory");
	if (!stmt.approve)
		replay_request_close(rp, q);
	return 0;
}

static int replay_alias(struct replay *rp, const char *actor, char *why, size_t n)
{
	size_t idx;

	if (proven_principal(&rp->kr, actor, &idx) == NULL || rp->kr.p[idx].revoked != 0 ||
	    !(proven_roles_now(&rp->kr, idx) & ROLE_ADMIN))
		return err_why(why, n, "alias moved by %s, who was not an active admin", actor);
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
		return err_why(why, n, "policy enrolment without envelope, text and path");
	if (dsse_parse(env, strlen(env), &d, &e) != 0)
		return err_why(why, n, "policy enrolment: %s", e.msg);
	for (i = 0; i < d.nsigs && signer == NULL; i++)
		signer = proven_key(&rp->kr, d.sigs[i].keyid);
	if (strcmp(d.payload_type, POLICY_PAYLOAD_TYPE) != 0 || signer == NULL ||
	    !dsse_verify(&d, signer->pk, signer->id)) {
		err_why(why, n, "policy enrolment is not signed by a key of the keyring");
		goto out;
	}
	if (!proven_key_active(signer, rp->kr.version) || replay_actor(rp, actor, ROLE_ADMIN) < 0 ||
	    strcmp(rp->kr.p[signer->principal].name, actor) != 0) {
		err_why(why, n, "policy enrolled by %s, who was not an active admin signing with an active key", actor);
		goto out;
	}
	stmt = json_loadb((const char *)d.payload, d.payload_len, JSON_REJECT_DUPLICATES, NULL);
	if (stmt == NULL || json_unpack(stmt, "{s:s, s:s, s:I, s:s, s:s, s:s}", "type", &type, "name", &name, "version",
					&version, "tier", &tier, "sha256", &sha, "log", &log) != 0 ||
	    strcmp(type, "policy-enrolment") != 0 || strcmp(log, rp->kr.log) != 0) {
		err_why(why, n, "policy enrolment statement is malformed or for another log");
		goto out;
	}
	gate_digest(text, strlen(text), digest);
	if (strcmp(digest, sha) != 0) {
		err_why(why, n, "enrolled text hashes to %s, the signed statement says %s", digest, sha);
		goto out;
	}
	if (policy_parse(text, strlen(text), path, &pol, &e) != 0) {
		err_why(why, n, "enrolled policy does not parse: %s", e.msg);
		goto out;
	}
	if (strcmp(pol.name, name) != 0 || pol.version != version || strcmp(pol.tier, tier) != 0) {
		policy_free(&pol);
		err_why(why, n, "statement names %s v%lld (%s), the text is %s v%" PRId64 " (%s)", name, (long long)version,
			   tier, pol.name, pol.version, pol.tier);
		goto out;
	}
	for (i = 0; i < rp->npol; i++)
		if (strcmp(rp->pol[i].name, name) == 0 && rp->pol[i].version >= version) {
			policy_free(&pol);
			err_why(why, n, "policy %s v%lld enrolled after v%" PRId64 " (a downgrade or a rewrite)", name,
				   (long long)version, rp->pol[i].version);
			goto out;
		}
	rpp = proven_push(&rp->pol, &rp->npol, sizeof *rp->pol);
	if (rpp == NULL) {
		policy_free(&pol);
		err_why(why, n, "out of memory");
		goto out;
	}
	rpp->parsed = pol;
	/* Only the newest of a tier is ever in force again (replay_policy_for):
	 * the one it replaces keeps its name, version and digest, not its rules. */
	for (i = 0; i + 1 < rp->npol; i++)
		if (strcmp(rp->pol[i].tier, tier) == 0)
			policy_free(&rp->pol[i].parsed);
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

/* The bytes of member inner of member outer of the object in body. */
static int replay_member(const char *body, size_t len, const char *outer, const char *inner, const char **val,
			 size_t *vlen)
{
	const char *o;
	size_t olen;

	return body != NULL && jspan_member(body, len, outer, &o, &olen) == 0 ? jspan_member(o, olen, inner, val, vlen)
									       : -1;
}

/* Re-runs a recorded gate: the evidence's digest, the policy in force,
 * and every rule's result must come out as recorded. */
static int replay_gate(struct replay *rp, json_t *data, const char *tier, int rollback, const char *alias,
		       struct evidence *ev, const struct rp_policy **used, char *why, size_t n)
{
	const struct policy_section *sec;
	const struct rp_policy *inforce = replay_policy_for(rp, tier);
	struct rule_result res[POLICY_MAX_RULES];
	const char *sha, *esha, *ebytes = NULL;
	char digest[72], *canon;
	json_t *evj, *results, *x;
	size_t elen;
	const struct policy *pol;
	struct err e;
	size_t i;
	int allow;

	if (json_unpack(data, "{s:{s:s}, s:o, s:s, s:o}", "policy", "sha256", &sha, "evidence", &evj, "evidence_sha256",
			&esha, "results", &results) != 0 || !json_is_array(results))
		return err_why(why, n, "decision entry lacks policy, evidence or results");
	if (inforce == NULL || strcmp(inforce->digest, sha) != 0)
		return err_why(why, n, "decided under policy %s, but %s was in force for tier %s", sha,
				  inforce != NULL ? inforce->digest : "none", tier);
	/* The gate hashed the evidence as the entry's canonical bytes hold it:
	 * the digest of those bytes is the one to look for first; the evidence
	 * written any other way is hashed in canonical form, as it always was. */
	if (replay_member(rp->body, rp->blen, "data", "evidence", &ebytes, &elen) == 0)
		gate_digest(ebytes, elen, digest);
	if (ebytes == NULL || strcmp(digest, esha) != 0) {
		canon = json_dumps(evj, JSON_COMPACT | JSON_SORT_KEYS | JSON_ENSURE_ASCII);
		if (canon == NULL)
			return err_why(why, n, "out of memory");
		gate_digest(canon, strlen(canon), digest);
		free(canon);
		if (strcmp(digest, esha) != 0)
			return err_why(why, n, "evidence hashes to %s, the entry says %s", digest, esha);
	}
	if (evidence_from_json(evj, ev, &e) != 0)
		return err_why(why, n, "%s", e.msg);
	pol = &inforce->parsed;
	sec = rollback ? policy_rollback(pol, alias) : policy_transition(pol, ev->from, ev->to);
	if (sec == NULL)
		return err_why(why, n, "policy %s has no section for this move: it could not have allowed it", inforce->name);
	allow = policy_evaluate(sec, ev, sha, res);
	if (!allow || json_array_size(results) != sec->nrules)
		return err_why(why, n, "re-evaluating policy %s over the recorded evidence does not allow this move",
				  inforce->name);
	json_array_foreach(results, i, x) {
		const char *rule = json_string_value(json_object_get(x, "rule")),
			   *status = json_string_value(json_object_get(x, "status"));

		if (rule == NULL || status == NULL || strcmp(rule, sec->rules[i].name) != 0 ||
		    strcmp(status, policy_status_name(res[i].status)) != 0)
			return err_why(why, n, "recorded result of rule %zu differs from re-evaluating it", i + 1);
	}
	*used = inforce;
	return 0;
}

/* The interned "MODEL\nALIAS" a promotion is filed under (no name holds a
 * newline); NULL when out of memory or too long. */
static const char *replay_move(struct replay *rp, const char *model, const char *alias)
{
	char key[256];
	int w = snprintf(key, sizeof key, "%s\n%s", model, alias);

	return w < 0 || (size_t)w >= sizeof key ? NULL : replay_intern(rp, key);
}

static int replay_promoted(struct replay *rp, const char *model, const char *alias, int64_t version)
{
	struct rp_promotion *p = proven_push(&rp->prom, &rp->nprom, sizeof *rp->prom);

	if (p == NULL)
		return -1;
	p->move = replay_move(rp, model, alias);
	p->version = version;
	return p->move != NULL ? 0 : -1;
}

static int replay_apply(struct replay *rp, const char *actor, json_t *data, char *why, size_t n)
{
	const struct rp_policy *used;
	struct rp_request *q;
	struct rp_open *o;
	struct evidence ev;
	json_int_t request;
	const char *alias;
	size_t i, j;
	int r = -1;

	memset(&ev, 0, sizeof ev);
	if (json_unpack(data, "{s:I, s:s}", "request", &request, "alias", &alias) != 0)
		return err_why(why, n, "promotion entry lacks request and alias");
	if (replay_actor(rp, actor, ROLE_SIGNERS) < 0)
		return err_why(why, n, "promotion applied by %s, who held no role that may", actor);
	q = replay_request(rp, request);
	o = replay_open(rp, q);
	if (o == NULL || q->review || strcmp(q->to, alias) != 0)
		return err_why(why, n, "promotion of request %lld, which is not an open promotion to %s", (long long)request,
				  alias);
	if (replay_gate(rp, data, o->tier, 0, alias, &ev, &used, why, n) != 0)
		goto out;
	if (strcmp(ev.model, o->model) != 0 || ev.version != q->version || strcmp(ev.digest, o->digest) != 0 ||
	    strcmp(ev.from, o->from) != 0 || strcmp(ev.to, q->to) != 0) {
		err_why(why, n, "evidence is about another version or move than request %lld", (long long)request);
		goto out;
	}
	/* Every approval the evidence counted must be a decision this ledger
	 * recorded. Only this request's decisions are walked: scanning them
	 * all made every promotion cost as much as the approvals before it. */
	for (i = 0; i < ev.nappr; i++) {
		if (!ev.appr[i].counts)
			continue;
		for (j = o->last_appr; j != 0; j = rp->a[j - 1].prev_same) {
			const struct rp_approval *a = &rp->a[j - 1];

			if (a->approve && strcmp(a->principal, ev.appr[i].principal) == 0 &&
			    strcmp(keyring_role_name(a->role), ev.appr[i].role) == 0)
				break;
		}
		if (j == 0) {
			err_why(why, n, "evidence counts an approval by %s that the ledger never recorded", ev.appr[i].principal);
			goto out;
		}
	}
	if (replay_promoted(rp, o->model, alias, q->version) != 0) {
		err_why(why, n, "out of memory");
		goto out;
	}
	replay_request_close(rp, q);
	r = 0;
out:
	evidence_free(&ev);
	return r;
}

static int replay_rollback(struct replay *rp, int64_t seq, const char *actor, json_t *data, char *why, size_t n)
{
	const struct rp_policy *used;
	const char *alias, *reason, *move;
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
		return err_why(why, n, "rollback entry lacks alias, versions, reason or review");
	idx = replay_actor(rp, actor, ROLE_ALL);
	if (idx < 0)
		return err_why(why, n, "rollback by %s, who is not an active principal", actor);
	if (evidence_from_json(json_object_get(data, "evidence"), &ev, &e) == 0 &&
	    (strcmp(ev.actor, actor) != 0 || ev.actor_roles != proven_roles_now(&rp->kr, (size_t)idx))) {
		err_why(why, n, "rollback evidence names %s with other roles than %s held", ev.actor, actor);
		goto out;
	}
	evidence_free(&ev);
	if (replay_gate(rp, data, json_string_value(json_object_get(json_object_get(data, "evidence"), "tier")) ?
				      json_string_value(json_object_get(json_object_get(data, "evidence"), "tier")) : "",
			1, alias, &ev, &used, why, n) != 0)
		goto out;
	move = replay_move(rp, ev.model, alias);
	if (move == NULL) {
		err_why(why, n, "out of memory");
		goto out;
	}
	/* Interned: the same move is the same pointer. */
	for (i = 0; i < rp->nprom; i++)
		if (rp->prom[i].move == move && rp->prom[i].version == to)
			break;
	if (i == rp->nprom || ev.version != to) {
		err_why(why, n, "rolled back to version %lld, which was never promoted to %s under policy", (long long)to,
			   alias);
		goto out;
	}
	if (!json_is_null(review)) {
		struct rp_request *q;
		struct rp_open *o;
		json_int_t rid, due;
		const char *role;

		if (json_unpack(review, "{s:I, s:s, s:I}", "request", &rid, "role", &role, "due", &due) != 0 ||
		    (rp->nq > 0 && rid <= rp->q[rp->nq - 1].id)) {
			err_why(why, n, "rollback's review is malformed or out of order");
			goto out;
		}
		q = replay_request_add(rp, rid, &o);
		if (q == NULL) {
			err_why(why, n, "out of memory");
			goto out;
		}
		q->version = to;
		q->seq = seq;
		q->review = 1;
		q->requester = replay_intern(rp, actor);
		q->to = replay_intern(rp, "review");
		snprintf(o->digest, sizeof o->digest, "%s", ev.digest);
		o->model = replay_intern(rp, ev.model);
		o->author = replay_intern(rp, ev.author);
		o->from = replay_intern(rp, alias);
		o->tier = replay_intern(rp, ev.tier);
		o->policy = replay_intern(rp, used->digest);
		if (!o->model || !o->author || !q->requester || !o->from || !q->to || !o->tier || !o->policy) {
			err_why(why, n, "out of memory");
			goto out;
		}
	}
	if (replay_promoted(rp, ev.model, alias, to) != 0) {
		err_why(why, n, "out of memory");
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
	struct rp_open *o, *no;
	json_int_t id, successor = 0;

	if (json_unpack(data, "{s:I}", "request", &id) != 0 ||
	    (strcmp(action, "request.supersede") == 0 && json_unpack(data, "{s:I}", "successor", &successor) != 0))
		return err_why(why, n, "%s entry is malformed", action);
	q = replay_request(rp, id);
	o = replay_open(rp, q);
	if (o == NULL || q->review)
		return err_why(why, n, "%s of request %lld, which is not an open promotion request", action, (long long)id);
	if (!record_same_person(actor, q->requester) && replay_actor(rp, actor, ROLE_ADMIN) < 0)
		return err_why(why, n, "%s of request %lld by %s, neither its requester nor an admin", action, (long long)id,
				  actor);
	if (successor != 0) {
		next = replay_request(rp, successor);
		no = replay_open(rp, next);
		if (no == NULL || next->version != q->version || strcmp(no->model, o->model) != 0 ||
		    strcmp(next->to, q->to) != 0 || strcmp(no->policy, o->policy) == 0)
			return err_why(why, n, "request %lld is superseded by %lld, which is not an open request for the same move under another policy",
					  (long long)id, (long long)successor);
	}
	replay_request_close(rp, q);
	return 0;
}

int replay_entry(void *arg, int64_t seq, const char *body, size_t len, json_t *j, const char *sig, char *why,
			size_t n)
{
	struct replay *rp = arg;
	const char *actor, *action, *subject, *when;
	json_t *data;
	int64_t t;
	int r;

	/* json_unpack "{s:s, s:s, s:s, s:s, s:o}" spelled out: it builds a table
	 * of the keys it saw each time, and this runs once an entry. */
	actor = json_string_value(json_object_get(j, "actor"));
	action = json_string_value(json_object_get(j, "action"));
	subject = json_string_value(json_object_get(j, "subject"));
	when = json_string_value(json_object_get(j, "time"));
	data = json_object_get(j, "data");
	if (actor == NULL || action == NULL || subject == NULL || when == NULL || data == NULL)
		return err_why(why, n, "body lacks actor, action, subject, time or data");
	rp->body = body;
	rp->blen = len;
	t = check_time_parse(when);
	if (t < 0)
		r = err_why(why, n, "time %s is not RFC 3339 UTC", when);
	else if (strncmp(action, "keyring.", 8) != 0 && rp->kr.version == 0)
		r = err_why(why, n, "%s before the keyring's first entry", action);
	else if (proven_check_entry(&rp->kr, rp->kr.version, j, body, len, sig, why, n) != 0)
		r = -1;
	else if (strncmp(action, "keyring.", 8) == 0)
		r = proven_keyring_apply(&rp->kr, seq, action, actor, data, why, n);
	else if (rp->kr.version == 0)
		r = err_why(why, n, "%s before the keyring's first entry", action);
	else if (strcmp(action, "request.open") == 0)
		r = replay_request_open(rp, seq, actor, data, why, n);
	else if (strncmp(action, "approval.", 9) == 0)
		r = replay_approval(rp, seq, t, action, actor, data, why, n);
	else if (strcmp(action, "alias.set") == 0)
		r = replay_alias(rp, actor, why, n);
	else if (strcmp(action, "alias.imported") == 0 || strcmp(action, "alias.observed") == 0 ||
		 strcmp(action, "traffic.imported") == 0 || strcmp(action, "traffic.observed") == 0)
		/* What a backend showed: recorded, not decided, so only who saw it is checked. */
		r = strncmp(actor, "plugin:", 7) == 0 ? 0 : err_why(why, n, "%s recorded by %s, not a plugin", action, actor);
	else if (strcmp(action, "model.set") == 0 || strcmp(action, "version.set") == 0 ||
		 strcmp(action, "card.set") == 0 || strcmp(action, "metric.set") == 0 ||
		 strcmp(action, "lineage.set") == 0)
		r = replay_actor(rp, actor, ROLE_EVIDENCE) < 0
			    ? err_why(why, n, "%s recorded by %s, who held no role that records evidence", action, actor)
			    : 0;
	else if (strcmp(action, "playbook.start") == 0 || strcmp(action, "playbook.step") == 0 ||
		 strcmp(action, "playbook.abandon") == 0)
		/* Each action a step took has its own entry, replayed on its own; this records who ran it. */
		r = replay_actor(rp, actor, ROLE_SIGNERS) < 0
			    ? err_why(why, n, "%s recorded by %s, who held no role that runs playbooks", action, actor)
			    : 0;
	else if (strcmp(action, "deploy.traffic") == 0)
		/* Who moved live traffic: the gate results it carries were judged when it was made. */
		r = replay_actor(rp, actor, ROLE_SIGNERS) < 0
			    ? err_why(why, n, "%s recorded by %s, who held no role that moves traffic", action, actor)
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
			    ? err_why(why, n, "%s entry names no silence", action)
		    : replay_actor(rp, actor, ROLE_SRE) < 0
			    ? err_why(why, n, "%s by %s, who held no sre role", action, actor)
			    : 0;
	else if (strncmp(action, "incident.", 9) == 0)
		r = replay_actor(rp, actor, INCIDENT_ROLES) < 0
			    ? err_why(why, n, "%s by %s, who held no role that may act on incidents", action, actor)
			    : incident_replay_entry(rp->inc, seq, t, action, actor, subject, data, why, n);
	else
		r = err_why(why, n, "unknown action %s", action);
	if (r == 0 && (strcmp(action, "promotion.apply") == 0 || strcmp(action, "rollback") == 0 ||
		       strncmp(action, "alias.", 6) == 0) &&
	    record_alias_states_add(&rp->aliases, seq, subject, actor, j) != 0)
		r = err_why(why, n, "out of memory");
	if (r == 0 && reconcile_seen_add(rp->seen, seq, action, subject, data) != 0)
		r = err_why(why, n, "out of memory");
	rp->body = NULL;
	return r;
}

int replay_init(struct replay *rp, const char *log, struct err *e)
{
	memset(rp, 0, sizeof *rp);
	randombytes_buf(rp->hkey, sizeof rp->hkey);
	rp->inc = incident_replay_new();
	if (rp->inc == NULL)
		return err_set(e, ERR_IO, "out of memory");
	if (proven_keyring_init(&rp->kr, log, e) != 0) {
		replay_free(rp);
		return -1;
	}
	return 0;
}

