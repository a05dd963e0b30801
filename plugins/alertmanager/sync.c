/* sync: reads Alertmanager's alerts and silences (API v2), maps each alert to a model by its labels, and hands both whole sets to the core. */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "plugins/alertmanager/am.h"

/* A label's value when it is a string; NULL when absent or another type. */
static const char *am_label(json_t *labels, const char *name)
{
	return json_string_value(json_object_get(labels, name));
}

/* "3" or "v3" (what a version label holds) as 3; 0 for anything else. */
static int64_t am_version(const char *s)
{
	int64_t v = 0;
	size_t i;

	if (s == NULL)
		return 0;
	if (s[0] == 'v' || s[0] == 'V')
		s++;
	if (s[0] == '\0' || s[0] == '0')
		return 0;
	for (i = 0; s[i] != '\0'; i++) {
		if (s[i] < '0' || s[i] > '9' || v > (INT64_MAX - 9) / 10)
			return 0;
		v = v * 10 + (s[i] - '0');
	}
	return v;
}

/* A time field: absent or null is 0; present, it must be RFC 3339. */
static int am_time_field(json_t *o, const char *field, const char *what, const char *id, int64_t *out, char *err,
			 size_t errn)
{
	json_t *v = json_object_get(o, field);
	char ex[120];

	*out = 0;
	if (v == NULL || json_is_null(v))
		return 0;
	if (!json_is_string(v))
		return am_err(err, errn, "%s %s: %s is not a string", what, id, field);
	if (am_time_parse(json_string_value(v), out) != 0)
		return am_err(err, errn, "%s %s: %s '%s' is not an RFC 3339 time", what, id, field,
			      am_clean(json_string_value(v), json_string_length(v) > 60 ? 60 : json_string_length(v), ex,
				       sizeof ex));
	return 0;
}

/* An optional string field: absent or null is "". */
static int am_str_field(json_t *o, const char *field, const char *what, const char *id, const char **out, char *err,
			size_t errn)
{
	json_t *v = json_object_get(o, field);

	*out = "";
	if (v == NULL || json_is_null(v))
		return 0;
	if (!json_is_string(v))
		return am_err(err, errn, "%s %s: %s is not a string", what, id, field);
	*out = json_string_value(v);
	return 0;
}

/* An id for messages: the server's own, cleaned, or the position. */
static const char *am_id(json_t *o, const char *field, size_t index, char *buf, size_t n)
{
	const char *s = json_string_value(json_object_get(o, field));

	if (s != NULL && s[0] != '\0')
		return am_clean(s, strlen(s) > 64 ? 64 : strlen(s), buf, n);
	snprintf(buf, n, "#%zu", index + 1);
	return buf;
}

