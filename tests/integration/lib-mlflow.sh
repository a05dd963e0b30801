# lib-mlflow.sh: a real MLflow server for the integration suites (sourced after tests/lib.sh).
#   mlflow_venv        MLFLOW_PY = the python of the venv scripts/mlflow-venv builds or reuses; if it
#                      cannot be had the suite fails, or with STEWARD_SKIP_MLFLOW=1 reports a skip
#   mlflow_start       `mlflow server` on a free 127.0.0.1 port (sqlite:///$TMPD/mlflow.db, artifacts
#                      served from $TMPD/mlartifacts, log in $TMPD/mlflow.log, one gunicorn worker);
#                      exports MLFLOW_URL and MLFLOW_TRACKING_URI once GET /health answers
#   mlflow_stop [SIG]  stops it (TERM, or KILL for an abrupt death); mlflow_restart: same port, same data
#   mlfx ARGS...       tests/integration/mlflow_fixture.py ARGS against the server (see its doc string)
#   mlapi PATH [CURL ARGS...]  curl on $MLFLOW_URL/api/2.0/PATH (PATH starts mlflow/ or
#                      mlflow-artifacts/): the body on stdout, the status code in $HTTP (000: no answer),
#                      curl's exit status as its own
#   jtag PATH KEY      the value of tag KEY in the [{key, value}] array at PATH of $OUT
#   jlen PATH          the length of the array at PATH of $OUT
# The server dies with the suite: the EXIT trap stops it, then removes $TMPD as lib.sh's trap did.

# tests/run runs every tests/integration/*.sh: run rather than sourced, this file does nothing.
case ${0##*/} in lib-mlflow.sh) exit 0 ;; esac

MLFLOW_PID=
MLFLOW_PORT=
mlflow_cleanup() {
	mlflow_stop KILL
	rm -rf "$TMPD"
}
trap mlflow_cleanup EXIT
trap 'exit 130' INT TERM HUP

mlflow_venv() {
	[ -n "${MLFLOW_PY:-}" ] && return 0
	if out=$("$STEWARD_TOP/scripts/mlflow-venv" 2>"$TMPD/mlflow-venv.log"); then
		MLFLOW_VENV=$(printf '%s\n' "$out" | tail -n 1)
		MLFLOW_PY="$MLFLOW_VENV/bin/python"
		return 0
	fi
	why=$(tail -n 3 "$TMPD/mlflow-venv.log" | tr '\n' ' ')
	if [ "${STEWARD_SKIP_MLFLOW:-}" = 1 ]; then
		echo "SKIP $T_NAME: no MLflow (STEWARD_SKIP_MLFLOW=1): $why"
		printf 'RESULT %s passed=0 failed=0\n' "$T_NAME"
		exit 0
	fi
	fail "no MLflow: scripts/mlflow-venv failed (set STEWARD_SKIP_MLFLOW=1 to skip offline): $why"
	finish
	exit 1
}

# mlflow_abort MESSAGE: the suite cannot go on without the server.
mlflow_abort() {
	fail "$1; last lines of $TMPD/mlflow.log: $(tail -n 15 "$TMPD/mlflow.log" 2>/dev/null)"
	finish
	exit 1
}

mlflow_start() {
	mlflow_venv
	[ -z "$MLFLOW_PID" ] || mlflow_abort "mlflow_start: a server is already running"
	if [ -z "$MLFLOW_PORT" ]; then
		MLFLOW_PORT=$("$MLFLOW_PY" -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])') ||
			mlflow_abort "mlflow_start: no free port"
	fi
	export MLFLOW_URL="http://127.0.0.1:$MLFLOW_PORT"
	export MLFLOW_TRACKING_URI="$MLFLOW_URL"
	echo "--- mlflow server on port $MLFLOW_PORT" >>"$TMPD/mlflow.log"
	# setsid: the server (mlflow's CLI, gunicorn's master and worker) is one process group to stop.
	setsid "$MLFLOW_VENV/bin/mlflow" server --host 127.0.0.1 --port "$MLFLOW_PORT" \
		--backend-store-uri "sqlite:///$TMPD/mlflow.db" \
		--serve-artifacts --artifacts-destination "$TMPD/mlartifacts" \
		--workers 1 </dev/null >>"$TMPD/mlflow.log" 2>&1 &
	MLFLOW_PID=$!
	n=0
	until curl -fsS --max-time 2 "$MLFLOW_URL/health" >/dev/null 2>&1; do
		kill -0 "$MLFLOW_PID" 2>/dev/null || { MLFLOW_PID=; mlflow_abort "mlflow server exited"; }
		n=$((n + 1))
		[ "$n" -lt 300 ] || mlflow_abort "mlflow server not answering /health after 60 s"
		sleep 0.2
	done
}

mlflow_stop() {
	[ -n "$MLFLOW_PID" ] || return 0
	kill -"${1:-TERM}" "-$MLFLOW_PID" 2>/dev/null
	# Dead members stay in the group until reaped (orphans by init, not always at once): bounded poll.
	n=0
	while [ "$n" -lt 100 ] && kill -0 "-$MLFLOW_PID" 2>/dev/null; do
		sleep 0.1
		n=$((n + 1))
	done
	kill -KILL "-$MLFLOW_PID" 2>/dev/null
	wait "$MLFLOW_PID" 2>/dev/null
	MLFLOW_PID=
}

mlflow_restart() {
	mlflow_stop "${1:-TERM}"
	mlflow_start
}

mlfx() {
	MLFLOW_TRACKING_URI="$MLFLOW_URL" "$MLFLOW_PY" "$STEWARD_TOP/tests/integration/mlflow_fixture.py" "$@"
}

mlapi() {
	p=$1
	shift
	rm -f "$TMPD/mlapi"
	# shellcheck disable=SC2034 # HTTP is read by the suites
	HTTP=$(curl -sS --max-time 20 -o "$TMPD/mlapi" -w '%{http_code}' "$@" "$MLFLOW_URL/api/2.0/$p")
	rc=$?
	[ -f "$TMPD/mlapi" ] && cat "$TMPD/mlapi"
	return "$rc"
}

jtag() {
	printf '%s' "$OUT" >"$TMPD/json"
	sqlite3 :memory: "SELECT json_extract(value, '\$.value') FROM json_each(CAST(readfile('$TMPD/json') AS TEXT), '$1') WHERE json_extract(value, '\$.key') = '$2'"
}

jlen() {
	printf '%s' "$OUT" >"$TMPD/json"
	sqlite3 :memory: "SELECT json_array_length(CAST(readfile('$TMPD/json') AS TEXT), '$1')"
}
