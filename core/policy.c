/* policy: a line-oriented policy language (one rule per line on core/lex tokens, file:line:col errors) and its evaluation over evidence. */
#include "policy.h"

#include <errno.h>
#include <fnmatch.h>
#include <inttypes.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "card.h"
#include "check.h"
#include "keyring.h"
#include "lex.h"

/* ---- parsing ---- */

/* A comparison among allowed ("<= <"). */
static int policy_op_arg(struct lexer *lx, const char *allowed, enum policy_op *op)
{
	char text[3];

	if (lex_op(lx, allowed, text) != 0)
		return -1;
	*op = policy_op_parse(text);
	return 0;
}

static int policy_count_arg(struct lexer *lx, double *v)
{
	struct lex_token save_tok;
	const char *save = lx->p;

	if (lex_number(lx, "a whole number", v) != 0)
		return -1;
	if (*v < 0 || *v > 1000 || floor(*v) != *v) {
		lx->p = save;
		lex_next(lx, &save_tok);
		return lex_fail(lx, &save_tok, "a whole number from 0 to 1000");
	}
	return 0;
}

int64_t policy_duration(const char *s)
{
	char *end;
	long long v;
	int64_t unit;

	if (s == NULL || s[0] < '0' || s[0] > '9')
		return -1;
	errno = 0;
	v = strtoll(s, &end, 10);
	if (errno != 0 || end[0] == '\0' || end[1] != '\0' || v < 0)
		return -1;
	switch (end[0]) {
	case 's': unit = 1; break;
	case 'm': unit = 60; break;
	case 'h': unit = 3600; break;
	case 'd': unit = 86400; break;
	default: return -1;
	}
	if (v > (int64_t)3650 * 86400 / unit)
		return -1;
	return (int64_t)v * unit;
}

static int policy_duration_arg(struct lexer *lx, int64_t *d)
{
	struct lex_token t;

	lex_next(lx, &t);
	if (t.type != LEX_WORD || (*d = policy_duration(t.text)) < 0)
		return lex_fail(lx, &t, "a duration (90s, 30m, 72h, 14d; at most 10 years)");
	return 0;
}

int policy_severity(const char *s)
{
	if (strcmp(s, "info") == 0)
		return 1;
	if (strcmp(s, "warning") == 0)
		return 2;
	if (strcmp(s, "critical") == 0)
		return 3;
	return 0;
}

/* Section kinds as bits: a transition, a rollback of an alias, the shift of live traffic. */
#define SEC_T (1u << POLICY_SEC_TRANSITION)
#define SEC_R (1u << POLICY_SEC_ROLLBACK)
#define SEC_S (1u << POLICY_SEC_SHIFT)

static const struct {
	const char *name;
	enum policy_kind kind;
	unsigned sections; /* where it may stand: SEC_* bits */
} policy_kinds[] = {
	{ "approvals", PK_APPROVALS, SEC_T },
	{ "distinct-approvers", PK_APPROVERS, SEC_T },
	{ "separation-of-duties", PK_SOD, SEC_T },
	{ "metric", PK_METRIC, SEC_T },
	{ "card-sections", PK_CARD, SEC_T },
	{ "lineage-complete", PK_LINEAGE, SEC_T },
	{ "drift", PK_DRIFT, SEC_T | SEC_S },
	{ "live-metric", PK_LIVE, SEC_T | SEC_S },
	{ "no-alerts", PK_ALERTS, SEC_T | SEC_S },
	{ "approval-age", PK_APPROVAL_AGE, SEC_T },
	{ "time-in-stage", PK_STAGE_TIME, SEC_T },
	{ "canary-soak", PK_CANARY, SEC_T | SEC_S },
	{ "digest-verified", PK_DIGEST, SEC_T },
	{ "role", PK_ROLE, SEC_R | SEC_S },
	{ "review", PK_REVIEW, SEC_R },
};

const char *policy_kind_name(enum policy_kind k)
{
	size_t i;

	for (i = 0; i < sizeof policy_kinds / sizeof policy_kinds[0]; i++)
		if (policy_kinds[i].kind == k)
			return policy_kinds[i].name;
	return "?";
}

static int policy_role_word(struct lexer *lx, unsigned *role)
{
	struct err ig;
	struct lex_token t;

	lex_next(lx, &t);
	if (t.type != LEX_WORD || (*role = keyring_role_parse(t.text, &ig)) == 0)
		return lex_fail(lx, &t, "a role (admin, risk-officer, ml-lead, sre, auditor)");
	return 0;
}

