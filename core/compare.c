/* compare: one version against another (production's, by default): card sections diffed, metrics paired with deltas, gate rules whose result differs. */
#include "compare.h"

#include <ctype.h>
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "approval.h"
#include "check.h"
#include "record.h"

const char *compare_state_name(enum compare_state s)
{
	switch (s) {
	case COMPARE_SAME: return "unchanged";
	case COMPARE_ADDED: return "added";
	case COMPARE_REMOVED: return "removed";
	case COMPARE_CHANGED: return "changed";
	}
	return "?";
}

const char *compare_rule_scope(enum policy_kind k)
{
	switch (k) {
	case PK_APPROVALS:
	case PK_APPROVERS:
	case PK_SOD:
	case PK_APPROVAL_AGE:
	case PK_ROLE:
	case PK_REVIEW: return "request";
	case PK_LIVE:
	case PK_DRIFT:
	case PK_ALERTS:
	case PK_STAGE_TIME:
	case PK_CANARY: return "stage";
	case PK_METRIC:
	case PK_CARD:
	case PK_LINEAGE:
	case PK_DIGEST: break;
	}
	return "version";
}

/* Name parts that say which way a metric is better, for metrics no
 * policy rule names. Whole parts only: "map" is not "mapping". */
static const char *const compare_lower[] = {
	"loss", "error", "err", "rmse", "mse", "mae", "mape", "latency", "brier", "fpr", "fnr",
	"perplexity", "ece", NULL,
};
static const char *const compare_higher[] = {
	"auc", "accuracy", "acc", "precision", "recall", "f1", "ndcg", "map", "mrr", "r2", "gini",
	"ks", "tpr", "uplift", "coverage", NULL,
};

static int compare_listed(const char *const *list, const char *part, size_t n)
{
	size_t i;

	for (i = 0; list[i] != NULL; i++)
		if (strlen(list[i]) == n && strncasecmp(list[i], part, n) == 0)
			return 1;
	return 0;
}

static int compare_rule_direction(const struct policy_section *sec, const char *metric,
				  const char **from)
{
	size_t k;

	for (k = 0; k < sec->nrules; k++) {
		const struct policy_rule *r = &sec->rules[k];

		if (r->kind != PK_METRIC || strcmp(r->a, metric) != 0 || r->op == OP_EQ)
			continue;
		*from = r->name;
		return r->op == OP_GE || r->op == OP_GT ? 1 : -1;
	}
	return 0;
}

int compare_direction(const struct policy *pol, const struct policy_section *sec,
		      const char *metric, const char **from)
{
	const char *p = metric;
	size_t i;
	int d;

	*from = NULL;
	if (sec != NULL && (d = compare_rule_direction(sec, metric, from)) != 0)
		return d;
	for (i = 0; pol != NULL && i < pol->nsec; i++)
		if ((d = compare_rule_direction(&pol->sec[i], metric, from)) != 0)
			return d;
	while (*p != '\0') {
		size_t n = 0;

		while (p[n] != '\0' && isalnum((unsigned char)p[n]))
			n++;
		if (n > 0 && compare_listed(compare_lower, p, n)) {
			*from = "convention";
			return -1;
		}
		if (n > 0 && compare_listed(compare_higher, p, n)) {
			*from = "convention";
			return 1;
		}
		p += n;
		while (*p != '\0' && !isalnum((unsigned char)*p))
			p++;
	}
	return 0;
}

