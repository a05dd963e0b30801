/* view-lineage: the lineage of a model version or a dataset as a collapsible tree, upstream or downstream (t), each node expanded once and referred to after that; Enter opens a node's own view. */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "action.h"
#include "app.h"
#include "compare.h"
#include "draw.h"
#include "lineage.h"
#include "registry.h"

enum { LIN_MARK, LIN_NODE, LIN_VERSION, LIN_TIME, LIN_NCOLS };

static const struct list_col view_lineage_cols[LIN_NCOLS] = {
	/* "!" a dataset without a digest, "x" a failed run, "~" one not
	 * finished: markers a screen without colour shows too. */
	[LIN_MARK] = {.title = "", .width = 1},
	[LIN_NODE] = {.title = "NODE", .min = 16, .weight = 4},
	[LIN_VERSION] = {.title = "VERSION/DIGEST", .min = 10, .weight = 2},
	[LIN_TIME] = {.title = "TIME", .width = 16},
};

#define LIN_OPEN_ROWS 200  /* a tree opens with as many levels expanded as fit in this many rows */
#define LIN_REFS_MAX 30000 /* references kept beyond the nodes: a dense graph's memory stays bounded */
#define LIN_INDENT_MAX 24  /* levels indented; deeper ones line up with the last */
#define LIN_NONE ((size_t)-1)

/* A row of the tree, parallel to the list's row of the same index. */
struct lin_row {
	size_t node;  /* index into the graph's nodes */
	size_t up;    /* the row it hangs under, + 1; 0 at the top */
	size_t end;   /* one past the last row under it */
	size_t kids;  /* rows right under it */
	int level;
	int ref;      /* 0: the node's home row; 1: shown above; 2: shown below */
	int expanded;
};

/* One direction's graph and the tree laid over it: every node once, at
 * its home row under the parent that reached it first (breadth first),
 * and as a reference under its other parents. Built when the view loads,
 * so keys only walk these arrays. */
struct lin_tree {
	struct lineage_graph g;
	int loaded;
	struct lin_row *rows;
	size_t nrows, cap, nhome;
	size_t *home; /* per node: its home row, LIN_NONE when the roots never reach it */
	size_t refs_left_out;
};

struct view_lineage {
	char *model;   /* the root: a model version ... */
	int64_t version;
	char *ns, *ds; /* ... or every version of a dataset */
	struct lin_tree t[2]; /* [0] upstream, [1] downstream */
	int cur;              /* the one v->list shows */
	struct list other;    /* the other one's rows, swapped with v->list by t */
	struct lineage_status st;
	int have_st;
	char st_err[sizeof ((struct err *)0)->msg];
};

static enum lineage_dir view_lineage_dir(int cur)
{
	return cur == 0 ? LINEAGE_UP : LINEAGE_DOWN;
}

/* ---- the tree ---- */

/* qsort has no context argument in C11; sorting happens on the console's thread only. */
static const struct lineage_graph *lin_sorting;

/* Siblings by kind, then name and namespace (as the rows show them), then
 * time (the runs of one job in the order they ran), then version: the
 * same node twice ends up adjacent. */
static int lin_kid_cmp(const void *pa, const void *pb)
{
	const struct lineage_node *a = &lin_sorting->n[*(const size_t *)pa];
	const struct lineage_node *b = &lin_sorting->n[*(const size_t *)pb];
	int c;

	if (a->kind != b->kind)
		return a->kind < b->kind ? -1 : 1;
	c = strcmp(a->name ? a->name : "", b->name ? b->name : "");
	if (c == 0)
		c = strcmp(a->ns ? a->ns : "", b->ns ? b->ns : "");
	if (c == 0 && a->time != b->time)
		c = a->time < b->time ? -1 : 1;
	if (c == 0)
		c = strcmp(a->version ? a->version : "", b->version ? b->version : "");
	if (c == 0 && a->id != b->id)
		c = a->id < b->id ? -1 : 1;
	return c;
}

static void lin_tree_free(struct lin_tree *t)
{
	if (t->loaded)
		lineage_graph_free(&t->g);
	free(t->rows);
	free(t->home);
	memset(t, 0, sizeof *t);
}

static int lin_emit(struct lin_tree *t, size_t node, size_t up, int level, int ref, struct err *e)
{
	struct lin_row *r;

	if (t->nrows == t->cap) {
		size_t cap = t->cap ? t->cap * 2 : 64;
		struct lin_row *rows = realloc(t->rows, cap * sizeof *rows);

		if (rows == NULL)
			return err_set(e, ERR_IO, "out of memory");
		t->rows = rows;
		t->cap = cap;
	}
	r = &t->rows[t->nrows++];
	memset(r, 0, sizeof *r);
	r->node = node;
	r->up = up;
	r->end = t->nrows;
	r->level = level;
	r->ref = ref;
	if (up > 0)
		t->rows[up - 1].kids++;
	if (!ref) {
		t->home[node] = t->nrows - 1;
		t->nhome++;
	}
	return 0;
}

