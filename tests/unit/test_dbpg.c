/* test_dbpg: the PostgreSQL engine's parts that need no server: placeholder translation, telling URIs from paths, passwords kept out of messages, and the error when nothing listens. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "db-pg.h"

/* translate SQL and compare with WANT and the parameter count. */
static void tr(const char *sql, const char *want, int want_n)
{
	struct err e = {0};
	char *out = NULL;
	int n = -1;

	if (dbpg_translate(sql, &out, &n, NULL, &e) != 0)
		fail_msg("%s: %s", sql, e.msg);
	assert_string_equal(out, want);
	assert_int_equal(n, want_n);
	free(out);
}

static void test_translate(void **state)
{
	(void)state;
	tr("SELECT 1", "SELECT 1", 0);
	tr("SELECT ?1, ?2", "SELECT $1, $2", 2);
	tr("SELECT ?2, ?1, ?2", "SELECT $2, $1, $2", 2);
	/* Bare ? continues from the largest number so far, as in SQLite. */
	tr("SELECT ?, ?, ?", "SELECT $1, $2, $3", 3);
	tr("SELECT ?5, ?", "SELECT $5, $6", 6);
	tr("SELECT ?, ?3, ?", "SELECT $1, $3, $4", 4);
	/* Quoted text, quoted names and comments stay as they are. */
	tr("SELECT '?', ?1", "SELECT '?', $1", 1);
	tr("SELECT 'it''s ?1', ?", "SELECT 'it''s ?1', $1", 1);
	tr("SELECT \"a?\"\"b\" FROM t WHERE x = ?", "SELECT \"a?\"\"b\" FROM t WHERE x = $1", 1);
	tr("SELECT ? -- what ?2\n, ?", "SELECT $1 -- what ?2\n, $2", 2);
	tr("SELECT /* ? /* ?9 */ ? */ ?", "SELECT /* ? /* ?9 */ ? */ $1", 1);
	tr("SELECT E'\\'?', ?", "SELECT E'\\'?', $1", 1);
	tr("SELECT e'a\\\\' , ?", "SELECT e'a\\\\' , $1", 1);
	tr("SELECT $$?$$, ?", "SELECT $$?$$, $1", 1);
	tr("SELECT $tag$ ? $x$ ? $tag$, ?", "SELECT $tag$ ? $x$ ? $tag$, $1", 1);
	/* Not an E string: the E ends a name. */
	tr("SELECT name'?' , ?", "SELECT name'?' , $1", 1);
	/* An unterminated quote is the server's to refuse. */
	tr("SELECT '?", "SELECT '?", 0);
	tr("SELECT ?32766", "SELECT $32766", 32766);
	tr("", "", 0);
}

static void test_translate_used(void **state)
{
	struct err e = {0};
	unsigned char *used = NULL;
	char *out = NULL;
	int n = 0;

	(void)state;
	assert_int_equal(dbpg_translate("UPDATE t SET a = ?3 WHERE b = ?1", &out, &n, &used, &e), 0);
	assert_int_equal(n, 3);
	assert_non_null(used);
	assert_int_equal(used[0], 1);
	assert_int_equal(used[1], 0);
	assert_int_equal(used[2], 1);
	free(out);
	free(used);
	used = (unsigned char *)"x";
	assert_int_equal(dbpg_translate("SELECT 1", &out, &n, &used, &e), 0);
	assert_null(used);
	free(out);
}

static void test_translate_bad(void **state)
{
	struct err e = {0};
	char *out = (char *)"x";
	int n = 7;

	(void)state;
	assert_int_equal(dbpg_translate("SELECT ?0", &out, &n, NULL, &e), -1);
	assert_null(out);
	assert_non_null(strstr(e.msg, "?0 is out of range"));
	assert_int_equal(dbpg_translate("SELECT ?32767", &out, &n, NULL, &e), -1);
	assert_non_null(strstr(e.msg, "out of range"));
	assert_int_equal(dbpg_translate("SELECT ?99999999999999999999", &out, &n, NULL, &e), -1);
	assert_non_null(strstr(e.msg, "out of range"));
	assert_int_equal(dbpg_translate("SELECT ?32766, ?", &out, &n, NULL, &e), -1);
	assert_non_null(strstr(e.msg, "too many parameters"));
}

