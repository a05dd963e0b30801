/* view-models: the root view, every model with its tier, production and staging versions and owner, a marker where an alert fires or drift is over its limit, and UNAPPROVED where an alias moved outside steward; R rolls production back, l shows its lineage. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "action.h"
#include "app.h"
#include "draw.h"
#include "monitor.h"
#include "plugin.h"
#include "registry.h"
#include "sign.h"

enum { MODELS_NAME, MODELS_MARK, MODELS_TIER, MODELS_PROD, MODELS_STAGING, MODELS_OWNER, MODELS_VERSIONS,
       MODELS_CHANGED, MODELS_NCOLS };

static const struct list_col view_models_cols[MODELS_NCOLS] = {
	[MODELS_NAME] = {.title = "MODEL", .min = 12, .weight = 5},
	/* "!" where an alert fires for the model, "~" where a deployed version's drift is over its limit. */
	[MODELS_MARK] = {.title = "", .width = 1},
	[MODELS_TIER] = {.title = "TIER", .width = 8},
	[MODELS_PROD] = {.title = "PROD", .width = 5, .right = 1},
	[MODELS_STAGING] = {.title = "STAGING", .width = 7, .right = 1},
	[MODELS_OWNER] = {.title = "OWNER", .min = 8, .weight = 2},
	[MODELS_VERSIONS] = {.title = "VERS", .width = 4, .right = 1},
	[MODELS_CHANGED] = {.title = "CHANGED", .width = 10},
};

static void view_models_vnum(int64_t v, char *buf, size_t n)
{
	if (v > 0)
		snprintf(buf, n, "v%lld", (long long)v);
	else
		snprintf(buf, n, "-");
}

/* 1 when a backend showed an alias of model that no steward decision moved. */
static int view_models_unapproved(const struct plugin_unapproved *u, size_t n, const char *model)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (strcmp(u[i].model, model) == 0)
			return 1;
	return 0;
}

static int view_models_mark_cmp(const void *key, const void *elem)
{
	return strcmp(key, ((const struct monitor_model_mark *)elem)->model);
}

/* The marker of a model: an alert firing outweighs drift. The marks are
 * read once per load, for every model in one go: a draw or a key never
 * reads the store. */
static int view_models_mark(struct list_row *r, const char *model, const struct monitor_model_mark *marks,
			    size_t nmarks, struct err *e)
{
	const struct monitor_model_mark *mk = nmarks > 0 ? bsearch(model, marks, nmarks, sizeof *marks,
								     view_models_mark_cmp)
							 : NULL;
	const char *text = "";
	int style = DRAW_NORMAL;

	if (mk != NULL && mk->m.firing > 0) {
		text = "!";
		style = mk->m.worst >= 3 ? DRAW_ERROR : DRAW_WARN;
	} else if (mk != NULL && mk->m.drift_over) {
		text = "~";
		style = DRAW_WARN;
	}
	return list_set(r, MODELS_MARK, style, e, "%s", text);
}

