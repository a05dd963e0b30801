/* test_keyfile: key pair round trip and every way a key file can be wrong. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "keys.h"

static char dir[64];
static char sk[128], pk[160];

static int setup(void **state)
{
	struct err e = { 0 };

	(void)state;
	snprintf(dir, sizeof dir, "/tmp/steward-keys-XXXXXX");
	if (mkdtemp(dir) == NULL)
		return -1;
	snprintf(sk, sizeof sk, "%s/alice.key", dir);
	snprintf(pk, sizeof pk, "%s.pub", sk);
	return keys_generate("alice", sk, "correct horse", 13, &e);
}

static int teardown(void **state)
{
	char cmd[200];

	(void)state;
	/* The test directory holds only files this test made. */
	snprintf(cmd, sizeof cmd, "%s/alice.key", dir);
	unlink(cmd);
	snprintf(cmd, sizeof cmd, "%s/alice.key.pub", dir);
	unlink(cmd);
	snprintf(cmd, sizeof cmd, "%s/bad", dir);
	unlink(cmd);
	rmdir(dir);
	return 0;
}

static void write_file(const char *path, const char *data, size_t len, mode_t mode)
{
	FILE *f;

	unlink(path);
	f = fopen(path, "wb");
	assert_non_null(f);
	assert_int_equal(fwrite(data, 1, len, f), len);
	fclose(f);
	chmod(path, mode);
}

static char *slurp(const char *path, size_t *len)
{
	static char buf[8192];
	FILE *f = fopen(path, "rb");

	assert_non_null(f);
	*len = fread(buf, 1, sizeof buf - 1, f);
	buf[*len] = '\0';
	fclose(f);
	return buf;
}

static void test_round_trip(void **state)
{
	struct key_secret *k = NULL;
	struct key_public p;
	struct err e = { 0 };
	struct stat sb;
	uint8_t sig[KEYS_SIG_BYTES];

	(void)state;
	assert_int_equal(stat(sk, &sb), 0);
	assert_int_equal(sb.st_mode & 0777, 0600);
	assert_int_equal(keys_load_secret(sk, "correct horse", 13, &k, &e), 0);
	assert_int_equal(keys_load_public(pk, &p, &e), 0);
	assert_string_equal(p.name, "alice");
	assert_memory_equal(p.pk, k->pk, KEYS_PK_BYTES);
	assert_string_equal(p.id, k->id);
	assert_int_equal(strlen(p.id), KEYS_ID_HEX);
	keys_sign(k, "msg", 3, sig);
	assert_true(keys_verify(p.pk, "msg", 3, sig));
	assert_false(keys_verify(p.pk, "msG", 3, sig));
	sig[0] ^= 1;
	assert_false(keys_verify(p.pk, "msg", 3, sig));
	keys_secret_free(k);
	/* never overwritten */
	assert_int_equal(keys_generate("alice", sk, "another pass", 12, &e), -1);
	assert_non_null(strstr(e.msg, "already exists"));
}

static void test_refusals(void **state)
{
	struct key_secret *k = NULL;
	struct key_public p;
	struct err e = { 0 };
	char bad[128], *text, *at;
	size_t len;

	(void)state;
	snprintf(bad, sizeof bad, "%s/bad", dir);
	assert_int_equal(keys_load_secret(sk, "wrong", 5, &k, &e), -1);
	assert_non_null(strstr(e.msg, "wrong passphrase"));
	assert_null(k);

	text = slurp(sk, &len);
	/* truncated */
	write_file(bad, text, len / 2, 0600);
	assert_int_equal(keys_load_secret(bad, "correct horse", 13, &k, &e), -1);
	assert_non_null(strstr(e.msg, "truncated"));
	/* loose permissions */
	write_file(bad, text, len, 0644);
	assert_int_equal(keys_load_secret(bad, "correct horse", 13, &k, &e), -1);
	assert_non_null(strstr(e.msg, "chmod 600"));
	/* header edited to weaker limits: caught by the sealed copy */
	at = strstr(text, "ops=2");
	assert_non_null(at);
	at[4] = '1';
	write_file(bad, text, len, 0600);
	assert_int_equal(keys_load_secret(bad, "correct horse", 13, &k, &e), -1);
	at[4] = '2';
	/* foreign file */
	write_file(bad, "-----BEGIN OPENSSH PRIVATE KEY-----\n", 36, 0600);
	assert_int_equal(keys_load_secret(bad, "x", 1, &k, &e), -1);
	assert_non_null(strstr(e.msg, "not a steward secret key"));
	/* public key given where a secret key is needed, and the reverse */
	text = slurp(pk, &len);
	write_file(bad, text, len, 0600);
	assert_int_equal(keys_load_secret(bad, "x", 1, &k, &e), -1);
	assert_non_null(strstr(e.msg, "public key"));
	assert_int_equal(keys_load_public(sk, &p, &e), -1);
	assert_non_null(strstr(e.msg, "SECRET"));
	/* damaged public key */
	write_file(bad, "steward public key v1\nname: bob\ned25519: AAAA\n", 46, 0644);
	assert_int_equal(keys_load_public(bad, &p, &e), -1);
	assert_non_null(strstr(e.msg, "32 bytes"));
	assert_int_equal(keys_load_secret("/nonexistent/k", "x", 1, &k, &e), -1);
	assert_int_equal(e.kind, ERR_NOTFOUND);
	assert_int_equal(keys_generate("bad name!", bad, "pass", 4, &e), -1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_round_trip),
		cmocka_unit_test(test_refusals),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
