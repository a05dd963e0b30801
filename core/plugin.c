/* plugin: runs a plugin's sync on a worker thread and turns its records into store rows (registry records in one transaction, monitoring through core/monitor.c), and its governed acts; the config and loading are in plugin-load.c. */
#include "plugin.h"

#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>
#include <sodium.h>

#include "card.h"
#include "check.h"
#include "file.h"
#include "gate.h"
#include "ledger.h"
#include "lineage.h"
#include "deploy.h"
#include "monitor.h"
#include "record.h"
#include "registry.h"


/* ---- the sink: records into rows ---- */

struct plugin_sync_ctx {
	struct store *st;
	struct plugin_instance *in;
	const struct principal *who; /* signs the evidence it records; NULL: unattested */
	struct plugin_sync_result *r;
	plugin_progress_fn progress;
	void *arg;
	struct err e;
	char msg[600];
	int cancel; /* atomic: set by the console, read by the worker */
	char **seen; /* "model\nalias" of every alias the backend showed */
	size_t nseen;
	int full;    /* a full pass: unchanged() answers 0 */
	/* the digest_note for the next version() record */
	char note_model[256], note_state[16], note_reason[400];
	int64_t note_version;
	struct monitor_sync *mon; /* series, histograms, alerts and silences of this sync */
	struct lineage_import *li; /* OpenLineage events of this sync, begun with the first */
	int mark_failed;           /* a source's mark could not be kept: the sync fails */
	struct deploy_sync *dep;   /* a deploy source's servers, written at the end */
	int who_state;             /* in->who_ready's answer: 0 not asked yet, 1 allowed, -1 refused */
	int reading;               /* in->reading was called */
};

/* The plugin's first wait on its backend: the CLI starts the unlock then,
 * not before the first request goes out, because Argon2id faults in its
 * 256 MiB under the address-space lock and the worker's allocations (the
 * store's pages, the request) would wait for all of it. */
static void plugin_reading(struct plugin_sync_ctx *x)
{
	if (x->reading)
		return;
	x->reading = 1;
	if (x->in->reading != NULL)
		x->in->reading(x->in->who_arg);
}

/* Nothing is written before the principal is known and allowed: the CLI
 * unlocks the key (Argon2id, the slowest part of an unchanged sync) while
 * the plugin reads its backend, and says here whether the key may act. */
static int plugin_who(struct plugin_sync_ctx *x)
{
	plugin_reading(x);
	if (x->who_state == 0)
		x->who_state = x->in->who_ready == NULL || x->in->who_ready(x->in->who_arg, &x->e) == 0 ? 1 : -1;
	return x->who_state == 1 ? 0 : -1;
}

static int plugin_refuse(struct plugin_sync_ctx *x, const char *what)
{
	snprintf(x->msg, sizeof x->msg, "%s: %s", what, x->e.msg);
	return -1;
}

static int plugin_exec(struct plugin_sync_ctx *x, const char *sql, const char *t1, const char *t2, int64_t i1,
		       int64_t i2)
{
	struct db_stmt *s;
	int rc;

	if (store_prepare(x->st, &s, sql, &x->e) != 0)
		return -1;
	if (t1)
		db_bind_text(s, 1, t1, -1, DB_STATIC);
	if (t2)
		db_bind_text(s, 2, t2, -1, DB_STATIC);
	db_bind_int64(s, 3, i1);
	db_bind_int64(s, 4, i2);
	rc = db_step(s);
	db_finalize(s);
	return rc == DB_DONE ? 0 : store_fail(x->st, &x->e, "writing synced data");
}

/* 1 when a signed entry already records this evidence (an earlier sync
 * without a principal left it unattested: this one, with a key, attests
 * it even though nothing changed in the backend). */
static int plugin_attested(struct plugin_sync_ctx *x, const char *subject, const char *action, const char *metric,
			   const char *dataset, const char *slice)
{
	struct db_stmt *s;
	int rc;

	if (x->who == NULL)
		return 1;
	if (store_prepare(x->st, &s,
			  /* action || '': the subject index, not the action one (which would walk every metric.set). */
			  "SELECT 1 FROM ledger WHERE subject = ?1 AND action || '' = ?2 AND (CAST(?3 AS TEXT) IS NULL OR"
			  " (json_extract(CAST(body AS TEXT), '$.data.name') = ?3 AND"
			  " json_extract(CAST(body AS TEXT), '$.data.dataset') = ?4 AND"
			  " json_extract(CAST(body AS TEXT), '$.data.slice') = ?5)) LIMIT 1",
			  &x->e) != 0)
		return -1;
	db_bind_text(s, 1, subject, -1, DB_STATIC);
	db_bind_text(s, 2, action, -1, DB_STATIC);
	if (metric != NULL) {
		db_bind_text(s, 3, metric, -1, DB_STATIC);
		db_bind_text(s, 4, dataset, -1, DB_STATIC);
		db_bind_text(s, 5, slice, -1, DB_STATIC);
	}
	rc = db_step(s);
	db_finalize(s);
	if (rc != DB_ROW && rc != DB_DONE)
		return store_fail(x->st, &x->e, "reading the ledger");
	return rc == DB_ROW;
}

static int sink_model(void *ctx, const struct steward_model_rec *m)
{
	struct plugin_sync_ctx *x = ctx;
	struct reg_model have;
	enum tier tier;
	int rc;

	x->r->models++;
	if (m->tier == NULL)
		return err_set(&x->e, ERR_INVALID, "model %s has no risk tier (tag steward.tier)", m->name),
		       plugin_refuse(x, "model");
	if (registry_tier_parse(m->tier, &tier, &x->e) != 0)
		return plugin_refuse(x, m->name);
	memset(&have, 0, sizeof have);
	rc = registry_model_get(x->st, m->name, &have, &x->e);
	if (rc != 0 && x->e.kind != ERR_NOTFOUND)
		return plugin_refuse(x, m->name);
	if (rc != 0) {
		if (plugin_who(x) != 0 ||
		    registry_model_add(x->st, x->who, m->name, tier, m->owner && m->owner[0] ? m->owner : "unknown",
				       m->description ? m->description : "", &x->e) != 0 ||
		    plugin_exec(x, "UPDATE models SET source = ?2 WHERE name = ?1", m->name, x->in->name, 0, 0) != 0)
			return plugin_refuse(x, m->name);
		return 0;
	}
	/* Only what changed is written: an unchanged backend writes nothing. */
	if (have.tier != tier || strcmp(have.owner, m->owner && m->owner[0] ? m->owner : "unknown") != 0 ||
	    strcmp(have.description, m->description ? m->description : "") != 0 || strcmp(have.source, x->in->name) != 0) {
		struct db_stmt *s;

		if (plugin_who(x) != 0 ||
		    store_prepare(x->st, &s,
				  "UPDATE models SET tier = ?2, owner = ?3, description = ?4, source = ?5, updated = ?6 WHERE name = ?1",
				  &x->e) != 0) {
			registry_model_clear(&have);
			return plugin_refuse(x, m->name);
		}
		db_bind_text(s, 1, m->name, -1, DB_STATIC);
		db_bind_text(s, 2, m->tier, -1, DB_STATIC);
		db_bind_text(s, 3, m->owner && m->owner[0] ? m->owner : "unknown", -1, DB_STATIC);
		db_bind_text(s, 4, m->description ? m->description : "", -1, DB_STATIC);
		db_bind_text(s, 5, x->in->name, -1, DB_STATIC);
		db_bind_int64(s, 6, store_now());
		rc = db_step(s);
		db_finalize(s);
		if (rc != DB_DONE) {
			registry_model_clear(&have);
			store_fail(x->st, &x->e, "updating a model");
			return plugin_refuse(x, m->name);
		}
		rc = 0;
	} else {
		char subject[200];

		snprintf(subject, sizeof subject, "models:/%s", m->name);
		rc = plugin_attested(x, subject, "model.set", NULL, NULL, NULL);
		if (rc < 0) {
			registry_model_clear(&have);
			return plugin_refuse(x, m->name);
		}
	}
	registry_model_clear(&have);
	if (rc == 0 && (plugin_who(x) != 0 || record_model(x->st, x->who, m->name, m->tier, m->owner && m->owner[0] ? m->owner : "unknown",
				    m->description ? m->description : "", x->in->name, &x->e) != 0))
		return plugin_refuse(x, m->name);
	return 0;
}

