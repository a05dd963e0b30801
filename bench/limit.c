/* limit: the machine's limit for verifying a store's ledger: SHA-256 of every entry body and every Ed25519 signature audit verify checks, timed on data already in memory. */
#include <errno.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>
#include <sodium.h>
#include <sqlite3.h>

#include "dsse.h"
#include "keys.h"
#include "proven.h"

/*
 * A baseline, not a verifier: it reads the SQLite file directly (the one
 * program outside core/ that does, so that no steward code is inside the
 * measurement), loads everything first, and times only the cryptography
 * audit verify cannot avoid: leaf = SHA-256(0x00 || body) for every entry,
 * and crypto_sign_verify_detached for every checkpoint note, every keyring
 * change's DSSE PAE, every approval envelope's DSSE PAE and every act's
 * signature by its actor (the sig column, over the entry's DSSE PAE).
 */

struct limit_sig {
	uint8_t *msg;
	size_t len;
	uint8_t sig[crypto_sign_BYTES];
	uint8_t pk[crypto_sign_PUBLICKEYBYTES];
};

struct limit_data {
	uint8_t *bodies; /* every body, back to back */
	size_t *off;     /* entry i is bodies[off[i]] .. bodies[off[i + 1]] */
	uint8_t (*leaf)[32];
	size_t n, cap, bytes, bcap;
	struct limit_sig *sigs;
	size_t nsigs, sigcap;
	size_t checkpoints, keyring, approvals, acts;
};

/* One thread's share of the timed work and what it found. */
struct limit_job {
	const struct limit_data *d;
	size_t from, to;       /* entries */
	size_t sfrom, sto;     /* signatures */
	size_t bad_leaves, bad_sigs;
};

static double limit_now(void)
{
	struct timespec t;

	if (clock_gettime(CLOCK_MONOTONIC, &t) != 0)
		return 0;
	return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

static int limit_fail(sqlite3 *db, const char *what)
{
	fprintf(stderr, "limit: %s: %s\n", what, db != NULL ? sqlite3_errmsg(db) : "out of memory");
	return -1;
}

static int limit_add_entry(struct limit_data *d, const void *body, size_t len, const void *leaf)
{
	if (d->n + 2 > d->cap) {
		size_t cap = d->cap ? 2 * d->cap : 1 << 16;
		size_t *off = realloc(d->off, cap * sizeof *off);
		uint8_t(*lv)[32];

		if (off == NULL)
			return -1;
		d->off = off;
		lv = realloc(d->leaf, cap * sizeof *lv);
		if (lv == NULL)
			return -1;
		d->leaf = lv;
		d->cap = cap;
	}
	if (d->bytes + len > d->bcap) {
		size_t cap = d->bcap ? 2 * d->bcap : 1 << 24;
		uint8_t *b;

		while (cap < d->bytes + len)
			cap *= 2;
		b = realloc(d->bodies, cap);
		if (b == NULL)
			return -1;
		d->bodies = b;
		d->bcap = cap;
	}
	d->off[d->n] = d->bytes;
	memcpy(d->bodies + d->bytes, body, len);
	memcpy(d->leaf[d->n], leaf, 32);
	d->bytes += len;
	d->n++;
	d->off[d->n] = d->bytes;
	return 0;
}

static struct limit_sig *limit_add_sig(struct limit_data *d)
{
	if (d->nsigs == d->sigcap) {
		size_t cap = d->sigcap ? 2 * d->sigcap : 1024;
		struct limit_sig *v = realloc(d->sigs, cap * sizeof *v);

		if (v == NULL)
			return NULL;
		d->sigs = v;
		d->sigcap = cap;
	}
	memset(&d->sigs[d->nsigs], 0, sizeof d->sigs[0]);
	return &d->sigs[d->nsigs++];
}

static int limit_entries(sqlite3 *db, struct limit_data *d)
{
	sqlite3_stmt *s;
	int rc;

	if (sqlite3_prepare_v2(db, "SELECT body, leaf FROM ledger ORDER BY seq", -1, &s, NULL) != SQLITE_OK)
		return limit_fail(db, "reading the ledger");
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		const void *body = sqlite3_column_blob(s, 0);

		if (sqlite3_column_bytes(s, 1) != 32 ||
		    limit_add_entry(d, body != NULL ? body : "", (size_t)sqlite3_column_bytes(s, 0),
				    sqlite3_column_blob(s, 1)) != 0) {
			sqlite3_finalize(s);
			return limit_fail(NULL, "loading entries");
		}
	}
	sqlite3_finalize(s);
	return rc == SQLITE_DONE ? 0 : limit_fail(db, "reading the ledger");
}

