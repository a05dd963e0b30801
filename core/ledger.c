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
#include "note.h"

#define LOGKEY_MAGIC "steward log key v1\n"

static int ledger_logkey_path(struct store *st, char *buf, size_t n, struct err *e)
{
	if (snprintf(buf, n, "%s.logkey", store_path(st)) >= (int)n)
		return err_set(e, ERR_INVALID, "store path is too long");
	return 0;
}

int ledger_logkey_create(struct store *st, struct err *e)
{
	uint8_t seed[crypto_sign_SEEDBYTES], pk[KEYS_PK_BYTES], *sk;
	uint8_t idb[8];
	char path[4200], id[17], name[64], seedhex[2 * sizeof seed + 1], file[300];
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
			       store_path(st));
	if (r < 0 || store_meta_get(st, "log_key_public", b64, sizeof b64, e) != 1)
		return -1;
	if (sodium_base642bin(pk, KEYS_PK_BYTES, b64, strlen(b64), NULL, &bin, NULL,
			      sodium_base64_VARIANT_ORIGINAL) != 0 ||
	    bin != KEYS_PK_BYTES)
		return err_set(e, ERR_STORE, "store %s: recorded log public key is damaged", store_path(st));
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
	if (sb.st_mode & 077) {
		close(fd);
		err_set(e, ERR_DENIED, "log key %s is readable by others; run chmod 600 %s", path, path);
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
				store_path(st));
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

