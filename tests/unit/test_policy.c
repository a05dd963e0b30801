/* test_policy: every rule kind evaluates to PASS, FAIL and UNKNOWN on the evidence meant for it, evidence round-trips through JSON, and a section holds as many rules as its file, up to the limit. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "policy.h"

static const char policy_text[] =
	"policy kinds\nversion 1\ntier medium\n"
	"transition staging -> production\n"
	"rule appr: approvals risk-officer >= 2\n"
	"rule anyone: distinct-approvers >= 1\n"
	"rule sod: separation-of-duties\n"
	"rule auc: metric auc >= 0.8 on holdout* worst-slice\n"
	"rule eu: metric auc >= 0.8 on holdout* slice region=EU\n"
	"rule card: card-sections \"Intended use\", \"Limitations\"\n"
	"rule lin: lineage-complete\n"
	"rule drift: drift any <= 0.2\n"
	"rule lat: live-metric latency_p99 <= 250\n"
	"rule alerts: no-alerts severity >= warning\n"
	"rule age: approval-age <= 7d\n"
	"rule soak: time-in-stage staging >= 3d\n"
	"rule canary: canary-soak weight >= 10 for >= 24h\n"
	"rollback production\n"
	"rule who: role sre, admin\n"
	"rule review: review by risk-officer within 72h\n";

#define D "sha256:1111111111111111111111111111111111111111111111111111111111111111"

/* Evaluates the transition over evidence given as JSON; returns the
 * status of the named rule. */
static enum rule_status eval(const char *rule, const char *json)
{
	struct rule_result res[POLICY_MAX_RULES];
	const struct policy_section *sec;
	struct evidence ev;
	struct policy p;
	struct err e;
	json_t *j = json_loads(json, 0, NULL);
	enum rule_status st = 0;

	assert_non_null(j);
	assert_int_equal(policy_parse(policy_text, strlen(policy_text), "kinds.policy", &p, &e), 0);
	assert_int_equal(evidence_from_json(j, &ev, &e), 0);
	json_decref(j);
	sec = strcmp(rule, "who") == 0 || strcmp(rule, "review") == 0 ? policy_rollback(&p, "production")
									: policy_transition(&p, "staging", "production");
	assert_non_null(sec);
	(void)policy_evaluate(sec, &ev, D, res);
	for (size_t i = 0; i < sec->nrules; i++)
		if (strcmp(sec->rules[i].name, rule) == 0)
			st = res[i].status;
	evidence_free(&ev);
	policy_free(&p);
	return st;
}

#define NOW "\"now\":\"2026-03-10T00:00:00Z\""
#define APPR(who, role, when) \
	"{\"principal\":\"" who "\",\"role\":\"" role "\",\"counts\":true,\"issued\":\"" when "\",\"policy\":\"" D "\"}"

static void test_approvals(void **state)
{
	(void)state;
	assert_int_equal(eval("appr", "{" NOW "}"), RULE_UNKNOWN);
	assert_int_equal(eval("appr", "{" NOW ",\"approvals\":[" APPR("rosa", "risk-officer", "2026-03-09T00:00:00Z") "]}"),
			 RULE_FAIL);
	assert_int_equal(eval("appr", "{" NOW ",\"approvals\":[" APPR("rosa", "risk-officer", "2026-03-09T00:00:00Z") ","
					  APPR("ravi", "risk-officer", "2026-03-09T00:00:00Z") "]}"),
			 RULE_PASS);
	/* the same person twice counts once */
	assert_int_equal(eval("appr", "{" NOW ",\"approvals\":[" APPR("rosa", "risk-officer", "2026-03-09T00:00:00Z") ","
					  APPR("rosa", "risk-officer", "2026-03-09T00:00:00Z") "]}"),
			 RULE_FAIL);
	assert_int_equal(eval("anyone", "{" NOW ",\"approvals\":[" APPR("lena", "ml-lead", "2026-03-09T00:00:00Z") "]}"),
			 RULE_PASS);
	assert_int_equal(eval("age", "{" NOW ",\"approvals\":[" APPR("lena", "ml-lead", "2026-03-01T00:00:00Z") "]}"),
			 RULE_FAIL);
	assert_int_equal(eval("age", "{" NOW ",\"approvals\":[" APPR("lena", "ml-lead", "2026-03-05T00:00:00Z") "]}"),
			 RULE_PASS);
	assert_int_equal(eval("age", "{" NOW "}"), RULE_UNKNOWN);
	assert_int_equal(eval("sod", "{" NOW ",\"author\":\"lena\",\"requester\":\"lena\",\"approvals\":[]}"), RULE_FAIL);
	assert_int_equal(eval("sod", "{" NOW ",\"author\":\"x\",\"requester\":\"lena\",\"approvals\":[]}"), RULE_PASS);
	/* Missing data is UNKNOWN: an author nobody recorded could be any approver. */
	assert_int_equal(eval("sod", "{" NOW ",\"author\":\"\",\"requester\":\"lena\",\"approvals\":[]}"), RULE_UNKNOWN);
	/* ... but a requester who approves fails whatever is known of the author. */
	assert_int_equal(eval("sod", "{" NOW ",\"author\":\"\",\"requester\":\"lena\",\"approvals\":["
				     "{\"principal\":\"lena\",\"role\":\"ml-lead\",\"approve\":true,\"counts\":true}]}"),
			 RULE_FAIL);
}

