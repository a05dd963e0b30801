/* storecopy: `steward store copy`: an estate, ledger and all, from one store to another (SQLite or PostgreSQL either way) in one transaction on the destination. */
#include "storecopy.h"

#include <errno.h>
#include <stdarg.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <sodium.h>

#include "file.h"
#include "ledger-tree.h"
#include "ledger.h"
#include "merkle.h"
#include "store.h"

/* The little each engine's catalogue must answer, so that the copy reads
 * the tables, their foreign keys and identity columns from the database
 * itself and cannot drift from the schema: a table a migration adds is
 * copied without a change here. Every query takes no parameters. */
struct storecopy_cat {
	const char *engine;
	const char *tables; /* name, one row per table of the store */
	const char *edges;  /* (table, table its foreign key references) */
	const char *identity; /* (table, column) whose values the engine hands out; NULL: none to move */
	const char *bump;     /* moves (?1 table, ?2 column)'s identity past ?3 */
	const char *snapshot; /* begins a read-only transaction that sees one moment */
	const char *not_owned; /* how many tables this role does not own; NULL: ownership is the file's */
	const char *analyze;   /* gathers the planner's statistics on the new copy; NULL: none to gather */
};

static const struct storecopy_cat storecopy_cats[] = {
	{
		.engine = "sqlite",
		/* sqlite_ tables are SQLite's own (sqlite_stat1 after ANALYZE). */
		.tables = "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite\\_%' ESCAPE '\\'"
			  " ORDER BY name",
		.edges = "SELECT m.name, f.\"table\" FROM sqlite_master m, pragma_foreign_key_list(m.name) f"
			 " WHERE m.type = 'table'",
		/* A rowid key takes max + 1 by itself. */
		.identity = NULL,
		.snapshot = "BEGIN",
	},
	{
		.engine = "postgresql",
		/* schema_version is the store's version row, which the
		 * destination's own schema writes: not part of the estate. */
		.tables = "SELECT c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace"
			  " WHERE n.nspname = current_schema() AND c.relkind = 'r' AND c.relname <> 'schema_version'"
			  " ORDER BY c.relname",
		.edges = "SELECT a.relname, b.relname FROM pg_constraint k"
			 " JOIN pg_class a ON a.oid = k.conrelid JOIN pg_class b ON b.oid = k.confrelid"
			 " JOIN pg_namespace n ON n.oid = a.relnamespace"
			 " WHERE n.nspname = current_schema() AND k.contype = 'f'",
		.identity = "SELECT c.relname, a.attname FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid"
			    " JOIN pg_namespace n ON n.oid = c.relnamespace"
			    " WHERE n.nspname = current_schema() AND c.relkind = 'r' AND a.attidentity <> ''"
			    " AND NOT a.attisdropped",
		.bump = "SELECT setval(pg_get_serial_sequence(?1, ?2), ?3)",
		/* REPEATABLE READ: every table as of one moment, while others write. */
		.snapshot = "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY",
		.not_owned = "SELECT count(*) FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace"
			     " WHERE n.nspname = current_schema() AND c.relkind IN ('r', 'S')"
			     " AND NOT pg_has_role(c.relowner, 'USAGE')",
		/* Autovacuum would get there minutes later; until then the
		 * planner guessed, and audit verify on a million-entry copy
		 * walked the ledger once per version. */
		.analyze = "ANALYZE",
	},
};

#define STORECOPY_NAME_MAX 63
/* Rows one INSERT carries. */
#define STORECOPY_BATCH 64

struct storecopy_table {
	char name[STORECOPY_NAME_MAX + 1];
	char identity[STORECOPY_NAME_MAX + 1]; /* "" when none */
	int64_t rows;
	int done; /* placed in the copy order */
};

struct storecopy {
	const char *from, *to;
	struct store *src, *dst;
	const struct storecopy_cat *scat, *dcat;
	struct storecopy_table *t; /* the destination's tables, in copy order once sorted */
	size_t nt;
	char tmp[4200]; /* a new store file is written here, then renamed to `to` */
	char made[2][4200]; /* files written beside the destination, removed if the copy fails */
	int nmade;
	int snapshot; /* the source's read transaction is open */
	const struct progress *pr;
	struct storecopy_result *r;
	struct err *e;
};

static const struct storecopy_cat *storecopy_cat(struct store *st)
{
	size_t i;

	for (i = 0; i < sizeof storecopy_cats / sizeof storecopy_cats[0]; i++)
		if (strcmp(storecopy_cats[i].engine, store_engine(st)) == 0)
			return &storecopy_cats[i];
	return NULL;
}

/* Names come from a catalogue, and so, for the source, from a file an
 * attacker may have written: only plain lower-case names reach SQL text,
 * and always quoted. */
static int storecopy_ident_ok(const char *s)
{
	size_t i, n = strlen(s);

	if (n == 0 || n > STORECOPY_NAME_MAX || !((s[0] >= 'a' && s[0] <= 'z') || s[0] == '_'))
		return 0;
	for (i = 1; i < n; i++)
		if (!((s[i] >= 'a' && s[i] <= 'z') || (s[i] >= '0' && s[i] <= '9') || s[i] == '_'))
			return 0;
	return 1;
}

