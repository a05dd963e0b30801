/* list: rows of cells with a selection, scrolling and filtering, drawn in columns. */
#include "list.h"

#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

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
	return 0;
}

int list_match(const char *text, const char *filter)
{
	size_t i, j;

	if (filter[0] == '\0')
		return 1;
	if (text == NULL)
		return 0;
	for (i = 0; text[i] != '\0'; i++) {
		for (j = 0; filter[j] != '\0'; j++) {
			unsigned char a = (unsigned char)text[i + j], b = (unsigned char)filter[j];

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

int list_finish(struct list *l, const char *keep, struct err *e)
{
	size_t i;

	(void)e;
	l->nvis = 0;
	for (i = 0; i < l->n; i++)
		if (list_row_matches(l, &l->rows[i]))
			l->vis[l->nvis++] = i;
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
	return &l->rows[l->vis[l->sel]];
}

void list_selected_key(const struct list *l, char *buf, size_t n)
{
	const struct list_row *r = list_selected(l);

	snprintf(buf, n, "%s", r != NULL && r->key != NULL ? r->key : "");
}

void list_move(struct list *l, long delta)
{
	if (l->nvis == 0)
		return;
	if (delta < 0 && (size_t)(-delta) > l->sel)
		l->sel = 0;
	else if (delta > 0 && l->sel + (size_t)delta >= l->nvis)
		l->sel = l->nvis - 1;
	else
		l->sel = (size_t)((long)l->sel + delta);
}

void list_first(struct list *l)
{
	l->sel = 0;
	l->top = 0;
}

void list_last(struct list *l)
{
	if (l->nvis > 0)
		l->sel = l->nvis - 1;
}

void list_page(struct list *l, int down)
{
	long h = l->height > 1 ? l->height - 1 : 1;

	list_move(l, down ? h : -h);
	/* Move the window with the selection, as pagers do. */
	if (down)
		l->top += (size_t)h;
	else
		l->top = l->top > (size_t)h ? l->top - (size_t)h : 0;
}

int list_set_filter(struct list *l, const char *filter, struct err *e)
{
	char keep[256];

	list_selected_key(l, keep, sizeof keep);
	snprintf(l->filter, sizeof l->filter, "%s", filter);
	l->sel = 0;
	l->top = 0;
	return list_finish(l, keep, e);
}

/* Lays out the columns in w: fixed ones first, flexible ones share what
 * is left by weight. Columns past the right edge get clipped. */
static void list_layout(const struct list *l, int w, int *xs, int *ws)
{
	int fixed = 0, weights = 0, spare, x = 0;
	size_t i;

	for (i = 0; i < l->ncols; i++) {
		if (l->cols[i].width > 0)
			fixed += l->cols[i].width;
		else {
			fixed += l->cols[i].min;
			weights += l->cols[i].weight > 0 ? l->cols[i].weight : 1;
		}
	}
	fixed += l->ncols > 0 ? (int)l->ncols - 1 : 0;
	spare = w - fixed;
	if (spare < 0)
		spare = 0;
	for (i = 0; i < l->ncols; i++) {
		int cw = l->cols[i].width;

		if (cw <= 0) {
			int wt = l->cols[i].weight > 0 ? l->cols[i].weight : 1;

			cw = l->cols[i].min + (weights > 0 ? spare * wt / weights : 0);
		}
		xs[i] = x;
		ws[i] = cw;
		x += cw + 1;
	}
	/* Integer shares leave a few columns over; give them to the last flexible column. */
	if (x - 1 < w) {
		for (i = l->ncols; i-- > 0;)
			if (l->cols[i].width <= 0) {
				size_t k;
				int extra = w - (x - 1);

				ws[i] += extra;
				for (k = i + 1; k < l->ncols; k++)
					xs[k] += extra;
				break;
			}
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
	list_layout(l, w, xs, ws);
	if (l->show_header) {
		draw_fill(y, x, w, draw_attr(DRAW_TITLE, 0));
		for (i = 0; i < l->ncols; i++) {
			int cw = ws[i];

			if (xs[i] >= w)
				break;
			if (xs[i] + cw > w)
				cw = w - xs[i];
			if (l->cols[i].right)
				draw_text_right(y, x + xs[i], cw, draw_attr(DRAW_TITLE, 0),
						l->cols[i].title);
			else
				draw_text(y, x + xs[i], cw, draw_attr(DRAW_TITLE, 0),
					  l->cols[i].title);
		}
		y++;
		h--;
	}
	if (h <= 0)
		return;
	l->height = h;
	if (l->nvis == 0) {
		char msg[LIST_FILTER_MAX + 64];

		if (l->filter[0] != '\0')
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
	for (row = 0; row < h && l->top + (size_t)row < l->nvis; row++) {
		size_t vi = l->top + (size_t)row;
		int selected = vi == l->sel;

		if (selected)
			draw_fill(y + row, x, w, draw_attr(DRAW_NORMAL, 1));
		list_draw_cells(l, &l->rows[l->vis[vi]], y + row, x, w, xs, ws, selected);
	}
}
