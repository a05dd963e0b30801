# incident.sh: steward incident open|ack|note|resolve|list|show on the demo estate: the lifecycle and its timeline, bad input and refused roles writing nothing, and audit verify catching incidents and timelines edited in the store file.
. "$STEWARD_TOP/tests/lib.sh"

export XDG_DATA_HOME="$TMPD/data" XDG_CONFIG_HOME="$TMPD/cfg" HOME="$TMPD"
export STEWARD_PASSPHRASE=demo-passphrase
unset STEWARD_KEY
DB="$TMPD/data/steward/demo.db"
K="$(store_local "$DB" -keys)"
expect 0 "demo estate" "$STEWARD" demo --no-tui
# as NAME ARGS...: a command signed with NAME's demo key.
as() {
	who=$1
	shift
	"$STEWARD" "$@" --db "$DB" --key "$K/$who.key"
}
rows() { store_sql "$DB" "$1"; }
entries() { rows "SELECT count(*) FROM ledger"; }
# The demo's own incident: sami's critical drift incident on loan-default-pd, with one note.
DEMO=$(rows "SELECT id FROM incidents WHERE model = 'loan-default-pd' AND state <> 'resolved'")
same "the demo has one open incident" "$(rows "SELECT count(*) FROM incidents WHERE state <> 'resolved'")" 1
same "opened by the demo's SRE" "$(rows "SELECT opened_by || ' ' || severity || ' ' || alert FROM incidents WHERE id = $DEMO")" \
	"sami critical ScoreDriftHigh"
same "with its note" "$(rows "SELECT group_concat(kind, ',') FROM (SELECT kind FROM incident_events WHERE incident = $DEMO ORDER BY seq) AS e")" "open,note"
expect 0 "the demo's ledger verifies" "$STEWARD" audit verify --db "$DB"
has "and counts its incident" "$OUT" "incidents: 1 "

# ---- open ----
BEFORE=$(entries)
expect 0 "open" as lena incident open fraud-scoring --severity warning --title "p99 latency over 250 ms" --alert AuthLatencyHigh
ID=$(printf '%s' "$OUT" | sed -n 's/^incident \([0-9]*\) opened.*/\1/p')
has "prints its number" "$OUT" "incident $ID opened"
same "a new number" "$((ID > DEMO))" 1
same "one entry" "$(entries)" "$((BEFORE + 1))"
same "the entry is the act, signed by lena" \
	"$(rows "SELECT action || ' ' || actor || ' ' || subject || ' ' || CASE WHEN sig IS NOT NULL THEN 1 ELSE 0 END FROM ledger ORDER BY seq DESC LIMIT 1")" \
	"incident.open lena models:/fraud-scoring 1"
same "its body" "$(rows "SELECT json_extract(CAST(body AS TEXT), '\$.data.incident') || ' ' || json_extract(CAST(body AS TEXT), '\$.data.severity') || ' ' || json_extract(CAST(body AS TEXT), '\$.data.alert') FROM ledger ORDER BY seq DESC LIMIT 1")" \
	"$ID warning AuthLatencyHigh"
same "the row" "$(rows "SELECT state || '|' || owner || '|' || opened_by || '|' || title FROM incidents WHERE id = $ID")" \
	"open||lena|p99 latency over 250 ms"
expect 0 "open --json" as rosa incident open credit-limit --severity info --title "limits look stale" --json
valid "open --json"
same "json: state" "$(j '$.state')" open
same "json: no owner yet" "$(jtype '$.owner')" null
same "json: no alert" "$(jtype '$.alert')" null
same "json: the timeline's first act" "$(j '$.timeline[0].kind') $(j '$.timeline[0].actor')" "open rosa"
INFO=$(j '$.id')

