/* verifyq: hands audit verify's stateless checks (leaf hashes, Ed25519) to worker threads in batches and keeps the first entry that failed. */
#include "verifyq.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <sodium.h>

#include "merkle.h"

/* A batch is handed over whole: one lock per thousand checks, not per check. */
#define VQ_JOBS 1024
#define VQ_MAX_WORKERS 256

enum { VQ_LEAF, VQ_SIG };

struct vq_job {
	int64_t seq;
	int kind;
	size_t nsigs;
	uint8_t key[32]; /* the public key, or the leaf the body must hash to */
	size_t off, len; /* the message in the batch's bytes; its signatures follow it */
};

struct vq_batch {
	struct vq_job job[VQ_JOBS];
	size_t n;
	uint8_t *bytes;
	size_t used, cap;
	struct vq_batch *next;
};

struct verifyq {
	pthread_mutex_t mu;
	pthread_cond_t work, room;
	pthread_t th[VQ_MAX_WORKERS];
	int nth;
	struct vq_batch *head, *tail; /* full batches waiting for a worker */
	struct vq_batch *spare;
	int queued, max_queued, stop;
	int64_t bad; /* the first entry that failed, 0 none */
	struct vq_batch *cur;
	int64_t seq;
	struct keys_defer defer;
	struct verifyq_split *splits; /* split work with indices left to claim, oldest first */
	pthread_cond_t split_done;
};

int verifyq_cpus(void)
{
	long n = sysconf(_SC_NPROCESSORS_ONLN);

	return n < 1 ? 1 : n > VQ_MAX_WORKERS ? VQ_MAX_WORKERS : (int)n;
}

static int vq_job_ok(const struct vq_batch *b, const struct vq_job *j)
{
	const uint8_t *msg = b->bytes + j->off;
	merkle_hash leaf;
	size_t i;

	if (j->kind == VQ_LEAF) {
		merkle_leaf(msg, j->len, leaf);
		return memcmp(leaf, j->key, 32) == 0;
	}
	for (i = 0; i < j->nsigs; i++)
		if (crypto_sign_verify_detached(msg + j->len + i * KEYS_SIG_BYTES, msg, j->len, j->key) == 0)
			return 1;
	return 0;
}

/* How many indices one claim takes: a lock per few entries, not per entry. */
#define VQ_SPLIT_CLAIM 8

/* Claims and runs one share of w (called and returning with q->mu held). */
static void vq_split_run(struct verifyq *q, struct verifyq_split *w)
{
	size_t from = w->next, to = from + VQ_SPLIT_CLAIM < w->n ? from + VQ_SPLIT_CLAIM : w->n, i;

	w->next = to;
	if (to == w->n) {
		struct verifyq_split **p = &q->splits;

		while (*p != NULL && *p != w)
			p = &(*p)->link;
		if (*p == w)
			*p = w->link;
	}
	pthread_mutex_unlock(&q->mu);
	for (i = from; i < to; i++)
		w->fn(w->arg, i);
	pthread_mutex_lock(&q->mu);
	w->done += to - from;
	if (w->done == w->n)
		pthread_cond_broadcast(&q->split_done);
}

void verifyq_split_start(struct verifyq *q, struct verifyq_split *w)
{
	struct verifyq_split **p = &q->splits;

	w->next = w->done = 0;
	w->link = NULL;
	if (w->n == 0)
		return;
	pthread_mutex_lock(&q->mu);
	while (*p != NULL)
		p = &(*p)->link;
	*p = w;
	pthread_cond_broadcast(&q->work);
	pthread_mutex_unlock(&q->mu);
}

void verifyq_split_wait(struct verifyq *q, struct verifyq_split *w)
{
	pthread_mutex_lock(&q->mu);
	while (w->next < w->n)
		vq_split_run(q, w);
	while (w->done < w->n)
		pthread_cond_wait(&q->split_done, &q->mu);
	pthread_mutex_unlock(&q->mu);
}

