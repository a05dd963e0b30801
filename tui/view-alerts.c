/* view-alerts: the alerts firing and silenced in the alert sources, with severity, model, age and who silenced them; s silences the selected one, u expires its silence, x answers it with a playbook. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "action.h"
#include "app.h"
#include "draw.h"
#include "monitor.h"
#include "playbook.h"
#include "silence.h"

#define ALERTS_PLUGINS 16 /* distinct alert sources whose health is shown */

enum { ALERTS_SEV, ALERTS_MODEL, ALERTS_VERSION, ALERTS_SINCE, ALERTS_SUMMARY, ALERTS_STATE, ALERTS_BY,
       ALERTS_NCOLS };

static const struct list_col view_alerts_cols[ALERTS_NCOLS] = {
	[ALERTS_SEV] = {.title = "SEVERITY", .width = 8},
	[ALERTS_MODEL] = {.title = "MODEL", .min = 10, .weight = 3},
	[ALERTS_VERSION] = {.title = "VER", .width = 5, .right = 1},
	[ALERTS_SINCE] = {.title = "SINCE", .width = 6, .right = 1},
	/* What it says matters most: at 80 columns who silenced it gives way first. */
	[ALERTS_SUMMARY] = {.title = "ALERT", .min = 16, .weight = 6},
	[ALERTS_STATE] = {.title = "STATE", .width = 9},
	[ALERTS_BY] = {.title = "SILENCED BY", .min = 6, .weight = 2},
};

struct view_alerts {
	struct monitor_alert *al;
	size_t n;
	struct monitor_silence_row *sil;
	size_t nsil;
	int firing, silenced;
	struct view_health health;
};

static int view_alerts_rank(const char *sev)
{
	if (strcmp(sev, "critical") == 0)
		return 3;
	if (strcmp(sev, "warning") == 0)
		return 2;
	if (strcmp(sev, "info") == 0)
		return 1;
	return 0;
}

/* "firing", "silenced" or "inhibited" (suppressed by another alert), as SREs say it. */
static const char *view_alerts_state(const struct monitor_alert *al)
{
	if (strcmp(al->state, "active") == 0)
		return "firing";
	if (strcmp(al->state, "suppressed") == 0)
		return al->silenced_by[0] != '\0' ? "silenced" : "inhibited";
	return al->state;
}

/* Who silenced it and for how much longer, from the silences the source
 * holds; the silence's id when the store has no such silence. */
static void view_alerts_by(const struct view_alerts *p, const struct monitor_alert *al, int64_t now, char *buf,
			   size_t n)
{
	char ids[sizeof al->silenced_by], *tok, *save = NULL, left[32];
	size_t used = 0, i;

	buf[0] = '\0';
	snprintf(ids, sizeof ids, "%s", al->silenced_by);
	for (tok = strtok_r(ids, " ", &save); tok != NULL; tok = strtok_r(NULL, " ", &save)) {
		const struct monitor_silence_row *s = NULL;
		int w;

		for (i = 0; i < p->nsil && s == NULL; i++)
			if (strcmp(p->sil[i].plugin, al->plugin) == 0 && strcmp(p->sil[i].id, tok) == 0)
				s = &p->sil[i];
		if (s != NULL) {
			view_duration(s->ends - now, left, sizeof left);
			w = snprintf(buf + used, n - used, "%s%s, %s left", used ? "; " : "", s->created_by, left);
		} else {
			w = snprintf(buf + used, n - used, "%s%.12s", used ? "; " : "", tok);
		}
		if (w < 0 || (size_t)w >= n - used)
			break;
		used += (size_t)w;
	}
	if (used == 0)
		snprintf(buf, n, "-");
}

