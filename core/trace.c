/* trace: builds the auditor's trail of an aliased version as JSON from the registry, the ledger's signed moves and requests, the newest checkpoint and the lineage. */
#include "trace.h"

#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "approval.h"
#include "check.h"
#include "keyring.h"
#include "ledger.h"
#include "lineage.h"
#include "merkle.h"
#include "proven.h"
#include "record.h"
#include "registry.h"

/* An object of the report that names a ledger entry: it gets
 * "in_checkpoint" once the checkpoint is read. */
struct trace_ref {
	int64_t seq;
	json_t *o; /* borrowed from the report */
};

struct trace {
	struct store *st;
	const char *model, *alias;
	int64_t version;
	json_t *r, *gaps;
	struct trace_ref *refs;
	size_t nrefs;
	struct err *e;
};

static int trace_nomem(struct trace *t)
{
	return err_set(t->e, ERR_IO, "out of memory");
}

/* Text the store holds that is not UTF-8 (a tampered row) goes in escaped
 * rather than failing the whole report. */
static json_t *trace_str(const char *s)
{
	json_t *j;
	char *x;

	if (s == NULL)
		return json_string("");
	j = json_string(s);
	if (j != NULL)
		return j;
	x = check_escape(s, 1);
	j = x != NULL ? json_string(x) : NULL;
	free(x);
	return j;
}

static json_t *trace_time(int64_t t)
{
	char b[32];

	if (t <= 0)
		return json_null();
	check_time_text(t, b, sizeof b);
	return json_string(b);
}

static json_t *trace_int_or_null(int64_t v)
{
	return v != 0 ? json_integer(v) : json_null();
}

/* Sets o[k] = v (stolen, also on failure); non-zero when it failed. */
static int trace_set(json_t *o, const char *k, json_t *v)
{
	return o == NULL || json_object_set_new(o, k, v) != 0;
}

/* A string member of a signed body copied as it is, "" when absent. */
static json_t *trace_member(json_t *o, const char *k)
{
	const char *s = json_string_value(json_object_get(o, k));

	return trace_str(s != NULL ? s : "");
}

/* Names ledger entry seq in o ("seq", later "in_checkpoint"); 0: none. */
static int trace_ref(struct trace *t, json_t *o, int64_t seq)
{
	struct trace_ref *nv;

	if (seq <= 0)
		return trace_set(o, "seq", json_null()) ? trace_nomem(t) : 0;
	if (trace_set(o, "seq", json_integer(seq)))
		return trace_nomem(t);
	nv = realloc(t->refs, (t->nrefs + 1) * sizeof *t->refs);
	if (nv == NULL)
		return trace_nomem(t);
	t->refs = nv;
	t->refs[t->nrefs].seq = seq;
	t->refs[t->nrefs++].o = o;
	return 0;
}