/* The rule's arguments after "rule NAME: KIND". */
static int policy_rule_args(struct lexer *lx, struct policy_rule *r)
{
	struct lex_token t;
	const char *save;
	unsigned role = 0;

	switch (r->kind) {
	case PK_APPROVALS:
		if (policy_role_word(lx, &role) != 0)
			return -1;
		snprintf(r->a, sizeof r->a, "%s", keyring_role_name(role));
		if (policy_op_arg(lx, ">=", &r->op) != 0 || policy_count_arg(lx, &r->value) != 0)
			return -1;
		break;
	case PK_APPROVERS:
		if (policy_op_arg(lx, ">=", &r->op) != 0 || policy_count_arg(lx, &r->value) != 0)
			return -1;
		break;
	case PK_SOD:
	case PK_LINEAGE:
	case PK_DIGEST:
		break;
	case PK_METRIC:
		if (lex_word(lx, "a metric name", r->a, sizeof r->a) != 0 ||
		    policy_op_arg(lx, ">= > <= < ==", &r->op) != 0 || lex_number(lx, "a number", &r->value) != 0 ||
		    lex_keyword(lx, "on") != 0 || lex_word(lx, "a dataset name", r->dataset, sizeof r->dataset) != 0)
			return -1;
		save = lx->p;
		lex_next(lx, &t);
		if (t.type == LEX_WORD && strcmp(t.text, "worst-slice") == 0) {
			r->worst_slice = 1;
		} else if (t.type == LEX_WORD && strcmp(t.text, "slice") == 0) {
			if (lex_word(lx, "a slice (region=EU)", r->slice, sizeof r->slice) != 0)
				return -1;
		} else if (t.type != LEX_END) {
			return lex_fail(lx, &t, "'slice SLICE', 'worst-slice' or the end of the line");
		} else {
			lx->p = save;
		}
		break;
	case PK_CARD:
		save = lx->p;
		lex_next(lx, &t);
		if (t.type == LEX_WORD && strcmp(t.text, "all") == 0) {
			r->all = 1;
			break;
		}
		lx->p = save;
		for (;;) {
			lex_next(lx, &t);
			if (t.type != LEX_STRING || t.too_long || t.text[0] == '\0' || strlen(t.text) > POLICY_NAME_MAX)
				return lex_fail(lx, &t, r->nargs == 0 ? "'all' or a quoted section name" : "a quoted section name");
			if (r->nargs == POLICY_MAX_ARGS)
				return lex_fail(lx, &t, "at most 8 sections");
			snprintf(r->args[r->nargs++], sizeof r->args[0], "%.64s", t.text);
			save = lx->p;
			lex_next(lx, &t);
			if (t.type == LEX_END) {
				lx->p = save;
				break;
			}
			if (t.type != LEX_COMMA)
				return lex_fail(lx, &t, "',' or the end of the line");
		}
		break;
	case PK_DRIFT:
		if (lex_word(lx, "a feature name or 'any'", r->a, sizeof r->a) != 0 ||
		    policy_op_arg(lx, "<= <", &r->op) != 0 || lex_number(lx, "a number", &r->value) != 0)
			return -1;
		break;
	case PK_LIVE:
		if (lex_word(lx, "a metric name", r->a, sizeof r->a) != 0 ||
		    policy_op_arg(lx, ">= > <= < ==", &r->op) != 0 || lex_number(lx, "a number", &r->value) != 0)
			return -1;
		break;
	case PK_ALERTS:
		if (lex_keyword(lx, "severity") != 0 || policy_op_arg(lx, ">=", &r->op) != 0)
			return -1;
		lex_next(lx, &t);
		if (t.type != LEX_WORD || policy_severity(t.text) == 0 || strlen(t.text) > POLICY_NAME_MAX)
			return lex_fail(lx, &t, "a severity (info, warning, critical)");
		snprintf(r->a, sizeof r->a, "%.64s", t.text);
		r->value = policy_severity(t.text);
		break;
	case PK_APPROVAL_AGE:
		if (policy_op_arg(lx, "<=", &r->op) != 0 || policy_duration_arg(lx, &r->duration) != 0)
			return -1;
		break;
	case PK_STAGE_TIME:
		if (lex_word(lx, "a stage", r->a, sizeof r->a) != 0 || policy_op_arg(lx, ">=", &r->op) != 0 ||
		    policy_duration_arg(lx, &r->duration) != 0)
			return -1;
		break;
	case PK_CANARY:
		if (lex_keyword(lx, "weight") != 0 || policy_op_arg(lx, ">=", &r->op) != 0 ||
		    lex_number(lx, "a traffic weight (0 to 100)", &r->value) != 0 || lex_keyword(lx, "for") != 0 ||
		    policy_op_arg(lx, ">=", &r->op) != 0 || policy_duration_arg(lx, &r->duration) != 0)
			return -1;
		break;
	case PK_ROLE:
		for (;;) {
			if (policy_role_word(lx, &role) != 0)
				return -1;
			r->roles |= role;
			save = lx->p;
			lex_next(lx, &t);
			if (t.type == LEX_END) {
				lx->p = save;
				break;
			}
			if (t.type != LEX_COMMA)
				return lex_fail(lx, &t, "',' or the end of the line");
		}
		break;
	case PK_REVIEW:
		if (lex_keyword(lx, "by") != 0 || policy_role_word(lx, &role) != 0 || lex_keyword(lx, "within") != 0 ||
		    policy_duration_arg(lx, &r->duration) != 0)
			return -1;
		r->roles = role;
		snprintf(r->a, sizeof r->a, "%s", keyring_role_name(role));
		break;
	}
	return lex_eol(lx);
}

static int policy_rule_line(struct lexer *lx, struct policy_section *sec)
{
	struct policy_rule *r;
	struct lex_token t;
	size_t i;

	if (sec == NULL) {
		lex_next(lx, &t);
		return err_set(lx->e, ERR_INVALID, "%s:%d:1: found a rule outside a section, expected 'transition FROM -> TO', 'rollback ALIAS' or 'shift' before it",
			       lx->fname, lx->line);
	}
	if (sec->nrules == POLICY_MAX_RULES)
		return err_set(lx->e, ERR_INVALID, "%s:%d:1: found rule %d of a section, expected at most %d",
			       lx->fname, lx->line, POLICY_MAX_RULES + 1, POLICY_MAX_RULES);
	/* Sized to the rules the file holds: a replay keeps every enrolled
	 * policy parsed, and 64 slots of 800 bytes a section made each one
	 * about 300 KB. */
	r = realloc(sec->rules, (sec->nrules + 1) * sizeof *sec->rules);
	if (r == NULL)
		return err_set(lx->e, ERR_IO, "out of memory");
	sec->rules = r;
	r = &sec->rules[sec->nrules];
	memset(r, 0, sizeof *r);
	r->line = lx->line;
	{
		const char *save = lx->p;

		if (lex_word(lx, "a rule name", r->name, sizeof r->name) != 0)
			return -1;
		if (check_name("rule name", r->name, POLICY_NAME_MAX, lx->e) != 0) {
			lx->p = save;
			lex_next(lx, &t);
			return lex_fail(lx, &t, "a rule name ([A-Za-z0-9][A-Za-z0-9._-]*)");
		}
		for (i = 0; i < sec->nrules; i++)
			if (strcmp(sec->rules[i].name, r->name) == 0) {
				lx->p = save;
				lex_next(lx, &t);
				return lex_fail(lx, &t, "a rule name not used before in this section");
			}
	}
	if (lex_expect(lx, LEX_COLON, "':' after the rule name") != 0)
		return -1;
	lex_next(lx, &t);
	for (i = 0; i < sizeof policy_kinds / sizeof policy_kinds[0]; i++)
		if (t.type == LEX_WORD && strcmp(t.text, policy_kinds[i].name) == 0)
			break;
	if (i == sizeof policy_kinds / sizeof policy_kinds[0] || (policy_kinds[i].sections & (1u << sec->rollback)) == 0)
		return lex_fail(lx, &t, sec->rollback == POLICY_SEC_ROLLBACK ? "a rollback rule kind (role, review)"
					: sec->rollback == POLICY_SEC_SHIFT ? "a shift rule kind (role, canary-soak, live-metric, drift, no-alerts)"
					: i < sizeof policy_kinds / sizeof policy_kinds[0] ? "a transition rule kind (role and review belong in a rollback section)"
					: "a rule kind (approvals, distinct-approvers, separation-of-duties, metric, card-sections, lineage-complete, drift, live-metric, no-alerts, approval-age, time-in-stage, canary-soak, digest-verified)");
	r->kind = policy_kinds[i].kind;
	if (policy_rule_args(lx, r) != 0)
		return -1;
	sec->nrules++;
	return 0;
}

