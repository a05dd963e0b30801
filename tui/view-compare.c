/* view-compare: a version against production's (or a picked one): metrics with deltas, the gate rules whose result differs, and the model card diffed by section. */
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "action.h"
#include "app.h"
#include "compare.h"
#include "draw.h"

enum {
	CMP_NAME,
	CMP_DATASET,
	CMP_SLICE,
	CMP_OLD,
	CMP_NEW,
	CMP_DELTA,
	CMP_VERDICT,
	CMP_NCOLS,
};

static const struct list_col view_compare_cols[CMP_NCOLS] = {
	[CMP_NAME] = {.title = "METRIC", .min = 8, .weight = 3},
	[CMP_DATASET] = {.title = "DATASET", .min = 7, .weight = 2},
	[CMP_SLICE] = {.title = "SLICE", .min = 7, .weight = 2},
	[CMP_OLD] = {.title = "OLD", .width = 8, .right = 1},
	[CMP_NEW] = {.title = "NEW", .width = 8, .right = 1},
	[CMP_DELTA] = {.title = "DELTA", .width = 8, .right = 1},
	[CMP_VERDICT] = {.title = "", .width = 7},
};

struct view_compare {
	char *model;
	int64_t version, base;
	char label[32]; /* why this base: "production", "previous production" or "picked" */
	struct compare c;
	int loaded;
	int built_width;
};

/* ---- lines of text ---- */

struct view_compare_hang {
	struct list *l;
	struct err *e;
	int style;
	const char *prefix, *more; /* before the first line, and before the ones it wraps to */
	int first;
};

static int view_compare_hang_line(void *ctx, const char *s, size_t n)
{
	struct view_compare_hang *h = ctx;
	struct list_row *r = list_add(h->l, NULL, LIST_SPAN, h->e);
	const char *pre = h->first ? h->prefix : h->more;

	if (r == NULL)
		return -1;
	h->first = 0;
	return list_set(r, 0, h->style, h->e, "%s%.*s", pre, (int)n, s);
}

/* prefix then text, wrapped to width; the lines it wraps to start with more. */
static int view_compare_hanging(struct list *l, int style, const char *prefix, const char *more,
				const char *text, int width, struct err *e)
{
	struct view_compare_hang h = {l, e, style, prefix, more, 1};
	int indent = draw_width(prefix) > draw_width(more) ? draw_width(prefix) : draw_width(more);

	if (text[0] == '\0')
		return view_line(l, style, prefix, e);
	return draw_wrap(text, width - indent > 10 ? width - indent : 10, view_compare_hang_line, &h);
}

static void view_compare_value(double v, char *buf, size_t n)
{
	/* As the version screen shows them: scores with four decimals, counts whole. */
	if (fabs(v) < 1e6 && v != floor(v))
		snprintf(buf, n, "%.4f", v);
	else
		snprintf(buf, n, "%.6g", v);
}

static void view_compare_delta(double d, char *buf, size_t n)
{
	if (d == 0)
		snprintf(buf, n, "0");
	else if (fabs(d) < 1e6 && d != floor(d))
		snprintf(buf, n, "%+.4f", d);
	else
		snprintf(buf, n, "%+.6g", d);
}

/* ---- metrics ---- */

static int view_compare_metric(const struct view_compare *p, const struct compare_metric *m,
			       struct list *l, struct err *e)
{
	struct list_row *r = list_add(l, NULL, 0, e);
	char old[32], now[32], delta[32], verdict[32];
	int vstyle = DRAW_DIM;

