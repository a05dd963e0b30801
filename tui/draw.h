/* draw: styles, colours, glyphs and width-aware text drawing that never overflows its box. */
#ifndef STEWARD_TUI_DRAW_H
#define STEWARD_TUI_DRAW_H

#include <stddef.h>

#include "registry.h"

/* Semantic styles; draw_init maps them to colours, or to plain
 * attributes only when colour is off (NO_COLOR, or a mono terminal). */
enum draw_style {
	DRAW_NORMAL = 0,
	DRAW_BAR,       /* header and status bars */
	DRAW_TITLE,     /* column headings */
	DRAW_HEADING,   /* card section headings */
	DRAW_SELECTED,  /* the selected row */
	DRAW_WARN,      /* missing card sections */
	DRAW_ERROR,     /* error messages */
	DRAW_DIM,       /* secondary text */
	DRAW_ALIAS,     /* production / staging markers */
	DRAW_TIER_LOW,
	DRAW_TIER_MEDIUM,
	DRAW_TIER_HIGH,
	DRAW_TIER_CRITICAL,
	DRAW_OK, /* what verified or counts */
	DRAW_NSTYLES,
};

/* Glyphs differ between UTF-8 terminals and the ASCII fallback. */
struct draw_glyphs {
	const char *ellipsis;
	const char *vline;
	const char *hline;
	const char *arrow; /* from -> to */
	const char *crumb; /* between the views of the breadcrumbs, spaces included */
	const char *up;    /* ascending sort */
	const char *down;  /* descending sort */
	const char *open;   /* an expanded branch of a tree */
	const char *closed; /* a collapsed one */
	const char *ref;    /* a node shown expanded elsewhere in the tree */
};

/* Decides colour (never when NO_COLOR is set and non-empty) and glyphs
 * (UTF-8 only when the locale's codeset is UTF-8). Call after the
 * curses screen exists. */
void draw_init(void);
int draw_utf8(void);
int draw_colour(void);
const struct draw_glyphs *draw_glyphs(void);
/* Curses attributes of a style; selected adds reverse video. */
unsigned draw_attr(enum draw_style s, int selected);
enum draw_style draw_tier_style(enum tier t);

/* Display width of UTF-8 text as draw_text would show it. */
int draw_width(const char *s);
/* Draws s at (y, x) in at most w columns of stdscr, cutting it with an
 * ellipsis when longer; control characters (newlines too) and bytes that
 * are not UTF-8 are shown escaped (\x1b, \u202e), characters the locale
 * cannot show as '?'. Returns the columns used. */
int draw_text(int y, int x, int w, unsigned attr, const char *s);
/* Like draw_text, right-aligned in w columns. */
int draw_text_right(int y, int x, int w, unsigned attr, const char *s);
/* Fills w columns at (y, x) with spaces in attr. */
void draw_fill(int y, int x, int w, unsigned attr);
/* Fills w columns with the horizontal line glyph. */
void draw_hline(int y, int x, int w, unsigned attr);

/* Splits text into lines of at most width columns (as draw_text will show
 * them, escapes included), breaking at spaces where it can and at newlines
 * always; calls fn for each line (which is not NUL-terminated). Returns -1
 * when fn does. */
int draw_wrap(const char *text, int width, int (*fn)(void *ctx, const char *s, size_t n),
	      void *ctx);

#endif