int compare_default_base(struct store *st, const char *model, int64_t version, int64_t *base,
			 char *label, size_t labeln, char *why, size_t whyn, struct err *e)
{
	struct record_moves mv;
	int64_t prod;
	size_t i;

	*base = 0;
	label[0] = why[0] = '\0';
	prod = registry_alias_version(st, model, "production", e);
	if (prod < 0)
		return -1;
	if (prod == 0) {
		snprintf(why, whyn,
			 "%s has no production version to compare v%" PRId64
			 " with; :compare VERSION picks one",
			 model, version);
		return 0;
	}
	if (prod != version) {
		*base = prod;
		snprintf(label, labeln, "production");
		return 0;
	}
	/* The version is production: compare with what production was before it. */
	if (record_alias_history(st, model, "production", &mv, e) != 0)
		return err_prefix(e, "the history of %s's production alias", model);
	for (i = mv.n; i-- > 0;)
		if (mv.v[i].version != 0 && mv.v[i].version != version) {
			*base = mv.v[i].version;
			break;
		}
	record_moves_free(&mv);
	if (*base != 0)
		snprintf(label, labeln, "previous production");
	else
		snprintf(why, whyn,
			 "v%" PRId64 " is the only version %s's production ever pointed at: nothing to"
			 " compare it with; :compare VERSION picks one",
			 version, model);
	return 0;
}

int compare_parse_version(struct store *st, const char *model, const char *text, int64_t *out,
			  struct err *e)
{
	char ex[200];
	int64_t v;

	if (text[0] == 'v' && text[1] >= '0' && text[1] <= '9')
		text++;
	if (text[0] >= '0' && text[0] <= '9')
		return registry_version_parse(text, out, e);
	if (check_alias(text, e) != 0) {
		check_excerpt(text, ex, sizeof ex);
		return err_set(e, ERR_INVALID,
			       "\"%s\" is neither a version (5, v5) nor an alias (production, staging)",
			       ex);
	}
	v = registry_alias_version(st, model, text, e);
	if (v < 0)
		return -1;
	if (v == 0)
		return err_set(e, ERR_NOTFOUND, "%s has no %s alias", model, text);
	*out = v;
	return 0;
}

/* ---- card ---- */

static int compare_add_section(struct compare *c, const char *title, const char *old,
			       const char *body, struct err *e)
{
	struct compare_section *s = &c->sec[c->nsec++];

	s->title = title;
	s->old = old;
	s->body = body;
	if (old != NULL && body != NULL && strcmp(old, body) == 0) {
		s->state = COMPARE_SAME;
		return 0;
	}
	s->state = old == NULL ? COMPARE_ADDED : body == NULL ? COMPARE_REMOVED : COMPARE_CHANGED;
	c->nsec_changed++;
	return diff_lines(old ? old : "", body ? body : "", COMPARE_CONTEXT, &s->d, e);
}

static int compare_is_required(const char *title)
{
	size_t i;

	for (i = 0; card_required_sections[i] != NULL; i++)
		if (strcasecmp(card_required_sections[i], title) == 0)
			return 1;
	return 0;
}

/* Required sections first, in their fixed order, as the version screen
 * shows them; then the version's others, then those only the base has. */
static int compare_cards(struct compare *c, struct err *e)
{
	size_t i;

	c->sec = calloc(c->card.n + c->base_card.n + 1, sizeof *c->sec);
	if (c->sec == NULL)
		return err_set(e, ERR_IO, "out of memory");
	for (i = 0; card_required_sections[i] != NULL; i++) {
		const struct card_section *a = card_find(&c->base_card, card_required_sections[i]);
		const struct card_section *b = card_find(&c->card, card_required_sections[i]);

		if ((a != NULL || b != NULL) &&
		    compare_add_section(c, b ? b->title : a->title, a ? a->body : NULL,
					b ? b->body : NULL, e) != 0)
			return -1;
	}
	for (i = 0; i < c->card.n; i++) {
		const struct card_section *b = &c->card.s[i];
		const struct card_section *a = card_find(&c->base_card, b->title);

		if (!compare_is_required(b->title) &&
		    compare_add_section(c, b->title, a ? a->body : NULL, b->body, e) != 0)
			return -1;
	}
	for (i = 0; i < c->base_card.n; i++) {
		const struct card_section *a = &c->base_card.s[i];

		if (!compare_is_required(a->title) && card_find(&c->card, a->title) == NULL &&
		    compare_add_section(c, a->title, a->body, NULL, e) != 0)
			return -1;
	}
	return 0;
}

/* ---- metrics ---- */