static int am_alert(struct am *m, const struct steward_sink *sink, json_t *a, size_t index, char *err, size_t errn)
{
	json_t *labels = json_object_get(a, "labels"), *status = json_object_get(a, "status"),
	       *ann = json_object_get(a, "annotations"), *by, *v;
	struct steward_alert_rec r = { 0 };
	struct steward_kv *kv = NULL;
	const char *key, *state, *model;
	char id[300], *silenced = NULL;
	size_t i, used = 0, cap = 1;
	int rc = -1;

	am_id(a, "fingerprint", index, id, sizeof id);
	if (!json_is_object(a))
		return am_err(err, errn, "alert %s is not a JSON object", id);
	r.fingerprint = json_string_value(json_object_get(a, "fingerprint"));
	if (r.fingerprint == NULL || r.fingerprint[0] == '\0')
		return am_err(err, errn, "alert %s has no fingerprint", id);
	if (!json_is_object(labels))
		return am_err(err, errn, "alert %s: labels is not an object", id);
	if (ann != NULL && !json_is_null(ann) && !json_is_object(ann))
		return am_err(err, errn, "alert %s: annotations is not an object", id);
	state = json_string_value(json_object_get(status, "state"));
	if (state == NULL || (strcmp(state, "active") != 0 && strcmp(state, "suppressed") != 0 &&
			      strcmp(state, "unprocessed") != 0))
		return am_err(err, errn, "alert %s: status.state is not active, suppressed or unprocessed", id);
	r.state = state;
	if (am_time_field(a, "startsAt", "alert", id, &r.starts, err, errn) != 0 ||
	    am_time_field(a, "endsAt", "alert", id, &r.ends, err, errn) != 0)
		return -1;
	kv = calloc(json_object_size(labels) + 1, sizeof *kv);
	if (kv == NULL)
		return am_err(err, errn, "out of memory");
	json_object_foreach(labels, key, v) {
		if (!json_is_string(v)) {
			am_err(err, errn, "alert %s: label %.100s is not a string", id, key);
			goto out;
		}
		kv[r.nlabels].key = key;
		kv[r.nlabels++].value = json_string_value(v);
	}
	r.labels = kv;
	/* Alertmanager takes alerts without an alertname; the core wants a name: its fingerprint then. */
	r.name = am_label(labels, "alertname");
	if (r.name == NULL || r.name[0] == '\0')
		r.name = r.fingerprint;
	r.severity = am_label(labels, m->severity_label) ? am_label(labels, m->severity_label) : "";
	model = am_label(labels, m->model_label);
	r.model = model != NULL && model[0] != '\0' ? model : NULL;
	r.version = r.model != NULL ? am_version(am_label(labels, m->version_label)) : 0;
	r.summary = json_string_value(json_object_get(ann, "summary"));
	if (r.summary == NULL || r.summary[0] == '\0')
		r.summary = json_string_value(json_object_get(ann, "description"));
	if (r.summary == NULL)
		r.summary = "";
	/* The silences holding it, space-separated. */
	by = json_object_get(status, "silencedBy");
	if (by != NULL && !json_is_null(by) && !json_is_array(by)) {
		am_err(err, errn, "alert %s: status.silencedBy is not a list", id);
		goto out;
	}
	json_array_foreach(by, i, v)
		cap += json_string_length(v) + 1;
	silenced = malloc(cap);
	if (silenced == NULL) {
		am_err(err, errn, "out of memory");
		goto out;
	}
	silenced[0] = '\0';
	json_array_foreach(by, i, v) {
		if (!json_is_string(v)) {
			am_err(err, errn, "alert %s: status.silencedBy holds something other than silence ids", id);
			goto out;
		}
		used += (size_t)snprintf(silenced + used, cap - used, "%s%s", used ? " " : "", json_string_value(v));
	}
	r.silenced_by = silenced;
	if (sink->alert(sink->ctx, &r) != 0) {
		am_err(err, errn, "alert %s refused: %s", id, sink->message(sink->ctx));
		goto out;
	}
	rc = 0;
out:
	free(silenced);
	free(kv);
	return rc;
}

