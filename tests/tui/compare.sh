# compare.sh: c and :compare: a version against production's (or a picked one), the ML lead's journey, and the edge cases: no production, identical versions, no card, hostile text, a card past the diff cap, metrics on one side only.
. "$STEWARD_TOP/tests/lib.sh"

export LC_ALL=C.UTF-8
unset NO_COLOR STEWARD_KEY STEWARD_PASSPHRASE
# The demo dates its history back from this clock.
export STEWARD_NOW=1790000000
DB="$TMPD/d.db"
K="$(store_local "$DB" -keys)"
expect 0 "demo store" "$STEWARD" demo --db "$DB" --no-tui
. "$STEWARD_TOP/tests/lib-script.sh"
ESC=$(printf '\033')
bottom_line() {
	printf '%s\n' "$SCREEN" | tail -n 1
}

# ---- a lab model: five versions, each an edge case, production at v1 ----
export STEWARD_PASSPHRASE=demo-passphrase
D1=sha256:1111111111111111111111111111111111111111111111111111111111111111
A="--db $DB --key $K/ada.key"
expect 0 "lab model" "$STEWARD" model add zz-lab --tier low --owner lab $A
expect 0 "model without production" "$STEWARD" model add zz-bare --tier low --owner lab $A
expect 0 "its one version" "$STEWARD" version add zz-bare --artifact s3://b/1 --digest $D1 $A
for v in 1 2 3 4 5; do
	expect 0 "lab v$v" "$STEWARD" version add zz-lab --artifact "s3://lab/$v" --digest $D1 --author j.chen $A
done
cat >"$TMPD/card1.md" <<'EOF'
## Intended use
Ranks lab samples.
## Training data
Samples from 2025.
## Evaluation
Holdout of 2026.
Checked by hand.
## Limitations
Small sample.
## Ethical considerations
None known.
## Notes
Kept for the record.
EOF
# v4's card: one section changed, one removed, one added, the rest as v1's.
sed -e 's/Samples from 2025./Samples from 2025 and 2026./' -e '/## Notes/,$d' "$TMPD/card1.md" >"$TMPD/card4.md"
printf '## Monitoring\nDaily drift report.\n' >>"$TMPD/card4.md"
# v5's card: an Evaluation section of 25,000 lines, past the diff's cap.
{
	sed -e '/## Evaluation/,$d' "$TMPD/card1.md"
	printf '## Evaluation\n'
	seq 1 25000 | sed 's/^/row /'
} >"$TMPD/card5.md"
for v in 1 2; do
	expect 0 "card v$v" "$STEWARD" card set zz-lab $v --file "$TMPD/card1.md" $A
done
expect 0 "card v4" "$STEWARD" card set zz-lab 4 --file "$TMPD/card4.md" $A
expect 0 "card v5" "$STEWARD" card set zz-lab 5 --file "$TMPD/card5.md" $A
for v in 1 2 4 5; do
	expect 0 "auc v$v" "$STEWARD" metric set zz-lab $v auc 0.91 --dataset holdout $A
	expect 0 "loss v$v" "$STEWARD" metric set zz-lab $v log_loss 0.30 --dataset holdout $A
	expect 0 "mystery v$v" "$STEWARD" metric set zz-lab $v mystery 7 --dataset holdout $A
done
# v3: no card, a worse auc, a better loss, no mystery, and a metric v1 never had.
expect 0 "auc v3" "$STEWARD" metric set zz-lab 3 auc 0.80 --dataset holdout $A
expect 0 "loss v3" "$STEWARD" metric set zz-lab 3 log_loss 0.25 --dataset holdout $A
expect 0 "latency v3" "$STEWARD" metric set zz-lab 3 latency_ms 12 --dataset holdout $A
expect 0 "mystery v4" "$STEWARD" metric set zz-lab 4 mystery 9 --dataset holdout $A
expect 0 "production v1" "$STEWARD" alias set zz-lab production 1 $A
unset STEWARD_PASSPHRASE
# The model view lists versions newest first: v5 is the first row, v1 the last.
lab() { # lab VERSION KEYS: select VERSION in zz-lab's view, then type KEYS
	keys='/zz-lab<Enter><Enter>'
	n=$((5 - $1))
	while [ "$n" -gt 0 ]; do
		keys="${keys}j"
		n=$((n - 1))
	done
	screen "$keys$2" --size 80x24
}