static int64_t plugin_version_id(struct plugin_sync_ctx *x, const char *model, int64_t version)
{
	struct db_stmt *s;
	int64_t id = 0;

	if (store_prepare(x->st, &s,
			  "SELECT v.id FROM versions v JOIN models m ON m.id = v.model_id WHERE m.name = ?1 AND v.version = ?2",
			  &x->e) != 0)
		return -1;
	db_bind_text(s, 1, model, -1, DB_STATIC);
	db_bind_int64(s, 2, version);
	if (db_step(s) == DB_ROW)
		id = db_column_int64(s, 0);
	db_finalize(s);
	return id;
}

static int sink_version(void *ctx, const struct steward_version_rec *v)
{
	struct plugin_sync_ctx *x = ctx;
	char digest[72], card_sha[72] = "", cur_digest[72] = "", cur_card[72] = "";
	char state[16], reason[400] = "", cur_state[16] = "", cur_reason[400] = "";
	int verified = v->digest != NULL;
	int64_t vid, have_verified = -1;
	struct db_stmt *s;
	size_t i;
	int rc;

	x->r->versions++;
	if (plugin_who(x) != 0)
		return plugin_refuse(x, "version");
	/* Why there is no digest, when the plugin said so just before. */
	snprintf(state, sizeof state, "%s", verified ? "verified" : "unverified");
	if (!verified && x->note_state[0] != '\0' && x->note_version == v->version && strcmp(x->note_model, v->model) == 0) {
		snprintf(state, sizeof state, "%s", x->note_state);
		snprintf(reason, sizeof reason, "%s", x->note_reason);
	}
	x->note_state[0] = '\0';
	if (v->digest != NULL) {
		if (check_digest(v->digest, &x->e) != 0)
			return plugin_refuse(x, "version digest");
		snprintf(digest, sizeof digest, "%s", v->digest);
	} else {
		/* Unverified: the digest of nothing, and the flag says so. */
		gate_digest("", 0, digest);
	}
	if (v->card != NULL)
		gate_digest(v->card, strlen(v->card), card_sha);
	vid = plugin_version_id(x, v->model, v->version);
	if (vid < 0)
		return plugin_refuse(x, v->model);
	if (vid == 0) {
		if (store_prepare(x->st, &s,
				  "INSERT INTO versions(model_id, version, artifact_uri, digest, author, run_id, source, created)"
				  " SELECT id, ?2, ?3, ?4, ?5, ?6, ?7, ?8 FROM models WHERE name = ?1",
				  &x->e) != 0)
			return plugin_refuse(x, v->model);
		db_bind_text(s, 1, v->model, -1, DB_STATIC);
		db_bind_int64(s, 2, v->version);
		db_bind_text(s, 3, v->source ? v->source : "", -1, DB_STATIC);
		db_bind_text(s, 4, digest, -1, DB_STATIC);
		db_bind_text(s, 5, v->author ? v->author : "", -1, DB_STATIC);
		db_bind_text(s, 6, v->run_id ? v->run_id : "", -1, DB_STATIC);
		db_bind_text(s, 7, x->in->name, -1, DB_STATIC);
		db_bind_int64(s, 8, v->created > 0 ? v->created : store_now());
		rc = db_step(s);
		db_finalize(s);
		if (rc != DB_DONE || store_changes(x->st) != 1) {
			store_fail(x->st, &x->e, "adding a version");
			return plugin_refuse(x, v->model);
		}
		vid = store_last_insert_id(x->st);
	} else {
		if (store_prepare(x->st, &s,
				  "SELECT v.digest, coalesce(s.digest_verified, -1), coalesce(s.card_sha, ''),"
				  " coalesce(s.digest_state, ''), coalesce(s.digest_reason, '') FROM versions v"
				  " LEFT JOIN version_sync s ON s.version_id = v.id WHERE v.id = ?1",
				  &x->e) != 0)
			return plugin_refuse(x, v->model);
		db_bind_int64(s, 1, vid);
		if (db_step(s) == DB_ROW) {
			snprintf(cur_digest, sizeof cur_digest, "%s", (const char *)db_column_text(s, 0));
			have_verified = db_column_int64(s, 1);
			snprintf(cur_card, sizeof cur_card, "%s", (const char *)db_column_text(s, 2));
			snprintf(cur_state, sizeof cur_state, "%s", (const char *)db_column_text(s, 3));
			snprintf(cur_reason, sizeof cur_reason, "%s", (const char *)db_column_text(s, 4));
		}
		db_finalize(s);
		/* An unverified digest never replaces a verified one. */
		if (!verified && have_verified == 1) {
			snprintf(digest, sizeof digest, "%s", cur_digest), verified = 1;
			snprintf(state, sizeof state, "verified");
			reason[0] = '\0';
		}
		if (strcmp(cur_digest, digest) != 0 &&
		    plugin_exec(x, "UPDATE versions SET digest = ?1 WHERE id = ?3", digest, NULL, vid, 0) != 0)
			return plugin_refuse(x, v->model);
	}
	{
		char subject[200];
		int att;

		snprintf(subject, sizeof subject, "models:/%s/%" PRId64, v->model, v->version);
		att = cur_digest[0] != '\0' && strcmp(cur_digest, digest) == 0 && have_verified == verified
			      ? plugin_attested(x, subject, "version.set", NULL, NULL, NULL)
			      : 0;
		if (att < 0 || (att == 0 && record_version(x->st, x->who, v->model, v->version, v->source ? v->source : "",
							  digest, verified, v->author ? v->author : "",
							  v->run_id ? v->run_id : "", x->in->name, &x->e) != 0))
			return plugin_refuse(x, v->model);
		/* A version recorded after its training events were imported: its lineage is signed now. */
		if (att == 0 && x->who != NULL) {
			int appended;

			if (lineage_attest(x->st, x->who, v->model, v->version, x->in->name, &appended, &x->e) != 0)
				return plugin_refuse(x, v->model);
		}
	}
	/* A download that failed makes the sync partial, whatever was recorded before. */
	if (strcmp(state, "unverified") == 0 && reason[0] != '\0') {
		if (x->r->unverified++ == 0)
			snprintf(x->r->partial, sizeof x->r->partial, "%.100s v%" PRId64 ": %.180s", v->model, v->version,
				 reason);
	}
	if (have_verified != verified || strcmp(cur_card, card_sha) != 0 || strcmp(cur_state, state) != 0 ||
	    strcmp(cur_reason, reason) != 0) {
		if (store_prepare(x->st, &s,
				  "INSERT INTO version_sync(version_id, plugin, source, digest_verified, card_sha, digest_state,"
				  " digest_reason) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)"
				  " ON CONFLICT(version_id) DO UPDATE SET plugin = excluded.plugin, source = excluded.source,"
				  " digest_verified = excluded.digest_verified, card_sha = excluded.card_sha,"
				  " digest_state = excluded.digest_state, digest_reason = excluded.digest_reason",
				  &x->e) != 0)
			return plugin_refuse(x, v->model);
		db_bind_int64(s, 1, vid);
		db_bind_text(s, 2, x->in->name, -1, DB_STATIC);
		db_bind_text(s, 3, v->source ? v->source : "", -1, DB_STATIC);
		db_bind_int(s, 4, verified);
		db_bind_text(s, 5, card_sha, -1, DB_STATIC);
		db_bind_text(s, 6, state, -1, DB_STATIC);
		db_bind_text(s, 7, reason, -1, DB_STATIC);
		rc = db_step(s);
		db_finalize(s);
		if (rc != DB_DONE) {
			store_fail(x->st, &x->e, "recording a synced version");
			return plugin_refuse(x, v->model);
		}
	}
	if (v->card != NULL) {
		char subject[200];
		int att;

		/* Unchanged but left unattested by an earlier keyless sync: set
		 * it again, which records it as this principal's act. */
		snprintf(subject, sizeof subject, "models:/%s/%" PRId64, v->model, v->version);
		att = strcmp(cur_card, card_sha) != 0 ? 0 : plugin_attested(x, subject, "card.set", NULL, NULL, NULL);
		if (att < 0)
			return plugin_refuse(x, "card");
		if (att == 1)
			goto tags;
	}
	if (v->card != NULL) {
		struct card c;

		/* A description that is not a card (no "## " headings) is kept
		 * as its first section, so nothing the backend says is lost. */
		if (card_parse(v->card, strlen(v->card), "description", &c, &x->e) == 0) {
			if (c.n == 0)
				rc = card_add(&c, "Description", v->card, &x->e);
			else
				rc = 0;
			if (rc == 0)
				rc = registry_card_set(x->st, x->who, v->model, v->version, &c, &x->e);
			card_free(&c);
			if (rc != 0)
				return plugin_refuse(x, "card");
		}
	}
tags:
	for (i = 0; i < v->ntags; i++) {
		const char *have = NULL;

		if (store_prepare(x->st, &s, "SELECT value FROM version_tags WHERE version_id = ?1 AND key = ?2", &x->e) != 0)
			return plugin_refuse(x, "tag");
		db_bind_int64(s, 1, vid);
		db_bind_text(s, 2, v->tags[i].key, -1, DB_STATIC);
		rc = db_step(s);
		if (rc == DB_ROW)
			have = (const char *)db_column_text(s, 0);
		rc = have != NULL && strcmp(have, v->tags[i].value) == 0;
		db_finalize(s);
		if (!rc && registry_tag_set(x->st, v->model, v->version, v->tags[i].key, v->tags[i].value, &x->e) != 0)
			return plugin_refuse(x, "tag");
	}
	return 0;
}

