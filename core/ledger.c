/* ledger: entries stored as exact bytes, leaf = SHA-256(0x00||body), a running chain hash, and C2SP-signed checkpoints. */
#include "ledger.h"

#include <errno.h>
#include <stdarg.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <sodium.h>

#include "check.h"
#include "file.h"
#include "ledger-ahead.h"
#include "ledger-tree.h"
#include "note.h"
#include "proven.h"
#include "share.h"
#include "verifyq.h"

#define LOGKEY_MAGIC "steward log key v1\n"

static int ledger_logkey_path(struct store *st, char *buf, size_t n, struct err *e)
{
	return store_local_path(st, ".logkey", buf, n, e);
}

int ledger_witness_path(struct store *st, char *buf, size_t n, struct err *e)
{
	return store_local_path(st, ".witness", buf, n, e);
}

int ledger_logkey_create(struct store *st, struct err *e)
{
	uint8_t seed[crypto_sign_SEEDBYTES], pk[KEYS_PK_BYTES], *sk;
	uint8_t idb[8];
	char path[4200], wit[4200], id[17], name[64], seedhex[2 * sizeof seed + 1], file[300];
	char pkb64[sodium_base64_ENCODED_LEN(KEYS_PK_BYTES, sodium_base64_VARIANT_ORIGINAL)];
	int fd, r = -1;
	size_t len;

	if (sodium_init() < 0)
		return err_set(e, ERR_IO, "libsodium failed to initialise");
	if (ledger_logkey_path(st, path, sizeof path, e) != 0)
		return -1;
	sk = sodium_malloc(crypto_sign_SECRETKEYBYTES);
	if (sk == NULL)
		return err_set(e, ERR_IO, "out of secure memory");
	randombytes_buf(seed, sizeof seed);
	randombytes_buf(idb, sizeof idb);
	sodium_bin2hex(id, sizeof id, idb, sizeof idb);
	snprintf(name, sizeof name, "steward.local/%s", id);
	crypto_sign_seed_keypair(pk, sk, seed);
	sodium_bin2hex(seedhex, sizeof seedhex, seed, sizeof seed);
	len = (size_t)snprintf(file, sizeof file, LOGKEY_MAGIC "name: %s\nseed: %s\n", name, seedhex);
	fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	if (fd < 0) {
		err_set(e, ERR_EXISTS, "cannot create log key %s: %s", path, strerror(errno));
		goto out;
	}
	if (write(fd, file, len) != (ssize_t)len || fsync(fd) != 0) {
		err_set(e, ERR_IO, "cannot write log key %s: %s", path, strerror(errno));
		close(fd);
		unlink(path);
		goto out;
	}
	close(fd);
	/* A witness with no log key beside it kept an earlier store at this
	 * path: this log starts from nothing. */
	if (ledger_witness_path(st, wit, sizeof wit, e) != 0) {
		unlink(path);
		goto out;
	}
	if (unlink(wit) != 0 && errno != ENOENT) {
		err_set(e, ERR_IO, "cannot remove %s, the witness of an earlier store: %s", wit, strerror(errno));
		unlink(path);
		goto out;
	}
	sodium_bin2base64(pkb64, sizeof pkb64, pk, sizeof pk, sodium_base64_VARIANT_ORIGINAL);
	if (store_meta_set(st, "log_key_name", name, e) != 0 ||
	    store_meta_set(st, "log_key_public", pkb64, e) != 0) {
		unlink(path);
		goto out;
	}
	r = 0;
out:
	sodium_memzero(seed, sizeof seed);
	sodium_memzero(seedhex, sizeof seedhex);
	sodium_memzero(file, sizeof file);
	sodium_free(sk);
	return r;
}

int ledger_logkey_public(struct store *st, char *name, size_t n, uint8_t pk[KEYS_PK_BYTES],
			 struct err *e)
{
	char b64[128];
	size_t bin;
	int r;

	r = store_meta_get(st, "log_key_name", name, n, e);
	if (r == 0)
		return err_set(e, ERR_NOTFOUND, "store %s has no log key (run 'steward init --admin NAME')",
			       store_label(st));
	if (r < 0 || store_meta_get(st, "log_key_public", b64, sizeof b64, e) != 1)
		return -1;
	if (sodium_base642bin(pk, KEYS_PK_BYTES, b64, strlen(b64), NULL, &bin, NULL,
			      sodium_base64_VARIANT_ORIGINAL) != 0 ||
	    bin != KEYS_PK_BYTES)
		return err_set(e, ERR_STORE, "store %s: recorded log public key is damaged", store_label(st));
	return 0;
}

int ledger_logkey_load(struct store *st, struct ledger_logkey **out, struct err *e)
{
	char path[4200], buf[400], name[KEYS_NAME_MAX + 1], seedhex[80];
	uint8_t seed[crypto_sign_SEEDBYTES];
	struct ledger_logkey *k;
	struct stat sb;
	size_t bin;
	ssize_t got;
	int fd, ok;

	*out = NULL;
	if (sodium_init() < 0)
		return err_set(e, ERR_IO, "libsodium failed to initialise");
	if (ledger_logkey_path(st, path, sizeof path, e) != 0)
		return -1;
	k = calloc(1, sizeof *k);
	if (k == NULL || (k->sk = sodium_malloc(crypto_sign_SECRETKEYBYTES)) == NULL) {
		free(k);
		return err_set(e, ERR_IO, "out of secure memory");
	}
	if (ledger_logkey_public(st, k->name, sizeof k->name, k->pk, e) != 0)
		goto fail;
	fd = file_open(path, "log key", 0, &sb, e);
	if (fd < 0)
		goto fail;
	if (share_logkey_mode_ok(st, path, &sb, e) != 0) {
		close(fd);
		goto fail;
	}
	got = read(fd, buf, sizeof buf - 1);
	close(fd);
	buf[got > 0 ? got : 0] = '\0';
	ok = got > 0 && strncmp(buf, LOGKEY_MAGIC, strlen(LOGKEY_MAGIC)) == 0 &&
	     sscanf(buf + strlen(LOGKEY_MAGIC), "name: %100s\nseed: %64s\n", name, seedhex) == 2 &&
	     sodium_hex2bin(seed, sizeof seed, seedhex, strlen(seedhex), NULL, &bin, NULL) == 0 &&
	     bin == sizeof seed;
	sodium_memzero(buf, sizeof buf);
	sodium_memzero(seedhex, sizeof seedhex);
	if (!ok) {
		err_set(e, ERR_INVALID, "log key %s is damaged", path);
		goto fail;
	}
	{
		uint8_t pk[KEYS_PK_BYTES];

		crypto_sign_seed_keypair(pk, k->sk, seed);
		sodium_memzero(seed, sizeof seed);
		if (strcmp(name, k->name) != 0 || memcmp(pk, k->pk, sizeof pk) != 0) {
			err_set(e, ERR_DENIED, "log key %s does not belong to store %s", path,
				store_label(st));
			goto fail;
		}
	}
	*out = k;
	return 0;
fail:
	ledger_logkey_free(k);
	return -1;
}

void ledger_logkey_free(struct ledger_logkey *k)
{
	if (k == NULL)
		return;
	if (k->sk != NULL)
		sodium_free(k->sk);
	free(k);
}

