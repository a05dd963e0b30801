# lists.sh: audit log and the request, approval, model, version, incident, alert and silence lists written as they are read, with --limit, --since and --after, and their bad values refused by name.
. "$STEWARD_TOP/tests/lib.sh"

DB="$TMPD/demo.db"
export STEWARD_NOW=1790000000 # after the demo's history
expect 0 "demo --no-tui" "$STEWARD" demo --no-tui --db "$DB"

# jlen: the length of the JSON array on the last command's stdout.
jlen() {
	printf '%s' "$OUT" >"$TMPD/json"
	sqlite3 :memory: "SELECT json_array_length(CAST(readfile('$TMPD/json') AS TEXT))"
}
# jseqs FIELD: that field of every element, one line.
jall() {
	printf '%s' "$OUT" >"$TMPD/json"
	sqlite3 :memory: "SELECT group_concat(json_extract(value, '\$.$1'), ' ') FROM json_each(CAST(readfile('$TMPD/json') AS TEXT))"
}
# rfc TIME: seconds as RFC 3339 UTC.
rfc() { date -u -d "@$1" +%Y-%m-%dT%H:%M:%SZ; }

# --- audit log ---
ENTRIES=$(store_sql "$DB" "SELECT count(*) FROM ledger")
expect 0 "audit log --json" "$STEWARD" audit log --json --db "$DB"
valid "audit log"
same "every entry" "$(jlen)" "$ENTRIES"
ALL_SEQS=$(jall seq)
ALL_JSON=$OUT
expect 0 "audit log" "$STEWARD" audit log --db "$DB"
same "a header and a line per entry" "$(printf '%s\n' "$OUT" | wc -l)" $((ENTRIES + 1))
# Columns line up over every row: the ACTION column starts at the same place on each line.
same "the columns line up" "$(printf '%s\n' "$OUT" | awk '{ print index($0, $4) }' | sort -u | wc -l)" 1

expect 0 "audit log --limit 5" "$STEWARD" audit log --json --limit 5 --db "$DB"
same "--limit 5: the first five" "$(jall seq)" "$(echo "$ALL_SEQS" | cut -d' ' -f1-5)"
expect 0 "audit log --after 10 --limit 3" "$STEWARD" audit log --json --after 10 --limit 3 --db "$DB"
same "--after 10: the next three" "$(jall seq)" "11 12 13"
expect 0 "audit log --limit 1 (table)" "$STEWARD" audit log --limit 1 --db "$DB"
same "--limit 1: a header and one entry" "$(printf '%s\n' "$OUT" | wc -l)" 2