static int trace_gap(struct trace *t, const char *kind, int64_t seq, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

/* One gap: a kind scripts can match and a sentence for people. */
static int trace_gap(struct trace *t, const char *kind, int64_t seq, const char *fmt, ...)
{
	char text[900];
	json_t *g = json_object();
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(text, sizeof text, fmt, ap);
	va_end(ap);
	if (g == NULL || json_array_append_new(t->gaps, g) != 0 || trace_set(g, "kind", json_string(kind)) ||
	    trace_set(g, "text", trace_str(text)) || trace_set(g, "seq", trace_int_or_null(seq)))
		return trace_nomem(t);
	return 0;
}

/* ---- the model and the version behind the alias ---- */

static int trace_no_version(struct trace *t)
{
	struct reg_aliases al;
	char list[300] = "", m[64];
	size_t i, used = 0;

	check_excerpt(t->model, m, sizeof m);
	if (registry_alias_list(t->st, t->model, &al, t->e) != 0)
		return -1;
	for (i = 0; i < al.n; i++) {
		int w = snprintf(list + used, sizeof list - used, "%s%s=%" PRId64, used ? ", " : "", al.v[i].alias,
				 al.v[i].version);

		if (w < 0 || (size_t)w >= sizeof list - used)
			break;
		used += (size_t)w;
	}
	registry_aliases_free(&al);
	return err_set(t->e, ERR_NOTFOUND, "alias \"%s\" of model \"%s\" points at no version (%s%s)", t->alias, m,
		       used ? "its aliases: " : "it has no aliases", list);
}

static int trace_subject(struct trace *t)
{
	struct reg_model m = { 0 };
	struct reg_version v = { 0 };
	json_t *mo = json_object(), *vo = json_object();
	int bad;

	if (mo == NULL || vo == NULL || trace_set(t->r, "model", mo) || trace_set(t->r, "version", vo))
		return trace_nomem(t);
	if (registry_model_get(t->st, t->model, &m, t->e) != 0)
		return -1;
	bad = trace_set(mo, "name", trace_str(m.name)) || trace_set(mo, "tier", json_string(registry_tier_name(m.tier))) ||
	      trace_set(mo, "owner", trace_str(m.owner)) || trace_set(mo, "description", trace_str(m.description)) ||
	      trace_set(mo, "source", trace_str(m.source));
	registry_model_clear(&m);
	if (bad)
		return trace_nomem(t);
	t->version = registry_alias_version(t->st, t->model, t->alias, t->e);
	if (t->version < 0)
		return -1;
	if (t->version == 0)
		return trace_no_version(t);
	if (registry_version_get(t->st, t->model, t->version, &v, t->e) != 0)
		return -1;
	bad = trace_set(vo, "number", json_integer(t->version)) || trace_set(vo, "digest", trace_str(v.digest)) ||
	      trace_set(vo, "digest_state", trace_str(v.digest_state)) ||
	      trace_set(vo, "digest_reason", trace_str(v.digest_reason)) ||
	      trace_set(vo, "artifact_uri", trace_str(v.artifact_uri)) || trace_set(vo, "author", trace_str(v.author)) ||
	      trace_set(vo, "run_id", trace_str(v.run_id)) || trace_set(vo, "source", trace_str(v.source)) ||
	      trace_set(vo, "created", trace_time(v.created)) || trace_set(vo, "aliases", trace_str(v.aliases));
	if (!bad && strcmp(v.digest_state, "verified") != 0)
		bad = trace_gap(t, "digest-unverified", 0,
				"version %" PRId64 "'s artifact digest is %s%s%s: nothing binds the decisions to the bytes that serve",
				t->version, v.digest_state[0] ? v.digest_state : "unknown", v.digest_reason[0] ? ": " : "",
				v.digest_reason) != 0;
	registry_version_clear(&v);
	return bad ? trace_nomem(t) : 0;
}

/* What the signed evidence entries say about the version: who recorded
 * it, its card and metrics, each with its entry. */
static int trace_evidence(struct trace *t)
{
	struct record_evidence ev;
	json_t *o = json_object(), *ver = json_object(), *card = json_object(), *tier = json_object(),
	       *met = json_object();
	int64_t newest = 0;
	size_t i;
	int bad;

	if (o == NULL || ver == NULL || card == NULL || tier == NULL || met == NULL) {
		json_decref(o);
		json_decref(ver);
		json_decref(card);
		json_decref(tier);
		json_decref(met);
		return trace_nomem(t);
	}
	bad = trace_set(t->r, "evidence", o) || trace_set(o, "version", ver) || trace_set(o, "card", card) ||
	      trace_set(o, "tier", tier) || trace_set(o, "metrics", met);
	if (bad)
		return trace_nomem(t);
	if (record_load(t->st, t->model, t->version, &ev, t->e) != 0)
		return -1;
	for (i = 0; i < ev.nmet; i++)
		if (ev.met[i].seq > newest)
			newest = ev.met[i].seq;
	bad = trace_set(ver, "author", trace_str(ev.author)) || trace_set(ver, "digest", trace_str(ev.digest)) ||
	      trace_set(card, "digest", trace_str(ev.card)) || trace_set(tier, "tier", trace_str(ev.tier)) ||
	      trace_set(met, "count", json_integer((json_int_t)ev.nmet));
	bad = bad || trace_ref(t, ver, ev.version_seq) || trace_ref(t, card, ev.card_seq) ||
	      trace_ref(t, tier, ev.tier_seq) || trace_ref(t, met, newest);
	if (!bad && ev.version_seq == 0)
		bad = trace_gap(t, "version-unattested", 0,
				"no signed entry records version %" PRId64 " (synced without a principal): no gate counts on it", t->version);
	else if (!bad && strcmp(ev.digest, json_string_value(json_object_get(json_object_get(t->r, "version"), "digest"))) != 0)
		bad = trace_gap(t, "version-disagrees", ev.version_seq,
				"the registry's table gives version %" PRId64 " another artifact digest than entry %" PRId64 " signed (%s)",
				t->version, ev.version_seq, ev.digest);
	record_evidence_free(&ev);
	return bad ? -1 : 0;
}

/* ---- alias moves ---- */

static json_t *trace_policy_json(json_t *pol)
{
	if (!json_is_object(pol))
		return json_null();
	return json_pack("{s:o, s:I, s:o}", "name", trace_member(pol, "name"), "version",
			 (json_int_t)json_integer_value(json_object_get(pol, "version")), "sha256", trace_member(pol, "sha256"));
}

/* Each gate rule as the signed entry recorded its result. */
static json_t *trace_results_json(json_t *res)
{
	json_t *a = json_array(), *x;
	size_t i;

	json_array_foreach(res, i, x) {
		json_t *o = json_pack("{s:o, s:o, s:o, s:o, s:o}", "rule", trace_member(x, "rule"), "kind", trace_member(x, "kind"),
				      "status", trace_member(x, "status"), "evidence", trace_member(x, "evidence"), "reason",
				      trace_member(x, "reason"));

		if (a == NULL || o == NULL || json_array_append_new(a, o) != 0) {
			json_decref(o);
			json_decref(a);
			return NULL;
		}
	}
	return a;
}

/* The approvals the gate weighed, as its signed evidence says. */
static json_t *trace_gate_approvals(json_t *ev)
{
	json_t *a = json_array(), *x;
	size_t i;

	json_array_foreach(json_object_get(ev, "approvals"), i, x) {
		json_t *o = json_pack("{s:o, s:o, s:b, s:o, s:o}", "principal", trace_member(x, "principal"), "role",
				      trace_member(x, "role"), "counts", json_is_true(json_object_get(x, "counts")), "issued",
				      trace_member(x, "issued"), "policy", trace_member(x, "policy"));

		if (a == NULL || o == NULL || json_array_append_new(a, o) != 0) {
			json_decref(o);
			json_decref(a);
			return NULL;
		}
	}
	return a;
}

static const char *trace_move_kind(const char *action)
{
	if (strcmp(action, "promotion.apply") == 0)
		return "a promotion through the gate";
	if (strcmp(action, "rollback") == 0)
		return "a rollback under policy";
	if (strcmp(action, "alias.set") == 0)
		return "an admin's direct move, no gate";
	if (strcmp(action, "alias.imported") == 0)
		return "imported from the registry, no gate";
	return "seen in the registry, no gate";
}

static int trace_move(struct trace *t, json_t *arr, const struct record_move *m, int current)
{
	json_t *o = json_object(), *body = NULL, *d;
	int bad;

	if (o == NULL || json_array_append_new(arr, o) != 0)
		return trace_nomem(t);
	if (proven_entry(t->st, m->seq, &body, t->e) != 0)
		return -1;
	d = json_object_get(body, "data");
	bad = trace_set(o, "time", trace_time(m->time)) || trace_set(o, "action", json_string(m->action)) ||
	      trace_set(o, "what", json_string(trace_move_kind(m->action))) || trace_set(o, "alias", trace_str(m->alias)) ||
	      trace_set(o, "version", json_integer(m->version)) || trace_set(o, "actor", trace_str(m->actor)) ||
	      trace_set(o, "governed", json_boolean(m->governed)) || trace_set(o, "current", json_boolean(current)) ||
	      trace_set(o, "previous", trace_int_or_null(json_integer_value(json_object_get(d, "previous")))) ||
	      trace_set(o, "from_version", trace_int_or_null(m->from)) ||
	      trace_set(o, "request", strcmp(m->action, "promotion.apply") == 0 ? trace_int_or_null(m->request) : json_null()) ||
	      trace_set(o, "review", strcmp(m->action, "rollback") == 0 ? trace_int_or_null(m->request) : json_null()) ||
	      trace_set(o, "reason", trace_str(m->reason)) || trace_set(o, "policy", trace_policy_json(json_object_get(d, "policy"))) ||
	      trace_set(o, "evidence_sha256", trace_member(d, "evidence_sha256")) ||
	      trace_set(o, "results", trace_results_json(json_object_get(d, "results"))) ||
	      trace_set(o, "approvals", trace_gate_approvals(json_object_get(d, "evidence")));
	json_decref(body);
	if (bad)
		return trace_nomem(t);
	return trace_ref(t, o, m->seq);
}

/* Every move that put the version on any alias (a version reaches
 * production through staging), and where the traced alias stands in the
 * ledger against the registry. */
static int trace_moves(struct trace *t)
{
	struct record_moves mv;
	const struct record_move *cur = NULL;
	json_t *arr = json_array(), *pl;
	size_t i;
	int rc = 0;

	if (arr == NULL || trace_set(t->r, "decisions", arr))
		return trace_nomem(t);
	if (record_alias_history(t->st, t->model, NULL, &mv, t->e) != 0)
		return -1;
	for (i = 0; i < mv.n; i++)
		if (strcmp(mv.v[i].alias, t->alias) == 0)
			cur = &mv.v[i];
	for (i = 0; rc == 0 && i < mv.n; i++)
		if (mv.v[i].version == t->version)
			rc = trace_move(t, arr, &mv.v[i], &mv.v[i] == cur);
	if (rc == 0 && cur == NULL)
		rc = trace_gap(t, "alias-not-in-ledger", 0,
			       "no ledger entry records %s pointing at version %" PRId64 "; only the registry's table says so",
			       t->alias, t->version);
	else if (rc == 0 && cur->version != t->version)
		rc = trace_gap(t, "alias-disagrees", cur->seq,
			       "the ledger's last move of %s (entry %" PRId64 ") points at version %" PRId64
			       ", but the registry's table says version %" PRId64,
			       t->alias, cur->seq, cur->version, t->version);
	else if (rc == 0 && !cur->governed)
		rc = trace_gap(t, "alias-move-ungoverned", cur->seq,
			       "%s was put at version %" PRId64 " by %s at entry %" PRId64 " (%s: %s), not by a promotion that passed its gate",
			       t->alias, t->version, cur->actor, cur->seq, cur->action, trace_move_kind(cur->action));
	if (rc == 0) {
		pl = cur == NULL ? json_null()
				 : json_pack("{s:s, s:b, s:o, s:o, s:I}", "action", cur->action, "governed", cur->governed, "actor",
					     trace_str(cur->actor), "time", trace_time(cur->time), "version", (json_int_t)cur->version);
		if (trace_set(t->r, "placement", json_incref(pl)))
			rc = trace_nomem(t);
		else if (cur != NULL)
			rc = trace_ref(t, pl, cur->seq);
		json_decref(pl);
	}
	record_moves_free(&mv);
	return rc;
}

/* ---- requests and decisions ---- */

static int trace_id_cmp(const void *a, const void *b)
{
	int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;

	return (x > y) - (x < y);
}

static int trace_push_id(int64_t **ids, size_t *n, int64_t id)
{
	int64_t *nv;

	if (id <= 0)
		return 0;
	nv = realloc(*ids, (*n + 1) * sizeof **ids);
	if (nv == NULL)
		return -1;
	*ids = nv;
	(*ids)[(*n)++] = id;
	return 0;
}

/* The requests about the version: those the ledger says were opened for
 * it or succeeded one, and those the moves name (a rollback's review). */
static int trace_request_ids(struct trace *t, int64_t **ids, size_t *n)
{
	struct ledger_entries l;
	json_t *dec, *m;
	char subject[200];
	size_t i, k;
	int bad = 0;

	*ids = NULL;
	*n = 0;
	snprintf(subject, sizeof subject, "models:/%s/%" PRId64, t->model, t->version);
	if (ledger_entries(t->st, subject, NULL, &l, t->e) != 0)
		return -1;
	for (i = 0; !bad && i < l.n; i++) {
		json_t *b, *d;

		if (strcmp(l.v[i].action, "request.open") != 0 && strcmp(l.v[i].action, "request.supersede") != 0)
			continue;
		/* Only where to look: each request is checked against its own entry below. */
		b = json_loadb(l.v[i].body, l.v[i].len, 0, NULL);
		d = json_object_get(b, "data");
		bad = trace_push_id(ids, n, json_integer_value(json_object_get(d, "request"))) != 0 ||
		      trace_push_id(ids, n, json_integer_value(json_object_get(d, "successor"))) != 0;
		json_decref(b);
	}
	ledger_entries_free(&l);
	dec = json_object_get(t->r, "decisions");
	json_array_foreach(dec, i, m) {
		if (bad)
			break;
		bad = trace_push_id(ids, n, json_integer_value(json_object_get(m, "request"))) != 0 ||
		      trace_push_id(ids, n, json_integer_value(json_object_get(m, "review"))) != 0;
	}
	if (bad) {
		free(*ids);
		*ids = NULL;
		return trace_nomem(t);
	}
	if (*n == 0)
		return 0;
	qsort(*ids, *n, sizeof **ids, trace_id_cmp);
	for (i = k = 0; i < *n; i++)
		if (k == 0 || (*ids)[k - 1] != (*ids)[i])
			(*ids)[k++] = (*ids)[i];
	*n = k;
	return 0;
}

/* The move in the report that applied request id (or opened it as a
 * rollback's review), NULL when none. */
static json_t *trace_move_of(struct trace *t, int64_t id, int review)
{
	json_t *m;
	size_t i;

	json_array_foreach(json_object_get(t->r, "decisions"), i, m)
		if (json_integer_value(json_object_get(m, review ? "review" : "request")) == id)
			return m;
	return NULL;
}

/* Whether the gate that applied the request counted decision a: its
 * signed evidence lists the approvals it weighed. */
static int trace_gate_counted(json_t *move, const struct approval_eval *a)
{
	json_t *x;
	size_t i;

	json_array_foreach(json_object_get(move, "approvals"), i, x)
		if (json_is_true(json_object_get(x, "counts")) &&
		    strcmp(json_string_value(json_object_get(x, "principal")), a->principal) == 0 &&
		    strcmp(json_string_value(json_object_get(x, "role")), a->role) == 0)
			return 1;
	return 0;
}

static int trace_decision(struct trace *t, json_t *arr, const struct approval_request *rq, const struct approval_eval *a,
			  json_t *applied, int behind)
{
	json_t *o = json_object();
	int by_gate = applied != NULL && a->approve ? trace_gate_counted(applied, a) : -1;
	char why[500];
	int bad;

	if (o == NULL || json_array_append_new(arr, o) != 0)
		return trace_nomem(t);
	snprintf(why, sizeof why, "%s", a->why);
	/* Valid when recorded, yet the gate did not count it when it ran. */
	if (a->counts && by_gate == 0) {
		int64_t at = check_time_parse(json_string_value(json_object_get(applied, "time")));
		char exp[32], ran[32];

		check_time_text(a->expires, exp, sizeof exp);
		check_time_text(at, ran, sizeof ran);
		if (a->expires > 0 && at > a->expires)
			snprintf(why, sizeof why, "it had expired (%s) when the gate applied request %" PRId64 " (%s)", exp,
				 rq->id, ran);
		else
			snprintf(why, sizeof why, "the gate that applied request %" PRId64 " did not count it", rq->id);
	}
	bad = trace_set(o, "id", json_integer(a->id)) || trace_set(o, "principal", trace_str(a->principal)) ||
	      trace_set(o, "role", trace_str(a->role)) || trace_set(o, "key", trace_str(a->key_id)) ||
	      trace_set(o, "decision", json_string(a->approve ? "approve" : "reject")) ||
	      trace_set(o, "issued", trace_time(a->issued)) || trace_set(o, "expires", trace_time(a->expires)) ||
	      trace_set(o, "recorded", trace_time(a->recorded)) || trace_set(o, "keyring_version", json_integer(a->keyring_ver)) ||
	      trace_set(o, "comment", trace_str(a->comment)) || trace_set(o, "counts", json_boolean(a->counts && by_gate != 0)) ||
	      trace_set(o, "why", trace_str(a->counts && by_gate != 0 ? "" : why)) ||
	      trace_set(o, "counted_by_gate", by_gate < 0 ? json_null() : json_boolean(by_gate));
	if (bad)
		return trace_nomem(t);
	if (trace_ref(t, o, a->seq) != 0)
		return -1;
	/* Only decisions on what put the version there (or on the review its
	 * rollback owes) are gaps; the others are shown for the record. */
	if (behind && !(a->counts && by_gate != 0))
		return trace_gap(t, "approval-does-not-count", a->seq, "%s %" PRId64 " on request %" PRId64 " by %s (%s) does not count: %s",
				 a->approve ? "approval" : "rejection", a->id, rq->id, a->principal, a->role, why);
	return 0;
}

static int trace_request(struct trace *t, json_t *arr, int64_t id)
{
	struct approval_request rq;
	json_t *o = json_object(), *needs = json_array(), *dec = json_array(), *applied, *opened;
	size_t i;
	int bad, review;

	if (o == NULL || needs == NULL || dec == NULL || json_array_append_new(arr, o) != 0) {
		json_decref(needs);
		json_decref(dec);
		return trace_nomem(t);
	}
	if (trace_set(o, "needs", needs) || trace_set(o, "decisions", dec))
		return trace_nomem(t);
	if (approval_request_get(t->st, id, &rq, t->e) != 0)
		return -1;
	/* A review is owed after the rollback that opened it: its decisions
	 * come later, and no gate weighs them. */
	review = strcmp(rq.kind, "review") == 0;
	applied = review ? NULL : trace_move_of(t, id, 0);
	opened = review ? trace_move_of(t, id, 1) : NULL;
	bad = trace_set(o, "id", json_integer(rq.id)) || trace_set(o, "kind", trace_str(rq.kind)) ||
	      trace_set(o, "from", trace_str(rq.from)) || trace_set(o, "to", trace_str(rq.to)) ||
	      trace_set(o, "state", trace_str(rq.state)) || trace_set(o, "requester", trace_str(rq.requester)) ||
	      trace_set(o, "comment", trace_str(rq.comment)) || trace_set(o, "created", trace_time(rq.created)) ||
	      trace_set(o, "due", trace_time(rq.due)) || trace_set(o, "closed", trace_str(rq.closed)) ||
	      trace_set(o, "tampered", trace_str(rq.tampered)) ||
	      trace_set(o, "policy", rq.policy[0] ? json_pack("{s:o, s:I, s:o}", "name", trace_str(rq.policy_name), "version",
							     (json_int_t)rq.policy_version, "sha256", trace_str(rq.policy))
					   : json_null()) ||
	      trace_set(o, "counted", json_integer(rq.counted)) || trace_set(o, "required", json_integer(rq.required)) ||
	      trace_set(o, "satisfied", json_boolean(rq.satisfied)) ||
	      trace_set(o, "applied_by", applied != NULL ? json_deep_copy(json_object_get(applied, "seq")) : json_null()) ||
	      trace_set(o, "opened_by", opened != NULL ? json_deep_copy(json_object_get(opened, "seq")) : json_null());
	for (i = 0; !bad && i < rq.nneeds; i++)
		bad = json_array_append_new(needs, json_pack("{s:s, s:i, s:i}", "role",
							     rq.needs[i].role ? keyring_role_name(rq.needs[i].role) : "any",
							     "count", rq.needs[i].count, "have", rq.needs[i].have)) != 0;
	if (bad) {
		approval_request_clear(&rq);
		return trace_nomem(t);
	}
	if (trace_ref(t, o, rq.seq) != 0) {
		approval_request_clear(&rq);
		return -1;
	}
	for (i = 0; i < rq.n; i++)
		if (trace_decision(t, dec, &rq, &rq.v[i], applied, applied != NULL || opened != NULL) != 0) {
			approval_request_clear(&rq);
			return -1;
		}
	if (rq.tampered[0] != '\0' && trace_gap(t, "request-tampered", rq.seq, "request %" PRId64 ": %s", rq.id, rq.tampered) != 0) {
		approval_request_clear(&rq);
		return -1;
	}
	if (strcmp(rq.kind, "review") == 0 && strcmp(rq.state, "open") == 0 && rq.due > 0 && rq.due < store_now() &&
	    !rq.satisfied && trace_gap(t, "review-overdue", rq.seq,
				       "the post-incident review (request %" PRId64 ") after the rollback was due %s and is not signed",
				       rq.id, json_string_value(json_object_get(o, "due"))) != 0) {
		approval_request_clear(&rq);
		return -1;
	}
	approval_request_clear(&rq);
	return 0;
}

static int trace_requests(struct trace *t)
{
	json_t *arr = json_array();
	int64_t *ids;
	size_t n, i;
	int rc = 0;

	if (arr == NULL || trace_set(t->r, "requests", arr))
		return trace_nomem(t);
	if (trace_request_ids(t, &ids, &n) != 0)
		return -1;
	for (i = 0; rc == 0 && i < n; i++)
		rc = trace_request(t, arr, ids[i]);
	free(ids);
	return rc;
}

/* The policy in force for the tier now: a later one does not undo what a
 * gate decided under the one before, but an auditor compares them. */
static int trace_policy_now(struct trace *t)
{
	char name[65], digest[72];
	const char *tier = json_string_value(json_object_get(json_object_get(t->r, "model"), "tier"));
	int64_t ver;
	int rc = approval_policy_for_tier(t->st, tier, name, &ver, digest, NULL, t->e);

	if (rc < 0)
		return -1;
	if (trace_set(t->r, "policy_in_force",
		      rc == 0 ? json_null()
			      : json_pack("{s:o, s:I, s:s}", "name", trace_str(name), "version", (json_int_t)ver, "sha256", digest)))
		return trace_nomem(t);
	return 0;
}

/* ---- lineage ---- */

static json_t *trace_node_json(const struct lineage_graph *g, size_t i, int training, const char *gap)
{
	const struct lineage_node *n = &g->n[i];
	char id[48];

	snprintf(id, sizeof id, "%s:%" PRId64, lineage_kind_name(n->kind), n->id);
	return json_pack("{s:s, s:s, s:o, s:o, s:o, s:o, s:o, s:o, s:o, s:i, s:b, s:s}", "id", id, "kind",
			 lineage_kind_name(n->kind), "namespace", trace_str(n->ns), "name", trace_str(n->name), "version",
			 trace_str(n->version), "digest", trace_str(n->digest), "state", trace_str(n->state), "source",
			 trace_str(n->source), "time", trace_time(n->time), "depth", n->depth, "training", training, "gap", gap);
}

/* Per node, from one pass over the edges: a training run is a run that
 * produced the version (n[0]), an input a dataset version such a run read. */
struct trace_roles {
	unsigned char *training, *input;
	size_t *reads;
};

static int trace_roles(const struct lineage_graph *g, struct trace_roles *r)
{
	size_t k, n = g->nn ? g->nn : 1;

	r->training = calloc(n, 1);
	r->input = calloc(n, 1);
	r->reads = calloc(n, sizeof *r->reads);
	if (r->training == NULL || r->input == NULL || r->reads == NULL)
		return -1;
	for (k = 0; k < g->ne; k++) {
		if (g->e[k].to == 0 && g->n[g->e[k].from].kind == LINEAGE_RUN)
			r->training[g->e[k].from] = 1;
		if (g->n[g->e[k].from].kind == LINEAGE_DATASET)
			r->reads[g->e[k].to]++;
	}
	for (k = 0; k < g->ne; k++)
		if (g->n[g->e[k].from].kind == LINEAGE_DATASET && r->training[g->e[k].to])
			r->input[g->e[k].from] = 1;
	return 0;
}

static void trace_roles_free(struct trace_roles *r)
{
	free(r->training);
	free(r->input);
	free(r->reads);
}

/* What node i lacks for lineage-complete (steward-policy(5)), "" when
 * nothing: a training run that did not end COMPLETE or read nothing, a
 * dataset version a training run read without a digest. */
static int trace_node_gap(struct trace *t, const struct lineage_graph *g, const struct trace_roles *r, size_t i,
			  const char **gap)
{
	const struct lineage_node *n = &g->n[i];

	*gap = "";
	if (r->training[i] && r->reads[i] == 0) {
		*gap = "no inputs";
		if (trace_gap(t, "run-without-inputs", 0, "training run %s of job %s/%s read no dataset", n->version, n->ns,
			      n->name) != 0)
			return -1;
	}
	/* Both can hold; the node names the graver. */
	if (r->training[i] && strcmp(n->state, "COMPLETE") != 0) {
		*gap = strcmp(n->state, "FAIL") == 0 || strcmp(n->state, "ABORT") == 0 ? "run failed" : "run unfinished";
		return trace_gap(t, "run-not-complete", 0, "training run %s of job %s/%s is %s, not COMPLETE", n->version, n->ns,
				 n->name, n->state[0] ? n->state : "in no known state");
	}
	if (r->input[i] && n->digest[0] == '\0') {
		*gap = "no digest";
		return trace_gap(t, "dataset-without-digest", 0,
				 "dataset %s/%s%s%s, read by a training run, has no digest: nobody can tell which bytes trained the model",
				 n->ns, n->name, n->version[0] ? " version " : "", n->version);
	}
	return 0;
}

static int trace_graph(struct trace *t, json_t *l, const struct lineage_graph *g, int recorded)
{
	json_t *nodes = json_array(), *edges = json_array();
	struct trace_roles roles;
	size_t i;
	int rc = 0;

	if (nodes == NULL || edges == NULL) {
		json_decref(nodes);
		json_decref(edges);
		return trace_nomem(t);
	}
	if (trace_set(l, "nodes", nodes) || trace_set(l, "edges", edges) || trace_set(l, "truncated", json_boolean(g->truncated)))
		return trace_nomem(t);
	if (trace_roles(g, &roles) != 0) {
		trace_roles_free(&roles);
		return trace_nomem(t);
	}
	for (i = 0; rc == 0 && i < g->nn; i++) {
		const char *gap;

		rc = trace_node_gap(t, g, &roles, i, &gap);
		/* The version itself (n[0]) when nothing trained it: the picture says so on it. */
		if (i == 0 && !recorded)
			gap = "no lineage";
		if (rc == 0 && json_array_append_new(nodes, trace_node_json(g, i, roles.training[i], gap)) != 0)
			rc = trace_nomem(t);
	}
	trace_roles_free(&roles);
	for (i = 0; rc == 0 && i < g->ne; i++) {
		const struct lineage_node *a = &g->n[g->e[i].from], *b = &g->n[g->e[i].to];
		char from[48], to[48];

		snprintf(from, sizeof from, "%s:%" PRId64, lineage_kind_name(a->kind), a->id);
		snprintf(to, sizeof to, "%s:%" PRId64, lineage_kind_name(b->kind), b->id);
		if (json_array_append_new(edges, json_pack("[s, s]", from, to)) != 0)
			rc = trace_nomem(t);
	}
	if (rc == 0 && g->truncated)
		rc = trace_gap(t, "lineage-truncated", 0, "the lineage graph was cut at %d nodes: the report does not show all of it",
			       LINEAGE_NODES_MAX);
	return rc;
}

/* The training runs and dataset versions upstream of the version, what
 * the store computes of lineage-complete, and what the newest signed
 * lineage.set entry (the one a gate reads) says. */
static int trace_lineage(struct trace *t)
{
	struct lineage_status ls;
	struct lineage_evidence ev;
	struct lineage_graph g;
	json_t *l = json_object(), *at;
	int rc;

	if (l == NULL || trace_set(t->r, "lineage", l))
		return trace_nomem(t);
	if (lineage_status_of(t->st, t->model, t->version, &ls, t->e) != 0)
		return -1;
	rc = trace_set(l, "recorded", json_boolean(ls.has)) || trace_set(l, "complete", json_boolean(ls.complete)) ||
	     trace_set(l, "why", trace_str(ls.why)) || trace_set(l, "runs", json_integer(ls.nruns)) ||
	     trace_set(l, "inputs", json_integer(ls.ninputs)) || trace_set(l, "undigested", json_integer(ls.nundigested)) ||
	     trace_set(l, "digest", trace_str(ls.digest));
	lineage_status_free(&ls);
	if (rc)
		return trace_nomem(t);
	if (lineage_gate_evidence(t->st, t->model, t->version, &ev, t->e) != 0)
		return -1;
	at = ev.has ? json_pack("{s:o, s:b, s:o, s:o, s:b}", "signer", trace_str(ev.signer), "complete", ev.complete, "why",
				trace_str(ev.why), "digest", trace_str(ev.digest), "current", ev.current)
		    : json_null();
	if (trace_set(l, "attestation", at))
		return trace_nomem(t);
	if (ev.has && trace_ref(t, at, ev.seq) != 0)
		return -1;
	if (lineage_graph_version(t->st, t->model, t->version, LINEAGE_UP, 0, &g, t->e) != 0)
		return -1;
	rc = trace_graph(t, l, &g, json_is_true(json_object_get(l, "recorded")));
	lineage_graph_free(&g);
	if (rc != 0)
		return -1;
	if (!json_is_true(json_object_get(l, "recorded")))
		return trace_gap(t, "lineage-missing", 0,
				 "no training run is linked to version %" PRId64 ": which data and jobs produced it is not recorded",
				 t->version);
	if (!ev.has)
		return trace_gap(t, "lineage-unattested", 0,
				 "the lineage is stored but no signed lineage.set entry attests it: a gate does not count it"
				 " ('steward lineage attest' signs it)");
	if (!ev.current)
		return trace_gap(t, "lineage-attestation-stale", ev.seq,
				 "the store's lineage no longer matches what entry %" PRId64 " signed (%s)", ev.seq, ev.digest);
	return 0;
}

/* ---- the checkpoint ---- */

static int trace_ref_cmp(const void *a, const void *b)
{
	const struct trace_ref *x = a, *y = b;

	return (x->seq > y->seq) - (x->seq < y->seq);
}

/* 1 when entry seq proves into root at size, 0 when the proof fails. */
static int trace_prove(struct trace *t, int64_t seq, int64_t size, const merkle_hash root)
{
	struct ledger_inclusion p;
	merkle_hash leaf;
	int ok;

	if (ledger_prove(t->st, seq, &p, t->e) != 0)
		return -1;
	merkle_leaf(p.body, p.len, leaf);
	ok = p.size == size && merkle_inclusion_verify((uint64_t)(seq - 1), (uint64_t)size, leaf,
						       (const merkle_hash *)p.path, p.plen, root);
	ledger_inclusion_clear(&p);
	return ok;
}

/* One row of the index of entries the trail names. */
static int trace_index(struct trace *t, json_t *idx, int64_t seq, const char *proof)
{
	struct ledger_entry x;
	json_t *o;

	if (ledger_entry_get(t->st, seq, &x, t->e) != 0)
		return -1;
	o = json_pack("{s:I, s:o, s:o, s:o, s:o, s:b, s:s}", "seq", (json_int_t)seq, "time", trace_time(x.time), "actor",
		      trace_str(x.actor), "action", trace_str(x.action), "subject", trace_str(x.subject), "in_checkpoint",
		      strcmp(proof, "verified") == 0, "proof", proof);
	ledger_entry_clear(&x);
	if (o == NULL || json_array_append_new(idx, o) != 0)
		return trace_nomem(t);
	return 0;
}

/* Whether the newest signed checkpoint includes each entry the trail
 * names: its signature under the log key, then each entry's inclusion
 * proof against its root. */
static int trace_checkpoint(struct trace *t)
{
	char name[KEYS_NAME_MAX + 1], b64[sodium_base64_ENCODED_LEN(MERKLE_HASH, sodium_base64_VARIANT_ORIGINAL)];
	char after[400] = "";
	uint8_t pk[KEYS_PK_BYTES];
	merkle_hash root;
	int64_t size = 0, total = ledger_size(t->st), nafter = 0;
	json_t *idx = json_array(), *cp;
	char *note = NULL;
	size_t i, used = 0;
	int rc = 0;

	if (idx == NULL || trace_set(t->r, "entries", idx))
		return trace_nomem(t);
	if (ledger_latest_checkpoint(t->st, &size, &note, t->e) != 0)
		return -1;
	if (size > 0 && (ledger_logkey_public(t->st, name, sizeof name, pk, t->e) != 0 ||
			 ledger_note_read(note, name, pk, &size, root, t->e) != 0)) {
		free(note);
		return err_prefix(t->e, "the newest checkpoint does not verify");
	}
	if (size == 0) {
		cp = json_null();
	} else {
		sodium_bin2base64(b64, sizeof b64, root, MERKLE_HASH, sodium_base64_VARIANT_ORIGINAL);
		cp = json_pack("{s:I, s:s, s:o, s:o, s:I, s:I}", "size", (json_int_t)size, "root", b64, "origin", trace_str(name),
			       "note", trace_str(note), "ledger_size", (json_int_t)total, "entries_after", (json_int_t)(total - size));
	}
	free(note);
	if (trace_set(t->r, "checkpoint", cp))
		return trace_nomem(t);
	if (size == 0 && (rc = trace_gap(t, "no-checkpoint", 0,
					 "no checkpoint has been signed: no entry of this trail is covered by a signed root")) != 0)
		return rc;
	if (t->nrefs > 0)
		qsort(t->refs, t->nrefs, sizeof *t->refs, trace_ref_cmp);
	for (i = 0; rc == 0 && i < t->nrefs; i++) {
		const struct trace_ref *x = &t->refs[i];
		int in = 0, first = i == 0 || t->refs[i - 1].seq != x->seq;
		const char *proof = "after checkpoint";

		if (!first) {
			in = json_is_true(json_object_get(t->refs[i - 1].o, "in_checkpoint"));
		} else if (x->seq <= size) {
			in = trace_prove(t, x->seq, size, root);
			if (in < 0)
				return -1;
			proof = in ? "verified" : "failed";
			if (!in)
				rc = trace_gap(t, "inclusion-proof-failed", x->seq,
					       "entry %" PRId64 " does not prove into the checkpoint's signed root (size %" PRId64 ")",
					       x->seq, size);
		} else {
			int w = snprintf(after + used, sizeof after - used, "%s%" PRId64, nafter ? ", " : "", x->seq);

			if (w > 0 && (size_t)w < sizeof after - used)
				used += (size_t)w;
			nafter++;
		}
		if (rc == 0 && trace_set(x->o, "in_checkpoint", json_boolean(in)))
			rc = trace_nomem(t);
		if (rc == 0 && first)
			rc = trace_index(t, idx, x->seq, proof);
	}
	if (rc == 0 && nafter > 0 && size > 0)
		rc = trace_gap(t, "after-checkpoint", 0,
			       "%" PRId64 " entr%s of this trail (%s) %s after the newest checkpoint (size %" PRId64
			       "): no signed root covers %s yet",
			       nafter, nafter == 1 ? "y" : "ies", after, nafter == 1 ? "is" : "are", size, nafter == 1 ? "it" : "them");
	return rc;
}

int trace_build(struct store *st, const char *model, const char *alias, json_t **out, struct err *e)
{
	struct trace t = { .st = st, .model = model, .alias = alias, .e = e };
	int rc;

	*out = NULL;
	if (check_alias(alias, e) != 0)
		return -1;
	t.r = json_object();
	t.gaps = json_array();
	if (t.r == NULL || t.gaps == NULL) {
		json_decref(t.r);
		json_decref(t.gaps);
		return err_set(e, ERR_IO, "out of memory");
	}
	rc = trace_set(t.r, "report", json_string("steward trace")) || trace_set(t.r, "format", json_integer(TRACE_FORMAT)) ||
	     trace_set(t.r, "generated", trace_time(store_now())) || trace_set(t.r, "alias", json_string(alias)) ||
	     trace_set(t.r, "gaps", json_incref(t.gaps))
		     ? trace_nomem(&t)
		     : 0;
	rc = rc || trace_subject(&t) || trace_evidence(&t) || trace_moves(&t) || trace_requests(&t) ||
	     trace_policy_now(&t) || trace_lineage(&t) || trace_checkpoint(&t);
	if (rc == 0 && trace_set(t.r, "gap_count", json_integer((json_int_t)json_array_size(t.gaps))))
		rc = trace_nomem(&t);
	free(t.refs);
	json_decref(t.gaps);
	if (rc != 0) {
		json_decref(t.r);
		return -1;
	}
	*out = t.r;
	return 0;
}
