/* misbehave: a fake backend that hangs, returns garbage or fails on purpose (mode = hang|stuck|garbage|fail|ok|evidence|digests|alerts; act = ok|refuse|stall), to show the host and the console stay in charge. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "plugins/steward-plugin.h"

struct mb {
	char mode[16];
	int seconds;
	char act[16];      /* ok: record the move in `moves`; refuse; stall for act_seconds, then time out */
	int act_seconds;
	char moves[4096];  /* the fake registry's aliases: one "model alias version" line per move */
	char alerts[1024]; /* mode alerts: "NAME MODEL SEVERITY;..." handed over as firing alerts */
};

static int mb_open(const struct steward_kv *kv, size_t n, void **state, char *err, size_t errn)
{
	struct mb *m = calloc(1, sizeof *m);
	size_t i;

	if (m == NULL) {
		snprintf(err, errn, "out of memory");
		return -1;
	}
	snprintf(m->mode, sizeof m->mode, "ok");
	m->seconds = 3600;
	snprintf(m->act, sizeof m->act, "ok");
	m->act_seconds = 3;
	for (i = 0; i < n; i++) {
		if (strcmp(kv[i].key, "mode") == 0)
			snprintf(m->mode, sizeof m->mode, "%s", kv[i].value);
		else if (strcmp(kv[i].key, "seconds") == 0)
			m->seconds = atoi(kv[i].value);
		else if (strcmp(kv[i].key, "act") == 0)
			snprintf(m->act, sizeof m->act, "%s", kv[i].value);
		else if (strcmp(kv[i].key, "act_seconds") == 0)
			m->act_seconds = atoi(kv[i].value);
		else if (strcmp(kv[i].key, "moves") == 0)
			snprintf(m->moves, sizeof m->moves, "%s", kv[i].value);
		else if (strcmp(kv[i].key, "alerts") == 0)
			snprintf(m->alerts, sizeof m->alerts, "%s", kv[i].value);
	}
	*state = m;
	return 0;
}

static void mb_close(void *state)
{
	free(state);
}

