/* proven: the keyring replayed from its admin-signed ledger entries, and the signatures actors put on their entries. */
#include "proven.h"

#include <inttypes.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "dsse.h"
#include "ledger.h"
#include "merkle.h"

void *proven_push(void *arrp, size_t *n, size_t size)
{
	void **arr = arrp;
	char *nv = realloc(*arr, (*n + 1) * size);

	if (nv == NULL)
		return NULL;
	*arr = nv;
	memset(nv + *n * size, 0, size);
	return nv + (*n)++ * size;
}

int proven_keyring_init(struct proven_keyring *kr, const char *log, struct err *e)
{
	memset(kr, 0, sizeof *kr);
	snprintf(kr->log, sizeof kr->log, "%s", log);
	kr->keyring_history = json_array();
	return kr->keyring_history != NULL ? 0 : err_set(e, ERR_IO, "out of memory");
}

/* Rows whose entry signature held under the cached keyring, one per slot
 * by seq (a newer row takes an older one's slot): the governed path reads
 * the same model's alias moves and evidence for every act on it, and an
 * Ed25519 check was most of each row's cost. 16,384 slots of 40 bytes. */
#define PROVEN_SEEN_SLOTS 16384

struct proven_seen {
	int64_t seq; /* 0: empty */
	uint8_t tag[32]; /* BLAKE2b of the leaf and the signature text */
};

void proven_keyring_clear(struct proven_keyring *kr)
{
	free(kr->seen);
	free(kr->p);
	free(kr->k);
	free(kr->r);
	free(kr->vseq);
	json_decref(kr->keyring_history);
	memset(kr, 0, sizeof *kr);
}

struct proven_principal *proven_principal(struct proven_keyring *kr, const char *name, size_t *idx)
{
	size_t i;

	for (i = 0; i < kr->np; i++)
		if (strcmp(kr->p[i].name, name) == 0) {
			if (idx != NULL)
				*idx = i;
			return &kr->p[i];
		}
	return NULL;
}

struct proven_key *proven_key(struct proven_keyring *kr, const char *id)
{
	size_t i;

	for (i = 0; i < kr->nk; i++)
		if (strcmp(kr->k[i].id, id) == 0)
			return &kr->k[i];
	return NULL;
}

int proven_role_held(const struct proven_keyring *kr, size_t principal, unsigned role, int64_t ver)
{
	size_t i;

	for (i = 0; i < kr->nr; i++)
		if (kr->r[i].principal == principal && kr->r[i].role == role && kr->r[i].granted <= ver &&
		    (kr->r[i].revoked == 0 || ver < kr->r[i].revoked))
			return 1;
	return 0;
}

unsigned proven_roles_now(const struct proven_keyring *kr, size_t principal)
{
	unsigned m = 0;
	size_t i;

	for (i = 0; i < kr->nr; i++)
		if (kr->r[i].principal == principal && kr->r[i].revoked == 0)
			m |= kr->r[i].role;
	return m;
}

int proven_key_active(const struct proven_key *k, int64_t ver)
{
	return k->added <= ver && (k->revoked == 0 || ver < k->revoked);
}

/* approval_ctx callbacks over the replayed keyring. */
int proven_key_at(void *arg, const char *key_id, int64_t ver,
			    char principal[KEYS_NAME_MAX + 1], uint8_t pk[KEYS_PK_BYTES], int *active)
{
	struct proven_keyring *kr = arg;
	struct proven_key *k = proven_key(kr, key_id);

	if (k == NULL)
		return 0;
	snprintf(principal, KEYS_NAME_MAX + 1, "%s", kr->p[k->principal].name);
	memcpy(pk, k->pk, KEYS_PK_BYTES);
	*active = proven_key_active(k, ver);
	return 1;
}

int proven_role_at(void *arg, const char *name, unsigned role, int64_t ver)
{
	struct proven_keyring *kr = arg;
	size_t idx;

	if (proven_principal(kr, name, &idx) == NULL)
		return 0;
	return proven_role_held(kr, idx, role, ver);
}

/* ---- keyring entries ---- */

static unsigned proven_roles_json(json_t *a, int *bad)
{
	unsigned m = 0, r;
	struct err e;
	size_t i;
	json_t *v;

	*bad = !json_is_array(a);
	json_array_foreach(a, i, v) {
		r = json_is_string(v) ? keyring_role_parse(json_string_value(v), &e) : 0;
		if (r == 0)
			*bad = 1;
		m |= r;
	}
	return m;
}

