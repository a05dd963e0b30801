/* test_registry: models, versions, aliases, tags, cards and metrics, including every refusal. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sqlite3.h>

#include "approval.h"
#include "audit.h"
#include "demo.h"
#include "gate.h"
#include "keyring.h"
#include "keys.h"
#include "ledger.h"
#include "monitor.h"
#include "registry.h"
#include "peer.h"

#define D1 "sha256:0000000000000000000000000000000000000000000000000000000000000001"
#define D2 "sha256:00000000000000000000000000000000000000000000000000000000000000ff"

static char dbpath[256];
/* Alias moves are acts: an admin with a key signs each one. */
static struct key_secret *tester_key;
static struct principal tester;

static int setup(void **state)
{
	struct err e = { 0 };
	struct store *st;
	char dir[] = "/tmp/steward-reg-XXXXXX", kp[300];

	if (mkdtemp(dir) == NULL)
		return -1;
	snprintf(dbpath, sizeof dbpath, "%s/r.db", dir);
	snprintf(kp, sizeof kp, "%s/tester.key", dir);
	setenv("STEWARD_NOW", "1767225600", 1);
	st = store_open(dbpath, STORE_CREATE, &e);
	if (st == NULL || keys_generate("tester", kp, "a long passphrase", 17, &e) != 0 ||
	    keys_load_secret(kp, "a long passphrase", 17, &tester_key, &e) != 0 || store_begin(st, &e) != 0 ||
	    ledger_logkey_create(st, &e) != 0 || keyring_init(st, "tester", tester_key, &e) != 0 ||
	    store_commit(st, &e) != 0 || keyring_whoami(st, tester_key->id, &tester, &e) != 0)
		return -1;
	unlink(kp);
	snprintf(kp, sizeof kp, "%s/tester.key.pub", dir);
	unlink(kp);
	tester.key = tester_key;
	*state = st;
	return 0;
}

/* A store with no keyring at all: the demo builds its own. */
static int setup_bare(void **state)
{
	struct err e = { 0 };
	struct store *st;
	char dir[] = "/tmp/steward-reg-XXXXXX";

	if (mkdtemp(dir) == NULL)
		return -1;
	snprintf(dbpath, sizeof dbpath, "%s/r.db", dir);
	setenv("STEWARD_NOW", "1767225600", 1);
	st = store_open(dbpath, STORE_CREATE, &e);
	if (st == NULL)
		return -1;
	*state = st;
	return 0;
}

static int teardown(void **state)
{
	char p[300];

	store_close(*state);
	if (tester_key != NULL)
		keys_secret_free(tester_key);
	tester_key = NULL;
	unlink(dbpath);
	snprintf(p, sizeof p, "%s.logkey", dbpath);
	unlink(p);
	snprintf(p, sizeof p, "%s-wal", dbpath);
	unlink(p);
	snprintf(p, sizeof p, "%s-shm", dbpath);
	unlink(p);
	*strrchr(dbpath, '/') = '\0';
	rmdir(dbpath);
	return 0;
}

static void test_model_add_get_list(void **state)
{
	struct store *st = *state;
	struct err e = { 0 };
	struct reg_model m;
	struct reg_models l;

	assert_int_equal(registry_model_add(st, &tester, "fraud-scoring", TIER_HIGH, "fraud-ops", "cnp fraud", &e), 0);
	assert_int_equal(registry_model_add(st, &tester, "churn", TIER_MEDIUM, "retail", "", &e), 0);
	assert_int_equal(registry_model_get(st, "fraud-scoring", &m, &e), 0);
	assert_string_equal(m.owner, "fraud-ops");
	assert_int_equal(m.tier, TIER_HIGH);
	assert_int_equal(m.n_versions, 0);
	assert_int_equal(m.created, 1767225600);
	registry_model_clear(&m);
	assert_int_equal(registry_model_list(st, &l, &e), 0);
	assert_int_equal(l.n, 2);
	assert_string_equal(l.v[0].name, "churn"); /* sorted by name */
	assert_int_equal(l.v[1].n_versions, 0); /* no versions, no aliases: counted 0, not left out */
	assert_int_equal(l.v[1].production, 0);
	assert_int_equal(l.v[1].last_change, 1767225600);
	registry_models_free(&l);
	assert_int_equal(registry_model_count(st), 2);

	/* duplicates and unknowns are refused by name */
	assert_int_equal(registry_model_add(st, &tester, "churn", TIER_LOW, "x", "", &e), -1);
	assert_int_equal(e.kind, ERR_EXISTS);
	assert_non_null(strstr(e.msg, "\"churn\" already exists"));
	assert_int_equal(registry_model_get(st, "nope", &m, &e), -1);
	assert_int_equal(e.kind, ERR_NOTFOUND);
	assert_non_null(strstr(e.msg, "nope"));
}

