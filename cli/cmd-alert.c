/* cmd-alert: `steward alert list|silence|expire` and `steward silence list`: alerts and silences the alert plugins synced, and silencing through the plugin as a signed act. */
#include "cli.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "monitor.h"
#include "plugin.h"
#include "policy.h"

/* core/monitor.c's limits, checked first so a mistake is a usage error: a
 * longer silence is a disabled alert, better fixed in the alert itself. */
#define CMD_ALERT_MIN_FOR 60
#define CMD_ALERT_MAX_FOR (30 * 86400)
#define CMD_ALERT_MAX_COMMENT 280

/* ---- lists ---- */

/* The labels column holds a compact JSON object; anything else stays text. */
static int cmd_alert_labels(json_t *o, const char *labels)
{
	json_t *l = json_loads(labels, 0, NULL);

	if (!json_is_object(l)) {
		json_decref(l);
		l = json_object();
	}
	return l == NULL || json_object_set_new(o, "labels", l) != 0 ? -1 : 0;
}

static json_t *cmd_alert_json(const struct monitor_alert *a)
{
	json_t *o = json_object();

	if (o == NULL || cli_json_str(o, "plugin", a->plugin) || cli_json_str(o, "fingerprint", a->fingerprint) ||
	    cli_json_str(o, "name", a->name) || cli_json_str(o, "state", a->state) ||
	    cli_json_str(o, "severity", a->severity) ||
	    (a->model[0] ? cli_json_str(o, "model", a->model) : json_object_set_new(o, "model", json_null())) ||
	    cli_json_int_or_null(o, "version", a->version) || cli_json_time(o, "since", a->starts) ||
	    cli_json_time(o, "ends", a->ends) || cli_json_str(o, "summary", a->summary) ||
	    json_object_set_new(o, "silenced_by", json_array()) != 0 || cmd_alert_labels(o, a->labels) != 0) {
		json_decref(o);
		return NULL;
	}
	/* silenced_by as a list of ids */
	{
		json_t *by = json_object_get(o, "silenced_by");
		const char *p = a->silenced_by;

		while (*p != '\0') {
			size_t n = strcspn(p, " ");

			if (n > 0 && json_array_append_new(by, json_stringn(p, n)) != 0) {
				json_decref(o);
				return NULL;
			}
			p += n;
			p += strspn(p, " ");
		}
	}
	return o;
}

/* Shown by default: what names a model and fires or is silenced. */
static int cmd_alert_shown(const struct cli_ctx *c, const struct monitor_alert *a)
{
	const char *model = cli_opt(c, "model");

	if (model != NULL && strcmp(a->model, model) != 0)
		return 0;
	if (cli_opt(c, "all") != NULL)
		return 1;
	return a->model[0] != '\0' && (strcmp(a->state, "active") == 0 || strcmp(a->state, "suppressed") == 0);
}

/* Alertmanager's "suppressed" is a silence or an inhibition: the table says which. */
static const char *cmd_alert_state(const struct monitor_alert *a)
{
	if (strcmp(a->state, "suppressed") != 0)
		return a->state;
	return a->silenced_by[0] != '\0' ? "silenced" : "inhibited";
}

/* alert list's pass over the alerts, as model list's over models. */
struct cmd_alert_pass {
	struct cli_ctx *c;
	struct cli_list json;
	struct cli_cols cols;
	int64_t since, limit;
	size_t n, shown;
};

static int cmd_alert_row(void *arg, const struct monitor_alert *a, struct err *e)
{
	struct cmd_alert_pass *p = arg;
	char ver[24], since[32];
	const char *cells[9] = { a->fingerprint,
				 a->severity[0] ? a->severity : "-",
				 a->name,
				 a->model[0] ? a->model : "-",
				 ver,
				 cli_time(a->starts, since, sizeof since),
				 cmd_alert_state(a),
				 a->silenced_by[0] ? a->silenced_by : "-",
				 a->summary };
	int rc;

	p->n++;
	if (!cmd_alert_shown(p->c, a) || a->starts < p->since)
		return 0;
	if (p->limit > 0 && (int64_t)p->shown >= p->limit)
		return 1;
	p->shown++;
	if (p->c->json)
		return cli_json_item(&p->json, cmd_alert_json(a), e);
	snprintf(ver, sizeof ver, a->version ? "%" PRId64 : "-", a->version);
	rc = cli_cols_row(&p->cols, cells);
	return rc != 0 ? cli_out_fail(e) : 0;
}

