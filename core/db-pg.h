/* db-pg: the PostgreSQL engine behind db.h, through libpq. */
#ifndef STEWARD_DB_PG_H
#define STEWARD_DB_PG_H

#include <stddef.h>

#include "db.h"
#include "err.h"

/* The advisory lock every writing transaction takes first (BEGIN
 * IMMEDIATE): 0x53746577, "Stew". Anything else that must not interleave
 * with steward's writes (a maintenance script) can take it too. */
#define DBPG_WRITE_LOCK "1400137079"

/* The connection operations; conn is what dbpg_open returns. */
extern const struct db_conn_ops dbpg_conn_ops;

/* Connects to uri: postgresql://... or postgres://... or a key=value
 * conninfo string. The session gets client_encoding UTF8, hex bytea
 * output, application_name steward (unless uri names another) and LISTENs
 * on channel "steward" for data_version; readonly makes every transaction
 * READ ONLY. NULL with e filled (naming the server, never the password). */
void *dbpg_open(const char *uri, int readonly, struct err *e);

/* 1 when s names a PostgreSQL database (a URI with either scheme, or a
 * conninfo string such as "host=db dbname=steward"), 0 for a file path. */
int dbpg_is_uri(const char *s);

/* Copies uri into buf with any password replaced by "***", for messages. */
void dbpg_redact(const char *uri, char *buf, size_t n);

/* The socket the server's notifications arrive on, for poll(): when it is
 * readable, data_version may have moved. -1 when the connection is gone. */
int dbpg_notify_fd(void *conn);

/* 1 while the connection is up. After a statement reports that the
 * connection was lost, dbpg_reconnect opens a new session in its place
 * (statements are prepared again on their next step; an open transaction
 * is gone). 0, or -1 with e filled. */
int dbpg_connected(void *conn);
int dbpg_reconnect(void *conn, struct err *e);

/* Names the database as host_port_dbname, in characters safe for a file
 * name: the key to the files a PostgreSQL store keeps on this host (its
 * log key and witness). 0, or -1 when buf is too small. */
int dbpg_ident(void *conn, char *buf, size_t n);

/* Rewrites SQLite's ?N and bare ? placeholders as $N, leaving quoted
 * text, quoted names and comments alone. *out (malloc'd) gets the text,
 * *nparams the highest parameter number, and *used (malloc'd, nparams
 * bytes, may be NULL when nparams is 0) 1 for each number the text uses.
 * used may be NULL. 0, or -1 with e filled. */
int dbpg_translate(const char *sql, char **out, int *nparams, unsigned char **used, struct err *e);

#endif
