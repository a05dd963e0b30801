/* cmd-version: `steward version add|list|show|diff`. */
#include "cli.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "compare.h"
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

/* version list's pass over the versions, as model list's over models. */
struct cmd_version_pass {
	struct cli_ctx *c;
	struct cli_list json;
	struct cli_cols cols;
	const char *model;
	const struct reg_list_query *q;
};

static int cmd_version_row(void *arg, const struct reg_version *v, struct err *e)
{
	struct cmd_version_pass *p = arg;
	char num[24], when[32], dig[32];
	const char *row[5] = { num, cli_time(v->created, when, sizeof when), cmd_version_or_dash(v->author),
			       strcmp(v->digest_state, "verified") == 0 ? cli_short_digest(v->digest, dig, sizeof dig)
									: v->digest_state,
			       cmd_version_or_dash(v->aliases) };
	int rc;

	if (p->c->json)
		return cli_json_item(&p->json, cmd_version_json(v), e);
	snprintf(num, sizeof num, "%lld", (long long)v->version);
	rc = cli_cols_row(&p->cols, row);
	return rc != 0 ? cli_out_fail(e) : 0;
}

static int cmd_version_pass_run(void *arg, struct err *e)
{
	struct cmd_version_pass *p = arg;

	return registry_version_each(p->c->st, p->model, p->q, cmd_version_row, p, e);
}

