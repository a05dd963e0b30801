/* demo: the deterministic demo estate: a bank's model portfolio across the four risk tiers. */
#include "demo.h"

#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include <sodium.h>

#include "approval.h"
#include "card.h"
#include "deploy.h"
#include "gate.h"
#include "incident.h"
#include "keyring.h"
#include "ledger.h"
#include "lineage.h"
#include "monitor.h"
#include "registry.h"

/* Who records the estate's evidence (models, versions, cards, metrics):
 * the ML lead, whose key signs each entry. Set once the keyring exists;
 * the demo is built on one thread. */
static const struct principal *demo_recorder;

#define DAY 86400LL
/* The history starts this long before the present and ends weeks before it. */
#define DEMO_SPAN (180 * DAY)
/* The present (pending requests, the rollback) lies this far behind the
 * clock, on the hour: its last entry, about five hours later, is still
 * in the past. Every entry is dated before the build, in order. */
#define DEMO_LEAD (6 * 3600LL)

struct demo_model {
	const char *name;
	enum tier tier;
	const char *owner;
	const char *description;
	int versions;
	int production; /* version number, 0 for none */
	int staging;
	double auc_base;
	const char *dataset;
	const char *slices[3];
	const char *use;  /* intended use text */
	const char *data; /* training data text */
};

static const struct demo_model demo_models[] = {
	{ "credit-limit", TIER_CRITICAL, "credit-risk",
	  "Assigns initial credit limits for new card accounts.", 6, 4, 6, 0.81,
	  "holdout-2026q1", { "segment=thin-file", "segment=prime", "region=EU" },
	  "Sets the initial credit limit of approved card applications. Decisions above EUR 15,000 go to an underwriter.",
	  "24 months of card applications with 12-month performance, bureau attributes, income verification." },
	{ "loan-default-pd", TIER_CRITICAL, "credit-risk",
	  "Probability of default for IFRS 9 staging and expected credit loss.", 5, 3, 5, 0.78,
	  "holdout-2026q1", { "product=mortgage", "product=personal", "region=EU" },
	  "12-month probability of default feeding IFRS 9 stage allocation and ECL provisions.",
	  "Seven years of loan performance including one downturn; macro overlays from the economics team." },
	{ "aml-transaction-monitoring", TIER_CRITICAL, "financial-crime",
	  "Scores transactions for money-laundering typologies and routes alerts to investigators.", 4, 3, 4,
	  0.88, "sar-labelled-2025", { "channel=wire", "channel=card", "channel=crypto" },
	  "Prioritises transaction-monitoring alerts for human investigators; never blocks a payment alone.",
	  "Investigator dispositions and filed SARs 2022-2025, joined to transaction graphs." },
	{ "fraud-scoring", TIER_HIGH, "fraud-ops",
	  "Real-time card-not-present fraud score used by the authorisation gateway.", 8, 7, 8, 0.93,
	  "holdout-2026q1", { "channel=ecom", "channel=pos", "region=US" },
	  "Scores card-not-present authorisations in real time; scores above 0.92 trigger step-up authentication.",
	  "Authorisations with chargeback labels, 90-day label maturity, merchant and device features." },
	{ "kyc-document-check", TIER_HIGH, "onboarding",
	  "Flags identity documents for manual review during onboarding.", 4, 3, 0, 0.9,
	  "kyc-review-2025", { "doc=passport", "doc=id-card", "doc=licence" },
	  "Flags identity documents that need a human reviewer; approvals are always confirmed by a person.",
	  "Reviewed onboarding cases 2024-2025 with reviewer outcomes; images never leave the vault." },
	{ "collections-priority", TIER_HIGH, "collections",
	  "Ranks delinquent accounts for outreach by expected recovery.", 5, 4, 5, 0.76,
	  "holdout-2025q4", { "bucket=30dpd", "bucket=60dpd", "bucket=90dpd" },
	  "Orders the outreach queue for delinquent accounts; hardship flags always override the ranking.",
	  "Collections outcomes 2023-2025 with contact history and payment plans." },
	{ "churn-propensity", TIER_MEDIUM, "retail-analytics",
	  "Monthly churn propensity for retention campaigns.", 6, 5, 6, 0.83, "holdout-2026q1",
	  { "segment=young", "segment=senior", "region=EU" },
	  "Selects customers for retention offers; no effect on pricing or eligibility.",
	  "Customer activity snapshots, product holdings and complaints, monthly since 2022." },
	{ "customer-lifetime-value", TIER_MEDIUM, "retail-analytics",
	  "Three-year customer lifetime value for marketing budget allocation.", 3, 2, 3, 0.74,
	  "holdout-2025q4", { "segment=new", "segment=tenured", NULL },
	  "Allocates acquisition and retention budget across segments.",
	  "Revenue and cost per customer 2019-2025." },
	{ "marketing-uplift", TIER_MEDIUM, "growth",
	  "Uplift model choosing who receives a savings-product offer.", 4, 3, 4, 0.68,
	  "experiment-2025-11", { "channel=email", "channel=app", NULL },
	  "Chooses which customers receive a savings offer by predicted uplift.",
	  "Randomised offer experiments 2024-2025." },
	{ "search-ranking", TIER_LOW, "digital",
	  "Ranks help-centre articles in the app's search.", 7, 6, 7, 0.87, "clicks-2026-02",
	  { "locale=en", "locale=de", "locale=fr" },
	  "Orders help-centre search results in the mobile app.",
	  "Anonymised search sessions with click and dwell labels." },
	{ "support-ticket-routing", TIER_LOW, "customer-service",
	  "Routes support tickets to the right queue.", 3, 2, 3, 0.91, "tickets-2025q4",
	  { "lang=en", "lang=de", NULL },
	  "Routes inbound support tickets to a queue; agents can always re-route.",
	  "Ticket texts with final queue labels, PII redacted." },
	{ "merchant-categorization", TIER_LOW, "payments-data",
	  "Assigns merchant category labels for the spending insights screen.", 5, 5, 0, 0.95,
	  "merchants-2026-01", { "region=EU", "region=US", NULL },
	  "Labels card transactions with a spending category shown to customers.",
	  "Merchant descriptors with curated category labels." },
};

static const char *const demo_authors[] = {
	"a.okafor", "m.lindqvist", "j.chen", "p.ramirez", "s.ivanova", "k.mensah", "r.tanaka", "d.novak",
};

/* A small fixed PRNG: the estate must come out identical on every run. */
static uint32_t demo_rand(uint32_t *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 17;
	*s ^= *s << 5;
	return *s;
}

