# lineage.sh: l and :lineage, the lineage tree upstream and downstream: a diamond, a cycle, references, collapsing, filtering, Enter to a version or a dataset's consumers, markers without colour, 80x24, a cut graph, hostile names, and the version screen's completeness line.
. "$STEWARD_TOP/tests/lib.sh"

SOCK="steward-lineage-$$"
# Sanitizer builds are slower to start and draw.
WAIT=${STEWARD_TMUX_WAIT:-15}
. "$STEWARD_TOP/tests/lib-tmux.sh"
export LC_ALL=C.UTF-8
unset NO_COLOR STEWARD_KEY STEWARD_PASSPHRASE
DB="$TMPD/d.db"
K="$(store_local "$DB" -keys)"
expect 0 "demo store" "$STEWARD" demo --db "$DB" --no-tui
. "$STEWARD_TOP/tests/lib-script.sh"
ESC=$(printf '\033')
status_line() {
	printf '%s\n' "$SCREEN" | tail -n 2 | head -n 1
}
# wait_gone DESC NAME TEXT: polls until TEXT is no longer on the pane.
wait_gone() {
	i=0
	while [ "$i" -lt $((WAIT * 10)) ]; do
		PANE=$(capture "$2")
		case $PANE in *"$3"*) ;; *) ok; return 0 ;; esac
		sleep 0.1
		i=$((i + 1))
	done
	fail "$1: '$3' still there after ${WAIT}s"
}
# tree: the rows of the tree (below the view's header and column titles, above the selected node's detail line).
tree() {
	printf '%s\n' "$SCREEN" | sed -n '6,$p' | sed '$d' | sed '$d' | sed '$d'
}
# rows PATTERN: how many lines of the last screen match PATTERN.
rows() {
	printf '%s\n' "$SCREEN" | grep -c -e "$1"
}

# ---- the demo estate: raw sources, feature tables, training snapshots, runs ----
screen '/loan<Enter>l' --size 80x24
has "demo: production's lineage" "$(line 3)" "upstream of loan-default-pd v3"
has "demo: complete" "$(line 4)" "complete"
has "demo: the training run, named by its job" "$(row 'run     loan-default-pd')" "COMPLETE"
has "demo: the training snapshot" "$(row 'dataset training/loan-default-pd/')" "sha256:"
has "demo: the feature table" "$(row 'dataset features/loan_perf')" "sha256:"
has "demo: the snapshot job" "$(row 'run     snapshot_training_set')" "COMPLETE"
same "demo: raw sources carry no digest, marked" "$(row 'dataset lending.loans' | cut -c1)" "!"
screen '/loan<Enter>l' --size 120x24
has "demo: the run's namespace after its name" "$(row 'run     loan-default-pd')" "loan-default-pd  mlflow://ml-platform"
has "demo: the raw source's database" "$(row 'dataset lending.loans')" "lending.loans  postgres://core-banking"
screen '/loan<Enter>ljj' --size 200x24
has "demo: the snapshot in full" "$(line 22)" "dataset s3://bank-ml-datasets/training/loan-default-pd/"
# aml's training snapshots carry no digest: its lineage rule fails.
screen '/aml<Enter>l' --size 120x24
has "demo: aml incomplete" "$(line 4)" "incomplete: dataset s3://bank-ml-datasets/training/aml-transaction-monitoring/"
same "demo: aml's snapshot marked" "$(row 'dataset training/aml-transaction-monitoring' | cut -c1)" "!"
screen '/aml<Enter><Enter><Enter>' --size 300x50
has "demo: aml's version screen, signed incomplete" "$(row '^Lineage')" "Lineage  incomplete: dataset s3://bank-ml-datasets/training/aml-transaction-monitoring/"
has "demo: who signed it" "$(row '^Lineage')" "has no digest (signed by "
has "demo: the critical rule it feeds" "$(row '^Lineage')" "feeds rule lineage (staging → production), lineage (canary → production) of critical-default v1"
screen '/credit-limit<Enter><Enter><Enter>' --size 200x50
has "demo: credit-limit complete and signed" "$(row '^Lineage')" "Lineage  complete (signed by "
screen '/search<Enter><Enter><Enter>' --size 200x50
has "demo: a low-tier model: no rule reads it" "$(row '^Lineage')" "no rule of low-default v1 reads it"
# fraud-scoring's first try at v8 failed: it shows among the snapshot's consumers.
screen '/fraud<Enter><Enter><Enter>ljj<Enter>' --size 100x30
has "demo: the snapshot's consumers" "$(line 3)" "downstream of dataset s3://bank-ml-datasets/training/fraud-scoring/"
same "demo: the failed run marked" "$(row 'FAIL' | cut -c1)" "x"
has "demo: the run that made v8" "$SCREEN" "v8 staging"
# What depends on a raw source: every loan-default-pd version, oldest first.
screen '/loan<Enter>lG<Enter>' --size 100x60
has "demo: a raw source's consumers" "$(line 3)" "downstream of dataset s3://bank-economics/macro/ecb_scenarios"
same "demo: every version built on it" "$(rows 'model   loan-default-pd')" 5
same "demo: in the order they were made" "$(row 'model   loan-default-pd' | tr -s ' ' | cut -d' ' -f4)" "v1"
has "demo: production among them" "$SCREEN" "v3 production"