static int storecopy_ident(struct storecopy *c, const char *where, const unsigned char *name, char *out)
{
	char q[80];

	if (name == NULL || !storecopy_ident_ok((const char *)name)) {
		snprintf(q, sizeof q, "%s", name != NULL ? (const char *)name : "(null)");
		for (char *p = q; *p != '\0'; p++)
			if ((unsigned char)*p < 0x20 || (unsigned char)*p >= 0x7f)
				*p = '?';
		return err_set(c->e, ERR_STORE, "%s has a table or column named '%s', which no steward schema has",
			       where, q);
	}
	snprintf(out, STORECOPY_NAME_MAX + 1, "%s", (const char *)name);
	return 0;
}

/* The tables the catalogue query of st lists, as names. */
static int storecopy_tables(struct storecopy *c, struct store *st, const struct storecopy_cat *cat,
			    const char *where, char (**names)[STORECOPY_NAME_MAX + 1], size_t *n)
{
	struct db_stmt *s;
	char (*v)[STORECOPY_NAME_MAX + 1] = NULL, (*grown)[STORECOPY_NAME_MAX + 1];
	size_t cap = 0;
	int rc;

	*names = NULL;
	*n = 0;
	if (store_prepare(st, &s, cat->tables, c->e) != 0)
		return err_prefix(c->e, "%s: listing its tables", where);
	while ((rc = db_step(s)) == DB_ROW) {
		if (*n == cap) {
			cap = cap > 0 ? cap * 2 : 64;
			grown = realloc(v, cap * sizeof *v);
			if (grown == NULL) {
				db_finalize(s);
				free(v);
				return err_set(c->e, ERR_STORE, "out of memory");
			}
			v = grown;
		}
		if (storecopy_ident(c, where, db_column_text(s, 0), v[*n]) != 0) {
			db_finalize(s);
			free(v);
			return -1;
		}
		(*n)++;
	}
	db_finalize(s);
	if (rc != DB_DONE) {
		free(v);
		store_fail(st, c->e, "listing the tables");
		return err_prefix(c->e, "%s", where);
	}
	*names = v;
	return 0;
}

static struct storecopy_table *storecopy_find(struct storecopy *c, const char *name)
{
	size_t i;

	for (i = 0; i < c->nt; i++)
		if (strcmp(c->t[i].name, name) == 0)
			return &c->t[i];
	return NULL;
}

/* Both stores are at this build's schema version, so their tables must
 * be the same set: a table on one side only is a foreign table in the
 * source or a schema this build does not know, and is named. */
static int storecopy_match_tables(struct storecopy *c)
{
	char (*sn)[STORECOPY_NAME_MAX + 1], (*dn)[STORECOPY_NAME_MAX + 1];
	size_t ns, nd, i;
	int r = -1;

	if (storecopy_tables(c, c->src, c->scat, "--from", &sn, &ns) != 0)
		return -1;
	if (storecopy_tables(c, c->dst, c->dcat, "--to", &dn, &nd) != 0) {
		free(sn);
		return -1;
	}
	c->t = calloc(nd > 0 ? nd : 1, sizeof *c->t);
	if (c->t == NULL) {
		err_set(c->e, ERR_STORE, "out of memory");
		goto out;
	}
	for (i = 0; i < nd; i++)
		snprintf(c->t[i].name, sizeof c->t[i].name, "%s", dn[i]);
	c->nt = nd;
	for (i = 0; i < ns; i++)
		if (storecopy_find(c, sn[i]) == NULL) {
			err_set(c->e, ERR_STORE, "--from %s has a table %s that a steward store has not: not copied",
				c->r->from, sn[i]);
			goto out;
		}
	if (ns != nd) {
		for (i = 0; i < nd; i++) {
			size_t k;

			for (k = 0; k < ns && strcmp(sn[k], dn[i]) != 0; k++)
				;
			if (k == ns) {
				err_set(c->e, ERR_STORE, "--from %s has no table %s, which its schema version should have",
					c->r->from, dn[i]);
				goto out;
			}
		}
	}
	r = 0;
out:
	free(sn);
	free(dn);
	return r;
}

/* Count of rows in table t of st. */
static int storecopy_count(struct storecopy *c, struct store *st, const char *where, const char *t, int64_t *n)
{
	char sql[160];
	struct db_stmt *s;
	int rc;

	snprintf(sql, sizeof sql, "SELECT count(*) FROM \"%s\"", t);
	if (store_prepare(st, &s, sql, c->e) != 0)
		return err_prefix(c->e, "%s: counting %s", where, t);
	rc = db_step(s);
	*n = rc == DB_ROW ? db_column_int64(s, 0) : 0;
	db_finalize(s);
	if (rc != DB_ROW) {
		store_fail(st, c->e, "counting rows");
		return err_prefix(c->e, "%s: table %s", where, t);
	}
	return 0;
}

/* The destination holds no estate: no row in any of its tables. */
static int storecopy_dst_empty(struct storecopy *c)
{
	int64_t n, entries = 0;
	size_t i;

	for (i = 0; i < c->nt; i++) {
		if (storecopy_count(c, c->dst, "--to", c->t[i].name, &n) != 0)
			return -1;
		if (n == 0)
			continue;
		if (strcmp(c->t[i].name, "ledger") != 0 && storecopy_find(c, "ledger") != NULL &&
		    storecopy_count(c, c->dst, "--to", "ledger", &entries) != 0)
			return -1;
		return err_set(c->e, ERR_EXISTS,
			       "--to %s already holds an estate (%lld rows in %s, %lld ledger entries): copy only into"
			       " a new or empty store",
			       c->r->to, (long long)n, c->t[i].name, (long long)(strcmp(c->t[i].name, "ledger") == 0 ? n : entries));
	}
	return 0;
}

