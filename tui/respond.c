/* respond: the questions, confirmation and passphrase of A, N and R on an incident, then the act recorded through a read-write connection of its own. */
#include "respond.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "act.h"
#include "app.h"
#include "link.h"
#include "check.h"
#include "keys.h"
#include "ledger.h"
#include "sign.h"

/* What A, N or R is about, between the key and the passphrase; the
 * console asks one question at a time, so one suffices. */
struct respond_pending {
	enum action_id act;
	struct incident x; /* as it was when confirmed: the act needs it unchanged */
	char text[APP_LINE_MAX];
};

static struct respond_pending respond_pending;

int respond_offers(const struct app *a, enum action_id act, const struct incident *x)
{
	if (x == NULL || strcmp(x->state, "resolved") == 0)
		return 0;
	if (act == ACT_INCIDENT_ACK)
		return !a->id.known || strcmp(x->owner, a->id.who.name) != 0;
	return act == ACT_INCIDENT_NOTE || act == ACT_INCIDENT_RESOLVE;
}

/* "#3 (critical, loan-default-pd: scores drifted...)": the incident as a question names it. */
static void respond_name(const struct incident *x, char *buf, size_t n)
{
	snprintf(buf, n, "#%" PRId64 " (%s, %.60s: %.80s)", x->id, x->severity, x->model, x->title);
}

/* The incident still as confirmed: nobody took it over or resolved it meanwhile. */
static int respond_unchanged(struct store *st, const struct respond_pending *p, struct err *e)
{
	struct incident now;

	if (incident_get(st, p->x.id, &now, NULL, NULL, e) != 0)
		return -1;
	if (strcmp(now.state, p->x.state) != 0 || strcmp(now.owner, p->x.owner) != 0)
		return err_set(e, ERR_DENIED, "incident #%" PRId64 " is %s%s%s since you confirmed; nothing changed", p->x.id,
			       now.state, now.owner[0] ? ", owned by " : "", now.owner);
	return 0;
}

/* Runs the act in one transaction as key_id (whose secret is *k, freed as
 * soon as it signed); *seq gets its ledger entry. */
static int respond_record(const struct respond_pending *p, const char *db, const char *key_id, struct key_secret **k,
			  char *who_name, size_t wn, int64_t *seq, int64_t *unsure, struct err *e)
{
	struct incident_event *ev = NULL;
	struct incident x;
	struct principal who;
	struct store *st;
	size_t nev = 0;
	int rc;

	st = store_open(db, 0, e);
	if (st == NULL) {
		/* The key must not outlive a store that would not open. */
		keys_secret_free(*k);
		*k = NULL;
		return -1;
	}
	rc = store_begin(st, e);
	/* Roles as the keyring stands inside this transaction, not as the header last saw them. */
	if (rc == 0)
		rc = sign_whoami(st, key_id, action_by_id(p->act)->roles, &who, e);
	if (rc == 0)
		rc = respond_unchanged(st, p, e);
	who.key = *k;
	if (rc == 0 && p->act == ACT_INCIDENT_ACK)
		rc = incident_ack(st, &who, p->x.id, e);
	else if (rc == 0 && p->act == ACT_INCIDENT_NOTE)
		rc = incident_note(st, &who, p->x.id, "note", p->text, e);
	else if (rc == 0)
		rc = incident_resolve(st, &who, p->x.id, p->text, e);
	keys_secret_free(*k);
	*k = NULL;
	if (rc == 0)
		rc = link_commit(st, unsure, e);
	if (rc != 0) {
		store_rollback(st);
		store_close(st);
		return -1;
	}
	snprintf(who_name, wn, "%s", who.name);
	if (incident_get(st, p->x.id, &x, &ev, &nev, e) == 0 && nev > 0)
		*seq = ev[nev - 1].seq;
	incident_free(ev);
	rc = ledger_checkpoint_commit(st, NULL, NULL, e);
	if (rc != 0)
		err_prefix(e, "recorded as ledger entry #%" PRId64 ", but no checkpoint was signed", *seq);
	store_close(st);
	return rc;
}

static void respond_passphrase(struct app *a, char *pass, size_t len)
{
	const struct respond_pending *p = &respond_pending;
	struct key_secret *k;
	char who[KEYS_NAME_MAX + 1] = "";
	int64_t seq = 0, unsure = 0;
	char what[96];
	struct err e;
	int rc;

	err_clear(&e);
	k = sign_unlock(a, pass, len);
	if (k == NULL)
		return;
	rc = respond_record(p, a->opts->db_path, a->id.pub.id, &k, who, sizeof who, &seq, &unsure, &e);
	keys_secret_free(k); /* already freed on every path; a guard against the next one */
	snprintf(what, sizeof what, "the act on incident #%" PRId64, p->x.id);
	link_unsure(a, unsure, what);
	/* Show the change (or whatever did get written) at once. */
	app_store_written(a);
	if (rc != 0) {
		app_error(a, "%s", e.msg);
		return;
	}
	if (p->act == ACT_INCIDENT_ACK)
		app_message(a, "acknowledged incident #%" PRId64 ": %s owns it (ledger entry #%" PRId64 ")", p->x.id, who, seq);
	else if (p->act == ACT_INCIDENT_NOTE)
		app_message(a, "noted on incident #%" PRId64 " as %s (ledger entry #%" PRId64 ")", p->x.id, who, seq);
	else
		app_message(a, "resolved incident #%" PRId64 " as %s (ledger entry #%" PRId64 ")", p->x.id, who, seq);
}

