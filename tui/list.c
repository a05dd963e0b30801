/* list: rows of cells with a selection, scrolling and filtering, drawn in columns. */
#include "list.h"

#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "draw.h"

void list_init(struct list *l, const struct list_col *cols, size_t ncols, int show_header,
	       const char *empty)
{
	memset(l, 0, sizeof *l);
	l->cols = cols;
	l->ncols = ncols > LIST_MAX_COLS ? LIST_MAX_COLS : ncols;
	l->show_header = show_header;
	l->empty = empty;
	l->height = 10;
	l->sort_col = -1;
	l->widths_stale = 1;
}

void list_clear(struct list *l)
{
	size_t i, j;

	for (i = 0; i < l->n; i++) {
		for (j = 0; j < LIST_MAX_COLS; j++)
			free(l->rows[i].cells[j].text);
		free(l->rows[i].key);
	}
	l->n = 0;
	l->nvis = 0;
	l->spans = 0;
	l->widths_stale = 1;
}

void list_free(struct list *l)
{
	list_clear(l);
	free(l->rows);
	free(l->vis);
	l->rows = NULL;
	l->vis = NULL;
	l->cap = 0;
}

struct list_row *list_add(struct list *l, const char *key, int flags, struct err *e)
{
	struct list_row *r;

	if (l->n == l->cap) {
		size_t cap = l->cap ? l->cap * 2 : 32;
		struct list_row *rows = realloc(l->rows, cap * sizeof *rows);
		size_t *vis;

		if (rows == NULL) {
			err_set(e, ERR_IO, "out of memory");
			return NULL;
		}
		l->rows = rows;
		vis = realloc(l->vis, cap * sizeof *vis);
		if (vis == NULL) {
			err_set(e, ERR_IO, "out of memory");
			return NULL;
		}
		l->vis = vis;
		l->cap = cap;
	}
	r = &l->rows[l->n];
	memset(r, 0, sizeof *r);
	r->flags = flags;
	if (flags & LIST_SPAN)
		l->spans++;
	l->widths_stale = 1;
	if (key != NULL) {
		r->key = strdup(key);
		if (r->key == NULL) {
			err_set(e, ERR_IO, "out of memory");
			return NULL;
		}
	}
	l->n++;
	return r;
}

/* Display width of a cell; plain ASCII (nearly every cell) without the
 * escape-aware walk, since every row is measured. */
static int list_cell_width(const char *s)
{
	size_t i;

	for (i = 0; s[i] != '\0'; i++)
		if ((unsigned char)s[i] < 0x20 || (unsigned char)s[i] >= 0x7f)
			return draw_width(s);
	return (int)i;
}

int list_set(struct list_row *r, size_t col, int style, struct err *e, const char *fmt, ...)
{
	va_list ap;
	int len;
	char *s;

	if (col >= LIST_MAX_COLS)
		return err_set(e, ERR_INVALID, "list column %zu out of range", col);
	va_start(ap, fmt);
	len = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (len < 0)
		return err_set(e, ERR_INVALID, "cannot format a list cell");
	s = malloc((size_t)len + 1);
	if (s == NULL)
		return err_set(e, ERR_IO, "out of memory");
	va_start(ap, fmt);
	vsnprintf(s, (size_t)len + 1, fmt, ap);
	va_end(ap);
	free(r->cells[col].text);
	r->cells[col].text = s;
	r->cells[col].style = style;
	r->cells[col].width = list_cell_width(s);
	r->cells[col].has_num = 0;
	return 0;
}

void list_set_num(struct list_row *r, size_t col, double num)
{
	if (col >= LIST_MAX_COLS)
		return;
	r->cells[col].has_num = 1;
	r->cells[col].num = num;
}