/* The last entry's sequence number, chain hash and time (zeros before the first). */
static int ledger_tail(struct store *st, int64_t *seq, uint8_t chain[32], int64_t *when, struct err *e)
{
	struct db_stmt *s;
	int rc;

	*seq = 0;
	*when = 0;
	memset(chain, 0, 32);
	/* Runs for every entry appended, inside the write lock: cached, and
	 * one round trip to a PostgreSQL server, not one for the chain and
	 * another for the time. */
	if (store_stmt(st, &s, "SELECT seq, chain, time FROM ledger ORDER BY seq DESC LIMIT 1", e) != 0)
		return -1;
	rc = db_step(s);
	if (rc == DB_ROW) {
		*seq = db_column_int64(s, 0);
		if (db_column_bytes(s, 1) == 32)
			memcpy(chain, db_column_blob(s, 1), 32);
		*when = db_column_int64(s, 2);
	}
	store_stmt_done(st, s);
	if (rc != DB_ROW && rc != DB_DONE)
		return store_fail(st, e, "reading the ledger");
	return 0;
}

static void ledger_chain(const uint8_t prev[32], const uint8_t leaf[32], uint8_t out[32])
{
	uint8_t buf[64];

	memcpy(buf, prev, 32);
	memcpy(buf + 32, leaf, 32);
	crypto_hash_sha256(out, buf, sizeof buf);
}

static int ledger_append_as(struct store *st, const struct key_secret *k, const char *actor, const char *action,
			    const char *subject, json_t *data, int64_t *seq, struct err *e)
{
	uint8_t prev[32], leaf[32], chain[32];
	char when[32], prevhex[65], sig[128] = "";
	int64_t last, now, then;
	json_t *body;
	char *bytes;
	struct db_stmt *s;
	int rc;

	if (!store_in_transaction(st))
		return err_set(e, ERR_STORE, "ledger_append outside a transaction");
	if (check_text("actor", actor, 200, 0, 0, e) != 0 ||
	    check_text("action", action, 100, 0, 0, e) != 0 ||
	    check_text("subject", subject, 400, 0, 0, e) != 0)
		return -1;
	if (ledger_tail(st, &last, prev, &then, e) != 0)
		return -1;
	/* Now, or the previous entry's time when the clock went back (NTP
	 * stepped it, a VM was restored), so entry times never decrease. */
	now = store_now();
	if (then > now)
		now = then;
	check_time_text(now, when, sizeof when);
	sodium_bin2hex(prevhex, sizeof prevhex, prev, sizeof prev);
	/* seq and prev inside the body: a swapped or dropped entry changes
	 * what every later leaf commits to. */
	/* The account names who typed the command on this host; the actor
	 * and key say who is accountable: members of a group share one store. */
	body = json_pack("{s:I, s:s, s:s, s:s, s:s, s:O, s:s, s:s}", "seq", (json_int_t)(last + 1), "time",
			 when, "actor", actor, "action", action, "subject", subject, "data",
			 data ? data : json_null(), "prev", prevhex, "account", share_account());
	/* The body names the key its actor signs with, so stripping the
	 * signature cannot turn a signed act into an unsigned one. */
	if (body != NULL && k != NULL && json_object_set_new(body, "key", json_string(k->id)) != 0) {
		json_decref(body);
		body = NULL;
	}
	if (body == NULL)
		return err_set(e, ERR_IO, "out of memory building a ledger entry");
	bytes = json_dumps(body, JSON_COMPACT | JSON_SORT_KEYS | JSON_ENSURE_ASCII);
	json_decref(body);
	if (bytes == NULL)
		return err_set(e, ERR_IO, "out of memory building a ledger entry");
	merkle_leaf(bytes, strlen(bytes), leaf);
	if (k != NULL)
		proven_sign_entry(k, bytes, strlen(bytes), sig, sizeof sig);
	ledger_chain(prev, leaf, chain);
	if (store_stmt(st, &s,
		       "INSERT INTO ledger(seq, time, actor, action, subject, body, leaf, chain, sig)"
		       " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
		       e) != 0) {
		free(bytes);
		return -1;
	}
	db_bind_int64(s, 1, last + 1);
	db_bind_int64(s, 2, now);
	db_bind_text(s, 3, actor, -1, DB_STATIC);
	db_bind_text(s, 4, action, -1, DB_STATIC);
	db_bind_text(s, 5, subject, -1, DB_STATIC);
	/* As text: the body is ASCII JSON, and a text column lets SQL read
	 * its fields the same way on every engine. */
	db_bind_text(s, 6, bytes, (int)strlen(bytes), DB_STATIC);
	db_bind_blob(s, 7, leaf, 32, DB_STATIC);
	db_bind_blob(s, 8, chain, 32, DB_STATIC);
	/* Bound either way: a cached statement keeps its last user's bindings. */
	if (k != NULL)
		db_bind_text(s, 9, sig, -1, DB_STATIC);
	else
		db_bind_null(s, 9);
	rc = db_step(s);
	if (rc != DB_DONE)
		store_fail(st, e, "appending to the ledger");
	store_stmt_done(st, s);
	free(bytes);
	if (rc != DB_DONE)
		return -1;
	if (ledger_tree_append(st, last + 1, leaf, e) != 0)
		return -1;
	if (seq != NULL)
		*seq = last + 1;
	return 0;
}

int ledger_append(struct store *st, const char *actor, const char *action, const char *subject,
		  json_t *data, int64_t *seq, struct err *e)
{
	return ledger_append_as(st, NULL, actor, action, subject, data, seq, e);
}

int ledger_append_act(struct store *st, const struct key_secret *k, const char *actor, const char *action,
		      const char *subject, json_t *data, int64_t *seq, struct err *e)
{
	if (k == NULL && !store_dry_run(st))
		return err_set(e, ERR_DENIED, "%s by %s needs the actor's key to sign it", action, actor);
	return ledger_append_as(st, k, actor, action, subject, data, seq, e);
}

int64_t ledger_size(struct store *st)
{
	struct err e;
	uint8_t chain[32];
	int64_t seq, when;

	return ledger_tail(st, &seq, chain, &when, &e) == 0 ? seq : -1;
}

