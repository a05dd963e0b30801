/* cli: the option parser the command table (cmd-table.c) drives, help and the man page's COMMANDS generated from it, and the dispatcher. */
#include "cli.h"

#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "file.h"
#include "ledger.h"
#include "passphrase.h"
#include "plugin.h"
#include "tui/tui.h"

/* ---- help ---- */

static void cli_print_name(FILE *f, const struct cli_cmd *cmd)
{
	fputs("steward", f);
	if (cmd->noun != NULL)
		fprintf(f, " %s", cmd->noun);
	if (cmd->verb != NULL)
		fprintf(f, " %s", cmd->verb);
}

static void cli_print_opt_usage(FILE *f, const struct cli_opt *o)
{
	if (strcmp(o->name, "help") == 0)
		return;
	fputc(' ', f);
	if (!o->required)
		fputc('[', f);
	fprintf(f, "--%s", o->name);
	if (o->arg != NULL)
		fprintf(f, " %s", o->arg);
	if (!o->required)
		fputc(']', f);
}

static void cli_print_usage(FILE *f, const struct cli_cmd *cmd)
{
	const struct cli_opt *o;

	cli_print_name(f, cmd);
	if (cmd->args[0] != '\0')
		fprintf(f, " %s", cmd->args);
	for (o = cmd->opts; o->name != NULL; o++)
		cli_print_opt_usage(f, o);
	/* The one it cannot do without; the rest are global. */
	if (cmd->roles != 0)
		fputs(" --key FILE", f);
	fputs(" [global options]", f);
}

/* "--db PATH, --config FILE, ...": the global options by name, wrapped. */
static void cli_print_global_names(FILE *f)
{
	const struct cli_opt *o;
	char one[64];
	int col = 2;

	fputs("  ", f);
	for (o = cli_global_opts; o->name != NULL; o++) {
		int w;

		if (strcmp(o->name, "help") == 0)
			snprintf(one, sizeof one, "-h, --help");
		else
			snprintf(one, sizeof one, "--%s%s%s,", o->name, o->arg ? " " : "", o->arg ? o->arg : "");
		w = (int)strlen(one);
		if (col > 2 && col + 1 + w > 80) {
			fputs("\n  ", f);
			col = 2;
		}
		fprintf(f, "%s%s", col > 2 ? " " : "", one);
		col += (col > 2 ? 1 : 0) + w;
	}
	fputc('\n', f);
}
static void cli_print_opt_help(FILE *f, const struct cli_opt *o)
{
	char left[64], text[600];
	const char *p;
	int col;

	if (strcmp(o->name, "help") == 0)
		snprintf(left, sizeof left, "-h, --help");
	else if (o->arg != NULL)
		snprintf(left, sizeof left, "--%s %s", o->name, o->arg);
	else
		snprintf(left, sizeof left, "--%s", o->name);
	snprintf(text, sizeof text, "%s%s", o->help, o->required ? " (required)" : "");
	fprintf(f, "  %-22s", left);
	/* Words wrap at 80 columns under the text's first column. */
	col = 24;
	for (p = text; *p != '\0';) {
		size_t w = strcspn(p, " ");

		if (col > 25 && col + 1 + (int)w > 80) {
			fputs("\n                        ", f);
			col = 24;
		}
		fprintf(f, " %.*s", (int)w, p);
		col += 1 + (int)w;
		p += w;
		while (*p == ' ')
			p++;
	}
	fputc('\n', f);
}

static void cli_print_cmd_help(FILE *f, const struct cli_cmd *cmd)
{
	const struct cli_opt *o;

	fputs("usage: ", f);
	cli_print_usage(f, cmd);
	fprintf(f, "\n\n%s\n", cmd->help);
	if (cmd->roles != 0) {
		char roles[80];

		fprintf(f, "\nActs as the principal of --key, who must hold one of: %s.\n",
			keyring_roles_text(cmd->roles, roles, sizeof roles));
	}
	if (cmd->opts[0].name != NULL) {
		fputs("\noptions:\n", f);
		for (o = cmd->opts; o->name != NULL; o++)
			cli_print_opt_help(f, o);
	}
	fputs("\nglobal options (see 'steward --help'):\n", f);
	cli_print_global_names(f);
}

