/* keyring: principals, their roles and keys, and the versioned, admin-signed changes that make them. */
#ifndef STEWARD_KEYRING_H
#define STEWARD_KEYRING_H

#include <stddef.h>
#include <stdint.h>

#include "err.h"
#include "keys.h"
#include "store.h"

/* Roles as bits, so a command can name the set of roles that may run it. */
enum role {
	ROLE_ADMIN = 1 << 0,
	ROLE_RISK = 1 << 1,
	ROLE_MLLEAD = 1 << 2,
	ROLE_SRE = 1 << 3,
	ROLE_AUDITOR = 1 << 4,
	ROLE_PIPELINE = 1 << 5, /* CI service keys: record versions, cards and metrics */
};
#define ROLE_ALL 0x3fu
#define ROLE_COUNT 6
/* Roles that record evidence: models, versions, cards and metrics. */
#define ROLE_EVIDENCE (ROLE_ADMIN | ROLE_MLLEAD | ROLE_PIPELINE)
/* Roles whose holders may sign decisions; auditors only read. */
#define ROLE_SIGNERS (ROLE_ADMIN | ROLE_RISK | ROLE_MLLEAD | ROLE_SRE)

/* payloadType of the DSSE envelope an admin signs for each keyring change. */
#define KEYRING_PAYLOAD_TYPE "application/vnd.steward.keyring.v1+json"

const char *keyring_role_name(unsigned role);
/* One role by name; 0 and e filled (listing the roles) when unknown. */
unsigned keyring_role_parse(const char *s, struct err *e);
/* Comma-separated roles ("risk-officer,sre"); refuses unknown or empty ones. */
int keyring_roles_parse(const char *csv, unsigned *mask, struct err *e);
/* "admin,risk-officer" in the canonical order; "-" for none. */
const char *keyring_roles_text(unsigned mask, char *buf, size_t n);

/* Current keyring version: 0 before `init --admin`. */
int64_t keyring_version(struct store *st);

/* Who a key belongs to, as the keyring stands now. */
struct principal {
	char name[KEYS_NAME_MAX + 1];
	unsigned roles;
	char key_id[KEYS_ID_HEX + 1];
	/* The unlocked key when this principal is acting (set by whoever
	 * unlocked it: the CLI dispatcher, the console): it signs the ledger
	 * entries of the acts. NULL when only looked up. */
	const struct key_secret *key;
};
/* Fills p for the key with this id; refuses unknown and revoked keys and
 * revoked principals, saying which. */
int keyring_whoami(struct store *st, const char *key_id, struct principal *p, struct err *e);
/* 1 while another connection of this process proves st's keyring, which
 * whoami and every judged read on st would wait for: a console shows what
 * needs no keyring meanwhile (proven_keyring_pending). */
int keyring_proving(struct store *st);

/* The keyring's first entry: name becomes an admin holding key k. The
 * entry is signed by k itself (the root of trust an auditor pins).
 * Runs inside the caller's transaction. */
int keyring_init(struct store *st, const char *name, const struct key_secret *k, struct err *e);
/* Adds a principal (or, for an existing one, another key and/or roles).
 * Signed by the admin's key. Inside the caller's transaction. */
int keyring_add(struct store *st, const struct principal *admin, const struct key_secret *k,
		const char *name, unsigned roles, const struct key_public *pub, struct err *e);
/* Revokes a whole principal (key_id NULL and roles 0), one key, or some
 * roles. Signed by the admin's key. Inside the caller's transaction. */
int keyring_revoke(struct store *st, const struct principal *admin, const struct key_secret *k,
		   const char *name, const char *key_id, unsigned roles, struct err *e);

/* One key of a principal in the listing. */
struct kr_key {
	char id[KEYS_ID_HEX + 1];
	char public[64];
	int64_t added_ver;
	int64_t revoked_ver; /* 0 while active */
};
struct kr_principal {
	char name[KEYS_NAME_MAX + 1];
	unsigned roles;         /* held now */
	int64_t added_ver;
	int64_t revoked_ver;    /* 0 while active */
	struct kr_key *keys;
	size_t nkeys;
};
struct kr_list {
	struct kr_principal *v;
	size_t n;
	int64_t version;
};
int keyring_list(struct store *st, struct kr_list *out, struct err *e);
void keyring_list_free(struct kr_list *l);

/* A key as it stood at keyring version ver: its principal, public key,
 * and whether it was active. Returns 1 when the key was ever known, 0
 * when never, -1 on error. */
int keyring_key_at(struct store *st, const char *key_id, int64_t ver, char principal[KEYS_NAME_MAX + 1],
		   uint8_t pk[KEYS_PK_BYTES], int *active, struct err *e);
/* 1 when principal held role at keyring version ver, 0 when not, -1 on error. */
int keyring_role_at(struct store *st, const char *principal, unsigned role, int64_t ver,
		    struct err *e);

#endif
