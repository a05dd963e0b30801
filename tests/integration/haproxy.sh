# haproxy.sh: the haproxy plugin against a real HAProxy 2.6 in front of nginx serving model versions: sync (weights, states, shares, sessions, a change made behind steward's back), traffic plans applied and checked with 500 requests, a shadow fed by nginx's mirror, bad configurations and faults (socket missing, refusing, not a socket, HAProxy killed or frozen mid-way, a server HAProxy lacks, garbage), through steward and through the plugin itself.
. "$STEWARD_TOP/tests/lib.sh"
. "$STEWARD_TOP/tests/integration/haproxy-lib.sh"

BUILD=$(dirname "$STEWARD")
SO=$BUILD/plugins/steward-haproxy.so
DRIVE=$BUILD/tests/fake/hap-drive
for f in "$SO" "$DRIVE" "$HAP_CMD_BIN"; do
	[ -e "$f" ] || { fail "no $f: make $f"; finish; exit 1; }
done
DB="$TMPD/s.db"
K="$TMPD/keys"
mkdir -p "$K"
export STEWARD_PASSPHRASE=correct-horse-battery-staple XDG_CONFIG_HOME="$TMPD/cfg"

M=fraud-scoring
BE=be_$M
SH=be_${M}_shadow
# v1 stable, v2 the canary, v4 a version whose server is down (nothing listens on its port),
# v3 a shadow; churn's one server is down too.
LIVE="model.$M=$BE v1:1 v2:2 v4:4"
SHADOW="shadow.$M=$SH v3:3"
CHURN="model.churn=be_churn v7:7"
nginx_versions_start 1 2 3
hap_start "$M=1:100,2:0,4:0" "shadow.$M=3" "churn=7:10"
SOCK=$(hap_socket)

# drive VERB...: the plugin opened on the admin socket with the suite's configuration (tests/fake/hap-drive).
drive() { "$DRIVE" "$SO" "socket=$SOCK" timeout=2 "$LIVE" "$SHADOW" "$CHURN" -- "$@"; }
# rec TARGET: the record the last sync printed for TARGET ("model version target mode state weight share sessions").
rec() { printf '%s\n' "$OUT" | awk -v t="$1" '$3 == t'; }
stot() { hap_field "$1" "$2" stot; }
# count WORD: how many of the last requests' bodies were WORD.
count() { printf '%s\n' "$BODIES" | grep -c -x "$1"; }
# until_field BACKEND SERVER COLUMN VALUE: waits (5 s) for a column to read VALUE.
until_field() {
	n=0
	while [ "$(hap_field "$1" "$2" "$3")" != "$4" ] && [ "$n" -lt 50 ]; do
		n=$((n + 1))
		sleep 0.1
	done
	same "$1/$2 $3 becomes $4" "$(hap_field "$1" "$2" "$3")" "$4"
}
until_field "$BE" v4 status DOWN
until_field be_churn v7 status DOWN

# --- sync: what HAProxy has, server by server ---
expect 0 "health" drive health
has "health names HAProxy's version" "$OUT" "ok: HAProxy 2.6"
has "and the socket" "$OUT" "$SOCK"
expect 0 "sync" drive sync
same "one record per configured server" "$(printf '%s\n' "$OUT" | wc -l)" 5
same "the stable version takes everything" "$(rec "$BE/v1")" "$M 1 $BE/v1 live ready 100 100.00 $(stot "$BE" v1)"
same "the canary is ready with weight 0" "$(rec "$BE/v2")" "$M 2 $BE/v2 live ready 0 0.00 $(stot "$BE" v2)"
# (A down server's sessions are those it took before its check failed: none
# when the check wins the race with the first requests, some on a loaded machine.)
same "a server failing its check is down" "$(rec "$BE/v4")" "$M 4 $BE/v4 live down 0 0.00 $(stot "$BE" v4)"
same "the shadow: mode shadow, share 0" "$(rec "$SH/v3")" "$M 3 $SH/v3 shadow ready 1 0.00 $(stot "$SH" v3)"
same "a down server has no share whatever its weight" "$(rec be_churn/v7)" "churn 7 be_churn/v7 live down 10 0.00 $(stot be_churn v7)"
S1=$(stot "$BE" v1)
BODIES=$(curl -s "$(hap_url "$M")[1-30]")
same "30 requests, all to v1" "$(count v1)" 30
expect 0 "sync after 30 requests" drive sync
same "sessions are show stat's stot: 30 more" "$(rec "$BE/v1" | cut -d' ' -f8)" $((S1 + 30))

