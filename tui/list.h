/* list: the reusable row/column widget with selection, scrolling and a case-insensitive filter. */
#ifndef STEWARD_TUI_LIST_H
#define STEWARD_TUI_LIST_H

#include <stddef.h>

#include "err.h"

#define LIST_MAX_COLS 8
#define LIST_FILTER_MAX 128

struct list_col {
	const char *title;
	int width;  /* fixed width; 0 makes the column flexible */
	int min;    /* flexible: narrowest it gets before the line is clipped */
	int weight; /* flexible: its share of the spare columns */
	int right;  /* right-aligned, for numbers */
};

enum list_row_flags {
	LIST_SPAN = 1 << 0,   /* the first cell spans the whole line (text, headings) */
	LIST_HIDDEN = 1 << 1, /* in a collapsed branch of a tree: shown only while a filter matches it or a row under it */
};

struct list_cell {
	char *text;
	int style; /* enum draw_style */
	int width; /* display width of text, measured once when set */
	/* Sorted by num instead of its text when set (list_set_num): a cell
	 * such as a sparkline and "212ms" does not sort as a number. */
	int has_num;
	double num;
};

struct list_row {
	struct list_cell cells[LIST_MAX_COLS];
	char *key; /* identifies the row across refreshes, so the selection stays put */
	int flags;
	/* In a tree (list.tree): the index + 1 of the row this one hangs
	 * under, 0 at the top. A filter shows the rows above each match too,
	 * so a match keeps its path. */
	size_t up;
};

struct list;

/* Where a large list's rows come from (the ledger, say): the list keeps
 * only a window of them and asks for the rows next to the ones it holds,
 * so a million rows cost what twenty do. Keys identify rows; positions
 * count matching rows from the first. The filter is the list's own
 * (l->filter), applied by the source. Each adds rows with list_add. */
struct list_source_ops {
	/* Rows matching the filter (match NULL: not wanted), and all rows. */
	int (*count)(struct list *l, size_t *match, size_t *all, struct err *e);
	/* Up to n rows following the row with key, in order; key NULL: from the first. */
	int (*after)(struct list *l, const char *key, size_t n, struct err *e);
	/* Up to n rows preceding the row with key, nearest first; key NULL: from the last. */
	int (*before)(struct list *l, const char *key, size_t n, struct err *e);
	/* The position of the row with key; *found 0 when it does not match. */
	int (*seek)(struct list *l, const char *key, size_t *pos, int *found, struct err *e);
	/* Optional: starts applying l->filter away from the input thread (a
	 * filter can scan the whole source) and returns; the rows come later
	 * through list_source_filtered. Without it a filter loads here. */
	int (*refilter)(struct list *l, struct err *e);
	/* Optional: fetches the window a move needs away from the input
	 * thread while a filter is applied (matches far apart make it a scan)
	 * and returns; the list shows it is searching, ignores moves, and the
	 * rows come later through list_adopt. Typically runs list_window on a
	 * list_snapshot of l. */
	int (*defer)(struct list *l, struct err *e);
	/* Optional, with defer: forgets the search it started. */
	void (*cancel)(struct list *l);
};

struct list {
	const struct list_col *cols;
	size_t ncols;
	int show_header;
	const char *empty; /* shown when there are no rows */
	struct list_row *rows;
	size_t n, cap;
	size_t *vis; /* indices of the rows that pass the filter */
	size_t nvis;
	size_t sel; /* index into vis */
	size_t top; /* first shown, index into vis */
	int height; /* data rows shown by the last draw; paging uses it */
	char filter[LIST_FILTER_MAX];
	/* Widest cell of each column (its title included), from list_finish:
	 * columns are sized to what they hold, not to a guess. */
	int natural[LIST_MAX_COLS];
	int widths_stale; /* rows changed since natural was measured */
	size_t spans;     /* LIST_SPAN rows: a list with text rows is not a table to sort */
	int sort_col;     /* column the rows are sorted by; -1 keeps the view's order */
	int sort_desc;
	int drawn_y;      /* screen row of the first data row at the last draw, for the mouse */
	int tree;         /* the rows are a tree (LIST_HIDDEN, up): kept in their order, never sorted */
	/* With a source, rows hold a window of the list from position win;
	 * nvis is the matching rows' count, sel and top are positions in it,
	 * and vis is unused. */
	const struct list_source_ops *src;
	void *src_ctx;
	size_t win;
	size_t all;         /* every row, filter or not */
	char src_err[512];  /* why the last fetch failed, shown in place of rows */
	int pending;        /* the filter's rows are awaited from refilter: shown as filtering */
	int searching;      /* the window for a move is awaited from defer: moves wait */
	int worker;         /* a snapshot worked on away from the console: never defers */
	size_t back_sel, back_top; /* where the move being searched for started */
};

