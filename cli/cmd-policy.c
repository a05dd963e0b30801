/* cmd-policy: `steward policy check|test|enroll|list|show`: linting, testing and enrolling policy files. */
#include "cli.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gate.h"
#include "policy.h"

/* Reads and parses one policy file; digest gets its sha256. */
static int cmd_policy_load(struct cli_ctx *c, const char *path, struct policy *p, char digest[72])
{
	char *text;
	size_t len;
	int r;

	if (cli_read_input(c, path, POLICY_MAX_BYTES, &text, &len) != 0)
		return -1;
	r = policy_parse(text, len, path, p, &c->e);
	if (r == 0)
		gate_digest(text, len, digest);
	free(text);
	return r;
}

int cmd_policy_check(struct cli_ctx *c)
{
	json_t *arr = c->json ? json_array() : NULL;
	int i, bad = 0;

	if (c->json && arr == NULL)
		return cli_json_fail(&c->e);
	for (i = 0; i < c->npos; i++) {
		struct policy p;
		char digest[72];
		size_t k, rules = 0;

		if (cmd_policy_load(c, c->pos[i], &p, digest) != 0) {
			/* Every file is checked; each error is reported, the first one returned. */
			fprintf(stderr, "steward: %s\n", c->e.msg);
			if (arr != NULL)
				json_array_append_new(arr, json_pack("{s:s, s:b, s:s}", "file", c->pos[i], "ok", 0, "error",
								     c->e.msg));
			bad = 1;
			continue;
		}
		for (k = 0; k < p.nsec; k++)
			rules += p.sec[k].nrules;
		if (arr != NULL)
			json_array_append_new(arr, json_pack("{s:s, s:b, s:s, s:I, s:s, s:s, s:I, s:I}", "file", c->pos[i],
							     "ok", 1, "name", p.name, "version", (json_int_t)p.version,
							     "tier", p.tier, "sha256", digest, "sections", (json_int_t)p.nsec,
							     "rules", (json_int_t)rules));
		else
			printf("%s: ok: policy %s v%" PRId64 " for tier %s, %zu sections, %zu rules, %s\n", c->pos[i], p.name,
			       p.version, p.tier, p.nsec, rules, digest);
		policy_free(&p);
	}
	if (arr != NULL && cli_json_print(arr, &c->e) < 0)
		return CLI_FAIL;
	if (bad) {
		/* Already reported per file: say only how many failed. */
		err_set(&c->e, ERR_INVALID, "policy check failed");
		return CLI_FAIL;
	}
	return 0;
}

struct cmd_policy_test_arg {
	const char *file;
	json_t *arr;
	int quiet;
};

static void cmd_policy_case(void *arg, const struct policy_case *pc)
{
	struct cmd_policy_test_arg *a = arg;

	if (a->arr != NULL) {
		json_array_append_new(a->arr, json_pack("{s:s, s:s, s:i, s:b, s:s}", "file", a->file, "case", pc->name,
							"line", pc->line, "ok", pc->ok, "why", pc->why));
		return;
	}
	if (pc->ok)
		printf("ok    %s: %s\n", a->file, pc->name);
	else
		printf("FAIL  %s:%d: %s: %s\n", a->file, pc->line, pc->name, pc->why);
}

int cmd_policy_test(struct cli_ctx *c)
{
	struct cmd_policy_test_arg a = { 0 };
	int i, failed = 0, total = 0;

	if (c->json && (a.arr = json_array()) == NULL)
		return cli_json_fail(&c->e);
	for (i = 0; i < c->npos; i++) {
		char pfile[4200], tfile[4200], digest[72], *text;
		struct policy p;
		size_t len, n = strlen(c->pos[i]);
		int cases, r;

		/* X.policy runs X.policy.test; X.policy.test runs against X.policy. */
		if (n > 5 && strcmp(c->pos[i] + n - 5, ".test") == 0) {
			snprintf(pfile, sizeof pfile, "%.*s", (int)(n - 5), c->pos[i]);
			snprintf(tfile, sizeof tfile, "%s", c->pos[i]);
		} else {
			snprintf(pfile, sizeof pfile, "%s", c->pos[i]);
			snprintf(tfile, sizeof tfile, "%s.test", c->pos[i]);
		}
		if (cmd_policy_load(c, pfile, &p, digest) != 0) {
			json_decref(a.arr);
			return CLI_FAIL;
		}
		if (cli_read_input(c, tfile, 4u << 20, &text, &len) != 0) {
			policy_free(&p);
			json_decref(a.arr);
			return CLI_FAIL;
		}
		a.file = tfile;
		r = policy_test_run(&p, digest, text, len, tfile, cmd_policy_case, &a, &cases, &c->e);
		free(text);
		policy_free(&p);
		if (r < 0) {
			json_decref(a.arr);
			return CLI_FAIL;
		}
		if (cases == 0) {
			json_decref(a.arr);
			return err_set(&c->e, ERR_INVALID, "%s has no test cases", tfile);
		}
		failed += r;
		total += cases;
	}
	if (a.arr != NULL) {
		if (cli_json_print(a.arr, &c->e) < 0)
			return CLI_FAIL;
	} else {
		printf("%d cases, %d passed, %d failed\n", total, total - failed, failed);
	}
	if (failed > 0)
		return err_set(&c->e, ERR_INVALID, "%d of %d policy test cases failed", failed, total);
	return 0;
}

