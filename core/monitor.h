/* monitor: the monitoring cache (series, score histograms, alerts, silences) that plugins fill, drift computed from it, signed observations the gate reads, and what the views draw. */
#ifndef STEWARD_MONITOR_H
#define STEWARD_MONITOR_H

#include <stddef.h>
#include <stdint.h>

#include "err.h"
#include "keyring.h"
#include "plugins/steward-plugin.h"
#include "store.h"

#define MONITOR_WINDOW (24 * 3600)        /* what the views show, and a sync fetches */
#define MONITOR_REFERENCE (7 * 24 * 3600) /* the drift reference: the first 7 days in production */
#define MONITOR_RETAIN (48 * 3600)        /* points older than this leave the cache */
#define MONITOR_MAX_AGE (2 * 3600)        /* a gate counts observations no older than this */
#define MONITOR_MAX_BUCKETS 64
#define MONITOR_SPARK 24                  /* points of a sparkline in the list */
#define MONITOR_FLUSH (256 * 1024)        /* points a monitoring sync holds before writing them */
#define MONITOR_MAX_MATCHERS 64           /* labels of an alert a silence made here can match */

/* The signals the views know by name, in column order. Others a plugin
 * is configured with are kept and shown in the detail view. */
enum monitor_sig { MSIG_LATENCY, MSIG_ERRORS, MSIG_PSI, MSIG_FRESHNESS, MSIG_TRAFFIC, MSIG_N };
const char *monitor_sig_name(enum monitor_sig s); /* "latency_p99", "error_rate", "drift_psi", "freshness", "traffic" */

/* ---- drift ---- */

/* One histogram: cumulative counts per upper bound (le ascending, the
 * last +Inf), as a _bucket series gives them. */
struct monitor_hist {
	double le[MONITOR_MAX_BUCKETS];
	double count[MONITOR_MAX_BUCKETS];
	size_t n;
	int64_t from, to;
};

/* Checks a histogram as a plugin handed it: 2 to MONITOR_MAX_BUCKETS
 * bounds, strictly ascending, the last +Inf, counts finite, >= 0 and
 * not decreasing. -1 with e saying what is wrong. */
int monitor_hist_check(const struct monitor_hist *h, struct err *e);

/* Population stability index between the bucket shares of ref and cur:
 * sum over buckets of (c - r) * ln(c / r), each share floored at 1e-4 so
 * an empty bucket does not make it infinite. -1 into *psi is never
 * returned: a histogram with no observations is an error. Both must have
 * the same bounds. */
int monitor_psi(const struct monitor_hist *ref, const struct monitor_hist *cur, double *psi, struct err *e);
/* Two-sample Kolmogorov-Smirnov statistic: the largest distance between
 * the two empirical CDFs at the bucket bounds (what the histogram lets
 * one know of them). */
int monitor_ks(const struct monitor_hist *ref, const struct monitor_hist *cur, double *ks, struct err *e);

/* ---- the sink side (core/plugin.c hands these the records) ---- */

struct monitor_sync; /* one sync's state: which alerts and silences it saw */
struct monitor_sync *monitor_sync_begin(struct store *st, const char *plugin, unsigned caps, struct err *e);
int monitor_targets(struct monitor_sync *m, void (*fn)(void *arg, const struct steward_target *t), void *arg);
void monitor_window(struct monitor_sync *m, int64_t *from, int64_t *to, int64_t *step);
int64_t monitor_series_last(struct monitor_sync *m, const char *model, int64_t version, const char *signal);
int monitor_series(struct monitor_sync *m, const struct steward_series_rec *s, struct err *e);
int monitor_histogram(struct monitor_sync *m, const struct steward_histogram_rec *h, struct err *e);
int monitor_alert(struct monitor_sync *m, const struct steward_alert_rec *a, struct err *e);
int monitor_silence(struct monitor_sync *m, const struct steward_silence_rec *s, struct err *e);
/* After a successful sync, inside its transaction: drops the alerts and
 * silences this plugin no longer has, computes drift and current values,
 * prunes old points, and, when who is given, signs each touched model's
 * observation for the gate. */
int monitor_sync_end(struct monitor_sync *m, const struct principal *who, struct err *e);
/* After monitor_sync_end failed: whether only because a silence act landed
 * while the source was read (the caller rolls back and reads again). */
int monitor_sync_stale(const struct monitor_sync *m);
void monitor_sync_free(struct monitor_sync *m);

/* ---- what the gate reads ---- */

/* The values a gate may use for MODEL VERSION, from the observations a
 * principal signed: live values and drift of the version, and the alerts
 * firing for its model (silenced ones do not fire). has_* stay 0 when
 * nothing signed is there or it is older than MONITOR_MAX_AGE at now;
 * why then says so ("monitoring data is 3 h old"). A signature that does
 * not verify is an error naming the model: the store was changed. */
struct monitor_evidence {
	int has_monitor, has_alerts;
	struct { char name[101]; double value; } live[16], drift[8], alerts[32];
	size_t nlive, ndrift, nalerts; /* alerts: value = severity rank */
	int64_t observed, alerts_observed;
	char signer[101], alerts_signer[101];
	char why[200], alerts_why[200];
};
int monitor_gate_evidence(struct store *st, const char *model, int64_t version, int64_t now,
			  struct monitor_evidence *out, struct err *e);

/* ---- what the views draw ---- */

/* The limit a tier's enrolled policy sets on a signal (the first live-metric
 * or drift rule naming it, or drift any); has 0 when none. */
struct monitor_limit {
	int has;
	int op;       /* enum policy_op */
	double value;
	char rule[65];
};

