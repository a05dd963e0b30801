# docs.sh: the man page and README match the command table, so documentation cannot drift from behaviour.
. "${STEWARD_TOP:?}/tests/lib.sh"

man="$STEWARD_TOP/man/steward.1"
expect 0 "help --roff" "$STEWARD" help --roff
printf '%s\n' "$OUT" > "$TMPD/roff"
# Every line the command table produces must be in the man page, in order.
if awk 'NR==FNR { page = page $0 "\n"; next } { want = want $0 "\n" } END { exit index(page, want) ? 0 : 1 }' "$man" "$TMPD/roff"; then
	ok
else
	fail "man/steward.1 COMMANDS section differs from 'steward help --roff'; paste its output into the page"
fi
# The CONSOLE KEYS section is the key table's, word for word.
expect 0 "help --console-roff" "$STEWARD" help --console-roff
printf '%s\n' "$OUT" > "$TMPD/keys"
sed -n '/^\.SH CONSOLE KEYS$/,/^\.SH /p' "$man" | sed '1d;$d' > "$TMPD/keys-page"
if cmp -s "$TMPD/keys" "$TMPD/keys-page"; then
	ok
else
	fail "man/steward.1 CONSOLE KEYS differs from 'steward help --console-roff'; run scripts/man-commands"
fi
expect 2 "help with an unknown flag" "$STEWARD" help --console-rof
# Each command of `steward --help` has a man entry.
expect 0 "--help" "$STEWARD" --help
for cmd in $(printf '%s\n' "$OUT" | sed -n 's/^  \([a-z]*\( [a-z-]\+\)\?\) *[A-Z].*/\1/p; s/^  \([a-z][a-z]*\)  *[a-z[].*/\1/p' | sort -u | tr ' ' '_'); do
	c=$(printf '%s' "$cmd" | tr '_' ' ')
	has "man entry for $c" "$(cat "$man")" "fBsteward $c"
done
# The global options, from their one table, each documented once in OPTIONS.
options=$(sed -n '/^\.SH OPTIONS/,/^\.SH COMMANDS/p' "$man")
for opt in $(printf '%s\n' "$OUT" | sed -n '/^global options/,/^$/s/^  \(--[a-z-]*\).*/\1/p'); do
	roff=$(printf '%s' "$opt" | sed 's/-/\\-/g')
	has "man OPTIONS documents $opt" "$options" "\\fB$roff\\fR"
done
same "--help lists six global options" "$(printf '%s\n' "$OUT" | sed -n '/^global options/,/^$/p' | grep -c '^  --')" 6
readme=$(cat "$STEWARD_TOP/README.md")
has "README shows make demo" "$readme" "make demo"
has "README shows make test" "$readme" "make test"
for f in "$STEWARD_TOP"/man/*.[157]; do
	if command -v groff >/dev/null 2>&1; then
		w=$(groff -man -Tutf8 -ww -z "$f" 2>&1)
		same "groff warnings in ${f##*/}" "$w" ""
	fi
done
finish
