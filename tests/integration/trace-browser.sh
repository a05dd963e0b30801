# trace-browser.sh: the trace report's HTML in a real browser (Debian's headless Chromium): what the page shows (its DOM and its screenshot's pixels: the lineage picture drawn, the gap marked in the picture), that hostile names stay text, and that opening it fetches nothing.
. "$STEWARD_TOP/tests/lib.sh"

PAGE="python3 $STEWARD_TOP/tests/integration/trace_page.py"
find_chromium() {
	CHROME=
	for c in chromium chromium-browser; do
		if command -v "$c" >/dev/null 2>&1; then
			CHROME=$(command -v "$c")
			return 0
		fi
	done
	return 1
}
if ! find_chromium; then
	# CI installs it with the other test packages; a root shell can too.
	if [ "$(id -u)" -eq 0 ]; then
		"$STEWARD_TOP/scripts/install-deps" >"$TMPD/install.log" 2>&1
	fi
	if ! find_chromium; then
		echo "SKIP trace-browser.sh: chromium is not installed and could not be installed here (scripts/install-deps, as root, installs it)"
		finish
		exit 0
	fi
fi

# chrome ARGS... URL: one headless run, offline (every name resolves to
# nothing), with a profile of its own.
chrome() {
	prof=$(mktemp -d "$TMPD/profile.XXXXXX")
	timeout 120 "$CHROME" --headless --no-sandbox --disable-gpu --disable-quic --no-first-run \
		--disable-background-networking --disable-component-update --disable-sync --user-data-dir="$prof" \
		--host-resolver-rules="MAP * ~NOTFOUND" "$@" 2>>"$TMPD/chrome.err"
}
pj() { python3 -c "import json, sys; r = json.load(open(sys.argv[1])); print($2)" "$1"; }

# The network check must be able to fail: a page that does fetch is seen fetching.
printf '<!DOCTYPE html><html><body><p>probe</p><img src="http://img-probe.invalid/x.png"><div style="background:url(https://css-probe.invalid/y.png)">x</div></body></html>' >"$TMPD/probe.html"
chrome --log-net-log="$TMPD/probe.netlog" --dump-dom "file://$TMPD/probe.html" >"$TMPD/probe.dom" || fail "chromium ran on the probe"
same "the probe's fetches are seen" "$($PAGE requests "$TMPD/probe.netlog" | tr '\n' ' ')" "http://img-probe.invalid/x.png https://css-probe.invalid/y.png "

# --- a store with a promotion and a lineage that has a gap ---
DB="$TMPD/s.db"
K="$TMPD/keys"
mkdir -p "$K"
export STEWARD_PASSPHRASE=correct-horse-battery-staple XDG_CONFIG_HOME="$TMPD/cfg"
M='credit<img src=x onerror=alert(1)> "pd"'
as() {
	who=$1
	shift
	"$STEWARD" "$@" --db "$DB" --key "$K/$who.key"
}
"$STEWARD" key gen ada --out "$K/ada.key" >/dev/null || fail "key ada"
"$STEWARD" init --db "$DB" --admin ada --admin-key "$K/ada.key" >/dev/null || fail "init"
for p in lena:ml-lead mei:ml-lead; do
	n=${p%%:*}
	"$STEWARD" key gen "$n" --out "$K/$n.key" >/dev/null || fail "key $n"
	as ada principal add "$n" --role "${p#*:}" --pubkey "$K/$n.key.pub" >/dev/null || fail "add $n"
done
as ada policy enroll "$STEWARD_TOP/policies/low.policy" >/dev/null || fail "enrol"
as ada model add "$M" --tier low --owner credit-risk >/dev/null || fail "model"
as ada version add "$M" --artifact s3://m/pd/1 --digest sha256:1111111111111111111111111111111111111111111111111111111111111111 --author j.chen >/dev/null || fail "version"
as ada metric set "$M" 1 auc 0.9 --dataset holdout >/dev/null || fail "metric"
printf '## Intended use\npd\n## Evaluation\nholdout\n## Limitations\nnone\n' >"$TMPD/card.md"
as ada card set "$M" 1 --file "$TMPD/card.md" >/dev/null || fail "card"
R=$(as lena promote request "$M" 1 --to staging) && as lena promote apply "$R" >/dev/null || fail "staging"
R=$(as lena promote request "$M" 1 --to production --comment '<script>document.title="pwned"</script>') || fail "request"
as mei approve "$R" >/dev/null || fail "approve"
as lena promote apply "$R" >/dev/null || fail "production"
python3 - "$TMPD/ev.ndjson" "$M" <<'EOF'
import json, sys
out, model = sys.argv[1], sys.argv[2]
def ev(run, job, t, inputs, outputs, facets=None):
    return json.dumps({"eventType": "COMPLETE", "eventTime": t, "producer": "https://example.invalid/p",
                       "run": {"runId": run, "facets": facets or {}}, "job": {"namespace": "pipelines", "name": job},
                       "inputs": inputs, "outputs": outputs})
raw = {"namespace": "postgres://core", "name": "public.loans",
       "facets": {"dataSource": {"uri": "https://tracker.invalid/pixel.png"}}}
feat = {"namespace": "s3://lake", "name": "features/loans", "facets": {"version": {"datasetVersion": "sha256:" + "a" * 64}}}
lab = {"namespace": "s3://lake", "name": "labels<img src=https://tracker.invalid/l.png>", "facets": {}}
with open(out, "w") as f:
    print(ev("11111111-1111-4111-8111-111111111111", "features", "2025-12-30T11:00:00Z", [raw], [feat]), file=f)
    print(ev("22222222-2222-4222-8222-222222222222", "train", "2025-12-30T13:00:00Z", [feat, lab], [],
             {"steward_model": {"name": model, "version": 1}}), file=f)