static void test_is_uri(void **state)
{
	(void)state;
	assert_int_equal(dbpg_is_uri("postgresql://db.example/steward"), 1);
	assert_int_equal(dbpg_is_uri("postgres://u:p@h:5432/d?sslmode=require"), 1);
	assert_int_equal(dbpg_is_uri("postgresql:///steward"), 1);
	assert_int_equal(dbpg_is_uri("host=db dbname=steward"), 1);
	assert_int_equal(dbpg_is_uri("  dbname = steward"), 1);
	assert_int_equal(dbpg_is_uri("/var/lib/steward/steward.db"), 0);
	assert_int_equal(dbpg_is_uri("steward.db"), 0);
	assert_int_equal(dbpg_is_uri("a=b.db"), 0);           /* not a libpq keyword */
	assert_int_equal(dbpg_is_uri("./x=y"), 0);
	assert_int_equal(dbpg_is_uri("postgresqlx://h/d"), 0);
	assert_int_equal(dbpg_is_uri("host='unterminated"), 0);
	assert_int_equal(dbpg_is_uri(""), 0);
	assert_int_equal(dbpg_is_uri(NULL), 0);
}

static void red(const char *uri, const char *want)
{
	char buf[256];

	dbpg_redact(uri, buf, sizeof buf);
	assert_string_equal(buf, want);
}

static void test_redact(void **state)
{
	char small[12];

	(void)state;
	red("postgresql://u:secret@h:5432/d", "postgresql://u:***@h:5432/d");
	red("postgresql://u@h/d", "postgresql://u@h/d");
	red("postgresql://h/d", "postgresql://h/d");
	red("postgres://u:p%40ss@h1,h2/d?password=x&sslmode=require&password=y",
	    "postgres://u:***@h1,h2/d?password=***&sslmode=require&password=***");
	red("postgresql://u:a@b@h/d", "postgresql://u:***@h/d");
	red("postgresql:///d?host=/run/pg", "postgresql:///d?host=/run/pg");
	red("host=h password=secret dbname=d", "host=h password=*** dbname=d");
	red("host=h password='s e c\\'r' dbname=d", "host=h password=*** dbname=d");
	red("password = secret", "password = ***");
	red("host=h passwordx=keep", "host=h passwordx=keep");
	dbpg_redact("postgresql://u:secret@host/db", small, sizeof small);
	assert_int_equal(strlen(small), sizeof small - 1);
	assert_null(strstr(small, "secret"));
	dbpg_redact(NULL, small, sizeof small);
	assert_string_equal(small, "");
}

static void test_open_nothing_listens(void **state)
{
	struct err e = {0};
	void *c;

	(void)state;
	c = dbpg_open("postgresql://u:topsecret@/d?host=/nonexistent-steward-socket-dir&port=5999", 0, &e);
	assert_null(c);
	assert_int_equal(e.kind, ERR_STORE);
	assert_non_null(strstr(e.msg, "cannot open PostgreSQL store postgresql://u:***@/d?host=/nonexistent-steward-socket-dir"));
	assert_non_null(strstr(e.msg, "/nonexistent-steward-socket-dir/.s.PGSQL.5999"));
	assert_null(strstr(e.msg, "topsecret"));
	assert_null(strchr(e.msg, '\n'));
	c = dbpg_open("postgresql://u@h:99999999/d", 0, &e);
	assert_null(c);
	assert_non_null(strstr(e.msg, "99999999"));
	c = dbpg_open("postgresql://u@h/d?nosuchoption=1", 0, &e);
	assert_null(c);
	assert_non_null(strstr(e.msg, "nosuchoption"));
	c = dbpg_open(NULL, 1, &e);
	assert_null(c);
	assert_int_equal(e.kind, ERR_INVALID);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_translate),
		cmocka_unit_test(test_translate_used),
		cmocka_unit_test(test_translate_bad),
		cmocka_unit_test(test_is_uri),
		cmocka_unit_test(test_redact),
		cmocka_unit_test(test_open_nothing_listens),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