static void *vq_worker(void *arg)
{
	struct verifyq *q = arg;

	for (;;) {
		struct vq_batch *b;
		int64_t bad = 0;
		size_t i;

		pthread_mutex_lock(&q->mu);
		while (q->head == NULL && q->splits == NULL && !q->stop)
			pthread_cond_wait(&q->work, &q->mu);
		/* Split work first: the calling thread waits on it, while batches only fill memory. */
		if (q->splits != NULL) {
			vq_split_run(q, q->splits);
			pthread_mutex_unlock(&q->mu);
			continue;
		}
		b = q->head;
		if (b == NULL) {
			pthread_mutex_unlock(&q->mu);
			return NULL;
		}
		q->head = b->next;
		if (q->head == NULL)
			q->tail = NULL;
		q->queued--;
		pthread_cond_signal(&q->room);
		pthread_mutex_unlock(&q->mu);
		/* Jobs are in entry order: the first failure in a batch is its earliest. */
		for (i = 0; i < b->n && bad == 0; i++)
			if (!vq_job_ok(b, &b->job[i]))
				bad = b->job[i].seq > 0 ? b->job[i].seq : 1; /* a check nobody placed still fails */
		pthread_mutex_lock(&q->mu);
		if (bad != 0 && (q->bad == 0 || bad < q->bad))
			q->bad = bad;
		b->n = 0;
		b->used = 0;
		b->next = q->spare;
		q->spare = b;
		pthread_mutex_unlock(&q->mu);
	}
}

void verifyq_backlog(struct verifyq *q, int batches)
{
	if (q == NULL)
		return;
	pthread_mutex_lock(&q->mu);
	if (batches > q->max_queued)
		q->max_queued = batches;
	pthread_mutex_unlock(&q->mu);
}

/* Hands the current batch to the workers, waiting while enough are queued
 * that memory stays bounded. */
static void vq_submit(struct verifyq *q)
{
	struct vq_batch *b = q->cur;

	q->cur = NULL;
	if (b == NULL || b->n == 0) {
		q->cur = b;
		return;
	}
	pthread_mutex_lock(&q->mu);
	while (q->queued >= q->max_queued)
		pthread_cond_wait(&q->room, &q->mu);
	b->next = NULL;
	if (q->tail != NULL)
		q->tail->next = b;
	else
		q->head = b;
	q->tail = b;
	q->queued++;
	pthread_cond_signal(&q->work);
	pthread_mutex_unlock(&q->mu);
}

/* Room for one job of len bytes in the current batch: its job, or NULL when out of memory. */
static struct vq_job *vq_reserve(struct verifyq *q, size_t len)
{
	struct vq_batch *b;

	if (q->cur != NULL && q->cur->n == VQ_JOBS)
		vq_submit(q);
	if (q->cur == NULL) {
		pthread_mutex_lock(&q->mu);
		b = q->spare;
		if (b != NULL) {
			q->spare = b->next;
			b->next = NULL;
		}
		pthread_mutex_unlock(&q->mu);
		if (b == NULL) {
			b = calloc(1, sizeof *b);
			if (b == NULL)
				return NULL;
		}
		q->cur = b;
	}
	b = q->cur;
	if (b->bytes == NULL || b->cap - b->used < len) {
		size_t cap = b->cap ? b->cap : 1 << 16;
		uint8_t *nb;

		while (cap - b->used < len)
			cap *= 2;
		nb = realloc(b->bytes, cap);
		if (nb == NULL)
			return NULL;
		b->bytes = nb;
		b->cap = cap;
	}
	return &b->job[b->n];
}

int verifyq_leaf(struct verifyq *q, const void *body, size_t len, const uint8_t want[32])
{
	struct vq_job *j = vq_reserve(q, len);

	if (j == NULL)
		return -1;
	j->seq = q->seq;
	j->kind = VQ_LEAF;
	j->nsigs = 0;
	memcpy(j->key, want, 32);
	j->off = q->cur->used;
	j->len = len;
	if (len > 0)
		memcpy(q->cur->bytes + j->off, body, len);
	q->cur->used += len;
	q->cur->n++;
	return 0;
}