	if (r == NULL)
		return -1;
	snprintf(old, sizeof old, "-");
	snprintf(now, sizeof now, "-");
	snprintf(delta, sizeof delta, "-");
	verdict[0] = '\0';
	if (m->has_old)
		view_compare_value(m->old, old, sizeof old);
	if (m->has_new)
		view_compare_value(m->value, now, sizeof now);
	if (m->has_old && m->has_new) {
		view_compare_delta(m->delta, delta, sizeof delta);
		if (m->verdict > 0) {
			snprintf(verdict, sizeof verdict, "better");
			vstyle = DRAW_OK;
		} else if (m->verdict < 0) {
			snprintf(verdict, sizeof verdict, "worse");
			vstyle = DRAW_ERROR;
		} else if (m->delta == 0 || m->direction != 0) {
			snprintf(verdict, sizeof verdict, "same");
		}
	} else {
		snprintf(verdict, sizeof verdict, "only v%" PRId64, m->has_new ? p->version : p->base);
		vstyle = DRAW_WARN;
	}
	return list_set(r, CMP_NAME, DRAW_NORMAL, e, "%s", m->name) != 0 ||
			       list_set(r, CMP_DATASET, DRAW_NORMAL, e, "%s",
					m->dataset[0] ? m->dataset : "-") != 0 ||
			       list_set(r, CMP_SLICE, DRAW_DIM, e, "%s", m->slice[0] ? m->slice : "all") != 0 ||
			       list_set(r, CMP_OLD, m->has_old ? DRAW_NORMAL : DRAW_DIM, e, "%s", old) != 0 ||
			       list_set(r, CMP_NEW, m->has_new ? DRAW_NORMAL : DRAW_DIM, e, "%s", now) != 0 ||
			       list_set(r, CMP_DELTA, vstyle, e, "%s", delta) != 0 ||
			       list_set(r, CMP_VERDICT, vstyle, e, "%s", verdict) != 0
		       ? -1
		       : 0;
}

/* Which way is better, per metric name, and who says so: a metric is
 * judged better or worse only on that word. */
static int view_compare_directions(const struct compare *c, struct list *l, int width, struct err *e)
{
	char buf[2048];
	size_t i, k, used = 0;
	int w;

	w = snprintf(buf, sizeof buf, "better means:");
	used = w > 0 ? (size_t)w : 0;
	for (i = 0; i < c->nm && used < sizeof buf; i++) {
		const struct compare_metric *m = &c->m[i];
		int seen = 0;

		for (k = 0; k < i; k++)
			seen |= strcmp(c->m[k].name, m->name) == 0;
		if (seen)
			continue;
		if (m->direction == 0)
			w = snprintf(buf + used, sizeof buf - used, " %s not judged (direction unknown);",
				     m->name);
		else if (strcmp(m->direction_from, "convention") == 0)
			w = snprintf(buf + used, sizeof buf - used, " %s %s (convention);", m->name,
				     m->direction > 0 ? "higher" : "lower");
		else
			w = snprintf(buf + used, sizeof buf - used, " %s %s (policy rule \"%s\");", m->name,
				     m->direction > 0 ? "higher" : "lower", m->direction_from);
		if (w < 0 || (size_t)w >= sizeof buf - used)
			break;
		used += (size_t)w;
	}
	if (used > 0 && buf[used - 1] == ';')
		buf[used - 1] = '\0';
	return view_wrapped(l, DRAW_DIM, buf, 2, width, e);
}

static int view_compare_metrics(const struct view_compare *p, struct list *l, int width,
				struct err *e)
{
	const struct compare *c = &p->c;
	struct list_row *r;
	size_t i, better = 0, worse = 0, one = 0;
	char buf[256];

	for (i = 0; i < c->nm; i++) {
		better += c->m[i].verdict > 0;
		worse += c->m[i].verdict < 0;
		one += !(c->m[i].has_old && c->m[i].has_new);
	}
	if (c->nm == 0) {
		snprintf(buf, sizeof buf, "Metrics: none recorded for v%" PRId64 " or v%" PRId64,
			 p->version, p->base);
		return view_line(l, DRAW_TITLE, buf, e);
	}
	if (one > 0)
		snprintf(buf, sizeof buf, "Metrics: %zu better, %zu worse, %zu on one side only",
			 better, worse, one);
	else
		snprintf(buf, sizeof buf, "Metrics: %zu better, %zu worse", better, worse);
	if (view_line(l, DRAW_TITLE, buf, e) != 0)
		return -1;
	r = list_add(l, NULL, 0, e);
	if (r == NULL)
		return -1;
	for (i = 0; i < CMP_NCOLS; i++) {
		int rc;

		if (i == CMP_OLD)
			rc = list_set(r, i, DRAW_TITLE, e, "v%" PRId64, p->base);
		else if (i == CMP_NEW)
			rc = list_set(r, i, DRAW_TITLE, e, "v%" PRId64, p->version);
		else
			rc = list_set(r, i, DRAW_TITLE, e, "%s", view_compare_cols[i].title);
		if (rc != 0)
			return -1;
	}
	for (i = 0; i < c->nm; i++)
		if (view_compare_metric(p, &c->m[i], l, e) != 0)
			return -1;
	return view_compare_directions(c, l, width, e);
}

