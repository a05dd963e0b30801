/* query: the Prometheus plugin's PromQL: durations, templates with escaped placeholders, the default queries, and reading query results (matrices, bucket vectors, scalars) into plain arrays. */
#include "plugins/prometheus/prom.h"

/* ---- durations ---- */

/* Seconds of "60", "90s", "5m", "1h30m", "24h", "7d" or "1w" (Prometheus'
 * units, whole seconds); -1 when it is none of these or not above 0. */
int64_t prom_duration(const char *s)
{
	int64_t total = 0;
	const char *c = s;

	if (s == NULL || *s == '\0')
		return -1;
	if (strspn(s, "0123456789") == strlen(s)) {
		if (strlen(s) > 12)
			return -1;
		total = strtoll(s, NULL, 10);
		return total > 0 ? total : -1;
	}
	while (*c != '\0') {
		int64_t n = 0, unit;
		size_t digits = strspn(c, "0123456789");

		if (digits == 0 || digits > 9)
			return -1;
		for (; digits > 0; digits--, c++)
			n = n * 10 + (*c - '0');
		switch (*c++) {
		case 's': unit = 1; break;
		case 'm': unit = 60; break;
		case 'h': unit = 3600; break;
		case 'd': unit = 86400; break;
		case 'w': unit = 7 * 86400; break;
		default: return -1;
		}
		total += n * unit;
		if (total > (int64_t)100 * 366 * 86400)
			return -1;
	}
	return total > 0 ? total : -1;
}

/* ---- templates ---- */

static const char *const prom_placeholders[] = { "{model}", "{version}", "{alias}" };

/* 0 when every {word} in tmpl is a placeholder steward fills; a typo such
 * as {modle} would otherwise reach Prometheus as a label matcher. */
int prom_tmpl_check(const char *tmpl, char *err, size_t errn)
{
	const char *c;

	if (tmpl[0] == '\0')
		return 0;
	for (c = strchr(tmpl, '{'); c != NULL; c = strchr(c + 1, '{')) {
		size_t w = strspn(c + 1, "abcdefghijklmnopqrstuvwxyz_"), k;

		if (w == 0 || c[1 + w] != '}')
			continue;
		for (k = 0; k < sizeof prom_placeholders / sizeof prom_placeholders[0]; k++)
			if (strncmp(c, prom_placeholders[k], w + 2) == 0)
				break;
		if (k == sizeof prom_placeholders / sizeof prom_placeholders[0])
			return prom_err(err, errn, "unknown placeholder %.*s (known: {model}, {version}, {alias})",
					(int)(w + 2 < 60 ? w + 2 : 60), c);
	}
	return 0;
}

/* s as it may stand inside a PromQL double-quoted string. */
static void prom_put_escaped(FILE *f, const char *s)
{
	for (; *s != '\0'; s++) {
		unsigned char c = (unsigned char)*s;

		if (c == '\\' || c == '"')
			fprintf(f, "\\%c", c);
		else if (c == '\n')
			fputs("\\n", f);
		else if (c < 0x20 || c == 0x7f)
			fprintf(f, "\\x%02x", c);
		else
			fputc(c, f);
	}
}

/* tmpl with {model}, {version} and {alias} replaced by the values escaped
 * for a PromQL double-quoted string; NULL when out of memory. */
char *prom_expand(const char *tmpl, const char *model, int64_t version, const char *alias)
{
	char *out = NULL, ver[32];
	size_t len = 0;
	FILE *f = open_memstream(&out, &len);
	const char *c = tmpl;

	if (f == NULL)
		return NULL;
	snprintf(ver, sizeof ver, "%" PRId64, version);
	while (*c != '\0') {
		if (strncmp(c, "{model}", 7) == 0) {
			prom_put_escaped(f, model);
			c += 7;
		} else if (strncmp(c, "{version}", 9) == 0) {
			fputs(ver, f);
			c += 9;
		} else if (strncmp(c, "{alias}", 7) == 0) {
			prom_put_escaped(f, alias != NULL ? alias : "");
			c += 7;
		} else {
			fputc(*c++, f);
		}
	}
	if (fclose(f) != 0) {
		free(out);
		return NULL;
	}
	return out;
}

