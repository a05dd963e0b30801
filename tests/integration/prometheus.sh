# prometheus.sh: steward against a real Prometheus with backfilled history: live signals and drift as the data implies them (SciPy as the second opinion), the gate's drift rule, bad configurations, and faults (server down, killed mid-sync, a FAKE server's garbage, error envelopes and stalls).
. "$STEWARD_TOP/tests/lib.sh"

NOW=$STEWARD_NOW
H=3600
D=86400
DB="$TMPD/s.db"
K="$TMPD/keys"
mkdir -p "$K"
export STEWARD_PASSPHRASE=correct-horse-battery-staple XDG_CONFIG_HOME="$TMPD/cfg"
FIX="$STEWARD_TOP/tests/integration/prometheus_fixture.py"
FAKE_PY="$STEWARD_TOP/tests/integration/fake_prometheus.py"
PROM_PID=
FAKE_PID=
SOCK="steward-prom-$$" # the private tmux server of the console check
cleanup() {
	tmux -L "$SOCK" kill-server >/dev/null 2>&1
	rm -f "${TMUX_TMPDIR:-/tmp}/tmux-$(id -u)/$SOCK"
	[ -z "$PROM_PID" ] || kill -KILL "$PROM_PID" 2>/dev/null
	[ -z "$FAKE_PID" ] || kill -KILL "$FAKE_PID" 2>/dev/null
	wait 2>/dev/null
	rm -rf "$TMPD"
}
trap cleanup EXIT
trap 'exit 130' INT TERM HUP

# Debian's python3 has SciPy (python3-scipy); another python3 first on PATH may not.
PY=
for p in /usr/bin/python3 python3; do
	if "$p" -c 'import scipy.stats' 2>/dev/null; then PY=$p; break; fi
done
if [ -z "$PY" ] || ! command -v prometheus >/dev/null || ! command -v promtool >/dev/null || ! command -v tmux >/dev/null; then
	fail "needs prometheus, promtool, tmux and python3 with SciPy (scripts/install-deps installs them)"
	finish
	exit 1
fi

# ex PATH: a value the generator says the history implies (tests/integration/prometheus_fixture.py)
ex() { sqlite3 :memory: "SELECT json_extract(CAST(readfile('$TMPD/gen/expect.json') AS TEXT), '$1')"; }
free_port() { "$PY" -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }

# --- the history: generated, backfilled into blocks, served by a real Prometheus ---
"$PY" "$FIX" generate "$TMPD/gen" || { fail "the generator failed"; finish; exit 1; }
promtool tsdb create-blocks-from openmetrics --max-block-duration=240h "$TMPD/gen/data.om" "$TMPD/tsdb" \
	>"$TMPD/promtool.log" 2>&1 || { fail "promtool: $(tail -n 5 "$TMPD/promtool.log")"; finish; exit 1; }
PROM_PORT=$(free_port)
PROM_URL="http://127.0.0.1:$PROM_PORT"
# No scrape targets; the query log shows what steward asked for.
printf 'global:\n  scrape_interval: 1h\n  query_log_file: %s\n' "$TMPD/queries.log" >"$TMPD/prometheus.yml"
prom_start() {
	prometheus --config.file="$TMPD/prometheus.yml" --storage.tsdb.path="$TMPD/tsdb" \
		--storage.tsdb.retention.time=100y --web.listen-address="127.0.0.1:$PROM_PORT" \
		</dev/null >>"$TMPD/prometheus.log" 2>&1 &
	PROM_PID=$!
	n=0
	until curl -fsS --max-time 2 "$PROM_URL/-/ready" >/dev/null 2>&1; do
		kill -0 "$PROM_PID" 2>/dev/null || { PROM_PID=; fail "prometheus exited: $(tail -n 5 "$TMPD/prometheus.log")"; finish; exit 1; }
		n=$((n + 1))
		[ "$n" -lt 300 ] || { fail "prometheus not ready after 60 s"; finish; exit 1; }
		sleep 0.2
	done
}
prom_stop() {
	[ -n "$PROM_PID" ] || return 0
	kill -"${1:-TERM}" "$PROM_PID" 2>/dev/null
	wait "$PROM_PID" 2>/dev/null
	PROM_PID=
}
prom_start
# the backfill is what the generator meant: one reference bucket read back by PromQL
OUT=$(curl -fsS "$PROM_URL/api/v1/query" --data-urlencode 'query=sum(increase(steward_model_score_bucket{model="fraud",version="2",le="0.3"}[604800s]))' \
	--data-urlencode "time=$((NOW - 2 * D))")
same "Prometheus holds the generated history" "$(j '$.data.result[0].value[1]')" "$(ex '$.versions."fraud/2".ref[5]')"

