/* cmd-playbook: `steward playbook check|list|show`: linting incident playbook files and showing the ones in the playbook directory. */
#include "cli.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "playbook.h"
#include "plugin.h"

/* The directory --playbooks, $STEWARD_PLAYBOOK_DIR or the config's
 * [steward] playbooks names, else the defaults of playbook_dir. The
 * config is read only when the first two are not given, so a broken
 * config does not stand in the way of an explicit directory; without
 * HOME there is no default config, and the shipped playbooks still are. */
int cmd_playbook_dir(struct cli_ctx *c, char *out, size_t n)
{
	const char *opt = cli_opt(c, "playbooks"), *env = getenv("STEWARD_PLAYBOOK_DIR");
	char configured[4096] = "", path[4096];
	struct err ig;

	if ((opt == NULL || opt[0] == '\0') && (env == NULL || env[0] == '\0') &&
	    (c->config != NULL || plugin_config_path(path, sizeof path, &ig) == 0)) {
		struct plugin_config pc;

		if (cli_plugin_config(c, &pc, 0) != 0)
			return -1;
		snprintf(configured, sizeof configured, "%s", pc.playbooks);
		plugin_config_free(&pc);
	}
	return playbook_dir(opt, configured, out, n, &c->e);
}

/* A label value as the file would write it: bare when it is a word, else quoted. */
static void cmd_playbook_value(const char *v, char *out, size_t n)
{
	size_t i, o = 0;
	int bare = v[0] != '\0';

	for (i = 0; v[i] != '\0'; i++)
		if (!((v[i] >= 'a' && v[i] <= 'z') || (v[i] >= 'A' && v[i] <= 'Z') || (v[i] >= '0' && v[i] <= '9') ||
		      strchr("._-/+*", v[i]) != NULL))
			bare = 0;
	if (bare) {
		snprintf(out, n, "%s", v);
		return;
	}
	if (n < 3) {
		out[0] = '\0';
		return;
	}
	out[o++] = '"';
	for (i = 0; v[i] != '\0' && o + 3 < n; i++) {
		if (v[i] == '"' || v[i] == '\\')
			out[o++] = '\\';
		out[o++] = v[i];
	}
	out[o++] = '"';
	out[o] = '\0';
}

/* "ModelDriftCritical severity=critical team!=ops" */
static void cmd_playbook_trigger(const struct playbook *p, char *out, size_t n)
{
	size_t i, used;

	snprintf(out, n, "%s", p->alert);
	for (i = 0; i < p->nm; i++) {
		char v[600];

		used = strlen(out);
		cmd_playbook_value(p->m[i].value, v, sizeof v);
		snprintf(out + used, n - used, " %s%s%s", p->m[i].name, p->m[i].neg ? "!=" : "=", v);
	}
}

static json_t *cmd_playbook_matchers(const struct playbook *p)
{
	json_t *arr = json_array();
	size_t i;

	for (i = 0; arr != NULL && i < p->nm; i++) {
		json_t *o = json_object();

		if (o == NULL || json_array_append_new(arr, o) != 0 || cli_json_str(o, "name", p->m[i].name) ||
		    cli_json_str(o, "op", p->m[i].neg ? "!=" : "=") || cli_json_str(o, "value", p->m[i].value)) {
			json_decref(arr);
			return NULL;
		}
	}
	return arr;
}

/* ---- check ---- */

struct cmd_playbook_lint {
	const char *file;
	json_t *warnings; /* --json: collected here */
	int n;
	int oom; /* jansson refused a warning */
};

static void cmd_playbook_warn(void *arg, int line, const char *msg)
{
	struct cmd_playbook_lint *l = arg;

	l->n++;
	if (l->warnings != NULL) {
		json_t *o = json_object();

		if (o == NULL || json_array_append_new(l->warnings, o) != 0 || cli_json_int(o, "line", line) ||
		    cli_json_str(o, "message", msg))
			l->oom = 1;
		return;
	}
	if (line > 0)
		fprintf(stderr, "%s:%d: warning: %s\n", l->file, line, msg);
	else
		fprintf(stderr, "%s: warning: %s\n", l->file, msg);
}

