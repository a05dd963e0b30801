/* action: the table binding keys and `:` commands to handlers, and the dispatcher that runs them. */
#include "action.h"

#include <stdio.h>
#include <string.h>

#include <sodium.h>

#include "app.h"
#include "incident.h"
#include "keyring.h"
#include "tkey.h"

static struct view *action_view(struct app *a)
{
	return app_top(a);
}

static int action_down(struct app *a, const char *arg)
{
	(void)arg;
	list_move(&action_view(a)->list, 1);
	return 0;
}

static int action_up(struct app *a, const char *arg)
{
	(void)arg;
	list_move(&action_view(a)->list, -1);
	return 0;
}

static int action_first(struct app *a, const char *arg)
{
	(void)arg;
	list_first(&action_view(a)->list);
	return 0;
}

static int action_last(struct app *a, const char *arg)
{
	(void)arg;
	list_last(&action_view(a)->list);
	return 0;
}

static int action_pgdn(struct app *a, const char *arg)
{
	(void)arg;
	list_page(&action_view(a)->list, 1);
	return 0;
}

static int action_pgup(struct app *a, const char *arg)
{
	(void)arg;
	list_page(&action_view(a)->list, 0);
	return 0;
}

static int action_open(struct app *a, const char *arg)
{
	struct view *v = action_view(a);
	struct err e;

	(void)arg;
	err_clear(&e);
	if (v->ops->enter == NULL)
		return 0;
	if (v->ops->enter(a, v, &e) != 0) {
		app_error(a, "%s", e.msg);
		return -1;
	}
	return 0;
}

static int action_back(struct app *a, const char *arg)
{
	struct view *v = action_view(a);
	struct err e;

	(void)arg;
	err_clear(&e);
	/* A move searching a filter's far matches: Esc stops it, staying. */
	if (v->list.searching) {
		list_search_cancel(&v->list);
		app_message(a, "search stopped");
	} else if (a->depth > 1) {
		app_pop(a);
	} else if (v->list.filter[0] != '\0') {
		/* At the top there is nowhere to go back to; Esc undoes the filter instead. */
		if (list_set_filter(&v->list, "", &e) != 0)
			app_error(a, "%s", e.msg);
	}
	return 0;
}

static int action_filter(struct app *a, const char *arg)
{
	struct view *v = action_view(a);
	struct err e;

	(void)arg;
	err_clear(&e);
	a->mode = APP_FILTER;
	a->line[0] = '\0';
	if (list_set_filter(&v->list, "", &e) != 0)
		app_error(a, "%s", e.msg);
	return 0;
}

static int action_command_line(struct app *a, const char *arg)
{
	(void)arg;
	a->mode = APP_COMMAND;
	a->line[0] = '\0';
	a->hpos = a->nhistory;
	a->draft[0] = '\0';
	return 0;
}

static int action_help(struct app *a, const char *arg)
{
	(void)arg;
	if (action_view(a)->ops == &view_help_ops)
		return 0;
	return app_push(a, &view_help_ops, NULL);
}

static int action_quit_or_back(struct app *a, const char *arg)
{
	(void)arg;
	if (a->depth > 1)
		app_pop(a);
	else
		a->quit = 1;
	return 0;
}

/* s (next column) and S (reverse): the one place a table is sorted from. */
static int action_sort_by(struct app *a, int reverse)
{
	struct list *l = &action_view(a)->list;
	struct err e;

	err_clear(&e);
	if (l->src != NULL) {
		app_error(a, "not sorted here: the rows are read from the store in its order, a window at a time");
		return -1;
	}
	if (!list_sortable(l)) {
		app_error(a, "nothing to sort here: this view is not a table");
		return -1;
	}
	if ((reverse ? list_sort_reverse(l, &e) : list_sort_next(l, &e)) != 0) {
		app_error(a, "%s", e.msg);
		return -1;
	}
	if (l->sort_col < 0)
		app_message(a, "in the view's own order");
	else if (reverse)
		app_message(a, "sorted by %s, %s", l->cols[l->sort_col].title,
			    l->sort_desc ? "descending" : "ascending");
	else
		app_message(a, "sorted by %s", l->cols[l->sort_col].title);
	return 0;
}

static int action_sort(struct app *a, const char *arg)
{
	(void)arg;
	return action_sort_by(a, 0);
}

static int action_sort_reverse(struct app *a, const char *arg)
{
	(void)arg;
	return action_sort_by(a, 1);
}

static int action_run(struct app *a, const struct action *act, const char *arg);

/* A click selects the row under it; on the selected row it opens it, as Enter would. */
static int action_click(struct app *a, const char *arg)
{
	struct view *v = action_view(a);
	int hit;

	(void)arg;
	hit = list_click(&v->list, a->mouse_y);
	if (hit == 2)
		return action_run(a, action_by_id(ACT_OPEN), NULL);
	return 0;
}

static int action_wheel_up(struct app *a, const char *arg)
{
	(void)arg;
	list_move(&action_view(a)->list, -3);
	return 0;
}

static int action_wheel_down(struct app *a, const char *arg)
{
	(void)arg;
	list_move(&action_view(a)->list, 3);
	return 0;
}

static int action_models(struct app *a, const char *arg)
{
	(void)arg;
	return app_goto(a, &view_models_ops, NULL);
}

static int action_approvals(struct app *a, const char *arg)
{
	struct view_arg va = {.scope = arg != NULL ? arg : ""};

	return app_goto(a, &view_approvals_ops, &va);
}

/* :approvals takes t and H over; elsewhere there is no queue to switch. */
static int action_approvals_only(struct app *a, const char *arg)
{
	(void)arg;
	app_error(a, "t and H switch what :approvals shows: open it first");
	return -1;
}

/* From a model or version (anything whose view has a scope) the trail
 * is scoped to it; w in the audit view widens it to the whole ledger. */
