/* test_passphrase: passphrase sources (file, environment, none) give exactly the bytes that unlock a key; key files inspected without it. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "keys.h"
#include "passphrase.h"

static char dir[64];
static char pf[128], sk[128], pk[160];

static int setup(void **state)
{
	(void)state;
	snprintf(dir, sizeof dir, "/tmp/steward-pass-XXXXXX");
	if (mkdtemp(dir) == NULL)
		return -1;
	snprintf(pf, sizeof pf, "%s/pass", dir);
	snprintf(sk, sizeof sk, "%s/k.key", dir);
	snprintf(pk, sizeof pk, "%s.pub", sk);
	return unsetenv("STEWARD_PASSPHRASE");
}

static int teardown(void **state)
{
	(void)state;
	/* The test directory holds only files this test made. */
	unlink(pf);
	unlink(sk);
	unlink(pk);
	rmdir(dir);
	return 0;
}

static void write_file(const char *path, const char *data, mode_t mode)
{
	FILE *f;

	unlink(path);
	f = fopen(path, "wb");
	assert_non_null(f);
	assert_int_equal(fwrite(data, 1, strlen(data), f), strlen(data));
	assert_int_equal(fclose(f), 0);
	assert_int_equal(chmod(path, mode), 0);
}

static void test_file(void **state)
{
	struct passphrase p;
	struct err e = { 0 };

	(void)state;
	write_file(pf, "pass one two three\nsecond line\n", 0600);
	assert_int_equal(passphrase_get(pf, PASSPHRASE_CREATE, "x: ", &p, &e), 0);
	assert_int_equal(p.len, 18);
	assert_memory_equal(p.buf, "pass one two three", 19);
	passphrase_free(&p);
	assert_null(p.buf);
	passphrase_free(&p); /* twice is harmless */

	write_file(pf, "crlf\r\n", 0600);
	assert_int_equal(passphrase_get(pf, PASSPHRASE_UNLOCK, "x: ", &p, &e), 0);
	assert_int_equal(p.len, 4);
	assert_memory_equal(p.buf, "crlf", 5);
	passphrase_free(&p);

	write_file(pf, "no newline", 0400);
	assert_int_equal(passphrase_get(pf, PASSPHRASE_UNLOCK, "x: ", &p, &e), 0);
	assert_int_equal(p.len, 10);
	passphrase_free(&p);

	/* the file wins over the environment */
	assert_int_equal(setenv("STEWARD_PASSPHRASE", "from env", 1), 0);
	write_file(pf, "from file\n", 0600);
	assert_int_equal(passphrase_get(pf, PASSPHRASE_UNLOCK, "x: ", &p, &e), 0);
	assert_memory_equal(p.buf, "from file", 10);
	passphrase_free(&p);
	assert_int_equal(unsetenv("STEWARD_PASSPHRASE"), 0);
}

static void test_file_refusals(void **state)
{
	struct passphrase p;
	struct err e = { 0 };
	char big[PASSPHRASE_MAX + 10];

	(void)state;
	write_file(pf, "loose\n", 0644);
	assert_int_equal(passphrase_get(pf, PASSPHRASE_UNLOCK, "x: ", &p, &e), -1);
	assert_null(p.buf);
	assert_non_null(strstr(e.msg, "chmod 600"));
	assert_non_null(strstr(e.msg, pf));
	write_file(pf, "group\n", 0620);
	assert_int_equal(passphrase_get(pf, PASSPHRASE_UNLOCK, "x: ", &p, &e), -1);
	assert_non_null(strstr(e.msg, "chmod 600"));

	write_file(pf, "", 0600);
	assert_int_equal(passphrase_get(pf, PASSPHRASE_UNLOCK, "x: ", &p, &e), -1);
	assert_non_null(strstr(e.msg, "empty"));
	write_file(pf, "\nsecond\n", 0600);
	assert_int_equal(passphrase_get(pf, PASSPHRASE_UNLOCK, "x: ", &p, &e), -1);
	assert_non_null(strstr(e.msg, "empty"));

	memset(big, 'a', sizeof big - 1);
	big[sizeof big - 1] = '\0';
	write_file(pf, big, 0600);
	assert_int_equal(passphrase_get(pf, PASSPHRASE_UNLOCK, "x: ", &p, &e), -1);
	assert_non_null(strstr(e.msg, "longer than"));

	assert_int_equal(passphrase_get("/nonexistent/pass", PASSPHRASE_UNLOCK, "x: ", &p, &e), -1);
	assert_int_equal(e.kind, ERR_NOTFOUND);
	assert_int_equal(passphrase_get(dir, PASSPHRASE_UNLOCK, "x: ", &p, &e), -1);
	assert_non_null(strstr(e.msg, "not a regular file"));
}

/* NIST SP 800-63B rev. 4: at least 15 characters, any characters, no
 * composition rules; counted in characters, not bytes. */
