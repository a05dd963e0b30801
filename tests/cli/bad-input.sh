# bad-input.sh: every command given missing, extra, malformed or hostile input: clear message, right status, no partial write.
. "$STEWARD_TOP/tests/lib.sh"

DB="$TMPD/s.db"
D0=sha256:0000000000000000000000000000000000000000000000000000000000000000
LONG=$(head -c 10000 /dev/zero | tr '\0' a)
BAD=$(printf 'a\377\376')
SQLI="x'; DROP TABLE models;--"

# refuse RC DESC NEEDLE CMD...: fails with RC, nothing on stdout, a
# "steward: " message on stderr that contains NEEDLE.
refuse() {
	rc=$1; d=$2; needle=$3; shift 3
	expect "$rc" "$d" "$@"
	same "$d: no stdout" "$OUT" ""
	has "$d: prefixed" "$ERR" "steward: "
	has "$d: names the problem" "$ERR" "$needle"
	if [ "$rc" -eq 2 ]; then has "$d: hint" "$ERR" "--help'"; fi
}

# The whole store, as text: any write at all shows up here.
snap() { store_dump "$DB"; "$STEWARD" model list --db "$DB"; }
unchanged() {
	now=$(snap)
	if [ "$now" = "$BEFORE" ]; then ok; else fail "$1: the store changed"; fi
}

export STEWARD_PASSPHRASE=correct-horse-battery-staple XDG_CONFIG_HOME="$TMPD/cfg"
export STEWARD_KEY="$TMPD/cfg/steward/keys/root.key"
"$STEWARD" init --db "$DB" --admin root >/dev/null || fail "init"
"$STEWARD" model add fraud --tier high --owner risk --db "$DB" >/dev/null || fail "model add"
"$STEWARD" version add fraud --artifact s3://m/1 --digest "$D0" --db "$DB" >/dev/null || fail "version add"
"$STEWARD" alias set fraud production 1 --db "$DB" >/dev/null || fail "alias set"
printf '## Intended use\nx\n' >"$TMPD/ok.md"
"$STEWARD" card set fraud 1 --file "$TMPD/ok.md" --db "$DB" >/dev/null || fail "card set"
"$STEWARD" metric set fraud 1 auc 0.9 --db "$DB" >/dev/null || fail "metric set"
BEFORE=$(snap)