int proven_keyring_apply(struct proven_keyring *kr, int64_t seq, const char *action, const char *actor,
			  json_t *data, char *why, size_t n)
{
	const char *env, *type, *change, *scope, *principal, *log, *kid = NULL, *kpub = NULL;
	json_int_t from, to, dver;
	json_t *stmt, *roles, *key;
	struct dsse d;
	struct err e;
	struct proven_key *signer;
	size_t pidx = 0, bin;
	unsigned mask;
	int bad, r = -1;
	uint8_t pk[KEYS_PK_BYTES];

	if (json_unpack(data, "{s:I, s:s}", "keyring", &dver, "envelope", &env) != 0)
		return err_why(why, n, "keyring entry without keyring version and envelope");
	if (dsse_parse(env, strlen(env), &d, &e) != 0)
		return err_why(why, n, "keyring change: %s", e.msg);
	if (strcmp(d.payload_type, KEYRING_PAYLOAD_TYPE) != 0) {
		err_why(why, n, "keyring change: payloadType is not %s", KEYRING_PAYLOAD_TYPE);
		dsse_free(&d);
		return -1;
	}
	stmt = json_loadb((const char *)d.payload, d.payload_len, JSON_REJECT_DUPLICATES, NULL);
	if (stmt == NULL ||
	    json_unpack(stmt, "{s:s, s:s, s:s, s:I, s:I, s:s, s:o, s:o, s:s}", "type", &type, "change",
			&change, "scope", &scope, "from", &from, "to", &to, "principal", &principal, "roles",
			&roles, "key", &key, "log", &log) != 0 ||
	    strcmp(type, "keyring-change") != 0) {
		err_why(why, n, "keyring change: statement is malformed");
		goto out;
	}
	if (json_is_object(key) && json_unpack(key, "{s:s, s?s}", "id", &kid, "public", &kpub) != 0) {
		err_why(why, n, "keyring change: key must have an id");
		goto out;
	}
	mask = proven_roles_json(roles, &bad);
	if (bad) {
		err_why(why, n, "keyring change: unknown role");
		goto out;
	}
	if (from != kr->version || to != kr->version + 1 || dver != to) {
		err_why(why, n, "keyring change from version %lld to %lld does not follow version %" PRId64,
			   (long long)from, (long long)to, kr->version);
		goto out;
	}
	if (strcmp(log, kr->log) != 0) {
		err_why(why, n, "keyring change is for the log %s, not %s", log, kr->log);
		goto out;
	}
	if (strcmp(action + strlen("keyring."), change) != 0) {
		err_why(why, n, "entry says %s but the signed change is %s", action, change);
		goto out;
	}
	/* Who signed: for init the key it introduces (the root of trust), else
	 * an active admin key of the keyring as it stood. */
	if (strcmp(change, "init") == 0) {
		if (kr->version != 0 || kid == NULL || kpub == NULL ||
		    sodium_base642bin(pk, sizeof pk, kpub, strlen(kpub), NULL, &bin, NULL,
				      sodium_base64_VARIANT_ORIGINAL) != 0 ||
		    bin != sizeof pk) {
			err_why(why, n, "keyring init must come first and carry its admin's key");
			goto out;
		}
		if (d.nsigs < 1 || strcmp(d.sigs[0].keyid, kid) != 0 || !dsse_verify(&d, pk, kid)) {
			err_why(why, n, "keyring init is not signed by the key it introduces");
			goto out;
		}
		{
			char id[KEYS_ID_HEX + 1];

			keys_id(pk, id);
			if (strcmp(id, kid) != 0) {
				err_why(why, n, "keyring init: key id %s does not match its public key", kid);
				goto out;
			}
		}
		if (strcmp(actor, principal) != 0 || mask != ROLE_ADMIN) {
			err_why(why, n, "keyring init must make its actor an admin");
			goto out;
		}
		snprintf(kr->root_key, sizeof kr->root_key, "%s", kid);
	} else {
		size_t i, sp = 0;

		for (i = 0, signer = NULL; i < d.nsigs && signer == NULL; i++)
			signer = proven_key(kr, d.sigs[i].keyid);
		if (signer == NULL) {
			err_why(why, n, "keyring change signed by a key that is not in the keyring");
			goto out;
		}
		sp = signer->principal;
		if (!dsse_verify(&d, signer->pk, signer->id)) {
			err_why(why, n, "keyring change: signature by %s does not verify", signer->id);
			goto out;
		}
		if (!proven_key_active(signer, kr->version) || kr->p[sp].revoked != 0 ||
		    !proven_role_held(kr, sp, ROLE_ADMIN, kr->version)) {
			err_why(why, n, "keyring change signed by %s, who was not an active admin at version %" PRId64,
				   kr->p[sp].name, kr->version);
			goto out;
		}
		if (strcmp(actor, kr->p[sp].name) != 0) {
			err_why(why, n, "entry names actor %s but %s signed the change", actor, kr->p[sp].name);
			goto out;
		}
	}
	/* Apply it. */
	kr->version = to;
	{
		int64_t *nv = realloc(kr->vseq, (size_t)(to + 1) * sizeof *kr->vseq);

		if (nv == NULL)
			goto oom;
		kr->vseq = nv;
		kr->vseq[0] = 0;
		kr->vseq[to] = seq;
	}
	if (strcmp(change, "init") == 0 || strcmp(change, "add") == 0) {
		struct proven_principal *p = proven_principal(kr, principal, &pidx);
		int i;

		if (p != NULL && p->revoked != 0) {
			err_why(why, n, "adds to principal %s, revoked earlier", principal);
			goto out;
		}
		if (p == NULL) {
			if (kid == NULL || kpub == NULL) {
				err_why(why, n, "a new principal needs a key");
				goto out;
			}
			p = proven_push(&kr->p, &kr->np, sizeof *kr->p);
			if (p == NULL)
				goto oom;
			snprintf(p->name, sizeof p->name, "%s", principal);
			p->added = to;
			pidx = kr->np - 1;
		}
		if (kid != NULL) {
			struct proven_key *k;
			char id[KEYS_ID_HEX + 1];

			if (kpub == NULL || proven_key(kr, kid) != NULL ||
			    sodium_base642bin(pk, sizeof pk, kpub, strlen(kpub), NULL, &bin, NULL,
					      sodium_base64_VARIANT_ORIGINAL) != 0 ||
			    bin != sizeof pk) {
				err_why(why, n, "adds key %s twice or without its public key", kid);
				goto out;
			}
			keys_id(pk, id);
			if (strcmp(id, kid) != 0) {
				err_why(why, n, "key id %s does not match its public key", kid);
				goto out;
			}
			k = proven_push(&kr->k, &kr->nk, sizeof *kr->k);
			if (k == NULL)
				goto oom;
			snprintf(k->id, sizeof k->id, "%s", kid);
			memcpy(k->pk, pk, sizeof pk);
			k->principal = pidx;
			k->added = to;
		}
		for (i = 0; i < ROLE_COUNT; i++) {
			struct proven_role *rr;

			if (!(mask & (1u << i)) || (proven_roles_now(kr, pidx) & (1u << i)))
				continue;
			rr = proven_push(&kr->r, &kr->nr, sizeof *kr->r);
			if (rr == NULL)
				goto oom;
			rr->principal = pidx;
			rr->role = 1u << i;
			rr->granted = to;
		}
	} else if (strcmp(change, "revoke") == 0) {
		struct proven_principal *p = proven_principal(kr, principal, &pidx);
		size_t i;

		if (p == NULL || p->revoked != 0) {
			err_why(why, n, "revokes %s, who is not an active principal", principal);
			goto out;
		}
		if (strcmp(scope, "key") == 0) {
			struct proven_key *k = kid != NULL ? proven_key(kr, kid) : NULL;

			if (k == NULL || k->principal != pidx || k->revoked != 0) {
				err_why(why, n, "revokes key %s, which %s does not hold", kid, principal);
				goto out;
			}
			k->revoked = to;
		} else {
			int whole = strcmp(scope, "principal") == 0;

			if (!whole && strcmp(scope, "roles") != 0) {
				err_why(why, n, "revocation scope %s is not principal, key or roles", scope);
				goto out;
			}
			if ((mask & ~proven_roles_now(kr, pidx)) != 0) {
				err_why(why, n, "revokes roles %s does not hold", principal);
				goto out;
			}
			for (i = 0; i < kr->nr; i++)
				if (kr->r[i].principal == pidx && kr->r[i].revoked == 0 && (kr->r[i].role & mask))
					kr->r[i].revoked = to;
			if (whole) {
				for (i = 0; i < kr->nk; i++)
					if (kr->k[i].principal == pidx && kr->k[i].revoked == 0)
						kr->k[i].revoked = to;
				p->revoked = to;
			}
		}
	} else {
		err_why(why, n, "unknown keyring change %s", change);
		goto out;
	}
	{
		json_t *h = json_pack("{s:I, s:I, s:O}", "version", (json_int_t)to, "seq", (json_int_t)seq,
				      "statement", stmt);

		if (h == NULL || json_array_append_new(kr->keyring_history, h) != 0)
			goto oom;
	}
	r = 0;
	goto out;
oom:
	err_why(why, n, "out of memory");
out:
	json_decref(stmt);
	dsse_free(&d);
	return r;
}

