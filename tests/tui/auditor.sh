# auditor.sh: the auditor's console: an entry's verified signer, role and key (or the failed check), its decoded statement and links, :audit scoped to a model or version with w, the audit list at 80 columns, and the model screen's alias history.
. "$STEWARD_TOP/tests/lib.sh"

export LC_ALL=C.UTF-8
unset NO_COLOR STEWARD_KEY STEWARD_PASSPHRASE
# The demo dates its history back from this clock (as promote.sh).
export STEWARD_NOW=1790000000
DB="$TMPD/d.db"
K="$(store_local "$DB" -keys)"
expect 0 "demo store" "$STEWARD" demo --db "$DB" --no-tui
. "$STEWARD_TOP/tests/lib-script.sh"

# q SQL: one value from the store.
q() {
	store_sql "$DB" "$1"
}
keyid() {
	expect 0 "key show $1" "$STEWARD" key show "$K/$1.key.pub" --json
	j '$.key_id'
}

# A promotion and a rollback made with the CLI, as the people who do them.
STEWARD_PASSPHRASE=demo-passphrase expect 0 "lena applies request 9" "$STEWARD" promote apply 9 --db "$DB" --key "$K/lena.key"
store_copy "$DB" "$TMPD/mid.db"
# search-ranking was rolled back once by the demo (v7 to v6); sami does it again.
STEWARD_PASSPHRASE=demo-passphrase expect 0 "sami rolls search-ranking back" "$STEWARD" rollback search-ranking \
	--reason "error rate doubled after v6" --db "$DB" --key "$K/sami.key"
expect 0 "the ledger verifies" "$STEWARD" audit verify --db "$DB"
APPLY=$(q "SELECT max(seq) FROM ledger WHERE action = 'promotion.apply'")
ROLLBACK=$(q "SELECT max(seq) FROM ledger WHERE action = 'rollback'")
REVIEW=$(q "SELECT json_extract(CAST(body AS TEXT), '\$.data.review.request') FROM ledger WHERE seq = $ROLLBACK")
# The approval that let request 9 through, and who signed it.
APPROVAL=$(q "SELECT seq FROM ledger WHERE action = 'approval.approve' AND CAST(json_extract(CAST(body AS TEXT), '\$.data.request') AS BIGINT) = 9")
SIGNER=$(q "SELECT actor FROM ledger WHERE seq = $APPROVAL")
same "request 9 was approved by mei" "$SIGNER" mei
MEI=$(keyid mei)
TOTAL=$(q "SELECT count(*) FROM ledger")
MODEL_N=$(q "SELECT count(*) FROM ledger WHERE subject = 'models:/support-ticket-routing' OR subject LIKE 'models:/support-ticket-routing/%'")
V3_N=$(q "SELECT count(*) FROM ledger WHERE subject = 'models:/support-ticket-routing/3'")
store_copy "$DB" "$TMPD/base.db"

# --- the auditor's journey: from launch to the verified signer, then its request ---
# :audit from the model is scoped to it; the approval is found by filtering.
screen '/support<Enter><Enter>:audit<Enter>/approval<Enter><Enter>' --key "$K/otto.key" --size 80x24
has "journey: the approval's entry" "$(line 3)" "#$APPROVAL "
has "journey: its action" "$(line 3)" "approval.approve"
has "journey: verified signer, role and key" "$(line 4)" "signature valid, signed by mei (ml-lead), key $MEI"
has "journey: it counts" "$(line 5)" "counts toward request #9 now"
has "journey: proof checked" "$(row '^proof:')" "proof verified"
has "journey: the request link" "$SCREEN" "request #9: support-ticket-routing v3 staging -> production (applied)"
has "journey: the version link" "$SCREEN" "version support-ticket-routing v3"
has "journey: decoded statement, not base64" "$SCREEN" "Statement (DSSE application/vnd.in-toto+json)"
has "journey: the decision" "$(row '^  decision ')" "approve"
has "journey: the signed role" "$(row '^  role ')" "ml-lead"
has "journey: the subject" "$(row '^  subject ')" "models:/support-ticket-routing/3"
lacks "journey: no envelope string on screen" "$SCREEN" '{\"payload\"'
# Enter follows the request link the view opened on
screen '/support<Enter><Enter>:audit<Enter>/approval<Enter><Enter><Enter>' --key "$K/otto.key" --size 80x24
has "journey: Enter opens request #9" "$(line 3)" "request #9"
has "journey: the request's model" "$(line 3)" "support-ticket-routing v3"
screen '/support<Enter><Enter>:audit<Enter>/approval<Enter><Enter><Enter>' --key "$K/otto.key" --size 80x60
has "journey: the request's decision" "$(row '^ *#[0-9]* mei ')" "counts"
# the version link, one row down
screen '/support<Enter><Enter>:audit<Enter>/approval<Enter><Enter>j<Enter>' --key "$K/otto.key" --size 80x24
has "version link: the version view" "$SCREEN" "support-ticket-routing v3"
lacks "version link: not the entry any more" "$(line 4)" "signature valid"
# Enter on a line that is no link says so, and moves nowhere
screen '/support<Enter><Enter>:audit<Enter>/approval<Enter><Enter>g<Enter>' --key "$K/otto.key" --size 80x24
has "no link: stays" "$(line 4)" "signature valid"
has "no link: says what Enter does here" "$SCREEN" "Enter on a request, version or model line opens it"
# the raw bytes are still there, at the bottom, escaped
screen '/support<Enter><Enter>:audit<Enter>/approval<Enter><Enter>' --key "$K/otto.key" --size 80x120
has "raw body kept" "$SCREEN" "Body (the bytes as stored)"
has "raw body: the envelope field" "$SCREEN" '"envelope":'
has "raw body: the envelope as stored, escaped" "$SCREEN" '"{\"payload\":\"'
has "raw body: the chain field" "$SCREEN" '"prev": "'