# ---- bad input: a clear message, a non-zero exit, nothing written ----
BEFORE=$(entries)
expect 2 "bad severity" as sami incident open fraud-scoring --severity severe --title x
has "names the severities" "$ERR" 'severity "severe" is not one of info, warning, critical'
expect 2 "no severity" as sami incident open fraud-scoring --title x
has "says which option" "$ERR" "--severity"
expect 2 "empty title" as sami incident open fraud-scoring --severity info --title ""
has "names the title" "$ERR" "title"
LONG=$(printf 'x%.0s' $(seq 1 201))
expect 2 "over-long title" as sami incident open fraud-scoring --severity info --title "$LONG"
has "says how long a title may be" "$ERR" "200"
expect 2 "a title with a control character" as sami incident open fraud-scoring --severity info --title "$(printf 'a\033[2Jb')"
expect 1 "unknown model" as sami incident open no-such-model --severity info --title x
has "names the model" "$ERR" 'no model named "no-such-model"'
expect 1 "a hostile model name" as sami incident open "$(printf 'm\033[31m')" --severity info --title x
lacks "escaped" "$ERR" "$(printf '\033')"
expect 1 "unknown incident" as sami incident ack 999
has "names it" "$ERR" "no incident 999"
expect 2 "not a number" as sami incident ack one
has "says so" "$ERR" 'incident "one" is not a number'
expect 2 "zero" as sami incident note 0 hello
expect 1 "note on an unknown incident" as sami incident note 999 hello
expect 2 "an empty note" as sami incident note "$ID" ""
expect 2 "a note over 600 bytes" as sami incident note "$ID" "$(printf 'y%.0s' $(seq 1 601))"
has "says how long" "$ERR" "600"
expect 2 "note without its text" as sami incident note "$ID"
expect 1 "resolve an unknown incident" as sami incident resolve 999
expect 2 "a resolution note with a control character" as sami incident resolve "$ID" --note "$(printf 'a\033b')"
has "names the note" "$ERR" "note"
expect 1 "show an unknown incident" "$STEWARD" incident show 999 --db "$DB"
has "names it" "$ERR" "no incident 999"
expect 2 "an unknown verb" "$STEWARD" incident close 1 --db "$DB"
has "lists the verbs" "$ERR" "open"
same "nothing was written" "$(entries)" "$BEFORE"

# ---- roles: the dispatcher refuses by name, before anything is written ----
expect 2 "no key" "$STEWARD" incident open fraud-scoring --severity info --title x --db "$DB"
has "says to give --key" "$ERR" "give --key FILE"
expect 1 "an auditor may not open one" as otto incident open fraud-scoring --severity info --title x
has "names the auditor and the roles" "$ERR" "otto (roles: auditor) may not run 'steward incident open': it needs one of admin,risk-officer,ml-lead,sre"
expect 1 "nor acknowledge" as otto incident ack "$ID"
expect 1 "nor add a note" as otto incident note "$ID" "looks fine to me"
expect 1 "nor resolve" as otto incident resolve "$ID"
has "named" "$ERR" "otto (roles: auditor) may not run 'steward incident resolve'"
# a pipeline key records evidence, never incidents
expect 0 "a CI key" "$STEWARD" key gen ci --out "$TMPD/ci.key"
expect 0 "added as pipeline" as ada principal add ci --role pipeline --pubkey "$TMPD/ci.key.pub"
BEFORE=$(entries)
expect 1 "a pipeline key may not open one" "$STEWARD" incident open fraud-scoring --severity info --title x --db "$DB" --key "$TMPD/ci.key"
has "names it" "$ERR" "ci (roles: pipeline) may not run 'steward incident open'"
expect 2 "--readonly refuses the acts" as sami incident ack "$ID" --readonly
has "says why" "$ERR" "--readonly: 'steward incident ack' writes to the store"
expect 2 "--readonly: open" as sami incident open fraud-scoring --severity info --title x --readonly
expect 0 "--readonly reads" "$STEWARD" incident list --db "$DB" --readonly
same "nothing was written" "$(entries)" "$BEFORE"

# ---- ack, note, resolve ----
expect 0 "ack" as sami incident ack "$ID"
has "says who owns it" "$OUT" "incident $ID acknowledged: sami owns it"
expect 1 "ack again by its owner" as sami incident ack "$ID"
has "says so" "$ERR" "already acknowledged by sami"
expect 0 "taken over by another" as lena incident ack "$ID"
same "the hand-over is in the timeline" "$(rows "SELECT text FROM incident_events WHERE incident = $ID AND kind = 'ack' ORDER BY seq DESC LIMIT 1")" \
	"owner lena (was sami)"
expect 0 "note" as sami incident note "$ID" "rolled production back to v6"
has "says so" "$OUT" "incident $ID: note added by sami"
expect 0 "a risk officer's note" as rosa incident note "$ID" "Überprüfung: the limits are unaffected"
expect 0 "an admin resolves" as ada incident resolve "$ID" --note "latency back under 200 ms"
has "says so" "$OUT" "incident $ID resolved by ada"
BEFORE=$(entries)
expect 1 "resolved twice" as sami incident resolve "$ID"
has "refused, naming it" "$ERR" "incident $ID (fraud-scoring) was resolved at"
has "and why" "$ERR" "it cannot be resolved again"
expect 1 "no ack once resolved" as sami incident ack "$ID"
has "refused" "$ERR" "cannot be acknowledged"
expect 1 "no note once resolved" as sami incident note "$ID" "late"
same "nothing was written" "$(entries)" "$BEFORE"
same "the resolution's row" "$(rows "SELECT state || '|' || owner || '|' || CASE WHEN resolved > 0 THEN 1 ELSE 0 END || '|' || CASE WHEN acked > 0 THEN 1 ELSE 0 END FROM incidents WHERE id = $ID")" \
	"resolved|lena|1|1"

