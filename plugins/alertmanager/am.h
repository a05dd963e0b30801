/* am.h: what the Alertmanager plugin's parts share (not an ABI): the instance, its one-at-a-time HTTP exchanges, and RFC 3339 times. */
#ifndef STEWARD_AM_H
#define STEWARD_AM_H

#include <stddef.h>
#include <stdint.h>

#include <curl/curl.h>
#include <jansson.h>

#include "plugins/steward-plugin.h"

#define AM_MAX_BODY (32u << 20) /* one reply: tens of thousands of alerts */
#define AM_MAX_FILTERS 16       /* matchers in the filter key */
#define AM_POLL_MS 100          /* how long a sync waits before looking at cancelled() again */
#define AM_LABEL_MAX 128        /* a label name in the configuration */

/* Only steward_plugin_entry leaves the shared object. */
#pragma GCC visibility push(hidden)

struct am {
	char url[1024];
	char token[2048];
	char user[256], pass[256];
	long connect_timeout, timeout;
	char model_label[AM_LABEL_MAX], version_label[AM_LABEL_MAX], severity_label[AM_LABEL_MAX];
	/* The filter key's matchers, each already URL-escaped as "&filter=..." */
	char *filter_query;
	CURLM *multi;
	CURL *easy;                      /* kept between exchanges: one reused connection */
	const struct steward_sink *sink; /* during a sync: whose cancelled() stops a stalled exchange */
};

/* One exchange's outcome: the HTTP status and the body as received. */
struct am_reply {
	long code;
	char *body;
	size_t len;
};

/* http.c */
int am_err(char *err, size_t n, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
/* Runs one request (body NULL: none) to the server's url + path. -1 with
 * err naming method and URL on a transport failure, a timeout, an
 * oversized reply or cancellation; any HTTP status is a reply. */
int am_exchange(struct am *m, const char *method, const char *path, const char *body, struct am_reply *r, char *err,
		size_t errn);
void am_reply_free(struct am_reply *r);
/* The JSON of a 2xx reply whose top level has the given type
 * (JSON_OBJECT, JSON_ARRAY), or NULL with err naming the URL and saying
 * what came instead: Alertmanager's own error text for a 4xx/5xx. */
json_t *am_call(struct am *m, const char *method, const char *path, const char *body, json_type want, char *err,
		size_t errn);
/* 0 when the server answered 2xx to a request whose reply says nothing
 * more (a DELETE, /-/ready); -1 with err as for am_call. */
int am_check(struct am *m, const char *method, const char *path, char *err, size_t errn);
/* The server's address followed by path, for messages. */
const char *am_where(const struct am *m, const char *path, char *buf, size_t n);
/* s with control and non-ASCII bytes as \xNN and cut to n: text from the
 * server on its way into a message. */
const char *am_clean(const char *s, size_t len, char *buf, size_t n);

/* time.c */
/* RFC 3339 ("2026-01-01T00:00:00Z", "...T01:00:00.123456+01:00") to
 * seconds since the epoch, fractions dropped; -1 when it is not one. */
int am_time_parse(const char *s, int64_t *out);
/* Seconds since the epoch as RFC 3339 UTC ("2026-01-01T00:00:00Z"). */
int am_time_format(int64_t t, char *buf, size_t n);

/* sync.c */
int am_sync_all(struct am *m, const struct steward_sink *sink, char *err, size_t errn);

#pragma GCC visibility pop

#endif
