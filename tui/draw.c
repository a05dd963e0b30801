/* draw: styles, colours, glyphs and width-aware text drawing for the console. */
#include "draw.h"

#include <curses.h>
#include <langinfo.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <wchar.h>

#include "check.h"

static int draw_has_colour;
static int draw_is_utf8;
static unsigned draw_attrs[DRAW_NSTYLES];

static const struct draw_glyphs draw_utf8_glyphs = {
	.ellipsis = "\xe2\x80\xa6",
	.vline = "\xe2\x94\x82",
	.hline = "\xe2\x94\x80",
	.arrow = "\xe2\x86\x92",
	.crumb = " \xe2\x80\xba ",
	.up = "\xe2\x96\xb2",
	.down = "\xe2\x96\xbc",
	.open = "\xe2\x96\xbe",
	.closed = "\xe2\x96\xb8",
	.ref = "\xe2\x86\xaa",
};
static const struct draw_glyphs draw_ascii_glyphs = {
	.ellipsis = "...",
	.vline = "|",
	.hline = "-",
	.arrow = "->",
	.crumb = " > ",
	.up = "^",
	.down = "v",
	.open = "-",
	.closed = "+",
	.ref = "=",
};

enum { DRAW_PAIR_BAR = 1, DRAW_PAIR_TITLE, DRAW_PAIR_HEADING, DRAW_PAIR_WARN, DRAW_PAIR_ERROR,
       DRAW_PAIR_ALIAS, DRAW_PAIR_LOW, DRAW_PAIR_MEDIUM, DRAW_PAIR_HIGH, DRAW_PAIR_CRITICAL };

void draw_init(void)
{
	const char *nc = getenv("NO_COLOR");
	const char *cs = nl_langinfo(CODESET);
	int i;

	draw_is_utf8 = cs != NULL && (strcasecmp(cs, "UTF-8") == 0 || strcasecmp(cs, "utf8") == 0);
	/* no-color.org: set and non-empty means no colour at all, so we never
	 * even start colour and no pair is ever defined. */
	draw_has_colour = !(nc != NULL && nc[0] != '\0') && has_colors();
	if (draw_has_colour && start_color() != OK)
		draw_has_colour = 0;
	for (i = 0; i < DRAW_NSTYLES; i++)
		draw_attrs[i] = A_NORMAL;
	if (draw_has_colour) {
		short bg = COLOR_BLACK;

		if (use_default_colors() == OK)
			bg = -1;
		init_pair(DRAW_PAIR_BAR, COLOR_WHITE, COLOR_BLUE);
		init_pair(DRAW_PAIR_TITLE, COLOR_CYAN, bg);
		init_pair(DRAW_PAIR_HEADING, COLOR_CYAN, bg);
		init_pair(DRAW_PAIR_WARN, COLOR_YELLOW, bg);
		init_pair(DRAW_PAIR_ERROR, COLOR_RED, bg);
		init_pair(DRAW_PAIR_ALIAS, COLOR_GREEN, bg);
		init_pair(DRAW_PAIR_LOW, COLOR_GREEN, bg);
		init_pair(DRAW_PAIR_MEDIUM, COLOR_CYAN, bg);
		init_pair(DRAW_PAIR_HIGH, COLOR_YELLOW, bg);
		init_pair(DRAW_PAIR_CRITICAL, COLOR_RED, bg);
		draw_attrs[DRAW_BAR] = COLOR_PAIR(DRAW_PAIR_BAR) | A_BOLD;
		draw_attrs[DRAW_TITLE] = COLOR_PAIR(DRAW_PAIR_TITLE) | A_BOLD;
		draw_attrs[DRAW_HEADING] = COLOR_PAIR(DRAW_PAIR_HEADING) | A_BOLD;
		draw_attrs[DRAW_WARN] = COLOR_PAIR(DRAW_PAIR_WARN) | A_BOLD;
		draw_attrs[DRAW_ERROR] = COLOR_PAIR(DRAW_PAIR_ERROR) | A_BOLD;
		draw_attrs[DRAW_ALIAS] = COLOR_PAIR(DRAW_PAIR_ALIAS) | A_BOLD;
		draw_attrs[DRAW_TIER_LOW] = COLOR_PAIR(DRAW_PAIR_LOW);
		draw_attrs[DRAW_TIER_MEDIUM] = COLOR_PAIR(DRAW_PAIR_MEDIUM);
		draw_attrs[DRAW_TIER_HIGH] = COLOR_PAIR(DRAW_PAIR_HIGH) | A_BOLD;
		draw_attrs[DRAW_TIER_CRITICAL] = COLOR_PAIR(DRAW_PAIR_CRITICAL) | A_BOLD;
		draw_attrs[DRAW_OK] = COLOR_PAIR(DRAW_PAIR_ALIAS);
	} else {
		draw_attrs[DRAW_BAR] = A_REVERSE;
		draw_attrs[DRAW_TITLE] = A_BOLD | A_UNDERLINE;
		draw_attrs[DRAW_HEADING] = A_BOLD;
		draw_attrs[DRAW_WARN] = A_BOLD;
		draw_attrs[DRAW_ERROR] = A_BOLD;
		draw_attrs[DRAW_ALIAS] = A_BOLD;
		draw_attrs[DRAW_TIER_HIGH] = A_BOLD;
		draw_attrs[DRAW_TIER_CRITICAL] = A_BOLD | A_UNDERLINE;
	}
	draw_attrs[DRAW_SELECTED] = A_REVERSE;
	draw_attrs[DRAW_DIM] = A_DIM;
}