static int ledger_bad(struct ledger_report *r, struct err *e, int64_t seq, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

static int ledger_bad(struct ledger_report *r, struct err *e, int64_t seq, const char *fmt, ...)
{
	va_list ap;

	r->bad_seq = seq;
	va_start(ap, fmt);
	vsnprintf(r->reason, sizeof r->reason, fmt, ap);
	va_end(ap);
	return err_set(e, ERR_DENIED, "ledger entry %" PRId64 ": %s", seq, r->reason);
}

/* Checks one checkpoint note against the recomputed root of its size. */
static int ledger_check_note(const char *note, int64_t size, const merkle_hash root,
			     const char *name, const uint8_t pk[KEYS_PK_BYTES], char *why, size_t n)
{
	char want[400], rootb64[64];
	struct err e;
	size_t tl;

	if (note_verify(note, name, pk, &tl, &e) != 0) {
		snprintf(why, n, "checkpoint at size %" PRId64 ": %s", size, e.msg);
		return -1;
	}
	sodium_bin2base64(rootb64, sizeof rootb64, root, MERKLE_HASH, sodium_base64_VARIANT_ORIGINAL);
	snprintf(want, sizeof want, "%s\n%" PRId64 "\n%s\n", name, size, rootb64);
	if (tl != strlen(want) || memcmp(note, want, tl) != 0) {
		snprintf(why, n,
			 "checkpoint at size %" PRId64 " signed a different root than the entries now give",
			 size);
		return -1;
	}
	return 0;
}

/* The columns beside a body say what it says: the lookups by actor,
 * action and subject (the gate's, the views') find an entry only through
 * them, so one changed in the store would hide or misfile it. */
static int ledger_cols_check(const struct ledger_cols *k, int64_t t, json_t *j, char *why, size_t n)
{
	static const char *const name[] = { "actor", "action", "subject" };
	const char *col[3] = { k->actor, k->action, k->subject };

	for (size_t i = 0; i < 3; i++) {
		const char *v = json_string_value(json_object_get(j, name[i]));

		if (v == NULL || strcmp(v, col[i]) != 0)
			return err_why(why, n, "its %s column says '%.80s' but its body says '%.80s' (edited)", name[i],
				       col[i], v != NULL ? v : "(none)");
	}
	if (k->time != t)
		return err_why(why, n, "its time column says %" PRId64 " but its body says %" PRId64 " (edited)", k->time,
			       t);
	return 0;
}

/* The rules every entry obeys, wherever it is read (the store, a bundle,
 * the signer before a checkpoint): its leaf is the hash of its exact
 * bytes, its body names its seq and the chain hash before it, and its
 * time is not before the previous entry's (*time holds that on entry, 0
 * for the first, and this one's on return) nor after now + LEDGER_SKEW.
 * sleaf and schain are the stored hashes, NULL where none are kept; pre,
 * when not NULL, is the body already parsed (taken over). On
 * success *out holds the parsed body (the caller's to free) and chain the
 * new chain hash; otherwise why says what is wrong. */
static int ledger_entry_check(struct verifyq *q, int64_t seq, const char *body, size_t len, const uint8_t *sleaf,
			      const uint8_t *schain, const uint8_t prev[32], int64_t *time, int64_t now, json_t *pre,
			      json_t **out, uint8_t leaf[32], uint8_t chain[32], char *why, size_t n)
{
	char prevhex[65], a[32], b[32];
	json_int_t jseq = -1;
	const char *jprev = "", *when = "";
	int64_t t;
	int unlinked;
	json_t *j;

	*out = NULL;
	j = pre;
	/* With workers the stored leaf is taken on trust here and the body's
	 * hash checked against it beside: if it fails, the caller learns the
	 * entry from q and the whole check is run again on one thread. */
	if (q != NULL && sleaf != NULL && verifyq_leaf(q, body, len, sleaf) == 0) {
		memcpy(leaf, sleaf, 32);
	} else {
		merkle_leaf(body, len, leaf);
		if (sleaf != NULL && memcmp(leaf, sleaf, 32) != 0) {
			json_decref(j);
			return err_why(why, n, "body does not hash to its stored leaf (edited)");
		}
	}
	if (j == NULL)
		j = json_loadb(body, len, JSON_REJECT_DUPLICATES, NULL);
	/* What json_unpack "{s:I, s:s, s:s}" reads, without the table of
	 * seen keys it builds each time: this runs once an entry. */
	{
		json_t *vs = json_object_get(j, "seq"), *vp = json_object_get(j, "prev"), *vt = json_object_get(j, "time");

		if (!json_is_integer(vs) || !json_is_string(vp) || !json_is_string(vt)) {
			json_decref(j);
			return err_why(why, n, "body is not a ledger entry");
		}
		jseq = json_integer_value(vs);
		jprev = json_string_value(vp);
		when = json_string_value(vt);
	}
	sodium_bin2hex(prevhex, sizeof prevhex, prev, 32);
	/* Read out of j before it goes: jprev and when point into it. */
	unlinked = strcmp(jprev, prevhex) != 0;
	t = check_time_parse(when);
	ledger_chain(prev, leaf, chain);
	if (jseq != seq || unlinked || (schain != NULL && memcmp(chain, schain, 32) != 0) || t < *time ||
	    t > now + LEDGER_SKEW) {
		json_decref(j);
		check_time_text(t, a, sizeof a);
		check_time_text(t < *time ? *time : now, b, sizeof b);
		if (jseq != seq)
			return err_why(why, n, "body says it is entry %lld (moved or swapped)", (long long)jseq);
		if (unlinked)
			return err_why(why, n, "body does not follow entry %lld (reordered or edited)",
				       (long long)(seq - 1));
		if (schain != NULL && memcmp(chain, schain, 32) != 0)
			return err_why(why, n, "chain hash does not match");
		if (t < 0)
			return err_why(why, n, "time is not RFC 3339 UTC");
		if (t < *time)
			return err_why(why, n, "time %s is earlier than entry %lld's %s (entry times never decrease)",
				       a, (long long)(seq - 1), b);
		return err_why(why, n, "time %s is later than now (%s) plus %d seconds: dated in the future",
			       a, b, LEDGER_SKEW);
	}
	*time = t;
	*out = j;
	return 0;
}

/* A kept checkpoint this history does not hold. */
static int ledger_lost(struct ledger_report *r, struct err *e, const struct ledger_kept *k)
{
	r->bad_seq = k->size;
	snprintf(r->reason, sizeof r->reason,
		 "the ledger no longer contains the history of checkpoint %" PRId64 " %.500s: entries were removed or changed",
		 k->size, k->what);
	return err_set(e, ERR_DENIED, "%s", r->reason);
}

void ledger_leaves_free(struct ledger_leaves *l)
{
	free(l->v);
	l->v = NULL;
	l->n = l->cap = 0;
}

static void ledger_leaves_add(struct ledger_leaves *l, const uint8_t leaf[MERKLE_HASH])
{
	if (l->lost)
		return;
	if (l->n == l->cap) {
		size_t cap = l->cap ? 2 * l->cap : 4096;
		merkle_hash *nv = realloc(l->v, cap * sizeof *nv);

		if (nv == NULL) {
			ledger_leaves_free(l);
			l->lost = 1;
			return;
		}
		l->v = nv;
		l->cap = cap;
	}
	memcpy(l->v[l->n++], leaf, MERKLE_HASH);
}

static int ledger_verify_run(const struct ledger_source *src, struct ledger_ahead *ah, const char *name,
			     const uint8_t pk[KEYS_PK_BYTES], struct ledger_report *r, ledger_entry_fn fn, void *fnarg,
			     struct err *e)
{
	size_t ki = 0;
	char why[600];
	uint8_t prev[32] = { 0 }, leaf[32], chain[32];
	struct merkle_acc acc;
	merkle_hash vroot = { 0 };
	int64_t expect = 1, cp_size = 0, seq, t = 0, now = store_now();
	const uint8_t *sleaf, *schain;
	const char *body, *note = NULL, *sig;
	json_t *pre;
	struct ledger_cols cols;
	size_t blen;
	int rc, crc, has_cols;
	/* Progress counts this run's entries: a resumed run's total is only the new ones. */
	const int64_t base = src->from != NULL ? src->from->size : 0;

	memset(r, 0, sizeof *r);
	merkle_acc_init(&acc);
	if (src->from != NULL && src->from->size > 0) {
		memcpy(prev, src->from->chain, 32);
		t = src->from->time;
		acc = src->from->acc;
		expect = src->from->size + 1;
		r->entries = src->from->size;
		r->checkpoints = src->from->checkpoints;
		r->kept = src->from->kept;
		r->verified = src->from->verified;
		memcpy(vroot, src->from->verified_root, MERKLE_HASH);
		/* Kept checkpoints up to there the caller checked against from->acc. */
		while (ki < src->nkept && src->kept[ki].size <= src->from->size)
			ki++;
	}
	crc = src->next_checkpoint(src->arg, &cp_size, &note);
	if (crc < 0)
		return err_set(e, ERR_STORE, "reading checkpoints failed");
	/* A resumed run whose last run ended past the newest checkpoint: one
	 * signed since at exactly that point covers the leaves as they were
	 * read then, so it is checked against the saved accumulator. */
	while (crc == 1 && base > 0 && cp_size == base && r->verified < base) {
		merkle_hash root;

		merkle_acc_root(&acc, root);
		if (ledger_check_note(note, cp_size, root, name, pk, why, sizeof why) != 0)
			return ledger_bad(r, e, base, "%s", why);
		r->checkpoints++;
		r->verified = base;
		memcpy(vroot, root, MERKLE_HASH);
		crc = src->next_checkpoint(src->arg, &cp_size, &note);
		if (crc < 0)
			return err_set(e, ERR_STORE, "reading checkpoints failed");
	}
	while ((rc = ledger_ahead_next(ah, &seq, &body, &blen, &sleaf, &schain, &sig, &pre, &cols, &has_cols)) == 1) {
		json_t *j;

		if (seq != expect) {
			json_decref(pre);
			return ledger_bad(r, e, expect, "missing (the next stored entry is %" PRId64 ")", seq);
		}
		if (src->q != NULL)
			verifyq_at(src->q, seq);
		if (ledger_entry_check(src->q, seq, body, blen, sleaf, schain, prev, &t, now, pre, &j, leaf, chain, why,
				       sizeof why) != 0)
			return ledger_bad(r, e, seq, "%s", why);
		if (has_cols && ledger_cols_check(&cols, t, j, why, sizeof why) != 0) {
			json_decref(j);
			return ledger_bad(r, e, seq, "%s", why);
		}
		memcpy(prev, chain, 32);
		merkle_acc_add(&acc, leaf);
		if (src->leaves != NULL)
			ledger_leaves_add(src->leaves, leaf);
		r->entries = seq;
		for (; ki < src->nkept && src->kept[ki].size <= seq; ki++) {
			merkle_hash root;

			merkle_acc_root(&acc, root);
			if (src->kept[ki].size < seq || memcmp(root, src->kept[ki].root, MERKLE_HASH) != 0) {
				json_decref(j);
				return ledger_lost(r, e, &src->kept[ki]);
			}
			r->kept++;
		}
		while (crc == 1 && cp_size <= seq) {
			merkle_hash root;

			if (cp_size < seq) {
				json_decref(j);
				return ledger_bad(r, e, cp_size, "checkpoint at size %" PRId64 " is out of order",
						  cp_size);
			}
			merkle_acc_root(&acc, root);
			if (ledger_check_note(note, cp_size, root, name, pk, why, sizeof why) != 0) {
				json_decref(j);
				return ledger_bad(r, e, seq, "%s", why);
			}
			r->checkpoints++;
			r->verified = seq;
			memcpy(vroot, root, MERKLE_HASH);
			crc = src->next_checkpoint(src->arg, &cp_size, &note);
			if (crc < 0) {
				json_decref(j);
				return err_set(e, ERR_STORE, "reading checkpoints failed");
			}
		}
		if (fn != NULL && fn(fnarg, seq, body, blen, j, sig, why, sizeof why) != 0) {
			json_decref(j);
			return ledger_bad(r, e, seq, "%s", why);
		}
		json_decref(j);
		if (seq % LEDGER_PROGRESS_EVERY == 0)
			progress_note(&src->progress, "verifying the ledger", seq - base, src->total);
		expect++;
	}
	if (rc < 0)
		return err_set(e, ERR_STORE, "reading the ledger failed");
	progress_note(&src->progress, "verifying the ledger", expect - 1 - base, src->total);
	if (src->to != NULL) {
		src->to->size = expect - 1;
		memcpy(src->to->chain, prev, 32);
		src->to->time = t;
		src->to->acc = acc;
		src->to->checkpoints = r->checkpoints;
		src->to->kept = r->kept;
		src->to->verified = r->verified;
		memcpy(src->to->verified_root, vroot, MERKLE_HASH);
	}
	if (ki < src->nkept) {
		r->past_end = src->kept[ki].size;
		return ledger_lost(r, e, &src->kept[ki]);
	}
	if (crc == 1)
		/* A checkpoint beyond the end: entries were cut off after signing. */
		return ledger_bad(r, e, expect,
				  "missing: a checkpoint signed %" PRId64 " entries but the ledger ends at %" PRId64
				  " (truncated)",
				  cp_size, expect - 1);
	return 0;
}

int ledger_verify_source(const struct ledger_source *src, const char *name,
			 const uint8_t pk[KEYS_PK_BYTES], struct ledger_report *r,
			 ledger_entry_fn fn, void *fnarg, struct err *e)
{
	struct ledger_ahead ah = { .src = src };
	int rc = ledger_verify_run(src, &ah, name, pk, r, fn, fnarg, e);

	ledger_ahead_free(&ah);
	return rc;
}

/* ---- signing checkpoints ---- */

static const uint8_t ledger_zero[32];

int ledger_note_read(const char *note, const char *name, const uint8_t pk[KEYS_PK_BYTES], int64_t *size,
		     merkle_hash root, struct err *e)
{
	char origin[KEYS_NAME_MAX + 2], rootb64[64], why[600];
	long long sz;
	size_t bin;

	if (sscanf(note, "%101[^\n]\n%lld\n%63[^\n]\n", origin, &sz, rootb64) != 3 || sz <= 0 ||
	    sodium_base642bin(root, MERKLE_HASH, rootb64, strlen(rootb64), NULL, &bin, NULL,
			      sodium_base64_VARIANT_ORIGINAL) != 0 ||
	    bin != MERKLE_HASH)
		return err_set(e, ERR_INVALID, "not a checkpoint: its text must be origin, tree size and root");
	if (strcmp(origin, name) != 0) {
		char q[120];

		check_excerpt(origin, q, sizeof q);
		return err_set(e, ERR_DENIED, "a checkpoint of log %s, not of %s", q, name);
	}
	/* The signature, and that the signed text is exactly those three lines. */
	if (ledger_check_note(note, sz, root, name, pk, why, sizeof why) != 0)
		return err_set(e, ERR_DENIED, "%s", why);
	*size = sz;
	return 0;
}

int ledger_kept_load(const char *path, const char *name, const uint8_t pk[KEYS_PK_BYTES],
		     struct ledger_kept *k, struct err *e)
{
	char note[4097];
	ssize_t got;
	int fd;

	memset(k, 0, sizeof *k);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return err_set(e, errno == ENOENT ? ERR_NOTFOUND : ERR_IO, "cannot read checkpoint %s: %s", path,
			       strerror(errno));
	got = read(fd, note, sizeof note);
	close(fd);
	if (got < 0 || got == (ssize_t)sizeof note)
		return err_set(e, ERR_INVALID, "checkpoint %s: %s", path,
			       got < 0 ? strerror(errno) : "larger than a signed checkpoint can be");
	note[got] = '\0';
	if (strlen(note) != (size_t)got)
		return err_set(e, ERR_INVALID, "checkpoint %s holds a NUL byte", path);
	if (ledger_note_read(note, name, pk, &k->size, k->root, e) != 0)
		return err_prefix(e, "checkpoint %s", path);
	snprintf(k->what, sizeof k->what, "kept in %s", path);
	return 0;
}

int ledger_witness_read(struct store *st, const char *name, const uint8_t pk[KEYS_PK_BYTES],
			struct ledger_kept *k, struct err *e)
{
	char path[4200];

	if (ledger_witness_path(st, path, sizeof path, e) != 0)
		return -1;
	if (access(path, F_OK) != 0 && errno == ENOENT)
		return 0;
	if (access(path, R_OK) != 0 && errno == EACCES) {
		err_set(e, ERR_DENIED, "witness %s is not readable by this user", path);
		return 2;
	}
	if (ledger_kept_load(path, name, pk, k, e) != 0)
		return err_prefix(e, "witness");
	snprintf(k->what, sizeof k->what, "witnessed in %s", path);
	return 1;
}

int ledger_note_save(const char *path, const char *note, unsigned mode, struct err *e)
{
	char tmp[4300], dir[4200], *slash;
	size_t len = strlen(note);
	int fd, dfd, r = -1;

	if (snprintf(tmp, sizeof tmp, "%s.XXXXXX", path) >= (int)sizeof tmp ||
	    snprintf(dir, sizeof dir, "%s", path) >= (int)sizeof dir)
		return err_set(e, ERR_INVALID, "path %s is too long", path);
	fd = mkstemp(tmp);
	if (fd < 0)
		return err_set(e, ERR_IO, "cannot create %s: %s", tmp, strerror(errno));
	/* Written whole and durable under a temporary name, then renamed over
	 * the old one: a crash leaves either checkpoint, never half of one. */
	if (fchmod(fd, (mode_t)mode) != 0 || write(fd, note, len) != (ssize_t)len || fsync(fd) != 0) {
		err_set(e, ERR_IO, "cannot write %s: %s", tmp, strerror(errno));
		close(fd);
		goto out;
	}
	if (close(fd) != 0 || rename(tmp, path) != 0) {
		err_set(e, ERR_IO, "cannot replace %s: %s", path, strerror(errno));
		goto out;
	}
	slash = strrchr(dir, '/');
	if (slash == dir)
		slash[1] = '\0';
	else if (slash != NULL)
		*slash = '\0';
	else
		snprintf(dir, sizeof dir, ".");
	dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dfd < 0 || fsync(dfd) != 0) {
		if (dfd >= 0)
			close(dfd);
		return err_set(e, ERR_IO, "cannot sync directory %s: %s", dir, strerror(errno));
	}
	close(dfd);
	return 0;
out:
	unlink(tmp);
	return r;
}