static double demo_jitter(uint32_t *s, double spread)
{
	return ((double)(demo_rand(s) % 2001) / 1000.0 - 1.0) * spread;
}

static void demo_digest(const char *model, int version, char *out, size_t n)
{
	unsigned char h[crypto_hash_sha256_BYTES];
	char seed[200], hex[2 * crypto_hash_sha256_BYTES + 1];

	snprintf(seed, sizeof seed, "steward demo artifact %s v%d", model, version);
	crypto_hash_sha256(h, (const unsigned char *)seed, strlen(seed));
	sodium_bin2hex(hex, sizeof hex, h, sizeof h);
	snprintf(out, n, "sha256:%s", hex);
}

/* Builds one version's card; `drop` leaves out required sections so the
 * demo shows what a gap looks like. */
static int demo_card(struct store *st, const struct demo_model *m, int v, int drop, struct err *e)
{
	struct card c = { 0 };
	char eval[600], lim[400];
	int r = -1;

	snprintf(eval, sizeof eval,
		 "Evaluated on %s with per-slice breakdowns (%s%s%s). Calibration checked with "
		 "expected calibration error; see the metrics table.",
		 m->dataset, m->slices[0], m->slices[1] ? ", " : "", m->slices[1] ? m->slices[1] : "");
	snprintf(lim, sizeof lim,
		 "Performance degrades on %s, where data is sparse. Not validated for use outside "
		 "the population described under Training data.",
		 m->slices[0]);
	if (card_add(&c, "Intended use", m->use, e) != 0 ||
	    card_add(&c, "Training data", m->data, e) != 0 ||
	    card_add(&c, "Evaluation", eval, e) != 0)
		goto out;
	if (!(drop & 1) && card_add(&c, "Limitations", lim, e) != 0)
		goto out;
	if (!(drop & 2) &&
	    card_add(&c, "Ethical considerations",
		     m->tier >= TIER_HIGH
			     ? "Reviewed for disparate impact across protected groups; adverse-action reasons are generated for every decline."
			     : "No protected attributes are used as features; outcomes are monitored for drift by segment.",
		     e) != 0)
		goto out;
	if (v > 1) {
		char changes[200];

		snprintf(changes, sizeof changes,
			 "Version %d: retrained on fresher data; feature set reviewed by %s.", v,
			 demo_authors[(v * 3) % 8]);
		if (card_add(&c, "Changes", changes, e) != 0)
			goto out;
	}
	r = registry_card_set(st, demo_recorder, m->name, v, &c, e);
out:
	card_free(&c);
	return r;
}

static int demo_metrics(struct store *st, const struct demo_model *m, int v, uint32_t *rng,
			struct err *e)
{
	double auc = m->auc_base + 0.006 * v + demo_jitter(rng, 0.004);
	double prec = auc - 0.12 + demo_jitter(rng, 0.02);
	double rec = auc - 0.18 + demo_jitter(rng, 0.03);
	double ece = 0.045 - 0.003 * v + demo_jitter(rng, 0.004);

	if (ece < 0.006)
		ece = 0.006;
	if (registry_metric_set(st, demo_recorder, m->name, v, "auc", auc, m->dataset, "", e) != 0 ||
	    registry_metric_set(st, demo_recorder, m->name, v, "precision", prec, m->dataset, "", e) != 0 ||
	    registry_metric_set(st, demo_recorder, m->name, v, "recall", rec, m->dataset, "", e) != 0 ||
	    registry_metric_set(st, demo_recorder, m->name, v, "calibration_error", ece, m->dataset, "", e) != 0)
		return -1;
	for (int i = 0; i < 3 && m->slices[i] != NULL; i++) {
		/* The first slice is the weak one, as it usually is in practice. */
		double sa = auc - (i == 0 ? 0.045 : 0.01) + demo_jitter(rng, 0.01);

		if (registry_metric_set(st, demo_recorder, m->name, v, "auc", sa, m->dataset, m->slices[i], e) != 0)
			return -1;
	}
	return 0;
}

const struct demo_persona demo_personas[DEMO_PERSONAS] = {
	{ "ada", ROLE_ADMIN, "platform admin: keyring and direct alias changes" },
	{ "rosa", ROLE_RISK, "risk officer" },
	{ "ravi", ROLE_RISK, "risk officer" },
	{ "lena", ROLE_MLLEAD, "ML lead" },
	{ "mei", ROLE_MLLEAD, "ML lead" },
	{ "sami", ROLE_SRE, "SRE: incidents and rollbacks" },
	{ "otto", ROLE_AUDITOR, "auditor: reads everything, signs nothing" },
};

enum { P_ADA, P_ROSA, P_RAVI, P_LENA, P_MEI, P_SAMI, P_OTTO };

struct demo_ctx {
	struct store *st;
	struct key_secret *k[DEMO_PERSONAS];
	struct principal p[DEMO_PERSONAS];
	int64_t epoch; /* the history's first day */
};

/* Moves the demo clock to t, never back: entries are dated in order even
 * where a promotion's hours run into the next event. */
static void demo_at(int64_t t)
{
	if (t > store_now())
		store_clock_set(t);
}

/* A governed promotion from the estate's history: requested, signed by
 * what the tier needs, moved by the admin, closed as applied. */
static int demo_promotion(struct demo_ctx *d, const char *model, int64_t v, int requester,
			  const int *approvers, struct err *e)
{
	int64_t req, id;
	int i;

	if (approval_request_open(d->st, &d->p[requester], model, v, "production",
				  "quarterly refresh after the validation report", &req, e) != 0)
		return -1;
	for (i = 0; approvers[i] >= 0; i++) {
		store_clock_set(store_now() + 3600);
		if (approval_sign(d->st, &d->p[approvers[i]], d->k[approvers[i]], req, 1, 0,
				  "validation evidence reviewed", 0, &id, e) != 0)
			return -1;
	}
	store_clock_set(store_now() + 3600);
	if (registry_alias_set(d->st, &d->p[P_ADA], model, "production", v, e) != 0)
		return -1;
	return approval_request_close(d->st, req, "applied", e);
}

/* A promotion through the gate: request, the approvals asked for, apply.
 * The demo's own data must pass; a refusal is a bug in the demo. */
static int demo_governed(struct demo_ctx *d, const char *model, int64_t v, const char *to, const int *approvers,
			 struct err *e)
{
	struct gate g;
	int64_t req, id, seq;
	int i, rc;