/* Orders c->t so that every table comes after the tables its foreign
 * keys reference (read from the destination, whose schema this build
 * just made or checked). */
static int storecopy_order(struct storecopy *c)
{
	struct {
		char from[STORECOPY_NAME_MAX + 1], to[STORECOPY_NAME_MAX + 1];
	} *edge = NULL, *grown;
	struct storecopy_table *sorted;
	size_t nedge = 0, cap = 0, i, k, placed = 0;
	struct db_stmt *s;
	int rc, ready, progress;

	if (store_prepare(c->dst, &s, c->dcat->edges, c->e) != 0)
		return err_prefix(c->e, "--to: reading its foreign keys");
	while ((rc = db_step(s)) == DB_ROW) {
		if (nedge == cap) {
			cap = cap > 0 ? cap * 2 : 64;
			if ((grown = realloc(edge, cap * sizeof *edge)) == NULL) {
				db_finalize(s);
				free(edge);
				return err_set(c->e, ERR_STORE, "out of memory");
			}
			edge = grown;
		}
		if (storecopy_ident(c, "--to", db_column_text(s, 0), edge[nedge].from) != 0 ||
		    storecopy_ident(c, "--to", db_column_text(s, 1), edge[nedge].to) != 0) {
			db_finalize(s);
			free(edge);
			return -1;
		}
		nedge++;
	}
	db_finalize(s);
	if (rc != DB_DONE) {
		free(edge);
		store_fail(c->dst, c->e, "reading foreign keys");
		return err_prefix(c->e, "--to %s", c->r->to);
	}
	sorted = calloc(c->nt > 0 ? c->nt : 1, sizeof *sorted);
	if (sorted == NULL) {
		free(edge);
		return err_set(c->e, ERR_STORE, "out of memory");
	}
	/* Kahn's, by passes: a few dozen tables. Names stay in catalogue
	 * order within a pass, so the order is the same every time. */
	do {
		progress = 0;
		for (i = 0; i < c->nt; i++) {
			if (c->t[i].done)
				continue;
			ready = 1;
			for (k = 0; k < nedge && ready; k++) {
				struct storecopy_table *ref;

				if (strcmp(edge[k].from, c->t[i].name) != 0 || strcmp(edge[k].to, c->t[i].name) == 0)
					continue;
				ref = storecopy_find(c, edge[k].to);
				ready = ref == NULL || ref->done;
			}
			if (ready) {
				c->t[i].done = 1;
				sorted[placed++] = c->t[i];
				progress = 1;
			}
		}
	} while (progress && placed < c->nt);
	free(edge);
	if (placed < c->nt) {
		for (i = 0; i < c->nt && c->t[i].done; i++)
			;
		err_set(c->e, ERR_STORE, "--to %s: the foreign keys of table %s form a cycle; no order can copy it",
			c->r->to, c->t[i].name);
		free(sorted);
		return -1;
	}
	free(c->t);
	c->t = sorted;
	return 0;
}

/* The identity column of each table (PostgreSQL hands out ids from a
 * sequence that a copied id does not move). */
static int storecopy_identities(struct storecopy *c)
{
	char tn[STORECOPY_NAME_MAX + 1], cn[STORECOPY_NAME_MAX + 1];
	struct storecopy_table *t;
	struct db_stmt *s;
	int rc;

	if (c->dcat->identity == NULL)
		return 0;
	if (store_prepare(c->dst, &s, c->dcat->identity, c->e) != 0)
		return err_prefix(c->e, "--to: reading its identity columns");
	while ((rc = db_step(s)) == DB_ROW) {
		if (storecopy_ident(c, "--to", db_column_text(s, 0), tn) != 0 ||
		    storecopy_ident(c, "--to", db_column_text(s, 1), cn) != 0) {
			db_finalize(s);
			return -1;
		}
		if ((t = storecopy_find(c, tn)) != NULL)
			snprintf(t->identity, sizeof t->identity, "%s", cn);
	}
	db_finalize(s);
	if (rc != DB_DONE) {
		store_fail(c->dst, c->e, "reading identity columns");
		return err_prefix(c->e, "--to %s", c->r->to);
	}
	return 0;
}

/* The columns of a SELECT * on st, as a malloc'd array of names. */
static int storecopy_columns(struct storecopy *c, struct db_stmt *s, const char *where, const char *table,
			     char (**cols)[STORECOPY_NAME_MAX + 1], int *n)
{
	int i, k = db_column_count(s);

	*cols = NULL;
	*n = 0;
	if (k <= 0)
		return err_set(c->e, ERR_STORE, "%s: table %s has no columns this copy can read", where, table);
	*cols = calloc((size_t)k, sizeof **cols);
	if (*cols == NULL)
		return err_set(c->e, ERR_STORE, "out of memory");
	for (i = 0; i < k; i++)
		if (storecopy_ident(c, where, (const unsigned char *)db_column_name(s, i), (*cols)[i]) != 0) {
			free(*cols);
			*cols = NULL;
			return -1;
		}
	*n = k;
	return 0;
}

