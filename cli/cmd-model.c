/* cmd-model: `steward model add|list|show`. */
#include "cli.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "plugin.h"
#include "record.h"
#include "registry.h"

static json_t *cmd_model_json(const struct reg_model *m)
{
	json_t *o = json_object();

	if (o == NULL || cli_json_str(o, "name", m->name) ||
	    cli_json_str(o, "tier", registry_tier_name(m->tier)) ||
	    cli_json_str(o, "owner", m->owner) || cli_json_str(o, "description", m->description) ||
	    cli_json_str(o, "source", m->source) || cli_json_int(o, "versions", m->n_versions) ||
	    cli_json_int_or_null(o, "production", m->production) ||
	    cli_json_int_or_null(o, "staging", m->staging) ||
	    cli_json_time(o, "created", m->created) ||
	    cli_json_time(o, "last_change", m->last_change)) {
		json_decref(o);
		return NULL;
	}
	return o;
}

static const char *cmd_model_num(int64_t v, char *buf, size_t n)
{
	if (v == 0)
		snprintf(buf, n, "-");
	else
		snprintf(buf, n, "%lld", (long long)v);
	return buf;
}

int cmd_model_add(struct cli_ctx *c)
{
	const char *name = c->pos[0];
	const char *desc = cli_opt(c, "description");
	struct reg_model m = { 0 };
	enum tier tier;
	int rc;

	if (registry_tier_parse(cli_opt(c, "tier"), &tier, &c->e) < 0)
		return CLI_FAIL;
	if (registry_model_add(c->st, &c->who, name, tier, cli_opt(c, "owner"), desc != NULL ? desc : "",
			       &c->e) < 0)
		return CLI_FAIL;
	if (!c->json) {
		printf("added model %s (tier %s, owner %s)\n", name, registry_tier_name(tier),
		       cli_opt(c, "owner"));
		return 0;
	}
	if (registry_model_get(c->st, name, &m, &c->e) < 0)
		return CLI_FAIL;
	rc = cli_json_print(cmd_model_json(&m), &c->e);
	registry_model_clear(&m);
	return rc < 0 ? CLI_FAIL : 0;
}

/* "v3", or "v3*" when the alias is ungoverned. */
static const char *cmd_model_mark(const struct record_alias_states *st, const char *model, const char *alias,
				  int64_t v, char *buf, size_t n, int *marked)
{
	const struct record_alias_state *x = record_alias_find(st, model, alias);

	if (v == 0)
		return cmd_model_num(v, buf, n);
	if (x == NULL || !x->governed) {
		snprintf(buf, n, "%lld*", (long long)v);
		*marked = 1;
		return buf;
	}
	return cmd_model_num(v, buf, n);
}

/* {"production": {"version", "action", "actor", "seq"}} for each ungoverned alias. */
static json_t *cmd_model_ungoverned(const struct record_alias_states *st, const char *model)
{
	json_t *o = json_object();
	size_t i;

	for (i = 0; o != NULL && i < st->n; i++)
		if (strcmp(st->v[i].model, model) == 0 && !st->v[i].governed &&
		    json_object_set_new(o, st->v[i].alias,
					json_pack("{s:I, s:s, s:s, s:I}", "version", (json_int_t)st->v[i].version, "action",
						  st->v[i].action, "actor", st->v[i].actor, "seq", (json_int_t)st->v[i].seq)) != 0) {
			json_decref(o);
			return NULL;
		}
	return o;
}

/* [{"alias", "version" (null: deleted), "deleted", "observed", "seq"}]: the
 * registry moves no steward decision made that stand on this model. */
static json_t *cmd_model_unapproved(const struct plugin_unapproved *u, size_t n, const char *model)
{
	json_t *a = json_array();
	size_t i;

	for (i = 0; a != NULL && i < n; i++) {
		json_t *o;

		if (strcmp(u[i].model, model) != 0)
			continue;
		o = json_pack("{s:s, s:o, s:b, s:I, s:I}", "alias", u[i].alias, "version",
			      u[i].version ? json_integer(u[i].version) : json_null(), "deleted", u[i].version == 0,
			      "observed", (json_int_t)u[i].observed, "seq", (json_int_t)u[i].seq);
		if (o == NULL || json_array_append_new(a, o) != 0) {
			json_decref(a);
			return NULL;
		}
	}
	return a;
}

