/* test_keyfile: key pair round trip and every way a key file can be wrong. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <sodium.h>

#include "keys.h"

#define PASS "correct horse battery"
/* Whether the process could dump core before any key was made. */
static int dumpable_before;

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
	return keys_generate("alice", sk, PASS, strlen(PASS), &e);
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
	assert_int_equal(keys_load_secret(sk, PASS, strlen(PASS), &k, &e), 0);
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
	/* made and opened at once: the same key the file gives */
	{
		struct key_secret *made = NULL, *opened = NULL;
		char two[160];
		uint8_t sig2[KEYS_SIG_BYTES];

		snprintf(two, sizeof two, "%s/bad", dir);
		assert_int_equal(keys_generate_open("bob", two, PASS, strlen(PASS), &made, &e), 0);
		assert_non_null(made);
		assert_int_equal(keys_load_secret(two, PASS, strlen(PASS), &opened, &e), 0);
		assert_string_equal(made->id, opened->id);
		assert_string_equal(made->name, "bob");
		keys_sign(made, "msg", 3, sig);
		keys_sign(opened, "msg", 3, sig2);
		assert_memory_equal(sig, sig2, sizeof sig);
		keys_secret_free(made);
		keys_secret_free(opened);
		unlink(two);
		snprintf(two, sizeof two, "%s/bad.pub", dir);
		unlink(two);
		/* refused: no key given back */
		made = (struct key_secret *)1;
		assert_int_equal(keys_generate_open("bob", sk, PASS, strlen(PASS), &made, &e), -1);
		assert_null(made);
	}
	/* never overwritten */
	assert_int_equal(keys_generate("alice", sk, "another passphrase here", 23, &e), -1);
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
	assert_int_equal(keys_load_secret(bad, PASS, strlen(PASS), &k, &e), -1);
	assert_non_null(strstr(e.msg, "truncated"));
	/* loose permissions */
	write_file(bad, text, len, 0644);
	assert_int_equal(keys_load_secret(bad, PASS, strlen(PASS), &k, &e), -1);
	assert_non_null(strstr(e.msg, "chmod 600"));
	/* header edited to weaker limits: caught by the sealed copy */
	at = strstr(text, "ops=");
	assert_non_null(at);
	at[4] = at[4] == '1' ? '2' : '1';
	write_file(bad, text, len, 0600);
	assert_int_equal(keys_load_secret(bad, PASS, strlen(PASS), &k, &e), -1);
	text = slurp(sk, &len);
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
	assert_int_equal(keys_generate("bad name!", bad, "a long passphrase", 17, &e), -1);
}

/* Writes path as a steward secret key file sealed by hand at the given
 * Argon2id limits, as an older steward (or a hostile one) would have. */
static void seal_at(const char *path, const char *pass, unsigned long long ops, size_t mem)
{
	uint8_t salt[crypto_pwhash_SALTBYTES], nonce[crypto_secretbox_NONCEBYTES];
	uint8_t key[crypto_secretbox_KEYBYTES], seed[crypto_sign_SEEDBYTES];
	uint8_t plain[400], sealed[400 + crypto_secretbox_MACBYTES];
	char line[300], salthex[sizeof salt * 2 + 1], noncehex[sizeof nonce * 2 + 1];
	char b64[700], file[1200];
	size_t llen;

	randombytes_buf(salt, sizeof salt);
	randombytes_buf(nonce, sizeof nonce);
	randombytes_buf(seed, sizeof seed);
	sodium_bin2hex(salthex, sizeof salthex, salt, sizeof salt);
	sodium_bin2hex(noncehex, sizeof noncehex, nonce, sizeof nonce);
	snprintf(line, sizeof line, "kdf: argon2id13 ops=%llu mem=%zu salt=%s name=old\n", ops, mem,
		 salthex);
	llen = strlen(line);
	memcpy(plain, line, llen);
	memcpy(plain + llen, seed, sizeof seed);
	assert_int_equal(crypto_pwhash(key, sizeof key, pass, strlen(pass), salt, ops, mem,
				       crypto_pwhash_ALG_ARGON2ID13),
			 0);
	crypto_secretbox_easy(sealed, plain, llen + sizeof seed, nonce, key);
	sodium_bin2base64(b64, sizeof b64, sealed, llen + sizeof seed + crypto_secretbox_MACBYTES,
			  sodium_base64_VARIANT_ORIGINAL);
	snprintf(file, sizeof file, "steward secret key v1\n%snonce: %s\nsealed: %s\n", line,
		 noncehex, b64);
	write_file(path, file, strlen(file), 0600);
}

