# pg-console.sh: the console on a PostgreSQL store: another client's commit repaints it without a key (LISTEN/NOTIFY), a dropped connection (pg_terminate_backend, a server restart) shows in the header and comes back with the same view, acts are refused meanwhile, and an act whose commit the drop cut off is settled from the server.
. "$STEWARD_TOP/tests/lib.sh"
sqlite_suite "it starts PostgreSQL servers of its own, and make test runs it"

SOCK="steward-pgconsole-$$"
# Sanitizer builds are slower to start and draw.
WAIT=${STEWARD_TMUX_WAIT:-20}
. "$STEWARD_TOP/tests/lib-tmux.sh"
. "$STEWARD_TOP/tests/pg-lib.sh"
pg_require

export LC_ALL=C.UTF-8 STEWARD_PASSPHRASE=correct-horse-battery-staple XDG_CONFIG_HOME="$TMPD/cfg" XDG_DATA_HOME="$TMPD/data"
unset NO_COLOR STEWARD_KEY
S=$STEWARD
K="$TMPD/keys"
mkdir -p "$K"
# The console's sessions carry their own name, so the test can find (and end) them.
APP=steward-console-test
U="$PG_RUNTIME_URI&application_name=$APP"
as() {
	w=$1
	shift
	"$S" "$@" --db "$PG_RUNTIME_URI" --key "$K/$w.key"
}
# q SQL: one value, as the superuser, on the store's database.
q() { pg_psql -d steward -tA -c "$1"; }
digest() { printf 'sha256:%064d' "$1"; }
now_ms() { date +%s%3N; }
pg_ctl_data() { pg_as "$PG_BIN/pg_ctl" -D "$PG_DIR/data" "$@"; }
# wait_gone DESC NAME TEXT: polls the pane until TEXT is gone from it.
wait_gone() {
	n=0
	while capture "$2" | grep -qF "$3" && [ $n -lt $((WAIT * 10)) ]; do
		sleep 0.1
		n=$((n + 1))
	done
	capture "$2" | grep -qF "$3" && fail "$1: '$3' still shown after ${WAIT}s" || ok
}
# The console's backends: its own session, and the ledger check's while one runs.
console_pids() { q "SELECT pid FROM pg_stat_activity WHERE application_name = '$APP'"; }

# --- a store: ada the admin, lena requests, mei (the console) approves ---
"$S" key gen ada --out "$K/ada.key" >/dev/null || fail "key ada"
expect 0 "init as the owner role" "$S" init --db "$PG_OWNER_URI" --admin ada --admin-key "$K/ada.key"
for p in lena:ml-lead mei:ml-lead; do
	n=${p%%:*}
	"$S" key gen "$n" --out "$K/$n.key" >/dev/null || fail "key $n"
	as ada principal add "$n" --role "${p#*:}" --pubkey "$K/$n.key.pub" >/dev/null || fail "add $n"
done
expect 0 "enrol the low-tier policy" as ada policy enroll "$STEWARD_TOP/policies/low.policy"
printf '## Intended use\nx\n\n## Evaluation\nx\n\n## Limitations\nx\n' >"$TMPD/card.md"
# to_production MODEL: a model with a version applied to staging and requested to production; prints the request.
to_production() {
	as ada model add "$1" --tier low --owner digital >/dev/null &&
		v=$(as ada version add "$1" --artifact "s3://m/$1/1" --digest "$(digest 1)" --author j.chen) &&
		as ada metric set "$1" "$v" auc 0.9 --dataset holdout >/dev/null &&
		as ada card set "$1" "$v" --file "$TMPD/card.md" >/dev/null &&
		r=$(as lena promote request "$1" "$v" --to staging) &&
		as lena promote apply "$r" >/dev/null &&
		as lena promote request "$1" "$v" --to production
}
R1=$(to_production ranker) || fail "ranker to production"
R2=$(to_production churn) || fail "churn to production"
[ -n "$R1" ] && [ -n "$R2" ] && ok || fail "requests: '$R1' '$R2'"
entries() { q 'SELECT max(seq) FROM ledger'; }

# --- bad input: the console names a server that is not there, and no password ---
: >"$TMPD/none.keys"
expect 1 "no server there" "$S" --db "postgresql://steward:hunter2@127.0.0.1:1/steward" --script "$TMPD/none.keys" --dump "$TMPD/none.screen"
lacks "the password is never shown" "$ERR" "hunter2"

tm new-session -d -s c -x 120 -y 30 \
	"env LC_ALL=C.UTF-8 '$S' --db '$U' --key '$K/mei.key' 2>'$TMPD/c.err'; echo \$? >'$TMPD/c.exit'; sleep 60"
wait_for "console opens as mei" c "mei (ml-lead)"
wait_for "first ledger check" c "ledger verified to #$(entries)"
has "the header counts the models" "$(capture c)" "2 models"

