/* estate: generates the large estate of DESIGN section 9 (a million ledger entries of governed acts, each through the product's core calls) for bench/run. */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <sodium.h>

#include "approval.h"
#include "card.h"
#include "gate.h"
#include "keyring.h"
#include "keys.h"
#include "cli/meter.h"
#include "ledger.h"
#include "monitor.h"
#include "policy.h"
#include "registry.h"
#include "store.h"

#define ESTATE_PASSPHRASE "bench-passphrase"
/* 2026-11-01T00:00:00Z: the generated history ends here. */
#define ESTATE_END 1793491200LL
#define ESTATE_TICK 37 /* the fewest seconds between two recorded events */
#define ESTATE_ROUND_SECONDS (15 * 86400LL) /* the quiet time before promotions, over the longest soak rule */
#define ESTATE_REJECT_EVERY 10   /* one production request in so many is first rejected */
#define ESTATE_ROLLBACK_EVERY 20 /* one production release in so many is rolled back */
#define ESTATE_LEAVERS 2         /* principals revoked during the history */
#define ESTATE_ACTIONS 15        /* kinds of act counted in the mix */
#define ESTATE_CHECKPOINT_EVERY 10000
#define ESTATE_COMMIT_EVERY 50000
#define ESTATE_PENDING_EVERY 5     /* one model in so many has an open request */

/* Aliases the admin moves directly (no policy governs them): as many
 * moves as bring the ledger to its target size, at most one each per version. */
static const char *const estate_aliases[] = {
	"shadow", "blue", "green", "qa", "ab-a", "ab-b", "perf", "replay",
};
#define ESTATE_NALIASES ((int)(sizeof estate_aliases / sizeof estate_aliases[0]))

enum { ESTATE_ADMIN, ESTATE_RISK, ESTATE_LEAD, ESTATE_SRE, ESTATE_AUDITOR };

static const struct {
	const char *name;
	int kind;
} estate_people[] = {
	{ "ada", ESTATE_ADMIN },    { "arne", ESTATE_ADMIN },   { "rosa", ESTATE_RISK },
	{ "ravi", ESTATE_RISK },    { "rhea", ESTATE_RISK },    { "rolf", ESTATE_RISK },
	{ "runa", ESTATE_RISK },    { "reza", ESTATE_RISK },    { "lena", ESTATE_LEAD },
	{ "mei", ESTATE_LEAD },     { "luca", ESTATE_LEAD },    { "maya", ESTATE_LEAD },
	{ "lars", ESTATE_LEAD },    { "mina", ESTATE_LEAD },    { "leo", ESTATE_LEAD },
	{ "mara", ESTATE_LEAD },    { "sami", ESTATE_SRE },     { "sven", ESTATE_SRE },
	{ "otto", ESTATE_AUDITOR }, { "olga", ESTATE_AUDITOR },
};
#define ESTATE_PEOPLE ((int)(sizeof estate_people / sizeof estate_people[0]))

static const char *const estate_domains[] = {
	"credit", "fraud", "churn", "search", "aml", "kyc", "pricing", "collections",
	"marketing", "support", "forecast", "risk", "payments", "onboarding", "claims", "ranking",
};
static const char *const estate_purposes[] = {
	"score", "limit", "propensity", "classifier", "ranker", "detector", "router", "uplift",
	"pd", "lgd", "segmenter", "recommender",
};
#define ESTATE_NDOMAINS (sizeof estate_domains / sizeof estate_domains[0])
#define ESTATE_NPURPOSES (sizeof estate_purposes / sizeof estate_purposes[0])

struct estate_model {
	char name[100];
	size_t index;
	enum tier tier;
	int promoted; /* production promotions applied so far */
};

struct estate {
	struct store *st;
	struct meter m; /* the progress line, on a terminal only (-q: never) */
	struct progress pr;
	int64_t next_note; /* entries at which the progress line hears again */
	struct key_secret *k[ESTATE_PEOPLE];
	struct principal p[ESTATE_PEOPLE];
	int leads[ESTATE_PEOPLE], risks[ESTATE_PEOPLE], nleads, nrisks;
	int sre[2], leaver[ESTATE_LEAVERS], revoked[ESTATE_PEOPLE];
	struct ledger_logkey *logkey;
	int64_t clock, alerts_at;
	int fast; /* a round's promotions: one second apart, inside one alert observation's life */
	int64_t entries, target, next_checkpoint, next_commit, checkpointed;
	int64_t round, rounds, done, total; /* versions generated, of total */
	int64_t count[ESTATE_ACTIONS], requests, pending, refused_gate, refused_revoked, syncs, checkpoints;
	double t_sign, t_checkpoint, t_commit; /* seconds spent in each, for the hot spots */
	char keydir[4096];
	int keep_keys; /* -k: the key directory stays, with the keys in it */
};

