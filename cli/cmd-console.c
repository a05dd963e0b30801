/* cmd-console: plain `steward`: checks the options and the store, then hands over to the console. */
#include "cli.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "plugin.h"
#include "tui/tui.h"

/* "120x40": both numbers plain decimals within what a terminal can be. */
static int cmd_console_size(struct cli_ctx *c, const char *s, int *cols, int *rows)
{
	char q[128];
	char *end;
	long w, h;

	errno = 0;
	w = strtol(s, &end, 10);
	if (end == s || (*end != 'x' && *end != 'X') || s[0] < '0' || s[0] > '9')
		goto bad;
	s = end + 1;
	if (s[0] < '0' || s[0] > '9')
		goto bad;
	h = strtol(s, &end, 10);
	if (*end != '\0' || errno == ERANGE || w < 1 || h < 1 || w > 1000 || h > 1000)
		goto bad;
	*cols = (int)w;
	*rows = (int)h;
	return 0;
bad:
	err_set(&c->e, ERR_INVALID, "bad --size '%s': want COLSxROWS, each 1 to 1000 (80x24)",
		cli_quote(cli_opt(c, "size"), q, sizeof q));
	return CLI_USAGE;
}

int cmd_console_run(struct cli_ctx *c)
{
	struct tui_opts o = { 0 };
	const char *size = cli_opt(c, "size");
	char config[4096];
	struct store *st;

	if (cli_opt(c, "version") != NULL) {
		printf("steward %s\n", STEWARD_VERSION);
		return 0;
	}
	o.script = cli_opt(c, "script");
	o.dump = cli_opt(c, "dump");
	o.timings = cli_opt(c, "timings");
	o.dump_colours = cli_opt(c, "dump-colours");
	o.readonly = c->readonly;
	o.key_path = c->key_path;
	if (o.key_path == NULL) {
		const char *env = getenv("STEWARD_KEY");

		/* An empty STEWARD_KEY is unset, as with STEWARD_DB. */
		o.key_path = env != NULL && env[0] != '\0' ? env : NULL;
	}
	if ((o.script == NULL) != (o.dump == NULL)) {
		err_set(&c->e, ERR_INVALID, "%s needs %s", o.script ? "--script" : "--dump",
			o.script ? "--dump SCREEN" : "--script KEYS");
		return CLI_USAGE;
	}
	if (o.dump_colours != NULL && o.dump == NULL) {
		err_set(&c->e, ERR_INVALID, "--dump-colours only applies with --script and --dump");
		return CLI_USAGE;
	}
	if (o.timings != NULL && o.script == NULL) {
		err_set(&c->e, ERR_INVALID, "--timings only applies with --script and --dump");
		return CLI_USAGE;
	}
	if (size != NULL) {
		if (o.script == NULL) {
			err_set(&c->e, ERR_INVALID, "--size only applies with --script");
			return CLI_USAGE;
		}
		if (cmd_console_size(c, size, &o.cols, &o.rows) < 0)
			return CLI_USAGE;
	}
	/* Open once here so a missing or unusable store gets the same message
	 * as every other command, before the terminal is taken over. */
	st = cli_store_open(c, STORE_READONLY);
	if (st == NULL)
		return CLI_FAIL;
	store_close(st);
	/* An auditor with read access only gets the read-only console, not an
	 * error: the store is theirs to look at, not to change. */
	if (!o.readonly && access(c->db_path, W_OK) != 0 && (errno == EACCES || errno == EROFS || errno == EPERM))
		o.readonly = 2;
	o.db_path = c->db_path;
	/* Background syncs: --config, or the default file in an interactive
	 * session (a script runs only what it is told, so dumps stay stable). */
	o.config_path = c->config;
	if (o.config_path == NULL && o.script == NULL && plugin_config_path(config, sizeof config, &c->e) == 0)
		o.config_path = config;
	return tui_run(&o, &c->e) < 0 ? CLI_FAIL : 0;
}