/* model list's pass over the models: JSON written as each is read, or a
 * table's columns measured (a first pass) and then printed (the second). */
struct cmd_model_pass {
	struct cli_ctx *c;
	const struct plugin_unapproved *u;
	size_t nu;
	struct cli_list json;
	struct cli_cols cols;
	const struct reg_list_query *q;
	int marked;
};

static int cmd_model_row(void *arg, const struct reg_model *m, struct err *e)
{
	struct cmd_model_pass *p = arg;
	struct record_alias_states st = { 0 };
	char prod[24], stag[24], nv[24], when[32];
	const char *row[7] = { m->name, registry_tier_name(m->tier), prod, stag, nv, m->owner, when };
	int rc;

	/* One model's alias history at a time: reading every model's at once
	 * held them all and matched each model against all of them. */
	if (record_alias_states(p->c->st, m->name, &st, e) != 0)
		return -1;
	if (p->c->json) {
		json_t *o = cmd_model_json(m);

		if (o == NULL || json_object_set_new(o, "ungoverned", cmd_model_ungoverned(&st, m->name)) < 0 ||
		    json_object_set_new(o, "unapproved_changes", cmd_model_unapproved(p->u, p->nu, m->name)) < 0) {
			json_decref(o);
			record_alias_states_free(&st);
			return cli_json_fail(e);
		}
		record_alias_states_free(&st);
		return cli_json_item(&p->json, o, e);
	}
	cmd_model_mark(&st, m->name, "production", m->production, prod, sizeof prod, &p->marked);
	cmd_model_mark(&st, m->name, "staging", m->staging, stag, sizeof stag, &p->marked);
	record_alias_states_free(&st);
	snprintf(nv, sizeof nv, "%lld", (long long)m->n_versions);
	cli_time(m->last_change, when, sizeof when);
	rc = cli_cols_row(&p->cols, row);
	return rc != 0 ? cli_out_fail(e) : 0;
}

static int cmd_model_pass_run(void *arg, struct err *e)
{
	struct cmd_model_pass *p = arg;

	p->marked = 0;
	return registry_model_each(p->c->st, p->q, cmd_model_row, p, e);
}

int cmd_model_list(struct cli_ctx *c)
{
	static const char *const head[] = { "NAME",     "TIER",  "PRODUCTION", "STAGING",
					    "VERSIONS", "OWNER", "LAST CHANGE" };
	struct cmd_model_pass p = { .c = c };
	struct reg_list_query q = { 0 };
	struct plugin_unapproved *u = NULL;
	size_t nu = 0, i;
	int rc = 0;

	if (cli_opt_limit(c, &q.limit) != 0 || cli_opt_since(c, &q.since) != 0)
		return CLI_USAGE;
	/* Both passes, and the unapproved changes, read one snapshot. */
	if (store_read_begin(c->st, &c->e) != 0)
		return CLI_FAIL;
	if (plugin_unapproved_list(c->st, NULL, &u, &nu, &c->e) < 0) {
		store_read_end(c->st);
		return CLI_FAIL;
	}
	p.u = u;
	p.nu = nu;
	/* Models are written as they are read: memory holds a page of them
	 * and the unapproved changes, never the registry. */
	if (c->json) {
		if (registry_model_each(c->st, &q, cmd_model_row, &p, &c->e) != 0 || cli_json_end(&p.json, &c->e) != 0)
			rc = CLI_FAIL;
		store_read_end(c->st);
		free(u);
		return rc;
	}
	cli_cols_init(&p.cols, 7, head);
	p.q = &q;
	rc = cli_cols_passes(c, &(struct cli_passes){ .cols = &p.cols, .head = head, .pass = cmd_model_pass_run, .arg = &p });
	store_read_end(c->st);
	if (rc == 0) {
		if (p.marked)
			fprintf(stderr, "* ungoverned: not placed there by a promotion that passed its gate (see 'steward model show')\n");
		for (i = 0; i < nu; i++)
			fprintf(stderr, "! unapproved change: %s of %s %s (see 'steward audit verify')\n", cli_safe(c, u[i].alias),
				cli_safe(c, u[i].model), u[i].version ? "was moved in the registry" : "was deleted in the registry");
	}
	free(u);
	return rc != 0 ? CLI_FAIL : 0;
}

