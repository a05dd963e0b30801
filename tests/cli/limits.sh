# limits.sh: bounded input: a card of 40,000 sections goes through card set and the gate; inputs that are not regular files are refused at once.
. "$STEWARD_TOP/tests/lib.sh"

DB="$TMPD/s.db"
export XDG_CONFIG_HOME="$TMPD/cfg" STEWARD_PASSPHRASE=limits-passphrase
unset STEWARD_KEY STEWARD_CONFIG
ADA="$TMPD/cfg/steward/keys/ada.key"
D1=sha256:1111111111111111111111111111111111111111111111111111111111111111
expect 0 "init" "$STEWARD" init --db "$DB" --admin ada
# evidence is recorded as ada's signed acts
export STEWARD_KEY="$TMPD/cfg/steward/keys/ada.key"
cp "$STEWARD_TOP/policies/low.policy" "$TMPD/low.policy"
expect 0 "enrol the low policy" "$STEWARD" policy enroll "$TMPD/low.policy" --db "$DB" --key "$ADA"
expect 0 "model" "$STEWARD" model add big --tier low --owner o --db "$DB"
expect 0 "version" "$STEWARD" version add big --artifact s3://b/1 --digest $D1 --db "$DB"

# ---- a card of 40,000 sections (~500 KB): linear work, not quadratic (which took 14 s) ----
awk 'BEGIN { print "# A very long card"; for (i = 0; i < 40000; i++) printf "## S%d\nok\n", i }' \
	>"$TMPD/big.md"
expect 0 "card set of 40,000 sections" timeout "$(slow 10)" "$STEWARD" card set big 1 --file "$TMPD/big.md" --db "$DB"
has "all sections stored" "$OUT" "40000 sections"
expect 1 "gate over it (denied: required sections missing)" timeout "$(slow 10)" "$STEWARD" gate big 1 --to staging --db "$DB"
has "the card rule counted them" "$OUT" "40000 sections"
expect 0 "card show of it" timeout "$(slow 10)" "$STEWARD" card show big 1 --db "$DB"
has "the last section shown" "$OUT" "## S39999"
printf "## s7\\nagain\\n" >>"$TMPD/big.md"
expect 1 "a duplicate at its end" timeout "$(slow 10)" "$STEWARD" card set big 1 --file "$TMPD/big.md" --db "$DB"
has "named with its line" "$ERR" "big.md:80002: duplicate section \"s7\""


