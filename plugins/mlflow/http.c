/* http: the MLflow plugin's transfers: every request on one curl multi handle, driven on the calling thread, with MLflow's error bodies turned into messages. */
#include "plugins/mlflow/mlflow.h"

int mlf_err(char *err, size_t n, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(err, n, fmt, ap);
	va_end(ap);
	return -1;
}

static size_t mlf_write(char *ptr, size_t size, size_t nmemb, void *user)
{
	struct mlf_buf *b = user;
	size_t n = size * nmemb;

	if (b->sha != NULL) {
		if (b->hashed + n > MLF_MAX_ARTIFACT) {
			b->too_big = 1;
			return 0;
		}
		crypto_hash_sha256_update(b->sha, (const unsigned char *)ptr, n);
		b->hashed += n;
		return n;
	}
	if (b->len + n + 1 > MLF_MAX_BODY) {
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

/* ---- transfers: every request goes through one multi handle, driven on the calling thread ---- */


struct mlf_xfer *mlf_xfer_new(const char *method, const char *path, const char *body, mlf_done_fn done,
				     void *owner, size_t index)
{
	struct mlf_xfer *x = calloc(1, sizeof *x);

	if (x == NULL)
		return NULL;
	snprintf(x->method, sizeof x->method, "%s", method);
	x->path = strdup(path);
	x->body = body != NULL ? strdup(body) : NULL;
	if (x->path == NULL || (body != NULL && x->body == NULL)) {
		free(x->path);
		free(x->body);
		free(x);
		return NULL;
	}
	x->done = done;
	x->owner = owner;
	x->index = index;
	return x;
}

void mlf_xfer_free(struct mlf_xfer *x)
{
	free(x->path);
	free(x->body);
	free(x->tag);
	free(x->b.s);
	curl_slist_free_all(x->hdr);
	free(x);
}

/* Queues x (taken over). A download hashes what it receives and keeps nothing. */
void mlf_submit(struct mlf *m, struct mlf_xfer *x)
{
	int dl = x->b.sha != NULL;
	struct mlf_xfer **head = dl ? &m->downloads : &m->calls, **tail = dl ? &m->downloads_tail : &m->calls_tail;

	x->next = NULL;
	if (*tail != NULL)
		(*tail)->next = x;
	else
		*head = x;
	*tail = x;
}

static struct mlf_xfer *mlf_pop(struct mlf_xfer **head, struct mlf_xfer **tail)
{
	struct mlf_xfer *x = *head;

	*head = x->next;
	if (*head == NULL)
		*tail = NULL;
	return x;
}

static int mlf_start(struct mlf *m, struct mlf_xfer *x)
{
	CURL *c = m->nidle > 0 ? m->idle[--m->nidle] : curl_easy_init();
	size_t ul = strlen(m->url), pl = strlen(x->path), slot;
	char *url, auth[2200];

	if (c == NULL)
		return -1;
	url = malloc(ul + pl + 1);
	if (url == NULL) {
		curl_easy_cleanup(c);
		return -1;
	}
	memcpy(url, m->url, ul);
	memcpy(url + ul, x->path, pl + 1);
	curl_easy_reset(c);
	curl_easy_setopt(c, CURLOPT_URL, url); /* curl keeps its own copy */
	free(url);
	curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, mlf_write);
	curl_easy_setopt(c, CURLOPT_WRITEDATA, &x->b);
	/* A reply whose Content-Length is already over the bound fails before
	 * its body is read; one without the length still stops in mlf_write. */
	curl_easy_setopt(c, CURLOPT_MAXFILESIZE_LARGE,
			 (curl_off_t)(x->b.sha != NULL ? MLF_MAX_ARTIFACT : MLF_MAX_BODY));
	curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT, m->connect_timeout);
	curl_easy_setopt(c, CURLOPT_TIMEOUT, m->timeout);
	curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http,https");
	curl_easy_setopt(c, CURLOPT_USERAGENT, "steward-mlflow/1");
	curl_easy_setopt(c, CURLOPT_PRIVATE, (void *)x);
	if (x->b.sha == NULL)
		x->hdr = curl_slist_append(x->hdr, "Accept: application/json");
	if (m->token[0] != '\0') {
		struct curl_slist *h;

		snprintf(auth, sizeof auth, "Authorization: Bearer %s", m->token);
		h = curl_slist_append(x->hdr, auth);
		sodium_memzero(auth, sizeof auth);
		if (h == NULL) {
			curl_easy_cleanup(c);
			return -1;
		}
		x->hdr = h;
	} else if (m->user[0] != '\0') {
		curl_easy_setopt(c, CURLOPT_USERNAME, m->user);
		curl_easy_setopt(c, CURLOPT_PASSWORD, m->pass);
	}
	if (x->body != NULL) {
		struct curl_slist *h = curl_slist_append(x->hdr, "Content-Type: application/json");

		if (h == NULL) {
			curl_easy_cleanup(c);
			return -1;
		}
		x->hdr = h;
		curl_easy_setopt(c, CURLOPT_POSTFIELDS, x->body);
	}
	if (strcmp(x->method, "GET") != 0)
		curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, x->method);
	curl_easy_setopt(c, CURLOPT_HTTPHEADER, x->hdr);
	if (curl_multi_add_handle(m->multi, c) != CURLM_OK) {
		curl_easy_cleanup(c);
		return -1;
	}
	for (slot = 0; m->active[slot] != NULL; slot++)
		;
	m->active[slot] = x;
	x->slot = slot;
	x->easy = c;
	m->running++;
	if (x->b.sha != NULL) {
		m->downloading++;
		m->inflight += x->weight;
	}
	return 0;
}

