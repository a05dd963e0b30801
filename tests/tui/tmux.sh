# tmux.sh: the console on a real terminal under tmux: start, navigate, filter (a slow one too, and a search and a recount under it), help, live refresh, resize, colour, quit.
. "$STEWARD_TOP/tests/lib.sh"

SOCK="steward-test-$$"
DB="$TMPD/d.db"
# Sanitizer builds are slower to start and draw.
WAIT=${STEWARD_TMUX_WAIT:-15}
. "$STEWARD_TOP/tests/lib-tmux.sh"

# start NAME [ENV...]: runs the console in a new 80x24 session; its exit
# status lands in $TMPD/NAME.exit when it ends.
start() {
	name=$1
	shift
	rm -f "$TMPD/$name.exit"
	tm new-session -d -s "$name" -x 80 -y 24 \
		"env LC_ALL=C.UTF-8 $* '$STEWARD' --db '$DB' 2>'$TMPD/$name.err'; echo \$? >'$TMPD/$name.exit'; sleep 60"
}

# wait_gone DESC NAME TEXT: polls until TEXT is no longer on the pane.
wait_gone() {
	i=0
	while [ "$i" -lt $((WAIT * 10)) ]; do
		PANE=$(capture "$2")
		case $PANE in *"$3"*) ;; *) ok; return 0 ;; esac
		sleep 0.1
		i=$((i + 1))
	done
	fail "$1: '$3' still there after ${WAIT}s"
	return 1
}

wait_exit() {
	i=0
	while [ "$i" -lt $((WAIT * 10)) ]; do
		if [ -s "$TMPD/$2.exit" ]; then
			same "$1: exit status" "$(cat "$TMPD/$2.exit")" 0
			return 0
		fi
		sleep 0.1
		i=$((i + 1))
	done
	fail "$1: the console did not exit within ${WAIT}s"
}

keys() {
	name=$1
	shift
	tm send-keys -t "$name" "$@"
}

expect 0 "demo store" "$STEWARD" demo --db "$DB" --no-tui

start main
wait_for "starts" main "12 models"
wait_for "status line" main "[models] 1/12"
keys main j j j j j
wait_for "j moves" main "[models] 6/12"
keys main Enter
wait_for "Enter opens the model" main "[fraud-scoring] 1/8"
keys main Enter
wait_for "Enter opens the version" main "[fraud-scoring › fraud-scoring v8]"
# The gate for its next stage comes first, then its lineage; the card is a page further down.
wait_for "gate first" main "Gate: staging"
keys main NPage
wait_for "card sections" main "## Intended use"
keys main NPage
wait_for "missing section" main "(missing)"
keys main Escape
wait_for "Esc goes back" main "[fraud-scoring]"
keys main Escape
wait_for "Esc goes back to the list" main "[models] 6/12"
keys main Down Up Up
wait_for "arrows move" main "[models] 5/12"

# filter
keys main /
keys main -l CrEdIt
wait_for "filter as you type" main "filter: CrEdIt"
wait_gone "filter hides other rows" main "fraud-scoring"
keys main Enter
wait_for "Enter keeps the filter" main "Esc back"
keys main Escape
wait_for "Esc clears the filter" main "fraud-scoring"

# help
keys main "?"
wait_for "help opens" main "[help]"
wait_for "help lists keys" main "j, Down"
wait_for "help groups the keys" main "Everywhere"
keys main /
keys main -l quit
wait_for "help filters to the quit command" main ":q, :quit"
keys main Escape
keys main Escape
wait_for "help closes" main "[models]"

# another writer: the console notices without a key press
STEWARD_PASSPHRASE=demo-passphrase expect 0 "add a model while the console runs" "$STEWARD" model add --db "$DB" zz-new-model \
	--tier low --owner tests --key "$(store_local "$DB" -keys)/lena.key"
wait_for "refresh on store change (header)" main "13 models"
wait_for "refresh on store change (list)" main "zz-new-model"

