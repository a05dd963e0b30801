# pg-attack.sh: whoever holds the runtime role's password, with psql: the facts the ledger's checks trust (meta's log key) are refused them by the server, every other table they can rewrite is caught by audit verify or the gate naming the row, and a store made before meta was the owner's is fixed at the owner's next command.
. "$STEWARD_TOP/tests/lib.sh"
sqlite_suite "it starts PostgreSQL servers of its own, and make test runs it"
. "$STEWARD_TOP/tests/pg-lib.sh"
pg_require

export STEWARD_PASSPHRASE=correct-horse-battery-staple XDG_CONFIG_HOME="$TMPD/cfg" XDG_DATA_HOME="$TMPD/data"
S=$STEWARD
K="$TMPD/keys"
mkdir -p "$K"
U=$PG_RUNTIME_URI
as() {
	w=$1
	shift
	"$S" "$@" --db "$U" --key "$K/$w.key"
}
q() { pg_psql -d steward -tA -c "$1"; }
# mallory SQL: SQL as the runtime role (what its password gives), stopping at the first error.
mallory() { pg_psql -d "$U" -v ON_ERROR_STOP=1 -c "$1"; }
digest() { printf 'sha256:%064d' "$1"; }

for n in ada lena mei mal; do "$S" key gen "$n" --out "$K/$n.key" >/dev/null || fail "key $n"; done
expect 0 "init as the owner" "$S" init --db "$PG_OWNER_URI" --admin ada --admin-key "$K/ada.key"
as ada principal add lena --role ml-lead --pubkey "$K/lena.key.pub" >/dev/null || fail "add lena"
as ada principal add mei --role ml-lead --pubkey "$K/mei.key.pub" >/dev/null || fail "add mei"
expect 0 "enrol the low-tier policy" as ada policy enroll "$STEWARD_TOP/policies/low.policy"
expect 0 "a model" as ada model add ranker --tier low --owner digital
V=$(as ada version add ranker --artifact s3://m/1 --digest "$(digest 1)" --author j.chen) || fail "version"
expect 0 "audit verify before" "$S" audit verify --db "$U"
LOGPUB=$(q "SELECT value FROM meta WHERE key = 'log_key_public'")

# --- meta: the log key the checks trust is the owner's to write ---
expect 1 "the runtime role may not replace the log public key" mallory "UPDATE meta SET value = 'AAAA' WHERE key = 'log_key_public'"
has "the server refuses" "$ERR" "permission denied for table meta"
expect 1 "nor delete the log key's name (checkpoints would stop)" mallory "DELETE FROM meta WHERE key = 'log_key_name'"
has "the server refuses" "$ERR" "permission denied for table meta"
expect 1 "nor add a key" mallory "INSERT INTO meta(key, value) VALUES ('estate', 'demo')"
has "the server refuses" "$ERR" "permission denied for table meta"
expect 1 "nor truncate it" mallory "TRUNCATE meta"
expect 0 "it may still read it" mallory "SELECT value FROM meta WHERE key = 'log_key_public'"
same "the public key is unchanged" "$(q "SELECT value FROM meta WHERE key = 'log_key_public'")" "$LOGPUB"
expect 0 "and steward as the runtime role still works" as ada model add fraud --tier low --owner risk

# --- a store made before: the runtime role could write meta ---
pg_psql -d "$PG_OWNER_URI" -c "GRANT INSERT, UPDATE, DELETE ON meta TO steward" >/dev/null || fail "the old grants"
expect 0 "the old grants let the runtime role write meta" mallory "UPDATE meta SET value = value WHERE key = 'log_key_name'"
expect 0 "the runtime role opening the old store still works" "$S" model list --db "$U"
expect 0 "and changes nothing (it cannot)" mallory "UPDATE meta SET value = value WHERE key = 'log_key_name'"
expect 0 "the owner runs init again (as after any upgrade)" "$S" init --db "$PG_OWNER_URI"
expect 1 "has taken meta back" mallory "UPDATE meta SET value = 'AAAA' WHERE key = 'log_key_public'"
has "the server refuses" "$ERR" "permission denied for table meta"
same "the schema version did not move" "$(q "SELECT version FROM schema_version")" 15
same "every other grant is as before" \
	"$(q "SELECT string_agg(t || ':' || has_table_privilege('steward', t, 'INSERT')::int || has_table_privilege('steward', t, 'UPDATE')::int, ' ' ORDER BY t)
	   FROM unnest(ARRAY['ledger', 'checkpoints', 'approvals', 'models', 'principal_roles', 'meta']) t")" \
	"approvals:10 checkpoints:10 ledger:10 meta:00 models:11 principal_roles:11"
expect 0 "audit verify" "$S" audit verify --db "$U"

# --- the tables it can still write are caches the ledger covers ---
# A role for itself: lena made admin in the cache.
expect 0 "mallory writes lena an admin role" mallory \
	"INSERT INTO principal_roles SELECT id, 'admin', 1, NULL FROM principals WHERE name = 'lena'"
expect 1 "the gate goes by the ledger's keyring: lena is still no admin" as lena principal add mal --role admin --pubkey "$K/mal.key.pub"
expect 1 "audit verify names the forged role" "$S" audit verify --db "$U"
has "names lena" "$OUT$ERR" "lena"
mallory "DELETE FROM principal_roles WHERE role = 'admin' AND principal_id = (SELECT id FROM principals WHERE name = 'lena')" >/dev/null
expect 0 "put back, it verifies" "$S" audit verify --db "$U"

# A key of its own for lena.
mal_id=$(od -An -N8 -tx1 /dev/urandom | tr -d ' \n')
expect 0 "mallory adds a key to lena" mallory \
	"INSERT INTO principal_keys(key_id, principal_id, public, added_ver) SELECT '$mal_id', id, 'AAAA', 1 FROM principals WHERE name = 'lena'"
expect 1 "audit verify names the forged key" "$S" audit verify --db "$U"
has "names the key" "$OUT$ERR" "$mal_id"
mallory "DELETE FROM principal_keys WHERE key_id = '$mal_id'" >/dev/null

# A policy enrolment rewritten: the gate reads the signed enrolment in the ledger.
expect 0 "mallory rewrites the enrolled policy" mallory "UPDATE policies SET text = 'require approvals 0'"
expect 1 "audit verify names the policy" "$S" audit verify --db "$U"
has "names it" "$OUT$ERR" "is not the text ledger entry"
R=$(as lena promote request ranker "$V" --to production) || fail "request"
expect 1 "the gate still wants the enrolled policy's approvals" as lena promote apply "$R"
mallory "UPDATE policies p SET text = CAST(l.body AS json)->'data'->>'text' FROM ledger l WHERE l.seq = p.seq" >/dev/null
expect 0 "put back, it verifies" "$S" audit verify --db "$U"

# A checkpoint it signs itself (it has no log key): refused by audit verify.
N=$(q "SELECT max(seq) FROM ledger")
expect 0 "mallory inserts a checkpoint" mallory \
	"INSERT INTO checkpoints(size, time, root, note) VALUES ($N + 5, 0, decode(repeat('00', 32), 'hex'), 'forged')"
expect 1 "audit verify refuses the forged checkpoint" "$S" audit verify --db "$U"
has "names it" "$OUT$ERR" "checkpoint"

finish