# --- the store: set up eight days ago, when the aliases began pointing at the versions ---
T0=$((NOW - 8 * D))
export STEWARD_NOW=$((T0 - H))
as() {
	who=$1
	shift
	"$STEWARD" "$@" --db "$DB" --key "$K/$who.key"
}
"$STEWARD" init --db "$DB" --admin ada >/dev/null || fail "init"
cp "$TMPD/cfg/steward/keys/ada.key" "$K/ada.key"
"$STEWARD" key gen ci --out "$K/ci.key" >/dev/null || fail "key ci"
as ada principal add ci --role pipeline --pubkey "$K/ci.key.pub" >/dev/null || fail "add ci"
as ada policy enroll "$STEWARD_TOP/policies/critical.policy" >/dev/null || fail "enrol critical"
as ci model add fraud --tier critical --owner risk-ml >/dev/null || fail "model fraud"
as ci model add churn --tier critical --owner crm-ml >/dev/null || fail "model churn"
for mv in fraud:1 fraud:2 churn:1 churn:2 churn:3; do
	m=${mv%%:*}
	v=${mv#*:}
	as ci version add "$m" --artifact "s3://models/$m/$v" --digest "sha256:$(printf '%s' "$mv" | sha256sum | cut -d' ' -f1)" >/dev/null ||
		fail "version $mv"
done
export STEWARD_NOW=$T0
for a in "fraud production 1" "fraud staging 2" "churn production 1" "churn staging 2" "churn shadow 3"; do
	# shellcheck disable=SC2086 # the words are the arguments
	as ada alias set $a >/dev/null || fail "alias set $a"
done
export STEWARD_NOW=$NOW

PD="$TMPD/plugins"
mkdir -p "$PD"
cp "${STEWARD%/*}/plugins/steward-prometheus.so" "$PD/"
chmod 755 "$PD" "$PD/steward-prometheus.so"
# conf NAME URL [EXTRA]: a config file with one prometheus instance NAME
conf() { printf '[steward]\nplugin_dirs = %s\n\n[plugin %s]\ntype = prometheus\nurl = %s\n%b' "$PD" "$1" "$2" "${3:-}" >"$TMPD/$1.conf"; }
P50='histogram_quantile(0.5, sum by (le) (rate(steward_model_request_duration_seconds_bucket{model="{model}",version="{version}"}[5m])))'
conf prom "$PROM_URL" "timeout = 10\nquery.p50_latency = $P50\n"
CFG="$TMPD/prom.conf"
sync_() { "$STEWARD" sync --db "$DB" --config "$CFG" --key "$K/ci.key" "$@"; }

# --- bad configurations: refused before anything is asked, by key ---
for bad in ":url must be the Prometheus server's http:// or https:// address" \
	"step = fast\n:step must be a duration such as 60, 30s, 1m or 5m, not 'fast'" \
	"step = 1s\n:gives more than the 11000 points per series" \
	"colour = red\n:unknown key 'colour'" \
	"query.errors = rate(x{model=\"{modle}\"}[5m])\n:query.errors: unknown placeholder {modle}" \
	"parallel = 0\n:parallel must be a whole number 1..64" \
	"score_histogram = steward_model_score_bucket\n:score_histogram names the histogram without _bucket" \
	"query.drift_psi = x\n:drift is computed by steward"; do
	extra=${bad%%:*}
	want=${bad#*:}
	if [ -z "$extra" ]; then
		printf '[steward]\nplugin_dirs = %s\n\n[plugin bad]\ntype = prometheus\n' "$PD" >"$TMPD/bad.conf"
	else
		conf bad "$PROM_URL" "$extra"
	fi
	expect 1 "a bad config ($(printf '%b' "${extra:-no url}" | head -n 1)) is refused" \
		"$STEWARD" sync bad --db "$DB" --config "$TMPD/bad.conf" --key "$K/ci.key"
	has "saying why" "$ERR" "$want"
done
queries() { cat "$TMPD/queries.log" 2>/dev/null | grep -c "$1"; }
same "nothing was asked of Prometheus" "$(queries query_range)" 0

# --- the first sync: every signal of every deployed version over the last 24 h, and the score histograms ---
expect 0 "sync" sync_ --json
valid "sync --json"
# fraud v1, v2 and churn v2: four signals, p50_latency and two histograms each; churn v1: five
# signals and no histogram; churn v3 (shadow): nothing at all
same "26 series and histograms" "$(j '$[0].series')" 26
FIRST_QUERIES=$(queries query_range)
same "25 query_range, one per signal and version" "$FIRST_QUERIES" 25

vid() { store_sql "$DB" "SELECT v.id FROM versions v JOIN models m ON m.id = v.model_id WHERE m.name = '$1' AND v.version = $2"; }
F1=$(vid fraud 1)
F2=$(vid fraud 2)
C1=$(vid churn 1)
C2=$(vid churn 2)
C3=$(vid churn 3)
q() { store_sql "$DB" "$1"; }
# real X: X as SQLite prints a REAL (2.0, 0.00469467747555738), whichever engine printed it.
real() { sqlite3 :memory: "SELECT CAST('$1' AS REAL)"; }
# buckets SELECT VID WIN: SELECT over json_each of the window's buckets (the stored JSON text, read
# from the store and taken apart here, as either engine stores the same text).
buckets() {
	store_sql "$DB" "SELECT buckets FROM histograms WHERE version_id = $2 AND win = '$3'" >"$TMPD/buckets.json"
	sqlite3 :memory: "$1 FROM json_each(CAST(readfile('$TMPD/buckets.json') AS TEXT)) b"
}
# pts VID SIGNAL: points, first and last time of a series
pts() { q "SELECT count(*) || ' ' || (min(t) - $NOW) || ' ' || (max(t) - $NOW) FROM series WHERE version_id = $1 AND signal = '$2'"; }
# off VID SIGNAL EXPR [WHERE]: how many points of the window differ from EXPR (of t) by more than 1e-9
off() { q "SELECT count(*) FROM series WHERE version_id = $1 AND signal = '$2' AND t >= $((NOW - D)) AND (value IS NULL OR abs(value - ($3)) > 1e-9) ${4:-}"; }
at() { q "SELECT coalesce(value, 'NaN') FROM series WHERE version_id = $1 AND signal = '$2' AND t = $3"; }
for v in "$F1" "$F2" "$C1" "$C2"; do
	for sig in latency_p99 error_rate freshness traffic p50_latency; do
		same "$sig of version id $v: a point a minute over the last 24 h, ends included" "$(pts "$v" "$sig")" "1441 -86400 0"
	done
done
same "churn v3 has nothing in Prometheus, and nothing is stored" "$(q "SELECT count(*) FROM series WHERE version_id = $C3")" 0
# the values the generated counters imply (prometheus_fixture.py), every point
same "fraud v1 error rate: 6 of 600 a minute" "$(off "$F1" error_rate 0.01)" 0
same "fraud v1 traffic: 600 a minute" "$(off "$F1" traffic 10)" 0
same "fraud v1 p99 interpolated in (0.25, 0.5]: 0.25 + 0.25 (594 - 564) / (597 - 564)" "$(off "$F1" latency_p99 '0.25 + 0.25 * 30.0 / 33')" 0
same "fraud v1 p50 (a configured signal): the 0.05 bucket's bound" "$(off "$F1" p50_latency 0.05)" 0
same "fraud v1 features 300 s old" "$(off "$F1" freshness 300)" 0
same "fraud v2 p99: 0.5 + 0.5 (297 - 285) / (298 - 285)" "$(off "$F2" latency_p99 '0.5 + 0.5 * 12.0 / 13')" 0
same "fraud v2 features refreshed on the hour: freshness is t mod 3600" "$(off "$F2" freshness 't % 3600')" 0
same "fraud v2 2 % errors outside the incident" "$(off "$F2" error_rate 0.02 "AND (t < $((NOW - 3 * H)) OR t > $((NOW - 2 * H + 300)))")" 0
same "fraud v2 10 % errors where the whole 5 min lie in it" "$(off "$F2" error_rate 0.1 "AND t BETWEEN $((NOW - 3 * H + 300)) AND $((NOW - 2 * H))")" 0
same "at the incident's points" "$(at "$F2" error_rate $((NOW - 150 * 60))) $(at "$F2" error_rate $((NOW - 30 * 60)))" "0.1 0.02"
same "churn v1 error rate 0 without a single 5xx series (or vector(0)), outside its idle hour" "$(off "$C1" error_rate 0 "AND (t < $((NOW - 6 * H + 300)) OR t > $((NOW - 5 * H)))")" 0
same "churn v1 idle: 0/0 is NaN, kept as NULL" "$(q "SELECT count(*) FROM series WHERE version_id = $C1 AND signal = 'error_rate' AND value IS NULL AND t BETWEEN $((NOW - 6 * H + 300)) AND $((NOW - 5 * H))")" 56
same "and only there" "$(q "SELECT count(*) FROM series WHERE version_id = $C1 AND signal = 'error_rate' AND value IS NULL")" 56
same "latency NaN there too" "$(at "$C1" latency_p99 $((NOW - 330 * 60)))" NaN
same "traffic 0 there, 2/s elsewhere" "$(real "$(at "$C1" traffic $((NOW - 330 * 60)))") $(real "$(at "$C1" traffic $((NOW - 60)))")" "0.0 2.0"
same "churn v1 p99 in the +Inf bucket: the highest finite bound" "$(at "$C1" latency_p99 "$NOW")" 2.5
same "churn v1 features two hours old" "$(off "$C1" freshness 7200)" 0
same "churn v2 0.5 % errors" "$(off "$C2" error_rate 0.005)" 0
same "the newest values kept for the views" "$(q "SELECT signal || ' ' || current FROM series_meta WHERE version_id = $F1 ORDER BY signal" |
	while read -r sig cur; do printf '%s=%s ' "$sig" "$(real "$cur")"; done | sed 's/ $//')" \
	"drift_psi=0.00469467747555738 error_rate=0.01 freshness=300.0 latency_p99=0.477272727272727 p50_latency=0.05 traffic=10.0"

# --- the score histograms: reference and current windows, counted exactly as generated ---
# hist VID WIN: "from to" of the window relative to NOW, then the cumulative counts
hist() {
	printf '%s %s' "$(q "SELECT (t_from - $NOW) || ' ' || (t_to - $NOW) FROM histograms WHERE version_id = $1 AND win = '$2'")" \
		"$(buckets "SELECT group_concat(CAST(json_extract(b.value, '\$[1]') AS INTEGER), ',')" "$1" "$2")"
}
want() { printf '%s %s %s' "$(($(ex "$.versions.\"$1\".$2_from") - NOW))" "$(($(ex "$.versions.\"$1\".$2_to") - NOW))" "$(ex "$.versions.\"$1\".$2" | tr -d '[]')"; }
same "fraud v1 reference: its first 7 days in production" "$(hist "$F1" reference)" "$(want fraud/1 ref)"
same "that is, from its alias eight days ago" "$(q "SELECT t_from - $NOW, t_to - $NOW FROM histograms WHERE version_id = $F1 AND win = 'reference'")" "-691200|-86400"
same "fraud v1 current: the last 24 h" "$(hist "$F1" current)" "$(want fraud/1 cur)"
same "fraud v2 reference: never in production, its first week of scores, which began before its alias" "$(hist "$F2" reference)" "$(want fraud/2 ref)"
same "fraud v2 current" "$(hist "$F2" current)" "$(want fraud/2 cur)"
same "churn v2 reference" "$(hist "$C2" reference)" "$(want churn/2 ref)"
same "the bounds, ascending, +Inf last" "$(buckets "SELECT group_concat(json_extract(b.value, '\$[0]'), ',')" "$F1" current)" \
	"0.05,0.1,0.15,0.2,0.25,0.3,0.35,0.4,0.45,0.5,0.55,0.6,0.65,0.7,0.75,0.8,0.85,0.9,0.95,1.0,+Inf"
