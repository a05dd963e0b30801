/* registry: models, versions, aliases, tags, cards and metrics, read and written with prepared statements. */
#include "registry.h"

#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "keyset.h"
#include "ledger.h"
#include "record.h"

static const char *const registry_tiers[TIER_COUNT] = { "low", "medium", "high", "critical" };

const char *registry_tier_name(enum tier t)
{
	if ((int)t < 0 || t >= TIER_COUNT)
		return "unknown";
	return registry_tiers[t];
}

int registry_tier_parse(const char *s, enum tier *out, struct err *e)
{
	char ex[200];

	for (int i = 0; i < TIER_COUNT; i++) {
		if (s != NULL && strcmp(s, registry_tiers[i]) == 0) {
			*out = (enum tier)i;
			return 0;
		}
	}
	check_excerpt(s ? s : "", ex, sizeof ex);
	return err_set(e, ERR_INVALID, "unknown risk tier \"%s\" (expected low, medium, high or critical)",
		       ex);
}

int registry_version_parse(const char *s, int64_t *out, struct err *e)
{
	char ex[200], *end;
	long long v;

	check_excerpt(s ? s : "", ex, sizeof ex);
	if (s == NULL || s[0] < '0' || s[0] > '9')
		return err_set(e, ERR_INVALID, "version \"%s\" is not a version number (1, 2, ...)",
			       ex);
	errno = 0;
	v = strtoll(s, &end, 10);
	if (errno != 0 || *end != '\0' || v <= 0)
		return err_set(e, ERR_INVALID, "version \"%s\" is not a version number (1, 2, ...)",
			       ex);
	*out = (int64_t)v;
	return 0;
}

/* Column text as a heap copy; "" for NULL so callers never see NULL. */
static char *col_dup(struct db_stmt *s, int i)
{
	const unsigned char *t = db_column_text(s, i);

	return strdup(t ? (const char *)t : "");
}

static void bind_text(struct db_stmt *s, int i, const char *v)
{
	db_bind_text(s, i, v ? v : "", -1, DB_STATIC);
}

static int registry_model_id(struct store *st, const char *model, int64_t *id, struct err *e)
{
	struct db_stmt *s;
	char ex[200];
	int rc;

	if (check_model_name(model, e) != 0)
		return -1;
	/* This and the other lookups every governed act makes are cached. */
	if (store_stmt(st, &s, "SELECT id FROM models WHERE name = ?1", e) != 0)
		return -1;
	bind_text(s, 1, model);
	rc = db_step(s);
	if (rc == DB_ROW)
		*id = db_column_int64(s, 0);
	store_stmt_done(st, s);
	if (rc == DB_ROW)
		return 0;
	if (rc != DB_DONE)
		return store_fail(st, e, "looking up a model");
	check_excerpt(model, ex, sizeof ex);
	return err_set(e, ERR_NOTFOUND, "no model named \"%s\"", ex);
}

static int registry_version_id(struct store *st, const char *model, int64_t version,
			       int64_t *model_id, int64_t *id, struct err *e)
{
	struct db_stmt *s;
	int64_t mid;
	int rc;

	if (registry_model_id(st, model, &mid, e) != 0)
		return -1;
	if (model_id != NULL)
		*model_id = mid;
	if (store_stmt(st, &s, "SELECT id FROM versions WHERE model_id = ?1 AND version = ?2", e) != 0)
		return -1;
	db_bind_int64(s, 1, mid);
	db_bind_int64(s, 2, version);
	rc = db_step(s);
	if (rc == DB_ROW)
		*id = db_column_int64(s, 0);
	store_stmt_done(st, s);
	if (rc == DB_ROW)
		return 0;
	if (rc != DB_DONE)
		return store_fail(st, e, "looking up a version");
	return err_set(e, ERR_NOTFOUND, "model \"%s\" has no version %" PRId64, model, version);
}

/* Marks the model changed so lists can sort and show "last change". */
static int registry_touch(struct store *st, int64_t model_id, struct err *e)
{
	struct db_stmt *s;
	int rc;

	if (store_stmt(st, &s, "UPDATE models SET updated = max(updated, ?2) WHERE id = ?1", e) != 0)
		return -1;
	db_bind_int64(s, 1, model_id);
	db_bind_int64(s, 2, store_now());
	rc = db_step(s);
	store_stmt_done(st, s);
	if (rc != DB_DONE)
		return store_fail(st, e, "updating a model");
	return 0;
}

/* ---- models ---- */

