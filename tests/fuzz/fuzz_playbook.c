/* fuzz_playbook: libFuzzer target for the playbook parser: any bytes must parse or fail with a located message, never crash; what parses must lint, match, expand and describe cleanly. */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "playbook.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
const char *const fuzz_default_corpus = "tests/fuzz/corpus/playbook";

static void fuzz_lint(void *arg, int line, const char *msg)
{
	(void)line;
	if (msg[0] == '\0')
		__builtin_trap(); /* a warning says what */
	++*(int *)arg;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct playbook p; /* ~35 KiB: not on a libFuzzer thread's stack */
	const struct steward_kv labels[] = { { "severity", "critical" }, { "team", "ops" }, { "model", "m" } };
	const struct playbook_vars v = { .model = "m", .version = "3", .alert = "A", .severity = "critical", .playbook = "p" };
	struct err e = { 0 };
	char out[2048];
	int warnings = 0;

	if (playbook_parse((const char *)data, size, "fuzz.playbook", &p, &e) != 0) {
		/* Every refusal names the file and says why. */
		if (strncmp(e.msg, "fuzz.playbook:", 14) != 0)
			__builtin_trap();
		return 0;
	}
	if (p.nsteps == 0 || p.nsteps > PLAYBOOK_MAX_STEPS || p.nm > PLAYBOOK_MAX_MATCHERS || p.alert[0] == '\0')
		__builtin_trap();
	playbook_lint(&p, fuzz_lint, &warnings);
	(void)playbook_matches(&p, p.alert, labels, sizeof labels / sizeof labels[0]);
	for (size_t i = 0; i < p.nsteps; i++) {
		/* A text that parsed has only known placeholders: expansion into room enough succeeds. */
		if (playbook_expand(p.steps[i].text, &v, out, sizeof out) != 0)
			__builtin_trap();
		playbook_describe(&p.steps[i], &v, out, sizeof out);
		playbook_describe(&p.steps[i], NULL, out, 40);
		if (strlen(out) >= 40)
			__builtin_trap();
	}
	return 0;
}
