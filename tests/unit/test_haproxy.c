/* test_haproxy: the HAProxy plugin's show stat CSV (columns by name, quotes, short lines, missing columns, huge fields, bad numbers), its configuration (every refusal names the key), and sync and act against a simulated admin socket that logs each command (the raise-then-lower order, read-back, refusals, nothing handed before everything is checked), and a socket whose backlog is full. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

/* The plugin's own files: it links no libsteward, and its functions are not exported. */
#include "plugins/haproxy/config.c"
#include "plugins/haproxy/haproxy.c"
#include "plugins/haproxy/sock.c"
#include "plugins/haproxy/stat.c"

/* What HAProxy 2.6 answers (columns cut after uweight's neighbours; the order is HAProxy's). */
#define H26 "# pxname,svname,qcur,qmax,scur,smax,slim,stot,bin,bout,dreq,dresp,ereq,econ,eresp,wretr,wredis,status,weight,act,bck,check_desc,uweight,agg_server_status,-,\n"

static int parse(const char *text, struct hap_stat *st, char *err, size_t errn)
{
	return hap_stat_parse(text, strlen(text), st, err, errn);
}

/* ---- show stat ---- */

static void test_stat_real(void **state)
{
	const char *t = H26 "be_fraud,v1,0,0,0,1,,412,0,0,,0,,0,0,0,0,UP,80,1,0,,80,,-,\n"
			    "be_fraud,v2,0,0,0,1,,0,0,0,,0,,0,0,0,0,MAINT,30,1,0,,40,,-,\n"
			    "be_churn,v7,0,0,0,1,,9,0,0,,0,,0,0,0,0,no check,1,1,0,,1,,-,\n\n";
	const struct hap_row *r;
	struct hap_stat st;
	char err[256];
	int twice;

	(void)state;
	assert_int_equal(parse(t, &st, err, sizeof err), 0);
	assert_int_equal(st.n, 3);
	r = hap_stat_find(&st, "be_fraud", "v1", &twice);
	assert_non_null(r);
	assert_int_equal(twice, 0);
	assert_string_equal(r->status, "UP");
	assert_int_equal(r->weight, 80);
	assert_int_equal(r->stot, 412);
	assert_int_equal(r->line, 2);
	/* In maintenance the weight column keeps the old effective weight; uweight is what was set. */
	r = hap_stat_find(&st, "be_fraud", "v2", &twice);
	assert_non_null(r);
	assert_int_equal(r->weight, 40);
	assert_string_equal(hap_status_state(r->status), "maint");
	r = hap_stat_find(&st, "be_churn", "v7", &twice);
	assert_non_null(r);
	assert_string_equal(hap_status_state(r->status), "ready");
	assert_null(hap_stat_find(&st, "be_fraud", "v7", &twice));
	assert_null(hap_stat_find(&st, "be_fraud", "v", &twice));
	hap_stat_free(&st);
}

/* Columns are found by name: another order, no uweight (older HAProxy), no final newline. */
static void test_stat_by_name(void **state)
{
	const char *t = "# status,stot,weight,svname,pxname\nDRAIN,7,12,s1,be\nUP 1/3,8,13,s2,be";
	const struct hap_row *r;
	struct hap_stat st;
	char err[256];
	int twice;

	(void)state;
	assert_int_equal(parse(t, &st, err, sizeof err), 0);
	assert_int_equal(st.n, 2);
	r = hap_stat_find(&st, "be", "s1", &twice);
	assert_non_null(r);
	assert_int_equal(r->weight, 12);
	assert_int_equal(r->stot, 7);
	assert_string_equal(hap_status_state(r->status), "drain");
	r = hap_stat_find(&st, "be", "s2", &twice);
	assert_non_null(r);
	assert_string_equal(hap_status_state(r->status), "ready");
	hap_stat_free(&st);
}

/* A full show stat (no -1 4 -1) also has FRONTEND and BACKEND lines; a quoted
 * field holding commas and quotes keeps the columns after it in place. */
static void test_stat_full_and_quotes(void **state)
{
	const char *t = H26 "fe,FRONTEND,,,0,0,2000,9,0,0,0,0,0,,,,,OPEN,,,,,,,-,\n"
			    "be,s1,0,0,0,1,,5,0,0,,0,,0,0,0,0,DOWN,10,1,0,\"Layer4 timeout, \"\"check\"\" 2\",10,,-,\n"
			    "be,BACKEND,0,0,0,1,,5,0,0,,0,,0,0,0,0,UP,10,1,0,,10,,-,\n";
	const struct hap_row *r;
	struct hap_stat st;
	char err[256];
	int twice;

	(void)state;
	assert_int_equal(parse(t, &st, err, sizeof err), 0);
	assert_int_equal(st.n, 1);
	r = hap_stat_find(&st, "be", "s1", &twice);
	assert_non_null(r);
	assert_int_equal(r->weight, 10);
	assert_string_equal(hap_status_state(r->status), "down");
	hap_stat_free(&st);
}

static void expect_fail(const char *t, size_t len, const char *want)
{
	struct hap_stat st;
	char err[256] = "";

	assert_int_equal(hap_stat_parse(t, len, &st, err, sizeof err), -1);
	if (strstr(err, want) == NULL)
		fail_msg("wanted '%s' in: %s", want, err);
	assert_null(st.rows);
	assert_null(st.buf);
}