int registry_model_add(struct store *st, const struct principal *who, const char *name, enum tier tier,
		       const char *owner, const char *description, struct err *e)
{
	struct db_stmt *s;
	int64_t now = store_now();
	int rc;

	if (check_model_name(name, e) != 0 ||
	    check_text("owner", owner, CHECK_NAME_MAX * 2, 0, 0, e) != 0 ||
	    check_text("description", description, CHECK_TEXT_MAX, 1, 1, e) != 0)
		return -1;
	if ((int)tier < 0 || tier >= TIER_COUNT)
		return err_set(e, ERR_INVALID, "unknown risk tier %d", (int)tier);
	if (store_begin(st, e) != 0)
		return -1;
	if (store_prepare(st, &s,
			  "INSERT INTO models(name, owner, tier, description, created, updated)"
			  " VALUES (?1, ?2, ?3, ?4, ?5, ?5)",
			  e) != 0) {
		store_rollback(st);
		return -1;
	}
	bind_text(s, 1, name);
	bind_text(s, 2, owner);
	bind_text(s, 3, registry_tier_name(tier));
	bind_text(s, 4, description);
	db_bind_int64(s, 5, now);
	rc = db_step(s);
	db_finalize(s);
	if (rc == DB_CONSTRAINT) {
		store_rollback(st);
		return err_set(e, ERR_EXISTS, "model \"%s\" already exists", name);
	}
	if (rc != DB_DONE) {
		store_fail(st, e, "adding a model");
		store_rollback(st);
		return -1;
	}
	if (record_model(st, who, name, registry_tier_name(tier), owner, description, "", e) != 0) {
		store_rollback(st);
		return -1;
	}
	return store_commit(st, e);
}

#define MODEL_COLUMNS                                                                            \
	"SELECT m.id, m.name, m.owner, m.description, m.source, m.tier, m.created, m.updated,"  \
	" (SELECT count(*) FROM versions v WHERE v.model_id = m.id),"                           \
	" (SELECT v.version FROM aliases a JOIN versions v ON v.id = a.version_id"              \
	"   WHERE a.model_id = m.id AND a.alias = 'production'),"                               \
	" (SELECT v.version FROM aliases a JOIN versions v ON v.id = a.version_id"              \
	"   WHERE a.model_id = m.id AND a.alias = 'staging'),"                                  \
	" max(m.updated,"                                                                       \
	"   coalesce((SELECT max(v.created) FROM versions v WHERE v.model_id = m.id), 0),"      \
	"   coalesce((SELECT max(a.updated) FROM aliases a WHERE a.model_id = m.id), 0))"       \
	" FROM models m"

/* Every model with the same columns, each summary computed in one pass
 * over versions and one over aliases: MODEL_COLUMNS's five subqueries a
 * model are index lookups scattered across the file, which at 10,000
 * models were most of the console's first paint. For one model or a
 * page, MODEL_COLUMNS reads less. */
#define MODEL_LIST_ALL                                                                           \
	"SELECT m.id, m.name, m.owner, m.description, m.source, m.tier, m.created, m.updated,"  \
	" coalesce(vc.n, 0), al.prod, al.stag,"                                                 \
	" max(m.updated, coalesce(vc.c, 0), coalesce(al.u, 0))"                                 \
	" FROM models m"                                                                        \
	" LEFT JOIN (SELECT model_id, count(*) AS n, max(created) AS c FROM versions"           \
	"   GROUP BY model_id) vc ON vc.model_id = m.id"                                        \
	" LEFT JOIN (SELECT a.model_id,"                                                        \
	"   max(CASE WHEN a.alias = 'production' THEN v.version END) AS prod,"                  \
	"   max(CASE WHEN a.alias = 'staging' THEN v.version END) AS stag,"                     \
	"   max(a.updated) AS u"                                                                \
	"   FROM aliases a JOIN versions v ON v.id = a.version_id"                              \
	"   GROUP BY a.model_id) al ON al.model_id = m.id"                                      \
	" ORDER BY m.name"

static int registry_model_row(struct db_stmt *s, void *row)
{
	const unsigned char *tier = db_column_text(s, 5);
	struct reg_model *m = row;
	struct err ignore;

	memset(m, 0, sizeof *m);
	m->id = db_column_int64(s, 0);
	m->name = col_dup(s, 1);
	m->owner = col_dup(s, 2);
	m->description = col_dup(s, 3);
	m->source = col_dup(s, 4);
	if (registry_tier_parse(tier ? (const char *)tier : "", &m->tier, &ignore) != 0)
		m->tier = TIER_CRITICAL; /* unknown tier in the file: treat as the strictest */
	m->created = db_column_int64(s, 6);
	m->updated = db_column_int64(s, 7);
	m->n_versions = db_column_int64(s, 8);
	m->production = db_column_int64(s, 9);
	m->staging = db_column_int64(s, 10);
	m->last_change = db_column_int64(s, 11);
	if (!m->name || !m->owner || !m->description || !m->source) {
		registry_model_clear(m);
		return -1;
	}
	return 0;
}

void registry_model_clear(struct reg_model *m)
{
	if (m == NULL)
		return;
	free(m->name);
	free(m->owner);
	free(m->description);
	free(m->source);
	memset(m, 0, sizeof *m);
}

void registry_models_free(struct reg_models *l)
{
	if (l == NULL)
		return;
	for (size_t i = 0; i < l->n; i++)
		registry_model_clear(&l->v[i]);
	free(l->v);
	l->v = NULL;
	l->n = 0;
}