/* The last entry's sequence number and chain hash (zeros before the first). */
static int ledger_tail(struct store *st, int64_t *seq, uint8_t chain[32], struct err *e)
{
	sqlite3_stmt *s;
	int rc;

	*seq = 0;
	memset(chain, 0, 32);
	if (store_prepare(st, &s, "SELECT seq, chain FROM ledger ORDER BY seq DESC LIMIT 1", e) != 0)
		return -1;
	rc = sqlite3_step(s);
	if (rc == SQLITE_ROW) {
		*seq = sqlite3_column_int64(s, 0);
		if (sqlite3_column_bytes(s, 1) == 32)
			memcpy(chain, sqlite3_column_blob(s, 1), 32);
	}
	sqlite3_finalize(s);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
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

int ledger_append(struct store *st, const char *actor, const char *action, const char *subject,
		  json_t *data, int64_t *seq, struct err *e)
{
	uint8_t prev[32], leaf[32], chain[32];
	char when[32], prevhex[65];
	int64_t last, now = store_now();
	json_t *body;
	char *bytes;
	sqlite3_stmt *s;
	int rc;

	if (!store_in_transaction(st))
		return err_set(e, ERR_STORE, "ledger_append outside a transaction");
	if (check_text("actor", actor, 200, 0, 0, e) != 0 ||
	    check_text("action", action, 100, 0, 0, e) != 0 ||
	    check_text("subject", subject, 400, 0, 0, e) != 0)
		return -1;
	if (ledger_tail(st, &last, prev, e) != 0)
		return -1;
	check_time_text(now, when, sizeof when);
	sodium_bin2hex(prevhex, sizeof prevhex, prev, sizeof prev);
	/* seq and prev inside the body: a swapped or dropped entry changes
	 * what every later leaf commits to. */
	body = json_pack("{s:I, s:s, s:s, s:s, s:s, s:O, s:s}", "seq", (json_int_t)(last + 1), "time",
			 when, "actor", actor, "action", action, "subject", subject, "data",
			 data ? data : json_null(), "prev", prevhex);
	if (body == NULL)
		return err_set(e, ERR_IO, "out of memory building a ledger entry");
	bytes = json_dumps(body, JSON_COMPACT | JSON_SORT_KEYS | JSON_ENSURE_ASCII);
	json_decref(body);
	if (bytes == NULL)
		return err_set(e, ERR_IO, "out of memory building a ledger entry");
	merkle_leaf(bytes, strlen(bytes), leaf);
	ledger_chain(prev, leaf, chain);
	if (store_prepare(st, &s,
			  "INSERT INTO ledger(seq, time, actor, action, subject, body, leaf, chain)"
			  " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
			  e) != 0) {
		free(bytes);
		return -1;
	}
	sqlite3_bind_int64(s, 1, last + 1);
	sqlite3_bind_int64(s, 2, now);
	sqlite3_bind_text(s, 3, actor, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 4, action, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 5, subject, -1, SQLITE_STATIC);
	sqlite3_bind_blob(s, 6, bytes, (int)strlen(bytes), SQLITE_STATIC);
	sqlite3_bind_blob(s, 7, leaf, 32, SQLITE_STATIC);
	sqlite3_bind_blob(s, 8, chain, 32, SQLITE_STATIC);
	rc = sqlite3_step(s);
	sqlite3_finalize(s);
	free(bytes);
	if (rc != SQLITE_DONE)
		return store_fail(st, e, "appending to the ledger");
	if (seq != NULL)
		*seq = last + 1;
	return 0;
}

int64_t ledger_size(struct store *st)
{
	struct err e;
	uint8_t chain[32];
	int64_t seq;

	return ledger_tail(st, &seq, chain, &e) == 0 ? seq : -1;
}

/* The newest checkpoint's frontier, when it is sound: its subtree count
 * matches its size and it gives the root that checkpoint signed. */
static int ledger_frontier(struct store *st, struct merkle_acc *acc, struct err *e)
{
	sqlite3_stmt *s;
	int ok = 0;

	merkle_acc_init(acc);
	if (store_prepare(st, &s, "SELECT size, root, frontier FROM checkpoints ORDER BY size DESC LIMIT 1", e) != 0)
		return -1;
	if (sqlite3_step(s) == SQLITE_ROW) {
		uint64_t size = (uint64_t)sqlite3_column_int64(s, 0);
		int len = sqlite3_column_bytes(s, 2);
		merkle_hash root;

		if (len > 0 && len % MERKLE_HASH == 0 && len / MERKLE_HASH == __builtin_popcountll(size) &&
		    sqlite3_column_bytes(s, 1) == MERKLE_HASH) {
			memcpy(acc->stack, sqlite3_column_blob(s, 2), (size_t)len);
			acc->top = len / MERKLE_HASH;
			acc->size = size;
			merkle_acc_root(acc, root);
			ok = memcmp(root, sqlite3_column_blob(s, 1), MERKLE_HASH) == 0;
		}
	}
	sqlite3_finalize(s);
	if (!ok)
		merkle_acc_init(acc);
	return 0;
}

int ledger_checkpoint(struct store *st, const struct ledger_logkey *k, struct err *e)
{
	char text[400], rootb64[64], *note;
	merkle_hash root;
	struct merkle_acc acc;
	int64_t size = ledger_size(st);
	sqlite3_stmt *s;
	int rc;

	if (size < 0)
		return err_set(e, ERR_STORE, "cannot read the ledger size");
	if (ledger_frontier(st, &acc, e) != 0)
		return -1;
	if (size == 0 || (int64_t)acc.size == size)
		return 0;
	/* Only the leaves since the last checkpoint (all of them without a frontier). */
	if (store_prepare(st, &s, "SELECT leaf FROM ledger WHERE seq > ?1 AND seq <= ?2 ORDER BY seq", e) != 0)
		return -1;
	sqlite3_bind_int64(s, 1, (int64_t)acc.size);
	sqlite3_bind_int64(s, 2, size);
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		if (sqlite3_column_bytes(s, 0) != 32) {
			sqlite3_finalize(s);
			return err_set(e, ERR_STORE, "ledger leaf of the wrong size");
		}
		merkle_acc_add(&acc, sqlite3_column_blob(s, 0));
	}
	sqlite3_finalize(s);
	if (rc != SQLITE_DONE)
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
	sqlite3_bind_int64(s, 1, size);
	sqlite3_bind_int64(s, 2, store_now());
	sqlite3_bind_blob(s, 3, root, sizeof root, SQLITE_STATIC);
	sqlite3_bind_text(s, 4, note, -1, SQLITE_STATIC);
	sqlite3_bind_blob(s, 5, acc.stack, acc.top * MERKLE_HASH, SQLITE_STATIC);
	rc = sqlite3_step(s);
	sqlite3_finalize(s);
	free(note);
	if (rc != SQLITE_DONE)
		return store_fail(st, e, "writing a checkpoint");
	return 0;
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

int ledger_verify_source(const struct ledger_source *src, const char *name,
			 const uint8_t pk[KEYS_PK_BYTES], struct ledger_report *r,
			 ledger_entry_fn fn, void *fnarg, struct err *e)
{
	char prevhex[65], why[600];
	uint8_t prev[32] = { 0 }, leaf[32], chain[32];
	struct merkle_acc acc;
	int64_t expect = 1, cp_size = 0, seq;
	const uint8_t *sleaf, *schain;
	const char *body, *note = NULL;
	size_t blen;
	int rc, crc;

	memset(r, 0, sizeof *r);
	merkle_acc_init(&acc);
	crc = src->next_checkpoint(src->arg, &cp_size, &note);
	if (crc < 0)
		return err_set(e, ERR_STORE, "reading checkpoints failed");
	while ((rc = src->next(src->arg, &seq, &body, &blen, &sleaf, &schain)) == 1) {
		json_t *j;
		json_int_t jseq = -1;
		const char *jprev = "";

		if (seq != expect)
			return ledger_bad(r, e, expect, "missing (the next stored entry is %" PRId64 ")", seq);
		merkle_leaf(body, blen, leaf);
		if (sleaf != NULL && memcmp(leaf, sleaf, 32) != 0)
			return ledger_bad(r, e, seq, "body does not hash to its stored leaf (edited)");
		j = json_loadb(body, blen, JSON_REJECT_DUPLICATES, NULL);
		if (j == NULL || json_unpack(j, "{s:I, s:s}", "seq", &jseq, "prev", &jprev) != 0) {
			json_decref(j);
			return ledger_bad(r, e, seq, "body is not a ledger entry");
		}
		sodium_bin2hex(prevhex, sizeof prevhex, prev, sizeof prev);
		if (jseq != seq || strcmp(jprev, prevhex) != 0) {
			json_decref(j);
			return ledger_bad(r, e, seq,
					  jseq != seq ? "body says it is entry %lld (moved or swapped)"
						      : "body does not follow entry %lld (reordered or edited)",
					  (long long)(jseq != seq ? jseq : seq - 1));
		}
		ledger_chain(prev, leaf, chain);
		if (schain != NULL && memcmp(chain, schain, 32) != 0) {
			json_decref(j);
			return ledger_bad(r, e, seq, "chain hash does not match");
		}
		memcpy(prev, chain, 32);
		merkle_acc_add(&acc, leaf);
		r->entries = seq;
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
			crc = src->next_checkpoint(src->arg, &cp_size, &note);
			if (crc < 0) {
				json_decref(j);
				return err_set(e, ERR_STORE, "reading checkpoints failed");
			}
		}
		if (fn != NULL && fn(fnarg, seq, body, blen, j, why, sizeof why) != 0) {
			json_decref(j);
			return ledger_bad(r, e, seq, "%s", why);
		}
		json_decref(j);
		expect++;
	}
	if (rc < 0)
		return err_set(e, ERR_STORE, "reading the ledger failed");
	if (crc == 1)
		/* A checkpoint beyond the end: entries were cut off after signing. */
		return ledger_bad(r, e, expect,
				  "missing: a checkpoint signed %" PRId64 " entries but the ledger ends at %" PRId64
				  " (truncated)",
				  cp_size, expect - 1);
	return 0;
}

