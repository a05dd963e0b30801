/* cmd-table: the one table of commands, their options and help text, from which the parser, --help, the man page's COMMANDS and the dispatcher all read. */
#include "cli.h"

#include "incident.h"

/* Global options: every command and the console accept them, from this
 * one table; no command's own table repeats them. A command that has no
 * use for one ignores it, as git and kubectl do with their global flags,
 * except where ignoring would surprise: --json where there is no JSON
 * output, and --readonly on a command that writes a store, are refused
 * (cli_global_check). */
const struct cli_opt cli_global_opts[] = {
	{ .name = "db", .arg = "PATH",
	  .help = "store file or postgresql:// URI (default: $STEWARD_DB, else the config's [steward] db, else $XDG_DATA_HOME/steward/steward.db); commands without a store ignore it" },
	{ .name = "config", .arg = "FILE",
	  .help = "plugin configuration (default: $STEWARD_CONFIG, else $XDG_CONFIG_HOME/steward/config); used by sync, plugin list, promote apply, rollback, alert silence and expire, playbook list and show, and the console; ignored elsewhere" },
	{ .name = "json", .help = "machine-readable output (JSON); refused where there is none (the console, audit prove and consistency)" },
	{ .name = "key", .arg = "FILE",
	  .help = "your secret key file (default: $STEWARD_KEY); used by commands that act as someone and the console, ignored elsewhere" },
	{ .name = "passphrase-file", .arg = "FILE",
	  .help = "read the key's passphrase from the first line of FILE (mode 0600) instead of the terminal; the console always asks itself" },
	{ .name = "readonly", .help = "change nothing: commands that write a store are refused, the console hides every action that writes" },
	{ .name = "help", .help = "show this help and exit" },
	{ 0 },
};

/* Options of the console alone; the global ones apply to it too. */
const struct cli_opt cli_console_opts[] = {
	{ .name = "script", .arg = "KEYS", .help = "read keys from the file KEYS instead of the terminal (needs --dump)" },
	{ .name = "dump", .arg = "SCREEN", .help = "write the final screen to the file SCREEN (needs --script)" },
	{ .name = "dump-colours", .arg = "FILE",
	  .help = "with --dump: write each screen cell's colour to FILE, a line per screen row and a letter per cell"
		  " (r red, y yellow, g green, c cyan, b blue, m magenta, w white, k black, . none)" },
	{ .name = "size", .arg = "COLSxROWS", .help = "screen size in script mode (default 80x24)" },
	{ .name = "timings", .arg = "FILE",
	  .help = "with --script: write first-paint and per-key redraw times (us) and peak RSS (kB) to FILE;"
		  " the run ends without waiting for the background ledger check" },
	{ .name = "version", .help = "print the version and exit" },
	{ 0 },
};

static const struct cli_opt cli_none_opts[] = { { 0 } };

static const struct cli_opt cli_sync_opts[] = {
	{ "full", NULL, "a full pass: every version read again, even those whose update stamp did not move", 0 },
	{ "quiet", NULL, "no progress line on a terminal", 0 },
	{ 0 },
};

static const struct cli_opt cli_lineage_show_opts[] = {
	{ .name = "upstream", .help = "only what it came from (the default for a version)" },
	{ .name = "downstream", .help = "only what came from it (the default for --dataset)" },
	{ .name = "depth", .arg = "N", .help = "follow at most N hops (1 to 64; default 64)" },
	{ .name = "dot", .help = "write the graph as Graphviz DOT (draw it with: dot -Tsvg)" },
	{ .name = "dataset", .arg = "NS/NAME", .help = "the graph around a dataset (every version of it) instead of a model version" },
	{ 0 },
};

static const struct cli_opt cli_playbook_check_opts[] = {
	{ .name = "strict", .help = "a lint warning fails the file too" },
	{ 0 },
};

static const struct cli_opt cli_playbook_dir_opts[] = {
	{ .name = "playbooks", .arg = "DIR",
	  .help = "the playbook directory (default: $STEWARD_PLAYBOOK_DIR, else the config's [steward] playbooks,"
		  " else ~/.config/steward/playbooks when it exists, else the shipped playbooks)" },
	{ 0 },
};

static const struct cli_opt cli_model_add_opts[] = {
	{ .name = "tier", .arg = "TIER", .required = 1,
	  .help = "risk tier: low, medium, high or critical" },
	{ .name = "owner", .arg = "OWNER", .required = 1, .help = "team or person accountable for the model" },
	{ .name = "description", .arg = "TEXT", .help = "what the model is for" },
	{ 0 },
};

static const struct cli_opt cli_model_list_opts[] = {
	{ .name = "since", .arg = "WHEN", .help = "only models whose last change is at or after WHEN (RFC 3339 UTC: 2026-01-01T00:00:00Z)" },
	{ .name = "limit", .arg = "N", .help = "at most N models (the first N by name that match)" },
	{ 0 },
};

static const struct cli_opt cli_version_list_opts[] = {
	{ .name = "since", .arg = "WHEN", .help = "only versions created at or after WHEN (RFC 3339 UTC: 2026-01-01T00:00:00Z)" },
	{ .name = "limit", .arg = "N", .help = "at most N versions (the newest N that match)" },
	{ 0 },
};

static const struct cli_opt cli_version_add_opts[] = {
	{ .name = "artifact", .arg = "URI", .required = 1,
	  .help = "where the artifact lives (s3://..., file:/..., models:/...)" },
	{ .name = "digest", .arg = "sha256:HEX", .required = 1,
	  .help = "artifact digest: sha256: and 64 lowercase hex digits" },
	{ .name = "author", .arg = "NAME", .help = "who produced the version" },
	{ .name = "run", .arg = "ID", .help = "training run that produced it" },
	{ 0 },
};

static const struct cli_opt cli_card_set_opts[] = {
	{ .name = "file", .arg = "CARD.md", .required = 1,
	  .help = "Markdown file; each '## Heading' starts a section" },
	{ 0 },
};

static const struct cli_opt cli_metric_set_opts[] = {
	{ .name = "dataset", .arg = "D", .help = "evaluation dataset the value was measured on" },
	{ .name = "slice", .arg = "S", .help = "slice of the dataset (\"region=EU\"); default: all of it" },
	{ 0 },
};

static const struct cli_opt cli_key_gen_opts[] = {
	{ .name = "out", .arg = "FILE",
	  .help = "secret key file (default: $XDG_CONFIG_HOME/steward/keys/NAME.key)" },
	{ 0 },
};

static const struct cli_opt cli_init_opts[] = {
	{ .name = "admin", .arg = "NAME", .help = "create the keyring with NAME as its first admin" },
	{ .name = "admin-key", .arg = "FILE",
	  .help = "the admin's existing secret key file (default: create $XDG_CONFIG_HOME/steward/keys/NAME.key)" },
	{ .name = "group", .arg = "GROUP",
	  .help = "share the store with the members of Unix group GROUP: setgid folder 2770, files 0660" },
	{ .name = "group-logkey",
	  .help = "with --group: the log key is 0640 for the group, so every member signs checkpoints" },
	{ 0 },
};

static const struct cli_opt cli_principal_add_opts[] = {
	{ .name = "role", .arg = "ROLE[,ROLE...]", .required = 1,
	  .help = "admin, risk-officer, ml-lead, sre, auditor or pipeline; several separated by commas" },
	{ .name = "pubkey", .arg = "FILE.pub", .help = "the principal's public key (required for a new principal)" },
	{ 0 },
};

static const struct cli_opt cli_principal_revoke_opts[] = {
	{ .name = "key-id", .arg = "ID", .help = "revoke only this key" },
	{ .name = "role", .arg = "ROLE[,ROLE...]", .help = "revoke only these roles" },
	{ 0 },
};

static const struct cli_opt cli_promote_request_opts[] = {
	{ .name = "to", .arg = "STAGE", .required = 1, .help = "target stage: the alias to move (staging, production, ...)" },
	{ .name = "comment", .arg = "TEXT", .help = "why; shown to approvers" },
	{ 0 },
};

static const struct cli_opt cli_approve_opts[] = {
	{ .name = "comment", .arg = "TEXT", .help = "note signed into the decision" },
	{ .name = "role", .arg = "ROLE", .help = "role to sign as (default: your first of risk-officer, ml-lead, sre, admin)" },
	{ .name = "ttl", .arg = "DURATION", .help = "how long the approval stays valid: 90m, 72h, 7d (default 7d, at most 90d)" },
	{ 0 },
};

