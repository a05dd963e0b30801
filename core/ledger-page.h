/* ledger-page: windows of ledger rows by keyset on seq, scoped and filtered in SQL, with their count and a row's position, so a view never holds the whole ledger. */
#ifndef STEWARD_LEDGER_PAGE_H
#define STEWARD_LEDGER_PAGE_H

#include <stddef.h>
#include <stdint.h>

#include "err.h"
#include "store.h"

/* What a view shows of an entry: never its body, which is read when the
 * entry is opened. */
struct ledger_row {
	int64_t seq, time;
	char actor[201];
	char action[101];
	char subject[401];
};

/* Which entries: subject scopes as ledger_entries does (exact, or a
 * prefix ending at '/'; NULL the whole ledger). filter ("" or NULL for
 * none) matches, ignoring ASCII case, a substring of the actor, the
 * action or the subject as stored, or, when it is a number N, entry N;
 * "#N" is entry N alone and "vN" version N alone (a subject ending in
 * "/N"). Its characters are literal: '%', '_' and '\' match themselves. */
struct ledger_page_q {
	const char *subject;
	const char *filter;
};

typedef int (*ledger_row_fn)(void *arg, const struct ledger_row *r, struct err *e);

/* Up to n matching rows next to seq `from`, nearest first: older (seq <
 * from, newest first; from 0 starts at the newest) or, with older 0,
 * newer (seq > from, oldest first; from 0 starts at the oldest). fn sees
 * each row; a nonzero return from it stops and is returned. */
int ledger_page(struct store *st, const struct ledger_page_q *q, int64_t from, int older, size_t n,
		ledger_row_fn fn, void *arg, struct err *e);
/* How many entries match. */
int ledger_page_count(struct store *st, const struct ledger_page_q *q, int64_t *n, struct err *e);
/* Where entry seq stands newest first: how many matching entries are
 * newer; *found says whether seq itself matches. */
int ledger_page_rank(struct store *st, const struct ledger_page_q *q, int64_t seq, int64_t *pos,
		     int *found, struct err *e);

#endif