# Paging with --after and --limit reads back the whole ledger, each entry once.
PAGED="" LAST=0
while :; do
	run "$STEWARD" audit log --json --after "$LAST" --limit 100 --db "$DB"
	[ "$RC" -eq 0 ] || break
	P=$(jall seq)
	[ -n "$P" ] || break
	PAGED="${PAGED:+$PAGED }$P"
	LAST=${P##* }
done
same "pages of 100 make the whole ledger" "$PAGED" "$ALL_SEQS"

# --since: the first entry at or after a time in the middle of the history.
MID=$(store_sql "$DB" "SELECT time FROM ledger WHERE seq = $((ENTRIES / 2))")
WANT=$(store_sql "$DB" "SELECT count(*) FROM ledger WHERE time >= $MID")
FIRST=$(store_sql "$DB" "SELECT min(seq) FROM ledger WHERE time >= $MID")
expect 0 "audit log --since" "$STEWARD" audit log --json --since "$(rfc "$MID")" --db "$DB"
same "--since: every entry from then" "$(jlen)" "$WANT"
same "--since: starting with the first at that time" "$(j '$[0].seq')" "$FIRST"
expect 0 "audit log --since one second later" "$STEWARD" audit log --json --since "$(rfc $((MID + 1)))" --limit 1 --db "$DB"
same "--since is at or after, not before" "$(j '$[0].seq')" "$(store_sql "$DB" "SELECT min(seq) FROM ledger WHERE time > $MID")"
expect 0 "audit log --since the future" "$STEWARD" audit log --json --since 2099-01-01T00:00:00Z --db "$DB"
same "--since the future: an empty array" "$OUT" "[]"
expect 0 "audit log --since before the history" "$STEWARD" audit log --json --since 2000-01-01T00:00:00Z --db "$DB"
same "--since before the history: the same bytes as no --since" "$OUT" "$ALL_JSON"
SUBJ=$(store_sql "$DB" "SELECT subject FROM ledger WHERE subject LIKE 'models:/%' ORDER BY seq LIMIT 1" | cut -d/ -f1-2)
expect 0 "audit log --subject --limit" "$STEWARD" audit log --json --subject "$SUBJ" --limit 2 --db "$DB"
same "--subject and --limit: the first two about it" "$(jall seq)" \
	"$(store_sql "$DB" "SELECT seq FROM ledger WHERE subject = '$SUBJ' OR subject LIKE '$SUBJ/%' ORDER BY seq LIMIT 2" | tr '\n' ' ' | sed 's/ $//')"

# --- request list ---
REQS=$(store_sql "$DB" "SELECT count(*) FROM requests")
expect 0 "request list --all --json" "$STEWARD" request list --all --json --db "$DB"
valid "request list"
same "every request" "$(jlen)" "$REQS"
ALL_REQ=$(jall id)
expect 0 "request list --all --limit 2" "$STEWARD" request list --all --json --limit 2 --db "$DB"
same "--limit 2: the newest two" "$(jall id)" "$(echo "$ALL_REQ" | cut -d' ' -f1-2)"
RMID=$(store_sql "$DB" "SELECT created FROM requests ORDER BY id LIMIT 1 OFFSET $((REQS / 2))")
expect 0 "request list --all --since" "$STEWARD" request list --all --json --since "$(rfc "$RMID")" --db "$DB"
same "--since: the requests opened from then" "$(jlen)" "$(store_sql "$DB" "SELECT count(*) FROM requests WHERE created >= $RMID")"
expect 0 "request list --limit (table)" "$STEWARD" request list --all --limit 3 --db "$DB"
same "--limit 3: a header and three rows" "$(printf '%s\n' "$OUT" | wc -l)" 4

# --- approval list ---
APPS=$(store_sql "$DB" "SELECT count(*) FROM approvals")
expect 0 "approval list --json" "$STEWARD" approval list --json --db "$DB"
valid "approval list"
same "every decision" "$(jlen)" "$APPS"
ALL_APP=$(jall id)
expect 0 "approval list --limit 3" "$STEWARD" approval list --json --limit 3 --db "$DB"
same "--limit 3: the first three" "$(jall id)" "$(echo "$ALL_APP" | cut -d' ' -f1-3)"
AMID=$(store_sql "$DB" "SELECT recorded FROM approvals ORDER BY id LIMIT 1 OFFSET $((APPS / 2))")
expect 0 "approval list --since" "$STEWARD" approval list --json --since "$(rfc "$AMID")" --db "$DB"
same "--since: the decisions recorded from then" "$(jlen)" "$(store_sql "$DB" "SELECT count(*) FROM approvals WHERE recorded >= $AMID")"
REQ=$(store_sql "$DB" "SELECT request_id FROM approvals GROUP BY request_id HAVING count(*) > 1 ORDER BY request_id LIMIT 1")
expect 0 "approval list --request --limit 1" "$STEWARD" approval list --json --request "$REQ" --limit 1 --db "$DB"
same "--request and --limit 1: its first decision" "$(j '$[0].id')" "$(store_sql "$DB" "SELECT min(id) FROM approvals WHERE request_id = $REQ")"
same "--request and --limit 1: one" "$(jlen)" 1
expect 0 "approval list --since the future" "$STEWARD" approval list --json --since 2099-01-01T00:00:00Z --db "$DB"
same "no decision that late: an empty array" "$OUT" "[]"

# --- incident list and alert list (the demo has a few of each) ---
INCS=$(store_sql "$DB" "SELECT count(*) FROM incidents")
[ "$INCS" -ge 1 ] || fail "the demo has no incident to list"
expect 0 "incident list --all --json" "$STEWARD" incident list --all --json --db "$DB"
valid "incident list"
same "every incident" "$(jlen)" "$INCS"
same "newest first" "$(jall id)" "$(store_sql "$DB" "SELECT id FROM incidents ORDER BY id DESC" | tr '\n' ' ' | sed 's/ $//')"
expect 0 "incident list --all --limit 1" "$STEWARD" incident list --all --json --limit 1 --db "$DB"
same "--limit 1: the newest" "$(jall id)" "$(store_sql "$DB" "SELECT max(id) FROM incidents")"
IMID=$(store_sql "$DB" "SELECT max(opened) FROM incidents")
expect 0 "incident list --all --since" "$STEWARD" incident list --all --json --since "$(rfc "$IMID")" --db "$DB"
same "--since: the incidents opened from then" "$(jlen)" "$(store_sql "$DB" "SELECT count(*) FROM incidents WHERE opened >= $IMID")"
expect 0 "incident list --since the future (table)" "$STEWARD" incident list --all --since 2099-01-01T00:00:00Z --db "$DB"
same "none opened that late" "$OUT" "no incidents"
ALERTS=$(store_sql "$DB" "SELECT count(*) FROM alerts")
[ "$ALERTS" -ge 2 ] || fail "the demo has fewer than two alerts to list"
expect 0 "alert list --all --json" "$STEWARD" alert list --all --json --db "$DB"
valid "alert list"
same "every alert" "$(jlen)" "$ALERTS"
ALL_FP=$(jall fingerprint)
expect 0 "alert list --all --limit 1" "$STEWARD" alert list --all --json --limit 1 --db "$DB"
same "--limit 1: the first" "$(jall fingerprint)" "${ALL_FP%% *}"
expect 0 "alert list --all --limit 1 (table)" "$STEWARD" alert list --all --limit 1 --db "$DB"
same "--limit 1: a header and one alert" "$(printf '%s\n' "$OUT" | wc -l)" 2
AMAX=$(store_sql "$DB" "SELECT max(starts) FROM alerts")
expect 0 "alert list --all --since" "$STEWARD" alert list --all --json --since "$(rfc "$AMAX")" --db "$DB"
same "--since: the alerts started from then" "$(jlen)" "$(store_sql "$DB" "SELECT count(*) FROM alerts WHERE starts >= $AMAX")"
expect 0 "alert list --since the future" "$STEWARD" alert list --all --json --since 2099-01-01T00:00:00Z --db "$DB"
same "no alert started that late: an empty array" "$OUT" "[]"

# --- silence list: three silences in the monitoring cache (a sync's, written here as one would) ---
store_sql "$DB" "INSERT INTO silences (plugin, id, state, matchers, starts, ends, created_by, comment, seen) VALUES
	('am', 's1', 'active', '[[\"alertname\", \"=\", \"A\"]]', 1789990000, 1790090000, 'sami', 'one', 1789990000),
	('am', 's2', 'pending', '[[\"alertname\", \"=\", \"B\"]]', 1790050000, 1790095000, 'sami', 'two', 1789990000),
	('am', 's3', 'expired', '[[\"model\", \"=\", \"m\"]]', 1789000000, 1789100000, '', 'three', 1789990000)" >/dev/null
expect 0 "silence list --json" "$STEWARD" silence list --json --db "$DB"
valid "silence list"
same "every silence, active, pending, then the rest" "$(jall id)" "s1 s2 s3"
expect 0 "silence list" "$STEWARD" silence list --db "$DB"
same "a header and a line per silence" "$(printf '%s\n' "$OUT" | wc -l)" 4
has "the matchers as a person reads them" "$OUT" 'alertname="A"'
expect 0 "silence list --limit 2" "$STEWARD" silence list --json --limit 2 --db "$DB"
same "--limit 2: the first two" "$(jall id)" "s1 s2"
expect 0 "silence list --since" "$STEWARD" silence list --json --since "$(rfc 1789990000)" --db "$DB"
same "--since: those that start from then" "$(jall id)" "s1 s2"
expect 0 "silence list --since the future (table)" "$STEWARD" silence list --since 2099-01-01T00:00:00Z --db "$DB"
same "none that late" "$OUT" "no silences (steward sync reads them from the alert plugins)"

# --- model list and version list: more rows than a page (64) of the read ---
REG="$TMPD/reg.db"
export STEWARD_PASSPHRASE=correct-horse-battery-staple XDG_CONFIG_HOME="$TMPD/cfg"
RK="$TMPD/cfg/steward/keys/root.key"
"$STEWARD" init --db "$REG" --admin root >/dev/null || fail "init the registry store"
T0=1790000000
i=0
while [ $i -lt 70 ]; do
	# Names out of order, so the list's order is the store's, not the order of adding.
	n=$(( (i * 37) % 70 ))
	STEWARD_NOW=$((T0 + i)) "$STEWARD" model add "m$n" --tier low --owner "o$i" --db "$REG" --key "$RK" >/dev/null ||
		fail "model add m$n"
	i=$((i + 1))
done
D=sha256:$(printf 'x' | sha256sum | cut -c1-64)
i=1
while [ $i -le 70 ]; do
	STEWARD_NOW=$((T0 + 100 + i)) "$STEWARD" version add m5 --artifact "s3://m/$i" --digest "$D" --db "$REG" --key "$RK" >/dev/null ||
		fail "version add m5 $i"
	i=$((i + 1))
done
# An admin's direct alias move is ungoverned: the table marks it and says so once.
STEWARD_NOW=$((T0 + 200)) "$STEWARD" alias set m5 production 3 --db "$REG" --key "$RK" >/dev/null || fail "alias set"

expect 0 "model list --json" "$STEWARD" model list --json --db "$REG"
valid "model list"
same "every model" "$(jlen)" 70
same "by name, across pages" "$(jall name)" "$(store_sql "$REG" "SELECT name FROM models ORDER BY name" | tr '\n' ' ' | sed 's/ $//')"
ALL_MODELS=$OUT
printf '%s' "$OUT" >"$TMPD/json"
same "m5's ungoverned production" "$(sqlite3 :memory: "SELECT json_extract(value, '\$.ungoverned.production.version') FROM json_each(CAST(readfile('$TMPD/json') AS TEXT)) WHERE json_extract(value, '\$.name') = 'm5'")" 3
expect 0 "model list" "$STEWARD" model list --db "$REG"
same "a header and a line per model" "$(printf '%s\n' "$OUT" | wc -l)" 71
same "the columns line up" "$(printf '%s\n' "$OUT" | awk '{ print index($0, $6) }' | sort -u | wc -l)" 1
has "m5's production marked" "$(printf '%s\n' "$OUT" | grep '^m5 ')" " 3* "
same "the ungoverned note once" "$(printf '%s\n' "$ERR" | grep -c '^\* ungoverned')" 1
expect 0 "model list --limit 65" "$STEWARD" model list --json --limit 65 --db "$REG"
same "--limit 65: the first 65 by name" "$(jall name)" "$(store_sql "$REG" "SELECT name FROM models ORDER BY name LIMIT 65" | tr '\n' ' ' | sed 's/ $//')"
expect 0 "model list --limit 2 (table)" "$STEWARD" model list --limit 2 --db "$REG"
same "--limit 2: a header and two models" "$(printf '%s\n' "$OUT" | wc -l)" 3
# m0..m69 were added one a second from T0 in the order (i * 37) % 70; m5 changed last.
expect 0 "model list --since" "$STEWARD" model list --json --since "$(rfc $((T0 + 60)))" --db "$REG"
same "--since: the models changed from then" "$(jlen)" 11
expect 0 "model list --since after the versions" "$STEWARD" model list --json --since "$(rfc $((T0 + 150)))" --db "$REG"
same "--since: only m5 changed since" "$(jall name)" m5
expect 0 "model list --since before the registry" "$STEWARD" model list --json --since 2000-01-01T00:00:00Z --db "$REG"
same "--since before the registry: the same bytes as no --since" "$OUT" "$ALL_MODELS"
expect 0 "model list --since the future" "$STEWARD" model list --json --since 2099-01-01T00:00:00Z --db "$REG"
same "no model changed that late: an empty array" "$OUT" "[]"

expect 0 "version list --json" "$STEWARD" version list m5 --json --db "$REG"
valid "version list"
same "every version" "$(jlen)" 70
same "newest first, across pages" "$(jall version)" "$(seq 70 -1 1 | tr '\n' ' ' | sed 's/ $//')"
ALL_VERSIONS=$OUT
expect 0 "version list" "$STEWARD" version list m5 --db "$REG"
same "a header and a line per version" "$(printf '%s\n' "$OUT" | wc -l)" 71
same "version 3 shows its alias" "$(printf '%s\n' "$OUT" | awk '$1 == 3 { print $NF }')" production
expect 0 "version list --limit 66" "$STEWARD" version list m5 --json --limit 66 --db "$REG"
same "--limit 66: the newest 66" "$(jall version)" "$(seq 70 -1 5 | tr '\n' ' ' | sed 's/ $//')"
expect 0 "version list --since" "$STEWARD" version list m5 --json --since "$(rfc $((T0 + 160)))" --db "$REG"
same "--since: the versions created from then" "$(jall version)" "$(seq 70 -1 60 | tr '\n' ' ' | sed 's/ $//')"
expect 0 "version list --since before the model" "$STEWARD" version list m5 --json --since 2000-01-01T00:00:00Z --db "$REG"
same "--since before the model: the same bytes as no --since" "$OUT" "$ALL_VERSIONS"
expect 0 "version list of a model with none" "$STEWARD" version list m6 --json --db "$REG"
same "no versions: an empty array" "$OUT" "[]"
expect 1 "version list of no such model" "$STEWARD" version list nosuch --json --db "$REG"
same "no such model prints nothing" "$OUT" ""

# --- bad values, refused by name before anything is printed ---
for cmd in "audit log" "request list" "approval list" "model list" "version list m5" "incident list" "alert list" "silence list"; do
	for bad in 0 -3 x 1e3 "" 99999999999999999999 " 5"; do
		expect 2 "$cmd --limit '$bad'" "$STEWARD" $cmd --limit "$bad" --db "$REG"
		has "$cmd --limit '$bad' names the option" "$ERR" "--limit wants a whole number"
		same "$cmd --limit '$bad' prints nothing" "$OUT" ""
	done
	for bad in yesterday 2026-01-01 2026-13-01T00:00:00Z 1790000000 ""; do
		expect 2 "$cmd --since '$bad'" "$STEWARD" $cmd --since "$bad" --db "$REG"
		has "$cmd --since '$bad' names the option" "$ERR" "--since wants an RFC 3339"
		same "$cmd --since '$bad' prints nothing" "$OUT" ""
	done
done
for bad in -1 x "" 007x; do
	expect 2 "audit log --after '$bad'" "$STEWARD" audit log --after "$bad" --db "$DB"
	has "audit log --after '$bad' names the option" "$ERR" "--after"
done
# --- audit export: progress on a terminal only ---
expect 0 "audit export on a pipe" "$STEWARD" audit export "$TMPD/b1" --db "$DB"
same "no progress bytes on a pipe" "$ERR" ""
expect 0 "the bundle verifies" "$STEWARD" audit verify --bundle "$TMPD/b1"
same "every entry exported" "$(wc -l <"$TMPD/b1/entries.jsonl")" "$ENTRIES"
if command -v script >/dev/null 2>&1; then
	script -qec "'$STEWARD' audit export '$TMPD/b2' --db '$(store_uri "$DB")'" /dev/null >"$TMPD/tty.out" 2>&1
	same "audit export on a terminal" "$?" 0
	TTY=$(tr '\r' '\n' <"$TMPD/tty.out")
	has "shows entries done of the total" "$TTY" "exporting: $ENTRIES/$ENTRIES entries ("
	has "with the rate and the time left" "$TTY" "entries/s, 0s left)"
	same "the same bundle" "$(cat "$TMPD/b2/entries.jsonl" | cksum)" "$(cat "$TMPD/b1/entries.jsonl" | cksum)"
	script -qec "'$STEWARD' audit export --quiet '$TMPD/b3' --db '$(store_uri "$DB")'" /dev/null >"$TMPD/tty.out" 2>&1
	same "audit export --quiet on a terminal" "$?" 0
	lacks "--quiet: no progress" "$(cat "$TMPD/tty.out")" "exporting:"
else
	echo "note: no script(1): the terminal progress line is not checked"
fi

expect 2 "approval list --request x" "$STEWARD" approval list --request x --db "$DB"
has "names --request" "$ERR" "--request"

finish
