# trace.sh: `steward trace`: the auditor's trail on a hand-built store (each section, each kind of gap, hostile names in every format) and on the demo estate, and what bad arguments get.
. "$STEWARD_TOP/tests/lib.sh"

DB="$TMPD/s.db"
K="$TMPD/keys"
P="$TMPD/pol"
mkdir -p "$K" "$P"
cp "$STEWARD_TOP"/policies/*.policy "$P/"
export STEWARD_PASSPHRASE=correct-horse-battery-staple XDG_CONFIG_HOME="$TMPD/cfg"
D1=sha256:1111111111111111111111111111111111111111111111111111111111111111
D2=sha256:2222222222222222222222222222222222222222222222222222222222222222
H=3600
# Attacker-controlled text everywhere it can go: a model name, comments, dataset names.
M='rank<script>alert("m")<\script> & co'

as() {
	who=$1
	shift
	"$STEWARD" "$@" --db "$DB" --key "$K/$who.key"
}
# at SECONDS CMD...: CMD with the clock that much later.
at() {
	t=$1
	shift
	env STEWARD_NOW=$((STEWARD_NOW + t)) "$@"
}
tr_() { "$STEWARD" trace "$@" --db "$DB"; }
py() { # py CODE [ARG]: python with r the JSON in out.json, ARG as sys.argv[2]
	python3 -c "import json, sys; r = json.load(open(sys.argv[1])); $1" "$TMPD/out.json" "${2:-}"
}

"$STEWARD" key gen ada --out "$K/ada.key" >/dev/null || fail "key ada"
"$STEWARD" init --db "$DB" --admin ada --admin-key "$K/ada.key" >/dev/null || fail "init"
for p in lena:ml-lead mei:ml-lead nia:ml-lead rosa:risk-officer sami:sre; do
	n=${p%%:*}
	"$STEWARD" key gen "$n" --out "$K/$n.key" >/dev/null || fail "key $n"
	as ada principal add "$n" --role "${p#*:}" --pubkey "$K/$n.key.pub" >/dev/null || fail "add $n"
done
for t in low medium high critical; do as ada policy enroll "$P/$t.policy" >/dev/null || fail "enrol $t"; done
printf '## Intended use\nranking\n## Evaluation\nholdout\n## Limitations\nnone known\n' >"$TMPD/card.md"
version() { # version MODEL DIGEST: a version with what the low-tier gate asks for
	v=$(as ada version add "$1" --artifact "s3://m/$(printf %s "$1" | tr -c "a-z0-9\n" _)" --digest "$2" --author j.chen) || fail "version $1"
	as ada metric set "$1" "$v" auc 0.9 --dataset holdout >/dev/null || fail "metric $1"
	as ada card set "$1" "$v" --file "$TMPD/card.md" >/dev/null || fail "card $1"
}
as ada model add "$M" --tier low --owner 'web "team" | ops' >/dev/null || fail "model"
version "$M" "$D1"
R=$(as lena promote request "$M" 1 --to staging) || fail "request staging"
as lena promote apply "$R" >/dev/null || fail "apply staging"
R=$(as lena promote request "$M" 1 --to production --comment 'ship it <script>alert("req")</script> | now') || fail "request"
# mei's approval lapses before the gate runs; nia's carries it.
as mei approve "$R" --ttl 1h --comment 'LGTM <b>"bold"</b> | pipe' >/dev/null || fail "mei approves"
as nia approve "$R" --ttl 30d >/dev/null || fail "nia approves"
# Two hours on: from here the clock stays there.
export STEWARD_NOW=$((STEWARD_NOW + 2 * H))
as lena promote apply "$R" >/dev/null || fail "apply production"
seqs() { "$STEWARD" audit log --db "$DB" --json | python3 -c 'import json,sys; print(" ".join(str(e["seq"]) for e in json.load(sys.stdin) if e["action"] == sys.argv[1]))' "$1"; }
APPLY1=$(seqs promotion.apply | cut -d' ' -f1)
APPLY=$(seqs promotion.apply | cut -d' ' -f2)
MEI=$(seqs approval.approve | cut -d' ' -f1)

# --- errors ---
expect 2 "no model" "$STEWARD" trace --db "$DB"
has "says what is missing" "$ERR" "MODEL"
expect 2 "two models" "$STEWARD" trace a b --db "$DB"
expect 1 "unknown model" tr_ nosuch
has "names the model" "$ERR" 'no model named "nosuch"'
expect 1 "alias pointing nowhere" tr_ "$M" --alias canary
has "names the alias and lists the others" "$ERR" 'alias "canary" of model'
has "lists the aliases it has" "$ERR" "its aliases: production=1, staging=1"
expect 1 "bad alias" tr_ "$M" --alias 'Prod uction'
has "alias rules" "$ERR" "aliases match"
expect 2 "unknown format" tr_ "$M" --format pdf
has "lists the formats" "$ERR" "--format pdf: wanted markdown, html or json"
expect 2 "--json against --format html" tr_ "$M" --format html --json
has "says they disagree" "$ERR" "disagree"
expect 2 "empty --out" tr_ "$M" --out ""
expect 1 "--out into a missing directory" tr_ "$M" --out "$TMPD/none/t.html"
has "names the file" "$ERR" "$TMPD/none/t.html"
expect 1 "no store" "$STEWARD" trace "$M" --db "$TMPD/none.db"
expect 0 "--readonly reads" tr_ "$M" --readonly

# --- decisions and signatures (JSON) ---
expect 0 "trace --format json" tr_ "$M" --format json
printf '%s' "$OUT" >"$TMPD/out.json"
same "valid JSON (python)" "$(py 'print(r["report"], r["format"])')" "steward trace 1"
same "--json is --format json" "$(tr_ "$M" --json)" "$OUT"
same "model name as stored" "$(j '$.model.name')" "$M"
same "the version behind production" "$(j '$.version.number')" 1
same "alias" "$(j '$.alias')" production
same "placed by a governed promotion" "$(j '$.placement.action')/$(j '$.placement.governed')/$(j '$.placement.seq')" "promotion.apply/1/$APPLY"
same "both moves of version 1" "$(py 'print(" ".join(d["alias"] + ":" + d["action"] for d in r["decisions"]))')" \
	"staging:promotion.apply production:promotion.apply"
same "the current one is production's" "$(py 'print([d["alias"] for d in r["decisions"] if d["current"]])')" "['production']"
same "policy name and digest of the gate" "$(j '$.decisions[1].policy.name') $(j '$.decisions[1].policy.sha256')" \
	"low-default sha256:$(sha256sum "$P/low.policy" | cut -d' ' -f1)"
same "the request was opened under it" "$(j '$.requests[1].policy.sha256')" "$(j '$.decisions[1].policy.sha256')"
same "the gate's rules recorded" "$(py 'print(sorted(x["rule"] for x in r["decisions"][1]["results"]))')" \
	"['auc-floor', 'card-basics', 'duties', 'fresh-approval', 'ml-lead-signoff']"
same "two requests" "$(py 'print([(q["id"], q["state"], q["applied_by"]) for q in r["requests"]])')" "[(1, 'applied', $APPLY1), (2, 'applied', $APPLY)]"
same "signers, roles, keys" "$(py 'print([(a["principal"], a["role"], len(a["key"])) for a in r["requests"][1]["decisions"]])')" \
	"[('mei', 'ml-lead', 16), ('nia', 'ml-lead', 16)]"
same "nia counts" "$(j '$.requests[1].decisions[1].counts')" 1
same "mei's lapsed approval does not count" "$(j '$.requests[1].decisions[0].counts')/$(j '$.requests[1].decisions[0].counted_by_gate')" "0/0"
has "and says why" "$(j '$.requests[1].decisions[0].why')" "it had expired (2026-01-01T01:00:00Z) when the gate applied request 2"
same "comment kept as text" "$(j '$.requests[1].decisions[0].comment')" 'LGTM <b>"bold"</b> | pipe'
same "gap: the approval" "$(py 'print([g["seq"] for g in r["gaps"] if g["kind"] == "approval-does-not-count"])')" "[$MEI]"
same "gap: no lineage yet" "$(py 'print(sum(g["kind"] == "lineage-missing" for g in r["gaps"]))')" 1
same "gap count agrees" "$(j '$.gap_count')" "$(py 'print(len(r["gaps"]))')"
# Every entry named is in the newest checkpoint, each with a checked proof.
same "checkpoint covers the ledger" "$(j '$.checkpoint.size')" "$(j '$.checkpoint.ledger_size')"
same "root is the signed note's" "$(py 'print(r["checkpoint"]["note"].split("\n")[2] == r["checkpoint"]["root"])')" True
same "every entry proved" "$(py 'print(sorted(set(e["proof"] for e in r["entries"])))')" "['verified']"
same "every object naming an entry says in_checkpoint" \
	"$(py '
def walk(o):
    if isinstance(o, dict):
        if isinstance(o.get("seq"), int) and "kind" not in o:
            yield o.get("in_checkpoint")
        for v in o.values():
            yield from walk(v)
    elif isinstance(o, list):
        for v in o:
            yield from walk(v)
print(sorted(set(map(str, walk(r)))))')" "['True']"
same "the index lists the applies and the approvals" "$(py 'print(all(s in [e["seq"] for e in r["entries"]] for s in ('"$APPLY1, $APPLY, $MEI, $(seqs approval.approve | cut -d' ' -f2)"')))')" True
same "the audit log agrees on the apply" "$("$STEWARD" audit log --db "$DB" --json | python3 -c 'import json,sys; print([e["action"] for e in json.load(sys.stdin) if e["seq"] == '"$APPLY"'][0])')" promotion.apply

# --- lineage: a feature job and a training run, one input without a digest ---
events() { # events FILE RUNSTATE: OpenLineage events for version 1 of $M
	python3 - "$1" "$M" "$2" <<'EOF'
import json, sys
out, model, state = sys.argv[1], sys.argv[2], sys.argv[3]
def ev(run, job, typ, t, inputs, outputs, facets=None):
    return json.dumps({"eventType": typ, "eventTime": t, "producer": "https://example.invalid/producer",
                       "schemaURL": "https://openlineage.io/spec/2-0-2/OpenLineage.json#/definitions/RunEvent",
                       "run": {"runId": run, "facets": facets or {}}, "job": {"namespace": "pipelines", "name": job},
                       "inputs": inputs, "outputs": outputs})
raw = {"namespace": "postgres://core", "name": "public.loans", "facets": {"dataSource": {"uri": "https://evil.example/pixel.png"}}}
feat = {"namespace": "s3://lake", "name": "features/loans", "facets": {"version": {"datasetVersion": "sha256:" + "a" * 64}}}
lab = {"namespace": "s3://lake", "name": "labels<script>alert(\"ds\")</script> 'q' | x", "facets": {}}
link = {"steward_model": {"name": model, "version": 1}}
r1, r2, r3 = "11111111-1111-4111-8111-111111111111", "22222222-2222-4222-8222-222222222222", "33333333-3333-4333-8333-333333333333"
with open(out, "w") as f:
    if state == "first":
        for e in (ev(r1, "features", "START", "2025-12-30T10:00:00Z", [raw], []),
                  ev(r1, "features", "COMPLETE", "2025-12-30T11:00:00Z", [raw], [feat]),
                  ev(r2, "train", "START", "2025-12-30T12:00:00Z", [feat, lab], [], link),
                  ev(r2, "train", "COMPLETE", "2025-12-30T13:00:00Z", [feat, lab], [], link)):
            print(e, file=f)
    else:
        print(ev(r3, "retrain", state, "2025-12-31T09:00:00Z", [], [], link), file=f)
EOF
}
events "$TMPD/ev1.ndjson" first || fail "events"
expect 0 "import the lineage, attested by lena" as lena lineage import "$TMPD/ev1.ndjson"
expect 0 "trace with lineage" tr_ "$M" --json
printf '%s' "$OUT" >"$TMPD/out.json"
same "recorded, not complete" "$(j '$.lineage.recorded')/$(j '$.lineage.complete')" "1/0"
same "one training run, two inputs, one without digest" "$(j '$.lineage.runs') $(j '$.lineage.inputs') $(j '$.lineage.undigested')" "1 2 1"
same "attested by lena and current" "$(j '$.lineage.attestation.signer')/$(j '$.lineage.attestation.current')/$(j '$.lineage.attestation.in_checkpoint')" "lena/1/1"
same "nodes: model, two runs, three datasets" "$(py 'print(sorted(n["kind"] for n in r["lineage"]["nodes"]))')" \
	"['dataset', 'dataset', 'dataset', 'model', 'run', 'run']"
same "the training run" "$(py 'print([(n["name"], n["state"]) for n in r["lineage"]["nodes"] if n["training"]])')" "[('train', 'COMPLETE')]"
same "the digest of the features" "$(py 'print([n["digest"] for n in r["lineage"]["nodes"] if n["name"] == "features/loans"])')" "['sha256:$(printf 'a%.0s' $(seq 64))']"
same "the gap on the labels node" "$(py 'print([n["gap"] for n in r["lineage"]["nodes"] if n["gap"]])')" "['no digest']"
same "its name as the producer wrote it" "$(py 'print([n["name"] for n in r["lineage"]["nodes"] if n["gap"]][0] == sys.argv[2])' "labels<script>alert(\"ds\")</script> 'q' | x")" True
same "an upstream source without a digest is not a gap" "$(py 'print([n["gap"] for n in r["lineage"]["nodes"] if n["name"] == "public.loans"])')" "['']"
same "edges run upstream to downstream" "$(py 'print(len(r["lineage"]["edges"]), all(e[0] != e[1] for e in r["lineage"]["edges"]))')" "5 True"
same "gaps now" "$(py 'print(sorted(g["kind"] for g in r["gaps"]))')" "['approval-does-not-count', 'dataset-without-digest']"

# A retraining linked to the same version that failed and read nothing:
# imported and attested, it makes the lineage incomplete twice over.
events "$TMPD/ev2.ndjson" FAIL || fail "events 2"
expect 0 "import a failed retraining" as lena lineage import "$TMPD/ev2.ndjson"
expect 0 "trace after" tr_ "$M" --json
printf '%s' "$OUT" >"$TMPD/out.json"
same "gaps: failed run, without inputs" "$(py 'print(sorted(g["kind"] for g in r["gaps"]))')" \
	"['approval-does-not-count', 'dataset-without-digest', 'run-not-complete', 'run-without-inputs']"
same "two training runs" "$(j '$.lineage.runs')" 2
same "the failed run is marked on its node" "$(py 'print([(n["training"], n["gap"]) for n in r["lineage"]["nodes"] if n["name"] == "retrain"])')" "[(True, 'run failed')]"
has "the gap names run and state" "$(py 'print([g["text"] for g in r["gaps"] if g["kind"] == "run-not-complete"][0])')" "training run 33333333-3333-4333-8333-333333333333 of job pipelines/retrain is FAIL, not COMPLETE"
same "the newest attestation is current" "$(j '$.lineage.attestation.current')" 1

# A store writer wipes the features' digest: the tables no longer say
# what lena signed.
store_sql "$DB" "UPDATE lineage_dsv SET digest = '' WHERE dataset = (SELECT id FROM lineage_datasets WHERE name = 'features/loans')" || fail "tamper digest"
expect 0 "trace after the digest went" tr_ "$M" --json
printf '%s' "$OUT" >"$TMPD/out.json"
same "attestation no longer current" "$(j '$.lineage.attestation.current')" 0
has "stale names the entry" "$(py 'print([g["text"] for g in r["gaps"] if g["kind"] == "lineage-attestation-stale"][0])')" "no longer matches what entry"
same "both inputs without digest now" "$(py 'print(sum(g["kind"] == "dataset-without-digest" for g in r["gaps"]))')" 2

# Attested by a writer without the log key: the new entry waits for a checkpoint.
mv "$(store_local "$DB" .logkey)" "$TMPD/logkey"
run as lena lineage attest "$M" 1
mv "$TMPD/logkey" "$(store_local "$DB" .logkey)"
# (On PostgreSQL a host without the log key leaves its entries to the signer's host, silently.)
if sqlite_only 1 "a writer without the log key is told"; then
	has "attested, but no checkpoint signed" "$ERR" "signing its checkpoint failed"
fi
ATT=$(seqs lineage.set | tr ' ' '\n' | tail -n 1)
expect 0 "trace with an entry after the checkpoint" tr_ "$M" --json
printf '%s' "$OUT" >"$TMPD/out.json"
same "attestation current, not in the checkpoint" "$(j '$.lineage.attestation.seq')/$(j '$.lineage.attestation.current')/$(j '$.lineage.attestation.in_checkpoint')" "$ATT/1/0"
same "entries after the checkpoint" "$(j '$.checkpoint.entries_after')" 1
same "its proof state" "$(py 'print([e["proof"] for e in r["entries"] if e["seq"] == '"$ATT"'])')" "['after checkpoint']"
has "the gap names it" "$(py 'print([g["text"] for g in r["gaps"] if g["kind"] == "after-checkpoint"])')" "1 entry of this trail ($ATT) is after the newest checkpoint"
lacks "no stale gap once re-attested" "$(py 'print([g["kind"] for g in r["gaps"]])')" "stale"
# The next command that writes (here one with nothing new to sign) signs it.
expect 0 "attest again, with the log key" as lena lineage attest "$M" 1
has "nothing new to sign" "$OUT" "nothing to sign"
expect 0 "trace after the checkpoint" tr_ "$M" --json
printf '%s' "$OUT" >"$TMPD/out.json"
same "now in the checkpoint" "$(j '$.lineage.attestation.in_checkpoint')/$(j '$.checkpoint.entries_after')" "1/0"
lacks "no after-checkpoint gap" "$(py 'print([g["kind"] for g in r["gaps"]])')" "after-checkpoint"
GAPS=$(j '$.gap_count')

# --- Markdown: escaped, pipes in table cells included ---
expect 0 "markdown is the default" tr_ "$M"
MD=$OUT
same "--format markdown is the same" "$(tr_ "$M" --format markdown)" "$MD"
has "title escaped" "$MD" '# Trace: rank\<script\>alert("m")\<\\script\> \& co, production = version 1'
same "every < escaped (but our own <br>)" "$(printf '%s' "$MD" | sed 's/<br>//g' | grep -c '[^\\]<')" 0
has "pipe in a table cell escaped" "$MD" '| Owner | web "team" \| ops |'
has "comment in the decisions table escaped" "$MD" 'LGTM \<b\>"bold"\</b\> \| pipe'
has "dataset name escaped" "$MD" "labels\\<script\\>alert(\"ds\")\\</script\\> 'q' \\| x"
has "gap section" "$MD" "## Gaps ($GAPS)"
has "gap: approval" "$MD" "**GAP approval-does-not-count** (entry $MEI)"
has "lineage summary" "$MD" "- Attested: by lena, entry $ATT (in checkpoint)"
has "checkpoint note indented" "$MD" "    $(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["checkpoint"]["origin"])' "$TMPD/out.json")"
# Each row of every table has its header's cells: an unescaped pipe would add one.
same "no table row has a cell too many" "$(printf '%s\n' "$MD" | sed 's/\\|//g' | awk -F'|' '/^\|/ { if (!on) n = NF; else if (NF != n) bad++; on = 1; next } { on = 0 } END { print bad + 0 }')" 0

# --- HTML: one file, nothing fetched, everything escaped ---
expect 0 "html to a file" tr_ "$M" --format html --out "$TMPD/t.html"
same "nothing on stdout with --out" "$OUT" ""
HT=$(cat "$TMPD/t.html")
has "a whole document" "$HT" "<!DOCTYPE html>"
has "ends" "$HT" "</html>"
has "CSP forbids fetches and scripts" "$HT" "default-src 'none'"
has "model name escaped" "$HT" 'rank&lt;script&gt;alert(&quot;m&quot;)&lt;\script&gt; &amp; co'
has "dataset name escaped in the SVG title" "$HT" "labels&lt;script&gt;alert(&quot;ds&quot;)&lt;/script&gt; &#39;q&#39; | x"
has "comment escaped" "$HT" "LGTM &lt;b&gt;&quot;bold&quot;&lt;/b&gt; | pipe"
has "a hostile URL stays text" "$HT" "https://evil.example/pixel.png"
same "one <script>-free document" "$(grep -ci '<script' "$TMPD/t.html")" 0
for bad in 'src=' 'href=' 'url(' '@import' '<link' '<img' '<iframe' '<object' '<embed' 'srcset' '<base' 'http-equiv="refresh'; do
	same "no $bad" "$(grep -ci -- "$bad" "$TMPD/t.html")" 0
done
same "the only URLs are text from the store" "$(grep -o 'https\?://[^ <"]*' "$TMPD/t.html" | sort -u | tr '\n' ' ')" "https://evil.example/pixel.png "
has "an inline SVG" "$HT" '<svg class="lineage"'
same "seven nodes drawn" "$(grep -c '<g class="node ' "$TMPD/t.html")" 7
same "six edges drawn" "$(grep -c '<path class="edge"' "$TMPD/t.html")" 6
same "three gap nodes (two without digest, the failed run)" "$(grep -c '<g class="node [a-z]* gap"' "$TMPD/t.html")" 3
has "gap named on the node" "$HT" '<text class="gap-label"'
has "gap in words" "$HT" "GAP: no digest"
python3 -c '
import sys
from html.parser import HTMLParser
class P(HTMLParser):
    def __init__(s):
        super().__init__(); s.stack = []; s.bad = []
    def handle_starttag(s, t, a):
        if t not in ("meta", "br", "rect", "path", "polygon"):
            s.stack.append(t)
    def handle_endtag(s, t):
        if t in ("rect", "path", "polygon"):
            return
        if not s.stack or s.stack[-1] != t:
            s.bad.append(t)
        else:
            s.stack.pop()
p = P(); p.feed(open(sys.argv[1]).read()); print(len(p.bad), p.stack)' "$TMPD/t.html" >"$TMPD/parse"
same "tags balance (no value broke out)" "$(cat "$TMPD/parse")" "0 []"
expect 0 "html to stdout" tr_ "$M" --format html
same "stdout and --out agree" "$OUT" "$HT"
expect 0 "--out replaces a file" tr_ "$M" --format json --out "$TMPD/t.html"
same "replaced with JSON" "$(head -c 1 "$TMPD/t.html")" "{"

# --- governance gaps on a second model ---
as ada model add plain --tier low --owner ops >/dev/null || fail "plain"
# Its training run is imported before the version exists: stored, linked
# once the version is recorded, but nobody attested it.
python3 - "$TMPD/ev3.ndjson" <<'EOF'
import json, sys
e = {"eventType": "COMPLETE", "eventTime": "2025-12-31T10:00:00Z", "producer": "p",
     "run": {"runId": "44444444-4444-4444-8444-444444444444", "facets": {"steward_model": {"name": "plain", "version": 1}}},
     "job": {"namespace": "pipelines", "name": "plain-train"},
     "inputs": [{"namespace": "s3://lake", "name": "plain", "facets": {"steward_digest": {"sha256": "b" * 64}}}], "outputs": []}
open(sys.argv[1], "w").write(json.dumps(e) + "\n")
EOF
expect 0 "import before the version exists" as lena lineage import "$TMPD/ev3.ndjson"
version plain "$D1"
version plain "$D2"
expect 0 "an admin sets production directly" as ada alias set plain production 2
expect 0 "trace plain" tr_ plain --json
printf '%s' "$OUT" >"$TMPD/out.json"
same "ungoverned, lineage missing" "$(py 'print(sorted(g["kind"] for g in r["gaps"]))')" "['alias-move-ungoverned', 'lineage-missing']"
has "names who and the entry" "$(py 'print([g["text"] for g in r["gaps"] if g["kind"] == "alias-move-ungoverned"][0])')" "production was put at version 2 by ada at entry"
same "placed by the admin's entry" "$(j '$.placement.action')/$(j '$.placement.governed')/$(j '$.placement.actor')" "alias.set/0/ada"
same "no requests" "$(j '$.requests')" "[]"
same "the HTML draws the version alone, its gap said" "$(tr_ plain --format html | grep -c '<text class="gap-label"[^>]*>GAP: no lineage<')" 1
# A store writer moves the alias in the table only: the ledger says otherwise.
store_sql "$DB" "UPDATE aliases SET version_id = (SELECT v.id FROM versions v JOIN models m ON m.id = v.model_id WHERE m.name = 'plain' AND v.version = 1) WHERE alias = 'production' AND model_id = (SELECT id FROM models WHERE name = 'plain')" || fail "tamper"
expect 0 "trace after the table was changed" tr_ plain --json
printf '%s' "$OUT" >"$TMPD/out.json"
same "traces what the table says" "$(j '$.version.number')" 1
has "and says the ledger disagrees" "$(py 'print([g["text"] for g in r["gaps"] if g["kind"] == "alias-disagrees"])')" "points at version 2, but the registry's table says version 1"
same "no decision moved version 1" "$(j '$.decisions')" "[]"
same "complete but unattested" "$(j '$.lineage.complete')/$(j '$.lineage.attestation')" "1/"
same "gaps" "$(py 'print(sorted(g["kind"] for g in r["gaps"]))')" "['alias-disagrees', 'lineage-unattested']"

# --- rows a store writer added or changed, which no signed entry backs ---
store_copy "$DB" "$TMPD/rows.db"
cp "$(store_local "$DB" .logkey)" "$(store_local "$TMPD/rows.db" .logkey)"
store_sql "$TMPD/rows.db" "INSERT INTO versions(model_id, version, artifact_uri, digest, author, created)
	SELECT id, 3, 's3://m/forged', '$D2', 'mallory', 1767225600 FROM models WHERE name = 'plain';
INSERT INTO aliases(model_id, alias, version_id, updated)
	SELECT m.id, 'canary', v.id, 1767225600 FROM models m JOIN versions v ON v.model_id = m.id WHERE m.name = 'plain' AND v.version = 3;
UPDATE requests SET requester = 'mallory' WHERE id = 2;
UPDATE versions SET digest = '$D2' WHERE version = 1 AND model_id = (SELECT id FROM models WHERE name = 'plain')" || fail "forge rows"
expect 0 "trace a version only the tables know" "$STEWARD" trace plain --alias canary --db "$TMPD/rows.db" --json
printf '%s' "$OUT" >"$TMPD/out.json"
same "unattested, not in the ledger" "$(py 'print(sorted(set(g["kind"] for g in r["gaps"]) & {"version-unattested", "alias-not-in-ledger", "lineage-missing"}))')" \
	"['alias-not-in-ledger', 'lineage-missing', 'version-unattested']"
same "nothing recorded it" "$(j '$.evidence.version.seq')" ""
expect 0 "trace a version whose digest was changed in the table" "$STEWARD" trace plain --db "$TMPD/rows.db" --json
printf '%s' "$OUT" >"$TMPD/out.json"
has "the signed digest is named" "$(py 'print([g["text"] for g in r["gaps"] if g["kind"] == "version-disagrees"])')" "another artifact digest than entry"
expect 0 "trace a request whose row was changed" "$STEWARD" trace "$M" --db "$TMPD/rows.db" --json
printf '%s' "$OUT" >"$TMPD/out.json"
same "the request says so" "$(py 'print(sum(g["kind"] == "request-tampered" for g in r["gaps"]))')" 1
has "naming the difference" "$(j '$.requests[1].tampered')" "request 2"
same "its decisions no longer count" "$(py 'print([a["counts"] for a in r["requests"][1]["decisions"]])')" "[False, False]"

# --- a store whose checkpoints were deleted, or forged ---
store_copy "$DB" "$TMPD/nocp.db"
cp "$(store_local "$DB" .logkey)" "$(store_local "$TMPD/nocp.db" .logkey)"
store_sql "$TMPD/nocp.db" "DROP TRIGGER checkpoints_no_delete; DELETE FROM checkpoints" || fail "drop checkpoints"
expect 0 "trace without a checkpoint" "$STEWARD" trace "$M" --db "$TMPD/nocp.db" --json
printf '%s' "$OUT" >"$TMPD/out.json"
same "checkpoint null" "$(j '$.checkpoint')" ""
same "no entry covered" "$(py 'print(sorted(set(e["proof"] for e in r["entries"])))')" "['after checkpoint']"
same "one no-checkpoint gap" "$(py 'print(sum(g["kind"] == "no-checkpoint" for g in r["gaps"]))')" 1
store_copy "$DB" "$TMPD/forged.db"
cp "$(store_local "$DB" .logkey)" "$(store_local "$TMPD/forged.db" .logkey)"
store_sql "$TMPD/forged.db" "DROP TRIGGER checkpoints_no_update; UPDATE checkpoints SET note = replace(note, substr(note, instr(note, char(10)) + 1, 2), '99') WHERE size = (SELECT max(size) FROM checkpoints)" || fail "forge"
expect 1 "a forged checkpoint is an error" "$STEWARD" trace "$M" --db "$TMPD/forged.db"
has "says so" "$ERR" "the newest checkpoint does not verify"

# --- the demo estate: a rollback and an overdue review, an admin's move ---
DEMO="$TMPD/demo.db"
expect 0 "demo" "$STEWARD" demo --no-tui --db "$DEMO"
expect 0 "trace search-ranking" "$STEWARD" trace search-ranking --db "$DEMO" --json
printf '%s' "$OUT" >"$TMPD/out.json"
same "production was rolled back to 6" "$(j '$.version.number')/$(j '$.placement.action')" "6/rollback"
same "the rollback and the promotions before it" "$(py 'print([(d["alias"], d["action"]) for d in r["decisions"]])')" \
	"[('staging', 'promotion.apply'), ('production', 'promotion.apply'), ('production', 'rollback')]"
same "the rollback names its review" "$(py 'print([q["kind"] for q in r["requests"] if q["id"] == r["decisions"][2]["review"]])')" "['review']"
has "its reason" "$(j '$.decisions[2].reason')" "click-through fell"
lacks "the review is not overdue yet" "$(py 'print([g["kind"] for g in r["gaps"]])')" "review-overdue"
expect 0 "a week later" at $((8 * 24 * H)) "$STEWARD" trace search-ranking --db "$DEMO" --json
printf '%s' "$OUT" >"$TMPD/out.json"
has "the review is overdue" "$(py 'print([g["text"] for g in r["gaps"] if g["kind"] == "review-overdue"])')" "is not signed"
expect 0 "trace loan-default-pd" "$STEWARD" trace loan-default-pd --db "$DEMO"
has "an admin's move is a gap" "$OUT" "**GAP alias-move-ungoverned**"
# The demo's lineage: credit-limit's is complete and signed, AML's training
# snapshot carries no digest.
expect 0 "trace credit-limit" "$STEWARD" trace credit-limit --db "$DEMO" --json
printf '%s' "$OUT" >"$TMPD/out.json"
same "complete, attested, current, in the checkpoint" \
	"$(j '$.lineage.complete')/$(j '$.lineage.attestation.complete')/$(j '$.lineage.attestation.current')/$(j '$.lineage.attestation.in_checkpoint')" "1/1/1/1"
same "its training run, COMPLETE" "$(py 'print([n["state"] for n in r["lineage"]["nodes"] if n["training"]])')" "['COMPLETE']"
same "every input of the training run has a digest" \
	"$(py 'ids = {n["id"] for n in r["lineage"]["nodes"] if n["training"]}; print(all(n["digest"].startswith("sha256:") for n in r["lineage"]["nodes"] if any(e[0] == n["id"] and e[1] in ids for e in r["lineage"]["edges"])))')" True
same "raw sources upstream too" "$(py 'print(max(n["depth"] for n in r["lineage"]["nodes"]) >= 5)')" True
lacks "no lineage gap" "$(py 'print([g["kind"] for g in r["gaps"]])')" "lineage"
expect 0 "trace aml-transaction-monitoring" "$STEWARD" trace aml-transaction-monitoring --db "$DEMO" --json
printf '%s' "$OUT" >"$TMPD/out.json"
same "attested incomplete" "$(j '$.lineage.complete')/$(j '$.lineage.attestation.complete')" "0/0"
has "the snapshot without digest is the gap" "$(py 'print([g["text"] for g in r["gaps"] if g["kind"] == "dataset-without-digest"])')" "s3://bank-ml-datasets/training/aml-transaction-monitoring"
expect 0 "trace staging" "$STEWARD" trace fraud-scoring --alias staging --db "$DEMO" --format html
has "the staging version" "$OUT" "staging = version 8"

finish