/* Takes x out of the multi handle; its easy handle is kept for the next transfer. */
static void mlf_release(struct mlf *m, struct mlf_xfer *x)
{
	curl_multi_remove_handle(m->multi, x->easy);
	if (m->nidle < MLF_MAX_PARALLEL)
		m->idle[m->nidle++] = x->easy;
	else
		curl_easy_cleanup(x->easy);
	x->easy = NULL;
	m->active[x->slot] = NULL;
	m->running--;
	if (x->b.sha != NULL) {
		m->downloading--;
		m->inflight -= x->weight;
	}
}

/* Drops every transfer, running or waiting, without calling its done(). */
void mlf_abort(struct mlf *m)
{
	size_t i;

	for (i = 0; i < MLF_MAX_PARALLEL; i++)
		if (m->active[i] != NULL) {
			struct mlf_xfer *x = m->active[i];

			mlf_release(m, x);
			mlf_xfer_free(x);
		}
	while (m->calls != NULL)
		mlf_xfer_free(mlf_pop(&m->calls, &m->calls_tail));
	while (m->downloads != NULL)
		mlf_xfer_free(mlf_pop(&m->downloads, &m->downloads_tail));
}

/* The next transfer that may start now: calls first; a download when it
 * fits the window, or alone when it is bigger than the whole window. */
static struct mlf_xfer *mlf_next(struct mlf *m)
{
	if (m->running >= (size_t)m->parallel)
		return NULL;
	if (m->calls != NULL)
		return mlf_pop(&m->calls, &m->calls_tail);
	if (m->downloads != NULL && (m->downloading == 0 || m->inflight + m->downloads->weight <= m->window))
		return mlf_pop(&m->downloads, &m->downloads_tail);
	return NULL;
}

/* Runs every queued transfer to its end, at most `parallel` at once over
 * reused connections, calling each one's done() as it ends (which may
 * queue more). Returns -1 when the sync was cancelled or libcurl failed;
 * every transfer is then dropped. Each request keeps its own timeouts. */
int mlf_drive(struct mlf *m, char *err, size_t errn)
{
	for (;;) {
		struct mlf_xfer *x;
		CURLMsg *msg;
		CURLMcode mc;
		int still = 0, left, ended = 0;

		while ((x = mlf_next(m)) != NULL) {
			if (x->dead != NULL && *x->dead) {
				mlf_xfer_free(x);
				continue;
			}
			if (mlf_start(m, x) != 0) {
				mlf_xfer_free(x);
				mlf_abort(m);
				return mlf_err(err, errn, "cannot start a request to MLflow: out of memory");
			}
		}
		if (m->running == 0)
			return 0;
		mc = curl_multi_perform(m->multi, &still);
		if (mc != CURLM_OK) {
			mlf_abort(m);
			return mlf_err(err, errn, "libcurl: %s", curl_multi_strerror(mc));
		}
		while ((msg = curl_multi_info_read(m->multi, &left)) != NULL) {
			CURL *e = msg->easy_handle;
			CURLcode rc = msg->data.result;
			char *p = NULL;

			if (msg->msg != CURLMSG_DONE)
				continue;
			curl_easy_getinfo(e, CURLINFO_PRIVATE, &p);
			x = (struct mlf_xfer *)(void *)p;
			x->rc = rc;
			curl_easy_getinfo(e, CURLINFO_RESPONSE_CODE, &x->code);
			mlf_release(m, x);
			if (x->done != NULL)
				x->done(m, x);
			mlf_xfer_free(x);
			ended++;
		}
		/* Quitting never waits on a slow server: checked at least every MLF_POLL_MS. */
		if (m->sink != NULL && m->sink->cancelled(m->sink->ctx)) {
			mlf_abort(m);
			return mlf_err(err, errn, "cancelled");
		}
		if (ended == 0)
			curl_multi_poll(m->multi, NULL, 0, MLF_POLL_MS, NULL);
	}
}

