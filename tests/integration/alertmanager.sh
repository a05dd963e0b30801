# alertmanager.sh: steward against a real Alertmanager: alerts and silences synced and mapped to models, silences made and expired through steward (read back from Alertmanager, in the ledger), the gate's alert rule, and faults (down, killed mid-sync, garbage, errors, stalls, refusals).
. "$STEWARD_TOP/tests/lib.sh"
. "$STEWARD_TOP/tests/integration/lib-alertmanager.sh"

# Alertmanager keeps real time and refuses a silence that ends in its past: the clocks must agree.
NOW=$(date +%s)
export STEWARD_NOW=$NOW
DB="$TMPD/s.db"
K="$TMPD/keys"
mkdir -p "$K"
export STEWARD_PASSPHRASE=correct-horse-battery-staple XDG_CONFIG_HOME="$TMPD/cfg"

as() {
	who=$1
	shift
	"$STEWARD" "$@" --db "$DB" --key "$K/$who.key"
}
"$STEWARD" init --db "$DB" --admin ada >/dev/null || fail "init"
cp "$TMPD/cfg/steward/keys/ada.key" "$TMPD/cfg/steward/keys/ada.key.pub" "$K/"
for p in sami:sre lena:ml-lead ci:pipeline; do
	n=${p%%:*}
	"$STEWARD" key gen "$n" --out "$K/$n.key" >/dev/null || fail "key $n"
	as ada principal add "$n" --role "${p#*:}" --pubkey "$K/$n.key.pub" >/dev/null || fail "add $n"
done
cp "$STEWARD_TOP/policies/critical.policy" "$TMPD/critical.policy"
as ada policy enroll "$TMPD/critical.policy" >/dev/null || fail "enrol the critical policy"
as ada model add fraud-scoring --tier critical --owner risk >/dev/null || fail "model"
for v in 1 2; do
	as ci version add fraud-scoring --artifact "s3://models/fraud/$v" \
		--digest "sha256:$(printf '%064d' "$v")" >/dev/null || fail "version $v"
done
as ada alias set fraud-scoring staging 2 >/dev/null || fail "staging"

am_start
CFG="$TMPD/steward.conf"
printf '[plugin alerts]\ntype = alertmanager\nurl = %s\ntimeout = 5\n' "$AM_URL" >"$CFG"
sync_() { "$STEWARD" sync --db "$DB" --config "$CFG" --key "$K/ci.key" "$@"; }
alerts() { "$STEWARD" alert list --db "$DB" --json "$@"; }
# rule NAME: the status of gate rule NAME in the last gate --json output
rule() {
	printf '%s' "$OUT" >"$TMPD/gate.json"
	sqlite3 :memory: "SELECT json_extract(value, '\$.status') FROM json_each(CAST(readfile('$TMPD/gate.json') AS TEXT), '\$.rules')
		WHERE json_extract(value, '\$.rule') = '$1'"
}
# the alert of the last alert list --json whose name is $1: its field $2
field() {
	printf '%s' "$OUT" >"$TMPD/alerts.json"
	sqlite3 :memory: "SELECT json_extract(value, '\$.$2') FROM json_each(CAST(readfile('$TMPD/alerts.json') AS TEXT))
		WHERE json_extract(value, '\$.name') = '$1'"
}
len() {
	printf '%s' "$OUT" >"$TMPD/len.json"
	sqlite3 :memory: "SELECT json_array_length(CAST(readfile('$TMPD/len.json') AS TEXT))"
}
names() { # the names of plugin 'alerts''s alerts in the last alert list --json
	printf '%s' "$OUT" >"$TMPD/len.json"
	sqlite3 :memory: "SELECT group_concat(json_extract(value, '\$.name'), ' ') FROM json_each(CAST(readfile('$TMPD/len.json') AS TEXT))
		WHERE json_extract(value, '\$.plugin') = 'alerts'"
}
entries() { store_sql "$DB" "SELECT count(*) FROM ledger WHERE action = '$1'"; }

# --- before any alert source synced: the gate cannot know ---
expect 1 "gate before any alert data" "$STEWARD" gate fraud-scoring 2 --to production --db "$DB" --json
same "the alert rule is unknown without data" "$(rule no-warnings)" UNKNOWN