/* ---- deterministic randomness ----
 * Keys, nonces, salts and the log key come from libsodium's randombytes:
 * with this implementation installed the estate is the same bytes on
 * every run. Only for this generator: these keys are public knowledge. */

static uint8_t estate_seed[32];
static uint64_t estate_draws;

static void estate_random_buf(void *buf, const size_t size)
{
	uint8_t in[sizeof estate_seed + sizeof estate_draws], seed[randombytes_SEEDBYTES];

	memcpy(in, estate_seed, sizeof estate_seed);
	memcpy(in + sizeof estate_seed, &estate_draws, sizeof estate_draws);
	estate_draws++;
	crypto_hash_sha256(seed, in, sizeof in);
	randombytes_buf_deterministic(buf, size, seed);
}

static uint32_t estate_random(void)
{
	uint32_t v;

	estate_random_buf(&v, sizeof v);
	return v;
}

static const char *estate_random_name(void)
{
	return "steward-bench-deterministic";
}

static struct randombytes_implementation estate_rng = {
	.implementation_name = estate_random_name,
	.random = estate_random,
	.buf = estate_random_buf,
};

static double estate_now(void)
{
	struct timespec t;

	if (clock_gettime(CLOCK_MONOTONIC, &t) != 0)
		return 0;
	return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

static void estate_tick(struct estate *s)
{
	s->clock += s->fast ? 1 : ESTATE_TICK;
	store_clock_set(s->clock);
}

static int estate_fail(const char *what, const struct err *e)
{
	fprintf(stderr, "estate: %s: %s\n", what, e->msg);
	return -1;
}

/* ---- keys and keyring ---- */

static int estate_keys(struct estate *s, struct err *e)
{
	char path[4200];
	int i;

	for (i = 0; i < ESTATE_PEOPLE; i++) {
		if (snprintf(path, sizeof path, "%s/%s.key", s->keydir, estate_people[i].name) >=
		    (int)sizeof path)
			return err_set(e, ERR_INVALID, "key directory path is too long");
		if (keys_generate_open(estate_people[i].name, path, ESTATE_PASSPHRASE,
				       strlen(ESTATE_PASSPHRASE), &s->k[i], e) != 0)
			return -1;
		if (estate_people[i].kind == ESTATE_LEAD)
			s->leads[s->nleads++] = i;
		if (estate_people[i].kind == ESTATE_RISK)
			s->risks[s->nrisks++] = i;
		if (estate_people[i].kind == ESTATE_SRE)
			s->sre[s->sre[0] != 0] = i;
	}
	return 0;
}

static unsigned estate_role(int kind)
{
	static const unsigned roles[] = { ROLE_ADMIN, ROLE_RISK, ROLE_MLLEAD, ROLE_SRE, ROLE_AUDITOR };

	return roles[kind];
}

static int estate_keyring(struct estate *s, struct err *e)
{
	int i;

	estate_tick(s);
	if (ledger_logkey_create(s->st, e) != 0 || keyring_init(s->st, estate_people[0].name, s->k[0], e) != 0 ||
	    keyring_whoami(s->st, s->k[0]->id, &s->p[0], e) != 0 || (s->p[0].key = s->k[0]) == NULL)
		return -1;
	for (i = 1; i < ESTATE_PEOPLE; i++) {
		struct key_public pub;

		estate_tick(s);
		memset(&pub, 0, sizeof pub);
		snprintf(pub.name, sizeof pub.name, "%s", s->k[i]->name);
		memcpy(pub.pk, s->k[i]->pk, sizeof pub.pk);
		snprintf(pub.id, sizeof pub.id, "%s", s->k[i]->id);
		if (keyring_add(s->st, &s->p[0], s->k[0], estate_people[i].name,
				estate_role(estate_people[i].kind), &pub, e) != 0 ||
		    keyring_whoami(s->st, s->k[i]->id, &s->p[i], e) != 0 || (s->p[i].key = s->k[i]) == NULL)
			return -1;
	}
	return ledger_logkey_load(s->st, &s->logkey, e);
}

/* ---- the estate ---- */

/* What the ledger holds at the end, counted as each act's ledger entries
 * (the ledger's size before and after the core call that made them). */
enum {
	EA_KEYRING, EA_POLICY, EA_MODEL, EA_VERSION, EA_METRIC, EA_CARD, EA_REQUEST, EA_APPROVE, EA_REJECT,
	EA_WITHDRAW, EA_APPLY, EA_ROLLBACK, EA_REVIEW, EA_REVOKE, EA_ALIAS, EA_N
};
static const char *const estate_action_names[EA_N] = {
	"keyring init/add (keyring)", "policy enrolments (policy enrol)", "models added (model add)",
	"versions added (version add)", "metrics set (metric set)", "cards set (card set)",
	"requests opened (promote request)", "approvals signed (approve)", "rejections signed (reject)",
	"requests withdrawn (request withdraw)", "gate-passed promotions (promote apply)",
	"rollbacks through the policy (rollback)", "post-rollback review decisions (approve)",
	"keyring revocations (keyring revoke)", "direct admin alias moves (alias set)",
};
_Static_assert(EA_N == ESTATE_ACTIONS, "one name and one count per action");

/* Adds the ledger entries the last act wrote to its action's count. */
static int estate_did(struct estate *s, int action, struct err *e)
{
	int64_t n = ledger_size(s->st);

	if (n < 0)
		return err_set(e, ERR_STORE, "cannot read the ledger's size");
	s->count[action] += n - s->entries;
	s->entries = n;
	return 0;
}

/* Signs a checkpoint every ESTATE_CHECKPOINT_EVERY entries and commits
 * every ESTATE_COMMIT_EVERY, as a long-lived store would have them. */
static int estate_progress(struct estate *s, struct err *e)
{
	double t0;

	if (s->entries >= s->next_checkpoint) {
		t0 = estate_now();
		if (ledger_checkpoint(s->st, s->logkey, e) != 0)
			return -1;
		s->t_checkpoint += estate_now() - t0;
		s->checkpoints++;
		s->checkpointed = s->entries;
		s->next_checkpoint = s->entries + ESTATE_CHECKPOINT_EVERY;
	}
	if (s->entries >= s->next_commit) {
		t0 = estate_now();
		if (store_commit(s->st, e) != 0 || store_begin(s->st, e) != 0)
			return -1;
		s->t_commit += estate_now() - t0;
		s->next_commit = s->entries + ESTATE_COMMIT_EVERY;
	}
	if (s->entries >= s->next_note) {
		progress_note(&s->pr, "estate", s->entries, s->target);
		s->next_note = s->entries + 256;
	}
	return 0;
}

/* The i-th active member of a pool (leads or risk officers), skipping
 * the ones whose principal was revoked. */
static int estate_pick(const struct estate *s, const int *pool, int n, size_t salt)
{
	int k;

	for (k = 0; k < n; k++) {
		int who = pool[(salt + (size_t)k) % (size_t)n];

		if (!s->revoked[who])
			return who;
	}
	return pool[0];
}

static int estate_sign(struct estate *s, int who, int64_t req, int approve, const char *comment, int action,
		       struct err *e)
{
	int64_t id;
	double t0 = estate_now();

	estate_tick(s);
	if (approval_sign(s->st, &s->p[who], s->k[who], req, approve, 0, comment, 0, &id, e) != 0)
		return -1;
	s->t_sign += estate_now() - t0;
	return estate_did(s, action, e);
}

/* A person who left: their principal is revoked by the admin before the
 * round's promotions pick anyone. */
static int estate_revoke(struct estate *s, int who, struct err *e)
{
	estate_tick(s);
	if (keyring_revoke(s->st, &s->p[0], s->k[0], estate_people[who].name, NULL, 0, e) != 0 ||
	    estate_did(s, EA_REVOKE, e) != 0)
		return -1;
	s->revoked[who] = 1;
	return 0;
}

/* Their key still on disk signs request req anyway: refused, or the estate lies. */
static int estate_revoked_signs(struct estate *s, int who, int64_t req, struct err *e)
{
	struct err e2;
	int64_t id;

	err_clear(&e2);
	estate_tick(s);
	if (approval_sign(s->st, &s->p[who], s->k[who], req, 1, 0, "signed after leaving", 0, &id, &e2) == 0)
		return err_set(e, ERR_STORE, "the revoked key of %s still signed request %" PRId64,
			       estate_people[who].name, req);
	s->refused_revoked++;
	return estate_did(s, EA_APPROVE, e);
}

/* Why the gate refused, for the withdrawal's reason and the error. */
static void estate_refusal(const struct gate *g, char *out, size_t n)
{
	size_t k;

	if (g->refusal[0] != '\0') {
		snprintf(out, n, "%s", g->refusal);
		return;
	}
	for (k = 0; k < g->nres; k++)
		if (g->res[k].status != RULE_PASS) {
			snprintf(out, n, "rule %s: %s", g->res[k].rule->name, g->res[k].reason);
			return;
		}
	snprintf(out, n, "the gate refused");
}

/* An Alertmanager sync that found nothing firing, signed by an SRE: the
 * no-alerts rules of the high and critical gates need an observation of
 * every model younger than MONITOR_MAX_AGE. */
static int estate_alerts(struct estate *s, struct err *e)
{
	struct monitor_sync *m;
	int rc;

	estate_tick(s);
	m = monitor_sync_begin(s->st, "alertmanager", STEWARD_CAP_ALERTS, e);
	if (m == NULL)
		return -1;
	rc = monitor_sync_end(m, &s->p[s->sre[0]], e);
	monitor_sync_free(m);
	if (rc != 0)
		return -1;
	s->alerts_at = s->clock;
	s->syncs++;
	return 0;
}

/* Applies request req through the gate as who (alerts: after a fresh
 * alert observation if the gate asks for one). Returns 0 applied, 1
 * refused (the requester then withdraws it, saying why), -1 error. */
static int estate_apply(struct estate *s, int who, int64_t req, int alerts, struct err *e)
{
	struct gate g;
	char why[800];
	int64_t seq;
	int rc;

	if (alerts && s->clock - s->alerts_at > MONITOR_MAX_AGE / 2 && estate_alerts(s, e) != 0)
		return -1;
	estate_tick(s);
	rc = gate_apply(s->st, &s->p[who], req, NULL, &g, &seq, e);
	if (rc == 1)
		estate_refusal(&g, why, sizeof why);
	gate_free(&g);
	if (rc < 0 || estate_did(s, EA_APPLY, e) != 0)
		return -1;
	if (rc == 0)
		return 0;
	s->refused_gate++;
	if (getenv("ESTATE_DEBUG"))
		fprintf(stderr, "estate: the gate refused request %" PRId64 " at %" PRId64 ": %s\n", req, s->clock, why);
	estate_tick(s);
	if (approval_request_withdraw(s->st, &s->p[who], req, why, &seq, e) != 0 ||
	    estate_did(s, EA_WITHDRAW, e) != 0)
		return -1;
	return 1;
}

/* Evidence for a new version, as a training pipeline records it: the
 * version, its holdout metrics overall and on two slices, its card. */
static int estate_version(struct estate *s, const struct estate_model *m, int v, struct err *e)
{
	unsigned char h[crypto_hash_sha256_BYTES];
	char seed[160], hex[2 * crypto_hash_sha256_BYTES + 1], digest[80], uri[200], author[32], text[300];
	double auc = 0.90 + 0.0004 * (double)(v % 50);
	struct card c = { 0 };
	int rc;

	snprintf(seed, sizeof seed, "steward bench artifact %s v%d", m->name, v);
	crypto_hash_sha256(h, (const unsigned char *)seed, strlen(seed));
	sodium_bin2hex(hex, sizeof hex, h, sizeof h);
	snprintf(digest, sizeof digest, "sha256:%s", hex);
	snprintf(uri, sizeof uri, "s3://models/%s/%d/model.onnx", m->name, v);
	/* Authors are not principals: separation of duties never refuses a signer. */
	snprintf(author, sizeof author, "ds-%02zu", (m->index + (size_t)v) % 40);
	estate_tick(s);
	if (registry_version_add(s->st, &s->p[0], m->name, uri, digest, author, hex + 48, s->clock, NULL, e) != 0 ||
	    estate_did(s, EA_VERSION, e) != 0)
		return -1;
	estate_tick(s);
	if (registry_metric_set(s->st, &s->p[0], m->name, v, "auc", auc, "holdout-2024", "", e) != 0 ||
	    estate_did(s, EA_METRIC, e) != 0)
		return -1;
	estate_tick(s);
	if (registry_metric_set(s->st, &s->p[0], m->name, v, "auc", auc - 0.03, "holdout-2024", "segment=new", e) != 0 ||
	    estate_did(s, EA_METRIC, e) != 0)
		return -1;
	estate_tick(s);
	if (registry_metric_set(s->st, &s->p[0], m->name, v, "auc", auc - 0.01, "holdout-2024", "segment=existing",
				e) != 0 ||
	    estate_did(s, EA_METRIC, e) != 0)
		return -1;
	snprintf(text, sizeof text, "Version %d of %s, retrained on the latest quarter by %s.", v, m->name, author);
	if (card_add(&c, "Intended use", "Decisions of the owning team's product, reviewed quarterly.", e) != 0 ||
	    card_add(&c, "Training data", text, e) != 0 ||
	    card_add(&c, "Evaluation", "AUC on the 2024 holdout, overall and for new and existing customers.", e) != 0 ||
	    card_add(&c, "Limitations", "Weaker for new customers, whose history is short.", e) != 0 ||
	    card_add(&c, "Ethical considerations", "No protected attributes are features; outcomes are monitored by segment.",
		     e) != 0) {
		card_free(&c);
		return -1;
	}
	estate_tick(s);
	rc = registry_card_set(s->st, &s->p[0], m->name, v, &c, e);
	card_free(&c);
	return rc != 0 ? -1 : estate_did(s, EA_CARD, e);
}

/* A request for version v of m to stage `to`, opened by an ML lead. */
static int estate_request(struct estate *s, const struct estate_model *m, int v, const char *to, int lead,
			  const char *why, int64_t *req, struct err *e)
{
	estate_tick(s);
	if (approval_request_open(s->st, &s->p[lead], m->name, v, to, why, req, e) != 0)
		return -1;
	s->requests++;
	return estate_did(s, EA_REQUEST, e);
}

/* A governed promotion of the version at staging (to production, or to
 * canary for a critical model): asked by one ML lead, signed by another
 * and, for the high and critical tiers, by two risk officers, applied
 * through the gate. One in ESTATE_REJECT_EVERY is first rejected by a
 * reviewer, then asked again. */
static int estate_promote(struct estate *s, struct estate_model *m, int v, size_t salt, struct err *e)
{
	const char *to = m->tier == TIER_CRITICAL ? "canary" : "production";
	int lead, lead2, risk, risk2, rc, leaving = -1;
	int64_t req;

	/* The people who left: revoked at a third and two thirds of the history. */
	for (int k = 0; k < ESTATE_LEAVERS; k++)
		if (!s->revoked[s->leaver[k]] && s->round * ESTATE_LEAVERS >= (k + 1) * s->rounds) {
			leaving = s->leaver[k];
			if (estate_revoke(s, leaving, e) != 0)
				return -1;
		}
	lead = estate_pick(s, s->leads, s->nleads, salt);

	lead2 = estate_pick(s, s->leads, s->nleads, salt + 1);
	if (lead2 == lead)
		lead2 = estate_pick(s, s->leads, s->nleads, salt + 2);
	risk = estate_pick(s, s->risks, s->nrisks, salt);
	risk2 = estate_pick(s, s->risks, s->nrisks, salt + 1);
	if (risk2 == risk)
		risk2 = estate_pick(s, s->risks, s->nrisks, salt + 2);
	/* A critical model's production gate wants lineage and live
	 * monitoring this estate does not have: it goes to canary, and now
	 * and then someone asks for production anyway and the gate refuses. */
	if (m->tier == TIER_CRITICAL && salt % ESTATE_REJECT_EVERY == 5) {
		if (estate_request(s, m, v, "production", lead, "straight to production", &req, e) != 0 ||
		    estate_apply(s, lead, req, 1, e) < 0)
			return -1;
	}
	if (estate_request(s, m, v, to, lead, "quarterly refresh", &req, e) != 0)
		return -1;
	/* A rejection closes the request; the requester asks again. */
	if (salt % ESTATE_REJECT_EVERY == 0 &&
	    (estate_sign(s, m->tier >= TIER_HIGH ? risk : lead2, req, 0, "slice metrics need another look", EA_REJECT,
			 e) != 0 ||
	     estate_request(s, m, v, to, lead, "quarterly refresh, validation report updated", &req, e) != 0))
		return -1;
	if (leaving >= 0 && estate_revoked_signs(s, leaving, req, e) != 0)
		return -1;
	if (estate_sign(s, lead2, req, 1, "metrics and card reviewed", EA_APPROVE, e) != 0)
		return -1;
	if (m->tier >= TIER_HIGH &&
	    (estate_sign(s, risk, req, 1, "validation report attached", EA_APPROVE, e) != 0 ||
	     estate_sign(s, risk2, req, 1, "second line of defence agrees", EA_APPROVE, e) != 0))
		return -1;
	rc = estate_apply(s, lead, req, m->tier >= TIER_HIGH, e);
	if (rc != 0)
		return rc;
	m->promoted++;
	if (m->tier == TIER_CRITICAL)
		return 0;
	/* One release in ESTATE_ROLLBACK_EVERY goes wrong: an SRE rolls it
	 * back through the policy, and the review it owes is signed. */
	if (m->promoted >= 2 && salt % ESTATE_ROLLBACK_EVERY == 1) {
		int sre = s->sre[salt % 2], reviewer = m->tier >= TIER_HIGH ? risk : lead2;
		struct gate g;
		char why[800];
		int64_t review = 0;

		estate_tick(s);
		rc = gate_rollback(s->st, &s->p[sre], m->name, "production", 0, "error rate doubled after the release",
				   NULL, &g, &review, e);
		if (rc == 1) {
			estate_refusal(&g, why, sizeof why);
			err_set(e, ERR_STORE, "rollback of %s refused: %s", m->name, why);
		}
		gate_free(&g);
		if (rc != 0 || estate_did(s, EA_ROLLBACK, e) != 0)
			return -1;
		if (review > 0 && estate_sign(s, reviewer, review, 1, "post-incident review done", EA_REVIEW, e) != 0)
			return -1;
	}
	return 0;
}

/* A version's life in one round: its evidence, a request to staging
 * applied through the gate (which checks metrics and card), and the
 * admin's direct moves of the lesser aliases that fill the ledger to its
 * target. */
static int estate_round(struct estate *s, struct estate_model *m, int v, int versions, struct err *e)
{
	size_t salt = m->index + (size_t)v;
	int lead = estate_pick(s, s->leads, s->nleads, salt), k, rc;
	int64_t req, want;

	if (estate_version(s, m, v, e) != 0 || estate_request(s, m, v, "staging", lead, "candidate", &req, e) != 0)
		return -1;
	rc = estate_apply(s, lead, req, 0, e);
	if (rc < 0)
		return -1;
	s->done++;
	want = s->target * s->done / s->total;
	/* Onto the version two rounds back: one the admin's aliases share
	 * with the staging alias would not count as being in staging. */
	for (k = 0; v > 2 && k < ESTATE_NALIASES && s->entries < want; k++) {
		estate_tick(s);
		if (registry_alias_set(s->st, &s->p[0], m->name, estate_aliases[k], v - 2, e) != 0 ||
		    estate_did(s, EA_ALIAS, e) != 0)
			return -1;
	}
	/* Every fifth model has its newest version waiting for production,
	 * as a risk officer finds it in the morning: one ML lead signed. */
	if (v == versions && m->index % ESTATE_PENDING_EVERY == 0) {
		int lead2 = estate_pick(s, s->leads, s->nleads, salt + 1);

		if (lead2 == lead)
			lead2 = estate_pick(s, s->leads, s->nleads, salt + 2);
		if (estate_request(s, m, v, "production", lead, "ready for review", &req, e) != 0 ||
		    estate_sign(s, lead2, req, 1, "metrics and card reviewed", EA_APPROVE, e) != 0)
			return -1;
		s->pending++;
	}
	return estate_progress(s, e);
}

/* The four shipped tier policies, enrolled by the admin before any model. */
static int estate_policies(struct estate *s, const char *dir, struct err *e)
{
	static const char *const tiers[] = { "low", "medium", "high", "critical" };
	char path[4200], digest[72];
	struct policy p;
	size_t i;

	for (i = 0; i < sizeof tiers / sizeof tiers[0]; i++) {
		if (snprintf(path, sizeof path, "%s/%s.policy", dir, tiers[i]) >= (int)sizeof path)
			return err_set(e, ERR_INVALID, "-p: the policy directory's path is too long");
		estate_tick(s);
		if (gate_enroll(s->st, &s->p[0], s->k[0], path, &p, digest, e) != 0)
			return err_prefix(e, "enrolling the tier policies");
		policy_free(&p);
		if (estate_did(s, EA_POLICY, e) != 0)
			return -1;
	}
	return 0;
}

static int estate_build(struct estate *s, int models, int versions, const char *policydir, struct err *e)
{
	static const enum tier tiers[] = { TIER_LOW, TIER_MEDIUM, TIER_HIGH, TIER_CRITICAL };
	static const char *const leavers[ESTATE_LEAVERS] = { "rolf", "leo" };
	double t0 = estate_now(), t1;
	struct estate_model *m;
	int i, v, k;

	s->rounds = versions;
	s->total = (int64_t)models * versions;
	for (i = 0; i < ESTATE_PEOPLE; i++)
		for (k = 0; k < ESTATE_LEAVERS; k++)
			if (strcmp(estate_people[i].name, leavers[k]) == 0)
				s->leaver[k] = i;
	m = calloc((size_t)models, sizeof *m);
	if (m == NULL)
		return err_set(e, ERR_IO, "out of memory");
	if (estate_keys(s, e) != 0)
		goto fail_free;
	t1 = estate_now();
	fprintf(stderr, "estate: %d keys generated in %.1f s\n", ESTATE_PEOPLE, t1 - t0);
	if (store_begin(s->st, e) != 0)
		goto fail_free;
	/* Ends by a month before the present, so nothing in it lies in the future. */
	s->clock = ESTATE_END - ESTATE_TICK * s->target - ESTATE_ROUND_SECONDS * (versions / 2);
	s->next_checkpoint = ESTATE_CHECKPOINT_EVERY;
	s->next_commit = ESTATE_COMMIT_EVERY;
	if (estate_keyring(s, e) != 0 || estate_did(s, EA_KEYRING, e) != 0 || estate_policies(s, policydir, e) != 0)
		goto fail;
	for (i = 0; i < models; i++) {
		const char *domain = estate_domains[(size_t)i % ESTATE_NDOMAINS];
		char owner[64], desc[200];

		m[i].index = (size_t)i;
		m[i].tier = tiers[((size_t)i * 7) % 4];
		snprintf(m[i].name, sizeof m[i].name, "%s-%s-%04d", domain,
			 estate_purposes[((size_t)i / ESTATE_NDOMAINS) % ESTATE_NPURPOSES], i);
		snprintf(owner, sizeof owner, "%s-team", domain);
		snprintf(desc, sizeof desc, "Generated model %d of the benchmark estate.", i);
		estate_tick(s);
		if (registry_model_add(s->st, &s->p[0], m[i].name, m[i].tier, owner, desc, e) != 0 ||
		    estate_did(s, EA_MODEL, e) != 0)
			goto fail;
	}
	for (v = 1; v <= versions; v++) {
		s->round = v;
		/* Every other round, after a quiet fortnight, the versions at
		 * staging go on: longer there than any tier's soak rule asks. */
		if (v > 1 && v % 2 == 0)
			s->clock += ESTATE_ROUND_SECONDS;
		s->fast = 1;
		for (i = 0; v > 1 && v % 2 == 0 && i < models; i++)
			if (estate_promote(s, &m[i], v - 1, m[i].index + (size_t)v, e) < 0 || estate_progress(s, e) != 0)
				goto fail;
		s->fast = 0;
		for (i = 0; i < models; i++)
			if (estate_round(s, &m[i], v, versions, e) != 0)
				goto fail;
	}
	/* The last checkpoint covers everything, as after any command that wrote. */
	if (ledger_checkpoint(s->st, s->logkey, e) != 0 || store_meta_set(s->st, "estate", "bench", e) != 0)
		goto fail;
	if (s->checkpointed != s->entries)
		s->checkpoints++;
	free(m);
	if (store_commit(s->st, e) != 0)
		return -1;
	meter_end(&s->m);
	return 0;
fail:
	meter_end(&s->m);
	store_rollback(s->st);
fail_free:
	free(m);
	return -1;
}

static void estate_cleanup_keys(struct estate *s)
{
	char path[4300];
	int i;

	for (i = 0; i < ESTATE_PEOPLE; i++) {
		keys_secret_free(s->k[i]);
		s->k[i] = NULL;
		if (s->keydir[0] == '\0' || s->keep_keys)
			continue;
		snprintf(path, sizeof path, "%s/%s.key", s->keydir, estate_people[i].name);
		if (unlink(path) != 0 && errno != ENOENT)
			fprintf(stderr, "estate: cannot remove %s: %s\n", path, strerror(errno));
		snprintf(path, sizeof path, "%s/%s.key.pub", s->keydir, estate_people[i].name);
		if (unlink(path) != 0 && errno != ENOENT)
			fprintf(stderr, "estate: cannot remove %s: %s\n", path, strerror(errno));
	}
	if (s->keydir[0] != '\0' && !s->keep_keys && rmdir(s->keydir) != 0)
		fprintf(stderr, "estate: cannot remove %s: %s\n", s->keydir, strerror(errno));
}

static int estate_number(const char *opt, const char *s, long min, long max, long *out)
{
	char *end;
	long v;

	errno = 0;
	v = strtol(s, &end, 10);
	if (errno != 0 || end == s || *end != '\0' || v < min || v > max) {
		fprintf(stderr, "estate: %s wants a number from %ld to %ld, not '%s'\n", opt, min, max, s);
		return -1;
	}
	*out = v;
	return 0;
}

static void estate_usage(void)
{
	fprintf(stderr, "usage: estate [-q] [-m MODELS] [-v VERSIONS_PER_MODEL] [-n ENTRIES] [-k KEYDIR] [-p POLICYDIR] STORE\n"
			"  defaults: 1000 models, 100 versions each, 1000000 ledger entries, policies from ./policies\n"
			"  -n is a target: direct alias moves fill the ledger up to it, the governed acts may pass it\n"
			"  -k keeps the principals' keys (passphrase \"" ESTATE_PASSPHRASE "\") in KEYDIR, which must not exist\n"
			"  -p enrols POLICYDIR/{low,medium,high,critical}.policy as the tier policies\n"
			"  -q draws no progress line (there is none either when stderr is not a terminal)\n"
			"  ESTATE_DEBUG=1 prints each refusal by the gate on stderr\n");
}

int main(int argc, char **argv)
{
	struct estate s;
	struct err e;
	const char *tmp = getenv("TMPDIR");
	long models = 1000, versions = 100, entries = 1000000;
	const char *keep = NULL, *policydir = "policies";
	double t0;
	int opt, rc = 1, quiet = 0;

	memset(&s, 0, sizeof s);
	err_clear(&e);
	while ((opt = getopt(argc, argv, "qm:v:n:k:p:")) != -1) {
		if (opt == 'q') {
			quiet = 1;
			continue;
		}
		if (opt == 'k') {
			keep = optarg;
			continue;
		}
		if (opt == 'p') {
			policydir = optarg;
			continue;
		}
		if ((opt == 'm' && estate_number("-m", optarg, 1, 1000000, &models) != 0) ||
		    (opt == 'v' && estate_number("-v", optarg, 2, 100000, &versions) != 0) ||
		    (opt == 'n' && estate_number("-n", optarg, 1, 100000000, &entries) != 0))
			return 2;
		if (opt == '?') {
			estate_usage();
			return 2;
		}
	}
	if (optind != argc - 1) {
		estate_usage();
		return 2;
	}
	/* Before sodium_init: every random byte of the estate comes from the fixed seed. */
	crypto_hash_sha256(estate_seed, (const unsigned char *)"steward bench estate v1", 23);
	if (randombytes_set_implementation(&estate_rng) != 0 || sodium_init() < 0) {
		fprintf(stderr, "estate: libsodium failed to initialise\n");
		return 1;
	}
	if (access(argv[optind], F_OK) == 0) {
		fprintf(stderr, "estate: %s exists; remove it (and its -wal, -shm, .logkey) first\n", argv[optind]);
		return 1;
	}
	/* Kept keys let the bench sign in to the console as one of the people. */
	if (keep != NULL) {
		if (snprintf(s.keydir, sizeof s.keydir, "%s", keep) >= (int)sizeof s.keydir ||
		    mkdir(s.keydir, 0700) != 0) {
			fprintf(stderr, "estate: cannot make the key directory %s: %s\n", keep, strerror(errno));
			s.keydir[0] = '\0';
			return 1;
		}
		s.keep_keys = 1;
	} else if (snprintf(s.keydir, sizeof s.keydir, "%s/steward-estate-keys.XXXXXX",
		     tmp != NULL && tmp[0] == '/' ? tmp : "/tmp") >= (int)sizeof s.keydir ||
	    mkdtemp(s.keydir) == NULL) {
		fprintf(stderr, "estate: cannot make a key directory: %s\n", strerror(errno));
		s.keydir[0] = '\0';
		return 1;
	}
	s.target = entries;
	t0 = estate_now();
	s.st = store_open(argv[optind], STORE_CREATE, &e);
	if (s.st == NULL) {
		estate_fail("opening the store", &e);
		goto out;
	}
	meter_start(&s.m, "entries", quiet);
	s.pr = meter_progress(&s.m);
	if (estate_build(&s, (int)models, (int)versions, policydir, &e) != 0) {
		estate_fail("generating", &e);
		goto out;
	}
	printf("generated %ld models, %ld versions, %" PRId64 " ledger entries (%" PRId64 " requests (%" PRId64
	       " open), %" PRId64 " signed decisions, %" PRId64 " gate-passed promotions, %" PRId64 " rollbacks, %" PRId64
	       " revocations), %" PRId64 " checkpoints\n",
	       models, models * versions, s.entries, s.requests, s.pending,
	       s.count[EA_APPROVE] + s.count[EA_REJECT] + s.count[EA_REVIEW], s.count[EA_APPLY], s.count[EA_ROLLBACK],
	       s.count[EA_REVOKE], s.checkpoints);
	/* The mix, in ledger entries per act: bench/run's readers see what was measured. */
	for (int a = 0; a < EA_N; a++)
		printf("mix: %9" PRId64 " %5.1f%%  %s\n", s.count[a], s.entries > 0 ? 100.0 * (double)s.count[a] / (double)s.entries : 0.0,
		       estate_action_names[a]);
	printf("refused on purpose (no entry): %" PRId64 " promotions by the gate (each withdrawn with its reason), %" PRId64
	       " signatures by revoked keys; %" PRId64 " Alertmanager syncs (nothing firing) signed observations for the gates\n",
	       s.refused_gate, s.refused_revoked, s.syncs);
	printf("generation took %.1f s (approval_sign %.1f s, ledger_checkpoint %.1f s, commits %.1f s)\n",
	       estate_now() - t0, s.t_sign, s.t_checkpoint, s.t_commit);
	rc = 0;
out:
	store_clock_set(0);
	ledger_logkey_free(s.logkey);
	store_close(s.st);
	estate_cleanup_keys(&s);
	return rc;
}
