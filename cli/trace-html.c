/* trace-html: writes the trace report as one HTML file an auditor can archive: inline CSS, no script, nothing fetched, the lineage as an inline SVG laid out left to right (datasets, runs, the model version), gaps marked in colour and in words. */
#include "trace-html.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "trace-out.h"

#define HTML_SVG_NODES 300 /* nodes drawn; the table below the picture lists them all */
#define HTML_NODE_W 196
#define HTML_NODE_H 62
#define HTML_COL_GAP 44
#define HTML_ROW_GAP 18
#define HTML_PAD 20
#define HTML_LABEL_MAX 23 /* characters of a name on a node; the whole name is in its <title> */

/* The five characters HTML gives meaning, as entities, so neither
 * element content nor a quoted attribute can be left. */
static const char *html_sub(char c, char buf[4])
{
	(void)buf;
	return c == '&' ? "&amp;" : c == '<' ? "&lt;" : c == '>' ? "&gt;" : c == '"' ? "&quot;" : c == '\'' ? "&#39;" : NULL;
}

static int html_true(json_t *o, const char *k)
{
	return json_is_true(json_object_get(o, k));
}

static void html_text(struct trace_out *h, const char *s)
{
	trace_text(h, s, html_sub);
}

static void html_field(struct trace_out *h, json_t *o, const char *k)
{
	html_text(h, trace_s(o, k));
}

/* At most max characters of s (whole UTF-8 sequences), "..." where cut:
 * at the end, or with tail at the start, since the end of a path names
 * a dataset better than its bucket does. */
static char *html_cut(const char *s, size_t max, int tail)
{
	size_t i = 0, chars = 0, len = strlen(s), total = 0;
	char *out;

	for (i = 0; i < len; i++)
		total += ((unsigned char)s[i] & 0xc0) != 0x80;
	if (total <= max)
		return strdup(s);
	out = malloc(len + 4);
	if (out == NULL)
		return NULL;
	if (tail) {
		/* Skip total - max characters from the front. */
		for (i = 0; i < len && chars < total - max; chars++)
			for (i++; i < len && ((unsigned char)s[i] & 0xc0) == 0x80; i++)
				;
		snprintf(out, len + 4, "...%s", s + i);
		return out;
	}
	for (i = 0; i < len && chars < max; chars++)
		for (i++; i < len && ((unsigned char)s[i] & 0xc0) == 0x80; i++)
			;
	memcpy(out, s, i);
	snprintf(out + i, 4, "...");
	return out;
}

static void html_cut_text(struct trace_out *h, const char *s, size_t max, int tail)
{
	char *x = html_cut(s, max, tail);

	if (x == NULL) {
		h->bad = 1;
		return;
	}
	html_text(h, x);
	free(x);
}

static void html_entry(struct trace_out *h, json_t *o)
{
	json_t *seq = json_object_get(o, "seq");

	if (!json_is_integer(seq)) {
		trace_put(h, "no entry");
		return;
	}
	trace_put(h, "entry %" JSON_INTEGER_FORMAT " %s", json_integer_value(seq),
		 html_true(o, "in_checkpoint") ? "<span class=\"ok\">in checkpoint</span>"
					       : "<span class=\"bad\">not in checkpoint</span>");
}

static const char html_style[] =
	"body{font:14px/1.45 system-ui,-apple-system,\"Segoe UI\",Roboto,\"DejaVu Sans\",sans-serif;color:#1d232b;"
	"margin:0;background:#fff}\n"
	"main{max-width:1400px;margin:0 auto;padding:24px 28px}\n"
	"h1{font-size:24px;margin:0 0 4px}h2{font-size:19px;border-bottom:2px solid #d5dbe3;padding-bottom:4px;"
	"margin-top:32px}h3{font-size:15px;margin:20px 0 6px}\n"
	".meta{color:#56616e;margin:0 0 12px}\n"
	"table{border-collapse:collapse;margin:8px 0 14px;width:100%}\n"
	"th,td{border:1px solid #d5dbe3;padding:4px 7px;text-align:left;vertical-align:top;overflow-wrap:break-word}\n"
	"th{background:#f1f4f8;font-weight:600}\n"
	"table.kv th{width:190px}\n"
	".mono,code{font-family:\"DejaVu Sans Mono\",Menlo,Consolas,monospace;font-size:12.5px;overflow-wrap:anywhere}\n"
	"pre{background:#f6f8fa;border:1px solid #d5dbe3;padding:10px;white-space:pre-wrap;overflow-wrap:anywhere}\n"
	".multi{white-space:pre-wrap}\n"
	".ok{color:#1e6b2e}.bad{color:#b3261e;font-weight:600}\n"
	"ul.gaps{list-style:none;padding:0}\n"
	"ul.gaps li{border-left:6px solid #d93025;background:#fdecea;margin:6px 0;padding:6px 10px}\n"
	".tag{display:inline-block;background:#d93025;color:#fff;font-weight:700;font-size:12px;padding:1px 6px;"
	"border-radius:3px;margin-right:6px}\n"
	".none{border-left:6px solid #1e6b2e;background:#e9f5ec;padding:6px 10px}\n"
	".legend span{display:inline-block;margin-right:16px}\n"
	".sw{display:inline-block;width:12px;height:12px;border:1px solid #555;vertical-align:-1px;margin-right:4px}\n"
	"svg.lineage{border:1px solid #d5dbe3;background:#fbfcfd;max-width:100%;height:auto}\n"
	"@media print{h2{break-after:avoid}table{break-inside:auto}tr{break-inside:avoid}}\n";

