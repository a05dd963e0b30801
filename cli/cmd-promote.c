/* cmd-promote: `steward promote request`, `steward approve` and `steward reject`: opening requests and signing decisions. */
#include "cli.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "approval.h"
#include "registry.h"

int cmd_promote_request(struct cli_ctx *c)
{
	const char *model = c->pos[0], *to = cli_opt(c, "to");
	int64_t version, id;

	if (registry_version_parse(c->pos[1], &version, &c->e) != 0)
		return CLI_USAGE;
	if (store_begin(c->st, &c->e) != 0)
		return CLI_FAIL;
	if (approval_request_open(c->st, &c->who, model, version, to, cli_opt(c, "comment"), &id,
				  &c->e) != 0 ||
	    store_commit(c->st, &c->e) != 0) {
		store_rollback(c->st);
		return CLI_FAIL;
	}
	if (c->json) {
		json_t *o = json_object();

		if (o == NULL || cli_json_int(o, "request", id) || cli_json_str(o, "model", model) ||
		    cli_json_int(o, "version", version) || cli_json_str(o, "to", to)) {
			json_decref(o);
			return cli_json_fail(&c->e);
		}
		return cli_json_print(o, &c->e) < 0 ? CLI_FAIL : 0;
	}
	printf("%" PRId64 "\n", id);
	return 0;
}

/* "90m", "72h", "7d" or plain seconds ("3600s"). */
static int cmd_promote_duration(struct cli_ctx *c, const char *s, int64_t *out)
{
	char q[64], *end;
	long long v;
	int64_t unit;

	errno = 0;
	v = s[0] >= '0' && s[0] <= '9' ? strtoll(s, &end, 10) : -1;
	if (v <= 0 || errno != 0 || end[0] == '\0' || end[1] != '\0')
		goto bad;
	switch (end[0]) {
	case 's': unit = 1; break;
	case 'm': unit = 60; break;
	case 'h': unit = 3600; break;
	case 'd': unit = 86400; break;
	default: goto bad;
	}
	if (v > APPROVAL_TTL_MAX / unit)
		goto bad;
	*out = (int64_t)v * unit;
	return 0;
bad:
	err_set(&c->e, ERR_INVALID, "--ttl '%s' is not a duration up to 90d (90m, 72h, 7d)",
		cli_quote(s, q, sizeof q));
	return CLI_USAGE;
}

static int cmd_promote_decide(struct cli_ctx *c, int approve)
{
	const char *rolename = cli_opt(c, "role"), *ttls = approve ? cli_opt(c, "ttl") : NULL;
	int64_t request, id, ttl = 0;
	unsigned role = 0;
	int r;

	if (approval_id_parse("request", c->pos[0], &request, &c->e) != 0)
		return CLI_USAGE;
	if (rolename != NULL && (role = keyring_role_parse(rolename, &c->e)) == 0)
		return CLI_USAGE;
	if (ttls != NULL && (r = cmd_promote_duration(c, ttls, &ttl)) != 0)
		return r;
	if (store_begin(c->st, &c->e) != 0)
		return CLI_FAIL;
	if (approval_sign(c->st, &c->who, c->key, request, approve, role, cli_opt(c, "comment"), ttl,
			  &id, &c->e) != 0 ||
	    store_commit(c->st, &c->e) != 0) {
		store_rollback(c->st);
		return CLI_FAIL;
	}
	if (c->json) {
		json_t *o = json_object();

		if (o == NULL || cli_json_int(o, "approval", id) || cli_json_int(o, "request", request) ||
		    cli_json_str(o, "decision", approve ? "approve" : "reject") ||
		    cli_json_str(o, "principal", c->who.name) || cli_json_str(o, "key_id", c->key->id)) {
			json_decref(o);
			return cli_json_fail(&c->e);
		}
		return cli_json_print(o, &c->e) < 0 ? CLI_FAIL : 0;
	}
	printf("%s request %" PRId64 " as %s (approval %" PRId64 ", key %s)\n",
	       approve ? "approved" : "rejected", request, cli_safe(c, c->who.name), id, c->key->id);
	return 0;
}

int cmd_approve_run(struct cli_ctx *c)
{
	return cmd_promote_decide(c, 1);
}

int cmd_reject_run(struct cli_ctx *c)
{
	return cmd_promote_decide(c, 0);
}
