/* view-version: one version's model card (missing required sections flagged) and its metrics table. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "app.h"
#include "card.h"
#include "draw.h"
#include "registry.h"

enum { VERSION_NAME, VERSION_DATASET, VERSION_SLICE, VERSION_VALUE, VERSION_NCOLS };

static const struct list_col view_version_cols[VERSION_NCOLS] = {
	[VERSION_NAME] = {.title = "METRIC", .min = 10, .weight = 3},
	[VERSION_DATASET] = {.title = "DATASET", .min = 8, .weight = 2},
	[VERSION_SLICE] = {.title = "SLICE", .min = 8, .weight = 2},
	[VERSION_VALUE] = {.title = "VALUE", .width = 10, .right = 1},
};

struct view_version {
	char *model;
	int64_t version;
	struct reg_version rv;
	struct card card;
	struct reg_metrics metrics;
	int loaded;
	int built_width; /* card text is wrapped to this width; rebuilt when it changes */
};

struct view_version_wrap {
	struct list *l;
	struct err *e;
};

static int view_version_line(struct list *l, int style, const char *text, struct err *e)
{
	struct list_row *r = list_add(l, NULL, LIST_SPAN, e);

	if (r == NULL)
		return -1;
	return list_set(r, 0, style, e, "%s", text);
}

static int view_version_wrap_line(void *ctx, const char *s, size_t n)
{
	struct view_version_wrap *w = ctx;
	struct list_row *r = list_add(w->l, NULL, LIST_SPAN, w->e);

	if (r == NULL)
		return -1;
	return list_set(r, 0, DRAW_NORMAL, w->e, "  %.*s", (int)n, s);
}

static int view_version_section(struct list *l, const char *title, const char *body, int width,
				struct err *e)
{
	struct view_version_wrap w = {l, e};
	char head[CARD_TITLE_MAX + 8];

	snprintf(head, sizeof head, "## %s", title);
	if (view_version_line(l, DRAW_HEADING, head, e) != 0)
		return -1;
	if (body == NULL)
		return view_version_line(l, DRAW_WARN, "  (missing)", e);
	if (body[0] == '\0')
		return view_version_line(l, DRAW_DIM, "  (empty)", e);
	return draw_wrap(body, width - 2, view_version_wrap_line, &w);
}

static int view_version_is_required(const char *title)
{
	size_t i;

	for (i = 0; card_required_sections[i] != NULL; i++)
		if (strcasecmp(card_required_sections[i], title) == 0)
			return 1;
	return 0;
}

static void view_version_value(double v, char *buf, size_t n)
{
	/* Scores and rates read best with four decimals; counts do not. */
	if (fabs(v) < 1e6 && v != floor(v))
		snprintf(buf, n, "%.4f", v);
	else
		snprintf(buf, n, "%.6g", v);
}

static int view_version_build(struct view *v, int width, struct err *e)
{
	struct view_version *p = v->priv;
	struct list *l = &v->list;
	size_t i;

	list_clear(l);
	p->built_width = width;
	if (view_version_line(l, DRAW_TITLE, "Model card", e) != 0)
		return -1;
	/* Required sections first and in a fixed order, so a gap shows in the same place on every card. */
	for (i = 0; card_required_sections[i] != NULL; i++) {
		const struct card_section *s = card_find(&p->card, card_required_sections[i]);

		if (view_version_section(l, card_required_sections[i], s ? s->body : NULL, width,
					 e) != 0)
			return -1;
	}
	for (i = 0; i < p->card.n; i++) {
		if (view_version_is_required(p->card.s[i].title))
			continue;
		if (view_version_section(l, p->card.s[i].title, p->card.s[i].body, width, e) != 0)
			return -1;
	}
	if (view_version_line(l, DRAW_NORMAL, "", e) != 0 ||
	    view_version_line(l, DRAW_TITLE, "Metrics", e) != 0)
		return -1;
	if (p->metrics.n == 0)
		return view_version_line(l, DRAW_DIM, "  (no metrics)", e) == 0
			       ? list_finish(l, NULL, e)
			       : -1;
	{
		struct list_row *r = list_add(l, NULL, 0, e);

		if (r == NULL)
			return -1;
		for (i = 0; i < VERSION_NCOLS; i++)
			if (list_set(r, i, DRAW_TITLE, e, "%s", view_version_cols[i].title) != 0)
				return -1;
	}
	for (i = 0; i < p->metrics.n; i++) {
		const struct reg_metric *m = &p->metrics.v[i];
		struct list_row *r = list_add(l, NULL, 0, e);
		char value[64];

		if (r == NULL)
			return -1;
		view_version_value(m->value, value, sizeof value);
		if (list_set(r, VERSION_NAME, DRAW_NORMAL, e, "%s", m->name) != 0 ||
		    list_set(r, VERSION_DATASET, DRAW_NORMAL, e, "%s",
			     m->dataset && m->dataset[0] ? m->dataset : "-") != 0 ||
		    list_set(r, VERSION_SLICE, DRAW_DIM, e, "%s",
			     m->slice && m->slice[0] ? m->slice : "all") != 0 ||
		    list_set(r, VERSION_VALUE, DRAW_NORMAL, e, "%s", value) != 0)
			return -1;
	}
	return list_finish(l, NULL, e);
}

