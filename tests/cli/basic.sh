# basic.sh: happy paths of every command: init, models, versions, aliases, cards, metrics, demo, help.
. "$STEWARD_TOP/tests/lib.sh"

DB="$TMPD/s.db"
# Alias moves act as an admin: one key for the whole suite.
export STEWARD_PASSPHRASE=correct-horse-battery-staple XDG_CONFIG_HOME="$TMPD/cfg"
export STEWARD_KEY="$TMPD/cfg/steward/keys/root.key"
D0=sha256:0000000000000000000000000000000000000000000000000000000000000000
D1=sha256:1111111111111111111111111111111111111111111111111111111111111111
D2=sha256:2222222222222222222222222222222222222222222222222222222222222222

# --version and help
expect 0 "--version" "$STEWARD" --version
has "--version names the program" "$OUT" "steward 0."
expect 0 "--help" "$STEWARD" --help
for c in "init" "model add NAME" "model list" "model show NAME" "version add MODEL" \
	"version list MODEL" "version show MODEL VERSION" "alias set MODEL ALIAS VERSION" \
	"alias list MODEL" "card set MODEL VERSION" "card show MODEL VERSION" \
	"metric set MODEL VERSION NAME VALUE" "metric list MODEL VERSION" "demo"; do
	has "--help lists $c" "$OUT" "  $c "
done
expect 0 "help" "$STEWARD" help
has "help is --help" "$OUT" "metric set MODEL VERSION NAME VALUE"
expect 0 "help model add" "$STEWARD" help model add
has "help model add: usage" "$OUT" "usage: steward model add NAME --tier TIER --owner OWNER"
expect 0 "model --help" "$STEWARD" model --help
has "model --help lists verbs" "$OUT" "model show NAME"

# every command's --help exits 0 and shows its usage, with no store around
while IFS='|' read -r cmd usage; do
	# shellcheck disable=SC2086
	expect 0 "$cmd --help" "$STEWARD" $cmd --help
	has "$cmd --help usage" "$OUT" "usage: steward $cmd $usage"
	has "$cmd --help --db" "$OUT" "--db PATH"
	has "$cmd --help --json" "$OUT" "--json"
	# shellcheck disable=SC2086
	expect 0 "$cmd -h" "$STEWARD" $cmd -h
done <<'CMDS'
init|[--admin NAME] [--admin-key FILE] [--group GROUP] [--group-logkey] [global options]
model add|NAME --tier TIER --owner OWNER [--description TEXT] --key FILE [global options]
model list|[--since WHEN] [--limit N] [global options]
model show|NAME [global options]
version add|MODEL --artifact URI --digest sha256:HEX [--author NAME] [--run ID] --key FILE [global options]
version list|MODEL [--since WHEN] [--limit N] [global options]
version show|MODEL VERSION [global options]
alias set|MODEL ALIAS VERSION --key FILE [global options]
alias list|MODEL [global options]
card set|MODEL VERSION --file CARD.md --key FILE [global options]
card show|MODEL VERSION [global options]
metric set|MODEL VERSION NAME VALUE [--dataset D] [--slice S] --key FILE [global options]
metric list|MODEL VERSION [global options]
demo|[--no-tui] [global options]
CMDS
expect 0 "help after the positionals" "$STEWARD" model show fraud --help --db "$TMPD/nowhere.db"
has "help wins over a missing store" "$OUT" "usage: steward model show NAME"

# init: creates, then reports the existing store
expect 0 "init" "$STEWARD" init --db "$DB"
has "init says created" "$OUT" "created store at $(store_uri "$DB")"
expect 0 "init again" "$STEWARD" init --db "$DB"
has "init again says exists" "$OUT" "already exists at $(store_uri "$DB")"
expect 0 "init --admin on the existing store" "$STEWARD" init --db "$DB" --admin root
has "init --admin says keyring" "$OUT" "keyring version 1: root is admin"
expect 0 "init with STEWARD_DB" env STEWARD_DB="$TMPD/env.db" "$STEWARD" init
has "init uses STEWARD_DB" "$OUT" "$(store_uri "$TMPD/env.db")"
expect 0 "init with XDG_DATA_HOME" env XDG_DATA_HOME="$TMPD/xdg" "$STEWARD" init
has "init under XDG" "$OUT" "$(store_uri "$TMPD/xdg/steward/steward.db")"
# the store is its owner's alone, whatever the umask (test_store checks its -wal and -shm files)
if sqlite_only 3 "the store's file and folder"; then
	[ -f "$TMPD/xdg/steward/steward.db" ] && ok || fail "XDG store file missing"
	same "new store is 0600" "$(stat -c %a "$DB")" 600
	same "store directory is 0700" "$(stat -c %a "$TMPD/xdg/steward")" 700
