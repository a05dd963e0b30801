/* gate: gathers evidence from the store, evaluates the policy in force, and records promotions, rollbacks and enrolments. */
#include "gate.h"
#include "deploy.h"
#include "lineage.h"

#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <jansson.h>
#include <sodium.h>

#include "approval.h"
#include "card.h"
#include "check.h"
#include "dsse.h"
#include "file.h"
#include "ledger.h"
#include "monitor.h"
#include "record.h"
#include "registry.h"

void gate_digest(const void *buf, size_t len, char out[72])
{
	uint8_t h[crypto_hash_sha256_BYTES];
	char hex[2 * sizeof h + 1];

	crypto_hash_sha256(h, buf, len);
	sodium_bin2hex(hex, sizeof hex, h, sizeof h);
	snprintf(out, 72, "sha256:%s", hex);
}

/* Policy files: regular files only, so a FIFO named in the store cannot hang a gate. */
static char *gate_read_file(const char *path, size_t max, size_t *len, struct err *e)
{
	char *buf;

	return file_read(path, "policy file", max, &buf, len, e) == 0 ? buf : NULL;
}

void gate_free(struct gate *g)
{
	policy_free(&g->pol);
	evidence_free(&g->ev);
	memset(g, 0, sizeof *g);
}

/* ---- evidence ---- */

static int gate_version_id(struct store *st, const char *model, int64_t version, int64_t *mid, int64_t *vid,
			   struct err *e)
{
	struct db_stmt *s;
	int rc;

	if (store_stmt(st, &s,
			  "SELECT m.id, v.id FROM versions v JOIN models m ON m.id = v.model_id"
			  " WHERE m.name = ?1 AND v.version = ?2",
			  e) != 0)
		return -1;
	db_bind_text(s, 1, model, -1, DB_STATIC);
	db_bind_int64(s, 2, version);
	rc = db_step(s);
	if (rc == DB_ROW) {
		*mid = db_column_int64(s, 0);
		*vid = db_column_int64(s, 1);
	}
	store_stmt_done(st, s);
	if (rc == DB_ROW)
		return 0;
	return rc == DB_DONE ? err_set(e, ERR_NOTFOUND, "model \"%s\" has no version %" PRId64, model, version)
			     : store_fail(st, e, "reading a version");
}

/* Monitoring and alerts as a principal signed them (core/monitor.c), not
 * the cache tables: those a writer of the store file could change. */
static int gate_monitor(struct store *st, int64_t mid, int64_t vid, struct evidence *ev, struct err *e)
{
	struct monitor_evidence me;
	size_t i;

	(void)mid;
	(void)vid;
	if (monitor_gate_evidence(st, ev->model, ev->version, ev->now, &me, e) != 0)
		return -1;
	snprintf(ev->monitor_note, sizeof ev->monitor_note, "%s", me.why);
	snprintf(ev->alerts_note, sizeof ev->alerts_note, "%s", me.alerts_why);
	ev->has_monitor = me.has_monitor;
	ev->has_alerts = me.has_alerts;
	if (me.nlive + me.ndrift + me.nalerts > 0) {
		ev->live = calloc(me.nlive + 1, sizeof *ev->live);
		ev->drift = calloc(me.ndrift + 1, sizeof *ev->drift);
		ev->alerts = calloc(me.nalerts + 1, sizeof *ev->alerts);
		if (ev->live == NULL || ev->drift == NULL || ev->alerts == NULL)
			return err_set(e, ERR_IO, "out of memory");
	}
	for (i = 0; i < me.nlive; i++) {
		snprintf(ev->live[i].name, sizeof ev->live[i].name, "%s", me.live[i].name);
		ev->live[i].value = me.live[i].value;
	}
	ev->nlive = me.nlive;
	for (i = 0; i < me.ndrift; i++) {
		snprintf(ev->drift[i].name, sizeof ev->drift[i].name, "%s", me.drift[i].name);
		ev->drift[i].value = me.drift[i].value;
	}
	ev->ndrift = me.ndrift;
	for (i = 0; i < me.nalerts; i++) {
		snprintf(ev->alerts[i].name, sizeof ev->alerts[i].name, "%s", me.alerts[i].name);
		ev->alerts[i].value = me.alerts[i].value;
	}
	ev->nalerts = me.nalerts;
	/* Canary traffic as a principal decided it (signed deploy.traffic
	 * entries), not the deployments a sync cached. */
	{
		struct deploy_canary c;

		if (deploy_canary_of(st, ev->model, ev->version, &c, e) != 0)
			return -1;
		if (c.has) {
			ev->has_canary = 1;
			ev->canary_weight = c.share;
			ev->canary_since = c.since;
		}
	}
	return 0;
}

/* Lineage as a principal signed it (the newest lineage.set entry), not the
 * lineage tables: those a writer of the store file could change. */
static int gate_lineage(struct store *st, struct evidence *ev, struct err *e)
{
	struct lineage_evidence le;
	struct lineage_status ls;

	if (lineage_gate_evidence(st, ev->model, ev->version, &le, e) != 0)
		return -1;
	if (le.has) {
		ev->has_lineage = 1;
		ev->lineage_complete = le.complete;
		snprintf(ev->lineage_note, sizeof ev->lineage_note, "%.300s (signed by %s, ledger entry %" PRId64 ")%s", le.why,
			 le.signer, le.seq, le.current ? "" : "; the store's lineage changed since");
		return 0;
	}
	if (lineage_status_of(st, ev->model, ev->version, &ls, e) != 0)
		return -1;
	if (ls.has)
		snprintf(ev->lineage_note, sizeof ev->lineage_note,
			 "lineage is in the store (%s) but no lineage.set entry signs it: run 'steward lineage attest %s %" PRId64 " --key FILE'",
			 ls.complete ? "complete" : "incomplete", ev->model, ev->version);
	lineage_status_free(&ls);
	return 0;
}

static int gate_card(struct store *st, const char *model, int64_t version, struct evidence *ev, struct err *e)
{
	struct card c;
	size_t i;

	if (registry_card_get(st, model, version, &c, e) != 0)
		return -1;
	ev->has_card = c.n > 0;
	ev->card = calloc(c.n + 1, sizeof *ev->card);
	if (ev->card == NULL) {
		card_free(&c);
		return err_set(e, ERR_IO, "out of memory");
	}
	for (i = 0; i < c.n; i++) {
		const char *b = c.s[i].body;

		/* A heading with nothing under it is not a section written. */
		while (*b == ' ' || *b == '\n' || *b == '\t' || *b == '\r')
			b++;
		if (*b != '\0')
			snprintf(ev->card[ev->ncard++], sizeof ev->card[0], "%s", c.s[i].title);
	}
	card_free(&c);
	return 0;
}