# ---- a hand-built estate: a diamond, a cycle, a failed and an unfinished run ----
# ev TYPE N JOB TIME RUNFACETS INPUTS OUTPUTS: one OpenLineage run event (run N).
ev() {
	printf '{"eventType":"%s","eventTime":"%s","run":{"runId":"%08d-0000-4000-8000-000000000000","facets":{%s}},"job":{"namespace":"lab","name":"%s"},"inputs":[%s],"outputs":[%s],"producer":"https://example.test/lineage-suite","schemaURL":"https://openlineage.io/spec/2-0-2/OpenLineage.json#/$defs/RunEvent"}\n' \
		"$1" "$4" "$2" "$5" "$3" "$6" "$7"
}
# ds NS NAME [DIGESTHEX [VERSION]]: a dataset, with its sha256 or a plain version.
ds() {
	if [ -n "${3:-}" ]; then
		printf '{"namespace":"%s","name":"%s","facets":{"version":{"datasetVersion":"sha256:%s"}}}' "$1" "$2" "$3"
	elif [ -n "${4:-}" ]; then
		printf '{"namespace":"%s","name":"%s","facets":{"version":{"datasetVersion":"%s"}}}' "$1" "$2" "$4"
	else
		printf '{"namespace":"%s","name":"%s"}' "$1" "$2"
	fi
}
model() {
	printf '"steward_model":{"name":"%s","version":%s}' "$1" "$2"
}
HA=$(printf 'a%.0s' $(seq 64))
HB=$(printf 'b%.0s' $(seq 64))
HC=$(printf 'c%.0s' $(seq 64))
D1=sha256:1111111111111111111111111111111111111111111111111111111111111111
export STEWARD_PASSPHRASE=demo-passphrase
A="--db $DB --key $K/ada.key"
L="--db $DB --key $K/lena.key"
expect 0 "lab model (critical: its policy has a lineage rule)" "$STEWARD" model add zz-lin --tier critical --owner lab $A
expect 0 "low model" "$STEWARD" model add zz-low --tier low --owner lab $A
expect 0 "model without production" "$STEWARD" model add zz-bare --tier low --owner lab $A
for v in 1 2 3 4; do
	expect 0 "zz-lin v$v" "$STEWARD" version add zz-lin --artifact "s3://lab/$v" --digest $D1 $A
done
expect 0 "zz-low v1" "$STEWARD" version add zz-low --artifact s3://low/1 --digest $D1 $A
expect 0 "zz-bare v1" "$STEWARD" version add zz-bare --artifact s3://bare/1 --digest $D1 $A
expect 0 "production zz-lin v1" "$STEWARD" alias set zz-lin production 1 $A
expect 0 "production zz-low v1" "$STEWARD" alias set zz-low production 1 $A
# src -> ingest -> clean -> feat-left -> left  -\
#                      \-> feat-right -> right -+-> train -> zz-lin v1
#                      \-> backfill (FAIL) -> right
# loopy -> loop -> loopy (a cycle)              -/
# left -> retrain (started, never ended) -> zz-lin v2; left -> train -> zz-lin v3 (complete)
{
	ev COMPLETE 1 ingest 2025-12-01T01:00:00Z "" "$(ds s3://raw src "$HA")" "$(ds lab clean "$HB")"
	ev COMPLETE 2 feat-left 2025-12-01T02:00:00Z "" "$(ds lab clean "$HB")" "$(ds lab left "$HC")"
	ev COMPLETE 3 feat-right 2025-12-01T03:00:00Z "" "$(ds lab clean "$HB")" "$(ds lab right)"
	ev FAIL 4 backfill 2025-12-01T03:30:00Z "" "$(ds lab clean "$HB")" "$(ds lab right)"
	ev COMPLETE 5 loop 2025-12-01T04:00:00Z "" "$(ds lab loopy "" 7)" "$(ds lab loopy "" 7)"
	ev COMPLETE 6 train 2025-12-01T05:00:00Z "$(model zz-lin 1)" "$(ds lab left "$HC"),$(ds lab right),$(ds lab loopy "" 7)" ""
	ev START 7 retrain 2025-12-02T05:00:00Z "$(model zz-lin 2)" "$(ds lab left "$HC")" ""
	ev COMPLETE 8 train 2025-12-03T05:00:00Z "$(model zz-lin 3)" "$(ds lab left "$HC")" ""
	ev COMPLETE 9 train-low 2025-12-03T06:00:00Z "$(model zz-low 1)" "$(ds lab left "$HC")" ""
} >"$TMPD/events.ndjson"
expect 0 "import the lab's events" "$STEWARD" lineage import "$TMPD/events.ndjson" $L
has "import: every event" "$OUT" "9 imported"
# Events for v5 before v5 exists: its lineage is stored but nobody signed it.
ev COMPLETE 10 train 2025-12-04T05:00:00Z "$(model zz-lin 5)" "$(ds lab left "$HC")" "" >"$TMPD/v5.ndjson"
expect 0 "import v5's events first" "$STEWARD" lineage import "$TMPD/v5.ndjson" $L
expect 0 "then zz-lin v5" "$STEWARD" version add zz-lin --artifact s3://lab/5 --digest $D1 $A
unset STEWARD_PASSPHRASE

