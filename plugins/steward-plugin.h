/* steward-plugin.h: the whole plugin ABI: one entry point returning a table of function pointers, and the sinks sync hands records to. */
#ifndef STEWARD_PLUGIN_H
#define STEWARD_PLUGIN_H

#include <stddef.h>
#include <stdint.h>

/*
 * Rules of this header, as in sqlite3ext.h: members are only ever appended
 * to the structs below, never reordered or removed; STEWARD_PLUGIN_ABI
 * changes only when that rule has to be broken. A plugin built for another
 * ABI is refused by name.
 *
 * Which members a host fills: open() receives, besides the instance's own
 * configuration, the key "steward.sink_revision" with the host's
 * STEWARD_SINK_REVISION. Keys beginning "steward." are the host's: a
 * plugin ignores those it does not know. A plugin that needs sink members
 * of a later revision than the host's refuses to open, saying so.
 *
 * Threads: open, sync, act, health and close of one instance are called
 * from one thread at a time, but not always the same thread. Strings
 * passed to a plugin live for the duration of the call; strings a plugin
 * passes to a sink are copied by the core before the sink returns.
 */

#define STEWARD_PLUGIN_ABI 1
/* 1: the first release (model .. stamp); 2: monitoring (targets .. silence);
 * 3: lineage (lineage_offset .. lineage_mark); 4: serving (deployment, the
 * SET_TRAFFIC act). */
#define STEWARD_SINK_REVISION 4

/* Capability bits: what an instance can be asked for. */
enum steward_cap {
	STEWARD_CAP_REGISTRY = 1 << 0, /* models, versions, aliases; acts on aliases */
	STEWARD_CAP_LINEAGE = 1 << 1,
	STEWARD_CAP_METRICS = 1 << 2,
	STEWARD_CAP_ALERTS = 1 << 3,
	STEWARD_CAP_DEPLOY = 1 << 4,
};

struct steward_kv {
	const char *key;
	const char *value;
};

/* ---- records a sync hands to the core ---- */

struct steward_model_rec {
	const char *name;
	const char *tier;        /* low, medium, high, critical; NULL: unknown (the core refuses it) */
	const char *owner;
	const char *description;
};

struct steward_version_rec {
	const char *model;
	int64_t version;
	const char *source;      /* where the backend says the artifacts are */
	const char *run_id;
	const char *author;
	const char *card;        /* Markdown with "## Section" headings, or NULL */
	const char *digest;      /* "sha256:<64 hex>" over the artifacts as fetched, or NULL when unverified */
	int64_t created;         /* seconds since the epoch */
	const struct steward_kv *tags;
	size_t ntags;
};

struct steward_metric_rec {
	const char *model;
	int64_t version;
	const char *name;
	const char *dataset;     /* "" when the backend has none */
	const char *slice;       /* "" for the whole dataset */
	double value;
};

struct steward_alias_rec {
	const char *model;
	const char *alias;
	int64_t version;
};

/* ---- monitoring records (sink revision 2) ---- */

/* A version the core wants monitored: one an alias points at. */
struct steward_target {
	const char *model;
	int64_t version;
	const char *alias;        /* "production", "staging", "champion", ... */
	int64_t since;            /* when the alias began pointing at it; 0 unknown */
	int64_t production_since; /* when it first became production; 0 never */
};

/* Points of one signal of one model version, oldest first. The core keeps
 * them in its series cache, replacing the points it held from the
 * record's first time on (a series handed over in several records goes
 * oldest record first). */
struct steward_series_rec {
	const char *model;
	int64_t version;
	const char *signal;  /* latency_p99, error_rate, freshness, traffic, or a configured name */
	const int64_t *time; /* seconds since the epoch */
	const double *value; /* NaN and infinities are values too (Prometheus' "NaN", "+Inf") */
	size_t n;
	int64_t step;        /* seconds between points */
};

/* A score distribution over a window, as Prometheus' _bucket series give
 * it: cumulative counts per upper bound, le ascending, the last +Inf. The
 * core computes drift between a version's "reference" and "current". */
struct steward_histogram_rec {
	const char *model;
	int64_t version;
	const char *feature; /* "score" unless configured */
	const char *window;  /* "reference" or "current" */
	int64_t from, to;
	const double *le;
	const double *count;
	size_t n;
};

/* One alert as the alert source has it now. The alerts handed over in
 * one successful sync are the source's whole set: the core drops those
 * of an earlier sync that are not among them. */
