/* cmd-approval: `steward approval list|show|submit` and `steward request list|show`: decisions and whether they count. */
#include "cli.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "approval.h"

static const char *cmd_approval_counts(const struct approval_eval *a, char *buf, size_t n)
{
	if (a->counts)
		snprintf(buf, n, "counts");
	else
		snprintf(buf, n, "no: %s", a->why);
	return buf;
}

static json_t *cmd_approval_json(const struct approval_eval *a)
{
	json_t *o = json_object();

	if (o == NULL || cli_json_int(o, "id", a->id) || cli_json_int(o, "request", a->request) ||
	    cli_json_str(o, "principal", a->principal) || cli_json_str(o, "key_id", a->key_id) ||
	    cli_json_str(o, "role", a->role) || cli_json_str(o, "decision", a->approve ? "approve" : "reject") ||
	    cli_json_time(o, "issued", a->issued) || cli_json_time(o, "expires", a->expires) ||
	    cli_json_time(o, "recorded", a->recorded) || cli_json_int(o, "keyring_version", a->keyring_ver) ||
	    cli_json_int(o, "seq", a->seq) || cli_json_str(o, "comment", a->comment) ||
	    cli_json_bool(o, "counts", a->counts) ||
	    (a->counts ? json_object_set_new(o, "why_not", json_null()) != 0
		       : cli_json_str(o, "why_not", a->why))) {
		json_decref(o);
		return NULL;
	}
	return o;
}

static int cmd_approval_print(struct cli_ctx *c, const struct approval_eval *v, size_t n)
{
	static const char *const hdr[] = { "ID", "REQUEST", "SIGNER", "ROLE", "DECISION", "EXPIRES", "COUNTS" };
	char id[24], req[24], exp[32], counts[480];
	struct cli_table *t;
	size_t i;

	if (c->json) {
		json_t *arr = json_array();

		for (i = 0; arr != NULL && i < n; i++)
			if (json_array_append_new(arr, cmd_approval_json(&v[i])) != 0) {
				json_decref(arr);
				arr = NULL;
			}
		if (arr == NULL)
			return cli_json_fail(&c->e);
		return cli_json_print(arr, &c->e) < 0 ? CLI_FAIL : 0;
	}
	t = cli_table_new(7, hdr);
	if (t == NULL)
		return err_set(&c->e, ERR_IO, "out of memory");
	for (i = 0; i < n; i++) {
		const char *cells[7];

		snprintf(id, sizeof id, "%" PRId64, v[i].id);
		snprintf(req, sizeof req, "%" PRId64, v[i].request);
		cells[0] = id;
		cells[1] = req;
		cells[2] = v[i].principal;
		cells[3] = v[i].role;
		cells[4] = v[i].approve ? "approve" : "reject";
		cells[5] = cli_time(v[i].expires, exp, sizeof exp);
		cells[6] = cmd_approval_counts(&v[i], counts, sizeof counts);
		if (cli_table_add(t, cells) != 0) {
			cli_table_free(t);
			return err_set(&c->e, ERR_IO, "out of memory");
		}
	}
	cli_table_print(t);
	cli_table_free(t);
	return 0;
}

/* approval list and request list: JSON written as each row is evaluated,
 * or a table's cells kept (not the evaluated requests) until the end. */
struct cmd_approval_out {
	struct cli_ctx *c;
	struct cli_list json;
	struct cli_table *t;
};

static int cmd_approval_row(void *arg, const struct approval_eval *a, struct err *e)
{
	struct cmd_approval_out *o = arg;
	char id[24], req[24], exp[32], counts[480];
	const char *cells[7] = { id, req, a->principal, a->role, a->approve ? "approve" : "reject", exp, counts };

	if (o->c->json)
		return cli_json_item(&o->json, cmd_approval_json(a), e);
	snprintf(id, sizeof id, "%" PRId64, a->id);
	snprintf(req, sizeof req, "%" PRId64, a->request);
	cli_time(a->expires, exp, sizeof exp);
	cmd_approval_counts(a, counts, sizeof counts);
	return cli_table_add(o->t, cells) != 0 ? err_set(e, ERR_IO, "out of memory") : 0;
}

