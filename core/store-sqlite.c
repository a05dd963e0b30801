/* store-sqlite: the store's SQLite side: the file and its mode, the connection's settings, and the schema in SQLite's dialect. */
#include "store-sqlite.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "db-sqlite.h"
#include "file.h"
#include "ledger-tree.h"

/* Forward-only: a migration is never edited once released; new ones are
 * appended. user_version counts how many have been applied. */
static const char *const store_migrations[] = {
	/* 1: registry */
	"CREATE TABLE meta(key TEXT PRIMARY KEY, value TEXT NOT NULL) WITHOUT ROWID;"
	"CREATE TABLE models("
	" id INTEGER PRIMARY KEY,"
	" name TEXT NOT NULL UNIQUE,"
	" owner TEXT NOT NULL,"
	" tier TEXT NOT NULL CHECK (tier IN ('low','medium','high','critical')),"
	" description TEXT NOT NULL DEFAULT '',"
	" source TEXT NOT NULL DEFAULT 'local',"
	" created INTEGER NOT NULL,"
	" updated INTEGER NOT NULL);"
	"CREATE TABLE versions("
	" id INTEGER PRIMARY KEY,"
	" model_id INTEGER NOT NULL REFERENCES models(id),"
	" version INTEGER NOT NULL CHECK (version > 0),"
	" artifact_uri TEXT NOT NULL,"
	" digest TEXT NOT NULL CHECK (digest GLOB 'sha256:*' AND length(digest) = 71),"
	" author TEXT NOT NULL DEFAULT '',"
	" run_id TEXT NOT NULL DEFAULT '',"
	" source TEXT NOT NULL DEFAULT 'local',"
	" created INTEGER NOT NULL,"
	" UNIQUE (model_id, version));"
	"CREATE TABLE aliases("
	" model_id INTEGER NOT NULL REFERENCES models(id),"
	" alias TEXT NOT NULL,"
	" version_id INTEGER NOT NULL REFERENCES versions(id),"
	" updated INTEGER NOT NULL,"
	" PRIMARY KEY (model_id, alias)) WITHOUT ROWID;"
	"CREATE INDEX aliases_version ON aliases(version_id);"
	"CREATE TABLE model_tags("
	" model_id INTEGER NOT NULL REFERENCES models(id),"
	" key TEXT NOT NULL, value TEXT NOT NULL,"
	" PRIMARY KEY (model_id, key)) WITHOUT ROWID;"
	"CREATE TABLE version_tags("
	" version_id INTEGER NOT NULL REFERENCES versions(id),"
	" key TEXT NOT NULL, value TEXT NOT NULL,"
	" PRIMARY KEY (version_id, key)) WITHOUT ROWID;"
	"CREATE TABLE cards("
	" version_id INTEGER NOT NULL REFERENCES versions(id),"
	" position INTEGER NOT NULL,"
	" section TEXT NOT NULL,"
	" body TEXT NOT NULL,"
	" PRIMARY KEY (version_id, position),"
	" UNIQUE (version_id, section)) WITHOUT ROWID;"
	"CREATE TABLE eval_metrics("
	" version_id INTEGER NOT NULL REFERENCES versions(id),"
	" name TEXT NOT NULL,"
	" dataset TEXT NOT NULL DEFAULT '',"
	" slice TEXT NOT NULL DEFAULT '',"
	" value REAL NOT NULL,"
	" PRIMARY KEY (version_id, name, dataset, slice)) WITHOUT ROWID;",
	/* 2: the append-only ledger and its signed checkpoints. The triggers are
	 * a guard rail; the hashes and signatures are the control. */
	"CREATE TABLE ledger("
	" seq INTEGER PRIMARY KEY CHECK (seq > 0),"
	" time INTEGER NOT NULL,"
	" actor TEXT NOT NULL,"
	" action TEXT NOT NULL,"
	" subject TEXT NOT NULL,"
	" body BLOB NOT NULL,"
	" leaf BLOB NOT NULL CHECK (length(leaf) = 32),"
	" chain BLOB NOT NULL CHECK (length(chain) = 32));"
	"CREATE INDEX ledger_subject ON ledger(subject);"
	"CREATE INDEX ledger_actor ON ledger(actor);"
	"CREATE TABLE checkpoints("
	" size INTEGER PRIMARY KEY CHECK (size > 0),"
	" time INTEGER NOT NULL,"
	" root BLOB NOT NULL CHECK (length(root) = 32),"
	" note TEXT NOT NULL);"
	"CREATE TRIGGER ledger_no_update BEFORE UPDATE ON ledger"
	" BEGIN SELECT RAISE(ABORT, 'the ledger is append-only'); END;"
	"CREATE TRIGGER ledger_no_delete BEFORE DELETE ON ledger"
	" BEGIN SELECT RAISE(ABORT, 'the ledger is append-only'); END;"
	"CREATE TRIGGER checkpoints_no_update BEFORE UPDATE ON checkpoints"
	" BEGIN SELECT RAISE(ABORT, 'checkpoints are append-only'); END;"
	"CREATE TRIGGER checkpoints_no_delete BEFORE DELETE ON checkpoints"
	" BEGIN SELECT RAISE(ABORT, 'checkpoints are append-only'); END;",
	/* 3: identity and approvals. These tables are the fast view; the
	 * ledger entries that created each row are the record, and
	 * `audit verify` checks that the two agree. */
	"CREATE TABLE keyring("
	" version INTEGER PRIMARY KEY CHECK (version > 0),"
	" time INTEGER NOT NULL,"
	" seq INTEGER NOT NULL,"
	" actor TEXT NOT NULL,"
	" summary TEXT NOT NULL);"
	"CREATE TABLE principals("
	" id INTEGER PRIMARY KEY,"
	" name TEXT NOT NULL UNIQUE,"
	" added_ver INTEGER NOT NULL,"
	" revoked_ver INTEGER);"
	"CREATE TABLE principal_roles("
	" principal_id INTEGER NOT NULL REFERENCES principals(id),"
	" role TEXT NOT NULL CHECK (role IN ('admin','risk-officer','ml-lead','sre','auditor')),"
	" granted_ver INTEGER NOT NULL,"
	" revoked_ver INTEGER,"
	" PRIMARY KEY (principal_id, role, granted_ver)) WITHOUT ROWID;"
	"CREATE TABLE principal_keys("
	" key_id TEXT PRIMARY KEY CHECK (length(key_id) = 16),"
	" principal_id INTEGER NOT NULL REFERENCES principals(id),"
	" public TEXT NOT NULL,"
	" added_ver INTEGER NOT NULL,"
	" revoked_ver INTEGER) WITHOUT ROWID;"
	"CREATE TABLE requests("
	" id INTEGER PRIMARY KEY,"
	" version_id INTEGER NOT NULL REFERENCES versions(id),"
	" from_stage TEXT NOT NULL,"
	" to_stage TEXT NOT NULL,"
	" tier TEXT NOT NULL,"
	" requester TEXT NOT NULL,"
	" comment TEXT NOT NULL DEFAULT '',"
	" state TEXT NOT NULL DEFAULT 'open' CHECK (state IN ('open','rejected','applied','withdrawn')),"
	" created INTEGER NOT NULL,"
	" keyring_ver INTEGER NOT NULL,"
	" seq INTEGER NOT NULL);"
	"CREATE INDEX requests_version ON requests(version_id);"
	"CREATE TABLE approvals("
	" id INTEGER PRIMARY KEY,"
	" request_id INTEGER NOT NULL REFERENCES requests(id),"
	" principal TEXT NOT NULL,"
	" key_id TEXT NOT NULL,"
	" role TEXT NOT NULL,"
	" decision TEXT NOT NULL CHECK (decision IN ('approve','reject')),"
	" nonce TEXT NOT NULL UNIQUE,"
	" issued INTEGER NOT NULL,"
	" expires INTEGER NOT NULL,"
	" recorded INTEGER NOT NULL,"
	" keyring_ver INTEGER NOT NULL,"
	" seq INTEGER NOT NULL,"
	" envelope BLOB NOT NULL);"
	"CREATE INDEX approvals_request ON approvals(request_id);"
	"CREATE TRIGGER approvals_no_update BEFORE UPDATE ON approvals"
	" BEGIN SELECT RAISE(ABORT, 'approvals are append-only'); END;"
	"CREATE TRIGGER approvals_no_delete BEFORE DELETE ON approvals"
	" BEGIN SELECT RAISE(ABORT, 'approvals are append-only'); END;",
	/* 4: policies, governed alias moves, and the monitoring caches the
	 * gate reads (filled by plugins; absent rows mean "no data"). */
	"CREATE TABLE policies("
	" id INTEGER PRIMARY KEY,"
	" name TEXT NOT NULL,"
	" version INTEGER NOT NULL CHECK (version > 0),"
	" tier TEXT NOT NULL CHECK (tier IN ('low','medium','high','critical')),"
	" digest TEXT NOT NULL CHECK (digest GLOB 'sha256:*' AND length(digest) = 71),"
	" path TEXT NOT NULL,"
	" text TEXT NOT NULL,"
	" enrolled INTEGER NOT NULL,"
	" signer TEXT NOT NULL,"
	" seq INTEGER NOT NULL,"
	" UNIQUE (name, version));"
	"ALTER TABLE requests ADD COLUMN kind TEXT NOT NULL DEFAULT 'promotion'"
	" CHECK (kind IN ('promotion','review'));"
	"ALTER TABLE requests ADD COLUMN policy_name TEXT NOT NULL DEFAULT '';"
	"ALTER TABLE requests ADD COLUMN policy_version INTEGER NOT NULL DEFAULT 0;"
	"ALTER TABLE requests ADD COLUMN policy_digest TEXT NOT NULL DEFAULT '';"
	"ALTER TABLE requests ADD COLUMN due INTEGER NOT NULL DEFAULT 0;"
	"ALTER TABLE requests ADD COLUMN review_role TEXT NOT NULL DEFAULT '';"
	"CREATE TABLE promotions("
	" id INTEGER PRIMARY KEY,"
	" version_id INTEGER NOT NULL REFERENCES versions(id),"
	" alias TEXT NOT NULL,"
	" kind TEXT NOT NULL CHECK (kind IN ('promotion','rollback')),"
	" request_id INTEGER,"
	" policy_digest TEXT NOT NULL,"
	" time INTEGER NOT NULL,"
	" actor TEXT NOT NULL,"
	" seq INTEGER NOT NULL);"
	"CREATE INDEX promotions_version ON promotions(version_id);"
	"CREATE TABLE monitor_values("
	" version_id INTEGER NOT NULL REFERENCES versions(id),"
	" kind TEXT NOT NULL CHECK (kind IN ('live','drift')),"
	" name TEXT NOT NULL,"
	" value REAL NOT NULL,"
	" observed INTEGER NOT NULL,"
	" PRIMARY KEY (version_id, kind, name)) WITHOUT ROWID;"
	"CREATE TABLE alert_sync("
	" model_id INTEGER PRIMARY KEY REFERENCES models(id),"
	" synced INTEGER NOT NULL);"
	"CREATE TABLE alerts("
	" model_id INTEGER NOT NULL REFERENCES models(id),"
	" name TEXT NOT NULL,"
	" severity TEXT NOT NULL CHECK (severity IN ('info','warning','critical')),"
	" since INTEGER NOT NULL,"
	" PRIMARY KEY (model_id, name)) WITHOUT ROWID;"
	"CREATE TABLE canary("
	" version_id INTEGER PRIMARY KEY REFERENCES versions(id),"
	" weight REAL NOT NULL,"
	" since INTEGER NOT NULL);",
	/* 5: plugins: their health, what each synced version came from, and
	 * alias moves seen in a backend that no steward decision made. */
	"CREATE TABLE plugin_health("
	" name TEXT PRIMARY KEY,"
	" state TEXT NOT NULL CHECK (state IN ('ok','degraded')),"
	" message TEXT NOT NULL DEFAULT '',"
	" last_success INTEGER NOT NULL DEFAULT 0,"
	" last_attempt INTEGER NOT NULL DEFAULT 0,"
	" records INTEGER NOT NULL DEFAULT 0) WITHOUT ROWID;"
	"CREATE TABLE version_sync("
	" version_id INTEGER PRIMARY KEY REFERENCES versions(id),"
	" plugin TEXT NOT NULL,"
	" source TEXT NOT NULL,"
	" digest_verified INTEGER NOT NULL,"
	" card_sha TEXT NOT NULL DEFAULT '');"
	"CREATE TABLE unapproved("
	" model_id INTEGER NOT NULL REFERENCES models(id),"
	" alias TEXT NOT NULL,"
	" version INTEGER NOT NULL,"
	" observed INTEGER NOT NULL,"
	" seq INTEGER NOT NULL,"
	" PRIMARY KEY (model_id, alias)) WITHOUT ROWID;",
	/* 6: speed on large estates: each checkpoint keeps the tree's frontier
	 * (one hash per perfect subtree) so the next extends it instead of
	 * rehashing every leaf; versions are found per model by time. */
	"ALTER TABLE checkpoints ADD COLUMN frontier BLOB;"
	"CREATE INDEX versions_model_created ON versions(model_id, created);",
	/* 7: every act is signed by its actor (the signature over the entry's
	 * exact bytes sits beside it); the keyring is re-read from its entries
	 * by action; CI keys hold the pipeline role. */
	"ALTER TABLE ledger ADD COLUMN sig TEXT;"
	"CREATE INDEX ledger_action ON ledger(action);"
	"CREATE TABLE principal_roles_v7("
	" principal_id INTEGER NOT NULL REFERENCES principals(id),"
	" role TEXT NOT NULL CHECK (role IN ('admin','risk-officer','ml-lead','sre','auditor','pipeline')),"
	" granted_ver INTEGER NOT NULL,"
	" revoked_ver INTEGER,"
	" PRIMARY KEY (principal_id, role, granted_ver)) WITHOUT ROWID;"
	"INSERT INTO principal_roles_v7 SELECT principal_id, role, granted_ver, revoked_ver FROM principal_roles;"
	"DROP TABLE principal_roles;"
	"ALTER TABLE principal_roles_v7 RENAME TO principal_roles;",
	/* 8: a version's digest state says what its digest means (verified,
	 * unverified with the reason, or an empty artifact set); a plugin's
	 * stamp lets an incremental sync skip versions that did not move; a
	 * sync whose downloads failed leaves the plugin "partial"; a request
	 * withdrawn or superseded says so and by what. */
	"ALTER TABLE version_sync ADD COLUMN digest_state TEXT NOT NULL DEFAULT '';"
	"ALTER TABLE version_sync ADD COLUMN digest_reason TEXT NOT NULL DEFAULT '';"
	"ALTER TABLE version_sync ADD COLUMN stamp TEXT NOT NULL DEFAULT '';"
	"ALTER TABLE requests ADD COLUMN closed_note TEXT NOT NULL DEFAULT '';"
	"CREATE TABLE plugin_health_v8("
	" name TEXT PRIMARY KEY,"
	" state TEXT NOT NULL CHECK (state IN ('ok','partial','degraded')),"
	" message TEXT NOT NULL DEFAULT '',"
	" last_success INTEGER NOT NULL DEFAULT 0,"
	" last_attempt INTEGER NOT NULL DEFAULT 0,"
	" records INTEGER NOT NULL DEFAULT 0,"
	" last_full INTEGER NOT NULL DEFAULT 0) WITHOUT ROWID;"
	"INSERT INTO plugin_health_v8(name, state, message, last_success, last_attempt, records)"
	" SELECT name, state, message, last_success, last_attempt, records FROM plugin_health;"
	"DROP TABLE plugin_health;"
	"ALTER TABLE plugin_health_v8 RENAME TO plugin_health;",
	/* 9: monitoring from plugins: the series cache, score histograms,
	 * alerts and silences as each source last showed them, and per model
	 * the observation a principal signed, which is all a gate reads. */
	"CREATE TABLE series("
	" version_id INTEGER NOT NULL REFERENCES versions(id),"
	" signal TEXT NOT NULL,"
	" t INTEGER NOT NULL,"
	" value REAL," /* NULL: the backend said NaN */
	" PRIMARY KEY (version_id, signal, t)) WITHOUT ROWID;"
	"CREATE TABLE series_meta("
	" version_id INTEGER NOT NULL REFERENCES versions(id),"
	" signal TEXT NOT NULL,"
	" plugin TEXT NOT NULL,"
	" step INTEGER NOT NULL,"
	" last INTEGER NOT NULL,"
	" current REAL," /* the newest value that is a number */
	" spark BLOB," /* MONITOR_SPARK hourly means as little-endian floats, NaN for gaps */
	" spark_at INTEGER NOT NULL DEFAULT 0," /* when spark was computed */
	" PRIMARY KEY (version_id, signal)) WITHOUT ROWID;"
	"CREATE TABLE histograms("
	" version_id INTEGER NOT NULL REFERENCES versions(id),"
	" feature TEXT NOT NULL,"
	" win TEXT NOT NULL CHECK (win IN ('reference','current')),"
	" t_from INTEGER NOT NULL,"
	" t_to INTEGER NOT NULL,"
	" buckets TEXT NOT NULL," /* [[le, cumulative count], ...], le of the last "+Inf" */
	" observed INTEGER NOT NULL,"
	" PRIMARY KEY (version_id, feature, win)) WITHOUT ROWID;"
	"DROP TABLE alerts;"
	"CREATE TABLE alerts("
	" plugin TEXT NOT NULL,"
	" fingerprint TEXT NOT NULL,"
	" name TEXT NOT NULL,"
	" state TEXT NOT NULL CHECK (state IN ('active','suppressed','unprocessed')),"
	" severity TEXT NOT NULL,"
	" model_id INTEGER REFERENCES models(id),"
	" version INTEGER NOT NULL DEFAULT 0,"
	" starts INTEGER NOT NULL,"
	" ends INTEGER NOT NULL,"
	" summary TEXT NOT NULL DEFAULT '',"
	" silenced_by TEXT NOT NULL DEFAULT '',"
	" labels TEXT NOT NULL DEFAULT '{}',"
	" seen INTEGER NOT NULL,"
	" PRIMARY KEY (plugin, fingerprint)) WITHOUT ROWID;"
	"CREATE INDEX alerts_model ON alerts(model_id);"
	"CREATE TABLE silences("
	" plugin TEXT NOT NULL,"
	" id TEXT NOT NULL,"
	" state TEXT NOT NULL CHECK (state IN ('active','pending','expired')),"
	" matchers TEXT NOT NULL,"
	" starts INTEGER NOT NULL,"
	" ends INTEGER NOT NULL,"
	" created_by TEXT NOT NULL,"
	" comment TEXT NOT NULL,"
	" seen INTEGER NOT NULL,"
	" PRIMARY KEY (plugin, id)) WITHOUT ROWID;"
	"CREATE TABLE monitor_attest("
	" model_id INTEGER NOT NULL REFERENCES models(id),"
	" kind TEXT NOT NULL CHECK (kind IN ('monitor','alerts')),"
	" observed INTEGER NOT NULL,"
	" body TEXT NOT NULL,"
	" sig TEXT NOT NULL,"
	" PRIMARY KEY (model_id, kind)) WITHOUT ROWID;",
	/* 10: lineage from OpenLineage run events. Dataset versions, runs and
	 * the edges between them; a run's link to a model version is derived
	 * when read (its MLflow run id against versions.run, or a named
	 * version), so events may arrive before or after the registry sync.
	 * The signed lineage.set entries in the ledger are what a gate reads. */
	"CREATE TABLE lineage_events("
	" digest BLOB PRIMARY KEY CHECK (length(digest) = 32)," /* SHA-256 of the event without whitespace between tokens */
	" run INTEGER NOT NULL,"
	" type TEXT NOT NULL,"
	" time INTEGER NOT NULL,"
	" source TEXT NOT NULL) WITHOUT ROWID;"
	"CREATE TABLE lineage_jobs("
	" id INTEGER PRIMARY KEY,"
	" namespace TEXT NOT NULL,"
	" name TEXT NOT NULL,"
	" UNIQUE (namespace, name));"
	"CREATE TABLE lineage_runs("
	" id INTEGER PRIMARY KEY,"
	" run_id TEXT NOT NULL UNIQUE,"
	" job INTEGER NOT NULL REFERENCES lineage_jobs(id),"
	" state TEXT NOT NULL,"
	" state_time INTEGER NOT NULL," /* eventTime of the event that set state */
	" started INTEGER NOT NULL DEFAULT 0,"
	" ended INTEGER NOT NULL DEFAULT 0,"
	" mlflow_run TEXT NOT NULL DEFAULT '',"
	" model TEXT NOT NULL DEFAULT ''," /* a version named by the events */
	" model_version INTEGER NOT NULL DEFAULT 0,"
	" producer TEXT NOT NULL DEFAULT '');"
	"CREATE INDEX lineage_runs_mlflow ON lineage_runs(mlflow_run) WHERE mlflow_run <> '';"
	"CREATE INDEX lineage_runs_model ON lineage_runs(model, model_version) WHERE model <> '';"
	"CREATE TABLE lineage_datasets("
	" id INTEGER PRIMARY KEY,"
	" namespace TEXT NOT NULL,"
	" name TEXT NOT NULL,"
	" source TEXT NOT NULL DEFAULT ''," /* the dataSource facet's uri */
	" fields TEXT NOT NULL DEFAULT ''," /* the schema facet's fields, compact JSON */
	" UNIQUE (namespace, name));"
	"CREATE TABLE lineage_dsv("
	" id INTEGER PRIMARY KEY,"
	" dataset INTEGER NOT NULL REFERENCES lineage_datasets(id),"
	" version TEXT NOT NULL," /* '' when the events named none */
	" digest TEXT NOT NULL DEFAULT '',"
	" seen INTEGER NOT NULL,"
	" UNIQUE (dataset, version));"
	"CREATE TABLE lineage_io("
	" run INTEGER NOT NULL REFERENCES lineage_runs(id),"
	" dir INTEGER NOT NULL CHECK (dir IN (0, 1))," /* 0: the run read it, 1: the run wrote it */
	" dsv INTEGER NOT NULL REFERENCES lineage_dsv(id),"
	" PRIMARY KEY (run, dir, dsv)) WITHOUT ROWID;"
	"CREATE INDEX lineage_io_dsv ON lineage_io(dsv, dir, run);"
	"CREATE INDEX versions_run ON versions(run_id) WHERE run_id <> '';"
	"CREATE TABLE lineage_sources("
	" plugin TEXT NOT NULL,"
	" source TEXT NOT NULL,"
	" offset INTEGER NOT NULL,"
	" ident TEXT NOT NULL,"
	" PRIMARY KEY (plugin, source)) WITHOUT ROWID;",
	/* 11: serving and operations. What the deploy plugins read from the
	 * serving layer (a cache, like aliases: the ledger's deploy and
	 * traffic entries say what steward decided and what was seen; an
	 * unapproved change is derived from them), incidents with their
	 * timelines, and playbook runs step by step (caches of the incident.*
	 * and playbook.* entries, rebuilt by audit verify). */
	"CREATE TABLE deployments("
	" plugin TEXT NOT NULL,"
	" target TEXT NOT NULL," /* backend/server */
	" model TEXT NOT NULL,"
	" version INTEGER NOT NULL,"
	" mode TEXT NOT NULL CHECK (mode IN ('live','shadow')),"
	" state TEXT NOT NULL CHECK (state IN ('ready','drain','maint','down')),"
	" weight INTEGER NOT NULL,"
	" share REAL NOT NULL,"
	" sessions INTEGER NOT NULL DEFAULT -1,"
	" observed INTEGER NOT NULL,"
	" PRIMARY KEY (plugin, target)) WITHOUT ROWID;"
	"CREATE INDEX deployments_model ON deployments(model, version);"
	"CREATE TABLE incidents("
	" id INTEGER PRIMARY KEY,"
	" model TEXT NOT NULL,"
	" title TEXT NOT NULL,"
	" severity TEXT NOT NULL CHECK (severity IN ('info','warning','critical')),"
	" state TEXT NOT NULL CHECK (state IN ('open','acknowledged','resolved')),"
	" owner TEXT NOT NULL DEFAULT '',"
	" opened_by TEXT NOT NULL,"
	" opened INTEGER NOT NULL,"
	" acked INTEGER NOT NULL DEFAULT 0,"
	" resolved INTEGER NOT NULL DEFAULT 0,"
	" alert TEXT NOT NULL DEFAULT ''," /* the alert name that started it */
	" seq INTEGER NOT NULL);"
	"CREATE INDEX incidents_open ON incidents(model) WHERE state <> 'resolved';"
	"CREATE TABLE incident_events("
	" incident INTEGER NOT NULL REFERENCES incidents(id),"
	" seq INTEGER NOT NULL," /* the ledger entry */
	" time INTEGER NOT NULL,"
	" actor TEXT NOT NULL,"
	" kind TEXT NOT NULL,"
	" text TEXT NOT NULL,"
	" PRIMARY KEY (incident, seq)) WITHOUT ROWID;"
	"CREATE TABLE playbook_runs("
	" id INTEGER PRIMARY KEY,"
	" playbook TEXT NOT NULL,"
	" digest TEXT NOT NULL," /* sha256 of the playbook file the run follows */
	" model TEXT NOT NULL,"
	" alert TEXT NOT NULL DEFAULT '',"
	" actor TEXT NOT NULL,"
	" started INTEGER NOT NULL,"
	" state TEXT NOT NULL CHECK (state IN ('running','stopped','done','abandoned')),"
	" next_step INTEGER NOT NULL DEFAULT 0,"
	" nsteps INTEGER NOT NULL,"
	" version INTEGER NOT NULL DEFAULT 0," /* production's version when the run started: {version} */
	" incident INTEGER NOT NULL DEFAULT 0,"
	" seq INTEGER NOT NULL);"
	"CREATE TABLE playbook_steps("
	" run INTEGER NOT NULL REFERENCES playbook_runs(id),"
	" idx INTEGER NOT NULL,"
	" name TEXT NOT NULL,"
	" state TEXT NOT NULL CHECK (state IN ('done','failed','refused','error')),"
	" time INTEGER NOT NULL,"
	" actor TEXT NOT NULL,"
	" confirmed TEXT NOT NULL," /* "interactive" or "--yes" */
	" message TEXT NOT NULL,"
	" seq INTEGER NOT NULL,"
	" PRIMARY KEY (run, idx, seq)) WITHOUT ROWID;",
	/* 12: the ledger's Merkle tree as its perfect subtrees, so proofs read
	 * O(log n) hashes (ledger-tree.h): the node at level (2^level leaves)
	 * that entry seq completes. Filled for the entries already there by
	 * ledger_tree_backfill in the same transaction. Append-only like the
	 * ledger; audit verify recomputes every node from the leaves. */
	"CREATE TABLE ledger_nodes("
	" seq INTEGER NOT NULL CHECK (seq > 0),"
	" level INTEGER NOT NULL CHECK (level BETWEEN 1 AND 62),"
	" hash BLOB NOT NULL CHECK (length(hash) = 32),"
	" PRIMARY KEY (seq, level)) WITHOUT ROWID;"
	"CREATE TRIGGER ledger_nodes_no_update BEFORE UPDATE ON ledger_nodes"
	" BEGIN SELECT RAISE(ABORT, 'the ledger is append-only'); END;"
	"CREATE TRIGGER ledger_nodes_no_delete BEFORE DELETE ON ledger_nodes"
	" BEGIN SELECT RAISE(ABORT, 'the ledger is append-only'); END;",
	/* 13: the requests by state and id, newest first within one: the
	 * console pages the open ones (a few among a long history) and counts
	 * a state by keyset on this index (queue-page.h). */
	"CREATE INDEX IF NOT EXISTS requests_state ON requests(state, id);",
	/* 14: the subject index ends in seq, as PostgreSQL's must (see
	 * schema-pg.c: there the index alone finds a subject's last entry).
	 * SQLite's already held seq as its rowid; naming it keeps the two
	 * schemas' indexes the same. */
	"DROP INDEX ledger_subject;"
	"CREATE INDEX ledger_subject ON ledger(subject, seq);",
	/* 15: a model's alias moves, by subject and seq, the action beside
	 * (record.c's RECORD_MOVES_WHERE, spelt the same so the planner knows
	 * the index holds every row the query wants): a gate finds each
	 * alias's newest move from this index alone, where through the subject
	 * index it read the action of every entry of the model (a thousand on
	 * the bench estate, each a row of the ledger's pages). */
	"CREATE INDEX ledger_moves ON ledger(subject, seq, action) WHERE action || '' IN"
	" ('promotion.apply', 'rollback', 'alias.set', 'alias.imported', 'alias.observed');",
};

