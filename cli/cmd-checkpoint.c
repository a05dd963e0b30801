/* cmd-checkpoint: `steward checkpoint`, the log signer signing the entries others appended, now or as they arrive (--watch). */
#include "cli.h"

#include <errno.h>
#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "check.h"
#include "ledger.h"

static volatile sig_atomic_t cmd_checkpoint_stop;

static void cmd_checkpoint_signal(int sig)
{
	(void)sig;
	cmd_checkpoint_stop = 1;
}

/* Signs what the newest checkpoint does not cover yet. Every entry is
 * checked first (ledger_checkpoint_commit refuses unsigned or wrongly
 * signed acts), so the signer never vouches for a forged row. */
static int cmd_checkpoint_sign(struct cli_ctx *c, int64_t *before, int64_t *after)
{
	struct ledger_logkey *k;
	char *note = NULL;

	if (ledger_latest_checkpoint(c->st, before, &note, &c->e) != 0)
		return -1;
	free(note);
	/* Loaded here only to say plainly when this account is not the signer:
	 * the commit below skips a key it cannot read, as other commands must. */
	if (ledger_logkey_load(c->st, &k, &c->e) != 0)
		return err_prefix(&c->e, "only the log signer signs checkpoints");
	ledger_logkey_free(k);
	if (ledger_checkpoint_commit(c->st, NULL, NULL, &c->e) != 0)
		return -1;
	if (ledger_latest_checkpoint(c->st, after, &note, &c->e) != 0)
		return -1;
	free(note);
	return 0;
}

static int cmd_checkpoint_print(struct cli_ctx *c, int64_t before, int64_t after)
{
	char when[32];

	if (c->json) {
		json_t *o = json_object();

		if (o == NULL || cli_json_int(o, "size", after) || cli_json_bool(o, "signed", after > before) ||
		    cli_json_time(o, "time", store_now())) {
			json_decref(o);
			return cli_json_fail(&c->e);
		}
		return cli_json_print(o, &c->e) < 0 ? CLI_FAIL : 0;
	}
	check_time_text(store_now(), when, sizeof when);
	if (after > before)
		printf("%s  signed checkpoint at size %" PRId64 " (%" PRId64 " new entries)\n", when, after,
		       after - before);
	else
		printf("%s  checkpoint at size %" PRId64 " already covers every entry\n", when, after);
	return fflush(stdout) == 0 ? 0 : err_set(&c->e, ERR_IO, "writing output: %s", strerror(errno));
}

static int cmd_checkpoint_interval(struct cli_ctx *c, struct timespec *ts)
{
	const char *v = cli_opt(c, "interval");
	char *end;
	double s = 1.0;

	if (v != NULL) {
		errno = 0;
		s = strtod(v, &end);
		if (errno != 0 || end == v || *end != '\0' || !(s >= 0.05 && s <= 3600))
			return err_set(&c->e, ERR_INVALID, "--interval: '%s' is not a number of seconds from 0.05 to 3600", v);
	}
	ts->tv_sec = (time_t)s;
	ts->tv_nsec = (long)((s - (double)ts->tv_sec) * 1e9);
	return 0;
}

int cmd_checkpoint(struct cli_ctx *c)
{
	struct sigaction sa;
	struct timespec every;
	int64_t before, after, dv, seen;
	int rc;

	if (cli_opt(c, "watch") == NULL) {
		if (cli_opt(c, "interval") != NULL) {
			err_set(&c->e, ERR_INVALID, "--interval only applies with --watch");
			return CLI_USAGE;
		}
		if (cmd_checkpoint_sign(c, &before, &after) != 0)
			return CLI_FAIL;
		return cmd_checkpoint_print(c, before, after);
	}
	if (cmd_checkpoint_interval(c, &every) != 0)
		return CLI_USAGE;
	memset(&sa, 0, sizeof sa);
	sa.sa_handler = cmd_checkpoint_signal;
	sigemptyset(&sa.sa_mask);
	/* No SA_RESTART: the sleep ends at once on INT or TERM. */
	if (sigaction(SIGINT, &sa, NULL) != 0 || sigaction(SIGTERM, &sa, NULL) != 0)
		return err_set(&c->e, ERR_IO, "cannot catch signals: %s", strerror(errno));
	seen = -1;
	while (!cmd_checkpoint_stop) {
		/* PRAGMA data_version moves when another connection commits. */
		dv = store_data_version(c->st);
		if (dv != seen) {
			seen = dv;
			if (cmd_checkpoint_sign(c, &before, &after) != 0) {
				/* A forged or unsigned entry is reported and stays unsigned;
				 * the watch goes on for the entries after it are fixed. */
				if (c->e.kind == ERR_DENIED && before >= 0) {
					fprintf(stderr, "steward: not signed: %s\n", c->e.msg);
					err_clear(&c->e);
				} else {
					return CLI_FAIL;
				}
			} else if (after > before && (rc = cmd_checkpoint_print(c, before, after)) != 0) {
				return rc;
			}
		}
		nanosleep(&every, NULL);
	}
	return 0;
}
