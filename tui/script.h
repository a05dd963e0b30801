/* script: parses the headless mode's key scripts into a list of key and resize events. */
#ifndef STEWARD_TUI_SCRIPT_H
#define STEWARD_TUI_SCRIPT_H

#include <stddef.h>

#include "err.h"

/*
 * Script syntax (steward --script FILE):
 *   - characters are typed literally (UTF-8); newlines are ignored, so a
 *     script can be split over lines freely;
 *   - a line whose first character is '#' is a comment;
 *   - named keys are written in angle brackets, case-insensitively:
 *     <Enter> <Esc> <Up> <Down> <Left> <Right> <PgUp> <PgDn> <Home> <End>
 *     <Tab> <BS> <Del>, and <lt> types a literal '<';
 *   - <resize COLSxROWS> resizes the screen (both 1..1000);
 *   - <click COL,ROW> clicks mouse button 1 there (1-based, as the dump's
 *     lines are numbered); <WheelUp> and <WheelDown> turn the wheel;
 *   - <wait> waits for the act running on a worker to end (TKEY_WAIT);
 *   - any other <...> is an error naming the file and line.
 */

#define SCRIPT_MAX_BYTES (1024 * 1024)

struct script_ev {
	int key;        /* a keys.h key, or TKEY_RESIZE */
	int cols, rows; /* the new size for TKEY_RESIZE; the place (0-based) for TKEY_CLICK */
	int line;       /* where it came from, for messages */
};

struct script {
	struct script_ev *ev;
	size_t n, cap;
};

/* Parses text; fname is used in messages ("keys.txt:3: unknown key <Foo>"). */
int script_parse(const char *text, size_t len, const char *fname, struct script *out,
		 struct err *e);
/* Reads and parses a script file. */
int script_load(const char *path, struct script *out, struct err *e);
void script_free(struct script *s);

#endif
