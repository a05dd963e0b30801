/* test_incident: the incident acts (who may, what they refuse, what they write) and the replay audit verify runs over incident.* entries, including entries a key holder could sign but no act makes. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sqlite3.h>

#include "audit.h"
#include "incident.h"
#include "keyring.h"
#include "keys.h"
#include "ledger.h"
#include "registry.h"
#include "peer.h"

static char dir[64], dbpath[256];
static struct key_secret *admin_key, *auditor_key;
static struct principal admin, auditor;

static int setup(void **state)
{
	struct err e = {0};
	struct key_public pub;
	struct store *st;
	char kp[300];

	snprintf(dir, sizeof dir, "/tmp/steward-inc-XXXXXX");
	if (mkdtemp(dir) == NULL)
		return -1;
	snprintf(dbpath, sizeof dbpath, "%s/i.db", dir);
	setenv("STEWARD_NOW", "1767225600", 1);
	st = store_open(dbpath, STORE_CREATE, &e);
	if (st == NULL)
		return -1;
	snprintf(kp, sizeof kp, "%s/ada.key", dir);
	if (keys_generate("ada", kp, "a long passphrase", 17, &e) != 0 || keys_load_secret(kp, "a long passphrase", 17, &admin_key, &e) != 0)
		return -1;
	snprintf(kp, sizeof kp, "%s/otto.key", dir);
	if (keys_generate("otto", kp, "a long passphrase", 17, &e) != 0 || keys_load_secret(kp, "a long passphrase", 17, &auditor_key, &e) != 0)
		return -1;
	keys_public_of(auditor_key, &pub);
	if (store_begin(st, &e) != 0 || ledger_logkey_create(st, &e) != 0 || keyring_init(st, "ada", admin_key, &e) != 0 ||
	    keyring_whoami(st, admin_key->id, &admin, &e) != 0)
		return -1;
	admin.key = admin_key;
	if (keyring_add(st, &admin, admin_key, "otto", ROLE_AUDITOR, &pub, &e) != 0 ||
	    keyring_whoami(st, auditor_key->id, &auditor, &e) != 0 ||
	    registry_model_add(st, &admin, "pd", TIER_HIGH, "risk", "", &e) != 0 || store_commit(st, &e) != 0)
		return -1;
	auditor.key = auditor_key;
	*state = st;
	return 0;
}

static int teardown(void **state)
{
	char cmd[300];

	store_close(*state);
	keys_secret_free(admin_key);
	keys_secret_free(auditor_key);
	snprintf(cmd, sizeof cmd, "%s/i.db", dir);
	unlink(cmd);
	snprintf(cmd, sizeof cmd, "%s/i.db.logkey", dir);
	unlink(cmd);
	snprintf(cmd, sizeof cmd, "%s/i.db.witness", dir);
	unlink(cmd);
	snprintf(cmd, sizeof cmd, "%s/i.db-wal", dir);
	unlink(cmd);
	snprintf(cmd, sizeof cmd, "%s/i.db-shm", dir);
	unlink(cmd);
	snprintf(cmd, sizeof cmd, "%s/ada.key", dir);
	unlink(cmd);
	snprintf(cmd, sizeof cmd, "%s/ada.key.pub", dir);
	unlink(cmd);
	snprintf(cmd, sizeof cmd, "%s/otto.key", dir);
	unlink(cmd);
	snprintf(cmd, sizeof cmd, "%s/otto.key.pub", dir);
	unlink(cmd);
	rmdir(dir);
	return 0;
}

static int64_t entries(struct store *st)
{
	return ledger_size(st);
}

/* The acts: each one entry and its rows, refusals write nothing. */
static void test_acts(void **state)
{
	struct store *st = *state;
	struct incident_event *ev = NULL;
	struct incident x, *l = NULL;
	struct principal nokey = admin;
	struct err e = {0};
	int64_t id = 0, id2 = 0, before;
	size_t nev = 0, n = 0;

	nokey.key = NULL;
	before = entries(st);
	assert_int_equal(store_begin(st, &e), 0);
	assert_int_equal(incident_open(st, &auditor, "pd", "critical", "drift", NULL, &id, &e), -1);
	assert_non_null(strstr(e.msg, "otto (roles: auditor) may not open an incident"));
	assert_int_equal(incident_open(st, &nokey, "pd", "critical", "drift", NULL, &id, &e), -1);
	assert_non_null(strstr(e.msg, "needs your key"));
	assert_int_equal(incident_open(st, &admin, "nope", "critical", "drift", NULL, &id, &e), -1);
	assert_int_equal(e.kind, ERR_NOTFOUND);
	assert_int_equal(incident_open(st, &admin, "pd", "urgent", "drift", NULL, &id, &e), -1);
	assert_int_equal(incident_open(st, &admin, "pd", "info", "", NULL, &id, &e), -1);
	assert_int_equal(incident_open(st, &admin, "pd", "info", "a\nb", NULL, &id, &e), -1);
	assert_int_equal(incident_open(st, &admin, "pd", "info", "x", "al\x1b[2J", &id, &e), -1);
	assert_int_equal(entries(st), before);
	assert_int_equal(incident_open(st, &admin, "pd", "critical", "drift", "ScoreDriftHigh", &id, &e), 0);
	assert_int_equal(id, 1);
	assert_int_equal(incident_open_for(st, "pd", &e), 1);
	assert_int_equal(incident_count_open(st, &e), 1);
	assert_int_equal(incident_ack(st, &admin, id, &e), 0);
	assert_int_equal(incident_ack(st, &admin, id, &e), -1);
	assert_int_equal(e.kind, ERR_EXISTS);
	assert_int_equal(incident_note(st, &admin, id, "step", "rollback: production back to v2", &e), 0);
	assert_int_equal(incident_note(st, &admin, id, "remark", "x", &e), -1);
	assert_non_null(strstr(e.msg, "note or a step"));
	assert_int_equal(incident_note(st, &auditor, id, "note", "x", &e), -1);
	assert_int_equal(incident_ack(st, &admin, 42, &e), -1);
	assert_int_equal(e.kind, ERR_NOTFOUND);
	assert_int_equal(incident_open(st, &admin, "pd", "info", "second", "", &id2, &e), 0);
	assert_int_equal(id2, 2);
	assert_int_equal(incident_open_for(st, "pd", &e), 2);
	assert_int_equal(incident_resolve(st, &admin, id, NULL, &e), 0);
	assert_int_equal(incident_resolve(st, &admin, id, "again", &e), -1);
	assert_int_equal(e.kind, ERR_DENIED);
	assert_int_equal(incident_note(st, &admin, id, "note", "late", &e), -1);
	assert_int_equal(incident_ack(st, &admin, id, &e), -1);
	assert_int_equal(store_commit(st, &e), 0);
	assert_int_equal(entries(st), before + 5);
	assert_int_equal(incident_count_open(st, &e), 1);
	assert_int_equal(incident_open_for(st, "pd", &e), 2);
	assert_int_equal(incident_open_for(st, "other", &e), 0);

	assert_int_equal(incident_get(st, id, &x, &ev, &nev, &e), 0);
	assert_string_equal(x.state, "resolved");
	assert_string_equal(x.owner, "ada");
	assert_string_equal(x.alert, "ScoreDriftHigh");
	assert_int_equal(nev, 4);
	assert_string_equal(ev[0].kind, "open");
	assert_string_equal(ev[0].text, "drift");
	assert_string_equal(ev[1].text, "owner ada");
	assert_string_equal(ev[2].kind, "step");
	assert_string_equal(ev[3].kind, "resolve");
	assert_true(ev[0].seq < ev[1].seq && ev[1].seq < ev[2].seq && ev[2].seq < ev[3].seq);
	assert_int_equal(x.seq, ev[0].seq);
	incident_free(ev);
	assert_int_equal(incident_get(st, 99, &x, NULL, NULL, &e), -1);

	assert_int_equal(incident_list(st, 0, NULL, &l, &n, &e), 0);
	assert_int_equal(n, 1);
	assert_int_equal(l[0].id, 2);
	incident_free(l);
	assert_int_equal(incident_list(st, 1, "pd", &l, &n, &e), 0);
	assert_int_equal(n, 2);
	assert_int_equal(l[0].id, 2); /* newest first */
	incident_free(l);
	assert_int_equal(incident_list(st, 1, "other", &l, &n, &e), 0);
	assert_int_equal(n, 0);
	assert_null(l);

	/* Outside a transaction the ledger refuses, and nothing is written. */
	before = entries(st);
	assert_int_equal(incident_open(st, &admin, "pd", "info", "x", NULL, &id, &e), -1);
	assert_int_equal(entries(st), before);
	assert_int_equal(incident_count_open(st, &e), 1);
}

