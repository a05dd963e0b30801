/* view-playbooks: the playbooks in the playbook directory with their triggers and unfinished runs; from :alerts, only those whose trigger matches the alert; x or Enter opens a run. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "action.h"
#include "app.h"
#include "draw.h"
#include "monitor.h"
#include "playrun.h"
#include "plugin.h"

enum { PB_NAME, PB_TRIGGER, PB_STEPS, PB_RUN, PB_DESC, PB_NCOLS };

static const struct list_col view_playbooks_cols[PB_NCOLS] = {
	[PB_NAME] = {.title = "PLAYBOOK", .min = 12, .weight = 3},
	[PB_TRIGGER] = {.title = "TRIGGER", .min = 10, .weight = 3},
	[PB_STEPS] = {.title = "STEPS", .width = 5, .right = 1},
	[PB_RUN] = {.title = "RUN", .min = 6, .weight = 2},
	[PB_DESC] = {.title = "DESCRIPTION", .min = 10, .weight = 5},
};

struct view_playbooks {
	struct playbook *pb;
	size_t n;
	size_t *shown; /* list row -> playbook */
	char dir[4096];
	int broken;
	char first_broken[600];
};

int view_playbook_dir(const struct app *a, char *out, size_t n, struct err *e)
{
	char configured[4096] = "";

	if (a->opts != NULL && a->opts->config_path != NULL) {
		/* A whole plugin configuration: kept off the stack. */
		struct plugin_config *pc = calloc(1, sizeof *pc);

		if (pc == NULL)
			return err_set(e, ERR_IO, "out of memory");
		if (plugin_config_load(a->opts->config_path, 1, pc, e) != 0) {
			free(pc);
			return -1;
		}
		snprintf(configured, sizeof configured, "%s", pc->playbooks);
		plugin_config_free(pc);
		free(pc);
	}
	return playbook_dir(NULL, configured, out, n, e);
}

static void view_playbooks_bad(void *arg, const char *path, const struct err *e)
{
	struct view_playbooks *p = arg;

	(void)path;
	if (p->broken++ == 0)
		snprintf(p->first_broken, sizeof p->first_broken, "%s", e->msg);
}

size_t view_alert_labels(const char *json, json_t **root, struct steward_kv *kv, size_t max)
{
	const char *k;
	json_t *val;
	size_t n = 0;

	*root = json_loads(json, 0, NULL);
	if (!json_is_object(*root))
		return 0;
	json_object_foreach(*root, k, val) {
		if (n < max && json_is_string(val)) {
			kv[n].key = k;
			kv[n++].value = json_string_value(val);
		}
	}
	return n;
}

static int view_playbooks_load(struct app *a, struct view *v, struct err *e)
{
	struct view_playbooks *p = v->priv;
	struct playrun_info *runs = NULL;
	struct monitor_alert *al = NULL;
	struct steward_kv kv[64];
	json_t *labels = NULL;
	size_t nr = 0, nal = 0, nkv = 0, i, k;
	const struct monitor_alert *alert = NULL;
	char keep[256];
	int rc = -1;

	free(p->pb);
	free(p->shown);
	p->pb = NULL;
	p->shown = NULL;
	p->n = 0;
	p->broken = 0;
	if (playbook_load_dir(p->dir, &p->pb, &p->n, view_playbooks_bad, p, e) != 0)
		return -1;
	p->shown = calloc(p->n + 1, sizeof *p->shown);
	if (p->shown == NULL)
		return err_set(e, ERR_IO, "out of memory");
	if (playrun_list(a->st, 0, NULL, &runs, &nr, e) != 0)
		return -1;
	/* From :alerts: the alert's labels decide which playbooks answer it. */
	if (v->arg.model != NULL && v->arg.dataset != NULL) {
		if (monitor_alerts_list(a->st, &al, &nal, e) != 0)
			goto out;
		for (i = 0; i < nal && alert == NULL; i++)
			if (strcmp(al[i].model, v->arg.model) == 0 && strcmp(al[i].fingerprint, v->arg.dataset) == 0)
				alert = &al[i];
		if (alert != NULL)
			nkv = view_alert_labels(alert->labels, &labels, kv, sizeof kv / sizeof kv[0]);
	}
	list_selected_key(&v->list, keep, sizeof keep);
	list_clear(&v->list);
	for (i = 0; i < p->n; i++) {
		const struct playbook *b = &p->pb[i];
		const struct playrun_info *r = NULL;
		char trig[400], run[96];
		size_t used, m;
		struct list_row *row;

		if (v->arg.dataset != NULL && (alert == NULL || !playbook_matches(b, alert->name, kv, nkv)))
			continue;
		for (k = 0; k < nr && r == NULL; k++)
			if (strcmp(runs[k].playbook, b->name) == 0 && (v->arg.model == NULL || strcmp(runs[k].model, v->arg.model) == 0))
				r = &runs[k];
		used = (size_t)snprintf(trig, sizeof trig, "%s", b->alert);
		for (m = 0; m < b->nm && used < sizeof trig; m++) {
			int w = snprintf(trig + used, sizeof trig - used, " %s%s%s", b->m[m].name, b->m[m].neg ? "!=" : "=",
					 b->m[m].value);

			if (w < 0)
				break;
			used += (size_t)w;
		}
		if (r != NULL)
			snprintf(run, sizeof run, "%lld %s %zu/%zu", (long long)r->id, r->state, r->next + 1, r->nsteps);
		else
			snprintf(run, sizeof run, "-");
		p->shown[v->list.n] = i;
		row = list_add(&v->list, b->name, 0, e);
		if (row == NULL || list_set(row, PB_NAME, DRAW_NORMAL, e, "%s", b->name) != 0 ||
		    list_set(row, PB_TRIGGER, DRAW_NORMAL, e, "%s", trig) != 0 ||
		    list_set(row, PB_STEPS, DRAW_NORMAL, e, "%zu", b->nsteps) != 0 ||
		    list_set(row, PB_RUN, r != NULL && strcmp(r->state, "stopped") == 0 ? DRAW_ERROR : DRAW_DIM, e, "%s",
			     run) != 0 ||
		    list_set(row, PB_DESC, DRAW_DIM, e, "%s", b->description) != 0)
			goto out;
		list_set_num(row, PB_STEPS, (double)b->nsteps);
	}
	rc = list_finish(&v->list, keep, e);
out:
	json_decref(labels);
	monitor_alerts_free(al);
	free(runs);
	return rc;
}

