/* view-audit: the audit trail newest first (time, actor, action, model, version), the whole ledger or scoped to the model or version it was opened from; w widens and narrows. */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "action.h"
#include "app.h"
#include "draw.h"
#include "explain.h"
#include "ledger.h"

enum { AUDIT_SEQ, AUDIT_TIME, AUDIT_ACTOR, AUDIT_ACTION, AUDIT_SUBJECT, AUDIT_VERSION, AUDIT_NCOLS };

/* Sized for 80 columns: the action whole (request.supersede is the
 * longest), the model or other subject taking the slack. The time drops
 * its seconds here; the entry shows it exactly. */
static const struct list_col view_audit_cols[AUDIT_NCOLS] = {
	[AUDIT_SEQ] = {.title = "SEQ", .width = 8, .right = 1},
	[AUDIT_TIME] = {.title = "TIME (UTC)", .width = 16},
	[AUDIT_ACTOR] = {.title = "ACTOR", .min = 4, .weight = 1},
	[AUDIT_ACTION] = {.title = "ACTION", .width = 17},
	[AUDIT_SUBJECT] = {.title = "MODEL/SUBJECT", .min = 14, .weight = 5},
	[AUDIT_VERSION] = {.title = "VER", .width = 5},
};

/* Scoped to one model the model column says nothing: it is left out. */
enum { SCOPED_SEQ, SCOPED_TIME, SCOPED_ACTOR, SCOPED_ACTION, SCOPED_VERSION, SCOPED_NCOLS };

static const struct list_col view_audit_scoped_cols[SCOPED_NCOLS] = {
	[SCOPED_SEQ] = {.title = "SEQ", .width = 8, .right = 1},
	[SCOPED_TIME] = {.title = "TIME (UTC)", .width = 16},
	[SCOPED_ACTOR] = {.title = "ACTOR", .min = 8, .weight = 1},
	[SCOPED_ACTION] = {.title = "ACTION", .width = 17},
	[SCOPED_VERSION] = {.title = "VER", .min = 5, .weight = 1},
};

struct view_audit {
	char *model;     /* the scope it was opened on; NULL: the whole ledger */
	int64_t version; /* with model: one version's entries; 0 the whole model's */
	int wide;        /* w: the whole ledger for now, the scope kept to narrow back */
};

static int view_audit_scoped(const struct view_audit *p)
{
	return p->model != NULL && !p->wide;
}

/* "2026-12-01 20:10": minutes are enough to scan by; seq orders. */
static void view_audit_time(int64_t t, char *buf, size_t n)
{
	char full[32];

	view_time(t, full, sizeof full);
	if (strlen(full) >= 16 && full[10] == 'T')
		snprintf(buf, n, "%.10s %.5s", full, full + 11);
	else
		snprintf(buf, n, "%s", full);
}

static int view_audit_row(struct list *l, const struct ledger_entry *x, int scoped, struct err *e)
{
	char key[32], when[32], model[101], ver[32];
	struct list_row *r;
	int64_t version;
	int is_model = explain_subject(x->subject, model, sizeof model, &version);

	snprintf(key, sizeof key, "%" PRId64, x->seq);
	r = list_add(l, key, 0, e);
	if (r == NULL)
		return -1;
	view_audit_time(x->time, when, sizeof when);
	if (version > 0)
		snprintf(ver, sizeof ver, "v%" PRId64, version);
	else
		snprintf(ver, sizeof ver, "-");
	if (list_set(r, AUDIT_SEQ, DRAW_NORMAL, e, "#%" PRId64, x->seq) != 0 ||
	    list_set(r, AUDIT_TIME, DRAW_DIM, e, "%s", when) != 0 ||
	    list_set(r, AUDIT_ACTOR, DRAW_NORMAL, e, "%s", x->actor) != 0 ||
	    list_set(r, AUDIT_ACTION, DRAW_NORMAL, e, "%s", x->action) != 0)
		return -1;
	if (scoped)
		return list_set(r, SCOPED_VERSION, DRAW_NORMAL, e, "%s", ver);
	/* The models:/ every model subject repeats is left out. */
	return list_set(r, AUDIT_SUBJECT, DRAW_NORMAL, e, "%s", is_model ? model : x->subject) != 0 ||
			       list_set(r, AUDIT_VERSION, DRAW_NORMAL, e, "%s", ver) != 0
		       ? -1
		       : 0;
}