struct ledger_store_src {
	struct store *st;
	sqlite3_stmt *ls, *cs;
};

static const uint8_t ledger_zero[32];

static int ledger_store_next(void *arg, int64_t *seq, const char **body, size_t *len,
			     const uint8_t **leaf, const uint8_t **chain)
{
	struct ledger_store_src *s = arg;
	int rc = sqlite3_step(s->ls);

	if (rc == SQLITE_DONE)
		return 0;
	if (rc != SQLITE_ROW)
		return -1;
	*seq = sqlite3_column_int64(s->ls, 0);
	*body = sqlite3_column_blob(s->ls, 1);
	*len = (size_t)sqlite3_column_bytes(s->ls, 1);
	if (*body == NULL)
		*body = "";
	/* A stored hash of the wrong size can match nothing: give a zero one. */
	*leaf = sqlite3_column_bytes(s->ls, 2) == 32 ? sqlite3_column_blob(s->ls, 2)
						      : ledger_zero;
	*chain = sqlite3_column_bytes(s->ls, 3) == 32 ? sqlite3_column_blob(s->ls, 3)
						       : ledger_zero;
	return 1;
}

static int ledger_store_next_cp(void *arg, int64_t *size, const char **note)
{
	struct ledger_store_src *s = arg;
	int rc = sqlite3_step(s->cs);

	if (rc == SQLITE_DONE)
		return 0;
	if (rc != SQLITE_ROW)
		return -1;
	*size = sqlite3_column_int64(s->cs, 0);
	*note = (const char *)sqlite3_column_text(s->cs, 1);
	if (*note == NULL)
		*note = "";
	return 1;
}