/* The log's public key, as checkpoints are verified against it. */
static int limit_log_key(sqlite3 *db, char *name, size_t n, uint8_t pk[32])
{
	sqlite3_stmt *s;
	size_t bin;
	int got = 0;

	if (sqlite3_prepare_v2(db, "SELECT key, value FROM meta WHERE key IN ('log_key_name', 'log_key_public')",
			       -1, &s, NULL) != SQLITE_OK)
		return limit_fail(db, "reading the log key");
	while (sqlite3_step(s) == SQLITE_ROW) {
		const char *k = (const char *)sqlite3_column_text(s, 0), *v = (const char *)sqlite3_column_text(s, 1);

		if (k == NULL || v == NULL)
			continue;
		if (strcmp(k, "log_key_name") == 0) {
			snprintf(name, n, "%s", v);
			got |= 1;
		} else if (sodium_base642bin(pk, 32, v, strlen(v), NULL, &bin, NULL,
					     sodium_base64_VARIANT_ORIGINAL) == 0 && bin == 32) {
			got |= 2;
		}
	}
	sqlite3_finalize(s);
	if (got != 3) {
		fprintf(stderr, "limit: the store has no usable log key\n");
		return -1;
	}
	return 0;
}

/* C2SP signed notes: the text up to the blank line, then "— NAME base64(hash4 || sig)". */
static int limit_checkpoints(sqlite3 *db, struct limit_data *d)
{
	char name[256], prefix[300];
	uint8_t pk[32], blob[4 + crypto_sign_BYTES];
	sqlite3_stmt *s;
	size_t bin;
	int rc;

	if (limit_log_key(db, name, sizeof name, pk) != 0)
		return -1;
	snprintf(prefix, sizeof prefix, "\n\n\xe2\x80\x94 %s ", name);
	if (sqlite3_prepare_v2(db, "SELECT note FROM checkpoints ORDER BY size", -1, &s, NULL) != SQLITE_OK)
		return limit_fail(db, "reading checkpoints");
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		const char *note = (const char *)sqlite3_column_text(s, 0), *sep, *b64, *end;
		struct limit_sig *g;

		sep = note != NULL ? strstr(note, prefix) : NULL;
		b64 = sep != NULL ? sep + strlen(prefix) : NULL;
		end = b64 != NULL ? strchr(b64, '\n') : NULL;
		if (end == NULL ||
		    sodium_base642bin(blob, sizeof blob, b64, (size_t)(end - b64), NULL, &bin, NULL,
				      sodium_base64_VARIANT_ORIGINAL) != 0 || bin != sizeof blob) {
			sqlite3_finalize(s);
			fprintf(stderr, "limit: a checkpoint note has no signature by %s\n", name);
			return -1;
		}
		g = limit_add_sig(d);
		if (g == NULL || (g->msg = malloc((size_t)(sep - note) + 1)) == NULL) {
			sqlite3_finalize(s);
			return limit_fail(NULL, "loading checkpoints");
		}
		g->len = (size_t)(sep - note) + 1;
		memcpy(g->msg, note, g->len);
		memcpy(g->sig, blob + 4, sizeof g->sig);
		memcpy(g->pk, pk, sizeof pk);
		d->checkpoints++;
	}
	sqlite3_finalize(s);
	return rc == SQLITE_DONE ? 0 : limit_fail(db, "reading checkpoints");
}

