/* fuzz_card: libFuzzer target for the model card parser: any bytes must parse into sections or be refused with a reason, never crash. */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "card.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
const char *const fuzz_default_corpus = "tests/fuzz/corpus/card";

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct card c;
	struct err e;
	size_t i;

	memset(&c, 0, sizeof c);
	if (card_parse((const char *)data, size, "fuzz.md", &c, &e) != 0) {
		if (e.msg[0] == '\0')
			__builtin_trap(); /* every refusal says why */
		return 0;
	}
	/* What parsed keeps its promises: titled sections, each found by its title. */
	for (i = 0; i < c.n; i++) {
		if (c.s[i].title == NULL || c.s[i].title[0] == '\0' || c.s[i].body == NULL ||
		    strlen(c.s[i].title) > CARD_TITLE_MAX || card_find(&c, c.s[i].title) == NULL)
			__builtin_trap();
	}
	for (i = 0; card_required_sections[i] != NULL; i++)
		(void)card_find(&c, card_required_sections[i]);
	card_free(&c);
	return 0;
}