int ledger_verify_each(struct store *st, struct ledger_report *r, ledger_entry_fn fn, void *arg,
		       struct err *e)
{
	char name[KEYS_NAME_MAX + 1];
	uint8_t pk[KEYS_PK_BYTES];
	struct ledger_store_src s = { .st = st };
	struct ledger_source src = {
		.next = ledger_store_next,
		.next_checkpoint = ledger_store_next_cp,
		.arg = &s,
	};
	int rc;

	memset(r, 0, sizeof *r);
	if (ledger_logkey_public(st, name, sizeof name, pk, e) != 0)
		return -1;
	if (store_prepare(st, &s.ls, "SELECT seq, body, leaf, chain FROM ledger ORDER BY seq", e) != 0)
		return -1;
	if (store_prepare(st, &s.cs, "SELECT size, note FROM checkpoints ORDER BY size", e) != 0) {
		sqlite3_finalize(s.ls);
		return -1;
	}
	rc = ledger_verify_source(&src, name, pk, r, fn, arg, e);
	sqlite3_finalize(s.ls);
	sqlite3_finalize(s.cs);
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

static int ledger_entry_row(sqlite3_stmt *s, struct ledger_entry *x)
{
	const char *t;

	memset(x, 0, sizeof *x);
	x->seq = sqlite3_column_int64(s, 0);
	x->time = sqlite3_column_int64(s, 1);
	t = (const char *)sqlite3_column_text(s, 2);
	snprintf(x->actor, sizeof x->actor, "%s", t ? t : "");
	t = (const char *)sqlite3_column_text(s, 3);
	snprintf(x->action, sizeof x->action, "%s", t ? t : "");
	t = (const char *)sqlite3_column_text(s, 4);
	snprintf(x->subject, sizeof x->subject, "%s", t ? t : "");
	x->len = (size_t)sqlite3_column_bytes(s, 5);
	x->body = malloc(x->len + 1);
	if (x->body == NULL)
		return -1;
	if (x->len > 0)
		memcpy(x->body, sqlite3_column_blob(s, 5), x->len);
	x->body[x->len] = '\0';
	return 0;
}

int ledger_entries(struct store *st, const char *subject, const char *actor,
		   struct ledger_entries *out, struct err *e)
{
	char prefix[420];
	sqlite3_stmt *s;
	size_t cap = 0;
	int rc;

	memset(out, 0, sizeof *out);
	snprintf(prefix, sizeof prefix, "%s/", subject ? subject : "");
	/* substr keeps '%' and '_' in subjects literal, which LIKE would not. */
	if (store_prepare(st, &s,
			  "SELECT seq, time, actor, action, subject, body FROM ledger"
			  " WHERE (?1 IS NULL OR subject = ?1 OR substr(subject, 1, length(?2)) = ?2)"
			  " AND (?3 IS NULL OR actor = ?3) ORDER BY seq",
			  e) != 0)
		return -1;
	if (subject != NULL) {
		sqlite3_bind_text(s, 1, subject, -1, SQLITE_STATIC);
		sqlite3_bind_text(s, 2, prefix, -1, SQLITE_STATIC);
	}
	if (actor != NULL)
		sqlite3_bind_text(s, 3, actor, -1, SQLITE_STATIC);
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		if (out->n == cap) {
			size_t ncap = cap ? 2 * cap : 64;
			struct ledger_entry *nv = realloc(out->v, ncap * sizeof *nv);

			if (nv == NULL)
				break;
			out->v = nv;
			cap = ncap;
		}
		if (ledger_entry_row(s, &out->v[out->n]) != 0)
			break;
		out->n++;
	}
	sqlite3_finalize(s);
	if (rc == SQLITE_ROW) {
		ledger_entries_free(out);
		return err_set(e, ERR_IO, "out of memory reading the ledger");
	}
	if (rc != SQLITE_DONE) {
		ledger_entries_free(out);
		return store_fail(st, e, "reading the ledger");
	}
	return 0;
}

