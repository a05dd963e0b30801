/* schema-pg: the store's tables on PostgreSQL (the SQLite schema at version 11 as one script, then the migrations after it) and the runtime role's grants. */
#ifndef STEWARD_SCHEMA_PG_H
#define STEWARD_SCHEMA_PG_H

#include "db.h"
#include "err.h"

/* The schema version the script makes: store.c's migration count when it
 * was written. PostgreSQL has no user_version; the one-row table
 * schema_version holds it, readable by the runtime role, writable only
 * by the owner. */
#define SCHEMA_PG_VERSION 15

/* The script: every table, index, check and trigger of the SQLite store
 * at version 11, in PostgreSQL's dialect, ending with the
 * schema_version row. Run by the owner role in one transaction. */
extern const char schema_pg_script[];

/* Reads the version into *version (0 when the database has no steward
 * schema); -1 with e filled when it holds tables of another program. */
int schema_pg_version(const struct db_conn_ops *ops, void *conn, int *version, struct err *e);

/* Makes an empty database a steward store at SCHEMA_PG_VERSION, as the
 * owner role, under an advisory lock so two first openers do not race,
 * then grants the runtime role named by the database's
 * steward.runtime_role setting (scripts/pg-setup sets it), if any. A
 * current store is left alone (any role may call this on one); one made
 * by a newer steward is refused. */
int schema_pg_apply(const struct db_conn_ops *ops, void *conn, struct err *e);

/* Grants role what the runtime needs: SELECT, INSERT, UPDATE, DELETE on
 * the cache tables; only SELECT and INSERT on the ledger, checkpoints and
 * approvals (append-only); SELECT on schema_version and meta; USAGE and SELECT on
 * the identity sequences. Run by the owner, again after each migration. */
int schema_pg_grant(const struct db_conn_ops *ops, void *conn, const char *role, struct err *e);

/* Brings a current store's grants up to date when its owner opens it:
 * stores made before meta became read-only for the runtime role get the
 * new steward_grant_runtime and have it run (schema_version stays, since
 * the tables did not change). Does nothing for another role or when the
 * grants are current. 0, or -1 with e filled. */
int schema_pg_regrant(const struct db_conn_ops *ops, void *conn, struct err *e);

#endif