/* One DSSE envelope: its PAE, first signature and the signer's public key. */
static int limit_envelope(sqlite3 *db, sqlite3_stmt *key, struct limit_data *d, const char *env, size_t len)
{
	struct limit_sig *g;
	struct dsse x;
	struct err e;
	size_t bin;
	int rc = -1;

	err_clear(&e);
	if (dsse_parse(env, len, &x, &e) != 0) {
		fprintf(stderr, "limit: an envelope does not parse: %s\n", e.msg);
		return -1;
	}
	if (x.nsigs < 1) {
		fprintf(stderr, "limit: an envelope has no signature\n");
		goto out;
	}
	g = limit_add_sig(d);
	if (g == NULL || dsse_pae(x.payload_type, x.payload, x.payload_len, &g->msg, &g->len) != 0) {
		limit_fail(NULL, "loading envelopes");
		goto out;
	}
	memcpy(g->sig, x.sigs[0].sig, sizeof g->sig);
	sqlite3_reset(key);
	sqlite3_bind_text(key, 1, x.sigs[0].keyid, -1, SQLITE_TRANSIENT);
	if (sqlite3_step(key) != SQLITE_ROW ||
	    sodium_base642bin(g->pk, sizeof g->pk, (const char *)sqlite3_column_text(key, 0),
			      (size_t)sqlite3_column_bytes(key, 0), NULL, &bin, NULL,
			      sodium_base64_VARIANT_ORIGINAL) != 0 ||
	    bin != sizeof g->pk) {
		fprintf(stderr, "limit: key %s is not in the keyring (%s)\n", x.sigs[0].keyid, sqlite3_errmsg(db));
		goto out;
	}
	rc = 0;
out:
	dsse_free(&x);
	return rc;
}

static int limit_envelopes(sqlite3 *db, struct limit_data *d)
{
	sqlite3_stmt *s = NULL, *key = NULL;
	int rc, r = -1;

	if (sqlite3_prepare_v2(db, "SELECT public FROM principal_keys WHERE key_id = ?1", -1, &key, NULL) != SQLITE_OK)
		return limit_fail(db, "reading the keyring");
	/* Keyring changes: the envelope inside each entry's data. */
	if (sqlite3_prepare_v2(db, "SELECT body FROM ledger WHERE action LIKE 'keyring.%' ORDER BY seq", -1, &s,
			       NULL) != SQLITE_OK) {
		limit_fail(db, "reading keyring entries");
		goto out;
	}
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		json_t *j = json_loadb(sqlite3_column_blob(s, 0), (size_t)sqlite3_column_bytes(s, 0), 0, NULL);
		const char *env = NULL;
		int bad = j == NULL || json_unpack(j, "{s:{s:s}}", "data", "envelope", &env) != 0 ||
			  limit_envelope(db, key, d, env, strlen(env)) != 0;

		json_decref(j);
		if (bad) {
			fprintf(stderr, "limit: a keyring entry has no usable envelope\n");
			goto out;
		}
		d->keyring++;
	}
	if (rc != SQLITE_DONE) {
		limit_fail(db, "reading keyring entries");
		goto out;
	}
	sqlite3_finalize(s);
	/* Approvals: the table's envelopes are the entries' bytes (audit verify checks that). */
	if (sqlite3_prepare_v2(db, "SELECT envelope FROM approvals ORDER BY id", -1, &s, NULL) != SQLITE_OK) {
		s = NULL;
		limit_fail(db, "reading approvals");
		goto out;
	}
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		if (limit_envelope(db, key, d, sqlite3_column_blob(s, 0), (size_t)sqlite3_column_bytes(s, 0)) != 0)
			goto out;
		d->approvals++;
	}
	if (rc != SQLITE_DONE) {
		limit_fail(db, "reading approvals");
		goto out;
	}
	r = 0;
out:
	sqlite3_finalize(s);
	sqlite3_finalize(key);
	return r;
}

