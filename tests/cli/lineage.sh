# lineage.sh: lineage import (formats, linking, duplicates, every kind of malformed event), lineage show (tree, JSON, DOT, datasets, cycles), the signed lineage.set entry the gate reads, and a writer of the store file who holds no key.
. "$STEWARD_TOP/tests/lib.sh"

DB="$TMPD/s.db"
K="$TMPD/keys"
E="$TMPD/ev"
mkdir -p "$K" "$E"
export STEWARD_PASSPHRASE=correct-horse-battery-staple XDG_CONFIG_HOME="$TMPD/cfg"
D1=sha256:1111111111111111111111111111111111111111111111111111111111111111
HA=aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa
HB=bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb
HC=cccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccc
R1=01935f00-0000-7000-8000-000000000001
R2=01935f00-0000-7000-8000-000000000002
R3=01935f00-0000-7000-8000-000000000003
R4=01935f00-0000-7000-8000-000000000004
R5=01935f00-0000-7000-8000-000000000005

as() {
	who=$1
	shift
	"$STEWARD" "$@" --db "$DB" --key "$K/$who.key"
}
"$STEWARD" key gen ada --out "$K/ada.key" >/dev/null || fail "key ada"
"$STEWARD" init --db "$DB" --admin ada --admin-key "$K/ada.key" >/dev/null || fail "init"
for p in lena:ml-lead rosa:risk-officer; do
	n=${p%%:*}
	"$STEWARD" key gen "$n" --out "$K/$n.key" >/dev/null || fail "key $n"
	as ada principal add "$n" --role "${p#*:}" --pubkey "$K/$n.key.pub" >/dev/null || fail "add $n"
done
as ada model add pd --tier critical --owner credit >/dev/null || fail "model pd"
as ada model add churn --tier critical --owner retail >/dev/null || fail "model churn"
as lena version add pd --artifact s3://m/pd/1 --digest "$D1" --run 9f1c2e3d4b5a69788796a5b4c3d2e1f0 >/dev/null || fail "pd v1"
as lena version add churn --artifact s3://m/churn/1 --digest "$D1" >/dev/null || fail "churn v1"
as ada policy enroll "$STEWARD_TOP/policies/critical.policy" >/dev/null || fail "enrol critical"
# In staging, so a gate to production evaluates the critical tier's lineage rule.
as ada alias set pd staging 1 >/dev/null || fail "pd staging"
as ada alias set churn staging 1 >/dev/null || fail "churn staging"

# ev TYPE TIME RUNID JOB INPUTS OUTPUTS [RUNFACETS]: one run event on one line.
ev() {
	printf '{"eventType":"%s","eventTime":"%s","producer":"https://example.com/pipeline","schemaURL":"https://openlineage.io/spec/2-0-2/OpenLineage.json#/$defs/RunEvent","run":{"runId":"%s","facets":{%s}},"job":{"namespace":"airflow://prod","name":"%s"},"inputs":[%s],"outputs":[%s]}\n' \
		"$1" "$2" "$3" "${7:-}" "$4" "$5" "$6"
}
# ds NS NAME [VERSION] [EXTRA FACETS]
ds() {
	f=${4:-}
	[ -n "${3:-}" ] && f="\"version\":{\"datasetVersion\":\"$3\"}${f:+,$f}"
	printf '{"namespace":"%s","name":"%s","facets":{%s}}' "$1" "$2" "$f"
}

