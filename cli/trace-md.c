/* trace-md: writes the trace report as Markdown: gaps first, then the version, the decisions, the requests with every signature, the lineage, and the ledger entries with the checkpoint. */
#include "trace-md.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "trace-out.h"

/* Newlines as <br> since a newline would end a table row, and Markdown's
 * inline syntax and raw HTML backslash-escaped so a comment cannot become
 * a link, an image or markup. */
static const char *md_sub(char c, char buf[4])
{
	if (c == '\n')
		return "<br>";
	if (c == '\t' || c == '\r')
		return " ";
	if (strchr("\\`*_[]<>|&~!#", c) != NULL) {
		buf[0] = '\\';
		buf[1] = c;
		buf[2] = '\0';
		return buf;
	}
	return NULL;
}

static void md_text(struct trace_out *m, const char *s)
{
	trace_text(m, s, md_sub);
}

static void md_field(struct trace_out *m, json_t *o, const char *k)
{
	md_text(m, trace_s(o, k));
}

/* "entry 12 (in checkpoint)" for an object that names an entry. */
static void md_entry(struct trace_out *m, json_t *o)
{
	json_t *seq = json_object_get(o, "seq");

	if (!json_is_integer(seq)) {
		trace_put(m, "no entry");
		return;
	}
	trace_put(m, "entry %" JSON_INTEGER_FORMAT " (%s)", json_integer_value(seq),
	       json_is_true(json_object_get(o, "in_checkpoint")) ? "in checkpoint" : "NOT in checkpoint");
}

static void md_gaps(struct trace_out *m, json_t *r)
{
	json_t *gaps = json_object_get(r, "gaps"), *g;
	size_t i;

	trace_put(m, "## Gaps (%zu)\n\n", json_array_size(gaps));
	if (json_array_size(gaps) == 0)
		trace_put(m, "None found: every decision counted, every entry is in the signed checkpoint, and the lineage is complete and attested.\n\n");
	json_array_foreach(gaps, i, g) {
		trace_put(m, "- **GAP %s**", trace_s(g, "kind"));
		if (json_is_integer(json_object_get(g, "seq")))
			trace_put(m, " (entry %" JSON_INTEGER_FORMAT ")", trace_i(g, "seq"));
		trace_put(m, ": ");
		md_field(m, g, "text");
		trace_put(m, "\n");
	}
	if (json_array_size(gaps) > 0)
		trace_put(m, "\n");
}

static void md_row(struct trace_out *m, const char *label, const char *value)
{
	trace_put(m, "| %s | ", label);
	md_text(m, value);
	trace_put(m, " |\n");
}

static void md_version(struct trace_out *m, json_t *r)
{
	json_t *mo = json_object_get(r, "model"), *v = json_object_get(r, "version"), *ev = json_object_get(r, "evidence");
	json_t *pl = json_object_get(r, "placement");
	char digest[200];

	trace_put(m, "## The version\n\n| | |\n|---|---|\n");
	md_row(m, "Model", trace_s(mo, "name"));
	md_row(m, "Risk tier", trace_s(mo, "tier"));
	md_row(m, "Owner", trace_s(mo, "owner"));
	trace_put(m, "| Version | %" JSON_INTEGER_FORMAT " |\n", trace_i(v, "number"));
	md_row(m, "Artifact", trace_s(v, "artifact_uri"));
	snprintf(digest, sizeof digest, "%s (%s)", trace_s(v, "digest"), trace_s(v, "digest_state"));
	md_row(m, "Artifact digest", digest);
	md_row(m, "Author", trace_s(v, "author"));
	md_row(m, "Training run (registry)", trace_s(v, "run_id"));
	md_row(m, "Created", trace_s(v, "created"));
	md_row(m, "Aliases", trace_s(v, "aliases"));
	trace_put(m, "| Recorded by | ");
	md_entry(m, json_object_get(ev, "version"));
	trace_put(m, " |\n| Model card | ");
	md_text(m, trace_s(json_object_get(ev, "card"), "digest"));
	trace_put(m, ", ");
	md_entry(m, json_object_get(ev, "card"));
	trace_put(m, " |\n| Metrics | %" JSON_INTEGER_FORMAT " recorded, newest ", trace_i(json_object_get(ev, "metrics"), "count"));
	md_entry(m, json_object_get(ev, "metrics"));
	trace_put(m, " |\n| Placed by | ");
	if (json_is_object(pl)) {
		trace_put(m, "%s by ", trace_s(pl, "action"));
		md_field(m, pl, "actor");
		trace_put(m, ", entry %" JSON_INTEGER_FORMAT ", %s", trace_i(pl, "seq"),
		       json_is_true(json_object_get(pl, "governed")) ? "governed" : "**NOT governed**");
	} else {
		trace_put(m, "no ledger entry");
	}
	trace_put(m, " |\n\n");
}

