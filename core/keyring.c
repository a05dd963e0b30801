/* keyring: principals, roles and keys; every change is an admin-signed DSSE statement appended to the ledger. */
#include "keyring.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <jansson.h>
#include <sodium.h>

#include "check.h"
#include "dsse.h"
#include "ledger.h"
#include "proven.h"

static const char *const keyring_roles[ROLE_COUNT] = {
	"admin", "risk-officer", "ml-lead", "sre", "auditor", "pipeline",
};

const char *keyring_role_name(unsigned role)
{
	int i;

	if (role == 0)
		return "any";
	for (i = 0; i < ROLE_COUNT; i++)
		if (role == (1u << i))
			return keyring_roles[i];
	return "?";
}

unsigned keyring_role_parse(const char *s, struct err *e)
{
	char q[64];
	int i;

	for (i = 0; i < ROLE_COUNT; i++)
		if (strcmp(s, keyring_roles[i]) == 0)
			return 1u << i;
	check_excerpt(s, q, sizeof q);
	err_set(e, ERR_INVALID, "unknown role '%s' (roles: admin, risk-officer, ml-lead, sre, auditor, pipeline)",
		q);
	return 0;
}

int keyring_roles_parse(const char *csv, unsigned *mask, struct err *e)
{
	char buf[256], *tok, *save = NULL;
	unsigned r;

	*mask = 0;
	if (snprintf(buf, sizeof buf, "%s", csv) >= (int)sizeof buf)
		return err_set(e, ERR_INVALID, "role list is too long");
	for (tok = strtok_r(buf, ",", &save); tok != NULL; tok = strtok_r(NULL, ",", &save)) {
		r = keyring_role_parse(tok, e);
		if (r == 0)
			return -1;
		*mask |= r;
	}
	if (*mask == 0)
		return err_set(e, ERR_INVALID, "no role given (roles: admin, risk-officer, ml-lead, sre, auditor, pipeline)");
	return 0;
}

const char *keyring_roles_text(unsigned mask, char *buf, size_t n)
{
	size_t used = 0;
	int i, w;

	buf[0] = '\0';
	for (i = 0; i < ROLE_COUNT; i++) {
		if (!(mask & (1u << i)))
			continue;
		w = snprintf(buf + used, n - used, "%s%s", used ? "," : "", keyring_roles[i]);
		if (w < 0 || (size_t)w >= n - used)
			break;
		used += (size_t)w;
	}
	if (used == 0)
		snprintf(buf, n, "-");
	return buf;
}

int64_t keyring_version(struct store *st)
{
	struct db_stmt *s;
	struct err e;
	int64_t v = -1;

	if (store_prepare(st, &s, "SELECT coalesce(max(version), 0) FROM keyring", &e) != 0)
		return -1;
	if (db_step(s) == DB_ROW)
		v = db_column_int64(s, 0);
	db_finalize(s);
	return v;
}

/* Roles held now by principal id. */
static int keyring_roles_now(struct store *st, int64_t pid, unsigned *mask, struct err *e)
{
	struct db_stmt *s;
	int rc;

	*mask = 0;
	if (store_prepare(st, &s,
			  "SELECT role FROM principal_roles WHERE principal_id = ?1 AND revoked_ver IS NULL",
			  e) != 0)
		return -1;
	db_bind_int64(s, 1, pid);
	while ((rc = db_step(s)) == DB_ROW) {
		struct err ignore;

		*mask |= keyring_role_parse((const char *)db_column_text(s, 0), &ignore);
	}
	db_finalize(s);
	if (rc != DB_DONE)
		return store_fail(st, e, "reading roles");
	return 0;
}

/* The tables are a cache: who a key is, and what it may do, comes from
 * the admin-signed keyring entries themselves. */
int keyring_whoami(struct store *st, const char *key_id, struct principal *p, struct err *e)
{
	return proven_whoami(st, key_id, p, e);
}

int keyring_proving(struct store *st)
{
	return proven_keyring_pending(st);
}

static json_t *keyring_roles_json(unsigned mask)
{
	json_t *a = json_array();
	int i;

	for (i = 0; a != NULL && i < ROLE_COUNT; i++)
		if ((mask & (1u << i)) && json_array_append_new(a, json_string(keyring_roles[i])) != 0) {
			json_decref(a);
			return NULL;
		}
	return a;
}

