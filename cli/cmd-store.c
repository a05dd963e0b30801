/* cmd-store: `steward store copy`: moves an estate, ledger and all, between store files and PostgreSQL databases. */
#include "cli.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "meter.h"
#include "storecopy.h"

static const char *cmd_store_file(enum storecopy_file f)
{
	return f == STORECOPY_COPIED ? "copied" : f == STORECOPY_SAME ? "already there" : "none";
}

int cmd_store_copy(struct cli_ctx *c)
{
	const char *from = cli_opt(c, "from"), *to = cli_opt(c, "to");
	struct meter m;
	struct progress pr;
	struct storecopy_result *r;
	int quiet = cli_opt(c, "quiet") != NULL, rc;

	if (c->db != NULL) {
		err_set(&c->e, ERR_INVALID, "store copy takes its stores from --from and --to, not --db");
		return CLI_USAGE;
	}
	/* The result holds a few paths: too big for a comfortable stack frame under ASan. */
	r = calloc(1, sizeof *r);
	if (r == NULL) {
		err_set(&c->e, ERR_IO, "out of memory");
		return CLI_FAIL;
	}
	meter_start(&m, "rows", quiet);
	pr = meter_progress(&m);
	rc = storecopy_run(from, to, &pr, r, &c->e);
	meter_end(&m);
	if (rc != 0) {
		free(r);
		return c->e.kind == ERR_INVALID ? CLI_USAGE : CLI_FAIL;
	}
	if (c->json) {
		json_t *o = json_object();

		if (o == NULL || cli_json_str(o, "from", r->from) || cli_json_str(o, "to", r->to) ||
		    cli_json_int(o, "tables", r->tables) || cli_json_int(o, "rows", r->rows) ||
		    cli_json_int(o, "entries", r->entries) || cli_json_int(o, "checkpoints", r->checkpoints) ||
		    cli_json_int(o, "covered", r->covered) ||
		    (r->root[0] != '\0' ? cli_json_str(o, "root", r->root) : json_object_set_new(o, "root", json_null()) != 0) ||
		    cli_json_str(o, "logkey", cmd_store_file(r->logkey)) ||
		    cli_json_str(o, "witness", cmd_store_file(r->witness)) ||
		    (r->logkey != STORECOPY_NONE && cli_json_str(o, "logkey_path", r->logkey_path))) {
			json_decref(o);
			free(r);
			return cli_json_fail(&c->e);
		}
		free(r);
		return cli_json_print(o, &c->e) < 0 ? CLI_FAIL : 0;
	}
	printf("copied %s to %s: %d tables, %lld rows, %lld ledger entries, root %s\n", cli_safe(c, r->from),
	       cli_safe(c, r->to), r->tables, (long long)r->rows, (long long)r->entries,
	       r->root[0] != '\0' ? r->root : "-");
	/* The one summary line stays alone on stdout for scripts. */
	if (!quiet) {
		if (r->logkey == STORECOPY_NONE)
			fprintf(stderr, "steward: the source keeps no log key on this host: checkpoints of the copy are"
					" signed where its key is\n");
		else
			fprintf(stderr, "steward: log key %s (%s)\n", cli_safe(c, r->logkey_path), cmd_store_file(r->logkey));
	}
	free(r);
	return 0;
}