# ---- the command line itself (exit 2) ----
refuse 2 "unknown command" "unknown command 'frob'" "$STEWARD" frob
refuse 2 "noun without verb" "'model' needs a command: add, list, show" "$STEWARD" model
refuse 2 "unknown verb" "unknown command 'model frob'" "$STEWARD" model frob
refuse 2 "help for an unknown command" "no help for 'frob'" "$STEWARD" help frob
refuse 2 "init extra argument" "unexpected argument 'x'" "$STEWARD" init x --db "$DB"
refuse 2 "init unknown option" "unknown option '--force'" "$STEWARD" init --force --db "$DB"
refuse 2 "short option" "unknown option '-f'" "$STEWARD" init -f --db "$DB"
refuse 2 "--db without value" "option '--db' needs a value" "$STEWARD" model list --db
refuse 2 "--db empty" "option '--db' needs a non-empty value" "$STEWARD" model list --db=
refuse 2 "--db twice" "option '--db' given twice" "$STEWARD" model list --db "$DB" --db "$DB"
refuse 2 "--json with a value" "option '--json=yes' takes no value" "$STEWARD" model list --json=yes --db "$DB"
refuse 2 "model add missing NAME" "missing NAME" "$STEWARD" model add --tier low --owner o --db "$DB"
refuse 2 "model add extra argument" "unexpected argument 'two'" "$STEWARD" model add one two --tier low --owner o --db "$DB"
refuse 2 "model add missing --tier" "missing required option --tier" "$STEWARD" model add m --owner o --db "$DB"
refuse 2 "model add missing --owner" "missing required option --owner" "$STEWARD" model add m --tier low --db "$DB"
refuse 2 "model add --tier without value" "option '--tier' needs a value" "$STEWARD" model add m --owner o --db "$DB" --tier
refuse 2 "model add --tier swallowing an option" "option '--tier' needs a value" "$STEWARD" model add m --tier --owner o --db "$DB"
refuse 2 "model add --tier twice" "option '--tier' given twice" "$STEWARD" model add m --tier low --tier high --owner o --db "$DB"
refuse 2 "model add unknown option" "unknown option '--colour'" "$STEWARD" model add m --tier low --owner o --colour red --db "$DB"
refuse 2 "model add hint names the command" "try 'steward model add --help'" "$STEWARD" model add --db "$DB"
refuse 2 "model list extra argument" "unexpected argument 'fraud'" "$STEWARD" model list fraud --db "$DB"
refuse 2 "model show missing NAME" "missing NAME" "$STEWARD" model show --db "$DB"
refuse 2 "model show extra" "unexpected argument 'y'" "$STEWARD" model show fraud y --db "$DB"
refuse 2 "version add missing MODEL" "missing MODEL" "$STEWARD" version add --artifact s3://x --digest "$D0" --db "$DB"
refuse 2 "version add missing --artifact" "missing required option --artifact" "$STEWARD" version add fraud --digest "$D0" --db "$DB"
refuse 2 "version add missing --digest" "missing required option --digest" "$STEWARD" version add fraud --artifact s3://x --db "$DB"
refuse 2 "version list missing MODEL" "missing MODEL" "$STEWARD" version list --db "$DB"
refuse 2 "version show missing VERSION" "missing VERSION" "$STEWARD" version show fraud --db "$DB"
refuse 2 "version show extra" "unexpected argument '2'" "$STEWARD" version show fraud 1 2 --db "$DB"
refuse 2 "alias set missing VERSION" "missing VERSION" "$STEWARD" alias set fraud production --db "$DB"
refuse 2 "alias set missing ALIAS" "missing ALIAS" "$STEWARD" alias set fraud --db "$DB"
refuse 2 "alias set extra" "unexpected argument 'x'" "$STEWARD" alias set fraud production 1 x --db "$DB"
refuse 2 "alias list missing MODEL" "missing MODEL" "$STEWARD" alias list --db "$DB"
refuse 2 "card set missing --file" "missing required option --file" "$STEWARD" card set fraud 1 --db "$DB"
refuse 2 "card set missing VERSION" "missing VERSION" "$STEWARD" card set fraud --file "$TMPD/ok.md" --db "$DB"
refuse 2 "card show missing VERSION" "missing VERSION" "$STEWARD" card show fraud --db "$DB"
refuse 2 "metric set missing VALUE" "missing VALUE" "$STEWARD" metric set fraud 1 auc --db "$DB"
refuse 2 "metric set extra" "unexpected argument '3'" "$STEWARD" metric set fraud 1 auc 2 3 --db "$DB"
refuse 2 "metric set unknown option" "unknown option '--split'" "$STEWARD" metric set fraud 1 auc 2 --split x --db "$DB"
refuse 2 "metric list missing VERSION" "missing VERSION" "$STEWARD" metric list fraud --db "$DB"
refuse 2 "demo extra" "unexpected argument 'now'" "$STEWARD" demo now --no-tui --db "$TMPD/d.db"
refuse 2 "demo unknown option" "unknown option '--fast'" "$STEWARD" demo --fast --db "$TMPD/d.db"
refuse 2 "console unknown option" "unknown option '--colour'" "$STEWARD" --colour --db "$DB"
refuse 2 "console --script without --dump" "--script needs --dump" "$STEWARD" --script "$TMPD/k" --db "$DB"
refuse 2 "console --dump without --script" "--dump needs --script" "$STEWARD" --dump "$TMPD/k" --db "$DB"
refuse 2 "console --size without --script" "--size only applies with --script" "$STEWARD" --size 80x24 --db "$DB"
for sz in 80 x24 80x 0x24 80x0 80x24x1 abcxdef -1x5 99999x24 " 80x24"; do
	refuse 2 "console --size '$sz'" "bad --size" "$STEWARD" --script "$TMPD/k" --dump "$TMPD/s" --size "$sz" --db "$DB"
