/* view-version: one version's gate checklist for its next stage, its lineage's completeness and the rule it feeds, its model card (missing required sections flagged), its metrics table and a marker where an alert fires or drift is over its limit; p requests the promotion, P applies it. */
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "action.h"
#include "app.h"
#include "approval.h"
#include "card.h"
#include "draw.h"
#include "gate.h"
#include "lineage.h"
#include "monitor.h"
#include "registry.h"
#include "sign.h"

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
	char from[65];   /* the stage it is at ("none" without an alias) */
	const char *next; /* the stage it goes to next; NULL when none */
	struct gate g;   /* the gate for from -> next, when have_gate */
	int have_gate;
	char gate_err[sizeof ((struct err *)0)->msg]; /* the gate could not be evaluated */
	struct monitor_mark mark; /* alerts firing for it, drift over its limit: read at load */
	char lineage[1200];       /* its lineage's completeness and the policy rule it feeds: read at load */
	int lineage_style;
};

#define VIEW_VERSION_REQUEST_KEY "request"
#define VIEW_VERSION_LINEAGE_KEY "lineage"

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

static int view_version_status_style(enum rule_status st)
{
	switch (st) {
	case RULE_PASS: return DRAW_OK;
	case RULE_FAIL: return DRAW_ERROR;
	case RULE_UNKNOWN: break;
	}
	return DRAW_WARN;
}

struct view_version_hang {
	struct list *l;
	struct err *e;
	int style;
	const char *prefix;
	int indent;
	int first;
};

static int view_version_hang_line(void *ctx, const char *s, size_t n)
{
	struct view_version_hang *h = ctx;
	struct list_row *r = list_add(h->l, NULL, LIST_SPAN, h->e);

	if (r == NULL)
		return -1;
	if (h->first) {
		h->first = 0;
		return list_set(r, 0, h->style, h->e, "%s%.*s", h->prefix, (int)n, s);
	}
	return list_set(r, 0, h->style, h->e, "%*s%.*s", h->indent, "", (int)n, s);
}

/* prefix, then text wrapped to width with its further lines hanging
 * under its first: a long reason stays whole and the status column clear. */
static int view_version_hanging(struct list *l, int style, const char *prefix, const char *text,
				int width, struct err *e)
{
	struct view_version_hang h = {l, e, style, prefix, draw_width(prefix), 1};

	if (text[0] == '\0')
		return view_version_line(l, style, prefix, e);
	return draw_wrap(text, width - h.indent, view_version_hang_line, &h);
}

/* One line per rule: status, rule, evidence and reason, then the verdict. Rule and evidence
 * line up in columns where the reason still gets room, and a long reason
 * hangs under its own column; on a narrow screen they run on after the
 * status instead. */
int view_version_gate_rules(const struct gate *g, struct list *l, int width, struct err *e)
{
	char prefix[256], text[1024];
	int rw = 4, ew = 8, cap, aligned;
	size_t i, bad = 0;

	for (i = 0; i < g->nres; i++) {
		int n = draw_width(g->res[i].rule->name), m = draw_width(g->res[i].evidence);

		rw = n > rw ? n : rw;
		ew = m > ew ? m : ew;
	}
	rw = rw > 22 ? 22 : rw;
	/* The reason matters most: evidence gets two fifths of what is left. */
	cap = (width - 14 - rw) * 2 / 5;
	cap = cap < 10 ? 10 : cap > 26 ? 26 : cap;
	ew = ew > cap ? cap : ew;
	aligned = width - (2 + 8 + rw + 2 + ew + 2) >= 24;
	for (i = 0; i < g->nres; i++) {
		const struct rule_result *r = &g->res[i];
		const char *status = policy_status_name(r->status), *reason = r->reason;
		int style = view_version_status_style(r->status);

		/* A metric rule without a slice leaves a space where the slice would be. */
		while (*reason == ' ')
			reason++;

		if (aligned && draw_width(r->evidence) <= ew) {
			snprintf(prefix, sizeof prefix, "  %-7s %-*s  %-*s  ", status, rw, r->rule->name,
				 ew, r->evidence);
			snprintf(text, sizeof text, "%s", reason);
		} else if (aligned) {
			snprintf(prefix, sizeof prefix, "  %-7s %-*s  ", status, rw, r->rule->name);
			snprintf(text, sizeof text, "%s  %s", r->evidence, reason);
		} else {
			snprintf(prefix, sizeof prefix, "  %-7s ", status);
			snprintf(text, sizeof text, "%s  %s  %s", r->rule->name, r->evidence, reason);
		}
		if (view_version_hanging(l, style, prefix, text, width, e) != 0)
			return -1;
		bad += r->status != RULE_PASS;
	}
	if (g->allow)
		snprintf(text, sizeof text, "ALLOW: all %zu rules pass", g->nres);
	else
		snprintf(text, sizeof text, "DENY: %zu of %zu rules do not pass (FAIL and UNKNOWN both deny)",
			 bad, g->nres);
	return view_wrapped(l, g->allow ? DRAW_OK : DRAW_ERROR, text, 2, width, e);
}

