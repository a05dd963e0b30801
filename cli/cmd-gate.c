/* cmd-gate: `steward gate`, `steward promote apply` and `steward rollback`: the policy checklist and the governed alias moves. */
#include "cli.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "approval.h"
#include "gate.h"
#include "plugin.h"
#include "record.h"
#include "registry.h"

static json_t *cmd_gate_json(const struct gate *g)
{
	json_t *o = json_object(), *rules = json_array();
	size_t i;
	int bad = o == NULL || rules == NULL || cli_json_str(o, "model", g->model) || cli_json_int(o, "version", g->version) ||
		  cli_json_str(o, "from", g->from) || cli_json_str(o, "to", g->to) ||
		  cli_json_str(o, "decision", g->allow && g->refusal[0] == '\0' ? "allow" : "deny") ||
		  cli_json_str(o, "policy", g->policy_name) || cli_json_int(o, "policy_version", g->policy_version) ||
		  cli_json_str(o, "policy_sha256", g->policy_digest) || cli_json_int_or_null(o, "request", g->request) ||
		  (g->refusal[0] ? cli_json_str(o, "refusal", g->refusal) : json_object_set_new(o, "refusal", json_null()) != 0) ||
		  json_object_set_new(o, "rules", rules) != 0;

	for (i = 0; !bad && i < g->nres; i++) {
		json_t *r = json_object();

		bad = r == NULL || json_array_append_new(rules, r) != 0 || cli_json_str(r, "rule", g->res[i].rule->name) ||
		      cli_json_str(r, "kind", policy_kind_name(g->res[i].rule->kind)) ||
		      cli_json_str(r, "status", policy_status_name(g->res[i].status)) ||
		      cli_json_str(r, "evidence", g->res[i].evidence) || cli_json_str(r, "reason", g->res[i].reason);
	}
	if (bad) {
		json_decref(o);
		if (o == NULL)
			json_decref(rules);
		return NULL;
	}
	return o;
}

/* The checklist, one line per rule; out is stdout or stderr. Names,
 * evidence and reasons carry text from the store: escaped. */
void cmd_gate_print(struct cli_ctx *c, FILE *out, const struct gate *g)
{
	size_t i, failing = 0;
	char dig[40];

	fprintf(out, "gate %s v%" PRId64 ": %s -> %s", cli_safe(c, g->model), g->version,
		g->from[0] ? cli_safe(c, g->from) : "?", cli_safe(c, g->to));
	if (g->policy_name[0] != '\0')
		fprintf(out, " under policy %s v%" PRId64 " (%s)", cli_safe(c, g->policy_name), g->policy_version,
			cli_safe(c, cli_short_digest(g->policy_digest, dig, sizeof dig)));
	fputc('\n', out);
	if (g->refusal[0] != '\0') {
		fprintf(out, "DENY  %s\n", cli_safe(c, g->refusal));
		return;
	}
	if (g->request != 0) {
		fprintf(out, "request %" PRId64, g->request);
		if (strcmp(g->request_policy, g->policy_digest) != 0)
			fprintf(out, " (opened under %s: its approvals do not count under the policy in force)",
				g->request_policy[0] ? cli_safe(c, cli_short_digest(g->request_policy, dig, sizeof dig))
						     : "no policy");
		fputc('\n', out);
	} else {
		fputs("no open request for this transition\n", out);
	}
	for (i = 0; i < g->nres; i++) {
		fprintf(out, "  %-7s %-18s %-26s %s\n", policy_status_name(g->res[i].status),
			cli_safe(c, g->res[i].rule->name), cli_safe(c, g->res[i].evidence), cli_safe(c, g->res[i].reason));
		failing += g->res[i].status != RULE_PASS;
	}
	if (g->allow)
		fprintf(out, "ALLOW: all %zu rules pass\n", g->nres);
	else
		fprintf(out, "DENY: %zu of %zu rules do not pass (FAIL and UNKNOWN both deny)\n", failing, g->nres);
}

