/* merkle: RFC 9162 section 2.1: tree hash, audit paths and consistency proofs, recursive as the RFC states them. */
#include "merkle.h"

#include <string.h>

#include <sodium.h>

void merkle_leaf(const void *data, size_t len, merkle_hash out)
{
	crypto_hash_sha256_state s;
	static const uint8_t prefix = 0x00;

	crypto_hash_sha256_init(&s);
	crypto_hash_sha256_update(&s, &prefix, 1);
	crypto_hash_sha256_update(&s, data, len);
	crypto_hash_sha256_final(&s, out);
}

void merkle_node(const merkle_hash left, const merkle_hash right, merkle_hash out)
{
	uint8_t buf[1 + 2 * MERKLE_HASH];

	buf[0] = 0x01;
	memcpy(buf + 1, left, MERKLE_HASH);
	memcpy(buf + 1 + MERKLE_HASH, right, MERKLE_HASH);
	crypto_hash_sha256(out, buf, sizeof buf);
}

/* The largest power of two strictly less than n (n >= 2). */
static size_t merkle_split(size_t n)
{
	size_t k = 1;

	while (k << 1 < n)
		k <<= 1;
	return k;
}

static void merkle_mth(const merkle_hash *d, size_t n, merkle_hash out)
{
	merkle_hash l, r;
	size_t k;

	if (n == 1) {
		memcpy(out, d[0], MERKLE_HASH);
		return;
	}
	k = merkle_split(n);
	merkle_mth(d, k, l);
	merkle_mth(d + k, n - k, r);
	merkle_node(l, r, out);
}

void merkle_root(const merkle_hash *leaves, size_t n, merkle_hash out)
{
	if (n == 0) {
		crypto_hash_sha256(out, NULL, 0);
		return;
	}
	merkle_mth(leaves, n, out);
}

static void merkle_path(size_t m, const merkle_hash *d, size_t n, merkle_hash *path, size_t *plen)
{
	size_t k;

	if (n == 1)
		return;
	k = merkle_split(n);
	if (m < k) {
		merkle_path(m, d, k, path, plen);
		merkle_mth(d + k, n - k, path[(*plen)++]);
	} else {
		merkle_path(m - k, d + k, n - k, path, plen);
		merkle_mth(d, k, path[(*plen)++]);
	}
}

int merkle_inclusion_proof(const merkle_hash *leaves, size_t n, size_t index,
			   merkle_hash path[MERKLE_MAX_PATH], size_t *plen)
{
	*plen = 0;
	if (index >= n)
		return -1;
	merkle_path(index, leaves, n, path, plen);
	return 0;
}

int merkle_inclusion_verify(uint64_t index, uint64_t size, const merkle_hash leaf,
			    const merkle_hash *path, size_t plen, const merkle_hash root)
{
	uint64_t fn = index, sn;
	merkle_hash r;

	if (index >= size)
		return 0;
	sn = size - 1;
	memcpy(r, leaf, MERKLE_HASH);
	for (size_t i = 0; i < plen; i++) {
		if (sn == 0)
			return 0;
		if ((fn & 1) || fn == sn) {
			merkle_node(path[i], r, r);
			while (!(fn & 1) && fn != 0) {
				fn >>= 1;
				sn >>= 1;
			}
		} else {
			merkle_node(r, path[i], r);
		}
		fn >>= 1;
		sn >>= 1;
	}
	return sn == 0 && sodium_memcmp(r, root, MERKLE_HASH) == 0;
}

static void merkle_subproof(size_t m, const merkle_hash *d, size_t n, int whole,
			    merkle_hash *path, size_t *plen)
{
	size_t k;

	if (m == n) {
		if (!whole)
			merkle_mth(d, n, path[(*plen)++]);
		return;
	}
	k = merkle_split(n);
	if (m <= k) {
		merkle_subproof(m, d, k, whole, path, plen);
		merkle_mth(d + k, n - k, path[(*plen)++]);
	} else {
		merkle_subproof(m - k, d + k, n - k, 0, path, plen);
		merkle_mth(d, k, path[(*plen)++]);
	}
}

int merkle_consistency_proof(const merkle_hash *leaves, size_t n, size_t m,
			     merkle_hash path[MERKLE_MAX_PATH], size_t *plen)
{
	*plen = 0;
	if (m == 0 || m > n)
		return -1;
	if (m < n)
		merkle_subproof(m, leaves, n, 1, path, plen);
	return 0;
}

int merkle_consistency_verify(uint64_t m, uint64_t n, const merkle_hash old_root,
			      const merkle_hash new_root, const merkle_hash *path, size_t plen)
{
	merkle_hash fr, sr;
	uint64_t fn, sn;
	size_t i = 0;

	if (m == 0 || m > n)
		return 0;
	if (m == n)
		return plen == 0 && sodium_memcmp(old_root, new_root, MERKLE_HASH) == 0;
	if (plen == 0)
		return 0;
	/* When m is a power of two the old root is itself the first node. */
	if ((m & (m - 1)) == 0) {
		memcpy(fr, old_root, MERKLE_HASH);
	} else {
		memcpy(fr, path[0], MERKLE_HASH);
		i = 1;
	}
	memcpy(sr, fr, MERKLE_HASH);
	fn = m - 1;
	sn = n - 1;
	while (fn & 1) {
		fn >>= 1;
		sn >>= 1;
	}
	for (; i < plen; i++) {
		if (sn == 0)
			return 0;
		if ((fn & 1) || fn == sn) {
			merkle_node(path[i], fr, fr);
			merkle_node(path[i], sr, sr);
			while (!(fn & 1) && fn != 0) {
				fn >>= 1;
				sn >>= 1;
			}
		} else {
			merkle_node(sr, path[i], sr);
		}
		fn >>= 1;
		sn >>= 1;
	}
	return sn == 0 && sodium_memcmp(fr, old_root, MERKLE_HASH) == 0 &&
	       sodium_memcmp(sr, new_root, MERKLE_HASH) == 0;
}