/* The gate for the version's next stage, as `steward gate` prints it. */
static int view_version_gate(struct view_version *p, struct list *l, int width, struct err *e)
{
	const struct gate *g = &p->g;
	char buf[1200], dig[32];

	if (p->next == NULL) {
		if (view_version_line(l, DRAW_TITLE, "Gate", e) != 0)
			return -1;
		if (strcmp(p->from, "production") == 0)
			snprintf(buf, sizeof buf,
				 "v%lld is in production: there is no next stage to promote it to",
				 (long long)p->version);
		else
			snprintf(buf, sizeof buf, "v%lld is at %s: promotions go none, staging, production",
				 (long long)p->version, p->from);
		return view_wrapped(l, DRAW_DIM, buf, 2, width, e);
	}
	snprintf(buf, sizeof buf, "Gate: %s %s %s", p->from, draw_glyphs()->arrow, p->next);
	if (view_version_line(l, DRAW_TITLE, buf, e) != 0)
		return -1;
	if (!p->have_gate) {
		snprintf(buf, sizeof buf, "cannot evaluate the gate: %s", p->gate_err);
		return view_wrapped(l, DRAW_ERROR, buf, 2, width, e);
	}
	if (g->policy_name[0] != '\0') {
		view_short_digest(g->policy_digest, dig, sizeof dig);
		snprintf(buf, sizeof buf, "policy %s v%lld (%s)", g->policy_name,
			 (long long)g->policy_version, dig);
		if (view_wrapped(l, DRAW_DIM, buf, 2, width, e) != 0)
			return -1;
	}
	/* Refused before any rule ran: no policy, an edited policy file, no such transition. */
	if (g->refusal[0] != '\0')
		return view_version_hanging(l, DRAW_ERROR, "  DENY  ", g->refusal, width, e);
	if (g->request != 0) {
		int stale = strcmp(g->request_policy, g->policy_digest) != 0;

		if (stale) {
			view_short_digest(g->request_policy, dig, sizeof dig);
			snprintf(buf, sizeof buf,
				 "request #%lld by %s, opened under %s: "
				 "its approvals do not count under the policy in force",
				 (long long)g->request, g->ev.requester,
				 g->request_policy[0] ? dig : "no policy");
		} else {
			snprintf(buf, sizeof buf, "request #%lld by %s", (long long)g->request,
				 g->ev.requester);
		}
		{
			size_t first = l->n;

			if (view_wrapped(l, stale ? DRAW_WARN : DRAW_NORMAL, buf, 2, width, e) != 0)
				return -1;
			/* Enter on the request's line opens it. */
			if (first < l->n) {
				l->rows[first].key = strdup(VIEW_VERSION_REQUEST_KEY);
				if (l->rows[first].key == NULL)
					return err_set(e, ERR_IO, "out of memory");
			}
		}
	} else if (view_wrapped(l, DRAW_DIM, "no open request for this transition", 2, width,
				e) != 0) {
		return -1;
	}
	return view_version_gate_rules(g, l, width, e);
}

