/* fuzz_util: what several fuzz targets share: the input's first line as a signed-note verifier key, a NUL-terminated copy of the rest, and a keyring of one key. */
#ifndef STEWARD_FUZZ_UTIL_H
#define STEWARD_FUZZ_UTIL_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "audit.h"
#include "keys.h"

/* Splits data at its first newline: the line before it is parsed as a
 * verifier key ("name+hash+base64", as audit verify --json prints it), so a
 * corpus can carry real signed objects with the key that checks them. The
 * rest is copied with a NUL after it (*rest, malloc'd). Returns 1 when the
 * key parsed, 0 when it did not (name and pk are then zero), -1 on no memory. */
static inline int fuzz_vkey_split(const uint8_t *data, size_t size, char name[KEYS_NAME_MAX + 1],
				  uint8_t pk[KEYS_PK_BYTES], char **rest, size_t *rest_len)
{
	const uint8_t *nl = memchr(data, '\n', size);
	size_t klen = nl != NULL ? (size_t)(nl - data) : 0, off = nl != NULL ? klen + 1 : 0;
	char *key = malloc(klen + 1);
	struct err e;
	int ok;

	*rest = malloc(size - off + 1);
	if (key == NULL || *rest == NULL) {
		free(key);
		free(*rest);
		return -1;
	}
	if (klen > 0)
		memcpy(key, data, klen);
	key[klen] = '\0';
	memcpy(*rest, data + off, size - off);
	(*rest)[size - off] = '\0';
	*rest_len = size - off;
	memset(name, 0, KEYS_NAME_MAX + 1);
	memset(pk, 0, KEYS_PK_BYTES);
	ok = audit_vkey_parse(key, name, pk, &e) == 0;
	if (!ok && e.msg[0] == '\0')
		__builtin_trap(); /* every refusal says why */
	if (!ok) {
		memset(name, 0, KEYS_NAME_MAX + 1);
		memset(pk, 0, KEYS_PK_BYTES);
	}
	free(key);
	return ok;
}

/* A keyring of one key for the envelope and statement targets. */
struct fuzz_keyring {
	const char *name;
	const uint8_t *pk;
	int active;
};

/* The keyring knows one key, the input's, under any key id it is asked for. */
static inline int fuzz_key_at(void *arg, const char *key_id, int64_t ver, char principal[KEYS_NAME_MAX + 1],
		       uint8_t pk[KEYS_PK_BYTES], int *active)
{
	const struct fuzz_keyring *k = arg;

	(void)key_id;
	(void)ver;
	snprintf(principal, KEYS_NAME_MAX + 1, "%s", k->name);
	memcpy(pk, k->pk, KEYS_PK_BYTES);
	*active = k->active;
	return 1;
}

static inline int fuzz_role_at(void *arg, const char *principal, unsigned role, int64_t ver)
{
	(void)arg;
	(void)principal;
	(void)role;
	(void)ver;
	return 1;
}

#endif
