/* estate: generates the large estate of DESIGN section 9 (models, versions, signed approvals, a million ledger entries) for bench/run. */
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
#include "keyring.h"
#include "keys.h"
#include "cli/meter.h"
#include "ledger.h"
#include "registry.h"
#include "store.h"

#define ESTATE_PASSPHRASE "bench-passphrase"
/* 2024-01-01T00:00:00Z: the generated history starts here. */
#define ESTATE_EPOCH 1704067200LL
#define ESTATE_TICK 37 /* seconds between two recorded events */
#define ESTATE_CHECKPOINT_EVERY 10000
#define ESTATE_COMMIT_EVERY 50000
#define ESTATE_KEYRING_ENTRIES 20 /* init plus one add per other principal */
#define ESTATE_PENDING_EVERY 5     /* one model in so many has an open request */

/* Every version moves these aliases once, so the ledger reaches its size
 * through ordinary admin alias moves (the cheapest governed change). */
static const char *const estate_aliases[] = {
	"staging", "canary", "shadow", "blue", "green", "qa", "ab-a", "ab-b",
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

struct estate {
	struct store *st;
	struct meter m; /* the progress line, on a terminal only (-q: never) */
	struct progress pr;
	int64_t next_note; /* entries at which the progress line hears again */
	struct key_secret *k[ESTATE_PEOPLE];
	struct principal p[ESTATE_PEOPLE];
	int leads[ESTATE_PEOPLE], risks[ESTATE_PEOPLE], nleads, nrisks;
	struct ledger_logkey *logkey;
	int64_t clock;
	int64_t entries, target, moves_left, next_checkpoint, next_commit, checkpointed;
	int64_t requests, pending, approvals, moves, checkpoints;
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
	s->clock += ESTATE_TICK;
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
	s->entries = ESTATE_PEOPLE;
	return ledger_logkey_load(s->st, &s->logkey, e);
}

/* ---- the estate ---- */

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
		s->next_checkpoint += ESTATE_CHECKPOINT_EVERY;
	}
	if (s->entries >= s->next_commit) {
		t0 = estate_now();
		if (store_commit(s->st, e) != 0 || store_begin(s->st, e) != 0)
			return -1;
		s->t_commit += estate_now() - t0;
		s->next_commit += ESTATE_COMMIT_EVERY;
	}
	if (s->entries >= s->next_note) {
		progress_note(&s->pr, "estate", s->entries, s->target);
		s->next_note = s->entries + 256;
	}
	return 0;
}

/* A governed promotion to production: requested by one ML lead, approved
 * by another and by a risk officer (real DSSE signatures), moved by the
 * admin, closed as applied. Four ledger entries. */
static int estate_promote(struct estate *s, const char *model, int64_t v, size_t salt, struct err *e)
{
	int lead = s->leads[salt % (size_t)s->nleads], lead2 = s->leads[(salt + 1) % (size_t)s->nleads];
	int risk = s->risks[salt % (size_t)s->nrisks];
	int64_t req, id;
	double t0;

	estate_tick(s);
	if (approval_request_open(s->st, &s->p[lead], model, v, "production", "quarterly refresh", &req, e) != 0)
		return -1;
	t0 = estate_now();
	estate_tick(s);
	if (approval_sign(s->st, &s->p[lead2], s->k[lead2], req, 1, 0, "metrics and card reviewed", 0, &id, e) != 0)
		return -1;
	estate_tick(s);
	if (approval_sign(s->st, &s->p[risk], s->k[risk], req, 1, 0, "validation report attached", 0, &id, e) != 0)
		return -1;
	s->t_sign += estate_now() - t0;
	estate_tick(s);
	if (registry_alias_set(s->st, &s->p[0], model, "production", v, e) != 0 ||
	    approval_request_close(s->st, req, "applied", e) != 0)
		return -1;
	s->requests++;
	s->approvals += 2;
	s->moves++;
	s->entries += 4;
	return 0;
}

/* A request still open, as a risk officer finds them in the morning:
 * asked by one ML lead, approved by another, waiting for a risk officer.
 * Two ledger entries. */
static int estate_pending(struct estate *s, const char *model, int64_t v, size_t salt, struct err *e)
{
	int lead = s->leads[salt % (size_t)s->nleads], lead2 = s->leads[(salt + 1) % (size_t)s->nleads];
	int64_t req, id;

	estate_tick(s);
	if (approval_request_open(s->st, &s->p[lead], model, v, "production", "ready for review", &req, e) != 0)
		return -1;
	estate_tick(s);
	if (approval_sign(s->st, &s->p[lead2], s->k[lead2], req, 1, 0, "metrics and card reviewed", 0, &id, e) != 0)
		return -1;
	s->requests++;
	s->pending++;
	s->approvals++;
	s->entries += 2;
	return 0;
}