static int view_version_build(struct view *v, int width, struct err *e)
{
	struct view_version *p = v->priv;
	struct list *l = &v->list;
	size_t i;

	list_clear(l);
	p->built_width = width;
	/* The gate first: it is what decides what can happen to the version next. */
	if (view_version_gate(p, l, width, e) != 0 || view_version_line(l, DRAW_NORMAL, "", e) != 0)
		return -1;
	{
		size_t first = l->n;

		if (view_version_hanging(l, p->lineage_style, "Lineage  ", p->lineage, width, e) != 0)
			return -1;
		/* Enter on it shows the tree. */
		if (first < l->n) {
			l->rows[first].key = strdup(VIEW_VERSION_LINEAGE_KEY);
			if (l->rows[first].key == NULL)
				return err_set(e, ERR_IO, "out of memory");
		}
	}
	if (view_version_line(l, DRAW_NORMAL, "", e) != 0 || view_version_line(l, DRAW_TITLE, "Model card", e) != 0)
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
	if (p->have_gate)
		gate_free(&p->g);
	p->have_gate = 0;
	p->loaded = 0;
}

/* The rules of the tier's policy in force that read lineage-complete:
 * "feeds rule lineage (staging -> production) of critical-default v1". */
static void view_version_lineage_rules(struct app *a, const char *model, char *buf, size_t n)
{
	struct reg_model m = {0};
	struct gate_policies ps = {0};
	const struct gate_policy *in = NULL;
	struct policy pol = {0};
	struct err e;
	size_t i, j, used = 0, found = 0;

	err_clear(&e);
	buf[0] = '\0';
	if (registry_model_get(a->st, model, &m, &e) != 0 || gate_policy_list(a->st, &ps, &e) != 0) {
		snprintf(buf, n, "which rule reads it is unknown: %.200s", e.msg);
		gate_policies_free(&ps);
		registry_model_clear(&m);
		return;
	}
	for (i = 0; i < ps.n && in == NULL; i++)
		if (ps.v[i].in_force && strcmp(ps.v[i].tier, registry_tier_name(m.tier)) == 0)
			in = &ps.v[i];
	if (in == NULL) {
		snprintf(buf, n, "no policy is enrolled for the %s tier, so no rule reads it", registry_tier_name(m.tier));
	} else if (policy_parse(in->text, strlen(in->text), in->path, &pol, &e) != 0) {
		snprintf(buf, n, "policy %s v%" PRId64 " does not parse: %.200s", in->name, in->version, e.msg);
	} else {
		for (i = 0; i < pol.nsec; i++)
			for (j = 0; j < pol.sec[i].nrules; j++) {
				const struct policy_section *sec = &pol.sec[i];
				int w;

				if (sec->rules[j].kind != PK_LINEAGE || sec->rollback)
					continue;
				w = snprintf(buf + used, n - used, "%s%s (%s %s %s)", found++ ? ", " : "feeds rule ",
					     sec->rules[j].name, sec->from, draw_glyphs()->arrow, sec->to);
				if (w < 0 || (size_t)w >= n - used)
					break;
				used += (size_t)w;
			}
		if (found == 0)
			snprintf(buf, n, "no rule of %s v%" PRId64 " reads it", in->name, in->version);
		else
			snprintf(buf + used, n - used, " of %s v%" PRId64, in->name, in->version);
		policy_free(&pol);
	}
	gate_policies_free(&ps);
	registry_model_clear(&m);
}

/* What the version screen says of its lineage: the signed lineage.set
 * entry the gate reads, else what the tables hold unsigned, and the rule
 * it feeds. The lineage view shows the graph; this is the verdict. */