/* The destination's table t has exactly the source's columns. */
static int storecopy_check_columns(struct storecopy *c, const char *t, char (*cols)[STORECOPY_NAME_MAX + 1], int n)
{
	char (*dcols)[STORECOPY_NAME_MAX + 1], q[160];
	struct db_stmt *s;
	int nd, i, k;

	snprintf(q, sizeof q, "SELECT * FROM \"%s\"", t);
	if (store_prepare(c->dst, &s, q, c->e) != 0)
		return err_prefix(c->e, "--to: reading table %s", t);
	if (storecopy_columns(c, s, "--to", t, &dcols, &nd) != 0) {
		db_finalize(s);
		return -1;
	}
	db_finalize(s);
	for (i = 0; i < n; i++) {
		for (k = 0; k < nd && strcmp(dcols[k], cols[i]) != 0; k++)
			;
		if (k == nd) {
			free(dcols);
			return err_set(c->e, ERR_STORE, "--to %s: table %s has no column %s, which --from's has",
				       c->r->to, t, cols[i]);
		}
	}
	free(dcols);
	if (nd != n)
		return err_set(c->e, ERR_STORE, "--from %s: table %s has %d columns where this schema has %d",
			       c->r->from, t, n, nd);
	return 0;
}

/* Appends to a buffer sized by the caller for the worst case; a cut is a bug, said as one. */
static void storecopy_put(char *buf, size_t cap, size_t *len, int *cut, const char *fmt, ...)
	__attribute__((format(printf, 5, 6)));
static void storecopy_put(char *buf, size_t cap, size_t *len, int *cut, const char *fmt, ...)
{
	va_list ap;
	int w;

	if (*cut)
		return;
	va_start(ap, fmt);
	w = vsnprintf(buf + *len, cap - *len, fmt, ap);
	va_end(ap);
	if (w < 0 || (size_t)w >= cap - *len)
		*cut = 1;
	else
		*len += (size_t)w;
}

/* INSERT INTO "t"("c1", ...) VALUES (?1, ...), (...): rows rows at once,
 * row r's column i bound as parameter r * n + i + 1. */
static int storecopy_insert_sql(struct storecopy *c, const char *t, char (*cols)[STORECOPY_NAME_MAX + 1], int n,
				int rows, char **sql)
{
	size_t cap = 128 + (size_t)n * (STORECOPY_NAME_MAX + 8) + (size_t)rows * (8 + (size_t)n * 12), len = 0;
	int i, r, cut = 0;

	if ((*sql = malloc(cap)) == NULL)
		return err_set(c->e, ERR_STORE, "out of memory");
	storecopy_put(*sql, cap, &len, &cut, "INSERT INTO \"%s\"(", t);
	for (i = 0; i < n; i++)
		storecopy_put(*sql, cap, &len, &cut, "%s\"%s\"", i > 0 ? ", " : "", cols[i]);
	storecopy_put(*sql, cap, &len, &cut, ") VALUES ");
	for (r = 0; r < rows; r++) {
		storecopy_put(*sql, cap, &len, &cut, "%s(", r > 0 ? ", " : "");
		for (i = 0; i < n; i++)
			storecopy_put(*sql, cap, &len, &cut, "%s?%d", i > 0 ? ", " : "", r * n + i + 1);
		storecopy_put(*sql, cap, &len, &cut, ")");
	}
	if (cut) {
		free(*sql);
		*sql = NULL;
		return err_set(c->e, ERR_STORE, "the INSERT for table %s did not fit its buffer", t);
	}
	return 0;
}

/* Binds column i of the source's row to parameter p, as the same kind of
 * value; copied, since a batch holds rows the source has moved past. */
static int storecopy_bind(struct db_stmt *src, struct db_stmt *ins, int i, int p)
{
	const void *b;

	switch (db_column_type(src, i)) {
	case DB_INTEGER:
		return db_bind_int64(ins, p, db_column_int64(src, i));
	case DB_FLOAT:
		return db_bind_double(ins, p, db_column_double(src, i));
	case DB_TEXT: {
		const unsigned char *t = db_column_text(src, i);

		return db_bind_text(ins, p, (const char *)t, db_column_bytes(src, i), DB_TRANSIENT);
	}
	case DB_BLOB:
		b = db_column_blob(src, i);
		/* An empty blob has no pointer; NULL would bind a NULL. */
		return db_bind_blob(ins, p, b != NULL ? b : "", db_column_bytes(src, i), DB_TRANSIENT);
	default:
		return db_bind_null(ins, p);
	}
}

