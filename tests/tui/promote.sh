# promote.sh: the console's gate checklist, p (request), P (apply), R (rollback), :policies and the UNAPPROVED marker, on the demo estate.
. "$STEWARD_TOP/tests/lib.sh"

export LC_ALL=C.UTF-8
unset NO_COLOR STEWARD_KEY STEWARD_PASSPHRASE
# The demo dates its history back from this clock: its policies were enrolled
# on 2026-03-24T20:00:00Z (180 days and a half before 08:00 that day).
export STEWARD_NOW=1790000000
DB="$TMPD/d.db"
K="$(store_local "$DB" -keys)"
expect 0 "demo store" "$STEWARD" demo --db "$DB" --no-tui
# One more SRE whose passphrase cannot occur on any screen by accident.
PW=Xq7-wombat-Passphrase
STEWARD_PASSPHRASE=$PW expect 0 "key gen pat" "$STEWARD" key gen pat --out "$K/pat.key"
STEWARD_PASSPHRASE=demo-passphrase expect 0 "pat is an sre" "$STEWARD" principal add pat --role sre \
	--pubkey "$K/pat.key.pub" --key "$K/ada.key" --db "$DB"
store_copy "$DB" "$TMPD/base.db"
cp "$(store_local "$DB" .witness)" "$(store_local "$TMPD/base.db" .witness)"

# Back to the copy, with its witness (else the signer refuses: the copy
# lacks what was signed since).
reset_db() {
	store_copy "$TMPD/base.db" "$DB"
	cp "$(store_local "$TMPD/base.db" .witness)" "$(store_local "$DB" .witness)"
}

# screen KEYS [ARGS...]: a scripted session on $DB; the screen lands in $SCREEN.
. "$STEWARD_TOP/tests/lib-script.sh"
# The bottom lines, where questions and long messages are drawn.
bottom() {
	printf '%s\n' "$SCREEN" | tail -n 4 | tr '\n' ' '
}
alias_of() {
	expect 0 "alias list $1" "$STEWARD" alias list "$1" --db "$DB" --json
	printf '%s' "$OUT" >"$TMPD/json"
	sqlite3 :memory: "SELECT json_extract(value, '\$.version') FROM json_each(CAST(readfile('$TMPD/json') AS TEXT))
		WHERE json_extract(value, '\$.alias') = '$2'"
}
# requests WHERE: the ids of requests (all states) matching an SQL condition on the JSON.
requests() {
	expect 0 "request list" "$STEWARD" request list --all --db "$DB" --json
	printf '%s' "$OUT" >"$TMPD/json"
	sqlite3 :memory: "SELECT group_concat(json_extract(value, '\$.id'), ' ') FROM json_each(CAST(readfile('$TMPD/json') AS TEXT))
		WHERE $1"
}
ledger_size() {
	expect 0 "audit log" "$STEWARD" audit log --db "$DB" --json
	j '$[#-1].seq'
}
policy_digest() {
	expect 0 "policy list" "$STEWARD" policy list --db "$DB" --json
	printf '%s' "$OUT" >"$TMPD/json"
	sqlite3 :memory: "SELECT json_extract(value, '\$.sha256') FROM json_each(CAST(readfile('$TMPD/json') AS TEXT))
		WHERE json_extract(value, '\$.tier') = '$1'"
}
N0=$(ledger_size)

