/* cmd-principal: `steward principal add|revoke|list`: the keyring, changed only by admins' signed statements. */
#include "cli.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "keyring.h"

/* Runs one keyring change in its own transaction. */
static int cmd_principal_tx(struct cli_ctx *c, int (*fn)(struct cli_ctx *c, void *arg), void *arg)
{
	if (store_begin(c->st, &c->e) != 0)
		return CLI_FAIL;
	if (fn(c, arg) != 0) {
		store_rollback(c->st);
		return CLI_FAIL;
	}
	return store_commit(c->st, &c->e) == 0 ? 0 : CLI_FAIL;
}

struct cmd_principal_add_arg {
	unsigned roles;
	const struct key_public *pub;
};

static int cmd_principal_do_add(struct cli_ctx *c, void *arg)
{
	struct cmd_principal_add_arg *a = arg;

	return keyring_add(c->st, &c->who, c->key, c->pos[0], a->roles, a->pub, &c->e);
}

static int cmd_principal_report(struct cli_ctx *c, const char *what)
{
	int64_t ver = keyring_version(c->st);

	if (c->json) {
		json_t *o = json_object();

		if (o == NULL || cli_json_str(o, "principal", c->pos[0]) || cli_json_str(o, "change", what) ||
		    cli_json_int(o, "keyring_version", ver)) {
			json_decref(o);
			return cli_json_fail(&c->e);
		}
		return cli_json_print(o, &c->e) < 0 ? CLI_FAIL : 0;
	}
	printf("%s %s (keyring version %" PRId64 ", signed by %s)\n", what, c->pos[0], ver, cli_safe(c, c->who.name));
	return 0;
}

int cmd_principal_add(struct cli_ctx *c)
{
	struct cmd_principal_add_arg a = { 0 };
	struct key_public pub;
	const char *pubfile = cli_opt(c, "pubkey");

	if (keyring_roles_parse(cli_opt(c, "role"), &a.roles, &c->e) != 0)
		return CLI_USAGE;
	if (pubfile != NULL) {
		if (keys_file_kind(pubfile, &c->e) == KEYS_KIND_SECRET)
			return err_set(&c->e, ERR_INVALID, "%s is a secret key; --pubkey takes the .pub file", pubfile);
		if (keys_load_public(pubfile, &pub, &c->e) != 0)
			return CLI_FAIL;
		a.pub = &pub;
	}
	if (cmd_principal_tx(c, cmd_principal_do_add, &a) != 0)
		return CLI_FAIL;
	return cmd_principal_report(c, "added");
}

struct cmd_principal_revoke_arg {
	const char *key_id;
	unsigned roles;
};

static int cmd_principal_do_revoke(struct cli_ctx *c, void *arg)
{
	struct cmd_principal_revoke_arg *a = arg;

	return keyring_revoke(c->st, &c->who, c->key, c->pos[0], a->key_id, a->roles, &c->e);
}

int cmd_principal_revoke(struct cli_ctx *c)
{
	struct cmd_principal_revoke_arg a = { 0 };
	const char *roles = cli_opt(c, "role");
	char q[64];

	a.key_id = cli_opt(c, "key-id");
	if (a.key_id != NULL && roles != NULL) {
		err_set(&c->e, ERR_INVALID, "give --key-id or --role, not both");
		return CLI_USAGE;
	}
	if (a.key_id != NULL && (strlen(a.key_id) != KEYS_ID_HEX ||
				 strspn(a.key_id, "0123456789abcdef") != KEYS_ID_HEX)) {
		err_set(&c->e, ERR_INVALID, "--key-id '%s' is not a key id (16 lowercase hex digits)",
			cli_quote(a.key_id, q, sizeof q));
		return CLI_USAGE;
	}
	if (roles != NULL && keyring_roles_parse(roles, &a.roles, &c->e) != 0)
		return CLI_USAGE;
	if (cmd_principal_tx(c, cmd_principal_do_revoke, &a) != 0)
		return CLI_FAIL;
	return cmd_principal_report(c, "revoked");
}

int cmd_principal_list(struct cli_ctx *c)
{
	static const char *const hdr[] = { "PRINCIPAL", "ROLES", "KEY", "ADDED", "REVOKED" };
	struct kr_list l;
	struct cli_table *t;
	char roles[80], added[24], revoked[24];
	size_t i, j;

	if (keyring_list(c->st, &l, &c->e) != 0)
		return CLI_FAIL;
	if (c->json) {
		json_t *o = json_object(), *arr = json_array();
		int bad = o == NULL || arr == NULL || cli_json_int(o, "keyring_version", l.version) ||
			  json_object_set_new(o, "principals", arr) != 0;

		for (i = 0; !bad && i < l.n; i++) {
			json_t *p = json_object(), *keys = json_array();

			bad = p == NULL || keys == NULL || json_array_append_new(arr, p) != 0 ||
			      cli_json_str(p, "name", l.v[i].name) ||
			      cli_json_list(p, "roles", l.v[i].roles ? keyring_roles_text(l.v[i].roles, roles, sizeof roles) : "") ||
			      cli_json_int(p, "added", l.v[i].added_ver) ||
			      cli_json_int_or_null(p, "revoked", l.v[i].revoked_ver) ||
			      json_object_set_new(p, "keys", keys) != 0;
			for (j = 0; !bad && j < l.v[i].nkeys; j++) {
				json_t *k = json_object();

				bad = k == NULL || json_array_append_new(keys, k) != 0 ||
				      cli_json_str(k, "id", l.v[i].keys[j].id) ||
				      cli_json_str(k, "public", l.v[i].keys[j].public) ||
				      cli_json_int(k, "added", l.v[i].keys[j].added_ver) ||
				      cli_json_int_or_null(k, "revoked", l.v[i].keys[j].revoked_ver);
			}
		}
		keyring_list_free(&l);
		if (bad) {
			json_decref(o);
			return cli_json_fail(&c->e);
		}
		return cli_json_print(o, &c->e) < 0 ? CLI_FAIL : 0;
	}
	t = cli_table_new(5, hdr);
	if (t == NULL) {
		keyring_list_free(&l);
		return err_set(&c->e, ERR_IO, "out of memory");
	}
	for (i = 0; i < l.n; i++) {
		const struct kr_principal *p = &l.v[i];

		keyring_roles_text(p->roles, roles, sizeof roles);
		for (j = 0; j < p->nkeys || j == 0; j++) {
			const char *cells[5];

			snprintf(added, sizeof added, "v%" PRId64, j < p->nkeys ? p->keys[j].added_ver : p->added_ver);
			if (j < p->nkeys && p->keys[j].revoked_ver)
				snprintf(revoked, sizeof revoked, "v%" PRId64, p->keys[j].revoked_ver);
			else if (p->revoked_ver)
				snprintf(revoked, sizeof revoked, "v%" PRId64, p->revoked_ver);
			else
				snprintf(revoked, sizeof revoked, "-");
			cells[0] = j == 0 ? p->name : "";
			cells[1] = j == 0 ? roles : "";
			cells[2] = j < p->nkeys ? p->keys[j].id : "-";
			cells[3] = added;
			cells[4] = revoked;
			if (cli_table_add(t, cells) != 0) {
				cli_table_free(t);
				keyring_list_free(&l);
				return err_set(&c->e, ERR_IO, "out of memory");
			}
		}
	}
	printf("keyring version %" PRId64 "\n", l.version);
	cli_table_print(t);
	cli_table_free(t);
	keyring_list_free(&l);
	return 0;
}
