/* trace-md: the trace report (core/trace.h) as Markdown, every value from the store escaped. */
#ifndef STEWARD_TRACE_MD_H
#define STEWARD_TRACE_MD_H

#include <stdio.h>

#include <jansson.h>

/* Writes report r to f; -1 when out of memory or f failed. */
int trace_md_write(FILE *f, json_t *r);

#endif