static int storecopy_table(struct storecopy *c, struct storecopy_table *t, int64_t *done, int64_t total)
{
	char (*cols)[STORECOPY_NAME_MAX + 1] = NULL, q[160], *sql = NULL;
	struct db_stmt *s = NULL, *batch = NULL, *one = NULL, *use;
	char what[STORECOPY_NAME_MAX + 16];
	int64_t copied = 0, maxid = 0, full;
	int n = 0, i, k, rc, idcol = -1, rows, r = -1;

	snprintf(what, sizeof what, "copying %s", t->name);
	snprintf(q, sizeof q, "SELECT * FROM \"%s\"", t->name);
	if (store_prepare(c->src, &s, q, c->e) != 0) {
		err_prefix(c->e, "--from: reading table %s", t->name);
		goto out;
	}
	if (storecopy_columns(c, s, "--from", t->name, &cols, &n) != 0 ||
	    storecopy_check_columns(c, t->name, cols, n) != 0)
		goto out;
	for (i = 0; i < n; i++)
		if (t->identity[0] != '\0' && strcmp(cols[i], t->identity) == 0)
			idcol = i;
	/* Rows go STORECOPY_BATCH at a time, which saves a round trip to a
	 * server per row; the rows past the last whole batch (the count is of
	 * the same moment) one by one. Parameters stay under 999, the oldest
	 * SQLite's limit. */
	rows = STORECOPY_BATCH;
	if (rows * n > 999)
		rows = 999 / n > 0 ? 999 / n : 1;
	full = t->rows / rows * rows;
	if (full > 0 && (storecopy_insert_sql(c, t->name, cols, n, rows, &sql) != 0 ||
			 store_prepare(c->dst, &batch, sql, c->e) != 0)) {
		err_prefix(c->e, "--to: writing table %s", t->name);
		goto out;
	}
	free(sql);
	sql = NULL;
	if (storecopy_insert_sql(c, t->name, cols, n, 1, &sql) != 0 || store_prepare(c->dst, &one, sql, c->e) != 0) {
		err_prefix(c->e, "--to: writing table %s", t->name);
		goto out;
	}
	while ((rc = db_step(s)) == DB_ROW) {
		if (copied == t->rows)
			break; /* more rows than counted: said below */
		use = copied < full ? batch : one;
		k = copied < full ? (int)(copied % rows) : 0;
		for (i = 0; i < n; i++)
			if (storecopy_bind(s, use, i, k * n + i + 1) != DB_OK) {
				store_fail(c->dst, c->e, "binding a value");
				err_prefix(c->e, "--to %s: table %s, row %lld", c->r->to, t->name, (long long)copied + 1);
				goto out;
			}
		if (idcol >= 0 && db_column_int64(s, idcol) > maxid)
			maxid = db_column_int64(s, idcol);
		copied++;
		(*done)++;
		if (use == one || k == rows - 1) {
			if (db_step(use) != DB_DONE) {
				store_fail(c->dst, c->e, "writing rows");
				err_prefix(c->e, "--to %s: table %s, rows up to %lld", c->r->to, t->name, (long long)copied);
				goto out;
			}
			db_reset(use);
		}
		if ((copied & 255) == 0)
			progress_note(c->pr, what, *done, total);
	}
	if (rc != DB_DONE && rc != DB_ROW) {
		store_fail(c->src, c->e, "reading a row");
		err_prefix(c->e, "--from %s: table %s", c->r->from, t->name);
		goto out;
	}
	/* Rows came and went on the source since it was counted: not one moment. */
	if (copied != t->rows || rc == DB_ROW) {
		err_set(c->e, ERR_STORE, "--from %s: table %s had %lld rows when counted and %s when read",
			c->r->from, t->name, (long long)t->rows, rc == DB_ROW ? "more" : "fewer");
		goto out;
	}
	if (idcol >= 0 && maxid > 0 && c->dcat->bump != NULL) {
		db_finalize(one);
		if (store_prepare(c->dst, &one, c->dcat->bump, c->e) != 0) {
			err_prefix(c->e, "--to: moving the ids of %s past the copied ones", t->name);
			one = NULL;
			goto out;
		}
		db_bind_text(one, 1, t->name, -1, DB_STATIC);
		db_bind_text(one, 2, t->identity, -1, DB_STATIC);
		db_bind_int64(one, 3, maxid);
		if (db_step(one) != DB_ROW) {
			store_fail(c->dst, c->e, "moving the ids past the copied ones");
			err_prefix(c->e, "--to %s: table %s", c->r->to, t->name);
			goto out;
		}
	}
	progress_note(c->pr, what, *done, total);
	c->r->rows += copied;
	r = 0;
out:
	db_finalize(s);
	db_finalize(batch);
	db_finalize(one);
	free(cols);
	free(sql);
	return r;
}

/* The root of st's ledger over every entry, from its stored leaves (the
 * destination's were checked against their bodies by ledger_verify). */
static int storecopy_root(struct storecopy *c, struct store *st, const char *where, int64_t *n, merkle_hash root)
{
	struct merkle_acc acc;
	struct db_stmt *s;
	int rc;

	merkle_acc_init(&acc);
	*n = 0;
	if (store_prepare(st, &s, "SELECT leaf FROM ledger ORDER BY seq", c->e) != 0)
		return err_prefix(c->e, "%s: reading the ledger", where);
	while ((rc = db_step(s)) == DB_ROW) {
		if (db_column_bytes(s, 0) != MERKLE_HASH) {
			db_finalize(s);
			return err_set(c->e, ERR_STORE, "%s: ledger entry %lld has a leaf hash of the wrong size",
				       where, (long long)*n + 1);
		}
		merkle_acc_add(&acc, db_column_blob(s, 0));
		(*n)++;
	}
	db_finalize(s);
	if (rc != DB_DONE) {
		store_fail(st, c->e, "reading the ledger");
		return err_prefix(c->e, "%s", where);
	}
	merkle_acc_root(&acc, root);
	return 0;
}

/* The copy's ledger verifies (every hash, every checkpoint signature by
 * the log key the copied meta names) and has the source's root. */