static int view_alerts_load(struct app *a, struct view *v, struct err *e)
{
	struct view_alerts *p = v->priv;
	struct monitor_alert *al = NULL;
	struct monitor_silence_row *sil = NULL;
	const char *plugins[ALERTS_PLUGINS];
	size_t n = 0, nsil = 0, i, np = 0, k;
	int64_t now = store_now();
	char keep[256];

	if (monitor_alerts_list(a->st, &al, &n, e) != 0)
		return -1;
	if (monitor_silences_list(a->st, &sil, &nsil, e) != 0) {
		monitor_alerts_free(al);
		return -1;
	}
	/* The sources the alerts came from, configured here or not: their last sync dates what is shown. */
	for (i = 0; i < n; i++) {
		for (k = 0; k < np && strcmp(plugins[k], al[i].plugin) != 0; k++)
			;
		if (k == np && np < ALERTS_PLUGINS)
			plugins[np++] = al[i].plugin;
	}
	if (view_health_load(a, 1, plugins, np, &p->health, e) != 0) {
		monitor_alerts_free(al);
		monitor_silences_free(sil);
		return -1;
	}
	monitor_alerts_free(p->al);
	monitor_silences_free(p->sil);
	p->al = al;
	p->n = n;
	p->sil = sil;
	p->nsil = nsil;
	p->firing = p->silenced = 0;
	list_selected_key(&v->list, keep, sizeof keep);
	list_clear(&v->list);
	for (i = 0; i < n; i++) {
		const struct monitor_alert *x = &al[i];
		int rank = view_alerts_rank(x->severity), firing = strcmp(x->state, "active") == 0;
		int sev = !firing ? DRAW_DIM : rank >= 3 ? DRAW_ERROR : rank == 2 ? DRAW_WARN : DRAW_NORMAL;
		char key[160], since[32], by[256];
		struct list_row *r;

		p->firing += firing;
		p->silenced += x->silenced_by[0] != '\0';
		snprintf(key, sizeof key, "%s/%s", x->plugin, x->fingerprint);
		r = list_add(&v->list, key, 0, e);
		if (r == NULL)
			return -1;
		view_duration(now - x->starts, since, sizeof since);
		view_alerts_by(p, x, now, by, sizeof by);
		if (list_set(r, ALERTS_SEV, sev, e, "%s", x->severity[0] ? x->severity : "-") != 0 ||
		    list_set(r, ALERTS_MODEL, firing ? DRAW_NORMAL : DRAW_DIM, e, "%s", x->model[0] ? x->model : "-") != 0 ||
		    (x->version > 0 ? list_set(r, ALERTS_VERSION, firing ? DRAW_NORMAL : DRAW_DIM, e, "v%lld",
					       (long long)x->version)
				    : list_set(r, ALERTS_VERSION, DRAW_DIM, e, "-")) != 0 ||
		    list_set(r, ALERTS_SINCE, firing ? DRAW_NORMAL : DRAW_DIM, e, "%s", since) != 0 ||
		    list_set(r, ALERTS_SUMMARY, firing ? DRAW_NORMAL : DRAW_DIM, e, "%s%s%s", x->name,
			     x->summary[0] ? ": " : "", x->summary) != 0 ||
		    list_set(r, ALERTS_STATE, firing ? sev : DRAW_DIM, e, "%s", view_alerts_state(x)) != 0 ||
		    list_set(r, ALERTS_BY, DRAW_DIM, e, "%s", by) != 0)
			return -1;
		list_set_num(r, ALERTS_SEV, rank);
		list_set_num(r, ALERTS_VERSION, (double)x->version);
		/* Sorted by how long it has fired, not by the text "3h05m". */
		list_set_num(r, ALERTS_SINCE, (double)(now - x->starts));
	}
	return list_finish(&v->list, keep, e);
}

static void view_alerts_close(struct view *v)
{
	struct view_alerts *p = v->priv;

	if (p == NULL)
		return;
	monitor_alerts_free(p->al);
	monitor_silences_free(p->sil);
	free(p);
	v->priv = NULL;
}

static int view_alerts_open(struct app *a, struct view *v, const struct view_arg *arg, struct err *e)
{
	struct view_alerts *p;

	(void)arg;
	p = calloc(1, sizeof *p);
	if (p == NULL)
		return err_set(e, ERR_IO, "out of memory");
	v->priv = p;
	list_init(&v->list, view_alerts_cols, ALERTS_NCOLS, 1,
		  "no alerts: none firing or silenced in the alert sources' last sync");
	return view_alerts_load(a, v, e);
}

/* The selected alert; NULL when there is none. */
static const struct monitor_alert *view_alerts_selected(const struct view *v)
{
	const struct view_alerts *p = v->priv;
	const struct list_row *r = list_selected(&v->list);
	size_t i;

	if (r == NULL)
		return NULL;
	/* One list row per alert, added in the same order. */
	i = (size_t)(r - v->list.rows);
	return i < p->n ? &p->al[i] : NULL;
}