/* Only a file's limits out of range: everything else in it is right. */
static void expect_limits_refused(const char *path, const char *from, const char *to)
{
	struct key_secret *k = NULL;
	struct err e = { 0 };
	char *text, *at, edited[8192];
	size_t len, n = strlen(from);

	text = slurp(path, &len);
	at = strstr(text, from);
	assert_non_null(at);
	snprintf(edited, sizeof edited, "%.*s%s%s", (int)(at - text), text, to, at + n);
	write_file(path, edited, strlen(edited), 0600);
	assert_int_equal(keys_load_secret(path, "old passphrase here", 19, &k, &e), -1);
	assert_null(k);
	assert_non_null(strstr(e.msg, path));
	assert_non_null(strstr(e.msg, "out of range"));
	/* said before any passphrase is asked for */
	assert_int_equal(keys_inspect_secret(path, (char[KEYS_NAME_MAX + 1]){ 0 }, &(unsigned){ 0 }, &e),
			 -1);
	assert_non_null(strstr(e.msg, "out of range"));
}

static void test_kdf_limits(void **state)
{
	struct key_secret *k = NULL;
	struct err e = { 0 };
	unsigned long long ops;
	size_t mem;
	char old[128];

	(void)state;
	/* New files: MODERATE unless the tests' build is told otherwise. */
	assert_int_equal(unsetenv("STEWARD_TEST_KDF"), 0);
	keys_kdf_limits(&ops, &mem);
	assert_true(ops >= crypto_pwhash_argon2id_OPSLIMIT_MODERATE);
	assert_true(mem >= crypto_pwhash_argon2id_MEMLIMIT_MODERATE);
	assert_true(mem >= 256u * 1024 * 1024);
	assert_int_equal(setenv("STEWARD_TEST_KDF", "fast", 1), 0);
	keys_kdf_limits(&ops, &mem);
	assert_int_equal(ops, crypto_pwhash_argon2id_OPSLIMIT_MIN);
	assert_int_equal(mem, crypto_pwhash_argon2id_MEMLIMIT_MIN);

	/* A file sealed at INTERACTIVE (every key before MODERATE) still opens. */
	snprintf(old, sizeof old, "%s/bad", dir);
	seal_at(old, "old passphrase here", crypto_pwhash_argon2id_OPSLIMIT_INTERACTIVE,
		crypto_pwhash_argon2id_MEMLIMIT_INTERACTIVE);
	assert_int_equal(keys_load_secret(old, "old passphrase here", 19, &k, &e), 0);
	assert_string_equal(k->name, "old");
	keys_secret_free(k);

	/* Below libsodium's minimum, or more than anyone should spend. */
	seal_at(old, "old passphrase here", 1, 8192);
	assert_int_equal(keys_load_secret(old, "old passphrase here", 19, &k, &e), 0);
	keys_secret_free(k);
	expect_limits_refused(old, "ops=1 ", "ops=0 ");
	seal_at(old, "old passphrase here", 1, 8192);
	expect_limits_refused(old, "mem=8192 ", "mem=4096 ");
	seal_at(old, "old passphrase here", 1, 8192);
	expect_limits_refused(old, "ops=1 ", "ops=17 ");
	seal_at(old, "old passphrase here", 1, 8192);
	expect_limits_refused(old, "mem=8192 ", "mem=8589934592 ");
	seal_at(old, "old passphrase here", 1, 8192);
	expect_limits_refused(old, "mem=8192 ", "mem=18446744073709551615 ");
}

static double since(const struct timespec *t0)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)(t.tv_sec - t0->tv_sec) * 1000 + (double)(t.tv_nsec - t0->tv_nsec) / 1e6;
}