static int sink_metric(void *ctx, const struct steward_metric_rec *m)
{
	struct plugin_sync_ctx *x = ctx;
	struct db_stmt *s;
	int same = 0;

	x->r->metrics++;
	if (plugin_who(x) != 0)
		return plugin_refuse(x, "metric");
	if (store_prepare(x->st, &s,
			  "SELECT e.value FROM eval_metrics e JOIN versions v ON v.id = e.version_id JOIN models mo ON mo.id = v.model_id"
			  " WHERE mo.name = ?1 AND v.version = ?2 AND e.name = ?3 AND e.dataset = ?4 AND e.slice = ?5",
			  &x->e) != 0)
		return plugin_refuse(x, "metric");
	db_bind_text(s, 1, m->model, -1, DB_STATIC);
	db_bind_int64(s, 2, m->version);
	db_bind_text(s, 3, m->name, -1, DB_STATIC);
	db_bind_text(s, 4, m->dataset ? m->dataset : "", -1, DB_STATIC);
	db_bind_text(s, 5, m->slice ? m->slice : "", -1, DB_STATIC);
	if (db_step(s) == DB_ROW)
		same = db_column_double(s, 0) == m->value;
	db_finalize(s);
	if (same) {
		char subject[200];
		int att;

		snprintf(subject, sizeof subject, "models:/%s/%" PRId64, m->model, m->version);
		att = plugin_attested(x, subject, "metric.set", m->name, m->dataset ? m->dataset : "", m->slice ? m->slice : "");
		if (att < 0)
			return plugin_refuse(x, "metric");
		if (att == 1)
			return 0;
	}
	if (registry_metric_set(x->st, x->who, m->model, m->version, m->name, m->value, m->dataset ? m->dataset : "",
				m->slice ? m->slice : "", &x->e) != 0)
		return plugin_refuse(x, "metric");
	return 0;
}

/* The newest version a steward decision (apply, rollback, admin move)
 * put on this alias; 0 when steward never moved it. */
/* The version steward's last decision put alias at (0: never governed);
 * imported, when not NULL, gets the version the backend first showed it
 * at (0: never imported). */
static int64_t plugin_governed(struct plugin_sync_ctx *x, const char *model, const char *alias, int64_t *imported)
{
	char subject[200];
	struct ledger_entries l;
	int64_t v = 0;
	size_t i;

	snprintf(subject, sizeof subject, "models:/%s", model);
	if (ledger_entries(x->st, subject, NULL, &l, &x->e) != 0)
		return -1;
	for (i = 0; i < l.n; i++) {
		json_t *j = json_loadb(l.v[i].body, l.v[i].len, 0, NULL), *d = json_object_get(j, "data");
		const char *a = json_string_value(json_object_get(d, "alias"));

		if (a != NULL && strcmp(a, alias) == 0) {
			/* Never governed: where the backend first showed it is the baseline. */
			if (strcmp(l.v[i].action, "alias.imported") == 0 && imported != NULL && *imported == 0 &&
			    json_is_integer(json_object_get(d, "version")))
				*imported = json_integer_value(json_object_get(d, "version"));
			if (strcmp(l.v[i].action, "alias.set") == 0)
				v = json_integer_value(json_object_get(d, "version"));
			else if (strcmp(l.v[i].action, "promotion.apply") == 0)
				v = json_integer_value(json_object_get(json_object_get(d, "evidence"), "version"));
			else if (strcmp(l.v[i].action, "rollback") == 0)
				v = json_integer_value(json_object_get(d, "to_version"));
		}
		json_decref(j);
	}
	ledger_entries_free(&l);
	return v;
}