/* The evidence in the tables must be what the signed evidence entries
 * recorded (record.h): a table edited outside steward, or evidence a
 * plugin synced without a principal, must not move a gate. 0 when all
 * agrees (the digest state and author taken from the ledger), 1 with
 * g->refusal naming what disagrees, -1 on error. */
static int gate_attested(struct store *st, struct gate *g, const struct reg_model *m, const struct reg_version *v,
			 const struct reg_metrics *ml, struct err *e)
{
	struct record_evidence rec;
	struct card c;
	char cd[72];
	size_t i, j;
	int r = 1;

	if (record_load(st, g->model, g->version, &rec, e) != 0) {
		snprintf(g->refusal, sizeof g->refusal, "evidence of %s v%" PRId64 " cannot be trusted: %.500s", g->model,
			 g->version, e->msg);
		return 1;
	}
	if (rec.tier_seq == 0 || rec.version_seq == 0) {
		snprintf(g->refusal, sizeof g->refusal,
			 "%s v%" PRId64 " has no signed record in the ledger (synced without a principal?): run 'steward sync --key FILE' to attest it",
			 g->model, g->version);
		goto out;
	}
	if (strcmp(rec.tier, registry_tier_name(m->tier)) != 0) {
		snprintf(g->refusal, sizeof g->refusal,
			 "model %s is tier %s in the store but ledger entry %" PRId64 " recorded %s (changed outside steward)",
			 g->model, registry_tier_name(m->tier), rec.tier_seq, rec.tier);
		goto out;
	}
	if (strcmp(rec.digest, v->digest) != 0 || strcmp(rec.author, v->author) != 0) {
		snprintf(g->refusal, sizeof g->refusal,
			 "%s v%" PRId64 " has digest %.19s... by '%.60s' in the store but ledger entry %" PRId64
			 " recorded %.19s... by '%.60s' (changed outside steward)",
			 g->model, g->version, v->digest, v->author, rec.version_seq, rec.digest, rec.author);
		goto out;
	}
	if (registry_card_get(st, g->model, g->version, &c, e) != 0) {
		r = -1;
		goto out;
	}
	if (c.n > 0 && record_card_digest(&c, cd) != 0) {
		card_free(&c);
		r = err_set(e, ERR_IO, "out of memory");
		goto out;
	}
	if ((c.n > 0) != (rec.card_seq != 0) || (c.n > 0 && strcmp(cd, rec.card) != 0)) {
		snprintf(g->refusal, sizeof g->refusal,
			 c.n > 0 && rec.card_seq == 0
				 ? "the card of %s v%" PRId64 " has no signed record in the ledger (changed outside steward or unattested)"
				 : "the card of %s v%" PRId64 " is not the one ledger entry %" PRId64 " recorded (changed outside steward)",
			 g->model, g->version, rec.card_seq);
		card_free(&c);
		goto out;
	}
	card_free(&c);
	for (i = 0; i < ml->n; i++) {
		for (j = 0; j < rec.nmet; j++)
			if (strcmp(rec.met[j].name, ml->v[i].name) == 0 && strcmp(rec.met[j].dataset, ml->v[i].dataset) == 0 &&
			    strcmp(rec.met[j].slice, ml->v[i].slice) == 0)
				break;
		if (j == rec.nmet || rec.met[j].value != ml->v[i].value) {
			snprintf(g->refusal, sizeof g->refusal,
				 "metric %.60s%s%.60s%s%.80s of %s v%" PRId64 " is %g in the store but %s (changed outside steward)",
				 ml->v[i].name, ml->v[i].dataset[0] ? " on " : "", ml->v[i].dataset, ml->v[i].slice[0] ? " " : "",
				 ml->v[i].slice, g->model, g->version, ml->v[i].value,
				 j == rec.nmet ? "no signed entry recorded it" : "the ledger recorded another value");
			goto out;
		}
	}
	if (ml->n != rec.nmet) {
		snprintf(g->refusal, sizeof g->refusal,
			 "%s v%" PRId64 " has %zu metrics in the store but the ledger recorded %zu (deleted outside steward)",
			 g->model, g->version, ml->n, rec.nmet);
		goto out;
	}
	g->ev.has_digest_state = 1;
	g->ev.digest_verified = rec.verified;
	snprintf(g->ev.author, sizeof g->ev.author, "%s", rec.author);
	r = 0;
out:
	record_evidence_free(&rec);
	return r;
}

/* Whether the gate's evidence rests on where alias a points. */
static int gate_alias_wanted(const struct gate *g, const struct reg_alias *a)
{
	return a->version == g->version || strcmp(a->alias, g->to) == 0;
}

/* Each alias the evidence rests on must point where the last move the
 * ledger recorded put it (an UPDATE of the alias table moves nothing):
 * the aliases at the version (its stage, and each stage's time-in-stage)
 * and the target's. Each of those then takes its time from that move's
 * signed entry, not from the table's column. The model's other aliases
 * take no part in this gate: proving them too walked back to moves made
 * once long ago (a blue/green pair set by an admin on the first version)
 * and hashed every move since, about half of a gate on the bench estate.
 * The ledger check and audit verify reconcile the whole table. */
