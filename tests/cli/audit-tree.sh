# audit-tree.sh: the ledger's stored Merkle nodes: proofs built from them verify at every index and size, the migration fills them (and the next adds the requests' index by state), and a tampered, missing or extra node is named by audit verify while no false proof verifies.
. "$STEWARD_TOP/tests/lib.sh"

DB="$TMPD/tree.db"
export STEWARD_NOW=1790000000 # after the demo's history
expect 0 "demo --no-tui" "$STEWARD" demo --no-tui --db "$DB"
N=$(store_sql "$DB" "SELECT max(seq) FROM ledger")
S=$(store_sql "$DB" "SELECT max(size) FROM checkpoints")
same "the newest checkpoint covers the whole ledger" "$S" "$N"
VKEY=$("$STEWARD" audit export "$TMPD/bundle" --db "$DB" | sed -n 's/^log verifier key (pin it): //p')
has "export prints the vkey" "$VKEY" "steward.local/"

# One node per entry but one per set bit of the size: every perfect subtree the ledger completed.
popcount() { c=0 x=$1; while [ "$x" -gt 0 ]; do c=$((c + x % 2)); x=$((x / 2)); done; printf '%s' "$c"; }
same "one stored node per completed perfect subtree" "$(store_sql "$DB" "SELECT count(*) FROM ledger_nodes")" \
	$((N - $(popcount "$N")))
same "no node past the last entry, none at level 0" \
	"$(store_sql "$DB" "SELECT count(*) FROM ledger_nodes WHERE seq > $N OR level < 1")" 0

# Inclusion and consistency proofs from stored nodes verify against the checkpoint the signer
# computed from every leaf: every index and size up to 40, then a spread, and the last
# (test_merkle compares every index and size against the from-every-leaf proofs).
bad=0
i=1
while [ "$i" -le "$N" ]; do
	"$STEWARD" audit prove "$i" --db "$DB" >"$TMPD/p" 2>"$TMPD/e" &&
		"$STEWARD" audit verify-proof "$TMPD/p" --vkey "$VKEY" >/dev/null 2>&1 || { bad=$i; break; }
	"$STEWARD" audit consistency "$i" --db "$DB" >"$TMPD/c" 2>"$TMPD/e" &&
		"$STEWARD" audit verify-proof "$TMPD/c" --vkey "$VKEY" >/dev/null 2>&1 || { bad=c$i; break; }
	if [ "$i" -lt 40 ]; then i=$((i + 1)); elif [ "$i" -lt "$N" ] && [ $((i + 37)) -ge "$N" ]; then i=$N; else i=$((i + 37)); fi
done
same "every proof of the $N entries verifies (first failing)" "$bad" 0

# --- the migration fills the table for a store made before it ---
store_copy "$DB" "$TMPD/old.db"
cp "$(store_local "$DB" .logkey)" "$(store_local "$TMPD/old.db" .logkey)"
"$STEWARD" audit prove 3 --db "$DB" >"$TMPD/p3" || fail "prove 3"
if [ "${STORE_ENGINE:-sqlite}" = postgres ]; then
	store_sql "$TMPD/old.db" "DROP TABLE ledger_nodes; DROP INDEX requests_state; DROP INDEX ledger_moves; UPDATE schema_version SET version = 11" >/dev/null ||
		fail "back to schema 11"
else
	store_sql "$TMPD/old.db" "DROP TABLE ledger_nodes; DROP INDEX requests_state; DROP INDEX ledger_moves; PRAGMA user_version = 11" ||
		fail "back to schema 11"
fi
expect 1 "a read-only command on the old schema" "$STEWARD" audit prove 3 --db "$TMPD/old.db"
has "asks for an upgrade" "$ERR" "needs upgrading to 15"
expect 0 "init migrates it" "$STEWARD" init --db "$TMPD/old.db"
# 13: the requests' index by state, which :approvals pages by (queue-page.h)
IDX="SELECT count(*) FROM sqlite_master WHERE name = 'requests_state'"
[ "${STORE_ENGINE:-sqlite}" = postgres ] && IDX="SELECT count(*) FROM pg_indexes WHERE indexname = 'requests_state'"
same "the migration adds the requests' index by state" "$(store_sql "$TMPD/old.db" "$IDX")" 1
# 15: the alias moves by subject (record.c's walks read them from it alone)
same "the migration adds the alias moves' index" "$(store_sql "$TMPD/old.db" "$(printf '%s\n' "$IDX" | sed 's/requests_state/ledger_moves/')")" 1
HEX="hex(hash)"
[ "${STORE_ENGINE:-sqlite}" = postgres ] && HEX="encode(hash, 'hex')"
nodes() { store_sql "$1" "SELECT seq, level, $HEX FROM ledger_nodes ORDER BY seq, level"; }
NODES=$(nodes "$DB")
same "the nodes read as text, one line each" "$(printf '%s\n' "$NODES" | grep -c '^[0-9]*|[0-9]*|[0-9a-fA-F]\{64\}$')" \
	$((N - $(popcount "$N")))