/* Signs the change statement, appends the ledger entry and the keyring
 * row. The statement's exact bytes live inside the envelope, so a
 * verifier without the store can replay the keyring. */
static int keyring_record(struct store *st, const struct key_secret *k, const char *actor,
			  const char *change, const char *scope, const char *name, unsigned roles,
			  const struct key_public *key, int with_public, const char *summary,
			  int64_t *ver, struct err *e)
{
	char when[32], logname[KEYS_NAME_MAX + 1], subject[200], action[40];
	uint8_t logpk[KEYS_PK_BYTES];
	char pkb64[sodium_base64_ENCODED_LEN(KEYS_PK_BYTES, sodium_base64_VARIANT_ORIGINAL)];
	int64_t from = keyring_version(st), seq;
	json_t *stmt = NULL, *data = NULL, *keyj;
	char *payload = NULL, *env = NULL;
	struct db_stmt *s;
	int rc, r = -1;

	if (from < 0)
		return err_set(e, ERR_STORE, "cannot read the keyring version");
	if (ledger_logkey_public(st, logname, sizeof logname, logpk, e) != 0)
		return -1;
	check_time_text(store_now(), when, sizeof when);
	if (key != NULL && with_public) {
		sodium_bin2base64(pkb64, sizeof pkb64, key->pk, sizeof key->pk,
				  sodium_base64_VARIANT_ORIGINAL);
		keyj = json_pack("{s:s, s:s}", "id", key->id, "public", pkb64);
	} else if (key != NULL) {
		keyj = json_pack("{s:s}", "id", key->id);
	} else {
		keyj = json_null();
	}
	/* scope says what a revocation takes: the principal, one key, or roles. */
	stmt = json_pack("{s:s, s:s, s:s, s:I, s:I, s:s, s:o, s:o, s:s, s:s}", "type", "keyring-change",
			 "change", change, "scope", scope, "from", (json_int_t)from, "to",
			 (json_int_t)(from + 1), "principal", name, "roles", keyring_roles_json(roles), "key",
			 keyj, "log", logname, "time", when);
	if (stmt == NULL)
		goto oom;
	payload = json_dumps(stmt, JSON_COMPACT | JSON_SORT_KEYS | JSON_ENSURE_ASCII);
	if (payload == NULL)
		goto oom;
	env = dsse_sign(KEYRING_PAYLOAD_TYPE, payload, strlen(payload), k, e);
	if (env == NULL)
		goto out;
	data = json_pack("{s:I, s:s}", "keyring", (json_int_t)(from + 1), "envelope", env);
	if (data == NULL)
		goto oom;
	snprintf(subject, sizeof subject, "principal/%s", name);
	snprintf(action, sizeof action, "keyring.%s", change);
	if (ledger_append(st, actor, action, subject, data, &seq, e) != 0)
		goto out;
	if (store_prepare(st, &s,
			  "INSERT INTO keyring(version, time, seq, actor, summary) VALUES (?1, ?2, ?3, ?4, ?5)",
			  e) != 0)
		goto out;
	db_bind_int64(s, 1, from + 1);
	db_bind_int64(s, 2, store_now());
	db_bind_int64(s, 3, seq);
	db_bind_text(s, 4, actor, -1, DB_STATIC);
	db_bind_text(s, 5, summary, -1, DB_STATIC);
	rc = db_step(s);
	db_finalize(s);
	if (rc != DB_DONE) {
		store_fail(st, e, "recording the keyring change");
		goto out;
	}
	*ver = from + 1;
	r = 0;
	goto out;
oom:
	err_set(e, ERR_IO, "out of memory building a keyring change");
out:
	json_decref(stmt);
	json_decref(data);
	free(payload);
	free(env);
	return r;
}

/* id of principal name; 0 when absent. *revoked gets its revoked_ver. */
static int keyring_principal_id(struct store *st, const char *name, int64_t *id, int64_t *revoked,
				struct err *e)
{
	struct db_stmt *s;
	int rc;

