/* tui: the ncurses console: opens on the store, runs the input loop, and the headless script mode. */
#ifndef STEWARD_TUI_H
#define STEWARD_TUI_H

#include <stdio.h>

#include "err.h"

struct tui_opts {
	const char *db_path;  /* store to open (its own read connection) */
	const char *config_path; /* plugin configuration (NULL: no background syncs) */
	int readonly;         /* hide every action that writes: 1 for --readonly, 2 when this
			       * account may not write the store (an auditor's read access) */
	const char *script;   /* --script FILE: keys from FILE instead of the terminal */
	const char *dump;     /* --dump FILE: write the final screen to FILE */
	const char *dump_colours; /* --dump-colours FILE: each cell's colour as a letter */
	int cols, rows;       /* --size COLSxROWS for script mode; 0 = 80x24 */
	const char *key_path; /* --key FILE (else $STEWARD_KEY): who the console signs as */
	const char *timings;  /* --timings FILE (script mode): first paint, each key, peak RSS */
};

/* Runs the console until the user quits (or the script ends). Returns 0,
 * or -1 with e filled when the store or terminal cannot be used. */
int tui_run(const struct tui_opts *o, struct err *e);
/* Writes the man page's CONSOLE KEYS section from the console's key table. */
void tui_keys_roff(FILE *f);

#endif
