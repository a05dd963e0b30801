/* reconcile-seen: what the replay saw of versions, cards, metrics and promotions, kept as keyed hashes, and the tables compared with it in one scan each. */
#include "reconcile.h"

#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "card.h"
#include "record.h"
#include "replay.h"

/* Every key and value is a 128-bit SipHash under a key drawn for the run:
 * nobody who did not see that key can make two different rows or entries
 * hash alike, so equal hashes stand for equal values. */
#define RS_HASH crypto_shorthash_siphashx24_BYTES

/* A subject's last version.set and card.set. */
struct rs_subject {
	uint8_t key[RS_HASH];
	uint8_t fields[RS_HASH]; /* digest and author of the last version.set */
	uint8_t card[RS_HASH];   /* sha256 of the last card.set ("" for none) */
	uint8_t used, attested;
};

/* The last metric.set of a (subject, name, dataset, slice). */
struct rs_metric {
	uint8_t key[RS_HASH];
	double value;
	uint8_t used;
};

/* A promotion.apply or rollback entry: its subject and alias. */
struct rs_move {
	int64_t seq;
	uint8_t h[RS_HASH];
};

struct reconcile_seen {
	uint8_t hkey[crypto_shorthash_siphashx24_KEYBYTES];
	struct rs_subject *s;
	size_t ns, scap;
	struct rs_metric *m;
	size_t nm, mcap;
	struct rs_move *mv;
	size_t nmv, mvcap;
	/* The bytes being hashed, reused for every entry and row. */
	unsigned char *buf;
	size_t len, cap;
	int oom;
	/* An entry with a value the SQL checks would read in some other way
	 * (a number where text belongs, text where a number does): those
	 * checks then decide, as they did before this existed. */
	int unsure;
};

struct reconcile_seen *reconcile_seen_new(void)
{
	struct reconcile_seen *s = calloc(1, sizeof *s);

	if (s != NULL)
		randombytes_buf(s->hkey, sizeof s->hkey);
	return s;
}

void reconcile_seen_free(struct reconcile_seen *s)
{
	if (s == NULL)
		return;
	free(s->s);
	free(s->m);
	free(s->mv);
	free(s->buf);
	free(s);
}

/* ---- hashing: tagged, length-prefixed fields, so no two lists of fields spell alike ---- */

static void rs_reset(struct reconcile_seen *s)
{
	s->len = 0;
}

static void rs_put(struct reconcile_seen *s, char tag, const void *p, size_t n)
{
	uint64_t len = n;

	if (s->len + 1 + sizeof len + n > s->cap) {
		size_t cap = s->cap ? s->cap : 256;
		unsigned char *b;

		while (cap < s->len + 1 + sizeof len + n)
			cap *= 2;
		b = realloc(s->buf, cap);
		if (b == NULL) {
			s->oom = 1;
			return;
		}
		s->buf = b;
		s->cap = cap;
	}
	s->buf[s->len++] = (unsigned char)tag;
	memcpy(s->buf + s->len, &len, sizeof len);
	s->len += sizeof len;
	if (n > 0)
		memcpy(s->buf + s->len, p, n);
	s->len += n;
}

/* Text as a table column holds it: NULL or a string. */
static void rs_put_text(struct reconcile_seen *s, const char *t)
{
	if (t == NULL)
		rs_put(s, 'n', NULL, 0);
	else
		rs_put(s, 's', t, strlen(t));
}

/* A JSON value as the SQL checks read it beside a text column: a string
 * (without NUL), or null when absent or null; anything else is unsure. */
static void rs_put_json(struct reconcile_seen *s, json_t *v)
{
	if (v == NULL || json_is_null(v)) {
		rs_put(s, 'n', NULL, 0);
	} else if (json_is_string(v) && strlen(json_string_value(v)) == json_string_length(v)) {
		rs_put(s, 's', json_string_value(v), json_string_length(v));
	} else {
		s->unsure = 1;
		rs_put(s, 'x', NULL, 0);
	}
}

static void rs_hash(struct reconcile_seen *s, uint8_t out[RS_HASH])
{
	crypto_shorthash_siphashx24(out, s->buf != NULL ? s->buf : (const unsigned char *)"", s->len, s->hkey);
}

static void rs_subject_hash(struct reconcile_seen *s, const char *subject, uint8_t out[RS_HASH])
{
	rs_reset(s);
	rs_put_text(s, subject);
	rs_hash(s, out);
}

/* ---- open-addressed tables, indexed by a key's first bytes ---- */

static size_t rs_slot(const uint8_t key[RS_HASH], size_t cap)
{
	uint64_t h;

	memcpy(&h, key, sizeof h);
	return (size_t)h & (cap - 1);
}

