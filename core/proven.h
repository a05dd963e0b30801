/* proven: what the ledger itself proves (the keyring, who signed each act), re-derived for the gate, the counts and the dispatcher instead of trusting the store's tables. */
#ifndef STEWARD_PROVEN_H
#define STEWARD_PROVEN_H

#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "err.h"
#include "keyring.h"
#include "keys.h"
#include "store.h"

/* payloadType of the detached DSSE signature an actor puts on its ledger
 * entry: the signed payload is the entry's exact body bytes. */
#define PROVEN_ENTRY_TYPE "application/vnd.steward.ledger-entry.v1+json"

struct proven_role {
	size_t principal;
	unsigned role;
	int64_t granted, revoked; /* revoked 0 while held */
};

struct proven_key {
	char id[KEYS_ID_HEX + 1];
	size_t principal;
	uint8_t pk[KEYS_PK_BYTES];
	int64_t added, revoked;
};

struct proven_principal {
	char name[KEYS_NAME_MAX + 1];
	int64_t added, revoked;
};

/* The keyring as the admin-signed keyring entries make it, version by
 * version. Filled by replaying those entries in ledger order. */
struct proven_keyring {
	char log[KEYS_NAME_MAX + 1]; /* the log origin every statement must name */
	int64_t version;
	char root_key[KEYS_ID_HEX + 1];
	struct proven_principal *p;
	size_t np;
	struct proven_key *k;
	size_t nk;
	struct proven_role *r;
	size_t nr;
	int64_t *vseq; /* vseq[v] is the ledger seq that made version v (vseq[0] = 0) */
	json_t *keyring_history; /* array of {version, seq, statement} */
	struct proven_seen *seen; /* the store's cached keyring only: rows whose signature held, see proven_row */
};

/* Grows an array (arrp points at its pointer) by one zeroed element of
 * size bytes; NULL when out of memory. The replays use it too. */
void *proven_push(void *arrp, size_t *n, size_t size);

int proven_keyring_init(struct proven_keyring *kr, const char *log, struct err *e);
void proven_keyring_clear(struct proven_keyring *kr);
/* Applies one keyring.* entry (its DSSE statement signed by an admin of
 * the keyring before it, or the self-signed init). -1 with why filled. */
int proven_keyring_apply(struct proven_keyring *kr, int64_t seq, const char *action, const char *actor,
			 json_t *data, char *why, size_t n);

/* Lookups. */
struct proven_principal *proven_principal(struct proven_keyring *kr, const char *name, size_t *idx);
struct proven_key *proven_key(struct proven_keyring *kr, const char *id);
int proven_role_held(const struct proven_keyring *kr, size_t principal, unsigned role, int64_t ver);
unsigned proven_roles_now(const struct proven_keyring *kr, size_t principal);
int proven_key_active(const struct proven_key *k, int64_t ver);
/* The keyring version in force just before ledger entry seq. */
int64_t proven_version_at(const struct proven_keyring *kr, int64_t seq);
/* approval_ctx callbacks (arg is the proven_keyring). */
int proven_key_at(void *arg, const char *key_id, int64_t ver, char principal[KEYS_NAME_MAX + 1],
		  uint8_t pk[KEYS_PK_BYTES], int *active);
int proven_role_at(void *arg, const char *name, unsigned role, int64_t ver);

/* The store's keyring proven from its ledger: every keyring entry's body
 * hashes to its stored leaf, the ledger has no gap, and each change is
 * signed as above. Cached on the store until a keyring entry is added.
 * Borrowed: valid until the next call on st. */
int proven_keyring_load(struct store *st, const struct proven_keyring **out, struct err *e);
/* 1 when proven_keyring_load on st would now wait for another of the
 * process's connections to finish proving the same keyring; 0 when it
 * would return at once or prove it itself, or when that cannot be told. */
int proven_keyring_pending(struct store *st);

/* A number that changes whenever an entry whose action starts with prefix
 * is added or removed (their count and newest seq): what a per-connection
 * cache of state derived from those entries is stamped with. */
int proven_action_stamp(struct store *st, const char *prefix, int64_t *stamp, struct err *e);

/* Who a key belongs to and which roles the principal holds now, from the
 * proven keyring; refuses unknown and revoked keys and principals. */
int proven_whoami(struct store *st, const char *key_id, struct principal *p, struct err *e);

/* Signs an entry body as actor k (a DSSE signature over the exact bytes):
 * the base64 signature is written into sig (at least 100 bytes). */
void proven_sign_entry(const struct key_secret *k, const char *body, size_t len, char *sig, size_t n);

/* 1 when an action carries its own signed envelope (keyring changes,
 * decisions) or is a plugin's observation, so no entry signature is due. */
int proven_self_signed(const char *action, const char *actor);

/* Checks an entry's signature: the body names the signing key ("key"),
 * which must belong to the actor and be active at the keyring version in
 * force at ver, and sig (base64) must verify over the body bytes.
 * 0 when it holds, -1 with why filled. */
int proven_check_entry(const struct proven_keyring *kr, int64_t ver, json_t *parsed, const char *body, size_t len,
		       const char *sig, char *why, size_t n);

/* The same checks on the current row of s, whose columns col, col + 1 and
 * col + 2 are the entry's body, stored leaf and signature. With
 * the store's cached keyring (proven_keyring_load), a row whose seq, leaf
 * and signature text are those of a row that passed under that same
 * keyring is not verified again: the body must still hash to the leaf,
 * so what was verified is what is read, and the cache goes with the
 * keyring when a keyring entry is added. */
int proven_row(const struct proven_keyring *kr, int64_t seq, struct db_stmt *s, int col, json_t **out,
	       struct err *e);

/* proven_row in its two steps, for a walk that reads more rows than it
 * uses: proven_row_read checks the body against its stored leaf (that
 * alone: proven_row_leaf) and parses it, proven_row_signed checks the
 * signature on the row it then uses (an Ed25519 verification unless the
 * row is in the keyring's cache). */
int proven_row_leaf(int64_t seq, struct db_stmt *s, int col, struct err *e);
int proven_row_read(int64_t seq, struct db_stmt *s, int col, json_t **out, struct err *e);
int proven_row_signed(const struct proven_keyring *kr, int64_t seq, struct db_stmt *s, int col, json_t *j,
		      struct err *e);

/* A ledger_entry_fn (arg is the store) for signing checkpoints: the entry
 * passes proven_check_entry under the keyring as it stood before it. */
int proven_checkpoint_entry(void *arg, int64_t seq, const char *body, size_t len, json_t *parsed, const char *sig,
			    char *why, size_t n);

/* Loads ledger entry seq for use by the gate: its body must hash to its
 * stored leaf and carry a valid signature by an active key of its actor
 * (or be self-signed, see above). *body (parsed, caller frees) and
 * actor/action are filled. */
int proven_entry(struct store *st, int64_t seq, json_t **body, struct err *e);

#endif
