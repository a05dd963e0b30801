# lib-tmux.sh: a private tmux server and pane polling for the real-terminal suites (sourced after lib.sh).
# The caller sets SOCK (the server's name) and WAIT (seconds to wait for text, times lib.sh's
# STEWARD_SLOW) first.

if ! command -v tmux >/dev/null 2>&1; then
	fail "tmux is not installed (scripts/install-deps installs it)"
	finish
	exit 1
fi

# kill-server leaves the socket file behind; remove it too.
SOCKDIR="${TMUX_TMPDIR:-/tmp}/tmux-$(id -u)"
trap 'tmux -L "$SOCK" kill-server >/dev/null 2>&1; rm -f "$SOCKDIR/$SOCK"; rm -rf "$TMPD"' EXIT INT TERM

tm() {
	tmux -L "$SOCK" -f /dev/null "$@"
}

capture() {
	tm capture-pane -p -t "$1" 2>/dev/null
}

# wait_for DESC NAME TEXT: polls the pane until TEXT shows up.
wait_for() {
	i=0
	while [ "$i" -lt $((WAIT * STEWARD_SLOW * 10)) ]; do
		PANE=$(capture "$2")
		case $PANE in *"$3"*) ok; return 0 ;; esac
		sleep 0.1
		i=$((i + 1))
	done
	fail "$1: '$3' did not appear within $((WAIT * STEWARD_SLOW))s; screen: $(printf '%s' "$PANE" | head -c 600)"
	return 1
}