/* ---- gaps and the version ---- */

static void html_gaps(struct trace_out *h, json_t *r)
{
	json_t *gaps = json_object_get(r, "gaps"), *g;
	size_t i;

	trace_put(h, "<section id=\"gaps\"><h2>Gaps (%zu)</h2>\n", json_array_size(gaps));
	if (json_array_size(gaps) == 0) {
		trace_put(h, "<p class=\"none\">None found: every decision counted, every entry is in the signed checkpoint, "
			    "and the lineage is complete and attested.</p>\n");
	} else {
		trace_put(h, "<ul class=\"gaps\">\n");
		json_array_foreach(gaps, i, g) {
			trace_put(h, "<li class=\"gap\" data-kind=\"");
			html_field(h, g, "kind");
			trace_put(h, "\"><span class=\"tag\">GAP</span><b>");
			html_field(h, g, "kind");
			trace_put(h, "</b>");
			if (json_is_integer(json_object_get(g, "seq")))
				trace_put(h, " (entry %" JSON_INTEGER_FORMAT ")", trace_i(g, "seq"));
			trace_put(h, ": ");
			html_field(h, g, "text");
			trace_put(h, "</li>\n");
		}
		trace_put(h, "</ul>\n");
	}
	trace_put(h, "</section>\n");
}

static void html_row(struct trace_out *h, const char *label, const char *value, int mono)
{
	trace_put(h, "<tr><th>%s</th><td%s>", label, mono ? " class=\"mono\"" : "");
	html_text(h, value);
	trace_put(h, "</td></tr>\n");
}

static void html_version(struct trace_out *h, json_t *r)
{
	json_t *mo = json_object_get(r, "model"), *v = json_object_get(r, "version"), *ev = json_object_get(r, "evidence");
	json_t *pl = json_object_get(r, "placement"), *pol = json_object_get(r, "policy_in_force");

	trace_put(h, "<section id=\"version\"><h2>The version</h2>\n<table class=\"kv\">\n");
	html_row(h, "Model", trace_s(mo, "name"), 0);
	html_row(h, "Risk tier", trace_s(mo, "tier"), 0);
	html_row(h, "Owner", trace_s(mo, "owner"), 0);
	trace_put(h, "<tr><th>Version</th><td>%" JSON_INTEGER_FORMAT "</td></tr>\n", trace_i(v, "number"));
	html_row(h, "Artifact", trace_s(v, "artifact_uri"), 1);
	trace_put(h, "<tr><th>Artifact digest</th><td><span class=\"mono\">");
	html_field(h, v, "digest");
	trace_put(h, "</span> (");
	html_field(h, v, "digest_state");
	trace_put(h, ")</td></tr>\n");
	html_row(h, "Author", trace_s(v, "author"), 0);
	html_row(h, "Training run (registry)", trace_s(v, "run_id"), 1);
	html_row(h, "Created", trace_s(v, "created"), 0);
	html_row(h, "Aliases", trace_s(v, "aliases"), 0);
	trace_put(h, "<tr><th>Recorded by</th><td>");
	html_field(h, json_object_get(ev, "version"), "author");
	trace_put(h, ", ");
	html_entry(h, json_object_get(ev, "version"));
	trace_put(h, "</td></tr>\n<tr><th>Model card</th><td><span class=\"mono\">");
	html_field(h, json_object_get(ev, "card"), "digest");
	trace_put(h, "</span>, ");
	html_entry(h, json_object_get(ev, "card"));
	trace_put(h, "</td></tr>\n<tr><th>Metrics</th><td>%" JSON_INTEGER_FORMAT " recorded, newest ",
		 trace_i(json_object_get(ev, "metrics"), "count"));
	html_entry(h, json_object_get(ev, "metrics"));
	trace_put(h, "</td></tr>\n<tr><th>Placed by</th><td>");
	if (json_is_object(pl)) {
		html_field(h, pl, "action");
		trace_put(h, " by ");
		html_field(h, pl, "actor");
		trace_put(h, " at entry %" JSON_INTEGER_FORMAT ", %s", trace_i(pl, "seq"),
			 html_true(pl, "governed") ? "<span class=\"ok\">governed</span>" : "<span class=\"bad\">not governed</span>");
	} else {
		trace_put(h, "<span class=\"bad\">no ledger entry</span>");
	}
	trace_put(h, "</td></tr>\n<tr><th>Policy in force now</th><td>");
	if (json_is_object(pol)) {
		html_field(h, pol, "name");
		trace_put(h, " v%" JSON_INTEGER_FORMAT " <span class=\"mono\">", trace_i(pol, "version"));
		html_field(h, pol, "sha256");
		trace_put(h, "</span>");
	} else {
		trace_put(h, "none enrolled for this tier");
	}
	trace_put(h, "</td></tr>\n</table>\n</section>\n");
}

