# keys.sh: `steward key gen|show`: passphrase sources, file modes, never overwriting, and every refusal naming its problem.
. "$STEWARD_TOP/tests/lib.sh"

# Keys under a private config home; nothing reaches the real ~/.config.
export XDG_CONFIG_HOME="$TMPD/cfg"
unset STEWARD_PASSPHRASE

# refuse DESC NEEDLE CMD...: exit 1, the message names the problem.
refuse() {
	d=$1; needle=$2; shift 2
	expect 1 "$d" "$@"
	has "$d: names the problem" "$ERR" "$needle"
}

mode() {
	stat -c %a "$1" 2>/dev/null || stat -f %Lp "$1"
}

# gen with STEWARD_PASSPHRASE, default place
expect 0 "key gen alice (STEWARD_PASSPHRASE)" env STEWARD_PASSPHRASE=alice-passphrase "$STEWARD" key gen alice </dev/null
SK="$TMPD/cfg/steward/keys/alice.key"
has "gen prints the secret key path" "$OUT" "secret key: $SK"
has "gen prints the public key path" "$OUT" "public key: $SK.pub"
has "gen prints the key id" "$OUT" "key id:"
lacks "gen never prints the passphrase" "$OUT$ERR" "alice-passphrase"
ID=$(printf '%s\n' "$OUT" | sed -n 's/^ *key id: *\([0-9a-f]*\)$/\1/p')
same "key id is 16 hex digits" "$(printf '%s' "$ID" | tr -d '0-9a-f' | wc -c | tr -d ' ')/${#ID}" "0/16"
[ -f "$SK" ] && ok || fail "secret key file missing at $SK"
[ -f "$SK.pub" ] && ok || fail "public key file missing at $SK.pub"
same "secret key mode" "$(mode "$SK")" 600
same "key directory mode" "$(mode "$TMPD/cfg/steward/keys")" 700
same "steward config directory mode" "$(mode "$TMPD/cfg/steward")" 700
lacks "the secret file holds no passphrase" "$(cat "$SK")" "alice-passphrase"

# show: the .pub and the secret file give the same key id, no passphrase needed
expect 0 "key show FILE.pub" "$STEWARD" key show "$SK.pub"
has "show .pub: name" "$OUT" "name:       alice"
has "show .pub: key id" "$OUT" "key id:     $ID"
PUBLINE=$(sed -n 's/^ed25519: //p' "$SK.pub")
has "show .pub: base64 public key" "$OUT" "ed25519:    $PUBLINE"
expect 0 "key show secret file (no passphrase around)" env -u STEWARD_PASSPHRASE "$STEWARD" key show "$SK" </dev/null
has "show secret: same key id" "$OUT" "key id:     $ID"
has "show secret: names the .pub it read" "$OUT" "public key: $SK.pub"
expect 0 "key show --json" "$STEWARD" key show "$SK.pub" --json
has "show --json key_id" "$OUT" "\"key_id\": \"$ID\""
has "show --json name" "$OUT" '"name": "alice"'
has "show --json ed25519" "$OUT" "\"ed25519\": \"$PUBLINE\""

# gen with --passphrase-file, --out and --json
printf 'bob passphrase here\n' >"$TMPD/pf"
chmod 600 "$TMPD/pf"
expect 0 "key gen --passphrase-file --out --json" "$STEWARD" key gen bob --out "$TMPD/bob.key" \
	--passphrase-file "$TMPD/pf" --json </dev/null
has "gen --json name" "$OUT" '"name": "bob"'
has "gen --json secret_key" "$OUT" "\"secret_key\": \"$TMPD/bob.key\""
has "gen --json public_key" "$OUT" "\"public_key\": \"$TMPD/bob.key.pub\""
has "gen --json key_id" "$OUT" '"key_id": "'
same "--out secret key mode" "$(mode "$TMPD/bob.key")" 600
[ -f "$TMPD/bob.key.pub" ] && ok || fail "--out: .pub missing"
BOBID=$(printf '%s\n' "$OUT" | sed -n 's/.*"key_id": "\([0-9a-f]*\)".*/\1/p')
expect 0 "show bob secret" "$STEWARD" key show "$TMPD/bob.key"
has "show bob: same id as gen printed" "$OUT" "key id:     $BOBID"
expect 0 "--passphrase-file wins over STEWARD_PASSPHRASE" env STEWARD_PASSPHRASE=x "$STEWARD" key gen \
	carol --out "$TMPD/carol.key" --passphrase-file "$TMPD/pf" </dev/null