static void view_playbooks_close(struct view *v)
{
	struct view_playbooks *p = v->priv;

	if (p == NULL)
		return;
	free(p->pb);
	free(p->shown);
	free(p);
	v->priv = NULL;
}

static int view_playbooks_open(struct app *a, struct view *v, const struct view_arg *arg, struct err *e)
{
	struct view_playbooks *p = calloc(1, sizeof *p);

	(void)arg;
	if (p == NULL)
		return err_set(e, ERR_IO, "out of memory");
	if (view_playbook_dir(a, p->dir, sizeof p->dir, e) != 0) {
		free(p);
		return -1;
	}
	v->priv = p;
	list_init(&v->list, view_playbooks_cols, PB_NCOLS, 1,
		  v->arg.dataset != NULL ? "no playbook's trigger matches this alert (steward-playbook(5))"
					 : "no playbooks in the playbook directory (steward-playbook(5))");
	return view_playbooks_load(a, v, e);
}

static const struct playbook *view_playbooks_selected(const struct view *v)
{
	const struct view_playbooks *p = v->priv;
	const struct list_row *r = list_selected(&v->list);
	size_t i;

	if (r == NULL)
		return NULL;
	i = (size_t)(r - v->list.rows);
	return i < v->list.n ? &p->pb[p->shown[i]] : NULL;
}

static char view_playbooks_pending[101 + 65];

static void view_playbooks_model(struct app *a, char *text, size_t len)
{
	struct view_arg arg = {0};

	(void)len;
	if (text[strspn(text, " ")] == '\0')
		return;
	arg.model = text;
	arg.scope = view_playbooks_pending;
	app_push(a, &view_playrun_ops, &arg);
}

/* x or Enter: the run of the selected playbook on the alert's model, or on a model asked for. */
static int view_playbooks_go(struct app *a, struct view *v)
{
	const struct playbook *b = view_playbooks_selected(v);
	struct view_arg arg = {0};

	if (b == NULL) {
		app_error(a, "no playbook selected");
		return 1;
	}
	if (v->arg.model == NULL) {
		char q[APP_LINE_MAX];

		snprintf(view_playbooks_pending, sizeof view_playbooks_pending, "%s", b->name);
		snprintf(q, sizeof q, "run %.60s on which model? (Esc cancels): ", b->name);
		app_ask(a, APP_PROMPT, q, view_playbooks_model);
		return 1;
	}
	arg.model = v->arg.model;
	arg.scope = b->name;
	/* The run names the alert by its name; this view was opened on its fingerprint. */
	arg.dataset = b->alert;
	app_push(a, &view_playrun_ops, &arg);
	return 1;
}

static int view_playbooks_key(struct app *a, struct view *v, const struct action *act)
{
	if (act->id != ACT_RESPOND)
		return 0;
	return view_playbooks_go(a, v);
}

static int view_playbooks_enter(struct app *a, struct view *v, struct err *e)
{
	(void)e;
	view_playbooks_go(a, v);
	return 0;
}

static int view_playbooks_offers(const struct app *a, const struct view *v, const struct action *act)
{
	(void)a;
	return act->id == ACT_RESPOND && list_selected(&v->list) != NULL;
}

static void view_playbooks_draw(struct app *a, struct view *v, int y, int x, int h, int w)
{
	struct view_playbooks *p = v->priv;
	char line[700];
	int used = 0;

	(void)a;
	if (h >= 4) {
		if (v->arg.dataset != NULL)
			snprintf(line, sizeof line, "playbooks answering the alert on %s (x or Enter: run one)", v->arg.model);
		else
			snprintf(line, sizeof line, "%.600s (x or Enter: run one on a model)", p->dir);
		draw_text(y, x + 1, w - 1, draw_attr(DRAW_DIM, 0), line);
		used = 1;
		if (p->broken > 0) {
			snprintf(line, sizeof line, "%d file%s skipped: %s", p->broken, p->broken == 1 ? "" : "s",
				 p->first_broken);
			draw_text(y + 1, x + 1, w - 1, draw_attr(DRAW_ERROR, 0), line);
			used = 2;
		}
	}
	list_draw(&v->list, y + used, x, h - used, w);
}

static void view_playbooks_title(struct view *v, char *buf, size_t n)
{
	if (v->arg.dataset != NULL && v->arg.model != NULL)
		snprintf(buf, n, "playbooks for %s", v->arg.model);
	else
		snprintf(buf, n, "playbooks");
}

const struct view_ops view_playbooks_ops = {
	.name = "playbooks",
	.open = view_playbooks_open,
	.close = view_playbooks_close,
	.refresh = view_playbooks_load,
	.draw = view_playbooks_draw,
	.key = view_playbooks_key,
	.enter = view_playbooks_enter,
	.title = view_playbooks_title,
	.offers = view_playbooks_offers,
};
