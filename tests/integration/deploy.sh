# deploy.sh: live traffic under policy against a real HAProxy: canary (the share measured over 500 requests), a weight changed behind steward's back, shift, the canary soak read from signed entries, full behind the production gate, rollback returning traffic, and faults (refusals, a missing socket, a stalled or stopped haproxy, a version with no server).
. "$STEWARD_TOP/tests/lib.sh"
. "$STEWARD_TOP/tests/integration/haproxy-lib.sh"

DB="$TMPD/s.db"
K="$TMPD/keys"
P="$TMPD/pol"
mkdir -p "$K" "$P"
cp "$STEWARD_TOP"/policies/*.policy "$P/"
export STEWARD_PASSPHRASE=correct-horse-battery-staple XDG_CONFIG_HOME="$TMPD/cfg"
D1=sha256:1111111111111111111111111111111111111111111111111111111111111111
D2=sha256:2222222222222222222222222222222222222222222222222222222222222222
D3=sha256:3333333333333333333333333333333333333333333333333333333333333333
HOUR=3600

LATER=0
as() {
	who=$1
	shift
	env STEWARD_NOW=$((STEWARD_NOW + LATER)) "$STEWARD" "$@" --db "$DB" --key "$K/$who.key" --config "$CFG"
}
entries() { store_sql "$DB" "SELECT count(*) FROM ledger WHERE action = '$1'"; }
size() { store_sql "$DB" "SELECT count(*) FROM ledger"; }
# count V: how many of 500 requests to the ranker's frontend version V answered
count() { curl -s "$(hap_url ranker)[1-500]" | grep -c "^v$1\$"; }
weight() { hap_field "$(hap_backend ranker)" "v$1" weight; }
status() { hap_field "$(hap_backend ranker)" "v$1" status; }

# --- the serving layer: nginx answering as versions 1 and 2, HAProxy in front (v2 idle) ---
nginx_versions_start 1 2
hap_start ranker=1:100,2:0
CFG="$TMPD/steward.conf"
printf '[plugin hap]\ntype = haproxy\nsocket = %s\ntimeout = 3\nmodel.ranker = %s v1:1 v2:2\n' \
	"$(hap_socket)" "$(hap_backend ranker)" >"$CFG"

# --- the estate: a low-tier model whose v1 went to production under policy ---
"$STEWARD" init --db "$DB" --admin ada --admin-key "$("$STEWARD" key gen ada --out "$K/ada.key" >/dev/null && echo "$K/ada.key")" >/dev/null || fail "init"
export STEWARD_KEY="$K/ada.key"
for p in lena:ml-lead mei:ml-lead sami:sre rosa:risk-officer otto:auditor ci:pipeline; do
	n=${p%%:*}
	"$STEWARD" key gen "$n" --out "$K/$n.key" >/dev/null || fail "key $n"
	as ada principal add "$n" --role "${p#*:}" --pubkey "$K/$n.key.pub" >/dev/null || fail "add $n"
done
for t in low medium high critical; do as ada policy enroll "$P/$t.policy" >/dev/null || fail "enrol $t"; done
"$STEWARD" model add ranker --tier low --owner digital --db "$DB" >/dev/null || fail "model"
printf '## Intended use\nranking\n\n## Evaluation\nheld out\n\n## Limitations\nnone known\n' >"$TMPD/card.md"
for d in "$D1" "$D2" "$D3"; do
	v=$("$STEWARD" version add ranker --artifact s3://m/ranker --digest "$d" --author j.chen --db "$DB") || fail "version"
	"$STEWARD" metric set ranker "$v" auc 0.91 --dataset holdout --db "$DB" >/dev/null || fail "metric"
	"$STEWARD" card set ranker "$v" --file "$TMPD/card.md" --db "$DB" >/dev/null || fail "card"
done
# promote V STAGE: requested by lena, approved by mei, applied by lena
promote() {
	as lena promote request ranker "$1" --to "$2" >/dev/null || fail "request $1 $2"
	rq=$(store_sql "$DB" "SELECT max(id) FROM requests")
	as mei approve "$rq" >/dev/null || fail "approve $rq"
	as lena promote apply "$rq" >/dev/null || fail "apply $rq"
}
promote 1 staging
promote 1 production
promote 2 staging

# --- sync reads the servers ---
expect 0 "sync reads HAProxy" as ci sync
expect 0 "deploy list" "$STEWARD" deploy list --db "$DB"
has "v1 takes everything" "$OUT" "ranker  1        live  100%"
has "names the server" "$OUT" "be_ranker/v1"
same "the first sight is the baseline" "$(entries traffic.imported)" 1
expect 0 "a second sync with nothing changed" as ci sync
same "writes no new entry" "$(entries traffic.imported)$(entries traffic.observed)" 10

# --- canary ---
expect 1 "a canary without a request" as sami deploy canary ranker 2 --weight 20
has "says a canary is a stage" "$ERR" "needs an open request to canary"
same "traffic unchanged" "$(weight 2)" 0
expect 2 "a weight over 100" as sami deploy canary ranker 2 --weight 101
expect 0 "request the canary" as lena promote request ranker 2 --to canary
expect 1 "a canary over half the traffic is a shift" as sami deploy canary ranker 2 --weight 60
has "says so" "$ERR" "from 1 to 50 percent"
expect 1 "an auditor may not move traffic" as otto deploy canary ranker 2 --weight 20
before=$(size)
expect 0 "canary at 20%" as sami deploy canary ranker 2 --weight 20
has "says the plan" "$OUT" "1=80 2=20"
same "one deploy.traffic entry" "$(entries deploy.traffic)" 1
same "the request was applied with it" "$(entries promotion.apply)" 4
same "show stat: v1 weight 80" "$(weight 1)" 80
same "show stat: v2 weight 20" "$(weight 2)" 20
n2=$(count 2)
n1=$(count 1)
expect 0 "about 20% of 500 requests reach the canary ($n2)" test "$n2" -ge 75 -a "$n2" -le 125
same "the rest reach v1" "$((n1 + n2))" 500
expect 0 "the canary alias moved" "$STEWARD" alias list ranker --db "$DB"
has "canary -> 2" "$OUT" "canary"
expect 0 "sync after the canary" as ci sync
same "matches the decision: no observation" "$(entries traffic.observed)" 0

# --- behind steward's back ---
hap_cmd "set server $(hap_backend ranker)/v2 weight 50" >/dev/null
expect 0 "sync sees the change" as ci sync
same "recorded as traffic.observed" "$(entries traffic.observed)" 1
expect 0 "deploy list flags it" "$STEWARD" deploy list ranker --db "$DB"
has "unapproved named with both plans" "$OUT" "UNAPPROVED: live traffic of ranker is 1=62 2=38, but steward decided 1=80 2=20"
LATER=$((2 * HOUR))
expect 1 "the gate does not count a soak the backend no longer serves" as sami gate ranker 2 --to production --json
has "canary soak unknown" "$OUT" '"rule": "canary-soaked"'
has "unknown status" "$OUT" "UNKNOWN"
LATER=0
expect 0 "shift back to 20%" as sami deploy shift ranker 2 --weight 20 --reason "undo a hand edit"
same "weight 20 again" "$(weight 2)" 20
expect 0 "deploy list after the shift" "$STEWARD" deploy list ranker --db "$DB"
lacks "the unapproved change is settled" "$OUT" "UNAPPROVED"

# --- a writer of the store file aims the plan: the stable version still comes from the signed decision ---
store_sql "$DB" "UPDATE deployments SET weight = CASE version WHEN 1 THEN 0 ELSE 100 END, share = CASE version WHEN 1 THEN 0 ELSE 100 END"
expect 0 "shift with a forged cache" as sami deploy shift ranker 2 --weight 30 --reason "a bit more"
has "v1 keeps the rest, as decided" "$OUT" "1=70 2=30"
same "HAProxy agrees: v1 weight 70" "$(weight 1)" 70
expect 0 "shift back to 20%" as sami deploy shift ranker 2 --weight 20 --reason "back"
expect 0 "sync rewrites the cache" as ci sync

# --- shift: who may ---
expect 1 "a risk officer may not shift a low model's traffic" as rosa deploy shift ranker 2 --weight 50 --reason x
has "the policy's who rule" "$ERR$OUT" "who"
same "refused: traffic unchanged" "$(weight 2)" 20
expect 2 "shift needs a reason" as sami deploy shift ranker 2 --weight 50
expect 1 "a version with no server" as sami deploy shift ranker 3 --weight 50 --reason x
has "names it" "$ERR" "no server of ranker serves version 3"

# --- the soak, from signed entries only ---
store_sql "$DB" "DELETE FROM deployments; DROP TABLE IF EXISTS canary"
LATER=$((30 * 60))
expect 1 "after 30 minutes the soak is short" as sami gate ranker 2 --to production --json
printf "%s" "$OUT" >"$TMPD/soak.json"
same "canary soak fails" "$(sqlite3 :memory: "SELECT json_extract(value, '\$.status') FROM json_each(CAST(readfile('$TMPD/soak.json') AS TEXT), '\$.rules') WHERE json_extract(value, '\$.rule') = 'canary-soaked'")" FAIL
LATER=$((2 * HOUR))
expect 0 "request production" as lena promote request ranker 2 --to production
expect 0 "approve it" as mei approve "$(store_sql "$DB" "SELECT max(id) FROM requests")"
expect 0 "the gate passes after two hours at 20%" as sami gate ranker 2 --to production
expect 0 "sync again" as ci sync

# --- full ---
before=$(size)
expect 0 "full traffic through the production gate" as sami deploy full ranker 2
has "plan" "$OUT" "1=0:drain 2=100"
same "v1 drained" "$(status 1)" DRAIN
same "v1 weight 0" "$(weight 1)" 0
same "all 500 reach v2" "$(count 2)" 500
expect 0 "production is v2" "$STEWARD" alias list ranker --db "$DB"
has "production -> 2" "$OUT" "production"

# --- faults: nothing recorded when the serving layer fails ---
good=$CFG
CFG="$TMPD/nosock.conf"
printf '[plugin hap]\ntype = haproxy\nsocket = %s/none.sock\ntimeout = 3\nmodel.ranker = %s v1:1 v2:2\n' "$TMPD" \
	"$(hap_backend ranker)" >"$CFG"
before=$(size)
expect 1 "a missing socket" as sami deploy shift ranker 1 --weight 10 --reason x
has "names the socket" "$ERR" "none.sock"
same "nothing recorded" "$(size)" "$before"
CFG=$good
hap_pause
expect 1 "a stalled haproxy" as sami deploy shift ranker 1 --weight 10 --reason x
has "says it timed out" "$ERR" "within 3 s"
same "nothing recorded" "$(size)" "$before"
hap_resume
same "traffic unchanged" "$(weight 2)" 100

# --- rollback returns traffic, in one governed action ---
LATER=$((3 * HOUR))
hap_stop
expect 1 "rollback with haproxy down" as sami rollback ranker --reason "errors"
same "nothing recorded" "$(size)" "$before"
expect 0 "production still v2" "$STEWARD" alias list ranker --db "$DB" --json
has "v2" "$OUT" '"version": 2'
hap_start
hap_cmd "set server $(hap_backend ranker)/v1 weight 0" >/dev/null
hap_cmd "set server $(hap_backend ranker)/v1 state drain" >/dev/null
hap_cmd "set server $(hap_backend ranker)/v2 weight 100" >/dev/null
expect 0 "rollback" as sami rollback ranker --reason "error rate after release"
has "says traffic went back" "$OUT" "live traffic: all of it on version 1"
same "v1 weight 100" "$(weight 1)" 100
same "v2 drained" "$(status 2)" DRAIN
same "all 500 reach v1" "$(count 1)" 500
expect 0 "production is v1 again" "$STEWARD" alias list ranker --db "$DB" --json
has "v1" "$OUT" '"version": 1'
same "the rollback names its traffic entry" \
	"$(store_sql "$DB" "SELECT CASE WHEN CAST(json_extract(CAST(body AS TEXT), '\$.data.traffic_seq') AS BIGINT) = (SELECT max(seq) FROM ledger WHERE action = 'deploy.traffic') THEN 1 ELSE 0 END FROM ledger WHERE action = 'rollback'")" 1

# --- the ledger replays ---
expect 0 "audit verify" env STEWARD_NOW=$((STEWARD_NOW + LATER)) "$STEWARD" audit verify --db "$DB"
finish
