# passwait.sh: after a wrong passphrase the console stays live: the next passphrase prompt is held back, the bottom line counting the wait down, Esc cancels, q quits, and the wait itself still holds.
. "$STEWARD_TOP/tests/lib.sh"

export LC_ALL=C.UTF-8
unset NO_COLOR STEWARD_KEY STEWARD_PASSPHRASE
DB="$TMPD/w.db"
K="$TMPD/k"
mkdir -m 700 "$K"
T0=$STEWARD_NOW
D1=sha256:1111111111111111111111111111111111111111111111111111111111111111

for who in root risk1 req1; do
	STEWARD_PASSPHRASE="passphrase-of-$who" expect 0 "key gen $who" "$STEWARD" key gen "$who" --out "$K/$who.key"
done
export STEWARD_PASSPHRASE=passphrase-of-root
expect 0 "init" "$STEWARD" init --db "$DB" --admin root --admin-key "$K/root.key"
expect 0 "add risk1" "$STEWARD" principal add risk1 --role risk-officer --pubkey "$K/risk1.key.pub" --key "$K/root.key" --db "$DB"
expect 0 "add req1" "$STEWARD" principal add req1 --role ml-lead --pubkey "$K/req1.key.pub" --key "$K/root.key" --db "$DB"
expect 0 "model" "$STEWARD" model add fraud-scoring --tier high --owner fraud-ops --db "$DB" --key "$K/root.key"
expect 0 "version 1" "$STEWARD" version add fraud-scoring --artifact s3://m/1 --digest $D1 --author j.chen --db "$DB" --key "$K/root.key"
STEWARD_PASSPHRASE=passphrase-of-req1 expect 0 "request" "$STEWARD" promote request fraud-scoring 1 --to staging \
	--key "$K/req1.key" --db "$DB"
unset STEWARD_PASSPHRASE
decisions() { store_sql "$DB" "SELECT count(*) FROM approvals"; }
store_copy "$DB" "$TMPD/base.db"
cp "$(store_local "$DB" .logkey)" "$(store_local "$TMPD/base.db" .logkey)"
cp "$(store_local "$DB" .witness)" "$(store_local "$TMPD/base.db" .witness)"
restore() {
	store_copy "$TMPD/base.db" "$DB"
	cp "$(store_local "$TMPD/base.db" .witness)" "$(store_local "$DB" .witness)"
}

SOCK="steward-passwait-$$"
WAIT=${STEWARD_TMUX_WAIT:-15}
. "$STEWARD_TOP/tests/lib-tmux.sh"

# A first wait of 3 s (the tests' build reads it from STEWARD_TEST_WAIT_MS), so the count can be seen.
tm new-session -d -s w -x 240 -y 30 \
	"env LC_ALL=C.UTF-8 STEWARD_NOW=$T0 STEWARD_TEST_WAIT_MS=3000 '$STEWARD' --db '$DB' --key '$K/risk1.key' 2>'$TMPD/w.err'; echo \$? >'$TMPD/w.exit'; sleep 60"