	if (approval_request_open(d->st, &d->p[P_LENA], model, v, to, "release train", &req, e) != 0)
		return -1;
	for (i = 0; approvers != NULL && approvers[i] >= 0; i++)
		if (approval_sign(d->st, &d->p[approvers[i]], d->k[approvers[i]], req, 1, 0, "reviewed", 0, &id, e) != 0)
			return -1;
	store_clock_set(store_now() + 600);
	rc = gate_apply(d->st, &d->p[P_LENA], req, NULL, &g, &seq, e);
	if (rc == 1) {
		const char *rule = "a rule did not pass", *why = "";
		size_t k;

		for (k = 0; k < g.nres; k++)
			if (g.res[k].status != RULE_PASS) {
				rule = g.res[k].rule->name;
				why = g.res[k].reason;
				break;
			}
		err_set(e, ERR_STORE, "demo: the gate refused %s v%" PRId64 " -> %s: %s %s", model, v, to,
			g.refusal[0] ? g.refusal : rule, g.refusal[0] ? "" : why);
	}
	gate_free(&g);
	return rc == 0 ? 0 : -1;
}

/* One dated step of the history; all of them run in time order, so the
 * ledger reads as the estate happened and its times never go back. */
struct demo_event {
	int64_t when;
	int model, v;
	enum { EV_MODEL, EV_VERSION, EV_STAGING, EV_PRODUCTION } kind;
};

static int demo_event_cmp(const void *a, const void *b)
{
	const struct demo_event *x = a, *y = b;

	if (x->when != y->when)
		return x->when < y->when ? -1 : 1;
	if (x->model != y->model)
		return x->model - y->model;
	if (x->v != y->v)
		return x->v - y->v;
	return (int)x->kind - (int)y->kind;
}

/* When version v of model i was made. */
static int64_t demo_created(const struct demo_ctx *d, size_t i, int v)
{
	return d->epoch + (int64_t)v * 17 * DAY + (int64_t)i * 5400;
}

static int demo_step(struct demo_ctx *d, const struct demo_event *ev, uint32_t *rng, struct err *e)
{
	static const int crit[] = { P_MEI, P_ROSA, P_RAVI, -1 }, high[] = { P_MEI, P_ROSA, -1 },
			 low[] = { P_MEI, -1 }, mei[] = { P_MEI, -1 };
	const struct demo_model *m = &demo_models[ev->model];
	struct store *st = d->st;
	size_t i = (size_t)ev->model;
	int v = ev->v;
	const int *signers = NULL;

	demo_at(ev->when);
	switch (ev->kind) {
	case EV_MODEL:
		return registry_model_add(st, demo_recorder, m->name, m->tier, m->owner, m->description, e) != 0 ||
		       registry_tag_set(st, m->name, 0, "team", m->owner, e) != 0 ? -1 : 0;
	case EV_VERSION: {
		char digest[80], uri[200], run[40];
		/* Newest versions of every third model lack sections: cards lag code. */
		int drop = (v == m->versions && i % 3 == 0) ? 3 : (v == m->versions && i % 3 == 1) ? 2 : 0;

		demo_digest(m->name, v, digest, sizeof digest);
		snprintf(uri, sizeof uri, "s3://models-prod/%s/%d/model.onnx", m->name, v);
		snprintf(run, sizeof run, "%08x%08x", demo_rand(rng), demo_rand(rng));
		return registry_version_add(st, demo_recorder, m->name, uri, digest, demo_authors[(i + (size_t)v) % 8], run,
					    demo_created(d, i, v), NULL, e) != 0 ||
		       demo_metrics(st, m, v, rng, e) != 0 || demo_card(st, m, v, drop, e) != 0 ? -1 : 0;
	}
	case EV_STAGING:
		/* search-ranking walks every step through the gate: its
		 * versions are the known-safe baselines a rollback needs. */
		if (strcmp(m->name, "search-ranking") == 0)
			return demo_governed(d, m->name, v, "staging", NULL, e);
		return registry_alias_set(st, &d->p[P_ADA], m->name, "staging", v, e);
	case EV_PRODUCTION:
		if (strcmp(m->name, "search-ranking") == 0)
			return demo_governed(d, m->name, v, "production", mei, e);
		/* The current production versions of three models went
		 * through signed approvals; the rest predate steward. */
		if (strcmp(m->name, "credit-limit") == 0)
			signers = crit;
		else if (strcmp(m->name, "fraud-scoring") == 0)
			signers = high;
		else if (strcmp(m->name, "support-ticket-routing") == 0)
			signers = low;
		return signers != NULL ? demo_promotion(d, m->name, v, P_LENA, signers, e)
				       : registry_alias_set(st, &d->p[P_ADA], m->name, "production", v, e);
	}
	return err_set(e, ERR_STORE, "demo: unknown step");
}

static int demo_fill(struct demo_ctx *d, struct err *e)
{
	enum { NMODELS = sizeof demo_models / sizeof demo_models[0] };
	uint32_t rng[NMODELS];
	struct demo_event *ev;
	size_t i, n = 0, cap = NMODELS;
	int r = 0;

	for (i = 0; i < NMODELS; i++)
		cap += 3 * (size_t)demo_models[i].versions;
	ev = calloc(cap, sizeof *ev);
	if (ev == NULL)
		return err_set(e, ERR_IO, "out of memory");
	for (i = 0; i < NMODELS; i++) {
		const struct demo_model *m = &demo_models[i];
		int search = strcmp(m->name, "search-ranking") == 0;

		/* Each model's own stream: its versions use it in order. */
		rng[i] = 2463534242u + (uint32_t)i * 7919u;
		ev[n++] = (struct demo_event){ d->epoch + (int64_t)i * 3600, (int)i, 0, EV_MODEL };
		for (int v = 1; v <= m->versions; v++) {
			int64_t created = demo_created(d, i, v);

			ev[n++] = (struct demo_event){ created, (int)i, v, EV_VERSION };
			/* search-ranking's v5 and v6 went to production through the
			 * gate: the known-safe baselines a rollback needs. */
			if (search ? v >= 5 : v == m->staging)
				ev[n++] = (struct demo_event){ created + 2 * DAY, (int)i, v, EV_STAGING };
			if (search ? v == 5 || v == 6 : v == m->production)
				ev[n++] = (struct demo_event){ created + 9 * DAY, (int)i, v, EV_PRODUCTION };
		}
	}
	qsort(ev, n, sizeof *ev, demo_event_cmp);
	for (i = 0; r == 0 && i < n; i++)
		r = demo_step(d, &ev[i], &rng[ev[i].model], e);
	free(ev);
	return r;
}