# A weight and a state changed behind steward's back are read back at the next sync.
hap_cmd "set server $BE/v2 weight 25" >/dev/null
expect 0 "sync after a weight changed through the socket" drive sync
same "v1's share: 100 of 125" "$(rec "$BE/v1" | cut -d' ' -f5-7)" "ready 100 80.00"
same "v2's weight and share" "$(rec "$BE/v2" | cut -d' ' -f5-7)" "ready 25 20.00"
hap_cmd "set server $BE/v2 state drain" >/dev/null
expect 0 "sync after drain" drive sync
same "a draining server keeps its weight, takes no share" "$(rec "$BE/v2" | cut -d' ' -f5-7)" "drain 25 0.00"
same "v1 has all of it again" "$(rec "$BE/v1" | cut -d' ' -f7)" "100.00"
hap_cmd "set server $BE/v2 state maint" >/dev/null
hap_cmd "set server $BE/v2 weight 30" >/dev/null
expect 0 "sync in maintenance" drive sync
same "maint, with the weight set in maintenance (uweight)" "$(rec "$BE/v2" | cut -d' ' -f5-7)" "maint 30 0.00"
A=$OUT
expect 0 "the TCP stats socket" "$DRIVE" "$SO" "socket=$(hap_tcp_socket)" "$LIVE" "$SHADOW" "$CHURN" -- sync
same "reads the same" "$OUT" "$A"
expect 0 "an operator-level socket reads too" "$DRIVE" "$SO" "socket=$(hap_operator_socket)" "$LIVE" "$SHADOW" "$CHURN" -- sync
same "the same" "$OUT" "$A"
hap_cmd "set server $BE/v2 weight 0" >/dev/null
hap_cmd "set server $BE/v2 state ready" >/dev/null

# --- through steward ---
"$STEWARD" init --db "$DB" --admin ada >/dev/null || fail "init"
cp "$TMPD/cfg/steward/keys/ada.key" "$TMPD/cfg/steward/keys/ada.key.pub" "$K/"
"$STEWARD" key gen ci --out "$K/ci.key" >/dev/null || fail "key ci"
"$STEWARD" principal add ci --role pipeline --pubkey "$K/ci.key.pub" --db "$DB" --key "$K/ada.key" >/dev/null || fail "add ci"
"$STEWARD" model add "$M" --tier high --owner risk --db "$DB" --key "$K/ada.key" >/dev/null || fail "model"
# conf FILE [SOCKET [TIMEOUT [EXTRA LINE]]]: a [plugin hap] section.
conf() {
	printf '[plugin hap]\ntype = haproxy\nsocket = %s\ntimeout = %s\nmodel.%s = %s\n%s\nmodel.churn = %s\n%s\n' \
		"${2:-$SOCK}" "${3:-2}" "$M" "${LIVE#*=}" "$SHADOW" "${CHURN#*=}" "${4:-}" >"$1"
	chmod 600 "$1"
}
CFG=$TMPD/hap.conf
conf "$CFG"
sync_() { "$STEWARD" sync hap --db "$DB" --config "$1" --key "$K/ci.key"; }
rows() { store_sql "$DB" "SELECT target, model, version, mode, state, weight, printf('%.2f', share), sessions FROM deployments WHERE plugin = 'hap' ORDER BY target"; }
ledger_n() { store_sql "$DB" "SELECT count(*) FROM ledger"; }
# The section haproxy-lib.sh writes for what it started reads the same servers.
hap_plugin_section lib 3 >"$TMPD/lib.conf"
chmod 600 "$TMPD/lib.conf"
has "the library's section" "$(cat "$TMPD/lib.conf")" "model.$M = $BE v1:1 v2:2 v4:4
shadow.$M = $SH v3:3
model.churn = be_churn v7:7"
"$STEWARD" init --db "$TMPD/lib.db" --admin libby >/dev/null || fail "init lib.db"
expect 0 "steward sync with the library's section" "$STEWARD" sync lib --db "$TMPD/lib.db" --config "$TMPD/lib.conf" \
	--key "$TMPD/cfg/steward/keys/libby.key"