/* The migration whose new table ledger_tree_backfill fills. */
#define STORE_TREE_MIGRATION 12

#define STORE_NMIGRATIONS ((int)(sizeof store_migrations / sizeof store_migrations[0]))

int store_sqlite_latest(void)
{
	return STORE_NMIGRATIONS;
}

/* The one place that decides who may read a new store file: its owner
 * only, or with STORE_GROUP the members of the group its folder gives it
 * (see share.c). The -wal and -shm files SQLite makes beside it take the
 * same mode. */
static mode_t store_file_mode(int flags)
{
	return (flags & STORE_GROUP) ? 0660 : 0600;
}

/* Makes the empty file with its mode before SQLite sees it, so the mode does
 * not depend on the umask. Only for a file that does not exist yet: opening
 * and closing a store file outside SQLite would drop the POSIX locks of any
 * connection this process holds on it. */
static int store_create_file(const char *path, int flags, struct err *e)
{
	mode_t mode = store_file_mode(flags);
	int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, mode);

	if (fd < 0 && errno == EEXIST)
		return 1; /* another steward made it just now: open it as it is */
	if (fd < 0)
		return err_set(e, ERR_STORE,
			       "cannot create store %s: its directory is missing or not writable (%s)",
			       path, strerror(errno));
	/* open() applied the umask; the store's mode must not depend on it. */
	if (fchmod(fd, mode) != 0) {
		err_set(e, ERR_STORE, "cannot set the mode of store %s: %s", path, strerror(errno));
		close(fd);
		unlink(path);
		return -1;
	}
	if (close(fd) != 0) {
		unlink(path);
		return err_set(e, ERR_STORE, "cannot create store %s: %s", path, strerror(errno));
	}
	return 0;
}

