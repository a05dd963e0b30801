/* err: formatting of core error values. */
#define STEWARD_ERR_IMPL /* err_set is defined here, not the analyser stand-in in err.h */
#include "err.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

int err_set(struct err *e, enum err_kind kind, const char *fmt, ...)
{
	va_list ap;

	if (e == NULL)
		return -1;
	e->kind = kind;
	va_start(ap, fmt);
	vsnprintf(e->msg, sizeof e->msg, fmt, ap);
	va_end(ap);
	return -1;
}

int err_prefix(struct err *e, const char *fmt, ...)
{
	char head[256];
	size_t hl, ml;
	va_list ap;

	if (e == NULL)
		return -1;
	va_start(ap, fmt);
	vsnprintf(head, sizeof head, fmt, ap);
	va_end(ap);
	hl = strlen(head);
	ml = strlen(e->msg);
	/* Shift the old message right, truncating its tail if it no longer fits. */
	if (hl + 2 + ml >= sizeof e->msg)
		ml = sizeof e->msg - hl - 3;
	memmove(e->msg + hl + 2, e->msg, ml);
	e->msg[hl + 2 + ml] = '\0';
	memcpy(e->msg, head, hl);
	e->msg[hl] = ':';
	e->msg[hl + 1] = ' ';
	return -1;
}

void err_clear(struct err *e)
{
	if (e == NULL)
		return;
	e->kind = ERR_OK;
	e->msg[0] = '\0';
}

int err_why(char *why, size_t n, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(why, n, fmt, ap);
	va_end(ap);
	return -1;
}
