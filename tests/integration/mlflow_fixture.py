"""mlflow_fixture.py: puts known models into a real MLflow server and reads them back, for the
integration tests (the test peer of steward's MLflow plugin; run through `mlfx` in lib-mlflow.sh).

Talks to $MLFLOW_TRACKING_URI with MLflow's own Python client (MlflowClient). Subcommands:

  populate --models N --versions M [--prefix P]   N registered models of M versions each
                                     (P may hold spaces: --prefix 'Fraud Scoring ' makes
                                     "Fraud Scoring 001", ...)
  add-version MODEL [--no-user]      one more version (run, metrics, model files); prints its number.
                                     --no-user: the run gets no mlflow.user tag (MLflow then records
                                     its user_id as "unknown"), and the version's user_id stays empty
                                     as always: a version with no author anywhere
  set-alias MODEL ALIAS VERSION      delete-alias MODEL ALIAS      get-alias MODEL ALIAS (prints it)
  tags MODEL VERSION                 the version's tags as JSON
  describe MODEL VERSION             source, run_id, aliases, tags, user_id, description as JSON
  files MODEL VERSION                the version's artifact files fetched through the server's
                                     artifact proxy: JSON [{path, size, sha256}] sorted by path
                                     (an independent oracle for the plugin's artifact manifest)

MLflow 3 only (LoggedModels; on 2.x these exit with an error):

  log-model MODEL [--user U] [--dataset NAME] [--no-register]
                                     the MLflow 3 default path: in a run of "steward-fixture",
                                     mlflow.log_input(<dataset>, context="training"), then
                                     mlflow.pyfunc.log_model(name="model", python_model=...,
                                     registered_model_name=MODEL), so the version's source is
                                     models:/m-<model id> and its files live under the LoggedModel's
                                     artifact_location; then the metrics of values() logged with
                                     dataset=<the dataset> and model_id=<the model id>.
                                     Prints the new version's number on stdout (with --no-register:
                                     nothing is registered and it prints the model id instead) and,
                                     as the last line on stderr that starts with "{", one JSON object
                                     {"model": MODEL, "version", "model_id", "model_uri", "run_id",
                                      "dataset": {"name", "digest"}, "source"} ("version" and
                                     "source" are null with --no-register)
  logged-model-files MODEL VERSION   the files of the LoggedModel behind the version (its source
                                     models:/m-<id>), fetched with MLflow's own client
                                     (mlflow.get_logged_model(id).artifact_location, then
                                     mlflow.artifacts.download_artifacts): JSON [{path, size, sha256}]
                                     sorted by path, like `files`

Both series:

  register MODEL RUNS_URI            mlflow.register_model(RUNS_URI, MODEL) (e.g. runs:/<run id>/model),
                                     creating MODEL with the tags populate would give it if it is
                                     missing; prints the version's number, and its source as the
                                     last line on stderr. In 3.x a run whose "model" is a LoggedModel
                                     (log-model --no-register) registers as models:/m-<id>; a run
                                     with plain artifacts under model/ as their mlflow-artifacts: URI

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
    (index + v) % 7 == 0.  Version user_id stays empty: neither MLflow 2.22.5 nor 3.17.2 sets it
    through the REST API, not even for an authenticated client (mlflow-auth.sh shows it), and the
    client cannot; the author is the run's mlflow.user tag (and its user_id).
  - the model files are a real mlflow.pyfunc model (MLmodel, python_model.pkl, code/, conda.yaml,
    python_env.yaml, requirements.txt, artifacts/weights.json): a threshold classifier whose
    weights differ per version, so every version has different bytes; MLmodel's uuid and time are
    derived from (model, version), so every populate makes the same bytes (given the same
    fixture file and Python: conda.yaml names the Python version, code/ holds this file).
  - aliases: with M > 1, production -> M-1 and staging -> M; with M == 1, production -> 1.

What log-model makes (version v = the model's next version number, index i as above):
  - the registered model MODEL, if missing, with the same tags and description as populate's;
  - a run "MODEL-v<v>" with tag mlflow.user = U (default the author populate would give v),
    params learning_rate and n_estimators as populate's (not its dataset param: the dataset is
    named only the MLflow 3 way), one dataset input: mlflow.data.from_pandas of a fixed 8-row frame
    (columns score, label; values from (i, v)), named NAME (default holdout-2025q4), source
    file:///steward-fixture/<NAME>.parquet, targets label, context tag training;
  - the LoggedModel "model" (the same ThresholdModel, weights per (MODEL, v)), registered as
    version v of MODEL, whose description is the model card and tags git.commit and training.data
    as populate's (set after registration, as a pipeline would);
  - metrics auc, precision, recall and the slices, values(i, v), each logged with dataset= and
    model_id=, so MLflow 3 links them to both (only the LoggedModel's own data shows that).
  Model ids and run ids are MLflow's own; the files hold them (MLmodel names the model id), so
  unlike populate's their bytes differ from run to run: compare them with logged-model-files.
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
import warnings

sys.dont_write_bytecode = True  # it imports itself (see Populator): no __pycache__ in the clone
import mlflow
import mlflow.data
import mlflow.pyfunc
from mlflow import MlflowClient
from mlflow.entities import Metric, Param
from mlflow.exceptions import MlflowException
from mlflow.models import Model

MLFLOW3 = int(mlflow.__version__.split(".")[0]) >= 3

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


def author(v):
    return AUTHORS[(v - 1) % len(AUTHORS)]


def params(v):
    return [
        Param("dataset", "holdout"),
        Param("learning_rate", str(round(0.05 * (1 + v % 4), 2))),
        Param("n_estimators", str(100 + 10 * v)),
    ]


def version_tags(name, v):
    return {
        "git.commit": hashlib.sha1(f"{name}/{v}".encode()).hexdigest()[:12],
        "training.data": "holdout-2025q4",
    }


def weights(name, v):
    return {"model": name, "version": v, "threshold": round(0.3 + 0.01 * (v % 50), 2)}


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
            json.dump(weights(name, v), f)
        mlmodel = os.path.join(d, "MLmodel")
        m = Model.load(mlmodel)
        m.model_uuid = uuid.uuid5(uuid.NAMESPACE_URL, f"steward-fixture/{name}/{v}").hex
        m.utc_time_created = "2026-01-01 00:00:00.000000"
        m.flavors["python_function"]["artifacts"]["weights"]["uri"] = "weights.json"  # not the temp path
        m.save(mlmodel)
        return d

    def version(self, name, v, user=True):
        """Logs a run for version v of NAME and registers it; returns the ModelVersion.
        user=False: the run has no mlflow.user tag."""
        c, i = self.client, index_of(name)
        m = values(i, v)
        t = T0 + (i * 1000 + v) * 1000
        run = c.create_run(
            self.exp_id,
            start_time=t,
            run_name=f"{name}-v{v}",
            tags={"mlflow.user": author(v)} if user else {},
        )
        rid = run.info.run_id
        c.log_batch(rid, metrics=[Metric(k, val, t, 0) for k, val in sorted(m.items())], params=params(v))
        d = self.model_dir(name, v)
        c.log_artifacts(rid, d, "model")
        shutil.rmtree(d)
        with contextlib.redirect_stdout(io.StringIO()):  # it prints "View run ... at" links
            c.set_terminated(rid, "FINISHED", end_time=t + 60000)
        return c.create_model_version(
            name,
            f"{run.info.artifact_uri}/model",
            run_id=rid,
            tags=version_tags(name, v),
            description=card(name, i, v, m),
            await_creation_for=0,
        )


def create_model(client, name, if_missing=False):
    """Registers NAME with populate's tags (by its index) and description."""
    i = index_of(name)
    if if_missing:
        try:
            client.get_registered_model(name)
            return
        except MlflowException as e:
            if e.error_code != "RESOURCE_DOES_NOT_EXIST":
                raise
    client.create_registered_model(
        name,
        tags={"steward.tier": TIERS[(i - 1) % 4], "steward.owner": OWNERS[(i - 1) % 3]},
        description=f"Fixture model {i} for the steward integration tests.",
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
            create_model(client, name)
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
        print(p.version(a.model, latest_version(client, a.model) + 1, user=not a.no_user).version)
    finally:
        p.close()


def need_mlflow3(cmd):
    if not MLFLOW3:
        sys.exit(f"mlflow_fixture: {cmd} needs MLflow 3 (LoggedModels); this is {mlflow.__version__}")


def dataset(i, v, name):
    """The fixed evaluation frame of version v of model number i, as an MLflow dataset."""
    import pandas as pd

    scores = [round(((i * 7 + v * 3 + k * 11) % 100) / 100, 2) for k in range(8)]
    df = pd.DataFrame({"score": scores, "label": [int(x >= 0.5) for x in scores]})
    return mlflow.data.from_pandas(df, source=f"file:///steward-fixture/{name}.parquet", targets="label", name=name)


def cmd_log_model(client, a):
    need_mlflow3("log-model")
    import mlflow_fixture

    name, i = a.model, index_of(a.model)
    v = latest_version(client, name) + 1
    exp = client.get_experiment_by_name(EXPERIMENT)
    exp_id = exp.experiment_id if exp else client.create_experiment(EXPERIMENT)
    if not a.no_register:
        create_model(client, name, if_missing=True)
    m = values(i, v)
    t = T0 + (i * 1000 + v) * 1000
    ds = dataset(i, v, a.dataset)
    work = tempfile.mkdtemp(prefix="mlfx-")
    try:
        wpath = os.path.join(work, "weights.json")
        with open(wpath, "w") as f:
            json.dump(weights(name, v), f)
        # MLflow prints "View run ... at" links on stdout: stdout is only for the answer.
        with contextlib.redirect_stdout(io.StringIO()):
            with mlflow.start_run(experiment_id=exp_id, run_name=f"{name}-v{v}",
                                  tags={"mlflow.user": a.user or author(v)}) as run:
                # The dataset is named the MLflow 3 way only (the input), not by populate's param.
                mlflow.log_params({p.key: p.value for p in params(v) if p.key != "dataset"})
                mlflow.log_input(ds, context="training")
                info = mlflow.pyfunc.log_model(
                    name="model",
                    python_model=mlflow_fixture.ThresholdModel(),
                    artifacts={"weights": wpath},
                    code_paths=[os.path.abspath(__file__)],
                    pip_requirements=[f"mlflow=={mlflow.__version__}"],
                    registered_model_name=None if a.no_register else name,
                    await_registration_for=0,
                )
                mlflow.log_metrics(dict(sorted(m.items())), timestamp=t, dataset=ds, model_id=info.model_id)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    version = source = None
    if not a.no_register:
        version = str(info.registered_model_version)
        client.update_model_version(name, version, description=card(name, i, v, m))
        for k, val in version_tags(name, v).items():
            client.set_model_version_tag(name, version, k, val)
        source = client.get_model_version(name, version).source
    print(version if version is not None else info.model_id)
    print(json.dumps({
        "model": name,
        "version": version,
        "model_id": info.model_id,
        "model_uri": info.model_uri,
        "run_id": run.info.run_id,
        "dataset": {"name": ds.name, "digest": ds.digest},
        "source": source,
    }, sort_keys=True), file=sys.stderr)


def manifest(root):
    """[{path, size, sha256}] of every file under the local directory ROOT, sorted by path."""
    out = []
    for d, _, names in os.walk(root):
        for n in names:
            path = os.path.join(d, n)
            with open(path, "rb") as f:
                data = f.read()
            out.append({"path": os.path.relpath(path, root), "size": len(data),
                        "sha256": hashlib.sha256(data).hexdigest()})
    return sorted(out, key=lambda x: x["path"])


def cmd_logged_model_files(client, a):
    need_mlflow3("logged-model-files")
    mv = client.get_model_version(a.model, a.version)
    if not mv.source.startswith("models:/m-"):
        sys.exit(f"mlflow_fixture: logged-model-files: {a.model} v{a.version} comes from {mv.source}, not a LoggedModel")
    lm = mlflow.get_logged_model(mv.source[len("models:/"):])
    with tempfile.TemporaryDirectory(prefix="mlfx-") as tmp:
        root = mlflow.artifacts.download_artifacts(artifact_uri=lm.artifact_location, dst_path=tmp)
        print(json.dumps(manifest(root)))


def cmd_register(client, a):
    create_model(client, a.model, if_missing=True)
    with contextlib.redirect_stdout(io.StringIO()):
        mv = mlflow.register_model(a.runs_uri, a.model, await_registration_for=0)
    print(mv.version)
    print(mv.source, file=sys.stderr)


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
        print(json.dumps(manifest(root)))


def main():
    ap = argparse.ArgumentParser(prog="mlflow_fixture.py", description=__doc__.split("\n")[0])
    sub = ap.add_subparsers(dest="cmd", required=True)
    s = sub.add_parser("populate")
    s.add_argument("--models", type=int, required=True)
    s.add_argument("--versions", type=int, required=True)
    s.add_argument("--prefix", default="model-")
    s.set_defaults(fn=cmd_populate)
    s = sub.add_parser("add-version")
    s.add_argument("model")
    s.add_argument("--no-user", action="store_true")
    s.set_defaults(fn=cmd_add_version)
    s = sub.add_parser("log-model")
    s.add_argument("model")
    s.add_argument("--user")
    s.add_argument("--dataset", default="holdout-2025q4")
    s.add_argument("--no-register", action="store_true")
    s.set_defaults(fn=cmd_log_model)
    for cmd, fn, args in [
        ("logged-model-files", cmd_logged_model_files, ["model", "version"]),
        ("register", cmd_register, ["model", "runs_uri"]),
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
    # MLflow 3's advice on pickled python_model objects, integer schemas and dataset sources is
    # noise here: the fixture pickles on purpose and its frames are made up.
    logging.getLogger("mlflow.pyfunc").setLevel(logging.ERROR)
    warnings.filterwarnings("ignore", category=UserWarning)
    try:
        a.fn(MlflowClient(), a)
    except MlflowException as e:
        sys.exit(f"mlflow_fixture: {a.cmd}: {e.message}")


if __name__ == "__main__":
    main()