static int gate_aliases_attested(struct store *st, struct gate *g, struct reg_aliases *al, struct err *e)
{
	struct record_moves mv;
	const char **names;
	size_t i, k, n = 0;
	int rc;

	if (al->n == 0)
		return 0;
	names = calloc(al->n, sizeof *names);
	if (names == NULL)
		return err_set(e, ERR_IO, "out of memory");
	for (i = 0; i < al->n; i++)
		if (gate_alias_wanted(g, &al->v[i]))
			names[n++] = al->v[i].alias;
	if (n == 0) {
		free(names);
		return 0;
	}
	/* One read back from the newest move for all its aliases, stopping
	 * once each is found: every act on a model used to verify its whole
	 * history of moves, which grows with every release. */
	rc = record_alias_newest(st, g->model, names, n, &mv, e);
	free(names);
	if (rc != 0) {
		snprintf(g->refusal, sizeof g->refusal, "the aliases of %s cannot be trusted: %.500s", g->model, e->msg);
		return 1;
	}
	for (i = 0; i < al->n; i++) {
		int64_t last = 0, seq = 0, when = 0;

		if (!gate_alias_wanted(g, &al->v[i]))
			continue;
		for (k = mv.n; k-- > 0;)
			if (strcmp(mv.v[k].alias, al->v[i].alias) == 0) {
				last = mv.v[k].version;
				seq = mv.v[k].seq;
				when = mv.v[k].time;
				break;
			}
		if (last != al->v[i].version) {
			record_moves_free(&mv);
			if (seq == 0)
				snprintf(g->refusal, sizeof g->refusal,
					 "alias %s of %s points at v%" PRId64 " but no ledger entry ever moved it (changed outside steward)",
					 al->v[i].alias, g->model, al->v[i].version);
			else
				snprintf(g->refusal, sizeof g->refusal,
					 "alias %s of %s points at v%" PRId64 " but ledger entry %" PRId64
					 " put it at v%" PRId64 " (changed outside steward)",
					 al->v[i].alias, g->model, al->v[i].version, seq, last);
			return 1;
		}
		if (when <= 0) {
			record_moves_free(&mv);
			snprintf(g->refusal, sizeof g->refusal, "ledger entry %" PRId64 " moving alias %s of %s has no time",
				 seq, al->v[i].alias, g->model);
			return 1;
		}
		al->v[i].updated = when;
	}
	record_moves_free(&mv);
	return 0;
}

/* Everything the rules look at for MODEL VERSION going to `to`; rq,
 * when not NULL, is request as the caller just read it. */
static int gate_evidence(struct store *st, struct gate *g, int64_t request, const struct approval_request *rq_read,
			 struct err *e)
{
	struct evidence *ev = &g->ev;
	struct reg_model m;
	struct reg_version v;
	struct reg_metrics ml;
	struct reg_aliases al;
	int64_t mid, vid;
	size_t i;
	int r = -1;

	memset(&m, 0, sizeof m);
	memset(&v, 0, sizeof v);
	memset(&ml, 0, sizeof ml);
	if (registry_model_get(st, g->model, &m, e) != 0)
		return -1;
	if (registry_version_get(st, g->model, g->version, &v, e) != 0 ||
	    gate_version_id(st, g->model, g->version, &mid, &vid, e) != 0)
		goto out;
	snprintf(ev->model, sizeof ev->model, "%s", g->model);
	ev->version = g->version;
	snprintf(ev->tier, sizeof ev->tier, "%s", registry_tier_name(m.tier));
	approval_stage_of(v.aliases, g->from, sizeof g->from);
	snprintf(ev->from, sizeof ev->from, "%s", g->from);
	snprintf(ev->to, sizeof ev->to, "%s", g->to);
	snprintf(ev->digest, sizeof ev->digest, "%s", v.digest);
	snprintf(ev->author, sizeof ev->author, "%s", v.author);
	ev->now = store_now();
	if (request == 0) {
		struct db_stmt *s;

		if (store_stmt(st, &s,
				  "SELECT id FROM requests WHERE version_id = ?1 AND to_stage = ?2 AND state = 'open'"
				  " AND kind = 'promotion' ORDER BY id DESC LIMIT 1",
				  e) != 0)
			goto out;
		db_bind_int64(s, 1, vid);
		db_bind_text(s, 2, g->to, -1, DB_STATIC);
		if (db_step(s) == DB_ROW)
			request = db_column_int64(s, 0);
		store_stmt_done(st, s);
	}
	if (request != 0) {
		struct approval_request own;
		const struct approval_request *rq = &own;

		/* The caller's copy, when it read this request: its decisions,
		 * each a signature proven, are not read and proven twice. */
		if (rq_read != NULL && rq_read->id == request)
			rq = rq_read;
		else if (approval_request_get(st, request, &own, e) != 0)
			goto out;
		g->request = request;
		ev->has_request = 1;
		snprintf(ev->requester, sizeof ev->requester, "%s", rq->requester);
		snprintf(g->request_policy, sizeof g->request_policy, "%s", rq->policy);
		ev->appr = calloc(rq->n + 1, sizeof *ev->appr);
		for (i = 0; ev->appr != NULL && i < rq->n; i++) {
			struct ev_approval *a = &ev->appr[ev->nappr++];

			snprintf(a->principal, sizeof a->principal, "%s", rq->v[i].principal);
			snprintf(a->role, sizeof a->role, "%s", rq->v[i].role);
			a->counts = rq->v[i].counts && rq->v[i].approve;
			a->issued = rq->v[i].issued;
			snprintf(a->policy, sizeof a->policy, "%s", rq->policy);
		}
		if (rq == &own)
			approval_request_clear(&own);
		if (ev->appr == NULL) {
			err_set(e, ERR_IO, "out of memory");
			goto out;
		}
	}
	if (registry_metric_list(st, g->model, g->version, &ml, e) != 0)
		goto out;
	ev->met = calloc(ml.n + 1, sizeof *ev->met);
	for (i = 0; ev->met != NULL && i < ml.n; i++) {
		struct ev_metric *x = &ev->met[ev->nmet++];

		snprintf(x->name, sizeof x->name, "%s", ml.v[i].name);
		snprintf(x->dataset, sizeof x->dataset, "%s", ml.v[i].dataset);
		snprintf(x->slice, sizeof x->slice, "%s", ml.v[i].slice);
		x->value = ml.v[i].value;
	}
	if (ev->met == NULL) {
		err_set(e, ERR_IO, "out of memory");
		goto out;
	}
	if (gate_card(st, g->model, g->version, ev, e) != 0 || gate_monitor(st, mid, vid, ev, e) != 0 ||
	    gate_lineage(st, ev, e) != 0)
		goto out;
	{
		/* Synced versions say whether steward read the bytes; a version
		 * registered here carries the digest it was registered with. */
		struct db_stmt *s;

		if (store_stmt(st, &s, "SELECT digest_verified FROM version_sync WHERE version_id = ?1", e) != 0)
			goto out;
		db_bind_int64(s, 1, vid);
		ev->has_digest_state = 1;
		ev->digest_verified = db_step(s) == DB_ROW ? db_column_int(s, 0) : 1;
		store_stmt_done(st, s);
	}
	if (gate_attested(st, g, &m, &v, &ml, e) < 0)
		goto out;
	if (registry_alias_list(st, g->model, &al, e) != 0)
		goto out;
	if (g->refusal[0] == '\0' && gate_aliases_attested(st, g, &al, e) < 0) {
		registry_aliases_free(&al);
		goto out;
	}
	for (i = 0; i < al.n && ev->nstages < sizeof ev->stages / sizeof ev->stages[0]; i++)
		if (al.v[i].version == g->version) {
			snprintf(ev->stages[ev->nstages].stage, sizeof ev->stages[0].stage, "%s", al.v[i].alias);
			ev->stages[ev->nstages++].since = al.v[i].updated;
		}
	registry_aliases_free(&al);
	r = 0;
out:
	registry_metrics_free(&ml);
	registry_model_clear(&m);
	registry_version_clear(&v);
	return r;
}

