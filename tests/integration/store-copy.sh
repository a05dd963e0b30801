# store-copy.sh: `steward store copy`: an estate with real governed acts copied SQLite to SQLite, SQLite to PostgreSQL and back, each with the same audit root, the same rows and a working next act; bad input refused with nothing written; a copy killed mid-way leaves no store.
. "$STEWARD_TOP/tests/lib.sh"
sqlite_suite "it starts PostgreSQL servers of its own, and make test runs it"
. "$STEWARD_TOP/tests/pg-lib.sh"

export STEWARD_PASSPHRASE=correct-horse-battery-staple XDG_CONFIG_HOME="$TMPD/cfg" XDG_DATA_HOME="$TMPD/data"
S=$STEWARD
K="$TMPD/keys"
W="$TMPD/w"
mkdir -p "$K" "$W"
SRC="$W/src.db"
digest() { printf 'sha256:%064d' "$1"; }
as() {
	w=$1
	db=$2
	shift 2
	"$S" "$@" --db "$db" --key "$K/$w.key"
}
# tables DB: the tables of a store file, one a line.
tables() { sqlite3 "$1" "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite%' ORDER BY name"; }
# counts_file DB: "table rows" for every table of a store file.
counts_file() {
	for t in $(tables "$SRC"); do
		printf '%s %s\n' "$t" "$(sqlite3 "$1" "SELECT count(*) FROM \"$t\"")"
	done
}
# leftovers: temporary files a copy left in the work folder.
leftovers() { ls "$W" | grep -c '\.copy-' ; }
# verify_json DB: audit verify --json of a store (no path in it, so two stores compare).
# What audit verify found, without the time it took (which differs run to run).
verify_json() { "$S" audit verify --json --db "$1" 2>/dev/null | grep -v '"wall_seconds"\|"cpu_seconds"'; }

# --- an estate built by governed acts, on SQLite ---
for p in ada:admin lena:ml-lead mei:ml-lead rosa:risk-officer; do
	"$S" key gen "${p%%:*}" --out "$K/${p%%:*}.key" >/dev/null || fail "key ${p%%:*}"
done
expect 0 "init the source" "$S" init --db "$SRC" --admin ada --admin-key "$K/ada.key"
for p in lena:ml-lead mei:ml-lead rosa:risk-officer; do
	as ada "$SRC" principal add "${p%%:*}" --role "${p#*:}" --pubkey "$K/${p%%:*}.key.pub" >/dev/null || fail "add ${p%%:*}"
done
expect 0 "enrol the low-tier policy" as ada "$SRC" policy enroll "$STEWARD_TOP/policies/low.policy"
printf '## Intended use\nx\n\n## Evaluation\nx\n\n## Limitations\nx\n' >"$TMPD/card.md"
newver() {
	v=$(as ada "$1" version add "$2" --artifact "s3://m/$2/$3" --digest "$(digest "$3")" --author j.chen) || return 1
	as ada "$1" metric set "$2" "$v" auc 0.9 --dataset holdout >/dev/null &&
		as ada "$1" card set "$2" "$v" --file "$TMPD/card.md" >/dev/null && echo "$v"
}
expect 0 "a model" as ada "$SRC" model add ranker --tier low --owner digital
V=$(newver "$SRC" ranker 1) || fail "version 1"
R=$(as lena "$SRC" promote request ranker "$V" --to staging) || fail "request to staging"
expect 0 "apply to staging" as lena "$SRC" promote apply "$R"
R=$(as lena "$SRC" promote request ranker "$V" --to production) || fail "request to production"
expect 0 "another ML lead approves" as mei "$SRC" approve "$R"
expect 0 "apply to production" as lena "$SRC" promote apply "$R"
V2=$(newver "$SRC" ranker 2) || fail "version 2"
R2=$(as lena "$SRC" promote request ranker "$V2" --to staging) || fail "an open request"
expect 0 "a second model" as ada "$SRC" model add scorer --tier low --owner risk
expect 0 "the source verifies" "$S" audit verify --db "$SRC"
ENTRIES=$(sqlite3 "$SRC" "SELECT count(*) FROM ledger")
[ "$ENTRIES" -gt 15 ] && ok || fail "the estate has a real ledger ($ENTRIES entries)"
SRC_SUM=$(sha256sum "$SRC" | cut -d' ' -f1)
SRC_VERIFY=$(verify_json "$SRC")
SRC_CP=$("$S" audit checkpoint --db "$SRC")

