/* test_approval: the keyring's versions and roles, each binding rule of approval_check, one altered field at a time, requests and versions streamed a page at a time, the replay refusing a decision recorded twice, a second one by the same person on the same evidence, and one on a closed request; proven policy enrolments cached until another is added. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <dirent.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sqlite3.h>

#include "approval.h"
#include "audit.h"
#include "gate.h"
#include "keyring.h"
#include "ledger.h"
#include "proven.h"
#include "record.h"
#include "registry.h"
#include "replay.h"
#include "peer.h"

#define DIGEST "sha256:1111111111111111111111111111111111111111111111111111111111111111"

struct fx {
	char dir[64];
	char db[128];
	struct store *st;
	struct key_secret *k[3]; /* admin, risk officer, ml lead */
	struct principal p[3];
};

static void fx_key(struct fx *f, int i, const char *name)
{
	char path[200];
	struct err e;

	snprintf(path, sizeof path, "%s/%s.key", f->dir, name);
	assert_int_equal(keys_generate(name, path, "a long passphrase", 17, &e), 0);
	assert_int_equal(keys_load_secret(path, "a long passphrase", 17, &f->k[i], &e), 0);
}

static int setup(void **state)
{
	struct fx *f = calloc(1, sizeof *f);
	struct key_public pub;
	struct err e;
	int i;

	setenv("STEWARD_NOW", "1767225600", 1);
	snprintf(f->dir, sizeof f->dir, "/tmp/steward-appr-XXXXXX");
	if (mkdtemp(f->dir) == NULL)
		return -1;
	snprintf(f->db, sizeof f->db, "%s/s.db", f->dir);
	f->st = store_open(f->db, STORE_CREATE, &e);
	if (f->st == NULL)
		return -1;
	fx_key(f, 0, "ada");
	fx_key(f, 1, "rosa");
	fx_key(f, 2, "lena");
	assert_int_equal(store_begin(f->st, &e), 0);
	assert_int_equal(ledger_logkey_create(f->st, &e), 0);
	assert_int_equal(keyring_init(f->st, "ada", f->k[0], &e), 0);
	assert_int_equal(keyring_whoami(f->st, f->k[0]->id, &f->p[0], &e), 0);
	f->p[0].key = f->k[0];
	for (i = 1; i < 3; i++) {
		keys_public_of(f->k[i], &pub);
		assert_int_equal(keyring_add(f->st, &f->p[0], f->k[0], i == 1 ? "rosa" : "lena",
					     i == 1 ? ROLE_RISK : ROLE_MLLEAD, &pub, &e),
				 0);
		assert_int_equal(keyring_whoami(f->st, f->k[i]->id, &f->p[i], &e), 0);
		f->p[i].key = f->k[i];
	}
	assert_int_equal(registry_model_add(f->st, &f->p[0], "fraud", TIER_HIGH, "risk", "", &e), 0);
	assert_int_equal(registry_version_add(f->st, &f->p[0], "fraud", "s3://m/1", DIGEST, "someone", "", 0, NULL, &e), 0);
	assert_int_equal(store_commit(f->st, &e), 0);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fx *f = *state;
	struct dirent *de;
	char path[400];
	DIR *d;
	int i;

	store_close(f->st);
	for (i = 0; i < 3; i++)
		keys_secret_free(f->k[i]);
	/* the directory is flat: keys, the store and its log key */
	d = opendir(f->dir);
	while (d != NULL && (de = readdir(d)) != NULL) {
		if (de->d_name[0] == '.')
			continue;
		snprintf(path, sizeof path, "%s/%s", f->dir, de->d_name);
		unlink(path);
	}
	if (d != NULL)
		closedir(d);
	rmdir(f->dir);
	free(f);
	return 0;
}

static void test_keyring_versions(void **state)
{
	struct fx *f = *state;
	char who[KEYS_NAME_MAX + 1];
	uint8_t pk[KEYS_PK_BYTES];
	struct principal p;
	struct err e;
	int active;

	assert_int_equal(keyring_version(f->st), 3);
	assert_int_equal(keyring_role_at(f->st, "rosa", ROLE_RISK, 2, &e), 1);
	assert_int_equal(keyring_role_at(f->st, "rosa", ROLE_RISK, 1, &e), 0); /* not yet added */
	assert_int_equal(keyring_role_at(f->st, "rosa", ROLE_ADMIN, 3, &e), 0);
	assert_int_equal(store_begin(f->st, &e), 0);
	/* only an admin's key changes the keyring */
	assert_int_equal(keyring_revoke(f->st, &f->p[1], f->k[1], "lena", NULL, 0, &e), -1);
	assert_non_null(strstr(e.msg, "does not hold the admin role"));
	assert_int_equal(keyring_revoke(f->st, &f->p[0], f->k[0], "rosa", f->k[1]->id, 0, &e), 0);
	assert_int_equal(store_commit(f->st, &e), 0);
	assert_int_equal(keyring_version(f->st), 4);
	/* the key was active at version 3 and is not at 4: history is kept */
	assert_int_equal(keyring_key_at(f->st, f->k[1]->id, 3, who, pk, &active, &e), 1);
	assert_true(active);
	assert_string_equal(who, "rosa");
	assert_int_equal(keyring_key_at(f->st, f->k[1]->id, 4, who, pk, &active, &e), 1);
	assert_false(active);
	assert_int_equal(keyring_whoami(f->st, f->k[1]->id, &p, &e), -1);
	assert_non_null(strstr(e.msg, "was revoked at keyring version 4"));
	assert_int_equal(keyring_key_at(f->st, "0000000000000000", 4, who, pk, &active, &e), 0);
}

/* What a walk saw: the ids in order, and the call that says stop. */
struct walk {
	int64_t id[200];
	size_t n, stop_at;
};

static int walk_request(void *arg, const struct approval_request *r, struct err *e)
{
	struct walk *w = arg;

	(void)e;
	assert_true(w->n < 200);
	w->id[w->n++] = r->id;
	return w->stop_at > 0 && w->n == w->stop_at ? 1 : 0;
}

static int walk_version(void *arg, const struct reg_version *v, struct err *e)
{
	struct approval_request r = { .id = v->version };

	return walk_request(arg, &r, e);
}

/* Requests and versions stream a page (64) at a time: across pages each
 * is given once in order, a limit on a page's last row or past it is kept,
 * and a callback that says stop is not called again. */