int cmd_model_show(struct cli_ctx *c)
{
	struct reg_model m = { 0 };
	struct reg_aliases al = { 0 };
	struct record_alias_states st = { 0 };
	struct plugin_unapproved *u = NULL;
	size_t nu = 0;
	char buf[32], buf2[32];
	json_t *o = NULL, *ao;
	size_t i;
	int rc = CLI_FAIL;

	if (registry_model_get(c->st, c->pos[0], &m, &c->e) < 0)
		return CLI_FAIL;
	if (registry_alias_list(c->st, m.name, &al, &c->e) < 0 || record_alias_states(c->st, m.name, &st, &c->e) < 0 ||
	    plugin_unapproved_list(c->st, m.name, &u, &nu, &c->e) < 0)
		goto out;
	if (c->json) {
		o = cmd_model_json(&m);
		ao = json_object();
		if (o == NULL || ao == NULL || json_object_set_new(o, "aliases", ao) < 0 ||
		    json_object_set_new(o, "ungoverned", cmd_model_ungoverned(&st, m.name)) < 0 ||
		    json_object_set_new(o, "unapproved_changes", cmd_model_unapproved(u, nu, m.name)) < 0) {
			json_decref(ao);
			rc = cli_json_fail(&c->e);
			goto out;
		}
		for (i = 0; i < al.n; i++)
			if (cli_json_int(ao, al.v[i].alias, al.v[i].version)) {
				rc = cli_json_fail(&c->e);
				goto out;
			}
		rc = cli_json_print(o, &c->e) < 0 ? CLI_FAIL : 0;
		o = NULL;
		goto out;
	}
	printf("name:         %s\n", cli_safe(c, m.name));
	printf("tier:         %s\n", registry_tier_name(m.tier));
	printf("owner:        %s\n", cli_safe(c, m.owner));
	/* One line: a newline in the store's text is shown as \x0a, not obeyed. */
	printf("description:  %s\n", m.description[0] ? cli_safe(c, m.description) : "-");
	printf("source:       %s\n", cli_safe(c, m.source));
	printf("versions:     %lld\n", (long long)m.n_versions);
	printf("production:   %s\n", cmd_model_num(m.production, buf, sizeof buf));
	printf("staging:      %s\n", cmd_model_num(m.staging, buf, sizeof buf));
	printf("created:      %s\n", cli_time(m.created, buf, sizeof buf));
	printf("last change:  %s\n", cli_time(m.last_change, buf2, sizeof buf2));
	printf("aliases:      %s", al.n ? "" : "-");
	for (i = 0; i < al.n; i++)
		printf("%s%s=%lld", i ? ", " : "", cli_safe(c, al.v[i].alias), (long long)al.v[i].version);
	printf("\n");
	for (i = 0; i < al.n; i++) {
		const struct record_alias_state *x = record_alias_find(&st, m.name, al.v[i].alias);

		if (x == NULL)
			printf("ungoverned:   %s: no ledger entry put it there\n", cli_safe(c, al.v[i].alias));
		else if (!x->governed)
			printf("ungoverned:   %s=%lld by %s at #%lld (%s), not a promotion that passed its gate\n",
			       cli_safe(c, al.v[i].alias), (long long)x->version, cli_safe(c, x->actor), (long long)x->seq,
			       x->action);
	}
	for (i = 0; i < nu; i++)
		if (u[i].version != 0)
			printf("UNAPPROVED:   %s points at version %lld in the registry, which no steward decision made (entry %lld)\n",
			       cli_safe(c, u[i].alias), (long long)u[i].version, (long long)u[i].seq);
		else
			printf("UNAPPROVED:   %s was deleted in the registry, which no steward decision made (entry %lld)\n",
			       cli_safe(c, u[i].alias), (long long)u[i].seq);
	rc = 0;
out:
	json_decref(o);
	free(u);
	record_alias_states_free(&st);
	registry_aliases_free(&al);
	registry_model_clear(&m);
	return rc;
}
