# ledger.sh: the console's background ledger check (in the dump, and live after another writer under tmux) and --timings.
. "$STEWARD_TOP/tests/lib.sh"

export LC_ALL=C.UTF-8
unset NO_COLOR STEWARD_KEY STEWARD_PASSPHRASE
DB="$TMPD/d.db"
expect 0 "demo store" "$STEWARD" demo --db "$DB" --no-tui
expect 0 "ledger size" "$STEWARD" audit log --db "$DB" --json
N=$(j '$[#-1].seq')

# screen KEYS [ARGS...]: a scripted session; the screen lands in $SCREEN.
. "$STEWARD_TOP/tests/lib-script.sh"

# Script mode waits for the background check before the dump, however
# fast the machine: the dump says verified, never verifying.
screen ''
has "dump: verified" "$(line 2)" "ledger verified to #$N"
lacks "dump: not verifying" "$(line 2)" "verifying"
screen 'jjjjj<Enter>'
has "dump after keys: verified" "$(line 2)" "ledger verified to #$N"
# A script that quits: the screen as it was before quitting, header included.
screen ':q<Enter>'
has "quit: verified" "$(line 2)" "ledger verified to #$N"
has "quit: the screen before quitting" "$(line 24)" ":q"
LC_ALL=C screen ''
has "ASCII locale: verified" "$(line 2)" "ledger verified to #$N"

# --timings: first paint, each key's redraw (microseconds), then the peak RSS (kB)
screen 'jjk' --timings "$TMPD/t"
same "timings: first paint, 3 keys, peak RSS" "$(wc -l <"$TMPD/t" | tr -d ' ')" 5
same "timings: whole numbers only" "$(grep -cv '^[0-9][0-9]*$' "$TMPD/t")" 0
same "timings: first paint took some time" "$(($(head -n 1 "$TMPD/t") > 0))" 1
same "timings: peak RSS is at least a MB" "$(($(tail -n 1 "$TMPD/t") >= 1024))" 1
screen ':q<Enter>jj' --timings "$TMPD/t"
same "timings: keys stop where the script quits" "$(wc -l <"$TMPD/t" | tr -d ' ')" 4
screen '/fraud<BS><Esc>' --timings "$TMPD/t" --size 120x40
same "timings: filter typing is timed key by key" "$(wc -l <"$TMPD/t" | tr -d ' ')" 10
expect 2 "--timings without --script" "$STEWARD" --db "$DB" --timings "$TMPD/t"
has "--timings without --script: says why" "$ERR" "--timings only applies with --script"
printf 'j' >"$TMPD/keys"
expect 1 "--timings into a missing directory" "$STEWARD" --db "$DB" --script "$TMPD/keys" \
	--dump "$TMPD/screen" --timings "$TMPD/no/such/t"
has "--timings: names the file" "$ERR" "$TMPD/no/such/t"
expect 0 "--help" "$STEWARD" --help
has "--help lists --timings" "$OUT" "--timings FILE"

# On a real terminal: verified once the check reports, and again, without a
# key press, after another writer appends an entry.
SOCK="steward-ledger-$$"
WAIT=${STEWARD_TMUX_WAIT:-15}
. "$STEWARD_TOP/tests/lib-tmux.sh"
tm new-session -d -s main -x 100 -y 24 \
	"env LC_ALL=C.UTF-8 '$STEWARD' --db '$DB' 2>'$TMPD/main.err'; echo \$? >'$TMPD/main.exit'; sleep 60"
wait_for "tmux: verified at start" main "ledger verified to #$N"
STEWARD_PASSPHRASE=demo-passphrase expect 0 "another writer moves an alias" "$STEWARD" alias set fraud-scoring \
	staging 7 --key "$(store_local "$DB" -keys)/ada.key" --db "$DB"
wait_for "tmux: verified again after the change" main "ledger verified to #$((N + 1))"
tm send-keys -t main q
i=0
while [ "$i" -lt $((WAIT * 10)) ] && [ ! -s "$TMPD/main.exit" ]; do
	sleep 0.1
	i=$((i + 1))
done
same "tmux: q quits cleanly" "$(cat "$TMPD/main.exit" 2>/dev/null)" 0
same "tmux: no stderr" "$(cat "$TMPD/main.err")" ""

finish
