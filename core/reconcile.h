/* reconcile: the store's derived tables (versions, cards, metrics, aliases, policies, requests, promotions) against the ledger that audit verify has just verified, naming the first row that disagrees. */
#ifndef STEWARD_RECONCILE_H
#define STEWARD_RECONCILE_H

#include <stdint.h>

#include <jansson.h>

#include "err.h"
#include "store.h"

struct record_alias_states;
struct replay;

struct reconcile_report {
	int64_t unattested; /* versions no signed entry records (synced without a principal) */
};

/* 0 when every row agrees with the entry that made it; -1 with e naming
 * the table, the row and the entry otherwise. Call only after the ledger
 * itself verified: the entries' bodies are taken as they are. */
int reconcile_tables(struct store *st, struct reconcile_report *r, struct err *e);
/* One version's card digest from a cards read merged with a versions read
 * (see reconcile.c): 0, or -1 with e filled. */
int reconcile_card_digest(struct store *st, struct db_stmt *cs, int *crc, int64_t vid, char have[72], struct err *e);
/* What the replay saw of the entries the tables derive from (version.set,
 * card.set, metric.set, promotion.apply, rollback), so the tables are
 * compared in memory instead of joined to the ledger and its bodies
 * parsed again in SQL (reconcile-seen.c). */
struct reconcile_seen;
struct reconcile_seen *reconcile_seen_new(void);
void reconcile_seen_free(struct reconcile_seen *s);
/* Notes one entry the replay held (s NULL: nothing): -1 out of memory. */
int reconcile_seen_add(struct reconcile_seen *s, int64_t seq, const char *action, const char *subject, json_t *data);
/* The versions, cards, metrics, promotion requests (rp's) and promotions
 * against s: 0 when all agree, with *unattested the versions no
 * version.set recorded; 1 when something may not (the SQL checks then
 * name it); -1 on an error. At least as strict as those checks. */
int reconcile_seen_check(struct store *st, struct reconcile_seen *s, const struct replay *rp, int64_t *unattested,
			 struct err *e);

/* reconcile_tables with the aliases' last moves already collected from the
 * verified entries (record_alias_states_add over every entry), so the
 * ledger's alias moves are not read and parsed again; NULL reads them.
 * With rp (and its seen), the tables are first compared with what the
 * replay saw; the SQL checks run only when that finds a disagreement. */
int reconcile_tables_with(struct store *st, const struct record_alias_states *aliases, const struct replay *rp,
			  struct reconcile_report *r, struct err *e);

#endif