static int policy_stage_word(struct lexer *lx, const char *expected, char *out, size_t n)
{
	struct lex_token t;
	struct err ig;
	const char *save = lx->p;

	if (lex_word(lx, expected, out, n) != 0)
		return -1;
	if (strcmp(out, "none") != 0 && strcmp(out, "any") != 0 && check_alias(out, &ig) != 0) {
		lx->p = save;
		lex_next(lx, &t);
		return lex_fail(lx, &t, expected);
	}
	return 0;
}

static int policy_section_line(struct lexer *lx, struct policy *p, int rollback, struct policy_section **cur)
{
	struct policy_section *sec, *nv;
	size_t i;

	if (p->name[0] == '\0' || p->version == 0 || p->tier[0] == '\0')
		return err_set(lx->e, ERR_INVALID, "%s:%d:1: found a section before the header, expected 'policy NAME', 'version N' and 'tier TIER' first",
			       lx->fname, lx->line);
	if (p->nsec == POLICY_MAX_SECTIONS)
		return err_set(lx->e, ERR_INVALID, "%s:%d:1: found section %d, expected at most %d", lx->fname, lx->line,
			       POLICY_MAX_SECTIONS + 1, POLICY_MAX_SECTIONS);
	nv = realloc(p->sec, (p->nsec + 1) * sizeof *p->sec);
	if (nv == NULL)
		return err_set(lx->e, ERR_IO, "out of memory");
	p->sec = nv;
	sec = &p->sec[p->nsec];
	memset(sec, 0, sizeof *sec);
	sec->rollback = rollback;
	sec->line = lx->line;
	if (rollback == POLICY_SEC_SHIFT) {
		if (lex_eol(lx) != 0)
			return -1;
		snprintf(sec->to, sizeof sec->to, "traffic");
	} else if (rollback == POLICY_SEC_ROLLBACK) {
		if (policy_stage_word(lx, "an alias (production)", sec->to, sizeof sec->to) != 0 || lex_eol(lx) != 0)
			return -1;
	} else {
		if (policy_stage_word(lx, "a stage, 'none' or 'any'", sec->from, sizeof sec->from) != 0)
			return -1;
		if (lex_expect(lx, LEX_ARROW, "'->'") != 0 ||
		    policy_stage_word(lx, "the target stage", sec->to, sizeof sec->to) != 0 || lex_eol(lx) != 0)
			return -1;
		if (strcmp(sec->to, "none") == 0 || strcmp(sec->to, "any") == 0)
			return err_set(lx->e, ERR_INVALID, "%s:%d: found '%s' as a target, expected a stage", lx->fname,
				       lx->line, sec->to);
	}
	for (i = 0; i < p->nsec; i++)
		if (p->sec[i].rollback == rollback && strcmp(p->sec[i].from, sec->from) == 0 &&
		    strcmp(p->sec[i].to, sec->to) == 0)
			return err_set(lx->e, ERR_INVALID, "%s:%d:1: found a second %s section for %s%s%s, expected one (the first is at line %d)",
				       lx->fname, lx->line,
				       rollback == POLICY_SEC_SHIFT ? "shift" : rollback ? "rollback" : "transition", sec->from,
				       rollback ? "" : " -> ", sec->to, p->sec[i].line);
	p->nsec++;
	*cur = sec;
	return 0;
}

void policy_free(struct policy *p)
{
	size_t i;

	for (i = 0; i < p->nsec; i++)
		free(p->sec[i].rules);
	free(p->sec);
	memset(p, 0, sizeof *p);
}

int policy_parse(const char *text, size_t len, const char *fname, struct policy *out, struct err *e)
{
	struct lexer lx;
	struct policy_section *cur = NULL;
	struct lex_token t;
	size_t i;

	memset(out, 0, sizeof *out);
	if (len > POLICY_MAX_BYTES)
		return err_set(e, ERR_INVALID, "%s: larger than %d bytes", fname, POLICY_MAX_BYTES);
	if (memchr(text, '\0', len) != NULL || !check_utf8(text, len))
		return err_set(e, ERR_INVALID, "%s: not UTF-8 text", fname);
	lex_init(&lx, text, len, fname, LEX_OPT_ARROW, e);
	while (lex_statement(&lx, &t)) {
		int r = 0;

		if (t.type != LEX_WORD)
			r = lex_fail(&lx, &t, "a directive (policy, version, tier, transition, rollback, shift, rule)");
		else if (strcmp(t.text, "policy") == 0) {
			if (out->name[0] != '\0')
				r = lex_fail(&lx, &t, "one 'policy' line");
			else if (lex_word(&lx, "a policy name", out->name, sizeof out->name) != 0 ||
				 check_name("policy name", out->name, POLICY_NAME_MAX, e) != 0 || lex_eol(&lx) != 0)
				r = -1;
		} else if (strcmp(t.text, "version") == 0) {
			double v;

			if (out->version != 0)
				r = lex_fail(&lx, &t, "one 'version' line");
			else if (lex_number(&lx, "a version number (1, 2, ...)", &v) != 0 || lex_eol(&lx) != 0)
				r = -1;
			else if (v < 1 || v > 1e9 || floor(v) != v)
				r = err_set(e, ERR_INVALID, "%s:%d: found version %g, expected a whole number from 1", fname,
					    lx.line, v);
			else
				out->version = (int64_t)v;
		} else if (strcmp(t.text, "tier") == 0) {
			char tier[32];

			if (out->tier[0] != '\0')
				r = lex_fail(&lx, &t, "one 'tier' line");
			else if (lex_word(&lx, "a tier (low, medium, high, critical)", tier, sizeof tier) != 0)
				r = -1;
			else if (strcmp(tier, "low") && strcmp(tier, "medium") && strcmp(tier, "high") &&
				 strcmp(tier, "critical")) {
				lx.p = lx.start;
				lex_next(&lx, &t);
				lex_next(&lx, &t);
				r = lex_fail(&lx, &t, "a tier (low, medium, high, critical)");
			} else if (lex_eol(&lx) != 0) {
				r = -1;
			} else {
				snprintf(out->tier, sizeof out->tier, "%.15s", tier);
			}
		} else if (strcmp(t.text, "transition") == 0) {
			r = policy_section_line(&lx, out, 0, &cur);
		} else if (strcmp(t.text, "rollback") == 0) {
			r = policy_section_line(&lx, out, POLICY_SEC_ROLLBACK, &cur);
		} else if (strcmp(t.text, "shift") == 0) {
			r = policy_section_line(&lx, out, POLICY_SEC_SHIFT, &cur);
		} else if (strcmp(t.text, "rule") == 0) {
			r = policy_rule_line(&lx, cur);
		} else {
			r = lex_fail(&lx, &t, "a directive (policy, version, tier, transition, rollback, shift, rule)");
		}
		if (r != 0) {
			policy_free(out);
			return -1;
		}
	}
	if (out->name[0] == '\0' || out->version == 0 || out->tier[0] == '\0') {
		err_set(e, ERR_INVALID, "%s:%d: found the end of the file, expected %s", fname, lx.line + 1,
			out->name[0] == '\0' ? "a 'policy NAME' line" : out->version == 0 ? "a 'version N' line" : "a 'tier TIER' line");
		policy_free(out);
		return -1;
	}
	for (i = 0; i < out->nsec; i++)
		if (out->sec[i].nrules == 0) {
			/* An empty section would allow everything: default deny means refusing it. */
			err_set(e, ERR_INVALID, "%s:%d: found a section without rules, expected at least one 'rule' line after it",
				fname, out->sec[i].line);
			policy_free(out);
			return -1;
		}
	return 0;
}

