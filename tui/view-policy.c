/* view-policy: one enrolled policy: its digest, enrolment and signer, whether its file still holds the enrolled bytes, its rules per transition, and its text. */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "app.h"
#include "draw.h"
#include "file.h"
#include "gate.h"
#include "policy.h"

static const struct list_col view_policy_cols[1] = {
	{.title = "", .min = 10, .weight = 1},
};

struct view_policy {
	int64_t id;
	struct gate_policy p; /* path and text are this view's own copies */
	int loaded;
	char file[1200]; /* the file on disk against the enrolled digest */
	int file_style;
	struct policy pol;
	int parsed;
	char parse_err[sizeof ((struct err *)0)->msg];
	int built_width; /* text is wrapped to this width; rebuilt when it changes */
};

/* Reads the file the policy was enrolled from and says whether it still
 * holds the enrolled bytes: the gate refuses promotions when it does not,
 * and this is where an operator learns why. */
static void view_policy_file(struct view_policy *p)
{
	char digest[72], *buf;
	size_t len;
	struct err e;

	p->file_style = DRAW_ERROR;
	/* The path comes from the store: a FIFO there must not hang the console. */
	if (file_read(p->p.path, "policy file", POLICY_MAX_BYTES, &buf, &len, &e) != 0) {
		snprintf(p->file, sizeof p->file, "%s; promotions under this policy are refused", e.msg);
		return;
	}
	gate_digest(buf, len, digest);
	if (strcmp(digest, p->p.digest) == 0) {
		p->file_style = DRAW_OK;
		snprintf(p->file, sizeof p->file, "%s: holds the enrolled bytes", p->p.path);
	} else {
		snprintf(p->file, sizeof p->file,
			 "%s now has %s, not the enrolled bytes: "
			 "promotions under this policy are refused",
			 p->p.path, digest);
	}
	free(buf);
}

/* "label     value" rows that line up, wrapping whole rather than cut. */
static int view_policy_field(struct list *l, int style, const char *label, const char *value,
			     int width, struct err *e)
{
	char buf[1400];

	snprintf(buf, sizeof buf, "%-9s %s", label, value);
	return view_wrapped(l, style, buf, 0, width, e);
}

/* Each transition and rollback with the names of its rules, as the gate
 * will list them. */
static int view_policy_rules(struct view_policy *p, struct list *l, int width, struct err *e)
{
	size_t i, k;

	if (view_line(l, DRAW_NORMAL, "", e) != 0 || view_line(l, DRAW_TITLE, "Rules", e) != 0)
		return -1;
	if (!p->parsed)
		return view_wrapped(l, DRAW_ERROR, p->parse_err, 2, width, e);
	for (i = 0; i < p->pol.nsec; i++) {
		const struct policy_section *s = &p->pol.sec[i];
		char buf[4096];
		size_t used;
		int w;

		if (s->rollback == POLICY_SEC_SHIFT)
			w = snprintf(buf, sizeof buf, "shift traffic:");
		else if (s->rollback)
			w = snprintf(buf, sizeof buf, "rollback %s:", s->to);
		else
			w = snprintf(buf, sizeof buf, "%s %s %s:", s->from, draw_glyphs()->arrow, s->to);
		used = w > 0 && (size_t)w < sizeof buf ? (size_t)w : 0;
		for (k = 0; k < s->nrules; k++) {
			w = snprintf(buf + used, sizeof buf - used, "%s %s", k ? "," : "", s->rules[k].name);
			if (w < 0 || (size_t)w >= sizeof buf - used)
				break;
			used += (size_t)w;
		}
		if (view_wrapped(l, DRAW_NORMAL, buf, 2, width, e) != 0)
			return -1;
	}
	return 0;
}

/* A line's style by its first word: comments dim, sections as headings. */
static int view_policy_line_style(const char *s)
{
	while (*s == ' ' || *s == '\t')
		s++;
	if (*s == '#')
		return DRAW_DIM;
	if (strncmp(s, "transition", 10) == 0 || strncmp(s, "rollback", 8) == 0)
		return DRAW_HEADING;
	return DRAW_NORMAL;
}

static int view_policy_text(struct view_policy *p, struct list *l, int width, struct err *e)
{
	char *copy, *line, *nl;
	int rc = 0;

	if (view_line(l, DRAW_NORMAL, "", e) != 0 || view_line(l, DRAW_TITLE, "Policy text", e) != 0)
		return -1;
	copy = strdup(p->p.text != NULL ? p->p.text : "");
	if (copy == NULL)
		return err_set(e, ERR_IO, "out of memory");
	for (line = copy; rc == 0 && line != NULL && *line != '\0'; line = nl) {
		nl = strchr(line, '\n');
		if (nl != NULL)
			*nl++ = '\0';
		if (line[0] == '\0')
			rc = view_line(l, DRAW_NORMAL, "", e);
		else
			rc = view_wrapped(l, view_policy_line_style(line), line, 2, width, e);
	}
	free(copy);
	return rc;
}

