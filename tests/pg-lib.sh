# pg-lib.sh: a throwaway PostgreSQL server for the tests (sourced, never run): initdb and pg_ctl in a temp folder, set up by scripts/pg-setup.
#
# Source it after tests/lib.sh (or on its own) and after any library that sets an EXIT trap: it
# keeps that trap and runs it after its own.
#
#   pg_start           initdb and start a server in a new folder: a Unix socket there and a free
#                      127.0.0.1 port, fsync off (nothing here must survive a crash). initdb refuses
#                      to run as root, so as root the server runs as the postgres user (runuser or
#                      setpriv) in a folder it owns; otherwise as the current user. Local (socket)
#                      connections are trusted, TCP ones need a password (scram-sha-256). Then runs
#                      scripts/pg-setup: roles steward_owner and steward (the latter with a password),
#                      database steward. Exports PGHOST, PGPORT, PGUSER (the superuser, postgres) and
#                        PG_DIR              the folder (data/, server.log, the socket)
#                        PG_ADMIN_URI        the superuser, database postgres, over the socket
#                        PG_OWNER_URI        steward_owner on database steward, over the socket
#                        PG_RUNTIME_URI      steward on database steward, over the socket
#                        PG_RUNTIME_TCP_URI  steward over TCP with its password
#                        PG_RUNTIME_PW       that password
#                      Returns 1 with the reason in PG_SKIP when PostgreSQL's server is not installed
#                      (or, as root, there is no postgres user); fails the suite on any other error.
#   pg_store_start     pg_start, then an empty database steward_tmpl set up as scripts/pg-setup sets
#                      up a store's, the template tests/pg-wrap makes each suite's stores from
#                      (make test STORE=postgres)
#   pg_require         pg_start, or print "SKIP NAME: reason", finish and exit: the usual start of a suite
#   pg_standby_start   a hot standby of it (pg_basebackup, streaming replication) on the same socket
#                      folder, socket only; exports PG_STANDBY_PORT and PG_STANDBY_URI (steward_owner on
#                      database steward there)
#   pg_stop            stops the servers (immediate) and removes the folder; the EXIT trap calls it
#   pg_psql ARGS...    psql as the superuser on database postgres (-d another to change), no psqlrc
#   pg_uri ROLE DB     a URI for ROLE on DB over the socket (names as given: no percent-encoding needed
#                      for [A-Za-z0-9_])
#
# Example:
#   . "$STEWARD_TOP/tests/lib.sh"; . "$STEWARD_TOP/tests/pg-lib.sh"
#   pg_require
#   pg_psql -tA -c 'SELECT 1'