static int view_models_load(struct app *a, struct view *v, struct err *e)
{
	struct reg_models ms = {0};
	struct plugin_unapproved *u = NULL;
	struct monitor_model_mark *marks = NULL;
	char keep[256];
	size_t i, nu = 0, nmarks = 0;
	int rc = 0;

	if (registry_model_list(a->st, &ms, e) != 0)
		return -1;
	if (plugin_unapproved_list(a->st, NULL, &u, &nu, e) != 0) {
		registry_models_free(&ms);
		return -1;
	}
	if (monitor_mark_models(a->st, &marks, &nmarks, e) != 0) {
		free(u);
		registry_models_free(&ms);
		return -1;
	}
	list_selected_key(&v->list, keep, sizeof keep);
	list_clear(&v->list);
	for (i = 0; i < ms.n && rc == 0; i++) {
		const struct reg_model *m = &ms.v[i];
		struct list_row *r = list_add(&v->list, m->name, 0, e);
		char prod[24], stag[24], date[32];
		int bad = view_models_unapproved(u, nu, m->name);

		if (r == NULL) {
			rc = -1;
			break;
		}
		view_models_vnum(m->production, prod, sizeof prod);
		view_models_vnum(m->staging, stag, sizeof stag);
		/* An alias moved behind steward's back outweighs when it last changed;
		 * the name turns red too, so it shows where CHANGED is cut off. */
		if (bad)
			snprintf(date, sizeof date, "UNAPPROVED");
		else
			view_date(m->last_change, date, sizeof date);
		if (list_set(r, MODELS_NAME, bad ? DRAW_ERROR : DRAW_NORMAL, e, "%s", m->name) != 0 ||
		    list_set(r, MODELS_TIER, draw_tier_style(m->tier), e, "%s",
			     registry_tier_name(m->tier)) != 0 ||
		    list_set(r, MODELS_PROD, m->production ? DRAW_ALIAS : DRAW_DIM, e, "%s",
			     prod) != 0 ||
		    list_set(r, MODELS_STAGING, DRAW_NORMAL, e, "%s", stag) != 0 ||
		    list_set(r, MODELS_OWNER, DRAW_NORMAL, e, "%s", m->owner ? m->owner : "") != 0 ||
		    list_set(r, MODELS_VERSIONS, DRAW_NORMAL, e, "%lld",
			     (long long)m->n_versions) != 0 ||
		    list_set(r, MODELS_CHANGED, bad ? DRAW_ERROR : DRAW_DIM, e, "%s", date) != 0 ||
		    view_models_mark(r, m->name, marks, nmarks, e) != 0)
			rc = -1;
	}
	free(u);
	monitor_mark_models_free(marks);
	registry_models_free(&ms);
	if (rc == 0)
		rc = list_finish(&v->list, keep, e);
	return rc;
}

static void view_models_init(struct view *v)
{
	list_init(&v->list, view_models_cols, MODELS_NCOLS, 1,
		  "no models yet: add one with `steward model add`");
}

static int view_models_open(struct app *a, struct view *v, const struct view_arg *arg,
			    struct err *e)
{
	(void)arg;
	view_models_init(v);
	return view_models_load(a, v, e);
}

/* The root's list copied: `:models` from deep in the stack costs what
 * its rows do, not the query over every version again. */
static int view_models_copy(struct app *a, struct view *v, const struct view *from, struct err *e)
{
	(void)a;
	view_models_init(v);
	if (list_copy(&v->list, &from->list, e) != 0)
		return -1;
	return list_finish(&v->list, NULL, e);
}

static int view_models_enter(struct app *a, struct view *v, struct err *e)
{
	const struct list_row *r = list_selected(&v->list);
	struct view_arg arg = {0};

	(void)e;
	if (r == NULL || r->key == NULL)
		return 0;
	arg.model = r->key;
	/* app_push has already said why when it fails. */
	app_push(a, &view_model_ops, &arg);
	return 0;
}

/* R and l where the selected model has a production version to roll back or trace. */
static int view_models_offers(const struct app *a, const struct view *v, const struct action *act)
{
	const struct list_row *r = list_selected(&v->list);

	(void)a;
	return (act->id == ACT_ROLLBACK || act->id == ACT_LINEAGE) && r != NULL &&
	       r->cells[MODELS_PROD].text != NULL && strcmp(r->cells[MODELS_PROD].text, "-") != 0;
}

static int view_models_key(struct app *a, struct view *v, const struct action *act)
{
	const struct list_row *r = list_selected(&v->list);

	if (act->id != ACT_ROLLBACK)
		return 0;
	if (r == NULL || r->key == NULL)
		app_error(a, "no model selected");
	else
		sign_rollback_start(a, r->key);
	return 1;
}

static void view_models_draw(struct app *a, struct view *v, int y, int x, int h, int w)
{
	(void)a;
	list_draw(&v->list, y, x, h, w);
}

static void view_models_title(struct view *v, char *buf, size_t n)
{
	(void)v;
	snprintf(buf, n, "models");
}

const struct view_ops view_models_ops = {
	.name = "models",
	.impersonal = 1,
	.open = view_models_open,
	.refresh = view_models_load,
	.draw = view_models_draw,
	.key = view_models_key,
	.enter = view_models_enter,
	.title = view_models_title,
	.offers = view_models_offers,
	.copy = view_models_copy,
};
