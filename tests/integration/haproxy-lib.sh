# haproxy-lib.sh: a real HAProxy in front of one nginx serving model versions, and an nginx mirror for shadow traffic, on free 127.0.0.1 ports, for the suites, the drill and the bench (sourced, never run).
#
# Source it after tests/lib.sh (or on its own: it then makes and removes its own directory), and
# after any other library that sets an EXIT trap: it keeps that trap and runs it after its own.
# Its tools come from HAP_BUILD (default: the directory of $STEWARD, e.g. build or build/san):
# HAP_BUILD/tests/fake/hap-cmd.
#
#   nginx_versions_start V...   one nginx (own config and prefix, a plain child process) with a server per
#                               version V on a free port, each answering every request with "vV\n"
#   nginx_version_port V        the port of version V's server
#   hap_start SPEC...           haproxy with "stats socket $HAP_DIR/admin.sock level admin" (and a TCP and an
#                               operator-level stats socket), health checks every 100 ms, and per SPEC:
#                                 MODEL=V:W[,V:W...]    frontend fe_MODEL, backend be_MODEL (balance $HAP_BALANCE,
#                                                       default roundrobin) with server vV of weight W -> version V
#                                 shadow.MODEL=V[,V...]  frontend fe_MODEL_shadow, backend be_MODEL_shadow, server vV
#                               A version nginx does not serve points at a port nothing listens on (its check fails:
#                               DOWN). Returns once the socket answers and every frontend does.
#                               hap_start without SPECs starts the last configuration again (after hap_stop).
#   hap_stop [SIG]              stops haproxy (TERM; KILL for an abrupt death); the socket file stays behind
#   hap_pause, hap_resume       SIGSTOP / SIGCONT: a haproxy that accepts connections and answers nothing
#   hap_socket                  the admin socket's path;  hap_tcp_socket: 127.0.0.1:PORT of the TCP one (admin too);
#                               hap_operator_socket: a socket of level operator (reads; "set server" is refused)
#   hap_url MODEL               http://127.0.0.1:PORT/ of fe_MODEL (hap_shadow_url MODEL: of fe_MODEL_shadow)
#   hap_backend MODEL           be_MODEL;  hap_shadow_backend MODEL: be_MODEL_shadow
#   hap_cmd COMMAND             one runtime API command; HAProxy's answer on stdout
#   hap_plugin_section NAME [TIMEOUT]   a steward config section [plugin NAME] of type haproxy for what
#                               hap_start started (socket, model.MODEL and shadow.MODEL keys), on stdout
#   hap_field BACKEND SERVER COLUMN   one column (status, weight, uweight, stot, ...) of one server in show stat
#   hap_mirror_start MODEL      an nginx front proxying to fe_MODEL that mirrors every request to fe_MODEL_shadow
#   hap_mirror_url MODEL        http://127.0.0.1:PORT/ of that front
#   hap_teardown                stops everything this library started (the EXIT trap calls it)
#
# Example:
#   nginx_versions_start 1 2 3
#   hap_start fraud=1:100,2:0 shadow.fraud=3
#   curl -s "$(hap_url fraud)[1-500]"              # 500 bodies, "v1" each
#   hap_cmd "set server $(hap_backend fraud)/v2 weight 20"

