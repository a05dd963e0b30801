"""mlflow_fixture.py: puts known models into a real MLflow server and reads them back, for the
integration tests (the test peer of steward's MLflow plugin; run through `mlfx` in lib-mlflow.sh).

Talks to $MLFLOW_TRACKING_URI with MLflow's own Python client (MlflowClient). Subcommands:

  populate --models N --versions M [--prefix P]   N registered models of M versions each
  add-version MODEL                  one more version (run, metrics, model files); prints its number
  set-alias MODEL ALIAS VERSION      delete-alias MODEL ALIAS      get-alias MODEL ALIAS (prints it)
  tags MODEL VERSION                 the version's tags as JSON
  describe MODEL VERSION             source, run_id, aliases, tags, user_id, description as JSON
  files MODEL VERSION                the version's artifact files fetched through the server's
                                     artifact proxy: JSON [{path, size, sha256}] sorted by path
                                     (an independent oracle for the plugin's artifact manifest)

What populate makes (names and values are deterministic; run ids are MLflow's own):
  - models  P001 .. P<N> (prefix P defaults to "model-"), in experiment "steward-fixture";
    model tags steward.tier = low, medium, high, critical cycling with the model's index from 1
    (model-001 low, model-002 medium, ...) and steward.owner = team-a, team-b, team-c cycling.
  - each version v comes from its own run: params dataset=holdout, learning_rate, n_estimators;
    run tag mlflow.user (the author: j.chen, a.okafor, m.silva cycling with v); metrics auc,
    precision, recall, and auc per slice named  <metric>/<slice key>:<slice value>, i.e.
    auc/region:EU, auc/region:US, auc/segment:retail  (MLflow metric names may not contain '=';
    steward's slice "region=EU" is MLflow's "auc/region:EU").  See values() for the numbers:
    auc/region:EU is a weak 0.62 when (index + v) % 5 == 0.
  - the version: source = the run's "model" artifact directory, run_id, tags git.commit and
    training.data, and a Markdown description (the model card) with the sections "## Intended use",
    "## Limitations", "## Training data", "## Evaluation"; "## Limitations" is left out when
    (index + v) % 7 == 0.  Version user_id stays empty: the server sets it only from an
    authenticated user, the client cannot; the author is the run's mlflow.user tag.
  - the model files are a real mlflow.pyfunc model (MLmodel, python_model.pkl, code/, conda.yaml,
    python_env.yaml, requirements.txt, artifacts/weights.json): a threshold classifier whose
    weights differ per version, so every version has different bytes; MLmodel's uuid and time are
    derived from (model, version), so every populate makes the same bytes (given the same
    fixture file and Python: conda.yaml names the Python version, code/ holds this file).
  - aliases: with M > 1, production -> M-1 and staging -> M; with M == 1, production -> 1.
"""
import argparse
import contextlib
import hashlib
import io
import json
import logging
import os
import shutil
import sys
import tempfile
import time
import uuid

sys.dont_write_bytecode = True  # it imports itself (see Populator): no __pycache__ in the clone
import mlflow
import mlflow.pyfunc
from mlflow import MlflowClient
from mlflow.entities import Metric, Param
from mlflow.exceptions import MlflowException
from mlflow.models import Model

EXPERIMENT = "steward-fixture"
TIERS = ["low", "medium", "high", "critical"]
OWNERS = ["team-a", "team-b", "team-c"]
AUTHORS = ["j.chen", "a.okafor", "m.silva"]
T0 = 1767225600000  # 2026-01-01T00:00:00Z in ms, the tests' STEWARD_NOW: run and metric times


class ThresholdModel(mlflow.pyfunc.PythonModel):
    """Scores at or above the threshold in artifacts/weights.json are class 1."""

    def load_context(self, context):
        with open(context.artifacts["weights"]) as f:
            self.threshold = json.load(f)["threshold"]

    def predict(self, context, model_input: list[float], params=None) -> list[int]:
        return [int(x >= self.threshold) for x in model_input]


def index_of(name):
    """The model's number: 7 for model-007; a stable hash for names populate did not make."""
    digits = name[len(name.rstrip("0123456789")):]
    return int(digits) if digits else int(hashlib.sha256(name.encode()).hexdigest()[:6], 16)


