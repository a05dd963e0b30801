/* view: helpers shared by the views, so dates and digests look the same everywhere. */
#include "view.h"

#include <stdio.h>
#include <string.h>
#include <time.h>

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
