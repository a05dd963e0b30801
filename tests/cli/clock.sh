# clock.sh: the release binary takes time from the system clock only: STEWARD_NOW neither dates its ledger entries, nor skips a soak rule, nor revives an expired approval.
. "$STEWARD_TOP/tests/lib.sh"

# The release build beside the tests' one (tests/run names it).
REL=${STEWARD_RELEASE:-${STEWARD%/*}/steward}
DB="$TMPD/s.db"
K="$TMPD/keys"
mkdir -p "$K"
export STEWARD_PASSPHRASE=correct-horse-battery-staple XDG_CONFIG_HOME="$TMPD/cfg"
DAY=86400
NOW=$(date +%s)
# at SECONDS CMD...: the tests' build at the real time moved by SECONDS (history
# is written in order, so its times agree with the release build's clock).
at() {
	t=$1
	shift
	env STEWARD_NOW=$((NOW + t)) "$STEWARD" "$@" --db "$DB"
}
[ -x "$REL" ] || fail "no release binary at $REL"

at $((-6 * DAY)) init --admin ada --admin-key "$("$STEWARD" key gen ada --out "$K/ada.key" >/dev/null && echo "$K/ada.key")" >/dev/null || fail "init"
for p in lena:ml-lead mei:ml-lead; do
	n=${p%%:*}
	"$STEWARD" key gen "$n" --out "$K/$n.key" >/dev/null || fail "key $n"
	at $((-6 * DAY)) principal add "$n" --role "${p#*:}" --pubkey "$K/$n.key.pub" --key "$K/ada.key" >/dev/null || fail "add $n"
done
printf 'policy clock\nversion 1\ntier medium\n\ntransition staging -> production\nrule signoff: approvals ml-lead >= 1\nrule soaked: time-in-stage staging >= 3d\n' >"$TMPD/medium.policy"
at $((-6 * DAY)) policy enroll "$TMPD/medium.policy" --key "$K/ada.key" >/dev/null || fail "enrol"
D1=sha256:1111111111111111111111111111111111111111111111111111111111111111
for m in old fresh; do
	at $((-6 * DAY)) model add "$m" --tier medium --owner retail --key "$K/ada.key" >/dev/null || fail "model $m"
	at $((-6 * DAY)) version add "$m" --artifact "s3://m/$m" --digest "$D1" --author j.chen --key "$K/ada.key" >/dev/null || fail "version $m"
done

# --- an approval that expired half an hour ago ---
at $((-5 * DAY)) alias set old staging 1 --key "$K/ada.key" >/dev/null || fail "stage old"
R=$(at -7200 promote request old 1 --to production --key "$K/lena.key") || fail "request old"
at -7200 approve "$R" --ttl 90m --key "$K/mei.key" >/dev/null || fail "approve old"
expect 0 "the tests' build: at an hour ago the approval counts" at -3600 gate old 1 --to production
expect 1 "the release build: STEWARD_NOW does not revive it" env STEWARD_NOW=$((NOW - 3600)) "$REL" gate old 1 --to production --db "$DB"
has "the approval expired" "$OUT" "FAIL    signoff"
expect 1 "nor does it let the request apply" env STEWARD_NOW=$((NOW - 3600)) "$REL" promote apply "$R" --db "$DB" --key "$K/lena.key"
has "refused by the expired approval" "$ERR" "FAIL    signoff"

# --- a soak rule: staged now, 3 days needed ---
at 0 alias set fresh staging 1 --key "$K/ada.key" >/dev/null || fail "stage fresh"
R2=$(at 0 promote request fresh 1 --to production --key "$K/lena.key") || fail "request fresh"
at 0 approve "$R2" --key "$K/mei.key" >/dev/null || fail "approve fresh"
expect 0 "the tests' build: 4 days later the soak has passed" at $((4 * DAY)) gate fresh 1 --to production
expect 1 "the release build: STEWARD_NOW 4 days ahead does not skip the soak" env STEWARD_NOW=$((NOW + 4 * DAY)) "$REL" promote apply "$R2" --db "$DB" --key "$K/lena.key"
has "the soak fails" "$ERR" "FAIL    soaked"
has "nothing moved" "$ERR" "nothing changed"
# The soak counts from the signed entry that staged it, not from the alias table's column:
# an old date written into the table (no key needed) skips nothing.
U=$(store_sql "$DB" "SELECT updated FROM aliases WHERE alias = 'staging' AND model_id = (SELECT id FROM models WHERE name = 'fresh')")
store_sql "$DB" "UPDATE aliases SET updated = $((NOW - 30 * DAY)) WHERE alias = 'staging' AND model_id = (SELECT id FROM models WHERE name = 'fresh')" >/dev/null || fail "tamper updated"
expect 1 "a day after staging, a stage time backdated in the table" at $((1 * DAY)) gate fresh 1 --to production
has "does not pass the soak" "$OUT" "FAIL    soaked"
store_sql "$DB" "UPDATE aliases SET updated = $U WHERE alias = 'staging' AND model_id = (SELECT id FROM models WHERE name = 'fresh')" >/dev/null || fail "untamper updated"

# --- what the release build writes carries the real time ---
BEFORE=$(date +%s)
expect 0 "a write with STEWARD_NOW ten years ahead" env STEWARD_NOW=$((NOW + 3650 * DAY)) "$REL" alias set fresh canary 1 --db "$DB" --key "$K/ada.key"
AFTER=$(date +%s)
T=$(store_sql "$DB" "SELECT time FROM ledger ORDER BY seq DESC LIMIT 1")
[ "$T" -ge "$BEFORE" ] && [ "$T" -le "$AFTER" ] && ok || fail "entry time $T is not the real time ($BEFORE..$AFTER)"
BT=$(store_sql "$DB" "SELECT json_extract(CAST(body AS TEXT), '$.time') FROM ledger ORDER BY seq DESC LIMIT 1")
same "the body's time is the real time" "$BT" "$(date -u -d "@$T" +%Y-%m-%dT%H:%M:%SZ)"
expect 0 "and the ledger verifies at the real time" "$REL" audit verify --db "$DB"

# --- the demo, built by the release binary, lies in the past of the real clock ---
expect 0 "release demo" env STEWARD_NOW=$((NOW + 3650 * DAY)) "$REL" demo --no-tui --db "$TMPD/demo.db"
LAST=$(store_sql "$TMPD/demo.db" "SELECT max(time) FROM ledger")
[ "$LAST" -le "$(date +%s)" ] && ok || fail "the demo has an entry dated $LAST, after now"
same "in order" "$(store_sql "$TMPD/demo.db" "SELECT count(*) FROM ledger a JOIN ledger b ON b.seq = a.seq + 1 WHERE b.time < a.time")" 0
finish