static int action_audit(struct app *a, const char *arg)
{
	const struct view *top = app_top_const(a);
	struct view_arg scope = {0};
	char model[256] = "";

	(void)arg;
	if (top != NULL && top->ops->scope != NULL) {
		top->ops->scope(top, &scope);
		/* Borrowed from the view, which may be closed before the push. */
		snprintf(model, sizeof model, "%s", scope.model != NULL ? scope.model : "");
		scope.model = model[0] != '\0' ? model : NULL;
	}
	return app_goto(a, &view_audit_ops, &scope);
}

/* The audit view takes w over when it was opened on a scope. */
static int action_audit_scope(struct app *a, const char *arg)
{
	(void)arg;
	app_error(a, "nothing to widen: this audit list is the whole ledger "
		     "(:audit from a model or version is scoped to it)");
	return -1;
}

static int action_keys(struct app *a, const char *arg)
{
	(void)arg;
	return app_goto(a, &view_keys_ops, NULL);
}

static int action_policies(struct app *a, const char *arg)
{
	(void)arg;
	return app_goto(a, &view_policies_ops, NULL);
}

/* Views with requests take a and r over; anywhere else there is nothing to decide. */
static int action_decide(struct app *a, const char *arg)
{
	(void)arg;
	app_error(a, "no request here: open :approvals (or a version with an open request) and select one");
	return -1;
}

/* The version view takes p over; elsewhere there is no version to promote. */
static int action_promote(struct app *a, const char *arg)
{
	(void)arg;
	app_error(a, "no version here: open one (Enter on a model, then on a version) "
		     "to request its promotion");
	return -1;
}

/* c and :compare [VERSION]: the view names the version (view_ops.subject); the argument picks the other side. */
static int action_compare(struct app *a, const char *arg)
{
	return view_compare_start(a, arg);
}

/* The version view, :approvals and a request take P over. */
static int action_apply(struct app *a, const char *arg)
{
	(void)arg;
	app_error(a, "nothing to apply here: open a version, or select a request in :approvals");
	return -1;
}

/* The models list and a model's view take R over. */
static int action_rollback(struct app *a, const char *arg)
{
	(void)arg;
	app_error(a, "no model here: select one in :models to roll back its production alias");
	return -1;
}

static int action_monitor(struct app *a, const char *arg)
{
	(void)arg;
	return app_goto(a, &view_monitor_ops, NULL);
}

static int action_alerts(struct app *a, const char *arg)
{
	(void)arg;
	return app_goto(a, &view_alerts_ops, NULL);
}

/* :alerts takes s and u over; anywhere else there is no alert to act on. */
static int action_silence(struct app *a, const char *arg)
{
	(void)arg;
	app_error(a, "no alert here: open :alerts and select one");
	return -1;
}

static int action_incidents(struct app *a, const char *arg)
{
	(void)arg;
	return app_goto(a, &view_incidents_ops, NULL);
}

/* :incidents and an incident's timeline take a, A, N and R over; elsewhere there is no incident. */
static int action_incident_only(struct app *a, const char *arg)
{
	(void)arg;
	app_error(a, "no incident here: open :incidents and select one");
	return -1;
}

static int action_deployments(struct app *a, const char *arg)
{
	(void)arg;
	return app_goto(a, &view_deploy_ops, NULL);
}

static int action_playbooks(struct app *a, const char *arg)
{
	(void)arg;
	return app_goto(a, &view_playbooks_ops, NULL);
}

/* :alerts, :playbooks and a run take x over; elsewhere there is nothing to run. */
static int action_respond(struct app *a, const char *arg)
{
	(void)arg;
	app_error(a, "nothing to run here: select a firing alert in :alerts, or a playbook in :playbooks");
	return -1;
}

/* l and :lineage [VERSION]: the version at hand (its subject), else its model's production version. */
static int action_lineage(struct app *a, const char *arg)
{
	return view_lineage_start(a, arg);
}

/* :lineage takes t, Left, Right and * over; elsewhere there is no tree. */
static int action_tree(struct app *a, const char *arg)
{
	(void)arg;
	app_error(a, "no tree here: l on a version (or :lineage) shows its lineage as one");
	return -1;
}

static int action_yes(struct app *a, const char *arg)
{
	(void)arg;
	app_ask_answer(a);
	return 0;
}

static int action_no(struct app *a, const char *arg)
{
	(void)arg;
	app_ask_cancel(a);
	app_message(a, "cancelled");
	return 0;
}

static int action_quit(struct app *a, const char *arg)
{
	(void)arg;
	a->quit = 1;
	return 0;
}

static int action_line_enter(struct app *a, const char *arg)
{
	char line[APP_LINE_MAX];

	(void)arg;
	if (a->mode == APP_FILTER) {
		a->mode = APP_NORMAL;
		return 0;
	}
	if (a->mode == APP_PROMPT || a->mode == APP_SECRET) {
		app_ask_answer(a);
		return 0;
	}
	snprintf(line, sizeof line, "%s", a->line);
	a->mode = APP_NORMAL;
	a->line[0] = '\0';
	app_history_add(a, line);
	return action_command(a, line);
}

/* Tab on the `:` line: the command's name completed as far as the
 * commands that can run here agree, and the choices shown when they part. */
