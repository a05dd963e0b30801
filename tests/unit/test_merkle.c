/* test_merkle: RFC 9162 tree hashes and proofs against the RFC 6962 test vectors, plus tampering. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "merkle.h"

static const struct {
	const char *data;
	size_t len;
} leaves_in[8] = {
	{ "", 0 },
	{ "\x00", 1 },
	{ "\x10", 1 },
	{ "\x20\x21", 2 },
	{ "\x30\x31", 2 },
	{ "\x40\x41\x42\x43", 4 },
	{ "\x50\x51\x52\x53\x54\x55\x56\x57", 8 },
	{ "\x60\x61\x62\x63\x64\x65\x66\x67\x68\x69\x6a\x6b\x6c\x6d\x6e\x6f", 16 },
};

/* Roots of the first n leaves, from the RFC 6962 reference test data. */
static const char *const roots[8] = {
	"6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
	"fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125",
	"aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77",
	"d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
	"4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4",
	"76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef",
	"ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c",
	"5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328",
};

static merkle_hash leaves[8];

static void hex(const merkle_hash h, char out[65])
{
	sodium_bin2hex(out, 65, h, MERKLE_HASH);
}

static int setup(void **state)
{
	(void)state;
	if (sodium_init() < 0)
		return -1;
	for (int i = 0; i < 8; i++)
		merkle_leaf(leaves_in[i].data, leaves_in[i].len, leaves[i]);
	return 0;
}