fi
expect 0 "init under umask 000" sh -c "umask 000 && exec '$STEWARD' init --db '$TMPD/um/u.db' --admin umroot"
same "umask 000: log key is 0600" "$(stat -c %a "$(store_local "$TMPD/um/u.db" .logkey)")" 600
if sqlite_only 2 "the store's file and folder"; then
	same "umask 000: store is 0600" "$(stat -c %a "$TMPD/um/u.db")" 600
	same "umask 000: directory is 0700" "$(stat -c %a "$TMPD/um")" 700
fi
expect 0 "a write under umask 000" sh -c "umask 000 && exec '$STEWARD' model add um --tier low --owner o --db '$TMPD/um/u.db' --key '$TMPD/cfg/steward/keys/umroot.key'"
if sqlite_only 1 "the store's file"; then
	same "umask 000: still 0600 after a write" "$(stat -c %a "$TMPD/um/u.db")" 600
fi

# models
expect 0 "model add fraud" "$STEWARD" model add fraud-scoring --tier high --owner risk-team \
	--description "Scores card payments" --db "$DB"
has "model add says" "$OUT" "added model fraud-scoring"
expect 0 "model add churn, --opt=value, options first" "$STEWARD" model add --db="$DB" \
	--tier=medium --owner=growth churn
expect 0 "model add, -- ends options" "$STEWARD" model add --tier low --owner search --db "$DB" \
	-- search.rank_v2
expect 0 "global --db before the command" "$STEWARD" --db "$DB" model add credit-limit \
	--tier critical --owner credit
expect 0 "model list" "$STEWARD" model list --db "$DB"
has "model list header" "$OUT" "NAME"
has "model list header columns" "$OUT" "PRODUCTION"
has "model list fraud" "$OUT" "fraud-scoring"
has "model list churn" "$OUT" "churn"
has "model list search" "$OUT" "search.rank_v2"
has "model list critical" "$OUT" "critical"
has "model list time" "$OUT" "2026-01-01T00:00:00Z"
same "model list rows" "$(printf '%s\n' "$OUT" | wc -l)" 5
expect 0 "model show" "$STEWARD" model show fraud-scoring --db "$DB"
has "model show tier" "$OUT" "high"
has "model show owner" "$OUT" "risk-team"
has "model show description" "$OUT" "Scores card payments"
has "model show created" "$OUT" "2026-01-01T00:00:00Z"

# versions are numbered 1, 2, 3
expect 0 "version add 1" "$STEWARD" version add fraud-scoring --artifact s3://models/fraud/1 \
	--digest "$D0" --author ana --run run-17 --db "$DB"
same "version add prints 1" "$OUT" 1
expect 0 "version add 2" "$STEWARD" version add fraud-scoring --artifact s3://models/fraud/2 \
	--digest "$D1" --db "$DB"
same "version add prints 2" "$OUT" 2
expect 0 "version add 3" "$STEWARD" version add fraud-scoring --artifact s3://models/fraud/3 \
	--digest "$D2" --author bo --db "$DB"
same "version add prints 3" "$OUT" 3
expect 0 "version add other model starts at 1" "$STEWARD" version add churn \
	--artifact file:/srv/churn.onnx --digest "$D0" --db "$DB"
same "other model version 1" "$OUT" 1
expect 0 "version list" "$STEWARD" version list fraud-scoring --db "$DB"
has "version list header" "$OUT" "VERSION"
has "version list author" "$OUT" "ana"
has "version list short digest" "$OUT" "sha256:111111111111"
same "version list rows" "$(printf '%s\n' "$OUT" | wc -l)" 4
expect 0 "version show" "$STEWARD" version show fraud-scoring 1 --db "$DB"
has "version show artifact" "$OUT" "s3://models/fraud/1"
has "version show digest" "$OUT" "$D0"
has "version show run" "$OUT" "run-17"
has "version show created" "$OUT" "2026-01-01T00:00:00Z"