/* Lays the tree over t->g in direction dir. */
static int lin_tree_build(struct lin_tree *t, enum lineage_dir dir, struct err *e)
{
	const struct lineage_graph *g = &t->g;
	size_t nn = g->nn, i, head = 0, tail = 0, sp = 0;
	size_t *off = NULL, *kid = NULL, *fill = NULL, *par = NULL, *queue = NULL;
	struct lin_frame {
		size_t row, next;
	} *stk = NULL;
	int rc = -1;

	if (nn == 0)
		return 0;
	off = calloc(nn + 1, sizeof *off);
	kid = malloc((g->ne ? g->ne : 1) * sizeof *kid);
	fill = malloc(nn * sizeof *fill);
	par = malloc(nn * sizeof *par);
	queue = malloc(nn * sizeof *queue);
	stk = malloc((nn + 1) * sizeof *stk);
	t->home = malloc(nn * sizeof *t->home);
	if (off == NULL || kid == NULL || fill == NULL || par == NULL || queue == NULL || stk == NULL ||
	    t->home == NULL) {
		err_set(e, ERR_IO, "out of memory");
		goto done;
	}
	/* Children in the direction shown: upstream, what an edge comes from. */
	for (i = 0; i < g->ne; i++) {
		size_t from = g->e[i].from, to = g->e[i].to;

		if (from < nn && to < nn)
			off[(dir == LINEAGE_UP ? to : from) + 1]++;
	}
	for (i = 0; i < nn; i++) {
		off[i + 1] += off[i];
		fill[i] = off[i];
		par[i] = LIN_NONE;
		t->home[i] = LIN_NONE;
	}
	for (i = 0; i < g->ne; i++) {
		size_t from = g->e[i].from, to = g->e[i].to;

		if (from < nn && to < nn) {
			if (dir == LINEAGE_UP)
				kid[fill[to]++] = from;
			else
				kid[fill[from]++] = to;
		}
	}
	lin_sorting = g;
	for (i = 0; i < nn; i++)
		if (off[i + 1] - off[i] > 1)
			qsort(kid + off[i], off[i + 1] - off[i], sizeof *kid, lin_kid_cmp);
	lin_sorting = NULL;
	/* Home parents, breadth first: a node hangs where it is nearest the root. */
	for (i = 0; i < nn; i++)
		if (g->n[i].depth == 0) {
			par[i] = nn;
			queue[tail++] = i;
		}
	if (tail == 0) {
		par[0] = nn;
		queue[tail++] = 0;
	}
	while (head < tail) {
		size_t x = queue[head++], k;

		for (k = off[x]; k < off[x + 1]; k++)
			if (par[kid[k]] == LIN_NONE) {
				par[kid[k]] = x;
				queue[tail++] = kid[k];
			}
	}
	/* Depth first from each root: a child whose home parent this is gets
	 * its home row and its own children; any other, a reference. A cycle
	 * comes back to a node that already has its home: a reference too. */
	for (i = 0; i < nn; i++) {
		if (par[i] != nn || t->home[i] != LIN_NONE)
			continue;
		if (lin_emit(t, i, 0, 0, 0, e) != 0)
			goto done;
		stk[sp].row = t->nrows - 1;
		stk[sp++].next = 0;
		while (sp > 0) {
			struct lin_frame *f = &stk[sp - 1];
			size_t x = t->rows[f->row].node, c, at;

			if (off[x] + f->next >= off[x + 1]) {
				t->rows[f->row].end = t->nrows;
				sp--;
				continue;
			}
			at = off[x] + f->next++;
			c = kid[at];
			if (at > off[x] && kid[at - 1] == c)
				continue; /* the same edge twice */
			if (par[c] == x && t->home[c] == LIN_NONE) {
				if (lin_emit(t, c, f->row + 1, t->rows[f->row].level + 1, 0, e) != 0)
					goto done;
				stk[sp].row = t->nrows - 1;
				stk[sp++].next = 0;
			} else if (t->nrows - t->nhome >= LIN_REFS_MAX) {
				t->refs_left_out++;
			} else if (lin_emit(t, c, f->row + 1, t->rows[f->row].level + 1,
					    t->home[c] != LIN_NONE ? 1 : 2, e) != 0) {
				goto done;
			}
		}
	}
	rc = 0;
done:
	free(off);
	free(kid);
	free(fill);
	free(par);
	free(queue);
	free(stk);
	return rc;
}

/* "dataset", "run" or "model" and the node's name as the tree shows it. */
static void lin_node_name(const struct lineage_node *n, char *buf, size_t len)
{
	const char *ns = n->ns ? n->ns : "", *name = n->name ? n->name : "";

	if (n->kind == LINEAGE_MODEL || ns[0] == '\0')
		snprintf(buf, len, "%s", name);
	else
		snprintf(buf, len, "%s/%s", ns, name);
}

