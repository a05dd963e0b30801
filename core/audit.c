/* audit: verifies the store: the ledger's hashes and checkpoints, its replay, and every table against it; resumable runs and verifier keys. */
#include "audit.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <sodium.h>

#include "audit-run.h"
#include "incident.h"
#include "keyring.h"
#include "ledger-tree.h"
#include "note.h"
#include "reconcile.h"
#include "replay.h"

/* ---- the store's tables against the replay ---- */

/* The replay's hash of an approval's envelope, under its key. */
static int audit_same_hash(const struct replay *rp, const uint8_t want[16], const void *data, size_t len)
{
	uint8_t h[16];

	crypto_shorthash_siphashx24(h, data != NULL ? data : (const void *)"", len, rp->hkey);
	return memcmp(h, want, sizeof h) == 0;
}

static int audit_tables(struct store *st, struct replay *rp, struct audit_report *r, struct err *e)
{
	struct db_stmt *s;
	int64_t count = 0;
	int rc, bad = 0;

	if (keyring_version(st) != rp->kr.version)
		return audit_fail(r, e, 0, "keyring table is at version %" PRId64 " but the ledger's keyring is at %" PRId64,
				  keyring_version(st), rp->kr.version);
	/* Every key row as the ledger made it. */
	if (store_prepare(st, &s,
			  "SELECT k.key_id, p.name, k.added_ver, coalesce(k.revoked_ver, 0) FROM principal_keys k"
			  " JOIN principals p ON p.id = k.principal_id",
			  e) != 0)
		return -1;
	while (!bad && (rc = db_step(s)) == DB_ROW) {
		const char *id = (const char *)db_column_text(s, 0), *name = (const char *)db_column_text(s, 1);
		struct proven_key *k = proven_key(&rp->kr, id ? id : "");

		count++;
		if (k == NULL || strcmp(rp->kr.p[k->principal].name, name ? name : "") != 0 ||
		    k->added != db_column_int64(s, 2) || k->revoked != db_column_int64(s, 3)) {
			audit_fail(r, e, 0, "keyring table: key %s of %s does not match the ledger (changed outside steward)",
				   id ? id : "?", name ? name : "?");
			bad = 1;
		}
	}
	db_finalize(s);
	if (bad)
		return -1;
	if (count != (int64_t)rp->kr.nk)
		return audit_fail(r, e, 0, "keyring table holds %" PRId64 " keys but the ledger added %zu", count,
				  rp->kr.nk);
	/* Roles held now. */
	if (store_prepare(st, &s,
			  "SELECT p.name, r.role FROM principal_roles r JOIN principals p ON p.id = r.principal_id"
			  " WHERE r.revoked_ver IS NULL",
			  e) != 0)
		return -1;
	count = 0;
	while (!bad && (rc = db_step(s)) == DB_ROW) {
		const char *name = (const char *)db_column_text(s, 0);
		struct err ig;
		unsigned role = keyring_role_parse((const char *)db_column_text(s, 1), &ig);
		size_t idx;

		count++;
		if (proven_principal(&rp->kr, name ? name : "", &idx) == NULL || !(proven_roles_now(&rp->kr, idx) & role)) {
			audit_fail(r, e, 0, "keyring table: %s holds role %s, which the ledger never granted",
				   name ? name : "?", keyring_role_name(role));
			bad = 1;
		}
	}
	db_finalize(s);
	if (bad)
		return -1;
	{
		int64_t held = 0;
		size_t i;

		for (i = 0; i < rp->kr.nr; i++)
			held += rp->kr.r[i].revoked == 0;
		if (held != count)
			return audit_fail(r, e, 0, "keyring table holds %" PRId64 " roles but the ledger grants %" PRId64,
					  count, held);
	}
	/* Every approval row is the envelope its entry recorded. */
	if (store_prepare(st, &s, "SELECT id, seq, request_id, envelope FROM approvals ORDER BY id", e) != 0)
		return -1;
	count = 0;
	while (!bad && (rc = db_step(s)) == DB_ROW) {
		int64_t seq = db_column_int64(s, 1), req = db_column_int64(s, 2);
		size_t i, len = (size_t)db_column_bytes(s, 3);
		const void *env = db_column_blob(s, 3);

		size_t lo = 0, hi = rp->na;

		count++;
		/* rp->a is in ledger order: search by seq. */
		while (lo < hi) {
			size_t mid = lo + (hi - lo) / 2;

			if (rp->a[mid].seq < seq)
				lo = mid + 1;
			else
				hi = mid;
		}
		i = lo;
		if (i == rp->na || rp->a[i].seq != seq || rp->a[i].request != req || rp->a[i].len != len ||
		    !audit_same_hash(rp, rp->a[i].envelope, env, len)) {
			audit_fail(r, e, seq, "approval %" PRId64 " in the table differs from the decision this entry recorded",
				   (int64_t)db_column_int64(s, 0));
			bad = 1;
		}
	}
	db_finalize(s);
	if (bad)
		return -1;
	if (count != (int64_t)rp->na)
		return audit_fail(r, e, 0, "approvals table holds %" PRId64 " decisions but the ledger recorded %zu",
				  count, rp->na);
	r->approvals = (int64_t)rp->na;
	r->requests = (int64_t)rp->nq;
	/* A promotion request the ledger closed (applied, withdrawn,
	 * superseded) must not be open in the table, where a gate would see it. */
	if (store_prepare(st, &s, "SELECT id FROM requests WHERE state = 'open' AND kind = 'promotion' ORDER BY id", e) != 0)
		return -1;
	while (db_step(s) == DB_ROW) {
		const struct rp_request *q = replay_request(rp, db_column_int64(s, 0));

		if (q != NULL && !q->open) {
			audit_fail(r, e, q->seq, "request %" PRId64 " is open in the table but the ledger closed it",
				   q->id);
			db_finalize(s);
			return -1;
		}
	}
	db_finalize(s);
	/* Incidents and their timelines as the incident.* entries made them. */
	if (incident_replay_check(st, rp->inc, e) != 0)
		return audit_fail(r, e, 0, "%s", e->msg);
	r->incidents = incident_replay_count(rp->inc);
	return 0;
}