# aliases set and move
expect 0 "alias set production 2" "$STEWARD" alias set fraud-scoring production 2 --db "$DB"
has "alias set says" "$OUT" "production"
expect 0 "alias set staging 3" "$STEWARD" alias set fraud-scoring staging 3 --db "$DB"
expect 0 "alias list" "$STEWARD" alias list fraud-scoring --db "$DB"
has "alias list header" "$OUT" "ALIAS"
has "alias list production" "$OUT" "production  2"
has "alias list staging" "$OUT" "staging     3"
expect 0 "alias move production to 3" "$STEWARD" alias set fraud-scoring production 3 --db "$DB"
has "alias move says from" "$OUT" "from version 2 to 3"
expect 0 "alias list after move" "$STEWARD" alias list fraud-scoring --db "$DB"
has "production moved" "$OUT" "production  3"
lacks "production no longer 2" "$OUT" "production  2"
expect 0 "version list shows aliases" "$STEWARD" version list fraud-scoring --db "$DB"
has "aliases on version 3" "$OUT" "production"
expect 0 "model list after aliases" "$STEWARD" model list --db "$DB"
has "model list production/staging" "$OUT" "fraud-scoring   high      3*          3*       3"
has "model list: the legend on stderr" "$ERR" "* ungoverned: not placed there by a promotion that passed its gate"
expect 0 "model show names who moved it" "$STEWARD" model show fraud-scoring --db "$DB"
has "ungoverned line" "$OUT" "ungoverned:   production=3 by root at #"
expect 0 "model show --json" "$STEWARD" model show fraud-scoring --db "$DB" --json
same "ungoverned in JSON" "$(j '$.ungoverned.production.action')" alias.set
expect 0 "model show after aliases" "$STEWARD" model show fraud-scoring --db "$DB"
has "model show production" "$OUT" "production:   3"
has "model show versions" "$OUT" "versions:     3"

# model cards
cat >"$TMPD/card.md" <<'CARD'
# Fraud scoring

Scores every card payment in real time.

## Intended use
Decline or step-up authentication for card payments.

## Evaluation
AUC 0.91 on the 2025-Q4 holdout.

Per-region figures below.
CARD
expect 0 "card set" "$STEWARD" card set fraud-scoring 3 --file "$TMPD/card.md" --db "$DB"
has "card set counts sections" "$OUT" "3 sections"
has "card set names missing" "$OUT" "Limitations"
expect 0 "card show" "$STEWARD" card show fraud-scoring 3 --db "$DB"
has "card show summary" "$OUT" "## Summary"
has "card show summary text" "$OUT" "Scores every card payment"
has "card show heading" "$OUT" "## Intended use"
has "card show body" "$OUT" "Decline or step-up"
has "card show evaluation" "$OUT" "## Evaluation"
has "card show multi-paragraph" "$OUT" "Per-region figures below."
has "card show missing" "$OUT" "missing required sections: Training data, Limitations, Ethical considerations"
lacks "card show: present sections are not missing" "$OUT" "missing required sections: Intended use"
expect 0 "card show of a version without a card" "$STEWARD" card show fraud-scoring 1 --db "$DB"
has "no card says so" "$OUT" "no model card"
has "no card lists all missing" "$OUT" "Intended use, Training data"
printf '## Intended use\nOnly this.\n' >"$TMPD/card2.md"
expect 0 "card set replaces" "$STEWARD" card set fraud-scoring 3 --file "$TMPD/card2.md" --db "$DB"
expect 0 "card show after replace" "$STEWARD" card show fraud-scoring 3 --db "$DB"
lacks "old section gone" "$OUT" "## Evaluation"
has "new text" "$OUT" "Only this."

# metrics
expect 0 "metric set" "$STEWARD" metric set fraud-scoring 3 auc 0.91 --dataset holdout-2025q4 --db "$DB"
has "metric set says" "$OUT" "auc = 0.91"
expect 0 "metric set slice" "$STEWARD" metric set fraud-scoring 3 auc 0.87 --dataset holdout-2025q4 \
	--slice region=EU --db "$DB"
