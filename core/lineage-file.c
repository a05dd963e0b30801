/* lineage-file: reading OpenLineage events from files, directories and standard input: newline-delimited or one document a file, lines over the limit skipped whole. */
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <jansson.h>

#include "lineage.h"

struct li_reader {
	FILE *f;
	char buf[65536];
	size_t at, len;
	int eof;
};

/* The next line into *line (malloc'd, grown as needed, without the
 * newline), at most max bytes kept: *over gets the full length when the
 * line was longer. 1 a line, 0 end of file, -1 read error. */
static int li_getline(struct li_reader *r, char **line, size_t *cap, size_t *len, size_t max, size_t *over)
{
	size_t total = 0;
	int any = 0;

	*len = 0;
	*over = 0;
	for (;;) {
		char *nl;
		size_t take;

		if (r->at == r->len) {
			if (r->eof)
				return any ? 1 : 0;
			r->len = fread(r->buf, 1, sizeof r->buf, r->f);
			r->at = 0;
			if (r->len == 0) {
				if (ferror(r->f))
					return -1;
				r->eof = 1;
				return any ? 1 : 0;
			}
		}
		any = 1;
		nl = memchr(r->buf + r->at, '\n', r->len - r->at);
		take = nl ? (size_t)(nl - (r->buf + r->at)) : r->len - r->at;
		if (total + take <= max) {
			if (*line == NULL || *len + take + 1 > *cap) {
				size_t c = *cap ? *cap : 4096;
				char *g;

				while (c < *len + take + 1)
					c *= 2;
				g = realloc(*line, c);
				if (g == NULL)
					return -1;
				*line = g;
				*cap = c;
			}
			memcpy(*line + *len, r->buf + r->at, take);
			*len += take;
			(*line)[*len] = '\0';
		}
		total += take;
		r->at += take;
		if (nl != NULL) {
			r->at++;
			if (total > max)
				*over = total;
			return 1;
		}
	}
}

static int li_blank(const char *s, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (!isspace((unsigned char)s[i]))
			return 0;
	return 1;
}

/* What the reader thread hands the writer, in file order. */
enum li_item_kind { LI_EVENT, LI_REJECT, LI_FAILED, LI_END };

struct li_item {
	enum li_item_kind kind;
	long line;
	struct lineage_parsed *parsed; /* LI_EVENT */
	char *why;                     /* LI_REJECT, LI_FAILED */
};

#define LI_QUEUE 2048

struct li_queue {
	pthread_mutex_t mu;
	pthread_cond_t more, room;
	struct li_item item[LI_QUEUE];
	size_t head, n;
	int stop; /* the writer gave up: the reader ends without reading on */
	const char *path;
	FILE *f;
	/* Events the writer is done with, freed by the reader that allocated
	 * them: a tree freed on another thread's malloc arena costs a lock per
	 * node, which took the gain of the second thread away. */
	struct lineage_parsed *trash[2 * LI_QUEUE];
	size_t ntrash;
};

/* 0, or -1 when the writer has stopped (the item is then dropped). */
static int li_push(struct li_queue *q, struct li_item it)
{
	struct lineage_parsed *done[2 * LI_QUEUE];
	size_t ndone, i;
	int r = 0;

	pthread_mutex_lock(&q->mu);
	ndone = q->ntrash;
	memcpy(done, q->trash, ndone * sizeof *done);
	q->ntrash = 0;
	while (q->n == LI_QUEUE && !q->stop)
		pthread_cond_wait(&q->room, &q->mu);
	if (q->stop)
		r = -1;
	else {
		q->item[(q->head + q->n++) % LI_QUEUE] = it;
		pthread_cond_signal(&q->more);
	}
	pthread_mutex_unlock(&q->mu);
	for (i = 0; i < ndone; i++)
		lineage_parsed_free(done[i]);
	if (r != 0) {
		lineage_parsed_free(it.parsed);
		free(it.why);
	}
	return r;
}

