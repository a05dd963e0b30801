/* registry: models, versions, aliases, tags, model cards and evaluation metrics in the store. */
#ifndef STEWARD_REGISTRY_H
#define STEWARD_REGISTRY_H

#include <stddef.h>
#include <stdint.h>

#include "card.h"
#include "err.h"
#include "keyring.h"
#include "store.h"

enum tier { TIER_LOW, TIER_MEDIUM, TIER_HIGH, TIER_CRITICAL };
#define TIER_COUNT 4

const char *registry_tier_name(enum tier t);
/* 0 and *out set when s names a tier; otherwise fills e listing the tiers. */
int registry_tier_parse(const char *s, enum tier *out, struct err *e);

/* Strings in these records are owned by the record (heap copies) and
 * released by the matching *_free / *_clear call. */
struct reg_model {
	int64_t id;
	char *name;
	char *owner;
	char *description;
	char *source;      /* "local", or the plugin that syncs it */
	enum tier tier;
	int64_t created;
	int64_t updated;
	/* summary, filled by list and get */
	int64_t n_versions;
	int64_t production; /* version number the alias points at, 0 if none */
	int64_t staging;
	int64_t last_change; /* latest of model, version and alias changes */
};

struct reg_models {
	struct reg_model *v;
	size_t n;
};

struct reg_version {
	int64_t id;
	char *model;
	int64_t version;
	char *artifact_uri;
	char *digest;   /* sha256:<64 hex>; means something only when digest_state is "verified" */
	char digest_state[16]; /* verified, unverified (digest_reason says why) or empty */
	char *digest_reason;
	char *author;   /* "" when unknown */
	char *run_id;   /* "" when unknown */
	char *source;
	int64_t created;
	char *aliases;  /* comma-separated aliases pointing here, "" if none */
};

/* 0 when statements may bind to v's digest; else -1 with e saying why not. */
int registry_digest_bindable(const struct reg_version *v, struct err *e);

struct reg_versions {
	struct reg_version *v;
	size_t n;
};

struct reg_alias {
	char *alias;
	int64_t version;
	int64_t updated;
};

struct reg_aliases {
	struct reg_alias *v;
	size_t n;
};

struct reg_tag {
	char *key;
	char *value;
};

struct reg_tags {
	struct reg_tag *v;
	size_t n;
};

struct reg_metric {
	char *name;
	double value;
	char *dataset; /* "" when not given */
	char *slice;   /* "" for the whole dataset */
};

struct reg_metrics {
	struct reg_metric *v;
	size_t n;
};

/* Models */
/* Writes that are evidence (models, versions, cards, metrics) are acts of
 * who: each appends its signed entry (record.h) in the same transaction.
 * who NULL records an unattested observation (a plugin synced without a
 * principal). */
int registry_model_add(struct store *st, const struct principal *who, const char *name, enum tier tier,
		       const char *owner, const char *description, struct err *e);
int registry_model_list(struct store *st, struct reg_models *out, struct err *e);
int registry_model_get(struct store *st, const char *name, struct reg_model *out, struct err *e);
/* Which rows registry_model_each and registry_version_each give; zeroes
 * give them all. */
struct reg_list_query {
	int64_t since; /* models changed (versions created) at or after this time */
	int64_t limit; /* at most so many */
};
/* Called for each model by name (each version, newest first); the record
 * is borrowed until the call returns. Non-zero with e filled stops. */
typedef int (*registry_model_fn)(void *arg, const struct reg_model *m, struct err *e);
typedef int (*registry_version_fn)(void *arg, const struct reg_version *v, struct err *e);
/* Streams the models q picks to fn a page at a time (by keyset on the
 * name), so memory holds one page at any registry size. Each page is
 * read to its end before fn sees it, so fn may run statements of its own. */
int registry_model_each(struct store *st, const struct reg_list_query *q, registry_model_fn fn, void *arg,
			struct err *e);
int64_t registry_model_count(struct store *st);
void registry_model_clear(struct reg_model *m);
void registry_models_free(struct reg_models *l);

/* Versions: numbers are assigned in order (1, 2, ...), as MLflow does.
 * created 0 means now. *out_version (may be NULL) gets the number. */
int registry_version_add(struct store *st, const struct principal *who, const char *model,
			 const char *artifact_uri, const char *digest, const char *author,
			 const char *run_id, int64_t created, int64_t *out_version, struct err *e);
int registry_version_list(struct store *st, const char *model, struct reg_versions *out,
			  struct err *e);
int registry_version_get(struct store *st, const char *model, int64_t version,
			 struct reg_version *out, struct err *e);
void registry_version_clear(struct reg_version *v);
void registry_versions_free(struct reg_versions *l);
/* MODEL's versions as registry_model_each gives models (keyset on the number). */
int registry_version_each(struct store *st, const char *model, const struct reg_list_query *q,
			  registry_version_fn fn, void *arg, struct err *e);
/* Parses a version number argument ("3"); refuses 0, signs and junk. */
int registry_version_parse(const char *s, int64_t *out, struct err *e);

/* Aliases */
/* Moves an alias inside the caller's transaction without a ledger entry:
 * for governed moves (promotion, rollback) that record their own.
 * *previous gets the version it pointed at (0 for none). */
int registry_alias_move(struct store *st, const char *model, const char *alias, int64_t version,
			int64_t *previous, struct err *e);
/* An admin's direct move: the alias and an alias.set ledger entry in one transaction. */
int registry_alias_set(struct store *st, const struct principal *who, const char *model, const char *alias,
		       int64_t version, struct err *e);
int registry_alias_list(struct store *st, const char *model, struct reg_aliases *out,
			struct err *e);
void registry_aliases_free(struct reg_aliases *l);
/* The version MODEL's ALIAS points at now: 0 for none, -1 on error. */
int64_t registry_alias_version(struct store *st, const char *model, const char *alias, struct err *e);

/* Tags: version 0 tags the model itself. */
int registry_tag_set(struct store *st, const char *model, int64_t version, const char *key,
		     const char *value, struct err *e);
int registry_tag_list(struct store *st, const char *model, int64_t version,
		      struct reg_tags *out, struct err *e);
void registry_tags_free(struct reg_tags *l);

/* Model cards: set replaces every section of the version's card. */
int registry_card_set(struct store *st, const struct principal *who, const char *model,
		      int64_t version, const struct card *card, struct err *e);
int registry_card_get(struct store *st, const char *model, int64_t version, struct card *out,
		      struct err *e);

/* Evaluation metrics: one value per (name, dataset, slice); set replaces it. */
int registry_metric_set(struct store *st, const struct principal *who, const char *model,
			int64_t version, const char *name, double value, const char *dataset,
			const char *slice, struct err *e);
int registry_metric_list(struct store *st, const char *model, int64_t version,
			 struct reg_metrics *out, struct err *e);
void registry_metrics_free(struct reg_metrics *l);

#endif