/* Reads every row of s (prepared and bound; finalized here) into a new
 * array of size-byte slots, each zeroed and then filled by row. On failure
 * *v holds the slots read so far, the failed one too, for the list's free. */
static int registry_rows(struct store *st, struct db_stmt *s, int (*row)(struct db_stmt *, void *), size_t size,
			 void **v, size_t *n, const char *what, struct err *e)
{
	size_t cap = 0;
	char *nv;
	int rc;

	*v = NULL;
	*n = 0;
	while ((rc = db_step(s)) == DB_ROW) {
		if (*n == cap) {
			cap = cap ? cap * 2 : 16;
			nv = realloc(*v, cap * size);
			if (nv == NULL)
				goto oom;
			*v = nv;
		}
		nv = (char *)*v + (*n)++ * size;
		memset(nv, 0, size);
		if (row(s, nv) != 0)
			goto oom;
	}
	store_stmt_done(st, s);
	return rc == DB_DONE ? 0 : store_fail(st, e, what);
oom:
	store_stmt_done(st, s);
	return err_set(e, ERR_STORE, "out of memory %s", what);
}

int registry_model_list(struct store *st, struct reg_models *out, struct err *e)
{
	struct db_stmt *s;
	void *v;
	int rc;

	out->v = NULL;
	out->n = 0;
	if (store_prepare(st, &s, MODEL_LIST_ALL, e) != 0)
		return -1;
	rc = registry_rows(st, s, registry_model_row, sizeof *out->v, &v, &out->n, "listing models", e);
	out->v = v;
	if (rc != 0)
		registry_models_free(out);
	return rc;
}

/* One registry_model_each or registry_version_each. */
struct registry_walk {
	const struct reg_list_query *q;
	int64_t model; /* the versions' model */
	int64_t seen;  /* how many were given, for q's limit */
	registry_model_fn model_fn;
	registry_version_fn version_fn;
	void *arg;
};

/* Counts one more given: >0, which stops the walk, once q's limit is reached. */
static int registry_walk_count(struct registry_walk *w)
{
	w->seen++;
	return w->q->limit > 0 && w->seen >= w->q->limit;
}

static void registry_model_bind(struct db_stmt *s, const void *last, void *arg)
{
	const struct reg_model *m = last;

	(void)arg;
	/* Names start with a letter or digit, so "" sorts first. */
	db_bind_text(s, 1, m != NULL ? m->name : "", -1, DB_TRANSIENT);
	db_bind_int64(s, 2, KEYSET_PAGE);
}

static void registry_model_drop(void *m)
{
	registry_model_clear(m);
}

static int registry_model_give(void *arg, void *row, struct err *e)
{
	struct registry_walk *w = arg;
	const struct reg_model *m = row;
	int rc;

	/* The last change is computed, not indexed: --since is a scan either
	 * way, so it is applied here. */
	if (m->last_change < w->q->since)
		return 0;
	rc = w->model_fn(w->arg, m, e);
	return rc != 0 ? rc : registry_walk_count(w);
}

int registry_model_each(struct store *st, const struct reg_list_query *q, registry_model_fn fn, void *arg,
			struct err *e)
{
	static const struct keyset k = {
		.sql = MODEL_COLUMNS " WHERE m.name > ?1 ORDER BY m.name LIMIT ?2",
		.what = "listing models",
		.size = sizeof(struct reg_model),
		.bind = registry_model_bind,
		.row = registry_model_row,
		.clear = registry_model_drop,
		.give = registry_model_give,
	};
	struct registry_walk w = { .q = q, .model_fn = fn, .arg = arg };

	return keyset_each(st, &k, &w, e);
}

int registry_model_get(struct store *st, const char *name, struct reg_model *out, struct err *e)
{
	struct db_stmt *s;
	char ex[200];
	int rc;

	memset(out, 0, sizeof *out);
	if (check_model_name(name, e) != 0)
		return -1;
	if (store_stmt(st, &s, MODEL_COLUMNS " WHERE m.name = ?1", e) != 0)
		return -1;
	bind_text(s, 1, name);
	rc = db_step(s);
	if (rc == DB_ROW) {
		rc = registry_model_row(s, out);
		store_stmt_done(st, s);
		return rc == 0 ? 0 : err_set(e, ERR_STORE, "out of memory");
	}
	store_stmt_done(st, s);
	if (rc != DB_DONE)
		return store_fail(st, e, "reading a model");
	check_excerpt(name, ex, sizeof ex);
	return err_set(e, ERR_NOTFOUND, "no model named \"%s\"", ex);
}

int64_t registry_model_count(struct store *st)
{
	struct db_stmt *s;
	struct err e;
	int64_t n = -1;

	if (store_prepare(st, &s, "SELECT count(*) FROM models", &e) != 0)
		return -1;
	if (db_step(s) == DB_ROW)
		n = db_column_int64(s, 0);
	db_finalize(s);
	return n;
}

