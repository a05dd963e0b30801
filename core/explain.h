/* explain: one ledger entry made readable for an auditor: the signed statement it carries decoded, who signed it with which key and role, and whether the checks hold. */
#ifndef STEWARD_EXPLAIN_H
#define STEWARD_EXPLAIN_H

#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "err.h"
#include "keys.h"
#include "store.h"

enum explain_kind {
	EXPLAIN_ACT,      /* signed by its actor: a detached signature over the body bytes */
	EXPLAIN_DECISION, /* an approval or rejection: a DSSE in-toto statement it carries */
	EXPLAIN_KEYRING,  /* a keyring change: a DSSE statement signed by an admin */
	EXPLAIN_OBSERVED, /* what a registry plugin saw: recorded as seen, signed by nobody */
};

struct explain {
	enum explain_kind kind;
	int ok;        /* 1 when every check below holds */
	char why[800]; /* the first check that does not */
	/* Who signed, as the proven keyring says (or, when the check failed,
	 * as the entry claims: then it is not to be trusted). */
	char signer[KEYS_NAME_MAX + 1];
	char key_id[KEYS_ID_HEX + 1];
	char role[96];       /* the role a decision was signed as; the roles an act's signer held then */
	int64_t keyring_ver; /* the keyring version the check used */
	json_t *body;        /* the entry parsed (NULL when it is not JSON) */
	/* The payload of the DSSE envelope the entry carries (decisions,
	 * keyring changes, policy enrolments), decoded; NULL when it has none. */
	json_t *statement;
	char payload_type[128];
	/* What it links to: the model and version of its subject (version 0
	 * for a model's own entries; model "" when the subject is no model),
	 * the request it belongs to or caused (0: none) and, for a request
	 * that superseded another, the new one. */
	char model[101];
	int64_t version;
	int64_t request;
	int64_t successor;
	/* A decision only: whether it counts on its request now, and why not. */
	int counts;
	char counts_why[400];
};

/* Reads entry seq and checks it the way `steward audit verify` does one
 * entry: its bytes against its stored leaf, its actor's signature (or its
 * envelope's: a decision is checked by approval_check against the request
 * as recorded and the keyring in force when it was recorded). 0 with out
 * filled whether or not the checks hold (out->ok says); -1 only when the
 * entry cannot be read. */
int explain_entry(struct store *st, int64_t seq, struct explain *out, struct err *e);
void explain_clear(struct explain *x);

/* "models:/NAME/3" -> NAME and 3; "models:/NAME" -> NAME and 0. 1 when the
 * subject names a model, 0 otherwise (model "" then). */
int explain_subject(const char *subject, char *model, size_t n, int64_t *version);

#endif