int list_match(const char *text, const char *filter)
{
	char lo, up;
	size_t j;

	if (filter[0] == '\0')
		return 1;
	if (text == NULL)
		return 0;
	/* Every row is matched on every key typed: look for the first
	 * character, either case, before comparing the rest. */
	lo = (char)tolower((unsigned char)filter[0]);
	up = (char)toupper((unsigned char)filter[0]);
	for (; *text != '\0'; text++) {
		if (*text != lo && *text != up)
			continue;
		for (j = 1; filter[j] != '\0'; j++) {
			unsigned char a = (unsigned char)text[j], b = (unsigned char)filter[j];

			if (a == '\0' || tolower(a) != tolower(b))
				break;
		}
		if (filter[j] == '\0')
			return 1;
	}
	return 0;
}

static int list_row_matches(const struct list *l, const struct list_row *r)
{
	size_t j;

	for (j = 0; j < LIST_MAX_COLS; j++)
		if (r->cells[j].text != NULL && list_match(r->cells[j].text, l->filter))
			return 1;
	return l->filter[0] == '\0';
}

static int list_title_width(const struct list *l, size_t c)
{
	/* The sorted column's title carries an arrow. */
	return draw_width(l->cols[c].title) + ((int)c == l->sort_col);
}

static void list_measure(struct list *l)
{
	size_t i, c;

	for (c = 0; c < l->ncols; c++)
		l->natural[c] = l->show_header ? list_title_width(l, c) : 0;
	for (i = 0; i < l->n; i++) {
		const struct list_row *r = &l->rows[i];

		if (r->flags & LIST_SPAN)
			continue;
		for (c = 0; c < l->ncols; c++) {
			int w;

			if (r->cells[c].text == NULL)
				continue;
			/* Measured when set: a sort re-measures a thousand rows per key. */
			w = r->cells[c].width;
			if (w > l->natural[c])
				l->natural[c] = w;
		}
	}
	l->widths_stale = 0;
}

int list_sortable(const struct list *l)
{
	/* A source's order is its own: sorting a window would sort twenty rows of a million. */
	return l->src == NULL && l->show_header && l->ncols > 1 && l->spans == 0 && !l->tree;
}

/* Leading number of a cell ("#12", "v3", "0.93", "2/3"), for sorting numbers as numbers. */
static int list_number(const char *s, double *out)
{
	char *end;

	if (s == NULL)
		return 0;
	if ((s[0] == '#' || s[0] == 'v') && s[1] >= '0' && s[1] <= '9')
		s++;
	if (!((s[0] >= '0' && s[0] <= '9') || (s[0] == '-' && s[1] >= '0' && s[1] <= '9')))
		return 0;
	*out = strtod(s, &end);
	return end != s;
}

/* qsort has no context argument in C11; sorting happens on the console's thread only. */
static const struct list *list_sorting;

static int list_compare(const void *pa, const void *pb)
{
	const struct list *l = list_sorting;
	size_t ia = *(const size_t *)pa, ib = *(const size_t *)pb;
	const struct list_cell *ca = &l->rows[ia].cells[l->sort_col], *cb = &l->rows[ib].cells[l->sort_col];
	const char *a = ca->text, *b = cb->text;
	double na, nb;
	int c = 0;

	if (ca->has_num && cb->has_num)
		c = ca->num < cb->num ? -1 : ca->num > cb->num;
	else if (list_number(a, &na) && list_number(b, &nb))
		c = na < nb ? -1 : na > nb;
	if (c == 0)
		c = strcasecmp(a != NULL ? a : "", b != NULL ? b : "");
	if (c != 0)
		return l->sort_desc ? -c : c;
	/* Ties keep the view's own order, whichever way the column is sorted. */
	return ia < ib ? -1 : ia > ib;
}

static void list_clamp(struct list *l)
{
	if (l->nvis == 0) {
		l->sel = l->top = 0;
		return;
	}
	if (l->sel >= l->nvis)
		l->sel = l->nvis - 1;
	if (l->top > l->sel)
		l->top = l->sel;
}

