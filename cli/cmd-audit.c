/* cmd-audit: `steward audit log|verify|checkpoint|prove|consistency|verify-proof|export`: what auditors run. */
#include "cli.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "approval.h"
#include "check.h"
#include "audit.h"
#include "ledger.h"
#include "meter.h"
#include "plugin.h"
#include "record.h"

/* One pass of audit log: JSON elements, or a table's widths, or its rows. */
struct cmd_audit_pass {
	struct cli_ctx *c;
	struct cli_list json;
	struct cli_cols cols;
	const struct ledger_query *q;
};

static int cmd_audit_log_row(void *arg, const struct ledger_entry *x, struct err *e)
{
	struct cmd_audit_pass *p = arg;
	char seq[24], when[32];
	const char *cells[5] = { seq, when, x->actor, x->action, x->subject };

	if (p->c->json) {
		json_t *o = json_object();

		/* body is the exact stored text, as a string, so hashes can be recomputed. */
		if (o == NULL || cli_json_int(o, "seq", x->seq) || cli_json_time(o, "time", x->time) ||
		    cli_json_str(o, "actor", x->actor) || cli_json_str(o, "action", x->action) ||
		    cli_json_str(o, "subject", x->subject) || cli_json_str(o, "body", x->body)) {
			json_decref(o);
			return cli_json_fail(e);
		}
		return cli_json_item(&p->json, o, e);
	}
	snprintf(seq, sizeof seq, "%" PRId64, x->seq);
	cli_time(x->time, when, sizeof when);
	return cli_cols_row(&p->cols, cells) != 0 ? cli_out_fail(e) : 0;
}

static int cmd_audit_log_pass(void *arg, struct err *e)
{
	struct cmd_audit_pass *p = arg;

	return ledger_each(p->c->st, p->q, cmd_audit_log_row, p, e);
}

int cmd_audit_log(struct cli_ctx *c)
{
	static const char *const hdr[] = { "SEQ", "TIME", "ACTOR", "ACTION", "SUBJECT" };
	struct ledger_query q = { .subject = cli_opt(c, "subject"), .actor = cli_opt(c, "actor") };
	struct cmd_audit_pass p = { .c = c };
	const char *after = cli_opt(c, "after");

	if (cli_opt_limit(c, &q.limit) != 0 || cli_opt_since(c, &q.since) != 0)
		return CLI_USAGE;
	/* --after 0 is the start: a script's "last seen" before the first page. */
	if (after != NULL && strcmp(after, "0") != 0 && approval_id_parse("--after", after, &q.after, &c->e) != 0)
		return CLI_USAGE;
	/* Entries are written as they are read: a million of them take no
	 * more memory than one. */
	if (c->json) {
		if (ledger_each(c->st, &q, cmd_audit_log_row, &p, &c->e) != 0)
			return CLI_FAIL;
		return cli_json_end(&p.json, &c->e) != 0 ? CLI_FAIL : 0;
	}
	/* The table's columns line up over every row: a first pass
	 * measures them. */
	cli_cols_init(&p.cols, 5, hdr);
	p.q = &q;
	return cli_cols_passes(c, &(struct cli_passes){ .cols = &p.cols, .head = hdr, .pass = cmd_audit_log_pass, .arg = &p });
}

/* What a sound ledger still leaves for a person: unapproved changes stand. */
static int cmd_audit_attention(struct cli_ctx *c, size_t n)
{
	if (n == 0)
		return 0;
	err_set(&c->e, ERR_DENIED, "the ledger verifies, but %zu unapproved change%s stand%s in the registry (exit status 3)", n,
		n == 1 ? "" : "s", n == 1 ? "s" : "");
	return CLI_ATTENTION;
}

/* {"ledger": {"wall_seconds": W, "cpu_seconds": C}, ...} under "phases". */
static int cmd_audit_phases_json(json_t *o, const struct audit_report *r)
{
	json_t *ph = json_object();
	int i;

	if (ph == NULL || json_object_set_new(o, "phases", ph) != 0)
		return -1;
	for (i = 0; i < AUDIT_PHASES; i++) {
		json_t *x = json_object();

		if (x == NULL || json_object_set_new(ph, audit_phase_name[i], x) != 0 ||
		    cli_json_real(x, "wall_seconds", r->phase_wall[i]) || cli_json_real(x, "cpu_seconds", r->phase_cpu[i]))
			return -1;
	}
	return 0;
}

