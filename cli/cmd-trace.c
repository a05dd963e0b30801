/* cmd-trace: `steward trace MODEL`: the auditor's trail of the version behind an alias, as Markdown, HTML or JSON, on standard output or into a file. */
#include "cli.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ledger.h"
#include "trace-html.h"
#include "trace-md.h"
#include "trace.h"

enum cmd_trace_format { TRACE_MD, TRACE_HTML, TRACE_JSON };

static int cmd_trace_format(struct cli_ctx *c, enum cmd_trace_format *fmt)
{
	const char *f = cli_opt(c, "format");
	char q[80];

	if (f == NULL) {
		*fmt = c->json ? TRACE_JSON : TRACE_MD;
		return 0;
	}
	if (strcmp(f, "markdown") == 0 || strcmp(f, "md") == 0)
		*fmt = TRACE_MD;
	else if (strcmp(f, "html") == 0)
		*fmt = TRACE_HTML;
	else if (strcmp(f, "json") == 0)
		*fmt = TRACE_JSON;
	else
		return err_set(&c->e, ERR_INVALID, "--format %s: wanted markdown, html or json", cli_quote(f, q, sizeof q));
	if (c->json && *fmt != TRACE_JSON)
		return err_set(&c->e, ERR_INVALID, "--json and --format %s disagree: give one of them", f);
	return 0;
}

/* The whole report in memory first: a file named by --out is replaced
 * in one rename, never left half written. */
static int cmd_trace_render(struct cli_ctx *c, json_t *r, enum cmd_trace_format fmt, char **buf, size_t *len)
{
	FILE *f;
	int rc;

	*buf = NULL;
	if (fmt == TRACE_JSON) {
		*buf = json_dumps(r, JSON_INDENT(2));
		if (*buf == NULL)
			return err_set(&c->e, ERR_IO, "out of memory");
		*len = strlen(*buf);
		return 0;
	}
	f = open_memstream(buf, len);
	if (f == NULL)
		return err_set(&c->e, ERR_IO, "out of memory");
	rc = fmt == TRACE_HTML ? trace_html_write(f, r) : trace_md_write(f, r);
	if (fclose(f) != 0)
		rc = -1;
	if (rc != 0) {
		free(*buf);
		*buf = NULL;
		return err_set(&c->e, ERR_IO, "out of memory writing the report");
	}
	return 0;
}

int cmd_trace_run(struct cli_ctx *c)
{
	const char *alias = cli_opt(c, "alias"), *out = cli_opt(c, "out");
	enum cmd_trace_format fmt = TRACE_MD;
	json_t *r;
	char *buf;
	size_t len;
	int rc;

	if (cmd_trace_format(c, &fmt) != 0)
		return CLI_USAGE;
	if (out != NULL && out[0] == '\0') {
		err_set(&c->e, ERR_INVALID, "--out needs a file name");
		return CLI_USAGE;
	}
	if (trace_build(c->st, c->pos[0], alias != NULL ? alias : "production", &r, &c->e) != 0)
		return CLI_FAIL;
	rc = cmd_trace_render(c, r, fmt, &buf, &len);
	json_decref(r);
	if (rc != 0)
		return CLI_FAIL;
	if (out != NULL) {
		/* Readable by whoever the auditor hands the archive to. */
		rc = ledger_note_save(out, buf, 0644, &c->e);
	} else {
		rc = fwrite(buf, 1, len, stdout) == len && (fmt != TRACE_JSON || fputc('\n', stdout) != EOF) ? 0 : -1;
		if (rc != 0)
			err_set(&c->e, ERR_IO, "cannot write the report to standard output");
	}
	free(buf);
	return rc != 0 ? CLI_FAIL : 0;
}
