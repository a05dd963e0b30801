/* store-pg: the store's PostgreSQL side: connecting, the schema, and where a shared database's local files live on this host. */
#ifndef STEWARD_STORE_PG_H
#define STEWARD_STORE_PG_H

#include <stddef.h>

#include "store.h"

/* Connects to the database uri names (read-only sessions with
 * STORE_READONLY). *conn is for dbpg_conn_ops. */
int store_pg_connect(const char *uri, int flags, void **conn, struct err *e);

/* The rest of store_open: a database without steward's schema gets it
 * with STORE_CREATE (the owner role must be connected), else is refused;
 * one made by a newer steward is refused. */
int store_pg_schema(struct store *st, void *conn, int flags, struct err *e);

int store_pg_version(void *conn, int *version, struct err *e);

/* The file beside "the store" for suffix (".logkey", ".witness"): a
 * database has no folder, so these live in this account's
 * $XDG_DATA_HOME/steward/pg/HOST_PORT_DB (made 0700), on the one host
 * that signs checkpoints. */
int store_pg_local_path(void *conn, const char *suffix, char *buf, size_t n, struct err *e);

#endif
