/* approval: promotion requests and signed decisions (DSSE around in-toto Statement v1), and the rules that decide which count. */
#ifndef STEWARD_APPROVAL_H
#define STEWARD_APPROVAL_H

#include <stddef.h>
#include <stdint.h>

#include "err.h"
#include "keyring.h"
#include "keys.h"
#include "store.h"

#define INTOTO_STATEMENT_TYPE "https://in-toto.io/Statement/v1"
#define APPROVAL_PREDICATE_TYPE "https://steward.dev/approval/v1"
#define APPROVAL_TTL_DEFAULT (7 * 86400)
#define APPROVAL_TTL_MAX (90 * 86400)
#define APPROVAL_SKEW 300 /* seconds a signer's clock may run ahead */

/* What a decision is checked against: the request as recorded, the
 * clock, and the keyring as it stood when the decision was recorded.
 * The keyring is reached through callbacks so the same rules run on the
 * store and on a ledger replayed from an exported bundle. */
struct approval_ctx {
	int64_t request;
	const char *model;
	int64_t version;
	const char *digest; /* sha256:<hex> */
	const char *from, *to, *tier;
	const char *author, *requester;
	const char *log; /* the store's log origin: a decision for another estate never counts */
	const char *policy; /* sha256 of the policy the request was opened under, "" for none */
	/* The evidence snapshot now (record_snapshot); a decision that binds
	 * another one is stale. NULL skips the comparison (closed requests,
	 * judged as they stood). stale_why names the newest evidence change. */
	const char *evidence;
	const char *stale_why;
	int64_t now;
	int64_t keyring_ver;
	/* 1 known (principal, pk, *active filled), 0 unknown, -1 error */
	int (*key_at)(void *arg, const char *key_id, int64_t ver, char principal[KEYS_NAME_MAX + 1],
		      uint8_t pk[KEYS_PK_BYTES], int *active);
	/* 1 held, 0 not, -1 error */
	int (*role_at)(void *arg, const char *principal, unsigned role, int64_t ver);
	void *arg;
};

/* The fields of a decision's statement that the rules and screens use. */
struct approval_stmt {
	char principal[KEYS_NAME_MAX + 1];
	char key_id[KEYS_ID_HEX + 1];
	unsigned role;
	int approve; /* 1 approve, 0 reject */
	char nonce[65];
	int64_t issued, expires, keyring_claim;
	char comment[1024];
	char evidence[72]; /* the evidence snapshot it binds */
};

/* Verifies the envelope's signature before reading it, then every binding
 * rule except the ones that need the other decisions (nonce reuse,
 * distinct principals). 0 when it holds; -1 with why filled. */
int approval_check(const struct approval_ctx *c, const char *env, size_t len,
		   struct approval_stmt *out, char *why, size_t n);

/* Opens a promotion request for MODEL VERSION to stage `to` (an alias).
 * Appends its ledger entry in the same transaction. */
int approval_request_open(struct store *st, const struct principal *who, const char *model,
			  int64_t version, const char *to, const char *comment, int64_t *id,
			  struct err *e);

/* Signs and records a decision on a request with k. role 0 picks the
 * signer's first of risk-officer, ml-lead, sre, admin. ttl 0 means the
 * default. Refuses anything that would not count, saying why. */
int approval_sign(struct store *st, const struct principal *who, const struct key_secret *k,
		  int64_t request, int approve, unsigned role, const char *comment, int64_t ttl,
		  int64_t *id, struct err *e);
/* Records a decision signed elsewhere (any DSSE tool), with the same rules. */
int approval_submit(struct store *st, int64_t request, const char *env, size_t len, int64_t *id,
		    struct err *e);

/* One decision on a request, evaluated now. */
struct approval_eval {
	int64_t id, request, seq, keyring_ver;
	char principal[KEYS_NAME_MAX + 1];
	char key_id[KEYS_ID_HEX + 1];
	char role[16];
	int approve;
	int64_t issued, expires, recorded;
	char comment[1024];
	int counts;
	char why[400]; /* why it does not count; "" when it does */
};

