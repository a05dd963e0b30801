/* db-sqlite: the SQLite engine behind core/db.h: statements and a connection over one sqlite3 handle. */
#ifndef STEWARD_DB_SQLITE_H
#define STEWARD_DB_SQLITE_H

#include <stddef.h>

#include "db.h"

/* The connection operations; their conn is the sqlite3 handle db_sqlite_open gives. */
extern const struct db_conn_ops db_sqlite_ops;

/* Opens the existing database file at path, read-only or read-write, with
 * extended result codes and a 5 s busy timeout. Returns DB_OK and *conn, or
 * another DB_ code with SQLite's reason in msg ("out of memory" when SQLite
 * could not even make a handle) and *conn NULL. */
int db_sqlite_open(const char *path, int readonly, void **conn, char *msg, size_t n);

/* 1 when a connection opened read-write may not write its file (the file
 * or its directory is not writable by this user), else 0. */
int db_sqlite_readonly(void *conn);

/* Keeps the -wal and -shm files when the last connection closes. */
void db_sqlite_persist_wal(void *conn);

#endif