static void view_version_lineage(struct app *a, struct view_version *p)
{
	struct lineage_evidence ev = {0};
	struct lineage_status ls = {0};
	char state[700], rules[400];
	struct err e;

	err_clear(&e);
	view_version_lineage_rules(a, p->model, rules, sizeof rules);
	if (lineage_gate_evidence(a->st, p->model, p->version, &ev, &e) != 0) {
		snprintf(state, sizeof state, "cannot read the signed lineage: %s", e.msg);
		p->lineage_style = DRAW_ERROR;
	} else if (ev.has) {
		snprintf(state, sizeof state, "%s%s%s (signed by %s, entry #%" PRId64 ")%s",
			 ev.complete ? "complete" : "incomplete", ev.complete || ev.why[0] == '\0' ? "" : ": ",
			 ev.complete ? "" : ev.why, ev.signer, ev.seq,
			 ev.current ? "" : "; the stored lineage changed since it was signed");
		p->lineage_style = ev.complete && ev.current ? DRAW_OK : DRAW_WARN;
	} else if (lineage_status_of(a->st, p->model, p->version, &ls, &e) != 0) {
		snprintf(state, sizeof state, "cannot read the lineage: %s", e.msg);
		p->lineage_style = DRAW_ERROR;
	} else if (ls.has) {
		/* The gate reads only a signed lineage.set entry: until one exists its rule stays UNKNOWN. */
		snprintf(state, sizeof state, "%s%s%s; stored, not attested", ls.complete ? "complete" : "incomplete",
			 ls.complete || ls.why[0] == '\0' ? "" : ": ", ls.complete ? "" : ls.why);
		p->lineage_style = DRAW_WARN;
	} else {
		snprintf(state, sizeof state, "none recorded");
		p->lineage_style = DRAW_DIM;
	}
	lineage_status_free(&ls);
	snprintf(p->lineage, sizeof p->lineage, "%s %s %s", state, draw_utf8() ? "\xc2\xb7" : "-", rules);
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
	/* Only the marker: a version's monitoring detail is :monitor's. */
	if (monitor_mark_version(a->st, p->model, p->version, &p->mark, e) != 0) {
		registry_version_clear(&rv);
		card_free(&card);
		registry_metrics_free(&metrics);
		return -1;
	}
	view_version_unload(p);
	p->rv = rv;
	p->card = card;
	p->metrics = metrics;
	p->loaded = 1;
	approval_stage_of(p->rv.aliases, p->from, sizeof p->from);
	p->next = sign_next_stage(p->from);
	p->gate_err[0] = '\0';
	view_version_lineage(a, p);
	if (p->next != NULL) {
		struct err ge;

		/* A gate that cannot be evaluated is shown as such; the card and
		 * metrics are still worth reading. */
		err_clear(&ge);
		if (gate_evaluate(a->st, p->model, p->version, p->next, 0, &p->g, &ge) == 0) {
			p->have_gate = 1;
		} else {
			gate_free(&p->g);
			snprintf(p->gate_err, sizeof p->gate_err, "%s", ge.msg);
		}
	}
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
	if (strcmp(p->rv.digest_state, "verified") == 0)
		view_short_digest(p->rv.digest, digest, sizeof digest);
	else
		snprintf(digest, sizeof digest, "digest %s", p->rv.digest_state);
	view_date(p->rv.created, date, sizeof date);
	snprintf(line, sizeof line, "%s v%lld", p->model, (long long)p->version);
	{
		int used = draw_text(y, x + 1, w - 1, draw_attr(DRAW_HEADING, 0), line);

		if (p->rv.aliases && p->rv.aliases[0])
			used += 1 + draw_text(y, x + 2 + used, w - 2 - used, draw_attr(DRAW_ALIAS, 0),
					      p->rv.aliases);
		if (p->mark.firing > 0 || p->mark.drift_over) {
			char mk[128];
			int style = p->mark.firing > 0 && p->mark.worst >= 3 ? DRAW_ERROR : DRAW_WARN;

			if (p->mark.firing > 0)
				snprintf(mk, sizeof mk, "! %d alert%s firing (%s)%s", p->mark.firing,
					 p->mark.firing == 1 ? "" : "s", view_severity_name(p->mark.worst),
					 p->mark.drift_over ? ", drift over its limit" : "");
			else
				snprintf(mk, sizeof mk, "~ drift over its limit");
			used += 2 + draw_text(y, x + 3 + used, w - 3 - used, draw_attr(style, 0), mk);
		}
		snprintf(line, sizeof line, "%s  by %s  %s", digest,
			 p->rv.author && p->rv.author[0] ? p->rv.author : "-", date);
		draw_text(y, x + 3 + used, w - 3 - used, draw_attr(DRAW_NORMAL, 0), line);
	}
	snprintf(line, sizeof line, "%s%s%s%s%s", p->rv.artifact_uri ? p->rv.artifact_uri : "",
		 p->rv.run_id && p->rv.run_id[0] ? "  run " : "",
		 p->rv.run_id && p->rv.run_id[0] ? p->rv.run_id : "",
		 p->rv.digest_reason && p->rv.digest_reason[0] ? "  unverified: " : "",
		 p->rv.digest_reason ? p->rv.digest_reason : "");
	draw_text(y + 1, x + 1, w - 1, draw_attr(DRAW_DIM, 0), line);
	list_draw(&v->list, y + 2, x, h - 2, w);
}

