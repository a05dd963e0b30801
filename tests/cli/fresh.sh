# fresh.sh: a fresh account (empty HOME, no XDG variables): the demo builds and its console opens, commands make the directories they need, and the global options work with every command.
. "$STEWARD_TOP/tests/lib.sh"

export LC_ALL=C.UTF-8
H="$TMPD/home"
mkdir "$H"
# as a new user would have it: nothing but HOME
unset XDG_DATA_HOME XDG_CONFIG_HOME XDG_STATE_HOME STEWARD_DB STEWARD_CONFIG STEWARD_KEY STEWARD_PASSPHRASE STEWARD_POLICY_DIR
export HOME="$H"
DEMO="$H/.local/share/steward/demo.db"
mode() { stat -c %a "$1" 2>/dev/null; }

# ---- the demo, as `make demo` runs it ----
expect 0 "demo in a fresh account" "$STEWARD" demo --no-tui
has "demo names its store" "$OUT" "in $(store_uri "$DEMO")"
for d in "$H/.local" "$H/.local/share" "$H/.local/share/steward" "$(store_local "$DEMO" -keys)" "$(store_local "$DEMO" -policies)"; do
	same "${d#"$H"/} made 0700" "$(mode "$d")" 700
done
same "persona key 0600" "$(mode "$(store_local "$DEMO" -keys)/rosa.key")" 600
# A demo store's file is rebuilt; a database the demo refuses once it is not empty.
if sqlite_only 2 "the demo store's file"; then
	same "demo store 0600" "$(mode "$DEMO")" 600
	expect 0 "demo again rebuilds it" "$STEWARD" demo --no-tui
fi
printf ':approvals<Enter>' >"$TMPD/keys"
expect 0 "console on the demo" "$STEWARD" --db "$DEMO" --key "$(store_local "$DEMO" -keys)/rosa.key" --script "$TMPD/keys" --dump "$TMPD/screen" --size 100x24
SCREEN=$(cat "$TMPD/screen")
has "the console shows the estate" "$SCREEN" "12 models"
has "as rosa" "$SCREEN" "rosa (risk-officer)"
has ":approvals" "$SCREEN" "[approvals]"

# plain `steward demo` opens the console, on a real terminal
SOCK="steward-fresh-$$"
WAIT=${STEWARD_TMUX_WAIT:-15}
. "$STEWARD_TOP/tests/lib-tmux.sh"
rm -rf "$H/.local"
store_remove "$DEMO"
tm new-session -d -s demo -x 100 -y 30 \
	"env -u XDG_DATA_HOME -u XDG_CONFIG_HOME HOME='$H' LC_ALL=C.UTF-8 '$STEWARD' demo 2>'$TMPD/demo.err'; echo \$? >'$TMPD/demo.exit'; sleep 60"
wait_for "steward demo opens the console" demo "12 models"
wait_for "as ravi, for whom two requests wait" demo "ravi (risk-officer)"
wait_for "the header says so" demo "2 wait for you"
tm send-keys -t demo q
i=0
while [ ! -s "$TMPD/demo.exit" ] && [ "$i" -lt $((WAIT * 10)) ]; do
	sleep 0.1
	i=$((i + 1))
done
same "steward demo exits 0" "$(cat "$TMPD/demo.exit" 2>/dev/null)" 0
same "steward demo: no stderr" "$(cat "$TMPD/demo.err")" ""

# ---- init with global options, before or after the command ----
printf 'init-passphrase-1\n' >"$TMPD/pw"
chmod 600 "$TMPD/pw"
printf '[steward]\n' >"$TMPD/config"
expect 0 "init --config FILE --admin" "$STEWARD" init --config "$TMPD/config" --admin ada --passphrase-file "$TMPD/pw"
has "init made the default store" "$OUT" "created store at $(store_uri "$H/.local/share/steward/steward.db")"
has "and the admin's key" "$OUT" "$H/.config/steward/keys/ada.key"
same "key directory 0700" "$(mode "$H/.config/steward/keys")" 700
same "~/.config 0700" "$(mode "$H/.config")" 700
if sqlite_only 1 "the store's file"; then
	same "store 0600" "$(mode "$H/.local/share/steward/steward.db")" 600
fi
ADA="$H/.config/steward/keys/ada.key"
expect 0 "global options before the command" "$STEWARD" --config "$TMPD/config" --key "$ADA" --passphrase-file "$TMPD/pw" --json alias list fraud-scoring --db "$DEMO"
valid "--json before the command"
same "--json before the command" "$(j '$[0].alias')" production
expect 0 "model add with --config (ignored) and --key" "$STEWARD" model add m1 --tier low --owner o --config "$TMPD/config" --key "$ADA" --passphrase-file "$TMPD/pw"
expect 0 "--passphrase-file before the command" "$STEWARD" --passphrase-file "$TMPD/pw" --key "$ADA" model add m2 --tier low --owner o
expect 0 "a command acting as someone, options first" "$STEWARD" --key "$ADA" --passphrase-file "$TMPD/pw" --db "$H/.local/share/steward/steward.db" alias list m1
expect 0 "key show ignores --db and --config" "$STEWARD" key show "$ADA.pub" --db "$TMPD/nowhere.db" --config "$TMPD/none"
expect 0 "plugin list reads --config given first" "$STEWARD" --config "$TMPD/config" plugin list
expect 1 "sync takes --config from anywhere" "$STEWARD" sync --config "$TMPD/none" --key "$ADA" --passphrase-file "$TMPD/pw"
has "sync named the missing config" "$ERR" "$TMPD/none"

# ---- what a command cannot honour is said, not ignored ----
expect 0 "--readonly on a reading command" "$STEWARD" model list --readonly
has "reads as before" "$OUT" "m1"
for cmd in "model add m3 --tier low --owner o" "init" "demo --no-tui" "version add m1 --artifact s3://x --digest sha256:1111111111111111111111111111111111111111111111111111111111111111"; do
	# shellcheck disable=SC2086
	expect 2 "--readonly refuses: $cmd" "$STEWARD" --readonly $cmd
	has "--readonly says why: $cmd" "$ERR" "writes to the store"
done
expect 2 "--readonly refuses a command acting as someone" "$STEWARD" alias set m1 staging 1 --readonly --key "$ADA"
same "nothing written" "$("$STEWARD" model list --json | grep -c '"name"')" 2
expect 2 "--json on audit prove" "$STEWARD" audit prove 1 --json
has "says why" "$ERR" "--json does not apply to 'steward audit prove'"
expect 2 "--json on the console" "$STEWARD" --json
has "says why (console)" "$ERR" "the console draws a screen"
expect 2 "a global option twice" "$STEWARD" --config a model list --config b
has "named" "$ERR" "option '--config' given twice"
expect 2 "an empty --config" "$STEWARD" model list --config=
has "named (empty)" "$ERR" "option '--config' needs a non-empty value"

# ---- other commands make what they write into ----
expect 0 "audit export into a new tree" "$STEWARD" audit export "$TMPD/deep/er/bundle"
same "its parents made 0700" "$(mode "$TMPD/deep/er")" 700
expect 0 "the bundle verifies" "$STEWARD" audit verify --bundle "$TMPD/deep/er/bundle"
STEWARD_PASSPHRASE=new-passphrase-1 expect 0 "key gen to the default place" "$STEWARD" key gen lena
has "under ~/.config" "$OUT" "$H/.config/steward/keys/lena.key"

finish
