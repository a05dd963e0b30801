/* cmd-playrun: `steward playbook run|runs|status`: running a playbook against a model step by step, asking before each action, and the runs recorded. */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "playrun.h"

/* Asks on the terminal, not standard input: input may be a pipe of data. */
static int cmd_playrun_ask(void *arg, const struct playbook_step *s, size_t idx, const char *what)
{
	struct cli_ctx *c = arg;
	FILE *tty = fopen("/dev/tty", "r+");
	char line[64];
	int yes = 0;

	if (tty == NULL)
		return 0;
	fprintf(tty, "step %zu (%s): %s\nDo it? [y/N] ", idx + 1, cli_safe(c, s->name), cli_safe(c, what));
	fflush(tty);
	if (fgets(line, sizeof line, tty) != NULL)
		yes = line[0] == 'y' || line[0] == 'Y';
	fclose(tty);
	return yes;
}

static int cmd_playrun_print_step(struct cli_ctx *c, const struct playrun_step *s, size_t nsteps)
{
	printf("[%zu/%zu] %-12s %-8s %s\n", s->idx + 1, nsteps, cli_safe(c, s->name), s->state, cli_safe(c, s->message));
	return 0;
}

static int cmd_playrun_load(struct cli_ctx *c, const char *name, struct playbook *pb)
{
	char dir[4096];

	if (cmd_playbook_dir(c, dir, sizeof dir) != 0)
		return -1;
	if (playbook_find(dir, name, pb, &c->e) != 0)
		return err_prefix(&c->e, "playbook %s (in %s)", name, dir);
	return 0;
}

int cmd_playbook_run(struct cli_ctx *c)
{
	const char *model = cli_opt(c, "model"), *alert = cli_opt(c, "alert");
	int yes = cli_opt(c, "yes") != NULL, fresh = cli_opt(c, "new") != NULL, resumed = 0, rc = 0;
	struct plugin_backend be;
	struct playbook *pb;
	int64_t run = 0;
	json_t *steps = NULL;

	if (!yes && !isatty(STDIN_FILENO))
		return err_set(&c->e, ERR_INVALID,
			       "playbook run asks before each action and standard input is not a terminal: pass --yes to run"
			       " unattended (the ledger records each step as confirmed by --yes)"),
		       CLI_USAGE;
	pb = calloc(1, sizeof *pb);
	if (pb == NULL)
		return err_set(&c->e, ERR_IO, "out of memory"), CLI_FAIL;
	if (cmd_playrun_load(c, c->pos[0], pb) != 0 ||
	    playrun_begin(c->st, &c->who, pb, model, alert ? alert : pb->alert, fresh, &run, &resumed, &c->e) != 0) {
		free(pb);
		return CLI_FAIL;
	}
	if (c->json && (steps = json_array()) == NULL) {
		free(pb);
		return cli_json_fail(&c->e);
	}
	if (!c->json) {
		if (resumed) {
			struct playrun_info ri;
			struct playrun_step *done;
			size_t n;

			if (playrun_get(c->st, run, &ri, &done, &n, &c->e) != 0) {
				free(pb);
				return CLI_FAIL;
			}
			free(done);
			printf("resuming run %" PRId64 " of %s on %s at step %zu of %zu (%s)\n", run, cli_safe(c, pb->name),
			       cli_safe(c, model), ri.next + 1, ri.nsteps, cli_safe(c, pb->steps[ri.next < pb->nsteps ? ri.next : 0].name));
		} else
			printf("run %" PRId64 " of %s on %s: %zu steps%s\n", run, cli_safe(c, pb->name), cli_safe(c, model),
			       pb->nsteps, yes ? ", unattended (--yes)" : "");
	}
	plugin_backend_init(&be, c->st, c->config);
	for (;;) {
		struct playrun_step s;
		int r = playrun_next(c->st, &c->who, &be, pb, run, yes ? NULL : cmd_playrun_ask, c, &s, &c->e);

		if (r < 0) {
			rc = CLI_FAIL;
			break;
		}
		if (r == 2 && s.name[0] == '\0')
			break; /* nothing was left to run */
		if (c->json) {
			json_t *o = json_object();

			if (o == NULL || json_array_append_new(steps, o) != 0 || cli_json_int(o, "step", (int64_t)s.idx + 1) ||
			    cli_json_str(o, "name", s.name) || cli_json_str(o, "state", s.state) ||
			    cli_json_str(o, "message", s.message) || cli_json_str(o, "confirmed", s.confirmed) ||
			    cli_json_int(o, "seq", s.seq)) {
				rc = cli_json_fail(&c->e);
				break;
			}
		} else
			cmd_playrun_print_step(c, &s, pb->nsteps);
		if (r == 1) {
			err_set(&c->e, ERR_DENIED,
				"run %" PRId64 " stopped at step %zu (%s): %s; run the same command again to resume there", run,
				s.idx + 1, s.name, s.state);
			rc = CLI_FAIL;
			break;
		}
		if (r == 2)
			break;
	}
	plugin_backend_free(&be);
	if (c->json && steps != NULL) {
		json_t *o = json_object();

		if (o == NULL || cli_json_int(o, "run", run) || cli_json_str(o, "playbook", pb->name) ||
		    cli_json_str(o, "model", model) || cli_json_bool(o, "resumed", resumed) ||
		    json_object_set_new(o, "steps", steps) != 0) {
			json_decref(o);
			free(pb);
			return cli_json_fail(&c->e);
		}
		if (cli_json_print(o, &c->e) < 0)
			rc = CLI_FAIL;
	} else if (rc == 0)
		printf("run %" PRId64 " done\n", run);
	free(pb);
	return rc;
}

