/* reconcile: the store's derived tables (versions, cards, metrics, aliases, policies, requests, promotions) against the ledger that audit verify has just verified, naming the first row that disagrees. */
#ifndef STEWARD_RECONCILE_H
#define STEWARD_RECONCILE_H

#include <stdint.h>

#include "err.h"
#include "store.h"

struct record_alias_states;

struct reconcile_report {
	int64_t unattested; /* versions no signed entry records (synced without a principal) */
};

/* 0 when every row agrees with the entry that made it; -1 with e naming
 * the table, the row and the entry otherwise. Call only after the ledger
 * itself verified: the entries' bodies are taken as they are. */
int reconcile_tables(struct store *st, struct reconcile_report *r, struct err *e);
/* reconcile_tables with the aliases' last moves already collected from the
 * verified entries (record_alias_states_add over every entry), so the
 * ledger's alias moves are not read and parsed again; NULL reads them. */
int reconcile_tables_with(struct store *st, const struct record_alias_states *aliases, struct reconcile_report *r,
			  struct err *e);

#endif