# --- alias moves link to the request that caused them ---
screen ":audit<Enter>/promotion.apply<Enter><Enter>" --key "$K/otto.key" --size 80x24
has "apply entry: this one" "$(line 3)" "#$APPLY "
has "apply entry: signed by lena" "$(line 4)" "signature valid, signed by lena (ml-lead), key $(keyid lena)"
has "apply entry: links its request" "$SCREEN" "request #9: support-ticket-routing v3"
screen ":audit<Enter>/promotion.apply<Enter><Enter><Enter>" --key "$K/otto.key" --size 80x24
has "apply entry: Enter opens request #9" "$(line 3)" "request #9"
screen ":audit<Enter>/rollback<Enter><Enter>" --key "$K/otto.key" --size 80x24
has "rollback entry: this one" "$(line 3)" "#$ROLLBACK "
has "rollback entry: signed by sami" "$(line 4)" "signature valid, signed by sami (sre), key $(keyid sami)"
has "rollback entry: links the review it opened" "$SCREEN" "request #$REVIEW: review of search-ranking v5"
has "rollback entry: its reason" "$(row '^  reason ')" "error rate doubled after v6"
has "rollback entry: from and to" "$(row '^  from_version ')" "6"
screen ":audit<Enter>/alias.set<Enter><Enter>" --key "$K/otto.key" --size 80x24
has "admin's alias set: signed by ada" "$(line 4)" "signature valid, signed by ada (admin)"
lacks "admin's alias set: no request to link" "$SCREEN" "request #"
has "admin's alias set: its version" "$SCREEN" "Links (Enter opens)"
screen ":audit<Enter>G<Enter>" --key "$K/otto.key" --size 80x24
has "keyring root: signed by itself" "$(line 4)" "signature valid, signed by ada (admin, the keyring's root)"
lacks "keyring entry: no links" "$SCREEN" "Links (Enter opens)"

# --- a tampered entry shows the failed check, never "valid" ---
# (1) the body edited: it no longer hashes to its leaf
store_sql "$DB" "DROP TRIGGER ledger_no_update;
	UPDATE ledger SET body = CAST(replace(CAST(body AS TEXT), '\"actor\":\"mei\"', '\"actor\":\"rosa\"') AS BLOB) WHERE seq = $APPROVAL;"
