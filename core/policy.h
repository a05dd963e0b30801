/* policy: the policy language: parsing with file:line:col errors, and a pure evaluation of rules over recorded evidence. */
#ifndef STEWARD_POLICY_H
#define STEWARD_POLICY_H

#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "err.h"

#define POLICY_MAX_BYTES (256 * 1024)
#define POLICY_NAME_MAX 64
#define POLICY_MAX_SECTIONS 32
#define POLICY_MAX_RULES 64   /* per section */
#define POLICY_MAX_ARGS 8     /* card sections, roles */

enum policy_kind {
	PK_APPROVALS = 1,   /* approvals ROLE >= N */
	PK_APPROVERS,       /* distinct-approvers >= N */
	PK_SOD,             /* separation-of-duties */
	PK_METRIC,          /* metric NAME OP X on DATASET [slice S | worst-slice] */
	PK_CARD,            /* card-sections all | "A" "B" ... */
	PK_LINEAGE,         /* lineage-complete */
	PK_DRIFT,           /* drift FEATURE|any OP X */
	PK_LIVE,            /* live-metric NAME OP X */
	PK_ALERTS,          /* no-alerts severity >= SEV */
	PK_APPROVAL_AGE,    /* approval-age <= DURATION */
	PK_STAGE_TIME,      /* time-in-stage STAGE >= DURATION */
	PK_CANARY,          /* canary-soak weight >= N for >= DURATION */
	PK_ROLE,            /* role ROLE[,ROLE...]            (rollback) */
	PK_REVIEW,          /* review by ROLE within DURATION (rollback) */
	PK_DIGEST,          /* digest-verified */
};

enum policy_op { OP_GE = 1, OP_GT, OP_LE, OP_LT, OP_EQ };

struct policy_rule {
	char name[POLICY_NAME_MAX + 1];
	enum policy_kind kind;
	int line;
	enum policy_op op;
	double value;        /* threshold, count or weight */
	int64_t duration;    /* seconds */
	char a[POLICY_NAME_MAX + 1]; /* role, metric, feature, stage, severity */
	char dataset[POLICY_NAME_MAX + 1];
	char slice[POLICY_NAME_MAX + 1];
	int worst_slice;
	int all;             /* card-sections all */
	char args[POLICY_MAX_ARGS][POLICY_NAME_MAX + 1];
	size_t nargs;
	unsigned roles;      /* role rule */
};

/* Section kinds. */
enum { POLICY_SEC_TRANSITION = 0, POLICY_SEC_ROLLBACK = 1, POLICY_SEC_SHIFT = 2 };

/* A transition ("staging -> production"), a rollback of an alias, or the
 * shift of live traffic between deployed versions. */
struct policy_section {
	int rollback;                   /* POLICY_SEC_*: 0 a transition */
	char from[POLICY_NAME_MAX + 1]; /* "none", "any" or a stage */
	char to[POLICY_NAME_MAX + 1];   /* the stage, or the rolled-back alias */
	int line;
	struct policy_rule *rules; /* nrules of them, at most POLICY_MAX_RULES */
	size_t nrules;
};

struct policy {
	char name[POLICY_NAME_MAX + 1];
	int64_t version;
	char tier[16];
	struct policy_section *sec;
	size_t nsec;
};

/* Parses text. fname names the file in errors: "high.policy:12:7: found
 * 'aproovals', expected a rule kind (approvals, metric, ...)". Never
 * crashes on any input. */
int policy_parse(const char *text, size_t len, const char *fname, struct policy *out, struct err *e);
void policy_free(struct policy *p);
/* The section for a transition (from may match "any"), or for a rollback of alias. */
const struct policy_section *policy_transition(const struct policy *p, const char *from, const char *to);
const struct policy_section *policy_rollback(const struct policy *p, const char *alias);
/* The shift section ("shift"): who may move live traffic by hand, and on what evidence. */
const struct policy_section *policy_shift(const struct policy *p);
const char *policy_kind_name(enum policy_kind k);