same "five servers" "$(store_sql "$TMPD/lib.db" "SELECT count(*) FROM deployments WHERE plugin = 'lib'")" 5
expect 0 "plugin list" "$STEWARD" plugin list --db "$DB" --config "$CFG"
has "the instance, its type and capability" "$OUT" "hap   haproxy  deploy"

expect 0 "steward sync" sync_ "$CFG"
S1=$(stot "$BE" v1)
S2=$(stot "$BE" v2)
S3=$(stot "$SH" v3)
same "the deployments table: every server, its weight, state, share and sessions" "$(rows)" \
	"be_churn/v7|churn|7|live|down|10|0.00|$(stot be_churn v7)
$BE/v1|$M|1|live|ready|100|100.00|$S1
$BE/v2|$M|2|live|ready|0|0.00|$S2
$BE/v4|$M|4|live|down|0|0.00|$(stot "$BE" v4)
$SH/v3|$M|3|shadow|ready|1|0.00|$S3"
hap_cmd "set server $BE/v2 weight 25" >/dev/null
curl -s "$(hap_url "$M")[1-10]" >/dev/null
expect 0 "steward sync after a change behind its back" sync_ "$CFG"
same "the new weight and shares are read back, and the sessions" "$(rows | grep "^$BE/v[12]|" | cut -d'|' -f5-8)" "ready|100|80.00|$(stot "$BE" v1)
ready|25|20.00|$(stot "$BE" v2)"
same "10 more sessions between them" $(($(stot "$BE" v1) + $(stot "$BE" v2))) $((S1 + S2 + 10))
hap_cmd "set server $BE/v2 weight 0" >/dev/null
expect 0 "steward sync" sync_ "$CFG"

# --- a governed shift through steward deploy: the plugin moves the traffic ---
for v in 1 2 3 4; do
	"$STEWARD" version add "$M" --artifact "s3://models/fraud/$v" --digest "sha256:$(printf '%064d' "$v")" \
		--db "$DB" --key "$K/ci.key" >/dev/null || fail "version $v"
done
"$STEWARD" key gen sami --out "$K/sami.key" >/dev/null || fail "key sami"
"$STEWARD" principal add sami --role sre --pubkey "$K/sami.key.pub" --db "$DB" --key "$K/ada.key" >/dev/null || fail "add sami"
cp "$STEWARD_TOP/policies/high.policy" "$TMPD/high.policy"
"$STEWARD" policy enroll "$TMPD/high.policy" --db "$DB" --key "$K/ada.key" >/dev/null || fail "enrol the high policy"
shift_() { "$STEWARD" deploy shift "$M" 2 --weight "$1" --reason "by hand" --db "$DB" --config "$2" --key "$K/sami.key"; }
NL=$(ledger_n)
conf "$TMPD/operator.conf" "$(hap_operator_socket)"
expect 1 "deploy shift through a socket that may not set" shift_ 20 "$TMPD/operator.conf"
has "HAProxy's refusal" "$ERR" "HAProxy refused 'set server $BE/v1 weight 80': Permission denied"
same "HAProxy unchanged" "$(hap_field "$BE" v1 uweight) $(hap_field "$BE" v2 uweight)" "100 0"
same "no ledger entry" "$(ledger_n)" "$NL"
expect 0 "deploy shift: v2 gets 20%" shift_ 20 "$CFG"
has "through the plugin" "$OUT" "through hap"
same "show stat" "$(hap_field "$BE" v1 uweight) $(hap_field "$BE" v2 uweight) $(hap_field "$BE" v4 uweight)" "80 20 0"
BODIES=$(curl -s "$(hap_url "$M")[1-500]")
V2=$(count v2)
[ "$V2" -ge 75 ] && [ "$V2" -le 125 ] && ok || fail "after deploy shift, between 15% and 25% reach v2: $V2 of 500"
expect 0 "steward sync after the shift" sync_ "$CFG"
same "the shares in the table" "$(rows | grep "^$BE/v[12]|" | cut -d'|' -f7)" "80.00
20.00"
expect 0 "deploy shift: v2 back to 0" shift_ 0 "$CFG"
same "v2 drained" "$(hap_field "$BE" v2 uweight) $(hap_field "$BE" v2 status)" "0 DRAIN"
expect 0 "audit verify" "$STEWARD" audit verify --db "$DB"
hap_cmd "set server $BE/v2 state ready" >/dev/null
expect 0 "steward sync" sync_ "$CFG"
BEFORE=$(rows)
NL=$(ledger_n)