static json_t *cmd_audit_unapproved_json(const struct plugin_unapproved *u, size_t n)
{
	json_t *a = json_array();
	size_t i;

	for (i = 0; a != NULL && i < n; i++) {
		json_t *o = json_object();

		if (o == NULL || json_array_append_new(a, o) != 0 || cli_json_str(o, "model", u[i].model) ||
		    cli_json_str(o, "alias", u[i].alias) ||
		    (u[i].version == 0 ? json_object_set_new(o, "version", json_null()) != 0
				       : cli_json_int(o, "version", u[i].version)) ||
		    cli_json_bool(o, "deleted", u[i].version == 0) || cli_json_int(o, "seq", u[i].seq)) {
			json_decref(a);
			return NULL;
		}
	}
	return a;
}

static int cmd_audit_report(struct cli_ctx *c, const struct audit_report *r, int ok, const char *where)
{
	struct plugin_unapproved *u = NULL;
	size_t nu = 0;

	if (ok && c->st != NULL && plugin_unapproved_list(c->st, NULL, &u, &nu, &c->e) != 0)
		return CLI_FAIL;
	if (c->json) {
		json_t *o = json_object(), *ua = cmd_audit_unapproved_json(u, nu);
		int rc;

		if (ua == NULL || o == NULL) {
			json_decref(ua);
			json_decref(o);
			free(u);
			return cli_json_fail(&c->e);
		}
		if (json_object_set_new(o, "unapproved_changes", ua) != 0) {
			json_decref(o);
			free(u);
			return cli_json_fail(&c->e);
		}

		if (o == NULL || cli_json_bool(o, "ok", ok) || cli_json_str(o, "log", r->log_name) ||
		    cli_json_str(o, "vkey", r->log_vkey) || cli_json_int_or_null(o, "witness", r->witness_size) ||
		    cli_json_int(o, "kept_checkpoints", r->ledger.kept) ||
		    cli_json_int(o, "unsigned_entries", r->ledger.entries - r->ledger.verified) ||
		    cli_json_int(o, "entries", r->ledger.entries) ||
		    cli_json_int(o, "checkpoints", r->ledger.checkpoints) ||
		    cli_json_int(o, "verified_to", r->ledger.verified) ||
		    cli_json_int(o, "keyring_version", r->keyring_version) ||
		    cli_json_str(o, "root_key", r->root_key) || cli_json_int(o, "requests", r->requests) ||
		    cli_json_int(o, "approvals", r->approvals) || cli_json_int(o, "incidents", r->incidents) ||
		    cli_json_real(o, "wall_seconds", r->wall_seconds) || cli_json_real(o, "cpu_seconds", r->cpu_seconds) ||
		    cli_json_int(o, "jobs", r->jobs) || cmd_audit_phases_json(o, r) != 0 ||
		    (ok ? json_object_set_new(o, "bad_seq", json_null()) != 0
			: cli_json_int_or_null(o, "bad_seq", r->ledger.bad_seq)) ||
		    (ok ? json_object_set_new(o, "reason", json_null()) != 0
			: cli_json_str(o, "reason", c->e.msg))) {
			json_decref(o);
			free(u);
			return cli_json_fail(&c->e);
		}
		if (cli_json_print(o, &c->e) < 0) {
			free(u);
			return CLI_FAIL;
		}
		rc = ok ? cmd_audit_attention(c, nu) : CLI_FAIL;
		free(u);
		return rc;
	}
	if (!ok)
		return CLI_FAIL; /* the dispatcher prints the reason, naming the entry */
	printf("%s verified: %" PRId64 " entries, %" PRId64 " checkpoints (newest covers %" PRId64 ")\n", where,
	       r->ledger.entries, r->ledger.checkpoints, r->ledger.verified);
	/* The whole verifier key, so a replaced log key shows (pin it with --vkey). */
	printf("  log:      %s, key %s\n", cli_safe(c, r->log_name), cli_safe(c, r->log_vkey));
	printf("  keyring:  version %" PRId64 ", rooted in admin key %s\n", r->keyring_version,
	       r->root_key[0] ? cli_safe(c, r->root_key) : "-");
	printf("  requests: %" PRId64 ", decisions: %" PRId64 " (each valid under the keyring of its time)\n",
	       r->requests, r->approvals);
	printf("  incidents: %" PRId64 " (each act signed by a role that may)\n", r->incidents);
	if (r->jobs > 1)
		printf("  time:     %.2f s wall, %.2f s CPU (%d threads checking hashes and signatures)\n",
		       r->wall_seconds, r->cpu_seconds, r->jobs);
	else
		printf("  time:     %.2f s wall, %.2f s CPU (one thread)\n", r->wall_seconds, r->cpu_seconds);
	{
		int i;

		printf("  phases:  ");
		for (i = 0; i < AUDIT_PHASES; i++)
			printf(" %s %.2f s (%.2f s CPU)%s", audit_phase_name[i], r->phase_wall[i], r->phase_cpu[i],
			       i + 1 < AUDIT_PHASES ? "," : "\n");
	}
	if (r->witness == 1)
		printf("  witness:  checkpoint %" PRId64 " kept in %s is in this history\n", r->witness_size,
		       r->witness_path);
	else if (c->st != NULL)
		printf("  witness:  %s %s\n", r->witness_path,
		       r->witness == 2 ? "is not readable by you: not checked" : "does not exist yet: not checked");
	if (r->ledger.kept > 0)
		printf("  kept:     %" PRId64 " checkpoint%s from --checkpoint in this history\n", r->ledger.kept,
		       r->ledger.kept == 1 ? "" : "s");
	if (r->ledger.verified < r->ledger.entries)
		printf("  note:     %" PRId64 " entries after the last checkpoint are not covered by a signature\n",
		       r->ledger.entries - r->ledger.verified);
	{
		size_t n = nu, i;

		for (i = 0; i < n; i++)
			if (u[i].version == 0)
				printf("  UNAPPROVED CHANGE: %s of %s was deleted in the registry, which no steward decision made (entry %" PRId64 ")\n",
				       cli_safe(c, u[i].alias), cli_safe(c, u[i].model), u[i].seq);
			else
				printf("  UNAPPROVED CHANGE: %s of %s points at version %" PRId64 ", which no steward decision made (entry %" PRId64 ")\n",
				       cli_safe(c, u[i].alias), cli_safe(c, u[i].model), u[i].version, u[i].seq);
	}
	if (r->unattested > 0)
		printf("  warning:  %" PRId64 " version%s no signed entry records (synced without a principal): no gate counts on\n"
		       "            them until 'steward sync --key FILE' attests them\n",
		       r->unattested, r->unattested == 1 ? "" : "s");
	if (c->st != NULL) {
		/* Not an error: an admin's move or a backend's baseline is allowed,
		 * but nobody should mistake it for a gated promotion. */
		int64_t i, n = r->ungoverned;

		if (n > 0)
			printf("  warning:  %" PRId64 " alias%s ungoverned (not placed by a promotion that passed its gate):\n", n,
			       n == 1 ? " is" : "es are");
		for (i = 0; i < n && i < 5; i++) {
			const struct record_alias_state *x = &r->ungoverned_first[i];

			printf("            %s of %s -> v%" PRId64 " by %s (%s, entry %" PRId64 ")\n", cli_safe(c, x->alias),
			       cli_safe(c, x->model), x->version, cli_safe(c, x->actor), x->action, x->seq);
		}
		if (n > 5)
			printf("            ... and %" PRId64 " more ('steward model list' marks them)\n", n - 5);
	}
	free(u);
	return cmd_audit_attention(c, nu);
}

