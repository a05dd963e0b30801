/* demo: builds the deterministic demo estate that `steward demo` opens. */
#ifndef STEWARD_DEMO_H
#define STEWARD_DEMO_H

#include "err.h"
#include "store.h"

#define DEMO_PASSPHRASE "demo-passphrase"
#define DEMO_PERSONAS 7

/* The people of the demo estate, one per role (two risk officers and two
 * ML leads, so thresholds of two can be met). */
struct demo_persona {
	const char *name;
	unsigned roles;
	const char *what;
};
extern const struct demo_persona demo_personas[DEMO_PERSONAS];

/* Fills an empty store with the demo estate, in one transaction: a key
 * per persona in keydir (NAME.key, passphrase DEMO_PASSPHRASE), the log
 * key, the keyring, the policies of policydir enrolled, models, versions,
 * cards, metrics, past signed promotions, a rollback, and requests waiting
 * in every state a gate can be in. The history is the same every time
 * (names, digests, and times relative to the clock at the build): it is
 * dated back from now, in order, the pending requests a few hours ago,
 * so every entry lies in the past and the approvals are fresh. Keys are
 * random. */
int demo_build(struct store *st, const char *keydir, const char *policydir, struct err *e);
/* 1 when the store was built by demo_build (so it may be rebuilt). */
int demo_is_demo(struct store *st);

#endif
