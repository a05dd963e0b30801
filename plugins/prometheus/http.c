/* http: the Prometheus plugin's transfers: every request on one curl multi handle, driven on the calling thread, and Prometheus' response envelope turned into data or a message. */
#include "plugins/prometheus/prom.h"

int prom_err(char *err, size_t n, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(err, n, fmt, ap);
	va_end(ap);
	return -1;
}

static size_t prom_write(char *ptr, size_t size, size_t nmemb, void *user)
{
	struct prom_buf *b = user;
	size_t n = size * nmemb;

	if (b->len + n + 1 > PROM_MAX_BODY) {
		b->too_big = 1;
		return 0; /* makes curl fail the transfer */
	}
	if (b->len + n + 1 > b->cap) {
		size_t cap = (b->len + n + 1) * 2;
		char *ns = realloc(b->s, cap);

		if (ns == NULL)
			return 0;
		b->s = ns;
		b->cap = cap;
	}
	memcpy(b->s + b->len, ptr, n);
	b->len += n;
	b->s[b->len] = '\0';
	return n;
}

struct prom_xfer *prom_xfer_new(const char *path, const char *what, prom_done_fn done, void *owner, size_t index,
				int kind)
{
	struct prom_xfer *x = calloc(1, sizeof *x);

	if (x == NULL)
		return NULL;
	x->path = strdup(path);
	if (x->path == NULL) {
		free(x);
		return NULL;
	}
	snprintf(x->what, sizeof x->what, "%s", what);
	x->done = done;
	x->owner = owner;
	x->index = index;
	x->kind = kind;
	return x;
}

void prom_xfer_free(struct prom_xfer *x)
{
	free(x->path);
	free(x->b.s);
	curl_slist_free_all(x->hdr);
	free(x);
}

/* Queues x (taken over). */
void prom_submit(struct prom *p, struct prom_xfer *x)
{
	x->next = NULL;
	if (p->queue_tail != NULL)
		p->queue_tail->next = x;
	else
		p->queue = x;
	p->queue_tail = x;
}

static struct prom_xfer *prom_pop(struct prom *p)
{
	struct prom_xfer *x = p->queue;

	if (x == NULL)
		return NULL;
	p->queue = x->next;
	if (p->queue == NULL)
		p->queue_tail = NULL;
	return x;
}

static int prom_start(struct prom *p, struct prom_xfer *x)
{
	CURL *c = p->nidle > 0 ? p->idle[--p->nidle] : curl_easy_init();
	size_t ul = strlen(p->url), pl = strlen(x->path), slot;
	char *url;

	if (c == NULL)
		return -1;
	url = malloc(ul + pl + 1);
	if (url == NULL) {
		curl_easy_cleanup(c);
		return -1;
	}
	memcpy(url, p->url, ul);
	memcpy(url + ul, x->path, pl + 1);
	curl_easy_reset(c);
	curl_easy_setopt(c, CURLOPT_URL, url); /* curl keeps its own copy */
	free(url);
	curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, prom_write);
	curl_easy_setopt(c, CURLOPT_WRITEDATA, &x->b);
	/* A reply whose Content-Length is already over the bound fails before
	 * its body is read; one without the length still stops in prom_write. */
	curl_easy_setopt(c, CURLOPT_MAXFILESIZE_LARGE, (curl_off_t)PROM_MAX_BODY);
	curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT, p->connect_timeout);
	curl_easy_setopt(c, CURLOPT_TIMEOUT, x->timeout > 0 ? x->timeout : p->timeout);
	curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http,https");
	curl_easy_setopt(c, CURLOPT_USERAGENT, "steward-prometheus/1");
	/* No Accept-Encoding: gzip would halve a nearby server's query rate
	 * (measured on 2.42: 4 ms a 24 h query_range with it, 2 ms without). */
	curl_easy_setopt(c, CURLOPT_PRIVATE, (void *)x);
	x->hdr = curl_slist_append(NULL, "Accept: application/json");
	if (x->hdr == NULL) {
		curl_easy_cleanup(c);
		return -1;
	}
	if (p->token[0] != '\0') {
		char auth[2200];
		struct curl_slist *h;

		snprintf(auth, sizeof auth, "Authorization: Bearer %s", p->token);
		h = curl_slist_append(x->hdr, auth);
		explicit_bzero(auth, sizeof auth);
		if (h == NULL) {
			curl_easy_cleanup(c);
			return -1;
		}
		x->hdr = h;
	} else if (p->user[0] != '\0') {
		curl_easy_setopt(c, CURLOPT_USERNAME, p->user);
		curl_easy_setopt(c, CURLOPT_PASSWORD, p->pass);
	}
	curl_easy_setopt(c, CURLOPT_HTTPHEADER, x->hdr);
	if (curl_multi_add_handle(p->multi, c) != CURLM_OK) {
		curl_easy_cleanup(c);
		return -1;
	}
	for (slot = 0; p->active[slot] != NULL; slot++)
		;
	p->active[slot] = x;
	x->slot = slot;
	x->easy = c;
	p->running++;
	return 0;
}

