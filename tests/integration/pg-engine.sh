#!/bin/sh
# pg-engine: the PostgreSQL engine (core/db-pg.c), its schema and roles (core/schema-pg.c) and scripts/pg-setup, against a real throwaway server.
. "$STEWARD_TOP/tests/lib.sh"
sqlite_suite "it starts PostgreSQL servers of its own, and make test runs it"
. "$STEWARD_TOP/tests/pg-lib.sh"

pg_require

PGT=$(dirname "$STEWARD")/tests/pg/pg-engine
if [ ! -x "$PGT" ]; then
	fail "no $PGT: make $PGT"
	finish
	exit 1
fi

# engine DESC ARGS...: runs the C tests and adds their counts to this suite's.
engine() {
	engine_desc=$1
	shift
	"$PGT" "$@" >"$TMPD/engine.out" 2>&1
	engine_rc=$?
	grep '^FAIL ' "$TMPD/engine.out"
	engine_line=$(grep '^pg-engine: passed=' "$TMPD/engine.out" | tail -n 1)
	engine_p=$(printf '%s' "$engine_line" | sed -n 's/.*passed=\([0-9]*\).*/\1/p')
	engine_f=$(printf '%s' "$engine_line" | sed -n 's/.*failed=\([0-9]*\).*/\1/p')
	T_PASS=$((T_PASS + ${engine_p:-0}))
	T_FAIL=$((T_FAIL + ${engine_f:-0}))
	if [ "$engine_rc" -ge 128 ] || [ -z "$engine_line" ]; then
		fail "$engine_desc: exit $engine_rc without a result: $(grep -v '^FAIL ' "$TMPD/engine.out" | tail -n 20)"
	elif [ "$engine_rc" -ne 0 ] && [ "${engine_f:-0}" -eq 0 ]; then
		fail "$engine_desc: exit $engine_rc: $(tail -n 5 "$TMPD/engine.out")"
	fi
}

# q SQL [psql options]: one value from the superuser's psql, on database steward unless -d says otherwise.
q() {
	q_sql=$1
	shift
	printf '%s\n' "$q_sql" | pg_psql -tA -d steward "$@"
}

# ---- the engine, the schema, the roles (C) ----
engine "the engine" engine

# ---- a read-only console on a hot standby (PostgreSQL's own replication) ----
pg_standby_start
engine "a standby" standby "$PG_OWNER_URI" "$PG_STANDBY_URI"

# ---- the schema is SQLite's at version 14 ----
# One difference, on purpose: a ledger body (ASCII JSON, bound as text on
# both engines) is TEXT, so json_extract reads it the same way on both.
expect 0 "a SQLite store to compare with" "$STEWARD" init --db "$TMPD/s.db"
sqlite3 "$TMPD/s.db" >"$TMPD/sqlite.cols" <<'EOF'
SELECT m.name || '.' || p.name || ' ' ||
       CASE WHEN m.name = 'ledger' AND p.name = 'body' THEN 'text'
            WHEN p.type = 'INTEGER' THEN 'bigint' WHEN p.type = 'TEXT' THEN 'text' WHEN p.type = 'BLOB' THEN 'bytea'
            WHEN p.type = 'REAL' THEN 'double precision' ELSE p.type END || ' ' ||
       (p."notnull" OR p.pk > 0) || ' ' || (p.pk > 0) || ' ' || coalesce(p.dflt_value, '')
  FROM sqlite_master m, pragma_table_info(m.name) p WHERE m.type = 'table' ORDER BY m.name, p.cid;
EOF
q "SELECT c.table_name || '.' || c.column_name || ' ' || c.data_type || ' ' ||
          (c.is_nullable = 'NO')::int || ' ' ||
          (EXISTS (SELECT 1 FROM pg_index x JOIN pg_attribute a ON a.attrelid = x.indrelid AND a.attnum = ANY (x.indkey)
                    WHERE x.indisprimary AND x.indrelid = ('public.' || quote_ident(c.table_name))::regclass
                      AND a.attname = c.column_name))::int || ' ' ||
          regexp_replace(regexp_replace(coalesce(c.column_default, ''), '::[a-z ]+\$', ''), '^''(-?[0-9]+)''\$', '\1')
     FROM information_schema.columns c
    WHERE c.table_schema = 'public' AND c.table_name <> 'schema_version'
    ORDER BY c.table_name, c.ordinal_position" >"$TMPD/pg.cols"
