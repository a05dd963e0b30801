/* cmd-lineage: `steward lineage import|show|attest`: OpenLineage events in, the graph around a version or dataset out, completeness signed. */
#include "cli.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lineage.h"
#include "registry.h"
#include "store.h"

struct cmd_lineage_report {
	struct cli_ctx *c;
	long shown;
};

/* Each skipped event on stderr with file and line; after 50, a count only, so a broken file does not flood. */
static void cmd_lineage_skip(void *arg, const char *source, long line, const char *why)
{
	struct cmd_lineage_report *r = arg;

	if (r->shown++ < 50)
		fprintf(stderr, "steward: %s:%ld: %s (skipped)\n", cli_safe(r->c, source), line, cli_safe(r->c, why));
	else if (r->shown == 51)
		fputs("steward: more malformed events skipped; the summary counts them\n", stderr);
}

int cmd_lineage_import(struct cli_ctx *c)
{
	struct cmd_lineage_report rep = { .c = c, .shown = 0 };
	struct lineage_import *li;
	struct lineage_stats s;
	int i;

	li = lineage_import_begin(c->st, &c->who, "", cmd_lineage_skip, &rep, &c->e);
	if (li == NULL)
		return CLI_FAIL;
	for (i = 0; i < c->npos; i++)
		if (lineage_import_path(li, c->pos[i], &c->e) != 0) {
			lineage_import_free(li);
			return CLI_FAIL;
		}
	if (lineage_import_end(li, &s, &c->e) != 0) {
		lineage_import_free(li);
		return CLI_FAIL;
	}
	lineage_import_free(li);
	if (c->json) {
		json_t *o = json_pack("{s:I, s:I, s:I, s:I, s:I, s:I}", "files", (json_int_t)s.files, "events",
				      (json_int_t)s.events, "imported", (json_int_t)s.imported, "duplicates",
				      (json_int_t)s.duplicates, "malformed", (json_int_t)s.malformed, "attested",
				      (json_int_t)s.attested);

		if (o == NULL)
			return cli_json_fail(&c->e);
		if (cli_json_print(o, &c->e) != 0)
			return CLI_FAIL;
	} else
		printf("%ld event%s in %ld file%s: %ld imported, %ld already held, %ld malformed and skipped\n"
		       "%ld model version%s attested (a lineage.set entry signed by %s)\n",
		       s.events, s.events == 1 ? "" : "s", s.files, s.files == 1 ? "" : "s", s.imported, s.duplicates,
		       s.malformed, s.attested, s.attested == 1 ? "" : "s", cli_safe(c, c->who.name));
	if (s.malformed > 0) {
		err_set(&c->e, ERR_INVALID, "%ld malformed event%s skipped (each named above with its file and line)",
			s.malformed, s.malformed == 1 ? " was" : "s were");
		return CLI_ATTENTION;
	}
	return 0;
}

/* ---- show ---- */

static int cmd_lineage_depth(struct cli_ctx *c, int *depth)
{
	const char *d = cli_opt(c, "depth");
	char *end;
	long v;

	*depth = 0;
	if (d == NULL)
		return 0;
	errno = 0;
	v = strtol(d, &end, 10);
	if (errno != 0 || end == d || *end != '\0' || v < 1 || v > LINEAGE_DEPTH_MAX) {
		char q[80];

		err_set(&c->e, ERR_INVALID, "--depth %s: not a number of hops from 1 to %d", cli_quote(d, q, sizeof q),
			LINEAGE_DEPTH_MAX);
		return -1;
	}
	*depth = (int)v;
	return 0;
}

static void cmd_lineage_line(struct cli_ctx *c, const struct lineage_node *n)
{
	char t[32], d[32];

	if (n->kind == LINEAGE_DATASET)
		printf("dataset %s/%s  %s  %s  %s", cli_safe(c, n->ns), cli_safe(c, n->name),
		       n->version[0] == '\0'	    ? "(no version)"
		       : strcmp(n->digest, n->version) == 0 ? "version = digest"
							    : cli_safe(c, n->version),
		       n->digest[0] ? cli_short_digest(n->digest, d, sizeof d) : "no digest", cli_time(n->time, t, sizeof t));
	else if (n->kind == LINEAGE_RUN)
		printf("run %s  job %s/%s  %s  %s%s%s", cli_safe(c, n->version), cli_safe(c, n->ns), cli_safe(c, n->name),
		       cli_safe(c, n->state), cli_time(n->time, t, sizeof t), n->source[0] ? "  mlflow run " : "",
		       cli_safe(c, n->source));
	else
		printf("model %s v%s  %s%s%s  %s", cli_safe(c, n->name), n->version, cli_short_digest(n->digest, d, sizeof d),
		       n->state[0] ? "  " : "", cli_safe(c, n->state), cli_time(n->time, t, sizeof t));
}

