/* sign: the console's governed acts: decisions on promotion requests, opening and applying requests, and rollbacks; each confirmed, then unlocked with the key's no-echo passphrase. */
#ifndef STEWARD_TUI_SIGN_H
#define STEWARD_TUI_SIGN_H

#include <stddef.h>
#include <stdint.h>

#include "keyring.h"
#include "keys.h"
#include "store.h"

struct app;
struct gate;

/* Starts approving (approve 1) or rejecting request: asks to confirm,
 * naming the model, version, full digest and target stage, then (for a
 * rejection) for a reason, then for the passphrase of the --key key;
 * the decision is signed and recorded when the passphrase is given.
 * Returns -1 (message set) when the request cannot be decided on. */
int sign_decision_start(struct app *a, int64_t request, int approve);

/* Starts opening a promotion request for MODEL VERSION to its next stage:
 * confirmation naming model, version, full digest and stage, then the
 * passphrase (the request is not signed, but acting as someone needs the
 * key unlocked, as the CLI does). Returns -1 (message set) when there is
 * nothing to request. */
int sign_promote_start(struct app *a, const char *model, int64_t version);

/* Starts applying an open promotion request whose gate passes now:
 * confirmation naming the exact alias change, then the passphrase. A gate
 * that denies is reported with its first failing rule and nothing is
 * asked. For a model synced from a plugin the alias is moved there first,
 * on a worker thread (tui/act.c), as `steward promote apply` does. */
int sign_apply_start(struct app *a, int64_t request);

/* Starts rolling MODEL's production alias back to the version promoted
 * under policy before the current one: the policy is asked first (its
 * refusal is shown and nothing else asked), then a reason, a confirmation
 * naming the alias move, and the passphrase. A synced model moves through
 * its plugin, as for sign_apply_start. */
int sign_rollback_start(struct app *a, const char *model);

/* The stage a version at `from` is promoted to next: "staging" from
 * none, "production" from staging; NULL when there is none. */
const char *sign_next_stage(const char *from);

/* Why a gate does not pass, in one line: its refusal, or its first rule
 * that is not PASS (and how many more). */
void sign_gate_why(const struct gate *g, char *buf, size_t n);

/* Opens the --key key with the passphrase (wiped here) and checks it is
 * the key the console shows; NULL (message set) when it is not, or when
 * an act through a plugin still runs. */
struct key_secret *sign_unlock(struct app *a, char *pass, size_t len);

/* Who acts, as the keyring stands on st now (inside the act's
 * transaction), not as the header last saw it; refused without one of
 * roles (0: any). */
int sign_whoami(struct store *st, const char *key_id, unsigned roles, struct principal *who, struct err *e);

#endif
