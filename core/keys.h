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
/* A passphrase sealing a key is its only factor: NIST SP 800-63B rev. 4
 * asks for at least 15 characters and no composition rules. */
#define KEYS_PASS_MIN 15   /* characters (UTF-8 code points) */
#define KEYS_PASS_MAX 1024 /* bytes */

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

/* Refuses a passphrase that may not seal a key: shorter than
 * KEYS_PASS_MIN characters or longer than KEYS_PASS_MAX bytes. Any
 * character is allowed. Opening an existing file never checks this. */
int keys_pass_check(const char *pass, size_t passlen, struct err *e);
/* The Argon2id limits new key files are sealed with: libsodium's
 * MODERATE. Only the tests' build lowers them (STEWARD_TEST_KDF=fast). */
void keys_kdf_limits(unsigned long long *ops, size_t *mem);

/* Creates a new key pair for `name`: the sealed secret key at path (mode
 * 0600, never overwriting) and the public key at path.pub. */
int keys_generate(const char *name, const char *path, const char *pass, size_t passlen,
		  struct err *e);
/* The same, and *out gets the new key as keys_load_secret would give it
 * (without deriving the passphrase's key a second time). */
int keys_generate_open(const char *name, const char *path, const char *pass, size_t passlen,
		       struct key_secret **out, struct err *e);
/* Opens a secret key file. Refuses loose permissions, foreign or
 * truncated files, tampered headers, Argon2id limits below libsodium's
 * minimum or above what this machine can give, and wrong passphrases,
 * naming which. Each wrong passphrase in a process waits longer before
 * returning (keys_wrong_wait_ms); a right one resets the count. Once a
 * key is loaded the process makes no core dumps (keys_no_dumps). */
int keys_load_secret(const char *path, const char *pass, size_t passlen,
		     struct key_secret **out, struct err *e);
/* The same from a key file's text already read (what names it in messages);
 * permissions are the caller's to check. */
int keys_open_secret(const char *text, size_t len, const char *what, const char *pass, size_t passlen,
		     struct key_secret **out, struct err *e);
void keys_secret_free(struct key_secret *k);
/* How long the n-th wrong passphrase in a row waits, in milliseconds:
 * 1 s, 2 s, 4 s... up to 30 s (the tests' build takes the first step from
 * STEWARD_TEST_WAIT_MS). 0 for n == 0. */
unsigned keys_wrong_wait_ms(unsigned n);
/* Wrong passphrases in a row in this process, and the last one's wait. */
unsigned keys_wrong_count(void);
/* No wait after a wrong passphrase in this process from now on: for a
 * fuzzer that tries wrong passphrases by the million. The wait guards a
 * process that asks a person; code running inside one needs no guard to
 * call Argon2id itself. steward never calls it. */
void keys_wrong_wait_off(void);
/* The console's way: a wrong passphrase returns at once, and the wait
 * falls before the next try instead, so the console can show it counting
 * down (keys_wrong_wait_left_ms) and hold its next passphrase prompt until
 * it is over. A passphrase tried sooner still sleeps out the rest first,
 * so the rate of guesses is the same either way. */
void keys_wrong_wait_defer(void);
/* Milliseconds before the next passphrase may be tried; 0 when it may now
 * (or the wait is not deferred). */
unsigned keys_wrong_wait_left_ms(void);
unsigned keys_wrong_last_ms(void);
/* Turns core dumps off for the rest of the process (not dumpable, core
 * size 0): done before a secret key is held in memory. */
int keys_no_dumps(struct err *e);

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
/* 1 when any of the n signatures is valid for msg under pk. */
int keys_verify_any(const uint8_t pk[KEYS_PK_BYTES], const void *msg, size_t len,
		    const uint8_t (*sigs)[KEYS_SIG_BYTES], size_t n);

/* A thread may hand its signature checks to someone else (audit verify's
 * worker threads): while set, keys_verify and keys_verify_any offer each
 * check to fn, which returns 1 when it took it (it is then counted as
 * valid here and judged later, the taker answering for a failure) or 0 to
 * have it checked at once. NULL stops it. Per thread. */
struct keys_defer {
	int (*fn)(void *arg, const uint8_t pk[KEYS_PK_BYTES], const void *msg, size_t len,
		  const uint8_t (*sigs)[KEYS_SIG_BYTES], size_t n);
	void *arg;
};
void keys_defer_set(const struct keys_defer *d);

#endif