same "the backfill made the same nodes" "$(nodes "$TMPD/old.db")" "$NODES"
expect 0 "the same proof after the migration" "$STEWARD" audit prove 3 --db "$TMPD/old.db"
same "byte for byte" "$OUT" "$(cat "$TMPD/p3")"
expect 0 "and the migrated store verifies" "$STEWARD" audit verify --db "$TMPD/old.db"

# --- tampering with the nodes (the attacker writes the store, holds no key) ---
run store_sql "$DB" "UPDATE ledger_nodes SET hash = hash WHERE seq = 4"
if [ "$RC" -ne 0 ]; then ok; else fail "triggers let an UPDATE of a node through"; fi
has "append-only" "$ERR" "the ledger is append-only"
tamper() {
	store_copy "$DB" "$TMPD/$1.db"
	cp "$(store_local "$DB" .logkey)" "$(store_local "$TMPD/$1.db" .logkey)"
	store_sql "$TMPD/$1.db" "DROP TRIGGER ledger_nodes_no_update; DROP TRIGGER ledger_nodes_no_delete; $2" >/dev/null ||
		fail "tamper $1"
}
# The node over entries 1..4 swapped for the one over 5..8.
tamper swap "UPDATE ledger_nodes SET hash = (SELECT hash FROM ledger_nodes WHERE seq = 8 AND level = 2) WHERE seq = 4 AND level = 2"
expect 0 "prove reads the tampered node" "$STEWARD" audit prove 5 --db "$TMPD/swap.db"
printf '%s\n' "$OUT" >"$TMPD/pswap"
expect 1 "and the proof does not verify against the signed checkpoint" "$STEWARD" audit verify-proof "$TMPD/pswap" --vkey "$VKEY"
has "says so" "$ERR" "does not verify"
expect 1 "with the store too" "$STEWARD" audit verify-proof "$TMPD/pswap" --db "$TMPD/swap.db"
expect 0 "a proof that does not read the node still verifies" "$STEWARD" audit prove 2 --db "$TMPD/swap.db"
printf '%s\n' "$OUT" >"$TMPD/p2"
expect 0 "(entry 2's path lies inside 1..4)" "$STEWARD" audit verify-proof "$TMPD/p2" --vkey "$VKEY"
expect 1 "audit verify catches the node" "$STEWARD" audit verify --db "$TMPD/swap.db"
has "names its level and index" "$ERR" "ledger_nodes: the node at level 2 index 0 (entries 1 to 4) differs from the hash of the entries below it"
expect 0 "a consistency proof across the tampered node" "$STEWARD" audit consistency 5 --db "$TMPD/swap.db"
printf '%s\n' "$OUT" >"$TMPD/cswap"
expect 1 "does not verify either" "$STEWARD" audit verify-proof "$TMPD/cswap" --vkey "$VKEY"

tamper gone "DELETE FROM ledger_nodes WHERE seq = 8 AND level = 3"
expect 0 "a missing node is computed from those below it" "$STEWARD" audit prove 9 --db "$TMPD/gone.db"
printf '%s\n' "$OUT" >"$TMPD/pgone"
expect 0 "so the proof still verifies" "$STEWARD" audit verify-proof "$TMPD/pgone" --vkey "$VKEY"
expect 1 "audit verify names the missing node" "$STEWARD" audit verify --db "$TMPD/gone.db"
has "missing, level 3 index 0" "$ERR" "the node at level 3 index 0 (entries 1 to 8) is missing"

tamper extra "INSERT INTO ledger_nodes(seq, level, hash) VALUES (3, 1, (SELECT hash FROM ledger_nodes WHERE seq = 2 AND level = 1))"
expect 1 "a node no entry completes" "$STEWARD" audit verify --db "$TMPD/extra.db"
has "named" "$ERR" "the node at level 1 index 0 (entries 2 to 3) should not exist"
tamper past "INSERT INTO ledger_nodes(seq, level, hash) VALUES ($((N + 2)), 1, (SELECT hash FROM ledger_nodes WHERE seq = 2 AND level = 1))"
expect 1 "a node past the ledger's end" "$STEWARD" audit verify --db "$TMPD/past.db"
has "named" "$ERR" "(entries $((N + 1)) to $((N + 2))) should not exist: the ledger has no such entries"

# A write after tampering still appends, and its own nodes are right when what it reads is.
tamper gone2 "DELETE FROM ledger_nodes WHERE seq = $N"
K="$(store_local "$DB" -keys)"
expect 0 "a governed write on the store missing its newest nodes" env STEWARD_PASSPHRASE=demo-passphrase \
	"$STEWARD" model add treecheck --tier low --owner risk --db "$TMPD/gone2.db" --key "$K/ada.key"
expect 1 "audit verify names what is still missing" "$STEWARD" audit verify --db "$TMPD/gone2.db"
has "the missing node" "$ERR" "is missing"

finish
