/* note: C2SP signed notes (text + Ed25519 signature lines), used for the ledger's checkpoints. */
#ifndef STEWARD_NOTE_H
#define STEWARD_NOTE_H

#include <stddef.h>
#include <stdint.h>

#include "err.h"
#include "keys.h"

/* The 4-byte key hash of a signed-note Ed25519 key:
 * SHA-256(name || "\n" || 0x01 || public key)[0:4]. */
void note_key_hash(const char *name, const uint8_t pk[KEYS_PK_BYTES], uint8_t out[4]);
/* Signs text (which must end in "\n") as `name`; returns the whole note
 * (text, blank line, "— name base64(hash||sig)") malloc'd, or NULL. */
char *note_sign(const char *text, const char *name, const uint8_t *sk64,
		const uint8_t pk[KEYS_PK_BYTES], struct err *e);
/* Verifies a note carries a valid signature by (name, pk). On success
 * *text_len is the length of the signed text at the start of note. */
int note_verify(const char *note, const char *name, const uint8_t pk[KEYS_PK_BYTES],
		size_t *text_len, struct err *e);

#endif
