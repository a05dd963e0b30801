/* view-approvals: what waits for the signed-in principal's decision (t: every open request), each with its gate's state; H: the closed requests and why they closed. */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "action.h"
#include "app.h"
#include "approval.h"
#include "queue.h"
#include "draw.h"
#include "gate.h"
#include "keyring.h"
#include "sign.h"

/* The history shows the newest closed requests; a large estate has tens
 * of thousands, and the state argument narrows them. */
#define APPROVALS_HISTORY_MAX 1000

enum approvals_mode { APPROVALS_MINE, APPROVALS_ALL, APPROVALS_HISTORY };

enum { APPROVALS_ID, APPROVALS_MODEL, APPROVALS_VERSION, APPROVALS_TIER, APPROVALS_STAGE,
       APPROVALS_COUNT, APPROVALS_GATE, APPROVALS_REQUESTER, APPROVALS_NCOLS };

static const struct list_col view_approvals_cols[APPROVALS_NCOLS] = {
	[APPROVALS_ID] = {.title = "REQ", .width = 8, .right = 1},
	/* The model is the key fact: at 80 columns the gate's reason gives way first. */
	[APPROVALS_MODEL] = {.title = "MODEL", .min = 10, .weight = 8},
	[APPROVALS_VERSION] = {.title = "VER", .width = 5, .right = 1},
	[APPROVALS_TIER] = {.title = "TIER", .width = 8},
	/* Where it goes: every request comes from the stage before it. */
	[APPROVALS_STAGE] = {.title = "TO", .min = 6, .weight = 2},
	/* Approvals that fill a need against those required, as k9s' READY 1/2. */
	[APPROVALS_COUNT] = {.title = "READY", .width = 5, .right = 1},
	[APPROVALS_GATE] = {.title = "GATE", .min = 12, .weight = 3},
	[APPROVALS_REQUESTER] = {.title = "BY", .min = 4, .weight = 2},
};

enum { PAST_ID, PAST_STATE, PAST_MODEL, PAST_VERSION, PAST_STAGE, PAST_REQUESTER, PAST_WHY,
       PAST_NCOLS };

static const struct list_col view_approvals_past_cols[PAST_NCOLS] = {
	[PAST_ID] = {.title = "REQ", .width = 8, .right = 1},
	[PAST_STATE] = {.title = "STATE", .width = 10},
	[PAST_MODEL] = {.title = "MODEL", .min = 10, .weight = 8},
	[PAST_VERSION] = {.title = "VER", .width = 5, .right = 1},
	[PAST_STAGE] = {.title = "TO", .min = 6, .weight = 2},
	[PAST_REQUESTER] = {.title = "BY", .min = 4, .weight = 2},
	[PAST_WHY] = {.title = "WHY", .min = 12, .weight = 5},
};

struct view_approvals {
	enum approvals_mode mode;
	char state[16];   /* history: the one state shown, "" for all */
	int who;          /* the console acts as a principal the keyring knows */
	size_t mine, open, shown, total;
	char heading[1024];
	char empty[1024];
	/* The open requests listed, row i from rs.v[i], kept so each gate is
	 * evaluated when its row first comes into sight (gated[i]), not for
	 * every request at load: a gate reads the model's whole history. */
	struct approval_requests rs;
	unsigned char *gated;
};

/* The principal whose queue this is, NULL without a known --key. */
static const struct principal *view_approvals_who(const struct app *a)
{
	return a->id.loaded && a->id.known ? &a->id.who : NULL;
}

/* 1 when an open request's decisions all lapsed: nothing counts any
 * more, and each decision says it expired. It waits to be signed again. */
static int view_approvals_expired(const struct approval_request *r)
{
	size_t i;

	if (r->n == 0 || r->counted > 0)
		return 0;
	for (i = 0; i < r->n; i++)
		if (strncmp(r->v[i].why, "expired at", 10) != 0)
			return 0;
	return 1;
}

/* The gate's state for an open request in a few words: ALLOW, "waiting
 * for N more" when only approvals are missing, else DENY and its first
 * reason. Evaluated only for the rows the view shows. */
