# safe-text.sh: text that could rewrite a terminal (escapes, newlines, C1 and bidi controls) is refused on the way in and shown escaped on the way out, by the CLI and the console.
. "$STEWARD_TOP/tests/lib.sh"

export LC_ALL=C.UTF-8
DB="$TMPD/s.db"
K="$TMPD/k"
mkdir -m 700 "$K"
unset STEWARD_KEY STEWARD_CONFIG NO_COLOR
D1=sha256:1111111111111111111111111111111111111111111111111111111111111111
ESC=$(printf '\033')
NL='
'
NEL=$(printf '\302\205')      # U+0085, a C1 control
RLO=$(printf '\342\200\256')  # U+202E, right-to-left override
LRI=$(printf '\342\201\246')  # U+2066, left-to-right isolate

for who in root req1 risk1; do
	STEWARD_PASSPHRASE="passphrase-of-$who" expect 0 "key gen $who" "$STEWARD" key gen "$who" --out "$K/$who.key"
done
export STEWARD_PASSPHRASE=passphrase-of-root
expect 0 "init" "$STEWARD" init --db "$DB" --admin root --admin-key "$K/root.key"
expect 0 "requester" "$STEWARD" principal add req1 --role ml-lead --pubkey "$K/req1.key.pub" --key "$K/root.key" --db "$DB"
expect 0 "risk officer" "$STEWARD" principal add risk1 --role risk-officer --pubkey "$K/risk1.key.pub" --key "$K/root.key" --db "$DB"
expect 0 "model" "$STEWARD" model add fraud --tier high --owner fraud-ops --description "plain" --db "$DB" --key "$K/root.key"
expect 0 "version" "$STEWARD" version add fraud --artifact s3://m/1 --digest $D1 --author j.chen --db "$DB" --key "$K/root.key"
export STEWARD_PASSPHRASE=passphrase-of-req1
expect 0 "request" "$STEWARD" promote request fraud 1 --to staging --comment "ready" --key "$K/req1.key" --db "$DB"
unset STEWARD_PASSPHRASE

# refuse FIELD CODEPOINT CMD...: exit 1, the message names the field and the code point
refuse() {
	field=$1 cp=$2
	shift 2
	expect 1 "$field with $cp refused" "$@"
	has "$field with $cp: field named" "$ERR" "$field \""
	has "$field with $cp: code point named" "$ERR" "$cp"
	lacks "$field with $cp: no raw escape in the message" "$ERR" "$ESC"
}

# ---- on the way in: refused, naming the field and the code point ----
export STEWARD_PASSPHRASE=passphrase-of-root # evidence is an act: the admin records it
refuse owner U+001B "$STEWARD" model add m1 --tier low --owner "ops${ESC}[2J" --db "$DB" --key "$K/root.key"
refuse owner U+000A "$STEWARD" model add m1 --tier low --owner "ops${NL}approvals: 9 of 9" --db "$DB" --key "$K/root.key"
refuse owner U+0085 "$STEWARD" model add m1 --tier low --owner "ops${NEL}x" --db "$DB" --key "$K/root.key"
refuse owner U+202E "$STEWARD" model add m1 --tier low --owner "ops${RLO}x" --db "$DB" --key "$K/root.key"
refuse description U+001B "$STEWARD" model add m1 --tier low --owner o --description "a${ESC}]0;pwned${ESC}\\" --db "$DB" --key "$K/root.key"
refuse description U+0085 "$STEWARD" model add m1 --tier low --owner o --description "a${NEL}b" --db "$DB" --key "$K/root.key"
refuse description U+202E "$STEWARD" model add m1 --tier low --owner o --description "a${RLO}b" --db "$DB" --key "$K/root.key"
refuse description U+2066 "$STEWARD" model add m1 --tier low --owner o --description "a${LRI}b" --db "$DB" --key "$K/root.key"
expect 0 "a description may have several lines" "$STEWARD" model add m1 --tier low --owner o --description "line one${NL}line two" --db "$DB" --key "$K/root.key"
refuse author U+001B "$STEWARD" version add fraud --artifact s3://m/2 --digest $D1 --author "j${ESC}[1m" --db "$DB" --key "$K/root.key"
refuse author U+000A "$STEWARD" version add fraud --artifact s3://m/2 --digest $D1 --author "j${NL}k" --db "$DB" --key "$K/root.key"
refuse author U+0085 "$STEWARD" version add fraud --artifact s3://m/2 --digest $D1 --author "j${NEL}k" --db "$DB" --key "$K/root.key"
refuse author U+202E "$STEWARD" version add fraud --artifact s3://m/2 --digest $D1 --author "j${RLO}k" --db "$DB" --key "$K/root.key"
export STEWARD_PASSPHRASE=passphrase-of-req1
refuse comment U+001B "$STEWARD" promote request fraud 1 --to production --comment "x${ESC}[2J" --key "$K/req1.key" --db "$DB"
refuse comment U+0085 "$STEWARD" promote request fraud 1 --to production --comment "x${NEL}y" --key "$K/req1.key" --db "$DB"
refuse comment U+202E "$STEWARD" promote request fraud 1 --to production --comment "x${RLO}y" --key "$K/req1.key" --db "$DB"
export STEWARD_PASSPHRASE=passphrase-of-risk1
refuse comment U+001B "$STEWARD" approve 1 --comment "fine${ESC}[8m" --key "$K/risk1.key" --db "$DB"
refuse comment U+202E "$STEWARD" reject 1 --comment "no${RLO}pe" --key "$K/risk1.key" --db "$DB"
unset STEWARD_PASSPHRASE
printf '## Intended use\nfine\n## Limitations\nsee %sright%s\n' "$RLO" "$ESC" >"$TMPD/card.md"
STEWARD_PASSPHRASE=passphrase-of-root expect 1 "card with a bidi override" "$STEWARD" card set fraud 1 --file "$TMPD/card.md" --db "$DB" --key "$K/root.key"
has "card: file, line and column, code point" "$ERR" "card.md:4:5: bidirectional control U+202E"
same "nothing was recorded" "$(store_sql "$DB" "SELECT count(*) FROM models WHERE name = 'm1'") $(store_sql "$DB" "SELECT count(*) FROM versions")" "1 1"

