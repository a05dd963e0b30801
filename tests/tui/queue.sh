# queue.sh: the risk officer's day in the console: :approvals on what waits for her, t and H, the request screen's gate and evidence, refusals before the passphrase, comments, a/r and Enter between request and version.
. "$STEWARD_TOP/tests/lib.sh"

export LC_ALL=C.UTF-8
unset NO_COLOR STEWARD_KEY STEWARD_PASSPHRASE
# The demo's clock (see promote.sh): its requests are open and unexpired.
export STEWARD_NOW=1790000000
DB="$TMPD/d.db"
K="$(store_local "$DB" -keys)"
expect 0 "demo store" "$STEWARD" demo --db "$DB" --no-tui
# rosa signed the three open requests a risk officer is needed for; two
# need only an ML lead. Add one that waits for her (kyc-document-check v4)
# and one she may not decide on, as the author of its version
# (loan-default-pd v6).
as() {
	who=$1
	shift
	STEWARD_PASSPHRASE=demo-passphrase expect 0 "$who: $*" "$STEWARD" "$@" --key "$K/$who.key" --db "$DB"
}
as ada alias set kyc-document-check staging 4
as lena promote request kyc-document-check 4 --to production
same "request 17 opened" "$OUT" 17
as ada version add loan-default-pd --artifact s3://pd/6 \
	--digest sha256:5555555555555555555555555555555555555555555555555555555555555555 --author rosa
as ada alias set loan-default-pd staging 6
as lena promote request loan-default-pd 6 --to production
same "request 18 opened" "$OUT" 18
# history: one rejection with its reason, one withdrawn request
as ravi reject 13 --comment "card incomplete: limitations missing"
as lena request withdraw 18 --reason "rebuilt without the leaked feature"
as lena promote request loan-default-pd 6 --to production
same "request 18 opened" "$OUT" 19
store_copy "$DB" "$TMPD/base.db"
cp "$(store_local "$DB" .witness)" "$(store_local "$TMPD/base.db" .witness)"
reset_db() {
	store_copy "$TMPD/base.db" "$DB"
	cp "$(store_local "$TMPD/base.db" .witness)" "$(store_local "$DB" .witness)"
}

. "$STEWARD_TOP/tests/lib-script.sh"
bottom() {
	printf '%s\n' "$SCREEN" | tail -n 4 | tr '\n' ' '
}
# decided REQUEST: "principal:decision ..." for a request, from the CLI.
decided() {
	expect 0 "approval list" "$STEWARD" approval list --db "$DB" --json
	printf '%s' "$OUT" >"$TMPD/json"
	sqlite3 :memory: "SELECT group_concat(json_extract(value, '\$.principal') || ':' || json_extract(value, '\$.decision'), ' ')
		FROM json_each(CAST(readfile('$TMPD/json') AS TEXT)) WHERE json_extract(value, '\$.request') = $1"
}
comment_of() {
	expect 0 "approval list" "$STEWARD" approval list --request "$1" --db "$DB" --json
	printf '%s' "$OUT" >"$TMPD/json"
	sqlite3 :memory: "SELECT json_extract(value, '\$.comment') FROM json_each(CAST(readfile('$TMPD/json') AS TEXT))
		WHERE json_extract(value, '\$.principal') = '$2'"
}
ROSA="--key $K/rosa.key"

