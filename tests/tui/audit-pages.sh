# audit-pages.sh: :audit pages through the store: moving past the fetched window, G, g, PgDn and PgUp, filters in SQL (far-apart matches, none, typed fast and changed, entry and version numbers, hostile text), and the count and position in the status line.
. "$STEWARD_TOP/tests/lib.sh"

export LC_ALL=C.UTF-8
unset NO_COLOR STEWARD_KEY STEWARD_PASSPHRASE
DB="$TMPD/d.db"
expect 0 "demo store" "$STEWARD" demo --db "$DB" --no-tui
. "$STEWARD_TOP/tests/lib-script.sh"

q() {
	store_sql "$DB" "$1"
}
BASE=$(q "SELECT max(seq) FROM ledger")
# 600 more entries, more than several windows of rows: "needle" twice,
# far apart; an actor whose name holds LIKE's wildcards and its escape.
# They copy the first entry's hashes: the view selects and shows rows, it
# never trusts them (the header's check says the ledger does not verify).
q "WITH RECURSIVE k(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM k WHERE i < 600)
INSERT INTO ledger(seq, time, actor, action, subject, body, leaf, chain)
SELECT $BASE + k.i, l.time + k.i,
 CASE WHEN k.i IN (7, 593) THEN 'needle' WHEN k.i = 300 THEN 'per%cent_under\\x' ELSE 'pager' END,
 'page.test', 'models:/fraud-scoring/' || (k.i % 5 + 1), l.body, l.leaf, l.chain
FROM k, ledger l WHERE l.seq = 1" || fail "cannot add the entries"
T=$((BASE + 600))
same "the ledger has the entries" "$(q "SELECT count(*) FROM ledger")" "$T"

# status: the position and count of the last screen.
status() {
	line 23 | sed -n 's/.*\] \([0-9]*\/[0-9]*\( of [0-9]*\)\{0,1\}\).*/\1/p'
}
# opened: the entry Enter opened from the selected row.
opened() {
	line 23 | sed -n 's/.*entry #\([0-9]*\).*/\1/p'
}

screen ':audit<Enter>'
same "open: first of all" "$(status)" "1/$T"
has "open: the newest entry first" "$(line 4)" "#$T "
lacks "open: not the oldest" "$SCREEN" "#1 "

# j, a row at a time, far past the first window fetched
J=$(awk 'BEGIN { for (i = 0; i < 150; i++) printf "j" }')
screen ":audit<Enter>$J<Enter>"
same "150 j: the entry 150 rows down opens" "$(opened)" "$((T - 150))"
screen ":audit<Enter>$J"
same "150 j: position" "$(status)" "151/$T"
has "150 j: its row is drawn" "$SCREEN" "#$((T - 150)) "
screen ":audit<Enter>${J}kkk<Enter>"
same "back up: k across the window's start" "$(opened)" "$((T - 147))"

# G and g: the ends, without walking between them
screen ':audit<Enter>G<Enter>'
same "G: the oldest entry" "$(opened)" 1
screen ':audit<Enter>G'
same "G: position" "$(status)" "$T/$T"
screen ':audit<Enter>Gkkkk<Enter>'
same "G then k: upward from the end" "$(opened)" 5
screen ':audit<Enter>Gg<Enter>'
same "g: back to the newest" "$(opened)" "$T"

# PgDn and PgUp move by a page, across windows
P=$(awk 'BEGIN { for (i = 0; i < 12; i++) printf "<PgDn>" }')
screen ":audit<Enter>$P"
POS=$(status | cut -d / -f 1)
same "PgDn x12: far down" "$((POS > 150))" 1
screen ":audit<Enter>$P<Enter>"
same "PgDn x12: the row at that position opens" "$(opened)" "$((T - POS + 1))"
screen ":audit<Enter>$P<PgUp><PgUp><Enter>"
UP=$(opened)
same "PgUp x2 goes back up" "$((UP > T - POS + 1))" 1

# s: a window of the store is not sorted, and the view says why
screen ':audit<Enter>s' --size 120x24
has "s: says why not" "$SCREEN" "not sorted here: the rows are read from the store in its order"
same "s: the order stays" "$(status)" "1/$T"

# A filter in SQL: matches far apart, in order, with the count
screen ':audit<Enter>/needle<Enter>'
same "needle: two of everything" "$(status)" "1/2 of $T"
has "needle: the newer first" "$(line 4)" "#$((BASE + 593)) "
has "needle: the older second" "$(line 5)" "#$((BASE + 7)) "
screen ':audit<Enter>/needle<Enter>j<Enter>'
same "needle: j reaches the far one" "$(opened)" "$((BASE + 7))"
screen ':audit<Enter>/NeEdLe<Enter>'
same "case does not matter" "$(status)" "1/2 of $T"
screen ':audit<Enter>/pager<Enter>G<Enter>'
same "pager: G, the oldest match" "$(opened)" "$((BASE + 1))"
screen ':audit<Enter>/pager<Enter>'
same "pager: the count" "$(status)" "1/597 of $T"
screen ':audit<Enter>/zzz-no-such<Enter>'
same "no match: nothing" "$(status)" "0/0 of $T"
has "no match: says so" "$SCREEN" "nothing matches /zzz-no-such"

