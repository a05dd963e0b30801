# console-alerts.sh: the console against a real Alertmanager: :alerts lists what it fires, s silences an alert there (read back from Alertmanager, in the ledger), u expires the silence, and with the server down the view keeps the last alerts, naming why and how old they are.
. "$STEWARD_TOP/tests/lib.sh"
. "$STEWARD_TOP/tests/integration/lib-alertmanager.sh"
. "$STEWARD_TOP/tests/lib-script.sh"

export LC_ALL=C.UTF-8
unset NO_COLOR STEWARD_KEY
# Alertmanager keeps real time and refuses a silence that ends in its past: the clocks must agree.
NOW=$(date +%s)
export STEWARD_NOW=$NOW
DB="$TMPD/s.db"
K="$TMPD/people"
mkdir -p "$K"
PASS=correct-horse-battery-staple
export STEWARD_PASSPHRASE=$PASS XDG_CONFIG_HOME="$TMPD/cfg"

as() {
	who=$1
	shift
	"$STEWARD" "$@" --db "$DB" --key "$K/$who.key"
}
"$STEWARD" init --db "$DB" --admin ada >/dev/null || fail "init"
cp "$TMPD/cfg/steward/keys/ada.key" "$TMPD/cfg/steward/keys/ada.key.pub" "$K/"
for p in sami:sre rosa:risk-officer ci:pipeline; do
	n=${p%%:*}
	"$STEWARD" key gen "$n" --out "$K/$n.key" >/dev/null || fail "key $n"
	as ada principal add "$n" --role "${p#*:}" --pubkey "$K/$n.key.pub" >/dev/null || fail "add $n"
done
as ada model add fraud-scoring --tier high --owner risk >/dev/null || fail "model"
as ci version add fraud-scoring --artifact "s3://models/fraud/2" --digest "sha256:$(printf '%064d' 2)" >/dev/null ||
	fail "version"
as ada alias set fraud-scoring production 1 >/dev/null || fail "production"
unset STEWARD_PASSPHRASE

am_start
CFG="$TMPD/steward.conf"
printf '[plugin alerts]\ntype = alertmanager\nurl = %s\ntimeout = 5\ninterval = 3600\n' "$AM_URL" >"$CFG"
sync_() { STEWARD_PASSPHRASE=$PASS "$STEWARD" sync alerts --db "$DB" --config "$CFG" --key "$K/ci.key"; }
am_alert "[{\"labels\": {\"alertname\": \"HighLatency\", \"model\": \"fraud-scoring\", \"version\": \"1\", \"severity\": \"critical\"},
	\"annotations\": {\"summary\": \"p99 latency above 300 ms\"},
	\"startsAt\": \"$(am_time $((NOW - 600)))\", \"endsAt\": \"$(am_time $((NOW + 3600)))\"}]"
expect 0 "sync the alert" sync_
# silences[] of Alertmanager's answer, one "state createdBy comment matchers" line each
silences() {
	am_get api/v2/silences
	printf '%s' "$OUT" >"$TMPD/sil.json"
	sqlite3 :memory: "SELECT json_extract(j.value, '\$.status.state') || ' ' || json_extract(j.value, '\$.createdBy') || ' '
		|| json_extract(j.value, '\$.comment') || ' ' || (SELECT group_concat(json_extract(m.value, '\$.name') || '='
		|| json_extract(m.value, '\$.value'), ',') FROM json_each(j.value, '\$.matchers') m)
		FROM json_each(CAST(readfile('$TMPD/sil.json') AS TEXT)) j"
}

screen ':alerts<Enter>' --size 120x24
has ":alerts: the alert Alertmanager fires" "$(row '^critical')" "fraud-scoring  v1 "
has "its summary" "$(row '^critical')" "HighLatency: p99 latency above 300 ms"
has "firing for 10 minutes" "$(row '^critical')" " 10m "
has "the source synced" "$(line 4)" "alerts ok, synced"
screen ':alerts<Enter>s' --key "$K/rosa.key" --config "$CFG"
has "a risk officer may not silence" "$(line 23)" "rosa holds risk-officer; this needs one of sre"
same "nothing made in Alertmanager" "$(silences)" ""

