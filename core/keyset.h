/* keyset: streams a query's rows to a callback a page at a time, each page fetched past the last one's key. */
#ifndef STEWARD_KEYSET_H
#define STEWARD_KEYSET_H

#include <stddef.h>

#include "err.h"
#include "store.h"

/* Rows a page: memory holds one page whatever the table's size. */
#define KEYSET_PAGE 64

/* One streamed query. Each page is read to its end before any of its
 * rows is given: give may run statements of its own, and PostgreSQL would
 * otherwise queue the rest of an open read in memory. */
struct keyset {
	const char *sql;  /* prepared once: every page runs the same statement */
	const char *what; /* what reading it is, for errors: "listing models" */
	size_t size;      /* one row's size */
	/* Binds every parameter for the page after last (NULL: the first
	 * page), KEYSET_PAGE as its LIMIT. */
	void (*bind)(struct db_stmt *s, const void *last, void *arg);
	/* Reads the current row into row; -1 out of memory, row left clear. */
	int (*row)(struct db_stmt *s, void *row);
	void (*clear)(void *row);
	/* Takes one row, borrowed until it returns: 0 goes on, >0 stops
	 * (success), <0 fails with e filled. */
	int (*give)(void *arg, void *row, struct err *e);
};

/* Gives k's rows in the statement's order until they end or give stops. */
int keyset_each(struct store *st, const struct keyset *k, void *arg, struct err *e);

#endif
