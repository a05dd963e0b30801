/* fuzz_prometheus: libFuzzer target for the Prometheus plugin's reading of API replies: any bytes as the body of a 200 (and of a 400) reply must give a series, a histogram and a scalar or be refused with a reason, never crash; what reads keeps its promises (times in order, finite bucket counts). */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

/* The plugin's own files, as its unit test takes them. */
#include "plugins/prometheus/http.c"
#include "plugins/prometheus/query.c"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
const char *const fuzz_default_corpus = "tests/fuzz/corpus/prometheus";

static void fuzz_refused(const char *err)
{
	if (err[0] == '\0')
		__builtin_trap(); /* every refusal says why */
}

static void fuzz_read(json_t *d)
{
	char err[512] = "";
	int64_t *t = NULL;
	double *v = NULL, *le = NULL, *count = NULL, one;
	size_t n = 0, i;

	if (prom_matrix(d, &t, &v, &n, err, sizeof err) == 0) {
		for (i = 1; i < n; i++)
			if (t[i] < t[i - 1])
				__builtin_trap();
		free(t);
		free(v);
	} else {
		fuzz_refused(err);
	}
	err[0] = '\0';
	if (prom_buckets(d, &le, &count, &n, err, sizeof err) == 0) {
		for (i = 0; i < n; i++)
			if (!isfinite(count[i]))
				__builtin_trap();
		free(le);
		free(count);
	} else {
		fuzz_refused(err);
	}
	err[0] = '\0';
	if (prom_scalar(d, &one, err, sizeof err) != 0)
		fuzz_refused(err);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct prom p = { .url = "http://prometheus.fuzz:9090" };
	struct prom_xfer x;
	char err[1024] = "";
	json_t *d;

	memset(&x, 0, sizeof x);
	snprintf(x.what, sizeof x.what, "query_range score of fuzz v1");
	x.rc = CURLE_OK;
	x.b.s = malloc(size + 1);
	if (x.b.s == NULL)
		return 0;
	memcpy(x.b.s, data, size);
	x.b.s[size] = '\0';
	x.b.len = size;
	x.code = 200;
	d = prom_answer(&p, &x, err, sizeof err);
	if (d != NULL) {
		fuzz_read(d);
		json_decref(d);
	} else {
		fuzz_refused(err);
	}
	/* The same body as an error reply: its message is taken apart too. */
	x.code = 400;
	err[0] = '\0';
	d = prom_answer(&p, &x, err, sizeof err);
	if (d != NULL)
		__builtin_trap(); /* a 400 is never data */
	fuzz_refused(err);
	free(x.b.s);
	return 0;
}
