/* trace-out: what the trace report's writers (trace-html, trace-md) share: the output with its error flag, field readers, and a store value written through a format's escaping. */
#ifndef STEWARD_CLI_TRACE_OUT_H
#define STEWARD_CLI_TRACE_OUT_H

#include <jansson.h>
#include <stdio.h>

struct trace_out {
	FILE *f;
	int bad; /* a write failed: the report is incomplete */
};

/* Member k of o as a string ("" when it is missing or not one) and as an integer (0). */
const char *trace_s(json_t *o, const char *k);
json_int_t trace_i(json_t *o, const char *k);

/* The format's own markup or text: never a value from the store. */
void trace_put(struct trace_out *o, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* What a format writes for c instead of c itself (buf, of 4 bytes, may
 * hold it), or NULL to write c as it is. */
typedef const char *trace_sub_fn(char c, char buf[4]);

/* A value from the store, a plugin or a producer: control and
 * bidirectional characters made visible as on a terminal, then each
 * character through sub. "-" for nothing. */
void trace_text(struct trace_out *o, const char *s, trace_sub_fn *sub);

#endif