	*id = 0;
	*revoked = 0;
	if (store_prepare(st, &s, "SELECT id, revoked_ver FROM principals WHERE name = ?1", e) != 0)
		return -1;
	db_bind_text(s, 1, name, -1, DB_STATIC);
	rc = db_step(s);
	if (rc == DB_ROW) {
		*id = db_column_int64(s, 0);
		*revoked = db_column_int64(s, 1);
	}
	db_finalize(s);
	if (rc != DB_ROW && rc != DB_DONE)
		return store_fail(st, e, "reading principals");
	return 0;
}

static int keyring_exec_ids(struct store *st, const char *sql, int64_t a, int64_t b, const char *t,
			    struct err *e)
{
	struct db_stmt *s;
	int rc;

	if (store_prepare(st, &s, sql, e) != 0)
		return -1;
	db_bind_int64(s, 1, a);
	db_bind_int64(s, 2, b);
	if (t != NULL)
		db_bind_text(s, 3, t, -1, DB_STATIC);
	rc = db_step(s);
	db_finalize(s);
	if (rc != DB_DONE)
		return store_fail(st, e, "updating the keyring");
	return 0;
}

static int keyring_insert_key(struct store *st, int64_t pid, const struct key_public *pub, int64_t ver,
			      struct err *e)
{
	char b64[sodium_base64_ENCODED_LEN(KEYS_PK_BYTES, sodium_base64_VARIANT_ORIGINAL)];
	struct db_stmt *s;
	int rc;

	if (store_prepare(st, &s, "SELECT 1 FROM principal_keys WHERE key_id = ?1", e) != 0)
		return -1;
	db_bind_text(s, 1, pub->id, -1, DB_STATIC);
	rc = db_step(s);
	db_finalize(s);
	if (rc == DB_ROW)
		return err_set(e, ERR_EXISTS, "key %s is already in the keyring (a key belongs to one principal, once)",
			       pub->id);
	sodium_bin2base64(b64, sizeof b64, pub->pk, sizeof pub->pk, sodium_base64_VARIANT_ORIGINAL);
	if (store_prepare(st, &s,
			  "INSERT INTO principal_keys(key_id, principal_id, public, added_ver) VALUES (?1, ?2, ?3, ?4)",
			  e) != 0)
		return -1;
	db_bind_text(s, 1, pub->id, -1, DB_STATIC);
	db_bind_int64(s, 2, pid);
	db_bind_text(s, 3, b64, -1, DB_TRANSIENT);
	db_bind_int64(s, 4, ver);
	rc = db_step(s);
	db_finalize(s);
	if (rc != DB_DONE)
		return store_fail(st, e, "adding the key");
	return 0;
}

static int keyring_grant(struct store *st, int64_t pid, unsigned roles, int64_t ver, struct err *e)
{
	int i;

	for (i = 0; i < ROLE_COUNT; i++)
		if ((roles & (1u << i)) &&
		    keyring_exec_ids(st,
				     "INSERT INTO principal_roles(principal_id, role, granted_ver) VALUES (?1, ?3, ?2)",
				     pid, ver, keyring_roles[i], e) != 0)
			return -1;
	return 0;
}

static int keyring_need_tx(struct store *st, struct err *e)
{
	if (!store_in_transaction(st))
		return err_set(e, ERR_STORE, "keyring changes must run inside a transaction");
	return 0;
}

/* A new principal row, added at keyring version ver; *pid gets its id. */
static int keyring_insert_principal(struct store *st, const char *name, int64_t ver, int64_t *pid, struct err *e)
{
	struct db_stmt *s;
	int rc;

	if (store_prepare(st, &s, "INSERT INTO principals(name, added_ver) VALUES (?1, ?2)", e) != 0)
		return -1;
	db_bind_text(s, 1, name, -1, DB_STATIC);
	db_bind_int64(s, 2, ver);
	rc = db_step(s);
	db_finalize(s);
	if (rc != DB_DONE)
		return store_fail(st, e, "adding the principal");
	*pid = store_last_insert_id(st);
	return 0;
}