static void md_policy(struct trace_out *m, json_t *p)
{
	if (!json_is_object(p)) {
		trace_put(m, "-");
		return;
	}
	md_field(m, p, "name");
	trace_put(m, " v%" JSON_INTEGER_FORMAT " `", trace_i(p, "version"));
	/* A digest is hex: nothing in it needs escaping inside a code span,
	 * but it comes from the store, so it goes through md_text all the same. */
	md_field(m, p, "sha256");
	trace_put(m, "`");
}

static void md_decisions(struct trace_out *m, json_t *r)
{
	json_t *dec = json_object_get(r, "decisions"), *d, *x;
	size_t i, k;

	trace_put(m, "## Decisions that put it there\n\n");
	if (json_array_size(dec) == 0) {
		trace_put(m, "No ledger entry moved an alias to this version.\n\n");
		return;
	}
	trace_put(m, "| Entry | Time | Action | Alias | By | Governed | Request | Policy | In checkpoint |\n"
		  "|---|---|---|---|---|---|---|---|---|\n");
	json_array_foreach(dec, i, d) {
		trace_put(m, "| %" JSON_INTEGER_FORMAT "%s | %s | %s | ", trace_i(d, "seq"),
		       json_is_true(json_object_get(d, "current")) ? " (current)" : "", trace_s(d, "time"), trace_s(d, "action"));
		md_field(m, d, "alias");
		trace_put(m, " | ");
		md_field(m, d, "actor");
		trace_put(m, " | %s | ", json_is_true(json_object_get(d, "governed")) ? "yes" : "**no**");
		if (json_is_integer(json_object_get(d, "request")))
			trace_put(m, "%" JSON_INTEGER_FORMAT, trace_i(d, "request"));
		else if (json_is_integer(json_object_get(d, "review")))
			trace_put(m, "review %" JSON_INTEGER_FORMAT, trace_i(d, "review"));
		else
			trace_put(m, "-");
		trace_put(m, " | ");
		md_policy(m, json_object_get(d, "policy"));
		trace_put(m, " | %s |\n", json_is_true(json_object_get(d, "in_checkpoint")) ? "yes" : "**no**");
	}
	trace_put(m, "\n");
	json_array_foreach(dec, i, d) {
		json_t *res = json_object_get(d, "results");

		if (json_array_size(res) == 0 && trace_s(d, "reason")[0] == '\0')
			continue;
		trace_put(m, "### Entry %" JSON_INTEGER_FORMAT ": %s to ", trace_i(d, "seq"), trace_s(d, "action"));
		md_field(m, d, "alias");
		trace_put(m, "\n\n");
		if (json_is_integer(json_object_get(d, "from_version")))
			trace_put(m, "Rolled back from version %" JSON_INTEGER_FORMAT ". ", trace_i(d, "from_version"));
		if (trace_s(d, "reason")[0] != '\0') {
			trace_put(m, "Reason: ");
			md_field(m, d, "reason");
			trace_put(m, "\n\n");
		}
		if (trace_s(d, "evidence_sha256")[0] != '\0') {
			trace_put(m, "Evidence digest `");
			md_field(m, d, "evidence_sha256");
			trace_put(m, "`.\n\n");
		}
		if (json_array_size(res) == 0)
			continue;
		trace_put(m, "| Rule | Kind | Result | Evidence | Reason |\n|---|---|---|---|---|\n");
		json_array_foreach(res, k, x) {
			trace_put(m, "| ");
			md_field(m, x, "rule");
			trace_put(m, " | ");
			md_field(m, x, "kind");
			trace_put(m, " | ");
			md_field(m, x, "status");
			trace_put(m, " | ");
			md_field(m, x, "evidence");
			trace_put(m, " | ");
			md_field(m, x, "reason");
			trace_put(m, " |\n");
		}
		trace_put(m, "\n");
	}
}