static int lin_run_failed(const struct lineage_node *n)
{
	return n->state != NULL && (strcmp(n->state, "FAIL") == 0 || strcmp(n->state, "ABORT") == 0);
}

static int lin_run_done(const struct lineage_node *n)
{
	return n->state != NULL && strcmp(n->state, "COMPLETE") == 0;
}

static int lin_no_digest(const struct lineage_node *n)
{
	return n->kind == LINEAGE_DATASET && (n->digest == NULL || n->digest[0] == '\0');
}

/* The style a node is drawn in: a gap stands out, a reference steps back. */
static int lin_style(const struct lineage_node *n, int ref)
{
	if (ref)
		return DRAW_DIM;
	if (n->kind == LINEAGE_RUN && lin_run_failed(n))
		return DRAW_ERROR;
	if ((n->kind == LINEAGE_RUN && !lin_run_done(n)) || lin_no_digest(n))
		return DRAW_WARN;
	return n->kind == LINEAGE_MODEL ? DRAW_HEADING : DRAW_NORMAL;
}

/* The tree column: indent, expander (or reference) glyph, kind, name,
 * then the namespace: names tell nodes apart, and namespaces (a URI that
 * many share) are what a narrow screen can do without. */
static int lin_node_cell(struct lin_tree *t, struct list *l, size_t i, struct err *e)
{
	const struct lin_row *r = &t->rows[i];
	const struct lineage_node *n = &t->g.n[r->node];
	const struct draw_glyphs *gl = draw_glyphs();
	const char *glyph = r->ref ? gl->ref : r->kids == 0 ? " " : r->expanded ? gl->open : gl->closed;
	const char *ns = n->kind != LINEAGE_MODEL && n->ns != NULL ? n->ns : "";
	int indent = 2 * (r->level < LIN_INDENT_MAX ? r->level : LIN_INDENT_MAX);

	return list_set(&l->rows[i], LIN_NODE, lin_style(n, r->ref), e, "%*s%s %-7s %s%s%s%s", indent, "", glyph,
			lineage_kind_name(n->kind), n->name ? n->name : "",
			r->ref == 1 ? " (see above)" : r->ref == 2 ? " (see below)" : "", ns[0] ? "  " : "", ns);
}

static void lin_key(const struct lineage_node *n, char *buf, size_t len)
{
	snprintf(buf, len, "%c%" PRId64, n->kind == LINEAGE_DATASET ? 'd' : n->kind == LINEAGE_RUN ? 'r' : 'm', n->id);
}

/* One list row per tree row. */
static int lin_tree_rows(struct lin_tree *t, struct list *l, struct err *e)
{
	size_t i;

	for (i = 0; i < t->nrows; i++) {
		const struct lin_row *r = &t->rows[i];
		const struct lineage_node *n = &t->g.n[r->node];
		char key[96], pkey[48], ver[160], when[32], dig[32];
		const char *mark = "";
		int mstyle = DRAW_NORMAL, vstyle = DRAW_DIM;
		struct list_row *lr;

		lin_key(n, key, sizeof key);
		if (r->ref) {
			/* A reference is told apart by where it hangs, so the selection can stay on it. */
			lin_key(&t->g.n[t->rows[r->up - 1].node], pkey, sizeof pkey);
			snprintf(key + strlen(key), sizeof key - strlen(key), "<%s", pkey);
		}
		lr = list_add(l, key, 0, e);
		if (lr == NULL)
			return -1;
		lr->up = r->up;
		switch (n->kind) {
		case LINEAGE_DATASET:
			if (!lin_no_digest(n)) {
				view_short_digest(n->digest, dig, sizeof dig);
				snprintf(ver, sizeof ver, "%s", dig);
			} else {
				snprintf(ver, sizeof ver, "%.64s%sno digest", n->version ? n->version : "",
					 n->version && n->version[0] ? " " : "");
				mark = "!";
				mstyle = vstyle = DRAW_WARN;
			}
			break;
		case LINEAGE_RUN:
			snprintf(ver, sizeof ver, "%s %.8s", n->state && n->state[0] ? n->state : "?",
				 n->version ? n->version : "");
			if (lin_run_failed(n)) {
				mark = "x";
				mstyle = vstyle = DRAW_ERROR;
			} else if (!lin_run_done(n)) {
				mark = "~";
				mstyle = vstyle = DRAW_WARN;
			}
			break;
		case LINEAGE_MODEL:
			snprintf(ver, sizeof ver, "v%s%s%.100s", n->version ? n->version : "?",
				 n->state && n->state[0] ? " " : "", n->state ? n->state : "");
			vstyle = n->state && n->state[0] ? DRAW_ALIAS : DRAW_NORMAL;
			break;
		}
		view_minute(n->time, when, sizeof when);
		if (list_set(lr, LIN_MARK, mstyle, e, "%s", mark) != 0 || lin_node_cell(t, l, i, e) != 0 ||
		    list_set(lr, LIN_VERSION, r->ref ? DRAW_DIM : vstyle, e, "%s", ver) != 0 ||
		    list_set(lr, LIN_TIME, DRAW_DIM, e, "%s", when) != 0)
			return -1;
	}
	return 0;
}