/* ---- versions ---- */

int registry_version_add(struct store *st, const struct principal *who, const char *model,
			 const char *artifact_uri, const char *digest, const char *author,
			 const char *run_id, int64_t created, int64_t *out_version, struct err *e)
{
	struct db_stmt *s = NULL;
	int64_t mid, next = 0;
	int rc;

	if (check_model_name(model, e) != 0 ||
	    check_uri(artifact_uri, e) != 0 || check_digest(digest, e) != 0 ||
	    check_text("author", author, CHECK_NAME_MAX * 2, 0, 1, e) != 0 ||
	    check_text("run id", run_id, CHECK_NAME_MAX * 2, 0, 1, e) != 0)
		return -1;
	if (store_begin(st, e) != 0)
		return -1;
	if (registry_model_id(st, model, &mid, e) != 0)
		goto fail;
	if (store_prepare(st, &s,
			  "SELECT coalesce(max(version), 0) + 1 FROM versions WHERE model_id = ?1",
			  e) != 0)
		goto fail;
	db_bind_int64(s, 1, mid);
	if (db_step(s) != DB_ROW) {
		store_fail(st, e, "numbering a version");
		goto fail;
	}
	next = db_column_int64(s, 0);
	db_finalize(s);
	if (store_prepare(st, &s,
			  "INSERT INTO versions(model_id, version, artifact_uri, digest, author,"
			  " run_id, created) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
			  e) != 0)
		goto fail;
	db_bind_int64(s, 1, mid);
	db_bind_int64(s, 2, next);
	bind_text(s, 3, artifact_uri);
	bind_text(s, 4, digest);
	bind_text(s, 5, author);
	bind_text(s, 6, run_id);
	db_bind_int64(s, 7, created > 0 ? created : store_now());
	rc = db_step(s);
	db_finalize(s);
	s = NULL;
	if (rc != DB_DONE) {
		store_fail(st, e, "adding a version");
		goto fail;
	}
	if (record_version(st, who, model, next, artifact_uri, digest, 1, author, run_id, "", e) != 0)
		goto fail;
	if (store_commit(st, e) != 0)
		return -1;
	if (out_version != NULL)
		*out_version = next;
	return 0;
fail:
	db_finalize(s);
	store_rollback(st);
	return -1;
}

#define VERSION_COLUMNS                                                                    \
	"SELECT v.id, m.name, v.version, v.artifact_uri, v.digest, v.author, v.run_id,"   \
	" v.source, v.created,"                                                           \
	" (SELECT group_concat(alias, ',') FROM"                                          \
	"   (SELECT a.alias FROM aliases a WHERE a.version_id = v.id ORDER BY a.alias) al),"\
	" CASE WHEN vs.version_id IS NULL OR vs.digest_verified = 1 THEN 'verified'"      \
	"  WHEN vs.digest_state = 'empty' THEN 'empty' ELSE 'unverified' END,"            \
	" coalesce(vs.digest_reason, '')"                                                 \
	" FROM versions v JOIN models m ON m.id = v.model_id"                             \
	" LEFT JOIN version_sync vs ON vs.version_id = v.id"

static int registry_version_row(struct db_stmt *s, void *row)
{
	struct reg_version *v = row;

	memset(v, 0, sizeof *v);
	v->id = db_column_int64(s, 0);
	v->model = col_dup(s, 1);
	v->version = db_column_int64(s, 2);
	v->artifact_uri = col_dup(s, 3);
	v->digest = col_dup(s, 4);
	v->author = col_dup(s, 5);
	v->run_id = col_dup(s, 6);
	v->source = col_dup(s, 7);
	v->created = db_column_int64(s, 8);
	v->aliases = col_dup(s, 9);
	snprintf(v->digest_state, sizeof v->digest_state, "%s", (const char *)db_column_text(s, 10));
	v->digest_reason = col_dup(s, 11);
	if (!v->model || !v->artifact_uri || !v->digest || !v->author || !v->run_id ||
	    !v->source || !v->aliases || !v->digest_reason) {
		registry_version_clear(v);
		return -1;
	}
	return 0;
}

int registry_digest_bindable(const struct reg_version *v, struct err *e)
{
	if (strcmp(v->digest_state, "verified") == 0)
		return 0;
	if (strcmp(v->digest_state, "empty") == 0)
		return err_set(e, ERR_INVALID, "%s version %" PRId64 " has no artifact files in its registry: there are no bytes to approve",
			       v->model, v->version);
	return err_set(e, ERR_INVALID,
		       "%s version %" PRId64 "'s digest is unverified (%s): an approval must bind to bytes steward has read; sync again once the artifacts can be read",
		       v->model, v->version, v->digest_reason[0] ? v->digest_reason : "its artifacts could not be read");
}

void registry_version_clear(struct reg_version *v)
{
	if (v == NULL)
		return;
	free(v->model);
	free(v->artifact_uri);
	free(v->digest);
	free(v->author);
	free(v->run_id);
	free(v->source);
	free(v->digest_reason);
	free(v->aliases);
	memset(v, 0, sizeof *v);
}

