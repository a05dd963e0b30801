/* record: evidence as acts: the signed ledger entry each registry change appends (model, version, card, metric), and the evidence a gate reads back from those entries. */
#ifndef STEWARD_RECORD_H
#define STEWARD_RECORD_H

#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "card.h"
#include "err.h"
#include "keyring.h"
#include "store.h"

/* Each appends one entry signed by who, inside the caller's transaction.
 * via names the plugin that carried it ("" for a person at the CLI).
 * who NULL (a plugin synced without a principal) appends nothing: the
 * change is then visible but unattested, and no gate counts on it. */
int record_model(struct store *st, const struct principal *who, const char *name, const char *tier,
		 const char *owner, const char *description, const char *via, struct err *e);
int record_version(struct store *st, const struct principal *who, const char *model, int64_t version,
		   const char *artifact, const char *digest, int verified, const char *author, const char *run,
		   const char *via, struct err *e);
int record_card(struct store *st, const struct principal *who, const char *model, int64_t version,
		const struct card *c, const char *via, struct err *e);
int record_metric(struct store *st, const struct principal *who, const char *model, int64_t version,
		  const char *name, double value, const char *dataset, const char *slice, const char *via,
		  struct err *e);

/* The digest of a card's sections as recorded ("sha256:<hex>"): over
 * [[title, body], ...] as compact JSON with escaped non-ASCII. */
int record_card_digest(const struct card *c, char out[72]);

/* 1 when a and b name the same person: compared without case and without
 * an e-mail domain ("Rosa", "rosa@bank.example" and "rosa" are one). */
int record_same_person(const char *a, const char *b);

struct record_metric {
	char name[101], dataset[101], slice[201];
	double value;
	int64_t seq;
};

/* What the signed entries say about MODEL VERSION: the tier of the model,
 * the version's digest and author, its card's digest and its metrics,
 * each with the entry that last set it (0 when none did). */
struct record_evidence {
	char tier[16];
	int64_t tier_seq;
	char digest[72];
	char author[256];
	int verified;
	int64_t version_seq;
	char card[72];
	int64_t card_seq;
	struct record_metric *met;
	size_t nmet;
	int64_t newest_seq; /* the newest evidence entry of either */
	char newest_action[32];
};

/* Reads them from the ledger, each entry checked (body against leaf,
 * actor's signature against the proven keyring). An entry that fails is
 * an error naming it. */
int record_load(struct store *st, const char *model, int64_t version, struct record_evidence *out,
		struct err *e);
void record_evidence_free(struct record_evidence *r);

/* The evidence snapshot a decision binds ("sha256:<hex>"): SHA-256 of the
 * compact JSON {"artifact","card","metrics":[[name,dataset,slice,value]...]
 * sorted,"policy"} with escaped non-ASCII (steward-ledger(5)). */
int record_snapshot(const struct record_evidence *r, const char *policy, char out[72]);

/* One move of an alias as the ledger recorded it. */
struct record_move {
	int64_t seq;
	char action[32]; /* promotion.apply, rollback, alias.set, alias.imported, alias.observed */
	int64_t version; /* where it pointed after (0: removed) */
	int64_t from;    /* rollback: the version rolled back from */
	int governed;    /* 1 for a promotion or rollback that passed its gate */
	/* For screens: which alias, when and by whom, the request a promotion
	 * applied (or the review a rollback opened), a rollback's reason, and
	 * the approvals the promotion's gate counted ("rosa (risk-officer),
	 * lena (ml-lead)"; "" when none). */
	char alias[65];
	int64_t time;
	char actor[101];
	int64_t request;
	char reason[256];
	char approvals[256];
};
struct record_moves {
	struct record_move *v;
	size_t n;
};

/* Every move of MODEL's ALIAS (every alias's when alias is NULL) in
 * ledger order, each entry checked like record_load's. The alias table
 * must agree with the last one. */
int record_alias_history(struct store *st, const char *model, const char *alias, struct record_moves *out,
			 struct err *e);
void record_moves_free(struct record_moves *m);

/* The newest move of each of the n aliases named, newest first, reading
 * MODEL's moves back from the ledger's end and stopping once each is
 * found: what the alias table must agree with, each entry used checked
 * like record_load's, without reading the whole history. An alias never
 * moved has no move in out. */
int record_alias_newest(struct store *st, const char *model, const char *const *aliases, size_t n,
			struct record_moves *out, struct err *e);

/* record_alias_newest's moves in out and every rollback of MODEL's aliases
 * in *rollbacks, both newest first, each entry used checked like
 * record_load's, in one walk back to the first entry: its rows are sorted
 * by seq before the first comes back, so reading on costs those rows
 * only, where a statement of its own for the rollbacks looked up every
 * entry of the model (878 on the bench estate) for their action. */
int record_alias_lines(struct store *st, const char *model, const char *const *aliases, size_t n,
		       struct record_moves *out, struct record_moves *rollbacks, struct err *e);

/* The newest promotion that moved MODEL's ALIAS to VERSION, read from
 * that version's promotion entries alone, checked like record_load's:
 * 1 with it in *out, 0 when there is none, -1 on error. */
int record_alias_promotion(struct store *st, const char *model, const char *alias, int64_t version,
			   struct record_move *out, struct err *e);


/* The known-safe baseline for rolling ALIAS back from `current`: the newest
 * version a promotion moved there that is not `current` and was never
 * itself rolled back from. 0 when there is none. */
int64_t record_baseline(const struct record_moves *m, int64_t current);

/* The last move of every alias, as the ledger records it (for screens and
 * summaries; the gate checks signatures itself). An alias whose last move
 * is not a promotion or rollback that passed its gate is ungoverned: an
 * admin's alias set, or what a backend showed. */
struct record_alias_state {
	char model[101], alias[65];
	int64_t version, seq;
	char action[32], actor[101];
	int governed;
};
struct record_alias_states {
	struct record_alias_state *v;
	size_t n;
	size_t *slot, cap; /* index of v by model and alias (slot i holds its v index + 1); cap 0: none */
};
/* model NULL lists every model's aliases. Aliases removed (version 0) are
 * left out. */
int record_alias_states(struct store *st, const char *model, struct record_alias_states *out, struct err *e);
void record_alias_states_free(struct record_alias_states *l);
/* One ledger entry (seq, subject, actor, its parsed body j) taken into l,
 * as record_alias_states reads them: entries that move no alias are
 * ignored, and aliases removed stay in l (version 0). -1 on no memory.
 * The replay of audit verify collects l this way instead of reading
 * and parsing every alias move again. */
int record_alias_states_add(struct record_alias_states *l, int64_t seq, const char *subject, const char *actor,
			    json_t *j);
/* out gets l's aliases that are not removed, in l's order. -1 on no memory. */
int record_alias_states_live(const struct record_alias_states *l, struct record_alias_states *out);
/* The state of one alias in l, NULL when l has none. */
const struct record_alias_state *record_alias_find(const struct record_alias_states *l, const char *model,
						    const char *alias);

#endif