static void test_model_bad_input(void **state)
{
	struct store *st = *state;
	struct err e = { 0 };
	char big[10001];

	memset(big, 'a', sizeof big - 1);
	big[sizeof big - 1] = '\0';
	assert_int_equal(registry_model_add(st, &tester, big, TIER_LOW, "o", "", &e), -1);
	assert_non_null(strstr(e.msg, "too long"));
	assert_true(strlen(e.msg) < 300); /* the message shows an excerpt, not 10,000 bytes */
	/* Quotes are fine in names (MLflow allows them; SQL only sees bound values), '/' and ':' are not. */
	assert_int_equal(registry_model_add(st, &tester, "x'; DROP TABLE models:--", TIER_LOW, "o", "", &e), -1);
	assert_non_null(strstr(e.msg, "':'"));
	assert_int_equal(registry_model_add(st, &tester, "a/b", TIER_LOW, "o", "", &e), -1);
	assert_non_null(strstr(e.msg, "cannot contain '/' or ':'"));
	assert_int_equal(registry_model_add(st, &tester, "\xff\xfe", TIER_LOW, "o", "", &e), -1);
	assert_non_null(strstr(e.msg, "\\xff"));
	assert_int_equal(registry_model_add(st, &tester, "ok", TIER_LOW, "bad\xffowner", "", &e), -1);
	assert_non_null(strstr(e.msg, "owner"));
	assert_non_null(strstr(e.msg, "UTF-8"));
	assert_int_equal(registry_model_add(st, &tester, "ok", TIER_LOW, "o", "line\x1b[31m", &e), -1);
	assert_non_null(strstr(e.msg, "control character"));
	assert_int_equal(registry_model_add(st, &tester, "ok", TIER_LOW, "", "", &e), -1);
	assert_non_null(strstr(e.msg, "owner is empty"));
	assert_int_equal(registry_model_add(st, &tester, "ok", (enum tier)7, "o", "", &e), -1);
	assert_int_equal(registry_model_add(st, &tester, " leading", TIER_LOW, "o", "", &e), -1);
	assert_non_null(strstr(e.msg, "starts or ends with a space"));
	assert_int_equal(registry_model_count(st), 0); /* nothing written */
}

static void test_tier_and_version_parse(void **state)
{
	struct err e = { 0 };
	enum tier t;
	int64_t v;

	(void)state;
	assert_int_equal(registry_tier_parse("critical", &t, &e), 0);
	assert_int_equal(t, TIER_CRITICAL);
	assert_int_equal(registry_tier_parse("CRITICAL", &t, &e), -1);
	assert_non_null(strstr(e.msg, "low, medium, high or critical"));
	assert_int_equal(registry_tier_parse("severe", &t, &e), -1);
	assert_string_equal(registry_tier_name(TIER_MEDIUM), "medium");
	assert_int_equal(registry_version_parse("12", &v, &e), 0);
	assert_int_equal(v, 12);
	assert_int_equal(registry_version_parse("0", &v, &e), -1);
	assert_int_equal(registry_version_parse("-1", &v, &e), -1);
	assert_int_equal(registry_version_parse("3x", &v, &e), -1);
	assert_int_equal(registry_version_parse("99999999999999999999999", &v, &e), -1);
	assert_int_equal(registry_version_parse("", &v, &e), -1);
}

