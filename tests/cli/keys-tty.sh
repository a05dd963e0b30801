# keys-tty.sh: `steward key gen` on a real terminal under tmux: no-echo prompt asked twice, mismatch refused, Ctrl-C restores echo.
. "$STEWARD_TOP/tests/lib.sh"

SOCK="steward-keys-$$"
# Sanitizer builds are slower; Argon2id takes a moment too.
WAIT=${STEWARD_TMUX_WAIT:-30}
. "$STEWARD_TOP/tests/lib-tmux.sh"

# start NAME KEYFILE: runs `key gen` in a new session with no passphrase in
# the environment; afterwards the exit status goes to NAME.exit and the
# terminal's settings (to see that echo came back) to NAME.stty. The shell
# catches SIGINT (so Ctrl-C does not end it too); steward gets the default.
start() {
	rm -f "$TMPD/$1.exit" "$TMPD/$1.stty"
	tm new-session -d -s "$1" -x 100 -y 24 \
		"trap : INT; env -u STEWARD_PASSPHRASE XDG_CONFIG_HOME='$TMPD/cfg' '$STEWARD' key gen '$1' --out '$2' 2>'$TMPD/$1.err'; echo \$? >'$TMPD/$1.exit.tmp'; stty -a >'$TMPD/$1.stty' 2>&1; mv '$TMPD/$1.exit.tmp' '$TMPD/$1.exit'; sleep 60"
}

# wait_exit DESC NAME: waits for the command to end; its status in $XRC.
wait_exit() {
	i=0
	XRC=
	while [ "$i" -lt $((WAIT * 10)) ]; do
		if [ -s "$TMPD/$2.exit" ]; then
			XRC=$(cat "$TMPD/$2.exit")
			ok
			return 0
		fi
		sleep 0.1
		i=$((i + 1))
	done
	fail "$1: key gen did not end within ${WAIT}s; screen: $(capture "$2" | head -c 600)"
	return 1
}

# Typed twice, the same: the key is created and the passphrase never shows.
start good "$TMPD/good.key"
wait_for "first prompt" good "Passphrase for the new key good:"
tm send-keys -t good -l "tty-secret-one-two"
tm send-keys -t good Enter
wait_for "second prompt" good "Same passphrase again:"
lacks "first entry not echoed" "$(capture good)" "tty-secret-one-two"
tm send-keys -t good -l "tty-secret-one-two"
tm send-keys -t good Enter
wait_exit "matching entries" good
same "matching entries: exit status" "$XRC" 0
PANE=$(capture good)
lacks "passphrase never echoed" "$PANE" "tty-secret-one-two"
has "key gen reports the key" "$PANE" "created key good"
[ -f "$TMPD/good.key" ] && [ -f "$TMPD/good.key.pub" ] && ok || fail "typed passphrase: key files missing"
has "echo back on afterwards" "$(cat "$TMPD/good.stty")" " echo "
expect 0 "show the key made on the terminal" "$STEWARD" key show "$TMPD/good.key"
has "show names it" "$OUT" "name:       good"

# The two entries differ: refused, nothing written.
start differ "$TMPD/differ.key"
wait_for "first prompt (differ)" differ "Passphrase for the new key differ:"
tm send-keys -t differ -l "first-entry-one-1"
tm send-keys -t differ Enter
wait_for "second prompt (differ)" differ "Same passphrase again:"
tm send-keys -t differ -l "second-entry-two-2"
tm send-keys -t differ Enter
wait_exit "differing entries" differ
same "differing entries: exit status" "$XRC" 1
has "differing entries: says so" "$(cat "$TMPD/differ.err")" "passphrases typed differ"
PANE=$(capture differ)
lacks "differ: first entry not echoed" "$PANE" "first-entry-one-1"
lacks "differ: second entry not echoed" "$PANE" "second-entry-two-2"
[ ! -e "$TMPD/differ.key" ] && [ ! -e "$TMPD/differ.key.pub" ] && ok || fail "differing entries: a key was written"

# Ctrl-C at the prompt: the program ends as interrupted and echo is back on.
start intr "$TMPD/intr.key"
wait_for "first prompt (Ctrl-C)" intr "Passphrase for the new key intr:"
tm send-keys -t intr -l "half-typed"
tm send-keys -t intr C-c
wait_exit "Ctrl-C" intr
same "Ctrl-C: exit status is SIGINT's" "$XRC" 130
has "Ctrl-C: echo restored" "$(cat "$TMPD/intr.stty")" " echo "
lacks "Ctrl-C: nothing echoed" "$(capture intr)" "half-typed"
[ ! -e "$TMPD/intr.key" ] && ok || fail "Ctrl-C: a key was written"

# Too short: refused after the first entry, before asking again, saying the minimum.
start short "$TMPD/short.key"
wait_for "first prompt (short)" short "Passphrase for the new key short:"
tm send-keys -t short -l "only-14-chars!"
tm send-keys -t short Enter
wait_exit "short entry" short
same "short entry: exit status" "$XRC" 1
has "short entry: says the minimum" "$(cat "$TMPD/short.err")" "14 characters, at least 15"
lacks "short entry: never asked twice" "$(capture short)" "Same passphrase again"
[ ! -e "$TMPD/short.key" ] && ok || fail "short entry: a key was written"

# An empty entry is refused.
start empty "$TMPD/empty.key"
wait_for "first prompt (empty)" empty "Passphrase for the new key empty:"
tm send-keys -t empty Enter
wait_exit "empty entry" empty
same "empty entry: exit status" "$XRC" 1
has "empty entry: says so" "$(cat "$TMPD/empty.err")" "empty passphrase"

tm kill-server >/dev/null 2>&1
finish
