# script.sh: the console in headless script mode (--script KEYS --dump SCREEN) on the demo estate.
. "$STEWARD_TOP/tests/lib.sh"

DB="$TMPD/d.db"
export LC_ALL=C.UTF-8
unset NO_COLOR
expect 0 "demo store" "$STEWARD" demo --db "$DB" --no-tui

# screen KEYS [ARGS...]: runs a scripted session; the screen lands in $SCREEN.
. "$STEWARD_TOP/tests/lib-script.sh"

# models list: header, models, tiers, production versions
screen ''
# (A database's URI is longer than the header: it shows its start.)
if [ "$STORE_ENGINE" = postgres ]; then
	has "header names the store" "$(line 1)" "store: $(store_uri "$DB" | cut -c1-24)"
else
	has "header names the store" "$(line 1)" "store: $DB"
fi
has "header counts models" "$(line 1)" "12 models"
has "no identity without --key" "$(line 2)" "identity: none (start with --key FILE to sign)"
has "demo ledger verified" "$(line 2)" "ledger verified to #"
has "column headings" "$(line 3)" "MODEL"
has "tier heading" "$(line 3)" "TIER"
has "lists fraud-scoring" "$SCREEN" "fraud-scoring"
has "lists credit-limit" "$SCREEN" "credit-limit"
has "tier high" "$(printf '%s\n' "$SCREEN" | grep '^fraud-scoring ')" " high "
has "tier critical" "$(printf '%s\n' "$SCREEN" | grep '^credit-limit ')" " critical "
has "tier low" "$(printf '%s\n' "$SCREEN" | grep '^search-ranking ')" " low "
has "tier medium" "$(printf '%s\n' "$SCREEN" | grep '^churn-propensity ')" " medium "
has "production version" "$(printf '%s\n' "$SCREEN" | grep '^fraud-scoring ')" " v7 "
has "status: view and position" "$(line 23)" "[models] 1/12"
has "key hints" "$(line 24)" "? help"
same "24 rows" "$(wc -l <"$TMPD/screen" | tr -d ' ')" 24
same "no trailing spaces" "$(grep -c ' $' "$TMPD/screen")" 0

# j moves, Enter opens the model detail with versions, aliases and short digests
screen 'j'
has "j moves down" "$(line 23)" "[models] 2/12"
screen 'jjjjj<Enter>'
has "model detail title" "$(line 3)" "fraud-scoring"
has "model detail tier and owner" "$(line 3)" "high  owner: fraud-ops"
# the aliases' history comes first (tests/tui/auditor.sh), then the versions
has "alias history above" "$(line 5)" "production v7   since"
has "versions heading" "$(line 7)" "DIGEST"
has "newest version first" "$(line 8)" "v8      staging"
has "an ungoverned alias is marked" "$(line 8)" "v8      staging*"
has "production alias" "$SCREEN" "v7      production"
has "short digest" "$(line 8)" "sha256:"
same "digest is short" "$(line 8 | grep -o 'sha256:[0-9a-f]*' | wc -c | tr -d ' ')" 16
has "status: model view" "$(line 23)" "[fraud-scoring] 1/8"
same "no line wider than 80" "$(($(wc -L <"$TMPD/screen") <= 80))" 1

# Enter again: version detail with card sections, (missing), and metrics
screen 'jjjjj<Enter><Enter>' --size 100x60
has "version title" "$(line 3)" "fraud-scoring v8 staging"
has "card heading" "$SCREEN" "Model card"
has "card section" "$SCREEN" "## Intended use"
has "missing section marked" "$(printf '%s\n' "$SCREEN" | grep -A1 '## Limitations')" "(missing)"
has "extra section shown" "$SCREEN" "## Changes"
has "metrics heading" "$SCREEN" "Metrics"
has "metrics table" "$SCREEN" "METRIC"
has "metric row" "$(printf '%s\n' "$SCREEN" | grep '^auc ' | head -n 1)" "holdout-2026q1"
has "metric slice" "$SCREEN" "channel=ecom"
has "status: version view" "$(line 59)" "[fraud-scoring › fraud-scoring v8]"

