/* record: evidence changes appended as their actor's signed acts, and read back from the ledger for the gate. */
#include "record.h"

#include <ctype.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>
#include <sodium.h>

#include "check.h"
#include "gate.h"
#include "ledger.h"
#include "proven.h"

static int record_append(struct store *st, const struct principal *who, const char *action, const char *subject,
			 json_t *data, const char *via, struct err *e)
{
	int rc;

	if (data == NULL)
		return err_set(e, ERR_IO, "out of memory recording %s", action);
	if (who == NULL) {
		/* A plugin synced without a principal: seen, not attested. */
		json_decref(data);
		return 0;
	}
	if (via != NULL && via[0] != '\0' && json_object_set_new(data, "via", json_string(via)) != 0) {
		json_decref(data);
		return err_set(e, ERR_IO, "out of memory recording %s", action);
	}
	rc = ledger_append_act(st, who->key, who->name, action, subject, data, NULL, e);
	json_decref(data);
	return rc;
}

int record_model(struct store *st, const struct principal *who, const char *name, const char *tier,
		 const char *owner, const char *description, const char *via, struct err *e)
{
	char subject[200];

	snprintf(subject, sizeof subject, "models:/%s", name);
	return record_append(st, who, "model.set", subject,
			     json_pack("{s:s, s:s, s:s, s:s}", "model", name, "tier", tier, "owner", owner, "description",
				       description),
			     via, e);
}

int record_version(struct store *st, const struct principal *who, const char *model, int64_t version,
		   const char *artifact, const char *digest, int verified, const char *author, const char *run,
		   const char *via, struct err *e)
{
	char subject[200];

	snprintf(subject, sizeof subject, "models:/%s/%" PRId64, model, version);
	return record_append(st, who, "version.set", subject,
			     json_pack("{s:s, s:I, s:s, s:s, s:b, s:s, s:s}", "model", model, "version",
				       (json_int_t)version, "artifact", artifact, "digest", digest, "digest_verified",
				       verified, "author", author, "run", run),
			     via, e);
}

int record_card_digest(const struct card *c, char out[72])
{
	json_t *a = json_array();
	char *canon;
	size_t i;

	for (i = 0; a != NULL && i < c->n; i++)
		if (json_array_append_new(a, json_pack("[s, s]", c->s[i].title, c->s[i].body)) != 0) {
			json_decref(a);
			a = NULL;
		}
	canon = a != NULL ? json_dumps(a, JSON_COMPACT | JSON_ENSURE_ASCII) : NULL;
	json_decref(a);
	if (canon == NULL)
		return -1;
	gate_digest(canon, strlen(canon), out);
	free(canon);
	return 0;
}

int record_card(struct store *st, const struct principal *who, const char *model, int64_t version,
		const struct card *c, const char *via, struct err *e)
{
	char subject[200], digest[72];

	if (record_card_digest(c, digest) != 0)
		return err_set(e, ERR_IO, "out of memory hashing a card");
	snprintf(subject, sizeof subject, "models:/%s/%" PRId64, model, version);
	return record_append(st, who, "card.set", subject,
			     json_pack("{s:s, s:I, s:s, s:I}", "model", model, "version", (json_int_t)version, "sha256",
				       digest, "sections", (json_int_t)c->n),
			     via, e);
}

int record_metric(struct store *st, const struct principal *who, const char *model, int64_t version,
		  const char *name, double value, const char *dataset, const char *slice, const char *via,
		  struct err *e)
{
	char subject[200];

	snprintf(subject, sizeof subject, "models:/%s/%" PRId64, model, version);
	return record_append(st, who, "metric.set", subject,
			     json_pack("{s:s, s:I, s:s, s:f, s:s, s:s}", "model", model, "version", (json_int_t)version,
				       "name", name, "value", value, "dataset", dataset, "slice", slice),
			     via, e);
}

/* The part of a name that identifies a person: before any '@', any case. */
static size_t record_person_len(const char *s)
{
	const char *at = strchr(s, '@');

	return at != NULL ? (size_t)(at - s) : strlen(s);
}

int record_same_person(const char *a, const char *b)
{
	size_t la, lb, i;

	if (a == NULL || b == NULL)
		return 0;
	while (*a == ' ')
		a++;
	while (*b == ' ')
		b++;
	la = record_person_len(a);
	lb = record_person_len(b);
	while (la > 0 && a[la - 1] == ' ')
		la--;
	while (lb > 0 && b[lb - 1] == ' ')
		lb--;
	if (la == 0 || la != lb)
		return 0;
	for (i = 0; i < la; i++)
		if (tolower((unsigned char)a[i]) != tolower((unsigned char)b[i]))
			return 0;
	return 1;
}