static int view_policy_build(struct view *v, int width, struct err *e)
{
	struct view_policy *p = v->priv;
	struct list *l = &v->list;
	char keep[64], buf[600], when[32];

	list_selected_key(l, keep, sizeof keep);
	list_clear(l);
	p->built_width = width;
	view_time(p->p.enrolled, when, sizeof when);
	snprintf(buf, sizeof buf, "%s v%" PRId64, p->p.name, p->p.version);
	if (view_policy_field(l, DRAW_NORMAL, "policy", buf, width, e) != 0 ||
	    view_policy_field(l, view_tier_style(p->p.tier), "tier", p->p.tier, width, e) != 0 ||
	    view_policy_field(l, DRAW_NORMAL, "sha256", p->p.digest, width, e) != 0)
		return -1;
	snprintf(buf, sizeof buf, "%s by %s (ledger entry #%" PRId64 ")", when, p->p.signer,
		 p->p.seq);
	if (view_policy_field(l, DRAW_NORMAL, "enrolled", buf, width, e) != 0 ||
	    view_policy_field(l, p->p.in_force ? DRAW_OK : DRAW_DIM, "in force",
			      p->p.in_force ? "yes: the gate for its tier uses it"
					    : "no: a newer version replaced it",
			      width, e) != 0 ||
	    view_policy_field(l, p->file_style, "file", p->file, width, e) != 0)
		return -1;
	if (view_policy_rules(p, l, width, e) != 0 || view_policy_text(p, l, width, e) != 0)
		return -1;
	return list_finish(l, keep, e);
}

static void view_policy_unload(struct view_policy *p)
{
	if (!p->loaded)
		return;
	free(p->p.path);
	free(p->p.text);
	if (p->parsed)
		policy_free(&p->pol);
	p->parsed = 0;
	p->loaded = 0;
}

static int view_policy_load(struct app *a, struct view *v, struct err *e)
{
	struct view_policy *p = v->priv;
	struct gate_policies ps = {0};
	const struct gate_policy *found = NULL;
	struct gate_policy copy;
	struct err pe;
	size_t i;

	if (gate_policy_list(a->st, &ps, e) != 0)
		return -1;
	for (i = 0; i < ps.n; i++)
		if (ps.v[i].id == p->id)
			found = &ps.v[i];
	if (found == NULL) {
		gate_policies_free(&ps);
		return err_set(e, ERR_NOTFOUND, "no enrolled policy with id %" PRId64, p->id);
	}
	copy = *found;
	copy.path = strdup(found->path != NULL ? found->path : "");
	copy.text = strdup(found->text != NULL ? found->text : "");
	gate_policies_free(&ps);
	if (copy.path == NULL || copy.text == NULL) {
		free(copy.path);
		free(copy.text);
		return err_set(e, ERR_IO, "out of memory");
	}
	view_policy_unload(p);
	p->p = copy;
	p->loaded = 1;
	view_policy_file(p);
	err_clear(&pe);
	/* Enrolment parsed it; parsing again only fails on a store edited behind steward's back. */
	p->parsed = policy_parse(p->p.text, strlen(p->p.text), p->p.name, &p->pol, &pe) == 0;
	snprintf(p->parse_err, sizeof p->parse_err, "%s", p->parsed ? "" : pe.msg);
	return view_policy_build(v, p->built_width > 0 ? p->built_width : 80, e);
}

static void view_policy_close(struct view *v)
{
	struct view_policy *p = v->priv;

	if (p == NULL)
		return;
	view_policy_unload(p);
	free(p);
	v->priv = NULL;
}

static int view_policy_open(struct app *a, struct view *v, const struct view_arg *arg,
			    struct err *e)
{
	struct view_policy *p;

	if (arg == NULL || arg->policy <= 0)
		return err_set(e, ERR_INVALID, "no policy to open");
	p = calloc(1, sizeof *p);
	if (p == NULL)
		return err_set(e, ERR_IO, "out of memory");
	v->priv = p;
	p->id = arg->policy;
	list_init(&v->list, view_policy_cols, 1, 0, "");
	return view_policy_load(a, v, e);
}

static void view_policy_draw(struct app *a, struct view *v, int y, int x, int h, int w)
{
	struct view_policy *p = v->priv;
	char line[300];
	struct err e;

	err_clear(&e);
	if (w != p->built_width && view_policy_build(v, w, &e) != 0)
		app_error(a, "%s", e.msg);
	if (h < 3) {
		list_draw(&v->list, y, x, h, w);
		return;
	}
	snprintf(line, sizeof line, "policy %s v%" PRId64 "  tier %s%s", p->p.name, p->p.version,
		 p->p.tier, p->p.in_force ? "  in force" : "");
	draw_text(y, x + 1, w - 1, draw_attr(DRAW_HEADING, 0), line);
	list_draw(&v->list, y + 1, x, h - 1, w);
}

static void view_policy_title(struct view *v, char *buf, size_t n)
{
	struct view_policy *p = v->priv;

	snprintf(buf, n, "%s v%" PRId64, p->p.name, p->p.version);
}

const struct view_ops view_policy_ops = {
	.name = "policy",
	.open = view_policy_open,
	.close = view_policy_close,
	.refresh = view_policy_load,
	.draw = view_policy_draw,
	.title = view_policy_title,
};