const struct policy_section *policy_transition(const struct policy *p, const char *from, const char *to)
{
	size_t i;

	for (i = 0; i < p->nsec; i++)
		if (!p->sec[i].rollback && strcmp(p->sec[i].to, to) == 0 && strcmp(p->sec[i].from, from) == 0)
			return &p->sec[i];
	for (i = 0; i < p->nsec; i++)
		if (!p->sec[i].rollback && strcmp(p->sec[i].to, to) == 0 && strcmp(p->sec[i].from, "any") == 0)
			return &p->sec[i];
	return NULL;
}

const struct policy_section *policy_rollback(const struct policy *p, const char *alias)
{
	size_t i;

	for (i = 0; i < p->nsec; i++)
		if (p->sec[i].rollback == POLICY_SEC_ROLLBACK && strcmp(p->sec[i].to, alias) == 0)
			return &p->sec[i];
	return NULL;
}

const struct policy_section *policy_shift(const struct policy *p)
{
	size_t i;

	for (i = 0; i < p->nsec; i++)
		if (p->sec[i].rollback == POLICY_SEC_SHIFT)
			return &p->sec[i];
	return NULL;
}

/* ---- evaluation ---- */

const char *policy_status_name(enum rule_status s)
{
	return s == RULE_PASS ? "PASS" : s == RULE_FAIL ? "FAIL" : "UNKNOWN";
}

int policy_compare(double v, enum policy_op op, double x)
{
	switch (op) {
	case OP_GE: return v >= x;
	case OP_GT: return v > x;
	case OP_LE: return v <= x;
	case OP_LT: return v < x;
	case OP_EQ: return v == x;
	}
	return 0;
}

const char *policy_op_text(enum policy_op op)
{
	return op == OP_GE ? ">=" : op == OP_GT ? ">" : op == OP_LE ? "<=" : op == OP_LT ? "<" : "==";
}

enum policy_op policy_op_parse(const char *s)
{
	return strcmp(s, ">=") == 0 ? OP_GE : strcmp(s, ">") == 0 ? OP_GT : strcmp(s, "<=") == 0 ? OP_LE
	     : strcmp(s, "<") == 0 ? OP_LT : strcmp(s, "==") == 0 ? OP_EQ : 0;
}

static void policy_span(int64_t s, char *buf, size_t n)
{
	if (s < 0)
		s = 0;
	if (s >= 86400 && s % 86400 == 0)
		snprintf(buf, n, "%" PRId64 "d", s / 86400);
	else if (s >= 86400 && s % 3600 == 0)
		snprintf(buf, n, "%" PRId64 "h", s / 3600);
	else if (s >= 86400)
		snprintf(buf, n, "%" PRId64 "d%" PRId64 "h", s / 86400, (s % 86400) / 3600);
	else if (s >= 3600)
		snprintf(buf, n, "%" PRId64 "h%" PRId64 "m", s / 3600, (s % 3600) / 60);
	else
		snprintf(buf, n, "%" PRId64 "m", s / 60);
}