# The version's gate: its next transition, the policy, the request, one line per rule.
screen '/churn<Enter><Enter><Enter>' --size 100x30
has "churn: gate title" "$SCREEN" "Gate: staging → production"
MED=$(policy_digest medium)
has "churn: policy named with version and digest" "$SCREEN" "policy medium-default v1 (sha256:$(printf '%s' "${MED#sha256:}" | head -c 8))"
has "churn: the request evaluated" "$SCREEN" "request #10 by lena"
has "churn: auc-every-slice fails" "$(row 'auc-every-slice')" "FAIL"
has "churn: failing evidence" "$(row 'auc-every-slice')" "auc 0.64 on segment=young"
has "churn: failing reason" "$(row 'auc-every-slice')" "worst slice segment=young: 0.64"
has "churn: passing rule" "$(row 'ml-lead-signoff')" "PASS"
has "churn: evidence of a passing rule" "$(row 'ml-lead-signoff')" "1 of 1 ml-lead"
has "churn: verdict" "$SCREEN" "DENY: 1 of 6 rules do not pass"
screen '/support<Enter><Enter><Enter>' --size 100x30
has "support v3: gate title" "$SCREEN" "Gate: staging → production"
same "support v3: no rule fails" "$(printf '%s\n' "$SCREEN" | grep -c '^  \(FAIL\|UNKNOWN\) ')" 0
same "support v3: five rules pass" "$(printf '%s\n' "$SCREEN" | grep -c '^  PASS ')" 5
has "support v3: allowed" "$SCREEN" "ALLOW: all 5 rules pass"
# a metric rule without a slice: its reason starts in the reason column like the others
same "support v3: reasons line up" "$(row 'auc-floor' | awk '{ print index($0, "0.927 >= 0.85") }')" \
	"$(row 'ml-lead-signoff' | awk '{ print index($0, "1 of 1 ml-lead") }')"
screen '/fraud<Enter><Enter><Enter>' --size 120x30
has "fraud v8: card-complete fails" "$(row 'card-complete')" "FAIL"
has "fraud v8: the missing sections" "$(row 'card-complete')" "missing: Limitations, Ethical considerations"
has "fraud v8: risk signoff passes" "$(row 'risk-signoff')" "PASS"
has "fraud v8: verdict" "$SCREEN" "DENY: 1 of 9 rules do not pass"
screen '/collections<Enter><Enter><Enter>' --size 120x30
has "collections v5: risk-signoff fails" "$(row 'risk-signoff')" "FAIL"
has "collections v5: the second risk officer" "$(row 'risk-signoff')" "1 of 2 risk-officer"
screen '/search<Enter><Enter><Enter>' --size 120x30
has "search v7: no request" "$SCREEN" "no open request for this transition"
has "search v7: unknown without a request" "$(row 'ml-lead-signoff')" "UNKNOWN"
has "search v7: unknown reason" "$(row 'ml-lead-signoff')" "no open promotion request"
# the next stage: none -> staging from no alias; nothing after production
screen '/fraud<Enter><Enter>jj<Enter>' --size 120x30
has "fraud v6: on no alias, staging next" "$SCREEN" "Gate: none → staging"
has "fraud v6: any -> staging rules" "$(row ' evaluated ')" "auc"
screen '/fraud<Enter><Enter>j<Enter>' --size 120x30
has "fraud v7: in production" "$SCREEN" "v7 is in production: there is no next stage to promote it to"
lacks "fraud v7: no checklist" "$SCREEN" "PASS"
NO_COLOR=1 screen '/churn<Enter><Enter><Enter>' --size 100x30
has "NO_COLOR: statuses still spelled out" "$(row 'auc-every-slice')" "FAIL"
# the card and metrics are still there, after the gate
screen '/fraud<Enter><Enter><Enter>' --size 100x70
has "card after the gate" "$SCREEN" "## Intended use"
has "metrics after the gate" "$SCREEN" "METRIC"

# refusals: an edited policy file, a store without policies
MEDFILE="$(store_local "$DB" -policies)/medium.policy"
cp "$MEDFILE" "$TMPD/medium.policy"
printf '# an edit nobody enrolled\n' >>"$MEDFILE"
# (wide: the policy's path, longer beside a PostgreSQL store's local files, comes first)
screen '/churn<Enter><Enter><Enter>' --size 480x30
has "edited policy: refused" "$SCREEN" "DENY  policy medium-default v1:"
has "edited policy: names the enrolled digest" "$SCREEN" "but $MED was enrolled"
lacks "edited policy: no rules evaluated" "$SCREEN" "auc-every-slice"
screen ':policies<Enter>/medium<Enter><Enter>' --size 300x40
has "edited policy: :policies says so" "$SCREEN" "not the enrolled bytes: promotions under this policy are refused"
cp "$TMPD/medium.policy" "$MEDFILE"
screen ':policies<Enter>/medium<Enter><Enter>' --size 300x40
has "restored policy file" "$SCREEN" "holds the enrolled bytes"
E="$TMPD/empty.db"
STEWARD_PASSPHRASE=demo-passphrase expect 0 "store without policies" "$STEWARD" init --db "$E" --admin ada --admin-key "$K/ada.key"
STEWARD_PASSPHRASE=demo-passphrase expect 0 "a model" "$STEWARD" model add scorer --tier high --owner risk --db "$E" --key "$K/ada.key"
STEWARD_PASSPHRASE=demo-passphrase expect 0 "a version" "$STEWARD" version add scorer --artifact s3://m/1 \
	--digest sha256:1111111111111111111111111111111111111111111111111111111111111111 --db "$E" --key "$K/ada.key"
printf '<Enter><Enter>' >"$TMPD/keys"
expect 0 "session on a store without policies" "$STEWARD" --db "$E" --script "$TMPD/keys" --dump "$TMPD/screen" --size 100x24
SCREEN=$(cat "$TMPD/screen")
has "no policy: refusal shown" "$SCREEN" "no policy is enrolled for tier high: nothing may be promoted"

# P: apply a request whose gate passes, as lena; the confirmation names the move
screen '/support<Enter><Enter><Enter>' --key "$K/lena.key"
has "P offered where the gate passes" "$(line 24)" "P apply"
lacks "p not offered with a request open" "$(line 24)" "p promote"
screen '/support<Enter><Enter><Enter>P' --key "$K/lena.key"
has "P: confirmation names the alias change" "$(bottom)" "move production of support-ticket-routing from v2 to v3"
has "P: confirmation names the request" "$(bottom)" "request #9)? (y/n)"
screen '/support<Enter><Enter><Enter>Pn' --key "$K/lena.key"
has "P: n cancels" "$(line 23)" "cancelled"
screen '/support<Enter><Enter><Enter>Pywrong-Secret-77<Enter>' --key "$K/lena.key" --size 120x24
has "P: wrong passphrase refused" "$SCREEN" "wrong passphrase for key file"
lacks "P: wrong passphrase not shown" "$SCREEN" "wrong-Secret-77"
same "P: nothing moved yet" "$(alias_of support-ticket-routing production)" 2
same "P: ledger unchanged" "$(ledger_size)" "$N0"
screen '/support<Enter><Enter><Enter>Pydemo-passphrase<Enter>' --key "$K/lena.key" --size 140x30
has "P: applied message" "$(line 29)" "applied request #9: production of support-ticket-routing now points at v3"
same "P: production moved" "$(alias_of support-ticket-routing production)" 3
same "P: request 9 applied" "$(requests "json_extract(value, '\$.id') = 9 AND json_extract(value, '\$.state') = 'applied'")" 9
has "P: the view shows the new stage" "$SCREEN" "v3 is in production"
has "P: header saw the new entry" "$(line 2)" "ledger verified to #$((N0 + 1))"
expect 0 "P: the ledger verifies" "$STEWARD" audit verify --db "$DB"
expect 0 "P: promotion.apply recorded" "$STEWARD" audit log --db "$DB" --json
same "P: by lena" "$(j '$[#-1].actor')" lena
same "P: as a promotion" "$(j '$[#-1].action')" promotion.apply
# a gate that denies is named by its first failing rule, and nothing is asked
screen '/fraud<Enter><Enter><Enter>P' --key "$K/lena.key" --size 120x24
has "P on fraud v8: first failing rule" "$SCREEN" "request #11 cannot be applied: card-complete FAIL: missing: Limitations, Ethical considerations"
lacks "P on fraud v8: no confirmation" "$SCREEN" "(y/n)"
lacks "P on a failing gate: not offered" "$(line 24)" "P apply"
# from :approvals and a request's view, on the selected request
screen ':approvals all<Enter>/churn<Enter>' --key "$K/rosa.key" --size 120x24
has "P in :approvals: offered" "$(line 24)" "P apply"
screen ':approvals all<Enter>/churn<Enter>P' --key "$K/rosa.key" --size 120x24
has "P in :approvals: first failing rule" "$SCREEN" "request #10 cannot be applied: auc-every-slice FAIL"
screen ':approvals all<Enter>/search<Enter>P' --key "$K/rosa.key" --size 120x24
has "P on a review: refused" "$SCREEN" "request #15 is a review, not a promotion"
screen ':approvals all<Enter>/collections<Enter><Enter>P' --key "$K/rosa.key" --size 120x24
has "P in a request's view" "$SCREEN" "request #12 cannot be applied: risk-signoff FAIL: 1 of 2 risk-officer"
# a model synced from a plugin moves through it: without its configuration, nothing is asked
# (tests/tui/plugin-acts.sh acts through a fake backend)
reset_db
store_sql "$DB" "UPDATE models SET source = 'mlflow' WHERE name = 'support-ticket-routing'"
screen '/support<Enter><Enter><Enter>P' --key "$K/lena.key" --size 140x24
has "P on a synced model: refused" "$SCREEN" "support-ticket-routing is synced from plugin mlflow"
has "P on a synced model: needs the plugin's configuration" "$SCREEN" "start the console with --config FILE"
lacks "P on a synced model: nothing asked" "$SCREEN" "(y/n)"
reset_db

# p: open a request for the next stage
screen '/search<Enter><Enter><Enter>' --key "$K/lena.key"
has "p offered without a request" "$(line 24)" "p promote"
lacks "P not offered without a request" "$(line 24)" "P apply"
expect 0 "search v7 digest" "$STEWARD" version show search-ranking 7 --db "$DB" --json
D7=$(j '$.digest')
screen '/search<Enter><Enter><Enter>p' --key "$K/lena.key"
has "p: confirmation names model and version" "$(bottom)" "request promotion of search-ranking v7"
has "p: confirmation names the full digest" "$(bottom)" "$D7"
has "p: confirmation names the stages" "$(bottom)" "from staging to production? (y/n)"
screen '/search<Enter><Enter><Enter>py<Esc>' --key "$K/lena.key"
has "p: Esc at the passphrase cancels" "$(line 23)" "cancelled"
same "p: cancelled, nothing opened" "$(requests "json_extract(value, '\$.model') = 'search-ranking' AND json_extract(value, '\$.state') = 'open' AND json_extract(value, '\$.kind') = 'promotion'")" ""
screen '/search<Enter><Enter><Enter>pydemo-passphrase<Enter>' --key "$K/lena.key" --size 120x30
has "p: new request id shown" "$(line 29)" "opened request #17: search-ranking v7 to production, as lena"
same "p: request recorded" "$(requests "json_extract(value, '\$.requester') = 'lena' AND json_extract(value, '\$.model') = 'search-ranking' AND json_extract(value, '\$.state') = 'open'")" 17
has "p: the gate now evaluates it" "$SCREEN" "request #17 by lena"
has "p: its approvals are missing" "$(row 'ml-lead-signoff')" "FAIL"
expect 0 "p: the ledger verifies" "$STEWARD" audit verify --db "$DB"
screen '/search<Enter><Enter><Enter>p' --key "$K/lena.key" --size 120x24
has "p again: already open" "$SCREEN" "request #17 for search-ranking v7 to production is already open"
lacks "p again: nothing asked" "$SCREEN" "(y/n)"
screen '/fraud<Enter><Enter>j<Enter>p' --key "$K/lena.key" --size 120x24
has "p in production: nothing to request" "$SCREEN" "fraud-scoring v7 is production: there is no next stage to request"
screen '/fraud<Enter>p' --key "$K/lena.key" --size 120x24
has "p outside a version" "$SCREEN" "no version here"
reset_db

# R: sami rolls search-ranking back; the policy names the target and the review
screen '/search<Enter>' --key "$K/sami.key"
has "R offered to an sre" "$(line 24)" "R rollback"
screen '/search<Enter>R' --key "$K/sami.key"
has "R: reason asked" "$(line 24)" "reason for rolling back search-ranking"
screen '/search<Enter>R<Enter>' --key "$K/sami.key" --size 120x24
has "R: empty reason asked again" "$(line 24)" "reason for rolling back search-ranking"
has "R: a reason is needed" "$SCREEN" "a rollback needs a reason"
screen '/search<Enter>Rlatency spike after deploy<Enter>' --key "$K/sami.key"
has "R: confirmation names the alias move" "$(bottom)" "roll back production of search-ranking from v6 to v5"
has "R: confirmation names the review" "$(bottom)" "then a review by ml-lead within 7d"
screen '/search<Enter>Rlatency spike after deploy<Enter>n' --key "$K/sami.key"
has "R: n cancels" "$(line 23)" "cancelled"
same "R: cancelled, production unchanged" "$(alias_of search-ranking production)" 6
screen '/search<Enter>Rlatency spike after deploy<Enter>ydemo-passphrase<Enter>' --key "$K/sami.key" --size 140x24
# The id the store gave the review (on PostgreSQL ids skip those its previews rolled back).
RID=$(requests "json_extract(value, '\$.kind') = 'review' AND json_extract(value, '\$.requester') = 'sami' AND json_extract(value, '\$.version') = 5")
case $RID in '' | *[!0-9]*) fail "R: one review request recorded, not '$RID'" ;; *) ok ;; esac
has "R: rolled back, review named" "$(line 23)" "rolled production of search-ranking back from v6 to v5; review request #$RID opened"
same "R: production moved" "$(alias_of search-ranking production)" 5
expect 0 "R: the ledger verifies" "$STEWARD" audit verify --db "$DB"
expect 0 "R: rollback recorded" "$STEWARD" audit log --db "$DB" --json
same "R: as a rollback" "$(j '$[#-1].action')" rollback
same "R: the subject" "$(j '$[#-1].subject')" "models:/search-ranking/5"
has "R: the reason recorded" "$(store_sql "$DB" "SELECT CAST(body AS TEXT) FROM ledger ORDER BY seq DESC LIMIT 1")" \
	'"reason":"latency spike after deploy"' 