/* The policy in force for the tier, checked against its file: returns 0
 * with g->pol parsed, 1 with g->refusal set, -1 on error. */
static int gate_policy(struct store *st, struct gate *g, struct err *e)
{
	char *text = NULL, *file, fdigest[72];
	struct db_stmt *s;
	size_t len;
	int rc;

	rc = approval_policy_for_tier(st, g->ev.tier, g->policy_name, &g->policy_version, g->policy_digest, &text, e);
	if (rc < 0)
		return -1;
	if (rc == 0) {
		snprintf(g->refusal, sizeof g->refusal,
			 "no policy is enrolled for tier %s: nothing may be promoted (default deny); run 'steward policy enroll FILE'",
			 g->ev.tier);
		return 1;
	}
	if (store_stmt(st, &s, "SELECT path FROM policies WHERE digest = ?1 ORDER BY id DESC LIMIT 1", e) != 0) {
		free(text);
		return -1;
	}
	db_bind_text(s, 1, g->policy_digest, -1, DB_STATIC);
	if (db_step(s) == DB_ROW)
		snprintf(g->policy_path, sizeof g->policy_path, "%s", (const char *)db_column_text(s, 0));
	store_stmt_done(st, s);
	/* The file on disk is what people read and edit: it must still be the
	 * bytes that were enrolled. */
	file = gate_read_file(g->policy_path, POLICY_MAX_BYTES, &len, e);
	if (file == NULL) {
		snprintf(g->refusal, sizeof g->refusal, "policy %s v%" PRId64 " (enrolled %s): %s", g->policy_name,
			 g->policy_version, g->policy_digest, e->msg);
		free(text);
		return 1;
	}
	gate_digest(file, len, fdigest);
	free(file);
	if (strcmp(fdigest, g->policy_digest) != 0) {
		snprintf(g->refusal, sizeof g->refusal,
			 "policy %s v%" PRId64 ": %.300s now has %s but %s was enrolled; enrol the new version or restore the file",
			 g->policy_name, g->policy_version, g->policy_path, fdigest, g->policy_digest);
		free(text);
		return 1;
	}
	rc = policy_parse(text, strlen(text), g->policy_path, &g->pol, e);
	free(text);
	if (rc != 0) {
		snprintf(g->refusal, sizeof g->refusal, "enrolled policy does not parse: %s", e->msg);
		return 1;
	}
	return 0;
}

/* g's verdict under the section it found (g->sec): 0 allows, 1 denies. */
static int gate_judge(struct gate *g)
{
	g->nres = g->sec->nrules;
	g->allow = policy_evaluate(g->sec, &g->ev, g->policy_digest, g->res);
	return g->allow ? 0 : 1;
}

/* from, when not NULL, is the stage the version was at before the move
 * (a late completion: the registry already made it). */
static int gate_evaluate_from(struct store *st, const char *model, int64_t version, const char *to, int64_t request,
			      const struct approval_request *rq, const char *from, struct gate *g, struct err *e)
{
	int rc;

	memset(g, 0, sizeof *g);
	snprintf(g->model, sizeof g->model, "%s", model);
	g->version = version;
	if (check_alias(to, e) != 0)
		return err_prefix(e, "stage");
	snprintf(g->to, sizeof g->to, "%s", to);
	if (gate_evidence(st, g, request, rq, e) != 0)
		return -1;
	if (from != NULL) {
		snprintf(g->from, sizeof g->from, "%s", from);
		snprintf(g->ev.from, sizeof g->ev.from, "%s", from);
	}
	if (g->refusal[0] != '\0')
		return 0;
	rc = gate_policy(st, g, e);
	if (rc != 0)
		return rc < 0 ? -1 : 0;
	g->sec = policy_transition(&g->pol, g->from, g->to);
	if (g->sec == NULL) {
		snprintf(g->refusal, sizeof g->refusal, "policy %s v%" PRId64 " has no transition %s -> %s (default deny)",
			 g->policy_name, g->policy_version, g->from, g->to);
		return 0;
	}
	gate_judge(g);
	return 0;
}

int gate_evaluate(struct store *st, const char *model, int64_t version, const char *to, int64_t request,
		  struct gate *g, struct err *e)
{
	return gate_evaluate_from(st, model, version, to, request, NULL, NULL, g, e);
}

int gate_evaluate_as(struct store *st, const char *model, int64_t version, const char *from, const char *to,
		     struct gate *g, struct err *e)
{
	if (check_alias(from, e) != 0)
		return err_prefix(e, "stage");
	return gate_evaluate_from(st, model, version, to, 0, NULL, from, g, e);
}

int gate_evaluate_request(struct store *st, const struct approval_request *rq, struct gate *g, struct err *e)
{
	return gate_evaluate_from(st, rq->model, rq->version, rq->to, rq->id, rq, NULL, g, e);
}

/* The ledger entry that saw the registry move alias of model to version
 * behind steward's back (0: it did not). */
static int64_t gate_seen_late(struct store *st, const char *model, const char *alias, int64_t version, struct err *e)
{
	struct db_stmt *s;
	int64_t seq = 0;
	int rc;

	if (store_prepare(st, &s,
			  "SELECT u.seq FROM unapproved u JOIN models m ON m.id = u.model_id"
			  " JOIN aliases a ON a.model_id = u.model_id AND a.alias = u.alias JOIN versions v ON v.id = a.version_id"
			  " WHERE m.name = ?1 AND u.alias = ?2 AND u.version = ?3 AND v.version = ?3",
			  e) != 0)
		return -1;
	db_bind_text(s, 1, model, -1, DB_STATIC);
	db_bind_text(s, 2, alias, -1, DB_STATIC);
	db_bind_int64(s, 3, version);
	rc = db_step(s);
	if (rc == DB_ROW)
		seq = db_column_int64(s, 0);
	db_finalize(s);
	if (rc != DB_ROW && rc != DB_DONE)
		return store_fail(st, e, "reading unapproved changes");
	return seq;
}