/* Alias moves a backend showed that no steward decision made. */
static int cmd_gate_unapproved(struct cli_ctx *c, const char *model, json_t *o)
{
	struct plugin_unapproved *u;
	char when[32];
	size_t n, i;
	json_t *arr = o ? json_array() : NULL;

	if (plugin_unapproved_list(c->st, model, &u, &n, &c->e) != 0)
		return -1;
	for (i = 0; i < n; i++) {
		if (arr != NULL)
			json_array_append_new(arr, json_pack("{s:s, s:I, s:I}", "alias", u[i].alias, "version",
							     (json_int_t)u[i].version, "seq", (json_int_t)u[i].seq));
		else if (u[i].version == 0)
			printf("UNAPPROVED CHANGE: %s of %s was deleted in the registry at %s, which no steward decision made (ledger entry %" PRId64 ")\n",
			       cli_safe(c, u[i].alias), cli_safe(c, u[i].model), cli_time(u[i].observed, when, sizeof when),
			       u[i].seq);
		else
			printf("UNAPPROVED CHANGE: %s of %s points at version %" PRId64 " since %s, which no steward decision made (ledger entry %" PRId64 ")\n",
			       cli_safe(c, u[i].alias), cli_safe(c, u[i].model), u[i].version,
			       cli_time(u[i].observed, when, sizeof when), u[i].seq);
	}
	free(u);
	if (o != NULL && json_object_set_new(o, "unapproved_changes", arr ? arr : json_array()) != 0)
		return -1;
	{
		/* Where the model's aliases stand now, when no gate put them there. */
		struct record_alias_states st;
		json_t *ug = o ? json_array() : NULL;

		if (record_alias_states(c->st, model, &st, &c->e) != 0) {
			json_decref(ug);
			return -1;
		}
		for (i = 0; i < st.n; i++) {
			if (st.v[i].governed)
				continue;
			if (ug != NULL)
				json_array_append_new(ug, json_pack("{s:s, s:I, s:s, s:s, s:I}", "alias", st.v[i].alias, "version",
								    (json_int_t)st.v[i].version, "action", st.v[i].action,
								    "actor", st.v[i].actor, "seq", (json_int_t)st.v[i].seq));
			else if (o == NULL)
				printf("ungoverned: %s of %s points at v%" PRId64 " by %s (%s, ledger entry %" PRId64
				       "), not a promotion that passed its gate\n",
				       cli_safe(c, st.v[i].alias), cli_safe(c, model), st.v[i].version, cli_safe(c, st.v[i].actor),
				       st.v[i].action, st.v[i].seq);
		}
		record_alias_states_free(&st);
		if (o != NULL && json_object_set_new(o, "ungoverned", ug ? ug : json_array()) != 0)
			return -1;
	}
	return 0;
}

static int cmd_gate_report(struct cli_ctx *c, const struct gate *g)
{
	int allow = g->allow && g->refusal[0] == '\0';

	if (c->json) {
		json_t *o = cmd_gate_json(g);

		if (o == NULL || cmd_gate_unapproved(c, g->model, o) != 0) {
			json_decref(o);
			return cli_json_fail(&c->e);
		}
		if (cli_json_print(o, &c->e) < 0)
			return CLI_FAIL;
	} else {
		cmd_gate_print(c, stdout, g);
		if (cmd_gate_unapproved(c, g->model, NULL) != 0)
			return CLI_FAIL;
	}
	if (!allow)
		return err_set(&c->e, ERR_DENIED, "the gate denies %s v%" PRId64 " -> %s", g->model, g->version, g->to);
	return 0;
}

int cmd_gate_run(struct cli_ctx *c)
{
	struct gate g;
	int64_t version;
	int r;

	if (registry_version_parse(c->pos[1], &version, &c->e) != 0)
		return CLI_USAGE;
	if (gate_evaluate(c->st, c->pos[0], version, cli_opt(c, "to"), 0, &g, &c->e) != 0) {
		gate_free(&g); /* what was gathered before the failure */
		return CLI_FAIL;
	}
	r = cmd_gate_report(c, &g);
	gate_free(&g);
	return r == 0 ? 0 : CLI_FAIL;
}