/* The newest checkpoint the store holds, as far as the signer trusts it:
 * its note must be signed by the log key over exactly its root; acc gets
 * its frontier when that gives the same root (*sound), else stays empty
 * and the caller recomputes from the first entry. *size 0 when none. */
static int ledger_last_checkpoint(struct store *st, const struct ledger_logkey *k, int64_t *size,
				  merkle_hash root, struct merkle_acc *acc, int *sound, struct err *e)
{
	char why[600], *note = NULL;
	struct db_stmt *s;
	int rc, r = 0;

	*size = 0;
	*sound = 0;
	merkle_acc_init(acc);
	if (store_prepare(st, &s, "SELECT size, root, frontier, note FROM checkpoints ORDER BY size DESC LIMIT 1", e) != 0)
		return -1;
	rc = db_step(s);
	if (rc == DB_ROW) {
		uint64_t n = (uint64_t)db_column_int64(s, 0);
		int len = db_column_bytes(s, 2);
		const char *text = (const char *)db_column_text(s, 3);
		merkle_hash got;

		*size = (int64_t)n;
		memset(root, 0, MERKLE_HASH);
		if (db_column_bytes(s, 1) == MERKLE_HASH)
			memcpy(root, db_column_blob(s, 1), MERKLE_HASH);
		note = text != NULL ? strdup(text) : NULL;
		if (text != NULL && note == NULL)
			r = err_set(e, ERR_IO, "out of memory");
		if (len > 0 && len % MERKLE_HASH == 0 && len / MERKLE_HASH == __builtin_popcountll(n)) {
			memcpy(acc->stack, db_column_blob(s, 2), (size_t)len);
			acc->top = len / MERKLE_HASH;
			acc->size = n;
			merkle_acc_root(acc, got);
			*sound = memcmp(got, root, MERKLE_HASH) == 0;
		}
	} else if (rc != DB_DONE) {
		r = store_fail(st, e, "reading checkpoints");
	}
	db_finalize(s);
	if (!*sound)
		merkle_acc_init(acc);
	if (r == 0 && *size > 0 &&
	    ledger_check_note(note != NULL ? note : "", *size, root, k->name, k->pk, why, sizeof why) != 0)
		r = err_set(e, ERR_DENIED, "the store's newest checkpoint is not the log key's: %s", why);
	free(note);
	return r;
}

