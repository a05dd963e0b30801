/* cmd-plugin: `steward plugin list` and `steward sync`: configured plugins, their health, and syncing the store from them. */
#include "cli.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "meter.h"
#include "plugin.h"

int cli_plugin_config(struct cli_ctx *c, struct plugin_config *pc, int required)
{
	const char *given = c->config;
	char path[4096];

	if (given != NULL)
		snprintf(path, sizeof path, "%s", given);
	else if (plugin_config_path(path, sizeof path, &c->e) != 0)
		return -1;
	return plugin_config_load(path, required || given != NULL, pc, &c->e);
}

static const char *cmd_plugin_caps(unsigned caps, char *buf, size_t n)
{
	static const char *const names[] = { "registry", "lineage", "metrics", "alerts", "deploy" };
	size_t used = 0, i;

	buf[0] = '\0';
	for (i = 0; i < sizeof names / sizeof names[0]; i++)
		if (caps & (1u << i)) {
			int w = snprintf(buf + used, n - used, "%s%s", used ? "," : "", names[i]);

			if (w < 0 || (size_t)w >= n - used)
				break;
			used += (size_t)w;
		}
	return used ? buf : "-";
}

int cmd_plugin_list(struct cli_ctx *c)
{
	static const char *const hdr[] = { "NAME", "TYPE", "CAPABILITIES", "HEALTH", "LAST SUCCESS", "MESSAGE" };
	struct plugin_config pc;
	struct cli_table *t;
	json_t *arr = NULL;
	size_t i;

	if (cli_plugin_config(c, &pc, 0) != 0)
		return CLI_FAIL;
	t = c->json ? NULL : cli_table_new(6, hdr);
	arr = c->json ? json_array() : NULL;
	for (i = 0; i < pc.ninst; i++) {
		struct plugin_instance *in = &pc.inst[i];
		struct plugin_health h;
		struct err e;
		char caps[80], when[32], msg[600];

		err_clear(&e);
		/* Loading checks the file (permissions, ABI); health is what syncs recorded. */
		if (plugin_open(in, &pc, &e) != 0)
			snprintf(msg, sizeof msg, "%s", e.msg);
		else
			msg[0] = '\0';
		if (plugin_health_get(c->st, in->name, &h, &c->e) != 0) {
			cli_table_free(t);
			json_decref(arr);
			plugin_config_free(&pc);
			return CLI_FAIL;
		}
		if (msg[0] == '\0')
			snprintf(msg, sizeof msg, "%s", h.message);
		cmd_plugin_caps(in->p ? in->p->caps : 0, caps, sizeof caps);
		cli_time(h.last_success, when, sizeof when);
		if (arr != NULL) {
			json_t *o = json_object();

			if (o == NULL || json_array_append_new(arr, o) != 0 || cli_json_str(o, "name", in->name) ||
			    cli_json_str(o, "type", in->type) || cli_json_str(o, "path", in->path) ||
			    cli_json_bool(o, "loaded", in->p != NULL) || cli_json_list(o, "capabilities", in->p ? caps : "") ||
			    cli_json_str(o, "health", in->p == NULL ? "broken" : h.state) ||
			    cli_json_time(o, "last_success", h.last_success) || cli_json_str(o, "message", msg) ||
			    cli_json_int(o, "interval", in->interval)) {
				json_decref(arr);
				plugin_config_free(&pc);
				return cli_json_fail(&c->e);
			}
		} else if (t != NULL) {
			const char *cells[6] = { in->name, in->type, caps, in->p == NULL ? "broken" : h.state, when, msg };

			if (cli_table_add(t, cells) != 0) {
				cli_table_free(t);
				plugin_config_free(&pc);
				return err_set(&c->e, ERR_IO, "out of memory");
			}
		}
	}
	if (arr != NULL) {
		plugin_config_free(&pc);
		return cli_json_print(arr, &c->e) < 0 ? CLI_FAIL : 0;
	}
	if (pc.path[0] == '\0')
		printf("no config file; plugins are configured in [plugin NAME] sections of %s (see steward-plugins(7))\n",
		       c->config ? c->config : "$XDG_CONFIG_HOME/steward/config");
	else if (t != NULL)
		cli_table_print(t);
	cli_table_free(t);
	plugin_config_free(&pc);
	return 0;
}

/* A plugin names what it counts ("versions", "alerts"): the meter's unit
 * follows it, under one label per plugin. */
struct cmd_sync_meter {
	struct meter m;
	struct progress pr;
	char label[160];
};

static void cmd_sync_progress(void *arg, const char *what, long done, long total)
{
	struct cmd_sync_meter *s = arg;

	s->m.unit = what;
	progress_note(&s->pr, s->label, done, total);
}

/* The sync's worker asks before its first write: the key is still being unlocked while it reads. */
static int cmd_sync_who(void *arg, struct err *e)
{
	struct cli_ctx *c = arg;

	if (cli_key_wait(c) == 0)
		return 0;
	*e = c->e;
	return -1;
}

static void cmd_sync_reading(void *arg)
{
	cli_key_start(arg);
}

