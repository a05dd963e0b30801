/* mlflow: the MLflow registry plugin: reads models, versions, runs, logged models and aliases over the REST API with parallel requests on one curl multi handle, digests artifacts through the artifact proxy, and sets aliases for governed decisions. */
#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <curl/curl.h>
#include <jansson.h>
#include <sodium.h>

#include "plugins/steward-plugin.h"

#define MLF_PAGE 1000               /* models and versions per search page: MLflow's limit for models */
#define MLF_RUN_BATCH 500           /* run ids per runs/search: one SQL IN list on the server */
#define MLF_MAX_BODY (64u << 20)    /* one REST response */
#define MLF_MAX_ARTIFACT (2u << 30) /* one artifact file, streamed into the hash */
#define MLF_MAX_FILES 10000         /* files of one version */
#define MLF_MAX_PARALLEL 32
#define MLF_MAX_DEPTH 4             /* models:/ sources naming other models:/ sources */
#define MLF_POLL_MS 100             /* how long a sync waits before looking at cancelled() again */

struct mlf_xfer;

struct mlf {
	char url[1024];
	char token[2048];
	char user[256], pass[256];
	long connect_timeout, timeout, parallel;
	int64_t window; /* bytes of artifact files downloading at once */
	int verify_artifacts;
	CURLM *multi;   /* one connection cache for every request of the instance */
	CURL *idle[MLF_MAX_PARALLEL];
	size_t nidle;
	/* Waiting to start: API calls first, then downloads as the window allows. */
	struct mlf_xfer *calls, *calls_tail, *downloads, *downloads_tail;
	struct mlf_xfer *active[MLF_MAX_PARALLEL];
	size_t running, downloading;
	int64_t inflight;
	const struct steward_sink *sink; /* during a sync: whose cancelled() stops the transfers */
};

struct mlf_buf {
	char *s;
	size_t len, cap;
	int too_big;
	crypto_hash_sha256_state *sha; /* when hashing a download instead of keeping it */
	size_t hashed;
};