static void test_stat_bad(void **state)
{
	static const struct {
		const char *t, *want;
	} cases[] = {
		{ "", "it began: (nothing)" },
		{ "Permission denied\n\n", "it began: Permission denied" },
		{ "Unknown command: 'show stats'\n", "it began: Unknown command" },
		{ "pxname,svname,status,weight,stot\n", "it began: pxname" },
		{ "# pxname,svname,status,weight\nbe,s1,UP,1\n", "no 'stot' column" },
		{ "# svname,status,weight,stot\n", "no 'pxname' column" },
		{ "# pxname,svname,weight,stot\n", "no 'status' column" },
		{ "# pxname,svname,status,stot\n", "no 'weight' column" },
		{ "# pxname,svname,status,weight,stot,\"x\n", "header line has an unclosed quote" },
		/* short lines */
		{ "# pxname,svname,status,weight,stot\nbe,s1,UP,1\n", "line 2 has 4 fields; the header names 5" },
		{ "# pxname,svname,status,weight,stot\nbe,s1,UP,1,2\nbe\n", "line 3 has 1 fields" },
		{ "# pxname,svname,status,weight,stot\n\n\nbe,s1\n", "line 4 has 2 fields" },
		/* numbers */
		{ "# pxname,svname,status,weight,stot\nbe,s1,UP,abc,2\n", "(be/s1): weight 'abc' is not 0 to 256" },
		{ "# pxname,svname,status,weight,stot\nbe,s1,UP,,2\n", "weight '' is not" },
		{ "# pxname,svname,status,weight,stot\nbe,s1,UP,-1,2\n", "weight '-1'" },
		{ "# pxname,svname,status,weight,stot\nbe,s1,UP,257,2\n", "weight '257'" },
		{ "# pxname,svname,status,weight,stot\nbe,s1,UP,1.5,2\n", "weight '1.5'" },
		{ "# pxname,svname,status,weight,stot\nbe,s1,UP, 5,2\n", "weight ' 5'" },
		{ "# pxname,svname,status,weight,stot\nbe,s1,UP,99999999999999999999,2\n", "weight '9999" },
		{ "# pxname,svname,status,weight,stot\nbe,s1,UP,5,x\n", "stot 'x' is not a count" },
		{ "# pxname,svname,status,weight,stot\nbe,s1,UP,5,-3\n", "stot '-3'" },
		{ "# pxname,svname,status,weight,stot\nbe,s1,UP,5,99999999999999999999\n", "stot '9999" },
		{ "# pxname,svname,status,weight,stot\n,s1,UP,5,1\n", "line 2 names no proxy or no server" },
		{ "# pxname,svname,status,weight,stot\nbe,,UP,5,1\n", "names no proxy" },
		/* quotes */
		{ "# pxname,svname,status,weight,stot\nbe,\"s1,UP,5,1\n", "line 2 has an unclosed quote" },
		{ "# pxname,svname,status,weight,stot\nbe,\"s1\"x,UP,5,1\n", "line 2 has an unclosed quote" },
		/* a hostile value comes back cleaned */
		{ "# pxname,svname,status,weight,stot\nbe,s1,UP,\x1b[2J,1\n", "weight '\\x1b[2J'" },
		{ "# pxname,svname,status,weight,stot\n\xff\xfe,s1,UP,x,1\n", "(\\xff\\xfe/s1)" },
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof cases / sizeof cases[0]; i++)
		expect_fail(cases[i].t, strlen(cases[i].t), cases[i].want);
	expect_fail("# pxname,svname,status,weight,stot\nbe,s\0,UP,1,1\n", 46, "NUL byte");
}

/* Huge fields: a megabyte name is kept whole (and found), a megabyte weight
 * is refused with a message that stays its size; too many columns are refused. */
static void test_stat_huge(void **state)
{
	size_t big = 1u << 20, i, off;
	char *t = malloc(2 * big + 200), *name = malloc(big + 1), err[256];
	const struct hap_row *r;
	struct hap_stat st;
	int twice;

	(void)state;
	assert_non_null(t);
	assert_non_null(name);
	memset(name, 'n', big);
	name[big] = '\0';
	off = (size_t)snprintf(t, 200, "# pxname,svname,status,weight,stot\nbe,");
	memcpy(t + off, name, big);
	off += big;
	off += (size_t)snprintf(t + off, 200, ",UP,7,1\n");
	assert_int_equal(hap_stat_parse(t, off, &st, err, sizeof err), 0);
	r = hap_stat_find(&st, "be", name, &twice);
	assert_non_null(r);
	assert_int_equal(r->weight, 7);
	hap_stat_free(&st);

	off = (size_t)snprintf(t, 200, "# pxname,svname,status,weight,stot\nbe,s1,UP,");
	memset(t + off, '9', big);
	off += big;
	off += (size_t)snprintf(t + off, 200, ",1\n");
	assert_int_equal(hap_stat_parse(t, off, &st, err, sizeof err), -1);
	assert_non_null(strstr(err, "weight '999"));
	assert_true(strlen(err) < sizeof err - 1 || strstr(err, "...") != NULL);

	off = (size_t)snprintf(t, 200, "# pxname,svname,status,weight,stot");
	for (i = 0; i < HAP_MAX_FIELDS; i++)
		t[off++] = ',';
	t[off++] = '\n';
	assert_int_equal(hap_stat_parse(t, off, &st, err, sizeof err), -1);
	assert_non_null(strstr(err, "columns, more than 1024"));
	free(t);
	free(name);
}

static void test_stat_twice(void **state)
{
	const char *t = "# pxname,svname,status,weight,stot\nbe,s1,UP,1,1\nbe,s1,UP,2,2\n";
	struct hap_stat st;
	char err[256];
	int twice;

	(void)state;
	assert_int_equal(parse(t, &st, err, sizeof err), 0);
	assert_non_null(hap_stat_find(&st, "be", "s1", &twice));
	assert_int_equal(twice, 1);
	hap_stat_free(&st);
}

static void test_status(void **state)
{
	static const struct {
		const char *status, *state;
	} cases[] = {
		{ "UP", "ready" },	     { "UP 1/3", "ready" },	      { "no check", "ready" },
		{ "DRAIN", "drain" },	     { "DRAIN (agent)", "drain" },    { "NOLB", "drain" },
		{ "MAINT", "maint" },	     { "MAINT(via)", "maint" },	      { "MAINT (resolution)", "maint" },
		{ "DOWN", "down" },	     { "DOWN 1/2", "down" },	      { "DOWN (agent)", "down" },
		{ "UPX", NULL },	     { "up", NULL },		      { "", NULL },
		{ "no checks", NULL },	     { "MAINTENANCE", NULL },	      { "OPEN", NULL },
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		const char *got = hap_status_state(cases[i].status);

		if (cases[i].state == NULL)
			assert_null(got);
		else {
			assert_non_null(got);
			assert_string_equal(got, cases[i].state);
		}
	}
}

