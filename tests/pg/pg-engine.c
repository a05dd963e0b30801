/* pg-engine: the PostgreSQL engine (core/db-pg.c) and schema (core/schema-pg.c) against a real server; tests/integration/pg-engine.sh runs it. */
#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <poll.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "db-pg.h"
#include "schema-pg.h"
#include "store.h"

/*
 * usage: pg-engine engine    (environment from tests/pg-lib.sh: PG_OWNER_URI, PG_RUNTIME_URI,
 *                            PG_RUNTIME_TCP_URI, PG_RUNTIME_PW, PG_ADMIN_URI, PG_DIR, PGPORT)
 *        pg-engine schema OWNER_URI RUNTIME_URI RUNTIME_NAME   (the schema and grants on another database)
 *        pg-engine standby PRIMARY_URI STANDBY_URI   (a read-only console on a hot standby)
 * Prints "FAIL file:line: what" for each failed check and last "pg-engine: passed=N failed=M".
 */

static const struct db_conn_ops *ops = &dbpg_conn_ops;
static int t_pass, t_fail;

static void check_at(int ok, int line, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

static void check_at(int ok, int line, const char *fmt, ...)
{
	va_list ap;

	if (ok) {
		t_pass++;
		return;
	}
	t_fail++;
	printf("FAIL pg-engine.c:%d: ", line);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\n");
	fflush(stdout);
}
#define CHECK(ok, ...) check_at((ok) != 0, __LINE__, __VA_ARGS__)

static const char *env(const char *name)
{
	const char *v = getenv(name);

	if (v == NULL || v[0] == '\0') {
		printf("FAIL pg-engine: %s is not set (run me from tests/integration/pg-engine.sh)\n", name);
		printf("pg-engine: passed=%d failed=%d\n", t_pass, t_fail + 1);
		exit(1);
	}
	return v;
}

static void *open_or_die(const char *uri, int readonly)
{
	struct err e = {0};
	void *c = dbpg_open(uri, readonly, &e);

	if (c == NULL) {
		printf("FAIL pg-engine: cannot open %s: %s\n", uri, e.msg);
		printf("pg-engine: passed=%d failed=%d\n", t_pass, t_fail + 1);
		exit(1);
	}
	return c;
}

static int x(void *c, const char *sql)
{
	return ops->exec(c, sql);
}

static int has(const char *hay, const char *needle)
{
	return hay != NULL && strstr(hay, needle) != NULL;
}

/* The first column of the first row as an integer; INT64_MIN when the statement failed. */
static int64_t q_int(void *c, const char *sql)
{
	struct db_stmt *s;
	int64_t v = INT64_MIN;

	if (ops->prepare(c, &s, sql) != DB_OK)
		return INT64_MIN;
	if (db_step(s) == DB_ROW)
		v = db_column_int64(s, 0);
	db_finalize(s);
	return v;
}

/* Runs one statement with one text parameter (NULL: none); its step result. */
static int q_run1(void *c, const char *sql, const char *p1)
{
	struct db_stmt *s;
	int rc;

	if ((rc = ops->prepare(c, &s, sql)) != DB_OK)
		return rc;
	if (p1 != NULL)
		db_bind_text(s, 1, p1, -1, DB_TRANSIENT);
	rc = db_step(s);
	db_finalize(s);
	return rc;
}

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* data_version of c once it differs from old, or after ms milliseconds. */
static int64_t wait_version(void *c, int64_t old, int ms)
{
	struct pollfd p;
	double end = now_s() + ms / 1000.0;
	int64_t v;

	while ((v = ops->data_version(c)) == old && now_s() < end) {
		p.fd = dbpg_notify_fd(c);
		p.events = POLLIN;
		poll(&p, 1, 50);
	}
	return v;
}

/* ---- opening ---- */

static void test_open(void)
{
	char uri[1024], red[256];
	struct err e = {0};
	const char *port = env("PGPORT");
	void *c;

	snprintf(uri, sizeof uri, "postgresql://steward:s3cr3t-wrong@127.0.0.1:%s/steward", port);
	c = dbpg_open(uri, 0, &e);
	CHECK(c == NULL, "a wrong password opens");
	CHECK(has(e.msg, "password authentication failed"), "wrong password: %s", e.msg);
	CHECK(!has(e.msg, "s3cr3t-wrong") && has(e.msg, "steward:***@127.0.0.1"), "the password shows: %s", e.msg);

	snprintf(uri, sizeof uri, "host=127.0.0.1 port=%s dbname=steward user=steward password='xyzzy secret'", port);
	c = dbpg_open(uri, 0, &e);
	CHECK(c == NULL && !has(e.msg, "xyzzy") && has(e.msg, "password=***"), "conninfo password: %s", e.msg);

	c = dbpg_open("postgresql://steward:s3cr3t@127.0.0.1:notaport/steward", 0, &e);
	CHECK(c == NULL && has(e.msg, "cannot open PostgreSQL store") && has(e.msg, "notaport") && !has(e.msg, "s3cr3t"),
	      "bad URI: %s", e.msg);
	c = dbpg_open("postgresql://u@/steward?host=/nonexistent-steward-dir&port=5432", 0, &e);
	CHECK(c == NULL && has(e.msg, "/nonexistent-steward-dir") && has(e.msg, "No such file"), "no server: %s", e.msg);
	c = dbpg_open("postgresql://u:pw@127.0.0.1:1/steward?connect_timeout=2", 0, &e);
	CHECK(c == NULL && has(e.msg, "127.0.0.1") && has(e.msg, "refused"), "closed port: %s", e.msg);
	c = dbpg_open("", 0, &e);
	CHECK(c == NULL && e.kind == ERR_INVALID, "an empty URI: %s", e.msg);
	snprintf(uri, sizeof uri, "postgresql://nosuchrole@/steward?host=%s&port=%s", env("PG_DIR"), port);
	c = dbpg_open(uri, 0, &e);
	CHECK(c == NULL && has(e.msg, "nosuchrole"), "an unknown role: %s", e.msg);

	dbpg_redact("postgresql://a:b@h/d?password=c&sslmode=require", red, sizeof red);
	CHECK(strcmp(red, "postgresql://a:***@h/d?password=***&sslmode=require") == 0, "redacted: %s", red);

	c = open_or_die(env("PG_RUNTIME_TCP_URI"), 0);
	CHECK(strcmp(ops->name, "postgresql") == 0, "engine name %s", ops->name);
	CHECK(q_int(c, "SELECT 1") == 1, "a query over TCP with the password");
	CHECK(q_int(c, "SELECT current_setting('application_name') = 'steward'") == 1, "application_name");
	CHECK(q_int(c, "SELECT current_setting('client_encoding') = 'UTF8'") == 1, "client_encoding");
	CHECK(dbpg_connected(c) == 1 && dbpg_notify_fd(c) >= 0, "connected, with a socket");
	ops->close(c);
}

/* ---- the schema ---- */

static void test_schema_apply(void)
{
	struct err e = {0};
	void *ow = open_or_die(env("PG_OWNER_URI"), 0);
	void *ad = open_or_die(env("PG_ADMIN_URI"), 0);
	char sql[80];
	int v = -1;

	CHECK(schema_pg_version(ops, ow, &v, &e) == 0 && v == 0, "a fresh database: version %d (%s)", v, e.msg);
	CHECK(schema_pg_apply(ops, ow, &e) == 0, "applying the schema: %s", e.msg);
	CHECK(schema_pg_version(ops, ow, &v, &e) == 0 && v == SCHEMA_PG_VERSION, "version %d", v);
	CHECK(schema_pg_apply(ops, ow, &e) == 0, "applying it again: %s", e.msg);
	CHECK(q_int(ow, "SELECT count(*) FROM schema_version") == 1, "one version row");
	CHECK(q_int(ow, "SELECT count(*) FROM pg_tables WHERE schemaname = 'public'") == 44,
	      "tables: %" PRId64, q_int(ow, "SELECT count(*) FROM pg_tables WHERE schemaname = 'public'"));
	CHECK(q_int(ow, "SELECT count(*) FROM pg_tables WHERE schemaname = 'public' AND tableowner <> 'steward_owner'") == 0,
	      "the owner owns every table");

	/* A newer steward's store is refused; the version row is the owner's to change. */
	CHECK(x(ow, "UPDATE schema_version SET version = 99") == DB_OK, "bumping the version");
	CHECK(schema_pg_apply(ops, ow, &e) != 0 && has(e.msg, "newer steward") && has(e.msg, "99"), "newer: %s", e.msg);
	snprintf(sql, sizeof sql, "UPDATE schema_version SET version = %d", SCHEMA_PG_VERSION);
	CHECK(x(ow, sql) == DB_OK, "restoring the version");

	/* Tables without the version row belong to another program. */
	x(ad, "DROP TABLE IF EXISTS public.not_steward");
	CHECK(x(ad, "CREATE TABLE public.not_steward(a int)") == DB_OK, "a foreign table");
	CHECK(schema_pg_version(ops, ad, &v, &e) != 0 && has(e.msg, "another program"), "foreign: %s", e.msg);
	CHECK(schema_pg_apply(ops, ad, &e) != 0 && has(e.msg, "another program"), "apply on foreign: %s", e.msg);
	CHECK(q_int(ad, "SELECT to_regclass('public.models') IS NULL") == 1, "nothing made beside it");
	x(ad, "DROP TABLE public.not_steward");
	ops->close(ad);
	ops->close(ow);
}

/* What the roles may do, on the store at uri_owner / uri_runtime. */
static void test_roles(const char *uri_owner, const char *uri_runtime, const char *runtime_name)
{
	unsigned char leaf[32], bad[31];
	struct db_stmt *s;
	void *ow = open_or_die(uri_owner, 0);
	void *rt = open_or_die(uri_runtime, 0);
	struct err e = {0};
	int64_t id, vid, seq;
	int rc, v = 0;

	memset(leaf, 7, sizeof leaf);
	memset(bad, 7, sizeof bad);
	CHECK(schema_pg_version(ops, rt, &v, &e) == 0 && v == SCHEMA_PG_VERSION, "runtime reads version %d: %s", v, e.msg);
	CHECK(schema_pg_apply(ops, rt, &e) == 0, "the runtime opening a current store: %s", e.msg);
	CHECK(schema_pg_grant(ops, rt, runtime_name, &e) != 0 && has(e.msg, "permission denied"),
	      "the runtime may not grant: %s", e.msg);
	CHECK(schema_pg_grant(ops, ow, "", &e) != 0 && e.kind == ERR_INVALID, "no role: %s", e.msg);
	CHECK(schema_pg_grant(ops, ow, "no such role", &e) != 0 && has(e.msg, "no such role"), "an unknown role: %s",
	      e.msg);
	CHECK(q_run1(rt, "SELECT current_user = ?1", runtime_name) == DB_ROW, "runtime is %s", runtime_name);

	/* Identity keys and lastval() as the runtime role (USAGE on the sequences). */
	CHECK(q_run1(rt, "INSERT INTO models(name, owner, tier, created, updated) VALUES (?1, 'o', 'high', 1, 1)",
		     "fraud") == DB_DONE, "runtime inserts a model: %s", ops->errmsg(rt));
	id = ops->last_insert_id(rt);
	CHECK(id > 0 && id == q_int(rt, "SELECT id FROM models WHERE name = 'fraud'"), "model id %" PRId64, id);
	CHECK(q_run1(rt, "INSERT INTO models(name, owner, tier, created, updated) VALUES (?1, 'o', 'bogus', 1, 1)",
		     "x") == DB_CONSTRAINT, "a bad tier is refused");
	CHECK(q_run1(rt, "INSERT INTO models(name, owner, tier, created, updated) VALUES (?1, 'o', 'low', 1, 1)",
		     "fraud") == DB_CONSTRAINT, "a second model of one name is refused");
	CHECK(ops->prepare(rt, &s, "INSERT INTO versions(model_id, version, artifact_uri, digest, created)"
				   " VALUES (?1, 1, 's3://m', ?2, 1)") == DB_OK, "prepare a version");
	db_bind_int64(s, 1, id);
	db_bind_text(s, 2, "sha1:0123", -1, DB_STATIC);
	CHECK(db_step(s) == DB_CONSTRAINT, "a digest that is not sha256 is refused");
	db_bind_text(s, 2, "sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef", -1, DB_STATIC);
	CHECK(db_step(s) == DB_DONE, "a sha256 digest: %s", ops->errmsg(rt));
	db_finalize(s);
	vid = ops->last_insert_id(rt);
	CHECK(vid == q_int(rt, "SELECT id FROM versions"), "version id %" PRId64, vid);
	CHECK(q_run1(rt, "INSERT INTO versions(model_id, version, artifact_uri, digest, created)"
			 " VALUES (9999, 1, 's3://m', 'sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef', 1)",
		     NULL) == DB_CONSTRAINT,
	      "a version of no model is refused (foreign key)");

	/* The ledger: the runtime appends and reads, never changes or removes. */
	CHECK(ops->prepare(rt, &s, "INSERT INTO ledger(seq, time, actor, action, subject, body, leaf, chain)"
				   " VALUES (?1, 1, 'a', 'model.add', 'models:/fraud', ?2, ?3, ?3)") == DB_OK,
	      "prepare an entry");
	db_bind_int64(s, 1, 1);
	db_bind_blob(s, 2, "{\"a\":1}", 7, DB_STATIC);
	db_bind_blob(s, 3, bad, sizeof bad, DB_STATIC);
	CHECK(db_step(s) == DB_CONSTRAINT, "a 31-byte leaf is refused");
	db_bind_blob(s, 3, leaf, sizeof leaf, DB_STATIC);
	CHECK(db_step(s) == DB_DONE, "runtime appends to the ledger: %s", ops->errmsg(rt));
	db_finalize(s);
	seq = q_int(rt, "SELECT seq FROM ledger");
	CHECK(seq == 1, "the entry reads back");
	rc = x(rt, "UPDATE ledger SET actor = 'mallory'");
	CHECK(rc == DB_ERROR && has(ops->errmsg(rt), "permission denied for table ledger"), "runtime UPDATE ledger: %d %s",
	      rc, ops->errmsg(rt));
	rc = x(rt, "DELETE FROM ledger");
	CHECK(rc == DB_ERROR && has(ops->errmsg(rt), "permission denied for table ledger"), "runtime DELETE ledger: %s",
	      ops->errmsg(rt));
	rc = x(rt, "TRUNCATE ledger");
	CHECK(rc == DB_ERROR && has(ops->errmsg(rt), "permission denied"), "runtime TRUNCATE ledger: %s", ops->errmsg(rt));
	CHECK(ops->prepare(rt, &s, "INSERT INTO checkpoints(size, time, root, note) VALUES (1, 1, ?1, 'n')") == DB_OK,
	      "prepare a checkpoint");
	db_bind_blob(s, 1, leaf, sizeof leaf, DB_STATIC);
	CHECK(db_step(s) == DB_DONE, "runtime appends a checkpoint: %s", ops->errmsg(rt));
	db_finalize(s);
	rc = x(rt, "UPDATE checkpoints SET note = 'x'");
	CHECK(rc == DB_ERROR && has(ops->errmsg(rt), "permission denied for table checkpoints"), "runtime UPDATE checkpoints: %s",
	      ops->errmsg(rt));
	rc = x(rt, "DELETE FROM checkpoints");
	CHECK(rc == DB_ERROR && has(ops->errmsg(rt), "permission denied"), "runtime DELETE checkpoints: %s", ops->errmsg(rt));

	/* Approvals are append-only too. */
	CHECK(ops->prepare(rt, &s, "INSERT INTO requests(version_id, from_stage, to_stage, tier, requester, created,"
				   " keyring_ver, seq) VALUES (?1, 'none', 'production', 'high', 'r', 1, 1, 1)") == DB_OK,
	      "prepare a request");
	db_bind_int64(s, 1, vid);
	CHECK(db_step(s) == DB_DONE, "a request: %s", ops->errmsg(rt));
	db_finalize(s);
	id = ops->last_insert_id(rt);
	CHECK(ops->prepare(rt, &s, "INSERT INTO approvals(request_id, principal, key_id, role, decision, nonce, issued,"
				   " expires, recorded, keyring_ver, seq, envelope)"
				   " VALUES (?1, 'p', 'k', 'sre', 'approve', 'n1', 1, 2, 1, 1, 1, ?2)") == DB_OK,
	      "prepare an approval");
	db_bind_int64(s, 1, id);
	db_bind_blob(s, 2, "{}", 2, DB_STATIC);
	CHECK(db_step(s) == DB_DONE, "an approval: %s", ops->errmsg(rt));
	db_finalize(s);
	rc = x(rt, "UPDATE approvals SET decision = 'reject'");
	CHECK(rc == DB_ERROR && has(ops->errmsg(rt), "permission denied for table approvals"), "runtime UPDATE approvals: %s",
	      ops->errmsg(rt));

	/* Caches: the runtime changes them as it likes. */
	CHECK(x(rt, "UPDATE models SET owner = 'someone'") == DB_OK && ops->changes(rt) == 1, "runtime updates a cache");
	CHECK(x(rt, "INSERT INTO model_tags(model_id, key, value) SELECT id, 'k', 'v' FROM models") == DB_OK &&
		      x(rt, "DELETE FROM model_tags") == DB_OK && ops->changes(rt) == 1,
	      "runtime deletes from a cache: %s", ops->errmsg(rt));
	CHECK(x(rt, "INSERT INTO lineage_sources(plugin, source, \"offset\", ident) VALUES ('p', 's', 5, 'i')") == DB_OK,
	      "the quoted offset column: %s", ops->errmsg(rt));
	CHECK(q_int(rt, "SELECT lastval() > 0") == 1, "lastval as the runtime");
	/* meta holds the log key the ledger's checks trust: the runtime only reads it. */
	rc = x(rt, "INSERT INTO meta(key, value) VALUES ('estate', 'demo')");
	CHECK(rc == DB_ERROR && has(ops->errmsg(rt), "permission denied for table meta"), "runtime writes meta: %s",
	      ops->errmsg(rt));
	CHECK(q_int(rt, "SELECT count(*) FROM meta") >= 0, "runtime reads meta");

	/* What only the owner may do. */
	rc = x(rt, "UPDATE schema_version SET version = 12");
	CHECK(rc == DB_ERROR && has(ops->errmsg(rt), "permission denied"), "runtime changes the version: %s", ops->errmsg(rt));
	rc = x(rt, "CREATE TABLE evil(a int)");
	CHECK(rc == DB_ERROR && has(ops->errmsg(rt), "permission denied for schema public"), "runtime creates a table: %s",
	      ops->errmsg(rt));
	rc = x(rt, "ALTER TABLE ledger DISABLE TRIGGER ALL");
	CHECK(rc == DB_ERROR && has(ops->errmsg(rt), "must be owner"), "runtime disables the triggers: %s", ops->errmsg(rt));
	rc = x(rt, "SELECT steward_grant_runtime(current_user)");
	CHECK(rc == DB_ERROR && has(ops->errmsg(rt), "permission denied for function"), "runtime grants itself: %s",
	      ops->errmsg(rt));

	/* The triggers hold even for the owner, with SQLite's messages. */
	rc = x(ow, "UPDATE ledger SET actor = 'mallory'");
	CHECK(rc == DB_CONSTRAINT && strcmp(ops->errmsg(ow), "the ledger is append-only") == 0, "owner UPDATE ledger: %d %s",
	      rc, ops->errmsg(ow));
	rc = x(ow, "DELETE FROM ledger");
	CHECK(rc == DB_CONSTRAINT && strcmp(ops->errmsg(ow), "the ledger is append-only") == 0, "owner DELETE ledger: %s",
	      ops->errmsg(ow));
	rc = x(ow, "TRUNCATE ledger");
	CHECK(rc == DB_CONSTRAINT && strcmp(ops->errmsg(ow), "the ledger is append-only") == 0, "owner TRUNCATE ledger: %s",
	      ops->errmsg(ow));
	rc = x(ow, "UPDATE checkpoints SET note = 'x'");
	CHECK(rc == DB_CONSTRAINT && strcmp(ops->errmsg(ow), "checkpoints are append-only") == 0,
	      "owner UPDATE checkpoints: %s", ops->errmsg(ow));
	rc = x(ow, "DELETE FROM checkpoints");
	CHECK(rc == DB_CONSTRAINT && strcmp(ops->errmsg(ow), "checkpoints are append-only") == 0,
	      "owner DELETE checkpoints: %s", ops->errmsg(ow));
	rc = x(ow, "DELETE FROM approvals");
	CHECK(rc == DB_CONSTRAINT && strcmp(ops->errmsg(ow), "approvals are append-only") == 0, "owner DELETE approvals: %s",
	      ops->errmsg(ow));
	CHECK(q_int(ow, "SELECT count(*) FROM ledger WHERE actor = 'a'") == 1, "the entry is untouched");
	ops->close(rt);
	ops->close(ow);
}

/* ---- statements ---- */

static void test_types(void *c)
{
	const char *utf = "na\xc3\xafve \xe2\x80\x93 \xe2\x98\x83 '?' \"x\"";
	unsigned char all[256], *big;
	struct db_stmt *s;
	int64_t id;
	size_t i;
	int rc;

	for (i = 0; i < sizeof all; i++)
		all[i] = (unsigned char)i;
	CHECK(ops->prepare(c, &s, "INSERT INTO pgtest.t(a, b, i, d, u) VALUES (?1, ?2, ?3, ?4, ?5)") == DB_OK, "prepare: %s",
	      ops->errmsg(c));
	CHECK(db_bind_text(s, 1, utf, -1, DB_STATIC) == DB_OK, "bind text");
	CHECK(db_bind_blob(s, 2, all, sizeof all, DB_TRANSIENT) == DB_OK, "bind blob");
	CHECK(db_bind_int64(s, 3, INT64_MIN) == DB_OK, "bind int");
	CHECK(db_bind_double(s, 4, 0.1) == DB_OK, "bind double");
	CHECK(db_bind_null(s, 5) == DB_OK, "bind null");
	CHECK(db_bind_int(s, 6, 1) == DB_ERROR && has(ops->errmsg(c), "out of range"), "bind 6 of 5: %s", ops->errmsg(c));
	CHECK(db_bind_int(s, 0, 1) == DB_ERROR, "bind 0");
	CHECK(db_step(s) == DB_DONE, "insert: %s", ops->errmsg(c));
	db_finalize(s);
	id = ops->last_insert_id(c);
	CHECK(id > 0, "an id");

	CHECK(ops->prepare(c, &s, "SELECT a, b, i, d, u, id FROM pgtest.t WHERE id = ?1") == DB_OK, "prepare select");
	db_bind_int64(s, 1, id);
	CHECK(db_step(s) == DB_ROW, "the row: %s", ops->errmsg(c));
	CHECK(db_column_type(s, 0) == DB_TEXT && strcmp((const char *)db_column_text(s, 0), utf) == 0 &&
		      db_column_bytes(s, 0) == (int)strlen(utf),
	      "text round trip: %s", db_column_text(s, 0));
	CHECK(db_column_type(s, 1) == DB_BLOB && db_column_bytes(s, 1) == 256 &&
		      memcmp(db_column_blob(s, 1), all, sizeof all) == 0,
	      "blob round trip of every byte");
	CHECK(db_column_type(s, 2) == DB_INTEGER && db_column_int64(s, 2) == INT64_MIN &&
		      strcmp((const char *)db_column_text(s, 2), "-9223372036854775808") == 0,
	      "int64 min round trip");
	CHECK(db_column_type(s, 3) == DB_FLOAT && db_column_double(s, 3) == 0.1, "0.1 exactly: %.17g",
	      db_column_double(s, 3));
	CHECK(db_column_type(s, 4) == DB_NULL && db_column_text(s, 4) == NULL && db_column_int64(s, 4) == 0 &&
		      db_column_double(s, 4) == 0.0 && db_column_bytes(s, 4) == 0 && db_column_blob(s, 4) == NULL,
	      "NULL reads as SQLite's");
	CHECK(db_column_type(s, 5) == DB_INTEGER && db_column_int64(s, 5) == id, "the id column");
	CHECK(db_column_type(s, 6) == DB_NULL && db_column_text(s, 6) == NULL && db_column_int64(s, -1) == 0,
	      "columns out of range are NULL");
	CHECK(db_step(s) == DB_DONE, "one row");
	db_finalize(s);

	/* Values at the edges. */
	CHECK(ops->prepare(c, &s, "SELECT ?1::bigint, ?2::float8, ?3::float8, ?4::float8, ?5::bytea, ?6::float8") == DB_OK,
	      "prepare edges: %s", ops->errmsg(c));
	db_bind_int64(s, 1, INT64_MAX);
	db_bind_double(s, 2, INFINITY);
	db_bind_double(s, 3, NAN);
	db_bind_double(s, 4, 1.0 / 3.0);
	db_bind_blob(s, 5, "", 0, DB_STATIC);
	db_bind_double(s, 6, -1e-300);
	CHECK(db_step(s) == DB_ROW, "edges: %s", ops->errmsg(c));
	CHECK(db_column_int64(s, 0) == INT64_MAX, "int64 max");
	CHECK(isinf(db_column_double(s, 1)) && db_column_double(s, 1) > 0, "infinity");
	CHECK(db_column_type(s, 2) == DB_NULL, "NaN is stored as NULL, as SQLite does");
	CHECK(db_column_double(s, 3) == 1.0 / 3.0, "1/3 exactly");
	CHECK(db_column_type(s, 4) == DB_BLOB && db_column_bytes(s, 4) == 0 && db_column_blob(s, 4) == NULL,
	      "an empty blob is not NULL, and has no pointer");
	CHECK(db_column_double(s, 5) == -1e-300, "-1e-300");
	db_finalize(s);

	CHECK(ops->prepare(c, &s, "SELECT true, false, 2.75::numeric, 7::int2, 'x'::varchar, 1e3::float4") == DB_OK,
	      "prepare kinds");
	CHECK(db_step(s) == DB_ROW, "kinds");
	CHECK(db_column_type(s, 0) == DB_INTEGER && db_column_int64(s, 0) == 1 &&
		      strcmp((const char *)db_column_text(s, 0), "1") == 0 && db_column_int64(s, 1) == 0,
	      "booleans are 1 and 0");
	CHECK(db_column_type(s, 2) == DB_FLOAT && db_column_double(s, 2) == 2.75 && db_column_int64(s, 2) == 2,
	      "numeric is a float, its integer truncated");
	CHECK(db_column_type(s, 3) == DB_INTEGER && db_column_int(s, 3) == 7, "int2");
	CHECK(db_column_type(s, 4) == DB_TEXT, "varchar is text");
	CHECK(db_column_type(s, 5) == DB_FLOAT && db_column_int64(s, 5) == 1000, "float4");
	db_finalize(s);

	/* A megabyte each way. */
	big = malloc(1 << 20);
	CHECK(big != NULL, "malloc");
	if (big != NULL) {
		for (i = 0; i < (1u << 20); i++)
			big[i] = (unsigned char)(i * 7 + (i >> 9));
		/* The server would infer ?1 as text, then as bytea: typed from the binding. */
		rc = ops->prepare(c, &s, "SELECT ?1, length(CAST(?1 AS BYTEA))");
		CHECK(rc == DB_OK, "prepare big: %s", ops->errmsg(c));
		if (rc != DB_OK) {
			free(big);
			return;
		}
		db_bind_blob(s, 1, big, 1 << 20, DB_STATIC);
		CHECK(db_step(s) == DB_ROW && db_column_bytes(s, 0) == (1 << 20) &&
			      memcmp(db_column_blob(s, 0), big, 1 << 20) == 0 && db_column_int64(s, 1) == (1 << 20),
		      "a 1 MB blob round trip: %s", ops->errmsg(c));
		db_finalize(s);
		free(big);
	}

	/* Text PostgreSQL cannot hold fails at the step, even when the bind's result was ignored. */
	CHECK(ops->prepare(c, &s, "SELECT ?1") == DB_OK, "prepare");
	CHECK(db_bind_text(s, 1, "a\0b", 3, DB_STATIC) == DB_ERROR, "a NUL byte in text");
	rc = db_step(s);
	CHECK(rc == DB_ERROR && has(ops->errmsg(c), "NUL byte"), "step after a bad bind: %d %s", rc, ops->errmsg(c));
	db_bind_text(s, 1, "ok", 2, DB_STATIC);
	CHECK(db_step(s) == DB_ROW && strcmp((const char *)db_column_text(s, 0), "ok") == 0, "a good bind clears it");
	db_reset(s);
	db_bind_text(s, 1, "\xff\xfe", 2, DB_STATIC);
	rc = db_step(s);
	CHECK(rc == DB_ERROR && has(ops->errmsg(c), "invalid byte sequence"), "invalid UTF-8: %d %s", rc, ops->errmsg(c));
	db_finalize(s);
}

static void test_placeholders(void *c)
{
	struct db_stmt *s;

	CHECK(ops->prepare(c, &s,
			   "SELECT ?1 || '?' || ?2 AS \"x?y\", 'it''s ?2' -- ?3 here, ?9 too\n"
			   ", ?3, /* ?4 /* nested ? */ ? */ E'\\'?', $$?$$, $q$ ?1 $q$") == DB_OK,
	      "prepare: %s", ops->errmsg(c));
	db_bind_text(s, 1, "a", -1, DB_STATIC);
	db_bind_text(s, 2, "b", -1, DB_STATIC);
	db_bind_text(s, 3, "c", -1, DB_STATIC);
	CHECK(db_bind_text(s, 4, "d", -1, DB_STATIC) == DB_ERROR, "?4 and ?9 are in a comment: 3 parameters");
	CHECK(db_step(s) == DB_ROW, "step: %s", ops->errmsg(c));
	CHECK(strcmp((const char *)db_column_text(s, 0), "a?b") == 0, "? inside a literal: %s", db_column_text(s, 0));
	CHECK(strcmp((const char *)db_column_text(s, 1), "it's ?2") == 0, "?2 inside a literal: %s", db_column_text(s, 1));
	CHECK(strcmp((const char *)db_column_text(s, 2), "c") == 0, "after a -- comment");
	CHECK(strcmp((const char *)db_column_text(s, 3), "'?") == 0, "E'' string: %s", db_column_text(s, 3));
	CHECK(strcmp((const char *)db_column_text(s, 4), "?") == 0, "$$ string");
	CHECK(strcmp((const char *)db_column_text(s, 5), " ?1 ") == 0, "$q$ string");
	db_finalize(s);

	/* Bare ? numbers on from the largest so far, as in SQLite; gaps are fine. */
	CHECK(ops->prepare(c, &s, "SELECT ?, ?5, ?") == DB_OK, "prepare bare: %s", ops->errmsg(c));
	db_bind_int(s, 1, 10);
	db_bind_int(s, 5, 50);
	db_bind_int(s, 6, 60);
	CHECK(db_bind_int(s, 7, 70) == DB_ERROR, "6 parameters");
	CHECK(db_step(s) == DB_ROW && db_column_int(s, 0) == 10 && db_column_int(s, 1) == 50 && db_column_int(s, 2) == 60,
	      "?, ?5, ? are 1, 5, 6: %s", ops->errmsg(c));
	db_finalize(s);

	CHECK(ops->prepare(c, &s, "SELECT ?0") == DB_ERROR && s == NULL && has(ops->errmsg(c), "out of range"), "?0: %s",
	      ops->errmsg(c));
	CHECK(ops->prepare(c, &s, "SELECT ?40000") == DB_ERROR && has(ops->errmsg(c), "out of range"), "?40000");
	CHECK(ops->prepare(c, &s, "SELEC 1") == DB_ERROR && has(ops->errmsg(c), "syntax error"), "a syntax error at prepare: %s",
	      ops->errmsg(c));
	CHECK(ops->prepare(c, &s, "SELECT * FROM no_such_table") == DB_ERROR && has(ops->errmsg(c), "no_such_table"),
	      "a missing table at prepare: %s", ops->errmsg(c));

	/* Parameters the server cannot type on its own get the bound value's type. */
	CHECK(ops->prepare(c, &s, "SELECT ?1 IS NULL, ?2 IS NOT NULL") == DB_OK, "prepare untyped: %s", ops->errmsg(c));
	CHECK(db_step(s) == DB_ROW && db_column_int(s, 0) == 1 && db_column_int(s, 1) == 0, "both NULL: %s",
	      ops->errmsg(c));
	db_reset(s);
	db_bind_text(s, 1, "t", -1, DB_STATIC);
	db_bind_int(s, 2, 4);
	CHECK(db_step(s) == DB_ROW && db_column_int(s, 0) == 0 && db_column_int(s, 1) == 1, "text and int: %s",
	      ops->errmsg(c));
	db_reset(s);
	db_bind_blob(s, 1, "b", 1, DB_STATIC);
	db_bind_double(s, 2, 2.5);
	CHECK(db_step(s) == DB_ROW && db_column_int(s, 0) == 0 && db_column_int(s, 1) == 1, "blob and double: %s",
	      ops->errmsg(c));
	db_finalize(s);
}

static void test_reset(void *c)
{
	struct db_stmt *s;
	int n;

	CHECK(ops->prepare(c, &s, "SELECT ?1 || ?2") == DB_OK, "prepare");
	db_bind_text(s, 1, "a", -1, DB_TRANSIENT);
	db_bind_text(s, 2, "b", -1, DB_TRANSIENT);
	CHECK(db_step(s) == DB_ROW && strcmp((const char *)db_column_text(s, 0), "ab") == 0, "first");
	CHECK(db_reset(s) == DB_OK, "reset");
	CHECK(db_step(s) == DB_ROW && strcmp((const char *)db_column_text(s, 0), "ab") == 0, "reset keeps bindings");
	db_reset(s);
	db_bind_text(s, 2, "c", -1, DB_TRANSIENT);
	CHECK(db_step(s) == DB_ROW && strcmp((const char *)db_column_text(s, 0), "ac") == 0, "one rebound");
	CHECK(db_step(s) == DB_DONE, "done");
	CHECK(db_step(s) == DB_ROW && strcmp((const char *)db_column_text(s, 0), "ac") == 0, "a step after done starts again");
	db_finalize(s);

	/* reset reports the failed step's error, as sqlite3_reset does. */
	CHECK(ops->prepare(c, &s, "INSERT INTO pgtest.t(u) VALUES ('dup')") == DB_OK, "prepare");
	CHECK(db_step(s) == DB_DONE, "first insert");
	db_reset(s);
	CHECK(db_step(s) == DB_CONSTRAINT && has(ops->errmsg(c), "duplicate key"), "unique violation: %s", ops->errmsg(c));
	CHECK(ops->errcode(c) == DB_CONSTRAINT, "errcode");
	CHECK(db_reset(s) == DB_CONSTRAINT, "reset after it");
	CHECK(db_reset(s) == DB_OK, "and then OK");
	db_finalize(s);

	/* A statement may step while another on the same connection runs. */
	CHECK(ops->prepare(c, &s, "SELECT x FROM generate_series(1, 20000) x") == DB_OK, "prepare a long read");
	for (n = 0; n < 10 && db_step(s) == DB_ROW; n++)
		;
	CHECK(n == 10 && db_column_int(s, 0) == 10, "ten rows");
	CHECK(q_int(c, "SELECT count(*) FROM pgtest.t") >= 1, "another statement in the middle");
	while (db_step(s) == DB_ROW)
		n++;
	CHECK(n == 20000, "every row after it: %d", n);
	db_reset(s);
	CHECK(db_step(s) == DB_ROW && db_column_int(s, 0) == 1, "reset in the middle, again from the top");
	db_reset(s);
	for (n = 0; n < 5; n++)
		db_step(s);
	db_finalize(s);
	CHECK(q_int(c, "SELECT 42") == 42, "the connection after finalizing a half-read statement");

	/* Rows taken off the wire for another statement (queued many to a
	 * result) come back as they were: in order, NULLs, text and bytes;
	 * and the statement that took the wire is queued in turn. */
	{
		struct db_stmt *b;
		int m = 0, bad = 0;

		CHECK(ops->prepare(c, &s,
				   "SELECT x, CASE WHEN x % 3 = 0 THEN NULL ELSE repeat('v', x % 50) END,"
				   " decode(lpad(to_hex(x), 8, '0'), 'hex') FROM generate_series(1, 5000) x") == DB_OK,
		      "prepare a read with NULLs and bytes");
		CHECK(ops->prepare(c, &b, "SELECT y FROM generate_series(1, 3000) y") == DB_OK, "prepare a second read");
		for (n = 0; n < 3 && db_step(s) == DB_ROW; n++)
			;
		for (;;) {
			int rs = db_step(s), x = n + 1;
			const unsigned char *t, *k;

			if (rs != DB_ROW)
				break;
			n++;
			t = db_column_text(s, 1);
			k = db_column_blob(s, 2);
			if (db_column_int(s, 0) != x || (x % 3 == 0) != (db_column_type(s, 1) == DB_NULL) ||
			    (t != NULL && (int)strlen((const char *)t) != x % 50) || db_column_bytes(s, 2) != 4 || k == NULL ||
			    ((k[0] << 24) | (k[1] << 16) | (k[2] << 8) | k[3]) != x)
				bad++;
			/* The second read starts, then reads on beside the first; half way a third statement takes the wire from it. */
			if (m < 3000 && db_step(b) == DB_ROW && db_column_int(b, 0) == m + 1)
				m++;
			if (m == 1500)
				CHECK(q_int(c, "SELECT 7") == 7, "a third statement half way");
		}
		CHECK(n == 5000 && bad == 0, "every row of the first read, as it was: %d rows, %d wrong", n, bad);
		CHECK(m == 3000, "every row of the second read in order: %d", m);
		CHECK(db_step(b) == DB_DONE, "and then its end");
		db_finalize(b);
		db_finalize(s);
	}

	/* An error after some rows: the rows, then the error. */
	CHECK(ops->prepare(c, &s, "SELECT 10 / (3000 - x) FROM generate_series(1, 5000) x") == DB_OK, "prepare");
	for (n = 0; db_step(s) == DB_ROW; n++)
		;
	CHECK(n == 2999 && ops->errcode(c) == DB_ERROR && has(ops->errmsg(c), "division by zero"),
	      "2999 rows then the error: %d %s", n, ops->errmsg(c));
	db_finalize(s);
}

static void test_plans(void *c)
{
	struct db_stmt *s1, *s2, *kept;
	char sql[64];
	int64_t before, n;
	int i, ok = 1;

	before = q_int(c, "SELECT count(*) FROM pg_prepared_statements");
	CHECK(ops->prepare(c, &s1, "SELECT 'one plan'") == DB_OK && ops->prepare(c, &s2, "SELECT 'one plan'") == DB_OK,
	      "two statements of one text");
	CHECK(q_int(c, "SELECT count(*) FROM pg_prepared_statements") == before + 1, "share one server-side plan");
	CHECK(db_step(s1) == DB_ROW && db_step(s2) == DB_ROW, "and both run");
	db_finalize(s1);
	db_finalize(s2);
	CHECK(ops->prepare(c, &kept, "SELECT ?1 || ' kept'") == DB_OK, "a statement held across the flood");
	/* Distinct texts beyond the cache's limit: the unused plans go, on the server too. */
	for (i = 0; i < 4200 && ok; i++) {
		snprintf(sql, sizeof sql, "SELECT %d", i);
		ok = q_int(c, sql) == i;
	}
	CHECK(ok, "4200 distinct statements: %d", i);
	n = q_int(c, "SELECT count(*) FROM pg_prepared_statements");
	CHECK(n > 0 && n < 4096, "the session holds %" PRId64 " plans, not 4200", n);
	db_bind_text(kept, 1, "still", -1, DB_STATIC);
	CHECK(db_step(kept) == DB_ROW && strcmp((const char *)db_column_text(kept, 0), "still kept") == 0,
	      "the held statement's plan stayed: %s", ops->errmsg(c));
	db_finalize(kept);
}

static void test_changes(void *c)
{
	struct db_stmt *s;
	int64_t total = ops->total_changes(c), id, id2;

	CHECK(x(c, "INSERT INTO pgtest.t(u) VALUES ('c1'), ('c2'), ('c3')") == DB_OK, "three rows");
	CHECK(ops->changes(c) == 3, "changes 3: %" PRId64, ops->changes(c));
	CHECK(ops->prepare(c, &s, "UPDATE pgtest.t SET i = ?1 WHERE u LIKE 'c_'") == DB_OK, "prepare update");
	db_bind_int(s, 1, 5);
	CHECK(db_step(s) == DB_DONE && ops->changes(c) == 3, "update 3");
	db_finalize(s);
	CHECK(q_int(c, "SELECT count(*) FROM pgtest.t") > 3 && ops->changes(c) == 3, "a SELECT leaves changes alone");
	CHECK(x(c, "DELETE FROM pgtest.t WHERE u = 'c1'; DELETE FROM pgtest.t WHERE u LIKE 'c_'") == DB_OK &&
		      ops->changes(c) == 2,
	      "two statements in one exec: the last one's changes");
	CHECK(ops->total_changes(c) - total == 3 + 3 + 1 + 2, "total %" PRId64, ops->total_changes(c) - total);

	CHECK(x(c, "INSERT INTO pgtest.t(u) VALUES ('li1')") == DB_OK, "insert");
	id = ops->last_insert_id(c);
	CHECK(id == q_int(c, "SELECT id FROM pgtest.t WHERE u = 'li1'"), "last_insert_id %" PRId64, id);
	CHECK(x(c, "INSERT INTO pgtest.t(u) VALUES ('li2')") == DB_OK, "insert");
	id2 = ops->last_insert_id(c);
	CHECK(id2 == id + 1, "the next id %" PRId64, id2);
}

/* A prepare that fails inside a transaction leaves it usable, as SQLite's
 * does: the type-inferring retry ("?1 IS NULL") and a probe of a table
 * that is not there, each followed by a write that commits. */
static void test_prepare_in_tx(void *c)
{
	struct db_stmt *s;
	int rc;

	CHECK(x(c, "BEGIN IMMEDIATE") == DB_OK, "begin: %s", ops->errmsg(c));
	CHECK(q_run1(c, "INSERT INTO pgtest.t(a) VALUES ('before the probes')", NULL) == DB_DONE, "a write first: %s",
	      ops->errmsg(c));
	/* Never prepared in this session: the server cannot type ?1 at Parse. */
	rc = ops->prepare(c, &s, "SELECT count(*) FROM pgtest.t WHERE ?1 IS NULL OR a = ?1 /* in a transaction */");
	CHECK(rc == DB_OK, "an untypable statement prepares in a transaction: %s", ops->errmsg(c));
	if (rc == DB_OK) {
		db_bind_text(s, 1, "before the probes", -1, DB_STATIC);
		CHECK(db_step(s) == DB_ROW && db_column_int64(s, 0) == 1, "and runs typed: %s", ops->errmsg(c));
		db_finalize(s);
	}
	rc = ops->prepare(c, &s, "SELECT x FROM pgtest.no_such_table");
	CHECK(rc != DB_OK && has(ops->errmsg(c), "no_such_table"), "the probe of a missing table fails: %s",
	      ops->errmsg(c));
	if (rc == DB_OK)
		db_finalize(s);
	CHECK(q_run1(c, "INSERT INTO pgtest.t(a) VALUES ('after the probes')", NULL) == DB_DONE,
	      "the transaction goes on after both: %s", ops->errmsg(c));
	CHECK(x(c, "COMMIT") == DB_OK, "and commits: %s", ops->errmsg(c));
	CHECK(q_int(c, "SELECT count(*) FROM pgtest.t WHERE a IN ('before the probes', 'after the probes')") == 2,
	      "both writes are there");
	CHECK(x(c, "DELETE FROM pgtest.t WHERE a IN ('before the probes', 'after the probes')") == DB_OK, "cleaning up");
}

static void test_transactions(void *c, void *fresh)
{
	int rc;

	CHECK(x(c, "BEGIN IMMEDIATE") == DB_OK, "BEGIN IMMEDIATE: %s", ops->errmsg(c));
	CHECK(q_int(c, "SELECT current_setting('transaction_isolation') = 'read committed'") == 1, "read committed");
	rc = x(c, "BEGIN");
	CHECK(rc == DB_ERROR && has(ops->errmsg(c), "within a transaction"), "BEGIN in BEGIN: %s", ops->errmsg(c));
	CHECK(x(c, "SAVEPOINT sp1") == DB_OK, "SAVEPOINT sp1");
	CHECK(x(c, "INSERT INTO pgtest.t(u) VALUES ('sp-a')") == DB_OK, "insert sp-a");
	CHECK(x(c, "ROLLBACK TO sp1; RELEASE sp1") == DB_OK, "ROLLBACK TO sp1; RELEASE sp1: %s", ops->errmsg(c));
	CHECK(x(c, "SAVEPOINT sp1") == DB_OK && x(c, "SAVEPOINT sp2") == DB_OK, "two savepoints");
	CHECK(x(c, "INSERT INTO pgtest.t(u) VALUES ('sp-b')") == DB_OK, "insert sp-b");
	CHECK(x(c, "RELEASE sp2") == DB_OK && x(c, "RELEASE sp1") == DB_OK, "RELEASE sp2, sp1");
	CHECK(x(c, "COMMIT") == DB_OK, "COMMIT: %s", ops->errmsg(c));
	CHECK(q_int(c, "SELECT count(*) FROM pgtest.t WHERE u = 'sp-a'") == 0, "sp-a rolled back");
	CHECK(q_int(c, "SELECT count(*) FROM pgtest.t WHERE u = 'sp-b'") == 1, "sp-b committed");
	rc = x(c, "COMMIT");
	CHECK(rc == DB_ERROR && has(ops->errmsg(c), "no transaction"), "COMMIT without one: %s", ops->errmsg(c));

	CHECK(x(c, "BEGIN") == DB_OK && x(c, "INSERT INTO pgtest.t(u) VALUES ('rb')") == DB_OK && x(c, "ROLLBACK") == DB_OK,
	      "ROLLBACK");
	CHECK(q_int(c, "SELECT count(*) FROM pgtest.t WHERE u = 'rb'") == 0, "rolled back");

	/* A failed statement ends PostgreSQL's transaction: COMMIT says so and leaves none open. */
	CHECK(x(c, "BEGIN") == DB_OK && x(c, "INSERT INTO pgtest.t(u) VALUES ('half')") == DB_OK, "begin, insert");
	CHECK(x(c, "INSERT INTO pgtest.t(u) VALUES ('half')") == DB_CONSTRAINT, "a failing statement");
	rc = x(c, "INSERT INTO pgtest.t(u) VALUES ('after')");
	CHECK(rc == DB_ERROR && has(ops->errmsg(c), "aborted"), "the transaction is aborted: %s", ops->errmsg(c));
	rc = x(c, "COMMIT");
	CHECK(rc == DB_ERROR && has(ops->errmsg(c), "rolled back"), "COMMIT of it: %s", ops->errmsg(c));
	CHECK(q_int(c, "SELECT count(*) FROM pgtest.t WHERE u IN ('half', 'after')") == 0, "nothing of it stayed");
	CHECK(x(c, "BEGIN") == DB_OK && x(c, "ROLLBACK") == DB_OK, "and a new one starts");

	/* lastval() before any insert in a session must not end its transaction. */
	CHECK(x(fresh, "BEGIN") == DB_OK, "begin on a new session");
	CHECK(ops->last_insert_id(fresh) == 0, "no id yet");
	CHECK(x(fresh, "INSERT INTO pgtest.t(u) VALUES ('fresh')") == DB_OK, "the transaction goes on: %s", ops->errmsg(fresh));
	CHECK(ops->last_insert_id(fresh) == q_int(fresh, "SELECT id FROM pgtest.t WHERE u = 'fresh'"), "then the id");
	CHECK(x(fresh, "COMMIT") == DB_OK, "commit: %s", ops->errmsg(fresh));
}

static void test_notify(void *a, void *b, void *ro)
{
	int64_t va, vb, vr, v;

	/* Earlier tests' commits may still be on their way. */
	usleep(300000);
	va = ops->data_version(a);
	vb = ops->data_version(b);
	vr = ops->data_version(ro);
	CHECK(x(a, "BEGIN IMMEDIATE") == DB_OK && x(a, "INSERT INTO pgtest.t(u) VALUES ('n1')") == DB_OK &&
		      x(a, "COMMIT") == DB_OK,
	      "a commit with a change");
	v = wait_version(b, vb, 5000);
	CHECK(v == vb + 1, "another connection sees it: %" PRId64 " -> %" PRId64, vb, v);
	vb = v;
	v = wait_version(ro, vr, 5000);
	CHECK(v == vr + 1, "a read-only connection sees it");
	vr = v;
	CHECK(ops->data_version(a) == va, "the committer's own version stays");

	/* A commit that changed nothing, then one autocommitted change: one notification. */
	CHECK(x(a, "BEGIN") == DB_OK && q_int(a, "SELECT count(*) FROM pgtest.t") > 0 && x(a, "COMMIT") == DB_OK,
	      "a read-only transaction");
	CHECK(x(ro, "BEGIN") == DB_OK && x(ro, "COMMIT") == DB_OK, "a read-only connection's commit");
	CHECK(x(a, "UPDATE pgtest.t SET i = 9 WHERE u = 'n1'") == DB_OK, "an autocommitted change");
	v = wait_version(b, vb, 5000);
	CHECK(v == vb + 1, "exactly one more: %" PRId64 " -> %" PRId64, vb, v);
	usleep(200000);
	CHECK(ops->data_version(b) == v, "and no other");
	vb = v;
	CHECK(x(a, "UPDATE pgtest.t SET i = 9 WHERE u = 'no such row'") == DB_OK && ops->changes(a) == 0, "a change of nothing");
	usleep(300000);
	CHECK(ops->data_version(b) == vb, "tells nobody");
	CHECK(x(a, "BEGIN") == DB_OK && x(a, "INSERT INTO pgtest.t(u) VALUES ('n2')") == DB_OK && x(a, "ROLLBACK") == DB_OK,
	      "a rolled back change");
	usleep(300000);
	CHECK(ops->data_version(b) == vb, "tells nobody either");
}

static void test_busy(void *a, void *b)
{
	int rc;

	CHECK(x(a, "INSERT INTO pgtest.t(u, i) VALUES ('lock', 0)") == DB_OK, "a row to fight over");
	CHECK(x(a, "BEGIN") == DB_OK && x(a, "UPDATE pgtest.t SET i = 1 WHERE u = 'lock'") == DB_OK, "a holds its lock");
	CHECK(x(b, "SET lock_timeout = '200ms'") == DB_OK, "b waits 200 ms at most");
	rc = x(b, "UPDATE pgtest.t SET i = 2 WHERE u = 'lock'");
	CHECK(rc == DB_BUSY && has(ops->errmsg(b), "lock"), "lock_timeout is DB_BUSY: %d %s", rc, ops->errmsg(b));
	CHECK(x(a, "ROLLBACK") == DB_OK, "a lets go");

	CHECK(x(b, "BEGIN ISOLATION LEVEL REPEATABLE READ") == DB_OK, "b takes a snapshot: %s", ops->errmsg(b));
	CHECK(q_int(b, "SELECT i FROM pgtest.t WHERE u = 'lock'") == 0, "b reads");
	CHECK(x(a, "UPDATE pgtest.t SET i = 3 WHERE u = 'lock'") == DB_OK, "a changes the row");
	rc = x(b, "UPDATE pgtest.t SET i = 4 WHERE u = 'lock'");
	CHECK(rc == DB_BUSY && has(ops->errmsg(b), "serialize"), "a serialization failure is DB_BUSY: %d %s", rc,
	      ops->errmsg(b));
	CHECK(x(b, "ROLLBACK") == DB_OK && x(b, "RESET lock_timeout") == DB_OK, "b gives up");
}

struct sleeper {
	void *c;
	int rc;
	char msg[256];
};

static void *sleep_long(void *arg)
{
	struct sleeper *z = arg;

	z->rc = q_run1(z->c, "SELECT pg_sleep(30)", NULL);
	snprintf(z->msg, sizeof z->msg, "%s", ops->errmsg(z->c));
	return NULL;
}

static void test_interrupt(void *c)
{
	struct sleeper z = {.c = c};
	pthread_t th;
	double t0 = now_s();

	ops->interrupt(c);
	CHECK(q_int(c, "SELECT 5") == 5, "an interrupt with nothing running is nothing");
	if (pthread_create(&th, NULL, sleep_long, &z) != 0) {
		CHECK(0, "pthread_create");
		return;
	}
	usleep(300000);
	ops->interrupt(c);
	pthread_join(th, NULL);
	CHECK(z.rc == DB_INTERRUPT && has(z.msg, "cancel"), "interrupted: %d %s", z.rc, z.msg);
	CHECK(now_s() - t0 < 10, "soon: %.1f s", now_s() - t0);
	CHECK(q_int(c, "SELECT 6") == 6, "the connection goes on");
}

/* An interrupt while rows stream: the server's cancel does not stop the
 * rows already sent, so without the connection's own flag the next steps
 * went on returning them (a quitting console kept verifying a
 * million-entry ledger for minutes). */
static void test_interrupt_stream(void *c)
{
	struct db_stmt *s, *o;
	double t0;
	int i, rc = DB_ROW;

	CHECK(ops->prepare(c, &s, "SELECT x, repeat('x', 100) FROM generate_series(1, 100000) x") == DB_OK, "prepare: %s",
	      ops->errmsg(c));
	for (i = 0; i < 10 && rc == DB_ROW; i++)
		rc = db_step(s);
	CHECK(rc == DB_ROW && db_column_int(s, 0) == 10, "ten rows stream");
	t0 = now_s();
	ops->interrupt(c);
	/* Another statement run between the long read's rows (as a ledger
	 * check reads checkpoints) is interrupted too, and does not spend it. */
	CHECK(ops->prepare(c, &o, "SELECT 1") == DB_OK, "prepare another");
	rc = db_step(o);
	CHECK(rc == DB_INTERRUPT, "a statement started while the read runs is interrupted: %d", rc);
	db_finalize(o);
	rc = db_step(s);
	CHECK(rc == DB_INTERRUPT && has(ops->errmsg(c), "interrupted"), "the next step is interrupted: %d %s", rc,
	      ops->errmsg(c));
	db_finalize(s);
	CHECK(now_s() - t0 < 10, "the rest is not read out: %.1f s", now_s() - t0);
	CHECK(q_int(c, "SELECT 7") == 7, "the connection goes on");
	CHECK(q_int(c, "SELECT 8") == 8, "and the interrupt is spent");
}

static void test_readonly(void *ro)
{
	int rc;

	rc = x(ro, "INSERT INTO pgtest.t(u) VALUES ('ro')");
	CHECK(rc == DB_READONLY && has(ops->errmsg(ro), "read-only"), "a read-only insert: %d %s", rc, ops->errmsg(ro));
	CHECK(x(ro, "BEGIN IMMEDIATE") == DB_OK, "begin");
	rc = q_run1(ro, "UPDATE pgtest.t SET i = 1", NULL);
	CHECK(rc == DB_READONLY, "a read-only update in a transaction: %d", rc);
	CHECK(x(ro, "ROLLBACK") == DB_OK, "rollback");
	CHECK(q_int(ro, "SELECT count(*) FROM pgtest.t") > 0, "reads work");
}

static void test_lost(void *c, void *killer)
{
	struct db_stmt *s, *k;
	struct err e = {0};
	int64_t pid = q_int(c, "SELECT pg_backend_pid()"), v;
	int rc;

	CHECK(ops->prepare(c, &s, "SELECT ?1::int + 1") == DB_OK, "a statement prepared before");
	CHECK(ops->prepare(killer, &k, "SELECT pg_terminate_backend(?1::int)") == DB_OK, "prepare the kill");
	db_bind_int64(k, 1, pid);
	CHECK(db_step(k) == DB_ROW && db_column_int(k, 0) == 1, "the backend is terminated");
	db_finalize(k);
	usleep(100000);
	db_bind_int(s, 1, 1);
	rc = db_step(s);
	CHECK(rc == DB_ERROR && has(ops->errmsg(c), "connection to the PostgreSQL server was lost"), "a step: %d %s", rc,
	      ops->errmsg(c));
	CHECK(!dbpg_connected(c), "not connected");
	rc = x(c, "SELECT 1");
	CHECK(rc == DB_ERROR && has(ops->errmsg(c), "was lost"), "exec: %s", ops->errmsg(c));
	v = ops->data_version(c);
	CHECK(dbpg_reconnect(c, &e) == 0, "reconnect: %s", e.msg);
	CHECK(dbpg_connected(c) && ops->data_version(c) > v, "connected, and data_version moved");
	db_reset(s);
	db_bind_int(s, 1, 41);
	CHECK(db_step(s) == DB_ROW && db_column_int(s, 0) == 42, "the old statement works again: %s", ops->errmsg(c));
	db_finalize(s);
	CHECK(q_int(c, "SELECT pg_backend_pid()") != pid, "a new backend");
	v = ops->data_version(c);
	CHECK(x(killer, "INSERT INTO pgtest.t(u) VALUES ('after reconnect')") == DB_OK, "another commits");
	CHECK(wait_version(c, v, 5000) == v + 1, "LISTEN holds after the reconnect");
}

static void test_close_live(const char *uri)
{
	void *c = open_or_die(uri, 0);
	struct db_stmt *s;

	CHECK(ops->prepare(c, &s, "SELECT x FROM generate_series(1, 1000) x") == DB_OK, "prepare");
	CHECK(db_step(s) == DB_ROW, "a row");
	ops->close(c);
	CHECK(db_step(s) == DB_ROW && db_column_int(s, 0) == 2, "a statement outlives close, as SQLite's do");
	db_finalize(s);
}

/* On a standby LISTEN is refused: data_version follows replay instead. */
static void test_standby(const char *primary, const char *standby)
{
	void *p = open_or_die(primary, 0);
	void *sb = open_or_die(standby, 1);
	void *sbw = open_or_die(standby, 0);
	double end;
	int64_t v0, v = 0, n = 0;
	int rc;

	CHECK(q_int(sb, "SELECT pg_is_in_recovery()::int") == 1, "the standby is one");
	v0 = ops->data_version(sb);
	CHECK(v0 > 0, "its data_version is where replay got: %" PRId64, v0);
	CHECK(x(p, "INSERT INTO pgtest.t(u) VALUES ('on the primary')") == DB_OK, "a commit on the primary: %s",
	      ops->errmsg(p));
	for (end = now_s() + 15; now_s() < end; usleep(100000)) {
		v = ops->data_version(sb);
		n = q_int(sb, "SELECT count(*) FROM pgtest.t WHERE u = 'on the primary'");
		if (v != v0 && n == 1)
			break;
	}
	CHECK(v > v0, "data_version moved: %" PRId64 " -> %" PRId64, v0, v);
	CHECK(n == 1, "the row arrived");
	rc = x(sbw, "INSERT INTO pgtest.t(u) VALUES ('on the standby')");
	CHECK(rc == DB_READONLY && has(ops->errmsg(sbw), "read-only"), "a write on the standby: %d %s", rc,
	      ops->errmsg(sbw));
	CHECK(q_int(sbw, "SELECT 7") == 7, "reads go on");
	ops->close(sbw);
	ops->close(sb);
	ops->close(p);
}

/* Column names, as store copy reads them: known from prepare on (the
 * server describes the plan), for a result with no rows too, and kept
 * while rows stream. */
static void test_columns(void *c)
{
	struct db_stmt *s;

	CHECK(ops->prepare(c, &s, "SELECT id, a AS \"offset\", b FROM pgtest.t WHERE id < 0") == DB_OK, "prepare: %s",
	      ops->errmsg(c));
	CHECK(db_column_count(s) == 3, "3 columns before a step: %d", db_column_count(s));
	CHECK(db_column_name(s, 0) != NULL && strcmp(db_column_name(s, 0), "id") == 0, "column 0 is id");
	CHECK(db_column_name(s, 1) != NULL && strcmp(db_column_name(s, 1), "offset") == 0, "a reserved word as a name");
	CHECK(db_column_name(s, 3) == NULL && db_column_name(s, -1) == NULL, "out of range is NULL");
	CHECK(db_step(s) == DB_DONE, "no rows: %s", ops->errmsg(c));
	CHECK(db_column_count(s) == 3, "still 3 columns after an empty result");
	db_finalize(s);
	CHECK(ops->prepare(c, &s, "SELECT * FROM pgtest.t") == DB_OK, "prepare *: %s", ops->errmsg(c));
	CHECK(db_step(s) == DB_ROW, "a row: %s", ops->errmsg(c));
	CHECK(db_column_count(s) == 6 && strcmp(db_column_name(s, 5), "u") == 0, "SELECT * names every column");
	db_finalize(s);
}

/* The store's statement cache on this engine: one statement per text,
 * reset and rebound per use (its pending rows dropped), a separate one
 * while it is handed out, bad SQL refused and not kept, and a reconnect
 * that leaves no stale statement behind. */
static void test_store_cache(const char *uri)
{
	struct store *st;
	struct db_stmt *a, *b;
	struct err e = {0};

	st = store_open(uri, 0, &e);
	CHECK(st != NULL, "store_open: %s", e.msg);
	if (st == NULL)
		return;
	CHECK(store_stmt(st, &a, "SELECT g FROM generate_series(1, ?1) g", &e) == 0, "store_stmt: %s", e.msg);
	db_bind_int64(a, 1, 3);
	CHECK(db_step(a) == DB_ROW && db_column_int64(a, 0) == 1, "first row");
	CHECK(store_stmt(st, &b, "SELECT g FROM generate_series(1, ?1) g", &e) == 0 && b != a,
	      "a second statement while the first is out");
	db_bind_int64(b, 1, 1);
	CHECK(db_step(b) == DB_ROW && db_column_int64(b, 0) == 1 && db_step(b) == DB_DONE, "the second one's rows");
	store_stmt_done(st, b);
	CHECK(db_step(a) == DB_ROW && db_column_int64(a, 0) == 2, "the first one's cursor did not move");
	store_stmt_done(st, a);
	CHECK(store_stmt(st, &b, "SELECT g FROM generate_series(1, ?1) g", &e) == 0 && b == a, "the cached statement again");
	db_bind_int64(b, 1, 2);
	CHECK(db_step(b) == DB_ROW && db_column_int64(b, 0) == 1, "reset: rows start over");
	CHECK(db_step(b) == DB_ROW && db_column_int64(b, 0) == 2 && db_step(b) == DB_DONE, "rebound: two rows");
	store_stmt_done(st, b);
	CHECK(store_stmt(st, &a, "SELEKT 1", &e) == -1 && a == NULL && strstr(e.msg, "preparing a query") != NULL,
	      "bad SQL refused: %s", e.msg);
	CHECK(store_begin(st, &e) == 0, "begin: %s", e.msg);
	CHECK(store_stmt(st, &a, "SELECT 1 / ?1", &e) == 0, "store_stmt: %s", e.msg);
	db_bind_int64(a, 1, 0);
	CHECK(db_step(a) != DB_ROW, "division by zero fails");
	store_stmt_done(st, a);
	store_rollback(st);
	CHECK(store_stmt(st, &a, "SELECT 1 / ?1", &e) == 0, "store_stmt after a failed transaction: %s", e.msg);
	db_bind_int64(a, 1, 1);
	CHECK(db_step(a) == DB_ROW && db_column_int64(a, 0) == 1, "the cached statement runs after the rollback");
	store_stmt_done(st, a);
	CHECK(store_reconnect(st, &e) == 0, "reconnect: %s", e.msg);
	CHECK(store_stmt(st, &a, "SELECT 1 / ?1", &e) == 0, "store_stmt after a reconnect: %s", e.msg);
	db_bind_int64(a, 1, 1);
	CHECK(db_step(a) == DB_ROW && db_column_int64(a, 0) == 1, "prepared again on the new session");
	store_stmt_done(st, a);
	store_close(st);
}

static void test_engine(void)
{
	void *a, *b, *ro, *fresh;

	test_open();
	test_schema_apply();
	test_roles(env("PG_OWNER_URI"), env("PG_RUNTIME_TCP_URI"), "steward");

	a = open_or_die(env("PG_OWNER_URI"), 0);
	CHECK(x(a, "CREATE SCHEMA pgtest;"
		   " CREATE TABLE pgtest.t(id BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,"
		   " a TEXT, b BYTEA, i BIGINT, d DOUBLE PRECISION, u TEXT UNIQUE)") == DB_OK,
	      "a scratch table: %s", ops->errmsg(a));
	b = open_or_die(env("PG_OWNER_URI"), 0);
	ro = open_or_die(env("PG_OWNER_URI"), 1);
	fresh = open_or_die(env("PG_OWNER_URI"), 0);
	test_types(a);
	test_columns(a);
	test_placeholders(a);
	test_reset(a);
	test_plans(a);
	test_changes(a);
	test_transactions(a, fresh);
	test_prepare_in_tx(fresh);
	test_notify(a, b, ro);
	test_busy(a, b);
	test_interrupt(a);
	test_interrupt_stream(a);
	test_readonly(ro);
	test_lost(a, b);
	test_close_live(env("PG_OWNER_URI"));
	test_store_cache(env("PG_OWNER_URI"));
	ops->close(fresh);
	ops->close(ro);
	ops->close(b);
	ops->close(a);
}

int main(int argc, char **argv)
{
	struct err e = {0};
	void *ow;

	setvbuf(stdout, NULL, _IOLBF, 0);
	if (argc == 2 && strcmp(argv[1], "engine") == 0) {
		test_engine();
	} else if (argc == 5 && strcmp(argv[1], "schema") == 0) {
		/* schema OWNER_URI RUNTIME_URI RUNTIME_NAME */
		ow = open_or_die(argv[2], 0);
		CHECK(schema_pg_apply(ops, ow, &e) == 0, "applying the schema: %s", e.msg);
		ops->close(ow);
		test_roles(argv[2], argv[3], argv[4]);
	} else if (argc == 4 && strcmp(argv[1], "standby") == 0) {
		test_standby(argv[2], argv[3]);
	} else {
		fprintf(stderr, "usage: pg-engine engine | pg-engine schema OWNER_URI RUNTIME_URI RUNTIME_NAME"
				" | pg-engine standby PRIMARY_URI STANDBY_URI\n");
		return 2;
	}
	printf("pg-engine: passed=%d failed=%d\n", t_pass, t_fail);
	return t_fail == 0 ? 0 : 1;
}