# ---- the ML lead's journey: staging version, c, read, back, p ----
# search-ranking v7 is in staging with no request open; v6 is in production.
J='/search<Enter><Enter><Enter>'
screen "$J" --size 80x24 --key "$K/lena.key"
has "journey: the version offers c" "$(bottom_line)" "c compare"
screen "${J}c" --size 80x24 --key "$K/lena.key"
has "journey: compared with production" "$(line 3)" "search-ranking v7 staging  vs  v6 production"
has "journey: the summary line" "$(line 4)" "6 metrics better, 1 worse; 0 gate rules and 1 card section differ"
has "journey: metric columns named by version" "$(row 'METRIC' | tr -s ' ')" " v6 v7 DELTA"
has "journey: a delta, better" "$(row 'locale=de')" "+0.0240 better"
has "journey: lower is better for an error" "$(row 'calibration_error')" "+0.0037 worse"
has "journey: where the direction comes from" "$SCREEN" 'auc higher (policy rule "auc-floor")'
has "journey: title in the status line" "$SCREEN" "v7 vs v6"
screen "${J}cG" --size 80x24 --key "$K/lena.key"
has "journey: the card's changed section" "$SCREEN" "## Changes  changed (+1 -1)"
has "journey: the removed line" "$SCREEN" "  - Version 6: retrained on fresher data"
has "journey: the added line" "$SCREEN" "  + Version 7: retrained on fresher data"
has "journey: unchanged sections named once" "$SCREEN" "unchanged: Intended use, Training data"
KEYS="${J}cG<Esc>py"
screen "${KEYS}demo-passphrase<Enter>" --size 80x24 --key "$K/lena.key"
has "journey: the request is opened from the version" "$SCREEN" "opened request #17: search-ranking v7"
has "journey: the gate names it" "$SCREEN" "request #17 by lena"
expect 0 "journey: request list" "$STEWARD" request list --db "$DB"
has "journey: request recorded" "$(printf '%s\n' "$OUT" | grep '^17 ')" "search-ranking          7 "
has "journey: by lena" "$(printf '%s\n' "$OUT" | grep '^17 ')" "lena"
# Keys typed, the passphrase apart: / s e a r c h Enter Enter Enter c G Esc p y, and Enter after it.
NKEYS=$(printf '%s' "$KEYS" | sed 's/<[A-Za-z]*>/K/g' | wc -c)
NKEYS=$((NKEYS + 1))
same "journey: keys from launch to the request" "$NKEYS" 16

# ---- c elsewhere, and what cannot be compared ----
screen 'c' --size 80x24
has "models list: no version to compare" "$SCREEN" "no version here: open one"
screen '/zz-bare<Enter><Enter>c' --size 80x24
has "no production: said plainly" "$SCREEN" "zz-bare has no production version to compare v1 with"
has "no production: nothing pushed" "$(line 3)" "zz-bare"
lacks "no production: no comparison" "$SCREEN" " vs v"
# churn-propensity v5 is production and production never pointed elsewhere.
screen '/churn<Enter><Enter>jc' --size 80x24
has "only production ever: said plainly" "$SCREEN" "v5 is the only version churn-propensity's production ever pointed at"
screen '/churn<Enter><Enter><Enter>:compare v6<Enter>' --size 80x24
has "compared with itself: refused" "$SCREEN" "v6 compared with itself"
screen '/churn<Enter><Enter><Enter>:compare 99<Enter>' --size 80x24
has "no such version: named" "$SCREEN" "has no version 99"
screen '/churn<Enter><Enter><Enter>:compare x;rm<Enter>' --size 80x24
has "junk version: refused" "$SCREEN" "neither a version"
screen '/churn<Enter><Enter><Enter>:compare nosuch<Enter>' --size 80x24
has "unknown alias: named" "$SCREEN" "churn-propensity has no nosuch alias"
# A picked version, by number and by alias, and picking again replaces the comparison.
screen '/churn<Enter><Enter><Enter>:compare 3<Enter>' --size 80x24
has "picked by number" "$(line 3)" "churn-propensity v6 staging  vs  v3"
screen '/churn<Enter><Enter>G<Enter>:compare staging<Enter>' --size 80x24
has "picked by alias" "$(line 3)" "churn-propensity v1  vs  v6 staging"
screen '/churn<Enter><Enter><Enter>c:compare 4<Enter><Esc>' --size 80x24
has "a new pick replaces the comparison: Esc is back on the version" "$(line 3)" "churn-propensity v6 staging  sha256:"
# Read-only: comparing writes nothing, so it is there.
screen '/churn<Enter><Enter><Enter>c' --size 80x24 --readonly
has "readonly: compare works" "$(line 3)" "vs  v5 production"

# ---- the gate rules that change result ----
screen '/churn<Enter><Enter><Enter>c' --size 100x40
has "gate: the transition" "$SCREEN" "Gate staging → production: rules that change result"
has "gate: the rule that changes" "$SCREEN" "  auc-every-slice"
has "gate: production's result" "$(row '  v5 PASS')" "worst slice segment=young: 0.8268 >= 0.7"
has "gate: the candidate's result" "$(row '  v6 FAIL')" "worst slice segment=young: 0.64, needs >= 0.7"
has "gate: request rules apart" "$SCREEN" "on the request or the stage, not the version: ml-lead-signoff UNKNOWN → PASS"
has "gate: same result listed" "$SCREEN" "same result for both: card-complete PASS"

