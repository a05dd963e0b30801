# lib-alertmanager.sh: a real Alertmanager and a named fake for the suites (sourced after tests/lib.sh).
#   am_start           prometheus-alertmanager on a free 127.0.0.1 port, clustering off, data in $TMPD/am;
#                      exports AM_URL once /-/ready answers (the same port and data again after am_stop)
#   am_stop [SIG]      stops it (TERM, or KILL for an abrupt death)
#   am_alert JSON      posts a list of alerts to /api/v2/alerts
#   am_get PATH        GET $AM_URL/PATH into $OUT
#   am_time SECONDS    RFC 3339 UTC of a time, as Alertmanager takes it
#   fake_start         tests/integration/fake_alertmanager.py on a free port: exports FAKE_URL
#   fake_stop [SIG]
# Both die with the suite: the EXIT trap stops them, then removes $TMPD as lib.sh's trap did.

case ${0##*/} in lib-alertmanager.sh) exit 0 ;; esac

AM_PID=
AM_PORT=
FAKE_PID=
AM_BIN=${AM_BIN:-/usr/bin/prometheus-alertmanager}

am_cleanup() {
	am_stop KILL
	fake_stop KILL
	rm -rf "$TMPD"
}
trap am_cleanup EXIT
trap 'exit 130' INT TERM HUP

am_abort() {
	fail "$1; last lines of $TMPD/am.log: $(tail -n 15 "$TMPD/am.log" 2>/dev/null)"
	finish
	exit 1
}

am_free_port() {
	python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

am_start() {
	[ -x "$AM_BIN" ] || am_abort "no $AM_BIN: scripts/install-deps installs prometheus-alertmanager"
	[ -z "$AM_PID" ] || am_abort "am_start: already running"
	[ -n "$AM_PORT" ] || AM_PORT=$(am_free_port) || am_abort "am_start: no free port"
	mkdir -p "$TMPD/am"
	# One route, one receiver that sends nowhere: the suite reads the API, never notifications.
	printf 'route:\n  receiver: "null"\nreceivers:\n  - name: "null"\n' >"$TMPD/am/am.yml"
	export AM_URL="http://127.0.0.1:$AM_PORT"
	echo "--- alertmanager on port $AM_PORT" >>"$TMPD/am.log"
	"$AM_BIN" --config.file="$TMPD/am/am.yml" --web.listen-address="127.0.0.1:$AM_PORT" \
		--cluster.listen-address= --storage.path="$TMPD/am/data" --log.level=warn \
		</dev/null >>"$TMPD/am.log" 2>&1 &
	AM_PID=$!
	n=0
	until curl -fsS --max-time 2 "$AM_URL/-/ready" >/dev/null 2>&1; do
		kill -0 "$AM_PID" 2>/dev/null || { AM_PID=; am_abort "alertmanager exited"; }
		n=$((n + 1))
		[ "$n" -lt 150 ] || am_abort "alertmanager not ready after 30 s"
		sleep 0.2
	done
}

am_stop() {
	[ -n "$AM_PID" ] || return 0
	kill -"${1:-TERM}" "$AM_PID" 2>/dev/null
	wait "$AM_PID" 2>/dev/null
	AM_PID=
}

am_alert() {
	HTTP=$(curl -sS --max-time 10 -o "$TMPD/am-post" -w '%{http_code}' -X POST -H 'Content-Type: application/json' \
		--data-binary "$1" "$AM_URL/api/v2/alerts")
	[ "$HTTP" = 200 ] || fail "posting alerts: HTTP $HTTP $(cat "$TMPD/am-post")"
}

am_get() {
	OUT=$(curl -sS --max-time 10 "$AM_URL/$1")
}

am_time() {
	date -u -d "@$1" +%Y-%m-%dT%H:%M:%SZ
}

fake_start() {
	[ -z "$FAKE_PID" ] || return 0
	rm -f "$TMPD/fake.port"
	python3 "$STEWARD_TOP/tests/integration/fake_alertmanager.py" "$TMPD/fake.port" "$TMPD/fake.log" \
		</dev/null 2>>"$TMPD/fake.err" &
	FAKE_PID=$!
	n=0
	until [ -s "$TMPD/fake.port" ]; do
		kill -0 "$FAKE_PID" 2>/dev/null || { FAKE_PID=; am_abort "the fake exited: $(cat "$TMPD/fake.err")"; }
		n=$((n + 1))
		[ "$n" -lt 100 ] || am_abort "the fake did not start in 10 s"
		sleep 0.1
	done
	export FAKE_URL="http://127.0.0.1:$(cat "$TMPD/fake.port")"
}

fake_stop() {
	[ -n "$FAKE_PID" ] || return 0
	kill -"${1:-TERM}" "$FAKE_PID" 2>/dev/null
	wait "$FAKE_PID" 2>/dev/null
	FAKE_PID=
}