/* ---- configuration ---- */

/* Parses "key=value" pairs given as one string per pair. */
static int conf(struct hap_config *c, char *err, size_t errn, size_t n, ...)
{
	struct steward_kv kv[40];
	static char store[40][600];
	va_list ap;
	size_t i;

	va_start(ap, n);
	for (i = 0; i < n; i++) {
		const char *p = va_arg(ap, const char *);
		char *eq;

		snprintf(store[i], sizeof store[i], "%s", p);
		eq = strchr(store[i], '=');
		assert_non_null(eq);
		*eq = '\0';
		kv[i].key = store[i];
		kv[i].value = eq + 1;
	}
	va_end(ap);
	return hap_config_parse(kv, n, c, err, errn);
}

static void test_config_good(void **state)
{
	struct hap_config c;
	char err[512] = "";

	(void)state;
	assert_int_equal(conf(&c, err, sizeof err, 6, "steward.sink_revision=4", "socket=/run/haproxy/admin.sock",
			      "timeout=12", "model.fraud-scoring=be_fraud v1:1  v2:2\tv2b:2",
			      "shadow.fraud-scoring=be_fraud_shadow v3:3", "model.churn=be_churn srv:a:7"),
			 0);
	assert_int_equal(c.tcp, 0);
	assert_string_equal(c.socket, "/run/haproxy/admin.sock");
	assert_int_equal(c.timeout, 12);
	assert_int_equal(c.nmodels, 2);
	assert_string_equal(c.models[0].name, "fraud-scoring");
	assert_string_equal(c.models[0].live, "be_fraud");
	assert_string_equal(c.models[0].shadow, "be_fraud_shadow");
	assert_string_equal(c.models[1].live, "be_churn");
	assert_string_equal(c.models[1].shadow, "");
	assert_int_equal(c.nservers, 5);
	assert_string_equal(c.servers[2].name, "v2b");
	assert_int_equal(c.servers[2].version, 2);
	assert_int_equal(c.servers[3].shadow, 1);
	assert_int_equal(c.servers[3].version, 3);
	/* HAProxy names may hold ':': the last one splits off the version. */
	assert_string_equal(c.servers[4].name, "srv:a");
	assert_int_equal(c.servers[4].version, 7);
	assert_int_equal(c.servers[4].model, 1);
	assert_int_equal(hap_config_model(&c, "churn"), 1);
	assert_int_equal(hap_config_model(&c, "nope"), -1);
	hap_config_free(&c);

	assert_int_equal(conf(&c, err, sizeof err, 2, "socket=127.0.0.1:9999", "model.m=be s:1"), 0);
	assert_int_equal(c.tcp, 1);
	assert_string_equal(c.host, "127.0.0.1");
	assert_string_equal(c.port, "9999");
	assert_int_equal(c.timeout, 5);
	hap_config_free(&c);
	assert_int_equal(conf(&c, err, sizeof err, 2, "socket=[::1]:80", "model.m=be s:1"), 0);
	assert_string_equal(c.host, "::1");
	hap_config_free(&c);
}

