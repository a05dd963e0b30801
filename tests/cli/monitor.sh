# monitor.sh: the monitoring cache as the demo estate has it (steward monitor list|show), drift against the policy's limit, the gate reading only signed observations, and what a writer of the store file cannot make it believe.
. "$STEWARD_TOP/tests/lib.sh"

export XDG_DATA_HOME="$TMPD/data" XDG_CONFIG_HOME="$TMPD/cfg" HOME="$TMPD"
DB="$TMPD/data/steward/demo.db"
expect 0 "demo estate" "$STEWARD" demo --no-tui

# ---- list: a row per deployed version, values with units, OVER where a policy limit is crossed ----
expect 0 "monitor list" "$STEWARD" monitor list --db "$DB"
has "header" "$OUT" "LATENCY P99"
has "loan-default-pd's production drifted past its critical limit" "$(printf '%s\n' "$OUT" | grep '^loan-default-pd *3 ')" "0.334 OVER"
has "and its critical alert" "$(printf '%s\n' "$OUT" | grep '^loan-default-pd *3 ')" "1 firing (critical)"
lacks "its staging version did not drift" "$(printf '%s\n' "$OUT" | grep '^loan-default-pd *5 ')" "OVER"
has "fraud-scoring's latency warning" "$(printf '%s\n' "$OUT" | grep '^fraud-scoring *7 ')" "1 firing (warning)"
same "one row per deployed version" "$(printf '%s\n' "$OUT" | grep -c ' production \| staging \| canary ')" 22
expect 0 "monitor list --json" "$STEWARD" monitor list --db "$DB" --json
same "json rows" "$(printf '%s' "$OUT" | python3 -c 'import json,sys; print(len(json.load(sys.stdin)))')" 22
same "json: the drifted one is over its limit" \
	"$(printf '%s' "$OUT" | python3 -c 'import json,sys; r=[x for x in json.load(sys.stdin) if x["model"]=="loan-default-pd" and x["version"]==3][0]; print(r["over_limit"], r["limits"]["drift_psi"]["value"], r["worst_severity"])')" \
	"['drift_psi'] 0.2 critical"

# ---- show: PSI and KS recomputed here from the histograms it prints ----
expect 0 "monitor show" "$STEWARD" monitor show loan-default-pd 3 --db "$DB"
has "limit named" "$OUT" "limit <= 0.2 (rule drift-bounded): OVER"
has "drift line" "$OUT" "drift of score: PSI 0.3344"
expect 0 "monitor show --json" "$STEWARD" monitor show loan-default-pd 3 --db "$DB" --json
printf '%s' "$OUT" >"$TMPD/show.json"
same "PSI and KS from the stored histograms, computed independently" "$(python3 - "$TMPD/show.json" <<'PY'
import json, math, sys
d = json.load(open(sys.argv[1]))
def shares(h):
    c = [b[1] for b in h["buckets"]]
    n = c[-1]
    return [(c[i] - (c[i - 1] if i else 0)) / n for i in range(len(c))], [x / n for x in c]
r, rc = shares(d["reference"])
c, cc = shares(d["current"])
psi = sum((max(b, 1e-4) - max(a, 1e-4)) * math.log(max(b, 1e-4) / max(a, 1e-4)) for a, b in zip(r, c))
ks = max(abs(a - b) for a, b in zip(rc, cc))
# the JSON carries six significant digits
print("ok" if abs(psi - d["psi"]) < 5e-6 and abs(ks - d["ks"]) < 5e-6 else "psi %r vs %r, ks %r vs %r" % (psi, d["psi"], ks, d["ks"]))
PY
)" ok
same "a day of five-minute points" "$(python3 -c 'import json,sys; print(len(json.load(open(sys.argv[1]))["series"]["latency_p99"]))' "$TMPD/show.json")" 288