# ---- list ----
expect 0 "list" "$STEWARD" incident list --db "$DB"
for h in ID STATE SEVERITY MODEL AGE OWNER TITLE; do has "column $h" "$(printf '%s\n' "$OUT" | head -n 1)" "$h"; done
lacks "the resolved one is not listed" "$OUT" "p99 latency over 250 ms"
has "the demo's is" "$(printf '%s\n' "$OUT" | grep "^$DEMO ")" "critical  loan-default-pd"
has "nobody owns it yet" "$(printf '%s\n' "$OUT" | grep "^$DEMO ")" " 0s   -  "
has "and an age" "$(printf '%s\n' "$OUT" | grep "^$INFO ")" " 0s "
has "newest first" "$(printf '%s\n' "$OUT" | sed -n 2p)" "$INFO "
expect 0 "list --all" "$STEWARD" incident list --all --db "$DB"
has "lists the resolved one" "$(printf '%s\n' "$OUT" | grep "^$ID ")" "resolved  warning   fraud-scoring"
expect 0 "list --model" "$STEWARD" incident list --all --model credit-limit --db "$DB"
same "only that model's" "$(printf '%s\n' "$OUT" | sed 1d | awk '{print $4}' | sort -u)" credit-limit
expect 0 "list --model with none" "$STEWARD" incident list --model search-ranking --db "$DB"
has "says so" "$OUT" "no open incidents"
expect 0 "list --json" "$STEWARD" incident list --all --json --db "$DB"
valid "list --json"
same "json: every incident" "$(printf '%s' "$OUT" | python3 -c 'import json,sys; print(len(json.load(sys.stdin)))')" \
	"$(rows "SELECT count(*) FROM incidents")"
expect 2 "list takes no argument" "$STEWARD" incident list extra --db "$DB"

# ---- show: header and timeline ----
expect 0 "show" "$STEWARD" incident show "$ID" --db "$DB"
has "title" "$(printf '%s\n' "$OUT" | head -n 1)" "incident $ID: p99 latency over 250 ms"
has "state" "$OUT" "state:     resolved"
has "owner" "$OUT" "owner:     lena"
has "the alert" "$OUT" "alert:     AuthLatencyHigh"
has "timeline heading" "$OUT" "TIME                  ACTOR  KIND     ENTRY  TEXT"
same "every act, in order" "$(printf '%s\n' "$OUT" | sed -n '/^TIME /,$p' | sed 1d | awk '{print $2 "/" $3}' | tr '\n' ' ')" \
	"lena/open sami/ack lena/ack sami/note rosa/note ada/resolve "
OPEN_SEQ=$(rows "SELECT seq FROM incidents WHERE id = $ID")
has "each with its ledger entry" "$(printf '%s\n' "$OUT" | grep ' open ')" " $OPEN_SEQ "
has "non-ASCII kept" "$OUT" "Überprüfung"
expect 0 "show --json" "$STEWARD" incident show "$ID" --json --db "$DB"
valid "show --json"
same "json: six acts" "$(printf '%s' "$OUT" | python3 -c 'import json,sys; print(len(json.load(sys.stdin)["timeline"]))')" 6
same "json: the last" "$(j '$.timeline[5].kind') $(j '$.timeline[5].text')" "resolve latency back under 200 ms"
same "json: each act's entry is the ledger's" \
	"$(printf '%s' "$OUT" | python3 -c 'import json,sys; print(" ".join(str(t["seq"]) for t in json.load(sys.stdin)["timeline"]))')" \
	"$(rows "SELECT group_concat(CAST(seq AS TEXT), ' ') FROM (SELECT seq FROM ledger WHERE action LIKE 'incident.%' AND CAST(json_extract(CAST(body AS TEXT), '\$.data.incident') AS BIGINT) = $ID ORDER BY seq) AS e")"
# text from the store reaches the terminal escaped
store_copy "$DB" "$TMPD/hostile.db"
store_sql "$TMPD/hostile.db" "UPDATE incidents SET title = 'a' || char(27) || '[2Jb' WHERE id = $ID"
expect 0 "show a hostile title" "$STEWARD" incident show "$ID" --db "$TMPD/hostile.db"
lacks "no raw escape" "$OUT" "$(printf '\033')"
has "escaped" "$OUT" 'a\x1b[2Jb'