static void md_requests(struct trace_out *m, json_t *r)
{
	json_t *reqs = json_object_get(r, "requests"), *q, *a, *n;
	size_t i, k;

	trace_put(m, "## Requests and signatures\n\n");
	if (json_array_size(reqs) == 0)
		trace_put(m, "No promotion request was opened for this version.\n\n");
	json_array_foreach(reqs, i, q) {
		trace_put(m, "### Request %" JSON_INTEGER_FORMAT " (", trace_i(q, "id"));
		md_field(m, q, "kind");
		trace_put(m, "): ");
		if (strcmp(trace_s(q, "kind"), "review") == 0) {
			trace_put(m, "post-incident review of the rollback of ");
			md_field(m, q, "from");
		} else {
			md_field(m, q, "from");
			trace_put(m, " -> ");
			md_field(m, q, "to");
		}
		trace_put(m, ", ");
		md_field(m, q, "state");
		trace_put(m, "\n\n- Requested by ");
		md_field(m, q, "requester");
		trace_put(m, " at %s, ", trace_s(q, "created"));
		md_entry(m, q);
		trace_put(m, "\n- Policy: ");
		md_policy(m, json_object_get(q, "policy"));
		trace_put(m, "\n- Needs:");
		json_array_foreach(json_object_get(q, "needs"), k, n)
			trace_put(m, " %s %" JSON_INTEGER_FORMAT "/%" JSON_INTEGER_FORMAT ";", trace_s(n, "role"), trace_i(n, "have"),
			       trace_i(n, "count"));
		trace_put(m, " %" JSON_INTEGER_FORMAT " of %" JSON_INTEGER_FORMAT " counted\n", trace_i(q, "counted"), trace_i(q, "required"));
		if (json_is_integer(json_object_get(q, "applied_by")))
			trace_put(m, "- Applied by entry %" JSON_INTEGER_FORMAT "\n", trace_i(q, "applied_by"));
		if (json_is_integer(json_object_get(q, "opened_by")))
			trace_put(m, "- Owed by the rollback at entry %" JSON_INTEGER_FORMAT ", due %s\n", trace_i(q, "opened_by"),
			       trace_s(q, "due"));
		if (trace_s(q, "comment")[0] != '\0') {
			trace_put(m, "- Comment: ");
			md_field(m, q, "comment");
			trace_put(m, "\n");
		}
		if (trace_s(q, "closed")[0] != '\0') {
			trace_put(m, "- Closed: ");
			md_field(m, q, "closed");
			trace_put(m, "\n");
		}
		if (trace_s(q, "tampered")[0] != '\0') {
			trace_put(m, "- **Disagrees with its ledger entry**: ");
			md_field(m, q, "tampered");
			trace_put(m, "\n");
		}
		trace_put(m, "\n");
		if (json_array_size(json_object_get(q, "decisions")) == 0) {
			trace_put(m, "No decisions.\n\n");
			continue;
		}
		trace_put(m, "| # | Entry | Signer | Role | Key | Decision | Issued | Expires | Counts | Why not | Comment |\n"
			  "|---|---|---|---|---|---|---|---|---|---|---|\n");
		json_array_foreach(json_object_get(q, "decisions"), k, a) {
			trace_put(m, "| %" JSON_INTEGER_FORMAT " | %" JSON_INTEGER_FORMAT "%s | ", trace_i(a, "id"), trace_i(a, "seq"),
			       json_is_true(json_object_get(a, "in_checkpoint")) ? "" : " (not in checkpoint)");
			md_field(m, a, "principal");
			trace_put(m, " | ");
			md_field(m, a, "role");
			trace_put(m, " | ");
			md_field(m, a, "key");
			trace_put(m, " | %s | %s | %s | %s | ", trace_s(a, "decision"), trace_s(a, "issued"), trace_s(a, "expires"),
			       json_is_true(json_object_get(a, "counts")) ? "yes" : "**no**");
			md_field(m, a, "why");
			trace_put(m, " | ");
			md_field(m, a, "comment");
			trace_put(m, " |\n");
		}
		trace_put(m, "\n");
	}
}

