/* store-sqlite: the store's SQLite side: the file and its mode, the connection's settings, and the schema in SQLite's dialect. */
#ifndef STEWARD_STORE_SQLITE_H
#define STEWARD_STORE_SQLITE_H

#include "store.h"

/* Opens the SQLite file at path for store_open: checks what is there,
 * makes a missing file (with STORE_CREATE) with its mode, and connects
 * read-only or read-write as flags say. *conn is for db_sqlite_ops. */
int store_sqlite_connect(const char *path, int flags, void **conn, struct err *e);

/* The rest of store_open on st's new connection (conn, the one
 * store_sqlite_connect gave): settings, the checks of what the file holds,
 * and the pending migrations (none when read-only). */
int store_sqlite_schema(struct store *st, void *conn, int flags, struct err *e);

/* The schema version of the file (PRAGMA user_version); how many
 * migrations this build has. */
int store_sqlite_version(struct store *st, int *out, struct err *e);
int store_sqlite_latest(void);

#endif