same "every table and column, in order, with its type, NOT NULL, key and default" \
	"$(diff "$TMPD/sqlite.cols" "$TMPD/pg.cols" && echo same)" same
same "the SQLite store has the tables the C test counted (44 with schema_version)" \
	"$(sqlite3 "$TMPD/s.db" "SELECT count(*) + 1 FROM sqlite_master WHERE type = 'table'")" 44

sqlite3 "$TMPD/s.db" >"$TMPD/sqlite.idx" <<'EOF'
SELECT m.name || ' ' || m.tbl_name || '(' || (SELECT group_concat(name, ',') FROM
         (SELECT name FROM pragma_index_info(m.name) ORDER BY seqno)) || ')' ||
       CASE WHEN m.sql LIKE '% WHERE %' THEN ' partial' ELSE '' END
  FROM sqlite_master m WHERE m.type = 'index' AND m.sql IS NOT NULL ORDER BY m.name;
EOF
q "SELECT i.relname || ' ' || t.relname || '(' ||
          (SELECT string_agg(a.attname, ',' ORDER BY k.ord) FROM unnest(x.indkey) WITH ORDINALITY k(attnum, ord)
             JOIN pg_attribute a ON a.attrelid = x.indrelid AND a.attnum = k.attnum) || ')' ||
          CASE WHEN x.indpred IS NOT NULL THEN ' partial' ELSE '' END
     FROM pg_index x JOIN pg_class i ON i.oid = x.indexrelid JOIN pg_class t ON t.oid = x.indrelid
    WHERE t.relnamespace = 'public'::regnamespace AND NOT x.indisprimary
      AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = x.indexrelid)
    ORDER BY i.relname" >"$TMPD/pg.idx"
same "every index, its columns in order and whether it is partial" "$(diff "$TMPD/sqlite.idx" "$TMPD/pg.idx" && echo same)" same
has "the comparison saw the indexes" "$(cat "$TMPD/pg.idx")" "lineage_runs_mlflow lineage_runs(mlflow_run) partial"

sqlite3 "$TMPD/s.db" >"$TMPD/sqlite.uniq" <<'EOF'
SELECT m.name || '(' || (SELECT group_concat(name, ',') FROM (SELECT name FROM pragma_index_info(il.name) ORDER BY seqno)) || ')'
  FROM sqlite_master m, pragma_index_list(m.name) il WHERE m.type = 'table' AND il.origin = 'u' ORDER BY 1;
EOF
q "SELECT c.conrelid::regclass || '(' || string_agg(a.attname, ',' ORDER BY k.ord) || ')'
     FROM pg_constraint c, unnest(c.conkey) WITH ORDINALITY k(attnum, ord), pg_attribute a
    WHERE c.contype = 'u' AND c.connamespace = 'public'::regnamespace AND a.attrelid = c.conrelid AND a.attnum = k.attnum
    GROUP BY c.oid, c.conrelid ORDER BY 1" >"$TMPD/pg.uniq"
same "every UNIQUE constraint" "$(diff "$TMPD/sqlite.uniq" "$TMPD/pg.uniq" && echo same)" same
same "ten of them" "$(wc -l <"$TMPD/pg.uniq" | tr -d ' ')" 10

sqlite3 "$TMPD/s.db" >"$TMPD/sqlite.fk" <<'EOF'
SELECT m.name || '.' || f."from" || ' -> ' || f."table" || '.' || f."to"
  FROM sqlite_master m, pragma_foreign_key_list(m.name) f WHERE m.type = 'table' ORDER BY 1;
EOF
q "SELECT c.conrelid::regclass || '.' || a.attname || ' -> ' || c.confrelid::regclass || '.' || b.attname
     FROM pg_constraint c
     JOIN pg_attribute a ON a.attrelid = c.conrelid AND a.attnum = c.conkey[1]
     JOIN pg_attribute b ON b.attrelid = c.confrelid AND b.attnum = c.confkey[1]
    WHERE c.contype = 'f' AND c.connamespace = 'public'::regnamespace ORDER BY 1" >"$TMPD/pg.fk"
same "every foreign key" "$(diff "$TMPD/sqlite.fk" "$TMPD/pg.fk" && echo same)" same

