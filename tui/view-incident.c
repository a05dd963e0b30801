/* view-incident: one incident: its model, severity, state, owner and alert above its timeline, each act with its time, actor, kind, text and ledger entry; A, N and R act on it. */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "action.h"
#include "app.h"
#include "draw.h"
#include "incident.h"
#include "respond.h"

enum { TL_TIME, TL_ACTOR, TL_KIND, TL_ENTRY, TL_TEXT, TL_NCOLS };

static const struct list_col view_incident_cols[TL_NCOLS] = {
	[TL_TIME] = {.title = "TIME", .width = 20},
	[TL_ACTOR] = {.title = "ACTOR", .min = 5, .weight = 1},
	[TL_KIND] = {.title = "KIND", .width = 7},
	[TL_ENTRY] = {.title = "ENTRY", .width = 6, .right = 1},
	[TL_TEXT] = {.title = "TEXT", .min = 16, .weight = 6},
};

#define TL_HEAD 3 /* the lines above the timeline */

struct view_incident {
	int64_t id;
	struct incident x;
	struct incident_event *ev;
	size_t nev;
};

static int view_incident_kind_style(const char *kind)
{
	if (strcmp(kind, "open") == 0)
		return DRAW_WARN;
	if (strcmp(kind, "resolve") == 0)
		return DRAW_OK;
	if (strcmp(kind, "step") == 0)
		return DRAW_ALIAS;
	return DRAW_NORMAL;
}

static int view_incident_load(struct app *a, struct view *v, struct err *e)
{
	struct view_incident *p = v->priv;
	struct incident_event *ev = NULL;
	struct incident x;
	char keep[32];
	size_t nev = 0, i;

	if (incident_get(a->st, p->id, &x, &ev, &nev, e) != 0)
		return -1;
	incident_free(p->ev);
	p->x = x;
	p->ev = ev;
	p->nev = nev;
	list_selected_key(&v->list, keep, sizeof keep);
	list_clear(&v->list);
	for (i = 0; i < nev; i++) {
		char key[32], when[32];
		struct list_row *r;

		snprintf(key, sizeof key, "%" PRId64, ev[i].seq);
		r = list_add(&v->list, key, 0, e);
		if (r == NULL)
			return -1;
		view_time(ev[i].time, when, sizeof when);
		if (list_set(r, TL_TIME, DRAW_DIM, e, "%s", when) != 0 ||
		    list_set(r, TL_ACTOR, DRAW_NORMAL, e, "%s", ev[i].actor) != 0 ||
		    list_set(r, TL_KIND, view_incident_kind_style(ev[i].kind), e, "%s", ev[i].kind) != 0 ||
		    list_set(r, TL_ENTRY, DRAW_DIM, e, "#%" PRId64, ev[i].seq) != 0 ||
		    list_set(r, TL_TEXT, DRAW_NORMAL, e, "%s", ev[i].text[0] ? ev[i].text : "-") != 0)
			return -1;
		list_set_num(r, TL_ENTRY, (double)ev[i].seq);
	}
	return list_finish(&v->list, keep, e);
}

static void view_incident_close(struct view *v)
{
	struct view_incident *p = v->priv;

	if (p == NULL)
		return;
	incident_free(p->ev);
	free(p);
	v->priv = NULL;
}

static int view_incident_open(struct app *a, struct view *v, const struct view_arg *arg, struct err *e)
{
	struct view_incident *p;

	if (arg == NULL || arg->incident <= 0)
		return err_set(e, ERR_INVALID, "no incident to show");
	p = calloc(1, sizeof *p);
	if (p == NULL)
		return err_set(e, ERR_IO, "out of memory");
	p->id = arg->incident;
	v->priv = p;
	list_init(&v->list, view_incident_cols, TL_NCOLS, 1, "its timeline is empty");
	return view_incident_load(a, v, e);
}

static int view_incident_offers(const struct app *a, const struct view *v, const struct action *act)
{
	const struct view_incident *p = v->priv;

	return respond_offers(a, act->id, &p->x);
}

static int view_incident_key(struct app *a, struct view *v, const struct action *act)
{
	struct view_incident *p = v->priv;

	if (act->id != ACT_INCIDENT_ACK && act->id != ACT_INCIDENT_NOTE && act->id != ACT_INCIDENT_RESOLVE)
		return 0;
	respond_start(a, act->id, &p->x);
	return 1;
}

static void view_incident_draw(struct app *a, struct view *v, int y, int x, int h, int w)
{
	const struct view_incident *p = v->priv;
	const struct incident *i = &p->x;
	char line[600], when[32], age[32], acked[64] = "", closed[96] = "";
	int64_t now = store_now();

	(void)a;
	if (h < TL_HEAD + 2) {
		list_draw(&v->list, y, x, h, w);
		return;
	}
	snprintf(line, sizeof line, "#%" PRId64 " %s", i->id, i->title);
	draw_text(y, x + 1, w - 1, draw_attr(DRAW_HEADING, 0), line);
	view_time(i->opened, when, sizeof when);
	view_duration((i->resolved ? i->resolved : now) - i->opened, age, sizeof age);
	snprintf(line, sizeof line, "%s  %s  %s  owner: %s  alert: %s", i->severity, i->state, i->model,
		 i->owner[0] ? i->owner : "- (nobody acknowledged it)", i->alert[0] ? i->alert : "-");
	draw_text(y + 1, x + 1, w - 1, draw_attr(view_incident_style(i), 0), line);
	if (i->acked != 0) {
		char t[32];

		view_time(i->acked, t, sizeof t);
		snprintf(acked, sizeof acked, ", acknowledged %s", t);
	}
	if (i->resolved != 0) {
		char t[32];

		view_time(i->resolved, t, sizeof t);
		snprintf(closed, sizeof closed, ", resolved %s after %s", t, age);
	} else {
		snprintf(closed, sizeof closed, ", %s ago", age);
	}
	snprintf(line, sizeof line, "opened %s by %s%s%s", when, i->opened_by, acked, closed);
	draw_text(y + 2, x + 1, w - 1, draw_attr(DRAW_DIM, 0), line);
	list_draw(&v->list, y + TL_HEAD, x, h - TL_HEAD, w);
}

static void view_incident_title(struct view *v, char *buf, size_t n)
{
	const struct view_incident *p = v->priv;

	snprintf(buf, n, "incident #%" PRId64, p != NULL ? p->id : 0);
}

static void view_incident_scope(const struct view *v, struct view_arg *arg)
{
	const struct view_incident *p = v->priv;

	arg->model = p->x.model;
}

const struct view_ops view_incident_ops = {
	.name = "incident",
	.open = view_incident_open,
	.close = view_incident_close,
	.refresh = view_incident_load,
	.draw = view_incident_draw,
	.key = view_incident_key,
	.title = view_incident_title,
	.offers = view_incident_offers,
	.scope = view_incident_scope,
};