# Esc goes back through the stack; q goes back too; the selection is kept
screen 'jjjjj<Enter><Enter><Esc>'
has "Esc back to model" "$(line 23)" "[fraud-scoring]"
screen 'jjjjj<Enter><Enter><Esc><Esc>'
has "Esc back to models" "$(line 23)" "[models] 6/12"
screen 'jjjjj<Enter>q'
has "q goes back" "$(line 23)" "[models] 6/12"
# A : command opens its view on top of the stack: Esc comes back.
screen 'jjjjj<Enter><Enter>:models<Enter>'
has ":models opens the list on top" "$(line 23)" "[fraud-scoring › fraud-scoring v8 › models] 1/12"
has ":models shows models" "$SCREEN" "credit-limit"
screen 'jjjjj<Enter><Enter>:models<Enter><Esc>'
has "Esc comes back from :models" "$(line 23)" "[fraud-scoring › fraud-scoring v8]"
screen ':models<Enter>'
has ":models on the models list stacks nothing" "$(line 23)" "[models] 1/12"
ROWS=$(printf '%s\n' "$SCREEN" | sed -n 3,22p)
# From deep in the stack, :models is the root's list copied (it is still
# fresh): the same rows, with its own filter, order and selection.
screen '/credit<Enter>sjj<Enter>:models<Enter>'
has ":models over a filtered, sorted root" "$(line 23)" "models] 1/12"
lacks "without the root's filter" "$(line 23)" "filter:"
same "the rows a fresh load shows, in its order" "$(printf '%s\n' "$SCREEN" | sed -n 3,22p)" "$ROWS"

# / filters incrementally and case-insensitively; Enter keeps, Esc clears
screen '/FrAuD'
has "typed filter shown" "$(line 24)" "/FrAuD"
has "filter keeps fraud-scoring" "$SCREEN" "fraud-scoring"
lacks "filter drops credit-limit" "$SCREEN" "credit-limit"
has "status shows filter" "$(line 23)" "filter: FrAuD"
has "status counts matches" "$(line 23)" "1/1 of 12"
screen '/credit<Enter>'
has "filter kept after Enter" "$SCREEN" "credit-limit"
lacks "kept filter drops fraud" "$SCREEN" "fraud-scoring"
has "kept filter hints again" "$(line 24)" "? help"
screen '/credit<Esc>'
has "Esc clears the filter" "$SCREEN" "fraud-scoring"
has "Esc clears the filter, keeps the row" "$(line 23)" "[models] 4/12"
screen '/cred<BS><BS><BS><BS>'
has "BS edits the filter" "$SCREEN" "fraud-scoring"
screen '/zzzz<Enter>'
has "empty filter result" "$SCREEN" "nothing matches /zzzz"
screen '/credit<Enter><Enter>'
has "Enter on a filtered row opens it" "$(line 3)" "credit-limit"

# ? shows help from the key table, with every key and command
screen '?' --size 100x80
for k in "j, Down" "k, Up" "g, Home" "G, End" PgDn PgUp Enter Esc "/ " ": " "? " "q " \
	":help" ":models" ":approvals" ":audit" ":keys" ":q, :quit" BS "n, Esc"; do
	has "help lists $k" "$SCREEN" "$k"
done
has "help status" "$(line 79)" "[help]"
screen '?<Esc>'
has "Esc leaves help" "$(line 23)" "[models]"
screen ':help<Enter>'
has ":help opens help" "$(line 23)" "[help]"

# g/G, Home/End, PgDn/PgUp, arrows
screen 'G'
has "G goes to the last row" "$(line 23)" "12/12"
screen 'Gg'
has "g goes to the first row" "$(line 23)" "1/12"
screen '<End><Up><Up>'
has "End and Up" "$(line 23)" "10/12"
screen '<Down><Down><Home>'
has "Home" "$(line 23)" "1/12"
screen '<PgDn>' --size 80x12
has "PgDn pages" "$(line 11)" "[models] 7/12"
screen '<PgDn><PgDn><PgUp>' --size 80x12
has "PgUp pages back" "$(line 11)" "[models] 6/12"

