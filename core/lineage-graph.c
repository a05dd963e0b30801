/* lineage-graph: the graph around a model version or dataset, its JSON and Graphviz forms, completeness, and the signed lineage.set entries. */
#include <inttypes.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "gate.h"
#include "ledger.h"
#include "lineage.h"
#include "proven.h"

/* Neighbour queries, one direction each, prepared once per graph. */
enum lg_q {
	LQ_MODEL_UP,  /* runs that produced a version */
	LQ_RUN_UP,    /* dataset versions a run read */
	LQ_DSV_UP,    /* runs that wrote a dataset version */
	LQ_DSV_DOWN,  /* runs that read a dataset version */
	LQ_RUN_DOWN,  /* dataset versions a run wrote */
	LQ_RUN_MODEL, /* versions a run produced */
	LQ_DSV_NODE,
	LQ_RUN_NODE,
	LQ_MODEL_NODE,
	LQ_N
};

#define LG_RUN_VERSIONS                                                                                                \
	"SELECT v.id FROM lineage_runs r JOIN versions v ON v.run_id = r.mlflow_run"                                 \
	" WHERE r.id = ?1 AND r.mlflow_run <> '' AND v.run_id <> ''"                                                   \
	" UNION SELECT v.id FROM lineage_runs r JOIN models m ON m.name = r.model"                                       \
	" JOIN versions v ON v.model_id = m.id AND v.version = r.model_version WHERE r.id = ?1 AND r.model <> ''"

static const char *const lg_sql[LQ_N] = {
	[LQ_MODEL_UP] = "SELECT r.id FROM versions v JOIN lineage_runs r ON r.mlflow_run = v.run_id"
			" WHERE v.id = ?1 AND v.run_id <> '' AND r.mlflow_run <> ''"
			" UNION SELECT r.id FROM versions v JOIN models m ON m.id = v.model_id"
			" JOIN lineage_runs r ON r.model = m.name AND r.model_version = v.version WHERE v.id = ?1 AND r.model <> ''",
	[LQ_RUN_UP] = "SELECT dsv FROM lineage_io WHERE run = ?1 AND dir = 0",
	[LQ_DSV_UP] = "SELECT run FROM lineage_io WHERE dsv = ?1 AND dir = 1",
	[LQ_DSV_DOWN] = "SELECT run FROM lineage_io WHERE dsv = ?1 AND dir = 0",
	[LQ_RUN_DOWN] = "SELECT dsv FROM lineage_io WHERE run = ?1 AND dir = 1",
	[LQ_RUN_MODEL] = LG_RUN_VERSIONS,
	[LQ_DSV_NODE] = "SELECT d.namespace, d.name, v.version, v.digest, d.source, d.fields, v.seen"
			" FROM lineage_dsv v JOIN lineage_datasets d ON d.id = v.dataset WHERE v.id = ?1",
	[LQ_RUN_NODE] = "SELECT j.namespace, j.name, r.run_id, r.state, r.mlflow_run, r.started, r.ended"
			" FROM lineage_runs r JOIN lineage_jobs j ON j.id = r.job WHERE r.id = ?1",
	[LQ_MODEL_NODE] = "SELECT m.name, v.version, v.digest, v.created,"
			  " (SELECT group_concat(alias, ',') FROM (SELECT alias FROM aliases a WHERE a.version_id = v.id ORDER BY alias) al)"
			  " FROM versions v JOIN models m ON m.id = v.model_id WHERE v.id = ?1",
};

struct lg {
	struct store *st;
	struct lineage_graph *g;
	struct db_stmt *q[LQ_N];
	size_t *slot; /* open addressing: node index + 1, 0 empty */
	size_t nslot;
	int maxdepth;
};

const char *lineage_kind_name(enum lineage_kind k)
{
	return k == LINEAGE_DATASET ? "dataset" : k == LINEAGE_RUN ? "run" : "model";
}

static size_t lg_hash(enum lineage_kind k, int64_t id)
{
	uint64_t x = (uint64_t)id * 0x9e3779b97f4a7c15ull ^ (uint64_t)k * 0xc2b2ae3d27d4eb4full;

	return (size_t)(x ^ (x >> 29));
}