/* Hides every row under a collapsed one; parents come before their rows. */
static void lin_apply(const struct lin_tree *t, struct list *l)
{
	size_t i;

	for (i = 0; i < t->nrows && i < l->n; i++) {
		size_t up = t->rows[i].up;
		int hidden = up > 0 && ((l->rows[up - 1].flags & LIST_HIDDEN) || !t->rows[up - 1].expanded);

		if (hidden)
			l->rows[i].flags |= LIST_HIDDEN;
		else
			l->rows[i].flags &= ~LIST_HIDDEN;
	}
}

static int lin_str_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The keys of the expanded rows, sorted, so a reload opens the same branches. */
static char **lin_expanded_keys(const struct lin_tree *t, const struct list *l, size_t *n)
{
	char **keys;
	size_t i;

	*n = 0;
	keys = malloc((t->nrows ? t->nrows : 1) * sizeof *keys);
	if (keys == NULL)
		return NULL;
	for (i = 0; i < t->nrows && i < l->n; i++)
		if (t->rows[i].expanded && l->rows[i].key != NULL)
			keys[(*n)++] = l->rows[i].key;
	qsort(keys, *n, sizeof *keys, lin_str_cmp);
	return keys;
}

/* Which rows start expanded: those a reload finds in keep, else the
 * levels near the root as far as LIN_OPEN_ROWS rows show. */
static void lin_expand_initial(struct lin_tree *t, const struct list *l, char **keep, size_t nkeep, int reload)
{
	size_t i, shown = 0, *count;
	int maxlevel = 0, lv = 1;

	if (reload) {
		for (i = 0; i < t->nrows; i++) {
			const char *k = l->rows[i].key;

			t->rows[i].expanded = k != NULL && bsearch(&k, keep, nkeep, sizeof *keep, lin_str_cmp) != NULL;
		}
		return;
	}
	for (i = 0; i < t->nrows; i++)
		maxlevel = t->rows[i].level > maxlevel ? t->rows[i].level : maxlevel;
	count = calloc((size_t)maxlevel + 2, sizeof *count);
	if (count != NULL) {
		for (i = 0; i < t->nrows; i++)
			count[t->rows[i].level]++;
		shown = count[0] + count[1];
		while (lv < maxlevel && shown + count[lv + 1] <= LIN_OPEN_ROWS)
			shown += count[++lv];
		free(count);
	}
	for (i = 0; i < t->nrows; i++)
		t->rows[i].expanded = !t->rows[i].ref && t->rows[i].level < lv;
}

/* (Re)loads one direction into l, keeping its selection and open branches. */
static int lin_load(struct app *a, struct view_lineage *p, int d, struct list *l, struct err *e)
{
	struct lin_tree *t = &p->t[d], fresh = {0};
	char keep[256], **open = NULL;
	size_t nopen = 0, i;
	int reload = t->nrows > 1, rc;

	if (p->model != NULL)
		rc = lineage_graph_version(a->st, p->model, p->version, view_lineage_dir(d), 0, &fresh.g, e);
	else
		rc = lineage_graph_dataset(a->st, p->ns, p->ds, view_lineage_dir(d), 0, &fresh.g, e);
	if (rc != 0) {
		lineage_graph_free(&fresh.g);
		return -1;
	}
	fresh.loaded = 1;
	if (lin_tree_build(&fresh, view_lineage_dir(d), e) != 0) {
		lin_tree_free(&fresh);
		return -1;
	}
	list_selected_key(l, keep, sizeof keep);
	if (reload && (open = lin_expanded_keys(t, l, &nopen)) == NULL) {
		lin_tree_free(&fresh);
		return err_set(e, ERR_IO, "out of memory");
	}
	/* The old rows' keys are what open points into: they go after it is used. */
	{
		struct list old = *l;

		l->rows = NULL;
		l->vis = NULL;
		l->n = l->cap = l->nvis = 0;
		l->spans = 0;
		l->widths_stale = 1;
		rc = lin_tree_rows(&fresh, l, e);
		if (rc == 0) {
			lin_expand_initial(&fresh, l, open, nopen, reload);
			for (i = 0; i < fresh.nrows; i++)
				if (fresh.rows[i].kids > 0 && lin_node_cell(&fresh, l, i, e) != 0)
					rc = -1;
		}
		free(open);
		if (rc != 0) {
			list_free(l);
			*l = old;
			lin_tree_free(&fresh);
			return -1;
		}
		list_free(&old);
	}
	lin_tree_free(t);
	*t = fresh;
	lin_apply(t, l);
	return list_finish(l, keep, e);
}

/* ---- the view ---- */

static struct list *view_lineage_list(struct view *v, int d)
{
	struct view_lineage *p = v->priv;

	return d == p->cur ? &v->list : &p->other;
}

