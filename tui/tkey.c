/* tkey: names of the console's keys and the translation from curses input. */
#include "tkey.h"

#include <curses.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <wctype.h>

static const struct {
	int key;
	const char *name;
} tkey_names[] = {
	{TKEY_UP, "Up"},       {TKEY_DOWN, "Down"}, {TKEY_LEFT, "Left"},
	{TKEY_RIGHT, "Right"}, {TKEY_PGUP, "PgUp"}, {TKEY_PGDN, "PgDn"},
	{TKEY_HOME, "Home"},   {TKEY_END, "End"},   {TKEY_ENTER, "Enter"},
	{TKEY_ESC, "Esc"},     {TKEY_TAB, "Tab"},   {TKEY_BS, "BS"},
	{TKEY_DEL, "Del"},     {TKEY_RESIZE, "Resize"},
	{TKEY_CLICK, "Click"}, {TKEY_WHEEL_UP, "WheelUp"}, {TKEY_WHEEL_DOWN, "WheelDown"},
};

static int tkey_mouse_y, tkey_mouse_x;

void tkey_mouse(int *y, int *x)
{
	*y = tkey_mouse_y;
	*x = tkey_mouse_x;
}

int tkey_is_mouse(int key)
{
	return key == TKEY_CLICK || key == TKEY_WHEEL_UP || key == TKEY_WHEEL_DOWN;
}

/* A mouse report as a key: button 1 is a click, buttons 4 and 5 the wheel. */
static int tkey_from_mouse(void)
{
	MEVENT ev;

	if (getmouse(&ev) != OK)
		return TKEY_NONE;
	tkey_mouse_y = ev.y;
	tkey_mouse_x = ev.x;
	if (ev.bstate & (BUTTON1_PRESSED | BUTTON1_CLICKED))
		return TKEY_CLICK;
	if (ev.bstate & BUTTON4_PRESSED)
		return TKEY_WHEEL_UP;
#ifdef BUTTON5_PRESSED
	if (ev.bstate & BUTTON5_PRESSED)
		return TKEY_WHEEL_DOWN;
#endif
	return TKEY_NONE;
}

#define TKEY_NNAMES (sizeof tkey_names / sizeof tkey_names[0])

const char *tkey_name(int key, char *buf, size_t n)
{
	size_t i;

	for (i = 0; i < TKEY_NNAMES; i++)
		if (tkey_names[i].key == key) {
			snprintf(buf, n, "%s", tkey_names[i].name);
			return buf;
		}
	if (key > 0 && key < 0x80) {
		snprintf(buf, n, "%c", key);
	} else if (key >= 0x80 && key < TKEY_NAMED) {
		snprintf(buf, n, "U+%04X", (unsigned)key);
	} else {
		snprintf(buf, n, "?");
	}
	return buf;
}

int tkey_by_name(const char *name, size_t len)
{
	size_t i;

	for (i = 0; i < TKEY_NNAMES; i++) {
		const char *k = tkey_names[i].name;

		/* A resize and a click are script events with a size or a place. */
		if (tkey_names[i].key == TKEY_RESIZE || tkey_names[i].key == TKEY_CLICK)
			continue;
		if (strlen(k) == len && strncasecmp(k, name, len) == 0)
			return tkey_names[i].key;
	}
	return TKEY_NONE;
}

int tkey_from_curses(int rc, wint_t ch)
{
	if (rc == KEY_CODE_YES) {
		switch (ch) {
		case KEY_UP: return TKEY_UP;
		case KEY_DOWN: return TKEY_DOWN;
		case KEY_LEFT: return TKEY_LEFT;
		case KEY_RIGHT: return TKEY_RIGHT;
		case KEY_PPAGE: return TKEY_PGUP;
		case KEY_NPAGE: return TKEY_PGDN;
		case KEY_HOME: return TKEY_HOME;
		case KEY_END: return TKEY_END;
		case KEY_ENTER: return TKEY_ENTER;
		case KEY_BACKSPACE: return TKEY_BS;
		case KEY_DC: return TKEY_DEL;
		case KEY_RESIZE: return TKEY_RESIZE;
		case KEY_MOUSE: return tkey_from_mouse();
		default: return TKEY_NONE;
		}
	}
	if (rc != OK)
		return TKEY_NONE;
	switch (ch) {
	case '\r':
	case '\n': return TKEY_ENTER;
	case 27: return TKEY_ESC;
	case '\t': return TKEY_TAB;
	case 8:
	case 127: return TKEY_BS;
	default: break;
	}
	if (ch < 0x20 || (ch >= 0x7f && ch < 0xa0) || ch >= TKEY_NAMED)
		return TKEY_NONE;
	return (int)ch;
}

int tkey_is_text(int key)
{
	return key >= 0x20 && key < TKEY_NAMED && key != 0x7f && !(key >= 0x80 && key < 0xa0);
}
