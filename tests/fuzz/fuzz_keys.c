/* fuzz_keys: libFuzzer target for key files: any bytes as a secret key file (with the right and a wrong passphrase) and as a public key file must open or be refused with a reason, never crash. */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "keys.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
const char *const fuzz_default_corpus = "tests/fuzz/corpus/keys";

/* The passphrase the corpus's key files are sealed with. */
#define FUZZ_PASS "fuzz passphrase"

/* Argon2id at the file's own limits runs before the passphrase is known
 * wrong; a file may ask for up to 1 GiB, so only cheap ones are opened here
 * (the parser before it sees every input). */
static int fuzz_cheap(const char *text)
{
	const char *m = strstr(text, " mem="), *o = strstr(text, " ops=");

	return m != NULL && o != NULL && strtoull(m + 5, NULL, 10) <= 1024 * 1024 &&
	       strtoull(o + 5, NULL, 10) <= 3;
}

static void fuzz_open(const char *text, size_t len, const char *pass)
{
	struct key_secret *k = NULL;
	struct err e;

	if (keys_open_secret(text, len, "fuzz.key", pass, strlen(pass), &k, &e) == 0) {
		uint8_t sig[KEYS_SIG_BYTES];
		struct key_public pub;

		/* A key that opened signs, and its public half verifies it. */
		if (k == NULL || k->sk == NULL)
			__builtin_trap();
		keys_sign(k, text, len, sig);
		keys_public_of(k, &pub);
		if (!keys_verify(pub.pk, text, len, sig))
			__builtin_trap();
		keys_secret_free(k);
	} else if (e.msg[0] == '\0' || k != NULL) {
		__builtin_trap(); /* every refusal says why, and leaves nothing */
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct key_public pub;
	struct err e;
	char *text = malloc(size + 1);

	if (text == NULL)
		return 0;
	/* Wrong passphrases by the million: the person-facing wait would
	 * stretch each to seconds (up to 30). */
	keys_wrong_wait_off();
	memcpy(text, data, size);
	text[size] = '\0';
	if (fuzz_cheap(text)) {
		fuzz_open(text, size, FUZZ_PASS);
		fuzz_open(text, size, "not the passphrase");
	} else {
		/* The header checks run first and need no Argon2id: an empty
		 * passphrase on a file that fails them costs nothing. */
		struct key_secret *k = NULL;

		if (strstr(text, "kdf: argon2id13") == NULL &&
		    keys_open_secret(text, size, "fuzz.key", "", 0, &k, &e) != 0 && e.msg[0] == '\0')
			__builtin_trap();
		keys_secret_free(k);
	}
	if (keys_parse_public(text, size, "fuzz.pub", &pub, &e) == 0) {
		char buf[300];
		struct key_public again;

		/* A public key formats back to text that parses to the same key. */
		if (keys_format_public(&pub, buf, sizeof buf) != 0 ||
		    keys_parse_public(buf, strlen(buf), "fuzz.pub", &again, &e) != 0 ||
		    memcmp(again.pk, pub.pk, KEYS_PK_BYTES) != 0 || strcmp(again.name, pub.name) != 0)
			__builtin_trap();
	} else if (e.msg[0] == '\0') {
		__builtin_trap();
	}
	free(text);
	return 0;
}