# The version screen of zz-lin vN (the model view lists versions newest first).
ver() { # ver N KEYS [OPTIONS...]
	keys='/zz-lin<Enter><Enter>'
	n=$((5 - $1))
	while [ "$n" -gt 0 ]; do
		keys="${keys}j"
		n=$((n - 1))
	done
	k=$2
	shift 2
	screen "$keys<Enter>$k" "$@"
}

# ---- l on a version: the tree upstream ----
ver 1 l --size 80x24
has "l: upstream of the version" "$(line 3)" "upstream of zz-lin v1"
has "l: nodes counted once each" "$(line 3)" "12 nodes, some shown twice"
has "l: completeness from the store" "$(line 4)" "incomplete: dataset lab/loopy version 7 has no digest"
has "l: column titles" "$(line 5)" "NODE"
has "l: the root first" "$(line 6)" "model   zz-lin"
has "l: its version and alias" "$(line 6)" "v1 production"
has "l: the run that produced it" "$(line 7)" "run     train  lab"
has "l: the run's state and id" "$(line 7)" "COMPLETE 00000006"
has "l: when it ended" "$(line 7)" "2025-12-01 05:00"
has "l: a dataset it read" "$(line 8)" "dataset left  lab"
has "l: with its digest" "$(line 8)" "sha256:cccccccc"
has "l: crumbs and position" "$(status_line)" "lineage v1] 1/15"
has "l: the selected node in full" "$(line 22)" "model zz-lin v1  sha256:1111"
# Each level indents two columns further: the tree reads without colour.
same "l: the run one level in" "$(line 7 | sed 's/[^ ].*//' | wc -c)" 5
same "l: the dataset two levels in" "$(line 8 | sed 's/[^ ].*//' | wc -c)" 7
# The diamond: clean is read by three runs, expanded once, then referred to.
same "diamond: clean expanded once" "$(rows 'dataset clean  lab *sha256')" 1
same "diamond: and referred to twice" "$(rows 'clean (see above)  lab')" 2
same "diamond: its upstream shown once" "$(rows 'run     ingest  lab')" 1
# The cycle: loop reads and writes loopy 7; the tree ends where it repeats.
same "cycle: loopy expanded once" "$(rows 'dataset loopy  lab *7 no digest')" 1
has "cycle: then a reference back" "$(row 'loopy (see above)  lab')" "↪ dataset loopy (see above)"
# Gaps are marked in a column of their own, so they show without colour.
has "marker: a dataset without a digest" "$(row 'dataset right  lab')" "!"
same "marker: in the first column" "$(row 'dataset right  lab' | cut -c1)" "!"
same "marker: a failed run" "$(row 'run     backfill  lab' | cut -c1)" "x"
has "marker: its state said too" "$(row 'run     backfill  lab')" "FAIL 00000004"
same "marker: none on a complete run" "$(row 'run     feat-left  lab' | cut -c1)" " "
same "marker: none on a digested dataset" "$(row 'dataset left  lab' | cut -c1)" " "
has "hints: the tree's own keys first" "$(printf '%s\n' "$SCREEN" | tail -n 1)" "t up/downstream"
ver 2 l --size 80x24
same "marker: a run that never ended" "$(row 'run     retrain  lab' | cut -c1)" "~"
has "v2: the unfinished run is the gap" "$(line 4)" "incomplete: run 00000007-0000-4000-8000-000000000000 of job lab/retrain"