static int view_lineage_load(struct app *a, struct view *v, struct err *e)
{
	struct view_lineage *p = v->priv;
	struct err se;
	int d;

	for (d = 0; d < 2; d++)
		if (lin_load(a, p, d, view_lineage_list(v, d), e) != 0)
			return -1;
	if (p->have_st)
		lineage_status_free(&p->st);
	p->have_st = 0;
	p->st_err[0] = '\0';
	if (p->model == NULL)
		return 0;
	/* Completeness is worth seeing, but the tree does not depend on it. */
	err_clear(&se);
	if (lineage_status_of(a->st, p->model, p->version, &p->st, &se) == 0)
		p->have_st = 1;
	else
		snprintf(p->st_err, sizeof p->st_err, "%s", se.msg);
	return 0;
}

static void view_lineage_close(struct view *v)
{
	struct view_lineage *p = v->priv;

	if (p == NULL)
		return;
	lin_tree_free(&p->t[0]);
	lin_tree_free(&p->t[1]);
	list_free(&p->other);
	if (p->have_st)
		lineage_status_free(&p->st);
	free(p->model);
	free(p->ns);
	free(p->ds);
	free(p);
	v->priv = NULL;
}

static int view_lineage_open(struct app *a, struct view *v, const struct view_arg *arg, struct err *e)
{
	struct view_lineage *p;

	if (arg == NULL || ((arg->model == NULL || arg->version <= 0) && (arg->ns == NULL || arg->dataset == NULL)))
		return err_set(e, ERR_INVALID, "no version or dataset to show the lineage of");
	p = calloc(1, sizeof *p);
	if (p == NULL)
		return err_set(e, ERR_IO, "out of memory");
	v->priv = p;
	if (arg->model != NULL && arg->version > 0) {
		p->model = strdup(arg->model);
		p->version = arg->version;
		if (p->model == NULL)
			return err_set(e, ERR_IO, "out of memory");
	} else {
		p->ns = strdup(arg->ns);
		p->ds = strdup(arg->dataset);
		if (p->ns == NULL || p->ds == NULL)
			return err_set(e, ERR_IO, "out of memory");
		/* A dataset opens on what depends on it: its consumers. */
		p->cur = 1;
	}
	list_init(&v->list, view_lineage_cols, LIN_NCOLS, 1, "no lineage recorded");
	list_init(&p->other, view_lineage_cols, LIN_NCOLS, 1, "no lineage recorded");
	v->list.tree = p->other.tree = 1;
	return view_lineage_load(a, v, e);
}

/* The selected row's index into the tree, LIN_NONE when none. */
static size_t view_lineage_sel(const struct view *v)
{
	const struct view_lineage *p = v->priv;
	const struct list_row *r = list_selected(&v->list);
	size_t i;

	if (r == NULL)
		return LIN_NONE;
	i = (size_t)(r - v->list.rows);
	return i < p->t[p->cur].nrows ? i : LIN_NONE;
}

static const struct lineage_node *view_lineage_node(const struct view *v, size_t i)
{
	const struct view_lineage *p = v->priv;

	return &p->t[p->cur].g.n[p->t[p->cur].rows[i].node];
}

/* Selects row i, which must be visible; says so when a filter hides it. */
static void view_lineage_select(struct app *a, struct view *v, size_t i)
{
	struct err e;

	err_clear(&e);
	if (list_finish(&v->list, v->list.rows[i].key, &e) != 0) {
		app_error(a, "%s", e.msg);
		return;
	}
	if (view_lineage_sel(v) != i)
		app_message(a, "the filter /%s hides it: Esc clears the filter", v->list.filter);
}

static void view_lineage_set_open(struct app *a, struct view *v, size_t i, int open)
{
	struct view_lineage *p = v->priv;
	struct lin_tree *t = &p->t[p->cur];
	struct err e;

	err_clear(&e);
	t->rows[i].expanded = open;
	if (lin_node_cell(t, &v->list, i, &e) != 0)
		app_error(a, "%s", e.msg);
}

static void view_lineage_refilter(struct app *a, struct view *v)
{
	struct view_lineage *p = v->priv;
	char keep[256];
	struct err e;

	err_clear(&e);
	list_selected_key(&v->list, keep, sizeof keep);
	lin_apply(&p->t[p->cur], &v->list);
	if (list_finish(&v->list, keep, &e) != 0)
		app_error(a, "%s", e.msg);
}

/* A reference's node where it is expanded: every branch above it opened. */
static void view_lineage_goto_home(struct app *a, struct view *v, size_t i)
{
	struct view_lineage *p = v->priv;
	struct lin_tree *t = &p->t[p->cur];
	size_t h = t->home[t->rows[i].node], up;

	if (h == LIN_NONE)
		return;
	for (up = t->rows[h].up; up > 0; up = t->rows[up - 1].up)
		if (!t->rows[up - 1].expanded)
			view_lineage_set_open(a, v, up - 1, 1);
	lin_apply(t, &v->list);
	view_lineage_select(a, v, h);
}

