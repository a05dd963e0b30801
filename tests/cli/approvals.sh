# approvals.sh: principals, roles, promotion requests and signed decisions, and every attack on them the issue names.
. "$STEWARD_TOP/tests/lib.sh"

DB="$TMPD/s.db"
K="$TMPD/keys"
mkdir -p "$K"
export STEWARD_PASSPHRASE=correct-horse-battery-staple XDG_CONFIG_HOME="$TMPD/cfg"
ADA="$TMPD/cfg/steward/keys/ada.key"
D1=sha256:1111111111111111111111111111111111111111111111111111111111111111
D2=sha256:2222222222222222222222222222222222222222222222222222222222222222

# as NAME CMD...: runs a steward command with NAME's key.
as() {
	who=$1
	shift
	"$STEWARD" "$@" --db "$DB" --key "$K/$who.key"
}
# rows SQL: a query on the store, for checking what was (not) written.
rows() { store_sql "$DB" "$1"; }

expect 0 "init --admin" "$STEWARD" init --db "$DB" --admin ada
has "init names the admin key" "$OUT" "$ADA"
cp "$ADA" "$K/ada.key" && cp "$ADA.pub" "$K/ada.key.pub"
for p in lena mei rosa rosa2 ravi otto sami mallory; do
	"$STEWARD" key gen "$p" --out "$K/$p.key" >/dev/null || fail "key gen $p"
done
expect 1 "init --admin twice" "$STEWARD" init --db "$DB" --admin eve --admin-key "$K/mallory.key"
has "second keyring refused" "$ERR" "already has a keyring"

# --- the keyring ---
expect 0 "add lena" as ada principal add lena --role ml-lead --pubkey "$K/lena.key.pub"
has "keyring version 2" "$OUT" "keyring version 2"
as ada principal add mei --role ml-lead --pubkey "$K/mei.key.pub" >/dev/null || fail "add mei"
as ada principal add rosa --role risk-officer --pubkey "$K/rosa.key.pub" >/dev/null || fail "add rosa"
expect 0 "second key for rosa" as ada principal add rosa --role risk-officer --pubkey "$K/rosa2.key.pub"
as ada principal add ravi --role risk-officer --pubkey "$K/ravi.key.pub" >/dev/null || fail "add ravi"
as ada principal add otto --role auditor --pubkey "$K/otto.key.pub" >/dev/null || fail "add otto"
as ada principal add sami --role sre --pubkey "$K/sami.key.pub" >/dev/null || fail "add sami"
expect 0 "principal list" "$STEWARD" principal list --db "$DB"
has "list shows the version" "$OUT" "keyring version 8"
has "rosa has two keys" "$(printf '%s\n' "$OUT" | grep -c 'v[45]  ')" "2"
expect 0 "principal list --json" "$STEWARD" principal list --db "$DB" --json
valid "principal list"
same "rosa's keys in JSON" "$(j '$.principals[5].keys[1].added')" 5

# only admins change the keyring; the dispatcher says who and what is missing
expect 1 "ml-lead cannot add principals" as lena principal add eve --role admin --pubkey "$K/mallory.key.pub"
has "role refusal names principal and roles" "$ERR" "lena (roles: ml-lead) may not run 'steward principal add': it needs one of admin"
expect 1 "key outside the keyring" as mallory promote request fraud 1 --to production
has "names the unknown key" "$ERR" "is not in this store's keyring"
expect 2 "acting without a key" "$STEWARD" principal add eve --role sre --pubkey "$K/mallory.key.pub" --db "$DB"
has "says to give --key" "$ERR" "give --key FILE (or set STEWARD_KEY)"
expect 0 "STEWARD_KEY stands for --key" env STEWARD_KEY="$K/ada.key" "$STEWARD" principal add mallory --role auditor --pubkey "$K/mallory.key.pub" --db "$DB"
expect 2 "unknown role" as ada principal add eve --role root --pubkey "$K/mallory.key.pub"
has "lists the roles" "$ERR" "unknown role 'root' (roles: admin, risk-officer, ml-lead, sre, auditor, pipeline)"
expect 1 "secret key as --pubkey" as ada principal add eve --role sre --pubkey "$K/mallory.key"
has "says it is secret" "$ERR" "is a secret key"
expect 1 "a key belongs to one principal" as ada principal add eve --role sre --pubkey "$K/lena.key.pub"
has "names the key" "$ERR" "already in the keyring"
expect 1 "last admin key cannot go" as ada principal revoke ada
has "keeps an admin" "$ERR" "last admin"
BEFORE=$(rows "SELECT count(*) FROM ledger")
expect 1 "wrong passphrase" env STEWARD_PASSPHRASE=wrong-horse "$STEWARD" principal add eve --role sre --pubkey "$K/mallory.key.pub" --db "$DB" --key "$K/ada.key"
has "wrong passphrase named" "$ERR" "wrong passphrase"
same "nothing recorded after a wrong passphrase" "$(rows "SELECT count(*) FROM ledger")" "$BEFORE"