int cmd_approval_list(struct cli_ctx *c)
{
	static const char *const hdr[] = { "ID", "REQUEST", "SIGNER", "ROLE", "DECISION", "EXPIRES", "COUNTS" };
	const char *rs = cli_opt(c, "request");
	struct cmd_approval_out o = { .c = c };
	int64_t request = 0, since, limit;
	int r = 0;

	if (rs != NULL && approval_id_parse("--request", rs, &request, &c->e) != 0)
		return CLI_USAGE;
	if (cli_opt_limit(c, &limit) != 0 || cli_opt_since(c, &since) != 0)
		return CLI_USAGE;
	if (!c->json && (o.t = cli_table_new(7, hdr)) == NULL)
		return err_set(&c->e, ERR_IO, "out of memory");
	if (approval_each(c->st, request, since, limit, cmd_approval_row, &o, &c->e) != 0)
		r = CLI_FAIL;
	else if (c->json)
		r = cli_json_end(&o.json, &c->e) != 0 ? CLI_FAIL : 0;
	else
		cli_table_print(o.t);
	cli_table_free(o.t);
	return r;
}

int cmd_approval_show(struct cli_ctx *c)
{
	struct approval_evals l;
	int64_t id;
	char *env;
	size_t len, i;
	int r = CLI_FAIL;

	if (approval_id_parse("approval", c->pos[0], &id, &c->e) != 0)
		return CLI_USAGE;
	if (approval_envelope(c->st, id, &env, &len, &c->e) != 0)
		return CLI_FAIL;
	if (cli_opt(c, "dsse") != NULL) {
		/* Byte for byte, plus a newline, so other tools check what was signed. */
		r = fwrite(env, 1, len, stdout) == len && putchar('\n') != EOF ? 0 : CLI_FAIL;
		free(env);
		if (r != 0)
			err_set(&c->e, ERR_IO, "writing the envelope failed");
		return r;
	}
	free(env);
	if (approval_list(c->st, 0, &l, &c->e) != 0)
		return CLI_FAIL;
	for (i = 0; i < l.n && l.v[i].id != id; i++)
		;
	if (i == l.n) {
		approval_evals_free(&l);
		return err_set(&c->e, ERR_NOTFOUND, "no approval %" PRId64, id);
	}
	if (c->json) {
		json_t *o = cmd_approval_json(&l.v[i]);

		approval_evals_free(&l);
		return o == NULL ? cli_json_fail(&c->e) : (cli_json_print(o, &c->e) < 0 ? CLI_FAIL : 0);
	} else {
		const struct approval_eval *a = &l.v[i];
		char t1[32], t2[32], t3[32], counts[480];

		printf("approval %" PRId64 " on request %" PRId64 "\n", a->id, a->request);
		printf("  decision:  %s\n", a->approve ? "approve" : "reject");
		printf("  signer:    %s as %s, key %s\n", cli_safe(c, a->principal), cli_safe(c, a->role),
		       cli_safe(c, a->key_id));
		printf("  issued:    %s\n", cli_time(a->issued, t1, sizeof t1));
		printf("  expires:   %s\n", cli_time(a->expires, t2, sizeof t2));
		printf("  recorded:  %s (ledger entry %" PRId64 ", keyring version %" PRId64 ")\n",
		       cli_time(a->recorded, t3, sizeof t3), a->seq, a->keyring_ver);
		if (a->comment[0])
			printf("  comment:   %s\n", cli_safe(c, a->comment));
		printf("  counts:    %s\n", cli_safe(c, cmd_approval_counts(a, counts, sizeof counts)));
	}
	approval_evals_free(&l);
	return 0;
}