/* The chain hash and time of entry seq, from its body: where the signer
 * picks up after the last checkpoint. The stored chain must agree, since
 * the next append builds on it. */
static int ledger_resume(struct store *st, int64_t seq, uint8_t chain[32], int64_t *time, struct err *e)
{
	uint8_t prev[32], leaf[32];
	const char *jprev = "", *when = "";
	struct db_stmt *s;
	json_t *j = NULL;
	size_t bin;
	int rc, ok = 0;

	if (store_prepare(st, &s, "SELECT body, chain FROM ledger WHERE seq = ?1", e) != 0)
		return -1;
	db_bind_int64(s, 1, seq);
	rc = db_step(s);
	if (rc == DB_ROW) {
		const char *body = db_column_blob(s, 0);
		size_t len = (size_t)db_column_bytes(s, 0);

		j = json_loadb(body != NULL ? body : "", len, JSON_REJECT_DUPLICATES, NULL);
		if (j != NULL && json_unpack(j, "{s:s, s:s}", "prev", &jprev, "time", &when) == 0 &&
		    sodium_hex2bin(prev, sizeof prev, jprev, strlen(jprev), NULL, &bin, NULL) == 0 &&
		    bin == sizeof prev && (*time = check_time_parse(when)) >= 0) {
			merkle_leaf(body != NULL ? body : "", len, leaf);
			ledger_chain(prev, leaf, chain);
			ok = db_column_bytes(s, 1) == 32 && memcmp(chain, db_column_blob(s, 1), 32) == 0;
		}
	}
	json_decref(j);
	db_finalize(s);
	if (rc != DB_ROW && rc != DB_DONE)
		return store_fail(st, e, "reading the ledger");
	if (!ok)
		return err_set(e, ERR_DENIED, "ledger entry %" PRId64 " (the last one signed) %s", seq,
			       rc == DB_DONE ? "is missing: entries were removed" : "does not match its chain hash");
	return 0;
}

static int ledger_refuse(struct err *e, const struct ledger_kept *w)
{
	return err_set(e, ERR_DENIED,
		       "the ledger no longer contains the history of checkpoint %" PRId64
		       " %s: entries were removed or changed",
		       w->size, w->what);
}

int ledger_checkpoint_each(struct store *st, const struct ledger_logkey *k, ledger_entry_fn fn, void *arg,
			   struct err *e)
{
	char text[400], rootb64[64], why[600], wpath[4200], *note;
	uint8_t prev[32] = { 0 }, leaf[32], chain[32];
	merkle_hash root, last_root;
	struct merkle_acc acc;
	struct ledger_kept w;
	int64_t size = ledger_size(st), last, from, t = 0, now = store_now(), expect;
	struct db_stmt *s;
	int rc, sound, witnessed;

