# openlineage.sh: events the real OpenLineage Python client writes through its file transport (a feature pipeline and a model's training runs, tests/integration/ol_pipeline.py), imported with `steward lineage import` into one store and followed by the openlineage plugin into another: the graph of every version checked end to end against what was emitted, the gate's lineage rule, the plugin picking up only what is new (appends, partial lines, files replaced or truncated, malformed, binary and linked files), and re-imports that change nothing.
. "$STEWARD_TOP/tests/lib.sh"

K="$TMPD/keys"
EV="$TMPD/ev" # the directory the pipeline's transports write into
A="$TMPD/a.db" # fed by `steward lineage import`
B="$TMPD/b.db" # fed by the openlineage plugin
M=loan-default-pd
MAN="$TMPD/manifest.json"
CFG="$TMPD/ol.conf"
mkdir -p "$K" "$EV"
export STEWARD_PASSPHRASE=correct-horse-battery-staple XDG_CONFIG_HOME="$TMPD/cfg"

# The client, from the venv scripts/test-venv builds once and caches outside the clone.
if out=$("$STEWARD_TOP/scripts/test-venv" --check openlineage-python=openlineage.client \
	"$STEWARD_TOP/tests/integration/openlineage-requirements.txt" 2>"$TMPD/venv.log"); then
	PY="$(printf '%s\n' "$out" | tail -n 1)/bin/python"
else
	why=$(tail -n 3 "$TMPD/venv.log" | tr '\n' ' ')
	if [ "${STEWARD_SKIP_OPENLINEAGE:-}" = 1 ]; then
		echo "SKIP $T_NAME: no OpenLineage client (STEWARD_SKIP_OPENLINEAGE=1): $why"
		printf 'RESULT %s passed=0 failed=0\n' "$T_NAME"
		exit 0
	fi
	fail "no OpenLineage client: scripts/test-venv tests/integration/openlineage-requirements.txt failed (set STEWARD_SKIP_OPENLINEAGE=1 to skip offline): $why"
	finish
	exit 1
fi
olp() { "$PY" "$STEWARD_TOP/tests/integration/ol_pipeline.py" "$@"; }
# The MLflow run id version V was registered with (32 hex digits, as MLflow makes them).
mlrun() { printf 'c0ffee%026d' "$1"; }
emit() { olp emit "$EV" "$1" "$MAN" --model "$M" --mlflow-run "1=$(mlrun 1)" --mlflow-run "4=$(mlrun 4)" --now "$STEWARD_NOW"; }
as() { # as WHO DB ARGS...
	who=$1
	db=$2
	shift 2
	"$STEWARD" "$@" --db "$db" --key "$K/$who.key"
}
sync_b() { as ci "$B" sync --config "$CFG" --json "$@"; }
# ev FIELD: a lineage count of the last `sync --json`
ev() { j "\$[0].lineage.$1"; }
# rule NAME: the status of gate rule NAME in the last gate --json output
rule() {
	printf '%s' "$OUT" >"$TMPD/gate.json"
	sqlite3 :memory: "SELECT json_extract(value, '\$.status') FROM json_each(CAST(readfile('$TMPD/gate.json') AS TEXT), '\$.rules')
		WHERE json_extract(value, '\$.rule') = '$1'"
}
# nodes WHERE: how many nodes of the last --json graph match the SQL condition on value
nodes() {
	printf '%s' "$OUT" >"$TMPD/g.json"
	sqlite3 :memory: "SELECT count(*) FROM json_each(CAST(readfile('$TMPD/g.json') AS TEXT), '\$.nodes') WHERE $1"
}
entries() { store_sql "$1" "SELECT count(*) FROM ledger WHERE action = 'lineage.set'"; }
sha() { printf '%s' "$1" | sha256sum | cut -c1-64; }

"$STEWARD" key gen ada --out "$K/ada.key" >/dev/null || fail "key ada"
for p in lena ci; do
	"$STEWARD" key gen "$p" --out "$K/$p.key" >/dev/null || fail "key $p"
