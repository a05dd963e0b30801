/* trace-md: writes the trace report as Markdown: gaps first, then the version, the decisions, the requests with every signature, the lineage, and the ledger entries with the checkpoint. */
#include "trace-md.h"

#include <inttypes.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"

struct md {
	FILE *f;
	int bad;
};

static const char *md_s(json_t *o, const char *k)
{
	const char *s = json_string_value(json_object_get(o, k));

	return s != NULL ? s : "";
}

static json_int_t md_i(json_t *o, const char *k)
{
	return json_integer_value(json_object_get(o, k));
}

static void md_put(struct md *m, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Our own text: never a value from the store. */
static void md_put(struct md *m, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	if (vfprintf(m->f, fmt, ap) < 0)
		m->bad = 1;
	va_end(ap);
}

/* A value from the store: control characters escaped as for a terminal,
 * Markdown's inline syntax and raw HTML backslash-escaped so a comment
 * cannot become a link, an image or markup, and newlines as <br> since a
 * newline would end a table row. "-" for nothing. */
static void md_text(struct md *m, const char *s)
{
	char *x;
	const char *p;

	if (s == NULL || s[0] == '\0') {
		md_put(m, "-");
		return;
	}
	x = check_escape(s, 1);
	if (x == NULL) {
		m->bad = 1;
		return;
	}
	for (p = x; *p != '\0'; p++) {
		if (*p == '\n')
			md_put(m, "<br>");
		else if (*p == '\t' || *p == '\r')
			md_put(m, " ");
		else if (strchr("\\`*_[]<>|&~!#", *p) != NULL)
			md_put(m, "\\%c", *p);
		else if (fputc(*p, m->f) == EOF)
			m->bad = 1;
	}
	free(x);
}

static void md_field(struct md *m, json_t *o, const char *k)
{
	md_text(m, md_s(o, k));
}

/* "entry 12 (in checkpoint)" for an object that names an entry. */
static void md_entry(struct md *m, json_t *o)
{
	json_t *seq = json_object_get(o, "seq");

	if (!json_is_integer(seq)) {
		md_put(m, "no entry");
		return;
	}
	md_put(m, "entry %" JSON_INTEGER_FORMAT " (%s)", json_integer_value(seq),
	       json_is_true(json_object_get(o, "in_checkpoint")) ? "in checkpoint" : "NOT in checkpoint");
}

static void md_gaps(struct md *m, json_t *r)
{
	json_t *gaps = json_object_get(r, "gaps"), *g;
	size_t i;

	md_put(m, "## Gaps (%zu)\n\n", json_array_size(gaps));
	if (json_array_size(gaps) == 0)
		md_put(m, "None found: every decision counted, every entry is in the signed checkpoint, and the lineage is complete and attested.\n\n");
	json_array_foreach(gaps, i, g) {
		md_put(m, "- **GAP %s**", md_s(g, "kind"));
		if (json_is_integer(json_object_get(g, "seq")))
			md_put(m, " (entry %" JSON_INTEGER_FORMAT ")", md_i(g, "seq"));
		md_put(m, ": ");
		md_field(m, g, "text");
		md_put(m, "\n");
	}
	if (json_array_size(gaps) > 0)
		md_put(m, "\n");
}

static void md_row(struct md *m, const char *label, const char *value)
{
	md_put(m, "| %s | ", label);
	md_text(m, value);
	md_put(m, " |\n");
}

static void md_version(struct md *m, json_t *r)
{
	json_t *mo = json_object_get(r, "model"), *v = json_object_get(r, "version"), *ev = json_object_get(r, "evidence");
	json_t *pl = json_object_get(r, "placement");
	char digest[200];

	md_put(m, "## The version\n\n| | |\n|---|---|\n");
	md_row(m, "Model", md_s(mo, "name"));
	md_row(m, "Risk tier", md_s(mo, "tier"));
	md_row(m, "Owner", md_s(mo, "owner"));
	md_put(m, "| Version | %" JSON_INTEGER_FORMAT " |\n", md_i(v, "number"));
	md_row(m, "Artifact", md_s(v, "artifact_uri"));
	snprintf(digest, sizeof digest, "%s (%s)", md_s(v, "digest"), md_s(v, "digest_state"));
	md_row(m, "Artifact digest", digest);
	md_row(m, "Author", md_s(v, "author"));
	md_row(m, "Training run (registry)", md_s(v, "run_id"));
	md_row(m, "Created", md_s(v, "created"));
	md_row(m, "Aliases", md_s(v, "aliases"));
	md_put(m, "| Recorded by | ");
	md_entry(m, json_object_get(ev, "version"));
	md_put(m, " |\n| Model card | ");
	md_text(m, md_s(json_object_get(ev, "card"), "digest"));
	md_put(m, ", ");
	md_entry(m, json_object_get(ev, "card"));
	md_put(m, " |\n| Metrics | %" JSON_INTEGER_FORMAT " recorded, newest ", md_i(json_object_get(ev, "metrics"), "count"));
	md_entry(m, json_object_get(ev, "metrics"));
	md_put(m, " |\n| Placed by | ");
	if (json_is_object(pl)) {
		md_put(m, "%s by ", md_s(pl, "action"));
		md_field(m, pl, "actor");
		md_put(m, ", entry %" JSON_INTEGER_FORMAT ", %s", md_i(pl, "seq"),
		       json_is_true(json_object_get(pl, "governed")) ? "governed" : "**NOT governed**");
	} else {
		md_put(m, "no ledger entry");
	}
	md_put(m, " |\n\n");
}

static void md_policy(struct md *m, json_t *p)
{
	if (!json_is_object(p)) {
		md_put(m, "-");
		return;
	}
	md_field(m, p, "name");
	md_put(m, " v%" JSON_INTEGER_FORMAT " `", md_i(p, "version"));
	/* A digest is hex: nothing in it needs escaping inside a code span,
	 * but it comes from the store, so it goes through md_text all the same. */
	md_field(m, p, "sha256");
	md_put(m, "`");
}

static void md_decisions(struct md *m, json_t *r)
{
	json_t *dec = json_object_get(r, "decisions"), *d, *x;
	size_t i, k;

	md_put(m, "## Decisions that put it there\n\n");
	if (json_array_size(dec) == 0) {
		md_put(m, "No ledger entry moved an alias to this version.\n\n");
		return;
	}
	md_put(m, "| Entry | Time | Action | Alias | By | Governed | Request | Policy | In checkpoint |\n"
		  "|---|---|---|---|---|---|---|---|---|\n");
	json_array_foreach(dec, i, d) {
		md_put(m, "| %" JSON_INTEGER_FORMAT "%s | %s | %s | ", md_i(d, "seq"),
		       json_is_true(json_object_get(d, "current")) ? " (current)" : "", md_s(d, "time"), md_s(d, "action"));
		md_field(m, d, "alias");
		md_put(m, " | ");
		md_field(m, d, "actor");
		md_put(m, " | %s | ", json_is_true(json_object_get(d, "governed")) ? "yes" : "**no**");
		if (json_is_integer(json_object_get(d, "request")))
			md_put(m, "%" JSON_INTEGER_FORMAT, md_i(d, "request"));
		else if (json_is_integer(json_object_get(d, "review")))
			md_put(m, "review %" JSON_INTEGER_FORMAT, md_i(d, "review"));
		else
			md_put(m, "-");
		md_put(m, " | ");
		md_policy(m, json_object_get(d, "policy"));
		md_put(m, " | %s |\n", json_is_true(json_object_get(d, "in_checkpoint")) ? "yes" : "**no**");
	}
	md_put(m, "\n");
	json_array_foreach(dec, i, d) {
		json_t *res = json_object_get(d, "results");

		if (json_array_size(res) == 0 && md_s(d, "reason")[0] == '\0')
			continue;
		md_put(m, "### Entry %" JSON_INTEGER_FORMAT ": %s to ", md_i(d, "seq"), md_s(d, "action"));
		md_field(m, d, "alias");
		md_put(m, "\n\n");
		if (json_is_integer(json_object_get(d, "from_version")))
			md_put(m, "Rolled back from version %" JSON_INTEGER_FORMAT ". ", md_i(d, "from_version"));
		if (md_s(d, "reason")[0] != '\0') {
			md_put(m, "Reason: ");
			md_field(m, d, "reason");
			md_put(m, "\n\n");
		}
		if (md_s(d, "evidence_sha256")[0] != '\0') {
			md_put(m, "Evidence digest `");
			md_field(m, d, "evidence_sha256");
			md_put(m, "`.\n\n");
		}
		if (json_array_size(res) == 0)
			continue;
		md_put(m, "| Rule | Kind | Result | Evidence | Reason |\n|---|---|---|---|---|\n");
		json_array_foreach(res, k, x) {
			md_put(m, "| ");
			md_field(m, x, "rule");
			md_put(m, " | ");
			md_field(m, x, "kind");
			md_put(m, " | ");
			md_field(m, x, "status");
			md_put(m, " | ");
			md_field(m, x, "evidence");
			md_put(m, " | ");
			md_field(m, x, "reason");
			md_put(m, " |\n");
		}
		md_put(m, "\n");
	}
}

static void md_requests(struct md *m, json_t *r)
{
	json_t *reqs = json_object_get(r, "requests"), *q, *a, *n;
	size_t i, k;

	md_put(m, "## Requests and signatures\n\n");
	if (json_array_size(reqs) == 0)
		md_put(m, "No promotion request was opened for this version.\n\n");
	json_array_foreach(reqs, i, q) {
		md_put(m, "### Request %" JSON_INTEGER_FORMAT " (", md_i(q, "id"));
		md_field(m, q, "kind");
		md_put(m, "): ");
		if (strcmp(md_s(q, "kind"), "review") == 0) {
			md_put(m, "post-incident review of the rollback of ");
			md_field(m, q, "from");
		} else {
			md_field(m, q, "from");
			md_put(m, " -> ");
			md_field(m, q, "to");
		}
		md_put(m, ", ");
		md_field(m, q, "state");
		md_put(m, "\n\n- Requested by ");
		md_field(m, q, "requester");
		md_put(m, " at %s, ", md_s(q, "created"));
		md_entry(m, q);
		md_put(m, "\n- Policy: ");
		md_policy(m, json_object_get(q, "policy"));
		md_put(m, "\n- Needs:");
		json_array_foreach(json_object_get(q, "needs"), k, n)
			md_put(m, " %s %" JSON_INTEGER_FORMAT "/%" JSON_INTEGER_FORMAT ";", md_s(n, "role"), md_i(n, "have"),
			       md_i(n, "count"));
		md_put(m, " %" JSON_INTEGER_FORMAT " of %" JSON_INTEGER_FORMAT " counted\n", md_i(q, "counted"), md_i(q, "required"));
		if (json_is_integer(json_object_get(q, "applied_by")))
			md_put(m, "- Applied by entry %" JSON_INTEGER_FORMAT "\n", md_i(q, "applied_by"));
		if (json_is_integer(json_object_get(q, "opened_by")))
			md_put(m, "- Owed by the rollback at entry %" JSON_INTEGER_FORMAT ", due %s\n", md_i(q, "opened_by"),
			       md_s(q, "due"));
		if (md_s(q, "comment")[0] != '\0') {
			md_put(m, "- Comment: ");
			md_field(m, q, "comment");
			md_put(m, "\n");
		}
		if (md_s(q, "closed")[0] != '\0') {
			md_put(m, "- Closed: ");
			md_field(m, q, "closed");
			md_put(m, "\n");
		}
		if (md_s(q, "tampered")[0] != '\0') {
			md_put(m, "- **Disagrees with its ledger entry**: ");
			md_field(m, q, "tampered");
			md_put(m, "\n");
		}
		md_put(m, "\n");
		if (json_array_size(json_object_get(q, "decisions")) == 0) {
			md_put(m, "No decisions.\n\n");
			continue;
		}
		md_put(m, "| # | Entry | Signer | Role | Key | Decision | Issued | Expires | Counts | Why not | Comment |\n"
			  "|---|---|---|---|---|---|---|---|---|---|---|\n");
		json_array_foreach(json_object_get(q, "decisions"), k, a) {
			md_put(m, "| %" JSON_INTEGER_FORMAT " | %" JSON_INTEGER_FORMAT "%s | ", md_i(a, "id"), md_i(a, "seq"),
			       json_is_true(json_object_get(a, "in_checkpoint")) ? "" : " (not in checkpoint)");
			md_field(m, a, "principal");
			md_put(m, " | ");
			md_field(m, a, "role");
			md_put(m, " | ");
			md_field(m, a, "key");
			md_put(m, " | %s | %s | %s | %s | ", md_s(a, "decision"), md_s(a, "issued"), md_s(a, "expires"),
			       json_is_true(json_object_get(a, "counts")) ? "yes" : "**no**");
			md_field(m, a, "why");
			md_put(m, " | ");
			md_field(m, a, "comment");
			md_put(m, " |\n");
		}
		md_put(m, "\n");
	}
}

static const char *md_node_label(json_t *n, char *buf, size_t len)
{
	const char *kind = md_s(n, "kind");

	if (strcmp(kind, "model") == 0)
		snprintf(buf, len, "%s v%s", md_s(n, "name"), md_s(n, "version"));
	else if (strcmp(kind, "run") == 0)
		snprintf(buf, len, "%s/%s run %s", md_s(n, "namespace"), md_s(n, "name"), md_s(n, "version"));
	else
		snprintf(buf, len, "%s/%s%s%s", md_s(n, "namespace"), md_s(n, "name"), md_s(n, "version")[0] ? " @" : "",
			 md_s(n, "version"));
	return buf;
}

static void md_lineage(struct md *m, json_t *r)
{
	json_t *l = json_object_get(r, "lineage"), *at, *n, *e;
	size_t i;
	char label[1200];

	md_put(m, "## Lineage\n\n");
	if (!json_is_object(l)) {
		md_put(m, "No lineage section in this report.\n\n");
		return;
	}
	if (!json_is_true(json_object_get(l, "recorded"))) {
		md_put(m, "No lineage recorded for this version.\n\n");
		return;
	}
	md_put(m, "- Complete (lineage-complete): %s: ", json_is_true(json_object_get(l, "complete")) ? "yes" : "**no**");
	md_field(m, l, "why");
	md_put(m, "\n- %" JSON_INTEGER_FORMAT " training run(s), %" JSON_INTEGER_FORMAT " input dataset version(s), %" JSON_INTEGER_FORMAT
		  " without a digest\n",
	       md_i(l, "runs"), md_i(l, "inputs"), md_i(l, "undigested"));
	at = json_object_get(l, "attestation");
	md_put(m, "- Attested: ");
	if (json_is_object(at)) {
		md_put(m, "by ");
		md_field(m, at, "signer");
		md_put(m, ", ");
		md_entry(m, at);
		md_put(m, ", says %s, %s\n", json_is_true(json_object_get(at, "complete")) ? "complete" : "incomplete",
		       json_is_true(json_object_get(at, "current")) ? "still current" : "**no longer matches the stored lineage**");
	} else {
		md_put(m, "**no** (stored, but no signed lineage.set entry: a gate does not count it)\n");
	}
	if (json_is_true(json_object_get(l, "truncated")))
		md_put(m, "- The graph was cut at its node limit.\n");
	md_put(m, "\n| Node | Kind | Digest or state | Time | Gap |\n|---|---|---|---|---|\n");
	json_array_foreach(json_object_get(l, "nodes"), i, n) {
		const char *kind = md_s(n, "kind");

		md_put(m, "| ");
		md_text(m, md_node_label(n, label, sizeof label));
		md_put(m, " | %s%s | ", kind, json_is_true(json_object_get(n, "training")) ? " (training)" : "");
		md_text(m, strcmp(kind, "run") == 0 ? md_s(n, "state") : md_s(n, "digest"));
		md_put(m, " | %s | ", md_s(n, "time"));
		if (md_s(n, "gap")[0] != '\0') {
			md_put(m, "**GAP** ");
			md_field(m, n, "gap");
		} else {
			md_put(m, "-");
		}
		md_put(m, " |\n");
	}
	md_put(m, "\nEdges (upstream -> downstream):\n\n");
	json_array_foreach(json_object_get(l, "edges"), i, e) {
		md_put(m, "- ");
		md_text(m, json_string_value(json_array_get(e, 0)));
		md_put(m, " -> ");
		md_text(m, json_string_value(json_array_get(e, 1)));
		md_put(m, "\n");
	}
	md_put(m, "\n");
}

static void md_ledger(struct md *m, json_t *r)
{
	json_t *cp = json_object_get(r, "checkpoint"), *x;
	const char *note, *p;
	size_t i;

	md_put(m, "## Ledger entries and the checkpoint\n\n");
	if (json_is_object(cp)) {
		md_put(m, "Newest signed checkpoint: size %" JSON_INTEGER_FORMAT ", root `", md_i(cp, "size"));
		md_field(m, cp, "root");
		md_put(m, "`, log ");
		md_field(m, cp, "origin");
		md_put(m, "; the ledger holds %" JSON_INTEGER_FORMAT " entries (%" JSON_INTEGER_FORMAT
			  " after the checkpoint). Each entry below marked verified has an inclusion proof checked "
			  "against that root ('steward audit prove SEQ' prints it).\n\n",
		       md_i(cp, "ledger_size"), md_i(cp, "entries_after"));
	} else {
		md_put(m, "No checkpoint has been signed.\n\n");
	}
	md_put(m, "| Entry | Time | Actor | Action | Subject | Inclusion |\n|---|---|---|---|---|---|\n");
	json_array_foreach(json_object_get(r, "entries"), i, x) {
		md_put(m, "| %" JSON_INTEGER_FORMAT " | %s | ", md_i(x, "seq"), md_s(x, "time"));
		md_field(m, x, "actor");
		md_put(m, " | ");
		md_field(m, x, "action");
		md_put(m, " | ");
		md_field(m, x, "subject");
		md_put(m, " | %s |\n", md_s(x, "proof"));
	}
	md_put(m, "\n");
	if (!json_is_object(cp))
		return;
	/* Indented, a line at a time: no line of the note can end the block. */
	md_put(m, "The signed checkpoint note:\n\n");
	note = md_s(cp, "note");
	for (p = note; *p != '\0';) {
		const char *nl = strchr(p, '\n');
		size_t len = nl ? (size_t)(nl - p) : strlen(p);
		char *line = strndup(p, len), *x2 = line ? check_escape(line, 0) : NULL;

		if (x2 == NULL)
			m->bad = 1;
		else
			md_put(m, "    %s\n", x2);
		free(line);
		free(x2);
		p += len + (nl != NULL);
	}
	md_put(m, "\n");
}

int trace_md_write(FILE *f, json_t *r)
{
	struct md m = { .f = f };
	json_t *v = json_object_get(r, "version");

	md_put(&m, "# Trace: ");
	md_field(&m, json_object_get(r, "model"), "name");
	md_put(&m, ", ");
	md_field(&m, r, "alias");
	md_put(&m, " = version %" JSON_INTEGER_FORMAT "\n\n", md_i(v, "number"));
	md_put(&m, "Generated %s by steward trace (report format %" JSON_INTEGER_FORMAT "): %zu gap%s.\n\n",
	       md_s(r, "generated"), md_i(r, "format"), json_array_size(json_object_get(r, "gaps")),
	       json_array_size(json_object_get(r, "gaps")) == 1 ? "" : "s");
	md_gaps(&m, r);
	md_version(&m, r);
	md_decisions(&m, r);
	md_requests(&m, r);
	md_lineage(&m, r);
	md_ledger(&m, r);
	if (fflush(f) != 0 || ferror(f))
		m.bad = 1;
	return m.bad ? -1 : 0;
}