static int mlf_err(char *err, size_t n, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

static int mlf_err(char *err, size_t n, const char *fmt, ...)
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

typedef void (*mlf_done_fn)(struct mlf *m, struct mlf_xfer *x);

struct mlf_xfer {
	struct mlf_xfer *next;
	CURL *easy;
	struct curl_slist *hdr;
	char method[8];
	char *path;       /* below the server's url; what messages name */
	char *body;       /* JSON to send, or NULL for a GET */
	char *tag;        /* the owner's note: the directory a listing is of */
	struct mlf_buf b;
	crypto_hash_sha256_state sha;
	int64_t weight;   /* a download's listed size, counted against the window */
	const int *dead;  /* when set, its owner gave up: it is dropped instead of started */
	CURLcode rc;
	long code;
	size_t slot;
	mlf_done_fn done; /* called on the calling thread when it ends */
	void *owner;
	size_t index, sub;
};

static struct mlf_xfer *mlf_xfer_new(const char *method, const char *path, const char *body, mlf_done_fn done,
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

static void mlf_xfer_free(struct mlf_xfer *x)
{
	free(x->path);
	free(x->body);
	free(x->tag);
	free(x->b.s);
	curl_slist_free_all(x->hdr);
	free(x);
}

/* Queues x (taken over). A download hashes what it receives and keeps nothing. */
static void mlf_submit(struct mlf *m, struct mlf_xfer *x)
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
static void mlf_abort(struct mlf *m)
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
static int mlf_drive(struct mlf *m, char *err, size_t errn)
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
static json_t *mlf_answer(const struct mlf_xfer *x, char *err, size_t errn, char *ec, size_t ecn)
{
	json_error_t je;
	json_t *j = NULL;

	if (ec != NULL)
		ec[0] = '\0';
	if (x->rc != CURLE_OK) {
		if (x->b.too_big)
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
static json_t *mlf_call(struct mlf *m, const char *method, const char *path, const char *body, char *err, size_t errn)
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
static char *mlf_escape(const char *s)
{
	char *e = curl_easy_escape(NULL, s, 0), *r;

	if (e == NULL)
		return NULL;
	r = strdup(e);
	curl_free(e);
	return r;
}

/* An artifact path for a URL: '/' kept between segments, everything else escaped. */
static char *mlf_escape_path(const char *path)
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

/* ---- the instance ---- */

static const char *mlf_kv(const struct steward_kv *kv, size_t n, const char *key)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (strcmp(kv[i].key, key) == 0)
			return kv[i].value;
	return NULL;
}

/* "64M", "512k", "1G" or plain bytes; -1 when it is none of these. */
static int64_t mlf_bytes(const char *v)
{
	long long n, unit = 1;
	char *end;

	errno = 0;
	n = strtoll(v, &end, 10);
	if (errno != 0 || end == v || n < 0)
		return -1;
	if (*end == 'k' || *end == 'K')
		unit = 1024, end++;
	else if (*end == 'm' || *end == 'M')
		unit = 1024 * 1024, end++;
	else if (*end == 'g' || *end == 'G')
		unit = 1024LL * 1024 * 1024, end++;
	if (*end != '\0' || n > INT64_MAX / unit)
		return -1;
	return (int64_t)(n * unit);
}

static int mlf_open(const struct steward_kv *kv, size_t n, void **state, char *err, size_t errn)
{
	const char *url = mlf_kv(kv, n, "url"), *v;
	static const char *const known[] = { "url",	 "token_env", "username_env",     "password_env", "connect_timeout",
					     "timeout", "parallel",  "inflight_bytes", "verify_artifacts" };
	struct mlf *m;
	size_t i, k;

	for (i = 0; i < n; i++) {
		for (k = 0; k < sizeof known / sizeof known[0] && strcmp(kv[i].key, known[k]) != 0; k++)
			;
		if (k == sizeof known / sizeof known[0])
			return mlf_err(err, errn,
				       "unknown key '%s' (known: url, token_env, username_env, password_env, connect_timeout, timeout, parallel, inflight_bytes, verify_artifacts)",
				       kv[i].key);
	}
	if (url == NULL || (strncmp(url, "http://", 7) != 0 && strncmp(url, "https://", 8) != 0))
		return mlf_err(err, errn, "url must be the tracking server's http:// or https:// address");
	if (strlen(url) >= sizeof m->url)
		return mlf_err(err, errn, "url is longer than %zu bytes", sizeof m->url - 1);
	if (sodium_init() < 0)
		return mlf_err(err, errn, "libsodium failed to initialise");
	m = calloc(1, sizeof *m);
	if (m == NULL)
		return mlf_err(err, errn, "out of memory");
	snprintf(m->url, sizeof m->url, "%s", url);
	while (m->url[0] != '\0' && m->url[strlen(m->url) - 1] == '/')
		m->url[strlen(m->url) - 1] = '\0';
	m->connect_timeout = 5;
	m->timeout = 30;
	m->parallel = 4;
	m->window = 64 << 20;
	m->verify_artifacts = 1;
	if ((v = mlf_kv(kv, n, "connect_timeout")) != NULL)
		m->connect_timeout = strtol(v, NULL, 10);
	if ((v = mlf_kv(kv, n, "timeout")) != NULL)
		m->timeout = strtol(v, NULL, 10);
	if ((v = mlf_kv(kv, n, "parallel")) != NULL)
		m->parallel = strtol(v, NULL, 10);
	if ((v = mlf_kv(kv, n, "inflight_bytes")) != NULL)
		m->window = mlf_bytes(v);
	if ((v = mlf_kv(kv, n, "verify_artifacts")) != NULL)
		m->verify_artifacts = strcmp(v, "no") != 0 && strcmp(v, "false") != 0 && strcmp(v, "0") != 0;
	if (m->connect_timeout < 1 || m->connect_timeout > 300 || m->timeout < 1 || m->timeout > 3600) {
		free(m);
		return mlf_err(err, errn, "connect_timeout must be 1..300 and timeout 1..3600 seconds");
	}
	if (m->parallel < 1 || m->parallel > MLF_MAX_PARALLEL) {
		free(m);
		return mlf_err(err, errn, "parallel must be 1..%d requests", MLF_MAX_PARALLEL);
	}
	if (m->window < 1) {
		free(m);
		return mlf_err(err, errn, "inflight_bytes must be a size in bytes (a K, M or G suffix allowed), at least 1");
	}
	/* The host hands over the secret values under the *_env keys. */
	if ((v = mlf_kv(kv, n, "token_env")) != NULL)
		snprintf(m->token, sizeof m->token, "%s", v);
	if ((v = mlf_kv(kv, n, "username_env")) != NULL)
		snprintf(m->user, sizeof m->user, "%s", v);
	if ((v = mlf_kv(kv, n, "password_env")) != NULL)
		snprintf(m->pass, sizeof m->pass, "%s", v);
	curl_global_init(CURL_GLOBAL_DEFAULT);
	m->multi = curl_multi_init();
	if (m->multi == NULL) {
		free(m);
		return mlf_err(err, errn, "cannot initialise libcurl");
	}
	/* No more connections to the server than requests in flight. */
	curl_multi_setopt(m->multi, CURLMOPT_MAX_HOST_CONNECTIONS, m->parallel);
	*state = m;
	return 0;
}

static void mlf_close(void *state)
{
	struct mlf *m = state;

	if (m == NULL)
		return;
	mlf_abort(m);
	while (m->nidle > 0)
		curl_easy_cleanup(m->idle[--m->nidle]);
	curl_multi_cleanup(m->multi);
	sodium_memzero(m->token, sizeof m->token);
	sodium_memzero(m->pass, sizeof m->pass);
	free(m);
}

static int mlf_health(void *state, char *msg, size_t n)
{
	struct mlf *m = state;
	json_t *j = mlf_call(m, "GET", "/api/2.0/mlflow/registered-models/search?max_results=1", NULL, msg, n);

	if (j == NULL)
		return -1;
	json_decref(j);
	snprintf(msg, n, "ok");
	return 0;
}

/* ---- helpers over MLflow's JSON ---- */

static const char *mlf_tag(json_t *tags, const char *key)
{
	size_t i;
	json_t *t;

	json_array_foreach(tags, i, t) {
		const char *k = json_string_value(json_object_get(t, "key"));

		if (k != NULL && strcmp(k, key) == 0)
			return json_string_value(json_object_get(t, "value"));
	}
	return NULL;
}

/* A user name that says who: "" and the "unknown" MLflow's client puts in
 * a run's user_id when it has no mlflow.user tag are nobody. */
static const char *mlf_who(const char *s)
{
	return s != NULL && s[0] != '\0' && strcmp(s, "unknown") != 0 ? s : NULL;
}

static int mlf_hex_id(const char *id)
{
	size_t n = id != NULL ? strlen(id) : 0;

	return n > 0 && n <= 64 && strspn(id, "0123456789abcdef") == n;
}

/* ---- one page of versions: what a sync needs to hand each one over ---- */

struct mlf_file {
	char *path;
	int64_t size;
	char hex[65];
};

enum mlf_dstate {
	MLF_D_NONE,       /* no digest asked for: already verified from this source, or verification off */
	MLF_D_WORK,       /* being resolved, listed and downloaded */
	MLF_D_DONE,       /* digest holds the manifest digest */
	MLF_D_EMPTY,      /* the source holds no files */
	MLF_D_UNVERIFIED, /* reason says why */
};

struct mlf_ver {
	json_t *v; /* borrowed from the page */
	const char *model, *source, *run_id;
	int64_t num;
	char stamp[80];
	json_t *run;    /* its run, or NULL when MLflow has none */
	json_t *logged; /* the LoggedModel of a models:/m-<id> source */
	char *src;      /* the source being resolved (models:/ and runs:/ lead on to others) */
	int depth;
	char *root;     /* the artifacts' path in the proxy */
	struct mlf_file *files;
	size_t nfiles, capfiles, pending;
	enum mlf_dstate d;
	int dead;       /* set with MLF_D_UNVERIFIED: its queued transfers are dropped */
	char reason[400];
	char digest[72];
};

struct mlf_sync {
	struct mlf *m;
	const struct steward_sink *sink;
	json_t *known; /* models handed over: versions of others are not */
	json_t *exps;  /* every experiment id, for runs/search; fetched when first needed */
	long done;
};

struct mlf_page {
	struct mlf_sync *s;
	struct mlf_ver *v;
	size_t n;
	json_t *runs; /* run id -> run */
	int fatal;
	char err[600];
};

static void mlf_fatal(struct mlf_page *p, const char *msg)
{
	if (!p->fatal)
		snprintf(p->err, sizeof p->err, "%s", msg);
	p->fatal = 1;
}

static void mlf_unverified(struct mlf_ver *v, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* The version's artifacts cannot be read: the first reason is kept. */
static void mlf_unverified(struct mlf_ver *v, const char *fmt, ...)
{
	va_list ap;

	if (v->d == MLF_D_UNVERIFIED)
		return;
	va_start(ap, fmt);
	vsnprintf(v->reason, sizeof v->reason, fmt, ap);
	va_end(ap);
	v->d = MLF_D_UNVERIFIED;
	v->dead = 1;
}

static int mlf_cmp_file(const void *a, const void *b)
{
	return strcmp(((const struct mlf_file *)a)->path, ((const struct mlf_file *)b)->path);
}

/* sha256 over "path\tsize\tsha256hex\n" lines sorted by path: the digest
 * approvals bind to, computed from bytes steward has read itself. */
static void mlf_manifest(struct mlf_ver *v)
{
	crypto_hash_sha256_state sha;
	char hex[65], line[4400];
	uint8_t h[32];
	size_t i;

	if (v->nfiles == 0) {
		snprintf(v->reason, sizeof v->reason, "no artifact files under %.300s", v->source);
		v->d = MLF_D_EMPTY;
		return;
	}
	qsort(v->files, v->nfiles, sizeof *v->files, mlf_cmp_file);
	crypto_hash_sha256_init(&sha);
	for (i = 0; i < v->nfiles; i++) {
		int k = snprintf(line, sizeof line, "%s\t%" PRId64 "\t%s\n", v->files[i].path, v->files[i].size,
				 v->files[i].hex);

		if (k < 0 || (size_t)k >= sizeof line) {
			mlf_unverified(v, "artifact path %.200s... is too long", v->files[i].path);
			return;
		}
		crypto_hash_sha256_update(&sha, (const unsigned char *)line, (size_t)k);
	}
	crypto_hash_sha256_final(&sha, h);
	sodium_bin2hex(hex, sizeof hex, h, sizeof h);
	snprintf(v->digest, sizeof v->digest, "sha256:%s", hex);
	v->d = MLF_D_DONE;
}

static void mlf_settle(struct mlf_ver *v)
{
	if (v->d == MLF_D_WORK && v->pending == 0)
		mlf_manifest(v);
}

static void mlf_resolve(struct mlf_page *p, size_t i);
static void mlf_list_dir(struct mlf_page *p, size_t i, const char *rel);

/* Continues resolving with a new source (a copy is taken). */
static void mlf_resolve_to(struct mlf_page *p, size_t i, const char *src)
{
	struct mlf_ver *v = &p->v[i];
	char *c = strdup(src);

	if (c == NULL) {
		mlf_fatal(p, "out of memory");
		return;
	}
	free(v->src);
	v->src = c;
	mlf_resolve(p, i);
}

/* Queues a call for the page (about version i); on failure the sync
 * stops. A counted call is part of reading version i's artifacts: it
 * holds back its digest until it ends, and is dropped once they fail. */
static void mlf_page_call(struct mlf_page *p, size_t i, int counted, const char *method, const char *path,
			  const char *body, mlf_done_fn done)
{
	struct mlf_xfer *x = mlf_xfer_new(method, path, body, done, p, i);

	if (x == NULL) {
		mlf_fatal(p, "out of memory");
		return;
	}
	if (counted) {
		x->dead = &p->v[i].dead;
		p->v[i].pending++;
	}
	mlf_submit(p->s->m, x);
}

/* An artifact_uri (of a run or a logged model) plus what follows it in the source. */
static void mlf_resolve_uri(struct mlf_page *p, size_t i, const char *uri, const char *rest, const char *whose)
{
	struct mlf_ver *v = &p->v[i];
	size_t n;
	char *s;

	if (uri == NULL || uri[0] == '\0') {
		mlf_unverified(v, "source %.200s: %s has no artifact_uri", v->source, whose);
		return;
	}
	n = strlen(uri) + strlen(rest) + 2;
	s = malloc(n);
	if (s == NULL) {
		mlf_fatal(p, "out of memory");
		return;
	}
	snprintf(s, n, "%s%s%s", uri, rest[0] && rest[0] != '/' ? "/" : "", rest);
	mlf_resolve_to(p, i, s);
	free(s);
}

static void mlf_src_run_done(struct mlf *m, struct mlf_xfer *x)
{
	struct mlf_page *p = x->owner;
	struct mlf_ver *v = &p->v[x->index];
	const char *rest;
	char why[500];
	json_t *j;

	(void)m;
	v->pending--;
	if (v->dead)
		return;
	j = mlf_answer(x, why, sizeof why, NULL, 0);
	if (j == NULL) {
		mlf_unverified(v, "source %.150s: %s", v->source, why);
		return;
	}
	rest = strchr(v->src + 6, '/');
	mlf_resolve_uri(p, x->index,
			json_string_value(json_object_get(json_object_get(json_object_get(j, "run"), "info"), "artifact_uri")),
			rest ? rest : "", "its run");
	json_decref(j);
	mlf_settle(v);
}

static const char *mlf_logged_uri(json_t *logged)
{
	return json_string_value(json_object_get(json_object_get(json_object_get(logged, "model"), "info"), "artifact_uri"));
}

static void mlf_src_logged_done(struct mlf *m, struct mlf_xfer *x)
{
	struct mlf_page *p = x->owner;
	struct mlf_ver *v = &p->v[x->index];
	char why[500];
	json_t *j;

	(void)m;
	v->pending--;
	if (v->dead)
		return;
	j = mlf_answer(x, why, sizeof why, NULL, 0);
	if (j == NULL) {
		mlf_unverified(v, "source %.150s: %s", v->source, why);
		return;
	}
	mlf_resolve_uri(p, x->index, mlf_logged_uri(j), "", "the logged model");
	json_decref(j);
	mlf_settle(v);
}

static void mlf_src_version_done(struct mlf *m, struct mlf_xfer *x)
{
	struct mlf_page *p = x->owner;
	struct mlf_ver *v = &p->v[x->index];
	const char *src;
	char why[500];
	json_t *j;

	(void)m;
	v->pending--;
	if (v->dead)
		return;
	j = mlf_answer(x, why, sizeof why, NULL, 0);
	if (j == NULL) {
		mlf_unverified(v, "source %.150s: %s", v->source, why);
		return;
	}
	src = json_string_value(json_object_get(json_object_get(j, "model_version"), "source"));
	if (src == NULL || src[0] == '\0')
		mlf_unverified(v, "source %.200s: that version has no source", v->source);
	else
		mlf_resolve_to(p, x->index, src);
	json_decref(j);
	mlf_settle(v);
}

/* Where the artifacts of v->src are, one step at a time: mlflow-artifacts:
 * is a path in the proxy; runs:/<id>/<path> is under that run's
 * artifact_uri; models:/m-<id> (an MLflow 3 logged model) is its
 * artifact_uri; models:/<name>/<version> is that version's source. A
 * source that can move (an alias, a stage, latest) or that the proxy does
 * not serve is reported, never guessed. */
static void mlf_resolve(struct mlf_page *p, size_t i)
{
	struct mlf_ver *v = &p->v[i];
	const char *s = v->src;

	if (++v->depth > MLF_MAX_DEPTH) {
		mlf_unverified(v, "source %.200s: models:/ sources lead on more than %d times", v->source, MLF_MAX_DEPTH);
		return;
	}
	if (strncmp(s, "mlflow-artifacts:", 17) == 0) {
		const char *path = s + 17;

		/* mlflow-artifacts:/x or mlflow-artifacts://host:port/x */
		if (strncmp(path, "//", 2) == 0) {
			path = strchr(path + 2, '/');
			if (path == NULL) {
				mlf_unverified(v, "source %.200s names no path", s);
				return;
			}
		}
		while (*path == '/')
			path++;
		free(v->root);
		v->root = strdup(path);
		if (v->root == NULL) {
			mlf_fatal(p, "out of memory");
			return;
		}
		while (v->root[0] != '\0' && v->root[strlen(v->root) - 1] == '/')
			v->root[strlen(v->root) - 1] = '\0';
		mlf_list_dir(p, i, "");
		return;
	}
	if (strncmp(s, "runs:/", 6) == 0) {
		const char *slash = strchr(s + 6, '/');
		size_t idlen = slash ? (size_t)(slash - (s + 6)) : strlen(s + 6);
		const char *have = json_string_value(json_object_get(json_object_get(v->run, "info"), "run_id"));
		char id[80], *q, path[200];

		if (idlen == 0 || idlen >= sizeof id) {
			mlf_unverified(v, "source %.200s names no run", v->source);
			return;
		}
		memcpy(id, s + 6, idlen);
		id[idlen] = '\0';
		/* The run the source names, which need not be the version's run_id. */
		if (have != NULL && strcmp(have, id) == 0) {
			mlf_resolve_uri(p, i, json_string_value(json_object_get(json_object_get(v->run, "info"), "artifact_uri")),
					slash ? slash : "", "its run");
			return;
		}
		q = mlf_escape(id);
		if (q == NULL) {
			mlf_fatal(p, "out of memory");
			return;
		}
		snprintf(path, sizeof path, "/api/2.0/mlflow/runs/get?run_id=%s", q);
		free(q);
		mlf_page_call(p, i, 1, "GET", path, NULL, mlf_src_run_done);
		return;
	}
	if (strncmp(s, "models:/", 8) == 0) {
		const char *t = s + 8, *slash = strrchr(t, '/'), *at = strchr(t, '@');
		char path[1200], *qn;

		if (strncmp(t, "m-", 2) == 0 && slash == NULL && at == NULL && t[2] != '\0') {
			if (v->logged != NULL && strcmp(s, v->source) == 0) {
				mlf_resolve_uri(p, i, mlf_logged_uri(v->logged), "", "the logged model");
				return;
			}
			qn = mlf_escape(t);
			if (qn == NULL || strlen(qn) > 900) {
				free(qn);
				mlf_unverified(v, "source %.200s: not a logged model id", v->source);
				return;
			}
			snprintf(path, sizeof path, "/api/2.0/mlflow/logged-models/%s", qn);
			free(qn);
			mlf_page_call(p, i, 1, "GET", path, NULL, mlf_src_logged_done);
			return;
		}
		if (at != NULL) {
			mlf_unverified(v, "source %.200s names an alias, which can move: steward digests fixed sources only",
				       s);
			return;
		}
		if (slash != NULL && slash[1] != '\0' && strspn(slash + 1, "0123456789") == strlen(slash + 1) &&
		    slash > t) {
			char name[600], *qv;

			if ((size_t)(slash - t) >= sizeof name) {
				mlf_unverified(v, "source %.200s: the model name is too long", s);
				return;
			}
			memcpy(name, t, (size_t)(slash - t));
			name[slash - t] = '\0';
			qn = mlf_escape(name);
			qv = mlf_escape(slash + 1);
			if (qn == NULL || qv == NULL) {
				free(qn);
				free(qv);
				mlf_fatal(p, "out of memory");
				return;
			}
			snprintf(path, sizeof path, "/api/2.0/mlflow/model-versions/get?name=%s&version=%.30s", qn, qv);
			free(qn);
			free(qv);
			mlf_page_call(p, i, 1, "GET", path, NULL, mlf_src_version_done);
			return;
		}
		mlf_unverified(v,
			       "source %.200s names a stage or the latest version, which can move: steward digests fixed sources only",
			       s);
		return;
	}
	mlf_unverified(v,
		       "artifacts at %.200s are not served by the tracking server's artifact proxy (mlflow-artifacts:, runs:/ and models:/ sources are)",
		       s);
}

static void mlf_hash_done(struct mlf *m, struct mlf_xfer *x)
{
	struct mlf_page *p = x->owner;
	struct mlf_ver *v = &p->v[x->index];
	uint8_t h[32];

	(void)m;
	v->pending--;
	if (v->dead)
		return;
	if (x->rc != CURLE_OK || x->code >= 400) {
		char why[300];

		if (x->rc == CURLE_OK)
			snprintf(why, sizeof why, "MLflow answered %ld", x->code);
		else if (x->b.too_big)
			snprintf(why, sizeof why, "larger than %u bytes", MLF_MAX_ARTIFACT);
		else
			snprintf(why, sizeof why, "%s", curl_easy_strerror(x->rc));
		mlf_unverified(v, "downloading artifact %.200s of %.100s: %s", v->files[x->sub].path, v->source, why);
		return;
	}
	crypto_hash_sha256_final(&x->sha, h);
	sodium_bin2hex(v->files[x->sub].hex, sizeof v->files[x->sub].hex, h, sizeof h);
	v->files[x->sub].size = (int64_t)x->b.hashed;
	mlf_settle(v);
}

/* Queues the download of file f of version i, hashed as it arrives. */
static void mlf_fetch(struct mlf_page *p, size_t i, size_t f)
{
	struct mlf_ver *v = &p->v[i];
	size_t n = strlen(v->root) + strlen(v->files[f].path) + 2, k;
	char *full = malloc(n), *q, *path;
	struct mlf_xfer *x;

	if (full == NULL) {
		mlf_fatal(p, "out of memory");
		return;
	}
	snprintf(full, n, "%s/%s", v->root, v->files[f].path);
	q = mlf_escape_path(full);
	free(full);
	if (q == NULL) {
		mlf_fatal(p, "out of memory");
		return;
	}
	k = strlen(q) + 64;
	path = malloc(k);
	if (path == NULL) {
		free(q);
		mlf_fatal(p, "out of memory");
		return;
	}
	snprintf(path, k, "/api/2.0/mlflow-artifacts/artifacts/%s", q);
	free(q);
	x = mlf_xfer_new("GET", path, NULL, mlf_hash_done, p, i);
	free(path);
	if (x == NULL) {
		mlf_fatal(p, "out of memory");
		return;
	}
	x->sub = f;
	x->dead = &v->dead;
	x->weight = v->files[f].size > 0 ? v->files[f].size : 0;
	crypto_hash_sha256_init(&x->sha);
	x->b.sha = &x->sha;
	v->pending++;
	mlf_submit(p->s->m, x);
}

static void mlf_list_done(struct mlf *m, struct mlf_xfer *x)
{
	struct mlf_page *p = x->owner;
	struct mlf_ver *v = &p->v[x->index];
	const char *rel = x->tag;
	char why[500];
	json_t *j, *f;
	size_t k;

	(void)m;
	v->pending--;
	if (v->dead)
		return;
	j = mlf_answer(x, why, sizeof why, NULL, 0);
	if (j == NULL) {
		mlf_unverified(v, "listing the artifacts of %.150s: %s", v->source, why);
		return;
	}
	json_array_foreach(json_object_get(j, "files"), k, f) {
		const char *e = json_string_value(json_object_get(f, "path")), *base;
		size_t n;
		char *sub;

		/* Listings name entries relative to the listed directory. */
		base = e != NULL && strrchr(e, '/') != NULL ? strrchr(e, '/') + 1 : e;
		if (base == NULL || base[0] == '\0' || strcmp(base, ".") == 0 || strcmp(base, "..") == 0) {
			mlf_unverified(v, "the artifact listing of %.200s has a bad path", v->source);
			break;
		}
		n = strlen(rel) + strlen(base) + 2;
		sub = malloc(n);
		if (sub == NULL) {
			mlf_fatal(p, "out of memory");
			break;
		}
		snprintf(sub, n, "%s%s%s", rel, rel[0] ? "/" : "", base);
		if (json_is_true(json_object_get(f, "is_dir"))) {
			mlf_list_dir(p, x->index, sub);
			free(sub);
			continue;
		}
		if (v->nfiles >= MLF_MAX_FILES) {
			free(sub);
			mlf_unverified(v, "more than %d artifact files under %.200s", MLF_MAX_FILES, v->source);
			break;
		}
		if (v->nfiles == v->capfiles) {
			size_t cap = v->capfiles ? v->capfiles * 2 : 16;
			struct mlf_file *nf = realloc(v->files, cap * sizeof *nf);

			if (nf == NULL) {
				free(sub);
				mlf_fatal(p, "out of memory");
				break;
			}
			v->files = nf;
			v->capfiles = cap;
		}
		v->files[v->nfiles].path = sub;
		v->files[v->nfiles].size = json_integer_value(json_object_get(f, "file_size"));
		v->files[v->nfiles].hex[0] = '\0';
		mlf_fetch(p, x->index, v->nfiles++);
	}
	json_decref(j);
	mlf_settle(v);
}

/* Queues the listing of directory rel (relative to the root) of version i. */
static void mlf_list_dir(struct mlf_page *p, size_t i, const char *rel)
{
	struct mlf_ver *v = &p->v[i];
	size_t n = strlen(v->root) + strlen(rel) + 2, k;
	char *full = malloc(n), *q, *path;
	struct mlf_xfer *x;

	if (full == NULL) {
		mlf_fatal(p, "out of memory");
		return;
	}
	snprintf(full, n, "%s%s%s", v->root, rel[0] ? "/" : "", rel);
	q = mlf_escape(full);
	free(full);
	if (q == NULL) {
		mlf_fatal(p, "out of memory");
		return;
	}
	k = strlen(q) + 64;
	path = malloc(k);
	if (path == NULL) {
		free(q);
		mlf_fatal(p, "out of memory");
		return;
	}
	snprintf(path, k, "/api/2.0/mlflow-artifacts/artifacts?path=%s", q);
	free(q);
	x = mlf_xfer_new("GET", path, NULL, mlf_list_done, p, i);
	free(path);
	if (x == NULL || (x->tag = strdup(rel)) == NULL) {
		if (x != NULL)
			mlf_xfer_free(x);
		mlf_fatal(p, "out of memory");
		return;
	}
	x->dead = &v->dead;
	v->pending++;
	mlf_submit(p->s->m, x);
}

/* ---- runs and logged models of a page ---- */

static void mlf_runs_done(struct mlf *m, struct mlf_xfer *x)
{
	struct mlf_page *p = x->owner;
	char why[500];
	json_t *j = mlf_answer(x, why, sizeof why, NULL, 0), *r;
	size_t k;

	(void)m;
	/* A search that fails is no loss: the runs it missed are asked for one by one. */
	json_array_foreach(json_object_get(j, "runs"), k, r) {
		const char *id = json_string_value(json_object_get(json_object_get(r, "info"), "run_id"));

		if (id != NULL && json_object_set(p->runs, id, r) != 0)
			mlf_fatal(p, "out of memory");
	}
	json_decref(j);
}

static void mlf_run_done(struct mlf *m, struct mlf_xfer *x)
{
	struct mlf_page *p = x->owner;
	char why[500], ec[64];
	json_t *j = mlf_answer(x, why, sizeof why, ec, sizeof ec), *r = json_object_get(j, "run");
	const char *id = json_string_value(json_object_get(json_object_get(r, "info"), "run_id"));

	(void)m;
	if (j == NULL) {
		/* A run deleted for good leaves its versions without metrics; any other failure stops the sync. */
		if (strcmp(ec, "RESOURCE_DOES_NOT_EXIST") != 0)
			mlf_fatal(p, why);
		return;
	}
	if (id != NULL && json_object_set(p->runs, id, r) != 0)
		mlf_fatal(p, "out of memory");
	json_decref(j);
}

static void mlf_logged_done(struct mlf *m, struct mlf_xfer *x)
{
	struct mlf_page *p = x->owner;
	struct mlf_ver *v = &p->v[x->index];
	char why[500];

	(void)m;
	/* Without it the version still has its run's metrics; resolving its
	 * source asks again and says why it could not be read. */
	v->logged = mlf_answer(x, why, sizeof why, NULL, 0);
}

/* Every experiment id (runs/search wants them named), deleted ones too. */
static int mlf_experiments(struct mlf_sync *s, char *err, size_t errn)
{
	char token[1024] = "";
	json_t *e, *j;
	size_t i;

	s->exps = json_array();
	if (s->exps == NULL)
		return mlf_err(err, errn, "out of memory");
	do {
		json_t *req = json_pack("{s:i, s:s}", "max_results", MLF_PAGE, "view_type", "ALL");
		char *body;

		if (req != NULL && token[0] != '\0' && json_object_set_new(req, "page_token", json_string(token)) != 0) {
			json_decref(req);
			req = NULL;
		}
		body = req != NULL ? json_dumps(req, JSON_COMPACT) : NULL;
		json_decref(req);
		if (body == NULL)
			return mlf_err(err, errn, "out of memory");
		j = mlf_call(s->m, "POST", "/api/2.0/mlflow/experiments/search", body, err, errn);
		free(body);
		if (j == NULL)
			return -1;
		json_array_foreach(json_object_get(j, "experiments"), i, e)
			if (json_is_string(json_object_get(e, "experiment_id")) &&
			    json_array_append(s->exps, json_object_get(e, "experiment_id")) != 0) {
				json_decref(j);
				return mlf_err(err, errn, "out of memory");
			}
		snprintf(token, sizeof token, "%s",
			 json_string_value(json_object_get(j, "next_page_token")) ? json_string_value(json_object_get(j, "next_page_token")) : "");
		json_decref(j);
	} while (token[0] != '\0');
	return 0;
}

/* The page's runs in runs/search calls of MLF_RUN_BATCH ids, then one by
 * one those a search did not return (other ids, a failed search); the
 * LoggedModels of models:/m-<id> sources alongside. All in parallel. */
static int mlf_page_runs(struct mlf_page *p, char *err, size_t errn)
{
	struct mlf_sync *s = p->s;
	json_t *want = json_object(), *hex = json_array();
	size_t i, k;
	const char *id;
	json_t *val;
	int rc = -1;

	if (want == NULL || hex == NULL)
		goto oom;
	for (i = 0; i < p->n; i++) {
		id = p->v[i].run_id;
		if (id == NULL || id[0] == '\0' || json_object_get(want, id) != NULL)
			continue;
		if (json_object_set_new(want, id, json_true()) != 0 ||
		    (mlf_hex_id(id) && json_array_append_new(hex, json_string(id)) != 0))
			goto oom;
	}
	if (json_array_size(hex) > 0 && s->exps == NULL && mlf_experiments(s, err, errn) != 0) {
		/* Without the experiments the runs are asked for one by one. */
		json_decref(s->exps);
		s->exps = json_array();
		if (s->exps == NULL)
			goto oom;
	}
	for (i = 0; json_array_size(s->exps) > 0 && i < json_array_size(hex); i += MLF_RUN_BATCH) {
		char *filter = NULL, *body;
		size_t flen = 0;
		FILE *f = open_memstream(&filter, &flen);
		json_t *req;

		if (f == NULL)
			goto oom;
		fputs("attributes.run_id IN (", f);
		for (k = i; k < i + MLF_RUN_BATCH && k < json_array_size(hex); k++)
			fprintf(f, "%s'%s'", k > i ? "," : "", json_string_value(json_array_get(hex, k)));
		fputs(")", f);
		if (fclose(f) != 0) {
			free(filter);
			goto oom;
		}
		req = json_pack("{s:O, s:s, s:i, s:s}", "experiment_ids", s->exps, "filter", filter, "max_results",
				MLF_RUN_BATCH, "run_view_type", "ALL");
		free(filter);
		body = req ? json_dumps(req, JSON_COMPACT) : NULL;
		json_decref(req);
		if (body == NULL)
			goto oom;
		mlf_page_call(p, 0, 0, "POST", "/api/2.0/mlflow/runs/search", body, mlf_runs_done);
		free(body);
	}
	for (i = 0; i < p->n; i++) {
		const char *src = p->v[i].source;
		char path[1100], *q;

		if (src == NULL || strncmp(src, "models:/m-", 10) != 0 || strchr(src + 8, '/') != NULL)
			continue;
		q = mlf_escape(src + 8);
		if (q == NULL)
			goto oom;
		if (strlen(q) < 900) {
			snprintf(path, sizeof path, "/api/2.0/mlflow/logged-models/%s", q);
			mlf_page_call(p, i, 0, "GET", path, NULL, mlf_logged_done);
		}
		free(q);
	}
	if (mlf_drive(s->m, err, errn) != 0)
		goto out;
	if (p->fatal)
		goto fatal;
	json_object_foreach(want, id, val) {
		char path[400], *q;

		if (json_object_get(p->runs, id) != NULL)
			continue;
		q = mlf_escape(id);
		if (q == NULL)
			goto oom;
		if (strlen(q) < 300) {
			snprintf(path, sizeof path, "/api/2.0/mlflow/runs/get?run_id=%s", q);
			mlf_page_call(p, 0, 0, "GET", path, NULL, mlf_run_done);
		}
		free(q);
	}
	if (mlf_drive(s->m, err, errn) != 0)
		goto out;
	if (p->fatal)
		goto fatal;
	for (i = 0; i < p->n; i++)
		if (p->v[i].run_id != NULL)
			p->v[i].run = json_incref(json_object_get(p->runs, p->v[i].run_id));
	rc = 0;
	goto out;
oom:
	mlf_err(err, errn, "out of memory");
	goto out;
fatal:
	snprintf(err, errn, "%s", p->err);
out:
	json_decref(want);
	json_decref(hex);
	return rc;
}

/* ---- handing a version over ---- */

/* Where a metric without its own dataset link was measured, in this order:
 * the run's steward.dataset tag (said for steward on purpose); the run's
 * one dataset input logged for evaluation (context eval, evaluation,
 * validation or test), else its only dataset input unless that was
 * training data; the run's dataset parameter. NULL: none known. */
static const char *mlf_dataset(json_t *run)
{
	json_t *data = json_object_get(run, "data"), *in;
	const char *t = mlf_tag(json_object_get(data, "tags"), "steward.dataset"), *eval = NULL, *only = NULL,
		   *only_ctx = NULL;
	int neval = 0, nall = 0;
	size_t i;

	if (t != NULL && t[0] != '\0')
		return t;
	json_array_foreach(json_object_get(json_object_get(run, "inputs"), "dataset_inputs"), i, in) {
		const char *name = json_string_value(json_object_get(json_object_get(in, "dataset"), "name")),
			   *ctx = mlf_tag(json_object_get(in, "tags"), "mlflow.data.context");

		if (name == NULL || name[0] == '\0')
			continue;
		if (ctx != NULL && (strcmp(ctx, "eval") == 0 || strcmp(ctx, "evaluation") == 0 ||
				    strcmp(ctx, "validation") == 0 || strcmp(ctx, "test") == 0)) {
			if (eval == NULL || strcmp(eval, name) != 0)
				neval++;
			eval = name;
		}
		if (only == NULL || strcmp(only, name) != 0)
			nall++;
		only = name;
		only_ctx = ctx;
	}
	if (neval == 1)
		return eval;
	if (neval == 0 && nall == 1 && (only_ctx == NULL || (strcmp(only_ctx, "train") != 0 && strcmp(only_ctx, "training") != 0)))
		return only;
	t = mlf_tag(json_object_get(data, "params"), "dataset");
	return t != NULL && t[0] != '\0' ? t : NULL;
}

/* a later than b: a higher step, or the same step logged later. */
static int mlf_later(json_t *a, json_t *b)
{
	json_int_t sa = json_integer_value(json_object_get(a, "step")), sb = json_integer_value(json_object_get(b, "step"));

	if (sa != sb)
		return sa > sb;
	return json_integer_value(json_object_get(a, "timestamp")) > json_integer_value(json_object_get(b, "timestamp"));
}

struct mlf_metric {
	json_t *m;          /* borrowed */
	const char *key, *dataset;
};

/* Metrics: "NAME" is the whole dataset, "NAME/KEY:VALUE" the slice
 * KEY=VALUE. MLflow 3 links metrics logged with a dataset to the logged
 * model: those are handed over once per dataset (the latest step of each),
 * the run's other metrics with the dataset mlf_dataset() finds. */
static int mlf_metrics(struct mlf_sync *s, struct mlf_ver *v, char *err, size_t errn)
{
	json_t *lm = json_object_get(json_object_get(json_object_get(v->logged, "model"), "data"), "metrics"),
	       *rm = json_object_get(json_object_get(v->run, "data"), "metrics"), *seen = json_object(), *x;
	const char *fallback = mlf_dataset(v->run);
	struct mlf_metric *list = calloc(json_array_size(lm) + json_array_size(rm) + 1, sizeof *list);
	size_t n = 0, i, k;
	int rc = 0;

	if (seen == NULL || list == NULL) {
		json_decref(seen);
		free(list);
		return mlf_err(err, errn, "out of memory");
	}
	json_array_foreach(lm, i, x) {
		const char *key = json_string_value(json_object_get(x, "key")),
			   *ds = json_string_value(json_object_get(x, "dataset_name"));

		if (key == NULL || !json_is_number(json_object_get(x, "value")))
			continue;
		ds = ds != NULL ? ds : "";
		for (k = 0; k < n && (strcmp(list[k].key, key) != 0 || strcmp(list[k].dataset, ds) != 0); k++)
			;
		if (k < n) {
			if (mlf_later(x, list[k].m))
				list[k].m = x;
			continue;
		}
		list[n].m = x;
		list[n].key = key;
		list[n++].dataset = ds;
		if (json_object_set_new(seen, key, json_true()) != 0)
			rc = mlf_err(err, errn, "out of memory");
	}
	json_array_foreach(rm, i, x) {
		const char *key = json_string_value(json_object_get(x, "key"));

		if (key == NULL || !json_is_number(json_object_get(x, "value")) || json_object_get(seen, key) != NULL)
			continue;
		list[n].m = x;
		list[n].key = key;
		list[n++].dataset = "";
	}
	for (i = 0; rc == 0 && i < n; i++) {
		const char *key = list[i].key, *slash = strchr(key, '/');
		struct steward_metric_rec r = { .model = v->model, .version = v->num };
		char name[256], slice[256];

		r.dataset = list[i].dataset[0] ? list[i].dataset : fallback ? fallback : "";
		snprintf(name, sizeof name, "%.*s", slash ? (int)(slash - key) : (int)strlen(key), key);
		r.name = name;
		/* MLflow keys cannot hold '=': "auc/region:EU" is slice region=EU. */
		snprintf(slice, sizeof slice, "%s", slash ? slash + 1 : "");
		if (strchr(slice, ':') != NULL)
			*strchr(slice, ':') = '=';
		r.slice = slice;
		r.value = json_number_value(json_object_get(list[i].m, "value"));
		if (s->sink->metric(s->sink->ctx, &r) != 0)
			rc = mlf_err(err, errn, "metric %s of %s v%" PRId64 " refused: %s", key, v->model, v->num,
				     s->sink->message(s->sink->ctx));
	}
	json_decref(seen);
	free(list);
	return rc;
}

static int mlf_cmp_tag(const void *a, const void *b)
{
	const char *ka = json_string_value(json_object_get(*(json_t *const *)a, "key")),
		   *kb = json_string_value(json_object_get(*(json_t *const *)b, "key"));

	return strcmp(ka ? ka : "", kb ? kb : "");
}

static void mlf_hash_str(crypto_hash_sha256_state *h, const char *s)
{
	/* NUL-terminated: "ab"+"c" and "a"+"bc" differ */
	crypto_hash_sha256_update(h, (const unsigned char *)(s ? s : ""), strlen(s ? s : "") + 1);
}

/* The version's stamp: its last_updated_timestamp, plus a hash of what
 * can change without moving it (MLflow sets and deletes version tags
 * without touching the timestamp). What the run and a logged model hold
 * is not in it: a full pass reads those again. */
static int mlf_stamp(json_t *v, char *out, size_t n)
{
	crypto_hash_sha256_state h;
	json_t *tags = json_object_get(v, "tags"), **sorted;
	size_t nt = json_array_size(tags), i;
	uint8_t d[32];
	char hex[65];

	sorted = calloc(nt + 1, sizeof *sorted);
	if (sorted == NULL)
		return -1;
	for (i = 0; i < nt; i++)
		sorted[i] = json_array_get(tags, i);
	qsort(sorted, nt, sizeof *sorted, mlf_cmp_tag);
	crypto_hash_sha256_init(&h);
	mlf_hash_str(&h, json_string_value(json_object_get(v, "source")));
	mlf_hash_str(&h, json_string_value(json_object_get(v, "run_id")));
	mlf_hash_str(&h, json_string_value(json_object_get(v, "status")));
	mlf_hash_str(&h, json_string_value(json_object_get(v, "user_id")));
	mlf_hash_str(&h, json_string_value(json_object_get(v, "description")));
	for (i = 0; i < nt; i++) {
		mlf_hash_str(&h, json_string_value(json_object_get(sorted[i], "key")));
		mlf_hash_str(&h, json_string_value(json_object_get(sorted[i], "value")));
	}
	free(sorted);
	crypto_hash_sha256_final(&h, d);
	sodium_bin2hex(hex, sizeof hex, d, sizeof d);
	snprintf(out, n, "%" JSON_INTEGER_FORMAT ".%.16s", json_integer_value(json_object_get(v, "last_updated_timestamp")),
		 hex);
	return 0;
}

static int mlf_hand_over(struct mlf_sync *s, struct mlf_ver *v, char *err, size_t errn)
{
	const struct steward_sink *sink = s->sink;
	json_t *tags = json_object_get(v->v, "tags"), *t, *info = json_object_get(v->run, "info");
	const char *desc = json_string_value(json_object_get(v->v, "description")),
		   *status = json_string_value(json_object_get(info, "status"));
	struct steward_kv kv[64];
	struct steward_version_rec r;
	char stamp[96];
	size_t i, nkv = 0;

	memset(&r, 0, sizeof r);
	r.model = v->model;
	r.version = v->num;
	r.source = v->source ? v->source : "";
	r.run_id = v->run_id;
	/* Who made it: steward.author, else the version's user_id (MLflow's own
	 * server leaves it empty), else the run's user_id (what MLflow's client
	 * fills from the mlflow.user tag); else unknown, and the duties rule
	 * says UNKNOWN rather than passing on missing data. */
	r.author = mlf_who(mlf_tag(tags, "steward.author"));
	if (r.author == NULL)
		r.author = mlf_who(json_string_value(json_object_get(v->v, "user_id")));
	if (r.author == NULL)
		r.author = mlf_who(json_string_value(json_object_get(info, "user_id")));
	r.card = desc != NULL && desc[0] != '\0' ? desc : NULL;
	r.created = json_integer_value(json_object_get(v->v, "creation_timestamp")) / 1000;
	json_array_foreach(tags, i, t) {
		const char *k = json_string_value(json_object_get(t, "key")), *val = json_string_value(json_object_get(t, "value"));

		/* steward's own decision tags are ours, not the backend's data. */
		if (k != NULL && val != NULL && nkv < sizeof kv / sizeof kv[0] && strncmp(k, "steward.", 8) != 0) {
			kv[nkv].key = k;
			kv[nkv++].value = val;
		}
	}
	r.tags = kv;
	r.ntags = nkv;
	if (v->d == MLF_D_DONE)
		r.digest = v->digest;
	else if (v->d == MLF_D_EMPTY)
		sink->digest_note(sink->ctx, v->model, v->num, "empty", v->reason);
	else if (v->d == MLF_D_UNVERIFIED)
		sink->digest_note(sink->ctx, v->model, v->num, "unverified", v->reason);
	/* MLF_D_NONE: the core keeps the digest it verified from this source. */
	if (sink->version(sink->ctx, &r) != 0)
		return mlf_err(err, errn, "version %s v%" PRId64 " refused: %s", v->model, v->num, sink->message(sink->ctx));
	if (mlf_metrics(s, v, err, errn) != 0)
		return -1;
	/* A run still going may log more without moving the version's stamp:
	 * its stamp is one no later sync computes, so it is read in full
	 * again until the run has ended. */
	snprintf(stamp, sizeof stamp, "%s%s",
		 status != NULL && (strcmp(status, "RUNNING") == 0 || strcmp(status, "SCHEDULED") == 0) ? "open:" : "",
		 v->stamp);
	sink->stamp(sink->ctx, v->model, v->num, stamp);
	return 0;
}

static void mlf_page_free(struct mlf_page *p)
{
	size_t i, k;

	for (i = 0; i < p->n; i++) {
		struct mlf_ver *v = &p->v[i];

		json_decref(v->run);
		json_decref(v->logged);
		free(v->src);
		free(v->root);
		for (k = 0; k < v->nfiles; k++)
			free(v->files[k].path);
		free(v->files);
	}
	free(p->v);
	json_decref(p->runs);
}

/* One page of versions: those unchanged since the last sync are skipped;
 * the others' runs and logged models are read, their artifacts listed and
 * digested (all in parallel), then each is handed over in page order. */
static int mlf_page(struct mlf_sync *s, json_t *list, char *err, size_t errn)
{
	const struct steward_sink *sink = s->sink;
	struct mlf_page p = { .s = s };
	json_t *v;
	size_t i;
	int rc = -1;

	p.runs = json_object();
	p.v = calloc(json_array_size(list) + 1, sizeof *p.v);
	if (p.runs == NULL || p.v == NULL) {
		mlf_page_free(&p);
		return mlf_err(err, errn, "out of memory");
	}
	json_array_foreach(list, i, v) {
		const char *model = json_string_value(json_object_get(v, "name")),
			   *vs = json_string_value(json_object_get(v, "version"));
		struct mlf_ver *w = &p.v[p.n];
		long long num;
		char *end;

		if (model == NULL || vs == NULL) {
			mlf_err(err, errn, "a model version without name or version");
			goto out;
		}
		/* Versions of models not handed over (created since the model list was read, or prompts) wait for the next sync. */
		if (json_object_get(s->known, model) == NULL)
			continue;
		errno = 0;
		num = strtoll(vs, &end, 10);
		if (*end != '\0' || num <= 0 || errno != 0) {
			mlf_err(err, errn, "model %s has a version '%s' that is not a number", model, vs);
			goto out;
		}
		if (mlf_stamp(v, w->stamp, sizeof w->stamp) != 0) {
			mlf_err(err, errn, "out of memory");
			goto out;
		}
		if (sink->unchanged(sink->ctx, model, num, w->stamp)) {
			sink->progress(sink->ctx, "versions", ++s->done, 0);
			continue;
		}
		w->v = v;
		w->model = model;
		w->num = num;
		w->source = json_string_value(json_object_get(v, "source"));
		w->run_id = json_string_value(json_object_get(v, "run_id"));
		p.n++;
	}
	if (p.n == 0) {
		rc = 0;
		goto out;
	}
	if (mlf_page_runs(&p, err, errn) != 0)
		goto out;
	for (i = 0; i < p.n; i++) {
		struct mlf_ver *w = &p.v[i];

		if (!s->m->verify_artifacts)
			continue;
		if (w->source == NULL || w->source[0] == '\0') {
			mlf_unverified(w, "the version has no source");
			continue;
		}
		/* Bytes already digested from the same source are not fetched again. */
		if (sink->have_digest(sink->ctx, w->model, w->num, w->source))
			continue;
		w->d = MLF_D_WORK;
		mlf_resolve_to(&p, i, w->source);
		mlf_settle(w);
	}
	if (mlf_drive(s->m, err, errn) != 0)
		goto out;
	if (p.fatal) {
		snprintf(err, errn, "%s", p.err);
		goto out;
	}
	for (i = 0; i < p.n; i++) {
		if (sink->cancelled(sink->ctx)) {
			mlf_err(err, errn, "cancelled");
			goto out;
		}
		/* Never a digest of nothing: a version still being worked on here is a bug, said as such. */
		if (p.v[i].d == MLF_D_WORK)
			mlf_unverified(&p.v[i], "the artifacts of %.200s were not all read", p.v[i].source);
		if (mlf_hand_over(s, &p.v[i], err, errn) != 0)
			goto out;
		sink->progress(sink->ctx, "versions", ++s->done, 0);
	}
	rc = 0;
out:
	mlf_page_free(&p);
	return rc;
}

/* ---- sync ---- */

static int mlf_sync_all(struct mlf_sync *s, char *err, size_t errn)
{
	struct mlf *m = s->m;
	const struct steward_sink *sink = s->sink;
	char token[1024] = "", api[4096];
	json_t *j = NULL, *rm, *all = json_array();
	size_t i, k;
	int rc = -1;

	if (all == NULL)
		return mlf_err(err, errn, "out of memory");
	/* Every page first: a model list that changes mid-sync must not be half-read. */
	do {
		char *qt = mlf_escape(token);

		if (qt == NULL)
			goto oom;
		snprintf(api, sizeof api, "/api/2.0/mlflow/registered-models/search?max_results=%d%s%s", MLF_PAGE,
			 token[0] ? "&page_token=" : "", token[0] ? qt : "");
		free(qt);
		j = mlf_call(m, "GET", api, NULL, err, errn);
		if (j == NULL)
			goto out;
		if (!json_is_array(json_object_get(j, "registered_models")) && json_object_get(j, "registered_models") != NULL) {
			json_decref(j);
			mlf_err(err, errn, "MLflow's registered_models is not a list");
			goto out;
		}
		if (json_object_get(j, "registered_models") != NULL && json_array_extend(all, json_object_get(j, "registered_models")) != 0) {
			json_decref(j);
			goto oom;
		}
		snprintf(token, sizeof token, "%s",
			 json_string_value(json_object_get(j, "next_page_token")) ? json_string_value(json_object_get(j, "next_page_token")) : "");
		json_decref(j);
	} while (token[0] != '\0');
	json_array_foreach(all, i, rm) {
		const char *name = json_string_value(json_object_get(rm, "name"));
		json_t *tags = json_object_get(rm, "tags");
		struct steward_model_rec r;

		if (name == NULL) {
			mlf_err(err, errn, "a registered model without a name");
			goto out;
		}
		r.name = name;
		r.tier = mlf_tag(tags, "steward.tier");
		r.owner = mlf_tag(tags, "steward.owner");
		r.description = json_string_value(json_object_get(rm, "description"));
		if (sink->model(sink->ctx, &r) != 0) {
			/* name lives in all, which outlives the message. */
			mlf_err(err, errn, "model %s refused: %s", name, sink->message(sink->ctx));
			goto out;
		}
		if (json_object_set_new(s->known, name, json_true()) != 0)
			goto oom;
	}
	/* Every version of every model in pages of MLF_PAGE, in a fixed order
	 * (page tokens are offsets: a version that changes mid-paging is
	 * neither skipped nor read twice). No name goes into a filter, so any
	 * name MLflow accepts works. */
	token[0] = '\0';
	do {
		char *qt = mlf_escape(token);

		if (qt == NULL)
			goto oom;
		snprintf(api, sizeof api,
			 "/api/2.0/mlflow/model-versions/search?max_results=%d"
			 "&order_by=name%%20ASC&order_by=version_number%%20ASC%s%s",
			 MLF_PAGE, token[0] ? "&page_token=" : "", token[0] ? qt : "");
		free(qt);
		j = mlf_call(m, "GET", api, NULL, err, errn);
		if (j == NULL)
			goto out;
		if (mlf_page(s, json_object_get(j, "model_versions"), err, errn) != 0) {
			json_decref(j);
			goto out;
		}
		snprintf(token, sizeof token, "%s",
			 json_string_value(json_object_get(j, "next_page_token")) ? json_string_value(json_object_get(j, "next_page_token")) : "");
		json_decref(j);
	} while (token[0] != '\0');
	json_array_foreach(all, i, rm) {
		const char *name = json_string_value(json_object_get(rm, "name"));
		json_t *al;

		json_array_foreach(json_object_get(rm, "aliases"), k, al) {
			const char *alias = json_string_value(json_object_get(al, "alias")),
				   *ver = json_string_value(json_object_get(al, "version"));
			struct steward_alias_rec ar = { .model = name, .alias = alias };

			if (alias == NULL || ver == NULL)
				continue;
			ar.version = strtoll(ver, NULL, 10);
			if (sink->alias(sink->ctx, &ar) != 0) {
				mlf_err(err, errn, "alias %s of %s refused: %s", alias, name, sink->message(sink->ctx));
				goto out;
			}
		}
	}
	rc = 0;
	goto out;
oom:
	mlf_err(err, errn, "out of memory");
out:
	json_decref(all);
	return rc;
}

static int mlf_sync(void *state, const struct steward_sink *sink, char *err, size_t errn)
{
	struct mlf *m = state;
	struct mlf_sync s = { .m = m, .sink = sink };
	int rc;

	s.known = json_object();
	if (s.known == NULL)
		return mlf_err(err, errn, "out of memory");
	m->sink = sink;
	rc = mlf_sync_all(&s, err, errn);
	m->sink = NULL;
	mlf_abort(m);
	json_decref(s.known);
	json_decref(s.exps);
	return rc;
}

/* ---- acts ---- */

/* POSTs req (taken over) and ignores MLflow's empty answer. */
static int mlf_post(struct mlf *m, const char *path, json_t *req, char *err, size_t errn)
{
	char *body = req ? json_dumps(req, JSON_COMPACT) : NULL;
	json_t *j;

	json_decref(req);
	if (body == NULL)
		return mlf_err(err, errn, "out of memory");
	j = mlf_call(m, "POST", path, body, err, errn);
	free(body);
	if (j == NULL)
		return -1;
	json_decref(j);
	return 0;
}

static int mlf_act(void *state, const struct steward_act *a, char *err, size_t errn)
{
	struct mlf *m = state;
	char ver[32];
	size_t i;

	if (a->kind != STEWARD_ACT_SET_ALIAS)
		return mlf_err(err, errn, "the MLflow plugin cannot do act %d", (int)a->kind);
	snprintf(ver, sizeof ver, "%" PRId64, a->version);
	/* The alias first, then the evidence: a failed or stalled alias call
	 * then leaves no tags naming a ledger entry that was never written.
	 * If the alias moved but a tag call fails, the next sync sees an alias
	 * no decision explains (an unapproved change) and applying the same
	 * request again completes it, tags included. */
	if (mlf_post(m, "/api/2.0/mlflow/registered-models/alias",
		     json_pack("{s:s, s:s, s:s}", "name", a->model, "alias", a->alias, "version", ver), err, errn) != 0)
		return -1;
	for (i = 0; i < a->ntags; i++)
		if (mlf_post(m, "/api/2.0/mlflow/model-versions/set-tag",
			     json_pack("{s:s, s:s, s:s, s:s}", "name", a->model, "version", ver, "key", a->tags[i].key,
				       "value", a->tags[i].value),
			     err, errn) != 0) {
			char why[400];

			snprintf(why, sizeof why, "%s", err);
			snprintf(err, errn, "MLflow moved %s to version %s but refused its evidence tags (%.300s); apply the request again to complete it",
				 a->alias, ver, why);
			return -1;
		}
	return 0;
}

static const struct steward_plugin mlf_plugin = {
	.abi = STEWARD_PLUGIN_ABI,
	.name = "mlflow",
	.caps = STEWARD_CAP_REGISTRY | STEWARD_CAP_METRICS,
	.open = mlf_open,
	.close = mlf_close,
	.sync = mlf_sync,
	.act = mlf_act,
	.health = mlf_health,
};

const struct steward_plugin *steward_plugin_entry(void)
{
	return &mlf_plugin;
}