void registry_versions_free(struct reg_versions *l)
{
	if (l == NULL)
		return;
	for (size_t i = 0; i < l->n; i++)
		registry_version_clear(&l->v[i]);
	free(l->v);
	l->v = NULL;
	l->n = 0;
}

int registry_version_list(struct store *st, const char *model, struct reg_versions *out,
			  struct err *e)
{
	struct db_stmt *s;
	int64_t mid;
	void *v;
	int rc;

	out->v = NULL;
	out->n = 0;
	if (registry_model_id(st, model, &mid, e) != 0)
		return -1;
	if (store_prepare(st, &s, VERSION_COLUMNS " WHERE v.model_id = ?1 ORDER BY v.version DESC",
			  e) != 0)
		return -1;
	db_bind_int64(s, 1, mid);
	rc = registry_rows(st, s, registry_version_row, sizeof *out->v, &v, &out->n, "listing versions", e);
	out->v = v;
	if (rc != 0)
		registry_versions_free(out);
	return rc;
}

static void registry_version_bind(struct db_stmt *s, const void *last, void *arg)
{
	const struct registry_walk *w = arg;
	const struct reg_version *v = last;

	db_bind_int64(s, 1, w->model);
	db_bind_int64(s, 2, v != NULL ? v->version : INT64_MAX);
	db_bind_int64(s, 3, w->q->since);
	db_bind_int64(s, 4, KEYSET_PAGE);
}

static void registry_version_drop(void *v)
{
	registry_version_clear(v);
}

static int registry_version_give(void *arg, void *row, struct err *e)
{
	struct registry_walk *w = arg;
	int rc = w->version_fn(w->arg, row, e);

	return rc != 0 ? rc : registry_walk_count(w);
}

int registry_version_each(struct store *st, const char *model, const struct reg_list_query *q,
			  registry_version_fn fn, void *arg, struct err *e)
{
	static const struct keyset k = {
		.sql = VERSION_COLUMNS " WHERE v.model_id = ?1 AND v.version < ?2 AND v.created >= ?3"
				       " ORDER BY v.version DESC LIMIT ?4",
		.what = "listing versions",
		.size = sizeof(struct reg_version),
		.bind = registry_version_bind,
		.row = registry_version_row,
		.clear = registry_version_drop,
		.give = registry_version_give,
	};
	struct registry_walk w = { .q = q, .version_fn = fn, .arg = arg };

	if (registry_model_id(st, model, &w.model, e) != 0)
		return -1;
	return keyset_each(st, &k, &w, e);
}

int registry_version_get(struct store *st, const char *model, int64_t version,
			 struct reg_version *out, struct err *e)
{
	struct db_stmt *s;
	int64_t vid;
	int rc;

	memset(out, 0, sizeof *out);
	if (registry_version_id(st, model, version, NULL, &vid, e) != 0)
		return -1;
	if (store_stmt(st, &s, VERSION_COLUMNS " WHERE v.id = ?1", e) != 0)
		return -1;
	db_bind_int64(s, 1, vid);
	rc = db_step(s);
	if (rc == DB_ROW) {
		rc = registry_version_row(s, out);
		store_stmt_done(st, s);
		return rc == 0 ? 0 : err_set(e, ERR_STORE, "out of memory");
	}
	store_stmt_done(st, s);
	return store_fail(st, e, "reading a version");
}

/* ---- aliases ---- */

int registry_alias_move(struct store *st, const char *model, const char *alias, int64_t version,
			int64_t *previous, struct err *e)
{
	struct db_stmt *s;
	int64_t mid, vid, prev = 0;
	int rc;

	if (!store_in_transaction(st))
		return err_set(e, ERR_STORE, "alias moves must run inside a transaction");
	if (check_alias(alias, e) != 0 || registry_version_id(st, model, version, &mid, &vid, e) != 0)
		return -1;
	if (store_prepare(st, &s,
			  "SELECT v.version FROM aliases a JOIN versions v ON v.id = a.version_id"
			  " WHERE a.model_id = ?1 AND a.alias = ?2",
			  e) != 0)
		return -1;
	db_bind_int64(s, 1, mid);
	bind_text(s, 2, alias);
	if (db_step(s) == DB_ROW)
		prev = db_column_int64(s, 0);
	db_finalize(s);
	*previous = prev;
	if (prev == version)
		return 0;
	if (store_prepare(st, &s,
			  "INSERT INTO aliases(model_id, alias, version_id, updated) VALUES (?1, ?2, ?3, ?4)"
			  " ON CONFLICT(model_id, alias) DO UPDATE SET version_id = excluded.version_id,"
			  " updated = excluded.updated",
			  e) != 0)
		return -1;
	db_bind_int64(s, 1, mid);
	bind_text(s, 2, alias);
	db_bind_int64(s, 3, vid);
	db_bind_int64(s, 4, store_now());
	rc = db_step(s);
	db_finalize(s);
	if (rc != DB_DONE)
		return store_fail(st, e, "setting an alias");
	return registry_touch(st, mid, e);
}

