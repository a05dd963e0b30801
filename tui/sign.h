/* sign: the console's decisions on promotion requests: confirm, reason, no-echo passphrase, then sign and record them. */
#ifndef STEWARD_TUI_SIGN_H
#define STEWARD_TUI_SIGN_H

#include <stdint.h>

struct app;

/* Starts approving (approve 1) or rejecting request: asks to confirm,
 * naming the model, version, full digest and target stage, then (for a
 * rejection) for a reason, then for the passphrase of the --key key;
 * the decision is signed and recorded when the passphrase is given.
 * Returns -1 (message set) when the request cannot be decided on. */
int sign_decision_start(struct app *a, int64_t request, int approve);

#endif