/* Acts: each entry an actor signed (audit verify checks every one whose
 * action is not self-signed: keyring and approval entries carry their
 * signatures in their envelopes, and a plugin's observations none). */
static int limit_acts(sqlite3 *db, struct limit_data *d)
{
	sqlite3_stmt *s = NULL, *key = NULL;
	int rc, r = -1;

	if (sqlite3_prepare_v2(db, "SELECT public FROM principal_keys WHERE key_id = ?1", -1, &key, NULL) != SQLITE_OK)
		return limit_fail(db, "reading the keyring");
	if (sqlite3_prepare_v2(db, "SELECT body, sig FROM ledger WHERE sig IS NOT NULL AND sig <> ''"
			       " AND action NOT LIKE 'keyring.%' AND action NOT LIKE 'approval.%' ORDER BY seq",
			       -1, &s, NULL) != SQLITE_OK) {
		limit_fail(db, "reading signed entries");
		goto out;
	}
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		const char *body = sqlite3_column_blob(s, 0), *sig = (const char *)sqlite3_column_text(s, 1);
		size_t len = (size_t)sqlite3_column_bytes(s, 0), bin, kbin;
		json_t *j = json_loadb(body, len, 0, NULL);
		const char *kid = NULL;
		struct limit_sig *g = NULL;
		int bad = j == NULL || json_unpack(j, "{s:s}", "key", &kid) != 0 || (g = limit_add_sig(d)) == NULL ||
			  dsse_pae(PROVEN_ENTRY_TYPE, body, len, &g->msg, &g->len) != 0 ||
			  sodium_base642bin(g->sig, sizeof g->sig, sig, strlen(sig), NULL, &bin, NULL,
					    sodium_base64_VARIANT_ORIGINAL) != 0 || bin != sizeof g->sig;

		if (!bad) {
			sqlite3_reset(key);
			sqlite3_bind_text(key, 1, kid, -1, SQLITE_TRANSIENT);
			bad = sqlite3_step(key) != SQLITE_ROW ||
			      sodium_base642bin(g->pk, sizeof g->pk, (const char *)sqlite3_column_text(key, 0),
						(size_t)sqlite3_column_bytes(key, 0), NULL, &kbin, NULL,
						sodium_base64_VARIANT_ORIGINAL) != 0 || kbin != sizeof g->pk;
		}
		json_decref(j);
		if (bad) {
			fprintf(stderr, "limit: a signed entry has no usable key or signature\n");
			goto out;
		}
		d->acts++;
	}
	if (rc != SQLITE_DONE) {
		limit_fail(db, "reading signed entries");
		goto out;
	}
	r = 0;
out:
	sqlite3_finalize(s);
	sqlite3_finalize(key);
	return r;
}

static void *limit_hash(void *arg)
{
	struct limit_job *j = arg;
	const struct limit_data *d = j->d;
	static const uint8_t zero = 0x00;
	size_t i;

	for (i = j->from; i < j->to; i++) {
		crypto_hash_sha256_state st;
		uint8_t h[32];

		crypto_hash_sha256_init(&st);
		crypto_hash_sha256_update(&st, &zero, 1);
		crypto_hash_sha256_update(&st, d->bodies + d->off[i], d->off[i + 1] - d->off[i]);
		crypto_hash_sha256_final(&st, h);
		j->bad_leaves += memcmp(h, d->leaf[i], 32) != 0;
	}
	for (i = j->sfrom; i < j->sto; i++) {
		const struct limit_sig *g = &d->sigs[i];

		j->bad_sigs += crypto_sign_verify_detached(g->sig, g->msg, g->len, g->pk) != 0;
	}
	return NULL;
}

/* Runs every job on its own thread; -1 (after joining those started) when one cannot start. */
static int limit_threads(struct limit_job *job, int n)
{
	pthread_t th[64];
	int i, started, r = 0;

	for (started = 0; started < n; started++)
		if (pthread_create(&th[started], NULL, limit_hash, &job[started]) != 0) {
			r = -1;
			break;
		}
	for (i = 0; i < started; i++)
		pthread_join(th[i], NULL);
	return r;
}

