/* ledger-ahead: the verifying thread reads entries into chunks while the workers parse the chunk it replays next. */
#include "ledger-ahead.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#include "verifyq.h"

/* Entries per chunk: two chunks are in flight, one parsed by the workers
 * while the calling thread replays the other and reads the next. */
#define LEDGER_AHEAD 512

/* A chunk's parsed trees live in a region of their own: while a worker
 * parses, jansson's allocations are carved from the region and its frees
 * of them do nothing, and the whole region is emptied when the chunk is
 * read again. A malloc and a free per JSON node cost about as much as the
 * parse itself. A tree that did not fit is freed node by node. */
#define LEDGER_REGION ((size_t)64 << 20)
#define LEDGER_SLAB ((size_t)64 << 10)
#define LEDGER_REGIONS 8

struct ledger_region {
	char *base; /* NULL when none could be had: the chunk's trees are malloc'd */
	atomic_size_t used;
	unsigned long gen; /* new each time the region is emptied, never reused */
};

static _Atomic(char *) ledger_regions[LEDGER_REGIONS];
static atomic_ulong ledger_gens = 1;
static pthread_once_t ledger_alloc_once = PTHREAD_ONCE_INIT;

/* This thread's slab of a region, and the region it parses into (NULL
 * outside a worker's parse: then jansson gets plain malloc). */
static _Thread_local struct {
	struct ledger_region *r;
	unsigned long gen;
	char *cur, *end;
	int spilled;
} ledger_tl;

static void *ledger_json_malloc(size_t size)
{
	struct ledger_region *r = ledger_tl.r;
	size_t need = (size + 15) & ~(size_t)15;
	void *p;

	if (r == NULL || need < size)
		return malloc(size);
	if ((size_t)(ledger_tl.end - ledger_tl.cur) < need) {
		size_t take = need > LEDGER_SLAB ? need : LEDGER_SLAB,
		       off = atomic_fetch_add_explicit(&r->used, take, memory_order_relaxed);

		if (off > LEDGER_REGION || LEDGER_REGION - off < take) {
			ledger_tl.spilled = 1;
			return malloc(size);
		}
		ledger_tl.cur = r->base + off;
		ledger_tl.end = ledger_tl.cur + take;
	}
	p = ledger_tl.cur;
	ledger_tl.cur += need;
	return p;
}

static void ledger_json_free(void *p)
{
	uintptr_t a = (uintptr_t)p;
	size_t i;

	for (i = 0; i < LEDGER_REGIONS; i++) {
		uintptr_t b = (uintptr_t)atomic_load_explicit(&ledger_regions[i], memory_order_relaxed);

		if (b != 0 && a >= b && a - b < LEDGER_REGION)
			return;
	}
	free(p);
}

/* Outside a parse the hooks are malloc and free themselves, so what was
 * allocated before they were set, and json_dumps' text freed with free,
 * stay right. */
static void ledger_alloc_install(void)
{
	json_set_alloc_funcs(ledger_json_malloc, ledger_json_free);
}

static void ledger_region_open(struct ledger_region *r)
{
	size_t i;

	r->gen = atomic_fetch_add(&ledger_gens, 1);
	r->base = malloc(LEDGER_REGION);
	if (r->base == NULL)
		return;
	for (i = 0; i < LEDGER_REGIONS; i++) {
		char *none = NULL;

		if (atomic_compare_exchange_strong(&ledger_regions[i], &none, r->base))
			return;
	}
	free(r->base);
	r->base = NULL;
}

static void ledger_region_close(struct ledger_region *r)
{
	size_t i;

	if (r->base == NULL)
		return;
	for (i = 0; i < LEDGER_REGIONS; i++) {
		char *mine = r->base;

		if (atomic_compare_exchange_strong(&ledger_regions[i], &mine, NULL))
			break;
	}
	free(r->base);
	r->base = NULL;
}

struct ledger_ahead_entry {
	int64_t seq;
	size_t off, len, sigoff;
	size_t coloff[3]; /* actor, action, subject */
	int64_t time;
	int has_leaf, has_chain, has_cols;
	uint8_t leaf[32], chain[32];
	/* Parsed by a worker; NULL when it did not parse (checked again in
	 * order). The chunk keeps a reference past the caller's, dropped
	 * with the chunk's region when the chunk is read again. */
	json_t *j;
	int spilled; /* some of j is outside the chunk's region */
};

struct ledger_chunk {
	struct ledger_ahead_entry e[LEDGER_AHEAD];
	size_t n, pos;
	char *bytes; /* the bodies and signatures, each NUL-terminated */
	size_t used, cap;
	int end; /* what the source said after the last entry: 1 more, 0 the end, -1 an error */
	int parsing; /* handed to the workers, not yet waited for */
	struct verifyq_split w;
	struct ledger_region region;
};

static void ledger_ahead_parse(void *arg, size_t i)
{
	struct ledger_chunk *c = arg;
	struct ledger_ahead_entry *x = &c->e[i];

	if (c->region.base != NULL) {
		if (ledger_tl.gen != c->region.gen) {
			ledger_tl.gen = c->region.gen;
			ledger_tl.cur = ledger_tl.end = NULL;
		}
		ledger_tl.r = &c->region;
	}
	ledger_tl.spilled = c->region.base == NULL;
	x->j = json_loadb(c->bytes + x->off, x->len, JSON_REJECT_DUPLICATES, NULL);
	x->spilled = ledger_tl.spilled;
	ledger_tl.r = NULL;
}

/* Drops the chunk's trees (the verifying thread is done with them) and
 * empties its region: only a tree that spilled out of it is walked. */
static void ledger_chunk_drop(struct ledger_chunk *c)
{
	size_t k;

	for (k = 0; k < LEDGER_AHEAD; k++) {
		if (c->e[k].j != NULL && c->e[k].spilled)
			json_decref(c->e[k].j);
		c->e[k].j = NULL;
	}
	atomic_store(&c->region.used, 0);
	c->region.gen = atomic_fetch_add(&ledger_gens, 1);
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

	ledger_chunk_drop(c);
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
		if (pthread_once(&ledger_alloc_once, ledger_alloc_install) != 0)
			return -1;
		ledger_region_open(&a->c[0]->region);
		ledger_region_open(&a->c[1]->region);
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

		if (c == NULL)
			continue;
		ledger_chunk_wait(a, c);
		ledger_chunk_drop(c);
		ledger_region_close(&c->region);
		free(c->bytes);
		free(c);
	}
	memset(a, 0, sizeof *a);
}