static int action_line_tab(struct app *a, const char *arg)
{
	struct action_match m[32];
	size_t n, i, common;
	char list[APP_LINE_MAX];
	size_t used = 0;

	(void)arg;
	if (a->mode != APP_COMMAND || strchr(a->line, ' ') != NULL)
		return 0;
	n = action_commands_matching(a, a->line, m, sizeof m / sizeof m[0]);
	if (n > sizeof m / sizeof m[0])
		n = sizeof m / sizeof m[0];
	if (n == 0) {
		app_error(a, "no command starts with %s", a->line);
		return 0;
	}
	if (n == 1) {
		snprintf(a->line, sizeof a->line, "%s ", m[0].cmd);
		return 0;
	}
	common = strlen(m[0].cmd);
	for (i = 1; i < n; i++) {
		size_t k = 0;

		while (k < common && m[i].cmd[k] == m[0].cmd[k])
			k++;
		common = k;
	}
	if (common > strlen(a->line) && common < sizeof a->line)
		snprintf(a->line, sizeof a->line, "%.*s", (int)common, m[0].cmd);
	list[0] = '\0';
	for (i = 0; i < n; i++) {
		int w = snprintf(list + used, sizeof list - used, "%s:%s", i ? " " : "", m[i].cmd);

		if (w < 0 || (size_t)w >= sizeof list - used)
			break;
		used += (size_t)w;
	}
	app_message(a, "%s", list);
	return 0;
}

/* Up and Down on the `:` line walk the lines run before; past the newest
 * is the line that was being typed. */
static void action_line_history(struct app *a, int delta)
{
	int to = a->hpos + delta;

	if (a->mode != APP_COMMAND || to < 0 || to > a->nhistory || a->nhistory == 0)
		return;
	if (a->hpos == a->nhistory)
		snprintf(a->draft, sizeof a->draft, "%s", a->line);
	a->hpos = to;
	snprintf(a->line, sizeof a->line, "%s", to == a->nhistory ? a->draft : a->history[to]);
}

static int action_line_prev(struct app *a, const char *arg)
{
	(void)arg;
	action_line_history(a, -1);
	return 0;
}

static int action_line_next(struct app *a, const char *arg)
{
	(void)arg;
	action_line_history(a, 1);
	return 0;
}

static int action_line_esc(struct app *a, const char *arg)
{
	struct err e;

	(void)arg;
	err_clear(&e);
	if (a->mode == APP_PROMPT || a->mode == APP_SECRET)
		return action_no(a, NULL);
	if (a->mode == APP_FILTER && list_set_filter(&action_view(a)->list, "", &e) != 0)
		app_error(a, "%s", e.msg);
	a->mode = APP_NORMAL;
	a->line[0] = '\0';
	return 0;
}

static int action_line_bs(struct app *a, const char *arg)
{
	size_t n = strlen(a->line);
	struct err e;

	(void)arg;
	err_clear(&e);
	if (a->mode == APP_SECRET) {
		app_secret_bs(a);
		return 0;
	}
	if (n == 0) {
		/* Leaving an empty answer would drop the question half-way. */
		if (a->mode != APP_PROMPT)
			a->mode = APP_NORMAL;
		return 0;
	}
	/* Drop a whole UTF-8 character, not just its last byte. */
	while (n > 0 && ((unsigned char)a->line[n - 1] & 0xc0) == 0x80)
		n--;
	if (n > 0)
		n--;
	a->line[n] = '\0';
	if (a->mode == APP_FILTER && list_set_filter(&action_view(a)->list, a->line, &e) != 0)
		app_error(a, "%s", e.msg);
	return 0;
}

#define RO ACTION_RO_SAFE

/* Every key and command of the console. Help, the man page's CONSOLE
 * KEYS list and tests/unit/test_keys.c all read this table. */