static void test_versions_and_aliases(void **state)
{
	struct store *st = *state;
	struct err e = { 0 };
	struct reg_versions vl;
	struct reg_version v;
	struct reg_aliases al;
	struct reg_model m;
	int64_t n = 0;

	assert_int_equal(registry_model_add(st, &tester, "m", TIER_CRITICAL, "o", "", &e), 0);
	assert_int_equal(registry_version_add(st, &tester, "m", "s3://b/m/1", D1, "alice", "r1", 0, &n, &e), 0);
	assert_int_equal(n, 1);
	assert_int_equal(registry_version_add(st, &tester, "m", "s3://b/m/2", D2, "", "", 1767300000, &n, &e), 0);
	assert_int_equal(n, 2);
	assert_int_equal(registry_version_list(st, "m", &vl, &e), 0);
	assert_int_equal(vl.n, 2);
	assert_int_equal(vl.v[0].version, 2); /* newest first */
	assert_int_equal(vl.v[0].created, 1767300000);
	assert_string_equal(vl.v[1].author, "alice");
	registry_versions_free(&vl);

	assert_int_equal(registry_alias_set(st, &tester, "m", "production", 1, &e), 0);
	assert_int_equal(registry_alias_set(st, &tester, "m", "staging", 2, &e), 0);
	assert_int_equal(registry_alias_set(st, &tester, "m", "champion", 1, &e), 0);
	assert_int_equal(registry_version_get(st, "m", 1, &v, &e), 0);
	assert_string_equal(v.aliases, "champion,production");
	assert_string_equal(v.digest, D1);
	registry_version_clear(&v);
	assert_int_equal(registry_model_get(st, "m", &m, &e), 0);
	assert_int_equal(m.production, 1);
	assert_int_equal(m.staging, 2);
	assert_int_equal(m.n_versions, 2);
	assert_int_equal(m.last_change, 1767300000);
	registry_model_clear(&m);
	/* moving an alias */
	assert_int_equal(registry_alias_set(st, &tester, "m", "production", 2, &e), 0);
	assert_int_equal(registry_alias_list(st, "m", &al, &e), 0);
	assert_int_equal(al.n, 3);
	assert_string_equal(al.v[1].alias, "production");
	assert_int_equal(al.v[1].version, 2);
	registry_aliases_free(&al);

	/* refusals */
	assert_int_equal(registry_alias_set(st, &tester, "m", "Production", 1, &e), -1);
	assert_non_null(strstr(e.msg, "lowercase"));
	assert_int_equal(registry_alias_set(st, &tester, "m", "prod uction", 1, &e), -1);
	assert_int_equal(registry_alias_set(st, &tester, "m", "staging", 9, &e), -1);
	assert_int_equal(e.kind, ERR_NOTFOUND);
	assert_non_null(strstr(e.msg, "no version 9"));
	assert_int_equal(registry_alias_set(st, &tester, "ghost", "staging", 1, &e), -1);
	assert_non_null(strstr(e.msg, "ghost"));
	assert_int_equal(registry_version_add(st, &tester, "m", "s3://b", "sha256:abc", "", "", 0, NULL, &e), -1);
	assert_non_null(strstr(e.msg, "64"));
	assert_int_equal(registry_version_add(st, &tester, "m", "s3://b", "md5:00", "", "", 0, NULL, &e), -1);
	assert_int_equal(registry_version_add(st, &tester, "m", "s3://b", "sha256:" "0000000000000000000000000000000000000000000000000000000000000ABC", "", "", 0, NULL, &e), -1);
	assert_non_null(strstr(e.msg, "lowercase hex"));
	assert_int_equal(registry_version_add(st, &tester, "m", "no scheme", D1, "", "", 0, NULL, &e), -1);
	assert_non_null(strstr(e.msg, "scheme"));
	assert_int_equal(registry_version_add(st, &tester, "ghost", "s3://x", D1, "", "", 0, NULL, &e), -1);
	assert_int_equal(registry_version_list(st, "m", &vl, &e), 0);
	assert_int_equal(vl.n, 2); /* refused adds wrote nothing */
	registry_versions_free(&vl);
}