/* A tree's rows under a filter: each match and the rows above it,
 * collapsed or not. The marks are bytes of their own: the rows are large
 * and a pass over them per key typed is what costs. */
static int list_tree_filter(struct list *l, struct err *e)
{
	unsigned char *shown = calloc(l->n ? l->n : 1, 1);
	size_t i, j;

	if (shown == NULL)
		return err_set(e, ERR_IO, "out of memory");
	for (i = 0; i < l->n; i++) {
		if (!list_row_matches(l, &l->rows[i]))
			continue;
		/* Up to the first row already shown: the rest of the path is too. */
		for (j = i + 1; j > 0 && j <= l->n && !shown[j - 1]; j = l->rows[j - 1].up)
			shown[j - 1] = 1;
	}
	for (i = 0; i < l->n; i++)
		if (shown[i])
			l->vis[l->nvis++] = i;
	free(shown);
	return 0;
}

void list_source(struct list *l, const struct list_source_ops *src, void *ctx)
{
	l->src = src;
	l->src_ctx = ctx;
	l->win = 0;
}

void list_source_filtered(struct list *l, size_t match, size_t all, const char *err)
{
	l->pending = 0;
	l->all = all;
	l->win = 0;
	l->sel = 0;
	l->top = 0;
	snprintf(l->src_err, sizeof l->src_err, "%s", err != NULL ? err : "");
	if (err != NULL)
		list_clear(l);
	l->nvis = err != NULL ? 0 : match;
	list_clamp(l);
}

size_t list_total(const struct list *l)
{
	return l->src != NULL ? l->all : l->n;
}

/* The row at visible position vi: with a source, NULL outside the window. */
static struct list_row *list_row_at(const struct list *l, size_t vi)
{
	if (l->src == NULL)
		return vi < l->nvis ? &l->rows[l->vis[vi]] : NULL;
	if (vi < l->win || vi - l->win >= l->n)
		return NULL;
	return &l->rows[vi - l->win];
}

/* Replaces the window with the rows after (or before) the row with key. */
static int list_fetch(struct list *l, int before, const char *key, size_t n)
{
	char anchor[256];
	size_t nvis = l->nvis, i;
	struct err e;
	int rc;

	snprintf(anchor, sizeof anchor, "%s", key != NULL ? key : "");
	err_clear(&e);
	list_clear(l);
	l->nvis = nvis;
	rc = before ? l->src->before(l, key != NULL ? anchor : NULL, n, &e)
		    : l->src->after(l, key != NULL ? anchor : NULL, n, &e);
	if (rc != 0) {
		snprintf(l->src_err, sizeof l->src_err, "%s", e.msg);
		return -1;
	}
	l->src_err[0] = '\0';
	/* Nearest first from the source: into the list's order. */
	for (i = 0; before && i < l->n / 2; i++) {
		struct list_row t = l->rows[i];

		l->rows[i] = l->rows[l->n - 1 - i];
		l->rows[l->n - 1 - i] = t;
	}
	return 0;
}

/* Fetches the window so that it holds the rows shown (top on) and the
 * selection, stepping by keyset from the rows it has: paging is one
 * indexed read of a window, never a count of what lies before it. */