static void cli_print_cmd_line(FILE *f, const struct cli_cmd *cmd)
{
	char left[80];

	snprintf(left, sizeof left, "%s%s%s%s%s", cmd->noun, cmd->verb ? " " : "",
		 cmd->verb ? cmd->verb : "", cmd->args[0] ? " " : "", cmd->args);
	fprintf(f, "  %-36s %s\n", left, cmd->summary);
}

static void cli_print_main_help(FILE *f)
{
	const struct cli_opt *o;
	size_t i;

	fputs("usage: ", f);
	cli_print_usage(f, &cli_cmds[0]);
	fputs("\n       steward COMMAND [ARGS] [global options]\n"
	      "       steward help [COMMAND]\n\n"
	      "steward is a terminal console for governing machine-learning models in\n"
	      "production. Plain `steward` opens the console; the commands below are for\n"
	      "scripts and CI/CD.\n\ncommands:\n", f);
	for (i = 0; i < cli_ncmds; i++)
		if (cli_cmds[i].noun != NULL)
			cli_print_cmd_line(f, &cli_cmds[i]);
	fputs("\nglobal options, taken by every command and the console, before or after it:\n", f);
	for (o = cli_global_opts; o->name != NULL; o++)
		cli_print_opt_help(f, o);
	fputs("\nconsole options:\n", f);
	for (o = cli_cmds[0].opts; o->name != NULL; o++)
		cli_print_opt_help(f, o);
	fputs("\nExit status: 0 success, 1 refused or failed, 2 usage error.\n"
	      "Run 'steward COMMAND --help' for a command's options.\n", f);
}

static void cli_print_noun_help(FILE *f, const char *noun)
{
	size_t i;

	fprintf(f, "usage: steward %s COMMAND [ARGS] [global options]\n\ncommands:\n", noun);
	for (i = 0; i < cli_ncmds; i++)
		if (cli_cmds[i].noun != NULL && strcmp(cli_cmds[i].noun, noun) == 0)
			cli_print_cmd_line(f, &cli_cmds[i]);
	fprintf(f, "\nRun 'steward %s COMMAND --help' for a command's options.\n", noun);
}

/* Roff .TP entries for man/steward.1, so the man page follows the table. */
static void cli_print_roff_text(FILE *f, const char *s)
{
	for (; *s != '\0'; s++) {
		if (*s == '\\')
			fputs("\\e", f);
		else if (*s == '-')
			fputs("\\-", f);
		else if (*s == '\n')
			fputc(' ', f);
		else
			fputc(*s, f);
	}
}

static void cli_print_roff_opt(FILE *f, const struct cli_opt *o)
{
	fputs("\\fB\\-\\-", f);
	cli_print_roff_text(f, o->name);
	fputs("\\fR", f);
	if (o->arg != NULL) {
		fputs(" \\fI", f);
		cli_print_roff_text(f, o->arg);
		fputs("\\fR", f);
	}
}

static void cli_print_roff(FILE *f)
{
	size_t i;
	const struct cli_opt *o;

	for (i = 0; i < cli_ncmds; i++) {
		const struct cli_cmd *cmd = &cli_cmds[i];

		if (cmd->noun == NULL)
			continue;
		fprintf(f, ".TP\n\\fBsteward %s%s%s\\fR", cmd->noun, cmd->verb ? " " : "",
			cmd->verb ? cmd->verb : "");
		if (cmd->args[0] != '\0')
			fprintf(f, " \\fI%s\\fR", cmd->args);
		for (o = cmd->opts; o->name != NULL; o++) {
			fputs(o->required ? " " : " [", f);
			cli_print_roff_opt(f, o);
			if (!o->required)
				fputc(']', f);
		}
		if (cmd->roles != 0)
			fputs(" \\fB\\-\\-key\\fR \\fIFILE\\fR", f);
		fputc('\n', f);
		cli_print_roff_text(f, cmd->help);
		if (cmd->roles != 0) {
			char roles[80];

			fputs(" Acts as the principal of ", f);
			fputs("\\fB\\-\\-key\\fR, who must hold one of: ", f);
			cli_print_roff_text(f, keyring_roles_text(cmd->roles, roles, sizeof roles));
			fputc('.', f);
		}
		fputc('\n', f);
		if (cmd->opts[0].name == NULL)
			continue;
		fputs(".RS\n", f);
		for (o = cmd->opts; o->name != NULL; o++) {
			fputs(".TP\n", f);
			cli_print_roff_opt(f, o);
			fputc('\n', f);
			cli_print_roff_text(f, o->help);
			fputs(o->required ? " (required)\n" : "\n", f);
		}
		fputs(".RE\n", f);
	}
}

