# plugin-acts.sh: P and R on a plugin-synced model act through the plugin (a fake backend here: tests/plugins/misbehave.c), its refusals and stalls are shown while the keys keep working, and quitting never waits long on a plugin.
. "$STEWARD_TOP/tests/lib.sh"

export LC_ALL=C.UTF-8
unset NO_COLOR STEWARD_KEY STEWARD_PASSPHRASE
# The demo's history is dated back from this clock (as in promote.sh).
export STEWARD_NOW=1790000000
SOCK="steward-pacts-$$"
WAIT=${STEWARD_TMUX_WAIT:-15}
. "$STEWARD_TOP/tests/lib-tmux.sh"
. "$STEWARD_TOP/tests/lib-script.sh"

DB="$TMPD/d.db"
K="$(store_local "$DB" -keys)"
PD="$TMPD/plugins"
MOVES="$TMPD/moves" # the fake registry's aliases: one "model alias version" line per move it made
mkdir -p "$PD"
build=${STEWARD%/*}
cp "$build/tests/plugins/steward-misbehave.so" "$PD/"
chmod go-w "$PD"
expect 0 "demo store" "$STEWARD" demo --db "$DB" --no-tui
store_copy "$DB" "$TMPD/base.db"
cp "$(store_local "$DB" .witness)" "$(store_local "$TMPD/base.db" .witness)"
# The demo's search-ranking (production on v6, v5 before it) and support-ticket-routing (request #9
# ready to apply) stand for models a backend syncs: the fake instance "fk" holds their aliases.
reset_db() {
	store_copy "$TMPD/base.db" "$DB"
	cp "$(store_local "$TMPD/base.db" .witness)" "$(store_local "$DB" .witness)"
	rm -f "$DB-wal" "$DB-shm" "$MOVES"
	store_sql "$DB" "UPDATE models SET source = 'fk' WHERE name IN ('search-ranking', 'support-ticket-routing')"
}
# cfg ACT [MODE [EXTRA]]: the fake's act (ok, refuse, stall) and sync mode (fail: a sync that ends at
# once and records nothing, so it never competes with the act for the store).
cfg() {
	printf '[steward]\nplugin_dirs = %s\n\n[plugin fk]\ntype = misbehave\nmode = %s\ninterval = 3600\nact = %s\nmoves = %s\n%s' \
		"$PD" "${2:-fail}" "$1" "$MOVES" "${3:-}" >"$TMPD/config"
}
alias_of() {
	store_sql "$DB" "SELECT v.version FROM aliases a JOIN versions v ON v.id = a.version_id JOIN models m ON m.id = a.model_id
		WHERE m.name = '$1' AND a.alias = '$2'"
}
entries() {
	store_sql "$DB" "SELECT count(*) FROM ledger"
}
bottom() {
	printf '%s\n' "$SCREEN" | tail -n 4 | tr '\n' ' '
}
moves() {
	cat "$MOVES" 2>/dev/null
}
ROLLBACK='/search<Enter>Rlatency regression<Enter>ydemo-passphrase<Enter>'
APPLY='/support<Enter><Enter><Enter>Pydemo-passphrase<Enter>'

# --- R through the backend: the fake moves the alias first, then the ledger records it ---
reset_db
cfg ok
N0=$(entries)
screen "/search<Enter>R" --key "$K/sami.key" --config "$TMPD/config" --size 140x24
has "R on a synced model: the reason is asked" "$(line 24)" "reason for rolling back search-ranking"
screen "$ROLLBACK" --key "$K/sami.key" --config "$TMPD/config" --size 160x24
SCREEN_R=$SCREEN
# The id the store gave the review (on PostgreSQL ids skip those its previews rolled back).
expect 0 "R: request list" "$STEWARD" request list --all --db "$DB" --json
printf '%s' "$OUT" >"$TMPD/requests.json"
RID=$(sqlite3 :memory: "SELECT max(json_extract(value, '\$.id')) FROM json_each(CAST(readfile('$TMPD/requests.json') AS TEXT)) WHERE json_extract(value, '\$.kind') = 'review'")
has "R: done through the plugin" "$SCREEN_R" "rolled production of search-ranking back from v6 to v5 through fk; review request #$RID opened"
same "R: the backend moved the alias" "$(moves)" "search-ranking production 5"
same "R: steward's alias moved too" "$(alias_of search-ranking production)" 5
same "R: one ledger entry (the rollback opens its review in the same entry)" "$(entries)" $((N0 + 1))
same "R: recorded as sami's rollback" "$(store_sql "$DB" "SELECT actor || ' ' || action || ' ' || subject FROM ledger ORDER BY seq DESC LIMIT 1")" \
	"sami rollback models:/search-ranking/5"
expect 0 "R: the ledger verifies" "$STEWARD" audit verify --db "$DB"
lacks "R: the passphrase is not on the screen" "$SCREEN" "demo-passphrase<"

# --- P through the backend ---
reset_db
N0=$(entries)
screen "$APPLY" --key "$K/lena.key" --config "$TMPD/config" --size 160x24
has "P: applied through the plugin" "$SCREEN" "applied request #9 through fk: production of support-ticket-routing now points at v3"
same "P: the backend moved the alias" "$(moves)" "support-ticket-routing production 3"
same "P: steward's alias moved" "$(alias_of support-ticket-routing production)" 3
same "P: one ledger entry" "$(entries)" $((N0 + 1))
same "P: a promotion.apply by lena" "$(store_sql "$DB" "SELECT actor || ' ' || action FROM ledger ORDER BY seq DESC LIMIT 1")" "lena promotion.apply"
same "P: the request is applied" "$(store_sql "$DB" "SELECT state FROM requests WHERE id = 9")" applied

# --- the backend refuses: its own words on screen, escaped; nothing recorded, nothing moved ---
reset_db
cfg refuse
N0=$(entries)
R0=$(store_sql "$DB" "SELECT count(*) FROM requests")
screen "$ROLLBACK" --key "$K/sami.key" --config "$TMPD/config" --size 160x24
has "refused R: the registry's refusal" "$SCREEN" "the registry refused the change, nothing was recorded: INVALID_PARAMETER_VALUE: the fake registry refuses"
has "refused R: its control character escaped" "$SCREEN" '\x1b[2J'
lacks "refused R: no raw escape reaches the screen" "$(cat "$TMPD/screen")" "$(printf '\033')"
same "refused R: no ledger entry" "$(entries)" "$N0"
same "refused R: steward's alias unchanged" "$(alias_of search-ranking production)" 6
same "refused R: the backend moved nothing" "$(moves)" ""
same "refused R: no review opened" "$(store_sql "$DB" "SELECT count(*) FROM requests")" "$R0"
screen "$APPLY" --key "$K/lena.key" --config "$TMPD/config" --size 160x24
has "refused P: the registry's refusal" "$SCREEN" "INVALID_PARAMETER_VALUE: the fake registry refuses to move production of"
same "refused P: no ledger entry" "$(entries)" "$N0"
same "refused P: request #9 still open" "$(store_sql "$DB" "SELECT state FROM requests WHERE id = 9")" open
same "refused P: alias unchanged" "$(alias_of support-ticket-routing production)" 2

# --- refusals before any passphrase ---
reset_db
printf '[steward]\nplugin_dirs = %s\n\n[plugin other]\ntype = misbehave\nmode = fail\ninterval = 3600\n' "$PD" >"$TMPD/other"
screen "/search<Enter>R" --key "$K/sami.key" --config "$TMPD/other" --size 200x24
has "a plugin the configuration lacks: said so" "$SCREEN" "search-ranking is synced from plugin fk, which $TMPD/other does not configure"
lacks "a plugin the configuration lacks: no reason asked" "$SCREEN" "reason for rolling back"
screen "/search<Enter>R" --key "$K/sami.key" --size 200x24
has "no configuration at all: said so" "$SCREEN" "start the console with --config FILE"
cfg ok
N0=$(entries)
screen '/search<Enter>Rlatency<Enter>ywrong-Secret-77<Enter>' --key "$K/sami.key" --config "$TMPD/config" --size 160x24
has "a wrong passphrase: refused" "$SCREEN" "wrong passphrase"
lacks "a wrong passphrase: not drawn" "$SCREEN" "wrong-Secret-77"
same "a wrong passphrase: the backend was never asked" "$(moves)" ""
same "a wrong passphrase: nothing recorded" "$(entries)" "$N0"
# the policy still decides first: an auditor's key is refused before anything else
screen "/search<Enter>R" --key "$K/mei.key" --config "$TMPD/config" --size 200x24
lacks "a key without the role: no reason asked" "$SCREEN" "reason for rolling back"

# --- a backend that stalls, headless: the script's keys run meanwhile; the timeout is the outcome ---
reset_db
cfg stall fail 'act_seconds = 2\n'
N0=$(entries)
screen "$ROLLBACK<Esc>:policies<Enter>" --key "$K/sami.key" --config "$TMPD/config" --size 160x24
has "stalled R: the keys after it ran" "$SCREEN" "[policies]"
has "stalled R: the timeout reported" "$SCREEN" "Timeout was reached: the fake registry did not answer within 2 s"
same "stalled R: nothing recorded" "$(entries)" "$N0"
same "stalled R: alias unchanged" "$(alias_of search-ranking production)" 6

# --- on a real terminal: the keys keep working while the backend stalls ---
reset_db
cfg stall fail 'act_seconds = 6\n'
tm new-session -d -s s -x 160 -y 30 "env LC_ALL=C.UTF-8 STEWARD_NOW=$STEWARD_NOW '$STEWARD' --db '$DB' --key '$K/sami.key' --config '$TMPD/config'; echo EXITED-\$?; sleep 60"
wait_for "console up" s "ledger verified"
tm send-keys -t s '/search' Enter R
wait_for "reason asked" s "reason for rolling back search-ranking"
tm send-keys -t s 'latency' Enter y
wait_for "passphrase asked" s "passphrase for key"
tm send-keys -t s 'demo-passphrase' Enter
wait_for "progress in the status line" s "rolling back search-ranking through fk"
tm send-keys -t s R
wait_for "a second act is refused while one runs" s "still running: one act at a time"
tm send-keys -t s ':approvals all' Enter a
wait_for "a decision is refused before any question while it runs" s "wait: rolling back search-ranking"
tm send-keys -t s ':policies' Enter
wait_for "keys answered while it runs" s "approvals › policies]"
has "the act still runs meanwhile" "$PANE" "rolling back search-ranking through fk"
lacks "no outcome yet" "$PANE" "Timeout was reached"
wait_for "the timeout reported" s "Timeout was reached: the fake registry did not answer within 6 s"
same "stalled on a terminal: nothing recorded" "$(entries)" "$N0"
tm send-keys -t s ':q' Enter
wait_for "quits after" s "EXITED-0"

# --- quit while an act runs: waits for it, says so; the outcome is printed once the terminal is back ---
reset_db
cfg stall fail 'act_seconds = 5\n'
tm new-session -d -s w -x 160 -y 30 "env LC_ALL=C.UTF-8 STEWARD_NOW=$STEWARD_NOW '$STEWARD' --db '$DB' --key '$K/sami.key' --config '$TMPD/config'; echo EXITED-\$?; sleep 60"
wait_for "console up" w "ledger verified"
tm send-keys -t w '/search' Enter R 'latency' Enter y
wait_for "passphrase asked" w "passphrase for key"
tm send-keys -t w 'demo-passphrase' Enter
wait_for "act running" w "rolling back search-ranking through fk"
tm send-keys -t w Escape q
wait_for "the quit waits, and says so" w "quit waits for: rolling back search-ranking through fk"
lacks "still running" "$PANE" "EXITED"
tm send-keys -t w q
wait_for "a second q asks" w "quit while rolling back search-ranking through fk?"
tm send-keys -t w n
wait_for "the outcome, once the act ended" w "EXITED-0"
has "printed after the terminal is back" "$PANE" "steward: rolling back search-ranking through fk FAILED before quitting"
has "with the backend's words" "$PANE" "Timeout was reached"
same "quit during a refused act: nothing recorded" "$(entries)" "$N0"

# --- quit anyway (confirmed): within about a second, nothing half-written ---
reset_db
cfg stall fail 'act_seconds = 120\n'
tm new-session -d -s f -x 160 -y 30 "env LC_ALL=C.UTF-8 STEWARD_NOW=$STEWARD_NOW '$STEWARD' --db '$DB' --key '$K/sami.key' --config '$TMPD/config'; echo EXITED-\$?; sleep 60"
wait_for "console up" f "ledger verified"
tm send-keys -t f '/search' Enter R 'latency' Enter y
wait_for "passphrase asked" f "passphrase for key"
tm send-keys -t f 'demo-passphrase' Enter
wait_for "act running" f "rolling back search-ranking through fk"
tm send-keys -t f Escape q q
wait_for "asked before quitting anyway" f "quit while rolling back"
t0=$(date +%s)
tm send-keys -t f y
wait_for "quit anyway" f "EXITED-0"
t1=$(date +%s)
[ $((t1 - t0)) -lt "$(slow 5)" ] && ok || fail "quitting during a stalled act took $((t1 - t0)) s"
has "says what may be left" "$PANE" "steward: quit while rolling back search-ranking through fk was in flight: it is in the ledger only if the backend confirmed"
same "forced quit: nothing recorded" "$(entries)" "$N0"
same "forced quit: alias unchanged" "$(alias_of search-ranking production)" 6
expect 0 "forced quit: the store is sound" "$STEWARD" audit verify --db "$DB"

# --- a sync that ignores cancellation never holds the quit ---
reset_db
cfg ok stuck 'seconds = 3600\n'
printf 'jj:q<Enter>' >"$TMPD/keys"
t0=$(date +%s)
expect 0 "headless quit with a plugin deaf to cancel" timeout "$(slow 60)" "$STEWARD" --db "$DB" --config "$TMPD/config" --script "$TMPD/keys" --dump "$TMPD/screen" --size 120x30
t1=$(date +%s)
[ $((t1 - t0)) -lt "$(slow 5)" ] && ok || fail "the headless quit took $((t1 - t0)) s with a stuck plugin"
has "it was syncing" "$(cat "$TMPD/screen")" "fk syncing"
tm new-session -d -s q -x 120 -y 30 "env LC_ALL=C.UTF-8 '$STEWARD' --db '$DB' --config '$TMPD/config'; echo EXITED-\$?; sleep 60"
wait_for "stuck plugin syncing" q "fk syncing"
tm send-keys -t q j
t0=$(date +%s)
tm send-keys -t q q
wait_for "quit returns" q "EXITED-0"
t1=$(date +%s)
[ $((t1 - t0)) -lt "$(slow 5)" ] && ok || fail "quitting with a stuck plugin took $((t1 - t0)) s"
expect 0 "the stuck sync left nothing behind" "$STEWARD" audit verify --db "$DB"

finish