case ${0##*/} in haproxy-lib.sh) exit 0 ;; esac

HAP_BUILD=${HAP_BUILD:-$(dirname "${STEWARD:?haproxy-lib.sh: set STEWARD or HAP_BUILD}")}
HAP_CMD_BIN=$HAP_BUILD/tests/fake/hap-cmd
HAP_BIN=${HAP_BIN:-$(command -v haproxy 2>/dev/null || echo /usr/sbin/haproxy)}
NGINX_BIN=${NGINX_BIN:-$(command -v nginx 2>/dev/null || echo /usr/sbin/nginx)}
HAP_BALANCE=${HAP_BALANCE:-roundrobin}
HAP_PID=
HAP_NGINX_PID=
HAP_MIRROR_PIDS=
hap_abort() {
	if command -v finish >/dev/null 2>&1; then
		fail "$1"
		finish
	else
		printf 'haproxy-lib: %s\n' "$1" >&2
	fi
	exit 1
}

# hap_port NAME: a free port, kept under NAME (the same one every time NAME is asked for again).
hap_port() {
	if [ ! -s "$HAP_DIR/ports/$1" ]; then
		"$HAP_CMD_BIN" -p 1 >"$HAP_DIR/ports/$1" || hap_abort "no free port for $1"
	fi
	cat "$HAP_DIR/ports/$1"
}

# hap_wait_http URL WHAT PID LOG: until URL answers (10 s), or the process is gone.
hap_wait_http() {
	hap_n=0
	until curl -s -o /dev/null --max-time 1 "$1" 2>/dev/null; do
		kill -0 "$3" 2>/dev/null || hap_abort "$2 exited: $(tail -n 5 "$4" 2>/dev/null)"
		hap_n=$((hap_n + 1))
		[ "$hap_n" -lt 100 ] || hap_abort "$2 does not answer at $1 after 10 s: $(tail -n 5 "$4" 2>/dev/null)"
		sleep 0.1
	done
}

# Run as root (CI), nginx would hand its workers to a user who cannot enter $TMPD (mode 0700).
hap_nginx_head() {
	[ "$(id -u)" -eq 0 ] && echo "user root;"
	cat <<EOF
daemon off;
worker_processes 1;
pid $1/nginx.pid;
error_log $1/error.log;
events { worker_connections 256; }
http {
	access_log off;
	client_body_temp_path $1/body;
	proxy_temp_path $1/proxy;
	fastcgi_temp_path $1/fastcgi;
	uwsgi_temp_path $1/uwsgi;
	scgi_temp_path $1/scgi;
EOF
}

# hap_nginx_run DIR: starts nginx on DIR/nginx.conf, our own child (so wait works): its pid in HAP_RUN_PID.
hap_nginx_run() {
	"$NGINX_BIN" -p "$1/" -c "$1/nginx.conf" -e "$1/error.log" </dev/null >>"$1/error.log" 2>&1 &
	HAP_RUN_PID=$!
	hap_track "nginx.$HAP_RUN_PID" "$HAP_RUN_PID" TERM
}

# hap_track NAME PID SIGNAL: what the guard stops if the shell dies without running hap_teardown.
hap_track() { printf '%s %s\n' "$2" "$3" >"$HAP_PIDS/$1"; }

nginx_versions_start() {
	[ -z "$HAP_NGINX_PID" ] || hap_abort "nginx_versions_start: already running"
	[ $# -gt 0 ] || hap_abort "nginx_versions_start: name at least one version"
	hap_d=$HAP_DIR/nginx
	mkdir -p "$hap_d"
	hap_nginx_head "$hap_d" >"$hap_d/nginx.conf"
	for hap_v in "$@"; do
		case $hap_v in '' | *[!0-9]*) hap_abort "nginx_versions_start: '$hap_v' is not a version number" ;; esac
		printf '\tserver { listen 127.0.0.1:%s; location / { default_type text/plain; return 200 "v%s\\n"; } }\n' \
			"$(hap_port "nginx.v$hap_v")" "$hap_v" >>"$hap_d/nginx.conf"
		echo "$hap_v" >>"$hap_d/versions"
	done
	echo "}" >>"$hap_d/nginx.conf"
	hap_nginx_run "$hap_d"
	HAP_NGINX_PID=$HAP_RUN_PID
	for hap_v in "$@"; do
		hap_wait_http "http://127.0.0.1:$(nginx_version_port "$hap_v")/" nginx "$HAP_NGINX_PID" "$hap_d/error.log"
	done
}

nginx_version_port() {
	[ -s "$HAP_DIR/ports/nginx.v$1" ] || hap_abort "nginx serves no version $1"
	cat "$HAP_DIR/ports/nginx.v$1"
}

# The port a server of version V points at: nginx's, or one nothing listens on.
hap_server_port() {
	if grep -qx "$1" "$HAP_DIR/nginx/versions" 2>/dev/null; then
		nginx_version_port "$1"
	else
		hap_port "dead.v$1"
	fi
}

hap_socket() { echo "$HAP_DIR/admin.sock"; }
hap_tcp_socket() { echo "127.0.0.1:$(hap_port stats)"; }
hap_operator_socket() { echo "$HAP_DIR/operator.sock"; }
hap_backend() { echo "be_$1"; }
hap_shadow_backend() { echo "be_$1_shadow"; }
hap_url() { echo "http://127.0.0.1:$(hap_port "fe_$1")/"; }
hap_shadow_url() { echo "http://127.0.0.1:$(hap_port "fe_$1_shadow")/"; }

hap_start() {
	[ -z "$HAP_PID" ] || hap_abort "hap_start: already running"
	hap_c=$HAP_DIR/haproxy.cfg
	if [ $# -gt 0 ]; then
		{
			printf 'global\n\tstats socket %s level admin\n\tstats socket ipv4@127.0.0.1:%s level admin\n' \
				"$(hap_socket)" "$(hap_port stats)"
			printf '\tstats socket %s level operator\n' "$(hap_operator_socket)"
			printf 'defaults\n\tmode http\n\ttimeout connect 2s\n\ttimeout client 10s\n\ttimeout server 10s\n'
			printf '\tdefault-server check inter 100ms fall 1 rise 1\n'
		} >"$hap_c.new"
		: >"$HAP_DIR/frontends"
		: >"$HAP_DIR/keys"
		for hap_spec in "$@"; do
			case $hap_spec in
			shadow.*=*) hap_m=${hap_spec%%=*}; hap_m=${hap_m#shadow.}; hap_fe=fe_${hap_m}_shadow; hap_be=be_${hap_m}_shadow ;;
			*=*) hap_m=${hap_spec%%=*}; hap_fe=fe_$hap_m; hap_be=be_$hap_m ;;
			*) hap_abort "hap_start: '$hap_spec' is neither MODEL=V:W,... nor shadow.MODEL=V,..." ;;
			esac
			printf 'frontend %s\n\tbind 127.0.0.1:%s\n\tdefault_backend %s\nbackend %s\n\tbalance %s\n' \
				"$hap_fe" "$(hap_port "$hap_fe")" "$hap_be" "$hap_be" "$HAP_BALANCE" >>"$hap_c.new"
			echo "$hap_fe" >>"$HAP_DIR/frontends"
			case $hap_spec in shadow.*) printf 'shadow.%s = %s' "$hap_m" "$hap_be" ;; *) printf 'model.%s = %s' "$hap_m" "$hap_be" ;; esac >>"$HAP_DIR/keys"
			hap_ifs=$IFS
			IFS=,
			for hap_s in ${hap_spec#*=}; do
				hap_v=${hap_s%%:*}
				hap_w=${hap_s#"$hap_v"}
				hap_w=${hap_w#:}
				case $hap_v in '' | *[!0-9]*) IFS=$hap_ifs; hap_abort "hap_start: '$hap_s' in '$hap_spec' is not V or V:W" ;; esac
				printf '\tserver v%s 127.0.0.1:%s%s\n' "$hap_v" "$(hap_server_port "$hap_v")" "${hap_w:+ weight $hap_w}" >>"$hap_c.new"
				printf ' v%s:%s' "$hap_v" "$hap_v" >>"$HAP_DIR/keys"
			done
			IFS=$hap_ifs
			echo >>"$HAP_DIR/keys"
		done
		mv "$hap_c.new" "$hap_c"
	fi
	[ -f "$hap_c" ] || hap_abort "hap_start: no configuration yet: name the models"
	"$HAP_BIN" -c -q -f "$hap_c" >"$HAP_DIR/check.log" 2>&1 || hap_abort "haproxy refuses $hap_c: $(cat "$HAP_DIR/check.log")"
	rm -f "$(hap_socket)"
	echo "--- haproxy" >>"$HAP_DIR/haproxy.log"
	"$HAP_BIN" -db -f "$hap_c" </dev/null >>"$HAP_DIR/haproxy.log" 2>&1 &
	HAP_PID=$!
	hap_track haproxy "$HAP_PID" KILL
	hap_n=0
	until "$HAP_CMD_BIN" "$(hap_socket)" "show info" 2>/dev/null | grep -q '^Name: HAProxy'; do
		kill -0 "$HAP_PID" 2>/dev/null || { HAP_PID=; hap_abort "haproxy exited: $(tail -n 5 "$HAP_DIR/haproxy.log")"; }
		hap_n=$((hap_n + 1))
		[ "$hap_n" -lt 100 ] || hap_abort "haproxy's socket does not answer after 10 s"
		sleep 0.1
	done
	while read -r hap_fe; do
		hap_wait_http "http://127.0.0.1:$(hap_port "$hap_fe")/" haproxy "$HAP_PID" "$HAP_DIR/haproxy.log"
	done <"$HAP_DIR/frontends"
}

hap_stop() {
	[ -n "$HAP_PID" ] || return 0
	kill -CONT "$HAP_PID" 2>/dev/null
	kill -"${1:-TERM}" "$HAP_PID" 2>/dev/null
	wait "$HAP_PID" 2>/dev/null
	rm -f "$HAP_PIDS/haproxy"
	HAP_PID=
}

hap_pause() { [ -n "$HAP_PID" ] && kill -STOP "$HAP_PID"; }
hap_resume() { [ -n "$HAP_PID" ] && kill -CONT "$HAP_PID"; }

hap_cmd() { "$HAP_CMD_BIN" "$(hap_socket)" "$1"; }

hap_plugin_section() {
	[ -s "$HAP_DIR/keys" ] || hap_abort "hap_plugin_section: hap_start has not run"
	printf '[plugin %s]\ntype = haproxy\nsocket = %s\ntimeout = %s\n' "$1" "$(hap_socket)" "${2:-5}"
	cat "$HAP_DIR/keys"
}

# The columns are found by name in the header, as the plugin finds them.
hap_field() {
	hap_cmd "show stat -1 4 -1" | awk -F, -v px="$1" -v sv="$2" -v col="$3" '
		NR == 1 { sub(/^# /, ""); for (i = 1; i <= NF; i++) { if ($i == col) c = i; if ($i == "pxname") p = i; if ($i == "svname") s = i }; next }
		c && $p == px && $s == sv { print $c }'
}

hap_mirror_start() {
	hap_d=$HAP_DIR/mirror-$1
	[ ! -f "$hap_d/nginx.pid" ] || hap_abort "hap_mirror_start: $1's mirror already runs"
	mkdir -p "$hap_d"
	{
		hap_nginx_head "$hap_d"
		# The shadow's answer is read and dropped; the client only ever sees the live one.
		cat <<EOF
	server {
		listen 127.0.0.1:$(hap_port "mirror.$1");
		location / {
			mirror /_shadow;
			mirror_request_body on;
			proxy_pass http://127.0.0.1:$(hap_port "fe_$1");
		}
		location = /_shadow {
			internal;
			proxy_pass http://127.0.0.1:$(hap_port "fe_$1_shadow")\$request_uri;
		}
	}
}
EOF
	} >"$hap_d/nginx.conf"
	hap_nginx_run "$hap_d"
	HAP_MIRROR_PIDS="$HAP_MIRROR_PIDS $HAP_RUN_PID"
	hap_wait_http "$(hap_mirror_url "$1")" "the mirror nginx" "$HAP_RUN_PID" "$hap_d/error.log"
}

hap_mirror_url() { echo "http://127.0.0.1:$(hap_port "mirror.$1")/"; }

hap_teardown() {
	hap_stop KILL
	# nginx's master takes its workers with it on TERM (a KILL would orphan them).
	for hap_p in $HAP_NGINX_PID $HAP_MIRROR_PIDS; do
		kill -TERM "$hap_p" 2>/dev/null
		wait "$hap_p" 2>/dev/null
		rm -f "$HAP_PIDS/nginx.$hap_p"
	done
	HAP_NGINX_PID=
	HAP_MIRROR_PIDS=
	[ -z "$HAP_OWN_DIR" ] || rm -rf "$HAP_DIR"
}

# The guard: a process outside the shell's children (a bare 'wait' never waits for it) that stops
# what is still tracked once the shell is gone, when another library's EXIT trap replaced ours.
hap_guard() {
	hap_shell=$$
	( (
		trap '' INT TERM HUP
		while kill -0 "$hap_shell" 2>/dev/null; do sleep 1; done
		for hap_f in "$HAP_PIDS"/*; do
			[ -f "$hap_f" ] || continue
			read -r hap_gp hap_gs <"$hap_f" && kill -CONT "$hap_gp" && kill -"$hap_gs" "$hap_gp"
		done
		rm -rf "$HAP_PIDS"
		[ -z "$HAP_OWN_DIR" ] || rm -rf "$HAP_DIR"
	) </dev/null >/dev/null 2>&1 & )
}

# ---- set up when sourced ----
HAP_OWN_DIR=
if [ -n "${TMPD:-}" ] && [ -d "$TMPD" ]; then
	HAP_DIR=$TMPD/hap
else
	HAP_DIR=$(mktemp -d "${TMPDIR:-/tmp}/steward-hap.XXXXXX") || exit 1
	HAP_OWN_DIR=1
fi
mkdir -p "$HAP_DIR/ports" || exit 1
HAP_PIDS=$(mktemp -d "${TMPDIR:-/tmp}/steward-hap-pids.XXXXXX") || exit 1

# The EXIT trap already set (tests/lib.sh removing $TMPD, another library's cleanup) runs after ours.
HAP_PREV_EXIT=
hap_keep_trap() { [ "${2:-}" = EXIT ] && HAP_PREV_EXIT=$1; return 0; }
trap >"$HAP_DIR/traps"
eval "$(sed 's/^trap -- /hap_keep_trap /' "$HAP_DIR/traps")"
trap 'hap_teardown; eval "$HAP_PREV_EXIT"' EXIT
trap 'exit 130' INT TERM HUP
hap_guard

[ -x "$HAP_CMD_BIN" ] || hap_abort "no $HAP_CMD_BIN: make $HAP_BUILD/tests/fake/hap-cmd"
[ -x "$HAP_BIN" ] || hap_abort "no haproxy at $HAP_BIN: scripts/install-deps installs it"
[ -x "$NGINX_BIN" ] || hap_abort "no nginx at $NGINX_BIN: scripts/install-deps installs it"
