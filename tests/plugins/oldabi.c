/* oldabi: a test plugin built for another ABI version, which the host must refuse by name. */
#include <stddef.h>

#include "plugins/steward-plugin.h"

static int oa_open(const struct steward_kv *kv, size_t n, void **state, char *err, size_t errn)
{
	(void)kv;
	(void)n;
	(void)err;
	(void)errn;
	*state = NULL;
	return 0;
}

static const struct steward_plugin oa_plugin = {
	.abi = STEWARD_PLUGIN_ABI + 1,
	.name = "oldabi",
	.open = oa_open,
};

const struct steward_plugin *steward_plugin_entry(void)
{
	return &oa_plugin;
}
