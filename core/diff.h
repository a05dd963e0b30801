/* diff: a bounded line diff (longest common subsequence) of two texts, as unified-diff lines with context. */
#ifndef STEWARD_DIFF_H
#define STEWARD_DIFF_H

#include <stddef.h>

#include "err.h"

/* Beyond these the texts are not diffed (diff.too_large): the table costs
 * two bytes per cell, and a screen of -/+ lines is no longer read anyway. */
#define DIFF_MAX_LINES 20000     /* lines on either side */
#define DIFF_MAX_CELLS 1000000   /* lines x lines once the common head and tail are set aside */
#define DIFF_ALL ((size_t)-1)    /* context: keep every unchanged line */

enum diff_op {
	DIFF_SAME, /* in both */
	DIFF_DEL,  /* only in the old text (-) */
	DIFF_ADD,  /* only in the new text (+) */
	DIFF_SKIP, /* unchanged lines left out, more than context away from a change */
};

struct diff_line {
	enum diff_op op;
	const char *s; /* into the text it came from; not NUL-terminated */
	size_t len;
	size_t skipped; /* DIFF_SKIP: how many lines */
};

struct diff {
	struct diff_line *v;
	size_t n;
	size_t adds, dels;       /* lines added and removed */
	size_t old_lines, new_lines;
	int too_large;           /* beyond the caps: v is empty, adds and dels are 0 */
};

/* Diffs old against new line by line ('\n' ends a line; a last line needs
 * none). Unchanged lines more than context lines away from a change are
 * folded into DIFF_SKIP entries (DIFF_ALL keeps them all). Texts beyond the
 * caps are not diffed: 0 with out->too_large set. -1 only when out of memory.
 * The lines point into old and new, which must outlive out. */
int diff_lines(const char *old, const char *new, size_t context, struct diff *out, struct err *e);
void diff_free(struct diff *d);

#endif
