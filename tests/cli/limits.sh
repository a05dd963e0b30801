# limits.sh: bounded input: a card of 40,000 sections goes through card set and the gate; inputs that are not regular files are refused at once.
. "$STEWARD_TOP/tests/lib.sh"

DB="$TMPD/s.db"
export XDG_CONFIG_HOME="$TMPD/cfg" STEWARD_PASSPHRASE=limits-pw
unset STEWARD_KEY STEWARD_CONFIG
ADA="$TMPD/cfg/steward/keys/ada.key"
D1=sha256:1111111111111111111111111111111111111111111111111111111111111111
expect 0 "init" "$STEWARD" init --db "$DB" --admin ada
cp "$STEWARD_TOP/policies/low.policy" "$TMPD/low.policy"
expect 0 "enrol the low policy" "$STEWARD" policy enroll "$TMPD/low.policy" --db "$DB" --key "$ADA"
expect 0 "model" "$STEWARD" model add big --tier low --owner o --db "$DB"
expect 0 "version" "$STEWARD" version add big --artifact s3://b/1 --digest $D1 --db "$DB"

# ---- a card of 40,000 sections (~500 KB): linear work, not quadratic (which took 14 s) ----
awk 'BEGIN { print "# A very long card"; for (i = 0; i < 40000; i++) printf "## S%d\nok\n", i }' \
	>"$TMPD/big.md"
expect 0 "card set of 40,000 sections" timeout 10 "$STEWARD" card set big 1 --file "$TMPD/big.md" --db "$DB"
has "all sections stored" "$OUT" "40000 sections"
expect 1 "gate over it (denied: required sections missing)" timeout 10 "$STEWARD" gate big 1 --to staging --db "$DB"
has "the card rule counted them" "$OUT" "40000 sections"
expect 0 "card show of it" timeout 10 "$STEWARD" card show big 1 --db "$DB"
has "the last section shown" "$OUT" "## S39999"
printf "## s7\\nagain\\n" >>"$TMPD/big.md"
expect 1 "a duplicate at its end" timeout 10 "$STEWARD" card set big 1 --file "$TMPD/big.md" --db "$DB"
has "named with its line" "$ERR" "big.md:80002: duplicate section \"s7\""

finish