void record_evidence_free(struct record_evidence *r)
{
	free(r->met);
	memset(r, 0, sizeof *r);
}

static int record_apply(struct record_evidence *r, int64_t seq, json_t *j, struct err *e)
{
	const char *action = json_string_value(json_object_get(j, "action"));
	json_t *d = json_object_get(j, "data");
	const char *x;
	size_t i;

	if (action == NULL)
		return 0;
	if (strcmp(action, "model.set") == 0) {
		x = json_string_value(json_object_get(d, "tier"));
		snprintf(r->tier, sizeof r->tier, "%s", x ? x : "");
		r->tier_seq = seq;
	} else if (strcmp(action, "version.set") == 0) {
		x = json_string_value(json_object_get(d, "digest"));
		snprintf(r->digest, sizeof r->digest, "%s", x ? x : "");
		x = json_string_value(json_object_get(d, "author"));
		snprintf(r->author, sizeof r->author, "%s", x ? x : "");
		r->verified = json_is_true(json_object_get(d, "digest_verified"));
		r->version_seq = seq;
	} else if (strcmp(action, "card.set") == 0) {
		x = json_string_value(json_object_get(d, "sha256"));
		snprintf(r->card, sizeof r->card, "%s", x ? x : "");
		r->card_seq = seq;
	} else if (strcmp(action, "metric.set") == 0) {
		const char *name = json_string_value(json_object_get(d, "name")),
			   *ds = json_string_value(json_object_get(d, "dataset")),
			   *sl = json_string_value(json_object_get(d, "slice"));
		struct record_metric *m = NULL;

		if (name == NULL || ds == NULL || sl == NULL || !json_is_number(json_object_get(d, "value")))
			return err_set(e, ERR_DENIED, "ledger entry %" PRId64 ": metric.set is malformed", seq);
		for (i = 0; i < r->nmet && m == NULL; i++)
			if (strcmp(r->met[i].name, name) == 0 && strcmp(r->met[i].dataset, ds) == 0 &&
			    strcmp(r->met[i].slice, sl) == 0)
				m = &r->met[i];
		if (m == NULL) {
			struct record_metric *nv = realloc(r->met, (r->nmet + 1) * sizeof *r->met);

			if (nv == NULL)
				return err_set(e, ERR_IO, "out of memory");
			r->met = nv;
			m = &r->met[r->nmet++];
			memset(m, 0, sizeof *m);
			snprintf(m->name, sizeof m->name, "%s", name);
			snprintf(m->dataset, sizeof m->dataset, "%s", ds);
			snprintf(m->slice, sizeof m->slice, "%s", sl);
		}
		m->value = json_number_value(json_object_get(d, "value"));
		m->seq = seq;
	} else {
		return 0;
	}
	r->newest_seq = seq;
	snprintf(r->newest_action, sizeof r->newest_action, "%s", action);
	return 0;
}

int record_load(struct store *st, const char *model, int64_t version, struct record_evidence *out, struct err *e)
{
	const struct proven_keyring *kr;
	char msub[200], vsub[200];
	struct db_stmt *s;
	int rc, r = 0;

	memset(out, 0, sizeof *out);
	if (proven_keyring_load(st, &kr, e) != 0)
		return -1;
	snprintf(msub, sizeof msub, "models:/%s", model);
	snprintf(vsub, sizeof vsub, "models:/%s/%" PRId64, model, version);
	if (store_stmt(st, &s,
		       "SELECT seq, body, leaf, sig FROM ledger WHERE (subject = ?1 AND action || '' = 'model.set')"
		       " OR (subject = ?2 AND action || '' IN ('version.set', 'card.set', 'metric.set')) ORDER BY seq",
		       e) != 0)
		return -1;
	db_bind_text(s, 1, msub, -1, DB_STATIC);
	db_bind_text(s, 2, vsub, -1, DB_STATIC);
	while (r == 0 && (rc = db_step(s)) == DB_ROW) {
		int64_t seq = db_column_int64(s, 0);
		json_t *j;

		r = proven_row(kr, seq, s, 1, &j, e);
		if (r == 0) {
			r = record_apply(out, seq, j, e);
			json_decref(j);
		}
	}
	if (r == 0 && rc != DB_DONE)
		r = store_fail(st, e, "reading the evidence from the ledger");
	store_stmt_done(st, s);
	if (r != 0)
		record_evidence_free(out);
	return r;
}