# --- a pipeline: raw -> features -> training set -> training run -> pd v1 ---
{
	ev START 2025-12-01T10:00:00Z $R1 features.loans "$(ds postgres://core:5432 lending.loans)" ""
	ev COMPLETE 2025-12-01T10:30:00.123+00:00 $R1 features.loans "$(ds postgres://core:5432 lending.loans)" \
		"$(ds s3://feature-store features/loans v12 "\"steward_digest\":{\"sha256\":\"$HA\"},\"schema\":{\"fields\":[{\"name\":\"income\",\"type\":\"double\"}]},\"dataSource\":{\"name\":\"fs\",\"uri\":\"s3://feature-store\"}")"
	ev COMPLETE 2025-12-02T08:00:00+01:00 $R2 snapshot.pd "$(ds s3://feature-store features/loans v12)" "$(ds s3://datasets training/pd sha256:$HB)"
	ev START 2025-12-02T09:00:00Z $R3 train.pd "$(ds s3://datasets training/pd sha256:$HB)" "" '"mlflow":{"runId":"9f1c2e3d4b5a69788796a5b4c3d2e1f0"}'
	ev COMPLETE 2025-12-02T10:00:00Z $R3 train.pd "" ""
} >"$E/pipeline.ndjson"
expect 0 "import a pipeline" as lena lineage import "$E/pipeline.ndjson"
has "import: counts" "$OUT" "5 events in 1 file: 5 imported, 0 already held, 0 malformed"
has "import: attested" "$OUT" "1 model version attested"
expect 0 "show pd v1" "$STEWARD" lineage show pd 1 --db "$DB"
has "show: training run" "$OUT" "run $R3  job airflow://prod/train.pd  COMPLETE"
has "show: its mlflow run" "$OUT" "mlflow run 9f1c2e3d4b5a69788796a5b4c3d2e1f0"
has "show: training set" "$OUT" "dataset s3://datasets/training/pd  version = digest  sha256:bbbbbbbbbbbb"
has "show: feature table with digest facet" "$OUT" "dataset s3://feature-store/features/loans  v12  sha256:aaaaaaaaaaaa"
has "show: raw source" "$OUT" "dataset postgres://core:5432/lending.loans  (no version)  no digest"
has "show: complete" "$OUT" "lineage-complete: complete, signed by lena"
has "show: state from the later event" "$OUT" "run $R1  job airflow://prod/features.loans  COMPLETE"
expect 0 "show --json" "$STEWARD" lineage show pd 1 --json --db "$DB"
valid "show --json"
same "json: root" "$(j '$.nodes[0].id')" "model:pd/1"
same "json: seven nodes upstream" "$(sqlite3 :memory: "SELECT json_array_length(CAST(readfile('$TMPD/json') AS TEXT), '\$.nodes')")" 7
same "json: edges" "$(sqlite3 :memory: "SELECT json_array_length(CAST(readfile('$TMPD/json') AS TEXT), '\$.edges')")" 6
same "json: schema kept" "$(sqlite3 :memory: "SELECT json_extract(value, '\$.fields[0].name') FROM json_each(CAST(readfile('$TMPD/json') AS TEXT), '\$.nodes') WHERE json_extract(value, '\$.name') = 'features/loans'")" income
same "json: source kept" "$(sqlite3 :memory: "SELECT json_extract(value, '\$.source') FROM json_each(CAST(readfile('$TMPD/json') AS TEXT), '\$.nodes') WHERE json_extract(value, '\$.name') = 'features/loans'")" s3://feature-store
same "json: +01:00 read as UTC" "$(sqlite3 :memory: "SELECT json_extract(value, '\$.time') FROM json_each(CAST(readfile('$TMPD/json') AS TEXT), '\$.nodes') WHERE json_extract(value, '\$.run_id') = '$R2'")" 1764658800
same "json: lineage state" "$(j '$.lineage.state')" complete
expect 0 "depth 1" "$STEWARD" lineage show pd 1 --depth 1 --json --db "$DB"
valid "depth 1"
same "depth 1: root and run" "$(sqlite3 :memory: "SELECT json_array_length(CAST(readfile('$TMPD/json') AS TEXT), '\$.nodes')")" 2
run "$STEWARD" gate pd 1 --to production --db "$DB"
has "gate: lineage passes" "$OUT" "PASS    lineage"
has "gate: names the signer and entry" "$OUT" "signed by lena, ledger entry"

