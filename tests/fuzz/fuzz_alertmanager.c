/* fuzz_alertmanager: libFuzzer target for the Alertmanager plugin's reading of API replies: any bytes as the alert and silence lists (and as an error reply) must be handed over or refused with a reason, never crash; what is handed over keeps its promises (a fingerprint or id, a known state, labels that are there). */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

/* The plugin's own files, as its unit test takes them. */
#include "plugins/alertmanager/alertmanager.c"
#include "plugins/alertmanager/http.c"
#include "plugins/alertmanager/sync.c"
#include "plugins/alertmanager/time.c"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
const char *const fuzz_default_corpus = "tests/fuzz/corpus/alertmanager";

static int fuzz_state(const char *s, const char *a, const char *b, const char *c)
{
	return s != NULL && (strcmp(s, a) == 0 || strcmp(s, b) == 0 || strcmp(s, c) == 0);
}

static int fuzz_alert(void *ctx, const struct steward_alert_rec *r)
{
	size_t i;

	(void)ctx;
	if (r->fingerprint == NULL || r->fingerprint[0] == '\0' || r->name == NULL || r->severity == NULL ||
	    r->summary == NULL || r->silenced_by == NULL || !fuzz_state(r->state, "active", "suppressed", "unprocessed") ||
	    (r->nlabels > 0 && r->labels == NULL) || r->version < 0)
		__builtin_trap();
	for (i = 0; i < r->nlabels; i++)
		if (r->labels[i].key == NULL || r->labels[i].value == NULL)
			__builtin_trap();
	return 0;
}

static int fuzz_silence(void *ctx, const struct steward_silence_rec *r)
{
	size_t i;

	(void)ctx;
	if (r->id == NULL || r->id[0] == '\0' || !fuzz_state(r->state, "active", "pending", "expired") ||
	    (r->nmatchers > 0 && r->matchers == NULL))
		__builtin_trap();
	for (i = 0; i < r->nmatchers; i++)
		if (r->matchers[i].key == NULL || r->matchers[i].value == NULL)
			__builtin_trap();
	return 0;
}

static const char *fuzz_message(void *ctx)
{
	(void)ctx;
	return "refused";
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct am m = { .url = "http://alertmanager.fuzz:9093", .model_label = "model",
			       .version_label = "version", .severity_label = "severity" };
	struct steward_sink sink = { .alert = fuzz_alert, .silence = fuzz_silence, .message = fuzz_message };
	struct am_reply r = { 0 };
	char err[1024], why[400];
	json_t *j, *x;
	size_t i;

	/* As am_call takes a list: every element as an alert and as a silence. */
	j = json_loadb((const char *)data, size, 0, NULL);
	json_array_foreach(j, i, x) {
		err[0] = '\0';
		if (am_alert(&m, &sink, x, i, err, sizeof err) != 0 && err[0] == '\0')
			__builtin_trap(); /* every refusal says why */
		err[0] = '\0';
		if (am_silence(&sink, x, i, err, sizeof err) != 0 && err[0] == '\0')
			__builtin_trap();
	}
	json_decref(j);
	/* As an error reply's body: the reason is cut out of it. */
	r.body = malloc(size + 1);
	if (r.body == NULL)
		return 0;
	memcpy(r.body, data, size);
	r.body[size] = '\0';
	r.len = size;
	why[0] = '\0';
	am_reply_reason(&r, why, sizeof why);
	if (why[0] == '\0')
		__builtin_trap();
	free(r.body);
	return 0;
}
