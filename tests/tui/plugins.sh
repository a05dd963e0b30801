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
expect 0 "a script with a hanging plugin" timeout "$(slow 60)" "$STEWARD" --db "$DB" --config "$TMPD/config" --script "$TMPD/keys" --dump "$TMPD/screen" --size 120x30
SCREEN=$(cat "$TMPD/screen")
has "the header shows it syncing" "$SCREEN" "stuck syncing"
has "the keys were answered" "$SCREEN" "[credit-limit] "
printf 'token = x\n' >"$TMPD/bad"
: >"$TMPD/nokeys"
expect 0 "a broken config: the console still runs" timeout "$(slow 60)" "$STEWARD" --db "$DB" --config "$TMPD/bad" --script "$TMPD/nokeys" --dump "$TMPD/screen2"
has "and names the file and line" "$(cat "$TMPD/screen2")" "plugins: $TMPD/bad:1: unknown section []"

# On a real terminal: the failing plugin shows degraded while the hanging
# one keeps syncing, and keys move the selection all the while.
tm new-session -d -s p -x 120 -y 30 "env LC_ALL=C.UTF-8 '$STEWARD' --db '$DB' --config '$TMPD/config'; sleep 60"
wait_for "degraded shown" p "down degraded"
has "the hanging one still syncing" "$PANE" "stuck syncing"
tm send-keys -t p j j Enter
wait_for "keys answered while a plugin hangs" p "[collections-priority] "
tm send-keys -t p ':q' Enter
i=0
while [ "$i" -lt $((WAIT * 10)) ] && capture p | grep -q "stuck syncing"; do sleep 0.1; i=$((i + 1)); done
if capture p | grep -q "stuck syncing"; then fail "quitting with a hanging plugin did not return"; else ok; fi

# A keyless background sync records evidence unattested: the gate refuses to
# count on it until a sync with a key signs it.
E="$TMPD/e.db"
export STEWARD_PASSPHRASE=plugins-passphrase XDG_CONFIG_HOME="$TMPD/cfg"
"$STEWARD" init --db "$E" --admin ada >/dev/null || fail "init"
printf '[steward]\nplugin_dirs = %s\n\n[plugin good]\ntype = misbehave\nmode = evidence\n' "$PD" >"$TMPD/good"
tm new-session -d -s g -x 120 -y 30 "env LC_ALL=C.UTF-8 '$STEWARD' --db '$E' --config '$TMPD/good'; sleep 60"
wait_for "the background sync ran" g "good ok"
tm send-keys -t g ':q' Enter
expect 0 "the synced version is there" "$STEWARD" version show fixture-model 1 --db "$E"
expect 1 "but the gate will not count on it" "$STEWARD" gate fixture-model 1 --to staging --db "$E"
has "unattested named" "$OUT$ERR" "has no signed record in the ledger"
expect 0 "audit verify warns" "$STEWARD" audit verify --db "$E"
has "unattested counted" "$OUT" "1 version no signed entry records"
expect 0 "a sync with a key attests what did not change" "$STEWARD" sync good --db "$E" --config "$TMPD/good" \
	--key "$TMPD/cfg/steward/keys/ada.key"
same "version, card and metric now signed" \
	"$(store_sql "$E" "SELECT count(*) FROM ledger WHERE action IN ('version.set', 'card.set', 'metric.set') AND sig IS NOT NULL")" 3
expect 1 "the gate now reads signed evidence (denied only for want of a policy)" "$STEWARD" gate fixture-model 1 --to staging --db "$E"
lacks "no longer unattested" "$OUT$ERR" "no signed record"
expect 0 "audit verify has nothing unattested" "$STEWARD" audit verify --db "$E"
lacks "no warning" "$OUT" "no signed entry records"
unset STEWARD_PASSPHRASE

finish
