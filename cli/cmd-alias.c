/* cmd-alias: `steward alias set|list`: an admin's direct alias move (a ledger entry) and the listing. */
#include "cli.h"

#include <stdio.h>

#include "registry.h"

int cmd_alias_set(struct cli_ctx *c)
{
	const char *model = c->pos[0], *alias = c->pos[1];
	int64_t num, before;
	json_t *o;

	if (registry_version_parse(c->pos[2], &num, &c->e) < 0)
		return CLI_FAIL;
	/* Read first only to say where the alias moved from. */
	before = registry_alias_version(c->st, model, alias, &c->e);
	if (before < 0)
		return CLI_FAIL;
	if (registry_alias_set(c->st, &c->who, model, alias, num, &c->e) < 0)
		return CLI_FAIL;
	if (!c->json) {
		if (before != 0 && before != num)
			printf("moved %s of %s from version %lld to %lld\n", alias, model,
			       (long long)before, (long long)num);
		else
			printf("set %s of %s to version %lld\n", alias, model, (long long)num);
		return 0;
	}
	o = json_object();
	if (o == NULL || cli_json_str(o, "model", model) || cli_json_str(o, "alias", alias) ||
	    cli_json_int(o, "version", num) || cli_json_int_or_null(o, "previous", before)) {
		json_decref(o);
		return cli_json_fail(&c->e);
	}
	return cli_json_print(o, &c->e) < 0 ? CLI_FAIL : 0;
}

int cmd_alias_list(struct cli_ctx *c)
{
	static const char *const head[] = { "ALIAS", "VERSION", "UPDATED" };
	struct reg_aliases l = { 0 };
	struct cli_table *t = NULL;
	json_t *a = NULL;
	size_t i;
	int rc = CLI_FAIL;

	if (registry_alias_list(c->st, c->pos[0], &l, &c->e) < 0)
		return CLI_FAIL;
	if (c->json) {
		a = json_array();
		if (a == NULL)
			goto nomem;
		for (i = 0; i < l.n; i++) {
			json_t *o = json_object();

			if (json_array_append_new(a, o) < 0 || cli_json_str(o, "alias", l.v[i].alias) ||
			    cli_json_int(o, "version", l.v[i].version) ||
			    cli_json_time(o, "updated", l.v[i].updated))
				goto nomem;
		}
		rc = cli_json_print(a, &c->e) < 0 ? CLI_FAIL : 0;
		a = NULL;
		goto out;
	}
	t = cli_table_new(3, head);
	if (t == NULL)
		goto nomem;
	for (i = 0; i < l.n; i++) {
		char num[24], when[32];
		const char *row[3] = { l.v[i].alias, num,
				       cli_time(l.v[i].updated, when, sizeof when) };

		snprintf(num, sizeof num, "%lld", (long long)l.v[i].version);
		if (cli_table_add(t, row) < 0)
			goto nomem;
	}
	cli_table_print(t);
	rc = 0;
	goto out;
nomem:
	rc = err_set(&c->e, ERR_IO, "out of memory");
out:
	json_decref(a);
	cli_table_free(t);
	registry_aliases_free(&l);
	return rc;
}
