# console-mlflow.sh: an SRE rolls a model synced from a real MLflow server back from the console: MLflow's alias moves first, then the ledger records it; MLflow's refusal is shown and nothing is recorded.
. "$STEWARD_TOP/tests/lib.sh"
. "$STEWARD_TOP/tests/integration/lib-mlflow.sh"
# The newest series: the CLI's moves through the plugin are tested on both in mlflow.sh.
mlflow_series 3

export STEWARD_NOW=$(date +%s) # MLflow stamps real times; the clocks must agree
export LC_ALL=C.UTF-8
DB="$TMPD/s.db"
K="$TMPD/keys"
mkdir -p "$K"
PW=correct-horse-battery-staple
export STEWARD_PASSPHRASE=$PW XDG_CONFIG_HOME="$TMPD/cfg"

mlflow_start
expect 0 "populate MLflow with its own client" mlfx populate --models 1 --versions 3

as() {
	who=$1
	shift
	"$STEWARD" "$@" --db "$DB" --key "$K/$who.key"
}
"$STEWARD" init --db "$DB" --admin ada >/dev/null || fail "init"
cp "$TMPD/cfg/steward/keys/ada.key" "$K/ada.key"
for p in lena:ml-lead mei:ml-lead sami:sre ci:pipeline; do
	n=${p%%:*}
	"$STEWARD" key gen "$n" --out "$K/$n.key" >/dev/null || fail "key $n"
	as ada principal add "$n" --role "${p#*:}" --pubkey "$K/$n.key.pub" >/dev/null || fail "add $n"
done
cp "$STEWARD_TOP/policies/low.policy" "$TMPD/low.policy"
as ada policy enroll "$TMPD/low.policy" >/dev/null || fail "enrol"
CFG="$TMPD/steward.conf"
printf '[plugin ml]\ntype = mlflow\nurl = %s\ntimeout = 10\n' "$MLFLOW_URL" >"$CFG"
sync_() { "$STEWARD" sync --db "$DB" --config "$CFG" --key "$K/ci.key" "$@"; }
# ml_alias MODEL ALIAS: the version MLflow's REST API says the alias points at ("" when none).
# (mlapi sets HTTP: not in a $(...) subshell)
ml_alias() {
	mlapi "mlflow/registered-models/alias?name=$1&alias=$2" >"$TMPD/ml.json"
	[ "$HTTP" = 200 ] || return 0
	sqlite3 :memory: "SELECT json_extract(CAST(readfile('$TMPD/ml.json') AS TEXT), '\$.model_version.version')"
}
ml_tag() {
	mlapi "mlflow/model-versions/get?name=$1&version=$2" >"$TMPD/json"
	sqlite3 :memory: "SELECT json_extract(value, '\$.value') FROM json_each(CAST(readfile('$TMPD/json') AS TEXT), '\$.model_version.tags')
		WHERE json_extract(value, '\$.key') = '$3'"
}
st_alias() {
	store_sql "$DB" "SELECT v.version FROM aliases a JOIN versions v ON v.id = a.version_id JOIN models m ON m.id = a.model_id
		WHERE m.name = '$1' AND a.alias = '$2'"
}
# What sami signed: the console's own background syncs record what they observe meanwhile.
entries() { store_sql "$DB" "SELECT count(*) FROM ledger WHERE actor = 'sami'"; }
# console KEYS: sami's scripted console session with the plugin configuration; the screen in $SCREEN.
console() {
	printf '%s' "$1" >"$TMPD/script"
	expect 0 "console session" "$STEWARD" --db "$DB" --key "$K/sami.key" --config "$CFG" --script "$TMPD/script" \
		--dump "$TMPD/screen" --size 200x30
	SCREEN=$(cat "$TMPD/screen")
}
# promote V: a governed promotion of model-001 vV to production through the CLI.
promote() {
	R=$(as lena promote request model-001 "$1" --to production) || fail "request v$1"
	as mei approve "$R" >/dev/null || fail "approve v$1"
	expect 0 "promote v$1 through MLflow" as lena promote apply "$R" --config "$CFG"
}

expect 0 "sync" sync_
promote 3
same "MLflow's production on 3" "$(ml_alias model-001 production)" 3
expect 0 "a new version in MLflow" mlfx add-version model-001
V4=$OUT
mlfx set-alias model-001 staging "$V4" >/dev/null || fail "stage v$V4"
sync_ >/dev/null || fail "sync v$V4"
promote "$V4"
mlfx set-alias model-001 staging 3 >/dev/null || fail "staging back"
sync_ >/dev/null || fail "sync staging back"
same "MLflow's production on v$V4" "$(ml_alias model-001 production)" "$V4"

# --- the SRE's journey: the model screen, R, a reason, y, the passphrase ---
N0=$(entries)
console "/model-001<Enter><Enter>R"
has "R offered on a synced model: the reason is asked" "$SCREEN" "reason for rolling back model-001"
console "/model-001<Enter><Enter>Rp99 latency doubled after v$V4<Enter>"
has "the confirmation names the move" "$SCREEN" "roll back production of model-001 from v$V4 to v3"
console "/model-001<Enter><Enter>Rp99 latency doubled after v$V4<Enter>y$PW<Enter>"
has "done through MLflow" "$SCREEN" "rolled production of model-001 back from v$V4 to v3 through ml"
lacks "the passphrase never on screen" "$SCREEN" "$PW"
same "MLflow's alias moved (its REST API)" "$(ml_alias model-001 production)" 3
same "with the decision's evidence" "$(ml_tag model-001 3 steward.decision)" rollback
same "steward's alias moved" "$(st_alias model-001 production)" 3
same "one ledger entry" "$(entries)" $((N0 + 1))
same "sami's rollback in the ledger" "$(store_sql "$DB" "SELECT actor || ' ' || action || ' ' || subject FROM ledger ORDER BY seq DESC LIMIT 1")" \
	"sami rollback models:/model-001/3"
same "the tag names the entry" "$(ml_tag model-001 3 steward.ledger_seq)" "$(store_sql "$DB" "SELECT max(seq) FROM ledger")"
has "the reason recorded" "$(store_sql "$DB" "SELECT CAST(body AS TEXT) FROM ledger ORDER BY seq DESC LIMIT 1")" "p99 latency doubled"
expect 0 "the ledger verifies" "$STEWARD" audit verify --db "$DB"
expect 0 "a sync afterwards" sync_ --json
same "sees nothing unapproved" "$(j '$[0].unapproved_changes')" 0

# --- MLflow refuses: the rollback target was deleted in MLflow meanwhile ---
mlfx set-alias model-001 staging "$V4" >/dev/null || fail "stage v$V4 again"
sync_ >/dev/null || fail "sync v$V4 staged"
promote "$V4"
same "production on v$V4 again" "$(ml_alias model-001 production)" "$V4"
mlapi mlflow/model-versions/delete -X DELETE -H 'Content-Type: application/json' -d '{"name": "model-001", "version": "3"}' >/dev/null
same "v3 deleted in MLflow" "$HTTP" 200
N0=$(entries)
console "/model-001<Enter><Enter>Rback to 3<Enter>y$PW<Enter>"
has "MLflow's refusal shown" "$SCREEN" "the registry refused the change, nothing was recorded"
has "in MLflow's own words" "$SCREEN" "RESOURCE_DOES_NOT_EXIST"
same "nothing recorded" "$(entries)" "$N0"
same "MLflow's alias unchanged" "$(ml_alias model-001 production)" "$V4"
same "steward's alias unchanged" "$(st_alias model-001 production)" "$V4"

finish