same "no score histogram, no drift: churn v1" "$(q "SELECT count(*) FROM histograms WHERE version_id IN ($C1, $C3)") $(q "SELECT count(*) FROM monitor_values WHERE version_id IN ($C1, $C3)")" "0 0"

# --- drift: PSI and KS as computed by hand from those counts, and KS against SciPy's ks_2samp ---
mv() { q "SELECT value FROM monitor_values WHERE version_id = $1 AND kind = 'drift' AND name = '$2'"; }
# within A B TOL: |A - B| <= TOL
within() { [ "$(sqlite3 :memory: "SELECT abs(($1) - ($2)) <= $3")" = 1 ]; }
for vv in "fraud/1:$F1" "fraud/2:$F2" "churn/2:$C2"; do
	n=${vv%%:*}
	v=${vv#*:}
	psi=$(mv "$v" score)
	ks=$(mv "$v" score.ks)
	# 1e-9: both sums run over the same 21 integer counts; only rounding differs (SQLite prints 15 digits)
	if within "$psi" "$(ex "$.versions.\"$n\".psi")" 1e-9; then ok; else fail "$n PSI $psi, by hand $(ex "$.versions.\"$n\".psi")"; fi
	if within "$ks" "$(ex "$.versions.\"$n\".ks")" 1e-9; then ok; else fail "$n KS $ks, by hand $(ex "$.versions.\"$n\".ks")"; fi
	# SciPy sees the samples themselves, steward only the CDFs at the bucket bounds: steward's KS is
	# never above SciPy's, and below it by at most the largest share of one bucket in either sample
	# (inside a bucket (a, b], F1(x) - F2(x) <= F1(b) - F2(a) = (F1(b) - F2(b)) + (F2(b) - F2(a)))
	sp=$(ex "$.versions.\"$n\".ks_scipy")
	slack=$(ex "$.versions.\"$n\".ks_slack")
	same "$n KS at most SciPy's" "$(sqlite3 :memory: "SELECT $ks <= $sp + 1e-12")" 1
	same "$n KS within one bucket's share ($slack) of SciPy's $sp" "$(sqlite3 :memory: "SELECT $sp - $ks <= $slack")" 1
	same "$n drift_psi point at now" "$(q "SELECT CASE WHEN abs(s.value - m.value) < 1e-15 THEN 1 ELSE 0 END FROM series s, monitor_values m WHERE s.version_id = $v AND s.signal = 'drift_psi' AND s.t = $NOW AND m.version_id = $v AND m.kind = 'drift' AND m.name = 'score'")" 1
