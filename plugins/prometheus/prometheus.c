/* prometheus: the Prometheus monitoring plugin's instance: its configuration (server, timeouts, step and window, the PromQL templates per signal, the score histogram for drift), health, and the entry point. */
#include "plugins/prometheus/prom.h"

static const char *const prom_known[] = { "latency_p99", "error_rate", "freshness", "traffic" };
#define PROM_NKNOWN (sizeof prom_known / sizeof prom_known[0])

static const char *prom_kv(const struct steward_kv *kv, size_t n, const char *key)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (strcmp(kv[i].key, key) == 0)
			return kv[i].value;
	return NULL;
}

/* A whole number lo..hi, or -1 with err naming the key. */
static int prom_long(const char *key, const char *v, long lo, long hi, long *out, char *err, size_t errn)
{
	char *end;
	long n;

	errno = 0;
	n = strtol(v, &end, 10);
	if (errno != 0 || end == v || *end != '\0' || n < lo || n > hi)
		return prom_err(err, errn, "%s must be a whole number %ld..%ld, not '%.40s'", key, lo, hi, v);
	*out = n;
	return 0;
}

/* A signal name: what the core keys the series by. */
static int prom_signal_name(const char *s)
{
	size_t n = strlen(s);

	return n > 0 && n <= 64 && strspn(s, "abcdefghijklmnopqrstuvwxyz0123456789_") == n && s[0] != '_';
}

