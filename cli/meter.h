/* meter: the progress line long commands draw on stderr (done/total, rate, time left), only on a terminal. */
#ifndef STEWARD_METER_H
#define STEWARD_METER_H

#include <stdint.h>
#include <time.h>

#include "progress.h"

struct meter {
	const char *unit; /* "rows", "entries" */
	struct timespec start, last;
	int on;    /* stderr is a terminal and --quiet was not given */
	int shown; /* a line is on the screen, to clear at the end */
};

/* Starts the clock. The meter draws nothing when quiet or when stderr is
 * not a terminal, so a pipe or a log file never gets progress bytes. */
void meter_start(struct meter *m, const char *unit, int quiet);

/* The sink to hand to core: fn is NULL when the meter is off, so core
 * skips even the call. */
struct progress meter_progress(struct meter *m);

/* Clears the line, if one was drawn, so what follows starts clean. */
void meter_end(struct meter *m);

#endif
