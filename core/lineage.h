/* lineage: OpenLineage run events into the store, the graph around a model version or dataset, and the signed completeness a gate reads. */
#ifndef STEWARD_LINEAGE_H
#define STEWARD_LINEAGE_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include <jansson.h>

#include "err.h"
#include "keyring.h"
#include "store.h"

#define LINEAGE_EVENT_MAX (1024 * 1024) /* bytes of one event; a longer one is malformed */
#define LINEAGE_NODES_MAX 20000         /* nodes of one graph before it is cut (truncated) */
#define LINEAGE_DEPTH_MAX 64            /* hops a graph follows when no depth is asked */

/* ---- import ---- */

/* Called for every event skipped as malformed: where it was and why. */
typedef void (*lineage_report_fn)(void *arg, const char *source, long line, const char *why);

struct lineage_stats {
	long files;      /* files read (lineage_import_path) */
	long events;     /* documents seen, malformed ones included */
	long imported;   /* new events stored */
	long duplicates; /* events the store already held (the same bytes but for whitespace between tokens) */
	long malformed;  /* reported and skipped */
	long attested;   /* model versions whose lineage.set entry was appended */
	long unattested; /* model versions new events reached while who is NULL: their lineage waits for a key */
};

struct lineage_import;

/* Starts an import into st, which the caller holds in a transaction or
 * not: the import writes in its own transactions of a few thousand
 * events when the store is not in one, else inside the caller's. who
 * signs the lineage.set entries at the end (NULL: none are written, the
 * lineage is stored but unattested). via names the plugin ("" for the
 * CLI). report may be NULL. */
struct lineage_import *lineage_import_begin(struct store *st, const struct principal *who, const char *via,
					    lineage_report_fn report, void *arg, struct err *e);
/* One event as bytes. Malformed ones are reported, counted and skipped
 * (return 0); -1 only when the store failed. */
int lineage_import_event(struct lineage_import *li, const char *source, long line, const char *json, size_t len,
			 struct err *e);
/* The same in two steps: parsing and hashing needs no store, so a reader
 * thread may parse the next events while the import writes. parse
 * returns NULL only when out of memory; a malformed event comes back
 * with its reason, which import_parsed reports. */
struct lineage_parsed;
struct lineage_parsed *lineage_event_parse(const char *json, size_t len);
int lineage_import_parsed(struct lineage_import *li, const char *source, long line, struct lineage_parsed *p,
			  struct err *e);
void lineage_parsed_free(struct lineage_parsed *p);
/* A file of newline-delimited events, or one JSON document (a file of
 * the Python client's file transport); a directory: its files in name
 * order (not recursive). "-" reads standard input. */
int lineage_import_path(struct lineage_import *li, const char *path, struct err *e);
/* For readers of events (lineage-file.c): an event that could not be
 * read whole (over LINEAGE_EVENT_MAX) is counted and reported as
 * malformed; each file read is counted. */
void lineage_import_reject(struct lineage_import *li, const char *source, long line, const char *why);
void lineage_import_file(struct lineage_import *li);
/* Attests every model version whose lineage this import touched and
 * whose summary differs from its newest lineage.set entry, then
 * commits what is still open. */
int lineage_import_end(struct lineage_import *li, struct lineage_stats *out, struct err *e);
/* Rolls back what is still open and frees; safe on NULL and after end. */
void lineage_import_free(struct lineage_import *li);

/* ---- where a followed source stands (plugins/openlineage) ---- */

/* The offset up to which plugin handed source over, and the identity it
 * gave it then ("" and 0 when never). */
int64_t lineage_source_offset(struct store *st, const char *plugin, const char *source, char *ident, size_t n);
int lineage_source_mark(struct store *st, const char *plugin, const char *source, int64_t offset, const char *ident,
			struct err *e);

/* ---- the graph ---- */

enum lineage_kind { LINEAGE_DATASET, LINEAGE_RUN, LINEAGE_MODEL };
enum lineage_dir { LINEAGE_UP = 1, LINEAGE_DOWN = 2, LINEAGE_BOTH = 3 };

