# mlflow3.sh: steward against a real MLflow 3 server on MLflow 3's own paths: logged models (models:/m-<id> sources) digested from their bytes, metrics linked to datasets, authors, names.
. "$STEWARD_TOP/tests/lib.sh"
. "$STEWARD_TOP/tests/integration/lib-mlflow.sh"
mlflow_series 3

export STEWARD_NOW=$(date +%s) # MLflow stamps real times; the clocks must agree
DB="$TMPD/s.db"
K="$TMPD/keys"
mkdir -p "$K"
export STEWARD_PASSPHRASE=correct-horse-battery-staple XDG_CONFIG_HOME="$TMPD/cfg"

mlflow_start
"$STEWARD" init --db "$DB" --admin ada >/dev/null || fail "init"
cp "$TMPD/cfg/steward/keys/ada.key" "$K/ada.key"
"$STEWARD" key gen ci --out "$K/ci.key" >/dev/null || fail "key ci"
"$STEWARD" principal add ci --role pipeline --pubkey "$K/ci.key.pub" --db "$DB" --key "$K/ada.key" >/dev/null ||
	fail "add ci"
CFG="$TMPD/steward.conf"
printf '[plugin ml]\ntype = mlflow\nurl = %s\ntimeout = 20\n' "$MLFLOW_URL" >"$CFG"
sync_() { "$STEWARD" sync --db "$DB" --config "$CFG" --key "$K/ci.key" "$@"; }
vcol() { store_sql "$DB" "SELECT $3 FROM versions v JOIN models m ON m.id = v.model_id LEFT JOIN version_sync s ON s.version_id = v.id WHERE m.name = '$1' AND v.version = $2"; }
metric() { store_sql "$DB" "SELECT e.dataset FROM eval_metrics e JOIN versions v ON v.id = e.version_id JOIN models m ON m.id = v.model_id WHERE m.name = '$1' AND v.version = $2 AND e.name = '$3' AND e.slice = '$4'"; }
# want_manifest JSON: the digest steward must compute, from the fixture's own download ([{path, size, sha256}])
want_manifest() {
	printf '%s' "$1" >"$TMPD/files.json"
	sqlite3 :memory: "SELECT json_extract(value,'\$.path') || char(9) || json_extract(value,'\$.size') || char(9) || json_extract(value,'\$.sha256')
		FROM json_each(CAST(readfile('$TMPD/files.json') AS TEXT))" >"$TMPD/manifest"
	echo "sha256:$(sha256sum "$TMPD/manifest" | cut -d' ' -f1)"
}

# --- MLflow 3's default path: log_model(..., registered_model_name=...) ---
expect 0 "log a model the MLflow 3 way" mlfx log-model fraud-scoring --user r.okafor --dataset holdout-2025q4
same "version 1" "$OUT" 1
expect 0 "describe it" mlfx describe fraud-scoring 1
SRC=$(j '$.source')
has "its source is a logged model" "$SRC" "models:/m-"
expect 0 "sync" sync_ --json
same "not partial" "$(j '$[0].partial')" 0
expect 0 "the logged model's files by MLflow's own client" mlfx logged-model-files fraud-scoring 1
same "the digest is over the logged model's bytes" "$(vcol fraud-scoring 1 v.digest)" "$(want_manifest "$OUT")"
same "verified" "$(vcol fraud-scoring 1 s.digest_state)" verified
lacks "never the digest of nothing" "$(vcol fraud-scoring 1 v.digest)" "sha256:e3b0c44298fc1c149afbf4c8996fb924"
same "the author is the run's user" "$(vcol fraud-scoring 1 v.author)" r.okafor
same "a metric logged with dataset= has that dataset" "$(metric fraud-scoring 1 auc '')" holdout-2025q4
same "its slices too" "$(metric fraud-scoring 1 auc region=EU)" holdout-2025q4
expect 0 "an unchanged sync" sync_ --json
same "skips it" "$(j '$[0].skipped') $(j '$[0].versions')" "1 0"

# --- register_model("runs:/<run>/model") of a logged model: the same models:/m-<id> path ---
expect 0 "log without registering" mlfx log-model fraud-scoring --no-register
expect 0 "its run" sh -c "printf '%s\n' '$ERR' | grep '^{' | tail -n 1"
RUN=$(j '$.run_id')
expect 0 "register runs:/<run>/model" mlfx register fraud-scoring "runs:/$RUN/model"
V=$OUT
has "registered from the logged model" "$ERR" "models:/m-"
expect 0 "sync" sync_ --json
expect 0 "its files" mlfx logged-model-files fraud-scoring "$V"
same "digested from the bytes" "$(vcol fraud-scoring "$V" v.digest)" "$(want_manifest "$OUT")"

# --- a run with no user: MLflow records "unknown", which names nobody ---
expect 0 "a version with no author anywhere" mlfx add-version fraud-scoring --no-user
NV=$OUT
expect 0 "sync" sync_ --json
same "the author is unknown, not 'unknown'" "$(vcol fraud-scoring "$NV" v.author)" ""
# ... and separation of duties says UNKNOWN for it, never PASS
for t in low medium high critical; do
	cp "$STEWARD_TOP/policies/$t.policy" "$TMPD/$t.policy"
	"$STEWARD" policy enroll "$TMPD/$t.policy" --db "$DB" --key "$K/ada.key" >/dev/null || fail "enrol $t"
done
"$STEWARD" key gen lena --out "$K/lena.key" >/dev/null || fail "key lena"
"$STEWARD" principal add lena --role ml-lead --pubkey "$K/lena.key.pub" --db "$DB" --key "$K/ada.key" >/dev/null ||
	fail "add lena"
mlfx set-alias fraud-scoring staging "$NV" >/dev/null || fail "stage it"
sync_ >/dev/null || fail "sync the staging alias"
"$STEWARD" promote request fraud-scoring "$NV" --to production --db "$DB" --key "$K/lena.key" >/dev/null ||
	fail "request its promotion"
expect 1 "the gate of the authorless version" "$STEWARD" gate fraud-scoring "$NV" --to production --db "$DB"
has "duties is UNKNOWN" "$(printf '%s\n' "$OUT" | grep duties)" "UNKNOWN"
has "saying why" "$OUT" "the version's author is not known"

# --- a name with spaces, the MLflow 3 way ---
run mlfx log-model "Fraud Scoring EU"
if [ "$RC" -ne 0 ]; then
	fail "log-model 'Fraud Scoring EU': $ERR"
fi
run sync_ --json
if printf '%s' "$ERR" | grep -q "model name .* has ' '"; then
	echo "SKIP $T_NAME: the core does not take model names with spaces yet"
	ok
else
	same "a name with spaces syncs" "$RC" 0
	expect 0 "its files" mlfx logged-model-files "Fraud Scoring EU" 1
	same "digested" "$(vcol 'Fraud Scoring EU' 1 v.digest)" "$(want_manifest "$OUT")"
fi

finish