done
refuse 2 "console --json" "--json does not apply to 'steward': the console draws a screen" "$STEWARD" --json --db "$DB"
refuse 2 "hostile unknown option is quoted" "unknown option '--\\xff\\xfe'" "$STEWARD" model list "--$(printf '\377\376')" --db "$DB"
refuse 2 "long unexpected argument is cut" "..." "$STEWARD" model list "$LONG" --db "$DB"
lacks "long argument is not echoed whole" "$ERR" "$(head -c 200 /dev/zero | tr '\0' a)"
unchanged "usage errors"

# ---- values refused by core (exit 1) ----
refuse 1 "bad tier" 'unknown risk tier "extreme"' "$STEWARD" model add m --tier extreme --owner o --db "$DB"
refuse 1 "tier in capitals" 'unknown risk tier "HIGH"' "$STEWARD" model add m --tier HIGH --owner o --db "$DB"
refuse 1 "duplicate model" 'model "fraud" already exists' "$STEWARD" model add fraud --tier low --owner o --db "$DB"
refuse 1 "10,000-character name" "too long" "$STEWARD" model add "$LONG" --tier low --owner o --db "$DB"
lacks "10,000-character name not echoed whole" "$ERR" "$(head -c 200 /dev/zero | tr '\0' a)"
# Names are what MLflow accepts (spaces, quotes, dots), less what makes a subject ambiguous.
refuse 1 "'/' in a name" "cannot contain '/' or ':'" "$STEWARD" model add "a/b" --tier low --owner o --db "$DB"
refuse 1 "':' in a name" "cannot contain '/' or ':'" "$STEWARD" model add "$SQLI:x" --tier low --owner o --db "$DB"
refuse 1 "leading space in a name" "starts or ends with a space" "$STEWARD" model add ' ab' --tier low --owner o --db "$DB"
refuse 1 "trailing space in a name" "starts or ends with a space" "$STEWARD" model add 'ab ' --tier low --owner o --db "$DB"
refuse 1 "a tab in a name" "control character" "$STEWARD" model add "$(printf 'a\tb')" --tier low --owner o --db "$DB"
refuse 1 "'..' as a name" "is a path" "$STEWARD" model add '..' --tier low --owner o --db "$DB"
refuse 1 "empty name" "model name" "$STEWARD" model add '' --tier low --owner o --db "$DB"
refuse 1 "non-UTF-8 name" "model name" "$STEWARD" model add "$BAD" --tier low --owner o --db "$DB"
lacks "non-UTF-8 bytes not echoed raw" "$ERR" "$BAD"
refuse 1 "non-UTF-8 owner" "owner" "$STEWARD" model add m --tier low --owner "$BAD" --db "$DB"
refuse 1 "non-UTF-8 description" "description" "$STEWARD" model add m --tier low --owner o --description "$BAD" --db "$DB"
refuse 1 "escape sequence in owner" "owner" "$STEWARD" model add m --tier low --owner "$(printf 'a\033[2Jb')" --db "$DB"
refuse 1 "empty owner" "owner" "$STEWARD" model add m --tier low --owner "" --db "$DB"
refuse 1 "unknown model shown" 'no model named "nope"' "$STEWARD" model show nope --db "$DB"
refuse 1 "SQL metacharacters in show" "no model named" "$STEWARD" model show "$SQLI" --db "$DB"
refuse 1 "short digest" "digest" "$STEWARD" version add fraud --artifact s3://x --digest sha256:abc --db "$DB"
refuse 1 "uppercase digest" "digest" "$STEWARD" version add fraud --artifact s3://x \
	--digest sha256:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA --db "$DB"
refuse 1 "digest without prefix" "digest" "$STEWARD" version add fraud --artifact s3://x \
	--digest 0000000000000000000000000000000000000000000000000000000000000000 --db "$DB"
refuse 1 "digest with another algorithm" "digest" "$STEWARD" version add fraud --artifact s3://x \
	--digest "md5:0123456789abcdef0123456789abcdef" --db "$DB"