static void test_tags(void **state)
{
	struct store *st = *state;
	struct err e = { 0 };
	struct reg_tags tl;

	assert_int_equal(registry_model_add(st, &tester, "t", TIER_LOW, "o", "", &e), 0);
	assert_int_equal(registry_version_add(st, &tester, "t", "s3://x", D1, "", "", 0, NULL, &e), 0);
	assert_int_equal(registry_tag_set(st, "t", 0, "team", "search", &e), 0);
	assert_int_equal(registry_tag_set(st, "t", 0, "team", "digital", &e), 0);
	assert_int_equal(registry_tag_set(st, "t", 1, "mlflow.source", "run", &e), 0);
	assert_int_equal(registry_tag_list(st, "t", 0, &tl, &e), 0);
	assert_int_equal(tl.n, 1);
	assert_string_equal(tl.v[0].value, "digital");
	registry_tags_free(&tl);
	assert_int_equal(registry_tag_list(st, "t", 1, &tl, &e), 0);
	assert_int_equal(tl.n, 1);
	registry_tags_free(&tl);
	assert_int_equal(registry_tag_set(st, "t", 2, "k", "v", &e), -1);
	assert_int_equal(registry_tag_set(st, "t", 0, "", "v", &e), -1);
}

static void test_cards_and_metrics(void **state)
{
	struct store *st = *state;
	struct err e = { 0 };
	struct card c = { 0 }, got = { 0 };
	struct reg_metrics ml;
	const char *md = "# Card\n\n## Intended use\nScoring.\n\n## Limitations\nThin files.\n";

	assert_int_equal(registry_model_add(st, &tester, "c", TIER_HIGH, "o", "", &e), 0);
	assert_int_equal(registry_version_add(st, &tester, "c", "s3://x", D1, "", "", 0, NULL, &e), 0);
	assert_int_equal(card_parse(md, strlen(md), "card.md", &c, &e), 0);
	assert_int_equal(registry_card_set(st, &tester, "c", 1, &c, &e), 0);
	assert_int_equal(registry_card_get(st, "c", 1, &got, &e), 0);
	assert_int_equal(got.n, 2);
	assert_string_equal(got.s[1].title, "Limitations");
	assert_string_equal(got.s[1].body, "Thin files.");
	card_free(&got);
	/* set replaces the whole card */
	card_free(&c);
	assert_int_equal(card_parse("## Evaluation\nok\n", 16, "c2.md", &c, &e), 0);
	assert_int_equal(registry_card_set(st, &tester, "c", 1, &c, &e), 0);
	assert_int_equal(registry_card_get(st, "c", 1, &got, &e), 0);
	assert_int_equal(got.n, 1);
	card_free(&got);
	assert_int_equal(registry_card_set(st, &tester, "c", 5, &c, &e), -1);
	card_free(&c);

	assert_int_equal(registry_metric_set(st, &tester, "c", 1, "auc", 0.91, "holdout", "", &e), 0);
	assert_int_equal(registry_metric_set(st, &tester, "c", 1, "auc", 0.85, "holdout", "region=EU", &e), 0);
	assert_int_equal(registry_metric_set(st, &tester, "c", 1, "auc", 0.92, "holdout", "", &e), 0);
	assert_int_equal(registry_metric_list(st, "c", 1, &ml, &e), 0);
	assert_int_equal(ml.n, 2);
	assert_float_equal(ml.v[0].value, 0.92, 1e-12); /* replaced, not duplicated */
	assert_string_equal(ml.v[1].slice, "region=EU");
	registry_metrics_free(&ml);
	assert_int_equal(registry_metric_set(st, &tester, "c", 1, "auc", 0.0 / 0.0, "", "", &e), -1);
	assert_non_null(strstr(e.msg, "finite"));
	assert_int_equal(registry_metric_set(st, &tester, "c", 1, "bad name", 1, "", "", &e), -1);
	assert_int_equal(registry_metric_set(st, &tester, "c", 1, "auc", 1, "", "a b", &e), -1);
	assert_int_equal(registry_metric_set(st, &tester, "c", 9, "auc", 1, "", "", &e), -1);
}