/* ---- gate ---- */

static int view_compare_status_style(enum rule_status st)
{
	return st == RULE_PASS ? DRAW_OK : st == RULE_FAIL ? DRAW_ERROR : DRAW_WARN;
}

static int view_compare_side(struct list *l, int64_t v, const struct rule_result *r, int width,
			     struct err *e)
{
	char prefix[64], text[600];
	const char *reason = r ? r->reason : "";

	while (*reason == ' ')
		reason++;
	snprintf(prefix, sizeof prefix, "      v%" PRId64 " %-7s ", v,
		 r ? policy_status_name(r->status) : "-");
	if (r == NULL)
		snprintf(text, sizeof text, "no such rule when it was evaluated");
	else
		snprintf(text, sizeof text, "%s%s%s", r->evidence, r->evidence[0] ? "  " : "", reason);
	return view_compare_hanging(l, r ? view_compare_status_style(r->status) : DRAW_DIM, prefix,
				    "              ", text, width, e);
}

/* One line naming rules: changed ones that judge the request or the
 * stage (old -> new result), or the ones whose result is the same. */
static int view_compare_rule_list(const struct compare *c, int changed, const char *head,
				  struct list *l, int width, struct err *e)
{
	char buf[2048];
	size_t i, used, n = 0;
	int w = snprintf(buf, sizeof buf, "%s", head);

	used = w > 0 ? (size_t)w : 0;
	for (i = 0; i < c->nrules && used < sizeof buf; i++) {
		const struct compare_rule *r = &c->rules[i];
		const struct rule_result *any = r->now ? r->now : r->old;

		if (r->changed != changed ||
		    (changed && strcmp(compare_rule_scope(any->rule->kind), "version") == 0))
			continue;
		if (changed)
			w = snprintf(buf + used, sizeof buf - used, " %s %s %s %s,", any->rule->name,
				     r->old ? policy_status_name(r->old->status) : "-",
				     draw_glyphs()->arrow,
				     r->now ? policy_status_name(r->now->status) : "-");
		else
			w = snprintf(buf + used, sizeof buf - used, " %s %s,", any->rule->name,
				     policy_status_name(any->status));
		if (w < 0 || (size_t)w >= sizeof buf - used)
			break;
		used += (size_t)w;
		n++;
	}
	if (n == 0)
		return 0;
	buf[used - 1] = '\0';
	return view_wrapped(l, DRAW_DIM, buf, 2, width, e);
}

static int view_compare_gate(const struct view_compare *p, struct list *l, int width,
			     struct err *e)
{
	const struct compare *c = &p->c;
	char buf[1200];
	size_t i;

