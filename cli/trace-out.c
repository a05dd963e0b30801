/* trace-out: what the trace report's writers (trace-html, trace-md) share: the output with its error flag, field readers, and a store value written through a format's escaping. */
#include "trace-out.h"

#include <stdarg.h>
#include <stdlib.h>

#include "check.h"

const char *trace_s(json_t *o, const char *k)
{
	const char *s = json_string_value(json_object_get(o, k));

	return s != NULL ? s : "";
}

json_int_t trace_i(json_t *o, const char *k)
{
	return json_integer_value(json_object_get(o, k));
}

void trace_put(struct trace_out *o, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	if (vfprintf(o->f, fmt, ap) < 0)
		o->bad = 1;
	va_end(ap);
}

void trace_text(struct trace_out *o, const char *s, trace_sub_fn *sub)
{
	char *x, buf[4];
	const char *p, *r;

	if (s == NULL || s[0] == '\0') {
		trace_put(o, "-");
		return;
	}
	x = check_escape(s, 1);
	if (x == NULL) {
		o->bad = 1;
		return;
	}
	for (p = x; *p != '\0'; p++) {
		r = sub(*p, buf);
		if (r != NULL)
			trace_put(o, "%s", r);
		else if (fputc(*p, o->f) == EOF)
			o->bad = 1;
	}
	free(x);
}