static void view_approvals_gate(struct app *a, const struct approval_request *r, char *buf,
				size_t n, int *style)
{
	const struct rule_result *first = NULL;
	char why[700];
	struct gate g;
	struct err e;
	size_t i;
	int others = 0, missing = r->required - r->satisfied;

	*style = DRAW_WARN;
	if (strcmp(r->kind, "promotion") != 0) {
		if (missing > 0) {
			snprintf(buf, n, "review: waiting for %d", missing);
		} else {
			*style = DRAW_OK;
			snprintf(buf, n, "reviewed");
		}
		return;
	}
	err_clear(&e);
	memset(&g, 0, sizeof g);
	if (gate_evaluate(a->st, r->model, r->version, r->to, r->id, &g, &e) != 0) {
		*style = DRAW_ERROR;
		snprintf(buf, n, "gate not evaluated: %s", e.msg);
		gate_free(&g);
		return;
	}
	for (i = 0; i < g.nres; i++)
		if (g.res[i].status != RULE_PASS && g.res[i].rule->kind != PK_APPROVALS &&
		    g.res[i].rule->kind != PK_APPROVERS && others++ == 0)
			first = &g.res[i];
	if (g.refusal[0] == '\0' && g.allow) {
		*style = DRAW_OK;
		snprintf(buf, n, "ALLOW");
	} else if (g.refusal[0] == '\0' && others == 0 && missing > 0) {
		snprintf(buf, n, "waiting for %d more", missing);
	} else if (first != NULL) {
		/* Missing approvals are what the queue is for: the rule that
		 * signatures cannot fix is the news. */
		const char *reason = first->reason;

		while (*reason == ' ')
			reason++;
		*style = DRAW_ERROR;
		snprintf(buf, n, "DENY %s %s: %s%s", first->rule->name, policy_status_name(first->status),
			 reason, others > 1 ? " (and more)" : "");
	} else {
		*style = DRAW_ERROR;
		sign_gate_why(&g, why, sizeof why);
		snprintf(buf, n, "DENY %s", why);
	}
	gate_free(&g);
}

static int view_approvals_open_rows(struct app *a, struct view *v, const struct approval_requests *rs,
				    struct err *e)
{
	size_t i;

	for (i = 0; i < rs->n; i++) {
		const struct approval_request *r = &rs->v[i];
		struct list_row *row;
		char key[32];

		(void)a;
		snprintf(key, sizeof key, "%" PRId64, r->id);
		row = list_add(&v->list, key, 0, e);
		if (row == NULL)
			return -1;
		/* Approvals that fill a need, so "2/2" means ready, not merely two signatures. */
		if (list_set(row, APPROVALS_ID, DRAW_NORMAL, e, "#%" PRId64, r->id) != 0 ||
		    list_set(row, APPROVALS_MODEL, DRAW_NORMAL, e, "%s", r->model) != 0 ||
		    list_set(row, APPROVALS_VERSION, DRAW_NORMAL, e, "v%" PRId64, r->version) != 0 ||
		    list_set(row, APPROVALS_TIER, view_tier_style(r->tier), e, "%s", r->tier) != 0 ||
		    list_set(row, APPROVALS_STAGE, DRAW_NORMAL, e, "%s", r->to) != 0 ||
		    list_set(row, APPROVALS_COUNT,
			     r->satisfied >= r->required ? DRAW_OK : DRAW_WARN, e, "%d/%d",
			     r->satisfied, r->required) != 0 ||
		    list_set(row, APPROVALS_GATE, DRAW_DIM, e, "%s", draw_glyphs()->ellipsis) != 0 ||
		    list_set(row, APPROVALS_REQUESTER, DRAW_DIM, e, "%s", r->requester) != 0)
			return -1;
	}
	return 0;
}

static int view_approvals_past_row(struct view *v, int64_t id, const char *state, const char *model,
				   int64_t version, const char *to,
				   const char *requester, const char *why, struct err *e)
{
	struct list_row *row;
	char key[32];
	int style = strcmp(state, "applied") == 0 ? DRAW_OK
		    : strcmp(state, "rejected") == 0 ? DRAW_ERROR
						      : DRAW_WARN;

	snprintf(key, sizeof key, "%" PRId64, id);
	row = list_add(&v->list, key, 0, e);
	if (row == NULL)
		return -1;
	if (list_set(row, PAST_ID, DRAW_NORMAL, e, "#%" PRId64, id) != 0 ||
	    list_set(row, PAST_STATE, style, e, "%s", state) != 0 ||
	    list_set(row, PAST_MODEL, DRAW_NORMAL, e, "%s", model) != 0 ||
	    list_set(row, PAST_VERSION, DRAW_NORMAL, e, "v%" PRId64, version) != 0 ||
	    list_set(row, PAST_STAGE, DRAW_NORMAL, e, "%s", to) != 0 ||
	    list_set(row, PAST_REQUESTER, DRAW_DIM, e, "%s", requester) != 0 ||
	    list_set(row, PAST_WHY, DRAW_NORMAL, e, "%s", why[0] ? why : "-") != 0)
		return -1;
	return 0;
}

