# pg-sync.sh: an MLflow sync into a PostgreSQL store: every record lands in one transaction, which must survive the statements PostgreSQL refuses where SQLite would not (a version's stamp, a statement whose parameters the server cannot type); a stamp that cannot be written is left to the next sync.
. "$STEWARD_TOP/tests/lib.sh"
sqlite_suite "it starts PostgreSQL servers of its own, and make test runs it"
. "$STEWARD_TOP/tests/integration/lib-mlflow.sh"
. "$STEWARD_TOP/tests/pg-lib.sh"
pg_require

export STEWARD_NOW=$(date +%s) # MLflow stamps real times; the clocks must agree
export STEWARD_PASSPHRASE=correct-horse-battery-staple XDG_CONFIG_HOME="$TMPD/cfg" XDG_DATA_HOME="$TMPD/data"
U=$PG_RUNTIME_URI
K="$TMPD/keys"
mkdir -p "$K"
q() { pg_psql -d steward -tA -c "$1"; }

mlflow_start
expect 0 "populate MLflow" mlfx populate --models 2 --versions 2
for n in ada ci; do "$STEWARD" key gen "$n" --out "$K/$n.key" >/dev/null || fail "key $n"; done
expect 0 "init as the owner" "$STEWARD" init --db "$PG_OWNER_URI" --admin ada --admin-key "$K/ada.key"
"$STEWARD" principal add ci --role pipeline --pubkey "$K/ci.key.pub" --db "$U" --key "$K/ada.key" >/dev/null || fail "add ci"
CFG="$TMPD/steward.conf"
printf '[plugin ml]\ntype = mlflow\nurl = %s\ntimeout = 10\n' "$MLFLOW_URL" >"$CFG"
sync_() { "$STEWARD" sync --db "$U" --config "$CFG" --key "$K/ci.key" "$@"; }

expect 0 "the first sync commits" sync_ --json
same "4 versions" "$(j '$[0].versions')" 4
same "they are in the store" "$(q "SELECT count(*) FROM versions")" 4
same "each with its stamp" "$(q "SELECT count(*) FROM version_sync WHERE stamp <> ''")" 4
expect 0 "a second sync" sync_ --json
same "skips every version by its stamp" "$(j '$[0].skipped') $(j '$[0].versions')" "4 0"
expect 0 "sync --full" sync_ --full --json
same "a full pass reads every version" "$(j '$[0].full') $(j '$[0].versions')" "1 4"

# A stamp the server refuses (a trigger, as a lock timeout or a full disk would) is left for the next sync.
q "CREATE FUNCTION refuse_stamp() RETURNS trigger LANGUAGE plpgsql AS \$\$ BEGIN RAISE EXCEPTION 'no stamps today'; END \$\$;
   CREATE TRIGGER refuse_stamp BEFORE UPDATE OF stamp ON version_sync FOR EACH ROW EXECUTE FUNCTION refuse_stamp();" >/dev/null ||
	fail "the refusing trigger"
q "UPDATE version_sync SET stamp = 'old' WHERE version_id = (SELECT min(version_id) FROM version_sync)" >/dev/null 2>&1 &&
	fail "the trigger did not refuse"
pg_psql -d steward -c "ALTER TABLE version_sync DISABLE TRIGGER refuse_stamp" >/dev/null
q "UPDATE version_sync SET stamp = 'old' WHERE version_id = (SELECT min(version_id) FROM version_sync)" >/dev/null
pg_psql -d steward -c "ALTER TABLE version_sync ENABLE TRIGGER refuse_stamp" >/dev/null
expect 0 "a sync whose stamp is refused still commits" sync_ --json
same "it read the version with the old stamp" "$(j '$[0].versions')" 1
same "its stamp is still the old one" "$(q "SELECT count(*) FROM version_sync WHERE stamp = 'old'")" 1
expect 0 "audit verify" "$STEWARD" audit verify --db "$U"
q "DROP TRIGGER refuse_stamp ON version_sync" >/dev/null
expect 0 "once the server takes stamps again" sync_ --json
same "the stamp is written" "$(q "SELECT count(*) FROM version_sync WHERE stamp = 'old'")" 0

mlflow_stop
finish