static int replay(struct incident_replay *r, int64_t seq, const char *action, const char *actor, const char *subject,
		  const char *data, char *why, size_t n)
{
	json_t *j = json_loads(data, 0, NULL);
	int rc;

	assert_non_null(j);
	why[0] = '\0';
	rc = incident_replay_entry(r, seq, 1767225600 + seq, action, actor, subject, j, why, n);
	json_decref(j);
	return rc;
}

/* What a key holder could sign but no act makes: each one refused, naming why. */
static void test_replay(void **state)
{
	struct incident_replay *r = incident_replay_new();
	char why[300];

	(void)state;
	assert_non_null(r);
	assert_int_equal(replay(r, 1, "incident.open", "sami", "models:/pd",
				"{\"incident\":3,\"model\":\"pd\",\"severity\":\"critical\",\"title\":\"t\",\"alert\":\"\"}", why,
				sizeof why),
			 0);
	assert_int_equal(replay(r, 2, "incident.open", "sami", "models:/pd",
				"{\"incident\":3,\"model\":\"pd\",\"severity\":\"critical\",\"title\":\"t\",\"alert\":\"\"}", why,
				sizeof why),
			 -1);
	assert_non_null(strstr(why, "numbers go up"));
	assert_int_equal(replay(r, 3, "incident.open", "sami", "models:/other",
				"{\"incident\":4,\"model\":\"pd\",\"severity\":\"critical\",\"title\":\"t\",\"alert\":\"\"}", why,
				sizeof why),
			 -1);
	assert_non_null(strstr(why, "subject"));
	assert_int_equal(replay(r, 4, "incident.open", "sami", "models:/pd",
				"{\"incident\":4,\"model\":\"pd\",\"severity\":\"severe\",\"title\":\"t\",\"alert\":\"\"}", why,
				sizeof why),
			 -1);
	assert_non_null(strstr(why, "severity"));
	assert_int_equal(replay(r, 5, "incident.open", "sami", "models:/pd", "{\"incident\":4,\"model\":\"pd\"}", why,
				sizeof why),
			 -1);
	assert_int_equal(replay(r, 6, "incident.ack", "sami", "models:/pd", "{\"incident\":9}", why, sizeof why), -1);
	assert_non_null(strstr(why, "never opened"));
	assert_int_equal(replay(r, 7, "incident.ack", "sami", "models:/other", "{\"incident\":3}", why, sizeof why), -1);
	assert_int_equal(replay(r, 8, "incident.ack", "sami", "models:/pd", "{\"incident\":3}", why, sizeof why), 0);
	assert_int_equal(replay(r, 9, "incident.ack", "sami", "models:/pd", "{\"incident\":3}", why, sizeof why), -1);
	assert_non_null(strstr(why, "again by its owner"));
	assert_int_equal(replay(r, 10, "incident.note", "sami", "models:/pd",
				"{\"incident\":3,\"kind\":\"gossip\",\"text\":\"x\"}", why, sizeof why),
			 -1);
	assert_int_equal(replay(r, 11, "incident.note", "sami", "models:/pd", "{\"incident\":3,\"kind\":\"note\",\"text\":\"\"}",
				why, sizeof why),
			 -1);
	assert_int_equal(replay(r, 12, "incident.note", "sami", "models:/pd",
				"{\"incident\":3,\"kind\":\"step\",\"text\":\"rolled back\"}", why, sizeof why),
			 0);
	assert_int_equal(replay(r, 13, "incident.resolve", "sami", "models:/pd", "{\"incident\":3}", why, sizeof why), -1);
	assert_int_equal(replay(r, 14, "incident.resolve", "sami", "models:/pd", "{\"incident\":3,\"text\":\"\"}", why,
				sizeof why),
			 0);
	assert_int_equal(replay(r, 15, "incident.resolve", "sami", "models:/pd", "{\"incident\":3,\"text\":\"\"}", why,
				sizeof why),
			 -1);
	assert_non_null(strstr(why, "resolved by entry 14"));
	assert_int_equal(replay(r, 16, "incident.note", "sami", "models:/pd", "{\"incident\":3,\"kind\":\"note\",\"text\":\"x\"}",
				why, sizeof why),
			 -1);
	assert_int_equal(replay(r, 17, "incident.close", "sami", "models:/pd", "{\"incident\":3}", why, sizeof why), -1);
	assert_non_null(strstr(why, "unknown action"));
	assert_int_equal(incident_replay_count(r), 1);
	incident_replay_free(r);
}

/* The store's acts replay to the store's tables: audit verify holds, and
 * an edit of a decided column is named. */
static void test_audit(void **state)
{
	struct store *st = *state;
	struct audit_report rep;
	struct err e = {0};

	assert_int_equal(audit_verify(st, &rep, &e), 0);
	assert_int_equal(rep.incidents, 2);
	assert_int_equal(peer_exec(st, "UPDATE incidents SET owner = 'mallory' WHERE id = 1"),
			 SQLITE_OK);
	assert_int_equal(audit_verify(st, &rep, &e), -1);
	assert_non_null(strstr(e.msg, "incident 1 (pd) has owner 'mallory' in the table, but the ledger says 'ada'"));
	assert_int_equal(peer_exec(st, "UPDATE incidents SET owner = 'ada' WHERE id = 1"),
			 SQLITE_OK);
	assert_int_equal(audit_verify(st, &rep, &e), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_acts),
		cmocka_unit_test(test_replay),
		cmocka_unit_test(test_audit),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
