/* cmd-deploy: `steward deploy list|canary|shift|full`: live traffic as the deploy plugins see it, and governed changes to it. */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "deploy.h"
#include "plugin.h"
#include "registry.h"

static int cmd_deploy_share(struct cli_ctx *c, int64_t *share)
{
	const char *w = cli_opt(c, "weight");
	char *end;
	long v;

	if (w == NULL) {
		*share = 100;
		return 0;
	}
	v = strtol(w, &end, 10);
	if (end == w || *end != '\0' || v < 0 || v > 100)
		return err_set(&c->e, ERR_INVALID, "--weight: '%s' is not a percentage from 0 to 100", w);
	*share = v;
	return 0;
}

static int cmd_deploy_act(struct cli_ctx *c, enum deploy_kind kind)
{
	struct plugin_backend be;
	struct deploy_decision d;
	struct gate g;
	int64_t version, share = 0, seq = 0;
	char text[300];
	int r;

	if (registry_version_parse(c->pos[1], &version, &c->e) != 0 || cmd_deploy_share(c, &share) != 0)
		return CLI_USAGE;
	if (store_begin(c->st, &c->e) != 0)
		return CLI_FAIL;
	plugin_backend_init(&be, c->st, c->config);
	r = deploy_apply(c->st, &c->who, kind, c->pos[0], version, share, cli_opt(c, "reason"), &be.gb, &g, &seq, &c->e);
	plugin_backend_free(&be);
	if (r != 0 || store_commit(c->st, &c->e) != 0) {
		store_rollback(c->st);
		if (r == 1) {
			if (g.refusal[0] != '\0' || g.nres > 0)
				cmd_gate_print(c, stderr, &g);
			err_set(&c->e, ERR_DENIED, "%s of %s v%" PRId64 " refused; traffic unchanged", deploy_kind_name(kind),
				c->pos[0], version);
		}
		gate_free(&g);
		return CLI_FAIL;
	}
	gate_free(&g);
	if (deploy_decided(c->st, c->pos[0], &d, &c->e) != 0)
		return CLI_FAIL;
	deploy_plan_text(&d.plan, text, sizeof text);
	if (c->json) {
		json_t *o = json_object();

		if (o == NULL || cli_json_str(o, "model", c->pos[0]) || cli_json_int(o, "version", version) ||
		    cli_json_str(o, "kind", deploy_kind_name(kind)) || cli_json_str(o, "plan", text) ||
		    cli_json_str(o, "plugin", d.plugin) || cli_json_int(o, "seq", seq)) {
			json_decref(o);
			return cli_json_fail(&c->e);
		}
		return cli_json_print(o, &c->e) < 0 ? CLI_FAIL : 0;
	}
	printf("%s: %s v%" PRId64 " now takes %" PRId64 "%% of live traffic (%s through %s; ledger entry %" PRId64 ")\n",
	       deploy_kind_name(kind), cli_safe(c, c->pos[0]), version, kind == DEPLOY_FULL ? 100 : share, text,
	       cli_safe(c, d.plugin), seq);
	return 0;
}

int cmd_deploy_canary(struct cli_ctx *c)
{
	return cmd_deploy_act(c, DEPLOY_CANARY);
}

int cmd_deploy_shift(struct cli_ctx *c)
{
	return cmd_deploy_act(c, DEPLOY_SHIFT);
}

int cmd_deploy_full(struct cli_ctx *c)
{
	return cmd_deploy_act(c, DEPLOY_FULL);
}