const struct action action_table[] = {
	{.id = ACT_DOWN, .keys = {'j', TKEY_DOWN}, .help = "move down one row", .flags = RO,
	 .run = action_down},
	{.id = ACT_UP, .keys = {'k', TKEY_UP}, .help = "move up one row", .flags = RO,
	 .run = action_up},
	{.id = ACT_FIRST, .keys = {'g', TKEY_HOME}, .help = "go to the first row", .flags = RO,
	 .run = action_first},
	{.id = ACT_LAST, .keys = {'G', TKEY_END}, .help = "go to the last row", .flags = RO,
	 .run = action_last},
	{.id = ACT_PGDN, .keys = {TKEY_PGDN}, .help = "page down", .flags = RO,
	 .run = action_pgdn},
	{.id = ACT_PGUP, .keys = {TKEY_PGUP}, .help = "page up", .flags = RO,
	 .run = action_pgup},
	{.id = ACT_OPEN, .hint = "open", .keys = {TKEY_ENTER},
	 .help = "open the selected row (a model, a version, a request, an entry, an incident's timeline; in :lineage "
		 "a version's screen, a dataset's consumers, or a run opened or closed)",
	 .flags = RO,
	 .run = action_open},
	{.id = ACT_BACK, .hint = "back", .keys = {TKEY_ESC},
	 .help = "back to the previous view (at the top: clear the filter; while a move searches for a filter's matches: stop it there)", .flags = RO,
	 .run = action_back},
	{.id = ACT_FILTER, .hint = "filter", .keys = {'/'},
	 .help = "filter the rows as you type, ignoring case", .flags = RO,
	 .run = action_filter},
	{.id = ACT_COMMAND, .hint = "command", .keys = {':'}, .help = "type a command", .flags = RO,
	 .run = action_command_line},
	{.id = ACT_HELP, .hint = "help", .keys = {'?'}, .cmds = {"help"},
	 .help = "show this help, made from the key table", .flags = RO, .run = action_help},
	{.id = ACT_QUIT_OR_BACK, .hint = "quit", .keys = {'q'},
	 .help = "back to the previous view; quit at the top view", .flags = RO,
	 .run = action_quit_or_back},
	{.id = ACT_SORT, .hint = "sort", .keys = {'s'},
	 .help = "sort by the next column, then back to the view's own order (an arrow marks it)",
	 .flags = RO | ACTION_TABLE, .run = action_sort},
	{.id = ACT_SORT_REVERSE, .keys = {'S'}, .help = "reverse the sort order",
	 .flags = RO | ACTION_TABLE, .run = action_sort_reverse},
	{.id = ACT_CLICK, .keys = {TKEY_CLICK},
	 .help = "mouse: select the row clicked; a click on the selected row opens it", .flags = RO,
	 .run = action_click},
	{.id = ACT_WHEEL_UP, .keys = {TKEY_WHEEL_UP}, .help = "mouse wheel: three rows up",
	 .flags = RO, .run = action_wheel_up},
	{.id = ACT_WHEEL_DOWN, .keys = {TKEY_WHEEL_DOWN}, .help = "mouse wheel: three rows down",
	 .flags = RO, .run = action_wheel_down},
	{.id = ACT_MODELS, .cmds = {"models"}, .help = "go to the models list", .flags = RO,
	 .run = action_models},
	{.id = ACT_APPROVALS, .cmds = {"approvals"},
	 .help = "the requests waiting for your decision, with each gate's state; "
		 ":approvals all for every open one, :approvals history [STATE] for closed ones",
	 .flags = RO, .run = action_approvals},
	{.id = ACT_APPROVALS_MINE, .hint = "mine/all", .keys = {'t'}, .where = {"approvals"},
	 .help = "toggle between the requests waiting for you and every open request",
	 .flags = RO | ACTION_IN_VIEW, .run = action_approvals_only},
	{.id = ACT_APPROVALS_HISTORY, .hint = "history", .keys = {'H'}, .where = {"approvals"},
	 .help = "history: applied, rejected (with the reason), withdrawn, superseded and expired "
		 "requests; again for the open ones",
	 .flags = RO | ACTION_IN_VIEW, .run = action_approvals_only},
	{.id = ACT_AUDIT, .cmds = {"audit"},
	 .help = "the audit trail: every ledger entry, or only the model's or version's when opened from one",
	 .flags = RO, .run = action_audit},
	{.id = ACT_AUDIT_SCOPE, .hint = "widen/narrow", .keys = {'w'}, .where = {"audit"},
	 .help = "widen a scoped audit list to the whole ledger, or narrow it back",
	 .flags = RO | ACTION_IN_VIEW, .run = action_audit_scope},
	{.id = ACT_KEYS, .cmds = {"keys"}, .help = "the keyring: principals, roles and keys",
	 .flags = RO, .run = action_keys},
	{.id = ACT_POLICIES, .cmds = {"policies"},
	 .help = "enrolled policies: tier, version, digest, enrolment, signer; Enter shows the text",
	 .flags = RO, .run = action_policies},
	{.id = ACT_APPROVE, .hint = "approve", .keys = {'a'},
	 .where = {"approvals", "request", "version"},
	 .help = "approve the selected request: confirm, a comment (Enter for none), then the key's passphrase",
	 .flags = ACTION_SIGNED | ACTION_DANGEROUS | ACTION_IN_VIEW, .roles = ROLE_SIGNERS,
	 .run = action_decide},
	{.id = ACT_REJECT, .hint = "reject", .keys = {'r'},
	 .where = {"approvals", "request", "version"},
	 .help = "reject the selected request: confirm, a reason, then the key's passphrase",
	 .flags = ACTION_SIGNED | ACTION_DANGEROUS | ACTION_IN_VIEW, .roles = ROLE_SIGNERS,
	 .run = action_decide},
	{.id = ACT_PROMOTE, .hint = "promote", .keys = {'p'},
	 .where = {"version"},
	 .help = "request promotion of this version to its next stage: confirm, then the passphrase",
	 .flags = ACTION_SIGNED | ACTION_DANGEROUS | ACTION_IN_VIEW,
	 .roles = ROLE_ADMIN | ROLE_MLLEAD | ROLE_SRE | ROLE_RISK, .run = action_promote},
	{.id = ACT_COMPARE, .hint = "compare", .keys = {'c'}, .cmds = {"compare"},
	 .where = {"version", "model", "compare"},
	 .help = "compare this version with production's (:compare VERSION: with that one): "
		 "metric deltas, gate rules that change result, the card diffed by section",
	 .flags = RO | ACTION_IN_VIEW, .run = action_compare},
	{.id = ACT_APPLY, .hint = "apply", .keys = {'P'},
	 .where = {"approvals", "request", "version"},
	 .help = "apply the open promotion request whose gate passes: move the alias (confirm, passphrase)",
	 .flags = ACTION_SIGNED | ACTION_DANGEROUS | ACTION_IN_VIEW, .roles = ROLE_SIGNERS,
	 .run = action_apply},
	/* sre and admin are offered it; the tier's policy has the last word. */
	{.id = ACT_ROLLBACK, .hint = "rollback", .keys = {'R'},
	 .where = {"models", "model"},
	 .help = "roll production back to the version promoted before it, if the tier's policy allows: reason, confirm, passphrase",
	 .flags = ACTION_SIGNED | ACTION_DANGEROUS | ACTION_IN_VIEW, .roles = ROLE_SRE | ROLE_ADMIN,
	 .run = action_rollback},
	{.id = ACT_MONITOR, .cmds = {"monitor"},
	 .help = "every deployed version: latency p99, error rate, drift (PSI) and freshness as sparklines and "
		 "values against the tier's limits, and its alerts; Enter charts one",
	 .flags = RO, .run = action_monitor},
	{.id = ACT_ALERTS, .cmds = {"alerts"},
	 .help = "the alerts firing and silenced in the alert sources: severity, model, age, summary, who silenced them",
	 .flags = RO, .run = action_alerts},
	/* In :alerts s silences; everywhere else it sorts (action_for_key_in). */
	{.id = ACT_SILENCE, .hint = "silence", .keys = {'s'}, .where = {"alerts"},
	 .help = "silence the selected alert in its source: how long (Enter: 2h), a comment, confirm, passphrase",
	 .flags = ACTION_SIGNED | ACTION_DANGEROUS | ACTION_IN_VIEW, .roles = ROLE_SRE, .run = action_silence},
	{.id = ACT_UNSILENCE, .hint = "unsilence", .keys = {'u'}, .where = {"alerts"},
	 .help = "expire the silence of the selected alert, so it fires again: confirm, passphrase",
	 .flags = ACTION_SIGNED | ACTION_DANGEROUS | ACTION_IN_VIEW, .roles = ROLE_SRE, .run = action_silence},
	{.id = ACT_INCIDENTS, .cmds = {"incidents"},
	 .help = "the incidents not resolved: severity, model, age, owner, title; Enter shows one's timeline",
	 .flags = RO, .run = action_incidents},
	{.id = ACT_INCIDENTS_ALL, .hint = "all/open", .keys = {'a'}, .where = {"incidents"},
	 .help = "toggle between the incidents not resolved and every incident",
	 .flags = RO | ACTION_IN_VIEW, .run = action_incident_only},
	{.id = ACT_INCIDENT_ACK, .hint = "ack", .keys = {'A'}, .where = {"incidents", "incident"},
	 .help = "acknowledge the incident: you become its owner (confirm, passphrase)",
	 .flags = ACTION_SIGNED | ACTION_DANGEROUS | ACTION_IN_VIEW, .roles = INCIDENT_ROLES,
	 .run = action_incident_only},
	{.id = ACT_INCIDENT_NOTE, .hint = "note", .keys = {'N'}, .where = {"incidents", "incident"},
	 .help = "add a note to the incident's timeline: the note, confirm, passphrase",
	 .flags = ACTION_SIGNED | ACTION_DANGEROUS | ACTION_IN_VIEW, .roles = INCIDENT_ROLES,
	 .run = action_incident_only},
	{.id = ACT_INCIDENT_RESOLVE, .hint = "resolve", .keys = {'R'}, .where = {"incidents", "incident"},
	 .help = "resolve the incident: how it ended (Enter for nothing), confirm, passphrase",
	 .flags = ACTION_SIGNED | ACTION_DANGEROUS | ACTION_IN_VIEW, .roles = INCIDENT_ROLES,
	 .run = action_incident_only},
	{.id = ACT_DEPLOYMENTS, .cmds = {"deployments", "traffic", "canary"},
	 .help = "which version takes how much live traffic and which shadows get a copy, from the deploy plugins; "
		 "! marks a model whose shares no steward decision explains",
	 .flags = RO, .run = action_deployments},
	{.id = ACT_PLAYBOOKS, .cmds = {"playbooks"},
	 .help = "the incident playbooks: trigger, steps and the run each has in progress",
	 .flags = RO, .run = action_playbooks},
	/* x runs: a playbook for the selected alert, the selected playbook, the next step of a run. */
	{.id = ACT_RESPOND, .hint = "playbook", .keys = {'x'}, .where = {"alerts", "playbooks", "playrun"},
	 .help = "on a firing alert: the playbooks answering it; on a playbook: run it; in a run: run the next step "
		 "(an action asks first, naming what it changes; the passphrase is asked once per run)",
	 .flags = ACTION_SIGNED | ACTION_IN_VIEW, .roles = ROLE_SIGNERS, .run = action_respond},
	{.id = ACT_LINEAGE, .hint = "lineage", .keys = {'l'}, .cmds = {"lineage"},
	 .where = {"version", "model", "models", "lineage"},
	 .help = "the lineage of this version as a tree of runs and dataset versions (:lineage VERSION: another; "
		 "on a model, production's); ! marks a dataset without a digest, x a failed run, ~ an unfinished one",
	 .flags = RO | ACTION_IN_VIEW, .run = action_lineage},
	/* t toggles what a view shows, as in :approvals. */
	{.id = ACT_LINEAGE_DIR, .hint = "up/downstream", .keys = {'t', TKEY_TAB}, .where = {"lineage"},
	 .help = "toggle between upstream (what it was made from) and downstream (what was made from it)",
	 .flags = RO | ACTION_IN_VIEW, .run = action_tree},
	{.id = ACT_TREE_EXPAND, .hint = "expand", .keys = {TKEY_RIGHT, '+'}, .where = {"lineage"},
	 .help = "expand the selected node (open: step into it); on a node shown elsewhere, go to where it is expanded",
	 .flags = RO | ACTION_IN_VIEW, .run = action_tree},
	{.id = ACT_TREE_COLLAPSE, .hint = "collapse", .keys = {TKEY_LEFT, '-'}, .where = {"lineage"},
	 .help = "collapse the selected node; on a closed node or a leaf, go to the node it hangs under",
	 .flags = RO | ACTION_IN_VIEW, .run = action_tree},
	{.id = ACT_TREE_EXPAND_ALL, .keys = {'*'}, .where = {"lineage"},
	 .help = "expand every node under the selected one",
	 .flags = RO | ACTION_IN_VIEW, .run = action_tree},
	{.id = ACT_QUIT, .cmds = {"q", "quit"}, .help = "quit steward", .flags = RO,
	 .run = action_quit},
	{.id = ACT_LINE_ENTER, .mode = ACTION_LINE, .keys = {TKEY_ENTER},
	 .help = "run the command, keep the filter, or give the reason or passphrase", .flags = RO,
	 .run = action_line_enter},
	{.id = ACT_LINE_ESC, .mode = ACTION_LINE, .keys = {TKEY_ESC},
	 .help = "cancel the command or the question, or clear the filter", .flags = RO,
	 .run = action_line_esc},
	{.id = ACT_LINE_BS, .mode = ACTION_LINE, .keys = {TKEY_BS},
	 .help = "delete the last character; on an empty / or : line, leave it", .flags = RO,
	 .run = action_line_bs},
	{.id = ACT_LINE_TAB, .mode = ACTION_LINE, .keys = {TKEY_TAB},
	 .help = "on the : line, complete the command's name (the choices show when several fit)",
	 .flags = RO, .run = action_line_tab},
	{.id = ACT_LINE_PREV, .mode = ACTION_LINE, .keys = {TKEY_UP},
	 .help = "on the : line, the command run before this one", .flags = RO,
	 .run = action_line_prev},
	{.id = ACT_LINE_NEXT, .mode = ACTION_LINE, .keys = {TKEY_DOWN},
	 .help = "on the : line, back towards the line being typed", .flags = RO,
	 .run = action_line_next},
	{.id = ACT_YES, .mode = ACTION_CONFIRM, .keys = {'y'}, .help = "yes: go ahead",
	 .flags = RO, .run = action_yes},
	{.id = ACT_NO, .mode = ACTION_CONFIRM, .keys = {'n', TKEY_ESC}, .help = "no: cancel",
	 .flags = RO, .run = action_no},
};