/* An indented tree from node i one way; a node met again is named, not repeated. */
static void cmd_lineage_tree(struct cli_ctx *c, const struct lineage_graph *g, size_t i, int up, int indent,
			     unsigned char *seen)
{
	size_t k;

	for (k = 0; k < g->ne; k++) {
		size_t next;

		if (up ? g->e[k].to != i : g->e[k].from != i)
			continue;
		next = up ? g->e[k].from : g->e[k].to;
		printf("%*s%s ", indent, "", up ? "<-" : "->");
		cmd_lineage_line(c, &g->n[next]);
		if (seen[next]) {
			puts("  (shown above)");
			continue;
		}
		putchar('\n');
		seen[next] = 1;
		cmd_lineage_tree(c, g, next, up, indent + 3, seen);
	}
}

static int cmd_lineage_print(struct cli_ctx *c, const struct lineage_graph *g, const size_t *roots, size_t nroots,
			     enum lineage_dir dir)
{
	unsigned char *seen = calloc(g->nn + 1, 1);
	size_t r;

	if (seen == NULL)
		return err_set(&c->e, ERR_IO, "out of memory");
	for (r = 0; r < nroots; r++) {
		cmd_lineage_line(c, &g->n[roots[r]]);
		putchar('\n');
		seen[roots[r]] = 1;
		if (dir & LINEAGE_UP) {
			puts("  upstream:");
			cmd_lineage_tree(c, g, roots[r], 1, 4, seen);
		}
		if (dir & LINEAGE_DOWN) {
			puts("  downstream:");
			cmd_lineage_tree(c, g, roots[r], 0, 4, seen);
		}
	}
	if (g->truncated)
		printf("(graph cut at %d nodes)\n", LINEAGE_NODES_MAX);
	free(seen);
	return 0;
}

static int cmd_lineage_status_text(struct cli_ctx *c, const char *model, int64_t version, json_t *o)
{
	struct lineage_evidence ev;
	struct lineage_status ls;
	const char *state;

	if (lineage_gate_evidence(c->st, model, version, &ev, &c->e) != 0)
		return -1;
	if (lineage_status_of(c->st, model, version, &ls, &c->e) != 0)
		return -1;
	state = ev.has ? (ev.complete ? "complete" : "incomplete") : ls.has ? "unattested" : "none";
	if (o != NULL) {
		json_t *x = json_pack("{s:s, s:s, s:b}", "state", state, "why", ev.has ? ev.why : ls.why, "current",
				      ev.has ? ev.current : 0);

		if (x == NULL || (ev.has && (json_object_set_new(x, "signer", json_string(ev.signer)) != 0 ||
					     json_object_set_new(x, "entry", json_integer(ev.seq)) != 0)) ||
		    json_object_set_new(x, "store", json_pack("{s:b, s:O}", "complete", ls.complete, "summary", ls.summary)) != 0 ||
		    json_object_set_new(o, "lineage", x) != 0) {
			lineage_status_free(&ls);
			return cli_json_fail(&c->e);
		}
	} else if (ev.has)
		printf("lineage-complete: %s, signed by %s in ledger entry %" PRId64 ": %s%s\n", state, cli_safe(c, ev.signer),
		       ev.seq, cli_safe(c, ev.why),
		       ev.current ? "" : "\n  the store's lineage changed since: run 'steward lineage attest' to sign it as it stands");
	else if (ls.has)
		printf("lineage-complete: not attested: the store's lineage is %s (%s) but no lineage.set entry signs it;\n"
		       "  run 'steward lineage attest %s %" PRId64 " --key FILE'\n",
		       ls.complete ? "complete" : "incomplete", cli_safe(c, ls.why), cli_safe(c, model), version);
	else
		printf("lineage-complete: none recorded: no OpenLineage run is linked to this version\n");
	lineage_status_free(&ls);
	return 0;
}