int cmd_version_list(struct cli_ctx *c)
{
	static const char *const head[] = { "VERSION", "CREATED", "AUTHOR", "DIGEST", "ALIASES" };
	struct cmd_version_pass p = { .c = c };
	struct reg_list_query q = { 0 };
	int rc = 0;

	if (cli_opt_limit(c, &q.limit) != 0 || cli_opt_since(c, &q.since) != 0)
		return CLI_USAGE;
	/* Every page (and both passes of a table) read one snapshot. */
	if (store_read_begin(c->st, &c->e) != 0)
		return CLI_FAIL;
	/* Versions are written as they are read: memory holds a page of them. */
	if (c->json) {
		if (registry_version_each(c->st, c->pos[0], &q, cmd_version_row, &p, &c->e) != 0 ||
		    cli_json_end(&p.json, &c->e) != 0)
			rc = CLI_FAIL;
		store_read_end(c->st);
		return rc;
	}
	cli_cols_init(&p.cols, 5, head);
	p.model = c->pos[0];
	p.q = &q;
	rc = cli_cols_passes(c, &(struct cli_passes){ .cols = &p.cols, .head = head, .pass = cmd_version_pass_run, .arg = &p });
	store_read_end(c->st);
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

/* ---- version diff ---- */

/* A diff line as its own string: the store's text ends at the line, not the card. */
static char *cmd_version_line(const struct diff_line *d)
{
	char *s = malloc(d->len + 1);

	if (s != NULL) {
		memcpy(s, d->s, d->len);
		s[d->len] = '\0';
	}
	return s;
}

static const char *cmd_version_verdict(const struct compare_metric *m)
{
	if (!m->has_old || !m->has_new)
		return NULL;
	if (m->verdict > 0)
		return "better";
	if (m->verdict < 0)
		return "worse";
	return m->delta == 0 || m->direction != 0 ? "same" : NULL;
}

static json_t *cmd_version_result_json(const struct rule_result *r)
{
	json_t *o;

	if (r == NULL)
		return json_null();
	o = json_object();
	if (o == NULL || cli_json_str(o, "status", policy_status_name(r->status)) ||
	    cli_json_str(o, "evidence", r->evidence) || cli_json_str(o, "reason", r->reason)) {
		json_decref(o);
		return NULL;
	}
	return o;
}

static json_t *cmd_version_diff_lines_json(const struct diff *d)
{
	static const char *const op[] = {
		[DIFF_SAME] = "same", [DIFF_DEL] = "del", [DIFF_ADD] = "add", [DIFF_SKIP] = "skip"
	};
	json_t *a = json_array();
	size_t i;

	for (i = 0; a != NULL && i < d->n; i++) {
		json_t *o = json_object(), *t = NULL;

		if (o != NULL && d->v[i].op != DIFF_SKIP) {
			t = json_stringn(d->v[i].s, d->v[i].len);
			/* Not UTF-8 (a tampered store): the escaped text rather than nothing. */
			if (t == NULL) {
				char *line = cmd_version_line(&d->v[i]), *esc = line ? check_escape(line, 0) : NULL;

				t = esc ? json_string(esc) : NULL;
				free(line);
				free(esc);
			}
		}
		if (o == NULL || cli_json_str(o, "op", op[d->v[i].op]) ||
		    (d->v[i].op == DIFF_SKIP ? cli_json_int(o, "lines", (int64_t)d->v[i].skipped)
					     : json_object_set_new(o, "text", t) != 0) ||
		    json_array_append_new(a, o) != 0) {
			json_decref(a);
			return NULL;
		}
	}
	return a;
}

static json_t *cmd_version_diff_json(const struct compare *c)
{
	json_t *o = json_object(), *met = json_array(), *sec = json_array(), *gate = json_object(),
	       *rules = json_array();
	size_t i;
	int bad = o == NULL || met == NULL || sec == NULL || gate == NULL || rules == NULL;

	bad = bad || cli_json_str(o, "model", c->model) || cli_json_int(o, "base", c->base) ||
	      cli_json_str(o, "base_stage", c->base_stage) || cli_json_int(o, "version", c->version) ||
	      cli_json_str(o, "stage", c->stage);
	for (i = 0; !bad && i < c->nm; i++) {
		const struct compare_metric *m = &c->m[i];
		json_t *x = json_object();
		const char *v = cmd_version_verdict(m);

		bad = x == NULL || json_array_append_new(met, x) != 0 || cli_json_str(x, "name", m->name) ||
		      cli_json_str(x, "dataset", m->dataset) || cli_json_str(x, "slice", m->slice) ||
		      (m->has_old ? cli_json_real(x, "base", m->old)
				  : json_object_set_new(x, "base", json_null()) != 0) ||
		      (m->has_new ? cli_json_real(x, "value", m->value)
				  : json_object_set_new(x, "value", json_null()) != 0) ||
		      (m->has_old && m->has_new ? cli_json_real(x, "delta", m->delta)
						: json_object_set_new(x, "delta", json_null()) != 0) ||
		      json_object_set_new(x, "direction",
					  m->direction ? json_string(m->direction > 0 ? "higher" : "lower")
						       : json_null()) != 0 ||
		      json_object_set_new(x, "direction_from",
					  m->direction_from ? json_string(m->direction_from)
							    : json_null()) != 0 ||
		      json_object_set_new(x, "verdict", v ? json_string(v) : json_null()) != 0;
	}
	bad = bad || cli_json_str(gate, "from", c->from) || cli_json_str(gate, "to", c->to) ||
	      json_object_set_new(gate, "error", c->g ? json_null() : json_string(c->gate_err)) != 0;
	if (!bad && c->g != NULL)
		bad = cli_json_str(gate, "policy", c->g->policy_name) ||
		      cli_json_int(gate, "policy_version", c->g->policy_version) ||
		      json_object_set_new(gate, "base_refusal",
					  c->base_g->refusal[0] ? json_string(c->base_g->refusal)
								: json_null()) != 0 ||
		      json_object_set_new(gate, "refusal",
					  c->g->refusal[0] ? json_string(c->g->refusal) : json_null()) != 0 ||
		      cli_json_bool(gate, "base_allow", c->base_g->allow) ||
		      cli_json_bool(gate, "allow", c->g->allow);
	for (i = 0; !bad && i < c->nrules; i++) {
		const struct compare_rule *r = &c->rules[i];
		const struct rule_result *any = r->now ? r->now : r->old;
		json_t *x = json_object();

		bad = x == NULL || json_array_append_new(rules, x) != 0 ||
		      cli_json_str(x, "rule", any->rule->name) ||
		      cli_json_str(x, "kind", policy_kind_name(any->rule->kind)) ||
		      cli_json_str(x, "judges", compare_rule_scope(any->rule->kind)) ||
		      cli_json_bool(x, "changed", r->changed) ||
		      json_object_set_new(x, "base", cmd_version_result_json(r->old)) != 0 ||
		      json_object_set_new(x, "version", cmd_version_result_json(r->now)) != 0;
	}
	bad = bad || json_object_set_new(gate, "rules", rules) != 0;
	rules = NULL;
	for (i = 0; !bad && i < c->nsec; i++) {
		const struct compare_section *s = &c->sec[i];
		json_t *x = json_object();

		bad = x == NULL || json_array_append_new(sec, x) != 0 ||
		      cli_json_str(x, "title", s->title) ||
		      cli_json_str(x, "state", compare_state_name(s->state)) ||
		      cli_json_bool(x, "too_large", s->d.too_large);
		if (!bad && s->state != COMPARE_SAME)
			bad = cli_json_int(x, "added", (int64_t)s->d.adds) ||
			      cli_json_int(x, "removed", (int64_t)s->d.dels) ||
			      json_object_set_new(x, "lines", cmd_version_diff_lines_json(&s->d)) != 0;
	}
	bad = bad || json_object_set_new(o, "metrics", met) != 0;
	met = NULL;
	bad = bad || json_object_set_new(o, "gate", gate) != 0;
	gate = NULL;
	bad = bad || json_object_set_new(o, "card", sec) != 0;
	sec = NULL;
	json_decref(met);
	json_decref(gate);
	json_decref(sec);
	json_decref(rules);
	if (bad) {
		json_decref(o);
		return NULL;
	}
	return o;
}

static void cmd_version_diff_metrics(struct cli_ctx *c, const struct compare *cmp)
{
	static const char *const head[] = { "METRIC", "DATASET", "SLICE", "BASE", "VALUE", "DELTA", "" };
	struct cli_table *t;
	size_t i;

	if (cmp->nm == 0) {
		printf("metrics: none recorded for either version\n");
		return;
	}
	t = cli_table_new(7, head);
	for (i = 0; t != NULL && i < cmp->nm; i++) {
		const struct compare_metric *m = &cmp->m[i];
		char old[40], now[40], delta[48], only[40];
		const char *v = cmd_version_verdict(m);
		const char *row[7] = { m->name, m->dataset[0] ? m->dataset : "-",
				       m->slice[0] ? m->slice : "all", m->has_old ? cli_double(m->old, old, sizeof old) : "-",
				       m->has_new ? cli_double(m->value, now, sizeof now) : "-", "-", v ? v : "" };

		if (m->has_old && m->has_new) {
			/* Six significant digits: the difference of two doubles carries noise past them. */
			if (m->delta == 0)
				snprintf(delta, sizeof delta, "0");
			else
				snprintf(delta, sizeof delta, "%+.6g", m->delta);
			row[5] = delta;
		} else {
			snprintf(only, sizeof only, "only v%" PRId64, m->has_new ? cmp->version : cmp->base);
			row[6] = only;
		}
		if (cli_table_add(t, row) != 0)
			break;
	}
	if (t != NULL)
		cli_table_print(t);
	cli_table_free(t);
	for (i = 0; i < cmp->nm; i++) {
		const struct compare_metric *m = &cmp->m[i];

		if (i > 0 && strcmp(cmp->m[i - 1].name, m->name) == 0)
			continue;
		if (m->direction == 0)
			printf("  %s: direction unknown, not judged\n", cli_safe(c, m->name));
		else
			printf("  %s: %s is better (%s%s)\n", cli_safe(c, m->name),
			       m->direction > 0 ? "higher" : "lower",
			       strcmp(m->direction_from, "convention") == 0 ? "" : "policy rule ",
			       cli_safe(c, m->direction_from));
	}
}

static void cmd_version_diff_gate(struct cli_ctx *c, const struct compare *cmp)
{
	size_t i;

	printf("\ngate %s -> %s", cmp->from, cmp->to);
	if (cmp->g == NULL) {
		printf(": not evaluated: %s\n", cli_safe(c, cmp->gate_err));
		return;
	}
	if (cmp->g->policy_name[0] != '\0')
		printf(" (policy %s v%" PRId64 ", both judged as if at %s)", cli_safe(c, cmp->g->policy_name),
		       cmp->g->policy_version, cmp->from);
	printf("\n");
	if (cmp->base_g->refusal[0] != '\0')
		printf("  v%" PRId64 ": DENY %s\n", cmp->base, cli_safe(c, cmp->base_g->refusal));
	if (cmp->g->refusal[0] != '\0')
		printf("  v%" PRId64 ": DENY %s\n", cmp->version, cli_safe(c, cmp->g->refusal));
	if (cmp->nrules > 0 && cmp->nrules_changed == 0)
		printf("  no rule changes result\n");
	for (i = 0; i < cmp->nrules; i++) {
		const struct compare_rule *r = &cmp->rules[i];
		const struct rule_result *any = r->now ? r->now : r->old;
		const char *scope = compare_rule_scope(any->rule->kind);
		int side;

		if (!r->changed)
			continue;
		printf("  %s%s%s%s\n", cli_safe(c, any->rule->name), strcmp(scope, "version") ? " (judges the " : "",
		       strcmp(scope, "version") ? scope : "", strcmp(scope, "version") ? ", not the version)" : "");
		for (side = 0; side < 2; side++) {
			const struct rule_result *x = side ? r->now : r->old;

			printf("    v%-4" PRId64 " %-7s %s  %s\n", side ? cmp->version : cmp->base,
			       x ? policy_status_name(x->status) : "-", x ? cli_safe(c, x->evidence) : "",
			       x ? cli_safe(c, x->reason) : "no such rule");
		}
	}
	for (i = 0; i < cmp->nrules; i++)
		/* An unchanged rule is on both sides (compare.c); the test says so to the analyser too. */
		if (!cmp->rules[i].changed && cmp->rules[i].now != NULL)
			printf("  same: %s %s\n", cli_safe(c, cmp->rules[i].now->rule->name),
			       policy_status_name(cmp->rules[i].now->status));
}

static int cmd_version_diff_card(struct cli_ctx *c, const struct compare *cmp)
{
	size_t i, k;

	printf("\ncard: %zu of %zu sections differ\n", cmp->nsec_changed, cmp->nsec);
	if (cmp->card.n == 0)
		printf("  v%" PRId64 " has no model card\n", cmp->version);
	if (cmp->base_card.n == 0)
		printf("  v%" PRId64 " has no model card\n", cmp->base);
	for (i = 0; i < cmp->nsec; i++)
		if (cmp->sec[i].state == COMPARE_SAME)
			printf("  unchanged: %s\n", cli_safe(c, cmp->sec[i].title));
	if (cmp->nsec_changed > 0)
		printf("--- v%" PRId64 "\n+++ v%" PRId64 "\n", cmp->base, cmp->version);
	for (i = 0; i < cmp->nsec; i++) {
		const struct compare_section *s = &cmp->sec[i];

		if (s->state == COMPARE_SAME)
			continue;
		if (s->d.too_large) {
			printf("## %s: %s (too large to diff: %zu lines before, %zu after)\n", cli_safe(c, s->title),
			       compare_state_name(s->state), s->d.old_lines, s->d.new_lines);
			continue;
		}
		printf("## %s: %s (+%zu -%zu)\n", cli_safe(c, s->title), compare_state_name(s->state), s->d.adds,
		       s->d.dels);
		for (k = 0; k < s->d.n; k++) {
			const struct diff_line *d = &s->d.v[k];
			char *line;

			if (d->op == DIFF_SKIP) {
				printf("@@ %zu unchanged line%s @@\n", d->skipped, d->skipped == 1 ? "" : "s");
				continue;
			}
			line = cmd_version_line(d);
			if (line == NULL)
				return err_set(&c->e, ERR_IO, "out of memory");
			printf("%c%s\n", d->op == DIFF_ADD ? '+' : d->op == DIFF_DEL ? '-' : ' ', cli_safe(c, line));
			free(line);
		}
	}
	return 0;
}

int cmd_version_diff(struct cli_ctx *c)
{
	struct compare cmp;
	int64_t base, version;
	int rc = 0;

	if (compare_parse_version(c->st, c->pos[0], c->pos[1], &base, &c->e) != 0 ||
	    compare_parse_version(c->st, c->pos[0], c->pos[2], &version, &c->e) != 0 ||
	    compare_versions(c->st, c->pos[0], version, base, &cmp, &c->e) != 0)
		return CLI_FAIL;
	if (c->json) {
		json_t *o = cmd_version_diff_json(&cmp);

		rc = o == NULL ? cli_json_fail(&c->e) : cli_json_print(o, &c->e) < 0 ? CLI_FAIL : 0;
		compare_free(&cmp);
		return rc;
	}
	printf("%s: v%" PRId64 " (%s) -> v%" PRId64 " (%s)\n\n", cli_safe(c, cmp.model), base, cmp.base_stage, version,
	       cmp.stage);
	cmd_version_diff_metrics(c, &cmp);
	cmd_version_diff_gate(c, &cmp);
	if (cmd_version_diff_card(c, &cmp) != 0)
		rc = CLI_FAIL;
	compare_free(&cmp);
	return rc;
}
