/* cmd-init: `steward init`, the one command that creates a store. */
#include "cli.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

int cmd_init_run(struct cli_ctx *c)
{
	struct stat sb;
	struct store *st;
	int existed, schema;

	if (cli_store_path(c) < 0)
		return CLI_FAIL;
	/* An empty file is what a fresh `touch` leaves: init turns it into a store. */
	existed = stat(c->db_path, &sb) == 0 && sb.st_size > 0;
	st = store_open(c->db_path, STORE_CREATE, &c->e);
	if (st == NULL) {
		cli_store_context(c, c->db_path);
		return CLI_FAIL;
	}
	schema = store_schema_version(st);
	store_close(st);
	if (c->json) {
		json_t *o = json_object();

		if (o == NULL || cli_json_str(o, "path", c->db_path) ||
		    cli_json_bool(o, "created", !existed) || cli_json_int(o, "schema", schema)) {
			json_decref(o);
			return cli_json_fail(&c->e);
		}
		return cli_json_print(o, &c->e) < 0 ? CLI_FAIL : 0;
	}
	if (existed)
		printf("store already exists at %s (schema version %d)\n", c->db_path, schema);
	else
		printf("created store at %s (schema version %d)\n", c->db_path, schema);
	return 0;
}