done
for db in "$A" "$B"; do
	"$STEWARD" init --db "$db" --admin ada --admin-key "$K/ada.key" >/dev/null || fail "init $db"
	as ada "$db" principal add lena --role ml-lead --pubkey "$K/lena.key.pub" >/dev/null || fail "lena"
	as ada "$db" principal add ci --role pipeline --pubkey "$K/ci.key.pub" >/dev/null || fail "ci"
	as ada "$db" model add "$M" --tier critical --owner credit-risk >/dev/null || fail "model"
	as ada "$db" policy enroll "$STEWARD_TOP/policies/critical.policy" >/dev/null || fail "enrol critical"
	# Versions 1 and 4 were trained in the MLflow runs the training runs' "mlflow" facet names;
	# 2 and 3 in runs no event names (they are linked the other two ways).
	for v in 1 2 3 4; do
		as lena "$db" version add "$M" --artifact "s3://models/pd/$v" --digest "sha256:$(sha "pd-$v")" \
			--run "$(mlrun "$v")" >/dev/null || fail "version $v"
	done
done
# gate_lineage DB V: G = the gate's lineage rule for V -> production (V put in staging first).
gate_lineage() {
	as ada "$1" alias set "$M" staging "$2" >/dev/null || fail "staging $2"
	run "$STEWARD" gate "$M" "$2" --to production --db "$1" --json
	G=$(rule lineage)
}
gate_lineage "$A" 1
same "before any event the lineage rule cannot know" "$G" UNKNOWN

# --- the pipeline runs: what the real client writes ---
emit base || fail "ol_pipeline.py emit base"
same "append=True: one JSON line per event, six events" "$(wc -l <"$EV/pipeline.ndjson" | tr -d ' ')" 6
same "append=False: one file per event" "$(ls "$EV" | grep -c '^train-2')" 2
for f in "$EV"/train-2*.json; do
	same "${f##*/}: one line" "$(wc -l <"$f" | tr -d ' ')" 1
done
for f in "$EV"/train-debug-*.json; do
	n=$(wc -l <"$f" | tr -d ' ')
	[ "$n" -gt 20 ] && ok || fail "${f##*/}: debug_mode writes one event over many lines, got $n"
done

# --- (b) the plugin follows the directory; (a) lineage import reads it ---
printf '[plugin lineage]\ntype = openlineage\ndir = %s\n' "$EV" >"$CFG"
expect 0 "first sync" sync_b
same "first sync: every event" "$(ev events)" 10
same "first sync: all new" "$(ev imported)" 10
same "first sync: none held" "$(ev duplicates)" 0
same "first sync: none malformed" "$(ev malformed)" 0
same "first sync: versions 1 and 2 attested" "$(ev attested)" 2
expect 0 "a sync with nothing new" sync_b
same "nothing new: no event read again" "$(ev events)" 0
expect 0 "text summary" as ci "$B" sync --config "$CFG"
has "text summary" "$OUT" "lineage: 0 lineage events: 0 new, 0 already held, 0 malformed and skipped"

expect 0 "lineage import" as ci "$A" lineage import "$EV"
has "import: counts" "$OUT" "10 events in 5 files: 10 imported, 0 already held, 0 malformed and skipped"
has "import: attested" "$OUT" "2 model versions attested (a lineage.set entry signed by ci)"

# --- new events between two syncs ---
emit more || fail "ol_pipeline.py emit more"
expect 0 "second sync" sync_b
same "second sync: only the new events" "$(ev events)" 6
same "second sync: all new" "$(ev imported)" 6
same "second sync: nothing read again" "$(ev duplicates)" 0
same "second sync: versions 3 and 4 attested" "$(ev attested)" 2
expect 0 "lineage import again" as ci "$A" lineage import "$EV"
has "import again: only the new ones stored" "$OUT" "16 events in 9 files: 6 imported, 10 already held, 0 malformed"

# --- the graph of every version, end to end against what was emitted ---
for db in "$A" "$B"; do
	for v in 1 2 3 4; do
		expect 0 "show $v --json (${db##*/})" "$STEWARD" lineage show "$M" "$v" --upstream --json --db "$db"
		printf '%s' "$OUT" >"$TMPD/graph.json"
		if out=$(olp check "$MAN" "$TMPD/graph.json" "$M" "$v"); then ok; else fail "v$v graph (${db##*/}) differs from what was emitted: $out"; fi
		# The completeness the gate reads, and what the manifest says it must be.
		want=$(olp complete "$MAN" "$M" "$v")
		same "v$v: lineage state (${db##*/})" "$(j '$.lineage.state')" "$want"
		case $want in complete) rule=PASS ;; *) rule=FAIL ;; esac
		gate_lineage "$db" "$v"
		same "v$v: gate's lineage rule (${db##*/})" "$G" "$rule"
	done