/* Sets one metric of a version (the scenarios pin the values they are about). */
static int demo_metric(struct demo_ctx *d, const char *model, int64_t v, const char *slice, double auc, struct err *e)
{
	size_t i;

	for (i = 0; i < sizeof demo_models / sizeof demo_models[0]; i++)
		if (strcmp(demo_models[i].name, model) == 0)
			return registry_metric_set(d->st, demo_recorder, model, v, "auc", auc, demo_models[i].dataset, slice, e);
	return err_set(e, ERR_NOTFOUND, "demo: no model %s", model);
}

static int demo_full_card(struct demo_ctx *d, const char *model, int64_t v, struct err *e)
{
	size_t i;

	for (i = 0; i < sizeof demo_models / sizeof demo_models[0]; i++)
		if (strcmp(demo_models[i].name, model) == 0)
			return demo_card(d->st, &demo_models[i], (int)v, 0, e);
	return err_set(e, ERR_NOTFOUND, "demo: no model %s", model);
}

/* A score histogram of n observations: a bell around centre (0..1) over
 * ten buckets of width 0.1, cumulative, as a _bucket series gives it. */
static void demo_hist(double centre, double n, uint32_t *rng, double *le, double *count)
{
	double sum = 0, w[10];
	int i;

	for (i = 0; i < 10; i++) {
		double x = (i + 0.5) / 10 - centre;

		w[i] = exp(-x * x / 0.03) * (1 + demo_jitter(rng, 0.03));
		sum += w[i];
	}
	for (i = 0; i < 10; i++) {
		le[i] = i == 9 ? INFINITY : (i + 1) / 10.0;
		count[i] = (i ? count[i - 1] : 0) + floor(n * w[i] / sum);
	}
}

/* Monitoring as a Prometheus sync would leave it, a day of it at five
 * minutes for every deployed version, and two alerts firing: latency on
 * fraud-scoring, and drift on loan-default-pd, whose production scores
 * moved since its first week. Signed by sami, the SRE, so gates read it. */
static void demo_target(void *arg, const struct steward_target *t);

struct demo_mon {
	struct demo_ctx *d;
	struct monitor_sync *m;
	uint32_t rng;
	int rc;
	struct err *e;
};

static int demo_monitoring(struct demo_ctx *d, struct err *e)
{
	struct demo_mon dm = { .d = d, .rng = 20260101u, .e = e };
	static const char *const labels_fraud[][2] = { { "alertname", "ModelLatencyHigh" }, { "model", "fraud-scoring" },
						      { "severity", "warning" }, { "team", "fraud-ops" } };
	static const char *const labels_pd[][2] = { { "alertname", "ModelDriftCritical" }, { "model", "loan-default-pd" },
						   { "severity", "critical" }, { "team", "credit-risk" } };
	struct steward_kv kv[4];
	struct steward_alert_rec a;
	int64_t fraud_v, pd_v;
	int i;

	dm.m = monitor_sync_begin(d->st, "prometheus", STEWARD_CAP_METRICS, e);
	if (dm.m == NULL)
		return -1;
	if (monitor_targets(dm.m, demo_target, &dm) != 0 || dm.rc != 0 || monitor_sync_end(dm.m, &d->p[P_SAMI], e) != 0) {
		monitor_sync_free(dm.m);
		return dm.rc != 0 ? -1 : (e->msg[0] ? -1 : err_set(e, ERR_STORE, "demo monitoring"));
	}
	monitor_sync_free(dm.m);
	fraud_v = registry_alias_version(d->st, "fraud-scoring", "production", e);
	pd_v = registry_alias_version(d->st, "loan-default-pd", "production", e);
	if (fraud_v <= 0 || pd_v <= 0)
		return fraud_v < 0 || pd_v < 0 ? -1 : err_set(e, ERR_STORE, "demo: no production version to alert on");
	dm.m = monitor_sync_begin(d->st, "alertmanager", STEWARD_CAP_ALERTS, e);
	if (dm.m == NULL)
		return -1;
	for (i = 0; i < 2; i++) {
		const char *const(*l)[2] = i == 0 ? labels_fraud : labels_pd;
		size_t k;

		for (k = 0; k < 4; k++) {
			kv[k].key = l[k][0];
			kv[k].value = l[k][1];
		}
		memset(&a, 0, sizeof a);
		a.fingerprint = i == 0 ? "5c1f0a2b9e7d4c31" : "8a4e2d7f10b36c95";
		a.name = l[0][1];
		a.state = "active";
		a.severity = l[2][1];
		a.model = l[1][1];
		a.version = i == 0 ? fraud_v : pd_v;
		a.starts = store_now() - (i == 0 ? 3600 : 5 * 3600);
		a.summary = i == 0 ? "p99 latency of fraud-scoring above 250 ms for 15 minutes"
				   : "score distribution of loan-default-pd drifted from its first week (PSI above 0.2)";
		a.silenced_by = "";
		a.labels = kv;
		a.nlabels = 4;
		if (monitor_alert(dm.m, &a, e) != 0) {
			monitor_sync_free(dm.m);
			return -1;
		}
	}
	i = monitor_sync_end(dm.m, &d->p[P_SAMI], e);
	monitor_sync_free(dm.m);
	return i;
}

/* The drift on loan-default-pd as an SRE would have it in hand: sami
 * opened a critical incident on its alert and noted what he saw. */
static int demo_incident(struct demo_ctx *d, struct err *e)
{
	int64_t id = 0;

	if (incident_open(d->st, &d->p[P_SAMI], "loan-default-pd", "critical",
			  "production scores drifted past the critical limit (PSI 0.33 > 0.2)", "ScoreDriftHigh", &id,
			  e) != 0)
		return -1;
	return incident_note(d->st, &d->p[P_SAMI], id, "note",
			     "v3's score distribution moved since its first week; checking the bureau feed before a rollback",
			     e);
}