/* ---- requests and approvals ---- */


int64_t proven_version_at(const struct proven_keyring *kr, int64_t seq)
{
	int64_t v = kr->version;

	while (v > 0 && kr->vseq[v] >= seq)
		v--;
	return v;
}

/* ---- the store's keyring, proven from its ledger ---- */

static void proven_cache_free(void *p)
{
	proven_keyring_clear(p);
	free(p);
}

int proven_action_stamp(struct store *st, const char *prefix, int64_t *stamp, struct err *e)
{
	char hi[64];
	size_t n = strlen(prefix);
	struct db_stmt *s;
	int rc;

	/* A range, not LIKE 'prefix%': SQLite's LIKE ignores case and so
	 * cannot use the action index. The prefix with its last character
	 * moved one on bounds exactly the actions that start with it. */
	if (n == 0 || n >= sizeof hi)
		return err_set(e, ERR_INVALID, "action prefix \"%s\" is empty or too long", prefix);
	memcpy(hi, prefix, n + 1);
	hi[n - 1]++;
	if (store_stmt(st, &s, "SELECT count(*), coalesce(max(seq), 0) FROM ledger WHERE action >= ?1 AND action < ?2", e) !=
	    0)
		return -1;
	db_bind_text(s, 1, prefix, -1, DB_STATIC);
	db_bind_text(s, 2, hi, -1, DB_STATIC);
	rc = db_step(s);
	if (rc == DB_ROW)
		*stamp = db_column_int64(s, 1) * 1000003 + db_column_int64(s, 0);
	store_stmt_done(st, s);
	return rc == DB_ROW ? 0 : store_fail(st, e, "reading the ledger");
}

