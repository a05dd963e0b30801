/* policytest: runs policy test files (fixture evidence -> expected result per rule and decision), like `opa test`. */
#include "policy.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

struct pt_expect {
	char rule[POLICY_NAME_MAX + 1];
	enum rule_status status;
	int decision; /* 1: this line expects the overall decision */
	int allow;
	int line;
};

struct pt_case {
	char name[POLICY_NAME_MAX + 1];
	int line;
	int rollback;
	char from[POLICY_NAME_MAX + 1], to[POLICY_NAME_MAX + 1];
	json_t *evidence;
	struct pt_expect exp[POLICY_MAX_RULES + 1];
	size_t nexp;
};

static int pt_fail(struct err *e, const char *tname, int line, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

static int pt_fail(struct err *e, const char *tname, int line, const char *fmt, ...)
{
	char msg[400];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	return err_set(e, ERR_INVALID, "%s:%d: %s", tname, line, msg);
}

/* Evaluates one case and reports it. Returns 1 when it failed. */
static int pt_run_case(const struct policy *p, const char *digest, struct pt_case *c, const char *tname,
		       policy_case_fn fn, void *arg, struct err *e)
{
	struct policy_case out = { .name = c->name, .line = c->line, .ok = 1 };
	const struct policy_section *sec;
	struct rule_result res[POLICY_MAX_RULES];
	struct evidence ev;
	size_t i, j;
	int allow;

	if (c->evidence == NULL)
		return pt_fail(e, tname, c->line, "case %s has no evidence line", c->name);
	if (c->to[0] == '\0')
		return pt_fail(e, tname, c->line, "case %s has no transition or rollback line", c->name);
	if (evidence_from_json(c->evidence, &ev, e) != 0)
		return err_prefix(e, "%s:%d: case %s", tname, c->line, c->name);
	for (i = 0; i < ev.nappr; i++)
		if (ev.appr[i].policy[0] == '\0')
			snprintf(ev.appr[i].policy, sizeof ev.appr[i].policy, "%s", digest);
	sec = c->rollback == POLICY_SEC_SHIFT ? policy_shift(p) : c->rollback ? policy_rollback(p, c->to)
									  : policy_transition(p, c->from, c->to);
	if (sec == NULL) {
		/* No section: the policy denies; only a decision expectation can hold. */
		for (i = 0; i < c->nexp; i++)
			if (!c->exp[i].decision || c->exp[i].allow) {
				out.ok = 0;
				snprintf(out.why, sizeof out.why, "line %d: the policy has no section for %s%s%s (deny)",
					 c->exp[i].line, c->from, c->rollback ? "" : " -> ", c->to);
				break;
			}
		fn(arg, &out);
		evidence_free(&ev);
		return !out.ok;
	}
	allow = policy_evaluate(sec, &ev, digest, res);
	for (i = 0; i < c->nexp && out.ok; i++) {
		const struct pt_expect *x = &c->exp[i];

		if (x->decision) {
			if (x->allow != allow) {
				out.ok = 0;
				snprintf(out.why, sizeof out.why, "line %d: decision is %s, expected %s", x->line,
					 allow ? "allow" : "deny", x->allow ? "allow" : "deny");
			}
			continue;
		}
		for (j = 0; j < sec->nrules && strcmp(sec->rules[j].name, x->rule) != 0; j++)
			;
		if (j == sec->nrules) {
			out.ok = 0;
			snprintf(out.why, sizeof out.why, "line %d: the section has no rule %s", x->line, x->rule);
		} else if (res[j].status != x->status) {
			out.ok = 0;
			snprintf(out.why, sizeof out.why, "line %d: rule %s is %s (%s), expected %s", x->line, x->rule,
				 policy_status_name(res[j].status), res[j].reason, policy_status_name(x->status));
		}
	}
	fn(arg, &out);
	evidence_free(&ev);
	return !out.ok;
}

static enum rule_status pt_status(const char *s)
{
	if (strcmp(s, "PASS") == 0)
		return RULE_PASS;
	if (strcmp(s, "FAIL") == 0)
		return RULE_FAIL;
	if (strcmp(s, "UNKNOWN") == 0)
		return RULE_UNKNOWN;
	return 0;
}

int policy_test_run(const struct policy *p, const char *digest, const char *text, size_t len, const char *tname,
		    policy_case_fn fn, void *arg, int *cases, struct err *e)
{
	const char *q = text, *end = text + len;
	struct pt_case c;
	int line = 0, failed = 0, have = 0, r;

	*cases = 0;
	memset(&c, 0, sizeof c);
	while (q < end) {
		const char *nl = memchr(q, '\n', (size_t)(end - q));
		size_t n = (size_t)((nl ? nl : end) - q);
		char buf[8192], w1[32], w2[POLICY_NAME_MAX + 2], w3[POLICY_NAME_MAX + 2], w4[POLICY_NAME_MAX + 2];
		const char *rest;

		line++;
		if (n >= sizeof buf) {
			json_decref(c.evidence);
			return pt_fail(e, tname, line, "line longer than 8191 bytes");
		}
		memcpy(buf, q, n);
		buf[n] = '\0';
		q = nl ? nl + 1 : end;
		if (n > 0 && buf[n - 1] == '\r')
			buf[--n] = '\0';
		rest = buf + strspn(buf, " \t");
		if (*rest == '\0' || *rest == '#')
			continue;
		if (sscanf(rest, "%31s", w1) != 1)
			continue;
		if (strcmp(w1, "case") == 0) {
			if (have) {
				r = pt_run_case(p, digest, &c, tname, fn, arg, e);
				json_decref(c.evidence);
				if (r < 0)
					return -1;
				failed += r;
				(*cases)++;
			}
			memset(&c, 0, sizeof c);
			have = 1;
			c.line = line;
			if (sscanf(rest, "case %65s %1s", w2, w3) != 1 || strlen(w2) > POLICY_NAME_MAX)
				return pt_fail(e, tname, line, "expected 'case NAME'");
			snprintf(c.name, sizeof c.name, "%.64s", w2);
			continue;
		}
		if (!have)
			return pt_fail(e, tname, line, "expected 'case NAME' before '%s'", w1);
		if (strcmp(w1, "transition") == 0) {
			if (sscanf(rest, "transition %65s -> %65s %1s", w2, w3, w4) != 2 || strlen(w2) > POLICY_NAME_MAX ||
			    strlen(w3) > POLICY_NAME_MAX) {
				json_decref(c.evidence);
				return pt_fail(e, tname, line, "expected 'transition FROM -> TO'");
			}
			snprintf(c.from, sizeof c.from, "%.64s", w2);
			snprintf(c.to, sizeof c.to, "%.64s", w3);
		} else if (strcmp(w1, "rollback") == 0) {
			if (sscanf(rest, "rollback %65s %1s", w2, w3) != 1 || strlen(w2) > POLICY_NAME_MAX) {
				json_decref(c.evidence);
				return pt_fail(e, tname, line, "expected 'rollback ALIAS'");
			}
			c.rollback = POLICY_SEC_ROLLBACK;
			snprintf(c.to, sizeof c.to, "%.64s", w2);
		} else if (strcmp(w1, "shift") == 0) {
			if (sscanf(rest, "shift %1s", w2) == 1) {
				json_decref(c.evidence);
				return pt_fail(e, tname, line, "expected 'shift' alone on its line");
			}
			c.rollback = POLICY_SEC_SHIFT;
			snprintf(c.to, sizeof c.to, "traffic");
		} else if (strcmp(w1, "evidence") == 0) {
			json_error_t je;
			json_t *j = json_loads(rest + strlen("evidence"), JSON_REJECT_DUPLICATES, &je);

			if (j == NULL || !json_is_object(j)) {
				json_decref(j);
				json_decref(c.evidence);
				return pt_fail(e, tname, line, "evidence must be one JSON object on the line (%s)",
					       j == NULL ? je.text : "not an object");
			}
			/* Several evidence lines merge, later keys winning. */
			if (c.evidence == NULL)
				c.evidence = j;
			else {
				json_object_update(c.evidence, j);
				json_decref(j);
			}
		} else if (strcmp(w1, "expect") == 0) {
			struct pt_expect *x;

			if (c.nexp == sizeof c.exp / sizeof c.exp[0] || sscanf(rest, "expect %65s %65s %1s", w2, w3, w4) != 2 ||
			    strlen(w2) > POLICY_NAME_MAX) {
				json_decref(c.evidence);
				return pt_fail(e, tname, line, "expected 'expect RULE PASS|FAIL|UNKNOWN' or 'expect decision allow|deny'");
			}
			x = &c.exp[c.nexp++];
			x->line = line;
			if (strcmp(w2, "decision") == 0) {
				x->decision = 1;
				if (strcmp(w3, "allow") != 0 && strcmp(w3, "deny") != 0) {
					json_decref(c.evidence);
					return pt_fail(e, tname, line, "found '%s', expected allow or deny", w3);
				}
				x->allow = strcmp(w3, "allow") == 0;
			} else {
				snprintf(x->rule, sizeof x->rule, "%.64s", w2);
				x->status = pt_status(w3);
				if (x->status == 0) {
					json_decref(c.evidence);
					return pt_fail(e, tname, line, "found '%s', expected PASS, FAIL or UNKNOWN", w3);
				}
			}
		} else {
			json_decref(c.evidence);
			return pt_fail(e, tname, line, "found '%s', expected case, transition, rollback, evidence or expect", w1);
		}
	}
	if (have) {
		r = pt_run_case(p, digest, &c, tname, fn, arg, e);
		json_decref(c.evidence);
		if (r < 0)
			return -1;
		failed += r;
		(*cases)++;
	}
	return failed;
}
