/* fuzz_policy: libFuzzer target for the policy parser: any bytes must parse or fail with a message, never crash. */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "policy.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
const char *const fuzz_default_corpus = "tests/fuzz/corpus/policy";

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct policy p;
	struct err e;

	if (policy_parse((const char *)data, size, "fuzz.policy", &p, &e) == 0) {
		/* A policy that parsed must also look up and evaluate cleanly. */
		struct evidence ev;
		struct rule_result res[POLICY_MAX_RULES];

		memset(&ev, 0, sizeof ev);
		for (size_t i = 0; i < p.nsec; i++)
			(void)policy_evaluate(&p.sec[i], &ev, "", res);
		(void)policy_transition(&p, "staging", "production");
		policy_free(&p);
	} else if (e.msg[0] == '\0') {
		__builtin_trap(); /* every refusal says why */
	}
	return 0;
}