/* "metric{SELECTOR,extra}" with either part possibly empty. */
static void prom_put_selector(FILE *f, const char *metric, const char *selector, const char *extra)
{
	fprintf(f, "%s{%s%s%s}", metric, selector, selector[0] && extra[0] ? "," : "", extra);
}

/* The text written to f: open_memstream fills *out only when f is closed. */
static char *prom_close(FILE *f, char **out)
{
	if (fclose(f) != 0) {
		free(*out);
		return NULL;
	}
	return *out;
}

/* The default template of a known signal (NULL for another name, or when
 * out of memory), over the metric names steward documents. */
char *prom_default_query(const char *signal, const char *selector)
{
	char *out = NULL;
	size_t len = 0;
	FILE *f;

	if (strcmp(signal, "latency_p99") != 0 && strcmp(signal, "error_rate") != 0 &&
	    strcmp(signal, "freshness") != 0 && strcmp(signal, "traffic") != 0)
		return NULL;
	f = open_memstream(&out, &len);
	if (f == NULL)
		return NULL;
	if (strcmp(signal, "latency_p99") == 0) {
		fputs("histogram_quantile(0.99, sum by (le) (rate(", f);
		prom_put_selector(f, "steward_model_request_duration_seconds_bucket", selector, "");
		fputs("[5m])))", f);
	} else if (strcmp(signal, "error_rate") == 0) {
		/* A version without a single 5xx has no such series at all: 0, not no data. */
		fputs("(sum(rate(", f);
		prom_put_selector(f, "steward_model_requests_total", selector, "code=~\"5..\"");
		fputs("[5m])) or vector(0)) / sum(rate(", f);
		prom_put_selector(f, "steward_model_requests_total", selector, "");
		fputs("[5m]))", f);
	} else if (strcmp(signal, "freshness") == 0) {
		fputs("time() - max(", f);
		prom_put_selector(f, "steward_model_feature_newest_timestamp_seconds", selector, "");
		fputs(")", f);
	} else {
		fputs("sum(rate(", f);
		prom_put_selector(f, "steward_model_requests_total", selector, "");
		fputs("[5m]))", f);
	}
	return prom_close(f, &out);
}

/* The score histogram's counts over the range seconds before the time it
 * is evaluated at, per bucket. */
char *prom_drift_query(const char *metric, const char *selector, int64_t range)
{
	char *out = NULL, name[300];
	size_t len = 0;
	FILE *f = open_memstream(&out, &len);

	if (f == NULL)
		return NULL;
	snprintf(name, sizeof name, "%s_bucket", metric);
	fputs("sum by (le) (increase(", f);
	prom_put_selector(f, name, selector, "");
	fprintf(f, "[%" PRId64 "s]))", range);
	return prom_close(f, &out);
}

/* When the score histogram was first seen (to the hour) within
 * PROM_FIRST_LOOKBACK: the start of a reference nobody dated. */
char *prom_first_query(const char *metric, const char *selector)
{
	char *out = NULL, name[300];
	size_t len = 0;
	FILE *f = open_memstream(&out, &len);

	if (f == NULL)
		return NULL;
	snprintf(name, sizeof name, "%s_bucket", metric);
	fputs("min(min_over_time(timestamp(", f);
	prom_put_selector(f, name, selector, "le=\"+Inf\"");
	fprintf(f, ")[%ds:1h]))", PROM_FIRST_LOOKBACK);
	return prom_close(f, &out);
}

/* ---- results ---- */

/* A sample value: Prometheus sends numbers as strings, "NaN", "+Inf" and
 * "-Inf" included. -1 when v is not such a string. */
