/* trace-html: the trace report (core/trace.h) as one self-contained HTML file with the lineage drawn as inline SVG. */
#ifndef STEWARD_TRACE_HTML_H
#define STEWARD_TRACE_HTML_H

#include <stdio.h>

#include <jansson.h>

/* Writes report r to f: inline CSS, no script, nothing fetched (a
 * Content-Security-Policy says so too), every value from the store
 * HTML-escaped. -1 when out of memory or f failed. */
int trace_html_write(FILE *f, json_t *r);

#endif