int cmd_deploy_list(struct cli_ctx *c)
{
	static const char *const head[] = { "MODEL", "VERSION", "MODE", "SHARE", "WEIGHT", "STATE", "REQUESTS", "TARGET", "PLUGIN" };
	const char *model = c->npos > 0 ? c->pos[0] : NULL;
	struct deploy_row *rows = NULL;
	struct deploy_unapproved *un = NULL;
	struct cli_table *t = NULL;
	json_t *arr = NULL;
	size_t n, nu, i;
	int rc = CLI_FAIL;

	if (deploy_list(c->st, model, &rows, &n, &c->e) != 0)
		return CLI_FAIL;
	if (deploy_unapproved_list(c->st, model, &un, &nu, &c->e) != 0) {
		free(rows);
		return CLI_FAIL;
	}
	if (c->json ? (arr = json_array()) == NULL : (t = cli_table_new(9, head)) == NULL)
		goto oom;
	for (i = 0; i < n; i++) {
		const struct deploy_row *r = &rows[i];

		if (c->json) {
			json_t *o = json_object();

			if (o == NULL || json_array_append_new(arr, o) != 0 || cli_json_str(o, "model", r->model) ||
			    cli_json_int(o, "version", r->version) || cli_json_str(o, "mode", r->mode) ||
			    cli_json_real(o, "share", r->share) || cli_json_int(o, "weight", r->weight) ||
			    cli_json_str(o, "state", r->state) ||
			    json_object_set_new(o, "requests", r->sessions < 0 ? json_null() : json_integer(r->sessions)) != 0 ||
			    cli_json_str(o, "target", r->target) || cli_json_str(o, "plugin", r->plugin) ||
			    cli_json_time(o, "observed", r->observed))
				goto oom;
		} else {
			char ver[32], share[32], weight[32], req[32];
			const char *cells[9];

			snprintf(ver, sizeof ver, "%" PRId64, r->version);
			snprintf(share, sizeof share, strcmp(r->mode, "shadow") == 0 ? "copy" : "%.0f%%", r->share);
			snprintf(weight, sizeof weight, "%" PRId64, r->weight);
			snprintf(req, sizeof req, r->sessions < 0 ? "-" : "%" PRId64, r->sessions);
			cells[0] = cli_safe(c, r->model);
			cells[1] = ver;
			cells[2] = r->mode;
			cells[3] = share;
			cells[4] = weight;
			cells[5] = r->state;
			cells[6] = req;
			cells[7] = cli_safe(c, r->target);
			cells[8] = cli_safe(c, r->plugin);
			if (cli_table_add(t, cells) != 0)
				goto oom;
		}
	}
	if (c->json) {
		json_t *o = json_object(), *ua = json_array();

		if (o == NULL || ua == NULL || json_object_set_new(o, "deployments", arr) != 0) {
			json_decref(o);
			json_decref(ua);
			goto oom;
		}
		arr = NULL;
		if (json_object_set_new(o, "unapproved", ua) != 0) {
			json_decref(o);
			goto oom;
		}
		for (i = 0; i < nu; i++) {
			json_t *u = json_object();

			if (u == NULL || json_array_append_new(ua, u) != 0 || cli_json_str(u, "model", un[i].model) ||
			    cli_json_str(u, "seen", un[i].seen) || cli_json_str(u, "expected", un[i].expected) ||
			    cli_json_time(u, "observed", un[i].observed) || cli_json_int(u, "seq", un[i].seq)) {
				json_decref(o);
				goto oom;
			}
		}
		rc = cli_json_print(o, &c->e) < 0 ? CLI_FAIL : 0;
		goto out;
	}
	if (n == 0)
		printf(model ? "no deployments of %s (steward sync reads them from the deploy plugins)\n"
			     : "no deployments (steward sync reads them from the deploy plugins)%s\n",
		       model ? cli_safe(c, model) : "");
	else
		cli_table_print(t);
	for (i = 0; i < nu; i++)
		printf("UNAPPROVED: live traffic of %s is %s, but steward decided %s (seen at ledger entry %" PRId64 ")\n",
		       cli_safe(c, un[i].model), un[i].seen, un[i].expected, un[i].seq);
	rc = 0;
	goto out;
oom:
	rc = cli_json_fail(&c->e);
out:
	json_decref(arr);
	cli_table_free(t);
	free(rows);
	free(un);
	return rc;
}
