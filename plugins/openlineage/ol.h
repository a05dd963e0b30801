/* ol.h: what the OpenLineage plugin's parts share (not an ABI): the instance, the scanner that finds where one JSON event ends, and the directory follower. */
#ifndef STEWARD_OL_H
#define STEWARD_OL_H

#include <stddef.h>
#include <stdint.h>

#include "plugins/steward-plugin.h"

#define OL_EVENT_MAX (1024 * 1024) /* the core's own limit of one event: max_event can be no larger */
#define OL_EVENT_MIN 1024
#define OL_HEAD 4096               /* bytes at a file's start its identity hashes */
#define OL_CHUNK (64 * 1024)       /* one read() */
#define OL_DEPTH 512               /* nesting the scanner follows; deeper is malformed */
#define OL_IDENT 256               /* room for a file's identity text */

/* Only steward_plugin_entry leaves the shared object. */
#pragma GCC visibility push(hidden)

struct ol {
	char dir[4096];
	char pattern[256]; /* a glob of file names; "*" by default */
	size_t max_event;
	/* What the last sync could not read (a file it skipped), for health(). */
	char problem[600];
};

/* scan.c */
enum ol_scan {
	OL_DONE, /* a whole value ends at *end */
	OL_MORE, /* the bytes end inside a value that could still be whole */
	OL_BAD,  /* no bytes added could make it JSON: *end is the first wrong byte */
};
/* Scans the JSON value that begins at p[0] (not whitespace), checking its
 * grammar but not its meaning (the core parses it): enough to know where
 * an event ends, whether it spans lines or not, and that a line cut short
 * does not swallow the events after it. */
enum ol_scan ol_scan_value(const char *p, size_t n, size_t *end);
/* 1 for the bytes JSON allows between tokens. */
int ol_space(char c);

/* follow.c */
int ol_follow(struct ol *o, const struct steward_sink *sink, char *err, size_t errn);
int ol_err(char *err, size_t n, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

#pragma GCC visibility pop

#endif
