#!/usr/bin/env python3
"""prometheus_fixture.py: deterministic Prometheus history for tests/integration/prometheus.sh, and what it implies.

    prometheus_fixture.py generate DIR

writes DIR/data.om, OpenMetrics text for `promtool tsdb create-blocks-from openmetrics`,
and DIR/expect.json, the values a reader of that history must find: bucket counts of each
version's score histogram over its drift reference and current window, PSI and KS computed
from them by hand, and SciPy's ks_2samp over the very samples the histograms count.

The clock is steward's test clock, NOW = 1767225600 (2026-01-01T00:00:00Z). History runs
from NOW - 9 d: every 15 minutes until NOW - 25 h, then every minute up to NOW included, so
both drift windows ([NOW - 8 d, NOW - 1 d] and [NOW - 1 d, NOW]) begin and end on a sample
and increase() over them is an exact difference, with no extrapolation.

Versions (the steward side gives each an alias since NOW - 8 d):
  fraud v1   production, healthy: 10 req/s, 1 % errors, scores Beta(2, 5) throughout,
             features 300 s old; its drift reference is its first week in production
  fraud v2   staging, shifts: 5 req/s, 2 % errors (10 % from NOW - 3 h to NOW - 2 h),
             scores Beta(2, 5) until NOW - 1 d, then Beta(3, 4); features refreshed on
             the hour; never in production, so its reference is its first week of scores,
             which began a day before its alias
  churn v1   production, no score histogram: 2 req/s, not a single 5xx, no requests at all
             from NOW - 6 h to NOW - 5 h, 2 % of requests slower than the highest finite
             bound; features 7200 s old
  churn v2   staging, healthy: 3.33 req/s, 0.5 % errors, scores Beta(2, 5) throughout (its
             reference is its first week of scores), features 600 s old
  churn v3   shadow, nothing in Prometheus at all
"""
import bisect
import json
import math
import os
import random
import sys

NOW = 1767225600
DAY = 86400
START = NOW - 9 * DAY
FINE = NOW - 25 * 3600  # 1-minute resolution from here on
T0 = NOW - 8 * DAY  # when the aliases began pointing at the versions
CUR = (NOW - DAY, NOW)

LAT_LE = ["0.05", "0.1", "0.25", "0.5", "1", "2.5", "+Inf"]
SCORE_LE = ["%g" % (k / 20) for k in range(1, 21)] + ["+Inf"]

VERSIONS = {
    ("fraud", 1): dict(
        rpm=600, err=lambda t: 6, lat=[300, 480, 564, 597, 600, 600, 600], fresh=lambda t: t - 300,
        score=dict(seed=11, ref=(T0, T0 + 7 * DAY),
                   phases=[(START, T0, 2, 5, 1000), (T0, NOW - DAY, 2, 5, 20000), (NOW - DAY, NOW, 2, 5, 3000)])),
    ("fraud", 2): dict(
        rpm=300, err=lambda t: 30 if NOW - 3 * 3600 <= t - 60 < NOW - 2 * 3600 else 6,
        lat=[60, 150, 240, 285, 298, 300, 300], fresh=lambda t: t - t % 3600,
        score=dict(seed=22, ref=(START, START + 7 * DAY),
                   phases=[(START, T0, 2, 5, 1000), (T0, NOW - DAY, 2, 5, 20000), (NOW - DAY, NOW, 3, 4, 3000)])),
    ("churn", 1): dict(
        rpm=120, err=None, lat=[40, 80, 110, 116, 117, 118, 120], fresh=lambda t: t - 7200,
        idle=(NOW - 6 * 3600, NOW - 5 * 3600), score=None),
    ("churn", 2): dict(
        rpm=200, err=lambda t: 1, lat=[100, 160, 190, 199, 200, 200, 200], fresh=lambda t: t - 600,
        score=dict(seed=33, ref=(START, START + 7 * DAY),
                   phases=[(START, T0, 2, 5, 1000), (T0, NOW - DAY, 2, 5, 20000), (NOW - DAY, NOW, 2, 5, 3000)])),
}


def grid():
    t = START
    while t < FINE:
        yield t
        t += 900
    while t <= NOW:
        yield t
        t += 60


def lbl(model, version, extra=""):
    s = 'model="%s",version="%d"' % (model, version)
    return s + ("," + extra if extra else "")


def busy(spec, t):
    """Whether the minute ending at t served requests."""
    idle = spec.get("idle")
    return not (idle and idle[0] < t <= idle[1])


def counters(spec, per_minute):
    """A counter on the grid: per_minute(t) added for every minute up to t."""
    out, total, last = [], 0, START
    for t in grid():
        m = last
        while m < t:
            m += 60
            if busy(spec, m):
                total += per_minute(m)
        last = t
        out.append((t, total))
    return out


def samples(rng, a, b, n):
    return [rng.betavariate(a, b) for _ in range(n)]


def cumulative(xs):
    les = [float(le) for le in SCORE_LE]
    s = sorted(xs)
    return [bisect.bisect_right(s, le) for le in les]


def psi(ref, cur):
    """steward's PSI: bucket shares (differences of the cumulative counts), each floored at 1e-4."""
    def shares(c):
        d = [c[0]] + [c[i] - c[i - 1] for i in range(1, len(c))]
        return [max(x / c[-1], 1e-4) for x in d]
    r, c = shares(ref), shares(cur)
    return sum((ci - ri) * math.log(ci / ri) for ri, ci in zip(r, c))


