# mlflow.sh: steward against a real MLflow server: sync, digests, gate, promotion and rollback moving the real alias, out-of-band moves, faults.
# mlflow-series: 2 3
. "$STEWARD_TOP/tests/lib.sh"
. "$STEWARD_TOP/tests/integration/lib-mlflow.sh"

export STEWARD_NOW=$(date +%s) # MLflow stamps real times; the clocks must agree
DB="$TMPD/s.db"
K="$TMPD/keys"
mkdir -p "$K"
export STEWARD_PASSPHRASE=correct-horse-battery-staple XDG_CONFIG_HOME="$TMPD/cfg"
ADA="$TMPD/cfg/steward/keys/ada.key"
build=${STEWARD%/*}

mlflow_start
expect 0 "populate MLflow with its own client" mlfx populate --models 4 --versions 3

as() {
	who=$1
	shift
	"$STEWARD" "$@" --db "$DB" --key "$K/$who.key"
}
"$STEWARD" init --db "$DB" --admin ada >/dev/null || fail "init"
cp "$ADA" "$K/ada.key"
for p in lena:ml-lead mei:ml-lead rosa:risk-officer sami:sre ci:pipeline; do
	n=${p%%:*}
	"$STEWARD" key gen "$n" --out "$K/$n.key" >/dev/null || fail "key $n"
	as ada principal add "$n" --role "${p#*:}" --pubkey "$K/$n.key.pub" >/dev/null || fail "add $n"
done
cp "$STEWARD_TOP/policies/low.policy" "$TMPD/low.policy"
as ada policy enroll "$TMPD/low.policy" >/dev/null || fail "enrol"
CFG="$TMPD/steward.conf"
printf '[plugin ml]\ntype = mlflow\nurl = %s\ntimeout = 10\n' "$MLFLOW_URL" >"$CFG"
# Syncs record what they find as the CI key's signed acts (the pipeline role).
sync_() { "$STEWARD" sync --db "$DB" --config "$CFG" --key "$K/ci.key" "$@"; }

# --- sync ---
expect 0 "sync" sync_ --json
valid "sync --json"
same "4 models" "$(j '$[0].models')" 4
same "12 versions" "$(j '$[0].versions')" 12
expect 0 "model list" "$STEWARD" model list --db "$DB" --json
same "tier from steward.tier" "$(j '$[0].tier')" low
same "owner from steward.owner" "$(j '$[0].owner')" team-a
same "aliases imported" "$(store_sql "$DB" "SELECT count(*) FROM ledger WHERE action = 'alias.imported'")" 8
same "every digest verified" "$(store_sql "$DB" "SELECT count(*) FROM version_sync WHERE digest_verified = 1")" 12
expect 0 "metrics with slices" "$STEWARD" metric list model-001 2 --db "$DB"
has "slice mapped" "$OUT" "region=EU"
expect 0 "card from the description" "$STEWARD" card show model-001 2 --db "$DB"
has "a card section" "$OUT" "## Intended use"
# the digest, recomputed from what MLflow's own client downloads
expect 0 "the artifacts by MLflow's client" mlfx files model-001 2
printf '%s' "$OUT" >"$TMPD/files.json"
sqlite3 :memory: "SELECT json_extract(value,'\$.path') || char(9) || json_extract(value,'\$.size') || char(9) || json_extract(value,'\$.sha256') || char(10)
	FROM json_each(CAST(readfile('$TMPD/files.json') AS TEXT))" | tr -d '\r' | awk 'NF' | sed 's/$//' >"$TMPD/manifest.lines"
# sqlite3 prints one row per line; rebuild the exact manifest bytes
: >"$TMPD/manifest"
while IFS= read -r line; do printf '%s\n' "$line" >>"$TMPD/manifest"; done <"$TMPD/manifest.lines"
want="sha256:$(sha256sum "$TMPD/manifest" | cut -d' ' -f1)"
same "steward's digest is over the bytes MLflow serves" "$(store_sql "$DB" "SELECT v.digest FROM versions v JOIN models m ON m.id = v.model_id WHERE m.name = 'model-001' AND v.version = 2")" "$want"
expect 0 "a second sync of an unchanged server" sync_ --json
same "writes nothing" "$(j '$[0].written')" 0
same "an incremental pass" "$(j '$[0].full')" 0
same "skips every version: nothing moved" "$(j '$[0].skipped') $(j '$[0].versions') $(j '$[0].metrics')" "12 0 0"
same "still reads every model" "$(j '$[0].models')" 4
# the author: steward.author, else the version's user_id (MLflow's server leaves it empty), else the run's user_id
vcol() { store_sql "$DB" "SELECT $3 FROM versions v JOIN models m ON m.id = v.model_id LEFT JOIN version_sync s ON s.version_id = v.id WHERE m.name = '$1' AND v.version = $2"; }
same "the run's user_id is the author" "$(vcol model-001 2 v.author)" a.okafor
# MLflow sets and deletes version tags without moving last_updated_timestamp: the stamp covers them
mlapi mlflow/model-versions/set-tag -X POST -H 'Content-Type: application/json' \
	-d '{"name": "model-002", "version": "1", "key": "review.state", "value": "done"}' >/dev/null
expect 0 "sync after a version tag was set" sync_ --json
same "only that version is read again" "$(j '$[0].skipped') $(j '$[0].versions')" "11 1"
same "and its new tag recorded" "$(store_sql "$DB" "SELECT t.value FROM version_tags t JOIN versions v ON v.id = t.version_id JOIN models m ON m.id = v.model_id WHERE m.name = 'model-002' AND v.version = 1 AND t.key = 'review.state'")" done
expect 0 "sync --full" sync_ --json --full
same "a full pass reads every version" "$(j '$[0].full') $(j '$[0].skipped') $(j '$[0].versions')" "1 0 12"
same "and writes nothing new" "$(j '$[0].written')" 0

# --- sources: each resolved to the bytes it names, or the reason it cannot be read ---
V2=$(vcol model-001 2 v.digest)
RID=$(vcol model-001 2 v.run_id)
mlapi mlflow/registered-models/create -X POST -H 'Content-Type: application/json' \
	-d '{"name": "src.v2_x-y", "tags": [{"key": "steward.tier", "value": "low"}]}' >/dev/null
same "a dotted name is created" "$HTTP" 200
newv() { # newv SOURCE [RUN_ID [TAGS]]: registers a version of src.v2_x-y over REST; NV = its number
	OUT=$(mlapi mlflow/model-versions/create -X POST -H 'Content-Type: application/json' \
		-d "{\"name\": \"src.v2_x-y\", \"source\": \"$1\", \"run_id\": \"${2:-}\", \"tags\": [${3:-}]}")
	[ "$HTTP" = 200 ] || fail "create a version from $1: $HTTP $OUT"
	NV=$(j '$.model_version.version')
}
newv "runs:/$RID/model" "$RID" '{"key": "steward.author", "value": "r.tagged"}'
VR=$NV
# MLflow 3 takes a models:/ source only with the run of the version it names
newv "models:/model-001/2" "$RID"
VM=$NV
newv "s3://steward-test-bucket/model"
VS=$NV
newv "mlflow-artifacts:/1/$RID/artifacts/no-such-dir" "$RID"
VE=$NV
expect 3 "a sync with a source steward cannot read is partial" sync_ --json
same "partial" "$(j '$[0].partial') $(j '$[0].unverified')" "1 1"
has "the reason is given" "$(j '$[0].partial_reason')" "src.v2_x-y v$VS: artifacts at s3://steward-test-bucket/model are not served by the tracking server's artifact proxy"
same "runs:/ is the run's artifacts: the same bytes as the version registered from them" "$(vcol src.v2_x-y "$VR" v.digest)" "$V2"
same "models:/NAME/VERSION is that version's source" "$(vcol src.v2_x-y "$VM" v.digest)" "$V2"
same "both verified" "$(vcol src.v2_x-y "$VR" s.digest_state) $(vcol src.v2_x-y "$VM" s.digest_state)" "verified verified"
same "steward.author comes before the run's user" "$(vcol src.v2_x-y "$VR" v.author)" r.tagged
same "s3:// is unverified, never the digest of nothing" "$(vcol src.v2_x-y "$VS" s.digest_state) $(vcol src.v2_x-y "$VS" s.digest_verified)" "unverified 0"
has "with the reason" "$(vcol src.v2_x-y "$VS" s.digest_reason)" "not served by the tracking server's artifact proxy"
same "no tag, no user_id, no run: unknown" "$(vcol src.v2_x-y "$VS" v.author)" ""
same "no files is its own state" "$(vcol src.v2_x-y "$VE" s.digest_state)" empty
has "saying so" "$(vcol src.v2_x-y "$VE" s.digest_reason)" "no artifact files under mlflow-artifacts:/1/$RID/artifacts/no-such-dir"
expect 0 "plugin list" "$STEWARD" plugin list --db "$DB" --config "$CFG" --json
same "health partial" "$(j '$[0].health')" partial
has "with the first reason" "$(j '$[0].message')" "src.v2_x-y v$VS: artifacts at s3://"
expect 3 "the next sync reads the unverified version again, and skips the rest" sync_ --json
same "one read" "$(j '$[0].versions') $(j '$[0].skipped')" "1 15"
mlapi mlflow/model-versions/delete -X DELETE -H 'Content-Type: application/json' -d "{\"name\": \"src.v2_x-y\", \"version\": \"$VS\"}" >/dev/null

# --- one request at a time, a window smaller than any file, pages of 2 models and 2 versions
# (each next page asked for while the one before is handed over): the same digests ---
printf '[plugin ml]\ntype = mlflow\nurl = %s\nparallel = 1\ninflight_bytes = 1\npage_size = 2\n' "$MLFLOW_URL" >"$TMPD/serial.conf"
"$STEWARD" init --db "$TMPD/serial.db" --admin serial >/dev/null || fail "init a second store"
expect 0 "a serial sync into a new store" "$STEWARD" sync --db "$TMPD/serial.db" --config "$TMPD/serial.conf" \
	--key "$TMPD/cfg/steward/keys/serial.key" --json
PAGED="$(j '$[0].models') $(j '$[0].versions') $(j '$[0].aliases')"
expect 0 "the same in pages of 1000" sync_ --json
same "every model, version and alias read in pages of 2" "$PAGED" "$(j '$[0].models') $(( $(j '$[0].versions') + $(j '$[0].skipped') )) $(j '$[0].aliases')"
expect 0 "an unchanged sync in pages of 2" "$STEWARD" sync --db "$TMPD/serial.db" --config "$TMPD/serial.conf" \
	--key "$TMPD/cfg/steward/keys/serial.key" --json
same "sees every version again, writes nothing" "$(j '$[0].models') $(( $(j '$[0].versions') + $(j '$[0].skipped') )) $(j '$[0].aliases') $(j '$[0].written')" "$PAGED 0"
SK=$(j '$[0].skipped')
if [ "${SK:-0}" -gt 0 ]; then ok; else fail "an unchanged sync in pages of 2 skipped $SK versions"; fi
digests() {
	store_sql "$1" "SELECT group_concat(d, ' ') FROM (SELECT m.name || ':' || v.version || ':' || v.digest AS d FROM versions v
		JOIN models m ON m.id = v.model_id JOIN version_sync s ON s.version_id = v.id WHERE s.digest_state = 'verified' ORDER BY 1) AS x"
}
same "the same digests as the parallel one" "$(digests "$TMPD/serial.db")" "$(digests "$DB")"
has "the digests were read" "$(digests "$DB")" ":sha256:"
for bad in "parallel = 0:parallel must be 1..32" "inflight_bytes = 12Q:inflight_bytes must be a size" \
	"page_size = 1001:page_size must be 1..1000"; do
	printf '[plugin ml]\ntype = mlflow\nurl = %s\n%s\n' "$MLFLOW_URL" "${bad%%:*}" >"$TMPD/bad.conf"
	expect 1 "${bad%%:*} is refused" "$STEWARD" sync --db "$TMPD/serial.db" --config "$TMPD/bad.conf" \
		--key "$TMPD/cfg/steward/keys/serial.key"
	has "saying what is allowed" "$ERR" "${bad#*:}"
done

# --- a run nobody is named on, with a dataset logged for evaluation (MLflow's log_input over REST) ---
OUT=$(mlapi mlflow/runs/create -X POST -H 'Content-Type: application/json' -d '{"experiment_id": "1"}')
ARID=$(j '$.run.info.run_id')
same "MLflow records no user" "$(j '$.run.info.user_id')" ""
mlapi mlflow/runs/log-inputs -X POST -H 'Content-Type: application/json' -d "{\"run_id\": \"$ARID\", \"datasets\": [
	{\"tags\": [{\"key\": \"mlflow.data.context\", \"value\": \"training\"}], \"dataset\": {\"name\": \"train-2025q4\", \"digest\": \"t1\", \"source_type\": \"code\", \"source\": \"{}\"}},
	{\"tags\": [{\"key\": \"mlflow.data.context\", \"value\": \"evaluation\"}], \"dataset\": {\"name\": \"eval-2026q1\", \"digest\": \"e1\", \"source_type\": \"code\", \"source\": \"{}\"}}]}" >/dev/null
same "inputs logged" "$HTTP" 200
mlapi mlflow/runs/log-metric -X POST -H 'Content-Type: application/json' -d "{\"run_id\": \"$ARID\", \"key\": \"auc\", \"value\": 0.9, \"timestamp\": 1767225600000}" >/dev/null
mlapi mlflow/runs/update -X POST -H 'Content-Type: application/json' -d "{\"run_id\": \"$ARID\", \"status\": \"FINISHED\", \"end_time\": 1767225660000}" >/dev/null
newv "runs:/$ARID/model" "$ARID"
VA=$NV
# Its training run's OpenLineage event arrives before steward has the version: the sync that records
# the version signs its lineage.
printf '{"eventType":"COMPLETE","eventTime":"2025-12-31T10:00:00Z","producer":"p","run":{"runId":"01935f00-0000-7000-8000-0000000000aa","facets":{"mlflow":{"runId":"%s"}}},"job":{"namespace":"ml","name":"train"},"inputs":[{"namespace":"s3://d","name":"train-2025q4","facets":{"version":{"datasetVersion":"sha256:%s"}}}]}\n' \
	"$ARID" "$(printf '%064d' 7)" >"$TMPD/ol.ndjson"
expect 0 "lineage imported before the version is synced" "$STEWARD" lineage import "$TMPD/ol.ndjson" --db "$DB" --key "$K/ci.key"
has "nothing to sign yet" "$OUT" "0 model versions attested"
expect 0 "sync the anonymous version" sync_ --json
same "the sync signed its lineage" "$(store_sql "$DB" "SELECT count(*) FROM ledger WHERE action = 'lineage.set' AND subject = 'models:/src.v2_x-y/$VA'")" 1
expect 0 "its lineage" "$STEWARD" lineage show src.v2_x-y "$VA" --db "$DB"
has "complete, signed at the sync" "$OUT" "lineage-complete: complete, signed by"
same "a run without a user names nobody" "$(vcol src.v2_x-y "$VA" v.author)" ""
same "the metric's dataset is the run's evaluation input" "$(store_sql "$DB" "SELECT e.dataset FROM eval_metrics e JOIN versions v ON v.id = e.version_id JOIN models m ON m.id = v.model_id WHERE m.name = 'src.v2_x-y' AND v.version = $VA AND e.name = 'auc'")" eval-2026q1
# a run tag does not move the version's stamp: an incremental sync keeps what it has, a full pass reads it
mlapi mlflow/runs/set-tag -X POST -H 'Content-Type: application/json' -d "{\"run_id\": \"$ARID\", \"key\": \"steward.dataset\", \"value\": \"pinned\"}" >/dev/null
expect 0 "an incremental sync" sync_ --json
same "skips it" "$(j '$[0].versions')" 0
expect 0 "a full pass" sync_ --json --full
same "steward.dataset comes before the inputs" "$(store_sql "$DB" "SELECT group_concat(e.dataset, ',') FROM eval_metrics e JOIN versions v ON v.id = e.version_id JOIN models m ON m.id = v.model_id WHERE m.name = 'src.v2_x-y' AND v.version = $VA AND e.name = 'auc' AND e.dataset = 'pinned'")" pinned
same "the populated runs keep their dataset param" "$(store_sql "$DB" "SELECT DISTINCT e.dataset FROM eval_metrics e JOIN versions v ON v.id = e.version_id JOIN models m ON m.id = v.model_id WHERE m.name = 'model-001'")" holdout

# --- names: no name goes into a filter, so any name MLflow accepts is read (the core decides what it takes) ---
mlapi mlflow/registered-models/create -X POST -H 'Content-Type: application/json' \
	-d "{\"name\": \"Fraud Scoring's v1.2\", \"tags\": [{\"key\": \"steward.tier\", \"value\": \"low\"}]}" >/dev/null
mlapi mlflow/model-versions/create -X POST -H 'Content-Type: application/json' \
	-d "{\"name\": \"Fraud Scoring's v1.2\", \"source\": \"runs:/$RID/model\", \"run_id\": \"$RID\"}" >/dev/null
run sync_ --json
if printf '%s' "$ERR" | grep -q "model name .* has ' '"; then
	echo "SKIP $T_NAME: the core does not take model names with spaces yet"
	ok
else
	same "a name with a space, a quote and dots syncs" "$RC" 0
	same "its version digested" "$(store_sql "$DB" "SELECT v.digest FROM versions v JOIN models m ON m.id = v.model_id WHERE m.name = 'Fraud Scoring''s v1.2' AND v.version = 1")" "$V2"
fi
mlapi mlflow/registered-models/delete -X DELETE -H 'Content-Type: application/json' -d "{\"name\": \"Fraud Scoring's v1.2\"}" >/dev/null
same "the odd name is gone again" "$HTTP" 200
# a model without a tier is refused by name: the message is made while the reply naming it still exists
mlapi mlflow/registered-models/create -X POST -H 'Content-Type: application/json' -d '{"name": "untiered"}' >/dev/null
expect 1 "a model without steward.tier stops the sync" sync_ --json
has "the refusal names the model" "$ERR" "model untiered refused"
has "with the core's reason" "$ERR" "has no risk tier"
lacks "the JSON output is still made" "$ERR" "cannot build JSON"
mlapi mlflow/registered-models/delete -X DELETE -H 'Content-Type: application/json' -d '{"name": "untiered"}' >/dev/null
same "the model is gone again" "$HTTP" 200

# --- gate, promotion: the alias really moves in MLflow ---
expect 1 "gate before approval" "$STEWARD" gate model-001 3 --to production --db "$DB"
R=$(as lena promote request model-001 3 --to production)
as mei approve "$R" >/dev/null || fail "approve"
expect 0 "gate passes" "$STEWARD" gate model-001 3 --to production --db "$DB"
expect 0 "promote apply through MLflow" as lena promote apply "$R" --config "$CFG"
SEQ=$(printf '%s\n' "$OUT" | sed -n 's/.*(ledger entry \([0-9]*\)).*/\1/p')
expect 0 "MLflow's own client reads the alias" mlfx get-alias model-001 production
same "production is 3 in MLflow" "$OUT" 3
expect 0 "the decision's tags" mlfx tags model-001 3
printf '%s' "$OUT" >"$TMPD/json"
tag() { sqlite3 :memory: "SELECT json_extract(CAST(readfile('$TMPD/json') AS TEXT), '\$.\"$1\"')"; }
same "steward.decision" "$(tag steward.decision)" promotion
same "steward.ledger_seq is the entry" "$(tag steward.ledger_seq)" "$SEQ"
has "steward.approvers" "$(tag steward.approvers)" "mei (ml-lead)"
has "an envelope" "$(tag steward.dsse.1)" '"payloadType":"application/vnd.in-toto+json"'
expect 0 "sync after the promotion" sync_ --json
same "nothing unapproved" "$(j '$[0].unapproved_changes')" 0

# --- rollback: a second governed promotion, then back to the first ---
expect 0 "a new version in MLflow" mlfx add-version model-001
V4=$OUT
mlfx set-alias model-001 staging "$V4" >/dev/null
sync_ >/dev/null || fail "sync v4"
R=$(as lena promote request model-001 "$V4" --to production)
as mei approve "$R" >/dev/null
expect 0 "promote v$V4" as lena promote apply "$R" --config "$CFG"
same "MLflow has v$V4" "$(mlfx get-alias model-001 production)" "$V4"
expect 0 "moving staging by hand was an unapproved change" "$STEWARD" model show model-001 --db "$DB" --json
same "staging named" "$(j '$.unapproved_changes[0].alias') $(j '$.unapproved_changes[0].version')" "staging $V4"
mlfx set-alias model-001 staging 3 >/dev/null || fail "staging back where it was imported"
sync_ >/dev/null || fail "sync staging back"
expect 1 "an auditor key cannot roll back" as mei rollback model-001 --reason "x" --config "$CFG" --to 2
expect 1 "a version never promoted under policy is no target" as sami rollback model-001 --to 2 --reason "x" --config "$CFG"
has "named" "$ERR" "never promoted to production under policy"
expect 0 "rollback to the last governed version" as sami rollback model-001 --reason "latency regression" --config "$CFG"
same "MLflow is back on 3" "$(mlfx get-alias model-001 production)" 3
expect 0 "rollback tags" mlfx tags model-001 3
printf '%s' "$OUT" >"$TMPD/json"
same "steward.decision rollback" "$(tag steward.decision)" rollback

# --- an alias moved behind steward's back ---
mlfx set-alias model-001 production 1 >/dev/null || fail "move behind steward's back"
expect 0 "sync sees it" sync_ --json
same "one unapproved change" "$(j '$[0].unapproved_changes')" 1
expect 1 "gate reports it" "$STEWARD" gate model-001 3 --to production --db "$DB"
has "unapproved" "$OUT" "UNAPPROVED CHANGE: production of model-001 points at version 1"
expect 3 "audit verify reports it, exit 3 while it stands" "$STEWARD" audit verify --db "$DB"
has "audit names it" "$OUT" "UNAPPROVED CHANGE: production of model-001 points at version 1"
has "exit 3 says why" "$ERR" "1 unapproved change stands in the registry (exit status 3)"
expect 3 "audit verify --json carries it" "$STEWARD" audit verify --db "$DB" --json
same "in the JSON" "$(j '$.unapproved_changes[0].alias') $(j '$.unapproved_changes[0].version')" "production 1"
expect 0 "model list --json carries it" "$STEWARD" model list --db "$DB" --json
printf '%s' "$OUT" >"$TMPD/json"
same "on the model" "$(sqlite3 :memory: "SELECT json_extract(value, '\$.unapproved_changes[0].alias') || ' ' || json_extract(value, '\$.unapproved_changes[0].version')
	FROM json_each(CAST(readfile('$TMPD/json') AS TEXT)) WHERE json_extract(value, '\$.name') = 'model-001'")" "production 1"
has "recorded in the ledger" "$(store_sql "$DB" "SELECT action FROM ledger ORDER BY seq DESC LIMIT 1")" "alias.observed"
# ... and an alias deleted behind its back
mlfx set-alias model-001 production 3 >/dev/null
sync_ >/dev/null || fail "sync back to the governed version"
expect 0 "back on the governed version" "$STEWARD" audit verify --db "$DB"
lacks "the unapproved state ended" "$OUT" "UNAPPROVED"
mlfx delete-alias model-001 production >/dev/null || fail "delete the alias in MLflow"
expect 0 "sync sees the deletion" sync_ --json
same "one unapproved change again" "$(j '$[0].unapproved_changes')" 1
expect 3 "audit names the deletion" "$STEWARD" audit verify --db "$DB"
has "deleted" "$OUT" "UNAPPROVED CHANGE: production of model-001 was deleted in the registry"
same "the local alias is gone too" "$(store_sql "$DB" "SELECT count(*) FROM aliases a JOIN models m ON m.id = a.model_id WHERE m.name = 'model-001' AND a.alias = 'production'")" 0
# an imported alias (one steward never governed) moved or deleted behind its back is reported too
expect 0 "move an imported alias" mlfx set-alias model-002 staging 1
expect 0 "sync" sync_ --json
same "an unapproved change for it" "$(j '$[0].unapproved_changes')" 1
has "recorded as observed, not imported again" "$(store_sql "$DB" "SELECT action FROM ledger ORDER BY seq DESC LIMIT 1")" "alias.observed"
expect 0 "model-002 shows it" "$STEWARD" model show model-002 --db "$DB"
has "named" "$OUT" "UNAPPROVED:   staging points at version 1"
expect 0 "a deleted imported alias" mlfx delete-alias model-002 staging
expect 0 "sync" sync_ --json
same "still an unapproved change" "$(j '$[0].unapproved_changes')" 1
expect 0 "put it back where it was imported" mlfx set-alias model-002 staging 3
expect 0 "sync" sync_ --json
expect 0 "model-002 clean again" "$STEWARD" model show model-002 --db "$DB" --json
same "no unapproved change on model-002" "$(jlen '$.unapproved_changes')" 0
mlfx set-alias model-001 production 1 >/dev/null || fail "put production back for the fault tests"
sync_ >/dev/null || fail "sync"

# --- faults ---
# MLflow refuses: the rollback target was deleted in MLflow meanwhile
curl -sS -X DELETE -H 'Content-Type: application/json' -d '{"name":"model-001","version":"3"}' \
	"$MLFLOW_URL/api/2.0/mlflow/model-versions/delete" >/dev/null || fail "delete a version in MLflow"
N=$(store_sql "$DB" "SELECT count(*) FROM ledger")
expect 1 "MLflow refuses the move" as sami rollback model-001 --to 3 --reason "back to 3" --config "$CFG"
has "MLflow's own error" "$ERR" "RESOURCE_DOES_NOT_EXIST"
same "nothing recorded" "$(store_sql "$DB" "SELECT count(*) FROM ledger")" "$N"
same "the local alias did not move" "$(store_sql "$DB" "SELECT v.version FROM aliases a JOIN versions v ON v.id = a.version_id JOIN models m ON m.id = a.model_id WHERE m.name = 'model-001' AND a.alias = 'production'")" 1
# the server stopped: a sync, and a promotion whose gate passes
mlfx set-alias model-001 staging "$V4" >/dev/null || fail "v$V4 to staging again"
sync_ >/dev/null || fail "sync staging"
R=$(as lena promote request model-001 "$V4" --to production)
as mei approve "$R" >/dev/null || fail "approve v$V4 again"
mlflow_stop
N=$(store_sql "$DB" "SELECT count(*) FROM ledger")
expect 1 "sync with the server down" sync_
has "names the failure" "$ERR" "sync failed, nothing was recorded"
same "no partial state" "$(store_sql "$DB" "SELECT count(*) FROM ledger")" "$N"
expect 0 "plugin list" "$STEWARD" plugin list --db "$DB" --config "$CFG" --json
same "degraded" "$(j '$[0].health')" degraded
has "with the reason" "$(j '$[0].message')" "Couldn't connect"
N=$(store_sql "$DB" "SELECT count(*) FROM ledger")
expect 1 "promotion with MLflow down records nothing" as lena promote apply "$R" --config "$CFG"
has "MLflow's failure shown" "$ERR" "the registry refused the change, nothing was recorded"
same "still nothing recorded" "$(store_sql "$DB" "SELECT count(*) FROM ledger WHERE action = 'promotion.apply'")" 2
same "no decision written while MLflow was down" "$(store_sql "$DB" "SELECT count(*) FROM ledger")" "$N"
mlflow_start
expect 0 "sync after the restart" sync_
expect 0 "healthy again" "$STEWARD" plugin list --db "$DB" --config "$CFG" --json
same "ok" "$(j '$[0].health')" ok

# faults a real server will not show, from a FAKE server (tests/fake/fake-mlflow.c)
fake() {
	rm -f "$TMPD/fake.port"
	"$build/tests/fake/fake-mlflow" "$1" >"$TMPD/fake.port" 2>"$TMPD/fake.log" &
	FAKE_PID=$!
	n=0
	while [ ! -s "$TMPD/fake.port" ] && [ "$n" -lt 50 ]; do sleep 0.1; n=$((n + 1)); done
	printf '[plugin fk]\ntype = mlflow\nurl = http://127.0.0.1:%s\ntimeout = 2\nconnect_timeout = 2\n' "$(cat "$TMPD/fake.port")" >"$TMPD/fake.conf"
}
unfake() { kill "$FAKE_PID" 2>/dev/null; wait "$FAKE_PID" 2>/dev/null; }
N=$(store_sql "$DB" "SELECT count(*) FROM models")
fake 500
expect 1 "HTTP 500 with an MLflow error body" "$STEWARD" sync fk --key "$K/ci.key" --db "$DB" --config "$TMPD/fake.conf"
has "its error_code and message" "$ERR" "INTERNAL_ERROR: the fake server fails on purpose"
unfake
fake malformed
expect 1 "malformed JSON" "$STEWARD" sync fk --key "$K/ci.key" --db "$DB" --config "$TMPD/fake.conf"
has "says so" "$ERR" "is not a JSON object"
unfake
fake slow
expect 1 "a server slower than the timeout" "$STEWARD" sync fk --key "$K/ci.key" --db "$DB" --config "$TMPD/fake.conf"
has "timed out" "$ERR" "Timeout was reached"
unfake
fake huge
expect 1 "a reply that announces more than 64 MiB" "$STEWARD" sync fk --key "$K/ci.key" --db "$DB" --config "$TMPD/fake.conf"
has "is refused on its length, before the timeout" "$ERR" "response larger than 67108864 bytes"
unfake
fake cut
expect 1 "the connection dies mid-sync" "$STEWARD" sync fk --key "$K/ci.key" --db "$DB" --config "$TMPD/fake.conf"
unfake
same "none of the faulty syncs left a model behind" "$(store_sql "$DB" "SELECT count(*) FROM models")" "$N"
expect 3 "the ledger still verifies (exit 3: production of model-001 stands moved)" "$STEWARD" audit verify --db "$DB"

# --- a move MLflow carried out late (an alias call that stalled, then went through): request $R,
# approved but refused while MLflow was down, completes instead of being stuck ---
mlfx set-alias model-001 production "$V4" >/dev/null || fail "MLflow carries out the held alias change"
expect 0 "the next sync" sync_ --json
same "sees it as unapproved" "$(j '$[0].unapproved_changes')" 1
expect 0 "applying the same request completes it" as lena promote apply "$R" --config "$CFG"
has "applied" "$OUT" "production of model-001 now points at version $V4"
# (an object: its JSON text opens with a brace, on either engine)
same "recorded as completed late" "$(store_sql "$DB" "SELECT substr(json_extract(CAST(body AS TEXT), '\$.data.completed_late'), 1, 1) FROM ledger WHERE action = 'promotion.apply' ORDER BY seq DESC LIMIT 1")" "{"
expect 0 "the decision's tags" mlfx tags model-001 "$V4"
printf '%s' "$OUT" >"$TMPD/json"
same "name this request" "$(tag steward.request)" "$R"
same "and the entry that recorded it" "$(tag steward.ledger_seq)" "$(store_sql "$DB" "SELECT max(seq) FROM ledger WHERE action = 'promotion.apply'")"
expect 0 "the model" "$STEWARD" model show model-001 --db "$DB" --json
lacks "production is no longer an unapproved change" "$(j '$.unapproved_changes')" production
expect 1 "the request applies once" as lena promote apply "$R" --config "$CFG"

# an artifact download that stalls past the timeout: the version is unverified with the reason, the rest recorded
fake slow-download
expect 3 "a download that times out makes the sync partial" "$STEWARD" sync fk --key "$K/ci.key" --db "$DB" --config "$TMPD/fake.conf"
has "the reason names the file and the timeout" "$OUT" "fake-model v1: downloading artifact MLmodel of mlflow-artifacts:/fake/model: Timeout was reached"
same "the version is recorded" "$(vcol fake-model 1 s.digest_state)" unverified
has "with the reason" "$(vcol fake-model 1 s.digest_reason)" "Timeout was reached"
same "never the digest of nothing as if verified" "$(vcol fake-model 1 s.digest_verified)" 0
expect 0 "plugin list" "$STEWARD" plugin list --db "$DB" --config "$TMPD/fake.conf" --json
same "health partial" "$(j '$[0].health')" partial
has "saying why" "$(j '$[0].message')" "Timeout was reached"
unfake

# an artifact that announces more than 2 GiB is refused on its length, before the timeout
fake huge-download
expect 3 "an artifact over the bound makes the sync partial" "$STEWARD" sync fk --key "$K/ci.key" --db "$DB" --config "$TMPD/fake.conf"
has "the reason names the file and the bound" "$OUT" "downloading artifact MLmodel of mlflow-artifacts:/fake/model: larger than 2147483648 bytes"
unfake

# quitting the console does not wait on a slow server: its sync is cancelled mid-request
fake slow
sed 's/^timeout = .*/timeout = 120/' "$TMPD/fake.conf" >"$TMPD/slow.conf"
printf ':q<Enter>' >"$TMPD/quit.keys"
t0=$(date +%s)
expect 0 "the console quits while a sync waits on the server" timeout "$(slow 60)" "$STEWARD" --db "$DB" --config "$TMPD/slow.conf" \
	--script "$TMPD/quit.keys" --dump "$TMPD/screen"
t1=$(date +%s)
n=0
while ! grep -q "registered-models/search" "$TMPD/fake.log" && [ "$n" -lt 50 ]; do sleep 0.1; n=$((n + 1)); done
has "the sync had asked the server" "$(cat "$TMPD/fake.log")" "registered-models/search"
if [ $((t1 - t0)) -lt 10 ]; then ok; else fail "quitting took $((t1 - t0)) s with a 120 s timeout configured"; fi
unfake

finish