/* Open requests whose decisions all lapsed first (they need signing
 * again), then the closed ones, newest first. */
static int view_approvals_history(struct app *a, struct view *v, struct err *e)
{
	struct view_approvals *p = v->priv;
	struct approval_requests rs = {0};
	struct queue_pasts ps = {0};
	const char *state = p->state[0] ? p->state : NULL;
	size_t i, open;
	int rc = 0;

	p->total = p->shown = 0;
	if (state == NULL || strcmp(state, "expired") == 0) {
		if (queue_open(a->st, NULL, &rs, &open, e) != 0)
			return -1;
		for (i = 0; i < rs.n && rc == 0; i++) {
			const struct approval_request *r = &rs.v[i];
			char why[600];

			if (!view_approvals_expired(r))
				continue;
			snprintf(why, sizeof why, "every decision lapsed (%s): sign again", r->v[0].why);
			rc = view_approvals_past_row(v, r->id, "expired", r->model, r->version,
						     r->to, r->requester, why, e);
			p->total++;
			p->shown++;
		}
		approval_requests_free(&rs);
	}
	if (rc == 0 && (state == NULL || strcmp(state, "expired") != 0)) {
		size_t total;

		if (queue_history(a->st, state, APPROVALS_HISTORY_MAX, &ps, &total, e) != 0)
			return -1;
		for (i = 0; i < ps.n && rc == 0; i++)
			rc = view_approvals_past_row(v, ps.v[i].id, ps.v[i].state, ps.v[i].model,
						     ps.v[i].version, ps.v[i].to,
						     ps.v[i].requester, ps.v[i].why, e);
		p->total += total;
		p->shown += ps.n;
		queue_pasts_free(&ps);
	}
	if (rc != 0)
		return -1;
	snprintf(p->heading, sizeof p->heading, "history: %zu %s request%s", p->total,
		 state ? state : "closed", p->total == 1 ? "" : "s");
	if (p->shown < p->total) {
		size_t used = strlen(p->heading);

		snprintf(p->heading + used, sizeof p->heading - used,
			 ", the newest %zu shown (:approvals history STATE narrows them)", p->shown);
	}
	snprintf(p->empty, sizeof p->empty, "no %s requests%s", state ? state : "closed",
		 state ? "" : " yet");
	return 0;
}

static void view_approvals_open_texts(struct app *a, struct view_approvals *p)
{
	const struct principal *who = view_approvals_who(a);
	const char *dot = draw_utf8() ? "\xc2\xb7" : "-";
	char roles[128], me[256];

	if (who != NULL) {
		snprintf(me, sizeof me, "%.100s (%.120s)", who->name,
			 keyring_roles_text(who->roles, roles, sizeof roles));
		if (p->mode == APPROVALS_MINE) {
			snprintf(p->heading, sizeof p->heading, "%zu wait%s for %s %s %zu open",
				 p->mine, p->mine == 1 ? "s" : "", me, dot, p->open);
			snprintf(p->empty, sizeof p->empty,
				 "nothing waits for %s: t shows all %zu open requests", me, p->open);
		} else {
			snprintf(p->heading, sizeof p->heading, "all %zu open %s %zu wait%s for %s",
				 p->open, dot, p->mine, p->mine == 1 ? "s" : "", me);
			snprintf(p->empty, sizeof p->empty,
				 "no open requests: open one with p on a version or `steward promote request`");
		}
		return;
	}
	/* Without a principal nothing can be said to wait for anyone. */
	if (!a->id.loaded)
		snprintf(p->heading, sizeof p->heading,
			 "all %zu open (no --key: start with --key FILE to see what waits for you)",
			 p->open);
	else
		snprintf(p->heading, sizeof p->heading, "all %zu open (%.100s: %.400s)", p->open,
			 a->id.pub.name, a->id.why);
	snprintf(p->empty, sizeof p->empty,
		 "no open requests: open one with p on a version or `steward promote request`");
}