int keyring_init(struct store *st, const char *name, const struct key_secret *k, struct err *e)
{
	struct key_public pub;
	char summary[300];
	int64_t ver, pid;

	if (keyring_need_tx(st, e) != 0 || check_name("principal name", name, KEYS_NAME_MAX, e) != 0)
		return -1;
	if (keyring_version(st) != 0)
		return err_set(e, ERR_EXISTS, "store %s already has a keyring (version %" PRId64 ")",
			       store_label(st), keyring_version(st));
	keys_public_of(k, &pub);
	snprintf(summary, sizeof summary, "init: %s admin with key %s", name, k->id);
	if (keyring_record(st, k, name, "init", "principal", name, ROLE_ADMIN, &pub, 1, summary, &ver, e) != 0 ||
	    keyring_insert_principal(st, name, ver, &pid, e) != 0)
		return -1;
	return keyring_insert_key(st, pid, &pub, ver, e) != 0 ? -1 : keyring_grant(st, pid, ROLE_ADMIN, ver, e);
}

static int keyring_admin_ok(const struct principal *admin, const struct key_secret *k, struct err *e)
{
	if (!(admin->roles & ROLE_ADMIN))
		return err_set(e, ERR_DENIED, "%s does not hold the admin role", admin->name);
	if (strcmp(admin->key_id, k->id) != 0)
		return err_set(e, ERR_DENIED, "the signing key is not the admin's");
	return 0;
}

int keyring_add(struct store *st, const struct principal *admin, const struct key_secret *k,
		const char *name, unsigned roles, const struct key_public *pub, struct err *e)
{
	char summary[400], rt[80];
	int64_t pid, revoked, ver;
	unsigned held = 0;

	if (keyring_need_tx(st, e) != 0 || keyring_admin_ok(admin, k, e) != 0 ||
	    check_name("principal name", name, KEYS_NAME_MAX, e) != 0)
		return -1;
	if (keyring_principal_id(st, name, &pid, &revoked, e) != 0)
		return -1;
	if (revoked != 0)
		return err_set(e, ERR_DENIED,
			       "principal %s was revoked at keyring version %" PRId64 " and cannot come back; use a new name",
			       name, revoked);
	if (pid == 0 && pub == NULL)
		return err_set(e, ERR_INVALID, "a new principal needs a public key (--pubkey FILE.pub)");
	if (pid == 0 && roles == 0)
		return err_set(e, ERR_INVALID, "a new principal needs at least one role (--role ROLE)");
	if (pid != 0 && keyring_roles_now(st, pid, &held, e) != 0)
		return -1;
	roles &= ~held;
	if (pid != 0 && roles == 0 && pub == NULL)
		return err_set(e, ERR_EXISTS, "%s already holds those roles; nothing to change", name);
	snprintf(summary, sizeof summary, "add: %s%s%s%s%s", name, roles ? " roles " : "",
		 roles ? keyring_roles_text(roles, rt, sizeof rt) : "", pub ? " key " : "",
		 pub ? pub->id : "");
	if (keyring_record(st, k, admin->name, "add", "principal", name, roles, pub, 1, summary, &ver, e) != 0)
		return -1;
	if (pid == 0 && keyring_insert_principal(st, name, ver, &pid, e) != 0)
		return -1;
	if (pub != NULL && keyring_insert_key(st, pid, pub, ver, e) != 0)
		return -1;
	return keyring_grant(st, pid, roles, ver, e);
}

/* Active admins other than pid that keep at least one active key. */
static int64_t keyring_other_admins(struct store *st, int64_t pid, struct err *e)
{
	struct db_stmt *s;
	int64_t n = -1;

	if (store_prepare(st, &s,
			  "SELECT count(DISTINCT p.id) FROM principals p"
			  " JOIN principal_roles r ON r.principal_id = p.id AND r.role = 'admin' AND r.revoked_ver IS NULL"
			  " JOIN principal_keys k ON k.principal_id = p.id AND k.revoked_ver IS NULL"
			  " WHERE p.revoked_ver IS NULL AND p.id <> ?1",
			  e) != 0)
		return -1;
	db_bind_int64(s, 1, pid);
	if (db_step(s) == DB_ROW)
		n = db_column_int64(s, 0);
	db_finalize(s);
	return n;
}

static int64_t keyring_active_keys(struct store *st, int64_t pid, struct err *e)
{
	struct db_stmt *s;
	int64_t n = -1;

	if (store_prepare(st, &s,
			  "SELECT count(*) FROM principal_keys WHERE principal_id = ?1 AND revoked_ver IS NULL",
			  e) != 0)
		return -1;
	db_bind_int64(s, 1, pid);
	if (db_step(s) == DB_ROW)
		n = db_column_int64(s, 0);
	db_finalize(s);
	return n;
}

