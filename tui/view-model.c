/* view-model: one model's details, any alias moved outside steward, and its versions with aliases, short digests, authors and dates; R rolls production back. */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "action.h"
#include "app.h"
#include "draw.h"
#include "plugin.h"
#include "record.h"
#include "registry.h"
#include "sign.h"

enum { MODEL_VERSION, MODEL_ALIASES, MODEL_DIGEST, MODEL_AUTHOR, MODEL_CREATED, MODEL_NCOLS };

static const struct list_col view_model_cols[MODEL_NCOLS] = {
	[MODEL_VERSION] = {.title = "VERSION", .width = 7},
	[MODEL_ALIASES] = {.title = "ALIASES", .min = 10, .weight = 2},
	[MODEL_DIGEST] = {.title = "DIGEST", .width = 15},
	[MODEL_AUTHOR] = {.title = "AUTHOR", .min = 8, .weight = 2},
	[MODEL_CREATED] = {.title = "CREATED", .width = 10},
};

struct view_model {
	char *name;
	struct reg_model m;
	int have_model;
	struct plugin_unapproved *u; /* aliases a backend moved without a steward decision */
	size_t nu;
	struct record_alias_states al; /* where each alias stands and whether a gate put it there */
};

/* The aliases cell: an alias no gated promotion or rollback put where it
 * is carries a "*" (ungoverned: an admin's move, or a backend's baseline). */
static void view_model_mark(const struct view_model *p, const char *aliases, char *out, size_t n)
{
	char buf[256], *tok, *save = NULL;
	size_t used = 0;

	out[0] = '\0';
	snprintf(buf, sizeof buf, "%s", aliases);
	for (tok = strtok_r(buf, ",", &save); tok != NULL; tok = strtok_r(NULL, ",", &save)) {
		const struct record_alias_state *st = record_alias_find(&p->al, p->name, tok);
		int w = snprintf(out + used, n - used, "%s%s%s", used ? "," : "", tok, st != NULL && st->governed ? "" : "*");

		if (w < 0 || (size_t)w >= n - used)
			break;
		used += (size_t)w;
	}
}

static int view_model_load(struct app *a, struct view *v, struct err *e)
{
	struct view_model *p = v->priv;
	struct reg_versions vs = {0};
	struct reg_model m = {0};
	char keep[256];
	size_t i;
	int rc = 0, asc;

	if (registry_model_get(a->st, p->name, &m, e) != 0)
		return -1;
	if (registry_version_list(a->st, p->name, &vs, e) != 0) {
		registry_model_clear(&m);
		return -1;
	}
	if (p->have_model)
		registry_model_clear(&p->m);
	p->m = m;
	p->have_model = 1;
	free(p->u);
	p->u = NULL;
	p->nu = 0;
	if (plugin_unapproved_list(a->st, p->name, &p->u, &p->nu, e) != 0) {
		registry_versions_free(&vs);
		return -1;
	}
	record_alias_states_free(&p->al);
	if (record_alias_states(a->st, p->name, &p->al, e) != 0) {
		registry_versions_free(&vs);
		return -1;
	}
	list_selected_key(&v->list, keep, sizeof keep);
	list_clear(&v->list);
	/* Newest first, whatever order the registry uses: the version an
	 * operator cares about is usually the latest. */
	asc = vs.n > 1 && vs.v[0].version < vs.v[vs.n - 1].version;
	for (i = 0; i < vs.n && rc == 0; i++) {
		const struct reg_version *rv = &vs.v[asc ? vs.n - 1 - i : i];
		char key[32], digest[32], date[32], marked[300];
		struct list_row *r;

		snprintf(key, sizeof key, "%lld", (long long)rv->version);
		r = list_add(&v->list, key, 0, e);
		if (r == NULL) {
			rc = -1;
			break;
		}
		if (strcmp(rv->digest_state, "verified") == 0)
			view_short_digest(rv->digest, digest, sizeof digest);
		else
			snprintf(digest, sizeof digest, "%s", rv->digest_state);
		view_date(rv->created, date, sizeof date);
		view_model_mark(p, rv->aliases ? rv->aliases : "", marked, sizeof marked);
		if (list_set(r, MODEL_VERSION, DRAW_NORMAL, e, "v%lld", (long long)rv->version) != 0 ||
		    list_set(r, MODEL_ALIASES, DRAW_ALIAS, e, "%s", marked) != 0 ||
		    list_set(r, MODEL_DIGEST, DRAW_DIM, e, "%s", digest) != 0 ||
		    list_set(r, MODEL_AUTHOR, DRAW_NORMAL, e, "%s",
			     rv->author && rv->author[0] ? rv->author : "-") != 0 ||
		    list_set(r, MODEL_CREATED, DRAW_DIM, e, "%s", date) != 0)
			rc = -1;
	}
	registry_versions_free(&vs);
	if (rc == 0)
		rc = list_finish(&v->list, keep, e);
	return rc;
}

