/* keys: Ed25519 key files: generation, passphrase-sealed secret keys (Argon2id + secretbox), public keys, key ids. */
#ifndef STEWARD_KEYS_H
#define STEWARD_KEYS_H

#include <stddef.h>
#include <stdint.h>

#include "err.h"

#define KEYS_PK_BYTES 32
#define KEYS_SIG_BYTES 64
#define KEYS_ID_HEX 16 /* key id: first 8 bytes of SHA-256(public key), hex */
#define KEYS_NAME_MAX 100

/* A loaded secret key. The secret half lives in sodium_malloc'd memory
 * (guard pages, no swap where the OS allows) and is wiped on free. */
struct key_secret {
	char name[KEYS_NAME_MAX + 1];
	uint8_t pk[KEYS_PK_BYTES];
	char id[KEYS_ID_HEX + 1];
	uint8_t *sk; /* crypto_sign_SECRETKEYBYTES */
};

struct key_public {
	char name[KEYS_NAME_MAX + 1];
	uint8_t pk[KEYS_PK_BYTES];
	char id[KEYS_ID_HEX + 1];
};

/* Creates a new key pair for `name`: the sealed secret key at path (mode
 * 0600, never overwriting) and the public key at path.pub. */
int keys_generate(const char *name, const char *path, const char *pass, size_t passlen,
		  struct err *e);
/* Opens a secret key file. Refuses loose permissions, foreign or
 * truncated files, tampered headers and wrong passphrases, naming which. */
int keys_load_secret(const char *path, const char *pass, size_t passlen,
		     struct key_secret **out, struct err *e);
/* The same from a key file's text already read (what names it in messages);
 * permissions are the caller's to check. */
int keys_open_secret(const char *text, size_t len, const char *what, const char *pass, size_t passlen,
		     struct key_secret **out, struct err *e);
void keys_secret_free(struct key_secret *k);

enum keys_kind { KEYS_KIND_SECRET = 1, KEYS_KIND_PUBLIC = 2 };
/* Which kind of steward key file path is (KEYS_KIND_*), from its first
 * line; -1 with e filled when it is unreadable or neither. */
int keys_file_kind(const char *path, struct err *e);
/* Checks a secret key file's structure without the passphrase (magic,
 * kdf line and limits, salt, nonce, sealed part of the right length) and
 * gives the key's name and the file's permission bits. It cannot tell a
 * wrong passphrase or an altered sealed part: only keys_load_secret can. */
int keys_inspect_secret(const char *path, char name[KEYS_NAME_MAX + 1], unsigned *mode,
			struct err *e);
int keys_load_public(const char *path, struct key_public *out, struct err *e);
/* Parses the text of a .pub file (as stored in the keyring). */
int keys_parse_public(const char *text, size_t len, const char *what, struct key_public *out,
		      struct err *e);
/* Formats a .pub file's text. */
int keys_format_public(const struct key_public *k, char *buf, size_t n);

void keys_id(const uint8_t pk[KEYS_PK_BYTES], char out[KEYS_ID_HEX + 1]);
/* The public half of a loaded secret key. */
void keys_public_of(const struct key_secret *k, struct key_public *out);
void keys_sign(const struct key_secret *k, const void *msg, size_t len,
	       uint8_t sig[KEYS_SIG_BYTES]);
/* 1 when sig is valid for msg under pk. */
int keys_verify(const uint8_t pk[KEYS_PK_BYTES], const void *msg, size_t len,
		const uint8_t sig[KEYS_SIG_BYTES]);

#endif