static const struct cli_opt cli_reject_opts[] = {
	{ .name = "comment", .arg = "TEXT", .required = 1, .help = "the reason, signed into the decision" },
	{ .name = "role", .arg = "ROLE", .help = "role to sign as (default: your first of risk-officer, ml-lead, sre, admin)" },
	{ 0 },
};

static const struct cli_opt cli_approval_list_opts[] = {
	{ .name = "request", .arg = "ID", .help = "only this request's decisions" },
	{ .name = "since", .arg = "WHEN", .help = "only decisions recorded at or after WHEN (RFC 3339 UTC: 2026-01-01T00:00:00Z)" },
	{ .name = "limit", .arg = "N", .help = "at most N decisions (the first N that match)" },
	{ 0 },
};

static const struct cli_opt cli_approval_show_opts[] = {
	{ .name = "dsse", .help = "print the DSSE envelope exactly as stored" },
	{ 0 },
};

static const struct cli_opt cli_request_withdraw_opts[] = {
	{ "reason", "TEXT", "why it is withdrawn (recorded in the ledger)", 1 },
	{ 0 },
};

static const struct cli_opt cli_request_list_opts[] = {
	{ .name = "all", .help = "include rejected and applied requests" },
	{ .name = "since", .arg = "WHEN", .help = "only requests opened at or after WHEN (RFC 3339 UTC: 2026-01-01T00:00:00Z)" },
	{ .name = "limit", .arg = "N", .help = "at most N requests (the newest N that match)" },
	{ 0 },
};

static const struct cli_opt cli_audit_log_opts[] = {
	{ .name = "subject", .arg = "S", .help = "only entries about S (exact, or a prefix ending before '/': models:/fraud-scoring)" },
	{ .name = "actor", .arg = "NAME", .help = "only entries by NAME" },
	{ .name = "since", .arg = "WHEN", .help = "only entries recorded at or after WHEN (RFC 3339 UTC: 2026-01-01T00:00:00Z)" },
	{ .name = "after", .arg = "SEQ", .help = "only entries after sequence number SEQ: the next page after the last one seen" },
	{ .name = "limit", .arg = "N", .help = "at most N entries (the first N that match)" },
	{ 0 },
};

static const struct cli_opt cli_audit_export_opts[] = {
	{ .name = "quiet", .help = "no progress line on a terminal" },
	{ 0 },
};

static const struct cli_opt cli_audit_verify_opts[] = {
	{ .name = "allow-unsigned-tail",
	  .help = "with --bundle and --vkey: accept entries after the bundle's last checkpoint" },
	{ .name = "bundle", .arg = "DIR", .help = "check an exported bundle instead of the store" },
	{ .name = "checkpoint", .arg = "FILE...",
	  .help = "signed checkpoints kept from before (audit checkpoint): each must be in this history" },
	{ .name = "jobs", .arg = "N",
	  .help = "threads that parse entries and check hashes and signatures beside the reader (default: the processors online; 1: all on one thread)" },
	{ .name = "quiet", .help = "no progress line on stderr (it is drawn only on a terminal)" },
	{ .name = "vkey", .arg = "VKEY",
	  .help = "the log verifier key to trust: the store's or bundle's log key must be this one" },
	{ 0 },
};

static const struct cli_opt cli_audit_checkpoint_opts[] = {
	{ .name = "out", .arg = "FILE", .help = "write the signed note to FILE (replaced atomically) instead of printing it" },
	{ 0 },
};

static const struct cli_opt cli_checkpoint_opts[] = {
	{ .name = "watch", .help = "keep running: sign a checkpoint whenever another command appends entries" },
	{ .name = "interval", .arg = "SECONDS", .help = "with --watch: how often to look for new entries (default 1)" },
	{ 0 },
};

static const struct cli_opt cli_audit_verify_proof_opts[] = {
	{ .name = "vkey", .arg = "VKEY", .help = "log verifier key (default: the store's log key)" },
	{ 0 },
};

static const struct cli_opt cli_gate_opts[] = {
	{ .name = "to", .arg = "STAGE", .required = 1, .help = "target stage: the alias it would move (staging, production, ...)" },
	{ 0 },
};

static const struct cli_opt cli_trace_opts[] = {
	{ .name = "alias", .arg = "ALIAS", .help = "the alias whose version to trace (default: production)" },
	{ .name = "format", .arg = "FORMAT",
	  .help = "markdown (the default), html (one self-contained file with the lineage drawn) or json (--json too)" },
	{ .name = "out", .arg = "FILE", .help = "write the report to FILE (replaced atomically) instead of standard output" },
	{ 0 },
};

static const struct cli_opt cli_rollback_opts[] = {
	{ .name = "alias", .arg = "ALIAS", .help = "the alias to move back (default: production)" },
	{ .name = "to", .arg = "VERSION", .help = "an earlier version promoted under policy (default: the one before the current)" },
	{ .name = "reason", .arg = "TEXT", .required = 1, .help = "why: recorded in the ledger and shown to the reviewer" },
	{ 0 },
};

static const struct cli_opt cli_deploy_canary_opts[] = {
	{ .name = "weight", .arg = "PCT", .required = 1, .help = "the canary's share of live traffic, 1 to 50 percent" },
	{ .name = "reason", .arg = "TEXT", .help = "why: recorded in the ledger" },
	{ 0 },
};

static const struct cli_opt cli_deploy_shift_opts[] = {
	{ .name = "weight", .arg = "PCT", .required = 1, .help = "the version's share of live traffic, 0 to 100 percent" },
	{ .name = "reason", .arg = "TEXT", .required = 1, .help = "why: recorded in the ledger" },
	{ 0 },
};

static const struct cli_opt cli_deploy_full_opts[] = {
	{ .name = "reason", .arg = "TEXT", .help = "why: recorded in the ledger" },
	{ 0 },
};

static const struct cli_opt cli_playbook_run_opts[] = {
	{ .name = "model", .arg = "MODEL", .required = 1, .help = "the model the playbook acts on" },
	{ .name = "alert", .arg = "NAME", .help = "the alert that triggered it (default: the playbook's trigger)" },
	{ .name = "yes", .help = "run unattended: no confirmation before actions (recorded in the ledger as --yes)" },
	{ .name = "new", .help = "start a new run even when one of this playbook on this model stopped unfinished (it is abandoned)" },
	{ .name = "playbooks", .arg = "DIR", .help = "the playbook directory (default: see steward-playbook(5))" },
	{ 0 },
};

static const struct cli_opt cli_playbook_runs_opts[] = {
	{ .name = "all", .help = "finished and abandoned runs too" },
	{ .name = "model", .arg = "MODEL", .help = "only runs on MODEL" },
	{ 0 },
};

static const struct cli_opt cli_alert_list_opts[] = {
	{ .name = "model", .arg = "MODEL", .help = "only alerts for MODEL" },
	{ .name = "all", .help = "every alert the plugins hold, also those naming no model and those not yet processed" },
	{ .name = "since", .arg = "WHEN", .help = "only alerts that started at or after WHEN (RFC 3339 UTC: 2026-01-01T00:00:00Z)" },
	{ .name = "limit", .arg = "N", .help = "at most N alerts (the first N shown)" },
	{ 0 },
};

static const struct cli_opt cli_silence_list_opts[] = {
	{ .name = "since", .arg = "WHEN", .help = "only silences that start at or after WHEN (RFC 3339 UTC: 2026-01-01T00:00:00Z)" },
	{ .name = "limit", .arg = "N", .help = "at most N silences (the first N shown)" },
	{ 0 },
};

static const struct cli_opt cli_incident_open_opts[] = {
	{ .name = "severity", .arg = "SEVERITY", .required = 1, .help = "info, warning or critical" },
	{ .name = "title", .arg = "TEXT", .required = 1, .help = "what is wrong, in one line (at most 200 bytes)" },
	{ .name = "alert", .arg = "NAME", .help = "the alert that started it (its alertname)" },
	{ 0 },
};

static const struct cli_opt cli_incident_resolve_opts[] = {
	{ .name = "note", .arg = "TEXT", .help = "how it ended, signed into the resolution (at most 600 bytes)" },
	{ 0 },
};

static const struct cli_opt cli_incident_list_opts[] = {
	{ .name = "all", .help = "resolved incidents too" },
	{ .name = "model", .arg = "MODEL", .help = "only incidents on MODEL" },
	{ .name = "since", .arg = "WHEN", .help = "only incidents opened at or after WHEN (RFC 3339 UTC: 2026-01-01T00:00:00Z)" },
	{ .name = "limit", .arg = "N", .help = "at most N incidents (the newest N that match)" },
	{ 0 },
};