static enum rule_status rule_status(const struct gate *g, const char *name)
{
	for (size_t i = 0; i < g->nres; i++)
		if (strcmp(g->res[i].rule->name, name) == 0)
			return g->res[i].status;
	return 0;
}

static void test_demo_estate(void **state)
{
	struct store *st = *state;
	struct err e = { 0 };
	struct reg_models l;
	int tiers[TIER_COUNT] = { 0 }, missing = 0;
	struct approval_requests open;
	struct audit_report rep;
	char keydir[300], p[400];

	snprintf(keydir, sizeof keydir, "%s-keys", dbpath);
	/* after the estate's history, so its approvals are in the past */
	setenv("STEWARD_NOW", "1790000000", 1);
	/* unit tests run from the top of the tree */
	assert_int_equal(demo_build(st, keydir, "policies", &e), 0);
	assert_true(demo_is_demo(st));
	/* a keyring of every persona, two pending requests, and a history that verifies */
	assert_int_equal(keyring_version(st), DEMO_PERSONAS);
	assert_int_equal(approval_request_list(st, 1, &open, &e), 0);
	assert_int_equal(open.n, 6); /* five promotions and the rollback's review */
	for (size_t i = 0; i < open.n; i++)
		assert_true(open.v[i].counted >= (strcmp(open.v[i].kind, "review") == 0 ? 0 : 1));
	approval_requests_free(&open);
	/* the scenarios: one passes, the others are held by what they lack */
	{
		struct gate g;

		assert_int_equal(gate_evaluate(st, "support-ticket-routing", 3, "production", 0, &g, &e), 0);
		assert_true(g.allow);
		gate_free(&g);
		assert_int_equal(gate_evaluate(st, "churn-propensity", 6, "production", 0, &g, &e), 0);
		assert_false(g.allow);
		gate_free(&g);
		assert_int_equal(gate_evaluate(st, "fraud-scoring", 8, "production", 0, &g, &e), 0);
		assert_false(g.allow);
		assert_int_equal(rule_status(&g, "card-complete"), RULE_FAIL);
		assert_int_equal(rule_status(&g, "risk-signoff"), RULE_PASS);
		gate_free(&g);
		assert_int_equal(gate_evaluate(st, "collections-priority", 5, "production", 0, &g, &e), 0);
		assert_false(g.allow);
		assert_int_equal(rule_status(&g, "risk-signoff"), RULE_FAIL); /* the second risk officer */
		for (size_t i = 0; i < g.nres; i++)
			if (strcmp(g.res[i].rule->name, "risk-signoff") != 0)
				assert_int_equal(g.res[i].status, RULE_PASS);
		gate_free(&g);
	}
	assert_int_equal(audit_verify(st, &rep, &e), 0);
	assert_true(rep.approvals >= 8);
	assert_int_equal(registry_model_list(st, &l, &e), 0);
	assert_true(l.n >= 10);
	/* The list computes every model's summary in one pass: it must say what each model's own read says. */
	{
		int aliased = 0;

		for (size_t i = 0; i < l.n; i++) {
			struct reg_model one;

			assert_int_equal(registry_model_get(st, l.v[i].name, &one, &e), 0);
			assert_int_equal(l.v[i].id, one.id);
			assert_int_equal(l.v[i].n_versions, one.n_versions);
			assert_int_equal(l.v[i].production, one.production);
			assert_int_equal(l.v[i].staging, one.staging);
			assert_int_equal(l.v[i].last_change, one.last_change);
			aliased += one.production > 0;
			registry_model_clear(&one);
		}
		assert_true(aliased > 0);
	}
	/* The models list reads every model's mark at once: it must say what each model's own read says. */
	{
		struct monitor_model_mark *mk;
		size_t nmk, j = 0;

		assert_int_equal(monitor_mark_models(st, &mk, &nmk, &e), 0);
		assert_int_equal(nmk, 2); /* the demo's two alerts: fraud-scoring, and loan-default-pd with its drift */
		for (size_t i = 0; i < l.n; i++) {
			struct monitor_mark one;

			assert_int_equal(monitor_mark_model(st, l.v[i].name, &one, &e), 0);
			if (j < nmk && strcmp(mk[j].model, l.v[i].name) == 0) {
				assert_int_equal(mk[j].m.firing, one.firing);
				assert_int_equal(mk[j].m.worst, one.worst);
				assert_int_equal(mk[j].m.drift_over, one.drift_over);
				j++;
			} else {
				assert_int_equal(one.firing + one.drift_over, 0);
			}
		}
		assert_int_equal(j, nmk);
		monitor_mark_models_free(mk);
	}
	for (size_t i = 0; i < l.n; i++) {
		struct reg_versions vl;

		tiers[l.v[i].tier]++;
		assert_true(l.v[i].n_versions >= 3 && l.v[i].n_versions <= 8);
		assert_true(l.v[i].production > 0);
		assert_int_equal(registry_version_list(st, l.v[i].name, &vl, &e), 0);
		for (size_t k = 0; k < vl.n; k++) {
			struct card c;

			assert_int_equal(registry_card_get(st, l.v[i].name, vl.v[k].version, &c, &e), 0);
			for (int r = 0; card_required_sections[r]; r++)
				if (card_find(&c, card_required_sections[r]) == NULL)
					missing++;
			card_free(&c);
		}
		registry_versions_free(&vl);
	}
	for (int t = 0; t < TIER_COUNT; t++)
		assert_true(tiers[t] > 0);
	assert_true(missing > 0); /* some cards have gaps */
	registry_models_free(&l);
	/* a second build into a populated store is refused, not doubled */
	assert_int_equal(demo_build(st, keydir, "policies", &e), -1);
	assert_non_null(strstr(e.msg, "not empty"));
	for (int i = 0; i < DEMO_PERSONAS; i++) {
		snprintf(p, sizeof p, "%s/%s.key", keydir, demo_personas[i].name);
		unlink(p);
		snprintf(p, sizeof p, "%s/%s.key.pub", keydir, demo_personas[i].name);
		unlink(p);
	}
	rmdir(keydir);
	snprintf(p, sizeof p, "%s-policies", dbpath);
	rmdir(p);
	snprintf(p, sizeof p, "%s.logkey", dbpath);
	unlink(p);
}