wait_for "identity" w "risk1 (risk-officer)"
tm send-keys -t w :
tm send-keys -t w -l approvals
tm send-keys -t w Enter
wait_for ":approvals" w "[approvals] 1/1"
# ask NAME: a, y, Enter up to where the passphrase (or the wait) comes.
ask() {
	tm send-keys -t w a
	wait_for "$1: confirmation" w "(y/n)"
	tm send-keys -t w y
	wait_for "$1: comment prompt" w "comment for approving"
	tm send-keys -t w Enter
}
ask "first"
wait_for "first: the passphrase prompt at once" w "passphrase for key risk1"
tm send-keys -t w -l not-risk1s-passphrase
START=$(date +%s%N)
tm send-keys -t w Enter
# The wrong passphrase is answered at once: the wait comes before the next try.
wait_for "wrong: said at once" w "wrong 1 time in a row, held back 3.000 s"
SAID=$(date +%s%N)
[ $(((SAID - START) / 1000000)) -lt 2500 ] && ok || fail "the wrong passphrase took $(((SAID - START) / 1000000)) ms to be answered: the console was frozen in the wait"
ask "second"
wait_for "second: held back, counting down" w "wrong passphrase: the next try in 3 s"
lacks "second: no passphrase prompt yet" "$(capture w)" "passphrase for key risk1"
wait_for "second: the count goes down" w "the next try in 1 s"
wait_for "second: then the prompt" w "passphrase for key risk1"
END=$(date +%s%N)
[ $(((END - SAID) / 1000000)) -ge 2500 ] && ok || fail "the prompt came $(((END - SAID) / 1000000)) ms after the wrong passphrase, not after the 3 s wait"
tm send-keys -t w -l not-risk1s-passphrase-either
tm send-keys -t w Enter
wait_for "wrong twice: 6 s" w "wrong 2 times in a row, held back 6.000 s"
# Esc while held: the act is cancelled, nothing asked, nothing signed.
ask "third"
wait_for "third: held back" w "the next try in"
tm send-keys -t w Escape
wait_for "Esc: cancelled" w "cancelled"
sleep 0.3
lacks "Esc: no prompt" "$(capture w)" "the next try in"
same "Esc: nothing signed" "$(decisions)" 0
# Still held when asked again; the right passphrase after the wait signs.
ask "fourth"
wait_for "fourth: still held" w "the next try in"
wait_for "fourth: the prompt once the wait is over" w "passphrase for key risk1"
tm send-keys -t w -l passphrase-of-risk1
tm send-keys -t w Enter
wait_for "the right passphrase signs" w "decision #1 signed and recorded"
same "one decision" "$(decisions)" 1
tm send-keys -t w q
sleep 0.2
tm send-keys -t w q
i=0
while [ ! -s "$TMPD/w.exit" ] && [ "$i" -lt $((WAIT * 10)) ]; do
	sleep 0.1
	i=$((i + 1))
done
same "exit status" "$(cat "$TMPD/w.exit" 2>/dev/null)" 0
same "no stderr" "$(cat "$TMPD/w.err")" ""

# q while held works at once, long before the wait would end: it leaves
# the question and the view as q does (back, then quit).
restore
tm new-session -d -s q -x 240 -y 30 \
	"env LC_ALL=C.UTF-8 STEWARD_NOW=$T0 STEWARD_TEST_WAIT_MS=20000 '$STEWARD' --db '$DB' --key '$K/risk1.key' 2>'$TMPD/q.err'; echo \$? >'$TMPD/q.exit'; sleep 60"
wait_for "q: identity" q "risk1 (risk-officer)"
tm send-keys -t q :
tm send-keys -t q -l approvals
tm send-keys -t q Enter
wait_for "q: :approvals" q "[approvals] 1/1"
for round in wrong held; do
	tm send-keys -t q a
	wait_for "q, $round: confirmation" q "(y/n)"
	tm send-keys -t q y
	wait_for "q, $round: comment prompt" q "comment for approving"
	tm send-keys -t q Enter
	[ "$round" = held ] && break
	wait_for "q: passphrase prompt" q "passphrase for key risk1"
	tm send-keys -t q -l wrong-passphrase-here
	tm send-keys -t q Enter
	wait_for "q: wrong" q "held back 20.000 s"
done
wait_for "q: held for 20 s" q "the next try in 2"
START=$(date +%s%N)
tm send-keys -t q q
sleep 0.2
tm send-keys -t q q
i=0
while [ ! -s "$TMPD/q.exit" ] && [ "$i" -lt 50 ]; do
	sleep 0.1
	i=$((i + 1))
done
END=$(date +%s%N)
same "q: exit status" "$(cat "$TMPD/q.exit" 2>/dev/null)" 0
[ $(((END - START) / 1000000)) -lt 5000 ] && ok || fail "q took $(((END - START) / 1000000)) ms while the wait had 20 s to run"
same "q: no stderr" "$(cat "$TMPD/q.err")" ""
same "q: nothing signed" "$(decisions)" 0

# The wait is still the wait: the CLI, which does not hold a prompt, sleeps it in the call.
START=$(date +%s%N)
STEWARD_TEST_WAIT_MS=700 STEWARD_PASSPHRASE=wrong-passphrase-x expect 1 "CLI: a wrong passphrase" \
	"$STEWARD" approve 1 --key "$K/risk1.key" --db "$DB"
END=$(date +%s%N)
has "CLI: held back" "$ERR" "held back 0.700 s"
[ $(((END - START) / 1000000)) -ge 700 ] && ok || fail "the CLI answered a wrong passphrase in $(((END - START) / 1000000)) ms, under its 700 ms wait"

finish
