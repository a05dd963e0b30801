/* view-help: the `?` screen, generated from the action table so it cannot drift from the key bindings. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "action.h"
#include "app.h"
#include "draw.h"

enum { HELP_KEYS, HELP_CMDS, HELP_TEXT, HELP_NCOLS };

static const struct list_col view_help_cols[HELP_NCOLS] = {
	[HELP_KEYS] = {.title = "KEYS", .width = 10},
	[HELP_CMDS] = {.title = "COMMAND", .width = 11},
	[HELP_TEXT] = {.title = "WHAT IT DOES", .min = 16, .weight = 1},
};

static int view_help_heading(struct list *l, const char *text, struct err *e)
{
	struct list_row *r = list_add(l, NULL, LIST_SPAN, e);

	if (r == NULL)
		return -1;
	return list_set(r, 0, DRAW_HEADING, e, "%s", text);
}

/* Which of the browse keys a section lists. */
enum view_help_part {
	HELP_HERE,      /* what the view below the help does of its own */
	HELP_EVERYWHERE,
	HELP_ELSEWHERE, /* with where they work */
	HELP_ALL,       /* the line and confirmation keys: no where */
};

/* What the help was opened over, and the width its text is wrapped to. */
struct view_help {
	char here[64];
	int width;
};

struct view_help_wrap {
	struct list *l;
	const char *keys, *cmds; /* on the first line only */
	struct err *e;
};

static int view_help_line(void *ctx, const char *s, size_t n)
{
	struct view_help_wrap *w = ctx;
	struct list_row *r = list_add(w->l, NULL, 0, w->e);

	if (r == NULL)
		return -1;
	if (list_set(r, HELP_KEYS, DRAW_ALIAS, w->e, "%s", w->keys) != 0 ||
	    list_set(r, HELP_CMDS, DRAW_ALIAS, w->e, "%s", w->cmds) != 0 ||
	    list_set(r, HELP_TEXT, DRAW_NORMAL, w->e, "%.*s", (int)n, s) != 0)
		return -1;
	w->keys = w->cmds = "";
	return 0;
}

static int view_help_mode(struct app *a, struct list *l, enum action_mode mode,
			  enum view_help_part part, const char *here, int width, struct err *e)
{
	size_t i, k;
	int n = 0;

	for (i = 0; i < action_count; i++) {
		const struct action *act = &action_table[i];
		char keys[64], cmds[64], text[512];
		struct view_help_wrap w = {l, keys, cmds, e};
		size_t used = 0;
		int local = act->where[0] != NULL;

		if (act->mode != mode || !action_allowed(a, act))
			continue;
		/* A key the view binds to something else does not do this here. */
		if (part != HELP_ELSEWHERE && action_shadowed(act, here))
			continue;
		if ((part == HELP_HERE && !(local && action_where(act, here))) ||
		    (part == HELP_EVERYWHERE && local) ||
		    (part == HELP_ELSEWHERE && (!local || action_where(act, here))))
			continue;
		action_keys_text(act, keys, sizeof keys);
		action_cmds_text(act, cmds, sizeof cmds);
		text[0] = '\0';
		if (part == HELP_ELSEWHERE) {
			for (k = 0; k < ACTION_MAX_WHERE && act->where[k] != NULL; k++) {
				int c = snprintf(text + used, sizeof text - used, "%s%s",
						 k ? ", " : "in ", act->where[k]);

				if (c < 0 || (size_t)c >= sizeof text - used)
					break;
				used += (size_t)c;
			}
			if (used + 2 < sizeof text)
				used += (size_t)snprintf(text + used, sizeof text - used, ": ");
		}
		snprintf(text + used, sizeof text - used, "%s", act->help);
		/* Wrapped, not cut: the help is where a user reads what a key does. */
		if (draw_wrap(text, width, view_help_line, &w) != 0)
			return -1;
		n++;
	}
	return n;
}

/* A heading, then the part's keys; nothing when the part is empty. */
static int view_help_section(struct app *a, struct list *l, const char *heading,
			     enum action_mode mode, enum view_help_part part, const char *here,
			     int width, struct err *e)
{
	size_t before = l->n;
	int n;

	if (view_help_heading(l, heading, e) != 0)
		return -1;
	n = view_help_mode(a, l, mode, part, here, width, e);
	if (n < 0)
		return -1;
	if (n == 0) {
		/* Drop the lone heading. */
		free(l->rows[before].cells[0].text);
		l->rows[before].cells[0].text = NULL;
		l->n = before;
		l->spans--;
	}
	return 0;
}

static int view_help_build(struct app *a, struct view *v, int w, struct err *e)
{
	struct view_help *p = v->priv;
	char heading[128];
	/* The key and command columns are at most 10 and 11 wide. */
	int width = w - 23 > 20 ? w - 23 : 20;

	p->width = w;
	list_clear(&v->list);
	snprintf(heading, sizeof heading, "In %s", p->here);
	if (view_help_section(a, &v->list, heading, ACTION_BROWSE, HELP_HERE, p->here, width, e) !=
		    0 ||
	    view_help_section(a, &v->list, "Everywhere", ACTION_BROWSE, HELP_EVERYWHERE, p->here,
			      width, e) != 0 ||
	    view_help_section(a, &v->list, "In other views", ACTION_BROWSE, HELP_ELSEWHERE,
			      p->here, width, e) != 0 ||
	    view_help_section(a, &v->list, "While typing after / or :, a reason or a passphrase",
			      ACTION_LINE, HELP_ALL, p->here, width, e) != 0 ||
	    view_help_section(a, &v->list, "When asked to confirm", ACTION_CONFIRM, HELP_ALL,
			      p->here, width, e) != 0)
		return -1;
	return list_finish(&v->list, NULL, e);
}

static int view_help_open(struct app *a, struct view *v, const struct view_arg *arg,
			  struct err *e)
{
	/* Opened over the view it explains: that view's own keys come first. */
	const struct view *under = app_top_const(a);
	struct view_help *p = calloc(1, sizeof *p);

	(void)arg;
	if (p == NULL)
		return err_set(e, ERR_IO, "out of memory");
	v->priv = p;
	snprintf(p->here, sizeof p->here, "%s", under != NULL ? under->ops->name : "");
	list_init(&v->list, view_help_cols, HELP_NCOLS, 1, "");
	return view_help_build(a, v, 80, e);
}

static void view_help_close(struct view *v)
{
	free(v->priv);
	v->priv = NULL;
}

static int view_help_refresh(struct app *a, struct view *v, struct err *e)
{
	struct view_help *p = v->priv;

	/* A revoked key or a new role changes what may run, so what is listed. */
	return view_help_build(a, v, p->width, e);
}

static void view_help_draw(struct app *a, struct view *v, int y, int x, int h, int w)
{
	struct view_help *p = v->priv;
	struct err e;

	err_clear(&e);
	if (w != p->width && view_help_build(a, v, w, &e) != 0)
		app_error(a, "%s", e.msg);
	list_draw(&v->list, y, x, h, w);
}

static void view_help_title(struct view *v, char *buf, size_t n)
{
	(void)v;
	snprintf(buf, n, "help");
}

const struct view_ops view_help_ops = {
	.name = "help",
	.open = view_help_open,
	.close = view_help_close,
	.refresh = view_help_refresh,
	.draw = view_help_draw,
	.title = view_help_title,
};