sqlite3 "$TMPD/s.db" "SELECT name FROM sqlite_master WHERE type = 'trigger' ORDER BY 1" >"$TMPD/sqlite.trig"
q "SELECT tgname FROM pg_trigger WHERE NOT tgisinternal AND tgname NOT LIKE '%_truncate' ORDER BY 1" >"$TMPD/pg.trig"
same "every trigger (PostgreSQL adds TRUNCATE ones)" "$(diff "$TMPD/sqlite.trig" "$TMPD/pg.trig" && echo same)" same
same "every CHECK of SQLite's, counted" "$(q "SELECT count(*) FROM pg_constraint WHERE contype = 'c' AND connamespace = 'public'::regnamespace AND conrelid <> 'schema_version'::regclass")" \
	"$(sqlite3 "$TMPD/s.db" "SELECT sum((length(sql) - length(replace(sql, 'CHECK (', ''))) / 7) FROM sqlite_master WHERE type = 'table'")"
same "identity columns: the keys the code inserts without a value" \
	"$(q "SELECT string_agg(table_name, ' ' ORDER BY table_name) FROM information_schema.columns WHERE table_schema = 'public' AND is_identity = 'YES'")" \
	"approvals lineage_datasets lineage_dsv lineage_jobs lineage_runs models policies principals promotions requests versions"

# Text sorts bytewise, as in SQLite.
same "ORDER BY is bytewise (collation C)" "$(q "SELECT string_agg(x, '' ORDER BY x) FROM (VALUES ('a'), ('B'), ('_'), ('é'), ('Z')) v(x)")" \
	"$(sqlite3 :memory: "SELECT group_concat(x, '') FROM (SELECT column1 AS x FROM (VALUES ('a'), ('B'), ('_'), ('é'), ('Z')) ORDER BY 1)")"

# ---- scripts/pg-setup ----
same "the database: UTF8, C, C, the owner's" \
	"$(q "SELECT pg_encoding_to_char(encoding) || ' ' || datcollate || ' ' || datctype || ' ' || pg_get_userbyid(datdba) FROM pg_database WHERE datname = 'steward'")" \
	"UTF8 C C steward_owner"
same "the roles log in and nothing more" \
	"$(q "SELECT string_agg(rolname || ':' || rolcanlogin::int || rolsuper::int || rolcreatedb::int || rolcreaterole::int, ' ' ORDER BY rolname)
	   FROM pg_roles WHERE rolname IN ('steward', 'steward_owner')")" \
	"steward:1000 steward_owner:1000"
same "the runtime role is recorded on the database" "$(q "SELECT current_setting('steward.runtime_role')")" steward
same "the owner owns the public schema" "$(q "SELECT pg_get_userbyid(nspowner) FROM pg_namespace WHERE nspname = 'public'")" steward_owner
same "what the runtime may do" \
	"$(q "SELECT string_agg(t || ':' || has_table_privilege('steward', t, 'SELECT')::int::text || has_table_privilege('steward', t, 'INSERT')::int
	     || has_table_privilege('steward', t, 'UPDATE')::int || has_table_privilege('steward', t, 'DELETE')::int
	     || has_table_privilege('steward', t, 'TRUNCATE')::int, ' ' ORDER BY t)
	   FROM unnest(ARRAY['ledger', 'ledger_nodes', 'checkpoints', 'approvals', 'schema_version', 'models', 'meta', 'series']) t")" \
	"approvals:11000 checkpoints:11000 ledger:11000 ledger_nodes:11000 meta:10000 models:11110 schema_version:10000 series:11110"
same "and the sequences" \
	"$(q "SELECT bool_and(has_sequence_privilege('steward', c.oid, 'USAGE')) || ' ' || count(*) FROM pg_class c WHERE c.relkind = 'S' AND c.relnamespace = 'public'::regnamespace")" \
	"true 11"

q "CREATE ROLE outsider LOGIN" >/dev/null
run psql -X -h "$PG_DIR" -p "$PGPORT" -U outsider -d steward -c "SELECT 1"
same "another role may not connect" "$RC" 2
has "it is told why" "$ERR" "permission denied for database"