static const struct cli_opt cli_alert_silence_opts[] = {
	{ .name = "for", .arg = "DURATION", .required = 1, .help = "how long: 30m, 2h, 7d (1m to 30d)" },
	{ .name = "comment", .arg = "TEXT", .required = 1, .help = "why (at most 280 bytes): sent to Alertmanager and signed into the ledger" },
	{ .name = "plugin", .arg = "NAME", .help = "the alert plugin to silence it in (default: the one the alert came from)" },
	{ 0 },
};

static const struct cli_opt cli_alert_expire_opts[] = {
	{ .name = "plugin", .arg = "NAME", .help = "the alert plugin holding the silence (default: the one it came from)" },
	{ 0 },
};

static const struct cli_opt cli_store_copy_opts[] = {
	{ .name = "from", .arg = "SRC", .required = 1, .help = "the store to copy: a store file or a postgresql:// URI (opened read-only)" },
	{ .name = "to", .arg = "DST", .required = 1, .help = "a new store file, or an empty PostgreSQL database (as its owner role)" },
	{ .name = "quiet", .help = "no progress line and no note about the log key: only the summary" },
	{ 0 },
};

static const struct cli_opt cli_demo_opts[] = {
	{ .name = "no-tui", .help = "build the estate but do not open the console" },
	{ 0 },
};