static void test_pages(void **state)
{
	struct fx *f = *state;
	struct approval_query q = { 0 };
	struct reg_list_query rq = { 0 };
	struct walk w;
	struct err e;
	int64_t id, first = 0;
	size_t i;

	assert_int_equal(store_begin(f->st, &e), 0);
	for (i = 0; i < 130; i++) {
		assert_int_equal(registry_version_add(f->st, &f->p[0], "fraud", "s3://m/n", DIGEST, "someone", "", 0,
						      NULL, &e),
				 0);
		assert_int_equal(approval_request_open(f->st, &f->p[2], "fraud", (int64_t)i + 2, "staging", "", &id, &e),
				 0);
		if (first == 0)
			first = id;
	}
	assert_int_equal(store_commit(f->st, &e), 0);

	memset(&w, 0, sizeof w);
	assert_int_equal(approval_request_each(f->st, &q, walk_request, &w, &e), 0);
	assert_int_equal(w.n, 130);
	for (i = 0; i < w.n; i++)
		assert_int_equal(w.id[i], first + 129 - (int64_t)i); /* newest first */
	q.oldest_first = 1;
	memset(&w, 0, sizeof w);
	assert_int_equal(approval_request_each(f->st, &q, walk_request, &w, &e), 0);
	assert_int_equal(w.n, 130);
	for (i = 0; i < w.n; i++)
		assert_int_equal(w.id[i], first + (int64_t)i);
	q.limit = 64;
	memset(&w, 0, sizeof w);
	assert_int_equal(approval_request_each(f->st, &q, walk_request, &w, &e), 0);
	assert_int_equal(w.n, 64);
	q.limit = 65;
	memset(&w, 0, sizeof w);
	assert_int_equal(approval_request_each(f->st, &q, walk_request, &w, &e), 0);
	assert_int_equal(w.n, 65);
	assert_int_equal(w.id[64], first + 64);
	q.limit = 0;
	memset(&w, 0, sizeof w);
	w.stop_at = 3;
	assert_int_equal(approval_request_each(f->st, &q, walk_request, &w, &e), 0);
	assert_int_equal(w.n, 3);

	/* fraud's 131 versions, newest first */
	memset(&w, 0, sizeof w);
	assert_int_equal(registry_version_each(f->st, "fraud", &rq, walk_version, &w, &e), 0);
	assert_int_equal(w.n, 131);
	for (i = 0; i < w.n; i++)
		assert_int_equal(w.id[i], 131 - (int64_t)i);
	rq.limit = 128;
	memset(&w, 0, sizeof w);
	assert_int_equal(registry_version_each(f->st, "fraud", &rq, walk_version, &w, &e), 0);
	assert_int_equal(w.n, 128);
	assert_int_equal(w.id[127], 4);
	rq.limit = 0;
	memset(&w, 0, sizeof w);
	w.stop_at = 70;
	assert_int_equal(registry_version_each(f->st, "fraud", &rq, walk_version, &w, &e), 0);
	assert_int_equal(w.n, 70);
}

/* Signs a decision on request 1 as rosa and returns its envelope. */
static char *sign_one(struct fx *f, int64_t *req)
{
	struct approval_request r;
	struct err e;
	int64_t id;
	char *env;
	size_t len;

	assert_int_equal(store_begin(f->st, &e), 0);
	assert_int_equal(approval_request_open(f->st, &f->p[2], "fraud", 1, "production", "", req, &e), 0);
	assert_int_equal(approval_sign(f->st, &f->p[1], f->k[1], *req, 1, 0, "ok", 3600, &id, &e), 0);
	assert_int_equal(store_commit(f->st, &e), 0);
	assert_int_equal(approval_request_get(f->st, *req, &r, &e), 0);
	assert_int_equal(r.n, 1);
	assert_true(r.v[0].counts);
	assert_int_equal(r.counted, 1);
	assert_int_equal(r.required, 2); /* high: an ml-lead and a risk officer */
	assert_int_equal(r.satisfied, 1);
	approval_request_clear(&r);
	assert_int_equal(approval_envelope(f->st, id, &env, &len, &e), 0);
	return env;
}

static void ctx_for(struct fx *f, struct approval_ctx *c, int64_t req, char *log, size_t n)
{
	uint8_t pk[KEYS_PK_BYTES];
	struct err e;

	assert_int_equal(ledger_logkey_public(f->st, log, n, pk, &e), 0);
	memset(c, 0, sizeof *c);
	c->request = req;
	c->model = "fraud";
	c->version = 1;
	c->digest = DIGEST;
	c->from = "none";
	c->to = "production";
	c->tier = "high";
	c->author = "someone";
	c->requester = "lena";
	c->log = log;
	c->now = store_now();
	c->keyring_ver = keyring_version(f->st);
	c->key_at = approval_store_key_at;
	c->role_at = approval_store_role_at;
	c->arg = f->st;
}

/* The statement is checked against each field of the request: change one
 * field of the request and the same valid signature stops counting. */
static void test_bindings(void **state)
{
	struct fx *f = *state;
	struct approval_stmt s;
	struct approval_ctx c;
	char log[KEYS_NAME_MAX + 1], why[400];
	int64_t req;
	char *env = sign_one(f, &req);

	ctx_for(f, &c, req, log, sizeof log);
	assert_int_equal(approval_check(&c, env, strlen(env), &s, why, sizeof why), 0);
	assert_string_equal(s.principal, "rosa");
	assert_int_equal(s.role, ROLE_RISK);
	assert_true(s.approve);

	c.request = req + 1;
	assert_int_equal(approval_check(&c, env, strlen(env), &s, why, sizeof why), -1);
	assert_non_null(strstr(why, "not request"));
	ctx_for(f, &c, req, log, sizeof log);
	c.digest = "sha256:2222222222222222222222222222222222222222222222222222222222222222";
	assert_int_equal(approval_check(&c, env, strlen(env), &s, why, sizeof why), -1);
	assert_non_null(strstr(why, "binds artifact"));
	ctx_for(f, &c, req, log, sizeof log);
	c.version = 2;
	assert_int_equal(approval_check(&c, env, strlen(env), &s, why, sizeof why), -1);
	assert_non_null(strstr(why, "models:/fraud/2"));
	ctx_for(f, &c, req, log, sizeof log);
	c.to = "staging";
	assert_int_equal(approval_check(&c, env, strlen(env), &s, why, sizeof why), -1);
	assert_non_null(strstr(why, "none -> production"));
	ctx_for(f, &c, req, log, sizeof log);
	c.tier = "critical";
	assert_int_equal(approval_check(&c, env, strlen(env), &s, why, sizeof why), -1);
	assert_non_null(strstr(why, "tier"));
	ctx_for(f, &c, req, log, sizeof log);
	c.log = "steward.local/another";
	assert_int_equal(approval_check(&c, env, strlen(env), &s, why, sizeof why), -1);
	assert_non_null(strstr(why, "not this store's"));
	ctx_for(f, &c, req, log, sizeof log);
	c.now += 3600;
	assert_int_equal(approval_check(&c, env, strlen(env), &s, why, sizeof why), -1);
	assert_non_null(strstr(why, "expired at"));
	ctx_for(f, &c, req, log, sizeof log);
	c.now -= 3600; /* the signer's clock ran ahead by more than the skew */
	assert_int_equal(approval_check(&c, env, strlen(env), &s, why, sizeof why), -1);
	assert_non_null(strstr(why, "issued in the future"));
	ctx_for(f, &c, req, log, sizeof log);
	c.author = "rosa";
	assert_int_equal(approval_check(&c, env, strlen(env), &s, why, sizeof why), -1);
	assert_non_null(strstr(why, "separation of duties"));
	ctx_for(f, &c, req, log, sizeof log);
	c.keyring_ver = 1; /* before rosa's key was added */
	assert_int_equal(approval_check(&c, env, strlen(env), &s, why, sizeof why), -1);
	assert_non_null(strstr(why, "was not active"));
	ctx_for(f, &c, req, log, sizeof log);
	assert_int_equal(approval_check(&c, "{}", 2, &s, why, sizeof why), -1);
	free(env);
}

