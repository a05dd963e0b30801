/* ledger-tree: the ledger's Merkle tree kept as its stored perfect subtrees (table ledger_nodes), so proofs read O(log n) hashes. */
#include "ledger-tree.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Leaves are read in chunks, each statement finished before the next
 * one runs: PostgreSQL's engine would otherwise hold a whole open read
 * in memory to let another statement use the connection. */
#define TREE_CHUNK 8192
/* Rows per INSERT in the backfill: 3 parameters each, well under both
 * engines' limits on a statement's parameters. */
#define TREE_BATCH 64

/* The nodes an entry completes, level by level, while a pass over the
 * leaves keeps one perfect subtree per set bit of the size (as
 * merkle_acc does). */
struct tree_acc {
	merkle_hash stack[MERKLE_MAX_PATH];
	int top;
	int64_t size;
};

/* Adds the next leaf; fn gets each node it completes, lowest first. */
static int tree_acc_add(struct tree_acc *a, const uint8_t leaf[MERKLE_HASH],
			int (*fn)(void *arg, int64_t seq, unsigned level, const merkle_hash h), void *arg)
{
	merkle_hash h;
	int64_t s = a->size;
	unsigned level = 0;

	memcpy(h, leaf, MERKLE_HASH);
	a->size++;
	while (s & 1) {
		merkle_node(a->stack[--a->top], h, h);
		level++;
		if (fn(arg, a->size, level, h) != 0)
			return -1;
		s >>= 1;
	}
	memcpy(a->stack[a->top++], h, MERKLE_HASH);
	return 0;
}

/* A connection during a migration (ops, conn), or an open store (st). */
struct tree_db {
	const struct db_conn_ops *ops;
	void *conn;
	struct store *st;
};

static int tree_prepare(const struct tree_db *d, struct db_stmt **s, const char *sql)
{
	struct err e;

	if (d->st != NULL)
		return store_prepare(d->st, s, sql, &e);
	if (d->ops == NULL)
		return -1;
	return d->ops->prepare(d->conn, s, sql) == DB_OK ? 0 : -1;
}

/* Up to TREE_CHUNK leaves after entry `after`, in order; stops early at a
 * gap or a leaf of the wrong size. *got is how many were read. */
static int tree_leaves(const struct tree_db *d, int64_t after, merkle_hash *out, int *got)
{
	struct db_stmt *s;
	int rc;

	*got = 0;
	if (tree_prepare(d, &s, "SELECT seq, leaf FROM ledger WHERE seq > ?1 ORDER BY seq LIMIT ?2") != 0)
		return -1;
	db_bind_int64(s, 1, after);
	db_bind_int64(s, 2, TREE_CHUNK);
	while ((rc = db_step(s)) == DB_ROW) {
		if (db_column_int64(s, 0) != after + *got + 1 || db_column_bytes(s, 1) != MERKLE_HASH)
			break;
		memcpy(out[*got], db_column_blob(s, 1), MERKLE_HASH);
		(*got)++;
	}
	db_finalize(s);
	return rc == DB_ROW || rc == DB_DONE ? 0 : -1;
}

/* ---- backfill ---- */

struct tree_fill {
	const struct db_conn_ops *ops;
	void *conn;
	struct db_stmt *batch, *one;
	struct {
		int64_t seq;
		unsigned level;
		merkle_hash h;
	} row[TREE_BATCH];
	int n;
};

static int tree_fill_flush(struct tree_fill *f)
{
	int i, rc = DB_DONE;

	if (f->n == TREE_BATCH) {
		for (i = 0; i < f->n; i++) {
			db_bind_int64(f->batch, 3 * i + 1, f->row[i].seq);
			db_bind_int64(f->batch, 3 * i + 2, f->row[i].level);
			db_bind_blob(f->batch, 3 * i + 3, f->row[i].h, MERKLE_HASH, DB_STATIC);
		}
		rc = db_step(f->batch);
		db_reset(f->batch);
	} else {
		for (i = 0; i < f->n && rc == DB_DONE; i++) {
			db_bind_int64(f->one, 1, f->row[i].seq);
			db_bind_int64(f->one, 2, f->row[i].level);
			db_bind_blob(f->one, 3, f->row[i].h, MERKLE_HASH, DB_STATIC);
			rc = db_step(f->one);
			db_reset(f->one);
		}
	}
	f->n = 0;
	return rc == DB_DONE ? 0 : -1;
}