# ---- metrics on one side only, no card ----
lab 3 c
has "v3: against production v1" "$(line 3)" "zz-lab v3  vs  v1 production"
has "v3: worse auc" "$(row '^auc ')" "-0.1100 worse"
has "v3: better loss (convention: lower)" "$(row '^log_loss')" "-0.0500 better"
has "v3: metric only it has" "$(row '^latency_ms')" "only v3"
has "v3: its value" "$(row '^latency_ms')" "12"
has "v3: metric only production has" "$(row '^mystery')" "only v1"
has "v3: counted" "$SCREEN" "Metrics: 1 better, 1 worse, 2 on one side only"
has "v3: unknown direction said" "$SCREEN" "mystery not judged"
has "v3: card-basics changes result" "$SCREEN" "  card-basics"
lab 3 cG
has "v3: the card is missing" "$SCREEN" "v3 has no model card"
has "v3: every section removed" "$SCREEN" "## Ethical considerations  removed (+0 -1)"
has "v3: removed lines" "$SCREEN" "  - None known."

# ---- identical versions: v2 is v1's twin ----
lab 2 c
has "twin: no metric better or worse" "$(line 4)" "0 metrics better, 0 worse; 0 gate rules and 0 card sections differ"
has "twin: metrics the same" "$(row '^auc ')" "   0 same"
has "twin: card the same" "$SCREEN" "Model card: 0 of 6 sections differ"
lacks "twin: no diff lines" "$SCREEN" "  + "
has "twin: no rule changes" "$SCREEN" "no rule changes result"

# ---- a changed card with hostile text ----
# On a copy: the ledger no longer vouches for the tampered card, and later
# tests write to the store.
HDB="$TMPD/h.db"
store_copy "$DB" "$HDB"
# Text no card set lets in: what a tampered store or a careless plugin could hold.
store_sql "$HDB" "UPDATE cards SET body = 'Ranks ${ESC}[2J${ESC}]0;pwned${ESC}\\ samples.' || char(13) || 'x'
	WHERE section = 'Intended use' AND version_id = (SELECT v.id FROM versions v JOIN models m
	ON m.id = v.model_id WHERE m.name = 'zz-lab' AND v.version = 4)" || fail "hostile card not written"

DB0=$DB
DB=$HDB
lab 4 c
has "v4: unknown direction, delta only" "$(row '^mystery')" "+2"
lacks "v4: unknown direction not judged" "$(row '^mystery')" "better"
lab 4 cG
lacks "hostile: no raw escape on screen" "$SCREEN" "$ESC"
has "hostile: the escape shown escaped" "$SCREEN" '+ Ranks \x1b[2J\x1b]0;pwned\x1b\ samples.\x0dx'
has "hostile: the old line removed" "$SCREEN" "  - Ranks lab samples."
has "v4: a changed section" "$SCREEN" "## Training data  changed (+1 -1)"
has "v4: an added section" "$SCREEN" "## Monitoring  added (+1 -0)"
has "v4: a removed section" "$SCREEN" "## Notes  removed (+0 -1)"
has "v4: the summary" "$(line 4)" "4 card sections differ"

has "hostile: the ledger says the card is not the signed one" "$(line 2)" "the card of zz-lab v4 is not the one"
lab 4 c
has "hostile: the gate refuses the tampered card, said per version" "$SCREEN" "v4: DENY  the card of zz-lab v4 is not the one"
DB=$DB0

# ---- a card past the diff's cap ----
lab 5 cG
has "huge: too large to diff" "$SCREEN" "## Evaluation  changed (too large to diff: 2 lines before, 25000 after)"
lacks "huge: none of its lines" "$SCREEN" "row 1"

# ---- production compared with the version it replaced ----
STEWARD_PASSPHRASE=demo-passphrase expect 0 "production to v2" "$STEWARD" alias set zz-lab production 2 $A
lab 2 c
has "production: compared with the one before it" "$(line 3)" "zz-lab v2 production  vs  v1 previous production"

# ---- ASCII and small screens ----
export LC_ALL=C
screen '/churn<Enter><Enter><Enter>c' --size 80x24
export LC_ALL=C.UTF-8
same "ASCII: nothing but ASCII on screen" "$(printf '%s' "$SCREEN" | LC_ALL=C grep -c '[^ -~]')" 0
has "ASCII: the arrow falls back" "$SCREEN" "Gate staging -> production"
screen '/churn<Enter><Enter><Enter>c' --size 40x12
has "40x12: still the versions" "$(line 3)" "churn-propensity v6"

finish