static int record_metric_cmp(const void *a, const void *b)
{
	const struct record_metric *x = a, *y = b;
	int c = strcmp(x->name, y->name);

	if (c == 0)
		c = strcmp(x->dataset, y->dataset);
	return c != 0 ? c : strcmp(x->slice, y->slice);
}

int record_snapshot(const struct record_evidence *r, const char *policy, char out[72])
{
	struct record_metric *m = NULL;
	json_t *o, *a;
	char *canon;
	size_t i;

	if (r->nmet > 0) {
		m = malloc(r->nmet * sizeof *m);
		if (m == NULL)
			return -1;
		memcpy(m, r->met, r->nmet * sizeof *m);
		qsort(m, r->nmet, sizeof *m, record_metric_cmp);
	}
	a = json_array();
	for (i = 0; a != NULL && i < r->nmet; i++)
		if (json_array_append_new(a, json_pack("[s, s, s, f]", m[i].name, m[i].dataset, m[i].slice, m[i].value)) != 0) {
			json_decref(a);
			a = NULL;
		}
	free(m);
	o = a != NULL ? json_pack("{s:s, s:s, s:o, s:s}", "artifact", r->digest, "card", r->card, "metrics", a, "policy",
				  policy != NULL ? policy : "")
		      : NULL;
	canon = o != NULL ? json_dumps(o, JSON_COMPACT | JSON_SORT_KEYS | JSON_ENSURE_ASCII) : NULL;
	json_decref(o);
	if (canon == NULL)
		return -1;
	gate_digest(canon, strlen(canon), out);
	free(canon);
	return 0;
}

void record_moves_free(struct record_moves *m)
{
	free(m->v);
	memset(m, 0, sizeof *m);
}

static int record_move_of(json_t *j, const char *alias, struct record_move *mv)
{
	const char *action = json_string_value(json_object_get(j, "action"));
	json_t *d = json_object_get(j, "data");
	const char *a = json_string_value(json_object_get(d, "alias"));

	const char *actor = json_string_value(json_object_get(j, "actor")),
		   *when = json_string_value(json_object_get(j, "time")),
		   *reason = json_string_value(json_object_get(d, "reason"));

	if (action == NULL || a == NULL || (alias != NULL && strcmp(a, alias) != 0))
		return 0;
	memset(mv, 0, sizeof *mv);
	snprintf(mv->action, sizeof mv->action, "%s", action);
	snprintf(mv->alias, sizeof mv->alias, "%.64s", a);
	snprintf(mv->actor, sizeof mv->actor, "%.100s", actor ? actor : "");
	snprintf(mv->reason, sizeof mv->reason, "%.255s", reason ? reason : "");
	mv->time = when ? check_time_parse(when) : 0;
	if (strcmp(action, "promotion.apply") == 0) {
		json_t *ap, *ev = json_object_get(d, "evidence");
		size_t i, used = 0;

		mv->version = json_integer_value(json_object_get(ev, "version"));
		mv->request = json_integer_value(json_object_get(d, "request"));
		mv->governed = 1;
		/* Who signed what the gate counted, as the signed entry says. */
		json_array_foreach(json_object_get(ev, "approvals"), i, ap) {
			const char *who = json_string_value(json_object_get(ap, "principal")),
				   *role = json_string_value(json_object_get(ap, "role"));
			int w;

			if (who == NULL || !json_is_true(json_object_get(ap, "counts")))
				continue;
			w = snprintf(mv->approvals + used, sizeof mv->approvals - used, "%s%s (%s)", used ? ", " : "", who,
				     role ? role : "?");
			if (w < 0 || (size_t)w >= sizeof mv->approvals - used)
				break;
			used += (size_t)w;
		}
	} else if (strcmp(action, "rollback") == 0) {
		mv->version = json_integer_value(json_object_get(d, "to_version"));
		mv->from = json_integer_value(json_object_get(d, "from_version"));
		mv->request = json_integer_value(json_object_get(json_object_get(d, "review"), "request"));
		mv->governed = 1;
	} else if (strcmp(action, "alias.set") == 0 || strcmp(action, "alias.imported") == 0 ||
		   strcmp(action, "alias.observed") == 0) {
		mv->version = json_integer_value(json_object_get(d, "version")); /* null (removed) reads 0 */
	} else {
		return 0;
	}
	return 1;
}

