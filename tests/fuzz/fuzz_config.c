/* fuzz_config: libFuzzer target for the configuration file reader (INI through inih): any bytes must load or be refused naming the line, never crash. */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "plugin.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
const char *const fuzz_default_corpus = "tests/fuzz/corpus/config";

/* Static: the configuration holds every instance and directory inline. */
static struct plugin_config fuzz_c;

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct err e;
	size_t i;

	if (plugin_config_parse((const char *)data, size, "fuzz.conf", &fuzz_c, &e) != 0) {
		if (e.msg[0] == '\0')
			__builtin_trap(); /* every refusal says why */
		return 0;
	}
	/* Every instance that loaded has a name and a type, and is found by its name. */
	for (i = 0; i < fuzz_c.ninst; i++)
		if (fuzz_c.inst[i].type[0] == '\0' ||
		    plugin_find(&fuzz_c, fuzz_c.inst[i].name) == NULL)
			__builtin_trap();
	(void)plugin_for_source(&fuzz_c, "local");
	plugin_config_free(&fuzz_c);
	return 0;
}
