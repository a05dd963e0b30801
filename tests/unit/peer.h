/* peer: the attacker of the unit tests: its own SQLite connection to a store's file, editing it beside steward rather than through it. */
#ifndef STEWARD_TEST_PEER_H
#define STEWARD_TEST_PEER_H

/* Include after cmocka.h. */
#include <sqlite3.h>

#include "store.h"

/* A read-write connection of its own on the store's file; the caller closes it. */
static inline sqlite3 *peer(struct store *st)
{
	sqlite3 *pdb = NULL;

	assert_int_equal(sqlite3_open_v2(store_path(st), &pdb, SQLITE_OPEN_READWRITE, NULL), SQLITE_OK);
	return pdb;
}

/* Runs sql through such a connection; returns SQLite's result. */
static inline int peer_exec(struct store *st, const char *sql)
{
	sqlite3 *db = peer(st);
	int rc = sqlite3_exec(db, sql, NULL, NULL, NULL);

	sqlite3_close(db);
	return rc;
}

#endif