static int compare_metric_cmp(const void *x, const void *y)
{
	const struct compare_metric *a = x, *b = y;
	int r = strcmp(a->name, b->name);

	if (r == 0)
		r = strcmp(a->dataset, b->dataset);
	return r != 0 ? r : strcmp(a->slice, b->slice);
}

static const struct reg_metric *compare_metric_find(const struct reg_metrics *l,
						    const struct reg_metric *m)
{
	size_t i;

	for (i = 0; i < l->n; i++)
		if (strcmp(l->v[i].name, m->name) == 0 && strcmp(l->v[i].dataset, m->dataset) == 0 &&
		    strcmp(l->v[i].slice, m->slice) == 0)
			return &l->v[i];
	return NULL;
}

static void compare_metric_judge(struct compare_metric *m, const struct policy *pol,
				 const struct policy_section *sec)
{
	m->direction = compare_direction(pol, sec, m->name, &m->direction_from);
	if (!m->has_old || !m->has_new)
		return;
	m->delta = m->value - m->old;
	/* Equal up to rounding noise is equal: neither better nor worse. */
	if (fabs(m->delta) <= 1e-9 * fmax(1.0, fabs(m->old)))
		m->verdict = 0;
	else
		m->verdict = m->direction * (m->delta > 0 ? 1 : -1);
}

static int compare_metrics(struct compare *c, struct err *e)
{
	const struct policy *pol = NULL;
	const struct policy_section *sec = NULL;
	size_t i;

	/* The rules of the transition being judged speak first. */
	if (c->g != NULL && c->g->pol.nsec > 0) {
		pol = &c->g->pol;
		sec = c->g->sec;
	} else if (c->base_g != NULL && c->base_g->pol.nsec > 0) {
		pol = &c->base_g->pol;
		sec = c->base_g->sec;
	}
	c->m = calloc(c->met.n + c->base_met.n + 1, sizeof *c->m);
	if (c->m == NULL)
		return err_set(e, ERR_IO, "out of memory");
	for (i = 0; i < c->met.n; i++) {
		const struct reg_metric *b = &c->met.v[i], *a = compare_metric_find(&c->base_met, b);
		struct compare_metric *m = &c->m[c->nm++];

		m->name = b->name;
		m->dataset = b->dataset;
		m->slice = b->slice;
		m->has_new = 1;
		m->value = b->value;
		if (a != NULL) {
			m->has_old = 1;
			m->old = a->value;
		}
	}
	for (i = 0; i < c->base_met.n; i++) {
		const struct reg_metric *a = &c->base_met.v[i];
		struct compare_metric *m;

		if (compare_metric_find(&c->met, a) != NULL)
			continue;
		m = &c->m[c->nm++];
		m->name = a->name;
		m->dataset = a->dataset;
		m->slice = a->slice;
		m->has_old = 1;
		m->old = a->value;
	}
	qsort(c->m, c->nm, sizeof *c->m, compare_metric_cmp);
	for (i = 0; i < c->nm; i++)
		compare_metric_judge(&c->m[i], pol, sec);
	return 0;
}

/* ---- gate ---- */

static const char *compare_next_stage(const char *from)
{
	if (strcmp(from, "none") == 0)
		return "staging";
	if (strcmp(from, "staging") == 0)
		return "production";
	return NULL;
}

