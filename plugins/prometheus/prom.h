/* prom.h: what the Prometheus plugin's parts share (not an ABI): the instance, its transfers over one curl multi handle, and PromQL templates. */
#ifndef STEWARD_PROM_H
#define STEWARD_PROM_H

#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <curl/curl.h>
#include <jansson.h>

#include "plugins/steward-plugin.h"

#define PROM_MAX_BODY (32u << 20)  /* one API response */
#define PROM_MAX_PARALLEL 64
#define PROM_MAX_SIGNALS 24        /* the four known ones and the configured others */
#define PROM_MAX_POINTS 11000      /* Prometheus' own limit of points per series of a query_range */
#define PROM_POLL_MS 100           /* how long a sync waits before looking at cancelled() again */
#define PROM_HEALTH_TIMEOUT 5      /* seconds, at most, for health() */
#define PROM_REFERENCE (7 * 86400) /* the drift reference: the first 7 days */
#define PROM_FIRST_LOOKBACK (90 * 86400) /* how far back the first score sample is looked for */

/* Only steward_plugin_entry leaves the shared object. */
#pragma GCC visibility push(hidden)

struct prom_xfer;

struct prom_signal {
	char name[65];
	char *tmpl; /* PromQL with {model}, {version}, {alias} */
};

struct prom {
	char url[1024];
	char token[2048];
	char user[256], pass[256];
	long connect_timeout, timeout, parallel;
	int64_t step, window; /* seconds; 0: what the host's window() says */
	struct prom_signal sig[PROM_MAX_SIGNALS];
	size_t nsig;
	char *score;          /* the score histogram's metric name (without _bucket); NULL: no drift */
	char *selector;       /* the label matchers every default template and the drift query use */
	char feature[65];
	CURLM *multi; /* one connection cache for every request of the instance */
	CURL *idle[PROM_MAX_PARALLEL];
	size_t nidle;
	struct prom_xfer *queue, *queue_tail;
	struct prom_xfer *active[PROM_MAX_PARALLEL];
	size_t running;
	int stop;                        /* a done() found a fault: drop the rest */
	const struct steward_sink *sink; /* during a sync: whose cancelled() stops the transfers */
};

struct prom_buf {
	char *s;
	size_t len, cap;
	int too_big;
};

typedef void (*prom_done_fn)(struct prom *p, struct prom_xfer *x);

struct prom_xfer {
	struct prom_xfer *next;
	CURL *easy;
	struct curl_slist *hdr;
	char *path;     /* below the server's url, query string included */
	char what[300]; /* what messages name: "query_range latency_p99 of fraud v3" */
	struct prom_buf b;
	long timeout;   /* seconds; 0: the instance's */
	CURLcode rc;
	long code;
	size_t slot;
	prom_done_fn done; /* called on the calling thread when it ends */
	void *owner;
	size_t index;   /* the owner's: which target */
	int kind;       /* the owner's: which query of it */
};

/* http.c */
int prom_err(char *err, size_t n, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
struct prom_xfer *prom_xfer_new(const char *path, const char *what, prom_done_fn done, void *owner, size_t index,
				int kind);
void prom_xfer_free(struct prom_xfer *x);
void prom_submit(struct prom *p, struct prom_xfer *x);
int prom_drive(struct prom *p, char *err, size_t errn);
void prom_abort(struct prom *p);
json_t *prom_answer(const struct prom *p, const struct prom_xfer *x, char *err, size_t errn);
json_t *prom_call(struct prom *p, const char *path, const char *what, long timeout, char *err, size_t errn);
char *prom_query_path(const char *api, const char *query, const char *params);

/* query.c */
int64_t prom_duration(const char *s);
char *prom_expand(const char *tmpl, const char *model, int64_t version, const char *alias);
int prom_tmpl_check(const char *tmpl, char *err, size_t errn);
char *prom_default_query(const char *signal, const char *selector);
char *prom_drift_query(const char *metric, const char *selector, int64_t range);
char *prom_first_query(const char *metric, const char *selector);
int prom_value(json_t *v, double *out);
int prom_time(json_t *v, int64_t *out);
int prom_matrix(json_t *data, int64_t **t, double **v, size_t *n, char *err, size_t errn);
int prom_buckets(json_t *data, double **le, double **count, size_t *n, char *err, size_t errn);
int prom_scalar(json_t *data, double *out, char *err, size_t errn);

/* sync.c */
int prom_sync_run(struct prom *p, const struct steward_sink *sink, char *err, size_t errn);

#pragma GCC visibility pop

#endif