/* Changes whenever a keyring entry is added (or one is removed): this
 * runs for every decision a list evaluates, and a scan of a million
 * entries each time was nearly all of approval list's time. */
static int proven_stamp(struct store *st, int64_t *stamp, struct err *e)
{
	return proven_action_stamp(st, "keyring.", stamp, e);
}

/* A deleted row leaves a hole in the sequence: what the rest of a replay
 * would catch through the chain, the gate catches here cheaply. Two
 * subqueries of one statement (one snapshot): a count(*) alone is SQLite's
 * page-by-page count of an index, where one beside max(seq) read and
 * decoded every entry (50 ms of CPU on a million entries, most of a
 * console's first paint with a key). */
static int proven_no_gap(struct store *st, struct err *e)
{
	struct db_stmt *s;
	int64_t n = 0, max = 0;
	int rc;

	/* SQLite counts through the index it guesses narrowest: on the bench
	 * estate it took the actions' (22 MB), where the actors' holds the same
	 * rows in 13 MB, and read from a cold disk cache the count was most of
	 * a console's start with a key (0.9 s against 0.44 s). Where that
	 * index is missing (an older schema, or dropped) the plain count. */
	if (strcmp(store_engine(st), "sqlite") != 0 ||
	    store_prepare(st, &s,
			  "SELECT (SELECT count(*) FROM ledger INDEXED BY ledger_actor),"
			  " (SELECT coalesce(max(seq), 0) FROM ledger)",
			  NULL) != 0) {
		if (store_prepare(st, &s,
				  "SELECT (SELECT count(*) FROM ledger), (SELECT coalesce(max(seq), 0) FROM ledger)",
				  e) != 0)
			return -1;
	}
	rc = db_step(s);
	if (rc == DB_ROW) {
		n = db_column_int64(s, 0);
		max = db_column_int64(s, 1);
	}
	db_finalize(s);
	if (rc != DB_ROW)
		return store_fail(st, e, "reading the ledger");
	if (n != max)
		return err_set(e, ERR_DENIED,
			       "the ledger holds %" PRId64 " entries numbered up to %" PRId64
			       ": entries were removed outside steward (run 'steward audit verify')",
			       n, max);
	return 0;
}

/* The body must be the bytes its leaf commits to. */
static int proven_leaf_ok(const void *body, size_t len, const void *leaf, size_t leaflen)
{
	merkle_hash h;

	if (leaflen != sizeof h)
		return 0;
	merkle_leaf(body, len, h);
	return sodium_memcmp(h, leaf, sizeof h) == 0;
}

static int proven_keyring_read(struct store *st, struct proven_keyring *kr, struct err *e)
{
	uint8_t pk[KEYS_PK_BYTES];
	char log[KEYS_NAME_MAX + 1], why[700];
	struct db_stmt *s;
	int rc, r = 0;

	if (ledger_logkey_public(st, log, sizeof log, pk, e) != 0 || proven_keyring_init(kr, log, e) != 0)
		return -1;
	/* The action index's range (see proven_stamp): LIKE read all of a
	 * million-entry ledger from disk whenever a console or command first
	 * asked who its key belongs to. */
	if (store_prepare(st, &s,
			  "SELECT seq, body, leaf FROM ledger WHERE action >= 'keyring.' AND action < 'keyring/' ORDER BY seq",
			  e) != 0)
		return -1;
	while (r == 0 && (rc = db_step(s)) == DB_ROW) {
		int64_t seq = db_column_int64(s, 0);
		const char *body = db_column_blob(s, 1);
		size_t len = (size_t)db_column_bytes(s, 1);
		const char *actor, *action;
		json_t *j, *data;

		if (!proven_leaf_ok(body, len, db_column_blob(s, 2), (size_t)db_column_bytes(s, 2))) {
			r = err_set(e, ERR_DENIED, "ledger entry %" PRId64 " (a keyring change) was altered outside steward", seq);
			break;
		}
		j = json_loadb(body, len, JSON_REJECT_DUPLICATES, NULL);
		if (j == NULL || json_unpack(j, "{s:s, s:s, s:o}", "actor", &actor, "action", &action, "data", &data) != 0) {
			json_decref(j);
			r = err_set(e, ERR_DENIED, "ledger entry %" PRId64 " (a keyring change) is malformed", seq);
			break;
		}
		if (proven_keyring_apply(kr, seq, action, actor, data, why, sizeof why) != 0)
			r = err_set(e, ERR_DENIED, "ledger entry %" PRId64 ": %s", seq, why);
		json_decref(j);
	}
	db_finalize(s);
	if (r == 0 && rc != DB_DONE)
		return store_fail(st, e, "reading the keyring from the ledger");
	return r;
}