/* The stored Merkle nodes are a cache of the leaves like every other
 * table: a tampered one cannot make a false proof verify (proofs are
 * checked against signed roots), but it is named here rather than left
 * to make true proofs fail. */
static int audit_tree_nodes(struct store *st, const struct ledger_leaves *l, struct audit_report *r, struct err *e)
{
	char why[sizeof r->ledger.reason];
	/* The leaves the pass kept are every entry's, from the first: the
	 * ledger is not read a second time. */
	int rc = l != NULL && !l->lost && (int64_t)l->n == r->ledger.entries
			 ? ledger_tree_check_leaves(st, l->v, (int64_t)l->n, why, sizeof why, e)
			 : ledger_tree_check(st, why, sizeof why, e);

	if (rc == 1)
		return audit_fail(r, e, 0, "%s", why);
	return rc;
}

int audit_verify(struct store *st, struct audit_report *r, struct err *e)
{
	return audit_verify_pinned(st, NULL, r, e);
}

int audit_verify_pinned(struct store *st, const struct audit_pins *p, struct audit_report *r, struct err *e)
{
	return audit_verify_run(st, p, NULL, r, e);
}

/* ---- picking up where the last run stopped ---- */

struct audit_resume {
	int have;
	char log_vkey[300];
	struct ledger_state at; /* where the last run that held stopped */
	struct replay rp;       /* the replay as of at.size */
};

struct audit_resume *audit_resume_new(void)
{
	return calloc(1, sizeof(struct audit_resume));
}

void audit_resume_forget(struct audit_resume *r)
{
	if (r == NULL || !r->have)
		return;
	replay_free(&r->rp);
	r->have = 0;
}

void audit_resume_free(struct audit_resume *r)
{
	audit_resume_forget(r);
	free(r);
}

/* Whether rs can start this run: same log key, the ledger still at
 * least that long, and every pinned checkpoint up to its end one it can
 * vouch for (at its end, or the newest checkpoint it verified, with the
 * same root); others are only checked by reading from the first entry. */