int ledger_entry_get(struct store *st, int64_t seq, struct ledger_entry *out, struct err *e)
{
	sqlite3_stmt *s;
	int rc, r = 0;

	memset(out, 0, sizeof *out);
	if (store_prepare(st, &s,
			  "SELECT seq, time, actor, action, subject, body FROM ledger WHERE seq = ?1", e) != 0)
		return -1;
	sqlite3_bind_int64(s, 1, seq);
	rc = sqlite3_step(s);
	if (rc == SQLITE_ROW && ledger_entry_row(s, out) != 0)
		r = err_set(e, ERR_IO, "out of memory");
	else if (rc == SQLITE_DONE)
		r = err_set(e, ERR_NOTFOUND, "no ledger entry %" PRId64 " (the ledger has %" PRId64 ")", seq,
			    ledger_size(st));
	else if (rc != SQLITE_ROW)
		r = store_fail(st, e, "reading the ledger");
	sqlite3_finalize(s);
	return r;
}

int ledger_latest_checkpoint(struct store *st, int64_t *size, char **note, struct err *e)
{
	sqlite3_stmt *s;
	int rc;

	*size = 0;
	*note = NULL;
	if (store_prepare(st, &s, "SELECT size, note FROM checkpoints ORDER BY size DESC LIMIT 1", e) != 0)
		return -1;
	rc = sqlite3_step(s);
	if (rc == SQLITE_ROW) {
		*size = sqlite3_column_int64(s, 0);
		*note = strdup((const char *)sqlite3_column_text(s, 1));
	}
	sqlite3_finalize(s);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		return store_fail(st, e, "reading checkpoints");
	if (rc == SQLITE_ROW && *note == NULL)
		return err_set(e, ERR_IO, "out of memory");
	return 0;
}

/* Leaves 1..size, for building proofs. */
static int ledger_leaves(struct store *st, int64_t size, merkle_hash **out, struct err *e)
{
	sqlite3_stmt *s;
	merkle_hash *v;
	int64_t n = 0;
	int rc;

	*out = NULL;
	v = malloc((size_t)(size > 0 ? size : 1) * sizeof *v);
	if (v == NULL)
		return err_set(e, ERR_IO, "out of memory");
	if (store_prepare(st, &s, "SELECT leaf FROM ledger WHERE seq <= ?1 ORDER BY seq", e) != 0) {
		free(v);
		return -1;
	}
	sqlite3_bind_int64(s, 1, size);
	while ((rc = sqlite3_step(s)) == SQLITE_ROW && n < size) {
		if (sqlite3_column_bytes(s, 0) != 32)
			break;
		memcpy(v[n++], sqlite3_column_blob(s, 0), 32);
	}
	sqlite3_finalize(s);
	if (n != size) {
		free(v);
		return err_set(e, ERR_STORE, "the ledger does not hold the %" PRId64 " entries its checkpoint signed (run 'steward audit verify')",
			       size);
	}
	*out = v;
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
	struct ledger_entry x;
	merkle_hash *leaves = NULL;

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
	if (ledger_entry_get(st, seq, &x, e) != 0 || ledger_leaves(st, p->size, &leaves, e) != 0) {
		ledger_inclusion_clear(p);
		return -1;
	}
	p->body = x.body;
	p->len = x.len;
	merkle_inclusion_proof((const merkle_hash *)leaves, (size_t)p->size, (size_t)(seq - 1), p->path,
			       &p->plen);
	free(leaves);
	return 0;
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
	merkle_hash *leaves = NULL;
	sqlite3_stmt *s;

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
	if (ledger_leaves(st, p->size, &leaves, e) != 0) {
		ledger_consistency_clear(p);
		return -1;
	}
	merkle_root((const merkle_hash *)leaves, (size_t)old_size, p->old_root);
	merkle_consistency_proof((const merkle_hash *)leaves, (size_t)p->size, (size_t)old_size, p->path,
				 &p->plen);
	free(leaves);
	if (store_prepare(st, &s, "SELECT note FROM checkpoints WHERE size = ?1", e) != 0) {
		ledger_consistency_clear(p);
		return -1;
	}
	sqlite3_bind_int64(s, 1, old_size);
	if (sqlite3_step(s) == SQLITE_ROW)
		p->old_checkpoint = strdup((const char *)sqlite3_column_text(s, 0));
	sqlite3_finalize(s);
	return 0;
}
