/* view-request: one promotion request: the exact artifact, who asked, the gate rule by rule, the evidence, and every decision with whether it counts and why not. */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "action.h"
#include "app.h"
#include "approval.h"
#include "card.h"
#include "check.h"
#include "draw.h"
#include "gate.h"
#include "keyring.h"
#include "registry.h"
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
	/* The evidence a decision signs over, read with the request. */
	struct reg_version rv;
	struct card card;
	struct reg_metrics metrics;
	int have_evidence;
	char evidence_err[sizeof ((struct err *)0)->msg];
	struct gate g; /* open promotions: the gate as it stands now */
	int have_gate;
	char gate_err[sizeof ((struct err *)0)->msg];
	/* Opened while another of the console's connections proved the
	 * keyring (the --key's first proof, the ledger check's): the row and
	 * the evidence alone, said to be unchecked, and the rest once the
	 * proof is in (view_request_poll). Judging it here would have held
	 * the keys for that proof: 13-20 ms warm on the bench estate, up to
	 * a second from a cold disk. */
	int unchecked;
	char check_err[sizeof ((struct err *)0)->msg]; /* why judging it then failed */
};

#define VIEW_REQUEST_VERSION_KEY "version"

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
	char t1[32], t2[32], when[200];
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
		view_time(d->recorded ? d->recorded : d->issued, t1, sizeof t1);
		view_time(d->expires, t2, sizeof t2);
		snprintf(when, sizeof when, "signed %s, expires %s", t1, t2);
		if (view_wrapped(l, DRAW_DIM, when, 6, width, e) != 0)
			return -1;
		/* Reasons are what an auditor reads: wrapped whole, never cut off. */
		if (d->counts)
			snprintf(when, sizeof when, "as %s: the signature, key, role, binding and time all check", d->role);
		if ((d->counts ? view_request_wrapped(l, DRAW_OK, "counts ", when, 6, width, e)
			       : view_request_wrapped(l, DRAW_WARN, "why not: ", d->why, 6, width, e)) != 0)
			return -1;
		if (view_request_wrapped(l, DRAW_DIM, "comment: ", d->comment[0] ? d->comment : "(none)", 6,
					 width, e) != 0)
			return -1;
	}
	return 0;
}

/* The gate as apply would evaluate it now: policy, request, each rule. */
static int view_request_gate(const struct view_request *p, struct list *l, int width, struct err *e)
{
	const struct gate *g = &p->g;
	char buf[1200], dig[32];

	snprintf(buf, sizeof buf, "Gate: %s %s %s", p->r.from, draw_glyphs()->arrow, p->r.to);
	if (view_line(l, DRAW_NORMAL, "", e) != 0 || view_line(l, DRAW_TITLE, buf, e) != 0)
		return -1;
	if (strcmp(p->r.state, "open") != 0)
		return view_wrapped(l, DRAW_DIM, "not evaluated: the request is closed", 2, width, e);
	if (strcmp(p->r.kind, "promotion") != 0)
		return view_wrapped(l, DRAW_DIM, "a review is signed, never applied: no gate", 2, width, e);
	if (!p->have_gate) {
		snprintf(buf, sizeof buf, "cannot evaluate the gate: %s", p->gate_err);
		return view_wrapped(l, DRAW_ERROR, buf, 2, width, e);
	}
	if (g->policy_name[0] != '\0') {
		view_short_digest(g->policy_digest, dig, sizeof dig);
		snprintf(buf, sizeof buf, "policy %s v%" PRId64 " (%s)", g->policy_name, g->policy_version,
			 dig);
		if (view_wrapped(l, DRAW_DIM, buf, 2, width, e) != 0)
			return -1;
	}
	if (g->refusal[0] != '\0') {
		snprintf(buf, sizeof buf, "DENY  %s", g->refusal);
		return view_wrapped(l, DRAW_ERROR, buf, 2, width, e);
	}
	return view_version_gate_rules(g, l, width, e);
}

/* 1 when the gate's rules on metric name treat lower values as worse
 * (a floor); 0 for a ceiling. Without a rule the lowest is shown. */