static int audit_resume_usable(struct store *st, const struct audit_resume *rs, const char *vkey,
			       const struct ledger_kept *kept, size_t nkept)
{
	size_t i;

	if (rs == NULL || !rs->have || strcmp(rs->log_vkey, vkey) != 0 || ledger_size(st) < rs->at.size)
		return 0;
	for (i = 0; i < nkept; i++) {
		merkle_hash root;

		if (kept[i].size > rs->at.size)
			continue; /* the run reaches it */
		merkle_acc_root(&rs->at.acc, root);
		if (kept[i].size == rs->at.size && memcmp(root, kept[i].root, MERKLE_HASH) == 0)
			continue;
		/* The witness usually is the newest checkpoint, which the last run verified. */
		if (kept[i].size == rs->at.verified && memcmp(rs->at.verified_root, kept[i].root, MERKLE_HASH) == 0)
			continue;
		return 0;
	}
	return 1;
}

static int audit_verify_store(struct store *st, const struct audit_pins *p, const struct audit_run *o,
			      struct audit_report *r, struct err *e);

/* What the report warns of, from the moves the replay collected. */
static void audit_ungoverned(const struct replay *rp, struct audit_report *r)
{
	size_t i;

	r->ungoverned = 0;
	for (i = 0; i < rp->aliases.n; i++) {
		const struct record_alias_state *x = &rp->aliases.v[i];

		if (x->version == 0 || x->governed)
			continue;
		if (r->ungoverned < (int64_t)(sizeof r->ungoverned_first / sizeof r->ungoverned_first[0]))
			r->ungoverned_first[r->ungoverned] = *x;
		r->ungoverned++;
	}
}

/* Once the ledger held (rc 0): the tables against the replay, the stored
 * tree, and every derived table. */
static int audit_after_ledger(struct store *st, struct replay *rp, int rc, const struct ledger_leaves *l,
			      struct audit_clock *lap, struct audit_report *r, struct err *e)
{
	if (rc == 0 && r->witness == 1)
		r->ledger.kept--; /* reported as the witness, not as a kept file */
	if (rc == 0)
		rc = audit_tables(st, rp, r, e);
	audit_clock_lap(lap, r, AUDIT_PHASE_TABLES);
	if (rc == 0)
		rc = audit_tree_nodes(st, l, r, e);
	audit_clock_lap(lap, r, AUDIT_PHASE_TREE);
	if (rc == 0) {
		/* The ledger holds: now every table derived from it must agree. */
		struct reconcile_report rr;

		rc = reconcile_tables_with(st, &rp->aliases, rp, &rr, e);
		if (rc != 0)
			snprintf(r->ledger.reason, sizeof r->ledger.reason, "%s", e->msg);
		r->unattested = rr.unattested;
	}
	if (rc == 0)
		audit_ungoverned(rp, r);
	audit_clock_lap(lap, r, AUDIT_PHASE_RECONCILE);
	return rc;
}


/* How many snapshots a run reads while the witness is ahead of the ledger. */
#define AUDIT_WITNESS_TRIES 3

/* 1 when the run failed only because the store's witness names a
 * checkpoint past the last entry its snapshot held. */
static int audit_witness_ahead(const struct audit_report *r)
{
	return r->witness == 1 && r->ledger.past_end == r->witness_size;
}

int audit_verify_run(struct store *st, const struct audit_pins *p, const struct audit_run *o,
		     struct audit_report *r, struct err *e)
{
	struct audit_clock c;
	int rc, attempt;

	audit_clock_start(&c);
	for (attempt = 1;; attempt++) {
		/* One snapshot for the whole run: the entries, checkpoints and
		 * the tables reconciled with them are read as of one moment, so
		 * a colleague's commit half way does not look like a table the
		 * ledger does not explain. */
		if (store_read_begin(st, e) != 0)
			return -1;
		rc = audit_verify_store(st, p, o, r, e);
		store_read_end(st);
		if (rc == 0 || attempt == AUDIT_WITNESS_TRIES || !audit_witness_ahead(r))
			break;
		/* A signer saves the witness just before it commits, under the
		 * write lock: a snapshot taken between the two ends before the
		 * witnessed checkpoint. Read again once that commit is in; a
		 * ledger really cut short still ends before it then. */
		nanosleep(&(struct timespec){ .tv_nsec = 100000000L * attempt }, NULL);
		err_clear(e);
	}
	audit_clock_stop(&c, o, r);
	return rc;
}