# s as the SRE: Alertmanager makes the silence, the ledger records it, the view shows it at once.
# (the silence runs on real time, read somewhere between BEFORE and AFTER: under valgrind well past NOW)
BEFORE=$(date +%s)
screen ":alerts<Enter>s30m<Enter>rolling back v1<Enter>y$PASS<Enter>" --key "$K/sami.key" --config "$CFG" --size 140x24
AFTER=$(date +%s)
has "silenced through Alertmanager" "$SCREEN" "silenced HighLatency (fraud-scoring) for 30m in alerts: silence "
same "Alertmanager holds the silence: creator, comment, the alert's labels" "$(silences)" \
	"active sami rolling back v1 alertname=HighLatency,model=fraud-scoring,severity=critical,version=1"
am_get api/v2/silences
printf '%s' "$OUT" >"$TMPD/sil.json"
ID=$(sqlite3 :memory: "SELECT json_extract(CAST(readfile('$TMPD/sil.json') AS TEXT), '\$[0].id')")
same "its end: 30 minutes from now" "$(sqlite3 :memory: "SELECT CAST(strftime('%s', json_extract(CAST(readfile('$TMPD/sil.json') AS TEXT),
	'\$[0].endsAt')) AS INTEGER) BETWEEN $BEFORE + 1790 AND $AFTER + 1830")" 1
same "the ledger: alert.silence by sami, naming the silence" \
	"$(store_sql "$DB" "SELECT actor || ' ' || action || ' ' || json_extract(body, '\$.data.silence') FROM ledger WHERE action = 'alert.silence'")" \
	"sami alert.silence $ID"
has "the view: silenced" "$(row 'HighLatency')" "silenced"
expect 0 "the ledger verifies" "$STEWARD" audit verify --db "$DB"

# After a sync the store knows the silence: who made it and how long it has left; u expires it there.
expect 0 "sync the silence" sync_
screen ':alerts<Enter>' --size 140x24
# (the console's clock is the suite's start; Alertmanager's runs on)
same "silenced by sami, with the time it has left" "$(row 'HighLatency' | grep -c 'silenced sami, [23][0-9]m left')" 1
screen ":alerts<Enter>u" --key "$K/sami.key" --config "$CFG" --size 160x24
has "u names the silence, its maker and comment" "$SCREEN" "expire silence $ID by sami (\"rolling back v1\""
screen ":alerts<Enter>uy$PASS<Enter>" --key "$K/sami.key" --config "$CFG" --size 140x24
has "expired through Alertmanager" "$SCREEN" "expired 1 silence of HighLatency in alerts: it fires again, as sami"
same "Alertmanager: the silence expired" "$(silences | cut -d' ' -f1)" expired
same "the ledger: alert.unsilence by sami" "$(store_sql "$DB" "SELECT actor FROM ledger WHERE action = 'alert.unsilence'")" sami
has "the view: firing again" "$(row 'HighLatency')" "firing"
expect 0 "the ledger still verifies" "$STEWARD" audit verify --db "$DB"

# Alertmanager down: the sync fails, the store keeps the last alerts, and the view says why and how old.
am_stop KILL
expect 1 "a sync of a dead Alertmanager fails" sync_
screen ':alerts<Enter>' --size 140x24
has "degraded, with the reason" "$(line 4)" "alerts degraded: "
has "the URL it could not reach" "$(line 4)" "$AM_URL"
has "the age of what is shown" "$(line 4) $(line 5)" "showing its data as of"
has "the last alert still listed" "$(row 'HighLatency')" "fraud-scoring"
screen ':alerts<Enter>s<Enter>why<Enter>y'"$PASS"'<Enter>' --key "$K/sami.key" --config "$CFG" --size 160x24
has "s while it is down: the refusal says so" "$SCREEN" "alerts refused the silence"
same "nothing recorded while it is down" "$(store_sql "$DB" "SELECT count(*) FROM ledger WHERE action = 'alert.silence'")" 1

finish