int prom_value(json_t *v, double *out)
{
	const char *s = json_string_value(v);
	char *end;

	if (s == NULL || s[0] == '\0' || strlen(s) > 64)
		return -1;
	if (strcmp(s, "NaN") == 0) {
		*out = NAN;
		return 0;
	}
	if (strcmp(s, "+Inf") == 0 || strcmp(s, "Inf") == 0) {
		*out = INFINITY;
		return 0;
	}
	if (strcmp(s, "-Inf") == 0) {
		*out = -INFINITY;
		return 0;
	}
	/* Only decimal numbers: strtod would take "nan(x)", "infinity" and hex too. */
	if (strspn(s, "0123456789+-.eE") != strlen(s))
		return -1;
	errno = 0;
	*out = strtod(s, &end);
	if (*end != '\0' || end == s)
		return -1;
	return 0;
}

/* A sample time: seconds as a JSON number, rounded to whole seconds. */
int prom_time(json_t *v, int64_t *out)
{
	double d;

	if (!json_is_number(v))
		return -1;
	d = json_number_value(v);
	if (!(d > 0 && d < 1e11))
		return -1;
	*out = (int64_t)(d + 0.5);
	return 0;
}

static int prom_result_type(json_t *data, const char *want, json_t **result, char *err, size_t errn)
{
	const char *rt = json_string_value(json_object_get(data, "resultType"));

	*result = json_object_get(data, "result");
	if (rt == NULL)
		return prom_err(err, errn, "the reply has no resultType");
	if (strcmp(rt, want) != 0) {
		char safe[40];
		size_t i;

		for (i = 0; rt[i] != '\0' && i + 1 < sizeof safe; i++)
			safe[i] = rt[i] >= 0x20 && rt[i] < 0x7f ? rt[i] : '?';
		safe[i] = '\0';
		return prom_err(err, errn, "the result is a %s, not a %s", safe, want);
	}
	if (!json_is_array(*result))
		return prom_err(err, errn, "the result is not a list");
	return 0;
}

/* The one series of a query_range reply as times and values (n 0 when the
 * query matched nothing; *t and *v then NULL). More than one series is an
 * error: a template must aggregate to one per version. */
int prom_matrix(json_t *data, int64_t **t, double **v, size_t *n, char *err, size_t errn)
{
	json_t *result, *s, *values, *pt;
	size_t i, k;

	*t = NULL;
	*v = NULL;
	*n = 0;
	if (prom_result_type(data, "matrix", &result, err, errn) != 0)
		return -1;
	if (json_array_size(result) == 0)
		return 0;
	if (json_array_size(result) > 1)
		return prom_err(err, errn,
				"the query gives %zu series, not one: aggregate it to one series per version (sum, max, ...)",
				json_array_size(result));
	s = json_array_get(result, 0);
	values = json_object_get(s, "values");
	if (values == NULL && json_object_get(s, "histograms") != NULL)
		return prom_err(err, errn, "the query gives native histograms; steward reads plain values (use histogram_quantile, rate, ...)");
	if (!json_is_array(values))
		return prom_err(err, errn, "the series has no list of values");
	k = json_array_size(values);
	if (k == 0)
		return 0;
	if (k > 4 * PROM_MAX_POINTS)
		return prom_err(err, errn, "the series has %zu points, more than %d", k, 4 * PROM_MAX_POINTS);
	*t = malloc(k * sizeof **t);
	*v = malloc(k * sizeof **v);
	if (*t == NULL || *v == NULL) {
		prom_err(err, errn, "out of memory");
		goto fail;
	}
	json_array_foreach(values, i, pt) {
		if (!json_is_array(pt) || json_array_size(pt) != 2 || prom_time(json_array_get(pt, 0), &(*t)[i]) != 0 ||
		    prom_value(json_array_get(pt, 1), &(*v)[i]) != 0) {
			prom_err(err, errn, "point %zu is not [time, \"value\"]", i);
			goto fail;
		}
		if (i > 0 && (*t)[i] <= (*t)[i - 1]) {
			prom_err(err, errn, "point %zu is not later than the one before it", i);
			goto fail;
		}
	}
	*n = k;
	return 0;
fail:
	free(*t);
	free(*v);
	*t = NULL;
	*v = NULL;
	return -1;
}