# --- re-import changes nothing; the ledger does not grow ---
size() { store_sql "$DB" "SELECT (SELECT count(*) FROM ledger) || '/' || (SELECT count(*) FROM lineage_events) || '/' || (SELECT count(*) FROM lineage_io) || '/' || (SELECT total_changes())"; }
before=$(store_sql "$DB" "SELECT count(*) FROM ledger; SELECT count(*) FROM lineage_io; SELECT group_concat(state, ',') FROM (SELECT state FROM lineage_runs ORDER BY id) AS r")
expect 0 "re-import" as lena lineage import "$E/pipeline.ndjson"
has "re-import: all held" "$OUT" "0 imported, 5 already held"
has "re-import: nothing attested" "$OUT" "0 model versions attested"
same "re-import: store unchanged" "$(store_sql "$DB" "SELECT count(*) FROM ledger; SELECT count(*) FROM lineage_io; SELECT group_concat(state, ',') FROM (SELECT state FROM lineage_runs ORDER BY id) AS r")" "$before"
# The same events spaced out, with CRLF ends, are the same events.
python3 -c 'import json,sys
for l in open(sys.argv[1]):
    sys.stdout.write(json.dumps(json.loads(l), separators=(" , ", " : ")) + "\r\n")' "$E/pipeline.ndjson" >"$E/spaced.ndjson"
expect 0 "re-import spaced out" as lena lineage import "$E/spaced.ndjson"
has "spaced out: all held" "$OUT" "0 imported, 5 already held"
# Keys in another order: a second event, but the graph does not change.
python3 -c 'import json,sys
for l in open(sys.argv[1]):
    print(json.dumps(json.loads(l), sort_keys=True))' "$E/pipeline.ndjson" >"$E/sorted.ndjson"
expect 0 "re-import with keys sorted" as lena lineage import "$E/sorted.ndjson"
same "keys sorted: graph unchanged" "$(store_sql "$DB" "SELECT count(*) FROM ledger; SELECT count(*) FROM lineage_io; SELECT group_concat(state, ',') FROM (SELECT state FROM lineage_runs ORDER BY id) AS r")" "$before"

# --- formats: one pretty-printed event per file, a directory, standard input ---
mkdir -p "$E/dir"
ev COMPLETE 2025-12-03T10:00:00Z $R4 features.churn "$(ds postgres://crm:5432 crm.customers)" "$(ds s3://feature-store features/churn v1)" |
	python3 -c 'import json,sys; print(json.dumps(json.load(sys.stdin), indent=2))' >"$E/dir/0001.json"
ev COMPLETE 2025-12-03T11:00:00Z $R5 train.churn "$(ds s3://feature-store features/churn v1)" "$(ds mlflow models:/churn/1)" >"$E/dir/0002.json"
printf 'ignored\n' >"$E/dir/.hidden"
expect 0 "import a directory" as lena lineage import "$E/dir"
has "dir: two files, pretty-printed one whole" "$OUT" "2 events in 2 files: 2 imported"
has "dir: churn v1 attested via models:/ output" "$OUT" "1 model version attested"
expect 0 "churn lineage" "$STEWARD" lineage show churn 1 --db "$DB"
has "churn: linked" "$OUT" "run $R5"
has "churn: incomplete, the feature table has no digest" "$OUT" "lineage-complete: incomplete"
has "churn: why" "$OUT" "dataset s3://feature-store/features/churn version v1 has no digest"
lacks "churn: models:/ is not a dataset" "$OUT" "dataset mlflow/"
expect 0 "stdin" sh -c "ev() { :; }; cat '$E/dir/0002.json' | '$STEWARD' lineage import - --db '$DB' --key '$K/lena.key'"
has "stdin: held" "$OUT" "1 already held"

# --- the dataset's side: what depends on it ---
expect 0 "dataset consumers" "$STEWARD" lineage show --dataset s3://feature-store/features/loans --db "$DB"
has "dataset: the model version" "$OUT" "pd v1"
has "dataset: downstream by default" "$OUT" "downstream:"
expect 0 "dataset with a slash in the namespace and the name" "$STEWARD" lineage show --dataset postgres://core:5432/lending.loans --json --db "$DB"
valid "dataset json"
same "dataset json: reaches the model" "$(sqlite3 :memory: "SELECT count(*) FROM json_each(CAST(readfile('$TMPD/json') AS TEXT), '\$.nodes') WHERE json_extract(value, '\$.kind') = 'model'")" 1
expect 1 "unknown dataset" "$STEWARD" lineage show --dataset s3://nowhere/x --db "$DB"
has "unknown dataset: named" "$ERR" "no dataset"