int store_sqlite_connect(const char *path, int flags, void **conn, struct err *e)
{
	struct stat sb;
	char msg[256];
	int exists, created = 0, r;

	*conn = NULL;
	exists = stat(path, &sb) == 0;
	if (!exists && errno != ENOENT)
		return err_set(e, ERR_IO, "cannot use store %s: %s", path, strerror(errno));
	if (exists && S_ISDIR(sb.st_mode))
		return err_set(e, ERR_INVALID, "%s is a directory, not a store file", path);
	if (!exists && !(flags & STORE_CREATE))
		return err_set(e, ERR_NOTFOUND, "no store at %s (run 'steward init' to create one)", path);
	/* An existing file is never opened here, only by SQLite: whether it is
	 * a database shows at the first read (DB_NOTADB, see store_fail). */
	if (!exists) {
		/* mkdir -p, so the default XDG path just works on a fresh account. */
		if (file_mkparent(path, e) != 0)
			return err_prefix(e, "store %s", path);
		if ((r = store_create_file(path, flags, e)) < 0)
			return -1;
		created = r == 0;
	}
	if (db_sqlite_open(path, (flags & STORE_READONLY) != 0, conn, msg, sizeof msg) != DB_OK) {
		err_set(e, ERR_STORE, "cannot open store %s: %s", path, msg);
		if (created)
			unlink(path);
		return -1;
	}
	if (!(flags & STORE_READONLY) && db_sqlite_readonly(*conn)) {
		db_sqlite_ops.close(*conn);
		*conn = NULL;
		return err_set(e, ERR_STORE,
			       "store %s is not writable by this account: commands that only read, and the console"
			       " (read-only), still work", path);
	}
	return 0;
}

