/* playbook: incident playbook files (a trigger and ordered check/action steps): parsing with file:line:col errors, lint, trigger matching, placeholder expansion and plain-words descriptions of steps. */
#ifndef STEWARD_PLAYBOOK_H
#define STEWARD_PLAYBOOK_H

#include <stddef.h>
#include <stdint.h>

#include "err.h"
#include "plugins/steward-plugin.h"
#include "policy.h"

#define PLAYBOOK_MAX_BYTES (64 * 1024) /* a larger file is refused before parsing */
#define PLAYBOOK_MAX_STEPS 32
#define PLAYBOOK_MAX_MATCHERS 8
#define PLAYBOOK_NAME_MAX 64           /* playbook, step, label names */
#define PLAYBOOK_DESC_MAX 300          /* description bytes */
#define PLAYBOOK_TEXT_MAX 600          /* a step's quoted text, bytes before expansion */
#define PLAYBOOK_SILENCE_MAX (7 * 24 * 3600)

enum playbook_kind {
	PB_CHECK_FIRING = 1, /* check firing [ALERT]: a = alert name (the trigger's when not given) */
	PB_CHECK_LIVE,       /* check live SIGNAL OP X: a = signal, op, value */
	PB_CHECK_DRIFT,      /* check drift FEATURE|any OP X: a = feature or "any", op, value */
	PB_INCIDENT_OPEN,    /* incident open SEVERITY "TITLE": a = severity, text = title */
	PB_INCIDENT_NOTE,    /* incident note "TEXT": text */
	PB_INCIDENT_RESOLVE, /* incident resolve "TEXT": text */
	PB_ROLLBACK,         /* rollback [ALIAS] "REASON": a = alias ("production" by default), text = reason */
	PB_SHIFT,            /* shift previous|current|N SHARE "REASON": a or version, share, text */
	PB_SILENCE,          /* silence DURATION "COMMENT": duration, text */
	PB_ANNOTATE,         /* annotate "TEXT": text */
};

struct playbook_step {
	char name[PLAYBOOK_NAME_MAX + 1]; /* "rollback": unique within the playbook */
	enum playbook_kind kind;
	int line;                         /* where the step was written, for messages */
	char a[129];                      /* alert name, signal, feature, alias, severity;
					     "previous"/"current" for a shift by reference, "" for a fixed version */
	int64_t version;                  /* shift to a fixed version number; 0 otherwise */
	enum policy_op op;                /* checks of live and drift: the comparison */
	double value;                     /* checks of live and drift: the limit */
	int64_t share;                    /* shift: percent of traffic (0..100) for the version */
	int64_t duration;                 /* silence: seconds (1..PLAYBOOK_SILENCE_MAX) */
	char text[PLAYBOOK_TEXT_MAX + 1]; /* title, reason, comment or note; placeholders unexpanded */
};

struct playbook_matcher {
	char name[PLAYBOOK_NAME_MAX + 1]; /* label name */
	int neg;                          /* 1 for NAME!=VALUE */
	char value[257];                  /* compared byte for byte */
};

struct playbook {
	char name[PLAYBOOK_NAME_MAX + 1];        /* [a-z0-9][a-z0-9._-]{0,63} */
	char description[PLAYBOOK_DESC_MAX + 1]; /* "" when none */
	char alert[129];                         /* the trigger's alert name */
	struct playbook_matcher m[PLAYBOOK_MAX_MATCHERS]; /* the trigger's label matchers, all must hold */
	size_t nm;
	struct playbook_step steps[PLAYBOOK_MAX_STEPS]; /* in order of the file */
	size_t nsteps;                                  /* 1..PLAYBOOK_MAX_STEPS */
	char path[4096];  /* the file it was loaded from; "" after playbook_parse alone */
	char digest[72];  /* "sha256:<hex>" of the file bytes (gate_digest); "" after playbook_parse alone */
};

/* What placeholders stand for; a NULL member (or NULL vars) expands to "-". */
struct playbook_vars {
	const char *model;    /* {model} */
	const char *version;  /* {version} */
	const char *alert;    /* {alert} */
	const char *severity; /* {severity} */
	const char *playbook; /* {playbook} */
};

/* Parses text (len bytes, NULs inside refused). fname names the file in
 * errors: "x.playbook:3:9: found 'chek', expected a step kind (check,
 * incident, ...)". Never crashes on any input; *out is filled only
 * partially on error. */
int playbook_parse(const char *text, size_t len, const char *fname, struct playbook *out, struct err *e);

/* Reads path (a regular file of at most PLAYBOOK_MAX_BYTES, a symlink as
 * the last component refused), parses it and fills path and digest. */
int playbook_load(const char *path, struct playbook *out, struct err *e);

/* The lint warnings of a parsed playbook, one call of fn each, with the
 * line the warning is about (0: the file as a whole): an action step
 * before any check step, a rollback and a shift in one playbook, a
 * silence longer than 24 h, and (when path is set) a file not named
 * NAME.playbook. */
void playbook_lint(const struct playbook *p, void (*fn)(void *arg, int line, const char *msg), void *arg);

/* 1 for steps that change something (incident, rollback, shift, silence,
 * annotate), 0 for checks. */
int playbook_is_action(enum playbook_kind k);
/* "check firing", "check live", "rollback", ... as the file writes them. */
const char *playbook_kind_name(enum playbook_kind k);

/* 1 when alertname is the trigger's alert and every matcher holds over
 * labels (a label absent counts as ""; so NAME!=VALUE holds then). */
int playbook_matches(const struct playbook *p, const char *alertname, const struct steward_kv *labels, size_t n);

/* Writes text with its placeholders replaced into out (n bytes). Returns
 * 0, or -1 when out was too small (out then holds the truncated text) or
 * text holds an unknown placeholder (copied as written). */
int playbook_expand(const char *text, const struct playbook_vars *v, char *out, size_t n);

/* What the step will do, in words a confirmation can show: "roll
 * production of fraud-scoring back to the known-safe version" (v may be
 * NULL: then "the model", and the step's text as written, placeholders
 * and all). Always NUL-terminates out. */
void playbook_describe(const struct playbook_step *s, const struct playbook_vars *v, char *out, size_t n);

/* The playbook directory: opt (--playbooks) when given, else
 * $STEWARD_PLAYBOOK_DIR, else configured (the config file's [steward]
 * playbooks key; NULL or "" when none), else
 * $XDG_CONFIG_HOME/steward/playbooks (or ~/.config/steward/playbooks)
 * when it exists, else the shipped playbooks: policies/playbooks beside
 * the binary (a source tree's build/steward) or DATADIR/policies/playbooks
 * of the install. ERR_NOTFOUND when none of these exists. */
int playbook_dir(const char *opt, const char *configured, char *out, size_t n, struct err *e);

/* Loads every *.playbook in dir, sorted by name, into a malloc'd array
 * (*out, *n; free() it). Files that fail to load are handed to bad(arg,
 * path, err) and skipped; so is a second playbook with a name already
 * loaded. Returns -1 only when dir itself cannot be read. */
int playbook_load_dir(const char *dir, struct playbook **out, size_t *n,
		      void (*bad)(void *arg, const char *path, const struct err *e), void *arg, struct err *e);

/* The one playbook named name in dir; ERR_NOTFOUND when none. Broken files are skipped. */
int playbook_find(const char *dir, const char *name, struct playbook *out, struct err *e);

#endif
