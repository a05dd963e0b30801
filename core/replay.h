/* replay: the ledger's meaning replayed entry by entry in order (keyring, requests, approvals, policies, promotions, incidents), the state audit verify checks the tables against. */
#ifndef STEWARD_REPLAY_H
#define STEWARD_REPLAY_H

#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "err.h"
#include "keys.h"
#include "policy.h"
#include "proven.h"
#include "reconcile.h"
#include "record.h"

/* Every request ever opened, kept for what later entries and the
 * tables' checks still ask of a closed one (its seq, requester, stage,
 * version): 48 bytes, not the 168 an open one needs, as a million-entry
 * ledger closes over a hundred thousand of them. Strings are interned. */
struct rp_request {
	int64_t id, version, seq;
	const char *requester, *to;
	uint32_t open; /* 1 + index in rp->open of the rest while open, 0 once closed */
	uint8_t review;
};

/* The rest of an open request: what its decisions, its promotion and its
 * supersede are checked against. The slot is reused once it closes. */
struct rp_open {
	char digest[72];
	const char *model, *author, *from, *tier;
	const char *policy; /* sha256 of the policy in force when it opened, "" for none */
	uint32_t last_appr; /* 1 + index in rp->a of its newest decision, 0 none */
	/* Who decided on which evidence (SipHash of "principal/evidence"):
	 * a person decides once per request and evidence snapshot, and a
	 * closed request takes no decision, so this goes when it closes. */
	uint8_t (*signed_on)[16];
	size_t nsigned;
	size_t next_free;   /* 1 + index of the next free slot, while this one is free */
};

/* Every decision, for the approvals table's check and the promotions of
 * its request: 56 bytes, a million-entry ledger records a hundred
 * thousand of them. */
struct rp_approval {
	int64_t seq, request;
	const char *principal; /* interned: a million-entry replay keeps no copy a decision */
	/* Its SipHash-2-4 (128 bits) under the replay's random key: the table's
	 * envelope is hashed under the same key, which no one who writes the
	 * store can know, and SipHash is several times cheaper than SHA-256
	 * over a hundred thousand envelopes twice. */
	uint8_t envelope[16];
	uint32_t len;
	uint32_t prev_same; /* 1 + index of the same request's decision before it, 0 none */
	uint8_t role;       /* the ROLE_* it was signed in (0xff: none keyring_role_name knows) */
	uint8_t approve;
};

/* An enrolled policy: the newest per tier is in force. */
struct rp_policy {
	char name[65], tier[16], digest[72];
	int64_t version;
	struct policy parsed; /* parsed once at its enrolment, not again at every gate it decided */
};

/* A version moved to an alias under policy: a rollback may return to it.
 * 16 bytes: a million-entry ledger applies over a hundred thousand. */
struct rp_promotion {
	const char *move; /* interned "MODEL\nALIAS" */
	int64_t version;
};

/* A set of strings (open addressing, FNV-1a), so a million-entry replay
 * stays linear: the names the replay interns. */
struct strset {
	char **slot;
	size_t cap, n;
};

/* A set of 128-bit keyed hashes (SipHash-2-4, the key drawn per replay):
 * the nonces, 16 bytes a member and no allocation each. Two members
 * colliding could only report a reuse that did not happen, never miss
 * one, and odds are 2^-127 a pair. */
struct hashset {
	uint8_t (*slot)[16];
	size_t cap, n;
};

struct replay {
	struct proven_keyring kr;
	struct rp_request *q;
	size_t nq;
	struct rp_open *open; /* slots of the open requests' rest */
	size_t nopen, free_open; /* free_open: 1 + index of the first free slot, 0 none */
	struct rp_approval *a;
	size_t na;
	struct rp_policy *pol;
	size_t npol;
	struct rp_promotion *prom;
	size_t nprom;
	struct strset names; /* interned strings of requests, decisions and promotions */
	struct hashset nonces;
	uint8_t hkey[16];         /* the hashes' SipHash key */
	struct incident_replay *inc;
	/* Every alias's last move so far, removed ones too: the tables and the
	 * report read them here instead of parsing every alias move again. */
	struct record_alias_states aliases;
	/* What the tables derive from, when the store's tables are checked
	 * after (audit_verify); NULL otherwise. */
	struct reconcile_seen *seen;
	/* The bytes of the entry being replayed, while replay_entry runs. */
	const char *body;
	size_t blen;
};

int replay_init(struct replay *rp, const char *log, struct err *e);
void replay_free(struct replay *rp);
/* The ledger_entry_fn (arg is the replay): one entry's meaning, in order.
 * Non-zero with why filled when the entry breaks a rule in force then. */
int replay_entry(void *arg, int64_t seq, const char *body, size_t len, json_t *j, const char *sig, char *why,
		 size_t n);
/* The request opened with id, or NULL. */
struct rp_request *replay_request(struct replay *rp, int64_t id);

#endif