int registry_alias_set(struct store *st, const struct principal *who, const char *model, const char *alias,
		       int64_t version, struct err *e)
{
	char subject[200];
	int64_t prev;
	json_t *data;
	int rc;

	if (check_alias(alias, e) != 0)
		return -1;
	if (store_begin(st, e) != 0)
		return -1;
	if (registry_alias_move(st, model, alias, version, &prev, e) != 0)
		goto fail;
	if (prev == version) {
		/* Already there: nothing changes, so nothing is recorded. */
		store_rollback(st);
		return 0;
	}
	/* The move and its ledger entry commit together or not at all. */
	data = json_pack("{s:s, s:s, s:I, s:o}", "model", model, "alias", alias, "version",
			 (json_int_t)version, "previous", prev ? json_integer(prev) : json_null());
	if (data == NULL) {
		err_set(e, ERR_IO, "out of memory");
		goto fail;
	}
	snprintf(subject, sizeof subject, "models:/%s/%" PRId64, model, version);
	rc = ledger_append_act(st, who->key, who->name, "alias.set", subject, data, NULL, e);
	json_decref(data);
	if (rc != 0)
		goto fail;
	{
		/* An admin's decision settles an unapproved change on this alias. */
		struct db_stmt *s;

		if (store_prepare(st, &s, "DELETE FROM unapproved WHERE alias = ?2 AND model_id = (SELECT id FROM models WHERE name = ?1)",
				  e) != 0)
			goto fail;
		bind_text(s, 1, model);
		bind_text(s, 2, alias);
		rc = db_step(s);
		db_finalize(s);
		if (rc != DB_DONE) {
			store_fail(st, e, "settling an unapproved change");
			goto fail;
		}
	}
	return store_commit(st, e);
fail:
	store_rollback(st);
	return -1;
}

int64_t registry_alias_version(struct store *st, const char *model, const char *alias, struct err *e)
{
	struct reg_aliases al;
	int64_t v = 0;
	size_t i;

	if (registry_alias_list(st, model, &al, e) != 0)
		return -1;
	for (i = 0; i < al.n; i++)
		if (strcmp(al.v[i].alias, alias) == 0)
			v = al.v[i].version;
	registry_aliases_free(&al);
	return v;
}

static int registry_alias_row(struct db_stmt *s, void *row)
{
	struct reg_alias *a = row;

	a->alias = col_dup(s, 0);
	a->version = db_column_int64(s, 1);
	a->updated = db_column_int64(s, 2);
	return a->alias != NULL ? 0 : -1;
}

int registry_alias_list(struct store *st, const char *model, struct reg_aliases *out,
			struct err *e)
{
	struct db_stmt *s;
	int64_t mid;
	void *v;
	int rc;

	out->v = NULL;
	out->n = 0;
	if (registry_model_id(st, model, &mid, e) != 0)
		return -1;
	if (store_stmt(st, &s,
			  "SELECT a.alias, v.version, a.updated FROM aliases a"
			  " JOIN versions v ON v.id = a.version_id WHERE a.model_id = ?1 ORDER BY a.alias",
			  e) != 0)
		return -1;
	db_bind_int64(s, 1, mid);
	rc = registry_rows(st, s, registry_alias_row, sizeof *out->v, &v, &out->n, "listing aliases", e);
	out->v = v;
	if (rc != 0)
		registry_aliases_free(out);
	return rc;
}

void registry_aliases_free(struct reg_aliases *l)
{
	if (l == NULL)
		return;
	for (size_t i = 0; i < l->n; i++)
		free(l->v[i].alias);
	free(l->v);
	l->v = NULL;
	l->n = 0;
}

/* ---- tags ---- */

static int registry_tag_check(const char *key, const char *value, struct err *e)
{
	if (check_text("tag key", key, 250, 0, 0, e) != 0 ||
	    check_text("tag value", value, CHECK_TEXT_MAX, 1, 1, e) != 0)
		return -1;
	return 0;
}

int registry_tag_set(struct store *st, const char *model, int64_t version, const char *key,
		     const char *value, struct err *e)
{
	struct db_stmt *s;
	int64_t mid, vid = 0;
	int rc;

	if (registry_tag_check(key, value, e) != 0)
		return -1;
	if (version == 0) {
		if (registry_model_id(st, model, &mid, e) != 0)
			return -1;
	} else if (registry_version_id(st, model, version, &mid, &vid, e) != 0) {
		return -1;
	}
	if (store_prepare(st, &s,
			  version == 0
				  ? "INSERT INTO model_tags(model_id, key, value) VALUES (?1, ?2, ?3)"
				    " ON CONFLICT(model_id, key) DO UPDATE SET value = excluded.value"
				  : "INSERT INTO version_tags(version_id, key, value) VALUES (?1, ?2, ?3)"
				    " ON CONFLICT(version_id, key) DO UPDATE SET value = excluded.value",
			  e) != 0)
		return -1;
	db_bind_int64(s, 1, version == 0 ? mid : vid);
	bind_text(s, 2, key);
	bind_text(s, 3, value);
	rc = db_step(s);
	db_finalize(s);
	if (rc != DB_DONE)
		return store_fail(st, e, "setting a tag");
	return 0;
}

