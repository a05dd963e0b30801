/* test_jspan: finding a member's bytes in a JSON text, and that a gate's evidence inside a canonical entry body is byte for byte its own canonical form. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "jspan.h"

static void member_is(const char *text, const char *key, const char *want)
{
	const char *v = NULL;
	size_t n = 0;

	if (want == NULL) {
		assert_int_equal(jspan_member(text, strlen(text), key, &v, &n), -1);
		return;
	}
	assert_int_equal(jspan_member(text, strlen(text), key, &v, &n), 0);
	assert_int_equal(n, strlen(want));
	assert_memory_equal(v, want, n);
}

static void test_members(void **state)
{
	const char *t = " { \"a\" : 1 , \"b\":\"x\\\"}]\\\\\",\"c\":{\"a\":[1,{\"d\":\"}\"}],\"e\":null},\"d\":true,"
			"\"f\":-1.5e3 }";

	(void)state;
	member_is(t, "a", "1");
	member_is(t, "b", "\"x\\\"}]\\\\\"");
	member_is(t, "c", "{\"a\":[1,{\"d\":\"}\"}],\"e\":null}");
	member_is(t, "d", "true");
	member_is(t, "f", "-1.5e3");
	member_is(t, "e", NULL); /* only inside c */
	member_is(t, "", NULL);
	/* a key written with an escape is not looked for */
	member_is("{\"ke\\u0079\":1}", "key", NULL);
	member_is("{\"key\":1}", "key", "1");
	/* not an object, or cut short anywhere: nothing, and no byte past the end */
	member_is("[1]", "a", NULL);
	member_is("", "a", NULL);
	{
		const char *whole = "{\"a\":{\"b\":[1,2]},\"z\":\"q\"}";
		size_t cut;

		for (cut = 0; cut < strlen(whole); cut++) {
			char *part = malloc(cut ? cut : 1);
			const char *v;
			size_t n;

			assert_non_null(part);
			memcpy(part, whole, cut);
			if (jspan_member(part, cut, "z", &v, &n) == 0)
				fail_msg("found z in the first %zu bytes", cut);
			free(part);
		}
	}
}

/* What replay relies on: the gate hashed json_dumps(evidence) with the
 * flags the ledger writes its bodies with, so inside a body the evidence's
 * bytes are that same text. */
static void test_evidence_bytes(void **state)
{
	const size_t flags = JSON_COMPACT | JSON_SORT_KEYS | JSON_ENSURE_ASCII;
	json_t *ev = json_pack("{s:s, s:f, s:[{s:s, s:f}, {s:s, s:f}], s:s, s:b, s:n, s:{}, s:I}", "model", "fraud\u00e9\"x",
			       "auc", 0.1 + 0.2, "metrics", "name", "auc", "value", 0.9004, "name", "f1", "value", 1e-300,
			       "now", "2024-09-20T15:27:27Z", "digest_verified", 1, "previous", "stages", "version",
			       (json_int_t)9007199254740993LL);
	json_t *body;
	char *canon, *text;
	const char *data, *v;
	size_t dn, n;

	(void)state;
	assert_non_null(ev);
	canon = json_dumps(ev, flags);
	body = json_pack("{s:s, s:{s:s, s:O, s:s}, s:I}", "actor", "mei", "data", "alias", "prod", "evidence", ev,
			 "zz", "}", "seq", (json_int_t)7);
	assert_non_null(body);
	text = json_dumps(body, flags);
	assert_non_null(text);
	assert_int_equal(jspan_member(text, strlen(text), "data", &data, &dn), 0);
	assert_int_equal(jspan_member(data, dn, "evidence", &v, &n), 0);
	assert_int_equal(n, strlen(canon));
	assert_memory_equal(v, canon, n);
	free(text);
	free(canon);
	json_decref(body);
	json_decref(ev);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_members),
		cmocka_unit_test(test_evidence_bytes),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