/* ---- parsing ---- */

const char *cli_opt(const struct cli_ctx *c, const char *name)
{
	int i;

	for (i = 0; i < CLI_OPTS_MAX && c->cmd->opts[i].name != NULL; i++)
		if (strcmp(c->cmd->opts[i].name, name) == 0)
			return c->optv[i];
	return NULL;
}

/* arg is quoted into the message, which has exactly one %s for it. */
#define cli_usage(c, fmt, arg) \
	(err_set(&(c)->e, ERR_INVALID, fmt, cli_quote((arg), cli_qbuf, sizeof cli_qbuf)), CLI_USAGE)
static char cli_qbuf[128];

int cli_opt_limit(struct cli_ctx *c, int64_t *limit)
{
	const char *v = cli_opt(c, "limit");
	char *end;
	long long n;

	*limit = 0;
	if (v == NULL)
		return 0;
	errno = 0;
	n = v[0] >= '0' && v[0] <= '9' ? strtoll(v, &end, 10) : -1;
	if (n < 1 || errno != 0 || *end != '\0')
		return cli_usage(c, "--limit wants a whole number of rows from 1, not '%s'", v);
	*limit = n;
	return 0;
}

int cli_opt_since(struct cli_ctx *c, int64_t *since)
{
	const char *v = cli_opt(c, "since");

	*since = 0;
	if (v == NULL)
		return 0;
	*since = check_time_parse(v);
	if (*since <= 0)
		return cli_usage(c, "--since wants an RFC 3339 UTC time such as 2026-01-01T00:00:00Z, not '%s'", v);
	return 0;
}

/* "-0.5" is a negative number, not an option, so metric values can be negative. */
static int cli_looks_like_option(const char *a)
{
	if (a[0] != '-' || a[1] == '\0')
		return 0;
	if ((a[1] >= '0' && a[1] <= '9') || a[1] == '.')
		return 0;
	return 1;
}

/* Finds the option spec for name (length n) among the command's own
 * options and then the global ones. *slot is the index into c->optv, or
 * -1 for a global option. */
static const struct cli_opt *cli_find_opt(const struct cli_cmd *cmd, const char *name, size_t n,
					  int *slot)
{
	const struct cli_opt *o;
	int i;

	for (i = 0, o = cmd->opts; o->name != NULL; o++, i++)
		if (strlen(o->name) == n && strncmp(o->name, name, n) == 0) {
			*slot = i;
			return o;
		}
	for (o = cli_global_opts; o->name != NULL; o++)
		if (strlen(o->name) == n && strncmp(o->name, name, n) == 0) {
			*slot = -1;
			return o;
		}
	return NULL;
}

/* Stores a global option in the context; -1 with c->e filled when given
 * twice or empty. */
static int cli_global_set(struct cli_ctx *c, const struct cli_opt *o, const char *val)
{
	const char **dst = NULL;
	int *flag = NULL;
	char nm[80];

	snprintf(nm, sizeof nm, "--%s", o->name);
	if (strcmp(o->name, "db") == 0)
		dst = &c->db;
	else if (strcmp(o->name, "config") == 0)
		dst = &c->config;
	else if (strcmp(o->name, "key") == 0)
		dst = &c->key_path;
	else if (strcmp(o->name, "passphrase-file") == 0)
		dst = &c->pass_file;
	else if (strcmp(o->name, "json") == 0)
		flag = &c->json;
	else
		flag = &c->readonly;
	if ((dst != NULL && *dst != NULL) || (flag != NULL && *flag))
		return err_set(&c->e, ERR_INVALID, "option '%s' given twice", nm);
	if (dst != NULL && val[0] == '\0')
		return err_set(&c->e, ERR_INVALID, "option '%s' needs a non-empty value", nm);
	if (dst != NULL)
		*dst = val;
	else
		*flag = 1;
	return 0;
}

/* The global options a command cannot honour: said, not ignored, where
 * ignoring would surprise. */