/* Adds mv, read at seq, to out. */
static int record_moves_push(struct record_moves *out, struct record_move *mv, int64_t seq, struct err *e)
{
	struct record_move *nv = realloc(out->v, (out->n + 1) * sizeof *out->v);

	if (nv == NULL)
		return err_set(e, ERR_IO, "out of memory");
	out->v = nv;
	mv->seq = seq;
	out->v[out->n++] = *mv;
	return 0;
}

/* The actions an alias move is recorded under, spelt as the ledger_moves
 * index's condition (migration 15) so both engines read a model's moves
 * from that index alone. The "action || ''" also keeps SQLite off the
 * action index, by which it walked every alias move of the ledger (0.7 s
 * a call on a million entries). */
#define RECORD_MOVES_WHERE                                                                        \
	" WHERE subject >= ?1 AND subject < ?2 AND action || '' IN"                               \
	" ('promotion.apply', 'rollback', 'alias.set', 'alias.imported', 'alias.observed')"

/* One alias move before its body is read: what its columns say. */
struct record_seq {
	int64_t seq;
	char action[24];
};

/* Every alias move's seq and action of the range's subjects, newest
 * first, in *out (malloc'd). Only the moves index is read: a walk that
 * stops at the newest moves reads no other body. */
static int record_moves_seqs(struct store *st, const char *lo, const char *hi, struct record_seq **out, size_t *n,
			     struct err *e)
{
	struct db_stmt *s;
	size_t cap = 0;
	int rc;

	*out = NULL;
	*n = 0;
	if (store_stmt(st, &s, "SELECT seq, action FROM ledger" RECORD_MOVES_WHERE " ORDER BY seq DESC", e) != 0)
		return -1;
	db_bind_text(s, 1, lo, -1, DB_STATIC);
	db_bind_text(s, 2, hi, -1, DB_STATIC);
	while ((rc = db_step(s)) == DB_ROW) {
		const char *action = (const char *)db_column_text(s, 1);

		if (*n == cap) {
			size_t ncap = cap ? 2 * cap : 64;
			struct record_seq *nv = realloc(*out, ncap * sizeof *nv);

			if (nv == NULL) {
				rc = DB_NOMEM;
				break;
			}
			*out = nv;
			cap = ncap;
		}
		(*out)[*n].seq = db_column_int64(s, 0);
		snprintf((*out)[*n].action, sizeof (*out)[*n].action, "%s", action != NULL ? action : "");
		(*n)++;
	}
	store_stmt_done(st, s);
	if (rc == DB_DONE)
		return 0;
	free(*out);
	*out = NULL;
	*n = 0;
	if (rc == DB_NOMEM)
		return err_set(e, ERR_IO, "out of memory");
	return store_fail(st, e, "reading alias moves from the ledger");
}

/* One row of a walk: take's answer, -1 on error. With pick, a row pick
 * does not want has only its body hashed against its leaf. */
static int record_moves_row(const struct proven_keyring *kr, struct db_stmt *s,
			    int (*pick)(void *arg, const char *action, const char *alias),
			    int (*take)(void *arg, int64_t seq, json_t *body, struct err *e), void *arg, struct err *e)
{
	int64_t seq = db_column_int64(s, 0);
	const char *action = (const char *)db_column_text(s, 4), *alias = (const char *)db_column_text(s, 5);
	json_t *j;
	int r;

	if (pick != NULL && !pick(arg, action != NULL ? action : "", alias != NULL ? alias : ""))
		return proven_row_leaf(seq, s, 1, e);
	r = proven_row_read(seq, s, 1, &j, e);
	if (r != 0)
		return r;
	r = proven_row_signed(kr, seq, s, 1, j, e);
	if (r == 0)
		r = take(arg, seq, j, e);
	json_decref(j);
	return r;
}

