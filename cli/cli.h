/* cli: the command table, option parser, dispatcher and output helpers behind `steward NOUN VERB`. */
#ifndef STEWARD_CLI_H
#define STEWARD_CLI_H

#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "err.h"
#include "keyring.h"
#include "keys.h"
#include "store.h"

#define CLI_POS_MAX 64
#define CLI_OPTS_MAX 16

/* Exit statuses, the contract scripts rely on. */
enum cli_exit {
	CLI_EXIT_OK = 0,
	CLI_EXIT_FAIL = 1,  /* understood, but refused or failed */
	CLI_EXIT_USAGE = 2, /* the command line itself is wrong */
	CLI_EXIT_ATTENTION = 3, /* done, but a person must look: unapproved changes stand, a sync was partial */
};

/* A run function returns 0, CLI_FAIL (e filled) or CLI_USAGE (e filled;
 * the dispatcher adds the "try --help" hint). */
#define CLI_FAIL (-1)
#define CLI_USAGE (-2)
/* Done and its output printed, but something needs a person (e says what). */
#define CLI_ATTENTION (-3)

/* One long option. arg NULL means a flag that takes no value. */
struct cli_opt {
	const char *name; /* without the leading "--" */
	const char *arg;  /* value placeholder in help ("TIER"), NULL for a flag */
	const char *help;
	int required;
};

enum cli_cmd_flags {
	CLI_STORE_RO = 1 << 0, /* dispatcher opens the store read-only before run */
	CLI_STORE_RW = 1 << 1, /* dispatcher opens the store for writing before run */
	CLI_NO_JSON = 1 << 2,  /* --json makes no sense here (the console) */
	CLI_WRITES = 1 << 3,   /* writes a store it opens itself (init, demo): --readonly refuses it */
	/* The key is unlocked on a thread while run reads (sync): run calls
	 * cli_key_start, and cli_key_wait before it writes or answers; the
	 * dispatcher waits too, after run. */
	CLI_KEY_LATE = 1 << 4,
};

struct cli_ctx;

struct cli_cmd {
	const char *noun; /* NULL for the console (plain `steward`) */
	const char *verb; /* NULL for single-word commands (init, demo) */
	const char *args; /* positional placeholders, space separated ("MODEL VERSION") */
	const char *summary;
	const char *help;
	const struct cli_opt *opts; /* terminated by an entry with name NULL */
	int min_pos, max_pos;
	int flags;
	/* Roles (ROLE_* bits) that may run it; non-zero means the command acts
	 * as someone: it takes --key, and the dispatcher unlocks the key,
	 * finds its principal in the keyring and checks the role before run
	 * is called, so no handler checks roles itself. */
	unsigned roles;
	int (*run)(struct cli_ctx *c);
};

/* Everything a run function gets: the parsed command line and, when the
 * command's flags ask for it, the open store. */
struct cli_ctx {
	const struct cli_cmd *cmd;
	const char *pos[CLI_POS_MAX];
	int npos;
	const char *optv[CLI_OPTS_MAX]; /* by index into cmd->opts; "" for a given flag */
	/* The global options (cli_global_opts in cli.c); NULL or 0 when not given. */
	const char *db;     /* --db */
	const char *config; /* --config */
	int json;           /* --json */
	int readonly;       /* --readonly */
	char db_path[4096];             /* resolved store path once cli_store_path ran */
	struct store *st;
	const char *key_path;  /* --key, else $STEWARD_KEY (commands with roles) */
	const char *pass_file; /* --passphrase-file */
	struct key_secret *key; /* unlocked by the dispatcher for commands with roles */
	struct principal who;   /* the key's principal, roles as held now */
	struct cli_late *late;  /* CLI_KEY_LATE: the unlock under way until cli_key_wait */
	struct err e;
	char **safe; /* cli_safe's copies, released when the command ends */
	size_t nsafe;
};

/* cli/cmd-table.c: the commands, and the options every command and the console take. */
extern const struct cli_opt cli_global_opts[];
extern const struct cli_opt cli_console_opts[];
extern const struct cli_cmd cli_cmds[];
extern const size_t cli_ncmds;