static int lg_rehash(struct lg *c)
{
	size_t n = c->nslot ? c->nslot * 2 : 256, i, *s = calloc(n, sizeof *s);

	if (s == NULL)
		return -1;
	for (i = 0; i < c->g->nn; i++) {
		size_t h = lg_hash(c->g->n[i].kind, c->g->n[i].id) & (n - 1);

		while (s[h] != 0)
			h = (h + 1) & (n - 1);
		s[h] = i + 1;
	}
	free(c->slot);
	c->slot = s;
	c->nslot = n;
	return 0;
}

static size_t lg_find(const struct lg *c, enum lineage_kind k, int64_t id)
{
	size_t h;

	if (c->nslot == 0)
		return (size_t)-1;
	for (h = lg_hash(k, id) & (c->nslot - 1); c->slot[h] != 0; h = (h + 1) & (c->nslot - 1)) {
		const struct lineage_node *x = &c->g->n[c->slot[h] - 1];

		if (x->kind == k && x->id == id)
			return c->slot[h] - 1;
	}
	return (size_t)-1;
}

static char *lg_dup(struct db_stmt *s, int col)
{
	const char *t = (const char *)db_column_text(s, col);

	return strdup(t ? t : "");
}

/* Fills a new node's text from its row. */
static int lg_fill(struct lg *c, struct lineage_node *n, struct err *e)
{
	struct db_stmt *s = c->q[n->kind == LINEAGE_DATASET ? LQ_DSV_NODE : n->kind == LINEAGE_RUN ? LQ_RUN_NODE : LQ_MODEL_NODE];
	int rc;

	db_bind_int64(s, 1, n->id);
	rc = db_step(s);
	if (rc != DB_ROW) {
		db_reset(s);
		return rc == DB_DONE ? err_set(e, ERR_NOTFOUND, "lineage %s %" PRId64 " is missing", lineage_kind_name(n->kind), n->id)
				     : store_fail(c->st, e, "reading lineage");
	}
	if (n->kind == LINEAGE_DATASET) {
		n->ns = lg_dup(s, 0);
		n->name = lg_dup(s, 1);
		n->version = lg_dup(s, 2);
		n->digest = lg_dup(s, 3);
		n->source = lg_dup(s, 4);
		n->fields = lg_dup(s, 5);
		n->state = strdup("");
		n->time = db_column_int64(s, 6);
	} else if (n->kind == LINEAGE_RUN) {
		n->ns = lg_dup(s, 0);
		n->name = lg_dup(s, 1);
		n->version = lg_dup(s, 2);
		n->state = lg_dup(s, 3);
		n->source = lg_dup(s, 4);
		n->digest = strdup("");
		n->fields = strdup("");
		n->time = db_column_int64(s, 6) ? db_column_int64(s, 6) : db_column_int64(s, 5);
	} else {
		char v[24];

		snprintf(v, sizeof v, "%" PRId64, (int64_t)db_column_int64(s, 1));
		n->ns = strdup("");
		n->name = lg_dup(s, 0);
		n->version = strdup(v);
		n->digest = lg_dup(s, 2);
		n->time = db_column_int64(s, 3);
		n->state = lg_dup(s, 4);
		n->source = strdup("");
		n->fields = strdup("");
	}
	db_reset(s);
	if (n->ns == NULL || n->name == NULL || n->version == NULL || n->digest == NULL || n->state == NULL ||
	    n->source == NULL || n->fields == NULL)
		return err_set(e, ERR_IO, "out of memory");
	return 0;
}

/* The node of kind/id, added at depth when new: its index, (size_t)-1 when
 * the graph is full, (size_t)-2 on an error. *added says whether it is new. */
static size_t lg_node(struct lg *c, enum lineage_kind k, int64_t id, int depth, int *added, struct err *e)
{
	struct lineage_graph *g = c->g;
	struct lineage_node *n;
	size_t i = lg_find(c, k, id), h;

	*added = 0;
	if (i != (size_t)-1)
		return i;
	if (g->nn >= LINEAGE_NODES_MAX) {
		g->truncated = 1;
		return (size_t)-1;
	}
	if (g->nn == g->cap) {
		size_t cap = g->cap ? g->cap * 2 : 64;
		struct lineage_node *x = realloc(g->n, cap * sizeof *x);

		if (x == NULL) {
			err_set(e, ERR_IO, "out of memory");
			return (size_t)-2;
		}
		g->n = x;
		g->cap = cap;
	}
	if ((g->nn + 1) * 2 > c->nslot && lg_rehash(c) != 0) {
		err_set(e, ERR_IO, "out of memory");
		return (size_t)-2;
	}
	n = &g->n[g->nn];
	memset(n, 0, sizeof *n);
	n->kind = k;
	n->id = id;
	n->depth = depth;
	g->nn++;
	if (lg_fill(c, n, e) != 0)
		return (size_t)-2;
	for (h = lg_hash(k, id) & (c->nslot - 1); c->slot[h] != 0; h = (h + 1) & (c->nslot - 1))
		;
	c->slot[h] = g->nn;
	*added = 1;
	return g->nn - 1;
}

