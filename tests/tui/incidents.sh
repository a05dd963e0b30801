# incidents.sh: :incidents on the demo estate (the header's count, the list, a toggling every incident, Enter opening the timeline), and A, N and R through the dispatcher: refused without a key, to an auditor and under --readonly, each confirmation naming the incident, who acts and the text, then signed and recorded; audit verify holds after.
. "$STEWARD_TOP/tests/lib.sh"

export LC_ALL=C.UTF-8
unset NO_COLOR STEWARD_KEY STEWARD_PASSPHRASE
. "$STEWARD_TOP/tests/lib-script.sh"

DB="$TMPD/d.db"
K="$(store_local "$DB" -keys)"
expect 0 "demo store" "$STEWARD" demo --db "$DB" --no-tui
rows() { store_sql "$DB" "$1"; }
entries() { rows "SELECT count(*) FROM ledger"; }
bottom() {
	printf '%s\n' "$SCREEN" | tail -n 4 | tr '\n' ' '
}
lineno() {
	printf '%s\n' "$SCREEN" | grep -n -e "$1" | head -n 1 | cut -d: -f1
}
colours_of() {
	l=$(printf '%s\n' "$SCREEN" | sed -n "$1p")
	pre=${l%%"$2"*}
	if [ "$pre" = "$l" ]; then
		printf 'absent'
		return
	fi
	sed -n "$1p" "$TMPD/colours" | cut -c$((${#pre} + 1))-$((${#pre} + ${#2}))
}
ID=$(rows "SELECT id FROM incidents")
OPEN_SEQ=$(rows "SELECT seq FROM incidents WHERE id = $ID")
NOTE_SEQ=$(rows "SELECT seq FROM incident_events WHERE incident = $ID AND kind = 'note'")

# ---- the header counts what is not resolved ----
screen ''
has "the header counts the demo's incident" "$(line 1)" "1 incident open"
has "and the models still" "$(line 1)" "12 models"
screen '<resize 50x12>'
lacks "a narrow screen leaves the count out" "$(line 1)" "incident"
has "for the store's name" "$(line 1)" "store:"

# ---- :incidents ----
screen ':incidents<Enter>'
has "opens" "$(line 23)" "[incidents] 1/1"
has "the summary line" "$(line 3)" "1 open (1 critical, 1 nobody acknowledged)"
for t in SEVERITY STATE MODEL AGE OWNER TITLE; do has "column $t" "$(line 4)" "$t"; done
ROW=$(row 'loan-default-pd')
has "its severity and state" "$ROW" "critical open"
has "nobody owns it" "$ROW" " - "
has "its title, cut to fit" "$ROW" "production scores drifted"
same "no line wider than 80" "$(($(wc -L <"$TMPD/screen") <= 80))" 1
has "hints at what the view offers" "$(line 24)" "a all/open"
lacks "no key, no act offered" "$(line 24)" "A ack"
screen ':inc<Enter>'
has "a prefix names it" "$(line 23)" "[incidents] 1/1"
# colours on an ASCII screen
printf ':incidents<Enter>' >"$TMPD/keys"
expect 0 "colours dumped" env LC_ALL=C "$STEWARD" --db "$DB" --script "$TMPD/keys" --dump "$TMPD/screen" \
	--dump-colours "$TMPD/colours" --size 100x24
SCREEN=$(cat "$TMPD/screen")
N=$(lineno 'loan-default-pd')
same "critical in red" "$(colours_of "$N" "critical")" "rrrrrrrr"
same "the model plain" "$(colours_of "$N" "loan-default-pd")" "..............."

# ---- Enter: the timeline ----
screen ':incidents<Enter><Enter>' --size 120x24
has "the path" "$(line 23)" "[incidents › incident #$ID] 1/2"
has "its title" "$(line 3)" "#$ID production scores drifted past the critical limit (PSI 0.33 > 0.2)"
has "severity, state, model, owner, alert" "$(line 4)" "critical  open  loan-default-pd  owner: - (nobody acknowledged it)  alert: ScoreDriftHigh"
has "who opened it" "$(line 5)" "opened 2026-01-01T00:00:00Z by sami"
for t in TIME ACTOR KIND ENTRY TEXT; do has "timeline column $t" "$(line 6)" "$t"; done
has "the open act and its entry" "$(line 7)" "2026-01-01T00:00:00Z sami  open  #$OPEN_SEQ production scores"
has "the note and its entry" "$(line 8)" "sami  note  #$NOTE_SEQ v3's score distribution moved"
screen ':incidents<Enter><Enter>:audit<Enter>' --size 120x24
has ":audit from an incident is its model's" "$(line 23)" "loan-default-pd"

# ---- help lists the keys of the view first ----
screen ':incidents<Enter>?' --size 100x30 --key "$K/sami.key"
has "help opens" "$(line 29)" "[incidents › help]"
has "in incidents first" "$(line 4)" "In incidents"
has "a" "$(line 5)" "toggle between the incidents not resolved and every incident"
has "A" "$(line 6)" "acknowledge the incident: you become its owner"
has "N" "$(line 7)" "add a note to the incident's timeline"
has "R" "$(line 8)" "resolve the incident"
screen ':incidents<Enter><Enter>?' --size 100x30 --key "$K/sami.key"
has "the timeline's help names its keys first" "$(line 4)" "In incident"
has "A first" "$(line 5)" "acknowledge the incident"
screen ':incidents<Enter>?' --size 100x30
lacks "without a key, help leaves out what cannot run" "$SCREEN" "acknowledge the incident"
has "but keeps a" "$(line 5)" "toggle between the incidents not resolved and every incident"

# ---- the dispatcher: no key, an auditor, --readonly ----
BEFORE=$(entries)
screen ':incidents<Enter>A'
has "A without a key: refused" "$(bottom)" "start with --key FILE to sign"
screen ':incidents<Enter>A' --key "$K/otto.key"
has "an auditor: refused by name" "$(bottom)" "otto holds auditor; this needs one of admin,risk-officer,ml-lead,sre"
screen ':incidents<Enter>N' --key "$K/otto.key"
has "nor a note" "$(bottom)" "otto holds auditor"
lacks "no question asked" "$(bottom)" "note for incident"
screen ':incidents<Enter>R' --key "$K/sami.key" --readonly
has "--readonly: refused" "$(bottom)" "read-only"
lacks "--readonly: no hint at R" "$(line 24)" "R resolve"
screen ':models<Enter>A' --key "$K/sami.key"
has "A outside an incident" "$(bottom)" "no incident here: open :incidents and select one"
screen ':models<Enter>R' --key "$K/sami.key"
has "R in :models still rolls back" "$(bottom)" "no known-safe baseline to roll back to"
same "nothing was written" "$(entries)" "$BEFORE"

# ---- A: confirm naming the incident and who becomes its owner, then sign ----
screen ':incidents<Enter>A' --key "$K/lena.key" --size 120x24
has "the confirmation names the incident" "$(bottom)" "acknowledge incident #$ID (critical, loan-default-pd: production scores drifted"
has "and who becomes its owner" "$(bottom)" "as lena, its owner from now? (y/n)"
screen ':incidents<Enter>An' --key "$K/lena.key"
has "n cancels" "$(bottom)" "cancelled"
screen ':incidents<Enter>Aywrong<Enter>' --key "$K/lena.key"
has "a wrong passphrase: refused" "$(bottom)" "passphrase"
same "nothing was written" "$(entries)" "$BEFORE"
screen ':incidents<Enter>Aydemo-passphrase<Enter>' --key "$K/lena.key" --size 120x24
has "acknowledged" "$(bottom)" "acknowledged incident #$ID: lena owns it (ledger entry #$((BEFORE + 1)))"
same "one entry, lena's" "$(rows "SELECT action || ' ' || actor FROM ledger ORDER BY seq DESC LIMIT 1")" "incident.ack lena"
same "the row" "$(rows "SELECT state || ' ' || owner FROM incidents WHERE id = $ID")" "acknowledged lena"
has "the list shows it at once" "$(row 'loan-default-pd')" "critical acknowledged loan-default-pd"
has "with its owner" "$(row 'loan-default-pd')" " lena "
has "the summary too" "$(line 3)" "1 open (1 critical, 0 nobody acknowledged)"
screen ':incidents<Enter>' --key "$K/lena.key"
lacks "its owner is not offered A" "$(line 24)" "A ack"
has "but N and R" "$(line 24)" "N note  R resolve"
screen ':incidents<Enter>A' --key "$K/lena.key"
has "A by its owner: refused" "$(bottom)" "incident #$ID is already yours"
# sami takes it over: the question says from whom
screen ':incidents<Enter>A' --key "$K/sami.key" --size 120x24
has "a take-over names the owner before" "$(bottom)" "as sami, taking it over from lena? (y/n)"

# ---- N: the note, asked again when empty, then confirmed word for word ----
BEFORE=$(entries)
screen ':incidents<Enter><Enter>N<Enter>' --key "$K/sami.key"
has "an empty note is asked again" "$(bottom)" "a note needs some text"
has "still asking" "$(bottom)" "note for incident #$ID's timeline"
screen ':incidents<Enter><Enter>Nbureau feed was 6h late<Enter>' --key "$K/sami.key" --size 120x24
has "the confirmation quotes the note" "$(bottom)" "add to incident #$ID's timeline, as sami: \"bureau feed was 6h late\"? (y/n)"
screen ':incidents<Enter><Enter>Nbureau feed was 6h late<Enter>ydemo-passphrase<Enter>' --key "$K/sami.key" --size 120x24
has "noted" "$(bottom)" "noted on incident #$ID as sami (ledger entry #$((BEFORE + 1)))"
has "the timeline shows it at once" "$(line 10)" "sami  note  #$((BEFORE + 1)) bureau feed was 6h late"
same "one entry" "$(entries)" "$((BEFORE + 1))"
same "the note's body" "$(rows "SELECT json_extract(CAST(body AS TEXT), '\$.data.text') FROM ledger ORDER BY seq DESC LIMIT 1")" \
	"bureau feed was 6h late"

# ---- R from the timeline: how it ended, confirmed, signed; then no more acts ----
screen ':incidents<Enter><Enter>R' --key "$K/sami.key"
has "R asks how it ended" "$(bottom)" "how did incident #$ID end?"
screen ':incidents<Enter><Enter>R<Enter>' --key "$K/sami.key" --size 120x24
has "nothing said: the confirmation says so" "$(bottom)" "as sami, noting nothing? It takes no more acts (y/n)"
screen ':incidents<Enter><Enter>Rfeed caught up, PSI 0.04<Enter>ydemo-passphrase<Enter>' --key "$K/sami.key" --size 120x24
has "resolved" "$(bottom)" "resolved incident #$ID as sami (ledger entry #$((BEFORE + 2)))"
has "the header no longer counts it" "$(line 1)" "12 models"
lacks "no incident open" "$(line 1)" "incident open"
has "its state" "$(line 4)" "critical  resolved  loan-default-pd  owner: lena"
has "the timeline ends with it" "$(line 11)" "sami  resolve  #$((BEFORE + 2)) feed caught up, PSI 0.04"
lacks "no act offered once resolved" "$(line 24)" "R resolve"
screen ':incidents<Enter>a<Enter>N' --key "$K/sami.key"
has "N on a resolved incident: refused" "$(bottom)" "incident #$ID is resolved: it takes no more acts"
same "nothing more was written" "$(entries)" "$((BEFORE + 2))"

# ---- a: every incident, resolved ones too ----
screen ':incidents<Enter>' --key "$K/sami.key"
has "none open" "$SCREEN" "no open incidents (a shows resolved ones"
screen ':incidents<Enter>a' --key "$K/sami.key"
has "a shows the resolved one" "$(row 'loan-default-pd')" "resolved"
has "the title says so" "$(line 23)" "[incidents, all] 1/1"
has "and the message" "$(bottom)" "every incident, resolved ones too"
screen ':incidents<Enter>aa' --key "$K/sami.key"
has "a again: only the open ones" "$(line 23)" "[incidents] 0/0"

expect 0 "audit verify after the console's acts" "$STEWARD" audit verify --db "$DB"
has "counts the incident" "$OUT" "incidents: 1 "
finish