# resize
tm resize-window -t main -x 40 -y 12
wait_for "resize to 40x12" main "[models]"
sleep 0.3
PANE=$(capture main)
same "40x12 fits" "$(($(printf '%s\n' "$PANE" | LC_ALL=C.UTF-8 wc -L) <= 40))" 1
tm resize-window -t main -x 20 -y 5
wait_for "resize to 20x5" main "terminal too small"
tm resize-window -t main -x 80 -y 24
wait_for "resize back" main "13 models"

# : commands
keys main :
keys main -l foo
keys main Enter
wait_for "unknown command" main "unknown command :foo"
keys main Enter
wait_for "opens again" main "[credit-limit] "
keys main :
keys main -l models
keys main Enter
wait_for ":models stacks the list" main "[credit-limit › models]"
keys main q
wait_for "q goes back from :models" main "[credit-limit] "
keys main q
wait_for "and again to the root" main "[models] "

# quit: q at the top view ends the process cleanly
keys main q
wait_exit "q quits" main
same "no stderr" "$(cat "$TMPD/main.err")" ""

# :q quits too
start cq
wait_for "starts again" cq "13 models"
keys cq :
keys cq q Enter
wait_exit ":q quits" cq

# colour by default, none at all with NO_COLOR
start colour TERM=xterm-256color
wait_for "colour session" colour "13 models"
ESC=$(printf '\033')
has "colour used by default" "$(tm capture-pane -p -e -t colour)" "${ESC}[44m"
keys colour q
wait_exit "colour session quits" colour
start nocolour NO_COLOR=1 TERM=xterm-256color
wait_for "NO_COLOR session" nocolour "13 models"
PANE=$(tm capture-pane -p -e -t nocolour)
same "NO_COLOR: no colours" "$(printf '%s\n' "$PANE" | grep -c "${ESC}\[[34][0-7]m\|${ESC}\[[34]8;")" 0
has "NO_COLOR: reverse video bars" "$PANE" "${ESC}[7m"
keys nocolour q
wait_exit "NO_COLOR session quits" nocolour

# Proving the --key runs beside the keys (the tests' build makes each
# lookup take 3 s, as a million entries read from a cold disk can): keys
# that browse are answered meanwhile, and one that acts as the key waits
# for the proof instead of being refused for a key not known yet.
K="$(store_local "$DB" -keys)"
rm -f "$TMPD/prove.exit"
tm new-session -d -s prove -x 80 -y 24 \
	"env LC_ALL=C.UTF-8 STEWARD_TEST_PROVE_MS=3000 '$STEWARD' --db '$DB' --key '$K/rosa.key' 2>'$TMPD/prove.err'; echo \$? >'$TMPD/prove.exit'; sleep 60"
wait_for "prove: the header says the key is being proven" prove "proving key"
T0=$(date +%s%3N)
keys prove j j j
wait_for "prove: j moves meanwhile" prove "[models] 4/"
has "prove: still proving when j was answered" "$PANE" "proving key"
same "prove: j did not wait for the proof" "$(($(date +%s%3N) - T0 < 2500))" 1
keys prove : a p p r o v a l s Enter
wait_for "prove: :approvals opens meanwhile" prove "[approvals]"
has "prove: its heading says the key is being proven" "$PANE" "(rosa: proving the key"
# the thread reading keys keeps its priority; the background work runs under it: :approvals' gate
# evaluators, and the ledger check lowest once the key is proven. The proof itself, which opening
# a request waits for, keeps the console's priority.
PPID_=$(ps -o pid= --ppid "$(tm list-panes -t prove -F '#{pane_pid}')" | head -n 1 | tr -d ' ')
nices() { for t in /proc/"$PPID_"/task/*; do printf 't%s:n%s;\n' "${t##*/}" "$(cut -d ' ' -f 19 "$t/stat")"; done; }
NICES=$(nices)
has "prove: the keys' thread at the console's priority" "$NICES" "t$PPID_:n0;"
has "prove: the gates' threads under it" "$NICES" ":n5;"
lacks "prove: the proof is not put under the keys that wait for it" "$NICES" ":n10;"
# A request opened meanwhile shows its row at once, said to be unchecked,
# and is judged once the proof is in, without a key.
T0=$(date +%s%3N)
keys prove Enter
wait_for "prove: a request opens meanwhile" prove "proving the keyring"
same "prove: the request did not wait for the proof" "$(($(date +%s%3N) - T0 < 1500))" 1
has "prove: it says it is not checked yet" "$PANE" "not yet checked against the ledger"
lacks "prove: no approvals counted unchecked" "$PANE" "0/1 approvals"
wait_for "prove: then judged, its approvals counted" prove "0/1 approvals"
lacks "prove: no longer said to be unchecked" "$PANE" "not yet checked"
keys prove Escape
wait_for "prove: back in the queue" prove "[approvals]"
keys prove a
# Her role decides: the first request needs none from a risk officer.
wait_for "prove: a waits for the proof, then judges it by her role" prove "request #15 needs no approval from risk-officer"
lacks "prove: never refused for a key not proven yet" "$PANE" "cannot act as"
lacks "prove: nor for want of a key" "$PANE" "start with --key"
wait_for "prove: her identity in the header" prove "rosa (risk-officer) key"
has "prove: then the ledger check's thread runs lowest" "$(nices)" ":n10;"
keys prove : q Enter
wait_exit "prove: quits" prove
same "prove: no stderr" "$(cat "$TMPD/prove.err")" ""

# The attacker who deletes a ledger entry: a request opened while the
# proof runs is shown unchecked, and once the proof finds the hole it
# never reads as judged.
if sqlite_only 6 "a ledger entry deleted through SQLite"; then
	store_copy "$DB" "$TMPD/gap.db"
	cp "$(store_local "$DB" .logkey)" "$TMPD/gap.db.logkey"
	store_sql "$TMPD/gap.db" "DROP TRIGGER ledger_no_delete; DELETE FROM ledger WHERE seq = 9" || fail "gap: the delete"
	tm new-session -d -s gap -x 80 -y 24 \
		"env LC_ALL=C.UTF-8 STEWARD_TEST_PROVE_MS=2000 '$STEWARD' --db '$TMPD/gap.db' --key '$K/rosa.key' 2>'$TMPD/gap.err'; sleep 60"
	wait_for "gap: the console starts" gap "proving key"
	keys gap : a p p r o v a l s Enter
	wait_for "gap: :approvals opens" gap "[approvals]"
	keys gap Enter
	wait_for "gap: the request opens unchecked" gap "not yet checked against the ledger"
	wait_for "gap: then said it cannot be checked" gap "cannot check it against the ledger"
	has "gap: the hole is named" "$(printf '%s' "$PANE" | tr -s ' \n' ' ')" "entries were removed"
	lacks "gap: no approvals counted" "$PANE" "0/1 approvals"
	keys gap : q Enter
fi

# A filter runs off the input loop: with every filtered query made to
# take 5 s (the tests' build), keys typed meanwhile still echo at once,
# the view says it is filtering, and the last filter's rows come
start slow STEWARD_TEST_FILTER_MS=5000
wait_for "slow filter session" slow "13 models"
keys slow : a u d i t Enter
wait_for "slow: :audit opens" slow "[audit] 1/"
keys slow / r o l l
wait_for "slow: the view says it is filtering" slow "filtering /roll"
lacks "slow: no count while filtering" "$PANE" "0/0 of"
T0=$(date +%s)
keys slow b a c k
wait_for "slow: keys echo while the filter runs" slow "filtering /rollback"
# Blocked, four keys would take 20 s: each waits for the one before.
same "slow: the keys did not wait for the filters" "$(($(date +%s) - T0 < 5))" 1
wait_for "slow: the last filter's rows come" slow "1/1 of "
has "slow: its row" "$PANE" "rollback"
lacks "slow: no hint left" "$PANE" "filtering"
# Quitting while a filter runs does not hang
keys slow / z Enter : q Enter
wait_exit "slow: quits while a filter runs" slow
same "slow: no stderr" "$(cat "$TMPD/slow.err")" ""

# A move past the window with a filter applied, and another writer's
# commit under it, run on the worker too: 300 entries "pager" (more than
# a window of matches, so G must search for the last ones), every
# filtered query taking 2 s
BASE=$(store_sql "$DB" "SELECT max(seq) FROM ledger")
store_sql "$DB" "WITH RECURSIVE k(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM k WHERE i < 300)
INSERT INTO ledger(seq, time, actor, action, subject, body, leaf, chain)
SELECT $BASE + k.i, l.time + k.i, 'pager', 'page.test', 'models:/fraud-scoring/1', l.body, l.leaf, l.chain
FROM k, ledger l WHERE l.seq = 1" || fail "cannot add the entries"
T=$((BASE + 300))
start sparse STEWARD_TEST_FILTER_MS=2000
wait_for "sparse session" sparse "models"
keys sparse : a u d i t Enter / p a g e r Enter
wait_for "sparse: the filter's count" sparse "1/300 of $T"
keys sparse G
wait_for "sparse: G says it is searching" sparse "searching /pager"
T0=$(date +%s%3N)
keys sparse Escape
wait_for "sparse: Esc stops the search at once" sparse "search stopped"
# Blocked, Esc would wait for the rest of the 2 s query.
same "sparse: Esc did not wait for the search" "$(($(date +%s%3N) - T0 < 1500))" 1
has "sparse: back where the move started" "$PANE" "1/300 of $T"
lacks "sparse: no hint left" "$PANE" "searching"
keys sparse G
wait_for "sparse: G reaches the last match" sparse "#$((BASE + 1)) "
has "sparse: its position" "$PANE" "300/300 of $T"
lacks "sparse: the search is over" "$PANE" "searching"
keys sparse g
wait_for "sparse: g back to the first" sparse "#$T "
has "sparse: g, its position" "$PANE" "1/300 of $T"
# Another writer's commit: the recount runs on the worker while the
# keys go on being answered, and the entry moved to stays selected
store_sql "$DB" "INSERT INTO ledger(seq, time, actor, action, subject, body, leaf, chain)
SELECT $T + 1, time + 1000, 'pager', 'page.test', 'models:/fraud-scoring/1', body, leaf, chain FROM ledger WHERE seq = 1" ||
	fail "cannot add an entry"
# steward's own writers notify the consoles on PostgreSQL as they commit
if [ "$STORE_ENGINE" = postgres ]; then
	store_sql "$DB" "NOTIFY steward" || fail "cannot notify"
fi
sleep 1
T0=$(date +%s%3N)
keys sparse j
wait_for "sparse: j is answered while the recount runs" sparse "2/300 of $T"
# Blocked, j would wait for the recount's four 2 s queries.
same "sparse: j did not wait for the recount" "$(($(date +%s%3N) - T0 < 1500))" 1
wait_for "sparse: the recount comes" sparse "3/301 of $((T + 1))"
has "sparse: the rows stay where they were" "$PANE" "#$T "
keys sparse g
wait_for "sparse: the new entry is the first" sparse "#$((T + 1)) "
# A new filter while a search runs supersedes it
keys sparse G / z z z Enter
wait_for "sparse: a filter typed during a search wins" sparse "nothing matches /zzz"
# Quitting during a search does not wait for it
keys sparse / p a g e r Enter
# Its count, not a row: G typed while the filter still runs has no matches to search.
wait_for "sparse: the filter again" sparse "1/301 of $((T + 1))"
keys sparse G
wait_for "sparse: searching again" sparse "searching /pager"
keys sparse : q Enter
wait_exit "sparse: quits during a search" sparse
same "sparse: no stderr" "$(cat "$TMPD/sparse.err")" ""

finish
