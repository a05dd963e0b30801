# pg-store.sh: a store on a real PostgreSQL server: the governed flow, the roles' append-only ledger, checkpoints signed by a watcher on one host, a read-only replica, and 20 concurrent clients (8 under valgrind) requesting, approving and applying with two killed mid-write.
. "$STEWARD_TOP/tests/lib.sh"
sqlite_suite "it starts PostgreSQL servers of its own, and make test runs it"
. "$STEWARD_TOP/tests/pg-lib.sh"
pg_require

export STEWARD_PASSPHRASE=correct-horse-battery-staple XDG_CONFIG_HOME="$TMPD/cfg" XDG_DATA_HOME="$TMPD/data"
S=$STEWARD
K="$TMPD/keys-pg"
mkdir -p "$K"
U=$PG_RUNTIME_URI
as() {
	w=$1
	shift
	"$S" "$@" --db "$U" --key "$K/$w.key"
}
# q SQL: one value, as the superuser, on the store's database.
q() { pg_psql -d steward -tA -c "$1"; }
D=sha256:
digest() { printf 'sha256:%064d' "$1"; }

# --- bad input first ---
expect 1 "no server there" "$S" model list --db "postgresql://steward:hunter2@127.0.0.1:1/steward"
lacks "the password is never shown" "$ERR" "hunter2"
has "the message says where" "$ERR" "127.0.0.1"
expect 1 "a database without a store" "$S" model list --db "$U"
has "says to init it as the owner" "$ERR" "holds no steward store"
expect 1 "the runtime role cannot make the schema" "$S" init --db "$U"
expect 2 "--group is for files" "$S" init --db "$PG_OWNER_URI" --group root
has "says what governs access instead" "$ERR" "scripts/pg-setup"

