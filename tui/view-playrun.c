/* view-playrun: a playbook run on one model: each step with its state, what the next one will change, and x to run it (a worker does, asking first for actions); resumes a run left unfinished. */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "act.h"
#include "action.h"
#include "app.h"
#include "draw.h"
#include "keys.h"
#include "ledger.h"
#include "playrun.h"
#include "sign.h"
#include "tui.h"

enum { PR_NUM, PR_STEP, PR_KIND, PR_STATE, PR_WHAT, PR_NCOLS };

static const struct list_col view_playrun_cols[PR_NCOLS] = {
	[PR_NUM] = {.title = "#", .width = 3, .right = 1},
	[PR_STEP] = {.title = "STEP", .min = 8, .weight = 2},
	[PR_KIND] = {.title = "KIND", .width = 16},
	[PR_STATE] = {.title = "STATE", .width = 8},
	[PR_WHAT] = {.title = "WHAT", .min = 20, .weight = 8},
};

struct view_playrun {
	struct playbook pb;
	char dir[4096];
	struct playrun_info run; /* id 0: not started */
	char next_what[800];     /* what the next step will change */
};

/* The unlocked key of the run being driven: unlocked once per run view
 * (asked with x the first time), wiped when the view closes, or, when a
 * step still runs then, as soon as it ends. */
static struct key_secret *playrun_key;
static int playrun_busy, playrun_orphan;

static void playrun_key_drop(void)
{
	if (playrun_busy) {
		playrun_orphan = 1;
		return;
	}
	keys_secret_free(playrun_key);
	playrun_key = NULL;
}

static int view_playrun_load(struct app *a, struct view *v, struct err *e)
{
	struct view_playrun *p = v->priv;
	struct playrun_info *runs;
	struct playrun_step *steps = NULL;
	size_t nr, ns = 0, i, k;
	char keep[256];

	memset(&p->run, 0, sizeof p->run);
	if (playrun_list(a->st, 0, v->arg.model, &runs, &nr, e) != 0)
		return -1;
	for (i = 0; i < nr; i++)
		if (strcmp(runs[i].playbook, p->pb.name) == 0) {
			p->run = runs[i];
			break;
		}
	free(runs);
	if (p->run.id != 0 && playrun_get(a->st, p->run.id, &p->run, &steps, &ns, e) != 0)
		return -1;
	p->next_what[0] = '\0';
	if (p->run.id != 0 && p->run.next < p->pb.nsteps && strcmp(p->run.digest, p->pb.digest) == 0) {
		if (playrun_preview(a->st, &p->pb, p->run.id, p->run.next, p->next_what, sizeof p->next_what, e) != 0) {
			free(steps);
			return -1;
		}
	}
	list_selected_key(&v->list, keep, sizeof keep);
	list_clear(&v->list);
	for (i = 0; i < p->pb.nsteps; i++) {
		const struct playbook_step *s = &p->pb.steps[i];
		const struct playrun_step *last = NULL;
		struct playbook_vars vars = { .model = v->arg.model, .alert = p->pb.alert, .playbook = p->pb.name };
		char key[16], what[800];
		struct list_row *r;
		int style, next = p->run.id != 0 ? i == p->run.next : i == 0;
		const char *state;

		for (k = 0; k < ns; k++)
			if (steps[k].idx == i)
				last = &steps[k];
		state = last != NULL ? last->state : "pending";
		if (last != NULL && strcmp(state, "done") == 0)
			style = DRAW_OK;
		else if (last != NULL)
			style = DRAW_ERROR;
		else
			style = next ? DRAW_WARN : DRAW_DIM;
		if (last != NULL && !(next && p->next_what[0]))
			snprintf(what, sizeof what, "%s (%s, %s)", last->message, last->actor, last->confirmed);
		else if (next && p->next_what[0])
			snprintf(what, sizeof what, "next: %.780s", p->next_what);
		else
			playbook_describe(s, &vars, what, sizeof what);
		snprintf(key, sizeof key, "%zu", i);
		r = list_add(&v->list, key, 0, e);
		if (r == NULL || list_set(r, PR_NUM, DRAW_NORMAL, e, "%s%zu", next ? ">" : "", i + 1) != 0 ||
		    list_set(r, PR_STEP, DRAW_NORMAL, e, "%s", s->name) != 0 ||
		    list_set(r, PR_KIND, playbook_is_action(s->kind) ? DRAW_HEADING : DRAW_NORMAL, e, "%s",
			     playbook_kind_name(s->kind)) != 0 ||
		    list_set(r, PR_STATE, style, e, "%s", next && last != NULL ? state : next ? "next" : state) != 0 ||
		    list_set(r, PR_WHAT, next ? DRAW_NORMAL : DRAW_DIM, e, "%s", what) != 0) {
			free(steps);
			return -1;
		}
	}
	free(steps);
	if (list_finish(&v->list, keep, e) != 0)
		return -1;
	/* The cursor starts on the step x runs. */
	if (keep[0] == '\0' && p->run.id != 0 && p->run.next < p->pb.nsteps)
		list_move(&v->list, (long)p->run.next);
	return 0;
}