struct prom_bucket {
	double le, count;
};

static int prom_bucket_cmp(const void *a, const void *b)
{
	double x = ((const struct prom_bucket *)a)->le, y = ((const struct prom_bucket *)b)->le;

	return x < y ? -1 : x > y;
}

/* A `sum by (le)` vector as bounds ascending (the last +Inf) and
 * cumulative counts (n 0 when it matched nothing). Counts are made
 * non-decreasing: increase() extrapolates each bucket on its own and may
 * leave one a hair below the bucket before it. */
int prom_buckets(json_t *data, double **le, double **count, size_t *n, char *err, size_t errn)
{
	json_t *result, *s;
	struct prom_bucket *b;
	size_t i, k;

	*le = NULL;
	*count = NULL;
	*n = 0;
	if (prom_result_type(data, "vector", &result, err, errn) != 0)
		return -1;
	k = json_array_size(result);
	if (k == 0)
		return 0;
	if (k > 1000)
		return prom_err(err, errn, "the histogram has %zu buckets", k);
	b = calloc(k, sizeof *b);
	if (b == NULL)
		return prom_err(err, errn, "out of memory");
	json_array_foreach(result, i, s) {
		json_t *val = json_object_get(s, "value");
		json_t *lev = json_object_get(json_object_get(s, "metric"), "le");

		if (lev == NULL || prom_value(lev, &b[i].le) != 0 || isnan(b[i].le)) {
			free(b);
			return prom_err(err, errn, "series %zu has no numeric le label", i);
		}
		if (!json_is_array(val) || json_array_size(val) != 2 || prom_value(json_array_get(val, 1), &b[i].count) != 0 ||
		    isnan(b[i].count) || isinf(b[i].count)) {
			double bad = b[i].le;

			free(b);
			return prom_err(err, errn, "the bucket le=%g has no finite count", bad);
		}
	}
	qsort(b, k, sizeof *b, prom_bucket_cmp);
	for (i = 1; i < k; i++)
		if (b[i].le == b[i - 1].le) {
			double twice = b[i].le;

			free(b);
			return prom_err(err, errn, "the bucket le=%g comes twice", twice);
		}
	if (!isinf(b[k - 1].le) || b[k - 1].le < 0) {
		free(b);
		return prom_err(err, errn, "the histogram has no le=\"+Inf\" bucket");
	}
	*le = malloc(k * sizeof **le);
	*count = malloc(k * sizeof **count);
	if (*le == NULL || *count == NULL) {
		free(*le);
		free(*count);
		*le = *count = NULL;
		free(b);
		return prom_err(err, errn, "out of memory");
	}
	for (i = 0; i < k; i++) {
		double c = b[i].count < 0 ? 0 : b[i].count;

		if (i > 0 && c < (*count)[i - 1])
			c = (*count)[i - 1];
		(*le)[i] = b[i].le;
		(*count)[i] = c;
	}
	free(b);
	*n = k;
	return 0;
}

/* The value of a reply that is a scalar or a vector of at most one
 * sample; NAN when the vector is empty. */
int prom_scalar(json_t *data, double *out, char *err, size_t errn)
{
	const char *rt = json_string_value(json_object_get(data, "resultType"));
	json_t *result = json_object_get(data, "result"), *val;

	*out = NAN;
	if (rt != NULL && strcmp(rt, "scalar") == 0) {
		val = result;
	} else {
		if (prom_result_type(data, "vector", &result, err, errn) != 0)
			return -1;
		if (json_array_size(result) == 0)
			return 0;
		if (json_array_size(result) > 1)
			return prom_err(err, errn, "the query gives %zu series, not one", json_array_size(result));
		val = json_object_get(json_array_get(result, 0), "value");
	}
	if (!json_is_array(val) || json_array_size(val) != 2 || prom_value(json_array_get(val, 1), out) != 0)
		return prom_err(err, errn, "the value is not [time, \"value\"]");
	return 0;
}