def values(i, v):
    """Metrics of version v of model number i."""
    auc = round(0.84 + 0.02 * ((i + v) % 6), 4)
    return {
        "auc": auc,
        "precision": round(0.80 + 0.01 * ((i * 3 + v) % 10), 4),
        "recall": round(0.75 + 0.01 * ((i + v * 5) % 12), 4),
        "auc/region:EU": 0.62 if (i + v) % 5 == 0 else round(auc - 0.01, 4),
        "auc/region:US": round(auc + 0.005, 4),
        "auc/segment:retail": round(auc - 0.02, 4),
    }


def card(name, i, v, m):
    parts = [
        f"# {name} version {v}",
        "## Intended use\nScores applications for the steward integration tests. Not for real decisions.",
        "## Limitations\nTrained on synthetic data; calibrated only for the holdout population.",
        "## Training data\nholdout-2025q4 (synthetic).",
        "## Evaluation\n" + "\n".join(f"- {k}: {m[k]}" for k in sorted(m)),
    ]
    if (i + v) % 7 == 0:
        parts.pop(2)
    return "\n\n".join(parts) + "\n"


class Populator:
    def __init__(self, client):
        self.client = client
        exp = client.get_experiment_by_name(EXPERIMENT)
        self.exp_id = exp.experiment_id if exp else client.create_experiment(EXPERIMENT)
        self.work = tempfile.mkdtemp(prefix="mlfx-")
        # One saved pyfunc model is the template every version's files are made from.
        self.template = os.path.join(self.work, "template")
        weights = os.path.join(self.work, "weights.json")
        with open(weights, "w") as f:
            json.dump({"threshold": 0.5}, f)
        # The class is pickled by reference to this module (so python_model.pkl does not carry
        # this file's path) and the module ships in the model's code/ directory.
        import mlflow_fixture

        mlflow.pyfunc.save_model(
            self.template,
            python_model=mlflow_fixture.ThresholdModel(),
            artifacts={"weights": weights},
            code_paths=[os.path.abspath(__file__)],
            pip_requirements=[f"mlflow=={mlflow.__version__}"],
        )

    def close(self):
        shutil.rmtree(self.work, ignore_errors=True)

    def model_dir(self, name, v):
        d = os.path.join(self.work, f"{name}-{v}")
        shutil.copytree(self.template, d)
        with open(os.path.join(d, "artifacts", "weights.json"), "w") as f:
            json.dump({"model": name, "version": v, "threshold": round(0.3 + 0.01 * (v % 50), 2)}, f)
        mlmodel = os.path.join(d, "MLmodel")
        m = Model.load(mlmodel)
        m.model_uuid = uuid.uuid5(uuid.NAMESPACE_URL, f"steward-fixture/{name}/{v}").hex
        m.utc_time_created = "2026-01-01 00:00:00.000000"
        m.flavors["python_function"]["artifacts"]["weights"]["uri"] = "weights.json"  # not the temp path
        m.save(mlmodel)
        return d

    def version(self, name, v):
        """Logs a run for version v of NAME and registers it; returns the ModelVersion."""
        c, i = self.client, index_of(name)
        m = values(i, v)
        t = T0 + (i * 1000 + v) * 1000
        run = c.create_run(
            self.exp_id,
            start_time=t,
            run_name=f"{name}-v{v}",
            tags={"mlflow.user": AUTHORS[(v - 1) % len(AUTHORS)]},
        )
        rid = run.info.run_id
        c.log_batch(
            rid,
            metrics=[Metric(k, val, t, 0) for k, val in sorted(m.items())],
            params=[
                Param("dataset", "holdout"),
                Param("learning_rate", str(round(0.05 * (1 + v % 4), 2))),
                Param("n_estimators", str(100 + 10 * v)),
            ],
        )
        d = self.model_dir(name, v)
        c.log_artifacts(rid, d, "model")
        shutil.rmtree(d)
        with contextlib.redirect_stdout(io.StringIO()):  # it prints "View run ... at" links
            c.set_terminated(rid, "FINISHED", end_time=t + 60000)
        tags = {
            "git.commit": hashlib.sha1(f"{name}/{v}".encode()).hexdigest()[:12],
            "training.data": "holdout-2025q4",
        }
        return c.create_model_version(
            name,
            f"{run.info.artifact_uri}/model",
            run_id=rid,
            tags=tags,
            description=card(name, i, v, m),
            await_creation_for=0,
        )


