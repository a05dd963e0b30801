/* cmd-incident: `steward incident open|ack|note|resolve|list|show`: incidents on models, each act a signed ledger entry, and their timelines. */
#include "cli.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "approval.h"
#include "check.h"
#include "incident.h"

static json_t *cmd_incident_json(const struct incident *x)
{
	json_t *o = json_object();

	if (o == NULL || cli_json_int(o, "id", x->id) || cli_json_str(o, "model", x->model) ||
	    cli_json_str(o, "title", x->title) || cli_json_str(o, "severity", x->severity) ||
	    cli_json_str(o, "state", x->state) ||
	    (x->owner[0] ? cli_json_str(o, "owner", x->owner) : json_object_set_new(o, "owner", json_null())) ||
	    cli_json_str(o, "opened_by", x->opened_by) || cli_json_time(o, "opened", x->opened) ||
	    cli_json_time(o, "acked", x->acked) || cli_json_time(o, "resolved", x->resolved) ||
	    (x->alert[0] ? cli_json_str(o, "alert", x->alert) : json_object_set_new(o, "alert", json_null())) ||
	    cli_json_int(o, "seq", x->seq)) {
		json_decref(o);
		return NULL;
	}
	return o;
}

/* The incident and its timeline, as `show --json` and the acts' --json print them. */
static int cmd_incident_print_json(struct cli_ctx *c, const struct incident *x, const struct incident_event *ev,
				   size_t nev)
{
	json_t *o = cmd_incident_json(x), *tl = json_array();
	size_t i;

	if (o == NULL || tl == NULL || json_object_set(o, "timeline", tl) != 0)
		goto nomem;
	for (i = 0; i < nev; i++) {
		json_t *v = json_object();

		if (v == NULL || json_array_append_new(tl, v) != 0 || cli_json_int(v, "seq", ev[i].seq) ||
		    cli_json_time(v, "time", ev[i].time) || cli_json_str(v, "actor", ev[i].actor) ||
		    cli_json_str(v, "kind", ev[i].kind) || cli_json_str(v, "text", ev[i].text))
			goto nomem;
	}
	json_decref(tl);
	return cli_json_print(o, &c->e) == 0 ? 0 : CLI_FAIL;
nomem:
	json_decref(tl);
	json_decref(o);
	return cli_json_fail(&c->e);
}

/* "3h05m" since t, by the store's clock. */
static const char *cmd_incident_age(int64_t t, char *buf, size_t n)
{
	check_duration_text(store_now() - t, buf, n);
	return buf;
}

static int cmd_incident_show_text(struct cli_ctx *c, const struct incident *x, const struct incident_event *ev,
				  size_t nev)
{
	static const char *const head[] = { "TIME", "ACTOR", "KIND", "ENTRY", "TEXT" };
	char t1[32], t2[32], age[32];
	struct cli_table *t;
	size_t i;

	printf("incident %" PRId64 ": %s\n", x->id, cli_safe(c, x->title));
	printf("  model:     %s\n", cli_safe(c, x->model));
	printf("  severity:  %s\n", cli_safe(c, x->severity));
	printf("  state:     %s\n", cli_safe(c, x->state));
	printf("  owner:     %s\n", x->owner[0] ? cli_safe(c, x->owner) : "- (nobody acknowledged it)");
	printf("  opened:    %s by %s, %s ago (ledger entry %" PRId64 ")\n", cli_time(x->opened, t1, sizeof t1),
	       cli_safe(c, x->opened_by), cmd_incident_age(x->opened, age, sizeof age), x->seq);
	if (x->acked != 0)
		printf("  acked:     %s\n", cli_time(x->acked, t1, sizeof t1));
	if (x->resolved != 0)
		printf("  resolved:  %s, after %s\n", cli_time(x->resolved, t1, sizeof t1),
		       (check_duration_text(x->resolved - x->opened, t2, sizeof t2), t2));
	if (x->alert[0] != '\0')
		printf("  alert:     %s\n", cli_safe(c, x->alert));
	printf("\n");
	t = cli_table_new(5, head);
	if (t == NULL)
		return cli_json_fail(&c->e);
	for (i = 0; i < nev; i++) {
		char seq[24];
		const char *cells[5];

		snprintf(seq, sizeof seq, "%" PRId64, ev[i].seq);
		cells[0] = cli_time(ev[i].time, t1, sizeof t1);
		cells[1] = ev[i].actor;
		cells[2] = ev[i].kind;
		cells[3] = seq;
		cells[4] = ev[i].text[0] ? ev[i].text : "-";
		if (cli_table_add(t, cells) != 0) {
			cli_table_free(t);
			return cli_json_fail(&c->e);
		}
	}
	cli_table_print(t);
	cli_table_free(t);
	return 0;
}

