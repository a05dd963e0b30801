/* view: the ops table every console view fills in (tig's view_ops, htop's Panel) and the view instance. */
#ifndef STEWARD_TUI_VIEW_H
#define STEWARD_TUI_VIEW_H

#include <stdint.h>

#include <jansson.h>

#include "err.h"
#include "list.h"
#include "plugins/steward-plugin.h"

struct app;
struct view;
struct action;
struct gate;

/* What a view is opened on; fields a view does not need stay NULL/0. */
struct view_arg {
	const char *model;
	int64_t version;
	int64_t request; /* a promotion request's id */
	int64_t seq;     /* a ledger entry's sequence number */
	int64_t policy;  /* an enrolled policy's id */
	int64_t other;   /* compare: the version compared with (0: production's) */
	int64_t incident; /* an incident's number */
	const char *scope; /* :approvals: "" (what waits for me), "all", "history [STATE]" */
	const char *ns, *dataset; /* :lineage of a dataset: its namespace and name */
};

/* Dataset namespaces and names run to 1,024 bytes (core/lineage.c). */
#define VIEW_NAME_MAX 1040

struct view_ops {
	const char *name; /* shown in the status line ("models") */
	/* 1 when nothing the view shows depends on who is signed in: the
	 * --key's proof arriving (app_reload_all) leaves it fresh. */
	int impersonal;
	/* Loads the view; on failure the view is not pushed and e says why. */
	int (*open)(struct app *a, struct view *v, const struct view_arg *arg, struct err *e);
	/* Frees what open allocated (v->priv); the list is freed by the caller. */
	void (*close)(struct view *v);
	/* Reloads from the store, keeping the selection where it can. */
	int (*refresh)(struct app *a, struct view *v, struct err *e);
	/* Draws the view into the box (y, x, h, w); must stay inside it. */
	void (*draw)(struct app *a, struct view *v, int y, int x, int h, int w);
	/* Offered every action before its default handling (optional);
	 * returns 1 when the view handled it. Keys are bound only in the
	 * action table, so a view can change what an action means but can
	 * never add a key the help screen does not list. */
	int (*key)(struct app *a, struct view *v, const struct action *act);
	/* Enter on the selected row (optional): usually pushes a view. */
	int (*enter)(struct app *a, struct view *v, struct err *e);
	/* The view's title for the status line ("fraud-scoring v3"). */
	void (*title)(struct view *v, char *buf, size_t n);
	/* 1 when key would handle act here (optional): the bottom line only
	 * hints at view-specific actions (ACTION_IN_VIEW) where this says so. */
	int (*offers)(const struct app *a, const struct view *v, const struct action *act);
	/* The model (borrowed) and version the view is about (optional):
	 * :audit opened from here is scoped to them. */
	void (*scope)(const struct view *v, struct view_arg *arg);
	/* The model and version the view is about (in a list of versions,
	 * the selected one); 0 when there is one (optional). Actions on "this
	 * version" that take an argument, such as :compare 4, ask here. */
	int (*subject)(const struct view *v, const char **model, int64_t *version);
	/* Optional: takes what the view's background work has brought (with
	 * wait, waiting for it first); 1 while work is still under way. */
	int (*poll)(struct app *a, struct view *v, int wait);
	/* Optional: opens v as another view of from, which has the same ops
	 * and argument and was loaded at the store's current data version,
	 * from what from holds instead of reading the store again (`:models`
	 * typed deep in the stack, with the root's list still fresh). */
	int (*copy)(struct app *a, struct view *v, const struct view *from, struct err *e);
};

struct view {
	const struct view_ops *ops;
	struct list list;
	void *priv;
	int64_t seen_version; /* store data version when last loaded */
	/* What it was opened on, so a `:` command for the same thing does
	 * not stack a copy; arg.model points into model. */
	struct view_arg arg;
	char model[512];
	char scope[256];
	char ns[VIEW_NAME_MAX], dataset[VIEW_NAME_MAX];
};