/* Hands take() each alias move of the model's in the ledger, oldest
 * first or newest first, every row's body checked against its stored
 * leaf and its signature proven before take sees it; take returns 0 for
 * more, 1 to stop, -1 on error. With pick, only the rows pick wants, by
 * their action and the alias their body names (SQL's json_extract, far
 * cheaper than parsing each body here), are parsed and proven; the others'
 * bodies are only hashed against their leaves. Which rows a walk reads
 * already rests on the ledger's subject and action columns, which no
 * signature covers, and proving rows no line uses cost an Ed25519 check
 * each (every one of a model's 158 moves on the bench estate, to reach
 * the aliases an admin set on its first version: most of opening it).
 * Newest first, the rows are read one by one by seq after their seqs:
 * one statement ordered by seq sorted every move's body before handing
 * over the first (the subject index is not in seq order across a model's
 * versions), and a gate, which stops at each alias's newest move, paid
 * for all of them (11 ms a gate on the bench estate, a screen of the
 * console's :approvals waiting for 18 of them). A row pick cannot want by
 * its action alone (asked with a NULL alias) is not read at all: once a
 * model's page has found its aliases' newest moves, only its rollbacks
 * are (its first open on the bench estate read 235 rows from a cold
 * cache, 12.8 ms, for the one rollback among them). */
static int record_moves_walk(struct store *st, const char *model, int newest_first,
			     int (*pick)(void *arg, const char *action, const char *alias),
			     int (*take)(void *arg, int64_t seq, json_t *body, struct err *e), void *arg, struct err *e)
{
	const struct proven_keyring *kr;
	char lo[200], hi[200];
	struct db_stmt *s;
	int rc = DB_DONE, r = 0;

	if (proven_keyring_load(st, &kr, e) != 0)
		return -1;
	/* Every "models:/MODEL/<n>" subject: '0' follows '/'. */
	snprintf(lo, sizeof lo, "models:/%s/", model);
	snprintf(hi, sizeof hi, "models:/%s0", model);
	if (newest_first) {
		struct record_seq *seqs;
		size_t n, i;

		if (record_moves_seqs(st, lo, hi, &seqs, &n, e) != 0)
			return -1;
		for (i = 0; r == 0 && i < n; i++) {
			if (pick != NULL && !pick(arg, seqs[i].action, NULL))
				continue;
			if (store_stmt(st, &s,
				       "SELECT seq, body, leaf, sig, action, json_extract(CAST(body AS TEXT), '$.data.alias')"
				       " FROM ledger WHERE seq = ?1",
				       e) != 0) {
				r = -1;
				break;
			}
			db_bind_int64(s, 1, seqs[i].seq);
			rc = db_step(s);
			if (rc == DB_ROW)
				r = record_moves_row(kr, s, pick, take, arg, e);
			else if (rc != DB_DONE)
				r = store_fail(st, e, "reading alias moves from the ledger");
			store_stmt_done(st, s);
		}
		free(seqs);
		return r < 0 ? -1 : 0;
	}
	if (store_stmt(st, &s, "SELECT seq, body, leaf, sig, action, NULL FROM ledger" RECORD_MOVES_WHERE " ORDER BY seq",
		       e) != 0)
		return -1;
	db_bind_text(s, 1, lo, -1, DB_STATIC);
	db_bind_text(s, 2, hi, -1, DB_STATIC);
	while (r == 0 && (rc = db_step(s)) == DB_ROW)
		r = record_moves_row(kr, s, pick, take, arg, e);
	if (r == 0 && rc != DB_DONE)
		r = store_fail(st, e, "reading alias moves from the ledger");
	store_stmt_done(st, s);
	return r < 0 ? -1 : 0;
}

/* Hands take() each move by ACTION of MODEL VERSION's (every version's
 * when version is 0), newest first, each row's signature proven: the
 * few entries one line of a screen names, not the model's history. The
 * "action || ''" keeps SQLite on the subject index (see above). */
static int record_action_walk(struct store *st, const char *model, int64_t version, const char *action,
			      int (*take)(void *arg, int64_t seq, json_t *body, struct err *e), void *arg,
			      struct err *e)
{
	const struct proven_keyring *kr;
	char lo[200], hi[200];
	struct db_stmt *s;
	int rc = DB_DONE, r = 0;

