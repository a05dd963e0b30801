/* trace: the auditor's trail of the version behind a model's alias (its decisions, their ledger entries and checkpoint, its lineage and the gaps) as one JSON report. */
#ifndef STEWARD_TRACE_H
#define STEWARD_TRACE_H

#include <jansson.h>

#include "err.h"
#include "store.h"

#define TRACE_FORMAT 1 /* "format" of the report; bumped when a member changes meaning */

/* Builds the report for the version MODEL's ALIAS points at (see
 * steward(1), TRACE REPORT, for every member): the model and version, the
 * alias moves that put the version anywhere, the promotion requests and
 * review behind them with every decision (signer, role, whether it counts
 * and why not), the policy each gate ran under, the signed lineage, each
 * ledger entry named with whether the newest signed checkpoint includes
 * it (an inclusion proof checked against the checkpoint's signed root),
 * and the gaps an auditor must look at. Read-only. An unknown model, a
 * bad alias or an alias that points nowhere is an error; entries that do
 * not verify are an error naming them. *out is the caller's. */
int trace_build(struct store *st, const char *model, const char *alias, json_t **out, struct err *e);

#endif