/* What a request still needs before it may be applied. Until policies are
 * enrolled these are the built-in minimums per tier (see steward-ledger(5)). */
struct approval_need {
	unsigned role; /* 0: any role */
	int count;
	int have;
};
#define APPROVAL_MAX_NEEDS 4

struct approval_request {
	int64_t id, version, created, keyring_ver, seq;
	char kind[16];          /* promotion, or review (after a rollback) */
	char policy_name[65];
	int64_t policy_version;
	char policy[72];        /* sha256 of the policy in force when it opened, "" for none */
	int64_t due;            /* reviews: when it becomes overdue */
	char review_role[16];
	char model[101];
	char digest[72];
	char author[256];
	char from[65], to[65], tier[16];
	char requester[KEYS_NAME_MAX + 1];
	char comment[1024];
	char state[16];
	char closed[300];   /* how a withdrawn request closed: "withdrawn by NAME: why", "superseded by request N" */
	char tampered[400]; /* why the row disagrees with its ledger entry; "" when it agrees */
	char evidence[72];  /* the evidence snapshot a decision must bind now ("" when unknown) */
	char evidence_why[160]; /* the newest change to it, for "stale: ..." */
	struct approval_eval *v;
	size_t n;
	int counted;  /* distinct principals whose approvals count */
	int required; /* sum of the needs */
	int satisfied;
	struct approval_need needs[APPROVAL_MAX_NEEDS];
	size_t nneeds;
};

/* Closes open request id as withdrawn, by its requester or an admin, with
 * the reason, as a signed request.withdraw entry. */
int approval_request_withdraw(struct store *st, const struct principal *who, int64_t id, const char *reason,
			      int64_t *seq, struct err *e);
/* A request bound to a policy no longer in force for its tier can never
 * count approvals under the new one: closes it and opens a new request for
 * the same version and stage under the policy in force, by its requester
 * or an admin, both named in a signed request.supersede entry. */
int approval_request_supersede(struct store *st, const struct principal *who, int64_t id, int64_t *new_id,
			       struct err *e);
/* 1 when the ledger holds an entry closing request id of MODEL VERSION
 * (applied, withdrawn, superseded: each such entry's subject is
 * models:/MODEL/VERSION), 0 when none, -1 on error: the requests table
 * alone is not trusted to say a request is still open. */
int approval_request_closed_in_ledger(struct store *st, int64_t id, const char *model, int64_t version,
				      struct err *e);

/* The stage a version is at, from its comma-separated aliases: production
 * beats canary beats staging beats any other alias; "none" without one. */
void approval_stage_of(const char *aliases, char *out, size_t n);

/* The policy in force for a tier (the newest enrolled): 1 found, 0 none,
 * -1 error. text (malloc'd) may be NULL when not wanted. */
int approval_policy_for_tier(struct store *st, const char *tier, char name[65], int64_t *version,
			     char digest[72], char **text, struct err *e);

/* Opens the post-incident review a rollback owes: needs one decision by
 * role before due. Inside the caller's transaction; seq is the rollback's
 * ledger entry, which records it. */
int approval_review_open(struct store *st, const char *actor, const char *model, int64_t version,
			 const char *alias, unsigned role, int64_t due, int64_t seq, const char *reason,
			 int64_t *id, struct err *e);

/* Closes a request as "applied" or "withdrawn". */
int approval_request_close(struct store *st, int64_t id, const char *state, struct err *e);

/* Loads a request with every decision evaluated against the rules: an
 * open request's decisions at the current time, a closed one's at the
 * time each was recorded. */
int approval_request_get(struct store *st, int64_t id, struct approval_request *out, struct err *e);
/* The request's row alone, as the requests table holds it: nothing
 * evaluated, nothing checked against the ledger (no decisions, no needs,
 * tampered never set), so the keyring is not needed. Only for showing
 * while that proof is under way, and said to be unchecked. */