struct steward_alert_rec {
	const char *fingerprint;
	const char *name;        /* alertname */
	const char *state;       /* "active", "suppressed" or "unprocessed" */
	const char *severity;    /* its severity label, "" when none */
	const char *model;       /* from the mapping label; NULL when the alert names no model */
	int64_t version;         /* 0 when it names no version */
	int64_t starts, ends;
	const char *summary;     /* the summary annotation, else description, else "" */
	const char *silenced_by; /* silence ids, space-separated; "" when none */
	const struct steward_kv *labels;
	size_t nlabels;
};

/* One silence. Matchers are "name", "=" / "!=" / "=~" / "!~" and value,
 * packed as key "name op" and value; the whole set is handed over in one
 * sync, as for alerts. */
struct steward_silence_rec {
	const char *id;
	const char *state; /* "active", "pending" or "expired" */
	const struct steward_kv *matchers;
	size_t nmatchers;
	int64_t starts, ends;
	const char *created_by;
	const char *comment;
};

/* ---- serving records (sink revision 4) ---- */

/* One server of a model's serving layer as the deploy backend has it now:
 * which version it serves, and its share of live traffic. The records of
 * one successful sync are the plugin's whole set for the models it
 * serves: the core drops those of an earlier sync that are not among
 * them. */
struct steward_deployment_rec {
	const char *model;
	int64_t version;
	const char *target;   /* where it runs, as the backend names it: "fraud_be/v3" */
	const char *mode;     /* "live" (answers requests) or "shadow" (gets a copy, its answers dropped) */
	const char *state;    /* "ready", "drain", "maint" or "down" (failed its health check) */
	int64_t weight;       /* the backend's weight, 0..256 for HAProxy */
	double share;         /* percent of the model's live traffic: weight over the sum of ready live weights; 0 for shadow */
	int64_t sessions;     /* requests or sessions served so far; -1 unknown */
};

/* The core's side of a sync. Every function returns 0, or -1 when the
 * record was refused (the core's reason is available through message);
 * a plugin should stop and return -1 from sync then. */
struct steward_sink {
	void *ctx;
	int (*model)(void *ctx, const struct steward_model_rec *m);
	int (*version)(void *ctx, const struct steward_version_rec *v);
	int (*metric)(void *ctx, const struct steward_metric_rec *m);
	int (*alias)(void *ctx, const struct steward_alias_rec *a);
	/* progress: done of total (total 0 when unknown) */
	void (*progress)(void *ctx, const char *what, long done, long total);
	/* 1 when the core wants the sync to stop soon (shutdown) */
	int (*cancelled)(void *ctx);
	/* the core's reason for the last refused record */
	const char *(*message)(void *ctx);
	/* 1 when the core already holds this version with this digest, so
	 * the plugin may skip fetching its artifacts again */
	int (*have_digest)(void *ctx, const char *model, int64_t version, const char *source);

	/* ---- appended after the first release ---- */

	/* Says why the next version() record of model/version carries no
	 * digest. state "unverified": the artifacts could not be read, and
	 * reason says why (a source the plugin cannot resolve, a listing or
	 * download that failed or timed out); the sync is then reported as
	 * partial. state "empty": the backend holds no artifact files for it.
	 * Without a note a NULL digest is "unverified" with no reason. */
	void (*digest_note)(void *ctx, const char *model, int64_t version, const char *state, const char *reason);
	/* 1 when the core's copy of model/version came from this plugin with
	 * this stamp (an opaque text the plugin chose: the backend's update
	 * time, say), was not left unverified by a failed read (a verified
	 * digest, an empty state, or no digest asked for), and this is not a
	 * full pass: the plugin may then skip the version, its
	 * run and its artifacts. 0 means hand over the whole record. */
	int (*unchanged)(void *ctx, const char *model, int64_t version, const char *stamp);
	/* Records the stamp of a version handed over in full (after its
	 * version() and metric() records), for unchanged() in later syncs. */
	void (*stamp)(void *ctx, const char *model, int64_t version, const char *stamp);

	/* ---- revision 2: monitoring ---- */

