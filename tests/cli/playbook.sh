# playbook.sh: playbook check/list/show through the binary: the shipped playbooks lint clean, bad files fail with FILE:LINE:COL, warnings and --strict, symlinks, FIFOs and directories refused, where the playbook directory comes from, broken and duplicate files in it.
. "$STEWARD_TOP/tests/lib.sh"

SHIPPED="$STEWARD_TOP/policies/playbooks"
export XDG_CONFIG_HOME="$TMPD/cfg"
unset STEWARD_PLAYBOOK_DIR STEWARD_CONFIG
mkdir -p "$XDG_CONFIG_HOME"

# --- check: the shipped playbooks, strictly ---
expect 0 "check --strict the shipped playbooks" "$STEWARD" playbook check --strict "$SHIPPED"/*.playbook
same "three shipped, each ok" "$(printf '%s\n' "$OUT" | grep -c ': ok (6 steps)$')" 3
has "rollback-on-critical-drift" "$OUT" "rollback-on-critical-drift.playbook: ok (6 steps)"
has "rollback-on-error-spike" "$OUT" "rollback-on-error-spike.playbook: ok (6 steps)"
has "degrade-on-latency" "$OUT" "degrade-on-latency.playbook: ok (6 steps)"
same "no warnings" "$ERR" ""
# Their triggers are the alert names the issue gives them.
for pair in rollback-on-critical-drift:ModelDriftCritical rollback-on-error-spike:ModelErrorRateHigh degrade-on-latency:ModelLatencyHigh; do
	has "${pair%%:*} triggers on ${pair#*:}" "$(cat "$SHIPPED/${pair%%:*}.playbook")" "trigger alert ${pair#*:}"
done
# No store is needed, and none is made.
expect 0 "check needs no store" "$STEWARD" playbook check "$SHIPPED/degrade-on-latency.playbook" --db "$TMPD/none.db"
[ ! -e "$TMPD/none.db" ] && ok || fail "playbook check created a store"
expect 2 "check without a file" "$STEWARD" playbook check
expect 2 "check with an unknown option" "$STEWARD" playbook check --stirct "$SHIPPED/degrade-on-latency.playbook"

# bad NAME MESSAGE PRINTF-TEXT: x.playbook holding the text fails with the message.
bad() {
	printf "$3" >"$TMPD/x.playbook"
	expect 1 "check: $1" "$STEWARD" playbook check "$TMPD/x.playbook"
	has "check: $1: message" "$ERR" "steward: $TMPD/x.playbook:$2"
	lacks "check: $1: no ok line" "$OUT" "ok"
}
H='playbook x\ntrigger alert A\n'
bad "unknown keyword" "3:1: found 'stpe', expected a statement (description, trigger, step)" "${H}stpe a: annotate \"x\"\n"
bad "unknown step kind" "3:16: found 'chek', expected a step kind" "${H}step firing:   chek firing\n"
bad "missing trigger" "2:1: found 'step', expected 'trigger alert NAME ...' before the first step" 'playbook x\nstep a: check firing\n'
bad "no steps" "3:1: found the end of the file, expected at least one 'step NAME: ...' line" "$H"
bad "duplicate step" "4:6: found 'a', expected a step name not used before (line 3 has it)" "${H}step a: check firing\nstep a: annotate \"x\"\n"
bad "bad duration" "3:17: found '90x', expected a duration from 1s to 7d" "${H}step s: silence 90x \"c\"\n"
bad "silence over 7 days" "3:17: found '8d', expected a duration from 1s to 7d" "${H}step s: silence 8d \"c\"\n"
bad "share 101" "3:24: found '101', expected a share of traffic (a whole number from 0 to 100)" "${H}step s: shift previous 101 \"r\"\n"
bad "unterminated string" "3:25: found the end of the line inside a string" "${H}step s: annotate \"no end\n"
bad "unknown placeholder" "3:26: found the placeholder '{versoin}', expected {model}, {version}" "${H}step s: rollback \"bad on {versoin}\"\n"
bad "control byte" "3:20: found the control character U+0007, expected text" "${H}step s: annotate \"a\007\"\n"
bad "invalid UTF-8" "3:19: found the byte \\xfe, expected UTF-8 text" "${H}step s: annotate \"\376\"\n"
bad "a terminal escape in a comment" "1:3: found the control character U+001B, expected text" '# \033]0;owned\007\nplaybook x\n'
# The hostile bytes themselves never reach the terminal.
lacks "no raw ESC in the message" "$ERR" "$(printf '\033')"
printf 'playbook x\ntrigger alert A\nstep s: annotate "x"\000\n' >"$TMPD/nul.playbook"
expect 1 "check: NUL byte" "$STEWARD" playbook check "$TMPD/nul.playbook"
has "check: NUL byte located" "$ERR" "nul.playbook:3:21: found a NUL byte, expected text"
# 33 steps.
{ printf 'playbook x\ntrigger alert A\n'; i=1; while [ $i -le 33 ]; do printf 'step s%d: annotate "n"\n' $i; i=$((i + 1)); done; } >"$TMPD/many.playbook"
expect 1 "check: 33 steps" "$STEWARD" playbook check "$TMPD/many.playbook"
has "check: 33 steps message" "$ERR" "many.playbook:35:1: found step 33, expected at most 32 steps"
# Over 64 KiB: refused before parsing.
{ printf 'playbook x\ntrigger alert A\nstep a: check firing\n'; head -c 65536 /dev/zero | tr '\0' '#'; } >"$TMPD/big.playbook"
expect 1 "check: a file over 64 KiB" "$STEWARD" playbook check "$TMPD/big.playbook"
has "check: over 64 KiB message" "$ERR" "playbook file $TMPD/big.playbook is larger than 65536 bytes"

# Several files: every one is checked and reported, the status says one failed.
printf "${H}step a: chek firing\n" >"$TMPD/x.playbook"
expect 1 "check a good and a bad file" "$STEWARD" playbook check "$SHIPPED/degrade-on-latency.playbook" "$TMPD/x.playbook" "$SHIPPED/rollback-on-error-spike.playbook"
has "the good ones ok" "$OUT" "degrade-on-latency.playbook: ok (6 steps)"
has "the last good one checked too" "$OUT" "rollback-on-error-spike.playbook: ok (6 steps)"
has "the bad one named" "$ERR" "x.playbook:3:9: found 'chek'"
has "the summary" "$ERR" "steward: playbook check failed"

# --- lint: warnings print and pass; --strict fails on them ---
cat >"$TMPD/warn.playbook" <<'EOF'
playbook warn
trigger alert A
step open:     incident open info "x"
step firing:   check firing
step rollback: rollback "r"
step silence:  silence 2d "long"
step shift:    shift previous 100 "r"
EOF
expect 0 "check: warnings alone do not fail" "$STEWARD" playbook check "$TMPD/warn.playbook"
has "ok with warnings" "$OUT" "warn.playbook: ok (5 steps, 3 warnings)"
has "action before check" "$ERR" "warn.playbook:3: warning: step 'open' (incident open) acts before any check step"
has "long silence" "$ERR" "warn.playbook:6: warning: step 'silence' silences the alert for 2d: longer than 24h"
has "rollback and shift" "$ERR" "warn.playbook:7: warning: step 'shift' (shift) and step 'rollback' (rollback, line 5) both move traffic"
expect 1 "check --strict: warnings fail" "$STEWARD" playbook check --strict "$TMPD/warn.playbook"
lacks "no ok under --strict" "$OUT" "ok"
has "--strict says why" "$ERR" "warn.playbook: 3 warnings, and --strict makes warnings errors"
cp "$SHIPPED/degrade-on-latency.playbook" "$TMPD/renamed.playbook"
expect 0 "check: a file not named after its playbook" "$STEWARD" playbook check "$TMPD/renamed.playbook"
has "file name warning, no line" "$ERR" "renamed.playbook: warning: the file is not named degrade-on-latency.playbook"
expect 1 "check --strict: the file name too" "$STEWARD" playbook check --strict "$TMPD/renamed.playbook"

# --- check --json ---
expect 1 "check --json" "$STEWARD" playbook check --json "$SHIPPED/degrade-on-latency.playbook" "$TMPD/warn.playbook" "$TMPD/x.playbook"
valid "check --json"
same "json: ok" "$(j '$[0].ok')" 1
same "json: name" "$(j '$[0].name')" degrade-on-latency
same "json: steps" "$(j '$[0].steps')" 6
same "json: sha256" "$(j '$[0].sha256')" "sha256:$(sha256sum "$SHIPPED/degrade-on-latency.playbook" | cut -c1-64)"
same "json: warnings counted" "$(j '$[1].warnings[2].line')" 7
same "json: the bad file" "$(j '$[2].ok')" 0
has "json: its error" "$(j '$[2].error')" "x.playbook:3:9: found 'chek'"

# --- what check refuses to read ---
ln -s "$SHIPPED/degrade-on-latency.playbook" "$TMPD/link.playbook"
expect 1 "check: a symlink" "$STEWARD" playbook check "$TMPD/link.playbook"
has "symlink named" "$ERR" "cannot read playbook file $TMPD/link.playbook: it is a symbolic link"
mkfifo "$TMPD/fifo.playbook"
expect 1 "check: a FIFO, without waiting for a writer" timeout "$(slow 10)" "$STEWARD" playbook check "$TMPD/fifo.playbook"
has "FIFO named" "$ERR" "it is a FIFO, not a regular file"
mkdir "$TMPD/dir.playbook"
expect 1 "check: a directory" "$STEWARD" playbook check "$TMPD/dir.playbook"
has "directory named" "$ERR" "it is a directory, not a regular file"
expect 1 "check: a missing file" "$STEWARD" playbook check "$TMPD/none.playbook"
has "missing named" "$ERR" "cannot read playbook file $TMPD/none.playbook: No such file or directory"

# --- list: the shipped playbooks by default, even with an empty HOME ---
expect 0 "list (shipped)" "$STEWARD" playbook list
has "list: header" "$OUT" "NAME"
has "list: trigger and steps" "$OUT" "rollback-on-critical-drift  ModelDriftCritical severity=critical  6"
has "list: error spike" "$OUT" "rollback-on-error-spike"
has "list: short digest" "$OUT" "sha256:$(sha256sum "$SHIPPED/degrade-on-latency.playbook" | cut -c1-12)"
has "list: the directory, resolved" "$OUT" "3 playbooks in $(cd "$SHIPPED" && pwd -P)"
expect 0 "list with an empty HOME and no XDG_CONFIG_HOME" env -u XDG_CONFIG_HOME HOME= "$STEWARD" playbook list
has "empty HOME: shipped" "$OUT" "3 playbooks in"
expect 0 "list with HOME unset" env -u XDG_CONFIG_HOME -u HOME "$STEWARD" playbook list
has "HOME unset: shipped" "$OUT" "3 playbooks in"
expect 0 "list --json" "$STEWARD" playbook list --json
valid "list --json"
same "json: three" "$(j '$[2].name')|$(j '$[3].name')" "rollback-on-error-spike|"
same "json: sorted by name" "$(j '$[0].name') $(j '$[1].name') $(j '$[2].name')" "degrade-on-latency rollback-on-critical-drift rollback-on-error-spike"
same "json: alert" "$(j '$[1].alert')" ModelDriftCritical
same "json: matcher" "$(j '$[1].matchers[0].name')$(j '$[1].matchers[0].op')$(j '$[1].matchers[0].value')" "severity=critical"
same "json: no matchers" "$(jtype '$[2].matchers')" array
same "json: file" "$(j '$[0].file')" "$(cd "$SHIPPED" && pwd -P)/degrade-on-latency.playbook"

# A directory with a broken file, a duplicate name, a symlink and a FIFO: the good ones listed, the rest named, status 1.
PB="$TMPD/pb"
mkdir "$PB"
cp "$SHIPPED"/*.playbook "$PB/"
printf 'playbook broken\ntrigger alert A\nstep a: chek firing\n' >"$PB/broken.playbook"
sed 's/^description .*/description "a copy"/' "$SHIPPED/degrade-on-latency.playbook" >"$PB/zz-copy.playbook"
ln -s "$SHIPPED/rollback-on-error-spike.playbook" "$PB/linked.playbook"
mkfifo "$PB/fifo.playbook"
printf 'not a playbook at all\n' >"$PB/README"
printf 'garbage\n' >"$PB/.hidden.playbook"
printf 'garbage\n' >"$PB/$(printf 'evil\033[31m').playbook"
expect 1 "list a directory with broken files" timeout "$(slow 10)" "$STEWARD" playbook list --playbooks "$PB"
has "good ones listed" "$OUT" "degrade-on-latency"
has "good ones listed (2)" "$OUT" "rollback-on-error-spike"
has "count of the good" "$OUT" "3 playbooks in $PB"
has "broken named" "$ERR" "$PB/broken.playbook:3:9: found 'chek', expected a step kind"
has "duplicate named" "$ERR" "$PB/zz-copy.playbook: playbook degrade-on-latency is already defined in $PB/degrade-on-latency.playbook; this one is not loaded"
has "symlink named" "$ERR" "cannot read playbook file $PB/linked.playbook: it is a symbolic link"
has "FIFO named" "$ERR" "cannot read playbook file $PB/fifo.playbook: it is a FIFO"
has "the escape shown escaped" "$ERR" 'evil\x1b[31m.playbook'
lacks "no raw ESC" "$ERR" "$(printf '\033')"
lacks "hidden file skipped" "$ERR" ".hidden"
lacks "README skipped" "$ERR" "README"
has "the count of bad files" "$ERR" "steward: 5 playbook files in $PB did not load"
lacks "the copy's description not listed" "$OUT" "a copy"
both=$("$STEWARD" playbook list --playbooks "$PB" 2>&1)
listed=$(printf '%s\n' "$both" | grep -n "3 playbooks in" | cut -d: -f1)
named=$(printf '%s\n' "$both" | grep -n "broken.playbook:3:9" | cut -d: -f1)
[ -n "$listed" ] && [ -n "$named" ] && [ "$named" -gt "$listed" ] && ok || fail "the broken files are named after the list (lines $named, $listed)"
expect 1 "list --json with broken files" "$STEWARD" playbook list --json --playbooks "$PB"
valid "list --json with broken files"
same "json: the good ones only" "$(j '$[3].name')" ""
same "json: three" "$(j '$[2].name')" rollback-on-error-spike
has "json: errors on stderr" "$ERR" "broken.playbook:3:9"