/* A copy of a proven keyring, without its cache of rows seen (which is
 * the connection's own); NULL when out of memory. */
static struct proven_keyring *proven_keyring_copy(const struct proven_keyring *from)
{
	struct proven_keyring *kr = calloc(1, sizeof *kr);
	size_t nv = from->vseq != NULL ? (size_t)from->version + 1 : 0;

	if (kr == NULL)
		return NULL;
	memcpy(kr->log, from->log, sizeof kr->log);
	memcpy(kr->root_key, from->root_key, sizeof kr->root_key);
	kr->version = from->version;
	kr->np = from->np;
	kr->nk = from->nk;
	kr->nr = from->nr;
	/* calloc(0) may be NULL: an empty array is copied as none. */
	if ((from->np > 0 && (kr->p = malloc(from->np * sizeof *kr->p)) == NULL) ||
	    (from->nk > 0 && (kr->k = malloc(from->nk * sizeof *kr->k)) == NULL) ||
	    (from->nr > 0 && (kr->r = malloc(from->nr * sizeof *kr->r)) == NULL) ||
	    (nv > 0 && (kr->vseq = malloc(nv * sizeof *kr->vseq)) == NULL) ||
	    (from->keyring_history != NULL && (kr->keyring_history = json_deep_copy(from->keyring_history)) == NULL)) {
		proven_cache_free(kr);
		return NULL;
	}
	if (from->np > 0)
		memcpy(kr->p, from->p, from->np * sizeof *kr->p);
	if (from->nk > 0)
		memcpy(kr->k, from->k, from->nk * sizeof *kr->k);
	if (from->nr > 0)
		memcpy(kr->r, from->r, from->nr * sizeof *kr->r);
	if (nv > 0)
		memcpy(kr->vseq, from->vseq, nv * sizeof *kr->vseq);
	return kr;
}

/* The keyring last proven in this process, with the store and stamp it
 * was proven at. A console's workers each open a connection of their own
 * (the ledger check, :approvals' gates, a search): without it each read
 * the keyring, proved it and counted the ledger for holes again, 33 ms of
 * the first :approvals page on the bench estate. The same stamp is what
 * lets one connection keep its copy (above), so a copy trusts no more. */
static pthread_mutex_t proven_shared_mu = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t proven_shared_cv = PTHREAD_COND_INITIALIZER;
static struct {
	char path[4096];
	int64_t stamp;
	struct proven_keyring *kr;
	/* A connection proving the keyring now, for the store and stamp
	 * below: the others wait for its copy rather than prove it too. In
	 * the console a key that needs the keyring while the ledger check's
	 * connection proves it (a request opened in the first second) paid
	 * for a second proof, on the core the check was not using. */
	int loading;
	char loading_path[4096];
	int64_t loading_stamp;
	/* The last proof refused (ERR_DENIED: a hole in the ledger, a keyring
	 * entry that does not check), for the store and stamp below. A
	 * tampered ledger stays so: without it each of the console's
	 * connections, and each row :approvals judges, counted the ledger
	 * again to find the same hole, and a request opened meanwhile waited
	 * on one proof after another. Other failures (busy, I/O) are not kept. */
	int failed;
	char failed_path[4096];
	int64_t failed_stamp;
	char failed_msg[sizeof ((struct err *)0)->msg];
} proven_shared;

/* Whether a (path, stamp) pair of proven_shared's names this store's keyring at stamp. */
static int proven_shared_is(const char *have_path, int64_t have_stamp, const char *path, int64_t stamp)
{
	return have_stamp == stamp && strcmp(have_path, path) == 0;
}

/* A copy of the process's keyring for st at stamp, NULL when it has none
 * (and then *mine is 1: this connection is to prove it, and must end
 * with proven_shared_put or proven_shared_drop). Waits while another
 * connection proves that same keyring. *refused is 1, and e says why,
 * when the process's proof of it was refused. */
static struct proven_keyring *proven_shared_get(struct store *st, int64_t stamp, int *mine, int *refused,
						  struct err *e)
{
	struct proven_keyring *kr = NULL;
	const char *path = store_path(st);