static void view_playrun_close(struct view *v)
{
	free(v->priv);
	v->priv = NULL;
	playrun_key_drop();
}

static int view_playrun_open(struct app *a, struct view *v, const struct view_arg *arg, struct err *e)
{
	struct view_playrun *p;

	if (arg == NULL || arg->model == NULL || arg->scope == NULL)
		return err_set(e, ERR_INVALID, "a playbook run needs a playbook and a model");
	p = calloc(1, sizeof *p);
	if (p == NULL)
		return err_set(e, ERR_IO, "out of memory");
	if (view_playbook_dir(a, p->dir, sizeof p->dir, e) != 0 || playbook_find(p->dir, arg->scope, &p->pb, e) != 0) {
		free(p);
		return -1;
	}
	v->priv = p;
	/* A key left unlocked by a view closed while its step ran is not this run's. */
	playrun_key_drop();
	list_init(&v->list, view_playrun_cols, PR_NCOLS, 1, "the playbook has no steps");
	return view_playrun_load(a, v, e);
}

/* ---- running a step on the worker ---- */

struct playrun_job {
	struct playbook pb;
	char model[101], alert[129];
	char key_id[KEYS_ID_HEX + 1];
	char db[4096], config[4096];
	int has_config;
};

/* The console asked already, naming the change: the step is recorded as confirmed interactively. */
static int playrun_confirmed(void *arg, const struct playbook_step *s, size_t idx, const char *what)
{
	(void)arg;
	(void)s;
	(void)idx;
	(void)what;
	return 1;
}

static int playrun_job_run(void *arg, char *msg, size_t mn, struct err *e)
{
	struct playrun_job *j = arg;
	struct plugin_backend *be;
	struct playrun_step s;
	struct principal who;
	struct store *st;
	int64_t run = 0;
	int resumed = 0, rc;

	be = calloc(1, sizeof *be);
	if (be == NULL)
		return err_set(e, ERR_IO, "out of memory");
	st = store_open(j->db, 0, e);
	if (st == NULL) {
		free(be);
		return -1;
	}
	rc = sign_whoami(st, j->key_id, action_by_id(ACT_RESPOND)->roles, &who, e);
	if (rc == 0) {
		who.key = playrun_key;
		rc = playrun_begin(st, &who, &j->pb, j->model, j->alert, 0, &run, &resumed, e);
	}
	if (rc == 0) {
		plugin_backend_init(be, st, j->has_config ? j->config : NULL);
		rc = playrun_next(st, &who, be, &j->pb, run, playrun_confirmed, NULL, &s, e);
		plugin_backend_free(be);
		if (rc >= 0 && s.name[0] != '\0') {
			snprintf(msg, mn, "step %zu %.64s: %s: %.400s", s.idx + 1, s.name, s.state, s.message);
			if (rc == 1) {
				err_set(e, ERR_DENIED, "%s; x tries it again", msg);
				rc = -1;
			} else
				rc = 0;
		} else if (rc == 2) {
			snprintf(msg, mn, "run %" PRId64 " of %s is done", run, j->pb.name);
			rc = 0;
		}
	}
	free(be);
	if (rc == 0 && ledger_checkpoint_commit(st, NULL, NULL, e) != 0) {
		err_prefix(e, "%s; but no checkpoint was signed", msg);
		rc = -1;
	}
	store_close(st);
	return rc;
}