# Where the directory comes from: --playbooks, then STEWARD_PLAYBOOK_DIR, then the config, then XDG.
ONE="$TMPD/one"
mkdir "$ONE"
printf 'playbook only-one\ntrigger alert OnlyOne\nstep c: check firing\n' >"$ONE/only-one.playbook"
expect 0 "STEWARD_PLAYBOOK_DIR" env STEWARD_PLAYBOOK_DIR="$ONE" "$STEWARD" playbook list
has "env dir used" "$OUT" "only-one"
has "env dir named" "$OUT" "1 playbook in $ONE"
expect 0 "--playbooks over STEWARD_PLAYBOOK_DIR" env STEWARD_PLAYBOOK_DIR="$ONE" "$STEWARD" playbook list --playbooks "$SHIPPED"
lacks "env dir not used" "$OUT" "only-one"
CFGDIR="$TMPD/conf"
mkdir -m 0700 "$CFGDIR"
printf '[steward]\nplaybooks = %s\n' "$ONE" >"$CFGDIR/config"
chmod 0600 "$CFGDIR/config"
expect 0 "config [steward] playbooks" "$STEWARD" playbook list --config "$CFGDIR/config"
has "config dir used" "$OUT" "1 playbook in $ONE"
expect 0 "STEWARD_PLAYBOOK_DIR over the config" env STEWARD_PLAYBOOK_DIR="$SHIPPED" "$STEWARD" playbook list --config "$CFGDIR/config"
lacks "config not used under the env" "$OUT" "only-one"
printf '[steward]\nplaybooks = relative/dir\n' >"$CFGDIR/config"
expect 1 "config: a relative playbooks dir" "$STEWARD" playbook list --config "$CFGDIR/config"
has "config: relative refused" "$ERR" "playbooks: 'relative/dir' is not an absolute path"
expect 0 "a broken config is not read when --playbooks is given" "$STEWARD" playbook list --config "$CFGDIR/config" --playbooks "$ONE"
mkdir -p "$XDG_CONFIG_HOME/steward/playbooks"
cp "$ONE/only-one.playbook" "$XDG_CONFIG_HOME/steward/playbooks/"
expect 0 "XDG_CONFIG_HOME/steward/playbooks when it exists" "$STEWARD" playbook list
has "XDG dir used" "$OUT" "1 playbook in $XDG_CONFIG_HOME/steward/playbooks"
rm -r "$XDG_CONFIG_HOME/steward/playbooks"
expect 1 "list a missing directory" "$STEWARD" playbook list --playbooks "$TMPD/missing"
has "missing directory named" "$ERR" "cannot read playbook directory $TMPD/missing: No such file or directory"
mkdir "$TMPD/empty"
expect 0 "list an empty directory" "$STEWARD" playbook list --playbooks "$TMPD/empty"
same "empty: said so" "$OUT" "no playbooks: 0 playbooks in $TMPD/empty"

