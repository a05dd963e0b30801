# navigation.sh: the habits k9s and htop users bring: a view stack with breadcrumbs, `:` prefixes, Tab, history and a palette, column sort, the mouse, help for the view at hand, columns sized to content.
. "$STEWARD_TOP/tests/lib.sh"

DB="$TMPD/d.db"
export LC_ALL=C.UTF-8
unset NO_COLOR
expect 0 "demo store" "$STEWARD" demo --db "$DB" --no-tui
KEY="$(store_local "$DB" -keys)/rosa.key"
. "$STEWARD_TOP/tests/lib-script.sh"

# --- a stack that remembers: `:` commands push, Esc comes back ---
screen 'jjjjj<Enter><Enter>:approvals<Enter>'
has "breadcrumbs name the path" "$(line 23)" "[fraud-scoring › fraud-scoring v8 › approvals]"
screen 'jjjjj<Enter><Enter>:approvals<Enter><Enter>'
has "a request on top of it all" "$(line 23)" "approvals › #15]"
screen 'jjjjj<Enter><Enter>:approvals<Enter><Esc><Esc>'
has "Esc twice: back on the version" "$(line 23)" "[fraud-scoring]"
screen 'jjjjj<Enter><Enter>:audit<Enter>:keys<Enter><Esc>'
has "Esc from :keys returns to :audit" "$(line 23)" "› audit of fraud-scoring v8]"
screen ':approvals<Enter>:approvals<Enter><Esc>'
has "the same view twice stacks once" "$(line 23)" "[models] "
screen '<Enter><Enter>:approvals<Enter><Enter>:audit<Enter><Enter>' --size 60x24
has "a long path keeps its end in sight" "$(line 23)" "… › "
has "and the view at hand" "$(line 23)" "entry #"
# A full stack forgets its oldest views, never the newest.
screen ':audit<Enter>:keys<Enter>:audit<Enter>:keys<Enter>:audit<Enter>:keys<Enter>:audit<Enter>:keys<Enter>:audit<Enter>:keys<Enter>:audit<Enter>:keys<Enter>:audit<Enter>:keys<Enter>:audit<Enter>:keys<Enter>:audit<Enter>:keys<Enter>:policies<Enter>'
has "a full stack still opens the view" "$(line 23)" "policies]"
lacks "and says nothing about a full stack" "$SCREEN" "too many views"

# --- the : line: prefixes, ambiguity, Tab, history, palette ---
screen ':ap<Enter>'
has ":ap opens approvals" "$(line 23)" "[approvals]"
screen ':pol<Enter>'
has ":pol opens policies" "$(line 23)" "[policies]"
screen ':a<Enter>'
has ":a is ambiguous and says between what" "$(line 23)" ":a could be :approvals, :audit"
screen ':zz<Enter>'
has "an unknown command says so" "$(line 23)" "unknown command :zz"
screen ':ke<Tab>'
same "Tab completes a unique name" "$(line 24)" ":keys"
screen ':a<Tab>'
has "Tab lists the choices" "$(line 23)" ":approvals :audit"
same "and keeps the line" "$(line 24)" ":a"
screen ':x<Tab>'
has "Tab on nothing says so" "$(line 23)" "no command starts with x"
screen ':audit<Enter>:keys<Enter>:<Up>'
same "Up recalls the last line" "$(line 24)" ":keys"
screen ':audit<Enter>:keys<Enter>:<Up><Up>'
same "Up again, the one before" "$(line 24)" ":audit"
screen ':audit<Enter>:keys<Enter>:<Up><Up><Up><Up>'
same "Up stops at the oldest" "$(line 24)" ":audit"
screen ':audit<Enter>:keys<Enter>:po<Up><Down>'
same "Down returns to the line being typed" "$(line 24)" ":po"
screen ':audit<Enter><Esc>:<Up><Enter>'
has "a recalled line runs" "$(line 23)" "[audit]"
screen ':'
has "the palette lists the commands" "$SCREEN" ":approvals  the requests waiting for your decision"
has "with :policies" "$SCREEN" ":policies"
has "the status line stays under it" "$(line 23)" "[models] 1/12"
screen ':ap'
has "the palette narrows as you type" "$SCREEN" ":approvals"
lacks "to what still fits" "$SCREEN" ":audit "
screen ':keys'
lacks "a whole name needs no palette" "$SCREEN" "the keyring: principals"
screen ':ap<Esc>'
lacks "Esc closes the palette" "$SCREEN" ":approvals  pending"

# --- sort ---
screen ''
has "tables hint at sorting" "$(line 24)" "s sort"
screen 's'
has "s sorts by the first column" "$(line 3)" "MODEL▲"
has "and says so" "$(line 23)" "sorted by MODEL"
screen 'sS'
has "S reverses it" "$(line 3)" "MODEL▼"
has "last name first" "$(line 4)" "support-ticket-routing"
has "the selected model stays selected, now last" "$(line 23)" "[models] 12/12"
screen 'ssssssss'
has "past the last column: the view's own order" "$(line 23)" "in the view's own order"
lacks "and no arrow" "$(line 3)" "▲"
screen 'ssssssSg'
has "by VERS, descending" "$(line 3)" "VERS▼"
has "numbers sort as numbers: 8 versions first" "$(line 4)" "fraud-scoring"
screen 'sSg<Enter>'
has "Enter opens the row as sorted" "$(line 23)" "[support-ticket-routing]"
screen '<Enter><Enter>s'
has "a page of text is not a table" "$(line 23)" "nothing to sort here"
lacks "and hints no sort there" "$(line 24)" "s sort"
screen 'ssssss<Enter><Esc>'
has "the sort survives a visit" "$(line 3)" "VERS▲"
screen 's' --size 80x24
expect 0 "ASCII arrows outside UTF-8" env LC_ALL=C "$STEWARD" --db "$DB" --script "$TMPD/keys" --dump "$TMPD/ascii"
has "ASCII: ^ marks the sorted column" "$(sed -n 3p "$TMPD/ascii")" "MODEL^"