screen '/support<Enter><Enter>:audit<Enter>/approval<Enter><Enter>' --key "$K/otto.key" --size 80x24
has "edited body: the check fails" "$(line 4)" "signature check FAILED: ledger entry $APPROVAL was altered outside steward"
lacks "edited body: never valid" "$SCREEN" "signature valid"
has "edited body: the claim is marked unverified" "$SCREEN" "(not verified)"
has "edited body: the statement shown as claimed" "$SCREEN" "as the envelope claims it: the check above failed"
# (2) another decision's signature put in, the leaf recomputed so the bytes match it
store_copy "$TMPD/base.db" "$DB"
# (The schema's json_extract on PostgreSQL takes a path of keys: an array index is one.)
if [ "$STORE_ENGINE" = postgres ]; then SIG0='$.signatures.0.sig'; else SIG0='$.signatures[0].sig'; fi
OTHER=$(q "SELECT json_extract(json_extract(CAST(body AS TEXT), '\$.data.envelope'), '$SIG0') FROM ledger WHERE action = 'approval.approve' AND seq <> $APPROVAL LIMIT 1")
MINE=$(q "SELECT json_extract(json_extract(CAST(body AS TEXT), '\$.data.envelope'), '$SIG0') FROM ledger WHERE seq = $APPROVAL")
store_sql "$DB" "DROP TRIGGER ledger_no_update;
	UPDATE ledger SET body = CAST(replace(CAST(body AS TEXT), '$MINE', '$OTHER') AS BLOB) WHERE seq = $APPROVAL;" >/dev/null
# (a body is ASCII JSON without a newline at its end: the shell keeps its bytes)
printf '%s' "$(q "SELECT CAST(body AS TEXT) FROM ledger WHERE seq = $APPROVAL")" >"$TMPD/body"
LEAF=$( { printf '\000'; cat "$TMPD/body"; } | sha256sum | cut -c1-64)
store_sql "$DB" "UPDATE ledger SET leaf = X'$LEAF' WHERE seq = $APPROVAL;"
screen '/support<Enter><Enter>:audit<Enter>/approval<Enter><Enter>' --key "$K/otto.key" --size 80x24
has "forged signature: the check fails" "$(line 4)" "signature check FAILED: signature by key $MEI does not verify"
has "forged signature: says forged or altered" "$SCREEN" "(forged or altered)"
lacks "forged signature: never valid" "$SCREEN" "signature valid"
lacks "forged signature: not counted" "$SCREEN" "counts toward"
# (3) an act's detached signature swapped for another entry's
store_copy "$TMPD/base.db" "$DB"
store_sql "$DB" "DROP TRIGGER ledger_no_update;
	UPDATE ledger SET sig = (SELECT sig FROM ledger WHERE seq = $ROLLBACK) WHERE seq = $APPLY;"
screen ":audit<Enter>/promotion.apply<Enter><Enter>" --key "$K/otto.key" --size 80x24
has "act with a wrong signature: fails" "$(line 4)" "signature check FAILED: ledger entry $APPLY: signature of promotion.apply by lena"
has "act with a wrong signature: does not verify" "$SCREEN" "does not verify (forged or altered)"
lacks "act with a wrong signature: never valid" "$SCREEN" "signature valid"
# (4) hostile text in an entry is shown escaped, not obeyed
store_copy "$TMPD/base.db" "$DB"
store_sql "$DB" "DROP TRIGGER ledger_no_update;
	UPDATE ledger SET body = CAST(replace(CAST(body AS TEXT), '\"reason\":\"error rate', '\"reason\":\"\\u001b[2J\\u001b[31mrate') AS BLOB) WHERE seq = $ROLLBACK;"
screen ":audit<Enter>/rollback<Enter><Enter>" --key "$K/otto.key" --size 80x24
has "hostile reason: escaped" "$(row '^  reason ')" '\x1b[2J\x1b[31mrate'
has "hostile reason: the check fails" "$(line 4)" "signature check FAILED"
store_copy "$TMPD/base.db" "$DB"

