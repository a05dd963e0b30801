/* cmd-demo: `steward demo`: (re)builds the demo estate in its own file and opens the console on it. */
#include "cli.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "demo.h"
#include "file.h"
#include "policy.h"
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

static const char *const cmd_demo_tiers[] = { "low", "medium", "high", "critical" };

/* Where the shipped policies are: $STEWARD_POLICY_DIR, the source tree the
 * binary was built in (build/steward, build/san/steward), or the install. */
static int cmd_demo_policy_source(struct cli_ctx *c, char *out, size_t n)
{
	const char *env = getenv("STEWARD_POLICY_DIR");
	char exe[3800], probe[4200], *slash;
	struct stat sb;
	ssize_t len;

	if (env != NULL && env[0] != '\0') {
		snprintf(out, n, "%s", env);
		return 0;
	}
	len = readlink("/proc/self/exe", exe, sizeof exe - 1);
	if (len > 0) {
		exe[len] = '\0';
		slash = strrchr(exe, '/');
		if (slash != NULL)
			*slash = '\0';
		for (int up = 1; up <= 2; up++) {
			snprintf(probe, sizeof probe, "%s/%s../policies/low.policy", exe, up == 2 ? "../" : "");
			if (stat(probe, &sb) == 0) {
				snprintf(out, n, "%.3800s/%s../policies", exe, up == 2 ? "../" : "");
				return 0;
			}
		}
	}
	snprintf(out, n, "%s/policies", STEWARD_DATADIR);
	snprintf(probe, sizeof probe, "%s/low.policy", out);
	if (stat(probe, &sb) == 0)
		return 0;
	return err_set(&c->e, ERR_NOTFOUND, "cannot find the shipped policies (looked beside the binary and in %s); set STEWARD_POLICY_DIR",
		       out);
}

/* The demo enrols copies beside its store, so editing them shows the
 * edited-policy refusal without touching the originals. */
static int cmd_demo_copy_policies(struct cli_ctx *c, const char *from, const char *to)
{
	char src[4300], dst[4300];
	size_t i;

	if (file_mkdirs(to, &c->e) != 0)
		return -1;
	for (i = 0; i < sizeof cmd_demo_tiers / sizeof cmd_demo_tiers[0]; i++) {
		FILE *out;
		char *text;
		size_t len;
		int bad;

		snprintf(src, sizeof src, "%s/%s.policy", from, cmd_demo_tiers[i]);
		snprintf(dst, sizeof dst, "%s/%s.policy", to, cmd_demo_tiers[i]);
		if (file_read(src, "policy file", POLICY_MAX_BYTES, &text, &len, &c->e) != 0)
			return -1;
		out = fopen(dst, "wbx");
		if (out == NULL) {
			free(text);
			return err_set(&c->e, ERR_IO, "cannot create %s: %s", dst, strerror(errno));
		}
		bad = fwrite(text, 1, len, out) != len;
		free(text);
		if (fclose(out) != 0 || bad)
			return err_set(&c->e, ERR_IO, "cannot copy %s to %s", src, dst);
	}
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
	    cmd_demo_unlink(c, "-shm") < 0 || cmd_demo_unlink(c, ".logkey") < 0 ||
	    cmd_demo_unlink(c, ".witness") < 0)
		return -1;
	for (size_t i = 0; i < sizeof cmd_demo_tiers / sizeof cmd_demo_tiers[0]; i++) {
		char suffix[64];

		snprintf(suffix, sizeof suffix, "-policies/%s.policy", cmd_demo_tiers[i]);
		if (cmd_demo_unlink(c, suffix) < 0)
			return -1;
	}
	/* The personas' keys belong to the old estate's keyring: new ones are made. */
	for (size_t i = 0; i < DEMO_PERSONAS; i++) {
		char suffix[64];

		snprintf(suffix, sizeof suffix, "-keys/%s.key", demo_personas[i].name);
		if (cmd_demo_unlink(c, suffix) < 0)
			return -1;
		snprintf(suffix, sizeof suffix, "-keys/%s.key.pub", demo_personas[i].name);
		if (cmd_demo_unlink(c, suffix) < 0)
			return -1;
	}
	return 0;
}