# --- Graphviz ---
expect 0 "dot" "$STEWARD" lineage show pd 1 --dot --db "$DB"
has "dot: a digraph" "$OUT" "digraph lineage {"
has "dot: model shape" "$OUT" "shape=doubleoctagon"
if command -v dot >/dev/null 2>&1; then
	printf '%s\n' "$OUT" >"$TMPD/g.dot"
	expect 0 "graphviz draws it" dot -Tsvg "$TMPD/g.dot" -o "$TMPD/g.svg"
	has "graphviz: svg" "$(cat "$TMPD/g.svg")" "<svg"
else
	fail "graphviz is not installed (scripts/install-deps installs it): the DOT output cannot be drawn"
fi
# A name that would break out of a DOT string is escaped.
printf '{"eventType":"COMPLETE","eventTime":"2025-12-09T10:00:00Z","producer":"p","run":{"runId":"01935f00-0000-7000-8000-0000000000e1","facets":{"steward_model":{"name":"pd","version":1}}},"job":{"namespace":"x","name":"evil\\\\\\"]; digraph x {"},"inputs":[{"namespace":"s3://e","name":"a\\"b"}]}\n' >"$E/evil.ndjson"
expect 0 "import a hostile name" as lena lineage import "$E/evil.ndjson"
expect 0 "dot with a hostile name" "$STEWARD" lineage show pd 1 --dot --db "$DB"
printf '%s\n' "$OUT" >"$TMPD/evil.dot"
if command -v dot >/dev/null 2>&1; then
	expect 0 "graphviz still parses it" dot -Tsvg "$TMPD/evil.dot" -o "$TMPD/evil.svg"
fi
same "dot: one graph" "$(grep -c '^digraph' "$TMPD/evil.dot")" 1

# --- bad arguments ---
expect 2 "depth 0" "$STEWARD" lineage show pd 1 --depth 0 --db "$DB"
has "depth 0: says" "$ERR" "--depth 0: not a number of hops from 1 to 64"
expect 2 "depth junk" "$STEWARD" lineage show pd 1 --depth x --db "$DB"
expect 2 "dot and json" "$STEWARD" lineage show pd 1 --dot --json --db "$DB"
expect 2 "no version" "$STEWARD" lineage show pd --db "$DB"
expect 2 "dataset and model" "$STEWARD" lineage show pd 1 --dataset a/b --db "$DB"
expect 2 "dataset without a slash" "$STEWARD" lineage show --dataset nothing --db "$DB"
expect 1 "unknown version" "$STEWARD" lineage show pd 9 --db "$DB"
has "unknown version: named" "$ERR" "model \"pd\" has no version 9"
expect 2 "import needs a path" as lena lineage import
expect 1 "import a missing file" as lena lineage import "$E/none.ndjson"
has "missing file: named" "$ERR" "none.ndjson"
expect 2 "import without a key" "$STEWARD" lineage import "$E/pipeline.ndjson" --db "$DB"
expect 1 "import by a risk officer" as rosa lineage import "$E/pipeline.ndjson"
has "risk officer: refused by role" "$ERR" "role"
mkfifo "$E/fifo"
expect 1 "a FIFO is refused" as lena lineage import "$E/fifo"
has "fifo: says" "$ERR" "not a regular file or a directory"
rm -f "$E/fifo"