static void test_length_rule(void **state)
{
	struct passphrase p;
	struct err e = { 0 };
	char big[PASSPHRASE_MAX + 1];

	(void)state;
	write_file(pf, "short\n", 0600);
	assert_int_equal(passphrase_get(pf, PASSPHRASE_CREATE, "x: ", &p, &e), -1);
	assert_null(p.buf);
	assert_non_null(strstr(e.msg, pf));
	assert_non_null(strstr(e.msg, "5 characters, at least 15"));
	/* spaces and punctuation count; nothing else is asked for */
	write_file(pf, "a b c d e f g h\n", 0600);
	assert_int_equal(passphrase_get(pf, PASSPHRASE_CREATE, "x: ", &p, &e), 0);
	passphrase_free(&p);
	write_file(pf, "!!!!!!!!!!!!!!!\n", 0600);
	assert_int_equal(passphrase_get(pf, PASSPHRASE_CREATE, "x: ", &p, &e), 0);
	passphrase_free(&p);
	/* 14 two-byte characters are 28 bytes but still too few characters */
	write_file(pf, "\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9"
		       "\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\n", 0600);
	assert_int_equal(passphrase_get(pf, PASSPHRASE_CREATE, "x: ", &p, &e), -1);
	assert_non_null(strstr(e.msg, "14 characters"));
	write_file(pf, "\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9"
		       "\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\n", 0600);
	assert_int_equal(passphrase_get(pf, PASSPHRASE_CREATE, "x: ", &p, &e), 0);
	passphrase_free(&p);
	/* the longest accepted (well over the 64 the guidance asks for) seals a key */
	memset(big, 'w', sizeof big - 1);
	big[sizeof big - 1] = '\0';
	assert_int_equal(keys_pass_check(big, PASSPHRASE_MAX, &e), 0);
	assert_int_equal(keys_pass_check(big, PASSPHRASE_MAX + 1, &e), -1);
	assert_non_null(strstr(e.msg, "longer than"));
	/* core refuses a short one whoever calls it */
	assert_int_equal(keys_generate("kay", sk, "fourteen chars", 14, &e), -1);
	assert_non_null(strstr(e.msg, "at least 15"));
	assert_int_equal(access(sk, F_OK), -1);
}

static void test_env_and_none(void **state)
{
	struct passphrase p;
	struct err e = { 0 };
	int saved, null;

	(void)state;
	assert_int_equal(setenv("STEWARD_PASSPHRASE", "env pass phrase", 1), 0);
	assert_int_equal(passphrase_get(NULL, PASSPHRASE_CREATE, "x: ", &p, &e), 0);
	assert_int_equal(p.len, 15);
	assert_memory_equal(p.buf, "env pass phrase", 16);
	passphrase_free(&p);
	/* One character short: refused for a new key, naming the source and the minimum... */
	assert_int_equal(setenv("STEWARD_PASSPHRASE", "env passphrase", 1), 0);
	assert_int_equal(passphrase_get(NULL, PASSPHRASE_CREATE, "x: ", &p, &e), -1);
	assert_null(p.buf);
	assert_non_null(strstr(e.msg, "STEWARD_PASSPHRASE: passphrase is too short: 14 characters"));
	assert_non_null(strstr(e.msg, "at least 15"));
	/* ...but taken to open an existing key, which keeps the passphrase it was sealed with. */
	assert_int_equal(passphrase_get(NULL, PASSPHRASE_UNLOCK, "x: ", &p, &e), 0);
	assert_int_equal(p.len, 14);
	passphrase_free(&p);
	assert_int_equal(setenv("STEWARD_PASSPHRASE", "", 1), 0);
	assert_int_equal(passphrase_get(NULL, PASSPHRASE_CREATE, "x: ", &p, &e), -1);
	assert_non_null(strstr(e.msg, "empty"));
	assert_int_equal(unsetenv("STEWARD_PASSPHRASE"), 0);

	/* No source and stdin is not a terminal: an error at once, no prompt. */
	saved = dup(STDIN_FILENO);
	assert_true(saved >= 0);
	null = open("/dev/null", O_RDONLY);
	assert_true(null >= 0);
	assert_int_equal(dup2(null, STDIN_FILENO), STDIN_FILENO);
	assert_int_equal(passphrase_get(NULL, PASSPHRASE_CREATE, "x: ", &p, &e), -1);
	assert_int_equal(dup2(saved, STDIN_FILENO), STDIN_FILENO);
	close(null);
	close(saved);
	assert_null(p.buf);
	assert_non_null(strstr(e.msg, "no passphrase: set STEWARD_PASSPHRASE"));
}

/* What a file gives is what unlocks the key; the key file can be
 * inspected without it. */
static void test_unlocks(void **state)
{
	struct passphrase p;
	struct key_secret *k = NULL;
	struct key_public pub;
	struct err e = { 0 };
	char name[KEYS_NAME_MAX + 1];
	unsigned mode = 0;

	(void)state;
	write_file(pf, "sealing words here\n", 0600);
	assert_int_equal(passphrase_get(pf, PASSPHRASE_CREATE, "x: ", &p, &e), 0);
	assert_int_equal(keys_generate("kay", sk, p.buf, p.len, &e), 0);
	passphrase_free(&p);
	assert_int_equal(keys_load_secret(sk, "sealing words here", 18, &k, &e), 0);
	assert_int_equal(keys_load_public(pk, &pub, &e), 0);
	assert_string_equal(k->id, pub.id);
	keys_secret_free(k);

	assert_int_equal(keys_file_kind(sk, &e), KEYS_KIND_SECRET);
	assert_int_equal(keys_file_kind(pk, &e), KEYS_KIND_PUBLIC);
	assert_int_equal(keys_file_kind(pf, &e), -1);
	assert_non_null(strstr(e.msg, "not a steward key file"));
	assert_int_equal(keys_inspect_secret(sk, name, &mode, &e), 0);
	assert_string_equal(name, "kay");
	assert_int_equal(mode, 0600);
	assert_int_equal(keys_inspect_secret(pk, name, &mode, &e), -1);
	assert_non_null(strstr(e.msg, "public key"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_file),
		cmocka_unit_test(test_file_refusals),
		cmocka_unit_test(test_length_rule),
		cmocka_unit_test(test_env_and_none),
		cmocka_unit_test(test_unlocks),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