def ks_bounds(ref, cur):
    """The largest distance between the two empirical CDFs at the bucket bounds."""
    return max(abs(r / ref[-1] - c / cur[-1]) for r, c in zip(ref, cur))


def ks_slack(ref, cur):
    """How far the true KS statistic can lie above ks_bounds: for x inside a bucket (a, b],
    F1(x) - F2(x) <= F1(b) - F2(a) = (F1(b) - F2(b)) + (F2(b) - F2(a)), so it is at most
    ks_bounds plus the largest share of one bucket in either sample."""
    def shares(c):
        return [c[0] / c[-1]] + [(c[i] - c[i - 1]) / c[-1] for i in range(1, len(c))]
    return max(shares(ref) + shares(cur))


def generate(d):
    from scipy.stats import ks_2samp

    os.makedirs(d, exist_ok=True)
    expect = {"now": NOW, "score_le": SCORE_LE, "versions": {}}
    lines = []
    # requests: one counter family
    lines.append("# TYPE steward_model_requests counter")
    for (m, v), spec in VERSIONS.items():
        err = spec["err"]
        ok = counters(spec, lambda t: spec["rpm"] - (err(t) if err else 0))
        lines += ['steward_model_requests_total{%s} %d %d' % (lbl(m, v, 'code="200"'), c, t) for t, c in ok]
        if err:
            bad = counters(spec, err)
            lines += ['steward_model_requests_total{%s} %d %d' % (lbl(m, v, 'code="500"'), c, t) for t, c in bad]
    # request latency: a histogram, one MetricPoint (every bucket, count, sum) per time
    lines.append("# TYPE steward_model_request_duration_seconds histogram")
    for (m, v), spec in VERSIONS.items():
        per = [counters(spec, lambda t, k=k: spec["lat"][k]) for k in range(len(LAT_LE))]
        for i, (t, _) in enumerate(per[0]):
            for k, le in enumerate(LAT_LE):
                lines.append('steward_model_request_duration_seconds_bucket{%s} %d %d'
                             % (lbl(m, v, 'le="%s"' % le), per[k][i][1], t))
            lines.append('steward_model_request_duration_seconds_count{%s} %d %d' % (lbl(m, v), per[-1][i][1], t))
            lines.append('steward_model_request_duration_seconds_sum{%s} %.3f %d' % (lbl(m, v), per[-1][i][1] * 0.1, t))
    # feature freshness: a gauge of the newest feature row's time
    lines.append("# TYPE steward_model_feature_newest_timestamp_seconds gauge")
    for (m, v), spec in VERSIONS.items():
        lines += ['steward_model_feature_newest_timestamp_seconds{%s} %d %d' % (lbl(m, v), spec["fresh"](t), t)
                  for t in grid()]
    # scores: a histogram whose observations are the samples, spread evenly over their window
    lines.append("# TYPE steward_model_score histogram")
    for (m, v), spec in VERSIONS.items():
        sc = spec["score"]
        if sc is None:
            continue
        rng = random.Random(sc["seed"])
        obs = []  # (time, score)
        for lo, hi, a, b, n in sc["phases"]:
            # the i-th of n at lo + (i + 1) (hi - lo) / n: all within (lo, hi]
            obs += [(lo + (i + 1) * (hi - lo) / n, x) for i, x in enumerate(samples(rng, a, b, n))]
        obs.sort()
        les = [float(le) for le in SCORE_LE]
        per, total, k = [0] * len(les), 0.0, 0
        for t in grid():
            while k < len(obs) and obs[k][0] <= t:
                per[bisect.bisect_left(les, obs[k][1])] += 1  # the first bound >= x: le is inclusive
                total += obs[k][1]
                k += 1
            cum = [sum(per[:i + 1]) for i in range(len(per))]
            for le, c in zip(SCORE_LE, cum):
                lines.append('steward_model_score_bucket{%s} %d %d' % (lbl(m, v, 'le="%s"' % le), c, t))
            lines.append('steward_model_score_count{%s} %d %d' % (lbl(m, v), cum[-1], t))
            lines.append('steward_model_score_sum{%s} %.6f %d' % (lbl(m, v), total, t))
        # what increase() over each window counts: the observations in (from, to]
        within = lambda w: [x for t, x in obs if w[0] < t <= w[1]]
        xref, xcur = within(sc["ref"]), within(CUR)
        ref, cur = cumulative(xref), cumulative(xcur)
        test = ks_2samp(xref, xcur)
        expect["versions"]["%s/%d" % (m, v)] = {
            "ref_from": sc["ref"][0], "ref_to": sc["ref"][1], "cur_from": CUR[0], "cur_to": CUR[1],
            "ref": ref, "cur": cur, "psi": psi(ref, cur), "ks": ks_bounds(ref, cur),
            "ks_scipy": float(test.statistic), "ks_pvalue": float(test.pvalue), "ks_slack": ks_slack(ref, cur),
        }
    lines.append("# EOF")
    with open(os.path.join(d, "data.om"), "w") as f:
        f.write("\n".join(lines) + "\n")
    with open(os.path.join(d, "expect.json"), "w") as f:
        json.dump(expect, f, indent=1)


if __name__ == "__main__":
    if len(sys.argv) != 3 or sys.argv[1] != "generate":
        sys.exit(__doc__)
    generate(sys.argv[2])