static int lg_edge(struct lineage_graph *g, size_t from, size_t to, struct err *e)
{
	size_t i;

	/* Short runs of repeats only come from the node just expanded: check the tail. */
	for (i = g->ne; i > 0 && i + 8 > g->ne; i--)
		if (g->e[i - 1].from == from && g->e[i - 1].to == to)
			return 0;
	if (g->ne == g->ecap) {
		size_t cap = g->ecap ? g->ecap * 2 : 64;
		struct lineage_edge *x = realloc(g->e, cap * sizeof *x);

		if (x == NULL)
			return err_set(e, ERR_IO, "out of memory");
		g->e = x;
		g->ecap = cap;
	}
	g->e[g->ne].from = from;
	g->e[g->ne].to = to;
	g->ne++;
	return 0;
}

/* Expands node i one way with query q, whose rows are ids of kind k. */
static int lg_expand(struct lg *c, size_t i, enum lg_q q, enum lineage_kind k, int up, size_t **front, size_t *nf,
		     size_t *cap, struct err *e)
{
	struct db_stmt *s = c->q[q];
	int64_t id = c->g->n[i].id;
	int depth = c->g->n[i].depth + 1, rc, r = 0;

	db_bind_int64(s, 1, id);
	while (r == 0 && (rc = db_step(s)) == DB_ROW) {
		int added;
		size_t j = lg_node(c, k, db_column_int64(s, 0), depth, &added, e);

		if (j == (size_t)-2) {
			r = -1;
			break;
		}
		if (j == (size_t)-1)
			continue;
		r = up ? lg_edge(c->g, j, i, e) : lg_edge(c->g, i, j, e);
		if (r == 0 && added) {
			if (*nf == *cap) {
				size_t *x = realloc(*front, (*cap = *cap ? *cap * 2 : 64) * sizeof *x);

				if (x == NULL) {
					r = err_set(e, ERR_IO, "out of memory");
					break;
				}
				*front = x;
			}
			(*front)[(*nf)++] = j;
		}
	}
	db_reset(s);
	if (r == 0 && rc != DB_DONE && rc != DB_ROW)
		r = store_fail(c->st, e, "reading lineage");
	return r;
}

/* Breadth first from the roots one way; nodes already in the graph are
 * joined by an edge but not expanded again, so a cycle ends. */
static int lg_walk(struct lg *c, const size_t *roots, size_t nroots, int up, struct err *e)
{
	size_t *front = NULL, nf = 0, cap = 0, at = 0, i;
	int r = 0;

	for (i = 0; i < nroots; i++) {
		size_t *x = realloc(front, (cap = nf + 1 > cap ? (cap ? cap * 2 : 64) : cap) * sizeof *x);

		if (x == NULL) {
			free(front);
			return err_set(e, ERR_IO, "out of memory");
		}
		front = x;
		front[nf++] = roots[i];
	}
	while (r == 0 && at < nf) {
		size_t n = front[at++];
		enum lineage_kind k = c->g->n[n].kind;

		if (c->g->n[n].depth >= c->maxdepth)
			continue;
		if (up) {
			if (k == LINEAGE_MODEL)
				r = lg_expand(c, n, LQ_MODEL_UP, LINEAGE_RUN, 1, &front, &nf, &cap, e);
			else if (k == LINEAGE_RUN)
				r = lg_expand(c, n, LQ_RUN_UP, LINEAGE_DATASET, 1, &front, &nf, &cap, e);
			else
				r = lg_expand(c, n, LQ_DSV_UP, LINEAGE_RUN, 1, &front, &nf, &cap, e);
		} else {
			if (k == LINEAGE_DATASET)
				r = lg_expand(c, n, LQ_DSV_DOWN, LINEAGE_RUN, 0, &front, &nf, &cap, e);
			else if (k == LINEAGE_RUN) {
				r = lg_expand(c, n, LQ_RUN_DOWN, LINEAGE_DATASET, 0, &front, &nf, &cap, e);
				if (r == 0)
					r = lg_expand(c, n, LQ_RUN_MODEL, LINEAGE_MODEL, 0, &front, &nf, &cap, e);
			}
		}
	}
	free(front);
	return r;
}