/* ---- the lineage picture ---- */

struct html_node {
	json_t *n;
	const char *id;
	int rank;   /* longest path down to the model version: its column from the right */
	int row;
	double key; /* where its downstream neighbours sit, for ordering a column */
	int drawn;
};

struct html_graph {
	struct html_node *v;
	size_t n;
	size_t (*e)[2];
	size_t ne;
	int maxrank;
	int rows; /* of the tallest column */
};

static int html_node_id_cmp(const void *a, const void *b)
{
	return strcmp(((const struct html_node *)a)->id, ((const struct html_node *)b)->id);
}

static size_t html_find(const struct html_graph *g, const struct html_node *sorted, const char *id)
{
	struct html_node key = { .id = id }, *hit;

	if (id == NULL)
		return (size_t)-1;
	hit = bsearch(&key, sorted, g->n, sizeof *sorted, html_node_id_cmp);
	return hit != NULL ? (size_t)(hit->row) : (size_t)-1;
}

static int html_col_cmp(const void *a, const void *b)
{
	const struct html_node *x = *(struct html_node *const *)a, *y = *(struct html_node *const *)b;

	if (x->key != y->key)
		return x->key < y->key ? -1 : 1;
	return strcmp(x->id, y->id);
}

/* Columns by longest path to the model version (so every edge runs left
 * to right), rows ordered by the mean row of each node's downstream
 * neighbours (fewer crossings), nodes nearest the model first when the
 * picture must leave some out. */
static int html_layout(struct html_graph *g, json_t *nodes, json_t *edges)
{
	struct html_node *sorted = NULL, **col = NULL;
	json_t *x;
	size_t i, k;
	int pass, changed, r;

	g->n = json_array_size(nodes);
	g->v = calloc(g->n ? g->n : 1, sizeof *g->v);
	g->e = calloc(json_array_size(edges) ? json_array_size(edges) : 1, sizeof *g->e);
	sorted = calloc(g->n ? g->n : 1, sizeof *sorted);
	col = calloc(g->n ? g->n : 1, sizeof *col);
	if (g->v == NULL || g->e == NULL || sorted == NULL || col == NULL)
		goto fail;
	json_array_foreach(nodes, i, x) {
		g->v[i].n = x;
		g->v[i].id = trace_s(x, "id");
		g->v[i].drawn = i < HTML_SVG_NODES;
		sorted[i] = g->v[i];
		sorted[i].row = (int)i; /* the index, found through the sorted copy */
	}
	qsort(sorted, g->n, sizeof *sorted, html_node_id_cmp);
	json_array_foreach(edges, i, x) {
		size_t a = html_find(g, sorted, json_string_value(json_array_get(x, 0))),
		       b = html_find(g, sorted, json_string_value(json_array_get(x, 1)));

		if (a != (size_t)-1 && b != (size_t)-1 && a != b && g->v[a].drawn && g->v[b].drawn) {
			g->e[g->ne][0] = a;
			g->e[g->ne++][1] = b;
		}
	}
	/* Relaxation, bounded: a cycle in hand-written events must not loop. */
	for (pass = 0, changed = 1; changed && pass < 64; pass++) {
		changed = 0;
		for (k = 0; k < g->ne; k++) {
			struct html_node *a = &g->v[g->e[k][0]], *b = &g->v[g->e[k][1]];

			if (a->rank < b->rank + 1 && b->rank + 1 <= 64) {
				a->rank = b->rank + 1;
				changed = 1;
			}
		}
	}
	for (i = 0; i < g->n; i++)
		if (g->v[i].drawn && g->v[i].rank > g->maxrank)
			g->maxrank = g->v[i].rank;
	for (r = 0; r <= g->maxrank; r++) {
		size_t nc = 0;

		for (i = 0; i < g->n; i++) {
			struct html_node *a = &g->v[i];
			double sum = 0;
			int cnt = 0;

			if (!a->drawn || a->rank != r)
				continue;
			for (k = 0; k < g->ne; k++)
				if (g->e[k][0] == i && g->v[g->e[k][1]].rank < r) {
					sum += g->v[g->e[k][1]].row;
					cnt++;
				}
			a->key = cnt ? sum / cnt : 0;
			col[nc++] = a;
		}
		qsort(col, nc, sizeof *col, html_col_cmp);
		for (k = 0; k < nc; k++)
			col[k]->row = (int)k;
		if ((int)nc > g->rows)
			g->rows = (int)nc;
	}
	free(sorted);
	free(col);
	return 0;
fail:
	free(sorted);
	free(col);
	return -1;
}

static int html_x(const struct html_graph *g, const struct html_node *a)
{
	return HTML_PAD + (g->maxrank - a->rank) * (HTML_NODE_W + HTML_COL_GAP);
}

static int html_y(const struct html_graph *g, const struct html_node *a)
{
	(void)g;
	return HTML_PAD + a->row * (HTML_NODE_H + HTML_ROW_GAP);
}

/* The first line of a node: its name; whole (with the namespace) for
 * titles and tables, cut to fit on the picture, where a dataset keeps the
 * end of its name. */