	snprintf(buf, sizeof buf, "Gate %s %s %s: rules that change result", c->from,
		 draw_glyphs()->arrow, c->to);
	if (view_line(l, DRAW_TITLE, buf, e) != 0)
		return -1;
	if (c->g == NULL) {
		snprintf(buf, sizeof buf, "cannot evaluate the gates: %s", c->gate_err);
		return view_wrapped(l, DRAW_ERROR, buf, 2, width, e);
	}
	if (c->g->refusal[0] != '\0' || c->base_g->refusal[0] != '\0') {
		/* Refused before any rule ran: there are no rules to set side by side. */
		if (c->base_g->refusal[0] != '\0') {
			snprintf(buf, sizeof buf, "v%" PRId64 ": DENY  %s", p->base, c->base_g->refusal);
			if (view_wrapped(l, DRAW_ERROR, buf, 2, width, e) != 0)
				return -1;
		}
		if (c->g->refusal[0] != '\0') {
			snprintf(buf, sizeof buf, "v%" PRId64 ": DENY  %s", p->version, c->g->refusal);
			if (view_wrapped(l, DRAW_ERROR, buf, 2, width, e) != 0)
				return -1;
		}
		return 0;
	}
	snprintf(buf, sizeof buf, "policy %s v%" PRId64 ", both judged as if at %s", c->g->policy_name,
		 c->g->policy_version, c->from);
	if (view_wrapped(l, DRAW_DIM, buf, 2, width, e) != 0)
		return -1;
	if (c->nrules_changed == 0 &&
	    view_wrapped(l, DRAW_NORMAL, "no rule changes result", 2, width, e) != 0)
		return -1;
	/* Rules on the version's own evidence in full; those on the request
	 * or the stage differ for reasons the versions do not make. */
	for (i = 0; i < c->nrules; i++) {
		const struct compare_rule *r = &c->rules[i];
		const struct rule_result *any = r->now ? r->now : r->old;

		if (!r->changed || strcmp(compare_rule_scope(any->rule->kind), "version") != 0)
			continue;
		snprintf(buf, sizeof buf, "  %s", any->rule->name);
		if (view_line(l, DRAW_HEADING, buf, e) != 0 ||
		    view_compare_side(l, p->base, r->old, width, e) != 0 ||
		    view_compare_side(l, p->version, r->now, width, e) != 0)
			return -1;
	}
	if (view_compare_rule_list(c, 1, "on the request or the stage, not the version:", l, width,
				   e) != 0 ||
	    view_compare_rule_list(c, 0, "same result for both:", l, width, e) != 0)
		return -1;
	snprintf(buf, sizeof buf, "v%" PRId64 "'s gate: %s", p->version,
		 c->g->allow ? "ALLOW" : "DENY (Esc: the version's gate in full)");
	return view_wrapped(l, c->g->allow ? DRAW_OK : DRAW_ERROR, buf, 2, width, e);
}

/* ---- card ---- */

static int view_compare_diff_line(struct list *l, const struct diff_line *d, int width,
				  struct err *e)
{
	static const char *const mark[] = {
		[DIFF_SAME] = "    ",
		[DIFF_DEL] = "  - ",
		[DIFF_ADD] = "  + ",
	};
	static const int style[] = {
		[DIFF_SAME] = DRAW_NORMAL,
		[DIFF_DEL] = DRAW_ERROR,
		[DIFF_ADD] = DRAW_OK,
	};
	char *text, buf[64];
	int rc;

	if (d->op == DIFF_SKIP) {
		snprintf(buf, sizeof buf, "    ... %zu unchanged line%s", d->skipped,
			 d->skipped == 1 ? "" : "s");
		return view_line(l, DRAW_DIM, buf, e);
	}
	text = malloc(d->len + 1);
	if (text == NULL)
		return err_set(e, ERR_IO, "out of memory");
	memcpy(text, d->s, d->len);
	text[d->len] = '\0';
	/* The mark repeats on wrapped lines: without colour it is all that tells them apart. */
	rc = view_compare_hanging(l, style[d->op], mark[d->op], mark[d->op], text, width, e);
	free(text);
	return rc;
}

static int view_compare_card(const struct view_compare *p, struct list *l, int width,
			     struct err *e)
{
	const struct compare *c = &p->c;
	char buf[1024];
	size_t i, k, used, same = c->nsec - c->nsec_changed;
	int w;