static int lg_open(struct lg *c, struct store *st, struct lineage_graph *g, int depth, struct err *e)
{
	int k;

	memset(c, 0, sizeof *c);
	memset(g, 0, sizeof *g);
	c->st = st;
	c->g = g;
	c->maxdepth = depth > 0 ? depth : LINEAGE_DEPTH_MAX;
	/* Cached on the store: the gate reads a version's lineage on every apply. */
	for (k = 0; k < LQ_N; k++)
		if (store_stmt(st, &c->q[k], lg_sql[k], e) != 0)
			return -1;
	return 0;
}

static void lg_close(struct lg *c)
{
	int k;

	for (k = 0; k < LQ_N; k++)
		store_stmt_done(c->st, c->q[k]);
	free(c->slot);
}

static int lg_run(struct lg *c, const size_t *roots, size_t nroots, enum lineage_dir dir, struct err *e)
{
	if ((dir & LINEAGE_UP) && lg_walk(c, roots, nroots, 1, e) != 0)
		return -1;
	if ((dir & LINEAGE_DOWN) && lg_walk(c, roots, nroots, 0, e) != 0)
		return -1;
	return 0;
}

int lineage_graph_version(struct store *st, const char *model, int64_t version, enum lineage_dir dir, int depth,
			  struct lineage_graph *g, struct err *e)
{
	struct lg c;
	struct db_stmt *s;
	int64_t vid = 0;
	size_t root;
	int rc, added, r = -1;

	if (lg_open(&c, st, g, depth, e) != 0)
		goto out;
	if (store_stmt(st, &s, "SELECT v.id FROM versions v JOIN models m ON m.id = v.model_id WHERE m.name = ?1 AND v.version = ?2",
			  e) != 0)
		goto out;
	db_bind_text(s, 1, model, -1, DB_STATIC);
	db_bind_int64(s, 2, version);
	rc = db_step(s);
	if (rc == DB_ROW)
		vid = db_column_int64(s, 0);
	store_stmt_done(st, s);
	if (rc != DB_ROW) {
		if (rc == DB_DONE)
			err_set(e, ERR_NOTFOUND, "model \"%s\" has no version %" PRId64, model, version);
		else
			store_fail(st, e, "reading a version");
		goto out;
	}
	root = lg_node(&c, LINEAGE_MODEL, vid, 0, &added, e);
	if (root == (size_t)-2)
		goto out;
	r = lg_run(&c, &root, 1, dir, e);
out:
	lg_close(&c);
	if (r != 0)
		lineage_graph_free(g);
	return r;
}

int lineage_graph_dataset(struct store *st, const char *ns, const char *name, enum lineage_dir dir, int depth,
			  struct lineage_graph *g, struct err *e)
{
	struct lg c;
	struct db_stmt *s = NULL;
	size_t *roots = NULL, nroots = 0;
	int rc, added, r = -1;

	if (lg_open(&c, st, g, depth, e) != 0)
		goto out;
	if (store_prepare(st, &s,
			  "SELECT v.id FROM lineage_dsv v JOIN lineage_datasets d ON d.id = v.dataset"
			  " WHERE d.namespace = ?1 AND d.name = ?2 ORDER BY v.seen, v.id",
			  e) != 0)
		goto out;
	db_bind_text(s, 1, ns, -1, DB_STATIC);
	db_bind_text(s, 2, name, -1, DB_STATIC);
	while ((rc = db_step(s)) == DB_ROW) {
		size_t i = lg_node(&c, LINEAGE_DATASET, db_column_int64(s, 0), 0, &added, e), *x;

		if (i == (size_t)-2)
			goto out;
		if (i == (size_t)-1)
			break;
		x = realloc(roots, (nroots + 1) * sizeof *x);
		if (x == NULL) {
			err_set(e, ERR_IO, "out of memory");
			goto out;
		}
		roots = x;
		roots[nroots++] = i;
	}
	if (rc != DB_DONE && rc != DB_ROW) {
		store_fail(st, e, "reading lineage");
		goto out;
	}
	if (nroots == 0) {
		err_set(e, ERR_NOTFOUND, "no dataset %s/%s in the lineage", ns, name);
		goto out;
	}
	r = lg_run(&c, roots, nroots, dir, e);
out:
	db_finalize(s);
	free(roots);
	lg_close(&c);
	if (r != 0)
		lineage_graph_free(g);
	return r;
}

