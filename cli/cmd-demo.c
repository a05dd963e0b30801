/* cmd-demo: `steward demo`: (re)builds the demo estate in its own file and opens the console on it. */
#include "cli.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "demo.h"
#include "registry.h"
#include "tui/tui.h"

/* $XDG_DATA_HOME/steward/demo.db, deliberately ignoring STEWARD_DB: the
 * demo must never land in (or wipe) the user's real store. */
static int cmd_demo_path(struct cli_ctx *c)
{
	const char *xdg = getenv("XDG_DATA_HOME"), *home = getenv("HOME");
	int w;

	if (c->db != NULL)
		w = snprintf(c->db_path, sizeof c->db_path, "%s", c->db);
	else if (xdg != NULL && xdg[0] == '/')
		w = snprintf(c->db_path, sizeof c->db_path, "%s/steward/demo.db", xdg);
	else if (home != NULL && home[0] != '\0')
		w = snprintf(c->db_path, sizeof c->db_path, "%s/.local/share/steward/demo.db", home);
	else
		return err_set(&c->e, ERR_INVALID,
			       "cannot place the demo store: neither XDG_DATA_HOME nor HOME is set (use --db PATH)");
	if (w < 0 || (size_t)w >= sizeof c->db_path)
		return err_set(&c->e, ERR_INVALID, "demo store path is too long");
	return 0;
}

static int cmd_demo_unlink(struct cli_ctx *c, const char *suffix)
{
	char p[sizeof c->db_path + 8];
	int w;

	w = snprintf(p, sizeof p, "%s%s", c->db_path, suffix);
	if (w < 0 || (size_t)w >= sizeof p)
		return err_set(&c->e, ERR_INVALID, "demo store path is too long");
	if (unlink(p) < 0 && errno != ENOENT)
		return err_set(&c->e, ERR_IO, "cannot remove the old demo store %s: %s", p,
			       strerror(errno));
	return 0;
}

/* An existing file is only replaced when it is a demo store we built. */
static int cmd_demo_clear(struct cli_ctx *c)
{
	struct stat sb;
	struct store *st;
	struct err e2;
	int is_demo;

	if (stat(c->db_path, &sb) < 0) {
		if (errno == ENOENT)
			return 0;
		return err_set(&c->e, ERR_IO, "cannot use %s: %s", c->db_path, strerror(errno));
	}
	if (!S_ISREG(sb.st_mode))
		return err_set(&c->e, ERR_EXISTS, "%s exists and is not a demo store; refusing to replace it",
			       c->db_path);
	/* Read-only: looking must not migrate someone else's SQLite file. */
	st = store_open(c->db_path, STORE_READONLY, &e2);
	if (st == NULL)
		return err_set(&c->e, ERR_EXISTS,
			       "%s exists and is not a demo store (%s); refusing to replace it",
			       c->db_path, e2.msg);
	is_demo = demo_is_demo(st);
	store_close(st);
	if (!is_demo)
		return err_set(&c->e, ERR_EXISTS,
			       "%s exists and is not a demo store; refusing to replace it (pick another --db)",
			       c->db_path);
	if (cmd_demo_unlink(c, "") < 0 || cmd_demo_unlink(c, "-wal") < 0 ||
	    cmd_demo_unlink(c, "-shm") < 0)
		return -1;
	return 0;
}

int cmd_demo_run(struct cli_ctx *c)
{
	struct tui_opts o = { 0 };
	struct store *st;
	int64_t n;

	if (cmd_demo_path(c) < 0 || cmd_demo_clear(c) < 0)
		return CLI_FAIL;
	st = store_open(c->db_path, STORE_CREATE, &c->e);
	if (st == NULL) {
		cli_store_context(c, c->db_path);
		return CLI_FAIL;
	}
	if (demo_build(st, &c->e) < 0) {
		store_close(st);
		err_prefix(&c->e, "building the demo estate in %s", c->db_path);
		return CLI_FAIL;
	}
	n = registry_model_count(st);
	store_close(st);
	if (c->json) {
		json_t *j = json_object();

		if (j == NULL || cli_json_str(j, "path", c->db_path) || cli_json_int(j, "models", n)) {
			json_decref(j);
			return cli_json_fail(&c->e);
		}
		if (cli_json_print(j, &c->e) < 0)
			return CLI_FAIL;
	} else {
		printf("built the demo estate (%lld models) in %s\n", (long long)n, c->db_path);
	}
	if (cli_opt(c, "no-tui") != NULL)
		return 0;
	/* The console takes over the terminal: what was printed must be out first. */
	if (fflush(stdout) != 0)
		return err_set(&c->e, ERR_IO, "writing output: %s", strerror(errno));
	o.db_path = c->db_path;
	return tui_run(&o, &c->e) < 0 ? CLI_FAIL : 0;
}