# ---- no colour, no UTF-8: the same tree in ASCII ----
NO_COLOR=1 LC_ALL=C screen '/zz-lin<Enter>l' --size 80x24
has "ascii: an open branch" "$(line 6)" "- model   zz-lin"
has "ascii: a reference" "$(row 'loopy (see above)  lab')" "= dataset loopy (see above)"
same "ascii: markers unchanged" "$(row 'dataset right  lab' | cut -c1)" "!"
same "ascii: the failed run" "$(row 'run     backfill' | cut -c1)" "x"
lacks "ascii: no UTF-8 glyph" "$SCREEN" "▾"

# ---- :lineage and l without a version ----
screen '/zz-lin<Enter>l' --size 80x24
has "l in the models list: production's lineage" "$(line 3)" "upstream of zz-lin v1"
screen '/zz-lin<Enter>:lineage<Enter>' --size 80x24
has ":lineage in the models list: production's" "$(line 3)" "upstream of zz-lin v1"
screen '/zz-lin<Enter>:lineage 3<Enter>' --size 80x24
has ":lineage VERSION: that version" "$(line 3)" "upstream of zz-lin v3"
has ":lineage VERSION: complete" "$(line 4)" "complete"
screen '/zz-lin<Enter>:lineage 99<Enter>' --size 80x24
has ":lineage: no such version" "$SCREEN" "has no version 99"
has ":lineage: nothing opened" "$(status_line)" "[models]"
screen '/zz-lin<Enter>:lineage nosuch<Enter>' --size 80x24
has ":lineage: unknown alias" "$SCREEN" "zz-lin has no nosuch alias"
screen '/zz-bare<Enter>l' --size 80x24
has "no production: what to do" "$SCREEN" "zz-bare has no production version: open one of its versions"
lacks "no production: nothing opened" "$SCREEN" "upstream of"
screen ':keys<Enter>:lineage<Enter>' --size 80x24
has "no model at hand: what to do" "$SCREEN" "no version here: select a model in :models"
screen ':keys<Enter>l' --size 80x24
has "l without a model: the same" "$SCREEN" "no version here"
screen '/zz-lin<Enter><Enter>jl' --size 80x24
has "l on a version row of the model view" "$(line 3)" "upstream of zz-lin v4"
has "a version without lineage: said" "$(line 4)" "no lineage recorded"
same "a version without lineage: just its node" "$(status_line | sed 's/.*\] //')" "1/1"
# Keys that only the tree has, elsewhere: said, not ignored.
screen '/zz-lin<Enter><Right>' --size 80x24
has "Right elsewhere: no tree" "$SCREEN" "no tree here: l on a version"
screen 't' --size 80x24
has "t elsewhere: still :approvals'" "$SCREEN" "t and H switch what :approvals shows"

# ---- collapsing and expanding ----
screen '/zz-lin<Enter>ljj<Left>' --size 80x24
has "Left: collapses" "$(status_line)" "3/11"
has "Left: a closed glyph" "$(line 8)" "▸ dataset left  lab"
lacks "Left: its rows hidden" "$(tree)" "feat-left"
screen '/zz-lin<Enter>ljj<Left><Left>' --size 80x24
has "Left on a closed node: up to its parent" "$(status_line)" "2/11"
screen '/zz-lin<Enter>ljj<Left><Left><Right>' --size 80x24
has "Right on an open node: steps in" "$(status_line)" "3/11"
screen '/zz-lin<Enter>ljj<Left>+' --size 80x24
has "+: expands" "$(status_line)" "3/15"
has "+: its rows back" "$SCREEN" "run     feat-left  lab"
screen '/zz-lin<Enter>ljj<Left><Right>' --size 80x24
has "Right: expands" "$(status_line)" "3/15"
screen '/zz-lin<Enter>ljj-' --size 80x24
has "-: collapses" "$(status_line)" "3/11"
screen '/zz-lin<Enter>l<Left>' --size 80x24
has "Left on the root: only the root" "$(status_line)" "1/1"
screen '/zz-lin<Enter>l<Left>*' --size 80x24
has "*: every branch under it" "$(status_line)" "1/15"
screen '/zz-lin<Enter>l<Left><Left>' --size 80x24
has "Left on the closed root: stays" "$(status_line)" "1/1"
screen '/zz-lin<Enter>lj<Enter>' --size 80x24
has "Enter on a run: closes it" "$(status_line)" "2/2"
screen '/zz-lin<Enter>lj<Enter><Enter>' --size 80x24
has "Enter on a run again: opens it" "$(status_line)" "2/15"
screen '/zz-lin<Enter>ljjjjjj' --size 120x24
has "detail: a dataset's full name and digest" "$(line 22)" "dataset s3://raw/src  sha256:$HA"
screen '/zz-lin<Enter>lj' --size 120x24
has "detail: a run's id, job and state" "$(line 22)" "run 00000006-0000-4000-8000-000000000000 of lab/train  COMPLETE"
screen '/zz-lin<Enter>ljjjjjjjjjj' --size 120x24
has "detail: a plain version and no digest" "$(line 22)" "dataset lab/right  no digest"
screen '/zz-lin<Enter>ljjjjjjj' --size 120x24
has "detail: a dataset version that is no digest" "$(line 22)" "dataset lab/loopy  version 7  no digest"
screen '/zz-lin<Enter>ljjjjjj<Right>' --size 80x24
has "Right on a leaf: said" "$SCREEN" "s3://raw/src has nothing upstream of it here"
has "Right on a leaf: stays" "$(status_line)" "7/15"