done
# Both ways in, the same lineage (the ledger entry numbers aside).
for v in 1 2 3 4; do
	"$STEWARD" lineage show "$M" "$v" --db "$A" | sed 's/ledger entry [0-9]*//' >"$TMPD/a.txt"
	"$STEWARD" lineage show "$M" "$v" --db "$B" | sed 's/ledger entry [0-9]*//' >"$TMPD/b.txt"
	if cmp -s "$TMPD/a.txt" "$TMPD/b.txt"; then ok; else fail "v$v: import and plugin differ: $(diff "$TMPD/a.txt" "$TMPD/b.txt" | head -5)"; fi
done
# What an auditor reads, by hand.
expect 0 "show v1" "$STEWARD" lineage show "$M" 1 --db "$B"
has "v1: linked by its MLflow run" "$OUT" "job ml-training/train_loan_default_pd  COMPLETE  2025-12-30T12:56:00Z  mlflow run $(mlrun 1)"
has "v1: the training set's steward_digest" "$OUT" "dataset s3://acme-ml/training/loan-default-pd  2025-12-30  sha256:$(sha trainset@2025-12-30 | cut -c1-12)"
has "v1: the raw source's datasetVersion digest" "$OUT" "dataset postgres://lending-db:5432/lending.public.loans  version = digest  sha256:$(sha lending.public.loans@2025-12-30 | cut -c1-12)"
has "v1: complete" "$OUT" "lineage-complete: complete, signed by ci"
lacks "v1: the failed attempt wrote nothing it used" "$OUT" "FAIL"
expect 0 "show v2" "$STEWARD" lineage show "$M" 2 --db "$B"
has "v2: linked by its output models:/$M/2, from an indented document" "$OUT" "job ml-training/train_loan_default_pd  COMPLETE"
expect 0 "show v3" "$STEWARD" lineage show "$M" 3 --db "$B"
has "v3: the gap" "$OUT" "incomplete, signed by ci"
has "v3: names the sample without digest" "$OUT" "dataset s3://acme-ml/scratch/loan-default-sample has no digest"
expect 0 "show v4" "$STEWARD" lineage show "$M" 4 --db "$B"
has "v4: its run failed" "$OUT" "ended FAIL or ABORT"
expect 0 "show v1 --depth 1" "$STEWARD" lineage show "$M" 1 --depth 1 --json --db "$B"
same "depth 1: the version and its training run" "$(nodes 1)" 2
expect 0 "show v1 --dot" "$STEWARD" lineage show "$M" 1 --dot --db "$B"
has "dot" "$OUT" "digraph"
# A feature table's dependents: the failed attempt and every version.
expect 0 "show --dataset" "$STEWARD" lineage show --dataset s3://acme-features/loan_features --json --db "$B"
same "dataset: both its versions" "$(nodes "json_extract(value, '\$.kind') = 'dataset' AND json_extract(value, '\$.name') = 'loan_features'")" 2
same "dataset: every model version depends on it" "$(nodes "json_extract(value, '\$.kind') = 'model'")" 4
same "dataset: the failed attempt read it" "$(nodes "json_extract(value, '\$.job') = 'build_training_set' AND json_extract(value, '\$.state') = 'FAIL'")" 1
same "dataset: its schema" "$(nodes "json_extract(value, '\$.name') = 'loan_features' AND json_extract(value, '\$.fields[1].name') = 'dti'")" 2

# --- (b) what the plugin does with a directory a writer is busy in ---
# A line half written: left until its newline comes.
R_P=3b0e2b9a-6c1d-4f7e-8a21-000000000001
olp line "$TMPD/line.json" "$R_P" --now "$STEWARD_NOW" || fail "ol_pipeline.py line"
head -c 700 "$TMPD/line.json" >>"$EV/pipeline.ndjson"
expect 0 "sync with a partial last line" sync_b
same "partial line: not read" "$(ev events)" 0
expect 0 "plugin list" "$STEWARD" plugin list --db "$B" --config "$CFG"
has "partial line: no fault" "$OUT" "openlineage  lineage       ok"
tail -c +701 "$TMPD/line.json" >>"$EV/pipeline.ndjson"
printf '\n' >>"$EV/pipeline.ndjson"
expect 0 "sync once the line is whole" sync_b
same "whole line: read" "$(ev events)" 1
same "whole line: new" "$(ev imported)" 1
expect 0 "its run is there" "$STEWARD" lineage show --dataset s3://acme-features/loan_features --db "$B"
has "its run is there" "$OUT" "run $R_P  job feature-pipeline/refresh_dashboards"