int approval_request_peek(struct store *st, int64_t id, struct approval_request *out, struct err *e);
void approval_request_clear(struct approval_request *r);

struct approval_requests {
	struct approval_request *v;
	size_t n;
};
/* Requests (open ones only when open_only), newest first, evaluated. */
int approval_request_list(struct store *st, int open_only, struct approval_requests *out,
			  struct err *e);
void approval_requests_free(struct approval_requests *l);

/* Which requests approval_request_each reads; zeroes read them all. */
struct approval_query {
	int open_only;       /* only open requests */
	int oldest_first;    /* ascending ids; otherwise newest first, as request list shows them */
	int64_t since;       /* only requests opened at or after this time */
	int decided;         /* only requests with a decision recorded at or after decided_since */
	int64_t decided_since;
	int64_t limit;       /* at most so many requests */
};
/* Called for each request, evaluated, in order; r is borrowed until the
 * call returns. 0 goes on, 1 stops with success, -1 (e filled) fails. */
typedef int (*approval_request_fn)(void *arg, const struct approval_request *r, struct err *e);
/* Streams the requests q picks to fn a page at a time with one prepared
 * statement (keyset on the id), so memory holds a page, not the list. */
int approval_request_each(struct store *st, const struct approval_query *q, approval_request_fn fn, void *arg,
			  struct err *e);

/* Whether who may sign a decision (approve 1, reject 0) on r, evaluated
 * by approval_request_get, asked before any key is unlocked: the request
 * is open and agrees with its ledger entry, who is neither its requester
 * nor the version's author, has not already decided on it, holds a role
 * it still needs (an approval fills a need not yet filled), and the
 * evidence and digest can be bound. *role 0 picks the first of
 * risk-officer, ml-lead, sre, admin that serves a need and sets it; a
 * role given must be held and needed. 0 when who may; -1 with why filled.
 * approval_sign makes the same checks, so the CLI and the console refuse
 * alike, except that the CLI still records a decision no need asks for
 * (a second risk officer's word is evidence too, if not counted). */
int approval_precheck(struct store *st, const struct principal *who, const struct approval_request *r,
		      int approve, unsigned *role, char *why, size_t n);

/* 1 when r (evaluated) waits for who's decision: who could approve it
 * by the person rules of approval_precheck; 0 when not. */
int approval_waits_for(const struct approval_request *r, const struct principal *who);

/* Decisions, all or one request's (request 0 means all), evaluated. */
struct approval_evals {
	struct approval_eval *v;
	size_t n;
};
int approval_list(struct store *st, int64_t request, struct approval_evals *out, struct err *e);
/* Decisions as approval_list orders them (oldest request first, then in
 * recording order), streamed to fn: only those recorded at or after since
 * (0: all), at most limit (0: no limit). fn returns 0 to go on, 1 to
 * stop, -1 with e filled to fail. */
typedef int (*approval_eval_fn)(void *arg, const struct approval_eval *a, struct err *e);
int approval_each(struct store *st, int64_t request, int64_t since, int64_t limit, approval_eval_fn fn, void *arg,
		  struct err *e);
void approval_evals_free(struct approval_evals *l);
/* The envelope exactly as stored (malloc'd, *len bytes, NUL-terminated). */
int approval_envelope(struct store *st, int64_t id, char **env, size_t *len, struct err *e);

/* Parses a request or approval id ("7"). */
int approval_id_parse(const char *what, const char *s, int64_t *out, struct err *e);

/* The built-in needs for a tier ("high": one ml-lead and one risk-officer). */
size_t approval_default_needs(const char *tier, struct approval_need *out, size_t max);

/* The store's keyring as approval_ctx callbacks (arg is the store). */
int approval_store_key_at(void *arg, const char *key_id, int64_t ver,
			  char principal[KEYS_NAME_MAX + 1], uint8_t pk[KEYS_PK_BYTES], int *active);
int approval_store_role_at(void *arg, const char *principal, unsigned role, int64_t ver);

#endif