static int cli_global_check(struct cli_ctx *c)
{
	const struct cli_cmd *cmd = c->cmd;
	char name[80];

	snprintf(name, sizeof name, "steward%s%s%s%s", cmd->noun ? " " : "", cmd->noun ? cmd->noun : "",
		 cmd->verb ? " " : "", cmd->verb ? cmd->verb : "");
	if (c->json && (cmd->flags & CLI_NO_JSON))
		return err_set(&c->e, ERR_INVALID, "--json does not apply to '%s': %s", name,
			       cmd->noun == NULL ? "the console draws a screen, it has no JSON output"
						 : "its output is a text format of its own (steward-ledger(5))");
	if (c->readonly && (cmd->flags & (CLI_STORE_RW | CLI_WRITES)))
		return err_set(&c->e, ERR_INVALID, "--readonly: '%s' writes to the store", name);
	return 0;
}

/* Returns 0, CLI_USAGE, or 1 when --help was asked for. */
static int cli_parse(struct cli_ctx *c, int argc, char **argv)
{
	const struct cli_cmd *cmd = c->cmd;
	int i, only_pos = 0, help = 0;
	const char *missing;

	for (i = 0; i < argc; i++) {
		const char *a = argv[i], *name, *eq, *val;
		const struct cli_opt *o;
		int slot;
		size_t n;

		if (!only_pos && strcmp(a, "--") == 0) {
			only_pos = 1;
			continue;
		}
		if (!only_pos && strcmp(a, "-h") == 0) {
			help = 1;
			continue;
		}
		if (only_pos || !cli_looks_like_option(a)) {
			if (c->npos >= cmd->max_pos || c->npos >= CLI_POS_MAX)
				return cli_usage(c, "unexpected argument '%s'", a);
			c->pos[c->npos++] = a;
			continue;
		}
		if (a[1] != '-')
			return cli_usage(c, "unknown option '%s' (options are long: --name)", a);
		name = a + 2;
		eq = strchr(name, '=');
		n = eq != NULL ? (size_t)(eq - name) : strlen(name);
		o = cli_find_opt(cmd, name, n, &slot);
		if (o == NULL)
			return cli_usage(c, "unknown option '%s'", a);
		if (strcmp(o->name, "help") == 0) {
			if (eq != NULL)
				return cli_usage(c, "option '%s' takes no value", a);
			help = 1;
			continue;
		}
		if (o->arg == NULL) {
			if (eq != NULL)
				return cli_usage(c, "option '%s' takes no value", a);
			val = "";
		} else if (eq != NULL) {
			val = eq + 1;
		} else {
			/* "--tier --owner x" is a forgotten value, not a tier named "--owner". */
			if (i + 1 >= argc || strncmp(argv[i + 1], "--", 2) == 0)
				return cli_usage(c, "option '%s' needs a value", a);
			val = argv[++i];
		}
		if (slot < 0) {
			if (cli_global_set(c, o, val) != 0)
				return CLI_USAGE;
			continue;
		}
		if (slot >= CLI_OPTS_MAX)
			return cli_usage(c, "option '%s' is not supported", a);
		if (c->optv[slot] != NULL) {
			char nm[80];

			snprintf(nm, sizeof nm, "--%s", o->name);
			return cli_usage(c, "option '%s' given twice", nm);
		}
		c->optv[slot] = val;
	}
	if (help)
		return 1;
	if (cli_global_check(c) != 0)
		return CLI_USAGE;
	if (c->npos < cmd->min_pos) {
		/* Name the first placeholder that got no argument. */
		char want[64];
		const char *p = cmd->args;
		int k;
		size_t len;

		for (k = 0; k < c->npos && p != NULL; k++) {
			p = strchr(p, ' ');
			if (p != NULL)
				p++;
		}
		missing = p != NULL ? p : "argument";
		len = strcspn(missing, " ");
		snprintf(want, sizeof want, "%.*s", (int)len, missing);
		return cli_usage(c, "missing %s", want);
	}
	for (i = 0; i < CLI_OPTS_MAX && cmd->opts[i].name != NULL; i++)
		if (cmd->opts[i].required && c->optv[i] == NULL) {
			char nm[80];

			snprintf(nm, sizeof nm, "--%s", cmd->opts[i].name);
			return cli_usage(c, "missing required option %s", nm);
		}
	return 0;
}

/* ---- dispatch ---- */

static const struct cli_cmd *cli_lookup(const char *noun, const char *verb)
{
	size_t i;

	for (i = 0; i < cli_ncmds; i++) {
		const struct cli_cmd *cmd = &cli_cmds[i];

		if (cmd->noun == NULL || strcmp(cmd->noun, noun) != 0)
			continue;
		if (cmd->verb == NULL || (verb != NULL && strcmp(cmd->verb, verb) == 0))
			return cmd;
	}
	return NULL;
}