/* The largest power of two strictly less than n (n >= 2), 64-bit. */
static uint64_t merkle_split64(uint64_t n)
{
	uint64_t k = 1;

	while (k << 1 < n)
		k <<= 1;
	return k;
}

int merkle_range_get(merkle_get_fn get, void *arg, uint64_t start, uint64_t n, merkle_hash out)
{
	merkle_hash l, r;
	uint64_t k;

	if (n == 0)
		return -1;
	/* n is a power of two: start is aligned to it when its low bits are clear. */
	if ((n & (n - 1)) == 0 && (start & (n - 1)) == 0) {
		unsigned level = 0;

		while ((UINT64_C(1) << level) < n)
			level++;
		return get(arg, level, start >> level, out);
	}
	/* Only the right edge is not perfect: the left half always is, so
	 * this recursion reads at most two nodes per level. */
	k = merkle_split64(n);
	if (merkle_range_get(get, arg, start, k, l) != 0 || merkle_range_get(get, arg, start + k, n - k, r) != 0)
		return -1;
	merkle_node(l, r, out);
	return 0;
}

int merkle_root_get(merkle_get_fn get, void *arg, uint64_t n, merkle_hash out)
{
	if (n == 0) {
		crypto_hash_sha256(out, NULL, 0);
		return 0;
	}
	return merkle_range_get(get, arg, 0, n, out);
}

/* merkle_path over [start, start + n), the sibling hashes read through get. */
static int merkle_path_get(merkle_get_fn get, void *arg, uint64_t m, uint64_t start, uint64_t n,
			   merkle_hash *path, size_t *plen)
{
	uint64_t k;

	if (n == 1)
		return 0;
	if (*plen >= MERKLE_MAX_PATH)
		return -1;
	k = merkle_split64(n);
	if (m < k) {
		if (merkle_path_get(get, arg, m, start, k, path, plen) != 0)
			return -1;
		return merkle_range_get(get, arg, start + k, n - k, path[(*plen)++]);
	}
	if (merkle_path_get(get, arg, m - k, start + k, n - k, path, plen) != 0)
		return -1;
	return merkle_range_get(get, arg, start, k, path[(*plen)++]);
}

int merkle_inclusion_proof_get(merkle_get_fn get, void *arg, uint64_t n, uint64_t index,
			       merkle_hash path[MERKLE_MAX_PATH], size_t *plen)
{
	*plen = 0;
	if (index >= n)
		return -1;
	return merkle_path_get(get, arg, index, 0, n, path, plen);
}

static int merkle_subproof_get(merkle_get_fn get, void *arg, uint64_t m, uint64_t start, uint64_t n, int whole,
			       merkle_hash *path, size_t *plen)
{
	uint64_t k;

	if (*plen >= MERKLE_MAX_PATH)
		return -1;
	if (m == n) {
		if (!whole)
			return merkle_range_get(get, arg, start, n, path[(*plen)++]);
		return 0;
	}
	k = merkle_split64(n);
	if (m <= k) {
		if (merkle_subproof_get(get, arg, m, start, k, whole, path, plen) != 0)
			return -1;
		return merkle_range_get(get, arg, start + k, n - k, path[(*plen)++]);
	}
	if (merkle_subproof_get(get, arg, m - k, start + k, n - k, 0, path, plen) != 0)
		return -1;
	return merkle_range_get(get, arg, start, k, path[(*plen)++]);
}

int merkle_consistency_proof_get(merkle_get_fn get, void *arg, uint64_t n, uint64_t m,
				 merkle_hash path[MERKLE_MAX_PATH], size_t *plen)
{
	*plen = 0;
	if (m == 0 || m > n)
		return -1;
	if (m < n)
		return merkle_subproof_get(get, arg, m, 0, n, 1, path, plen);
	return 0;
}

void merkle_acc_init(struct merkle_acc *a)
{
	memset(a, 0, sizeof *a);
}

/* The stack holds one perfect subtree per set bit of size, largest first,
 * which is exactly how RFC 9162 splits a tree at its largest power of two. */
void merkle_acc_add(struct merkle_acc *a, const merkle_hash leaf)
{
	merkle_hash h;
	uint64_t s = a->size;

	memcpy(h, leaf, MERKLE_HASH);
	while (s & 1) {
		merkle_node(a->stack[--a->top], h, h);
		s >>= 1;
	}
	memcpy(a->stack[a->top++], h, MERKLE_HASH);
	a->size++;
}

void merkle_acc_root(const struct merkle_acc *a, merkle_hash out)
{
	merkle_hash r;

	if (a->top == 0) {
		crypto_hash_sha256(out, NULL, 0);
		return;
	}
	memcpy(r, a->stack[a->top - 1], MERKLE_HASH);
	for (int i = a->top - 2; i >= 0; i--)
		merkle_node(a->stack[i], r, r);
	memcpy(out, r, MERKLE_HASH);
}
