# attacker.sh: whoever can write the store file but holds no key: edited keyring tables, approval rows and ledger rows never let anything through.
. "$STEWARD_TOP/tests/lib.sh"

DB="$TMPD/s.db"
K="$TMPD/keys"
mkdir -p "$K"
export STEWARD_PASSPHRASE=correct-horse-battery-staple XDG_CONFIG_HOME="$TMPD/cfg"
D1=sha256:1111111111111111111111111111111111111111111111111111111111111111

as() {
	who=$1
	shift
	"$STEWARD" "$@" --db "$DB" --key "$K/$who.key"
}
rows() { store_sql "$DB" "$1"; }
# sqlite3 with the guard-rail triggers dropped first, as an attacker would.
raw() { store_sql "$DB" "DROP TRIGGER IF EXISTS ledger_no_update; DROP TRIGGER IF EXISTS ledger_no_delete;
	DROP TRIGGER IF EXISTS approvals_no_update; DROP TRIGGER IF EXISTS approvals_no_delete; $1"; }

"$STEWARD" init --db "$DB" --admin ada >/dev/null || fail "init"
cp "$TMPD/cfg/steward/keys/ada.key" "$K/ada.key"
for p in lena rosa ravi mallory; do
	"$STEWARD" key gen "$p" --out "$K/$p.key" >/dev/null || fail "key gen $p"
done
as ada principal add lena --role ml-lead --pubkey "$K/lena.key.pub" >/dev/null || fail "add lena"
as ada principal add rosa --role risk-officer --pubkey "$K/rosa.key.pub" >/dev/null || fail "add rosa"
as ada principal add ravi --role risk-officer --pubkey "$K/ravi.key.pub" >/dev/null || fail "add ravi"
as ada model add fraud --tier high --owner risk >/dev/null || fail "model add"
as ada version add fraud --artifact s3://m/1 --digest "$D1" --author someone >/dev/null || fail "version add"
as lena promote request fraud 1 --to production >/dev/null || fail "request"
expect 0 "a clean store verifies" "$STEWARD" audit verify --db "$DB"

# --- the keyring tables are a cache: the ledger decides ---
MAL=$("$STEWARD" key show "$K/mallory.key.pub" --json | sed -n 's/.*"key_id": *"\([0-9a-f]*\)".*/\1/p')
PUB=$(rows "SELECT public FROM principal_keys LIMIT 1")
ROSA_ID=$(rows "SELECT id FROM principals WHERE name = 'rosa'")
raw "INSERT INTO principal_keys(key_id, principal_id, public, added_ver) VALUES ('$MAL', $ROSA_ID, '$PUB', 1)"
expect 1 "a key row inserted for rosa does not make mallory rosa" as mallory approve 1
has "the key is unknown to the ledger's keyring" "$ERR" "is not in this store's keyring"
same "nothing recorded" "$(rows "SELECT count(*) FROM approvals")" 0
raw "DELETE FROM principal_keys WHERE key_id = '$MAL'"

LENA_ID=$(rows "SELECT id FROM principals WHERE name = 'lena'")
raw "INSERT INTO principal_roles(principal_id, role, granted_ver) VALUES ($LENA_ID, 'admin', 2)"
expect 1 "an inserted admin role row grants nothing" as lena principal add eve --role admin --pubkey "$K/mallory.key.pub"
has "roles come from the ledger" "$ERR" "lena (roles: ml-lead) may not run"
expect 1 "audit verify names the row" "$STEWARD" audit verify --db "$DB"
has "the forged role named" "$ERR" "lena holds role admin, which the ledger never granted"
raw "DELETE FROM principal_roles WHERE principal_id = $LENA_ID AND role = 'admin'"

# --- approval rows are checked against the entries that recorded them ---
expect 0 "rosa approves" as rosa approve 1
expect 0 "it counts" "$STEWARD" request show 1 --db "$DB" --json
same "one counts" "$(j '$.counted')" 1
raw "UPDATE approvals SET keyring_ver = 99, recorded = 1 WHERE id = 1"
expect 0 "request show after the row was edited" "$STEWARD" request show 1 --db "$DB" --json
same "the keyring version and time come from the entry, not the row" "$(j '$.counted')" 1
raw "UPDATE approvals SET request_id = 2 WHERE id = 1"
raw "UPDATE approvals SET request_id = 1 WHERE id = 1"
RV=$(rows "SELECT requester FROM requests WHERE id = 1")
raw "UPDATE requests SET requester = 'mallory' WHERE id = 1"
expect 0 "request show after the requester was edited" "$STEWARD" request show 1 --db "$DB" --json
same "nothing counts on a request that differs from its entry" "$(j '$.counted')" 0
has "says why" "$(j '$.decisions[0].why_not')" "differs from ledger entry"
expect 1 "the gate denies" "$STEWARD" gate fraud 1 --to production --db "$DB"
raw "UPDATE requests SET requester = '$RV' WHERE id = 1"
expect 0 "restored" "$STEWARD" request show 1 --db "$DB" --json
same "counts again" "$(j '$.counted')" 1

# --- every act is signed by its actor ---
same "acts carry a signature" "$(rows "SELECT count(*) FROM ledger WHERE action IN ('request.open', 'alias.set') AND sig IS NULL")" 0
SEQ=$(rows "SELECT seq FROM ledger WHERE action = 'request.open'")
SIG=$(rows "SELECT sig FROM ledger WHERE seq = $SEQ")
raw "UPDATE ledger SET sig = NULL WHERE seq = $SEQ"
expect 1 "a stripped signature fails audit verify" "$STEWARD" audit verify --db "$DB"
has "names the unsigned act" "$ERR" "request.open by lena carries no valid signature"
expect 0 "request show" "$STEWARD" request show 1 --db "$DB" --json
same "a request whose opening act is unsigned counts nothing" "$(j '$.counted')" 0
has "says so" "$(j '$.decisions[0].why_not')" "carries no valid signature"
raw "UPDATE ledger SET sig = '$SIG' WHERE seq = $SEQ"
expect 0 "the signature put back, the ledger verifies again" "$STEWARD" audit verify --db "$DB"
# --- the columns the lookups go through say what the signed body says ---
# (the leaf and signature cover the body alone: an edited action or subject
# column would hide the entry from the gate's lookups by them)
for col in "action:'promotion.noop'" "subject:'models:/elsewhere'" "actor:'mallory'" "time:time + 1"; do
	c=${col%%:*}
	OLD=$(rows "SELECT $c FROM ledger WHERE seq = $SEQ")
	[ "$c" = time ] || OLD="'$OLD'"
	raw "UPDATE ledger SET $c = ${col#*:} WHERE seq = $SEQ"
	expect 1 "an edited $c column fails audit verify" "$STEWARD" audit verify --db "$DB"
	has "names the entry and the $c column" "$ERR" "entry $SEQ: its $c column says"
	raw "UPDATE ledger SET $c = $OLD WHERE seq = $SEQ"
done
expect 0 "the columns put back, the ledger verifies again" "$STEWARD" audit verify --db "$DB"
# --- evidence is an act: the tables must say what the signed entries recorded ---
expect 2 "metric set needs a key" "$STEWARD" metric set fraud 1 auc 0.99 --db "$DB"
has "says to give --key" "$ERR" "give --key FILE"
expect 1 "an auditor cannot record evidence" as rosa metric set fraud 1 auc 0.99
has "names the roles" "$ERR" "it needs one of admin,ml-lead,pipeline"
expect 0 "an ML lead records a metric" as lena metric set fraud 1 auc 0.91 --dataset holdout
has "the entry is signed" "$(rows "SELECT count(*) FROM ledger WHERE action = 'metric.set' AND actor = 'lena' AND sig IS NOT NULL")" 1
expect 1 "gate before tampering (denied for want of approvals, not evidence)" "$STEWARD" gate fraud 1 --to production --db "$DB" --json
lacks "evidence agrees" "$OUT" "changed outside steward"
raw "UPDATE eval_metrics SET value = 0.99"
expect 1 "a metric edited in the table" "$STEWARD" gate fraud 1 --to production --db "$DB"
has "is named" "$OUT$ERR" "metric auc on holdout of fraud v1 is 0.99 in the store but the ledger recorded another value"
expect 1 "audit verify reconciles the metrics table" "$STEWARD" audit verify --db "$DB"
has "names the metric" "$ERR" "eval_metrics: fraud v1 metric auc"
raw "UPDATE eval_metrics SET value = 0.91"
raw "INSERT INTO eval_metrics(version_id, name, dataset, slice, value) SELECT id, 'auc', 'holdout', 'segment=young', 0.99 FROM versions"
expect 1 "a metric inserted in the table" "$STEWARD" gate fraud 1 --to production --db "$DB"
has "is named" "$OUT$ERR" "no signed entry recorded it"
raw "DELETE FROM eval_metrics WHERE slice = 'segment=young'"
raw "UPDATE versions SET digest = 'sha256:2222222222222222222222222222222222222222222222222222222222222222'"
expect 1 "a digest edited in the table" "$STEWARD" gate fraud 1 --to production --db "$DB"
has "is named" "$OUT$ERR" "(changed outside steward)"
expect 1 "audit verify reconciles the versions table" "$STEWARD" audit verify --db "$DB"
has "names the row and the entry" "$ERR" "versions: fraud v1 has digest sha256:2222"
raw "UPDATE versions SET digest = '$D1'"
raw "UPDATE models SET tier = 'low'"
expect 1 "a tier edited in the table" "$STEWARD" gate fraud 1 --to production --db "$DB"
has "is named" "$OUT$ERR" "model fraud is tier low in the store but ledger entry"
raw "UPDATE models SET tier = 'high'"
printf '## Intended use\nscoring\n' >"$TMPD/card.md"
expect 0 "an ML lead sets the card" as lena card set fraud 1 --file "$TMPD/card.md"
raw "UPDATE cards SET body = 'anything at all'"
expect 1 "a card edited in the table" "$STEWARD" gate fraud 1 --to production --db "$DB"
has "is named" "$OUT$ERR" "the card of fraud v1 is not the one ledger entry"
expect 1 "audit verify reconciles the cards table" "$STEWARD" audit verify --db "$DB"
has "names the card" "$ERR" "cards: the card of fraud v1 is not the one the ledger recorded"
as lena card set fraud 1 --file "$TMPD/card.md" >/dev/null || fail "the card set again, as an act"
# --- separation of duties compares people, not spellings ---
D2=sha256:2222222222222222222222222222222222222222222222222222222222222222
D3=sha256:3333333333333333333333333333333333333333333333333333333333333333
as lena version add fraud --artifact s3://m/2 --digest "$D2" --author Rosa >/dev/null || fail "v2 by Rosa"
as lena version add fraud --artifact s3://m/3 --digest "$D3" --author rosa@bank.example >/dev/null || fail "v3"
R2=$(as lena promote request fraud 2 --to staging) || fail "request v2"
R3=$(as lena promote request fraud 3 --to staging) || fail "request v3"
expect 1 "'Rosa' is rosa" as rosa approve "$R2"
has "author refused" "$ERR" "rosa is the author of models:/fraud/2 (separation of duties)"
expect 1 "'rosa@bank.example' is rosa" as rosa approve "$R3"
has "author refused" "$ERR" "rosa is the author of models:/fraud/3"
expect 0 "ravi may approve v3" as ravi approve "$R3"

# --- a decision binds the evidence: a later card or metric makes it stale ---
expect 0 "request show" "$STEWARD" request show "$R3" --db "$DB" --json
SNAP=$(j '$.evidence_sha256')
has "the snapshot is shown" "$SNAP" "sha256:"
same "ravi's approval counts" "$(j '$.counted')" 1
expect 0 "a new metric after the approval" as lena metric set fraud 3 auc 0.97 --dataset holdout
SEQ=$(rows "SELECT max(seq) FROM ledger WHERE action = 'metric.set'")
expect 0 "request show after" "$STEWARD" request show "$R3" --db "$DB" --json
same "the stale approval no longer counts" "$(j '$.counted')" 0
has "says why and where" "$(j '$.decisions[0].why_not')" "stale: metric.set at #$SEQ changed the evidence since it was signed"
lacks "a new snapshot" "$(j '$.evidence_sha256')" "$SNAP"
expect 0 "plain request show says so too" "$STEWARD" request show "$R3" --db "$DB"
has "stale in the table" "$OUT" "stale: metric.set at #$SEQ"
expect 0 "ravi signs again over the new evidence" as ravi approve "$R3" --comment "re-reviewed"
expect 0 "and it counts" "$STEWARD" request show "$R3" --db "$DB" --json
same "one counts" "$(j '$.counted')" 1
expect 1 "but not twice over the same evidence" as ravi approve "$R3"
has "people, not keys" "$ERR" "ravi already signed a decision on request $R3"
expect 0 "audit verify accepts a re-review over new evidence" "$STEWARD" audit verify --db "$DB"

# --- the enrolled policy is the signed enrolment's text, whatever the tables say ---
cp "$STEWARD_TOP/policies/high.policy" "$TMPD/high.policy"
as ada policy enroll "$TMPD/high.policy" >/dev/null || fail "enrol"
PSEQ=$(rows "SELECT max(seq) FROM ledger WHERE action = 'policy.enroll'")
run "$STEWARD" gate fraud 3 --to staging --db "$DB"
BEFORE_RC=$RC BEFORE=$OUT
raw "UPDATE ledger SET body = CAST(replace(CAST(body AS TEXT), 'approvals', 'approvalz') AS BLOB) WHERE seq = $PSEQ"
expect 1 "an enrolment's text edited in the ledger" "$STEWARD" gate fraud 3 --to staging --db "$DB"
has "is caught at that entry" "$OUT$ERR" "ledger entry $PSEQ was altered outside steward"
raw "UPDATE ledger SET body = CAST(replace(CAST(body AS TEXT), 'approvalz', 'approvals') AS BLOB) WHERE seq = $PSEQ"
raw "UPDATE policies SET text = 'policy x'"
run "$STEWARD" gate fraud 3 --to staging --db "$DB"
same "the entry put back, the gate judges as before, whatever the policies table holds" "$RC:$OUT" "$BEFORE_RC:$BEFORE"
finish
