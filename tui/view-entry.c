/* view-entry: one ledger entry for an auditor: whose signature it carries and whether it holds, the statement decoded, links to its request and version, its inclusion proof, and its bytes. */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>
#include <sodium.h>

#include "app.h"
#include "approval.h"
#include "check.h"
#include "draw.h"
#include "explain.h"
#include "ledger.h"
#include "merkle.h"
#include "note.h"

struct view_entry {
	int64_t seq;
	struct ledger_entry x;
	int loaded;
	char proof[700];
	int proof_style;
	int built_width; /* the body is wrapped to this width; rebuilt when it changes */
	int built_once;
	struct explain ex; /* the checks core made of it, and what it links to */
};

/* Root and size from a checkpoint's signed text: "origin\nsize\nroot\n". */
static int view_entry_note_root(const char *text, size_t len, const char *origin, int64_t *size,
				merkle_hash root)
{
	char buf[512], *nl1, *nl2, *nl3, *end;
	size_t bin;
	long long n;

	if (len >= sizeof buf)
		return -1;
	memcpy(buf, text, len);
	buf[len] = '\0';
	nl1 = strchr(buf, '\n');
	nl2 = nl1 ? strchr(nl1 + 1, '\n') : NULL;
	nl3 = nl2 ? strchr(nl2 + 1, '\n') : NULL;
	if (nl3 == NULL)
		return -1;
	*nl1 = *nl2 = *nl3 = '\0';
	if (strcmp(buf, origin) != 0)
		return -1;
	n = strtoll(nl1 + 1, &end, 10);
	if (*end != '\0' || n <= 0)
		return -1;
	*size = (int64_t)n;
	if (sodium_base642bin(root, MERKLE_HASH, nl2 + 1, strlen(nl2 + 1), NULL, &bin, NULL,
			      sodium_base64_VARIANT_ORIGINAL) != 0 ||
	    bin != MERKLE_HASH)
		return -1;
	return 0;
}

/* Checks the proof rather than trusting the store: the newest
 * checkpoint's signature under the log key, then the path from the leaf
 * of the bytes shown up to the root that checkpoint signed. */
static void view_entry_proof(struct app *a, struct view_entry *p)
{
	char name[KEYS_NAME_MAX + 1], *note = NULL;
	uint8_t pk[KEYS_PK_BYTES];
	struct ledger_inclusion in;
	merkle_hash root, leaf;
	int64_t size = 0, signed_size = 0;
	size_t tl;
	struct err e;

	err_clear(&e);
	p->proof_style = DRAW_ERROR;
	if (ledger_latest_checkpoint(a->st, &size, &note, &e) != 0) {
		snprintf(p->proof, sizeof p->proof, "inclusion proof FAILED: %s", e.msg);
		return;
	}
	free(note);
	if (size == 0 || p->seq > size) {
		p->proof_style = DRAW_WARN;
		if (size == 0)
			snprintf(p->proof, sizeof p->proof,
				 "not yet covered by a checkpoint (none has been signed)");
		else
			snprintf(p->proof, sizeof p->proof,
				 "not yet covered by a checkpoint (the newest covers #1 to #%" PRId64 ")",
				 size);
		return;
	}
	if (ledger_prove(a->st, p->seq, &in, &e) != 0) {
		snprintf(p->proof, sizeof p->proof, "inclusion proof FAILED: %s", e.msg);
		return;
	}
	if (ledger_logkey_public(a->st, name, sizeof name, pk, &e) != 0 ||
	    note_verify(in.checkpoint, name, pk, &tl, &e) != 0) {
		snprintf(p->proof, sizeof p->proof, "inclusion proof FAILED: checkpoint of size %" PRId64 ": %s",
			 in.size, e.msg);
	} else if (view_entry_note_root(in.checkpoint, tl, name, &signed_size, root) != 0 ||
		   signed_size != in.size) {
		snprintf(p->proof, sizeof p->proof,
			 "inclusion proof FAILED: checkpoint of size %" PRId64 " is not a checkpoint of this log",
			 in.size);
	} else {
		merkle_leaf(in.body, in.len, leaf);
		if (merkle_inclusion_verify((uint64_t)(p->seq - 1), (uint64_t)in.size, leaf,
					    (const merkle_hash *)in.path, in.plen, root) == 1) {
			p->proof_style = DRAW_OK;
			snprintf(p->proof, sizeof p->proof,
				 "included in checkpoint of size %" PRId64 ": proof verified", in.size);
		} else {
			snprintf(p->proof, sizeof p->proof,
				 "inclusion proof FAILED: entry #%" PRId64
				 " is not in the tree the checkpoint of size %" PRId64 " signed",
				 p->seq, in.size);
		}
	}
	ledger_inclusion_clear(&in);
}

