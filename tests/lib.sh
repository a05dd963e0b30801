# lib.sh: assertions shared by the shell test files (sourced; STEWARD names the binary under test).
# Each file sources this, calls the check_* helpers, and ends with `finish`.

: "${STEWARD:?STEWARD must name the steward binary}"
T_PASS=0
T_FAIL=0
T_SKIP=0
T_NAME=${0##*/}
TMPD=$(mktemp -d "${TMPDIR:-/tmp}/steward-test.XXXXXX")
trap 'rm -rf "$TMPD"' EXIT
export STEWARD_NOW=1767225600  # 2026-01-01T00:00:00Z: fixed clock for stable output
# The tests' build only: key files at libsodium's minimum Argon2id cost and
# no wait after a wrong passphrase, so hundreds of key operations stay fast
# (tests/cli/keys.sh checks the release cost and the wait themselves).
export STEWARD_TEST_KDF=fast STEWARD_TEST_WAIT_MS=0
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
	vg_check
	printf 'RESULT %s passed=%d failed=%d skipped=%d\n' "$T_NAME" "$T_PASS" "$T_FAIL" "$T_SKIP"
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

# ---- valgrind (make test VALGRIND=1, or STEWARD_VALGRIND=1 running one suite) ----
# STEWARD and STEWARD_RELEASE become wrappers that run the binary under tests/valgrind-wrap, in a
# folder that links the rest of the build (plugins, fakes) as the PostgreSQL wrappers below do, so
# suites finding those through ${STEWARD%/*} still do. Each process's report is a file in
# $TMPD/valgrind; finish (vg_check) fails the suite for each report that is not empty, with its
# first lines, so a leak fails the suite even where a check does not look at the status.
# Under valgrind every steward process runs ten to thirty times slower, so the suites' time limits
# (timeout N, the tmux waits) are multiplied by STEWARD_SLOW: 20 under valgrind unless set, else 1.
# slow N prints N seconds so multiplied.
vg_check() { :; }
case ${STEWARD_SLOW:-} in
'') if [ "${STEWARD_VALGRIND:-}" = 1 ]; then STEWARD_SLOW=20; else STEWARD_SLOW=1; fi ;;
*[!0-9]* | 0) echo "tests/lib.sh: STEWARD_SLOW is a positive whole number, not '$STEWARD_SLOW'" >&2; exit 2 ;;
esac
slow() { echo $(($1 * STEWARD_SLOW)); }
if [ "${STEWARD_VALGRIND:-}" = 1 ]; then
	: "${STEWARD_TOP:?STEWARD_VALGRIND=1 needs STEWARD_TOP, the tree holding tests/valgrind-wrap}"
	STEWARD_VALGRIND_LOGS=$TMPD/valgrind
	export STEWARD_VALGRIND_LOGS
	# Writable by all (sticky): a suite runs steward as nobody too, whose report goes here; the
	# suite's folder (mktemp's 0700) must then let other accounts through to it (group.sh's).
	mkdir -p "$STEWARD_VALGRIND_LOGS" && chmod 1777 "$STEWARD_VALGRIND_LOGS" && chmod 711 "$TMPD" ||
		{ fail "cannot make $STEWARD_VALGRIND_LOGS"; finish; exit 1; }
	vg_wrap() {
		mkdir -p "$TMPD/vgw/$1" || return 1
		for vg_f in "${2%/*}"/*; do
			[ "$vg_f" = "$2" ] || [ -e "$TMPD/vgw/$1/${vg_f##*/}" ] || ln -s "$vg_f" "$TMPD/vgw/$1/${vg_f##*/}" || return 1
		done
		printf '#!/bin/sh\nexec %s %s "$@"\n' "'$STEWARD_TOP/tests/valgrind-wrap'" "'$2'" >"$TMPD/vgw/$1/${2##*/}" &&
			chmod 755 "$TMPD/vgw/$1/${2##*/}" && printf '%s' "$TMPD/vgw/$1/${2##*/}"
	}
	case $STEWARD in /*) ;; *) STEWARD=$PWD/$STEWARD ;; esac
	STEWARD=$(vg_wrap test "$STEWARD") || { fail "cannot wrap $STEWARD for valgrind"; finish; exit 1; }
	if [ -n "${STEWARD_RELEASE:-}" ]; then
		case $STEWARD_RELEASE in /*) ;; *) STEWARD_RELEASE=$PWD/$STEWARD_RELEASE ;; esac
		STEWARD_RELEASE=$(vg_wrap release "$STEWARD_RELEASE") || { fail "cannot wrap $STEWARD_RELEASE for valgrind"; finish; exit 1; }
	fi
	export STEWARD STEWARD_RELEASE
	vg_check() {
		for vg_f in "$STEWARD_VALGRIND_LOGS"/vg.*; do
			[ -s "$vg_f" ] || continue
			fail "valgrind, process ${vg_f##*.}: $(grep -v '^==[0-9]*== *$' "$vg_f" | head -n 30)"
			# Reported once: finish may be called again on the way out.
			: >"$vg_f"
		done
	}
fi

# ---- the store's engine: SQLite, or PostgreSQL under STEWARD_STORE=postgres (make test STORE=postgres) ----
# Suites name their store by a file path as always. Under PostgreSQL, STEWARD and STEWARD_RELEASE
# become wrappers (tests/pg-wrap) that give the binary, for each path, a database of its own on
# the server tests/run started (or one this suite starts when run alone); the databases go when
# the suite's shell does. A check about the SQLite file itself runs only on SQLite and is
# counted as skipped on PostgreSQL, so RESULT says how much of the suite ran.
#   STORE_ENGINE            sqlite or postgres
#   store_sql DB SQL        SQL on DB's store as its owner, as an attacker with the owner's rights
#                           would (sqlite3 on the file; psql as steward_owner): rows as "a|b" lines;
#                           where PostgreSQL refuses (a trigger), that is a refusal to check
#   store_uri DB            what the binary is given for DB: the path, or the database's URI
#   store_local DB SUFFIX   a file steward keeps beside DB's store: DB.logkey, DB.witness, or
#                           where PostgreSQL's live ($XDG_DATA_HOME/steward/pg/HOST_PORT_DB.SUFFIX)
#   store_dump DB           the whole store as text (sqlite3's .dump; pg_dump's rows)
#   store_remove DB         DB's store is gone (its file, or its database)
#   store_copy SRC DST      DST becomes a copy of store SRC (the store only, not its log key)
#   sqlite_only N WHY       true on SQLite; on PostgreSQL counts N checks skipped and is false:
#                           if sqlite_only 2 "file modes"; then ...two checks...; fi
#   sqlite_suite WHY        on PostgreSQL: says why, finishes and exits (a suite about the file)
STORE_ENGINE=sqlite
store_sql() { sqlite3 "$@"; }
store_dump() { sqlite3 "$1" .dump; }
store_uri() { printf '%s' "$1"; }
store_local() { printf '%s%s' "$1" "$2"; }
store_copy() { cp "$1" "$2"; }
store_remove() { rm -f "$1" "$1-wal" "$1-shm"; }
sqlite_only() { return 0; }
sqlite_suite() { :; }
case ${STEWARD_STORE:-sqlite} in
sqlite) ;;
postgres)
	STORE_ENGINE=postgres
	if [ -z "${PG_DIR:-}" ] || [ ! -d "$PG_DIR" ]; then
		# Run alone: a server for this suite only.
		. "$STEWARD_TOP/tests/pg-lib.sh"
		pg_store_start || { echo "SKIP $T_NAME: $PG_SKIP"; finish; exit $?; }
	fi
	# Outside $TMPD, which other libraries' EXIT traps remove: the watcher below reads it after.
	PG_WRAP_DBS=$(mktemp -d "$PG_DIR/suite.XXXXXX") || { fail "cannot make a folder in $PG_DIR"; finish; exit 1; }
	export PG_WRAP_DBS PG_DIR PGPORT
	# Wrappers named as the binaries, in a folder that links the rest of the build (plugins,
	# test plugins, fakes), so suites finding those through ${STEWARD%/*} still do.
	pgw_wrap() {
		mkdir -p "$TMPD/pgw/$1" || return 1
		for pgw_f in "${2%/*}"/*; do
			[ "$pgw_f" = "$2" ] || [ -e "$TMPD/pgw/$1/${pgw_f##*/}" ] || ln -s "$pgw_f" "$TMPD/pgw/$1/${pgw_f##*/}" || return 1
		done
		printf '#!/bin/sh\nexec sh %s %s "$@"\n' "'$STEWARD_TOP/tests/pg-wrap'" "'$2'" >"$TMPD/pgw/$1/${2##*/}" &&
			chmod 755 "$TMPD/pgw/$1/${2##*/}" && printf '%s' "$TMPD/pgw/$1/${2##*/}"
	}
	case $STEWARD in /*) ;; *) STEWARD=$PWD/$STEWARD ;; esac
	STEWARD=$(pgw_wrap test "$STEWARD") || { fail "cannot wrap $STEWARD"; finish; exit 1; }
	if [ -n "${STEWARD_RELEASE:-}" ]; then
		case $STEWARD_RELEASE in /*) ;; *) STEWARD_RELEASE=$PWD/$STEWARD_RELEASE ;; esac
		STEWARD_RELEASE=$(pgw_wrap release "$STEWARD_RELEASE") || { fail "cannot wrap $STEWARD_RELEASE"; finish; exit 1; }
	fi
	export STEWARD STEWARD_RELEASE
	# Drops this suite's databases once its shell is gone, whoever's EXIT trap ran.
	pgw_shell=$$
	pgw_xdg=${XDG_DATA_HOME:-}
	pgw_home=${HOME:+$HOME/.local/share}
	( (
		trap '' INT TERM HUP
		while kill -0 "$pgw_shell" 2>/dev/null; do sleep 1; done
		for pgw_f in "$PG_WRAP_DBS"/st_*; do
			[ -f "$pgw_f" ] && printf 'DROP DATABASE IF EXISTS "%s" WITH (FORCE);\n' "${pgw_f##*/}"
		done | psql -X -q -h "$PG_DIR" -p "$PGPORT" -U postgres -d postgres -f - >/dev/null 2>&1
		# Their log keys, witnesses and demo keys, when they were kept outside $TMPD.
		for pgw_f in "$PG_WRAP_DBS"/st_*; do
			[ -f "$pgw_f" ] || continue
			for pgw_d in "$pgw_xdg" "$pgw_home"; do
				[ -n "$pgw_d" ] && rm -rf "$pgw_d/steward/pg/"*"_${PGPORT}_${pgw_f##*/}".* "$pgw_d/steward/pg/"*"_${PGPORT}_${pgw_f##*/}"-*
			done
		done
		rm -rf "$PG_WRAP_DBS"
	) </dev/null >/dev/null 2>&1 & )
	store_sql() {
		pgw_u=$(sh "$STEWARD_TOP/tests/pg-wrap" --uri "$1") || return 1
		shift
		# A file there is one the suite made (pg-wrap leaves it to the binary as a SQLite file).
		case $pgw_u in postgresql://*) ;; *) sqlite3 "$pgw_u" "$@"; return ;; esac
		# The SQLite spellings the suites' attacks use, in PostgreSQL's: a trigger is dropped
		# from its table, bytes are text (a ledger body is TEXT there), char(N) is chr(N), instr strpos, printf('%.2f', x) to_char, a
		# blob literal X'..' is bytea's '\x..'.
		printf '%s\n' "$*" | sed -e 's/DROP TRIGGER \(IF EXISTS \)\{0,1\}\([a-z_]*\)_no_\([a-z]*\)/DROP TRIGGER \1\2_no_\3 ON \2/g' \
			-e 's/ AS BLOB)/ AS TEXT)/g' -e 's/\bchar(/chr(/g' -e 's/\binstr(/strpos(/g' -e "s/printf('%\\.2f', \\([a-z_.]*\\))/to_char(\\1, 'FM999999990.00')/g" -e "s/X'\\([0-9A-Fa-f]*\\)'/'\\\\x\\1'::bytea/g" |
			psql -X -q -tA -v ON_ERROR_STOP=1 -d "$pgw_u" -f -
	}
	store_uri() { sh "$STEWARD_TOP/tests/pg-wrap" --uri "$1"; }
	# Rows sorted, since a table's order on disk moves when a row is rewritten unchanged; not the
	# sequences, which a refused insert's rollback leaves advanced, as PostgreSQL does, nor the
	# random key pg_dump puts in its \restrict lines.
	store_dump() {
		pg_dump -a -h "$PG_DIR" -p "$PGPORT" -U postgres "$(sh "$STEWARD_TOP/tests/pg-wrap" --name "$1")" |
			grep -v -e '^SELECT pg_catalog.setval(' -e '^\\restrict ' -e '^\\unrestrict ' | LC_ALL=C sort
	}
	store_local() {
		pgw_x=${XDG_DATA_HOME:-}
		case $pgw_x in /*) ;; *) pgw_x=$HOME/.local/share ;; esac
		printf '%s/steward/pg/%s_%s_%s%s' "$pgw_x" "$(printf '%s' "$PG_DIR" | sed 's/[^A-Za-z0-9._-]/_/g')" "$PGPORT" \
			"$(sh "$STEWARD_TOP/tests/pg-wrap" --name "$1")" "$2"
	}
	store_copy() {
		pgw_s=$(sh "$STEWARD_TOP/tests/pg-wrap" --name "$1") && pgw_d=$(sh "$STEWARD_TOP/tests/pg-wrap" --uri "$2" >/dev/null &&
			sh "$STEWARD_TOP/tests/pg-wrap" --name "$2") || return 1
		# The source's last client may still be leaving, and CREATE DATABASE refuses a template in use.
		for pgw_i in 1 2 3 4 5 6 7 8 9 10; do
			psql -X -q -v ON_ERROR_STOP=1 -h "$PG_DIR" -p "$PGPORT" -U postgres -d postgres -v s="$pgw_s" -v d="$pgw_d" \
				>/dev/null 2>"$TMPD/store_copy.err" <<'EOF' && return 0
DROP DATABASE IF EXISTS :"d" WITH (FORCE);
CREATE DATABASE :"d" OWNER steward_owner TEMPLATE :"s";
REVOKE ALL ON DATABASE :"d" FROM PUBLIC;
GRANT CONNECT ON DATABASE :"d" TO steward;
ALTER DATABASE :"d" SET steward.runtime_role = 'steward';
EOF
			sleep 0.3
		done
		cat "$TMPD/store_copy.err" >&2
		return 1
	}
	store_remove() {
		# (psql puts variables into SQL read from a file, not into -c's.)
		printf 'SET client_min_messages = warning;\nDROP DATABASE IF EXISTS :"d" WITH (FORCE);\n' |
			psql -X -q -v ON_ERROR_STOP=1 -h "$PG_DIR" -p "$PGPORT" -U postgres -d postgres \
				-v d="$(sh "$STEWARD_TOP/tests/pg-wrap" --name "$1")" -f - >/dev/null &&
			rm -f "$PG_WRAP_DBS/$(sh "$STEWARD_TOP/tests/pg-wrap" --name "$1")"
	}
	sqlite_only() { T_SKIP=$((T_SKIP + $1)); return 1; }
	sqlite_suite() {
		echo "SKIP $T_NAME under STEWARD_STORE=postgres: $*"
		finish
		exit $?
	}
	;;
*)
	fail "STEWARD_STORE is '$STEWARD_STORE': sqlite or postgres"
	finish
	exit 1
	;;
esac
