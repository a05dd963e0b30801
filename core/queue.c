/* queue: what waits for a principal's decision among the open requests, for the console's :approvals and its header, evaluated once between them. */
#include "queue.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "db.h"

/* Keeps in out only the requests that wait for who. */
static void queue_keep(struct approval_requests *out, const struct principal *who)
{
	size_t i, k = 0;

	for (i = 0; i < out->n; i++) {
		if (!approval_waits_for(&out->v[i], who)) {
			approval_request_clear(&out->v[i]);
			continue;
		}
		out->v[k++] = out->v[i];
	}
	out->n = k;
}

int queue_open(struct store *st, const struct principal *who, struct approval_requests *out,
	       size_t *open, struct err *e)
{
	if (approval_request_list(st, 1, out, e) != 0)
		return -1;
	*open = out->n;
	if (who != NULL)
		queue_keep(out, who);
	return 0;
}

/* The first moment after now at which time alone changes how the open
 * requests evaluate: a decision counts from APPROVAL_SKEW before it was
 * issued until it expires (approval_check), and nothing else an open
 * request's evaluation reads depends on the clock. INT64_MAX when no such
 * moment is coming. Every decision is looked at, counted or not: an
 * earlier moment only costs an evaluation, a later one a wrong answer. */
static int64_t queue_until(const struct approval_requests *rs, int64_t now)
{
	int64_t until = INT64_MAX;
	size_t i, j;

	for (i = 0; i < rs->n; i++)
		for (j = 0; j < rs->v[i].n; j++) {
			const struct approval_eval *a = &rs->v[i].v[j];

			if (a->issued - APPROVAL_SKEW > now && a->issued - APPROVAL_SKEW < until)
				until = a->issued - APPROVAL_SKEW;
			if (a->expires > now && a->expires < until)
				until = a->expires;
		}
	return until;
}

/* The ledger's head: every act that could change what waits for whom
 * (a request, a decision, a keyring change, evidence) appends an entry,
 * and the chain hash names the whole ledger up to it. Unlike the data
 * version it means the same on every connection, so the console's and
 * its workers' searches can share an answer. */
struct queue_head {
	int64_t seq;
	uint8_t chain[32];
};

static int queue_head(struct store *st, struct queue_head *h, struct err *e)
{
	struct db_stmt *s;
	int rc;

	memset(h, 0, sizeof *h);
	/* ledger.c's own text: the store's cached statement is shared. */
	if (store_stmt(st, &s, "SELECT seq, chain FROM ledger ORDER BY seq DESC LIMIT 1", e) != 0)
		return -1;
	rc = db_step(s);
	if (rc == DB_ROW) {
		h->seq = db_column_int64(s, 0);
		if (db_column_bytes(s, 1) == 32)
			memcpy(h->chain, db_column_blob(s, 1), 32);
	}
	store_stmt_done(st, s);
	if (rc != DB_ROW && rc != DB_DONE)
		return store_fail(st, e, "reading the ledger's head");
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
	struct queue_head head;
	int64_t now, until;
	int64_t *ids;
	size_t n, open;
	int valid;
} queue_last;

/* The kept answer holds until the ledger moves or the clock reaches the
 * next moment a decision starts or stops counting (or goes back before
 * the answer was found). */
static int queue_fresh(struct store *st, const struct principal *who, const struct queue_head *h, int64_t now)
{
	return queue_last.valid && strcmp(queue_last.store, store_path(st)) == 0 &&
	       strcmp(queue_last.who, who->name) == 0 && queue_last.roles == who->roles &&
	       queue_last.head.seq == h->seq && memcmp(queue_last.head.chain, h->chain, sizeof h->chain) == 0 &&
	       now >= queue_last.now && now < queue_last.until;
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
	struct queue_head h;
	int rc = 0;

	*ids = NULL;
	*n = *open = 0;
	if (queue_head(st, &h, e) != 0)
		return -1;
	/* Held while another thread evaluates: its answer is not in yet. */
	if (pthread_mutex_trylock(&queue_mu) != 0)
		return 0;
	if (queue_fresh(st, who, &h, store_now()))
		rc = queue_copy(ids, n, open, e) != 0 ? -1 : 1;
	pthread_mutex_unlock(&queue_mu);
	return rc;
}

int queue_waiting(struct store *st, const struct principal *who, int64_t **ids, size_t *n, size_t *open,
		  struct err *e)
{
	struct approval_requests rs = {0};
	struct queue_head h;
	int64_t now = store_now(), until = 0;
	size_t i;
	int rc;

	*ids = NULL;
	*n = *open = 0;
	if (queue_head(st, &h, e) != 0)
		return -1;
	pthread_mutex_lock(&queue_mu);
	if (queue_fresh(st, who, &h, now)) {
		rc = queue_copy(ids, n, open, e);
		pthread_mutex_unlock(&queue_mu);
		return rc;
	}
	rc = approval_request_list(st, 1, &rs, e);
	if (rc == 0) {
		*open = rs.n;
		until = queue_until(&rs, now);
		queue_keep(&rs, who);
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
		queue_last.head = h;
		queue_last.now = now;
		queue_last.until = until;
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