int store_sqlite_version(struct store *st, int *out, struct err *e)
{
	struct db_stmt *s;
	int rc;

	if (store_prepare(st, &s, "PRAGMA user_version", e) != 0)
		return -1;
	rc = db_step(s);
	if (rc != DB_ROW) {
		db_finalize(s);
		return store_fail(st, e, "reading the schema version");
	}
	*out = db_column_int(s, 0);
	db_finalize(s);
	return 0;
}

static int store_sqlite_migrate(struct store *st, void *conn, int from, struct err *e)
{
	char sql[64];
	int v;

	for (v = from; v < STORE_NMIGRATIONS; v++) {
		if (store_begin(st, e) != 0)
			return -1;
		snprintf(sql, sizeof sql, "PRAGMA user_version = %d", v + 1);
		if (store_exec(st, store_migrations[v], "migrating the store", e) != 0 ||
		    (v + 1 == STORE_TREE_MIGRATION && ledger_tree_backfill(&db_sqlite_ops, conn, e) != 0) ||
		    store_exec(st, sql, "migrating the store", e) != 0) {
			store_rollback(st);
			return err_prefix(e, "schema %d", v + 1);
		}
		if (store_commit(st, e) != 0)
			return -1;
	}
	return 0;
}

/* A file at schema 0 with tables belongs to another program: steward
 * must not add its own tables to it. Returns 0 when empty, else -1. */