# --- bad input: each refused, naming the argument, writing nothing ---
expect 2 "no --from" "$S" store copy --to "$W/x.db"
has "names --from" "$ERR" "--from"
expect 2 "no --to" "$S" store copy --from "$SRC"
has "names --to" "$ERR" "--to"
expect 2 "an unknown option" "$S" store copy --from "$SRC" --to "$W/x.db" --fast
has "names it" "$ERR" "--fast"
expect 2 "--db is not how a copy names stores" "$S" store copy --from "$SRC" --to "$W/x.db" --db "$SRC"
has "says to use --from and --to" "$ERR" "--from and --to"
expect 2 "--readonly: a copy writes" "$S" store copy --from "$SRC" --to "$W/x.db" --readonly
expect 1 "a missing source" "$S" store copy --from "$W/nothing.db" --to "$W/x.db"
has "names --from and the file" "$ERR" "--from: no store at $W/nothing.db"
printf 'not a database at all, just some text that is long enough\n' >"$W/text.db"
expect 1 "a source that is not a database" "$S" store copy --from "$W/text.db" --to "$W/x.db"
has "says so" "$ERR" "not a steward store"
has "names --from" "$ERR" "--from"
cp "$SRC" "$W/newer.db"
sqlite3 "$W/newer.db" "PRAGMA user_version = 99" || fail "make a newer store"
expect 1 "a source made by a newer steward" "$S" store copy --from "$W/newer.db" --to "$W/x.db"
has "says newer" "$ERR" "newer steward"
cp "$SRC" "$W/older.db"
sqlite3 "$W/older.db" "PRAGMA user_version = 10" || fail "make an older store"
expect 1 "a source at an older schema" "$S" store copy --from "$W/older.db" --to "$W/x.db"
has "says what to do" "$ERR" "steward init --db $W/older.db"
cp "$SRC" "$W/node.db"
cp "$SRC.logkey" "$W/node.db.logkey"
sqlite3 "$W/node.db" "DROP TRIGGER ledger_nodes_no_update;
	UPDATE ledger_nodes SET hash = zeroblob(32) WHERE seq = 2 AND level = 1" || fail "tamper a tree node"
expect 1 "a source whose stored tree node was changed" "$S" store copy --from "$W/node.db" --to "$W/x.db"
has "names the node" "$ERR" "ledger_nodes: the node at level 1 index 0 (entries 1 to 2) differs"
same "and writes nothing" "$(ls "$W/x.db" 2>/dev/null | wc -l)" 0
expect 2 "the same store twice" "$S" store copy --from "$SRC" --to "$SRC"
has "says the same store" "$ERR" "same store"
ln -s "$SRC" "$W/link.db"
expect 2 "the same store through a symlink" "$S" store copy --from "$SRC" --to "$W/link.db"
has "names it" "$ERR" "same store"
expect 2 "a directory" "$S" store copy --from "$SRC" --to "$K"
has "says directory" "$ERR" "is a directory"
cp "$SRC" "$W/full.db"
expect 1 "a destination that holds an estate" "$S" store copy --from "$SRC" --to "$W/full.db"
has "names --to and the file" "$ERR" "--to $W/full.db already exists"
cp "$SRC" "$W/foreign.db"
sqlite3 "$W/foreign.db" "CREATE TABLE stash(x TEXT); INSERT INTO stash VALUES ('kept out')" || fail "add a foreign table"
expect 1 "a source with a table no steward schema has" "$S" store copy --from "$W/foreign.db" --to "$W/x.db"
has "names the table" "$ERR" "table stash"
sqlite3 "$W/foreign.db" "DROP TABLE stash; CREATE TABLE \"x\"\"; --\"(y)" || fail "add a table with a hostile name"
expect 1 "a hostile table name never reaches SQL" "$S" store copy --from "$W/foreign.db" --to "$W/x.db"
has "says which name" "$ERR" "named 'x\"; --'"
same "the full destination is untouched" "$(sha256sum <"$W/full.db")" "$(sha256sum <"$SRC")"
[ ! -e "$W/x.db" ] && ok || fail "no destination was made by bad input"
same "no temporary file left" "$(leftovers)" 0
same "the source was not written" "$(sha256sum "$SRC" | cut -d' ' -f1)" "$SRC_SUM"
rm -f "$W/text.db" "$W/newer.db" "$W/older.db" "$W/link.db" "$W/full.db" "$W/foreign.db"