# ---- references: Right goes to where the node is expanded ----
# Row 10 is the reference back to loopy (row 8).
screen '/zz-lin<Enter>ljjjjjjjjj' --size 80x24
has "reference selected" "$(status_line)" "10/15"
screen '/zz-lin<Enter>ljjjjjjjjj<Right>' --size 80x24
has "Right on a reference: its home" "$(status_line)" "8/15"
# Its home hidden under a closed branch: the branches above it open.
screen '/zz-lin<Enter>ljj<Left>jjjjjj' --size 80x24
has "reference to a hidden node" "$(status_line)" "9/11"
has "reference to a hidden node: it is clean" "$(line 14)" "clean (see above)  lab"
screen '/zz-lin<Enter>ljj<Left>jjjjjj<Right>' --size 80x24
has "Right: the branch above it opened" "$(status_line)" "5/15"
has "Right: feat-left shown again" "$SCREEN" "run     feat-left  lab"

# ---- t and Tab: downstream and back ----
screen '/zz-lin<Enter>lt' --size 80x24
has "t: downstream" "$(line 3)" "downstream of zz-lin v1"
has "t: a model is where lineage ends" "$(line 4)" "nothing downstream: lineage ends at a model version"
has "t: said" "$SCREEN" "downstream: what was made from it"
screen '/zz-lin<Enter>lt<Tab>' --size 80x24
has "Tab: back upstream" "$(line 3)" "upstream of zz-lin v1"
has "Tab: the tree as it was" "$(status_line)" "1/15"
screen '/zz-lin<Enter>ljj<Left>tt' --size 80x24
has "t twice: branches stay as they were" "$(status_line)" "1/11"

# ---- Enter: a dataset's consumers, a version's screen ----
# Row 5 is clean: Enter shows what was made from it.
screen '/zz-lin<Enter>ljjjj<Enter>' --size 80x24
has "Enter on a dataset: its consumers" "$(line 3)" "downstream of dataset lab/clean"
has "consumers: the dataset first" "$(line 6)" "dataset clean  lab"
has "consumers: the runs that read it" "$SCREEN" "run     backfill  lab"
has "consumers: the models made from it" "$SCREEN" "model   zz-lin"
has "consumers: every version made from it" "$SCREEN" "v3"
has "consumers: the unfinished retrain" "$SCREEN" "v2"
has "consumers: the low model too" "$SCREEN" "model   zz-low"
has "consumers: crumbs" "$(status_line)" "lineage v1 › lineage clean"
# right is written by two runs and read by train: both paths meet at train.
has "consumers: a node reached twice, referred to" "$SCREEN" "(see above)"
screen '/zz-lin<Enter>ljjjj<Enter>t' --size 80x24
has "t on a dataset: what made it" "$(line 3)" "upstream of dataset lab/clean"
has "t on a dataset: its source" "$SCREEN" "dataset src  s3://raw"
screen '/zz-lin<Enter>ljjjj<Enter><Enter>' --size 80x24
has "Enter on the dataset's own root: said" "$SCREEN" "this is the lineage of lab/clean"
# From the consumers, Enter on a model opens its version's screen.
screen '/zz-lin<Enter>ljjjj<Enter>/zz-low<Enter>G<Enter>' --size 80x24
has "Enter on a model node: its version" "$(line 3)" "zz-low v1"
has "Enter on a model node: crumbs" "$(status_line)" "lineage clean › zz-low v1"
# Opened from the version's screen, Enter on the root goes back to it.
ver 1 'l<Enter>' --size 80x24
has "Enter on the root: back to its screen" "$(status_line)" "zz-lin › zz-lin v1]"
lacks "Enter on the root: not stacked again" "$(status_line)" "lineage"
# l on a model node in a dataset's tree: that version's lineage.
screen '/zz-lin<Enter>ljjjj<Enter>/zz-low<Enter>Gl' --size 80x24
has "l on a model node: its lineage" "$(line 3)" "upstream of zz-low v1"

