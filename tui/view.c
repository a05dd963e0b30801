/* view: helpers shared by the views, so dates, digests and text rows look the same everywhere. */
#include "view.h"

#include <stdio.h>
#include <string.h>
#include <time.h>

#include "draw.h"

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