static int mb_sync(void *state, const struct steward_sink *sink, char *err, size_t errn)
{
	struct mb *m = state;
	struct steward_model_rec good = { .name = "fixture-model", .tier = "low", .owner = "tests", .description = "" };

	if (strcmp(m->mode, "hang") == 0) {
		/* A backend that never answers: only cancellation ends it. */
		struct timespec ts = { 0, 50 * 1000 * 1000 };

		for (int i = 0; i < m->seconds * 20 && !sink->cancelled(sink->ctx); i++)
			nanosleep(&ts, NULL);
		snprintf(err, errn, "gave up waiting");
		return -1;
	}
	if (strcmp(m->mode, "stuck") == 0) {
		/* A backend call that ignores cancellation altogether: only the
		 * end of the process ends it. */
		struct timespec ts = { 0, 50 * 1000 * 1000 };

		for (int i = 0; i < m->seconds * 20; i++)
			nanosleep(&ts, NULL);
		snprintf(err, errn, "stuck for %d s", m->seconds);
		return -1;
	}
	if (strcmp(m->mode, "garbage") == 0) {
		struct steward_model_rec bad = { .name = "fixture-model", .tier = "enormous", .owner = "x" };
		struct steward_version_rec v = { .model = "fixture-model", .version = 1, .source = "s3://x",
						 .digest = "sha256:not-a-digest" };

		/* A good record first: it must not survive the failed sync. */
		if (sink->model(sink->ctx, &good) != 0)
			return -1;
		if (sink->version(sink->ctx, &v) != 0 || sink->model(sink->ctx, &bad) != 0) {
			snprintf(err, errn, "the core refused a record: %s", sink->message(sink->ctx));
			return -1;
		}
		return 0;
	}
	if (strcmp(m->mode, "alerts") == 0) {
		/* An alert source's whole set, from the config: what a gate's alert rules read. */
		char buf[1024], *save = NULL, *tok;
		int k = 0;

		snprintf(buf, sizeof buf, "%s", m->alerts);
		for (tok = strtok_r(buf, ";", &save); tok != NULL; tok = strtok_r(NULL, ";", &save)) {
			char name[128], model[128], sev[32], fp[32];
			struct steward_kv kv[3];
			struct steward_alert_rec a = { 0 };

			if (sscanf(tok, "%127s %127s %31s", name, model, sev) != 3) {
				snprintf(err, errn, "alerts: '%s' is not NAME MODEL SEVERITY", tok);
				return -1;
			}
			snprintf(fp, sizeof fp, "fp%d", k++);
			kv[0].key = "alertname";
			kv[0].value = name;
			kv[1].key = "model";
			kv[1].value = model;
			kv[2].key = "severity";
			kv[2].value = sev;
			a.fingerprint = fp;
			a.name = name;
			a.state = "active";
			a.severity = sev;
			a.model = model;
			a.starts = 1;
			a.summary = "";
			a.silenced_by = "";
			a.labels = kv;
			a.nlabels = 3;
			if (sink->alert(sink->ctx, &a) != 0) {
				snprintf(err, errn, "alert refused: %s", sink->message(sink->ctx));
				return -1;
			}
		}
		return 0;
	}
	if (strcmp(m->mode, "evidence") == 0) {
		/* A version with its card and a metric: evidence a gate reads. */
		struct steward_version_rec v = {
			.model = "fixture-model", .version = 1, .source = "s3://fixture/1", .author = "someone",
			.card = "## Intended use\nfixtures\n",
			.digest = "sha256:1111111111111111111111111111111111111111111111111111111111111111",
			.created = 1767225600,
		};
		struct steward_metric_rec mt = { .model = "fixture-model", .version = 1, .name = "auc", .dataset = "holdout",
						 .slice = "", .value = 0.9 };

		return sink->model(sink->ctx, &good) != 0 || sink->version(sink->ctx, &v) != 0 ||
			       sink->metric(sink->ctx, &mt) != 0
			       ? -1
			       : 0;
	}
	if (strcmp(m->mode, "digests") == 0) {
		/* Three versions, one per digest state, each skipped when the
		 * core says its stamp did not move (as an incremental sync would). */
		static const char *const why[] = { NULL, "downloading model/MLmodel: Timeout was reached", "empty" };
		int64_t n;

		if (sink->model(sink->ctx, &good) != 0)
			return -1;
		for (n = 1; n <= 3; n++) {
			struct steward_version_rec v = {
				.model = "fixture-model", .version = n, .source = "s3://fixture/d", .author = "someone",
				.digest = n == 1 ? "sha256:2222222222222222222222222222222222222222222222222222222222222222"
						 : NULL,
				.created = 1767225600,
			};

			/* Counted as it goes, as a real backend reports, for the progress line. */
			sink->progress(sink->ctx, "versions", (long)n, 3);
			if (sink->unchanged(sink->ctx, v.model, n, "stamp-1"))
				continue;
			if (n == 2)
				sink->digest_note(sink->ctx, v.model, n, "unverified", why[1]);
			else if (n == 3)
				sink->digest_note(sink->ctx, v.model, n, "empty", "no files");
			if (sink->version(sink->ctx, &v) != 0) {
				snprintf(err, errn, "version refused: %s", sink->message(sink->ctx));
				return -1;
			}
			sink->stamp(sink->ctx, v.model, n, "stamp-1");
		}
		return 0;
	}
	if (strcmp(m->mode, "fail") == 0) {
		snprintf(err, errn, "backend unreachable (on purpose)");
		return -1;
	}
	return sink->model(sink->ctx, &good);
}

static int mb_health(void *state, char *msg, size_t n)
{
	struct mb *m = state;

	snprintf(msg, n, "mode %s", m->mode);
	return strcmp(m->mode, "ok") == 0 ? 0 : -1;
}

static int mb_act(void *state, const struct steward_act *a, char *err, size_t errn)
{
	struct mb *m = state;
	FILE *f;

	if (strcmp(m->act, "refuse") == 0) {
		/* A registry's own refusal, with a control character a careless
		 * console would hand to the terminal. */
		snprintf(err, errn, "INVALID_PARAMETER_VALUE: the fake registry refuses to move %s of %s to %lld \x1b[2J(on purpose)",
			 a->alias, a->model, (long long)a->version);
		return -1;
	}
	if (strcmp(m->act, "stall") == 0) {
		struct timespec ts = { m->act_seconds, 0 };

		nanosleep(&ts, NULL);
		snprintf(err, errn, "Timeout was reached: the fake registry did not answer within %d s", m->act_seconds);
		return -1;
	}
	if (m->moves[0] == '\0') {
		snprintf(err, errn, "the fake registry has no moves file configured");
		return -1;
	}
	f = fopen(m->moves, "a");
	if (f == NULL) {
		snprintf(err, errn, "cannot write %s", m->moves);
		return -1;
	}
	fprintf(f, "%s %s %lld\n", a->model, a->alias, (long long)a->version);
	return fclose(f) == 0 ? 0 : -1;
}

static const struct steward_plugin mb_plugin = {
	.abi = STEWARD_PLUGIN_ABI,
	.name = "misbehave",
	.caps = STEWARD_CAP_REGISTRY,
	.open = mb_open,
	.close = mb_close,
	.sync = mb_sync,
	.act = mb_act,
	.health = mb_health,
};

const struct steward_plugin *steward_plugin_entry(void)
{
	return &mb_plugin;
}