	if (size < 0)
		return err_set(e, ERR_STORE, "cannot read the ledger size");
	if (ledger_last_checkpoint(st, k, &last, last_root, &acc, &sound, e) != 0)
		return -1;
	if (size == last)
		return 0;
	if (size < last)
		return err_set(e, ERR_DENIED,
			       "the ledger holds %" PRId64 " entries but checkpoint %" PRId64
			       " was signed: entries were removed",
			       size, last);
	witnessed = ledger_witness_read(st, k->name, k->pk, &w, e);
	if (witnessed < 0 || witnessed == 2)
		return -1;
	if (witnessed && w.size > size)
		return ledger_refuse(e, &w);
	/* Extend the newest checkpoint's frontier when the witness saw that
	 * very tree; otherwise rehash every entry from the first, checking
	 * the roots of both the store's checkpoint and the witnessed one. */
	if (!sound || (witnessed && (w.size != last || memcmp(w.root, last_root, MERKLE_HASH) != 0))) {
		merkle_acc_init(&acc);
		from = 0;
	} else {
		from = last;
		if (from > 0 && ledger_resume(st, from, prev, &t, e) != 0)
			return -1;
	}
	if (store_prepare(st, &s, "SELECT seq, body, leaf, chain, sig FROM ledger WHERE seq > ?1 ORDER BY seq", e) != 0)
		return -1;
	db_bind_int64(s, 1, from);
	expect = from + 1;
	while ((rc = db_step(s)) == DB_ROW) {
		int64_t seq = db_column_int64(s, 0);
		const char *body = db_column_blob(s, 1);
		size_t len = (size_t)db_column_bytes(s, 1);
		const uint8_t *sleaf = db_column_bytes(s, 2) == 32 ? db_column_blob(s, 2) : ledger_zero;
		const uint8_t *schain = db_column_bytes(s, 3) == 32 ? db_column_blob(s, 3) : ledger_zero;
		json_t *j;

		if (seq != expect) {
			snprintf(why, sizeof why, "missing (the next stored entry is %" PRId64 ")", seq);
			seq = expect;
			goto bad;
		}
		if (ledger_entry_check(NULL, seq, body != NULL ? body : "", len, sleaf, schain, prev, &t, now, NULL, &j,
				       leaf, chain, why, sizeof why) != 0)
			goto bad;
		memcpy(prev, chain, 32);
		merkle_acc_add(&acc, leaf);
		if ((from == 0 && seq == last) || (witnessed && seq == w.size))
			merkle_acc_root(&acc, root);
		if (from == 0 && seq == last && memcmp(root, last_root, MERKLE_HASH) != 0) {
			json_decref(j);
			snprintf(why, sizeof why, "the entries up to here no longer give the root checkpoint %" PRId64
				 " signed (removed or changed)", last);
			goto bad;
		}
		if (witnessed && seq == w.size && memcmp(root, w.root, MERKLE_HASH) != 0) {
			json_decref(j);
			db_finalize(s);
			return ledger_refuse(e, &w);
		}
		/* Only what this checkpoint adds goes to the caller's check. */
		if (seq > last && fn != NULL &&
		    fn(arg, seq, body != NULL ? body : "", len, j,
		       db_column_text(s, 4) != NULL ? (const char *)db_column_text(s, 4) : "", why, sizeof why) != 0) {
			json_decref(j);
			goto bad;
		}
		json_decref(j);
		expect++;
		continue;
bad:
		db_finalize(s);
		return err_set(e, ERR_DENIED, "ledger entry %" PRId64 ": %s", seq, why);
	}
	db_finalize(s);
	if (rc != DB_DONE)
		return store_fail(st, e, "reading the ledger");
	if ((int64_t)acc.size != size)
		return err_set(e, ERR_STORE, "ledger has %" PRIu64 " entries, expected %" PRId64, acc.size, size);
	merkle_acc_root(&acc, root);
	sodium_bin2base64(rootb64, sizeof rootb64, root, sizeof root, sodium_base64_VARIANT_ORIGINAL);
	snprintf(text, sizeof text, "%s\n%" PRId64 "\n%s\n", k->name, size, rootb64);
	note = note_sign(text, k->name, k->sk, k->pk, e);
	if (note == NULL)
		return -1;
	if (store_prepare(st, &s,
			  "INSERT INTO checkpoints(size, time, root, note, frontier) VALUES (?1, ?2, ?3, ?4, ?5)", e) != 0) {
		free(note);
		return -1;
	}
	db_bind_int64(s, 1, size);
	db_bind_int64(s, 2, store_now());
	db_bind_blob(s, 3, root, sizeof root, DB_STATIC);
	db_bind_text(s, 4, note, -1, DB_STATIC);
	db_bind_blob(s, 5, acc.stack, acc.top * MERKLE_HASH, DB_STATIC);
	rc = db_step(s);
	db_finalize(s);
	if (rc != DB_DONE) {
		free(note);
		return store_fail(st, e, "writing a checkpoint");
	}
	/* Before the caller commits, while this connection holds the write
	 * lock: two signers never race the file, and a witness ahead of a
	 * commit that failed only costs the next signer a full rehash. */
	rc = ledger_witness_path(st, wpath, sizeof wpath, e) != 0 || ledger_note_save(wpath, note, share_read_mode(st), e) != 0;
	free(note);
	return rc ? err_prefix(e, "keeping the witness") : 0;
}

int ledger_checkpoint(struct store *st, const struct ledger_logkey *k, struct err *e)
{
	return ledger_checkpoint_each(st, k, NULL, NULL, e);
}

int ledger_checkpoint_commit(struct store *st, ledger_entry_fn fn, void *arg, struct err *e)
{
	struct ledger_logkey *k;
	char name[KEYS_NAME_MAX + 1], path[4200];
	int r;

	r = store_meta_get(st, "log_key_name", name, sizeof name, e);
	if (r <= 0)
		return r; /* no log key: no keyring, nothing governed to sign */
	/* On a store a group shares, the log key may be one account's: the
	 * others' entries wait for its next checkpoint (steward checkpoint). */
	if (ledger_logkey_path(st, path, sizeof path, e) != 0)
		return -1;
	/* A database's log key lives on the one host that signs (steward
	 * checkpoint --watch there): elsewhere there is none, and that is fine. */
	if (access(path, R_OK) != 0 && (errno == EACCES || (errno == ENOENT && strcmp(store_engine(st), "sqlite") != 0)))
		return 0;
	if (ledger_logkey_load(st, &k, e) != 0)
		return -1;
	/* Every act a checkpoint covers must be signed by its actor with a key
	 * the ledger's own keyring entries gave them: an entry inserted by
	 * someone who can write the store but holds no key is never signed. */
	if (fn == NULL) {
		fn = proven_checkpoint_entry;
		arg = st;
	}
	/* IMMEDIATE: two writers finishing at once must not both sign the same size. */
	r = store_begin(st, e);
	if (r == 0)
		r = ledger_checkpoint_each(st, k, fn, arg, e);
	ledger_logkey_free(k);
	if (r == 0 && store_commit(st, e) == 0)
		return 0;
	store_rollback(st);
	return -1;
}

struct ledger_store_src {
	struct store *st;
	struct db_stmt *ls, *cs;
};

static int ledger_store_next(void *arg, int64_t *seq, const char **body, size_t *len,
			     const uint8_t **leaf, const uint8_t **chain, const char **sig)
{
	struct ledger_store_src *s = arg;
	int rc = db_step(s->ls);

	if (rc == DB_DONE)
		return 0;
	if (rc != DB_ROW)
		return -1;
	*seq = db_column_int64(s->ls, 0);
	*body = db_column_blob(s->ls, 1);
	*len = (size_t)db_column_bytes(s->ls, 1);
	if (*body == NULL)
		*body = "";
	/* A stored hash of the wrong size can match nothing: give a zero one. */
	*leaf = db_column_bytes(s->ls, 2) == 32 ? db_column_blob(s->ls, 2)
						      : ledger_zero;
	*chain = db_column_bytes(s->ls, 3) == 32 ? db_column_blob(s->ls, 3)
						       : ledger_zero;
	*sig = (const char *)db_column_text(s->ls, 4);
	if (*sig == NULL)
		*sig = "";
	return 1;
}

static int ledger_store_cols(void *arg, struct ledger_cols *out)
{
	struct ledger_store_src *s = arg;
	const char *t;

	out->time = db_column_int64(s->ls, 5);
	t = (const char *)db_column_text(s->ls, 6);
	out->actor = t != NULL ? t : "";
	t = (const char *)db_column_text(s->ls, 7);
	out->action = t != NULL ? t : "";
	t = (const char *)db_column_text(s->ls, 8);
	out->subject = t != NULL ? t : "";
	return 0;
}

