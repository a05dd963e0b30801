/* sign: asks for a decision's confirmation, reason and passphrase, then signs and records it through a read-write connection of its own. */
#include "sign.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include <sodium.h>

#include "app.h"
#include "approval.h"
#include "keyring.h"
#include "keys.h"
#include "ledger.h"

static void sign_passphrase(struct app *a, char *pass, size_t len);

static void sign_ask_passphrase(struct app *a)
{
	char q[APP_LINE_MAX];

	snprintf(q, sizeof q, "passphrase for key %s (not shown; Esc cancels): ", a->id.pub.name);
	app_ask(a, APP_SECRET, q, sign_passphrase);
}

static void sign_reason(struct app *a, char *text, size_t len)
{
	char q[APP_LINE_MAX];

	(void)len;
	if (text[0] == '\0') {
		/* core refuses a rejection without a reason; ask again rather than fail later. */
		snprintf(q, sizeof q, "reason for rejecting request #%" PRId64 " (Esc cancels): ",
			 a->decision.request);
		app_error(a, "a rejection needs a reason");
		app_ask(a, APP_PROMPT, q, sign_reason);
		return;
	}
	snprintf(a->decision.comment, sizeof a->decision.comment, "%s", text);
	sign_ask_passphrase(a);
}

static void sign_confirmed(struct app *a, char *text, size_t len)
{
	char q[APP_LINE_MAX];

	(void)text;
	(void)len;
	if (a->decision.approve) {
		sign_ask_passphrase(a);
		return;
	}
	snprintf(q, sizeof q, "reason for rejecting request #%" PRId64 " (Esc cancels): ",
		 a->decision.request);
	app_ask(a, APP_PROMPT, q, sign_reason);
}

int sign_decision_start(struct app *a, int64_t request, int approve)
{
	struct approval_request r;
	char q[APP_LINE_MAX * 2];
	struct err e;

	err_clear(&e);
	if (approval_request_get(a->st, request, &r, &e) != 0) {
		app_error(a, "%s", e.msg);
		return -1;
	}
	if (strcmp(r.state, "open") != 0) {
		app_error(a, "request #%" PRId64 " is %s, not open", request, r.state);
		approval_request_clear(&r);
		return -1;
	}
	memset(&a->decision, 0, sizeof a->decision);
	a->decision.request = request;
	a->decision.approve = approve;
	/* The full digest: what is signed is the exact artifact, so that is what the signer sees. */
	snprintf(q, sizeof q, "%s request #%" PRId64 ": %s v%" PRId64 " %s to %s? (y/n)",
		 approve ? "approve" : "reject", request, r.model, r.version, r.digest, r.to);
	approval_request_clear(&r);
	return app_ask(a, APP_CONFIRM, q, sign_confirmed);
}

/* Signs a checkpoint of the grown ledger, as every command that wrote does. */
static int sign_checkpoint(struct store *st, struct err *e)
{
	struct ledger_logkey *lk = NULL;
	int rc;

	if (ledger_logkey_load(st, &lk, e) != 0)
		return -1;
	if (store_begin(st, e) != 0) {
		ledger_logkey_free(lk);
		return -1;
	}
	rc = ledger_checkpoint(st, lk, e);
	ledger_logkey_free(lk);
	if (rc == 0 && store_commit(st, e) == 0)
		return 0;
	store_rollback(st);
	return -1;
}

/* Records the decision with *k on a read-write connection (*id gets it),
 * freeing the key as soon as it has signed. */
static int sign_record(struct app *a, struct key_secret **k, int64_t *id, struct err *e)
{
	const struct app_decision *d = &a->decision;
	struct principal who;
	struct store *st;
	int rc;

	st = store_open(a->opts->db_path, 0, e);
	if (st == NULL)
		return -1;
	rc = store_begin(st, e);
	/* Roles as the keyring stands inside this transaction, not as the header last saw them. */
	if (rc == 0)
		rc = keyring_whoami(st, (*k)->id, &who, e);
	if (rc == 0)
		rc = approval_sign(st, &who, *k, d->request, d->approve, 0,
				   d->approve ? NULL : d->comment, 0, id, e);
	keys_secret_free(*k);
	*k = NULL;
	if (rc == 0)
		rc = store_commit(st, e);
	if (rc != 0) {
		store_rollback(st);
		store_close(st);
		return -1;
	}
	if (sign_checkpoint(st, e) != 0) {
		err_prefix(e, "decision #%" PRId64 " recorded, but no checkpoint was signed", *id);
		store_close(st);
		return -1;
	}
	store_close(st);
	return 0;
}

static void sign_passphrase(struct app *a, char *pass, size_t len)
{
	struct key_secret *k = NULL;
	struct err e;
	int64_t id = 0;
	int rc;

	err_clear(&e);
	rc = keys_load_secret(a->id.path, pass, len, &k, &e);
	sodium_memzero(pass, len);
	if (rc != 0) {
		app_error(a, "%s", e.msg);
		return;
	}
	if (strcmp(k->id, a->id.pub.id) != 0) {
		app_error(a, "the secret key in %s is not the one in its .pub (key %s, not %s)",
			  a->id.path, k->id, a->id.pub.id);
		keys_secret_free(k);
		return;
	}
	rc = sign_record(a, &k, &id, &e);
	/* Show the new record (or whatever did get written) at once. */
	app_check_store(a);
	if (rc != 0) {
		app_error(a, "%s", e.msg);
		return;
	}
	app_message(a, "%s request #%" PRId64 " as %s: decision #%" PRId64 " signed and recorded",
		    a->decision.approve ? "approved" : "rejected", a->decision.request,
		    a->id.pub.name, id);
}