static void html_node_text(struct trace_out *h, json_t *n, int full)
{
	const char *kind = trace_s(n, "kind");
	char buf[1200];

	if (strcmp(kind, "model") == 0)
		snprintf(buf, sizeof buf, "%s v%s", trace_s(n, "name"), trace_s(n, "version"));
	else if (full)
		snprintf(buf, sizeof buf, "%s%s%s", trace_s(n, "namespace"), trace_s(n, "namespace")[0] ? "/" : "", trace_s(n, "name"));
	else
		snprintf(buf, sizeof buf, "%s", trace_s(n, "name"));
	if (full)
		html_text(h, buf);
	else
		html_cut_text(h, buf, HTML_LABEL_MAX, strcmp(kind, "dataset") == 0);
}

/* The second line: a run's state and id, a dataset's version and digest,
 * the model's artifact digest. */
static void html_node_detail(struct trace_out *h, json_t *n, int full)
{
	const char *kind = trace_s(n, "kind"), *dig = trace_s(n, "digest");
	char buf[600];

	if (strcmp(kind, "run") == 0)
		snprintf(buf, sizeof buf, "%s, run %s", trace_s(n, "state"), trace_s(n, "version"));
	else if (strcmp(kind, "model") == 0)
		snprintf(buf, sizeof buf, "%.*s", full ? 80 : 26, dig[0] ? dig : "no artifact digest");
	else if (dig[0] != '\0')
		snprintf(buf, sizeof buf, "%s%s%.*s", trace_s(n, "version"), trace_s(n, "version")[0] ? " " : "",
			 full ? 80 : 19, dig);
	else
		snprintf(buf, sizeof buf, "%s%sno digest", trace_s(n, "version"), trace_s(n, "version")[0] ? " " : "");
	if (full)
		html_text(h, buf);
	else
		html_cut_text(h, buf, HTML_LABEL_MAX + 3, 0);
}

static void html_svg_node(struct trace_out *h, const struct html_graph *g, const struct html_node *a)
{
	static const struct {
		const char *kind, *fill, *stroke, *name;
	} style[] = {
		{ "dataset", "#e6effa", "#2f6db5", "DATASET" },
		{ "run", "#e8f5e4", "#3b7d2c", "RUN" },
		{ "model", "#efe7f8", "#6a3fa0", "MODEL VERSION" },
	};
	const char *kind = trace_s(a->n, "kind"), *gap = trace_s(a->n, "gap");
	size_t s = 0;
	int x = html_x(g, a), y = html_y(g, a), isgap = gap[0] != '\0';

	while (s + 1 < sizeof style / sizeof style[0] && strcmp(style[s].kind, kind) != 0)
		s++;
	trace_put(h, "<g class=\"node %s%s\" data-id=\"", style[s].kind, isgap ? " gap" : "");
	html_text(h, a->id);
	trace_put(h, "\"><title>");
	html_node_text(h, a->n, 1);
	trace_put(h, "&#10;");
	html_node_detail(h, a->n, 1);
	if (isgap) {
		trace_put(h, "&#10;GAP: ");
		html_text(h, gap);
	}
	trace_put(h, "</title>\n");
	trace_put(h, "<rect x=\"%d\" y=\"%d\" width=\"%d\" height=\"%d\" rx=\"%d\" fill=\"%s\" stroke=\"%s\" stroke-width=\"%s\"%s/>\n",
		 x, y, HTML_NODE_W, HTML_NODE_H, strcmp(kind, "run") == 0 ? 18 : 4, isgap ? "#fdecea" : style[s].fill,
		 isgap ? "#d93025" : style[s].stroke, isgap ? "2.5" : "1.5", isgap ? " stroke-dasharray=\"6 3\"" : "");
	trace_put(h, "<text x=\"%d\" y=\"%d\" font-size=\"10\" font-weight=\"700\" fill=\"%s\">%s</text>\n", x + 10, y + 15,
		 style[s].stroke, style[s].name);
	if (html_true(a->n, "training"))
		trace_put(h, "<text x=\"%d\" y=\"%d\" font-size=\"10\" fill=\"%s\" text-anchor=\"end\">training</text>\n",
			 x + HTML_NODE_W - 10, y + 15, style[s].stroke);
	trace_put(h, "<text x=\"%d\" y=\"%d\" font-size=\"13\" font-weight=\"600\" fill=\"#1d232b\">", x + 10, y + 32);
	html_node_text(h, a->n, 0);
	trace_put(h, "</text>\n<text x=\"%d\" y=\"%d\" font-size=\"11\" fill=\"#3c4652\" font-family=\"monospace\">", x + 10,
		 y + 50);
	html_node_detail(h, a->n, 0);
	trace_put(h, "</text>\n");
	if (isgap) {
		/* The gap in words on a solid badge, not in colour alone. */
		trace_put(h, "<rect class=\"gap-badge\" x=\"%d\" y=\"%d\" width=\"%d\" height=\"18\" rx=\"3\" fill=\"#d93025\"/>\n",
			 x + HTML_NODE_W - 118, y + HTML_NODE_H - 9, 112);
		trace_put(h, "<text class=\"gap-label\" x=\"%d\" y=\"%d\" font-size=\"11\" font-weight=\"700\" fill=\"#ffffff\">GAP: ",
			 x + HTML_NODE_W - 113, y + HTML_NODE_H + 4);
		html_cut_text(h, gap, 12, 0);
		trace_put(h, "</text>\n");
	}
	trace_put(h, "</g>\n");
}