/* ---- results as JSON, for the ledger ---- */

static json_t *gate_results_json(const struct gate *g)
{
	json_t *a = json_array();
	size_t i;

	for (i = 0; a != NULL && i < g->nres; i++)
		if (json_array_append_new(a, json_pack("{s:s, s:s, s:s, s:s, s:s}", "rule", g->res[i].rule->name, "kind",
						       policy_kind_name(g->res[i].rule->kind), "status",
						       policy_status_name(g->res[i].status), "evidence",
						       g->res[i].evidence, "reason", g->res[i].reason)) != 0) {
			json_decref(a);
			return NULL;
		}
	return a;
}

json_t *gate_record(const struct gate *g)
{
	json_t *ev = evidence_to_json(&g->ev), *res = gate_results_json(g), *o;
	char digest[72], *canon;

	if (ev == NULL || res == NULL)
		goto fail;
	canon = json_dumps(ev, JSON_COMPACT | JSON_SORT_KEYS | JSON_ENSURE_ASCII);
	if (canon == NULL)
		goto fail;
	gate_digest(canon, strlen(canon), digest);
	free(canon);
	o = json_pack("{s:{s:s, s:I, s:s}, s:o, s:s, s:o}", "policy", "name", g->policy_name, "version",
		      (json_int_t)g->policy_version, "sha256", g->policy_digest, "evidence", ev, "evidence_sha256",
		      digest, "results", res);
	return o;
fail:
	json_decref(ev);
	json_decref(res);
	return NULL;
}

/* ---- the backend ---- */

#define GATE_TAG_MAX 5000 /* MLflow's limit on a tag value */

/* The decision as tags on the version: who approved, under which policy,
 * where in the ledger, and the signed envelopes where they fit. */
static int gate_backend_move(struct store *st, const struct gate_backend *be, const struct gate *g, const char *kind,
			     int64_t request, const char *alias, struct err *e)
{
	char approvers[600] = "", policy[200], seq[32], req[32], keys[8][32];
	char *envs[8] = { 0 };
	struct steward_kv tags[16];
	size_t n = 0, used = 0, i, nenv = 0;
	char err[600] = "";
	int rc;

	if (be == NULL || be->set_alias == NULL)
		return 0;
	for (i = 0; i < g->ev.nappr; i++)
		if (g->ev.appr[i].counts) {
			int w = snprintf(approvers + used, sizeof approvers - used, "%s%s (%s)", used ? ", " : "",
					 g->ev.appr[i].principal, g->ev.appr[i].role);

			if (w > 0 && (size_t)w < sizeof approvers - used)
				used += (size_t)w;
		}
	snprintf(policy, sizeof policy, "%s v%" PRId64 " %s", g->policy_name, g->policy_version, g->policy_digest);
	/* The entry this decision will be: we hold the write lock, so nothing
	 * can append before it. */
	snprintf(seq, sizeof seq, "%" PRId64, ledger_size(st) + 1);
	snprintf(req, sizeof req, "%" PRId64, request);
	tags[n].key = "steward.decision";
	tags[n++].value = kind;
	tags[n].key = "steward.policy";
	tags[n++].value = policy;
	tags[n].key = "steward.ledger_seq";
	tags[n++].value = seq;
	if (request != 0) {
		tags[n].key = "steward.request";
		tags[n++].value = req;
		tags[n].key = "steward.approvers";
		tags[n++].value = approvers;
		/* The envelopes themselves, where MLflow's tag size allows. */
		{
			struct db_stmt *s;

			if (store_prepare(st, &s, "SELECT envelope FROM approvals WHERE request_id = ?1 AND decision = 'approve' ORDER BY id",
					  e) != 0)
				return -1;
			db_bind_int64(s, 1, request);
			while (db_step(s) == DB_ROW && nenv < 8 && n < sizeof tags / sizeof tags[0]) {
				if (db_column_bytes(s, 0) >= GATE_TAG_MAX)
					continue;
				envs[nenv] = strndup((const char *)db_column_blob(s, 0), (size_t)db_column_bytes(s, 0));
				if (envs[nenv] == NULL)
					break;
				snprintf(keys[nenv], sizeof keys[0], "steward.dsse.%zu", nenv + 1);
				tags[n].key = keys[nenv];
				tags[n++].value = envs[nenv++];
			}
			db_finalize(s);
		}
	}
	rc = be->set_alias(be->arg, g->model, alias, g->version, tags, n, err, sizeof err);
	for (i = 0; i < nenv; i++)
		free(envs[i]);
	if (rc != 0)
		return err_set(e, ERR_IO, "the registry refused the change, nothing was recorded: %s", err[0] ? err : "no reason given");
	return 0;
}

/* A governed move settles any unapproved change seen on that alias. */
static int gate_settle(struct store *st, const char *model, const char *alias, struct err *e)
{
	struct db_stmt *s;
	int rc;

	if (store_prepare(st, &s, "DELETE FROM unapproved WHERE alias = ?2 AND model_id = (SELECT id FROM models WHERE name = ?1)",
			  e) != 0)
		return -1;
	db_bind_text(s, 1, model, -1, DB_STATIC);
	db_bind_text(s, 2, alias, -1, DB_STATIC);
	rc = db_step(s);
	db_finalize(s);
	return rc == DB_DONE ? 0 : store_fail(st, e, "settling an unapproved change");
}

/* ---- apply ---- */

static int gate_promotion_row(struct store *st, const char *model, int64_t version, const char *alias,
			      const char *kind, int64_t request, const char *digest, const char *actor, int64_t seq,
			      struct err *e)
{
	int64_t mid, vid;
	struct db_stmt *s;
	int rc;

	if (gate_version_id(st, model, version, &mid, &vid, e) != 0 ||
	    store_prepare(st, &s,
			  "INSERT INTO promotions(version_id, alias, kind, request_id, policy_digest, time, actor, seq)"
			  " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
			  e) != 0)
		return -1;
	db_bind_int64(s, 1, vid);
	db_bind_text(s, 2, alias, -1, DB_STATIC);
	db_bind_text(s, 3, kind, -1, DB_STATIC);
	if (request != 0)
		db_bind_int64(s, 4, request);
	db_bind_text(s, 5, digest, -1, DB_STATIC);
	db_bind_int64(s, 6, store_now());
	db_bind_text(s, 7, actor, -1, DB_STATIC);
	db_bind_int64(s, 8, seq);
	rc = db_step(s);
	db_finalize(s);
	return rc == DB_DONE ? 0 : store_fail(st, e, "recording the promotion");
}