# --- faults through steward: each names the socket or the server, fails, writes nothing ---
# fault DESC CONFIG NEEDLE: steward sync fails with NEEDLE in its message and leaves the table and ledger as they were.
fault() {
	run sync_ "$2"
	if [ "$RC" -eq 0 ] || [ "$RC" -ge 128 ]; then fail "$1: exit $RC; stderr: $ERR"; else ok; fi
	has "$1: the message" "$ERR" "$3"
	same "$1: nothing written" "$(rows)" "$BEFORE"
	same "$1: nothing in the ledger" "$(ledger_n)" "$NL"
	expect 0 "$1: plugin list" "$STEWARD" plugin list --db "$DB" --config "$2"
	has "$1: the plugin is degraded" "$OUT" "degraded"
}
conf "$TMPD/f1.conf" "$TMPD/nope.sock"
fault "a socket path that does not exist" "$TMPD/f1.conf" "HAProxy socket $TMPD/nope.sock does not exist"
: >"$TMPD/plain-file"
conf "$TMPD/f2.conf" "$TMPD/plain-file"
fault "a file that is not a socket" "$TMPD/f2.conf" "HAProxy socket $TMPD/plain-file refuses connections"
DEAD=$("$HAP_CMD_BIN" -p 1)
conf "$TMPD/f3.conf" "127.0.0.1:$DEAD"
fault "a TCP port nothing listens on" "$TMPD/f3.conf" "HAProxy socket 127.0.0.1:$DEAD refuses connections (nothing listens on it)"
conf "$TMPD/f4.conf" "$SOCK" 2 "shadow.other = be_other v1:1"
fault "a configured server HAProxy does not have" "$TMPD/f4.conf" "server be_other/v1 (shadow.other, version 1) is not in HAProxy's show stat on $SOCK"
conf "$TMPD/f5.conf" "$SOCK" 2 "colour = blue"
fault "an unknown key" "$TMPD/f5.conf" "unknown key 'colour' (known: socket, timeout, model.MODEL, shadow.MODEL)"
printf '[plugin hap]\ntype = haproxy\nmodel.m = be v1:1\n' >"$TMPD/f6.conf"
chmod 600 "$TMPD/f6.conf"
fault "no socket" "$TMPD/f6.conf" "socket is missing"
printf '[plugin hap]\ntype = haproxy\nsocket = %s\nmodel.m = be v1:1 v2:x\n' "$SOCK" >"$TMPD/f7.conf"
chmod 600 "$TMPD/f7.conf"
fault "a version that is no number" "$TMPD/f7.conf" "model.m: server v2: version 'x' is not a positive integer"
printf '[plugin hap]\ntype = haproxy\nsocket = %s\nmodel.m = be v1:1 v1:2\n' "$SOCK" >"$TMPD/f8.conf"
chmod 600 "$TMPD/f8.conf"
fault "a server listed twice" "$TMPD/f8.conf" "model.m: server v1 is listed twice"
# Something answers, but not HAProxy.
"$HAP_CMD_BIN" -l "$TMPD/fake.sock" "HTTP/1.0 400 Bad request
" &
FAKE_PID=$!
n=0
while [ ! -S "$TMPD/fake.sock" ] && [ "$n" -lt 50 ]; do n=$((n + 1)); sleep 0.1; done
conf "$TMPD/f9.conf" "$TMPD/fake.sock"
fault "a socket that answers garbage" "$TMPD/f9.conf" "HAProxy socket $TMPD/fake.sock: show stat did not answer HAProxy's CSV; it began: HTTP/1.0 400 Bad request"
kill "$FAKE_PID"
wait "$FAKE_PID" 2>/dev/null
# HAProxy frozen: the connection is accepted, no answer comes.
conf "$TMPD/f10.conf" "$SOCK" 1
hap_pause
T0=$(date +%s)
fault "HAProxy frozen" "$TMPD/f10.conf" "HAProxy socket $SOCK: no answer to 'show stat -1 4 -1' within 1 s"
# The bound covers two steward processes (the sync and plugin list), so it scales with them (slow).
[ $(($(date +%s) - T0)) -le "$(slow 4)" ] && ok || fail "the timeout took $(($(date +%s) - T0)) s, limit $(slow 4)"
hap_resume
# HAProxy killed: its socket file stays, nobody listens.
hap_stop KILL
fault "HAProxy killed" "$CFG" "HAProxy socket $SOCK refuses connections"
expect 1 "health with HAProxy gone" drive health
has "says so" "$ERR" "HAProxy socket $SOCK refuses connections"
hap_start
until_field "$BE" v4 status DOWN