static int cmd_alert_pass_run(void *arg, struct err *e)
{
	struct cmd_alert_pass *p = arg;

	p->n = p->shown = 0;
	return monitor_alerts_each(p->c->st, cmd_alert_row, p, e);
}

static const char *cmd_alert_empty(void *arg)
{
	const struct cmd_alert_pass *p = arg;

	if (p->shown > 0)
		return NULL;
	return p->n == 0 ? "no alerts (steward sync reads them from the alert plugins)"
			 : "no alerts for models fire or are silenced (--all shows every alert)";
}

int cmd_alert_list(struct cli_ctx *c)
{
	static const char *const head[] = { "FINGERPRINT", "SEVERITY", "ALERT",	     "MODEL",  "VERSION",
					    "SINCE",	   "STATE",    "SILENCED BY", "SUMMARY" };
	struct cmd_alert_pass p = { .c = c };

	if (cli_opt_limit(c, &p.limit) != 0 || cli_opt_since(c, &p.since) != 0)
		return CLI_USAGE;
	/* Alerts are written as they are read: memory holds one at a time. */
	if (c->json) {
		if (monitor_alerts_each(c->st, cmd_alert_row, &p, &c->e) != 0 || cli_json_end(&p.json, &c->e) != 0)
			return CLI_FAIL;
		return 0;
	}
	cli_cols_init(&p.cols, 9, head);
	return cli_cols_passes(c, &(struct cli_passes){ .cols = &p.cols, .head = head, .pass = cmd_alert_pass_run,
							 .empty = cmd_alert_empty, .arg = &p });
}

/* silence list's pass over the silences, as alert list's over alerts. */
struct cmd_silence_pass {
	struct cli_ctx *c;
	struct cli_list json;
	struct cli_cols cols;
	int64_t since, limit;
	size_t n, shown;
};

static int cmd_silence_row(void *arg, const struct monitor_silence_row *s, struct err *e)
{
	struct cmd_silence_pass *p = arg;
	char starts[32], ends[32];
	const char *cells[7] = { s->id,
				 s->state,
				 s->matchers,
				 cli_time(s->starts, starts, sizeof starts),
				 cli_time(s->ends, ends, sizeof ends),
				 s->created_by[0] ? s->created_by : "-",
				 s->comment };
	int rc;

	p->n++;
	if (s->starts < p->since)
		return 0;
	if (p->limit > 0 && (int64_t)p->shown >= p->limit)
		return 1;
	p->shown++;
	if (p->c->json) {
		json_t *o = json_object();

		if (o == NULL || cli_json_str(o, "plugin", s->plugin) || cli_json_str(o, "id", s->id) ||
		    cli_json_str(o, "state", s->state) || cli_json_str(o, "matchers", s->matchers) ||
		    cli_json_time(o, "starts", s->starts) || cli_json_time(o, "ends", s->ends) ||
		    cli_json_str(o, "created_by", s->created_by) || cli_json_str(o, "comment", s->comment)) {
			json_decref(o);
			return cli_json_fail(e);
		}
		return cli_json_item(&p->json, o, e);
	}
	rc = cli_cols_row(&p->cols, cells);
	return rc != 0 ? cli_out_fail(e) : 0;
}

static int cmd_silence_pass_run(void *arg, struct err *e)
{
	struct cmd_silence_pass *p = arg;

	p->n = p->shown = 0;
	return monitor_silences_each(p->c->st, cmd_silence_row, p, e);
}

static const char *cmd_silence_empty(void *arg)
{
	const struct cmd_silence_pass *p = arg;

	return p->shown > 0 ? NULL : "no silences (steward sync reads them from the alert plugins)";
}