static int prom_metric_name(const char *s)
{
	size_t n = strlen(s);

	return n > 0 && n <= 200 && strspn(s, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_:") == n &&
	       !(s[0] >= '0' && s[0] <= '9');
}

static void prom_free(struct prom *p)
{
	size_t i;

	if (p == NULL)
		return;
	prom_abort(p);
	while (p->nidle > 0)
		curl_easy_cleanup(p->idle[--p->nidle]);
	if (p->multi != NULL)
		curl_multi_cleanup(p->multi);
	for (i = 0; i < p->nsig; i++)
		free(p->sig[i].tmpl);
	free(p->score);
	free(p->selector);
	explicit_bzero(p->token, sizeof p->token);
	explicit_bzero(p->pass, sizeof p->pass);
	free(p);
}

/* Adds (or, for a known signal, replaces) the template of a signal. */
static int prom_set_signal(struct prom *p, const char *name, const char *tmpl, char *err, size_t errn)
{
	size_t i;
	char *t;

	if (prom_tmpl_check(tmpl, err, errn) != 0) {
		char why[200];

		snprintf(why, sizeof why, "%s", err);
		return prom_err(err, errn, "query.%s: %s", name, why);
	}
	t = strdup(tmpl);
	if (t == NULL)
		return prom_err(err, errn, "out of memory");
	for (i = 0; i < p->nsig && strcmp(p->sig[i].name, name) != 0; i++)
		;
	if (i == p->nsig) {
		if (p->nsig == PROM_MAX_SIGNALS) {
			free(t);
			return prom_err(err, errn, "more than %d signals", PROM_MAX_SIGNALS);
		}
		snprintf(p->sig[i].name, sizeof p->sig[i].name, "%s", name);
		p->nsig++;
	}
	free(p->sig[i].tmpl);
	p->sig[i].tmpl = t;
	return 0;
}

static int prom_configure(struct prom *p, const struct steward_kv *kv, size_t n, char *err, size_t errn)
{
	static const char *const keys[] = { "url", "token_env", "username_env", "password_env", "connect_timeout",
					    "timeout", "parallel", "step", "window", "selector", "score_histogram",
					    "feature" };
	const char *url = prom_kv(kv, n, "url"), *v;
	size_t i, k;

	for (i = 0; i < n; i++) {
		if (strncmp(kv[i].key, "steward.", 8) == 0 || strncmp(kv[i].key, "query.", 6) == 0)
			continue; /* the host's keys; templates below */
		for (k = 0; k < sizeof keys / sizeof keys[0] && strcmp(kv[i].key, keys[k]) != 0; k++)
			;
		if (k == sizeof keys / sizeof keys[0])
			return prom_err(err, errn,
					"unknown key '%.60s' (known: url, token_env, username_env, password_env, connect_timeout, timeout, parallel, step, window, selector, score_histogram, feature, query.SIGNAL)",
					kv[i].key);
	}
	if (url == NULL || (strncmp(url, "http://", 7) != 0 && strncmp(url, "https://", 8) != 0) ||
	    strlen(url) >= sizeof p->url)
		return prom_err(err, errn, "url must be the Prometheus server's http:// or https:// address");
	snprintf(p->url, sizeof p->url, "%s", url);
	while (p->url[0] != '\0' && p->url[strlen(p->url) - 1] == '/')
		p->url[strlen(p->url) - 1] = '\0';
	p->connect_timeout = 5;
	p->timeout = 30;
	p->parallel = 8;
	if ((v = prom_kv(kv, n, "connect_timeout")) != NULL &&
	    prom_long("connect_timeout", v, 1, 300, &p->connect_timeout, err, errn) != 0)
		return -1;
	if ((v = prom_kv(kv, n, "timeout")) != NULL && prom_long("timeout", v, 1, 3600, &p->timeout, err, errn) != 0)
		return -1;
	if ((v = prom_kv(kv, n, "parallel")) != NULL &&
	    prom_long("parallel", v, 1, PROM_MAX_PARALLEL, &p->parallel, err, errn) != 0)
		return -1;
	if ((v = prom_kv(kv, n, "step")) != NULL && (p->step = prom_duration(v)) < 0)
		return prom_err(err, errn, "step must be a duration such as 60, 30s, 1m or 5m, not '%.40s'", v);
	if ((v = prom_kv(kv, n, "window")) != NULL && ((p->window = prom_duration(v)) < 0 || p->window < 60))
		return prom_err(err, errn, "window must be a duration of a minute or more such as 6h, 24h or 2d, not '%.40s'", v);
	if (p->step > 0 && p->step > (p->window > 0 ? p->window : 86400))
		return prom_err(err, errn, "step is longer than the window");
	if (p->step > 0 && (p->window > 0 ? p->window : 86400) / p->step > PROM_MAX_POINTS)
		return prom_err(err, errn, "step %" PRId64 " s gives more than the %d points per series Prometheus answers over the window; raise step",
				p->step, PROM_MAX_POINTS);
	/* The host hands over the secret values under the *_env keys. */
	if ((v = prom_kv(kv, n, "token_env")) != NULL)
		snprintf(p->token, sizeof p->token, "%s", v);
	if ((v = prom_kv(kv, n, "username_env")) != NULL)
		snprintf(p->user, sizeof p->user, "%s", v);
	if ((v = prom_kv(kv, n, "password_env")) != NULL)
		snprintf(p->pass, sizeof p->pass, "%s", v);
	if ((p->user[0] != '\0') != (prom_kv(kv, n, "password_env") != NULL))
		return prom_err(err, errn, "username_env and password_env go together");
	v = prom_kv(kv, n, "selector");
	if (v != NULL && prom_tmpl_check(v, err, errn) != 0) {
		char why[200];

		snprintf(why, sizeof why, "%s", err);
		return prom_err(err, errn, "selector: %s", why);
	}
	p->selector = strdup(v != NULL ? v : "model=\"{model}\",version=\"{version}\"");
	if (p->selector == NULL)
		return prom_err(err, errn, "out of memory");
	v = prom_kv(kv, n, "score_histogram");
	if (v == NULL)
		v = "steward_model_score";
	if (v[0] != '\0') { /* empty: no drift */
		size_t l = strlen(v);

		if (l > 7 && strcmp(v + l - 7, "_bucket") == 0)
			return prom_err(err, errn, "score_histogram names the histogram without _bucket ('%.*s')", (int)(l - 7), v);
		if (!prom_metric_name(v))
			return prom_err(err, errn, "score_histogram: '%.60s' is not a metric name", v);
		p->score = strdup(v);
		if (p->score == NULL)
			return prom_err(err, errn, "out of memory");
	}
	v = prom_kv(kv, n, "feature");
	if (v != NULL && !prom_signal_name(v))
		return prom_err(err, errn, "feature: '%.60s' is not a name ([a-z0-9_], at most 64)", v);
	snprintf(p->feature, sizeof p->feature, "%s", v != NULL ? v : "score");
	for (k = 0; k < PROM_NKNOWN; k++) {
		char *q = prom_default_query(prom_known[k], p->selector);
		int rc;

		if (q == NULL)
			return prom_err(err, errn, "out of memory");
		rc = prom_set_signal(p, prom_known[k], q, err, errn);
		free(q);
		if (rc != 0)
			return -1;
	}
	for (i = 0; i < n; i++) {
		const char *name = kv[i].key + 6;

		if (strncmp(kv[i].key, "query.", 6) != 0)
			continue;
		if (!prom_signal_name(name))
			return prom_err(err, errn, "%.70s: a signal name is [a-z0-9_], at most 64", kv[i].key);
		if (strcmp(name, "drift_psi") == 0 || strcmp(name, "drift_ks") == 0)
			return prom_err(err, errn, "%s: drift is computed by steward from score_histogram", kv[i].key);
		if (prom_set_signal(p, name, kv[i].value, err, errn) != 0)
			return -1;
	}
	return 0;
}

static int prom_open(const struct steward_kv *kv, size_t n, void **state, char *err, size_t errn)
{
	const char *rev = prom_kv(kv, n, "steward.sink_revision");
	struct prom *p;

	if (rev == NULL || strtol(rev, NULL, 10) < 2)
		return prom_err(err, errn, "this steward's plugin host speaks sink revision %s; the Prometheus plugin needs 2 (monitoring)",
				rev != NULL ? rev : "1");
	p = calloc(1, sizeof *p);
	if (p == NULL)
		return prom_err(err, errn, "out of memory");
	if (prom_configure(p, kv, n, err, errn) != 0) {
		prom_free(p);
		return -1;
	}
	curl_global_init(CURL_GLOBAL_DEFAULT);
	p->multi = curl_multi_init();
	if (p->multi == NULL) {
		prom_free(p);
		return prom_err(err, errn, "cannot initialise libcurl");
	}
	/* No more connections to the server than queries in flight. */
	curl_multi_setopt(p->multi, CURLMOPT_MAX_HOST_CONNECTIONS, p->parallel);
	*state = p;
	return 0;
}

static void prom_close(void *state)
{
	prom_free(state);
}

static int prom_health(void *state, char *msg, size_t n)
{
	struct prom *p = state;
	json_t *data = prom_call(p, "/api/v1/status/buildinfo", "GET /api/v1/status/buildinfo",
				 p->timeout < PROM_HEALTH_TIMEOUT ? p->timeout : PROM_HEALTH_TIMEOUT, msg, n);
	const char *ver;

	if (data == NULL)
		return -1;
	ver = json_string_value(json_object_get(data, "version"));
	if (ver == NULL) {
		json_decref(data);
		return prom_err(msg, n, "%s: the build information has no version: not a Prometheus server?", p->url);
	}
	snprintf(msg, n, "ok (Prometheus %.40s)", ver);
	/* The version is the server's text: nothing in it may reach a terminal as a control. */
	for (char *c = msg; *c != '\0'; c++)
		if ((unsigned char)*c < 0x20 || (unsigned char)*c >= 0x7f)
			*c = '?';
	json_decref(data);
	return 0;
}

static int prom_sync(void *state, const struct steward_sink *sink, char *err, size_t errn)
{
	return prom_sync_run(state, sink, err, errn);
}

static int prom_act(void *state, const struct steward_act *a, char *err, size_t errn)
{
	(void)state;
	return prom_err(err, errn, "the Prometheus plugin only reads: it has no act %d", (int)a->kind);
}

static const struct steward_plugin prom_plugin = {
	.abi = STEWARD_PLUGIN_ABI,
	.name = "prometheus",
	.caps = STEWARD_CAP_METRICS,
	.open = prom_open,
	.close = prom_close,
	.sync = prom_sync,
	.act = prom_act,
	.health = prom_health,
};

const struct steward_plugin *steward_plugin_entry(void)
{
	return &prom_plugin;
}
