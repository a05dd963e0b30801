"""mlflow_peer.py: what steward's MLflow sync reads, read by MLflow's own Python client in one process.

The peer bench/mlflow times steward's sync against: every registered model, every model version
and each version's run, from $MLFLOW_TRACKING_URI, the way a script on MlflowClient would (pages
of 1000, one get_run per run). With --batched the runs come from search_runs in batches of 500 ids
instead (what steward does). Prints what it read and the seconds spent reading, in process
(imports and start-up excluded; the caller times the whole process too).
"""
import sys
import time

from mlflow import MlflowClient


def paged(fn, **kw):
    out, token = [], None
    while True:
        page = fn(max_results=1000, page_token=token, **kw)
        out.extend(page)
        token = page.token
        if not token:
            return out


def main():
    batched = "--batched" in sys.argv[1:]
    c = MlflowClient()
    t0 = time.monotonic()
    models = paged(c.search_registered_models)
    versions = paged(c.search_model_versions, order_by=["name ASC", "version_number ASC"])
    ids = sorted({v.run_id for v in versions if v.run_id})
    runs = {}
    if batched:
        exps = [e.experiment_id for e in c.search_experiments(max_results=1000)]
        for i in range(0, len(ids), 500):
            chunk = ids[i:i + 500]
            f = "attributes.run_id IN (" + ",".join(f"'{x}'" for x in chunk) + ")"
            for r in c.search_runs(exps, filter_string=f, max_results=500):
                runs[r.info.run_id] = r
    for x in ids:
        if x not in runs:
            runs[x] = c.get_run(x)
    t1 = time.monotonic()
    print(f"models {len(models)} versions {len(versions)} runs {len(runs)} seconds {t1 - t0:.3f}")


if __name__ == "__main__":
    main()