/* Hands a processed event back to the reader to free (or frees it when the reader is not keeping up). */
static void li_discard(struct li_queue *q, struct lineage_parsed *p)
{
	int kept = 0;

	if (p == NULL)
		return;
	pthread_mutex_lock(&q->mu);
	if (q->ntrash < 2 * LI_QUEUE) {
		q->trash[q->ntrash++] = p;
		kept = 1;
	}
	pthread_mutex_unlock(&q->mu);
	if (!kept)
		lineage_parsed_free(p);
}

static struct li_item li_pop(struct li_queue *q)
{
	struct li_item it;

	pthread_mutex_lock(&q->mu);
	while (q->n == 0)
		pthread_cond_wait(&q->more, &q->mu);
	it = q->item[q->head];
	q->head = (q->head + 1) % LI_QUEUE;
	q->n--;
	pthread_cond_signal(&q->room);
	pthread_mutex_unlock(&q->mu);
	return it;
}

static int li_emit(struct li_queue *q, long line, const char *json, size_t len)
{
	struct li_item it = { .kind = LI_EVENT, .line = line };

	it.parsed = lineage_event_parse(json, len);
	if (it.parsed == NULL) {
		it.kind = LI_FAILED;
		it.why = strdup("out of memory");
	}
	return li_push(q, it);
}

static int li_emit_why(struct li_queue *q, enum li_item_kind kind, long line, const char *why)
{
	struct li_item it = { .kind = kind, .line = line };

	it.why = strdup(why);
	if (it.why == NULL)
		it.kind = LI_FAILED;
	return li_push(q, it);
}

/* The reader: one whole document when the file is one (pretty-printed)
 * event, else newline-delimited events, each parsed here. */
static void *li_read(void *arg)
{
	struct li_queue *q = arg;
	struct li_reader *r = calloc(1, sizeof *r);
	char *line = NULL, *doc = NULL, why[300];
	size_t cap = 0, len, over, dlen = 0;
	long lineno = 0, first = 0;
	int rc = 0, multi = 0, seen = 0, stopped = 0;

	if (r == NULL) {
		li_emit_why(q, LI_FAILED, 0, "out of memory");
		return NULL;
	}
	r->f = q->f;
	while (!stopped && (rc = li_getline(r, &line, &cap, &len, LINEAGE_EVENT_MAX, &over)) == 1) {
		lineno++;
		if (over == 0 && li_blank(line, len))
			continue;
		/* Only the first line that is not blank decides the format: parsing each line twice halves the rate. */
		if (!seen++ && over == 0 && len > 0 && line[0] == '{') {
			json_t *j = json_loadb(line, len, 0, NULL);

			if (j == NULL) {
				/* Not a whole event on its own: a pretty-printed document spans the file. */
				multi = 1;
				first = lineno;
			}
			json_decref(j);
		}
		if (multi) {
			char *g;

			if (multi == 2)
				continue;
			if (dlen + len + 2 > LINEAGE_EVENT_MAX + 2) {
				snprintf(why, sizeof why, "event is over the %d byte limit", LINEAGE_EVENT_MAX);
				stopped = li_emit_why(q, LI_REJECT, first, why) != 0;
				free(doc);
				doc = NULL;
				dlen = 0;
				multi = 2; /* skip the rest of the file */
				continue;
			}
			g = realloc(doc, dlen + len + 2);
			if (g == NULL) {
				li_emit_why(q, LI_FAILED, lineno, "out of memory");
				stopped = 1;
				break;
			}
			doc = g;
			memcpy(doc + dlen, line, len);
			dlen += len;
			doc[dlen++] = '\n';
			continue;
		}
		if (over != 0) {
			snprintf(why, sizeof why, "event of %zu bytes is over the %d byte limit", over, LINEAGE_EVENT_MAX);
			stopped = li_emit_why(q, LI_REJECT, lineno, why) != 0;
			continue;
		}
		stopped = li_emit(q, lineno, line, len) != 0;
	}
	if (!stopped && rc < 0) {
		snprintf(why, sizeof why, "%s: %s", q->path, errno ? strerror(errno) : "read error");
		stopped = li_emit_why(q, LI_FAILED, lineno, why) != 0;
	}
	if (!stopped && multi == 1 && doc != NULL)
		stopped = li_emit(q, first, doc, dlen) != 0;
	if (!stopped)
		li_push(q, (struct li_item){ .kind = LI_END });
	free(doc);
	free(line);
	free(r);
	return NULL;
}