static int audit_verify_store(struct store *st, const struct audit_pins *p, const struct audit_run *o,
			      struct audit_report *r, struct err *e)
{
	char what[4300];
	uint8_t pk[KEYS_PK_BYTES];
	struct ledger_kept *kept = NULL;
	struct replay rp;
	struct ledger_state from, to;
	struct audit_resume *rs = o != NULL ? o->resume : NULL;
	struct ledger_report lr;
	size_t nkept;
	int rc, ledger_rc;

	memset(r, 0, sizeof *r);
	memset(&from, 0, sizeof from);
	memset(&to, 0, sizeof to);
	if (ledger_logkey_public(st, r->log_name, sizeof r->log_name, pk, e) != 0)
		return -1;
	if (audit_vkey(r->log_name, pk, r->log_vkey, sizeof r->log_vkey) != 0)
		return err_set(e, ERR_INVALID, "log key name is too long");
	snprintf(what, sizeof what, "store %s", store_path(st));
	if (p != NULL && p->vkey != NULL && audit_pinned(p->vkey, r->log_vkey, what, e) != 0)
		return -1;
	if (audit_kept_load(p, r->log_name, pk, &kept, &nkept, e) != 0)
		return -1;
	/* The signer's own witness counts as one more kept checkpoint. */
	if (ledger_witness_path(st, r->witness_path, sizeof r->witness_path, e) != 0) {
		free(kept);
		return -1;
	}
	r->witness = ledger_witness_read(st, r->log_name, pk, &kept[nkept], e);
	if (r->witness < 0) {
		free(kept);
		return -1;
	}
	if (r->witness == 1)
		r->witness_size = kept[nkept++].size;
	qsort(kept, nkept, sizeof *kept, audit_kept_cmp);
	if (rs != NULL && audit_resume_usable(st, rs, r->log_vkey, kept, nkept)) {
		/* Taken over: whatever this run ends in, the state moves on or is gone. */
		rp = rs->rp;
		from = rs->at;
		rs->have = 0;
		memset(&rs->rp, 0, sizeof rs->rp);
	} else {
		audit_resume_forget(rs);
		if (replay_init(&rp, r->log_name, e) != 0) {
			free(kept);
			return -1;
		}
		/* A one-off run keeps what the tables derive from as it replays
		 * (tens of MB on a million entries); the console's resumable
		 * check, which stays in memory beside a view, reconciles in SQL. */
		rp.seen = o == NULL || o->resume == NULL ? reconcile_seen_new() : NULL;
		if ((o == NULL || o->resume == NULL) && rp.seen == NULL) {
			replay_free(&rp);
			free(kept);
			return err_set(e, ERR_IO, "out of memory");
		}
	}
	{
		struct ledger_verify_opts lo = { .kept = kept, .nkept = nkept, .from = &from, .to = &to };
		struct audit_par par;
		struct audit_clock lap;
		struct ledger_leaves leaves = { 0 };
		int again;

		if (audit_par_start(o, &rp, &par, e) != 0) {
			replay_free(&rp);
			free(kept);
			return -1;
		}
		lo.q = par.q;
		lo.progress = o != NULL ? o->progress : (struct progress){ 0 };
		/* A one-off run keeps the leaves (32 bytes an entry) for the
		 * tree check; the console's resumable check, which stays in
		 * memory beside a view, reads them again instead. */
		if (from.size == 0 && (o == NULL || o->resume == NULL))
			lo.leaves = &leaves;
		audit_clock_start(&lap);
		rc = ledger_verify_with(st, &lo, &r->ledger, par.q != NULL ? audit_par_entry : replay_entry,
					par.q != NULL ? (void *)&par : (void *)&rp, e);
		ledger_rc = rc;
		lr = r->ledger;
		audit_clock_lap(&lap, r, AUDIT_PHASE_LEDGER);
		/* The tables are read while the workers still check what is
		 * queued, not after they stopped: read after, they left all but
		 * one processor idle. What the workers then report decides as if
		 * the tables had not been read yet. */
		rc = audit_after_ledger(st, &rp, rc, lo.leaves, &lap, r, e);
		ledger_leaves_free(&leaves);
		again = audit_par_stop(&par, ledger_rc, &lr);
		audit_clock_lap(&lap, r, AUDIT_PHASE_WORKERS);
		if (again) {
			/* Again from the first entry: the replay it started from is spent. */
			struct audit_run one = { .jobs = 1, .progress = lo.progress, .resume = rs };

			replay_free(&rp);
			free(kept);
			return audit_verify_store(st, p, &one, r, e);
		}
	}
	r->keyring_version = rp.kr.version;
	snprintf(r->root_key, sizeof r->root_key, "%s", rp.kr.root_key);
	r->resumed = from.size;
	/* A run that stopped early has no end point: it read at least nothing. */
	r->checked = to.size > from.size ? to.size - from.size : 0;
	/* Kept even when the newest entries are past the newest checkpoint:
	 * the next checkpoint's signed root must then be the root of the
	 * leaves as this run read them, so a tail rewritten after it was read
	 * fails there. */
	if (rc == 0 && rs != NULL && to.size > 0) {
		rs->rp = rp;
		rs->at = to;
		snprintf(rs->log_vkey, sizeof rs->log_vkey, "%s", r->log_vkey);
		rs->have = 1;
	} else {
		replay_free(&rp);
	}
	free(kept);
	return rc;
}