printf 'crlf-passphrase-x\r\nsecond line\n' >"$TMPD/pf-crlf"
chmod 600 "$TMPD/pf-crlf"
expect 0 "passphrase file with CRLF" "$STEWARD" key gen dave --out "$TMPD/dave.key" --passphrase-file "$TMPD/pf-crlf"

# never overwritten: both the secret and the public half
cp "$SK" "$TMPD/alice.before"
cp "$SK.pub" "$TMPD/alice.pub.before"
refuse "gen over an existing key" "already exists" env STEWARD_PASSPHRASE=other-passphrase "$STEWARD" key gen alice </dev/null
has "existing key: names the file" "$ERR" "$SK"
cmp -s "$SK" "$TMPD/alice.before" && ok || fail "existing secret key changed"
cmp -s "$SK.pub" "$TMPD/alice.pub.before" && ok || fail "existing public key changed"
cp "$TMPD/bob.key.pub" "$TMPD/lonely.key.pub"
refuse "gen over an existing .pub" "lonely.key.pub already exists" env STEWARD_PASSPHRASE=other-passphrase \
	"$STEWARD" key gen lonely --out "$TMPD/lonely.key" </dev/null
[ ! -e "$TMPD/lonely.key" ] && ok || fail "a secret key was written beside an existing .pub"
cmp -s "$TMPD/lonely.key.pub" "$TMPD/bob.key.pub" && ok || fail "existing .pub changed"

# bad names
for n in 'b/ad' '../up' '' '-dash' 'sp ace' 'semi;colon'; do
	refuse "bad key name '$n'" "key name" env STEWARD_PASSPHRASE=pass-word-pass-word "$STEWARD" key gen -- "$n" </dev/null
done
[ ! -e "$TMPD/up.key" ] && [ ! -e "$TMPD/cfg/up.key" ] && ok || fail "'../up' escaped the key directory"

# passphrase files
printf 'loose passphrase here\n' >"$TMPD/pf-loose"
chmod 644 "$TMPD/pf-loose"
refuse "passphrase file mode 0644" "chmod 600" "$STEWARD" key gen eve --out "$TMPD/eve.key" \
	--passphrase-file "$TMPD/pf-loose" </dev/null
has "loose passphrase file: named" "$ERR" "$TMPD/pf-loose"
has "loose passphrase file: mode shown" "$ERR" "0644"
chmod 640 "$TMPD/pf-loose"
refuse "passphrase file mode 0640" "chmod 600" "$STEWARD" key gen eve --out "$TMPD/eve.key" \
	--passphrase-file "$TMPD/pf-loose" </dev/null
: >"$TMPD/pf-empty"
chmod 600 "$TMPD/pf-empty"
refuse "empty passphrase file" "is empty" "$STEWARD" key gen eve --out "$TMPD/eve.key" \
	--passphrase-file "$TMPD/pf-empty" </dev/null
has "empty passphrase file: named" "$ERR" "$TMPD/pf-empty"
printf '\nsecond line\n' >"$TMPD/pf-blank"
chmod 600 "$TMPD/pf-blank"
refuse "passphrase file with an empty first line" "is empty" "$STEWARD" key gen eve --out "$TMPD/eve.key" \
	--passphrase-file "$TMPD/pf-blank" </dev/null
refuse "missing passphrase file" "cannot open passphrase file" "$STEWARD" key gen eve --out "$TMPD/eve.key" \
	--passphrase-file "$TMPD/no-such-file" </dev/null
has "missing passphrase file: named" "$ERR" "$TMPD/no-such-file"
refuse "passphrase file is a directory" "not a regular file" "$STEWARD" key gen eve --out "$TMPD/eve.key" \
	--passphrase-file "$TMPD" </dev/null
refuse "short passphrase" "too short" env STEWARD_PASSPHRASE=abc "$STEWARD" key gen eve --out "$TMPD/eve.key" </dev/null
has "short passphrase: names the source" "$ERR" "STEWARD_PASSPHRASE: passphrase is too short: 3 characters"
has "short passphrase: says the minimum" "$ERR" "at least 15"
refuse "14 characters" "14 characters, at least 15" env STEWARD_PASSPHRASE=fourteen-chars \
	"$STEWARD" key gen eve --out "$TMPD/eve.key" </dev/null