const size_t action_count = sizeof action_table / sizeof action_table[0];

int action_where(const struct action *act, const char *view)
{
	size_t k;

	for (k = 0; view != NULL && k < ACTION_MAX_WHERE && act->where[k] != NULL; k++)
		if (strcmp(act->where[k], view) == 0)
			return 1;
	return 0;
}

const struct action *action_for_key_in(enum action_mode mode, int key, const char *view)
{
	const struct action *any = NULL;
	size_t i, k;

	for (i = 0; i < action_count; i++) {
		const struct action *act = &action_table[i];

		if (act->mode != mode)
			continue;
		for (k = 0; k < ACTION_MAX_KEYS && act->keys[k] != 0; k++) {
			if (act->keys[k] != key)
				continue;
			/* The view's own binding wins; elsewhere the one that applies everywhere. */
			if (action_where(act, view))
				return act;
			if (any == NULL || (any->where[0] != NULL && act->where[0] == NULL))
				any = act;
		}
	}
	return any;
}

const struct action *action_for_key(enum action_mode mode, int key)
{
	return action_for_key_in(mode, key, NULL);
}

int action_shadowed(const struct action *act, const char *view)
{
	size_t k;

	if (act->keys[0] == 0 || act->cmds[0] != NULL)
		return 0;
	for (k = 0; k < ACTION_MAX_KEYS && act->keys[k] != 0; k++)
		if (action_for_key_in(act->mode, act->keys[k], view) == act)
			return 0;
	return 1;
}

