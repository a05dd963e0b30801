# lib.sh: assertions shared by the shell test files (sourced; STEWARD names the binary under test).
# Each file sources this, calls the check_* helpers, and ends with `finish`.

: "${STEWARD:?STEWARD must name the steward binary}"
T_PASS=0
T_FAIL=0
T_NAME=${0##*/}
TMPD=$(mktemp -d "${TMPDIR:-/tmp}/steward-test.XXXXXX")
trap 'rm -rf "$TMPD"' EXIT
export STEWARD_NOW=1767225600  # 2026-01-01T00:00:00Z: fixed clock for stable output
unset STEWARD_DB

ok()   { T_PASS=$((T_PASS + 1)); }
fail() { T_FAIL=$((T_FAIL + 1)); printf 'FAIL %s: %s\n' "$T_NAME" "$*"; }

# run CMD...: runs it, keeping stdout in $OUT, stderr in $ERR, status in $RC.
run() {
	"$@" >"$TMPD/out" 2>"$TMPD/err"
	RC=$?
	OUT=$(cat "$TMPD/out")
	ERR=$(cat "$TMPD/err")
}

# expect RC DESC CMD...: runs CMD and checks its exit status.
# A status of 128 or more (a signal: crash, abort, sanitizer) always fails.
expect() {
	want=$1; desc=$2; shift 2
	run "$@"
	if [ "$RC" -ge 128 ]; then
		fail "$desc: crashed (status $RC): $ERR"
	elif [ "$RC" -ne "$want" ]; then
		fail "$desc: exit $RC, wanted $want; stderr: $ERR; stdout: $(printf '%s' "$OUT" | head -c 300)"
	else
		ok
	fi
}

# has DESC TEXT NEEDLE: TEXT contains NEEDLE (fixed string).
has() {
	case $2 in
	*"$3"*) ok ;;
	*) fail "$1: wanted '$3' in: $(printf '%s' "$2" | head -c 400)" ;;
	esac
}

# lacks DESC TEXT NEEDLE: TEXT does not contain NEEDLE.
lacks() {
	case $2 in
	*"$3"*) fail "$1: did not want '$3' in: $(printf '%s' "$2" | head -c 400)" ;;
	*) ok ;;
	esac
}

# same DESC GOT WANT: exact equality.
same() {
	if [ "$2" = "$3" ]; then ok; else fail "$1: got '$2', wanted '$3'"; fi
}

finish() {
	printf 'RESULT %s passed=%d failed=%d\n' "$T_NAME" "$T_PASS" "$T_FAIL"
	[ "$T_FAIL" -eq 0 ]
}

# JSON checks through sqlite3 (no jq needed).
# j PATH: the value at PATH in the last command's stdout (sqlite3's JSON functions).
j() {
	printf '%s' "$OUT" >"$TMPD/json"
	sqlite3 :memory: "SELECT json_extract(CAST(readfile('$TMPD/json') AS TEXT), '$1')"
}
# jtype PATH: integer, real, text, null, array, object, true, false.
jtype() {
	printf '%s' "$OUT" >"$TMPD/json"
	sqlite3 :memory: "SELECT json_type(CAST(readfile('$TMPD/json') AS TEXT), '$1')"
}
valid() {
	printf '%s' "$OUT" >"$TMPD/json"
	same "$1: valid JSON" "$(sqlite3 :memory: "SELECT json_valid(CAST(readfile('$TMPD/json') AS TEXT))")" 1
}