reset_db
# from the model's view; a passphrase of one's own never shows
screen '/search<Enter><Enter>R' --key "$K/pat.key"
has "R in the model view" "$(line 24)" "reason for rolling back search-ranking"
screen "/search<Enter><Enter>Rbad canary<Enter>y$PW" --key "$K/pat.key"
lacks "R: typed passphrase not drawn" "$SCREEN" "$PW"
screen "/search<Enter><Enter>Rbad canary<Enter>y$PW<Enter>" --key "$K/pat.key" --size 140x24
lacks "R: passphrase not in the dump" "$SCREEN" "$PW"
has "R by pat done" "$(line 23)" "rolled production of search-ranking back from v6 to v5"
reset_db
# the policy decides: the high tier lets only sre roll back, so ada (admin) is refused
screen '/fraud<Enter>R' --key "$K/ada.key" --size 140x24
has "R: the policy's refusal" "$SCREEN" "policy high-default v1 refuses ada a rollback of fraud-scoring: who FAIL"
lacks "R refused: no reason asked" "$SCREEN" "reason for rolling back"
same "R refused: nothing moved" "$(alias_of fraud-scoring production)" 7
# an sre may, but no earlier version of fraud-scoring was promoted under policy
screen '/fraud<Enter>R' --key "$K/sami.key" --size 200x24
has "R without a baseline: core's reason" "$SCREEN" "no known-safe baseline to roll back to"
lacks "R without a baseline: no reason asked" "$SCREEN" "reason for rolling back"
# a synced model moves through its plugin, which this console was not given
store_sql "$DB" "UPDATE models SET source = 'mlflow' WHERE name = 'search-ranking'"
screen '/search<Enter>R' --key "$K/sami.key" --size 200x24
has "R on a synced model: needs the plugin's configuration" "$SCREEN" "search-ranking is synced from plugin mlflow, whose registry must move the alias first"
lacks "R on a synced model: nothing asked" "$SCREEN" "reason for rolling back"
reset_db