# --- alerts: two for the model (a warning on v2, an info on the model as a whole), one unrelated ---
# Alertmanager keeps alerts in memory only: they are posted again after a restart.
ENDS=$(am_time $((NOW + 3600)))
post_alerts() {
	am_alert "[{\"labels\": {\"alertname\": \"HighLatency\", \"model\": \"fraud-scoring\", \"version\": \"2\", \"severity\": \"warning\"},
		\"annotations\": {\"summary\": \"p99 latency above 300 ms\", \"description\": \"not this one\"},
		\"startsAt\": \"$(am_time $((NOW - 600)))\", \"endsAt\": \"$ENDS\"},
		{\"labels\": {\"alertname\": \"TrafficDip\", \"model\": \"fraud-scoring\", \"version\": \"banana\", \"severity\": \"info\"},
		\"annotations\": {\"description\": \"traffic down 30% from last week\"},
		\"startsAt\": \"$(date -u -d "@$((NOW - 1200))" +%Y-%m-%dT%H:%M:%S).250+02:00\", \"endsAt\": \"$ENDS\"},
		{\"labels\": {\"alertname\": \"DiskFull\", \"instance\": \"db-1\", \"owner_model\": \"fraud-scoring\", \"severity\": \"critical\"},
		\"annotations\": {\"summary\": \"disk 95% full\"}, \"endsAt\": \"$ENDS\"},
		{\"labels\": {\"job\": \"node\", \"instance\": \"db-2\"}, \"endsAt\": \"$ENDS\"}]"
}
post_alerts

expect 0 "sync" sync_ --json
valid "sync --json"
same "the sync succeeded" "$(j '$[0].ok')" 1
expect 0 "alert list" alerts
valid "alert list --json"
same "the two alerts that name a model" "$(len)" 2
same "mapped to the model" "$(field HighLatency model)" fraud-scoring
same "the version label" "$(field HighLatency version)" 2
same "severity" "$(field HighLatency severity)" warning
same "summary before description" "$(field HighLatency summary)" "p99 latency above 300 ms"
same "since: startsAt" "$(field HighLatency since)" "$(am_time $((NOW - 600)))"
same "firing" "$(field HighLatency state)" active
same "not silenced" "$(field HighLatency 'silenced_by')" "[]"
same "a version label that is no number: the model as a whole" "$(field TrafficDip version)" ""
same "description when there is no summary" "$(field TrafficDip summary)" "traffic down 30% from last week"
same "a zone offset and a fraction: 20 minutes ago" "$(field TrafficDip since)" "$(am_time $((NOW - 1200 - 7200)))"
same "labels kept" "$(field HighLatency labels.alertname)" HighLatency
FP=$(field HighLatency fingerprint)
am_get "api/v2/alerts?filter=alertname%3D%22HighLatency%22"
has "the fingerprint is Alertmanager's" "$OUT" "\"fingerprint\":\"$FP\""
expect 0 "alert list --all" alerts --all
same "--all shows all four" "$(len)" 4
same "--all shows the unrelated alerts too" "$(field DiskFull model) $(field DiskFull severity)" " critical"
printf '%s' "$OUT" >"$TMPD/all.json"
same "an alert without alertname is named by its fingerprint" \
	"$(sqlite3 :memory: "SELECT count(*) FROM json_each(CAST(readfile('$TMPD/all.json') AS TEXT)) WHERE json_extract(value, '\$.name') = json_extract(value, '\$.fingerprint') AND json_extract(value, '\$.labels.instance') = 'db-2'")" 1
expect 0 "alert list --model" alerts --model other-model
same "another model has none" "$OUT" "[]"
expect 0 "alert list as text" "$STEWARD" alert list --db "$DB"
has "the table" "$OUT" "HighLatency"
has "with the summary" "$OUT" "p99 latency above 300 ms"
lacks "without the unrelated alert" "$OUT" "DiskFull"
expect 0 "silence list" "$STEWARD" silence list --db "$DB" --json
same "no silences yet" "$OUT" "[]"

# --- the gate: a warning fires for the model ---
expect 1 "gate while the warning fires" "$STEWARD" gate fraud-scoring 2 --to production --db "$DB" --json
same "no-warnings fails" "$(rule no-warnings)" FAIL

# --- bad input to silence and expire ---
expect 1 "an unknown fingerprint" as sami alert silence 0123456789abcdef --for 2h --comment x --config "$CFG"
has "is named" "$ERR" "no alert with fingerprint 0123456789abcdef"
expect 2 "a duration that is none" as sami alert silence "$FP" --for 2x --comment x --config "$CFG"
has "says what a duration is" "$ERR" "--for '2x' is not a duration"
expect 2 "a zero duration" as sami alert silence "$FP" --for 0m --comment x --config "$CFG"
expect 2 "longer than 30 days" as sami alert silence "$FP" --for 31d --comment x --config "$CFG"
expect 2 "shorter than a minute" as sami alert silence "$FP" --for 30s --comment x --config "$CFG"
expect 2 "a comment over 280 bytes" as sami alert silence "$FP" --for 2h --comment "$(printf '%0281d' 0)" --config "$CFG"
expect 2 "an empty comment" as sami alert silence "$FP" --for 2h --comment "" --config "$CFG"
has "asks why" "$ERR" "--comment is empty"
expect 2 "a blank comment" as sami alert silence "$FP" --for 2h --comment "   " --config "$CFG"
expect 2 "no comment" as sami alert silence "$FP" --for 2h --config "$CFG"
expect 1 "an ML lead may not silence" as lena alert silence "$FP" --for 2h --comment x --config "$CFG"
has "the role is named" "$ERR" "needs one of sre"
expect 1 "nor a pipeline key" as ci alert expire 00000000-0000-0000-0000-000000000000 --config "$CFG"
run as sami alert silence "$FP" --for 2h --comment x --config "$CFG" --readonly
[ "$RC" -ne 0 ] && [ "$RC" -lt 128 ] && ok || fail "--readonly silence: exit $RC"
has "--readonly refuses it" "$ERR" "--readonly"
: >"$TMPD/empty.conf"
chmod 600 "$TMPD/empty.conf"
expect 1 "no alert plugin configured" as sami alert silence "$FP" --for 2h --comment x --config "$TMPD/empty.conf"
has "says so" "$ERR" "no alert plugin configured"
expect 1 "--plugin that is not configured" as sami alert silence "$FP" --for 2h --comment x --config "$CFG" --plugin nosuch
has "names it" "$ERR" "no alert plugin [plugin nosuch]"
printf '[plugin alerts]\ntype = alertmanager\nurl = %s\n[plugin ml]\ntype = mlflow\nurl = http://127.0.0.1:9\n' "$AM_URL" >"$TMPD/two.conf"
expect 1 "a registry plugin cannot silence" as sami alert silence "$FP" --for 2h --comment x --config "$TMPD/two.conf" --plugin ml
has "says which" "$ERR" "plugin ml (type mlflow) cannot silence alerts"
expect 1 "an unknown silence" as sami alert expire 00000000-0000-0000-0000-000000000000 --config "$CFG"
has "is named" "$ERR" "no silence 00000000-0000-0000-0000-000000000000"
same "nothing was written to the ledger" "$(entries alert.silence) $(entries alert.unsilence)" "0 0"
am_get api/v2/silences
same "nor to Alertmanager" "$OUT" "[]"

# --- silence through steward, read back from Alertmanager ---
expect 0 "sami silences the warning" as sami alert silence "$FP" --for 2h --comment "known: rollout of v3 in progress" --config "$CFG" --json
valid "silence --json"
SID=$(j '$.silence')
case $SID in ????????-????-????-????-????????????) ok ;; *) fail "a silence id: '$SID'" ;; esac
same "created by the principal" "$(j '$.created_by')" sami
am_get api/v2/silences
printf '%s' "$OUT" >"$TMPD/sil.json"
sil() { sqlite3 :memory: "SELECT $1 FROM json_each(CAST(readfile('$TMPD/sil.json') AS TEXT)) j WHERE json_extract(j.value, '\$.id') = '$SID'"; }
same "Alertmanager holds it" "$(sil "json_extract(j.value, '\$.status.state')")" active
same "createdBy is the principal" "$(sil "json_extract(j.value, '\$.createdBy')")" sami
same "the comment" "$(sil "json_extract(j.value, '\$.comment')")" "known: rollout of v3 in progress"
ends=$(date -u -d "$(sil "json_extract(j.value, '\$.endsAt')")" +%s)
[ "$ends" -ge $((NOW + 7200)) ] && [ "$ends" -le $(($(date +%s) + 7200)) ] && ok ||
	fail "the silence ends in two hours: endsAt $ends, sent between $((NOW + 7200)) and $(($(date +%s) + 7200))"
same "matchers: the alert's labels, as equalities" \
	"$(sil "(SELECT group_concat(json_extract(m.value, '\$.name') || (CASE WHEN json_extract(m.value, '\$.isEqual') THEN '=' ELSE '!=' END) || (CASE WHEN json_extract(m.value, '\$.isRegex') THEN '~' ELSE '' END) || json_extract(m.value, '\$.value'), ' ') FROM json_each(j.value, '\$.matchers') m)")" \
	"alertname=HighLatency model=fraud-scoring severity=warning version=2"
same "one alert.silence entry" "$(entries alert.silence)" 1
expect 0 "audit log" "$STEWARD" audit log --db "$DB" --json
printf '%s' "$OUT" >"$TMPD/log.json"
LAST=$(sqlite3 :memory: "SELECT value FROM json_each(CAST(readfile('$TMPD/log.json') AS TEXT)) WHERE json_extract(value, '\$.action') = 'alert.silence'")
has "the entry names the silence id" "$LAST" "$SID"
has "and the actor" "$LAST" '"actor":"sami"'
has "and the fingerprint" "$LAST" "$FP"
expect 0 "the ledger verifies with the new entry" "$STEWARD" audit verify --db "$DB"

# --- synced again: suppressed, and the gate passes that rule ---
expect 0 "sync after the silence" sync_
expect 0 "alert list" alerts
same "the warning is suppressed" "$(field HighLatency state)" suppressed
has "by the silence" "$(field HighLatency silenced_by)" "$SID"
same "the info alert still fires" "$(field TrafficDip state)" active
expect 0 "silence list" "$STEWARD" silence list --db "$DB" --json
printf '%s' "$OUT" >"$TMPD/sil.json"
same "steward holds the silence" "$(sil "json_extract(j.value, '\$.state') || ' ' || json_extract(value, '\$.created_by')")" "active sami"
has "with its matchers" "$(sil "json_extract(j.value, '\$.matchers')")" "fraud-scoring"
expect 0 "silence list as text" "$STEWARD" silence list --db "$DB"
has "the id" "$OUT" "$SID"
expect 1 "gate once the warning is silenced" "$STEWARD" gate fraud-scoring 2 --to production --db "$DB" --json
same "no-warnings passes (an info alert is below warning)" "$(rule no-warnings)" PASS

# --- expire it ---
expect 0 "sami expires the silence" as sami alert expire "$SID" --config "$CFG" --json
same "which one" "$(j '$.silence')" "$SID"
am_get api/v2/silences
printf '%s' "$OUT" >"$TMPD/sil.json"
same "Alertmanager says expired" "$(sil "json_extract(j.value, '\$.status.state')")" expired
same "one alert.unsilence entry" "$(entries alert.unsilence)" 1
has "naming the silence" "$(store_sql "$DB" "SELECT body FROM ledger WHERE action = 'alert.unsilence'")" "$SID"
expect 0 "sync after expiry" sync_
expect 0 "alert list" alerts
same "the warning fires again" "$(field HighLatency state)" active
expect 1 "and the gate fails that rule again" "$STEWARD" gate fraud-scoring 2 --to production --db "$DB" --json
same "no-warnings fails" "$(rule no-warnings)" FAIL
expect 0 "the ledger verifies" "$STEWARD" audit verify --db "$DB"

# --- two silences on one alert: expiring one leaves it silenced by the other ---
expect 0 "a first silence" as sami alert silence "$FP" --for 1h --comment "first" --config "$CFG" --json
S1=$(j '$.silence')
expect 0 "a second silence" as sami alert silence "$FP" --for 1h --comment "second" --config "$CFG" --json
S2=$(j '$.silence')
expect 0 "alert list" alerts
has "silenced by the first" "$(field HighLatency silenced_by)" "$S1"
has "and by the second" "$(field HighLatency silenced_by)" "$S2"
expect 0 "expire the first" as sami alert expire "$S1" --config "$CFG"
expect 0 "alert list" alerts
same "still silenced, before any sync" "$(field HighLatency state)" suppressed
has "by the second" "$(field HighLatency silenced_by)" "$S2"
lacks "not the first" "$(field HighLatency silenced_by)" "$S1"
expect 0 "expire the second" as sami alert expire "$S2" --config "$CFG"
expect 0 "alert list" alerts
same "firing again" "$(field HighLatency state)" active
lacks "silenced by neither" "$(field HighLatency silenced_by)" "$S2"

# --- faults: Alertmanager down ---
am_stop KILL # an abrupt death, as a crash or an OOM kill
expect 1 "sync with Alertmanager down" sync_
has "names the URL" "$ERR" "$AM_URL/api/v2/alerts"
expect 0 "alert list" alerts
same "the last good alerts are kept" "$(field HighLatency state) $(field TrafficDip state)" "active active"
expect 0 "plugin list" "$STEWARD" plugin list --db "$DB" --config "$CFG" --json
same "health degraded" "$(j '$[0].health')" degraded
has "with the reason" "$(j '$[0].message')" "$AM_URL"
before=$(entries alert.silence)
expect 1 "silencing while Alertmanager is down" as sami alert silence "$FP" --for 1h --comment "down" --config "$CFG"
has "says why" "$ERR" "$AM_URL/api/v2/silences"
same "no ledger entry" "$(entries alert.silence)" "$before"
am_start
post_alerts
expect 0 "sync once it is back" sync_
expect 0 "alert list" alerts
same "the same alerts again" "$(len)" 2

# --- faults from a fake server (tests/integration/fake_alertmanager.py) ---
fake_start
fault() { # fault MODE WANT [ALSO]: a sync of plugin 'alerts' against the fake's MODE fails saying WANT (and ALSO), keeping the data
	printf '[plugin alerts]\ntype = alertmanager\nurl = %s/%s\ntimeout = 2\n' "$FAKE_URL" "$1" >"$TMPD/fake.conf"
	expect 1 "$1: the sync fails" "$STEWARD" sync --db "$DB" --config "$TMPD/fake.conf" --key "$K/ci.key"
	has "$1: says why" "$ERR" "$2"
	[ -z "${3:-}" ] || has "$1: says why" "$ERR" "$3"
	lacks "$1: no escape sequence reaches the terminal" "$ERR" "$(printf '\033')"
	has "$1: names the URL" "$ERR" "$FAKE_URL/$1/api/v2/"
	expect 0 "$1: alert list" alerts
	same "$1: the last good alerts are kept" "$(field HighLatency state) $(field TrafficDip state)" "active active"
}
fault garbage "the reply is not JSON" '<html>this is not JSON\x1b[31m</html>'
fault error500 "Alertmanager answered 500 to GET" "database on fire"
fault envelope "filter in query should be a matcher"
fault wrongtype "not a JSON list"
fault truncated "partial"
fault huge "larger than 33554432 bytes"
fault badalerts "startsAt 'yesterday at noon' is not an RFC 3339 time"
fault nofingerprint "has no fingerprint"
t0=$(date +%s)
fault stall "Timeout"
[ $(($(date +%s) - t0)) -lt 20 ] && ok || fail "a stalled server held the sync for $(($(date +%s) - t0)) s with timeout = 2"

# killed mid-sync: half a reply, then the server dies
printf '[plugin alerts]\ntype = alertmanager\nurl = %s/midway\ntimeout = 30\n' "$FAKE_URL" >"$TMPD/fake.conf"
"$STEWARD" sync --db "$DB" --config "$TMPD/fake.conf" --key "$K/ci.key" >"$TMPD/mid.out" 2>"$TMPD/mid.err" &
SYNC_PID=$!
n=0
until grep -q MIDWAY "$TMPD/fake.log" 2>/dev/null || [ "$n" -ge 100 ]; do sleep 0.1; n=$((n + 1)); done
fake_stop KILL
wait "$SYNC_PID"
RC=$?
same "killed mid-sync: the sync fails" "$RC" 1
has "saying the reply broke off" "$(cat "$TMPD/mid.err")" "$FAKE_URL/midway/api/v2/alerts"
expect 0 "alert list" alerts
same "the last good alerts are kept" "$(field HighLatency state) $(field TrafficDip state)" "active active"

# a silence the server refuses, or answers with nonsense: nothing in the ledger
fake_start
printf '[plugin fake]\ntype = alertmanager\nurl = %s/refuse\n' "$FAKE_URL" >"$TMPD/refuse.conf"
printf '[plugin fake]\ntype = alertmanager\nurl = %s/noid\n' "$FAKE_URL" >"$TMPD/noid.conf"
expect 0 "sync the refusing fake" "$STEWARD" sync --db "$DB" --config "$TMPD/refuse.conf" --key "$K/ci.key"
before=$(entries alert.silence)
expect 1 "a refused silence" as sami alert silence fa4efa4efa4efa4e --for 1h --comment "try" --config "$TMPD/refuse.conf"
has "with the server's reason" "$ERR" "the fake refuses every silence"
expect 1 "a reply without a silence id" as sami alert silence fa4efa4efa4efa4e --for 1h --comment "try" --config "$TMPD/noid.conf"
has "says so" "$ERR" "no silenceID"
same "no alert.silence entry for either" "$(entries alert.silence)" "$before"
expect 0 "the fake's silence was synced" "$STEWARD" silence list --db "$DB"
has "the fake's silence was synced" "$OUT" 00000000-0000-0000-0000-00000000beef
unsilences=$(entries alert.unsilence)
expect 1 "an expiry the server refuses" as sami alert expire 00000000-0000-0000-0000-00000000beef --config "$TMPD/refuse.conf"
has "with its reason" "$ERR" "silence not found"
same "no alert.unsilence entry" "$(entries alert.unsilence)" "$unsilences"
expect 0 "the ledger still verifies" "$STEWARD" audit verify --db "$DB"

# a configuration the plugin refuses
for bad in "timeout = 0:timeout must be 1..3600" "model_label = my-model:model_label must be a label name" \
	"colour = blue:unknown key 'colour'" "filter = a=\"b:filter: a quote is not closed" \
	"username_env = HOME:username_env and password_env go together"; do
	printf '[plugin alerts]\ntype = alertmanager\nurl = %s\n%s\n' "$AM_URL" "${bad%%:*}" >"$TMPD/bad.conf"
	expect 1 "${bad%%:*}" "$STEWARD" sync --db "$DB" --config "$TMPD/bad.conf" --key "$K/ci.key"
	has "says what is wrong" "$ERR" "${bad#*:}"
done

# the filter key: only the alerts it matches
printf '[plugin alerts]\ntype = alertmanager\nurl = %s\nfilter = {severity=~"warn.*", model="fraud-scoring"}\n' "$AM_URL" >"$TMPD/filter.conf"
expect 0 "a filtered sync" "$STEWARD" sync --db "$DB" --config "$TMPD/filter.conf" --key "$K/ci.key"
expect 0 "alert list --all" alerts --all
same "only the warning" "$(names)" HighLatency
printf '[plugin alerts]\ntype = alertmanager\nurl = %s\nmodel_label = owner_model\nseverity_label = instance\n' "$AM_URL" >"$TMPD/label.conf"
expect 0 "model_label and severity_label pick other labels" "$STEWARD" sync --db "$DB" --config "$TMPD/label.conf" --key "$K/ci.key"
expect 0 "alert list" alerts --all
same "owner_model names the model" "$(field DiskFull model)" fraud-scoring
same "instance is the severity" "$(field DiskFull severity)" db-1
same "and an alert without owner_model names none" "$(field HighLatency model)" ""
printf '[plugin alerts]\ntype = alertmanager\nurl = %s\nmodel_label = instance\n' "$AM_URL" >"$TMPD/label.conf"
expect 0 "model_label = instance" "$STEWARD" sync --db "$DB" --config "$TMPD/label.conf" --key "$K/ci.key"
expect 0 "alert list" alerts --all
same "a model the store does not hold is none" "$(field DiskFull model)" ""

finish