/* ---- verifier keys ---- */

int audit_vkey(const char *name, const uint8_t pk[KEYS_PK_BYTES], char *buf, size_t n)
{
	uint8_t hash[4], blob[1 + KEYS_PK_BYTES];
	char b64[sodium_base64_ENCODED_LEN(1 + KEYS_PK_BYTES, sodium_base64_VARIANT_ORIGINAL)], hex[9];
	int w;

	note_key_hash(name, pk, hash);
	sodium_bin2hex(hex, sizeof hex, hash, sizeof hash);
	blob[0] = 0x01;
	memcpy(blob + 1, pk, KEYS_PK_BYTES);
	sodium_bin2base64(b64, sizeof b64, blob, sizeof blob, sodium_base64_VARIANT_ORIGINAL);
	w = snprintf(buf, n, "%s+%s+%s", name, hex, b64);
	return w < 0 || (size_t)w >= n ? -1 : 0;
}

int audit_vkey_parse(const char *vkey, char name[KEYS_NAME_MAX + 1], uint8_t pk[KEYS_PK_BYTES],
		     struct err *e)
{
	const char *p1 = strchr(vkey, '+'), *p2 = p1 ? strchr(p1 + 1, '+') : NULL;
	uint8_t blob[1 + KEYS_PK_BYTES + 1], hash[4], want[4];
	size_t bin, hl;

	if (p1 == NULL || p2 == NULL || p1 == vkey || (size_t)(p1 - vkey) > KEYS_NAME_MAX)
		return err_set(e, ERR_INVALID, "verifier key must be NAME+HASH+KEY");
	snprintf(name, KEYS_NAME_MAX + 1, "%.*s", (int)(p1 - vkey), vkey);
	if (sodium_hex2bin(hash, sizeof hash, p1 + 1, (size_t)(p2 - p1 - 1), NULL, &hl, NULL) != 0 ||
	    hl != 4 ||
	    sodium_base642bin(blob, sizeof blob, p2 + 1, strlen(p2 + 1), NULL, &bin, NULL,
			      sodium_base64_VARIANT_ORIGINAL) != 0 ||
	    bin != 1 + KEYS_PK_BYTES || blob[0] != 0x01)
		return err_set(e, ERR_INVALID, "verifier key: bad hash or Ed25519 key");
	memcpy(pk, blob + 1, KEYS_PK_BYTES);
	note_key_hash(name, pk, want);
	if (memcmp(hash, want, 4) != 0)
		return err_set(e, ERR_INVALID, "verifier key: hash does not match the name and key");
	return 0;
}