static int storecopy_verify(struct storecopy *c)
{
	struct ledger_report rep;
	merkle_hash sroot, droot;
	int64_t sn, dn;

	if (storecopy_find(c, "ledger") == NULL)
		return 0;
	memset(&rep, 0, sizeof rep);
	if (storecopy_root(c, c->src, "--from", &sn, sroot) != 0 || storecopy_root(c, c->dst, "--to", &dn, droot) != 0)
		return -1;
	/* An estate without a keyring has no ledger, and no log key to check one with. */
	if (dn > 0 && ledger_verify(c->dst, &rep, c->e) != 0)
		return err_prefix(c->e, "--from %s: its ledger does not verify, so it is not copied (see 'steward audit"
				  " verify')", c->r->from);
	if (sn != dn || memcmp(sroot, droot, sizeof sroot) != 0)
		return err_set(c->e, ERR_STORE, "--to %s: the copied ledger (%lld entries) differs from the source's (%lld)",
			       c->r->to, (long long)dn, (long long)sn);
	/* The proofs the copy gives read its stored tree nodes: they came
	 * along with the other tables and must be the leaves' own. */
	if (storecopy_find(c, "ledger_nodes") != NULL) {
		char why[400];
		int rc = ledger_tree_check(c->dst, why, sizeof why, c->e);

		if (rc < 0)
			return err_prefix(c->e, "--to %s", c->r->to);
		if (rc > 0)
			return err_set(c->e, ERR_STORE, "--from %s: %s, so it is not copied (see 'steward audit verify')",
				       c->r->from, why);
	}
	c->r->entries = dn;
	c->r->checkpoints = rep.checkpoints;
	c->r->covered = rep.verified;
	if (dn > 0)
		sodium_bin2hex(c->r->root, sizeof c->r->root, droot, sizeof droot);
	return 0;
}

/* Reads a whole small file kept beside a store; 1 when there is none. */
static int storecopy_slurp(struct storecopy *c, const char *path, const char *what, char **buf, size_t *len,
			   struct stat *sb)
{
	*buf = NULL;
	if (lstat(path, sb) != 0) {
		if (errno == ENOENT)
			return 1;
		return err_set(c->e, ERR_IO, "%s %s: %s", what, path, strerror(errno));
	}
	if (access(path, R_OK) != 0)
		return err_set(c->e, ERR_DENIED, "%s %s is not readable by this account (%s)", what, path, strerror(errno));
	return file_read_flags(path, what, FILE_NOFOLLOW, 1 << 16, buf, len, c->e) != 0 ? -1 : 0;
}

/* Copies the file kept beside the source for suffix to dpath, the same
 * place beside the destination, with the source's mode: an existing
 * identical file is kept, a different one refused (it belongs to
 * another store). Written through a temporary file and link(), so a
 * kill never leaves half a key and nothing is ever overwritten. */
static int storecopy_file(struct storecopy *c, const char *suffix, const char *what, const char *dpath,
			  enum storecopy_file *state)
{
	char spath[4200], tmp[4300], *sbuf = NULL, *dbuf = NULL;
	struct stat ss, ds;
	size_t slen, dlen;
	int fd = -1, r = -1, got;

	*state = STORECOPY_NONE;
	if (store_local_path(c->src, suffix, spath, sizeof spath, c->e) != 0)
		return err_prefix(c->e, "--from: its %s", what);
	if ((got = storecopy_slurp(c, spath, what, &sbuf, &slen, &ss)) != 0)
		return got > 0 ? 0 : err_prefix(c->e, "--from");
	got = storecopy_slurp(c, dpath, what, &dbuf, &dlen, &ds);
	if (got < 0) {
		err_prefix(c->e, "--to");
		goto out;
	}
	if (got == 0) {
		if (dlen != slen || memcmp(dbuf, sbuf, slen) != 0) {
			err_set(c->e, ERR_EXISTS,
				"--to: a different %s is already at %s (another store's?): move it away, then copy again",
				what, dpath);
			goto out;
		}
		*state = STORECOPY_SAME;
		r = 0;
		goto out;
	}
	if (snprintf(tmp, sizeof tmp, "%s.copy-XXXXXX", dpath) >= (int)sizeof tmp) {
		err_set(c->e, ERR_INVALID, "--to: the %s's path is too long", what);
		goto out;
	}
	if ((fd = mkstemp(tmp)) < 0) {
		err_set(c->e, ERR_IO, "--to: cannot write the %s beside it (%s): %s", what, dpath, strerror(errno));
		goto out;
	}
	if (fchmod(fd, ss.st_mode & 0777) != 0 || write(fd, sbuf, slen) != (ssize_t)slen || fsync(fd) != 0) {
		err_set(c->e, ERR_IO, "--to: writing the %s %s: %s", what, tmp, strerror(errno));
		goto out;
	}
	if (link(tmp, dpath) != 0) {
		err_set(c->e, ERR_IO, "--to: placing the %s at %s: %s", what, dpath, strerror(errno));
		goto out;
	}
	snprintf(c->made[c->nmade++], sizeof c->made[0], "%s", dpath);
	*state = STORECOPY_COPIED;
	r = 0;
out:
	if (fd >= 0) {
		close(fd);
		unlink(tmp);
	}
	if (sbuf != NULL)
		sodium_memzero(sbuf, slen);
	free(sbuf);
	if (dbuf != NULL)
		sodium_memzero(dbuf, dlen);
	free(dbuf);
	return r;
}

/* Where suffix's file lives beside the destination once the copy is in
 * place. A store file is still at its temporary name, so its files are
 * named after `to` (store_local_path's PATH + suffix for a file). */
static int storecopy_dst_local(struct storecopy *c, const char *suffix, char *buf, size_t n)
{
	if (c->tmp[0] == '\0')
		return store_local_path(c->dst, suffix, buf, n, c->e);
	if (snprintf(buf, n, "%s%s", c->to, suffix) >= (int)n)
		return err_set(c->e, ERR_INVALID, "--to: the path is too long");
	return 0;
}