static void view_model_close(struct view *v)
{
	struct view_model *p = v->priv;

	if (p == NULL)
		return;
	if (p->have_model)
		registry_model_clear(&p->m);
	free(p->u);
	record_alias_states_free(&p->al);
	free(p->name);
	free(p);
	v->priv = NULL;
}

static int view_model_open(struct app *a, struct view *v, const struct view_arg *arg,
			   struct err *e)
{
	struct view_model *p;

	if (arg == NULL || arg->model == NULL)
		return err_set(e, ERR_INVALID, "no model to open");
	p = calloc(1, sizeof *p);
	if (p == NULL)
		return err_set(e, ERR_IO, "out of memory");
	p->name = strdup(arg->model);
	v->priv = p;
	if (p->name == NULL)
		return err_set(e, ERR_IO, "out of memory");
	list_init(&v->list, view_model_cols, MODEL_NCOLS, 1,
		  "no versions yet: add one with `steward version add`");
	return view_model_load(a, v, e);
}

static int view_model_enter(struct app *a, struct view *v, struct err *e)
{
	struct view_model *p = v->priv;
	const struct list_row *r = list_selected(&v->list);
	struct view_arg arg = {0};

	if (r == NULL || r->key == NULL)
		return 0;
	if (registry_version_parse(r->key, &arg.version, e) != 0)
		return -1;
	arg.model = p->name;
	app_push(a, &view_version_ops, &arg);
	return 0;
}

static void view_model_draw(struct app *a, struct view *v, int y, int x, int h, int w)
{
	struct view_model *p = v->priv;
	char line[512], when[32];
	size_t i;
	int used, top = 2;

	(void)a;
	if (h < 3) {
		list_draw(&v->list, y, x, h, w);
		return;
	}
	used = draw_text(y, x + 1, w - 1, draw_attr(DRAW_HEADING, 0), p->name);
	used += 1 + draw_text(y, x + 2 + used, w - 2 - used, draw_attr(draw_tier_style(p->m.tier), 0),
			      registry_tier_name(p->m.tier));
	snprintf(line, sizeof line, "owner: %s", p->m.owner ? p->m.owner : "-");
	draw_text(y, x + 3 + used, w - 3 - used, draw_attr(DRAW_NORMAL, 0), line);
	draw_text(y + 1, x + 1, w - 1, draw_attr(DRAW_DIM, 0),
		  p->m.description && p->m.description[0] ? p->m.description : "(no description)");
	/* Above the versions, where nobody can miss it; the list keeps at least three rows. */
	for (i = 0; i < p->nu && top < h - 3; i++, top++) {
		view_date(p->u[i].observed, when, sizeof when);
		if (p->u[i].version == 0)
			snprintf(line, sizeof line, "UNAPPROVED: %s deleted outside steward (%s, entry #%" PRId64 ")",
				 p->u[i].alias, when, p->u[i].seq);
		else
			snprintf(line, sizeof line,
				 "UNAPPROVED: %s moved to v%" PRId64 " outside steward (%s, entry #%" PRId64 ")",
				 p->u[i].alias, p->u[i].version, when, p->u[i].seq);
		draw_text(y + top, x + 1, w - 1, draw_attr(DRAW_ERROR, 0), line);
	}
	list_draw(&v->list, y + top, x, h - top, w);
}

/* R where the model has a production version to roll back; c on a version. */
static int view_model_offers(const struct app *a, const struct view *v, const struct action *act)
{
	const struct view_model *p = v->priv;

	(void)a;
	if (act->id == ACT_COMPARE)
		return list_selected(&v->list) != NULL;
	return act->id == ACT_ROLLBACK && p->have_model && p->m.production > 0;
}

/* The selected version: c compares it. */
static int view_model_subject(const struct view *v, const char **model, int64_t *version)
{
	const struct view_model *p = v->priv;
	const struct list_row *r = list_selected(&v->list);
	struct err e;

	if (r == NULL || r->key == NULL || registry_version_parse(r->key, version, &e) != 0)
		return -1;
	*model = p->name;
	return 0;
}

static int view_model_key(struct app *a, struct view *v, const struct action *act)
{
	struct view_model *p = v->priv;

	if (act->id != ACT_ROLLBACK)
		return 0;
	sign_rollback_start(a, p->name);
	return 1;
}

static void view_model_title(struct view *v, char *buf, size_t n)
{
	struct view_model *p = v->priv;

	snprintf(buf, n, "model %s", p->name);
}

const struct view_ops view_model_ops = {
	.name = "model",
	.open = view_model_open,
	.close = view_model_close,
	.refresh = view_model_load,
	.draw = view_model_draw,
	.key = view_model_key,
	.enter = view_model_enter,
	.title = view_model_title,
	.offers = view_model_offers,
	.subject = view_model_subject,
};