static void view_version_unload(struct view_version *p)
{
	if (!p->loaded)
		return;
	registry_version_clear(&p->rv);
	card_free(&p->card);
	registry_metrics_free(&p->metrics);
	p->loaded = 0;
}

static int view_version_load(struct app *a, struct view *v, struct err *e)
{
	struct view_version *p = v->priv;
	struct reg_version rv = {0};
	struct card card = {0};
	struct reg_metrics metrics = {0};

	if (registry_version_get(a->st, p->model, p->version, &rv, e) != 0)
		return -1;
	if (registry_card_get(a->st, p->model, p->version, &card, e) != 0) {
		registry_version_clear(&rv);
		return -1;
	}
	if (registry_metric_list(a->st, p->model, p->version, &metrics, e) != 0) {
		registry_version_clear(&rv);
		card_free(&card);
		return -1;
	}
	view_version_unload(p);
	p->rv = rv;
	p->card = card;
	p->metrics = metrics;
	p->loaded = 1;
	return view_version_build(v, p->built_width > 0 ? p->built_width : 80, e);
}

static void view_version_close(struct view *v)
{
	struct view_version *p = v->priv;

	if (p == NULL)
		return;
	view_version_unload(p);
	free(p->model);
	free(p);
	v->priv = NULL;
}

static int view_version_open(struct app *a, struct view *v, const struct view_arg *arg,
			     struct err *e)
{
	struct view_version *p;

	if (arg == NULL || arg->model == NULL || arg->version <= 0)
		return err_set(e, ERR_INVALID, "no version to open");
	p = calloc(1, sizeof *p);
	if (p == NULL)
		return err_set(e, ERR_IO, "out of memory");
	v->priv = p;
	p->model = strdup(arg->model);
	if (p->model == NULL)
		return err_set(e, ERR_IO, "out of memory");
	p->version = arg->version;
	list_init(&v->list, view_version_cols, VERSION_NCOLS, 0, "");
	return view_version_load(a, v, e);
}

static void view_version_draw(struct app *a, struct view *v, int y, int x, int h, int w)
{
	struct view_version *p = v->priv;
	char line[512], digest[32], date[32];
	struct err e;

	err_clear(&e);
	if (w != p->built_width && view_version_build(v, w, &e) != 0)
		app_error(a, "%s", e.msg);
	if (h < 3) {
		list_draw(&v->list, y, x, h, w);
		return;
	}
	view_short_digest(p->rv.digest, digest, sizeof digest);
	view_date(p->rv.created, date, sizeof date);
	snprintf(line, sizeof line, "%s v%lld", p->model, (long long)p->version);
	{
		int used = draw_text(y, x + 1, w - 1, draw_attr(DRAW_HEADING, 0), line);

		if (p->rv.aliases && p->rv.aliases[0])
			used += 1 + draw_text(y, x + 2 + used, w - 2 - used, draw_attr(DRAW_ALIAS, 0),
					      p->rv.aliases);
		snprintf(line, sizeof line, "%s  by %s  %s", digest,
			 p->rv.author && p->rv.author[0] ? p->rv.author : "-", date);
		draw_text(y, x + 3 + used, w - 3 - used, draw_attr(DRAW_NORMAL, 0), line);
	}
	snprintf(line, sizeof line, "%s%s%s", p->rv.artifact_uri ? p->rv.artifact_uri : "",
		 p->rv.run_id && p->rv.run_id[0] ? "  run " : "",
		 p->rv.run_id && p->rv.run_id[0] ? p->rv.run_id : "");
	draw_text(y + 1, x + 1, w - 1, draw_attr(DRAW_DIM, 0), line);
	list_draw(&v->list, y + 2, x, h - 2, w);
}

static void view_version_title(struct view *v, char *buf, size_t n)
{
	struct view_version *p = v->priv;

	snprintf(buf, n, "version %s v%lld", p->model, (long long)p->version);
}

const struct view_ops view_version_ops = {
	.name = "version",
	.open = view_version_open,
	.close = view_version_close,
	.refresh = view_version_load,
	.draw = view_version_draw,
	.title = view_version_title,
};