static int sink_alias(void *ctx, const struct steward_alias_rec *a)
{
	struct plugin_sync_ctx *x = ctx;
	struct reg_aliases al;
	char subject[200], actor[80];
	int64_t have = 0, governed, prev, seq, imported = 0;
	json_t *data;
	size_t i;
	int rc;

	x->r->aliases++;
	{
		char key[300], **nv = realloc(x->seen, (x->nseen + 1) * sizeof *x->seen);

		snprintf(key, sizeof key, "%s\n%s", a->model, a->alias);
		if (nv == NULL || (nv[x->nseen] = strdup(key)) == NULL) {
			if (nv != NULL)
				x->seen = nv;
			return err_set(&x->e, ERR_IO, "out of memory"), plugin_refuse(x, "alias");
		}
		x->seen = nv;
		x->nseen++;
	}
	if (registry_alias_list(x->st, a->model, &al, &x->e) != 0)
		return plugin_refuse(x, "alias");
	for (i = 0; i < al.n; i++)
		if (strcmp(al.v[i].alias, a->alias) == 0)
			have = al.v[i].version;
	registry_aliases_free(&al);
	if (have == a->version)
		return 0;
	if (plugin_who(x) != 0)
		return plugin_refuse(x, "alias");
	governed = plugin_governed(x, a->model, a->alias, &imported);
	if (governed < 0)
		return plugin_refuse(x, "alias");
	/* An imported alias that moves is as ungoverned as a governed one
	 * moved behind steward's back: its baseline is where it was first seen. */
	if (governed == 0)
		governed = imported;
	snprintf(actor, sizeof actor, "plugin:%s", x->in->name);
	snprintf(subject, sizeof subject, "models:/%s/%" PRId64, a->model, a->version);
	if (registry_alias_move(x->st, a->model, a->alias, a->version, &prev, &x->e) != 0)
		return plugin_refuse(x, "alias");
	data = json_pack("{s:s, s:s, s:I, s:o}", "model", a->model, "alias", a->alias, "version", (json_int_t)a->version,
			 "previous", have ? json_integer(have) : json_null());
	if (data == NULL)
		return err_set(&x->e, ERR_IO, "out of memory"), plugin_refuse(x, "alias");
	/* Moves of an alias steward never governed are recorded as the
	 * baseline; a move away from what steward decided is an unapproved
	 * change. */
	if (governed == 0) {
		/* An alias steward has never governed: the backend's word is the baseline. */
		rc = ledger_append(x->st, actor, "alias.imported", subject, data, &seq, &x->e);
	} else if (governed == a->version) {
		/* Back where steward put it: recorded, and the unapproved state ends. */
		rc = ledger_append(x->st, actor, "alias.observed", subject, data, &seq, &x->e);
		if (rc == 0)
			rc = plugin_exec(x, "DELETE FROM unapproved WHERE alias = ?2 AND model_id = (SELECT id FROM models WHERE name = ?1)",
					 a->model, a->alias, 0, 0);
	} else {
		rc = ledger_append(x->st, actor, "alias.observed", subject, data, &seq, &x->e);
		if (rc == 0) {
			struct db_stmt *s;

			rc = store_prepare(x->st, &s,
					   "INSERT INTO unapproved(model_id, alias, version, observed, seq)"
					   " SELECT id, ?2, ?3, ?4, ?5 FROM models WHERE name = ?1"
					   " ON CONFLICT(model_id, alias) DO UPDATE SET version = excluded.version,"
					   " observed = excluded.observed, seq = excluded.seq",
					   &x->e);
			if (rc == 0) {
				db_bind_text(s, 1, a->model, -1, DB_STATIC);
				db_bind_text(s, 2, a->alias, -1, DB_STATIC);
				db_bind_int64(s, 3, a->version);
				db_bind_int64(s, 4, store_now());
				db_bind_int64(s, 5, seq);
				rc = db_step(s) == DB_DONE ? 0 : store_fail(x->st, &x->e, "recording the change");
				db_finalize(s);
			}
			x->r->observed++;
		}
	}
	json_decref(data);
	return rc == 0 ? 0 : plugin_refuse(x, "alias");
}

static void sink_progress(void *ctx, const char *what, long done, long total)
{
	struct plugin_sync_ctx *x = ctx;

	if (x->progress != NULL)
		x->progress(x->arg, what, done, total);
}

static int sink_cancelled(void *ctx)
{
	struct plugin_sync_ctx *x = ctx;

	plugin_reading(x);
	return __atomic_load_n(&x->cancel, __ATOMIC_ACQUIRE);
}

static const char *sink_message(void *ctx)
{
	return ((struct plugin_sync_ctx *)ctx)->msg;
}

static int sink_have_digest(void *ctx, const char *model, int64_t version, const char *source)
{
	struct plugin_sync_ctx *x = ctx;
	struct db_stmt *s;
	int have = 0;

	if (store_prepare(x->st, &s,
			  "SELECT 1 FROM version_sync s JOIN versions v ON v.id = s.version_id JOIN models m ON m.id = v.model_id"
			  " WHERE m.name = ?1 AND v.version = ?2 AND s.source = ?3 AND s.digest_verified = 1",
			  &x->e) != 0)
		return 0;
	db_bind_text(s, 1, model, -1, DB_STATIC);
	db_bind_int64(s, 2, version);
	db_bind_text(s, 3, source ? source : "", -1, DB_STATIC);
	have = db_step(s) == DB_ROW;
	db_finalize(s);
	return have;
}

static void sink_digest_note(void *ctx, const char *model, int64_t version, const char *state, const char *reason)
{
	struct plugin_sync_ctx *x = ctx;

	/* Only the two states a plugin may claim; anything else is "unverified". */
	snprintf(x->note_state, sizeof x->note_state, "%s",
		 state != NULL && strcmp(state, "empty") == 0 ? "empty" : "unverified");
	snprintf(x->note_model, sizeof x->note_model, "%s", model ? model : "");
	snprintf(x->note_reason, sizeof x->note_reason, "%s", reason ? reason : "");
	x->note_version = version;
}

/* Stamps left by a sync without a key are marked, so that a keyed sync
 * never skips evidence it has not yet attested. */
static void plugin_stamp_text(const struct plugin_sync_ctx *x, const char *stamp, char *out, size_t n)
{
	snprintf(out, n, "%s%.200s", x->who == NULL ? "u:" : "", stamp ? stamp : "");
}

static int sink_unchanged(void *ctx, const char *model, int64_t version, const char *stamp)
{
	struct plugin_sync_ctx *x = ctx;
	char mine[210], keyless[210];
	struct db_stmt *s;
	int same = 0;

	if (x->full || stamp == NULL || stamp[0] == '\0')
		return 0;
	plugin_stamp_text(x, stamp, mine, sizeof mine);
	snprintf(keyless, sizeof keyless, "u:%.200s", stamp);
	if (store_prepare(x->st, &s,
			  "SELECT 1 FROM version_sync s JOIN versions v ON v.id = s.version_id JOIN models m ON m.id = v.model_id"
			  " WHERE m.name = ?1 AND v.version = ?2 AND s.plugin = ?3 AND s.stamp IN (?4, ?5)"
			  /* Not a version whose download failed (a reason): that is read again. */
			  " AND (s.digest_verified = 1 OR s.digest_state = 'empty' OR s.digest_reason = '')",
			  &x->e) != 0)
		return 0;
	db_bind_text(s, 1, model, -1, DB_STATIC);
	db_bind_int64(s, 2, version);
	db_bind_text(s, 3, x->in->name, -1, DB_STATIC);
	db_bind_text(s, 4, mine, -1, DB_STATIC);
	db_bind_text(s, 5, x->who == NULL ? keyless : mine, -1, DB_STATIC);
	same = db_step(s) == DB_ROW;
	db_finalize(s);
	if (same)
		x->r->skipped++;
	return same;
}

