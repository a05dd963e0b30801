/* test_dsse: PAE against the DSSE specification's example, envelope round trip and forgeries. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "dsse.h"

/* 64 bytes of base64 and eight signatures that carry them */
#define SIG64 "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=="
#define SIG1 "{\"keyid\":\"a\",\"sig\":\"" SIG64 "\"},"
#define SIG9 SIG1 SIG1 SIG1 SIG1 SIG1 SIG1 SIG1 SIG1

static void test_pae_vector(void **state)
{
	uint8_t *p;
	size_t n;
	const char *want = "DSSEv1 29 http://example.com/HelloWorld 11 hello world";

	(void)state;
	assert_int_equal(dsse_pae("http://example.com/HelloWorld", "hello world", 11, &p, &n), 0);
	assert_int_equal(n, strlen(want));
	assert_memory_equal(p, want, n);
	free(p);
	/* empty type and body still have both lengths */
	assert_int_equal(dsse_pae("", "", 0, &p, &n), 0);
	assert_int_equal(n, 12);
	assert_memory_equal(p, "DSSEv1 0  0 ", 12);
	free(p);
}

static void test_sign_verify(void **state)
{
	char dir[] = "/tmp/steward-dsse-XXXXXX", path[64], pub[80];
	struct key_secret *k = NULL;
	struct key_public other;
	struct err e = { 0 };
	struct dsse d;
	char *env, *at;

	(void)state;
	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof path, "%s/k", dir);
	snprintf(pub, sizeof pub, "%s.pub", path);
	assert_int_equal(keys_generate("signer", path, "a long passphrase", 17, &e), 0);
	assert_int_equal(keys_load_secret(path, "a long passphrase", 17, &k, &e), 0);
	env = dsse_sign(DSSE_INTOTO_TYPE, "{\"a\":1}", 7, k, &e);
	assert_non_null(env);
	assert_int_equal(dsse_parse(env, strlen(env), &d, &e), 0);
	assert_string_equal(d.payload_type, DSSE_INTOTO_TYPE);
	assert_int_equal(d.payload_len, 7);
	assert_memory_equal(d.payload, "{\"a\":1}", 7);
	assert_true(dsse_verify(&d, k->pk, k->id));
	/* wrong key id, wrong key, changed type, changed payload */
	assert_false(dsse_verify(&d, k->pk, "0000000000000000"));
	memset(&other, 0, sizeof other);
	assert_false(dsse_verify(&d, other.pk, k->id));
	d.payload_type[0] = 'x';
	assert_false(dsse_verify(&d, k->pk, k->id));
	d.payload_type[0] = 'a';
	d.payload[5] = '2';
	assert_false(dsse_verify(&d, k->pk, k->id));
	dsse_free(&d);
	/* a forged envelope whose payload was swapped in the JSON */
	at = strstr(env, "\"payload\":\"");
	assert_non_null(at);
	at[11] = at[11] == 'A' ? 'B' : 'A';
	assert_int_equal(dsse_parse(env, strlen(env), &d, &e), 0);
	assert_false(dsse_verify(&d, k->pk, k->id));
	dsse_free(&d);
	free(env);
	keys_secret_free(k);
	unlink(path);
	unlink(pub);
	rmdir(dir);
}

static void dsse_same(const struct dsse *a, const struct dsse *b)
{
	assert_string_equal(a->payload_type, b->payload_type);
	assert_int_equal(a->payload_len, b->payload_len);
	assert_memory_equal(a->payload, b->payload, a->payload_len);
	assert_int_equal(a->nsigs, b->nsigs);
	assert_memory_equal(a->sigs, b->sigs, sizeof a->sigs);
}

/* steward's own envelopes are read without a JSON parse: any other
 * spelling of the same envelope goes through the parser and must read
 * the same, and what only looks like steward's shape is still judged. */