/* One line of text in style: an escaped value never draws rows of its own. */
static int view_entry_text(struct list *l, int style, const char *key, const char *text, int indent, int width,
			   struct err *e)
{
	char *t = check_escape(text, 0);
	struct list_row *r;
	int rc;

	if (t == NULL)
		return err_set(e, ERR_IO, "out of memory");
	if (key == NULL) {
		rc = view_wrapped(l, style, t, indent, width, e);
	} else {
		/* A link is one row, so Enter on any of it follows it. */
		r = list_add(l, key, LIST_SPAN, e);
		rc = r == NULL ? -1 : list_set(r, 0, style, e, "%*s%s", indent, "", t);
	}
	free(t);
	return rc;
}

struct view_entry_wrap {
	struct list *l;
	const char *label; /* on the first line; later lines are indented to the value */
	struct err *e;
};

static int view_wrap_line_label(struct list *l, const char *label, struct err *e)
{
	struct list_row *r = list_add(l, NULL, LIST_SPAN, e);

	return r == NULL ? -1 : list_set(r, 0, DRAW_NORMAL, e, "  %s", label);
}

static int view_entry_wrap_line(void *ctx, const char *s, size_t n)
{
	struct view_entry_wrap *w = ctx;
	struct list_row *r = list_add(w->l, NULL, LIST_SPAN, w->e);

	if (r == NULL)
		return -1;
	if (list_set(r, 0, DRAW_NORMAL, w->e, "  %-16s %.*s", w->label, (int)n, s) != 0)
		return -1;
	w->label = "";
	return 0;
}

/* "  label            value", the value wrapped under itself; a
 * multi-line value (a policy's text) goes under its label, each of its
 * lines kept. Values are escaped: they come from the store. */
static int view_entry_field(struct list *l, const char *label, const char *value, int width, struct err *e)
{
	struct view_entry_wrap w = {l, label, e};
	int multi = strchr(value, '\n') != NULL, rc;
	char *t = check_escape(value, multi), *lab = check_escape(label, 0);

	if (t == NULL || lab == NULL) {
		free(t);
		free(lab);
		return err_set(e, ERR_IO, "out of memory");
	}
	w.label = lab;
	if (multi) {
		rc = view_wrap_line_label(l, lab, e) == 0 &&
				     view_wrapped(l, DRAW_DIM, t, 4, width, e) == 0
			     ? 0
			     : -1;
	} else if ((int)strlen(lab) > 16 || width < 40) {
		/* A long path gets its own line rather than pushing the value off. */
		rc = view_wrap_line_label(l, lab, e) == 0 && view_wrapped(l, DRAW_NORMAL, t, 19, width, e) == 0 ? 0 : -1;
	} else {
		rc = draw_wrap(t, width - 19, view_entry_wrap_line, &w);
	}
	free(t);
	free(lab);
	return rc;
}

/* A scalar as text: strings as they are, numbers and literals as JSON has them. */
static void view_entry_scalar(json_t *v, char *buf, size_t n)
{
	if (json_is_string(v))
		snprintf(buf, n, "%s", json_string_value(v));
	else if (json_is_integer(v))
		snprintf(buf, n, "%" JSON_INTEGER_FORMAT, json_integer_value(v));
	else if (json_is_real(v))
		snprintf(buf, n, "%.6g", json_real_value(v));
	else if (json_is_true(v))
		snprintf(buf, n, "true");
	else if (json_is_false(v))
		snprintf(buf, n, "false");
	else if (json_is_null(v))
		snprintf(buf, n, "null");
	else
		buf[0] = '\0';
}

