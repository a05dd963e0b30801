# lib-script.sh: driving the console headless (--script/--dump) for the console suites (sourced after lib.sh; the suite sets DB).

# screen KEYS [OPTIONS...]: runs the console on $DB with KEYS typed, keeps the final screen in $SCREEN.
screen() {
	printf '%s' "$1" >"$TMPD/keys"
	shift
	rm -f "$TMPD/screen"
	expect 0 "session $(head -c 60 "$TMPD/keys")" "$STEWARD" --db "$DB" --script "$TMPD/keys" \
		--dump "$TMPD/screen" "$@"
	SCREEN=$(cat "$TMPD/screen" 2>/dev/null)
}

# line N: row N (1-based) of the last screen.
line() {
	printf '%s\n' "$SCREEN" | sed -n "$1p"
}

# row PATTERN: the first line of the last screen matching PATTERN.
row() {
	printf '%s\n' "$SCREEN" | grep -e "$1" | head -n 1
}