static void storecopy_unlink_tmp(struct storecopy *c)
{
	char p[4300];

	if (c->tmp[0] == '\0')
		return;
	unlink(c->tmp);
	snprintf(p, sizeof p, "%s-wal", c->tmp);
	unlink(p);
	snprintf(p, sizeof p, "%s-shm", c->tmp);
	unlink(p);
}

/* --from: open read-only, at this build's schema, not the destination. */
static int storecopy_open_src(struct storecopy *c)
{
	int v;

	c->src = store_open(c->from, STORE_READONLY, c->e);
	store_label_of(c->from, c->r->from, sizeof c->r->from);
	if (c->src == NULL)
		return err_prefix(c->e, "--from");
	v = store_schema_version(c->src);
	if (v != store_schema_latest())
		return err_set(c->e, ERR_STORE,
			       "--from %s has schema %d and this steward writes %d: run 'steward init --db %s' once"
			       " (as its owner role on PostgreSQL) to upgrade it, then copy",
			       c->r->from, v, store_schema_latest(), c->r->from);
	if ((c->scat = storecopy_cat(c->src)) == NULL)
		return err_set(c->e, ERR_STORE, "--from: no catalogue for engine %s", store_engine(c->src));
	return 0;
}

/* --to: a new file is made at a temporary name beside it; a database
 * gets steward's schema if it has none (as its owner). */
static int storecopy_open_dst(struct storecopy *c)
{
	struct stat sb, ss;
	int fd;

	store_label_of(c->to, c->r->to, sizeof c->r->to);
	if (strcmp(c->from, c->to) == 0)
		return err_set(c->e, ERR_INVALID, "--from and --to name the same store (%s)", c->r->to);
	if (!store_is_uri(c->to)) {
		if (stat(c->to, &sb) == 0) {
			if (!store_is_uri(c->from) && stat(c->from, &ss) == 0 && ss.st_dev == sb.st_dev &&
			    ss.st_ino == sb.st_ino)
				return err_set(c->e, ERR_INVALID, "--from and --to name the same store (%s)", c->r->to);
			if (S_ISDIR(sb.st_mode))
				return err_set(c->e, ERR_INVALID, "--to %s is a directory: name the new store file", c->to);
			if (sb.st_size > 0)
				return err_set(c->e, ERR_EXISTS,
					       "--to %s already exists (%lld bytes; a store holding an estate, or another"
					       " file): copy only to a new file",
					       c->to, (long long)sb.st_size);
		} else if (errno != ENOENT) {
			return err_set(c->e, ERR_IO, "--to %s: %s", c->to, strerror(errno));
		}
		if (file_mkparent(c->to, c->e) != 0)
			return err_prefix(c->e, "--to %s", c->to);
		if (snprintf(c->tmp, sizeof c->tmp, "%s.copy-XXXXXX", c->to) >= (int)sizeof c->tmp) {
			c->tmp[0] = '\0';
			return err_set(c->e, ERR_INVALID, "--to: the path is too long");
		}
		/* 0600 from mkstemp, as a store steward makes. */
		if ((fd = mkstemp(c->tmp)) < 0) {
			err_set(c->e, ERR_IO, "--to %s: cannot write beside it: %s", c->to, strerror(errno));
			c->tmp[0] = '\0';
			return -1;
		}
		close(fd);
		c->dst = store_open(c->tmp, STORE_CREATE, c->e);
		if (c->dst == NULL)
			return err_prefix(c->e, "--to %s", c->to);
	} else {
		c->dst = store_open(c->to, STORE_CREATE, c->e);
		if (c->dst == NULL) {
			/* The one failure a user can fix by connecting otherwise. */
			if (strstr(c->e->msg, "permission denied") != NULL)
				return err_prefix(c->e, "--to %s: making steward's schema needs the database's owner role"
					       " (scripts/pg-setup's steward_owner): connect as it", c->r->to);
			return err_prefix(c->e, "--to");
		}
	}
	if ((c->dcat = storecopy_cat(c->dst)) == NULL)
		return err_set(c->e, ERR_STORE, "--to: no catalogue for engine %s", store_engine(c->dst));
	return 0;
}

/* Two URIs may name one database (a socket and a port, two roles): the
 * files kept for each on this host are named after server and database. */
static int storecopy_same_db(struct storecopy *c)
{
	char a[4200], b[4200];

	if (!store_is_uri(c->from) || !store_is_uri(c->to))
		return 0;
	if (store_local_path(c->src, "", a, sizeof a, c->e) != 0 || store_local_path(c->dst, "", b, sizeof b, c->e) != 0)
		return -1;
	if (strcmp(a, b) == 0)
		return err_set(c->e, ERR_INVALID, "--from and --to name the same database (%s)", c->r->to);
	return 0;
}

/* A role that does not own the tables cannot move their identities, and
 * is not who should fill a store: say so before writing anything. */
static int storecopy_owner(struct storecopy *c)
{
	struct db_stmt *s;
	int64_t n = 0;
	int rc;

	if (c->dcat->not_owned == NULL)
		return 0;
	if (store_prepare(c->dst, &s, c->dcat->not_owned, c->e) != 0)
		return err_prefix(c->e, "--to");
	rc = db_step(s);
	if (rc == DB_ROW)
		n = db_column_int64(s, 0);
	db_finalize(s);
	if (rc != DB_ROW) {
		store_fail(c->dst, c->e, "reading who owns the tables");
		return err_prefix(c->e, "--to %s", c->r->to);
	}
	if (n > 0)
		return err_set(c->e, ERR_DENIED,
			       "--to %s: this role does not own the store's tables (a runtime role?): a copy runs as the"
			       " database's owner role (scripts/pg-setup's steward_owner)",
			       c->r->to);
	return 0;
}