# --- :audit scoped to a model or version; w widens and narrows ---
screen '/support<Enter><Enter>:audit<Enter>' --key "$K/otto.key" --size 80x24
has "scoped: the title names the model" "$SCREEN" "audit of support-ticket-routing]"
has "scoped: only its entries" "$SCREEN" "] 1/$MODEL_N"
has "scoped: newest first" "$(line 4)" "#$APPLY "
has "scoped: w hinted" "$(line 24)" "w widen/narrow"
lacks "scoped: no model column (the title says it)" "$(line 3)" "MODEL"
screen '/support<Enter><Enter>:audit<Enter>w' --key "$K/otto.key" --size 80x24
# the entry selected (the newest of the model, #$APPLY) stays selected: the rollback after it is first
has "w: the whole ledger" "$SCREEN" "› audit] 2/$TOTAL"
has "w: says how to narrow back" "$SCREEN" "the whole ledger: w narrows back to"
has "w: the model column is back" "$(line 3)" "MODEL"
screen '/support<Enter><Enter>:audit<Enter>ww' --key "$K/otto.key" --size 80x24
has "ww: narrowed back" "$SCREEN" "audit of support-ticket-ro"
has "ww: to the model's entries" "$SCREEN" "] 1/$MODEL_N"
# the entry selected stays selected across w when it is in both
screen '/support<Enter><Enter>:audit<Enter>jjw' --key "$K/otto.key" --size 80x24
THIRD=$(q "SELECT seq FROM ledger WHERE subject = 'models:/support-ticket-routing' OR subject LIKE 'models:/support-ticket-routing/%' ORDER BY seq DESC LIMIT 1 OFFSET 2")
has "w keeps the selected entry" "$SCREEN" "› audit] $((TOTAL - THIRD + 1))/$TOTAL"
# from a version: only that version's entries
screen '/support<Enter><Enter>/v3<Enter><Enter>:audit<Enter>' --key "$K/otto.key" --size 80x24
has "version scope: title" "$SCREEN" "audit of support-ticket-routing v3]"
has "version scope: its entries" "$SCREEN" "] 1/$V3_N"
lacks "version scope: no other version" "$SCREEN" " v2 "
# from an entry: its version
screen ':audit<Enter>/rollback<Enter><Enter>:audit<Enter>' --key "$K/otto.key" --size 80x24
has "entry scope: the rollback's version" "$SCREEN" "audit of search-ranking v5]"
# the whole ledger has nothing to widen: w says so and is not hinted
screen ':audit<Enter>' --key "$K/otto.key" --size 80x24
lacks "unscoped: w not hinted" "$(line 24)" "widen"
screen ':audit<Enter>w' --key "$K/otto.key" --size 80x24
has "unscoped: w refused" "$SCREEN" "nothing to widen"
has "unscoped: still the whole ledger" "$(line 4)" "#$TOTAL "
screen 'w' --key "$K/otto.key" --size 80x24
has "w outside :audit: refused" "$SCREEN" "nothing to widen"
# filters work on the scoped list
screen '/support<Enter><Enter>:audit<Enter>/promotion' --key "$K/otto.key" --size 80x24
has "scoped filter: the promotion" "$(line 4)" "#$APPLY "
has "scoped filter: its one promotion" "$SCREEN" "1/1 of $MODEL_N"

# --- the audit list at 80x24: action whole, model and version in their own columns ---
screen ':audit<Enter>' --key "$K/otto.key" --size 80x24
same "80x24: fits" "$(($(wc -L <"$TMPD/screen") <= 80))" 1
has "80x24: the rollback's action" "$(line 4)" " rollback "
has "80x24: its model" "$(line 4)" " search-ranking "
has "80x24: its version" "$(line 4)" " v5"
has "80x24: the promotion's model" "$(line 5)" " support-ticket-routing "
screen ':audit<Enter>/support<Enter>' --key "$K/otto.key" --size 80x24
has "80x24: approval action whole" "$(row "^ *#$APPROVAL ")" " approval.approve "
has "80x24: approval model" "$(row "^ *#$APPROVAL ")" " support-ticket-routing "
has "80x24: approval version" "$(row "^ *#$APPROVAL ")" " v3"
has "80x24: time to the minute" "$(line 4)" " 2026-"
lacks "80x24: no cut action" "$SCREEN" "approval.appro…"
lacks "80x24: no models:/ prefix" "$SCREEN" "models:/"
screen ':audit<Enter>G' --key "$K/otto.key" --size 80x24
has "80x24: other subjects as they are" "$(row '^ *#1 ')" "principal/ada"
has "80x24: no version there" "$(row '^ *#1 ')" " -"
for keys in ':audit<Enter>' ':audit<Enter>/approval<Enter><Enter>' '/support<Enter><Enter>' '/support<Enter><Enter>:audit<Enter>'; do
	for size in 80x24 40x12; do
		screen "$keys" --key "$K/otto.key" --size "$size"
		same "$keys at $size: fits" "$(($(wc -L <"$TMPD/screen") <= ${size%x*}))" 1
	done
done