/* A decision row changed behind steward's back stops counting, and audit
 * verify names it. */
static void test_table_edit(void **state)
{
	struct fx *f = *state;
	struct approval_request r;
	struct audit_report rep;
	struct err e;
	int64_t req;
	char *env = sign_one(f, &req);

	free(env);
	assert_int_equal(audit_verify(f->st, &rep, &e), 0);
	assert_int_equal(rep.approvals, 1);
	assert_int_equal(peer_exec(f->st,
				   "DROP TRIGGER approvals_no_update;"
				   "UPDATE approvals SET role = 'admin'"),
			 SQLITE_OK);
	assert_int_equal(approval_request_get(f->st, req, &r, &e), 0);
	assert_false(r.v[0].counts);
	assert_non_null(strstr(r.v[0].why, "differ from the signed statement"));
	approval_request_clear(&r);
}

/* A row whose signature held is not verified again on the same handle,
 * but a row changed since (by another connection) is: a forged signature
 * or an edited body is caught on the next read as on the first. */
static void test_proven_cache_rechecks(void **state)
{
	struct fx *f = *state;
	json_t *body = NULL;
	struct err e;
	int64_t seq = 0;
	struct db_stmt *s;

	assert_int_equal(store_prepare(f->st, &s, "SELECT max(seq) FROM ledger WHERE action = 'version.set'", &e), 0);
	assert_int_equal(db_step(s), DB_ROW);
	seq = db_column_int64(s, 0);
	db_finalize(s);
	assert_true(seq > 0);
	assert_int_equal(proven_entry(f->st, seq, &body, &e), 0);
	json_decref(body);
	assert_int_equal(proven_entry(f->st, seq, &body, &e), 0);
	json_decref(body);
	/* Another entry's signature, valid base64 of the right length. */
	assert_int_equal(peer_exec(f->st, "DROP TRIGGER ledger_no_update;"
					  "UPDATE ledger SET sig = (SELECT sig FROM ledger WHERE action = 'model.set')"
					  " WHERE action = 'version.set'"),
			 SQLITE_OK);
	assert_int_equal(proven_entry(f->st, seq, &body, &e), -1);
	assert_null(body);
	assert_non_null(strstr(e.msg, "does not verify"));
	/* The body edited, its leaf left: the leaf check still runs first. */
	assert_int_equal(peer_exec(f->st, "UPDATE ledger SET body = replace(body, 's3://m/1', 's3://m/2')"
					  " WHERE action = 'version.set'"),
			 SQLITE_OK);
	assert_int_equal(proven_entry(f->st, seq, &body, &e), -1);
	assert_non_null(strstr(e.msg, "altered outside steward"));
}

/* The newest move of each alias asked for, newest first, read back from
 * the ledger's end; an alias never moved has none; every row it reads must
 * hash to its leaf, and the moves it hands back carry their signatures,
 * so a forged signature on the newest move is refused. */
static void test_alias_newest(void **state)
{
	struct fx *f = *state;
	const char *names[] = { "staging", "production", "canary" };
	struct record_moves mv;
	struct err e;

	assert_int_equal(store_begin(f->st, &e), 0);
	assert_int_equal(registry_version_add(f->st, &f->p[0], "fraud", "s3://m/2",
					      "sha256:2222222222222222222222222222222222222222222222222222222222222222", "someone",
					      "", 0, NULL, &e),
			 0);
	assert_int_equal(registry_alias_set(f->st, &f->p[0], "fraud", "staging", 1, &e), 0);
	assert_int_equal(registry_alias_set(f->st, &f->p[0], "fraud", "production", 1, &e), 0);
	assert_int_equal(registry_alias_set(f->st, &f->p[0], "fraud", "staging", 2, &e), 0);
	assert_int_equal(store_commit(f->st, &e), 0);
	assert_int_equal(record_alias_newest(f->st, "fraud", names, 3, &mv, &e), 0);
	assert_int_equal(mv.n, 2);
	assert_string_equal(mv.v[0].alias, "staging");
	assert_int_equal(mv.v[0].version, 2);
	assert_string_equal(mv.v[1].alias, "production");
	assert_int_equal(mv.v[1].version, 1);
	assert_true(mv.v[0].seq > mv.v[1].seq);
	record_moves_free(&mv);
	assert_int_equal(record_alias_newest(f->st, "fraud", names + 1, 1, &mv, &e), 0);
	assert_int_equal(mv.n, 1);
	assert_int_equal(mv.v[0].version, 1);
	record_moves_free(&mv);
	assert_int_equal(record_alias_newest(f->st, "nosuch", names, 3, &mv, &e), 0);
	assert_int_equal(mv.n, 0);
	/* Staging's first move, met after its newer one: no line uses it, so its
	 * signature is not what the walk proves (canary, never moved, keeps the
	 * walk going to the first entry), but its body must still be its leaf's. */
	assert_int_equal(peer_exec(f->st, "DROP TRIGGER ledger_no_update;"
					  "UPDATE ledger SET sig = (SELECT sig FROM ledger WHERE action = 'model.set')"
					  " WHERE seq = (SELECT min(seq) FROM ledger WHERE action = 'alias.set')"),
			 SQLITE_OK);
	assert_int_equal(record_alias_newest(f->st, "fraud", names, 3, &mv, &e), 0);
	assert_int_equal(mv.n, 2);
	assert_int_equal(mv.v[0].version, 2);
	record_moves_free(&mv);
	assert_int_equal(peer_exec(f->st, "UPDATE ledger SET body = CAST(CAST(body AS TEXT) || ' ' AS BLOB)"
					  " WHERE seq = (SELECT min(seq) FROM ledger WHERE action = 'alias.set')"),
			 SQLITE_OK);
	assert_int_equal(record_alias_newest(f->st, "fraud", names, 3, &mv, &e), -1);
	assert_int_equal(mv.n, 0);
	assert_non_null(strstr(e.msg, "altered outside steward"));
	assert_int_equal(peer_exec(f->st, "UPDATE ledger SET sig = (SELECT sig FROM ledger WHERE action = 'model.set')"
					  " WHERE seq = (SELECT max(seq) FROM ledger WHERE action = 'alias.set')"),
			 SQLITE_OK);
	assert_int_equal(record_alias_newest(f->st, "fraud", names, 3, &mv, &e), -1);
	assert_int_equal(mv.n, 0);
	assert_non_null(strstr(e.msg, "does not verify"));
}