/* An entry appended without its actor's signature, or with a signature
 * copied from another entry, fails the audit: the attacker who can write
 * the store cannot speak for an admin. */
static void test_unsigned_act_refused(void **state)
{
	struct store *st = *state;
	struct err e = { 0 };
	struct audit_report rep;
	json_t *data = json_pack("{s:s, s:s, s:I, s:n}", "model", "m", "alias", "production", "version",
				 (json_int_t)1, "previous");

	assert_int_equal(registry_model_add(st, &tester, "m", TIER_LOW, "o", "", &e), 0);
	assert_int_equal(registry_version_add(st, &tester, "m", "s3://b/m/1", D1, "", "", 0, NULL, &e), 0);
	assert_int_equal(registry_alias_set(st, &tester, "m", "staging", 1, &e), 0);
	assert_int_equal(audit_verify(st, &rep, &e), 0);
	assert_int_equal(store_begin(st, &e), 0);
	assert_int_equal(ledger_append(st, "tester", "alias.set", "models:/m/1", data, NULL, &e), 0);
	assert_int_equal(store_commit(st, &e), 0);
	json_decref(data);
	assert_int_equal(audit_verify(st, &rep, &e), -1);
	assert_non_null(strstr(e.msg, "alias.set by tester is not signed by its actor"));
	/* even the sig column cannot be rewritten in place: the guard rail refuses it */
	assert_int_equal(peer_exec(st, "UPDATE ledger SET sig = (SELECT sig FROM ledger WHERE sig IS NOT NULL"
				       " ORDER BY seq DESC LIMIT 1) WHERE seq = (SELECT max(seq) FROM ledger)") !=
				 SQLITE_OK,
			 1); /* the trigger refuses the update */
}

#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_model_add_get_list), T(test_model_bad_input), T(test_tier_and_version_parse),
		T(test_versions_and_aliases), T(test_tags), T(test_cards_and_metrics), T(test_unsigned_act_refused),
		cmocka_unit_test_setup_teardown(test_demo_estate, setup_bare, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
