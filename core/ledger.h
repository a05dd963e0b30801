/* ledger: the append-only audit ledger: entries with leaf and chain hashes, signed checkpoints, verification and proofs. */
#ifndef STEWARD_LEDGER_H
#define STEWARD_LEDGER_H

#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "err.h"
#include "keys.h"
#include "merkle.h"
#include "progress.h"
#include "store.h"

/* The key that signs checkpoints. Its seed lives beside the store in
 * PATH.logkey (mode 0600); its public half and name are in the store. */
struct ledger_logkey {
	char name[KEYS_NAME_MAX + 1]; /* the checkpoint origin, "steward.local/<id>" */
	uint8_t pk[KEYS_PK_BYTES];
	uint8_t *sk; /* sodium_malloc'd, 64 bytes */
};

/* Creates the log key for a new store (refuses if one exists). */
int ledger_logkey_create(struct store *st, struct err *e);
int ledger_logkey_load(struct store *st, struct ledger_logkey **out, struct err *e);
/* The public half as recorded in the store (for verifying). */
int ledger_logkey_public(struct store *st, char *name, size_t n, uint8_t pk[KEYS_PK_BYTES],
			 struct err *e);
void ledger_logkey_free(struct ledger_logkey *k);

/* How many seconds past the verifier's clock an entry may be dated: the
 * clocks of two hosts (or one clock stepped back) disagree a little. */
#define LEDGER_SKEW 300

/* Appends an entry. Must run inside the caller's transaction, so the
 * governed change and its entry commit together or not at all. `data`
 * is borrowed. The entry is dated now, or at the previous entry's time
 * when the clock says earlier: entry times never decrease. */
int ledger_append(struct store *st, const char *actor, const char *action, const char *subject,
		  json_t *data, int64_t *seq, struct err *e);
/* The same for an act: the body names k's id ("key") and the actor's
 * signature over the exact body bytes is stored beside it (see
 * proven_check_entry). Governed changes and evidence use this. */
int ledger_append_act(struct store *st, const struct key_secret *k, const char *actor, const char *action,
		      const char *subject, json_t *data, int64_t *seq, struct err *e);
int64_t ledger_size(struct store *st);

/* Called for each entry once its hashes hold, with the body already
 * parsed (borrowed: parsing a million bodies twice costs more than the
 * hashing); non-zero with why filled makes that entry the first bad one. */
typedef int (*ledger_entry_fn)(void *arg, int64_t seq, const char *body, size_t len, json_t *parsed,
			       const char *sig, char *why, size_t n);

/* A checkpoint kept outside the store (the signer's witness file, an
 * auditor's copy): the ledger's first `size` entries must still have
 * `root`. */
struct ledger_kept {
	int64_t size;
	merkle_hash root;
	char what[4300]; /* for messages: "witnessed in FILE", "kept in FILE" */
};

/* Signs a checkpoint of the current tree when it grew since the last,
 * inside the caller's transaction, and only after checking what it
 * signs: the newest checkpoint's note is the log key's over its root;
 * each new entry's leaf is recomputed from its bytes and its seq, prev,
 * chain and time hold (as ledger_verify checks them), and fn, when not
 * NULL, accepts it; and the tree still holds the checkpoint in the
 * witness file PATH.witness. Then it signs, and keeps the new checkpoint
 * in the witness file (mode 0600, replaced atomically). Any failure signs
 * nothing and says which entry or which checkpoint. */
int ledger_checkpoint_each(struct store *st, const struct ledger_logkey *k, ledger_entry_fn fn, void *arg,
			   struct err *e);
/* ledger_checkpoint_each with no extra check. */
int ledger_checkpoint(struct store *st, const struct ledger_logkey *k, struct err *e);
/* The one way a writer signs after it committed (the CLI after each
 * command that wrote, the console after each decision): loads the log
 * key and runs ledger_checkpoint_each in its own transaction. 0 with
 * nothing done when the store has no log key. */
int ledger_checkpoint_commit(struct store *st, ledger_entry_fn fn, void *arg, struct err *e);

/* Reads a signed checkpoint note: its signature by (name, pk) and that
 * its text is exactly origin, size and root. */
int ledger_note_read(const char *note, const char *name, const uint8_t pk[KEYS_PK_BYTES], int64_t *size,
		     merkle_hash root, struct err *e);
/* ledger_note_read of a file (what = "kept in FILE"). */
int ledger_kept_load(const char *path, const char *name, const uint8_t pk[KEYS_PK_BYTES],
		     struct ledger_kept *k, struct err *e);
