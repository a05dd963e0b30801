/* cmd-monitor: `steward monitor list|show`: the monitoring cache of deployed versions, as the :monitor view shows it. */
#include "cli.h"

#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "monitor.h"
#include "policy.h"
#include "registry.h"
#include "store.h"

/* NaN (no value) is JSON null, not an error. */
static int cmd_monitor_num(json_t *o, const char *key, double v)
{
	return json_object_set_new(o, key, isfinite(v) ? json_real(v) : json_null());
}

static const char *cmd_monitor_text(enum monitor_sig k, double v, char *buf, size_t n)
{
	if (isnan(v))
		snprintf(buf, n, "-");
	else if (k == MSIG_LATENCY)
		snprintf(buf, n, "%.0f ms", v * 1e3);
	else if (k == MSIG_ERRORS)
		snprintf(buf, n, "%.2f%%", v * 100);
	else if (k == MSIG_FRESHNESS)
		snprintf(buf, n, v >= 7200 ? "%.0f h" : "%.0f min", v >= 7200 ? v / 3600 : v / 60);
	else if (k == MSIG_TRAFFIC)
		snprintf(buf, n, "%.1f/s", v);
	else
		snprintf(buf, n, "%.3f", v);
	return buf;
}

static json_t *cmd_monitor_row_json(const struct monitor_row *r)
{
	json_t *o = json_object(), *lim = json_object(), *over = json_array();
	int k, bad = o == NULL || lim == NULL || over == NULL;

	bad = bad || cli_json_str(o, "model", r->model) || cli_json_int(o, "version", r->version) ||
	      cli_json_str(o, "alias", r->alias) || cli_json_str(o, "tier", r->tier);
	for (k = 0; !bad && k < MSIG_N; k++) {
		bad = cmd_monitor_num(o, monitor_sig_name((enum monitor_sig)k), r->now[k]) != 0;
		if (!bad && r->limit[k].has)
			bad = json_object_set_new(lim, monitor_sig_name((enum monitor_sig)k),
						  json_pack("{s:s, s:s, s:f}", "rule", r->limit[k].rule, "op",
							    policy_op_text((enum policy_op)r->limit[k].op), "value",
							    r->limit[k].value)) != 0;
		if (!bad && r->breach[k])
			bad = json_array_append_new(over, json_string(monitor_sig_name((enum monitor_sig)k))) != 0;
	}
	bad = bad || cmd_monitor_num(o, "drift_ks", r->ks) != 0 || json_object_set(o, "limits", lim) != 0 ||
	      json_object_set(o, "over_limit", over) != 0 || cli_json_int(o, "alerts_firing", r->firing) ||
	      cli_json_int(o, "alerts_silenced", r->silenced) ||
	      cli_json_str(o, "worst_severity", r->worst == 3 ? "critical" : r->worst == 2 ? "warning" : r->worst == 1 ? "info" : "") ||
	      (r->observed ? cli_json_time(o, "observed", r->observed) : json_object_set_new(o, "observed", json_null()) != 0);
	json_decref(lim);
	json_decref(over);
	if (bad) {
		json_decref(o);
		return NULL;
	}
	return o;
}

int cmd_monitor_list(struct cli_ctx *c)
{
	static const char *const head[] = { "MODEL", "VERSION", "ALIAS", "LATENCY P99", "ERRORS", "DRIFT PSI", "FRESHNESS", "ALERTS" };
	static const enum monitor_sig cols[] = { MSIG_LATENCY, MSIG_ERRORS, MSIG_PSI, MSIG_FRESHNESS };
	struct monitor_row *r = NULL;
	struct cli_table *t = NULL;
	size_t n = 0, i;
	int rc = CLI_FAIL;

	if (monitor_rows(c->st, store_now(), &r, &n, &c->e) != 0)
		return CLI_FAIL;
	if (c->json) {
		json_t *a = json_array();

		for (i = 0; a != NULL && i < n; i++)
			if (json_array_append_new(a, cmd_monitor_row_json(&r[i])) != 0) {
				json_decref(a);
				a = NULL;
			}
		monitor_rows_free(r);
		if (a == NULL)
			return cli_json_fail(&c->e);
		return cli_json_print(a, &c->e) < 0 ? CLI_FAIL : 0;
	}
	t = cli_table_new(8, head);
	for (i = 0; t != NULL && i < n; i++) {
		char ver[24], val[4][48], al[48];
		const char *row[8];
		size_t k;

		snprintf(ver, sizeof ver, "%" PRId64, r[i].version);
		for (k = 0; k < 4; k++) {
			char num[32];

			/* A value outside its policy limit says so in words, not only in colour. */
			snprintf(val[k], sizeof val[k], "%s%s", cmd_monitor_text(cols[k], r[i].now[cols[k]], num, sizeof num),
				 r[i].breach[cols[k]] ? " OVER" : "");
		}
		if (r[i].firing)
			snprintf(al, sizeof al, "%d firing (%s)%s", r[i].firing,
				 r[i].worst == 3 ? "critical" : r[i].worst == 2 ? "warning" : "info", r[i].silenced ? ", silenced" : "");
		else
			snprintf(al, sizeof al, "%s", r[i].silenced ? "silenced" : "-");
		row[0] = r[i].model;
		row[1] = ver;
		row[2] = r[i].alias;
		row[3] = val[0];
		row[4] = val[1];
		row[5] = val[2];
		row[6] = val[3];
		row[7] = al;
		if (cli_table_add(t, row) < 0) {
			cli_table_free(t);
			t = NULL;
		}
	}
	if (t == NULL)
		rc = err_set(&c->e, ERR_IO, "out of memory");
	else {
		if (n == 0)
			printf("no deployed version has monitoring data yet: configure a prometheus plugin and run 'steward sync'\n");
		else
			cli_table_print(t);
		rc = 0;
	}
	cli_table_free(t);
	monitor_rows_free(r);
	return rc;
}