static const char *md_node_label(json_t *n, char *buf, size_t len)
{
	const char *kind = trace_s(n, "kind");

	if (strcmp(kind, "model") == 0)
		snprintf(buf, len, "%s v%s", trace_s(n, "name"), trace_s(n, "version"));
	else if (strcmp(kind, "run") == 0)
		snprintf(buf, len, "%s/%s run %s", trace_s(n, "namespace"), trace_s(n, "name"), trace_s(n, "version"));
	else
		snprintf(buf, len, "%s/%s%s%s", trace_s(n, "namespace"), trace_s(n, "name"), trace_s(n, "version")[0] ? " @" : "",
			 trace_s(n, "version"));
	return buf;
}

static void md_lineage(struct trace_out *m, json_t *r)
{
	json_t *l = json_object_get(r, "lineage"), *at, *n, *e;
	size_t i;
	char label[1200];

	trace_put(m, "## Lineage\n\n");
	if (!json_is_object(l)) {
		trace_put(m, "No lineage section in this report.\n\n");
		return;
	}
	if (!json_is_true(json_object_get(l, "recorded"))) {
		trace_put(m, "No lineage recorded for this version.\n\n");
		return;
	}
	trace_put(m, "- Complete (lineage-complete): %s: ", json_is_true(json_object_get(l, "complete")) ? "yes" : "**no**");
	md_field(m, l, "why");
	trace_put(m, "\n- %" JSON_INTEGER_FORMAT " training run(s), %" JSON_INTEGER_FORMAT " input dataset version(s), %" JSON_INTEGER_FORMAT
		  " without a digest\n",
	       trace_i(l, "runs"), trace_i(l, "inputs"), trace_i(l, "undigested"));
	at = json_object_get(l, "attestation");
	trace_put(m, "- Attested: ");
	if (json_is_object(at)) {
		trace_put(m, "by ");
		md_field(m, at, "signer");
		trace_put(m, ", ");
		md_entry(m, at);
		trace_put(m, ", says %s, %s\n", json_is_true(json_object_get(at, "complete")) ? "complete" : "incomplete",
		       json_is_true(json_object_get(at, "current")) ? "still current" : "**no longer matches the stored lineage**");
	} else {
		trace_put(m, "**no** (stored, but no signed lineage.set entry: a gate does not count it)\n");
	}
	if (json_is_true(json_object_get(l, "truncated")))
		trace_put(m, "- The graph was cut at its node limit.\n");
	trace_put(m, "\n| Node | Kind | Digest or state | Time | Gap |\n|---|---|---|---|---|\n");
	json_array_foreach(json_object_get(l, "nodes"), i, n) {
		const char *kind = trace_s(n, "kind");

		trace_put(m, "| ");
		md_text(m, md_node_label(n, label, sizeof label));
		trace_put(m, " | %s%s | ", kind, json_is_true(json_object_get(n, "training")) ? " (training)" : "");
		md_text(m, strcmp(kind, "run") == 0 ? trace_s(n, "state") : trace_s(n, "digest"));
		trace_put(m, " | %s | ", trace_s(n, "time"));
		if (trace_s(n, "gap")[0] != '\0') {
			trace_put(m, "**GAP** ");
			md_field(m, n, "gap");
		} else {
			trace_put(m, "-");
		}
		trace_put(m, " |\n");
	}
	trace_put(m, "\nEdges (upstream -> downstream):\n\n");
	json_array_foreach(json_object_get(l, "edges"), i, e) {
		trace_put(m, "- ");
		md_text(m, json_string_value(json_array_get(e, 0)));
		trace_put(m, " -> ");
		md_text(m, json_string_value(json_array_get(e, 1)));
		trace_put(m, "\n");
	}
	trace_put(m, "\n");
}