# --- the model screen: each alias's version, since when, by whom, under which request and signers; rollbacks ---
# the promotion: production v3 by lena under request 9, signed by mei
screen '/support<Enter><Enter>' --key "$K/otto.key" --size 80x24
has "model: promoted production" "$(row '^ production ')" "production v3   since"
has "model: by lena's promotion under request 9" "$(row '^ production ')" "by lena: promotion, request #9"
has "model: who signed it" "$SCREEN" "approved by mei (ml-lead)"
has "model: staging too" "$(row '^ staging ')" "staging    v3"
lacks "model: no rollbacks here" "$SCREEN" "Rollbacks"
has "model: the versions still listed" "$(row '^v3 ')" "production"
# the rollback: production back at v5 by sami, and the promotion that first put v5 there
screen '/search<Enter><Enter>' --key "$K/otto.key" --size 80x24
has "model: production after the rollback" "$(row '^ production ')" "production v5   since"
has "model: moved back by sami" "$(row '^ production ')" "by sami: rollback from v6, review #$REVIEW"
has "model: the promotion that first put v5 there" "$SCREEN" "promoted 2026-"
has "model: its request and signer" "$SCREEN" "request #4, approved by mei"
screen '/search<Enter><Enter>' --key "$K/otto.key" --size 120x24
has "model: the signer's role, wider" "$SCREEN" "request #4, approved by mei (ml-lead)"
has "model: both rollbacks counted" "$SCREEN" "Rollbacks (2)"
has "model: the newest rollback and its reason" "$(row 'production v6 -> v5')" "sami: production v6 -> v5: error rate doubled after v6"
has "model: the earlier one" "$(row 'production v7 -> v6')" "click-through fell"
# the earlier rollback is no alias's newest move, but its line is proven: a forged signature on it is flagged
store_sql "$DB" "DROP TRIGGER ledger_no_update;
	UPDATE ledger SET sig = (SELECT sig FROM ledger WHERE action = 'request.open' LIMIT 1) WHERE seq = (SELECT min(seq) FROM ledger WHERE action = 'rollback' AND subject LIKE 'models:/search-ranking/%');"
screen '/search<Enter><Enter>' --key "$K/otto.key" --size 120x24
has "model: a forged older rollback flagged" "$SCREEN" "alias history does not verify"
# before it, the demo's rollback was the last move
store_copy "$TMPD/mid.db" "$DB"
screen '/search<Enter><Enter>' --key "$K/otto.key" --size 80x24
has "model: before, production v6" "$(row '^ production ')" "production v6   since"
has "model: before, one rollback" "$SCREEN" "Rollbacks (1)"
store_copy "$TMPD/base.db" "$DB"
# an admin's direct alias move is marked ungoverned
screen '/loan<Enter><Enter>' --key "$K/otto.key" --size 80x24
has "model: an admin's alias set" "$(row '^ production ')" "by ada: set by an admin, no gate"
# a tampered alias move: the history says it does not verify rather than trusting it
store_copy "$TMPD/base.db" "$DB"
store_sql "$DB" "DROP TRIGGER ledger_no_update;
	UPDATE ledger SET sig = (SELECT sig FROM ledger WHERE action = 'request.open' LIMIT 1) WHERE seq = (SELECT max(seq) FROM ledger WHERE action = 'promotion.apply');"
screen '/support<Enter><Enter>' --key "$K/otto.key" --size 120x24
has "model: tampered history flagged" "$SCREEN" "alias history does not verify"
lacks "model: tampered history not shown as fact" "$SCREEN" "approved by mei"
# only what the screen shows is read, each entry of it checked: the promotion a rollback went back to
# (read from its version's own entries) and the rollbacks (read apart from the other moves)
store_copy "$TMPD/base.db" "$DB"
screen '/search<Enter><Enter>' --key "$K/otto.key" --size 120x24
has "model: production first" "$(line 5)" " production v5 "
store_sql "$DB" "DROP TRIGGER ledger_no_update;
	UPDATE ledger SET sig = (SELECT sig FROM ledger WHERE action = 'request.open' LIMIT 1) WHERE seq = (SELECT max(seq) FROM ledger WHERE action = 'promotion.apply' AND subject = 'models:/search-ranking/5');"
screen '/search<Enter><Enter>' --key "$K/otto.key" --size 120x24
has "model: the rolled-back-to promotion checked" "$SCREEN" "alias history does not verify"
lacks "model: its signers not shown as fact" "$SCREEN" "request #4, approved by mei"
store_copy "$TMPD/base.db" "$DB"
store_sql "$DB" "DROP TRIGGER ledger_no_update;
	UPDATE ledger SET sig = (SELECT sig FROM ledger WHERE action = 'request.open' LIMIT 1) WHERE seq = (SELECT min(seq) FROM ledger WHERE action = 'rollback');"
screen '/search<Enter><Enter>' --key "$K/otto.key" --size 120x24
has "model: the older rollback checked too" "$SCREEN" "alias history does not verify"
lacks "model: its reason not shown as fact" "$SCREEN" "click-through fell"
store_copy "$TMPD/base.db" "$DB"

finish