static void html_svg(struct trace_out *h, json_t *l, json_t *r)
{
	struct html_graph g = { 0 };
	json_t *nodes = json_object_get(l, "nodes"), *own = NULL;
	size_t i, drawn = 0;
	int w, ht;

	if (json_array_size(nodes) == 0) {
		/* No lineage at all: the version alone, its gap said on it. */
		json_t *v = json_object_get(r, "version");
		char num[32];

		snprintf(num, sizeof num, "%" JSON_INTEGER_FORMAT, trace_i(v, "number"));
		own = json_pack("[{s:s, s:s, s:s, s:s, s:s, s:s}]", "id", "model", "kind", "model", "name",
				trace_s(json_object_get(r, "model"), "name"), "version", num, "digest", trace_s(v, "digest"), "gap",
				"no lineage");
		if (own == NULL) {
			h->bad = 1;
			return;
		}
		nodes = own;
	}
	if (html_layout(&g, nodes, json_object_get(l, "edges")) != 0) {
		h->bad = 1;
		goto out;
	}
	w = 2 * HTML_PAD + (g.maxrank + 1) * HTML_NODE_W + g.maxrank * HTML_COL_GAP;
	ht = 2 * HTML_PAD + g.rows * HTML_NODE_H + (g.rows - 1) * HTML_ROW_GAP + 10;
	trace_put(h, "<svg class=\"lineage\" role=\"img\" width=\"%d\" height=\"%d\" "
		    "viewBox=\"0 0 %d %d\" font-family=\"DejaVu Sans, Arial, sans-serif\">\n<title>Lineage of ",
		 w, ht, w, ht);
	html_field(h, json_object_get(r, "model"), "name");
	trace_put(h, " version %" JSON_INTEGER_FORMAT ": datasets, runs and the model version, left to right</title>\n",
		 trace_i(json_object_get(r, "version"), "number"));
	for (i = 0; i < g.ne; i++) {
		const struct html_node *a = &g.v[g.e[i][0]], *b = &g.v[g.e[i][1]];
		int x1 = html_x(&g, a) + HTML_NODE_W, y1 = html_y(&g, a) + HTML_NODE_H / 2;
		int x2 = html_x(&g, b) - 2, y2 = html_y(&g, b) + HTML_NODE_H / 2, mid = (x1 + x2) / 2;

		/* Arrowheads drawn, not referenced: the file names nothing, not even its own fragments. */
		trace_put(h, "<path class=\"edge\" d=\"M%d %d C%d %d %d %d %d %d\" fill=\"none\" stroke=\"#7b8794\" stroke-width=\"1.5\"/>"
			    "<polygon points=\"%d,%d %d,%d %d,%d\" fill=\"#7b8794\"/>\n",
			 x1, y1, mid, y1, mid, y2, x2 - 7, y2, x2 - 7, y2 - 5, x2, y2, x2 - 7, y2 + 5);
	}
	for (i = 0; i < g.n; i++)
		if (g.v[i].drawn) {
			html_svg_node(h, &g, &g.v[i]);
			drawn++;
		}
	trace_put(h, "</svg>\n");
	if (drawn < g.n)
		trace_put(h, "<p>The picture shows the %zu nodes nearest the version; the table lists all %zu.</p>\n", drawn, g.n);
out:
	free(g.v);
	free(g.e);
	json_decref(own);
}

