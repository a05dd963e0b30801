# lib-mlflow.sh: a real MLflow server for the integration suites (sourced after tests/lib.sh).
# Two MLflow series are tested: MLFLOW_SERIES=2 (the default; tests/integration/mlflow-requirements.txt)
# and MLFLOW_SERIES=3 (mlflow3-requirements.txt). A suite with the line "# mlflow-series: 2 3" is
# generic: tests/run runs it once per series listed, reported as NAME[2] and NAME[3].
#   mlflow_series N    this suite needs series N (2 or 3) whatever MLFLOW_SERIES says; call it
#                      before mlflow_venv or mlflow_start
#   mlflow_venv        MLFLOW_PY = the python of the venv scripts/mlflow-venv builds or reuses from
#                      MLFLOW_REQUIREMENTS (the series' pins); if it cannot be had the suite fails,
#                      or with STEWARD_SKIP_MLFLOW=1 reports a skip
#   mlflow_start       `mlflow server` on a free 127.0.0.1 port (sqlite:///$TMPD/mlflow.db, artifacts
#                      served from $TMPD/mlartifacts, log in $TMPD/mlflow.log, one worker: gunicorn
#                      in 2.x, uvicorn in 3.x; MLFLOW_SERVER_ARGS are added to its command line);
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

# MLflow 3 sends usage telemetry to the internet unless told not to; nothing here may leave the machine.
export MLFLOW_DISABLE_TELEMETRY=true DO_NOT_TRACK=true
MLFLOW_PID=
MLFLOW_PORT=
# Extra `mlflow server` arguments (mlflow-auth.sh: --app-name basic-auth).
MLFLOW_SERVER_ARGS=

mlflow_series() {
	case ${1:-} in
	2) MLFLOW_REQUIREMENTS="$STEWARD_TOP/tests/integration/mlflow-requirements.txt" ;;
	3) MLFLOW_REQUIREMENTS="$STEWARD_TOP/tests/integration/mlflow3-requirements.txt" ;;
	*)
		fail "MLFLOW_SERIES must be 2 or 3, not '${1:-}'"
		finish
		exit 1
		;;
	esac
	[ -z "${MLFLOW_PY:-}" ] || [ "$MLFLOW_SERIES" = "$1" ] || mlflow_abort "mlflow_series $1: the series-$MLFLOW_SERIES venv is already in use"
	MLFLOW_SERIES=$1
	# Failures and the RESULT line name the series: mlflow.sh[3].
	T_NAME="${T_NAME%%\[*}[$1]"
}
mlflow_series "${MLFLOW_SERIES:-2}"
mlflow_cleanup() {
	mlflow_stop KILL
	rm -rf "$TMPD"
}
trap mlflow_cleanup EXIT
trap 'exit 130' INT TERM HUP

mlflow_venv() {
	[ -n "${MLFLOW_PY:-}" ] && return 0
	if out=$("$STEWARD_TOP/scripts/mlflow-venv" "$MLFLOW_REQUIREMENTS" 2>"$TMPD/mlflow-venv.log"); then
		MLFLOW_VENV=$(printf '%s\n' "$out" | tail -n 1)
		MLFLOW_PY="$MLFLOW_VENV/bin/python"
		return 0
	fi
	why=$(tail -n 3 "$TMPD/mlflow-venv.log" | tr '\n' ' ')
	if [ "${STEWARD_SKIP_MLFLOW:-}" = 1 ]; then
		echo "SKIP $T_NAME: no MLflow $MLFLOW_SERIES.x (STEWARD_SKIP_MLFLOW=1): $why"
		printf 'RESULT %s passed=0 failed=0\n' "$T_NAME"
		exit 0
	fi
	fail "no MLflow $MLFLOW_SERIES.x: scripts/mlflow-venv ${MLFLOW_REQUIREMENTS#"$STEWARD_TOP"/} failed (set STEWARD_SKIP_MLFLOW=1 to skip offline): $why"
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
	# setsid: the server (mlflow's CLI, the master and worker of gunicorn in 2.x or uvicorn in 3.x)
	# is one process group to stop. MLFLOW_SERVER_ARGS is split into words on purpose.
	# MLflow 3 also starts a job runner with a handful of huey consumers for server-side jobs (GenAI
	# scorers and the like) that nothing here uses: they cost seconds of CPU and outlive a TERM.
	# Unbuffered, the log is up to date when a suite reads it (mlflow_abort shows its last lines).
	# shellcheck disable=SC2086
	MLFLOW_SERVER_ENABLE_JOB_EXECUTION=false PYTHONUNBUFFERED=1 setsid "$MLFLOW_VENV/bin/mlflow" server --host 127.0.0.1 --port "$MLFLOW_PORT" \
		--backend-store-uri "sqlite:///$TMPD/mlflow.db" \
		--serve-artifacts --artifacts-destination "$TMPD/mlartifacts" \
		--workers 1 $MLFLOW_SERVER_ARGS </dev/null >>"$TMPD/mlflow.log" 2>&1 &
	MLFLOW_PID=$!
	n=0
	until curl -fsS --max-time 2 "$MLFLOW_URL/health" >/dev/null 2>&1; do
		kill -0 "$MLFLOW_PID" 2>/dev/null || { MLFLOW_PID=; mlflow_abort "mlflow server exited"; }
		n=$((n + 1))
		# MLflow 3 takes half a minute to start on a busy two-core machine.
		[ "$n" -lt 600 ] || mlflow_abort "mlflow server not answering /health after 120 s"
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