# ---- bad input ----
expect 1 "unknown model" "$STEWARD" monitor show no-such-model 1 --db "$DB"
has "named" "$ERR" "no-such-model"
expect 1 "bad version" "$STEWARD" monitor show loan-default-pd v3x --db "$DB"
expect 2 "extra argument" "$STEWARD" monitor list extra --db "$DB"

# ---- the gate reads signed observations, per version: v3 drifted, v5 did not ----
expect 1 "v5's gate" "$STEWARD" gate loan-default-pd 5 --to production --db "$DB"
has "drift of v5 passes" "$OUT" "PASS    drift-bounded"
has "no warning fires for v5 (the critical alert names v3)" "$OUT" "PASS    no-warnings"
has "latency under the critical limit" "$OUT" "PASS    latency"

# ---- a writer of the store file ----
store_copy "$DB" "$TMPD/w.db" && cp "$(store_local "$DB" .logkey)" "$(store_local "$TMPD/w.db" .logkey)"
# the caches the views draw change; the gate does not read them
store_sql "$TMPD/w.db" "UPDATE monitor_values SET value = 5 WHERE kind = 'drift'; DELETE FROM alerts; UPDATE series_meta SET current = 9"
expect 1 "gate unmoved by the cache" "$STEWARD" gate loan-default-pd 5 --to production --db "$TMPD/w.db"
has "still the signed drift" "$OUT" "PASS    drift-bounded"
# a signed observation altered, moved to another model, or dropped
store_copy "$DB" "$TMPD/w.db"
store_sql "$TMPD/w.db" "UPDATE monitor_attest SET body = replace(body, '\"error_rate\":0.00', '\"error_rate\":0.01') WHERE kind = 'monitor'"
expect 1 "altered observation" "$STEWARD" gate loan-default-pd 5 --to production --db "$TMPD/w.db"
has "refused, named" "$ERR" "the monitoring observation of loan-default-pd does not verify"
store_copy "$DB" "$TMPD/w.db"
store_sql "$TMPD/w.db" "DELETE FROM monitor_attest WHERE model_id = (SELECT id FROM models WHERE name = 'credit-limit');
	UPDATE monitor_attest SET model_id = (SELECT id FROM models WHERE name = 'credit-limit') WHERE model_id = (SELECT id FROM models WHERE name = 'loan-default-pd')"
expect 1 "another model's observation" "$STEWARD" gate credit-limit 6 --to production --db "$TMPD/w.db"
has "does not verify" "$ERR" "observation of credit-limit does not verify"
store_copy "$DB" "$TMPD/w.db"
store_sql "$TMPD/w.db" "DELETE FROM monitor_attest"
expect 1 "no observation" "$STEWARD" gate loan-default-pd 5 --to production --db "$TMPD/w.db"
has "drift unknown" "$OUT" "UNKNOWN drift-bounded"
has "alerts unknown" "$OUT" "UNKNOWN no-warnings"
# the signer's key revoked: the observation no longer counts, and is not taken for a forgery
store_copy "$DB" "$TMPD/r.db" && cp "$(store_local "$DB" .logkey)" "$(store_local "$TMPD/r.db" .logkey)"
expect 0 "sami revoked" env STEWARD_PASSPHRASE=demo-passphrase "$STEWARD" principal revoke sami --db "$TMPD/r.db" --key "$(store_local "$TMPD/data/steward/demo.db" -keys)/ada.key"
expect 1 "gate after the revocation" "$STEWARD" gate loan-default-pd 5 --to production --db "$TMPD/r.db"
has "drift unknown, saying why" "$OUT" "signed with key"
has "revoked since" "$OUT" "revoked since"
lacks "not a forgery" "$ERR" "does not verify"
# three hours later the same observation is too old to count
expect 1 "stale" env STEWARD_NOW=$((STEWARD_NOW + 3 * 3600)) "$STEWARD" gate loan-default-pd 5 --to production --db "$DB"
has "says how old" "$OUT" "the newest monitoring data is 3 h old"
finish