struct lineage_node {
	enum lineage_kind kind;
	int64_t id;        /* dataset version id, run id or registry version id (unique per kind) */
	char *ns, *name;   /* dataset: namespace, name; run: its job's namespace and name; model: "", model name */
	char *version;     /* dataset: its version ("" when the events named none); run: run id; model: "7" */
	char *digest;      /* dataset: "sha256:<hex>" or ""; model: the artifact digest or "" */
	char *state;       /* run: START, RUNNING, COMPLETE, FAIL, ABORT, OTHER; model: its aliases, comma separated */
	char *source;      /* dataset: the dataSource URI or ""; run: the MLflow run id it names or "" */
	char *fields;      /* dataset: the schema facet's fields as JSON ("" none) */
	int64_t time;      /* dataset version: first seen; run: ended, else started; model: created */
	int depth;         /* hops from the root (0) */
};

/* from is upstream of to: a dataset read by a run, a run that wrote a
 * dataset, a run that produced a model version. */
struct lineage_edge {
	size_t from, to;
};

struct lineage_graph {
	struct lineage_node *n;
	size_t nn, cap;
	struct lineage_edge *e;
	size_t ne, ecap;
	int truncated; /* cut at LINEAGE_NODES_MAX */
};

/* The graph around model version (its node is n[0]): upstream, downstream
 * or both, at most depth hops (0: LINEAGE_DEPTH_MAX). Cycles in the
 * events end where a node repeats. */
int lineage_graph_version(struct store *st, const char *model, int64_t version, enum lineage_dir dir, int depth,
			  struct lineage_graph *g, struct err *e);
/* The same around every version of the dataset namespace/name (its
 * versions are the nodes at depth 0). Unknown dataset: an error. */
int lineage_graph_dataset(struct store *st, const char *ns, const char *name, enum lineage_dir dir, int depth,
			  struct lineage_graph *g, struct err *e);
void lineage_graph_free(struct lineage_graph *g);
const char *lineage_kind_name(enum lineage_kind k); /* "dataset", "run", "model" */

/* {"nodes":[{"id":"dataset:12","kind",...}], "edges":[["from-id","to-id"]], "truncated"} */
json_t *lineage_graph_json(const struct lineage_graph *g);
/* Graphviz: datasets as boxes, runs as ellipses, models as double octagons. */
int lineage_graph_dot(const struct lineage_graph *g, FILE *out);

/* ---- completeness ---- */

/* steward-policy(5), lineage-complete: a version is complete when at
 * least one run is linked to it, every linked run ended COMPLETE, read at
 * least one dataset, and every dataset version those runs read carries a
 * sha256 digest. */
struct lineage_status {
	int has;       /* at least one run is linked */
	int complete;
	int nruns, ninputs, nundigested;
	char why[400]; /* the first gap, or what makes it complete */
	json_t *summary; /* what a lineage.set entry signs: {"runs":[...],"inputs":[...],"complete","gaps"} */
	char digest[72]; /* sha256 of the summary's canonical JSON */
};

/* Computes it from the store's tables (unsigned: for views). */
int lineage_status_of(struct store *st, const char *model, int64_t version, struct lineage_status *out, struct err *e);
void lineage_status_free(struct lineage_status *s);

/* Appends a lineage.set entry signed by who for model version when its
 * summary differs from the newest such entry (*appended 1), inside the
 * caller's transaction. */
int lineage_attest(struct store *st, const struct principal *who, const char *model, int64_t version, const char *via,
		   int *appended, struct err *e);

/* What the newest lineage.set entry for the version says, checked
 * against its leaf and signature: has 0 when none. */
struct lineage_evidence {
	int has, complete;
	int64_t seq;
	char signer[64];
	char why[400];
	char digest[72];
	int current; /* 1 when the store's lineage still has the signed summary's digest */
};
int lineage_gate_evidence(struct store *st, const char *model, int64_t version, struct lineage_evidence *out,
			  struct err *e);

#endif