# ---- my queue ----
screen ':approvals<Enter>' $ROSA --size 120x24
has "heading counts what waits" "$(line 3)" "1 waits for rosa (risk-officer)"
has "heading counts what is open" "$(line 3)" "7 open"
has "the request waiting for her" "$(row '#17 ')" "kyc-document-check"
has "gate column" "$(line 4)" "GATE"
lacks "signed by her: not shown" "$SCREEN" "#12 "
lacks "needs only an ML lead: not shown" "$SCREEN" "#9 "
lacks "her own version: not shown" "$SCREEN" "#19 "
lacks "rejected: not shown" "$SCREEN" "#13 "
# t: every open request, with the gate's state
screen ':approvals<Enter>t' $ROSA --size 120x24
has "t: all open" "$(line 3)" "all 7 open"
has "t: still counts hers" "$(line 3)" "1 waits for rosa"
has "t: signed by her shown" "$(row '#12 ')" "collections-priority"
has "gate: waiting for a signature" "$(row '#12 ')" "waiting for 1 more"
has "gate: allowed" "$(row '#9 ')" "ALLOW"
has "gate: denied with the rule" "$(row '#10 ')" "DENY auc-every-slice FAIL"
has "gate: a review" "$(row '#15 ')" "review: waiting for 1"
screen ':approvals<Enter>tt' $ROSA --size 120x24
has "t again: mine" "$(line 3)" "1 waits for rosa"
lacks "t again: hides the rest" "$SCREEN" "#12 "
screen ':approvals all<Enter>' $ROSA --size 120x24
has ":approvals all" "$(line 3)" "all 7 open"
# without a key, or with one the keyring does not know: every open request, and why
screen ':approvals<Enter>' --size 120x24
has "no key: all open" "$(line 3)" "all 7 open (no --key"
has "no key: a row" "$(row '#12 ')" "collections-priority"
screen ':approvals<Enter>t' --size 120x24
has "no key: t explains" "$(line 23)" "without a known --key"
STEWARD_PASSPHRASE=xxxxxxxxxxxxxxxx expect 0 "stranger key" "$STEWARD" key gen stranger --out "$TMPD/stranger.key"
screen ':approvals<Enter>' --key "$TMPD/stranger.key" --size 120x24
has "unknown key: all open, and why" "$(line 3)" "all 7 open (stranger: "
# mei (ml-lead) requested #12 and #13: nothing of hers waits for her but the review
screen ':approvals<Enter>' --key "$K/mei.key" --size 120x24
has "mei: the review waits" "$(row '#15 ')" "search-ranking"
lacks "mei: not her own request" "$SCREEN" "#12 "
screen ':approvals<Enter>' --key "$K/ravi.key" --size 120x24
has "ravi: the second risk officer" "$(row '#12 ')" "waiting for 1 more"
# bad arguments
screen ':approvals bogus<Enter>' $ROSA
has "unknown argument" "$(line 23)" "unknown :approvals argument"
screen ':approvals history pending<Enter>' $ROSA
has "unknown state" "$SCREEN" ":approvals history takes applied, rejected"
# the filter works on the rows
screen ':approvals all<Enter>/collections' $ROSA --size 120x24
has "filter keeps the match" "$(row '#12 ')" "collections-priority"
lacks "filter hides the rest" "$SCREEN" "#9 "

# ---- history ----
screen ':approvals<Enter>H' $ROSA --size 200x30
has "H: history heading" "$(line 3)" "history:"
has "rejected with the reason in plain text" "$(row '#13 ')" "ravi (risk-officer): card incomplete: limitations missing"
has "withdrawn with how" "$(row '#18 ')" "withdrawn by lena: rebuilt without the leaked feature"
has "applied" "$(row '#14 ')" "applied"
lacks "history: open ones not shown" "$SCREEN" "#12 "
screen ':approvals<Enter>HH' $ROSA --size 120x24
has "H again: back to mine" "$(line 3)" "1 waits for rosa"
screen ':approvals history rejected<Enter>' $ROSA --size 140x30
has "history rejected: heading" "$(line 3)" "history: 1 rejected request"
has "history rejected: the row" "$(row '#13 ')" "rejected"
lacks "history rejected: no applied" "$SCREEN" "applied"
screen ':approvals history<Enter>/leaked' $ROSA --size 200x30
has "history filter" "$(row '#18 ')" "withdrawn"
lacks "history filter hides the rest" "$SCREEN" "#13 "
screen ':approvals<Enter>Ha' $ROSA --size 120x24
has "history: a says it is closed" "$(line 23)" "closed"
lacks "history: a asks nothing" "$SCREEN" "(y/n)"
STEWARD_NOW=$((STEWARD_NOW + 30 * 86400)) screen ':approvals history expired<Enter>' $ROSA --size 140x30
has "expired: decisions lapsed" "$(row '#12 ')" "every decision lapsed"