static int cli_noun_known(const char *noun)
{
	size_t i;

	for (i = 0; i < cli_ncmds; i++)
		if (cli_cmds[i].noun != NULL && strcmp(cli_cmds[i].noun, noun) == 0)
			return 1;
	return 0;
}

static void cli_verbs(const char *noun, char *buf, size_t n)
{
	size_t i, used = 0;

	buf[0] = '\0';
	for (i = 0; i < cli_ncmds; i++) {
		const struct cli_cmd *cmd = &cli_cmds[i];
		int w;

		if (cmd->noun == NULL || cmd->verb == NULL || strcmp(cmd->noun, noun) != 0)
			continue;
		w = snprintf(buf + used, n - used, "%s%s", used ? ", " : "", cmd->verb);
		if (w < 0 || (size_t)w >= n - used)
			return;
		used += (size_t)w;
	}
}

static void cli_hint(const struct cli_cmd *cmd)
{
	fputs("steward: try '", stderr);
	cli_print_name(stderr, cmd);
	fputs(" --help'\n", stderr);
}

static int cli_report(struct cli_ctx *c, int rc)
{
	if (rc == 0)
		return CLI_EXIT_OK;
	if (rc == CLI_ATTENTION) {
		if (c->e.msg[0])
			fprintf(stderr, "steward: %s\n", cli_safe(c, c->e.msg));
		return CLI_EXIT_ATTENTION;
	}
	/* Messages quote values already; this catches any that slipped through. */
	fprintf(stderr, "steward: %s\n", c->e.msg[0] ? cli_safe(c, c->e.msg) : "failed");
	if (rc == CLI_USAGE) {
		cli_hint(c->cmd);
		return CLI_EXIT_USAGE;
	}
	return CLI_EXIT_FAIL;
}

/* Options before the command that take a value: needed to find the first
 * word in "steward --db x.db model list". */
static int cli_console_takes_value(const char *a)
{
	const struct cli_opt *o;

	if (strncmp(a, "--", 2) != 0 || strchr(a, '=') != NULL)
		return 0;
	for (o = cli_console_opts; o->name != NULL; o++)
		if (o->arg != NULL && strcmp(a + 2, o->name) == 0)
			return 1;
	for (o = cli_global_opts; o->name != NULL; o++)
		if (o->arg != NULL && strcmp(a + 2, o->name) == 0)
			return 1;
	return 0;
}

static int cli_help_cmd(int argc, char **argv)
{
	const struct cli_cmd *cmd;
	char q[128];

	if (argc == 0) {
		cli_print_main_help(stdout);
		return CLI_EXIT_OK;
	}
	if (argc == 1 && strcmp(argv[0], "--roff") == 0) {
		cli_print_roff(stdout);
		return CLI_EXIT_OK;
	}
	if (argc == 1 && strcmp(argv[0], "--console-roff") == 0) {
		tui_keys_roff(stdout);
		return CLI_EXIT_OK;
	}
	if (argc > 2 || !cli_noun_known(argv[0])) {
		fprintf(stderr, "steward: no help for '%s'\nsteward: try 'steward --help'\n",
			cli_quote(argv[argc > 2 ? 2 : 0], q, sizeof q));
		return CLI_EXIT_USAGE;
	}
	cmd = cli_lookup(argv[0], argc > 1 ? argv[1] : NULL);
	if (cmd == NULL || (cmd->verb != NULL && argc == 1)) {
		if (argc == 1) {
			cli_print_noun_help(stdout, argv[0]);
			return CLI_EXIT_OK;
		}
		fprintf(stderr, "steward: no help for '%s %s'\nsteward: try 'steward %s --help'\n",
			argv[0], cli_quote(argv[1], q, sizeof q), argv[0]);
		return CLI_EXIT_USAGE;
	}
	if (cmd->verb == NULL && argc > 1) {
		fprintf(stderr, "steward: no help for '%s %s'\nsteward: try 'steward %s --help'\n",
			argv[0], cli_quote(argv[1], q, sizeof q), argv[0]);
		return CLI_EXIT_USAGE;
	}
	cli_print_cmd_help(stdout, cmd);
	return CLI_EXIT_OK;
}

