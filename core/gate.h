/* gate: policy enrolment, evidence from the store, the promotion gate, promote apply and rollback, each recorded in the ledger. */
#ifndef STEWARD_GATE_H
#define STEWARD_GATE_H

#include <stddef.h>
#include <stdint.h>

#include "err.h"
#include "keyring.h"
#include "keys.h"
#include "plugins/steward-plugin.h"
#include "policy.h"
#include "store.h"

#define POLICY_PAYLOAD_TYPE "application/vnd.steward.policy.v1+json"

/* The outcome of a gate: either refused before any rule ran (refusal
 * says why: no policy, edited policy file, no transition), or one result
 * per rule. */
struct gate {
	char model[101];
	int64_t version;
	char from[65], to[65];
	char policy_name[65];
	int64_t policy_version;
	char policy_digest[72];
	char policy_path[4096];
	int64_t request;   /* the request evaluated, 0 when none */
	char request_policy[72];
	char refusal[700]; /* non-empty: nothing was evaluated */
	struct policy pol;
	const struct policy_section *sec;
	struct rule_result res[POLICY_MAX_RULES];
	size_t nres;
	int allow;
	struct evidence ev;
	int64_t late;      /* apply: the registry already showed this move (the unapproved change seen at this entry) */
	int64_t traffic_seq; /* rollback: the deploy.traffic entry that returned live traffic, 0 none */
};

/* Evaluates the gate for MODEL VERSION to stage `to` without changing
 * anything. request 0 picks the open promotion request for that version
 * and stage, if any. Returns 0 with g filled (g->allow, or g->refusal),
 * -1 on a store error. */
int gate_evaluate(struct store *st, const char *model, int64_t version, const char *to, int64_t request,
		  struct gate *g, struct err *e);
/* The same gate, judged as if the version stood at stage `from`: a
 * comparison asks whether the version in production would pass the
 * transition a candidate faces. Changes nothing. */
int gate_evaluate_as(struct store *st, const char *model, int64_t version, const char *from, const char *to,
		     struct gate *g, struct err *e);
/* gate_evaluate for the request rq as read by approval_request_get:
 * its decisions are taken from rq, not read and proven again. */
struct approval_request;
int gate_evaluate_request(struct store *st, const struct approval_request *rq, struct gate *g, struct err *e);
void gate_free(struct gate *g);

/* Enrols a policy file: parses it, refuses a lower version or changed
 * bytes under an enrolled version, records name, version, tier, sha256
 * and text with an admin-signed statement in the ledger. Inside the
 * caller's transaction. */
int gate_enroll(struct store *st, const struct principal *admin, const struct key_secret *k,
		const char *path, struct policy *out, char digest[72], struct err *e);

struct gate_policy {
	int64_t id, version, enrolled, seq;
	char name[65], tier[16], digest[72], signer[101];
	char *path, *text;
	int in_force; /* the newest enrolled for its tier */
};
struct gate_policies {
	struct gate_policy *v;
	size_t n;
};
int gate_policy_list(struct store *st, struct gate_policies *out, struct err *e);
void gate_policies_free(struct gate_policies *l);

/* Where an alias really lives: for a model synced from a registry plugin
 * the move is made there first, with the decision's evidence as tags; the
 * ledger entry is written only after the backend confirmed. NULL (or a
 * callback returning 0 for local models) moves it locally only. */
struct gate_backend {
	int (*set_alias)(void *arg, const char *model, const char *alias, int64_t version,
			 const struct steward_kv *tags, size_t ntags, char *err, size_t errn);
	void *arg;
	/* Carries out a traffic plan (core/deploy.h) through the deploy
	 * plugin instance named plugin; NULL: no serving layer is reachable. */
	int (*set_traffic)(void *arg, const char *plugin, const char *model, const struct steward_traffic *t, size_t n,
			   char *err, size_t errn);
};

/* Applies an open promotion request whose gate passes: moves the alias
 * and appends promotion.apply (policy, evidence and its digest, every
 * rule's result) in one transaction. When the gate fails nothing moves;
 * g says why. Returns 0 applied, 1 refused by the gate, -1 error. */
int gate_apply(struct store *st, const struct principal *who, int64_t request, const struct gate_backend *be,
	       struct gate *g, int64_t *seq, struct err *e);

/* Rolls alias of model back to `to` (0: the version promoted under policy
 * to that alias before the current one), if the policy's rollback rules
 * allow who; opens the post-incident review the policy asks for.
 * Returns 0 done, 1 refused by policy (g says why), -1 error. */
int gate_rollback(struct store *st, const struct principal *who, const char *model, const char *alias,
		  int64_t to, const char *reason, const struct gate_backend *be, struct gate *g, int64_t *review,
		  struct err *e);

/* The shift section's verdict on who moving version's share of live
 * traffic by hand. 0 allowed, 1 refused (g says why), -1 error. */
int gate_evaluate_shift(struct store *st, const struct principal *who, const char *model, int64_t version,
			struct gate *g, struct err *e);

/* 1 when the signed ledger shows version moved to alias by a promotion
 * that passed its gate; 0 not; -1 error. */
int gate_was_promoted(struct store *st, const char *model, const char *alias, int64_t version, struct err *e);

/* A decision as the ledger records it: policy, evidence and its digest, each rule's result. NULL: out of memory. */
json_t *gate_record(const struct gate *g);

/* sha256:<hex> of a buffer. */
void gate_digest(const void *buf, size_t len, char out[72]);

#endif