static void test_proof_roundtrip(void **state)
{
	struct fx *f = *state;
	struct ledger_inclusion p;
	struct ledger_logkey *lk;
	char name[KEYS_NAME_MAX + 1], sum[600], *text;
	uint8_t pk[KEYS_PK_BYTES];
	struct err e;

	assert_int_equal(ledger_logkey_load(f->st, &lk, &e), 0);
	assert_int_equal(ledger_checkpoint(f->st, lk, &e), 0);
	ledger_logkey_free(lk);
	assert_int_equal(ledger_logkey_public(f->st, name, sizeof name, pk, &e), 0);
	for (int64_t seq = 1; seq <= ledger_size(f->st); seq++) {
		assert_int_equal(ledger_prove(f->st, seq, &p, &e), 0);
		text = audit_format_inclusion(&p);
		assert_non_null(text);
		assert_int_equal(audit_verify_proof(text, strlen(text), name, pk, sum, sizeof sum, &e), 0);
		/* flip one character of the body line: the proof must fail */
		{
			char *b = strstr(text, "body ") + 5;

			*b = *b == 'e' ? 'f' : 'e';
			assert_int_equal(audit_verify_proof(text, strlen(text), name, pk, sum, sizeof sum, &e), -1);
		}
		free(text);
		ledger_inclusion_clear(&p);
	}
	/* a verifier key round trip */
	{
		char vkey[300], n2[KEYS_NAME_MAX + 1];
		uint8_t pk2[KEYS_PK_BYTES];

		assert_int_equal(audit_vkey(name, pk, vkey, sizeof vkey), 0);
		assert_int_equal(audit_vkey_parse(vkey, n2, pk2, &e), 0);
		assert_string_equal(n2, name);
		assert_memory_equal(pk, pk2, sizeof pk);
		vkey[strlen(vkey) - 3] ^= 1;
		assert_int_equal(audit_vkey_parse(vkey, n2, pk2, &e), -1);
	}
}

struct seen {
	int64_t done, total;
	int calls;
};

static void seen_note(void *arg, const char *what, int64_t done, int64_t total)
{
	struct seen *s = arg;

	(void)what;
	s->done = done;
	s->total = total;
	s->calls++;
}

static void checkpoint(struct fx *f)
{
	struct ledger_logkey *lk;
	struct err e;

	assert_int_equal(ledger_logkey_load(f->st, &lk, &e), 0);
	assert_int_equal(ledger_checkpoint(f->st, lk, &e), 0);
	ledger_logkey_free(lk);
}

/* A run that picks up where the last stopped reads and replays only the
 * new entries, tells progress of those alone, and finds what a full run
 * finds in them. */
static void test_resume(void **state)
{
	struct fx *f = *state;
	struct audit_resume *rs = audit_resume_new();
	struct seen seen = { 0 };
	struct audit_run o = { .jobs = 1, .resume = rs, .progress = { seen_note, &seen } };
	struct audit_report rep, full;
	struct err e;
	int64_t req, before;
	char *env;

	assert_non_null(rs);
	checkpoint(f);
	before = ledger_size(f->st);
	assert_int_equal(audit_verify_run(f->st, NULL, &o, &rep, &e), 0);
	assert_int_equal(rep.resumed, 0);
	assert_int_equal(rep.checked, before);
	env = sign_one(f, &req);
	free(env);
	checkpoint(f);
	assert_true(ledger_size(f->st) > before);
	seen.calls = 0;
	assert_int_equal(audit_verify_run(f->st, NULL, &o, &rep, &e), 0);
	assert_int_equal(rep.resumed, before);
	assert_int_equal(rep.checked, ledger_size(f->st) - before);
	assert_true(seen.calls > 0);
	assert_int_equal(seen.total, ledger_size(f->st) - before);
	assert_int_equal(seen.done, seen.total);
	/* The same findings as a run from the first entry. */
	assert_int_equal(audit_verify(f->st, &full, &e), 0);
	assert_int_equal(rep.ledger.entries, full.ledger.entries);
	assert_int_equal(rep.ledger.verified, full.ledger.verified);
	assert_int_equal(rep.ledger.checkpoints, full.ledger.checkpoints);
	assert_int_equal(rep.approvals, full.approvals);
	assert_int_equal(rep.requests, full.requests);
	assert_int_equal(rep.keyring_version, full.keyring_version);
	/* Nothing new: nothing read, still verified. */
	assert_int_equal(audit_verify_run(f->st, NULL, &o, &rep, &e), 0);
	assert_int_equal(rep.checked, 0);
	assert_int_equal(rep.ledger.entries, full.ledger.entries);
	/* An old entry rewritten: a resumed run never reads it, a full one (after forgetting) finds it. */
	assert_int_equal(peer_exec(f->st,
				   "DROP TRIGGER ledger_no_update;"
				   "UPDATE ledger SET body = CAST(replace(CAST(body AS TEXT), '\"time\":', '\"time\" :') AS BLOB)"
				   " WHERE seq = 2"),
			 SQLITE_OK);
	audit_resume_forget(rs);
	assert_int_equal(audit_verify_run(f->st, NULL, &o, &rep, &e), -1);
	assert_int_equal(rep.ledger.bad_seq, 2);
	assert_int_equal(rep.resumed, 0);
	/* A failed run leaves nothing to resume from: the next is full again. */
	assert_int_equal(audit_verify_run(f->st, NULL, &o, &rep, &e), -1);
	assert_int_equal(rep.resumed, 0);
	audit_resume_free(rs);
}