# unknown command and unknown key: a message in the status line, no exit
screen ':foo<Enter>'
has "unknown command message" "$(line 23)" "unknown command :foo"
screen 'Z'
has "unknown key message" "$(line 23)" "no action for key Z"
screen ':q<Enter>jjj'
has ":q stops the script" "$(line 24)" ":q"
has ":q dumps the screen before quitting" "$(line 23)" "[models] 1/12"
screen ':quit<Enter>'
has ":quit quits" "$(line 24)" ":quit"

# resize: 40x12 works, smaller says so, nothing crashes or overflows
screen '<resize 40x12>'
same "40x12 has 12 rows" "$(wc -l <"$TMPD/screen" | tr -d ' ')" 12
has "40x12 still shows models" "$SCREEN" "fraud-scori"
has "40x12 status" "$(line 11)" "[models] 1/12"
screen '<resize 40x12>jjjjj<Enter><Enter>G<resize 20x5>'
has "20x5 too small" "$SCREEN" "terminal too small"
screen '<resize 20x5>jk<resize 40x12><resize 1x1><resize 120x50>jjjjj<Enter><Enter>'
has "survives 1x1 and grows back" "$(line 3)" "fraud-scoring v8"
screen '<resize 40x12>jjjjj<Enter><Enter><PgDn><PgDn><PgDn><PgDn>'
has "narrow version view" "$(line 11)" "fraud-scoring v8]"
LC_ALL=C screen '<resize 40x12>jjjjj<Enter><Enter>'
same "narrow lines fit in 40 columns" "$(awk 'length($0) > 40' "$TMPD/screen")" ""
LC_ALL=C screen 'jjjjj<Enter><Enter>' --size 80x24
same "lines fit in 80 columns" "$(awk 'length($0) > 80' "$TMPD/screen")" ""

# NO_COLOR and the ASCII fallback
NO_COLOR=1 screen 'jjjjj<Enter>'
has "NO_COLOR runs" "$(line 3)" "fraud-scoring"
screen ''
has "UTF-8 glyphs by default" "$(line 1)" "│"
LANG=C LC_ALL=C screen '<resize 40x12>'
same "ASCII fallback: no UTF-8 bytes" "$(LC_ALL=C tr -d '\000-\177' <"$TMPD/screen" | wc -c | tr -d ' ')" 0
has "ASCII fallback: ellipsis" "$SCREEN" "..."
has "ASCII fallback: bar" "$(line 1)" "steward | store"

# script syntax: comments, newlines ignored, named keys case-insensitive, <lt>
printf '# go to fraud-scoring\njjj\njj\n<enter>\n' >"$TMPD/keys"
expect 0 "multi-line script" "$STEWARD" --db "$DB" --script "$TMPD/keys" --dump "$TMPD/screen"
has "multi-line script result" "$(sed -n 3p "$TMPD/screen")" "fraud-scoring"
screen '/<lt>'
has "<lt> types <" "$(line 24)" "/<"

# bad scripts: exit 1, message naming the file and line
printf 'jj\n\n<Bogus>\n' >"$TMPD/bad"
expect 1 "unknown script key" "$STEWARD" --db "$DB" --script "$TMPD/bad" --dump "$TMPD/screen"
has "bad key names file and line" "$ERR" "$TMPD/bad:3"
has "bad key names the token" "$ERR" "<Bogus>"
printf 'j<Enter' >"$TMPD/bad"
expect 1 "unterminated <" "$STEWARD" --db "$DB" --script "$TMPD/bad" --dump "$TMPD/screen"
has "unterminated names line" "$ERR" "$TMPD/bad:1"
printf '<resize 0x0>' >"$TMPD/bad"
expect 1 "bad resize" "$STEWARD" --db "$DB" --script "$TMPD/bad" --dump "$TMPD/screen"
has "bad resize message" "$ERR" "resize"
expect 1 "missing script file" "$STEWARD" --db "$DB" --script "$TMPD/nope" --dump "$TMPD/screen"
has "missing script named" "$ERR" "$TMPD/nope"
printf 'j' >"$TMPD/keys"
expect 1 "unwritable dump" "$STEWARD" --db "$DB" --script "$TMPD/keys" --dump "$TMPD/no/dir/screen"
has "unwritable dump named" "$ERR" "$TMPD/no/dir/screen"