static struct rs_subject *rs_subject_get(struct reconcile_seen *s, const uint8_t key[RS_HASH], int add)
{
	size_t i;

	if (add && 10 * (s->ns + 1) > 7 * s->scap) {
		size_t cap = s->scap ? 2 * s->scap : 1024, j;
		struct rs_subject *t = calloc(cap, sizeof *t);

		if (t == NULL) {
			s->oom = 1;
			return NULL;
		}
		for (j = 0; j < s->scap; j++)
			if (s->s[j].used) {
				for (i = rs_slot(s->s[j].key, cap); t[i].used; i = (i + 1) & (cap - 1))
					;
				t[i] = s->s[j];
			}
		free(s->s);
		s->s = t;
		s->scap = cap;
	}
	if (s->scap == 0)
		return NULL;
	for (i = rs_slot(key, s->scap); s->s[i].used; i = (i + 1) & (s->scap - 1))
		if (memcmp(s->s[i].key, key, RS_HASH) == 0)
			return &s->s[i];
	if (!add)
		return NULL;
	memset(&s->s[i], 0, sizeof s->s[i]);
	memcpy(s->s[i].key, key, RS_HASH);
	s->s[i].used = 1;
	/* No card.set yet: the card is "", as an empty card hashes. */
	rs_reset(s);
	rs_put_text(s, "");
	rs_hash(s, s->s[i].card);
	s->ns++;
	return &s->s[i];
}

static struct rs_metric *rs_metric_get(struct reconcile_seen *s, const uint8_t key[RS_HASH], int add)
{
	size_t i;

	if (add && 10 * (s->nm + 1) > 7 * s->mcap) {
		size_t cap = s->mcap ? 2 * s->mcap : 1024, j;
		struct rs_metric *t = calloc(cap, sizeof *t);

		if (t == NULL) {
			s->oom = 1;
			return NULL;
		}
		for (j = 0; j < s->mcap; j++)
			if (s->m[j].used) {
				for (i = rs_slot(s->m[j].key, cap); t[i].used; i = (i + 1) & (cap - 1))
					;
				t[i] = s->m[j];
			}
		free(s->m);
		s->m = t;
		s->mcap = cap;
	}
	if (s->mcap == 0)
		return NULL;
	for (i = rs_slot(key, s->mcap); s->m[i].used; i = (i + 1) & (s->mcap - 1))
		if (memcmp(s->m[i].key, key, RS_HASH) == 0)
			return &s->m[i];
	if (!add)
		return NULL;
	memcpy(s->m[i].key, key, RS_HASH);
	s->m[i].used = 1;
	s->nm++;
	return &s->m[i];
}

/* ---- what the replay saw ---- */

int reconcile_seen_add(struct reconcile_seen *s, int64_t seq, const char *action, const char *subject, json_t *data)
{
	uint8_t subj[RS_HASH], key[RS_HASH];

	if (s == NULL)
		return 0;
	if (strcmp(action, "version.set") == 0) {
		struct rs_subject *x;

		rs_subject_hash(s, subject, subj);
		x = rs_subject_get(s, subj, 1);
		if (x == NULL)
			return -1;
		rs_reset(s);
		rs_put_json(s, json_object_get(data, "digest"));
		rs_put_json(s, json_object_get(data, "author"));
		rs_hash(s, x->fields);
		x->attested = 1;
	} else if (strcmp(action, "card.set") == 0) {
		struct rs_subject *x;
		json_t *sha = json_object_get(data, "sha256");

		rs_subject_hash(s, subject, subj);
		x = rs_subject_get(s, subj, 1);
		if (x == NULL)
			return -1;
		rs_reset(s);
		/* A card.set without a digest reads as "", as in the SQL check. */
		if (sha == NULL || json_is_null(sha))
			rs_put_text(s, "");
		else
			rs_put_json(s, sha);
		rs_hash(s, x->card);
	} else if (strcmp(action, "metric.set") == 0) {
		json_t *value = json_object_get(data, "value");
		struct rs_metric *x;
		size_t i;
		static const char *const part[] = { "name", "dataset", "slice" };

		rs_subject_hash(s, subject, subj);
		rs_reset(s);
		rs_put(s, 'h', subj, sizeof subj);
		for (i = 0; i < 3; i++) {
			json_t *v = json_object_get(data, part[i]);

			if (!json_is_string(v))
				s->unsure = 1;
			rs_put_json(s, v);
		}
		if (!json_is_number(value))
			s->unsure = 1;
		rs_hash(s, key); /* the subject's hash, then name, dataset and slice */
		x = rs_metric_get(s, key, 1);
		if (x == NULL)
			return -1;
		x->value = json_number_value(value);
	} else if (strcmp(action, "promotion.apply") == 0 || strcmp(action, "rollback") == 0) {
		struct rs_move *x;

		if (s->nmv == s->mvcap) {
			size_t cap = s->mvcap ? 2 * s->mvcap : 1024;
			struct rs_move *t = realloc(s->mv, cap * sizeof *t);

			if (t == NULL)
				return -1;
			s->mv = t;
			s->mvcap = cap;
		}
		rs_subject_hash(s, subject, subj);
		x = &s->mv[s->nmv++];
		x->seq = seq;
		rs_reset(s);
		rs_put(s, 'h', subj, sizeof subj);
		rs_put_json(s, json_object_get(data, "alias"));
		rs_hash(s, x->h);
	}
	return s->oom ? -1 : 0;
}