static void playrun_job_free(void *arg)
{
	free(arg);
	playrun_busy = 0;
	if (playrun_orphan) {
		playrun_orphan = 0;
		keys_secret_free(playrun_key);
		playrun_key = NULL;
	}
}

static void view_playrun_go(struct app *a, struct view *v)
{
	struct view_playrun *p = v->priv;
	struct playrun_job *j;
	size_t idx = p->run.id != 0 ? p->run.next : 0;
	char what[300];

	j = calloc(1, sizeof *j);
	if (j == NULL) {
		app_error(a, "out of memory");
		return;
	}
	j->pb = p->pb;
	snprintf(j->model, sizeof j->model, "%s", v->arg.model);
	snprintf(j->alert, sizeof j->alert, "%s", v->arg.dataset != NULL && v->arg.dataset[0] ? v->arg.dataset : p->pb.alert);
	snprintf(j->key_id, sizeof j->key_id, "%s", a->id.pub.id);
	snprintf(j->db, sizeof j->db, "%s", a->opts->db_path);
	if (a->opts->config_path != NULL) {
		snprintf(j->config, sizeof j->config, "%s", a->opts->config_path);
		j->has_config = 1;
	}
	snprintf(what, sizeof what, "step %zu %.64s of %.64s on %.100s", idx + 1, p->pb.steps[idx].name, p->pb.name,
		 v->arg.model);
	playrun_busy = 1;
	act_start(a, what, playrun_job_run, j, playrun_job_free);
}

static void view_playrun_yes(struct app *a, char *text, size_t len)
{
	struct view *v = app_top(a);

	(void)text;
	(void)len;
	if (v == NULL || v->ops != &view_playrun_ops)
		return;
	view_playrun_go(a, v);
}

/* After the key is unlocked (or when it already is): the next step,
 * confirmed first when it changes something. */
static void view_playrun_step(struct app *a, struct view *v)
{
	struct view_playrun *p = v->priv;
	size_t idx = p->run.id != 0 ? p->run.next : 0;
	const struct playbook_step *s;
	char q[APP_LINE_MAX * 2], what[800];
	struct err e;

	if (idx >= p->pb.nsteps || strcmp(p->run.state, "done") == 0) {
		app_message(a, "run %" PRId64 " of %s is done", p->run.id, p->pb.name);
		return;
	}
	s = &p->pb.steps[idx];
	if (!playbook_is_action(s->kind)) {
		view_playrun_go(a, v);
		return;
	}
	err_clear(&e);
	if (p->run.id != 0 && p->next_what[0] != '\0')
		snprintf(what, sizeof what, "%s", p->next_what);
	else {
		struct playbook_vars vars = { .model = v->arg.model, .alert = p->pb.alert, .playbook = p->pb.name };

		playbook_describe(s, &vars, what, sizeof what);
	}
	snprintf(q, sizeof q, "step %zu of %zu, %.40s: %.380s? (y/n)", idx + 1, p->pb.nsteps, s->name, what);
	app_ask(a, APP_CONFIRM, q, view_playrun_yes);
}

static void view_playrun_unlocked(struct app *a, char *pass, size_t len)
{
	struct view *v = app_top(a);

	if (v == NULL || v->ops != &view_playrun_ops) {
		sodium_memzero(pass, len);
		return;
	}
	playrun_key = sign_unlock(a, pass, len);
	if (playrun_key == NULL)
		return;
	view_playrun_step(a, v);
}

