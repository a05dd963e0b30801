# json.sh: --json output of every command: valid JSON with stable field names and types.
. "$STEWARD_TOP/tests/lib.sh"

DB="$TMPD/s.db"
export STEWARD_PASSPHRASE=correct-horse-battery-staple XDG_CONFIG_HOME="$TMPD/cfg"
export STEWARD_KEY="$TMPD/cfg/steward/keys/root.key"
D0=sha256:0000000000000000000000000000000000000000000000000000000000000000
D1=sha256:1111111111111111111111111111111111111111111111111111111111111111


expect 0 "init --json" "$STEWARD" init --json --db "$DB"
valid "init"
same "init path" "$(j '$.path')" "$(store_uri "$DB")"
same "init created" "$(jtype '$.created')" true
expect 0 "init --admin --json" "$STEWARD" init --json --db "$DB" --admin root
valid "init --admin"
same "init admin" "$(j '$.admin')" root
same "init admin key" "$(j '$.admin_key')" "$STEWARD_KEY"
expect 0 "init --json again" "$STEWARD" init --json --db "$DB"
same "init again not created" "$(jtype '$.created')" false

expect 0 "model list --json empty" "$STEWARD" model list --json --db "$DB"
valid "empty model list"
same "empty model list is []" "$(jtype '$')" array
same "empty model list has no element" "$(jtype '$[0]')" ""

expect 0 "model add --json" "$STEWARD" model add fraud --tier high --owner "Risk Team ✓" \
	--description 'Says "no" to fraud' --json --db "$DB"
valid "model add"
same "model add name" "$(j '$.name')" fraud
same "model add tier" "$(j '$.tier')" high
same "model add owner (UTF-8)" "$(j '$.owner')" "Risk Team ✓"
same "model add description (quotes)" "$(j '$.description')" 'Says "no" to fraud'
"$STEWARD" model add churn --tier low --owner growth --db "$DB" >/dev/null
for n in 1 2; do
	eval d=\$D$((n - 1))
	expect 0 "version add --json $n" "$STEWARD" version add fraud --artifact "s3://m/$n" --digest "$d" \
		--author ana --run "run-$n" --json --db "$DB"
	valid "version add $n"
	same "version add model" "$(j '$.model')" fraud
	same "version add number" "$(j '$.version')" "$n"
	same "version add number is an integer" "$(jtype '$.version')" integer
done
expect 0 "alias set --json" "$STEWARD" alias set fraud production 1 --json --db "$DB"
valid "alias set"
same "alias set alias" "$(j '$.alias')" production
same "alias set version" "$(j '$.version')" 1
same "alias set previous" "$(jtype '$.previous')" null
expect 0 "alias move --json" "$STEWARD" alias set fraud production 2 --json --db "$DB"
same "alias move previous" "$(j '$.previous')" 1

expect 0 "model list --json" "$STEWARD" model list --json --db "$DB"
valid "model list"
same "model list is an array" "$(jtype '$')" array
same "model list order" "$(j '$[0].name') $(j '$[1].name')" "churn fraud"
for f in name tier owner description; do
	same "model list $f is text" "$(jtype "\$[1].$f")" text
done
same "model list versions" "$(j '$[1].versions')" 2
same "model list production" "$(j '$[1].production')" 2
same "model list staging is null" "$(jtype '$[1].staging')" null
same "model list last_change" "$(j '$[1].last_change')" "2026-01-01T00:00:00Z"
same "model list churn no versions" "$(j '$[0].versions')" 0

expect 0 "model show --json" "$STEWARD" model show fraud --json --db "$DB"
valid "model show"
same "model show name" "$(j '$.name')" fraud
same "model show tier" "$(j '$.tier')" high
same "model show production" "$(j '$.production')" 2
same "model show aliases" "$(j '$.aliases.production')" 2
same "model show created" "$(j '$.created')" "2026-01-01T00:00:00Z"

expect 0 "version list --json" "$STEWARD" version list fraud --json --db "$DB"
valid "version list"
same "version list length" "$(sqlite3 :memory: "SELECT json_array_length(CAST(readfile('$TMPD/json') AS TEXT))")" 2
for f in artifact_uri:text digest:text author:text run_id:text created:text aliases:array version:integer; do
	same "version list ${f%%:*} is ${f#*:}" "$(jtype "\$[0].${f%%:*}")" "${f#*:}"
done
expect 0 "version show --json" "$STEWARD" version show fraud 2 --json --db "$DB"
valid "version show"
same "version show version" "$(j '$.version')" 2
same "version show artifact_uri" "$(j '$.artifact_uri')" "s3://m/2"
same "version show digest" "$(j '$.digest')" "$D1"
same "version show author" "$(j '$.author')" ana
same "version show run_id" "$(j '$.run_id')" run-2
same "version show created" "$(j '$.created')" "2026-01-01T00:00:00Z"
same "version show aliases is an array" "$(jtype '$.aliases')" array
same "version show aliases" "$(j '$.aliases[0]')" production

expect 0 "alias list --json" "$STEWARD" alias list fraud --json --db "$DB"
valid "alias list"
same "alias list alias" "$(j '$[0].alias')" production
same "alias list version" "$(j '$[0].version')" 2
same "alias list updated" "$(j '$[0].updated')" "2026-01-01T00:00:00Z"

printf '## Intended use\nSay "no".\n\n## Evaluation\nAUC\n' >"$TMPD/card.md"
expect 0 "card set --json" "$STEWARD" card set fraud 2 --file "$TMPD/card.md" --json --db "$DB"
valid "card set"
same "card set sections" "$(j '$.sections')" 2
expect 0 "card show --json" "$STEWARD" card show fraud 2 --json --db "$DB"
valid "card show"
same "card show first title" "$(j '$.sections[0].title')" "Intended use"
same "card show first body" "$(j '$.sections[0].body')" 'Say "no".'
same "card show second title" "$(j '$.sections[1].title')" "Evaluation"
same "card show missing is an array" "$(jtype '$.missing')" array
same "card show missing first" "$(j '$.missing[0]')" "Training data"

expect 0 "metric set --json" "$STEWARD" metric set fraud 2 auc 0.91 --dataset holdout --json --db "$DB"
valid "metric set"
same "metric set value" "$(j '$.value')" 0.91
"$STEWARD" metric set fraud 2 recall 0.1 --slice region=EU --db "$DB" >/dev/null
expect 0 "metric list --json" "$STEWARD" metric list fraud 2 --json --db "$DB"
valid "metric list"
has "metric list prints 0.91 exactly" "$OUT" '"value": 0.91,'
has "metric list prints 0.1 exactly" "$OUT" '"value": 0.1,'
same "metric list value is a number" "$(jtype '$[0].value')" real
same "metric list dataset" "$(j '$[0].dataset')" holdout
same "metric list slice" "$(j '$[1].slice')" region=EU

expect 0 "demo --json" "$STEWARD" demo --no-tui --json --db "$TMPD/demo.db"
valid "demo"
same "demo path" "$(j '$.path')" "$(store_uri "$TMPD/demo.db")"
expect 0 "demo model list --json" "$STEWARD" model list --json --db "$TMPD/demo.db"
valid "demo model list"

# errors stay on stderr, even with --json
expect 1 "--json error" "$STEWARD" model show nope --json --db "$DB"
same "--json error: no stdout" "$OUT" ""
has "--json error: stderr" "$ERR" 'no model named "nope"'

finish
