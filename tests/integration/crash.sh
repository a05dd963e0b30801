# crash.sh: governed writes killed with SIGKILL at random points (approvals, applies, enrolments, evidence, syncs from a real MLflow), then the store's integrity check, audit verify, all-or-nothing per act, and every acknowledged write found.
# The campaign is reduced for make test: STEWARD_CRASH_ROUNDS (default 20) kills in all, spread over
# the five kinds of act; STEWARD_CRASH_ROUNDS=720 repeats the full campaign by hand.
. "$STEWARD_TOP/tests/lib.sh"
sqlite_suite "pg-store.sh kills clients of a PostgreSQL store; this campaign checks the SQLite file"
. "$STEWARD_TOP/tests/integration/lib-mlflow.sh"
mlflow_series 3

export STEWARD_NOW=$(date +%s) # MLflow stamps real times; the clocks must agree
export STEWARD_PASSPHRASE=correct-horse-battery XDG_CONFIG_HOME="$TMPD/cfg" XDG_DATA_HOME="$TMPD/data"
DB="$TMPD/s.db"
K="$TMPD/keys"
mkdir -p "$K"
ROUNDS=${STEWARD_CRASH_ROUNDS:-20}
case $ROUNDS in '' | *[!0-9]* | 0) echo "crash.sh: STEWARD_CRASH_ROUNDS must be a positive number" >&2; exit 2 ;; esac

as() {
	who=$1
	shift
	"$STEWARD" "$@" --db "$DB" --key "$K/$who.key"
}
# count SQL: one number from the store; a query that fails says so instead of comparing equal.
count() {
	c=$(store_sql "$DB" "$1" 2>&1)
	case $c in '' | *[!0-9]*) echo "query failed: $1: $c" ;; *) echo "$c" ;; esac
}

mlflow_start
expect 0 "populate MLflow with its own client" mlfx populate --models 2 --versions 1
"$STEWARD" key gen ada --out "$K/ada.key" >/dev/null || fail "key ada"
"$STEWARD" init --db "$DB" --admin ada --admin-key "$K/ada.key" >/dev/null || fail "init"
for p in lena:ml-lead mei:ml-lead sami:sre ci:pipeline; do
	n=${p%%:*}
	"$STEWARD" key gen "$n" --out "$K/$n.key" >/dev/null || fail "key $n"
	as ada principal add "$n" --role "${p#*:}" --pubkey "$K/$n.key.pub" >/dev/null || fail "add $n"
done
# Keys for the enrolment rounds, made before the clock starts.
i=0
while [ "$i" -lt "$ROUNDS" ]; do
	"$STEWARD" key gen "p$i" --out "$K/p$i.key" >/dev/null || fail "key p$i"
	i=$((i + 1))
done
as ada policy enroll "$STEWARD_TOP/policies/low.policy" >/dev/null || fail "enrol low"
as ada model add crash --tier low --owner ops >/dev/null || fail "model"
printf '## Intended use\nx\n\n## Evaluation\nx\n\n## Limitations\nx\n' >"$TMPD/card.md"
CFG="$TMPD/steward.conf"
printf '[plugin ml]\ntype = mlflow\nurl = %s\ntimeout = 10\n' "$MLFLOW_URL" >"$CFG"
expect 0 "a first sync" as ci sync --config "$CFG"

# evidence N: version N of crash with the evidence the low policy asks for; prints its number.
evidence() {
	v=$(as ci version add crash --artifact "s3://m/crash/$1" --digest "$(printf 'sha256:%064d' "$1")" --author j.chen) || return 1
	as ci metric set crash "$v" auc 0.9 --dataset holdout >/dev/null &&
		as ci card set crash "$v" --file "$TMPD/card.md" >/dev/null && echo "$v"
}
# A staging request and a production request with its staging done, as the rounds need them.
staging_request() {
	v=$(evidence "$1") || return 1
	as lena promote request crash "$v" --to staging
}
production_request() {
	v=$(evidence "$1") || return 1
	r=$(as lena promote request crash "$v" --to staging) && as lena promote apply "$r" >/dev/null &&
		as lena promote request crash "$v" --to production
}

# victim LOG CMD...: runs CMD in the background; its exit status lands in LOG when it finishes.
# kill_at MS: SIGKILL to the victim's steward after MS milliseconds unless it finished first.
victim() {
	log=$1
	shift
	("$@" >/dev/null 2>&1; echo "$?" >"$log") &
	VPID=$!
}
kill_at() {
	sleep "$(awk -v ms="$1" 'BEGIN { printf "%.3f", ms / 1000 }')"
	# The victim's shell first, so it starts nothing more, then every steward on this store,
	# again for a while: a child forked just before the shell died only shows its command line
	# once it has exec'd, and must not go on writing while the round checks the store.
	kill -KILL "$VPID" 2>/dev/null
	k=0
	while [ "$k" -lt 10 ]; do
		pkill -KILL -f -- "--db $DB" 2>/dev/null
		sleep 0.03
		k=$((k + 1))
	done
	wait "$VPID" 2>/dev/null
}
# ms CMD...: how long CMD takes when nothing kills it, in milliseconds (the round's window).
ms() {
	t0=$(date +%s%N)
	"$@" >/dev/null 2>&1
	t1=$(date +%s%N)
	echo $(((t1 - t0) / 1000000))
}

