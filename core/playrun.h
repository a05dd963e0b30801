/* playrun: running a playbook against a model one step at a time: checks over signed monitoring, governed actions, each step a signed ledger entry, runs that stop at the first failure and resume there. */
#ifndef STEWARD_PLAYRUN_H
#define STEWARD_PLAYRUN_H

#include <stddef.h>
#include <stdint.h>

#include "err.h"
#include "keyring.h"
#include "playbook.h"
#include "plugin.h"
#include "store.h"

/* One run, as the ledger's playbook.start and playbook.step entries (and
 * the playbook_runs row caching them) record it. */
struct playrun_info {
	int64_t id;
	char playbook[PLAYBOOK_NAME_MAX + 1], digest[72], model[101], alert[129], actor[101];
	char state[16];     /* running, stopped (a step failed, was refused or declined), done, abandoned */
	int64_t started, incident, seq;
	int64_t version;    /* production's version when it started: what {version} names */
	size_t next, nsteps; /* the step to run next (0-based) */
};

struct playrun_step {
	size_t idx;
	char name[PLAYBOOK_NAME_MAX + 1];
	char state[16];     /* done, failed, refused, error */
	char confirmed[16]; /* interactive or --yes */
	char actor[101];
	char message[600];
	int64_t time, seq;
};

/* Finds the run to continue, or starts one. An unfinished run of the same
 * playbook on the same model is resumed at its next step (the one that
 * stopped it), unless the playbook file changed since it started (then
 * refused, naming both digests) or fresh is set (the old run is
 * abandoned, recorded). A new run records playbook.start (signed by who:
 * the playbook's name, digest and steps, the model, the alert that
 * triggered it). *resumed says which. Runs its own transaction. */
int playrun_begin(struct store *st, const struct principal *who, const struct playbook *pb, const char *model,
		  const char *alert, int fresh, int64_t *run, int *resumed, struct err *e);

/* Asked before an action step runs; what says exactly what it will
 * change ("roll production of fraud back from v4 to v3; live traffic
 * 3=100 4=0:drain through hap"). 1 go, 0 declined (the run stops there,
 * recorded as refused by the operator). NULL: unattended (--yes). */
typedef int (*playrun_confirm_fn)(void *arg, const struct playbook_step *s, size_t idx, const char *what);

/* Runs the run's next step: a check reads the signed monitoring
 * observation (steward sync --key signs it) and fails when it does not
 * hold or there is no data; an action asks confirm first, then acts
 * through the same core calls the CLI uses (gate_rollback, deploy_apply,
 * monitor_silence_alert, incident_*) with be for the backends. Each step,
 * whatever its outcome, is one signed playbook.step entry naming who,
 * how it was confirmed and what it did. Returns 0 when the step passed
 * (more may follow), 1 when the run stopped at it (out says why), 2 when
 * the run has no step left (done), -1 on error (out->message too when
 * the step could be recorded). */
int playrun_next(struct store *st, const struct principal *who, struct plugin_backend *be, const struct playbook *pb,
		 int64_t run, playrun_confirm_fn confirm, void *arg, struct playrun_step *out, struct err *e);

/* What step idx of run would change, resolved against the store now (the
 * versions, the traffic plan, the alert), for a confirmation or a preview. */
int playrun_preview(struct store *st, const struct playbook *pb, int64_t run, size_t idx, char *out, size_t n,
		    struct err *e);

/* A run and its steps, oldest first (*steps malloc'd; free()). */
int playrun_get(struct store *st, int64_t run, struct playrun_info *out, struct playrun_step **steps, size_t *n,
		struct err *e);
/* Runs, newest first: all, or only unfinished (running or stopped); of model or (NULL) any. */
int playrun_list(struct store *st, int all, const char *model, struct playrun_info **out, size_t *n, struct err *e);

#endif