# --- malformed events: each named with file and line, the valid ones still land ---
R6=01935f00-0000-7000-8000-000000000006
{
	ev COMPLETE 2025-12-04T10:00:00Z $R6 good.one "" "" # line 1 good
	echo 'not json at all'
	echo '{"eventTime":"2025-12-04T10:00:00Z","producer":"p","run":{"runId":"'$R6'"},"job":{"namespace":"a"}}'
	echo '{"eventTime":"yesterday","producer":"p","run":{"runId":"'$R6'"},"job":{"namespace":"a","name":"b"}}'
	echo '{"eventTime":"2025-12-04T10:00:00Z","producer":"p","run":{"runId":"not-a-uuid"},"job":{"namespace":"a","name":"b"}}'
	echo '{"eventTime":"2025-12-04T10:00:00Z","producer":"p","job":{"namespace":"a","name":"b"}}'
	echo '{"eventTime":"2025-12-04T10:00:00Z","producer":"p","eventType":"DONE","run":{"runId":"'$R6'"},"job":{"namespace":"a","name":"b"}}'
	echo '{"eventTime":"2025-12-04T10:00:00Z","producer":"p","run":{"runId":"'$R6'"},"job":{"namespace":"a","name":"b"},"inputs":{"x":1}}'
	echo '{"eventTime":"2025-12-04T10:00:00Z","producer":"p","run":{"runId":"'$R6'"},"job":{"namespace":"a","name":"b"},"inputs":[{"namespace":"n"}]}'
	echo '{"eventTime":"2025-12-04T10:00:00Z","producer":"p","dataset":{"namespace":"n","name":"d"}}'
	echo '{"eventTime":"2025-12-04T10:00:00Z","producer":"p","run":{"runId":"'$R6'"},"job":{"namespace":"a","name":"b"},"outputs":[{"namespace":"n","name":"d","facets":{"steward_digest":{"sha256":"XYZ"}}}]}'
	echo '[1,2,3]'
	echo ''
	echo '{"eventTime":"2025-12-04T10:00:00Z","producer":"p","run":{"runId":"'$R6'"},"job":{"namespace":"a","name":"b"},"eventTime":"2025-12-04T10:00:00Z"}'
	ev COMPLETE 2025-12-04T10:00:00Z $R2 snapshot.pd "" "$(ds s3://datasets training/pd sha256:$HB "\"steward_digest\":{\"sha256\":\"$HC\"}")"
	ev COMPLETE 2025-12-04T10:00:00Z $R2 other.job "" ""
	ev COMPLETE 2025-12-04T10:00:00Z 01935f00-0000-7000-8000-000000000007 last.good "" "" # line 17 good
} >"$E/bad.ndjson"
# an oversized line (over 1 MiB)
python3 -c 'import sys; sys.stdout.write("{\"pad\":\"" + "x" * (1024 * 1024 + 10) + "\"}\n")' >>"$E/bad.ndjson"
expect 3 "malformed: exit 3" as lena lineage import "$E/bad.ndjson"
has "malformed: summary" "$OUT" "17 events in 1 file: 2 imported, 0 already held, 15 malformed"
has "malformed: says so" "$ERR" "15 malformed events were skipped"
for want in \
	"bad.ndjson:2: not JSON" \
	"bad.ndjson:3: job.name is missing" \
	"bad.ndjson:4: eventTime \"yesterday\" is not an ISO 8601 date-time" \
	"bad.ndjson:5: run.runId \"not-a-uuid\" is not a UUID" \
	"bad.ndjson:6: a JobEvent" \
	"bad.ndjson:7: eventType \"DONE\" is not START" \
	"bad.ndjson:8: inputs is not an array" \
	"bad.ndjson:9: inputs[0].name is missing" \
	"bad.ndjson:10: a DatasetEvent" \
	"bad.ndjson:11: outputs[0].facets.steward_digest.sha256 is not 64 lowercase hex digits" \
	"bad.ndjson:12: not a JSON object" \
	"bad.ndjson:14: not JSON: duplicate object key" \
	"bad.ndjson:15: outputs[0].facets.steward_digest.sha256 differs from the sha256 datasetVersion" \
	"bad.ndjson:16: run $R2 was recorded under another job" \
	"bad.ndjson:18: event of 1048596 bytes is over the 1048576 byte limit"; do
	has "malformed: $want" "$ERR" "$want"