int gate_apply(struct store *st, const struct principal *who, int64_t request, const struct gate_backend *be,
	       struct gate *g, int64_t *seq, struct err *e)
{
	struct approval_request rq;
	char subject[200];
	int64_t prev, late;
	json_t *data;
	int rc;

	memset(g, 0, sizeof *g);
	if (!store_in_transaction(st))
		return err_set(e, ERR_STORE, "promotions must be applied inside a transaction");
	if (approval_request_get(st, request, &rq, e) != 0)
		return -1;
	approval_request_clear(&rq);
	if (strcmp(rq.kind, "promotion") != 0)
		return err_set(e, ERR_INVALID, "request %" PRId64 " is a %s, not a promotion", request, rq.kind);
	if (strcmp(rq.state, "open") != 0)
		return err_set(e, ERR_DENIED, "request %" PRId64 " is %s, not open", request, rq.state);
	rc = approval_request_closed_in_ledger(st, request, rq.model, rq.version, e);
	if (rc != 0)
		return rc < 0 ? -1
			      : err_set(e, ERR_DENIED, "request %" PRId64 " is closed in the ledger though its row says open", request);
	/* The registry already made this very move (a call that stalled and
	 * was carried out later, say): the request is completed, late, as if
	 * from the stage it was opened at, rather than left stuck. */
	late = gate_seen_late(st, rq.model, rq.to, rq.version, e);
	if (late < 0)
		return -1;
	if (gate_evaluate_from(st, rq.model, rq.version, rq.to, request, NULL, late ? rq.from : NULL, g, e) != 0)
		return -1;
	g->late = late;
	if (g->refusal[0] != '\0' || !g->allow)
		return 1;
	/* The request said where from; a version that moved since must be re-requested. */
	if (strcmp(g->from, rq.from) != 0)
		return err_set(e, ERR_DENIED, "request %" PRId64 " was for %s -> %s, but the version is now %s",
			       request, rq.from, rq.to, g->from);
	if (gate_backend_move(st, be, g, "promotion", request, rq.to, e) != 0 ||
	    registry_alias_move(st, rq.model, rq.to, rq.version, &prev, e) != 0 || gate_settle(st, rq.model, rq.to, e) != 0)
		return -1;
	data = gate_record(g);
	if (data == NULL || json_object_set_new(data, "request", json_integer(request)) != 0 ||
	    json_object_set_new(data, "alias", json_string(rq.to)) != 0 ||
	    json_object_set_new(data, "previous", prev ? json_integer(prev) : json_null()) != 0 ||
	    (late && json_object_set_new(data, "completed_late", json_pack("{s:I}", "observed_seq", (json_int_t)late)) != 0)) {
		json_decref(data);
		return err_set(e, ERR_IO, "out of memory");
	}
	snprintf(subject, sizeof subject, "models:/%s/%" PRId64, rq.model, rq.version);
	rc = ledger_append_act(st, who->key, who->name, "promotion.apply", subject, data, seq, e);
	json_decref(data);
	if (rc != 0 ||
	    gate_promotion_row(st, rq.model, rq.version, rq.to, "promotion", request, g->policy_digest, who->name, *seq,
			       e) != 0)
		return -1;
	return approval_request_close(st, request, "applied", e);
}

/* ---- rollback ---- */

/* 1 when a promotion that passed its gate moved version to alias, as the
 * ledger records it (the promotions table is only a cache). */
int gate_was_promoted(struct store *st, const char *model, const char *alias, int64_t version, struct err *e)
{
	struct record_moves mv;
	size_t i;
	int found = 0;

	if (record_alias_history(st, model, alias, &mv, e) != 0)
		return -1;
	for (i = 0; i < mv.n; i++)
		if (strcmp(mv.v[i].action, "promotion.apply") == 0 && mv.v[i].version == version)
			found = 1;
	record_moves_free(&mv);
	return found;
}

/* The known-safe baseline (record_baseline), from the ledger. */
static int64_t gate_previous_promotion(struct store *st, const char *model, const char *alias, int64_t current,
				       struct err *e)
{
	struct record_moves mv;
	int64_t v;

	if (record_alias_history(st, model, alias, &mv, e) != 0)
		return -1;
	v = record_baseline(&mv, current);
	record_moves_free(&mv);
	return v;
}

/* The evidence and the policy for an act judged on who does it (a
 * rollback, a shift), moving model's version to `to`: 0 when g is ready
 * for its section, else the verdict (1 refused, g->refusal says why;
 * -1 failed). */
static int gate_actor_start(struct store *st, struct gate *g, const struct principal *who, const char *model,
			    int64_t version, const char *to, struct err *e)
{
	int rc;

	memset(g, 0, sizeof *g);
	snprintf(g->model, sizeof g->model, "%s", model);
	g->version = version;
	snprintf(g->to, sizeof g->to, "%s", to);
	if (gate_evidence(st, g, 0, NULL, e) != 0)
		return -1;
	if (g->refusal[0] != '\0')
		return 1;
	/* Approvals are for promotions. */
	g->ev.has_request = 0;
	snprintf(g->ev.actor, sizeof g->ev.actor, "%s", who->name);
	g->ev.actor_roles = who->roles;
	rc = gate_policy(st, g, e);
	if (rc != 0)
		return rc < 0 ? -1 : 1;
	return 0;
}

/* The rollback section's verdict for moving alias to version, by who. */
static int gate_rollback_eval(struct store *st, struct gate *g, const struct principal *who, const char *model,
			      const char *alias, int64_t version, struct err *e)
{
	int rc = gate_actor_start(st, g, who, model, version, alias, e);

	if (rc != 0)
		return rc;
	g->sec = policy_rollback(&g->pol, alias);
	if (g->sec == NULL) {
		snprintf(g->refusal, sizeof g->refusal, "policy %s v%" PRId64 " has no rollback section for %s (default deny)",
			 g->policy_name, g->policy_version, alias);
		return 1;
	}
	return gate_judge(g);
}