/* After an act: the incident as it stands, for --json. */
static int cmd_incident_after(struct cli_ctx *c, int64_t id)
{
	struct incident_event *ev = NULL;
	struct incident x;
	size_t nev = 0;
	int rc;

	if (incident_get(c->st, id, &x, &ev, &nev, &c->e) != 0)
		return CLI_FAIL;
	rc = cmd_incident_print_json(c, &x, ev, nev);
	incident_free(ev);
	return rc;
}

/* Runs one act in its own transaction: all of it is written, or nothing. */
static int cmd_incident_commit(struct cli_ctx *c, int rc)
{
	if (rc == 0 && store_commit(c->st, &c->e) == 0)
		return 0;
	store_rollback(c->st);
	return CLI_FAIL;
}

int cmd_incident_open(struct cli_ctx *c)
{
	const char *severity = cli_opt(c, "severity"), *title = cli_opt(c, "title"), *alert = cli_opt(c, "alert");
	int64_t id = 0;

	/* Said before the store is touched, as a usage error. */
	if (incident_check_severity(severity, &c->e) != 0 ||
	    check_text("title", title, INCIDENT_TITLE_MAX, 0, 0, &c->e) != 0)
		return CLI_USAGE;
	if (store_begin(c->st, &c->e) != 0)
		return CLI_FAIL;
	if (cmd_incident_commit(c, incident_open(c->st, &c->who, c->pos[0], severity, title, alert, &id, &c->e)) != 0)
		return CLI_FAIL;
	if (c->json)
		return cmd_incident_after(c, id);
	printf("incident %" PRId64 " opened: %s on %s, by %s\n", id, severity, cli_safe(c, c->pos[0]),
	       cli_safe(c, c->who.name));
	return 0;
}

int cmd_incident_ack(struct cli_ctx *c)
{
	int64_t id;

	if (approval_id_parse("incident", c->pos[0], &id, &c->e) != 0)
		return CLI_USAGE;
	if (store_begin(c->st, &c->e) != 0)
		return CLI_FAIL;
	if (cmd_incident_commit(c, incident_ack(c->st, &c->who, id, &c->e)) != 0)
		return CLI_FAIL;
	if (c->json)
		return cmd_incident_after(c, id);
	printf("incident %" PRId64 " acknowledged: %s owns it\n", id, cli_safe(c, c->who.name));
	return 0;
}

int cmd_incident_note(struct cli_ctx *c)
{
	int64_t id;

	if (approval_id_parse("incident", c->pos[0], &id, &c->e) != 0 ||
	    check_text("note", c->pos[1], INCIDENT_TEXT_MAX, 0, 0, &c->e) != 0)
		return CLI_USAGE;
	if (store_begin(c->st, &c->e) != 0)
		return CLI_FAIL;
	if (cmd_incident_commit(c, incident_note(c->st, &c->who, id, "note", c->pos[1], &c->e)) != 0)
		return CLI_FAIL;
	if (c->json)
		return cmd_incident_after(c, id);
	printf("incident %" PRId64 ": note added by %s\n", id, cli_safe(c, c->who.name));
	return 0;
}