ACK="$TMPD/acked"
: >"$ACK"
kinds="approve apply enrol evidence sync"
# The window of each kind: one run unkilled, so the kills fall anywhere in a real act.
r=$(production_request 900001) || fail "calibration request"
W_approve=$(ms as mei approve "$r")
r=$(staging_request 900002) || fail "calibration staging request"
W_apply=$(ms as lena promote apply "$r")
W_enrol=$(ms as ada principal add calibrate --role auditor --pubkey "$K/p0.key.pub")
W_evidence=$(ms evidence 900003)
mlfx add-version model-001 >/dev/null || fail "calibration version"
W_sync=$(ms as ci sync --config "$CFG")
echo "crash.sh: windows (ms): approve $W_approve, apply $W_apply, enrol $W_enrol, evidence $W_evidence, sync $W_sync"

killed=0
finished=0
syncs=0
round=0
seed=${STEWARD_CRASH_SEED:-$$}
echo "crash.sh: $ROUNDS rounds, seed $seed"
while [ "$round" -lt "$ROUNDS" ]; do
	n=$((round + 1))
	kind=$(echo $kinds | cut -d ' ' -f $((round % 5 + 1)))
	eval "w=\$W_$kind"
	# Anywhere from before the store is opened to just after the commit.
	at=$(awk -v s="$seed" -v r="$round" -v w="$w" 'BEGIN { srand(s + r); printf "%d", rand() * (w * 1.2 + 5) }')
	st="$TMPD/status.$n"
	rm -f "$st"
	case $kind in
	approve)
		r=$(production_request "$n") || { fail "round $n: no request"; round=$n; continue; }
		victim "$st" as mei approve "$r"
		kill_at "$at"
		# all or nothing: the approval row and its ledger entry together
		a=$(count "SELECT count(*) FROM approvals WHERE request_id = $r")
		l=$(count "SELECT count(*) FROM ledger WHERE action = 'approval.approve' AND CAST(json_extract(body, '\$.data.request') AS INTEGER) = $r")
		same "round $n (approve at $at ms): the approval and its entry together" "$a" "$l"
		[ "$(cat "$st" 2>/dev/null)" = 0 ] && echo "approval $r" >>"$ACK"
		;;
	apply)
		r=$(staging_request "$n") || { fail "round $n: no request"; round=$n; continue; }
		victim "$st" as lena promote apply "$r"
		kill_at "$at"
		p=$(count "SELECT count(*) FROM promotions WHERE request_id = $r")
		l=$(count "SELECT count(*) FROM ledger WHERE action = 'promotion.apply' AND CAST(json_extract(body, '\$.data.request') AS INTEGER) = $r")
		same "round $n (apply at $at ms): the promotion and its entry together" "$p" "$l"
		[ "$(cat "$st" 2>/dev/null)" = 0 ] && echo "apply $r" >>"$ACK"
		;;
	enrol)
		victim "$st" as ada principal add "p$round" --role sre --pubkey "$K/p$round.key.pub"
		kill_at "$at"
		p=$(count "SELECT count(*) FROM principals WHERE name = 'p$round'")
		l=$(count "SELECT count(*) FROM ledger WHERE action = 'keyring.add' AND subject = 'principal/p$round'")
		same "round $n (enrol at $at ms): the principal and its entry together" "$p" "$l"
		[ "$(cat "$st" 2>/dev/null)" = 0 ] && echo "principal p$round" >>"$ACK"
		;;
	evidence)
		victim "$st" evidence "$((500000 + n))"
		kill_at "$at"
		[ "$(cat "$st" 2>/dev/null)" = 0 ] && echo "version s3://m/crash/$((500000 + n))" >>"$ACK"
		;;
	sync)
		mlfx add-version model-002 >/dev/null || fail "round $n: MLflow version"
		victim "$st" as ci sync --config "$CFG"
		kill_at "$at"
		syncs=$((syncs + 1))
		# acknowledged: every version MLflow had then (the populated one and one a sync round) is here
		[ "$(cat "$st" 2>/dev/null)" = 0 ] && echo "synced $((syncs + 1))" >>"$ACK"
		;;
	esac
	if [ -f "$st" ]; then finished=$((finished + 1)); else killed=$((killed + 1)); fi
	# After every kill the store opens, keeps its integrity and verifies.
	same "round $n ($kind at $at ms): integrity" "$(store_sql "$DB" 'PRAGMA integrity_check')" ok
	expect 0 "round $n ($kind at $at ms): audit verify" "$STEWARD" audit verify --db "$DB"
	round=$n
done
echo "crash.sh: $killed killed mid-act, $finished finished before the kill"
[ "$killed" -gt 0 ] && ok || fail "no act was killed: the windows are wrong"