case ${0##*/} in pg-lib.sh) exit 0 ;; esac

PG_TOP=${STEWARD_TOP:-$(cd "$(dirname "$0")/../.." && pwd)}
PG_DIR=
PG_SKIP=
PG_AS=

pg_abort() {
	if command -v finish >/dev/null 2>&1; then
		fail "$1"
		finish
	else
		printf 'pg-lib: %s\n' "$1" >&2
	fi
	exit 1
}

# Debian keeps initdb and pg_ctl out of PATH, under /usr/lib/postgresql/VERSION/bin.
pg_bindir() {
	pg_i=$(command -v initdb 2>/dev/null) && [ -n "$pg_i" ] && {
		pg_i=$(readlink -f "$pg_i")
		dirname "$pg_i"
		return 0
	}
	for pg_d in $(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -t/ -k4 -n -r); do
		[ -x "$pg_d/initdb" ] && { echo "$pg_d"; return 0; }
	done
	return 1
}

# pg_as CMD...: CMD as the server's user.
pg_as() {
	if [ -z "$PG_AS" ]; then
		"$@"
	elif command -v runuser >/dev/null 2>&1; then
		runuser -u "$PG_AS" -- "$@"
	else
		setpriv --reuid="$PG_AS" --regid="$PG_AS" --init-groups -- "$@"
	fi
}

pg_uri() {
	echo "postgresql://$1@/$2?host=$PG_DIR&port=$PGPORT"
}

pg_psql() {
	psql -X -q -v ON_ERROR_STOP=1 -h "$PG_DIR" -p "$PGPORT" -U postgres -d postgres "$@"
}

pg_start() {
	PG_BIN=$(pg_bindir) || { PG_SKIP="PostgreSQL's server is not installed (no initdb; scripts/install-deps installs postgresql)"; return 1; }
	command -v psql >/dev/null 2>&1 || { PG_SKIP="psql is not installed (scripts/install-deps installs postgresql)"; return 1; }
	if [ "$(id -u)" -eq 0 ]; then
		id postgres >/dev/null 2>&1 || { PG_SKIP="running as root and there is no postgres user to run the server as"; return 1; }
		PG_AS=postgres
	fi
	PG_DIR=$(mktemp -d "${TMPDIR:-/tmp}/steward-pg.XXXXXX") || pg_abort "cannot make a folder for the server"
	[ -z "$PG_AS" ] || chown "$PG_AS" "$PG_DIR" || pg_abort "cannot give $PG_DIR to $PG_AS"
	pg_as "$PG_BIN/initdb" -D "$PG_DIR/data" -U postgres --auth-local=trust --auth-host=scram-sha-256 \
		-E UTF8 --locale=C --no-sync >"$PG_DIR/initdb.log" 2>&1 ||
		pg_abort "initdb failed: $(tail -n 5 "$PG_DIR/initdb.log")"
	# A free port: tried from one that depends on this shell, since pg_ctl says when the bind fails.
	pg_port=$((20000 + $$ % 20000))
	pg_try=0
	while :; do
		{
			echo "listen_addresses = '127.0.0.1'"
			echo "port = $pg_port"
			echo "unix_socket_directories = '$PG_DIR'"
			echo "fsync = off"
			echo "synchronous_commit = off"
			echo "full_page_writes = off"
		} >"$PG_DIR/steward.conf"
		grep -q "^include = '$PG_DIR/steward.conf'" "$PG_DIR/data/postgresql.conf" ||
			echo "include = '$PG_DIR/steward.conf'" >>"$PG_DIR/data/postgresql.conf"
		pg_as "$PG_BIN/pg_ctl" -D "$PG_DIR/data" -l "$PG_DIR/server.log" -w -t 30 start >/dev/null 2>&1 && break
		pg_try=$((pg_try + 1))
		grep -q 'could not bind\|could not create lock file\|Address already in use' "$PG_DIR/server.log" && [ "$pg_try" -lt 20 ] ||
			pg_abort "the PostgreSQL server did not start: $(tail -n 5 "$PG_DIR/server.log")"
		pg_port=$((pg_port + 1 + pg_try * 7))
	done
	pg_guard
	export PGHOST="$PG_DIR" PGPORT="$pg_port" PGUSER=postgres
	PG_RUNTIME_PW=$(od -An -N12 -tx1 /dev/urandom | tr -d ' \n')
	printf '%s\n' "$PG_RUNTIME_PW" >"$PG_DIR/runtime.pw"
	"$PG_TOP/scripts/pg-setup" --admin "host=$PG_DIR port=$PGPORT user=postgres dbname=postgres" \
		--runtime-password-file "$PG_DIR/runtime.pw" >"$PG_DIR/pg-setup.log" 2>&1 ||
		pg_abort "scripts/pg-setup failed: $(cat "$PG_DIR/pg-setup.log")"
	PG_ADMIN_URI=$(pg_uri postgres postgres)
	PG_OWNER_URI=$(pg_uri steward_owner steward)
	PG_RUNTIME_URI=$(pg_uri steward steward)
	PG_RUNTIME_TCP_URI="postgresql://steward:$PG_RUNTIME_PW@127.0.0.1:$PGPORT/steward"
	export PG_DIR PG_ADMIN_URI PG_OWNER_URI PG_RUNTIME_URI PG_RUNTIME_TCP_URI PG_RUNTIME_PW
}

pg_store_start() {
	pg_start || return 1
	"$PG_TOP/scripts/pg-setup" --admin "host=$PG_DIR port=$PGPORT user=postgres dbname=postgres" --db steward_tmpl \
		>>"$PG_DIR/pg-setup.log" 2>&1 || pg_abort "scripts/pg-setup --db steward_tmpl failed: $(cat "$PG_DIR/pg-setup.log")"
}

pg_require() {
	pg_start && return 0
	echo "SKIP ${T_NAME:-pg-lib}: $PG_SKIP"
	if command -v finish >/dev/null 2>&1; then
		finish
		exit $?
	fi
	exit 0
}

pg_standby_start() {
	pg_as "$PG_BIN/pg_basebackup" -h "$PG_DIR" -p "$PGPORT" -U postgres -D "$PG_DIR/standby" -R -X stream --checkpoint=fast \
		>"$PG_DIR/basebackup.log" 2>&1 || pg_abort "pg_basebackup failed: $(tail -n 5 "$PG_DIR/basebackup.log")"
	# The copy's postgresql.conf includes the primary's port; postgresql.auto.conf is read after it.
	PG_STANDBY_PORT=$((PGPORT + 1))
	printf "port = %s\nlisten_addresses = ''\n" "$PG_STANDBY_PORT" >>"$PG_DIR/standby/postgresql.auto.conf"
	pg_as "$PG_BIN/pg_ctl" -D "$PG_DIR/standby" -l "$PG_DIR/standby.log" -w -t 30 start >/dev/null 2>&1 ||
		pg_abort "the standby did not start: $(tail -n 5 "$PG_DIR/standby.log")"
	pg_guard standby
	PG_STANDBY_URI="postgresql://steward_owner@/steward?host=$PG_DIR&port=$PG_STANDBY_PORT"
	export PG_STANDBY_PORT PG_STANDBY_URI
}

pg_stop() {
	[ -n "$PG_DIR" ] && [ -d "$PG_DIR" ] || return 0
	for pg_data in "$PG_DIR/standby" "$PG_DIR/data"; do
		[ -f "$pg_data/postmaster.pid" ] && pg_as "$PG_BIN/pg_ctl" -D "$pg_data" -m immediate -w stop >/dev/null 2>&1
	done
	rm -rf "$PG_DIR"
	PG_DIR=
}

# pg_guard [DATA]: stops the server in $PG_DIR/DATA (default data) once this shell is gone, should
# another library's EXIT trap replace ours or the shell be killed. pg_ctl daemonizes the server, so
# nothing else would.
pg_guard() {
	pg_shell=$$
	pg_data=$PG_DIR/${1:-data}
	pg_pid=$(sed -n 1p "$pg_data/postmaster.pid")
	pg_dir=$PG_DIR
	( (
		trap '' INT TERM HUP
		while kill -0 "$pg_shell" 2>/dev/null; do sleep 1; done
		# SIGQUIT is an immediate shutdown; the folder goes once the server has.
		[ -f "$pg_data/postmaster.pid" ] && kill -QUIT "$pg_pid" 2>/dev/null && sleep 1
		rm -rf "$pg_dir"
	) </dev/null >/dev/null 2>&1 & )
}

# ---- set up when sourced ----
# The EXIT trap already set (tests/lib.sh removing $TMPD, another library's cleanup) runs after ours.
PG_PREV_EXIT=
pg_keep_trap() { [ "${2:-}" = EXIT ] && PG_PREV_EXIT=$1; return 0; }
# (Through a file: a command substitution is a subshell, where dash shows no traps.)
pg_traps=$(mktemp "${TMPDIR:-/tmp}/steward-pg-traps.XXXXXX") || exit 1
trap >"$pg_traps"
eval "$(sed -n 's/^trap -- /pg_keep_trap /p' "$pg_traps")"
rm -f "$pg_traps"
trap 'pg_stop; eval "$PG_PREV_EXIT"' EXIT
trap 'exit 130' INT TERM HUP