static void list_sync(struct list *l)
{
	size_t h = l->height > 0 ? (size_t)l->height : 1, w = 2 * h + 32, lo, hi, steps;

	if (l->src == NULL)
		return;
	if (l->nvis == 0) {
		list_clear(l);
		l->win = 0;
		return;
	}
	lo = l->top < l->sel ? l->top : l->sel;
	hi = l->top + h > l->sel + 1 ? l->top + h : l->sel + 1;
	if (hi > l->nvis)
		hi = l->nvis;
	if (lo >= hi)
		lo = hi - 1;
	/* A far jump with neither end near walks a window at a time; the
	 * bound only stops a store that changed under us from looping. */
	for (steps = l->nvis / w + 4; steps > 0; steps--) {
		size_t win = l->win, n = l->n;
		int rc;

		if (n > 0 && lo >= win && hi <= win + n)
			return;
		/* A filter's next matches can lie anywhere past the window: the
		 * scan for them goes to the source's worker, once. */
		if (l->searching)
			return;
		if (l->src->defer != NULL && !l->worker && l->filter[0] != '\0') {
			struct err e;

			err_clear(&e);
			l->searching = 1;
			if (l->src->defer(l, &e) != 0) {
				l->searching = 0;
				snprintf(l->src_err, sizeof l->src_err, "%s", e.msg);
			}
			return;
		}
		if (lo == 0 || l->nvis <= w) {
			rc = list_fetch(l, 0, NULL, w);
			l->win = 0;
		} else if (hi >= l->nvis) {
			rc = list_fetch(l, 1, NULL, w);
			l->win = l->nvis > l->n ? l->nvis - l->n : 0;
		} else if (n > 0 && lo > win && lo - 1 < win + n) {
			rc = list_fetch(l, 0, l->rows[lo - 1 - win].key, w);
			l->win = lo;
		} else if (n > 0 && hi >= win && hi < win + n) {
			rc = list_fetch(l, 1, l->rows[hi - win].key, w);
			l->win = hi > l->n ? hi - l->n : 0;
		} else if (n > 0 && lo >= win + n) {
			rc = list_fetch(l, 0, l->rows[n - 1].key, w);
			l->win = win + n;
		} else if (n > 0 && hi < win) {
			rc = list_fetch(l, 1, l->rows[0].key, w);
			l->win = win > l->n ? win - l->n : 0;
		} else {
			rc = list_fetch(l, 0, NULL, w);
			l->win = 0;
		}
		if (rc != 0 || l->n == 0)
			return;
	}
}

int list_snapshot(const struct list *l, struct list *out, struct err *e)
{
	size_t i;

	list_init(out, l->cols, l->ncols, l->show_header, l->empty);
	snprintf(out->filter, sizeof out->filter, "%s", l->filter);
	out->height = l->height;
	out->src = l->src;
	out->worker = 1;
	out->sel = l->sel;
	out->top = l->top;
	out->win = l->win;
	out->all = l->all;
	/* Only the keys: list_sync steps by them, and the rows it fetches
	 * replace them. */
	for (i = 0; i < l->n; i++)
		if (list_add(out, l->rows[i].key, 0, e) == NULL) {
			list_free(out);
			return -1;
		}
	out->nvis = l->nvis;
	return 0;
}

int list_copy(struct list *dst, const struct list *src, struct err *e)
{
	size_t i, j;

	if (dst->src != NULL || src->src != NULL || dst->n != 0)
		return err_set(e, ERR_INVALID, "a list with a source is not copied");
	for (i = 0; i < src->n; i++) {
		const struct list_row *from = &src->rows[i];
		struct list_row *r = list_add(dst, from->key, from->flags, e);

		if (r == NULL)
			goto fail;
		r->up = from->up;
		for (j = 0; j < LIST_MAX_COLS; j++) {
			if (from->cells[j].text == NULL)
				continue;
			r->cells[j] = from->cells[j];
			r->cells[j].text = strdup(from->cells[j].text);
			if (r->cells[j].text == NULL) {
				err_set(e, ERR_IO, "out of memory");
				goto fail;
			}
		}
	}
	return 0;
fail:
	list_clear(dst);
	return -1;
}

int list_window(struct list *l, struct err *e)
{
	l->src_err[0] = '\0';
	list_sync(l);
	if (l->src_err[0] != '\0')
		return err_set(e, ERR_IO, "%s", l->src_err);
	return 0;
}