static void html_lineage(struct trace_out *h, json_t *r)
{
	json_t *l = json_object_get(r, "lineage"), *at = json_object_get(l, "attestation"), *n;
	size_t i;

	trace_put(h, "<section id=\"lineage\"><h2>Lineage</h2>\n<ul>\n");
	if (!html_true(l, "recorded")) {
		trace_put(h, "<li><span class=\"bad\">No lineage recorded for this version.</span></li>\n");
	} else {
		trace_put(h, "<li>lineage-complete: %s: ", html_true(l, "complete") ? "<span class=\"ok\">yes</span>" : "<span class=\"bad\">no</span>");
		html_field(h, l, "why");
		trace_put(h, "</li>\n<li>%" JSON_INTEGER_FORMAT " training run(s), %" JSON_INTEGER_FORMAT
			    " input dataset version(s), %" JSON_INTEGER_FORMAT " without a digest</li>\n<li>Attested: ",
			 trace_i(l, "runs"), trace_i(l, "inputs"), trace_i(l, "undigested"));
		if (json_is_object(at)) {
			trace_put(h, "by ");
			html_field(h, at, "signer");
			trace_put(h, ", ");
			html_entry(h, at);
			trace_put(h, ", says %s, %s", html_true(at, "complete") ? "complete" : "incomplete",
				 html_true(at, "current") ? "<span class=\"ok\">still current</span>"
							  : "<span class=\"bad\">no longer matches the stored lineage</span>");
		} else {
			trace_put(h, "<span class=\"bad\">no</span>: stored, but no signed lineage.set entry, so no gate counts it");
		}
		trace_put(h, "</li>\n");
	}
	if (html_true(l, "truncated"))
		trace_put(h, "<li>The graph was cut at its node limit.</li>\n");
	trace_put(h, "</ul>\n<p class=\"legend\"><span><i class=\"sw\" style=\"background:#e6effa\"></i>dataset version</span>"
		    "<span><i class=\"sw\" style=\"background:#e8f5e4\"></i>run</span>"
		    "<span><i class=\"sw\" style=\"background:#efe7f8\"></i>model version</span>"
		    "<span><i class=\"sw\" style=\"background:#d93025\"></i>gap (named on the node)</span></p>\n");
	html_svg(h, l, r);
	if (json_array_size(json_object_get(l, "nodes")) > 0) {
		trace_put(h, "<table class=\"nodes\">\n<tr><th>Kind</th><th>Name</th><th>Version or run</th><th>Digest or state</th>"
			    "<th>Source</th><th>Time</th><th>Gap</th></tr>\n");
		json_array_foreach(json_object_get(l, "nodes"), i, n) {
			const char *kind = trace_s(n, "kind");

			trace_put(h, "<tr><td>%s%s</td><td>", strcmp(kind, "run") == 0 ? "run" : strcmp(kind, "model") == 0 ? "model" : "dataset",
				 html_true(n, "training") ? " (training)" : "");
			html_node_text(h, n, 1);
			trace_put(h, "</td><td class=\"mono\">");
			html_field(h, n, "version");
			trace_put(h, "</td><td class=\"mono\">");
			html_text(h, strcmp(kind, "run") == 0 ? trace_s(n, "state") : trace_s(n, "digest"));
			trace_put(h, "</td><td class=\"mono\">");
			html_field(h, n, "source");
			trace_put(h, "</td><td>%s</td><td>", trace_s(n, "time")[0] ? trace_s(n, "time") : "-");
			if (trace_s(n, "gap")[0] != '\0') {
				trace_put(h, "<span class=\"tag\">GAP</span>");
				html_field(h, n, "gap");
			} else {
				trace_put(h, "-");
			}
			trace_put(h, "</td></tr>\n");
		}
		trace_put(h, "</table>\n");
	}
	trace_put(h, "</section>\n");
}

/* ---- decisions, requests, ledger ---- */

static void html_policy(struct trace_out *h, json_t *p)
{
	if (!json_is_object(p)) {
		trace_put(h, "-");
		return;
	}
	html_field(h, p, "name");
	trace_put(h, " v%" JSON_INTEGER_FORMAT "<br><span class=\"mono\">", trace_i(p, "version"));
	html_field(h, p, "sha256");
	trace_put(h, "</span>");
}

static void html_decisions(struct trace_out *h, json_t *r)
{
	json_t *dec = json_object_get(r, "decisions"), *d, *x;
	size_t i, k;

	trace_put(h, "<section id=\"decisions\"><h2>Decisions that put it there</h2>\n");
	if (json_array_size(dec) == 0) {
		trace_put(h, "<p class=\"bad\">No ledger entry moved an alias to this version.</p></section>\n");
		return;
	}
	trace_put(h, "<table>\n<tr><th>Entry</th><th>Time</th><th>Action</th><th>Alias</th><th>By</th><th>Governed</th>"
		    "<th>Request</th><th>Policy</th><th>In checkpoint</th></tr>\n");
	json_array_foreach(dec, i, d) {
		trace_put(h, "<tr><td>%" JSON_INTEGER_FORMAT "%s</td><td>%s</td><td>", trace_i(d, "seq"),
			 html_true(d, "current") ? " (current)" : "", trace_s(d, "time"));
		html_field(h, d, "action");
		trace_put(h, "<br><small>");
		html_field(h, d, "what");
		trace_put(h, "</small></td><td>");
		html_field(h, d, "alias");
		trace_put(h, "</td><td>");
		html_field(h, d, "actor");
		trace_put(h, "</td><td>%s</td><td>",
			 html_true(d, "governed") ? "<span class=\"ok\">yes</span>" : "<span class=\"bad\">no</span>");
		if (json_is_integer(json_object_get(d, "request")))
			trace_put(h, "%" JSON_INTEGER_FORMAT, trace_i(d, "request"));
		else if (json_is_integer(json_object_get(d, "review")))
			trace_put(h, "review %" JSON_INTEGER_FORMAT, trace_i(d, "review"));
		else
			trace_put(h, "-");
		trace_put(h, "</td><td>");
		html_policy(h, json_object_get(d, "policy"));
		trace_put(h, "</td><td>%s</td></tr>\n",
			 html_true(d, "in_checkpoint") ? "<span class=\"ok\">yes</span>" : "<span class=\"bad\">no</span>");
	}
	trace_put(h, "</table>\n");
	json_array_foreach(dec, i, d) {
		json_t *res = json_object_get(d, "results");

		if (json_array_size(res) == 0 && trace_s(d, "reason")[0] == '\0')
			continue;
		trace_put(h, "<h3>Entry %" JSON_INTEGER_FORMAT ": ", trace_i(d, "seq"));
		html_field(h, d, "action");
		trace_put(h, " to ");
		html_field(h, d, "alias");
		trace_put(h, "</h3>\n");
		if (json_is_integer(json_object_get(d, "from_version")))
			trace_put(h, "<p>Rolled back from version %" JSON_INTEGER_FORMAT ".</p>\n", trace_i(d, "from_version"));
		if (trace_s(d, "reason")[0] != '\0') {
			trace_put(h, "<p class=\"multi\">Reason: ");
			html_field(h, d, "reason");
			trace_put(h, "</p>\n");
		}
		if (trace_s(d, "evidence_sha256")[0] != '\0') {
			trace_put(h, "<p>Evidence digest <span class=\"mono\">");
			html_field(h, d, "evidence_sha256");
			trace_put(h, "</span></p>\n");
		}
		if (json_array_size(res) == 0)
			continue;
		trace_put(h, "<table>\n<tr><th>Rule</th><th>Kind</th><th>Result</th><th>Evidence</th><th>Reason</th></tr>\n");
		json_array_foreach(res, k, x) {
			const char *st = trace_s(x, "status");

			trace_put(h, "<tr><td>");
			html_field(h, x, "rule");
			trace_put(h, "</td><td>");
			html_field(h, x, "kind");
			trace_put(h, "</td><td class=\"%s\">", strcmp(st, "PASS") == 0 ? "ok" : "bad");
			html_text(h, st);
			trace_put(h, "</td><td>");
			html_field(h, x, "evidence");
			trace_put(h, "</td><td>");
			html_field(h, x, "reason");
			trace_put(h, "</td></tr>\n");
		}
		trace_put(h, "</table>\n");
	}
	trace_put(h, "</section>\n");
}