/* s on a firing alert that no silence mutes; u on a silenced one. */
static int view_alerts_offers(const struct app *a, const struct view *v, const struct action *act)
{
	const struct monitor_alert *al = view_alerts_selected(v);

	(void)a;
	if (al == NULL)
		return 0;
	if (act->id == ACT_SILENCE)
		return strcmp(al->state, "active") == 0 && al->silenced_by[0] == '\0';
	if (act->id == ACT_UNSILENCE)
		return al->silenced_by[0] != '\0';
	if (act->id == ACT_RESPOND)
		return strcmp(al->state, "active") == 0 && al->model[0] != '\0';
	return 0;
}

/* x on a firing alert: the playbooks whose trigger matches it; the run at once when only one does. */
static void view_alerts_respond(struct app *a, const struct monitor_alert *al)
{
	struct playbook *pb = NULL;
	struct steward_kv kv[64];
	json_t *labels;
	size_t n = 0, nkv = 0, i, match = 0, which = 0;
	char dir[4096];
	struct view_arg arg = {0};
	struct err e;

	err_clear(&e);
	if (strcmp(al->state, "active") != 0 || al->model[0] == '\0') {
		app_error(a, "%s is %s%s: playbooks answer firing alerts that name a model", al->name,
			  strcmp(al->state, "active") != 0 ? "not firing" : "firing",
			  al->model[0] == '\0' ? " but names no model" : "");
		return;
	}
	if (view_playbook_dir(a, dir, sizeof dir, &e) != 0 || playbook_load_dir(dir, &pb, &n, NULL, NULL, &e) != 0) {
		app_error(a, "%s", e.msg);
		return;
	}
	nkv = view_alert_labels(al->labels, &labels, kv, sizeof kv / sizeof kv[0]);
	for (i = 0; i < n; i++)
		if (playbook_matches(&pb[i], al->name, kv, nkv)) {
			match++;
			which = i;
		}
	json_decref(labels);
	arg.model = al->model;
	if (match == 0)
		app_error(a, "no playbook in %s answers %s (steward-playbook(5): trigger alert %s ...)", dir, al->name, al->name);
	else if (match == 1) {
		arg.scope = pb[which].name;
		arg.dataset = al->name;
		app_push(a, &view_playrun_ops, &arg);
	} else {
		arg.dataset = al->fingerprint;
		app_push(a, &view_playbooks_ops, &arg);
	}
	free(pb);
}

static int view_alerts_key(struct app *a, struct view *v, const struct action *act)
{
	const struct view_alerts *p = v->priv;
	const struct monitor_alert *al;

	if (act->id != ACT_SILENCE && act->id != ACT_UNSILENCE && act->id != ACT_RESPOND)
		return 0;
	al = view_alerts_selected(v);
	if (al == NULL)
		app_error(a, "no alert selected");
	else if (act->id == ACT_RESPOND)
		view_alerts_respond(a, al);
	else if (act->id == ACT_SILENCE)
		silence_start(a, al);
	else
		silence_expire_start(a, al, p->sil, p->nsil);
	return 1;
}

/* Enter on an alert opens the charts of the version it names (the model when it names none). */
static int view_alerts_enter(struct app *a, struct view *v, struct err *e)
{
	const struct monitor_alert *al = view_alerts_selected(v);
	struct view_arg arg = {0};

	(void)e;
	if (al == NULL || al->model[0] == '\0')
		return 0;
	arg.model = al->model;
	arg.version = al->version;
	app_push(a, al->version > 0 ? &view_monitor_detail_ops : &view_model_ops, &arg);
	return 0;
}

static void view_alerts_draw(struct app *a, struct view *v, int y, int x, int h, int w)
{
	struct view_alerts *p = v->priv;
	char line[256];
	int used;

	(void)a;
	if (h < 4) {
		list_draw(&v->list, y, x, h, w);
		return;
	}
	snprintf(line, sizeof line, "%d firing, %d silenced", p->firing, p->silenced);
	draw_text(y, x + 1, w - 1, draw_attr(p->firing > 0 ? DRAW_WARN : DRAW_DIM, 0), line);
	used = 1 + view_health_draw(&p->health, y + 1, x, w, h / 3);
	list_draw(&v->list, y + used, x, h - used, w);
}

static void view_alerts_title(struct view *v, char *buf, size_t n)
{
	(void)v;
	snprintf(buf, n, "alerts");
}

const struct view_ops view_alerts_ops = {
	.name = "alerts",
	.open = view_alerts_open,
	.close = view_alerts_close,
	.refresh = view_alerts_load,
	.draw = view_alerts_draw,
	.key = view_alerts_key,
	.enter = view_alerts_enter,
	.title = view_alerts_title,
	.offers = view_alerts_offers,
};
