/* view-deploy: which version takes how much live traffic, and which shadow gets a copy of it, as the deploy plugins last read it; shares no decision explains are flagged. */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "action.h"
#include "app.h"
#include "deploy.h"
#include "draw.h"

enum { DEP_MODEL, DEP_VERSION, DEP_MODE, DEP_SHARE, DEP_BAR, DEP_STATE, DEP_REQ, DEP_TARGET, DEP_NCOLS };

static const struct list_col view_deploy_cols[DEP_NCOLS] = {
	[DEP_MODEL] = {.title = "MODEL", .min = 10, .weight = 3},
	[DEP_VERSION] = {.title = "VER", .width = 5, .right = 1},
	[DEP_MODE] = {.title = "MODE", .width = 6},
	[DEP_SHARE] = {.title = "SHARE", .width = 5, .right = 1},
	[DEP_BAR] = {.title = "", .width = 10},
	[DEP_STATE] = {.title = "STATE", .width = 6},
	[DEP_REQ] = {.title = "REQUESTS", .width = 9, .right = 1},
	[DEP_TARGET] = {.title = "SERVER", .min = 8, .weight = 3},
};

struct view_deploy {
	struct deploy_row *rows;
	size_t n;
	struct deploy_unapproved *un;
	size_t nun;
};

static int view_deploy_load(struct app *a, struct view *v, struct err *e)
{
	struct view_deploy *p = v->priv;
	struct deploy_row *rows;
	struct deploy_unapproved *un;
	size_t n, nun, i, k;
	char keep[256];

	if (deploy_list(a->st, NULL, &rows, &n, e) != 0)
		return -1;
	if (deploy_unapproved_list(a->st, NULL, &un, &nun, e) != 0) {
		free(rows);
		return -1;
	}
	free(p->rows);
	free(p->un);
	p->rows = rows;
	p->n = n;
	p->un = un;
	p->nun = nun;
	list_selected_key(&v->list, keep, sizeof keep);
	list_clear(&v->list);
	for (i = 0; i < n; i++) {
		const struct deploy_row *r = &rows[i];
		int shadow = strcmp(r->mode, "shadow") == 0, flagged = 0, style;
		char key[300], bar[64];
		size_t used = 0, fill = shadow ? 0 : (size_t)(r->share / 10 + 0.5);
		struct list_row *row;

		for (k = 0; k < nun; k++)
			flagged |= strcmp(un[k].model, r->model) == 0;
		style = strcmp(r->state, "down") == 0 || flagged ? DRAW_ERROR
			: strcmp(r->state, "ready") != 0 ? DRAW_DIM
			: shadow ? DRAW_DIM : DRAW_NORMAL;
		for (k = 0; k < 10 && used + 4 < sizeof bar; k++) {
			/* U+2588 full block and U+00B7 middle dot; # and . without UTF-8. */
			const char *g = k < fill ? (draw_utf8() ? "\xe2\x96\x88" : "#") : (draw_utf8() ? "\xc2\xb7" : ".");
			int w = snprintf(bar + used, sizeof bar - used, "%s", g);

			if (w > 0)
				used += (size_t)w;
		}
		snprintf(key, sizeof key, "%s/%s", r->plugin, r->target);
		row = list_add(&v->list, key, 0, e);
		if (row == NULL || list_set(row, DEP_MODEL, style, e, "%s%s", r->model, flagged ? " !" : "") != 0 ||
		    list_set(row, DEP_VERSION, style, e, "v%" PRId64, r->version) != 0 ||
		    list_set(row, DEP_MODE, shadow ? DRAW_DIM : DRAW_NORMAL, e, "%s", r->mode) != 0 ||
		    list_set(row, DEP_SHARE, style, e, shadow ? "copy" : "%.0f%%", r->share) != 0 ||
		    list_set(row, DEP_BAR, shadow ? DRAW_DIM : DRAW_OK, e, "%s", shadow ? "" : bar) != 0 ||
		    list_set(row, DEP_STATE, style, e, "%s", r->state) != 0 ||
		    (r->sessions < 0 ? list_set(row, DEP_REQ, DRAW_DIM, e, "-")
				     : list_set(row, DEP_REQ, DRAW_NORMAL, e, "%" PRId64, r->sessions)) != 0 ||
		    list_set(row, DEP_TARGET, DRAW_DIM, e, "%s via %s", r->target, r->plugin) != 0)
			return -1;
		list_set_num(row, DEP_VERSION, (double)r->version);
		list_set_num(row, DEP_SHARE, shadow ? -1 : r->share);
		list_set_num(row, DEP_REQ, (double)r->sessions);
	}
	return list_finish(&v->list, keep, e);
}

static void view_deploy_close(struct view *v)
{
	struct view_deploy *p = v->priv;

	if (p == NULL)
		return;
	free(p->rows);
	free(p->un);
	free(p);
	v->priv = NULL;
}

static int view_deploy_open(struct app *a, struct view *v, const struct view_arg *arg, struct err *e)
{
	(void)arg;
	v->priv = calloc(1, sizeof(struct view_deploy));
	if (v->priv == NULL)
		return err_set(e, ERR_IO, "out of memory");
	list_init(&v->list, view_deploy_cols, DEP_NCOLS, 1,
		  "no deployments: configure a deploy plugin (haproxy, steward-plugins(7)) and sync");
	return view_deploy_load(a, v, e);
}

/* Enter: the model, where its versions and aliases are. */
static int view_deploy_enter(struct app *a, struct view *v, struct err *e)
{
	const struct view_deploy *p = v->priv;
	const struct list_row *r = list_selected(&v->list);
	struct view_arg arg = {0};
	size_t i;

	(void)e;
	if (r == NULL)
		return 0;
	i = (size_t)(r - v->list.rows);
	if (i >= p->n)
		return 0;
	arg.model = p->rows[i].model;
	app_push(a, &view_model_ops, &arg);
	return 0;
}

static void view_deploy_draw(struct app *a, struct view *v, int y, int x, int h, int w)
{
	struct view_deploy *p = v->priv;
	char line[600];
	int used = 0;

	(void)a;
	if (h >= 4) {
		if (p->nun == 0)
			snprintf(line, sizeof line, "live traffic as steward decided it; shadows get a copy and are not heard");
		else
			snprintf(line, sizeof line, "UNAPPROVED: %s serves %s, but steward decided %s (ledger entry %" PRId64 ")%s",
				 p->un[0].model, p->un[0].seen, p->un[0].expected[0] ? p->un[0].expected : "nothing", p->un[0].seq,
				 p->nun > 1 ? "; and more (!)" : "");
		draw_text(y, x + 1, w - 1, draw_attr(p->nun ? DRAW_ERROR : DRAW_DIM, 0), line);
		used = 1;
	}
	list_draw(&v->list, y + used, x, h - used, w);
}

static void view_deploy_title(struct view *v, char *buf, size_t n)
{
	(void)v;
	snprintf(buf, n, "deployments");
}

const struct view_ops view_deploy_ops = {
	.name = "deployments",
	.open = view_deploy_open,
	.close = view_deploy_close,
	.refresh = view_deploy_load,
	.draw = view_deploy_draw,
	.enter = view_deploy_enter,
	.title = view_deploy_title,
};