static void demo_target(void *arg, const struct steward_target *t)
{
	struct demo_mon *dm = arg;
	static const char *const sig[] = { "latency_p99", "error_rate", "freshness", "traffic" };
	int64_t times[288], now = store_now() / 300 * 300;
	double vals[288], le[10], count[10], base[4], centre;
	int drifting = strcmp(t->model, "loan-default-pd") == 0 && strcmp(t->alias, "production") == 0;
	int slow = strcmp(t->model, "fraud-scoring") == 0 && strcmp(t->alias, "production") == 0;
	size_t k, i;

	if (dm->rc != 0)
		return;
	base[0] = 0.04 + (double)(strlen(t->model) % 7) * 0.012;
	base[1] = 0.002 + (double)(t->version % 4) * 0.0008;
	base[2] = 900 + (double)(strlen(t->model) % 5) * 300;
	base[3] = 20 + (double)(strlen(t->model) % 9) * 15;
	for (k = 0; k < 4; k++) {
		struct steward_series_rec r = { .model = t->model, .version = t->version, .signal = sig[k],
						.time = times, .value = vals, .n = 288, .step = 300 };

		for (i = 0; i < 288; i++) {
			double day = sin((double)i / 288 * 2 * M_PI - M_PI / 2); /* quiet at night, busy by day */

			times[i] = now - (int64_t)(287 - i) * 300;
			vals[i] = base[k] * (1 + (k == 3 ? 0.5 : 0.15) * day + demo_jitter(&dm->rng, 0.08));
			if (slow && k == 0 && i > 270)
				vals[i] = 0.31 + demo_jitter(&dm->rng, 0.02); /* the last hour and a half */
			if (k == 2)
				vals[i] = base[2] + (double)(i % 12) * 300; /* features land every hour */
		}
		if (monitor_series(dm->m, &r, dm->e) != 0) {
			dm->rc = -1;
			return;
		}
	}
	/* The drift of the day before, hour by hour: the drifting one creeping up to where it is now. */
	{
		struct steward_series_rec r = { .model = t->model, .version = t->version, .signal = "drift_psi",
						.time = times, .value = vals, .n = 23, .step = 3600 };
		/* Its own stream: the other signals keep the values they had before it was added. */
		uint32_t drng = 20260101u + (uint32_t)t->version * 31u + (uint32_t)strlen(t->model);

		for (i = 0; i < 23; i++) {
			double x = (double)i / 23;

			times[i] = now - (int64_t)(23 - i) * 3600;
			vals[i] = drifting ? 0.02 + 0.3 * x * x + demo_jitter(&drng, 0.01) : 0.0006 + demo_jitter(&drng, 0.0004);
		}
		if (monitor_series(dm->m, &r, dm->e) != 0) {
			dm->rc = -1;
			return;
		}
	}
	centre = 0.3 + (double)(strlen(t->model) % 4) * 0.05;
	for (k = 0; k < 2; k++) {
		struct steward_histogram_rec h = { .model = t->model, .version = t->version, .feature = "score",
						   .window = k == 0 ? "reference" : "current", .le = le, .count = count,
						   .n = 10 };

		demo_hist(k == 1 && drifting ? centre + 0.07 : centre, k == 0 ? 70000 : 10000, &dm->rng, le, count);
		h.from = k == 0 ? (t->production_since ? t->production_since : t->since) : now - MONITOR_WINDOW;
		h.to = k == 0 ? h.from + MONITOR_REFERENCE : now;
		if (monitor_histogram(dm->m, &h, dm->e) != 0) {
			dm->rc = -1;
			return;
		}
	}
}

/* A request with its approvals, left open for the user. */
static int demo_open(struct demo_ctx *d, const char *model, int64_t v, int requester, const int *approvers,
		     const char *why, struct err *e)
{
	int64_t req, id;
	int i;

	if (approval_request_open(d->st, &d->p[requester], model, v, "production", why, &req, e) != 0)
		return -1;
	for (i = 0; approvers[i] >= 0; i++)
		if (approval_sign(d->st, &d->p[approvers[i]], d->k[approvers[i]], req, 1, 0, "reviewed the evidence", 0,
				  &id, e) != 0)
			return -1;
	return 0;
}

/* The present: what the console shows waiting. One promotion that passes
 * (support-ticket-routing), one blocked by a weak slice (churn-propensity),
 * one by missing card sections (fraud-scoring), one waiting for its second
 * risk officer (collections-priority), a critical one short of much
 * (credit-limit), and a rollback (search-ranking) with its review due. */
static int demo_pending(struct demo_ctx *d, struct err *e)
{
	static const int mei[] = { P_MEI, -1 }, mei_rosa_ravi[] = { P_MEI, P_ROSA, P_RAVI, -1 },
			 lena_rosa[] = { P_LENA, P_ROSA, -1 }, rosa[] = { P_ROSA, -1 };
	struct gate g;
	int64_t review;
	int rc;

	/* passes: support-ticket-routing v3, signed by an ML lead */
	if (demo_open(d, "support-ticket-routing", 3, P_LENA, mei, "new queue taxonomy", e) != 0)
		return -1;
	/* blocked by one slice: churn-propensity v6, everything else in order */
	if (demo_full_card(d, "churn-propensity", 6, e) != 0 ||
	    demo_metric(d, "churn-propensity", 6, "segment=young", 0.64, e) != 0 ||
	    demo_open(d, "churn-propensity", 6, P_LENA, mei, "monthly refresh", e) != 0)
		return -1;
	/* blocked by the card: fraud-scoring v8 is signed by all it needs, but its
	 * card lacks Limitations and Ethical considerations */
	if (demo_open(d, "fraud-scoring", 8, P_LENA, mei_rosa_ravi,
		      "recall +2 points on the Q1 holdout; canary clean for 7 days", e) != 0)
		return -1;
	/* waits for its second risk officer: collections-priority v5 */
	if (demo_metric(d, "collections-priority", 5, "", 0.84, e) != 0 ||
	    demo_metric(d, "collections-priority", 5, "bucket=30dpd", 0.81, e) != 0 ||
	    demo_metric(d, "collections-priority", 5, "bucket=60dpd", 0.83, e) != 0 ||
	    demo_metric(d, "collections-priority", 5, "bucket=90dpd", 0.82, e) != 0 ||
	    demo_open(d, "collections-priority", 5, P_MEI, lena_rosa, "hardship flags re-weighted after the complaints review",
		      e) != 0)
		return -1;
	/* critical: two risk officers asked; its lineage is complete, the rest is not */
	if (demo_open(d, "credit-limit", 6, P_MEI, rosa, "new bureau attributes; thin-file segment re-validated", e) != 0)
		return -1;
	/* a release that went wrong: search-ranking v7 promoted, then rolled back */
	if (demo_full_card(d, "search-ranking", 7, e) != 0 ||
	    demo_governed(d, "search-ranking", 7, "production", mei, e) != 0)
		return -1;
	store_clock_set(store_now() + 5 * 3600);
	rc = gate_rollback(d->st, &d->p[P_SAMI], "search-ranking", "production", 0,
			   "click-through fell 4% in the first hours; back to the last good version", NULL, &g, &review, e);
	if (rc == 1)
		err_set(e, ERR_STORE, "demo: rollback refused: %s", g.refusal[0] ? g.refusal : "a rule did not pass");
	gate_free(&g);
	return rc == 0 ? 0 : -1;
}

/* ---- lineage: what the pipelines' OpenLineage events would say ---- */

/* Per model: the raw sources its features come from, the feature table,
 * and whether its training snapshots carry a digest. */