static int tree_fill_node(void *arg, int64_t seq, unsigned level, const merkle_hash h)
{
	struct tree_fill *f = arg;

	f->row[f->n].seq = seq;
	f->row[f->n].level = level;
	memcpy(f->row[f->n].h, h, MERKLE_HASH);
	return ++f->n == TREE_BATCH ? tree_fill_flush(f) : 0;
}

int ledger_tree_backfill(const struct db_conn_ops *ops, void *conn, struct err *e)
{
	struct tree_fill *f = calloc(1, sizeof *f);
	merkle_hash *leaves = malloc(TREE_CHUNK * sizeof *leaves);
	struct tree_acc acc = { .top = 0 };
	char sql[TREE_BATCH * 24 + 64];
	size_t w;
	int got = TREE_CHUNK, i, r = -1;

	if (f == NULL || leaves == NULL) {
		free(f);
		free(leaves);
		return err_set(e, ERR_IO, "out of memory");
	}
	f->ops = ops;
	f->conn = conn;
	w = (size_t)snprintf(sql, sizeof sql, "INSERT INTO ledger_nodes(seq, level, hash) VALUES ");
	for (i = 0; i < TREE_BATCH && w < sizeof sql; i++)
		w += (size_t)snprintf(sql + w, sizeof sql - w, "%s(?%d, ?%d, ?%d)", i ? ", " : "", 3 * i + 1,
				      3 * i + 2, 3 * i + 3);
	if (w >= sizeof sql || ops->prepare(conn, &f->batch, sql) != DB_OK ||
	    ops->prepare(conn, &f->one, "INSERT INTO ledger_nodes(seq, level, hash) VALUES (?1, ?2, ?3)") != DB_OK)
		goto out;
	while (got == TREE_CHUNK) {
		struct tree_db d = { .ops = ops, .conn = conn };

		if (tree_leaves(&d, acc.size, leaves, &got) != 0)
			goto out;
		for (i = 0; i < got; i++)
			if (tree_acc_add(&acc, leaves[i], tree_fill_node, f) != 0)
				goto out;
	}
	if (tree_fill_flush(f) != 0)
		goto out;
	r = 0;
out:
	if (r != 0)
		err_set(e, ERR_STORE, "filling ledger_nodes: %s", ops->errmsg(conn));
	if (f->batch != NULL)
		db_finalize(f->batch);
	if (f->one != NULL)
		db_finalize(f->one);
	free(f);
	free(leaves);
	return r;
}

/* ---- reading nodes ---- */

struct tree_get {
	struct store *st;
	struct err *e;
	int64_t size; /* nodes past it are not part of the tree asked for */
	struct db_stmt *leaf, *node;
};

/* The perfect subtree (level, index) as stored; one the table lacks is
 * computed from the two below it, so a lost row costs time, not a proof. */