static int view_entry_is_scalar(json_t *v)
{
	return !json_is_object(v) && !json_is_array(v);
}

/* An object whose members are all scalars, as "k=v k=v" on one line: a
 * metric or a gate result reads as one row rather than four. */
static int view_entry_compact(json_t *o, char *buf, size_t n)
{
	const char *k;
	json_t *v;
	size_t used = 0;

	buf[0] = '\0';
	json_object_foreach(o, k, v) {
		char val[1024];
		int w;

		if (!view_entry_is_scalar(v))
			return 0;
		view_entry_scalar(v, val, sizeof val);
		w = snprintf(buf + used, n - used, "%s%s=%s", used ? " " : "", k, val);
		if (w < 0 || (size_t)w >= n - used)
			return 0;
		used += (size_t)w;
	}
	return 1;
}

/* The fields an auditor looks for first, in this order; the rest follow as stored. */
static const char *const view_entry_first[] = {
	"decision", "principal", "role",	"roles",      "comment", "reason",	  "issuedAt", "expiresAt",
	"request",  "successor", "model",	"version",    "alias",	 "from_version", "to_version", "from",
	"to",	    "tier",	 "requester", "author",     "digest",	 "change",	  "scope",	  NULL,
};

static int view_entry_json(struct list *l, const char *path, json_t *v, const char *skip, int width,
			   struct err *e);

static int view_entry_member(struct list *l, const char *path, const char *k, json_t *v, int width,
			     struct err *e)
{
	char sub[256];

	snprintf(sub, sizeof sub, "%s%s%s", path, path[0] ? "." : "", k);
	return view_entry_json(l, sub, v, NULL, width, e);
}

/* Every field of v, one "path value" row each, nested objects as dotted
 * paths; skip names a member shown elsewhere (the envelope, decoded). */
static int view_entry_json(struct list *l, const char *path, json_t *v, const char *skip, int width,
			   struct err *e)
{
	char buf[2048], sub[256];
	const char *k;
	json_t *m;
	size_t i;

	if (view_entry_is_scalar(v)) {
		view_entry_scalar(v, buf, sizeof buf);
		return view_entry_field(l, path, buf, width, e);
	}
	if (json_is_array(v)) {
		size_t used = 0;
		int scalars = 1;

		json_array_foreach(v, i, m)
			scalars = scalars && view_entry_is_scalar(m);
		if (scalars) {
			buf[0] = '\0';
			json_array_foreach(v, i, m) {
				char val[512];
				int w;

				view_entry_scalar(m, val, sizeof val);
				w = snprintf(buf + used, sizeof buf - used, "%s%s", i ? ", " : "", val);
				if (w < 0 || (size_t)w >= sizeof buf - used)
					break;
				used += (size_t)w;
			}
			return view_entry_field(l, path, json_array_size(v) ? buf : "(none)", width, e);
		}
		json_array_foreach(v, i, m) {
			snprintf(sub, sizeof sub, "%s[%zu]", path, i);
			if (json_is_object(m) && view_entry_compact(m, buf, sizeof buf)) {
				if (view_entry_field(l, sub, buf, width, e) != 0)
					return -1;
			} else if (view_entry_json(l, sub, m, NULL, width, e) != 0) {
				return -1;
			}
		}
		return 0;
	}
	for (i = 0; view_entry_first[i] != NULL; i++) {
		m = json_object_get(v, view_entry_first[i]);
		if (m != NULL && view_entry_member(l, path, view_entry_first[i], m, width, e) != 0)
			return -1;
	}
	json_object_foreach(v, k, m) {
		size_t j;

		for (j = 0; view_entry_first[j] != NULL && strcmp(view_entry_first[j], k) != 0; j++)
			;
		if (view_entry_first[j] != NULL || (skip != NULL && strcmp(k, skip) == 0))
			continue;
		if (view_entry_member(l, path, k, m, width, e) != 0)
			return -1;
	}
	return 0;
}

/* The envelope's payload: an in-toto statement as subject, digest and
 * predicate fields; any other statement (a keyring change, a policy
 * enrolment) field by field. */