struct demo_lin {
	const char *model;
	const char *raw[3]; /* "namespace|name" */
	const char *features;
	int digest;
};

static const struct demo_lin demo_lins[] = {
	{ "credit-limit", { "postgres://core-banking.bank.internal:5432|cards.applications", "s3://bank-bureau-feeds|experian/monthly_extract", NULL }, "credit_applicant", 1 },
	{ "loan-default-pd", { "postgres://core-banking.bank.internal:5432|lending.loans", "postgres://core-banking.bank.internal:5432|lending.repayments", "s3://bank-economics|macro/ecb_scenarios" }, "loan_performance", 1 },
	/* The one whose training snapshots were never hashed: its lineage is incomplete. */
	{ "aml-transaction-monitoring", { "kafka://events.bank.internal:9092|payments.transactions", "postgres://fincrime.bank.internal:5432|fincrime.sar_filings", NULL }, "transaction_graph", 0 },
	{ "fraud-scoring", { "kafka://events.bank.internal:9092|payments.authorisations", "postgres://core-banking.bank.internal:5432|cards.chargebacks", NULL }, "card_authorisations", 1 },
	{ "kyc-document-check", { "postgres://onboarding.bank.internal:5432|onboarding.cases", NULL, NULL }, "kyc_review", 1 },
	{ "collections-priority", { "postgres://core-banking.bank.internal:5432|lending.repayments", "postgres://collections.bank.internal:5432|collections.contacts", NULL }, "delinquency", 1 },
	{ "churn-propensity", { "postgres://crm.bank.internal:5432|crm.customers", "postgres://crm.bank.internal:5432|crm.complaints", NULL }, "customer_activity", 1 },
	{ "customer-lifetime-value", { "postgres://crm.bank.internal:5432|crm.customers", "postgres://finance.bank.internal:5432|finance.revenue_per_customer", NULL }, "customer_activity", 1 },
	{ "marketing-uplift", { "postgres://crm.bank.internal:5432|crm.customers", "postgres://growth.bank.internal:5432|growth.offer_experiments", NULL }, "customer_activity", 1 },
	{ "search-ranking", { "kafka://events.bank.internal:9092|app.search_sessions", NULL, NULL }, "search_clicks", 1 },
	{ "support-ticket-routing", { "postgres://support.bank.internal:5432|support.tickets", NULL, NULL }, "ticket_text", 1 },
	{ "merchant-categorization", { "postgres://core-banking.bank.internal:5432|payments.merchants", NULL, NULL }, "merchant_descriptors", 1 },
};

/* A deterministic run id (UUID form) and digest from a label. */
static void demo_uuid(const char *label, char out[37])
{
	uint8_t h[crypto_hash_sha256_BYTES];
	char hex[65];

	crypto_hash_sha256(h, (const unsigned char *)label, strlen(label));
	/* Not the digest of the same label: hashed once more. */
	crypto_hash_sha256(h, h, sizeof h);
	sodium_bin2hex(hex, sizeof hex, h, sizeof h);
	snprintf(out, 37, "%.8s-%.4s-7%.3s-8%.3s-%.12s", hex, hex + 8, hex + 12, hex + 15, hex + 18);
}

static void demo_hash(const char *label, char out[72])
{
	gate_digest(label, strlen(label), out);
}

static json_t *demo_ds(const char *ns, const char *name, const char *version, json_t *fields)
{
	json_t *d = json_pack("{s:s, s:s, s:{}}", "namespace", ns, "name", name, "facets");
	json_t *f = json_object_get(d, "facets");

	if (d == NULL)
		return NULL;
	if (version != NULL)
		json_object_set_new(f, "version", json_pack("{s:s}", "datasetVersion", version));
	if (fields != NULL)
		json_object_set_new(f, "schema", json_pack("{s:o}", "fields", fields));
	json_object_set_new(f, "dataSource", json_pack("{s:s, s:s}", "name", ns, "uri", ns));
	return d;
}

static void demo_iso(int64_t t, char *buf, size_t n)
{
	time_t tt = (time_t)t;
	struct tm tm;

	gmtime_r(&tt, &tm);
	strftime(buf, n, "%Y-%m-%dT%H:%M:%S.000000+00:00", &tm);
}

/* One run's START and COMPLETE (or FAIL) events through the importer. */
static int demo_run(struct lineage_import *li, const char *type, int64_t t0, int64_t t1, const char *job_ns,
		    const char *job, const char *run, const char *mlflow, json_t *inputs, json_t *outputs, struct err *e)
{
	char when[40], *txt;
	int i, r = 0;

	for (i = 0; r == 0 && i < 2; i++) {
		json_t *ev;

		demo_iso(i == 0 ? t0 : t1, when, sizeof when);
		ev = json_pack("{s:s, s:s, s:s, s:s, s:{s:s, s:{}}, s:{s:s, s:s}, s:O, s:O}", "eventType",
			       i == 0 ? "START" : type, "eventTime", when, "producer",
			       "https://github.com/OpenLineage/OpenLineage/tree/1.0.0/integration/airflow", "schemaURL",
			       "https://openlineage.io/spec/2-0-2/OpenLineage.json#/$defs/RunEvent", "run", "runId", run,
			       "facets", "job", "namespace", job_ns, "name", job, "inputs", inputs, "outputs", outputs);
		if (ev != NULL && mlflow != NULL)
			json_object_set_new(json_object_get(json_object_get(ev, "run"), "facets"), "mlflow",
					    json_pack("{s:s}", "runId", mlflow));
		txt = ev != NULL ? json_dumps(ev, JSON_COMPACT) : NULL;
		json_decref(ev);
		if (txt == NULL)
			return err_set(e, ERR_IO, "out of memory");
		r = lineage_import_event(li, "demo", 0, txt, strlen(txt), e);
		free(txt);
	}
	json_decref(inputs);
	json_decref(outputs);
	return r;
}

/* For every version: the feature job that refreshed its feature table, the
 * snapshot of its training set, and the training run MLflow recorded. */