static int tree_get_fn(void *arg, unsigned level, uint64_t index, merkle_hash out)
{
	struct tree_get *g = arg;
	struct db_stmt *s;
	merkle_hash l, r;
	uint64_t last;
	int rc, found;

	if (level >= 63 || index >= (UINT64_C(1) << (63 - level)) - 1 ||
	    (last = (index + 1) << level) > (uint64_t)g->size)
		return err_set(g->e, ERR_STORE, "the ledger's tree has no node at level %u index %" PRIu64, level,
			       index);
	s = level == 0 ? g->leaf : g->node;
	if (s == NULL && store_prepare(g->st, &s,
				       level == 0 ? "SELECT leaf FROM ledger WHERE seq = ?1"
						  : "SELECT hash FROM ledger_nodes WHERE seq = ?1 AND level = ?2",
				       g->e) != 0)
		return -1;
	if (level == 0)
		g->leaf = s;
	else
		g->node = s;
	db_bind_int64(s, 1, (int64_t)last);
	if (level > 0)
		db_bind_int64(s, 2, level);
	rc = db_step(s);
	found = rc == DB_ROW && db_column_bytes(s, 0) == MERKLE_HASH; /* the wrong size is as if missing */
	if (found)
		memcpy(out, db_column_blob(s, 0), MERKLE_HASH);
	db_reset(s);
	if (found)
		return 0;
	if (rc != DB_DONE && rc != DB_ROW)
		return store_fail(g->st, g->e, "reading the ledger's tree");
	if (level == 0)
		return err_set(g->e, ERR_STORE,
			       "ledger entry %" PRIu64 " is missing or malformed (run 'steward audit verify')", last);
	if (tree_get_fn(g, level - 1, 2 * index, l) != 0 || tree_get_fn(g, level - 1, 2 * index + 1, r) != 0)
		return -1;
	merkle_node(l, r, out);
	return 0;
}

static void tree_get_done(struct tree_get *g)
{
	if (g->leaf != NULL)
		db_finalize(g->leaf);
	if (g->node != NULL)
		db_finalize(g->node);
}

/* Every failure of a get has filled e; this names what was being built. */
static int tree_failed(struct err *e, const char *what)
{
	if (e->msg[0] == '\0')
		err_set(e, ERR_STORE, "the ledger's tree is too large for %s", what);
	return -1;
}

int ledger_tree_root(struct store *st, int64_t size, merkle_hash out, struct err *e)
{
	struct tree_get g = { .st = st, .e = e, .size = size };
	int r;

	err_clear(e);
	r = size < 0 ? -1 : merkle_root_get(tree_get_fn, &g, (uint64_t)size, out);
	tree_get_done(&g);
	return r == 0 ? 0 : tree_failed(e, "a root");
}

int ledger_tree_inclusion(struct store *st, int64_t size, int64_t seq, merkle_hash path[MERKLE_MAX_PATH],
			  size_t *plen, struct err *e)
{
	struct tree_get g = { .st = st, .e = e, .size = size };
	int r;

	err_clear(e);
	*plen = 0;
	if (seq < 1 || seq > size)
		return err_set(e, ERR_NOTFOUND, "entry %" PRId64 " is not in a tree of size %" PRId64, seq, size);
	r = merkle_inclusion_proof_get(tree_get_fn, &g, (uint64_t)size, (uint64_t)(seq - 1), path, plen);
	tree_get_done(&g);
	return r == 0 ? 0 : tree_failed(e, "an inclusion proof");
}

int ledger_tree_consistency(struct store *st, int64_t size, int64_t old_size, merkle_hash path[MERKLE_MAX_PATH],
			    size_t *plen, struct err *e)
{
	struct tree_get g = { .st = st, .e = e, .size = size };
	int r;

	err_clear(e);
	*plen = 0;
	if (old_size < 1 || old_size > size)
		return err_set(e, ERR_INVALID, "old size %" PRId64 " is not between 1 and %" PRId64, old_size, size);
	r = merkle_consistency_proof_get(tree_get_fn, &g, (uint64_t)size, (uint64_t)old_size, path, plen);
	tree_get_done(&g);
	return r == 0 ? 0 : tree_failed(e, "a consistency proof");
}

/* ---- appending ---- */

struct tree_put {
	struct store *st;
	struct err *e;
	struct db_stmt *ins;
};