/* Takes x out of the multi handle; its easy handle is kept for the next transfer. */
static void prom_release(struct prom *p, struct prom_xfer *x)
{
	curl_multi_remove_handle(p->multi, x->easy);
	if (p->nidle < PROM_MAX_PARALLEL)
		p->idle[p->nidle++] = x->easy;
	else
		curl_easy_cleanup(x->easy);
	x->easy = NULL;
	p->active[x->slot] = NULL;
	p->running--;
}

/* Drops every transfer, running or waiting, without calling its done(). */
void prom_abort(struct prom *p)
{
	struct prom_xfer *x;
	size_t i;

	for (i = 0; i < PROM_MAX_PARALLEL; i++)
		if (p->active[i] != NULL) {
			x = p->active[i];
			prom_release(p, x);
			prom_xfer_free(x);
		}
	while ((x = prom_pop(p)) != NULL)
		prom_xfer_free(x);
	p->stop = 0;
}

/* Runs every queued transfer to its end, at most `parallel` at once over
 * reused connections, calling each one's done() as it ends (which may
 * queue more, or set p->stop to drop the rest). Returns -1 when the sync
 * was cancelled, a done() stopped it (err is then left to its owner) or
 * libcurl failed; every transfer is then dropped. */
int prom_drive(struct prom *p, char *err, size_t errn)
{
	for (;;) {
		struct prom_xfer *x;
		CURLMsg *msg;
		CURLMcode mc;
		int still = 0, left, ended = 0;

		while (p->running < (size_t)p->parallel && (x = prom_pop(p)) != NULL)
			if (prom_start(p, x) != 0) {
				prom_xfer_free(x);
				prom_abort(p);
				return prom_err(err, errn, "cannot start a request to Prometheus: out of memory");
			}
		if (p->running == 0)
			return 0;
		mc = curl_multi_perform(p->multi, &still);
		if (mc != CURLM_OK) {
			prom_abort(p);
			return prom_err(err, errn, "libcurl: %s", curl_multi_strerror(mc));
		}
		while ((msg = curl_multi_info_read(p->multi, &left)) != NULL) {
			char *priv = NULL;

			if (msg->msg != CURLMSG_DONE)
				continue;
			curl_easy_getinfo(msg->easy_handle, CURLINFO_PRIVATE, &priv);
			x = (struct prom_xfer *)(void *)priv;
			x->rc = msg->data.result;
			curl_easy_getinfo(msg->easy_handle, CURLINFO_RESPONSE_CODE, &x->code);
			prom_release(p, x);
			if (x->done != NULL && !p->stop)
				x->done(p, x);
			prom_xfer_free(x);
			ended++;
		}
		if (p->stop) {
			prom_abort(p);
			return -1;
		}
		/* Quitting never waits on a slow server: checked at least every PROM_POLL_MS. */
		if (p->sink != NULL && p->sink->cancelled(p->sink->ctx)) {
			prom_abort(p);
			return prom_err(err, errn, "cancelled");
		}
		if (ended == 0)
			curl_multi_poll(p->multi, NULL, 0, PROM_POLL_MS, NULL);
	}
}

/* Up to 160 bytes of a reply for a message, every byte that is not
 * printable ASCII shown as '?', so a hostile reply cannot garble a terminal. */
static void prom_excerpt(const char *s, size_t len, char *out, size_t n)
{
	size_t i, o = 0;

	for (i = 0; s != NULL && i < len && i < 160 && o + 1 < n; i++) {
		unsigned char c = (unsigned char)s[i];

		out[o++] = c >= 0x20 && c < 0x7f ? (char)c : '?';
	}
	if (n > 0)
		out[o] = '\0';
	if (s != NULL && len > 160 && o + 4 < n)
		snprintf(out + o, n - o, "...");
}

/* A string field of Prometheus' envelope, made safe for a message. */
static const char *prom_field(json_t *j, const char *key, char *out, size_t n)
{
	const char *s = json_string_value(json_object_get(j, key));

	if (s == NULL)
		return NULL;
	prom_excerpt(s, strlen(s), out, n);
	return out;
}

