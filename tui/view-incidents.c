/* view-incidents: the incidents not resolved (a: every one) with severity, state, model, age, owner and title; Enter opens one's timeline, A, N and R act on the selected one. */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "action.h"
#include "app.h"
#include "draw.h"
#include "incident.h"
#include "respond.h"

enum { INC_ID, INC_SEV, INC_STATE, INC_MODEL, INC_AGE, INC_OWNER, INC_TITLE, INC_NCOLS };

static const struct list_col view_incidents_cols[INC_NCOLS] = {
	[INC_ID] = {.title = "#", .width = 4, .right = 1},
	[INC_SEV] = {.title = "SEVERITY", .width = 8},
	[INC_STATE] = {.title = "STATE", .width = 12},
	[INC_MODEL] = {.title = "MODEL", .min = 10, .weight = 3},
	[INC_AGE] = {.title = "AGE", .width = 6, .right = 1},
	/* What is wrong matters most: at 80 columns the owner gives way first. */
	[INC_OWNER] = {.title = "OWNER", .min = 5, .weight = 1},
	[INC_TITLE] = {.title = "TITLE", .min = 16, .weight = 6},
};

struct view_incidents {
	struct incident *x;
	size_t n;
	int all;
	int open, critical, unowned;
};

static int view_incident_rank(const char *severity)
{
	if (strcmp(severity, "critical") == 0)
		return 3;
	if (strcmp(severity, "warning") == 0)
		return 2;
	return strcmp(severity, "info") == 0;
}

int view_incident_style(const struct incident *x)
{
	int rank = view_incident_rank(x->severity);

	if (strcmp(x->state, "resolved") == 0)
		return DRAW_DIM;
	return rank >= 3 ? DRAW_ERROR : rank == 2 ? DRAW_WARN : DRAW_NORMAL;
}

static int view_incidents_load(struct app *a, struct view *v, struct err *e)
{
	struct view_incidents *p = v->priv;
	struct incident *x = NULL;
	char keep[64];
	size_t n = 0, i;
	int64_t now = store_now();

	(void)a;
	if (incident_list(a->st, p->all, NULL, &x, &n, e) != 0)
		return -1;
	incident_free(p->x);
	p->x = x;
	p->n = n;
	p->open = p->critical = p->unowned = 0;
	list_selected_key(&v->list, keep, sizeof keep);
	list_clear(&v->list);
	for (i = 0; i < n; i++) {
		const struct incident *y = &x[i];
		int resolved = strcmp(y->state, "resolved") == 0, sev = view_incident_style(y);
		int plain = resolved ? DRAW_DIM : DRAW_NORMAL;
		char key[32], age[32];
		struct list_row *r;

		p->open += !resolved;
		p->critical += !resolved && view_incident_rank(y->severity) >= 3;
		p->unowned += !resolved && y->owner[0] == '\0';
		snprintf(key, sizeof key, "#%" PRId64, y->id);
		r = list_add(&v->list, key, 0, e);
		if (r == NULL)
			return -1;
		/* A resolved incident's age is how long it lasted. */
		view_duration((resolved ? y->resolved : now) - y->opened, age, sizeof age);
		if (list_set(r, INC_ID, plain, e, "%" PRId64, y->id) != 0 ||
		    list_set(r, INC_SEV, sev, e, "%s", y->severity) != 0 ||
		    list_set(r, INC_STATE, resolved ? DRAW_DIM : y->owner[0] ? DRAW_NORMAL : sev, e, "%s", y->state) != 0 ||
		    list_set(r, INC_MODEL, plain, e, "%s", y->model) != 0 ||
		    list_set(r, INC_AGE, plain, e, "%s", age) != 0 ||
		    list_set(r, INC_OWNER, y->owner[0] ? plain : DRAW_DIM, e, "%s", y->owner[0] ? y->owner : "-") != 0 ||
		    list_set(r, INC_TITLE, plain, e, "%s", y->title) != 0)
			return -1;
		list_set_num(r, INC_ID, (double)y->id);
		list_set_num(r, INC_SEV, view_incident_rank(y->severity));
		/* Sorted by how long, not by the text "3h05m". */
		list_set_num(r, INC_AGE, (double)((resolved ? y->resolved : now) - y->opened));
	}
	return list_finish(&v->list, keep, e);
}