/* Times the work split over n threads; returns seconds, or -1. */
static double limit_run(const struct limit_data *d, int n, double *hash_s, size_t *bad)
{
	struct limit_job job[64];
	double t0, t1;
	int i;

	memset(job, 0, sizeof job);
	for (i = 0; i < n; i++) {
		job[i].d = d;
		job[i].from = d->n * (size_t)i / (size_t)n;
		job[i].to = d->n * (size_t)(i + 1) / (size_t)n;
	}
	/* Hashing and signatures timed apart, so the table can say which dominates. */
	t0 = limit_now();
	if (limit_threads(job, n) != 0)
		return -1;
	t1 = limit_now();
	for (i = 0; i < n; i++) {
		job[i].from = job[i].to = 0;
		job[i].sfrom = d->nsigs * (size_t)i / (size_t)n;
		job[i].sto = d->nsigs * (size_t)(i + 1) / (size_t)n;
	}
	if (limit_threads(job, n) != 0)
		return -1;
	*hash_s = t1 - t0;
	*bad = 0;
	for (i = 0; i < n; i++)
		*bad += job[i].bad_leaves + job[i].bad_sigs;
	return limit_now() - t0;
}

static void limit_free(struct limit_data *d)
{
	size_t i;

	for (i = 0; i < d->nsigs; i++)
		free(d->sigs[i].msg);
	free(d->sigs);
	free(d->bodies);
	free(d->off);
	free(d->leaf);
}

int main(int argc, char **argv)
{
	struct limit_data d;
	sqlite3 *db = NULL;
	double t0, total, hash_s;
	size_t bad;
	long threads = 1;
	int opt, rc = 1;

	while ((opt = getopt(argc, argv, "t:")) != -1) {
		char *end;

		errno = 0;
		threads = opt == 't' ? strtol(optarg, &end, 10) : 0;
		if (opt != 't' || errno != 0 || *end != '\0' || threads < 1 || threads > 64) {
			fprintf(stderr, "usage: limit [-t THREADS (1-64)] STORE\n");
			return 2;
		}
	}
	if (optind != argc - 1) {
		fprintf(stderr, "usage: limit [-t THREADS (1-64)] STORE\n");
		return 2;
	}
	if (sodium_init() < 0) {
		fprintf(stderr, "limit: libsodium failed to initialise\n");
		return 1;
	}
	memset(&d, 0, sizeof d);
	t0 = limit_now();
	if (sqlite3_open_v2(argv[optind], &db, SQLITE_OPEN_READONLY, NULL) != SQLITE_OK) {
		limit_fail(db, argv[optind]);
		goto out;
	}
	if (limit_entries(db, &d) != 0 || limit_checkpoints(db, &d) != 0 || limit_envelopes(db, &d) != 0 ||
	    limit_acts(db, &d) != 0)
		goto out;
	printf("loaded %zu entries (%zu bytes) and %zu signatures (%zu checkpoints, %zu keyring changes, "
	       "%zu approvals, %zu acts signed by their actors) in %.2f s\n",
	       d.n, d.bytes, d.nsigs, d.checkpoints, d.keyring, d.approvals, d.acts, limit_now() - t0);
	total = limit_run(&d, (int)threads, &hash_s, &bad);
	if (total < 0) {
		fprintf(stderr, "limit: cannot start threads\n");
		goto out;
	}
	if (bad != 0) {
		fprintf(stderr, "limit: %zu leaves or signatures do not verify: not a sound store\n", bad);
		goto out;
	}
	printf("threads %ld: sha256 %.3f s, ed25519 %.3f s\n", threads, hash_s, total - hash_s);
	printf("limit_seconds %.3f\n", total);
	rc = 0;
out:
	sqlite3_close(db);
	limit_free(&d);
	return rc;
}
