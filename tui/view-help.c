/* view-help: the `?` screen, generated from the action table so it cannot drift from the key bindings. */
#include <stdio.h>

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

static int view_help_mode(struct app *a, struct list *l, enum action_mode mode, struct err *e)
{
	size_t i;

	for (i = 0; i < action_count; i++) {
		const struct action *act = &action_table[i];
		char keys[64], cmds[64];
		struct list_row *r;

		if (act->mode != mode || !action_allowed(a, act))
			continue;
		action_keys_text(act, keys, sizeof keys);
		action_cmds_text(act, cmds, sizeof cmds);
		r = list_add(l, NULL, 0, e);
		if (r == NULL)
			return -1;
		if (list_set(r, HELP_KEYS, DRAW_ALIAS, e, "%s", keys) != 0 ||
		    list_set(r, HELP_CMDS, DRAW_ALIAS, e, "%s", cmds) != 0 ||
		    list_set(r, HELP_TEXT, DRAW_NORMAL, e, "%s", act->help) != 0)
			return -1;
	}
	return 0;
}

static int view_help_open(struct app *a, struct view *v, const struct view_arg *arg,
			  struct err *e)
{
	(void)arg;
	list_init(&v->list, view_help_cols, HELP_NCOLS, 1, "");
	if (view_help_mode(a, &v->list, ACTION_BROWSE, e) != 0 ||
	    view_help_heading(&v->list, "While typing after / or :, a reason or a passphrase", e) != 0 ||
	    view_help_mode(a, &v->list, ACTION_LINE, e) != 0 ||
	    view_help_heading(&v->list, "When asked to confirm", e) != 0 ||
	    view_help_mode(a, &v->list, ACTION_CONFIRM, e) != 0)
		return -1;
	return list_finish(&v->list, NULL, e);
}

static int view_help_refresh(struct app *a, struct view *v, struct err *e)
{
	(void)a;
	(void)v;
	(void)e;
	return 0;
}

static void view_help_draw(struct app *a, struct view *v, int y, int x, int h, int w)
{
	(void)a;
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
	.refresh = view_help_refresh,
	.draw = view_help_draw,
	.title = view_help_title,
};