	*mine = *refused = 0;
	pthread_mutex_lock(&proven_shared_mu);
	while (proven_shared.loading &&
	       proven_shared_is(proven_shared.loading_path, proven_shared.loading_stamp, path, stamp))
		pthread_cond_wait(&proven_shared_cv, &proven_shared_mu);
	if (proven_shared.failed && proven_shared_is(proven_shared.failed_path, proven_shared.failed_stamp, path, stamp)) {
		err_set(e, ERR_DENIED, "%s", proven_shared.failed_msg);
		*refused = 1;
		pthread_mutex_unlock(&proven_shared_mu);
		return NULL;
	}
	if (proven_shared.kr != NULL && proven_shared_is(proven_shared.path, proven_shared.stamp, path, stamp))
		kr = proven_keyring_copy(proven_shared.kr);
	/* One at a time: another store's or stamp's proof under way is not
	 * waited for, and this one is then proven unshared. */
	if (kr == NULL && !proven_shared.loading && strlen(path) < sizeof proven_shared.loading_path) {
		proven_shared.loading = 1;
		proven_shared.loading_stamp = stamp;
		snprintf(proven_shared.loading_path, sizeof proven_shared.loading_path, "%s", path);
		*mine = 1;
	}
	pthread_mutex_unlock(&proven_shared_mu);
	return kr;
}

/* The proof this connection was to make failed: those waiting make their
 * own, unless it was refused (e), which they are then told. */
static void proven_shared_drop(struct store *st, int64_t stamp, const struct err *e)
{
	pthread_mutex_lock(&proven_shared_mu);
	if (e != NULL && e->kind == ERR_DENIED && strlen(store_path(st)) < sizeof proven_shared.failed_path) {
		proven_shared.failed = 1;
		proven_shared.failed_stamp = stamp;
		snprintf(proven_shared.failed_path, sizeof proven_shared.failed_path, "%s", store_path(st));
		snprintf(proven_shared.failed_msg, sizeof proven_shared.failed_msg, "%s", e->msg);
	}
	proven_shared.loading = 0;
	pthread_cond_broadcast(&proven_shared_cv);
	pthread_mutex_unlock(&proven_shared_mu);
}

/* Keeps a copy of kr, just proven on st at stamp, for the process's other
 * connections; out of memory or a path too long, they prove their own. */
static void proven_shared_put(struct store *st, int64_t stamp, const struct proven_keyring *kr)
{
	struct proven_keyring *c;

	if (strlen(store_path(st)) >= sizeof proven_shared.path || (c = proven_keyring_copy(kr)) == NULL) {
		proven_shared_drop(st, stamp, NULL);
		return;
	}
	pthread_mutex_lock(&proven_shared_mu);
	proven_shared.loading = 0;
	proven_shared.failed = 0;
	pthread_cond_broadcast(&proven_shared_cv);
	if (proven_shared.kr != NULL)
		proven_cache_free(proven_shared.kr);
	proven_shared.kr = c;
	proven_shared.stamp = stamp;
	snprintf(proven_shared.path, sizeof proven_shared.path, "%s", store_path(st));
	pthread_mutex_unlock(&proven_shared_mu);
}

int proven_keyring_pending(struct store *st)
{
	int64_t stamp = 0, have = 0;
	const char *path = store_path(st);
	int pending;
	struct err e;

	err_clear(&e);
	if (proven_stamp(st, &stamp, &e) != 0)
		return 0;
	if (store_slot(st, STORE_SLOT_KEYRING, &have) != NULL && have == stamp)
		return 0;
	pthread_mutex_lock(&proven_shared_mu);
	pending = proven_shared.loading &&
		  proven_shared_is(proven_shared.loading_path, proven_shared.loading_stamp, path, stamp) &&
		  !(proven_shared.kr != NULL && proven_shared_is(proven_shared.path, proven_shared.stamp, path, stamp));
	pthread_mutex_unlock(&proven_shared_mu);
	return pending;
}

int proven_keyring_load(struct store *st, const struct proven_keyring **out, struct err *e)
{
	struct proven_keyring *kr;
	int64_t stamp = 0, have = 0;
	void *cached = store_slot(st, STORE_SLOT_KEYRING, &have);
	int mine, refused;

	if (proven_stamp(st, &stamp, e) != 0)
		return -1;
	if (cached != NULL && have == stamp) {
		*out = cached;
		return 0;
	}
	kr = proven_shared_get(st, stamp, &mine, &refused, e);
	if (refused)
		return -1;
	if (kr == NULL) {
		/* The tests' build makes the proof slow on demand, as a million
		 * entries read from a cold disk are (store_test_wait); here, where
		 * the process's other connections wait for it. */
		store_test_wait("STEWARD_TEST_PROVE_MS");
		if (proven_no_gap(st, e) != 0)
			goto fail;
		kr = calloc(1, sizeof *kr);
		if (kr == NULL) {
			err_set(e, ERR_IO, "out of memory");
			goto fail;
		}
		if (proven_keyring_read(st, kr, e) != 0) {
			proven_cache_free(kr);
			goto fail;
		}
		if (mine)
			proven_shared_put(st, stamp, kr);
	}
	/* After the read: proven_keyring_init clears the struct. Without it
	 * (out of memory) every row is simply verified. */
	kr->seen = calloc(PROVEN_SEEN_SLOTS, sizeof *kr->seen);
	store_slot_set(st, STORE_SLOT_KEYRING, kr, stamp, proven_cache_free);
	*out = kr;
	return 0;
fail:
	if (mine)
		proven_shared_drop(st, stamp, e);
	return -1;
}