static int compare_gates(struct store *st, struct compare *c, struct err *e)
{
	struct err ge;
	const char *to = compare_next_stage(c->stage);
	size_t i, k;

	/* Production (or another alias) has no next stage: the gate into production is the one that matters. */
	snprintf(c->from, sizeof c->from, "%s", to ? c->stage : "staging");
	snprintf(c->to, sizeof c->to, "%s", to ? to : "production");
	c->g = calloc(1, sizeof *c->g);
	c->base_g = calloc(1, sizeof *c->base_g);
	if (c->g == NULL || c->base_g == NULL)
		return err_set(e, ERR_IO, "out of memory");
	/* A gate that cannot be evaluated (a tampered store, an unreadable
	 * policy) is reported as such; the card and metrics still compare. */
	err_clear(&ge);
	if (gate_evaluate_as(st, c->model, c->version, c->from, c->to, c->g, &ge) != 0 ||
	    gate_evaluate_as(st, c->model, c->base, c->from, c->to, c->base_g, &ge) != 0) {
		snprintf(c->gate_err, sizeof c->gate_err, "%s", ge.msg);
		gate_free(c->g);
		gate_free(c->base_g);
		free(c->g);
		free(c->base_g);
		c->g = c->base_g = NULL;
		return 0;
	}
	if (c->g->refusal[0] != '\0' || c->base_g->refusal[0] != '\0')
		return 0;
	c->rules = calloc(c->g->nres + c->base_g->nres + 1, sizeof *c->rules);
	if (c->rules == NULL)
		return err_set(e, ERR_IO, "out of memory");
	for (i = 0; i < c->g->nres; i++) {
		struct compare_rule *r = &c->rules[c->nrules++];

		r->now = &c->g->res[i];
		for (k = 0; k < c->base_g->nres; k++)
			if (strcmp(c->base_g->res[k].rule->name, r->now->rule->name) == 0)
				r->old = &c->base_g->res[k];
	}
	/* The same policy judges both, so this finds nothing unless it was re-enrolled in between. */
	for (k = 0; k < c->base_g->nres; k++) {
		int found = 0;

		for (i = 0; i < c->g->nres; i++)
			found |= strcmp(c->base_g->res[k].rule->name, c->g->res[i].rule->name) == 0;
		if (!found)
			c->rules[c->nrules++].old = &c->base_g->res[k];
	}
	for (i = 0; i < c->nrules; i++) {
		struct compare_rule *r = &c->rules[i];

		const struct rule_result *any = r->now ? r->now : r->old;

		/* Every rule here has a side: the list is built from the union of both. */
		if (any == NULL)
			continue;
		r->changed = r->old == NULL || r->now == NULL || r->old->status != r->now->status;
		c->nrules_changed += r->changed;
		c->nrules_changed_version +=
			r->changed && strcmp(compare_rule_scope(any->rule->kind), "version") == 0;
	}
	return 0;
}

int compare_versions(struct store *st, const char *model, int64_t version, int64_t base,
		     struct compare *out, struct err *e)
{
	struct reg_version rv, rb;

	memset(out, 0, sizeof *out);
	memset(&rv, 0, sizeof rv);
	memset(&rb, 0, sizeof rb);
	if (version == base)
		return err_set(e, ERR_INVALID,
			       "v%" PRId64 " compared with itself: pick another version to compare with",
			       version);
	snprintf(out->model, sizeof out->model, "%s", model);
	out->version = version;
	out->base = base;
	if (registry_version_get(st, model, version, &rv, e) != 0)
		return -1;
	if (registry_version_get(st, model, base, &rb, e) != 0) {
		registry_version_clear(&rv);
		return -1;
	}
	approval_stage_of(rv.aliases, out->stage, sizeof out->stage);
	approval_stage_of(rb.aliases, out->base_stage, sizeof out->base_stage);
	registry_version_clear(&rv);
	registry_version_clear(&rb);
	if (registry_card_get(st, model, version, &out->card, e) != 0 ||
	    registry_card_get(st, model, base, &out->base_card, e) != 0 ||
	    registry_metric_list(st, model, version, &out->met, e) != 0 ||
	    registry_metric_list(st, model, base, &out->base_met, e) != 0 || compare_cards(out, e) != 0 ||
	    compare_gates(st, out, e) != 0 || compare_metrics(out, e) != 0) {
		compare_free(out);
		return -1;
	}
	return 0;
}

void compare_free(struct compare *c)
{
	size_t i;

	for (i = 0; i < c->nsec; i++)
		diff_free(&c->sec[i].d);
	free(c->sec);
	card_free(&c->card);
	card_free(&c->base_card);
	registry_metrics_free(&c->met);
	registry_metrics_free(&c->base_met);
	free(c->m);
	if (c->g != NULL)
		gate_free(c->g);
	if (c->base_g != NULL)
		gate_free(c->base_g);
	free(c->g);
	free(c->base_g);
	free(c->rules);
	memset(c, 0, sizeof *c);
}