/* The witness file beside the store: PATH.witness, beside the log key and
 * as well kept. */
int ledger_witness_path(struct store *st, char *buf, size_t n, struct err *e);
/* The witness file beside the store: 1 with k filled, 0 when there is
 * none, 2 when it exists but this user cannot read it, -1 when it is
 * damaged or signed by another key (e says which). */
int ledger_witness_read(struct store *st, const char *name, const uint8_t pk[KEYS_PK_BYTES],
			struct ledger_kept *k, struct err *e);
/* Writes a note to path (mode) through a temporary file, fsync and
 * rename: readers see the old note or the new one, never part of one. */
int ledger_note_save(const char *path, const char *note, unsigned mode, struct err *e);

struct ledger_report {
	int64_t entries;
	int64_t checkpoints;
	int64_t verified; /* entries covered by the newest valid checkpoint */
	int64_t kept;     /* kept checkpoints found in this history */
	int64_t bad_seq;  /* first bad entry, 0 when none */
	/* A kept checkpoint this size lies past the last entry read (with
	 * bad_seq the same): the history was cut short, or read before the
	 * commit of a checkpoint whose witness was already saved. */
	int64_t past_end;
	char reason[700];
};

/* Recomputes every leaf and chain hash, every checkpoint root and
 * signature, and checks entry times never decrease nor lie more than
 * LEDGER_SKEW after now. 0 when all holds; -1 with r->bad_seq and
 * r->reason (and e) naming the first problem. */
int ledger_verify(struct store *st, struct ledger_report *r, struct err *e);

/* Verification reports progress (core/progress.h) every this many entries and at the end. */
#define LEDGER_PROGRESS_EVERY 4096

struct verifyq;

/* Where a verification stands after its first `size` entries: all a
 * later run needs to check only the entries after them, as a run from the
 * first entry would (chain, times, roots of later checkpoints). */
struct ledger_state {
	int64_t size; /* 0: nothing taken in, start from the first entry */
	uint8_t chain[32];
	int64_t time;
	struct merkle_acc acc;
	int64_t checkpoints, kept, verified;
	merkle_hash verified_root; /* the root of the newest checkpoint verified (of `verified` entries) */
};

/* Where entries and checkpoints come from: the store, or an exported
 * bundle. next gives 1 with an entry, 0 at the end, -1 on error; leaf and
 * chain are NULL when the source does not store them; sig is the actor's
 * signature over the body ("" when the entry has none). */
/* The columns a store keeps beside an entry's body, for its indexes:
 * time, actor, action and subject. The signed body covers none of them,
 * and the gate's lookups go through them, so a verification holds each
 * against what the body says. */
struct ledger_cols {
	int64_t time;
	const char *actor, *action, *subject;
};

/* Leaves in ledger order, v[i] the leaf of entry i + 1 of the run; lost
 * when memory ran out (v is then freed and the caller reads them again). */
struct ledger_leaves {
	merkle_hash *v;
	size_t n, cap;
	int lost;
};
void ledger_leaves_free(struct ledger_leaves *l);

struct ledger_source {
	int (*next)(void *arg, int64_t *seq, const char **body, size_t *len, const uint8_t **leaf,
		    const uint8_t **chain, const char **sig);
	/* Optional: the columns of the entry next just gave (valid until the
	 * next call); NULL for a source that keeps none (a bundle). */
	int (*cols)(void *arg, struct ledger_cols *out);
	int (*next_checkpoint)(void *arg, int64_t *size, const char **note);
	void *arg;
	/* Checkpoints kept outside the source, sorted by size: the root of
	 * the first `size` entries must be each one's, or the history was
	 * rewritten. */
	const struct ledger_kept *kept;
	size_t nkept;
	/* Optional: workers that parse the bodies ahead of the calling thread
	 * and check each stored leaf against its body (sources without stored
	 * leaves hash on the calling thread), and
	 * progress told every LEDGER_PROGRESS_EVERY entries and at the end,
	 * with total the entries expected (0 when unknown). */
	struct verifyq *q;
	struct progress progress;
	int64_t total;
	/* Optional: from says where an earlier run stopped (next must then
	 * give only the entries and checkpoints after from->size, and kept
	 * holds none before it); to gets where this run stopped. */
	const struct ledger_state *from;
	struct ledger_state *to;
	/* Optional: gets every leaf the run read, so that a later pass
	 * over them (the stored Merkle nodes) need not read the ledger again. */
	struct ledger_leaves *leaves;
};
int ledger_verify_source(const struct ledger_source *src, const char *name,
			 const uint8_t pk[KEYS_PK_BYTES], struct ledger_report *r,
			 ledger_entry_fn fn, void *fnarg, struct err *e);