# A file replaced by another (renamed over it): read again from its start.
R_Q=3b0e2b9a-6c1d-4f7e-8a21-000000000002
olp line "$TMPD/q.json" "$R_Q" --now "$STEWARD_NOW" || fail "line q"
{ head -n 3 "$EV/pipeline.ndjson"; cat "$TMPD/q.json"; echo; } >"$EV/.pipeline.new"
mv "$EV/.pipeline.new" "$EV/pipeline.ndjson"
expect 0 "sync after a replacement" sync_b
same "replaced: read from the start" "$(ev events)" 4
same "replaced: one new" "$(ev imported)" 1
same "replaced: three held already" "$(ev duplicates)" 3

# A one-event file truncated and rewritten shorter, in place.
R_T=3b0e2b9a-6c1d-4f7e-8a21-000000000003
T=$(ls "$EV"/train-2*.json | head -n 1)
ino=$(stat -c %i "$T")
olp line "$TMPD/t.json" "$R_T" --now "$STEWARD_NOW" || fail "line t"
cat "$TMPD/t.json" >"$T"
same "truncated in place: same inode" "$(stat -c %i "$T")" "$ino"
expect 0 "sync after a truncation" sync_b
same "truncated: read from the start" "$(ev events)" 1
same "truncated: its new event" "$(ev imported)" 1

# Malformed lines among valid ones: each skipped, the valid ones land, the sync says which.
R_G1=3b0e2b9a-6c1d-4f7e-8a21-000000000011
R_G2=3b0e2b9a-6c1d-4f7e-8a21-000000000012
olp line "$TMPD/g1.json" "$R_G1" --now "$STEWARD_NOW" || fail "line g1"
olp line "$TMPD/g2.json" "$R_G2" --now "$STEWARD_NOW" || fail "line g2"
{
	cat "$TMPD/g1.json"
	printf '\n{"eventType": "START", "eventTime": not json\n'
	printf '{"eventType": "START", "eventTime": "2025-12-31T10:00:00Z", "job": {"namespace": "x", "name": "y"}}\n'
	sed "s/$R_G1/not-a-uuid/" "$TMPD/g1.json"
	printf '\n{"eventType": "START", "pad": "'
	head -c 1100000 /dev/zero | tr '\0' x
	printf '"}\n'
	cat "$TMPD/g2.json"
	echo
} >"$EV/bad.ndjson"
expect 3 "sync with malformed events" sync_b
same "malformed: six events" "$(ev events)" 6
same "malformed: the valid two land" "$(ev imported)" 2
same "malformed: four skipped" "$(ev malformed)" 4
has "malformed: the first named with file and line" "$(ev first_malformed)" "bad.ndjson:2: not JSON"
expect 0 "plugin list" "$STEWARD" plugin list --db "$B" --config "$CFG"
has "malformed: the sync was partial" "$OUT" "partial"
has "malformed: health names it" "$OUT" "bad.ndjson:2"
expect 0 "sync after the malformed file" sync_b
same "malformed: not read again" "$(ev events)" 0
# The same file through lineage import names every one of them.
expect 3 "import the malformed file" as ci "$A" lineage import "$EV/bad.ndjson"
has "import: line 2" "$ERR" "bad.ndjson:2: not JSON"
has "import: line 3" "$ERR" "bad.ndjson:3:"
has "import: line 4" "$ERR" "bad.ndjson:4:"
has "import: line 5" "$ERR" "bad.ndjson:5: event of"
has "import: counts" "$OUT" "6 events in 1 file: 2 imported, 0 already held, 4 malformed and skipped"

