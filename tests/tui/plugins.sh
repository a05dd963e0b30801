# plugins.sh: the console syncs plugins in the background: the header shows their health, and a plugin that hangs or fails never stops the keys.
. "$STEWARD_TOP/tests/lib.sh"

SOCK="steward-plugins-$$"
WAIT=${STEWARD_TMUX_WAIT:-15}
. "$STEWARD_TOP/tests/lib-tmux.sh"

DB="$TMPD/d.db"
PD="$TMPD/plugins"
mkdir -p "$PD"
build=${STEWARD%/*}
cp "$build/tests/plugins/steward-misbehave.so" "$PD/"
"$STEWARD" demo --no-tui --db "$DB" >/dev/null || fail "demo"
printf '[steward]\nplugin_dirs = %s\n\n[plugin stuck]\ntype = misbehave\nmode = hang\n\n[plugin down]\ntype = misbehave\nmode = fail\ninterval = 10\n' "$PD" >"$TMPD/config"

# Headless: a plugin that never answers; the keys still do what they say,
# and quitting stops it (the run would take an hour otherwise).
printf 'jjj<Enter>:q<Enter>' >"$TMPD/keys"
expect 0 "a script with a hanging plugin" timeout 60 "$STEWARD" --db "$DB" --config "$TMPD/config" --script "$TMPD/keys" --dump "$TMPD/screen" --size 120x30
SCREEN=$(cat "$TMPD/screen")
has "the header shows it syncing" "$SCREEN" "stuck syncing"
has "the keys were answered" "$SCREEN" "[model "
printf 'token = x\n' >"$TMPD/bad"
: >"$TMPD/nokeys"
expect 0 "a broken config: the console still runs" timeout 60 "$STEWARD" --db "$DB" --config "$TMPD/bad" --script "$TMPD/nokeys" --dump "$TMPD/screen2"
has "and names the file and line" "$(cat "$TMPD/screen2")" "plugins: $TMPD/bad:1: unknown section []"

# On a real terminal: the failing plugin shows degraded while the hanging
# one keeps syncing, and keys move the selection all the while.
tm new-session -d -s p -x 120 -y 30 "env LC_ALL=C.UTF-8 '$STEWARD' --db '$DB' --config '$TMPD/config'; sleep 60"
wait_for "degraded shown" p "down degraded"
has "the hanging one still syncing" "$PANE" "stuck syncing"
tm send-keys -t p j j Enter
wait_for "keys answered while a plugin hangs" p "[model "
tm send-keys -t p ':q' Enter
i=0
while [ "$i" -lt $((WAIT * 10)) ] && capture p | grep -q "stuck syncing"; do sleep 0.1; i=$((i + 1)); done
if capture p | grep -q "stuck syncing"; then fail "quitting with a hanging plugin did not return"; else ok; fi

finish
