/* view-audit: the audit trail, every ledger entry newest first with its time, actor, action and subject. */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>

#include "app.h"
#include "draw.h"
#include "ledger.h"

enum { AUDIT_SEQ, AUDIT_TIME, AUDIT_ACTOR, AUDIT_ACTION, AUDIT_SUBJECT, AUDIT_NCOLS };

static const struct list_col view_audit_cols[AUDIT_NCOLS] = {
	[AUDIT_SEQ] = {.title = "SEQ", .width = 6, .right = 1},
	[AUDIT_TIME] = {.title = "TIME", .width = 20},
	[AUDIT_ACTOR] = {.title = "ACTOR", .min = 6, .weight = 2},
	[AUDIT_ACTION] = {.title = "ACTION", .min = 8, .weight = 2},
	[AUDIT_SUBJECT] = {.title = "SUBJECT", .min = 8, .weight = 4},
};

static int view_audit_load(struct app *a, struct view *v, struct err *e)
{
	struct ledger_entries es = {0};
	char keep[32];
	size_t i;
	int rc = 0;

	if (ledger_entries(a->st, NULL, NULL, &es, e) != 0)
		return -1;
	list_selected_key(&v->list, keep, sizeof keep);
	list_clear(&v->list);
	/* Newest first: what just happened is what an operator looks for. */
	for (i = es.n; i-- > 0 && rc == 0;) {
		const struct ledger_entry *x = &es.v[i];
		char key[32], when[32];
		struct list_row *r;

		snprintf(key, sizeof key, "%" PRId64, x->seq);
		r = list_add(&v->list, key, 0, e);
		if (r == NULL) {
			rc = -1;
			break;
		}
		view_time(x->time, when, sizeof when);
		if (list_set(r, AUDIT_SEQ, DRAW_NORMAL, e, "#%" PRId64, x->seq) != 0 ||
		    list_set(r, AUDIT_TIME, DRAW_DIM, e, "%s", when) != 0 ||
		    list_set(r, AUDIT_ACTOR, DRAW_NORMAL, e, "%s", x->actor) != 0 ||
		    list_set(r, AUDIT_ACTION, DRAW_NORMAL, e, "%s", x->action) != 0 ||
		    list_set(r, AUDIT_SUBJECT, DRAW_NORMAL, e, "%s", x->subject) != 0)
			rc = -1;
	}
	ledger_entries_free(&es);
	if (rc == 0)
		rc = list_finish(&v->list, keep, e);
	return rc;
}

static int view_audit_open(struct app *a, struct view *v, const struct view_arg *arg,
			   struct err *e)
{
	(void)arg;
	list_init(&v->list, view_audit_cols, AUDIT_NCOLS, 1,
		  "the ledger is empty: governed changes appear here");
	return view_audit_load(a, v, e);
}

static int view_audit_enter(struct app *a, struct view *v, struct err *e)
{
	const struct list_row *r = list_selected(&v->list);
	struct view_arg arg = {0};

	(void)e;
	if (r == NULL || r->key == NULL)
		return 0;
	arg.seq = strtoll(r->key, NULL, 10);
	app_push(a, &view_entry_ops, &arg);
	return 0;
}

static void view_audit_draw(struct app *a, struct view *v, int y, int x, int h, int w)
{
	(void)a;
	list_draw(&v->list, y, x, h, w);
}

static void view_audit_title(struct view *v, char *buf, size_t n)
{
	(void)v;
	snprintf(buf, n, "audit");
}

const struct view_ops view_audit_ops = {
	.name = "audit",
	.open = view_audit_open,
	.refresh = view_audit_load,
	.draw = view_audit_draw,
	.enter = view_audit_enter,
	.title = view_audit_title,
};
