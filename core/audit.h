/* audit: whole-ledger verification (hashes, checkpoints, keyring replay, every approval), proofs as text, export bundles. */
#ifndef STEWARD_AUDIT_H
#define STEWARD_AUDIT_H

#include <stddef.h>
#include <stdint.h>

#include "err.h"
#include "progress.h"
#include "keys.h"
#include "ledger.h"
#include "record.h"
#include "store.h"

/* Where a run's time goes: reading, checking and replaying the entries;
 * the keyring, approval and request tables against the replay; the
 * stored Merkle nodes; the derived tables; and waiting for the workers
 * to finish what they were handed. */
enum { AUDIT_PHASE_LEDGER, AUDIT_PHASE_TABLES, AUDIT_PHASE_TREE, AUDIT_PHASE_RECONCILE, AUDIT_PHASE_WORKERS, AUDIT_PHASES };
extern const char *const audit_phase_name[AUDIT_PHASES];

struct audit_report {
	struct ledger_report ledger; /* entries, checkpoints, verified, kept, bad_seq, reason */
	int64_t keyring_version;     /* keyring version the replay ended at */
	int64_t requests;
	int64_t approvals;
	int64_t incidents; /* incidents the ledger opened (store only) */
	char log_name[KEYS_NAME_MAX + 1];
	char log_vkey[300]; /* the log's verifier key (name+hash+key): what --vkey pins */
	char root_key[KEYS_ID_HEX + 1]; /* the key that signed keyring version 1 */
	/* The store's witness file: 0 none, 1 checked (its checkpoint is in
	 * the history), 2 there but not readable by this user. */
	int witness;
	int64_t witness_size;
	char witness_path[4200];
	int64_t unattested; /* versions no signed entry records (store only) */
	/* Aliases whose last move the ledger records is not a gated promotion
	 * or rollback (an admin's move, a backend's baseline), and the first
	 * few of them in ledger order (store only, when it verified). */
	int64_t ungoverned;
	struct record_alias_state ungoverned_first[5];
	/* What the run cost (audit_verify_run, audit_verify_bundle_run): wall
	 * and CPU seconds (every thread's, user and system) and threads used. */
	double wall_seconds, cpu_seconds;
	int jobs;
	/* The same per phase (AUDIT_PHASE_*, named by audit_phase_name):
	 * CPU is the process's, workers included, so a phase run beside
	 * the workers shows what they did meanwhile too. */
	double phase_wall[AUDIT_PHASES], phase_cpu[AUDIT_PHASES];
	/* Entries this run read and replayed, and the checkpoint size it
	 * picked up from (0: a full run from the first entry). */
	int64_t checked, resumed;
};

/* What an auditor brings from outside the store or bundle. */
struct audit_pins {
	const char *vkey;               /* the log verifier key to trust, or NULL */
	const char *const *checkpoints; /* signed checkpoint notes kept from before (files) */
	size_t ncheckpoints;
	int allow_unsigned_tail;        /* bundles under vkey: accept entries after the last checkpoint */
};

/* Everything an auditor asks of the store: every leaf, the chain, every
 * checkpoint root and signature (ledger_verify), then a replay of the
 * entries: each keyring change signed by an admin of the keyring before
 * it, each approval valid under the keyring in force when it was
 * recorded, and the store's keyring and approval tables agreeing with
 * what the ledger says. 0 when all holds; -1 with r->ledger.bad_seq and
 * reason naming the first problem. */
int audit_verify(struct store *st, struct audit_report *r, struct err *e);
/* audit_verify, and: with p->vkey the store's log key must be that one;
 * each of p->checkpoints must verify under the log key and be in the
 * history (the root of its first size entries is its root), as must the
 * witness file beside the store when there is one. */
int audit_verify_pinned(struct store *st, const struct audit_pins *p, struct audit_report *r, struct err *e);

/* How a verification runs (never what it checks). */
struct audit_run {
	/* Worker threads: 0 the processors online, 1 none (everything on the
	 * calling thread). With more, the calling thread reads the entries in
	 * order and replays them while jobs workers check leaf hashes and
	 * Ed25519 signatures in batches. A failure any worker finds is run
	 * again on one thread, so the report names the same first entry and
	 * reason. */
	int jobs;
	/* Called with entries done and the total expected (0 when unknown). */
	struct progress progress;
	/* Optional (audit_resume_new): where the last run that held left
	 * off, so the next run on the same store reads, checks and replays
	 * only the entries after it. Its accumulator holds the leaves as that
	 * run read them, so entries past the newest checkpoint then are
	 * checked by the next checkpoint's signed root. Pinned checkpoints
	 * or a witness before that point other than its end or the newest
	 * checkpoint it verified, another log key or a ledger now shorter
	 * make the run a full one; so does any failure, which also forgets
	 * the state. Entries before it are not read again: a caller that
	 * must catch old entries rewritten in place runs a full check now and
	 * then (audit_resume_forget). */
	struct audit_resume *resume;
};

struct audit_resume;
struct audit_resume *audit_resume_new(void);
/* The next run with r is a full one. */
void audit_resume_forget(struct audit_resume *r);
void audit_resume_free(struct audit_resume *r);
/* audit_verify_pinned run as o says (o may be NULL: one thread, no progress). */
int audit_verify_run(struct store *st, const struct audit_pins *p, const struct audit_run *o,
		     struct audit_report *r, struct err *e);

/* Writes DIR (created, must not exist or be empty): entries, checkpoints,
 * the log's verifier key and the keyring history. See steward-ledger(5).
 * Entries are written as they are read and verified; pr (may be NULL)
 * hears entries done of the ledger's size. */
int audit_export(struct store *st, const char *dir, const struct progress *pr, struct err *e);
/* Checks a bundle without any store. p->vkey (a C2SP verifier key) pins
 * the log key (NULL trusts the bundle's own log.vkey); p->checkpoints as
 * for audit_verify_pinned. p may be NULL. */
int audit_verify_bundle(const char *dir, const struct audit_pins *p, struct audit_report *r, struct err *e);
/* audit_verify_bundle run as o says; the total passed to progress is the
 * size of the bundle's newest checkpoint (entries after it are counted
 * beyond it). */
int audit_verify_bundle_run(const char *dir, const struct audit_pins *p, const struct audit_run *o,
			    struct audit_report *r, struct err *e);

/* The log's verifier key, "name+hash+base64(0x01||pk)" (C2SP signed note). */
int audit_vkey(const char *name, const uint8_t pk[KEYS_PK_BYTES], char *buf, size_t n);
int audit_vkey_parse(const char *vkey, char name[KEYS_NAME_MAX + 1], uint8_t pk[KEYS_PK_BYTES],
		     struct err *e);

/* Proofs as text files (steward-ledger(5)); malloc'd, NULL on no memory. */
char *audit_format_inclusion(const struct ledger_inclusion *p);
char *audit_format_consistency(const struct ledger_consistency *p);
/* Checks a proof file of either kind against the log key. summary gets a
 * one-line description of what was proved. */
int audit_verify_proof(const char *text, size_t len, const char *log_name,
		       const uint8_t pk[KEYS_PK_BYTES], char *summary, size_t n, struct err *e);

#endif
