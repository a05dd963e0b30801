# policy.sh: policy check/test/enroll, the gate's exit codes, promotions per tier, downgrade attempts, rollback and its review.
. "$STEWARD_TOP/tests/lib.sh"

DB="$TMPD/s.db"
K="$TMPD/keys"
P="$TMPD/pol"
mkdir -p "$K" "$P"
cp "$STEWARD_TOP"/policies/*.policy "$STEWARD_TOP"/policies/*.test "$P/"
export STEWARD_PASSPHRASE=correct-horse-battery-staple XDG_CONFIG_HOME="$TMPD/cfg"
D1=sha256:1111111111111111111111111111111111111111111111111111111111111111
D2=sha256:2222222222222222222222222222222222222222222222222222222222222222
D3=sha256:3333333333333333333333333333333333333333333333333333333333333333
DAY=86400

# as NAME CMD...: a steward command with NAME's key, at the clock $LATER seconds ahead.
LATER=0
as() {
	who=$1
	shift
	env STEWARD_NOW=$((STEWARD_NOW + LATER)) "$STEWARD" "$@" --db "$DB" --key "$K/$who.key"
}
# at SECONDS CMD...: runs steward's CMD with the clock moved forward.
at() {
	t=$1
	shift
	env STEWARD_NOW=$((STEWARD_NOW + t)) "$@"
}

# --- check: every error kind names file:line:col, what was found and what was expected ---
expect 0 "check the shipped policies" "$STEWARD" policy check "$STEWARD_TOP"/policies/*.policy
has "each reported" "$OUT" "policy high-default v1 for tier high"
bad() {
	desc=$1 msg=$2
	printf "$3" >"$TMPD/bad.policy"
	expect 1 "check: $desc" "$STEWARD" policy check "$TMPD/bad.policy"
	has "check: $desc: message" "$ERR" "$msg"
}
H='policy x\nversion 1\ntier high\n'
bad "unknown rule kind" "bad.policy:5:9: found 'aproovals', expected a rule kind" "${H}transition staging -> production\nrule a: aproovals risk-officer >= 2\n"
bad "not a number" "bad.policy:5:23: found 'high', expected a number" "${H}transition staging -> production\nrule a: metric auc >= high on holdout\n"
bad "unknown tier" "bad.policy:3:6: found 'hi', expected a tier" 'policy x\nversion 1\ntier hi\n'
bad "missing arrow" "bad.policy:4:20: found '=', expected '->'" "${H}transition staging => production\n"
bad "unterminated string" "bad.policy:5:23: found an unterminated string" "${H}transition staging -> production\nrule a: card-sections \"Intended use\n"
bad "empty section" "bad.policy:4: found a section without rules" "${H}transition staging -> production\n"
bad "rule before a section" "bad.policy:4:1: found a rule outside a section" "${H}rule a: lineage-complete\n"
bad "missing header" "bad.policy:2: found the end of the file, expected a 'version N' line" 'policy x\n'
bad "unknown role" "bad.policy:5:19: found 'boss', expected a role" "${H}transition staging -> production\nrule a: approvals boss >= 1\n"
bad "wrong operator" "bad.policy:5:22: found '>=', expected a comparison (<=)" "${H}transition staging -> production\nrule a: approval-age >= 3d\n"
bad "bad duration" "bad.policy:5:25: found \"3 weeks\", expected a duration" "${H}transition staging -> production\nrule a: approval-age <= \"3 weeks\"\n"
bad "duplicate rule name" "bad.policy:6:6: found 'a', expected a rule name not used before" "${H}transition staging -> production\nrule a: lineage-complete\nrule a: separation-of-duties\n"
bad "duplicate section" "found a second transition section" "${H}transition staging -> production\nrule a: lineage-complete\ntransition staging -> production\nrule b: lineage-complete\n"
bad "rollback kind in a transition" "expected a transition rule kind" "${H}transition staging -> production\nrule a: role sre\n"
bad "approvals in a shift section" "bad.policy:5:9: found 'approvals', expected a shift rule kind" "${H}shift\nrule a: approvals sre >= 1\n"
bad "review in a shift section" "bad.policy:5:9: found 'review', expected a shift rule kind" "${H}shift\nrule a: review by sre within 1d\n"
bad "shift takes no argument" "bad.policy:4:7: found 'production', expected the end of the line" "${H}shift production\nrule a: role sre\n"
bad "a second shift section" "found a second shift section" "${H}shift\nrule a: role sre\nshift\nrule b: role admin\n"
printf '%bshift\nrule who: role sre\nrule soak: canary-soak weight >= 5 for >= 1h\nrule calm: no-alerts severity >= critical\n' "$H" >"$TMPD/shift.policy"
expect 0 "a shift section with role, soak and alert rules" "$STEWARD" policy check "$TMPD/shift.policy"
bad "trailing junk" "bad.policy:5:26: found 'please', expected the end of the line" "${H}transition staging -> production\nrule a: lineage-complete please\n"
bad "missing colon" "bad.policy:5:8: found 'lineage-complete', expected ':'" "${H}transition staging -> production\nrule a lineage-complete\n"
bad "unknown directive" "bad.policy:4:1: found 'allow', expected a directive" "${H}allow everything\n"
printf 'policy x\nversion 1\ntier high\nX\n' | tr X '\001' >"$TMPD/ctl.policy"
expect 1 "check: control byte" "$STEWARD" policy check "$TMPD/ctl.policy"
has "check: control byte: message" "$ERR" "ctl.policy:4:1: found '\\x01', expected a directive"
printf '\377\376' >"$TMPD/bin.policy"
expect 1 "check: not UTF-8" "$STEWARD" policy check "$TMPD/bin.policy"
has "check: not UTF-8: message" "$ERR" "bin.policy: not UTF-8 text"
expect 1 "check: missing file" "$STEWARD" policy check "$TMPD/none.policy"
expect 2 "check: no file" "$STEWARD" policy check

# --- test: the shipped policies' own cases, and a failing case reported with its line ---
expect 0 "policy test" "$STEWARD" policy test "$STEWARD_TOP"/policies/*.policy
has "cases ran" "$OUT" "0 failed"
printf 'case wrong\ntransition staging -> production\nevidence {"now":"2026-01-01T00:00:00Z"}\nexpect auc-floor PASS\n' >"$TMPD/low2.policy.test"
cp "$P/low.policy" "$TMPD/low2.policy"
expect 1 "a failing case" "$STEWARD" policy test "$TMPD/low2.policy"
has "names the case and line" "$OUT" "low2.policy.test:1: wrong: line 4: rule auc-floor is UNKNOWN"
printf 'case x\nexpect auc-floor MAYBE\n' >"$TMPD/low2.policy.test"
expect 1 "a malformed test file" "$STEWARD" policy test "$TMPD/low2.policy"
has "names file and line" "$ERR" "low2.policy.test:2: found 'MAYBE', expected PASS, FAIL or UNKNOWN"
# Bad evidence after good members (approvals read, then another member refused): the
# case is named, and under SAN=1 LeakSanitizer would report on stderr what was read
# and leaked (the exit status is 1 either way).
for bad in '"metrics":"none"|metrics must be' '"metrics":[{"name":"auc"}]|metric 1 needs' \
	'"metrics":[{"name":"auc","value":0.9}],"card":[1]|card must be' \
	'"card":["Intended use"],"alerts":[{"name":"x","severity":"loud"}]|alerts must be' \
	'"live":[{"name":"x","value":1}],"stages":{"staging":"soon"}|stages must map'; do
	printf 'case bad\ntransition staging -> production\nevidence {"now":"2026-01-01T00:00:00Z","approvals":[{"principal":"rosa","role":"risk-officer"}],%s}\nexpect decision allow\n' \
		"${bad%%|*}" >"$TMPD/low2.policy.test"
	expect 1 "bad evidence ${bad#*|}" "$STEWARD" policy test "$TMPD/low2.policy"
	has "bad evidence ${bad#*|}: names the case and the member" "$ERR" "low2.policy.test:1: case bad: evidence: ${bad#*|}"
	lacks "bad evidence ${bad#*|}: nothing leaked" "$ERR" "LeakSanitizer"
done

# --- the estate ---
"$STEWARD" init --db "$DB" --admin ada --admin-key "$(mkdir -p "$TMPD/a" && "$STEWARD" key gen ada --out "$K/ada.key" >/dev/null && echo "$K/ada.key")" >/dev/null || fail "init"
# evidence (models, versions, cards, metrics) is recorded as ada's signed acts
export STEWARD_KEY="$K/ada.key"
for p in lena:ml-lead mei:ml-lead rosa:risk-officer ravi:risk-officer sami:sre otto:auditor; do
	n=${p%%:*}
	"$STEWARD" key gen "$n" --out "$K/$n.key" >/dev/null || fail "key $n"
	as ada principal add "$n" --role "${p#*:}" --pubkey "$K/$n.key.pub" >/dev/null || fail "add $n"
done
card() { # card MODEL VERSION SECTIONS...: a card with these sections
	m=$1 v=$2
	shift 2
	: >"$TMPD/card.md"
	for sct in "$@"; do printf '## %s\nwritten\n\n' "$sct" >>"$TMPD/card.md"; done
	"$STEWARD" card set "$m" "$v" --file "$TMPD/card.md" --db "$DB" >/dev/null || fail "card $m $v"
}
FULL="Intended use|Training data|Evaluation|Limitations|Ethical considerations"
newver() { # newver MODEL DIGEST AUC WORSTSLICE
	v=$("$STEWARD" version add "$1" --artifact "s3://m/$1" --digest "$2" --author j.chen --db "$DB") || fail "version $1"
	"$STEWARD" metric set "$1" "$v" auc "$3" --dataset holdout-2026q1 --db "$DB" >/dev/null || fail "metric"
	"$STEWARD" metric set "$1" "$v" auc "$4" --dataset holdout-2026q1 --slice region=EU --db "$DB" >/dev/null || fail "slice"
	IFS='|'
	# shellcheck disable=SC2086
	card "$1" "$v" $FULL
	unset IFS
}
"$STEWARD" model add ranker --tier low --owner digital --db "$DB" >/dev/null
"$STEWARD" model add churn --tier medium --owner retail --db "$DB" >/dev/null
"$STEWARD" model add fraud --tier high --owner fraud-ops --db "$DB" >/dev/null
"$STEWARD" model add limits --tier critical --owner credit --db "$DB" >/dev/null
newver ranker "$D1" 0.9 0.88
newver churn "$D1" 0.83 0.62
newver fraud "$D1" 0.93 0.9
newver fraud "$D2" 0.94 0.91
newver limits "$D1" 0.8 0.78

# --- without a policy, nothing passes ---
expect 1 "gate with no policy enrolled" "$STEWARD" gate ranker 1 --to staging --db "$DB"
has "default deny named" "$OUT" "no policy is enrolled for tier low"
expect 2 "gate without --to" "$STEWARD" gate ranker 1 --db "$DB"

# --- enrolment ---
expect 1 "only admins enrol" as rosa policy enroll "$P/low.policy"
for t in low medium high critical; do
	expect 0 "enrol $t" as ada policy enroll "$P/$t.policy"
done
has "enrol names digest and signer" "$OUT" "signed by ada"
expect 1 "enrol the same again" as ada policy enroll "$P/critical.policy"
has "already enrolled" "$ERR" "is already enrolled"
expect 0 "policy list" "$STEWARD" policy list --db "$DB"
has "list shows in force" "$OUT" "yes"
expect 0 "policy show" "$STEWARD" policy show high-default --db "$DB"
has "show prints the rules" "$OUT" "rule risk-signoff:"
sed 's/^version 1$/version 2/; s/approval-age <= 14d/approval-age <= 10d/' "$P/high.policy" >"$P/high2.policy"
expect 0 "enrol high v2" as ada policy enroll "$P/high2.policy"
expect 1 "downgrade to v1 refused" as ada policy enroll "$P/high.policy"
has "names the downgrade" "$ERR" "version 1 is lower than the enrolled version 2"
sed 's/approval-age <= 10d/approval-age <= 9d/' "$P/high2.policy" >"$P/high2b.policy"
expect 1 "other bytes under an enrolled version" as ada policy enroll "$P/high2b.policy"
has "names both digests" "$ERR" "was enrolled as sha256:"

# --- low: none -> staging needs no signature, staging -> production needs an ML lead ---
expect 0 "gate ranker to staging" "$STEWARD" gate ranker 1 --to staging --db "$DB"
has "allow" "$OUT" "ALLOW"
expect 1 "gate ranker straight to production" "$STEWARD" gate ranker 1 --to production --db "$DB"
has "no transition" "$OUT" "has no transition none -> production (default deny)"
R=$(as lena promote request ranker 1 --to staging)
expect 0 "apply to staging" as lena promote apply "$R"
has "alias moved" "$OUT" "staging of ranker now points at version 1"
R=$(as lena promote request ranker 1 --to production)
expect 1 "gate before the signature" "$STEWARD" gate ranker 1 --to production --db "$DB"
has "fails on the signature" "$OUT" "FAIL    ml-lead-signoff"
expect 1 "apply refused while the gate fails" as lena promote apply "$R"
has "checklist on stderr" "$ERR" "FAIL    ml-lead-signoff"
has "nothing changed" "$ERR" "nothing changed"
as mei approve "$R" >/dev/null || fail "mei approves"
expect 0 "gate --json" "$STEWARD" gate ranker 1 --to production --db "$DB" --json
valid "gate"
same "decision allow" "$(j '$.decision')" allow
same "rules in json" "$(j '$.rules[0].status')" PASS
expect 0 "apply ranker to production" as lena promote apply "$R"
expect 0 "model list shows it" "$STEWARD" alias list ranker --db "$DB"
has "production 1" "$OUT" "production  1"
expect 1 "a request applies once" as lena promote apply "$R"
has "not open" "$ERR" "is applied, not open"

# --- medium: the weak slice blocks; time in staging counts ---
as ada alias set churn staging 1 >/dev/null
R=$(as lena promote request churn 1 --to production)
as mei approve "$R" >/dev/null
expect 1 "churn blocked" at $((4 * DAY)) "$STEWARD" gate churn 1 --to production --db "$DB"
has "by its worst slice" "$OUT" "worst slice region=EU: 0.62, needs >= 0.7"
lacks "soak passed" "$OUT" "FAIL    soaked"

# --- withdrawing and superseding a request ---
expect 1 "only its requester or an admin withdraws it" as mei request withdraw "$R" --reason "x"
has "says who may" "$ERR" "only lena, who opened request $R, or an admin"
expect 2 "a withdrawal needs a reason" as lena request withdraw "$R"
expect 1 "nothing supersedes a request under the policy in force" as lena request supersede "$R"
has "says so" "$ERR" "the policy still in force for medium"
sed 's/^version 1$/version 2/' "$P/medium.policy" >"$P/medium2.policy"
expect 0 "enrol medium v2" as ada policy enroll "$P/medium2.policy"
expect 0 "supersede the request bound to v1" as lena request supersede "$R"
RN=$(printf '%s\n' "$OUT" | tail -n 1)
expect 0 "the old one" "$STEWARD" request show "$R" --db "$DB" --json
same "is superseded" "$(j '$.state')" superseded
has "by the new one" "$(j '$.closed')" "superseded by request $RN (policy medium-default v2)"
expect 0 "the new one" "$STEWARD" request show "$RN" --db "$DB" --json
same "is open under v2, for the same version and stage" "$(j '$.state') $(j '$.version') $(j '$.to')" "open 1 production"
same "bound to v2" "$(j '$.policy_sha256')" "sha256:$(sha256sum "$P/medium2.policy" | cut -c1-64)"
same "recorded" "$(store_sql "$DB" "SELECT action || ' ' || json_extract(CAST(body AS TEXT), '\$.data.successor') FROM ledger ORDER BY seq DESC LIMIT 1")" "request.supersede $RN"
expect 1 "a superseded request is not applied" as lena promote apply "$R"
has "not open" "$ERR" "is withdrawn, not open"
expect 0 "the requester withdraws the new one" as lena request withdraw "$RN" --reason "retrained instead"
expect 0 "shown" "$STEWARD" request show "$RN" --db "$DB"
has "withdrawn, with who and why" "$OUT" "closed:    withdrawn by lena: retrained instead"
same "a signed entry" "$(store_sql "$DB" "SELECT action || ' ' || actor FROM ledger ORDER BY seq DESC LIMIT 1")" "request.withdraw lena"
expect 1 "withdrawn twice" as lena request withdraw "$RN" --reason "again"
# the requests table is a cache: a row written back to open stays closed
store_sql "$DB" "UPDATE requests SET state = 'open' WHERE id = $RN"
expect 1 "a request the ledger closed is not applied" as lena promote apply "$RN"
has "named" "$ERR" "is closed in the ledger though its row says open"
store_sql "$DB" "UPDATE requests SET state = 'withdrawn' WHERE id = $RN"

# --- high: two roles, an edited policy file, approvals from before a policy change ---
as ada alias set fraud staging 1 >/dev/null
R=$(as lena promote request fraud 1 --to production)
as mei approve "$R" --ttl 30d >/dev/null
expect 1 "fraud waits for a risk officer" at $((8 * DAY)) "$STEWARD" gate fraud 1 --to production --db "$DB"
has "risk-signoff fails" "$OUT" "FAIL    risk-signoff"
as rosa approve "$R" --ttl 30d >/dev/null
expect 1 "one risk officer is not enough" at $((8 * DAY)) "$STEWARD" gate fraud 1 --to production --db "$DB"
has "1 of 2" "$OUT" "1 of 2 risk-officer"
as ravi approve "$R" --ttl 30d >/dev/null
expect 1 "no alert data is UNKNOWN, which denies" at $((8 * DAY)) "$STEWARD" gate fraud 1 --to production --db "$DB"
has "unknown alerts" "$OUT" "UNKNOWN no-critical"
# alerts written into the store by hand are not what a gate reads
store_sql "$DB" "INSERT INTO alert_sync(model_id, synced) SELECT id, 1 FROM models WHERE name = 'fraud'"
expect 1 "an alert_sync row alone proves nothing" at $((8 * DAY)) "$STEWARD" gate fraud 1 --to production --db "$DB"
has "still unknown" "$OUT" "UNKNOWN no-critical"
# an alert source (the test plugin, a fake backend) has synced, signed by lena: a warning fires, nothing critical
PD="$TMPD/plugins"
mkdir -p "$PD" && cp "${STEWARD%/*}/tests/plugins/steward-misbehave.so" "$PD/" && chmod 755 "$PD"
printf '[steward]\nplugin_dirs = %s\n\n[plugin am]\ntype = misbehave\nmode = alerts\nalerts = LatencyHigh fraud warning\n' "$PD" >"$TMPD/am.config"
expect 0 "alert sync" at $((8 * DAY - 60)) "$STEWARD" sync --db "$DB" --config "$TMPD/am.config" --key "$K/lena.key"
expect 0 "fraud passes" at $((8 * DAY)) "$STEWARD" gate fraud 1 --to production --db "$DB"
has "nothing critical" "$OUT" "PASS    no-critical"
store_copy "$DB" "$TMPD/forged.db" && cp "$(store_local "$DB" .logkey)" "$(store_local "$TMPD/forged.db" .logkey)"
store_sql "$TMPD/forged.db" "UPDATE monitor_attest SET body = replace(body, 'warning', 'info') WHERE kind = 'alerts'"
expect 1 "a changed observation is refused" at $((8 * DAY)) "$STEWARD" gate fraud 1 --to production --db "$TMPD/forged.db"
has "says the store was changed" "$ERR" "the alert observation of fraud does not verify"
expect 1 "observations go stale" at $((11 * DAY)) "$STEWARD" gate fraud 1 --to production --db "$DB"
has "says how old" "$OUT" "the newest alert data is 3 d old"
printf '[steward]\nplugin_dirs = %s\n\n[plugin am]\ntype = misbehave\nmode = alerts\nalerts = LatencyHigh fraud warning;Down fraud critical\n' "$PD" >"$TMPD/am2.config"
expect 0 "a critical alert fires" at $((8 * DAY - 30)) "$STEWARD" sync --db "$TMPD/forged.db" --config "$TMPD/am2.config" --key "$K/lena.key"
expect 1 "and denies" at $((8 * DAY)) "$STEWARD" gate fraud 1 --to production --db "$TMPD/forged.db"
has "names it" "$OUT" "firing at critical or above: Down"
printf '\n# an innocent-looking edit\n' >>"$P/high2.policy"
expect 1 "edited policy file refused" at $((8 * DAY)) "$STEWARD" gate fraud 1 --to production --db "$DB"
has "names both digests" "$OUT" "now has sha256:"
has "and the enrolled one" "$OUT" "was enrolled"
LATER=$((8 * DAY))
expect 1 "apply refused too" as lena promote apply "$R"
sed -i '$d' "$P/high2.policy"
sed -i '$d' "$P/high2.policy"
expect 0 "restored file passes again" at $((8 * DAY)) "$STEWARD" gate fraud 1 --to production --db "$DB"
expect 0 "apply fraud v1" as lena promote apply "$R"
# The suite's clock moves on to that day: entry times never go back.
LATER=0
STEWARD_NOW=$((STEWARD_NOW + 8 * DAY))
# v2: approved under high v2, then v3 is enrolled: the old approvals no longer count
as ada alias set fraud staging 2 >/dev/null
R2=$(as lena promote request fraud 2 --to production)
as mei approve "$R2" --ttl 30d >/dev/null
as rosa approve "$R2" --ttl 30d >/dev/null
as ravi approve "$R2" --ttl 30d >/dev/null
expect 0 "alerts synced again" at $((8 * DAY - 60)) "$STEWARD" sync --db "$DB" --config "$TMPD/am.config" --key "$K/lena.key"
expect 0 "fraud v2 would pass" at $((8 * DAY)) "$STEWARD" gate fraud 2 --to production --db "$DB"
sed 's/^version 2$/version 3/' "$P/high2.policy" >"$P/high3.policy"
expect 0 "enrol high v3" as ada policy enroll "$P/high3.policy"
expect 1 "old approvals do not count under v3" at $((8 * DAY)) "$STEWARD" gate fraud 2 --to production --db "$DB"
has "the checklist says why" "$OUT" "signed under another policy version and do not count"
has "the request says so" "$OUT" "its approvals do not count under the policy in force"

# --- rollback ---
expect 2 "rollback needs a reason" as sami rollback fraud
expect 1 "an ML lead may not roll back a high model" as lena rollback fraud --reason "latency"
has "role named" "$ERR" "needs one of sre"
expect 1 "no earlier version to return to" as sami rollback fraud --reason "latency"
has "no baseline" "$ERR" "no other version of fraud was promoted to production under policy"
# promote v2 under v3 with fresh approvals, then roll back to v1
R3=$(as lena promote request fraud 2 --to production 2>&1)
case $R3 in *"already open"*) R3=$R2 ;; esac
expect 1 "ravi already signed this request" as ravi approve "$R3"
has "people, not keys" "$ERR" "ravi already signed a decision"
expect 1 "mei's v2 approval signed under v2 still does not count" at $((8 * DAY)) "$STEWARD" gate fraud 2 --to production --db "$DB"
expect 1 "rollback to a never-promoted version" as sami rollback fraud --to 2 --reason "x"
has "not a known-safe baseline" "$ERR" "was never promoted to production under policy"
# the promotions table is a cache: a forged row makes nothing a baseline
store_sql "$DB" "INSERT INTO promotions(version_id, alias, kind, request_id, policy_digest, time, actor, seq)
	SELECT v.id, 'production', 'promotion', NULL, 'sha256:x', 1, 'lena', 1 FROM versions v JOIN models m ON m.id = v.model_id
	WHERE m.name = 'fraud' AND v.version = 2"
expect 1 "a forged promotions row is no baseline" as sami rollback fraud --to 2 --reason "x"
has "still never promoted" "$ERR" "was never promoted to production under policy"
store_sql "$DB" "DELETE FROM promotions WHERE policy_digest = 'sha256:x'"
as ada alias set fraud production 2 >/dev/null
# the alias table is a cache too: a direct UPDATE is refused by every gate
V1=$(store_sql "$DB" "SELECT v.id FROM versions v JOIN models m ON m.id = v.model_id WHERE m.name = 'fraud' AND v.version = 1")
V2=$(store_sql "$DB" "SELECT v.id FROM versions v JOIN models m ON m.id = v.model_id WHERE m.name = 'fraud' AND v.version = 2")
store_sql "$DB" "UPDATE aliases SET version_id = $V1 WHERE alias = 'production' AND version_id = $V2"
expect 1 "an alias moved in the table" at $((8 * DAY)) "$STEWARD" gate fraud 2 --to production --db "$DB"
has "named with its entry" "$OUT$ERR" "alias production of fraud points at v1 but ledger entry"
expect 1 "audit verify reconciles the aliases table" "$STEWARD" audit verify --db "$DB"
has "names the alias" "$ERR" "aliases: production of fraud points at v1 but ledger entry"
store_sql "$DB" "UPDATE aliases SET version_id = $V2 WHERE alias = 'production' AND version_id = $V1"
expect 0 "sre rolls back to v1" as sami rollback fraud --reason "score drift after release"
has "rolled back" "$OUT" "rolled production of fraud back to version 1"
has "review opened" "$OUT" "post-incident review: request"
REV=$(printf '%s\n' "$OUT" | sed -n 's/^post-incident review: request \([0-9]*\).*/\1/p')
expect 0 "the review request" "$STEWARD" request show "$REV" --db "$DB"
has "shows the rollback's reason" "$OUT" "post-incident review of a rollback: score drift after release"
expect 0 "request list shows the review" "$STEWARD" request list --db "$DB"
has "due" "$OUT" "review due"
expect 0 "73 hours later it is overdue" at $((73 * 3600)) "$STEWARD" request list --db "$DB"
has "overdue" "$OUT" "overdue"
# v1 was rolled back to, v2 was rolled back from: no baseline is left, and the refusal says what to do
expect 1 "no baseline after the rollback" as sami rollback fraud --reason "again"
has "a dead end says what instead" "$ERR" "Instead: promote a known-good version"
expect 0 "a risk officer reviews" as rosa approve "$REV" --comment "root cause found"
expect 0 "reviewed" at $((73 * 3600)) "$STEWARD" request show "$REV" --db "$DB"
has "reviewed state" "$OUT" "reviewed"