# --- the mouse ---
screen '<click 3,6>'
has "a click selects the row under it" "$(line 23)" "[models] 3/12"
screen '<click 3,6><click 3,6>'
has "a second click opens it" "$(line 23)" "[collections-priority]"
screen '<click 3,1><click 3,23><click 3,24><click 80,24>'
has "clicks outside the rows do nothing" "$(line 23)" "[models] 1/12"
screen '<WheelDown><WheelDown>'
has "the wheel scrolls down" "$(line 23)" "[models] 7/12"
screen '<WheelDown><WheelDown><WheelUp>'
has "and up" "$(line 23)" "[models] 4/12"
screen ':ap<click 3,6>'
same "the mouse leaves a line being typed alone" "$(line 24)" ":ap"
printf '<click 0,4>' >"$TMPD/bad"
expect 1 "a click at column 0 is refused" "$STEWARD" --db "$DB" --script "$TMPD/bad" --dump "$TMPD/x"
has "naming the file, line and form" "$ERR" "bad place in <click 0,4>: want <click COL,ROW>"
printf '\n<click 3;4>' >"$TMPD/bad"
expect 1 "a click without a comma is refused" "$STEWARD" --db "$DB" --script "$TMPD/bad" --dump "$TMPD/x"
has "on line 2" "$ERR" "$TMPD/bad:2:"
printf '<Click>' >"$TMPD/bad"
expect 1 "a click with no place is refused" "$STEWARD" --db "$DB" --script "$TMPD/bad" --dump "$TMPD/x"

# --- help for the view at hand ---
screen ':approvals<Enter>?' --key "$KEY" --size 100x60
same "help opens on the view's own keys" "$(line 4)" "In approvals"
has "approve among them, before the rest" "$(printf '%s\n' "$SCREEN" | sed -n '/^In approvals/,/^Everywhere/p')" "approve the selected request"
has "then what works everywhere" "$SCREEN" "Everywhere"
has "then the other views' keys, saying where" "$SCREEN" "in version: request promotion"
screen '?' --size 100x60
lacks "no key: nothing to sign in the help" "$SCREEN" "approve the selected request"
has "the mouse is in the help" "$SCREEN" "mouse: select the row clicked"
screen '?' --size 80x40
has "long help text wraps rather than being cut" "$SCREEN" "(an arrow marks it)"

# --- the header counts what waits for the signed-in principal ---
screen '' --key "$(store_local "$DB" -keys)/ravi.key"
has "the header counts ravi's queue" "$(line 1)" "2 wait for you"
screen ':ap<Enter>' --key "$(store_local "$DB" -keys)/ravi.key"
has "as :approvals does" "$(line 3)" "2 wait for ravi"
screen '' --key "$KEY"
has "nothing waits for rosa" "$(line 1)" "0 wait for you"
screen ''
lacks "no key: no count" "$(line 1)" "wait for you"
STEWARD_PASSPHRASE=demo-passphrase expect 0 "ravi approves one from the CLI" "$STEWARD" approve 12 --db "$DB" --key "$(store_local "$DB" -keys)/ravi.key"
screen '' --key "$(store_local "$DB" -keys)/ravi.key"
has "the count follows the store" "$(line 1)" "1 waits for you"

# --- columns sized to content, usable at 80 columns ---
screen ':approvals<Enter>'
has "whole model names in :approvals" "$(row '#9 ')" "#9 support-ticket-routing  v3"
has "and the requester" "$(row '#9 ')" " lena"
screen ''
has "the longest model name whole at 80 columns" "$SCREEN" "aml-transaction-monitoring "
same "no line wider than 80" "$(($(wc -L <"$TMPD/screen") <= 80))" 1

# --- on a real terminal: the mouse as the terminal reports it ---
SOCK="steward-nav-$$"
WAIT=${STEWARD_TMUX_WAIT:-15}
. "$STEWARD_TOP/tests/lib-tmux.sh"
tm new-session -d -s m -x 80 -y 24 "env LC_ALL=C.UTF-8 TERM=xterm '$STEWARD' --db '$DB'; sleep 60"
wait_for "starts" m "[models] 1/12"
# Mouse reports as xterm sends them in SGR mode (its terminfo's kmous):
# ESC [ < button ; column ; row M, 1-based; button 64 is the wheel down.
tm send-keys -t m -l "$(printf '\033[<0;4;7M')"
wait_for "a click on row 7 selects the fourth model" m "[models] 4/12"
tm send-keys -t m -l "$(printf '\033[<65;4;7M')"
wait_for "the wheel scrolls" m "[models] 7/12"
tm send-keys -t m ':' 'a' 'p' Tab Enter
wait_for "Tab and Enter on a real terminal" m "[approvals]"
tm send-keys -t m ':' Up
wait_for "Up recalls" m ":approvals"
tm send-keys -t m Escape ':q' Enter
i=0
while [ "$i" -lt $((WAIT * 10)) ] && capture m | grep -q "approvals"; do sleep 0.1; i=$((i + 1)); done
if capture m | grep -q "approvals"; then fail ":q quits"; else ok; fi
finish