printf 'too short\n' >"$TMPD/pf-short"
chmod 600 "$TMPD/pf-short"
refuse "short passphrase file" "9 characters, at least 15" "$STEWARD" key gen eve --out "$TMPD/eve.key" \
	--passphrase-file "$TMPD/pf-short" </dev/null
has "short passphrase file: named" "$ERR" "$TMPD/pf-short"
[ ! -e "$TMPD/eve.key" ] && [ ! -e "$TMPD/eve.key.pub" ] && ok || fail "a short passphrase left a key behind"
# no composition rules: 15 characters of anything, spaces and punctuation included
expect 0 "15 characters with spaces" env "STEWARD_PASSPHRASE=a b c d e f g h" "$STEWARD" key gen sp --out "$TMPD/sp.key" </dev/null
expect 0 "15 punctuation characters" env "STEWARD_PASSPHRASE=!@#\$%^&*()_+{}:" "$STEWARD" key gen pu --out "$TMPD/pu.key" </dev/null
refuse "empty STEWARD_PASSPHRASE" "STEWARD_PASSPHRASE is set but empty" env STEWARD_PASSPHRASE= \
	"$STEWARD" key gen eve --out "$TMPD/eve.key" </dev/null
[ ! -e "$TMPD/eve.key" ] && [ ! -e "$TMPD/eve.key.pub" ] && ok || fail "a refused gen left a key behind"

# no passphrase source at all, not on a terminal: fails at once, never hangs
refuse "no passphrase source" "no passphrase: set STEWARD_PASSPHRASE, give --passphrase-file, or run on a terminal" \
	env -u STEWARD_PASSPHRASE "$STEWARD" key gen eve --out "$TMPD/eve.key" </dev/null
[ ! -e "$TMPD/eve.key" ] && ok || fail "no passphrase, yet a key was written"
# argv is never a source
expect 2 "--passphrase is not an option" "$STEWARD" key gen eve --passphrase secret --out "$TMPD/eve.key" </dev/null
has "--passphrase: unknown option" "$ERR" "unknown option"

# --out into a directory that does not exist
refuse "--out into a missing directory" "does not exist" env STEWARD_PASSPHRASE=pass-word-pass-word \
	"$STEWARD" key gen eve --out "$TMPD/nowhere/eve.key" </dev/null
has "missing directory named" "$ERR" "$TMPD/nowhere"
[ ! -d "$TMPD/nowhere" ] && ok || fail "--out created a directory"
refuse "--out naming a directory" "directory" env STEWARD_PASSPHRASE=pass-word-pass-word \
	"$STEWARD" key gen eve --out "$TMPD/" </dev/null

# key show refusals
printf 'hello, not a key\n' >"$TMPD/garbage"
refuse "show garbage" "not a steward key file" "$STEWARD" key show "$TMPD/garbage"
has "show garbage: named" "$ERR" "$TMPD/garbage"
: >"$TMPD/empty.key"
refuse "show an empty file" "empty" "$STEWARD" key show "$TMPD/empty.key"
head -c 60 "$SK.pub" >"$TMPD/trunc.pub"
refuse "show a truncated .pub" "truncated" "$STEWARD" key show "$TMPD/trunc.pub"
head -c 120 "$SK" >"$TMPD/trunc.key"
chmod 600 "$TMPD/trunc.key"
cp "$SK.pub" "$TMPD/trunc.key.pub"
refuse "show a truncated secret key" "truncated" "$STEWARD" key show "$TMPD/trunc.key"
# cut inside the sealed line: the header parses, the sealed part is short
len=$(wc -c <"$SK" | tr -d ' ')
head -c $((len - 20)) "$SK" >"$TMPD/trunc2.key"
printf '\n' >>"$TMPD/trunc2.key"
chmod 600 "$TMPD/trunc2.key"
cp "$SK.pub" "$TMPD/trunc2.key.pub"
refuse "show a secret key cut in its sealed part" "truncated" "$STEWARD" key show "$TMPD/trunc2.key"
refuse "show a missing file" "No such file" "$STEWARD" key show "$TMPD/absent.key"
has "show missing: named" "$ERR" "$TMPD/absent.key"
cp "$TMPD/bob.key" "$TMPD/alone.key"
refuse "show a secret key without its .pub" "alone.key.pub" "$STEWARD" key show "$TMPD/alone.key"
has "secret key alone: says the passphrase would be needed" "$ERR" "passphrase"
cp "$SK.pub" "$TMPD/alone.key.pub"
refuse "show a secret key beside another key's .pub" "not a pair" "$STEWARD" key show "$TMPD/alone.key"
expect 2 "key show with no file" "$STEWARD" key show
has "key show: missing FILE" "$ERR" "missing FILE"
expect 2 "key gen with no name" "$STEWARD" key gen </dev/null
has "key gen: missing NAME" "$ERR" "missing NAME"

