/* approval-sign: the rules approval.c and approval-sign.c share (separation of duties, a person's standing decision, the context a decision is checked in); for core/approval*.c only, the API is approval.h. */
#ifndef STEWARD_APPROVAL_SIGN_H
#define STEWARD_APPROVAL_SIGN_H

#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "approval.h"

/* Separation of duties: neither the version's author nor the requester
 * decides on it. 0 when principal may; -1 with why filled. */
int approval_sod(const char *principal, const char *author, const char *requester, const char *subject,
		 char *why, size_t n);
/* principal's decision on r that still stands, NULL when none. */
const struct approval_eval *approval_signed_by(const struct approval_request *r, const char *principal);
/* The store's log origin, which every decision names. */
int approval_store_log(struct store *st, char *name, size_t n, struct err *e);
/* A request's policy as its ledger entry and statements carry it: null
 * without one. */
json_t *approval_policy_json(const char *name, int64_t version, const char *digest);
/* What a decision on r is checked against now: the request as recorded,
 * the clock and the keyring the ledger proves. */
int approval_ctx_for(struct store *st, const struct approval_request *r, const char *log, struct approval_ctx *c,
		     struct err *e);

#endif