static void test_config_bad(void **state)
{
	static const struct {
		const char *k1, *k2, *k3, *want;
	} cases[] = {
		{ "model.m=be s:1", NULL, NULL, "socket is missing" },
		{ "socket=/s", NULL, NULL, "no model.MODEL key" },
		{ "socket=/s", "model.m=be s:1", "colour=blue", "unknown key 'colour'" },
		{ "socket=/s", "model.m=be s:1", "models.m=be t:1", "unknown key 'models.m'" },
		{ "socket=/s", "model.m=be s:1", "socket=/t", "socket is given twice" },
		{ "socket=/s", "model.m=be s:1", "model.m=be2 t:1", "model.m is given twice" },
		{ "socket=/s", "model.m=be s:1 s:2", NULL, "model.m: server s is listed twice (as version 1 and 2)" },
		{ "socket=/s", "model.m=be s:1 t:2 s:1", NULL, "model.m: server s is listed twice" },
		{ "socket=/s", "model.m=be s:0", NULL, "model.m: server s: version '0' is not a positive integer" },
		{ "socket=/s", "model.m=be s:-1", NULL, "version '-1' is not" },
		{ "socket=/s", "model.m=be s:+1", NULL, "version '+1' is not" },
		{ "socket=/s", "model.m=be s:1.5", NULL, "version '1.5' is not" },
		{ "socket=/s", "model.m=be s:v1", NULL, "version 'v1' is not" },
		{ "socket=/s", "model.m=be s:", NULL, "version '' is not" },
		{ "socket=/s", "model.m=be s:99999999999999999999", NULL, "version '99999999999999999999' is not" },
		{ "socket=/s", "model.m=be s", NULL, "model.m: 's' is not SERVER:VERSION" },
		{ "socket=/s", "model.m=be :1", NULL, "model.m: server '' is not a HAProxy name" },
		{ "socket=/s", "model.m=be a/b:1", NULL, "model.m: server 'a/b' is not a HAProxy name" },
		{ "socket=/s", "model.m=be a,b:1", NULL, "server 'a,b' is not" },
		{ "socket=/s", "model.m=b/e s:1", NULL, "model.m: backend 'b/e' is not a HAProxy name" },
		{ "socket=/s", "model.m=", NULL, "model.m: empty" },
		{ "socket=/s", "model.m=   ", NULL, "model.m: empty" },
		{ "socket=/s", "model.m=be", NULL, "model.m: backend be names no server" },
		{ "socket=/s", "model.=be s:1", NULL, "model.: '' is not a model name" },
		{ "socket=/s", "model.a/b=be s:1", NULL, "'a/b' is not a model name" },
		{ "socket=/s", "model.a:b=be s:1", NULL, "'a:b' is not a model name" },
		{ "socket=/s", "model.a\x01=be s:1", NULL, "'a\\x01' is not a model name" },
		{ "socket=/s", "model.m=be s:1", "model.n=be t:1", "model.n: backend be is already model.m's" },
		{ "socket=/s", "model.m=be s:1", "shadow.m=be t:2", "shadow.m: backend be is already model.m's" },
		{ "socket=/s", "shadow.m=bs t:2", "model.n=bs s:1", "model.n: backend bs is already shadow.m's" },
		{ "socket=rel.sock", "model.m=be s:1", NULL, "'rel.sock' is neither an absolute path" },
		{ "socket=localhost:9999", "model.m=be s:1", NULL, "'localhost:9999' is neither" },
		{ "socket=127.0.0.1", "model.m=be s:1", NULL, "is neither" },
		{ "socket=127.0.0.1:", "model.m=be s:1", NULL, "is neither" },
		{ "socket=127.0.0.1:0", "model.m=be s:1", NULL, "is neither" },
		{ "socket=127.0.0.1:65536", "model.m=be s:1", NULL, "is neither" },
		{ "socket=127.0.0.1:+80", "model.m=be s:1", NULL, "is neither" },
		{ "socket=127.0.0.1:80x", "model.m=be s:1", NULL, "is neither" },
		{ "socket=[::1]80", "model.m=be s:1", NULL, "is neither" },
		{ "socket=::1:80", "model.m=be s:1", NULL, "is neither" },
		{ "socket=/s", "model.m=be s:1", "timeout=0", "timeout: '0' is not 1 to 300 seconds" },
		{ "socket=/s", "model.m=be s:1", "timeout=301", "timeout: '301'" },
		{ "socket=/s", "model.m=be s:1", "timeout=5s", "timeout: '5s'" },
		{ "socket=/s", "model.m=be s:1", "timeout=", "timeout: ''" },
		{ "socket=/s", "model.m=be s:1", "timeout=+5", "timeout: '+5'" },
	};
	struct hap_config c;
	char err[512];
	size_t i;

	(void)state;
	for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		int rc;

		err[0] = '\0';
		if (cases[i].k3 != NULL)
			rc = conf(&c, err, sizeof err, 3, cases[i].k1, cases[i].k2, cases[i].k3);
		else if (cases[i].k2 != NULL)
			rc = conf(&c, err, sizeof err, 2, cases[i].k1, cases[i].k2);
		else
			rc = conf(&c, err, sizeof err, 1, cases[i].k1);
		if (rc != -1 || strstr(err, cases[i].want) == NULL)
			fail_msg("case %zu: rc %d, wanted '%s' in: %s", i, rc, cases[i].want, err);
		assert_null(c.models);
		assert_null(c.servers);
	}
}

/* A socket path longer than sun_path, a huge value, and more servers than the limit. */
static void test_config_limits(void **state)
{
	struct steward_kv kv[2];
	struct hap_config c;
	char err[512], *v = malloc(HAP_MAX_SERVERS * 12 + 100), path[200];
	size_t i, off;

	(void)state;
	assert_non_null(v);
	memset(path, 'p', sizeof path);
	path[0] = '/';
	path[150] = '\0';
	kv[0].key = "socket";
	kv[0].value = path;
	kv[1].key = "model.m";
	kv[1].value = "be s:1";
	assert_int_equal(hap_config_parse(kv, 2, &c, err, sizeof err), -1);
	assert_non_null(strstr(err, "longer than a Unix socket's 107 bytes"));

	kv[0].value = "/s";
	off = (size_t)snprintf(v, 100, "be");
	for (i = 0; i <= HAP_MAX_SERVERS; i++)
		off += (size_t)snprintf(v + off, 13, " s%zu:1", i);
	kv[1].value = v;
	assert_int_equal(hap_config_parse(kv, 2, &c, err, sizeof err), -1);
	assert_non_null(strstr(err, "more than 512 servers"));
	free(v);

	v = malloc(1u << 20);
	assert_non_null(v);
	memset(v, 'b', (1u << 20) - 1);
	v[(1u << 20) - 1] = '\0';
	kv[1].value = v;
	assert_int_equal(hap_config_parse(kv, 2, &c, err, sizeof err), -1);
	assert_non_null(strstr(err, "model.m: backend 'bbbb"));
	assert_true(strlen(err) < 400);
	free(v);
}

/* ---- the plan: weights and states per server ---- */