const struct action *action_by_id(enum action_id id)
{
	size_t i;

	for (i = 0; i < action_count; i++)
		if (action_table[i].id == id)
			return &action_table[i];
	return NULL;
}

const struct action *action_for_command(const char *name)
{
	size_t i, k;

	for (i = 0; i < action_count; i++)
		for (k = 0; k < ACTION_MAX_CMDS && action_table[i].cmds[k] != NULL; k++)
			if (strcmp(action_table[i].cmds[k], name) == 0)
				return &action_table[i];
	return NULL;
}

void action_keys_text(const struct action *act, char *buf, size_t n)
{
	size_t k, used = 0;

	buf[0] = '\0';
	for (k = 0; k < ACTION_MAX_KEYS && act->keys[k] != 0; k++) {
		char name[16];
		int w = snprintf(buf + used, n - used, "%s%s", k ? ", " : "",
				 tkey_name(act->keys[k], name, sizeof name));

		if (w < 0 || (size_t)w >= n - used)
			break;
		used += (size_t)w;
	}
}

void action_cmds_text(const struct action *act, char *buf, size_t n)
{
	size_t k, used = 0;

	buf[0] = '\0';
	for (k = 0; k < ACTION_MAX_CMDS && act->cmds[k] != NULL; k++) {
		int w = snprintf(buf + used, n - used, "%s:%s", k ? ", " : "", act->cmds[k]);

		if (w < 0 || (size_t)w >= n - used)
			break;
		used += (size_t)w;
	}
}

static int action_view_offers(const struct app *a, const struct action *act)
{
	const struct view *v = app_top_const(a);

	return v != NULL && v->ops->offers != NULL && v->ops->offers(a, v, act);
}

/* Appends act's hint to buf when it is offered here; -1 when buf is full. */
static int action_hint_add(const struct app *a, const struct action *act, char *buf, size_t n,
			   size_t *used)
{
	char name[16];
	int w;

	if (act->hint == NULL || act->keys[0] == 0 || !action_allowed(a, act))
		return 0;
	/* s sorts everywhere but in :alerts, where it silences. */
	if (app_top_const(a) != NULL && action_shadowed(act, app_top_const(a)->ops->name))
		return 0;
	/* Only offer Enter where there is something to open. */
	if (act->id == ACT_OPEN && (app_top_const(a) == NULL || app_top_const(a)->ops->enter == NULL))
		return 0;
	if ((act->flags & ACTION_IN_VIEW) && !action_view_offers(a, act))
		return 0;
	if ((act->flags & ACTION_TABLE) &&
	    (app_top_const(a) == NULL || !list_sortable(&app_top_const(a)->list)))
		return 0;
	w = snprintf(buf + *used, n - *used, "%s%s %s", *used ? "  " : "",
		     tkey_name(act->keys[0], name, sizeof name), act->hint);
	if (w < 0 || (size_t)w >= n - *used) {
		buf[*used] = '\0';
		return -1;
	}
	*used += (size_t)w;
	return 0;
}

void action_hints(const struct app *a, char *buf, size_t n)
{
	size_t i, used = 0;
	int pass;

	buf[0] = '\0';
	/* What this view offers first: at 80 columns the line is cut at the
	 * end, and the keys everyone knows (/, :, ?) can go there. */
	for (pass = 0; pass < 2; pass++)
		for (i = 0; i < action_count; i++) {
			const struct action *act = &action_table[i];

			int in_view = (act->flags & ACTION_IN_VIEW) != 0;

			if (in_view != (pass == 0))
				continue;
			if (action_hint_add(a, act, buf, n, &used) != 0)
				return;
		}
}