expect 0 "metric set negative" "$STEWARD" metric set fraud-scoring 3 calibration-shift -0.02 --db "$DB"
expect 0 "metric set exponent" "$STEWARD" metric set fraud-scoring 3 ece 1.5e-3 --db "$DB"
expect 0 "metric set replaces" "$STEWARD" metric set fraud-scoring 3 auc 0.92 --dataset holdout-2025q4 --db "$DB"
expect 0 "metric list" "$STEWARD" metric list fraud-scoring 3 --db "$DB"
has "metric list header" "$OUT" "NAME"
has "metric list value" "$OUT" "0.92"
lacks "metric list replaced value" "$OUT" "0.91"
has "metric list slice" "$OUT" "region=EU"
has "metric list slice value" "$OUT" "0.87"
has "metric list negative" "$OUT" "-0.02"
has "metric list exponent" "$OUT" "0.0015"
same "metric list rows" "$(printf '%s\n' "$OUT" | wc -l)" 5
expect 0 "metric list of a version without metrics" "$STEWARD" metric list fraud-scoring 1 --db "$DB"
same "empty metric list is just the header" "$(printf '%s\n' "$OUT" | wc -l)" 1

# STEWARD_DB is the default store for every command
expect 0 "STEWARD_DB model list" env STEWARD_DB="$DB" "$STEWARD" model list
has "STEWARD_DB used" "$OUT" "fraud-scoring"

# demo: its own file, rebuilt when it is a demo store, never the real store
expect 0 "demo --no-tui" env XDG_DATA_HOME="$TMPD/xdg" STEWARD_DB="$DB" "$STEWARD" demo --no-tui
has "demo says where" "$OUT" "$(store_uri "$TMPD/xdg/steward/demo.db")"
if sqlite_only 1 "the store's file"; then
	[ -f "$TMPD/xdg/steward/demo.db" ] && ok || fail "demo store missing"
fi
expect 0 "demo models" "$STEWARD" model list --db "$TMPD/xdg/steward/demo.db"
has "demo has a critical model" "$OUT" "critical"
has "demo has a low model" "$OUT" "low"
FIRST=$OUT
# The demo replaces a demo store's file; a database that is not empty it refuses.
if sqlite_only 3 "the demo rebuilds its file"; then
	expect 0 "demo again rebuilds" env XDG_DATA_HOME="$TMPD/xdg" "$STEWARD" demo --no-tui
	expect 0 "demo models again" "$STEWARD" model list --db "$TMPD/xdg/steward/demo.db"
	same "demo is deterministic" "$OUT" "$FIRST"
fi
expect 0 "the real store is untouched by demo" "$STEWARD" model list --db "$DB"
same "no demo models in the real store" "$(printf '%s\n' "$OUT" | wc -l)" 5
expect 0 "demo --db" "$STEWARD" demo --no-tui --db "$TMPD/d2.db"
has "demo --db path" "$OUT" "$(store_uri "$TMPD/d2.db")"

# names as MLflow allows them: spaces, dots, quotes; shown as they are, JSON carries them exactly
expect 0 "a name with spaces and a dot" "$STEWARD" model add "Fraud Scoring v2.1" --tier low --owner o --db "$DB"
expect 0 "a name with quotes" "$STEWARD" model add "O'Brien \"credit\"" --tier low --owner o --db "$DB"
expect 0 "its version" "$STEWARD" version add "Fraud Scoring v2.1" --artifact s3://m/fs --digest "sha256:$(printf x | sha256sum | cut -c1-64)" --db "$DB"
expect 0 "shown by name" "$STEWARD" model show "Fraud Scoring v2.1" --db "$DB"
has "as it is" "$OUT" "Fraud Scoring v2.1"
expect 0 "listed as JSON" "$STEWARD" model list --json --db "$DB"
has "JSON carries the quotes" "$OUT" '"O'"'"'Brien \"credit\""'
expect 0 "its version list" "$STEWARD" version list "Fraud Scoring v2.1" --json --db "$DB"
same "its version" "$(j '$[0].version')" 1

# the console: the command line hands its options over (script mode, so no terminal needed)
: >"$TMPD/keys"
expect 0 "console script mode" "$STEWARD" --db "$DB" --script "$TMPD/keys" --dump "$TMPD/screen" --size 100x30
same "console dump has --size rows" "$(wc -l <"$TMPD/screen" | tr -d ' ')" 30
has "console dump shows the store" "$(cat "$TMPD/screen")" "fraud-scoring"
expect 0 "console --readonly, options in any order" "$STEWARD" --readonly --dump "$TMPD/screen2" \
	--script="$TMPD/keys" --db="$DB"
same "console default size" "$(wc -l <"$TMPD/screen2" | tr -d ' ')" 24

finish