	snprintf(buf, sizeof buf, "Model card: %zu of %zu sections differ", c->nsec_changed, c->nsec);
	if (view_line(l, DRAW_TITLE, buf, e) != 0)
		return -1;
	if (c->card.n == 0 || c->base_card.n == 0) {
		if (c->card.n == 0 && c->base_card.n == 0)
			snprintf(buf, sizeof buf, "neither v%" PRId64 " nor v%" PRId64 " has a model card",
				 p->version, p->base);
		else
			snprintf(buf, sizeof buf, "v%" PRId64 " has no model card",
				 c->card.n == 0 ? p->version : p->base);
		if (view_wrapped(l, DRAW_WARN, buf, 2, width, e) != 0)
			return -1;
	}
	if (same > 0) {
		w = snprintf(buf, sizeof buf, "unchanged:");
		used = w > 0 ? (size_t)w : 0;
		for (i = 0; i < c->nsec && used < sizeof buf; i++) {
			if (c->sec[i].state != COMPARE_SAME)
				continue;
			w = snprintf(buf + used, sizeof buf - used, " %s,", c->sec[i].title);
			if (w < 0 || (size_t)w >= sizeof buf - used)
				break;
			used += (size_t)w;
		}
		if (used > 0 && buf[used - 1] == ',')
			buf[used - 1] = '\0';
		if (view_wrapped(l, DRAW_DIM, buf, 2, width, e) != 0)
			return -1;
	}
	if (c->nsec_changed > 0) {
		snprintf(buf, sizeof buf, "- v%" PRId64 " (%s)   + v%" PRId64, p->base, p->label,
			 p->version);
		if (view_wrapped(l, DRAW_DIM, buf, 2, width, e) != 0)
			return -1;
	}
	for (i = 0; i < c->nsec; i++) {
		const struct compare_section *s = &c->sec[i];

		if (s->state == COMPARE_SAME)
			continue;
		if (s->d.too_large)
			snprintf(buf, sizeof buf,
				 "## %s  %s (too large to diff: %zu lines before, %zu after)", s->title,
				 compare_state_name(s->state), s->d.old_lines, s->d.new_lines);
		else
			snprintf(buf, sizeof buf, "## %s  %s (+%zu -%zu)", s->title,
				 compare_state_name(s->state), s->d.adds, s->d.dels);
		if (view_line(l, DRAW_HEADING, buf, e) != 0)
			return -1;
		for (k = 0; k < s->d.n; k++)
			if (view_compare_diff_line(l, &s->d.v[k], width, e) != 0)
				return -1;
	}
	return 0;
}

static int view_compare_build(struct view *v, int width, struct err *e)
{
	struct view_compare *p = v->priv;
	struct list *l = &v->list;

	list_clear(l);
	p->built_width = width;
	if (view_compare_metrics(p, l, width, e) != 0 || view_line(l, DRAW_NORMAL, "", e) != 0 ||
	    view_compare_gate(p, l, width, e) != 0 || view_line(l, DRAW_NORMAL, "", e) != 0 ||
	    view_compare_card(p, l, width, e) != 0)
		return -1;
	return list_finish(l, NULL, e);
}

/* ---- the view ---- */

static int view_compare_load(struct app *a, struct view *v, struct err *e)
{
	struct view_compare *p = v->priv;
	struct compare c;

	if (compare_versions(a->st, p->model, p->version, p->base, &c, e) != 0)
		return -1;
	if (p->loaded)
		compare_free(&p->c);
	p->c = c;
	p->loaded = 1;
	return view_compare_build(v, p->built_width > 0 ? p->built_width : 80, e);
}

static void view_compare_close(struct view *v)
{
	struct view_compare *p = v->priv;

	if (p == NULL)
		return;
	if (p->loaded)
		compare_free(&p->c);
	free(p->model);
	free(p);
	v->priv = NULL;
}

static int view_compare_open(struct app *a, struct view *v, const struct view_arg *arg,
			     struct err *e)
{
	struct view_compare *p;
	char why[512];

	if (arg == NULL || arg->model == NULL || arg->version <= 0)
		return err_set(e, ERR_INVALID, "no version to compare");
	p = calloc(1, sizeof *p);
	if (p == NULL)
		return err_set(e, ERR_IO, "out of memory");
	v->priv = p;
	p->model = strdup(arg->model);
	if (p->model == NULL)
		return err_set(e, ERR_IO, "out of memory");
	p->version = arg->version;
	p->base = arg->other;
	if (p->base > 0) {
		snprintf(p->label, sizeof p->label, "picked");
	} else {
		if (compare_default_base(a->st, p->model, p->version, &p->base, p->label,
					 sizeof p->label, why, sizeof why, e) != 0)
			return -1;
		if (p->base == 0)
			return err_set(e, ERR_NOTFOUND, "%s", why);
	}
	list_init(&v->list, view_compare_cols, CMP_NCOLS, 0, "");
	return view_compare_load(a, v, e);
}