static void test_plan(void **state)
{
	struct hap h;
	int64_t w[8];
	const char *s[8];
	char err[512];
	struct steward_traffic t[4];
	struct steward_act a = { .kind = STEWARD_ACT_SET_TRAFFIC, .model = "m", .traffic = t };

	(void)state;
	assert_int_equal(conf(&h.c, err, sizeof err, 3, "socket=/s", "model.m=be a:1 b:1 c:2", "shadow.m=bs d:3"), 0);
	t[0] = (struct steward_traffic){ 1, 25, "ready" };
	t[1] = (struct steward_traffic){ 2, 75, "ready" };
	a.ntraffic = 2;
	assert_int_equal(hap_plan(&h, &a, 0, w, s, err, sizeof err), 0);
	/* 25% over two servers of version 1: 13 and 12, so the version keeps 25 of 100. */
	assert_int_equal(w[0], 13);
	assert_int_equal(w[1], 12);
	assert_int_equal(w[2], 75);
	assert_string_equal(s[2], "ready");

	t[0] = (struct steward_traffic){ 1, 100, "ready" };
	t[1] = (struct steward_traffic){ 2, 0, "drain" };
	assert_int_equal(hap_plan(&h, &a, 0, w, s, err, sizeof err), 0);
	assert_int_equal(w[0], 50);
	assert_int_equal(w[1], 50);
	assert_int_equal(w[2], 0);
	assert_string_equal(s[2], "drain");

	t[1] = (struct steward_traffic){ 2, 1, "drain" };
	assert_int_equal(hap_plan(&h, &a, 0, w, s, err, sizeof err), -1);
	assert_non_null(strstr(err, "version 2: a share of 1% needs state ready, not drain"));
	t[1] = (struct steward_traffic){ 2, 10, "ready" };
	assert_int_equal(hap_plan(&h, &a, 0, w, s, err, sizeof err), -1);
	assert_non_null(strstr(err, "shares add up to 110, not 100"));
	t[0] = (struct steward_traffic){ 1, 90, "ready" };
	t[1] = (struct steward_traffic){ 2, 10, "up" };
	assert_int_equal(hap_plan(&h, &a, 0, w, s, err, sizeof err), -1);
	assert_non_null(strstr(err, "state 'up' is none of ready, drain, maint"));
	t[1] = (struct steward_traffic){ 2, 10, NULL };
	assert_int_equal(hap_plan(&h, &a, 0, w, s, err, sizeof err), -1);
	t[1] = (struct steward_traffic){ 2, 101, "ready" };
	assert_int_equal(hap_plan(&h, &a, 0, w, s, err, sizeof err), -1);
	assert_non_null(strstr(err, "share 101 is not 0 to 100"));
	t[1] = (struct steward_traffic){ 2, -1, "ready" };
	assert_int_equal(hap_plan(&h, &a, 0, w, s, err, sizeof err), -1);
	t[1] = (struct steward_traffic){ 1, 10, "ready" };
	assert_int_equal(hap_plan(&h, &a, 0, w, s, err, sizeof err), -1);
	assert_non_null(strstr(err, "version 1 is in the plan twice"));
	/* The shadow's version is no live version. */
	t[0] = (struct steward_traffic){ 1, 90, "ready" };
	t[1] = (struct steward_traffic){ 2, 0, "maint" };
	t[2] = (struct steward_traffic){ 3, 10, "ready" };
	a.ntraffic = 3;
	assert_int_equal(hap_plan(&h, &a, 0, w, s, err, sizeof err), -1);
	assert_non_null(strstr(err, "version 3 of m has no server in model.m: nothing changed"));
	a.ntraffic = 1;
	t[0] = (struct steward_traffic){ 1, 100, "ready" };
	assert_int_equal(hap_plan(&h, &a, 0, w, s, err, sizeof err), -1);
	assert_non_null(strstr(err, "does not say what version 2 (server be/c) gets"));
	a.ntraffic = 0;
	assert_int_equal(hap_plan(&h, &a, 0, w, s, err, sizeof err), -1);
	assert_non_null(strstr(err, "plan for m is empty"));
	hap_config_free(&h.c);
}

/* ---- sync and act against a simulated admin socket ---- */

#define SIM_MAX 8

struct sim {
	char dir[40], path[64];
	int fd;
	pthread_t t;
	pthread_mutex_t mu;
	struct {
		char px[32], sv[32], status[16];
		int weight, stot;
		int dead; /* fails its health check: "ready" makes it DOWN */
	} srv[SIM_MAX];
	int n;
	char log[8192];       /* every command, one a line */
	const char *refuse;   /* a command prefix answered with an error */
	const char *ignore;   /* a command prefix acknowledged but not done */
	const char *garbage;  /* when set, the answer to everything */
};

static void sim_answer(struct sim *s, const char *cmd, char *out, size_t n)
{
	char px[64], sv[64], what[16], val[16];
	size_t o = 0;
	int i;

	snprintf(s->log + strlen(s->log), sizeof s->log - strlen(s->log), "%s\n", cmd);
	out[0] = '\0';
	if (s->garbage != NULL) {
		snprintf(out, n, "%s", s->garbage);
		return;
	}
	if (s->refuse != NULL && strncmp(cmd, s->refuse, strlen(s->refuse)) == 0) {
		snprintf(out, n, "Backend is using a static LB algorithm.\n\n");
		return;
	}
	if (strcmp(cmd, "show info") == 0) {
		snprintf(out, n, "Name: HAProxy\nVersion: 9.9-sim\n");
		return;
	}
	if (strcmp(cmd, "show stat -1 4 -1") == 0) {
		o = (size_t)snprintf(out, n, "# pxname,svname,status,weight,stot,uweight\n");
		for (i = 0; i < s->n; i++)
			o += (size_t)snprintf(out + o, n - o, "%s,%s,%s,%d,%d,%d\n", s->srv[i].px, s->srv[i].sv,
					      s->srv[i].status, s->srv[i].weight, s->srv[i].stot, s->srv[i].weight);
		snprintf(out + o, n - o, "\n");
		return;
	}
	if (sscanf(cmd, "set server %63[^/]/%63s %15s %15s", px, sv, what, val) == 4) {
		if (s->ignore != NULL && strncmp(cmd, s->ignore, strlen(s->ignore)) == 0)
			return;
		for (i = 0; i < s->n; i++)
			if (strcmp(s->srv[i].px, px) == 0 && strcmp(s->srv[i].sv, sv) == 0)
				break;
		snprintf(out, n, "\n"); /* HAProxy's "done" */
		if (i == s->n)
			snprintf(out, n, "No such server.\n\n");
		else if (strcmp(what, "weight") == 0)
			s->srv[i].weight = atoi(val);
		else
			snprintf(s->srv[i].status, sizeof s->srv[i].status, "%s",
				 strcmp(val, "ready") == 0 ? (s->srv[i].dead ? "DOWN" : "UP")
				 : strcmp(val, "drain") == 0 ? (s->srv[i].dead ? "DOWN" : "DRAIN")
							     : "MAINT");
		return;
	}
	snprintf(out, n, "Unknown command.\n");
}

