/* audit-proof: inclusion and consistency proofs as the text `steward audit prove|consistency` writes, and checking such a text against a signed checkpoint without the store. */
#include "audit.h"

#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>
#include <sodium.h>

#include "ledger.h"
#include "merkle.h"
#include "note.h"

/* ---- proofs as text ---- */

#define AUDIT_INCLUSION_MAGIC "steward inclusion proof v1\n"
#define AUDIT_CONSISTENCY_MAGIC "steward consistency proof v1\n"

/* A growing text buffer; on allocation failure it stays NULL. */
struct audit_buf {
	char *s;
	size_t len, cap;
};

static void audit_put(struct audit_buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void audit_put(struct audit_buf *b, const char *fmt, ...)
{
	va_list ap;
	int need;

	if (b->s == NULL && b->cap != 0)
		return;
	va_start(ap, fmt);
	need = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (need < 0)
		goto fail;
	if (b->len + (size_t)need + 1 > b->cap) {
		size_t ncap = (b->len + (size_t)need + 1) * 2;
		char *ns = realloc(b->s, ncap);

		if (ns == NULL)
			goto fail;
		b->s = ns;
		b->cap = ncap;
	}
	va_start(ap, fmt);
	vsnprintf(b->s + b->len, b->cap - b->len, fmt, ap);
	va_end(ap);
	b->len += (size_t)need;
	return;
fail:
	free(b->s);
	b->s = NULL;
	b->cap = 1;
}

static void audit_put_hash(struct audit_buf *b, const char *label, const merkle_hash h)
{
	char b64[sodium_base64_ENCODED_LEN(MERKLE_HASH, sodium_base64_VARIANT_ORIGINAL)];

	sodium_bin2base64(b64, sizeof b64, h, MERKLE_HASH, sodium_base64_VARIANT_ORIGINAL);
	audit_put(b, "%s %s\n", label, b64);
}

char *audit_format_inclusion(const struct ledger_inclusion *p)
{
	struct audit_buf b = { 0 };
	size_t n = sodium_base64_ENCODED_LEN(p->len, sodium_base64_VARIANT_ORIGINAL), i;
	char *b64 = malloc(n);

	if (b64 == NULL)
		return NULL;
	sodium_bin2base64(b64, n, (const unsigned char *)p->body, p->len, sodium_base64_VARIANT_ORIGINAL);
	audit_put(&b, AUDIT_INCLUSION_MAGIC "seq %" PRId64 "\nsize %" PRId64 "\nbody %s\n", p->seq, p->size, b64);
	free(b64);
	for (i = 0; i < p->plen; i++)
		audit_put_hash(&b, "path", p->path[i]);
	audit_put(&b, "checkpoint %zu\n%s", strlen(p->checkpoint), p->checkpoint);
	return b.s;
}

char *audit_format_consistency(const struct ledger_consistency *p)
{
	struct audit_buf b = { 0 };
	size_t i;

	audit_put(&b, AUDIT_CONSISTENCY_MAGIC "old %" PRId64 "\nsize %" PRId64 "\n", p->old_size, p->size);
	audit_put_hash(&b, "oldroot", p->old_root);
	for (i = 0; i < p->plen; i++)
		audit_put_hash(&b, "path", p->path[i]);
	if (p->old_checkpoint != NULL)
		audit_put(&b, "old-checkpoint %zu\n%s", strlen(p->old_checkpoint), p->old_checkpoint);
	audit_put(&b, "checkpoint %zu\n%s", strlen(p->checkpoint), p->checkpoint);
	return b.s;
}

/* A line-oriented reader over the proof text. */
struct audit_rd {
	const char *p, *end;
	char line[8192];
};

/* Next line into rd->line (without "\n"); 0 at end or on an over-long line. */
static int audit_rd_line(struct audit_rd *rd)
{
	const char *nl = memchr(rd->p, '\n', (size_t)(rd->end - rd->p));
	size_t n;

	if (nl == NULL)
		return 0;
	n = (size_t)(nl - rd->p);
	if (n >= sizeof rd->line)
		return 0;
	memcpy(rd->line, rd->p, n);
	rd->line[n] = '\0';
	rd->p = nl + 1;
	return 1;
}

static int audit_rd_int(struct audit_rd *rd, const char *key, int64_t *v)
{
	char *end;
	size_t kl = strlen(key);
	long long x;

	if (!audit_rd_line(rd) || strncmp(rd->line, key, kl) != 0 || rd->line[kl] != ' ')
		return -1;
	errno = 0;
	x = strtoll(rd->line + kl + 1, &end, 10);
	if (errno != 0 || *end != '\0' || x < 0)
		return -1;
	*v = x;
	return 0;
}

static int audit_b64_hash(const char *s, merkle_hash out)
{
	size_t bin;

	return sodium_base642bin(out, MERKLE_HASH, s, strlen(s), NULL, &bin, NULL,
				 sodium_base64_VARIANT_ORIGINAL) == 0 && bin == MERKLE_HASH ? 0 : -1;
}

/* "checkpoint N" (or "old-checkpoint N") then N bytes of note. */
static char *audit_rd_note(struct audit_rd *rd, const char *key)
{
	int64_t n;
	char *note;

	if (audit_rd_int(rd, key, &n) != 0 || n <= 0 || n > 4096 || (int64_t)(rd->end - rd->p) < n)
		return NULL;
	note = malloc((size_t)n + 1);
	if (note == NULL)
		return NULL;
	memcpy(note, rd->p, (size_t)n);
	note[n] = '\0';
	rd->p += n;
	return note;
}

/* Verifies a checkpoint note and reads its size and root. */
static int audit_note_root(const char *note, const char *name, const uint8_t pk[KEYS_PK_BYTES],
			   int64_t *size, merkle_hash root, struct err *e)
{
	char origin[KEYS_NAME_MAX + 2], rootb64[64];
	long long sz;
	size_t tl;

	if (note_verify(note, name, pk, &tl, e) != 0)
		return err_prefix(e, "checkpoint");
	if (sscanf(note, "%101[^\n]\n%lld\n%63[^\n]\n", origin, &sz, rootb64) != 3 ||
	    strcmp(origin, name) != 0 || sz <= 0 || audit_b64_hash(rootb64, root) != 0)
		return err_set(e, ERR_INVALID, "checkpoint text is not origin, size and root");
	*size = sz;
	return 0;
}

int audit_verify_proof(const char *text, size_t len, const char *log_name,
		       const uint8_t pk[KEYS_PK_BYTES], char *summary, size_t n, struct err *e)
{
	struct audit_rd *rd = calloc(1, sizeof *rd);
	merkle_hash path[MERKLE_MAX_PATH], root, oldroot, leaf;
	int64_t seq = 0, size = 0, old = 0, cpsize;
	char *note = NULL, *oldnote = NULL;
	uint8_t *body = NULL;
	size_t plen = 0, blen = 0;
	int incl, r = -1;

	if (rd == NULL)
		return err_set(e, ERR_IO, "out of memory");
	rd->p = text;
	rd->end = text + len;
	incl = len >= strlen(AUDIT_INCLUSION_MAGIC) &&
	       memcmp(text, AUDIT_INCLUSION_MAGIC, strlen(AUDIT_INCLUSION_MAGIC)) == 0;
	if (!incl && (len < strlen(AUDIT_CONSISTENCY_MAGIC) ||
		      memcmp(text, AUDIT_CONSISTENCY_MAGIC, strlen(AUDIT_CONSISTENCY_MAGIC)) != 0)) {
		err_set(e, ERR_INVALID, "not a steward proof (first line must be '%.*s' or '%.*s')",
			(int)strlen(AUDIT_INCLUSION_MAGIC) - 1, AUDIT_INCLUSION_MAGIC,
			(int)strlen(AUDIT_CONSISTENCY_MAGIC) - 1, AUDIT_CONSISTENCY_MAGIC);
		goto out;
	}
	audit_rd_line(rd);
	if (incl) {
		if (audit_rd_int(rd, "seq", &seq) != 0 || audit_rd_int(rd, "size", &size) != 0 ||
		    !audit_rd_line(rd) || strncmp(rd->line, "body ", 5) != 0) {
			err_set(e, ERR_INVALID, "proof: expected seq, size and body lines");
			goto out;
		}
		body = malloc(strlen(rd->line));
		if (body == NULL ||
		    sodium_base642bin(body, strlen(rd->line), rd->line + 5, strlen(rd->line + 5), NULL, &blen,
				      NULL, sodium_base64_VARIANT_ORIGINAL) != 0) {
			err_set(e, ERR_INVALID, "proof: body is not base64");
			goto out;
		}
	} else if (audit_rd_int(rd, "old", &old) != 0 || audit_rd_int(rd, "size", &size) != 0 ||
		   !audit_rd_line(rd) || strncmp(rd->line, "oldroot ", 8) != 0 ||
		   audit_b64_hash(rd->line + 8, oldroot) != 0) {
		err_set(e, ERR_INVALID, "proof: expected old, size and oldroot lines");
		goto out;
	}
	/* path lines until the checkpoint(s) */
	for (;;) {
		const char *save = rd->p;

		if (!audit_rd_line(rd)) {
			err_set(e, ERR_INVALID, "proof: ends before its checkpoint");
			goto out;
		}
		if (strncmp(rd->line, "path ", 5) != 0) {
			rd->p = save;
			break;
		}
		if (plen == MERKLE_MAX_PATH || audit_b64_hash(rd->line + 5, path[plen]) != 0) {
			err_set(e, ERR_INVALID, "proof: bad path hash %zu", plen + 1);
			goto out;
		}
		plen++;
	}
	if (!incl && strncmp(rd->p, "old-checkpoint ", 15) == 0) {
		oldnote = audit_rd_note(rd, "old-checkpoint");
		if (oldnote == NULL) {
			err_set(e, ERR_INVALID, "proof: bad old-checkpoint block");
			goto out;
		}
	}
	note = audit_rd_note(rd, "checkpoint");
	if (note == NULL || rd->p != rd->end) {
		err_set(e, ERR_INVALID, "proof: bad checkpoint block (or text after it)");
		goto out;
	}
	if (audit_note_root(note, log_name, pk, &cpsize, root, e) != 0)
		goto out;
	if (cpsize != size) {
		err_set(e, ERR_INVALID, "proof says size %" PRId64 " but its checkpoint signed %" PRId64, size, cpsize);
		goto out;
	}
	if (incl) {
		json_t *j = json_loadb((const char *)body, blen, 0, NULL);
		json_int_t jseq = -1;
		const char *action = "?", *actor = "?";

		if (seq < 1 || seq > size) {
			json_decref(j);
			err_set(e, ERR_INVALID, "proof: seq %" PRId64 " is outside the tree of %" PRId64, seq, size);
			goto out;
		}
		merkle_leaf(body, blen, leaf);
		if (!merkle_inclusion_verify((uint64_t)(seq - 1), (uint64_t)size, leaf,
					     (const merkle_hash *)path, plen, root)) {
			json_decref(j);
			err_set(e, ERR_DENIED, "inclusion proof does not verify: entry %" PRId64 " is not in the signed tree",
				seq);
			goto out;
		}
		if (j == NULL || json_unpack(j, "{s:I, s?s, s?s}", "seq", &jseq, "action", &action, "actor",
					     &actor) != 0 ||
		    jseq != seq) {
			json_decref(j);
			err_set(e, ERR_DENIED, "the proved body does not say it is entry %" PRId64, seq);
			goto out;
		}
		snprintf(summary, n, "entry %" PRId64 " (%s by %s) is in %s's tree of %" PRId64 " entries", seq,
			 action, actor, log_name, size);
		json_decref(j);
	} else {
		if (old < 1 || old > size) {
			err_set(e, ERR_INVALID, "proof: old size %" PRId64 " is outside 1..%" PRId64, old, size);
			goto out;
		}
		if (oldnote != NULL) {
			merkle_hash oroot;
			int64_t osz;

			if (audit_note_root(oldnote, log_name, pk, &osz, oroot, e) != 0) {
				err_prefix(e, "old");
				goto out;
			}
			if (osz != old || memcmp(oroot, oldroot, MERKLE_HASH) != 0) {
				err_set(e, ERR_DENIED, "the old checkpoint does not sign the old root of size %" PRId64, old);
				goto out;
			}
		}
		if (!merkle_consistency_verify((uint64_t)old, (uint64_t)size, oldroot, root,
					       (const merkle_hash *)path, plen)) {
			err_set(e, ERR_DENIED, "consistency proof does not verify: the tree of %" PRId64
				" entries is not a prefix of the signed tree of %" PRId64, old, size);
			goto out;
		}
		snprintf(summary, n, "%s's tree of %" PRId64 " entries%s is a prefix of its signed tree of %" PRId64,
			 log_name, old, oldnote != NULL ? " (signed checkpoint)" : "", size);
	}
	r = 0;
out:
	free(rd);
	free(body);
	free(note);
	free(oldnote);
	return r;
}
