# monitor.sh: :monitor (sparklines and values against the tier's limits, coloured; charts and score histograms on Enter), :alerts (s silences and u expires through the alert's plugin, the dispatcher refusing the wrong role and --readonly), the markers on models and versions, a degraded alert source, 80x24, NO_COLOR and ASCII.
. "$STEWARD_TOP/tests/lib.sh"

export LC_ALL=C.UTF-8
unset NO_COLOR STEWARD_KEY STEWARD_PASSPHRASE
SOCK="steward-monitor-$$"
WAIT=${STEWARD_TMUX_WAIT:-15}
. "$STEWARD_TOP/tests/lib-tmux.sh"
. "$STEWARD_TOP/tests/lib-script.sh"

DB="$TMPD/d.db"
K="$(store_local "$DB" -keys)"
PD="$TMPD/plugins"
LOG="$TMPD/silences" # the fake alert source's silences: one line per act it made
mkdir -p "$PD"
build=${STEWARD%/*}
cp "$build/tests/plugins/steward-fakealerts.so" "$PD/"
chmod go-w "$PD"
# The demo estate carries a day of monitoring history and two alerts firing,
# synced from an Alertmanager named "alertmanager": no server runs here.
expect 0 "demo store" "$STEWARD" demo --db "$DB" --no-tui
store_copy "$DB" "$TMPD/base.db"
for f in .witness .logkey; do cp "$(store_local "$DB" $f)" "$TMPD/base$f"; done
reset_db() {
	rm -f "$DB-wal" "$DB-shm" "$LOG"
	store_copy "$TMPD/base.db" "$DB"
	for f in .witness .logkey; do cp "$TMPD/base$f" "$(store_local "$DB" $f)"; done
}
# cfg ACT [MODE]: "alertmanager" is now the fake: its act (ok, refuse, stall) and its sync
# (fail: the server is down, so the store keeps the demo's alerts; hang: it never answers).
cfg() {
	printf '[steward]\nplugin_dirs = %s\n\n[plugin alertmanager]\ntype = fakealerts\nmode = %s\ninterval = 3600\nact = %s\nlog = %s\nseconds = %s\n' \
		"$PD" "${2:-fail}" "$1" "$LOG" "${3:-3}" >"$TMPD/config"
}
entries() {
	store_sql "$DB" "SELECT count(*) FROM ledger"
}
bottom() {
	printf '%s\n' "$SCREEN" | tail -n 4 | tr '\n' ' '
}
# colours_of N TEXT: the colour letters (--dump-colours) under TEXT on line N of an ASCII screen.
colours_of() {
	l=$(printf '%s\n' "$SCREEN" | sed -n "$1p")
	pre=${l%%"$2"*}
	if [ "$pre" = "$l" ]; then
		printf 'absent'
		return
	fi
	sed -n "$1p" "$TMPD/colours" | cut -c$((${#pre} + 1))-$((${#pre} + ${#2}))
}
lineno() {
	printf '%s\n' "$SCREEN" | grep -n -e "$1" | head -n 1 | cut -d: -f1
}
SPARK='[▁▂▃▄▅▆▇█]'

# --- :monitor ---
screen ':monitor<Enter>' --size 120x30
has ":monitor opens" "$(line 29)" "[monitor] 1/22"
has "the summary: deployed versions, alerts, how old the data is" "$(line 3)" \
	"22 deployed versions, 2 alerts firing; data to 2026-01-01 00:00 (0s ago)"
for t in MODEL VER ALIAS LATENCY ERRORS DRIFT FRESH ALERTS; do has "column $t" "$(line 4)" "$t"; done
LOAN=$(row 'loan-default-pd  *v3 production')
has "drift over its limit: the value and a !" "$LOAN" " 0.334!"
has "the alert on it, by worst severity" "$LOAN" "1 crit"
has "latency with its unit" "$LOAN" "41ms"
has "error rate in %" "$LOAN" "0.39%"
has "freshness as a duration" "$LOAN" "1h10m"
FRAUD=$(row 'fraud-scoring  *v7 production')
has "fraud-scoring's latency" "$FRAUD" "325ms"
has "its warning" "$FRAUD" "1 warn"
lacks "no ! within its limits" "$FRAUD" "!"
has "the staging version too" "$(row 'fraud-scoring  *v8 staging')" "100ms"
same "sparklines: ten points of each signal at 120 columns" \
	"$(printf '%s\n' "$LOAN" | grep -o "$SPARK$SPARK$SPARK$SPARK$SPARK$SPARK$SPARK$SPARK$SPARK$SPARK" | wc -l | tr -d ' ')" 4
has "a row with no alert says -" "$(row 'credit-limit  *v4')" " -"
# drift is drawn from zero to its limit: noise around nothing is flat, the drift that grew is a ramp
has "a steady drift draws flat" "$(row 'loan-default-pd  *v5')" "▁▁▁▁▁▁▁▁▁▁ 0.00"
lacks "the drifted one does not" "$LOAN" "▁▁▁▁▁▁▁▁▁▁ 0.3"
has "hints at Enter" "$(line 30)" "Enter open"

# Sort, filter and click come from the list.
screen ':monitor<Enter>ssssssSg' --size 120x30
has "sorted by DRIFT, descending" "$(line 4)" "DRIFT▼"
has "the drifting version first" "$(line 5)" "loan-default-pd"
screen ':monitor<Enter>ssssssssSg' --size 120x30
has "sorted by ALERTS, worst first" "$(line 5)" "1 crit"
has "then the warning" "$(line 6)" "1 warn"
screen ':monitor<Enter>ssssSg' --size 120x30
has "latency sorts by its value, not its text" "$(line 5)" " 325ms"
screen ':monitor<Enter>/staging<Enter>' --size 120x30
# marketing-uplift v4 is canary in the demo, a stage past staging
has "a filter keeps the staging versions" "$(line 29)" "1/9 of 22"
screen ':monitor<Enter><click 5,7><click 5,7>' --size 120x30
has "a click selects, a second opens the charts" "$(line 29)" "[monitor › churn-propensity v5 live]"

# Colours, on an ASCII screen where a byte is a cell.
printf ':monitor<Enter>' >"$TMPD/keys"
expect 0 "colours dumped" env LC_ALL=C "$STEWARD" --db "$DB" --script "$TMPD/keys" --dump "$TMPD/screen" \
	--dump-colours "$TMPD/colours" --size 120x30
SCREEN=$(cat "$TMPD/screen")
N=$(lineno 'loan-default-pd  *v3')
same "over its limit: red" "$(colours_of "$N" "0.334!")" "rrrrrr"
same "a critical alert: red" "$(colours_of "$N" "1 crit")" "rrrrrr"
same "within its limits: no colour" "$(colours_of "$N" "41ms")" "...."
same "production in green" "$(colours_of "$N" "production")" "gggggggggg"
N=$(lineno 'fraud-scoring  *v7')
same "a warning: yellow" "$(colours_of "$N" "1 warn")" "yyyyyy"
same "ASCII sparklines" "$(printf '%s\n' "$SCREEN" | sed -n "${N}p" | grep -c '[_.=#-][_.=#-][_.=#-][_.=#-][_.=#-] 325ms')" 1
same "ASCII: nothing but ASCII on screen" "$(printf '%s' "$SCREEN" | LC_ALL=C grep -c '[^ -~]')" 0

same "a colour line per screen row" "$(wc -l <"$TMPD/colours" | tr -d ' ')" 30
same "a letter per cell" "$(awk '{ if (length($0) != 120) bad++ } END { print bad + 0 }' "$TMPD/colours")" 0
expect 2 "--dump-colours needs --dump" "$STEWARD" --db "$DB" --dump-colours "$TMPD/c2"
has "and says so" "$ERR" "--dump-colours only applies with --script and --dump"

# NO_COLOR: no colour anywhere; the ! still says which value is over.
expect 0 "NO_COLOR" env NO_COLOR=1 "$STEWARD" --db "$DB" --script "$TMPD/keys" --dump "$TMPD/screen" \
	--dump-colours "$TMPD/colours" --size 120x30
same "NO_COLOR: not one coloured cell" "$(tr -d '.\n' <"$TMPD/colours" | wc -c | tr -d ' ')" 0
has "NO_COLOR: the breach still marked" "$(grep 'loan-default-pd *v3' "$TMPD/screen")" "0.334!"

# 80x24: every value and the alerts stay; names and sparklines give way.
screen ':monitor<Enter>' --size 80x24
has "80x24: the view" "$(line 23)" "[monitor] 1/22"
LOAN=$(row 'loan-default.*v3')
for v in "41ms" "0.39%" "0.334!" "1h10m" "1 crit" "production"; do has "80x24: $v shown" "$LOAN" "$v"; done
same "80x24: still a sparkline of 4 points for each signal" \
	"$(printf '%s\n' "$LOAN" | grep -o "$SPARK$SPARK$SPARK$SPARK " | wc -l | tr -d ' ')" 4
has "80x24: a long name cut, not the values" "$(row '^aml-trans')" "…"
screen ':monitor<Enter>' --size 60x24
has "60 columns: no room for sparklines, and it says so" "$(line 3)" "widen the terminal"
lacks "60 columns: none drawn" "$(row 'loan-def.*v3')" "▄"
has "60 columns: the values still" "$(row 'loan-def.*v3')" "0.334!"

# --- the charts ---
screen ':monitor<Enter>/loan-default-pd<Enter><Enter>' --size 100x90
has "Enter: the version's charts" "$(line 89)" "[monitor › loan-default-pd v3 live]"
has "heading" "$(line 3)" "loan-default-pd v3 production, tier critical"
has "its alert" "$(line 4)" "1 alert firing for loan-default-pd (worst critical)"
has "latency chart with the critical tier's limit, too far off to draw" "$SCREEN" \
	"latency p99: 41ms now; limit <= 500ms (rule latency), far above the chart"
lacks "so not drawn" "$SCREEN" "500ms ┤"
has "a limit near enough is drawn: the error rate's" "$SCREEN" "1.00% ┤╌╌╌"
has "error rate chart" "$SCREEN" "error rate: 0.39% now"
has "freshness chart" "$SCREEN" "freshness: 1h10m now"
has "drift chart with its limit" "$SCREEN" "drift (PSI): 0.334 now, OVER ITS LIMIT; limit <= 0.200 (rule drift-bounded)"
has "the limit on the y axis, drawn across" "$(row '0.200 ┤')" "╌╌╌╌╌╌╌╌"
same "y axis: the greatest and least of latency" "$(printf '%s\n' "$SCREEN" | grep -c '^ *[0-9]*ms ┤')" 2
same "block elements on its lowest line" "$(printf '%s\n' "$SCREEN" | grep '^ *[0-9]*ms ┤' | tail -n 1 | grep -c '┤[▁▂▃▄▅▆▇█]*$')" 1
has "error rate: its least on the axis" "$SCREEN" "0.36% ┤"
has "time axis: the window's start, middle and end" "$SCREEN" "12-31 00:00"
has "time axis middle" "$SCREEN" "12-31 12:00"
has "time axis end" "$SCREEN" "01-01 00:00"
has "the score distributions" "$SCREEN" "Score distribution"
has "the reference window's dates" "$SCREEN" "reference 2025-09-02 19:30 to 2025-09-09 19:30"
has "PSI and KS" "$SCREEN" "PSI 0.334 OVER ITS LIMIT (limit <= 0.200, rule drift-bounded)   KS 0.235"
has "histograms side by side" "$(row '^ *reference *current$')" "current"
B=$(row '^  <=0.5 ')
has "a bucket: the reference's share" "$B" "32.9%"
has "and the current's beside it" "$B" "27.5%"
same "two bars on the bucket's line" "$(printf '%s\n' "$B" | grep -o '█[█▏▎▍▌▋▊▉]* ' | wc -l | tr -d ' ')" 2
has "the +Inf bucket" "$SCREEN" ">0.9"
screen ':monitor<Enter>/loan-default-pd<Enter><Enter><Esc>' --size 100x30
has "Esc returns to :monitor" "$(line 29)" "[monitor] 1/2 of 22"
screen ':monitor<Enter>/fraud-scoring<Enter>j<Enter>' --size 80x24
has "80x24: a staging version's charts" "$(line 23)" "fraud-scoring v8 live"
has "80x24: the alert names v7, not this one" "$(line 4)" "no alert firing"
LC_ALL=C screen ':monitor<Enter>/loan-default-pd<Enter><Enter>' --size 100x90
same "ASCII charts: nothing but ASCII" "$(printf '%s' "$SCREEN" | LC_ALL=C grep -c '[^ -~]')" 0
has "ASCII: bars of #" "$SCREEN" "####"
has "ASCII: the limit as dashes" "$(row '0.200 +')" "--------"

# --- markers: the models list and the version ---
screen '' --size 100x24
has "models: ! where an alert fires" "$(row '^fraud-scoring')" " ! high"
has "models: the critical one" "$(row '^loan-default-pd')" " ! critical"
lacks "models: no marker elsewhere" "$(row '^credit-limit')" "!"
same "models: two markers" "$(printf '%s\n' "$SCREEN" | grep -c '^[a-z-]*  *! ')" 2
printf '' >"$TMPD/keys"
expect 0 "models colours" env LC_ALL=C "$STEWARD" --db "$DB" --script "$TMPD/keys" --dump "$TMPD/screen" \
	--dump-colours "$TMPD/colours"
SCREEN=$(cat "$TMPD/screen")
same "models: the critical marker red" "$(colours_of "$(lineno '^loan-default-pd')" "!")" r
same "models: the warning marker yellow" "$(colours_of "$(lineno '^fraud-scoring')" "!")" y
# With its alert silenced, loan-default-pd's drift over its limit still shows: ~.
store_sql "$DB" "UPDATE alerts SET state = 'suppressed', silenced_by = 'x' WHERE name = 'ModelDriftCritical'"
screen '' --size 100x24
has "models: ~ where drift is over its limit and no alert fires" "$(row '^loan-default-pd')" " ~ critical"
screen '/loan-default<Enter><Enter>/v3<Enter><Enter>' --size 120x24
has "version: drift alone" "$(line 3)" "~ drift over its limit"
reset_db
screen '/loan-default<Enter><Enter>/v3<Enter><Enter>' --size 120x24
has "version: the alert and the drift" "$(line 3)" "! 1 alert firing (critical), drift over its limit"
screen '/fraud-scoring<Enter><Enter>/v7<Enter><Enter>' --size 120x24
has "version: the warning" "$(line 3)" "! 1 alert firing (warning)"
screen '/credit-limit<Enter><Enter>/v4<Enter><Enter>' --size 120x24
lacks "version: nothing to mark" "$(line 3)" "alert"

# --- :alerts ---
screen ':alerts<Enter>' --size 120x24
has ":alerts opens" "$(line 23)" "[alerts] 1/2"
has "summary" "$(line 3)" "2 firing, 0 silenced"
for t in SEVERITY MODEL VER SINCE ALERT STATE "SILENCED BY"; do has "column $t" "$(line 4)" "$t"; done
A=$(row '^critical')
has "critical first: model" "$A" "loan-default-pd"
has "its version" "$A" " v3 "
has "since: its age" "$A" "5h00m"
has "name and summary" "$A" "ModelDriftCritical: score distribution of loan-default-pd"
has "state" "$A" "firing"
has "the warning" "$(row '^warning')" "fraud-scoring    v7 1h00m ModelLatencyHigh"
screen ':alerts<Enter><Enter>' --size 100x40
has "Enter on an alert: its version's charts" "$(line 39)" "[alerts › loan-default-pd v3 live]"
screen ':alerts<Enter>?' --key "$K/sami.key"
has "help: s silences here" "$(row '^s ')" "silence the selected alert"
has "help: u expires" "$(row '^u ')" "expire the silence"
lacks "help: no sort on s here" "$SCREEN" "sort by the next column"
screen '?' --size 80x40
has "help elsewhere: s sorts" "$(row '^s ')" "sort by the next column"

# The dispatcher: wrong role, no key, --readonly.
cfg ok
reset_db
N0=$(entries)
screen ':alerts<Enter>s' --key "$K/ravi.key" --config "$TMPD/config"
has "s as a risk officer: refused by role" "$(bottom)" "ravi holds risk-officer; this needs one of sre"
screen ':alerts<Enter>s' --config "$TMPD/config"
has "s without a key: refused" "$(bottom)" "start with --key FILE to sign"
screen ':alerts<Enter>s' --key "$K/sami.key" --config "$TMPD/config" --readonly
has "s under --readonly: refused" "$(bottom)" "read-only"
screen ':alerts<Enter>u' --key "$K/sami.key" --config "$TMPD/config" --readonly
has "u under --readonly: refused" "$(bottom)" "read-only"
lacks "--readonly: no hint at s" "$(line 24)" "s silence"
same "refusals: nothing asked of the backend" "$(cat "$LOG" 2>/dev/null)" ""
same "refusals: no ledger entry" "$(entries)" "$N0"
screen ':alerts<Enter>s' --key "$K/sami.key"
has "no --config: the plugin that makes the silence is named" "$(bottom)" "start the console with --config FILE naming [plugin alertmanager]"
screen ':alerts<Enter>u' --key "$K/sami.key" --config "$TMPD/config"
has "u on a firing alert: nothing to expire" "$(bottom)" "ModelDriftCritical is not silenced: nothing to expire"

# s: the questions, each refusing what it cannot take.
screen ':alerts<Enter>' --key "$K/sami.key" --config "$TMPD/config"
has "an sre is offered s" "$(line 24)" "s silence"
screen ':alerts<Enter>s' --key "$K/sami.key" --config "$TMPD/config" --size 120x24
has "s asks how long, 2h by default" "$(line 24)" "silence ModelDriftCritical for how long? (Enter: 2h"
screen ':alerts<Enter>s5x<Enter>' --key "$K/sami.key" --config "$TMPD/config" --size 120x24
has "a bad duration is refused" "$SCREEN" "'5x' is not a duration: say 30m, 2h, 1d or 1h30m"
has "and asked again" "$(line 24)" "for how long?"
screen ':alerts<Enter>s45d<Enter>' --key "$K/sami.key" --config "$TMPD/config" --size 120x24
has "too long is refused" "$SCREEN" "a silence lasts from 1m to 30d"
screen ':alerts<Enter>s<Enter><Enter>' --key "$K/sami.key" --config "$TMPD/config" --size 120x24
has "a comment is required" "$SCREEN" "a silence needs a comment"
screen ':alerts<Enter>s<Enter>   <Enter>' --key "$K/sami.key" --config "$TMPD/config" --size 120x24
has "a blank comment is none" "$SCREEN" "a silence needs a comment"
has "and it is asked again" "$(line 24)" "why silence ModelDriftCritical"
screen ':alerts<Enter>s90m<Enter>rolling out a fix<Enter>' --key "$K/sami.key" --config "$TMPD/config" --size 120x24
has "the confirmation: what, where, how long, until when" "$(bottom)" \
	"silence ModelDriftCritical of loan-default-pd in alertmanager for 1h30m, until 2026-01-01T01:30:00Z"
has "the confirmation: what it will match" "$(bottom | tr -s ' ')" \
	"matching {alertname=ModelDriftCritical, model=loan-default-pd, severity=critical, team=credit-risk}? (y/n)"
screen ':alerts<Enter>s<Enter>rolling out a fix<Enter>n' --key "$K/sami.key" --config "$TMPD/config"
has "n cancels" "$(bottom)" "cancelled"
same "cancelled: nothing asked of the backend" "$(cat "$LOG" 2>/dev/null)" ""
same "cancelled: no ledger entry" "$(entries)" "$N0"

# s done: the plugin makes the silence, then the ledger records it.
screen ':alerts<Enter>s<Enter>rolling out a fix<Enter>ydemo-passphrase<Enter>' --key "$K/sami.key" --config "$TMPD/config" --size 120x24
has "s: done through the plugin" "$SCREEN" "silenced ModelDriftCritical (loan-default-pd) for 2h00m in alertmanager: silence fake-1, as sami"
same "the plugin got the alert's labels as matchers, the duration, the creator and comment" "$(cat "$LOG")" \
	"silence alertname =ModelDriftCritical model =loan-default-pd severity =critical team =credit-risk for 7200 by sami: rolling out a fix"
same "one ledger entry" "$(entries)" $((N0 + 1))
same "an alert.silence by sami" "$(store_sql "$DB" "SELECT actor || ' ' || action || ' ' || subject FROM ledger ORDER BY seq DESC LIMIT 1")" \
	"sami alert.silence alerts:/alertmanager/8a4e2d7f10b36c95"
has "the view shows it silenced at once" "$(row 'loan-default-pd')" "silenced"
has "summary counts it" "$(line 3)" "1 firing, 1 silenced"
lacks "the passphrase is not on the screen" "$SCREEN" "demo-passphrase<"
expect 0 "the ledger verifies" "$STEWARD" audit verify --db "$DB"
screen ':alerts<Enter>G' --key "$K/sami.key" --config "$TMPD/config"
has "a silenced alert: s is not offered" "$(line 24)" "u unsilence"
screen ':alerts<Enter>Gs' --key "$K/sami.key" --config "$TMPD/config"
has "s on a silenced alert: nothing to silence" "$(bottom)" "nothing to silence (u expires a silence)"
screen ':alerts<Enter>' --size 120x24
# (Alertmanager's clock sets a silence's end, not the suite's fixed one: how long it has left varies)
same "who made the silence, kept at once, before any sync" "$(row 'loan-default-pd' | grep -c 'silenced sami, [0-9dhm]* left$')" 1
screen ':alerts<Enter>Guydemo-passphrase<Enter>' --key "$K/sami.key" --config "$TMPD/config" --size 120x24
has "and u expires it at once" "$SCREEN" "expired 1 silence of ModelDriftCritical in alertmanager: it fires again, as sami"
same "through the plugin" "$(tail -n 1 "$LOG")" "expire fake-1 by sami"
has "firing again" "$(row 'loan-default-pd')" "firing"

# u: a silence the source reported (as a sync would have stored it) is expired through it.
reset_db
store_sql "$DB" "INSERT INTO silences(plugin, id, state, matchers, starts, ends, created_by, comment, seen)
	VALUES ('alertmanager', 'sil-7', 'active', 'alertname=\"ModelLatencyHigh\"', 1767222000, 1767232800, 'otto', 'maintenance window', 1767225600);
	UPDATE alerts SET state = 'suppressed', silenced_by = 'sil-7' WHERE name = 'ModelLatencyHigh'"
N0=$(entries)
screen ':alerts<Enter>' --key "$K/sami.key" --config "$TMPD/config" --size 120x24
has "silenced by whom and for how long" "$(row 'fraud-scoring')" "silenced otto, 2h00m left"
screen ':alerts<Enter>Gu' --key "$K/sami.key" --config "$TMPD/config" --size 120x24
has "u: the confirmation names the silence, its maker and comment" "$(bottom)" \
	"expire silence sil-7 by otto (\"maintenance window\", until 2026-01-01T02:00:00Z) in alertmanager, so that ModelLatencyHigh of fraud-scoring fires again? (y/n)"
screen ':alerts<Enter>Guydemo-passphrase<Enter>' --key "$K/sami.key" --config "$TMPD/config" --size 120x24
has "u: done" "$SCREEN" "expired 1 silence of ModelLatencyHigh in alertmanager: it fires again, as sami"
same "u: the plugin expired it" "$(cat "$LOG")" "expire sil-7 by sami"
same "u: an alert.unsilence by sami" "$(store_sql "$DB" "SELECT actor || ' ' || action || ' ' || subject FROM ledger ORDER BY seq DESC LIMIT 1")" \
	"sami alert.unsilence silences:/alertmanager/sil-7"
same "u: one ledger entry" "$(entries)" $((N0 + 1))
has "u: it fires again" "$(row 'fraud-scoring')" "firing"

# The backend refuses: its words are shown (made harmless), nothing is recorded.
reset_db
cfg refuse
N0=$(entries)
screen ':alerts<Enter>s<Enter>why not<Enter>ydemo-passphrase<Enter>' --key "$K/sami.key" --config "$TMPD/config" --size 160x24
has "refused: the backend's reason" "$SCREEN" "alertmanager refused the silence: POST /api/v2/silences: 400 silence invalid: \\x1b[2Jcomment missing"
same "refused: no ledger entry" "$(entries)" "$N0"
has "refused: still firing" "$(row 'loan-default-pd')" "firing"

# --- a degraded alert source: the last data, its age, the reason; keys work ---
reset_db
cfg ok fail
expect 1 "a sync of the source that is down fails" env STEWARD_PASSPHRASE=demo-passphrase "$STEWARD" sync alertmanager --db "$DB" \
	--config "$TMPD/config" --key "$K/ada.key"
N0=$(store_sql "$DB" "SELECT count(*) FROM alerts")
same "and the store keeps its alerts" "$N0" 2
screen ':alerts<Enter>j' --size 120x24
has ":alerts: the source by name, degraded, the reason, what is shown (wrapped)" "$(line 4) $(line 5)" \
	"alertmanager degraded: GET http://127.0.0.1:9/api/v2/alerts: Couldn't connect to server; showing what the store holds  from before"
has ":alerts: the last alerts still listed" "$(row '^warning')" "ModelLatencyHigh"
has ":alerts: keys still move" "$(line 23)" "[alerts] 2/2"
screen ':monitor<Enter>' --size 120x30
has ":monitor names the degraded source too" "$(line 4)" "alertmanager degraded: GET http://127.0.0.1:9/api/v2/alerts"
has ":monitor: the data's age" "$(line 3)" "data to 2026-01-01 00:00 (0s ago)"
has ":monitor: the rows still there" "$(line 29)" "[monitor] 1/22"
# After a good sync, then a failed one: the age of what it last brought.
store_sql "$DB" "UPDATE plugin_health SET last_success = 1767218400 WHERE name = 'alertmanager'"
screen ':alerts<Enter>' --size 120x24
has "the age of its data" "$(line 4) $(line 5)" "showing its data as of 2h00m  ago"
# On a real terminal, with the source configured: the header shows it degraded, the views say why.
tm new-session -d -s d -x 120 -y 30 "env LC_ALL=C.UTF-8 '$STEWARD' --db '$DB' --config '$TMPD/config'; sleep 60"
wait_for "header: the instance by name, degraded" d "plugins: alertmanager degraded"
tm send-keys -t d ':alerts' Enter
wait_for ":alerts: the reason" d "Couldn't connect to server; showing its data as of"
tm send-keys -t d j
wait_for ":alerts: keys answered" d "[alerts] 2/2"
tm send-keys -t d ':q' Enter

# On a real terminal: a source that never answers; :monitor and :alerts keep answering keys.
reset_db
cfg ok hang 60
tm new-session -d -s m -x 120 -y 30 "env LC_ALL=C.UTF-8 '$STEWARD' --db '$DB' --config '$TMPD/config'; sleep 60"
wait_for "the stalled sync shows" m "alertmanager syncing"
tm send-keys -t m ':monitor' Enter
wait_for ":monitor opens while it hangs" m "[monitor] 1/22"
tm send-keys -t m j j Enter
wait_for "Enter opens the charts while it hangs" m "[monitor › churn-propensity v5 live]"
tm send-keys -t m Escape
sleep 0.3
tm send-keys -t m ':alerts' Enter
wait_for ":alerts opens while it hangs" m "alerts] 1/2"
tm send-keys -t m j
wait_for ":alerts answers while it hangs" m "alerts] 2/2"
tm send-keys -t m ':q' Enter
i=0
while [ "$i" -lt $((WAIT * 10)) ] && capture m | grep -q "alertmanager syncing"; do sleep 0.1; i=$((i + 1)); done
if capture m | grep -q "alertmanager syncing"; then fail "quitting with a hanging alert source did not return"; else ok; fi

finish