/* The "data" of a finished call's reply, or NULL with err naming the
 * server, what was asked and what went wrong: transport, timeout, HTTP
 * status, Prometheus' own errorType and error, malformed JSON, an
 * envelope that is neither success nor error. The reply is kept alive
 * by the returned reference. */
json_t *prom_answer(const struct prom *p, const struct prom_xfer *x, char *err, size_t errn)
{
	char ex[200], et[80], em[400];
	json_error_t je;
	json_t *j = NULL, *data;
	const char *status;

	if (x->rc != CURLE_OK) {
		if (x->b.too_big || x->rc == CURLE_FILESIZE_EXCEEDED)
			prom_err(err, errn, "%s: %s: the reply is larger than %u bytes", p->url, x->what, PROM_MAX_BODY);
		else
			prom_err(err, errn, "%s: %s: %s", p->url, x->what, curl_easy_strerror(x->rc));
		return NULL;
	}
	memset(&je, 0, sizeof je);
	if (x->b.s != NULL)
		j = json_loadb(x->b.s, x->b.len, 0, &je);
	else
		snprintf(je.text, sizeof je.text, "an empty reply");
	status = json_string_value(json_object_get(j, "status"));
	if (status != NULL && strcmp(status, "error") == 0) {
		prom_err(err, errn, "Prometheus at %s answered %ld to %s: %s: %s", p->url, x->code, x->what,
			 prom_field(j, "errorType", et, sizeof et) ? et : "?",
			 prom_field(j, "error", em, sizeof em) ? em : "(no message)");
		json_decref(j);
		return NULL;
	}
	if (x->code != 200) {
		prom_excerpt(x->b.s, x->b.len, ex, sizeof ex);
		prom_err(err, errn, "%s answered HTTP %ld to %s: %s", p->url, x->code, x->what,
			 ex[0] ? ex : "(an empty body)");
		json_decref(j);
		return NULL;
	}
	if (j == NULL || !json_is_object(j)) {
		prom_excerpt(x->b.s, x->b.len, ex, sizeof ex);
		prom_err(err, errn, "%s: the reply to %s is not a JSON object (%s at line %d column %d): %s", p->url,
			 x->what, j == NULL ? je.text : "another type", je.line, je.column, ex);
		json_decref(j);
		return NULL;
	}
	if (status == NULL || strcmp(status, "success") != 0) {
		prom_err(err, errn, "%s: the reply to %s has status %s, neither success nor error", p->url, x->what,
			 status != NULL ? prom_field(j, "status", et, sizeof et) : "missing");
		json_decref(j);
		return NULL;
	}
	data = json_object_get(j, "data");
	if (data == NULL || json_is_null(data)) {
		prom_err(err, errn, "%s: the reply to %s has no data", p->url, x->what);
		json_decref(j);
		return NULL;
	}
	/* Warnings (a partial answer from a remote store, say) leave the data usable. */
	json_incref(data);
	json_decref(j);
	return data;
}

struct prom_one {
	json_t *data;
	char err[700];
};

static void prom_one_done(struct prom *p, struct prom_xfer *x)
{
	struct prom_one *o = x->owner;

	o->data = prom_answer(p, x, o->err, sizeof o->err);
}

/* One GET on its own: the reply's data, or NULL with err. timeout 0 is the instance's. */
json_t *prom_call(struct prom *p, const char *path, const char *what, long timeout, char *err, size_t errn)
{
	struct prom_one o = { 0 };
	struct prom_xfer *x = prom_xfer_new(path, what, prom_one_done, &o, 0, 0);

	if (x == NULL) {
		prom_err(err, errn, "out of memory");
		return NULL;
	}
	x->timeout = timeout;
	prom_submit(p, x);
	if (prom_drive(p, err, errn) != 0) {
		json_decref(o.data);
		return NULL;
	}
	if (o.data == NULL)
		snprintf(err, errn, "%s", o.err);
	return o.data;
}

/* "API?query=ESCAPED&PARAMS" (params already escaped, may be ""), or NULL when out of memory. */
char *prom_query_path(const char *api, const char *query, const char *params)
{
	char *q = curl_easy_escape(NULL, query, 0), *path;
	size_t n;

	if (q == NULL)
		return NULL;
	n = strlen(api) + strlen(q) + strlen(params) + 16;
	path = malloc(n);
	if (path != NULL)
		snprintf(path, n, "%s?query=%s%s%s", api, q, params[0] ? "&" : "", params);
	curl_free(q);
	return path;
}