# --- requests ---
as ada model add fraud --tier high --owner risk >/dev/null || fail "model add"
as ada version add fraud --artifact s3://m/1 --digest "$D1" --author lena >/dev/null || fail "v1"
as ada version add fraud --artifact s3://m/2 --digest "$D2" --author someone >/dev/null || fail "v2"
expect 0 "promote request" as mei promote request fraud 1 --to production --comment "Q1 refresh"
same "prints the request id" "$OUT" 1
expect 1 "same request twice" as mei promote request fraud 1 --to production
has "names the open request" "$ERR" "request 1 for fraud version 1 to production is already open"
expect 1 "auditor cannot request" as otto promote request fraud 2 --to production
expect 0 "request on version 2" as mei promote request fraud 2 --to staging
same "second id" "$OUT" 2
expect 1 "request on an unknown version" as mei promote request fraud 9 --to production
has "names the version" "$ERR" "no version 9"
expect 1 "bad stage" as mei promote request fraud 1 --to "Prod uction"
has "bad stage named whole" "$ERR" 'stage: alias "Prod uction" must start with a lowercase letter'

# --- decisions and the counting rules ---
expect 1 "self-approval by the author" as lena approve 1
has "author refused" "$ERR" "lena is the author of models:/fraud/1 (separation of duties)"
expect 1 "approval by the requester" as mei approve 2
has "requester refused" "$ERR" "mei requested this promotion"
expect 1 "auditor cannot approve" as otto approve 1
has "auditor role refused" "$ERR" "it needs one of"
expect 1 "claiming a role not held" as sami approve 1 --role risk-officer
has "role refused" "$ERR" "does not hold role risk-officer"
expect 0 "risk officer approves" as rosa approve 1 --comment "validation reviewed"
has "approval id" "$OUT" "approval 1"
expect 1 "the same person with a second key" as rosa2 approve 1
has "people, not keys" "$ERR" "rosa already signed a decision on request 1"
expect 0 "ravi approves with a short validity" as ravi approve 1 --ttl 1h
expect 0 "request show" "$STEWARD" request show 1 --db "$DB"
has "digest shown" "$OUT" "$D1"
has "needs shown" "$OUT" "0/1 ml-lead, 2/1 risk-officer"
expect 0 "request show --json" "$STEWARD" request show 1 --db "$DB" --json
valid "request show"
same "two count" "$(j '$.counted')" 2
same "first counts" "$(j '$.decisions[0].counts')" 1
# an hour and a minute later ravi's approval has expired: shown, not counted
expect 0 "request show later" env STEWARD_NOW=$((STEWARD_NOW + 3660)) "$STEWARD" request show 1 --db "$DB"
has "expiry named" "$OUT" "no: expired at 2026-01-01T01:00:00Z"
expect 0 "approval list --request" "$STEWARD" approval list --request 1 --db "$DB" --json
same "two decisions" "$(j '$[#-1].id')" 2
expect 2 "--ttl beyond 90 days" as sami approve 1 --ttl 91d
has "ttl named" "$ERR" "--ttl '91d' is not a duration up to 90d"
expect 2 "bad request id" as sami approve x1
expect 1 "unknown request" as sami approve 99
has "names it" "$ERR" "no request 99"

# --- envelopes: exactly as stored, checkable by other tools ---
expect 0 "approval show --dsse" "$STEWARD" approval show 1 --db "$DB" --dsse
ENV=$OUT
printf '%s\n' "$ENV" >"$TMPD/env1.json"
# (PostgreSQL keeps them as bytea, which psql shows in hex unless asked for the text.)
if [ "$STORE_ENGINE" = postgres ]; then envcol="convert_from(envelope, 'UTF8')"; else envcol=envelope; fi
same "stored bytes" "$(rows "SELECT $envcol FROM approvals WHERE id = 1")" "$ENV"
printf '%s' "$ENV" >"$TMPD/json"
ptype=$(sqlite3 :memory: "SELECT json_extract(CAST(readfile('$TMPD/json') AS TEXT), '\$.payloadType')")
same "payloadType" "$ptype" "application/vnd.in-toto+json"
sqlite3 :memory: "SELECT json_extract(CAST(readfile('$TMPD/json') AS TEXT), '\$.payload')" | base64 -d >"$TMPD/payload"
sqlite3 :memory: "SELECT json_extract(CAST(readfile('$TMPD/json') AS TEXT), '\$.signatures[0].sig')" | base64 -d >"$TMPD/sig"
has "statement type" "$(cat "$TMPD/payload")" '"_type":"https://in-toto.io/Statement/v1"'
has "subject digest" "$(cat "$TMPD/payload")" '"sha256":"1111111111111111111111111111111111111111111111111111111111111111"'
has "predicate binds the request" "$(cat "$TMPD/payload")" '"request":1'
# Verify with openssl, not steward: PAE, then Ed25519 over it with rosa's public key.
plen=$(wc -c <"$TMPD/payload")
{ printf 'DSSEv1 28 application/vnd.in-toto+json %s ' "$plen"; cat "$TMPD/payload"; } >"$TMPD/pae"
pk=$(sed -n 's/^ed25519: //p' "$K/rosa.key.pub")
# SubjectPublicKeyInfo for Ed25519: a fixed 12-byte DER prefix, then the key.
{ printf '\060\052\060\005\006\003\053\145\160\003\041\000'; printf '%s' "$pk" | base64 -d; } >"$TMPD/rosa.der"
if openssl pkey -pubin -inform DER -in "$TMPD/rosa.der" -out "$TMPD/rosa.pem" 2>/dev/null &&
	openssl pkeyutl -verify -pubin -inkey "$TMPD/rosa.pem" -rawin -in "$TMPD/pae" -sigfile "$TMPD/sig" >/dev/null 2>&1; then
	ok