void list_adopt(struct list *l, struct list *from)
{
	list_free(l);
	l->rows = from->rows;
	l->vis = from->vis;
	l->n = from->n;
	l->cap = from->cap;
	l->spans = from->spans;
	l->nvis = from->nvis;
	l->all = from->all;
	l->win = from->win;
	l->sel = from->sel;
	l->top = from->top;
	l->widths_stale = 1;
	l->pending = 0;
	l->searching = 0;
	snprintf(l->src_err, sizeof l->src_err, "%s", from->src_err);
	from->rows = NULL;
	from->vis = NULL;
	from->n = from->cap = from->nvis = 0;
	list_clamp(l);
}

void list_search_cancel(struct list *l)
{
	if (!l->searching)
		return;
	if (l->src->cancel != NULL)
		l->src->cancel(l);
	l->searching = 0;
	l->sel = l->back_sel;
	l->top = l->back_top;
}

/* Where a move starts, for Esc to go back to while it is searched for. */
static int list_moving(struct list *l)
{
	if (l->searching)
		return 0;
	l->back_sel = l->sel;
	l->back_top = l->top;
	return 1;
}

/* Counts, finds keep and fetches the window around it. */
static int list_source_reload(struct list *l, const char *keep, struct err *e)
{
	size_t match = 0, all = 0, pos = 0, off = l->sel >= l->top ? l->sel - l->top : 0;
	size_t w = 2 * (size_t)(l->height > 0 ? l->height : 1) + 32;
	int found = 0, short_top = 0;

	if (keep != NULL && keep[0] != '\0' && l->src->seek(l, keep, &pos, &found, e) != 0)
		return -1;
	/* From the top, a window that comes back short holds every match:
	 * its size is the count, and the source's scan to count them (the
	 * whole scope, for a filter that matches little) is saved. */
	if (!found && l->sel == 0 && l->top == 0) {
		l->src_err[0] = '\0';
		if (list_fetch(l, 0, NULL, w) != 0)
			return err_set(e, ERR_IO, "%s", l->src_err);
		short_top = l->n < w;
	}
	if (l->src->count(l, short_top ? NULL : &match, &all, e) != 0)
		return -1;
	if (short_top)
		match = l->n;
	else
		list_clear(l);
	l->win = 0;
	l->nvis = match;
	l->all = all;
	if (found) {
		l->sel = pos;
		l->top = pos > off ? pos - off : 0;
	}
	list_clamp(l);
	list_sync(l);
	if (l->src_err[0] != '\0')
		return err_set(e, ERR_IO, "%s", l->src_err);
	return 0;
}

/* All or nothing: a reload the store cannot answer (a PostgreSQL server
 * gone) leaves the rows, counts and position that were shown. */
static int list_source_load(struct list *l, const char *keep, struct err *e)
{
	struct list was = *l;

	l->rows = NULL;
	l->vis = NULL;
	l->n = l->cap = l->spans = 0;
	if (list_source_reload(l, keep, e) == 0) {
		list_free(&was);
		return 0;
	}
	list_free(l);
	*l = was;
	return -1;
}

int list_finish(struct list *l, const char *keep, struct err *e)
{
	size_t i;

	if (l->src != NULL)
		return list_source_load(l, keep, e);
	if (l->widths_stale)
		list_measure(l);
	l->nvis = 0;
	if (l->tree && l->filter[0] != '\0') {
		if (list_tree_filter(l, e) != 0)
			return -1;
	} else
		for (i = 0; i < l->n; i++)
			if (!(l->rows[i].flags & LIST_HIDDEN) && list_row_matches(l, &l->rows[i]))
				l->vis[l->nvis++] = i;
	if (l->sort_col >= 0 && (size_t)l->sort_col < l->ncols && list_sortable(l) && l->nvis > 1) {
		list_sorting = l;
		qsort(l->vis, l->nvis, sizeof *l->vis, list_compare);
		list_sorting = NULL;
	}
	if (keep != NULL && keep[0] != '\0') {
		for (i = 0; i < l->nvis; i++) {
			const char *k = l->rows[l->vis[i]].key;

			if (k != NULL && strcmp(k, keep) == 0) {
				l->sel = i;
				break;
			}
		}
	}
	list_clamp(l);
	return 0;
}