/* ---- the tables against it ---- */

/* A version row: its id, number and subject's hash. */
struct rs_version {
	int64_t id, version;
	uint8_t subj[RS_HASH];
	int attested;
};

static const struct rs_version *rs_version_find(const struct rs_version *v, size_t n, int64_t id)
{
	size_t lo = 0, hi = n;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (v[mid].id == id)
			return &v[mid];
		if (v[mid].id < id)
			lo = mid + 1;
		else
			hi = mid;
	}
	return NULL;
}

/* Versions and their cards, merged in version order (as reconcile.c's
 * card check reads them): 1 on a disagreement, -1 on an error. *out
 * gets every version (malloc'd) for the checks after it. */
static int rs_versions(struct store *st, struct reconcile_seen *s, struct rs_version **out, size_t *nout,
		       int64_t *unattested, struct err *e)
{
	struct db_stmt *q, *cs;
	struct rs_version *v = NULL;
	size_t n = 0, cap = 0;
	int rc, crc, bad = 0;

	*out = NULL;
	*nout = 0;
	*unattested = 0;
	if (store_prepare(st, &q,
			  "SELECT v.id, m.name, v.version, v.digest, v.author FROM versions v JOIN models m ON m.id = v.model_id"
			  " ORDER BY v.id",
			  e) != 0)
		return -1;
	if (store_prepare(st, &cs, "SELECT version_id, section, body FROM cards ORDER BY version_id, position", e) != 0) {
		db_finalize(q);
		return -1;
	}
	crc = db_step(cs);
	while (!bad && (rc = db_step(q)) == DB_ROW) {
		const char *m = (const char *)db_column_text(q, 1);
		struct rs_version *x;
		struct rs_subject *sub;
		char have[72] = "";
		uint8_t h[RS_HASH];

		if (n == cap) {
			size_t ncap = cap ? 2 * cap : 1024;
			struct rs_version *t = realloc(v, ncap * sizeof *t);

			if (t == NULL) {
				bad = err_set(e, ERR_IO, "out of memory");
				break;
			}
			v = t;
			cap = ncap;
		}
		x = &v[n++];
		x->id = db_column_int64(q, 0);
		x->version = db_column_int64(q, 2);
		{
			char subject[400];
			int w = snprintf(subject, sizeof subject, "models:/%s/%lld", m ? m : "", (long long)x->version);

			if (m == NULL || w < 0 || (size_t)w >= sizeof subject) {
				bad = 1; /* not a subject this check can spell: the SQL checks judge it */
				break;
			}
			rs_subject_hash(s, subject, x->subj);
		}
		sub = rs_subject_get(s, x->subj, 0);
		x->attested = sub != NULL && sub->attested;
		if (!x->attested) {
			(*unattested)++;
			continue;
		}
		rs_reset(s);
		rs_put_text(s, (const char *)db_column_text(q, 3));
		rs_put_text(s, (const char *)db_column_text(q, 4));
		rs_hash(s, h);
		if (memcmp(h, sub->fields, RS_HASH) != 0) {
			bad = 1;
			break;
		}
		bad = reconcile_card_digest(st, cs, &crc, x->id, have, e);
		if (bad)
			break;
		rs_reset(s);
		rs_put_text(s, have);
		rs_hash(s, h);
		if (memcmp(h, sub->card, RS_HASH) != 0)
			bad = 1;
	}
	db_finalize(cs);
	db_finalize(q);
	if (bad == 0 && rc != DB_DONE)
		bad = store_fail(st, e, "reconciling versions and cards");
	if (s->oom)
		bad = err_set(e, ERR_IO, "out of memory");
	if (bad != 0) {
		free(v);
		return bad;
	}
	*out = v;
	*nout = n;
	return 0;
}

/* Each metric row of an attested version is the value its last metric.set recorded. */
static int rs_metrics(struct store *st, struct reconcile_seen *s, const struct rs_version *v, size_t nv,
		      struct err *e)
{
	struct db_stmt *q;
	int rc, bad = 0;