static void html_request(struct trace_out *h, json_t *q)
{
	json_t *a, *n;
	size_t k;

	trace_put(h, "<h3>Request %" JSON_INTEGER_FORMAT " (", trace_i(q, "id"));
	html_field(h, q, "kind");
	trace_put(h, "): ");
	if (strcmp(trace_s(q, "kind"), "review") == 0) {
		trace_put(h, "post-incident review of the rollback of ");
		html_field(h, q, "from");
	} else {
		html_field(h, q, "from");
		trace_put(h, " &#8594; ");
		html_field(h, q, "to");
	}
	trace_put(h, ", ");
	html_field(h, q, "state");
	trace_put(h, "</h3>\n<ul>\n<li>Requested by ");
	html_field(h, q, "requester");
	trace_put(h, " at %s, ", trace_s(q, "created"));
	html_entry(h, q);
	trace_put(h, "</li>\n<li>Policy: ");
	html_policy(h, json_object_get(q, "policy"));
	trace_put(h, "</li>\n<li>Needs:");
	json_array_foreach(json_object_get(q, "needs"), k, n) {
		trace_put(h, " ");
		html_field(h, n, "role");
		trace_put(h, " %" JSON_INTEGER_FORMAT "/%" JSON_INTEGER_FORMAT ";", trace_i(n, "have"), trace_i(n, "count"));
	}
	trace_put(h, " %" JSON_INTEGER_FORMAT " of %" JSON_INTEGER_FORMAT " counted</li>\n", trace_i(q, "counted"), trace_i(q, "required"));
	if (json_is_integer(json_object_get(q, "applied_by")))
		trace_put(h, "<li>Applied by entry %" JSON_INTEGER_FORMAT "</li>\n", trace_i(q, "applied_by"));
	if (json_is_integer(json_object_get(q, "opened_by")))
		trace_put(h, "<li>Owed by the rollback at entry %" JSON_INTEGER_FORMAT ", due %s</li>\n", trace_i(q, "opened_by"),
			 trace_s(q, "due"));
	if (trace_s(q, "comment")[0] != '\0') {
		trace_put(h, "<li class=\"multi\">Comment: ");
		html_field(h, q, "comment");
		trace_put(h, "</li>\n");
	}
	if (trace_s(q, "closed")[0] != '\0') {
		trace_put(h, "<li>Closed: ");
		html_field(h, q, "closed");
		trace_put(h, "</li>\n");
	}
	if (trace_s(q, "tampered")[0] != '\0') {
		trace_put(h, "<li class=\"bad\">Disagrees with its ledger entry: ");
		html_field(h, q, "tampered");
		trace_put(h, "</li>\n");
	}
	trace_put(h, "</ul>\n");
	if (json_array_size(json_object_get(q, "decisions")) == 0) {
		trace_put(h, "<p>No decisions.</p>\n");
		return;
	}
	trace_put(h, "<table>\n<tr><th>#</th><th>Entry</th><th>Signer</th><th>Role</th><th>Key</th><th>Decision</th><th>Issued</th>"
		    "<th>Expires</th><th>Counts</th><th>Comment</th></tr>\n");
	json_array_foreach(json_object_get(q, "decisions"), k, a) {
		trace_put(h, "<tr><td>%" JSON_INTEGER_FORMAT "</td><td>", trace_i(a, "id"));
		html_entry(h, a);
		trace_put(h, "</td><td>");
		html_field(h, a, "principal");
		trace_put(h, "</td><td>");
		html_field(h, a, "role");
		trace_put(h, "</td><td class=\"mono\">");
		html_field(h, a, "key");
		trace_put(h, "</td><td>%s</td><td>%s</td><td>%s</td><td>", trace_s(a, "decision"), trace_s(a, "issued"),
			 trace_s(a, "expires"));
		if (html_true(a, "counts")) {
			trace_put(h, "<span class=\"ok\">yes</span>");
		} else {
			trace_put(h, "<span class=\"bad\">no</span>: ");
			html_field(h, a, "why");
		}
		trace_put(h, "</td><td class=\"multi\">");
		html_field(h, a, "comment");
		trace_put(h, "</td></tr>\n");
	}
	trace_put(h, "</table>\n");
}