# who may not act is not offered p, P or R: an auditor, an ML lead (R), --readonly, no key
for how in auditor lead readonly nokey; do
	case $how in
	auditor) set -- --key "$K/otto.key" ;;
	lead) set -- --key "$K/lena.key" ;;
	readonly) set -- --readonly --key "$K/sami.key" ;;
	nokey) set -- ;;
	esac
	screen '/search<Enter>' "$@"
	lacks "$how: no rollback hint" "$(line 24)" "rollback"
	screen '/search<Enter>R' "$@"
	lacks "$how: R asks nothing" "$SCREEN" "reason for rolling back"
	screen '/search<Enter><Enter>R' "$@"
	lacks "$how: R asks nothing in the model view" "$SCREEN" "reason for rolling back"
	screen '?' --size 120x50 "$@"
	lacks "$how: help lacks rollback" "$SCREEN" "roll production back"
	has "$how: help still lists :policies" "$SCREEN" ":policies"
	[ "$how" = lead ] && continue
	screen '/search<Enter><Enter><Enter>' "$@"
	lacks "$how: no promote hint" "$(line 24)" "promote"
	screen '/search<Enter><Enter><Enter>p' "$@"
	lacks "$how: p asks nothing" "$SCREEN" "(y/n)"
	screen '/support<Enter><Enter><Enter>' "$@"
	lacks "$how: no apply hint" "$(line 24)" "apply"
	screen '/support<Enter><Enter><Enter>P' "$@"
	lacks "$how: P asks nothing" "$SCREEN" "(y/n)"
	screen '?' --size 120x50 "$@"
	lacks "$how: help lacks promote" "$SCREEN" "request promotion of this version"
	lacks "$how: help lacks apply" "$SCREEN" "apply the open promotion request"