# --- acts: traffic plans applied, checked by requests and read back ---
expect 0 "canary: v1 80, v2 20" drive act "$M" 1:80:ready 2:20:ready 4:0:maint
same "show stat: v1" "$(hap_field "$BE" v1 uweight) $(hap_field "$BE" v1 status)" "80 UP"
same "show stat: v2" "$(hap_field "$BE" v2 uweight) $(hap_field "$BE" v2 status)" "20 UP"
same "show stat: v4" "$(hap_field "$BE" v4 uweight) $(hap_field "$BE" v4 status)" "0 MAINT"
BODIES=$(curl -s "$(hap_url "$M")[1-500]")
same "500 answers" "$(printf '%s\n' "$BODIES" | wc -l)" 500
V2=$(count v2)
[ "$V2" -ge 75 ] && [ "$V2" -le 125 ] && ok || fail "between 15% and 25% reach the canary: $V2 of 500"
same "the rest reach v1" "$(count v1)" $((500 - V2))
expect 0 "sync after the canary" drive sync
same "the canary's record" "$(rec "$BE/v2" | cut -d' ' -f5-7)" "ready 20 20.00"
same "v4 in maintenance" "$(rec "$BE/v4" | cut -d' ' -f5-7)" "maint 0 0.00"
same "the shadow is not touched" "$(rec "$SH/v3" | cut -d' ' -f5-6)" "ready 1"

# v4 drained rather than in maintenance: HAProxy goes on checking it (DOWN), while leaving
# maintenance it takes a server as up until its first check says otherwise.
expect 0 "rollback: v1 100, v2 drained" drive act "$M" 1:100:ready 2:0:drain 4:0:drain
same "show stat: v2 drained with weight 0" "$(hap_field "$BE" v2 uweight) $(hap_field "$BE" v2 status)" "0 DRAIN"
same "show stat: v1 all" "$(hap_field "$BE" v1 uweight) $(hap_field "$BE" v1 status)" "100 UP"
until_field "$BE" v4 status DOWN
BODIES=$(curl -s "$(hap_url "$M")[1-500]")
same "all 500 say v1" "$(count v1)" 500