static int registry_tag_row(struct db_stmt *s, void *row)
{
	struct reg_tag *t = row;

	t->key = col_dup(s, 0);
	t->value = col_dup(s, 1);
	return t->key != NULL && t->value != NULL ? 0 : -1;
}

int registry_tag_list(struct store *st, const char *model, int64_t version, struct reg_tags *out,
		      struct err *e)
{
	struct db_stmt *s;
	int64_t mid, vid = 0;
	void *v;
	int rc;

	out->v = NULL;
	out->n = 0;
	if (version == 0) {
		if (registry_model_id(st, model, &mid, e) != 0)
			return -1;
	} else if (registry_version_id(st, model, version, &mid, &vid, e) != 0) {
		return -1;
	}
	if (store_prepare(st, &s,
			  version == 0 ? "SELECT key, value FROM model_tags WHERE model_id = ?1 ORDER BY key"
				       : "SELECT key, value FROM version_tags WHERE version_id = ?1 ORDER BY key",
			  e) != 0)
		return -1;
	db_bind_int64(s, 1, version == 0 ? mid : vid);
	rc = registry_rows(st, s, registry_tag_row, sizeof *out->v, &v, &out->n, "listing tags", e);
	out->v = v;
	if (rc != 0)
		registry_tags_free(out);
	return rc;
}

void registry_tags_free(struct reg_tags *l)
{
	if (l == NULL)
		return;
	for (size_t i = 0; i < l->n; i++) {
		free(l->v[i].key);
		free(l->v[i].value);
	}
	free(l->v);
	l->v = NULL;
	l->n = 0;
}

/* ---- cards ---- */

/* A card's sections, REGISTRY_CARD_BATCH rows to a statement: on PostgreSQL
 * each statement is a round trip, which made 40,000 sections take 15 s. */
#define REGISTRY_CARD_BATCH 64
static int registry_card_rows(struct store *st, int64_t vid, const struct card *card, struct err *e)
{
	char sql[80 + REGISTRY_CARD_BATCH * 40];
	struct db_stmt *s = NULL;
	size_t i = 0, rows = 0, k;
	int w, len;

	while (i < card->n) {
		k = card->n - i < REGISTRY_CARD_BATCH ? card->n - i : REGISTRY_CARD_BATCH;
		if (k != rows) {
			/* Placeholders only: the values are bound. */
			db_finalize(s);
			s = NULL;
			len = snprintf(sql, sizeof sql, "INSERT INTO cards(version_id, position, section, body) VALUES ");
			for (size_t r = 0; r < k; r++) {
				w = snprintf(sql + len, sizeof sql - (size_t)len, "%s(?%zu, ?%zu, ?%zu, ?%zu)", r ? ", " : "",
					     4 * r + 1, 4 * r + 2, 4 * r + 3, 4 * r + 4);
				if (w < 0 || (size_t)w >= sizeof sql - (size_t)len)
					return err_set(e, ERR_INVALID, "card statement too long");
				len += w;
			}
			if (store_prepare(st, &s, sql, e) != 0)
				return -1;
			rows = k;
		}
		db_reset(s);
		for (size_t r = 0; r < k; r++, i++) {
			db_bind_int64(s, (int)(4 * r + 1), vid);
			db_bind_int64(s, (int)(4 * r + 2), (int64_t)i);
			bind_text(s, (int)(4 * r + 3), card->s[i].title);
			bind_text(s, (int)(4 * r + 4), card->s[i].body);
		}
		if (db_step(s) != DB_DONE) {
			store_fail(st, e, "writing a card section");
			db_finalize(s);
			return -1;
		}
	}
	db_finalize(s);
	return 0;
}

int registry_card_set(struct store *st, const struct principal *who, const char *model,
		      int64_t version, const struct card *card, struct err *e)
{
	struct db_stmt *s = NULL;
	int64_t mid, vid;

	if (card->n == 0)
		return err_set(e, ERR_INVALID, "card has no sections");
	for (size_t i = 0; i < card->n; i++) {
		if (check_text("card section title", card->s[i].title, CARD_TITLE_MAX, 0, 0, e) != 0 ||
		    check_text("card section", card->s[i].body, CARD_MAX_BYTES, 1, 1, e) != 0)
			return -1;
	}
	if (store_begin(st, e) != 0)
		return -1;
	if (registry_version_id(st, model, version, &mid, &vid, e) != 0)
		goto fail;
	if (store_prepare(st, &s, "DELETE FROM cards WHERE version_id = ?1", e) != 0)
		goto fail;
	db_bind_int64(s, 1, vid);
	if (db_step(s) != DB_DONE) {
		store_fail(st, e, "replacing a card");
		goto fail;
	}
	db_finalize(s);
	s = NULL;
	if (registry_card_rows(st, vid, card, e) != 0)
		goto fail;
	if (registry_touch(st, mid, e) != 0 || record_card(st, who, model, version, card, "", e) != 0)
		goto fail;
	return store_commit(st, e);
fail:
	db_finalize(s);
	store_rollback(st);
	return -1;
}