static void html_requests(struct trace_out *h, json_t *r)
{
	json_t *q;
	size_t i;

	trace_put(h, "<section id=\"requests\"><h2>Requests and signatures</h2>\n");
	if (json_array_size(json_object_get(r, "requests")) == 0)
		trace_put(h, "<p>No promotion request was opened for this version.</p>\n");
	json_array_foreach(json_object_get(r, "requests"), i, q)
		html_request(h, q);
	trace_put(h, "</section>\n");
}

static void html_ledger(struct trace_out *h, json_t *r)
{
	json_t *cp = json_object_get(r, "checkpoint"), *x;
	size_t i;

	trace_put(h, "<section id=\"ledger\"><h2>Ledger entries and the checkpoint</h2>\n");
	if (json_is_object(cp)) {
		trace_put(h, "<p>Newest signed checkpoint: size %" JSON_INTEGER_FORMAT ", root <span class=\"mono\">",
			 trace_i(cp, "size"));
		html_field(h, cp, "root");
		trace_put(h, "</span>, log ");
		html_field(h, cp, "origin");
		trace_put(h, ". The ledger holds %" JSON_INTEGER_FORMAT " entries (%" JSON_INTEGER_FORMAT
			    " after the checkpoint). An entry marked verified has an inclusion proof checked against that root "
			    "(<code>steward audit prove SEQ</code> prints it).</p>\n",
			 trace_i(cp, "ledger_size"), trace_i(cp, "entries_after"));
	} else {
		trace_put(h, "<p class=\"bad\">No checkpoint has been signed.</p>\n");
	}
	trace_put(h, "<table>\n<tr><th>Entry</th><th>Time</th><th>Actor</th><th>Action</th><th>Subject</th><th>Inclusion</th></tr>\n");
	json_array_foreach(json_object_get(r, "entries"), i, x) {
		const char *proof = trace_s(x, "proof");

		trace_put(h, "<tr><td>%" JSON_INTEGER_FORMAT "</td><td>%s</td><td>", trace_i(x, "seq"), trace_s(x, "time"));
		html_field(h, x, "actor");
		trace_put(h, "</td><td>");
		html_field(h, x, "action");
		trace_put(h, "</td><td class=\"mono\">");
		html_field(h, x, "subject");
		trace_put(h, "</td><td class=\"%s\">", strcmp(proof, "verified") == 0 ? "ok" : "bad");
		html_text(h, proof);
		trace_put(h, "</td></tr>\n");
	}
	trace_put(h, "</table>\n");
	if (json_is_object(cp)) {
		trace_put(h, "<p>The signed checkpoint note:</p>\n<pre>");
		html_field(h, cp, "note");
		trace_put(h, "</pre>\n");
	}
	trace_put(h, "</section>\n");
}

int trace_html_write(FILE *f, json_t *r)
{
	struct trace_out h = { .f = f };
	json_t *v = json_object_get(r, "version"), *mo = json_object_get(r, "model");
	size_t ngaps = json_array_size(json_object_get(r, "gaps"));

	/* The policy forbids every fetch and every script: were a value ever
	 * to slip through unescaped, the browser still runs and loads nothing. */
	trace_put(&h, "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
		     "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; style-src 'unsafe-inline'\">\n"
		     "<meta name=\"referrer\" content=\"no-referrer\">\n"
		     "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n<title>Trace: ");
	html_field(&h, mo, "name");
	trace_put(&h, ", ");
	html_field(&h, r, "alias");
	trace_put(&h, " = version %" JSON_INTEGER_FORMAT "</title>\n<style>\n%s</style>\n</head>\n<body>\n<main>\n",
		 trace_i(v, "number"), html_style);
	trace_put(&h, "<header><h1>Trace: <span class=\"model\">");
	html_field(&h, mo, "name");
	trace_put(&h, "</span>, ");
	html_field(&h, r, "alias");
	trace_put(&h, " = version %" JSON_INTEGER_FORMAT "</h1>\n<p class=\"meta\">Generated %s by steward trace (report format %"
		     JSON_INTEGER_FORMAT "): <span class=\"%s\">%zu gap%s</span></p></header>\n",
		 trace_i(v, "number"), trace_s(r, "generated"), trace_i(r, "format"), ngaps ? "bad" : "ok", ngaps,
		 ngaps == 1 ? "" : "s");
	html_gaps(&h, r);
	html_version(&h, r);
	html_lineage(&h, r);
	html_decisions(&h, r);
	html_requests(&h, r);
	html_ledger(&h, r);
	trace_put(&h, "</main>\n</body>\n</html>\n");
	if (fflush(f) != 0 || ferror(f))
		h.bad = 1;
	return h.bad ? -1 : 0;
}