# --- show ---
expect 0 "show" "$STEWARD" playbook show rollback-on-critical-drift
has "show: name" "$OUT" "playbook  rollback-on-critical-drift"
has "show: trigger" "$OUT" "trigger   alert ModelDriftCritical severity=critical"
has "show: digest" "$OUT" "digest    sha256:$(sha256sum "$SHIPPED/rollback-on-critical-drift.playbook" | cut -c1-64)"
has "show: a check" "$OUT" " 2. drift        check  check that the drift of some feature of the model is at least 0.2 (>=)"
has "show: the rollback in words" "$OUT" " 4. rollback     action roll production of the model back to the known-safe version, returning its traffic: \"critical drift on {model} v{version} ({alert})\""
same "show: six steps" "$(printf '%s\n' "$OUT" | grep -c '^ [0-9]\. ')" 6
expect 0 "show --json" "$STEWARD" playbook show degrade-on-latency --json
valid "show --json"
same "show json: step kind" "$(j '$.steps[3].kind')" shift
same "show json: action" "$(j '$.steps[3].action')" 1
same "show json: check" "$(j '$.steps[1].action')" 0
same "show json: line" "$(j '$.steps[0].line')" 9
has "show json: what it does" "$(j '$.steps[3].does')" "send 100% of the live traffic of the model to its previous version"
expect 1 "show an unknown playbook" "$STEWARD" playbook show nothing-like-it
has "show: not found" "$ERR" "no playbook named nothing-like-it in "
expect 1 "show a playbook whose file is broken" "$STEWARD" playbook show broken --playbooks "$PB"
has "show: the broken files mentioned" "$ERR" "no playbook named broken in $PB (5 files there did not load"
expect 0 "show from a directory with broken files" "$STEWARD" playbook show degrade-on-latency --playbooks "$PB"
has "show: the first of two with one name" "$OUT" "file      $PB/degrade-on-latency.playbook"
expect 2 "show without a name" "$STEWARD" playbook show

finish