refuse 1 "digest too long" "digest" "$STEWARD" version add fraud --artifact s3://x --digest "${D0}0" --db "$DB"
refuse 1 "artifact without scheme" "artifact" "$STEWARD" version add fraud --artifact nowhere --digest "$D0" --db "$DB"
refuse 1 "version of an unknown model" 'no model named "nope"' "$STEWARD" version add nope --artifact s3://x --digest "$D0" --db "$DB"
refuse 1 "non-UTF-8 author" "author" "$STEWARD" version add fraud --artifact s3://x --digest "$D0" --author "$BAD" --db "$DB"
refuse 1 "version list of an unknown model" 'no model named "nope"' "$STEWARD" version list nope --db "$DB"
refuse 1 "unknown version" 'model "fraud" has no version 7' "$STEWARD" version show fraud 7 --db "$DB"
for v in 0 -1 x 1.5 "" 99999999999999999999999; do
	refuse 1 "version '$v'" "version" "$STEWARD" version show fraud "$v" --db "$DB"
done
for a in Prod 1abc "a b" "pr;od" "$BAD" "" "$(head -c 65 /dev/zero | tr '\0' a)"; do
	refuse 1 "bad alias name '$a'" "alias" "$STEWARD" alias set fraud "$a" 1 --db "$DB"
done
refuse 1 "alias to an unknown version" 'model "fraud" has no version 9' "$STEWARD" alias set fraud production 9 --db "$DB"
refuse 1 "alias on an unknown model" 'no model named "nope"' "$STEWARD" alias set nope production 1 --db "$DB"
refuse 1 "alias list of an unknown model" 'no model named "nope"' "$STEWARD" alias list nope --db "$DB"
refuse 1 "card file missing" "cannot read card file $TMPD/none.md" "$STEWARD" card set fraud 1 --file "$TMPD/none.md" --db "$DB"
printf '## Intended use\n\377\376\n' >"$TMPD/bad.md"
refuse 1 "card not UTF-8" "not valid UTF-8" "$STEWARD" card set fraud 1 --file "$TMPD/bad.md" --db "$DB"
printf '## Evaluation\na\n\n## Evaluation\nb\n' >"$TMPD/dup.md"
refuse 1 "card duplicate heading" "duplicate" "$STEWARD" card set fraud 1 --file "$TMPD/dup.md" --db "$DB"
has "card duplicate heading names the line" "$ERR" "dup.md:4"
printf '##\nx\n' >"$TMPD/empty-heading.md"
refuse 1 "card empty heading" "empty-heading.md" "$STEWARD" card set fraud 1 --file "$TMPD/empty-heading.md" --db "$DB"
: >"$TMPD/empty.md"
refuse 1 "card empty file" "" "$STEWARD" card set fraud 1 --file "$TMPD/empty.md" --db "$DB"
refuse 1 "card file is a directory" "cannot read card file" "$STEWARD" card set fraud 1 --file "$TMPD" --db "$DB"
head -c 1100000 /dev/zero | tr '\0' a >"$TMPD/big.md"
refuse 1 "card file too large" "larger than" "$STEWARD" card set fraud 1 --file "$TMPD/big.md" --db "$DB"
refuse 1 "card of an unknown version" 'model "fraud" has no version 5' "$STEWARD" card set fraud 5 --file "$TMPD/ok.md" --db "$DB"
refuse 1 "card of an unknown model" 'no model named "nope"' "$STEWARD" card set nope 1 --file "$TMPD/ok.md" --db "$DB"
refuse 1 "card show of an unknown version" 'model "fraud" has no version 5' "$STEWARD" card show fraud 5 --db "$DB"
refuse 1 "card show bad version" "version" "$STEWARD" card show fraud x --db "$DB"
for v in nan NaN inf infinity 1e999 -1e999 1e-999 12abc "" " 1" "1 " 0x "1,5"; do
	refuse 1 "metric value '$v'" "metric value" "$STEWARD" metric set fraud 1 auc "$v" --db "$DB"