static int view_entry_statement(struct list *l, const struct explain *x, int width, struct err *e)
{
	char head[300];
	const char *type = json_string_value(json_object_get(x->statement, "_type"));
	json_t *subj, *s, *pred;
	size_t i;

	snprintf(head, sizeof head, "Statement (DSSE %s)", x->payload_type);
	if (view_line(l, DRAW_NORMAL, "", e) != 0 || view_line(l, DRAW_TITLE, head, e) != 0)
		return -1;
	if (!x->ok && view_line(l, DRAW_WARN, "  as the envelope claims it: the check above failed", e) != 0)
		return -1;
	if (type == NULL || strcmp(type, INTOTO_STATEMENT_TYPE) != 0)
		return view_entry_json(l, "", x->statement, NULL, width, e);
	if (view_entry_field(l, "statement", "in-toto v1", width, e) != 0)
		return -1;
	subj = json_object_get(x->statement, "subject");
	json_array_foreach(subj, i, s) {
		const char *name = json_string_value(json_object_get(s, "name"));
		const char *alg;
		json_t *d;

		if (view_entry_field(l, "subject", name ? name : "?", width, e) != 0)
			return -1;
		json_object_foreach(json_object_get(s, "digest"), alg, d) {
			char dig[200];

			snprintf(dig, sizeof dig, "%s:%s", alg, json_string_value(d) ? json_string_value(d) : "?");
			if (view_entry_field(l, "  digest", dig, width, e) != 0)
				return -1;
		}
	}
	if (view_entry_field(l, "predicate",
			     json_string_value(json_object_get(x->statement, "predicateType"))
				     ? json_string_value(json_object_get(x->statement, "predicateType"))
				     : "?",
			     width, e) != 0)
		return -1;
	pred = json_object_get(x->statement, "predicate");
	return pred != NULL ? view_entry_json(l, "", pred, NULL, width, e) : 0;
}

/* The check's verdict, first: who signed, as which role, with which key. */
static int view_entry_verdict(struct list *l, const struct explain *x, int width, struct err *e)
{
	char line[1200];

	if (x->kind == EXPLAIN_OBSERVED) {
		snprintf(line, sizeof line, "not signed: what %s observed, recorded as seen%s%s",
			 json_string_value(json_object_get(x->body, "actor")), x->ok ? "" : "; check FAILED: ",
			 x->ok ? "" : x->why);
		return view_entry_text(l, x->ok ? DRAW_DIM : DRAW_ERROR, NULL, line, 0, width, e);
	}
	if (x->ok) {
		snprintf(line, sizeof line, "signature valid, signed by %s (%s), key %s", x->signer,
			 x->role[0] ? x->role : "-", x->key_id);
		return view_entry_text(l, DRAW_OK, NULL, line, 0, width, e);
	}
	snprintf(line, sizeof line, "signature check FAILED: %s", x->why);
	if (view_entry_text(l, DRAW_ERROR, NULL, line, 0, width, e) != 0)
		return -1;
	snprintf(line, sizeof line, "  claimed: signed by %s, key %s (not verified)", x->signer[0] ? x->signer : "?",
		 x->key_id[0] ? x->key_id : "?");
	return view_entry_text(l, DRAW_ERROR, NULL, line, 0, width, e);
}

/* Rows Enter follows: the request the entry belongs to or caused, and the
 * version (or model) it is about. */