/* t: the other direction, on the same node when it is there too. */
static void view_lineage_toggle(struct app *a, struct view *v)
{
	struct view_lineage *p = v->priv;
	char keep[256], filter[LIST_FILTER_MAX];
	struct list tmp;
	struct err e;

	err_clear(&e);
	list_selected_key(&v->list, keep, sizeof keep);
	/* A reference's key names its parent too: look for the node itself. */
	keep[strcspn(keep, "<")] = '\0';
	snprintf(filter, sizeof filter, "%s", v->list.filter);
	tmp = v->list;
	v->list = p->other;
	p->other = tmp;
	p->cur = !p->cur;
	snprintf(v->list.filter, sizeof v->list.filter, "%s", filter);
	v->list.sel = v->list.top = 0;
	if (list_finish(&v->list, keep, &e) != 0)
		app_error(a, "%s", e.msg);
	else
		app_message(a, "%s", p->cur == 0 ? "upstream: what it was made from" : "downstream: what was made from it");
}

static void view_lineage_expand(struct app *a, struct view *v, size_t i, int all)
{
	struct view_lineage *p = v->priv;
	struct lin_tree *t = &p->t[p->cur];
	const struct lin_row *r = &t->rows[i];
	char name[256];
	size_t j;

	if (r->ref) {
		view_lineage_goto_home(a, v, i);
		return;
	}
	if (r->kids == 0) {
		lin_node_name(view_lineage_node(v, i), name, sizeof name);
		app_message(a, "%s has nothing %s of it here", name, p->cur == 0 ? "upstream" : "downstream");
		return;
	}
	if (all) {
		for (j = i; j < r->end; j++)
			if (!t->rows[j].ref && t->rows[j].kids > 0 && !t->rows[j].expanded)
				view_lineage_set_open(a, v, j, 1);
	} else if (r->expanded) {
		/* Already open: Right steps in, as tree views do. */
		view_lineage_select(a, v, i + 1);
		return;
	} else {
		view_lineage_set_open(a, v, i, 1);
	}
	view_lineage_refilter(a, v);
}

static void view_lineage_collapse(struct app *a, struct view *v, size_t i)
{
	struct view_lineage *p = v->priv;
	struct lin_tree *t = &p->t[p->cur];

	if (!t->rows[i].ref && t->rows[i].kids > 0 && t->rows[i].expanded) {
		view_lineage_set_open(a, v, i, 0);
		view_lineage_refilter(a, v);
	} else if (t->rows[i].up > 0) {
		/* Closed or a leaf: Left goes up to the node it hangs under. */
		view_lineage_select(a, v, t->rows[i].up - 1);
	}
}

static int view_lineage_key(struct app *a, struct view *v, const struct action *act)
{
	size_t i = view_lineage_sel(v);

	switch (act->id) {
	case ACT_LINEAGE_DIR:
		view_lineage_toggle(a, v);
		return 1;
	case ACT_TREE_EXPAND:
	case ACT_TREE_EXPAND_ALL:
		if (i != LIN_NONE)
			view_lineage_expand(a, v, i, act->id == ACT_TREE_EXPAND_ALL);
		return 1;
	case ACT_TREE_COLLAPSE:
		if (i != LIN_NONE)
			view_lineage_collapse(a, v, i);
		return 1;
	default:
		return 0;
	}
}

/* Enter: a version's screen, a dataset's consumers; on a run, it opens or closes. */
static int view_lineage_enter(struct app *a, struct view *v, struct err *e)
{
	struct view_lineage *p = v->priv;
	size_t i = view_lineage_sel(v);
	const struct lineage_node *n;
	struct view_arg arg = {0};

	if (i == LIN_NONE)
		return 0;
	n = view_lineage_node(v, i);
	switch (n->kind) {
	case LINEAGE_MODEL: {
		const struct view *below = a->depth >= 2 ? a->stack[a->depth - 2] : NULL;

		if (registry_version_parse(n->version, &arg.version, e) != 0)
			return -1;
		arg.model = n->name;
		/* Opened from that version's screen: back to it rather than another copy. */
		if (below != NULL && below->ops == &view_version_ops && below->arg.model != NULL &&
		    strcmp(below->arg.model, n->name) == 0 && below->arg.version == arg.version) {
			app_pop(a);
			return 0;
		}
		app_push(a, &view_version_ops, &arg);
		return 0;
	}
	case LINEAGE_DATASET:
		if (p->ds != NULL && strcmp(p->ns, n->ns) == 0 && strcmp(p->ds, n->name) == 0) {
			app_message(a, "this is the lineage of %s/%s: t shows the other direction", n->ns, n->name);
			return 0;
		}
		arg.ns = n->ns;
		arg.dataset = n->name;
		app_goto(a, &view_lineage_ops, &arg);
		return 0;
	case LINEAGE_RUN:
		if (p->t[p->cur].rows[i].ref)
			view_lineage_goto_home(a, v, i);
		else if (p->t[p->cur].rows[i].expanded)
			view_lineage_collapse(a, v, i);
		else
			view_lineage_expand(a, v, i, 0);
		return 0;
	}
	return 0;
}

