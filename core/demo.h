/* demo: builds the deterministic demo estate that `steward demo` opens. */
#ifndef STEWARD_DEMO_H
#define STEWARD_DEMO_H

#include "err.h"
#include "store.h"

/* Fills an empty store with the demo estate, in one transaction. The same
 * estate every time: fixed clock, fixed names, digests from fixed bytes. */
int demo_build(struct store *st, struct err *e);
/* 1 when the store was built by demo_build (so it may be rebuilt). */
int demo_is_demo(struct store *st);

#endif
