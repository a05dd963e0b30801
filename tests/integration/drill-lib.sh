# drill-lib.sh: the incident drill's estate for tests/integration/drill.sh and bench/drill (sourced, never run): HAProxy in front of nginx serving versions 1 and 2 of ranker (v2 live), a real Alertmanager firing ModelErrorRateHigh for it, a low-tier store where v1 then v2 went to production under policy, and the drill's playbook.
#
# Source it after tests/lib.sh, tests/integration/lib-alertmanager.sh and tests/integration/haproxy-lib.sh;
# then drill_setup. It sets DB, K (key files, passphrase $PASS), P, B (the playbook directory, exported as
# STEWARD_PLAYBOOK_DIR), CFG, and the helpers as, entries, count, weight, status, production, silences, promote.

case ${0##*/} in drill-lib.sh) exit 0 ;; esac

DB="$TMPD/s.db"
K="$TMPD/people"
P="$TMPD/pol"
B="$TMPD/playbooks"
PASS=correct-horse-battery-staple
D1=sha256:1111111111111111111111111111111111111111111111111111111111111111
D2=sha256:2222222222222222222222222222222222222222222222222222222222222222

as() {
	who=$1
	shift
	"$STEWARD" "$@" --db "$DB" --key "$K/$who.key" --config "$CFG"
}
entries() { store_sql "$DB" "SELECT count(*) FROM ledger WHERE action = '$1'"; }
count() { curl -s "$(hap_url ranker)[1-200]" | grep -c "^v$1\$"; }
weight() { hap_field "$(hap_backend ranker)" "v$1" weight; }
status() { hap_field "$(hap_backend ranker)" "v$1" status; }
production() { store_sql "$DB" "SELECT v.version FROM aliases a JOIN versions v ON v.id = a.version_id WHERE a.alias = 'production'"; }
# silences in Alertmanager: "state createdBy comment" per line
silences() {
	am_get api/v2/silences
	printf '%s' "$OUT" >"$TMPD/sil.json"
	sqlite3 :memory: "SELECT json_extract(j.value, '\$.status.state') || ' ' || json_extract(j.value, '\$.createdBy') || ' '
		|| json_extract(j.value, '\$.comment') FROM json_each(CAST(readfile('$TMPD/sil.json') AS TEXT)) j
		ORDER BY json_extract(j.value, '\$.updatedAt')"
}

promote() {
	as lena promote request ranker "$1" --to "$2" >/dev/null || fail "request $1 $2"
	as mei approve "$(store_sql "$DB" "SELECT max(id) FROM requests")" >/dev/null || fail "approve"
	as lena promote apply "$(store_sql "$DB" "SELECT max(id) FROM requests")" >/dev/null || fail "apply"
}

drill_setup() {
	mkdir -p "$K" "$P" "$B"
	export STEWARD_PASSPHRASE=$PASS XDG_CONFIG_HOME="$TMPD/cfg" STEWARD_PLAYBOOK_DIR="$B"
	cp "$STEWARD_TOP"/policies/low.policy "$P/"
	# --- the serving layer and the alert source ---
	nginx_versions_start 1 2
	hap_start ranker=1:0,2:100
	am_start
	CFG="$TMPD/steward.conf"
	printf '[plugin alerts]\ntype = alertmanager\nurl = %s\ntimeout = 5\ninterval = 3600\n\n[plugin hap]\ntype = haproxy\nsocket = %s\ntimeout = 3\ninterval = 3600\nmodel.ranker = %s v1:1 v2:2\n' \
	"$AM_URL" "$(hap_socket)" "$(hap_backend ranker)" >"$CFG"

	# --- the estate: v1 then v2 went to production under policy; v2 takes all traffic ---
	"$STEWARD" init --db "$DB" --admin ada --admin-key "$("$STEWARD" key gen ada --out "$K/ada.key" >/dev/null && echo "$K/ada.key")" >/dev/null || fail "init"
	export STEWARD_KEY="$K/ada.key"
	for p in lena:ml-lead mei:ml-lead sami:sre otto:auditor ci:pipeline; do
	n=${p%%:*}
	"$STEWARD" key gen "$n" --out "$K/$n.key" >/dev/null || fail "key $n"
	as ada principal add "$n" --role "${p#*:}" --pubkey "$K/$n.key.pub" >/dev/null || fail "add $n"
	done
	as ada policy enroll "$P/low.policy" >/dev/null || fail "enrol"
	"$STEWARD" model add ranker --tier low --owner digital --db "$DB" >/dev/null || fail "model"
	printf '## Intended use\nranking\n\n## Evaluation\nheld out\n\n## Limitations\nnone known\n' >"$TMPD/card.md"
	for d in "$D1" "$D2"; do
	v=$("$STEWARD" version add ranker --artifact s3://m/ranker --digest "$d" --author j.chen --db "$DB") || fail "version"
	"$STEWARD" metric set ranker "$v" auc 0.91 --dataset holdout --db "$DB" >/dev/null || fail "metric"
	"$STEWARD" card set ranker "$v" --file "$TMPD/card.md" --db "$DB" >/dev/null || fail "card"
	done
	unset STEWARD_KEY
	promote 1 staging
	promote 1 production
	promote 2 staging
	promote 2 production
	same "production is v2" "$(production)" 2

	cat >"$B/rollback-on-error-spike.playbook" <<'PB'
# The drill's playbook: checks read the signed alert observation, so no Prometheus is needed.
playbook rollback-on-error-spike
description "Error rate spike: confirm, open an incident, roll production back with its traffic, silence, note."
trigger alert ModelErrorRateHigh severity=critical
step firing:   check firing
step incident: incident open critical "Error rate spike on {model} v{version}"
step rollback: rollback production "error rate spike on {model} v{version}"
step silence:  silence 1h "rolled back by playbook {playbook}"
step note:     incident note "traffic and production back on the known-safe version"
PB
	expect 0 "the drill's playbook lints" "$STEWARD" playbook check --strict "$B/rollback-on-error-spike.playbook"

	# --- the alert fires; a keyed sync signs what it saw ---
	am_alert "[{\"labels\": {\"alertname\": \"ModelErrorRateHigh\", \"model\": \"ranker\", \"version\": \"2\", \"severity\": \"critical\"},
	\"annotations\": {\"summary\": \"5xx above 5% for 10 minutes\"},
	\"startsAt\": \"$(am_time $((NOW - 600)))\", \"endsAt\": \"$(am_time $((NOW + 3600)))\"}]"
	expect 0 "sync the alert and the servers" as ci sync
}