static int ledger_store_next_cp(void *arg, int64_t *size, const char **note)
{
	struct ledger_store_src *s = arg;
	int rc = db_step(s->cs);

	if (rc == DB_DONE)
		return 0;
	if (rc != DB_ROW)
		return -1;
	*size = db_column_int64(s->cs, 0);
	*note = (const char *)db_column_text(s->cs, 1);
	if (*note == NULL)
		*note = "";
	return 1;
}

int ledger_verify_each(struct store *st, struct ledger_report *r, ledger_entry_fn fn, void *arg,
		       struct err *e)
{
	return ledger_verify_kept(st, NULL, 0, r, fn, arg, e);
}

int ledger_verify_kept(struct store *st, const struct ledger_kept *kept, size_t nkept,
		       struct ledger_report *r, ledger_entry_fn fn, void *arg, struct err *e)
{
	struct ledger_verify_opts o = { .kept = kept, .nkept = nkept };

	return ledger_verify_with(st, &o, r, fn, arg, e);
}

int ledger_verify_with(struct store *st, const struct ledger_verify_opts *o, struct ledger_report *r,
		       ledger_entry_fn fn, void *arg, struct err *e)
{
	char name[KEYS_NAME_MAX + 1];
	uint8_t pk[KEYS_PK_BYTES];
	struct ledger_store_src s = { .st = st };
	struct ledger_source src = {
		.next = ledger_store_next,
		.cols = ledger_store_cols,
		.next_checkpoint = ledger_store_next_cp,
		.arg = &s,
		.kept = o->kept,
		.nkept = o->nkept,
		.q = o->q,
		.progress = o->progress,
		.from = o->from,
		.to = o->to,
		.leaves = o->leaves,
	};
	int64_t base = o->from != NULL ? o->from->size : 0;
	int rc;

	memset(r, 0, sizeof *r);
	if (ledger_logkey_public(st, name, sizeof name, pk, e) != 0)
		return -1;
	if (src.progress.fn != NULL)
		src.total = ledger_size(st) - base;
	if (store_prepare(st, &s.ls,
			  "SELECT seq, body, leaf, chain, sig, time, actor, action, subject FROM ledger WHERE seq > ?1 ORDER BY seq",
			  e) != 0)
		return -1;
	if (store_prepare(st, &s.cs, "SELECT size, note FROM checkpoints WHERE size > ?1 ORDER BY size", e) != 0) {
		db_finalize(s.ls);
		return -1;
	}
	/* From a resumed point no checkpoint covers yet, one signed at exactly
	 * that point is read too (ledger_verify_source checks it first). */
	if (db_bind_int64(s.ls, 1, base) != 0 ||
	    db_bind_int64(s.cs, 1, o->from != NULL && o->from->verified < base ? base - 1 : base) != 0) {
		db_finalize(s.ls);
		db_finalize(s.cs);
		return err_set(e, ERR_STORE, "reading the ledger failed");
	}
	rc = ledger_verify_source(&src, name, pk, r, fn, arg, e);
	db_finalize(s.ls);
	db_finalize(s.cs);
	return rc;
}

int ledger_verify(struct store *st, struct ledger_report *r, struct err *e)
{
	return ledger_verify_each(st, r, NULL, NULL, e);
}

/* ---- reading entries ---- */

void ledger_entry_clear(struct ledger_entry *x)
{
	free(x->body);
	x->body = NULL;
	x->len = 0;
}

void ledger_entries_free(struct ledger_entries *l)
{
	size_t i;

	for (i = 0; i < l->n; i++)
		ledger_entry_clear(&l->v[i]);
	free(l->v);
	l->v = NULL;
	l->n = 0;
}

static int ledger_entry_row(struct db_stmt *s, struct ledger_entry *x)
{
	memset(x, 0, sizeof *x);
	x->seq = db_column_int64(s, 0);
	x->time = db_column_int64(s, 1);
	store_text_copy(x->actor, sizeof x->actor, s, 2);
	store_text_copy(x->action, sizeof x->action, s, 3);
	store_text_copy(x->subject, sizeof x->subject, s, 4);
	x->len = (size_t)db_column_bytes(s, 5);
	x->body = malloc(x->len + 1);
	if (x->body == NULL)
		return -1;
	if (x->len > 0)
		memcpy(x->body, db_column_blob(s, 5), x->len);
	x->body[x->len] = '\0';
	return 0;
}

/* The first seq whose time is at or after t, by bisection on the primary
 * key: entry times never decrease (audit verify holds them to it), so a
 * dozen lookups find it among a million entries without an index on time.
 * *seq is one past the last entry when none is that late. */
static int ledger_first_at(struct store *st, int64_t t, int64_t *seq, struct err *e)
{
	struct db_stmt *s;
	int64_t lo = 0, hi, at, tm;
	int rc;

	if (store_prepare(st, &s, "SELECT max(seq) FROM ledger", e) != 0)
		return -1;
	rc = db_step(s);
	hi = rc == DB_ROW ? db_column_int64(s, 0) + 1 : 0;
	db_finalize(s);
	if (rc != DB_ROW)
		return store_fail(st, e, "reading the ledger's size");
	*seq = hi;
	if (store_prepare(st, &s, "SELECT seq, time FROM ledger WHERE seq >= ?1 ORDER BY seq LIMIT 1", e) != 0)
		return -1;
	while (lo < hi) {
		db_reset(s);
		db_bind_int64(s, 1, lo + (hi - lo) / 2);
		rc = db_step(s);
		if (rc == DB_DONE) {
			hi = lo + (hi - lo) / 2;
			continue;
		}
		if (rc != DB_ROW)
			break;
		at = db_column_int64(s, 0);
		tm = db_column_int64(s, 1);
		if (tm >= t) {
			*seq = at;
			hi = lo + (hi - lo) / 2;
		} else {
			lo = at + 1;
		}
	}
	db_finalize(s);
	if (lo < hi)
		return store_fail(st, e, "reading the ledger");
	return 0;
}