int registry_card_get(struct store *st, const char *model, int64_t version, struct card *out,
		      struct err *e)
{
	struct db_stmt *s;
	int64_t vid;
	int rc;

	out->s = NULL;
	out->n = 0;
	if (registry_version_id(st, model, version, NULL, &vid, e) != 0)
		return -1;
	if (store_stmt(st, &s,
			  "SELECT section, body FROM cards WHERE version_id = ?1 ORDER BY position", e) != 0)
		return -1;
	db_bind_int64(s, 1, vid);
	while ((rc = db_step(s)) == DB_ROW) {
		const unsigned char *t = db_column_text(s, 0), *b = db_column_text(s, 1);

		if (card_add(out, t ? (const char *)t : "", b ? (const char *)b : "", e) != 0) {
			store_stmt_done(st, s);
			card_free(out);
			return -1;
		}
	}
	store_stmt_done(st, s);
	if (rc != DB_DONE) {
		card_free(out);
		return store_fail(st, e, "reading a card");
	}
	return 0;
}

/* ---- metrics ---- */

int registry_metric_set(struct store *st, const struct principal *who, const char *model,
			int64_t version, const char *name, double value, const char *dataset,
			const char *slice, struct err *e)
{
	struct db_stmt *s;
	int64_t mid, vid;
	int rc;

	if (check_name("metric name", name, CHECK_NAME_MAX, e) != 0 ||
	    (dataset && dataset[0] && check_label("dataset", dataset, CHECK_NAME_MAX, e) != 0) ||
	    (slice && slice[0] && check_slice("slice", slice, e) != 0))
		return -1;
	if (!isfinite(value))
		return err_set(e, ERR_INVALID, "metric %s: value must be a finite number", name);
	if (store_begin(st, e) != 0)
		return -1;
	if (registry_version_id(st, model, version, &mid, &vid, e) != 0)
		goto fail;
	if (store_prepare(st, &s,
			  "INSERT INTO eval_metrics(version_id, name, dataset, slice, value)"
			  " VALUES (?1, ?2, ?3, ?4, ?5) ON CONFLICT(version_id, name, dataset, slice) DO UPDATE SET value = excluded.value",
			  e) != 0)
		goto fail;
	db_bind_int64(s, 1, vid);
	bind_text(s, 2, name);
	bind_text(s, 3, dataset);
	bind_text(s, 4, slice);
	db_bind_double(s, 5, value);
	rc = db_step(s);
	db_finalize(s);
	if (rc != DB_DONE) {
		store_fail(st, e, "setting a metric");
		goto fail;
	}
	if (registry_touch(st, mid, e) != 0 ||
	    record_metric(st, who, model, version, name, value, dataset ? dataset : "", slice ? slice : "", "", e) != 0)
		goto fail;
	return store_commit(st, e);
fail:
	store_rollback(st);
	return -1;
}

static int registry_metric_row(struct db_stmt *s, void *row)
{
	struct reg_metric *m = row;

	m->name = col_dup(s, 0);
	m->value = db_column_double(s, 1);
	m->dataset = col_dup(s, 2);
	m->slice = col_dup(s, 3);
	return m->name != NULL && m->dataset != NULL && m->slice != NULL ? 0 : -1;
}

int registry_metric_list(struct store *st, const char *model, int64_t version,
			 struct reg_metrics *out, struct err *e)
{
	struct db_stmt *s;
	int64_t vid;
	void *v;
	int rc;

	out->v = NULL;
	out->n = 0;
	if (registry_version_id(st, model, version, NULL, &vid, e) != 0)
		return -1;
	if (store_stmt(st, &s,
			  "SELECT name, value, dataset, slice FROM eval_metrics WHERE version_id = ?1"
			  " ORDER BY name, dataset, slice",
			  e) != 0)
		return -1;
	db_bind_int64(s, 1, vid);
	rc = registry_rows(st, s, registry_metric_row, sizeof *out->v, &v, &out->n, "listing metrics", e);
	out->v = v;
	if (rc != 0)
		registry_metrics_free(out);
	return rc;
}

void registry_metrics_free(struct reg_metrics *l)
{
	if (l == NULL)
		return;
	for (size_t i = 0; i < l->n; i++) {
		free(l->v[i].name);
		free(l->v[i].dataset);
		free(l->v[i].slice);
	}
	free(l->v);
	l->v = NULL;
	l->n = 0;
}