# ---- on the way out: an attacker who can write the store file ----
store_sql "$DB" "
UPDATE models SET owner = 'ops' || char(27) || '[2J' || char(10) || 'approvals: 9 of 9',
	description = 'ok' || char(133) || 'x' || char(8238) || 'evil' || char(10) || 'second' WHERE name = 'fraud';
UPDATE versions SET author = 'j' || char(27) || ']0;owned' || char(7) || char(8294) WHERE version = 1;
UPDATE requests SET comment = 'ready' || char(10) || '  approvals: 9 of 9 required' || char(27) || '[1A' || char(8238) WHERE id = 1;
INSERT INTO cards(version_id, position, section, body) VALUES
	(1, 0, 'Intended use' || char(27) || '[31m', 'line one' || char(10) || 'two' || char(9) || 'tab' || char(27) || '[2J' || char(133) || char(8238) || 'end');
" || fail "tampering with the store"

# no raw control byte on stdout, and the escapes are there
clean() {
	case $OUT in
	*"$ESC"* | *"$NEL"* | *"$RLO"* | *"$LRI"* | *"$(printf '\007')"*) fail "$1: raw control character in the output" ;;
	*) ok ;;
	esac
}
expect 0 "request show" "$STEWARD" request show 1 --db "$DB"
clean "request show"
has "request show: comment escaped" "$OUT" 'comment:   ready\x0a  approvals: 9 of 9 required\x1b[1A\u202e'
same "request show: one approvals line" "$(printf '%s\n' "$OUT" | grep -c '^  approvals:')" 1
has "request show: author escaped" "$OUT" 'author:    j\x1b]0;owned\x07\u2066'
expect 0 "request list" "$STEWARD" request list --db "$DB"
clean "request list"
expect 0 "model list" "$STEWARD" model list --db "$DB"
clean "model list"
has "model list: owner escaped" "$OUT" 'ops\x1b[2J\x0aapprovals: 9 of 9'
same "model list: one row per model" "$(printf '%s\n' "$OUT" | wc -l)" 3
expect 0 "model show" "$STEWARD" model show fraud --db "$DB"
clean "model show"
has "model show: owner escaped" "$OUT" 'owner:        ops\x1b[2J\x0aapprovals: 9 of 9'
has "model show: description on one line" "$OUT" 'description:  ok\u0085x\u202eevil\x0asecond'
expect 0 "version show" "$STEWARD" version show fraud 1 --db "$DB"
clean "version show"
has "version show: author escaped" "$OUT" 'author:    j\x1b]0;owned\x07\u2066'
expect 0 "version list" "$STEWARD" version list fraud --db "$DB"
clean "version list"
expect 0 "card show" "$STEWARD" card show fraud 1 --db "$DB"
clean "card show"
has "card show: heading escaped" "$OUT" '## Intended use\x1b[31m'
has "card show: a body keeps its lines and tabs" "$OUT" "line one${NL}two	tab"'\x1b[2J\u0085\u202eend'
expect 1 "gate" "$STEWARD" gate fraud 1 --to staging --db "$DB"
clean "gate"
expect 0 "model show --json" "$STEWARD" model show fraud --db "$DB" --json
has "--json is left to jansson's escaping" "$OUT" '"owner": "ops\u001B[2J\napprovals: 9 of 9"'
same "--json keeps the value" "$(j '$.owner')" "ops${ESC}[2J${NL}approvals: 9 of 9"

# ---- the console: the same text drawn escaped ----
. "$STEWARD_TOP/tests/lib-script.sh"
screen '' --size 120x24
has "models view: owner escaped" "$(row '^fraud ')" 'ops\x1b[2J\x0aapprovals'
screen '<Enter>' --size 120x24
has "model view: owner escaped" "$SCREEN" 'owner: ops\x1b[2J\x0aapprovals: 9 of 9'
has "model view: description escaped" "$SCREEN" 'ok\u0085x\u202eevil\x0asecond'
screen ':approvals<Enter><Enter>' --size 120x30
has "request view: comment on one line" "$SCREEN" 'comment    ready\x0a  approvals: 9 of 9 required\x1b[1A\u202e'
has "request view: author escaped" "$SCREEN" 'author     j\x1b]0;owned\x07\u2066'
screen '<Enter><Enter>jjjjjjjjjjjjjjjjjjjjjjjj' --size 120x50
has "version view: card heading escaped" "$SCREEN" '## Intended use\x1b[31m'
has "version view: body lines kept, controls escaped" "$SCREEN" 'tab\x1b[2J\u0085\u202eend'
case $(cat "$TMPD/screen") in
*"$ESC"* | *"$NEL"* | *"$RLO"* | *"$LRI"*) fail "console dump: raw control character" ;;
*) ok ;;
esac

finish