# Argon2id cost: new key files are sealed at libsodium's MODERATE limits
# (3 passes, 256 MiB). Only the tests' build honours STEWARD_TEST_KDF=fast
# (tests/lib.sh sets it); the release build ignores it.
kdf() { sed -n 's/^kdf: argon2id13 \(ops=[0-9]* mem=[0-9]*\) .*/\1/p' "$1"; }
same "the tests' build: minimum cost under STEWARD_TEST_KDF=fast" "$(kdf "$TMPD/bob.key")" "ops=1 mem=8192"
expect 0 "the release build makes a key" env STEWARD_TEST_KDF=fast STEWARD_PASSPHRASE=release-passphrase \
	"$STEWARD_RELEASE" key gen rel --out "$TMPD/rel.key" </dev/null
same "the release build ignores STEWARD_TEST_KDF" "$(kdf "$TMPD/rel.key")" "ops=3 mem=268435456"
expect 0 "the tests' build without the knob makes a key" env -u STEWARD_TEST_KDF STEWARD_PASSPHRASE=release-passphrase \
	"$STEWARD" key gen mod --out "$TMPD/mod.key" </dev/null
same "without the knob: MODERATE" "$(kdf "$TMPD/mod.key")" "ops=3 mem=268435456"
# A file asking for less than libsodium's minimum or more than the machine can give is
# refused before any passphrase is asked for, naming the file.
for lim in "ops=0 mem=8192" "ops=1 mem=1024" "ops=17 mem=8192" "ops=1 mem=1099511627776" "ops=1 mem=99999999999999999999"; do
	sed "s/ops=1 mem=8192/$lim/" "$TMPD/bob.key" >"$TMPD/lim.key"
	chmod 600 "$TMPD/lim.key"
	cp "$TMPD/bob.key.pub" "$TMPD/lim.key.pub"
	refuse "kdf limits $lim" "$TMPD/lim.key: kdf" env -u STEWARD_PASSPHRASE "$STEWARD" init --db "$TMPD/lim.db" \
		--admin bob --admin-key "$TMPD/lim.key" </dev/null
	case $lim in *99999999999999999999) ;; *) has "kdf limits $lim: out of range" "$ERR" "out of range" ;; esac
done

# A wrong passphrase is answered late, later each time in a process (1 s, 2 s, 4 s... in the
# release build; the tests' build takes the first step from STEWARD_TEST_WAIT_MS).
expect 1 "wrong passphrase" env STEWARD_TEST_WAIT_MS=40 STEWARD_PASSPHRASE=not-bobs-passphrase \
	"$STEWARD" init --db "$TMPD/w.db" --admin bob --admin-key "$TMPD/bob.key"
has "wrong passphrase: held back" "$ERR" "wrong 1 time in a row, held back 0.040 s"
t0=$(date +%s)
expect 1 "wrong passphrase, release build" env STEWARD_TEST_WAIT_MS=0 STEWARD_PASSPHRASE=not-rels-passphrase \
	"$STEWARD_RELEASE" init --db "$TMPD/w.db" --admin rel --admin-key "$TMPD/rel.key"
has "the release build ignores STEWARD_TEST_WAIT_MS" "$ERR" "held back 1.000 s"
[ $(($(date +%s) - t0)) -ge 1 ] && ok || fail "the release build answered a wrong passphrase at once"
[ ! -e "$TMPD/w.db" ] || [ "$(store_sql "$TMPD/w.db" 'SELECT count(*) FROM ledger' 2>/dev/null || echo 0)" = 0 ] && ok ||
	fail "a wrong passphrase wrote a store"

# help
expect 0 "key --help" "$STEWARD" key --help
has "key --help lists gen" "$OUT" "key gen NAME"
has "key --help lists show" "$OUT" "key show FILE"
expect 0 "key gen --help" "$STEWARD" key gen --help
has "key gen usage" "$OUT" "usage: steward key gen NAME [--out FILE] [global options]"
has "key gen help names STEWARD_PASSPHRASE" "$OUT" "STEWARD_PASSPHRASE"
has "key gen help gives the minimum length" "$OUT" "at least 15 characters"
finish
