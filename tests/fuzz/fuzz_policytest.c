/* fuzz_policytest: libFuzzer target for policy test files (steward policy test): any bytes, after an optional policy of their own, must run their cases or be refused with file:line and a reason, never crash or leak. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "policy.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
const char *const fuzz_default_corpus = "tests/fuzz/corpus/policytest";

/* The policy the cases run against when the input brings none: every
 * kind of section (transition, rollback, shift) and of rule the
 * evidence reaches, so the cases exercise evaluation, not only parsing. */
static const char fuzz_policy_text[] =
	"policy fuzz\nversion 1\ntier high\n"
	"transition any -> staging\n"
	"rule evaluated: metric auc >= 0.80 on * worst-slice\n"
	"rule card-basics: card-sections \"Intended use\", \"Evaluation\"\n"
	"transition staging -> production\n"
	"rule signoff: approvals ml-lead >= 1\n"
	"rule duties: separation-of-duties\n"
	"rule fresh: approval-age <= 30d\n"
	"rule soaked: time-in-stage staging >= 7d\n"
	"rule card: card-sections all\n"
	"rule seen: digest-verified\n"
	"rule lineage: lineage-complete\n"
	"rule no-critical: no-alerts severity >= critical\n"
	"rule drift: drift any <= 0.2\n"
	"rule latency: live-metric latency_p99 <= 0.5\n"
	"rule canary: canary-soak weight >= 5 for >= 24h\n"
	"rollback production\n"
	"rule review: review by risk-officer within 72h\n"
	"rule who: role sre, ml-lead\n"
	"shift\n"
	"rule who: role sre\n";

/* The separator between a policy of the input's own and its test file. */
static const char fuzz_sep[] = "\n=== test\n";

struct fuzz_count {
	int n, failed;
};

static void fuzz_case(void *arg, const struct policy_case *c)
{
	struct fuzz_count *k = arg;

	/* A case has its name and line, and a failed one says why. */
	if (c->name == NULL || c->line < 1 || (!c->ok && c->why[0] == '\0') || (c->ok && c->why[0] != '\0'))
		__builtin_trap();
	k->n++;
	k->failed += !c->ok;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *text = (const char *)data, *ptext = fuzz_policy_text, *sep = NULL;
	size_t plen = sizeof fuzz_policy_text - 1, tlen = size, i;
	struct fuzz_count k = { 0, 0 };
	struct policy p;
	struct err e;
	int cases, r;

	for (i = 0; i + sizeof fuzz_sep - 1 <= size; i++)
		if (memcmp(data + i, fuzz_sep, sizeof fuzz_sep - 1) == 0) {
			sep = text + i;
			break;
		}
	if (sep != NULL) {
		ptext = text;
		plen = (size_t)(sep - text) + 1;
		text = sep + sizeof fuzz_sep - 1;
		tlen = size - (size_t)(text - (const char *)data);
	}
	if (policy_parse(ptext, plen, "fuzz.policy", &p, &e) != 0) {
		if (e.msg[0] == '\0')
			__builtin_trap(); /* every refusal says why */
		return 0;
	}
	memset(&e, 0, sizeof e);
	r = policy_test_run(&p, "sha256:fuzz", text, tlen, "fuzz.policy.test", fuzz_case, &k, &cases, &e);
	if (r < 0) {
		/* A malformed test file is refused naming the file and line. */
		if (strncmp(e.msg, "fuzz.policy.test:", 17) != 0)
			__builtin_trap();
	} else if (r != k.failed || cases != k.n) {
		__builtin_trap(); /* what it returns is what it reported */
	}
	policy_free(&p);
	return 0;
}