	if (store_prepare(st, &q, "SELECT version_id, name, dataset, slice, value FROM eval_metrics", e) != 0)
		return -1;
	while (!bad && (rc = db_step(q)) == DB_ROW) {
		const struct rs_version *x = rs_version_find(v, nv, db_column_int64(q, 0));
		const struct rs_metric *m;
		uint8_t key[RS_HASH];
		int i;

		if (x == NULL) {
			bad = 1;
			break;
		}
		if (!x->attested)
			continue;
		rs_reset(s);
		rs_put(s, 'h', x->subj, sizeof x->subj);
		for (i = 1; i <= 3; i++)
			rs_put_text(s, (const char *)db_column_text(q, i));
		rs_hash(s, key);
		m = rs_metric_get(s, key, 0);
		if (m == NULL || db_column_type(q, 4) == DB_NULL || m->value != db_column_double(q, 4))
			bad = 1;
	}
	db_finalize(q);
	if (bad == 0 && rc != DB_DONE)
		return store_fail(st, e, "reconciling eval_metrics");
	if (s->oom)
		return err_set(e, ERR_IO, "out of memory");
	return bad;
}

/* Each promotion request row is what the request.open at its seq opened. */
static int rs_requests(struct store *st, const struct replay *rp, const struct rs_version *v, size_t nv,
		       struct err *e)
{
	struct db_stmt *q;
	int rc, bad = 0;

	if (store_prepare(st, &q, "SELECT id, version_id, requester, to_stage, seq FROM requests WHERE kind = 'promotion'",
			  e) != 0)
		return -1;
	while (!bad && (rc = db_step(q)) == DB_ROW) {
		const struct rp_request *r = replay_request((struct replay *)rp, db_column_int64(q, 0));
		const struct rs_version *x = rs_version_find(v, nv, db_column_int64(q, 1));
		const char *who = (const char *)db_column_text(q, 2), *to = (const char *)db_column_text(q, 3);

		if (r == NULL || x == NULL || r->review || db_column_type(q, 4) == DB_NULL || r->seq != db_column_int64(q, 4) ||
		    who == NULL || strcmp(r->requester, who) != 0 || to == NULL || strcmp(r->to, to) != 0 ||
		    r->version != x->version)
			bad = 1;
	}
	db_finalize(q);
	if (bad == 0 && rc != DB_DONE)
		return store_fail(st, e, "reconciling requests");
	return bad;
}

/* Each promotion row names the subject and alias of the move at its seq. */
static int rs_promotions(struct store *st, struct reconcile_seen *s, const struct rs_version *v, size_t nv,
			 struct err *e)
{
	struct db_stmt *q;
	int rc, bad = 0;

	if (store_prepare(st, &q, "SELECT seq, version_id, alias FROM promotions", e) != 0)
		return -1;
	while (!bad && (rc = db_step(q)) == DB_ROW) {
		int64_t seq = db_column_int64(q, 0);
		const struct rs_version *x = rs_version_find(v, nv, db_column_int64(q, 1));
		size_t lo = 0, hi = s->nmv;
		uint8_t h[RS_HASH];

		while (lo < hi) {
			size_t mid = lo + (hi - lo) / 2;

			if (s->mv[mid].seq < seq)
				lo = mid + 1;
			else
				hi = mid;
		}
		if (x == NULL || lo == s->nmv || s->mv[lo].seq != seq) {
			bad = 1;
			break;
		}
		rs_reset(s);
		rs_put(s, 'h', x->subj, sizeof x->subj);
		rs_put_text(s, (const char *)db_column_text(q, 2));
		rs_hash(s, h);
		if (memcmp(h, s->mv[lo].h, RS_HASH) != 0)
			bad = 1;
	}
	db_finalize(q);
	if (bad == 0 && rc != DB_DONE)
		return store_fail(st, e, "reconciling promotions");
	if (s->oom)
		return err_set(e, ERR_IO, "out of memory");
	return bad;
}

int reconcile_seen_check(struct store *st, struct reconcile_seen *s, const struct replay *rp, int64_t *unattested,
			 struct err *e)
{
	struct rs_version *v;
	size_t nv;
	int rc;

	if (s->unsure || s->oom)
		return 1;
	rc = rs_versions(st, s, &v, &nv, unattested, e);
	if (rc != 0)
		return rc;
	rc = rs_metrics(st, s, v, nv, e);
	if (rc == 0)
		rc = rs_requests(st, rp, v, nv, e);
	if (rc == 0)
		rc = rs_promotions(st, s, v, nv, e);
	free(v);
	return rc;
}