const struct cli_cmd cli_cmds[] = {
	{
		.noun = NULL, .verb = NULL, .args = "",
		.summary = "open the console on the store",
		.help = "Opens the terminal console on the store. With --script and --dump it runs\n"
			"headless: keys come from a file and the final screen is written to a file.",
		.opts = cli_console_opts, .min_pos = 0, .max_pos = 0, .flags = CLI_NO_JSON,
		.run = cmd_console_run,
	},
	{
		.noun = "init", .args = "",
		.summary = "create the store, its first admin and its log key",
		.help = "Creates the store file (mode 0600, in directories created 0700) and its\n"
			"schema. With --admin NAME it also creates the keyring, whose first entry makes\n"
			"NAME an admin holding the key from --admin-key (or a new key, created at\n"
			"$XDG_CONFIG_HOME/steward/keys/NAME.key), and the log key that signs checkpoints\n"
			"(PATH.logkey beside the store, mode 0600). Running it again on an existing store\n"
			"only applies pending migrations; --admin then works only while the store has no\n"
			"keyring yet. With --group GROUP the members of that Unix group share the store:\n"
			"its folder becomes the group's (setgid, 2770), the store and its -wal and -shm\n"
			"files 0660; the log key stays 0600 for this account, which signs checkpoints\n"
			"('steward checkpoint --watch'), unless --group-logkey makes it 0640 for the group.",
		.opts = cli_init_opts, .min_pos = 0, .max_pos = 0, .flags = CLI_WRITES,
		.run = cmd_init_run,
	},
	{
		.noun = "model", .verb = "add", .args = "NAME",
		.summary = "register a model",
		.help = "Registers a model under NAME ([A-Za-z0-9][A-Za-z0-9._-]*, at most 100\n"
			"bytes) with its risk tier and owner: an act of an admin, ML lead or pipeline key,\n"
			"recorded in the ledger (model.set) and signed with --key.",
		.opts = cli_model_add_opts, .min_pos = 1, .max_pos = 1, .flags = CLI_STORE_RW,
		.roles = ROLE_EVIDENCE,
		.run = cmd_model_add,
	},
	{
		.noun = "model", .verb = "list", .args = "",
		.summary = "list models with their production and staging versions",
		.help = "Lists every model by name: tier, the versions the production and staging\n"
			"aliases point at, owner, number of versions and the last change. Models are\n"
			"written as they are read (a table measures its columns in a first pass), so\n"
			"memory stays flat at any registry size.",
		.opts = cli_model_list_opts, .min_pos = 0, .max_pos = 0, .flags = CLI_STORE_RO,
		.run = cmd_model_list,
	},
	{
		.noun = "model", .verb = "show", .args = "NAME",
		.summary = "show one model",
		.help = "Shows a model's fields, its aliases and its version count.",
		.opts = cli_none_opts, .min_pos = 1, .max_pos = 1, .flags = CLI_STORE_RO,
		.run = cmd_model_show,
	},
	{
		.noun = "version", .verb = "add", .args = "MODEL",
		.summary = "register a new version of a model; prints its number",
		.help = "Adds the next version of MODEL (1, 2, 3, ...) and prints its number.\n"
			"The artifact digest is required so every later approval can name the exact bytes.\n"
			"An act signed with --key and recorded in the ledger (version.set); --author\n"
			"defaults to the key's principal.",
		.opts = cli_version_add_opts, .min_pos = 1, .max_pos = 1, .flags = CLI_STORE_RW,
		.roles = ROLE_EVIDENCE,
		.run = cmd_version_add,
	},
	{
		.noun = "version", .verb = "list", .args = "MODEL",
		.summary = "list a model's versions",
		.help = "Lists the versions of MODEL, newest first, with their creation time, author,\n"
			"short digest and the aliases pointing at them. Versions are written as they\n"
			"are read, so memory stays flat at any number of versions.",
		.opts = cli_version_list_opts, .min_pos = 1, .max_pos = 1, .flags = CLI_STORE_RO,
		.run = cmd_version_list,
	},
	{
		.noun = "version", .verb = "show", .args = "MODEL VERSION",
		.summary = "show one version",
		.help = "Shows one version of MODEL: artifact, full digest, author, run and aliases.",
		.opts = cli_none_opts, .min_pos = 2, .max_pos = 2, .flags = CLI_STORE_RO,
		.run = cmd_version_show,
	},
	{
		.noun = "version", .verb = "diff", .args = "MODEL OLD NEW",
		.summary = "compare two versions: metrics, gate rules, model card",
		.help = "Compares version NEW of MODEL with OLD (each a number, v5, or an alias such as\n"
			"production), as the console's c does: metrics side by side per dataset and slice\n"
			"with the delta and whether NEW is better or worse (the direction from the policy's\n"
			"metric rules, else from the metric's name); the gate rules of NEW's next transition\n"
			"whose result differs when the policy in force judges both; and the model card\n"
			"section by section, changed sections as a unified diff with three lines of context\n"
			"(sections past 20,000 lines or a million line comparisons are not diffed).",
		.opts = cli_none_opts, .min_pos = 3, .max_pos = 3, .flags = CLI_STORE_RO,
		.run = cmd_version_diff,
	},
	{
		.noun = "alias", .verb = "set", .args = "MODEL ALIAS VERSION",
		.summary = "point an alias (production, staging, ...) at a version",
		.help = "Points ALIAS ([a-z][a-z0-9_-]*) of MODEL at VERSION, moving it if it pointed\n"
			"elsewhere: an admin's direct change, recorded in the ledger (alias.set). Governed\n"
			"promotions go through 'steward promote request' and approvals.",
		.opts = cli_none_opts, .min_pos = 3, .max_pos = 3, .flags = CLI_STORE_RW,
		.roles = ROLE_ADMIN,
		.run = cmd_alias_set,
	},
	{
		.noun = "alias", .verb = "list", .args = "MODEL",
		.summary = "list a model's aliases",
		.help = "Lists the aliases of MODEL and the versions they point at.",
		.opts = cli_none_opts, .min_pos = 1, .max_pos = 1, .flags = CLI_STORE_RO,
		.run = cmd_alias_list,
	},
	{
		.noun = "card", .verb = "set", .args = "MODEL VERSION",
		.summary = "set a version's model card from a Markdown file",
		.help = "Replaces the model card of MODEL VERSION with the sections of a Markdown\n"
			"file: each '## Heading' starts a section. The file must be UTF-8, at most 1 MiB,\n"
			"without duplicate headings (compared ignoring case); within that, any number of\n"
			"sections. An act signed with --key: the ledger records the card's digest\n"
			"(card.set), and approvals signed over another card stop counting.",
		.opts = cli_card_set_opts, .min_pos = 2, .max_pos = 2, .flags = CLI_STORE_RW,
		.roles = ROLE_EVIDENCE,
		.run = cmd_card_set,
	},
	{
		.noun = "card", .verb = "show", .args = "MODEL VERSION",
		.summary = "show a version's model card and its missing sections",
		.help = "Prints the model card of MODEL VERSION as '## Heading' blocks, then the\n"
			"required sections it lacks.",
		.opts = cli_none_opts, .min_pos = 2, .max_pos = 2, .flags = CLI_STORE_RO,
		.run = cmd_card_show,
	},
	{
		.noun = "metric", .verb = "set", .args = "MODEL VERSION NAME VALUE",
		.summary = "record an evaluation metric of a version",
		.help = "Records metric NAME = VALUE for MODEL VERSION, replacing the value for the\n"
			"same dataset and slice. VALUE is a finite decimal number (\"0.91\", \"-3e-2\").\n"
			"An act signed with --key, recorded in the ledger (metric.set).",
		.opts = cli_metric_set_opts, .min_pos = 4, .max_pos = 4, .flags = CLI_STORE_RW,
		.roles = ROLE_EVIDENCE,
		.run = cmd_metric_set,
	},
	{
		.noun = "metric", .verb = "list", .args = "MODEL VERSION",
		.summary = "list a version's evaluation metrics",
		.help = "Lists the evaluation metrics of MODEL VERSION by name, dataset and slice.",
		.opts = cli_none_opts, .min_pos = 2, .max_pos = 2, .flags = CLI_STORE_RO,
		.run = cmd_metric_list,
	},
	{
		.noun = "monitor", .verb = "list", .args = "",
		.summary = "list deployed versions with their live metrics, drift and alerts",
		.help = "One row per version an alias points at: the newest latency p99, error rate,\n"
			"drift (PSI of the score histogram against the reference window) and feature\n"
			"freshness from the monitoring cache the prometheus plugin fills, with OVER\n"
			"where a value is outside the limit the tier's enrolled policy sets, and the\n"
			"alerts firing for it. The data is as old as the last 'steward sync'.",
		.opts = cli_none_opts, .min_pos = 0, .max_pos = 0, .flags = CLI_STORE_RO,
		.run = cmd_monitor_list,
	},
	{
		.noun = "monitor", .verb = "show", .args = "MODEL VERSION",
		.summary = "show a version's monitoring series, score histograms and drift",
		.help = "Prints each signal's newest value against its policy limit, PSI and KS of\n"
			"the score histogram between the reference window (the first 7 days in\n"
			"production) and the last 24 hours, and the series held. --json gives every\n"
			"point of the window and both histograms.",
		.opts = cli_none_opts, .min_pos = 2, .max_pos = 2, .flags = CLI_STORE_RO,
		.run = cmd_monitor_show,
	},
	{
		.noun = "key", .verb = "gen", .args = "NAME",
		.summary = "create a passphrase-sealed Ed25519 key pair",
		.help = "Creates an Ed25519 key pair named NAME ([A-Za-z0-9][A-Za-z0-9._-]*). The\n"
			"secret key file holds the seed sealed under the passphrase (Argon2id at\n"
			"libsodium's MODERATE cost, 3 passes over 256 MiB, about a second; and\n"
			"XSalsa20-Poly1305) with mode 0600; the public key goes to FILE.pub. Existing\n"
			"files are never overwritten. The passphrase comes from --passphrase-file, else\n"
			"$STEWARD_PASSPHRASE, else a prompt on the terminal that does not echo and asks\n"
			"twice; never from the command line. It must have at least 15 characters, any\n"
			"characters, spaces too, up to 1024 bytes (a few words make a good one). Prints\n"
			"both paths and the key id.",
		.opts = cli_key_gen_opts, .min_pos = 1, .max_pos = 1,
		.run = cmd_key_gen,
	},
	{
		.noun = "key", .verb = "show", .args = "FILE",
		.summary = "show a key's name, key id and public key",
		.help = "Prints the name, key id (first 8 bytes of the SHA-256 of the public key, in\n"
			"hex) and base64 Ed25519 public key of a key file. FILE may be a .pub file or a\n"
			"secret key file; for a secret key the public half is read from FILE.pub beside\n"
			"it, so no passphrase is needed.",
		.opts = cli_none_opts, .min_pos = 1, .max_pos = 1,
		.run = cmd_key_show,
	},
	{
		.noun = "principal", .verb = "add", .args = "NAME",
		.summary = "add a principal, or a key or roles to one (admin)",
		.help = "Adds principal NAME with the given roles and public key, or gives an existing\n"
			"principal another key and/or more roles. The change is a statement signed by\n"
			"your admin key and appended to the ledger; the keyring version goes up by one.",
		.opts = cli_principal_add_opts, .min_pos = 1, .max_pos = 1, .flags = CLI_STORE_RW,
		.roles = ROLE_ADMIN, .run = cmd_principal_add,
	},
	{
		.noun = "principal", .verb = "revoke", .args = "NAME",
		.summary = "revoke a principal, one of its keys, or some of its roles (admin)",
		.help = "Revokes principal NAME entirely (all keys and roles), or with --key-id one key,\n"
			"or with --role some roles. Decisions signed before the revocation keep counting;\n"
			"nothing signed by a revoked key is accepted afterwards. The last admin key cannot\n"
			"be revoked.",
		.opts = cli_principal_revoke_opts, .min_pos = 1, .max_pos = 1, .flags = CLI_STORE_RW,
		.roles = ROLE_ADMIN, .run = cmd_principal_revoke,
	},
	{
		.noun = "principal", .verb = "list", .args = "",
		.summary = "list principals, their roles and keys",
		.help = "Lists every principal with the roles held now and each key: id, the keyring\n"
			"version that added it and, when revoked, the version that revoked it.",
		.opts = cli_none_opts, .min_pos = 0, .max_pos = 0, .flags = CLI_STORE_RO,
		.run = cmd_principal_list,
	},
	{
		.noun = "promote", .verb = "request", .args = "MODEL VERSION",
		.summary = "open a promotion request; prints its id",
		.help = "Opens a request to move MODEL VERSION to STAGE (an alias). Approvers sign\n"
			"decisions on it with 'steward approve'. The request is a ledger entry.",
		.opts = cli_promote_request_opts, .min_pos = 2, .max_pos = 2, .flags = CLI_STORE_RW,
		.roles = ROLE_ADMIN | ROLE_MLLEAD | ROLE_SRE | ROLE_RISK, .run = cmd_promote_request,
	},
	{
		.noun = "promote", .verb = "apply", .args = "REQUEST",
		.summary = "apply a promotion request whose gate passes",
		.help = "Evaluates the gate for REQUEST under the policy in force. When every rule passes\n"
			"it moves the alias and appends promotion.apply to the ledger (policy name, version\n"
			"and digest, the evidence and its digest, every rule's result) in one transaction.\n"
			"Otherwise nothing moves and the rules that stand in the way are printed. For a\n"
			"model synced from a registry plugin the alias is set there first, with the\n"
			"decision as version tags; if the registry refuses, nothing is recorded.",
		.opts = cli_none_opts, .min_pos = 1, .max_pos = 1, .flags = CLI_STORE_RW,
		.roles = ROLE_SIGNERS, .run = cmd_promote_apply,
	},
	{
		.noun = "gate", .args = "MODEL VERSION",
		.summary = "evaluate the promotion gate without changing anything",
		.help = "Prints the checklist of the policy in force for MODEL's tier and the transition\n"
			"of VERSION to STAGE: one line per rule, PASS, FAIL or UNKNOWN, with the evidence\n"
			"value and the reason. Exit 0 when the gate would pass, 1 when not, so a CI/CD\n"
			"pipeline can call it. Rules without data are UNKNOWN, which denies.",
		.opts = cli_gate_opts, .min_pos = 2, .max_pos = 2, .flags = CLI_STORE_RO,
		.run = cmd_gate_run,
	},
	{
		.noun = "trace", .args = "MODEL",
		.summary = "the auditor's trail of the version behind an alias",
		.help = "One report on the version ALIAS of MODEL points at: the alias moves that put it\n"
			"there and the promotion requests behind them, every signature with its signer,\n"
			"role and whether it counts (and why not), the policy name and digest each gate ran\n"
			"under, the ledger entries named with whether the newest signed checkpoint\n"
			"includes them (each inclusion proof checked against the checkpoint's root), the\n"
			"training runs and dataset versions with their digests, and the gaps an auditor\n"
			"must look at (see TRACE REPORT). Reads only; exit 0 whether or not there are gaps.",
		.opts = cli_trace_opts, .min_pos = 1, .max_pos = 1, .flags = CLI_STORE_RO,
		.run = cmd_trace_run,
	},
	{
		.noun = "rollback", .args = "MODEL",
		.summary = "move an alias back to a version promoted under policy",
		.help = "Moves ALIAS of MODEL back to a version that was itself promoted to it under\n"
			"policy. By default the known-safe baseline: the newest version a promotion moved\n"
			"there, other than the current one, that was never rolled back from (so a second\n"
			"rollback does not return to the release the first one left). Promotions are read\n"
			"from the signed ledger, not the store's tables. The policy's rollback section says\n"
			"who may and which post-incident review is owed; the review is opened as a request\n"
			"and shows as overdue when nobody signed it in time. Without a baseline it says\n"
			"what can be done instead. When a deploy plugin serves the model, live traffic goes\n"
			"back too, first: the known-safe version gets all of it, the others 0 and drained, in\n"
			"the same governed action (if the registry then refuses, traffic is put back).",
		.opts = cli_rollback_opts, .min_pos = 1, .max_pos = 1, .flags = CLI_STORE_RW,
		.roles = ROLE_SIGNERS, .run = cmd_rollback_run,
	},
	{
		.noun = "deploy", .verb = "list", .args = "[MODEL]",
		.summary = "show which version takes how much live traffic",
		.help = "Lists the servers the deploy plugins (haproxy) reported at the last sync: for each\n"
			"model its versions, live or shadow, their share of live traffic, weight, state and\n"
			"requests served. A share that differs from what steward last decided is listed as\n"
			"UNAPPROVED, as for aliases moved behind steward's back.",
		.opts = cli_none_opts, .min_pos = 0, .max_pos = 1, .flags = CLI_STORE_RO, .run = cmd_deploy_list,
	},
	{
		.noun = "deploy", .verb = "canary", .args = "MODEL VERSION",
		.summary = "give a version a canary share of live traffic, under policy",
		.help = "Sends --weight percent of MODEL's live traffic to VERSION and the rest to the\n"
			"stable version (the one holding most of it), other versions drained. A canary is a\n"
			"stage: the open request of VERSION to canary ('steward promote request MODEL VERSION\n"
			"--to canary'), approved as the policy's transition to canary asks, is applied with\n"
			"it and the canary alias moves. Traffic moves first through the deploy plugin, read\n"
			"back, then the signed deploy.traffic entry; when a later step fails traffic is put back.",
		.opts = cli_deploy_canary_opts, .min_pos = 2, .max_pos = 2, .flags = CLI_STORE_RW,
		.roles = ROLE_SIGNERS, .run = cmd_deploy_canary,
	},
	{
		.noun = "deploy", .verb = "shift", .args = "MODEL VERSION",
		.summary = "move live traffic between deployed versions, under policy",
		.help = "Gives VERSION --weight percent of live traffic and the stable version the rest.\n"
			"Governed by the policy's shift section (who may, canary soak, live metrics); a policy\n"
			"without one refuses. Recorded as a signed deploy.traffic entry.",
		.opts = cli_deploy_shift_opts, .min_pos = 2, .max_pos = 2, .flags = CLI_STORE_RW,
		.roles = ROLE_SIGNERS, .run = cmd_deploy_shift,
	},
	{
		.noun = "deploy", .verb = "full", .args = "MODEL VERSION",
		.summary = "give a version all live traffic, behind the production gate",
		.help = "Gives VERSION all of MODEL's live traffic and drains the others. Full traffic\n"
			"needs the production gate: VERSION must be production by a governed promotion, or\n"
			"have an open request to production whose gate passes (applied with it).",
		.opts = cli_deploy_full_opts, .min_pos = 2, .max_pos = 2, .flags = CLI_STORE_RW,
		.roles = ROLE_SIGNERS, .run = cmd_deploy_full,
	},
	{
		.noun = "playbook", .verb = "run", .args = "NAME",
		.summary = "run a playbook against a model, step by step",
		.help = "Runs the steps of playbook NAME in order against --model: checks read the signed\n"
			"monitoring observation, actions (rollback, shift, silence, incident, annotate) go\n"
			"through the same governed calls as the commands, each asking first on the terminal\n"
			"what exactly it will change. The run stops at the first failed check, refused or\n"
			"declined action, and says where; the same command resumes it there (--new starts\n"
			"over). Every step is a signed playbook.step entry naming who ran it and whether it\n"
			"was confirmed or run with --yes. Exit 0 when every step passed, 1 when it stopped.",
		.opts = cli_playbook_run_opts, .min_pos = 1, .max_pos = 1, .flags = CLI_STORE_RW,
		.roles = ROLE_SIGNERS, .run = cmd_playbook_run,
	},
	{
		.noun = "playbook", .verb = "runs", .args = "",
		.summary = "list playbook runs (unfinished ones by default)",
		.help = "Lists playbook runs newest first: playbook, model, state (running, stopped,\n"
			"done, abandoned), the step it is at, who started it and the incident it works on.",
		.opts = cli_playbook_runs_opts, .min_pos = 0, .max_pos = 0, .flags = CLI_STORE_RO,
		.run = cmd_playbook_runs,
	},
	{
		.noun = "playbook", .verb = "status", .args = "RUN",
		.summary = "show a playbook run and each step it took",
		.help = "Shows run RUN: its playbook and digest, state, and every step taken with its\n"
			"outcome, who ran it, how it was confirmed and its ledger entry.",
		.opts = cli_none_opts, .min_pos = 1, .max_pos = 1, .flags = CLI_STORE_RO, .run = cmd_playbook_status,
	},
	{
		.noun = "policy", .verb = "check", .args = "FILE...",
		.summary = "lint policy files",
		.help = "Parses each FILE and reports its name, version, tier and sha256, or the first\n"
			"error as FILE:LINE:COL with what was found and what was expected.",
		.opts = cli_none_opts, .min_pos = 1, .max_pos = CLI_POS_MAX,
		.run = cmd_policy_check,
	},
	{
		.noun = "policy", .verb = "test", .args = "FILE...",
		.summary = "run a policy's test cases",
		.help = "Runs the cases in FILE.test (or, given X.test, against X): fixture evidence and\n"
			"the expected result of each rule and of the decision, like 'opa test'. Exit 1 when\n"
			"a case fails.",
		.opts = cli_none_opts, .min_pos = 1, .max_pos = CLI_POS_MAX,
		.run = cmd_policy_test,
	},
	{
		.noun = "policy", .verb = "enroll", .args = "FILE",
		.summary = "put a policy in force for its tier",
		.help = "Records FILE's name, version, tier, sha256 and text in the ledger with a statement\n"
			"signed by your admin key. It is then the policy in force for its tier. A lower\n"
			"version than the enrolled one, or other bytes under an enrolled version, is\n"
			"refused. Promotions are refused while the file's bytes differ from the enrolled ones.",
		.opts = cli_none_opts, .min_pos = 1, .max_pos = 1, .flags = CLI_STORE_RW,
		.roles = ROLE_ADMIN, .run = cmd_policy_enroll,
	},
	{
		.noun = "policy", .verb = "list", .args = "",
		.summary = "list enrolled policies",
		.help = "Lists enrolled policies by tier: name, version, digest, enrolment time, signer,\n"
			"and which one is in force.",
		.opts = cli_none_opts, .min_pos = 0, .max_pos = 0, .flags = CLI_STORE_RO,
		.run = cmd_policy_list,
	},
	{
		.noun = "policy", .verb = "show", .args = "NAME",
		.summary = "print an enrolled policy's text",
		.help = "Prints the newest enrolled version of policy NAME as it was enrolled.",
		.opts = cli_none_opts, .min_pos = 1, .max_pos = 1, .flags = CLI_STORE_RO,
		.run = cmd_policy_show,
	},
	{
		.noun = "approve", .args = "REQUEST",
		.summary = "sign an approval of a promotion request",
		.help = "Signs an approval of REQUEST: a DSSE envelope around an in-toto Statement v1\n"
			"whose subject is the model version and its artifact sha256, and whose predicate\n"
			"binds the decision, your role and principal, the request, stages, tier, keyring\n"
			"version, a fresh nonce, issue and expiry times. Refused, with the reason, when it\n"
			"would not count: you wrote the version or opened the request, you already signed\n"
			"a decision on it (with any key), your key is revoked, and so on.",
		.opts = cli_approve_opts, .min_pos = 1, .max_pos = 1, .flags = CLI_STORE_RW,
		.roles = ROLE_SIGNERS, .run = cmd_approve_run,
	},
	{
		.noun = "reject", .args = "REQUEST",
		.summary = "sign a rejection of a promotion request",
		.help = "Signs a rejection of REQUEST with a reason, like 'steward approve'. A recorded\n"
			"rejection closes the request.",
		.opts = cli_reject_opts, .min_pos = 1, .max_pos = 1, .flags = CLI_STORE_RW,
		.roles = ROLE_SIGNERS, .run = cmd_reject_run,
	},
	{
		.noun = "approval", .verb = "list", .args = "",
		.summary = "list signed decisions and whether each counts",
		.help = "Lists decisions (all, or one request's): id, request, signer, role, decision,\n"
			"expiry, and whether it counts now or why not; oldest request first, each\n"
			"one's decisions in the order they were recorded. --json writes each decision\n"
			"as it is evaluated, so memory stays flat at any size.",
		.opts = cli_approval_list_opts, .min_pos = 0, .max_pos = 0, .flags = CLI_STORE_RO,
		.run = cmd_approval_list,
	},
	{
		.noun = "approval", .verb = "show", .args = "ID",
		.summary = "show one decision, or its DSSE envelope",
		.help = "Shows decision ID and whether it counts. With --dsse, prints the envelope\n"
			"exactly as stored, for other in-toto/DSSE tools to check.",
		.opts = cli_approval_show_opts, .min_pos = 1, .max_pos = 1, .flags = CLI_STORE_RO,
		.run = cmd_approval_show,
	},
	{
		.noun = "approval", .verb = "submit", .args = "REQUEST FILE",
		.summary = "record a decision signed elsewhere",
		.help = "Records the DSSE envelope in FILE (\"-\" for standard input) as a decision on\n"
			"REQUEST. It passes the same rules as 'steward approve': the signature must\n"
			"verify under an active key of the keyring before the statement is read.",
		.opts = cli_none_opts, .min_pos = 2, .max_pos = 2, .flags = CLI_STORE_RW,
		.run = cmd_approval_submit,
	},
	{
		.noun = "request", .verb = "list", .args = "",
		.summary = "list promotion requests",
		.help = "Lists open requests (with --all, every request), newest first: model, version,\n"
			"tier, stages, requester and approvals counted against those required. --json\n"
			"writes each request as it is evaluated, so memory stays flat at any size.",
		.opts = cli_request_list_opts, .min_pos = 0, .max_pos = 0, .flags = CLI_STORE_RO,
		.run = cmd_request_list,
	},
	{
		.noun = "request", .verb = "show", .args = "ID",
		.summary = "show a request and whether each decision counts",
		.help = "Shows request ID: the version and its digest, stages, requester, what it needs,\n"
			"and each decision with whether it counts or why not.",
		.opts = cli_none_opts, .min_pos = 1, .max_pos = 1, .flags = CLI_STORE_RO,
		.run = cmd_request_show,
	},
	{
		.noun = "request", .verb = "withdraw", .args = "ID",
		.summary = "withdraw an open request",
		.help = "Closes open request ID as withdrawn, with the reason, as a signed\n"
			"request.withdraw entry. Only its requester or an admin may withdraw it; its\n"
			"decisions stay in the ledger but can no longer count.",
		.opts = cli_request_withdraw_opts, .min_pos = 1, .max_pos = 1, .flags = CLI_STORE_RW,
		.roles = ROLE_ADMIN | ROLE_MLLEAD | ROLE_SRE | ROLE_RISK, .run = cmd_request_withdraw,
	},
	{
		.noun = "request", .verb = "supersede", .args = "ID",
		.summary = "replace a request bound to a superseded policy",
		.help = "A request stays bound to the policy in force when it opened, so approvals\n"
			"made for it never count under a policy enrolled later. This closes open\n"
			"request ID as superseded and opens a new request for the same version and\n"
			"stage under the policy now in force (its id is printed last), both named in a\n"
			"signed request.supersede entry. Refused while the request's policy is still\n"
			"in force. Only its requester or an admin may supersede it.",
		.opts = cli_none_opts, .min_pos = 1, .max_pos = 1, .flags = CLI_STORE_RW,
		.roles = ROLE_ADMIN | ROLE_MLLEAD | ROLE_SRE | ROLE_RISK, .run = cmd_request_supersede,
	},
	{
		.noun = "audit", .verb = "log", .args = "",
		.summary = "show the ledger's entries",
		.help = "Lists ledger entries in order: sequence number, time, actor, action, subject.\n"
			"With --json each entry carries its exact body. Entries are written as they are\n"
			"read, so memory stays flat at any ledger size. --since, --after and --limit\n"
			"page through a long ledger: 'audit log --after 5000 --limit 100' is the hundred\n"
			"entries after entry 5000, found by sequence number without reading the rest.",
		.opts = cli_audit_log_opts, .min_pos = 0, .max_pos = 0, .flags = CLI_STORE_RO,
		.run = cmd_audit_log,
	},
	{
		.noun = "audit", .verb = "verify", .args = "",
		.summary = "verify the ledger, its checkpoints, the keyring and every approval",
		.help = "Recomputes every leaf and chain hash, every checkpoint root and every stored\n"
			"Merkle tree node (naming a node that differs by its level and index), checks every\n"
			"checkpoint signature and that entry times never decrease nor lie in the future\n"
			"(more than 300 seconds ahead), replays the keyring (each change signed by an\n"
			"admin of the keyring before it), checks every act's signature by its actor and\n"
			"every approval against the keyring in force when it was recorded, then\n"
			"reconciles the store's keyring, approval, version, card, metric, alias, policy,\n"
			"request and promotion tables with the entries that made them, naming the first\n"
			"row that disagrees. It warns about versions no signed entry records and about\n"
			"ungoverned aliases. Exit 0 when all holds; otherwise exit 1 naming\n"
			"the first bad entry and what is wrong. With --bundle, checks an exported bundle,\n"
			"no store. It prints the log's verifier key; --vkey pins it, so another key fails.\n"
			"The store's witness (PATH.witness, the newest checkpoint its signer signed) and\n"
			"each --checkpoint FILE kept from before must be in the history: the root of its\n"
			"first N entries is its root, or the history was rewritten. A signer saves the\n"
			"witness just before it commits the checkpoint, so a run whose snapshot falls\n"
			"between the two reads the store again (at most three snapshots, 0.1 and 0.2 s\n"
			"apart) before it says the history was cut short. Under --vkey a bundle\n"
			"with no checkpoint, or with entries after its last one that no signature covers,\n"
			"fails (the latter unless --allow-unsigned-tail). It reads and replays the entries\n"
			"in order on one thread while --jobs N others parse the entries ahead of it and\n"
			"check leaf hashes and signatures in batches; a failure found there is checked\n"
			"again on one thread, so the report names the same first entry. Up to 64\n"
			"batches (about 45 MB) may wait for the workers, so the tables, tree and\n"
			"reconcile phases run while they still verify signatures. It prints the\n"
			"wall and CPU time it took, and each phase's: ledger (reading, checking and\n"
			"replaying the entries), tables, tree (the stored Merkle nodes), reconcile\n"
			"(the derived tables) and workers (waiting for their last checks); a phase's\n"
			"CPU counts every thread's, the workers' included.",
		.opts = cli_audit_verify_opts, .min_pos = 0, .max_pos = CLI_POS_MAX,
		.run = cmd_audit_verify,
	},
	{
		.noun = "audit", .verb = "checkpoint", .args = "",
		.summary = "print the newest signed checkpoint, for an auditor or second host to keep",
		.help = "Prints the store's newest checkpoint, a signed note (steward-ledger(5)), after\n"
			"checking it is signed by the log key. Keep it: a later 'audit verify\n"
			"--checkpoint FILE' fails if the history it signed was rewritten.",
		.opts = cli_audit_checkpoint_opts, .min_pos = 0, .max_pos = 0, .flags = CLI_STORE_RO,
		.run = cmd_audit_checkpoint,
	},
	{
		.noun = "checkpoint", .args = "",
		.summary = "sign a checkpoint over the entries others appended (the log signer)",
		.help = "Signs a checkpoint over every entry the newest one does not cover, after\n"
			"checking each is signed by its actor with a key the keyring gave them. Only\n"
			"the account that can read the log key (PATH.logkey) can: on a store a group\n"
			"shares (init --group), the others' commands leave their entries to it. With\n"
			"--watch it keeps running and signs as entries arrive; an entry that fails the\n"
			"check is reported on stderr and never signed. Stops on INT or TERM.",
		.opts = cli_checkpoint_opts, .min_pos = 0, .max_pos = 0, .flags = CLI_STORE_RW,
		.run = cmd_checkpoint,
	},
	{
		.noun = "store", .verb = "copy", .args = "",
		.summary = "copy an estate, ledger and all, to a new store file or PostgreSQL database",
		.help = "Copies every table of the store SRC (a file or a postgresql:// URI, read-only,\n"
			"at this steward's schema version: upgrade an older one with 'steward init --db\n"
			"SRC' first) into DST, which must be a new or empty file or a database without\n"
			"rows: SQLite to PostgreSQL, back, or file to file. On PostgreSQL, run it as the\n"
			"database's owner role: it makes the schema and moves the id sequences past the\n"
			"copied rows. The rows go in one transaction; the copy's ledger is verified and\n"
			"must have SRC's root before it commits. A new file is written beside DST and\n"
			"renamed at the end, so a failure or a kill leaves no DST (a kill may leave the\n"
			"temporary DST.copy-XXXXXX); a database is left with the empty schema and no rows,\n"
			"and takes a new copy. The log key and witness kept beside SRC (PATH.logkey, or\n"
			"this host's data folder for a database) are copied beside DST with their modes,\n"
			"so the copy keeps signing checkpoints; a different file already there is refused,\n"
			"and so is a log key this account cannot read (run the copy as its owner). A\n"
			"source without a log key on this host (a database whose signer is elsewhere) is\n"
			"copied without one. Progress on stderr when it is a terminal; one summary line:\n"
			"tables, rows, ledger entries and the ledger's root.",
		.opts = cli_store_copy_opts, .min_pos = 0, .max_pos = 0, .flags = CLI_WRITES,
		.run = cmd_store_copy,
	},
	{
		.noun = "audit", .verb = "prove", .args = "SEQ",
		.summary = "print an inclusion proof of an entry",
		.help = "Prints a proof that entry SEQ is in the tree signed by the newest checkpoint:\n"
			"the entry's exact body, the audit path and the checkpoint (steward-ledger(5)).\n"
			"The path is read from the tree's stored nodes: O(log n) hashes, not every entry.",
		.opts = cli_none_opts, .min_pos = 1, .max_pos = 1, .flags = CLI_STORE_RO | CLI_NO_JSON,
		.run = cmd_audit_prove,
	},
	{
		.noun = "audit", .verb = "consistency", .args = "OLD_SIZE",
		.summary = "print a consistency proof from an older tree size",
		.help = "Prints a proof that the ledger of OLD_SIZE entries is a prefix of the tree\n"
			"signed by the newest checkpoint (steward-ledger(5)), read from the tree's stored\n"
			"nodes as 'audit prove' does.",
		.opts = cli_none_opts, .min_pos = 1, .max_pos = 1, .flags = CLI_STORE_RO | CLI_NO_JSON,
		.run = cmd_audit_consistency,
	},
	{
		.noun = "audit", .verb = "verify-proof", .args = "FILE",
		.summary = "check an inclusion or consistency proof",
		.help = "Checks a proof written by 'audit prove' or 'audit consistency' (FILE, or \"-\"\n"
			"for standard input): the checkpoint signatures under the log key, then the path.\n"
			"The log key comes from --vkey, else from the store.",
		.opts = cli_audit_verify_proof_opts, .min_pos = 1, .max_pos = 1,
		.run = cmd_audit_verify_proof,
	},
	{
		.noun = "audit", .verb = "export", .args = "DIR",
		.summary = "export entries, checkpoints and keyring history for auditors",
		.help = "Writes a bundle to DIR (which must not exist; missing parents are created 0700):\n"
			"every entry's exact body, every checkpoint, the log's verifier key and the\n"
			"keyring history. 'steward audit verify --bundle DIR' checks it without the store.\n"
			"Entries are written as they are read and verified, so memory stays bounded on\n"
			"any ledger; on a terminal a progress line on stderr shows entries done of the\n"
			"total, the rate and the time left (not with --quiet, nor on a pipe).",
		.opts = cli_audit_export_opts, .min_pos = 1, .max_pos = 1, .flags = CLI_STORE_RO,
		.run = cmd_audit_export,
	},
	{
		.noun = "plugin", .verb = "list", .args = "",
		.summary = "list configured plugins, their capabilities and health",
		.help = "Lists each [plugin NAME] of the configuration: its type, whether it loads (from\n"
			"the configured plugin directories only; files that others could change and other\n"
			"ABI versions are refused by name), its capabilities, and the health its last sync\n"
			"recorded: ok, or degraded with the message, and the last success. The\n"
			"configuration and each plugin, after following symbolic links, must be owned by\n"
			"you or root and not writable by group or others, nor their directories.",
		.opts = cli_none_opts, .min_pos = 0, .max_pos = 0, .flags = CLI_STORE_RO,
		.run = cmd_plugin_list,
	},
	{
		.noun = "lineage", .verb = "import", .args = "PATH...",
		.summary = "import OpenLineage run events and sign the lineage of the versions they reach",
		.help = "Reads OpenLineage run events (spec 2-0-x): files of newline-delimited JSON,\n"
			"files holding one JSON event each (what the OpenLineage client's file\n"
			"transport writes), directories of such files (in name order), or - for\n"
			"standard input. Jobs, runs and their input and output datasets are stored\n"
			"with their version, digest, schema and data source facets; runs are linked\n"
			"to model versions as steward-lineage(7) describes. An event already held\n"
			"(the same bytes but for whitespace between tokens) changes nothing. A\n"
			"malformed event is named with its file and line and skipped; the rest of\n"
			"the file is still imported, and the command then exits 3. At the end, every\n"
			"model version whose lineage changed gets a lineage.set ledger entry signed\n"
			"by --key: the record a gate's lineage-complete rule reads.",
		.opts = cli_none_opts, .min_pos = 1, .max_pos = CLI_POS_MAX, .flags = CLI_STORE_RW,
		.roles = ROLE_EVIDENCE,
		.run = cmd_lineage_import,
	},
	{
		.noun = "lineage", .verb = "show", .args = "[MODEL VERSION]",
		.summary = "show the lineage graph around a version, or a dataset's dependents",
		.help = "Prints the graph around MODEL VERSION as an indented tree: upstream (the\n"
			"runs that produced it, the dataset versions they read, the runs that wrote\n"
			"those, ...), downstream, or both; then whether its lineage is complete as the\n"
			"newest signed lineage.set entry says, and whether the store still agrees.\n"
			"With --dataset NAMESPACE/NAME: every version of that dataset and what\n"
			"depends on it, down to the model versions and the aliases serving them.\n"
			"--json gives nodes and edges; --dot gives Graphviz.",
		.opts = cli_lineage_show_opts, .min_pos = 0, .max_pos = 2, .flags = CLI_STORE_RO,
		.run = cmd_lineage_show,
	},
	{
		.noun = "lineage", .verb = "attest", .args = "MODEL VERSION",
		.summary = "sign a version's lineage as the store holds it now",
		.help = "Appends a lineage.set entry signed by --key with the version's training runs,\n"
			"the dataset versions they read and whether that is complete, when it differs\n"
			"from the newest such entry: for lineage imported without a key (the\n"
			"console's background sync) or linked later (a version synced after its\n"
			"events were imported).",
		.opts = cli_none_opts, .min_pos = 2, .max_pos = 2, .flags = CLI_STORE_RW,
		.roles = ROLE_EVIDENCE,
		.run = cmd_lineage_attest,
	},
	{
		.noun = "sync", .args = "[NAME]",
		.summary = "sync the store from the configured plugins",
		.help = "Runs each plugin's sync (or NAME's) on a worker thread with its own store\n"
			"connection. All of one sync's writes land in one transaction or none do; a\n"
			"second sync of an unchanged backend writes nothing. Alias moves in a backend that\n"
			"no steward decision made are recorded in the ledger as unapproved changes.\n"
			"The models, versions, cards and metrics it records are acts of the --key's\n"
			"principal (an admin, ML lead or pipeline key), each signed in the ledger; the\n"
			"console's background sync, which holds no key, records them unattested and no\n"
			"gate counts on them until a sync with a key attests them.\n"
			"Between full passes (each plugin's full_sync period, default an hour, or --full)\n"
			"a sync is incremental: versions whose update stamp in the backend did not move\n"
			"since they were last read are skipped. A sync that could not read some\n"
			"artifacts records their digests as unverified, reports itself partial and\n"
			"exits 3. On a terminal a progress line on stderr shows what each plugin has\n"
			"read of its total, the rate and the time left (not with --quiet, nor on a pipe).\n"
			"The key is unlocked while the plugins read their backends: nothing is written,\n"
			"and nothing said, before its principal is found and its role checked.",
		.opts = cli_sync_opts, .min_pos = 0, .max_pos = 1, .flags = CLI_STORE_RW | CLI_KEY_LATE,
		.roles = ROLE_EVIDENCE,
		.run = cmd_sync_run,
	},
	{
		.noun = "alert", .verb = "list", .args = "",
		.summary = "list firing and silenced alerts for models",
		.help = "Lists the alerts the alert plugins (Alertmanager) held at the last sync that name\n"
			"a model and fire or are silenced: fingerprint, severity, alert name, model, version,\n"
			"since when, state, the silences holding it and the summary. Alerts are mapped to\n"
			"models by their labels (model and version by default; see steward-plugins(7)).\n"
			"With --all, every alert, also those naming no model. 'steward sync' refreshes them.\n"
			"Alerts are written as they are read, so memory stays flat at any number.",
		.opts = cli_alert_list_opts, .min_pos = 0, .max_pos = 0, .flags = CLI_STORE_RO,
		.run = cmd_alert_list,
	},
	{
		.noun = "alert", .verb = "silence", .args = "FINGERPRINT",
		.summary = "silence an alert in Alertmanager for a while (sre)",
		.help = "Creates a silence in the alert plugin the alert came from: its labels as equality\n"
			"matchers, from now for DURATION, with your principal as its creator and the comment.\n"
			"Once Alertmanager confirmed, the silence and its id are recorded in the ledger\n"
			"(alert.silence, signed with --key); if it refuses, nothing is recorded. The alert\n"
			"shows as silenced after the next sync.",
		.opts = cli_alert_silence_opts, .min_pos = 1, .max_pos = 1, .flags = CLI_STORE_RW,
		.roles = ROLE_SRE, .run = cmd_alert_silence,
	},
	{
		.noun = "alert", .verb = "expire", .args = "SILENCE_ID",
		.summary = "expire a silence in Alertmanager (sre)",
		.help = "Expires silence SILENCE_ID in the alert plugin it came from, so the alerts it held\n"
			"fire again. Once Alertmanager confirmed, the ledger records it (alert.unsilence,\n"
			"signed with --key); if it refuses, nothing is recorded.",
		.opts = cli_alert_expire_opts, .min_pos = 1, .max_pos = 1, .flags = CLI_STORE_RW,
		.roles = ROLE_SRE, .run = cmd_alert_expire,
	},
	{
		.noun = "silence", .verb = "list", .args = "",
		.summary = "list the silences the alert plugins hold",
		.help = "Lists the silences read at the last sync: id, state (active, pending, expired),\n"
			"matchers, start, end, creator and comment. Silences are written as they are\n"
			"read, so memory stays flat at any number.",
		.opts = cli_silence_list_opts, .min_pos = 0, .max_pos = 0, .flags = CLI_STORE_RO,
		.run = cmd_silence_list,
	},
	{
		.noun = "incident", .verb = "open", .args = "MODEL",
		.summary = "open an incident on a model (admin, risk-officer, ml-lead, sre)",
		.help = "Opens an incident on registered model MODEL with a severity and a title, and\n"
			"prints its number. The act is an incident.open ledger entry signed with --key;\n"
			"the incident and its timeline are the cache of such entries that 'steward audit\n"
			"verify' rebuilds. Auditors and pipeline keys may not open one.",
		.opts = cli_incident_open_opts, .min_pos = 1, .max_pos = 1, .flags = CLI_STORE_RW,
		.roles = INCIDENT_ROLES, .run = cmd_incident_open,
	},
	{
		.noun = "incident", .verb = "ack", .args = "N",
		.summary = "acknowledge incident N: you become its owner",
		.help = "Acknowledges incident N (incident.ack, signed with --key): the signer becomes its\n"
			"owner, taking it over from whoever acknowledged it before. A resolved incident\n"
			"is refused.",
		.opts = cli_none_opts, .min_pos = 1, .max_pos = 1, .flags = CLI_STORE_RW,
		.roles = INCIDENT_ROLES, .run = cmd_incident_ack,
	},
	{
		.noun = "incident", .verb = "note", .args = "N TEXT",
		.summary = "add a note to incident N's timeline",
		.help = "Adds TEXT (one line, at most 600 bytes) to incident N's timeline as an\n"
			"incident.note entry signed with --key. A resolved incident is refused.",
		.opts = cli_none_opts, .min_pos = 2, .max_pos = 2, .flags = CLI_STORE_RW,
		.roles = INCIDENT_ROLES, .run = cmd_incident_note,
	},
	{
		.noun = "incident", .verb = "resolve", .args = "N",
		.summary = "resolve incident N",
		.help = "Resolves incident N (incident.resolve, signed with --key), with --note saying how\n"
			"it ended. An incident is resolved once: a second resolve is refused.",
		.opts = cli_incident_resolve_opts, .min_pos = 1, .max_pos = 1, .flags = CLI_STORE_RW,
		.roles = INCIDENT_ROLES, .run = cmd_incident_resolve,
	},
	{
		.noun = "incident", .verb = "list", .args = "",
		.summary = "list open incidents: id, state, severity, model, age, owner, title",
		.help = "Lists the incidents not resolved yet, newest first: number, state (open or\n"
			"acknowledged), severity, model, age, owner and title. With --all, resolved ones\n"
			"too (their age is how long they lasted). Incidents are written as they are read,\n"
			"so memory stays flat at any number.",
		.opts = cli_incident_list_opts, .min_pos = 0, .max_pos = 0, .flags = CLI_STORE_RO,
		.run = cmd_incident_list,
	},
	{
		.noun = "incident", .verb = "show", .args = "N",
		.summary = "show incident N and its timeline",
		.help = "Shows incident N (model, severity, state, owner, when it was opened, acknowledged\n"
			"and resolved, the alert that started it) and its timeline: each act's time,\n"
			"actor, kind (open, ack, note, step, resolve), text and ledger entry.",
		.opts = cli_none_opts, .min_pos = 1, .max_pos = 1, .flags = CLI_STORE_RO,
		.run = cmd_incident_show,
	},
	{
		.noun = "playbook", .verb = "check", .args = "FILE...",
		.summary = "lint incident playbook files",
		.help = "Parses each FILE (steward-playbook(5)) and prints 'FILE: ok (N steps)', or the\n"
			"first error as FILE:LINE:COL with what was found and what was expected. Lint\n"
			"warnings (an action before any check, a rollback and a shift in one playbook, a\n"
			"silence over 24h, a file not named after its playbook) are printed as\n"
			"FILE:LINE: warning: ... and fail the file only with --strict. Exit 1 when any\n"
			"file failed. No store is needed.",
		.opts = cli_playbook_check_opts, .min_pos = 1, .max_pos = CLI_POS_MAX,
		.run = cmd_playbook_check,
	},
	{
		.noun = "playbook", .verb = "list", .args = "",
		.summary = "list the playbooks in the playbook directory",
		.help = "Lists every NAME.playbook in the playbook directory: name, trigger (alert name\n"
			"and label matchers), number of steps, file and sha256. Files that do not load\n"
			"(a parse error, a second playbook with a name already listed) are named after the\n"
			"list and make the exit status 1.",
		.opts = cli_playbook_dir_opts, .min_pos = 0, .max_pos = 0,
		.run = cmd_playbook_list,
	},
	{
		.noun = "playbook", .verb = "show", .args = "NAME",
		.summary = "show a playbook's trigger and steps",
		.help = "Prints playbook NAME from the playbook directory: its trigger, file and sha256,\n"
			"then each step in order, whether it checks or acts, and what it does in words\n"
			"(placeholders such as {model} as written).",
		.opts = cli_playbook_dir_opts, .min_pos = 1, .max_pos = 1,
		.run = cmd_playbook_show,
	},
	{
		.noun = "demo", .args = "",
		.summary = "build the demo estate and open the console on it",
		.help = "Builds a deterministic demo estate (models of every tier, versions, cards,\n"
			"metrics, aliases) in $XDG_DATA_HOME/steward/demo.db, never in your own store,\n"
			"and opens the console on it. The directories it needs, down to its key and\n"
			"policy directories beside the store, are created 0700. An earlier demo store is\n"
			"rebuilt; any other existing file is left alone and the command refuses.",
		.opts = cli_demo_opts, .min_pos = 0, .max_pos = 0, .flags = CLI_WRITES,
		.run = cmd_demo_run,
	},
};

const size_t cli_ncmds = sizeof cli_cmds / sizeof cli_cmds[0];