int cmd_playbook_check(struct cli_ctx *c)
{
	int strict = cli_opt(c, "strict") != NULL, i, bad = 0;
	json_t *arr = NULL;

	if (c->json && (arr = json_array()) == NULL)
		return cli_json_fail(&c->e);
	for (i = 0; i < c->npos; i++) {
		struct cmd_playbook_lint l = { .file = c->pos[i] };
		struct playbook *p = malloc(sizeof *p);
		json_t *o = NULL;
		int failed;

		if (p == NULL) {
			json_decref(arr);
			return err_set(&c->e, ERR_IO, "out of memory");
		}
		if (arr != NULL && ((o = json_object()) == NULL || json_array_append_new(arr, o) != 0 ||
				    cli_json_str(o, "file", c->pos[i]))) {
			free(p);
			json_decref(arr);
			return cli_json_fail(&c->e);
		}
		if (playbook_load(c->pos[i], p, &c->e) != 0) {
			/* Every file is checked; each error is reported. */
			if (o != NULL) {
				if (cli_json_bool(o, "ok", 0) || cli_json_str(o, "error", c->e.msg)) {
					free(p);
					json_decref(arr);
					return cli_json_fail(&c->e);
				}
			} else {
				fprintf(stderr, "steward: %s\n", cli_safe(c, c->e.msg));
			}
			bad = 1;
			free(p);
			continue;
		}
		if (o != NULL && ((l.warnings = json_array()) == NULL || json_object_set_new(o, "warnings", l.warnings) != 0)) {
			free(p);
			json_decref(arr);
			return cli_json_fail(&c->e);
		}
		playbook_lint(p, cmd_playbook_warn, &l);
		if (l.oom) {
			free(p);
			json_decref(arr);
			return cli_json_fail(&c->e);
		}
		failed = strict && l.n > 0;
		bad |= failed;
		if (o != NULL) {
			if (cli_json_bool(o, "ok", !failed) || cli_json_str(o, "name", p->name) ||
			    cli_json_int(o, "steps", (int64_t)p->nsteps) || cli_json_str(o, "sha256", p->digest)) {
				free(p);
				json_decref(arr);
				return cli_json_fail(&c->e);
			}
		} else if (failed) {
			fprintf(stderr, "steward: %s: %d warning%s, and --strict makes warnings errors\n",
				cli_safe(c, c->pos[i]), l.n, l.n == 1 ? "" : "s");
		} else if (l.n > 0) {
			printf("%s: ok (%zu steps, %d warning%s)\n", cli_safe(c, c->pos[i]), p->nsteps, l.n, l.n == 1 ? "" : "s");
		} else {
			printf("%s: ok (%zu steps)\n", cli_safe(c, c->pos[i]), p->nsteps);
		}
		free(p);
	}
	if (arr != NULL && cli_json_print(arr, &c->e) < 0)
		return CLI_FAIL;
	if (bad) {
		/* Already reported per file. */
		err_set(&c->e, ERR_INVALID, "playbook check failed");
		return CLI_FAIL;
	}
	return 0;
}

/* ---- list ---- */

/* Files that did not load, kept to be named after the list of the good ones. */
struct cmd_playbook_bad {
	char **msg;
	size_t n, cap;
	int oom;
};

static void cmd_playbook_bad(void *arg, const char *path, const struct err *e)
{
	struct cmd_playbook_bad *b = arg;
	char *copy;

	(void)path; /* every message names its file */
	if (b->n == b->cap) {
		size_t ncap = b->cap ? b->cap * 2 : 8;
		char **nv = realloc(b->msg, ncap * sizeof *nv);

		if (nv == NULL) {
			b->oom = 1;
			return;
		}
		b->msg = nv;
		b->cap = ncap;
	}
	if ((copy = strdup(e->msg)) == NULL) {
		b->oom = 1;
		return;
	}
	b->msg[b->n++] = copy;
}

static void cmd_playbook_bad_free(struct cmd_playbook_bad *b)
{
	for (size_t i = 0; i < b->n; i++)
		free(b->msg[i]);
	free(b->msg);
}