int gate_evaluate_shift(struct store *st, const struct principal *who, const char *model, int64_t version,
			struct gate *g, struct err *e)
{
	int rc = gate_actor_start(st, g, who, model, version, "traffic", e);

	if (rc != 0)
		return rc;
	g->sec = policy_shift(&g->pol);
	if (g->sec == NULL) {
		snprintf(g->refusal, sizeof g->refusal,
			 "policy %s v%" PRId64 " has no shift section: live traffic may not be moved by hand (default deny)",
			 g->policy_name, g->policy_version);
		return 1;
	}
	return gate_judge(g);
}

int gate_rollback(struct store *st, const struct principal *who, const char *model, const char *alias, int64_t to,
		  const char *reason, const struct gate_backend *be, struct gate *g, int64_t *review, struct err *e)
{
	const struct policy_rule *rev = NULL;
	struct deploy_plan undo;
	char subject[200], plugin[65];
	int64_t current, prev, seq, due = 0, tseq = 0;
	json_t *data;
	size_t i;
	int rc;

	memset(g, 0, sizeof *g);
	*review = 0;
	if (!store_in_transaction(st))
		return err_set(e, ERR_STORE, "rollbacks must run inside a transaction");
	if (check_alias(alias, e) != 0 || check_text("reason", reason, 1000, 1, 0, e) != 0)
		return -1;
	current = registry_alias_version(st, model, alias, e);
	if (current < 0)
		return -1;
	if (current == 0)
		return err_set(e, ERR_NOTFOUND, "%s has no %s alias to roll back", model, alias);
	/* Who may roll back is asked first: someone without the right learns
	 * nothing about which versions would be candidates. */
	rc = gate_rollback_eval(st, g, who, model, alias, current, e);
	if (rc != 0)
		return rc;
	if (to == 0) {
		to = gate_previous_promotion(st, model, alias, current, e);
		if (to < 0)
			return -1;
		if (to == 0)
			return err_set(e, ERR_NOTFOUND,
				       "no other version of %s was promoted to %s under policy without being rolled back from:"
				       " there is no known-safe baseline to roll back to. Instead: promote a known-good version"
				       " ('steward promote request %s VERSION --to %s'), or have an admin move the alias"
				       " ('steward alias set %s %s VERSION', shown as ungoverned)",
				       model, alias, model, alias, model, alias);
	} else if (to == current) {
		return err_set(e, ERR_EXISTS, "%s of %s already points at version %" PRId64, alias, model, to);
	} else {
		rc = gate_was_promoted(st, model, alias, to, e);
		if (rc < 0)
			return -1;
		if (rc == 0)
			return err_set(e, ERR_DENIED,
				       "version %" PRId64 " of %s was never promoted to %s under policy, so it is not a known-safe baseline",
				       to, model, alias);
	}
	gate_free(g);
	rc = gate_rollback_eval(st, g, who, model, alias, to, e);
	if (rc != 0)
		return rc;
	for (i = 0; i < g->sec->nrules; i++)
		if (g->sec->rules[i].kind == PK_REVIEW)
			rev = &g->sec->rules[i];
	/* Traffic back on the known-safe version first: at 3 a.m. that is
	 * what matters, and the alias follows it. */
	if (deploy_rollback_traffic(st, who, model, to, reason, be, &tseq, &undo, plugin, e) != 0)
		return -1;
	g->traffic_seq = tseq;
	if (gate_backend_move(st, be, g, "rollback", 0, alias, e) != 0 ||
	    registry_alias_move(st, model, alias, to, &prev, e) != 0 || gate_settle(st, model, alias, e) != 0) {
		if (tseq != 0)
			deploy_put_back(be, plugin, model, &undo, e);
		return -1;
	}
	if (rev != NULL) {
		due = store_now() + rev->duration;
		if (approval_review_open(st, who->name, model, to, alias, rev->roles, due, 0, reason, review, e) != 0)
			return -1;
	}
	data = gate_record(g);
	if (data == NULL || json_object_set_new(data, "alias", json_string(alias)) != 0 ||
	    json_object_set_new(data, "from_version", json_integer(current)) != 0 ||
	    json_object_set_new(data, "to_version", json_integer(to)) != 0 ||
	    json_object_set_new(data, "reason", json_string(reason)) != 0 ||
	    json_object_set_new(data, "traffic_seq", tseq ? json_integer(tseq) : json_null()) != 0 ||
	    json_object_set_new(data, "review",
				rev == NULL ? json_null()
					    : json_pack("{s:I, s:s, s:I}", "request", (json_int_t)*review, "role", rev->a,
							"due", (json_int_t)due)) != 0) {
		json_decref(data);
		return err_set(e, ERR_IO, "out of memory");
	}
	snprintf(subject, sizeof subject, "models:/%s/%" PRId64, model, to);
	rc = ledger_append_act(st, who->key, who->name, "rollback", subject, data, &seq, e);
	json_decref(data);
	if (rc != 0 ||
	    gate_promotion_row(st, model, to, alias, "rollback", 0, g->policy_digest, who->name, seq, e) != 0)
		return -1;
	if (*review != 0) {
		struct db_stmt *s;

		if (store_prepare(st, &s, "UPDATE requests SET seq = ?1 WHERE id = ?2", e) != 0)
			return -1;
		db_bind_int64(s, 1, seq);
		db_bind_int64(s, 2, *review);
		rc = db_step(s);
		db_finalize(s);
		if (rc != DB_DONE)
			return store_fail(st, e, "recording the review");
	}
	return 0;
}

/* ---- enrolment ---- */

int gate_enroll(struct store *st, const struct principal *admin, const struct key_secret *k, const char *path,
		struct policy *out, char digest[72], struct err *e)
{
	char real[PATH_MAX], logname[KEYS_NAME_MAX + 1], when[32], subject[100], have[72] = "";
	uint8_t logpk[KEYS_PK_BYTES];
	int64_t have_ver = 0, seq;
	json_t *stmt = NULL, *data = NULL;
	char *text, *payload = NULL, *env = NULL;
	struct db_stmt *s;
	size_t len;
	time_t now;
	struct tm tm;
	int rc, r = -1;