/* A run that ended past the newest checkpoint, then a checkpoint signed at
 * exactly that point: the resumed run reads no entry and still counts the
 * new checkpoint, so the console stops saying the tail is unsigned. */
static void test_resume_checkpoint_after(void **state)
{
	struct fx *f = *state;
	struct audit_resume *rs = audit_resume_new();
	struct audit_run o = { .jobs = 1, .resume = rs };
	struct audit_report rep, full;
	struct err e;
	int64_t req, size;
	char *env, sql[300];

	assert_non_null(rs);
	checkpoint(f);
	env = sign_one(f, &req);
	free(env);
	size = ledger_size(f->st);
	assert_int_equal(audit_verify_run(f->st, NULL, &o, &rep, &e), 0);
	assert_true(rep.ledger.verified < size);
	/* A forged checkpoint at that point (the newest note, signed for
	 * another size) fails the resumed run there. */
	snprintf(sql, sizeof sql,
		 "INSERT INTO checkpoints(size, time, root, note)"
		 " SELECT %lld, time, root, note FROM checkpoints ORDER BY size DESC LIMIT 1",
		 (long long)size);
	assert_int_equal(peer_exec(f->st, sql), SQLITE_OK);
	assert_int_equal(audit_verify_run(f->st, NULL, &o, &rep, &e), -1);
	assert_int_equal(rep.resumed, size);
	assert_int_equal(rep.ledger.bad_seq, size);
	snprintf(sql, sizeof sql, "DROP TRIGGER checkpoints_no_delete; DELETE FROM checkpoints WHERE size = %lld",
		 (long long)size);
	assert_int_equal(peer_exec(f->st, sql), SQLITE_OK);
	/* The real one: counted without reading an entry. */
	assert_int_equal(audit_verify_run(f->st, NULL, &o, &rep, &e), 0);
	assert_true(rep.ledger.verified < size);
	checkpoint(f);
	assert_int_equal(audit_verify_run(f->st, NULL, &o, &rep, &e), 0);
	assert_int_equal(rep.resumed, size);
	assert_int_equal(rep.checked, 0);
	assert_int_equal(rep.ledger.verified, size);
	assert_int_equal(audit_verify(f->st, &full, &e), 0);
	assert_int_equal(rep.ledger.checkpoints, full.ledger.checkpoints);
	assert_int_equal(full.ledger.verified, size);
	audit_resume_free(rs);
}

/* A new entry that does not verify fails a resumed run at the same entry as a full one. */
static void test_resume_new_bad(void **state)
{
	struct fx *f = *state;
	struct audit_resume *rs = audit_resume_new();
	struct audit_run o = { .jobs = 1, .resume = rs };
	struct audit_report rep, full;
	struct err e;
	int64_t req, before;
	char *env;

	assert_non_null(rs);
	checkpoint(f);
	before = ledger_size(f->st);
	assert_int_equal(audit_verify_run(f->st, NULL, &o, &rep, &e), 0);
	env = sign_one(f, &req);
	free(env);
	checkpoint(f);
	assert_int_equal(peer_exec(f->st,
				   "DROP TRIGGER ledger_no_update;"
				   "UPDATE ledger SET body = CAST(replace(CAST(body AS TEXT), '\"time\":', '\"time\" :') AS BLOB)"
				   " WHERE seq = (SELECT max(seq) FROM ledger)"),
			 SQLITE_OK);
	assert_int_equal(audit_verify(f->st, &full, &e), -1);
	assert_int_equal(audit_verify_run(f->st, NULL, &o, &rep, &e), -1);
	assert_int_equal(rep.resumed, before);
	assert_int_equal(rep.ledger.bad_seq, full.ledger.bad_seq);
	assert_string_equal(rep.ledger.reason, full.ledger.reason);
	audit_resume_free(rs);
}

/* Commits a colleague's open transaction a moment after it is handed over. */
static void *commit_later(void *arg)
{
	struct store *st = arg;
	struct err e;

	nanosleep(&(struct timespec){ .tv_nsec = 50000000L }, NULL);
	return store_commit(st, &e) == 0 ? st : NULL;
}

/* A signer saves the witness just before it commits its checkpoint: a
 * verify whose snapshot falls between the two sees a witness past its
 * last entry, and reads again once the commit is in instead of saying
 * entries were removed (crash.sh's verify beside the writers hit it). */
static void test_witness_ahead(void **state)
{
	struct fx *f = *state;
	struct audit_run o = { .jobs = 1 };
	struct audit_report rep;
	struct ledger_logkey *lk;
	struct store *st2;
	pthread_t t;
	void *done;
	int64_t req, before;
	struct err e;

	free(sign_one(f, &req));
	checkpoint(f);
	before = ledger_size(f->st);
	st2 = store_open(f->db, 0, &e);
	assert_non_null(st2);
	assert_int_equal(store_begin(st2, &e), 0);
	assert_int_equal(registry_version_add(st2, &f->p[0], "fraud", "s3://m/2",
					      "sha256:2222222222222222222222222222222222222222222222222222222222222222",
					      "someone", "", 0, NULL, &e),
			 0);
	assert_int_equal(ledger_logkey_load(st2, &lk, &e), 0);
	assert_int_equal(ledger_checkpoint_each(st2, lk, NULL, NULL, &e), 0);
	ledger_logkey_free(lk);
	assert_int_equal(ledger_size(f->st), before); /* not committed: the witness is ahead */
	assert_int_equal(pthread_create(&t, NULL, commit_later, st2), 0);
	assert_int_equal(audit_verify_run(f->st, NULL, &o, &rep, &e), 0);
	assert_int_equal(pthread_join(t, &done), 0);
	assert_ptr_equal(done, st2);
	assert_int_equal(rep.witness, 1);
	assert_true(rep.ledger.entries > before);
	assert_int_equal(rep.witness_size, rep.ledger.entries);
	store_close(st2);
}

/* Replays the ledger of the store at path into rp (from replay_init),
 * every entry accepted; *last gets the last seq, and *again and *again_sig
 * (when not NULL) copies of the first approval's body and signature. */