/* ---- evidence: everything a rule may look at, recorded with the decision ---- */

struct ev_approval {
	char principal[101];
	char role[16];
	int counts;        /* passed the counting rules (signature, keyring, binding, ...) */
	int64_t issued;
	char policy[72];   /* sha256 of the policy the request was opened under, "" for none */
};

struct ev_metric {
	char name[101], dataset[101], slice[101];
	double value;
};

struct ev_value {
	char name[101];
	double value;
};

struct ev_stage {
	char stage[65];
	int64_t since;
};

struct evidence {
	char model[101], tier[16], from[65], to[65], digest[72];
	int64_t version, now;
	char author[256], requester[101];
	int has_request;
	struct ev_approval *appr;
	size_t nappr;
	struct ev_metric *met;
	size_t nmet;
	int has_card;
	char (*card)[101]; /* sections present with a non-empty body */
	size_t ncard;
	int has_lineage, lineage_complete;
	int has_monitor;
	struct ev_value *live, *drift;
	size_t nlive, ndrift;
	int has_alerts;
	char monitor_note[200], alerts_note[200]; /* why there is no data (stale, say); not recorded */
	char lineage_note[600]; /* the signed lineage.set entry's first gap, or why there is none; not recorded */
	struct ev_value *alerts; /* name, value = severity rank (1 info, 2 warning, 3 critical) */
	size_t nalerts;
	struct ev_stage stages[8];
	size_t nstages;
	int has_canary;
	double canary_weight;
	int64_t canary_since;
	int has_digest_state, digest_verified; /* steward computed the artifact digest itself */
	char actor[101];      /* rollbacks: who is rolling back */
	unsigned actor_roles; /* ROLE_* bits held by the actor */
};

void evidence_free(struct evidence *ev);
/* Evidence as JSON (what the ledger records and what policy tests write). */
json_t *evidence_to_json(const struct evidence *ev);
/* Reads evidence from JSON; absent members mean "no data", never "fine". */
int evidence_from_json(json_t *j, struct evidence *ev, struct err *e);

enum rule_status { RULE_PASS = 1, RULE_FAIL, RULE_UNKNOWN };
const char *policy_status_name(enum rule_status s);

struct rule_result {
	const struct policy_rule *rule;
	enum rule_status status;
	char evidence[160]; /* the value the rule looked at */
	char reason[300];
};

/* Evaluates every rule of a section over the evidence. policy_digest is
 * the sha256 of the policy in force: only approvals made under it count.
 * Returns 1 when every rule passed (allow), 0 otherwise (deny). */
int policy_evaluate(const struct policy_section *s, const struct evidence *ev,
		    const char *policy_digest, struct rule_result *out);

/* One policy test case's outcome, handed to the caller as the tests run. */
struct policy_case {
	const char *name;
	int line;
	int ok;
	char why[600]; /* the first mismatch, "" when ok */
};
typedef void (*policy_case_fn)(void *arg, const struct policy_case *c);

/* Runs the cases of a test file against a parsed policy (see
 * steward-policy(5): case, transition|rollback, evidence, expect).
 * digest stands for "the policy in force" in approvals that name no
 * policy. Returns the number of failed cases, or -1 with e naming
 * tname:line when the test file itself is malformed. */
int policy_test_run(const struct policy *p, const char *digest, const char *text, size_t len, const char *tname,
		    policy_case_fn fn, void *arg, int *cases, struct err *e);

/* 1 when v OP x holds; the operator as the policy writes it (">="). */
int policy_compare(double v, enum policy_op op, double x);
const char *policy_op_text(enum policy_op op);
/* The operator written s (">="), 0 for none. */
enum policy_op policy_op_parse(const char *s);

/* Severity rank of an alert label (info 1, warning 2, critical 3); 0 unknown. */
int policy_severity(const char *s);
/* "72h", "14d", "30m", "90s" -> seconds; -1 when malformed. */
int64_t policy_duration(const char *s);

#endif
