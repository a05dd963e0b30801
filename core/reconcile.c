/* reconcile: one query per derived table, joining each row to the ledger entry that last made it and returning the first that disagrees. */
#include "reconcile.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "record.h"
#include "registry.h"
#include "replay.h"

enum reconcile_kind { RC_VERSIONS, RC_METRICS, RC_POLICIES, RC_REQUESTS, RC_PROMOTIONS };

/* Each check: a query whose first row (if any) is a disagreement. Its
 * columns: a name, a number, two texts, the ledger entry. */
struct reconcile_check {
	enum reconcile_kind kind;
	const char *sql;
};

static const struct reconcile_check reconcile_checks[] = {
	{
		.kind = RC_VERSIONS,
		/* Driven by the versions, each finding its entry through the subject
		 * index: joining a grouped CTE to the versions made SQLite scan one
		 * for every row of the other (minutes on a million entries). */
		.sql = "SELECT m.name, v.version, v.digest, json_extract(CAST(l.body AS TEXT), '$.data.digest'), l.seq"
		       " FROM versions v JOIN models m ON m.id = v.model_id"
		       " JOIN ledger l ON l.seq = (SELECT max(x.seq) FROM ledger x"
		       " WHERE x.subject = 'models:/' || m.name || '/' || v.version AND x.action || '' = 'version.set')"
		       " WHERE json_extract(CAST(l.body AS TEXT), '$.data.digest') IS DISTINCT FROM v.digest"
		       " OR json_extract(CAST(l.body AS TEXT), '$.data.author') IS DISTINCT FROM v.author LIMIT 1",
	},
	{
		.kind = RC_METRICS,
		/* Ordered, so that no plan may count on stopping at an early
		 * row: on a healthy store there is none, and PostgreSQL, betting
		 * on one under LIMIT 1, looped over every last metric for each
		 * eval row (hours at a million entries); sorting the (no) rows
		 * costs nothing. */
		.sql = "WITH last AS (SELECT subject, json_extract(CAST(body AS TEXT), '$.data.name') AS name,"
		       " json_extract(CAST(body AS TEXT), '$.data.dataset') AS dataset,"
		       " json_extract(CAST(body AS TEXT), '$.data.slice') AS slice, max(seq) AS seq"
		       " FROM ledger WHERE action = 'metric.set' GROUP BY 1, 2, 3, 4)"
		       " SELECT m.name, v.version, e.name, CAST(e.value AS TEXT), coalesce(last.seq, 0)"
		       " FROM eval_metrics e JOIN versions v ON v.id = e.version_id JOIN models m ON m.id = v.model_id"
		       " LEFT JOIN last ON last.subject = 'models:/' || m.name || '/' || v.version AND last.name = e.name"
		       " AND last.dataset = e.dataset AND last.slice = e.slice"
		       " LEFT JOIN ledger l ON l.seq = last.seq"
		       " WHERE EXISTS (SELECT 1 FROM ledger x WHERE x.subject = 'models:/' || m.name || '/' || v.version"
		       " AND x.action || '' = 'version.set')"
		       " AND (l.seq IS NULL OR CAST(json_extract(CAST(l.body AS TEXT), '$.data.value') AS DOUBLE PRECISION) <> e.value)"
		       " ORDER BY coalesce(last.seq, 0) LIMIT 1",
	},
	{
		.kind = RC_POLICIES,
		.sql = "SELECT p.name, p.version, p.digest, '', p.seq FROM policies p LEFT JOIN ledger l ON l.seq = p.seq"
		       " WHERE l.seq IS NULL OR l.action <> 'policy.enroll'"
		       " OR json_extract(CAST(l.body AS TEXT), '$.data.text') IS DISTINCT FROM p.text LIMIT 1",
	},
	{
		.kind = RC_REQUESTS,
		.sql = "SELECT m.name, r.id, r.requester, r.to_stage, r.seq FROM requests r JOIN versions v ON v.id = r.version_id"
		       " JOIN models m ON m.id = v.model_id LEFT JOIN ledger l ON l.seq = r.seq"
		       " WHERE r.kind = 'promotion' AND (l.seq IS NULL OR l.action <> 'request.open'"
		       " OR CAST(json_extract(CAST(l.body AS TEXT), '$.data.request') AS BIGINT) IS DISTINCT FROM r.id"
		       " OR json_extract(CAST(l.body AS TEXT), '$.data.requester') IS DISTINCT FROM r.requester"
		       " OR CAST(json_extract(CAST(l.body AS TEXT), '$.data.version') AS BIGINT) IS DISTINCT FROM v.version"
		       " OR json_extract(CAST(l.body AS TEXT), '$.data.to') IS DISTINCT FROM r.to_stage) LIMIT 1",
	},
	{
		.kind = RC_PROMOTIONS,
		.sql = "SELECT m.name, v.version, p.alias, p.kind, p.seq FROM promotions p JOIN versions v ON v.id = p.version_id"
		       " JOIN models m ON m.id = v.model_id LEFT JOIN ledger l ON l.seq = p.seq"
		       " WHERE l.seq IS NULL OR l.action NOT IN ('promotion.apply', 'rollback')"
		       " OR l.subject IS DISTINCT FROM 'models:/' || m.name || '/' || v.version"
		       " OR json_extract(CAST(l.body AS TEXT), '$.data.alias') IS DISTINCT FROM p.alias LIMIT 1",
	},
};