# a store that does not exist: a clear error, and nothing is created
expect 1 "missing store" "$STEWARD" --db "$TMPD/none.db" --script "$TMPD/keys" --dump "$TMPD/screen"
has "missing store named" "$ERR" "$(store_uri "$TMPD/none.db")"
same "missing store not created" "$(ls "$TMPD" | grep -c none.db)" 0
printf 'not a database at all, just text\n%.0s' 1 2 3 4 5 6 7 8 >"$TMPD/junk.db"
expect 1 "garbage store" "$STEWARD" --db "$TMPD/junk.db" --script "$TMPD/keys" --dump "$TMPD/screen"

# the console outside a terminal refuses rather than hanging
expect 1 "no terminal" "$STEWARD" --db "$DB" </dev/null
has "no terminal message" "$ERR" "terminal"

# an empty store shows a hint instead of a blank screen
expect 0 "empty store" "$STEWARD" init --db "$TMPD/e.db"
printf 'jk<Enter>' >"$TMPD/keys"
expect 0 "empty store session" "$STEWARD" --db "$TMPD/e.db" --script "$TMPD/keys" --dump "$TMPD/screen"
has "empty store hint" "$(cat "$TMPD/screen")" "no models yet"

# wide and long text never overflows a line (display width, via wc -L)
W="$TMPD/w.db"
D1=sha256:1111111111111111111111111111111111111111111111111111111111111111
LONG=$(printf 'a-very-long-owner-name-%.0s' 1 2 3 4 5 6)
export STEWARD_PASSPHRASE=wide-passphrase XDG_CONFIG_HOME="$TMPD/wcfg"
expect 0 "wide: init" "$STEWARD" init --db "$W" --admin wide
export STEWARD_KEY="$TMPD/wcfg/steward/keys/wide.key"
expect 0 "wide: model" "$STEWARD" model add --db "$W" wide-text --tier critical \
	--owner "Zoë 数据团队 $LONG" --description "说明 $(printf '很长的描述文字%.0s' 1 2 3 4 5 6 7 8 9 10) end"
expect 0 "wide: version" "$STEWARD" version add --db "$W" wide-text --artifact s3://b/$LONG --digest $D1 \
	--author "作者 $LONG"
printf '## Intended use\n%s\n\n## Notes\n%s\n' "$(printf '模型卡片内容 😀 %.0s' 1 2 3 4 5 6 7 8 9 10 11 12)" \
	"$(printf 'x%.0s' $(seq 1 300))" >"$TMPD/card.md"
expect 0 "wide: card" "$STEWARD" card set --db "$W" wide-text 1 --file "$TMPD/card.md"
for size in 80x24 40x12 57x13; do
	cols=${size%x*}
	for keys in '' '<Enter>' '<Enter><Enter>' '<Enter><Enter>G'; do
		printf '%s' "$keys" >"$TMPD/keys"
		expect 0 "wide $size $keys" "$STEWARD" --db "$W" --script "$TMPD/keys" --dump "$TMPD/screen" --size "$size"
		same "wide $size $keys: fits" "$(($(wc -L <"$TMPD/screen") <= cols))" 1
	done
done
printf '<Enter><Enter>' >"$TMPD/keys"
expect 0 "wide card" "$STEWARD" --db "$W" --script "$TMPD/keys" --dump "$TMPD/screen"
has "wide text shown" "$(cat "$TMPD/screen")" "模型卡片内容"

# --readonly is shown in the header
printf '' >"$TMPD/keys"
expect 0 "readonly session" "$STEWARD" --db "$DB" --readonly --script "$TMPD/keys" --dump "$TMPD/screen"
has "readonly marker" "$(sed -n 1p "$TMPD/screen")" "[--readonly]"

finish
