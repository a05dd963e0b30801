# pg-stall.sh: a PostgreSQL server that stops answering (a backend or the postmaster SIGSTOPped mid-command, a port that accepts and never replies): steward gives up within its deadline naming the server, and what it was writing is all there or not at all; a read-only snapshot waits ten times the deadline.
. "$STEWARD_TOP/tests/lib.sh"
sqlite_suite "it starts PostgreSQL servers of its own, and make test runs it"
. "$STEWARD_TOP/tests/pg-lib.sh"
pg_require

export STEWARD_PASSPHRASE=correct-horse-battery-staple XDG_CONFIG_HOME="$TMPD/cfg" XDG_DATA_HOME="$TMPD/data"
S=$STEWARD
K="$TMPD/keys"
mkdir -p "$K"
U=$PG_RUNTIME_URI
q() { pg_psql -d steward -tA -c "$1"; }
ms() { echo $(($(date +%s%N) / 1000000)); }
# within DESC START LIMIT_MS: no more than LIMIT_MS went by since START, plus LAG.
within() {
	w_took=$(($(ms) - $2))
	if [ "$w_took" -le $(($3 + LAG)) ]; then ok; else fail "$1: took $w_took ms, limit $3 + $LAG"; fi
	echo "measured: $1: $w_took ms" >&2
}
STOPPED=
cont_all() { for p in $STOPPED; do kill -CONT "$p" 2>/dev/null; done; STOPPED=; }
# Nothing stays stopped past the suite, whatever fails.
trap 'cont_all; pg_stop; eval "$PG_PREV_EXIT"' EXIT

"$S" key gen ada --out "$K/ada.key" >/dev/null || fail "key ada"
expect 0 "init as the owner" "$S" init --db "$PG_OWNER_URI" --admin ada --admin-key "$K/ada.key"
# LAG: what starting and ending a steward process costs beyond its deadlines, the longer of two
# model lists; 0 unless under valgrind (STEWARD_SLOW), where it is seconds and the limits below
# would measure valgrind rather than steward's deadlines.
LAG=0
if [ "$STEWARD_SLOW" -gt 1 ]; then
	for i in 1 2; do
		t0=$(ms)
		"$S" model list --db "$U" >/dev/null 2>&1
		t1=$(($(ms) - t0))
		[ "$t1" -gt "$LAG" ] && LAG=$t1
	done
	echo "measured: a model list under valgrind: $LAG ms, added to each limit" >&2
fi

# --- bad input ---
for bad in abc -1 1.5 86401 " 3" ""x""; do
	[ -n "$bad" ] || continue
	STEWARD_PG_TIMEOUT=$bad expect 1 "STEWARD_PG_TIMEOUT='$bad' is refused" "$S" model list --db "$U"
	has "the message names the variable" "$ERR" "STEWARD_PG_TIMEOUT"
done
STEWARD_PG_TIMEOUT=0 expect 0 "0 is no limit" "$S" model list --db "$U"
STEWARD_PG_TIMEOUT=7 expect 0 "a number of seconds" "$S" model list --db "$U"

# --- a port that accepts and never answers: the connect timeout fires ---
python3 -c '
import socket, sys, time
s = socket.socket()
s.bind(("127.0.0.1", 0))
s.listen(16)
print(s.getsockname()[1], flush=True)
held = []
while True:
    c, _ = s.accept()
    held.append(c)
' >"$TMPD/mute.port" &
MUTE=$!
for i in 1 2 3 4 5 6 7 8 9 10; do [ -s "$TMPD/mute.port" ] && break; sleep 0.2; done
MPORT=$(cat "$TMPD/mute.port")
[ -n "$MPORT" ] || fail "the silent server did not start"
t0=$(ms)
expect 1 "connect_timeout in the URI" "$S" model list --db "postgresql://steward:hunter2@127.0.0.1:$MPORT/steward?connect_timeout=2"
within "a silent port, connect_timeout=2" "$t0" 6000
has "names the server" "$ERR" "127.0.0.1:$MPORT"
lacks "never the password" "$ERR" "hunter2"
has "says it timed out" "$ERR" "timeout"
t0=$(ms)
PGCONNECT_TIMEOUT=3 expect 1 "PGCONNECT_TIMEOUT" "$S" model list --db "postgresql://steward:hunter2@127.0.0.1:$MPORT/steward"
within "a silent port, PGCONNECT_TIMEOUT=3" "$t0" 7000
has "says it timed out" "$ERR" "timeout"
kill "$MUTE" 2>/dev/null
wait "$MUTE" 2>/dev/null

