/* mlflow: the MLflow registry plugin's instance, sync and acts: reads models, versions, runs, logged models and aliases a page at a time (transfers in http.c, digests in artifacts.c), hands them to the core, and sets aliases for governed decisions. */
#include "plugins/mlflow/mlflow.h"

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
					     "timeout", "parallel",  "inflight_bytes", "verify_artifacts", "page_size" };
	struct mlf *m;
	size_t i, k;

	for (i = 0; i < n; i++) {
		if (strncmp(kv[i].key, "steward.", 8) == 0)
			continue; /* the host's keys */
		for (k = 0; k < sizeof known / sizeof known[0] && strcmp(kv[i].key, known[k]) != 0; k++)
			;
		if (k == sizeof known / sizeof known[0])
			return mlf_err(err, errn,
				       "unknown key '%s' (known: url, token_env, username_env, password_env, connect_timeout, timeout, parallel, inflight_bytes, verify_artifacts, page_size)",
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
	m->page = MLF_PAGE;
	m->window = 64 << 20;
	m->verify_artifacts = 1;
	if ((v = mlf_kv(kv, n, "connect_timeout")) != NULL)
		m->connect_timeout = strtol(v, NULL, 10);
	if ((v = mlf_kv(kv, n, "timeout")) != NULL)
		m->timeout = strtol(v, NULL, 10);
	if ((v = mlf_kv(kv, n, "parallel")) != NULL)
		m->parallel = strtol(v, NULL, 10);
	if ((v = mlf_kv(kv, n, "page_size")) != NULL)
		m->page = strtol(v, NULL, 10);
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
	if (m->page < 1 || m->page > MLF_PAGE) {
		free(m);
		return mlf_err(err, errn, "page_size must be 1..%d models or versions", MLF_PAGE);
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

/* A page being read: its answer, or why there is none, once done is set. */
struct mlf_ahead {
	json_t *j;
	int done;
	char err[600];
};

static void mlf_ahead_done(struct mlf *m, struct mlf_xfer *x)
{
	struct mlf_ahead *a = x->owner;

	(void)m;
	a->j = mlf_answer(x, a->err, sizeof a->err, NULL, 0);
	a->done = 1;
}

/* Queues the page of versions after token ("" the first) into a; the
 * next mlf_drive sends it. Every version of every model in a fixed order
 * (page tokens are offsets: a version that changes mid-paging is neither
 * skipped nor read twice). No name goes into a filter, so any name MLflow
 * accepts works. */
static int mlf_versions_ask(struct mlf *m, const char *token, struct mlf_ahead *a, char *err, size_t errn)
{
	char api[4096], *qt = mlf_escape(token);
	struct mlf_xfer *x;

	if (qt == NULL)
		return mlf_err(err, errn, "out of memory");
	snprintf(api, sizeof api,
		 "/api/2.0/mlflow/model-versions/search?max_results=%d"
		 "&order_by=name%%20ASC&order_by=version_number%%20ASC%s%s",
		 (int)m->page, token[0] ? "&page_token=" : "", token[0] ? qt : "");
	free(qt);
	memset(a, 0, sizeof *a);
	x = mlf_xfer_new("GET", api, NULL, mlf_ahead_done, a, 0);
	if (x == NULL)
		return mlf_err(err, errn, "out of memory");
	mlf_submit(m, x);
	return 0;
}

/* The models' pages, read in turn; the first page of versions is asked
 * for as soon as the last arrives, so the server works on it while the
 * models are parsed and handed over (after them: the aliases they name
 * are then of versions the listing holds). */
struct mlf_models {
	struct mlf_sync *s;
	json_t *all;
	struct mlf_ahead *first; /* where the first page of versions goes */
	int failed;
	char err[600];
};

static void mlf_models_ask(struct mlf_models *ms, const char *token);

static void mlf_models_done(struct mlf *m, struct mlf_xfer *x)
{
	struct mlf_models *ms = x->owner;
	json_t *j = mlf_answer(x, ms->err, sizeof ms->err, NULL, 0), *list = json_object_get(j, "registered_models");
	const char *next = json_string_value(json_object_get(j, "next_page_token"));

	if (j == NULL) {
		ms->failed = 1;
		return;
	}
	if (list != NULL && !json_is_array(list)) {
		mlf_err(ms->err, sizeof ms->err, "MLflow's registered_models is not a list");
		ms->failed = 1;
	} else if (list != NULL && json_array_extend(ms->all, list) != 0) {
		mlf_err(ms->err, sizeof ms->err, "out of memory");
		ms->failed = 1;
	} else if (next != NULL && next[0] != '\0')
		mlf_models_ask(ms, next);
	else if (mlf_versions_ask(m, "", ms->first, ms->err, sizeof ms->err) != 0)
		ms->failed = 1;
	json_decref(j);
}

static void mlf_models_ask(struct mlf_models *ms, const char *token)
{
	char api[4096], *qt = mlf_escape(token);
	struct mlf_xfer *x;

	if (qt == NULL) {
		mlf_err(ms->err, sizeof ms->err, "out of memory");
		ms->failed = 1;
		return;
	}
	snprintf(api, sizeof api, "/api/2.0/mlflow/registered-models/search?max_results=%d%s%s", (int)ms->s->m->page,
		 token[0] ? "&page_token=" : "", token[0] ? qt : "");
	free(qt);
	x = mlf_xfer_new("GET", api, NULL, mlf_models_done, ms, 0);
	if (x == NULL) {
		mlf_err(ms->err, sizeof ms->err, "out of memory");
		ms->failed = 1;
		return;
	}
	mlf_submit(ms->s->m, x);
}

static int mlf_sync_all(struct mlf_sync *s, char *err, size_t errn)
{
	struct mlf *m = s->m;
	const struct steward_sink *sink = s->sink;
	struct mlf_ahead page[2] = { { 0 }, { 0 } };
	struct mlf_models ms = { .s = s, .first = &page[0] };
	json_t *rm;
	size_t i, k;
	int rc = -1, cur = 0;

	ms.all = json_array();
	if (ms.all == NULL)
		return mlf_err(err, errn, "out of memory");
	/* Every page first: a model list that changes mid-sync must not be half-read. */
	mlf_models_ask(&ms, "");
	if (mlf_drive(m, err, errn) != 0)
		goto out;
	if (ms.failed) {
		snprintf(err, errn, "%s", ms.err);
		goto out;
	}
	json_array_foreach(ms.all, i, rm) {
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
			/* name lives in ms.all, which outlives the message. */
			mlf_err(err, errn, "model %s refused: %s", name, sink->message(sink->ctx));
			goto out;
		}
		if (json_object_set_new(s->known, name, json_true()) != 0)
			goto oom;
	}
	/* Each page of versions is handed over while the server reads the
	 * next, into the other slot (its transfer writes where it was asked to). */
	for (;;) {
		struct mlf_ahead *a = &page[cur];
		const char *token;
		int more;

		if (!a->done && mlf_drive(m, err, errn) != 0)
			goto out;
		if (a->j == NULL) {
			snprintf(err, errn, "%s", a->done ? a->err : "the versions were not read");
			goto out;
		}
		token = json_string_value(json_object_get(a->j, "next_page_token"));
		more = token != NULL && token[0] != '\0';
		if (more && mlf_versions_ask(m, token, &page[cur ^ 1], err, errn) != 0)
			goto out;
		if (mlf_page(s, json_object_get(a->j, "model_versions"), err, errn) != 0)
			goto out;
		json_decref(a->j);
		a->j = NULL;
		cur ^= 1;
		if (!more)
			break;
	}
	json_array_foreach(ms.all, i, rm) {
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
	/* A page still queued is dropped with its transfer (mlf_sync aborts them). */
	json_decref(page[0].j);
	json_decref(page[1].j);
	json_decref(ms.all);
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
