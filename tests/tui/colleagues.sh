# colleagues.sh: the console stays correct while other steward processes approve, apply and write to its store, and can still sign afterwards.
. "$STEWARD_TOP/tests/lib.sh"

SOCK="steward-colleagues-$$"
# Sanitizer builds are slower to start and draw.
WAIT=${STEWARD_TMUX_WAIT:-15}
. "$STEWARD_TOP/tests/lib-tmux.sh"

export LC_ALL=C.UTF-8
# The demo's decisions are signed at the real time; a fixed clock would see them from the past.
unset NO_COLOR STEWARD_KEY STEWARD_NOW
DB="$TMPD/d.db"
K="$(store_local "$DB" -keys)"
# The CLI acts as the demo's personas; the console gets its passphrase typed.
export STEWARD_PASSPHRASE=demo-passphrase
expect 0 "demo estate" "$STEWARD" demo --no-tui --db "$DB"

# request_of MODEL: the id of MODEL's newest open request.
request_of() {
	"$STEWARD" request list --db "$DB" --json >"$TMPD/json" || fail "request list"
	sqlite3 :memory: "SELECT json_extract(value, '\$.id') FROM json_each(CAST(readfile('$TMPD/json') AS TEXT))
		WHERE json_extract(value, '\$.model') = '$1' AND json_extract(value, '\$.state') = 'open'
		ORDER BY json_extract(value, '\$.id') DESC LIMIT 1"
}
# entries: how many entries the ledger holds now.
entries() {
	"$STEWARD" audit log --db "$DB" --json >"$TMPD/json" || fail "audit log"
	sqlite3 :memory: "SELECT max(json_extract(value, '\$.seq')) FROM json_each(CAST(readfile('$TMPD/json') AS TEXT))"
}
as() {
	who=$1
	shift
	expect 0 "$who: $*" "$STEWARD" "$@" --db "$DB" --key "$K/$who.key"
}

R_COLL=$(request_of collections-priority)
R_SUPP=$(request_of support-ticket-routing)
R_CHURN=$(request_of churn-propensity)
[ -n "$R_COLL" ] && [ -n "$R_SUPP" ] && [ -n "$R_CHURN" ] && ok || fail "the demo's open requests: '$R_COLL' '$R_SUPP' '$R_CHURN'"
# rosa signed every demo request a risk officer is needed for: one that
# waits for her, for the console to sign at the end.
as ada alias set kyc-document-check staging 4
as lena promote request kyc-document-check 4 --to production
R_KYC=$(request_of kyc-document-check)

tm new-session -d -s c -x 120 -y 30 \
	"env LC_ALL=C.UTF-8 '$STEWARD' --db '$DB' --key '$K/rosa.key' 2>'$TMPD/c.err'; echo \$? >'$TMPD/c.exit'; sleep 60"
wait_for "console opens as rosa" c "rosa (risk-officer)"
# Once the first check has run, the console has opened and closed a
# second connection of its own: the moment its locks used to go.
wait_for "first ledger check" c "ledger verified to #$(entries)"
tm send-keys -t c :
tm send-keys -t c -l "approvals all"
tm send-keys -t c Enter
wait_for ":approvals" c "[approvals] 1/"

# Colleagues at work: a decision, a promotion applied, a new request, a new model.
as ravi approve "$R_COLL" --comment "second risk officer"
wait_for "the decision shows" c "3/3 ALLOW"
wait_for "the ledger check follows (approval)" c "ledger verified to #$(entries)"
if sqlite_only 1 "the store's -wal file"; then
	[ -e "$DB-wal" ] && ok || fail "the store's -wal file was deleted while the console had it open"
fi
as lena promote apply "$R_SUPP"
wait_for "the ledger check follows (apply)" c "ledger verified to #$(entries)"
lacks "the applied request left the list" "$(capture c)" "#$R_SUPP support-ticket-routing"
as lena promote request support-ticket-routing 2 --to staging --comment "from a colleague"
R_NEW=$(request_of support-ticket-routing)
wait_for "the new request shows" c "#$R_NEW support-ticket-routing"
STEWARD_PASSPHRASE=demo-passphrase expect 0 "a new model" "$STEWARD" model add late-arrival --tier low --owner colleagues --db "$DB" --key "$(store_local "$DB" -keys)/lena.key"
wait_for "the header counts it" c "13 models"
# :models from here reads the store again: the root's list, which it could
# otherwise copy, was loaded before the colleagues wrote (once the check is
# done nothing else would reload it)
wait_for "the ledger check follows (model)" c "ledger verified to #$(entries)"
tm send-keys -t c :
tm send-keys -t c -l models
tm send-keys -t c Enter
wait_for ":models shows the colleague's model" c "late-arrival"
tm send-keys -t c Escape
wait_for "Esc goes back to :approvals" c "[approvals] "
if sqlite_only 1 "the store's -wal file"; then
	[ -e "$DB-wal" ] && ok || fail "the store's -wal file was deleted while the console had it open"
fi

# The console signs after all that: its connections still work.
tm send-keys -t c /
tm send-keys -t c -l kyc-document-check
tm send-keys -t c Enter
wait_for "filtered to one request" c "[approvals] 1/1 of"
tm send-keys -t c a
wait_for "confirmation" c "(y/n)"
tm send-keys -t c y
wait_for "comment prompt" c "comment for approving"
tm send-keys -t c Enter
wait_for "passphrase prompt" c "passphrase for key rosa"
tm send-keys -t c -l demo-passphrase
tm send-keys -t c Enter
wait_for "the console signed" c "approved request #$R_KYC as rosa"
lacks "no store error" "$(capture c)" "malformed"
expect 0 "the console's decision is recorded" "$STEWARD" approval list --request "$R_KYC" --db "$DB" --json
has "signed by rosa" "$OUT" '"principal": "rosa"'
wait_for "ledger check after signing" c "ledger verified to #$(entries)"
# and another colleague after the console wrote
as mei approve "$R_NEW"
wait_for "ledger check after the next colleague" c "ledger verified to #$(entries)"
expect 0 "the ledger verifies" "$STEWARD" audit verify --db "$DB"
if sqlite_only 2 "SQLite's integrity_check"; then
	expect 0 "the store is sound" sqlite3 "$DB" "PRAGMA integrity_check"
	same "integrity" "$OUT" ok
fi

tm send-keys -t c Escape q
i=0
while [ ! -s "$TMPD/c.exit" ] && [ "$i" -lt $((WAIT * 10)) ]; do
	sleep 0.1
	i=$((i + 1))
done
same "exit status" "$(cat "$TMPD/c.exit" 2>/dev/null)" 0
same "no stderr" "$(cat "$TMPD/c.err")" ""

finish
