# approvals-pages.sh: :approvals pages through the store: the history and every open request moved through past the fetched window (j, G, g, PgDn, PgUp), filters in SQL (far-apart matches, none, request and version numbers, hostile text: % _ \ and quotes), a history state, H and t between the modes, and the count and position in the status line.
. "$STEWARD_TOP/tests/lib.sh"

export LC_ALL=C.UTF-8
unset NO_COLOR STEWARD_KEY STEWARD_PASSPHRASE
# The demo's clock (see queue.sh): its requests are open and unexpired.
export STEWARD_NOW=1790000000
DB="$TMPD/d.db"
K="$(store_local "$DB" -keys)"
expect 0 "demo store" "$STEWARD" demo --db "$DB" --no-tui
. "$STEWARD_TOP/tests/lib-script.sh"
ROSA="--key $K/rosa.key"

q() {
	store_sql "$DB" "$1"
}
BASE=$(q "SELECT max(id) FROM requests")
OPEN0=$(q "SELECT count(*) FROM requests WHERE state = 'open'")
CLOSED0=$(q "SELECT count(*) FROM requests WHERE state <> 'open'")
# 600 more closed requests, several windows of rows: "needle" twice, far
# apart (withdrawn, so it is in their note); requesters whose names hold
# LIKE's wildcards and its escape, and quotes. Then 300 open ones. They
# copy request 14's row: the view selects and shows rows; a gate or a
# count reads the ledger, which does not know them (shown, not trusted).
q "WITH RECURSIVE k(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM k WHERE i < 600)
INSERT INTO requests(id, version_id, from_stage, to_stage, tier, requester, comment, state, created, keyring_ver, seq,
 kind, policy_name, policy_version, policy_digest, due, review_role, closed_note)
SELECT $BASE + k.i, r.version_id, r.from_stage, r.to_stage, r.tier,
 CASE WHEN k.i = 300 THEN 'per%cent_under\\x' WHEN k.i = 400 THEN 'o''brien\"q' ELSE 'pager' END,
 r.comment, CASE WHEN k.i IN (7, 593) THEN 'withdrawn' ELSE 'applied' END, r.created + k.i, r.keyring_ver, r.seq,
 r.kind, r.policy_name, r.policy_version, r.policy_digest, r.due, r.review_role,
 CASE WHEN k.i IN (7, 593) THEN 'withdrawn by pager: needle' ELSE '' END
FROM k, requests r WHERE r.id = 14" || fail "cannot add the closed requests"
q "WITH RECURSIVE k(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM k WHERE i < 300)
INSERT INTO requests(id, version_id, from_stage, to_stage, tier, requester, comment, state, created, keyring_ver, seq,
 kind, policy_name, policy_version, policy_digest, due, review_role, closed_note)
SELECT $BASE + 600 + k.i, r.version_id, r.from_stage, r.to_stage, r.tier, 'opener', r.comment, 'open',
 r.created + 600 + k.i, r.keyring_ver, r.seq, r.kind, r.policy_name, r.policy_version, r.policy_digest, r.due,
 r.review_role, ''
FROM k, requests r WHERE r.id = 14" || fail "cannot add the open requests"
CLOSED=$((CLOSED0 + 600))
OPEN=$((OPEN0 + 300))
same "the closed requests are in" "$(q "SELECT count(*) FROM requests WHERE state <> 'open'")" "$CLOSED"
NEWEST=$((BASE + 600))

# status: the position and count of the last screen.
status() {
	line 23 | sed -n 's/.*\] \([0-9]*\/[0-9]*\( of [0-9]*\)\{0,1\}\).*/\1/p'
}
# opened: the request Enter opened from the selected row (its title).
opened() {
	line 23 | sed -n 's/.*#\([0-9]*\)\].*/\1/p'
}

screen ':approvals history<Enter>' $ROSA
same "history: first of all" "$(status)" "1/$CLOSED"
has "history: heading counts them" "$(line 3)" "history: $CLOSED closed requests"
has "history: the newest first" "$(line 5)" "#$NEWEST "
lacks "history: not the oldest" "$SCREEN" "#1 "
lacks "history: no open one" "$SCREEN" "#$((NEWEST + 1)) "

