/* fuzz_proof: libFuzzer target for proof files (audit verify-proof): a first line taken as the log's verifier key, the rest as an inclusion or consistency proof; any bytes must verify or be refused with a reason, never crash. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "audit.h"
#include "fuzz_util.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
const char *const fuzz_default_corpus = "tests/fuzz/corpus/proof";

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char name[KEYS_NAME_MAX + 1], summary[300], *proof;
	uint8_t pk[KEYS_PK_BYTES];
	size_t len;
	struct err e;

	if (fuzz_vkey_split(data, size, name, pk, &proof, &len) < 0)
		return 0;
	summary[0] = '\0';
	if (audit_verify_proof(proof, len, name[0] ? name : "fuzz", pk, summary, sizeof summary, &e) == 0) {
		if (summary[0] == '\0')
			__builtin_trap(); /* a proof that holds says what it proved */
	} else if (e.msg[0] == '\0') {
		__builtin_trap();
	}
	free(proof);
	return 0;
}