/* Reads and parses on a thread of its own while this one writes: parsing
 * is about half of an import's time. Items come in file order, so
 * messages name lines in order. */
static int li_file(struct lineage_import *li, const char *path, FILE *f, struct err *e)
{
	struct li_queue *q = calloc(1, sizeof *q);
	pthread_t t;
	int ret = 0;

	if (q == NULL)
		return err_set(e, ERR_IO, "out of memory");
	q->path = path;
	q->f = f;
	if (pthread_mutex_init(&q->mu, NULL) != 0 || pthread_cond_init(&q->more, NULL) != 0 ||
	    pthread_cond_init(&q->room, NULL) != 0 || pthread_create(&t, NULL, li_read, q) != 0) {
		free(q);
		return err_set(e, ERR_IO, "cannot start a reader thread");
	}
	lineage_import_file(li);
	for (;;) {
		struct li_item it = li_pop(q);

		if (it.kind == LI_END)
			break;
		if (ret == 0) {
			if (it.kind == LI_EVENT)
				ret = lineage_import_parsed(li, path, it.line, it.parsed, e);
			else if (it.kind == LI_REJECT)
				lineage_import_reject(li, path, it.line, it.why);
			else
				ret = err_set(e, ERR_IO, "%s", it.why ? it.why : "out of memory");
			if (ret != 0) {
				/* Tell the reader to end, then take what it already queued. */
				pthread_mutex_lock(&q->mu);
				q->stop = 1;
				pthread_cond_broadcast(&q->room);
				pthread_mutex_unlock(&q->mu);
			}
		}
		li_discard(q, it.parsed);
		free(it.why);
		if (ret != 0) {
			pthread_mutex_lock(&q->mu);
			while (q->n > 0) {
				struct li_item x = q->item[q->head];

				q->head = (q->head + 1) % LI_QUEUE;
				q->n--;
				lineage_parsed_free(x.parsed);
				free(x.why);
			}
			pthread_mutex_unlock(&q->mu);
			break;
		}
	}
	pthread_join(t, NULL);
	/* Items the reader pushed after the drain, before it saw stop. */
	while (q->n > 0) {
		struct li_item x = q->item[q->head];

		q->head = (q->head + 1) % LI_QUEUE;
		q->n--;
		lineage_parsed_free(x.parsed);
		free(x.why);
	}
	while (q->ntrash > 0)
		lineage_parsed_free(q->trash[--q->ntrash]);
	pthread_cond_destroy(&q->more);
	pthread_cond_destroy(&q->room);
	pthread_mutex_destroy(&q->mu);
	free(q);
	return ret;
}

static int li_dir_filter(const struct dirent *d)
{
	return d->d_name[0] != '.';
}

int lineage_import_path(struct lineage_import *li, const char *path, struct err *e)
{
	struct stat sb;
	FILE *f;
	int r;

	if (strcmp(path, "-") == 0)
		return li_file(li, "-", stdin, e);
	if (stat(path, &sb) != 0)
		return err_set(e, ERR_NOTFOUND, "%s: %s", path, strerror(errno));
	if (S_ISDIR(sb.st_mode)) {
		struct dirent **names;
		int n, i;

		n = scandir(path, &names, li_dir_filter, alphasort);
		if (n < 0)
			return err_set(e, ERR_IO, "%s: %s", path, strerror(errno));
		for (i = 0, r = 0; i < n; i++) {
			char sub[4096];

			snprintf(sub, sizeof sub, "%s/%s", path, names[i]->d_name);
			if (r == 0 && stat(sub, &sb) == 0 && S_ISREG(sb.st_mode))
				r = lineage_import_path(li, sub, e);
			free(names[i]);
		}
		free(names);
		return r;
	}
	if (!S_ISREG(sb.st_mode))
		return err_set(e, ERR_INVALID, "%s is not a regular file or a directory", path);
	f = fopen(path, "r");
	if (f == NULL)
		return err_set(e, ERR_IO, "%s: %s", path, strerror(errno));
	r = li_file(li, path, f, e);
	fclose(f);
	return r;
}