static int store_sqlite_has_tables(struct store *st, struct err *e)
{
	struct db_stmt *s;
	int n = -1;

	err_clear(e);
	if (store_prepare(st, &s, "SELECT count(*) FROM sqlite_master", e) != 0)
		return -1;
	if (db_step(s) == DB_ROW)
		n = db_column_int(s, 0);
	db_finalize(s);
	if (n < 0)
		return store_fail(st, e, "reading the schema");
	return n == 0 ? 0 : -1;
}

/* A reader who may not write the folder can open a WAL store only when
 * its -wal and -shm files exist (SQLite then reads them without writing);
 * an older steward removed them on close. Says what to do instead of
 * SQLite's "attempt to write a readonly database". */
static void store_sqlite_readonly_hint(struct store *st, void *conn, int flags, struct err *e)
{
	char shm[4200];
	int code = db_sqlite_ops.errcode(conn);

	if (!(flags & STORE_READONLY) || (code != DB_READONLY && code != DB_CANTOPEN))
		return;
	snprintf(shm, sizeof shm, "%s-shm", store_path(st));
	if (access(shm, F_OK) == 0)
		return;
	err_set(e, ERR_STORE,
		"store %s can be read by this account but has no -shm file beside it, and this account may not"
		" create one: open it once as an account that may write it (steward keeps the file from then on)",
		store_path(st));
}