int cmd_demo_run(struct cli_ctx *c)
{
	struct tui_opts o = { 0 };
	char keydir[sizeof c->db_path + 8], who[sizeof keydir + 16], roles[80], polsrc[4096],
		poldir[sizeof c->db_path + 16], label[sizeof c->db_path];
	struct store *st;
	int64_t n;
	size_t i;
	int r;

	if (cmd_demo_path(c) < 0 || cmd_demo_clear(c) < 0 || cmd_demo_policy_source(c, polsrc, sizeof polsrc) != 0)
		return CLI_FAIL;
	/* Opening makes a fresh account's ~/.local/share for a file. */
	st = store_open(c->db_path, STORE_CREATE, &c->e);
	if (st == NULL) {
		cli_store_context(c, c->db_path);
		return CLI_FAIL;
	}
	/* The keys and policies sit where the store keeps its local files: beside a
	 * file, or in the log key's folder for a PostgreSQL URI, which is no folder. */
	if (store_local_path(st, "-keys", keydir, sizeof keydir, &c->e) != 0 ||
	    store_local_path(st, "-policies", poldir, sizeof poldir, &c->e) != 0 ||
	    cmd_demo_copy_policies(c, polsrc, poldir) != 0) {
		store_close(st);
		return CLI_FAIL;
	}
	/* ravi: two requests wait for his signature, so :approvals has work in it. */
	snprintf(who, sizeof who, "%s/ravi.key", keydir);
	if (demo_build(st, keydir, poldir, &c->e) < 0) {
		store_close(st);
		err_prefix(&c->e, "building the demo estate in %s", c->db_path);
		return CLI_FAIL;
	}
	c->st = st;
	r = cli_checkpoint(c);
	c->st = NULL;
	n = registry_model_count(st);
	/* A URI's password never reaches the output. */
	snprintf(label, sizeof label, "%s", store_label(st));
	store_close(st);
	if (r != 0)
		return CLI_FAIL;
	if (c->json) {
		json_t *j = json_object(), *arr = json_array();

		if (j == NULL || arr == NULL || cli_json_str(j, "path", label) || cli_json_int(j, "models", n) ||
		    cli_json_str(j, "keys", keydir) || cli_json_str(j, "passphrase", DEMO_PASSPHRASE) ||
		    json_object_set_new(j, "personas", arr) != 0) {
			json_decref(j);
			return cli_json_fail(&c->e);
		}
		for (i = 0; i < DEMO_PERSONAS; i++) {
			json_t *p = json_object();
			char key[sizeof keydir + 64];

			snprintf(key, sizeof key, "%s/%s.key", keydir, demo_personas[i].name);
			if (p == NULL || json_array_append_new(arr, p) != 0 ||
			    cli_json_str(p, "name", demo_personas[i].name) ||
			    cli_json_str(p, "roles", keyring_roles_text(demo_personas[i].roles, roles, sizeof roles)) ||
			    cli_json_str(p, "key", key)) {
				json_decref(j);
				return cli_json_fail(&c->e);
			}
		}
		if (cli_json_print(j, &c->e) < 0)
			return CLI_FAIL;
	} else {
		printf("built the demo estate (%lld models) in %s\n", (long long)n, label);
		printf("personas (key files in %s, passphrase \"%s\"):\n", keydir, DEMO_PASSPHRASE);
		for (i = 0; i < DEMO_PERSONAS; i++)
			printf("  %-5s %-13s %s.key  %s\n", demo_personas[i].name,
			       keyring_roles_text(demo_personas[i].roles, roles, sizeof roles),
			       demo_personas[i].name, demo_personas[i].what);
		printf("the console opens as ravi, a risk officer with two requests waiting; try :ap\n");
	}
	if (cli_opt(c, "no-tui") != NULL)
		return 0;
	/* The console takes over the terminal: what was printed must be out first. */
	if (fflush(stdout) != 0)
		return err_set(&c->e, ERR_IO, "writing output: %s", strerror(errno));
	o.db_path = c->db_path;
	o.key_path = who;
	return tui_run(&o, &c->e) < 0 ? CLI_FAIL : 0;
}
