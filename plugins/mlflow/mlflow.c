/* mlflow: the MLflow registry plugin: reads models, versions, runs and aliases over the REST API, digests artifacts through the artifact proxy, and sets aliases for governed decisions. */
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

#define MLF_PAGE 1000
#define MLF_MAX_BODY (64u << 20)   /* one REST response */
#define MLF_MAX_ARTIFACT (2u << 30) /* one artifact file, streamed into the hash */
#define MLF_MAX_FILES 10000

struct mlf {
	char url[1024];
	char token[2048];
	char user[256], pass[256];
	long connect_timeout, timeout;
	int verify_artifacts;
	CURL *curl;
	char health[512];
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

/* One HTTP exchange. body NULL means GET. Returns the parsed JSON
 * (or NULL with err naming what went wrong: transport, timeout, HTTP
 * status with MLflow's own error_code and message, malformed JSON). */
static json_t *mlf_call(struct mlf *m, const char *method, const char *path, const char *body, char *err, size_t errn)
{
	struct curl_slist *h = NULL;
	struct mlf_buf b = { 0 };
	char url[4096], auth[2200];
	json_error_t je;
	json_t *j = NULL;
	long code = 0;
	CURLcode rc;

	snprintf(url, sizeof url, "%s%s", m->url, path);
	curl_easy_reset(m->curl);
	curl_easy_setopt(m->curl, CURLOPT_URL, url);
	curl_easy_setopt(m->curl, CURLOPT_WRITEFUNCTION, mlf_write);
	curl_easy_setopt(m->curl, CURLOPT_WRITEDATA, &b);
	curl_easy_setopt(m->curl, CURLOPT_CONNECTTIMEOUT, m->connect_timeout);
	curl_easy_setopt(m->curl, CURLOPT_TIMEOUT, m->timeout);
	curl_easy_setopt(m->curl, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(m->curl, CURLOPT_PROTOCOLS_STR, "http,https");
	curl_easy_setopt(m->curl, CURLOPT_USERAGENT, "steward-mlflow/1");
	h = curl_slist_append(h, "Accept: application/json");
	if (m->token[0] != '\0') {
		snprintf(auth, sizeof auth, "Authorization: Bearer %s", m->token);
		h = curl_slist_append(h, auth);
		sodium_memzero(auth, sizeof auth);
	} else if (m->user[0] != '\0') {
		curl_easy_setopt(m->curl, CURLOPT_USERNAME, m->user);
		curl_easy_setopt(m->curl, CURLOPT_PASSWORD, m->pass);
	}
	if (body != NULL) {
		h = curl_slist_append(h, "Content-Type: application/json");
		curl_easy_setopt(m->curl, CURLOPT_CUSTOMREQUEST, method);
		curl_easy_setopt(m->curl, CURLOPT_POSTFIELDS, body);
	}
	curl_easy_setopt(m->curl, CURLOPT_HTTPHEADER, h);
	rc = curl_easy_perform(m->curl);
	curl_slist_free_all(h);
	curl_easy_getinfo(m->curl, CURLINFO_RESPONSE_CODE, &code);
	if (rc != CURLE_OK) {
		if (b.too_big)
			mlf_err(err, errn, "%s %s: response larger than %u bytes", method, path, MLF_MAX_BODY);
		else
			mlf_err(err, errn, "%s %s: %s", method, path, curl_easy_strerror(rc));
		free(b.s);
		return NULL;
	}
	if (b.s != NULL)
		j = json_loadb(b.s, b.len, 0, &je);
	if (code >= 400) {
		const char *ec = json_string_value(json_object_get(j, "error_code")),
			   *msg = json_string_value(json_object_get(j, "message"));

		if (ec != NULL || msg != NULL)
			mlf_err(err, errn, "MLflow answered %ld to %s %s: %s: %s", code, method, path, ec ? ec : "?",
				msg ? msg : "");
		else
			mlf_err(err, errn, "MLflow answered %ld to %s %s: %.200s", code, method, path, b.s ? b.s : "");
		json_decref(j);
		free(b.s);
		return NULL;
	}
	if (j == NULL || !json_is_object(j)) {
		mlf_err(err, errn, "MLflow's reply to %s %s is not a JSON object (%s at line %d column %d)", method, path,
			j == NULL ? je.text : "another type", je.line, je.column);
		json_decref(j);
		free(b.s);
		return NULL;
	}
	free(b.s);
	return j;
}

static void mlf_escape(CURL *c, const char *s, char *out, size_t n)
{
	char *e = curl_easy_escape(c, s, 0);

	snprintf(out, n, "%s", e != NULL ? e : "");
	curl_free(e);
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

static int mlf_open(const struct steward_kv *kv, size_t n, void **state, char *err, size_t errn)
{
	const char *url = mlf_kv(kv, n, "url"), *v;
	static const char *const known[] = { "url", "token_env", "username_env", "password_env", "connect_timeout",
					     "timeout", "verify_artifacts" };
	struct mlf *m;
	size_t i, k;

	for (i = 0; i < n; i++) {
		for (k = 0; k < sizeof known / sizeof known[0] && strcmp(kv[i].key, known[k]) != 0; k++)
			;
		if (k == sizeof known / sizeof known[0])
			return mlf_err(err, errn, "unknown key '%s' (known: url, token_env, username_env, password_env, connect_timeout, timeout, verify_artifacts)",
				       kv[i].key);
	}
	if (url == NULL || (strncmp(url, "http://", 7) != 0 && strncmp(url, "https://", 8) != 0))
		return mlf_err(err, errn, "url must be the tracking server's http:// or https:// address");
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
	m->verify_artifacts = 1;
	if ((v = mlf_kv(kv, n, "connect_timeout")) != NULL)
		m->connect_timeout = strtol(v, NULL, 10);
	if ((v = mlf_kv(kv, n, "timeout")) != NULL)
		m->timeout = strtol(v, NULL, 10);
	if ((v = mlf_kv(kv, n, "verify_artifacts")) != NULL)
		m->verify_artifacts = strcmp(v, "no") != 0 && strcmp(v, "false") != 0 && strcmp(v, "0") != 0;
	if (m->connect_timeout < 1 || m->connect_timeout > 300 || m->timeout < 1 || m->timeout > 3600) {
		free(m);
		return mlf_err(err, errn, "connect_timeout must be 1..300 and timeout 1..3600 seconds");
	}
	/* The host hands over the secret values under the *_env keys. */
	if ((v = mlf_kv(kv, n, "token_env")) != NULL)
		snprintf(m->token, sizeof m->token, "%s", v);
	if ((v = mlf_kv(kv, n, "username_env")) != NULL)
		snprintf(m->user, sizeof m->user, "%s", v);
	if ((v = mlf_kv(kv, n, "password_env")) != NULL)
		snprintf(m->pass, sizeof m->pass, "%s", v);
	curl_global_init(CURL_GLOBAL_DEFAULT);
	m->curl = curl_easy_init();
	if (m->curl == NULL) {
		free(m);
		return mlf_err(err, errn, "cannot initialise libcurl");
	}
	*state = m;
	return 0;
}

static void mlf_close(void *state)
{
	struct mlf *m = state;

	if (m == NULL)
		return;
	curl_easy_cleanup(m->curl);
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

/* ---- artifacts: a digest over a sorted manifest of (path, size, sha256) ---- */

struct mlf_file {
	char *path;
	int64_t size;
};

static int mlf_cmp_file(const void *a, const void *b)
{
	return strcmp(((const struct mlf_file *)a)->path, ((const struct mlf_file *)b)->path);
}

/* Lists every file under root (a path inside the artifact proxy). */
static int mlf_list(struct mlf *m, const char *root, const char *rel, struct mlf_file **files, size_t *n, char *err,
		    size_t errn)
{
	char path[4096], q[4096], api[4400];
	json_t *j, *arr, *f;
	size_t i;

	snprintf(path, sizeof path, "%s%s%s", root, rel[0] ? "/" : "", rel);
	mlf_escape(m->curl, path, q, sizeof q);
	snprintf(api, sizeof api, "/api/2.0/mlflow-artifacts/artifacts?path=%s", q);
	j = mlf_call(m, "GET", api, NULL, err, errn);
	if (j == NULL)
		return -1;
	arr = json_object_get(j, "files");
	json_array_foreach(arr, i, f) {
		const char *p = json_string_value(json_object_get(f, "path"));
		char sub[4096];

		if (p == NULL || strstr(p, "..") != NULL) {
			json_decref(j);
			return mlf_err(err, errn, "artifact listing of %s has a bad path", path);
		}
		/* Listings name entries relative to the listed directory. */
		snprintf(sub, sizeof sub, "%s%s%s", rel, rel[0] ? "/" : "", strrchr(p, '/') ? strrchr(p, '/') + 1 : p);
		if (json_is_true(json_object_get(f, "is_dir"))) {
			if (mlf_list(m, root, sub, files, n, err, errn) != 0) {
				json_decref(j);
				return -1;
			}
			continue;
		}
		if (*n >= MLF_MAX_FILES) {
			json_decref(j);
			return mlf_err(err, errn, "more than %d artifact files under %s", MLF_MAX_FILES, root);
		}
		{
			struct mlf_file *nv = realloc(*files, (*n + 1) * sizeof **files);

			if (nv == NULL) {
				json_decref(j);
				return mlf_err(err, errn, "out of memory");
			}
			*files = nv;
			nv[*n].path = strdup(sub);
			nv[(*n)++].size = json_integer_value(json_object_get(f, "file_size"));
		}
	}
	json_decref(j);
	return 0;
}

/* sha256 of one downloaded file, streamed. */
static int mlf_hash_file(struct mlf *m, const char *root, const char *rel, char hex[65], int64_t *size, char *err,
			 size_t errn)
{
	crypto_hash_sha256_state sha;
	struct mlf_buf b = { .sha = &sha };
	uint8_t h[32];
	char path[4096], q[4096], url[8192];
	long code = 0;
	CURLcode rc;
	size_t i, o = 0;

	if (snprintf(path, sizeof path, "%s/%s", root, rel) >= (int)sizeof path)
		return mlf_err(err, errn, "artifact path under %.100s is too long", root);
	/* Keep '/' between segments; escape the rest. */
	for (i = 0; path[i] != '\0' && o + 4 < sizeof q; i++) {
		unsigned char c = (unsigned char)path[i];

		if (isalnum(c) || c == '/' || c == '-' || c == '_' || c == '.' || c == '~')
			q[o++] = (char)c;
		else
			o += (size_t)snprintf(q + o, sizeof q - o, "%%%02X", c);
	}
	q[o] = '\0';
	snprintf(url, sizeof url, "%s/api/2.0/mlflow-artifacts/artifacts/%s", m->url, q);
	crypto_hash_sha256_init(&sha);
	curl_easy_reset(m->curl);
	curl_easy_setopt(m->curl, CURLOPT_URL, url);
	curl_easy_setopt(m->curl, CURLOPT_WRITEFUNCTION, mlf_write);
	curl_easy_setopt(m->curl, CURLOPT_WRITEDATA, &b);
	curl_easy_setopt(m->curl, CURLOPT_CONNECTTIMEOUT, m->connect_timeout);
	curl_easy_setopt(m->curl, CURLOPT_TIMEOUT, m->timeout);
	curl_easy_setopt(m->curl, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(m->curl, CURLOPT_PROTOCOLS_STR, "http,https");
	if (m->user[0] != '\0') {
		curl_easy_setopt(m->curl, CURLOPT_USERNAME, m->user);
		curl_easy_setopt(m->curl, CURLOPT_PASSWORD, m->pass);
	}
	{
		struct curl_slist *hd = NULL;
		char auth[2200];

		if (m->token[0] != '\0') {
			snprintf(auth, sizeof auth, "Authorization: Bearer %s", m->token);
			hd = curl_slist_append(hd, auth);
			sodium_memzero(auth, sizeof auth);
		}
		curl_easy_setopt(m->curl, CURLOPT_HTTPHEADER, hd);
		rc = curl_easy_perform(m->curl);
		curl_slist_free_all(hd);
	}
	curl_easy_getinfo(m->curl, CURLINFO_RESPONSE_CODE, &code);
	if (rc != CURLE_OK || code >= 400)
		return mlf_err(err, errn, "downloading artifact %s: %s", path,
			       rc != CURLE_OK ? curl_easy_strerror(rc) : "HTTP error");
	crypto_hash_sha256_final(&sha, h);
	sodium_bin2hex(hex, 65, h, sizeof h);
	*size = (int64_t)b.hashed;
	return 0;
}

/* The proxy path of a version's artifacts, from its source URI. */
static int mlf_artifact_root(struct mlf *m, const char *source, const char *run_id, char *out, size_t n, char *err,
			     size_t errn)
{
	const char *p;

	if (strncmp(source, "mlflow-artifacts:", 17) == 0) {
		p = source + 17;
		/* mlflow-artifacts:/x or mlflow-artifacts://host:port/x */
		if (strncmp(p, "//", 2) == 0) {
			p = strchr(p + 2, '/');
			if (p == NULL)
				return mlf_err(err, errn, "source %s names no path", source);
		}
		while (*p == '/')
			p++;
		if (strlen(p) >= n)
			return mlf_err(err, errn, "source %.100s... is too long", source);
		memcpy(out, p, strlen(p) + 1);
		return 0;
	}
	if (strncmp(source, "runs:/", 6) == 0 && run_id != NULL) {
		char api[512], root[2048];
		json_t *j;
		const char *uri, *rest = strchr(source + 6, '/');

		snprintf(api, sizeof api, "/api/2.0/mlflow/runs/get?run_id=%s", run_id);
		j = mlf_call(m, "GET", api, NULL, err, errn);
		if (j == NULL)
			return -1;
		uri = json_string_value(json_object_get(json_object_get(json_object_get(j, "run"), "info"), "artifact_uri"));
		if (uri == NULL || mlf_artifact_root(m, uri, NULL, root, sizeof root, err, errn) != 0) {
			json_decref(j);
			return uri == NULL ? mlf_err(err, errn, "run %s has no artifact_uri", run_id) : -1;
		}
		snprintf(out, n, "%s%s", root, rest ? rest : "");
		json_decref(j);
		return 0;
	}
	return mlf_err(err, errn, "artifacts at %s are not served by the tracking server's proxy", source);
}

/* sha256 over "path\tsize\tsha256hex\n" lines sorted by path: the digest
 * approvals bind to, computed from bytes steward has read itself. */
static int mlf_digest(struct mlf *m, const char *source, const char *run_id, char out[72], char *err, size_t errn)
{
	struct mlf_file *files = NULL;
	crypto_hash_sha256_state sha;
	char root[4096], hex[65], line[4300];
	uint8_t h[32];
	size_t n = 0, i;
	int rc = -1;

	if (mlf_artifact_root(m, source, run_id, root, sizeof root, err, errn) != 0)
		return -1;
	if (mlf_list(m, root, "", &files, &n, err, errn) != 0)
		goto out;
	if (n == 0) {
		mlf_err(err, errn, "no artifact files under %s", source);
		goto out;
	}
	qsort(files, n, sizeof *files, mlf_cmp_file);
	crypto_hash_sha256_init(&sha);
	for (i = 0; i < n; i++) {
		int64_t size = 0;

		if (mlf_hash_file(m, root, files[i].path, hex, &size, err, errn) != 0)
			goto out;
		snprintf(line, sizeof line, "%s\t%" PRId64 "\t%s\n", files[i].path, size, hex);
		crypto_hash_sha256_update(&sha, (const unsigned char *)line, strlen(line));
	}
	crypto_hash_sha256_final(&sha, h);
	sodium_bin2hex(hex, sizeof hex, h, sizeof h);
	snprintf(out, 72, "sha256:%s", hex);
	rc = 0;
out:
	for (i = 0; i < n; i++)
		free(files[i].path);
	free(files);
	return rc;
}

/* ---- sync ---- */

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

/* Run metrics: "NAME" is the whole dataset, "NAME/SLICE" one slice; the
 * dataset comes from the run's steward.dataset tag or dataset param. */
/* The runs of one page of versions in a few runs/search calls instead of
 * one runs/get each (a sync of an unchanged server is mostly this):
 * run_id -> run. NULL when the search is not possible; callers then ask
 * run by run. */
static json_t *mlf_runs_batch(struct mlf *m, json_t *versions)
{
	char err[512];
	json_t *ids = json_array(), *map = json_object(), *exps = json_array(), *v, *j, *r;
	size_t i, k;
	char token[1024] = "", api[4096], qt[2048];

	if (ids == NULL || map == NULL || exps == NULL)
		goto fail;
	/* Every experiment: runs/search wants them named. */
	do {
		mlf_escape(m->curl, token, qt, sizeof qt);
		snprintf(api, sizeof api, "/api/2.0/mlflow/experiments/search?max_results=1000%s%s", token[0] ? "&page_token=" : "",
			 token[0] ? qt : "");
		j = mlf_call(m, "GET", api, NULL, err, sizeof err);
		if (j == NULL)
			goto fail;
		json_array_foreach(json_object_get(j, "experiments"), i, v)
			if (json_is_string(json_object_get(v, "experiment_id")))
				json_array_append(exps, json_object_get(v, "experiment_id"));
		snprintf(token, sizeof token, "%s",
			 json_string_value(json_object_get(j, "next_page_token")) ? json_string_value(json_object_get(j, "next_page_token")) : "");
		json_decref(j);
	} while (token[0] != '\0');
	json_array_foreach(versions, i, v) {
		const char *id = json_string_value(json_object_get(v, "run_id"));

		/* Run ids are hex; anything else is asked for by itself. */
		if (id != NULL && id[0] != '\0' && strspn(id, "0123456789abcdef") == strlen(id) && strlen(id) <= 64)
			json_array_append_new(ids, json_string(id));
	}
	for (i = 0; i < json_array_size(ids); i += 100) {
		char *filter = NULL, *body;
		size_t flen = 0;
		FILE *f = open_memstream(&filter, &flen);
		json_t *req;

		if (f == NULL)
			goto fail;
		fputs("attributes.run_id IN (", f);
		for (k = i; k < i + 100 && k < json_array_size(ids); k++)
			fprintf(f, "%s'%s'", k > i ? "," : "", json_string_value(json_array_get(ids, k)));
		fputs(")", f);
		if (fclose(f) != 0) {
			free(filter);
			goto fail;
		}
		req = json_pack("{s:O, s:s, s:i}", "experiment_ids", exps, "filter", filter, "max_results", 1000);
		free(filter);
		body = req ? json_dumps(req, JSON_COMPACT) : NULL;
		json_decref(req);
		if (body == NULL)
			goto fail;
		j = mlf_call(m, "POST", "/api/2.0/mlflow/runs/search", body, err, sizeof err);
		free(body);
		if (j == NULL)
			goto fail;
		json_array_foreach(json_object_get(j, "runs"), k, r) {
			const char *id = json_string_value(json_object_get(json_object_get(r, "info"), "run_id"));

			if (id != NULL)
				json_object_set(map, id, r);
		}
		json_decref(j);
	}
	json_decref(ids);
	json_decref(exps);
	return map;
fail:
	json_decref(ids);
	json_decref(exps);
	json_decref(map);
	return NULL;
}

static int mlf_run_metrics(struct mlf *m, const struct steward_sink *sink, const char *model, int64_t version,
			   const char *run_id, json_t *runs, char *err, size_t errn)
{
	char api[512];
	const char *dataset;
	json_t *j, *data, *metric, *run = runs != NULL && run_id != NULL ? json_object_get(runs, run_id) : NULL;
	size_t i;

	if (run_id == NULL || run_id[0] == '\0')
		return 0;
	if (run != NULL) {
		j = json_pack("{s:O}", "run", run);
	} else {
		snprintf(api, sizeof api, "/api/2.0/mlflow/runs/get?run_id=%s", run_id);
		j = mlf_call(m, "GET", api, NULL, err, errn);
	}
	if (j == NULL)
		return -1;
	data = json_object_get(json_object_get(j, "run"), "data");
	dataset = mlf_tag(json_object_get(data, "tags"), "steward.dataset");
	if (dataset == NULL)
		dataset = mlf_tag(json_object_get(data, "params"), "dataset");
	json_array_foreach(json_object_get(data, "metrics"), i, metric) {
		const char *key = json_string_value(json_object_get(metric, "key"));
		json_t *val = json_object_get(metric, "value");
		struct steward_metric_rec r = { .model = model, .version = version, .dataset = dataset ? dataset : "" };
		char name[256], slice[256];
		const char *slash;

		if (key == NULL || !json_is_number(val))
			continue;
		slash = strchr(key, '/');
		snprintf(name, sizeof name, "%.*s", slash ? (int)(slash - key) : (int)strlen(key), key);
		r.name = name;
		/* MLflow keys cannot hold '=': "auc/region:EU" is slice region=EU. */
		snprintf(slice, sizeof slice, "%s", slash ? slash + 1 : "");
		if (strchr(slice, ':') != NULL)
			*strchr(slice, ':') = '=';
		r.slice = slice;
		r.value = json_number_value(val);
		if (sink->metric(sink->ctx, &r) != 0) {
			/* key lives in j: the message is made before j goes. */
			mlf_err(err, errn, "metric %s of %s v%" PRId64 " refused: %s", key, model, version,
				sink->message(sink->ctx));
			json_decref(j);
			return -1;
		}
	}
	json_decref(j);
	return 0;
}

static int mlf_version(struct mlf *m, const struct steward_sink *sink, json_t *v, json_t *runs, char *err, size_t errn)
{
	const char *model = json_string_value(json_object_get(v, "name")),
		   *vs = json_string_value(json_object_get(v, "version")),
		   *source = json_string_value(json_object_get(v, "source")),
		   *run_id = json_string_value(json_object_get(v, "run_id")),
		   *user = json_string_value(json_object_get(v, "user_id")),
		   *desc = json_string_value(json_object_get(v, "description"));
	json_t *tags = json_object_get(v, "tags"), *t;
	struct steward_kv kv[64];
	struct steward_version_rec r;
	char digest[72], why[512];
	size_t i, nkv = 0;
	char *end;
	long long num;

	if (model == NULL || vs == NULL)
		return mlf_err(err, errn, "a model version without name or version");
	num = strtoll(vs, &end, 10);
	if (*end != '\0' || num <= 0)
		return mlf_err(err, errn, "model %s has a version '%s' that is not a number", model, vs);
	memset(&r, 0, sizeof r);
	r.model = model;
	r.version = num;
	r.source = source ? source : "";
	r.run_id = run_id;
	r.author = mlf_tag(tags, "steward.author") ? mlf_tag(tags, "steward.author") : user;
	r.card = desc != NULL && desc[0] != '\0' ? desc : NULL;
	r.created = json_integer_value(json_object_get(v, "creation_timestamp")) / 1000;
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
	/* Bytes already digested under the same source need not be fetched again. */
	/* With no digest the core keeps a verified one it already has, or
	 * marks the version "digest unverified" (artifacts unreadable). */
	if (m->verify_artifacts && source != NULL && !sink->have_digest(sink->ctx, model, num, source) &&
	    mlf_digest(m, source, run_id, digest, why, sizeof why) == 0)
		r.digest = digest;
	if (sink->version(sink->ctx, &r) != 0)
		return mlf_err(err, errn, "version %s v%lld refused: %s", model, num, sink->message(sink->ctx));
	return mlf_run_metrics(m, sink, model, num, run_id, runs, err, errn);
}

static int mlf_model_versions(struct mlf *m, const struct steward_sink *sink, const char *model, long *done,
			      long total, char *err, size_t errn)
{
	char token[1024] = "", filter[512], qf[1600], qt[2048], api[4096];
	json_t *j, *v, *runs;
	size_t i;

	snprintf(filter, sizeof filter, "name='%s'", model);
	mlf_escape(m->curl, filter, qf, sizeof qf);
	do {
		mlf_escape(m->curl, token, qt, sizeof qt);
		/* Page tokens are offsets: a fixed order keeps a version that
		 * changes mid-paging from being skipped or read twice. */
		snprintf(api, sizeof api,
			 "/api/2.0/mlflow/model-versions/search?filter=%s&max_results=%d"
			 "&order_by=name%%20ASC&order_by=version_number%%20ASC%s%s",
			 qf, MLF_PAGE, token[0] ? "&page_token=" : "", token[0] ? qt : "");
		j = mlf_call(m, "GET", api, NULL, err, errn);
		if (j == NULL)
			return -1;
		runs = mlf_runs_batch(m, json_object_get(j, "model_versions"));
		json_array_foreach(json_object_get(j, "model_versions"), i, v) {
			if (sink->cancelled(sink->ctx)) {
				json_decref(runs);
				json_decref(j);
				return mlf_err(err, errn, "cancelled");
			}
			if (mlf_version(m, sink, v, runs, err, errn) != 0) {
				json_decref(runs);
				json_decref(j);
				return -1;
			}
			sink->progress(sink->ctx, "versions", ++*done, total);
		}
		snprintf(token, sizeof token, "%s",
			 json_string_value(json_object_get(j, "next_page_token")) ? json_string_value(json_object_get(j, "next_page_token")) : "");
		json_decref(runs);
		json_decref(j);
	} while (token[0] != '\0');
	return 0;
}

static int mlf_sync(void *state, const struct steward_sink *sink, char *err, size_t errn)
{
	struct mlf *m = state;
	char token[1024] = "", qt[2048], api[4096];
	json_t *j = NULL, *rm, *all = json_array();
	long done = 0;
	size_t i, k;

	if (all == NULL)
		return mlf_err(err, errn, "out of memory");
	/* Every page first: a model list that changes mid-sync must not be half-read. */
	do {
		mlf_escape(m->curl, token, qt, sizeof qt);
		snprintf(api, sizeof api, "/api/2.0/mlflow/registered-models/search?max_results=%d%s%s", MLF_PAGE,
			 token[0] ? "&page_token=" : "", token[0] ? qt : "");
		j = mlf_call(m, "GET", api, NULL, err, errn);
		if (j == NULL) {
			json_decref(all);
			return -1;
		}
		if (!json_is_array(json_object_get(j, "registered_models")) && json_object_get(j, "registered_models") != NULL) {
			json_decref(j);
			json_decref(all);
			return mlf_err(err, errn, "MLflow's registered_models is not a list");
		}
		json_array_extend(all, json_object_get(j, "registered_models") ? json_object_get(j, "registered_models") : json_array());
		snprintf(token, sizeof token, "%s",
			 json_string_value(json_object_get(j, "next_page_token")) ? json_string_value(json_object_get(j, "next_page_token")) : "");
		json_decref(j);
	} while (token[0] != '\0');
	json_array_foreach(all, i, rm) {
		const char *name = json_string_value(json_object_get(rm, "name"));
		json_t *tags = json_object_get(rm, "tags"), *al;
		struct steward_model_rec r;

		if (name == NULL) {
			json_decref(all);
			return mlf_err(err, errn, "a registered model without a name");
		}
		r.name = name;
		r.tier = mlf_tag(tags, "steward.tier");
		r.owner = mlf_tag(tags, "steward.owner");
		r.description = json_string_value(json_object_get(rm, "description"));
		if (sink->model(sink->ctx, &r) != 0) {
			/* name lives in all: the message is made before all goes. */
			mlf_err(err, errn, "model %s refused: %s", name, sink->message(sink->ctx));
			json_decref(all);
			return -1;
		}
		if (mlf_model_versions(m, sink, name, &done, 0, err, errn) != 0) {
			json_decref(all);
			return -1;
		}
		json_array_foreach(json_object_get(rm, "aliases"), k, al) {
			const char *alias = json_string_value(json_object_get(al, "alias")),
				   *ver = json_string_value(json_object_get(al, "version"));
			struct steward_alias_rec ar = { .model = name, .alias = alias };

			if (alias == NULL || ver == NULL)
				continue;
			ar.version = strtoll(ver, NULL, 10);
			if (sink->alias(sink->ctx, &ar) != 0) {
				mlf_err(err, errn, "alias %s of %s refused: %s", alias, name, sink->message(sink->ctx));
				json_decref(all);
				return -1;
			}
		}
	}
	json_decref(all);
	return 0;
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
	/* Tags first: an alias must never point at a version without its evidence. */
	for (i = 0; i < a->ntags; i++)
		if (mlf_post(m, "/api/2.0/mlflow/model-versions/set-tag",
			     json_pack("{s:s, s:s, s:s, s:s}", "name", a->model, "version", ver, "key", a->tags[i].key,
				       "value", a->tags[i].value),
			     err, errn) != 0)
			return -1;
	return mlf_post(m, "/api/2.0/mlflow/registered-models/alias",
			json_pack("{s:s, s:s, s:s}", "name", a->model, "alias", a->alias, "version", ver), err, errn);
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