extern const struct view_ops view_models_ops;
extern const struct view_ops view_model_ops;
extern const struct view_ops view_version_ops;
extern const struct view_ops view_help_ops;
extern const struct view_ops view_approvals_ops;
extern const struct view_ops view_request_ops;
extern const struct view_ops view_audit_ops;
extern const struct view_ops view_entry_ops;
extern const struct view_ops view_keys_ops;
extern const struct view_ops view_policies_ops;
extern const struct view_ops view_policy_ops;
extern const struct view_ops view_compare_ops;
extern const struct view_ops view_monitor_ops;
extern const struct view_ops view_monitor_detail_ops;
extern const struct view_ops view_alerts_ops;
extern const struct view_ops view_lineage_ops;
extern const struct view_ops view_incidents_ops;
extern const struct view_ops view_incident_ops;
/* arg.dataset set: the playbooks answering the alert with that fingerprint on arg.model. */
extern const struct view_ops view_playbooks_ops;
/* arg.scope: the playbook; arg.model: the model; arg.dataset: the alert's name. */
extern const struct view_ops view_playrun_ops;
extern const struct view_ops view_deploy_ops;
/* The playbook directory as the CLI finds it: $STEWARD_PLAYBOOK_DIR, the
 * console's --config [steward] playbooks, then the defaults (steward-playbook(5)). */
int view_playbook_dir(const struct app *a, char *out, size_t n, struct err *e);
/* An alert's labels (monitor_alert.labels, a JSON object of strings) as at
 * most max key/value pairs for playbook_matches; they point into *root,
 * which the caller json_decref()s. */
size_t view_alert_labels(const char *json, json_t **root, struct steward_kv *kv, size_t max);

/* c and :compare [VERSION]: compares the top view's version (its subject)
 * with VERSION, or with production's when arg is empty; pushes the
 * compare view, or says why there is nothing to compare. */
int view_compare_start(struct app *a, const char *arg);

/* l and :lineage [VERSION]: the lineage of the top view's version (its
 * subject), of VERSION of its model, or of the production version of the
 * model at hand (the one selected in :models); says what to do when
 * there is none. */
int view_lineage_start(struct app *a, const char *arg);

/* Shared formatting for views: "2026-01-01" in UTC, "-" for 0. */
void view_date(int64_t t, char *buf, size_t n);
/* "sha256:1a2b3c4d" from a full digest. */
void view_short_digest(const char *digest, char *buf, size_t n);
/* The draw style of a tier given by name ("high"); plain when unknown. */
int view_tier_style(const char *tier);
/* RFC 3339 in UTC ("2026-01-01T00:00:00Z"), "-" for 0: the ledger's own form. */
void view_time(int64_t t, char *buf, size_t n);
/* Appends one LIST_SPAN row of text in style (headings, blank lines, notes). */
int view_line(struct list *l, int style, const char *text, struct err *e);
/* Appends text as LIST_SPAN rows wrapped to width, each line after
 * indent (spaces) in style. */
int view_wrapped(struct list *l, int style, const char *text, int indent, int width,
		 struct err *e);

/* "2026-01-01 00:00" in UTC, "-" for 0: when monitoring data is from. */
void view_minute(int64_t t, char *buf, size_t n);
/* An age or a duration in two units at most: "45s", "12m", "3h05m", "2d04h". */
void view_duration(int64_t s, char *buf, size_t n);

/* The plugins a monitoring view draws from, one line each that is not
 * well (the reason, and the age of the data it last synced, which is what
 * the view shows meanwhile) and one line for those that are. */
#define VIEW_HEALTH_MAX 4
struct view_health {
	char text[VIEW_HEALTH_MAX][512];
	int style[VIEW_HEALTH_MAX];
	int n;
};
/* For the configured instances feeding :monitor (alerts 0) or :alerts
 * (alerts 1), and the names in extra (plugins the shown data came from;
 * those never synced are left out). */
int view_health_load(struct app *a, int alerts, const char *const *extra, size_t nextra,
		     struct view_health *h, struct err *e);
/* Draws at most max of its lines from y; returns how many it drew. */
int view_health_draw(const struct view_health *h, int y, int x, int w, int max);

struct monitor_row;
/* A monitoring signal's value (enum monitor_sig) with its unit: "212ms",
 * "0.12%", "0.031", "3h05m", "12.5/s"; "-" for none (NAN). */
void view_monitor_value(int sig, double v, char *buf, size_t n);
/* How the signal of a row is drawn: DRAW_ERROR over its limit, DRAW_WARN
 * within 80% of it, DRAW_DIM without a value, else DRAW_NORMAL. */
int view_monitor_style(const struct monitor_row *r, int sig);
struct incident;
/* How an incident is drawn: red critical, yellow warning, dim once resolved. */
int view_incident_style(const struct incident *x);

/* "critical", "warning", "info" for ranks 3, 2, 1; "-" for none. */
const char *view_severity_name(int rank);

/* One row per gate rule: status, rule, evidence and reason, the reason
 * wrapped whole, then the verdict (view-version.c; the request view
 * shows the same). */
int view_version_gate_rules(const struct gate *g, struct list *l, int width, struct err *e);

#endif