static int demo_lineage(struct demo_ctx *d, struct err *e)
{
	struct lineage_import *li;
	struct lineage_stats stats;
	struct db_stmt *s;
	size_t i;
	int rc, r = 0;

	li = lineage_import_begin(d->st, demo_recorder, "", NULL, NULL, e);
	if (li == NULL)
		return -1;
	if (store_prepare(d->st, &s,
			  "SELECT m.name, v.version, v.run_id, v.created FROM versions v JOIN models m ON m.id = v.model_id"
			  " ORDER BY v.created, m.name, v.version",
			  e) != 0) {
		lineage_import_free(li);
		return -1;
	}
	while (r == 0 && (rc = db_step(s)) == DB_ROW) {
		const char *model = (const char *)db_column_text(s, 0), *mlrun = (const char *)db_column_text(s, 2);
		int64_t v = db_column_int64(s, 1), created = db_column_int64(s, 3);
		const struct demo_lin *l = NULL;
		char label[300], frun[37], srun[37], trun[37], fver[72], sver[72], fname[120], sname[160], date[16];
		json_t *in;
		time_t tt = (time_t)(created - DAY);
		struct tm tm;

		for (i = 0; i < sizeof demo_lins / sizeof demo_lins[0]; i++)
			if (strcmp(demo_lins[i].model, model) == 0)
				l = &demo_lins[i];
		if (l == NULL)
			continue;
		gmtime_r(&tt, &tm);
		strftime(date, sizeof date, "%Y-%m-%d", &tm);
		snprintf(label, sizeof label, "%s/%" PRId64 "/features", model, v);
		demo_uuid(label, frun);
		demo_hash(label, fver);
		snprintf(label, sizeof label, "%s/%" PRId64 "/snapshot", model, v);
		demo_uuid(label, srun);
		demo_hash(label, sver);
		snprintf(label, sizeof label, "%s/%" PRId64 "/train", model, v);
		demo_uuid(label, trun);
		snprintf(fname, sizeof fname, "features/%s", l->features);
		snprintf(sname, sizeof sname, "training/%s/%s", model, date);
		in = json_array();
		for (i = 0; i < 3 && l->raw[i] != NULL; i++) {
			char ns[120];
			const char *bar = strchr(l->raw[i], '|');

			snprintf(ns, sizeof ns, "%.*s", (int)(bar - l->raw[i]), l->raw[i]);
			json_array_append_new(in, demo_ds(ns, bar + 1, NULL, NULL));
		}
		r = demo_run(li, "COMPLETE", created - 30 * 3600, created - 29 * 3600, "airflow://bank-prod",
			     l->features, frun, NULL, in,
			     json_pack("[o]", demo_ds("s3://bank-feature-store", fname, fver,
						      json_pack("[{s:s, s:s}, {s:s, s:s}, {s:s, s:s}]", "name", "customer_id", "type",
								"string", "name", "as_of", "type", "date", "name", "features",
								"type", "array<double>"))),
			     e);
		if (r == 0)
			r = demo_run(li, "COMPLETE", created - 26 * 3600, created - 25 * 3600, "airflow://bank-prod",
				     "snapshot_training_set", srun, NULL,
				     json_pack("[o]", demo_ds("s3://bank-feature-store", fname, fver, NULL)),
				     json_pack("[o]", demo_ds("s3://bank-ml-datasets", sname, l->digest ? sver : NULL, NULL)), e);
		if (r == 0)
			r = demo_run(li, "COMPLETE", created - 6 * 3600, created - 2 * 3600, "mlflow://ml-platform", model, trun,
				     mlrun, json_pack("[o]", demo_ds("s3://bank-ml-datasets", sname, l->digest ? sver : NULL, NULL)),
				     json_array(), e);
		/* fraud-scoring's first attempt at v8 failed and produced nothing. */
		if (r == 0 && strcmp(model, "fraud-scoring") == 0 && v == 8) {
			snprintf(label, sizeof label, "%s/%" PRId64 "/train-failed", model, v);
			demo_uuid(label, trun);
			r = demo_run(li, "FAIL", created - 12 * 3600, created - 11 * 3600, "mlflow://ml-platform", model, trun,
				     NULL, json_pack("[o]", demo_ds("s3://bank-ml-datasets", sname, sver, NULL)), json_array(), e);
		}
	}
	db_finalize(s);
	if (r == 0 && rc != DB_DONE && rc != DB_ROW)
		r = store_fail(d->st, e, "reading versions");
	if (r == 0)
		r = lineage_import_end(li, &stats, e);
	lineage_import_free(li);
	return r;
}

/* ---- serving: a canary in progress, and a shadow ---- */

/* What the demo's serving layer (HAProxy in a real estate; no server here)
 * holds: each version's server, weight and state, read back by a sync. */
struct demo_serving {
	struct deploy_plan plan;
};

/* The demo's stand-in for the HAProxy plugin's act: it keeps the plan,
 * which the sync after it reads back, as HAProxy would. */
static int demo_set_traffic(void *arg, const char *plugin, const char *model, const struct steward_traffic *t, size_t n,
			    char *err, size_t errn)
{
	struct demo_serving *sv = arg;

	(void)plugin;
	(void)model;
	if (n > DEPLOY_MAX_VERSIONS) {
		snprintf(err, errn, "too many versions");
		return -1;
	}
	/* core/deploy.c's plans name their states with string constants. */
	sv->plan.n = n;
	memcpy(sv->plan.v, t, n * sizeof *t);
	return 0;
}

/* A sync of the demo's serving layer: marketing-uplift's live servers as
 * the plan left them, and fraud-scoring's shadow, which nginx mirrors
 * live requests to (steward-plugins(7)). */
static int demo_serving_sync(struct demo_ctx *d, const struct deploy_plan *p, int64_t served, struct err *e)
{
	struct deploy_sync *ds = deploy_sync_begin("haproxy", e);
	struct steward_deployment_rec r;
	char target[64];
	int64_t seen;
	size_t i;
	int rc = 0;

	if (ds == NULL)
		return -1;
	for (i = 0; rc == 0 && i < p->n; i++) {
		memset(&r, 0, sizeof r);
		snprintf(target, sizeof target, "uplift_be/v%" PRId64, p->v[i].version);
		r.model = "marketing-uplift";
		r.version = p->v[i].version;
		r.target = target;
		r.mode = "live";
		r.state = p->v[i].state;
		r.weight = p->v[i].share;
		r.share = (double)p->v[i].share;
		r.sessions = served * p->v[i].share / 100;
		rc = deploy_sync_record(ds, &r, e);
	}
	if (rc == 0) {
		memset(&r, 0, sizeof r);
		r.model = "fraud-scoring";
		r.version = 8;
		r.target = "fraud_shadow/v8";
		r.mode = "shadow";
		r.state = "ready";
		r.weight = 1;
		r.sessions = served;
		rc = deploy_sync_record(ds, &r, e);
	}
	if (rc == 0)
		rc = deploy_sync_end(d->st, ds, &seen, e);
	deploy_sync_free(ds);
	return rc;
}

/* marketing-uplift v4 (staging) takes 10% of live traffic as a canary
 * beside v3, three hours ago: requested by lena, approved by mei (the
 * medium policy's transition to canary), moved by sami. */