int cmd_approval_submit(struct cli_ctx *c)
{
	int64_t request, id;
	char *env;
	size_t len;

	if (approval_id_parse("request", c->pos[0], &request, &c->e) != 0)
		return CLI_USAGE;
	if (cli_read_input(c, c->pos[1], 65536, &env, &len) != 0)
		return CLI_FAIL;
	/* A trailing newline is how files end, not part of the envelope. */
	while (len > 0 && (env[len - 1] == '\n' || env[len - 1] == '\r'))
		env[--len] = '\0';
	if (store_begin(c->st, &c->e) != 0) {
		free(env);
		return CLI_FAIL;
	}
	if (approval_submit(c->st, request, env, len, &id, &c->e) != 0 || store_commit(c->st, &c->e) != 0) {
		store_rollback(c->st);
		free(env);
		err_prefix(&c->e, "%s", c->pos[1]);
		return CLI_FAIL;
	}
	free(env);
	if (c->json) {
		json_t *o = json_object();

		if (o == NULL || cli_json_int(o, "approval", id) || cli_json_int(o, "request", request)) {
			json_decref(o);
			return cli_json_fail(&c->e);
		}
		return cli_json_print(o, &c->e) < 0 ? CLI_FAIL : 0;
	}
	printf("recorded approval %" PRId64 " on request %" PRId64 "\n", id, request);
	return 0;
}

static const char *cmd_request_needs(const struct approval_request *r, char *buf, size_t n)
{
	size_t i, used = 0;
	int w;

	buf[0] = '\0';
	for (i = 0; i < r->nneeds; i++) {
		w = snprintf(buf + used, n - used, "%s%d/%d %s", i ? ", " : "", r->needs[i].have,
			     r->needs[i].count, keyring_role_name(r->needs[i].role));
		if (w < 0 || (size_t)w >= n - used)
			break;
		used += (size_t)w;
	}
	return buf;
}

/* open, applied, rejected; a review past its due time without its decision is overdue. */
static const char *cmd_request_state(const struct approval_request *r)
{
	if (strcmp(r->kind, "review") == 0 && strcmp(r->state, "open") == 0)
		return r->satisfied >= r->required ? "reviewed" : store_now() > r->due ? "overdue" : "review due";
	if (strcmp(r->state, "withdrawn") == 0 && strncmp(r->closed, "superseded", 10) == 0)
		return "superseded";
	return r->state;
}

static json_t *cmd_request_json(const struct approval_request *r, int with_decisions)
{
	json_t *o = json_object(), *needs = json_array();
	size_t i;
	int bad = o == NULL || needs == NULL || cli_json_int(o, "id", r->id) ||
		  cli_json_str(o, "model", r->model) || cli_json_int(o, "version", r->version) ||
		  cli_json_str(o, "digest", r->digest) || cli_json_str(o, "tier", r->tier) ||
		  cli_json_str(o, "from", r->from) || cli_json_str(o, "to", r->to) ||
		  cli_json_str(o, "requester", r->requester) || cli_json_str(o, "author", r->author) ||
		  cli_json_str(o, "comment", r->comment) || cli_json_str(o, "state", cmd_request_state(r)) ||
		  cli_json_str(o, "closed", r->closed) ||
		  cli_json_str(o, "kind", r->kind) || cli_json_time(o, "due", r->due) ||
		  cli_json_str(o, "policy", r->policy_name) || cli_json_str(o, "policy_sha256", r->policy) ||
		  cli_json_str(o, "evidence_sha256", r->evidence) ||
		  cli_json_time(o, "created", r->created) || cli_json_int(o, "seq", r->seq) ||
		  cli_json_int(o, "counted", r->counted) || cli_json_int(o, "required", r->required) ||
		  cli_json_int(o, "satisfied", r->satisfied) || json_object_set_new(o, "needs", needs) != 0;

	for (i = 0; !bad && i < r->nneeds; i++) {
		json_t *nd = json_object();

		bad = nd == NULL || json_array_append_new(needs, nd) != 0 ||
		      cli_json_str(nd, "role", keyring_role_name(r->needs[i].role)) ||
		      cli_json_int(nd, "count", r->needs[i].count) || cli_json_int(nd, "have", r->needs[i].have);
	}
	if (!bad && with_decisions) {
		json_t *arr = json_array();

		bad = arr == NULL || json_object_set_new(o, "decisions", arr) != 0;
		for (i = 0; !bad && i < r->n; i++)
			bad = json_array_append_new(arr, cmd_approval_json(&r->v[i])) != 0;
	}
	if (bad) {
		json_decref(o);
		if (o == NULL)
			json_decref(needs);
		return NULL;
	}
	return o;
}

