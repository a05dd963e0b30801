/* fuzz_mlflow: libFuzzer target for the MLflow plugin's reading of REST replies: any bytes as a reply (200 and 404) must be taken as an object or refused with a reason, and the readers of versions and runs (tags, the dataset a run evaluated, the change stamp, metric order) must never crash on what it holds. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

/* The plugin's own files, as its unit test takes them. */
#include "plugins/mlflow/artifacts.c"
#include "plugins/mlflow/http.c"
#include "plugins/mlflow/mlflow.c"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
const char *const fuzz_default_corpus = "tests/fuzz/corpus/mlflow";

/* What a sync reads of one version or run object. */
static void fuzz_object(json_t *o)
{
	char stamp[100];
	json_t *m, *prev = NULL;
	size_t i;

	if (mlf_stamp(o, stamp, sizeof stamp) != 0)
		return;
	if (strchr(stamp, '.') == NULL)
		__builtin_trap();
	(void)mlf_tag(json_object_get(o, "tags"), "steward.dataset");
	(void)mlf_who(json_string_value(json_object_get(o, "user_id")));
	(void)mlf_hex_id(json_string_value(json_object_get(o, "run_id")));
	(void)mlf_dataset(o);
	json_array_foreach(json_object_get(json_object_get(o, "data"), "metrics"), i, m) {
		if (prev != NULL)
			(void)mlf_later(m, prev);
		prev = m;
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct mlf_xfer x;
	char err[1024] = "", ec[100];
	json_t *j, *o;
	size_t i;
	const char *k;

	memset(&x, 0, sizeof x);
	snprintf(x.method, sizeof x.method, "GET");
	x.path = "/api/2.0/mlflow/model-versions/search";
	x.rc = CURLE_OK;
	x.b.s = malloc(size + 1);
	if (x.b.s == NULL)
		return 0;
	memcpy(x.b.s, data, size);
	x.b.s[size] = '\0';
	x.b.len = size;
	x.code = 200;
	j = mlf_answer(&x, err, sizeof err, ec, sizeof ec);
	if (j == NULL) {
		if (err[0] == '\0')
			__builtin_trap(); /* every refusal says why */
	} else {
		if (!json_is_object(j))
			__builtin_trap();
		/* Each list a reply carries (model_versions, runs, registered_models, ...). */
		json_object_foreach(j, k, o) {
			json_t *e;

			if (json_is_object(o))
				fuzz_object(o);
			json_array_foreach(o, i, e)
				if (json_is_object(e))
					fuzz_object(e);
		}
		json_decref(j);
	}
	/* The same body as an error reply: MLflow's error_code and message are taken apart. */
	x.code = 404;
	err[0] = '\0';
	if (mlf_answer(&x, err, sizeof err, ec, sizeof ec) != NULL || err[0] == '\0')
		__builtin_trap();
	free(x.b.s);
	return 0;
}