# A log key this account may not read: refused before anything is written (as root,
# run as nobody, who may read the store but not its 0600 key).
if [ "$(id -u)" -eq 0 ] && id nobody >/dev/null 2>&1 && command -v runuser >/dev/null 2>&1; then
	NB=$(mktemp -d "${TMPDIR:-/tmp}/steward-copy-nobody.XXXXXX")
	chmod 755 "$NB"
	cp "$SRC" "$SRC-wal" "$SRC-shm" "$SRC.logkey" "$NB/" || fail "a store for nobody"
	chmod 644 "$NB/src.db" "$NB/src.db-wal" "$NB/src.db-shm"
	chmod 600 "$NB/src.db.logkey"
	mkdir "$NB/out" && chown nobody "$NB/out"
	expect 1 "a log key this account cannot read" runuser -u nobody -- env XDG_DATA_HOME="$NB/out" "$S" store copy --from "$NB/src.db" --to "$NB/out/x.db"
	has "says to run it as the key's owner" "$ERR" "not readable by this account"
	has "names the key" "$ERR" "$NB/src.db.logkey"
	same "nothing written" "$(ls "$NB/out")" ""
	rm -rf "$NB"
else
	echo "note: not root (or no nobody account): the unreadable log key is not checked"
fi

# --- SQLite to a new SQLite file ---
expect 0 "copy to a new file" "$S" store copy --from "$SRC" --to "$W/copy.db"
has "one summary line" "$OUT" "copied $SRC to $W/copy.db: "
has "counts the ledger" "$OUT" "$ENTRIES ledger entries"
same "the summary is one line" "$(printf '%s\n' "$OUT" | wc -l)" 1
lacks "no progress when stderr is not a terminal" "$ERR" "rows/s"
has "says the log key came along" "$ERR" "log key $W/copy.db.logkey (copied)"
same "audit verify says the same" "$(verify_json "$W/copy.db")" "$SRC_VERIFY"
same "the same newest checkpoint (size and root)" "$("$S" audit checkpoint --db "$W/copy.db")" "$SRC_CP"
same "every table has the same rows" "$(counts_file "$W/copy.db")" "$(counts_file "$SRC")"
same "the same tables" "$(tables "$W/copy.db")" "$(tables "$SRC")"
same "the ledger's tree nodes came along, hash for hash" \
	"$(sqlite3 "$W/copy.db" "SELECT seq, level, hex(hash) FROM ledger_nodes ORDER BY seq, level")" \
	"$(sqlite3 "$SRC" "SELECT seq, level, hex(hash) FROM ledger_nodes ORDER BY seq, level")"