# ---- inputs that are not regular files: refused at once, naming the path ----
# A FIFO nobody writes to would block open() for ever; every case runs under
# timeout so a regression fails instead of hanging the suite.
F="$TMPD/fifo"
mkfifo "$F"
mkdir "$TMPD/dir"
ROSA="$TMPD/rosa.key"
STEWARD_PASSPHRASE=rosa-passphrase expect 0 "rosa's key" "$STEWARD" key gen rosa --out "$ROSA"
expect 0 "rosa joins" "$STEWARD" principal add rosa --role risk-officer --pubkey "$ROSA.pub" --db "$DB" --key "$ADA"
# refused DESC WHAT PATH CMD...: exit 1 within 10 s, naming PATH and what it is
refused() {
	desc=$1 what=$2 path=$3
	shift 3
	expect 1 "$desc" timeout "$(slow 10)" "$@"
	has "$desc: names the path" "$ERR" "$path"
	has "$desc: says what it is" "$ERR" "$what"
}
refused "card --file FIFO" "it is a FIFO, not a regular file" "$F" "$STEWARD" card set big 1 --file "$F" --db "$DB"
refused "card --file /dev/zero" "it is a character device" /dev/zero "$STEWARD" card set big 1 --file /dev/zero --db "$DB"
refused "card --file directory" "it is a directory" "$TMPD/dir" "$STEWARD" card set big 1 --file "$TMPD/dir" --db "$DB"
refused "--key FIFO" "it is a FIFO" "$F" "$STEWARD" alias set big staging 1 --db "$DB" --key "$F"
refused "--key /dev/zero" "it is a character device" /dev/zero "$STEWARD" alias set big staging 1 --db "$DB" --key /dev/zero
refused "STEWARD_KEY FIFO" "it is a FIFO" "$F" env STEWARD_KEY="$F" "$STEWARD" alias set big staging 1 --db "$DB"
refused "--passphrase-file FIFO" "not a regular file" "$F" "$STEWARD" alias set big staging 1 --db "$DB" --key "$ADA" --passphrase-file "$F"
refused "key gen --passphrase-file FIFO" "not a regular file" "$F" "$STEWARD" key gen eve --out "$TMPD/eve.key" --passphrase-file "$F"
refused "key show FIFO" "it is a FIFO" "$F" "$STEWARD" key show "$F"
ln -s "$F" "$TMPD/sk.key.pub"
cp "$ROSA" "$TMPD/sk.key"
refused "key show: its .pub is a FIFO" "it is a FIFO" "$TMPD/sk.key.pub" "$STEWARD" key show "$TMPD/sk.key"
refused "principal add --pubkey FIFO" "it is a FIFO" "$F" "$STEWARD" principal add eve --role auditor --pubkey "$F" --db "$DB" --key "$ADA"
refused "init --admin-key FIFO" "it is a FIFO" "$F" "$STEWARD" init --db "$TMPD/other.db" --admin ada --admin-key "$F"
refused "approval submit FIFO" "it is a FIFO" "$F" "$STEWARD" approval submit 1 "$F" --db "$DB"
refused "policy check FIFO" "it is a FIFO" "$F" "$STEWARD" policy check "$F"
cp "$STEWARD_TOP/policies/low.policy" "$TMPD/t.policy"
ln -s "$F" "$TMPD/t.policy.test"
refused "policy test: its .test is a FIFO" "it is a FIFO" "$TMPD/t.policy.test" "$STEWARD" policy test "$TMPD/t.policy"
refused "policy enroll FIFO" "it is a FIFO" "$F" "$STEWARD" policy enroll "$F" --db "$DB" --key "$ADA"
refused "audit verify-proof FIFO" "it is a FIFO" "$F" "$STEWARD" audit verify-proof "$F" --db "$DB"
expect 0 "a bundle" "$STEWARD" audit export "$TMPD/bundle" --db "$DB"
rm "$TMPD/bundle/entries.jsonl" && mkfifo "$TMPD/bundle/entries.jsonl"
refused "audit verify --bundle with a FIFO in it" "it is a FIFO" "$TMPD/bundle/entries.jsonl" "$STEWARD" audit verify --bundle "$TMPD/bundle"
rm "$TMPD/bundle/log.vkey" && mkfifo "$TMPD/bundle/log.vkey"
refused "audit verify --bundle with a FIFO log.vkey" "log.vkey" "$TMPD/bundle" "$STEWARD" audit verify --bundle "$TMPD/bundle"
refused "--config FIFO" "it is a FIFO" "$F" "$STEWARD" plugin list --db "$DB" --config "$F"
refused "sync --config FIFO" "it is a FIFO" "$F" "$STEWARD" sync --db "$DB" --config "$F"
refused "STEWARD_CONFIG FIFO" "it is a FIFO" "$F" env STEWARD_CONFIG="$F" "$STEWARD" plugin list --db "$DB"
refused "console --script FIFO" "it is a FIFO" "$F" "$STEWARD" --db "$DB" --script "$F" --dump "$TMPD/screen"
refused "console --key FIFO" "it is a FIFO" "$F" "$STEWARD" --db "$DB" --key "$F"
: >"$TMPD/nokeys"
expect 0 "console --config FIFO: runs, says why" timeout "$(slow 10)" "$STEWARD" --db "$DB" --config "$F" --script "$TMPD/nokeys" --dump "$TMPD/screen" --size 160x24
has "console --config FIFO named" "$(cat "$TMPD/screen")" "$F: it is a FIFO"
# files the store names: the enrolled policy and the log key
mv "$TMPD/low.policy" "$TMPD/low.policy.real" && mkfifo "$TMPD/low.policy"
expect 1 "gate when the enrolled policy is a FIFO" timeout "$(slow 10)" "$STEWARD" gate big 1 --to staging --db "$DB"
has "the gate's refusal says why" "$OUT" "cannot read policy file $TMPD/low.policy: it is a FIFO"
printf ':policies<Enter><Enter>' >"$TMPD/keys"
expect 0 "console :policies when the file is a FIFO" timeout "$(slow 10)" "$STEWARD" --db "$DB" --script "$TMPD/keys" --dump "$TMPD/screen" --size 160x30
has "the policy view says why" "$(cat "$TMPD/screen")" "it is a FIFO, not a regular file; promotions under this policy are refused"
rm "$TMPD/low.policy" && mv "$TMPD/low.policy.real" "$TMPD/low.policy"
mv "$(store_local "$DB" .logkey)" "$(store_local "$DB" .logkey).real" && mkfifo "$(store_local "$DB" .logkey)"
refused "a write when the log key is a FIFO" "it is a FIFO" "$(store_local "$DB" .logkey)" "$STEWARD" model add other --tier low --owner o --db "$DB"
rm "$(store_local "$DB" .logkey)" && mv "$(store_local "$DB" .logkey).real" "$(store_local "$DB" .logkey)"
expect 0 "the store is fine afterwards" "$STEWARD" audit verify --db "$DB"

finish