int ledger_each(struct store *st, const struct ledger_query *q, ledger_each_fn fn, void *arg, struct err *e)
{
	char lo[420], hi[420];
	struct ledger_entry x;
	struct db_stmt *s;
	char *buf = NULL;
	size_t cap = 0;
	int64_t after = q->after, first = 0;
	int rc, r = 0;

	if (q->since > 0) {
		if (ledger_first_at(st, q->since, &first, e) != 0)
			return -1;
		if (first - 1 > after)
			after = first - 1;
	}
	/* "SUBJECT/..." is the range [SUBJECT/, SUBJECT0): '0' follows '/'.
	 * A range keeps '%' and '_' literal, as LIKE would not, and lets the
	 * subject index find a model's entries among a million; so the
	 * subject filter has a statement of its own, which "?1 IS NULL OR"
	 * would keep from using it. seq > ?5 is the keyset that makes a page
	 * after a given entry as quick as the first. */
	snprintf(lo, sizeof lo, "%s/", q->subject ? q->subject : "");
	snprintf(hi, sizeof hi, "%s0", q->subject ? q->subject : "");
	if (store_prepare(st, &s,
			  q->subject != NULL
				  ? "SELECT seq, time, actor, action, subject, body FROM ledger"
				    " WHERE (subject = ?1 OR (subject >= ?2 AND subject < ?4))"
				    " AND (CAST(?3 AS TEXT) IS NULL OR actor = ?3) AND seq > ?5 AND time >= ?6"
				    " ORDER BY seq LIMIT ?7"
				  : "SELECT seq, time, actor, action, subject, body FROM ledger"
				    " WHERE (CAST(?3 AS TEXT) IS NULL OR actor = ?3) AND seq > ?5 AND time >= ?6"
				    " ORDER BY seq LIMIT ?7",
			  e) != 0)
		return -1;
	if (q->subject != NULL) {
		db_bind_text(s, 1, q->subject, -1, DB_STATIC);
		db_bind_text(s, 2, lo, -1, DB_STATIC);
		db_bind_text(s, 4, hi, -1, DB_STATIC);
	}
	if (q->actor != NULL)
		db_bind_text(s, 3, q->actor, -1, DB_STATIC);
	else
		db_bind_null(s, 3);
	db_bind_int64(s, 5, after);
	db_bind_int64(s, 6, q->since);
	/* No limit is the largest one: LIMIT -1 is SQLite's alone. */
	db_bind_int64(s, 7, q->limit > 0 ? q->limit : INT64_MAX);
	while ((rc = db_step(s)) == DB_ROW) {
		size_t len = (size_t)db_column_bytes(s, 5);

		/* One buffer for every body, grown to the largest: memory stays
		 * flat however many entries pass. */
		if (len + 1 > cap) {
			char *nb = realloc(buf, len + 1);

			if (nb == NULL) {
				r = err_set(e, ERR_IO, "out of memory reading ledger entry %" PRId64, db_column_int64(s, 0));
				break;
			}
			buf = nb;
			cap = len + 1;
		}
		memset(&x, 0, sizeof x);
		x.seq = db_column_int64(s, 0);
		x.time = db_column_int64(s, 1);
		store_text_copy(x.actor, sizeof x.actor, s, 2);
		store_text_copy(x.action, sizeof x.action, s, 3);
		store_text_copy(x.subject, sizeof x.subject, s, 4);
		if (len > 0)
			memcpy(buf, db_column_blob(s, 5), len);
		buf[len] = '\0';
		x.body = buf;
		x.len = len;
		if (fn(arg, &x, e) != 0) {
			r = -1;
			break;
		}
	}
	db_finalize(s);
	free(buf);
	if (r == 0 && rc != DB_DONE)
		return store_fail(st, e, "reading the ledger");
	return r;
}

struct ledger_collect {
	struct ledger_entries *out;
	size_t cap;
};

static int ledger_entries_add(void *arg, const struct ledger_entry *x, struct err *e)
{
	struct ledger_collect *c = arg;
	struct ledger_entry *d;

	if (c->out->n == c->cap) {
		size_t ncap = c->cap ? 2 * c->cap : 64;
		struct ledger_entry *nv = realloc(c->out->v, ncap * sizeof *nv);

		if (nv == NULL)
			return err_set(e, ERR_IO, "out of memory reading the ledger");
		c->out->v = nv;
		c->cap = ncap;
	}
	d = &c->out->v[c->out->n];
	*d = *x;
	d->body = malloc(x->len + 1);
	if (d->body == NULL)
		return err_set(e, ERR_IO, "out of memory reading the ledger");
	memcpy(d->body, x->body, x->len + 1);
	c->out->n++;
	return 0;
}

int ledger_entries(struct store *st, const char *subject, const char *actor,
		   struct ledger_entries *out, struct err *e)
{
	struct ledger_query q = { .subject = subject, .actor = actor };
	struct ledger_collect c = { .out = out };

	memset(out, 0, sizeof *out);
	if (ledger_each(st, &q, ledger_entries_add, &c, e) != 0) {
		ledger_entries_free(out);
		return -1;
	}
	return 0;
}

int ledger_entry_get(struct store *st, int64_t seq, struct ledger_entry *out, struct err *e)
{
	struct db_stmt *s;
	int rc, r = 0;

	memset(out, 0, sizeof *out);
	if (store_prepare(st, &s,
			  "SELECT seq, time, actor, action, subject, body FROM ledger WHERE seq = ?1", e) != 0)
		return -1;
	db_bind_int64(s, 1, seq);
	rc = db_step(s);
	if (rc == DB_ROW && ledger_entry_row(s, out) != 0)
		r = err_set(e, ERR_IO, "out of memory");
	else if (rc == DB_DONE)
		r = err_set(e, ERR_NOTFOUND, "no ledger entry %" PRId64 " (the ledger has %" PRId64 ")", seq,
			    ledger_size(st));
	else if (rc != DB_ROW)
		r = store_fail(st, e, "reading the ledger");
	db_finalize(s);
	return r;
}

int ledger_latest_checkpoint(struct store *st, int64_t *size, char **note, struct err *e)
{
	struct db_stmt *s;
	int rc;

	*size = 0;
	*note = NULL;
	if (store_prepare(st, &s, "SELECT size, note FROM checkpoints ORDER BY size DESC LIMIT 1", e) != 0)
		return -1;
	rc = db_step(s);
	if (rc == DB_ROW) {
		*size = db_column_int64(s, 0);
		*note = strdup((const char *)db_column_text(s, 1));
	}
	db_finalize(s);
	if (rc != DB_ROW && rc != DB_DONE)
		return store_fail(st, e, "reading checkpoints");
	if (rc == DB_ROW && *note == NULL)
		return err_set(e, ERR_IO, "out of memory");
	return 0;
}

void ledger_inclusion_clear(struct ledger_inclusion *p)
{
	free(p->body);
	free(p->checkpoint);
	memset(p, 0, sizeof *p);
}

int ledger_prove(struct store *st, int64_t seq, struct ledger_inclusion *p, struct err *e)
{
	struct ledger_entry x = { 0 };

	memset(p, 0, sizeof *p);
	if (ledger_latest_checkpoint(st, &p->size, &p->checkpoint, e) != 0)
		return -1;
	if (p->size == 0)
		return err_set(e, ERR_NOTFOUND, "no checkpoint has been signed yet");
	if (seq < 1 || seq > p->size) {
		int64_t size = p->size;

		ledger_inclusion_clear(p);
		return err_set(e, ERR_NOTFOUND,
			       "entry %" PRId64 " is not covered by the newest checkpoint (size %" PRId64 ")", seq,
			       size);
	}
	p->seq = seq;
	if (ledger_entry_get(st, seq, &x, e) != 0)
		goto fail;
	p->body = x.body;
	p->len = x.len;
	if (ledger_tree_inclusion(st, p->size, seq, p->path, &p->plen, e) != 0)
		goto fail;
	return 0;
fail:
	ledger_inclusion_clear(p);
	return -1;
}

void ledger_consistency_clear(struct ledger_consistency *p)
{
	free(p->old_checkpoint);
	free(p->checkpoint);
	memset(p, 0, sizeof *p);
}

int ledger_consistency(struct store *st, int64_t old_size, struct ledger_consistency *p,
		       struct err *e)
{
	struct db_stmt *s;

	memset(p, 0, sizeof *p);
	if (ledger_latest_checkpoint(st, &p->size, &p->checkpoint, e) != 0)
		return -1;
	if (p->size == 0)
		return err_set(e, ERR_NOTFOUND, "no checkpoint has been signed yet");
	if (old_size < 1 || old_size > p->size) {
		int64_t size = p->size;

		ledger_consistency_clear(p);
		return err_set(e, ERR_INVALID, "old size must be between 1 and the newest checkpoint's size %" PRId64,
			       size);
	}
	p->old_size = old_size;
	if (ledger_tree_root(st, old_size, p->old_root, e) != 0 ||
	    ledger_tree_consistency(st, p->size, old_size, p->path, &p->plen, e) != 0) {
		ledger_consistency_clear(p);
		return -1;
	}
	if (store_prepare(st, &s, "SELECT note FROM checkpoints WHERE size = ?1", e) != 0) {
		ledger_consistency_clear(p);
		return -1;
	}
	db_bind_int64(s, 1, old_size);
	if (db_step(s) == DB_ROW)
		p->old_checkpoint = strdup((const char *)db_column_text(s, 0));
	db_finalize(s);
	return 0;
}