static void *sim_main(void *arg)
{
	struct sim *s = arg;
	char cmd[512], out[4096];

	for (;;) {
		ssize_t r;
		size_t got = 0;
		int c = accept(s->fd, NULL, NULL);

		if (c < 0)
			return NULL; /* shut down */
		while (got < sizeof cmd - 1 && (r = read(c, cmd + got, sizeof cmd - 1 - got)) > 0) {
			got += (size_t)r;
			if (memchr(cmd, '\n', got) != NULL)
				break;
		}
		cmd[got] = '\0';
		cmd[strcspn(cmd, "\n")] = '\0';
		pthread_mutex_lock(&s->mu);
		sim_answer(s, cmd, out, sizeof out);
		pthread_mutex_unlock(&s->mu);
		if (write(c, out, strlen(out)) < 0)
			break;
		close(c);
	}
	return NULL;
}

static struct sim *sim_start(void)
{
	struct sim *s = calloc(1, sizeof *s);
	struct sockaddr_un sa = { .sun_family = AF_UNIX };

	assert_non_null(s);
	snprintf(s->dir, sizeof s->dir, "/tmp/test-haproxy.XXXXXX");
	assert_non_null(mkdtemp(s->dir));
	snprintf(s->path, sizeof s->path, "%s/admin.sock", s->dir);
	snprintf(sa.sun_path, sizeof sa.sun_path, "%s", s->path);
	s->fd = socket(AF_UNIX, SOCK_STREAM, 0);
	assert_true(s->fd >= 0);
	assert_int_equal(bind(s->fd, (struct sockaddr *)&sa, sizeof sa), 0);
	assert_int_equal(listen(s->fd, 16), 0);
	pthread_mutex_init(&s->mu, NULL);
	assert_int_equal(pthread_create(&s->t, NULL, sim_main, s), 0);
	return s;
}

static void sim_add(struct sim *s, const char *px, const char *sv, const char *status, int weight, int stot)
{
	snprintf(s->srv[s->n].px, sizeof s->srv[s->n].px, "%s", px);
	snprintf(s->srv[s->n].sv, sizeof s->srv[s->n].sv, "%s", sv);
	snprintf(s->srv[s->n].status, sizeof s->srv[s->n].status, "%s", status);
	s->srv[s->n].weight = weight;
	s->srv[s->n++].stot = stot;
}

static void sim_stop(struct sim *s)
{
	shutdown(s->fd, SHUT_RDWR);
	pthread_join(s->t, NULL);
	close(s->fd);
	unlink(s->path);
	rmdir(s->dir);
	pthread_mutex_destroy(&s->mu);
	free(s);
}

/* A sink that keeps what it is handed as lines. */
struct rec_sink {
	char lines[4096];
	int n, refuse_at;
};

static int rec_deployment(void *ctx, const struct steward_deployment_rec *d)
{
	struct rec_sink *r = ctx;
	size_t l = strlen(r->lines);

	if (++r->n == r->refuse_at)
		return -1;
	snprintf(r->lines + l, sizeof r->lines - l, "%s %lld %s %s %s %lld %.2f %lld\n", d->model,
		 (long long)d->version, d->target, d->mode, d->state, (long long)d->weight, d->share,
		 (long long)d->sessions);
	return 0;
}

static const char *rec_message(void *ctx)
{
	(void)ctx;
	return "a store that says no";
}

static struct hap *sim_open(struct sim *s, const char *model, const char *shadow)
{
	struct steward_kv kv[5] = { { "socket", s->path }, { "model.m", model }, { "steward.sink_revision", "4" },
				    { "timeout", "1" }, { "shadow.m", shadow } };
	void *h = NULL;
	char err[512];

	if (hap_open(kv, shadow ? 5 : 4, &h, err, sizeof err) != 0)
		fail_msg("open: %s", err);
	return h;
}

static void test_sync_sim(void **state)
{
	struct sim *s = sim_start();
	struct rec_sink r = { .lines = "" };
	struct steward_sink sink = { .ctx = &r, .deployment = rec_deployment, .message = rec_message };
	struct hap *h;
	char err[512];

	(void)state;
	sim_add(s, "be", "a", "UP", 60, 100);
	sim_add(s, "be", "b", "UP 1/3", 20, 30);
	sim_add(s, "be", "c", "DRAIN", 20, 5);
	sim_add(s, "be", "x", "no check", 20, 1); /* not configured, yet part of the backend's ready weight */
	sim_add(s, "bs", "d", "UP", 1, 77);
	h = sim_open(s, "be a:1 b:2 c:2", "bs d:3");
	assert_int_equal(hap_sync(h, &sink, err, sizeof err), 0);
	assert_string_equal(r.lines, "m 1 be/a live ready 60 60.00 100\n"
				     "m 2 be/b live ready 20 20.00 30\n"
				     "m 2 be/c live drain 20 0.00 5\n"
				     "m 3 bs/d shadow ready 1 0.00 77\n");
	assert_string_equal(s->log, "show stat -1 4 -1\n");

	/* No ready weight at all: every share is 0. */
	s->srv[0].weight = s->srv[1].weight = s->srv[3].weight = 0;
	r.lines[0] = '\0';
	assert_int_equal(hap_sync(h, &sink, err, sizeof err), 0);
	assert_non_null(strstr(r.lines, "m 1 be/a live ready 0 0.00 100\n"));

	/* The sink refuses the second record: the reason comes back, naming the server. */
	r.lines[0] = '\0';
	r.n = 0;
	r.refuse_at = 2;
	assert_int_equal(hap_sync(h, &sink, err, sizeof err), -1);
	assert_string_equal(err, "steward refused server be/b: a store that says no");
	r.refuse_at = 0;

	/* A status nobody knows, and a server missing: nothing is handed over. */
	snprintf(s->srv[2].status, sizeof s->srv[2].status, "WEIRD");
	r.lines[0] = '\0';
	r.n = 0;
	assert_int_equal(hap_sync(h, &sink, err, sizeof err), -1);
	assert_non_null(strstr(err, "server be/c has status 'WEIRD'"));
	assert_int_equal(r.n, 0);
	snprintf(s->srv[2].status, sizeof s->srv[2].status, "UP");
	snprintf(s->srv[4].sv, sizeof s->srv[4].sv, "gone");
	assert_int_equal(hap_sync(h, &sink, err, sizeof err), -1);
	assert_non_null(strstr(err, "server bs/d (shadow.m, version 3) is not in HAProxy's show stat on /tmp/test-haproxy."));
	assert_int_equal(r.n, 0);
	snprintf(s->srv[4].sv, sizeof s->srv[4].sv, "d");

	/* A host without the deployment sink: said so, after everything was read. */
	sink.deployment = NULL;
	assert_int_equal(hap_sync(h, &sink, err, sizeof err), -1);
	assert_non_null(strstr(err, "takes no deployment records"));
	sink.deployment = rec_deployment;

	/* Garbage, and HAProxy saying no. */
	s->garbage = "HTTP/1.1 400 Bad Request\r\n\r\n";
	assert_int_equal(hap_sync(h, &sink, err, sizeof err), -1);
	assert_non_null(strstr(err, "HAProxy socket /tmp/test-haproxy."));
	assert_non_null(strstr(err, "it began: HTTP/1.1 400 Bad Request\\x0d"));
	s->garbage = "Permission denied\n";
	assert_int_equal(hap_health(h, err, sizeof err), -1);
	assert_non_null(strstr(err, "show info did not answer HAProxy's; it began: Permission denied"));
	s->garbage = NULL;
	assert_int_equal(hap_health(h, err, sizeof err), 0);
	assert_non_null(strstr(err, "ok: HAProxy 9.9-sim on /tmp/test-haproxy."));
	hap_close(h);
	sim_stop(s);
}