# ---- / filters: matches with the path to them ----
screen '/zz-lin<Enter>l/right<Enter>' --size 80x24
has "filter: counted" "$(status_line)" "of 15"
has "filter: the match" "$SCREEN" "dataset right  lab"
has "filter: a run matching" "$SCREEN" "run     feat-right  lab"
has "filter: the path to it" "$SCREEN" "run     train  lab"
lacks "filter: the rest hidden" "$(tree)" "loopy"
screen '/zz-lin<Enter>l<Left>/ingest<Enter>' --size 80x24
has "filter: finds a match under a closed branch" "$SCREEN" "run     ingest  lab"
has "filter: with its path" "$SCREEN" "dataset clean  lab"
screen '/zz-lin<Enter>l/no digest<Enter>' --size 80x24
has "filter: the gaps" "$SCREEN" "dataset right  lab"
has "filter: the other gap" "$SCREEN" "dataset loopy  lab"
lacks "filter: no digested dataset" "$(tree)" "clean  lab"
screen '/zz-lin<Enter>l/nothing-like-it<Enter>' --size 80x24
has "filter: no match said" "$SCREEN" "nothing matches /nothing-like-it"
screen '/zz-lin<Enter>l/right<Enter><Esc>' --size 80x24
lacks "Esc: back out of the tree" "$SCREEN" "upstream of"

# ---- the version screen: completeness and the rule it feeds ----
ver 1 '' --size 200x50
has "v1: signed and incomplete" "$(row '^Lineage')" "Lineage  incomplete: dataset lab/loopy version 7 has no digest (signed by lena, entry #"
has "v1: the rule it feeds" "$(row '^Lineage')" "feeds rule lineage (staging → production), lineage (canary → production) of critical-default v1"
ver 3 '' --size 200x50
has "v3: complete and signed" "$(row '^Lineage')" "Lineage  complete (signed by lena, entry #"
ver 4 '' --size 200x50
has "v4: none recorded" "$(row '^Lineage')" "Lineage  none recorded"
has "v4: still names its rule" "$(row '^Lineage')" "feeds rule lineage"
ver 5 '' --size 200x50
has "v5: stored, not attested" "$(row '^Lineage')" "Lineage  complete; stored, not attested"
screen '/zz-low<Enter><Enter><Enter>' --size 200x50
has "low tier: no rule reads it" "$(row '^Lineage')" "no rule of low-default v1 reads it"
ver 1 '' --size 80x24
has "80 columns: the line wraps under itself" "$SCREEN" "Lineage  incomplete: dataset lab/loopy version 7 has no digest"
has "the version offers l" "$(printf '%s\n' "$SCREEN" | tail -n 1)" "l lineage"
ver 1 '/Lineage<Enter><Enter>' --size 80x24
has "Enter on the lineage line: the tree" "$(line 3)" "upstream of zz-lin v1"
# Signing it changes what the screen says.
export STEWARD_PASSPHRASE=demo-passphrase
expect 0 "attest v5" "$STEWARD" lineage attest zz-lin 5 $L
unset STEWARD_PASSPHRASE
ver 5 '' --size 200x50
has "v5 after attest: signed" "$(row '^Lineage')" "Lineage  complete (signed by lena, entry #"

# ---- 80x24, resizing, read-only ----
screen '/zz-lin<Enter>l' --size 80x24
same "80x24: 24 lines" "$(printf '%s\n' "$SCREEN" | wc -l)" 24
same "80x24: none wider than 80" "$(printf '%s\n' "$SCREEN" | wc -L)" 80
screen '/zz-lin<Enter>l<resize 40x12>' --size 80x24
has "40x12: still the tree" "$(line 3)" "upstream of zz-lin"
same "40x12: none wider than 40" "$(printf '%s\n' "$SCREEN" | wc -L)" 40
screen '/zz-lin<Enter>l<resize 30x8>' --size 80x24
has "30x8: too small, said" "$SCREEN" "terminal too small"
screen '/zz-lin<Enter>l<resize 30x8>jj<resize 160x40>' --size 80x24
has "back to 160x40: the tree" "$(line 3)" "upstream of zz-lin v1"
has "back to 160x40: the keys kept working" "$(status_line)" "3/15"
has "wide: the legend fits" "$(line 4)" "! no digest  ~ unfinished  x failed  ↪ elsewhere"
SUM0=$(store_dump "$DB" | cksum)
screen '/zz-lin<Enter>ljjjj<Enter>t<Tab>/x<Enter><Esc>jj<Left>*' --size 80x24 --readonly
has "readonly: the tree" "$SCREEN" "lineage"
screen '/zz-lin<Enter>ljj<Left><Right>tt/right<Enter>' --size 80x24
same "the tree writes nothing" "$(store_dump "$DB" | cksum)" "$SUM0"