EOF
as lena lineage import "$TMPD/ev.ndjson" >/dev/null || fail "lineage import"
expect 0 "trace as JSON" "$STEWARD" trace "$M" --db "$DB" --json
printf '%s' "$OUT" >"$TMPD/trace.json"
NODES=$(pj "$TMPD/trace.json" 'len(r["lineage"]["nodes"])')
GAPNODES=$(pj "$TMPD/trace.json" 'sum(1 for n in r["lineage"]["nodes"] if n["gap"])')
same "the report has a lineage of six nodes" "$NODES" 6
same "one of them a gap" "$GAPNODES" 1
expect 0 "trace as HTML" "$STEWARD" trace "$M" --db "$DB" --format html --out "$TMPD/trail.html"

# --- the DOM Chromium built, and what it fetched ---
chrome --log-net-log="$TMPD/trail.netlog" --dump-dom "file://$TMPD/trail.html" >"$TMPD/trail.dom" || fail "chromium dumped the DOM"
same "opening the report fetched nothing" "$($PAGE requests "$TMPD/trail.netlog")" ""
$PAGE dom "$TMPD/trail.dom" >"$TMPD/dom.json" || fail "DOM read"
same "one inline SVG" "$(pj "$TMPD/dom.json" 'r["tags"].get("svg")')" 1
same "one node per lineage node" "$(pj "$TMPD/dom.json" 'len(r["nodes"])')" "$NODES"
same "node kinds" "$(pj "$TMPD/dom.json" 'sorted(c.split()[1] for c in r["nodes"])')" "['dataset', 'dataset', 'dataset', 'model', 'run', 'run']"
same "the gap node" "$(pj "$TMPD/dom.json" '[c for c in r["nodes"] if "gap" in c.split()]')" "['node dataset gap']"
same "the gap in words on it" "$(pj "$TMPD/dom.json" 'r["gap_labels"]')" "['GAP: no digest']"
same "edges drawn" "$(pj "$TMPD/dom.json" 'r["tags"].get("path")')" "$(pj "$TMPD/trace.json" 'len(r["lineage"]["edges"])')"
same "the heading shows the name as text" "$(pj "$TMPD/dom.json" 'r["h1"]')" "Trace: $M, production = version 1"
same "the window title too" "$(pj "$TMPD/dom.json" 'r["title"]')" "Trace: $M, production = version 1"
has "the dataset name as text in the picture (its end)" "$(pj "$TMPD/dom.json" '" ".join(r["svg_text"])')" "tracker.invalid/l.png>"
same "no script element" "$(pj "$TMPD/dom.json" 'r["tags"].get("script", 0)')" 0
same "no img, iframe, link, object or embed" "$(pj "$TMPD/dom.json" 'sum(r["tags"].get(t, 0) for t in ("img", "iframe", "link", "object", "embed", "base"))')" 0
same "no attribute that loads anything" "$(pj "$TMPD/dom.json" '[a for a in r["attrs"] if a in ("src", "href", "srcset", "xlink:href", "action", "onerror", "onload") or a.startswith("URL-IN-")]')" "[]"
same "the gaps listed" "$(pj "$TMPD/dom.json" 'r["gap_items"]')" "$(pj "$TMPD/trace.json" 'len(r["gaps"])')"

# --- the screenshot: a page, a picture, the gap in the picture ---
chrome --screenshot="$TMPD/shot.png" --window-size=1280,1600 --hide-scrollbars "file://$TMPD/trail.html" >/dev/null || fail "screenshot"
$PAGE pixels "$TMPD/shot.png" >"$TMPD/px.json" || fail "PNG read"
same "screenshot size" "$(pj "$TMPD/px.json" '(r["width"], r["height"])')" "(1280, 1600)"
same "not a blank page" "$(pj "$TMPD/px.json" 'r["nonwhite"] > 0.05 and r["colours"] > 50')" True
# Each kind's fill covers whole nodes (a 12-pixel legend swatch would not).
same "dataset nodes drawn" "$(pj "$TMPD/px.json" 'r["count"]["dataset"] > 4000')" True
same "run nodes drawn" "$(pj "$TMPD/px.json" 'r["count"]["run"] > 4000')" True
same "the model version drawn" "$(pj "$TMPD/px.json" 'r["count"]["model"] > 2000')" True
same "the gap's red inside the picture" "$(pj "$TMPD/px.json" 'r["gap_in_picture"] > 300')" True
same "and in the gaps list above it" "$(pj "$TMPD/px.json" 'r["gap_above_picture"] > 300')" True
same "the picture is left to right: wider than tall" "$(pj "$TMPD/px.json" 'r["picture"][2] - r["picture"][0] > 2 * (r["picture"][3] - r["picture"][1])')" True

# The same checks see a broken picture: the SVG's tag damaged, the nodes are gone.
sed 's/<svg class="lineage"/<svgx class="lineage"/' "$TMPD/trail.html" >"$TMPD/broken.html"
chrome --screenshot="$TMPD/broken.png" --window-size=1280,1600 --hide-scrollbars "file://$TMPD/broken.html" >/dev/null || fail "screenshot (broken)"
$PAGE pixels "$TMPD/broken.png" >"$TMPD/bpx.json" || fail "PNG read (broken)"
same "a broken SVG draws no dataset nodes" "$(pj "$TMPD/bpx.json" 'r["count"]["dataset"] > 4000')" False
same "nor the gap in a picture" "$(pj "$TMPD/bpx.json" 'r["gap_in_picture"] > 300')" False

finish
