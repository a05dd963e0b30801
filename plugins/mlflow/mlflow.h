/* mlflow.h: what the MLflow plugin's parts share (not an ABI): the instance, its transfers over one curl multi handle, and a page of versions being read. */
#ifndef STEWARD_MLFLOW_H
#define STEWARD_MLFLOW_H

#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <curl/curl.h>
#include <jansson.h>
#include <sodium.h>

#include "plugins/steward-plugin.h"

#define MLF_PAGE 1000               /* models and versions per search page by default: MLflow's limit for models */
#define MLF_RUN_BATCH 500           /* run ids per runs/search: one SQL IN list on the server */
#define MLF_MAX_BODY (64u << 20)    /* one REST response */
#define MLF_MAX_ARTIFACT (2u << 30) /* one artifact file, streamed into the hash */
#define MLF_MAX_FILES 10000         /* files of one version */
#define MLF_MAX_PARALLEL 32
#define MLF_MAX_DEPTH 4             /* models:/ sources naming other models:/ sources */
#define MLF_POLL_MS 100             /* how long a sync waits before looking at cancelled() again */

/* Only steward_plugin_entry leaves the shared object. */
#pragma GCC visibility push(hidden)

struct mlf_xfer;

struct mlf {
	char url[1024];
	char token[2048];
	char user[256], pass[256];
	long connect_timeout, timeout, parallel, page;
	int64_t window; /* bytes of artifact files downloading at once */
	int verify_artifacts;
	CURLM *multi;   /* one connection cache for every request of the instance */
	CURL *idle[MLF_MAX_PARALLEL];
	size_t nidle;
	/* Waiting to start: API calls first, then downloads as the window allows. */
	struct mlf_xfer *calls, *calls_tail, *downloads, *downloads_tail;
	struct mlf_xfer *active[MLF_MAX_PARALLEL];
	size_t running, downloading;
	int64_t inflight;
	const struct steward_sink *sink; /* during a sync: whose cancelled() stops the transfers */
};

struct mlf_buf {
	char *s;
	size_t len, cap;
	int too_big;
	crypto_hash_sha256_state *sha; /* when hashing a download instead of keeping it */
	size_t hashed;
};

typedef void (*mlf_done_fn)(struct mlf *m, struct mlf_xfer *x);

struct mlf_xfer {
	struct mlf_xfer *next;
	CURL *easy;
	struct curl_slist *hdr;
	char method[8];
	char *path;       /* below the server's url; what messages name */
	char *body;       /* JSON to send, or NULL for a GET */
	char *tag;        /* the owner's note: the directory a listing is of */
	struct mlf_buf b;
	crypto_hash_sha256_state sha;
	int64_t weight;   /* a download's listed size, counted against the window */
	const int *dead;  /* when set, its owner gave up: it is dropped instead of started */
	CURLcode rc;
	long code;
	size_t slot;
	mlf_done_fn done; /* called on the calling thread when it ends */
	void *owner;
	size_t index, sub;
};

/* ---- one page of versions: what a sync needs to hand each one over ---- */

struct mlf_file {
	char *path;
	int64_t size;
	char hex[65];
};

enum mlf_dstate {
	MLF_D_NONE,       /* no digest asked for: already verified from this source, or verification off */
	MLF_D_WORK,       /* being resolved, listed and downloaded */
	MLF_D_DONE,       /* digest holds the manifest digest */
	MLF_D_EMPTY,      /* the source holds no files */
	MLF_D_UNVERIFIED, /* reason says why */
};

struct mlf_ver {
	json_t *v; /* borrowed from the page */
	const char *model, *source, *run_id;
	int64_t num;
	char stamp[80];
	json_t *run;    /* its run, or NULL when MLflow has none */
	json_t *logged; /* the LoggedModel of a models:/m-<id> source */
	char *src;      /* the source being resolved (models:/ and runs:/ lead on to others) */
	int depth;
	char *root;     /* the artifacts' path in the proxy */
	struct mlf_file *files;
	size_t nfiles, capfiles, pending;
	enum mlf_dstate d;
	int dead;       /* set with MLF_D_UNVERIFIED: its queued transfers are dropped */
	char reason[400];
	char digest[72];
};

struct mlf_sync {
	struct mlf *m;
	const struct steward_sink *sink;
	json_t *known; /* models handed over: versions of others are not */
	json_t *exps;  /* every experiment id, for runs/search; fetched when first needed */
	long done;
};

struct mlf_page {
	struct mlf_sync *s;
	struct mlf_ver *v;
	size_t n;
	json_t *runs; /* run id -> run */
	int fatal;
	char err[600];
};

/* http.c */
void mlf_abort(struct mlf *m);
json_t *mlf_answer(const struct mlf_xfer *x, char *err, size_t errn, char *ec, size_t ecn);
json_t *mlf_call(struct mlf *m, const char *method, const char *path, const char *body, char *err, size_t errn);
int mlf_drive(struct mlf *m, char *err, size_t errn);
int mlf_err(char *err, size_t n, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
char *mlf_escape(const char *s);
char *mlf_escape_path(const char *path);
void mlf_submit(struct mlf *m, struct mlf_xfer *x);
void mlf_xfer_free(struct mlf_xfer *x);
struct mlf_xfer *mlf_xfer_new(const char *method, const char *path, const char *body, mlf_done_fn done, void *owner,
			      size_t index);
/* artifacts.c */
void mlf_fatal(struct mlf_page *p, const char *msg);
void mlf_page_call(struct mlf_page *p, size_t i, int counted, const char *method, const char *path, const char *body,
		   mlf_done_fn done);
void mlf_resolve_to(struct mlf_page *p, size_t i, const char *src);
void mlf_settle(struct mlf_ver *v);
void mlf_unverified(struct mlf_ver *v, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#pragma GCC visibility pop

#endif