static void view_incidents_close(struct view *v)
{
	struct view_incidents *p = v->priv;

	if (p == NULL)
		return;
	incident_free(p->x);
	free(p);
	v->priv = NULL;
}

static int view_incidents_open(struct app *a, struct view *v, const struct view_arg *arg, struct err *e)
{
	(void)arg;
	v->priv = calloc(1, sizeof(struct view_incidents));
	if (v->priv == NULL)
		return err_set(e, ERR_IO, "out of memory");
	list_init(&v->list, view_incidents_cols, INC_NCOLS, 1,
		  "no open incidents (a shows resolved ones; steward incident open MODEL opens one)");
	return view_incidents_load(a, v, e);
}

/* The selected incident; NULL when there is none. */
static const struct incident *view_incidents_selected(const struct view *v)
{
	const struct view_incidents *p = v->priv;
	const struct list_row *r = list_selected(&v->list);
	size_t i;

	if (r == NULL)
		return NULL;
	/* One list row per incident, added in the same order. */
	i = (size_t)(r - v->list.rows);
	return i < p->n ? &p->x[i] : NULL;
}

static int view_incidents_offers(const struct app *a, const struct view *v, const struct action *act)
{
	if (act->id == ACT_INCIDENTS_ALL)
		return 1;
	return respond_offers(a, act->id, view_incidents_selected(v));
}

static int view_incidents_key(struct app *a, struct view *v, const struct action *act)
{
	struct view_incidents *p = v->priv;
	const struct incident *x;
	struct err e;

	if (act->id == ACT_INCIDENTS_ALL) {
		err_clear(&e);
		p->all = !p->all;
		v->list.empty = p->all ? "no incidents: steward incident open MODEL opens one"
				       : "no open incidents (a shows resolved ones; steward incident open MODEL opens one)";
		if (view_incidents_load(a, v, &e) != 0)
			app_error(a, "%s", e.msg);
		else
			app_message(a, p->all ? "every incident, resolved ones too" : "the incidents not resolved");
		return 1;
	}
	if (act->id != ACT_INCIDENT_ACK && act->id != ACT_INCIDENT_NOTE && act->id != ACT_INCIDENT_RESOLVE)
		return 0;
	x = view_incidents_selected(v);
	if (x == NULL)
		app_error(a, "no incident selected");
	else
		respond_start(a, act->id, x);
	return 1;
}

static int view_incidents_enter(struct app *a, struct view *v, struct err *e)
{
	const struct incident *x = view_incidents_selected(v);
	struct view_arg arg = {0};

	(void)e;
	if (x == NULL)
		return 0;
	arg.incident = x->id;
	app_push(a, &view_incident_ops, &arg);
	return 0;
}

static void view_incidents_draw(struct app *a, struct view *v, int y, int x, int h, int w)
{
	struct view_incidents *p = v->priv;
	char line[256];

	(void)a;
	if (h < 4) {
		list_draw(&v->list, y, x, h, w);
		return;
	}
	snprintf(line, sizeof line, "%d open (%d critical, %d nobody acknowledged)%s", p->open, p->critical, p->unowned,
		 p->all ? "; resolved ones too" : "");
	draw_text(y, x + 1, w - 1, draw_attr(p->critical > 0 ? DRAW_ERROR : p->open > 0 ? DRAW_WARN : DRAW_DIM, 0), line);
	list_draw(&v->list, y + 1, x, h - 1, w);
}

static void view_incidents_title(struct view *v, char *buf, size_t n)
{
	const struct view_incidents *p = v->priv;

	snprintf(buf, n, "%s", p != NULL && p->all ? "incidents, all" : "incidents");
}

const struct view_ops view_incidents_ops = {
	.name = "incidents",
	.open = view_incidents_open,
	.close = view_incidents_close,
	.refresh = view_incidents_load,
	.draw = view_incidents_draw,
	.key = view_incidents_key,
	.enter = view_incidents_enter,
	.title = view_incidents_title,
	.offers = view_incidents_offers,
};