static void sink_stamp(void *ctx, const char *model, int64_t version, const char *stamp)
{
	struct plugin_sync_ctx *x = ctx;
	char mine[210];
	struct db_stmt *s;
	struct err e;
	int nested = store_in_transaction(x->st), rc;

	plugin_stamp_text(x, stamp, mine, sizeof mine);
	/* Refused: the sync fails at its end. */
	if (plugin_who(x) != 0)
		return;
	/* A stamp only spares the next sync a read, so one that cannot be
	 * written is left to it; inside the sync's transaction under a
	 * savepoint, since PostgreSQL ends a transaction at a failed statement. */
	if (nested && store_begin(x->st, &e) != 0)
		return;
	/* Unchanged stamps are not written again: an unchanged sync writes nothing. */
	if (store_prepare(x->st, &s,
			  "UPDATE version_sync SET stamp = ?4 WHERE stamp IS DISTINCT FROM ?4 AND plugin = ?3 AND version_id ="
			  " (SELECT v.id FROM versions v JOIN models m ON m.id = v.model_id WHERE m.name = ?1 AND v.version = ?2)",
			  &e) != 0) {
		if (nested)
			store_rollback(x->st);
		return;
	}
	db_bind_text(s, 1, model, -1, DB_STATIC);
	db_bind_int64(s, 2, version);
	db_bind_text(s, 3, x->in->name, -1, DB_STATIC);
	db_bind_text(s, 4, mine, -1, DB_STATIC);
	rc = db_step(s);
	db_finalize(s);
	if (!nested)
		return;
	if (rc != DB_DONE || store_commit(x->st, &e) != 0)
		store_rollback(x->st);
}

/* Aliases of this plugin's models that the backend no longer shows were
 * deleted there: mirrored, recorded, and flagged when steward governed them. */
static int plugin_vanished(struct plugin_sync_ctx *x)
{
	struct db_stmt *s;
	char actor[80];
	int rc;

	snprintf(actor, sizeof actor, "plugin:%s", x->in->name);
	if (store_prepare(x->st, &s,
			  "SELECT m.name, a.alias, v.version, m.id FROM aliases a JOIN models m ON m.id = a.model_id"
			  " JOIN versions v ON v.id = a.version_id WHERE m.source = ?1 ORDER BY m.name, a.alias",
			  &x->e) != 0)
		return -1;
	db_bind_text(s, 1, x->in->name, -1, DB_STATIC);
	while ((rc = db_step(s)) == DB_ROW) {
		const char *model = (const char *)db_column_text(s, 0), *alias = (const char *)db_column_text(s, 1);
		int64_t version = db_column_int64(s, 2), mid = db_column_int64(s, 3), governed, seq, imported = 0;
		char key[300], subject[200];
		struct db_stmt *d;
		json_t *data;
		size_t i;
		int r;

		snprintf(key, sizeof key, "%s\n%s", model, alias);
		for (i = 0; i < x->nseen && strcmp(x->seen[i], key) != 0; i++)
			;
		if (i < x->nseen)
			continue;
		governed = plugin_governed(x, model, alias, &imported);
		if (governed == 0)
			governed = imported;
		if (governed < 0 || store_prepare(x->st, &d, "DELETE FROM aliases WHERE model_id = ?1 AND alias = ?2", &x->e) != 0)
			break;
		db_bind_int64(d, 1, mid);
		db_bind_text(d, 2, alias, -1, DB_STATIC);
		r = db_step(d);
		db_finalize(d);
		if (r != DB_DONE) {
			store_fail(x->st, &x->e, "removing an alias");
			break;
		}
		data = json_pack("{s:s, s:s, s:n, s:I}", "model", model, "alias", alias, "version", "previous",
				 (json_int_t)version);
		snprintf(subject, sizeof subject, "models:/%s/%" PRId64, model, version);
		r = data == NULL ? err_set(&x->e, ERR_IO, "out of memory")
				 : ledger_append(x->st, actor, governed ? "alias.observed" : "alias.imported", subject, data,
						 &seq, &x->e);
		json_decref(data);
		if (r != 0)
			break;
		if (governed) {
			if (store_prepare(x->st, &d,
					  "INSERT INTO unapproved(model_id, alias, version, observed, seq) VALUES (?1, ?2, 0, ?3, ?4)"
					  " ON CONFLICT(model_id, alias) DO UPDATE SET version = 0, observed = excluded.observed,"
					  " seq = excluded.seq",
					  &x->e) != 0)
				break;
			db_bind_int64(d, 1, mid);
			db_bind_text(d, 2, alias, -1, DB_STATIC);
			db_bind_int64(d, 3, store_now());
			db_bind_int64(d, 4, seq);
			r = db_step(d);
			db_finalize(d);
			if (r != DB_DONE) {
				store_fail(x->st, &x->e, "recording the change");
				break;
			}
			x->r->observed++;
		}
	}
	db_finalize(s);
	if (rc != DB_DONE) {
		if (rc == DB_ROW)
			return -1;
		return store_fail(x->st, &x->e, "reading aliases");
	}
	return 0;
}

/* ---- monitoring records: core/monitor.c keeps them ---- */

static int sink_targets(void *ctx, void (*fn)(void *arg, const struct steward_target *t), void *arg)
{
	struct plugin_sync_ctx *x = ctx;

	return monitor_targets(x->mon, fn, arg);
}

static void sink_window(void *ctx, int64_t *from, int64_t *to, int64_t *step)
{
	struct plugin_sync_ctx *x = ctx;

	monitor_window(x->mon, from, to, step);
}

static int64_t sink_series_last(void *ctx, const char *model, int64_t version, const char *signal)
{
	struct plugin_sync_ctx *x = ctx;

	return monitor_series_last(x->mon, model, version, signal);
}

static int sink_series(void *ctx, const struct steward_series_rec *r)
{
	struct plugin_sync_ctx *x = ctx;

	if (plugin_who(x) != 0 || monitor_series(x->mon, r, &x->e) != 0)
		return plugin_refuse(x, "series");
	x->r->series++;
	return 0;
}

static int sink_histogram(void *ctx, const struct steward_histogram_rec *r)
{
	struct plugin_sync_ctx *x = ctx;

	if (plugin_who(x) != 0 || monitor_histogram(x->mon, r, &x->e) != 0)
		return plugin_refuse(x, "histogram");
	x->r->series++;
	return 0;
}

static int sink_alert(void *ctx, const struct steward_alert_rec *r)
{
	struct plugin_sync_ctx *x = ctx;

	if (plugin_who(x) != 0 || monitor_alert(x->mon, r, &x->e) != 0)
		return plugin_refuse(x, "alert");
	x->r->alerts++;
	return 0;
}

static int sink_silence(void *ctx, const struct steward_silence_rec *r)
{
	struct plugin_sync_ctx *x = ctx;

	if (plugin_who(x) != 0 || monitor_silence(x->mon, r, &x->e) != 0)
		return plugin_refuse(x, "silence");
	x->r->alerts++;
	return 0;
}

/* ---- lineage events: core/lineage.c imports them ---- */

static int64_t sink_lineage_offset(void *ctx, const char *source, char *ident, size_t identn)
{
	struct plugin_sync_ctx *x = ctx;

	return lineage_source_offset(x->st, x->in->name, source, ident, identn);
}

/* A malformed event is the producer's fault, not the sync's: skipped, counted, the first one named. */
static void plugin_lineage_skip(void *arg, const char *source, long line, const char *why)
{
	struct plugin_sync_ctx *x = arg;

	if (x->r->malformed_first[0] == '\0')
		snprintf(x->r->malformed_first, sizeof x->r->malformed_first, "%.100s:%ld: %.180s", source, line, why);
}

static int sink_lineage_event(void *ctx, const char *source, long line, const char *json, size_t len)
{
	struct plugin_sync_ctx *x = ctx;

	if (plugin_who(x) != 0)
		return plugin_refuse(x, "lineage event");
	if (x->li == NULL) {
		if (!store_in_transaction(x->st) && store_begin(x->st, &x->e) != 0)
			return plugin_refuse(x, "lineage event");
		x->li = lineage_import_begin(x->st, x->who, x->in->name, plugin_lineage_skip, x, &x->e);
		if (x->li == NULL)
			return plugin_refuse(x, "lineage event");
	}
	if (lineage_import_event(x->li, source, line, json, len, &x->e) != 0)
		return plugin_refuse(x, "lineage event");
	return 0;
}