done
refuse 1 "metric value '-inf' after --" "metric value" "$STEWARD" metric set fraud 1 auc --db "$DB" -- -inf
refuse 2 "metric value '-inf' looks like an option" "unknown option '-inf'" "$STEWARD" metric set fraud 1 auc -inf --db "$DB"
refuse 1 "metric of an unknown version" 'model "fraud" has no version 4' "$STEWARD" metric set fraud 4 auc 0.5 --db "$DB"
refuse 1 "metric bad name" "metric name" "$STEWARD" metric set fraud 1 "$SQLI" 0.5 --db "$DB"
refuse 1 "metric non-UTF-8 name" "metric name" "$STEWARD" metric set fraud 1 "$BAD" 0.5 --db "$DB"
refuse 1 "metric bad dataset" "dataset" "$STEWARD" metric set fraud 1 auc 0.5 --dataset " a b" --db "$DB"
refuse 1 "metric bad slice" "slice" "$STEWARD" metric set fraud 1 auc 0.5 --slice "$BAD" --db "$DB"
refuse 1 "metric list of an unknown version" 'model "fraud" has no version 4' "$STEWARD" metric list fraud 4 --db "$DB"
refuse 1 "metric list of an unknown model" 'no model named "nope"' "$STEWARD" metric list nope 1 --db "$DB"
unchanged "refused values"
expect 0 "list after refusals" "$STEWARD" model list --db "$DB"
same "still one model" "$(printf '%s\n' "$OUT" | wc -l)" 2
expect 0 "versions after refusals" "$STEWARD" version list fraud --db "$DB"
same "still one version" "$(printf '%s\n' "$OUT" | wc -l)" 2
expect 0 "metrics after refusals" "$STEWARD" metric list fraud 1 --db "$DB"
same "still one metric" "$(printf '%s\n' "$OUT" | wc -l)" 2

# ---- stores that cannot be used (exit 1) ----
if [ "$STORE_ENGINE" = postgres ]; then
	# PostgreSQL's "no store" is a database without steward's schema: refused, and no read or write makes one.
	refuse 1 "empty database" "holds no steward store" "$STEWARD" model list --db "$TMPD/none.db"
	has "empty database says run init" "$ERR" "steward init"
	refuse 1 "write to an empty database" "holds no steward store" "$STEWARD" model add m --tier low --owner o --db "$TMPD/none.db"
	refuse 1 "console on an empty database" "holds no steward store" "$STEWARD" --db "$TMPD/none.db"
	same "no schema made" "$(store_sql "$TMPD/none.db" "SELECT count(*) FROM pg_tables WHERE schemaname = 'public'")" 0
fi
# Files: missing, below a file, a folder, garbage, a newer schema's user_version, empty.
if sqlite_only 65 "store files that cannot be used"; then
refuse 1 "no store" "no store at $TMPD/none.db" "$STEWARD" model list --db "$TMPD/none.db"
has "no store says run init" "$ERR" "steward init"
[ -e "$TMPD/none.db" ] && fail "a read created the store" || ok
refuse 1 "write to no store" "no store at $TMPD/none.db" "$STEWARD" model add m --tier low --owner o --db "$TMPD/none.db"
[ -e "$TMPD/none.db" ] && fail "a write created the store" || ok
refuse 1 "console on no store" "no store at $TMPD/none.db" "$STEWARD" --db "$TMPD/none.db"
echo "not a directory" >"$TMPD/file"
refuse 1 "init below a regular file" "$TMPD/file/x.db" "$STEWARD" init --db "$TMPD/file/x.db"
refuse 1 "list below a regular file" "$TMPD/file/x.db" "$STEWARD" model list --db "$TMPD/file/x.db"
refuse 1 "store is a directory" "$TMPD" "$STEWARD" model list --db "$TMPD"
head -c 4096 /dev/urandom >"$TMPD/g.db"
cp "$TMPD/g.db" "$TMPD/g.orig"
refuse 1 "garbage store: list" "not a steward store" "$STEWARD" model list --db "$TMPD/g.db"
refuse 1 "garbage store: init" "not a steward store" "$STEWARD" init --db "$TMPD/g.db"
refuse 1 "garbage store: add" "not a steward store" "$STEWARD" model add m --tier low --owner o --db "$TMPD/g.db"
refuse 1 "garbage store: demo refuses it" "$TMPD/g.db" "$STEWARD" demo --no-tui --db "$TMPD/g.db"
refuse 1 "garbage store: console" "not a steward store" "$STEWARD" --db "$TMPD/g.db"
cmp -s "$TMPD/g.db" "$TMPD/g.orig" && ok || fail "garbage store was modified"
"$STEWARD" init --db "$TMPD/new.db" >/dev/null || fail "init new.db"
sqlite3 "$TMPD/new.db" 'PRAGMA user_version=999' || fail "set user_version"
refuse 1 "newer schema: list" "newer steward" "$STEWARD" model list --db "$TMPD/new.db"
refuse 1 "newer schema: add" "newer steward" "$STEWARD" model add m --tier low --owner o --db "$TMPD/new.db"
refuse 1 "newer schema: init" "newer steward" "$STEWARD" init --db "$TMPD/new.db"
same "newer schema left alone" "$(sqlite3 "$TMPD/new.db" 'PRAGMA user_version')" 999
: >"$TMPD/empty.db"
refuse 1 "empty file as store" "empty" "$STEWARD" model list --db "$TMPD/empty.db"
fi