# Things that are no event files: a binary, a link to a file elsewhere, a subdirectory, a FIFO.
R_X=3b0e2b9a-6c1d-4f7e-8a21-000000000021
olp line "$TMPD/outside.json" "$R_X" --now "$STEWARD_NOW" || fail "line outside"
sed -i 's|"name": "loan_features", "namespace": "s3://acme-features"|"name": "secret", "namespace": "s3://elsewhere"|' "$TMPD/outside.json"
echo >>"$TMPD/outside.json"
ln -s "$TMPD/outside.json" "$EV/link.json"
mkdir "$EV/sub"
cp "$TMPD/outside.json" "$EV/sub/nested.json"
mkfifo "$EV/fifo.json"
{
	printf '\177ELF\002\001\001'
	head -c 3000 /dev/zero
	printf '\n\001\002 binary \n'
	head -c 2000 /dev/zero | tr '\0' '\376'
} >"$EV/zz.bin"
expect 3 "sync beside junk" timeout "$(slow 120)" "$STEWARD" sync --db "$B" --config "$CFG" --json --key "$K/ci.key"
same "junk: the binary is one malformed event" "$(ev malformed)" 1
same "junk: nothing else read" "$(ev events)" 1
has "junk: named" "$(ev first_malformed)" "zz.bin:1:"
expect 1 "the linked file was not followed" "$STEWARD" lineage show --dataset s3://elsewhere/secret --db "$B"
rm -f "$EV/fifo.json" "$EV/link.json" "$EV/zz.bin"
rm -rf "$EV/sub"

# Configurations the plugin refuses, each saying why.
printf '[plugin lineage]\ntype = openlineage\n' >"$TMPD/nodir.conf"
expect 1 "no dir" as ci "$B" sync --config "$TMPD/nodir.conf"
has "no dir: says so" "$ERR" "dir is missing"
printf '[plugin lineage]\ntype = openlineage\ndir = %s\n' "$TMPD/absent" >"$TMPD/absent.conf"
expect 1 "absent dir" as ci "$B" sync --config "$TMPD/absent.conf"
has "absent dir: says so" "$ERR" "$TMPD/absent: No such file or directory"
printf '[plugin lineage]\ntype = openlineage\ndir = %s\n' "$MAN" >"$TMPD/file.conf"
expect 1 "a file as dir" as ci "$B" sync --config "$TMPD/file.conf"
has "a file as dir: says so" "$ERR" "is not a directory"
printf '[plugin lineage]\ntype = openlineage\ndir = %s\nmax_event = 12\n' "$EV" >"$TMPD/max.conf"
expect 1 "max_event too small" as ci "$B" sync --config "$TMPD/max.conf"
has "max_event: says the range" "$ERR" "max_event must be 1024 to 1048576 bytes"
# A pattern: only the indented documents, into a third store.
C="$TMPD/c.db"
"$STEWARD" init --db "$C" --admin ada --admin-key "$K/ada.key" >/dev/null || fail "init c"
printf '[plugin debug]\ntype = openlineage\ndir = %s\npattern = train-debug-*.json\n' "$EV" >"$TMPD/pattern.conf"
expect 0 "sync with a pattern" as ada "$C" sync --config "$TMPD/pattern.conf" --json
same "pattern: the two indented documents" "$(ev events)" 2
same "pattern: both new" "$(ev imported)" 2

# --- (c) importing again changes nothing ---
# The store fed by hand first catches up with what the plugin saw change since (the replaced
# and truncated files' new events).
expect 3 "catch up" as ci "$A" lineage import "$EV"
has "catch up: the two new events" "$OUT" " 2 imported,"
before_a=$(entries "$A")
before_b=$(entries "$B")
"$STEWARD" lineage show "$M" 1 --db "$A" >"$TMPD/before.txt"
expect 3 "import everything again" as ci "$A" lineage import "$EV"
has "again: nothing new" "$OUT" " 0 imported,"
has "again: nothing attested" "$OUT" "0 model versions attested"
same "again: no lineage.set entry" "$(entries "$A")" "$before_a"
"$STEWARD" lineage show "$M" 1 --db "$A" >"$TMPD/after.txt"
if cmp -s "$TMPD/before.txt" "$TMPD/after.txt"; then ok; else fail "re-import changed v1's lineage: $(diff "$TMPD/before.txt" "$TMPD/after.txt" | head -5)"; fi
# What the plugin brought, imported by hand: the same events, so nothing changes either.
expect 3 "import into the plugin's store" as ci "$B" lineage import "$EV"
has "plugin's store: nothing new" "$OUT" " 0 imported,"
same "plugin's store: no lineage.set entry" "$(entries "$B")" "$before_b"
expect 0 "a last sync" sync_b
same "a last sync: nothing to read" "$(ev events)" 0

finish