# --- the owner makes the store; everyone else uses the runtime role ---
"$S" key gen ada --out "$K/ada.key" >/dev/null || fail "key ada"
expect 0 "init as the owner role" "$S" init --db "$PG_OWNER_URI" --admin ada --admin-key "$K/ada.key"
has "the schema version" "$OUT" "schema version 15"
has "the log key stays on this host" "$OUT" "$XDG_DATA_HOME/steward/pg/"
LOGKEY=$(ls "$XDG_DATA_HOME"/steward/pg/*.logkey)
same "log key 0600" "$(stat -c %a "$LOGKEY")" 600
for p in lena:ml-lead mei:ml-lead rosa:risk-officer sami:sre; do
	n=${p%%:*}
	"$S" key gen "$n" --out "$K/$n.key" >/dev/null || fail "key $n"
	as ada principal add "$n" --role "${p#*:}" --pubkey "$K/$n.key.pub" >/dev/null || fail "add $n"
done
expect 0 "enrol the low-tier policy" as ada policy enroll "$STEWARD_TOP/policies/low.policy"
printf '## Intended use\nx\n\n## Evaluation\nx\n\n## Limitations\nx\n' >"$TMPD/card.md"
# newver MODEL N: version N of MODEL with the evidence the low policy asks for; prints its number.
newver() {
	v=$(as ada version add "$1" --artifact "s3://m/$1/$2" --digest "$(digest "$2")" --author j.chen) || return 1
	as ada metric set "$1" "$v" auc 0.9 --dataset holdout >/dev/null &&
		as ada card set "$1" "$v" --file "$TMPD/card.md" >/dev/null && echo "$v"
}
expect 0 "a model" as ada model add ranker --tier low --owner digital
V=$(newver ranker 1) || fail "version 1"
R=$(as lena promote request ranker "$V" --to staging) || fail "request to staging"
expect 0 "apply to staging" as lena promote apply "$R"
R=$(as lena promote request ranker "$V" --to production) || fail "request to production"
expect 1 "the requester cannot approve" as lena approve "$R"
expect 0 "another ML lead approves" as mei approve "$R"
expect 0 "apply to production" as lena promote apply "$R"
has "the alias moved" "$OUT" "production of ranker now points at version $V"
expect 1 "a request applies once" as lena promote apply "$R"
expect 0 "model list" "$S" model list --db "$U"
has "production v1" "$OUT" "ranker"
expect 0 "audit verify" "$S" audit verify --db "$U"
has "every entry covered" "$OUT" "(newest covers $(q 'SELECT max(seq) FROM ledger'))"

# --- the server enforces the append-only rule too ---
expect 1 "the runtime role may not UPDATE the ledger" pg_psql -d "$U" -v ON_ERROR_STOP=1 -c "UPDATE ledger SET actor = 'mallory' WHERE seq = 1"
has "permission denied" "$ERR" "permission denied"
expect 1 "nor DELETE from it" pg_psql -d "$U" -v ON_ERROR_STOP=1 -c "DELETE FROM ledger WHERE seq = 1"
expect 1 "the owner is stopped by the trigger" pg_psql -d "$PG_OWNER_URI" -v ON_ERROR_STOP=1 -c "UPDATE ledger SET actor = 'mallory' WHERE seq = 1"
has "says why" "$ERR" "the ledger is append-only"
expect 0 "the runtime role may still rewrite a cache" pg_psql -d "$U" -v ON_ERROR_STOP=1 -c "UPDATE versions SET author = 'mallory'"
expect 1 "and audit verify names what the ledger does not explain" "$S" audit verify --db "$U"
has "the forged version is named" "$OUT$ERR" "ranker"
pg_psql -d "$U" -c "UPDATE versions SET author = 'j.chen'" >/dev/null
expect 0 "put back, it verifies" "$S" audit verify --db "$U"

# --- checkpoints: the watcher on the signer's host signs what others append ---
OTHER="$TMPD/other-host"
mkdir -p "$OTHER"
# A client elsewhere: no log key in its data folder, so its writes wait for the signer.
elsewhere() { XDG_DATA_HOME="$OTHER" "$S" "$@" --db "$U"; }
expect 0 "a client on another host writes" elsewhere model add churn --tier low --owner retail --key "$K/ada.key"
N=$(q 'SELECT max(seq) FROM ledger')
expect 0 "its entry verifies as signed by its actor" "$S" audit verify --db "$U"
lacks "but no checkpoint covers it yet" "$OUT" "(newest covers $N)"
"$S" checkpoint --watch --interval 0.2 --db "$U" >"$TMPD/watch.out" 2>"$TMPD/watch.err" &
WATCH=$!
expect 0 "another write from elsewhere" elsewhere model add fraud --tier low --owner risk --key "$K/ada.key"
N=$(q 'SELECT max(seq) FROM ledger')
i=0
until "$S" audit verify --db "$U" 2>/dev/null | grep -q "(newest covers $N)" || [ $i -ge 50 ]; do sleep 0.2; i=$((i + 1)); done
"$S" audit verify --db "$U" 2>/dev/null | grep -q "(newest covers $N)" && ok || fail "the watcher did not sign entry $N"
kill -TERM "$WATCH"
wait "$WATCH"
same "the watcher stops on TERM" "$?" 0
same "the watcher reported nothing wrong" "$(cat "$TMPD/watch.err")" ""

# --- a read-only replica for the console and auditors ---
pg_standby_start
i=0
until [ "$(pg_psql -p "$PG_STANDBY_PORT" -d steward -tA -c 'SELECT count(*) FROM models' 2>/dev/null)" = 3 ] || [ $i -ge 50 ]; do sleep 0.2; i=$((i + 1)); done
expect 0 "model list on the replica" "$S" model list --db "$PG_STANDBY_URI" --readonly
has "sees the models" "$OUT" fraud
expect 0 "audit verify on the replica" "$S" audit verify --db "$PG_STANDBY_URI" --readonly
: >"$TMPD/none.keys"
expect 0 "the console on the replica" "$S" --db "$PG_STANDBY_URI" --readonly --script "$TMPD/none.keys" --dump "$TMPD/replica.screen"
has "it shows the estate" "$(cat "$TMPD/replica.screen")" "ranker"
expect 1 "a write on the replica is refused" "$S" model add late --tier low --owner x --db "$PG_STANDBY_URI" --key "$K/ada.key"

# --- 20 clients at once ---
# The load runs SOAK seconds and until it has done at least what the checks below ask for; under
# valgrind every process is some twenty times slower, so it has fewer polling clients (the lists
# they poll would take the processor from the writers) and runs until that work is done, for at
# most slow SOAK seconds, rather than for a fixed time in which too little gets through.
SOAK=${STEWARD_PG_SOAK:-120}
case $S in */san/*) SOAK=${STEWARD_PG_SOAK:-45} ;; esac
CLIENTS=6
[ "${STEWARD_VALGRIND:-}" = 1 ] && CLIENTS=2
MIN_REQUESTS=10 MIN_APPLIES=5
NM=4
for m in $(seq 1 $NM); do
	as ada model add "m$m" --tier low --owner load >/dev/null || fail "model m$m"
done
W="$TMPD/work"
mkdir -p "$W"
# The clients stop at their next turn once this file exists.
STOP="$W/stop"
# ids FILE [STAGE]: the requests in a 'request list --json' file (to STAGE only).
ids() {
	sqlite3 :memory: "SELECT json_extract(value, '\$.id') FROM json_each(CAST(readfile('$1') AS TEXT))
		${2:+WHERE json_extract(value, '\$.to') = '$2'}" 2>/dev/null
}
# author I: new versions with evidence, each requested to staging.
author() {
	i=$1 n=0 who=lena
	[ $((i % 2)) -eq 0 ] && who=mei
	while [ ! -e "$STOP" ]; do
		n=$((n + 1))
		m="m$(((i + n) % NM + 1))"
		v=$(newver "$m" "$((i * 100000 + n))") || continue
		r=$(as "$who" promote request "$m" "$v" --to staging 2>/dev/null) && echo "request $r"
	done >"$W/author.$i"
}
# applier I: applies every open request whose gate passes; a staging apply is followed by a production request.
applier() {
	i=$1 who=lena
	[ $((i % 2)) -eq 0 ] && who=mei
	while [ ! -e "$STOP" ]; do
		"$S" request list --db "$U" --json >"$W/list.$i" 2>/dev/null
		ids "$W/list.$i" >"$W/open.$i"
		while read -r r; do
			if out=$(as "$who" promote apply "$r" 2>/dev/null); then
				echo "apply $r"
				case $out in *"staging of "*)
					m=$(printf '%s' "$out" | sed -n 's/.*staging of \([^ ]*\) now points at version \([0-9]*\).*/\1 \2/p')
					r2=$(as "$who" promote request $m --to production 2>/dev/null) && echo "request $r2"
					;;
				esac
			fi
		done <"$W/open.$i"
	done >"$W/applier.$i"
}
# approver I: approves open production requests (never its own).
approver() {
	i=$1 who=lena
	[ $((i % 2)) -eq 0 ] && who=mei
	while [ ! -e "$STOP" ]; do
		"$S" request list --db "$U" --json >"$W/plist.$i" 2>/dev/null
		ids "$W/plist.$i" production >"$W/prod.$i"
		while read -r r; do
			as "$who" approve "$r" >/dev/null 2>&1 && echo "approve $r $who"
		done <"$W/prod.$i"
		sleep 0.1
	done >"$W/approver.$i"
}
# victim: writes until it is killed with SIGKILL, whatever it is doing.
victim() {
	n=0
	while :; do
		n=$((n + 1))
		as sami incident open ranker --severity info --title "load $1.$n" >/dev/null 2>&1 && echo "incident $1.$n"
	done >"$W/victim.$1"
}
# done_so_far KIND: how many KIND lines (request, apply, approve) the clients have reported so far.
done_so_far() { cat "$W"/author.* "$W"/applier.* "$W"/approver.* 2>/dev/null | grep -c "^$1 "; }
# waited SECONDS: whether SECONDS have passed since the load started.
waited() { [ $(($(date +%s) - START)) -ge "$1" ]; }
START=$(date +%s)
PIDS=
for i in $(seq 1 $CLIENTS); do author "$i" & PIDS="$PIDS $!"; done
for i in $(seq 1 $CLIENTS); do applier "$i" & PIDS="$PIDS $!"; done
for i in $(seq 1 $CLIENTS); do approver "$i" & PIDS="$PIDS $!"; done
victim 1 & V1=$!
victim 2 & V2=$!
# Kill each victim's steward processes mid-run, once it has written something, then the loops themselves.
until { waited $((SOAK / 3)) && [ -s "$W/victim.1" ] && [ -s "$W/victim.2" ]; } || waited $(($(slow "$SOAK") / 3)); do sleep 1; done
for v in $V1 $V2; do pkill -KILL -P "$v" steward-testclock 2>/dev/null; pkill -KILL -P "$v" 2>/dev/null; kill -KILL "$v" 2>/dev/null; done
until { waited "$SOAK" && [ "$(done_so_far request)" -gt $MIN_REQUESTS ] && [ "$(done_so_far apply)" -gt $MIN_APPLIES ] &&
	[ "$(done_so_far approve)" -gt 0 ]; } || waited "$(slow "$SOAK")"; do sleep 1; done