# --- the policies table is a cache: the gate reads the enrolled text from the ledger ---
expect 1 "gate before the table is edited" at $((8 * DAY)) "$STEWARD" gate fraud 2 --to production --db "$DB" --json
BEFORE=$OUT
store_sql "$DB" "CREATE TABLE kept_policies AS SELECT id, text FROM policies;
	UPDATE policies SET text = 'policy anything-goes' || char(10) || 'version 99' || char(10)"
expect 1 "the edited text changes nothing" at $((8 * DAY)) "$STEWARD" gate fraud 2 --to production --db "$DB" --json
same "the same checklist" "$OUT" "$BEFORE"
lacks "not the table's text" "$OUT" "anything-goes"
expect 1 "audit verify reconciles the table and names the row" "$STEWARD" audit verify --db "$DB"
has "names the policy and its entry" "$ERR" "is not the text ledger entry"
store_sql "$DB" "UPDATE policies SET text = (SELECT k.text FROM kept_policies k WHERE k.id = policies.id); DROP TABLE kept_policies"

# --- everything replays ---
expect 0 "audit verify re-runs every decision" "$STEWARD" audit verify --db "$DB"
expect 1 "a day before its last entries, the ledger lies in the future" env STEWARD_NOW=$((STEWARD_NOW - DAY)) \
	"$STEWARD" audit verify --db "$DB"
has "future named" "$ERR" "dated in the future"
expect 0 "audit log has the decisions" "$STEWARD" audit log --db "$DB"
has "enrolment" "$OUT" "policy.enroll"
has "promotion" "$OUT" "promotion.apply"
has "rollback" "$OUT" "rollback"
"$STEWARD" audit export "$TMPD/bundle" --db "$DB" >/dev/null || fail "export"
expect 0 "the bundle replays without the store" "$STEWARD" audit verify --bundle "$TMPD/bundle"

finish
