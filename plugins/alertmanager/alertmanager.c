/* alertmanager: the Alertmanager plugin's instance (configuration, health) and its acts: creating and expiring silences for governed decisions (reading is in sync.c, transfers in http.c). */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "plugins/alertmanager/am.h"

/* ---- the instance ---- */

static const char *am_kv(const struct steward_kv *kv, size_t n, const char *key)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (strcmp(kv[i].key, key) == 0)
			return kv[i].value;
	return NULL;
}

/* Seconds lo..hi, whole; -1 otherwise. */
static long am_seconds(const char *v, long lo, long hi)
{
	char *end;
	long n;

	errno = 0;
	n = strtol(v, &end, 10);
	if (errno != 0 || end == v || *end != '\0' || n < lo || n > hi)
		return -1;
	return n;
}

/* Prometheus label names: [A-Za-z_][A-Za-z0-9_]*. */
static int am_label_name(const char *s)
{
	size_t i, n = strlen(s);

	if (n == 0 || n >= AM_LABEL_MAX || (s[0] >= '0' && s[0] <= '9'))
		return 0;
	for (i = 0; i < n; i++)
		if (!((s[i] >= 'a' && s[i] <= 'z') || (s[i] >= 'A' && s[i] <= 'Z') || (s[i] >= '0' && s[i] <= '9') ||
		      s[i] == '_'))
			return 0;
	return 1;
}

/* Appends "&filter=<escaped>" for one matcher of s[0..n). */
static int am_filter_add(char **q, size_t *qlen, const char *s, size_t n)
{
	char *e, *nq;
	size_t el;

	while (n > 0 && (*s == ' ' || *s == '\t'))
		s++, n--;
	while (n > 0 && (s[n - 1] == ' ' || s[n - 1] == '\t'))
		n--;
	if (n == 0)
		return -1;
	e = curl_easy_escape(NULL, s, (int)n);
	if (e == NULL)
		return -1;
	el = strlen(e);
	nq = realloc(*q, *qlen + el + 9);
	if (nq == NULL) {
		curl_free(e);
		return -1;
	}
	*q = nq;
	memcpy(*q + *qlen, "&filter=", 8);
	memcpy(*q + *qlen + 8, e, el + 1);
	*qlen += el + 8;
	curl_free(e);
	return 0;
}

/* The filter key: matchers as Alertmanager writes them (team="ml",
 * env=~"prod.*"), optionally in braces, separated by commas outside
 * quotes. The server checks each one; here they are only split. */
static int am_filter(struct am *m, const char *v, char *err, size_t errn)
{
	size_t n = strlen(v), start, i, qlen = 0, count = 0;
	int quoted = 0;

	while (n > 0 && (*v == ' ' || *v == '\t'))
		v++, n--;
	while (n > 0 && (v[n - 1] == ' ' || v[n - 1] == '\t'))
		n--;
	if (n >= 2 && v[0] == '{' && v[n - 1] == '}')
		v++, n -= 2;
	for (start = 0, i = 0; i <= n; i++) {
		if (i < n && v[i] == '\\' && quoted && i + 1 < n) {
			i++;
			continue;
		}
		if (i < n && v[i] == '"')
			quoted = !quoted;
		if (i < n && (v[i] != ',' || quoted))
			continue;
		if (++count > AM_MAX_FILTERS)
			return am_err(err, errn, "filter: more than %d matchers", AM_MAX_FILTERS);
		if (am_filter_add(&m->filter_query, &qlen, v + start, i - start) != 0)
			return am_err(err, errn, "filter: matcher %zu is empty (write matchers such as team=\"ml\", separated by commas)",
				      count);
		start = i + 1;
	}
	if (quoted)
		return am_err(err, errn, "filter: a quote is not closed");
	return 0;
}