/* Each wrong passphrase in a row waits twice as long; a right one resets. */
static void test_wrong_wait(void **state)
{
	struct key_secret *k = NULL;
	struct err e = { 0 };
	struct timespec t0;
	unsigned i, want;
	double took;

	(void)state;
	assert_int_equal(unsetenv("STEWARD_TEST_WAIT_MS"), 0);
	assert_int_equal(keys_wrong_wait_ms(0), 0);
	assert_int_equal(keys_wrong_wait_ms(1), 1000);
	assert_int_equal(keys_wrong_wait_ms(2), 2000);
	assert_int_equal(keys_wrong_wait_ms(3), 4000);
	assert_int_equal(keys_wrong_wait_ms(5), 16000);
	assert_int_equal(keys_wrong_wait_ms(6), 30000);
	assert_int_equal(keys_wrong_wait_ms(4000000000u), 30000);

	assert_int_equal(setenv("STEWARD_TEST_WAIT_MS", "25", 1), 0);
	assert_int_equal(keys_load_secret(sk, PASS, strlen(PASS), &k, &e), 0);
	keys_secret_free(k);
	assert_int_equal(keys_wrong_count(), 0);
	for (i = 1, want = 25; i <= 3; i++, want *= 2) {
		clock_gettime(CLOCK_MONOTONIC, &t0);
		assert_int_equal(keys_load_secret(sk, "not the passphrase", 18, &k, &e), -1);
		took = since(&t0);
		assert_int_equal(e.kind, ERR_DENIED);
		assert_int_equal(keys_wrong_count(), i);
		assert_int_equal(keys_wrong_last_ms(), want);
		assert_true(took >= want);
		assert_non_null(strstr(e.msg, i == 1 ? "wrong 1 time in a row" : "times in a row"));
	}
	assert_non_null(strstr(e.msg, "held back 0.100 s"));
	/* the right passphrase resets the count, and has no wait */
	assert_int_equal(keys_load_secret(sk, PASS, strlen(PASS), &k, &e), 0);
	keys_secret_free(k);
	assert_int_equal(keys_wrong_count(), 0);
	assert_int_equal(keys_load_secret(sk, "not the passphrase", 18, &k, &e), -1);
	assert_int_equal(keys_wrong_last_ms(), 25);
	/* a damaged file is not a wrong passphrase: no wait, no count */
	assert_int_equal(keys_load_secret("/nonexistent/k", PASS, strlen(PASS), &k, &e), -1);
	assert_int_equal(keys_wrong_count(), 1);
	assert_int_equal(setenv("STEWARD_TEST_WAIT_MS", "0", 1), 0);
	assert_int_equal(keys_load_secret(sk, PASS, strlen(PASS), &k, &e), 0);
	keys_secret_free(k);
}

/* The console's deferred wait: a wrong passphrase is answered at once and
 * the wait falls before the next try, which sleeps out what is left of it.
 * Last in the file: the mode cannot be turned off again in this process. */
static void test_wrong_wait_deferred(void **state)
{
	struct key_secret *k = NULL;
	struct err e = { 0 };
	struct timespec t0;
	double took;

	(void)state;
	assert_int_equal(setenv("STEWARD_TEST_WAIT_MS", "1000", 1), 0);
	assert_int_equal(keys_load_secret(sk, PASS, strlen(PASS), &k, &e), 0);
	keys_secret_free(k);
	assert_int_equal(keys_wrong_wait_left_ms(), 0);
	keys_wrong_wait_defer();
	clock_gettime(CLOCK_MONOTONIC, &t0);
	assert_int_equal(keys_load_secret(sk, "not the passphrase", 18, &k, &e), -1);
	took = since(&t0);
	assert_int_equal(keys_wrong_last_ms(), 1000);
	if (!(took < 1000))
		fail_msg("a deferred wrong passphrase took %.1f ms: it slept the wait", took);
	assert_true(keys_wrong_wait_left_ms() > 0 && keys_wrong_wait_left_ms() <= 1000);
	/* tried before the wait is over: the rest is slept first, right passphrase or not */
	assert_int_equal(keys_load_secret(sk, PASS, strlen(PASS), &k, &e), 0);
	keys_secret_free(k);
	assert_true(since(&t0) >= 1000);
	assert_int_equal(keys_wrong_wait_left_ms(), 0);
	assert_int_equal(keys_wrong_count(), 0);
	assert_int_equal(setenv("STEWARD_TEST_WAIT_MS", "0", 1), 0);
}

/* Once a key was loaded the process cannot dump core (nor be attached to). */
static void test_no_dumps(void **state)
{
	struct key_secret *k = NULL;
	struct err e = { 0 };
	struct rlimit rl;

	(void)state;
	assert_int_equal(dumpable_before, 1);
	assert_int_equal(keys_load_secret(sk, PASS, strlen(PASS), &k, &e), 0);
	assert_int_equal(prctl(PR_GET_DUMPABLE, 0, 0, 0, 0), 0);
	assert_int_equal(getrlimit(RLIMIT_CORE, &rl), 0);
	assert_int_equal(rl.rlim_cur, 0);
	assert_int_equal(rl.rlim_max, 0);
	keys_secret_free(k);
	/* and they stay off after the key is freed */
	assert_int_equal(prctl(PR_GET_DUMPABLE, 0, 0, 0, 0), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_round_trip),
		cmocka_unit_test(test_refusals),
		cmocka_unit_test(test_kdf_limits),
		cmocka_unit_test(test_wrong_wait),
		cmocka_unit_test(test_no_dumps),
		cmocka_unit_test(test_wrong_wait_deferred),
	};

	dumpable_before = prctl(PR_GET_DUMPABLE, 0, 0, 0, 0);

	return cmocka_run_group_tests(tests, setup, teardown);
}