static void respond_confirmed(struct app *a, char *text, size_t len)
{
	char q[APP_LINE_MAX];

	(void)text;
	(void)len;
	snprintf(q, sizeof q, "passphrase for key %s (not shown; Esc cancels): ", a->id.pub.name);
	app_ask(a, APP_SECRET, q, respond_passphrase);
}

/* Exactly what changes: the incident, who acts, and the text that goes into its timeline. */
static int respond_confirm(struct app *a)
{
	const struct respond_pending *p = &respond_pending;
	char q[APP_LINE_MAX * 2], name[300];

	respond_name(&p->x, name, sizeof name);
	/* The names bounded so the question, the whole text and "(y/n)" fit the line it is asked on. */
	if (p->act == ACT_INCIDENT_ACK && p->x.owner[0] != '\0')
		snprintf(q, sizeof q, "acknowledge incident %.200s as %.40s, taking it over from %.40s? (y/n)", name,
			 a->id.who.name, p->x.owner);
	else if (p->act == ACT_INCIDENT_ACK)
		snprintf(q, sizeof q, "acknowledge incident %.200s as %.40s, its owner from now? (y/n)", name,
			 a->id.who.name);
	else if (p->act == ACT_INCIDENT_NOTE)
		snprintf(q, sizeof q, "add to incident #%" PRId64 "'s timeline, as %.40s: \"%s\"? (y/n)", p->x.id,
			 a->id.who.name, p->text);
	else if (p->text[0] != '\0')
		snprintf(q, sizeof q, "resolve incident %.150s as %.40s, noting \"%s\"? It takes no more acts (y/n)", name,
			 a->id.who.name, p->text);
	else
		snprintf(q, sizeof q, "resolve incident %.200s as %.40s, noting nothing? It takes no more acts (y/n)", name,
			 a->id.who.name);
	return app_ask(a, APP_CONFIRM, q, respond_confirmed);
}

static void respond_text(struct app *a, char *text, size_t len);

static void respond_ask_text(struct app *a)
{
	const struct respond_pending *p = &respond_pending;
	char q[APP_LINE_MAX];

	if (p->act == ACT_INCIDENT_NOTE)
		snprintf(q, sizeof q, "note for incident #%" PRId64 "'s timeline (Esc cancels): ", p->x.id);
	else
		snprintf(q, sizeof q, "how did incident #%" PRId64 " end? (a note for its timeline; Enter for none; Esc cancels): ",
			 p->x.id);
	app_ask(a, APP_PROMPT, q, respond_text);
}

static void respond_text(struct app *a, char *text, size_t len)
{
	struct respond_pending *p = &respond_pending;
	struct err e;

	(void)len;
	err_clear(&e);
	/* What core refuses, asked again now rather than refused after the passphrase. */
	if (check_text("note", text, INCIDENT_TEXT_MAX, 0, p->act == ACT_INCIDENT_RESOLVE, &e) != 0) {
		app_error(a, "%s", p->act == ACT_INCIDENT_NOTE && text[0] == '\0' ? "a note needs some text" : e.msg);
		respond_ask_text(a);
		return;
	}
	snprintf(p->text, sizeof p->text, "%s", text);
	respond_confirm(a);
}

int respond_start(struct app *a, enum action_id act, const struct incident *x)
{
	if (!a->id.loaded || !a->id.known) {
		app_error(a, "start with --key FILE (a key in the keyring) to act on an incident");
		return -1;
	}
	/* An act through a plugin holds the store's write lock: say so now, not after the passphrase. */
	if (act_running()[0] != '\0') {
		app_error(a, "wait: %s is still running", act_running());
		return -1;
	}
	if (strcmp(x->state, "resolved") == 0) {
		app_error(a, "incident #%" PRId64 " is resolved: it takes no more acts", x->id);
		return -1;
	}
	if (act == ACT_INCIDENT_ACK && strcmp(x->owner, a->id.who.name) == 0) {
		app_error(a, "incident #%" PRId64 " is already yours (acknowledged by %s)", x->id, x->owner);
		return -1;
	}
	memset(&respond_pending, 0, sizeof respond_pending);
	respond_pending.act = act;
	respond_pending.x = *x;
	if (act == ACT_INCIDENT_ACK)
		return respond_confirm(a);
	respond_ask_text(a);
	return 0;
}
