/* fakealerts: a fake alert source for the console's tests (mode = fail|hang|ok; act = ok|refuse|stall; log = FILE): its silences are lines in log, its syncs fail or hang on purpose. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "plugins/steward-plugin.h"

struct fa {
	char mode[16];
	char act[16];
	int seconds;
	char log[4096];
	int made; /* silences made, for their ids */
};

static int fa_open(const struct steward_kv *kv, size_t n, void **state, char *err, size_t errn)
{
	struct fa *f = calloc(1, sizeof *f);
	size_t i;

	if (f == NULL) {
		snprintf(err, errn, "out of memory");
		return -1;
	}
	snprintf(f->mode, sizeof f->mode, "fail");
	snprintf(f->act, sizeof f->act, "ok");
	f->seconds = 3;
	for (i = 0; i < n; i++) {
		if (strcmp(kv[i].key, "mode") == 0)
			snprintf(f->mode, sizeof f->mode, "%s", kv[i].value);
		else if (strcmp(kv[i].key, "act") == 0)
			snprintf(f->act, sizeof f->act, "%s", kv[i].value);
		else if (strcmp(kv[i].key, "seconds") == 0)
			f->seconds = atoi(kv[i].value);
		else if (strcmp(kv[i].key, "log") == 0)
			snprintf(f->log, sizeof f->log, "%s", kv[i].value);
	}
	*state = f;
	return 0;
}

static void fa_close(void *state)
{
	free(state);
}

static int fa_sync(void *state, const struct steward_sink *sink, char *err, size_t errn)
{
	struct fa *f = state;

	if (strcmp(f->mode, "hang") == 0) {
		struct timespec ts = { 0, 50 * 1000 * 1000 };

		for (int i = 0; i < f->seconds * 20 && !sink->cancelled(sink->ctx); i++)
			nanosleep(&ts, NULL);
		snprintf(err, errn, "GET http://127.0.0.1:9/api/v2/alerts: Timeout was reached");
		return -1;
	}
	if (strcmp(f->mode, "ok") == 0)
		return 0;
	snprintf(err, errn, "GET http://127.0.0.1:9/api/v2/alerts: Couldn't connect to server");
	return -1;
}

static int fa_health(void *state, char *msg, size_t n)
{
	struct fa *f = state;

	snprintf(msg, n, "mode %s", f->mode);
	return strcmp(f->mode, "ok") == 0 ? 0 : -1;
}

static int fa_act(void *state, const struct steward_act *a, char *err, size_t errn)
{
	struct fa *f = state;
	FILE *out;
	size_t i;

	if (a->kind != STEWARD_ACT_SILENCE && a->kind != STEWARD_ACT_EXPIRE_SILENCE) {
		snprintf(err, errn, "an alert source makes silences only, not act %d", (int)a->kind);
		return -1;
	}
	if (strcmp(f->act, "refuse") == 0) {
		/* Alertmanager's own words, with a control character a careless console would pass on. */
		snprintf(err, errn, "POST /api/v2/silences: 400 silence invalid: \x1b[2Jcomment missing (on purpose)");
		return -1;
	}
	if (strcmp(f->act, "stall") == 0) {
		struct timespec ts = { f->seconds, 0 };

		nanosleep(&ts, NULL);
		snprintf(err, errn, "POST /api/v2/silences: Timeout was reached after %d s", f->seconds);
		return -1;
	}
	out = fopen(f->log, "a");
	if (out == NULL) {
		snprintf(err, errn, "cannot write the fake's log '%s'", f->log);
		return -1;
	}
	if (a->kind == STEWARD_ACT_EXPIRE_SILENCE) {
		fprintf(out, "expire %s by %s\n", a->silence_id ? a->silence_id : "?", a->creator ? a->creator : "?");
	} else {
		fprintf(out, "silence");
		for (i = 0; i < a->nmatchers; i++)
			fprintf(out, " %s%s", a->matchers[i].key, a->matchers[i].value);
		fprintf(out, " for %lld by %s: %s\n", (long long)(a->ends - a->starts), a->creator ? a->creator : "?",
			a->comment ? a->comment : "");
		if (a->out != NULL && a->outn > 0)
			snprintf(a->out, a->outn, "fake-%d", ++f->made);
	}
	return fclose(out) == 0 ? 0 : -1;
}

static const struct steward_plugin fa_plugin = {
	.abi = STEWARD_PLUGIN_ABI,
	.name = "fakealerts",
	.caps = STEWARD_CAP_ALERTS,
	.open = fa_open,
	.close = fa_close,
	.sync = fa_sync,
	.act = fa_act,
	.health = fa_health,
};

const struct steward_plugin *steward_plugin_entry(void)
{
	return &fa_plugin;
}