done
same "nobody above changed anything" "$(ledger_size)" "$N0"
screen '/search<Enter>R' --key "$K/otto.key" --size 120x24
has "auditor: says which roles" "$SCREEN" "otto holds auditor; this needs one of admin,sre"
screen '/search<Enter>R' --key "$K/lena.key" --size 120x24
has "ML lead: says which roles" "$SCREEN" "lena holds ml-lead; this needs one of admin,sre"
screen '/search<Enter>R' --readonly --key "$K/sami.key" --size 120x24
has "readonly: says read-only" "$SCREEN" "read-only"
screen '?' --size 120x60 --key "$K/sami.key"
has "sre: help lists rollback" "$SCREEN" "roll production back to the version promoted before it"
has "sre: help lists promote" "$SCREEN" "request promotion of this version to its next stage"
has "sre: help lists apply" "$SCREEN" "apply the open promotion request whose gate passes"

# :policies: every enrolled policy; Enter: the text with its rules
screen ':policies<Enter>' --size 100x24
has ":policies status" "$(line 23)" "[policies] 1/4"
has ":policies headings" "$(line 3)" "IN FORCE"
HIGH=$(policy_digest high)
has "high policy row" "$(row '^high ')" "high-default"
has "high policy version" "$(row '^high ')" " v1 "
has "high policy short digest" "$(row '^high ')" "sha256:$(printf '%s' "${HIGH#sha256:}" | head -c 8)"
has "high policy enrolled" "$(row '^high ')" "2026-03-24"
has "high policy signer" "$(row '^high ')" " ada "
has "high policy in force" "$(row '^high ')" "yes"
has "all four tiers" "$(row '^critical ')" "critical-default"
screen ':policies<Enter>j<Enter>' --size 100x60
has "policy view title" "$(line 59)" "[policies › high-default v1]"
has "policy: full digest" "$SCREEN" "sha256    $HIGH"
has "policy: enrolment and signer" "$SCREEN" "enrolled  2026-03-24T20:00:00Z by ada"
has "policy: file checked" "$SCREEN" "holds the enrolled bytes"
has "policy: rules per transition" "$SCREEN" "rollback production: who, review"
has "policy: the text" "$SCREEN" "rule risk-signoff:     approvals risk-officer >= 2"
has "policy: sections" "$SCREEN" "transition staging -> production"
screen ':policies<Enter>j<Enter>G' --size 100x24
has "policy text scrolls to its end" "$SCREEN" "rule review:           review by risk-officer within 72h"
screen ':policies<Enter>j<Enter><Esc>' --size 100x24
has "Esc back to :policies" "$(line 23)" "[policies] 2/4"

# UNAPPROVED: an alias a backend moved outside steward
store_sql "$DB" "INSERT INTO unapproved(model_id, alias, version, observed, seq)
	VALUES ((SELECT id FROM models WHERE name = 'credit-limit'), 'production', 6, 1790000000, $N0)"
screen ''
has "models list: UNAPPROVED marker" "$(row '^credit-limit ')" "UNAPPROVED"
lacks "other models unmarked" "$(row '^fraud-scoring ')" "UNAPPROVED"
screen '/UNAPP'
has "UNAPPROVED filters" "$(line 23)" "1/1 of 12"
screen '/credit<Enter><Enter>'
has "model view: the unapproved change" "$(line 5)" "UNAPPROVED: production moved to v6 outside steward (2026-09-21, entry #$N0)"
has "model view: versions still listed" "$SCREEN" "v6"
screen '/credit<Enter><Enter>' --size 40x12
has "model view at 40 columns: still marked" "$(line 5)" "UNAPPROVED"
reset_db

# everything fits at 80x24 and at 40x12
for keys in '/churn<Enter><Enter><Enter>' '/support<Enter><Enter><Enter>' '/fraud<Enter><Enter><Enter>' \
	'/support<Enter><Enter><Enter>P' '/search<Enter><Enter><Enter>p' '/search<Enter>R' \
	'/search<Enter>Rlatency<Enter>' ':policies<Enter>' ':policies<Enter><Enter>' '/credit<Enter><Enter>'; do
	for size in 80x24 40x12; do
		screen "$keys" --key "$K/sami.key" --size "$size"
		same "$keys at $size: fits" "$(($(wc -L <"$TMPD/screen") <= ${size%x*}))" 1
		same "$keys at $size: rows" "$(wc -l <"$TMPD/screen" | tr -d ' ')" "${size#*x}"
	done
done
same "the fit checks changed nothing" "$(ledger_size)" "$N0"

# colour on a real terminal: PASS green, FAIL red, UNKNOWN yellow; none with NO_COLOR
SOCK="steward-promote-$$"
WAIT=${STEWARD_TMUX_WAIT:-15}
. "$STEWARD_TOP/tests/lib-tmux.sh"
ESC=$(printf '\033')
# sgr PANE TEXT: the SGR sequences drawn just before TEXT on its line.
sgr() {
	printf '%s\n' "$1" | grep -F "$2" | head -n 1 | sed "s/$2.*//" | grep -o "${ESC}\[[0-9;]*m" | tr -d '\n'
}
for mode in colour nocolour; do
	env=
	[ "$mode" = nocolour ] && env=NO_COLOR=1
	tm new-session -d -s "$mode" -x 120 -y 30 \
		"env LC_ALL=C.UTF-8 TERM=xterm-256color STEWARD_NOW=$STEWARD_NOW $env '$STEWARD' --db '$DB' 2>'$TMPD/$mode.err'; sleep 60"
	wait_for "$mode: starts" "$mode" "12 models"
	tm send-keys -t "$mode" /search Enter Enter Enter
	wait_for "$mode: checklist" "$mode" "UNKNOWN ml-lead-signoff"
	PANE=$(tm capture-pane -p -e -t "$mode")
	if [ "$mode" = colour ]; then
		has "colour: PASS in green" "$(sgr "$PANE" 'PASS    auc-floor')" "32m"
		has "colour: UNKNOWN in yellow" "$(sgr "$PANE" 'UNKNOWN ml-lead-signoff')" "33m"
		tm send-keys -t "$mode" Escape Escape Escape Escape / churn Enter Enter Enter
		wait_for "$mode: churn checklist" "$mode" "FAIL    auc-every-slice"
		has "colour: FAIL in red" "$(sgr "$(tm capture-pane -p -e -t "$mode")" 'FAIL    auc-every-slice')" "31m"
	else
		same "NO_COLOR: no colours" "$(printf '%s\n' "$PANE" | grep -c "${ESC}\[[34][0-7]m\|${ESC}\[[34]8;")" 0
	fi
	tm send-keys -t "$mode" : q Enter
	same "$mode: no stderr" "$(cat "$TMPD/$mode.err")" ""
done

finish