static void view_lineage_root(const struct view_lineage *p, char *buf, size_t n)
{
	if (p->model != NULL)
		snprintf(buf, n, "%s v%" PRId64, p->model, p->version);
	else
		snprintf(buf, n, "dataset %s/%s", p->ns, p->ds);
}

/* The selected node in full, which the columns cut: its whole name,
 * digest or run id, and where it came from. */
static void view_lineage_detail(const struct view *v, char *buf, size_t n)
{
	size_t i = view_lineage_sel(v);
	const struct lineage_node *d;

	buf[0] = '\0';
	if (i == LIN_NONE)
		return;
	d = view_lineage_node(v, i);
	switch (d->kind) {
	case LINEAGE_DATASET: {
		/* A version that is the digest is said once. */
		int plain = d->version[0] != '\0' && strcmp(d->version, d->digest) != 0;

		snprintf(buf, n, "dataset %s/%s  %s%s%s%s%s%s", d->ns, d->name, plain ? "version " : "", plain ? d->version : "",
			 plain ? "  " : "", d->digest[0] ? d->digest : "no digest", d->source[0] ? "  from " : "", d->source);
		break;
	}
	case LINEAGE_RUN:
		snprintf(buf, n, "run %s of %s/%s  %s%s%s", d->version, d->ns, d->name, d->state,
			 d->source[0] ? "  MLflow run " : "", d->source);
		break;
	case LINEAGE_MODEL:
		snprintf(buf, n, "model %s v%s  %s%s%s", d->name, d->version, d->digest[0] ? d->digest : "no digest",
			 d->state[0] ? "  " : "", d->state);
		break;
	}
}

static void view_lineage_draw(struct app *a, struct view *v, int y, int x, int h, int w)
{
	struct view_lineage *p = v->priv;
	const struct lin_tree *t = &p->t[p->cur];
	char line[1200], root[1100];
	int used, style = DRAW_DIM;

	(void)a;
	if (h < 6) {
		list_draw(&v->list, y, x, h, w);
		return;
	}
	view_lineage_root(p, root, sizeof root);
	snprintf(line, sizeof line, "%s of %s", p->cur == 0 ? "upstream" : "downstream", root);
	used = draw_text(y, x + 1, w - 1, draw_attr(DRAW_HEADING, 0), line);
	snprintf(line, sizeof line, "%zu node%s%s", t->nhome, t->nhome == 1 ? "" : "s",
		 t->nrows > t->nhome ? ", some shown twice" : "");
	used += 2 + draw_text(y, x + 3 + used, w - 3 - used, draw_attr(DRAW_DIM, 0), line);
	if (t->g.truncated || t->refs_left_out > 0) {
		if (t->g.truncated)
			snprintf(line, sizeof line, "truncated at %d nodes", LINEAGE_NODES_MAX);
		else
			snprintf(line, sizeof line, "truncated: %zu references left out", t->refs_left_out);
		draw_text(y, x + 5 + used, w - 5 - used, draw_attr(DRAW_WARN, 0), line);
	}
	/* What the rows add up to, and what the markers mean. */
	if (p->model != NULL && p->cur == 0 && p->have_st) {
		style = !p->st.has ? DRAW_DIM : p->st.complete ? DRAW_OK : DRAW_WARN;
		snprintf(line, sizeof line, "%s", !p->st.has ? "no lineage recorded: `steward lineage import` adds OpenLineage events"
						   : p->st.complete ? "complete" : "incomplete");
		if (p->st.has && p->st.why[0] != '\0')
			snprintf(line + strlen(line), sizeof line - strlen(line), ": %s", p->st.why);
	} else if (p->model != NULL && p->cur == 0) {
		style = DRAW_ERROR;
		snprintf(line, sizeof line, "completeness unknown: %s", p->st_err);
	} else if (p->model != NULL) {
		snprintf(line, sizeof line, "%s", t->nrows > 1 ? "what was made from it"
							  : "nothing downstream: lineage ends at a model version (t: upstream)");
	} else {
		snprintf(line, sizeof line, "%s", p->cur == 1 ? "every version of the dataset and what was made from it"
							 : "every version of the dataset and what made it");
	}
	used = draw_text(y + 1, x + 1, w - 1, draw_attr(style, 0), line);
	snprintf(line, sizeof line, "! no digest  ~ unfinished  x failed  %s elsewhere", draw_glyphs()->ref);
	if (w - 4 - used >= draw_width(line))
		draw_text(y + 1, x + w - draw_width(line) - 1, draw_width(line), draw_attr(DRAW_DIM, 0), line);
	list_draw(&v->list, y + 2, x, h - 3, w);
	view_lineage_detail(v, line, sizeof line);
	draw_text(y + h - 1, x + 1, w - 1, draw_attr(DRAW_DIM, 0), line);
}