# --- a stopped postmaster: a new connection gives up ---
PM=$(sed -n 1p "$PG_DIR/data/postmaster.pid")
kill -STOP "$PM" && STOPPED=$PM
t0=$(ms)
PGCONNECT_TIMEOUT=2 expect 1 "the postmaster is stopped" "$S" model list --db "$U"
within "a stopped postmaster, PGCONNECT_TIMEOUT=2" "$t0" 6000
has "says it timed out" "$ERR" "timeout"
cont_all
expect 0 "the postmaster woke: steward works again" "$S" model list --db "$U"

# --- a backend stopped in the middle of a governed write ---
# The ledger insert sleeps 2 s for sessions named "stall", so the backend can be caught
# inside the transaction: the model row is written, the ledger entry not yet.
q "CREATE FUNCTION stall_sleep() RETURNS trigger LANGUAGE plpgsql AS \$\$
 BEGIN IF current_setting('application_name') LIKE 'stall%' THEN PERFORM pg_sleep(2); END IF; RETURN NEW; END \$\$;
 CREATE TRIGGER stall_sleep BEFORE INSERT ON ledger FOR EACH ROW EXECUTE FUNCTION stall_sleep();" >/dev/null ||
	fail "the stalling trigger"

# backend NAME: the pid of the backend with application_name NAME, once it is asleep in the trigger.
backend() {
	for i in $(seq 1 100); do
		b=$(q "SELECT pid FROM pg_stat_activity WHERE application_name = '$1' AND wait_event = 'PgSleep'")
		[ -n "$b" ] && { echo "$b"; return 0; }
		sleep 0.1
	done
	return 1
}

STEWARD_PG_TIMEOUT=3 "$S" model add stalled --tier low --owner x --db "$U&application_name=stall1" --key "$K/ada.key" \
	>"$TMPD/stall.out" 2>"$TMPD/stall.err" &
CMD=$!
if B=$(backend stall1); then
	kill -STOP "$B" && STOPPED=$B
	t0=$(ms)
	wait "$CMD"
	RC=$?
	within "a stopped backend, STEWARD_PG_TIMEOUT=3" "$t0" 7000
	ERR=$(cat "$TMPD/stall.err")
	same "the command failed" "$RC" 1
	has "says the server did not answer" "$ERR" "did not answer within 3"
	has "names the server" "$ERR" "host=$PG_DIR"
	has "the statement was cancelled through the postmaster" "$ERR" "the statement was cancelled"
	has "says what happens to the write" "$ERR" "rolled back"
	cont_all
	for i in $(seq 1 50); do
		[ -z "$(q "SELECT pid FROM pg_stat_activity WHERE pid = $B")" ] && break
		sleep 0.2
	done
	same "the backend ended once it woke (it read the closed socket)" "$(q "SELECT count(*) FROM pg_stat_activity WHERE pid = $B")" 0
	same "the half-written model was rolled back" "$(q "SELECT count(*) FROM models WHERE name = 'stalled'")" 0
	same "no ledger entry for it" "$(q "SELECT count(*) FROM ledger WHERE subject LIKE '%stalled%'")" 0
else
	fail "the stalled command's backend never reached the trigger: $(cat "$TMPD/stall.err")"
	wait "$CMD"
fi
expect 0 "the write lock is free: the next write goes through" "$S" model add after --tier low --owner x --db "$U" --key "$K/ada.key"
expect 0 "audit verify" "$S" audit verify --db "$U"

# --- the whole server stopped mid-write: the cancel goes unanswered too, and steward still returns ---
STEWARD_PG_TIMEOUT=2 "$S" model add frozen --tier low --owner x --db "$U&application_name=stall2" --key "$K/ada.key" \
	>"$TMPD/stall.out" 2>"$TMPD/stall.err" &
CMD=$!
if B=$(backend stall2); then
	kill -STOP "$PM" "$B" && STOPPED="$PM $B"
	t0=$(ms)
	wait "$CMD"
	RC=$?
	within "a stopped server, STEWARD_PG_TIMEOUT=2 and the 2 s cancel" "$t0" 8000
	ERR=$(cat "$TMPD/stall.err")
	same "the command failed" "$RC" 1
	has "says the server did not answer" "$ERR" "did not answer within 2"
	has "says the cancel went unanswered" "$ERR" "unanswered"
	cont_all
	sleep 1
	same "nothing of it was kept" "$(q "SELECT count(*) FROM models WHERE name = 'frozen'")" 0
else
	fail "the second stalled command never reached the trigger: $(cat "$TMPD/stall.err")"
	wait "$CMD"
fi
expect 0 "audit verify after the server woke" "$S" audit verify --db "$U"