static int demo_canary(struct demo_ctx *d, struct err *e)
{
	struct demo_serving sv;
	struct gate_backend gb = { .set_traffic = demo_set_traffic, .arg = &sv };
	struct gate g;
	int64_t req, seq, id;
	int rc;

	memset(&sv, 0, sizeof sv);
	sv.plan.n = 2;
	sv.plan.v[0] = (struct steward_traffic){ .version = 3, .share = 100, .state = "ready" };
	sv.plan.v[1] = (struct steward_traffic){ .version = 4, .share = 0, .state = "drain" };
	if (demo_serving_sync(d, &sv.plan, 184230, e) != 0 ||
	    approval_request_open(d->st, &d->p[P_LENA], "marketing-uplift", 4, "canary", "canary before the release", &req,
				  e) != 0)
		return -1;
	store_clock_set(store_now() + 300);
	if (approval_sign(d->st, &d->p[P_MEI], d->k[P_MEI], req, 1, 0, "holdout uplift holds; canary at 10%", 0, &id, e) != 0)
		return -1;
	store_clock_set(store_now() + 600);
	rc = deploy_apply(d->st, &d->p[P_SAMI], DEPLOY_CANARY, "marketing-uplift", 4, 10, "first canary of v4", &gb, &g,
			  &seq, e);
	if (rc == 1)
		err_set(e, ERR_STORE, "demo: the canary of marketing-uplift v4 was refused: %s",
			g.refusal[0] ? g.refusal : "a rule did not pass");
	gate_free(&g);
	if (rc != 0)
		return -1;
	store_clock_set(store_now() + 3 * 3600);
	return demo_serving_sync(d, &sv.plan, 191877, e);
}

static int demo_keys(struct demo_ctx *d, const char *keydir, struct err *e)
{
	char path[4200];
	size_t i;

	if (mkdir(keydir, 0700) != 0 && errno != EEXIST)
		return err_set(e, ERR_IO, "cannot create %s: %s", keydir, strerror(errno));
	for (i = 0; i < DEMO_PERSONAS; i++) {
		if (snprintf(path, sizeof path, "%s/%s.key", keydir, demo_personas[i].name) >= (int)sizeof path)
			return err_set(e, ERR_INVALID, "demo key directory path is too long");
		if (keys_generate_open(demo_personas[i].name, path, DEMO_PASSPHRASE, strlen(DEMO_PASSPHRASE),
				       &d->k[i], e) != 0)
			return -1;
	}
	return 0;
}

static int demo_keyring(struct demo_ctx *d, struct err *e)
{
	size_t i;

	if (ledger_logkey_create(d->st, e) != 0 || keyring_init(d->st, demo_personas[P_ADA].name, d->k[P_ADA], e) != 0 ||
	    keyring_whoami(d->st, d->k[P_ADA]->id, &d->p[P_ADA], e) != 0)
		return -1;
	d->p[P_ADA].key = d->k[P_ADA];
	for (i = 1; i < DEMO_PERSONAS; i++) {
		struct key_public pub;

		keys_public_of(d->k[i], &pub);
		if (keyring_add(d->st, &d->p[P_ADA], d->k[P_ADA], demo_personas[i].name, demo_personas[i].roles,
				&pub, e) != 0 ||
		    keyring_whoami(d->st, d->k[i]->id, &d->p[i], e) != 0 || (d->p[i].key = d->k[i]) == NULL)
			return -1;
	}
	return 0;
}

/* Enrols the shipped policies from policydir, as ada. */
static int demo_policies(struct demo_ctx *d, const char *policydir, struct err *e)
{
	static const char *const tiers[] = { "low", "medium", "high", "critical" };
	char path[4200], digest[72];
	struct policy p;
	size_t i;

	for (i = 0; i < sizeof tiers / sizeof tiers[0]; i++) {
		snprintf(path, sizeof path, "%s/%s.policy", policydir, tiers[i]);
		if (gate_enroll(d->st, &d->p[P_ADA], d->k[P_ADA], path, &p, digest, e) != 0)
			return err_prefix(e, "demo policies");
		policy_free(&p);
	}
	return 0;
}

int demo_build(struct store *st, const char *keydir, const char *policydir, struct err *e)
{
	struct demo_ctx d;
	char logkey[4200];
	int64_t present;
	size_t i;
	int r = -1;

	memset(&d, 0, sizeof d);
	d.st = st;
	if (sodium_init() < 0)
		return err_set(e, ERR_STORE, "libsodium failed to initialise");
	if (registry_model_count(st) != 0 || keyring_version(st) != 0)
		return err_set(e, ERR_EXISTS, "store %s is not empty; the demo needs an empty store",
			       store_label(st));
	if (store_local_path(st, ".logkey", logkey, sizeof logkey, e) != 0)
		return -1;
	if (demo_keys(&d, keydir, e) != 0)
		goto out;
	if (store_begin(st, e) != 0)
		goto out;
	/* Dated back from the clock, so the history is the same each time
	 * relative to when it was built, and all of it lies in the past. */
	present = (store_now() - DEMO_LEAD) / 3600 * 3600;
	d.epoch = present - DEMO_SPAN;
	store_clock_set(d.epoch - DAY);
	r = demo_keyring(&d, e);
	demo_recorder = &d.p[P_LENA];
	demo_at(d.epoch - DAY / 2);
	if (r == 0)
		r = demo_policies(&d, policydir, e);
	if (r == 0)
		r = demo_fill(&d, e);
	demo_at(present);
	if (r == 0)
		r = demo_lineage(&d, e);
	if (r == 0)
		r = demo_pending(&d, e);
	if (r == 0)
		r = demo_canary(&d, e);
	/* Monitoring is as of the real present, so a gate counts it for a while. */
	store_clock_set(0);
	demo_at(store_now() > present ? store_now() : present);
	if (r == 0)
		r = demo_monitoring(&d, e);
	if (r == 0)
		r = demo_incident(&d, e);
	if (r != 0 || store_meta_set(st, "estate", "demo", e) != 0) {
		store_rollback(st);
		unlink(logkey);
		r = err_prefix(e, "building the demo estate");
		goto out;
	}
	r = store_commit(st, e);
	if (r != 0)
		unlink(logkey);
out:
	store_clock_set(0);
	for (i = 0; i < DEMO_PERSONAS; i++)
		keys_secret_free(d.k[i]);
	return r;
}

int demo_is_demo(struct store *st)
{
	char v[32];
	struct err e;

	return store_meta_get(st, "estate", v, sizeof v, &e) == 1 && strcmp(v, "demo") == 0;
}