/* The unlock of a CLI_KEY_LATE command: Argon2id on its own thread. */
struct cli_late {
	pthread_t t;
	const char *path;
	struct passphrase pass;
	struct key_secret *key;
	struct err e; /* the unlock's; then why the key may not act */
	int rc;       /* the unlock's; then the whole answer */
	int started, threaded, waited;
};

static void *cli_late_main(void *arg)
{
	struct cli_late *l = arg;

	l->rc = keys_load_secret(l->path, l->pass.buf, l->pass.len, &l->key, &l->e);
	passphrase_free(&l->pass);
	return NULL;
}

/* The principal of the unlocked c->key, and whether it holds one of the command's roles. */
static int cli_principal(struct cli_ctx *c, const char *path)
{
	char have[80], need[80];

	if (keyring_whoami(c->st, c->key->id, &c->who, &c->e) != 0) {
		err_prefix(&c->e, "%s", path);
		return CLI_FAIL;
	}
	c->who.key = c->key; /* the acts it runs are signed with it */
	if ((c->who.roles & c->cmd->roles) == 0) {
		char name[80];

		snprintf(name, sizeof name, "%s%s%s", c->cmd->noun, c->cmd->verb ? " " : "",
			 c->cmd->verb ? c->cmd->verb : "");
		return err_set(&c->e, ERR_DENIED, "%s (roles: %s) may not run 'steward %s': it needs one of %s",
			       c->who.name, keyring_roles_text(c->who.roles, have, sizeof have), name,
			       keyring_roles_text(c->cmd->roles, need, sizeof need));
	}
	return 0;
}

/* Asks for the passphrase now (the terminal is the command's until run
 * starts); run starts the unlock with cli_key_start. */
static int cli_unlock_late(struct cli_ctx *c, const char *path)
{
	char name[KEYS_NAME_MAX + 1], prompt[KEYS_NAME_MAX + 64];
	struct cli_late *l;
	unsigned mode;

	if (keys_inspect_secret(path, name, &mode, &c->e) != 0)
		return CLI_FAIL;
	l = calloc(1, sizeof *l);
	if (l == NULL)
		return err_set(&c->e, ERR_IO, "out of memory");
	snprintf(prompt, sizeof prompt, "Passphrase for key %s: ", name);
	if (passphrase_get(c->pass_file, PASSPHRASE_UNLOCK, prompt, &l->pass, &c->e) != 0) {
		free(l);
		return CLI_FAIL;
	}
	l->path = path;
	c->late = l;
	return 0;
}

void cli_key_start(struct cli_ctx *c)
{
	struct cli_late *l = c->late;

	if (l == NULL || l->started)
		return;
	l->started = 1;
	/* Without a thread the unlock runs here, as it would without CLI_KEY_LATE. */
	l->threaded = pthread_create(&l->t, NULL, cli_late_main, l) == 0;
	if (!l->threaded)
		cli_late_main(l);
}

int cli_key_wait(struct cli_ctx *c)
{
	struct cli_late *l = c->late;

	if (l == NULL)
		return 0;
	if (!l->waited) {
		cli_key_start(c);
		l->waited = 1;
		if (l->threaded)
			pthread_join(l->t, NULL);
		c->key = l->key;
		if (l->rc == 0) {
			l->rc = cli_principal(c, l->path);
			l->e = c->e;
		}
	}
	if (l->rc != 0) {
		c->e = l->e;
		return CLI_FAIL;
	}
	return 0;
}

/* The one place roles are checked: unlocks --key (or $STEWARD_KEY), finds
 * its principal in the keyring as it stands, and refuses when none of
 * the command's roles is held. A CLI_KEY_LATE command is checked the same
 * way in cli_key_wait, before it writes or answers anything. */
static int cli_identify(struct cli_ctx *c)
{
	const char *path = c->key_path;

	if (path == NULL) {
		path = getenv("STEWARD_KEY");
		if (path == NULL || path[0] == '\0') {
			err_set(&c->e, ERR_INVALID, "this command acts as someone: give --key FILE (or set STEWARD_KEY)");
			return CLI_USAGE;
		}
	}
	if (keyring_version(c->st) == 0)
		return err_set(&c->e, ERR_DENIED, "%s has no keyring yet: run 'steward init --admin NAME' first",
			       c->db_path);
	if (c->cmd->flags & CLI_KEY_LATE)
		return cli_unlock_late(c, path);
	if (cli_unlock_key(c, path, &c->key) != 0)
		return CLI_FAIL;
	return cli_principal(c, path);
}