	if (proven_keyring_load(st, &kr, e) != 0)
		return -1;
	if (version > 0) {
		snprintf(lo, sizeof lo, "models:/%s/%" PRId64, model, version);
		if (store_stmt(st, &s,
			       "SELECT seq, body, leaf, sig FROM ledger WHERE subject = ?1 AND action || '' = ?2"
			       " ORDER BY seq DESC",
			       e) != 0)
			return -1;
		db_bind_text(s, 1, lo, -1, DB_STATIC);
		db_bind_text(s, 2, action, -1, DB_STATIC);
	} else {
		snprintf(lo, sizeof lo, "models:/%s/", model);
		snprintf(hi, sizeof hi, "models:/%s0", model);
		if (store_stmt(st, &s,
			       "SELECT seq, body, leaf, sig FROM ledger WHERE subject >= ?1 AND subject < ?2"
			       " AND action || '' = ?3 ORDER BY seq DESC",
			       e) != 0)
			return -1;
		db_bind_text(s, 1, lo, -1, DB_STATIC);
		db_bind_text(s, 2, hi, -1, DB_STATIC);
		db_bind_text(s, 3, action, -1, DB_STATIC);
	}
	while (r == 0 && (rc = db_step(s)) == DB_ROW) {
		int64_t seq = db_column_int64(s, 0);
		json_t *j;

		r = proven_row(kr, seq, s, 1, &j, e);
		if (r != 0)
			break;
		r = take(arg, seq, j, e);
		json_decref(j);
	}
	if (r == 0 && rc != DB_DONE)
		r = store_fail(st, e, "reading alias moves from the ledger");
	store_stmt_done(st, s);
	return r < 0 ? -1 : 0;
}

/* record_alias_history's take: every move of one alias. */
struct record_history_walk {
	const char *alias;
	struct record_moves *out;
};

static int record_history_take(void *arg, int64_t seq, json_t *body, struct err *e)
{
	struct record_history_walk *w = arg;
	struct record_move mv;

	if (!record_move_of(body, w->alias, &mv))
		return 0;
	return record_moves_push(w->out, &mv, seq, e);
}

int record_alias_history(struct store *st, const char *model, const char *alias, struct record_moves *out,
			 struct err *e)
{
	struct record_history_walk w = { .alias = alias, .out = out };

	memset(out, 0, sizeof *out);
	if (record_moves_walk(st, model, 0, NULL, record_history_take, &w, e) != 0) {
		record_moves_free(out);
		return -1;
	}
	return 0;
}

/* record_alias_newest's walk: the first move met of each alias asked
 * for, stopping once every one is found; with rollbacks, every rollback
 * too, to the first entry. */
struct record_newest_walk {
	const char *const *aliases;
	size_t n;
	struct record_moves *out;
	struct record_moves *rollbacks;
};

/* Whether mv is the first move met of an alias asked for. */
static int record_newest_wanted(const struct record_newest_walk *w, const struct record_move *mv)
{
	size_t i, k;

	for (i = 0; i < w->n && strcmp(w->aliases[i], mv->alias) != 0; i++)
		;
	for (k = 0; i < w->n && k < w->out->n && strcmp(w->out->v[k].alias, mv->alias) != 0; k++)
		;
	return i < w->n && k == w->out->n;
}

/* Its pick: a rollback when they are asked for, else a move of an alias
 * asked for and not yet found (any move while one is, before its alias is read). */
static int record_newest_pick(void *arg, const char *action, const char *alias)
{
	struct record_newest_walk *w = arg;
	size_t i, k;

	if (w->rollbacks != NULL && strcmp(action, "rollback") == 0)
		return 1;
	if (alias == NULL)
		return w->out->n < w->n;
	for (i = 0; i < w->n && strcmp(w->aliases[i], alias) != 0; i++)
		;
	for (k = 0; i < w->n && k < w->out->n && strcmp(w->out->v[k].alias, alias) != 0; k++)
		;
	return i < w->n && k == w->out->n;
}

static int record_newest_take(void *arg, int64_t seq, json_t *body, struct err *e)
{
	struct record_newest_walk *w = arg;
	struct record_move mv;

	if (!record_move_of(body, NULL, &mv))
		return 0;
	if (w->rollbacks != NULL && strcmp(mv.action, "rollback") == 0 && record_moves_push(w->rollbacks, &mv, seq, e) != 0)
		return -1;
	if (record_newest_wanted(w, &mv) && record_moves_push(w->out, &mv, seq, e) != 0)
		return -1;
	return w->out->n < w->n || w->rollbacks != NULL ? 0 : 1;
}

int record_alias_newest(struct store *st, const char *model, const char *const *aliases, size_t n,
			struct record_moves *out, struct err *e)
{
	memset(out, 0, sizeof *out);
	if (n == 0)
		return 0;
	return record_alias_lines(st, model, aliases, n, out, NULL, e);
}