static void am_close(void *state)
{
	struct am *m = state;

	if (m == NULL)
		return;
	if (m->easy != NULL)
		curl_easy_cleanup(m->easy);
	if (m->multi != NULL)
		curl_multi_cleanup(m->multi);
	free(m->filter_query);
	/* Secrets do not outlive the instance in freed memory. */
	explicit_bzero(m->token, sizeof m->token);
	explicit_bzero(m->pass, sizeof m->pass);
	free(m);
}

static int am_open(const struct steward_kv *kv, size_t n, void **state, char *err, size_t errn)
{
	static const char *const known[] = { "url",	   "token_env",     "username_env",  "password_env",
					     "connect_timeout", "timeout",	    "model_label",   "version_label",
					     "severity_label",  "filter" };
	static const char *const labels[] = { "model_label", "version_label", "severity_label" };
	const char *url = am_kv(kv, n, "url"), *rev = am_kv(kv, n, "steward.sink_revision"), *v;
	struct am *m;
	size_t i, k;

	for (i = 0; i < n; i++) {
		if (strncmp(kv[i].key, "steward.", 8) == 0)
			continue; /* the host's keys */
		for (k = 0; k < sizeof known / sizeof known[0] && strcmp(kv[i].key, known[k]) != 0; k++)
			;
		if (k == sizeof known / sizeof known[0])
			return am_err(err, errn,
				      "unknown key '%.100s' (known: url, token_env, username_env, password_env, connect_timeout, timeout, model_label, version_label, severity_label, filter)",
				      kv[i].key);
	}
	/* Alerts and silences go to sink members of revision 2. */
	if (rev == NULL || am_seconds(rev, 2, 1000000) < 0)
		return am_err(err, errn, "this steward's plugin host is older than the Alertmanager plugin: it needs sink revision 2 (monitoring), the host offers %.20s",
			      rev ? rev : "revision 1");
	if (url == NULL || (strncmp(url, "http://", 7) != 0 && strncmp(url, "https://", 8) != 0))
		return am_err(err, errn, "url must be Alertmanager's http:// or https:// address");
	m = calloc(1, sizeof *m);
	if (m == NULL)
		return am_err(err, errn, "out of memory");
	if (strlen(url) >= sizeof m->url) {
		free(m);
		return am_err(err, errn, "url is longer than %zu bytes", sizeof m->url - 1);
	}
	snprintf(m->url, sizeof m->url, "%s", url);
	while (m->url[0] != '\0' && m->url[strlen(m->url) - 1] == '/')
		m->url[strlen(m->url) - 1] = '\0';
	m->connect_timeout = 5;
	m->timeout = 30;
	snprintf(m->model_label, sizeof m->model_label, "model");
	snprintf(m->version_label, sizeof m->version_label, "version");
	snprintf(m->severity_label, sizeof m->severity_label, "severity");
	if ((v = am_kv(kv, n, "connect_timeout")) != NULL && (m->connect_timeout = am_seconds(v, 1, 300)) < 0) {
		am_close(m);
		return am_err(err, errn, "connect_timeout must be 1..300 seconds");
	}
	if ((v = am_kv(kv, n, "timeout")) != NULL && (m->timeout = am_seconds(v, 1, 3600)) < 0) {
		am_close(m);
		return am_err(err, errn, "timeout must be 1..3600 seconds");
	}
	for (i = 0; i < sizeof labels / sizeof labels[0]; i++) {
		char *dst = i == 0 ? m->model_label : i == 1 ? m->version_label : m->severity_label;

		if ((v = am_kv(kv, n, labels[i])) == NULL)
			continue;
		if (!am_label_name(v)) {
			am_close(m);
			return am_err(err, errn, "%s must be a label name ([A-Za-z_][A-Za-z0-9_]*, under %d bytes)",
				      labels[i], AM_LABEL_MAX);
		}
		snprintf(dst, AM_LABEL_MAX, "%s", v);
	}
	if ((v = am_kv(kv, n, "filter")) != NULL && am_filter(m, v, err, errn) != 0) {
		am_close(m);
		return -1;
	}
	/* The host hands over the secret values under the *_env keys. */
	if (am_kv(kv, n, "token_env") != NULL &&
	    (am_kv(kv, n, "username_env") != NULL || am_kv(kv, n, "password_env") != NULL)) {
		am_close(m);
		return am_err(err, errn, "token_env and username_env/password_env exclude each other: name one way to sign in");
	}
	if ((am_kv(kv, n, "username_env") == NULL) != (am_kv(kv, n, "password_env") == NULL)) {
		am_close(m);
		return am_err(err, errn, "username_env and password_env go together");
	}
	if (((v = am_kv(kv, n, "token_env")) != NULL && strlen(v) >= sizeof m->token) ||
	    ((v = am_kv(kv, n, "username_env")) != NULL && strlen(v) >= sizeof m->user) ||
	    ((v = am_kv(kv, n, "password_env")) != NULL && strlen(v) >= sizeof m->pass)) {
		am_close(m);
		return am_err(err, errn, "a secret from the environment is too long");
	}
	if ((v = am_kv(kv, n, "token_env")) != NULL)
		snprintf(m->token, sizeof m->token, "%s", v);
	if ((v = am_kv(kv, n, "username_env")) != NULL)
		snprintf(m->user, sizeof m->user, "%s", v);
	if ((v = am_kv(kv, n, "password_env")) != NULL)
		snprintf(m->pass, sizeof m->pass, "%s", v);
	curl_global_init(CURL_GLOBAL_DEFAULT);
	m->multi = curl_multi_init();
	if (m->multi == NULL) {
		am_close(m);
		return am_err(err, errn, "cannot initialise libcurl");
	}
	*state = m;
	return 0;
}