static void sink_lineage_mark(void *ctx, const char *source, int64_t offset, const char *ident)
{
	struct plugin_sync_ctx *x = ctx;

	/* Kept with the events: a failed sync rolls both back and the next reads the same bytes again. */
	if (plugin_who(x) != 0 || (!store_in_transaction(x->st) && store_begin(x->st, &x->e) != 0) ||
	    lineage_source_mark(x->st, x->in->name, source, offset, ident, &x->e) != 0) {
		/* The sink cannot refuse: the sync does, at its end, so the events and marks roll back together. */
		x->mark_failed = 1;
		plugin_refuse(x, "lineage mark");
	}
}

/* ---- deployments: core/deploy.c holds them until the sync's end ---- */

static int sink_deployment(void *ctx, const struct steward_deployment_rec *d)
{
	struct plugin_sync_ctx *x = ctx;

	if (plugin_who(x) != 0)
		return plugin_refuse(x, "deployment");
	if (x->dep == NULL) {
		x->dep = deploy_sync_begin(x->in->name, &x->e);
		if (x->dep == NULL)
			return plugin_refuse(x, "deployment");
	}
	if (deploy_sync_record(x->dep, d, &x->e) != 0)
		return plugin_refuse(x, "deployment");
	x->r->deployments++;
	return 0;
}

int plugin_act_call(void *arg, const struct steward_act *act, char *err, size_t errn)
{
	struct plugin_instance *in = arg;

	if (in == NULL || in->p == NULL || in->state == NULL) {
		snprintf(err, errn, "the plugin is not open");
		return -1;
	}
	if (in->p->act == NULL) {
		snprintf(err, errn, "plugin %s makes no changes (it has no act)", in->name);
		return -1;
	}
	return in->p->act(in->state, act, err, errn);
}

/* ---- the worker ---- */

struct plugin_job {
	const char *db_path;
	struct plugin_instance *in;
	struct plugin_sync_ctx x;
	int rc;
	char err[600];
};

/* state: "ok", "partial" or "degraded"; full: this sync was a full pass. */
static void plugin_health_put(struct store *st, const char *name, const char *state, const char *msg, int64_t records,
			      int full)
{
	struct db_stmt *s;
	struct err e;
	int good = strcmp(state, "degraded") != 0;

	if (store_prepare(st, &s,
			  "INSERT INTO plugin_health(name, state, message, last_success, last_attempt, records, last_full)"
			  " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7) ON CONFLICT(name) DO UPDATE SET state = excluded.state,"
			  " message = excluded.message, last_attempt = excluded.last_attempt,"
			  /* The kept values named with the table: PostgreSQL finds a bare name ambiguous beside excluded's. */
			  " last_success = CASE WHEN excluded.state <> 'degraded' THEN excluded.last_success ELSE plugin_health.last_success END,"
			  " records = CASE WHEN excluded.state <> 'degraded' THEN excluded.records ELSE plugin_health.records END,"
			  " last_full = CASE WHEN excluded.last_full > 0 THEN excluded.last_full ELSE plugin_health.last_full END",
			  &e) != 0)
		return;
	db_bind_text(s, 1, name, -1, DB_STATIC);
	db_bind_text(s, 2, state, -1, DB_STATIC);
	db_bind_text(s, 3, msg, -1, DB_STATIC);
	db_bind_int64(s, 4, good ? store_now() : 0);
	db_bind_int64(s, 5, store_now());
	db_bind_int64(s, 6, records);
	db_bind_int64(s, 7, good && full ? store_now() : 0);
	(void)db_step(s);
	db_finalize(s);
}

/* A full pass when asked for, when none ever ran, or when the last is
 * older than the instance's full_sync period (0: every sync is full). */
static int plugin_full_due(struct plugin_sync_ctx *x)
{
	struct db_stmt *s;
	int64_t last = 0;

	if (x->in->force_full || x->in->full_every == 0)
		return 1;
	if (store_prepare(x->st, &s, "SELECT last_full FROM plugin_health WHERE name = ?1", &x->e) != 0)
		return 1;
	db_bind_text(s, 1, x->in->name, -1, DB_STATIC);
	if (db_step(s) == DB_ROW)
		last = db_column_int64(s, 0);
	db_finalize(s);
	return last <= 0 || store_now() - last >= x->in->full_every || store_now() < last;
}

