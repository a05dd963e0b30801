# audit.sh: audit log/verify/prove/consistency/verify-proof/export on the demo estate, and each tampering caught with its entry named.
. "$STEWARD_TOP/tests/lib.sh"

DB="$TMPD/demo.db"
export STEWARD_NOW=1790000000 # after the demo's history
expect 0 "demo --no-tui" "$STEWARD" demo --no-tui --db "$DB"
has "demo prints the personas" "$OUT" "passphrase \"demo-passphrase\""
has "demo names rosa" "$OUT" "rosa  risk-officer"
same "the demo's entries are dated in order" \
	"$(store_sql "$DB" "SELECT count(*) FROM ledger a JOIN ledger b ON b.seq = a.seq + 1 WHERE b.time < a.time")" 0
same "and all before the clock it was built at" "$(store_sql "$DB" "SELECT count(*) FROM ledger WHERE time > $STEWARD_NOW")" 0
N0=$(store_sql "$DB" "SELECT max(seq) FROM ledger")
# one more signed decision, so there are two checkpoints
K="$(store_local "$DB" -keys)"
RQ=$(store_sql "$DB" "SELECT r.id FROM requests r JOIN versions v ON v.id = r.version_id JOIN models m ON m.id = v.model_id
	WHERE m.name = 'collections-priority' AND r.state = 'open'")
expect 0 "ravi approves the pending collections-priority request" env STEWARD_PASSPHRASE=demo-passphrase "$STEWARD" approve "$RQ" --db "$DB" --key "$K/ravi.key"
expect 0 "which now passes its gate" "$STEWARD" gate collections-priority 5 --to production --db "$DB"
expect 0 "two checkpoints" "$STEWARD" audit verify --db "$DB"
has "checkpoint count" "$OUT" "2 checkpoints"

expect 0 "audit verify on the demo" "$STEWARD" audit verify --db "$DB"
has "verified" "$OUT" "verified:"
has "keyring version 7" "$OUT" "version 7"
N=$(store_sql "$DB" "SELECT max(seq) FROM ledger")
has "covers every entry" "$OUT" "(newest covers $N)"
expect 0 "audit verify --json" "$STEWARD" audit verify --db "$DB" --json
valid "audit verify"
same "ok" "$(j '$.ok')" 1
same "entries" "$(j '$.entries')" "$N"

expect 0 "audit log" "$STEWARD" audit log --db "$DB"
has "keyring first" "$(printf '%s\n' "$OUT" | sed -n 2p)" "keyring.init"
expect 0 "audit log --subject models:/fraud-scoring" "$STEWARD" audit log --db "$DB" --subject models:/fraud-scoring
has "fraud-scoring entries" "$OUT" "models:/fraud-scoring/8"
lacks "no other model" "$OUT" "credit-limit"
expect 0 "audit log --subject with a prefix that is not a path" "$STEWARD" audit log --db "$DB" --subject models:/fraud
lacks "prefix stops at /" "$OUT" "fraud-scoring"
expect 0 "audit log --json" "$STEWARD" audit log --db "$DB" --json
valid "audit log"
same "bodies are exact: seq inside" "$(j '$[0].body')" "$(store_sql "$DB" "SELECT CAST(body AS TEXT) FROM ledger WHERE seq = 1")"

# --- inclusion and consistency proofs ---
expect 0 "audit prove 5" "$STEWARD" audit prove 5 --db "$DB"
printf '%s\n' "$OUT" >"$TMPD/p5"
has "proof format" "$OUT" "steward inclusion proof v1"
expect 0 "verify-proof with the store" "$STEWARD" audit verify-proof "$TMPD/p5" --db "$DB"
has "what was proved" "$OUT" "entry 5 (keyring.add by ada)"
VKEY=$("$STEWARD" audit export "$TMPD/bundle" --db "$DB" | sed -n 's/^log verifier key (pin it): //p')
has "export prints the vkey" "$VKEY" "steward.local/"
expect 0 "verify-proof without the store (--vkey)" "$STEWARD" audit verify-proof "$TMPD/p5" --vkey "$VKEY" --db "$TMPD/none.db"
expect 0 "verify-proof from stdin" sh -c "\"$STEWARD\" audit verify-proof - --vkey '$VKEY' <'$TMPD/p5'"
sed 's/^seq 5$/seq 6/' "$TMPD/p5" >"$TMPD/p5x"
expect 1 "a proof moved to another entry" "$STEWARD" audit verify-proof "$TMPD/p5x" --db "$DB"
has "does not verify" "$ERR" "does not verify"
sed '/^path /{s/^path A/path B/;t;s/^path ./path A/}' "$TMPD/p5" >"$TMPD/p5y"
expect 1 "a proof with an altered hash" "$STEWARD" audit verify-proof "$TMPD/p5y" --db "$DB"
sed 's/^\(— steward.local[^ ]* \)A/\1B/; t; s/^\(— steward.local[^ ]* \)./\1A/' "$TMPD/p5" >"$TMPD/p5z"
expect 1 "a proof with a forged checkpoint" "$STEWARD" audit verify-proof "$TMPD/p5z" --db "$DB"
has "checkpoint named" "$ERR" "checkpoint"
printf 'hello\n' >"$TMPD/junk"
expect 1 "not a proof" "$STEWARD" audit verify-proof "$TMPD/junk" --db "$DB"
has "names the file" "$ERR" "$TMPD/junk"
expect 2 "bad vkey" "$STEWARD" audit verify-proof "$TMPD/p5" --vkey nonsense
expect 1 "prove beyond the end" "$STEWARD" audit prove 100000 --db "$DB"
has "not covered" "$ERR" "not covered by the newest checkpoint"
expect 2 "prove junk" "$STEWARD" audit prove abc --db "$DB"

expect 0 "audit consistency 10" "$STEWARD" audit consistency 10 --db "$DB"
printf '%s\n' "$OUT" >"$TMPD/c10"
expect 0 "verify consistency proof" "$STEWARD" audit verify-proof "$TMPD/c10" --vkey "$VKEY"
has "prefix proved" "$OUT" "tree of 10 entries is a prefix of its signed tree of $N"
expect 0 "audit consistency from the first checkpoint" "$STEWARD" audit consistency "$N0" --db "$DB"
printf '%s\n' "$OUT" >"$TMPD/cN0"
expect 0 "verify it" "$STEWARD" audit verify-proof "$TMPD/cN0" --vkey "$VKEY"
has "old checkpoint checked too" "$OUT" "tree of $N0 entries (signed checkpoint) is a prefix of its signed tree of $N"
sed 's/^old 10$/old 11/' "$TMPD/c10" >"$TMPD/c11"
expect 1 "consistency proof for another size" "$STEWARD" audit verify-proof "$TMPD/c11" --vkey "$VKEY"
expect 1 "consistency from beyond the end" "$STEWARD" audit consistency 100000 --db "$DB"

# --- bundles ---
expect 0 "verify the bundle, pinned" "$STEWARD" audit verify --bundle "$TMPD/bundle" --vkey "$VKEY"
has "bundle verified" "$OUT" "bundle $TMPD/bundle verified"
expect 0 "verify the bundle, unpinned" "$STEWARD" audit verify --bundle "$TMPD/bundle"
has "warns when unpinned" "$ERR" "pin it with --vkey"
expect 1 "export into an existing directory" "$STEWARD" audit export "$TMPD/bundle" --db "$DB"
"$STEWARD" demo --no-tui --db "$TMPD/other.db" >/dev/null || fail "second demo"
OTHER=$("$STEWARD" audit export "$TMPD/ob" --db "$TMPD/other.db" | sed -n 's/^log verifier key (pin it): //p')
expect 1 "a bundle from another log under a pinned key" "$STEWARD" audit verify --bundle "$TMPD/ob" --vkey "$VKEY"
has "names both keys" "$ERR" "not the pinned"
cp -r "$TMPD/bundle" "$TMPD/b1"
sed -i '7s/"actor":"ada"/"actor":"eve"/' "$TMPD/b1/entries.jsonl"
expect 1 "bundle with an edited entry" "$STEWARD" audit verify --bundle "$TMPD/b1" --vkey "$VKEY"
has "names entry 7" "$ERR" "ledger entry 7"
cp -r "$TMPD/bundle" "$TMPD/b2"
sed -i '3d' "$TMPD/b2/entries.jsonl"
expect 1 "bundle with a deleted entry" "$STEWARD" audit verify --bundle "$TMPD/b2" --vkey "$VKEY"
has "names entry 3" "$ERR" "ledger entry 3"
cp -r "$TMPD/bundle" "$TMPD/b3"
head -n 20 "$TMPD/bundle/entries.jsonl" >"$TMPD/b3/entries.jsonl"
expect 1 "bundle truncated below a checkpoint" "$STEWARD" audit verify --bundle "$TMPD/b3" --vkey "$VKEY"
has "truncation named" "$ERR" "truncated"
cp -r "$TMPD/bundle" "$TMPD/b4"
sed -i 's/"risk-officer"/"admin"/' "$TMPD/b4/keyring.json"
expect 1 "bundle with an edited keyring history" "$STEWARD" audit verify --bundle "$TMPD/b4" --vkey "$VKEY"
has "keyring.json named" "$ERR" "keyring.json"
expect 1 "no bundle there" "$STEWARD" audit verify --bundle "$TMPD/nothing"
# Checkpoints removed and the last entry deleted: nothing is signed any more.
cp -r "$TMPD/bundle" "$TMPD/b5"
rm "$TMPD/b5/checkpoints/"*
sed -i '$d' "$TMPD/b5/entries.jsonl"
expect 1 "a bundle without checkpoints, pinned" "$STEWARD" audit verify --bundle "$TMPD/b5" --vkey "$VKEY"
has "nothing signed" "$ERR" "holds $((N - 1)) entries and no checkpoint: nothing in it is signed by the pinned log key"
expect 1 "not even with --allow-unsigned-tail" "$STEWARD" audit verify --bundle "$TMPD/b5" --vkey "$VKEY" --allow-unsigned-tail
expect 0 "unpinned it only agrees with itself" "$STEWARD" audit verify --bundle "$TMPD/b5"
has "and says so" "$OUT" "$((N - 1)) entries after the last checkpoint are not covered by a signature"
# The newest checkpoint removed: the entries after the one before are unsigned.
cp -r "$TMPD/bundle" "$TMPD/b6"
rm "$TMPD/b6/checkpoints/$(ls "$TMPD/b6/checkpoints" | tail -n 1)"
expect 1 "an unsigned tail, pinned" "$STEWARD" audit verify --bundle "$TMPD/b6" --vkey "$VKEY"
has "counted and named" "$ERR" "$((N - N0)) entries after the last checkpoint are not covered by a signature (entries $((N0 + 1)) to $N"
expect 0 "accepted when asked" "$STEWARD" audit verify --bundle "$TMPD/b6" --vkey "$VKEY" --allow-unsigned-tail
has "still said" "$OUT" "$((N - N0)) entries after the last checkpoint are not covered by a signature"
expect 0 "--json counts them" "$STEWARD" audit verify --bundle "$TMPD/b6" --vkey "$VKEY" --allow-unsigned-tail --json
same "unsigned entries" "$(j '$.unsigned_entries')" "$((N - N0))"
expect 2 "--allow-unsigned-tail is for bundles" "$STEWARD" audit verify --db "$DB" --allow-unsigned-tail
expect 0 "--vkey pins the store's log key too" "$STEWARD" audit verify --vkey "$VKEY" --db "$DB"
expect 1 "and refuses another log's" "$STEWARD" audit verify --vkey "$OTHER" --db "$DB"
has "names both keys" "$ERR" "is signed by log key $VKEY, not the pinned $OTHER"

# --- tampering with the store: each caught, the entry named ---
# tamper NAME SQL: a copy of the store with the guard-rail triggers dropped and SQL applied.
tamper() {
	store_copy "$DB" "$TMPD/$1.db"
	cp "$(store_local "$DB" .logkey)" "$(store_local "$TMPD/$1.db" .logkey)"
	store_sql "$TMPD/$1.db" "DROP TRIGGER ledger_no_update; DROP TRIGGER ledger_no_delete;
		DROP TRIGGER checkpoints_no_delete; DROP TRIGGER approvals_no_update; $2" || fail "tamper $1"
}
run store_sql "$DB" "UPDATE ledger SET actor = 'eve' WHERE seq = 3"
if [ "$RC" -ne 0 ]; then ok; else fail "triggers let an UPDATE through"; fi
has "append-only" "$ERR" "the ledger is append-only"
tamper edit "UPDATE ledger SET body = CAST(replace(CAST(body AS TEXT), '\"actor\":\"ada\"', '\"actor\":\"eve\"') AS BLOB) WHERE seq = 4"
expect 1 "one edited entry" "$STEWARD" audit verify --db "$TMPD/edit.db"
has "names entry 4" "$ERR" "ledger entry 4: body does not hash to its stored leaf (edited)"
tamper del "DELETE FROM ledger WHERE seq = 9"
expect 1 "a deleted entry" "$STEWARD" audit verify --db "$TMPD/del.db"
has "names entry 9" "$ERR" "ledger entry 9: missing"
expect 1 "the gate refuses a ledger with a hole in it" "$STEWARD" gate collections-priority 5 --to production --db "$TMPD/del.db"
has "counted against its numbering" "$ERR" "the ledger holds $((N - 1)) entries numbered up to $N: entries were removed outside steward"
# The count goes through the actors' index on SQLite (the narrowest): without it, the plain count.
if [ "${STEWARD_STORE:-sqlite}" = sqlite ]; then
	tamper delnoidx "DELETE FROM ledger WHERE seq = 9; DROP INDEX ledger_actor"
	expect 1 "the hole is counted with the actors' index dropped" "$STEWARD" gate collections-priority 5 --to production --db "$TMPD/delnoidx.db"
	has "counted without that index" "$ERR" "the ledger holds $((N - 1)) entries numbered up to $N: entries were removed outside steward"
	tamper noidx "DROP INDEX ledger_actor"
	expect 0 "and a whole ledger still passes the gate's count" "$STEWARD" gate collections-priority 5 --to production --db "$TMPD/noidx.db"
fi
tamper swap "UPDATE ledger SET seq = 100000 WHERE seq = 12; UPDATE ledger SET seq = 12 WHERE seq = 13; UPDATE ledger SET seq = 13 WHERE seq = 100000"
expect 1 "two swapped entries" "$STEWARD" audit verify --db "$TMPD/swap.db"
has "names entry 12" "$ERR" "ledger entry 12"
tamper trunc "DELETE FROM ledger WHERE seq > 30"
expect 1 "truncated below a checkpoint" "$STEWARD" audit verify --db "$TMPD/trunc.db"
has "names the cut" "$ERR" "ledger entry 31: missing: a checkpoint signed"
# Cut with its checkpoints too: the hashes alone cannot tell (an auditor's kept
# checkpoint or bundle can), but the tables still hold what the cut entries made.
tamper trunc2 "DELETE FROM ledger WHERE seq > 30; DELETE FROM checkpoints WHERE size > 30"
expect 1 "truncated with its checkpoints dropped too" "$STEWARD" audit verify --db "$TMPD/trunc2.db"
has "tables disagree" "$ERR" "differs from the decision this entry recorded"
tamper role "INSERT INTO principal_roles(principal_id, role, granted_ver) SELECT id, 'admin', 7 FROM principals WHERE name = 'otto'"
expect 1 "a role granted outside the ledger" "$STEWARD" audit verify --db "$TMPD/role.db"
has "names the role" "$ERR" "otto holds role admin, which the ledger never granted"
if [ "$STORE_ENGINE" = postgres ]; then # an envelope is bytea there
	tamper appr "UPDATE approvals SET envelope = convert_to(replace(convert_from(envelope, 'UTF8'), 'sig\":\"', 'sig\":\"A'), 'UTF8') WHERE id = 1"
else
	tamper appr "UPDATE approvals SET envelope = CAST(replace(CAST(envelope AS TEXT), 'sig\":\"', 'sig\":\"A') AS BLOB) WHERE id = 1"
fi
expect 1 "an approval row changed" "$STEWARD" audit verify --db "$TMPD/appr.db"
has "names the approval" "$ERR" "approval 1 in the table differs"

# --- verifying on several threads: the same first entry and reason as on one ---
for bad in 0 -1 x 257 2x ""; do
	expect 2 "--jobs '$bad' is refused" "$STEWARD" audit verify --db "$DB" --jobs "$bad"
	has "naming the option" "$ERR" "--jobs '$bad': expected a number of threads from 1 to 256"
done
expect 0 "verify on three threads" "$STEWARD" audit verify --db "$DB" --jobs 3
has "says what it cost" "$OUT" "s CPU (3 threads checking hashes and signatures)"
expect 0 "verify on one thread" "$STEWARD" audit verify --db "$DB" --jobs 1
has "says so" "$OUT" "s CPU (one thread)"
same "no progress bytes when stderr is not a terminal" "$ERR" ""
# On a terminal (script(1) gives it one) a progress line counts the entries, and --quiet drops it.
script -qc "'$STEWARD' audit verify --db '$DB'" /dev/null >"$TMPD/pty.out" 2>&1 || fail "verify on a terminal"
has "progress on a terminal" "$(cat "$TMPD/pty.out")" "verifying the ledger: $N/$N entries"
script -qc "'$STEWARD' audit verify --db '$DB' --quiet" /dev/null >"$TMPD/pty.out" 2>&1 || fail "verify --quiet on a terminal"
lacks "none with --quiet" "$(cat "$TMPD/pty.out")" "verifying the ledger"
has "which still reports" "$(cat "$TMPD/pty.out")" "verified:"
expect 0 "verify --json on one thread" "$STEWARD" audit verify --db "$DB" --jobs 1 --json
same "jobs" "$(j '$.jobs')" 1
same "wall seconds are a number" "$(jtype '$.wall_seconds')" real
same "CPU seconds are a number" "$(jtype '$.cpu_seconds')" real
# Where the time went, phase by phase, each within the whole run's.
for ph in ledger tables tree reconcile workers; do
	same "phase $ph's wall seconds are a number" "$(jtype "\$.phases.$ph.wall_seconds")" real
	same "phase $ph's CPU seconds are a number" "$(jtype "\$.phases.$ph.cpu_seconds")" real
done
same "the phases take no longer than the run" \
	"$(printf '%s\n' "$OUT" | python3 -c 'import json,sys; o=json.load(sys.stdin); print(sum(p["wall_seconds"] for p in o["phases"].values()) <= o["wall_seconds"] + 1e-6)')" True
expect 0 "verify in text" "$STEWARD" audit verify --db "$DB" --jobs 1
has "names the phases" "$OUT" "phases:   ledger "
has "down to the workers" "$OUT" ", workers "
MID=$((N / 2))
LATE=$(store_sql "$DB" "SELECT max(seq) FROM ledger WHERE sig IS NOT NULL AND sig <> '' AND seq < $N")
OTHERSIG=$(store_sql "$DB" "SELECT min(seq) FROM ledger WHERE sig IS NOT NULL AND sig <> '' AND seq <> $LATE")
# A stored leaf changed in the middle and a signature swapped near the end: the middle one is named.
tamper two "UPDATE ledger SET leaf = (SELECT leaf FROM ledger WHERE seq = 1) WHERE seq = $MID;
	UPDATE ledger SET sig = (SELECT sig FROM ledger WHERE seq = $OTHERSIG) WHERE seq = $LATE"
tamper late "UPDATE ledger SET sig = (SELECT sig FROM ledger WHERE seq = $OTHERSIG) WHERE seq = $LATE"
for jobs in 1 2 4; do
	expect 1 "two tampered entries, --jobs $jobs" "$STEWARD" audit verify --db "$TMPD/two.db" --jobs "$jobs"
	has "names the middle one" "$ERR" "ledger entry $MID: body does not hash to its stored leaf (edited)"
	eval "TWO_$jobs=\$ERR"
	expect 1 "a forged signature near the end, --jobs $jobs" "$STEWARD" audit verify --db "$TMPD/late.db" --jobs "$jobs"
	has "names it" "$ERR" "ledger entry $LATE: "
	has "as forged" "$ERR" "does not verify (forged or altered)"
	eval "LATE_$jobs=\$ERR"
done
same "two threads report what one does" "$TWO_2" "$TWO_1"
same "four threads report what one does" "$TWO_4" "$TWO_1"
same "the forged signature the same on two threads" "$LATE_2" "$LATE_1"
same "and on four" "$LATE_4" "$LATE_1"
# A bundle: a signature line near the end swapped for another entry's.
cp -r "$TMPD/bundle" "$TMPD/b9"
NB9=$(wc -l <"$TMPD/b9/signatures.txt")
L9=$(awk '$0 != "-" { n = NR } END { print n }' "$TMPD/b9/signatures.txt")
S9=$(awk '$0 != "-" { print; exit }' "$TMPD/b9/signatures.txt")
awk -v l="$L9" -v s="$S9" 'NR == l { print s; next } { print }' "$TMPD/bundle/signatures.txt" >"$TMPD/b9/signatures.txt"
same "the bundle's signatures kept their count" "$(wc -l <"$TMPD/b9/signatures.txt")" "$NB9"
for jobs in 1 3; do
	expect 1 "bundle with a swapped signature, --jobs $jobs" "$STEWARD" audit verify --bundle "$TMPD/b9" --jobs "$jobs"
	has "names its entry" "$ERR" "ledger entry $L9: "
	eval "B9_$jobs=\$ERR"
done
same "the bundle's report is the same on three threads" "$B9_3" "$B9_1"

# --- the cards table, read in one pass beside the versions: each version's own card ---
CV=$(store_sql "$DB" "SELECT v.id FROM cards c JOIN versions v ON v.id = c.version_id GROUP BY v.id ORDER BY v.id LIMIT 1 OFFSET 20")
CV2=$(store_sql "$DB" "SELECT min(version_id) FROM cards WHERE version_id > $CV")
CNAME=$(store_sql "$DB" "SELECT m.name || ' v' || v.version FROM versions v JOIN models m ON m.id = v.model_id WHERE v.id = $CV")
CNAME2=$(store_sql "$DB" "SELECT m.name || ' v' || v.version FROM versions v JOIN models m ON m.id = v.model_id WHERE v.id = $CV2")
tamper cardgone "DELETE FROM cards WHERE version_id = $CV"
expect 1 "a card removed from the middle of the table" "$STEWARD" audit verify --db "$TMPD/cardgone.db"
has "names that version" "$ERR" "cards: the card of $CNAME is not the one the ledger recorded (its sections hash differently)"
tamper cardmove "UPDATE cards SET version_id = $CV, position = 1000, section = 'Moved here' WHERE version_id = $CV2
	AND position = (SELECT max(position) FROM cards WHERE version_id = $CV2)"
same "one section moved" "$(store_sql "$TMPD/cardmove.db" "SELECT count(*) FROM cards WHERE version_id = $CV AND position = 1000")" 1
expect 1 "a section moved to the card of the version before" "$STEWARD" audit verify --db "$TMPD/cardmove.db"
has "names the first of the two" "$ERR" "cards: the card of $CNAME is not the one the ledger recorded (its sections hash differently)"
expect 0 "the untouched store still verifies, every card read in one pass" "$STEWARD" audit verify --db "$DB"

# --- every derived table against what the replay saw: each edit is caught, and named as before ---
PR=$(store_sql "$DB" "SELECT min(id) FROM requests WHERE kind = 'promotion'")
PRNAME=$(store_sql "$DB" "SELECT m.name FROM requests r JOIN versions v ON v.id = r.version_id JOIN models m ON m.id = v.model_id WHERE r.id = $PR")
PRSEQ=$(store_sql "$DB" "SELECT seq FROM requests WHERE id = $PR")
PS=$(store_sql "$DB" "SELECT min(seq) FROM promotions")
PSNAME=$(store_sql "$DB" "SELECT m.name || ' v' || v.version FROM promotions p JOIN versions v ON v.id = p.version_id JOIN models m ON m.id = v.model_id WHERE p.seq = $PS")
OTHERV=$(store_sql "$DB" "SELECT max(p2.version_id) FROM promotions p, promotions p2 WHERE p.seq = $PS AND p2.version_id <> p.version_id")
AV=$(store_sql "$DB" "SELECT v.id FROM versions v JOIN models m ON m.id = v.model_id WHERE EXISTS (SELECT 1 FROM ledger l
	WHERE l.action = 'version.set' AND l.subject = 'models:/' || m.name || '/' || v.version) ORDER BY v.id LIMIT 1")
AVNAME=$(store_sql "$DB" "SELECT m.name || ' v' || v.version FROM versions v JOIN models m ON m.id = v.model_id WHERE v.id = $AV")
EMV=$(store_sql "$DB" "SELECT min(version_id) FROM eval_metrics")
EMN=$(store_sql "$DB" "SELECT min(name) FROM eval_metrics WHERE version_id = $EMV")
EM=$(store_sql "$DB" "SELECT m.name || ' v' || v.version || ' metric $EMN' FROM versions v JOIN models m ON m.id = v.model_id WHERE v.id = $EMV")
[ -n "$PR" ] && [ -n "$PS" ] && [ -n "$OTHERV" ] && [ -n "$AV" ] && [ -n "$EM" ] || fail "the demo has requests, promotions, versions and metrics"
tamper reqwho "UPDATE requests SET requester = 'mallory' WHERE id = $PR"
expect 1 "a request's requester edited" "$STEWARD" audit verify --db "$TMPD/reqwho.db"
has "names the request and its entry" "$ERR" "requests: $PRNAME request $PR (by mallory"
tamper reqto "UPDATE requests SET to_stage = 'elsewhere' WHERE id = $PR"
expect 1 "a request's target stage edited" "$STEWARD" audit verify --db "$TMPD/reqto.db"
has "names it" "$ERR" "to elsewhere) differs from ledger entry $PRSEQ"
tamper reqseq "UPDATE requests SET seq = seq + 1 WHERE id = $PR"
expect 1 "a request pointed at another entry" "$STEWARD" audit verify --db "$TMPD/reqseq.db"
has "names it" "$ERR" "requests: $PRNAME request $PR"
tamper promalias "UPDATE promotions SET alias = 'elsewhere' WHERE seq = $PS"
expect 1 "a promotion's alias edited" "$STEWARD" audit verify --db "$TMPD/promalias.db"
has "names the promotion and its entry" "$ERR" "promotions: $PSNAME to elsewhere"
tamper promver "UPDATE promotions SET version_id = $OTHERV WHERE seq = $PS"
expect 1 "a promotion moved to another version" "$STEWARD" audit verify --db "$TMPD/promver.db"
has "names the entry" "$ERR" "is not what ledger entry $PS recorded"
tamper verauthor "UPDATE versions SET author = 'mallory' WHERE id = $AV"
expect 1 "a version's author edited" "$STEWARD" audit verify --db "$TMPD/verauthor.db"
has "names the version" "$ERR" "versions: $AVNAME has digest"
tamper metricval "UPDATE eval_metrics SET value = value + 0.000001 WHERE version_id = $EMV AND name = '$EMN'"
expect 1 "a metric nudged in its last digits" "$STEWARD" audit verify --db "$TMPD/metricval.db"
has "names the metric" "$ERR" "eval_metrics: $EM"

# --- time runs forward ---
# ada's alias move on a copy, at the clock moved by SECONDS.
move_at() {
	env STEWARD_NOW=$((STEWARD_NOW + $2)) STEWARD_PASSPHRASE=demo-passphrase "$STEWARD" alias set search-ranking staging "${3:-6}" \
		--db "$TMPD/$1.db" --key "$K/ada.key"
}
tamper clamp ""
LASTT=$(store_sql "$TMPD/clamp.db" "SELECT max(time) FROM ledger")
expect 0 "a write with the clock two minutes back" move_at clamp -120
same "is dated at the entry before it" "$(store_sql "$TMPD/clamp.db" "SELECT time FROM ledger ORDER BY seq DESC LIMIT 1")" "$LASTT"
expect 0 "and the ledger verifies" "$STEWARD" audit verify --db "$TMPD/clamp.db"
tamper behind ""
NB=$(($(store_sql "$TMPD/behind.db" "SELECT max(seq) FROM ledger") + 1))
expect 1 "a write with the clock an hour back is recorded, not signed" move_at behind -3600
has "the signer names the entry dated ahead of its clock" "$ERR" \
	"the change is recorded, but signing its checkpoint failed: ledger entry $NB: time 2026-09-21T14:13:20Z is later than now (2026-09-21T13:13:20Z) plus 300 seconds"
expect 0 "with the clock back, the next write signs both" move_at behind 0 7
has "covered" "$("$STEWARD" audit verify --db "$TMPD/behind.db")" "(newest covers $((NB + 1)))"
tamper future ""
expect 0 "a write with the clock a day ahead (its signer's clock agrees)" move_at future 86400
NF=$(store_sql "$TMPD/future.db" "SELECT max(seq) FROM ledger")
expect 1 "it is dated in the future at the suite's clock" "$STEWARD" audit verify --db "$TMPD/future.db"
has "names the entry and both times" "$ERR" "ledger entry $NF: time 2026-09-22T14:13:20Z is later than now (2026-09-21T14:13:20Z) plus 300 seconds: dated in the future"
expect 0 "and verifies a day later" env STEWARD_NOW=$((STEWARD_NOW + 86400)) "$STEWARD" audit verify --db "$TMPD/future.db"
expect 0 "up to the allowed skew ahead is fine" env STEWARD_NOW=$((STEWARD_NOW + 86400 - 300)) "$STEWARD" audit verify --db "$TMPD/future.db"
# An attacker moves the last entry's time column back, so the next write's
# body is dated before it: the signer refuses it, and verify names it.
tamper back "UPDATE ledger SET time = 0 WHERE seq = (SELECT max(seq) FROM ledger)"
NB=$(($(store_sql "$TMPD/back.db" "SELECT max(seq) FROM ledger") + 1))
expect 1 "a write an hour back on the altered copy" move_at back -3600
has "is not signed" "$ERR" "signing its checkpoint failed: ledger entry $NB: time 2026-09-21T13:13:20Z is earlier than entry $((NB - 1))'s 2026-09-21T14:13:20Z"
expect 1 "an entry dated before the one it follows" "$STEWARD" audit verify --db "$TMPD/back.db"
# verify names the row the attacker edited: its time column no longer says what its body says
has "names the edited entry and its time column" "$ERR" "ledger entry $((NB - 1)): its time column says 0 but its body says"

finish