void lineage_graph_free(struct lineage_graph *g)
{
	size_t i;

	for (i = 0; g->n != NULL && i < g->nn; i++) {
		free(g->n[i].ns);
		free(g->n[i].name);
		free(g->n[i].version);
		free(g->n[i].digest);
		free(g->n[i].state);
		free(g->n[i].source);
		free(g->n[i].fields);
	}
	free(g->n);
	free(g->e);
	memset(g, 0, sizeof *g);
}

/* ---- output ---- */

/* A stable id a reader can match across runs: "dataset:NS/NAME@VERSION", "run:UUID", "model:NAME/V". */
static char *lg_id(const struct lineage_node *n)
{
	size_t len = strlen(n->ns) + strlen(n->name) + strlen(n->version) + 16;
	char *s = malloc(len);

	if (s == NULL)
		return NULL;
	if (n->kind == LINEAGE_DATASET)
		snprintf(s, len, "dataset:%s/%s@%s", n->ns, n->name, n->version);
	else if (n->kind == LINEAGE_RUN)
		snprintf(s, len, "run:%s", n->version);
	else
		snprintf(s, len, "model:%s/%s", n->name, n->version);
	return s;
}

json_t *lineage_graph_json(const struct lineage_graph *g)
{
	json_t *o = json_object(), *nodes = json_array(), *edges = json_array();
	char **ids = calloc(g->nn + 1, sizeof *ids);
	size_t i;
	int bad = o == NULL || nodes == NULL || edges == NULL || ids == NULL;

	for (i = 0; !bad && i < g->nn; i++) {
		const struct lineage_node *n = &g->n[i];
		json_t *x;

		ids[i] = lg_id(n);
		if (ids[i] == NULL) {
			bad = 1;
			break;
		}
		if (n->kind == LINEAGE_DATASET)
			x = json_pack("{s:s, s:s, s:s, s:s, s:s, s:s*, s:I, s:i}", "id", ids[i], "kind", "dataset", "namespace",
				      n->ns, "name", n->name, "version", n->version, "digest", n->digest[0] ? n->digest : NULL,
				      "seen", (json_int_t)n->time, "depth", n->depth);
		else if (n->kind == LINEAGE_RUN)
			x = json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:s*, s:I, s:i}", "id", ids[i], "kind", "run", "run_id",
				      n->version, "job_namespace", n->ns, "job", n->name, "state", n->state, "mlflow_run",
				      n->source[0] ? n->source : NULL, "time", (json_int_t)n->time, "depth", n->depth);
		else
			x = json_pack("{s:s, s:s, s:s, s:I, s:s, s:s, s:I, s:i}", "id", ids[i], "kind", "model", "model", n->name,
				      "version", (json_int_t)strtoll(n->version, NULL, 10), "digest", n->digest, "aliases",
				      n->state, "created", (json_int_t)n->time, "depth", n->depth);
		if (n->kind == LINEAGE_DATASET && x != NULL && n->source[0] != '\0')
			bad |= json_object_set_new(x, "source", json_string(n->source)) != 0;
		if (n->kind == LINEAGE_DATASET && x != NULL && n->fields[0] != '\0') {
			json_t *f = json_loads(n->fields, 0, NULL);

			if (f != NULL)
				bad |= json_object_set_new(x, "fields", f) != 0;
		}
		bad |= x == NULL || json_array_append_new(nodes, x) != 0;
	}
	for (i = 0; !bad && i < g->ne; i++)
		bad |= json_array_append_new(edges, json_pack("[s, s]", ids[g->e[i].from], ids[g->e[i].to])) != 0;
	if (!bad)
		bad = json_object_set_new(o, "nodes", nodes) != 0 || json_object_set_new(o, "edges", edges) != 0 ||
		      json_object_set_new(o, "truncated", json_boolean(g->truncated)) != 0;
	else {
		json_decref(nodes);
		json_decref(edges);
	}
	for (i = 0; ids != NULL && i < g->nn; i++)
		free(ids[i]);
	free(ids);
	if (bad) {
		json_decref(o);
		return NULL;
	}
	return o;
}

/* A DOT string: quotes and backslashes escaped, a newline (ours: names
 * carry no control characters) as DOT's \n, other control characters dropped. */
