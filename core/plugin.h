/* plugin: the configuration file, loading plugins from trusted directories, and running their syncs and acts against the store. */
#ifndef STEWARD_PLUGIN_HOST_H
#define STEWARD_PLUGIN_HOST_H

#include <stddef.h>
#include <stdint.h>

#include "err.h"
#include "gate.h"
#include "keyring.h"
#include "plugins/steward-plugin.h"
#include "store.h"

#define PLUGIN_MAX_INSTANCES 16
#define PLUGIN_MAX_KV 32
#define PLUGIN_MAX_DIRS 8

/* One [plugin NAME] section. */
struct plugin_instance {
	char name[65];
	char type[65];        /* which steward-TYPE.so */
	int interval;         /* seconds between background syncs in the console */
	int full_every;       /* seconds between full passes (incremental syncs in between) */
	int force_full;       /* the next sync is a full pass (steward sync --full) */
	/* Set by a caller whose key is still being unlocked while the sync
	 * reads (steward sync): the worker calls it before its first write and
	 * before it ends, and fails the sync unless it returns 0 (e says why). */
	int (*who_ready)(void *arg, struct err *e);
	/* Set with who_ready: called once, on the worker, when the plugin
	 * first waits on its backend (its first cancelled() poll) or first
	 * needs the principal, whichever comes first. */
	void (*reading)(void *arg);
	void *who_arg;
	struct steward_kv kv[PLUGIN_MAX_KV];
	size_t nkv;
	char *strings;        /* owns the kv strings */
	size_t slen, scap;
	int line;
	/* loaded */
	void *dl;
	const struct steward_plugin *p;
	char path[4096];
	void *state;
};

struct plugin_config {
	char path[4096];      /* the file read, "" when none exists */
	char dirs[PLUGIN_MAX_DIRS][4096];
	size_t ndirs;
	char playbooks[4096]; /* [steward] playbooks = DIR; "" when not set */
	char db[4096];        /* [steward] db = PATH or postgresql://...; "" when not set */
	struct plugin_instance inst[PLUGIN_MAX_INSTANCES];
	size_t ninst;
};

/* The default config path: $XDG_CONFIG_HOME/steward/config (~/.config). */
int plugin_config_path(char *buf, size_t n, struct err *e);
/* Reads path (a missing file is an empty configuration unless required).
 * Errors name file:line. Secrets may only come from environment
 * variables a key ending in "_env" names; a key such as "token" or
 * "password" written in the file is refused. The plugin directories are
 * the [steward] plugin_dirs setting, else the install's plugin directory
 * and, in a source tree, build/plugins beside the binary: never the
 * current directory. */
int plugin_config_load(const char *path, int required, struct plugin_config *c, struct err *e);
/* The same from text already read (name is what messages call it): the fuzz target's entry point. */
int plugin_config_parse(const char *text, size_t len, const char *name, struct plugin_config *c, struct err *e);
void plugin_config_free(struct plugin_config *c);
struct plugin_instance *plugin_find(struct plugin_config *c, const char *name);

/* Loads (dlopen) and opens an instance: refuses world-writable files or
 * directories and other ABI versions, naming the file. */
int plugin_open(struct plugin_instance *in, const struct plugin_config *c, struct err *e);
void plugin_close(struct plugin_instance *in);

struct plugin_sync_result {
	int64_t models, versions, metrics, aliases; /* records received */
	int64_t series, alerts;                     /* series and histograms; alerts and silences */
	int64_t written;                            /* rows the sync changed */
	int64_t observed;                           /* alias moves no steward decision explains */
	int64_t skipped;                            /* versions the plugin skipped as unchanged */
	int64_t unverified;                         /* versions whose artifacts could not be read */
	int full;                                   /* 1: a full pass (nothing skipped) */
	char partial[300];                          /* the first unverified version and why */
	/* a lineage source: events seen, new, already held, malformed and
	 * skipped (the first named in malformed_first), versions attested */
	int64_t events, imported, duplicates, malformed, attested;
	int64_t deployments;                        /* servers a deploy source reported */
	char malformed_first[300];
	double seconds;
};
/* A monitor_act_fn (core/monitor.h): performs act through the plugin
 * instance arg (open), err getting the backend's message. */
int plugin_act_call(void *arg, const struct steward_act *act, char *err, size_t errn);

typedef void (*plugin_progress_fn)(void *arg, const char *what, long done, long total);

/* Runs one instance's sync on a worker thread with its own store
 * connection: every write lands in one transaction or none does. The
 * health row is updated either way. Blocks until done. The evidence it
 * records (models, versions, cards, metrics) is signed as who's acts;
 * who NULL (the console's background sync) records it unattested, which
 * no gate counts on until a sync with a key attests it. who (and its key)
 * must outlive the sync. */
int plugin_sync(const char *db_path, struct plugin_instance *in, const struct principal *who,
		plugin_progress_fn progress, void *arg, struct plugin_sync_result *r, struct err *e);

/* The same, in the background (the console): start, poll, cancel (the
 * plugin sees it through the sink's cancelled()), finish joins and frees. */
struct plugin_bg;
struct plugin_bg *plugin_sync_start(const char *db_path, struct plugin_instance *in, const struct principal *who,
				    plugin_progress_fn progress, void *arg, struct err *e);
int plugin_sync_done(const struct plugin_bg *b);
void plugin_sync_cancel(struct plugin_bg *b);
int plugin_sync_finish(struct plugin_bg *b, struct plugin_sync_result *r, struct err *e);
/* Gives up on a worker that did not end (a plugin deaf to cancel), for a
 * process about to exit: the thread is detached and b left allocated,
 * since the worker still writes to it; the instance and db_path it was
 * started with must stay allocated too. b is not to be used again. */
void plugin_sync_abandon(struct plugin_bg *b);

struct plugin_health {
	char name[65];
	char state[16];   /* ok, partial (artifacts unread), degraded, never */
	char message[512];
	int64_t last_success, last_attempt, records;
};
int plugin_health_get(struct store *st, const char *name, struct plugin_health *h, struct err *e);

/* The instance that owns a model synced from a backend ("local" models
 * have none): NULL when the model is local. */
struct plugin_instance *plugin_for_source(struct plugin_config *c, const char *source);

/* The registry backend of governed alias moves (gate_apply, gate_rollback):
 * a model synced from a plugin is moved there first, through an instance
 * of that plugin of its own, loaded on first use from config_path (NULL:
 * the default file, which may be missing). Local models move only in the
 * store. The CLI and the console both act through this one backend; hand
 * &b->gb to the gate. st is read for the model's source: the act's own
 * connection, so this may run on the console's worker thread. */
struct plugin_backend {
	struct store *st;
	char config[4096];
	int has_config;
	struct plugin_config pc;
	int loaded;
	struct gate_backend gb;
};
void plugin_backend_init(struct plugin_backend *b, struct store *st, const char *config_path);
void plugin_backend_free(struct plugin_backend *b);
/* The configured instance name, opened (loaded on first use), for acts
 * of other kinds (a silence); NULL with err saying why. */
struct plugin_instance *plugin_backend_instance(struct plugin_backend *b, const char *name, char *err, size_t errn);

/* Models whose alias points somewhere no steward decision put it. */
struct plugin_unapproved {
	char model[101], alias[65];
	int64_t version, seq, observed;
};
int plugin_unapproved_list(struct store *st, const char *model, struct plugin_unapproved **out, size_t *n,
			   struct err *e);

#endif
