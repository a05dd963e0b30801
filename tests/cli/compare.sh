# compare.sh: `steward version diff MODEL OLD NEW`: metrics with deltas, gate rules that change result, the card as a unified diff, as text and JSON; bad input and hostile text.
. "$STEWARD_TOP/tests/lib.sh"

export LC_ALL=C.UTF-8
unset STEWARD_KEY STEWARD_PASSPHRASE
export STEWARD_NOW=1790000000
DB="$TMPD/d.db"
K="$(store_local "$DB" -keys)"
ESC=$(printf '\033')
expect 0 "demo store" "$STEWARD" demo --db "$DB" --no-tui

# ---- text ----
expect 0 "diff by alias" "$STEWARD" version diff churn-propensity production staging --db "$DB"
has "names both sides" "$OUT" "churn-propensity: v5 (production) -> v6 (staging)"
has "a delta, worse" "$(printf '%s\n' "$OUT" | grep 'segment=young')" "-0.186796  worse"
has "lower is better for an error" "$(printf '%s\n' "$OUT" | grep '^calibration_error')" "better"
has "direction from the policy" "$OUT" "auc: higher is better (policy rule auc-every-slice)"
has "gate transition" "$OUT" "gate staging -> production (policy medium-default v1"
has "the rule that changes" "$OUT" "auc-every-slice"
has "its two results" "$(printf '%s\n' "$OUT" | grep -A2 '^  auc-every-slice' | tail -n 1)" "v6    FAIL"
has "a rule on the request" "$OUT" "ml-lead-signoff (judges the request, not the version)"
has "unchanged rules" "$OUT" "same: card-complete PASS"
has "card header" "$OUT" "card: 1 of 6 sections differ"
has "unified diff: removed" "$OUT" "-Version 5: retrained"
has "unified diff: added" "$OUT" "+Version 6: retrained"
expect 0 "diff by number and vN" "$STEWARD" version diff churn-propensity 5 v6 --db "$DB"
same "numbers and aliases name the same versions" "$(printf '%s\n' "$OUT" | head -n 1)" "churn-propensity: v5 (production) -> v6 (staging)"
# The other way round: the deltas change sign.
expect 0 "reversed" "$STEWARD" version diff churn-propensity 6 5 --db "$DB"
has "reversed: delta" "$(printf '%s\n' "$OUT" | grep 'segment=young')" "+0.186796  better"

# ---- JSON ----
expect 0 "json" "$STEWARD" version diff churn-propensity 5 6 --db "$DB" --json
valid "json"
same "json: base" "$(j '$.base')" 5
same "json: version" "$(j '$.version')" 6
same "json: metric verdict" "$(j '$.metrics[3].verdict')" worse
same "json: metric slice" "$(j '$.metrics[3].slice')" segment=young
same "json: direction" "$(j '$.metrics[0].direction')" higher
same "json: direction from" "$(j '$.metrics[0].direction_from')" auc-every-slice
same "json: changed rules" "$(sqlite3 :memory: "SELECT count(*) FROM json_each(CAST(readfile('$TMPD/json') AS TEXT), '\$.gate.rules') WHERE json_extract(value, '\$.changed')")" 5
same "json: a rule's sides" "$(j '$.gate.rules[2].version.status')" FAIL
same "json: what it judges" "$(j '$.gate.rules[0].judges')" request
same "json: changed section" "$(j '$.card[5].state')" changed
same "json: diff line" "$(j '$.card[5].lines[0].op')" del
has "json: diff text" "$(j '$.card[5].lines[1].text')" "Version 6"

# ---- refusals ----
expect 1 "itself" "$STEWARD" version diff churn-propensity 6 v6 --db "$DB"
has "itself: said" "$ERR" "compared with itself"
expect 1 "no such version" "$STEWARD" version diff churn-propensity 5 99 --db "$DB"
has "no such version: named" "$ERR" "no version 99"
expect 1 "no such alias" "$STEWARD" version diff kyc-document-check production staging --db "$DB"
has "no such alias: named" "$ERR" "kyc-document-check has no staging alias"
expect 1 "junk" "$STEWARD" version diff churn-propensity "5;x" 6 --db "$DB"
expect 1 "hostile argument" "$STEWARD" version diff churn-propensity "v${ESC}[2J" 6 --db "$DB"
lacks "hostile argument: escaped in the message" "$ERR" "$ESC"
expect 1 "no such model" "$STEWARD" version diff nosuch 1 2 --db "$DB"
expect 2 "too few arguments" "$STEWARD" version diff churn-propensity 5 --db "$DB"

# ---- hostile card text, from a tampered store ----
store_sql "$DB" "UPDATE cards SET body = 'x${ESC}]0;pwned${ESC}\\ y' WHERE section = 'Changes' AND version_id =
	(SELECT v.id FROM versions v JOIN models m ON m.id = v.model_id WHERE m.name = 'churn-propensity' AND v.version = 6)" ||
	fail "tamper"
expect 0 "hostile card" "$STEWARD" version diff churn-propensity 5 6 --db "$DB"
lacks "hostile card: no raw escape" "$OUT" "$ESC"
has "hostile card: shown escaped" "$OUT" '+x\x1b]0;pwned\x1b\ y'
has "hostile card: the gate refuses it" "$OUT" "not the one ledger entry"
expect 0 "hostile card json" "$STEWARD" version diff churn-propensity 5 6 --db "$DB" --json
valid "hostile card json"

finish