static void replay_store(const char *path, struct replay *rp, int64_t *last, char **again, char **again_sig)
{
	char why[512];
	sqlite3 *db;
	sqlite3_stmt *s;

	assert_int_equal(sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY, NULL), SQLITE_OK);
	assert_int_equal(sqlite3_prepare_v2(db, "SELECT seq, body, sig, action FROM ledger ORDER BY seq", -1, &s, NULL),
			 SQLITE_OK);
	while (sqlite3_step(s) == SQLITE_ROW) {
		const char *body = (const char *)sqlite3_column_text(s, 1);
		const char *sig = (const char *)sqlite3_column_text(s, 2);
		json_t *j = json_loads(body, 0, NULL);

		assert_non_null(j);
		*last = sqlite3_column_int64(s, 0);
		assert_int_equal(replay_entry(rp, *last, body, strlen(body), j, sig ? sig : "", why, sizeof why), 0);
		json_decref(j);
		if (again != NULL && *again == NULL && strcmp((const char *)sqlite3_column_text(s, 3), "approval.approve") == 0) {
			*again = strdup(body);
			*again_sig = strdup(sig ? sig : "");
		}
	}
	sqlite3_finalize(s);
	sqlite3_close(db);
}

/* body with sig, appended to rp's replay as entry seq, is refused for a reason saying want. */
static void replay_refuses(struct replay *rp, int64_t seq, const char *body, const char *sig, const char *want)
{
	char why[512];
	json_t *j = json_loads(body, 0, NULL);

	assert_non_null(j);
	assert_int_not_equal(replay_entry(rp, seq, body, strlen(body), j, sig, why, sizeof why), 0);
	assert_non_null(strstr(why, want));
	json_decref(j);
}

/* A signed decision appended again (the same body under a later seq: no
 * key is needed to copy one) is refused by the replay as a reused nonce,
 * whatever its hashed sets' random key. */
static void test_replay_twice(void **state)
{
	struct fx *f = *state;
	struct replay rp;
	char log[300];
	uint8_t pk[KEYS_PK_BYTES];
	char *again = NULL, *again_sig = NULL;
	int64_t req, last = 0;
	struct err e;
	int round;

	free(sign_one(f, &req));
	assert_int_equal(ledger_logkey_public(f->st, log, sizeof log, pk, &e), 0);
	for (round = 0; round < 2; round++) {
		assert_int_equal(replay_init(&rp, log, &e), 0);
		replay_store(f->db, &rp, &last, &again, &again_sig);
		assert_non_null(again);
		replay_refuses(&rp, last + 1, again, again_sig, "replays a nonce used by an earlier decision");
		replay_free(&rp);
	}
	free(again);
	free(again_sig);
}

/* A closed request keeps only what later entries ask of it, and the rest
 * of it goes to the next request opened: a decision copied after the
 * withdrawal is refused as one on a closed request, and the request that
 * took the freed slot is checked against its own model, version and
 * requester, not the closed one's. */
static void test_replay_closed(void **state)
{
	struct fx *f = *state;
	struct replay rp;
	char log[300];
	uint8_t pk[KEYS_PK_BYTES];
	char *again = NULL, *again_sig = NULL;
	int64_t req, req2, seq, id, last = 0;
	const struct rp_request *q;
	struct err e;

	free(sign_one(f, &req));
	assert_int_equal(store_begin(f->st, &e), 0);
	assert_int_equal(approval_request_withdraw(f->st, &f->p[2], req, "not yet", &seq, &e), 0);
	assert_int_equal(registry_version_add(f->st, &f->p[0], "fraud", "s3://m/2",
					      "sha256:2222222222222222222222222222222222222222222222222222222222222222",
					      "someone", "", 0, NULL, &e),
			 0);
	assert_int_equal(approval_request_open(f->st, &f->p[0], "fraud", 2, "production", "", &req2, &e), 0);
	assert_int_equal(approval_sign(f->st, &f->p[1], f->k[1], req2, 1, 0, "ok", 3600, &id, &e), 0);
	assert_int_equal(store_commit(f->st, &e), 0);
	assert_int_equal(ledger_logkey_public(f->st, log, sizeof log, pk, &e), 0);
	assert_int_equal(replay_init(&rp, log, &e), 0);
	replay_store(f->db, &rp, &last, &again, &again_sig);
	assert_int_equal(rp.nq, 2);
	assert_int_equal(rp.na, 2);
	q = replay_request(&rp, req);
	assert_non_null(q);
	assert_int_equal(q->open, 0);
	assert_string_equal(q->requester, "lena");
	assert_string_equal(q->to, "production");
	assert_int_equal(q->version, 1);
	q = replay_request(&rp, req2);
	assert_non_null(q);
	assert_int_not_equal(q->open, 0);
	assert_string_equal(q->requester, "ada");
	assert_int_equal(q->version, 2);
	assert_int_equal(rp.nopen, 1); /* the closed request's slot was taken again */
	assert_non_null(again);
	replay_refuses(&rp, last + 1, again, again_sig, "after it was closed");
	replay_free(&rp);
	free(again);
	free(again_sig);
}

/* The newest ledger entry of the store at path: its seq, body and signature. */
static void last_entry(const char *path, int64_t *seq, char **body, char **sig)
{
	sqlite3 *db;
	sqlite3_stmt *s;

	assert_int_equal(sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY, NULL), SQLITE_OK);
	assert_int_equal(sqlite3_prepare_v2(db, "SELECT seq, body, sig FROM ledger ORDER BY seq DESC LIMIT 1", -1, &s, NULL),
			 SQLITE_OK);
	assert_int_equal(sqlite3_step(s), SQLITE_ROW);
	*seq = sqlite3_column_int64(s, 0);
	*body = strdup((const char *)sqlite3_column_text(s, 1));
	*sig = strdup(sqlite3_column_text(s, 2) != NULL ? (const char *)sqlite3_column_text(s, 2) : "");
	assert_non_null(*body);
	assert_non_null(*sig);
	sqlite3_finalize(s);
	sqlite3_close(db);
}

/* A person decides once per request and evidence snapshot: the same
 * person's decision on the same evidence, signed afresh (its own nonce)
 * in a copy of the store taken before the first, is refused by the
 * replay, which keeps who signed on what only while the request is open. */