done
same "malformed: none half-written" "$(store_sql "$DB" "SELECT count(*) FROM lineage_jobs WHERE name IN ('b', 'other.job')")" 0
same "malformed: the valid ones landed" "$(store_sql "$DB" "SELECT count(*) FROM lineage_jobs WHERE name IN ('good.one', 'last.good')")" 2
# A digest that contradicts the one recorded for the same dataset version is refused.
ev COMPLETE 2025-12-05T10:00:00Z $R2 snapshot.pd "" "$(ds s3://feature-store features/loans v12 "\"steward_digest\":{\"sha256\":\"$HC\"}")" >"$E/conflict.ndjson"
expect 3 "conflicting digest" as lena lineage import "$E/conflict.ndjson"
has "conflicting digest: named" "$ERR" "dataset s3://feature-store/features/loans version v12 has digest sha256:$HA recorded, this event says sha256:$HC"
# A JSON file that is neither one event nor lines of them.
printf '{\n "eventTime": \n' >"$E/cut.json"
expect 3 "a cut pretty-printed file" as lena lineage import "$E/cut.json"
has "cut: named at line 1" "$ERR" "cut.json:1:"

# --- cycles in hand-written events end ---
{
	ev COMPLETE 2025-12-06T10:00:00Z 01935f00-0000-7000-8000-0000000000c1 cycle.a "$(ds s3://c x v1)" "$(ds s3://c y v1)"
	ev COMPLETE 2025-12-06T11:00:00Z 01935f00-0000-7000-8000-0000000000c2 cycle.b "$(ds s3://c y v1)" "$(ds s3://c x v1)"
	ev COMPLETE 2025-12-06T12:00:00Z 01935f00-0000-7000-8000-0000000000c3 cycle.train "$(ds s3://c x v1)" "" '"steward_model":{"name":"churn","version":1}'
} >"$E/cycle.ndjson"
expect 0 "import a cycle" as lena lineage import "$E/cycle.ndjson"
expect 0 "a cycle ends (upstream)" timeout "$(slow 10)" "$STEWARD" lineage show churn 1 --db "$DB"
has "cycle: repeat named, not followed" "$OUT" "(shown above)"
expect 0 "a cycle ends (both ways, json)" timeout "$(slow 10)" "$STEWARD" lineage show --dataset s3://c/x --upstream --downstream --json --db "$DB"
valid "cycle json"
same "cycle: each node once" "$(sqlite3 :memory: "SELECT count(*) - count(DISTINCT json_extract(value, '\$.id')) FROM json_each(CAST(readfile('$TMPD/json') AS TEXT), '\$.nodes')")" 0

# --- a version that appears after its events: linked when read, signed by attest ---
ev COMPLETE 2025-12-07T10:00:00Z 01935f00-0000-7000-8000-0000000000d1 train.pd2 "$(ds s3://datasets training/pd sha256:$HB)" "" '"mlflow":{"runId":"00aa11bb22cc"}' >"$E/early.ndjson"
expect 0 "import before the version exists" as lena lineage import "$E/early.ndjson"
has "early: nothing to attest yet" "$OUT" "0 model versions attested"
as lena version add pd --artifact s3://m/pd/2 --digest "$D1" --run 00aa11bb22cc >/dev/null || fail "pd v2"
as ada alias set pd staging 2 >/dev/null || fail "pd v2 staging"
expect 0 "linked once the version exists" "$STEWARD" lineage show pd 2 --db "$DB"
has "v2: linked" "$OUT" "train.pd2"
has "v2: not attested" "$OUT" "lineage-complete: not attested"
run as ada gate pd 2 --to production
has "v2 gate: unknown until signed" "$OUT" "UNKNOWN lineage"
has "v2 gate: says how" "$OUT" "steward lineage attest pd 2"
expect 0 "attest v2" as lena lineage attest pd 2
has "attest: appended" "$OUT" "lineage.set entry appended, signed by lena"
expect 0 "attest again: nothing new" as lena lineage attest pd 2
has "attest again: says so" "$OUT" "nothing to sign"
run as ada gate pd 2 --to production
has "v2 gate: now passes" "$OUT" "PASS    lineage"
expect 1 "attest an unknown version" as lena lineage attest pd 7

