# playbooks.sh: the console on the demo estate: :deployments (the canary in progress, the shadow), :playbooks, x on a firing alert opening the playbook its trigger matches, a run step by step (checks at once, actions confirmed naming what they change, the passphrase asked once), a run stopped and resumed in a later session, and the dispatcher refusing no key, the wrong role and --readonly.
. "$STEWARD_TOP/tests/lib.sh"
. "$STEWARD_TOP/tests/lib-script.sh"

export LC_ALL=C.UTF-8
unset NO_COLOR STEWARD_KEY STEWARD_PASSPHRASE STEWARD_PLAYBOOK_DIR
DB="$TMPD/d.db"
K="$(store_local "$DB" -keys)"
# The demo's clock is real time: its monitoring observations count for two hours from now.
unset STEWARD_NOW
expect 0 "demo store" "$STEWARD_RELEASE" demo --db "$DB" --no-tui
S=$STEWARD_RELEASE
screen_() { # screen_ KEYS [ARGS]: the release console (real time, as the demo's observations)
	printf '%s' "$1" >"$TMPD/keys"
	shift
	rm -f "$TMPD/screen"
	expect 0 "session $(head -c 60 "$TMPD/keys")" "$S" --db "$DB" --script "$TMPD/keys" --dump "$TMPD/screen" "$@"
	SCREEN=$(cat "$TMPD/screen" 2>/dev/null)
}

# --- :deployments ---
screen_ ':deployments<Enter>' --size 120x24
has "the canary's stable version" "$(row 'marketing-uplift *v3')" "live     90%"
has "the canary" "$(row 'marketing-uplift *v4')" "live     10%"
has "the shadow gets a copy" "$(row 'fraud-scoring *v8')" "shadow  copy"
has "the server and plugin" "$(row 'marketing-uplift *v4')" "uplift_be/v4 via haproxy"
has "nothing unapproved" "$SCREEN" "live traffic as steward decided it"
screen_ ':canary<Enter>' --size 120x24
has ":canary is the same view" "$SCREEN" "uplift_be/v3"
# --- :playbooks ---
screen_ ':playbooks<Enter>' --size 140x24
for p in degrade-on-latency rollback-on-critical-drift rollback-on-error-spike; do
	has "lists $p" "$SCREEN" "$p"
done
has "the trigger" "$(row 'rollback-on-critical-drift')" "ModelDriftCritical severity=critical"

# --- x needs a signer ---
screen_ ':alerts<Enter>x' --size 140x24
has "without a key x is refused" "$SCREEN" "start with --key FILE"
screen_ ':alerts<Enter>x' --size 140x24 --key "$K/otto.key"
has "an auditor may not run a playbook" "$SCREEN" "otto holds auditor"
screen_ ':alerts<Enter>x' --size 140x24 --key "$K/sami.key" --readonly
has "--readonly refuses it" "$SCREEN" "read-only"

# --- x on the critical drift alert: its playbook, step by step ---
screen_ ':alerts<Enter>x' --size 140x24 --key "$K/sami.key"
has "the playbook the trigger matches" "$(line 3)" "playbook rollback-on-critical-drift on loan-default-pd"
has "not started" "$(line 4)" "not started"
has "step 1 next" "$(row '^>1')" "check firing"
has "what the rollback will do" "$(row ' 4 rollback')" "roll production of loan-default-pd back"
screen_ ':alerts<Enter>xxdemo-passphrase<Enter><wait>' --size 140x24 --key "$K/sami.key"
has "the check ran at once" "$(row ' 1 firing')" "done"
has "it names who observed it" "$(row ' 1 firing')" "ModelDriftCritical is firing for loan-default-pd (observed by sami)"
has "step 2 is next" "$(row '^>2')" "check drift"
# a second session resumes the run: the passphrase again runs step 2, then x asks about step 3
screen_ ':alerts<Enter>xxdemo-passphrase<Enter><wait>x' --size 140x24 --key "$K/sami.key"
has "step 2 ran in the new session" "$(row ' 2 drift')" "done"
has "an action asks first, naming the change" "$(line 24)" "step 3 of 6, incident: open a critical incident for loan-default-pd"
screen_ ':alerts<Enter>xxdemo-passphrase<Enter>n' --size 140x24 --key "$K/sami.key"
has "declining changes nothing" "$(row '^>3')" "incident open"
screen_ ':alerts<Enter>xxdemo-passphrase<Enter>y<wait>xy<wait>' --size 140x24 --key "$K/sami.key"
has "after the confirmation, the demo's open incident is joined" "$(row ' 3 incident')" "incident 1 of loan-default-pd was already open: joined it"
has "the run stopped at the rollback: no known-safe version" "$(line 4)" "stopped at step 4 of 6"
has "why, named" "$SCREEN" "no other version of loan-default-pd was promoted to production under policy"
expect 0 "the CLI sees the same run" "$STEWARD_RELEASE" playbook runs --db "$DB"
has "stopped at step 4" "$OUT" "stopped  4/6"
expect 0 "its steps, confirmed interactively" "$STEWARD_RELEASE" playbook status 1 --db "$DB"
has "interactive" "$OUT" "(interactive)"

# --- the console finds playbooks where the CLI does: the config's [steward] playbooks ---
mkdir -p "$TMPD/own"
printf 'playbook own-drill\ntrigger alert ModelDriftCritical\nstep firing: check firing\n' >"$TMPD/own/own-drill.playbook"
printf '[steward]\nplaybooks = %s\n' "$TMPD/own" >"$TMPD/cfg"
chmod 600 "$TMPD/cfg"
screen_ ':playbooks<Enter>' --size 140x24 --config "$TMPD/cfg"
has "the configured directory's playbook" "$SCREEN" "own-drill"
lacks "not the shipped ones" "$SCREEN" "degrade-on-latency"
expect 0 "the CLI lists the same" "$STEWARD_RELEASE" playbook list --config "$TMPD/cfg"
has "own-drill" "$OUT" "own-drill"

# --- help lists the keys and commands ---
screen_ ':alerts<Enter>?' --size 140x40 --key "$K/sami.key"
has "x in the help" "$SCREEN" "on a firing alert: the playbooks answering it"
screen_ '?/playbooks' --size 140x40
has ":playbooks in the help" "$SCREEN" ":playbooks"
screen_ '?/deployments' --size 140x40
has ":deployments in the help" "$SCREEN" "which version takes how much live traffic"
finish