static void test_two_readings(void **state)
{
	const char *env = "{\"payload\":\"eyJhIjoxfQ==\",\"payloadType\":\"t/x\",\"signatures\":["
			  "{\"keyid\":\"ab12\",\"sig\":\"" SIG64 "\"},{\"keyid\":\"\",\"sig\":\"" SIG64 "\"}]}";
	const char *other[] = {
		" {\"payload\":\"eyJhIjoxfQ==\",\"payloadType\":\"t/x\",\"signatures\":["
		"{\"keyid\":\"ab12\",\"sig\":\"" SIG64 "\"},{\"keyid\":\"\",\"sig\":\"" SIG64 "\"}]}\n",
		"{\"payloadType\":\"t\\/x\",\"payload\":\"eyJhIjoxfQ\\u003d=\",\"signatures\":["
		"{\"sig\":\"" SIG64 "\",\"keyid\":\"ab12\"},{\"sig\":\"" SIG64 "\"}]}",
	};
	const char *bad[] = {
		/* trailing bytes, a ninth signature, a key id too long, a 3-byte sig */
		"{\"payload\":\"e30=\",\"payloadType\":\"t\",\"signatures\":[{\"keyid\":\"a\",\"sig\":\"" SIG64 "\"}]}x",
		"{\"payload\":\"e30=\",\"payloadType\":\"t\",\"signatures\":[" SIG9 "{\"keyid\":\"a\",\"sig\":\"" SIG64 "\"}]}",
		"{\"payload\":\"e30=\",\"payloadType\":\"t\",\"signatures\":[{\"keyid\":\"0123456789abcdef0\",\"sig\":\"" SIG64 "\"}]}",
		"{\"payload\":\"e30=\",\"payloadType\":\"t\",\"signatures\":[{\"keyid\":\"a\",\"sig\":\"AAAA\"}]}",
	};
	struct err e = { 0 };
	struct dsse d, o;

	(void)state;
	assert_int_equal(dsse_parse(env, strlen(env), &d, &e), 0);
	assert_string_equal(d.payload_type, "t/x");
	assert_int_equal(d.payload_len, 7);
	assert_memory_equal(d.payload, "{\"a\":1}", 7);
	assert_int_equal(d.nsigs, 2);
	assert_string_equal(d.sigs[0].keyid, "ab12");
	assert_string_equal(d.sigs[1].keyid, "");
	for (size_t i = 0; i < sizeof other / sizeof other[0]; i++) {
		assert_int_equal(dsse_parse(other[i], strlen(other[i]), &o, &e), 0);
		dsse_same(&d, &o);
		dsse_free(&o);
	}
	dsse_free(&d);
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		assert_int_equal(dsse_parse(bad[i], strlen(bad[i]), &d, &e), -1);
		assert_non_null(strstr(e.msg, "DSSE envelope"));
	}
}

static void test_malformed(void **state)
{
	struct err e = { 0 };
	struct dsse d;
	const char *bad[] = {
		"",
		"[]",
		"{\"payload\":\"e30=\"}",
		"{\"payload\":\"***\",\"payloadType\":\"t\",\"signatures\":[{\"keyid\":\"\",\"sig\":\"AA==\"}]}",
		"{\"payload\":\"e30=\",\"payloadType\":\"t\",\"signatures\":[]}",
		"{\"payload\":\"e30=\",\"payloadType\":\"t\",\"signatures\":[{\"sig\":\"AA==\"}]}",
		"{\"payload\":\"e30=\",\"payload\":\"e30=\",\"payloadType\":\"t\",\"signatures\":[]}",
	};

	(void)state;
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		assert_int_equal(dsse_parse(bad[i], strlen(bad[i]), &d, &e), -1);
		assert_non_null(strstr(e.msg, "DSSE envelope"));
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_pae_vector),
		cmocka_unit_test(test_sign_verify),
		cmocka_unit_test(test_two_readings),
		cmocka_unit_test(test_malformed),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