# ---- the request screen ----
screen ':approvals all<Enter>/collections<Enter><Enter>' $ROSA --size 120x70
has "request: version line" "$SCREEN" "version    collections-priority v5"
has "request: requester" "$SCREEN" "requester  mei"
has "request: author" "$SCREEN" "author     j.chen"
has "request: gate title" "$SCREEN" "Gate: staging → production"
has "request: failing rule" "$(row 'risk-signoff')" "FAIL"
has "request: passing rule" "$(row 'ml-lead-signoff')" "PASS"
has "request: verdict" "$SCREEN" "DENY: 1 of 9 rules do not pass"
has "evidence: digest read" "$SCREEN" "artifact: steward read the bytes, digest verified"
has "evidence: card" "$SCREEN" "card: 5 of 5 required sections present"
has "evidence: worst slice" "$SCREEN" "auc on holdout-2025q4: worst 0.81 (bucket=30dpd) of 4 slices"
has "decision: times" "$SCREEN" "signed 2026-09-21T08:00:00Z, expires 2026-09-28T08:00:00Z"
has "decision: why it counts" "$SCREEN" "counts as risk-officer"
has "decision: comment" "$SCREEN" "comment: reviewed the evidence"
screen ':approvals all<Enter>/fraud<Enter><Enter>' $ROSA --size 120x70
has "card sections missing" "$SCREEN" "card: 3 of 5 required sections; missing: Limitations, Ethical considerations"
screen ':approvals history<Enter>/#13<Enter><Enter>' $ROSA --size 120x60
has "closed request: state" "$SCREEN" "state      rejected"
has "closed request: gate not evaluated" "$SCREEN" "not evaluated: the request is closed"
has "closed request: the rejection's comment" "$SCREEN" "comment: card incomplete: limitations missing"
# Enter on the version line opens the version; Enter on its request line comes back
screen ':approvals all<Enter>/collections<Enter><Enter><Enter>' $ROSA --size 120x40
has "Enter: the version view" "$(line 39)" "#12 › collections-priority v5]"
has "version view: the request line" "$SCREEN" "request #12 by mei"
screen ':approvals all<Enter>/collections<Enter><Enter><Enter>jj<Enter>' $ROSA --size 120x40
has "Enter on the request line: the request" "$(line 39)" "#12"
has "back on the request" "$(line 3)" "request #12  collections-priority v5"

# ---- refusals before the passphrase ----
refused() { # DESC KEYS NEEDLE [ARGS...]
	desc=$1 keys=$2 needle=$3
	shift 3
	screen "$keys" --size 120x30 "$@"
	has "$desc: says why" "$(bottom)" "$needle"
	lacks "$desc: no confirmation" "$SCREEN" "(y/n)"
	lacks "$desc: no passphrase prompt" "$SCREEN" "passphrase for key"
}
refused "already signed" ':approvals all<Enter>/collections<Enter>a' "rosa already signed a decision on request 12" $ROSA
refused "role not needed" ':approvals all<Enter>/search<Enter>a' "request #15 needs no approval from risk-officer (still open: ml-lead 0/1)" $ROSA
refused "every need filled" ':approvals all<Enter>/support<Enter>a' "request #9 has every approval it needs (ml-lead 1/1)" $ROSA
refused "requester" ':approvals all<Enter>/collections<Enter>a' "mei requested this promotion (separation of duties)" --key "$K/mei.key"
refused "author" ':approvals all<Enter>/loan<Enter>a' "rosa is the author of models:/loan-default-pd/6" $ROSA
refused "reject: role not needed" ':approvals all<Enter>/search<Enter>r' "request #15 needs no decision from risk-officer" $ROSA
refused "request closed" ':approvals history<Enter>/#13<Enter><Enter>a' "request 13 is rejected, not open" $ROSA
refused "expired evidence gone: request view" ':approvals all<Enter>/collections<Enter><Enter>a' "already signed" $ROSA
refused "readonly" ':approvals<Enter>a' "read-only" --readonly $ROSA
refused "no key" ':approvals<Enter>a' "start with --key FILE to sign"
refused "auditor" ':approvals<Enter>a' "otto holds auditor" --key "$K/otto.key"
same "refusals: nothing recorded" "$(decided 17)" ""