int cmd_audit_verify(struct cli_ctx *c)
{
	const char *bundle = cli_opt(c, "bundle"), *vkey = cli_opt(c, "vkey"), *kept = cli_opt(c, "checkpoint");
	const char *files[CLI_POS_MAX + 1];
	struct audit_pins pins = { .vkey = vkey, .checkpoints = files,
				   .allow_unsigned_tail = cli_opt(c, "allow-unsigned-tail") != NULL };
	struct audit_report r;
	char where[4200], name[KEYS_NAME_MAX + 1];
	uint8_t pk[KEYS_PK_BYTES];
	struct audit_run run = { .jobs = 0 };
	struct meter m;
	const char *jobs = cli_opt(c, "jobs");
	int ok, i;

	if (jobs != NULL) {
		char *end;
		long v;

		errno = 0;
		v = strtol(jobs, &end, 10);
		if (jobs[0] < '0' || jobs[0] > '9' || *end != '\0' || errno != 0 || v < 1 || v > 256) {
			char shown[64];

			check_excerpt(jobs, shown, sizeof shown);
			err_set(&c->e, ERR_INVALID, "--jobs '%s': expected a number of threads from 1 to 256", shown);
			return CLI_USAGE;
		}
		run.jobs = (int)v;
	}
	/* --checkpoint FILE... : the first file is the option's, the rest follow it. */
	if (c->npos > 0 && kept == NULL) {
		err_set(&c->e, ERR_INVALID, "unexpected argument '%s' (kept checkpoints follow --checkpoint)", c->pos[0]);
		return CLI_USAGE;
	}
	if (pins.allow_unsigned_tail && bundle == NULL) {
		err_set(&c->e, ERR_INVALID, "--allow-unsigned-tail applies with --bundle DIR");
		return CLI_USAGE;
	}
	if (kept != NULL)
		files[pins.ncheckpoints++] = kept;
	for (i = 0; i < c->npos; i++)
		files[pins.ncheckpoints++] = c->pos[i];
	if (vkey != NULL && audit_vkey_parse(vkey, name, pk, &c->e) != 0) {
		err_prefix(&c->e, "--vkey");
		return CLI_USAGE;
	}
	/* A progress line on a terminal's stderr only, cleared before the report. */
	meter_start(&m, "entries", cli_opt(c, "quiet") != NULL);
	run.progress = meter_progress(&m);
	if (bundle != NULL) {
		ok = audit_verify_bundle_run(bundle, &pins, &run, &r, &c->e) == 0;
		meter_end(&m);
		if (ok && vkey == NULL)
			fprintf(stderr, "steward: trusting the bundle's own log key; pin it with --vkey\n");
		snprintf(where, sizeof where, "bundle %s", bundle);
	} else {
		c->st = cli_store_open(c, STORE_READONLY);
		if (c->st == NULL) {
			meter_end(&m);
			return CLI_FAIL;
		}
		ok = audit_verify_run(c->st, &pins, &run, &r, &c->e) == 0;
		meter_end(&m);
		snprintf(where, sizeof where, "ledger of %s", c->db_path);
	}
	return cmd_audit_report(c, &r, ok, where);
}

