/* respond: A, N and R on an incident (acknowledge, add a note, resolve), each asked for, confirmed naming exactly what changes, and signed with the --key key's passphrase. */
#ifndef STEWARD_TUI_RESPOND_H
#define STEWARD_TUI_RESPOND_H

#include "action.h"
#include "incident.h"

struct app;

/* 1 when act (ACT_INCIDENT_ACK, _NOTE, _RESOLVE) can be done on x now:
 * x is not resolved, and an ack would change its owner. The views' offers. */
int respond_offers(const struct app *a, enum action_id act, const struct incident *x);

/* Starts act on incident x: a note (N) or how it ended (R, Enter for
 * nothing), then a confirmation naming the incident, who acts and what
 * changes, then the passphrase. The act runs in one transaction on a
 * connection of its own, and only if the incident is still as it was
 * confirmed. -1 (message set) when there is nothing to do. */
int respond_start(struct app *a, enum action_id act, const struct incident *x);

#endif