static void test_roots(void **state)
{
	merkle_hash r;
	char h[65];

	(void)state;
	merkle_root(leaves, 0, r);
	hex(r, h);
	assert_string_equal(h, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
	for (size_t n = 1; n <= 8; n++) {
		merkle_root(leaves, n, r);
		hex(r, h);
		assert_string_equal(h, roots[n - 1]);
	}
}

static void test_inclusion_vectors(void **state)
{
	merkle_hash path[MERKLE_MAX_PATH], root;
	size_t plen;
	char h[65];

	(void)state;
	assert_int_equal(merkle_inclusion_proof(leaves, 8, 0, path, &plen), 0);
	assert_int_equal(plen, 3);
	hex(path[0], h);
	assert_string_equal(h, "96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7");
	hex(path[2], h);
	assert_string_equal(h, "6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4");
	assert_int_equal(merkle_inclusion_proof(leaves, 8, 5, path, &plen), 0);
	hex(path[0], h);
	assert_string_equal(h, "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b");
	merkle_root(leaves, 8, root);
	assert_true(merkle_inclusion_verify(5, 8, leaves[5], path, plen, root));
	assert_int_equal(merkle_inclusion_proof(leaves, 8, 8, path, &plen), -1);
}

static void test_inclusion_all(void **state)
{
	merkle_hash path[MERKLE_MAX_PATH], root, bad;
	size_t plen;

	(void)state;
	for (size_t n = 1; n <= 8; n++) {
		merkle_root(leaves, n, root);
		for (size_t i = 0; i < n; i++) {
			assert_int_equal(merkle_inclusion_proof(leaves, n, i, path, &plen), 0);
			assert_true(merkle_inclusion_verify(i, n, leaves[i], path, plen, root));
			/* wrong index, wrong leaf, flipped path bit, short path. (A wrong size
			 * can verify: the signed checkpoint binds size to root, not the path.) */
			if (n > 1)
				assert_false(merkle_inclusion_verify((i + 1) % n, n, leaves[i], path, plen, root));
			memcpy(bad, leaves[i], MERKLE_HASH);
			bad[0] ^= 1;
			assert_false(merkle_inclusion_verify(i, n, bad, path, plen, root));
			if (plen > 0) {
				path[plen - 1][7] ^= 0x80;
				assert_false(merkle_inclusion_verify(i, n, leaves[i], path, plen, root));
				path[plen - 1][7] ^= 0x80;
				assert_false(merkle_inclusion_verify(i, n, leaves[i], path, plen - 1, root));
			}
		}
	}
}

static void test_consistency(void **state)
{
	merkle_hash path[MERKLE_MAX_PATH], r1, r2;
	size_t plen;
	char h[65];

	(void)state;
	assert_int_equal(merkle_consistency_proof(leaves, 8, 6, path, &plen), 0);
	assert_int_equal(plen, 3);
	hex(path[0], h);
	assert_string_equal(h, "0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a");
	for (size_t n = 1; n <= 8; n++) {
		merkle_root(leaves, n, r2);
		for (size_t m = 1; m <= n; m++) {
			merkle_root(leaves, m, r1);
			assert_int_equal(merkle_consistency_proof(leaves, n, m, path, &plen), 0);
			assert_true(merkle_consistency_verify(m, n, r1, r2, path, plen));
			if (m < n) {
				/* a rewritten history cannot prove consistency */
				merkle_hash fake;
				memcpy(fake, r1, MERKLE_HASH);
				fake[31] ^= 1;
				assert_false(merkle_consistency_verify(m, n, fake, r2, path, plen));
				path[0][0] ^= 1;
				assert_false(merkle_consistency_verify(m, n, r1, r2, path, plen));
				path[0][0] ^= 1;
			}
		}
	}
	assert_int_equal(merkle_consistency_proof(leaves, 8, 0, path, &plen), -1);
	assert_int_equal(merkle_consistency_proof(leaves, 8, 9, path, &plen), -1);
	assert_false(merkle_consistency_verify(9, 8, r1, r2, path, 0));
}

static void test_accumulator(void **state)
{
	struct merkle_acc acc;
	merkle_hash r, want;

	(void)state;
	merkle_acc_init(&acc);
	merkle_acc_root(&acc, r);
	merkle_root(leaves, 0, want);
	assert_memory_equal(r, want, MERKLE_HASH);
	for (size_t n = 1; n <= 8; n++) {
		merkle_acc_add(&acc, leaves[n - 1]);
		merkle_acc_root(&acc, r);
		merkle_root(leaves, n, want);
		assert_memory_equal(r, want, MERKLE_HASH);
	}
}

/* A table of every perfect subtree of big[], built level by level, for
 * the proofs that read stored nodes; reads counts what one proof read. */
#define BIG (1u << 17)
static merkle_hash *big, *table[18];
static unsigned reads;

static int table_get(void *arg, unsigned level, uint64_t index, merkle_hash out)
{
	(void)arg;
	if (level > 17 || index >= (BIG >> level))
		return -1;
	reads++;
	memcpy(out, table[level][index], MERKLE_HASH);
	return 0;
}

static int table_fail(void *arg, unsigned level, uint64_t index, merkle_hash out)
{
	(void)arg;
	(void)out;
	return level == 0 && index == 2 ? -1 : table_get(NULL, level, index, out);
}

static unsigned log2_up(uint64_t n)
{
	unsigned l = 0;

	while ((UINT64_C(1) << l) < n)
		l++;
	return l;
}

static int setup_big(void **state)
{
	(void)state;
	big = malloc(BIG * sizeof *big);
	if (big == NULL)
		return -1;
	for (uint32_t i = 0; i < BIG; i++)
		merkle_leaf(&i, sizeof i, big[i]);
	table[0] = big;
	for (unsigned l = 1; l <= 17; l++) {
		table[l] = malloc((BIG >> l) * sizeof(merkle_hash));
		if (table[l] == NULL)
			return -1;
		for (uint32_t j = 0; j < (BIG >> l); j++)
			merkle_node(table[l - 1][2 * j], table[l - 1][2 * j + 1], table[l][j]);
	}
	return 0;
}

static int teardown_big(void **state)
{
	(void)state;
	for (unsigned l = 1; l <= 17; l++)
		free(table[l]);
	free(big);
	return 0;
}

/* One size n: the root, and inclusion and consistency proofs at index i
 * and old size m, from nodes equal to those from every leaf, reading
 * O(log n) nodes. */
static void check_get(uint64_t n, uint64_t i, uint64_t m)
{
	merkle_hash want[MERKLE_MAX_PATH], got[MERKLE_MAX_PATH], r1, r2;
	size_t wl, gl;

	/* from every leaf, as RFC 9162 states it */
	merkle_root(big, n, r1);
	reads = 0;
	assert_int_equal(merkle_root_get(table_get, NULL, n, r2), 0);
	assert_memory_equal(r1, r2, MERKLE_HASH);
	assert_true(reads <= 2 * log2_up(n) + 1);
	assert_int_equal(merkle_inclusion_proof(big, n, i, want, &wl), 0);
	reads = 0;
	assert_int_equal(merkle_inclusion_proof_get(table_get, NULL, n, i, got, &gl), 0);
	assert_int_equal(gl, wl);
	assert_memory_equal(got, want, wl * MERKLE_HASH);
	assert_true(reads <= 3 * log2_up(n) + 1);
	assert_true(merkle_inclusion_verify(i, n, big[i], got, gl, r2));
	assert_int_equal(merkle_consistency_proof(big, n, m, want, &wl), 0);
	reads = 0;
	assert_int_equal(merkle_consistency_proof_get(table_get, NULL, n, m, got, &gl), 0);
	assert_int_equal(gl, wl);
	assert_memory_equal(got, want, wl * MERKLE_HASH);
	assert_true(reads <= 3 * log2_up(n) + 1);
	merkle_root(big, m, r1);
	assert_true(merkle_consistency_verify(m, n, r1, r2, got, gl));
}

static void test_get_small(void **state)
{
	merkle_hash path[MERKLE_MAX_PATH], r;
	size_t plen;

	(void)state;
	/* Every index of the small trees, a spread of them in the larger. */
	for (uint64_t n = 1; n <= 300; n++)
		for (uint64_t i = 0; i < n; i += n < 64 ? 1 : n / 16)
			check_get(n, i, i + 1);
	assert_int_equal(merkle_inclusion_proof_get(table_get, NULL, 8, 8, path, &plen), -1);
	assert_int_equal(merkle_consistency_proof_get(table_get, NULL, 8, 0, path, &plen), -1);
	assert_int_equal(merkle_consistency_proof_get(table_get, NULL, 8, 9, path, &plen), -1);
	assert_int_equal(merkle_range_get(table_get, NULL, 0, 0, r), -1);
	/* A node that cannot be read stops the proof instead of making one up. */
	assert_int_equal(merkle_root_get(table_fail, NULL, 3, r), -1);
	assert_int_equal(merkle_inclusion_proof_get(table_fail, NULL, 5, 3, path, &plen), -1);
	assert_int_equal(merkle_consistency_proof_get(table_fail, NULL, 7, 3, path, &plen), -1);
}

static void test_get_big(void **state)
{
	(void)state;
	/* Fixed seed: a failure can be reproduced. */
	srandom(16);
	for (int t = 0; t < 10; t++) {
		uint64_t n = 1 + (uint64_t)random() % BIG, i = (uint64_t)random() % n, m = 1 + (uint64_t)random() % n;

		check_get(n, i, m);
	}
	check_get(BIG, BIG - 1, BIG - 1);
	check_get(BIG - 1, 0, 1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_roots),
		cmocka_unit_test(test_inclusion_vectors),
		cmocka_unit_test(test_inclusion_all),
		cmocka_unit_test(test_consistency),
		cmocka_unit_test(test_accumulator),
		cmocka_unit_test_setup_teardown(test_get_small, setup_big, teardown_big),
		cmocka_unit_test_setup_teardown(test_get_big, setup_big, teardown_big),
	};

	return cmocka_run_group_tests(tests, setup, NULL);
}