static int am_health(void *state, char *msg, size_t n)
{
	struct am *m = state;

	if (am_check(m, "GET", "/-/ready", msg, n) != 0)
		return -1;
	snprintf(msg, n, "ok");
	return 0;
}

static int am_sync(void *state, const struct steward_sink *sink, char *err, size_t errn)
{
	struct am *m = state;
	int rc;

	m->sink = sink;
	rc = am_sync_all(m, sink, err, errn);
	m->sink = NULL;
	return rc;
}

/* ---- acts ---- */

/* One matcher of an act: key "name op", value. */
static int am_matcher(const struct steward_kv *kv, size_t i, json_t *arr, char *err, size_t errn)
{
	static const struct {
		const char *op;
		int equal, regex;
	} ops[] = { { "=", 1, 0 }, { "!=", 0, 0 }, { "=~", 1, 1 }, { "!~", 0, 1 } };
	const char *sp = kv->key != NULL ? strrchr(kv->key, ' ') : NULL;
	char name[AM_LABEL_MAX];
	size_t k;

	if (sp == NULL || sp == kv->key || kv->value == NULL || (size_t)(sp - kv->key) >= sizeof name)
		return am_err(err, errn, "matcher %zu is not \"NAME OP\" and a value", i + 1);
	snprintf(name, sizeof name, "%.*s", (int)(sp - kv->key), kv->key);
	for (k = 0; k < sizeof ops / sizeof ops[0] && strcmp(sp + 1, ops[k].op) != 0; k++)
		;
	if (k == sizeof ops / sizeof ops[0])
		return am_err(err, errn, "matcher %zu (%s): the operator must be =, !=, =~ or !~", i + 1, name);
	if (json_array_append_new(arr, json_pack("{s:s, s:s, s:b, s:b}", "name", name, "value", kv->value, "isRegex",
						 ops[k].regex, "isEqual", ops[k].equal)) != 0)
		return am_err(err, errn, "out of memory (or a matcher that is not UTF-8)");
	return 0;
}