# Typed fast (a timed run does not wait between keys, so each key
# supersedes the filter running): the last filter wins, no stale rows
screen ':audit<Enter>/pager<BS><BS><BS><BS><BS>needle' --timings "$TMPD/t"
same "fast: the last filter's count" "$(status)" "1/2 of $T"
has "fast: its rows" "$(line 4)" "#$((BASE + 593)) "
lacks "fast: none of the earlier filter's rows" "$SCREEN" "pager"
lacks "fast: no hint left" "$SCREEN" "filtering"
screen ':audit<Enter>/pager<BS><BS><BS><BS><BS>zzz-no-such' --timings "$TMPD/t"
same "fast, then nothing: nothing" "$(status)" "0/0 of $T"
has "fast, then nothing: says so" "$SCREEN" "nothing matches /zzz-no-such"
lacks "fast, then nothing: no stale rows" "$SCREEN" "pager"
screen ':audit<Enter>/needle<BS><BS><BS><BS><BS><BS>' --timings "$TMPD/t"
same "fast, then cleared: everything" "$(status)" "1/$T"
# No filter (the line opened, emptied, or Esc) is the whole ledger from
# its newest entry, read on the console's own connection; the filter's
# request still running on the worker is dropped, not shown after it
screen ':audit<Enter>jjj/'
same "/: from the newest" "$(status)" "1/$T"
has "/: its row" "$(line 4)" "#$T "
screen ':audit<Enter>/pager<Esc>' --timings "$TMPD/t"
same "fast, then Esc: everything" "$(status)" "1/$T"
has "fast, then Esc: the newest row" "$(line 4)" "#$T "
lacks "fast, then Esc: no hint left" "$SCREEN" "filtering"
screen ':audit<Enter>/needle<BS><BS><BS><BS><BS><BS><Enter>jj' --timings "$TMPD/t"
same "emptied, then moved: the whole ledger" "$(status)" "3/$T"
screen ':audit<Enter>/needlex<BS>'
same "changed: the filter as it ends" "$(status)" "1/2 of $T"
screen ':audit<Enter>/needle<Enter>jj/pager'
same "a new filter selects its first match" "$(status)" "1/597 of $T"

# Hostile text is literal: LIKE's wildcards, its escape, quotes, FTS syntax
screen ':audit<Enter>/%<Enter>'
same "%: only the actor that has one" "$(status)" "1/1 of $T"
screen ':audit<Enter>/_<Enter>'
same "_: only what has one" "$(status)" "1/$(q "SELECT count(*) FROM ledger WHERE instr(actor, '_') > 0 OR instr(action, '_') > 0 OR instr(subject, '_') > 0") of $T"
screen ':audit<Enter>/t_u<Enter>'
same "t_u: _ is not any character" "$(status)" "1/1 of $T"
screen ':audit<Enter>/\x<Enter>'
same "backslash: the actor that has one" "$(status)" "1/1 of $T"
screen ":audit<Enter>/it's<Enter>"
same "a quote matches nothing, no error" "$(status)" "0/0 of $T"
lacks "a quote: no SQL error" "$SCREEN" "syntax"
screen ':audit<Enter>/"needle" OR *<Enter>'
same "FTS syntax is text" "$(status)" "0/0 of $T"
screen ':audit<Enter>/%%%%____\\<Enter>'
same "wildcards only: nothing" "$(status)" "0/0 of $T"

# Numbers: #N an entry, vN a version, N either
screen ":audit<Enter>/#$((BASE + 300))<Enter><Enter>"
same "#N: that entry" "$(opened)" "$((BASE + 300))"
screen ":audit<Enter>/#$((T + 5))<Enter>"
same "#N past the end: nothing" "$(status)" "0/0 of $T"
screen ':audit<Enter>/v3<Enter>'
same "v3: what names a version 3" "$(status)" "1/$(q "SELECT count(*) FROM ledger WHERE subject LIKE '%/3'") of $T"
screen ':audit<Enter>/page.test<Enter>'
same "the action matches, . literal" "$(status)" "1/600 of $T"
screen ':audit<Enter>/FRAUD-scoring/<Enter>'
same "the subject matches" "$(status)" "1/$(q "SELECT count(*) FROM ledger WHERE subject LIKE 'models:/fraud-scoring/%'") of $T"

# Scoped to a model: its entries only, paged the same way; w widens
# keeping the entry selected
N=$(q "SELECT count(*) FROM ledger WHERE subject = 'models:/fraud-scoring' OR subject LIKE 'models:/fraud-scoring/%'")
S110=$(q "SELECT seq FROM ledger WHERE subject = 'models:/fraud-scoring' OR subject LIKE 'models:/fraud-scoring/%' ORDER BY seq DESC LIMIT 1 OFFSET 110")
SLAST=$(q "SELECT min(seq) FROM ledger WHERE subject = 'models:/fraud-scoring' OR subject LIKE 'models:/fraud-scoring/%'")
J2=$(awk 'BEGIN { for (i = 0; i < 110; i++) printf "j" }')
screen '/fraud-scoring<Enter><Enter>:audit<Enter>'
has "scoped: the title" "$SCREEN" "audit of fraud-scoring]"
same "scoped: its count" "$(status)" "1/$N"
screen "/fraud-scoring<Enter><Enter>:audit<Enter>$J2<Enter>"
same "scoped: 110 j across windows" "$(opened)" "$S110"
screen "/fraud-scoring<Enter><Enter>:audit<Enter>G<Enter>"
same "scoped: G, its oldest" "$(opened)" "$SLAST"
screen "/fraud-scoring<Enter><Enter>:audit<Enter>${J2}w"
same "scoped: w keeps the entry, at its place in the whole ledger" "$(status)" "$((T - S110 + 1))/$T"
screen "/fraud-scoring<Enter><Enter>:audit<Enter>/needle<Enter>"
same "scoped: a filter within the scope" "$(status)" "1/2 of $N"
screen "/fraud-scoring<Enter><Enter>:audit<Enter>/needle<Enter>w"
same "scoped: w keeps the filter, counted in the whole ledger" "$(status)" "1/2 of $T"
screen "/fraud-scoring<Enter><Enter>:audit<Enter>/needle<Enter>ww"
same "scoped: w twice, back in the scope" "$(status)" "1/2 of $N"

finish