static int reconcile_one(struct store *st, const struct reconcile_check *c, struct err *e)
{
	struct db_stmt *s;
	int rc;

	if (store_prepare(st, &s, c->sql, e) != 0)
		return -1;
	rc = db_step(s);
	if (rc == DB_ROW) {
		const char *a = (const char *)db_column_text(s, 0), *b = (const char *)db_column_text(s, 2),
			   *d = (const char *)db_column_text(s, 3);
		int64_t n = db_column_int64(s, 1), seq = db_column_int64(s, 4);

		switch (c->kind) {
		case RC_VERSIONS:
			err_set(e, ERR_DENIED, "versions: %.100s v%" PRId64 " has digest %.80s, but ledger entry %" PRId64
				" recorded %.80s (or another author)", a ? a : "?", n, b ? b : "?", seq, d ? d : "?");
			break;
		case RC_METRICS:
			err_set(e, ERR_DENIED, "eval_metrics: %.100s v%" PRId64 " metric %.100s = %.40s disagrees with the ledger (%s%" PRId64 ")",
				a ? a : "?", n, b ? b : "?", d ? d : "?", seq ? "entry " : "no signed entry recorded it, ", seq);
			break;
		case RC_POLICIES:
			err_set(e, ERR_DENIED, "policies: %.64s v%" PRId64 " (%.80s) is not the text ledger entry %" PRId64 " enrolled",
				a ? a : "?", n, b ? b : "?", seq);
			break;
		case RC_REQUESTS:
			err_set(e, ERR_DENIED, "requests: %.100s request %" PRId64 " (by %.100s to %.64s) differs from ledger entry %" PRId64
				" that opened it", a ? a : "?", n, b ? b : "?", d ? d : "?", seq);
			break;
		case RC_PROMOTIONS:
			err_set(e, ERR_DENIED, "promotions: %.100s v%" PRId64 " to %.64s (%.16s) is not what ledger entry %" PRId64 " recorded",
				a ? a : "?", n, b ? b : "?", d ? d : "?", seq);
			break;
		}
		db_finalize(s);
		return -1;
	}
	db_finalize(s);
	if (rc != DB_DONE)
		return store_fail(st, e, "reconciling the tables with the ledger");
	return 0;
}

/* Every alias where the last move the ledger recorded put it. */
static int reconcile_aliases(struct store *st, const struct record_alias_states *known, struct err *e)
{
	struct record_alias_states l;
	struct db_stmt *s;
	int rc, bad = 0;

	if (known != NULL && record_alias_states_live(known, &l) != 0)
		return err_set(e, ERR_IO, "out of memory");
	if (known == NULL && record_alias_states(st, NULL, &l, e) != 0)
		return -1;
	if (store_prepare(st, &s,
			  "SELECT m.name, a.alias, v.version FROM aliases a JOIN versions v ON v.id = a.version_id"
			  " JOIN models m ON m.id = a.model_id",
			  e) != 0) {
		record_alias_states_free(&l);
		return -1;
	}
	while (!bad && (rc = db_step(s)) == DB_ROW) {
		const char *m = (const char *)db_column_text(s, 0), *a = (const char *)db_column_text(s, 1);
		const struct record_alias_state *x = record_alias_find(&l, m ? m : "", a ? a : "");
		int64_t v = db_column_int64(s, 2);

		if (x == NULL || x->version != v) {
			if (x == NULL)
				err_set(e, ERR_DENIED, "aliases: %.100s of %.100s points at v%" PRId64 " but no ledger entry put it there",
					a ? a : "?", m ? m : "?", v);
			else
				err_set(e, ERR_DENIED, "aliases: %.100s of %.100s points at v%" PRId64 " but ledger entry %" PRId64
					" put it at v%" PRId64, a ? a : "?", m ? m : "?", v, x->seq, x->version);
			bad = 1;
		}
	}
	db_finalize(s);
	record_alias_states_free(&l);
	if (bad)
		return -1;
	if (rc != DB_DONE)
		return store_fail(st, e, "reconciling aliases");
	return 0;
}

/* The digest of version vid's card, read from cs (version_id, section,
 * body ordered by version_id, position; *crc its last step) as the two
 * reads are merged: rows of versions before vid are passed over. "" when
 * it has none. */