int cmd_incident_resolve(struct cli_ctx *c)
{
	int64_t id;

	if (approval_id_parse("incident", c->pos[0], &id, &c->e) != 0 ||
	    (cli_opt(c, "note") != NULL && check_text("note", cli_opt(c, "note"), INCIDENT_TEXT_MAX, 0, 1, &c->e) != 0))
		return CLI_USAGE;
	if (store_begin(c->st, &c->e) != 0)
		return CLI_FAIL;
	if (cmd_incident_commit(c, incident_resolve(c->st, &c->who, id, cli_opt(c, "note"), &c->e)) != 0)
		return CLI_FAIL;
	if (c->json)
		return cmd_incident_after(c, id);
	printf("incident %" PRId64 " resolved by %s\n", id, cli_safe(c, c->who.name));
	return 0;
}

/* incident list's pass over the incidents, as model list's over models. */
struct cmd_incident_pass {
	struct cli_ctx *c;
	struct cli_list json;
	struct cli_cols cols;
	size_t n;
};

static int cmd_incident_row(void *arg, const struct incident *x, struct err *e)
{
	struct cmd_incident_pass *p = arg;
	char id[24], age[32];
	const char *cells[7] = { id, x->state, x->severity, x->model, age, x->owner[0] ? x->owner : "-", x->title };
	int rc;

	p->n++;
	if (p->c->json)
		return cli_json_item(&p->json, cmd_incident_json(x), e);
	snprintf(id, sizeof id, "%" PRId64, x->id);
	/* A resolved incident's age is how long it lasted. */
	if (x->resolved != 0)
		check_duration_text(x->resolved - x->opened, age, sizeof age);
	else
		cmd_incident_age(x->opened, age, sizeof age);
	rc = cli_cols_row(&p->cols, cells);
	return rc != 0 ? cli_out_fail(e) : 0;
}

/* incident list's table pass: the query rides beside the pass. */
struct cmd_incident_table {
	struct cmd_incident_pass p;
	const struct incident_query *q;
};

static int cmd_incident_pass_run(void *arg, struct err *e)
{
	struct cmd_incident_table *t = arg;

	t->p.n = 0;
	return incident_each(t->p.c->st, t->q, cmd_incident_row, &t->p, e);
}

static const char *cmd_incident_empty(void *arg)
{
	const struct cmd_incident_table *t = arg;

	if (t->p.n > 0)
		return NULL;
	return t->q->all ? "no incidents" : "no open incidents (--all lists resolved ones too)";
}

int cmd_incident_list(struct cli_ctx *c)
{
	static const char *const head[] = { "ID", "STATE", "SEVERITY", "MODEL", "AGE", "OWNER", "TITLE" };
	struct incident_query q = { .all = cli_opt(c, "all") != NULL, .model = cli_opt(c, "model") };
	struct cmd_incident_table t = { .p = { .c = c }, .q = &q };

	if (cli_opt_limit(c, &q.limit) != 0 || cli_opt_since(c, &q.since) != 0)
		return CLI_USAGE;
	/* Incidents are written as they are read: memory holds one at a time. */
	if (c->json) {
		if (incident_each(c->st, &q, cmd_incident_row, &t.p, &c->e) != 0 || cli_json_end(&t.p.json, &c->e) != 0)
			return CLI_FAIL;
		return 0;
	}
	cli_cols_init(&t.p.cols, 7, head);
	return cli_cols_passes(c, &(struct cli_passes){ .cols = &t.p.cols, .head = head, .pass = cmd_incident_pass_run,
							 .empty = cmd_incident_empty, .arg = &t });
}

int cmd_incident_show(struct cli_ctx *c)
{
	struct incident_event *ev = NULL;
	struct incident x;
	size_t nev = 0;
	int64_t id;
	int rc;

	if (approval_id_parse("incident", c->pos[0], &id, &c->e) != 0)
		return CLI_USAGE;
	if (incident_get(c->st, id, &x, &ev, &nev, &c->e) != 0)
		return CLI_FAIL;
	rc = c->json ? cmd_incident_print_json(c, &x, ev, nev) : cmd_incident_show_text(c, &x, ev, nev);
	incident_free(ev);
	return rc;
}