	/* Calls fn for each version the core wants monitored; 0, or -1 when
	 * the store could not be read. */
	int (*targets)(void *ctx, void (*fn)(void *arg, const struct steward_target *t), void *arg);
	/* The range the views want, and the step that fits them: from is the
	 * start of the window (24 h back by default), to is now. */
	void (*window)(void *ctx, int64_t *from, int64_t *to, int64_t *step);
	/* The newest point time the cache holds for the series; 0 none. A
	 * sync may then ask the backend only for what came after it. */
	int64_t (*series_last)(void *ctx, const char *model, int64_t version, const char *signal);
	int (*series)(void *ctx, const struct steward_series_rec *s);
	int (*histogram)(void *ctx, const struct steward_histogram_rec *h);
	int (*alert)(void *ctx, const struct steward_alert_rec *a);
	int (*silence)(void *ctx, const struct steward_silence_rec *s);

	/* ---- revision 3: lineage ---- */

	/* Where the core's copy of a followed source stands: the offset up to
	 * which this plugin handed source (a file name relative to what it
	 * follows) over, and into ident (at most identn bytes) the identity
	 * the plugin gave it then (an opaque text such as device, inode and
	 * the first bytes' hash, so a replaced file starts again from 0).
	 * 0 and "" when never. */
	int64_t (*lineage_offset)(void *ctx, const char *source, char *ident, size_t identn);
	/* One OpenLineage run event, the bytes of one JSON document as read,
	 * with the source and line it began on for messages. A malformed
	 * event is reported by the core and skipped, and the sink still
	 * returns 0; -1 only when the store failed. */
	int (*lineage_event)(void *ctx, const char *source, long line, const char *json, size_t len);
	/* source was handed over up to offset (the end of its last whole
	 * event), with identity ident. Kept in the same transaction as the
	 * events, so a sync that fails leaves the mark where it was. */
	void (*lineage_mark)(void *ctx, const char *source, int64_t offset, const char *ident);

	/* ---- revision 4: serving ---- */

	/* One server of a model (see steward_deployment_rec). A version the
	 * core does not know is still recorded. */
	int (*deployment)(void *ctx, const struct steward_deployment_rec *d);
};

/* ---- acts: governed changes made in the backend ---- */

enum steward_act_kind {
	STEWARD_ACT_SET_ALIAS = 1, /* point alias of model at version, and tag the version */
	/* sink revision 2: */
	STEWARD_ACT_SILENCE = 2,        /* create a silence from matchers, starts, ends, comment, creator */
	STEWARD_ACT_EXPIRE_SILENCE = 3, /* expire the silence silence_id */
	/* sink revision 4: */
	STEWARD_ACT_SET_TRAFFIC = 4, /* give each version of model in traffic its weight and state */
};

/* One version's place in a traffic plan. A plan names every live version
 * of the model; the plugin applies it so that traffic is never left with
 * no ready server (raise first, then lower and drain), reads the result
 * back, and fails naming the first server that does not match. */
struct steward_traffic {
	int64_t version;
	int64_t share;     /* percent of live traffic, 0..100; the plan's shares add up to 100 */
	const char *state; /* "ready", "drain" or "maint" */
};

struct steward_act {
	enum steward_act_kind kind;
	const char *model;
	const char *alias;
	int64_t version;
	const struct steward_kv *tags; /* the decision's evidence, as tags on the version */
	size_t ntags;
	/* ---- sink revision 2 ---- */
	const struct steward_kv *matchers; /* as in steward_silence_rec */
	size_t nmatchers;
	int64_t starts, ends;
	const char *comment;
	const char *creator;
	const char *silence_id;
	char *out;   /* the backend's id of what the act made (a silence id) */
	size_t outn;
	/* ---- sink revision 4 ---- */
	const struct steward_traffic *traffic; /* SET_TRAFFIC: the plan */
	size_t ntraffic;
};

/* ---- the plugin ---- */

struct steward_plugin {
	unsigned abi;     /* STEWARD_PLUGIN_ABI */
	const char *name; /* its type, as configured: "mlflow" */
	unsigned caps;    /* STEWARD_CAP_* */
	/* Creates an instance from its configuration section (secrets come
	 * resolved from the environment variables the section names). */
	int (*open)(const struct steward_kv *config, size_t n, void **state, char *err, size_t errn);
	void (*close)(void *state);
	/* Reads the backend and hands every record to the sink. */
	int (*sync)(void *state, const struct steward_sink *sink, char *err, size_t errn);
	/* Makes a governed change; err gets the backend's own message on failure. */
	int (*act)(void *state, const struct steward_act *act, char *err, size_t errn);
	/* A cheap check: 0 ok, -1 with msg saying what is wrong. */
	int (*health)(void *state, char *msg, size_t n);
};

/* The one symbol a plugin exports. */
const struct steward_plugin *steward_plugin_entry(void);

#endif
