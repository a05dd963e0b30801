/* fuzz_util: what several fuzz targets share: the input's first line as a signed-note verifier key, and a NUL-terminated copy of the rest. */
#ifndef STEWARD_FUZZ_UTIL_H
#define STEWARD_FUZZ_UTIL_H

#include <stddef.h>
#include <stdint.h>
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

#endif