static int view_audit_load(struct app *a, struct view *v, struct err *e)
{
	struct view_audit *p = v->priv;
	struct ledger_entries es = {0};
	char keep[32], subject[200] = "";
	size_t i;
	int rc = 0, scoped = view_audit_scoped(p);

	if (scoped) {
		if (p->version > 0)
			snprintf(subject, sizeof subject, "models:/%s/%" PRId64, p->model, p->version);
		else
			snprintf(subject, sizeof subject, "models:/%s", p->model);
	}
	/* A scope is an index range on the subject (see ledger_entries). */
	if (ledger_entries(a->st, scoped ? subject : NULL, NULL, &es, e) != 0)
		return -1;
	list_selected_key(&v->list, keep, sizeof keep);
	list_clear(&v->list);
	/* Newest first: what just happened is what an operator looks for. */
	for (i = es.n; i-- > 0 && rc == 0;)
		rc = view_audit_row(&v->list, &es.v[i], scoped, e);
	ledger_entries_free(&es);
	if (rc == 0)
		rc = list_finish(&v->list, keep, e);
	return rc;
}

static void view_audit_columns(struct view *v)
{
	struct view_audit *p = v->priv;
	char filter[LIST_FILTER_MAX];

	snprintf(filter, sizeof filter, "%s", v->list.filter);
	list_free(&v->list);
	if (view_audit_scoped(p))
		list_init(&v->list, view_audit_scoped_cols, SCOPED_NCOLS, 1,
			  p->version > 0 ? "no ledger entry names this version yet"
					 : "no ledger entry names this model yet");
	else
		list_init(&v->list, view_audit_cols, AUDIT_NCOLS, 1,
			  "the ledger is empty: governed changes appear here");
	snprintf(v->list.filter, sizeof v->list.filter, "%s", filter);
}

static void view_audit_close(struct view *v)
{
	struct view_audit *p = v->priv;

	if (p == NULL)
		return;
	free(p->model);
	free(p);
	v->priv = NULL;
}

static int view_audit_open(struct app *a, struct view *v, const struct view_arg *arg,
			   struct err *e)
{
	struct view_audit *p = calloc(1, sizeof *p);

	if (p == NULL)
		return err_set(e, ERR_IO, "out of memory");
	v->priv = p;
	if (arg != NULL && arg->model != NULL && arg->model[0] != '\0') {
		p->model = strdup(arg->model);
		if (p->model == NULL)
			return err_set(e, ERR_IO, "out of memory");
		p->version = arg->version;
	}
	list_init(&v->list, NULL, 0, 1, "");
	view_audit_columns(v);
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

/* w where there is a scope to leave or go back to. */
static int view_audit_offers(const struct app *a, const struct view *v, const struct action *act)
{
	const struct view_audit *p = v->priv;

	(void)a;
	return act->id == ACT_AUDIT_SCOPE && p->model != NULL;
}

static int view_audit_key(struct app *a, struct view *v, const struct action *act)
{
	struct view_audit *p = v->priv;
	char keep[32];
	struct err e;

	if (act->id != ACT_AUDIT_SCOPE || p->model == NULL)
		return 0;
	err_clear(&e);
	list_selected_key(&v->list, keep, sizeof keep);
	p->wide = !p->wide;
	view_audit_columns(v);
	/* The entry selected stays selected when it is in the new scope. */
	if (view_audit_load(a, v, &e) != 0 || list_finish(&v->list, keep, &e) != 0)
		app_error(a, "%s", e.msg);
	else if (p->wide)
		app_message(a, "the whole ledger: w narrows back to %s", p->model);
	else
		app_message(a, "only what names %s%s: w widens to the whole ledger", p->model,
			     p->version > 0 ? " at this version" : "");
	return 1;
}

static void view_audit_title(struct view *v, char *buf, size_t n)
{
	struct view_audit *p = v->priv;

	/* Not "›": the breadcrumbs already use it between views. */
	if (!view_audit_scoped(p))
		snprintf(buf, n, "audit");
	else if (p->version > 0)
		snprintf(buf, n, "audit of %s v%" PRId64, p->model, p->version);
	else
		snprintf(buf, n, "audit of %s", p->model);
}

const struct view_ops view_audit_ops = {
	.name = "audit",
	.open = view_audit_open,
	.close = view_audit_close,
	.refresh = view_audit_load,
	.draw = view_audit_draw,
	.enter = view_audit_enter,
	.key = view_audit_key,
	.title = view_audit_title,
	.offers = view_audit_offers,
};
