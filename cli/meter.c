/* meter: the progress line long commands draw on stderr (done/total, rate, time left), only on a terminal. */
#include "meter.h"

#include <stdio.h>
#include <unistd.h>

/* Redrawing more often only costs the terminal: ten times a second reads as live. */
#define METER_PERIOD 0.1

static double meter_secs(const struct timespec *a, const struct timespec *b)
{
	return (double)(b->tv_sec - a->tv_sec) + (double)(b->tv_nsec - a->tv_nsec) / 1e9;
}

void meter_start(struct meter *m, const char *unit, int quiet)
{
	m->unit = unit;
	m->on = !quiet && isatty(STDERR_FILENO);
	m->shown = 0;
	clock_gettime(CLOCK_MONOTONIC, &m->start);
	m->last = m->start;
}

static void meter_left(char *buf, size_t n, double secs)
{
	long s = (long)(secs + 0.5);

	if (s >= 3600)
		snprintf(buf, n, "%ldh%02ldm", s / 3600, s % 3600 / 60);
	else if (s >= 60)
		snprintf(buf, n, "%ldm%02lds", s / 60, s % 60);
	else
		snprintf(buf, n, "%lds", s);
}

static void meter_draw(void *arg, const char *what, int64_t done, int64_t total)
{
	struct meter *m = arg;
	struct timespec now;
	double t, rate;
	char left[32];

	clock_gettime(CLOCK_MONOTONIC, &now);
	/* The last unit is always drawn, so a short job still ends on its total. */
	if (m->shown && meter_secs(&m->last, &now) < METER_PERIOD && (total <= 0 || done < total))
		return;
	m->last = now;
	m->shown = 1;
	t = meter_secs(&m->start, &now);
	rate = t > 0 ? (double)done / t : 0.0;
	if (total > 0 && done < total && rate > 0)
		meter_left(left, sizeof left, (double)(total - done) / rate);
	else
		snprintf(left, sizeof left, total > 0 && done >= total ? "0s" : "?");
	if (total > 0)
		fprintf(stderr, "\r\033[K%s: %lld/%lld %s (%.0f %s/s, %s left)", what, (long long)done,
			(long long)total, m->unit, rate, m->unit, left);
	else
		fprintf(stderr, "\r\033[K%s: %lld %s (%.0f %s/s)", what, (long long)done, m->unit, rate, m->unit);
	fflush(stderr);
}

struct progress meter_progress(struct meter *m)
{
	struct progress p = { .fn = m->on ? meter_draw : NULL, .arg = m };

	return p;
}

void meter_end(struct meter *m)
{
	if (m->shown) {
		fprintf(stderr, "\r\033[K");
		fflush(stderr);
	}
	m->shown = 0;
}