done
same "the healthy versions are stable (PSI < 0.1)" "$(sqlite3 :memory: "SELECT $(mv "$F1" score) < 0.1 AND $(mv "$C2" score) < 0.1")" 1
same "the shifted one has shifted (PSI > 0.25)" "$(sqlite3 :memory: "SELECT $(mv "$F2" score) > 0.25")" 1
same "SciPy agrees it is no sampling accident (p < 1e-6), and that the healthy ones may be" \
	"$(sqlite3 :memory: "SELECT $(ex '$.versions."fraud/2".ks_pvalue') < 1e-6 AND $(ex '$.versions."fraud/1".ks_pvalue') > 0.01 AND $(ex '$.versions."churn/2".ks_pvalue') > 0.01")" 1

# --- the gate reads the signed observation: the drift rule fails the shifted version, passes the healthy one ---
rule() { printf '%s\n' "$OUT" | awk -v r="$1" '$2 == r { print $1 }'; }
expect 1 "gate fraud v2 (shifted)" "$STEWARD" gate fraud 2 --to production --db "$DB"
same "drift-bounded FAIL" "$(rule drift-bounded)" FAIL
has "with the PSI" "$OUT" "score 0.7548, limit <= 0.2"
same "latency and errors FAIL too" "$(rule latency) $(rule errors)" "FAIL FAIL"
expect 1 "gate churn v2 (healthy; other rules still deny)" "$STEWARD" gate churn 2 --to production --db "$DB"
same "drift-bounded PASS" "$(rule drift-bounded)" PASS
same "latency and errors PASS" "$(rule latency) $(rule errors)" "PASS PASS"
expect 1 "three hours later, without a sync" env STEWARD_NOW=$((NOW + 3 * H)) "$STEWARD" gate churn 2 --to production --db "$DB"
same "the observation is too old to count" "$(rule drift-bounded)" UNKNOWN
expect 0 "plugin list" "$STEWARD" plugin list --db "$DB" --config "$CFG" --json
same "healthy" "$(j '$[0].health')" ok
same "a metrics source" "$(j '$[0].capabilities[0]')" metrics