static int view_lineage_offers(const struct app *a, const struct view *v, const struct action *act)
{
	const struct view_lineage *p = v->priv;
	size_t i = view_lineage_sel(v);
	const struct lin_row *r = i != LIN_NONE ? &p->t[p->cur].rows[i] : NULL;

	(void)a;
	switch (act->id) {
	case ACT_LINEAGE_DIR:
		return 1;
	case ACT_TREE_EXPAND:
		return r != NULL && (r->ref || (r->kids > 0 && !r->expanded));
	case ACT_TREE_COLLAPSE:
		return r != NULL && ((!r->ref && r->kids > 0 && r->expanded) || r->up > 0);
	case ACT_TREE_EXPAND_ALL:
		return r != NULL && !r->ref && r->kids > 0;
	case ACT_LINEAGE:
		return r != NULL && i > 0 && view_lineage_node(v, i)->kind == LINEAGE_MODEL;
	default:
		return 0;
	}
}

static void view_lineage_title(struct view *v, char *buf, size_t n)
{
	struct view_lineage *p = v->priv;

	if (p->model != NULL)
		snprintf(buf, n, "lineage v%" PRId64, p->version);
	else
		snprintf(buf, n, "lineage %.40s", p->ds);
}

/* :audit from here: the version's entries. */
static void view_lineage_scope(const struct view *v, struct view_arg *arg)
{
	const struct view_lineage *p = v->priv;

	if (p->model == NULL)
		return;
	arg->model = p->model;
	arg->version = p->version;
}

/* The selected model version, else the version the tree is of: l and c act on it. */
static int view_lineage_subject(const struct view *v, const char **model, int64_t *version)
{
	const struct view_lineage *p = v->priv;
	size_t i = view_lineage_sel(v);
	struct err e;

	if (i != LIN_NONE && view_lineage_node(v, i)->kind == LINEAGE_MODEL &&
	    registry_version_parse(view_lineage_node(v, i)->version, version, &e) == 0) {
		*model = view_lineage_node(v, i)->name;
		return 0;
	}
	if (p->model == NULL)
		return -1;
	*model = p->model;
	*version = p->version;
	return 0;
}

const struct view_ops view_lineage_ops = {
	.name = "lineage",
	.open = view_lineage_open,
	.close = view_lineage_close,
	.refresh = view_lineage_load,
	.draw = view_lineage_draw,
	.key = view_lineage_key,
	.enter = view_lineage_enter,
	.title = view_lineage_title,
	.offers = view_lineage_offers,
	.scope = view_lineage_scope,
	.subject = view_lineage_subject,
};

/* The model l and :lineage mean where no version is: the one selected in
 * the models list, else the one the view is about. */
static int view_lineage_model(const struct view *v, char *buf, size_t n)
{
	struct view_arg scope = {0};
	const struct list_row *r;

	buf[0] = '\0';
	if (v == NULL)
		return -1;
	if (v->ops == &view_models_ops) {
		r = list_selected(&v->list);
		if (r == NULL || r->key == NULL)
			return -1;
		snprintf(buf, n, "%s", r->key);
		return 0;
	}
	if (v->ops->scope == NULL)
		return -1;
	v->ops->scope(v, &scope);
	if (scope.model == NULL || scope.model[0] == '\0')
		return -1;
	snprintf(buf, n, "%s", scope.model);
	return 0;
}

int view_lineage_start(struct app *a, const char *arg)
{
	struct view *v = app_top(a);
	struct view_arg va = {0};
	const char *subject = NULL;
	char model[256];
	struct reg_model m = {0};
	struct err e;

	err_clear(&e);
	while (arg != NULL && *arg == ' ')
		arg++;
	model[0] = '\0';
	if (v != NULL && v->ops->subject != NULL && v->ops->subject(v, &subject, &va.version) == 0)
		snprintf(model, sizeof model, "%s", subject);
	else
		va.version = 0;
	if (model[0] == '\0' && view_lineage_model(v, model, sizeof model) != 0) {
		app_error(a, "no version here: select a model in :models (l shows its production version's lineage) "
			     "or open a version and press l");
		return -1;
	}
	if (arg != NULL && arg[0] != '\0') {
		/* :lineage VERSION: that version of the model at hand. */
		if (compare_parse_version(a->st, model, arg, &va.version, &e) != 0) {
			app_error(a, "%s", e.msg);
			return -1;
		}
	} else if (va.version == 0) {
		if (registry_model_get(a->st, model, &m, &e) != 0) {
			app_error(a, "%s", e.msg);
			return -1;
		}
		va.version = m.production;
		registry_model_clear(&m);
		if (va.version <= 0) {
			app_error(a, "%s has no production version: open one of its versions (Enter) and press l, "
				     "or :lineage VERSION", model);
			return -1;
		}
	}
	va.model = model;
	return app_goto(a, &view_lineage_ops, &va);
}