static void *plugin_worker(void *arg)
{
	struct plugin_job *j = arg;
	struct plugin_sync_ctx *x = &j->x;
	struct steward_sink sink = {
		.ctx = x,
		.model = sink_model,
		.version = sink_version,
		.metric = sink_metric,
		.alias = sink_alias,
		.progress = sink_progress,
		.cancelled = sink_cancelled,
		.message = sink_message,
		.have_digest = sink_have_digest,
		.digest_note = sink_digest_note,
		.unchanged = sink_unchanged,
		.stamp = sink_stamp,
		.targets = sink_targets,
		.window = sink_window,
		.series_last = sink_series_last,
		.series = sink_series,
		.histogram = sink_histogram,
		.alert = sink_alert,
		.silence = sink_silence,
		.lineage_offset = sink_lineage_offset,
		.lineage_event = sink_lineage_event,
		.lineage_mark = sink_lineage_mark,
		.deployment = sink_deployment,
	};
	struct timespec t0, t1;
	char perr[512] = "";
	int before, registry, retries = 0;
	struct plugin_sync_result r0;

	clock_gettime(CLOCK_MONOTONIC, &t0);
	/* Its own connection: SQLite handles are not shared between threads. */
	x->st = store_open(j->db_path, 0, &x->e);
	if (x->st == NULL) {
		snprintf(j->err, sizeof j->err, "%s", x->e.msg);
		j->rc = -1;
		return NULL;
	}
	/* A registry's records land together or not at all, in one transaction
	 * around the whole sync. A monitoring source (no registry capability)
	 * hands records the core holds (core/monitor.c) and writes, with its
	 * end (alert sets, drift, signed observations), in one transaction at
	 * the end: waiting on its backend never holds the write lock a
	 * colleague's approval needs. */
	/* A lineage source reads local files: no backend to wait on, so it too
	 * holds one transaction, and a file's mark lands with its events. */
	registry = (j->in->p->caps & (STEWARD_CAP_REGISTRY | STEWARD_CAP_LINEAGE)) != 0;
	if (registry && store_begin(x->st, &x->e) != 0) {
		snprintf(j->err, sizeof j->err, "%s", x->e.msg);
		store_close(x->st);
		j->rc = -1;
		return NULL;
	}
	x->full = plugin_full_due(x);
	x->r->full = x->full;
	before = store_total_changes(x->st);
	r0 = *x->r;
again:
	x->mon = monitor_sync_begin(x->st, j->in->name, j->in->p->caps, &x->e);
	if (x->mon == NULL) {
		snprintf(perr, sizeof perr, "starting the sync");
		snprintf(x->msg, sizeof x->msg, "%.500s", x->e.msg);
		j->rc = -1;
	} else
		j->rc = j->in->p->sync(j->in->state, &sink, perr, sizeof perr);
	/* A sync that wrote nothing ends here too: nothing lands, and no health
	 * is kept, for a key that may not act. */
	if (j->rc == 0 && plugin_who(x) != 0) {
		snprintf(perr, sizeof perr, "identifying the key");
		snprintf(x->msg, sizeof x->msg, "%.500s", x->e.msg);
		j->rc = -1;
	}
	/* (An alert source's set may have begun it already.) */
	if (j->rc == 0 && !store_in_transaction(x->st) && store_begin(x->st, &x->e) != 0) {
		snprintf(perr, sizeof perr, "finishing the sync");
		snprintf(x->msg, sizeof x->msg, "%.500s", x->e.msg);
		j->rc = -1;
	}
	if (j->rc == 0 && x->mark_failed) {
		snprintf(perr, sizeof perr, "keeping where a lineage source stands");
		j->rc = -1;
	}
	if (j->rc == 0 && x->li != NULL) {
		struct lineage_stats ls;

		if (lineage_import_end(x->li, &ls, &x->e) != 0) {
			snprintf(perr, sizeof perr, "keeping the lineage");
			snprintf(x->msg, sizeof x->msg, "%.500s", x->e.msg);
			j->rc = -1;
		} else {
			x->r->events = ls.events;
			x->r->imported = ls.imported;
			x->r->duplicates = ls.duplicates;
			x->r->malformed = ls.malformed;
			x->r->attested = ls.attested;
		}
	}
	lineage_import_free(x->li);
	x->li = NULL;
	if (j->rc == 0 && monitor_sync_end(x->mon, x->who, &x->e) != 0) {
		/* A silence made here while the source was read: read it again,
		 * so the act is not undone by an answer from before it. Only a
		 * monitoring source's records are read again (a registry's or
		 * lineage's are counted and kept as they arrive). */
		if (monitor_sync_stale(x->mon) && !registry && x->dep == NULL && retries++ < 3) {
			if (store_in_transaction(x->st))
				store_rollback(x->st);
			monitor_sync_free(x->mon);
			x->mon = NULL;
			*x->r = r0;
			err_clear(&x->e);
			perr[0] = '\0';
			x->msg[0] = '\0';
			goto again;
		}
		snprintf(perr, sizeof perr, "keeping the monitoring data");
		snprintf(x->msg, sizeof x->msg, "%.500s", x->e.msg);
		j->rc = -1;
	}
	monitor_sync_free(x->mon);
	x->mon = NULL;
	if (j->rc == 0 && x->dep != NULL) {
		int64_t seen = 0;

		if (deploy_sync_end(x->st, x->dep, &seen, &x->e) != 0) {
			snprintf(perr, sizeof perr, "keeping the deployments");
			snprintf(x->msg, sizeof x->msg, "%.500s", x->e.msg);
			j->rc = -1;
		}
		x->r->observed += seen;
	}
	deploy_sync_free(x->dep);
	x->dep = NULL;
	if (j->rc == 0 && plugin_vanished(x) != 0) {
		snprintf(perr, sizeof perr, "checking for deleted aliases");
		snprintf(x->msg, sizeof x->msg, "%.500s", x->e.msg);
		j->rc = -1;
	}
	if (j->rc == 0) {
		x->r->written = store_total_changes(x->st) - before;
		if (store_commit(x->st, &x->e) != 0) {
			snprintf(j->err, sizeof j->err, "%s", x->e.msg);
			j->rc = -1;
		}
	} else {
		/* All of one sync's writes land together or not at all (a
		 * monitoring source's records before the failure stay). */
		if (store_in_transaction(x->st))
			store_rollback(x->st);
		/* The core's reason, unless the plugin already passed it on. */
		int dup = x->msg[0] == '\0' || strstr(perr, x->msg) != NULL;

		snprintf(j->err, sizeof j->err, "%.300s%s%.280s", perr[0] ? perr : "sync failed", dup ? "" : ": ",
			 dup ? "" : x->msg);
		x->r->written = 0;
		x->r->observed = 0;
	}
	for (size_t i = 0; i < x->nseen; i++)
		free(x->seen[i]);
	free(x->seen);
	x->seen = NULL;
	x->nseen = 0;
	if (x->who_state >= 0) {
		char msg[600] = "";

		if (j->rc == 0 && x->r->unverified > 0)
			snprintf(msg, sizeof msg, "partial: the artifacts of %" PRId64 " version%s could not be read (%s)",
				 x->r->unverified, x->r->unverified == 1 ? "" : "s", x->r->partial);
		else if (j->rc == 0 && x->r->malformed > 0)
			snprintf(msg, sizeof msg, "partial: %" PRId64 " malformed event%s skipped (first: %s)", x->r->malformed,
				 x->r->malformed == 1 ? "" : "s", x->r->malformed_first);
		plugin_health_put(x->st, j->in->name,
				  j->rc != 0 ? "degraded" : x->r->unverified > 0 || x->r->malformed > 0 ? "partial" : "ok",
				  j->rc != 0 ? j->err : msg,
				  x->r->models + x->r->versions + x->r->metrics + x->r->aliases + x->r->series + x->r->alerts +
					  x->r->imported + x->r->deployments,
				  j->rc == 0 && x->full);
	}
	if (j->rc == 0)
		j->in->force_full = 0;
	store_close(x->st);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	x->r->seconds = (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
	return NULL;
}


struct plugin_bg {
	pthread_t t;
	struct plugin_job job;
	struct plugin_sync_result r;
	volatile int done;
};

static void *plugin_bg_main(void *arg)
{
	struct plugin_bg *b = arg;

	plugin_worker(&b->job);
	__atomic_store_n(&b->done, 1, __ATOMIC_RELEASE);
	return NULL;
}

struct plugin_bg *plugin_sync_start(const char *db_path, struct plugin_instance *in, const struct principal *who,
				    plugin_progress_fn progress, void *arg, struct err *e)
{
	struct plugin_bg *b;

	if (in->state == NULL) {
		err_set(e, ERR_STORE, "plugin %s is not open", in->name);
		return NULL;
	}
	b = calloc(1, sizeof *b);
	if (b == NULL) {
		err_set(e, ERR_IO, "out of memory");
		return NULL;
	}
	b->job.db_path = db_path;
	b->job.in = in;
	b->job.x.in = in;
	b->job.x.who = who;
	b->job.x.r = &b->r;
	b->job.x.progress = progress;
	b->job.x.arg = arg;
	if (pthread_create(&b->t, NULL, plugin_bg_main, b) != 0) {
		free(b);
		err_set(e, ERR_IO, "cannot start a sync worker");
		return NULL;
	}
	return b;
}

int plugin_sync_done(const struct plugin_bg *b)
{
	return __atomic_load_n(&b->done, __ATOMIC_ACQUIRE);
}

void plugin_sync_cancel(struct plugin_bg *b)
{
	__atomic_store_n(&b->job.x.cancel, 1, __ATOMIC_RELEASE);
}

int plugin_sync_finish(struct plugin_bg *b, struct plugin_sync_result *r, struct err *e)
{
	int rc;

	pthread_join(b->t, NULL);
	rc = b->job.rc;
	if (r != NULL)
		*r = b->r;
	if (rc != 0)
		err_set(e, ERR_IO, "[plugin %s] sync failed, nothing was recorded: %s", b->job.in->name, b->job.err);
	free(b);
	return rc;
}

void plugin_sync_abandon(struct plugin_bg *b)
{
	pthread_detach(b->t);
}

int plugin_sync(const char *db_path, struct plugin_instance *in, const struct principal *who,
		plugin_progress_fn progress, void *arg, struct plugin_sync_result *r, struct err *e)
{
	struct plugin_bg *b;

	memset(r, 0, sizeof *r);
	b = plugin_sync_start(db_path, in, who, progress, arg, e);
	if (b == NULL)
		return -1;
	return plugin_sync_finish(b, r, e);
}

/* ---- the registry backend of governed moves ---- */

static int plugin_backend_config(struct plugin_backend *b, char *err, size_t errn);

static int plugin_backend_set_alias(void *arg, const char *model, const char *alias, int64_t version,
				    const struct steward_kv *tags, size_t ntags, char *err, size_t errn)
{
	struct plugin_backend *b = arg;
	struct steward_act act = { .kind = STEWARD_ACT_SET_ALIAS, .model = model, .alias = alias, .version = version,
				   .tags = tags, .ntags = ntags };
	struct plugin_instance *in;
	struct reg_model m;
	struct err e;

	err_clear(&e);
	memset(&m, 0, sizeof m);
	if (registry_model_get(b->st, model, &m, &e) != 0) {
		snprintf(err, errn, "%s", e.msg);
		return -1;
	}
	if (strcmp(m.source, "local") == 0) {
		registry_model_clear(&m);
		return 0;
	}
	if (plugin_backend_config(b, err, errn) != 0) {
		registry_model_clear(&m);
		return -1;
	}
	in = plugin_for_source(&b->pc, m.source);
	if (in == NULL) {
		snprintf(err, errn, "%s is synced from plugin %s, which is not configured here; refusing to move it only locally",
			 model, m.source);
		registry_model_clear(&m);
		return -1;
	}
	registry_model_clear(&m);
	if (plugin_open(in, &b->pc, &e) != 0) {
		snprintf(err, errn, "%s", e.msg);
		return -1;
	}
	if (!(in->p->caps & STEWARD_CAP_REGISTRY) || in->p->act == NULL) {
		snprintf(err, errn, "plugin %s cannot move aliases", in->name);
		return -1;
	}
	return in->p->act(in->state, &act, err, errn);
}

/* The configuration, read once per backend: a file named on purpose must exist, the default one may not. */
static int plugin_backend_config(struct plugin_backend *b, char *err, size_t errn)
{
	char path[4096];
	struct err e;

	if (b->loaded)
		return 0;
	err_clear(&e);
	if (b->has_config)
		snprintf(path, sizeof path, "%s", b->config);
	else if (plugin_config_path(path, sizeof path, &e) != 0) {
		snprintf(err, errn, "%s", e.msg);
		return -1;
	}
	if (plugin_config_load(path, b->has_config, &b->pc, &e) != 0) {
		snprintf(err, errn, "%s", e.msg);
		return -1;
	}
	b->loaded = 1;
	return 0;
}

static int plugin_backend_set_traffic(void *arg, const char *plugin, const char *model, const struct steward_traffic *t,
				      size_t n, char *err, size_t errn)
{
	struct plugin_backend *b = arg;
	struct steward_act act = { .kind = STEWARD_ACT_SET_TRAFFIC, .model = model, .traffic = t, .ntraffic = n };
	struct plugin_instance *in;
	struct err e;

	if (plugin_backend_config(b, err, errn) != 0)
		return -1;
	in = plugin_find(&b->pc, plugin);
	if (in == NULL) {
		snprintf(err, errn, "the deployments of %s came from plugin %s, which is not configured here (%s)", model, plugin,
			 b->pc.path[0] ? b->pc.path : "no configuration file");
		return -1;
	}
	err_clear(&e);
	if (plugin_open(in, &b->pc, &e) != 0) {
		snprintf(err, errn, "%s", e.msg);
		return -1;
	}
	if (!(in->p->caps & STEWARD_CAP_DEPLOY) || in->p->act == NULL) {
		snprintf(err, errn, "plugin %s cannot move traffic", in->name);
		return -1;
	}
	return in->p->act(in->state, &act, err, errn);
}

struct plugin_instance *plugin_backend_instance(struct plugin_backend *b, const char *name, char *err, size_t errn)
{
	struct plugin_instance *in;
	struct err e;

	if (plugin_backend_config(b, err, errn) != 0)
		return NULL;
	in = plugin_find(&b->pc, name);
	if (in == NULL) {
		snprintf(err, errn, "plugin %s is not configured here (%s)", name, b->pc.path[0] ? b->pc.path : "no configuration file");
		return NULL;
	}
	err_clear(&e);
	if (plugin_open(in, &b->pc, &e) != 0) {
		snprintf(err, errn, "%s", e.msg);
		return NULL;
	}
	return in;
}

void plugin_backend_init(struct plugin_backend *b, struct store *st, const char *config_path)
{
	memset(b, 0, sizeof *b);
	b->st = st;
	if (config_path != NULL) {
		snprintf(b->config, sizeof b->config, "%s", config_path);
		b->has_config = 1;
	}
	b->gb.set_alias = plugin_backend_set_alias;
	b->gb.set_traffic = plugin_backend_set_traffic;
	b->gb.arg = b;
}

void plugin_backend_free(struct plugin_backend *b)
{
	if (b->loaded)
		plugin_config_free(&b->pc);
	b->loaded = 0;
}

int plugin_health_get(struct store *st, const char *name, struct plugin_health *h, struct err *e)
{
	struct db_stmt *s;
	int rc;

	memset(h, 0, sizeof *h);
	snprintf(h->name, sizeof h->name, "%s", name);
	snprintf(h->state, sizeof h->state, "never");
	if (store_prepare(st, &s, "SELECT state, message, last_success, last_attempt, records FROM plugin_health WHERE name = ?1",
			  e) != 0)
		return -1;
	db_bind_text(s, 1, name, -1, DB_STATIC);
	rc = db_step(s);
	if (rc == DB_ROW) {
		snprintf(h->state, sizeof h->state, "%s", (const char *)db_column_text(s, 0));
		snprintf(h->message, sizeof h->message, "%s", (const char *)db_column_text(s, 1));
		h->last_success = db_column_int64(s, 2);
		h->last_attempt = db_column_int64(s, 3);
		h->records = db_column_int64(s, 4);
	}
	db_finalize(s);
	return rc == DB_ROW || rc == DB_DONE ? 0 : store_fail(st, e, "reading plugin health");
}

int plugin_unapproved_list(struct store *st, const char *model, struct plugin_unapproved **out, size_t *n,
			   struct err *e)
{
	struct db_stmt *s;
	int rc;

	*out = NULL;
	*n = 0;
	if (store_prepare(st, &s,
			  "SELECT m.name, u.alias, u.version, u.seq, u.observed FROM unapproved u JOIN models m ON m.id = u.model_id"
			  " WHERE CAST(?1 AS TEXT) IS NULL OR m.name = ?1 ORDER BY m.name, u.alias",
			  e) != 0)
		return -1;
	if (model != NULL)
		db_bind_text(s, 1, model, -1, DB_STATIC);
	while ((rc = db_step(s)) == DB_ROW) {
		struct plugin_unapproved *nv = realloc(*out, (*n + 1) * sizeof **out);

		if (nv == NULL) {
			db_finalize(s);
			return err_set(e, ERR_IO, "out of memory");
		}
		*out = nv;
		snprintf(nv[*n].model, sizeof nv[0].model, "%s", (const char *)db_column_text(s, 0));
		snprintf(nv[*n].alias, sizeof nv[0].alias, "%s", (const char *)db_column_text(s, 1));
		nv[*n].version = db_column_int64(s, 2);
		nv[*n].seq = db_column_int64(s, 3);
		nv[(*n)++].observed = db_column_int64(s, 4);
	}
	db_finalize(s);
	return rc == DB_DONE ? 0 : store_fail(st, e, "reading unapproved changes");
}