struct monitor_row {
	char model[101];
	int64_t version;
	char alias[65]; /* the first alias pointing at it (production first) */
	char tier[16];
	double now[MSIG_N];              /* the newest value; NAN when none */
	double spark[MSIG_N][MONITOR_SPARK]; /* evenly over the window; NAN gaps */
	struct monitor_limit limit[MSIG_N];
	int breach[MSIG_N];              /* 1 when now[] is outside its limit */
	double ks;                       /* NAN when none */
	int firing, silenced;            /* alerts for the model (this version or none named) */
	int worst;                       /* worst severity rank firing, 0 none */
	int64_t observed;                /* newest point, 0 none */
};

/* One row per version an alias points at, by model then version. */
int monitor_rows(struct store *st, int64_t now, struct monitor_row **out, size_t *n, struct err *e);
void monitor_rows_free(struct monitor_row *r);

struct monitor_series {
	char signal[65];
	int64_t *t;
	double *v;
	size_t n;
	int64_t step;
};

struct monitor_detail {
	struct monitor_row row;
	struct monitor_series *s;
	size_t ns;
	int has_ref, has_cur;
	struct monitor_hist ref, cur;
	double psi, ks; /* NAN when not computed */
	int64_t production_since;
};
int monitor_detail_load(struct store *st, const char *model, int64_t version, int64_t now,
			struct monitor_detail *d, struct err *e);
void monitor_detail_free(struct monitor_detail *d);

struct monitor_alert {
	char plugin[65], fingerprint[65], name[129], state[16], severity[16];
	char model[101];
	int64_t version;
	int64_t starts, ends;
	char summary[300];
	char silenced_by[200];
	char labels[600]; /* compact JSON object */
};
/* Alerts by state (active first), severity, start. */
int monitor_alerts_list(struct store *st, struct monitor_alert **out, size_t *n, struct err *e);
void monitor_alerts_free(struct monitor_alert *a);
/* The same alerts in the same order, each given to fn as it is read (a
 * borrowed row), so memory holds one at any number. fn returns 0 for the
 * next, > 0 to stop there, < 0 to fail with e filled; it must run no
 * statement on st, since PostgreSQL would queue the rest of the read. */
typedef int (*monitor_alert_fn)(void *arg, const struct monitor_alert *a, struct err *e);
int monitor_alerts_each(struct store *st, monitor_alert_fn fn, void *arg, struct err *e);

struct monitor_silence_row {
	char plugin[65], id[65], state[16];
	char matchers[600]; /* "alertname=\"X\", model=\"Y\"" */
	int64_t starts, ends;
	char created_by[101], comment[300];
};
int monitor_silences_list(struct store *st, struct monitor_silence_row **out, size_t *n, struct err *e);
void monitor_silences_free(struct monitor_silence_row *s);
/* The same silences in the same order, each given to fn as it is read,
 * as monitor_alerts_each gives alerts. */
typedef int (*monitor_silence_fn)(void *arg, const struct monitor_silence_row *r, struct err *e);
int monitor_silences_each(struct store *st, monitor_silence_fn fn, void *arg, struct err *e);

/* Per model: alerts firing (worst severity rank) and whether any deployed
 * version's drift is over its limit; for markers in lists. */
struct monitor_mark {
	int firing, worst, drift_over;
};
int monitor_mark_model(struct store *st, const char *model, struct monitor_mark *out, struct err *e);
int monitor_mark_version(struct store *st, const char *model, int64_t version, struct monitor_mark *out,
			 struct err *e);
/* The same for every model at once, for a list of them all: only the
 * models with something to mark, sorted by name (strcmp), in two
 * statements for the whole estate instead of three per model. */
struct monitor_model_mark {
	char model[101];
	struct monitor_mark m;
};
int monitor_mark_models(struct store *st, struct monitor_model_mark **out, size_t *n, struct err *e);
void monitor_mark_models_free(struct monitor_model_mark *m);

/* ---- shared by core/monitor.c and core/monitor-view.c, not an API ---- */

int64_t monitor_vid(struct store *st, const char *model, int64_t version, int64_t *mid);
int monitor_load_hist(struct store *st, int64_t vid, const char *feature, const char *win, struct monitor_hist *h);
char *monitor_matchers_text(const struct steward_kv *kv, size_t n);
/* A stored sparkline (MONITOR_SPARK floats, little-endian) and back; unpack
 * gives the count read, 0 for anything else. */
void monitor_spark_pack(const double v[MONITOR_SPARK], unsigned char out[MONITOR_SPARK * 4]);
size_t monitor_spark_unpack(const void *blob, size_t len, double out[MONITOR_SPARK]);

/* ---- acts ---- */

/* A function that performs a silence act in the backend (the alert
 * source's plugin); out gets the id. Given by the caller so core/ needs
 * no plugin host here. */
typedef int (*monitor_act_fn)(void *arg, const struct steward_act *act, char *err, size_t errn);

/* Silences the alert (its labels as equality matchers, minus those
 * Alertmanager adds itself) for duration seconds with comment; creator is
 * who. The ledger entry "alert.silence" (signed by who) is written after
 * the backend confirmed, with the silence id. */
int monitor_silence_alert(struct store *st, const struct principal *who, const char *plugin,
			  const char *fingerprint, int64_t duration, const char *comment, monitor_act_fn fn,
			  void *arg, char *id, size_t idn, struct err *e);
/* Expires a silence; ledger entry "alert.unsilence" after the backend confirmed. */
int monitor_expire_silence(struct store *st, const struct principal *who, const char *plugin, const char *id,
			   monitor_act_fn fn, void *arg, struct err *e);

#endif