static int storecopy_fill(struct storecopy *c)
{
	int64_t total = 0, done = 0;
	char path[4200];
	struct err ig;
	size_t i;

	if (storecopy_match_tables(c) != 0 || storecopy_dst_empty(c) != 0 || storecopy_order(c) != 0 ||
	    storecopy_identities(c) != 0)
		return -1;
	if (store_exec(c->src, c->scat->snapshot, "reading one moment of the source", c->e) != 0)
		return err_prefix(c->e, "--from");
	c->snapshot = 1;
	for (i = 0; i < c->nt; i++) {
		if (storecopy_count(c, c->src, "--from", c->t[i].name, &c->t[i].rows) != 0)
			return -1;
		total += c->t[i].rows;
	}
	if (store_begin(c->dst, c->e) != 0)
		return err_prefix(c->e, "--to");
	for (i = 0; i < c->nt; i++)
		if (storecopy_table(c, &c->t[i], &done, total) != 0)
			goto fail;
	c->r->tables = (int)c->nt;
	if (storecopy_verify(c) != 0)
		goto fail;
	/* Before the commit, so a key that cannot be placed leaves no store
	 * without its signer; removed again if the commit fails. */
	if (storecopy_dst_local(c, ".logkey", path, sizeof path) != 0 ||
	    storecopy_file(c, ".logkey", "log key", path, &c->r->logkey) != 0)
		goto fail;
	if (c->r->logkey != STORECOPY_NONE)
		snprintf(c->r->logkey_path, sizeof c->r->logkey_path, "%s", path);
	if (storecopy_dst_local(c, ".witness", path, sizeof path) != 0 ||
	    storecopy_file(c, ".witness", "witness", path, &c->r->witness) != 0)
		goto fail;
	if (c->r->witness != STORECOPY_NONE)
		snprintf(c->r->witness_path, sizeof c->r->witness_path, "%s", path);
	if (store_commit(c->dst, c->e) != 0) {
		err_prefix(c->e, "--to %s", c->r->to);
		return -1;
	}
	/* The copy stands either way: without statistics it is only slower
	 * until the server gathers them itself. */
	if (c->dcat->analyze != NULL)
		store_exec(c->dst, c->dcat->analyze, "gathering statistics", &ig);
	return 0;
fail:
	store_rollback(c->dst);
	return -1;
}

/* The source's key must be readable before anything is written: a copy
 * that could not bring it would stop signing checkpoints. */
static int storecopy_check_logkey(struct storecopy *c)
{
	char path[4200];
	struct stat sb;

	if (store_local_path(c->src, ".logkey", path, sizeof path, c->e) != 0)
		return err_prefix(c->e, "--from");
	if (lstat(path, &sb) != 0)
		return errno == ENOENT ? 0 : err_set(c->e, ERR_IO, "--from: log key %s: %s", path, strerror(errno));
	if (access(path, R_OK) != 0)
		return err_set(c->e, ERR_DENIED,
			       "--from: its log key %s is not readable by this account, so the copy could not sign"
			       " checkpoints: run the copy as the account that signs them (the key's owner)",
			       path);
	return 0;
}

int storecopy_run(const char *from, const char *to, const struct progress *pr, struct storecopy_result *r,
		  struct err *e)
{
	struct storecopy c = { .from = from, .to = to, .pr = pr, .r = r, .e = e };
	struct err ig;
	int i, rc = -1;

	memset(r, 0, sizeof *r);
	if (from == NULL || from[0] == '\0')
		return err_set(e, ERR_INVALID, "--from SRC is needed: the store to copy (a file or a postgresql:// URI)");
	if (to == NULL || to[0] == '\0')
		return err_set(e, ERR_INVALID, "--to DST is needed: a new store file or an empty PostgreSQL database");
	if (sodium_init() < 0)
		return err_set(e, ERR_IO, "libsodium failed to initialise");
	if (storecopy_open_src(&c) != 0 || storecopy_check_logkey(&c) != 0 || storecopy_open_dst(&c) != 0 ||
	    storecopy_same_db(&c) != 0 || storecopy_owner(&c) != 0 || storecopy_fill(&c) != 0)
		goto out;
	if (c.snapshot)
		store_exec(c.src, "COMMIT", "ending the read", &ig);
	c.snapshot = 0;
	if (c.tmp[0] != '\0') {
		char p[4300];

		/* Closed first: the last connection folds the -wal file into
		 * the store, which then stands alone under its new name. */
		store_close(c.dst);
		c.dst = NULL;
		snprintf(p, sizeof p, "%s-wal", c.tmp);
		unlink(p);
		snprintf(p, sizeof p, "%s-shm", c.tmp);
		unlink(p);
		if (rename(c.tmp, to) != 0) {
			err_set(e, ERR_IO, "--to %s: placing the copy there: %s", to, strerror(errno));
			goto out;
		}
		c.tmp[0] = '\0';
	}
	rc = 0;
out:
	if (c.snapshot)
		store_exec(c.src, "ROLLBACK", "ending the read", &ig);
	store_close(c.src);
	store_close(c.dst);
	if (rc != 0) {
		storecopy_unlink_tmp(&c);
		for (i = 0; i < c.nmade; i++)
			unlink(c.made[i]);
	}
	free(c.t);
	return rc;
}