# ---- ? lists the tree's keys ----
screen '/zz-lin<Enter>l?' --size 100x40
has "help: from the lineage view" "$(line 4)" "In lineage"
has "help: t and Tab" "$SCREEN" "t, Tab"
has "help: expand" "$SCREEN" "Right, +"
has "help: collapse" "$SCREEN" "Left, -"
has "help: expand all" "$(row '^\*  ')" "expand every node under the selected one"
has "help: the command" "$SCREEN" ":lineage"
has "help: the markers explained" "$SCREEN" "! marks a dataset"

# ---- hostile names are shown escaped ----
# Import refuses C0 controls; a bidi override and a C1 control get in.
export STEWARD_PASSPHRASE=demo-passphrase
ev COMPLETE 11 'evil\u202ejob' 2025-12-05T05:00:00Z "$(model zz-low 1)" "$(ds lab 'bad\u009b2Jname' "$HC")" "" >"$TMPD/evil.ndjson"
expect 0 "import hostile names" "$STEWARD" lineage import "$TMPD/evil.ndjson" $L
ev COMPLETE 12 'esc\u001bjob' 2025-12-05T05:00:00Z "$(model zz-low 1)" "" "" >"$TMPD/esc.ndjson"
expect 3 "import: a C0 control refused" "$STEWARD" lineage import "$TMPD/esc.ndjson" $L
unset STEWARD_PASSPHRASE
screen '/zz-low<Enter>l' --size 120x30
has "hostile: the override escaped" "$SCREEN" 'evil\u202ejob  lab'
has "hostile: the C1 control escaped" "$SCREEN" 'bad\u009b2Jname  lab'
# What a tampered store could hold: the console still shows it escaped.
HDB="$TMPD/h.db"
store_copy "$DB" "$HDB"
store_sql "$HDB" "UPDATE lineage_datasets SET name = 'raw' || char(27) || '[2J' || char(27) || ']0;pwned' || char(7) WHERE name = 'clean'" ||
	fail "tampered name not written"
DB0=$DB
DB=$HDB
screen '/zz-lin<Enter>l' --size 120x30
lacks "tampered: no raw escape on screen" "$SCREEN" "$ESC"
has "tampered: shown escaped" "$SCREEN" 'raw\x1b[2J\x1b]0;pwned\x07  lab'
# A digest dropped behind the ledger's back: the signed verdict stands, and the screen says the store moved.
store_sql "$HDB" "UPDATE lineage_dsv SET digest = '' WHERE dataset = (SELECT id FROM lineage_datasets WHERE name = 'left')" ||
	fail "tampered digest not written"
ver 3 '' --size 250x50
has "tampered: still the signed verdict" "$(row '^Lineage')" "Lineage  complete (signed by lena, entry #"
has "tampered: the change said" "$(row '^Lineage')" "; the stored lineage changed since it was signed"
screen '/zz-lin<Enter>:lineage 3<Enter>' --size 80x24
has "tampered: the tree shows the store as it is" "$(line 4)" "incomplete: dataset lab/left"
DB=$DB0

# ---- on a real terminal: arrows, Tab, a resize, NO_COLOR ----
tm new-session -d -s t -x 80 -y 24 "env LC_ALL=C.UTF-8 NO_COLOR=1 '$STEWARD' --db '$DB' 2>'$TMPD/t.err'; echo \$? >'$TMPD/t.exit'; sleep 60"
wait_for "tmux: starts" t "15 models"
tm send-keys -t t '/zz-lin' Enter l
wait_for "tmux: l opens the tree" t "upstream of zz-lin v1"
wait_for "tmux: markers without colour" t "!     ▾ dataset loopy  lab"
tm send-keys -t t j j Left
wait_for "tmux: Left collapses" t "lineage v1] 3/11"
tm send-keys -t t Right
wait_for "tmux: Right expands" t "lineage v1] 3/15"
tm send-keys -t t Tab
wait_for "tmux: Tab turns it downstream" t "downstream of zz-lin v1"
tm send-keys -t t Tab
wait_for "tmux: and back" t "upstream of zz-lin v1"
tm resize-window -t t -x 120 -y 30
wait_for "tmux: a resize redraws it wider" t "! no digest  ~ unfinished  x failed  ↪ elsewhere"
tm resize-window -t t -x 80 -y 24
wait_gone "tmux: and back to 80 columns" t "x failed  ↪ elsewhere"
tm send-keys -t t q q
i=0
while [ ! -s "$TMPD/t.exit" ] && [ "$i" -lt $((WAIT * 10)) ]; do
	sleep 0.1
	i=$((i + 1))