# Bad plans: refused before anything changes.
STAT0=$(hap_cmd "show stat -1 4 -1" | cut -d, -f1,2,18,19)
bad_plan() {
	bp_desc=$1
	bp_want=$2
	shift 2
	expect 1 "$bp_desc" drive "$@"
	has "$bp_desc: says why" "$ERR" "$bp_want"
	same "$bp_desc: HAProxy unchanged" "$(hap_cmd "show stat -1 4 -1" | cut -d, -f1,2,18,19)" "$STAT0"
}
bad_plan "shares that add to 90" "the plan's shares add up to 90, not 100: nothing changed" act "$M" 1:80:ready 2:10:ready 4:0:drain
bad_plan "a version no server serves" "version 9 of $M has no server in model.$M: nothing changed" act "$M" 1:80:ready 9:20:ready 4:0:drain
bad_plan "a live version left out" "the plan does not say what version 4 (server $BE/v4) gets" act "$M" 1:80:ready 2:20:ready
bad_plan "a share while draining" "version 2: a share of 20% needs state ready, not drain" act "$M" 1:80:ready 2:20:drain 4:0:drain
bad_plan "a state HAProxy has not" "version 2: state 'up' is none of ready, drain, maint" act "$M" 1:80:ready 2:20:up 4:0:drain
bad_plan "the shadow's version" "version 3 of $M has no server in model.$M" act "$M" 1:80:ready 2:0:drain 3:20:ready 4:0:drain
bad_plan "a model this instance does not serve" "model credit has no model.credit key in this HAProxy instance" act credit 1:100:ready
bad_plan "an empty plan" "the traffic plan for $M is empty" act "$M"
bad_plan "another kind of act" "haproxy makes only traffic changes" act-kind 1 "$M" 1:100:ready
expect 1 "an operator-level socket cannot set" "$DRIVE" "$SO" "socket=$(hap_operator_socket)" "$LIVE" "$SHADOW" "$CHURN" -- act "$M" 1:80:ready 2:20:ready 4:0:maint
has "HAProxy's refusal comes back" "$ERR" "HAProxy refused 'set server $BE/v1 weight 80': Permission denied (0 of 6 changes made before)"
same "unchanged" "$(hap_cmd "show stat -1 4 -1" | cut -d, -f1,2,18,19)" "$STAT0"

# A canary whose server is down never takes the stable version's traffic away.
expect 1 "a canary that is down" drive act "$M" 1:50:ready 2:0:drain 4:50:ready
has "names it, and what it kept" "$ERR" "server $BE/v4 is still down (DOWN) 2 s after it was made ready: the servers it was to relieve keep their traffic"
BODIES=$(curl -s "$(hap_url "$M")[1-50]")
same "v1 still answers everything" "$(count v1)" 50
expect 0 "back: v4 drained" drive act "$M" 1:100:ready 2:0:drain 4:0:drain

# HAProxy killed in the middle of an act: the plugin says where it stopped.
drive act "$M" 1:50:ready 2:0:drain 4:50:ready >"$TMPD/mid.out" 2>"$TMPD/mid.err" &
DPID=$!
sleep 0.5
hap_stop KILL
wait "$DPID"
RC=$?
same "an act cut short fails" "$RC" 1
# (killed between two commands, the next one is refused; during one, its answer breaks off)
has "naming the socket" "$(cat "$TMPD/mid.err")" "HAProxy socket $SOCK"
has "and where it stopped" "$(cat "$TMPD/mid.err")" "(waiting for the raised servers' checks; 4 changes made)"
hap_start
until_field "$BE" v4 status DOWN

# --- shadow: nginx mirrors every request to the shadow, whose answers nobody sees ---
hap_mirror_start "$M"
L0=$(stot "$BE" v1)
S0=$(stot "$SH" v3)
BODIES=$(curl -s "$(hap_mirror_url "$M")[1-50]")
same "the client sees 50 live answers" "$(count v1)" 50
lacks "never the shadow's" "$BODIES" v3
n=0
while [ "$(stot "$SH" v3)" -lt $((S0 + 50)) ] && [ "$n" -lt 50 ]; do n=$((n + 1)); sleep 0.1; done
same "the shadow served a copy of each" "$(stot "$SH" v3)" $((S0 + 50))
same "the live server served each once" "$(stot "$BE" v1)" $((L0 + 50))
expect 0 "sync with shadow traffic" drive sync
same "the shadow's record counts them" "$(rec "$SH/v3" | cut -d' ' -f4,7,8)" "shadow 0.00 $((S0 + 50))"
expect 0 "steward sync with shadow traffic" sync_ "$CFG"
same "the shadow's row counts them" "$(rows | grep "^$SH/v3|" | cut -d'|' -f4,7,8)" "shadow|0.00|$((S0 + 50))"
finish
