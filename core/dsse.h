/* dsse: DSSE v1 envelopes: pre-authentication encoding, signing and verifying before parsing. */
#ifndef STEWARD_DSSE_H
#define STEWARD_DSSE_H

#include <stddef.h>
#include <stdint.h>

#include "err.h"
#include "keys.h"

#define DSSE_INTOTO_TYPE "application/vnd.in-toto+json"
#define DSSE_MAX_SIGS 8

/* A parsed envelope. payload holds the exact decoded bytes that were signed. */
struct dsse {
	char *payload_type;
	uint8_t *payload;
	size_t payload_len;
	size_t nsigs;
	struct {
		char keyid[KEYS_ID_HEX + 1];
		uint8_t sig[KEYS_SIG_BYTES];
	} sigs[DSSE_MAX_SIGS];
};

/* PAE(type, body) = "DSSEv1" SP LEN(type) SP type SP LEN(body) SP body.
 * *out is malloc'd. */
int dsse_pae(const char *type, const void *body, size_t len, uint8_t **out, size_t *olen);
/* Signs body and returns the envelope as compact JSON (malloc'd), or NULL. */
char *dsse_sign(const char *type, const void *body, size_t len, const struct key_secret *k,
		struct err *e);
/* Parses an envelope's JSON. Only structure is checked here; the payload
 * must not be trusted until dsse_verify says so. */
int dsse_parse(const char *json, size_t len, struct dsse *out, struct err *e);
/* 1 when one of the signatures with this key id verifies under pk. */
int dsse_verify(const struct dsse *d, const uint8_t pk[KEYS_PK_BYTES], const char *keyid);
void dsse_free(struct dsse *d);

#endif