# ---- audit verify after a full lifecycle ----
expect 0 "audit verify" "$STEWARD" audit verify --db "$DB"
has "counts the incidents" "$OUT" "incidents: $(rows "SELECT count(*) FROM incidents") "
expect 0 "audit verify --json" "$STEWARD" audit verify --json --db "$DB"
same "json: incidents" "$(j '$.incidents')" "$(rows "SELECT count(*) FROM incidents")"
# an exported bundle replays the same acts without the store
expect 0 "export" "$STEWARD" audit export "$TMPD/bundle" --db "$DB"
expect 0 "the bundle verifies" "$STEWARD" audit verify --bundle "$TMPD/bundle"

# ---- a writer of the store file, without a key ----
attack() {
	store_copy "$DB" "$TMPD/a.db"
	rm -f "$TMPD/a.db-wal" "$TMPD/a.db-shm"
	store_sql "$TMPD/a.db" "$1"
	expect 1 "$2: audit verify fails" "$STEWARD" audit verify --db "$TMPD/a.db"
	has "$2: named" "$ERR" "$3"
}
attack "UPDATE incidents SET state = 'resolved', resolved = $STEWARD_NOW WHERE id = $DEMO" "state" \
	"incidents: incident $DEMO (loan-default-pd) has state 'resolved' in the table, but the ledger says 'open'"
attack "UPDATE incidents SET owner = 'mallory' WHERE id = $ID" "owner" \
	"incidents: incident $ID (fraud-scoring) has owner 'mallory' in the table, but the ledger says 'lena'"
attack "UPDATE incidents SET severity = 'info' WHERE id = $DEMO" "severity" \
	"incident $DEMO (loan-default-pd) has severity 'info' in the table, but the ledger says 'critical'"
attack "UPDATE incidents SET title = 'nothing to see' WHERE id = $ID" "title" "incident $ID (fraud-scoring) has title"
attack "UPDATE incidents SET acked = 0 WHERE id = $ID" "acked" "incident $ID (fraud-scoring) has acked none"
attack "UPDATE incidents SET title = title || 'x' WHERE id = $ID" "a title made longer" "incident $ID (fraud-scoring) has title"
attack "DELETE FROM incident_events WHERE incident = $ID; DELETE FROM incidents WHERE id = $ID" "a deleted incident" \
	"incident $ID (fraud-scoring), opened by ledger entry $OPEN_SEQ, is missing from the table"
attack "INSERT INTO incidents(id, model, title, severity, state, opened_by, opened, seq) VALUES (77, 'fraud-scoring', 'fake', 'info', 'open', 'sami', 1, 1)" \
	"an incident no entry opened" "incident 77 (fraud-scoring) is in the table but no ledger entry opened it"
attack "UPDATE incident_events SET text = 'all fine' WHERE incident = $ID AND kind = 'note'" "a note rewritten" \
	"incident $ID's timeline entry for ledger entry"
attack "UPDATE incident_events SET actor = 'ada' WHERE incident = $DEMO AND kind = 'note'" "a note's actor" "has another actor than the entry says"
attack "DELETE FROM incident_events WHERE incident = $ID AND kind = 'resolve'" "a resolution dropped from the timeline" \
	"incident $ID's timeline lacks ledger entry"
attack "UPDATE incident_events SET incident = $DEMO WHERE incident = $ID AND kind = 'resolve'" "an act moved to another incident" \
	"incident $DEMO's timeline holds ledger entry"
# the acts read the table: a forged state is caught, and an act on top of it still verifies only once it is put back
store_copy "$DB" "$TMPD/b.db"
store_sql "$TMPD/b.db" "UPDATE incidents SET state = 'resolved' WHERE id = $DEMO"
expect 1 "an act refused by a forged state" "$STEWARD" incident ack "$DEMO" --db "$TMPD/b.db" --key "$K/lena.key"
has "says it is resolved" "$ERR" "cannot be acknowledged"
# a number handed out once is never handed out again, even after its row is deleted
store_copy "$DB" "$TMPD/c.db" && cp "$(store_local "$DB" .logkey)" "$(store_local "$TMPD/c.db" .logkey)"
store_sql "$TMPD/c.db" "DELETE FROM incident_events WHERE incident = $INFO; DELETE FROM incidents WHERE id = $INFO"
expect 0 "open after a row was deleted" "$STEWARD" incident open credit-limit --severity info --title again --db "$TMPD/c.db" --key "$K/sami.key"
lacks "not its number" "$OUT" "incident $INFO opened"
finish