int cmd_audit_checkpoint(struct cli_ctx *c)
{
	const char *out = cli_opt(c, "out");
	char name[KEYS_NAME_MAX + 1], vkey[300], *note;
	uint8_t pk[KEYS_PK_BYTES];
	merkle_hash root;
	int64_t size, signed_size;
	int r = CLI_FAIL;

	if (ledger_logkey_public(c->st, name, sizeof name, pk, &c->e) != 0 ||
	    audit_vkey(name, pk, vkey, sizeof vkey) != 0 ||
	    ledger_latest_checkpoint(c->st, &size, &note, &c->e) != 0)
		return CLI_FAIL;
	if (size == 0)
		return err_set(&c->e, ERR_NOTFOUND, "no checkpoint has been signed yet");
	/* Only a note the log key signed, saying what its row says, leaves the store. */
	if (ledger_note_read(note, name, pk, &signed_size, root, &c->e) != 0) {
		err_prefix(&c->e, "the store's newest checkpoint");
		goto done;
	}
	if (signed_size != size) {
		err_set(&c->e, ERR_DENIED, "the store's newest checkpoint, stored at size %" PRId64 ", signs size %" PRId64,
			size, signed_size);
		goto done;
	}
	if (out != NULL && ledger_note_save(out, note, 0644, &c->e) != 0)
		goto done;
	if (c->json) {
		json_t *o = json_object();

		if (o == NULL || cli_json_int(o, "size", size) || cli_json_str(o, "log", name) ||
		    cli_json_str(o, "vkey", vkey) || cli_json_str(o, "note", note) ||
		    (out != NULL && cli_json_str(o, "out", out))) {
			json_decref(o);
			r = cli_json_fail(&c->e);
			goto done;
		}
		r = cli_json_print(o, &c->e) < 0 ? CLI_FAIL : 0;
		goto done;
	}
	if (out != NULL)
		printf("kept checkpoint %" PRId64 " of %s in %s\n", size, name, out);
	else if (fputs(note, stdout) == EOF) {
		err_set(&c->e, ERR_IO, "writing the checkpoint failed");
		goto done;
	}
	r = 0;
done:
	free(note);
	return r;
}