# --- a writer of the store file who holds no key ---
store_copy "$DB" "$TMPD/w.db"
# Giving churn's feature table a digest in the tables does not make the gate pass.
store_sql "$TMPD/w.db" "UPDATE lineage_dsv SET digest = 'sha256:$HC' WHERE digest = ''" || fail "tamper digest"
run "$STEWARD" gate churn 1 --to production --db "$TMPD/w.db"
has "tamper: gate still reads the signed entry" "$OUT" "FAIL    lineage"
has "tamper: and says the store moved" "$OUT" "the store's lineage changed since"
expect 0 "tamper: show says so too" "$STEWARD" lineage show churn 1 --db "$TMPD/w.db"
has "tamper: show" "$OUT" "the store's lineage changed since"
# Rewriting the signed entry (after dropping the append-only trigger) is a forgery.
store_copy "$DB" "$TMPD/f.db"
store_sql "$TMPD/f.db" "DROP TRIGGER ledger_no_update; UPDATE ledger SET body = CAST(replace(CAST(body AS TEXT), '\"complete\":false', '\"complete\":true') AS BLOB) WHERE action = 'lineage.set' AND subject = 'models:/churn/1'" || fail "forge"
expect 1 "forged lineage.set: the gate refuses" "$STEWARD" gate churn 1 --to production --db "$TMPD/f.db"
has "forged: named" "$ERR" "ledger entry"
# Deleting the entry leaves the gate without signed lineage: unknown, never pass.
store_copy "$DB" "$TMPD/d.db"
store_sql "$TMPD/d.db" "DROP TRIGGER ledger_no_delete; DELETE FROM ledger WHERE action = 'lineage.set' AND subject = 'models:/pd/2'" || fail "delete"
run "$STEWARD" gate pd 2 --to production --db "$TMPD/d.db"
has "deleted: unknown, never pass" "$OUT" "UNKNOWN lineage"
has "deleted: the unsigned store lineage named" "$OUT" "no lineage.set entry signs it"
expect 1 "deleted: audit verify finds the hole" "$STEWARD" audit verify --db "$TMPD/d.db"
# Moving a version's run id in the tables re-links it, but the signed entry still rules.
store_copy "$DB" "$TMPD/m.db"
store_sql "$TMPD/m.db" "UPDATE versions SET run_id = '' WHERE run_id = '00aa11bb22cc'" || fail "unlink"
run "$STEWARD" gate pd 2 --to production --db "$TMPD/m.db"
has "unlinked: still the signed verdict" "$OUT" "PASS    lineage"
has "unlinked: the change shows" "$OUT" "the store's lineage changed since"
expect 0 "audit verify replays lineage.set" "$STEWARD" audit verify --db "$DB"

# --- a large file: 100,000 events ---
python3 - "$E/big.ndjson" <<'PY'
import sys
with open(sys.argv[1], "w") as f:
    for i in range(100000):
        run = "01936000-0000-7000-8000-%012x" % i
        f.write('{"eventType":"COMPLETE","eventTime":"2025-12-08T00:00:00Z","producer":"p","run":{"runId":"%s"},"job":{"namespace":"bulk","name":"job%d"},"inputs":[{"namespace":"s3://bulk","name":"in%d","facets":{"version":{"datasetVersion":"v1"}}}],"outputs":[{"namespace":"s3://bulk","name":"out%d"}]}\n' % (run, i % 1000, i % 5000, i))
PY
expect 0 "import 100,000 events" as lena lineage import "$E/big.ndjson"
has "big: counts" "$OUT" "100000 events in 1 file: 100000 imported"
same "big: stored" "$(store_sql "$DB" "SELECT count(*) FROM lineage_runs WHERE job IN (SELECT id FROM lineage_jobs WHERE namespace = 'bulk')")" 100000
expect 0 "big: again, all held" as lena lineage import "$E/big.ndjson"
has "big again: counts" "$OUT" "0 imported, 100000 already held"

finish
