# estate.sh: the bench's generator makes a small estate of every kind of governed act through the core calls, which audit verify accepts, and refuses bad options clearly.
. "$STEWARD_TOP/tests/lib.sh"
sqlite_suite "the generator writes a SQLite file"

GEN=${STEWARD%/*}/bench/estate-testclock
[ -x "$GEN" ] || fail "no generator at $GEN (make $GEN)"
DB="$TMPD/e.db"

expect 0 "a small estate" "$GEN" -m 20 -v 6 -n 1200 -p "$STEWARD_TOP/policies" -k "$TMPD/keys" "$DB"
LOG=$OUT
has "it says what it made" "$LOG" "generated 20 models, 120 versions"
# The mix adds up to the ledger's size, and each act the issue asks for is there.
size=$(printf '%s\n' "$LOG" | sed -n 's/^generated [^,]*, [^,]*, \([0-9]*\) ledger entries.*/\1/p')
sum=$(printf '%s\n' "$LOG" | awk '/^mix:/ { s += $2 } END { print s + 0 }')
same "the mix covers every entry" "$sum" "$size"
for act in "policy enrolments" "metrics set" "cards set" "requests opened" "approvals signed" "rejections signed" \
	"requests withdrawn" "gate-passed promotions" "rollbacks through the policy" "post-rollback review" \
	"keyring revocations" "direct admin alias moves"; do
	n=$(printf '%s\n' "$LOG" | awk -v a="$act" 'index($0, a) && /^mix:/ { print $2 }')
	[ "${n:-0}" -gt 0 ] && ok || fail "no $act in the mix: $LOG"
done
alias_n=$(printf '%s\n' "$LOG" | awk '/^mix:.*alias set/ { print $2 }')
[ $((alias_n * 2)) -lt "$size" ] && ok || fail "alias moves are $alias_n of $size entries"
has "revoked keys were refused" "$LOG" "2 signatures by revoked keys"
[ -f "$TMPD/keys/rosa.key" ] && [ -f "$TMPD/keys/ada.key" ] && ok || fail "the personas' keys were not kept"

# The product accepts it as genuine.
# Its history ends before the real present, past the suites' fixed clock.
expect 0 "audit verify accepts the estate" env STEWARD_NOW="$(date +%s)" "$STEWARD" audit verify --db "$DB"
has "every entry verified" "$OUT" "verified: $size entries"
# Read ahead by workers, its 1,200 entries fill both chunks and then the first again: the trees
# replayed last were parsed into a region emptied once already (core/ledger-ahead.c).
expect 0 "and on two worker threads" env STEWARD_NOW="$(date +%s)" "$STEWARD" audit verify --db "$DB" --jobs 2
has "every entry verified there too" "$OUT" "verified: $size entries"
expect 0 "the leavers are listed as revoked" "$STEWARD" principal list --db "$DB"
for p in rolf leo; do
	rev=$(printf '%s\n' "$OUT" | awk -v p="$p" '$1 == p { print $NF }')
	case $rev in v[0-9]*) ok ;; *) fail "$p is not revoked: $OUT" ;; esac
done
rev=$(printf '%s\n' "$OUT" | awk '$1 == "rosa" { print $2 " " $NF }')
same "rosa, the console's risk officer, stays" "$rev" "risk-officer -"

# Bad options and paths: a clear message, nothing written.
expect 2 "-m 0" "$GEN" -m 0 "$TMPD/x.db"
has "-m names its range" "$ERR" "-m wants a number from 1"
expect 2 "-v not a number" "$GEN" -v many "$TMPD/x.db"
has "-v names the value" "$ERR" "not 'many'"
expect 2 "no store" "$GEN" -m 2
has "usage" "$ERR" "usage: estate"
expect 1 "an existing store" "$GEN" -m 2 -v 2 -n 100 "$DB"
has "it names the store" "$ERR" "$DB exists"
expect 1 "a policy directory without the tier policies" "$GEN" -m 2 -v 2 -n 100 -p "$TMPD/nowhere" "$TMPD/y.db"
has "it names the policy file" "$ERR" "$TMPD/nowhere/low.policy"
expect 0 "nothing of it in the store" sqlite3 "$TMPD/y.db" "SELECT count(*) FROM ledger"
same "no ledger entry" "$OUT" "0"
finish