static void lg_dot_str(FILE *f, const char *s)
{
	fputc('"', f);
	for (; *s; s++) {
		unsigned char ch = (unsigned char)*s;

		if (ch == '\n')
			fputs("\\n", f);
		else if (ch == '"' || ch == '\\')
			fprintf(f, "\\%c", ch);
		else if (ch >= 0x20)
			fputc(ch, f);
	}
	fputc('"', f);
}

int lineage_graph_dot(const struct lineage_graph *g, FILE *out)
{
	size_t i;

	fputs("digraph lineage {\n  rankdir=LR;\n  node [fontname=\"Helvetica\", fontsize=10];\n", out);
	for (i = 0; i < g->nn; i++) {
		const struct lineage_node *n = &g->n[i];
		char label[2048];

		if (n->kind == LINEAGE_DATASET)
			snprintf(label, sizeof label, "%s/%s\n%s%s%s", n->ns, n->name, n->version[0] ? n->version : "(no version)",
				 n->digest[0] && strcmp(n->digest, n->version) != 0 ? "\n" : "",
				 n->digest[0] == '\0' ? "\nNO DIGEST" : strcmp(n->digest, n->version) != 0 ? n->digest : "");
		else if (n->kind == LINEAGE_RUN)
			snprintf(label, sizeof label, "%s/%s\nrun %.8s %s", n->ns, n->name, n->version, n->state);
		else
			snprintf(label, sizeof label, "%s v%s%s%s", n->name, n->version, n->state[0] ? "\n" : "", n->state);
		fprintf(out, "  n%zu [shape=%s, label=", i,
			n->kind == LINEAGE_DATASET ? "box" : n->kind == LINEAGE_RUN ? "ellipse" : "doubleoctagon");
		lg_dot_str(out, label);
		if ((n->kind == LINEAGE_DATASET && n->digest[0] == '\0') ||
		    (n->kind == LINEAGE_RUN && strcmp(n->state, "COMPLETE") != 0))
			fputs(", color=red, fontcolor=red", out);
		fputs(", tooltip=", out);
		lg_dot_str(out, n->kind == LINEAGE_RUN ? n->version : n->name);
		fputs("];\n", out);
	}
	for (i = 0; i < g->ne; i++)
		fprintf(out, "  n%zu -> n%zu;\n", g->e[i].from, g->e[i].to);
	if (g->truncated)
		fputs("  truncated [shape=note, label=\"graph cut at the node limit\"];\n", out);
	fputs("}\n", out);
	return ferror(out) ? -1 : 0;
}

/* ---- completeness ---- */