static void test_replay_same_evidence(void **state)
{
	struct fx *f = *state;
	char copy[160], from[200], to[200], sql[300], log[300];
	uint8_t pk[KEYS_PK_BYTES];
	struct store *st2;
	struct replay rp;
	sqlite3 *db;
	char *body, *sig, buf[4096];
	int64_t req, id, seq, last = 0;
	struct err e;
	FILE *in, *out;
	size_t got;

	assert_int_equal(store_begin(f->st, &e), 0);
	assert_int_equal(approval_request_open(f->st, &f->p[2], "fraud", 1, "production", "", &req, &e), 0);
	assert_int_equal(store_commit(f->st, &e), 0);
	snprintf(copy, sizeof copy, "%s/copy.db", f->dir);
	snprintf(sql, sizeof sql, "VACUUM INTO '%s'", copy);
	assert_int_equal(sqlite3_open_v2(f->db, &db, SQLITE_OPEN_READONLY, NULL), SQLITE_OK);
	assert_int_equal(sqlite3_exec(db, sql, NULL, NULL, NULL), SQLITE_OK);
	sqlite3_close(db);
	snprintf(from, sizeof from, "%s.logkey", f->db);
	snprintf(to, sizeof to, "%s.logkey", copy);
	in = fopen(from, "rb");
	out = fopen(to, "wb");
	assert_non_null(in);
	assert_non_null(out);
	while ((got = fread(buf, 1, sizeof buf, in)) > 0)
		assert_int_equal(fwrite(buf, 1, got, out), got);
	fclose(in);
	assert_int_equal(fclose(out), 0);

	assert_int_equal(store_begin(f->st, &e), 0);
	assert_int_equal(approval_sign(f->st, &f->p[1], f->k[1], req, 1, 0, "ok", 3600, &id, &e), 0);
	assert_int_equal(store_commit(f->st, &e), 0);
	st2 = store_open(copy, 0, &e);
	assert_non_null(st2);
	assert_int_equal(store_begin(st2, &e), 0);
	assert_int_equal(approval_sign(st2, &f->p[1], f->k[1], req, 1, 0, "ok again", 3600, &id, &e), 0);
	assert_int_equal(store_commit(st2, &e), 0);
	store_close(st2);
	last_entry(copy, &seq, &body, &sig);

	assert_int_equal(ledger_logkey_public(f->st, log, sizeof log, pk, &e), 0);
	assert_int_equal(replay_init(&rp, log, &e), 0);
	replay_store(f->db, &rp, &last, NULL, NULL);
	assert_int_equal(seq, last); /* the copy's decision sits where the first one does */
	replay_refuses(&rp, last + 1, body, sig, "rosa signed a second decision on request");
	replay_free(&rp);
	free(body);
	free(sig);
	unlink(to);
	unlink(copy);
}

/* The enrolments a connection proved stay cached only while no
 * policy.enroll entry is added: a colleague's enrolment through another
 * connection is what the next gate reads. */
static void test_enrol_cache(void **state)
{
	struct fx *f = *state;
	char path[200], name[65], digest[72], *text = NULL;
	struct policy pol;
	struct store *other;
	struct err e;
	int64_t ver = 0;
	FILE *fp;
	int v;

	snprintf(path, sizeof path, "%s/high.policy", f->dir);
	assert_int_equal(approval_policy_for_tier(f->st, "high", name, &ver, digest, NULL, &e), 0);
	other = store_open(f->db, 0, &e);
	assert_non_null(other);
	for (v = 1; v <= 2; v++) {
		fp = fopen(path, "w");
		assert_non_null(fp);
		fprintf(fp, "policy p\nversion %d\ntier high\n\ntransition any -> staging\nrule signoff: approvals ml-lead >= %d\n",
			v, v);
		assert_int_equal(fclose(fp), 0);
		memset(&pol, 0, sizeof pol);
		assert_int_equal(store_begin(other, &e), 0);
		assert_int_equal(gate_enroll(other, &f->p[0], f->k[0], path, &pol, digest, &e), 0);
		assert_int_equal(store_commit(other, &e), 0);
		policy_free(&pol);
		assert_int_equal(approval_policy_for_tier(f->st, "high", name, &ver, digest, &text, &e), 1);
		assert_int_equal(ver, v);
		assert_non_null(strstr(text, v == 1 ? ">= 1" : ">= 2"));
		free(text);
		text = NULL;
	}
	store_close(other);
}

/* Connections of one process share the keyring last proven (a console's
 * workers each open their own): what it serves must be what the ledger
 * holds now, for a new connection and for one that kept its own. */
static void test_keyring_shared(void **state)
{
	struct fx *f = *state;
	struct store *other, *third;
	struct principal p;
	struct err e;
	char sql[200];

	/* setup proved it on f->st: another connection is served a copy */
	other = store_open(f->db, 0, &e);
	assert_non_null(other);
	assert_int_equal(keyring_whoami(other, f->k[1]->id, &p, &e), 0);
	assert_string_equal(p.name, "rosa");
	assert_int_equal(p.roles, ROLE_RISK);
	/* a revocation on one connection: neither the other's copy nor the
	 * process's serves the keyring from before it */
	assert_int_equal(store_begin(f->st, &e), 0);
	assert_int_equal(keyring_revoke(f->st, &f->p[0], f->k[0], "rosa", f->k[1]->id, 0, &e), 0);
	assert_int_equal(store_commit(f->st, &e), 0);
	assert_int_equal(keyring_whoami(other, f->k[1]->id, &p, &e), -1);
	assert_non_null(strstr(e.msg, "was revoked at keyring version 4"));
	third = store_open(f->db, 0, &e);
	assert_non_null(third);
	assert_int_equal(keyring_whoami(third, f->k[1]->id, &p, &e), -1);
	assert_non_null(strstr(e.msg, "was revoked at keyring version 4"));
	store_close(third);
	/* the revocation deleted by someone who can write the file, with an
	 * entry after it: the copy proven with it is not served, and the hole
	 * is found (the last entry gone is a checkpoint's to find) */
	assert_int_equal(store_begin(f->st, &e), 0);
	assert_int_equal(registry_model_add(f->st, &f->p[0], "churn", TIER_LOW, "risk", "", &e), 0);
	assert_int_equal(store_commit(f->st, &e), 0);
	snprintf(sql, sizeof sql, "DROP TRIGGER ledger_no_delete; DELETE FROM ledger WHERE action = 'keyring.revoke'");
	assert_int_equal(store_exec(f->st, sql, "deleting", &e), 0);
	third = store_open(f->db, 0, &e);
	assert_non_null(third);
	assert_int_equal(keyring_whoami(third, f->k[1]->id, &p, &e), -1);
	assert_non_null(strstr(e.msg, "entries were removed outside steward"));
	store_close(third);
	store_close(other);
}

struct shared_race {
	const char *db, *key;
	int rc;
	char name[128], msg[512];
};

static void *shared_race_main(void *arg)
{
	struct shared_race *r = arg;
	struct principal p;
	struct store *st;
	struct err e;

	err_clear(&e);
	r->rc = -2;
	st = store_open(r->db, STORE_READONLY, &e);
	if (st == NULL) {
		snprintf(r->msg, sizeof r->msg, "%s", e.msg);
		return NULL;
	}
	r->rc = keyring_whoami(st, r->key, &p, &e);
	snprintf(r->name, sizeof r->name, "%s", r->rc == 0 ? p.name : "");
	snprintf(r->msg, sizeof r->msg, "%s", e.msg);
	store_close(st);
	return NULL;
}