static int am_act_silence(struct am *m, const struct steward_act *a, char *err, size_t errn)
{
	char starts[32], ends[32], ex[100];
	json_t *req = NULL, *arr = NULL, *j;
	const char *id;
	char *body = NULL;
	size_t i;
	int rc = -1;

	if (a->nmatchers == 0 || a->matchers == NULL)
		return am_err(err, errn, "a silence needs at least one matcher");
	if (a->comment == NULL || a->comment[0] == '\0' || a->creator == NULL || a->creator[0] == '\0')
		return am_err(err, errn, "a silence needs a comment and its creator");
	if (a->ends <= a->starts || am_time_format(a->starts, starts, sizeof starts) != 0 ||
	    am_time_format(a->ends, ends, sizeof ends) != 0)
		return am_err(err, errn, "a silence must end after it starts");
	if (a->out == NULL || a->outn == 0)
		return am_err(err, errn, "no room for the silence id");
	arr = json_array();
	if (arr == NULL)
		return am_err(err, errn, "out of memory");
	for (i = 0; i < a->nmatchers; i++)
		if (am_matcher(&a->matchers[i], i, arr, err, errn) != 0) {
			json_decref(arr);
			return -1;
		}
	req = json_pack("{s:o, s:s, s:s, s:s, s:s}", "matchers", arr, "startsAt", starts, "endsAt", ends, "createdBy",
			a->creator, "comment", a->comment);
	if (req == NULL)
		return am_err(err, errn, "out of memory (or a comment or creator that is not UTF-8)");
	body = json_dumps(req, JSON_COMPACT);
	json_decref(req);
	if (body == NULL)
		return am_err(err, errn, "out of memory");
	j = am_call(m, "POST", "/api/v2/silences", body, JSON_OBJECT, err, errn);
	free(body);
	if (j == NULL)
		return -1;
	/* The id goes into the ledger: only what an id can look like. */
	id = json_string_value(json_object_get(j, "silenceID"));
	if (id == NULL || id[0] == '\0' || strlen(id) > 64 ||
	    strspn(id, "0123456789abcdefABCDEF-") != strlen(id)) {
		am_err(err, errn, "POST %s/api/v2/silences: the reply has no silenceID%s%s", m->url, id ? ": " : "",
		       id ? am_clean(id, strlen(id) > 40 ? 40 : strlen(id), ex, sizeof ex) : "");
		goto out;
	}
	if (strlen(id) >= a->outn) {
		am_err(err, errn, "the silence id %s is longer than %zu bytes", id, a->outn - 1);
		goto out;
	}
	snprintf(a->out, a->outn, "%s", id);
	rc = 0;
out:
	json_decref(j);
	return rc;
}

static int am_act_expire(struct am *m, const struct steward_act *a, char *err, size_t errn)
{
	char path[200];
	const char *id = a->silence_id;

	if (id == NULL || id[0] == '\0' || strlen(id) > 64 || strspn(id, "0123456789abcdefABCDEF-") != strlen(id))
		return am_err(err, errn, "a silence id is hex digits and dashes (a UUID)");
	snprintf(path, sizeof path, "/api/v2/silence/%s", id);
	return am_check(m, "DELETE", path, err, errn);
}

static int am_act(void *state, const struct steward_act *a, char *err, size_t errn)
{
	struct am *m = state;

	switch (a->kind) {
	case STEWARD_ACT_SILENCE:
		return am_act_silence(m, a, err, errn);
	case STEWARD_ACT_EXPIRE_SILENCE:
		return am_act_expire(m, a, err, errn);
	default:
		return am_err(err, errn, "the Alertmanager plugin cannot do act %d: it only creates and expires silences",
			      (int)a->kind);
	}
}

static const struct steward_plugin am_plugin = {
	.abi = STEWARD_PLUGIN_ABI,
	.name = "alertmanager",
	.caps = STEWARD_CAP_ALERTS,
	.open = am_open,
	.close = am_close,
	.sync = am_sync,
	.act = am_act,
	.health = am_health,
};

const struct steward_plugin *steward_plugin_entry(void)
{
	return &am_plugin;
}