static int view_playrun_x(struct app *a, struct view *v)
{
	struct view_playrun *p = v->priv;
	char q[APP_LINE_MAX * 2];

	if (act_running()[0] != '\0') {
		app_error(a, "%s is still running: one step at a time", act_running());
		return 1;
	}
	if (p->run.id != 0 && strcmp(p->run.digest, p->pb.digest) != 0) {
		app_error(a, "run %" PRId64 " followed %s, but the playbook file changed since: 'steward playbook run %s --model %s --new' starts over",
			  p->run.id, p->run.digest, p->pb.name, v->arg.model);
		return 1;
	}
	if (playrun_key == NULL) {
		snprintf(q, sizeof q, "passphrase for key %.60s to run %.60s on %.60s (kept until you leave this view; Esc cancels): ",
			 a->id.pub.name, p->pb.name, v->arg.model);
		app_ask(a, APP_SECRET, q, view_playrun_unlocked);
		return 1;
	}
	view_playrun_step(a, v);
	return 1;
}

static int view_playrun_key(struct app *a, struct view *v, const struct action *act)
{
	if (act->id != ACT_RESPOND)
		return 0;
	return view_playrun_x(a, v);
}

static int view_playrun_enter(struct app *a, struct view *v, struct err *e)
{
	(void)e;
	if (!action_allowed(a, action_by_id(ACT_RESPOND))) {
		app_error(a, "start with --key FILE (a key of an sre, ml-lead, risk-officer or admin) to run a playbook");
		return 0;
	}
	view_playrun_x(a, v);
	return 0;
}

static int view_playrun_offers(const struct app *a, const struct view *v, const struct action *act)
{
	const struct view_playrun *p = v->priv;

	(void)a;
	return act->id == ACT_RESPOND && strcmp(p->run.state, "done") != 0;
}

static void view_playrun_draw(struct app *a, struct view *v, int y, int x, int h, int w)
{
	struct view_playrun *p = v->priv;
	char line[1024];
	int used = 0;

	(void)a;
	if (h >= 4) {
		snprintf(line, sizeof line, "playbook %s on %s, trigger %s%s%s", p->pb.name, v->arg.model, p->pb.alert,
			 p->pb.description[0] ? ": " : "", p->pb.description);
		draw_text(y, x + 1, w - 1, draw_attr(DRAW_HEADING, 0), line);
		if (p->run.id == 0)
			snprintf(line, sizeof line, "not started: x runs step 1 (checks run at once; each action asks first)");
		else if (strcmp(p->run.state, "done") == 0)
			snprintf(line, sizeof line, "run %" PRId64 " done (started by %s)", p->run.id, p->run.actor);
		else
			snprintf(line, sizeof line, "run %" PRId64 " %s at step %zu of %zu (started by %s): x runs it%s",
				 p->run.id, p->run.state, p->run.next + 1, p->run.nsteps, p->run.actor,
				 strcmp(p->run.state, "stopped") == 0 ? " again" : "");
		draw_text(y + 1, x + 1, w - 1,
			  draw_attr(strcmp(p->run.state, "stopped") == 0 ? DRAW_ERROR : DRAW_DIM, 0), line);
		used = 2;
	}
	list_draw(&v->list, y + used, x, h - used, w);
}

static void view_playrun_title(struct view *v, char *buf, size_t n)
{
	const struct view_playrun *p = v->priv;

	snprintf(buf, n, "playbook %s on %s", p != NULL ? p->pb.name : v->arg.scope, v->arg.model);
}

const struct view_ops view_playrun_ops = {
	.name = "playrun",
	.open = view_playrun_open,
	.close = view_playrun_close,
	.refresh = view_playrun_load,
	.draw = view_playrun_draw,
	.key = view_playrun_key,
	.enter = view_playrun_enter,
	.title = view_playrun_title,
	.offers = view_playrun_offers,
};