else
	fail "openssl does not verify the stored envelope"
fi

# --- attacks through submit ---
BEFORE=$(rows "SELECT count(*) FROM approvals")
expect 1 "replay: the same envelope again" "$STEWARD" approval submit 1 "$TMPD/env1.json" --db "$DB"
has "nonce reuse named" "$ERR" "nonce already used by approval 1 (replay)"
expect 1 "replay onto another request and version" "$STEWARD" approval submit 2 "$TMPD/env1.json" --db "$DB"
has "request binding named" "$ERR" "statement is for request 1, not request 2"
# a forged signature: one byte of the signature changed
printf '%s' "$ENV" | sed 's/"sig":"A/"sig":"#/; s/"sig":"[^#]/"sig":"A/; s/"sig":"#/"sig":"B/' >"$TMPD/forged.json"
expect 1 "forged signature" "$STEWARD" approval submit 1 "$TMPD/forged.json" --db "$DB"
has "forgery named" "$ERR" "does not verify"
# an altered payload under the old signature
printf '%s' "$ENV" | sed 's/"payload":"e/"payload":"f/' >"$TMPD/altered.json"
expect 1 "altered payload" "$STEWARD" approval submit 1 "$TMPD/altered.json" --db "$DB"
has "alteration named" "$ERR" "does not verify"
printf 'not json' >"$TMPD/junk.json"
expect 1 "junk envelope" "$STEWARD" approval submit 1 "$TMPD/junk.json" --db "$DB"
has "names the file" "$ERR" "$TMPD/junk.json"
expect 1 "missing envelope file" "$STEWARD" approval submit 1 "$TMPD/none.json" --db "$DB"
same "no attack recorded anything" "$(rows "SELECT count(*) FROM approvals")" "$BEFORE"

# --- revocation ---
expect 0 "revoke rosa's second key" as ada principal revoke rosa --key-id "$("$STEWARD" key show "$K/rosa2.key.pub" --json | sed -n 's/.*"key_id": *"\([0-9a-f]*\)".*/\1/p')"
expect 1 "a revoked key cannot sign" as rosa2 approve 2
has "revocation named" "$ERR" "was revoked at keyring version"
expect 0 "revoke ravi entirely" as ada principal revoke ravi
expect 1 "a revoked principal cannot sign" as ravi approve 2
has "principal revocation named" "$ERR" "principal ravi was revoked"
expect 0 "decisions signed before a revocation still count" "$STEWARD" request show 1 --db "$DB" --json
same "rosa's still counts" "$(j '$.decisions[0].counts')" 1
expect 0 "revoke a role" as ada principal revoke sami --role sre
expect 1 "sami holds no role now" as sami approve 1
expect 2 "key-id and role together" as ada principal revoke lena --key-id 0123456789abcdef --role ml-lead
expect 2 "bad key id" as ada principal revoke lena --key-id XYZ
expect 1 "revoke an unknown principal" as ada principal revoke nobody
has "names the principal" "$ERR" "no principal named nobody"

# --- rejection closes the request ---
expect 2 "reject needs a reason" as rosa reject 2
expect 0 "rosa rejects request 2" as rosa reject 2 --comment "card lacks the limitations section"
expect 1 "no decisions on a rejected request" as lena approve 2
has "rejected named" "$ERR" "request 2 is rejected, not open"
expect 0 "request list --all" "$STEWARD" request list --all --db "$DB"
has "rejected state listed" "$OUT" "rejected"
expect 0 "request list (open)" "$STEWARD" request list --db "$DB"
lacks "rejected hidden" "$OUT" "rejected"

# --- everything recorded in the ledger and verifiable ---
expect 0 "audit verify" "$STEWARD" audit verify --db "$DB"
has "verified" "$OUT" "verified"
expect 0 "audit log --actor rosa" "$STEWARD" audit log --db "$DB" --actor rosa
has "rosa's approval" "$OUT" "approval.approve"
has "rosa's rejection" "$OUT" "approval.reject"
lacks "only rosa" "$OUT" "keyring.add"
expect 0 "audit log --subject principal/rosa" "$STEWARD" audit log --db "$DB" --subject principal/rosa
same "rosa's keyring entries" "$(printf '%s\n' "$OUT" | grep -c keyring)" 3

finish
