/* queue: what waits for a principal's decision among the open requests, for the console's :approvals and its header, evaluated once between them. */
#include "queue.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ledger.h"

int queue_open(struct store *st, const struct principal *who, struct approval_requests *out,
		   size_t *open, struct err *e)
{
	size_t i, k = 0;

	if (approval_request_list(st, 1, out, e) != 0)
		return -1;
	*open = out->n;
	if (who == NULL)
		return 0;
	for (i = 0; i < out->n; i++) {
		if (!approval_waits_for(&out->v[i], who)) {
			approval_request_clear(&out->v[i]);
			continue;
		}
		out->v[k++] = out->v[i];
	}
	out->n = k;
	return 0;
}

/* The last queue found. Shared by the console's thread and the
 * header's worker, each on a connection of its own: the lock is held
 * while one evaluates, so the other waits for its answer instead of
 * evaluating the same requests again. Lock and unlock of a default mutex
 * fail only when misused, so go unchecked. */
static pthread_mutex_t queue_mu = PTHREAD_MUTEX_INITIALIZER;
static struct {
	char store[512];
	char who[KEYS_NAME_MAX + 1];
	unsigned roles;
	int64_t size, now;
	int64_t *ids;
	size_t n, open;
	int valid;
} queue_last;

/* Decisions lapse with time alone: an answer older than this is found again. */
#define QUEUE_FRESH_SECONDS 60

static int queue_fresh(struct store *st, const struct principal *who, int64_t size, int64_t now)
{
	return queue_last.valid && strcmp(queue_last.store, store_path(st)) == 0 &&
	       strcmp(queue_last.who, who->name) == 0 && queue_last.roles == who->roles && queue_last.size == size &&
	       now >= queue_last.now && now - queue_last.now < QUEUE_FRESH_SECONDS;
}

static int queue_copy(int64_t **ids, size_t *n, size_t *open, struct err *e)
{
	*ids = NULL;
	*n = queue_last.n;
	*open = queue_last.open;
	if (*n == 0)
		return 0;
	*ids = malloc(*n * sizeof **ids);
	if (*ids == NULL)
		return err_set(e, ERR_IO, "out of memory");
	memcpy(*ids, queue_last.ids, *n * sizeof **ids);
	return 0;
}

int queue_waiting_cached(struct store *st, const struct principal *who, int64_t **ids, size_t *n, size_t *open,
			 struct err *e)
{
	int64_t size = ledger_size(st);
	int rc = 0;

	*ids = NULL;
	*n = *open = 0;
	if (size < 0)
		return store_fail(st, e, "counting ledger entries");
	/* Held while another thread evaluates: its answer is not in yet. */
	if (pthread_mutex_trylock(&queue_mu) != 0)
		return 0;
	if (queue_fresh(st, who, size, store_now()))
		rc = queue_copy(ids, n, open, e) != 0 ? -1 : 1;
	pthread_mutex_unlock(&queue_mu);
	return rc;
}

int queue_waiting(struct store *st, const struct principal *who, int64_t **ids, size_t *n, size_t *open,
		  struct err *e)
{
	struct approval_requests rs = {0};
	int64_t size = ledger_size(st), now = store_now();
	size_t i;
	int rc;

	*ids = NULL;
	*n = *open = 0;
	if (size < 0)
		return store_fail(st, e, "counting ledger entries");
	pthread_mutex_lock(&queue_mu);
	if (queue_fresh(st, who, size, now)) {
		rc = queue_copy(ids, n, open, e);
		pthread_mutex_unlock(&queue_mu);
		return rc;
	}
	rc = queue_open(st, who, &rs, open, e);
	if (rc == 0) {
		/* The answer kept is replaced in place: the old one goes first. */
		free(queue_last.ids);
		queue_last.ids = NULL;
		queue_last.valid = 0;
		if (rs.n > 0 && (queue_last.ids = malloc(rs.n * sizeof *queue_last.ids)) == NULL)
			rc = err_set(e, ERR_IO, "out of memory");
	}
	if (rc == 0) {
		for (i = 0; i < rs.n; i++)
			queue_last.ids[i] = rs.v[i].id;
		queue_last.n = rs.n;
		queue_last.open = *open;
		queue_last.size = size;
		queue_last.now = now;
		queue_last.roles = who->roles;
		snprintf(queue_last.store, sizeof queue_last.store, "%s", store_path(st));
		snprintf(queue_last.who, sizeof queue_last.who, "%s", who->name);
		queue_last.valid = 1;
		rc = queue_copy(ids, n, open, e);
	}
	approval_requests_free(&rs);
	pthread_mutex_unlock(&queue_mu);
	return rc;
}

int queue_count(struct store *st, const struct principal *who, size_t *mine, size_t *open,
			 struct err *e)
{
	int64_t *ids;

	if (queue_waiting(st, who, &ids, mine, open, e) != 0)
		return -1;
	free(ids);
	return 0;
}