int cli_unlock_key(struct cli_ctx *c, const char *path, struct key_secret **out)
{
	struct passphrase pass = { 0 };
	char name[KEYS_NAME_MAX + 1], prompt[KEYS_NAME_MAX + 64];
	unsigned mode;
	int r;

	*out = NULL;
	/* Structure first, so nobody types a passphrase for a file that cannot work. */
	if (keys_inspect_secret(path, name, &mode, &c->e) != 0)
		return -1;
	snprintf(prompt, sizeof prompt, "Passphrase for key %s: ", name);
	if (passphrase_get(c->pass_file, PASSPHRASE_UNLOCK, prompt, &pass, &c->e) != 0)
		return -1;
	r = keys_load_secret(path, pass.buf, pass.len, out, &c->e);
	passphrase_free(&pass);
	return r;
}

int cli_checkpoint(struct cli_ctx *c)
{
	if (ledger_checkpoint_commit(c->st, NULL, NULL, &c->e) == 0)
		return 0;
	err_prefix(&c->e, "the change is recorded, but signing its checkpoint failed");
	return CLI_FAIL;
}

static int cli_run(const struct cli_cmd *cmd, int argc, char **argv)
{
	struct cli_ctx *c;
	int rc;

	/* The context holds a path buffer; keep it off the stack of callers. */
	c = calloc(1, sizeof *c);
	if (c == NULL) {
		fputs("steward: out of memory\n", stderr);
		return CLI_EXIT_FAIL;
	}
	c->cmd = cmd;
	rc = cli_parse(c, argc, argv);
	if (rc == 1) {
		if (cmd->noun == NULL)
			cli_print_main_help(stdout);
		else
			cli_print_cmd_help(stdout, cmd);
		free(c);
		return CLI_EXIT_OK;
	}
	if (rc == 0 && (cmd->flags & (CLI_STORE_RO | CLI_STORE_RW))) {
		c->st = cli_store_open(c, (cmd->flags & CLI_STORE_RO) ? STORE_READONLY : 0);
		if (c->st == NULL)
			rc = CLI_FAIL;
	}
	if (rc == 0 && cmd->roles != 0)
		rc = cli_identify(c);
	if (rc == 0)
		rc = cmd->run(c);
	/* A key that may not act fails the command, whatever run said. */
	if (c->late != NULL && cli_key_wait(c) != 0)
		rc = CLI_FAIL;
	free(c->late);
	c->late = NULL;
	if (rc == 0 && c->st != NULL && (cmd->flags & CLI_STORE_RW))
		rc = cli_checkpoint(c);
	keys_secret_free(c->key);
	c->key = NULL;
	if (c->st != NULL)
		store_close(c->st);
	/* Output already printed must reach its destination, or the command failed. */
	if (rc == 0 && (fflush(stdout) != 0 || ferror(stdout)))
		rc = err_set(&c->e, ERR_IO, "writing output: %s", strerror(errno));
	rc = cli_report(c, rc);
	cli_safe_free(c);
	free(c);
	return rc;
}