int draw_utf8(void)
{
	return draw_is_utf8;
}

int draw_colour(void)
{
	return draw_has_colour;
}

const struct draw_glyphs *draw_glyphs(void)
{
	return draw_is_utf8 ? &draw_utf8_glyphs : &draw_ascii_glyphs;
}

unsigned draw_attr(enum draw_style s, int selected)
{
	unsigned a = (s >= 0 && s < DRAW_NSTYLES) ? draw_attrs[s] : (unsigned)A_NORMAL;

	return selected ? (a | (unsigned)A_REVERSE) : a;
}

enum draw_style draw_tier_style(enum tier t)
{
	switch (t) {
	case TIER_LOW: return DRAW_TIER_LOW;
	case TIER_MEDIUM: return DRAW_TIER_MEDIUM;
	case TIER_HIGH: return DRAW_TIER_HIGH;
	case TIER_CRITICAL: return DRAW_TIER_CRITICAL;
	}
	return DRAW_NORMAL;
}

/* One character as the screen shows it. */
struct draw_ch {
	wchar_t wc[8];
	int n;     /* wide characters in wc */
	int width; /* columns they take */
};

/* Decodes the next character of UTF-8 text as the screen will show it:
 * a control character (check_is_control), or a byte that is not UTF-8,
 * becomes its escape (\x1b, \u202e), so text from the store can neither
 * move the cursor nor reorder a line; what the locale cannot show
 * becomes '?', tabs become spaces. Returns the bytes consumed. */
static size_t draw_next(const char *p, size_t n, struct draw_ch *c)
{
	mbstate_t ms;
	uint32_t cp;
	size_t k;
	int w;

	c->n = 1;
	c->width = 1;
	if (*p == '\t') {
		c->wc[0] = L' ';
		return 1;
	}
	k = check_utf8_char(p, n, &cp);
	if (k == 0 || check_is_control(cp)) {
		char esc[8];
		int i;

		if (k == 0)
			snprintf(esc, sizeof esc, "\\x%02x", (unsigned char)*p);
		else
			snprintf(esc, sizeof esc, cp < 0x80 ? "\\x%02x" : "\\u%04x", (unsigned)cp);
		for (i = 0; esc[i] != '\0'; i++)
			c->wc[i] = (wchar_t)esc[i];
		c->n = c->width = i;
		return k == 0 ? 1 : k;
	}
	if (k > 1 && !draw_is_utf8) {
		c->wc[0] = L'?';
		return k;
	}
	memset(&ms, 0, sizeof ms);
	if (mbrtowc(&c->wc[0], p, k, &ms) != k) {
		c->wc[0] = L'?';
		return k;
	}
	w = wcwidth(c->wc[0]);
	if (w < 0) {
		c->wc[0] = L'?';
		w = 1;
	}
	c->width = w;
	return k;
}

int draw_width(const char *s)
{
	size_t n = strlen(s), i = 0;
	int total = 0;

	while (i < n) {
		struct draw_ch c;

		i += draw_next(s + i, n - i, &c);
		total += c.width;
	}
	return total;
}

static int draw_clip(int y, int x, int *w)
{
	if (y < 0 || y >= LINES || x < 0 || x >= COLS || *w <= 0)
		return -1;
	if (x + *w > COLS)
		*w = COLS - x;
	return 0;
}