static int tree_put_node(void *arg, int64_t seq, unsigned level, const merkle_hash h)
{
	struct tree_put *p = arg;
	int rc;

	/* A row already there can only be left by entries someone deleted
	 * from the ledger: the append goes on, as it does over any other
	 * tampering, and the checkpoint signer and audit verify name it. */
	if (p->ins == NULL &&
	    store_prepare(p->st, &p->ins,
			  "INSERT INTO ledger_nodes(seq, level, hash) VALUES (?1, ?2, ?3) ON CONFLICT DO NOTHING", p->e) != 0)
		return -1;
	db_bind_int64(p->ins, 1, seq);
	db_bind_int64(p->ins, 2, level);
	db_bind_blob(p->ins, 3, h, MERKLE_HASH, DB_STATIC);
	rc = db_step(p->ins);
	db_reset(p->ins);
	return rc == DB_DONE ? 0 : store_fail(p->st, p->e, "recording the ledger's tree");
}

int ledger_tree_append(struct store *st, int64_t seq, const uint8_t leaf[MERKLE_HASH], struct err *e)
{
	struct tree_get g = { .st = st, .e = e, .size = seq };
	struct tree_put p = { .st = st, .e = e };
	merkle_hash h, left;
	uint64_t idx = (uint64_t)(seq - 1);
	unsigned level = 0;
	int r = 0;

	memcpy(h, leaf, MERKLE_HASH);
	/* Each 1 bit at the bottom of the index closes a perfect subtree
	 * whose left half is already stored. */
	while (r == 0 && (idx & 1)) {
		r = tree_get_fn(&g, level, idx - 1, left);
		if (r == 0) {
			merkle_node(left, h, h);
			level++;
			idx >>= 1;
			r = tree_put_node(&p, seq, level, h);
		}
	}
	tree_get_done(&g);
	if (p.ins != NULL)
		db_finalize(p.ins);
	return r;
}

/* ---- checking the table against the leaves ---- */

struct tree_want {
	merkle_hash h[TREE_CHUNK * 2];
	int64_t seq[TREE_CHUNK * 2];
	unsigned level[TREE_CHUNK * 2];
	int n;
};

static int tree_want_node(void *arg, int64_t seq, unsigned level, const merkle_hash h)
{
	struct tree_want *w = arg;

	/* A chunk of TREE_CHUNK leaves completes fewer than 2 * TREE_CHUNK nodes. */
	if (w->n >= TREE_CHUNK * 2)
		return -1;
	w->seq[w->n] = seq;
	w->level[w->n] = level;
	memcpy(w->h[w->n++], h, MERKLE_HASH);
	return 0;
}

static void tree_name(char *why, size_t n, const char *what, int64_t seq, unsigned level)
{
	snprintf(why, n, "ledger_nodes: the node at level %u index %" PRId64 " (entries %" PRId64 " to %" PRId64 ") %s",
		 level, (seq >> level) - 1, seq - ((int64_t)1 << level) + 1, seq, what);
}

/* Compares the stored nodes of entries (from, to] with w, in order. */
static int tree_check_range(struct store *st, int64_t from, int64_t to, const struct tree_want *w, char *why,
			    size_t n, struct err *e)
{
	struct db_stmt *s;
	int i = 0, rc, bad = 0;

	if (store_prepare(st, &s,
			  "SELECT seq, level, hash FROM ledger_nodes WHERE seq > ?1 AND seq <= ?2 ORDER BY seq, level", e) != 0)
		return -1;
	db_bind_int64(s, 1, from);
	db_bind_int64(s, 2, to);
	while (!bad && (rc = db_step(s)) == DB_ROW) {
		int64_t seq = db_column_int64(s, 0), level = db_column_int64(s, 1);

		if (level < 1 || level > 62) {
			snprintf(why, n, "ledger_nodes: a row for entry %" PRId64 " has level %" PRId64
				 ", which no node has", seq, level);
			bad = 1;
		} else if (i < w->n && (w->seq[i] < seq || (w->seq[i] == seq && (int64_t)w->level[i] < level))) {
			tree_name(why, n, "is missing", w->seq[i], w->level[i]);
			bad = 1;
		} else if (i >= w->n || w->seq[i] != seq || (int64_t)w->level[i] != level) {
			tree_name(why, n, "should not exist: entry has no such node", seq, (unsigned)level);
			bad = 1;
		} else if (db_column_bytes(s, 2) != MERKLE_HASH ||
			   memcmp(db_column_blob(s, 2), w->h[i], MERKLE_HASH) != 0) {
			tree_name(why, n, "differs from the hash of the entries below it", seq, (unsigned)level);
			bad = 1;
		}
		i++;
	}
	db_finalize(s);
	if (bad)
		return 1;
	if (rc != DB_DONE)
		return store_fail(st, e, "reading ledger_nodes");
	if (i < w->n) {
		tree_name(why, n, "is missing", w->seq[i], w->level[i]);
		return 1;
	}
	return 0;
}