/* Connections of one process proving the same keyring at once: one
 * proves it and the others wait for its copy. Each gets the keyring, and
 * a proof that fails (a hole) leaves the others to find it themselves,
 * not waiting for ever nor served what failed. */
static void race_whoami(struct fx *f, const char *want_name, const char *want_msg)
{
	pthread_t t[4];
	struct shared_race r[4];
	size_t i;

	for (i = 0; i < 4; i++) {
		memset(&r[i], 0, sizeof r[i]);
		r[i].db = f->db;
		r[i].key = f->k[1]->id;
		assert_int_equal(pthread_create(&t[i], NULL, shared_race_main, &r[i]), 0);
	}
	for (i = 0; i < 4; i++) {
		assert_int_equal(pthread_join(t[i], NULL), 0);
		if (want_name != NULL) {
			assert_int_equal(r[i].rc, 0);
			assert_string_equal(r[i].name, want_name);
		} else {
			assert_int_equal(r[i].rc, -1);
			assert_non_null(strstr(r[i].msg, want_msg));
		}
	}
}

/* The keyring's revocation deleted by someone who can write the file,
 * with an entry after it, so the hole is not at the ledger's end (a
 * checkpoint's to find). */
static void delete_revocation(struct fx *f)
{
	struct err e;

	assert_int_equal(store_begin(f->st, &e), 0);
	assert_int_equal(registry_model_add(f->st, &f->p[0], "churn", TIER_LOW, "risk", "", &e), 0);
	assert_int_equal(store_commit(f->st, &e), 0);
	assert_int_equal(store_exec(f->st, "DROP TRIGGER ledger_no_delete; DELETE FROM ledger WHERE action = 'keyring.revoke'",
				    "deleting", &e),
			 0);
}

static void test_keyring_single_flight(void **state)
{
	struct fx *f = *state;
	struct err e;

	/* a new keyring: nobody in the process has it proven yet */
	assert_int_equal(store_begin(f->st, &e), 0);
	assert_int_equal(keyring_revoke(f->st, &f->p[0], f->k[0], "lena", f->k[2]->id, 0, &e), 0);
	assert_int_equal(store_commit(f->st, &e), 0);
	race_whoami(f, "rosa", NULL);
	delete_revocation(f);
	race_whoami(f, NULL, "entries were removed outside steward");
}

static long long ms_now(void)
{
	struct timespec t;

	assert_int_equal(clock_gettime(CLOCK_MONOTONIC, &t), 0);
	return (long long)t.tv_sec * 1000 + t.tv_nsec / 1000000;
}

/* While one connection proves a keyring the process's others can ask
 * whether they would wait for it (a console shows a request unchecked
 * meanwhile); a refused proof is told to the others as it is, not made
 * again by each (the tests' build makes each proof take 3 s). */
static void test_keyring_pending(void **state)
{
	struct fx *f = *state;
	struct store *other;
	struct shared_race r;
	struct principal p;
	pthread_t t;
	struct err e;
	long long t0;
	int seen = 0, i;

	assert_int_equal(store_begin(f->st, &e), 0);
	assert_int_equal(keyring_revoke(f->st, &f->p[0], f->k[0], "lena", f->k[2]->id, 0, &e), 0);
	assert_int_equal(store_commit(f->st, &e), 0);
	other = store_open(f->db, 0, &e);
	assert_non_null(other);
	assert_int_equal(keyring_proving(other), 0);
	assert_int_equal(setenv("STEWARD_TEST_PROVE_MS", "1000", 1), 0);
	memset(&r, 0, sizeof r);
	r.db = f->db;
	r.key = f->k[1]->id;
	assert_int_equal(pthread_create(&t, NULL, shared_race_main, &r), 0);
	for (i = 0; i < 200 && !seen; i++) {
		seen = keyring_proving(other);
		if (!seen)
			assert_int_equal(usleep(5000), 0);
	}
	assert_int_equal(seen, 1);
	assert_int_equal(pthread_join(t, NULL), 0);
	assert_int_equal(r.rc, 0);
	assert_int_equal(keyring_proving(other), 0);
	/* what the proof left is taken at once */
	assert_int_equal(keyring_whoami(other, f->k[1]->id, &p, &e), 0);
	store_close(other);
	/* the revocation deleted: refused once */
	delete_revocation(f);
	other = store_open(f->db, 0, &e);
	assert_non_null(other);
	assert_int_equal(keyring_whoami(other, f->k[1]->id, &p, &e), -1);
	assert_non_null(strstr(e.msg, "entries were removed outside steward"));
	store_close(other);
	assert_int_equal(setenv("STEWARD_TEST_PROVE_MS", "3000", 1), 0);
	other = store_open(f->db, 0, &e);
	assert_non_null(other);
	t0 = ms_now();
	assert_int_equal(keyring_whoami(other, f->k[1]->id, &p, &e), -1);
	assert_true(ms_now() - t0 < 2500);
	assert_non_null(strstr(e.msg, "entries were removed outside steward"));
	assert_int_equal(keyring_proving(other), 0);
	store_close(other);
	assert_int_equal(unsetenv("STEWARD_TEST_PROVE_MS"), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_keyring_versions, setup, teardown),
		cmocka_unit_test_setup_teardown(test_bindings, setup, teardown),
		cmocka_unit_test_setup_teardown(test_table_edit, setup, teardown),
		cmocka_unit_test_setup_teardown(test_alias_newest, setup, teardown),
		cmocka_unit_test_setup_teardown(test_proven_cache_rechecks, setup, teardown),
		cmocka_unit_test_setup_teardown(test_proof_roundtrip, setup, teardown),
		cmocka_unit_test_setup_teardown(test_resume, setup, teardown),
		cmocka_unit_test_setup_teardown(test_resume_new_bad, setup, teardown),
		cmocka_unit_test_setup_teardown(test_resume_checkpoint_after, setup, teardown),
		cmocka_unit_test_setup_teardown(test_witness_ahead, setup, teardown),
		cmocka_unit_test_setup_teardown(test_pages, setup, teardown),
		cmocka_unit_test_setup_teardown(test_replay_twice, setup, teardown),
		cmocka_unit_test_setup_teardown(test_replay_closed, setup, teardown),
		cmocka_unit_test_setup_teardown(test_replay_same_evidence, setup, teardown),
		cmocka_unit_test_setup_teardown(test_enrol_cache, setup, teardown),
		cmocka_unit_test_setup_teardown(test_keyring_shared, setup, teardown),
		cmocka_unit_test_setup_teardown(test_keyring_single_flight, setup, teardown),
		cmocka_unit_test_setup_teardown(test_keyring_pending, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