int cmd_audit_prove(struct cli_ctx *c)
{
	struct ledger_inclusion p;
	int64_t seq;
	char *text;
	int r;

	if (approval_id_parse("SEQ", c->pos[0], &seq, &c->e) != 0)
		return CLI_USAGE;
	if (ledger_prove(c->st, seq, &p, &c->e) != 0)
		return CLI_FAIL;
	text = audit_format_inclusion(&p);
	ledger_inclusion_clear(&p);
	if (text == NULL)
		return err_set(&c->e, ERR_IO, "out of memory");
	r = fputs(text, stdout) == EOF ? err_set(&c->e, ERR_IO, "writing the proof failed") : 0;
	free(text);
	return r;
}

int cmd_audit_consistency(struct cli_ctx *c)
{
	struct ledger_consistency p;
	int64_t old;
	char *text;
	int r;

	if (approval_id_parse("OLD_SIZE", c->pos[0], &old, &c->e) != 0)
		return CLI_USAGE;
	if (ledger_consistency(c->st, old, &p, &c->e) != 0)
		return CLI_FAIL;
	text = audit_format_consistency(&p);
	ledger_consistency_clear(&p);
	if (text == NULL)
		return err_set(&c->e, ERR_IO, "out of memory");
	r = fputs(text, stdout) == EOF ? err_set(&c->e, ERR_IO, "writing the proof failed") : 0;
	free(text);
	return r;
}

int cmd_audit_verify_proof(struct cli_ctx *c)
{
	const char *vkey = cli_opt(c, "vkey");
	char name[KEYS_NAME_MAX + 1], summary[600];
	uint8_t pk[KEYS_PK_BYTES];
	char *text;
	size_t len;
	int r;

	if (vkey != NULL) {
		if (audit_vkey_parse(vkey, name, pk, &c->e) != 0)
			return CLI_USAGE;
	} else {
		c->st = cli_store_open(c, STORE_READONLY);
		if (c->st == NULL || ledger_logkey_public(c->st, name, sizeof name, pk, &c->e) != 0)
			return CLI_FAIL;
	}
	if (cli_read_input(c, c->pos[0], 1u << 20, &text, &len) != 0)
		return CLI_FAIL;
	r = audit_verify_proof(text, len, name, pk, summary, sizeof summary, &c->e);
	free(text);
	if (r != 0) {
		err_prefix(&c->e, "%s", c->pos[0]);
		return CLI_FAIL;
	}
	if (c->json) {
		json_t *o = json_object();

		if (o == NULL || cli_json_bool(o, "ok", 1) || cli_json_str(o, "proved", summary)) {
			json_decref(o);
			return cli_json_fail(&c->e);
		}
		return cli_json_print(o, &c->e) < 0 ? CLI_FAIL : 0;
	}
	printf("proof verified: %s\n", summary);
	return 0;
}

int cmd_audit_export(struct cli_ctx *c)
{
	char vkey[300], name[KEYS_NAME_MAX + 1];
	uint8_t pk[KEYS_PK_BYTES];
	struct meter m;
	struct progress pr;
	int rc;

	meter_start(&m, "entries", cli_opt(c, "quiet") != NULL);
	pr = meter_progress(&m);
	rc = audit_export(c->st, c->pos[0], &pr, &c->e);
	meter_end(&m);
	if (rc != 0)
		return CLI_FAIL;
	if (ledger_logkey_public(c->st, name, sizeof name, pk, &c->e) != 0 ||
	    audit_vkey(name, pk, vkey, sizeof vkey) != 0)
		return CLI_FAIL;
	if (c->json) {
		json_t *o = json_object();

		if (o == NULL || cli_json_str(o, "bundle", c->pos[0]) || cli_json_str(o, "vkey", vkey) ||
		    cli_json_int(o, "entries", ledger_size(c->st))) {
			json_decref(o);
			return cli_json_fail(&c->e);
		}
		return cli_json_print(o, &c->e) < 0 ? CLI_FAIL : 0;
	}
	printf("exported %" PRId64 " entries to %s\n", ledger_size(c->st), c->pos[0]);
	printf("log verifier key (pin it): %s\n", vkey);
	return 0;
}