static enum rule_status policy_set(struct rule_result *r, enum rule_status st, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static enum rule_status policy_set(struct rule_result *r, enum rule_status st, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(r->reason, sizeof r->reason, fmt, ap);
	va_end(ap);
	r->status = st;
	return st;
}

/* Distinct principals whose approvals count under this policy digest,
 * holding role (NULL: any). *other counts approvals made under another policy. */
static int policy_count(const struct evidence *ev, const char *role, const char *digest, int *other)
{
	size_t i, j;
	int n = 0;

	*other = 0;
	for (i = 0; i < ev->nappr; i++) {
		const struct ev_approval *a = &ev->appr[i];

		if (!a->counts || (role != NULL && strcmp(a->role, role) != 0))
			continue;
		if (strcmp(a->policy, digest) != 0) {
			(*other)++;
			continue;
		}
		for (j = 0; j < i; j++)
			if (ev->appr[j].counts && strcmp(ev->appr[j].principal, a->principal) == 0 &&
			    strcmp(ev->appr[j].policy, digest) == 0 &&
			    (role == NULL || strcmp(ev->appr[j].role, role) == 0))
				break;
		if (j == i)
			n++;
	}
	return n;
}

static void policy_eval_rule(const struct policy_rule *rule, const struct evidence *ev, const char *digest,
			     struct rule_result *r)
{
	char span[32], lim[32];
	size_t i;
	int n, other;

	memset(r, 0, sizeof *r);
	r->rule = rule;
	switch (rule->kind) {
	case PK_APPROVALS:
	case PK_APPROVERS:
		if (!ev->has_request) {
			policy_set(r, RULE_UNKNOWN, "no open promotion request");
			snprintf(r->evidence, sizeof r->evidence, "no request");
			return;
		}
		n = policy_count(ev, rule->kind == PK_APPROVALS ? rule->a : NULL, digest, &other);
		snprintf(r->evidence, sizeof r->evidence, "%d %s", n,
			 rule->kind == PK_APPROVALS ? rule->a : "approver(s)");
		if (n >= (int)rule->value)
			policy_set(r, RULE_PASS, "%d of %d %s", n, (int)rule->value,
				   rule->kind == PK_APPROVALS ? rule->a : "distinct approvers");
		else if (other > 0)
			policy_set(r, RULE_FAIL, "%d of %d; %d approval(s) were signed under another policy version and do not count under this one",
				   n, (int)rule->value, other);
		else
			policy_set(r, RULE_FAIL, "%d of %d %s", n, (int)rule->value,
				   rule->kind == PK_APPROVALS ? rule->a : "distinct approvers");
		return;
	case PK_SOD:
		if (!ev->has_request) {
			snprintf(r->evidence, sizeof r->evidence, "no request");
			policy_set(r, RULE_UNKNOWN, "no open promotion request");
			return;
		}
		snprintf(r->evidence, sizeof r->evidence, "author %.60s, requester %.60s", ev->author[0] ? ev->author : "-",
			 ev->requester);
		if (ev->author[0] != '\0' && strcmp(ev->author, ev->requester) == 0) {
			policy_set(r, RULE_FAIL, "%s wrote the version and requested its promotion", ev->author);
			return;
		}
		for (i = 0; i < ev->nappr; i++)
			if ((ev->author[0] != '\0' && strcmp(ev->appr[i].principal, ev->author) == 0) ||
			    strcmp(ev->appr[i].principal, ev->requester) == 0) {
				policy_set(r, RULE_FAIL, "%s signed a decision on a promotion they wrote or requested",
					   ev->appr[i].principal);
				return;
			}
		/* Missing data is UNKNOWN, never a pass: an unknown author could be any approver. */
		if (ev->author[0] == '\0') {
			policy_set(r, RULE_UNKNOWN,
				   "the version's author is not known (no author recorded for it by the registry): separation of duties cannot be checked");
			return;
		}
		policy_set(r, RULE_PASS, "no approver wrote or requested the version");
		return;
	case PK_METRIC: {
		const struct ev_metric *pick = NULL;
		int want_min = rule->op == OP_GE || rule->op == OP_GT;

		for (i = 0; i < ev->nmet; i++) {
			const struct ev_metric *m = &ev->met[i];

			/* The dataset may be a pattern: a tier's policy names a kind of
			 * dataset ("holdout*"), each model its own. */
			if (strcmp(m->name, rule->a) != 0 || fnmatch(rule->dataset, m->dataset, 0) != 0)
				continue;
			if (!rule->worst_slice && strcmp(m->slice, rule->slice) != 0)
				continue;
			/* worst slice: the one furthest on the failing side of the threshold */
			if (pick == NULL || (want_min ? m->value < pick->value : m->value > pick->value))
				pick = m;
		}
		if (pick == NULL) {
			snprintf(r->evidence, sizeof r->evidence, "no value");
			policy_set(r, RULE_UNKNOWN, "no %s on %s%s%s", rule->a, rule->dataset,
				   rule->slice[0] ? " slice " : "", rule->slice);
			return;
		}
		snprintf(r->evidence, sizeof r->evidence, "%.60s %.4g%s%.60s", rule->a, pick->value,
			 pick->slice[0] ? " on " : "", pick->slice);
		policy_set(r, policy_compare(pick->value, rule->op, rule->value) ? RULE_PASS : RULE_FAIL,
			   "%s%s%s%.4g %s %.4g on %s", rule->worst_slice ? "worst slice " : "", pick->slice,
			   pick->slice[0] || rule->worst_slice ? ": " : "", pick->value,
			   policy_compare(pick->value, rule->op, rule->value) ? policy_op_text(rule->op) : "fails",
			   rule->value, rule->dataset);
		if (r->status == RULE_FAIL)
			snprintf(r->reason, sizeof r->reason, "%s%s%s%.4g, needs %s %.4g on %s",
				 rule->worst_slice ? "worst slice " : "", pick->slice, pick->slice[0] ? ": " : "",
				 pick->value, policy_op_text(rule->op), rule->value, rule->dataset);
		return;
	}
	case PK_CARD: {
		char missing[300] = "";
		size_t used = 0, nreq = 0;
		const char *req[ (POLICY_MAX_ARGS > 16 ? POLICY_MAX_ARGS : 16) ];

		if (rule->all) {
			for (i = 0; card_required_sections[i] != NULL && nreq < 16; i++)
				req[nreq++] = card_required_sections[i];
		} else {
			for (i = 0; i < rule->nargs; i++)
				req[nreq++] = rule->args[i];
		}
		if (!ev->has_card) {
			snprintf(r->evidence, sizeof r->evidence, "no card");
			policy_set(r, RULE_UNKNOWN, "the version has no model card");
			return;
		}
		for (i = 0; i < nreq; i++) {
			size_t j;

			for (j = 0; j < ev->ncard && strcmp(ev->card[j], req[i]) != 0; j++)
				;
			if (j == ev->ncard) {
				int w = snprintf(missing + used, sizeof missing - used, "%s%s", used ? ", " : "", req[i]);

				if (w > 0 && (size_t)w < sizeof missing - used)
					used += (size_t)w;
			}
		}
		snprintf(r->evidence, sizeof r->evidence, "%zu sections", ev->ncard);
		if (used > 0)
			policy_set(r, RULE_FAIL, "missing: %s", missing);
		else
			policy_set(r, RULE_PASS, "all %zu required sections present", nreq);
		return;
	}
	case PK_LINEAGE:
		if (!ev->has_lineage) {
			snprintf(r->evidence, sizeof r->evidence, "no lineage data");
			policy_set(r, RULE_UNKNOWN, "%s",
				   ev->lineage_note[0] ? ev->lineage_note : "no lineage recorded for this version yet");
			return;
		}
		snprintf(r->evidence, sizeof r->evidence, "%s", ev->lineage_complete ? "complete" : "incomplete");
		policy_set(r, ev->lineage_complete ? RULE_PASS : RULE_FAIL, "%s",
			   ev->lineage_note[0]	   ? ev->lineage_note
			   : ev->lineage_complete ? "every training dataset has a digest"
						  : "a training dataset has no digest");
		return;
	case PK_DRIFT:
	case PK_LIVE: {
		const struct ev_value *v = rule->kind == PK_DRIFT ? ev->drift : ev->live, *pick = NULL;
		size_t nv = rule->kind == PK_DRIFT ? ev->ndrift : ev->nlive;

		if (!ev->has_monitor) {
			snprintf(r->evidence, sizeof r->evidence, "no monitoring data");
			policy_set(r, RULE_UNKNOWN, "%s",
				   ev->monitor_note[0] ? ev->monitor_note : "no monitoring data for this version yet");
			return;
		}
		/* drift any: the PSI of every feature; a KS statistic ("FEATURE.ks") only when named. */
		for (i = 0; i < nv; i++)
			if ((rule->kind == PK_DRIFT && strcmp(rule->a, "any") == 0 && strstr(v[i].name, ".ks") == NULL) ||
			    strcmp(v[i].name, rule->a) == 0)
				if (pick == NULL || v[i].value > pick->value)
					pick = &v[i];
		if (pick == NULL) {
			snprintf(r->evidence, sizeof r->evidence, "no value");
			policy_set(r, RULE_UNKNOWN, "no %s %s in the monitoring data",
				   rule->kind == PK_DRIFT ? "drift for" : "live", rule->a);
			return;
		}
		snprintf(r->evidence, sizeof r->evidence, "%s %.4g", pick->name, pick->value);
		policy_set(r, policy_compare(pick->value, rule->op, rule->value) ? RULE_PASS : RULE_FAIL,
			   "%s %.4g, limit %s %.4g", pick->name, pick->value, policy_op_text(rule->op), rule->value);
		return;
	}
	case PK_ALERTS: {
		char firing[200] = "";
		size_t used = 0;

		if (!ev->has_alerts) {
			snprintf(r->evidence, sizeof r->evidence, "no alert data");
			policy_set(r, RULE_UNKNOWN, "%s", ev->alerts_note[0] ? ev->alerts_note : "no alert data for this model yet");
			return;
		}
		for (i = 0; i < ev->nalerts; i++)
			if (ev->alerts[i].value >= rule->value) {
				int w = snprintf(firing + used, sizeof firing - used, "%s%s", used ? ", " : "",
						 ev->alerts[i].name);

				if (w > 0 && (size_t)w < sizeof firing - used)
					used += (size_t)w;
			}
		snprintf(r->evidence, sizeof r->evidence, "%zu firing", ev->nalerts);
		if (used > 0)
			policy_set(r, RULE_FAIL, "firing at %s or above: %s", rule->a, firing);
		else
			policy_set(r, RULE_PASS, "nothing firing at %s or above", rule->a);
		return;
	}
	case PK_APPROVAL_AGE: {
		int64_t oldest = -1;

		for (i = 0; i < ev->nappr; i++)
			if (ev->appr[i].counts && strcmp(ev->appr[i].policy, digest) == 0 &&
			    (oldest < 0 || ev->appr[i].issued < oldest))
				oldest = ev->appr[i].issued;
		if (oldest < 0) {
			snprintf(r->evidence, sizeof r->evidence, "no approvals");
			policy_set(r, RULE_UNKNOWN, "no counting approvals to date");
			return;
		}
		policy_span(ev->now - oldest, span, sizeof span);
		policy_span(rule->duration, lim, sizeof lim);
		snprintf(r->evidence, sizeof r->evidence, "oldest %s", span);
		policy_set(r, ev->now - oldest <= rule->duration ? RULE_PASS : RULE_FAIL, "oldest approval is %s old, limit %s",
			   span, lim);
		return;
	}
	case PK_STAGE_TIME:
		policy_span(rule->duration, lim, sizeof lim);
		for (i = 0; i < ev->nstages; i++)
			if (strcmp(ev->stages[i].stage, rule->a) == 0)
				break;
		if (i == ev->nstages) {
			snprintf(r->evidence, sizeof r->evidence, "not in %s", rule->a);
			policy_set(r, RULE_FAIL, "the version is not in %s", rule->a);
			return;
		}
		policy_span(ev->now - ev->stages[i].since, span, sizeof span);
		snprintf(r->evidence, sizeof r->evidence, "%s for %s", rule->a, span);
		policy_set(r, ev->now - ev->stages[i].since >= rule->duration ? RULE_PASS : RULE_FAIL,
			   "in %s for %s, needs %s", rule->a, span, lim);
		return;
	case PK_CANARY:
		policy_span(rule->duration, lim, sizeof lim);
		if (!ev->has_canary) {
			snprintf(r->evidence, sizeof r->evidence, "no canary data");
			policy_set(r, RULE_UNKNOWN, "no canary traffic recorded for this version");
			return;
		}
		policy_span(ev->now - ev->canary_since, span, sizeof span);
		snprintf(r->evidence, sizeof r->evidence, "weight %.4g for %s", ev->canary_weight, span);
		policy_set(r,
			   ev->canary_weight >= rule->value && ev->now - ev->canary_since >= rule->duration ? RULE_PASS
															    : RULE_FAIL,
			   "weight %.4g for %s, needs >= %.4g for %s", ev->canary_weight, span, rule->value, lim);
		return;
	case PK_ROLE: {
		char have[80], need[80];

		keyring_roles_text(ev->actor_roles, have, sizeof have);
		keyring_roles_text(rule->roles, need, sizeof need);
		snprintf(r->evidence, sizeof r->evidence, "%.60s (%.80s)", ev->actor[0] ? ev->actor : "-", have);
		policy_set(r, (ev->actor_roles & rule->roles) ? RULE_PASS : RULE_FAIL, "%s; needs one of %s",
			   (ev->actor_roles & rule->roles) ? "allowed" : "not allowed", need);
		return;
	}
	case PK_DIGEST:
		if (!ev->has_digest_state) {
			snprintf(r->evidence, sizeof r->evidence, "no data");
			policy_set(r, RULE_UNKNOWN, "nothing says how the artifact digest was obtained");
			return;
		}
		snprintf(r->evidence, sizeof r->evidence, "%s", ev->digest_verified ? "verified" : "unverified");
		policy_set(r, ev->digest_verified ? RULE_PASS : RULE_FAIL,
			   ev->digest_verified ? "the digest is over artifact bytes steward read (or was given at registration)"
					       : "steward could not read the artifacts: the digest is unverified");
		return;
	case PK_REVIEW:
		policy_span(rule->duration, lim, sizeof lim);
		snprintf(r->evidence, sizeof r->evidence, "review by %s", rule->a);
		policy_set(r, RULE_PASS, "a post-incident review by %s is due within %s", rule->a, lim);
		return;
	}
	policy_set(r, RULE_UNKNOWN, "unknown rule kind");
}

int policy_evaluate(const struct policy_section *s, const struct evidence *ev, const char *policy_digest,
		    struct rule_result *out)
{
	size_t i;
	int allow = s->nrules > 0;

	for (i = 0; i < s->nrules; i++) {
		policy_eval_rule(&s->rules[i], ev, policy_digest ? policy_digest : "", &out[i]);
		if (out[i].status != RULE_PASS)
			allow = 0;
	}
	return allow;
}

/* ---- evidence as JSON ---- */

void evidence_free(struct evidence *ev)
{
	free(ev->appr);
	free(ev->met);
	free(ev->card);
	free(ev->live);
	free(ev->drift);
	free(ev->alerts);
	memset(ev, 0, sizeof *ev);
}

static json_t *evidence_values(const struct ev_value *v, size_t n, const char *key)
{
	json_t *a = json_array();
	size_t i;

	for (i = 0; a != NULL && i < n; i++)
		if (json_array_append_new(a, json_pack("{s:s, s:f}", "name", v[i].name, key, v[i].value)) != 0) {
			json_decref(a);
			return NULL;
		}
	return a;
}

json_t *evidence_to_json(const struct evidence *ev)
{
	char t[32], t2[32];
	json_t *o, *a;
	size_t i;
	int bad;

	check_time_text(ev->now, t, sizeof t);
	o = json_pack("{s:s, s:I, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:b}", "model", ev->model, "version",
		      (json_int_t)ev->version, "tier", ev->tier, "from", ev->from, "to", ev->to, "digest",
		      ev->digest, "now", t, "author", ev->author, "requester", ev->requester, "has_request",
		      ev->has_request);
	if (o == NULL)
		return NULL;
	a = json_array();
	bad = a == NULL || json_object_set_new(o, "approvals", a) != 0;
	for (i = 0; !bad && i < ev->nappr; i++) {
		check_time_text(ev->appr[i].issued, t2, sizeof t2);
		bad = json_array_append_new(a, json_pack("{s:s, s:s, s:b, s:s, s:s}", "principal", ev->appr[i].principal,
							 "role", ev->appr[i].role, "counts", ev->appr[i].counts,
							 "issued", t2, "policy", ev->appr[i].policy)) != 0;
	}
	a = bad ? NULL : json_array();
	bad = bad || a == NULL || json_object_set_new(o, "metrics", a) != 0;
	for (i = 0; !bad && i < ev->nmet; i++)
		bad = json_array_append_new(a, json_pack("{s:s, s:s, s:s, s:f}", "name", ev->met[i].name, "dataset",
							 ev->met[i].dataset, "slice", ev->met[i].slice, "value",
							 ev->met[i].value)) != 0;
	if (!bad && ev->has_card) {
		a = json_array();
		bad = a == NULL || json_object_set_new(o, "card", a) != 0;
		for (i = 0; !bad && i < ev->ncard; i++)
			bad = json_array_append_new(a, json_string(ev->card[i])) != 0;
	}
	if (!bad && ev->has_lineage)
		bad = json_object_set_new(o, "lineage_complete", json_boolean(ev->lineage_complete)) != 0;
	if (!bad && ev->has_monitor)
		bad = json_object_set_new(o, "live", evidence_values(ev->live, ev->nlive, "value")) != 0 ||
		      json_object_set_new(o, "drift", evidence_values(ev->drift, ev->ndrift, "value")) != 0;
	if (!bad && ev->has_alerts) {
		a = json_array();
		bad = a == NULL || json_object_set_new(o, "alerts", a) != 0;
		for (i = 0; !bad && i < ev->nalerts; i++)
			bad = json_array_append_new(a, json_pack("{s:s, s:s}", "name", ev->alerts[i].name, "severity",
								 ev->alerts[i].value >= 3 ? "critical"
								 : ev->alerts[i].value >= 2 ? "warning" : "info")) != 0;
	}
	if (!bad) {
		a = json_object();
		bad = a == NULL || json_object_set_new(o, "stages", a) != 0;
		for (i = 0; !bad && i < ev->nstages; i++) {
			check_time_text(ev->stages[i].since, t2, sizeof t2);
			bad = json_object_set_new(a, ev->stages[i].stage, json_string(t2)) != 0;
		}
	}
	if (!bad && ev->has_canary) {
		check_time_text(ev->canary_since, t2, sizeof t2);
		bad = json_object_set_new(o, "canary", json_pack("{s:f, s:s}", "weight", ev->canary_weight, "since", t2)) != 0;
	}
	if (!bad && ev->has_digest_state)
		bad = json_object_set_new(o, "digest_verified", json_boolean(ev->digest_verified)) != 0;
	if (!bad && ev->actor[0] != '\0') {
		char roles[80];

		keyring_roles_text(ev->actor_roles, roles, sizeof roles);
		bad = json_object_set_new(o, "actor", json_pack("{s:s, s:s}", "name", ev->actor, "roles", roles)) != 0;
	}
	if (bad) {
		json_decref(o);
		return NULL;
	}
	return o;
}

static int evidence_copy(json_t *o, const char *key, char *dst, size_t n)
{
	json_t *v = json_object_get(o, key);

	if (v == NULL)
		return 0;
	if (!json_is_string(v) || json_string_length(v) >= n)
		return -1;
	snprintf(dst, n, "%s", json_string_value(v));
	return 0;
}

static int evidence_values_from(json_t *a, struct ev_value **out, size_t *n, int severity)
{
	size_t i;
	json_t *v;

	*n = 0;
	if (!json_is_array(a))
		return -1;
	*out = calloc(json_array_size(a) + 1, sizeof **out);
	if (*out == NULL)
		return -1;
	json_array_foreach(a, i, v) {
		const char *name, *sev;
		double x;

		if (severity) {
			if (json_unpack(v, "{s:s, s:s}", "name", &name, "severity", &sev) != 0 || policy_severity(sev) == 0)
				return -1;
			x = policy_severity(sev);
		} else if (json_unpack(v, "{s:s, s:F}", "name", &name, "value", &x) != 0) {
			return -1;
		}
		snprintf((*out)[*n].name, sizeof (*out)[*n].name, "%s", name);
		(*out)[(*n)++].value = x;
	}
	return 0;
}

static int evidence_parse(json_t *j, struct evidence *ev, struct err *e);

int evidence_from_json(json_t *j, struct evidence *ev, struct err *e)
{
	if (evidence_parse(j, ev, e) == 0)
		return 0;
	/* A member refused after others were read: what those took goes too,
	 * so a caller never frees evidence it was not given. */
	evidence_free(ev);
	return -1;
}

static int evidence_parse(json_t *j, struct evidence *ev, struct err *e)
{
	json_t *a, *v;
	const char *s;
	size_t i;

	memset(ev, 0, sizeof *ev);
	if (!json_is_object(j))
		return err_set(e, ERR_INVALID, "evidence must be a JSON object");
	if (evidence_copy(j, "model", ev->model, sizeof ev->model) || evidence_copy(j, "tier", ev->tier, sizeof ev->tier) ||
	    evidence_copy(j, "from", ev->from, sizeof ev->from) || evidence_copy(j, "to", ev->to, sizeof ev->to) ||
	    evidence_copy(j, "digest", ev->digest, sizeof ev->digest) ||
	    evidence_copy(j, "author", ev->author, sizeof ev->author) ||
	    evidence_copy(j, "requester", ev->requester, sizeof ev->requester))
		return err_set(e, ERR_INVALID, "evidence: model, tier, from, to, digest, author and requester are strings");
	v = json_object_get(j, "version");
	ev->version = json_is_integer(v) ? json_integer_value(v) : 0;
	s = json_string_value(json_object_get(j, "now"));
	ev->now = s != NULL ? check_time_parse(s) : 0;
	if (s == NULL || ev->now < 0)
		return err_set(e, ERR_INVALID, "evidence: \"now\" must be an RFC 3339 UTC time");
	v = json_object_get(j, "has_request");
	ev->has_request = v == NULL ? json_object_get(j, "approvals") != NULL : json_is_true(v);
	a = json_object_get(j, "approvals");
	if (a != NULL) {
		if (!json_is_array(a) || (ev->appr = calloc(json_array_size(a) + 1, sizeof *ev->appr)) == NULL)
			goto bad_appr;
		json_array_foreach(a, i, v) {
			struct ev_approval *x = &ev->appr[ev->nappr];
			const char *p, *role, *issued = NULL, *pol = "";
			int counts = 1;

			if (json_unpack(v, "{s:s, s:s, s?b, s?s, s?s}", "principal", &p, "role", &role, "counts", &counts,
					"issued", &issued, "policy", &pol) != 0)
				goto bad_appr;
			snprintf(x->principal, sizeof x->principal, "%s", p);
			snprintf(x->role, sizeof x->role, "%s", role);
			snprintf(x->policy, sizeof x->policy, "%s", pol);
			x->counts = counts;
			x->issued = issued != NULL ? check_time_parse(issued) : ev->now;
			if (x->issued < 0)
				goto bad_appr;
			ev->nappr++;
		}
	}
	a = json_object_get(j, "metrics");
	if (a != NULL) {
		if (!json_is_array(a) || (ev->met = calloc(json_array_size(a) + 1, sizeof *ev->met)) == NULL)
			return err_set(e, ERR_INVALID, "evidence: metrics must be [{name, dataset, slice, value}]");
		json_array_foreach(a, i, v) {
			struct ev_metric *m = &ev->met[ev->nmet];
			const char *name, *ds = "", *sl = "";
			double x;

			if (json_unpack(v, "{s:s, s?s, s?s, s:F}", "name", &name, "dataset", &ds, "slice", &sl, "value", &x) != 0)
				return err_set(e, ERR_INVALID, "evidence: metric %zu needs name and value", i + 1);
			snprintf(m->name, sizeof m->name, "%s", name);
			snprintf(m->dataset, sizeof m->dataset, "%s", ds);
			snprintf(m->slice, sizeof m->slice, "%s", sl);
			m->value = x;
			ev->nmet++;
		}
	}
	a = json_object_get(j, "card");
	if (a != NULL) {
		ev->has_card = 1;
		if (!json_is_array(a) || (ev->card = calloc(json_array_size(a) + 1, sizeof *ev->card)) == NULL)
			return err_set(e, ERR_INVALID, "evidence: card must be a list of section titles");
		json_array_foreach(a, i, v) {
			if (!json_is_string(v))
				return err_set(e, ERR_INVALID, "evidence: card must be a list of section titles");
			snprintf(ev->card[ev->ncard++], sizeof ev->card[0], "%s", json_string_value(v));
		}
	}
	v = json_object_get(j, "lineage_complete");
	if (v != NULL) {
		if (!json_is_boolean(v))
			return err_set(e, ERR_INVALID, "evidence: lineage_complete must be true or false");
		ev->has_lineage = 1;
		ev->lineage_complete = json_is_true(v);
	}
	if (json_object_get(j, "live") != NULL || json_object_get(j, "drift") != NULL) {
		ev->has_monitor = 1;
		if ((json_object_get(j, "live") != NULL &&
		     evidence_values_from(json_object_get(j, "live"), &ev->live, &ev->nlive, 0) != 0) ||
		    (json_object_get(j, "drift") != NULL &&
		     evidence_values_from(json_object_get(j, "drift"), &ev->drift, &ev->ndrift, 0) != 0))
			return err_set(e, ERR_INVALID, "evidence: live and drift must be [{name, value}]");
	}
	a = json_object_get(j, "alerts");
	if (a != NULL) {
		ev->has_alerts = 1;
		if (evidence_values_from(a, &ev->alerts, &ev->nalerts, 1) != 0)
			return err_set(e, ERR_INVALID, "evidence: alerts must be [{name, severity}] with info, warning or critical");
	}
	a = json_object_get(j, "stages");
	if (a != NULL) {
		const char *key;

		if (!json_is_object(a))
			return err_set(e, ERR_INVALID, "evidence: stages must map a stage to the time the version entered it");
		json_object_foreach(a, key, v) {
			if (ev->nstages == sizeof ev->stages / sizeof ev->stages[0] || !json_is_string(v) ||
			    (ev->stages[ev->nstages].since = check_time_parse(json_string_value(v))) < 0)
				return err_set(e, ERR_INVALID, "evidence: stages must map a stage to an RFC 3339 time");
			snprintf(ev->stages[ev->nstages++].stage, sizeof ev->stages[0].stage, "%s", key);
		}
	}
	v = json_object_get(j, "digest_verified");
	if (v != NULL) {
		if (!json_is_boolean(v))
			return err_set(e, ERR_INVALID, "evidence: digest_verified must be true or false");
		ev->has_digest_state = 1;
		ev->digest_verified = json_is_true(v);
	}
	a = json_object_get(j, "canary");
	if (a != NULL) {
		const char *since;

		if (json_unpack(a, "{s:F, s:s}", "weight", &ev->canary_weight, "since", &since) != 0 ||
		    (ev->canary_since = check_time_parse(since)) < 0)
			return err_set(e, ERR_INVALID, "evidence: canary must be {weight, since}");
		ev->has_canary = 1;
	}
	a = json_object_get(j, "actor");
	if (a != NULL) {
		const char *name, *roles;

		if (json_unpack(a, "{s:s, s:s}", "name", &name, "roles", &roles) != 0)
			return err_set(e, ERR_INVALID, "evidence: actor must be {name, roles}");
		snprintf(ev->actor, sizeof ev->actor, "%s", name);
		if (strcmp(roles, "-") != 0 && keyring_roles_parse(roles, &ev->actor_roles, e) != 0)
			return err_prefix(e, "evidence: actor roles");
	}
	return 0;
bad_appr:
	return err_set(e, ERR_INVALID, "evidence: approvals must be [{principal, role, counts, issued, policy}]");
}
