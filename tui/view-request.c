/* view-request: one promotion request: the exact artifact, who asked, what it still needs, and every decision with whether it counts and why not. */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "action.h"
#include "app.h"
#include "approval.h"
#include "check.h"
#include "draw.h"
#include "keyring.h"
#include "sign.h"

enum { REQUEST_ID, REQUEST_SIGNER, REQUEST_ROLE, REQUEST_DECISION, REQUEST_COUNTS,
       REQUEST_NCOLS };

static const struct list_col view_request_cols[REQUEST_NCOLS] = {
	[REQUEST_ID] = {.title = "ID", .width = 5, .right = 1},
	[REQUEST_SIGNER] = {.title = "SIGNER", .min = 8, .weight = 3},
	[REQUEST_ROLE] = {.title = "ROLE", .width = 12},
	[REQUEST_DECISION] = {.title = "DECISION", .width = 8},
	[REQUEST_COUNTS] = {.title = "COUNTS", .min = 6, .weight = 1},
};

struct view_request {
	int64_t id;
	struct approval_request r;
	int loaded;
	int built_width; /* reasons are wrapped to this width; rebuilt when it changes */
};

/* prefix then value, wrapped at width. The value is one line whatever the
 * store holds: a newline in a comment is shown as \x0a, not obeyed, so it
 * cannot draw rows of its own. */
static int view_request_wrapped(struct list *l, int style, const char *prefix, const char *value,
				int indent, int width, struct err *e)
{
	char *v = check_escape(value, 0), *buf = NULL;
	size_t n;
	int r = -1;

	if (v != NULL) {
		n = strlen(prefix) + strlen(v) + 1;
		buf = malloc(n);
	}
	if (buf == NULL) {
		err_set(e, ERR_IO, "out of memory");
	} else {
		snprintf(buf, n, "%s%s", prefix, v);
		r = view_wrapped(l, style, buf, indent, width, e);
	}
	free(buf);
	free(v);
	return r;
}

/* "label      value" rows, so the fields line up; a value too long for
 * the line (the digest at 80 columns) wraps rather than being cut. */
static int view_request_field(struct list *l, int style, const char *label, const char *value,
			      int width, struct err *e)
{
	char prefix[16];

	snprintf(prefix, sizeof prefix, "%-10s ", label);
	return view_request_wrapped(l, style, prefix, value, 0, width, e);
}

static int view_request_needs(struct list *l, const struct approval_request *r, int width,
			      struct err *e)
{
	char buf[256];
	size_t i, used = 0;

	buf[0] = '\0';
	for (i = 0; i < r->nneeds; i++) {
		int w = snprintf(buf + used, sizeof buf - used, "%s%s %d/%d", i ? ", " : "",
				 keyring_role_name(r->needs[i].role),
				 r->needs[i].have < r->needs[i].count ? r->needs[i].have
								      : r->needs[i].count,
				 r->needs[i].count);

		if (w < 0 || (size_t)w >= sizeof buf - used)
			break;
		used += (size_t)w;
	}
	return view_request_field(l, r->satisfied >= r->required ? DRAW_OK : DRAW_WARN, "needs",
				  buf[0] ? buf : "-", width, e);
}

static int view_request_decisions(struct list *l, const struct approval_request *r, int width,
				  struct err *e)
{
	struct list_row *row;
	size_t i;

	if (view_line(l, DRAW_NORMAL, "", e) != 0 || view_line(l, DRAW_TITLE, "Decisions", e) != 0)
		return -1;
	if (r->n == 0)
		return view_line(l, DRAW_DIM, "  (no decisions yet)", e);
	row = list_add(l, NULL, 0, e);
	if (row == NULL)
		return -1;
	for (i = 0; i < REQUEST_NCOLS; i++)
		if (list_set(row, i, DRAW_TITLE, e, "%s", view_request_cols[i].title) != 0)
			return -1;
	for (i = 0; i < r->n; i++) {
		const struct approval_eval *d = &r->v[i];
		char key[32];

		snprintf(key, sizeof key, "d%" PRId64, d->id);
		row = list_add(l, key, 0, e);
		if (row == NULL)
			return -1;
		if (list_set(row, REQUEST_ID, DRAW_NORMAL, e, "#%" PRId64, d->id) != 0 ||
		    list_set(row, REQUEST_SIGNER, DRAW_NORMAL, e, "%s", d->principal) != 0 ||
		    list_set(row, REQUEST_ROLE, DRAW_NORMAL, e, "%s", d->role) != 0 ||
		    list_set(row, REQUEST_DECISION, d->approve ? DRAW_NORMAL : DRAW_WARN, e, "%s",
			     d->approve ? "approve" : "reject") != 0 ||
		    list_set(row, REQUEST_COUNTS, d->counts ? DRAW_OK : DRAW_WARN, e, "%s",
			     d->counts ? "counts" : "no") != 0)
			return -1;
		/* Reasons are what an auditor reads: wrapped whole, never cut off. */
		if (!d->counts && view_request_wrapped(l, DRAW_WARN, "why not: ", d->why, 6, width, e) != 0)
			return -1;
		if (d->comment[0] != '\0' &&
		    view_request_wrapped(l, DRAW_DIM, "comment: ", d->comment, 6, width, e) != 0)
			return -1;
	}
	return 0;
}