/* With in_mem the leaves are mem's nmem, otherwise read from the ledger. */
static int tree_check_from(struct store *st, int in_mem, const merkle_hash *mem, int64_t nmem, char *why,
			   size_t n, struct err *e)
{
	struct tree_want *w = malloc(sizeof *w);
	merkle_hash *leaves = in_mem ? NULL : malloc(TREE_CHUNK * sizeof *leaves);
	struct tree_acc acc = { .top = 0 };
	struct db_stmt *s;
	int got = TREE_CHUNK, i, r = 0, rc;

	why[0] = '\0';
	if (w == NULL || (!in_mem && leaves == NULL)) {
		free(w);
		free(leaves);
		return err_set(e, ERR_IO, "out of memory");
	}
	while (r == 0 && got == TREE_CHUNK) {
		struct tree_db d = { .st = st };
		int64_t from = acc.size;
		const merkle_hash *chunk = leaves;

		if (in_mem) {
			got = nmem - from < TREE_CHUNK ? (int)(nmem - from) : TREE_CHUNK;
			chunk = got > 0 ? mem + from : NULL;
		} else if (tree_leaves(&d, from, leaves, &got) != 0) {
			r = store_fail(st, e, "reading the ledger");
			break;
		}
		w->n = 0;
		for (i = 0; r == 0 && i < got; i++)
			if (tree_acc_add(&acc, chunk[i], tree_want_node, w) != 0)
				r = err_set(e, ERR_IO, "too many nodes in one chunk");
		if (r == 0)
			r = tree_check_range(st, from, acc.size, w, why, n, e);
	}
	/* Nothing may stand past the last entry the pass could read. */
	if (r == 0 && store_prepare(st, &s, "SELECT seq, level FROM ledger_nodes WHERE seq > ?1 ORDER BY seq, level LIMIT 1",
				    e) == 0) {
		db_bind_int64(s, 1, acc.size);
		rc = db_step(s);
		if (rc == DB_ROW) {
			int64_t seq = db_column_int64(s, 0), level = db_column_int64(s, 1);

			if (level >= 1 && level <= 62)
				tree_name(why, n, "should not exist: the ledger has no such entries", seq,
					  (unsigned)level);
			else
				snprintf(why, n, "ledger_nodes: a row for entry %" PRId64 " has level %" PRId64
					 ", which no node has", seq, level);
			r = 1;
		} else if (rc != DB_DONE) {
			r = store_fail(st, e, "reading ledger_nodes");
		}
		db_finalize(s);
	} else if (r == 0) {
		r = -1;
	}
	free(w);
	free(leaves);
	return r;
}

int ledger_tree_check(struct store *st, char *why, size_t n, struct err *e)
{
	return tree_check_from(st, 0, NULL, 0, why, n, e);
}

int ledger_tree_check_leaves(struct store *st, const merkle_hash *leaves, int64_t nleaves, char *why, size_t n,
			     struct err *e)
{
	return tree_check_from(st, 1, leaves, nleaves, why, n, e);
}