done
same "tmux: q twice quits cleanly" "$(cat "$TMPD/t.exit" 2>/dev/null)" 0
same "tmux: nothing on stderr" "$(cat "$TMPD/t.err" 2>/dev/null)" ""

# ---- live: the background sync brings lineage in while the tree is open ----
EVD="$TMPD/ev"
mkdir -p "$EVD"
printf '[plugin lineage]\ntype = openlineage\ndir = %s\ninterval = 10\n' "$EVD" >"$TMPD/ol.conf"
tm new-session -d -s live -x 100 -y 30 "env LC_ALL=C.UTF-8 '$STEWARD' --db '$DB' --config '$TMPD/ol.conf' 2>'$TMPD/live.err'; sleep 60"
wait_for "live: starts" live "15 models"
tm send-keys -t live '/zz-lin' Enter Enter j Enter l
wait_for "live: v4 has no lineage yet" live "upstream of zz-lin v4  1 node"
ev COMPLETE 13 train-live 2025-12-07T05:00:00Z "$(model zz-lin 4)" "$(ds lab left "$HC")" "" >"$TMPD/live.tmp"
mv "$TMPD/live.tmp" "$EVD/live.ndjson"
WAIT0=$WAIT
WAIT=$((WAIT + 30))
wait_for "live: the next sync's events appear in the open tree" live "run     train-live  lab"
WAIT=$WAIT0
wait_for "live: counted" live "upstream of zz-lin v4  7 nodes"
tm send-keys -t live j j Left
wait_for "live: a branch closed" live "lineage v4] 3/3"
ev COMPLETE 14 train-live2 2025-12-08T05:00:00Z "$(model zz-lin 4)" "$(ds lab left "$HC")" "" >"$TMPD/live.tmp"
mv "$TMPD/live.tmp" "$EVD/live2.ndjson"
WAIT=$((WAIT + 30))
wait_for "live: another run arrives" live "run     train-live2  lab"
WAIT=$WAIT0
wait_for "live: the closed branch stays closed, the selection where it was, the new run closed" live "lineage v4] 3/4"
tm send-keys -t live Escape
wait_for "live: imported by the sync, nobody signed it" live "Lineage  complete; stored, not attested"
tm send-keys -t live ':q' Enter

# ---- a graph the core cut: truncated, and still quick ----
# One run read 20,500 datasets: past the core's 20,000 nodes.
awk 'BEGIN {
	for (e = 0; e < 5; e++) {
		printf "{\"eventType\":\"COMPLETE\",\"eventTime\":\"2025-12-06T00:00:00Z\",\"run\":{\"runId\":\"99999999-0000-4000-8000-000000000000\",\"facets\":{\"steward_model\":{\"name\":\"zz-low\",\"version\":1}}},\"job\":{\"namespace\":\"big\",\"name\":\"train-wide\"},\"inputs\":["
		for (i = 0; i < 4100; i++)
			printf "%s{\"namespace\":\"big\",\"name\":\"part-%d\"}", i ? "," : "", e * 4100 + i
		printf "],\"producer\":\"https://example.test/lineage-suite\"}\n"
	}
}' >"$TMPD/wide.ndjson"
export STEWARD_PASSPHRASE=demo-passphrase
expect 0 "import a run reading 20,500 datasets" "$STEWARD" lineage import "$TMPD/wide.ndjson" $L
unset STEWARD_PASSPHRASE
screen '/zz-low<Enter>l' --size 80x24
has "cut: truncated said" "$(line 3)" "truncated at 20000 nodes"
has "cut: the nodes it kept" "$(line 3)" "20000 nodes"
screen '/zz-low<Enter>l/part-20499<Enter>' --size 80x24
has "cut: the filter still answers" "$SCREEN" "nothing matches /part-20499"
screen '/zz-low<Enter>l/part-1999<Enter>' --size 80x24
has "cut: a kept node found" "$SCREEN" "dataset part-1999  big"

finish
