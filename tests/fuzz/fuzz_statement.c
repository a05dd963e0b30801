/* fuzz_statement: libFuzzer target for approval statements: any bytes as the in-toto payload, signed here so the signature holds, must be judged or refused with a reason, never crash; and where jspan finds a member in them. */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "approval.h"
#include "dsse.h"
#include "fuzz_util.h"
#include "jspan.h"
#include "keyring.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
const char *const fuzz_default_corpus = "tests/fuzz/corpus/statement";

/* A fixed signing key: the keyring below knows it as mei's, who signed the corpus's statements. */
static struct key_secret *fuzz_key(void)
{
	static struct key_secret k;
	uint8_t seed[32];

	if (k.sk == NULL) {
		if (sodium_init() < 0 || (k.sk = sodium_malloc(crypto_sign_SECRETKEYBYTES)) == NULL)
			abort();
		memset(seed, 0x42, sizeof seed);
		crypto_sign_seed_keypair(k.pk, k.sk, seed);
		snprintf(k.name, sizeof k.name, "mei");
		keys_id(k.pk, k.id);
	}
	return &k;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct key_secret *k = fuzz_key();
	char why[512], *env;
	const char *pv, *ev;
	size_t pn, en;
	struct fuzz_keyring kr = { .name = k->name, .pk = k->pk, .active = 1 };
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
	struct err e;

	/* Where replay finds a member's bytes (jspan): inside the input, whatever the input. */
	if (jspan_member((const char *)data, size, "predicate", &pv, &pn) == 0 &&
	    (pv < (const char *)data || pn > size - (size_t)(pv - (const char *)data) ||
	     (jspan_member(pv, pn, "evidence", &ev, &en) == 0 && (ev < pv || en > pn - (size_t)(ev - pv)))))
		__builtin_trap();
	env = dsse_sign(DSSE_INTOTO_TYPE, data, size, k, &e);
	if (env == NULL)
		abort();
	why[0] = '\0';
	if (approval_check(&c, env, strlen(env), &st, why, sizeof why) == 0) {
		/* A decision that counts was signed by the key asked about. */
		if (strcmp(st.principal, "mei") != 0 || strcmp(st.key_id, k->id) != 0 || st.expires <= st.issued)
			__builtin_trap();
	} else if (why[0] == '\0') {
		__builtin_trap(); /* a decision that does not count says why */
	}
	free(env);
	return 0;
}
