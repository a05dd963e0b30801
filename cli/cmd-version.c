/* cmd-version: `steward version add|list|show`. */
#include "cli.h"

#include <stdio.h>
#include <string.h>

#include "registry.h"

static json_t *cmd_version_json(const struct reg_version *v)
{
	json_t *o = json_object();

	if (o == NULL || cli_json_str(o, "model", v->model) ||
	    cli_json_int(o, "version", v->version) ||
	    cli_json_str(o, "artifact_uri", v->artifact_uri) ||
	    (strcmp(v->digest_state, "verified") == 0 ? cli_json_str(o, "digest", v->digest)
						       : json_object_set_new(o, "digest", json_null()) != 0) ||
	    cli_json_str(o, "digest_state", v->digest_state) || cli_json_str(o, "digest_reason", v->digest_reason) ||
	    cli_json_str(o, "author", v->author) ||
	    cli_json_str(o, "run_id", v->run_id) || cli_json_str(o, "source", v->source) ||
	    cli_json_time(o, "created", v->created) || cli_json_list(o, "aliases", v->aliases)) {
		json_decref(o);
		return NULL;
	}
	return o;
}

static const char *cmd_version_or_dash(const char *s)
{
	return s != NULL && s[0] != '\0' ? s : "-";
}

int cmd_version_add(struct cli_ctx *c)
{
	const char *author = cli_opt(c, "author"), *run = cli_opt(c, "run");
	int64_t num = 0;
	json_t *o;

	if (registry_version_add(c->st, &c->who, c->pos[0], cli_opt(c, "artifact"), cli_opt(c, "digest"),
				 author != NULL ? author : c->who.name, run != NULL ? run : "", 0, &num,
				 &c->e) < 0)
		return CLI_FAIL;
	if (!c->json) {
		/* Just the number, so scripts can capture it. */
		printf("%lld\n", (long long)num);
		return 0;
	}
	o = json_object();
	if (o == NULL || cli_json_str(o, "model", c->pos[0]) || cli_json_int(o, "version", num)) {
		json_decref(o);
		return cli_json_fail(&c->e);
	}
	return cli_json_print(o, &c->e) < 0 ? CLI_FAIL : 0;
}

int cmd_version_list(struct cli_ctx *c)
{
	static const char *const head[] = { "VERSION", "CREATED", "AUTHOR", "DIGEST", "ALIASES" };
	struct reg_versions l = { 0 };
	struct cli_table *t = NULL;
	json_t *a = NULL;
	size_t i;
	int rc = CLI_FAIL;

	if (registry_version_list(c->st, c->pos[0], &l, &c->e) < 0)
		return CLI_FAIL;
	if (c->json) {
		a = json_array();
		if (a == NULL)
			goto nomem;
		for (i = 0; i < l.n; i++)
			if (json_array_append_new(a, cmd_version_json(&l.v[i])) < 0)
				goto nomem;
		rc = cli_json_print(a, &c->e) < 0 ? CLI_FAIL : 0;
		a = NULL;
		goto out;
	}
	t = cli_table_new(5, head);
	if (t == NULL)
		goto nomem;
	for (i = 0; i < l.n; i++) {
		const struct reg_version *v = &l.v[i];
		char num[24], when[32], dig[32];
		const char *row[5] = { num, cli_time(v->created, when, sizeof when),
				       cmd_version_or_dash(v->author),
				       strcmp(v->digest_state, "verified") == 0 ? cli_short_digest(v->digest, dig, sizeof dig)
										: v->digest_state,
				       cmd_version_or_dash(v->aliases) };

		snprintf(num, sizeof num, "%lld", (long long)v->version);
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
	registry_versions_free(&l);
	return rc;
}

int cmd_version_show(struct cli_ctx *c)
{
	struct reg_version v = { 0 };
	int64_t num;
	char when[32];
	int rc = 0;

	if (registry_version_parse(c->pos[1], &num, &c->e) < 0)
		return CLI_FAIL;
	if (registry_version_get(c->st, c->pos[0], num, &v, &c->e) < 0)
		return CLI_FAIL;
	if (c->json) {
		rc = cli_json_print(cmd_version_json(&v), &c->e) < 0 ? CLI_FAIL : 0;
	} else {
		printf("model:     %s\n", cli_safe(c, v.model));
		printf("version:   %lld\n", (long long)v.version);
		printf("artifact:  %s\n", cli_safe(c, v.artifact_uri));
		/* Only a verified digest is shown as one: the others name nothing. */
		if (strcmp(v.digest_state, "verified") == 0)
			printf("digest:    %s\n", cli_safe(c, v.digest));
		else if (strcmp(v.digest_state, "empty") == 0)
			printf("digest:    empty (the registry holds no artifact files for this version)\n");
		else
			printf("digest:    unverified (%s)\n",
			       cli_safe(c, v.digest_reason[0] ? v.digest_reason : "the artifacts could not be read"));
		printf("author:    %s\n", cli_safe(c, cmd_version_or_dash(v.author)));
		printf("run:       %s\n", cli_safe(c, cmd_version_or_dash(v.run_id)));
		printf("source:    %s\n", cli_safe(c, cmd_version_or_dash(v.source)));
		printf("created:   %s\n", cli_time(v.created, when, sizeof when));
		printf("aliases:   %s\n", cli_safe(c, cmd_version_or_dash(v.aliases)));
	}
	registry_version_clear(&v);
	return rc;
}
