/* store-pg: the store's PostgreSQL side: connecting, the schema, and where a shared database's local files live on this host. */
#include "store-pg.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "db-pg.h"
#include "file.h"
#include "schema-pg.h"

int store_pg_connect(const char *uri, int flags, void **conn, struct err *e)
{
	*conn = dbpg_open(uri, (flags & STORE_READONLY) != 0, e);
	if (*conn == NULL)
		return -1;
	/* As SQLite's busy timeout: a writer waits at most 5 s for the
	 * write lock (BEGIN IMMEDIATE's advisory lock) or a row, then says so. */
	if (dbpg_conn_ops.exec(*conn, "SET lock_timeout = '5s'") != DB_OK) {
		err_set(e, ERR_STORE, "setting the lock timeout: %s", dbpg_conn_ops.errmsg(*conn));
		dbpg_conn_ops.close(*conn);
		*conn = NULL;
		return -1;
	}
	return 0;
}

int store_pg_version(void *conn, int *version, struct err *e)
{
	return schema_pg_version(&dbpg_conn_ops, conn, version, e);
}

int store_pg_schema(struct store *st, void *conn, int flags, struct err *e)
{
	int version;

	if (store_pg_version(conn, &version, e) != 0)
		return -1;
	if (version > SCHEMA_PG_VERSION)
		return err_set(e, ERR_STORE,
			       "store %s was made by a newer steward (schema %d; this steward knows up to %d)",
			       store_label(st), version, SCHEMA_PG_VERSION);
	if (version == SCHEMA_PG_VERSION)
		return (flags & STORE_READONLY) ? 0 : schema_pg_regrant(&dbpg_conn_ops, conn, e);
	if (version == 0 && (!(flags & STORE_CREATE) || (flags & STORE_READONLY)))
		return err_set(e, ERR_NOTFOUND,
			       "database %s holds no steward store (run 'steward init --db URI' once as its owner role; see scripts/pg-setup)",
			       store_label(st));
	if (flags & STORE_READONLY)
		return err_set(e, ERR_STORE, "store %s has schema %d and needs upgrading to %d by its owner role",
			       store_label(st), version, SCHEMA_PG_VERSION);
	return schema_pg_apply(&dbpg_conn_ops, conn, e);
}

int store_pg_local_path(void *conn, const char *suffix, char *buf, size_t n, struct err *e)
{
	const char *xdg = getenv("XDG_DATA_HOME"), *home = getenv("HOME");
	char ident[512];
	int w;

	if (dbpg_ident(conn, ident, sizeof ident) != 0)
		return err_set(e, ERR_INVALID, "the database's name is too long");
	if (xdg != NULL && xdg[0] == '/')
		w = snprintf(buf, n, "%s/steward/pg/%s%s", xdg, ident, suffix);
	else if (home != NULL && home[0] == '/')
		w = snprintf(buf, n, "%s/.local/share/steward/pg/%s%s", home, ident, suffix);
	else
		return err_set(e, ERR_INVALID,
			       "no folder for this store's log key: set XDG_DATA_HOME or HOME");
	if (w < 0 || (size_t)w >= n)
		return err_set(e, ERR_INVALID, "the log key's path is too long");
	return file_mkparent(buf, e);
}