# --- stopped at whatever point a write has reached: all of it or none ---
# The trigger is gone, so the stop lands wherever the command is: the first as soon as its backend
# is inside a transaction (the write's, or the checkpoint's after it), the rest after a delay.
q "DROP TRIGGER stall_sleep ON ledger" >/dev/null
n=0
for when in tx 0.3 0.4 0.5 0.6 0.75; do
	n=$((n + 1))
	STEWARD_PG_TIMEOUT=2 "$S" model add "any$n" --tier low --owner x --db "$U&application_name=stall-any$n" --key "$K/ada.key" \
		>"$TMPD/any.out" 2>"$TMPD/any.err" &
	CMD=$!
	B=
	if [ "$when" = tx ]; then
		while kill -0 "$CMD" 2>/dev/null; do
			B=$(q "SELECT pid FROM pg_stat_activity WHERE application_name = 'stall-any$n' AND backend_xid IS NOT NULL")
			[ -n "$B" ] && break
		done
	else
		sleep "$when"
		B=$(q "SELECT pid FROM pg_stat_activity WHERE application_name = 'stall-any$n'")
	fi
	[ -n "$B" ] && kill -STOP "$B" && STOPPED=$B
	wait "$CMD"
	RC=$?
	cont_all
	sleep 1
	models=$(q "SELECT count(*) FROM models WHERE name = 'any$n'")
	entries=$(q "SELECT count(*) FROM ledger WHERE action = 'model.set' AND subject = 'models:/any$n'")
	same "any$n: the model and its ledger entry together or neither (exit $RC)" "$models" "$entries"
	[ "$RC" -eq 0 ] && same "any$n: a success was kept" "$models" 1
	echo "measured: stop at $when: exit $RC, model rows $models: $(head -c 160 "$TMPD/any.err")" >&2
done
expect 0 "audit verify after the stops" "$S" audit verify --db "$U"

# --- a read-only snapshot (audit verify) waits ten times the deadline: one statement there may read
# the whole ledger before its first row, and it holds no lock a writer waits for ---
# hold SECONDS: another session keeps the versions table locked that long (in the background);
# release ends it sooner.
hold() {
	PGAPPNAME=stallhold pg_psql -d steward -c "BEGIN; LOCK TABLE versions IN ACCESS EXCLUSIVE MODE; SELECT pg_sleep($1); COMMIT" >/dev/null 2>&1 &
	HOLD=$!
	for i in $(seq 50); do
		[ "$(q "SELECT count(*) FROM pg_locks WHERE relation = 'versions'::regclass AND mode = 'AccessExclusiveLock' AND granted")" = 1 ] && return 0
		sleep 0.1
	done
	fail "the lock on versions was never taken"
}
release() { q "SELECT pg_cancel_backend(pid) FROM pg_stat_activity WHERE application_name = 'stallhold'" >/dev/null; }
hold 3
t0=$(ms)
STEWARD_PG_TIMEOUT=1 expect 0 "audit verify waits out a 3 s lock with STEWARD_PG_TIMEOUT=1" "$S" audit verify --db "$U"
echo "measured: audit verify behind a 3 s lock: $(($(ms) - t0)) ms" >&2
wait "$HOLD"
# A backend stopped while the snapshot waits is still noticed, after ten times the deadline. The
# lock is held until released, and the wait for the verify to reach it scaled: under valgrind its
# start alone outlasted a 3 s lock and 5 s of waiting.
hold 3600
STEWARD_PG_TIMEOUT=1 "$S" audit verify --db "$U&application_name=stallv" >"$TMPD/v.out" 2>"$TMPD/v.err" &
CMD=$!
B=
for i in $(seq "$(slow 50)"); do
	B=$(q "SELECT pid FROM pg_stat_activity WHERE application_name = 'stallv' AND wait_event_type = 'Lock'")
	[ -n "$B" ] && break
	sleep 0.1
done
if [ -n "$B" ]; then
	kill -STOP "$B" && STOPPED=$B
	t0=$(ms)
	wait "$CMD"
	RC=$?
	cont_all
	same "a stopped backend under a snapshot: the verify fails" "$RC" 1
	within "a stopped snapshot, STEWARD_PG_TIMEOUT=1" "$t0" 16000
	has "it says how long it waited" "$(cat "$TMPD/v.err")" "did not answer within 10"
	has "and names the variable" "$(cat "$TMPD/v.err")" "STEWARD_PG_TIMEOUT"
else
	fail "the verify's backend never waited on the lock: $(cat "$TMPD/v.err")"
	wait "$CMD"
fi
release
wait "$HOLD"
expect 0 "audit verify once the lock is gone" "$S" audit verify --db "$U"

finish