/* The whole program: parses argv, runs one command, returns the exit status. */
int cli_main(int argc, char **argv);

/* Value of the named option of the running command, NULL when not given. */
const char *cli_opt(const struct cli_ctx *c, const char *name);

/* Fills c->db_path from --db or store_default_path(). */
int cli_store_path(struct cli_ctx *c);
/* Resolves the path and opens it without creating it (core says to run
 * `steward init` when the file is missing). */
struct store *cli_store_open(struct cli_ctx *c, int flags);

/* Unlocks a secret key file with a passphrase from --passphrase-file,
 * STEWARD_PASSPHRASE or the terminal. */
int cli_unlock_key(struct cli_ctx *c, const char *path, struct key_secret **out);
/* CLI_KEY_LATE: starts unlocking the key on a thread, once run has done
 * what would wait on the unlock's memory (Argon2id faults in 256 MiB
 * under the address-space lock, which loading a plugin, the store's
 * first pages and a first request need too): sync starts it from the
 * worker when the plugin first waits on its backend. cli_key_wait starts
 * it when run did not. Called on one thread at a time. */
void cli_key_start(struct cli_ctx *c);
/* CLI_KEY_LATE: waits for the key being unlocked, then finds its principal
 * and checks the command's roles as the dispatcher otherwise does before
 * run. 0 when who may act; CLI_FAIL with c->e saying why, every time it
 * is asked again. Called on one thread at a time (a sync's worker while
 * the command waits for it). */
int cli_key_wait(struct cli_ctx *c);

/* Creates a key pair NAME at out (NULL: $XDG_CONFIG_HOME/steward/keys/NAME.key)
 * sealed under a new passphrase; path gets the secret key's path and, when
 * loaded is not NULL, the new key comes back unlocked. */
int cli_key_create(struct cli_ctx *c, const char *name, const char *out, char *path, size_t n,
		   struct key_secret **loaded);

/* Reads all of path ("-" for standard input), at most max bytes, into a
 * malloc'd NUL-terminated buffer. A named file must be a regular file. */
int cli_read_input(struct cli_ctx *c, const char *path, size_t max, char **out, size_t *len);

struct plugin_config;
/* Loads --config (required to exist when given), else the default path. */
int cli_plugin_config(struct cli_ctx *c, struct plugin_config *pc, int required);

/* Signs a checkpoint when the ledger grew (after a command that wrote). */
int cli_checkpoint(struct cli_ctx *c);

/* Adds the path to a store_open message that does not name it. */
void cli_store_context(struct cli_ctx *c, const char *path);

/* Writes a value for an error message: printable ASCII kept, other bytes
 * as \xNN, long values cut with "..." so a 10,000-byte name stays readable. */
const char *cli_quote(const char *s, char *buf, size_t n);

/* Text from the store (or a plugin) on its way to the terminal, with
 * control characters escaped as \xNN or \uNNNN (check_escape): names,
 * comments and other one-line fields. The copy lives until the command
 * ends. */
const char *cli_safe(struct cli_ctx *c, const char *s);
/* The same for text shown as several lines (card bodies, policy text):
 * newlines and tabs are kept, every other control character escaped. */
const char *cli_safe_lines(struct cli_ctx *c, const char *s);
void cli_safe_free(struct cli_ctx *c);

/* RFC 3339 UTC ("2026-01-01T00:00:00Z"); "-" for 0. */
const char *cli_time(int64_t t, char *buf, size_t n);
/* Shortest text that reads back as the same double. */
const char *cli_double(double v, char *buf, size_t n);
/* Writes "sha256:" and the first 12 hex digits. */
const char *cli_short_digest(const char *digest, char *buf, size_t n);

/* Aligned columns with a header row; cells are copied, control
 * characters escaped as by cli_safe. */
struct cli_table;
struct cli_table *cli_table_new(size_t ncols, const char *const *header);
int cli_table_add(struct cli_table *t, const char *const *cells);
void cli_table_print(const struct cli_table *t);
void cli_table_free(struct cli_table *t);

