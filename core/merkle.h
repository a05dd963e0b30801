/* merkle: RFC 9162 Merkle tree hashing, inclusion and consistency proofs over SHA-256. */
#ifndef STEWARD_MERKLE_H
#define STEWARD_MERKLE_H

#include <stddef.h>
#include <stdint.h>

#define MERKLE_HASH 32
#define MERKLE_MAX_PATH 64 /* enough for 2^64 leaves */

typedef uint8_t merkle_hash[MERKLE_HASH];

/* leaf = SHA-256(0x00 || data) */
void merkle_leaf(const void *data, size_t len, merkle_hash out);
/* node = SHA-256(0x01 || left || right) */
void merkle_node(const merkle_hash left, const merkle_hash right, merkle_hash out);
/* MTH of n leaf hashes; the empty tree's root is SHA-256 of nothing. */
void merkle_root(const merkle_hash *leaves, size_t n, merkle_hash out);

/* Audit path for leaf `index` in a tree of n leaves. *plen gets its length.
 * Returns -1 when index >= n. */
int merkle_inclusion_proof(const merkle_hash *leaves, size_t n, size_t index,
			   merkle_hash path[MERKLE_MAX_PATH], size_t *plen);
/* 1 when path proves leaf is at index in the tree of `size` with `root`. */
int merkle_inclusion_verify(uint64_t index, uint64_t size, const merkle_hash leaf,
			    const merkle_hash *path, size_t plen, const merkle_hash root);

/* Consistency proof that the first m leaves are a prefix of the n leaves
 * (0 < m <= n). Returns -1 when m is out of range. */
int merkle_consistency_proof(const merkle_hash *leaves, size_t n, size_t m,
			     merkle_hash path[MERKLE_MAX_PATH], size_t *plen);
/* 1 when path proves the tree (m, old_root) is a prefix of (n, new_root). */
int merkle_consistency_verify(uint64_t m, uint64_t n, const merkle_hash old_root,
			      const merkle_hash new_root, const merkle_hash *path, size_t plen);

/* The same proofs from stored perfect subtrees instead of every leaf, so
 * a proof reads O(log n) hashes. get fills out with the hash of the
 * perfect subtree at level (0: a leaf) and index, which covers leaves
 * [index * 2^level, (index + 1) * 2^level); it returns 0, or -1 to stop
 * (its own error). Each returns 0, or -1 when get failed or an index or
 * size is out of range. */
typedef int (*merkle_get_fn)(void *arg, unsigned level, uint64_t index, merkle_hash out);

/* MTH of leaves [start, start + n), n >= 1; start a multiple of the
 * smallest power of two >= n, as every subtree RFC 9162 names is. */
int merkle_range_get(merkle_get_fn get, void *arg, uint64_t start, uint64_t n, merkle_hash out);
int merkle_root_get(merkle_get_fn get, void *arg, uint64_t n, merkle_hash out);
int merkle_inclusion_proof_get(merkle_get_fn get, void *arg, uint64_t n, uint64_t index,
			       merkle_hash path[MERKLE_MAX_PATH], size_t *plen);
int merkle_consistency_proof_get(merkle_get_fn get, void *arg, uint64_t n, uint64_t m,
				 merkle_hash path[MERKLE_MAX_PATH], size_t *plen);

/* Streaming root: add leaves in order, read the root at any size in
 * O(log n). Lets a verifier check every checkpoint in one pass. */
struct merkle_acc {
	merkle_hash stack[MERKLE_MAX_PATH];
	int top;
	uint64_t size;
};

void merkle_acc_init(struct merkle_acc *a);
void merkle_acc_add(struct merkle_acc *a, const merkle_hash leaf);
void merkle_acc_root(const struct merkle_acc *a, merkle_hash out);

#endif