int action_refusal(const struct app *a, const struct action *act, char *buf, size_t n)
{
	char held[128], need[128];

	buf[0] = '\0';
	if (a->opts != NULL && a->opts->readonly && !(act->flags & ACTION_RO_SAFE)) {
		snprintf(buf, n, "read-only: %s is not available %s", act->help,
			 a->opts->readonly == 2 ? "to an account that may not write the store" : "with --readonly");
		return 1;
	}
	if (!(act->flags & ACTION_SIGNED) && act->roles == 0)
		return 0;
	if (!a->id.loaded) {
		snprintf(buf, n, "start with --key FILE to sign");
		return 1;
	}
	if (!a->id.known) {
		snprintf(buf, n, "cannot act as %s: %s", a->id.pub.name, a->id.why);
		return 1;
	}
	if (act->roles != 0 && !(a->id.who.roles & act->roles)) {
		snprintf(buf, n, "%s holds %s; this needs one of %s", a->id.who.name,
			 keyring_roles_text(a->id.who.roles, held, sizeof held),
			 keyring_roles_text(act->roles, need, sizeof need));
		return 1;
	}
	return 0;
}

int action_allowed(const struct app *a, const struct action *act)
{
	char why[8];

	/* The one place --readonly, --key and roles are enforced: views,
	 * hints and help ask here too. */
	return !action_refusal(a, act, why, sizeof why);
}

static int action_run(struct app *a, const struct action *act, const char *arg)
{
	struct view *v = action_view(a);
	char why[APP_LINE_MAX * 2];

	/* Whatever acts as the --key waits for its proof, still under way on
	 * the ledger worker just after start; browsing never does. */
	if ((act->flags & ACTION_SIGNED) || act->roles != 0 || !(act->flags & ACTION_RO_SAFE))
		app_identity_wait(a);
	if (action_refusal(a, act, why, sizeof why)) {
		app_error(a, "%s", why);
		return -1;
	}
	/* Refused here, not in action_refusal: the hints and help stay as
	 * they are for the seconds the connection is away. */
	if (!(act->flags & ACTION_RO_SAFE) && link_refuse(a, act->hint != NULL ? act->hint : "do that"))
		return -1;
	if (v == NULL)
		return -1;
	if (v->ops->key != NULL && v->ops->key(a, v, act))
		return 0;
	return act->run(a, arg);
}

/* Appends a code point to the line being typed, as UTF-8. */
static void action_line_add(struct app *a, int cp)
{
	char b[4];
	size_t n = 0, len = strlen(a->line);
	struct err e;

	if (cp < 0x80) {
		b[n++] = (char)cp;
	} else if (cp < 0x800) {
		b[n++] = (char)(0xc0 | (cp >> 6));
		b[n++] = (char)(0x80 | (cp & 0x3f));
	} else if (cp < 0x10000) {
		b[n++] = (char)(0xe0 | (cp >> 12));
		b[n++] = (char)(0x80 | ((cp >> 6) & 0x3f));
		b[n++] = (char)(0x80 | (cp & 0x3f));
	} else {
		b[n++] = (char)(0xf0 | (cp >> 18));
		b[n++] = (char)(0x80 | ((cp >> 12) & 0x3f));
		b[n++] = (char)(0x80 | ((cp >> 6) & 0x3f));
		b[n++] = (char)(0x80 | (cp & 0x3f));
	}
	if (a->mode == APP_SECRET) {
		if (app_secret_add(a, b, n) != 0)
			app_error(a, "the passphrase is too long");
		sodium_memzero(b, sizeof b);
		return;
	}
	if (len + n >= sizeof a->line || (a->mode == APP_FILTER && len + n >= LIST_FILTER_MAX)) {
		app_error(a, "the line is full");
		return;
	}
	memcpy(a->line + len, b, n);
	a->line[len + n] = '\0';
	err_clear(&e);
	if (a->mode == APP_FILTER && list_set_filter(&action_view(a)->list, a->line, &e) != 0)
		app_error(a, "%s", e.msg);
}

void action_key(struct app *a, int key)
{
	const struct action *act;
	char name[16];

	if (key == TKEY_RESIZE || key == TKEY_NONE)
		return;
	/* The mouse only browses: a question or a line being typed ignores it. */
	if (tkey_is_mouse(key) && a->mode != APP_NORMAL)
		return;
	if (a->mode == APP_CONFIRM) {
		act = action_for_key(ACTION_CONFIRM, key);
		if (act != NULL)
			action_run(a, act, NULL);
		else
			app_error(a, "press y to go ahead or n to cancel");
		return;
	}
	/* Held back after a wrong passphrase: Esc cancels the act, q cancels
	 * it and does what q does, and nothing else is typed anywhere. */
	if (a->mode == APP_HOLD) {
		if (key == TKEY_ESC) {
			action_no(a, NULL);
		} else if (key == 'q') {
			app_ask_cancel(a);
			act = action_for_key_in(ACTION_BROWSE, key, app_top(a) != NULL ? app_top(a)->ops->name : NULL);
			if (act != NULL)
				action_run(a, act, NULL);
		}
		return;
	}
	if (a->mode != APP_NORMAL) {
		act = action_for_key(ACTION_LINE, key);
		if (act != NULL)
			action_run(a, act, NULL);
		else if (tkey_is_text(key))
			action_line_add(a, key);
		return;
	}
	app_clear_message(a);
	act = action_for_key_in(ACTION_BROWSE, key, app_top(a) != NULL ? app_top(a)->ops->name : NULL);
	if (act == NULL) {
		app_error(a, "no action for key %s; press ? for help", tkey_name(key, name, sizeof name));
		return;
	}
	action_run(a, act, NULL);
}