int proven_whoami(struct store *st, const char *key_id, struct principal *p, struct err *e)
{
	const struct proven_keyring *kr;
	struct proven_key *k;
	const struct proven_principal *pr;

	memset(p, 0, sizeof *p);
	if (proven_keyring_load(st, &kr, e) != 0)
		return -1;
	k = proven_key((struct proven_keyring *)kr, key_id);
	if (k == NULL)
		return err_set(e, ERR_DENIED, "key %s is not in this store's keyring (see 'steward principal list')", key_id);
	pr = &kr->p[k->principal];
	snprintf(p->name, sizeof p->name, "%s", pr->name);
	snprintf(p->key_id, sizeof p->key_id, "%s", key_id);
	if (pr->revoked != 0)
		return err_set(e, ERR_DENIED, "principal %s was revoked at keyring version %" PRId64, pr->name, pr->revoked);
	if (k->revoked != 0)
		return err_set(e, ERR_DENIED, "key %s of %s was revoked at keyring version %" PRId64, key_id, pr->name,
			       k->revoked);
	p->roles = proven_roles_now(kr, k->principal);
	return 0;
}

/* ---- entry signatures ---- */

void proven_sign_entry(const struct key_secret *k, const char *body, size_t len, char *sig, size_t n)
{
	uint8_t raw[KEYS_SIG_BYTES], *pae = NULL;
	size_t plen = 0;

	sig[0] = '\0';
	if (dsse_pae(PROVEN_ENTRY_TYPE, body, len, &pae, &plen) != 0)
		return;
	keys_sign(k, pae, plen, raw);
	free(pae);
	sodium_bin2base64(sig, n, raw, sizeof raw, sodium_base64_VARIANT_ORIGINAL);
}

int proven_self_signed(const char *action, const char *actor)
{
	if (strncmp(action, "keyring.", 8) == 0 || strncmp(action, "approval.", 9) == 0)
		return 1;
	/* What a backend showed is recorded, not decided: it never moves a gate. */
	return strncmp(actor, "plugin:", 7) == 0 &&
	       (strcmp(action, "alias.imported") == 0 || strcmp(action, "alias.observed") == 0 ||
		strcmp(action, "traffic.imported") == 0 || strcmp(action, "traffic.observed") == 0);
}

int proven_check_entry(const struct proven_keyring *kr, int64_t ver, json_t *parsed, const char *body, size_t len,
		       const char *sig, char *why, size_t n)
{
	const char *actor = json_string_value(json_object_get(parsed, "actor")),
		   *action = json_string_value(json_object_get(parsed, "action")),
		   *kid = json_string_value(json_object_get(parsed, "key"));
	uint8_t raw[KEYS_SIG_BYTES + 8], *pae = NULL;
	const struct proven_key *k;
	size_t rawlen = 0, plen = 0;
	int ok;

	if (actor == NULL || action == NULL)
		return err_why(why, n, "entry names no actor or action");
	if (proven_self_signed(action, actor))
		return 0;
	if (kid == NULL)
		return err_why(why, n, "%s by %s is not signed by its actor (no key named)", action, actor);
	k = proven_key((struct proven_keyring *)kr, kid);
	if (k == NULL)
		return err_why(why, n, "%s is signed with key %s, which the keyring never held", action, kid);
	if (strcmp(kr->p[k->principal].name, actor) != 0)
		return err_why(why, n, "%s names actor %s but is signed with a key of %s", action, actor,
				  kr->p[k->principal].name);
	if (!proven_key_active(k, ver) || (kr->p[k->principal].revoked != 0 && kr->p[k->principal].revoked <= ver))
		return err_why(why, n, "%s is signed with key %s of %s, not active at keyring version %" PRId64, action,
				  kid, actor, ver);
	if (sig == NULL || sig[0] == '\0' ||
	    sodium_base642bin(raw, sizeof raw, sig, strlen(sig), NULL, &rawlen, NULL, sodium_base64_VARIANT_ORIGINAL) != 0 ||
	    rawlen != KEYS_SIG_BYTES)
		return err_why(why, n, "%s by %s carries no valid signature", action, actor);
	if (dsse_pae(PROVEN_ENTRY_TYPE, body, len, &pae, &plen) != 0)
		return err_why(why, n, "out of memory");
	ok = keys_verify(k->pk, pae, plen, raw);
	free(pae);
	if (!ok)
		return err_why(why, n, "signature of %s by %s does not verify (forged or altered)", action, actor);
	return 0;
}