void list_init(struct list *l, const struct list_col *cols, size_t ncols, int show_header,
	       const char *empty);
/* Makes the list a window onto src (see struct list_source_ops); its
 * rows are then loaded by list_finish. */
void list_source(struct list *l, const struct list_source_ops *src, void *ctx);
/* The filter's rows have come (after refilter): the caller added the
 * first window of them with list_add; match counts them all and all
 * every row. err, when not NULL, says why there are none. Selects the
 * first match. */
void list_source_filtered(struct list *l, size_t match, size_t all, const char *err);
/* A copy of l's position, filter, counts and window keys (no cells)
 * with the same source ops, for a worker to move or reload on its own
 * connection: it sets out->src_ctx, then calls list_window or
 * list_finish. out is list_free'd by whoever ends with it. */
int list_snapshot(const struct list *l, struct list *out, struct err *e);
/* Copies src's rows (cells, keys, flags) into dst, an empty list set up
 * with the same columns; neither may have a source. Filter, sort and
 * selection are dst's own, so it is a list opened anew on what src read.
 * On failure dst is left empty and e says why. */
int list_copy(struct list *dst, const struct list *src, struct err *e);
/* Fetches the window that the selection and top need (what a draw
 * would); -1 with the reason in e when the source failed. */
int list_window(struct list *l, struct err *e);
/* Takes a snapshot's window, counts and position into l (which keeps
 * its columns and filter) and ends any search; from is left empty. */
void list_adopt(struct list *l, struct list *from);
/* Gives up the search for a move (Esc): back where the move started. */
void list_search_cancel(struct list *l);
/* Every row the list stands for, filtered or not. */
size_t list_total(const struct list *l);
/* Drops the rows, keeping columns, filter and selection index. */
void list_clear(struct list *l);
void list_free(struct list *l);

/* Appends a row; key may be NULL. Fill its cells with list_set. */
struct list_row *list_add(struct list *l, const char *key, int flags, struct err *e);
int list_set(struct list_row *r, size_t col, int style, struct err *e, const char *fmt, ...)
	__attribute__((format(printf, 5, 6)));
/* Gives a cell the number it sorts by (after list_set, which clears it). */
void list_set_num(struct list_row *r, size_t col, double num);
/* Recomputes the visible rows after adding; selects the row whose key
 * is keep (when given and still there), else keeps the index in range.
 * With a source it counts and fetches the window around the selection. */
int list_finish(struct list *l, const char *keep, struct err *e);

/* The selected row, NULL when nothing is visible. */
const struct list_row *list_selected(const struct list *l);
/* Copies the selected row's key (for list_finish after a reload). */
void list_selected_key(const struct list *l, char *buf, size_t n);

void list_move(struct list *l, long delta);
void list_first(struct list *l);
void list_last(struct list *l);
void list_page(struct list *l, int down);

/* 1 when text contains the filter, ignoring ASCII case. */
int list_match(const char *text, const char *filter);
/* Applies a filter ("" shows everything). */
int list_set_filter(struct list *l, const char *filter, struct err *e);

/* 1 when the rows can be sorted by a column: a table with column titles
 * and more than one column, no text rows, not a tree. */
int list_sortable(const struct list *l);
/* Sorts by the next column (after the last, back to the view's own
 * order), or reverses the order; keeps the selected row selected. */
int list_sort_next(struct list *l, struct err *e);
int list_sort_reverse(struct list *l, struct err *e);
/* The row drawn at screen row y by the last draw: selects it and returns
 * 1, or 2 when it was already selected; 0 when no row is there. */
int list_click(struct list *l, int y);

/* Draws into the box at (y, x), h lines by w columns, never outside it. */
void list_draw(struct list *l, int y, int x, int h, int w);

#endif