static int estate_model(struct estate *s, size_t i, int versions, struct err *e)
{
	static const enum tier tiers[] = { TIER_LOW, TIER_MEDIUM, TIER_HIGH, TIER_CRITICAL };
	const char *domain = estate_domains[i % ESTATE_NDOMAINS];
	char name[100], owner[64], desc[200];
	int v, k;

	snprintf(name, sizeof name, "%s-%s-%04zu", domain,
		 estate_purposes[(i / ESTATE_NDOMAINS) % ESTATE_NPURPOSES], i);
	snprintf(owner, sizeof owner, "%s-team", domain);
	snprintf(desc, sizeof desc, "Generated model %zu of the benchmark estate.", i);
	estate_tick(s);
	if (registry_model_add(s->st, &s->p[0], name, tiers[(i * 7) % 4], owner, desc, e) != 0)
		return -1;
	for (v = 1; v <= versions; v++) {
		unsigned char h[crypto_hash_sha256_BYTES];
		char seed[160], hex[2 * crypto_hash_sha256_BYTES + 1], digest[80], uri[200], author[32];

		snprintf(seed, sizeof seed, "steward bench artifact %s v%d", name, v);
		crypto_hash_sha256(h, (const unsigned char *)seed, strlen(seed));
		sodium_bin2hex(hex, sizeof hex, h, sizeof h);
		snprintf(digest, sizeof digest, "sha256:%s", hex);
		snprintf(uri, sizeof uri, "s3://models/%s/%d/model.onnx", name, v);
		/* Authors are not principals: separation of duties never refuses a signer. */
		snprintf(author, sizeof author, "ds-%02zu", (i + (size_t)v) % 40);
		estate_tick(s);
		if (registry_version_add(s->st, &s->p[0], name, uri, digest, author, hex + 48, s->clock, NULL, e) != 0)
			return -1;
		for (k = 0; k < ESTATE_NALIASES && s->moves_left > 0; k++) {
			estate_tick(s);
			if (registry_alias_set(s->st, &s->p[0], name, estate_aliases[k], v, e) != 0)
				return -1;
			s->moves_left--;
			s->moves++;
			s->entries++;
		}
		if (v % 2 == 0 && estate_promote(s, name, v, i + (size_t)v, e) != 0)
			return -1;
		if (estate_progress(s, e) != 0)
			return -1;
	}
	/* Every fifth model has its newest unpromoted version waiting. */
	if (i % ESTATE_PENDING_EVERY == 0 && estate_pending(s, name, versions - 1, i, e) != 0)
		return -1;
	return 0;
}

static int estate_build(struct estate *s, int models, int versions, struct err *e)
{
	double t0 = estate_now(), t1;
	int64_t promotions = (int64_t)models * (versions / 2);
	int64_t pending = (models + ESTATE_PENDING_EVERY - 1) / ESTATE_PENDING_EVERY;
	int i;

	s->moves_left = s->target - ESTATE_KEYRING_ENTRIES - 4 * promotions - 2 * pending;
	if (s->moves_left < 0)
		return err_set(e, ERR_INVALID,
			       "%" PRId64 " entries cannot hold the %" PRId64 " promotions of %d models x %d versions (need %" PRId64 ")",
			       s->target, promotions, models, versions, ESTATE_KEYRING_ENTRIES + 4 * promotions);
	if (estate_keys(s, e) != 0)
		return -1;
	t1 = estate_now();
	fprintf(stderr, "estate: %d keys generated in %.1f s\n", ESTATE_PEOPLE, t1 - t0);
	if (store_begin(s->st, e) != 0)
		return -1;
	s->clock = ESTATE_EPOCH;
	s->next_checkpoint = ESTATE_CHECKPOINT_EVERY;
	s->next_commit = ESTATE_COMMIT_EVERY;
	if (estate_keyring(s, e) != 0)
		goto fail;
	for (i = 0; i < models; i++)
		if (estate_model(s, (size_t)i, versions, e) != 0)
			goto fail;
	/* The last checkpoint covers everything, as after any command that wrote. */
	if (ledger_checkpoint(s->st, s->logkey, e) != 0 || store_meta_set(s->st, "estate", "bench", e) != 0)
		goto fail;
	if (s->checkpointed != s->entries)
		s->checkpoints++;
	if (store_commit(s->st, e) != 0)
		return -1;
	meter_end(&s->m);
	return 0;
fail:
	meter_end(&s->m);
	store_rollback(s->st);
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
	fprintf(stderr, "usage: estate [-q] [-m MODELS] [-v VERSIONS_PER_MODEL] [-n ENTRIES] [-k KEYDIR] STORE\n"
			"  defaults: 1000 models, 100 versions each, 1000000 ledger entries\n"
			"  -k keeps the principals' keys (passphrase \"bench\") in KEYDIR, which must not exist\n"
			"  -q draws no progress line (there is none either when stderr is not a terminal)\n");
}

int main(int argc, char **argv)
{
	struct estate s;
	struct err e;
	const char *tmp = getenv("TMPDIR");
	long models = 1000, versions = 100, entries = 1000000;
	const char *keep = NULL;
	double t0;
	int opt, rc = 1, quiet = 0;

	memset(&s, 0, sizeof s);
	err_clear(&e);
	while ((opt = getopt(argc, argv, "qm:v:n:k:")) != -1) {
		if (opt == 'q') {
			quiet = 1;
			continue;
		}
		if (opt == 'k') {
			keep = optarg;
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
	if (estate_build(&s, (int)models, (int)versions, &e) != 0) {
		estate_fail("generating", &e);
		goto out;
	}
	printf("generated %ld models, %ld versions, %" PRId64 " ledger entries (%" PRId64 " requests (%" PRId64 " open), %" PRId64
	       " signed approvals, %" PRId64 " alias moves, %d keyring changes), %" PRId64 " checkpoints\n",
	       models, models * versions, ledger_size(s.st), s.requests, s.pending, s.approvals, s.moves, ESTATE_PEOPLE,
	       s.checkpoints);
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