int cmd_silence_list(struct cli_ctx *c)
{
	static const char *const head[] = { "ID", "STATE", "MATCHERS", "STARTS", "ENDS", "CREATED BY", "COMMENT" };
	struct cmd_silence_pass p = { .c = c };

	if (cli_opt_limit(c, &p.limit) != 0 || cli_opt_since(c, &p.since) != 0)
		return CLI_USAGE;
	/* Silences are written as they are read: memory holds one at a time. */
	if (c->json) {
		if (monitor_silences_each(c->st, cmd_silence_row, &p, &c->e) != 0 || cli_json_end(&p.json, &c->e) != 0)
			return CLI_FAIL;
		return 0;
	}
	cli_cols_init(&p.cols, 7, head);
	return cli_cols_passes(c, &(struct cli_passes){ .cols = &p.cols, .head = head, .pass = cmd_silence_pass_run,
							 .empty = cmd_silence_empty, .arg = &p });
}

/* ---- acts through the alert plugin ---- */

/* Loads the configuration and opens instance name, which must be able to
 * silence alerts. from says why that one ("the alert came from it"). */
static int cmd_alert_plugin(struct cli_ctx *c, struct plugin_config *pc, const char *name, const char *from,
			    struct plugin_instance **out)
{
	struct plugin_instance *in;
	char q[80];

	if (cli_plugin_config(c, pc, 0) != 0)
		return CLI_FAIL;
	if (pc->ninst == 0)
		return err_set(&c->e, ERR_NOTFOUND,
			       "no alert plugin configured: add a [plugin NAME] section with type = alertmanager to %s (see steward-plugins(7))",
			       pc->path[0] ? pc->path : c->config ? c->config : "$XDG_CONFIG_HOME/steward/config");
	in = plugin_find(pc, name);
	if (in == NULL)
		return err_set(&c->e, ERR_NOTFOUND, "no alert plugin [plugin %s] in %s%s", cli_quote(name, q, sizeof q),
			       pc->path[0] ? pc->path : "the configuration", from);
	if (plugin_open(in, pc, &c->e) != 0)
		return CLI_FAIL;
	if (!(in->p->caps & STEWARD_CAP_ALERTS) || in->p->act == NULL)
		return err_set(&c->e, ERR_INVALID, "plugin %s (type %s) cannot silence alerts", in->name, in->type);
	*out = in;
	return 0;
}

/* The plugin that holds fingerprint (or silence id), from the store. */
static int cmd_alert_owner(struct cli_ctx *c, const char *what, const char *id, char *plugin, size_t n)
{
	size_t count = 0, i, k;
	char q[80], other[65] = "";

	if (strcmp(what, "alert") == 0) {
		struct monitor_alert *a = NULL;

		if (monitor_alerts_list(c->st, &a, &k, &c->e) != 0)
			return CLI_FAIL;
		for (i = 0; i < k; i++)
			if (strcmp(a[i].fingerprint, id) == 0) {
				if (count++ == 0)
					snprintf(plugin, n, "%s", a[i].plugin);
				else
					snprintf(other, sizeof other, "%s", a[i].plugin);
			}
		monitor_alerts_free(a);
	} else {
		struct monitor_silence_row *s = NULL;

		if (monitor_silences_list(c->st, &s, &k, &c->e) != 0)
			return CLI_FAIL;
		for (i = 0; i < k; i++)
			if (strcmp(s[i].id, id) == 0) {
				if (count++ == 0)
					snprintf(plugin, n, "%s", s[i].plugin);
				else
					snprintf(other, sizeof other, "%s", s[i].plugin);
			}
		monitor_silences_free(s);
	}
	if (count == 0)
		return err_set(&c->e, ERR_NOTFOUND, "no %s %s in the store (steward %s list shows them; steward sync reads them)",
			       strcmp(what, "alert") == 0 ? "alert with fingerprint" : "silence", cli_quote(id, q, sizeof q),
			       what);
	if (count > 1)
		return err_set(&c->e, ERR_INVALID, "%s %s is held by plugins %s and %s: say which with --plugin", what,
			       cli_quote(id, q, sizeof q), plugin, other);
	return 0;
}