static int lg_gap(json_t *gaps, struct lineage_status *out, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static int lg_gap(json_t *gaps, struct lineage_status *out, const char *fmt, ...)
{
	char buf[600];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(buf, sizeof buf, fmt, ap);
	va_end(ap);
	out->complete = 0;
	return json_array_append_new(gaps, json_string(buf));
}

struct lg_item {
	char *text;
	json_t *v;
};

static int lg_item_cmp(const void *a, const void *b)
{
	return strcmp(((const struct lg_item *)a)->text, ((const struct lg_item *)b)->text);
}

/* Sorts an array by each member's canonical JSON, dropping repeats. */
static int lg_sort(json_t *a)
{
	size_t n = json_array_size(a), i;
	struct lg_item *it = calloc(n + 1, sizeof *it);
	int r = it == NULL ? -1 : 0;

	for (i = 0; r == 0 && i < n; i++) {
		it[i].v = json_incref(json_array_get(a, i));
		it[i].text = json_dumps(it[i].v, JSON_COMPACT | JSON_SORT_KEYS | JSON_ENSURE_ASCII | JSON_ENCODE_ANY);
		if (it[i].text == NULL)
			r = -1;
	}
	if (r == 0) {
		qsort(it, n, sizeof *it, lg_item_cmp);
		json_array_clear(a);
		for (i = 0; r == 0 && i < n; i++)
			if (i == 0 || strcmp(it[i].text, it[i - 1].text) != 0)
				r = json_array_append(a, it[i].v);
	}
	for (i = 0; it != NULL && i < n; i++) {
		free(it[i].text);
		json_decref(it[i].v);
	}
	free(it);
	return r;
}

int lineage_status_of(struct store *st, const char *model, int64_t version, struct lineage_status *out, struct err *e)
{
	struct lineage_graph g;
	json_t *runs = NULL, *inputs = NULL, *gaps = NULL;
	size_t i, k;
	char *canon;
	int r = 0;

	memset(out, 0, sizeof *out);
	/* Two hops up: the runs that produced it and what they read. */
	if (lineage_graph_version(st, model, version, LINEAGE_UP, 2, &g, e) != 0)
		return -1;
	runs = json_array();
	inputs = json_array();
	gaps = json_array();
	if (runs == NULL || inputs == NULL || gaps == NULL) {
		r = err_set(e, ERR_IO, "out of memory");
		goto out;
	}
	out->complete = 1;
	for (i = 0; i < g.nn; i++) {
		const struct lineage_node *n = &g.n[i];
		int reads = 0;

		if (n->kind != LINEAGE_RUN || n->depth != 1)
			continue;
		out->nruns++;
		r |= json_array_append_new(runs, json_pack("{s:s, s:s, s:s, s:s}", "run", n->version, "namespace", n->ns, "job",
						     n->name, "state", n->state));
		if (strcmp(n->state, "COMPLETE") != 0)
			r |= lg_gap(gaps, out, "run %s of job %s/%s %s", n->version, n->ns, n->name,
				    strcmp(n->state, "FAIL") == 0 || strcmp(n->state, "ABORT") == 0 ? "ended FAIL or ABORT"
												    : "has not ended COMPLETE");
		for (k = 0; k < g.ne; k++)
			if (g.e[k].to == i && g.n[g.e[k].from].kind == LINEAGE_DATASET)
				reads++;
		if (reads == 0)
			r |= lg_gap(gaps, out, "run %s of job %s/%s read no dataset", n->version, n->ns, n->name);
	}
	for (i = 0; i < g.nn; i++) {
		const struct lineage_node *n = &g.n[i];

		if (n->kind != LINEAGE_DATASET || n->depth != 2)
			continue;
		out->ninputs++;
		r |= json_array_append_new(inputs, json_pack("{s:s, s:s, s:s, s:s}", "namespace", n->ns, "name", n->name,
						       "version", n->version, "digest", n->digest));
		if (n->digest[0] == '\0') {
			out->nundigested++;
			r |= lg_gap(gaps, out, "dataset %s/%s%s%s has no digest", n->ns, n->name, n->version[0] ? " version " : "",
				    n->version);
		}
	}
	if (r != 0) {
		r = err_set(e, ERR_IO, "out of memory");
		goto out;
	}
	out->has = out->nruns > 0;
	if (!out->has) {
		out->complete = 0;
		snprintf(out->why, sizeof out->why, "no run is linked to %s v%" PRId64, model, version);
	} else if (out->complete)
		snprintf(out->why, sizeof out->why, "%d run%s COMPLETE, %d dataset version%s read, each with a digest",
			 out->nruns, out->nruns == 1 ? "" : "s", out->ninputs, out->ninputs == 1 ? "" : "s");
	/* Sorted, so the summary and its digest do not depend on the order events came in. */
	if (lg_sort(runs) != 0 || lg_sort(inputs) != 0 || lg_sort(gaps) != 0) {
		r = err_set(e, ERR_IO, "out of memory");
		goto out;
	}
	if (json_array_size(gaps) > 0)
		snprintf(out->why, sizeof out->why, "%s", json_string_value(json_array_get(gaps, 0)));
	out->summary = json_pack("{s:o, s:o, s:b, s:o}", "runs", runs, "inputs", inputs, "complete", out->complete, "gaps",
				 gaps);
	runs = inputs = gaps = NULL;
	if (out->summary == NULL) {
		r = err_set(e, ERR_IO, "out of memory");
		goto out;
	}
	canon = json_dumps(out->summary, JSON_COMPACT | JSON_SORT_KEYS | JSON_ENSURE_ASCII);
	if (canon == NULL) {
		r = err_set(e, ERR_IO, "out of memory");
		goto out;
	}
	gate_digest(canon, strlen(canon), out->digest);
	free(canon);
out:
	json_decref(runs);
	json_decref(inputs);
	json_decref(gaps);
	lineage_graph_free(&g);
	if (r != 0)
		lineage_status_free(out);
	return r;
}

void lineage_status_free(struct lineage_status *s)
{
	json_decref(s->summary);
	s->summary = NULL;
}

/* ---- the signed record ---- */

/* The newest signed entry alone, without comparing it with the store. */
static int lg_signed(struct store *st, const char *model, int64_t version, struct lineage_evidence *out, struct err *e);

int lineage_gate_evidence(struct store *st, const char *model, int64_t version, struct lineage_evidence *out,
			  struct err *e)
{
	struct lineage_status ls;

	if (lg_signed(st, model, version, out, e) != 0)
		return -1;
	if (!out->has)
		return 0;
	if (lineage_status_of(st, model, version, &ls, e) != 0)
		return -1;
	out->current = strcmp(ls.digest, out->digest) == 0;
	lineage_status_free(&ls);
	return 0;
}

static int lg_signed(struct store *st, const char *model, int64_t version, struct lineage_evidence *out, struct err *e)
{
	const struct proven_keyring *kr;
	struct db_stmt *s;
	char subject[300];
	json_t *j = NULL, *data, *lin, *gaps;
	int rc, r;

	memset(out, 0, sizeof *out);
	if (proven_keyring_load(st, &kr, e) != 0)
		return -1;
	snprintf(subject, sizeof subject, "models:/%s/%" PRId64, model, version);
	if (store_stmt(st, &s,
			  "SELECT seq, body, leaf, sig FROM ledger WHERE subject = ?1 AND action || '' = 'lineage.set'"
			  " ORDER BY seq DESC LIMIT 1",
			  e) != 0)
		return -1;
	db_bind_text(s, 1, subject, -1, DB_STATIC);
	rc = db_step(s);
	if (rc != DB_ROW) {
		store_stmt_done(st, s);
		return rc == DB_DONE ? 0 : store_fail(st, e, "reading the ledger");
	}
	out->seq = db_column_int64(s, 0);
	r = proven_row(kr, out->seq, s, 1, &j, e);
	store_stmt_done(st, s);
	if (r != 0)
		return -1;
	data = json_object_get(j, "data");
	lin = json_object_get(data, "lineage");
	gaps = json_object_get(lin, "gaps");
	/* The signed text names its version: an entry copied under another subject does not count for this one. */
	if (!json_is_string(json_object_get(data, "model")) || strcmp(json_string_value(json_object_get(data, "model")), model) != 0 ||
	    json_integer_value(json_object_get(data, "version")) != version || !json_is_boolean(json_object_get(lin, "complete")) ||
	    !json_is_string(json_object_get(data, "digest"))) {
		json_decref(j);
		return err_set(e, ERR_DENIED, "ledger entry %" PRId64 " (lineage.set) is not about %s v%" PRId64, out->seq, model,
			       version);
	}
	out->has = 1;
	out->complete = json_is_true(json_object_get(lin, "complete"));
	snprintf(out->signer, sizeof out->signer, "%s", json_string_value(json_object_get(j, "actor")));
	snprintf(out->digest, sizeof out->digest, "%s", json_string_value(json_object_get(data, "digest")));
	if (json_array_size(gaps) > 0 && json_is_string(json_array_get(gaps, 0)))
		snprintf(out->why, sizeof out->why, "%s", json_string_value(json_array_get(gaps, 0)));
	else
		snprintf(out->why, sizeof out->why, "%s", out->complete ? "every training run COMPLETE and every dataset it read has a digest"
									 : "incomplete");
	json_decref(j);
	return 0;
}

int lineage_attest(struct store *st, const struct principal *who, const char *model, int64_t version, const char *via,
		   int *appended, struct err *e)
{
	struct lineage_evidence ev;
	struct lineage_status ls;
	char subject[300];
	json_t *data;
	int r;

	*appended = 0;
	if (lg_signed(st, model, version, &ev, e) != 0)
		return -1;
	if (lineage_status_of(st, model, version, &ls, e) != 0)
		return -1;
	if (!ls.has || (ev.has && strcmp(ev.digest, ls.digest) == 0)) {
		/* Nothing linked yet, or signed as it stands: an entry would say nothing new. */
		lineage_status_free(&ls);
		return 0;
	}
	data = json_pack("{s:s, s:I, s:O, s:s}", "model", model, "version", (json_int_t)version, "lineage", ls.summary,
			 "digest", ls.digest);
	lineage_status_free(&ls);
	if (data != NULL && via != NULL && via[0] != '\0' && json_object_set_new(data, "via", json_string(via)) != 0) {
		json_decref(data);
		data = NULL;
	}
	if (data == NULL)
		return err_set(e, ERR_IO, "out of memory");
	snprintf(subject, sizeof subject, "models:/%s/%" PRId64, model, version);
	r = ledger_append_act(st, who->key, who->name, "lineage.set", subject, data, NULL, e);
	json_decref(data);
	if (r == 0)
		*appended = 1;
	return r;
}
