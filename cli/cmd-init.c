/* cmd-init: `steward init`, the one command that creates a store, and with --admin its keyring and log key. */
#include "cli.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "check.h"
#include "keyring.h"
#include "ledger.h"
#include "share.h"

/* The keyring's first entry and the log key, in one transaction, then
 * the first checkpoint. */
static int cmd_init_admin(struct cli_ctx *c, struct store *st, const char *admin,
			  struct key_secret *k)
{
	char logname[KEYS_NAME_MAX + 1], logpath[4200];
	uint8_t logpk[KEYS_PK_BYTES];
	int r = CLI_FAIL, had_logkey;

	if (keyring_version(st) != 0)
		return err_set(&c->e, ERR_EXISTS, "%s already has a keyring (see 'steward principal list')",
			       c->db_path);
	if (store_begin(st, &c->e) != 0)
		goto out;
	had_logkey = ledger_logkey_public(st, logname, sizeof logname, logpk, &c->e) == 0;
	if ((!had_logkey && ledger_logkey_create(st, &c->e) != 0) ||
	    keyring_init(st, admin, k, &c->e) != 0 || store_commit(st, &c->e) != 0) {
		store_rollback(st);
		/* A log key file made for a transaction that rolled back is an orphan. */
		if (!had_logkey && snprintf(logpath, sizeof logpath, "%s.logkey", c->db_path) < (int)sizeof logpath)
			unlink(logpath);
		goto out;
	}
	c->st = st;
	r = cli_checkpoint(c);
	c->st = NULL;
out:
	return r;
}

/* The admin's key comes first, so a wrong passphrase leaves no store behind. */
static int cmd_init_key(struct cli_ctx *c, const char *admin, char *keypath, size_t n,
			struct key_secret **k)
{
	const char *keyfile = cli_opt(c, "admin-key");

	if (check_name("admin name", admin, KEYS_NAME_MAX, &c->e) != 0)
		return CLI_USAGE;
	if (keyfile != NULL) {
		if (cli_unlock_key(c, keyfile, k) != 0)
			return CLI_FAIL;
		snprintf(keypath, n, "%s", keyfile);
		return 0;
	}
	return cli_key_create(c, admin, NULL, keypath, n, k) != 0 ? CLI_FAIL : 0;
}

int cmd_init_run(struct cli_ctx *c)
{
	const char *admin = cli_opt(c, "admin"), *group = cli_opt(c, "group");
	int group_logkey = cli_opt(c, "group-logkey") != NULL;
	char keypath[4096] = "";
	struct share_group g;
	struct key_secret *k = NULL;
	struct stat sb;
	struct store *st;
	int existed, schema, r = 0;

	if (admin == NULL && cli_opt(c, "admin-key") != NULL) {
		err_set(&c->e, ERR_INVALID, "--admin-key needs --admin NAME");
		return CLI_USAGE;
	}
	if (group == NULL && group_logkey) {
		err_set(&c->e, ERR_INVALID, "--group-logkey needs --group NAME");
		return CLI_USAGE;
	}
	if (cli_store_path(c) < 0)
		return CLI_FAIL;
	/* The group first: a wrong name leaves no key and no store. */
	if (group != NULL && share_group_lookup(group, &g, &c->e) != 0)
		return CLI_FAIL;
	if (admin != NULL && (r = cmd_init_key(c, admin, keypath, sizeof keypath, &k)) != 0)
		return r;
	if (group != NULL && share_prepare_dir(c->db_path, &g, &c->e) != 0) {
		keys_secret_free(k);
		return CLI_FAIL;
	}
	/* An empty file is what a fresh `touch` leaves: init turns it into a store. */
	existed = stat(c->db_path, &sb) == 0 && sb.st_size > 0;
	st = store_open(c->db_path, STORE_CREATE | (group != NULL ? STORE_GROUP : 0), &c->e);
	if (st == NULL) {
		keys_secret_free(k);
		cli_store_context(c, c->db_path);
		return CLI_FAIL;
	}
	schema = store_schema_version(st);
	if (admin != NULL)
		r = cmd_init_admin(c, st, admin, k);
	if (r == 0 && group != NULL && share_apply(st, &g, group_logkey, &c->e) != 0)
		r = CLI_FAIL;
	keys_secret_free(k);
	store_close(st);
	if (r != 0)
		return r;
	if (c->json) {
		json_t *o = json_object();

		if (o == NULL || cli_json_str(o, "path", c->db_path) ||
		    cli_json_bool(o, "created", !existed) || cli_json_int(o, "schema", schema) ||
		    (group != NULL && cli_json_str(o, "group", g.name)) ||
		    (admin != NULL && (cli_json_str(o, "admin", admin) || cli_json_str(o, "admin_key", keypath)))) {
			json_decref(o);
			return cli_json_fail(&c->e);
		}
		return cli_json_print(o, &c->e) < 0 ? CLI_FAIL : 0;
	}
	if (existed)
		printf("store already exists at %s (schema version %d)\n", c->db_path, schema);
	else
		printf("created store at %s (schema version %d)\n", c->db_path, schema);
	if (admin != NULL) {
		printf("keyring version 1: %s is admin, key %s\n", admin, keypath);
		printf("log key: %s.logkey (signs checkpoints; keep it with the store, mode %s)\n", c->db_path,
		       group_logkey ? "0640, any member of the group signs" : "0600");
	}
	if (group != NULL) {
		printf("shared with Unix group %s: the folder is setgid 2770, the store and its -wal and -shm 0660\n",
		       g.name);
		if (admin != NULL && !group_logkey)
			printf("checkpoints are signed by %s, who holds the log key: run 'steward checkpoint --watch'"
			       " as %s to sign the others' entries as they arrive\n",
			       share_account(), share_account());
	}
	return 0;
}