int cmd_alert_silence(struct cli_ctx *c)
{
	const char *fp = c->pos[0], *forv = cli_opt(c, "for"), *comment = cli_opt(c, "comment"),
		   *given = cli_opt(c, "plugin");
	struct plugin_config pc;
	struct plugin_instance *in = NULL;
	char plugin[65], id[128], q[80], ends[32];
	int64_t dur = policy_duration(forv);
	int rc;

	if (dur < CMD_ALERT_MIN_FOR || dur > CMD_ALERT_MAX_FOR) {
		err_set(&c->e, ERR_INVALID, "--for '%s' is not a duration from 1m to 30d (30m, 2h, 7d)",
			cli_quote(forv, q, sizeof q));
		return CLI_USAGE;
	}
	if (comment[strspn(comment, " \t\r\n")] == '\0') {
		err_set(&c->e, ERR_INVALID, "--comment is empty: say why the alert is silenced");
		return CLI_USAGE;
	}
	if (strlen(comment) > CMD_ALERT_MAX_COMMENT) {
		err_set(&c->e, ERR_INVALID, "--comment is %zu bytes; at most %d", strlen(comment), CMD_ALERT_MAX_COMMENT);
		return CLI_USAGE;
	}
	if (given != NULL)
		snprintf(plugin, sizeof plugin, "%s", given);
	else if ((rc = cmd_alert_owner(c, "alert", fp, plugin, sizeof plugin)) != 0)
		return rc;
	memset(&pc, 0, sizeof pc);
	rc = cmd_alert_plugin(c, &pc, plugin, given ? "" : " (the alert came from it)", &in);
	/* No transaction around it: core writes the ledger entry in its own, after
	 * Alertmanager answered, so no write lock is held across the request. */
	if (rc == 0 && monitor_silence_alert(c->st, &c->who, in->name, fp, dur, comment, plugin_act_call, in, id, sizeof id,
					     &c->e) != 0)
		rc = CLI_FAIL;
	plugin_config_free(&pc);
	if (rc != 0)
		return rc;
	/* As core sent it: Alertmanager's clock, real time, runs the silence. */
	cli_time((int64_t)time(NULL) + dur, ends, sizeof ends);
	if (c->json) {
		json_t *o = json_object();

		if (o == NULL || cli_json_str(o, "silence", id) || cli_json_str(o, "plugin", plugin) ||
		    cli_json_str(o, "fingerprint", fp) || cli_json_str(o, "ends", ends) ||
		    cli_json_str(o, "created_by", c->who.name)) {
			json_decref(o);
			return cli_json_fail(&c->e);
		}
		return cli_json_print(o, &c->e) < 0 ? CLI_FAIL : 0;
	}
	printf("silenced alert %s until %s as %s: silence %s\n", cli_safe(c, fp), ends, cli_safe(c, c->who.name),
	       cli_safe(c, id));
	return 0;
}

int cmd_alert_expire(struct cli_ctx *c)
{
	const char *sid = c->pos[0], *given = cli_opt(c, "plugin");
	struct plugin_config pc;
	struct plugin_instance *in = NULL;
	char plugin[65];
	int rc;

	if (given != NULL)
		snprintf(plugin, sizeof plugin, "%s", given);
	else if ((rc = cmd_alert_owner(c, "silence", sid, plugin, sizeof plugin)) != 0)
		return rc;
	memset(&pc, 0, sizeof pc);
	rc = cmd_alert_plugin(c, &pc, plugin, given ? "" : " (the silence came from it)", &in);
	if (rc == 0 && monitor_expire_silence(c->st, &c->who, in->name, sid, plugin_act_call, in, &c->e) != 0)
		rc = CLI_FAIL;
	plugin_config_free(&pc);
	if (rc != 0)
		return rc;
	if (c->json) {
		json_t *o = json_object();

		if (o == NULL || cli_json_str(o, "silence", sid) || cli_json_str(o, "plugin", plugin) ||
		    cli_json_str(o, "expired_by", c->who.name)) {
			json_decref(o);
			return cli_json_fail(&c->e);
		}
		return cli_json_print(o, &c->e) < 0 ? CLI_FAIL : 0;
	}
	printf("expired silence %s as %s\n", cli_safe(c, sid), cli_safe(c, c->who.name));
	return 0;
}