int proven_row_leaf(int64_t seq, struct db_stmt *s, int col, struct err *e)
{
	/* Each column's pointer before its size, as SQLite asks. */
	const void *body = db_column_blob(s, col);
	size_t len = (size_t)db_column_bytes(s, col);
	const void *leaf = db_column_blob(s, col + 1);
	size_t leaflen = (size_t)db_column_bytes(s, col + 1);

	if (!proven_leaf_ok(body, len, leaf, leaflen))
		return err_set(e, ERR_DENIED, "ledger entry %" PRId64 " was altered outside steward", seq);
	return 0;
}

int proven_row_read(int64_t seq, struct db_stmt *s, int col, json_t **out, struct err *e)
{
	const void *body;
	size_t len;
	json_t *j;

	*out = NULL;
	if (proven_row_leaf(seq, s, col, e) != 0)
		return -1;
	body = db_column_blob(s, col);
	len = (size_t)db_column_bytes(s, col);
	j = json_loadb(body, len, JSON_REJECT_DUPLICATES, NULL);
	if (j == NULL || !json_is_integer(json_object_get(j, "seq")) ||
	    json_integer_value(json_object_get(j, "seq")) != seq) {
		json_decref(j);
		return err_set(e, ERR_DENIED, "ledger entry %" PRId64 " is malformed", seq);
	}
	*out = j;
	return 0;
}

int proven_row_signed(const struct proven_keyring *kr, int64_t seq, struct db_stmt *s, int col, json_t *j,
		      struct err *e)
{
	const void *body = db_column_blob(s, col);
	size_t len = (size_t)db_column_bytes(s, col);
	const void *leaf = db_column_blob(s, col + 1);
	size_t leaflen = (size_t)db_column_bytes(s, col + 1);
	const char *sig = (const char *)db_column_text(s, col + 2);
	struct proven_seen *seen = NULL;
	uint8_t tag[32];
	char why[700];

	if (kr->seen != NULL) {
		crypto_generichash_state h;

		seen = &kr->seen[(uint64_t)seq % PROVEN_SEEN_SLOTS];
		if (crypto_generichash_init(&h, NULL, 0, sizeof tag) != 0 ||
		    crypto_generichash_update(&h, leaf, leaflen) != 0 ||
		    crypto_generichash_update(&h, (const unsigned char *)(sig != NULL ? sig : ""),
					      sig != NULL ? strlen(sig) + 1 : 0) != 0 ||
		    crypto_generichash_final(&h, tag, sizeof tag) != 0)
			seen = NULL;
		else if (seen->seq == seq && sodium_memcmp(seen->tag, tag, sizeof tag) == 0)
			return 0;
	}
	if (proven_check_entry(kr, proven_version_at(kr, seq), j, body, len, sig, why, sizeof why) != 0)
		return err_set(e, ERR_DENIED, "ledger entry %" PRId64 ": %s", seq, why);
	if (seen != NULL) {
		seen->seq = seq;
		memcpy(seen->tag, tag, sizeof tag);
	}
	return 0;
}

int proven_row(const struct proven_keyring *kr, int64_t seq, struct db_stmt *s, int col, json_t **out,
	       struct err *e)
{
	if (proven_row_read(seq, s, col, out, e) != 0)
		return -1;
	if (proven_row_signed(kr, seq, s, col, *out, e) != 0) {
		json_decref(*out);
		*out = NULL;
		return -1;
	}
	return 0;
}

int proven_entry(struct store *st, int64_t seq, json_t **body, struct err *e)
{
	const struct proven_keyring *kr;
	struct db_stmt *s;
	int rc, r;

	*body = NULL;
	if (proven_keyring_load(st, &kr, e) != 0)
		return -1;
	if (store_stmt(st, &s, "SELECT body, leaf, sig FROM ledger WHERE seq = ?1", e) != 0)
		return -1;
	db_bind_int64(s, 1, seq);
	rc = db_step(s);
	if (rc != DB_ROW) {
		store_stmt_done(st, s);
		return rc == DB_DONE ? err_set(e, ERR_DENIED, "ledger entry %" PRId64 " is missing", seq)
				     : store_fail(st, e, "reading the ledger");
	}
	r = proven_row(kr, seq, s, 0, body, e);
	store_stmt_done(st, s);
	return r;
}

int proven_checkpoint_entry(void *arg, int64_t seq, const char *body, size_t len, json_t *parsed, const char *sig,
			    char *why, size_t n)
{
	const struct proven_keyring *kr;
	struct err e;

	if (proven_keyring_load(arg, &kr, &e) != 0)
		return err_why(why, n, "%s", e.msg);
	return proven_check_entry(kr, proven_version_at(kr, seq), parsed, body, len, sig, why, n);
}
