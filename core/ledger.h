/* ledger: the append-only audit ledger: entries with leaf and chain hashes, signed checkpoints, verification and proofs. */
#ifndef STEWARD_LEDGER_H
#define STEWARD_LEDGER_H

#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "err.h"
#include "keys.h"
#include "merkle.h"
#include "store.h"

/* The key that signs checkpoints. Its seed lives beside the store in
 * PATH.logkey (mode 0600); its public half and name are in the store. */
struct ledger_logkey {
	char name[KEYS_NAME_MAX + 1]; /* the checkpoint origin, "steward.local/<id>" */
	uint8_t pk[KEYS_PK_BYTES];
	uint8_t *sk; /* sodium_malloc'd, 64 bytes */
};

/* Creates the log key for a new store (refuses if one exists). */
int ledger_logkey_create(struct store *st, struct err *e);
int ledger_logkey_load(struct store *st, struct ledger_logkey **out, struct err *e);
/* The public half as recorded in the store (for verifying). */
int ledger_logkey_public(struct store *st, char *name, size_t n, uint8_t pk[KEYS_PK_BYTES],
			 struct err *e);
void ledger_logkey_free(struct ledger_logkey *k);

/* Appends an entry. Must run inside the caller's transaction, so the
 * governed change and its entry commit together or not at all. `data`
 * is borrowed. */
int ledger_append(struct store *st, const char *actor, const char *action, const char *subject,
		  json_t *data, int64_t *seq, struct err *e);
int64_t ledger_size(struct store *st);
/* Signs a checkpoint of the current tree when it grew since the last. */
int ledger_checkpoint(struct store *st, const struct ledger_logkey *k, struct err *e);

struct ledger_report {
	int64_t entries;
	int64_t checkpoints;
	int64_t verified; /* entries covered by the newest valid checkpoint */
	int64_t bad_seq;  /* first bad entry, 0 when none */
	char reason[700];
};

/* Recomputes every leaf and chain hash, every checkpoint root and
 * signature. 0 when all holds; -1 with r->bad_seq and r->reason (and e)
 * naming the first problem. */
int ledger_verify(struct store *st, struct ledger_report *r, struct err *e);

#endif