/* The same columns for a list too long to hold: every row is measured in
 * a first pass over the source and printed in a second, so memory holds
 * widths, not rows. cli_cols_init measures the header. -1 is out of memory
 * (or a failed write). */
#define CLI_COLS_MAX 16
struct cli_cols {
	size_t ncols, w[CLI_COLS_MAX];
	int print; /* 0 while the first pass measures, 1 in the second */
};
void cli_cols_init(struct cli_cols *k, size_t ncols, const char *const *header);
int cli_cols_measure(struct cli_cols *k, const char *const *cells);
int cli_cols_print(const struct cli_cols *k, const char *const *cells);
/* A row of either pass: measured in the first, printed in the second. */
int cli_cols_row(struct cli_cols *k, const char *const *cells);
/* A streamed table's two passes over one read snapshot. pass(arg, e)
 * reads every row and hands each to cli_cols_row; between the passes
 * goes the header, or, when empty(arg) gives a line after the first
 * (it kept no row), that line alone. pass starts its own counts afresh,
 * since it runs twice. 0 or CLI_FAIL with c->e set. */
struct cli_passes {
	struct cli_cols *cols;
	const char *const *head;
	int (*pass)(void *arg, struct err *e);
	const char *(*empty)(void *arg); /* NULL: the header even over no rows */
	void *arg;
};
int cli_cols_passes(struct cli_ctx *c, const struct cli_passes *ps);
/* -1 with e saying why a streamed list stopped: stdout could not be
 * written (a full disk, a closed pipe), else memory ran out. */
int cli_out_fail(struct err *e);

/* A JSON array written element by element as rows are read, byte for
 * byte what cli_json_print writes for the whole array: start with
 * struct cli_list l = { 0 }, give each element to cli_json_item (which
 * releases it), then cli_json_end. */
struct cli_list {
	size_t n;
};
int cli_json_item(struct cli_list *l, json_t *v, struct err *e);
int cli_json_end(struct cli_list *l, struct err *e);

/* --limit N (a whole number from 1) and --since WHEN (RFC 3339 UTC) of
 * the lists: 0 when not given; CLI_USAGE with e naming the option for a
 * bad value. */
int cli_opt_limit(struct cli_ctx *c, int64_t *limit);
int cli_opt_since(struct cli_ctx *c, int64_t *since);

/* jansson helpers: each returns 0, or -1 when jansson refused (memory, or
 * text that is not UTF-8). */
int cli_json_str(json_t *o, const char *key, const char *v);
int cli_json_int(json_t *o, const char *key, int64_t v);
int cli_json_int_or_null(json_t *o, const char *key, int64_t v); /* null when v is 0 */
int cli_json_real(json_t *o, const char *key, double v);
int cli_json_time(json_t *o, const char *key, int64_t t);
int cli_json_bool(json_t *o, const char *key, int v);
/* Splits a comma-separated list into a JSON array of strings under key. */
int cli_json_list(json_t *o, const char *key, const char *csv);
/* Prints v (and a newline) to stdout and releases it; fails with e filled. */
int cli_json_print(json_t *v, struct err *e);
/* For a NULL from json_*_new or a failed helper. */
int cli_json_fail(struct err *e);
/* Always CLI_FAIL; told to clang's analyser as err_set is (err.h). */
#if defined(__clang_analyzer__) && !defined(STEWARD_OUTPUT_IMPL)
#define cli_json_fail(...) (cli_json_fail(__VA_ARGS__), CLI_FAIL)
#endif