int record_alias_lines(struct store *st, const char *model, const char *const *aliases, size_t n,
		       struct record_moves *out, struct record_moves *rollbacks, struct err *e)
{
	struct record_newest_walk w = { .aliases = aliases, .n = n, .out = out, .rollbacks = rollbacks };

	memset(out, 0, sizeof *out);
	if (rollbacks != NULL)
		memset(rollbacks, 0, sizeof *rollbacks);
	if (n == 0 && rollbacks == NULL)
		return 0;
	if (record_moves_walk(st, model, 1, record_newest_pick, record_newest_take, &w, e) != 0) {
		record_moves_free(out);
		if (rollbacks != NULL)
			record_moves_free(rollbacks);
		return -1;
	}
	return 0;
}

/* record_alias_promotion's take: the first promotion of the alias met. */
struct record_promotion_walk {
	const char *alias;
	struct record_move *out;
	int found;
};

static int record_promotion_take(void *arg, int64_t seq, json_t *body, struct err *e)
{
	struct record_promotion_walk *w = arg;
	struct record_move mv;

	(void)e;
	if (!record_move_of(body, w->alias, &mv))
		return 0;
	mv.seq = seq;
	*w->out = mv;
	w->found = 1;
	return 1;
}

int record_alias_promotion(struct store *st, const char *model, const char *alias, int64_t version,
			   struct record_move *out, struct err *e)
{
	struct record_promotion_walk w = { .alias = alias, .out = out };

	memset(out, 0, sizeof *out);
	if (version <= 0)
		return 0;
	if (record_action_walk(st, model, version, "promotion.apply", record_promotion_take, &w, e) != 0)
		return -1;
	return w.found;
}

int64_t record_baseline(const struct record_moves *m, int64_t current)
{
	size_t i, j;

	for (i = m->n; i-- > 0;) {
		const struct record_move *p = &m->v[i];

		if (strcmp(p->action, "promotion.apply") != 0 || p->version == current || p->version == 0)
			continue;
		for (j = 0; j < m->n; j++)
			if (strcmp(m->v[j].action, "rollback") == 0 && m->v[j].from == p->version)
				break;
		if (j == m->n)
			return p->version;
	}
	return 0;
}

void record_alias_states_free(struct record_alias_states *l)
{
	free(l->v);
	free(l->slot);
	memset(l, 0, sizeof *l);
}

static uint64_t record_alias_hash(const char *model, const char *alias)
{
	uint64_t h = 1469598103934665603ull;

	for (; *model; model++)
		h = (h ^ (unsigned char)*model) * 1099511628211ull;
	h = (h ^ '/') * 1099511628211ull;
	for (; *alias; alias++)
		h = (h ^ (unsigned char)*alias) * 1099511628211ull;
	return h;
}

/* Where (model, alias) is or goes in l's index: a million alias moves over
 * thousands of aliases must not each scan them all. */
static size_t record_alias_slot(const struct record_alias_states *l, const char *model, const char *alias)
{
	size_t i = (size_t)record_alias_hash(model, alias) & (l->cap - 1);

	while (l->slot[i] != 0) {
		const struct record_alias_state *x = &l->v[l->slot[i] - 1];

		if (strcmp(x->model, model) == 0 && strcmp(x->alias, alias) == 0)
			break;
		i = (i + 1) & (l->cap - 1);
	}
	return i;
}

static int record_alias_grow(struct record_alias_states *l)
{
	size_t cap = l->cap ? l->cap * 2 : 64, *slot = calloc(cap, sizeof *slot), i, old = l->cap;
	size_t *was = l->slot;

	if (slot == NULL)
		return -1;
	l->slot = slot;
	l->cap = cap;
	for (i = 0; i < old; i++)
		if (was[i] != 0)
			l->slot[record_alias_slot(l, l->v[was[i] - 1].model, l->v[was[i] - 1].alias)] = was[i];
	free(was);
	return 0;
}

const struct record_alias_state *record_alias_find(const struct record_alias_states *l, const char *model,
						    const char *alias)
{
	size_t i;

	if (l->cap == 0) {
		for (i = 0; i < l->n; i++)
			if (strcmp(l->v[i].model, model) == 0 && strcmp(l->v[i].alias, alias) == 0)
				return &l->v[i];
		return NULL;
	}
	i = record_alias_slot(l, model, alias);
	return l->slot[i] != 0 ? &l->v[l->slot[i] - 1] : NULL;
}

