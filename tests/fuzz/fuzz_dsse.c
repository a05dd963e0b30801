/* fuzz_dsse: libFuzzer target for DSSE envelopes and the approval statements in them: a first line taken as the signer's verifier key, the rest as the envelope; any bytes must be judged or refused with a reason, never crash. */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "approval.h"
#include "dsse.h"
#include "fuzz_util.h"
#include "keyring.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
const char *const fuzz_default_corpus = "tests/fuzz/corpus/dsse";

/* An envelope exactly as steward writes it is read without a JSON parse;
 * behind a space the same envelope goes through the parser, and both
 * must read the same fields. */
static void fuzz_dsse_same(const char *env, size_t len, const struct dsse *d)
{
	char *spaced = malloc(len + 1);
	struct dsse p;
	struct err e;

	if (spaced == NULL)
		return;
	spaced[0] = ' ';
	memcpy(spaced + 1, env, len);
	if (dsse_parse(spaced, len + 1, &p, &e) != 0 || strcmp(p.payload_type, d->payload_type) != 0 ||
	    p.payload_len != d->payload_len || memcmp(p.payload, d->payload, p.payload_len) != 0 ||
	    p.nsigs != d->nsigs || memcmp(p.sigs, d->sigs, sizeof p.sigs) != 0)
		__builtin_trap();
	dsse_free(&p);
	free(spaced);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char name[KEYS_NAME_MAX + 1], keyid[KEYS_ID_HEX + 1], why[512], *env;
	uint8_t pk[KEYS_PK_BYTES];
	struct fuzz_keyring kr = { .name = name, .pk = pk, .active = 1 };
	/* Request 1 of the demo estate the corpus's decisions come from, so real ones reach the last checks. */
	struct approval_ctx c = { .request = 1, .model = "support-ticket-routing", .version = 2,
				  .digest = "sha256:f5053eac01773d5b9d5ad1f78b567448a7ed9087f66fef0de4fcc332cfe4ab82",
				  .from = "none", .to = "production", .tier = "low", .author = "ada", .requester = "ada",
				  .log = "steward.local/669ac33cbdb05044",
				  .policy = "sha256:141d94920f8b82bc8086922977920147dffbe3b6b855d8b4eebe02df621c14f6",
				  .evidence = "sha256:ceea5378f689b3b8befeb7ef4b52011d9ea0cb51070ffc1a5da49fd622e94908",
				  .now = 1784505600, .keyring_ver = 10, .key_at = fuzz_key_at, .role_at = fuzz_role_at,
				  .arg = &kr };
	struct approval_stmt st;
	struct dsse d;
	struct err e;
	size_t len;

	if (fuzz_vkey_split(data, size, name, pk, &env, &len) < 0)
		return 0;
	keys_id(pk, keyid);
	if (dsse_parse(env, len, &d, &e) == 0) {
		(void)dsse_verify(&d, pk, keyid);
		if (d.payload_type == NULL || d.nsigs > DSSE_MAX_SIGS)
			__builtin_trap();
		fuzz_dsse_same(env, len, &d);
		dsse_free(&d);
	} else if (e.msg[0] == '\0') {
		__builtin_trap();
	}
	why[0] = '\0';
	if (approval_check(&c, env, len, &st, why, sizeof why) != 0 && why[0] == '\0')
		__builtin_trap(); /* a decision that does not count says why */
	free(env);
	return 0;
}
