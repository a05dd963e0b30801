# drill.sh: a full incident drill against real servers: an alert posted to Alertmanager, the matching playbook run from the console (scripted keys), traffic back on the known-safe version in HAProxy, the alias back, the alert silenced in Alertmanager, the incident timeline complete, audit verify passing; then a run that stops midway (HAProxy down), says where, and resumes there from the CLI.
. "$STEWARD_TOP/tests/lib.sh"
. "$STEWARD_TOP/tests/integration/lib-alertmanager.sh"
. "$STEWARD_TOP/tests/integration/haproxy-lib.sh"
. "$STEWARD_TOP/tests/lib-script.sh"

. "$STEWARD_TOP/tests/integration/drill-lib.sh"

export LC_ALL=C.UTF-8
unset NO_COLOR STEWARD_KEY
# Alertmanager keeps real time and refuses a silence that ends in its past: the clocks must agree.
NOW=$(date +%s)
export STEWARD_NOW=$NOW
drill_setup
same "all traffic on v2 before" "$(count 2)" 200

# --- the console: x on the alert, x per step, y for each action ---
KEYS=":alerts<Enter>x"
screen "$KEYS" --key "$K/sami.key" --config "$CFG" --size 140x30
has "x on the alert opens its playbook" "$SCREEN" "playbook rollback-on-error-spike on ranker"
has "nothing has run yet" "$SCREEN" "not started"
screen ":alerts<Enter>x" --key "$K/otto.key" --config "$CFG" --size 140x30
has "an auditor may not run a playbook" "$SCREEN" "otto holds auditor"
KEYS="$KEYS""x$PASS<Enter><wait>""xy<wait>""xy<wait>""xy<wait>""xy<wait>"
screen "$KEYS" --key "$K/sami.key" --config "$CFG" --size 140x30
has "the run says it is done" "$SCREEN" "done"

# --- what the drill changed, read back from the servers ---
same "HAProxy: v1 weight 100" "$(weight 1)" 100
same "HAProxy: v2 drained" "$(status 2)" DRAIN
same "every request reaches v1" "$(count 1)" 200
same "the registry: production back on v1" "$(production)" 1
has "Alertmanager holds sami's silence" "$(silences)" "active sami rolled back by playbook rollback-on-error-spike"
expect 0 "incident list" "$STEWARD" incident list --db "$DB"
has "one open critical incident" "$OUT" "Error rate spike on ranker v2"
INC=$(store_sql "$DB" "SELECT max(id) FROM incidents")
expect 0 "incident timeline" "$STEWARD" incident show "$INC" --db "$DB"
has "timeline: opened by sami" "$OUT" "open"
has "timeline: the note" "$OUT" "traffic and production back on the known-safe version"
expect 0 "the run, step by step" "$STEWARD" playbook runs --all --db "$DB"
has "run 1 done" "$OUT" "done"
expect 0 "playbook status 1" "$STEWARD" playbook status 1 --db "$DB"
for s in firing incident rollback silence note; do has "step $s recorded" "$OUT" "$s"; done
has "confirmed interactively" "$OUT" "interactive"
same "five signed step entries" "$(entries playbook.step)" 5
same "the rollback returned traffic in its own entry" "$(entries deploy.traffic)" 1
expect 0 "audit verify" "$STEWARD" audit verify --db "$DB"

# --- a run that stops midway and resumes where it stopped ---
expect 0 "resolve the incident" as sami incident resolve "$INC" --note "drill over"
promote 2 production
hap_cmd "set server $(hap_backend ranker)/v2 state ready" >/dev/null
hap_cmd "set server $(hap_backend ranker)/v2 weight 100" >/dev/null
hap_cmd "set server $(hap_backend ranker)/v1 weight 0" >/dev/null
am_get api/v2/silences
printf '%s' "$OUT" >"$TMPD/sil.json"
SID=$(sqlite3 :memory: "SELECT json_extract(CAST(readfile('$TMPD/sil.json') AS TEXT), '\$[0].id')")
expect 0 "sync the silence" as ci sync
expect 0 "expire the drill's silence: the alert fires again" as sami alert expire "$SID"
expect 0 "sync again" as ci sync
hap_stop
expect 2 "a run without a terminal needs --yes" sh -c "'$STEWARD' playbook run rollback-on-error-spike --model ranker --db '$DB' --key '$K/sami.key' --config '$CFG' </dev/null"
has "says so" "$ERR" "pass --yes"
expect 1 "the run stops at the rollback: HAProxy is down" as sami playbook run rollback-on-error-spike --model ranker --yes
has "says where" "$ERR" "stopped at step 3 (rollback)"
has "step 3 failed with the backend's reason" "$OUT" "[3/5] rollback"
same "production untouched" "$(production)" 2
hap_start
expect 0 "the same command resumes at step 3" as sami playbook run rollback-on-error-spike --model ranker --yes
has "resuming" "$OUT" "resuming run 2"
has "at step 3" "$OUT" "at step 3 of 5"
lacks "step 1 not run again" "$OUT" "[1/5]"
same "production back on v1" "$(production)" 1
same "HAProxy: v1 weight 100 again" "$(weight 1)" 100
expect 0 "the second run's steps" "$STEWARD" playbook status 2 --db "$DB" --json
has "recorded as --yes" "$OUT" '"confirmed": "--yes"'
has "the failed attempt kept" "$OUT" '"state": "error"'
# the console flags a share changed behind steward's back
hap_cmd "set server $(hap_backend ranker)/v2 state ready" >/dev/null
hap_cmd "set server $(hap_backend ranker)/v2 weight 50" >/dev/null
expect 0 "sync sees it" as ci sync
screen ':deployments<Enter>' --size 120x24
has "UNAPPROVED named with both plans" "$SCREEN" "UNAPPROVED: ranker serves 1=67 2=33, but steward decided 1=100 2=0:drain"
has "the model marked" "$(row 'ranker !')" "v1"
expect 0 "audit verify after both runs" "$STEWARD" audit verify --db "$DB"
finish
