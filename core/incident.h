/* incident: incidents on a model (open, acknowledge, note, resolve), each act one signed ledger entry, the incidents and incident_events tables their cache. */
#ifndef STEWARD_INCIDENT_H
#define STEWARD_INCIDENT_H

#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "err.h"
#include "keyring.h"
#include "store.h"

#define INCIDENT_TITLE_MAX 200
#define INCIDENT_TEXT_MAX 600

/* Roles that may open, acknowledge, note and resolve an incident;
 * auditors and pipeline keys are refused, naming the role. */
#define INCIDENT_ROLES ROLE_SIGNERS

struct incident {
	int64_t id;
	char model[101];
	char title[INCIDENT_TITLE_MAX + 1];
	char severity[16]; /* info, warning, critical */
	char state[16];    /* open, acknowledged, resolved */
	char owner[101];   /* who acknowledged it, "" before */
	char opened_by[101];
	int64_t opened, acked, resolved; /* unix seconds, 0 not yet */
	char alert[129];                 /* the alert that started it, "" none */
	int64_t seq;                     /* the incident.open entry */
};

struct incident_event {
	int64_t seq, time; /* the ledger entry and its time */
	char actor[101];
	char kind[16]; /* open, ack, note, step, resolve */
	char text[INCIDENT_TEXT_MAX + 1];
};

/* Each runs inside the caller's transaction and writes one ledger entry
 * signed by who->key (ledger_append_act) with the table rows, so the act
 * and its cache commit together. Bad input, a role that may not act, an
 * unknown incident or a refused transition write nothing and fill e. */

/* incident.open on models:/MODEL; model must be in the registry, severity
 * info|warning|critical, title non-empty, alert "" or NULL for none.
 * *id is the new incident's number. */
int incident_open(struct store *st, const struct principal *who, const char *model, const char *severity,
		  const char *title, const char *alert, int64_t *id, struct err *e);
/* incident.ack: who becomes the owner (again, when already acknowledged:
 * a hand-over); refused when resolved. */
int incident_ack(struct store *st, const struct principal *who, int64_t id, struct err *e);
/* incident.note: kind "note" (a person's words) or "step" (what a
 * playbook step did); refused when resolved. */
int incident_note(struct store *st, const struct principal *who, int64_t id, const char *kind, const char *text,
		  struct err *e);
/* incident.resolve with an optional closing text (NULL or ""); refused
 * when already resolved. */
int incident_resolve(struct store *st, const struct principal *who, int64_t id, const char *text, struct err *e);

/* One incident and, when ev is not NULL, its timeline oldest first
 * (*ev malloc'd, free with incident_free). -1 with e naming the id when
 * there is no such incident. */
int incident_get(struct store *st, int64_t id, struct incident *out, struct incident_event **ev, size_t *nev,
		 struct err *e);
/* Incidents newest first: all, or only those not resolved; of one model
 * or (NULL) any. *out malloc'd (NULL when none), free with incident_free. */
int incident_list(struct store *st, int all, const char *model, struct incident **out, size_t *n, struct err *e);
/* Which incidents incident_each gives, newest first: as incident_list's
 * all and model, opened at or after since, at most limit (0: no limit). */
struct incident_query {
	int all;
	const char *model;
	int64_t since, limit;
};
/* Gives fn each incident as it is read (borrowed), so memory holds one at
 * any number. fn returns 0 for the next, > 0 to stop, < 0 to fail with e
 * filled; it must run no statement on st (PostgreSQL would queue the rest
 * of the read). */
typedef int (*incident_fn)(void *arg, const struct incident *x, struct err *e);
int incident_each(struct store *st, const struct incident_query *q, incident_fn fn, void *arg, struct err *e);
/* The newest unresolved incident of model: its id, 0 when none, -1 on error. */
int64_t incident_open_for(struct store *st, const char *model, struct err *e);
/* How many incidents are not resolved (the header's count); -1 on error. */
int64_t incident_count_open(struct store *st, struct err *e);
void incident_free(void *p);

/* Checks a severity word; -1 with e listing the three. */
int incident_check_severity(const char *severity, struct err *e);

/* ---- audit verify (core/replay.c, core/audit.c) ---- */

/* The incidents the ledger's incident.* entries make, rebuilt entry by
 * entry: the module that writes the bodies is the one that reads them. */
struct incident_replay;
struct incident_replay *incident_replay_new(void);
void incident_replay_free(struct incident_replay *r);
/* One incident.* entry (time t, already verified as signed by actor,
 * whose role replay.c checked): -1 with why filled when it could not have
 * been made (an unknown incident, one already resolved, a malformed body,
 * numbers that do not go up, another subject than its model). */
int incident_replay_entry(struct incident_replay *r, int64_t seq, int64_t t, const char *action, const char *actor,
			  const char *subject, json_t *data, char *why, size_t n);
/* The incidents and incident_events tables against the replay: -1 with e
 * naming the first incident and column that differ, or a row the ledger
 * never made, or one it made that is missing. */
int incident_replay_check(struct store *st, const struct incident_replay *r, struct err *e);
int64_t incident_replay_count(const struct incident_replay *r);

#endif
