/* time: RFC 3339 times as Alertmanager writes them (fractions, zone offsets) to and from seconds since the epoch, without the C library's local time zone. */
#include <stdio.h>
#include <string.h>

#include "plugins/alertmanager/am.h"

/* Days from 1970-01-01 to y-m-d in the proleptic Gregorian calendar
 * (Howard Hinnant's days_from_civil). */
static int64_t am_days(int64_t y, int64_t m, int64_t d)
{
	int64_t era, yoe, doy, doe;

	y -= m <= 2;
	era = (y >= 0 ? y : y - 399) / 400;
	yoe = y - era * 400;
	doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + doe - 719468;
}

static int am_leap(int64_t y)
{
	return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

/* n decimal digits at s into *v; 0 when they are not all digits. */
static int am_digits(const char *s, int n, int64_t *v)
{
	int i;

	*v = 0;
	for (i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return 0;
		*v = *v * 10 + (s[i] - '0');
	}
	return 1;
}

int am_time_parse(const char *s, int64_t *out)
{
	static const int mdays[] = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };
	int64_t y, mo, d, h, mi, sec, oh = 0, om = 0;
	const char *p;
	int sign = 0;

	if (s == NULL || strlen(s) < 20)
		return -1;
	if (!am_digits(s, 4, &y) || s[4] != '-' || !am_digits(s + 5, 2, &mo) || s[7] != '-' ||
	    !am_digits(s + 8, 2, &d) || (s[10] != 'T' && s[10] != 't' && s[10] != ' ') ||
	    !am_digits(s + 11, 2, &h) || s[13] != ':' || !am_digits(s + 14, 2, &mi) || s[16] != ':' ||
	    !am_digits(s + 17, 2, &sec))
		return -1;
	if (mo < 1 || mo > 12 || d < 1 || d > mdays[mo - 1] + (mo == 2 && am_leap(y)) || h > 23 || mi > 59 ||
	    sec > 60)
		return -1;
	p = s + 19;
	if (*p == '.') {
		p++;
		if (*p < '0' || *p > '9')
			return -1;
		while (*p >= '0' && *p <= '9')
			p++;
	}
	if (*p == 'Z' || *p == 'z') {
		p++;
	} else if (*p == '+' || *p == '-') {
		sign = *p == '+' ? 1 : -1;
		if (!am_digits(p + 1, 2, &oh) || p[3] != ':' || !am_digits(p + 4, 2, &om) || oh > 23 || om > 59)
			return -1;
		p += 6;
	} else {
		return -1;
	}
	if (*p != '\0')
		return -1;
	/* A leap second reads as the next second's start. */
	*out = am_days(y, mo, d) * 86400 + h * 3600 + mi * 60 + sec - sign * (oh * 3600 + om * 60);
	return 0;
}

int am_time_format(int64_t t, char *buf, size_t n)
{
	int64_t days = t >= 0 ? t / 86400 : -((-t + 86399) / 86400), rem = t - days * 86400;
	int64_t z = days + 719468, era = (z >= 0 ? z : z - 146096) / 146097, doe = z - era * 146097;
	int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365, y = yoe + era * 400;
	int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100), mp = (5 * doy + 2) / 153;
	int64_t d = doy - (153 * mp + 2) / 5 + 1, m = mp < 10 ? mp + 3 : mp - 9;
	char s[32];
	int w;

	y += m <= 2;
	if (y < 0 || y > 9999)
		return -1;
	w = snprintf(s, sizeof s, "%04d-%02d-%02dT%02d:%02d:%02dZ", (int)y, (int)m, (int)d, (int)(rem / 3600),
		     (int)(rem / 60 % 60), (int)(rem % 60));
	/* Refused, never cut: a cut time would still look like one. */
	if (w < 0 || (size_t)w >= n)
		return -1;
	memcpy(buf, s, (size_t)w + 1);
	return 0;
}