# j, a row at a time, far past the first window fetched
J=$(awk 'BEGIN { for (i = 0; i < 150; i++) printf "j" }')
screen ":approvals history<Enter>$J<Enter>" $ROSA
same "150 j: the request 150 rows down opens" "$(opened)" "$((NEWEST - 150))"
screen ":approvals history<Enter>$J" $ROSA
same "150 j: position" "$(status)" "151/$CLOSED"
screen ":approvals history<Enter>${J}kkk<Enter>" $ROSA
same "back up: k across the window's start" "$(opened)" "$((NEWEST - 147))"

# G and g: the ends, without walking between them
screen ':approvals history<Enter>G<Enter>' $ROSA
same "G: the oldest closed request" "$(opened)" "$(q "SELECT min(id) FROM requests WHERE state <> 'open'")"
screen ':approvals history<Enter>G' $ROSA
same "G: position" "$(status)" "$CLOSED/$CLOSED"
screen ':approvals history<Enter>Gg<Enter>' $ROSA
same "g: back to the newest" "$(opened)" "$NEWEST"

# PgDn and PgUp move by a page, across windows
P=$(awk 'BEGIN { for (i = 0; i < 12; i++) printf "<PgDn>" }')
screen ":approvals history<Enter>$P" $ROSA
POS=$(status | cut -d / -f 1)
same "PgDn x12: far down" "$((POS > 150))" 1
screen ":approvals history<Enter>$P<Enter>" $ROSA
same "PgDn x12: the row at that position opens" "$(opened)" "$((NEWEST - POS + 1))"
screen ":approvals history<Enter>$P<PgUp><PgUp><Enter>" $ROSA
same "PgUp x2 goes back up" "$(($(opened) > NEWEST - POS + 1))" 1

# A filter in SQL: matches far apart, in order, with the count
screen ':approvals history<Enter>/needle<Enter>' $ROSA
same "needle: two of all" "$(status)" "1/2 of $CLOSED"
has "needle: the newer first" "$(line 5)" "#$((BASE + 593)) "
screen ':approvals history<Enter>/needle<Enter>j<Enter>' $ROSA
same "needle: j to the older" "$(opened)" "$((BASE + 7))"
screen ':approvals history<Enter>/NEEDLE<Enter>' $ROSA
same "the filter ignores case" "$(status)" "1/2 of $CLOSED"
screen ':approvals history<Enter>/no such thing<Enter>' $ROSA
has "no match: says so" "$SCREEN" "nothing matches /no such thing"
same "no match: 0 of all" "$(status)" "0/0 of $CLOSED"
# LIKE's wildcards and escape are literal; quotes are text
screen ':approvals history<Enter>/%<Enter>' $ROSA
same "%: only the name holding it" "$(status)" "1/1 of $CLOSED"
has "%: that row" "$(line 5)" "#$((BASE + 300)) "
screen ':approvals history<Enter>/_<Enter>' $ROSA
same "_: only the name holding it" "$(status)" "1/1 of $CLOSED"
screen ':approvals history<Enter>/t_u<Enter>' $ROSA
same "t_u: _ is not any character" "$(status)" "1/1 of $CLOSED"
screen ':approvals history<Enter>/\x<Enter>' $ROSA
same "backslash: only the name holding it" "$(status)" "1/1 of $CLOSED"
screen ':approvals history<Enter>/%%__\\<Enter>' $ROSA
same "wildcards only: nothing" "$(status)" "0/0 of $CLOSED"
screen ":approvals history<Enter>/o'brien<Enter>" $ROSA
same "a single quote" "$(status)" "1/1 of $CLOSED"
has "a single quote: that row" "$(line 5)" "#$((BASE + 400)) "
screen ':approvals history<Enter>/"q<Enter>' $ROSA
same "a double quote" "$(status)" "1/1 of $CLOSED"
screen ":approvals history<Enter>/' OR 1=1 --<Enter>" $ROSA
has "SQL in the filter is text" "$SCREEN" "nothing matches /' OR 1=1 --"
# request and version numbers
screen ":approvals history<Enter>/#$((BASE + 250))<Enter>" $ROSA
same "#N: that request alone" "$(status)" "1/1 of $CLOSED"
has "#N: its row" "$(line 5)" "#$((BASE + 250)) "
V=$(q "SELECT v.version FROM requests r JOIN versions v ON v.id = r.version_id WHERE r.id = 14")
N=$(q "SELECT count(*) FROM requests r JOIN versions v ON v.id = r.version_id WHERE r.state <> 'open' AND v.version = $V")
screen ":approvals history<Enter>/v$V<Enter>" $ROSA
same "vN: that version's" "$(status)" "1/$N of $CLOSED"
# a filtered list pages too: G to its last match
screen ':approvals history<Enter>/pager<Enter>G' $ROSA
same "filtered G: the last match" "$(status)" "598/598 of $CLOSED"