const struct list_row *list_selected(const struct list *l)
{
	if (l->nvis == 0 || l->sel >= l->nvis)
		return NULL;
	return list_row_at(l, l->sel);
}

void list_selected_key(const struct list *l, char *buf, size_t n)
{
	const struct list_row *r = list_selected(l);

	snprintf(buf, n, "%s", r != NULL && r->key != NULL ? r->key : "");
}

/* With a source: places top as list_draw will, so the window fetched now
 * is the one drawn, then fetches it. */
static void list_scroll(struct list *l)
{
	size_t h = l->height > 0 ? (size_t)l->height : 1;

	if (l->src == NULL || l->nvis == 0)
		return;
	list_clamp(l);
	if (l->sel >= l->top + h)
		l->top = l->sel - h + 1;
	if (l->top > 0 && l->nvis - l->top < h)
		l->top = l->nvis > h ? l->nvis - h : 0;
	if (l->top > l->sel)
		l->top = l->sel;
	list_sync(l);
}

void list_move(struct list *l, long delta)
{
	if (l->nvis == 0 || !list_moving(l))
		return;
	if (delta < 0 && (size_t)(-delta) > l->sel)
		l->sel = 0;
	else if (delta > 0 && l->sel + (size_t)delta >= l->nvis)
		l->sel = l->nvis - 1;
	else
		l->sel = (size_t)((long)l->sel + delta);
	list_scroll(l);
}

void list_first(struct list *l)
{
	if (!list_moving(l))
		return;
	l->sel = 0;
	l->top = 0;
	list_sync(l);
}

void list_last(struct list *l)
{
	if (!list_moving(l))
		return;
	if (l->nvis > 0)
		l->sel = l->nvis - 1;
	list_scroll(l);
}

void list_page(struct list *l, int down)
{
	long h = l->height > 1 ? l->height - 1 : 1;

	if (l->nvis == 0 || !list_moving(l))
		return;
	list_move(l, down ? h : -h);
	/* Move the window with the selection, as pagers do. */
	if (down)
		l->top += (size_t)h;
	else
		l->top = l->top > (size_t)h ? l->top - (size_t)h : 0;
	list_scroll(l);
}

int list_set_filter(struct list *l, const char *filter, struct err *e)
{
	char keep[256];

	/* A source would count the rows before the kept one on every key
	 * typed, a scan of its own: its filter starts at the first match. */
	if (l->src != NULL)
		keep[0] = '\0';
	else
		list_selected_key(l, keep, sizeof keep);
	snprintf(l->filter, sizeof l->filter, "%s", filter);
	l->sel = 0;
	l->top = 0;
	/* A search for the old filter's rows is superseded by this one. */
	l->searching = 0;
	if (l->src != NULL && l->src->refilter != NULL) {
		/* Until the rows come, nothing is shown but that they are coming. */
		list_clear(l);
		l->win = 0;
		l->src_err[0] = '\0';
		l->pending = 1;
		if (l->src->refilter(l, e) == 0)
			return 0;
		l->pending = 0;
		return -1;
	}
	if (list_finish(l, keep, e) == 0)
		return 0;
	/* A failed load keeps the rows it had: not under a filter they were
	 * not chosen by. */
	if (l->src != NULL) {
		list_clear(l);
		l->win = 0;
		snprintf(l->src_err, sizeof l->src_err, "%s", e->msg);
	}
	return -1;
}

