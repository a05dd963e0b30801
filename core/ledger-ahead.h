/* ledger-ahead: reads a ledger source's entries ahead of its verification and has the workers parse their bodies meanwhile. */
#ifndef STEWARD_LEDGER_AHEAD_H
#define STEWARD_LEDGER_AHEAD_H

#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "ledger.h"

struct ledger_chunk;

/* Zeroed but for src; ledger_ahead_free when done, whatever happened. */
struct ledger_ahead {
	const struct ledger_source *src;
	struct ledger_chunk *c[2];
	int cur, started;
};

/* src->next, reading ahead when src->q has workers: 1 with the next entry
 * (*pre its parsed body or NULL, the caller's; body, leaf, chain and sig
 * valid until the next call), 0 at the end, -1 on error, each where the
 * source said it. Without workers it is src->next itself. *cols gets the
 * entry's stored columns when the source has them (has_cols 1), valid as
 * long as body. */
int ledger_ahead_next(struct ledger_ahead *a, int64_t *seq, const char **body, size_t *len,
		      const uint8_t **leaf, const uint8_t **chain, const char **sig, json_t **pre,
		      struct ledger_cols *cols, int *has_cols);
/* Waits for the parsing still under way and frees what was read ahead. */
void ledger_ahead_free(struct ledger_ahead *a);

#endif
