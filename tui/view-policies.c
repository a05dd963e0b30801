/* view-policies: the enrolled policies with tier, version, short digest, enrolment date, signer and whether each is in force. */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>

#include "app.h"
#include "draw.h"
#include "gate.h"

enum { POLICIES_TIER, POLICIES_NAME, POLICIES_VERSION, POLICIES_DIGEST, POLICIES_ENROLLED,
       POLICIES_SIGNER, POLICIES_FORCE, POLICIES_NCOLS };

static const struct list_col view_policies_cols[POLICIES_NCOLS] = {
	[POLICIES_TIER] = {.title = "TIER", .width = 8},
	[POLICIES_NAME] = {.title = "POLICY", .min = 12, .weight = 3},
	[POLICIES_VERSION] = {.title = "VER", .width = 4, .right = 1},
	[POLICIES_DIGEST] = {.title = "DIGEST", .width = 15},
	[POLICIES_ENROLLED] = {.title = "ENROLLED", .width = 10},
	[POLICIES_SIGNER] = {.title = "SIGNER", .min = 6, .weight = 1},
	[POLICIES_FORCE] = {.title = "IN FORCE", .width = 8},
};

static int view_policies_load(struct app *a, struct view *v, struct err *e)
{
	struct gate_policies ps = {0};
	char keep[64];
	size_t i;
	int rc = 0;

	if (gate_policy_list(a->st, &ps, e) != 0)
		return -1;
	list_selected_key(&v->list, keep, sizeof keep);
	list_clear(&v->list);
	for (i = 0; i < ps.n && rc == 0; i++) {
		const struct gate_policy *p = &ps.v[i];
		char key[32], digest[32], date[32];
		struct list_row *r;

		snprintf(key, sizeof key, "%" PRId64, p->id);
		r = list_add(&v->list, key, 0, e);
		if (r == NULL) {
			rc = -1;
			break;
		}
		view_short_digest(p->digest, digest, sizeof digest);
		view_date(p->enrolled, date, sizeof date);
		if (list_set(r, POLICIES_TIER, view_tier_style(p->tier), e, "%s", p->tier) != 0 ||
		    list_set(r, POLICIES_NAME, DRAW_NORMAL, e, "%s", p->name) != 0 ||
		    list_set(r, POLICIES_VERSION, DRAW_NORMAL, e, "v%" PRId64, p->version) != 0 ||
		    list_set(r, POLICIES_DIGEST, DRAW_DIM, e, "%s", digest) != 0 ||
		    list_set(r, POLICIES_ENROLLED, DRAW_DIM, e, "%s", date) != 0 ||
		    list_set(r, POLICIES_SIGNER, DRAW_NORMAL, e, "%s", p->signer) != 0 ||
		    list_set(r, POLICIES_FORCE, p->in_force ? DRAW_OK : DRAW_DIM, e, "%s",
			     p->in_force ? "yes" : "replaced") != 0)
			rc = -1;
	}
	gate_policies_free(&ps);
	if (rc == 0)
		rc = list_finish(&v->list, keep, e);
	return rc;
}

static int view_policies_open(struct app *a, struct view *v, const struct view_arg *arg,
			      struct err *e)
{
	(void)arg;
	list_init(&v->list, view_policies_cols, POLICIES_NCOLS, 1,
		  "no policies enrolled: nothing can be promoted (steward policy enroll FILE)");
	return view_policies_load(a, v, e);
}

static int view_policies_enter(struct app *a, struct view *v, struct err *e)
{
	const struct list_row *r = list_selected(&v->list);
	struct view_arg arg = {0};

	(void)e;
	if (r == NULL || r->key == NULL)
		return 0;
	arg.policy = strtoll(r->key, NULL, 10);
	/* app_push has already said why when it fails. */
	app_push(a, &view_policy_ops, &arg);
	return 0;
}

static void view_policies_draw(struct app *a, struct view *v, int y, int x, int h, int w)
{
	(void)a;
	list_draw(&v->list, y, x, h, w);
}

static void view_policies_title(struct view *v, char *buf, size_t n)
{
	(void)v;
	snprintf(buf, n, "policies");
}

const struct view_ops view_policies_ops = {
	.name = "policies",
	.open = view_policies_open,
	.refresh = view_policies_load,
	.draw = view_policies_draw,
	.enter = view_policies_enter,
	.title = view_policies_title,
};