int cmd_policy_enroll(struct cli_ctx *c)
{
	struct policy p;
	char digest[72];

	if (store_begin(c->st, &c->e) != 0)
		return CLI_FAIL;
	if (gate_enroll(c->st, &c->who, c->key, c->pos[0], &p, digest, &c->e) != 0 || store_commit(c->st, &c->e) != 0) {
		store_rollback(c->st);
		return CLI_FAIL;
	}
	if (c->json) {
		json_t *o = json_pack("{s:s, s:I, s:s, s:s}", "name", p.name, "version", (json_int_t)p.version, "tier", p.tier,
				      "sha256", digest);

		policy_free(&p);
		return o == NULL ? cli_json_fail(&c->e) : (cli_json_print(o, &c->e) < 0 ? CLI_FAIL : 0);
	}
	printf("enrolled policy %s v%" PRId64 " for tier %s (%s), signed by %s\n", p.name, p.version, p.tier, digest,
	       c->who.name);
	policy_free(&p);
	return 0;
}

int cmd_policy_list(struct cli_ctx *c)
{
	static const char *const hdr[] = { "TIER", "POLICY", "VERSION", "DIGEST", "ENROLLED", "SIGNER", "IN FORCE" };
	struct gate_policies l;
	struct cli_table *t;
	size_t i;

	if (gate_policy_list(c->st, &l, &c->e) != 0)
		return CLI_FAIL;
	if (c->json) {
		json_t *arr = json_array();

		for (i = 0; arr != NULL && i < l.n; i++) {
			json_t *o = json_object();

			if (o == NULL || json_array_append_new(arr, o) != 0 || cli_json_str(o, "tier", l.v[i].tier) ||
			    cli_json_str(o, "name", l.v[i].name) || cli_json_int(o, "version", l.v[i].version) ||
			    cli_json_str(o, "sha256", l.v[i].digest) || cli_json_str(o, "path", l.v[i].path) ||
			    cli_json_time(o, "enrolled", l.v[i].enrolled) || cli_json_str(o, "signer", l.v[i].signer) ||
			    cli_json_int(o, "seq", l.v[i].seq) || cli_json_bool(o, "in_force", l.v[i].in_force)) {
				json_decref(arr);
				arr = NULL;
			}
		}
		gate_policies_free(&l);
		if (arr == NULL)
			return cli_json_fail(&c->e);
		return cli_json_print(arr, &c->e) < 0 ? CLI_FAIL : 0;
	}
	t = cli_table_new(7, hdr);
	for (i = 0; t != NULL && i < l.n; i++) {
		char ver[24], when[32], dig[40];
		const char *cells[7] = { l.v[i].tier, l.v[i].name, ver, dig, when, l.v[i].signer, l.v[i].in_force ? "yes" : "" };

		snprintf(ver, sizeof ver, "%" PRId64, l.v[i].version);
		cli_time(l.v[i].enrolled, when, sizeof when);
		cli_short_digest(l.v[i].digest, dig, sizeof dig);
		if (cli_table_add(t, cells) != 0) {
			cli_table_free(t);
			t = NULL;
		}
	}
	gate_policies_free(&l);
	if (t == NULL)
		return err_set(&c->e, ERR_IO, "out of memory");
	cli_table_print(t);
	cli_table_free(t);
	return 0;
}

int cmd_policy_show(struct cli_ctx *c)
{
	struct gate_policies l;
	size_t i, pick = (size_t)-1;

	if (gate_policy_list(c->st, &l, &c->e) != 0)
		return CLI_FAIL;
	for (i = 0; i < l.n; i++)
		if (strcmp(l.v[i].name, c->pos[0]) == 0 && (pick == (size_t)-1 || l.v[i].version > l.v[pick].version))
			pick = i;
	if (pick == (size_t)-1) {
		gate_policies_free(&l);
		return err_set(&c->e, ERR_NOTFOUND, "no enrolled policy named %s (see 'steward policy list')", c->pos[0]);
	}
	if (c->json) {
		json_t *o = json_pack("{s:s, s:I, s:s, s:s, s:s, s:s}", "name", l.v[pick].name, "version",
				      (json_int_t)l.v[pick].version, "tier", l.v[pick].tier, "sha256", l.v[pick].digest,
				      "path", l.v[pick].path, "text", l.v[pick].text);

		gate_policies_free(&l);
		return o == NULL ? cli_json_fail(&c->e) : (cli_json_print(o, &c->e) < 0 ? CLI_FAIL : 0);
	}
	printf("# policy %s v%" PRId64 ", tier %s, %s, enrolled from %s\n%s", cli_safe(c, l.v[pick].name),
	       l.v[pick].version, cli_safe(c, l.v[pick].tier), cli_safe(c, l.v[pick].digest),
	       cli_safe(c, l.v[pick].path), cli_safe_lines(c, l.v[pick].text));
	gate_policies_free(&l);
	return 0;
}
