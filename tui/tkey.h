/* tkey: the console's key codes, their names (help, man page, scripts) and the curses translation. */
#ifndef STEWARD_TUI_TKEY_H
#define STEWARD_TUI_TKEY_H

#include <stddef.h>
#include <wchar.h>

/* A key is a Unicode code point, or one of these named keys above the
 * Unicode range, so curses' KEY_* codes (which overlap Latin-1 letters
 * as wide characters) never mix with typed text. */
enum tkey_code {
	TKEY_NONE = 0,
	TKEY_NAMED = 0x110000,
	TKEY_UP = TKEY_NAMED,
	TKEY_DOWN,
	TKEY_LEFT,
	TKEY_RIGHT,
	TKEY_PGUP,
	TKEY_PGDN,
	TKEY_HOME,
	TKEY_END,
	TKEY_ENTER,
	TKEY_ESC,
	TKEY_TAB,
	TKEY_BS,
	TKEY_DEL,
	TKEY_RESIZE,
	TKEY_CLICK, /* mouse button 1 at the position tkey_mouse gives */
	TKEY_WHEEL_UP,
	TKEY_WHEEL_DOWN,
	TKEY_WAIT, /* script mode only: waits for the act in flight, as a user watching it would */
	TKEY_NAMED_END,
};

/* Name of a key as written in help, the man page and scripts ("j",
 * "Down", "Enter"). Writes into buf (at least 8 bytes) and returns it. */
const char *tkey_name(int key, char *buf, size_t n);
/* Named key for a script token name ("Enter", "PgDn", case-insensitive);
 * TKEY_NONE when unknown. */
int tkey_by_name(const char *name, size_t len);
/* Turns a get_wch() result into a key; TKEY_NONE for keys we ignore. */
int tkey_from_curses(int rc, wint_t ch);
/* Where the last mouse event read by tkey_from_curses happened (0-based). */
void tkey_mouse(int *y, int *x);
/* 1 for the mouse's keys. */
int tkey_is_mouse(int key);
/* 1 when key is a printable character that can be typed into a line. */
int tkey_is_text(int key);

#endif