# output that cannot be written is a failure, not a silent success
if [ -w /dev/full ]; then
	"$STEWARD" model list --db "$DB" >/dev/full 2>"$TMPD/full.err"
	same "writing to a full device fails" "$?" 1
	has "full device message" "$(cat "$TMPD/full.err")" "steward: writing output"
fi

# demo never replaces a store it did not build
# (A database is never replaced: the demo wants an empty one.)
if [ "$STORE_ENGINE" = postgres ]; then notdemo="the demo needs an empty store"; else notdemo="not a demo store"; fi
refuse 1 "demo refuses a real store" "$notdemo" "$STEWARD" demo --no-tui --db "$DB"
unchanged "demo on a real store"
if sqlite_only 5 "another program's SQLite file"; then
	sqlite3 "$TMPD/other.db" 'CREATE TABLE t(x); INSERT INTO t VALUES (1);' || fail "other.db"
	refuse 1 "demo refuses another program's SQLite file" "not a demo store" "$STEWARD" demo --no-tui --db "$TMPD/other.db"
	same "other SQLite file untouched" "$(sqlite3 "$TMPD/other.db" .tables)" t
fi

# an unprivileged user against a root-owned 0755 directory
if [ "$(id -u)" -eq 0 ] && command -v setpriv >/dev/null 2>&1; then
	if sqlite_only 15 "a root-owned store file"; then
	chmod 755 "$TMPD"
	mkdir "$TMPD/rootdir" && chmod 755 "$TMPD/rootdir"
	cp "$DB" "$TMPD/rootdir/s.db" && chmod 644 "$TMPD/rootdir/s.db"
	rm -f "$TMPD/rootdir/s.db-wal" "$TMPD/rootdir/s.db-shm"
	AS_NOBODY="setpriv --reuid=nobody --regid=nogroup --clear-groups"
	refuse 1 "nobody: init in a root-owned directory" "$TMPD/rootdir/x.db" $AS_NOBODY "$STEWARD" init --db "$TMPD/rootdir/x.db"
	[ -e "$TMPD/rootdir/x.db" ] && fail "nobody created a store" || ok
	refuse 1 "nobody: write to a root-owned store" "$TMPD/rootdir/s.db" $AS_NOBODY "$STEWARD" model add m --tier low --owner o --db "$TMPD/rootdir/s.db"
	refuse 1 "nobody: demo in a root-owned directory" "$TMPD/rootdir" $AS_NOBODY "$STEWARD" demo --no-tui --db "$TMPD/rootdir/d.db"
	expect 0 "root: store unchanged after nobody" "$STEWARD" model list --db "$TMPD/rootdir/s.db"
	same "root: still one model" "$(printf '%s\n' "$OUT" | wc -l)" 2
	fi
else
	echo "note: not root; skipping the unprivileged-user cases"
fi

finish