/* ledger_verify, calling fn for each entry in order. */
int ledger_verify_each(struct store *st, struct ledger_report *r, ledger_entry_fn fn, void *arg,
		       struct err *e);
/* ledger_verify_each, also checking the history still holds each kept
 * checkpoint (sorted by size). */
int ledger_verify_kept(struct store *st, const struct ledger_kept *kept, size_t nkept,
		       struct ledger_report *r, ledger_entry_fn fn, void *arg, struct err *e);
/* ledger_verify_kept with workers and progress (see struct ledger_source).
 * With o->q a leaf that does not match its body is not reported here:
 * verifyq_finish names its entry. */
struct ledger_verify_opts {
	const struct ledger_kept *kept;
	size_t nkept;
	struct verifyq *q;
	struct progress progress;
	const struct ledger_state *from; /* from and to: see struct ledger_source */
	struct ledger_state *to;
	struct ledger_leaves *leaves; /* see struct ledger_source */
};
int ledger_verify_with(struct store *st, const struct ledger_verify_opts *o, struct ledger_report *r,
		       ledger_entry_fn fn, void *arg, struct err *e);


/* One entry as stored: the exact body bytes and the columns kept for lookup. */
struct ledger_entry {
	int64_t seq, time;
	char actor[201];
	char action[101];
	char subject[401];
	char *body; /* exact bytes, NUL-terminated for convenience */
	size_t len;
};
struct ledger_entries {
	struct ledger_entry *v;
	size_t n;
};
/* Entries in order. subject matches exactly or as a prefix ending at '/'
 * ("models:/fraud" matches "models:/fraud/3"); NULL filters match all. */
int ledger_entries(struct store *st, const char *subject, const char *actor,
		   struct ledger_entries *out, struct err *e);

/* Which entries ledger_each reads; zeroes read them all. */
struct ledger_query {
	const char *subject, *actor; /* as ledger_entries; NULL matches all */
	int64_t after;               /* only entries past this seq: the keyset of the next page */
	int64_t since;               /* only entries recorded at or after this time */
	int64_t limit;               /* at most so many */
};
/* Called for each entry in seq order; x and its body are borrowed until
 * the call returns. Non-zero with e filled stops the read. fn should run
 * no statement on the same store: PostgreSQL would then queue the rest of
 * the read in memory. */
typedef int (*ledger_each_fn)(void *arg, const struct ledger_entry *x, struct err *e);
/* Streams the entries q picks to fn, one row at a time, with one
 * statement and one body buffer, so memory stays flat at any ledger size. */
int ledger_each(struct store *st, const struct ledger_query *q, ledger_each_fn fn, void *arg, struct err *e);
int ledger_entry_get(struct store *st, int64_t seq, struct ledger_entry *out, struct err *e);
void ledger_entry_clear(struct ledger_entry *x);
void ledger_entries_free(struct ledger_entries *l);

/* The newest checkpoint: size and note text (malloc'd); size 0 when none. */
int ledger_latest_checkpoint(struct store *st, int64_t *size, char **note, struct err *e);

/* An inclusion proof of entry seq against the newest checkpoint. */
struct ledger_inclusion {
	int64_t seq, size;
	char *body; /* the entry's exact bytes */
	size_t len;
	merkle_hash path[MERKLE_MAX_PATH];
	size_t plen;
	char *checkpoint; /* signed note for `size` */
};
int ledger_prove(struct store *st, int64_t seq, struct ledger_inclusion *p, struct err *e);
void ledger_inclusion_clear(struct ledger_inclusion *p);

/* A consistency proof from the tree of old_size entries to the newest
 * checkpoint. The old checkpoint's note is included when one was signed
 * at exactly old_size (NULL otherwise; the old root is given either way). */
struct ledger_consistency {
	int64_t old_size, size;
	merkle_hash old_root;
	merkle_hash path[MERKLE_MAX_PATH];
	size_t plen;
	char *old_checkpoint;
	char *checkpoint;
};
int ledger_consistency(struct store *st, int64_t old_size, struct ledger_consistency *p,
		       struct err *e);
void ledger_consistency_clear(struct ledger_consistency *p);
#endif