int store_sqlite_schema(struct store *st, void *conn, int flags, struct err *e)
{
	const char *path = store_path(st);
	int version = 0;

	if (store_exec(st, "PRAGMA foreign_keys = ON", "opening the store", e) != 0 ||
	    store_sqlite_version(st, &version, e) != 0) {
		store_sqlite_readonly_hint(st, conn, flags, e);
		return -1;
	}
	if (version == 0 && store_sqlite_has_tables(st, e) != 0) {
		if (e->kind == ERR_OK || e->msg[0] == '\0')
			err_set(e, ERR_STORE,
				"%s is a SQLite database of another program, not a steward store", path);
		return -1;
	}
	/* Asked by SQLite, not by the file's size: a new store's pages may
	 * still all be in its -wal file. */
	if (version == 0 && !(flags & STORE_CREATE))
		return err_set(e, ERR_STORE, "%s is empty, not a steward store (run 'steward init')", path);
	if (version > STORE_NMIGRATIONS)
		return err_set(e, ERR_STORE,
			       "store %s was made by a newer steward (schema %d; this steward knows up to %d)",
			       path, version, STORE_NMIGRATIONS);
	/* 512 KiB of pages, not SQLite's 2 MB: the check reads the ledger
	 * once in order, and its sorts (the metrics check's GROUP BY, its
	 * automatic index and ORDER BY) size their in-memory runs by the
	 * cache, spilling to a temporary file past it: that statement's
	 * SQLite memory peaks at 6.0 MB, not 8.6. */
	if ((flags & STORE_LEAN) && store_exec(st, "PRAGMA cache_size = -512", "opening the store", e) != 0)
		return -1;
	if (flags & STORE_READONLY) {
		if (version < STORE_NMIGRATIONS)
			return err_set(e, ERR_STORE,
				       "store %s has schema %d and needs upgrading to %d: run 'steward init --db %s' once",
				       path, version, STORE_NMIGRATIONS, path);
		return 0;
	}
	/* WAL lets the console read while a plugin worker writes. A
	 * journal_size_limit (any, even this large one) makes the last
	 * writer to close truncate the -wal file it keeps (below) to nothing
	 * after its checkpoint: stale frames left in a kept -wal would be
	 * replayed onto a store file restored from a copy beside it.
	 * synchronous FULL syncs the WAL at every commit. NORMAL would be
	 * safe against a killed process but may lose the last commits on a
	 * power loss, and a lost entry that a checkpoint already covered
	 * (one a witness keeps) would later be re-used by a different entry
	 * at the same seq: a fork of the log, not just a lost write. */
	if (store_exec(st, "PRAGMA journal_mode = WAL", "opening the store", e) != 0 ||
	    store_exec(st, "PRAGMA synchronous = FULL", "opening the store", e) != 0 ||
	    store_exec(st, "PRAGMA journal_size_limit = 67108864", "opening the store", e) != 0 ||
	    store_sqlite_migrate(st, conn, version, e) != 0)
		return -1;
	/* The -wal and -shm files stay when the last writer closes: a reader
	 * who may not write the folder (an auditor) can open a WAL store only
	 * when they exist, and then never creates or writes them. */
	db_sqlite_persist_wal(conn);
	return 0;
}