int cli_main(int argc, char **argv)
{
	const struct cli_cmd *cmd;
	char **rest;
	int i, w = -1, n = 0, rc;
	char q[128];

	/* The first word (skipping console options and their values) picks the command. */
	for (i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--") == 0)
			break;
		if (!cli_looks_like_option(argv[i])) {
			w = i;
			break;
		}
		if (cli_console_takes_value(argv[i]))
			i++;
	}
	if (w < 0)
		return cli_run(&cli_cmds[0], argc - 1, argv + 1);
	if (strcmp(argv[w], "help") == 0)
		return cli_help_cmd(argc - w - 1, argv + w + 1);
	if (!cli_noun_known(argv[w])) {
		fprintf(stderr, "steward: unknown command '%s'\nsteward: try 'steward --help'\n",
			cli_quote(argv[w], q, sizeof q));
		return CLI_EXIT_USAGE;
	}
	cmd = cli_lookup(argv[w], NULL);
	if (cmd == NULL) {
		char verbs[256];
		const char *v = w + 1 < argc ? argv[w + 1] : NULL;

		if (v != NULL && (strcmp(v, "--help") == 0 || strcmp(v, "-h") == 0)) {
			cli_print_noun_help(stdout, argv[w]);
			return CLI_EXIT_OK;
		}
		cmd = v != NULL ? cli_lookup(argv[w], v) : NULL;
		if (cmd == NULL) {
			cli_verbs(argv[w], verbs, sizeof verbs);
			if (v == NULL)
				fprintf(stderr, "steward: '%s' needs a command: %s\n", argv[w], verbs);
			else
				fprintf(stderr, "steward: unknown command '%s %s' (commands: %s)\n",
					argv[w], cli_quote(v, q, sizeof q), verbs);
			fprintf(stderr, "steward: try 'steward %s --help'\n", argv[w]);
			return CLI_EXIT_USAGE;
		}
	}
	/* Everything but the command words goes to the command's own parser. */
	rest = calloc((size_t)argc, sizeof *rest);
	if (rest == NULL) {
		fputs("steward: out of memory\n", stderr);
		return CLI_EXIT_FAIL;
	}
	for (i = 1; i < argc; i++)
		if (i != w && !(cmd->verb != NULL && i == w + 1))
			rest[n++] = argv[i];
	rc = cli_run(cmd, n, rest);
	free(rest);
	return rc;
}

/* ---- store ---- */

int cli_store_path(struct cli_ctx *c)
{
	const char *env;
	char path[4096];
	struct err ig;
	int w;

	if (c->db != NULL) {
		w = snprintf(c->db_path, sizeof c->db_path, "%s", c->db);
		if (w < 0 || (size_t)w >= sizeof c->db_path)
			return err_set(&c->e, ERR_INVALID, "store path is too long");
		return 0;
	}
	/* Then STEWARD_DB, then the config's [steward] db, then the XDG default:
	 * the config is read only when the first two are not given, so a
	 * broken config never stands in the way of an explicit store. */
	env = getenv("STEWARD_DB");
	if ((env == NULL || env[0] == '\0') &&
	    (c->config != NULL || plugin_config_path(path, sizeof path, &ig) == 0)) {
		struct plugin_config *pc = calloc(1, sizeof *pc);

		if (pc == NULL)
			return err_set(&c->e, ERR_IO, "out of memory");
		if (cli_plugin_config(c, pc, 0) != 0) {
			plugin_config_free(pc);
			free(pc);
			return -1;
		}
		w = pc->db[0] != '\0' ? snprintf(c->db_path, sizeof c->db_path, "%s", pc->db) : -2;
		plugin_config_free(pc);
		free(pc);
		if (w == -1 || (w >= 0 && (size_t)w >= sizeof c->db_path))
			return err_set(&c->e, ERR_INVALID, "store path is too long");
		if (w >= 0)
			return 0;
	}
	return store_default_path(c->db_path, sizeof c->db_path, &c->e);
}

struct store *cli_store_open(struct cli_ctx *c, int flags)
{
	struct store *st;

	if (cli_store_path(c) < 0)
		return NULL;
	st = store_open(c->db_path, flags, &c->e);
	if (st == NULL)
		cli_store_context(c, c->db_path);
	return st;
}

int cli_read_input(struct cli_ctx *c, const char *path, size_t max, char **out, size_t *len)
{
	char q[160], *buf;
	size_t n;

	*out = NULL;
	/* A named file must be a regular one: a FIFO or a device would hang here. */
	if (strcmp(path, "-") != 0)
		return file_read(path, "file", max, out, len, &c->e);
	buf = malloc(max + 1);
	if (buf == NULL)
		return err_set(&c->e, ERR_IO, "out of memory");
	n = fread(buf, 1, max + 1, stdin);
	if (ferror(stdin)) {
		err_set(&c->e, ERR_IO, "reading %s: %s", cli_quote(path, q, sizeof q), strerror(errno));
		free(buf);
		return -1;
	}
	if (n > max) {
		free(buf);
		return err_set(&c->e, ERR_INVALID, "standard input is larger than %zu bytes", max);
	}
	buf[n] = '\0';
	*out = buf;
	*len = n;
	return 0;
}

void cli_store_context(struct cli_ctx *c, const char *path)
{
	char label[4200];

	/* A URI's password never reaches a message. */
	store_label_of(path, label, sizeof label);
	if (strstr(c->e.msg, label) == NULL)
		err_prefix(&c->e, "%s", label);
}
