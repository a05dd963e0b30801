/* hap-drive: drives a deploy plugin's shared object as the host would (open with keys, sync into a printing sink, act with a traffic plan, health), for the HAProxy tests until steward's own deploy commands call it. */
#include <dlfcn.h>
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "plugins/steward-plugin.h"

#define DRIVE_MAX 64

struct drive_sink {
	int refuse_at; /* the record the sink refuses (1-based), 0 none */
	int seen;
};

static int drive_deployment(void *ctx, const struct steward_deployment_rec *d)
{
	struct drive_sink *s = ctx;

	if (++s->seen == s->refuse_at)
		return -1;
	printf("%s %" PRId64 " %s %s %s %" PRId64 " %.2f %" PRId64 "\n", d->model, d->version, d->target, d->mode,
	       d->state, d->weight, d->share, d->sessions);
	return 0;
}

static const char *drive_message(void *ctx)
{
	(void)ctx;
	return "the test sink refuses this record";
}

static int drive_cancelled(void *ctx)
{
	(void)ctx;
	return 0;
}

static int usage(void)
{
	fprintf(stderr,
		"usage: hap-drive PLUGIN.so [KEY=VALUE...] -- VERB\n"
		"  VERB: sync | sync-old (a host without the deployment sink) | sync-refuse K (the sink refuses record K)\n"
		"        health | act MODEL VERSION:SHARE:STATE... | act-kind KIND MODEL\n"
		"  steward.sink_revision=4 is passed unless a KEY=VALUE names it.\n");
	return 2;
}

int main(int argc, char **argv)
{
	struct steward_kv kv[DRIVE_MAX];
	struct steward_traffic plan[DRIVE_MAX];
	const struct steward_plugin *(*entry)(void);
	const struct steward_plugin *p;
	struct drive_sink ds = { 0 };
	struct steward_sink sink = { .ctx = &ds, .message = drive_message, .cancelled = drive_cancelled };
	struct steward_act act = { 0 };
	char err[1024] = "", *eq;
	size_t nkv = 0, nplan = 0;
	void *dl, *state = NULL;
	int i, rev = 0, rc;
	const char *verb;

	if (argc < 4)
		return usage();
	dl = dlopen(argv[1], RTLD_NOW | RTLD_LOCAL);
	if (dl == NULL) {
		fprintf(stderr, "hap-drive: %s\n", dlerror());
		return 2;
	}
	*(void **)&entry = dlsym(dl, "steward_plugin_entry");
	if (entry == NULL || (p = entry()) == NULL || p->abi != STEWARD_PLUGIN_ABI) {
		fprintf(stderr, "hap-drive: %s is not a plugin of ABI %d\n", argv[1], STEWARD_PLUGIN_ABI);
		return 2;
	}
	for (i = 2; i < argc && strcmp(argv[i], "--") != 0; i++) {
		if (nkv == DRIVE_MAX - 1 || (eq = strchr(argv[i], '=')) == NULL)
			return usage();
		*eq = '\0';
		kv[nkv].key = argv[i];
		kv[nkv++].value = eq + 1;
		rev |= strcmp(argv[i], "steward.sink_revision") == 0;
	}
	if (i + 1 >= argc)
		return usage();
	verb = argv[++i];
	if (!rev) {
		kv[nkv].key = "steward.sink_revision";
		kv[nkv++].value = "4";
	}
	if (p->open(kv, nkv, &state, err, sizeof err) != 0) {
		fprintf(stderr, "open: %s\n", err);
		dlclose(dl);
		return 1;
	}
	if (strcmp(verb, "sync") == 0 || strcmp(verb, "sync-old") == 0 || strcmp(verb, "sync-refuse") == 0) {
		if (strcmp(verb, "sync") == 0 || strcmp(verb, "sync-refuse") == 0)
			sink.deployment = drive_deployment;
		if (strcmp(verb, "sync-refuse") == 0)
			ds.refuse_at = i + 1 < argc ? atoi(argv[i + 1]) : 1;
		rc = p->sync(state, &sink, err, sizeof err);
	} else if (strcmp(verb, "health") == 0) {
		rc = p->health(state, err, sizeof err);
		if (rc == 0)
			printf("%s\n", err);
	} else if (strcmp(verb, "act") == 0 || strcmp(verb, "act-kind") == 0) {
		act.kind = STEWARD_ACT_SET_TRAFFIC;
		if (strcmp(verb, "act-kind") == 0) {
			if (i + 2 >= argc)
				return usage();
			act.kind = (enum steward_act_kind)atoi(argv[++i]);
		}
		if (i + 1 >= argc)
			return usage();
		act.model = argv[++i];
		for (i++; i < argc && nplan < DRIVE_MAX; i++) {
			char *a = argv[i], *b = strchr(a, ':'), *c = b ? strchr(b + 1, ':') : NULL;

			if (c == NULL)
				return usage();
			*b = *c = '\0';
			plan[nplan].version = strtoll(a, NULL, 10);
			plan[nplan].share = strtoll(b + 1, NULL, 10);
			plan[nplan++].state = c + 1;
		}
		act.traffic = nplan ? plan : NULL;
		act.ntraffic = nplan;
		rc = p->act(state, &act, err, sizeof err);
	} else {
		p->close(state);
		dlclose(dl);
		return usage();
	}
	if (rc != 0)
		fprintf(stderr, "%s: %s\n", verb, err);
	p->close(state);
	dlclose(dl);
	return rc != 0 ? 1 : 0;
}