static void test_act_sim(void **state)
{
	struct sim *s = sim_start();
	struct steward_traffic t[3];
	struct steward_act a = { .kind = STEWARD_ACT_SET_TRAFFIC, .model = "m", .traffic = t, .ntraffic = 2 };
	struct hap *h;
	char err[512];

	(void)state;
	sim_add(s, "be", "a", "UP", 100, 0);
	sim_add(s, "be", "b", "MAINT", 0, 0);
	sim_add(s, "bs", "d", "UP", 1, 0);
	h = sim_open(s, "be a:1 b:2", "bs d:3");
	/* The canary is raised before the stable one is lowered. */
	t[0] = (struct steward_traffic){ 1, 80, "ready" };
	t[1] = (struct steward_traffic){ 2, 20, "ready" };
	assert_int_equal(hap_act(h, &a, err, sizeof err), 0);
	assert_string_equal(s->log, "show stat -1 4 -1\n"
				    "set server be/a weight 80\n"
				    "set server be/a state ready\n"
				    "set server be/b weight 20\n"
				    "set server be/b state ready\n"
				    "show stat -1 4 -1\n" /* are the raised servers up? */
				    "show stat -1 4 -1\n");
	/* Back: the version that gets traffic first, then the one that loses it. */
	s->log[0] = '\0';
	t[0] = (struct steward_traffic){ 1, 0, "drain" };
	t[1] = (struct steward_traffic){ 2, 100, "ready" };
	assert_int_equal(hap_act(h, &a, err, sizeof err), 0);
	assert_string_equal(s->log, "show stat -1 4 -1\n"
				    "set server be/b weight 100\n"
				    "set server be/b state ready\n"
				    "show stat -1 4 -1\n"
				    "set server be/a weight 0\n"
				    "set server be/a state drain\n"
				    "show stat -1 4 -1\n");
	assert_string_equal(s->srv[0].status, "DRAIN");
	assert_int_equal(s->srv[1].weight, 100);
	assert_int_equal(s->srv[2].weight, 1); /* the shadow is never touched */

	/* HAProxy refuses a command: its words come back, and what was done before is counted. */
	s->log[0] = '\0';
	s->refuse = "set server be/a weight";
	t[0] = (struct steward_traffic){ 1, 50, "ready" };
	t[1] = (struct steward_traffic){ 2, 50, "ready" };
	assert_int_equal(hap_act(h, &a, err, sizeof err), -1);
	assert_string_equal(err, "HAProxy refused 'set server be/a weight 50': Backend is using a static LB algorithm. (0 of 4 changes made before)");
	s->refuse = NULL;

	/* A command HAProxy acknowledges but does not do shows in the read-back. */
	s->ignore = "set server be/b state";
	t[0] = (struct steward_traffic){ 1, 100, "ready" };
	t[1] = (struct steward_traffic){ 2, 0, "maint" };
	assert_int_equal(hap_act(h, &a, err, sizeof err), -1);
	assert_non_null(strstr(err, "server be/b has weight 0 and is ready (UP); the plan wanted weight 0, maint"));
	s->ignore = NULL;

	/* A raised server that fails its health check: the stable one keeps its traffic. */
	s->log[0] = '\0';
	s->srv[1].dead = 1;
	t[0] = (struct steward_traffic){ 1, 50, "ready" };
	t[1] = (struct steward_traffic){ 2, 50, "ready" };
	snprintf(s->srv[1].status, sizeof s->srv[1].status, "MAINT");
	assert_int_equal(hap_act(h, &a, err, sizeof err), -1);
	assert_string_equal(err, "server be/b is still down (DOWN) 1 s after it was made ready: the servers it was to relieve keep their traffic (4 changes made)");
	assert_string_equal(s->srv[0].status, "UP");
	assert_int_equal(s->srv[0].weight, 50);
	/* Drained, it still fails its check and shows DOWN: that is drained enough. */
	t[0] = (struct steward_traffic){ 1, 100, "ready" };
	t[1] = (struct steward_traffic){ 2, 0, "drain" };
	assert_int_equal(hap_act(h, &a, err, sizeof err), 0);
	assert_string_equal(s->srv[1].status, "DOWN");
	/* Ready again, it is not. */
	s->ignore = "set server be/b weight";
	s->srv[1].weight = 7;
	assert_int_equal(hap_act(h, &a, err, sizeof err), -1);
	assert_non_null(strstr(err, "server be/b has weight 7 and is down (DOWN); the plan wanted weight 0, drain"));
	s->ignore = NULL;
	s->srv[1].dead = 0;
	t[1] = (struct steward_traffic){ 2, 0, "maint" };

	/* Refused before any change: a server HAProxy lacks, an unconfigured server taking traffic, bad plans. */
	s->log[0] = '\0';
	snprintf(s->srv[1].sv, sizeof s->srv[1].sv, "gone");
	assert_int_equal(hap_act(h, &a, err, sizeof err), -1);
	assert_non_null(strstr(err, "server be/b (model.m, version 2) is not in HAProxy's show stat"));
	assert_non_null(strstr(err, ": nothing changed"));
	snprintf(s->srv[1].sv, sizeof s->srv[1].sv, "b");
	sim_add(s, "be", "stray", "UP", 5, 0);
	assert_int_equal(hap_act(h, &a, err, sizeof err), -1);
	assert_string_equal(err, "server be/stray takes live traffic but is not in model.m, so no plan can give shares: nothing changed");
	s->srv[3].weight = 0; /* with weight 0 it takes none */
	t[1] = (struct steward_traffic){ 3, 0, "maint" };
	assert_int_equal(hap_act(h, &a, err, sizeof err), -1);
	assert_non_null(strstr(err, "version 3 of m has no server in model.m"));
	assert_null(strstr(s->log, "set server"));
	a.model = "other";
	assert_int_equal(hap_act(h, &a, err, sizeof err), -1);
	assert_string_equal(err, "model other has no model.other key in this HAProxy instance");
	a.model = "m";
	a.kind = STEWARD_ACT_SET_ALIAS;
	assert_int_equal(hap_act(h, &a, err, sizeof err), -1);
	assert_non_null(strstr(err, "haproxy makes only traffic changes"));
	assert_null(strstr(s->log, "set server"));
	hap_close(h);
	sim_stop(s);
}