/* Run functions, one per command in the table. */
int cmd_console_run(struct cli_ctx *c);
int cmd_init_run(struct cli_ctx *c);
int cmd_model_add(struct cli_ctx *c);
int cmd_model_list(struct cli_ctx *c);
int cmd_model_show(struct cli_ctx *c);
int cmd_version_add(struct cli_ctx *c);
int cmd_version_list(struct cli_ctx *c);
int cmd_version_show(struct cli_ctx *c);
int cmd_version_diff(struct cli_ctx *c);
int cmd_alias_set(struct cli_ctx *c);
int cmd_alias_list(struct cli_ctx *c);
int cmd_card_set(struct cli_ctx *c);
int cmd_card_show(struct cli_ctx *c);
int cmd_metric_set(struct cli_ctx *c);
int cmd_metric_list(struct cli_ctx *c);
int cmd_monitor_list(struct cli_ctx *c);
int cmd_monitor_show(struct cli_ctx *c);
int cmd_lineage_import(struct cli_ctx *c);
int cmd_lineage_show(struct cli_ctx *c);
int cmd_lineage_attest(struct cli_ctx *c);
int cmd_demo_run(struct cli_ctx *c);
int cmd_key_gen(struct cli_ctx *c);
int cmd_key_show(struct cli_ctx *c);
int cmd_principal_add(struct cli_ctx *c);
int cmd_principal_revoke(struct cli_ctx *c);
int cmd_principal_list(struct cli_ctx *c);
int cmd_promote_request(struct cli_ctx *c);
int cmd_approve_run(struct cli_ctx *c);
int cmd_reject_run(struct cli_ctx *c);
int cmd_approval_list(struct cli_ctx *c);
int cmd_approval_show(struct cli_ctx *c);
int cmd_approval_submit(struct cli_ctx *c);
int cmd_request_show(struct cli_ctx *c);
int cmd_request_list(struct cli_ctx *c);
int cmd_request_withdraw(struct cli_ctx *c);
int cmd_request_supersede(struct cli_ctx *c);
int cmd_audit_log(struct cli_ctx *c);
int cmd_audit_verify(struct cli_ctx *c);
int cmd_audit_checkpoint(struct cli_ctx *c);
int cmd_checkpoint(struct cli_ctx *c);
int cmd_store_copy(struct cli_ctx *c);
int cmd_audit_prove(struct cli_ctx *c);
int cmd_audit_consistency(struct cli_ctx *c);
int cmd_audit_verify_proof(struct cli_ctx *c);
int cmd_audit_export(struct cli_ctx *c);
int cmd_policy_check(struct cli_ctx *c);
int cmd_policy_test(struct cli_ctx *c);
int cmd_policy_enroll(struct cli_ctx *c);
int cmd_policy_list(struct cli_ctx *c);
int cmd_policy_show(struct cli_ctx *c);
int cmd_gate_run(struct cli_ctx *c);
int cmd_promote_apply(struct cli_ctx *c);
int cmd_rollback_run(struct cli_ctx *c);
struct gate;
/* The gate's checklist (rules, evidence, refusal) as promote, rollback and deploy print it. */
void cmd_gate_print(struct cli_ctx *c, FILE *out, const struct gate *g);
int cmd_deploy_list(struct cli_ctx *c);
int cmd_playbook_run(struct cli_ctx *c);
int cmd_playbook_runs(struct cli_ctx *c);
int cmd_playbook_status(struct cli_ctx *c);
int cmd_deploy_canary(struct cli_ctx *c);
int cmd_deploy_shift(struct cli_ctx *c);
int cmd_deploy_full(struct cli_ctx *c);
int cmd_trace_run(struct cli_ctx *c);
int cmd_plugin_list(struct cli_ctx *c);
int cmd_sync_run(struct cli_ctx *c);
int cmd_alert_list(struct cli_ctx *c);
int cmd_alert_silence(struct cli_ctx *c);
int cmd_alert_expire(struct cli_ctx *c);
int cmd_silence_list(struct cli_ctx *c);
int cmd_incident_open(struct cli_ctx *c);
int cmd_incident_ack(struct cli_ctx *c);
int cmd_incident_note(struct cli_ctx *c);
int cmd_incident_resolve(struct cli_ctx *c);
int cmd_incident_list(struct cli_ctx *c);
int cmd_incident_show(struct cli_ctx *c);
/* The playbook directory: --playbooks, $STEWARD_PLAYBOOK_DIR, the config's [steward] playbooks, then playbook_dir's defaults. */
int cmd_playbook_dir(struct cli_ctx *c, char *out, size_t n);
int cmd_playbook_check(struct cli_ctx *c);
int cmd_playbook_list(struct cli_ctx *c);
int cmd_playbook_show(struct cli_ctx *c);

#endif