int keyring_revoke(struct store *st, const struct principal *admin, const struct key_secret *k,
		   const char *name, const char *key_id, unsigned roles, struct err *e)
{
	char summary[400], rt[80], owner[KEYS_NAME_MAX + 1] = "";
	int64_t pid, revoked, ver, kver = 0;
	unsigned held;
	int whole = key_id == NULL && roles == 0, loses_admin;
	struct db_stmt *s;
	int rc;

	if (keyring_need_tx(st, e) != 0 || keyring_admin_ok(admin, k, e) != 0)
		return -1;
	if (keyring_principal_id(st, name, &pid, &revoked, e) != 0)
		return -1;
	if (pid == 0)
		return err_set(e, ERR_NOTFOUND, "no principal named %s (see 'steward principal list')", name);
	if (revoked != 0)
		return err_set(e, ERR_EXISTS, "principal %s was already revoked at keyring version %" PRId64,
			       name, revoked);
	if (keyring_roles_now(st, pid, &held, e) != 0)
		return -1;
	if (key_id != NULL) {
		if (store_prepare(st, &s,
				  "SELECT p.name, coalesce(k.revoked_ver, 0) FROM principal_keys k"
				  " JOIN principals p ON p.id = k.principal_id WHERE k.key_id = ?1",
				  e) != 0)
			return -1;
		db_bind_text(s, 1, key_id, -1, DB_STATIC);
		rc = db_step(s);
		if (rc == DB_ROW) {
			snprintf(owner, sizeof owner, "%s", (const char *)db_column_text(s, 0));
			kver = db_column_int64(s, 1);
		}
		db_finalize(s);
		if (rc != DB_ROW || strcmp(owner, name) != 0)
			return err_set(e, ERR_NOTFOUND, "%s has no key %s", name, key_id);
		if (kver != 0)
			return err_set(e, ERR_EXISTS, "key %s was already revoked at keyring version %" PRId64,
				       key_id, kver);
	}
	if (roles & ~held) {
		char q[80];

		return err_set(e, ERR_NOTFOUND, "%s does not hold %s", name,
			       keyring_roles_text(roles & ~held, q, sizeof q));
	}
	/* Never leave the estate without an admin who can still sign. */
	loses_admin = (held & ROLE_ADMIN) &&
		      (whole || (roles & ROLE_ADMIN) ||
		       (key_id != NULL && keyring_active_keys(st, pid, e) == 1));
	if (loses_admin && keyring_other_admins(st, pid, e) == 0)
		return err_set(e, ERR_DENIED, "refusing to revoke the last admin key; add another admin first");
	if (whole)
		snprintf(summary, sizeof summary, "revoke: %s", name);
	else if (key_id != NULL)
		snprintf(summary, sizeof summary, "revoke: %s key %s", name, key_id);
	else
		snprintf(summary, sizeof summary, "revoke: %s roles %s", name,
			 keyring_roles_text(roles, rt, sizeof rt));
	if (key_id != NULL) {
		struct key_public pub;

		memset(&pub, 0, sizeof pub);
		snprintf(pub.id, sizeof pub.id, "%s", key_id);
		/* The statement names the key by id; its public half is already on record. */
		if (keyring_record(st, k, admin->name, "revoke", "key", name, 0, &pub, 0, summary, &ver, e) != 0)
			return -1;
		return keyring_exec_ids(st, "UPDATE principal_keys SET revoked_ver = ?2 WHERE key_id = ?3",
					pid, ver, key_id, e);
	}
	if (keyring_record(st, k, admin->name, "revoke", whole ? "principal" : "roles", name,
			   whole ? held : roles, NULL, 0, summary,
			   &ver, e) != 0)
		return -1;
	if (!whole) {
		int i;

		for (i = 0; i < ROLE_COUNT; i++)
			if ((roles & (1u << i)) &&
			    keyring_exec_ids(st,
					     "UPDATE principal_roles SET revoked_ver = ?2"
					     " WHERE principal_id = ?1 AND revoked_ver IS NULL AND role = ?3",
					     pid, ver, keyring_roles[i], e) != 0)
				return -1;
		return 0;
	}
	/* The whole principal: its statement lists every role it loses, and all keys go. */
	if (keyring_exec_ids(st, "UPDATE principal_roles SET revoked_ver = ?2 WHERE principal_id = ?1 AND revoked_ver IS NULL",
			     pid, ver, NULL, e) != 0 ||
	    keyring_exec_ids(st, "UPDATE principal_keys SET revoked_ver = ?2 WHERE principal_id = ?1 AND revoked_ver IS NULL",
			     pid, ver, NULL, e) != 0)
		return -1;
	return keyring_exec_ids(st, "UPDATE principals SET revoked_ver = ?2 WHERE id = ?1", pid, ver, NULL, e);
}