# ---- comments ----
screen ':approvals<Enter>ry<Enter>' $ROSA --size 120x30
has "reject: empty reason refused" "$(bottom)" "a rejection needs a reason"
has "reject: asked again" "$(line 30)" "reason for rejecting request #17"
lacks "reject: no passphrase yet" "$SCREEN" "passphrase for key"
screen ':approvals<Enter>ry<Enter><Esc>' $ROSA --size 120x30
has "reject: Esc cancels" "$(bottom)" "cancelled"
screen ':approvals<Enter>rysoak too short<Enter>demo-passphrase<Enter>' $ROSA --size 120x30
has "rejected" "$(bottom)" "rejected request #17 as rosa"
same "rejection recorded" "$(decided 17)" "rosa:reject"
same "reason stored in the statement" "$(comment_of 17 rosa)" "soak too short"
screen ':approvals history rejected<Enter>' $ROSA --size 200x30
has "history shows her reason" "$(row '#17 ')" "rosa (risk-officer): soak too short"
reset_db
screen ':approvals<Enter>aydrift checked on the new segment<Enter>demo-passphrase<Enter>' $ROSA --size 120x30
has "approved with a comment" "$(bottom)" "approved request #17 as rosa"
same "approve comment stored in the statement" "$(comment_of 17 rosa)" "drift checked on the new segment"
reset_db

# ---- a and r on the version view ----
screen ':approvals<Enter><Enter><Enter>' $ROSA --size 120x40
has "from the queue to the version" "$(line 39)" "kyc-document-check v4]"
has "version view offers approve" "$(line 40)" "a approve"
screen ':approvals<Enter><Enter><Enter>a' $ROSA --size 120x40
has "a on the version: the request's confirmation" "$(bottom)" "approve request #17 as risk-officer: kyc-document-check v4"
screen ':approvals<Enter><Enter><Enter>ry<Enter>' $ROSA --size 120x40
has "r on the version: a reason is asked" "$(bottom)" "reason for rejecting request #17"
screen ':approvals all<Enter>/collections<Enter><Enter><Enter>a' $ROSA --size 120x40
has "a on a version she signed: refused at once" "$(bottom)" "already signed"
lacks "a on a version she signed: nothing asked" "$SCREEN" "(y/n)"
screen '/merchant<Enter><Enter><Enter>a' $ROSA --size 120x40
has "a on a version without a request" "$(bottom)" "no open request for merchant-categorization"

# ---- the journey: launch to a signed approval in at most 8 keys plus the passphrase ----
# :ap opens her queue, the request waiting for her selected; a, y, and
# Enter for an empty comment: 7 keys, then the passphrase.
screen ':ap<Enter>' $ROSA --size 120x24
has "journey: :ap opens her queue" "$SCREEN" "1 waits for rosa"
BUDGET=8
KEYS=':ap<Enter>ay<Enter>'

# keys: each <Name> is one key, every other character one key
NKEYS=$(printf '%s' "$KEYS" | sed 's/<[A-Za-z]*>/K/g' | wc -c | tr -d ' ')
same "journey: keys before the passphrase within budget" "$((NKEYS <= BUDGET))" 1
screen "$KEYS" $ROSA --size 80x24
has "journey: the passphrase is asked" "$(line 24)" "passphrase for key rosa"
screen "${KEYS}demo-passphrase<Enter>" $ROSA --size 80x24
has "journey: approved" "$(bottom)" "approved request #17 as rosa"
lacks "journey: passphrase never drawn" "$SCREEN" "demo-passphrase<"
has "journey: nothing waits any more" "$(line 3)" "0 wait for rosa"
same "journey: her approval in the ledger" "$(decided 17)" "rosa:approve"
expect 0 "journey: the ledger verifies" "$STEWARD" audit verify --db "$DB"
reset_db

# everything fits at 80 columns
for keys in ':approvals<Enter>' ':approvals<Enter>t' ':approvals<Enter>H' ':approvals<Enter><Enter>' \
	':approvals<Enter>a' ':approvals<Enter>ay'; do
	screen "$keys" $ROSA --size 80x24
	same "$keys at 80x24: fits" "$(($(wc -L <"$TMPD/screen") <= 80))" 1
done

finish