same "the store is 0600" "$(stat -c %a "$W/copy.db")" 600
same "the log key is 0600" "$(stat -c %a "$W/copy.db.logkey")" 600
cmp -s "$W/copy.db.logkey" "$SRC.logkey" && ok || fail "the log key is the source's"
cmp -s "$W/copy.db.witness" "$SRC.witness" && ok || fail "the witness is the source's"
same "no temporary file left" "$(leftovers)" 0
ROOT=$(printf '%s' "$OUT" | sed -n 's/.*root \([0-9a-f]*\)$/\1/p')
same "the root is 64 hex digits" "${#ROOT}" 64
PROOF=$("$S" audit prove 3 --db "$SRC")
expect 0 "a proof from the copy" "$S" audit prove 3 --db "$W/copy.db"
same "is the source's, byte for byte" "$OUT" "$PROOF"
expect 0 "the next act on the copy" as ada "$W/copy.db" model add third --tier low --owner ops
expect 0 "and it verifies, signed" "$S" audit verify --db "$W/copy.db"
has "the new entry is covered by a checkpoint" "$OUT" "$((ENTRIES + 1)) entries"
has "every entry covered" "$OUT" "(newest covers $((ENTRIES + 1)))"
expect 0 "the open request goes on on the copy" as lena "$W/copy.db" promote apply "$R2"
expect 1 "copying onto it again is refused" "$S" store copy --from "$SRC" --to "$W/copy.db"
has "says it exists" "$ERR" "already exists"
: >"$W/empty.db"
expect 0 "an empty file is a new store" "$S" store copy --from "$SRC" --to "$W/empty.db" --quiet --json
valid "the JSON summary"
same "json: tables" "$(j '$.tables')" "$(tables "$SRC" | wc -l)"
same "json: entries" "$(j '$.entries')" "$ENTRIES"
same "json: the same root" "$(j '$.root')" "$ROOT"
same "json: log key" "$(j '$.logkey')" copied
same "--quiet: nothing on stderr" "$ERR" ""
same "the source was not written" "$(sha256sum "$SRC" | cut -d' ' -f1)" "$SRC_SUM"

# A store without a keyring (init without --admin) has no ledger and no log key: it copies too.
"$S" init --db "$W/bare.db" >/dev/null || fail "init a bare store"
expect 0 "a store without a keyring" "$S" store copy --from "$W/bare.db" --to "$W/bare2.db"
has "no entries, no root" "$OUT" "0 ledger entries, root -"
has "says there is no log key" "$ERR" "no log key"
rm -f "$W"/bare.db* "$W"/bare2.db*

# A different log key already beside the destination is another store's.
printf 'steward log key v1\nname: steward.local/0000000000000000\nseed: %064d\n' 0 >"$W/other.db.logkey"
expect 1 "a different log key where the copy's goes" "$S" store copy --from "$SRC" --to "$W/other.db"
has "names the file" "$ERR" "$W/other.db.logkey"
[ ! -e "$W/other.db" ] && ok || fail "no store made beside another's log key"
same "no temporary file left" "$(leftovers)" 0
rm -f "$W/other.db.logkey"

# --- killed mid-copy: no store at the destination ---
cp "$SRC" "$W/big.db"
sqlite3 "$W/big.db" "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < ${STEWARD_COPY_ROWS:-300000})
	INSERT INTO series(version_id, signal, t, value) SELECT $V, 'latency_p99', i, i * 0.5 FROM n" ||
	fail "a large estate"
BIG_ROWS=$(sqlite3 "$W/big.db" "SELECT count(*) FROM series")
"$S" store copy --from "$W/big.db" --to "$W/killed.db" 2>/dev/null &
pid=$!
# Until its transaction has written something (the temporary file's -wal grows).
n=0
while [ "$n" -lt 400 ]; do
	f=$(ls "$W"/killed.db.copy-*-wal 2>/dev/null | head -n 1)
	[ -n "$f" ] && [ "$(stat -c %s "$f")" -gt 1000000 ] && break
	sleep 0.05
	n=$((n + 1))
done
[ "$n" -lt 400 ] && ok || fail "the copy never got to writing rows"
kill -0 "$pid" 2>/dev/null && ok || fail "the copy was still running when killed"
kill -9 "$pid" 2>/dev/null
wait "$pid" 2>/dev/null
[ ! -e "$W/killed.db" ] && ok || fail "a killed copy left a store at the destination"
rm -f "$W"/killed.db.copy-*
expect 0 "a new copy there then works" "$S" store copy --from "$W/big.db" --to "$W/killed.db"
same "with every row" "$(sqlite3 "$W/killed.db" "SELECT count(*) FROM series")" "$BIG_ROWS"
rm -f "$W"/killed.db*