void keyring_list_free(struct kr_list *l)
{
	size_t i;

	for (i = 0; i < l->n; i++)
		free(l->v[i].keys);
	free(l->v);
	l->v = NULL;
	l->n = 0;
}

int keyring_list(struct store *st, struct kr_list *out, struct err *e)
{
	struct db_stmt *s = NULL, *ks = NULL;
	int rc;

	memset(out, 0, sizeof *out);
	out->version = keyring_version(st);
	if (store_prepare(st, &s, "SELECT id, name, added_ver, coalesce(revoked_ver, 0) FROM principals ORDER BY name",
			  e) != 0 ||
	    store_prepare(st, &ks,
			  "SELECT key_id, public, added_ver, coalesce(revoked_ver, 0) FROM principal_keys"
			  " WHERE principal_id = ?1 ORDER BY added_ver, key_id",
			  e) != 0)
		goto fail;
	while ((rc = db_step(s)) == DB_ROW) {
		struct kr_principal *p, *nv = realloc(out->v, (out->n + 1) * sizeof *out->v);
		int64_t pid = db_column_int64(s, 0);

		if (nv == NULL) {
			err_set(e, ERR_IO, "out of memory");
			goto fail;
		}
		out->v = nv;
		p = &out->v[out->n++];
		memset(p, 0, sizeof *p);
		snprintf(p->name, sizeof p->name, "%s", (const char *)db_column_text(s, 1));
		p->added_ver = db_column_int64(s, 2);
		p->revoked_ver = db_column_int64(s, 3);
		if (keyring_roles_now(st, pid, &p->roles, e) != 0)
			goto fail;
		db_reset(ks);
		db_bind_int64(ks, 1, pid);
		while ((rc = db_step(ks)) == DB_ROW) {
			struct kr_key *k, *nk = realloc(p->keys, (p->nkeys + 1) * sizeof *p->keys);

			if (nk == NULL) {
				err_set(e, ERR_IO, "out of memory");
				goto fail;
			}
			p->keys = nk;
			k = &p->keys[p->nkeys++];
			snprintf(k->id, sizeof k->id, "%s", (const char *)db_column_text(ks, 0));
			snprintf(k->public, sizeof k->public, "%s", (const char *)db_column_text(ks, 1));
			k->added_ver = db_column_int64(ks, 2);
			k->revoked_ver = db_column_int64(ks, 3);
		}
		if (rc != DB_DONE) {
			store_fail(st, e, "reading keys");
			goto fail;
		}
	}
	if (rc != DB_DONE) {
		store_fail(st, e, "reading principals");
		goto fail;
	}
	db_finalize(s);
	db_finalize(ks);
	return 0;
fail:
	db_finalize(s);
	db_finalize(ks);
	keyring_list_free(out);
	return -1;
}

int keyring_key_at(struct store *st, const char *key_id, int64_t ver, char principal[KEYS_NAME_MAX + 1],
		   uint8_t pk[KEYS_PK_BYTES], int *active, struct err *e)
{
	const struct proven_keyring *kr;

	if (proven_keyring_load(st, &kr, e) != 0)
		return -1;
	return proven_key_at((void *)kr, key_id, ver, principal, pk, active);
}

int keyring_role_at(struct store *st, const char *principal, unsigned role, int64_t ver, struct err *e)
{
	const struct proven_keyring *kr;

	if (proven_keyring_load(st, &kr, e) != 0)
		return -1;
	return proven_role_at((void *)kr, principal, role, ver);
}