static int cmd_request_row(void *arg, const struct approval_request *r, struct err *e)
{
	struct cmd_approval_out *o = arg;
	char id[24], ver[24], stage[140], appr[32];
	const char *cells[8] = { id, r->model, ver, r->tier, stage, r->requester, cmd_request_state(r), appr };

	if (o->c->json)
		return cli_json_item(&o->json, cmd_request_json(r, 0), e);
	snprintf(id, sizeof id, "%" PRId64, r->id);
	snprintf(ver, sizeof ver, "%" PRId64, r->version);
	snprintf(stage, sizeof stage, "%s -> %s", r->from, r->to);
	snprintf(appr, sizeof appr, "%d/%d", r->satisfied, r->required);
	return cli_table_add(o->t, cells) != 0 ? err_set(e, ERR_IO, "out of memory") : 0;
}

int cmd_request_list(struct cli_ctx *c)
{
	static const char *const hdr[] = { "ID", "MODEL", "VERSION", "TIER", "STAGE", "REQUESTER", "STATE", "APPROVALS" };
	struct approval_query q = { .open_only = cli_opt(c, "all") == NULL };
	struct cmd_approval_out o = { .c = c };
	int r = 0;

	if (cli_opt_limit(c, &q.limit) != 0 || cli_opt_since(c, &q.since) != 0)
		return CLI_USAGE;
	if (!c->json && (o.t = cli_table_new(8, hdr)) == NULL)
		return err_set(&c->e, ERR_IO, "out of memory");
	if (approval_request_each(c->st, &q, cmd_request_row, &o, &c->e) != 0)
		r = CLI_FAIL;
	else if (c->json)
		r = cli_json_end(&o.json, &c->e) != 0 ? CLI_FAIL : 0;
	else
		cli_table_print(o.t);
	cli_table_free(o.t);
	return r;
}