static int view_request_lower_worse(const struct view_request *p, const char *name)
{
	size_t i;

	for (i = 0; p->have_gate && i < p->g.nres; i++) {
		const struct policy_rule *ru = p->g.res[i].rule;

		if (ru->kind == PK_METRIC && strcmp(ru->a, name) == 0)
			return ru->op == OP_GE || ru->op == OP_GT || ru->op == OP_EQ;
	}
	return 1;
}

/* What the decision signs over: the card's required sections, the worst
 * slice of each metric, and whether steward read the artifact's bytes. */
static int view_request_evidence(const struct view_request *p, struct list *l, int width,
				 struct err *e)
{
	char buf[1400], missing[600];
	size_t i, j, have = 0, used = 0;

	if (view_line(l, DRAW_NORMAL, "", e) != 0 || view_line(l, DRAW_TITLE, "Evidence", e) != 0)
		return -1;
	if (!p->have_evidence) {
		snprintf(buf, sizeof buf, "cannot read the evidence: %s", p->evidence_err);
		return view_wrapped(l, DRAW_ERROR, buf, 2, width, e);
	}
	if (strcmp(p->rv.digest_state, "verified") == 0)
		snprintf(buf, sizeof buf, "artifact: steward read the bytes, digest verified");
	else
		snprintf(buf, sizeof buf, "artifact: digest %s%s%s",
			 p->rv.digest_state[0] ? p->rv.digest_state : "not checked",
			 p->rv.digest_reason && p->rv.digest_reason[0] ? ": " : "",
			 p->rv.digest_reason ? p->rv.digest_reason : "");
	if (view_request_wrapped(l, strcmp(p->rv.digest_state, "verified") == 0 ? DRAW_OK : DRAW_WARN,
				 "", buf, 2, width, e) != 0)
		return -1;
	missing[0] = '\0';
	for (i = 0; card_required_sections[i] != NULL; i++) {
		const struct card_section *sec = card_find(&p->card, card_required_sections[i]);

		if (sec != NULL && sec->body != NULL && sec->body[0] != '\0') {
			have++;
		} else {
			int w = snprintf(missing + used, sizeof missing - used, "%s%s", used ? ", " : "",
					 card_required_sections[i]);

			if (w > 0 && (size_t)w < sizeof missing - used)
				used += (size_t)w;
		}
	}
	snprintf(buf, sizeof buf, "card: %zu of %zu required sections%s%s", have, i,
		 missing[0] ? "; missing: " : " present", missing);
	if (view_request_wrapped(l, missing[0] ? DRAW_WARN : DRAW_OK, "", buf, 2, width, e) != 0)
		return -1;
	if (p->metrics.n == 0)
		return view_wrapped(l, DRAW_WARN, "metrics: none recorded", 2, width, e);
	/* One line per metric and dataset: its worst slice, the one a gate reads. */
	for (i = 0; i < p->metrics.n; i++) {
		const struct reg_metric *m = &p->metrics.v[i], *worst = m;
		int lower = view_request_lower_worse(p, m->name), seen = 0, n = 0;

		for (j = 0; j < i && !seen; j++)
			seen = strcmp(p->metrics.v[j].name, m->name) == 0 &&
			       strcmp(p->metrics.v[j].dataset, m->dataset) == 0;
		if (seen)
			continue;
		for (j = i; j < p->metrics.n; j++) {
			const struct reg_metric *o = &p->metrics.v[j];

			if (strcmp(o->name, m->name) != 0 || strcmp(o->dataset, m->dataset) != 0)
				continue;
			n++;
			if (lower ? o->value < worst->value : o->value > worst->value)
				worst = o;
		}
		if (n > 1)
			snprintf(buf, sizeof buf, "%s on %s: worst %.4g (%s) of %d slices", m->name,
				 m->dataset[0] ? m->dataset : "-", worst->value,
				 worst->slice[0] ? worst->slice : "all", n);
		else
			snprintf(buf, sizeof buf, "%s on %s: %.4g (%s)", m->name,
				 m->dataset[0] ? m->dataset : "-", worst->value,
				 worst->slice[0] ? worst->slice : "all");
		if (view_request_wrapped(l, DRAW_NORMAL, "metric ", buf, 2, width, e) != 0)
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
	/* First, above what it qualifies. */
	if (p->unchecked) {
		if (p->check_err[0] != '\0')
			snprintf(buf, sizeof buf, "cannot check it against the ledger: %s", p->check_err);
		else
			snprintf(buf, sizeof buf, "%s",
				 "not yet checked against the ledger: its decisions, what it needs and its gate "
				 "come once the keyring is proven");
		if (view_wrapped(l, p->check_err[0] != '\0' ? DRAW_ERROR : DRAW_WARN, buf, 0, width, e) != 0)
			return -1;
	}
	view_time(r->created, when, sizeof when);
	snprintf(buf, sizeof buf, "%s v%" PRId64 "  (Enter opens the version)", r->model, r->version);
	/* The version line is the one row with a key: Enter opens it. */
	{
		struct list_row *row = list_add(l, VIEW_REQUEST_VERSION_KEY, LIST_SPAN, e);

		if (row == NULL || list_set(row, 0, DRAW_NORMAL, e, "%-10s %s", "version", buf) != 0)
			return -1;
	}
	if (view_request_field(l, DRAW_NORMAL, "digest", r->digest, width, e) != 0 ||
	    view_request_field(l, view_tier_style(r->tier), "tier", r->tier, width, e) != 0)
		return -1;
	snprintf(buf, sizeof buf, "%s %s %s", r->from, draw_glyphs()->arrow, r->to);
	if (view_request_field(l, DRAW_NORMAL, "stage", buf, width, e) != 0 ||
	    view_request_field(l, strcmp(r->state, "open") == 0 ? DRAW_NORMAL : DRAW_WARN, "state",
			       r->state, width, e) != 0 ||
	    (r->closed[0] != '\0' &&
	     view_request_field(l, DRAW_WARN, "closed", r->closed, width, e) != 0) ||
	    (r->tampered[0] != '\0' &&
	     view_request_field(l, DRAW_ERROR, "TAMPERED", r->tampered, width, e) != 0))
		return -1;
	snprintf(buf, sizeof buf, "%s at %s", r->requester, when);
	if (view_request_field(l, DRAW_NORMAL, "requester", buf, width, e) != 0 ||
	    view_request_field(l, DRAW_NORMAL, "author", r->author[0] ? r->author : "-", width,
			       e) != 0 ||
	    (r->comment[0] != '\0' &&
	     view_request_field(l, DRAW_DIM, "comment", r->comment, width, e) != 0))
		return -1;
	if (p->unchecked) {
		if (view_request_evidence(p, l, width, e) != 0)
			return -1;
	} else if (view_request_needs(l, r, width, e) != 0 || view_request_gate(p, l, width, e) != 0 ||
		   view_request_evidence(p, l, width, e) != 0 || view_request_decisions(l, r, width, e) != 0) {
		return -1;
	}
	/* Opened on the version line, so Enter goes there at once. */
	return list_finish(l, keep[0] ? keep : VIEW_REQUEST_VERSION_KEY, e);
}

static void view_request_unload(struct view_request *p)
{
	if (p->loaded)
		approval_request_clear(&p->r);
	if (p->have_evidence) {
		registry_version_clear(&p->rv);
		card_free(&p->card);
		registry_metrics_free(&p->metrics);
	}
	if (p->have_gate)
		gate_free(&p->g);
	p->loaded = p->have_evidence = p->have_gate = p->unchecked = 0;
}

/* The version's evidence and the gate; what cannot be read is shown as
 * such, the request itself is still worth reading. */
static void view_request_load_evidence(struct app *a, struct view_request *p)
{
	struct err e;

	err_clear(&e);
	memset(&p->rv, 0, sizeof p->rv);
	memset(&p->card, 0, sizeof p->card);
	memset(&p->metrics, 0, sizeof p->metrics);
	if (registry_version_get(a->st, p->r.model, p->r.version, &p->rv, &e) != 0) {
		snprintf(p->evidence_err, sizeof p->evidence_err, "%s", e.msg);
	} else if (registry_card_get(a->st, p->r.model, p->r.version, &p->card, &e) != 0 ||
		   registry_metric_list(a->st, p->r.model, p->r.version, &p->metrics, &e) != 0) {
		snprintf(p->evidence_err, sizeof p->evidence_err, "%s", e.msg);
		registry_version_clear(&p->rv);
		card_free(&p->card);
		registry_metrics_free(&p->metrics);
	} else {
		p->have_evidence = 1;
	}
	if (p->unchecked || strcmp(p->r.state, "open") != 0 || strcmp(p->r.kind, "promotion") != 0)
		return;
	err_clear(&e);
	memset(&p->g, 0, sizeof p->g);
	if (gate_evaluate(a->st, p->r.model, p->r.version, p->r.to, p->r.id, &p->g, &e) == 0) {
		p->have_gate = 1;
	} else {
		gate_free(&p->g);
		snprintf(p->gate_err, sizeof p->gate_err, "%s", e.msg);
	}
}

/* unchecked: the row and the evidence alone (see struct view_request). */
static int view_request_read(struct app *a, struct view *v, int unchecked, struct err *e)
{
	struct view_request *p = v->priv;
	struct approval_request r;

	if ((unchecked ? approval_request_peek(a->st, p->id, &r, e) : approval_request_get(a->st, p->id, &r, e)) != 0)
		return -1;
	view_request_unload(p);
	p->r = r;
	p->loaded = 1;
	p->unchecked = unchecked;
	p->check_err[0] = '\0';
	view_request_load_evidence(a, p);
	return view_request_build(v, p->built_width > 0 ? p->built_width : 80, e);
}

static int view_request_load(struct app *a, struct view *v, struct err *e)
{
	/* A script's screens must not depend on when the proof ends. */
	return view_request_read(a, v, !a->in_place && keyring_proving(a->st), e);
}

static void view_request_close(struct view *v)
{
	struct view_request *p = v->priv;

	if (p == NULL)
		return;
	view_request_unload(p);
	free(p);
	v->priv = NULL;
}

/* Enter on the version line opens the version the request is about. */
static int view_request_enter(struct app *a, struct view *v, struct err *e)
{
	struct view_request *p = v->priv;
	const struct list_row *row = list_selected(&v->list);
	struct view_arg arg = {0};

	(void)e;
	if (row == NULL || row->key == NULL || strcmp(row->key, VIEW_REQUEST_VERSION_KEY) != 0)
		return 0;
	arg.model = p->r.model;
	arg.version = p->r.version;
	app_push(a, &view_version_ops, &arg);
	return 0;
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

/* Judged once the keyring's proof is in (or at once with wait). The
 * --key's proof wakes the loop (app_ledger_poll reloads the view then);
 * a proof the ledger check makes without one is found at the loop's busy
 * timeout, which returning 1 asks for. */
static int view_request_poll(struct app *a, struct view *v, int wait)
{
	struct view_request *p = v->priv;
	struct err e;

	if (p == NULL || !p->unchecked || p->check_err[0] != '\0')
		return 0;
	if (!wait && keyring_proving(a->st))
		return 1;
	err_clear(&e);
	/* With wait, judged now: waiting for the proof if it is still under way. */
	if (view_request_read(a, v, 0, &e) != 0) {
		/* Said in the view, where the unchecked fields are, and not tried
		 * again until the store changes (refresh). */
		snprintf(p->check_err, sizeof p->check_err, "%s", e.msg);
		err_clear(&e);
		if (view_request_build(v, p->built_width > 0 ? p->built_width : 80, &e) != 0)
			app_error(a, "%s", e.msg);
	}
	return 0;
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
	char line[512], state[64];
	struct err e;

	err_clear(&e);
	if (w != p->built_width && view_request_build(v, w, &e) != 0)
		app_error(a, "%s", e.msg);
	if (h < 3) {
		list_draw(&v->list, y, x, h, w);
		return;
	}
	if (!p->unchecked)
		snprintf(state, sizeof state, "%d/%d approvals", p->r.satisfied, p->r.required);
	else if (p->check_err[0] != '\0')
		snprintf(state, sizeof state, "UNCHECKED");
	else
		snprintf(state, sizeof state, "proving the keyring%s", draw_glyphs()->ellipsis);
	snprintf(line, sizeof line, "request #%" PRId64 "  %s v%" PRId64 "  %s %s %s  %s", p->id, p->r.model,
		 p->r.version, p->r.from, draw_glyphs()->arrow, p->r.to, state);
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
	.enter = view_request_enter,
	.title = view_request_title,
	.offers = view_request_offers,
	.poll = view_request_poll,
};