# --- another client's commit repaints the console without a key ---
# A client on another host: no log key there, so its entries wait for a checkpoint.
OTHER="$TMPD/other-host"
mkdir -p "$OTHER"
elsewhere() { XDG_DATA_HOME="$OTHER" "$S" "$@" --db "$PG_RUNTIME_URI"; }
SAMPLES=
i=1
while [ $i -le 5 ]; do
	t0=$(now_ms)
	elsewhere model add "late$i" --tier low --owner x --key "$K/ada.key" >/dev/null || fail "model add late$i"
	t1=$(now_ms)
	want="$((2 + i)) models"
	n=0
	until capture c | grep -qF "$want" || [ $n -ge $((WAIT * 50)) ]; do
		sleep 0.02
		n=$((n + 1))
	done
	t2=$(now_ms)
	capture c | grep -qF "$want" && ok || fail "commit $i did not show without a key: $(capture c | head -3)"
	# From the client's exit (its commit and NOTIFY came before) to the screen showing it.
	SAMPLES="$SAMPLES $((t2 - t1))"
	echo "repaint after another client's commit $i: $((t2 - t1)) ms after it exited ($((t2 - t0)) ms after it started)"
	i=$((i + 1))
done
MED=$(printf '%s\n' $SAMPLES | sort -n | sed -n 3p)
echo "median commit-to-repaint: $MED ms (samples:$SAMPLES)"
# The idle loop looks at the store every 250 ms: found by that look, a commit would show 125 ms
# later at the median, plus drawing and this polling of tmux (measured: 141-234 ms, median 188).
# The notification wakes the console at once (measured: 9-99 ms, median 23-55). A sanitized
# build on a loaded machine draws slower: there it only has to show well within a second.
BOUND=125
case $S in */san/*) BOUND=1000 ;; esac
[ "$MED" -lt "$BOUND" ] && ok || fail "median commit-to-repaint $MED ms (bound $BOUND): not driven by the notification"
# How far the signed checkpoints reach shows in the header.
wait_for "unsigned entries show in the header" c "(signed to #"
elsewhere audit verify >"$TMPD/verify.out" 2>&1 || fail "audit verify: $(cat "$TMPD/verify.out")"
has "audit verify says how far the checkpoints reach" "$(cat "$TMPD/verify.out")" "entries after the last checkpoint are not covered"
expect 0 "the signer's host checkpoints them" "$S" checkpoint --db "$PG_RUNTIME_URI"
wait_for "the header follows" c "ledger verified to #$(entries)"
wait_gone "every entry signed" c "(signed to #"

# --- a view with a filter and a selection, to keep across drops ---
tm send-keys -t c :
tm send-keys -t c -l "approvals all"
tm send-keys -t c Enter
wait_for ":approvals" c "[approvals] 1/2"
tm send-keys -t c /
tm send-keys -t c -l churn
tm send-keys -t c Enter
wait_for "filtered to churn" c "[approvals] 1/1 of 2"
VIEW=$(capture c | grep -F "#$R2 churn")
[ -n "$VIEW" ] && ok || fail "churn's request is listed: $(capture c)"

# --- pg_terminate_backend: the header says so, then it is back with the same view ---
wait_for "the ledger check is done" c "ledger verified to #$(entries)"
wait_gone "no check running" c "ledger verifying"
PIDS=$(console_pids)
[ -n "$PIDS" ] && ok || fail "the console's session is in pg_stat_activity"
q "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity WHERE application_name = '$APP'" >/dev/null || fail "terminate"
wait_for "the header shows the drop" c "[disconnected: retrying in"
wait_for "it reconnects" c "reconnected to the store"
SCREEN=$(capture c)
lacks "the header is clear again" "$SCREEN" "disconnected"
has "the same view and filter" "$SCREEN" "[approvals] 1/1 of 2"
has "the same row" "$SCREEN" "#$R2 churn"
NEW=$(console_pids)
[ -n "$NEW" ] && [ "$NEW" != "$PIDS" ] && ok || fail "a new session: before '$PIDS', now '$NEW'"
same "no exit" "$(cat "$TMPD/c.exit" 2>/dev/null)" ""
# Notifications again after the reconnect (LISTEN on the new session).
elsewhere model add late6 --tier low --owner x --key "$K/ada.key" >/dev/null || fail "model add late6"
wait_for "a commit after the reconnect repaints" c "8 models"

# --- a server restart: down while stopped, an approval refused, back once it starts ---
# A commit just before the stop: the view's reload (what waits for mei, found on a thread of its
# own) and the ledger check may be cut off by it. Their failure is said where their answer would
# be, never over the status line (CI once lost the position and filter that way).
elsewhere model add late-stop --tier low --owner x --key "$K/ada.key" >/dev/null || fail "model add late-stop"
pg_ctl_data -m fast -w stop >/dev/null 2>&1 || fail "pg_ctl stop"
wait_for "the header shows the server gone" c "[disconnected: retrying in"
SCREEN=$(capture c)
has "the view stays while down" "$SCREEN" "#$R2 churn"
has "the filter stays while down" "$SCREEN" "[approvals] 1/1 of 2"
tm send-keys -t c a
wait_for "an approval is refused while down" c "disconnected from the store: cannot approve until it is back"
lacks "nothing asked" "$(capture c)" "(y/n)"
# While down the loop waits for keys and the backoff, not spinning on a dead socket.
CPID=$(ps -o pid= --ppid "$(tm list-panes -t c -F '#{pane_pid}')" | head -n 1 | tr -d ' ')
cpu() { awk '{ print $14 + $15 }' "/proc/$CPID/stat"; }
C0=$(cpu)
sleep 2
C1=$(cpu)
[ -n "$C0" ] && [ $((C1 - C0)) -lt 50 ] && ok || fail "the console used $((C1 - C0)) ticks of CPU in 2 s while disconnected"
same "still running while down" "$(cat "$TMPD/c.exit" 2>/dev/null)" ""
pg_ctl_data -l "$PG_DIR/server.log" -w -t 30 start >/dev/null 2>&1 || fail "pg_ctl start"
pg_guard
wait_for "back after the restart" c "reconnected to the store"
SCREEN=$(capture c)
lacks "the header is clear after the restart" "$SCREEN" "disconnected"
has "the same view after the restart" "$SCREEN" "[approvals] 1/1 of 2"
# The ledger check's worker opens its connections afresh: a new entry is checked after the restart.
elsewhere model add late7 --tier low --owner x --key "$K/ada.key" >/dev/null || fail "model add late7"
wait_for "the ledger check runs again after the restart" c "ledger verified to #$(entries) (signed to #"

# --- the approval, once back ---
tm send-keys -t c a
wait_for "confirmation" c "(y/n)"
tm send-keys -t c y
wait_for "comment prompt" c "comment for approving"
tm send-keys -t c Enter
wait_for "passphrase prompt" c "passphrase for key mei"
tm send-keys -t c -l correct-horse-battery-staple
tm send-keys -t c Enter
wait_for "the console signed" c "approved request #$R2 as mei"
expect 0 "the decision is recorded" "$S" approval list --request "$R2" --db "$PG_RUNTIME_URI" --json
has "signed by mei" "$OUT" '"principal": "mei"'

# --- a commit cut off by the drop: the outcome is asked of the server, not guessed ---
# With a synchronous standby named that never connects, COMMIT waits after committing locally:
# ending the session then takes the answer, not the transaction.
q "ALTER SYSTEM SET synchronous_standby_names = 'nobody'" >/dev/null &&
	q "ALTER ROLE steward SET synchronous_commit = on" >/dev/null &&
	q "SELECT pg_reload_conf()" >/dev/null || fail "synchronous commit"
tm send-keys -t c /
tm send-keys -t c Escape
wait_for "filter cleared" c "[approvals] 1/2"
tm send-keys -t c /
tm send-keys -t c -l ranker
tm send-keys -t c Enter
wait_for "filtered to ranker" c "#$R1 ranker"
tm send-keys -t c a
wait_for "confirmation (ranker)" c "(y/n)"
tm send-keys -t c y
wait_for "comment prompt (ranker)" c "comment for approving"
tm send-keys -t c Enter
wait_for "passphrase prompt (ranker)" c "passphrase for key mei"
tm send-keys -t c -l correct-horse-battery-staple
tm send-keys -t c Enter
n=0
until [ -n "$(q "SELECT pid FROM pg_stat_activity WHERE application_name = '$APP' AND wait_event = 'SyncRep'")" ] || [ $n -ge $((WAIT * 10)) ]; do
	sleep 0.1
	n=$((n + 1))
done
CUT=$(q "SELECT pid FROM pg_stat_activity WHERE application_name = '$APP' AND wait_event = 'SyncRep'")
[ -n "$CUT" ] && ok || fail "the act's COMMIT did not wait for the standby"
q "SELECT pg_terminate_backend($CUT)" >/dev/null || fail "terminate the act's session"
wait_for "settled from the server" c "the decision on request #$R1 was recorded: its commit went through"
lacks "not reported as signed" "$(capture c)" "approved request #$R1 as mei"
q "ALTER SYSTEM RESET synchronous_standby_names" >/dev/null &&
	q "ALTER ROLE steward RESET synchronous_commit" >/dev/null &&
	q "SELECT pg_reload_conf()" >/dev/null || fail "reset synchronous commit"
expect 0 "the cut-off decision is in the ledger" "$S" approval list --request "$R1" --db "$PG_RUNTIME_URI" --json
has "signed by mei (ranker)" "$OUT" '"principal": "mei"'
expect 0 "the ledger verifies" "$S" audit verify --db "$PG_RUNTIME_URI"

tm send-keys -t c Escape Escape q
i=0
while [ ! -s "$TMPD/c.exit" ] && [ "$i" -lt $((WAIT * 10)) ]; do
	sleep 0.1
	i=$((i + 1))
done
same "exit status" "$(cat "$TMPD/c.exit" 2>/dev/null)" 0
same "no stderr" "$(cat "$TMPD/c.err")" ""

finish