/* Converts s into at most w columns of wide characters (with an
 * ellipsis when cut); returns the count, or -1 without memory. */
static int draw_prepare(const char *s, int w, wchar_t **out, int *used)
{
	size_t n = strlen(s), i = 0, k = 0;
	const char *ell = draw_glyphs()->ellipsis;
	int ellw = draw_is_utf8 ? 1 : 3, total, limit, col = 0;
	wchar_t *buf;

	total = draw_width(s);
	/* A byte becomes at most four wide characters (\xNN). */
	buf = malloc((4 * n + 4) * sizeof *buf);
	if (buf == NULL)
		return -1;
	limit = total <= w ? w : (w > ellw ? w - ellw : w);
	while (i < n) {
		struct draw_ch c;
		size_t b = draw_next(s + i, n - i, &c);

		if (col + c.width > limit)
			break;
		memcpy(buf + k, c.wc, (size_t)c.n * sizeof *buf);
		k += (size_t)c.n;
		col += c.width;
		i += b;
	}
	if (total > w && w > ellw) {
		if (draw_is_utf8) {
			buf[k++] = 0x2026;
			col += 1;
		} else {
			size_t j;

			for (j = 0; ell[j] != '\0'; j++)
				buf[k++] = (wchar_t)ell[j];
			col += 3;
		}
	}
	buf[k] = L'\0';
	*out = buf;
	*used = col;
	return (int)k;
}

int draw_text(int y, int x, int w, unsigned attr, const char *s)
{
	wchar_t *buf = NULL;
	int k, used;

	if (s == NULL || draw_clip(y, x, &w) != 0)
		return 0;
	k = draw_prepare(s, w, &buf, &used);
	if (k < 0) {
		free(buf); /* NULL: it fails only before allocating, which the analyser cannot see through the int */
		return 0;
	}
	attrset((int)attr);
	if (k > 0)
		mvaddnwstr(y, x, buf, k);
	attrset(A_NORMAL);
	free(buf);
	return used;
}

int draw_text_right(int y, int x, int w, unsigned attr, const char *s)
{
	int tw;

	if (s == NULL || draw_clip(y, x, &w) != 0)
		return 0;
	tw = draw_width(s);
	if (tw < w)
		return draw_text(y, x + (w - tw), tw, attr, s);
	return draw_text(y, x, w, attr, s);
}

void draw_fill(int y, int x, int w, unsigned attr)
{
	int i;

	if (draw_clip(y, x, &w) != 0)
		return;
	attrset((int)attr);
	move(y, x);
	for (i = 0; i < w; i++)
		addch(' ');
	attrset(A_NORMAL);
}

void draw_hline(int y, int x, int w, unsigned attr)
{
	int i;

	if (draw_clip(y, x, &w) != 0)
		return;
	attrset((int)attr);
	for (i = 0; i < w; i++) {
		if (draw_is_utf8) {
			wchar_t line[2] = {0x2500, L'\0'};

			mvaddnwstr(y, x + i, line, 1);
		} else {
			mvaddch(y, x + i, '-');
		}
	}
	attrset(A_NORMAL);
}

int draw_wrap(const char *text, int width, int (*fn)(void *ctx, const char *s, size_t n),
	      void *ctx)
{
	size_t n = strlen(text), i = 0, start = 0, brk = 0;
	int col = 0, brkcol = 0, have_brk = 0;

	if (width < 1)
		width = 1;
	while (i < n) {
		struct draw_ch c;
		int cw;
		size_t b;

		if (text[i] == '\n') {
			if (fn(ctx, text + start, i - start) != 0)
				return -1;
			i++;
			start = i;
			col = 0;
			have_brk = 0;
			continue;
		}
		b = draw_next(text + i, n - i, &c);
		cw = c.width;
		if (col + cw > width && i > start) {
			if (have_brk) {
				if (fn(ctx, text + start, brk - start) != 0)
					return -1;
				start = brk + 1;
				col -= brkcol + 1;
			} else {
				if (fn(ctx, text + start, i - start) != 0)
					return -1;
				start = i;
				col = 0;
			}
			have_brk = 0;
			continue;
		}
		if (text[i] == ' ') {
			brk = i;
			brkcol = col;
			have_brk = 1;
		}
		col += cw;
		i += b;
	}
	if (i > start)
		return fn(ctx, text + start, i - start);
	return 0;
}
