/* openlineage: the OpenLineage plugin's instance: its configuration (the directory a file transport writes into, which names, how long an event may be) and health; the sync is in follow.c. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <sodium.h>

#include "plugins/openlineage/ol.h"

static const char *ol_kv(const struct steward_kv *kv, size_t n, const char *key)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (strcmp(kv[i].key, key) == 0)
			return kv[i].value;
	return NULL;
}

/* A whole number lo..hi; -1 otherwise. */
static long long ol_number_in(const char *v, long long lo, long long hi)
{
	char *end;
	long long n;

	errno = 0;
	n = strtoll(v, &end, 10);
	if (errno != 0 || end == v || *end != '\0' || n < lo || n > hi)
		return -1;
	return n;
}

/* The directory as it is now: 0, or -1 with msg saying what is wrong. */
static int ol_dir_check(const char *dir, char *msg, size_t n)
{
	struct stat sb;
	int fd;

	if (stat(dir, &sb) != 0)
		return ol_err(msg, n, "dir %s: %s", dir, strerror(errno));
	if (!S_ISDIR(sb.st_mode))
		return ol_err(msg, n, "dir %s is not a directory (name the directory the file transport writes into)", dir);
	fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return ol_err(msg, n, "dir %s: %s", dir, strerror(errno));
	close(fd);
	return 0;
}

static void ol_close(void *state)
{
	free(state);
}

static int ol_open(const struct steward_kv *kv, size_t n, void **state, char *err, size_t errn)
{
	static const char *const known[] = { "dir", "pattern", "max_event" };
	const char *dir = ol_kv(kv, n, "dir"), *rev = ol_kv(kv, n, "steward.sink_revision"), *v;
	long long max;
	struct ol *o;
	size_t i, k;

	for (i = 0; i < n; i++) {
		if (strncmp(kv[i].key, "steward.", 8) == 0)
			continue; /* the host's keys */
		for (k = 0; k < sizeof known / sizeof known[0] && strcmp(kv[i].key, known[k]) != 0; k++)
			;
		if (k == sizeof known / sizeof known[0])
			return ol_err(err, errn, "unknown key '%.100s' (known: dir, pattern, max_event)", kv[i].key);
	}
	/* Events go to sink members of revision 3. */
	if (rev == NULL || ol_number_in(rev, 3, 1000000) < 0)
		return ol_err(err, errn,
			      "this steward's plugin host is older than the OpenLineage plugin: it needs sink revision 3 (lineage), the host offers %.20s",
			      rev ? rev : "revision 1");
	if (dir == NULL || dir[0] == '\0')
		return ol_err(err, errn, "dir is missing: name the directory the OpenLineage file transport writes into");
	if (dir[0] != '/')
		return ol_err(err, errn, "dir %.200s is not an absolute path", dir);
	if (sodium_init() < 0)
		return ol_err(err, errn, "cannot initialise libsodium");
	o = calloc(1, sizeof *o);
	if (o == NULL)
		return ol_err(err, errn, "out of memory");
	if (strlen(dir) >= sizeof o->dir) {
		free(o);
		return ol_err(err, errn, "dir is longer than %zu bytes", sizeof o->dir - 1);
	}
	snprintf(o->dir, sizeof o->dir, "%s", dir);
	/* "/x/" and "/x" are one directory. */
	while (strlen(o->dir) > 1 && o->dir[strlen(o->dir) - 1] == '/')
		o->dir[strlen(o->dir) - 1] = '\0';
	snprintf(o->pattern, sizeof o->pattern, "*");
	o->max_event = OL_EVENT_MAX;
	if ((v = ol_kv(kv, n, "pattern")) != NULL) {
		if (v[0] == '\0' || strchr(v, '/') != NULL || strlen(v) >= sizeof o->pattern) {
			free(o);
			return ol_err(err, errn,
				      "pattern must be a glob of file names in dir (such as *.json), without '/', under %zu bytes",
				      sizeof o->pattern);
		}
		snprintf(o->pattern, sizeof o->pattern, "%s", v);
	}
	if ((v = ol_kv(kv, n, "max_event")) != NULL) {
		max = ol_number_in(v, OL_EVENT_MIN, OL_EVENT_MAX);
		if (max < 0) {
			free(o);
			return ol_err(err, errn, "max_event must be %d to %d bytes (the core refuses longer events)",
				      OL_EVENT_MIN, OL_EVENT_MAX);
		}
		o->max_event = (size_t)max;
	}
	if (ol_dir_check(o->dir, err, errn) != 0) {
		free(o);
		return -1;
	}
	*state = o;
	return 0;
}

static int ol_health(void *state, char *msg, size_t n)
{
	struct ol *o = state;

	if (ol_dir_check(o->dir, msg, n) != 0)
		return -1;
	if (o->problem[0] != '\0')
		return ol_err(msg, n, "%s", o->problem);
	snprintf(msg, n, "ok");
	return 0;
}

static int ol_sync(void *state, const struct steward_sink *sink, char *err, size_t errn)
{
	return ol_follow(state, sink, err, errn);
}

static const struct steward_plugin ol_plugin = {
	.abi = STEWARD_PLUGIN_ABI,
	.name = "openlineage",
	.caps = STEWARD_CAP_LINEAGE,
	.open = ol_open,
	.close = ol_close,
	.sync = ol_sync,
	.health = ol_health,
};

const struct steward_plugin *steward_plugin_entry(void)
{
	return &ol_plugin;
}