int cmd_promote_apply(struct cli_ctx *c)
{
	struct gate g;
	int64_t request, seq = 0;
	int r;

	if (approval_id_parse("request", c->pos[0], &request, &c->e) != 0)
		return CLI_USAGE;
	if (store_begin(c->st, &c->e) != 0)
		return CLI_FAIL;
	{
		struct plugin_backend be;

		plugin_backend_init(&be, c->st, c->config);
		r = gate_apply(c->st, &c->who, request, &be.gb, &g, &seq, &c->e);
		plugin_backend_free(&be);
	}
	if (r != 0 || store_commit(c->st, &c->e) != 0) {
		store_rollback(c->st);
		if (r == 1) {
			/* Nothing moved: show exactly which rules stand in the way. */
			cmd_gate_print(c, stderr, &g);
			err_set(&c->e, ERR_DENIED, "request %" PRId64 " not applied: the gate denies it; nothing changed", request);
		}
		gate_free(&g);
		return CLI_FAIL;
	}
	if (c->json) {
		json_t *o = cmd_gate_json(&g);

		if (o == NULL || cli_json_int(o, "seq", seq) || cli_json_int(o, "applied", request)) {
			json_decref(o);
			gate_free(&g);
			return cli_json_fail(&c->e);
		}
		gate_free(&g);
		return cli_json_print(o, &c->e) < 0 ? CLI_FAIL : 0;
	}
	cmd_gate_print(c, stdout, &g);
	printf("applied request %" PRId64 ": %s of %s now points at version %" PRId64 " (ledger entry %" PRId64 ")\n",
	       request, cli_safe(c, g.to), cli_safe(c, g.model), g.version, seq);
	gate_free(&g);
	return 0;
}

int cmd_rollback_run(struct cli_ctx *c)
{
	const char *alias = cli_opt(c, "alias") ? cli_opt(c, "alias") : "production", *tos = cli_opt(c, "to");
	struct gate g;
	int64_t to = 0, review = 0;
	int r;

	if (tos != NULL && registry_version_parse(tos, &to, &c->e) != 0)
		return CLI_USAGE;
	if (store_begin(c->st, &c->e) != 0)
		return CLI_FAIL;
	{
		struct plugin_backend be;

		plugin_backend_init(&be, c->st, c->config);
		r = gate_rollback(c->st, &c->who, c->pos[0], alias, to, cli_opt(c, "reason"), &be.gb, &g, &review, &c->e);
		plugin_backend_free(&be);
	}
	if (r != 0 || store_commit(c->st, &c->e) != 0) {
		store_rollback(c->st);
		if (r == 1) {
			cmd_gate_print(c, stderr, &g);
			err_set(&c->e, ERR_DENIED, "rollback of %s refused by policy; nothing changed", c->pos[0]);
		}
		gate_free(&g);
		return CLI_FAIL;
	}
	if (c->json) {
		json_t *o = cmd_gate_json(&g);

		if (o == NULL || cli_json_str(o, "alias", alias) || cli_json_int(o, "rolled_back_to", g.version) ||
		    cli_json_int_or_null(o, "review_request", review) || cli_json_int_or_null(o, "traffic_seq", g.traffic_seq)) {
			json_decref(o);
			gate_free(&g);
			return cli_json_fail(&c->e);
		}
		gate_free(&g);
		return cli_json_print(o, &c->e) < 0 ? CLI_FAIL : 0;
	}
	printf("rolled %s of %s back to version %" PRId64 "\n", alias, cli_safe(c, c->pos[0]), g.version);
	if (g.traffic_seq != 0)
		printf("live traffic: all of it on version %" PRId64 ", every other version drained (ledger entry %" PRId64 ")\n",
		       g.version, g.traffic_seq);
	if (review != 0)
		printf("post-incident review: request %" PRId64 " needs a signed decision (see 'steward request show %" PRId64 "')\n",
		       review, review);
	gate_free(&g);
	return 0;
}