static json_t *cmd_monitor_hist_json(const struct monitor_hist *h)
{
	json_t *o = json_pack("{s:[]}", "buckets");
	size_t i;

	if (o == NULL || cli_json_time(o, "from", h->from) || cli_json_time(o, "to", h->to)) {
		json_decref(o);
		return NULL;
	}
	for (i = 0; i < h->n; i++)
		if (json_array_append_new(json_object_get(o, "buckets"),
					  json_pack("[o, f]", isinf(h->le[i]) ? json_string("+Inf") : json_real(h->le[i]),
						    h->count[i])) != 0) {
			json_decref(o);
			return NULL;
		}
	return o;
}

int cmd_monitor_show(struct cli_ctx *c)
{
	struct monitor_detail d;
	int64_t num;
	size_t i, j;
	int rc = 0;

	if (registry_version_parse(c->pos[1], &num, &c->e) < 0)
		return CLI_FAIL;
	if (monitor_detail_load(c->st, c->pos[0], num, store_now(), &d, &c->e) != 0)
		return CLI_FAIL;
	if (c->json) {
		json_t *o = cmd_monitor_row_json(&d.row), *ser = json_object();

		for (i = 0; o != NULL && ser != NULL && i < d.ns; i++) {
			json_t *pts = json_array();

			for (j = 0; pts != NULL && j < d.s[i].n; j++)
				if (json_array_append_new(pts, json_pack("[I, o]", (json_int_t)d.s[i].t[j],
									 isfinite(d.s[i].v[j]) ? json_real(d.s[i].v[j]) : json_null())) != 0) {
					json_decref(pts);
					pts = NULL;
				}
			if (pts == NULL || json_object_set_new(ser, d.s[i].signal, pts) != 0)
				rc = -1;
		}
		if (o == NULL || ser == NULL || rc != 0 || json_object_set_new(o, "series", ser) != 0 ||
		    cmd_monitor_num(o, "psi", d.psi) != 0 || cmd_monitor_num(o, "ks", d.ks) != 0 ||
		    json_object_set_new(o, "reference", d.has_ref ? cmd_monitor_hist_json(&d.ref) : json_null()) != 0 ||
		    json_object_set_new(o, "current", d.has_cur ? cmd_monitor_hist_json(&d.cur) : json_null()) != 0 ||
		    (d.production_since ? cli_json_time(o, "production_since", d.production_since)
					: json_object_set_new(o, "production_since", json_null()) != 0)) {
			json_decref(o);
			monitor_detail_free(&d);
			return cli_json_fail(&c->e);
		}
		monitor_detail_free(&d);
		return cli_json_print(o, &c->e) < 0 ? CLI_FAIL : 0;
	}
	printf("%s v%" PRId64 "%s%s (tier %s)\n", d.row.model, d.row.version, d.row.alias[0] ? ", " : "", d.row.alias,
	       d.row.tier);
	for (i = 0; i < MSIG_N; i++) {
		char val[32];

		printf("  %-12s %-10s", monitor_sig_name((enum monitor_sig)i),
		       cmd_monitor_text((enum monitor_sig)i, d.row.now[i], val, sizeof val));
		if (d.row.limit[i].has)
			printf(" limit %s %g (rule %s)%s", policy_op_text((enum policy_op)d.row.limit[i].op), d.row.limit[i].value,
			       d.row.limit[i].rule, d.row.breach[i] ? ": OVER" : "");
		printf("\n");
	}
	if (!isnan(d.psi))
		printf("  drift of score: PSI %.4f, KS %.4f\n", d.psi, d.ks);
	else
		printf("  drift: not computed (%s)\n", !d.has_ref ? "no reference window" : "no current window");
	printf("  alerts: %d firing, %d silenced\n", d.row.firing, d.row.silenced);
	for (i = 0; i < d.ns; i++)
		printf("  series %s: %zu points at %" PRId64 " s\n", d.s[i].signal, d.s[i].n, d.s[i].step);
	monitor_detail_free(&d);
	return 0;
}
