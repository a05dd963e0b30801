/* compare: one version against another (production's, by default): card sections diffed, metrics paired with deltas, gate rules whose result differs. */
#ifndef STEWARD_COMPARE_H
#define STEWARD_COMPARE_H

#include <stddef.h>
#include <stdint.h>

#include "card.h"
#include "diff.h"
#include "err.h"
#include "gate.h"
#include "registry.h"
#include "store.h"

#define COMPARE_CONTEXT 3 /* unchanged lines shown around a change in a card section */

enum compare_state {
	COMPARE_SAME,
	COMPARE_ADDED,   /* only the version has it */
	COMPARE_REMOVED, /* only the base has it */
	COMPARE_CHANGED,
};

struct compare_section {
	const char *title; /* into one of the cards */
	enum compare_state state;
	const char *old, *body; /* the base's and the version's text; NULL where absent */
	struct diff d;          /* base -> version, every state but COMPARE_SAME; d.too_large past the caps */
};

struct compare_metric {
	const char *name, *dataset, *slice; /* into the metric lists; "" for none */
	int has_old, has_new;
	double old, value, delta; /* delta = value - old, when both are there */
	int direction;            /* +1 higher is better, -1 lower is better, 0 not known */
	const char *direction_from; /* the policy rule that says so, "convention", or NULL */
	int verdict;              /* +1 the version is better, -1 worse, 0 equal or not known */
};

struct compare_rule {
	const struct rule_result *old, *now; /* the base's and the version's; NULL where missing */
	int changed;                         /* the results differ */
};

struct compare {
	char model[101];
	int64_t version, base;
	char stage[65], base_stage[65]; /* where each stands now ("none" without an alias) */
	struct card card, base_card;
	struct compare_section *sec;
	size_t nsec, nsec_changed; /* changed, added or removed */
	struct reg_metrics met, base_met;
	struct compare_metric *m;
	size_t nm;
	/* Both gates are evaluated for one transition: the version's next
	 * one (staging -> production for a version in production). */
	char from[65], to[65];
	struct gate *g, *base_g;    /* NULL when gate_err says why */
	char gate_err[sizeof ((struct err *)0)->msg];
	struct compare_rule *rules; /* when neither gate was refused */
	size_t nrules, nrules_changed;
	size_t nrules_changed_version; /* of those, rules on the version's own evidence */
};

/* The version to compare VERSION with when none is picked: production's,
 * or, when VERSION is in production, the version production pointed at
 * before it (from the ledger's alias history). Returns 0 with *base set
 * and label "production" or "previous production", or with *base 0 and
 * why saying there is nothing to compare with; -1 on a store error. */
int compare_default_base(struct store *st, const char *model, int64_t version, int64_t *base,
			 char *label, size_t labeln, char *why, size_t whyn, struct err *e);
/* A version named as "5", "v5" or by an alias ("production", "staging"). */
int compare_parse_version(struct store *st, const char *model, const char *text, int64_t *out,
			  struct err *e);
/* Compares VERSION of MODEL with BASE (the old side of every diff). */
int compare_versions(struct store *st, const char *model, int64_t version, int64_t base,
		     struct compare *out, struct err *e);
void compare_free(struct compare *c);

/* +1 when a higher value of the metric is better, -1 when lower, 0 when
 * not known: a metric rule of the policy decides (>= or > means higher is
 * better; the rules of sec, when given, are asked first), else the name's
 * convention (listed in steward(1), CONSOLE). *from gets the rule's
 * name or "convention". pol may be NULL. */
int compare_direction(const struct policy *pol, const struct policy_section *sec,
		      const char *metric, const char **from);
const char *compare_state_name(enum compare_state s);
/* "request" for rules that judge a promotion request (approvals,
 * separation of duties), "stage" for rules that judge where a version
 * runs now (time in stage, canary, live metrics, drift, alerts), and
 * "version" for rules on the version's own evidence. */
const char *compare_rule_scope(enum policy_kind k);

#endif
