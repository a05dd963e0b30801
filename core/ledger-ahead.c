/* ledger-ahead: the verifying thread reads entries into chunks while the workers parse the chunk it replays next. */
#include "ledger-ahead.h"

#include <stdlib.h>
#include <string.h>

#include "verifyq.h"

/* Entries per chunk: two chunks are in flight, one parsed by the workers
 * while the calling thread replays the other and reads the next. */
#define LEDGER_AHEAD 512

struct ledger_ahead_entry {
	int64_t seq;
	size_t off, len, sigoff;
	size_t coloff[3]; /* actor, action, subject */
	int64_t time;
	int has_leaf, has_chain, has_cols;
	uint8_t leaf[32], chain[32];
	/* Parsed by a worker; NULL when it did not parse (checked again in
	 * order). The chunk keeps a reference past the caller's, and the
	 * worker that parses the slot's next entry drops it: the tree is
	 * freed on the thread that allocated it, not on the verifying one. */
	json_t *j;
};

struct ledger_chunk {
	struct ledger_ahead_entry e[LEDGER_AHEAD];
	size_t n, pos;
	char *bytes; /* the bodies and signatures, each NUL-terminated */
	size_t used, cap;
	int end; /* what the source said after the last entry: 1 more, 0 the end, -1 an error */
	int parsing; /* handed to the workers, not yet waited for */
	struct verifyq_split w;
};

static void ledger_ahead_parse(void *arg, size_t i)
{
	struct ledger_chunk *c = arg;
	struct ledger_ahead_entry *x = &c->e[i];

	json_decref(x->j);
	x->j = json_loadb(c->bytes + x->off, x->len, JSON_REJECT_DUPLICATES, NULL);
}

static int ledger_chunk_copy(struct ledger_chunk *c, const void *p, size_t len, size_t *off)
{
	if (c->cap - c->used < len + 1) {
		size_t cap = c->cap ? c->cap : 1 << 18;
		char *nb;

		while (cap - c->used < len + 1)
			cap *= 2;
		nb = realloc(c->bytes, cap);
		if (nb == NULL)
			return -1;
		c->bytes = nb;
		c->cap = cap;
	}
	*off = c->used;
	if (len > 0)
		memcpy(c->bytes + c->used, p, len);
	c->bytes[c->used + len] = '\0';
	c->used += len + 1;
	return 0;
}

/* Reads the next entries into c and hands their parsing to the workers. */
static void ledger_chunk_fill(struct ledger_ahead *a, struct ledger_chunk *c)
{
	const struct ledger_source *src = a->src;

	c->n = c->pos = c->used = 0;
	c->end = 1;
	while (c->n < LEDGER_AHEAD) {
		struct ledger_ahead_entry *x = &c->e[c->n];
		const uint8_t *leaf, *chain;
		const char *body, *sig;
		size_t len;
		int rc = src->next(src->arg, &x->seq, &body, &len, &leaf, &chain, &sig);

		if (rc != 1) {
			c->end = rc;
			break;
		}
		if (ledger_chunk_copy(c, body, len, &x->off) != 0 || ledger_chunk_copy(c, sig, strlen(sig), &x->sigoff) != 0) {
			c->end = -1;
			break;
		}
		x->has_cols = 0;
		if (src->cols != NULL) {
			struct ledger_cols k;

			if (src->cols(src->arg, &k) != 0 ||
			    ledger_chunk_copy(c, k.actor, strlen(k.actor), &x->coloff[0]) != 0 ||
			    ledger_chunk_copy(c, k.action, strlen(k.action), &x->coloff[1]) != 0 ||
			    ledger_chunk_copy(c, k.subject, strlen(k.subject), &x->coloff[2]) != 0) {
				c->end = -1;
				break;
			}
			x->time = k.time;
			x->has_cols = 1;
		}
		x->len = len;
		x->has_leaf = leaf != NULL;
		x->has_chain = chain != NULL;
		if (leaf != NULL)
			memcpy(x->leaf, leaf, 32);
		if (chain != NULL)
			memcpy(x->chain, chain, 32);
		c->n++;
	}
	c->w.fn = ledger_ahead_parse;
	c->w.arg = c;
	c->w.n = c->n;
	verifyq_split_start(src->q, &c->w);
	c->parsing = 1;
}

static void ledger_chunk_wait(struct ledger_ahead *a, struct ledger_chunk *c)
{
	if (c->parsing)
		verifyq_split_wait(a->src->q, &c->w);
	c->parsing = 0;
}

int ledger_ahead_next(struct ledger_ahead *a, int64_t *seq, const char **body, size_t *len,
			     const uint8_t **leaf, const uint8_t **chain, const char **sig, json_t **pre,
			     struct ledger_cols *cols, int *has_cols)
{
	struct ledger_chunk *c;
	struct ledger_ahead_entry *x;

	*pre = NULL;
	*has_cols = 0;
	if (a->src->q == NULL) {
		int rc = a->src->next(a->src->arg, seq, body, len, leaf, chain, sig);

		if (rc == 1 && a->src->cols != NULL) {
			if (a->src->cols(a->src->arg, cols) != 0)
				return -1;
			*has_cols = 1;
		}
		return rc;
	}
	if (!a->started) {
		a->c[0] = calloc(1, sizeof *a->c[0]);
		a->c[1] = calloc(1, sizeof *a->c[1]);
		if (a->c[0] == NULL || a->c[1] == NULL)
			return -1;
		a->started = 1;
		ledger_chunk_fill(a, a->c[0]);
		if (a->c[0]->end == 1)
			ledger_chunk_fill(a, a->c[1]);
		ledger_chunk_wait(a, a->c[0]);
	}
	c = a->c[a->cur];
	if (c->pos == c->n) {
		struct ledger_chunk *next = a->c[1 - a->cur];

		if (c->end != 1)
			return c->end;
		/* The other chunk is being parsed: read the one after it meanwhile. */
		if (next->end == 1)
			ledger_chunk_fill(a, c);
		else
			c->n = c->pos = 0;
		ledger_chunk_wait(a, next);
		a->cur = 1 - a->cur;
		c = next;
		if (c->pos == c->n)
			return c->end;
	}
	x = &c->e[c->pos++];
	*seq = x->seq;
	*body = c->bytes + x->off;
	*len = x->len;
	*leaf = x->has_leaf ? x->leaf : NULL;
	*chain = x->has_chain ? x->chain : NULL;
	*sig = c->bytes + x->sigoff;
	*pre = x->j != NULL ? json_incref(x->j) : NULL;
	if (x->has_cols) {
		cols->time = x->time;
		cols->actor = c->bytes + x->coloff[0];
		cols->action = c->bytes + x->coloff[1];
		cols->subject = c->bytes + x->coloff[2];
		*has_cols = 1;
	}
	return 1;
}

void ledger_ahead_free(struct ledger_ahead *a)
{
	int i;

	for (i = 0; i < 2; i++) {
		struct ledger_chunk *c = a->c[i];
		size_t k;

		if (c == NULL)
			continue;
		ledger_chunk_wait(a, c);
		for (k = 0; k < LEDGER_AHEAD; k++)
			json_decref(c->e[k].j);
		free(c->bytes);
		free(c);
	}
	memset(a, 0, sizeof *a);
}