int record_alias_states_add(struct record_alias_states *l, int64_t seq, const char *subject, const char *actor,
			    json_t *j)
{
	const char *alias = json_string_value(json_object_get(json_object_get(j, "data"), "alias")), *slash;
	struct record_alias_state *x;
	struct record_move mv;
	char m[101];
	size_t i;

	if (j == NULL || subject == NULL || strncmp(subject, "models:/", 8) != 0 ||
	    (slash = strrchr(subject + 8, '/')) == NULL || (size_t)(slash - subject - 8) >= sizeof m)
		return 0;
	snprintf(m, sizeof m, "%.*s", (int)(slash - subject - 8), subject + 8);
	if (alias == NULL || !record_move_of(j, alias, &mv))
		return 0;
	if ((l->n + 1) * 2 > l->cap && record_alias_grow(l) != 0)
		return -1;
	/* Keyed as stored: the alias is kept to 64 bytes. */
	{
		char a[65];

		snprintf(a, sizeof a, "%.64s", alias);
		i = record_alias_slot(l, m, a);
		if (l->slot[i] == 0) {
			struct record_alias_state *nv = realloc(l->v, (l->n + 1) * sizeof *l->v);

			if (nv == NULL)
				return -1;
			l->v = nv;
			x = &l->v[l->n++];
			memset(x, 0, sizeof *x);
			snprintf(x->model, sizeof x->model, "%s", m);
			snprintf(x->alias, sizeof x->alias, "%s", a);
			l->slot[i] = l->n;
		}
		x = &l->v[l->slot[i] - 1];
	}
	x->version = mv.version;
	x->seq = seq;
	x->governed = mv.governed;
	snprintf(x->action, sizeof x->action, "%s", mv.action);
	snprintf(x->actor, sizeof x->actor, "%.100s", actor != NULL ? actor : "");
	return 0;
}

int record_alias_states_live(const struct record_alias_states *all, struct record_alias_states *out)
{
	size_t i;

	memset(out, 0, sizeof *out);
	out->v = calloc(all->n ? all->n : 1, sizeof *out->v);
	if (out->v == NULL)
		return -1;
	for (i = 0; i < all->n; i++) {
		if (all->v[i].version == 0)
			continue;
		if ((out->n + 1) * 2 > out->cap && record_alias_grow(out) != 0) {
			record_alias_states_free(out);
			return -1;
		}
		out->v[out->n++] = all->v[i];
		out->slot[record_alias_slot(out, all->v[i].model, all->v[i].alias)] = out->n;
	}
	return 0;
}

int record_alias_states(struct store *st, const char *model, struct record_alias_states *out, struct err *e)
{
	struct record_alias_states all;
	char lo[200], hi[200];
	struct db_stmt *s;
	int rc;

	memset(out, 0, sizeof *out);
	memset(&all, 0, sizeof all);
	snprintf(lo, sizeof lo, "models:/%s/", model != NULL ? model : "");
	snprintf(hi, sizeof hi, model != NULL ? "models:/%s0" : "models;", model != NULL ? model : "");
	if (store_prepare(st, &s,
			  "SELECT seq, subject, action, actor, body FROM ledger WHERE subject >= ?1 AND subject < ?2 AND action || '' IN"
			  " ('promotion.apply', 'rollback', 'alias.set', 'alias.imported', 'alias.observed') ORDER BY seq",
			  e) != 0)
		return -1;
	db_bind_text(s, 1, lo, -1, DB_TRANSIENT);
	db_bind_text(s, 2, hi, -1, DB_TRANSIENT);
	while ((rc = db_step(s)) == DB_ROW) {
		json_t *j = json_loadb(db_column_blob(s, 4), (size_t)db_column_bytes(s, 4), 0, NULL);
		int r = record_alias_states_add(&all, db_column_int64(s, 0), (const char *)db_column_text(s, 1),
						(const char *)db_column_text(s, 3), j);

		json_decref(j);
		if (r != 0) {
			db_finalize(s);
			record_alias_states_free(&all);
			return err_set(e, ERR_IO, "out of memory");
		}
	}
	db_finalize(s);
	if (rc != DB_DONE) {
		record_alias_states_free(&all);
		return store_fail(st, e, "reading alias moves");
	}
	rc = record_alias_states_live(&all, out);
	record_alias_states_free(&all);
	return rc == 0 ? 0 : err_set(e, ERR_IO, "out of memory");
}