	memset(out, 0, sizeof *out);
	if (!store_in_transaction(st))
		return err_set(e, ERR_STORE, "policies must be enrolled inside a transaction");
	if (!(admin->roles & ROLE_ADMIN) || strcmp(admin->key_id, k->id) != 0)
		return err_set(e, ERR_DENIED, "only an admin's key enrols policies");
	if (realpath(path, real) == NULL)
		return err_set(e, ERR_IO, "cannot read %s: %s", path, strerror(errno));
	text = gate_read_file(real, POLICY_MAX_BYTES, &len, e);
	if (text == NULL)
		return -1;
	if (policy_parse(text, len, path, out, e) != 0)
		goto out;
	gate_digest(text, len, digest);
	if (store_prepare(st, &s, "SELECT version, digest FROM policies WHERE name = ?1 ORDER BY version DESC LIMIT 1",
			  e) != 0)
		goto out;
	db_bind_text(s, 1, out->name, -1, DB_STATIC);
	if (db_step(s) == DB_ROW) {
		have_ver = db_column_int64(s, 0);
		snprintf(have, sizeof have, "%s", (const char *)db_column_text(s, 1));
	}
	db_finalize(s);
	if (have_ver > out->version) {
		err_set(e, ERR_DENIED, "%s: policy %s version %" PRId64 " is lower than the enrolled version %" PRId64
			" (a downgrade); raise the version", path, out->name, out->version, have_ver);
		goto out;
	}
	if (have_ver == out->version && strcmp(have, digest) == 0) {
		err_set(e, ERR_EXISTS, "%s: policy %s version %" PRId64 " is already enrolled (%s)", path, out->name,
			out->version, digest);
		goto out;
	}
	if (have_ver == out->version) {
		err_set(e, ERR_DENIED, "%s: policy %s version %" PRId64 " was enrolled as %s, this file is %s; raise the version",
			path, out->name, out->version, have, digest);
		goto out;
	}
	if (ledger_logkey_public(st, logname, sizeof logname, logpk, e) != 0)
		goto out;
	now = (time_t)store_now();
	if (gmtime_r(&now, &tm) == NULL || strftime(when, sizeof when, "%Y-%m-%dT%H:%M:%SZ", &tm) == 0)
		snprintf(when, sizeof when, "?");
	stmt = json_pack("{s:s, s:s, s:I, s:s, s:s, s:s, s:s}", "type", "policy-enrolment", "name", out->name, "version",
			 (json_int_t)out->version, "tier", out->tier, "sha256", digest, "log", logname, "time", when);
	if (stmt == NULL || (payload = json_dumps(stmt, JSON_COMPACT | JSON_SORT_KEYS | JSON_ENSURE_ASCII)) == NULL) {
		err_set(e, ERR_IO, "out of memory");
		goto out;
	}
	env = dsse_sign(POLICY_PAYLOAD_TYPE, payload, strlen(payload), k, e);
	if (env == NULL)
		goto out;
	/* The text goes into the ledger too, so an auditor can re-run every
	 * decision made under it. */
	data = json_pack("{s:s, s:s, s:s}", "envelope", env, "path", real, "text", text);
	if (data == NULL) {
		err_set(e, ERR_IO, "out of memory (or the policy is not UTF-8)");
		goto out;
	}
	snprintf(subject, sizeof subject, "policy/%s", out->name);
	if (ledger_append_act(st, k, admin->name, "policy.enroll", subject, data, &seq, e) != 0)
		goto out;
	if (store_prepare(st, &s,
			  "INSERT INTO policies(name, version, tier, digest, path, text, enrolled, signer, seq)"
			  " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
			  e) != 0)
		goto out;
	db_bind_text(s, 1, out->name, -1, DB_STATIC);
	db_bind_int64(s, 2, out->version);
	db_bind_text(s, 3, out->tier, -1, DB_STATIC);
	db_bind_text(s, 4, digest, -1, DB_STATIC);
	db_bind_text(s, 5, real, -1, DB_STATIC);
	db_bind_text(s, 6, text, -1, DB_STATIC);
	db_bind_int64(s, 7, store_now());
	db_bind_text(s, 8, admin->name, -1, DB_STATIC);
	db_bind_int64(s, 9, seq);
	rc = db_step(s);
	db_finalize(s);
	if (rc != DB_DONE) {
		store_fail(st, e, "recording the policy");
		goto out;
	}
	r = 0;
out:
	if (r != 0)
		policy_free(out);
	json_decref(stmt);
	json_decref(data);
	free(payload);
	free(env);
	free(text);
	return r;
}

void gate_policies_free(struct gate_policies *l)
{
	size_t i;

	for (i = 0; i < l->n; i++) {
		free(l->v[i].path);
		free(l->v[i].text);
	}
	free(l->v);
	memset(l, 0, sizeof *l);
}

int gate_policy_list(struct store *st, struct gate_policies *out, struct err *e)
{
	struct db_stmt *s;
	int rc;

	memset(out, 0, sizeof *out);
	if (store_prepare(st, &s,
			  "SELECT p.id, p.name, p.version, p.tier, p.digest, p.path, p.text, p.enrolled, p.signer, p.seq,"
			  " p.id = (SELECT max(id) FROM policies q WHERE q.tier = p.tier)"
			  " FROM policies p ORDER BY p.tier, p.id",
			  e) != 0)
		return -1;
	while ((rc = db_step(s)) == DB_ROW) {
		struct gate_policy *p, *nv = realloc(out->v, (out->n + 1) * sizeof *out->v);

		if (nv == NULL)
			break;
		out->v = nv;
		p = &out->v[out->n++];
		memset(p, 0, sizeof *p);
		p->id = db_column_int64(s, 0);
		snprintf(p->name, sizeof p->name, "%s", (const char *)db_column_text(s, 1));
		p->version = db_column_int64(s, 2);
		snprintf(p->tier, sizeof p->tier, "%s", (const char *)db_column_text(s, 3));
		snprintf(p->digest, sizeof p->digest, "%s", (const char *)db_column_text(s, 4));
		p->path = strdup((const char *)db_column_text(s, 5));
		p->text = strdup((const char *)db_column_text(s, 6));
		p->enrolled = db_column_int64(s, 7);
		snprintf(p->signer, sizeof p->signer, "%s", (const char *)db_column_text(s, 8));
		p->seq = db_column_int64(s, 9);
		p->in_force = db_column_int(s, 10);
		if (p->path == NULL || p->text == NULL)
			break;
	}
	db_finalize(s);
	if (rc == DB_ROW) {
		gate_policies_free(out);
		return err_set(e, ERR_IO, "out of memory");
	}
	if (rc != DB_DONE) {
		gate_policies_free(out);
		return store_fail(st, e, "reading policies");
	}
	return 0;
}