static int view_request_build(struct view *v, int width, struct err *e)
{
	struct view_request *p = v->priv;
	const struct approval_request *r = &p->r;
	struct list *l = &v->list;
	char keep[64], buf[1200], when[32];

	list_selected_key(l, keep, sizeof keep);
	list_clear(l);
	p->built_width = width;
	view_time(r->created, when, sizeof when);
	snprintf(buf, sizeof buf, "%s v%" PRId64, r->model, r->version);
	if (view_request_field(l, DRAW_NORMAL, "model", buf, width, e) != 0 ||
	    view_request_field(l, DRAW_NORMAL, "digest", r->digest, width, e) != 0 ||
	    view_request_field(l, view_tier_style(r->tier), "tier", r->tier, width, e) != 0)
		return -1;
	snprintf(buf, sizeof buf, "%s %s %s", r->from, draw_glyphs()->arrow, r->to);
	if (view_request_field(l, DRAW_NORMAL, "stage", buf, width, e) != 0 ||
	    view_request_field(l, strcmp(r->state, "open") == 0 ? DRAW_NORMAL : DRAW_WARN, "state",
			       r->state, width, e) != 0)
		return -1;
	snprintf(buf, sizeof buf, "%s at %s", r->requester, when);
	if (view_request_field(l, DRAW_NORMAL, "requester", buf, width, e) != 0 ||
	    view_request_field(l, DRAW_NORMAL, "author", r->author[0] ? r->author : "-", width,
			       e) != 0 ||
	    (r->comment[0] != '\0' &&
	     view_request_field(l, DRAW_DIM, "comment", r->comment, width, e) != 0))
		return -1;
	if (view_request_needs(l, r, width, e) != 0 || view_request_decisions(l, r, width, e) != 0)
		return -1;
	return list_finish(l, keep, e);
}

static int view_request_load(struct app *a, struct view *v, struct err *e)
{
	struct view_request *p = v->priv;
	struct approval_request r;

	if (approval_request_get(a->st, p->id, &r, e) != 0)
		return -1;
	if (p->loaded)
		approval_request_clear(&p->r);
	p->r = r;
	p->loaded = 1;
	return view_request_build(v, p->built_width > 0 ? p->built_width : 80, e);
}

static void view_request_close(struct view *v)
{
	struct view_request *p = v->priv;

	if (p == NULL)
		return;
	if (p->loaded)
		approval_request_clear(&p->r);
	free(p);
	v->priv = NULL;
}

static int view_request_open(struct app *a, struct view *v, const struct view_arg *arg,
			     struct err *e)
{
	struct view_request *p;

	if (arg == NULL || arg->request <= 0)
		return err_set(e, ERR_INVALID, "no request to open");
	p = calloc(1, sizeof *p);
	if (p == NULL)
		return err_set(e, ERR_IO, "out of memory");
	v->priv = p;
	p->id = arg->request;
	list_init(&v->list, view_request_cols, REQUEST_NCOLS, 0, "");
	return view_request_load(a, v, e);
}

static int view_request_offers(const struct app *a, const struct view *v,
				   const struct action *act)
{
	struct view_request *p = v->priv;

	(void)a;
	if (!p->loaded || strcmp(p->r.state, "open") != 0)
		return 0;
	if (act->id == ACT_APPLY)
		return strcmp(p->r.kind, "promotion") == 0;
	return act->id == ACT_APPROVE || act->id == ACT_REJECT;
}

static int view_request_key(struct app *a, struct view *v, const struct action *act)
{
	struct view_request *p = v->priv;

	if (act->id == ACT_APPLY) {
		sign_apply_start(a, p->id);
		return 1;
	}
	if (act->id != ACT_APPROVE && act->id != ACT_REJECT)
		return 0;
	sign_decision_start(a, p->id, act->id == ACT_APPROVE);
	return 1;
}

static void view_request_draw(struct app *a, struct view *v, int y, int x, int h, int w)
{
	struct view_request *p = v->priv;
	char line[512];
	struct err e;

	err_clear(&e);
	if (w != p->built_width && view_request_build(v, w, &e) != 0)
		app_error(a, "%s", e.msg);
	if (h < 3) {
		list_draw(&v->list, y, x, h, w);
		return;
	}
	snprintf(line, sizeof line, "request #%" PRId64 "  %s v%" PRId64 "  %s %s %s  %d/%d approvals",
		 p->id, p->r.model, p->r.version, p->r.from, draw_glyphs()->arrow, p->r.to,
		 p->r.satisfied, p->r.required);
	draw_text(y, x + 1, w - 1, draw_attr(DRAW_HEADING, 0), line);
	list_draw(&v->list, y + 1, x, h - 1, w);
}

static void view_request_title(struct view *v, char *buf, size_t n)
{
	struct view_request *p = v->priv;

	snprintf(buf, n, "#%" PRId64, p->id);
}

const struct view_ops view_request_ops = {
	.name = "request",
	.open = view_request_open,
	.close = view_request_close,
	.refresh = view_request_load,
	.draw = view_request_draw,
	.key = view_request_key,
	.title = view_request_title,
	.offers = view_request_offers,
};