static void md_ledger(struct trace_out *m, json_t *r)
{
	json_t *cp = json_object_get(r, "checkpoint"), *x;
	const char *note, *p;
	size_t i;

	trace_put(m, "## Ledger entries and the checkpoint\n\n");
	if (json_is_object(cp)) {
		trace_put(m, "Newest signed checkpoint: size %" JSON_INTEGER_FORMAT ", root `", trace_i(cp, "size"));
		md_field(m, cp, "root");
		trace_put(m, "`, log ");
		md_field(m, cp, "origin");
		trace_put(m, "; the ledger holds %" JSON_INTEGER_FORMAT " entries (%" JSON_INTEGER_FORMAT
			  " after the checkpoint). Each entry below marked verified has an inclusion proof checked "
			  "against that root ('steward audit prove SEQ' prints it).\n\n",
		       trace_i(cp, "ledger_size"), trace_i(cp, "entries_after"));
	} else {
		trace_put(m, "No checkpoint has been signed.\n\n");
	}
	trace_put(m, "| Entry | Time | Actor | Action | Subject | Inclusion |\n|---|---|---|---|---|---|\n");
	json_array_foreach(json_object_get(r, "entries"), i, x) {
		trace_put(m, "| %" JSON_INTEGER_FORMAT " | %s | ", trace_i(x, "seq"), trace_s(x, "time"));
		md_field(m, x, "actor");
		trace_put(m, " | ");
		md_field(m, x, "action");
		trace_put(m, " | ");
		md_field(m, x, "subject");
		trace_put(m, " | %s |\n", trace_s(x, "proof"));
	}
	trace_put(m, "\n");
	if (!json_is_object(cp))
		return;
	/* Indented, a line at a time: no line of the note can end the block. */
	trace_put(m, "The signed checkpoint note:\n\n");
	note = trace_s(cp, "note");
	for (p = note; *p != '\0';) {
		const char *nl = strchr(p, '\n');
		size_t len = nl ? (size_t)(nl - p) : strlen(p);
		char *line = strndup(p, len), *x2 = line ? check_escape(line, 0) : NULL;

		if (x2 == NULL)
			m->bad = 1;
		else
			trace_put(m, "    %s\n", x2);
		free(line);
		free(x2);
		p += len + (nl != NULL);
	}
	trace_put(m, "\n");
}

int trace_md_write(FILE *f, json_t *r)
{
	struct trace_out m = { .f = f };
	json_t *v = json_object_get(r, "version");

	trace_put(&m, "# Trace: ");
	md_field(&m, json_object_get(r, "model"), "name");
	trace_put(&m, ", ");
	md_field(&m, r, "alias");
	trace_put(&m, " = version %" JSON_INTEGER_FORMAT "\n\n", trace_i(v, "number"));
	trace_put(&m, "Generated %s by steward trace (report format %" JSON_INTEGER_FORMAT "): %zu gap%s.\n\n",
	       trace_s(r, "generated"), trace_i(r, "format"), json_array_size(json_object_get(r, "gaps")),
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
