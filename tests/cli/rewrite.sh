# rewrite.sh: a history rewritten in the store (a signed rejection deleted, then one ordinary write) and a replaced log key, caught by the signer's witness, kept checkpoints and a pinned key.
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
"$STEWARD" key gen ada --out "$K/ada.key" >/dev/null || fail "key ada"
"$STEWARD" init --db "$DB" --admin ada --admin-key "$K/ada.key" >/dev/null || fail "init"
for p in lena:ml-lead rosa:risk-officer; do
	n=${p%%:*}
	"$STEWARD" key gen "$n" --out "$K/$n.key" >/dev/null || fail "key $n"
	as ada principal add "$n" --role "${p#*:}" --pubkey "$K/$n.key.pub" >/dev/null || fail "add $n"
done
as ada model add fraud --tier high --owner fraud-ops >/dev/null || fail "model"
as ada version add fraud --artifact s3://m/1 --digest "$D1" --author j.chen >/dev/null || fail "version"
as ada alias set fraud staging 1 >/dev/null || fail "staging"

# --- the witness and the kept checkpoint ---
[ -f "$(store_local "$DB" .witness)" ] && ok || fail "no witness beside the store"
same "witness mode" "$(stat -c %a "$(store_local "$DB" .witness)")" 600
expect 0 "audit checkpoint prints the newest signed note" "$STEWARD" audit checkpoint --db "$DB"
same "it is the witnessed one" "$OUT" "$(cat "$(store_local "$DB" .witness)")"
VKEY=$("$STEWARD" audit export "$TMPD/b0" --db "$DB" | sed -n 's/^log verifier key (pin it): //p')
expect 0 "audit verify prints the log's verifier key" "$STEWARD" audit verify --db "$DB"
has "whole key shown" "$OUT" "key $VKEY"
has "witness checked" "$OUT" "witness:  checkpoint $(store_sql "$DB" "SELECT max(seq) FROM ledger") kept in $(store_local "$DB" .witness) is in this history"
expect 0 "audit verify --vkey on the store" "$STEWARD" audit verify --db "$DB" --vkey "$VKEY"
expect 2 "a malformed --vkey" "$STEWARD" audit verify --db "$DB" --vkey nonsense
has "names the option" "$ERR" "--vkey: verifier key must be NAME+HASH+KEY"

# The rejection: request.open then approval.reject, the last two entries.
R=$(as lena promote request fraud 1 --to production) || fail "request"
expect 0 "rosa rejects" as rosa reject "$R" --comment "the holdout leaks labels"
N=$(store_sql "$DB" "SELECT max(seq) FROM ledger")
expect 0 "the auditor keeps the checkpoint" "$STEWARD" audit checkpoint --db "$DB" --out "$TMPD/kept.note"
has "says what it kept" "$OUT" "kept checkpoint $N of steward.local/"
expect 0 "the kept checkpoint is in the history" "$STEWARD" audit verify --db "$DB" --vkey "$VKEY" \
	--checkpoint "$TMPD/kept.note" "$TMPD/b0/checkpoints/$(ls "$TMPD/b0/checkpoints" | tail -n 1)"
has "both counted" "$OUT" "kept:     2 checkpoints from --checkpoint in this history"
expect 0 "--json" "$STEWARD" audit checkpoint --db "$DB" --json
valid "audit checkpoint --json"
same "size" "$(j '$.size')" "$N"
same "vkey" "$(j '$.vkey')" "$VKEY"
store_copy "$DB" "$TMPD/clean.db"
cp "$(store_local "$DB" .logkey)" "$(store_local "$TMPD/clean.db" .logkey)"
cp "$(store_local "$DB" .witness)" "$(store_local "$TMPD/clean.db" .witness)"

# --- the rewrite: the rejection's entries, checkpoints and rows deleted ---
# A rewrite that leaves the Merkle nodes those entries completed is seen by them alone.
store_copy "$DB" "$TMPD/sloppy.db"
cp "$(store_local "$DB" .logkey)" "$(store_local "$TMPD/sloppy.db" .logkey)"
store_sql "$TMPD/sloppy.db" "DROP TRIGGER ledger_no_delete; DROP TRIGGER checkpoints_no_delete; DROP TRIGGER approvals_no_delete;
	DELETE FROM ledger WHERE seq >= $((N - 1)); DELETE FROM checkpoints WHERE size >= $((N - 1));
	DELETE FROM approvals WHERE request_id = $R; DELETE FROM requests WHERE id = $R" || fail "sloppy rewrite"
expect 1 "entries removed but not their tree nodes: audit verify names the node" "$STEWARD" audit verify --db "$TMPD/sloppy.db"
has "the stored node outlives its entries" "$ERR" "should not exist: the ledger has no such entries"
# The careful attacker removes the nodes too.
store_sql "$DB" "DROP TRIGGER ledger_no_delete; DROP TRIGGER checkpoints_no_delete; DROP TRIGGER approvals_no_delete;
	DROP TRIGGER ledger_nodes_no_delete; DELETE FROM ledger_nodes WHERE seq >= $((N - 1));
	DELETE FROM ledger WHERE seq >= $((N - 1)); DELETE FROM checkpoints WHERE size >= $((N - 1));
	DELETE FROM approvals WHERE request_id = $R; DELETE FROM requests WHERE id = $R" || fail "rewrite"
