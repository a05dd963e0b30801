/* deploy: the serving layer: what deploy plugins read into deployments, governed traffic changes (canary, shift, full, a rollback's return of traffic) as signed deploy.traffic entries, and traffic no decision explains. */
#ifndef STEWARD_DEPLOY_H
#define STEWARD_DEPLOY_H

#include <stddef.h>
#include <stdint.h>

#include "err.h"
#include "gate.h"
#include "keyring.h"
#include "plugins/steward-plugin.h"
#include "store.h"

#define DEPLOY_MAX_VERSIONS 16 /* live versions of one model in a plan */

/* ---- what a deploy plugin's sync hands over ---- */

struct deploy_sync; /* one sync's records, held until its end */

struct deploy_sync *deploy_sync_begin(const char *plugin, struct err *e);
/* Checks a record and holds it; refused records name model and target. */
int deploy_sync_record(struct deploy_sync *d, const struct steward_deployment_rec *r, struct err *e);
/* Inside the caller's transaction: replaces the plugin's rows with what
 * this sync saw, and for each model whose live shares differ from the
 * newest decision (or observation) records traffic.observed (or, for a
 * model steward never governed, traffic.imported as the baseline); a
 * difference from what steward decided is an unapproved change until
 * a decision or the backend settles it. *observed counts the entries. */
int deploy_sync_end(struct store *st, struct deploy_sync *d, int64_t *observed, struct err *e);
void deploy_sync_free(struct deploy_sync *d);

/* ---- reading ---- */

struct deploy_row {
	char plugin[65], target[200], model[101];
	int64_t version;
	char mode[8], state[8];
	int64_t weight;
	double share;
	int64_t sessions, observed;
};
/* Rows of model (NULL: every model), live before shadow, by share. */
int deploy_list(struct store *st, const char *model, struct deploy_row **out, size_t *n, struct err *e);

/* A plan: every live version of a model with its share and state; each
 * v[i].state is a string constant ("ready", "drain", "maint"), so a plan
 * copies and sorts as plain values. */
struct deploy_plan {
	size_t n;
	struct steward_traffic v[DEPLOY_MAX_VERSIONS];
};

/* The traffic steward decided last for model: the newest signed
 * deploy.traffic entry (its signature checked against the proven
 * keyring). has 0 when none; seq and time of the entry; kind is canary,
 * shift, full or rollback. */
struct deploy_decision {
	int has;
	int64_t seq, time;
	char kind[16], actor[101], plugin[65];
	struct deploy_plan plan;
};
int deploy_decided(struct store *st, const char *model, struct deploy_decision *d, struct err *e);

/* An unapproved change: the shares seen and the shares decided, as text ("3=80 4=20"). */
struct deploy_unapproved {
	char model[101], seen[200], expected[200];
	int64_t observed, seq;
};
int deploy_unapproved_list(struct store *st, const char *model, struct deploy_unapproved **out, size_t *n,
			   struct err *e);

/* The canary evidence a gate reads for model/version: its share in the
 * newest signed decision and since when it has had that share. has 0
 * when no decision gave it traffic, or when an observation newer than
 * the decision shows the backend no longer serves what was decided
 * (note says so). */
struct deploy_canary {
	int has;
	double share;
	int64_t since;
	char note[200];
};
int deploy_canary_of(struct store *st, const char *model, int64_t version, struct deploy_canary *c, struct err *e);

/* ---- governed changes ---- */

enum deploy_kind { DEPLOY_CANARY = 1, DEPLOY_SHIFT, DEPLOY_FULL };
const char *deploy_kind_name(enum deploy_kind k);

/* The plan for giving version share percent of model's live traffic:
 * version gets share, the version holding most of the rest (the stable
 * one) gets 100 - share, every other live version 0 and drained. Read
 * from the deployments the last sync saw; refused when version has no
 * server or no other version is there to take the rest. */
int deploy_plan_for(struct store *st, const char *model, int64_t version, int64_t share, struct deploy_plan *p,
		    char plugin[65], struct err *e);

/* Inside the caller's transaction. canary: the open request to "canary"
 * must pass its gate, and is applied with the traffic (the canary alias
 * moves, so the version's stage is canary); shift: the policy's shift section, judged on who; full: the
 * version must be production by a governed promotion, or have an open
 * request to production whose gate passes (applied with it). The plan is
 * carried out through be->set_traffic first, then the entry deploy.traffic (signed by
 * who) records kind, plan, plugin, reason and the gate. Returns 0 done,
 * 1 refused (g says why), -1 error (nothing recorded). */
int deploy_apply(struct store *st, const struct principal *who, enum deploy_kind kind, const char *model,
		 int64_t version, int64_t share, const char *reason, const struct gate_backend *be, struct gate *g,
		 int64_t *seq, struct err *e);

/* A rollback's return of traffic (gate_rollback calls it once its gate
 * passed, before the alias moves: traffic matters most at 3 a.m.): to
 * gets all live traffic, every other version 0 and drained; records
 * deploy.traffic kind rollback (*seq; 0 when the model has no
 * deployments, and nothing changes). undo and plugin get the traffic as
 * it was, for the caller to put back (be->set_traffic) when a later step
 * fails. -1 error: nothing changed. */
int deploy_rollback_traffic(struct store *st, const struct principal *who, const char *model, int64_t to,
			    const char *reason, const struct gate_backend *be, int64_t *seq, struct deploy_plan *undo,
			    char plugin[65], struct err *e);

/* Best effort after a later step failed: carries out undo again and says
 * in e whether traffic is back as it was. */
void deploy_put_back(const struct gate_backend *be, const char *plugin, const char *model,
		     const struct deploy_plan *undo, struct err *e);

/* "3=80 4=20": a plan as text for messages and confirmations. */
void deploy_plan_text(const struct deploy_plan *p, char *out, size_t n);

#endif