int cmd_playbook_runs(struct cli_ctx *c)
{
	static const char *const head[] = { "RUN", "PLAYBOOK", "MODEL", "STATE", "STEP", "ACTOR", "STARTED", "INCIDENT" };
	struct playrun_info *r;
	struct cli_table *t = NULL;
	json_t *arr = NULL;
	size_t n, i;
	int rc = CLI_FAIL;

	if (playrun_list(c->st, cli_opt(c, "all") != NULL, cli_opt(c, "model"), &r, &n, &c->e) != 0)
		return CLI_FAIL;
	if (c->json ? (arr = json_array()) == NULL : (t = cli_table_new(8, head)) == NULL)
		goto oom;
	for (i = 0; i < n; i++) {
		char id[32], step[48], started[40], inc[32];

		snprintf(id, sizeof id, "%" PRId64, r[i].id);
		snprintf(step, sizeof step, "%zu/%zu", r[i].next < r[i].nsteps ? r[i].next + 1 : r[i].nsteps, r[i].nsteps);
		cli_time(r[i].started, started, sizeof started);
		snprintf(inc, sizeof inc, r[i].incident ? "%" PRId64 : "-", r[i].incident);
		if (c->json) {
			json_t *o = json_object();

			if (o == NULL || json_array_append_new(arr, o) != 0 || cli_json_int(o, "run", r[i].id) ||
			    cli_json_str(o, "playbook", r[i].playbook) || cli_json_str(o, "digest", r[i].digest) ||
			    cli_json_str(o, "model", r[i].model) || cli_json_str(o, "state", r[i].state) ||
			    cli_json_int(o, "next_step", (int64_t)r[i].next + 1) || cli_json_int(o, "steps", (int64_t)r[i].nsteps) ||
			    cli_json_str(o, "actor", r[i].actor) || cli_json_time(o, "started", r[i].started) ||
			    cli_json_int_or_null(o, "incident", r[i].incident))
				goto oom;
		} else {
			const char *cells[8] = { id, cli_safe(c, r[i].playbook), cli_safe(c, r[i].model), r[i].state, step,
						 cli_safe(c, r[i].actor), started, inc };

			if (cli_table_add(t, cells) != 0)
				goto oom;
		}
	}
	if (c->json) {
		rc = cli_json_print(arr, &c->e) < 0 ? CLI_FAIL : 0;
		arr = NULL;
	} else {
		if (n == 0)
			printf(cli_opt(c, "all") ? "no playbook runs\n" : "no unfinished playbook runs (--all lists every run)\n");
		else
			cli_table_print(t);
		rc = 0;
	}
	goto out;
oom:
	rc = cli_json_fail(&c->e);
out:
	json_decref(arr);
	cli_table_free(t);
	free(r);
	return rc;
}

int cmd_playbook_status(struct cli_ctx *c)
{
	struct playrun_info ri;
	struct playrun_step *s;
	int64_t run;
	size_t n, i;
	char *end;

	run = strtoll(c->pos[0], &end, 10);
	if (end == c->pos[0] || *end != '\0' || run <= 0)
		return err_set(&c->e, ERR_INVALID, "'%s' is not a run number", c->pos[0]), CLI_USAGE;
	if (playrun_get(c->st, run, &ri, &s, &n, &c->e) != 0)
		return CLI_FAIL;
	if (c->json) {
		json_t *o = json_object(), *a = json_array();

		if (o == NULL || a == NULL || cli_json_int(o, "run", ri.id) || cli_json_str(o, "playbook", ri.playbook) ||
		    cli_json_str(o, "digest", ri.digest) || cli_json_str(o, "model", ri.model) ||
		    cli_json_str(o, "state", ri.state) || cli_json_str(o, "actor", ri.actor) ||
		    cli_json_time(o, "started", ri.started) || cli_json_int_or_null(o, "incident", ri.incident) ||
		    json_object_set_new(o, "steps", a) != 0) {
			json_decref(o);
			free(s);
			return cli_json_fail(&c->e);
		}
		for (i = 0; i < n; i++) {
			json_t *x = json_object();

			if (x == NULL || json_array_append_new(a, x) != 0 || cli_json_int(x, "step", (int64_t)s[i].idx + 1) ||
			    cli_json_str(x, "name", s[i].name) || cli_json_str(x, "state", s[i].state) ||
			    cli_json_str(x, "confirmed", s[i].confirmed) || cli_json_str(x, "actor", s[i].actor) ||
			    cli_json_str(x, "message", s[i].message) || cli_json_time(x, "time", s[i].time) ||
			    cli_json_int(x, "seq", s[i].seq)) {
				json_decref(o);
				free(s);
				return cli_json_fail(&c->e);
			}
		}
		free(s);
		return cli_json_print(o, &c->e) < 0 ? CLI_FAIL : 0;
	}
	printf("run %" PRId64 " of %s on %s: %s at step %zu of %zu, started by %s\n", ri.id, cli_safe(c, ri.playbook),
	       cli_safe(c, ri.model), ri.state, ri.next < ri.nsteps ? ri.next + 1 : ri.nsteps, ri.nsteps, cli_safe(c, ri.actor));
	printf("playbook %s\n", ri.digest);
	if (ri.incident)
		printf("incident %" PRId64 "\n", ri.incident);
	for (i = 0; i < n; i++) {
		char when[40];

		cli_time(s[i].time, when, sizeof when);
		printf("  %s  [%zu] %-12s %-8s by %s (%s), entry %" PRId64 ": %s\n", when, s[i].idx + 1, cli_safe(c, s[i].name),
		       s[i].state, cli_safe(c, s[i].actor), s[i].confirmed, s[i].seq, cli_safe(c, s[i].message));
	}
	free(s);
	return 0;
}