int cmd_playbook_list(struct cli_ctx *c)
{
	static const char *const head[] = { "NAME", "TRIGGER", "STEPS", "FILE", "DIGEST" };
	struct cmd_playbook_bad b = { 0 };
	struct playbook *all = NULL;
	struct cli_table *t = NULL;
	json_t *arr = NULL;
	char dir[4096];
	size_t n = 0, i;
	int rc = CLI_FAIL;

	if (cmd_playbook_dir(c, dir, sizeof dir) != 0 || playbook_load_dir(dir, &all, &n, cmd_playbook_bad, &b, &c->e) != 0) {
		cmd_playbook_bad_free(&b);
		return CLI_FAIL;
	}
	if (b.oom)
		goto nomem;
	if (c->json ? (arr = json_array()) == NULL : (t = cli_table_new(5, head)) == NULL)
		goto nomem;
	for (i = 0; i < n; i++) {
		const struct playbook *p = &all[i];
		char trig[4096], steps[16], dig[32];

		cmd_playbook_trigger(p, trig, sizeof trig);
		if (arr != NULL) {
			json_t *o = json_object(), *m = cmd_playbook_matchers(p);

			if (o == NULL || json_array_append_new(arr, o) != 0 || m == NULL ||
			    json_object_set_new(o, "matchers", m) != 0 || cli_json_str(o, "name", p->name) ||
			    cli_json_str(o, "description", p->description) || cli_json_str(o, "alert", p->alert) ||
			    cli_json_str(o, "trigger", trig) || cli_json_int(o, "steps", (int64_t)p->nsteps) ||
			    cli_json_str(o, "file", p->path) || cli_json_str(o, "sha256", p->digest))
				goto nomem;
			continue;
		}
		snprintf(steps, sizeof steps, "%zu", p->nsteps);
		{
			const char *cells[5] = { p->name, trig, steps, p->path, cli_short_digest(p->digest, dig, sizeof dig) };

			if (cli_table_add(t, cells) != 0)
				goto nomem;
		}
	}
	if (arr != NULL) {
		rc = cli_json_print(arr, &c->e) < 0 ? CLI_FAIL : 0;
		arr = NULL;
	} else {
		if (n > 0)
			cli_table_print(t);
		printf("%s%zu playbook%s in %s\n", n == 0 ? "no playbooks: " : "", n, n == 1 ? "" : "s", cli_safe(c, dir));
		rc = 0;
	}
	if (rc == 0 && b.n > 0) {
		/* The good ones are listed; now the files that did not load, and the status says so. */
		fflush(stdout);
		for (i = 0; i < b.n; i++)
			fprintf(stderr, "steward: %s\n", cli_safe(c, b.msg[i]));
		err_set(&c->e, ERR_INVALID, "%zu playbook file%s in %s did not load", b.n, b.n == 1 ? "" : "s", dir);
		rc = CLI_FAIL;
	}
	goto out;
nomem:
	rc = cli_json_fail(&c->e);
out:
	json_decref(arr);
	cli_table_free(t);
	free(all);
	cmd_playbook_bad_free(&b);
	return rc;
}

/* ---- show ---- */

int cmd_playbook_show(struct cli_ctx *c)
{
	struct playbook *p = malloc(sizeof *p);
	char dir[4096], trig[4096], what[2048];
	json_t *o = NULL, *steps = NULL;
	size_t i;
	int rc = CLI_FAIL;

	if (p == NULL)
		return err_set(&c->e, ERR_IO, "out of memory");
	if (cmd_playbook_dir(c, dir, sizeof dir) != 0 || playbook_find(dir, c->pos[0], p, &c->e) != 0) {
		free(p);
		return CLI_FAIL;
	}
	cmd_playbook_trigger(p, trig, sizeof trig);
	if (c->json) {
		json_t *m = NULL;

		if ((o = json_object()) == NULL || (m = cmd_playbook_matchers(p)) == NULL ||
		    json_object_set_new(o, "matchers", m) != 0 || (steps = json_array()) == NULL ||
		    json_object_set_new(o, "steps", steps) != 0 || cli_json_str(o, "name", p->name) ||
		    cli_json_str(o, "description", p->description) || cli_json_str(o, "alert", p->alert) ||
		    cli_json_str(o, "trigger", trig) || cli_json_str(o, "file", p->path) ||
		    cli_json_str(o, "sha256", p->digest))
			goto nomem;
	} else {
		printf("playbook  %s\n", p->name);
		if (p->description[0] != '\0')
			printf("about     %s\n", cli_safe(c, p->description));
		printf("trigger   alert %s\n", cli_safe(c, trig));
		printf("file      %s\n", cli_safe(c, p->path));
		printf("digest    %s\n\n", p->digest);
	}
	for (i = 0; i < p->nsteps; i++) {
		const struct playbook_step *s = &p->steps[i];

		playbook_describe(s, NULL, what, sizeof what);
		if (o != NULL) {
			json_t *j = json_object();

			if (j == NULL || json_array_append_new(steps, j) != 0 || cli_json_str(j, "name", s->name) ||
			    cli_json_str(j, "kind", playbook_kind_name(s->kind)) || cli_json_int(j, "line", s->line) ||
			    cli_json_bool(j, "action", playbook_is_action(s->kind)) || cli_json_str(j, "does", what))
				goto nomem;
			continue;
		}
		printf("%2zu. %-12s %-6s %s\n", i + 1, s->name, playbook_is_action(s->kind) ? "action" : "check",
		       cli_safe(c, what));
	}
	if (o != NULL) {
		rc = cli_json_print(o, &c->e) < 0 ? CLI_FAIL : 0;
		o = NULL;
	} else {
		rc = 0;
	}
	goto out;
nomem:
	rc = cli_json_fail(&c->e);
out:
	json_decref(o);
	free(p);
	return rc;
}