def latest_version(client, name):
    vs = client.search_model_versions(f"name = '{name}'", max_results=10000)
    return max((int(x.version) for x in vs), default=0)


def cmd_populate(client, a):
    start = time.monotonic()
    p = Populator(client)
    try:
        for i in range(1, a.models + 1):
            name = f"{a.prefix}{i:03d}"
            client.create_registered_model(
                name,
                tags={"steward.tier": TIERS[(i - 1) % 4], "steward.owner": OWNERS[(i - 1) % 3]},
                description=f"Fixture model {i} for the steward integration tests.",
            )
            for v in range(1, a.versions + 1):
                p.version(name, v)
            if a.versions > 1:
                client.set_registered_model_alias(name, "production", str(a.versions - 1))
                client.set_registered_model_alias(name, "staging", str(a.versions))
            else:
                client.set_registered_model_alias(name, "production", "1")
    finally:
        p.close()
    n = a.models * a.versions
    print(f"populated {a.models} models, {n} versions in {time.monotonic() - start:.1f} s", file=sys.stderr)


def cmd_add_version(client, a):
    p = Populator(client)
    try:
        print(p.version(a.model, latest_version(client, a.model) + 1).version)
    finally:
        p.close()


def cmd_set_alias(client, a):
    client.set_registered_model_alias(a.model, a.alias, a.version)


def cmd_delete_alias(client, a):
    client.delete_registered_model_alias(a.model, a.alias)


def cmd_get_alias(client, a):
    print(client.get_model_version_by_alias(a.model, a.alias).version)


def cmd_tags(client, a):
    print(json.dumps(client.get_model_version(a.model, a.version).tags, sort_keys=True))


def cmd_describe(client, a):
    mv = client.get_model_version(a.model, a.version)
    print(json.dumps({
        "name": mv.name,
        "version": mv.version,
        "source": mv.source,
        "run_id": mv.run_id,
        "aliases": sorted(mv.aliases),
        "tags": mv.tags,
        "user_id": mv.user_id,
        "description": mv.description,
    }, sort_keys=True))


def cmd_files(client, a):
    mv = client.get_model_version(a.model, a.version)
    with tempfile.TemporaryDirectory(prefix="mlfx-") as tmp:
        root = mlflow.artifacts.download_artifacts(artifact_uri=mv.source, dst_path=tmp)
        out = []
        for d, _, names in os.walk(root):
            for n in names:
                path = os.path.join(d, n)
                with open(path, "rb") as f:
                    data = f.read()
                rel = os.path.relpath(path, root)
                out.append({"path": rel, "size": len(data), "sha256": hashlib.sha256(data).hexdigest()})
    print(json.dumps(sorted(out, key=lambda x: x["path"])))


def main():
    ap = argparse.ArgumentParser(prog="mlflow_fixture.py", description=__doc__.split("\n")[0])
    sub = ap.add_subparsers(dest="cmd", required=True)
    s = sub.add_parser("populate")
    s.add_argument("--models", type=int, required=True)
    s.add_argument("--versions", type=int, required=True)
    s.add_argument("--prefix", default="model-")
    s.set_defaults(fn=cmd_populate)
    for cmd, fn, args in [
        ("add-version", cmd_add_version, ["model"]),
        ("set-alias", cmd_set_alias, ["model", "alias", "version"]),
        ("delete-alias", cmd_delete_alias, ["model", "alias"]),
        ("get-alias", cmd_get_alias, ["model", "alias"]),
        ("tags", cmd_tags, ["model", "version"]),
        ("describe", cmd_describe, ["model", "version"]),
        ("files", cmd_files, ["model", "version"]),
    ]:
        s = sub.add_parser(cmd)
        for x in args:
            s.add_argument(x)
        s.set_defaults(fn=fn)
    a = ap.parse_args()
    if not os.environ.get("MLFLOW_TRACKING_URI"):
        sys.exit("mlflow_fixture: MLFLOW_TRACKING_URI is not set")
    logging.getLogger("mlflow").setLevel(logging.WARNING)
    try:
        a.fn(MlflowClient(), a)
    except MlflowException as e:
        sys.exit(f"mlflow_fixture: {a.cmd}: {e.message}")


if __name__ == "__main__":
    main()