int cmd_request_show(struct cli_ctx *c)
{
	struct approval_request r;
	char t1[32], needs[200];
	int64_t id;
	int rc;

	if (approval_id_parse("request", c->pos[0], &id, &c->e) != 0)
		return CLI_USAGE;
	if (approval_request_get(c->st, id, &r, &c->e) != 0)
		return CLI_FAIL;
	if (c->json) {
		json_t *o = cmd_request_json(&r, 1);

		approval_request_clear(&r);
		return o == NULL ? cli_json_fail(&c->e) : (cli_json_print(o, &c->e) < 0 ? CLI_FAIL : 0);
	}
	/* Every field comes from the store, which an attacker may have written:
	 * a comment must not draw lines of its own. */
	printf("request %" PRId64 " (%s%s)\n", r.id, strcmp(r.kind, "review") == 0 ? "post-incident review, " : "",
	       cli_safe(c, cmd_request_state(&r)));
	if (r.closed[0] != '\0')
		printf("  closed:    %s\n", cli_safe(c, r.closed));
	if (r.due != 0)
		printf("  due:       %s\n", cli_time(r.due, t1, sizeof t1));
	printf("  model:     %s version %" PRId64 " (tier %s)\n", cli_safe(c, r.model), r.version,
	       cli_safe(c, r.tier));
	printf("  digest:    %s\n", cli_safe(c, r.digest));
	if (r.evidence[0] != '\0')
		printf("  evidence:  %s (what a decision signs over: artifact, card, metrics, policy)\n", r.evidence);
	if (r.tampered[0] != '\0')
		printf("  WARNING:   %s\n", cli_safe(c, r.tampered));
	printf("  stage:     %s -> %s\n", cli_safe(c, r.from), cli_safe(c, r.to));
	printf("  requester: %s at %s (ledger entry %" PRId64 ")\n", cli_safe(c, r.requester),
	       cli_time(r.created, t1, sizeof t1), r.seq);
	if (r.author[0])
		printf("  author:    %s\n", cli_safe(c, r.author));
	if (r.comment[0])
		printf("  comment:   %s\n", cli_safe(c, r.comment));
	if (r.policy[0] != '\0')
		printf("  policy:    %s v%" PRId64 " (%s), in force when it opened\n", cli_safe(c, r.policy_name),
		       r.policy_version, cli_safe(c, r.policy));
	if (r.policy[0] != '\0' || strcmp(r.kind, "review") == 0)
		printf("  needs:     %s\n", cmd_request_needs(&r, needs, sizeof needs));
	else
		printf("  needs:     %s (built-in minimum for tier %s)\n", cmd_request_needs(&r, needs, sizeof needs),
		       cli_safe(c, r.tier));
	printf("  approvals: %d of %d required\n", r.satisfied, r.required);
	if (r.n == 0) {
		printf("\nno decisions yet\n");
		approval_request_clear(&r);
		return 0;
	}
	putchar('\n');
	rc = cmd_approval_print(c, r.v, r.n);
	approval_request_clear(&r);
	return rc;
}

int cmd_request_withdraw(struct cli_ctx *c)
{
	int64_t id, seq;

	if (approval_id_parse("request", c->pos[0], &id, &c->e) != 0)
		return CLI_USAGE;
	if (store_begin(c->st, &c->e) != 0)
		return CLI_FAIL;
	if (approval_request_withdraw(c->st, &c->who, id, cli_opt(c, "reason"), &seq, &c->e) != 0 ||
	    store_commit(c->st, &c->e) != 0) {
		store_rollback(c->st);
		return CLI_FAIL;
	}
	if (c->json) {
		json_t *o = json_pack("{s:I, s:s, s:I}", "request", (json_int_t)id, "state", "withdrawn", "seq", (json_int_t)seq);

		return o == NULL ? cli_json_fail(&c->e) : (cli_json_print(o, &c->e) < 0 ? CLI_FAIL : 0);
	}
	printf("request %" PRId64 " withdrawn (ledger entry %" PRId64 ")\n", id, seq);
	return 0;
}

int cmd_request_supersede(struct cli_ctx *c)
{
	int64_t id, next;

	if (approval_id_parse("request", c->pos[0], &id, &c->e) != 0)
		return CLI_USAGE;
	if (store_begin(c->st, &c->e) != 0)
		return CLI_FAIL;
	if (approval_request_supersede(c->st, &c->who, id, &next, &c->e) != 0 || store_commit(c->st, &c->e) != 0) {
		store_rollback(c->st);
		return CLI_FAIL;
	}
	if (c->json) {
		json_t *o = json_pack("{s:I, s:s, s:I}", "request", (json_int_t)id, "state", "superseded", "successor",
				      (json_int_t)next);

		return o == NULL ? cli_json_fail(&c->e) : (cli_json_print(o, &c->e) < 0 ? CLI_FAIL : 0);
	}
	/* The new id alone on the last line, as 'promote request' prints it, for scripts. */
	printf("request %" PRId64 " superseded; the new request under the policy in force is\n%" PRId64 "\n", id, next);
	return 0;
}