# --- progress on a terminal (script(1) gives the copy one), with its rate ---
if command -v script >/dev/null 2>&1; then
	script -qec "'$S' store copy --from '$W/big.db' --to '$W/tty.db'" /dev/null >"$TMPD/tty.out" 2>&1
	same "the copy on a terminal" "$?" 0
	TTY=$(tr '\r' '\n' <"$TMPD/tty.out")
	has "shows rows done of the total" "$TTY" "/$((BIG_ROWS + $(counts_file "$SRC" | awk '{ s += $2 } END { print s }'))) rows ("
	has "and the rate" "$TTY" "rows/s, "
	has "and the time left" "$TTY" " left)"
	has "names the table" "$TTY" "copying series: "
	script -qec "'$S' store copy --quiet --from '$W/big.db' --to '$W/tty2.db'" /dev/null >"$TMPD/tty.out" 2>&1
	lacks "--quiet: no progress" "$(cat "$TMPD/tty.out")" "rows/s"
	rm -f "$W"/tty.db* "$W"/tty2.db*
else
	echo "note: no script(1): the terminal progress line is not checked"
fi

# --- PostgreSQL ---
if ! pg_start; then
	echo "SKIP ${T_NAME} (PostgreSQL part): $PG_SKIP"
	finish
	exit $?
fi
ADMIN="host=$PG_DIR port=$PGPORT user=postgres dbname=postgres"
newdb() { "$STEWARD_TOP/scripts/pg-setup" --admin "$ADMIN" --db "$1" >/dev/null 2>&1 || fail "pg-setup $1"; }
# counts_pg URI: "table rows" for every table of the source, on a database.
counts_pg() {
	for t in $(tables "$SRC"); do
		printf '%s %s\n' "$t" "$(pg_psql -d "$1" -tA -c "SELECT count(*) FROM \"$t\"")"
	done
}
OWNER=$PG_OWNER_URI
RUNTIME=$PG_RUNTIME_URI

expect 1 "the runtime role cannot make the schema" "$S" store copy --from "$SRC" --to "$RUNTIME"
has "says to use the owner role" "$ERR" "owner role"
has "names --to" "$ERR" "--to"
expect 1 "a wrong password" "$S" store copy --from "$SRC" --to "postgresql://steward:wrong-pw-42@127.0.0.1:$PGPORT/steward"
has "names --to" "$ERR" "--to"
lacks "the password is never shown" "$ERR" "wrong-pw-42"
expect 1 "no server there" "$S" store copy --from "$SRC" --to "postgresql://steward_owner:pw-43@127.0.0.1:1/steward"
has "names --to" "$ERR" "--to"
lacks "the password is never shown" "$ERR" "pw-43"
same "nothing was written" "$(pg_psql -d "$OWNER" -tA -c "SELECT count(*) FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = 'public' AND c.relkind = 'r'")" 0