static void test_data_rules(void **state)
{
	(void)state;
	assert_int_equal(eval("auc", "{" NOW "}"), RULE_UNKNOWN);
	assert_int_equal(eval("auc", "{" NOW ",\"metrics\":[{\"name\":\"auc\",\"dataset\":\"holdout-q1\",\"slice\":\"\",\"value\":0.9},"
				       "{\"name\":\"auc\",\"dataset\":\"holdout-q1\",\"slice\":\"region=US\",\"value\":0.79}]}"),
			 RULE_FAIL);
	assert_int_equal(eval("eu", "{" NOW ",\"metrics\":[{\"name\":\"auc\",\"dataset\":\"holdout-q1\",\"slice\":\"region=EU\",\"value\":0.81}]}"),
			 RULE_PASS);
	assert_int_equal(eval("eu", "{" NOW ",\"metrics\":[{\"name\":\"auc\",\"dataset\":\"other\",\"slice\":\"region=EU\",\"value\":0.9}]}"),
			 RULE_UNKNOWN);
	assert_int_equal(eval("card", "{" NOW "}"), RULE_UNKNOWN);
	assert_int_equal(eval("card", "{" NOW ",\"card\":[\"Intended use\"]}"), RULE_FAIL);
	assert_int_equal(eval("card", "{" NOW ",\"card\":[\"Intended use\",\"Limitations\"]}"), RULE_PASS);
	assert_int_equal(eval("lin", "{" NOW "}"), RULE_UNKNOWN);
	assert_int_equal(eval("lin", "{" NOW ",\"lineage_complete\":false}"), RULE_FAIL);
	assert_int_equal(eval("lin", "{" NOW ",\"lineage_complete\":true}"), RULE_PASS);
	assert_int_equal(eval("drift", "{" NOW "}"), RULE_UNKNOWN);
	assert_int_equal(eval("drift", "{" NOW ",\"drift\":[{\"name\":\"a\",\"value\":0.1},{\"name\":\"b\",\"value\":0.3}]}"), RULE_FAIL);
	assert_int_equal(eval("drift", "{" NOW ",\"drift\":[{\"name\":\"a\",\"value\":0.1}]}"), RULE_PASS);
	assert_int_equal(eval("lat", "{" NOW ",\"live\":[{\"name\":\"latency_p99\",\"value\":300}]}"), RULE_FAIL);
	assert_int_equal(eval("lat", "{" NOW ",\"live\":[{\"name\":\"latency_p99\",\"value\":120}]}"), RULE_PASS);
	assert_int_equal(eval("lat", "{" NOW ",\"live\":[]}"), RULE_UNKNOWN);
	assert_int_equal(eval("alerts", "{" NOW "}"), RULE_UNKNOWN);
	assert_int_equal(eval("alerts", "{" NOW ",\"alerts\":[{\"name\":\"x\",\"severity\":\"info\"}]}"), RULE_PASS);
	assert_int_equal(eval("alerts", "{" NOW ",\"alerts\":[{\"name\":\"x\",\"severity\":\"warning\"}]}"), RULE_FAIL);
	assert_int_equal(eval("soak", "{" NOW "}"), RULE_FAIL);
	assert_int_equal(eval("soak", "{" NOW ",\"stages\":{\"staging\":\"2026-03-09T00:00:00Z\"}}"), RULE_FAIL);
	assert_int_equal(eval("soak", "{" NOW ",\"stages\":{\"staging\":\"2026-03-01T00:00:00Z\"}}"), RULE_PASS);
	assert_int_equal(eval("canary", "{" NOW "}"), RULE_UNKNOWN);
	assert_int_equal(eval("canary", "{" NOW ",\"canary\":{\"weight\":5,\"since\":\"2026-03-01T00:00:00Z\"}}"), RULE_FAIL);
	assert_int_equal(eval("canary", "{" NOW ",\"canary\":{\"weight\":10,\"since\":\"2026-03-09T12:00:00Z\"}}"), RULE_FAIL);
	assert_int_equal(eval("canary", "{" NOW ",\"canary\":{\"weight\":25,\"since\":\"2026-03-08T00:00:00Z\"}}"), RULE_PASS);
	assert_int_equal(eval("who", "{" NOW ",\"actor\":{\"name\":\"lena\",\"roles\":\"ml-lead\"}}"), RULE_FAIL);
	assert_int_equal(eval("who", "{" NOW ",\"actor\":{\"name\":\"sami\",\"roles\":\"sre\"}}"), RULE_PASS);
	assert_int_equal(eval("review", "{" NOW "}"), RULE_PASS);
}

