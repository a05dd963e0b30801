/* action: the one table of console actions; the key dispatcher, `:` commands and the help screen all come from it. */
#ifndef STEWARD_TUI_ACTION_H
#define STEWARD_TUI_ACTION_H

#include <stddef.h>
#include <stdio.h>

struct app;

enum action_flags {
	ACTION_RO_SAFE = 1 << 0,   /* allowed under --readonly (changes nothing) */
	ACTION_DANGEROUS = 1 << 1, /* asks for confirmation first */
	ACTION_SIGNED = 1 << 2,    /* signs with the --key key: needs it and its passphrase */
	ACTION_IN_VIEW = 1 << 3,   /* only some views do it: hinted where the view offers it */
	ACTION_TABLE = 1 << 4,     /* works on a table (a list with column titles): hinted there */
};

/* Where a binding applies: browsing, while typing a `/` or `:` line (or
 * a prompt or passphrase), or while a y/n question is asked. */
enum action_mode {
	ACTION_BROWSE,
	ACTION_LINE,
	ACTION_CONFIRM,
};

enum action_id {
	ACT_DOWN,
	ACT_UP,
	ACT_FIRST,
	ACT_LAST,
	ACT_PGDN,
	ACT_PGUP,
	ACT_OPEN,
	ACT_BACK,
	ACT_FILTER,
	ACT_COMMAND,
	ACT_HELP,
	ACT_QUIT_OR_BACK,
	ACT_SORT,
	ACT_SORT_REVERSE,
	ACT_CLICK,
	ACT_WHEEL_UP,
	ACT_WHEEL_DOWN,
	ACT_MODELS,
	ACT_APPROVALS,
	ACT_AUDIT,
	ACT_AUDIT_SCOPE,
	ACT_KEYS,
	ACT_POLICIES,
	ACT_APPROVALS_MINE,
	ACT_APPROVALS_HISTORY,
	ACT_APPROVE,
	ACT_REJECT,
	ACT_PROMOTE,
	ACT_COMPARE,
	ACT_APPLY,
	ACT_ROLLBACK,
	ACT_MONITOR,
	ACT_ALERTS,
	ACT_SILENCE,
	ACT_UNSILENCE,
	ACT_INCIDENTS,
	ACT_INCIDENTS_ALL,
	ACT_INCIDENT_ACK,
	ACT_INCIDENT_NOTE,
	ACT_INCIDENT_RESOLVE,
	ACT_PLAYBOOKS,
	ACT_DEPLOYMENTS,
	ACT_RESPOND,
	ACT_LINEAGE,
	ACT_LINEAGE_DIR,
	ACT_TREE_EXPAND,
	ACT_TREE_COLLAPSE,
	ACT_TREE_EXPAND_ALL,
	ACT_QUIT,
	ACT_LINE_ENTER,
	ACT_LINE_ESC,
	ACT_LINE_BS,
	ACT_LINE_TAB,
	ACT_LINE_PREV,
	ACT_LINE_NEXT,
	ACT_YES,
	ACT_NO,
};

#define ACTION_MAX_KEYS 4
#define ACTION_MAX_CMDS 3
#define ACTION_MAX_WHERE 6

struct action {
	enum action_id id;
	enum action_mode mode;
	int keys[ACTION_MAX_KEYS];         /* keys.h codes, 0-terminated */
	const char *cmds[ACTION_MAX_CMDS]; /* `:` names, NULL-terminated */
	const char *help;
	/* The views (view_ops.name) where it does something of its own,
	 * NULL-terminated; empty means everywhere. `?` lists the keys of the
	 * view it was opened from first, and the man page says where. */
	const char *where[ACTION_MAX_WHERE];
	const char *hint; /* short label for the bottom line's key hints, or NULL */
	int flags;
	/* ROLE_* bits (core/keyring.h): 0 lets anyone run it; otherwise the
	 * console's principal (--key) must hold one of them. */
	unsigned roles;
	int (*run)(struct app *a, const char *arg);
};

extern const struct action action_table[];
extern const size_t action_count;

/* The action key runs in the view named view: an action whose .where
 * names the view before one that applies everywhere (s silences in
 * :alerts and sorts elsewhere), else the first bound to key. */
const struct action *action_for_key_in(enum action_mode mode, int key, const char *view);
/* The same outside any view: the binding that applies everywhere. */
const struct action *action_for_key(enum action_mode mode, int key);
/* 1 when act's .where names the view. */
int action_where(const struct action *act, const char *view);
/* 1 when no key reaches act in view (another action's binding there
 * takes every key of it) and it has no command: help and hints skip it. */
int action_shadowed(const struct action *act, const char *view);
/* The table's entry for id (every id has one). */
const struct action *action_by_id(enum action_id id);
const struct action *action_for_command(const char *name);
/* "j, Down" and ":q, :quit" for help and the man page. */
void action_keys_text(const struct action *act, char *buf, size_t n);
void action_cmds_text(const struct action *act, char *buf, size_t n);
/* The bottom line's hints ("? help  / filter  q quit"), from the table. */
void action_hints(const struct app *a, char *buf, size_t n);
/* 1 when the action may run now: the one place --readonly, --key and
 * roles are enforced; help, hints and the dispatcher all ask here. */
int action_allowed(const struct app *a, const struct action *act);
/* 1 with buf saying why when the action may not run now; 0 (buf empty) when it may. */
int action_refusal(const struct app *a, const struct action *act, char *buf, size_t n);

/* The dispatcher: every key, real or scripted, comes through here. */
void action_key(struct app *a, int key);
/* A `:` command name and the action it runs. */
struct action_match {
	const struct action *act;
	const char *cmd;
};

/* The commands that may run now whose name starts with prefix, in table
 * order, one per action; returns how many there are (out holds at most
 * max). The palette, Tab and `:ap` all use it. */
size_t action_commands_matching(const struct app *a, const char *prefix, struct action_match *out,
				size_t max);

/* The man page's CONSOLE KEYS section, from the table (steward help --console-roff). */
void action_roff(FILE *f);

/* Parses and runs a `:` command line (without the colon). */
int action_command(struct app *a, const char *line);

#endif