int list_sort_next(struct list *l, struct err *e)
{
	char keep[256];

	if (!list_sortable(l))
		return 0;
	list_selected_key(l, keep, sizeof keep);
	/* A column without a title (a marker gutter) is not one to sort by. */
	do
		l->sort_col = l->sort_col + 1 >= (int)l->ncols ? -1 : l->sort_col + 1;
	while (l->sort_col >= 0 && l->cols[l->sort_col].title[0] == '\0');
	l->sort_desc = 0;
	l->widths_stale = 1;
	return list_finish(l, keep, e);
}

int list_sort_reverse(struct list *l, struct err *e)
{
	char keep[256];

	if (!list_sortable(l))
		return 0;
	list_selected_key(l, keep, sizeof keep);
	if (l->sort_col < 0) {
		l->sort_col = 0;
		while (l->sort_col + 1 < (int)l->ncols && l->cols[l->sort_col].title[0] == '\0')
			l->sort_col++;
		l->widths_stale = 1;
	} else
		l->sort_desc = !l->sort_desc;
	return list_finish(l, keep, e);
}

int list_click(struct list *l, int y)
{
	size_t vi;

	if (y < l->drawn_y || y >= l->drawn_y + l->height || l->nvis == 0)
		return 0;
	vi = l->top + (size_t)(y - l->drawn_y);
	if (vi >= l->nvis)
		return 0;
	if (vi == l->sel)
		return 2;
	l->sel = vi;
	list_sync(l);
	return 1;
}

/* Lays out the columns in w, each as wide as what it holds: fixed
 * columns up to their width, the others whole. Spare room goes to the
 * widest text column; when the line is short, text columns give way,
 * widest for their weight first, down to their minimum; past that the
 * right edge clips. */
static void list_layout(struct list *l, int w, int *xs, int *ws)
{
	int total = 0, x = 0, widest = -1;
	size_t i;

	if (l->widths_stale)
		list_measure(l);
	for (i = 0; i < l->ncols; i++) {
		const struct list_col *c = &l->cols[i];
		int nat = l->natural[i] > 0 ? l->natural[i] : 1;

		/* A fixed column gives its title room, the sort arrow included. */
		int cap = c->width > list_title_width(l, i) ? c->width : list_title_width(l, i);

		ws[i] = c->width > 0 && nat > cap ? cap : nat;
		total += ws[i] + (i > 0);
		if (c->width <= 0 && (widest < 0 || ws[i] > ws[widest]))
			widest = (int)i;
	}
	/* In a page of text rows with a small table in it (a request's
	 * decisions), the table stays together and the slack goes last. */
	if (l->spans > 0)
		for (i = 0; i < l->ncols; i++)
			if (l->cols[i].width <= 0)
				widest = (int)i;
	if (total < w && widest >= 0)
		ws[widest] += w - total;
	/* One column at a time, the one widest for its weight: a name the
	 * view weighs heavily keeps its room longer than an owner. */
	while (total > w) {
		long best = -1;
		int big = -1;

		for (i = 0; i < l->ncols; i++) {
			const struct list_col *c = &l->cols[i];
			int floor = c->min < l->natural[i] ? c->min : l->natural[i];
			long score = (long)ws[i] * 64 / (c->weight > 0 ? c->weight : 1);

			if (c->width > 0 || ws[i] <= floor)
				continue;
			if (score > best) {
				best = score;
				big = (int)i;
			}
		}
		if (big < 0)
			break;
		ws[big]--;
		total--;
	}
	for (i = 0; i < l->ncols; i++) {
		xs[i] = x;
		x += ws[i] + 1;
	}
}

static void list_draw_cells(const struct list *l, const struct list_row *r, int y, int x, int w,
			    const int *xs, const int *ws, int selected)
{
	size_t i;

	if (r->flags & LIST_SPAN) {
		draw_text(y, x, w, draw_attr(r->cells[0].style, selected), r->cells[0].text);
		return;
	}
	for (i = 0; i < l->ncols; i++) {
		int cw = ws[i];
		const char *t = r->cells[i].text;
		unsigned a = draw_attr(r->cells[i].style, selected);

		if (xs[i] >= w)
			break;
		if (xs[i] + cw > w)
			cw = w - xs[i];
		if (t == NULL)
			continue;
		if (l->cols[i].right)
			draw_text_right(y, x + xs[i], cw, a, t);
		else
			draw_text(y, x + xs[i], cw, a, t);
	}
}