/* p when there is a next stage and no request for it yet; P when a
 * request's gate passes; a and r when a request is open; c always. */
static int view_version_offers(const struct app *a, const struct view *v, const struct action *act)
{
	const struct view_version *p = v->priv;

	(void)a;
	if (act->id == ACT_COMPARE || act->id == ACT_LINEAGE)
		return p->loaded;
	if (!p->loaded || p->next == NULL)
		return 0;
	if (act->id == ACT_APPROVE || act->id == ACT_REJECT)
		return p->have_gate && p->g.request != 0;
	if (act->id == ACT_PROMOTE)
		return !p->have_gate || p->g.request == 0;
	if (act->id == ACT_APPLY)
		return p->have_gate && p->g.request != 0 && p->g.allow && p->g.refusal[0] == '\0';
	return 0;
}

static int view_version_key(struct app *a, struct view *v, const struct action *act)
{
	struct view_version *p = v->priv;

	if (act->id == ACT_PROMOTE) {
		sign_promote_start(a, p->model, p->version);
		return 1;
	}
	if (act->id == ACT_APPROVE || act->id == ACT_REJECT) {
		if (p->next == NULL || !p->have_gate || p->g.request == 0)
			app_error(a, "no open request for %s v%lld%s%s: p requests one", p->model,
				  (long long)p->version, p->next ? " to " : "", p->next ? p->next : "");
		else
			sign_decision_start(a, p->g.request, act->id == ACT_APPROVE);
		return 1;
	}
	if (act->id != ACT_APPLY)
		return 0;
	if (p->next == NULL)
		app_error(a, "%s v%lld is %s: there is no next stage to apply", p->model,
			  (long long)p->version, p->from);
	else if (!p->have_gate)
		app_error(a, "cannot evaluate the gate: %s", p->gate_err);
	else if (p->g.request == 0)
		app_error(a, "no open request for %s v%lld to %s: p requests one", p->model,
			  (long long)p->version, p->next);
	else
		sign_apply_start(a, p->g.request);
	return 1;
}

/* Enter on the request's line opens the request; on the lineage line, the lineage. */
static int view_version_enter(struct app *a, struct view *v, struct err *e)
{
	const struct view_version *p = v->priv;
	const struct list_row *row = list_selected(&v->list);
	struct view_arg arg = {0};

	(void)e;
	if (row != NULL && row->key != NULL && strcmp(row->key, VIEW_VERSION_LINEAGE_KEY) == 0) {
		arg.model = p->model;
		arg.version = p->version;
		app_push(a, &view_lineage_ops, &arg);
		return 0;
	}
	if (row == NULL || row->key == NULL || strcmp(row->key, VIEW_VERSION_REQUEST_KEY) != 0 ||
	    !p->have_gate || p->g.request == 0)
		return 0;
	arg.request = p->g.request;
	app_push(a, &view_request_ops, &arg);
	return 0;
}

static void view_version_title(struct view *v, char *buf, size_t n)
{
	struct view_version *p = v->priv;

	snprintf(buf, n, "%s v%lld", p->model, (long long)p->version);
}

/* :audit from here shows this version's entries. */
static void view_version_scope(const struct view *v, struct view_arg *arg)
{
	const struct view_version *p = v->priv;

	arg->model = p->model;
	arg->version = p->version;
}

static int view_version_subject(const struct view *v, const char **model, int64_t *version)
{
	const struct view_version *p = v->priv;

	*model = p->model;
	*version = p->version;
	return 0;
}

const struct view_ops view_version_ops = {
	.name = "version",
	.open = view_version_open,
	.close = view_version_close,
	.refresh = view_version_load,
	.draw = view_version_draw,
	.key = view_version_key,
	.enter = view_version_enter,
	.title = view_version_title,
	.offers = view_version_offers,
	.scope = view_version_scope,
	.subject = view_version_subject,
};