# Every acknowledged write is there.
missing=0
while read -r what id; do
	case $what in
	approval) q="SELECT count(*) FROM approvals WHERE request_id = $id AND principal = 'mei'" ;;
	apply) q="SELECT count(*) FROM ledger WHERE action = 'promotion.apply' AND CAST(json_extract(body, '\$.data.request') AS INTEGER) = $id" ;;
	principal) q="SELECT count(*) FROM principals WHERE name = '$id'" ;;
	version) q="SELECT count(*) FROM versions WHERE artifact_uri = '$id'" ;;
	synced) q="SELECT CASE WHEN count(*) >= $id THEN 1 ELSE 0 END FROM versions v JOIN models m ON m.id = v.model_id WHERE m.name = 'model-002'" ;;
	esac
	[ "$(count "$q")" -ge 1 ] || { missing=$((missing + 1)); echo "crash.sh: acknowledged but missing: $what $id"; }
done <"$ACK"
same "every acknowledged write is in the store ($(wc -l <"$ACK") of them)" "$missing" 0
# The sync after the kills brings what the killed ones did not: MLflow's versions all arrive.
expect 0 "a sync after the kills" as ci sync --config "$CFG"
same "every MLflow version is in the store" "$(count "SELECT count(*) FROM versions v JOIN models m ON m.id = v.model_id WHERE m.name = 'model-002'")" "$((syncs + 1))"

# Concurrent writers on the one file, two of them killed half way: the write lock keeps one
# gapless chain and every reported write is there (the campaign had 70; STEWARD_CRASH_WRITERS).
# They write for STEWARD_CRASH_SECONDS and until they have done what the checks below ask for
# (more incidents than writers, one audit verify beside them): under valgrind, where every process
# is some twenty times slower, that takes longer, for at most slow SECONDS.
WRITERS=${STEWARD_CRASH_WRITERS:-12}
SECS=${STEWARD_CRASH_SECONDS:-20}
# The writers and the verifier stop at their next turn once this file exists.
STOP="$TMPD/writers.stop"
writer() {
	n=0
	while [ ! -e "$STOP" ]; do
		n=$((n + 1))
		as sami incident open crash --severity info --title "load $1.$n" >/dev/null 2>&1 && echo "$1.$n"
	done >"$TMPD/writer.$1"
}
# A colleague runs audit verify meanwhile: it reads one moment of the store, so a commit half
# way through never looks like a table the ledger does not explain.
verifier() {
	while [ ! -e "$STOP" ]; do
		"$STEWARD" audit verify --db "$DB" >/dev/null 2>"$TMPD/verifier.err" && echo ok || { echo "failed: $(cat "$TMPD/verifier.err")"; }
	done >"$TMPD/verifier.out"
}
# waited SECONDS: whether SECONDS have passed since the writers started.
START=$(date +%s)
waited() { [ $(($(date +%s) - START)) -ge "$1" ]; }
verifier &
VERIFIER=$!
PIDS=
i=1
while [ "$i" -le "$WRITERS" ]; do
	writer "$i" &
	PIDS="$PIDS $!"
	i=$((i + 1))
done
# The first two are killed half way, once each has written something.
until { waited $((SECS / 2)) && [ -s "$TMPD/writer.1" ] && [ -s "$TMPD/writer.2" ]; } || waited $(($(slow "$SECS") / 2)); do sleep 1; done
for v in $(echo $PIDS | cut -d ' ' -f 1-2); do
	kill -KILL "$v" 2>/dev/null
	pkill -KILL -P "$v" 2>/dev/null
done
until { waited "$SECS" && [ "$(cat "$TMPD"/writer.* | wc -l)" -gt "$WRITERS" ] && grep -q '^ok' "$TMPD/verifier.out"; } ||
	waited "$(slow "$SECS")"; do sleep 1; done
: >"$STOP"
wait $PIDS 2>/dev/null
wait "$VERIFIER"
[ "$(grep -c '^ok' "$TMPD/verifier.out")" -gt 0 ] && ok || fail "audit verify never ran beside the writers"
same "audit verify beside the writers never failed" "$(grep -v '^ok' "$TMPD/verifier.out" | head -n 3)" ""
reported=$(cat "$TMPD"/writer.* | wc -l)
echo "crash.sh: $WRITERS writers, $reported incidents reported"
[ "$reported" -gt "$WRITERS" ] && ok || fail "the writers wrote little: $reported"
missing=0
for t in $(cat "$TMPD"/writer.*); do
	[ "$(count "SELECT count(*) FROM incidents WHERE title = 'load $t'")" = 1 ] || missing=$((missing + 1))
done
same "every incident the writers reported is there once" "$missing" 0
same "the ledger has no gap" "$(count 'SELECT max(seq) - count(*) FROM ledger')" 0
expect 0 "audit verify at the end" "$STEWARD" audit verify --db "$DB"
same "integrity at the end" "$(store_sql "$DB" 'PRAGMA integrity_check')" ok
finish