int cmd_lineage_show(struct cli_ctx *c)
{
	const char *ds = cli_opt(c, "dataset");
	int up = cli_opt(c, "upstream") != NULL, down = cli_opt(c, "downstream") != NULL, dot = cli_opt(c, "dot") != NULL;
	enum lineage_dir dir;
	struct lineage_graph g;
	size_t roots[1] = { 0 }, *rs = roots, nroots = 1, i;
	int depth, rc = CLI_FAIL;
	int64_t version = 0;
	char model[256] = "";

	if (dot && c->json)
		return err_set(&c->e, ERR_INVALID, "--dot and --json: choose one"), CLI_USAGE;
	if (cmd_lineage_depth(c, &depth) != 0)
		return CLI_USAGE;
	if (ds != NULL) {
		const char *slash = strrchr(ds, '/');
		char ns[1100];

		if (c->npos != 0)
			return err_set(&c->e, ERR_INVALID, "--dataset takes no MODEL VERSION"), CLI_USAGE;
		if (slash == NULL || slash == ds || slash[1] == '\0' || (size_t)(slash - ds) >= sizeof ns)
			return err_set(&c->e, ERR_INVALID, "--dataset %s: not NAMESPACE/NAME", cli_safe(c, ds)), CLI_USAGE;
		dir = up && !down ? LINEAGE_UP : down && !up ? LINEAGE_DOWN : up ? LINEAGE_BOTH : LINEAGE_DOWN;
		/* Namespaces are URIs and names paths, both with slashes: each split is tried from the left. */
		for (slash = strchr(ds, '/');; slash = strchr(slash + 1, '/')) {
			if (slash == NULL || slash[1] == '\0')
				return CLI_FAIL;
			if ((size_t)(slash - ds) >= sizeof ns || slash == ds)
				continue;
			memcpy(ns, ds, (size_t)(slash - ds));
			ns[slash - ds] = '\0';
			if (lineage_graph_dataset(c->st, ns, slash + 1, dir, depth, &g, &c->e) == 0)
				break;
			if (c->e.kind != ERR_NOTFOUND)
				return CLI_FAIL;
		}
		for (nroots = 0; nroots < g.nn && g.n[nroots].depth == 0; nroots++)
			;
		rs = malloc(nroots * sizeof *rs);
		if (rs == NULL) {
			lineage_graph_free(&g);
			return err_set(&c->e, ERR_IO, "out of memory"), CLI_FAIL;
		}
		for (i = 0; i < nroots; i++)
			rs[i] = i;
	} else {
		if (c->npos != 2)
			return err_set(&c->e, ERR_INVALID, "give MODEL VERSION, or --dataset NAMESPACE/NAME"), CLI_USAGE;
		if (registry_version_parse(c->pos[1], &version, &c->e) < 0)
			return CLI_USAGE;
		snprintf(model, sizeof model, "%s", c->pos[0]);
		/* A version's default is what it came from; a dataset's (above), what depends on it. */
		dir = up && !down ? LINEAGE_UP : down && !up ? LINEAGE_DOWN : up ? LINEAGE_BOTH : LINEAGE_UP;
		if (lineage_graph_version(c->st, model, version, dir, depth, &g, &c->e) != 0)
			return CLI_FAIL;
	}
	if (dot) {
		rc = lineage_graph_dot(&g, stdout) == 0 ? 0 : (err_set(&c->e, ERR_IO, "writing the graph failed"), CLI_FAIL);
	} else if (c->json) {
		json_t *o = lineage_graph_json(&g);

		if (o == NULL)
			rc = cli_json_fail(&c->e);
		else if (model[0] != '\0' && cmd_lineage_status_text(c, model, version, o) != 0)
			json_decref(o);
		else
			rc = cli_json_print(o, &c->e) == 0 ? 0 : CLI_FAIL;
	} else {
		rc = cmd_lineage_print(c, &g, rs, nroots, dir) == 0 ? 0 : CLI_FAIL;
		if (rc == 0 && model[0] != '\0' && cmd_lineage_status_text(c, model, version, NULL) != 0)
			rc = CLI_FAIL;
		if (rc == 0 && ds != NULL) {
			/* What an owner of the dataset asks: which versions, and which of them serve. */
			size_t m = 0;

			for (i = 0; i < g.nn; i++)
				if (g.n[i].kind == LINEAGE_MODEL) {
					if (m++ == 0)
						puts("model versions that depend on it:");
					printf("  %s v%s%s%s\n", cli_safe(c, g.n[i].name), g.n[i].version, g.n[i].state[0] ? "  deployed as " : "",
					       cli_safe(c, g.n[i].state));
				}
			if (m == 0 && (dir & LINEAGE_DOWN))
				puts("no model version depends on it");
		}
	}
	if (rs != roots)
		free(rs);
	lineage_graph_free(&g);
	return rc;
}

int cmd_lineage_attest(struct cli_ctx *c)
{
	int64_t version;
	int appended = 0;

	if (registry_version_parse(c->pos[1], &version, &c->e) < 0)
		return CLI_USAGE;
	if (store_begin(c->st, &c->e) != 0)
		return CLI_FAIL;
	if (lineage_attest(c->st, &c->who, c->pos[0], version, "", &appended, &c->e) != 0 ||
	    store_commit(c->st, &c->e) != 0) {
		store_rollback(c->st);
		return CLI_FAIL;
	}
	if (c->json) {
		json_t *o = json_pack("{s:s, s:I, s:b}", "model", c->pos[0], "version", (json_int_t)version, "appended", appended);

		if (o == NULL)
			return cli_json_fail(&c->e);
		if (cli_json_print(o, &c->e) != 0)
			return CLI_FAIL;
		return 0;
	}
	if (appended)
		printf("%s v%" PRId64 ": lineage.set entry appended, signed by %s\n", cli_safe(c, c->pos[0]), version,
		       cli_safe(c, c->who.name));
	else
		printf("%s v%" PRId64 ": nothing to sign (no run linked, or the newest lineage.set entry already says this)\n",
		       cli_safe(c, c->pos[0]), version);
	return cmd_lineage_status_text(c, c->pos[0], version, NULL) == 0 ? 0 : CLI_FAIL;
}