int cmd_sync_run(struct cli_ctx *c)
{
	struct plugin_config pc;
	json_t *arr = c->json ? json_array() : NULL;
	struct cmd_sync_meter sm;
	size_t i;
	int failed = 0, ran = 0, partial = 0;

	if (cli_plugin_config(c, &pc, 0) != 0)
		return CLI_FAIL;
	if (c->npos == 1 && plugin_find(&pc, c->pos[0]) == NULL) {
		plugin_config_free(&pc);
		json_decref(arr);
		return err_set(&c->e, ERR_NOTFOUND, "no [plugin %s] in %s", c->pos[0], pc.path[0] ? pc.path : "the config");
	}
	for (i = 0; i < pc.ninst; i++) {
		struct plugin_instance *in = &pc.inst[i];
		struct plugin_sync_result r;
		struct err e;
		int rc;

		if (c->npos == 1 && strcmp(in->name, c->pos[0]) != 0)
			continue;
		ran++;
		err_clear(&e);
		in->force_full = cli_opt(c, "full") != NULL;
		in->who_ready = cmd_sync_who;
		in->reading = cmd_sync_reading;
		in->who_arg = c;
		rc = plugin_open(in, &pc, &e);
		meter_start(&sm.m, "records", cli_opt(c, "quiet") != NULL);
		sm.pr = meter_progress(&sm.m);
		snprintf(sm.label, sizeof sm.label, "syncing %s", in->name);
		if (rc == 0)
			rc = plugin_sync(c->db_path, in, &c->who, cmd_sync_progress, &sm, &r, &e);
		else
			memset(&r, 0, sizeof r);
		meter_end(&sm.m);
		/* Nothing is said for a key that may not act (c->e says why). */
		if (cli_key_wait(c) != 0) {
			plugin_config_free(&pc);
			json_decref(arr);
			return CLI_FAIL;
		}
		if (rc == 0 && (r.unverified > 0 || r.malformed > 0))
			partial++;
		if (rc != 0) {
			failed++;
			fprintf(stderr, "steward: %s\n", e.msg);
		}
		if (arr != NULL) {
			json_t *o = json_pack("{s:s, s:b, s:I, s:I, s:I, s:I, s:I, s:I, s:f, s:s, s:b, s:I, s:b, s:I, s:s}",
					      "plugin", in->name, "ok", rc == 0, "models", (json_int_t)r.models, "versions",
					      (json_int_t)r.versions, "metrics", (json_int_t)r.metrics, "aliases",
					      (json_int_t)r.aliases, "written", (json_int_t)r.written, "unapproved_changes",
					      (json_int_t)r.observed, "seconds", r.seconds, "error", rc == 0 ? "" : e.msg,
					      "full", r.full, "skipped", (json_int_t)r.skipped, "partial",
					      rc == 0 && r.unverified > 0, "unverified", (json_int_t)r.unverified,
					      "partial_reason", r.partial);

			if (o != NULL && (json_object_set_new(o, "series", json_integer(r.series)) != 0 ||
					  json_object_set_new(o, "alerts", json_integer(r.alerts)) != 0 ||
					  json_object_set_new(o, "lineage",
							      json_pack("{s:I, s:I, s:I, s:I, s:I, s:s}", "events", (json_int_t)r.events,
									"imported", (json_int_t)r.imported, "duplicates",
									(json_int_t)r.duplicates, "malformed", (json_int_t)r.malformed,
									"attested", (json_int_t)r.attested, "first_malformed",
									r.malformed_first)) != 0)) {
				json_decref(o);
				o = NULL;
			}
			if (o == NULL || json_array_append_new(arr, o) != 0) {
				json_decref(arr);
				plugin_config_free(&pc);
				return cli_json_fail(&c->e);
			}
		} else if (rc == 0 && (in->p->caps & STEWARD_CAP_LINEAGE) && !(in->p->caps & STEWARD_CAP_REGISTRY)) {
			printf("%s: %" PRId64 " lineage events: %" PRId64 " new, %" PRId64 " already held, %" PRId64
			       " malformed and skipped; %" PRId64 " model version(s) attested in %.2f s\n",
			       in->name, r.events, r.imported, r.duplicates, r.malformed, r.attested, r.seconds);
			if (r.malformed > 0)
				printf("%s: first malformed event: %s\n", in->name, cli_safe(c, r.malformed_first));
		} else if (rc == 0 && !(in->p->caps & STEWARD_CAP_REGISTRY)) {
			/* A monitoring source: what it brought, not registry counts it never has. */
			printf("%s: %" PRId64 " series and histograms, %" PRId64 " alerts and silences; %" PRId64
			       " rows written in %.2f s\n",
			       in->name, r.series, r.alerts, r.written, r.seconds);
		} else if (rc == 0) {
			printf("%s: %" PRId64 " models, %" PRId64 " versions (%" PRId64 " unchanged), %" PRId64
			       " metrics, %" PRId64 " aliases; %" PRId64 " rows written in %.2f s (%s)\n",
			       in->name, r.models, r.versions + r.skipped, r.skipped, r.metrics, r.aliases, r.written,
			       r.seconds, r.full ? "full pass" : "incremental");
			if (r.unverified > 0)
				printf("%s: partial: the artifacts of %" PRId64 " version(s) could not be read, their digests are"
				       " unverified (%s)\n",
				       in->name, r.unverified, cli_safe(c, r.partial));
			if (r.observed > 0)
				printf("%s: %" PRId64 " alias move(s) no steward decision made: see 'steward audit verify'\n",
				       in->name, r.observed);
		}
	}
	plugin_config_free(&pc);
	if (arr != NULL && cli_json_print(arr, &c->e) < 0)
		return CLI_FAIL;
	if (ran == 0) {
		if (arr == NULL)
			printf("no plugins configured\n");
		return 0;
	}
	if (failed > 0)
		return err_set(&c->e, ERR_IO, "%d of %d syncs failed; nothing of those was recorded", failed, ran);
	if (partial > 0) {
		err_set(&c->e, ERR_IO,
			"%d of %d syncs were partial: some artifacts could not be read or some events were malformed (see 'steward plugin list')",
			partial, ran);
		return CLI_ATTENTION;
	}
	return 0;
}