static void test_open(void **state)
{
	struct steward_kv kv[3] = { { "socket", "/s" }, { "model.m", "be s:1" }, { "steward.sink_revision", "3" } };
	void *h = NULL;
	char err[512];

	(void)state;
	assert_int_equal(hap_open(kv, 3, &h, err, sizeof err), -1);
	assert_string_equal(err, "this steward's plugin host is older than the HAProxy plugin: it needs sink revision 4 (serving), the host offers 3");
	assert_int_equal(hap_open(kv, 2, &h, err, sizeof err), -1);
	assert_non_null(strstr(err, "the host offers revision 1"));
	kv[2].value = "banana";
	assert_int_equal(hap_open(kv, 3, &h, err, sizeof err), -1);
	kv[2].value = "5";
	assert_int_equal(hap_open(kv, 3, &h, err, sizeof err), 0);
	assert_non_null(h);
	assert_int_equal(steward_plugin_entry()->caps, STEWARD_CAP_DEPLOY);
	hap_close(h);
	/* A missing socket is named, with how to make one. */
	kv[0].value = "/nonexistent/admin.sock";
	assert_int_equal(hap_open(kv, 3, &h, err, sizeof err), 0);
	assert_int_equal(hap_health(h, err, sizeof err), -1);
	assert_string_equal(err, "HAProxy socket /nonexistent/admin.sock does not exist (is HAProxy running with 'stats socket /nonexistent/admin.sock level admin'?)");
	hap_close(h);
}

/* A socket that never accepts: once its backlog is full a connection waits,
 * and the timeout ends it with a message, not a half-open socket. */
static void test_backlog_full(void **state)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	char dir[40] = "/tmp/test-haproxy.XXXXXX", path[64], err[512];
	struct steward_kv kv[4] = { { "socket", path }, { "model.m", "be s:1" }, { "timeout", "1" },
				    { "steward.sink_revision", "4" } };
	int fd, held[8], i, n = 0;
	void *h = NULL;

	(void)state;
	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof path, "%s/admin.sock", dir);
	memcpy(sa.sun_path, path, strlen(path) + 1);
	fd = socket(AF_UNIX, SOCK_STREAM, 0);
	assert_true(fd >= 0);
	assert_int_equal(bind(fd, (struct sockaddr *)&sa, sizeof sa), 0);
	assert_int_equal(listen(fd, 0), 0);
	for (i = 0; i < 8; i++) {
		held[n] = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, 0);
		assert_true(held[n] >= 0);
		if (connect(held[n], (struct sockaddr *)&sa, sizeof sa) != 0) {
			close(held[n]);
			break;
		}
		n++;
	}
	assert_true(i < 8); /* the backlog filled */
	assert_int_equal(hap_open(kv, 4, &h, err, sizeof err), 0);
	assert_int_equal(hap_health(h, err, sizeof err), -1);
	assert_non_null(strstr(err, "admin.sock: no connection within 1 s (its backlog is full)"));
	hap_close(h);
	for (i = 0; i < n; i++)
		close(held[i]);
	close(fd);
	unlink(path);
	rmdir(dir);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_stat_real),
		cmocka_unit_test(test_stat_by_name),
		cmocka_unit_test(test_stat_full_and_quotes),
		cmocka_unit_test(test_stat_bad),
		cmocka_unit_test(test_stat_huge),
		cmocka_unit_test(test_stat_twice),
		cmocka_unit_test(test_status),
		cmocka_unit_test(test_config_good),
		cmocka_unit_test(test_config_bad),
		cmocka_unit_test(test_config_limits),
		cmocka_unit_test(test_plan),
		cmocka_unit_test(test_sync_sim),
		cmocka_unit_test(test_act_sim),
		cmocka_unit_test(test_open),
		cmocka_unit_test(test_backlog_full),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
