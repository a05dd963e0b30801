/* sync: runs configured plugins' syncs in the background for the console, and says how each is doing. */
#include "sync.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "plugin.h"

struct tui_sync_inst {
	struct plugin_instance *in;
	struct plugin_bg *bg;
	time_t due;
	char state[16]; /* pending, syncing, ok, degraded */
	char last[16];  /* the last sync's outcome (ok, degraded), "" before the first */
	char msg[512];
};

struct tui_sync {
	struct plugin_config pc;
	struct tui_sync_inst v[PLUGIN_MAX_INSTANCES];
	size_t n;
	char db[4096];
};

struct tui_sync *tui_sync_start(const char *db_path, const char *config_path, struct err *e)
{
	struct tui_sync *s = calloc(1, sizeof *s);
	size_t i;

	if (s == NULL) {
		err_set(e, ERR_IO, "out of memory");
		return NULL;
	}
	snprintf(s->db, sizeof s->db, "%s", db_path);
	if (plugin_config_load(config_path, 0, &s->pc, e) != 0) {
		free(s);
		return NULL;
	}
	for (i = 0; i < s->pc.ninst; i++) {
		s->v[i].in = &s->pc.inst[i];
		s->v[i].due = 0; /* at once: the first poll comes after the first paint */
		snprintf(s->v[i].state, sizeof s->v[i].state, "pending");
	}
	s->n = s->pc.ninst;
	return s;
}

int tui_sync_poll(struct tui_sync *s)
{
	time_t now = time(NULL);
	int changed = 0;
	size_t i;

	if (s == NULL)
		return 0;
	for (i = 0; i < s->n; i++) {
		struct tui_sync_inst *t = &s->v[i];
		struct err e;

		err_clear(&e);
		if (t->bg != NULL) {
			struct plugin_sync_result r;

			if (!plugin_sync_done(t->bg))
				continue;
			if (plugin_sync_finish(t->bg, &r, &e) == 0) {
				snprintf(t->state, sizeof t->state, "ok");
				t->msg[0] = '\0';
			} else {
				snprintf(t->state, sizeof t->state, "degraded");
				snprintf(t->msg, sizeof t->msg, "%s", e.msg);
			}
			snprintf(t->last, sizeof t->last, "%s", t->state);
			t->bg = NULL;
			t->due = now + t->in->interval;
			changed = 1;
			continue;
		}
		if (now < t->due)
			continue;
		/* Opening only creates the instance (no network): cheap enough here. */
		if (plugin_open(t->in, &s->pc, &e) != 0 ||
		    (t->bg = plugin_sync_start(s->db, t->in, NULL, NULL, NULL, &e)) == NULL) {
			snprintf(t->state, sizeof t->state, "degraded");
			snprintf(t->last, sizeof t->last, "degraded");
			snprintf(t->msg, sizeof t->msg, "%s", e.msg);
			t->due = now + t->in->interval;
			changed = 1;
			continue;
		}
		snprintf(t->state, sizeof t->state, "syncing");
	}
	return changed;
}

void tui_sync_text(const struct tui_sync *s, char *buf, size_t n, int *bad)
{
	size_t used = 0, i;

	buf[0] = '\0';
	*bad = 0;
	if (s == NULL)
		return;
	for (i = 0; i < s->n; i++) {
		const struct tui_sync_inst *t = &s->v[i];
		/* A sync in flight does not hide how the last one went: a
		 * degraded backend stays degraded until one succeeds. */
		int again = strcmp(t->state, "syncing") == 0 && t->last[0] != '\0';
		int w = snprintf(buf + used, n - used, "%s%s %s%s", used ? ", " : "", t->in->name, again ? t->last : t->state,
				 again ? ", syncing" : "");

		if (w < 0 || (size_t)w >= n - used)
			break;
		used += (size_t)w;
		if (strcmp(t->state, "degraded") == 0 || (again && strcmp(t->last, "degraded") == 0))
			*bad = 1;
	}
}

int tui_sync_configured(const struct tui_sync *s, const char *name)
{
	size_t i;

	if (s == NULL)
		return 0;
	for (i = 0; i < s->n; i++)
		if (strcmp(s->v[i].in->name, name) == 0)
			return 1;
	return 0;
}

size_t tui_sync_sources(const struct tui_sync *s, int alerts, const char **names, size_t max)
{
	size_t i, n = 0;

	if (s == NULL)
		return 0;
	for (i = 0; i < s->n; i++) {
		const struct plugin_instance *in = s->v[i].in;
		unsigned caps = in->p != NULL ? in->p->caps : 0;
		int has_alerts = strcmp(in->type, "alertmanager") == 0 || (caps & STEWARD_CAP_ALERTS);
		int has_series = strcmp(in->type, "prometheus") == 0 ||
				 ((caps & STEWARD_CAP_METRICS) && !(caps & STEWARD_CAP_REGISTRY));

		if (!has_alerts && (alerts || !has_series))
			continue;
		if (n < max)
			names[n] = in->name;
		n++;
	}
	return n;
}

/* Syncs stuck in a plugin at exit: kept reachable, never freed (see tui_sync_stop). */
static struct tui_sync *tui_sync_abandoned;

static int tui_sync_before(const struct timespec *deadline)
{
	struct timespec now;

	if (clock_gettime(CLOCK_MONOTONIC, &now) != 0)
		return 0;
	return now.tv_sec < deadline->tv_sec || (now.tv_sec == deadline->tv_sec && now.tv_nsec < deadline->tv_nsec);
}

void tui_sync_stop(struct tui_sync *s, const struct timespec *deadline)
{
	struct timespec tick = { 0, 10 * 1000 * 1000 };
	size_t i, stuck = 0;
	int running;

	if (s == NULL)
		return;
	/* Every worker is told first, so they wind down together. */
	for (i = 0; i < s->n; i++)
		if (s->v[i].bg != NULL)
			plugin_sync_cancel(s->v[i].bg);
	do {
		running = 0;
		for (i = 0; i < s->n; i++)
			if (s->v[i].bg != NULL && !plugin_sync_done(s->v[i].bg))
				running = 1;
	} while (running && tui_sync_before(deadline) && nanosleep(&tick, NULL) == 0);
	for (i = 0; i < s->n; i++) {
		struct err e;

		if (s->v[i].bg == NULL)
			continue;
		if (!plugin_sync_done(s->v[i].bg)) {
			plugin_sync_abandon(s->v[i].bg);
			stuck++;
			continue;
		}
		(void)plugin_sync_finish(s->v[i].bg, NULL, &e);
		s->v[i].bg = NULL;
	}
	if (stuck > 0) {
		/* A plugin deaf to cancellation must not hold the console open,
		 * and joining it could wait for ever. Its worker runs on inside
		 * the plugin with this configuration, the instance's state and
		 * the store path: freeing any of it (or closing the instance)
		 * would pull them from under it. So all of it stays allocated
		 * and reachable until the process ends, which is what stops the
		 * worker; its transaction was never committed, so SQLite drops
		 * whatever it had written. */
		tui_sync_abandoned = s;
		return;
	}
	plugin_config_free(&s->pc);
	free(s);
}