static void view_compare_draw(struct app *a, struct view *v, int y, int x, int h, int w)
{
	struct view_compare *p = v->priv;
	const struct compare *c = &p->c;
	char line[512];
	struct err e;
	size_t i, better = 0, worse = 0;
	int used;

	err_clear(&e);
	if (w != p->built_width && view_compare_build(v, w, &e) != 0)
		app_error(a, "%s", e.msg);
	if (h < 3) {
		list_draw(&v->list, y, x, h, w);
		return;
	}
	snprintf(line, sizeof line, "%s v%" PRId64, p->model, p->version);
	used = draw_text(y, x + 1, w - 1, draw_attr(DRAW_HEADING, 0), line);
	if (strcmp(c->stage, "none") != 0)
		used += 1 + draw_text(y, x + 1 + used + 1, w - used - 2, draw_attr(DRAW_ALIAS, 0),
				      c->stage);
	used += draw_text(y, x + 1 + used, w - used - 1, draw_attr(DRAW_NORMAL, 0), "  vs  ");
	snprintf(line, sizeof line, "v%" PRId64, p->base);
	used += draw_text(y, x + 1 + used, w - used - 1, draw_attr(DRAW_HEADING, 0), line);
	/* Why this one: production's, the one production had before, or the one picked (where it stands). */
	draw_text(y, x + 2 + used, w - used - 2, draw_attr(DRAW_ALIAS, 0),
		  strcmp(p->label, "picked") != 0	     ? p->label
		  : strcmp(c->base_stage, "none") != 0 ? c->base_stage
						       : "");
	for (i = 0; i < c->nm; i++) {
		better += c->m[i].verdict > 0;
		worse += c->m[i].verdict < 0;
	}
	if (c->g != NULL && c->g->refusal[0] == '\0' && c->base_g->refusal[0] == '\0')
		snprintf(line, sizeof line,
			 "%zu metrics better, %zu worse; %zu gate rule%s and %zu card section%s differ",
			 better, worse, c->nrules_changed_version,
			 c->nrules_changed_version == 1 ? "" : "s", c->nsec_changed,
			 c->nsec_changed == 1 ? "" : "s");
	else
		snprintf(line, sizeof line,
			 "%zu metrics better, %zu worse; gate not evaluated; %zu card section%s differ",
			 better, worse, c->nsec_changed, c->nsec_changed == 1 ? "" : "s");
	draw_text(y + 1, x + 1, w - 1, draw_attr(DRAW_DIM, 0), line);
	list_draw(&v->list, y + 2, x, h - 2, w);
}

static void view_compare_title(struct view *v, char *buf, size_t n)
{
	struct view_compare *p = v->priv;

	snprintf(buf, n, "v%" PRId64 " vs v%" PRId64, p->version, p->base);
}

static int view_compare_subject(const struct view *v, const char **model, int64_t *version)
{
	const struct view_compare *p = v->priv;

	*model = p->model;
	*version = p->version;
	return 0;
}

const struct view_ops view_compare_ops = {
	.name = "compare",
	.open = view_compare_open,
	.close = view_compare_close,
	.refresh = view_compare_load,
	.draw = view_compare_draw,
	.title = view_compare_title,
	.subject = view_compare_subject,
};

int view_compare_start(struct app *a, const char *arg)
{
	struct view *v = app_top(a);
	struct view_arg va = {0};
	const char *model;
	int64_t version;
	char *copy;
	struct err e;
	int rc;

	err_clear(&e);
	if (v == NULL || v->ops->subject == NULL || v->ops->subject(v, &model, &version) != 0) {
		app_error(a, "no version here: open one (Enter on a model, then on a version) to "
			     "compare it with production");
		return -1;
	}
	while (arg != NULL && *arg == ' ')
		arg++;
	if (arg != NULL && arg[0] != '\0' &&
	    compare_parse_version(a->st, model, arg, &va.other, &e) != 0) {
		app_error(a, "%s", e.msg);
		return -1;
	}
	if (va.other == version) {
		app_error(a, "v%" PRId64 " compared with itself: pick another version (:compare VERSION)",
			  version);
		return -1;
	}
	/* The subject belongs to the view, which popping frees. */
	copy = strdup(model);
	if (copy == NULL) {
		app_error(a, "out of memory");
		return -1;
	}
	/* Comparing again from a comparison replaces it rather than stacking another. */
	if (v->ops == &view_compare_ops)
		app_pop(a);
	va.model = copy;
	va.version = version;
	rc = app_push(a, &view_compare_ops, &va);
	free(copy);
	return rc;
}