# a state of the history, and its paging
screen ':approvals history withdrawn<Enter>' $ROSA
W=$(q "SELECT count(*) FROM requests WHERE state = 'withdrawn' AND closed_note NOT LIKE 'superseded%'")
same "history withdrawn: its count" "$(status)" "1/$W"
has "history withdrawn: heading" "$(line 3)" "history: $W withdrawn request"
screen ':approvals history applied<Enter>G' $ROSA
A=$(q "SELECT count(*) FROM requests WHERE state = 'applied'")
same "history applied: G" "$(status)" "$A/$A"

# every open request (t), paged the same way
screen ':approvals all<Enter>' $ROSA
same "all open: first of all" "$(status)" "1/$OPEN"
has "all open: heading" "$(line 3)" "all $OPEN open"
has "all open: the newest first" "$(line 5)" "#$((NEWEST + 300)) "
screen ":approvals all<Enter>$J<Enter>" $ROSA
same "all open: 150 j opens that row" "$(opened)" "$((NEWEST + 300 - 150))"
screen ':approvals all<Enter>G' $ROSA
same "all open: G" "$(status)" "$OPEN/$OPEN"
screen ':approvals all<Enter>/opener<Enter>G' $ROSA
same "all open: filtered" "$(status)" "300/300 of $OPEN"
# H and t between the modes, from the console's first screen
screen ':approvals<Enter>t' $ROSA
same "t: every open one" "$(status)" "1/$OPEN"
screen ':approvals<Enter>tH' $ROSA
same "H: the history" "$(status)" "1/$CLOSED"
screen ':approvals<Enter>tHH' $ROSA
has "H again: back to her queue" "$(line 3)" "wait for rosa (risk-officer)"
lacks "her queue: not the copies" "$SCREEN" "opener"

# In a terminal the gates are worked out away from the keys, for the rows
# in sight and the pages around them: two PgDn show the rows the headless
# console shows there, and every row's READY and GATE fill in.
screen ':approvals all<Enter><PgDn><PgDn>' $ROSA
PAGED_ROW=$(line 5 | cut -c 1-40)
PAGED_AT=$(status)
SOCK="steward-apages-$$"
WAIT=${STEWARD_TMUX_WAIT:-15}
. "$STEWARD_TOP/tests/lib-tmux.sh"
# A row not evaluated yet shows the wait glyph in READY and in GATE.
ELLIPSIS=$(printf '\342\200\246')
# wait_gone DESC NAME TEXT: polls the pane until TEXT is gone from it.
wait_gone() {
	i=0
	while [ "$i" -lt $((WAIT * STEWARD_SLOW * 10)) ]; do
		PANE=$(capture "$2")
		case $PANE in *"$3"*) ;; *) ok; return 0 ;; esac
		sleep 0.1
		i=$((i + 1))
	done
	fail "$1: '$3' was still there after $((WAIT * STEWARD_SLOW))s; screen: $(printf '%s' "$PANE" | head -c 600)"
	return 1
}
tm new-session -d -s pg -x 80 -y 24 \
	"env LC_ALL=C.UTF-8 STEWARD_NOW=$STEWARD_NOW '$STEWARD' --db '$DB' --key '$K/rosa.key' 2>'$TMPD/pg.err'; sleep 60"
# The ledger check fails on the rows copied above, and its failure takes the
# line the identity is on: her queue counted says the key was proven.
wait_for "terminal: key proven, her queue counted" pg "wait for you"
tm send-keys -t pg : && tm send-keys -t pg -l 'approvals all' && tm send-keys -t pg Enter
wait_for "terminal: every open request" pg "all $OPEN open"
wait_gone "terminal: the first page's gates" pg "$ELLIPSIS $ELLIPSIS"
tm send-keys -t pg PageDown
tm send-keys -t pg PageDown
wait_for "terminal: two pages down" pg "] $PAGED_AT"
same "terminal: the rows the headless console shows there" "$(capture pg | sed -n 5p | cut -c 1-40)" "$PAGED_ROW"
wait_gone "terminal: their gates" pg "$ELLIPSIS $ELLIPSIS"
tm send-keys -t pg q

finish