/* The JSON answer of a finished call, or NULL with err naming what went
 * wrong: transport, timeout, HTTP status with MLflow's own error_code and
 * message, malformed JSON. ec (when given) gets MLflow's error_code. */
json_t *mlf_answer(const struct mlf_xfer *x, char *err, size_t errn, char *ec, size_t ecn)
{
	json_error_t je;
	json_t *j = NULL;

	if (ec != NULL)
		ec[0] = '\0';
	if (x->rc != CURLE_OK) {
		if (x->b.too_big || x->rc == CURLE_FILESIZE_EXCEEDED)
			mlf_err(err, errn, "%s %s: response larger than %u bytes", x->method, x->path, MLF_MAX_BODY);
		else
			mlf_err(err, errn, "%s %s: %s", x->method, x->path, curl_easy_strerror(x->rc));
		return NULL;
	}
	memset(&je, 0, sizeof je);
	if (x->b.s != NULL)
		j = json_loadb(x->b.s, x->b.len, 0, &je);
	else
		snprintf(je.text, sizeof je.text, "an empty reply");
	if (x->code >= 400) {
		const char *c = json_string_value(json_object_get(j, "error_code")),
			   *msg = json_string_value(json_object_get(j, "message"));

		if (ec != NULL)
			snprintf(ec, ecn, "%s", c ? c : "");
		if (c != NULL || msg != NULL)
			mlf_err(err, errn, "MLflow answered %ld to %s %s: %s: %s", x->code, x->method, x->path, c ? c : "?",
				msg ? msg : "");
		else
			mlf_err(err, errn, "MLflow answered %ld to %s %s: %.200s", x->code, x->method, x->path,
				x->b.s ? x->b.s : "");
		json_decref(j);
		return NULL;
	}
	if (j == NULL || !json_is_object(j)) {
		mlf_err(err, errn, "MLflow's reply to %s %s is not a JSON object (%s at line %d column %d)", x->method,
			x->path, j == NULL ? je.text : "another type", je.line, je.column);
		json_decref(j);
		return NULL;
	}
	return j;
}

struct mlf_one {
	json_t *j;
	char err[600];
};

static void mlf_one_done(struct mlf *m, struct mlf_xfer *x)
{
	struct mlf_one *o = x->owner;

	(void)m;
	o->j = mlf_answer(x, o->err, sizeof o->err, NULL, 0);
}

/* One HTTP exchange on its own. body NULL means GET. */
json_t *mlf_call(struct mlf *m, const char *method, const char *path, const char *body, char *err, size_t errn)
{
	struct mlf_one o = { 0 };
	struct mlf_xfer *x = mlf_xfer_new(method, path, body, mlf_one_done, &o, 0);

	if (x == NULL) {
		mlf_err(err, errn, "out of memory");
		return NULL;
	}
	mlf_submit(m, x);
	if (mlf_drive(m, err, errn) != 0) {
		json_decref(o.j);
		return NULL;
	}
	if (o.j == NULL)
		snprintf(err, errn, "%s", o.err);
	return o.j;
}

/* s URL-escaped (every byte but unreserved ones), or NULL when out of memory. */
char *mlf_escape(const char *s)
{
	char *e = curl_easy_escape(NULL, s, 0), *r;

	if (e == NULL)
		return NULL;
	r = strdup(e);
	curl_free(e);
	return r;
}

/* An artifact path for a URL: '/' kept between segments, everything else escaped. */
char *mlf_escape_path(const char *path)
{
	size_t i, o = 0, n = strlen(path);
	char *q = malloc(n * 3 + 1);

	if (q == NULL)
		return NULL;
	for (i = 0; i < n; i++) {
		unsigned char c = (unsigned char)path[i];

		if (isalnum(c) || c == '/' || c == '-' || c == '_' || c == '.' || c == '~')
			q[o++] = (char)c;
		else
			o += (size_t)snprintf(q + o, 4, "%%%02X", c);
	}
	q[o] = '\0';
	return q;
}