void list_draw(struct list *l, int y, int x, int h, int w)
{
	int xs[LIST_MAX_COLS], ws[LIST_MAX_COLS], row;
	size_t i;

	if (h <= 0 || w <= 0)
		return;
	/* The window first, so the columns are sized to the rows drawn. */
	if (l->src != NULL && h - (l->show_header != 0) > 0) {
		l->height = h - (l->show_header != 0);
		list_scroll(l);
	}
	list_layout(l, w, xs, ws);
	if (l->show_header) {
		draw_fill(y, x, w, draw_attr(DRAW_TITLE, 0));
		for (i = 0; i < l->ncols; i++) {
			int cw = ws[i];

			if (xs[i] >= w)
				break;
			char title[64];

			if (xs[i] + cw > w)
				cw = w - xs[i];
			snprintf(title, sizeof title, "%s%s", l->cols[i].title,
				 (int)i != l->sort_col ? ""
				 : l->sort_desc       ? draw_glyphs()->down
						      : draw_glyphs()->up);
			if (l->cols[i].right)
				draw_text_right(y, x + xs[i], cw, draw_attr(DRAW_TITLE, 0), title);
			else
				draw_text(y, x + xs[i], cw, draw_attr(DRAW_TITLE, 0), title);
		}
		y++;
		h--;
	}
	if (h <= 0)
		return;
	l->height = h;
	l->drawn_y = y;
	if (l->nvis == 0) {
		char msg[LIST_FILTER_MAX + 600];

		if (l->pending)
			snprintf(msg, sizeof msg, "filtering /%s%s", l->filter, draw_glyphs()->ellipsis);
		else if (l->src_err[0] != '\0')
			snprintf(msg, sizeof msg, "%s", l->src_err);
		else if (l->filter[0] != '\0')
			snprintf(msg, sizeof msg, "nothing matches /%s", l->filter);
		else
			snprintf(msg, sizeof msg, "%s", l->empty != NULL ? l->empty : "(empty)");
		draw_text(y, x + 1, w - 1, draw_attr(DRAW_DIM, 0), msg);
		return;
	}
	list_clamp(l);
	if (l->sel < l->top)
		l->top = l->sel;
	if (l->sel >= l->top + (size_t)h)
		l->top = l->sel - (size_t)h + 1;
	/* Keep the window full when the end of the list is in view. */
	if (l->top > 0 && l->nvis - l->top < (size_t)h)
		l->top = l->nvis > (size_t)h ? l->nvis - (size_t)h : 0;
	list_sync(l);
	for (row = 0; row < h && l->top + (size_t)row < l->nvis; row++) {
		size_t vi = l->top + (size_t)row;
		const struct list_row *r = list_row_at(l, vi);
		int selected = vi == l->sel;

		if (r == NULL && l->searching) {
			char msg[LIST_FILTER_MAX + 80];

			snprintf(msg, sizeof msg, "searching /%s%s (Esc stops)", l->filter,
				 draw_glyphs()->ellipsis);
			draw_text(y + row, x + 1, w - 1, draw_attr(DRAW_DIM, 0), msg);
			break;
		}
		if (r == NULL) {
			/* The source failed: say why where its rows would be. */
			draw_text(y + row, x + 1, w - 1, draw_attr(DRAW_ERROR, 0),
				  l->src_err[0] ? l->src_err : "(not loaded)");
			break;
		}
		if (selected)
			draw_fill(y + row, x, w, draw_attr(DRAW_NORMAL, 1));
		list_draw_cells(l, r, y + row, x, w, xs, ws, selected);
	}
}