# Run again (as after steward init): it changes nothing but the grants, which it puts back.
q "REVOKE INSERT ON ledger FROM steward; GRANT UPDATE ON ledger TO steward" >/dev/null
expect 0 "pg-setup again" "$STEWARD_TOP/scripts/pg-setup" --admin "host=$PG_DIR port=$PGPORT user=postgres dbname=postgres"
has "it says what it set up" "$OUT" "database steward owned by steward_owner; steward connects as steward"
same "the runtime's grants are back" \
	"$(q "SELECT has_table_privilege('steward', 'ledger', 'INSERT')::int::text || has_table_privilege('steward', 'ledger', 'UPDATE')::int")" 10
run psql -X "$PG_RUNTIME_TCP_URI" -tA -c "SELECT 1"
same "the password still works" "$OUT" 1

expect 0 "--help" "$STEWARD_TOP/scripts/pg-setup" --help
has "--help names the options" "$OUT" "--runtime-password-file FILE"
has "--help says what it does" "$OUT" "LC_COLLATE and LC_CTYPE 'C'"
expect 2 "an unknown option" "$STEWARD_TOP/scripts/pg-setup" --bogus
has "is named" "$ERR" "unknown option --bogus"
expect 2 "an option without its value" "$STEWARD_TOP/scripts/pg-setup" --db
expect 1 "one role for both" "$STEWARD_TOP/scripts/pg-setup" --owner same --runtime same
has "is refused" "$ERR" "must differ"
expect 1 "a missing password file" "$STEWARD_TOP/scripts/pg-setup" --runtime-password-file "$TMPD/nope"
has "is named" "$ERR" "cannot read password file $TMPD/nope"
: >"$TMPD/empty.pw"
expect 1 "an empty password file" "$STEWARD_TOP/scripts/pg-setup" --owner-password-file "$TMPD/empty.pw"
has "is refused" "$ERR" "is empty"
expect 1 "no server" "$STEWARD_TOP/scripts/pg-setup" --admin "host=$TMPD port=1 user=postgres dbname=postgres"
has "says it cannot reach it" "$ERR" "cannot reach the server"
expect 1 "not a superuser" "$STEWARD_TOP/scripts/pg-setup" --admin "host=$PG_DIR port=$PGPORT user=steward_owner dbname=steward"
has "is refused" "$ERR" "is not a superuser"
q "CREATE DATABASE ascii ENCODING 'SQL_ASCII' LC_COLLATE 'C' LC_CTYPE 'C' TEMPLATE template0" -d postgres >/dev/null
expect 1 "an existing database in another encoding" "$STEWARD_TOP/scripts/pg-setup" --db ascii \
	--admin "host=$PG_DIR port=$PGPORT user=postgres dbname=postgres"
has "is refused, saying why" "$ERR" "database ascii exists with encoding SQL_ASCII, collation C, ctype C; steward needs UTF8, C, C"
q "CREATE DATABASE theirs ENCODING 'UTF8' LC_COLLATE 'C' LC_CTYPE 'C' TEMPLATE template0" -d postgres >/dev/null
expect 1 "an existing database of another owner" "$STEWARD_TOP/scripts/pg-setup" --db theirs \
	--admin "host=$PG_DIR port=$PGPORT user=postgres dbname=postgres"
has "is refused" "$ERR" "database theirs exists but is not owned by role steward_owner"

# Names with quotes and spaces reach SQL only as psql variables.
printf 'pw with spaces '"'"'and quotes"\n' >"$TMPD/odd.pw"
expect 0 "odd names" "$STEWARD_TOP/scripts/pg-setup" --owner 'own"er' --runtime "run'time" --db 'db name;x' \
	--runtime-password-file "$TMPD/odd.pw" --admin "host=$PG_DIR port=$PGPORT user=postgres dbname=postgres"
same "the roles, exactly" "$(q "SELECT string_agg(rolname, '|' ORDER BY rolname) FROM pg_roles WHERE rolname IN ('own\"er', 'run''time')")" \
	"own\"er|run'time"
same "the database, exactly" "$(q "SELECT pg_get_userbyid(datdba) || '|' || datcollate FROM pg_database WHERE datname = 'db name;x'")" \
	"own\"er|C"
engine "the schema and roles on odd names" schema \
	"postgresql://own%22er@/db%20name%3Bx?host=$PG_DIR&port=$PGPORT" \
	"postgresql://run%27time:pw%20with%20spaces%20%27and%20quotes%22@127.0.0.1:$PGPORT/db%20name%3Bx" \
	"run'time"

finish