expect 1 "an ordinary write: its checkpoint is refused" as ada alias set fraud canary 1
has "by the witness" "$ERR" "the change is recorded, but signing its checkpoint failed: the ledger no longer contains the history of checkpoint $N witnessed in $(store_local "$DB" .witness): entries were removed or changed"
same "nothing signed" "$(store_sql "$DB" "SELECT max(size) FROM checkpoints")" "$((N - 2))"
expect 1 "audit verify fails against the witness" "$STEWARD" audit verify --db "$DB"
has "names the witness" "$ERR" "checkpoint $N witnessed in $(store_local "$DB" .witness): entries were removed or changed"
# Beyond the threat model (the witness sits beside the log key): removed too,
# the next write signs the rewritten history, and only a checkpoint kept
# elsewhere can tell.
rm "$(store_local "$DB" .witness)"
expect 0 "without the witness the next write signs" as ada alias set fraud canary 1
expect 0 "and the store alone verifies" "$STEWARD" audit verify --db "$DB" --vkey "$VKEY"
expect 1 "but not against the kept checkpoint" "$STEWARD" audit verify --db "$DB" --vkey "$VKEY" --checkpoint "$TMPD/kept.note"
has "names the file" "$ERR" "the ledger no longer contains the history of checkpoint $N kept in $TMPD/kept.note: entries were removed or changed"
expect 0 "a fresh export" "$STEWARD" audit export "$TMPD/b1" --db "$DB"
expect 0 "verifies under the pinned key" "$STEWARD" audit verify --bundle "$TMPD/b1" --vkey "$VKEY"
expect 1 "but not against the kept checkpoint" "$STEWARD" audit verify --bundle "$TMPD/b1" --vkey "$VKEY" --checkpoint "$TMPD/kept.note"
has "bundle: names the file" "$ERR" "checkpoint $N kept in $TMPD/kept.note: entries were removed or changed"
"$STEWARD" audit export "$TMPD/b2" --db "$TMPD/clean.db" >/dev/null || fail "export the clean store"
expect 0 "an export from before the rewrite agrees with it" "$STEWARD" audit verify --bundle "$TMPD/b2" --vkey "$VKEY" --checkpoint "$TMPD/kept.note"
expect 1 "an export older than the kept checkpoint cannot show it" "$STEWARD" audit verify --bundle "$TMPD/b0" --vkey "$VKEY" --checkpoint "$TMPD/kept.note"

# --- kept checkpoints that are not what they claim ---
printf 'hello\n' >"$TMPD/junk.note"
expect 1 "a file that is not a checkpoint" "$STEWARD" audit verify --db "$TMPD/clean.db" --checkpoint "$TMPD/junk.note"
has "names it" "$ERR" "checkpoint $TMPD/junk.note: not a checkpoint"
expect 1 "a missing file" "$STEWARD" audit verify --db "$TMPD/clean.db" --checkpoint "$TMPD/none.note"
has "names the missing file" "$ERR" "$TMPD/none.note"
sed 's/^\([0-9]*\)$/9\1/' "$TMPD/kept.note" >"$TMPD/forged.note"
expect 1 "a checkpoint edited to claim another size" "$STEWARD" audit verify --db "$TMPD/clean.db" --checkpoint "$TMPD/forged.note"
has "signature refused" "$ERR" "checkpoint $TMPD/forged.note"
expect 2 "checkpoint files without --checkpoint" "$STEWARD" audit verify --db "$TMPD/clean.db" "$TMPD/kept.note"
has "usage names it" "$ERR" "kept checkpoints follow --checkpoint"
"$STEWARD" init --db "$TMPD/other.db" --admin ada --admin-key "$K/ada.key" >/dev/null || fail "other store"
expect 1 "another log's checkpoint" "$STEWARD" audit verify --db "$TMPD/other.db" --checkpoint "$TMPD/kept.note"
has "names the log" "$ERR" "a checkpoint of log steward.local/"
"$STEWARD" init --db "$TMPD/bare.db" >/dev/null || fail "bare store"
expect 1 "audit checkpoint on a store without a log key" "$STEWARD" audit checkpoint --db "$TMPD/bare.db"

# --- a replaced log key: a new pair, the witness gone, checkpoints signed again ---
S="$TMPD/swap.db"
store_copy "$TMPD/clean.db" "$S"
NAME=$(store_sql "$S" "SELECT value FROM meta WHERE key = 'log_key_name'")
NEWPUB=$(store_sql "$TMPD/other.db" "SELECT value FROM meta WHERE key = 'log_key_public'")
sed "s|^name: .*|name: $NAME|" "$(store_local "$TMPD/other.db" .logkey)" >"$(store_local "$S" .logkey)"
chmod 600 "$(store_local "$S" .logkey)"
store_sql "$S" "DROP TRIGGER checkpoints_no_delete; DELETE FROM checkpoints;
	UPDATE meta SET value = '$NEWPUB' WHERE key = 'log_key_public'" || fail "swap"
expect 0 "a write signs the whole history with the new key" "$STEWARD" alias set fraud canary 1 --db "$S" --key "$K/ada.key"
expect 0 "unpinned, the store verifies" "$STEWARD" audit verify --db "$S"
lacks "but shows another key" "$OUT" "key $VKEY"
has "same name" "$OUT" "log:      $NAME, key $NAME+"
expect 1 "the pinned key catches it" "$STEWARD" audit verify --db "$S" --vkey "$VKEY"
has "names both keys" "$ERR" "store $(store_uri "$S") is signed by log key $NAME+"
has "and the pinned one" "$ERR" "not the pinned $VKEY"
expect 1 "so does a checkpoint kept from before" "$STEWARD" audit verify --db "$S" --checkpoint "$TMPD/kept.note"
has "its signature no longer verifies" "$ERR" "checkpoint $TMPD/kept.note: "
expect 0 "an export of it" "$STEWARD" audit export "$TMPD/bs" --db "$S"
expect 1 "fails the pin too" "$STEWARD" audit verify --bundle "$TMPD/bs" --vkey "$VKEY"
has "bundle: not the pinned key" "$ERR" "not the pinned $VKEY"
finish