static int am_silence(const struct steward_sink *sink, json_t *s, size_t index, char *err, size_t errn)
{
	json_t *ms = json_object_get(s, "matchers"), *mt;
	struct steward_silence_rec r = { 0 };
	struct steward_kv *kv = NULL;
	char id[300], (*keys)[AM_LABEL_MAX + 8] = NULL;
	const char *state;
	size_t i;
	int rc = -1;

	am_id(s, "id", index, id, sizeof id);
	if (!json_is_object(s))
		return am_err(err, errn, "silence %s is not a JSON object", id);
	r.id = json_string_value(json_object_get(s, "id"));
	if (r.id == NULL || r.id[0] == '\0')
		return am_err(err, errn, "silence %s has no id", id);
	state = json_string_value(json_object_get(json_object_get(s, "status"), "state"));
	if (state == NULL ||
	    (strcmp(state, "active") != 0 && strcmp(state, "pending") != 0 && strcmp(state, "expired") != 0))
		return am_err(err, errn, "silence %s: status.state is not active, pending or expired", id);
	r.state = state;
	if (am_time_field(s, "startsAt", "silence", id, &r.starts, err, errn) != 0 ||
	    am_time_field(s, "endsAt", "silence", id, &r.ends, err, errn) != 0 ||
	    am_str_field(s, "createdBy", "silence", id, &r.created_by, err, errn) != 0 ||
	    am_str_field(s, "comment", "silence", id, &r.comment, err, errn) != 0)
		return -1;
	if (!json_is_array(ms))
		return am_err(err, errn, "silence %s: matchers is not a list", id);
	kv = calloc(json_array_size(ms) + 1, sizeof *kv);
	keys = calloc(json_array_size(ms) + 1, sizeof *keys);
	if (kv == NULL || keys == NULL) {
		am_err(err, errn, "out of memory");
		goto out;
	}
	json_array_foreach(ms, i, mt) {
		const char *name = json_string_value(json_object_get(mt, "name")),
			   *value = json_string_value(json_object_get(mt, "value"));
		json_t *re = json_object_get(mt, "isRegex"), *eq = json_object_get(mt, "isEqual");
		int equal;

		if (name == NULL || value == NULL || !json_is_boolean(re) || (eq != NULL && !json_is_boolean(eq))) {
			am_err(err, errn, "silence %s: matcher %zu needs a name, a value and isRegex", id, i + 1);
			goto out;
		}
		if (strlen(name) > AM_LABEL_MAX) {
			am_err(err, errn, "silence %s: matcher %zu's name is longer than %d bytes", id, i + 1, AM_LABEL_MAX);
			goto out;
		}
		/* Alertmanager before 0.22 has no isEqual: every matcher was an equality then. */
		equal = eq == NULL || json_is_true(eq);
		snprintf(keys[i], sizeof keys[i], "%s %s", name,
			 equal ? (json_is_true(re) ? "=~" : "=") : (json_is_true(re) ? "!~" : "!="));
		kv[i].key = keys[i];
		kv[i].value = value;
	}
	r.matchers = kv;
	r.nmatchers = json_array_size(ms);
	if (sink->silence(sink->ctx, &r) != 0) {
		am_err(err, errn, "silence %s refused: %s", id, sink->message(sink->ctx));
		goto out;
	}
	rc = 0;
out:
	free(keys);
	free(kv);
	return rc;
}

/* Prefixes err with the URL whose reply held the record it is about. */
static void am_in(const struct am *m, const char *path, char *err, size_t errn)
{
	char why[600], where[1200];

	snprintf(why, sizeof why, "%s", err);
	snprintf(err, errn, "GET %s: %s", am_where(m, path, where, sizeof where), why);
}

int am_sync_all(struct am *m, const struct steward_sink *sink, char *err, size_t errn)
{
	char path[4096];
	json_t *alerts = NULL, *silences = NULL, *x;
	size_t i;
	int rc = -1;

	/* Every alert state: silenced and inhibited ones are what the console shows as silenced. */
	if ((size_t)snprintf(path, sizeof path, "/api/v2/alerts?active=true&silenced=true&inhibited=true&unprocessed=true%s",
			     m->filter_query ? m->filter_query : "") >= sizeof path)
		return am_err(err, errn, "the filter makes the request longer than %zu bytes", sizeof path);
	/* Both sets before either is handed over: a server that dies between them changes nothing. */
	alerts = am_call(m, "GET", path, NULL, JSON_ARRAY, err, errn);
	if (alerts == NULL)
		return -1;
	silences = am_call(m, "GET", "/api/v2/silences", NULL, JSON_ARRAY, err, errn);
	if (silences == NULL)
		goto out;
	json_array_foreach(alerts, i, x) {
		if (sink->cancelled(sink->ctx)) {
			am_err(err, errn, "cancelled");
			goto out;
		}
		if (am_alert(m, sink, x, i, err, errn) != 0) {
			am_in(m, path, err, errn);
			goto out;
		}
		sink->progress(sink->ctx, "alerts", (long)i + 1, (long)json_array_size(alerts));
	}
	json_array_foreach(silences, i, x) {
		if (sink->cancelled(sink->ctx)) {
			am_err(err, errn, "cancelled");
			goto out;
		}
		if (am_silence(sink, x, i, err, errn) != 0) {
			am_in(m, "/api/v2/silences", err, errn);
			goto out;
		}
		sink->progress(sink->ctx, "silences", (long)i + 1, (long)json_array_size(silences));
	}
	rc = 0;
out:
	json_decref(alerts);
	json_decref(silences);
	return rc;
}