static int view_approvals_load(struct app *a, struct view *v, struct err *e)
{
	struct view_approvals *p = v->priv;
	const struct principal *who = view_approvals_who(a);
	struct approval_requests rs = {0};
	char keep[64];
	size_t open;
	int rc;

	list_selected_key(&v->list, keep, sizeof keep);
	list_clear(&v->list);
	approval_requests_free(&p->rs);
	free(p->gated);
	p->gated = NULL;
	if (p->mode == APPROVALS_HISTORY) {
		rc = view_approvals_history(a, v, e);
	} else {
		/* One query and one evaluation of the open requests: the gate is
		 * evaluated only for the rows shown. */
		rc = queue_open(a->st, p->mode == APPROVALS_MINE ? who : NULL, &rs, &open, e);
		if (rc == 0) {
			p->open = open;
			if (p->mode == APPROVALS_MINE || who == NULL) {
				p->mine = rs.n;
			} else {
				size_t k;

				/* Counted from the list already evaluated, not queried again. */
				for (p->mine = 0, k = 0; k < rs.n; k++)
					p->mine += approval_waits_for(&rs.v[k], who);
			}
			rc = view_approvals_open_rows(a, v, &rs, e);
			p->rs = rs;
			p->gated = calloc(rs.n > 0 ? rs.n : 1, 1);
			if (p->gated == NULL && rc == 0)
				rc = err_set(e, ERR_IO, "out of memory");
			view_approvals_open_texts(a, p);
		}
	}
	v->list.empty = p->empty;
	if (rc == 0)
		rc = list_finish(&v->list, keep, e);
	return rc;
}

/* "", "mine", "all", "history", "history STATE" */
static int view_approvals_scope(struct view_approvals *p, const char *scope, int who,
				struct err *e)
{
	char word[32], state[32];
	int n;

	word[0] = state[0] = '\0';
	n = scope != NULL ? sscanf(scope, "%31s %31s", word, state) : 0;
	p->mode = who ? APPROVALS_MINE : APPROVALS_ALL;
	if (n <= 0 || strcmp(word, "mine") == 0)
		return n == 2 ? err_set(e, ERR_INVALID, ":approvals mine takes nothing more") : 0;
	if (strcmp(word, "all") == 0) {
		p->mode = APPROVALS_ALL;
		return n == 2 ? err_set(e, ERR_INVALID, ":approvals all takes nothing more") : 0;
	}
	if (strcmp(word, "history") == 0) {
		static const char *const states[] = { "applied", "rejected", "withdrawn", "superseded",
						      "expired", NULL };
		size_t i;

		p->mode = APPROVALS_HISTORY;
		if (n < 2)
			return 0;
		for (i = 0; states[i] != NULL && strcmp(states[i], state) != 0; i++)
			;
		if (states[i] == NULL)
			return err_set(e, ERR_INVALID,
				       ":approvals history takes applied, rejected, withdrawn, superseded or expired");
		snprintf(p->state, sizeof p->state, "%.15s", state);
		return 0;
	}
	return err_set(e, ERR_INVALID, "unknown :approvals argument (try all, or history [STATE])");
}

/* The open requests and the history are different tables. */
static void view_approvals_columns(struct view *v)
{
	const struct view_approvals *p = v->priv;

	list_free(&v->list);
	if (p->mode == APPROVALS_HISTORY)
		list_init(&v->list, view_approvals_past_cols, PAST_NCOLS, 1, "");
	else
		list_init(&v->list, view_approvals_cols, APPROVALS_NCOLS, 1, "");
}

static void view_approvals_close(struct view *v)
{
	struct view_approvals *p = v->priv;

	if (p != NULL) {
		approval_requests_free(&p->rs);
		free(p->gated);
	}
	free(v->priv);
	v->priv = NULL;
}

/* Evaluates the gates of the rows in sight that have none yet; 1 when
 * one was filled in (the columns may then be sized anew). */
static int view_approvals_gate_visible(struct app *a, struct view *v)
{
	struct view_approvals *p = v->priv;
	struct list *l = &v->list;
	size_t k;
	int filled = 0;

	if (p->gated == NULL || p->mode == APPROVALS_HISTORY)
		return 0;
	for (k = l->top; k < l->nvis && k < l->top + (size_t)l->height; k++) {
		size_t i = l->vis[k];
		char gate[800];
		int style;
		struct err e;

		if (i >= p->rs.n || p->gated[i])
			continue;
		err_clear(&e);
		view_approvals_gate(a, &p->rs.v[i], gate, sizeof gate, &style);
		p->gated[i] = 1;
		if (list_set(&l->rows[i], APPROVALS_GATE, style, &e, "%s", gate) != 0) {
			app_error(a, "%s", e.msg);
			break;
		}
		filled = 1;
	}
	if (filled)
		l->widths_stale = 1;
	return filled;
}