static int view_entry_links(struct app *a, struct list *l, const struct explain *x, int width, struct err *e)
{
	char line[600];
	int64_t req[2] = {x->request, x->successor};
	int i;

	if (x->request <= 0 && x->model[0] == '\0')
		return 0;
	if (view_line(l, DRAW_NORMAL, "", e) != 0 || view_line(l, DRAW_TITLE, "Links (Enter opens)", e) != 0)
		return -1;
	for (i = 0; i < 2; i++) {
		struct approval_request r;
		struct err re;
		char key[40];

		if (req[i] <= 0)
			continue;
		snprintf(key, sizeof key, "request:%" PRId64, req[i]);
		if (approval_request_get(a->st, req[i], &r, &re) != 0) {
			snprintf(line, sizeof line, "%srequest #%" PRId64 " (%s)", i ? "successor " : "", req[i], re.msg);
		} else {
			snprintf(line, sizeof line, "%srequest #%" PRId64 ": %s%s v%" PRId64 " %s -> %s (%s)",
				 i ? "successor " : "", req[i], strcmp(r.kind, "review") == 0 ? "review of " : "",
				 r.model, r.version, r.from, r.to, r.state);
			approval_request_clear(&r);
		}
		if (view_entry_text(l, DRAW_NORMAL, key, line, 2, width, e) != 0)
			return -1;
	}
	if (x->model[0] != '\0') {
		if (x->version > 0)
			snprintf(line, sizeof line, "version %s v%" PRId64, x->model, x->version);
		else
			snprintf(line, sizeof line, "model %s", x->model);
		if (view_entry_text(l, DRAW_NORMAL, x->version > 0 ? "version" : "model", line, 2, width, e) != 0)
			return -1;
	}
	return 0;
}