static void action_roff_text(FILE *f, const char *s)
{
	for (; *s != '\0'; s++) {
		if (*s == '\\')
			fputs("\\e", f);
		else if (*s == '-')
			fputs("\\-", f);
		else
			fputc(*s, f);
	}
}

static void action_roff_one(FILE *f, const struct action *act)
{
	size_t k, n = 0;
	const char *sep = " (";

	for (k = 0; k < ACTION_MAX_KEYS && act->keys[k] != 0; k++)
		n++;
	for (k = 0; k < ACTION_MAX_CMDS && act->cmds[k] != NULL; k++)
		n++;
	fputs(n > 1 ? ".TP\n.BR" : ".TP\n.B", f);
	n = 0;
	for (k = 0; k < ACTION_MAX_KEYS && act->keys[k] != 0; k++) {
		char name[16];

		fputs(n++ ? " \", \" " : " ", f);
		action_roff_text(f, tkey_name(act->keys[k], name, sizeof name));
	}
	for (k = 0; k < ACTION_MAX_CMDS && act->cmds[k] != NULL; k++) {
		fputs(n++ ? " \", \" :" : " :", f);
		action_roff_text(f, act->cmds[k]);
	}
	fputc('\n', f);
	action_roff_text(f, act->help);
	/* Where it works and who may use it: the same facts the dispatcher enforces. */
	for (k = 0; k < ACTION_MAX_WHERE && act->where[k] != NULL; k++) {
		fputs(k ? ", " : " (in ", f);
		action_roff_text(f, act->where[k]);
		sep = "; ";
	}
	if (act->flags & ACTION_TABLE) {
		fputs(sep, f);
		fputs("in lists with column titles", f);
		sep = "; ";
	}
	if ((act->flags & ACTION_SIGNED) || act->roles != 0) {
		char roles[128];

		fprintf(f, "%sneeds \\fB\\-\\-key\\fR", sep);
		if (act->roles != 0) {
			fputs(act->roles == ROLE_SIGNERS ? " and a role that signs" : " and ", f);
			if (act->roles != ROLE_SIGNERS)
				action_roff_text(f, keyring_roles_text(act->roles, roles, sizeof roles));
		}
		sep = "; ";
	}
	if (!(act->flags & ACTION_RO_SAFE)) {
		fprintf(f, "%snot with \\fB\\-\\-readonly\\fR", sep);
		sep = "; ";
	}
	fputs(sep[0] == ';' ? ")\n" : "\n", f);
}

void action_roff(FILE *f)
{
	static const struct {
		enum action_mode mode;
		const char *intro;
	} parts[] = {
		{ACTION_BROWSE, NULL},
		{ACTION_LINE, "While typing a \\fB/\\fR filter, a \\fB:\\fR command, a reason or a passphrase:"},
		{ACTION_CONFIRM, "When asked to confirm:"},
	};
	size_t p, i;

	fputs("The \\fB?\\fR screen shows this same list, the keys of the view it is opened\n"
	      "over first: both come from the console's one table of actions, which also\n"
	      "binds the keys. A key that works only in some views says where.\n", f);
	for (p = 0; p < sizeof parts / sizeof parts[0]; p++) {
		if (parts[p].intro != NULL)
			fprintf(f, ".PP\n%s\n", parts[p].intro);
		for (i = 0; i < action_count; i++)
			if (action_table[i].mode == parts[p].mode)
				action_roff_one(f, &action_table[i]);
	}
}

size_t action_commands_matching(const struct app *a, const char *prefix, struct action_match *out,
				size_t max)
{
	size_t i, k, n = 0, len = strlen(prefix);

	for (i = 0; i < action_count; i++) {
		const struct action *act = &action_table[i];

		if (!action_allowed(a, act))
			continue;
		for (k = 0; k < ACTION_MAX_CMDS && act->cmds[k] != NULL; k++)
			if (strncmp(act->cmds[k], prefix, len) == 0) {
				if (n < max) {
					out[n].act = act;
					out[n].cmd = act->cmds[k];
				}
				n++;
				break;
			}
	}
	return n;
}

/* The action a `:` name means: the command of that name, else the one
 * command that can run here starting with it (`:ap` is :approvals). */
static const struct action *action_resolve(struct app *a, const char *name)
{
	struct action_match m[8];
	const struct action *act = action_for_command(name);
	char list[APP_LINE_MAX];
	size_t n, i, used = 0;

	if (act != NULL)
		return act;
	n = action_commands_matching(a, name, m, sizeof m / sizeof m[0]);
	if (n == 1)
		return m[0].act;
	if (n == 0) {
		app_error(a, "unknown command :%s (Tab completes; try :help)", name);
		return NULL;
	}
	list[0] = '\0';
	for (i = 0; i < n && i < sizeof m / sizeof m[0]; i++) {
		int w = snprintf(list + used, sizeof list - used, "%s:%s", i ? ", " : "", m[i].cmd);

		if (w < 0 || (size_t)w >= sizeof list - used)
			break;
		used += (size_t)w;
	}
	app_error(a, ":%s could be %s", name, list);
	return NULL;
}

int action_command(struct app *a, const char *line)
{
	char name[APP_LINE_MAX];
	const char *p = line, *arg;
	const struct action *act;
	size_t n = 0;

	while (*p == ' ')
		p++;
	while (p[n] != '\0' && p[n] != ' ')
		n++;
	if (n == 0)
		return 0;
	snprintf(name, sizeof name, "%.*s", (int)n, p);
	arg = p + n;
	while (*arg == ' ')
		arg++;
	act = action_resolve(a, name);
	if (act == NULL)
		return -1;
	return action_run(a, act, arg);
}
