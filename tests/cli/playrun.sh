# playrun.sh: steward playbook run|runs|status without servers: a run that stops at a failed check and resumes there, one refused by policy, one that completes (incident, note, rollback, resolve), --yes recorded, a changed playbook refused until --new, runs whose rows were edited refused, roles and --readonly.
. "$STEWARD_TOP/tests/lib.sh"

DB="$TMPD/s.db"
K="$TMPD/people"
P="$TMPD/pol"
B="$TMPD/playbooks"
mkdir -p "$K" "$P" "$B"
export STEWARD_PASSPHRASE=correct-horse-battery-staple XDG_CONFIG_HOME="$TMPD/cfg" STEWARD_PLAYBOOK_DIR="$B"
cp "$STEWARD_TOP"/policies/low.policy "$P/"

as() {
	who=$1
	shift
	"$STEWARD" "$@" --db "$DB" --key "$K/$who.key"
}
run_() { # run_ WHO PLAYBOOK [ARGS]: an unattended run on ranker
	who=$1 pb=$2
	shift 2
	as "$who" playbook run "$pb" --model ranker --yes "$@"
}
production() { store_sql "$DB" "SELECT v.version FROM aliases a JOIN versions v ON v.id = a.version_id WHERE a.alias = 'production'"; }
entries() { store_sql "$DB" "SELECT count(*) FROM ledger WHERE action = '$1'"; }

"$STEWARD" init --db "$DB" --admin ada --admin-key "$("$STEWARD" key gen ada --out "$K/ada.key" >/dev/null && echo "$K/ada.key")" >/dev/null || fail "init"
export STEWARD_KEY="$K/ada.key"
for p in lena:ml-lead mei:ml-lead sami:sre rosa:risk-officer otto:auditor; do
	n=${p%%:*}
	"$STEWARD" key gen "$n" --out "$K/$n.key" >/dev/null || fail "key $n"
	as ada principal add "$n" --role "${p#*:}" --pubkey "$K/$n.key.pub" >/dev/null || fail "add $n"
done
as ada policy enroll "$P/low.policy" >/dev/null || fail "enrol"
"$STEWARD" model add ranker --tier low --owner digital --db "$DB" >/dev/null || fail "model"
printf '## Intended use\nranking\n\n## Evaluation\nheld out\n\n## Limitations\nnone known\n' >"$TMPD/card.md"
for d in 1 2; do
	v=$("$STEWARD" version add ranker --artifact s3://m/ranker --digest "sha256:$(printf '%064d' "$d")" --author j.chen --db "$DB") || fail "version"
	"$STEWARD" metric set ranker "$v" auc 0.91 --dataset holdout --db "$DB" >/dev/null || fail "metric"
	"$STEWARD" card set ranker "$v" --file "$TMPD/card.md" --db "$DB" >/dev/null || fail "card"
done
unset STEWARD_KEY
promote() {
	as lena promote request ranker "$1" --to "$2" >/dev/null || fail "request $1 $2"
	as mei approve "$(store_sql "$DB" "SELECT max(id) FROM requests")" >/dev/null || fail "approve"
	as lena promote apply "$(store_sql "$DB" "SELECT max(id) FROM requests")" >/dev/null || fail "apply"
}
promote 1 staging
promote 1 production
promote 2 staging
promote 2 production

cat >"$B/respond.playbook" <<'PB'
playbook respond
description "Actions only: an incident, a note, the rollback, the incident resolved."
trigger alert ModelErrorRateHigh
step incident: incident open warning "errors on {model} v{version}"
step note:     annotate "rolling {model} back from v{version}"
step rollback: rollback production "errors after the release of v{version}"
step close:    incident resolve "rolled back by {playbook}"
PB
cat >"$B/checked.playbook" <<'PB'
playbook checked
trigger alert ModelErrorRateHigh
step firing:   check firing
step note:     annotate "it fires"
PB

# --- what a run needs ---
expect 2 "without --yes and without a terminal" sh -c "'$STEWARD' playbook run respond --model ranker --db '$DB' --key '$K/sami.key' </dev/null"
has "says to pass --yes" "$ERR" "pass --yes"
expect 2 "--model is required" as sami playbook run respond --yes
expect 1 "an unknown playbook" run_ sami nosuch
has "names the directory" "$ERR" "$B"
expect 1 "an unknown model" as sami playbook run respond --model nosuch --yes
has "names the model" "$ERR" "nosuch"
expect 1 "an auditor may not run a playbook" run_ otto respond
has "names the roles" "$ERR" "otto"
expect 2 "--readonly refuses it" run_ sami respond --readonly
same "nothing recorded so far" "$(entries playbook.start)" 0

# --- a check without data fails; the run stops there and resumes there ---
expect 1 "a check with no signed observation" run_ sami checked
has "stopped at step 1" "$ERR" "stopped at step 1 (firing)"
has "says why" "$OUT" "no signed alert observation of ranker"
expect 0 "runs lists it stopped" "$STEWARD" playbook runs --db "$DB"
has "stopped at 1/2" "$OUT" "stopped  1/2"
expect 1 "run again: resumed at the same step" run_ sami checked
has "resuming" "$OUT" "resuming run 1 of checked on ranker at step 1 of 2"
# edited since: refused until --new
printf '# edited\n' >>"$B/checked.playbook"
expect 1 "the playbook changed since the run started" run_ sami checked
has "names both digests" "$ERR" "but the playbook changed since"
expect 1 "--new starts over, abandoning the old run" run_ sami checked --new
has "a new run" "$OUT" "run 2 of checked"
same "the abandoned run recorded" "$(entries playbook.abandon)" 1
expect 0 "runs --all" "$STEWARD" playbook runs --all --db "$DB" --json
has "run 1 abandoned" "$OUT" '"state": "abandoned"'

# --- rows edited outside steward are not resumed ---
store_sql "$DB" "UPDATE playbook_runs SET next_step = 1, state = 'running' WHERE id = 2"
expect 1 "a skipped check in the row" run_ sami checked
has "the signed ledger says otherwise" "$ERR" "but the signed ledger says stopped at step 1"
store_sql "$DB" "UPDATE playbook_runs SET next_step = 0, state = 'stopped' WHERE id = 2"

# --- an action the policy refuses: the run stops, nothing moves ---
expect 1 "a risk officer's run: the rollback is refused" run_ rosa respond
has "stopped at the rollback" "$ERR" "stopped at step 3 (rollback): refused"
has "the policy's reason" "$OUT" "who"
same "production untouched" "$(production)" 2

# --- a run that completes ---
expect 0 "an SRE resumes the stopped run at the rollback" run_ sami respond
expect 0 "status of the run" "$STEWARD" playbook status 3 --db "$DB" --json
has "rolled back by sami" "$OUT" '"actor": "sami"'
same "production back on v1" "$(production)" 1
expect 0 "the run is done" "$STEWARD" playbook status 3 --db "$DB"
has "done" "$OUT" "done at step 4 of 4"
has "each step recorded with --yes" "$OUT" "(--yes)"
has "the refused attempt kept" "$OUT" "refused"
same "one incident opened and resolved" "$(store_sql "$DB" "SELECT count(*) || ' ' || max(state) FROM incidents")" "1 resolved"
expect 0 "status --json" "$STEWARD" playbook status 3 --db "$DB" --json
has "names the playbook's digest" "$OUT" '"digest": "sha256:'
expect 1 "status of a run that does not exist" "$STEWARD" playbook status 99 --db "$DB"
expect 2 "status of a word" "$STEWARD" playbook status x --db "$DB"
expect 0 "audit verify replays every step" "$STEWARD" audit verify --db "$DB"
finish
