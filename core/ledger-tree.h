/* ledger-tree: the ledger's Merkle tree kept as its stored perfect subtrees (table ledger_nodes), so proofs read O(log n) hashes. */
#ifndef STEWARD_LEDGER_TREE_H
#define STEWARD_LEDGER_TREE_H

#include <stddef.h>
#include <stdint.h>

#include "db.h"
#include "err.h"
#include "merkle.h"
#include "store.h"

/* A row of ledger_nodes is the perfect subtree at level L >= 1 (2^L
 * leaves) whose last leaf is entry seq: the node an append of entry seq
 * completes. Its index in RFC 9162 terms is seq / 2^L - 1. Level 0 is
 * the leaf column of the ledger itself. Amortised, one row per entry. */

/* Records the nodes entry seq (just inserted with leaf) completes, in
 * the caller's transaction, as ledger_append does for every entry. */
int ledger_tree_append(struct store *st, int64_t seq, const uint8_t leaf[MERKLE_HASH], struct err *e);

/* The migration's backfill: the nodes of every entry already in the
 * ledger, in one pass over its leaves in bounded memory, inserted in
 * batches. Runs on the migrating connection inside its transaction;
 * stops quietly at a gap or a malformed leaf (audit verify reports those). */
int ledger_tree_backfill(const struct db_conn_ops *ops, void *conn, struct err *e);

/* The root of the first size entries, an audit path for entry seq, and
 * the consistency proof from old_size, from O(log size) stored hashes.
 * A node missing from the table is computed from the nodes below it. */
int ledger_tree_root(struct store *st, int64_t size, merkle_hash out, struct err *e);
int ledger_tree_inclusion(struct store *st, int64_t size, int64_t seq, merkle_hash path[MERKLE_MAX_PATH],
			  size_t *plen, struct err *e);
int ledger_tree_consistency(struct store *st, int64_t size, int64_t old_size, merkle_hash path[MERKLE_MAX_PATH],
			    size_t *plen, struct err *e);

/* Recomputes every node from the ledger's leaves and compares the table
 * with them, in one pass. 0 when they agree; 1 with why naming the first
 * node that differs, is missing or should not exist (its level and
 * index); -1 with e filled when the store could not be read. */
int ledger_tree_check(struct store *st, char *why, size_t n, struct err *e);
/* The same from the first nleaves leaves already read (audit verify's
 * pass kept them, checked against the bodies): only the table is read. */
int ledger_tree_check_leaves(struct store *st, const merkle_hash *leaves, int64_t nleaves, char *why, size_t n,
			     struct err *e);

#endif