static int view_entry_build(struct app *a, struct view *v, int width, struct err *e)
{
	struct view_entry *p = v->priv;
	struct list *l = &v->list;
	const struct explain *x = &p->ex;
	json_error_t je;
	json_t *j, *data;
	char *pretty = NULL, head[800], keep[64];
	int rc, parsed;

	list_selected_key(l, keep, sizeof keep);
	list_clear(l);
	p->built_width = width;
	if (view_entry_verdict(l, x, width, e) != 0)
		return -1;
	if (x->kind == EXPLAIN_DECISION && x->ok) {
		if (x->counts)
			snprintf(head, sizeof head, "counts toward request #%" PRId64 " now", x->request);
		else
			snprintf(head, sizeof head, "does not count toward request #%" PRId64 " now: %s", x->request,
				 x->counts_why[0] ? x->counts_why : "not found on the request");
		if (view_entry_text(l, x->counts ? DRAW_OK : DRAW_WARN, NULL, head, 0, width, e) != 0)
			return -1;
	}
	snprintf(head, sizeof head, "proof: %s", p->proof);
	if (view_wrapped(l, p->proof_style, head, 0, width, e) != 0 || view_entry_links(a, l, x, width, e) != 0)
		return -1;
	if (x->statement != NULL && view_entry_statement(l, x, width, e) != 0)
		return -1;
	data = json_object_get(x->body, "data");
	if (json_is_object(data) && json_object_size(data) > (json_object_get(data, "envelope") ? 1u : 0u)) {
		if (view_line(l, DRAW_NORMAL, "", e) != 0 ||
		    view_line(l, DRAW_TITLE, x->statement ? "Recorded with it" : "Data", e) != 0 ||
		    view_entry_json(l, "", data, "envelope", width, e) != 0)
			return -1;
	}
	if (view_line(l, DRAW_NORMAL, "", e) != 0)
		return -1;
	j = json_loadb(p->x.body, p->x.len, 0, &je);
	parsed = j != NULL;
	if (parsed)
		pretty = json_dumps(j, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
	json_decref(j);
	if (pretty != NULL) {
		rc = view_line(l, DRAW_TITLE, "Body (the bytes as stored)", e) == 0 &&
				     view_wrapped(l, DRAW_DIM, pretty, 0, width, e) == 0
			     ? 0
			     : -1;
		free(pretty);
	} else {
		/* A body that no longer parses is shown as stored: that is the evidence. */
		snprintf(head, sizeof head, "Body (not JSON: %s at byte %d), as stored:",
			 parsed ? "out of memory" : je.text, parsed ? 0 : je.position);
		rc = view_line(l, DRAW_WARN, head, e) == 0 &&
				     view_wrapped(l, DRAW_NORMAL, p->x.body, 0, width, e) == 0
			     ? 0
			     : -1;
	}
	/* Opened on the first link: Enter follows it at once. */
	if (!p->built_once) {
		if (x->request > 0)
			snprintf(keep, sizeof keep, "request:%" PRId64, x->request);
		else
			snprintf(keep, sizeof keep, "%s", x->version > 0 ? "version" : x->model[0] ? "model" : "");
	}
	p->built_once = 1;
	return rc == 0 ? list_finish(l, keep[0] ? keep : NULL, e) : -1;
}

static int view_entry_load(struct app *a, struct view *v, struct err *e)
{
	struct view_entry *p = v->priv;
	struct ledger_entry x;
	struct explain ex;

	if (ledger_entry_get(a->st, p->seq, &x, e) != 0)
		return -1;
	if (explain_entry(a->st, p->seq, &ex, e) != 0) {
		ledger_entry_clear(&x);
		return -1;
	}
	if (p->loaded) {
		ledger_entry_clear(&p->x);
		explain_clear(&p->ex);
	}
	p->x = x;
	p->ex = ex;
	p->loaded = 1;
	view_entry_proof(a, p);
	return view_entry_build(a, v, p->built_width > 0 ? p->built_width : 80, e);
}

/* Enter on a link row: the request, the version or the model. */
static int view_entry_enter(struct app *a, struct view *v, struct err *e)
{
	struct view_entry *p = v->priv;
	const struct list_row *r = list_selected(&v->list);
	struct view_arg arg = {0};

	(void)e;
	if (r == NULL || r->key == NULL) {
		app_message(a, "Enter on a request, version or model line opens it");
		return 0;
	}
	if (strncmp(r->key, "request:", 8) == 0) {
		arg.request = strtoll(r->key + 8, NULL, 10);
		app_push(a, &view_request_ops, &arg);
	} else if (strcmp(r->key, "version") == 0) {
		arg.model = p->ex.model;
		arg.version = p->ex.version;
		app_push(a, &view_version_ops, &arg);
	} else if (strcmp(r->key, "model") == 0) {
		arg.model = p->ex.model;
		app_push(a, &view_model_ops, &arg);
	}
	return 0;
}

static void view_entry_close(struct view *v)
{
	struct view_entry *p = v->priv;

	if (p == NULL)
		return;
	if (p->loaded) {
		ledger_entry_clear(&p->x);
		explain_clear(&p->ex);
	}
	free(p);
	v->priv = NULL;
}

static int view_entry_open(struct app *a, struct view *v, const struct view_arg *arg,
			   struct err *e)
{
	struct view_entry *p;

	if (arg == NULL || arg->seq <= 0)
		return err_set(e, ERR_INVALID, "no ledger entry to open");
	p = calloc(1, sizeof *p);
	if (p == NULL)
		return err_set(e, ERR_IO, "out of memory");
	v->priv = p;
	p->seq = arg->seq;
	list_init(&v->list, NULL, 0, 0, "");
	return view_entry_load(a, v, e);
}

static void view_entry_draw(struct app *a, struct view *v, int y, int x, int h, int w)
{
	struct view_entry *p = v->priv;
	char line[1024], when[32];
	struct err e;

	err_clear(&e);
	if (w != p->built_width && view_entry_build(a, v, w, &e) != 0)
		app_error(a, "%s", e.msg);
	if (h < 3) {
		list_draw(&v->list, y, x, h, w);
		return;
	}
	view_time(p->x.time, when, sizeof when);
	snprintf(line, sizeof line, "#%" PRId64 "  %s  %s  %s  %s", p->x.seq, when, p->x.actor,
		 p->x.action, p->x.subject);
	draw_text(y, x + 1, w - 1, draw_attr(DRAW_HEADING, 0), line);
	list_draw(&v->list, y + 1, x, h - 1, w);
}

static void view_entry_title(struct view *v, char *buf, size_t n)
{
	struct view_entry *p = v->priv;

	snprintf(buf, n, "entry #%" PRId64, p->seq);
}

/* :audit from an entry shows the other entries about its version or model. */
static void view_entry_scope(const struct view *v, struct view_arg *arg)
{
	const struct view_entry *p = v->priv;

	if (p->ex.model[0] != '\0') {
		arg->model = p->ex.model;
		arg->version = p->ex.version;
	}
}

const struct view_ops view_entry_ops = {
	.name = "entry",
	.open = view_entry_open,
	.close = view_entry_close,
	.refresh = view_entry_load,
	.draw = view_entry_draw,
	.enter = view_entry_enter,
	.scope = view_entry_scope,
	.title = view_entry_title,
};
