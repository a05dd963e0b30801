/* note: C2SP signed-note format: the signed text, a blank line, then one signature line per key. */
#include "note.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#define NOTE_DASH "\xe2\x80\x94 " /* U+2014 EM DASH and a space start a signature line */

void note_key_hash(const char *name, const uint8_t pk[KEYS_PK_BYTES], uint8_t out[4])
{
	crypto_hash_sha256_state s;
	uint8_t h[crypto_hash_sha256_BYTES];
	static const uint8_t alg_ed25519 = 0x01;

	crypto_hash_sha256_init(&s);
	crypto_hash_sha256_update(&s, (const uint8_t *)name, strlen(name));
	crypto_hash_sha256_update(&s, (const uint8_t *)"\n", 1);
	crypto_hash_sha256_update(&s, &alg_ed25519, 1);
	crypto_hash_sha256_update(&s, pk, KEYS_PK_BYTES);
	crypto_hash_sha256_final(&s, h);
	memcpy(out, h, 4);
}

char *note_sign(const char *text, const char *name, const uint8_t *sk64,
		const uint8_t pk[KEYS_PK_BYTES], struct err *e)
{
	uint8_t blob[4 + KEYS_SIG_BYTES];
	char b64[sodium_base64_ENCODED_LEN(sizeof blob, sodium_base64_VARIANT_ORIGINAL)];
	size_t tl = strlen(text), n;
	char *out;

	if (tl == 0 || text[tl - 1] != '\n' || strstr(text, "\n\n") != NULL) {
		err_set(e, ERR_INVALID, "note text must be non-empty lines ending in a newline");
		return NULL;
	}
	note_key_hash(name, pk, blob);
	crypto_sign_detached(blob + 4, NULL, (const uint8_t *)text, tl, sk64);
	sodium_bin2base64(b64, sizeof b64, blob, sizeof blob, sodium_base64_VARIANT_ORIGINAL);
	n = tl + strlen(name) + strlen(b64) + 16;
	out = malloc(n);
	if (out == NULL) {
		err_set(e, ERR_IO, "out of memory");
		return NULL;
	}
	snprintf(out, n, "%s\n" NOTE_DASH "%s %s\n", text, name, b64);
	return out;
}

int note_verify(const char *note, const char *name, const uint8_t pk[KEYS_PK_BYTES],
		size_t *text_len, struct err *e)
{
	const char *sep = strstr(note, "\n\n"), *line;
	uint8_t want[4], blob[4 + KEYS_SIG_BYTES];
	size_t nl = strlen(name), bin;

	if (sep == NULL)
		return err_set(e, ERR_INVALID, "signed note has no signature block");
	*text_len = (size_t)(sep - note) + 1;
	note_key_hash(name, pk, want);
	for (line = sep + 2; *line != '\0';) {
		const char *end = strchr(line, '\n');
		const char *b64;

		if (end == NULL)
			return err_set(e, ERR_INVALID, "signed note: signature line without a newline");
		if (strncmp(line, NOTE_DASH, strlen(NOTE_DASH)) != 0)
			return err_set(e, ERR_INVALID, "signed note: a line after the text is not a signature");
		b64 = line + strlen(NOTE_DASH);
		if ((size_t)(end - b64) > nl + 1 && strncmp(b64, name, nl) == 0 && b64[nl] == ' ') {
			b64 += nl + 1;
			if (sodium_base642bin(blob, sizeof blob, b64, (size_t)(end - b64), NULL, &bin, NULL,
					      sodium_base64_VARIANT_ORIGINAL) == 0 &&
			    bin == sizeof blob && memcmp(blob, want, 4) == 0 &&
			    crypto_sign_verify_detached(blob + 4, (const uint8_t *)note, *text_len, pk) == 0)
				return 0;
		}
		line = end + 1;
	}
	return err_set(e, ERR_DENIED, "signed note: no valid signature by %s", name);
}