expect 0 "SQLite to PostgreSQL, as the owner" "$S" store copy --from "$SRC" --to "$OWNER"
has "the summary" "$OUT" "$ENTRIES ledger entries, root $ROOT"
lacks "never a password in the summary" "$OUT" "@127.0.0.1"
PGKEY=$(ls "$XDG_DATA_HOME"/steward/pg/*.logkey 2>/dev/null | head -n 1)
[ -n "$PGKEY" ] && ok || fail "the log key is in this host's data folder"
cmp -s "$PGKEY" "$SRC.logkey" && ok || fail "the log key is the source's"
same "the log key is 0600" "$(stat -c %a "$PGKEY")" 600
same "audit verify on the copy says the same" "$(verify_json "$RUNTIME")" "$SRC_VERIFY"
same "the same newest checkpoint" "$("$S" audit checkpoint --db "$RUNTIME")" "$SRC_CP"
same "every table has the same rows" "$(counts_pg "$OWNER")" "$(counts_file "$SRC")"
same "the copy has the planner's statistics (store copy ran ANALYZE)" \
	"$(pg_psql -d "$OWNER" -tA -c "SELECT count(*) FROM pg_stat_user_tables WHERE relname = 'ledger' AND last_analyze IS NOT NULL")" 1
# models and versions take their ids from identity sequences: the copy moved them.
expect 0 "the next act on the copy, as the runtime role" as ada "$RUNTIME" model add fourth --tier low --owner ops
expect 0 "a version too" as ada "$RUNTIME" version add fourth --artifact s3://m/fourth/1 --digest "$(digest 4)" --author j.chen
expect 0 "the copy verifies" "$S" audit verify --db "$RUNTIME"
has "with both entries, signed" "$OUT" "(newest covers $((ENTRIES + 2)))"
expect 1 "copying into it again is refused" "$S" store copy --from "$SRC" --to "$OWNER"
has "says it holds an estate" "$ERR" "already holds an estate"
expect 2 "the same database as source and destination" "$S" store copy --from "$OWNER" --to "$OWNER"

# An empty database whose schema exists: only its owner may fill it.
newdb filled
"$S" init --db "$(pg_uri steward_owner filled)" >/dev/null || fail "init an empty store"
expect 1 "the runtime role may not fill a store" "$S" store copy --from "$SRC" --to "$(pg_uri steward filled)"
has "says the owner role" "$ERR" "owner role"
expect 0 "the owner may: an empty store takes a copy" "$S" store copy --from "$SRC" --to "$(pg_uri steward_owner filled)" --quiet

# --- PostgreSQL back to a SQLite file (a backup) ---
SRC_PG_VERIFY=$(verify_json "$RUNTIME")
SRC_PG_CP=$("$S" audit checkpoint --db "$RUNTIME")
expect 0 "PostgreSQL to a new file" "$S" store copy --from "$RUNTIME" --to "$W/back.db"
has "the ledger with the new acts" "$OUT" "$((ENTRIES + 2)) ledger entries"
same "audit verify says the same" "$(verify_json "$W/back.db")" "$SRC_PG_VERIFY"
same "the same newest checkpoint" "$("$S" audit checkpoint --db "$W/back.db")" "$SRC_PG_CP"
same "every table has the same rows" "$(counts_file "$W/back.db")" "$(counts_pg "$OWNER")"
expect 0 "the next act on the backup" as ada "$W/back.db" model add fifth --tier low --owner ops
expect 0 "it verifies" "$S" audit verify --db "$W/back.db"
has "signed" "$OUT" "(newest covers $((ENTRIES + 3)))"
# On a host that does not sign, a database has no log key: the copy says so.
expect 0 "a copy on a host without the log key" env XDG_DATA_HOME="$TMPD/elsewhere" "$S" store copy --from "$RUNTIME" --to "$W/nokey.db"
has "says there is no log key here" "$ERR" "no log key on this host"
[ ! -e "$W/nokey.db.logkey" ] && ok || fail "no log key made up"

# --- killed mid-copy into PostgreSQL: the database holds no rows ---
newdb killed
KURI=$(pg_uri steward_owner killed)
"$S" store copy --from "$W/big.db" --to "$KURI" 2>/dev/null &
pid=$!
# Until the copy holds the write lock of its one transaction (after the schema's
# own, committed first), and a moment more.
n=0
while [ "$n" -lt 400 ]; do
	[ "$(pg_psql -d killed -tA -c "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND objid = 1400137079 AND granted
		AND to_regclass('public.ledger') IS NOT NULL")" = 1 ] && break
	sleep 0.05
	n=$((n + 1))
done
[ "$n" -lt 400 ] && ok || fail "the copy never took its write lock"
sleep 0.5
kill -0 "$pid" 2>/dev/null && ok || fail "the copy was still running when killed"
kill -9 "$pid" 2>/dev/null
wait "$pid" 2>/dev/null
# The server ends the dead client's session and rolls its transaction back.
n=0
while [ "$n" -lt 100 ] && [ "$(pg_psql -d killed -tA -c "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND objid = 1400137079")" != 0 ]; do
	sleep 0.1
	n=$((n + 1))
done
same "the schema is there" "$(pg_psql -d killed -tA -c "SELECT to_regclass('ledger') IS NOT NULL")" t
same "no rows in any table" "$(counts_pg "$KURI" | awk '{ s += $2 } END { print s + 0 }')" 0
expect 0 "a new copy into it then works" "$S" store copy --from "$W/big.db" --to "$KURI"
same "with every row" "$(pg_psql -d killed -tA -c "SELECT count(*) FROM series")" "$BIG_ROWS"
RATE_LINE=$OUT
expect 0 "and it verifies" "$S" audit verify --db "$KURI"

finish