static int vq_sig(void *arg, const uint8_t pk[KEYS_PK_BYTES], const void *msg, size_t len,
		  const uint8_t (*sigs)[KEYS_SIG_BYTES], size_t n)
{
	struct verifyq *q = arg;
	struct vq_job *j = vq_reserve(q, len + n * KEYS_SIG_BYTES);

	if (j == NULL)
		return 0; /* checked at once instead */
	j->seq = q->seq;
	j->kind = VQ_SIG;
	j->nsigs = n;
	memcpy(j->key, pk, KEYS_PK_BYTES);
	j->off = q->cur->used;
	j->len = len;
	if (len > 0)
		memcpy(q->cur->bytes + j->off, msg, len);
	memcpy(q->cur->bytes + j->off + len, sigs, n * KEYS_SIG_BYTES);
	q->cur->used += len + n * KEYS_SIG_BYTES;
	q->cur->n++;
	return 1;
}

int verifyq_new(int jobs, struct verifyq **out, struct err *e)
{
	struct verifyq *q;
	int i;

	*out = NULL;
	if (jobs <= 1)
		return 0;
	if (jobs > VQ_MAX_WORKERS)
		jobs = VQ_MAX_WORKERS;
	/* libsodium picks its implementations once, before any worker uses them. */
	if (sodium_init() < 0)
		return err_set(e, ERR_IO, "cannot initialise libsodium");
	q = calloc(1, sizeof *q);
	if (q == NULL)
		return err_set(e, ERR_IO, "out of memory");
	if (pthread_mutex_init(&q->mu, NULL) != 0) {
		free(q);
		return err_set(e, ERR_IO, "cannot start the verifying threads");
	}
	if (pthread_cond_init(&q->work, NULL) != 0 || pthread_cond_init(&q->room, NULL) != 0 ||
	    pthread_cond_init(&q->split_done, NULL) != 0) {
		pthread_mutex_destroy(&q->mu);
		free(q);
		return err_set(e, ERR_IO, "cannot start the verifying threads");
	}
	q->max_queued = 2 * jobs + 2;
	q->defer.fn = vq_sig;
	q->defer.arg = q;
	for (i = 0; i < jobs; i++) {
		if (pthread_create(&q->th[i], NULL, vq_worker, q) != 0)
			break;
		q->nth++;
	}
	if (q->nth == 0) {
		verifyq_finish(q);
		return err_set(e, ERR_IO, "cannot start the verifying threads");
	}
	*out = q;
	return 0;
}

void verifyq_at(struct verifyq *q, int64_t seq)
{
	q->seq = seq;
}

const struct keys_defer *verifyq_defer(struct verifyq *q)
{
	return &q->defer;
}

int64_t verifyq_bad(struct verifyq *q)
{
	int64_t bad;

	pthread_mutex_lock(&q->mu);
	bad = q->bad;
	pthread_mutex_unlock(&q->mu);
	return bad;
}

static void vq_free_list(struct vq_batch *b)
{
	while (b != NULL) {
		struct vq_batch *next = b->next;

		free(b->bytes);
		free(b);
		b = next;
	}
}

int64_t verifyq_finish(struct verifyq *q)
{
	int64_t bad;
	int i;

	if (q == NULL)
		return 0;
	if (q->nth > 0)
		vq_submit(q);
	pthread_mutex_lock(&q->mu);
	q->stop = 1;
	pthread_cond_broadcast(&q->work);
	pthread_mutex_unlock(&q->mu);
	for (i = 0; i < q->nth; i++)
		pthread_join(q->th[i], NULL);
	bad = q->bad;
	vq_free_list(q->cur);
	vq_free_list(q->head);
	vq_free_list(q->spare);
	pthread_cond_destroy(&q->work);
	pthread_cond_destroy(&q->room);
	pthread_cond_destroy(&q->split_done);
	pthread_mutex_destroy(&q->mu);
	free(q);
	return bad;
}