: >"$STOP"
wait $PIDS
wait $V1 $V2 2>/dev/null

cat "$W"/author.* "$W"/applier.* | grep '^request ' | sort -u >"$W/requests"
cat "$W"/applier.* | grep '^apply ' | sort >"$W/applies"
cat "$W"/approver.* | grep '^approve ' | sort >"$W/approvals"
echo "pg-store.sh: $(($(date +%s) - START))s with $((CLIENTS * 3 + 2)) clients, $(wc -l <"$W/requests") requests, $(wc -l <"$W/approvals") approvals, $(wc -l <"$W/applies") applies, $(cat "$W"/victim.* | wc -l) incidents reported, $(q 'SELECT max(seq) FROM ledger') entries"
[ "$(wc -l <"$W/requests")" -gt $MIN_REQUESTS ] && ok || fail "the clients made few requests: $(wc -l <"$W/requests")"
[ "$(wc -l <"$W/applies")" -gt $MIN_APPLIES ] && ok || fail "the clients applied little: $(wc -l <"$W/applies")"
[ "$(wc -l <"$W/approvals")" -gt 0 ] && ok || fail "nothing was approved"
same "the ledger has no gap" "$(q 'SELECT count(*) = max(seq) FROM ledger')" t
same "no request applied twice" "$(q "SELECT count(*) FROM (SELECT json_extract(body, '\$.data.request') AS r FROM ledger WHERE action = 'promotion.apply' GROUP BY 1 HAVING count(*) > 1) d")" 0
same "no two clients reported the same apply" "$(uniq -d "$W/applies" | wc -l)" 0
missing=0
while read -r _ r; do
	[ "$(q "SELECT count(*) FROM ledger WHERE action = 'request.open' AND CAST(json_extract(body, '\$.data.request') AS BIGINT) = $r")" = 1 ] || missing=$((missing + 1))
done <"$W/requests"
same "every request reported is in the ledger" "$missing" 0
missing=0
while read -r _ r; do
	[ "$(q "SELECT count(*) FROM ledger WHERE action = 'promotion.apply' AND CAST(json_extract(body, '\$.data.request') AS BIGINT) = $r")" = 1 ] || missing=$((missing + 1))
done <"$W/applies"
same "every apply reported is in the ledger" "$missing" 0
missing=0
while read -r _ r who; do
	[ "$(q "SELECT count(*) FROM approvals WHERE request_id = $r AND principal = '$who'")" -ge 1 ] || missing=$((missing + 1))
done <"$W/approvals"
same "every approval reported is recorded" "$missing" 0
missing=0
for t in $(cat "$W"/victim.* | sed 's/^incident //'); do
	[ "$(q "SELECT count(*) FROM incidents WHERE title = 'load $t'")" = 1 ] || missing=$((missing + 1))
done
same "every incident the killed clients reported is there" "$missing" 0
expect 0 "audit verify after the load and the kills" "$S" audit verify --db "$U"
has "every entry checked" "$OUT" "verified: $(q 'SELECT max(seq) FROM ledger') entries"

finish
