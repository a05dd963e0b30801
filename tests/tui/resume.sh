# resume.sh: after a write the console's background check reads only the entries since the checkpoint it last verified, yet still catches an old entry rewritten while it is open.
. "$STEWARD_TOP/tests/lib.sh"

SOCK="steward-resume-$$"
# Sanitizer builds are slower to start and draw.
WAIT=${STEWARD_TMUX_WAIT:-15}
. "$STEWARD_TOP/tests/lib-tmux.sh"

export LC_ALL=C.UTF-8
# The demo's decisions are signed at the real time; a fixed clock would see them from the past.
unset NO_COLOR STEWARD_KEY STEWARD_NOW STEWARD_VERIFY_FULL_EVERY
DB="$TMPD/d.db"
K="$(store_local "$DB" -keys)"
export STEWARD_PASSPHRASE=demo-passphrase
expect 0 "demo estate" "$STEWARD" demo --no-tui --db "$DB"

# entries: how many entries the ledger holds now.
entries() {
	"$STEWARD" audit log --db "$DB" --json >"$TMPD/json" || fail "audit log"
	sqlite3 :memory: "SELECT max(json_extract(value, '\$.seq')) FROM json_each(CAST(readfile('$TMPD/json') AS TEXT))"
}

# The default interval between full checks (10 minutes) keeps them out of the writes below.
tm new-session -d -s c -x 140 -y 30 \
	"env LC_ALL=C.UTF-8 '$STEWARD' --db '$DB' 2>'$TMPD/c.err'; echo \$? >'$TMPD/c.exit'; sleep 60"
N0=$(entries)
# The first check reads everything: no "new" count.
wait_for "first check, a full one" c "ledger verified to #$N0"
lacks "the first check is not a resumed one" "$(capture c)" "new)"

# One write: the next check reads only what it added.
expect 0 "a new model" "$STEWARD" model add late-arrival --tier low --owner resume --db "$DB" --key "$K/lena.key"
N1=$(entries)
[ "$N1" -gt "$N0" ] && ok || fail "the write added no entry ($N0 then $N1)"
# new_count N: the K of "ledger verified to #N (K new)" once the header
# says it (a write commits its entries and its checkpoint apart, so on
# PostgreSQL the check may say "(signed to #M, K new)"), empty if never.
new_count() {
	i=0
	while [ "$i" -lt $((WAIT * 10)) ]; do
		k=$(capture c | sed -n "s/.*ledger verified to #$1 (\(signed to #[0-9]*, \)\{0,1\}\([0-9]*\) new).*/\2/p" | head -n 1)
		[ -n "$k" ] && break
		sleep 0.1
		i=$((i + 1))
	done
	printf '%s' "$k"
}
# A check read at most what the write added (PostgreSQL may notify again
# after it, and that check reads nothing new), never the whole ledger.
wait_for "the check after the write resumed" c "ledger verified to #$N1 ("
K1=$(new_count "$N1")
[ -n "$K1" ] && [ "$K1" -le $((N1 - N0)) ] && ok || fail "the check after the write read '$K1' entries, not at most $((N1 - N0)); screen: $(capture c | sed -n 2p)"
expect 0 "and another" "$STEWARD" model add later-still --tier low --owner resume --db "$DB" --key "$K/lena.key"
N2=$(entries)
wait_for "the next check picks up from the last" c "ledger verified to #$N2 ("
K2=$(new_count "$N2")
[ -n "$K2" ] && [ "$K2" -le $((N2 - N1)) ] && ok || fail "the next check read '$K2' entries, not at most $((N2 - N1)); screen: $(capture c | sed -n 2p)"

tm send-keys -t c q
i=0
while [ ! -s "$TMPD/c.exit" ] && [ "$i" -lt $((WAIT * 10)) ]; do
	sleep 0.1
	i=$((i + 1))
done
same "the console quits cleanly" "$(cat "$TMPD/c.exit" 2>/dev/null)" 0
same "no stderr" "$(cat "$TMPD/c.err")" ""

# An old entry rewritten under an open console (its body, so it no longer
# hashes to its leaf): no write follows, so only the console's periodic
# full check (every FULL seconds here) can find it. A full check due again
# as soon as the last ends would keep the header at "verifying" (valgrind
# makes one take longer than 3 s), so FULL is scaled like the waits.
FULL=$(slow 3)
tm new-session -d -s d -x 140 -y 30 \
	"env LC_ALL=C.UTF-8 STEWARD_VERIFY_FULL_EVERY=$FULL '$STEWARD' --db '$DB' 2>'$TMPD/d.err'; echo \$? >'$TMPD/d.exit'; sleep 60"
wait_for "the second console's first check" d "ledger verified to #$N2"
OLD=3
store_sql "$DB" "DROP TRIGGER IF EXISTS ledger_no_update;
	UPDATE ledger SET body = CAST(replace(CAST(body AS TEXT), '\"time\":', '\"time\" :') AS BLOB) WHERE seq = $OLD;" >/dev/null
WAIT=$((WAIT + FULL))
wait_for "the periodic full check reports the rewritten old entry" d "ledger FAILED at #$OLD"
lacks "not shown as verified" "$(capture d)" "ledger verified to"
tm send-keys -t d q
i=0
while [ ! -s "$TMPD/d.exit" ] && [ "$i" -lt $((WAIT * 10)) ]; do
	sleep 0.1
	i=$((i + 1))
done
same "the second console quits cleanly" "$(cat "$TMPD/d.exit" 2>/dev/null)" 0
same "no stderr from it" "$(cat "$TMPD/d.err")" ""
expect 1 "the CLI agrees the ledger is broken" "$STEWARD" audit verify --db "$DB"

finish