static int view_approvals_open(struct app *a, struct view *v, const struct view_arg *arg,
			       struct err *e)
{
	struct view_approvals *p = calloc(1, sizeof *p);

	if (p == NULL)
		return err_set(e, ERR_IO, "out of memory");
	v->priv = p;
	if (view_approvals_scope(p, arg != NULL ? arg->scope : NULL, view_approvals_who(a) != NULL,
				 e) != 0)
		return -1;
	view_approvals_columns(v);
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
	const struct view_approvals *p = v->priv;

	if (act->id == ACT_APPROVALS_HISTORY)
		return 1;
	if (act->id == ACT_APPROVALS_MINE)
		return view_approvals_who(a) != NULL || p->mode == APPROVALS_HISTORY;
	return (act->id == ACT_APPROVE || act->id == ACT_REJECT || act->id == ACT_APPLY) &&
	       p->mode != APPROVALS_HISTORY && view_approvals_selected(v) > 0;
}

/* t and H: another mode, the selection kept where the request still shows. */
static void view_approvals_switch(struct app *a, struct view *v, enum approvals_mode mode)
{
	struct view_approvals *p = v->priv;
	struct err e;

	err_clear(&e);
	p->mode = mode;
	p->state[0] = '\0';
	view_approvals_columns(v);
	if (view_approvals_load(a, v, &e) != 0)
		app_error(a, "%s", e.msg);
}

static int view_approvals_key(struct app *a, struct view *v, const struct action *act)
{
	struct view_approvals *p = v->priv;
	int64_t id = view_approvals_selected(v);

	if (act->id == ACT_APPROVALS_MINE) {
		if (p->mode == APPROVALS_HISTORY)
			view_approvals_switch(a, v, view_approvals_who(a) ? APPROVALS_MINE : APPROVALS_ALL);
		else if (view_approvals_who(a) == NULL)
			app_error(a, "nothing waits for anyone without a known --key: this is every open request");
		else
			view_approvals_switch(a, v, p->mode == APPROVALS_MINE ? APPROVALS_ALL : APPROVALS_MINE);
		return 1;
	}
	if (act->id == ACT_APPROVALS_HISTORY) {
		if (p->mode == APPROVALS_HISTORY)
			view_approvals_switch(a, v, view_approvals_who(a) ? APPROVALS_MINE : APPROVALS_ALL);
		else
			view_approvals_switch(a, v, APPROVALS_HISTORY);
		return 1;
	}
	if (act->id != ACT_APPROVE && act->id != ACT_REJECT && act->id != ACT_APPLY)
		return 0;
	if (p->mode == APPROVALS_HISTORY)
		app_error(a, "these requests are closed: H goes back to the open ones");
	else if (id <= 0)
		app_error(a, "no request selected");
	else if (act->id == ACT_APPLY)
		sign_apply_start(a, id);
	else
		sign_decision_start(a, id, act->id == ACT_APPROVE);
	return 1;
}

static void view_approvals_draw(struct app *a, struct view *v, int y, int x, int h, int w)
{
	struct view_approvals *p = v->priv;

	(void)a;
	if (h < 3) {
		list_draw(&v->list, y, x, h, w);
		return;
	}
	draw_text(y, x + 1, w - 1, draw_attr(DRAW_HEADING, 0), p->heading);
	list_draw(&v->list, y + 1, x, h - 1, w);
	/* The first draw says which rows are in sight; their gates, then again. */
	if (view_approvals_gate_visible(a, v))
		list_draw(&v->list, y + 1, x, h - 1, w);
}

static void view_approvals_title(struct view *v, char *buf, size_t n)
{
	const struct view_approvals *p = v->priv;

	if (p->mode == APPROVALS_HISTORY)
		snprintf(buf, n, "approvals history%s%s", p->state[0] ? " " : "", p->state);
	else
		snprintf(buf, n, "approvals");
}

const struct view_ops view_approvals_ops = {
	.name = "approvals",
	.open = view_approvals_open,
	.close = view_approvals_close,
	.refresh = view_approvals_load,
	.draw = view_approvals_draw,
	.key = view_approvals_key,
	.enter = view_approvals_enter,
	.title = view_approvals_title,
	.offers = view_approvals_offers,
};