# --- what steward shows of it ---
expect 0 "monitor list" "$STEWARD" monitor list --db "$DB" --json
valid "monitor list --json"
over() { sqlite3 :memory: "SELECT json_extract(value, '\$.over_limit') FROM json_each(CAST(readfile('$TMPD/json') AS TEXT))
	WHERE json_extract(value, '\$.model') = '$1' AND json_extract(value, '\$.version') = $2"; }
same "fraud v2 is over its latency, error and drift limits" "$(over fraud 2)" '["latency_p99","error_rate","drift_psi"]'
same "churn v1 over its latency limit (the +Inf bucket)" "$(over churn 1)" '["latency_p99"]'
same "the healthy ones over none" "$(over fraud 1) $(over churn 2) $(over churn 3)" "[] [] []"
expect 0 "monitor show" "$STEWARD" monitor show fraud 2 --db "$DB"
has "the drift of its scores" "$OUT" "drift of score: PSI 0.7548, KS 0.3284"
expect 0 "monitor show --json" "$STEWARD" monitor show fraud 2 --db "$DB" --json
same "the 10 % of the incident among the points" "$(j '$.series.error_rate[1289][1]') $(j '$.series.error_rate[1289][0]')" "0.1 $((NOW - 150 * 60))"

# --- what the console shows of it: :monitor's rows and colours, and the charts and histograms ---
# console KEYS [OPTIONS]: the console on the store with KEYS typed; the screen in $SCREEN, its colours in $TMPD/colours
console() {
	printf '%s' "$1" >"$TMPD/console.keys"
	shift
	expect 0 "console $(head -c 40 "$TMPD/console.keys")" "$STEWARD" --db "$DB" --script "$TMPD/console.keys" \
		--dump "$TMPD/screen" --dump-colours "$TMPD/colours" "$@"
	SCREEN=$(cat "$TMPD/screen")
}
srow() { printf '%s\n' "$SCREEN" | grep -e "$1" | head -n 1; }
# colour_of ROW TEXT: the --dump-colours letters under TEXT in the first line matching ROW (an ASCII screen)
colour_of() {
	n=$(printf '%s\n' "$SCREEN" | grep -n -e "$1" | head -n 1 | cut -d: -f1)
	l=$(printf '%s\n' "$SCREEN" | sed -n "${n}p")
	pre=${l%%"$2"*}
	sed -n "${n}p" "$TMPD/colours" | cut -c$((${#pre} + 1))-$((${#pre} + ${#2}))
}
console ':monitor<Enter>' --size 160x30
has ":monitor: the five deployed versions" "$(printf '%s\n' "$SCREEN" | tail -n 2 | head -n 1)" "[monitor] 1/5"
R=$(srow '^fraud *v2 staging')
has "fraud v2: the p99 Prometheus implies, over its limit" "$R" " 962ms!"
has "its 2 % errors, over" "$R" " 2.00%!"
has "its drift, over" "$R" " 0.755!"
has "its features just refreshed" "$R" " 0s "
same "its error sparkline: the incident's hour stands out of a flat day" "$(printf '%s\n' "$R" | grep -c '▁▁▁▁▁▁▁▁▁▁▁▁▁▁▁▁▁▁▁▁█▁▁▁ 2.00%')" 1
R=$(srow '^fraud *v1 production')
has "fraud v1: within its limits" "$R" "  477ms  "
has "errors at the limit, not over" "$R" " 1.00% "
has "its features 5 minutes old" "$R" " 5m "
has "churn v1's p99 in the +Inf bucket: the highest bound, over" "$(srow '^churn *v1')" "2500ms!"
has "churn v3: nothing in Prometheus, nothing shown" "$(srow '^churn *v3 shadow')" "shadow"
lacks "no value for it" "$(srow '^churn *v3 shadow')" "ms"
LC_ALL=C console ':monitor<Enter>' --size 160x30
same "red: over the limit" "$(colour_of '^fraud *v2' '962ms!')$(colour_of '^fraud *v2' '0.755!')" "rrrrrrrrrrrr"
same "yellow: within 80% of it (400 of 500 ms; 0.8 of 1 %)" "$(colour_of '^fraud *v1' '477ms')$(colour_of '^fraud *v1' '1.00%')" "yyyyyyyyyy"
same "plain: well within (0.5 %)" "$(colour_of '^churn *v2' '0.50%')" "....."
console ':monitor<Enter>/fraud<Enter>j<Enter>' --size 120x80
has "Enter: fraud v2's charts" "$SCREEN" "latency p99: 962ms now, OVER ITS LIMIT; limit <= 500ms (rule latency)"
has "the error rate's incident at the top of its chart" "$(srow '^   10.0% ┤')" "█████"
has "the limit on its axis" "$SCREEN" "   1.00% ┤"
has "the reference window: its first week" "$SCREEN" "reference 2025-12-23 00:00 to 2025-12-30 00:00; current 2025-12-31 00:00 to 2026-01-01 00:00"
has "PSI and KS as steward computed them" "$SCREEN" "PSI 0.755 OVER ITS LIMIT (limit <= 0.200, rule drift-bounded)   KS 0.328"
# share BUCKET: "ref% cur%" of bucket index BUCKET as the generator counted them, printed as the view does
share() {
	sqlite3 :memory: "WITH r(c) AS (SELECT json_extract('$(ex '$.versions."fraud/2".ref')', '\$[$1]') - coalesce(json_extract('$(ex '$.versions."fraud/2".ref')', '\$[$(($1 - 1))]'), 0)),
		k(c) AS (SELECT json_extract('$(ex '$.versions."fraud/2".cur')', '\$[$1]') - coalesce(json_extract('$(ex '$.versions."fraud/2".cur')', '\$[$(($1 - 1))]'), 0))
		SELECT printf('%.1f%% %.1f%%', 100.0 * (SELECT c FROM r) / json_extract('$(ex '$.versions."fraud/2".ref')', '\$[20]'),
			100.0 * (SELECT c FROM k) / json_extract('$(ex '$.versions."fraud/2".cur')', '\$[20]'))"
}
B=$(srow '^  <=0.3 ')
same "a bucket's shares, reference and current side by side, as generated" \
	"$(printf '%s\n' "$B" | awk '{ print $(NF - 2), $NF }')" "$(share 5)"
B=$(srow '^  <=0.6 ')
same "the shifted side's bucket" "$(printf '%s\n' "$B" | awk '{ print $(NF - 2), $NF }')" "$(share 11)"

# --- the next sync asks only from the newest point held, and changes nothing ---
snapshot() { q "SELECT count(*), total(value), sum(value IS NULL) FROM series; SELECT group_concat(buckets) FROM histograms; SELECT total(value) FROM monitor_values"; }
S1=$(snapshot)
L=$(wc -l <"$TMPD/queries.log")
expect 0 "a second sync" sync_
has "says what came" "$OUT" "prom: 26 series and histograms"
same "the same cache" "$(snapshot)" "$S1"
same "25 more query_range" "$(queries query_range)" $((2 * FIRST_QUERIES))
# Prometheus' query log: the second sync's ranges start at the newest point held, now
tail -n +$((L + 1)) "$TMPD/queries.log" | grep query_range >"$TMPD/second.log"
same "each from the newest point held" "$(grep -c '"start":"2026-01-01T00:00:00.000Z"' "$TMPD/second.log")" 20
same "but churn v3's, which has none, over the whole window again" \
	"$(grep '"start":"2025-12-31T00:00:00.000Z"' "$TMPD/second.log" | grep -c 'version=\\"3\\"')" 5

# --- faults: each fails the sync with the server and the query named, and the store keeps the last good data ---
rule_now() { "$STEWARD" gate fraud 2 --to production --db "$DB" 2>/dev/null | awk '$2 == "drift-bounded" { print $1 }'; }
prom_stop
expect 1 "sync with Prometheus down" sync_
has "names the server and the query" "$ERR" "$PROM_URL: query_range"
has "and why" "$ERR" "Couldn't connect to server"
same "the cache is the last good sync's" "$(snapshot)" "$S1"
expect 0 "plugin list" "$STEWARD" plugin list --db "$DB" --config "$CFG" --json
same "degraded" "$(j '$[0].health')" degraded
has "with the reason" "$(j '$[0].message')" "Couldn't connect to server"
same "the gate still reads the last signed observation" "$(rule_now)" FAIL
# the console, with Prometheus configured and down: the source by name in the header, the reason and
# the age of the data in :monitor, the rows of the last good sync, keys still answered
console ':monitor<Enter>j' --config "$CFG" --size 160x30
has ":monitor names the source, the reason and how old its data is" "$(srow '^ prom degraded')" \
	"prom degraded: $PROM_URL: query_range"
has "and that what it shows is its last data" "$SCREEN" "showing its data as of"
has "the last good sync's rows still there" "$(srow '^fraud *v2 staging')" " 962ms!"
has "a key still moves" "$SCREEN" "[monitor] 2/5"

# killed during a sync: frozen, so the sync is surely waiting on it, then killed
prom_start
kill -STOP "$PROM_PID"
sync_ >"$TMPD/bg.out" 2>"$TMPD/bg.err" &
BG=$!
# the kernel still completes connections to the frozen server: wait until the sync holds one
connected() { awk -v p="$(printf ':%04X' "$PROM_PORT")" '$3 ~ p "$" && $4 == "01"' /proc/net/tcp | grep -c .; }
n=0
while [ "$(connected)" -eq 0 ] && [ "$n" -lt 200 ]; do sleep 0.1; n=$((n + 1)); done
[ "$(connected)" -gt 0 ] && ok || fail "the sync never connected to the frozen server"
t0=$(date +%s)
kill -KILL "$PROM_PID"
wait "$PROM_PID" 2>/dev/null
PROM_PID=
wait "$BG"
same "the sync fails" "$?" 1
t1=$(date +%s)
if [ $((t1 - t0)) -lt 8 ]; then ok; else fail "the sync took $((t1 - t0)) s to notice the server had died (timeout 10 s)"; fi
has "naming the server and the query" "$(cat "$TMPD/bg.err")" "$PROM_URL: query_range"
same "the cache is still the last good sync's" "$(snapshot)" "$S1"
prom_start
expect 0 "after a restart a sync succeeds" sync_
same "with the same data" "$(snapshot)" "$S1"
expect 0 "plugin list" "$STEWARD" plugin list --db "$DB" --config "$CFG" --json
same "healthy again" "$(j '$[0].health')" ok

# faults a real Prometheus will not show, from a FAKE server (tests/integration/fake_prometheus.py)
"$PY" "$FAKE_PY" "$TMPD/fake.log" >"$TMPD/fake.port" 2>"$TMPD/fake.err" &
FAKE_PID=$!
n=0
while [ ! -s "$TMPD/fake.port" ] && [ "$n" -lt 100 ]; do sleep 0.1; n=$((n + 1)); done
FAKE_URL="http://127.0.0.1:$(cat "$TMPD/fake.port")"
for c in "garbage:is not a JSON object ('[' or '{' expected near '<' at line 1 column 1): <html><body>It works!?[2J" \
	"envelope:answered 422 to query_range" "envelope:execution: query processing would load too many samples into memory" \
	"unavailable:answered HTTP 503 to query_range" "unavailable:Service Unavailable" \
	"stall:Timeout was reached" "truncated:Transferred a partial file" \
	"huge:the reply is larger than 33554432 bytes" \
	"multi:the query gives 2 series, not one" "string:the result is a string, not a matrix" \
	"badvalue:point 1 is not [time, \"value\"]" "status:has status maybe, neither success nor error" \
	"nole:score histogram of " "nole:: series 0 has no numeric le label"; do
	mode=${c%%:*}
	# drift off but where drift is the fault: one kind of query, so one first failure
	drift="score_histogram =\n"
	[ "$mode" != nole ] || drift=
	conf fake "$FAKE_URL/$mode" "timeout = 2\nconnect_timeout = 2\n$drift"
	expect 1 "a FAKE server: $mode" "$STEWARD" sync fake --db "$DB" --config "$TMPD/fake.conf" --key "$K/ci.key"
	has "$mode: names the server" "$ERR" "$FAKE_URL/$mode"
	has "$mode: and says what is wrong" "$ERR" "${c#*:}"
done
same "none of them changed the cache" "$(snapshot)" "$S1"

# a FAKE answer with NaN, +Inf, -Inf and a warning, into a copy of the store
store_copy "$DB" "$TMPD/v.db"
cp "$(store_local "$DB" .logkey)" "$(store_local "$TMPD/v.db" .logkey)"
conf fake "$FAKE_URL/values" "timeout = 2\nquery.freshness =\n"
: >"$TMPD/fake.log"
expect 0 "NaN, +Inf and -Inf are values; a warning does not fail the sync" \
	"$STEWARD" sync fake --db "$TMPD/v.db" --config "$TMPD/fake.conf" --key "$K/ci.key"
lacks "an empty template turns its signal off" "$(cat "$TMPD/fake.log")" "steward_model_feature_newest_timestamp_seconds"
has "the others are asked" "$(cat "$TMPD/fake.log")" "steward_model_requests_total"
same "kept as such (NaN as NULL)" "$(store_sql "$TMPD/v.db" "SELECT group_concat(x, ' ') FROM (SELECT CASE WHEN value IS NULL THEN 'NaN'
	WHEN value > 1e308 THEN '+Inf' WHEN value < -1e308 THEN '-Inf' ELSE CAST(value AS TEXT) END AS x FROM series
	WHERE version_id = $F1 AND signal = 'error_rate' AND t >= $NOW ORDER BY t) AS y")" "NaN +Inf -Inf 0.25 0.001"
same "buckets sent out of order are handed over ascending" "$(DB=$TMPD/v.db buckets "SELECT group_concat(json_extract(b.value, '\$[0]') || ':' || CAST(json_extract(b.value, '\$[1]') AS INTEGER), ',')" "$F1" current)" \
	"0.25:10,0.5:40,1.0:100,+Inf:100"

# credentials come from the environment: a Bearer token, or basic auth
conf fake "$FAKE_URL/auth" "timeout = 2\ntoken_env = FAKE_PROM_TOKEN\n"
expect 0 "a Bearer token from token_env" env FAKE_PROM_TOKEN=fake-token \
	"$STEWARD" sync fake --db "$TMPD/v.db" --config "$TMPD/fake.conf" --key "$K/ci.key"
expect 1 "a wrong token" env FAKE_PROM_TOKEN=not-the-token-7q "$STEWARD" sync fake --db "$TMPD/v.db" --config "$TMPD/fake.conf" --key "$K/ci.key"
# the queries run in parallel, so the first refusal reported may be any of them
has "is refused with the server's answer" "$ERR" "$FAKE_URL/auth answered HTTP 401 to "
has "naming the query refused" "$(printf '%s' "$ERR" | grep -E 'HTTP 401 to (query_range|the (reference|current) score histogram)' || true)" "HTTP 401 to"
lacks "and the token is not shown" "$ERR" "not-the-token-7q"
conf fake "$FAKE_URL/auth" "timeout = 2\nusername_env = FAKE_PROM_USER\npassword_env = FAKE_PROM_PASS\n"
expect 0 "basic auth from username_env and password_env" env FAKE_PROM_USER=fake FAKE_PROM_PASS=fake-pass \
	"$STEWARD" sync fake --db "$TMPD/v.db" --config "$TMPD/fake.conf" --key "$K/ci.key"
conf fake "$FAKE_URL/auth" "timeout = 2\nusername_env = FAKE_PROM_USER\n"
expect 1 "a user without a password" env FAKE_PROM_USER=fake "$STEWARD" sync fake --db "$TMPD/v.db" --config "$TMPD/fake.conf" --key "$K/ci.key"
has "is a config error" "$ERR" "username_env and password_env go together"

# a colleague writes while a sync waits on a stalled server: a monitoring source's sync holds no
# write lock while it waits on the network (each record lands in its own short transaction)
conf slow2 "$FAKE_URL/stall" "timeout = 30\n"
: >"$TMPD/fake.log"
"$STEWARD" sync --db "$DB" --config "$TMPD/slow2.conf" --key "$K/ci.key" >/dev/null 2>&1 &
SYNC_PID=$!
n=0
while ! grep -q "/stall/api/v1/query_range" "$TMPD/fake.log" && [ "$n" -lt 300 ]; do sleep 0.1; n=$((n + 1)); done
has "the sync is waiting on the stalled server" "$(cat "$TMPD/fake.log")" "/stall/api/v1/query_range"
t0=$(date +%s)
expect 0 "a colleague's write goes through meanwhile" as ci metric set churn 2 colleague_check 1
t1=$(date +%s)
if [ $((t1 - t0)) -lt 4 ]; then ok; else fail "the write waited $((t1 - t0)) s for the sync's lock"; fi
kill "$SYNC_PID" 2>/dev/null
wait "$SYNC_PID" 2>/dev/null

# quitting the console does not wait on a stalled server: its background sync is cancelled mid-request
# (a real terminal under a private tmux server, so :q is typed only once the request is in flight)
conf slow "$FAKE_URL/stall" "timeout = 120\n"
: >"$TMPD/fake.log"
tmx() { tmux -L "$SOCK" -f /dev/null "$@"; }
tmx new-session -d -s c -x 120 -y 30 \
	"env LC_ALL=C.UTF-8 '$STEWARD' --db '$TMPD/v.db' --config '$TMPD/slow.conf' 2>'$TMPD/c.err'; echo \$? >'$TMPD/c.exit'; sleep 60"
n=0
while ! grep -q "/stall/api/v1/query_range" "$TMPD/fake.log" && [ "$n" -lt 300 ]; do sleep 0.1; n=$((n + 1)); done
has "the console's sync asked the stalled server" "$(cat "$TMPD/fake.log")" "/stall/api/v1/query_range"
t0=$(date +%s)
tmx send-keys -t c ':q' Enter
n=0
while [ ! -s "$TMPD/c.exit" ] && [ "$n" -lt 600 ]; do sleep 0.1; n=$((n + 1)); done
t1=$(date +%s)
same "the console quits" "$(cat "$TMPD/c.exit" 2>/dev/null)" 0
if [ $((t1 - t0)) -lt 10 ]; then ok; else fail "quitting took $((t1 - t0)) s with a 120 s timeout configured"; fi

finish
