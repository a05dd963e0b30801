/* view-approvals: the pending promotion requests with their stage change and the approvals that count so far. */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>

#include "action.h"
#include "app.h"
#include "approval.h"
#include "draw.h"
#include "sign.h"

enum { APPROVALS_ID, APPROVALS_MODEL, APPROVALS_VERSION, APPROVALS_TIER, APPROVALS_STAGE,
       APPROVALS_COUNT, APPROVALS_REQUESTER, APPROVALS_NCOLS };

static const struct list_col view_approvals_cols[APPROVALS_NCOLS] = {
	[APPROVALS_ID] = {.title = "REQ", .width = 5, .right = 1},
	[APPROVALS_MODEL] = {.title = "MODEL", .min = 10, .weight = 4},
	[APPROVALS_VERSION] = {.title = "VER", .width = 5, .right = 1},
	[APPROVALS_TIER] = {.title = "TIER", .width = 8},
	[APPROVALS_STAGE] = {.title = "STAGE", .min = 10, .weight = 4},
	[APPROVALS_COUNT] = {.title = "APPROVALS", .width = 9, .right = 1},
	[APPROVALS_REQUESTER] = {.title = "REQUESTER", .min = 6, .weight = 2},
};

static int view_approvals_load(struct app *a, struct view *v, struct err *e)
{
	struct approval_requests rs = {0};
	char keep[64];
	size_t i;
	int rc = 0;

	if (approval_request_list(a->st, 1, &rs, e) != 0)
		return -1;
	list_selected_key(&v->list, keep, sizeof keep);
	list_clear(&v->list);
	for (i = 0; i < rs.n && rc == 0; i++) {
		const struct approval_request *r = &rs.v[i];
		char key[32];
		struct list_row *row;

		snprintf(key, sizeof key, "%" PRId64, r->id);
		row = list_add(&v->list, key, 0, e);
		if (row == NULL) {
			rc = -1;
			break;
		}
		/* Approvals that fill a need, so "2/2" means ready, not merely two signatures. */
		if (list_set(row, APPROVALS_ID, DRAW_NORMAL, e, "#%" PRId64, r->id) != 0 ||
		    list_set(row, APPROVALS_MODEL, DRAW_NORMAL, e, "%s", r->model) != 0 ||
		    list_set(row, APPROVALS_VERSION, DRAW_NORMAL, e, "v%" PRId64, r->version) != 0 ||
		    list_set(row, APPROVALS_TIER, view_tier_style(r->tier), e, "%s", r->tier) != 0 ||
		    list_set(row, APPROVALS_STAGE, DRAW_NORMAL, e, "%s%s%s", r->from,
			     draw_glyphs()->arrow, r->to) != 0 ||
		    list_set(row, APPROVALS_COUNT,
			     r->satisfied >= r->required ? DRAW_OK : DRAW_WARN, e, "%d/%d",
			     r->satisfied, r->required) != 0 ||
		    list_set(row, APPROVALS_REQUESTER, DRAW_DIM, e, "%s", r->requester) != 0)
			rc = -1;
	}
	approval_requests_free(&rs);
	if (rc == 0)
		rc = list_finish(&v->list, keep, e);
	return rc;
}

static int view_approvals_open(struct app *a, struct view *v, const struct view_arg *arg,
			       struct err *e)
{
	(void)arg;
	list_init(&v->list, view_approvals_cols, APPROVALS_NCOLS, 1,
		  "no pending requests: open one with `steward promote request`");
	return view_approvals_load(a, v, e);
}

/* The selected request's id, 0 when nothing is selected. */
static int64_t view_approvals_selected(const struct view *v)
{
	const struct list_row *r = list_selected(&v->list);

	return r != NULL && r->key != NULL ? strtoll(r->key, NULL, 10) : 0;
}

static int view_approvals_enter(struct app *a, struct view *v, struct err *e)
{
	struct view_arg arg = {0};

	(void)e;
	arg.request = view_approvals_selected(v);
	if (arg.request > 0)
		app_push(a, &view_request_ops, &arg);
	return 0;
}

static int view_approvals_offers(const struct app *a, const struct view *v,
				   const struct action *act)
{
	(void)a;
	return (act->id == ACT_APPROVE || act->id == ACT_REJECT || act->id == ACT_APPLY) &&
	       view_approvals_selected(v) > 0;
}

static int view_approvals_key(struct app *a, struct view *v, const struct action *act)
{
	int64_t id = view_approvals_selected(v);

	if (act->id != ACT_APPROVE && act->id != ACT_REJECT && act->id != ACT_APPLY)
		return 0;
	if (id <= 0)
		app_error(a, "no request selected");
	else if (act->id == ACT_APPLY)
		sign_apply_start(a, id);
	else
		sign_decision_start(a, id, act->id == ACT_APPROVE);
	return 1;
}

static void view_approvals_draw(struct app *a, struct view *v, int y, int x, int h, int w)
{
	(void)a;
	list_draw(&v->list, y, x, h, w);
}

static void view_approvals_title(struct view *v, char *buf, size_t n)
{
	(void)v;
	snprintf(buf, n, "approvals");
}

const struct view_ops view_approvals_ops = {
	.name = "approvals",
	.open = view_approvals_open,
	.refresh = view_approvals_load,
	.draw = view_approvals_draw,
	.key = view_approvals_key,
	.enter = view_approvals_enter,
	.title = view_approvals_title,
	.offers = view_approvals_offers,
};
