/* view: helpers shared by the views, so dates, digests and text rows look the same everywhere. */
#include "view.h"

#include <stdio.h>
#include <string.h>
#include <time.h>

#include "app.h"
#include "check.h"
#include "draw.h"
#include "plugin.h"
#include "sync.h"

void view_date(int64_t t, char *buf, size_t n)
{
	time_t tt = (time_t)t;
	struct tm tm;

	if (t <= 0 || gmtime_r(&tt, &tm) == NULL || strftime(buf, n, "%Y-%m-%d", &tm) == 0)
		snprintf(buf, n, "-");
}

void view_short_digest(const char *digest, char *buf, size_t n)
{
	/* 8 hex digits are enough to tell versions apart on screen. */
	if (digest != NULL && strncmp(digest, "sha256:", 7) == 0)
		snprintf(buf, n, "sha256:%.8s", digest + 7);
	else
		snprintf(buf, n, "%.15s", digest != NULL ? digest : "");
}

int view_tier_style(const char *tier)
{
	enum tier t;
	struct err e;

	err_clear(&e);
	return registry_tier_parse(tier, &t, &e) == 0 ? (int)draw_tier_style(t) : DRAW_NORMAL;
}

void view_time(int64_t t, char *buf, size_t n)
{
	time_t tt = (time_t)t;
	struct tm tm;

	if (t <= 0 || gmtime_r(&tt, &tm) == NULL ||
	    strftime(buf, n, "%Y-%m-%dT%H:%M:%SZ", &tm) == 0)
		snprintf(buf, n, "-");
}

int view_line(struct list *l, int style, const char *text, struct err *e)
{
	struct list_row *r = list_add(l, NULL, LIST_SPAN, e);

	if (r == NULL)
		return -1;
	return list_set(r, 0, style, e, "%s", text);
}

struct view_wrap_ctx {
	struct list *l;
	int style, indent;
	struct err *e;
};

static int view_wrap_line(void *ctx, const char *s, size_t n)
{
	struct view_wrap_ctx *w = ctx;
	struct list_row *r = list_add(w->l, NULL, LIST_SPAN, w->e);

	if (r == NULL)
		return -1;
	return list_set(r, 0, w->style, w->e, "%*s%.*s", w->indent, "", (int)n, s);
}

int view_wrapped(struct list *l, int style, const char *text, int indent, int width,
		 struct err *e)
{
	struct view_wrap_ctx w = {l, style, indent, e};

	return draw_wrap(text, width - indent, view_wrap_line, &w);
}

void view_minute(int64_t t, char *buf, size_t n)
{
	time_t tt = (time_t)t;
	struct tm tm;

	if (t <= 0 || gmtime_r(&tt, &tm) == NULL || strftime(buf, n, "%Y-%m-%d %H:%M", &tm) == 0)
		snprintf(buf, n, "-");
}

void view_duration(int64_t s, char *buf, size_t n)
{
	check_duration_text(s, buf, n);
}

static int view_health_seen(const char *const *names, size_t n, const char *name)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (strcmp(names[i], name) == 0)
			return 1;
	return 0;
}

int view_health_load(struct app *a, int alerts, const char *const *extra, size_t nextra,
		     struct view_health *h, struct err *e)
{
	const char *names[PLUGIN_MAX_INSTANCES * 2];
	size_t n, i, nconf;
	char well[512], age[32];
	size_t used = 0;
	int64_t now = store_now();

	memset(h, 0, sizeof *h);
	well[0] = '\0';
	nconf = tui_sync_sources(a->syncs, alerts, names, PLUGIN_MAX_INSTANCES);
	if (nconf > PLUGIN_MAX_INSTANCES)
		nconf = PLUGIN_MAX_INSTANCES;
	n = nconf;
	for (i = 0; i < nextra && n < sizeof names / sizeof names[0]; i++)
		if (!view_health_seen(names, n, extra[i]))
			names[n++] = extra[i];
	for (i = 0; i < n; i++) {
		struct plugin_health ph;
		int w = 0;

		if (plugin_health_get(a->st, names[i], &ph, e) != 0)
			return -1;
		if (strcmp(ph.state, "degraded") == 0) {
			char *t;

			if (h->n >= VIEW_HEALTH_MAX - 1)
				continue;
			t = h->text[h->n];
			view_duration(now - ph.last_success, age, sizeof age);
			/* What the view shows meanwhile is what the plugin last brought. */
			if (ph.last_success > 0)
				snprintf(t, sizeof h->text[0], "%.64s degraded: %.300s; showing its data as of %s ago", ph.name,
					 ph.message[0] ? ph.message : "no reason given", age);
			else
				snprintf(t, sizeof h->text[0], "%.64s degraded: %.300s; showing what the store holds from before", ph.name,
					 ph.message[0] ? ph.message : "no reason given");
			h->style[h->n++] = DRAW_ERROR;
			continue;
		}
		if (strcmp(ph.state, "never") == 0) {
			/* A plugin the data names but this console does not run. */
			if (i >= nconf)
				continue;
			w = snprintf(well + used, sizeof well - used, "%s%s not synced yet", used ? ", " : "", ph.name);
		} else {
			view_duration(now - ph.last_success, age, sizeof age);
			w = snprintf(well + used, sizeof well - used, "%s%s %s, synced %s ago", used ? ", " : "", ph.name,
				     ph.state, age);
		}
		if (w > 0 && (size_t)w < sizeof well - used)
			used += (size_t)w;
	}
	if (used > 0) {
		snprintf(h->text[h->n], sizeof h->text[0], "%s", well);
		h->style[h->n++] = DRAW_DIM;
	}
	return 0;
}

struct view_health_wrap {
	int y, x, w, n, max, style;
};

static int view_health_line(void *ctx, const char *s, size_t n)
{
	struct view_health_wrap *hw = ctx;
	char buf[600];

	if (hw->n >= hw->max)
		return 0;
	snprintf(buf, sizeof buf, "%.*s", (int)n, s);
	draw_text(hw->y + hw->n++, hw->x + 1, hw->w - 1, draw_attr(hw->style, 0), buf);
	return 0;
}

int view_health_draw(const struct view_health *h, int y, int x, int w, int max)
{
	struct view_health_wrap hw = {y, x, w, 0, max, 0};
	int i;

	/* Wrapped, not cut: the reason is the point of the line. */
	for (i = 0; i < h->n && hw.n < max; i++) {
		hw.style = h->style[i];
		draw_wrap(h->text[i], w - 1, view_health_line, &hw);
	}
	return hw.n;
}