int reconcile_card_digest(struct store *st, struct db_stmt *cs, int *crc, int64_t vid, char have[72], struct err *e)
{
	struct card c = { 0 };
	int bad = 0;

	have[0] = '\0';
	/* Cards of versions no signed entry records are not checked here. */
	while (*crc == DB_ROW && db_column_int64(cs, 0) < vid)
		*crc = db_step(cs);
	while (*crc == DB_ROW && db_column_int64(cs, 0) == vid) {
		const char *t = (const char *)db_column_text(cs, 1), *b = (const char *)db_column_text(cs, 2);

		if (card_add(&c, t ? t : "", b ? b : "", e) != 0) {
			bad = -1;
			break;
		}
		*crc = db_step(cs);
	}
	if (bad == 0 && *crc != DB_ROW && *crc != DB_DONE)
		bad = store_fail(st, e, "reading the cards");
	if (bad == 0 && c.n > 0 && record_card_digest(&c, have) != 0)
		bad = err_set(e, ERR_IO, "out of memory");
	card_free(&c);
	return bad;
}

/* Each attested version's card: its sections must hash to what the last
 * card.set recorded (a card removed from the table counts as changed).
 * Versions and card rows are read once each, both in version order, and
 * merged: one query per version made a 100,000-version check slow. */
static int reconcile_cards(struct store *st, struct err *e)
{
	struct db_stmt *s, *cs;
	int rc, crc, bad = 0;

	if (store_prepare(st, &s,
			  "SELECT m.name, v.version, (SELECT json_extract(CAST(l.body AS TEXT), '$.data.sha256') FROM ledger l"
			  " WHERE l.subject = 'models:/' || m.name || '/' || v.version AND l.action || '' = 'card.set'"
			  " ORDER BY l.seq DESC LIMIT 1), v.id FROM versions v JOIN models m ON m.id = v.model_id"
			  " WHERE EXISTS (SELECT 1 FROM ledger x WHERE x.subject = 'models:/' || m.name || '/' || v.version"
			  " AND x.action || '' = 'version.set') ORDER BY v.id",
			  e) != 0)
		return -1;
	if (store_prepare(st, &cs, "SELECT version_id, section, body FROM cards ORDER BY version_id, position", e) != 0) {
		db_finalize(s);
		return -1;
	}
	crc = db_step(cs);
	while (!bad && (rc = db_step(s)) == DB_ROW) {
		const char *m = (const char *)db_column_text(s, 0), *want = (const char *)db_column_text(s, 2);
		int64_t v = db_column_int64(s, 1), vid = db_column_int64(s, 3);
		char have[72] = "";

		bad = reconcile_card_digest(st, cs, &crc, vid, have, e);
		if (bad)
			break;
		if (strcmp(have, want != NULL ? want : "") != 0) {
			err_set(e, ERR_DENIED, "cards: the card of %.100s v%" PRId64 " is not the one the ledger recorded (%s)",
				m ? m : "?", v, want == NULL ? "no signed entry recorded one" : "its sections hash differently");
			bad = -1;
		}
	}
	db_finalize(cs);
	db_finalize(s);
	if (bad)
		return -1;
	if (rc != DB_DONE)
		return store_fail(st, e, "reconciling cards");
	return 0;
}

int reconcile_tables(struct store *st, struct reconcile_report *r, struct err *e)
{
	return reconcile_tables_with(st, NULL, NULL, r, e);
}

int reconcile_tables_with(struct store *st, const struct record_alias_states *aliases, const struct replay *rp,
			  struct reconcile_report *r, struct err *e)
{
	struct db_stmt *s;
	size_t i;
	int rc;

	memset(r, 0, sizeof *r);
	/* In memory, every table but the policies (a handful of rows) and the
	 * aliases (checked against the replay's moves below) is one scan:
	 * joined to the ledger here, a million-entry store spent seconds
	 * parsing bodies the replay had parsed already. */
	rc = rp != NULL && rp->seen != NULL ? reconcile_seen_check(st, rp->seen, rp, &r->unattested, e) : 1;
	if (rc < 0)
		return -1;
	if (rc == 0)
		return reconcile_one(st, &reconcile_checks[RC_POLICIES], e) != 0 ||
				       reconcile_aliases(st, aliases, e) != 0
			       ? -1
			       : 0;
	for (i = 0; i < sizeof reconcile_checks / sizeof reconcile_checks[0]; i++)
		if (reconcile_one(st, &reconcile_checks[i], e) != 0)
			return -1;
	if (reconcile_aliases(st, aliases, e) != 0 || reconcile_cards(st, e) != 0)
		return -1;
	if (store_prepare(st, &s,
			  "SELECT count(*) FROM versions v JOIN models m ON m.id = v.model_id WHERE NOT EXISTS"
			  " (SELECT 1 FROM ledger l WHERE l.subject = 'models:/' || m.name || '/' || v.version"
			  " AND l.action || '' = 'version.set')",
			  e) != 0)
		return -1;
	if (db_step(s) == DB_ROW)
		r->unattested = db_column_int64(s, 0);
	db_finalize(s);
	return 0;
}