/* What the ledger records must read back to the same evidence. */
static void test_roundtrip(void **state)
{
	const char *in = "{" NOW ",\"model\":\"m\",\"version\":3,\"tier\":\"high\",\"from\":\"staging\",\"to\":\"production\","
			 "\"digest\":\"" D "\",\"author\":\"a\",\"requester\":\"r\",\"has_request\":true,"
			 "\"approvals\":[" APPR("rosa", "risk-officer", "2026-03-09T00:00:00Z") "],"
			 "\"metrics\":[{\"name\":\"auc\",\"dataset\":\"d\",\"slice\":\"s\",\"value\":0.5}],"
			 "\"card\":[\"Intended use\"],\"lineage_complete\":true,\"live\":[{\"name\":\"l\",\"value\":1}],"
			 "\"drift\":[],\"alerts\":[{\"name\":\"x\",\"severity\":\"critical\"}],"
			 "\"stages\":{\"staging\":\"2026-03-01T00:00:00Z\"},\"canary\":{\"weight\":5,\"since\":\"2026-03-01T00:00:00Z\"},"
			 "\"actor\":{\"name\":\"sami\",\"roles\":\"sre\"}}";
	json_t *j = json_loads(in, 0, NULL), *back;
	struct evidence ev, ev2;
	struct err e;
	char *a, *b;

	(void)state;
	assert_non_null(j);
	assert_int_equal(evidence_from_json(j, &ev, &e), 0);
	back = evidence_to_json(&ev);
	assert_non_null(back);
	assert_int_equal(evidence_from_json(back, &ev2, &e), 0);
	a = json_dumps(back, JSON_COMPACT | JSON_SORT_KEYS);
	json_decref(back);
	back = evidence_to_json(&ev2);
	b = json_dumps(back, JSON_COMPACT | JSON_SORT_KEYS);
	assert_string_equal(a, b);
	free(a);
	free(b);
	json_decref(back);
	json_decref(j);
	evidence_free(&ev);
	evidence_free(&ev2);
	/* bad evidence is refused with the member named */
	j = json_loads("{\"now\":\"yesterday\"}", 0, NULL);
	assert_int_equal(evidence_from_json(j, &ev, &e), -1);
	assert_non_null(strstr(e.msg, "now"));
	json_decref(j);
	j = json_loads("{" NOW ",\"alerts\":[{\"name\":\"x\",\"severity\":\"loud\"}]}", 0, NULL);
	assert_int_equal(evidence_from_json(j, &ev, &e), -1);
	assert_non_null(strstr(e.msg, "alerts"));
	evidence_free(&ev);
	json_decref(j);
	/* refused after approvals and metrics were read: nothing is left to free
	 * (under SAN=1 LeakSanitizer fails this test if it were) */
	j = json_loads("{" NOW ",\"approvals\":[{\"principal\":\"p\",\"role\":\"r\"}],"
		       "\"metrics\":[{\"name\":\"auc\",\"value\":1}],\"card\":[1]}", 0, NULL);
	assert_non_null(j);
	assert_int_equal(evidence_from_json(j, &ev, &e), -1);
	assert_non_null(strstr(e.msg, "card"));
	assert_null(ev.appr);
	assert_null(ev.met);
	assert_int_equal(ev.nappr, 0);
	json_decref(j);
}

/* Rules are held as many as the file has: each section keeps its own in
 * order, a section may hold POLICY_MAX_RULES and not one more, and a
 * policy refused half way frees what it had parsed. */
static void test_rule_count(void **state)
{
	char *text = malloc(16384);
	struct policy p;
	struct err e;
	size_t o, i;

	(void)state;
	assert_non_null(text);
	assert_int_equal(policy_parse(policy_text, strlen(policy_text), "kinds.policy", &p, &e), 0);
	assert_int_equal(p.nsec, 2);
	assert_int_equal(p.sec[0].nrules, 13);
	assert_string_equal(p.sec[0].rules[12].name, "canary");
	assert_int_equal(p.sec[1].nrules, 2);
	assert_string_equal(p.sec[1].rules[0].name, "who");
	assert_string_equal(p.sec[1].rules[1].name, "review");
	policy_free(&p);
	o = (size_t)snprintf(text, 16384, "policy many\nversion 1\ntier low\ntransition staging -> production\n");
	for (i = 0; i < POLICY_MAX_RULES; i++)
		o += (size_t)snprintf(text + o, 16384 - o, "rule r%zu: distinct-approvers >= 1\n", i);
	assert_int_equal(policy_parse(text, o, "many.policy", &p, &e), 0);
	assert_int_equal(p.sec[0].nrules, POLICY_MAX_RULES);
	assert_string_equal(p.sec[0].rules[POLICY_MAX_RULES - 1].name, "r63");
	policy_free(&p);
	o += (size_t)snprintf(text + o, 16384 - o, "rule one-more: distinct-approvers >= 1\n");
	assert_int_equal(policy_parse(text, o, "many.policy", &p, &e), -1);
	assert_non_null(strstr(e.msg, "expected at most 64"));
	free(text);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_approvals),
		cmocka_unit_test(test_data_rules),
		cmocka_unit_test(test_roundtrip),
		cmocka_unit_test(test_rule_count),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
