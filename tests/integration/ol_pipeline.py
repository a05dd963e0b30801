"""ol_pipeline.py: a feature pipeline and a model's training runs, emitted through the real
OpenLineage Python client's FileTransport (the test peer of tests/integration/openlineage.sh),
and the checker that compares what steward shows with what was emitted.

  ol_pipeline.py emit DIR PART MANIFEST --model NAME --mlflow-run V=ID... --now EPOCH
      Emits PART of the estate into DIR and merges what it emitted into MANIFEST (JSON):
        base  the feature pipeline (JSON lines, FileTransport append=True, DIR/pipeline.ndjson):
              raw loans and payments -> build_loan_features -> loan_features, one build_training_set
              run that FAILs and one that COMPLETEs -> the training set (a steward_digest facet);
              training runs (one event per file, append=False, DIR/train-*.json): version 1 linked
              by the "mlflow" run facet, version 2 (debug_mode: indented, one event over many lines,
              DIR/train-debug-*.json) by an output dataset mlflow/models:/NAME/2
        more  what comes between two syncs: a second build_loan_features run appended to
              pipeline.ndjson, version 3 linked by the "steward_model" run facet but reading a
              dataset without a digest, and version 4 whose training run FAILs
      --mlflow-run V=ID gives the MLflow run id a version was registered with (steward version
      add --run ID); --now is the time the events are dated before.
  ol_pipeline.py line PATH RUN_ID --now EPOCH
      Writes one OpenLineage START event (of an extra job) as one line to PATH, through the
      client's serialisation, without a newline: the suite writes it in two halves.
  ol_pipeline.py check MANIFEST GRAPH MODEL VERSION
      GRAPH is `steward lineage show MODEL VERSION --upstream --json`: exits 1 naming every
      difference from the upstream closure the manifest says the version has (datasets with
      their versions and digests, runs with their states, edges).
  ol_pipeline.py complete MANIFEST MODEL VERSION
      Prints "complete" or "incomplete" as steward-policy(5)'s lineage-complete defines it,
      computed here from the manifest alone.
"""

import datetime
import hashlib
import json
import os
import sys
import time
import uuid

import attr
from openlineage.client import OpenLineageClient
from openlineage.client.event_v2 import InputDataset, Job, OutputDataset, Run, RunEvent, RunState
from openlineage.client.facet_v2 import (
    DatasetFacet,
    RunFacet,
    dataset_version_dataset,
    datasource_dataset,
    error_message_run,
    schema_dataset,
)
from openlineage.client.transport.file import FileConfig, FileTransport


# ---- steward's conventions (steward-lineage(7)), as custom facets of the real client ----


@attr.define
class MlflowRunFacet(RunFacet):
    """run facet "mlflow": the MLflow run this run was; links to the version registered with it."""

    runId: str  # noqa: N815

    @staticmethod
    def _get_schema() -> str:
        return "https://steward.invalid/spec/MlflowRunFacet.json"


@attr.define
class StewardModelRunFacet(RunFacet):
    """run facet "steward_model": the registered model version this run produced."""

    name: str
    version: int

    @staticmethod
    def _get_schema() -> str:
        return "https://steward.invalid/spec/StewardModelRunFacet.json"


@attr.define
class StewardDigestDatasetFacet(DatasetFacet):
    """dataset facet "steward_digest": the sha256 of the dataset version's bytes."""

    sha256: str

    @staticmethod
    def _get_schema() -> str:
        return "https://steward.invalid/spec/StewardDigestDatasetFacet.json"


# ---- the estate ----

RAW_NS = "postgres://lending-db:5432"
LAKE_NS = "s3://acme-features"
ML_NS = "s3://acme-ml"
JOB_NS = "feature-pipeline"
TRAIN_NS = "ml-training"
RUN_UUID_NS = uuid.UUID("6f1f5a4e-2b7c-4c1e-9a53-0d3b8f0c7a11")


def sha(text):
    return hashlib.sha256(text.encode()).hexdigest()


def run_id(name):
    return str(uuid.uuid5(RUN_UUID_NS, name))


def dataset(ns, name, version=None, digest=None, digest_by="version", fields=None, source=None):
    """One dataset version: what the events carry and what the manifest expects of it.
    digest_by "version": datasetVersion is "sha256:<hex>"; "facet": a steward_digest facet
    (with a datasetVersion that is not a digest); None: no digest at all."""
    facets = {}
    if source is not None:
        facets["dataSource"] = datasource_dataset.DatasourceDatasetFacet(name=source[0], uri=source[1])
    if fields is not None:
        facets["schema"] = schema_dataset.SchemaDatasetFacet(
            fields=[schema_dataset.SchemaDatasetFacetFields(name=n, type=t) for n, t in fields]
        )
    if digest_by == "version":
        version = "sha256:" + digest
    if version is not None:
        facets["version"] = dataset_version_dataset.DatasetVersionDatasetFacet(datasetVersion=version)
    if digest_by == "facet":
        facets["steward_digest"] = StewardDigestDatasetFacet(sha256=digest)
    return {
        "ns": ns,
        "name": name,
        "version": version or "",
        "digest": "sha256:" + digest if digest_by else "",
        "source": source[1] if source else "",
        "fields": [n for n, _ in fields] if fields else [],
        "facets": facets,
    }


LOAN_FIELDS = [("loan_id", "BIGINT"), ("customer_id", "BIGINT"), ("amount", "DECIMAL(12,2)"), ("issued", "DATE")]
PAYMENT_FIELDS = [("loan_id", "BIGINT"), ("paid", "DECIMAL(12,2)"), ("due", "DATE"), ("days_late", "INT")]
FEATURE_FIELDS = [("loan_id", "BIGINT"), ("dti", "DOUBLE"), ("late_90d", "INT"), ("utilisation", "DOUBLE")]
TRAIN_FIELDS = FEATURE_FIELDS + [("defaulted", "BOOLEAN")]
DB = ("lending-db", "postgres://lending-db:5432/lending")


def raw(name, day, fields):
    return dataset(RAW_NS, name, digest=sha(f"{name}@{day}"), fields=fields, source=DB)


LOANS1 = raw("lending.public.loans", "2025-12-30", LOAN_FIELDS)
PAYMENTS1 = raw("lending.public.payments", "2025-12-30", PAYMENT_FIELDS)
LOANS2 = raw("lending.public.loans", "2025-12-31", LOAN_FIELDS)
PAYMENTS2 = raw("lending.public.payments", "2025-12-31", PAYMENT_FIELDS)
FEATURES1 = dataset(LAKE_NS, "loan_features", digest=sha("loan_features@2025-12-30"), fields=FEATURE_FIELDS,
                    source=("acme-features", "s3://acme-features"))
FEATURES2 = dataset(LAKE_NS, "loan_features", digest=sha("loan_features@2025-12-31"), fields=FEATURE_FIELDS,
                    source=("acme-features", "s3://acme-features"))
TRAINSET = dataset(ML_NS, "training/loan-default-pd", version="2025-12-30", digest=sha("trainset@2025-12-30"),
                   digest_by="facet", fields=TRAIN_FIELDS, source=("acme-ml", "s3://acme-ml"))
# An analyst's sample read straight from a notebook: no version, no digest.
SAMPLE = dataset(ML_NS, "scratch/loan-default-sample", digest_by=None, fields=TRAIN_FIELDS)


def model_output(model, version):
    """An output dataset mlflow/models:/NAME/VERSION: the second way a run names its version."""
    return {"ns": "mlflow", "name": f"models:/{model}/{version}", "version": "", "digest": "", "source": "",
            "fields": [], "facets": {}}


class Estate:
    def __init__(self, directory, manifest_path, model, mlflow_runs, now):
        self.dir = directory
        self.manifest_path = manifest_path
        self.model = model
        self.mlflow_runs = mlflow_runs
        self.now = now
        self.clock = now - 36 * 3600
        if os.path.exists(manifest_path):
            with open(manifest_path) as f:
                self.manifest = json.load(f)
        else:
            self.manifest = {"model": model, "datasets": {}, "runs": {}, "events": 0, "files": []}
        # The transports as a pipeline would configure them: no YAML file, no environment.
        self.lines = self.client(FileConfig(log_file_path=os.path.join(directory, "pipeline.ndjson"), append=True))
        self.files = self.client(FileConfig(log_file_path=os.path.join(directory, "train"), append=False))
        self.pretty = self.client(
            FileConfig(log_file_path=os.path.join(directory, "train-debug"), append=False, debug_mode=True)
        )

    @staticmethod
    def client(config):
        return OpenLineageClient(transport=FileTransport(config), config={"transport": {"type": "file"}})

    def tick(self, minutes):
        self.clock += minutes * 60
        return datetime.datetime.fromtimestamp(self.clock, datetime.timezone.utc).isoformat().replace("+00:00", "Z")

    def note_dataset(self, d):
        key = f'{d["ns"]}|{d["name"]}|{d["version"]}'
        self.manifest["datasets"][key] = {k: d[k] for k in ("ns", "name", "version", "digest", "source", "fields")}
        return key

    def run(self, client, job, name, inputs, outputs, end=RunState.COMPLETE, run_facets=None, links=()):
        """One run: START with its datasets, then its end event with them again (as Airflow and
        Spark integrations do), each through client."""
        rid = run_id(name)
        facets = dict(run_facets or {})
        if end == RunState.FAIL:
            # It failed reading: it never named an output, not even in its START.
            outputs = []
        ins = [InputDataset(namespace=d["ns"], name=d["name"], facets=d["facets"]) for d in inputs]
        outs = [OutputDataset(namespace=d["ns"], name=d["name"], facets=d["facets"]) for d in outputs]
        for state in (RunState.START, end):
            if state == RunState.FAIL:
                facets["errorMessage"] = error_message_run.ErrorMessageRunFacet(
                    message="KeyError: 'days_late' not in loan_features", programmingLanguage="PYTHON"
                )
            client.emit(
                RunEvent(
                    eventType=state,
                    eventTime=self.tick(7),
                    run=Run(runId=rid, facets=facets),
                    job=Job(namespace=JOB_NS if job != "train_loan_default_pd" else TRAIN_NS, name=job),
                    inputs=ins,
                    outputs=outs,
                )
            )
            self.manifest["events"] += 1
            # One file per event is named after the time to the microsecond: never two in one.
            time.sleep(0.002)
        self.manifest["runs"][rid] = {
            "job_ns": JOB_NS if job != "train_loan_default_pd" else TRAIN_NS,
            "job": job,
            "state": end.value,
            "inputs": [self.note_dataset(d) for d in inputs],
            "outputs": [self.note_dataset(d) for d in outputs if d["ns"] != "mlflow"],
            "links": [list(link) for link in links],
        }
        return rid

    def mlflow_facet(self, version):
        return {"mlflow": MlflowRunFacet(runId=self.mlflow_runs[version])}

    def base(self):
        m = self.model
        self.run(self.lines, "build_loan_features", "features-2025-12-30", [LOANS1, PAYMENTS1], [FEATURES1])
        self.run(self.lines, "build_training_set", "trainset-2025-12-30-try1", [FEATURES1], [TRAINSET],
                 end=RunState.FAIL)
        self.run(self.lines, "build_training_set", "trainset-2025-12-30-try2", [FEATURES1], [TRAINSET])
        self.run(self.files, "train_loan_default_pd", "train-v1", [TRAINSET], [], run_facets=self.mlflow_facet(1),
                 links=[(m, 1)])
        self.run(self.pretty, "train_loan_default_pd", "train-v2", [TRAINSET], [model_output(m, 2)],
                 links=[(m, 2)])

    def more(self):
        m = self.model
        self.clock += 12 * 3600
        self.run(self.lines, "build_loan_features", "features-2025-12-31", [LOANS2, PAYMENTS2], [FEATURES2])
        self.run(self.files, "train_loan_default_pd", "train-v3", [TRAINSET, SAMPLE], [],
                 run_facets={"steward_model": StewardModelRunFacet(name=m, version=3)}, links=[(m, 3)])
        self.run(self.files, "train_loan_default_pd", "train-v4", [FEATURES2], [], end=RunState.FAIL,
                 run_facets=self.mlflow_facet(4), links=[(m, 4)])

    def save(self):
        self.manifest["files"] = sorted(os.listdir(self.dir))
        with open(self.manifest_path, "w") as f:
            json.dump(self.manifest, f, indent=1, sort_keys=True)


# ---- the checker ----


def upstream(manifest, model, version):
    """The expected upstream closure of a model version: dataset and run keys, and edges."""
    runs = manifest["runs"]
    producers = {}
    for rid, r in runs.items():
        for d in r["outputs"]:
            producers.setdefault(d, []).append(rid)
    linked = [rid for rid, r in runs.items() if [model, version] in r["links"]]
    seen_runs, seen_ds, edges = set(), set(), set()
    todo = list(linked)
    for rid in linked:
        edges.add((("run", rid), ("model", f"{model}/{version}")))
    while todo:
        rid = todo.pop()
        if rid in seen_runs:
            continue
        seen_runs.add(rid)
        for d in runs[rid]["inputs"]:
            edges.add((("dataset", d), ("run", rid)))
            if d not in seen_ds:
                seen_ds.add(d)
                for p in producers.get(d, []):
                    edges.add((("run", p), ("dataset", d)))
                    todo.append(p)
    return linked, seen_runs, seen_ds, edges


def completeness(manifest, model, version):
    linked, _, _, _ = upstream(manifest, model, version)
    runs = manifest["runs"]
    ok = bool(linked) and all(runs[r]["state"] == "COMPLETE" and runs[r]["inputs"] for r in linked)
    ok = ok and all(manifest["datasets"][d]["digest"] for r in linked for d in runs[r]["inputs"])
    return "complete" if ok else "incomplete"


def node_key(n):
    """A node of steward's graph JSON as (kind, key) in the manifest's terms."""
    kind = n.get("kind")
    if kind == "dataset":
        return ("dataset", f'{n.get("namespace")}|{n.get("name")}|{n.get("version")}')
    if kind == "run":
        return ("run", n.get("run_id"))
    if kind == "model":
        return ("model", f'{n.get("model")}/{n.get("version")}')
    return (kind, json.dumps(n, sort_keys=True))


def check(manifest_path, graph_path, model, version):
    with open(manifest_path) as f:
        manifest = json.load(f)
    with open(graph_path) as f:
        graph = json.load(f)
    linked, runs, datasets, edges = upstream(manifest, model, int(version))
    bad = []
    by_id = {}
    for n in graph.get("nodes", []):
        by_id[n["id"]] = n
    got_nodes = {node_key(n): n for n in by_id.values()}
    want = {("model", f"{model}/{version}")} | {("run", r) for r in runs} | {("dataset", d) for d in datasets}
    for k in sorted(want - set(got_nodes)):
        bad.append(f"missing node {k}")
    for k in sorted(set(got_nodes) - want):
        bad.append(f"unexpected node {k}")
    for k, n in got_nodes.items():
        if k[0] == "dataset" and k[1] in manifest["datasets"]:
            d = manifest["datasets"][k[1]]
            for field, expect in (("digest", d["digest"]), ("source", d["source"])):
                if (n.get(field) or "") != expect:
                    bad.append(f"dataset {k[1]}: {field} {n.get(field)!r}, emitted {expect!r}")
            names = [x.get("name") for x in n.get("fields") or []]
            if names != d["fields"]:
                bad.append(f"dataset {k[1]}: schema fields {names}, emitted {d['fields']}")
        if k[0] == "run" and k[1] in manifest["runs"]:
            r = manifest["runs"][k[1]]
            if n.get("state") != r["state"]:
                bad.append(f"run {k[1]} ({r['job']}): state {n.get('state')!r}, emitted {r['state']!r}")
            if n.get("job") != r["job"] or n.get("job_namespace") != r["job_ns"]:
                bad.append(f"run {k[1]}: job {n.get('job_namespace')}/{n.get('job')}, emitted {r['job_ns']}/{r['job']}")
    got_edges = set()
    for a, b in graph.get("edges", []):
        if a in by_id and b in by_id:
            got_edges.add((node_key(by_id[a]), node_key(by_id[b])))
        else:
            bad.append(f"edge {a} -> {b} names a node the graph does not have")
    for e in sorted(edges - got_edges):
        bad.append(f"missing edge {e[0]} -> {e[1]}")
    for e in sorted(got_edges - edges):
        bad.append(f"unexpected edge {e[0]} -> {e[1]}")
    if not linked:
        bad.append(f"the manifest links no run to {model} {version}")
    for line in bad:
        print(line)
    print(f"{len(want)} nodes and {len(edges)} edges expected, {len(bad)} differences")
    return 1 if bad else 0


def parse_flags(args):
    flags, pos = {}, []
    i = 0
    while i < len(args):
        if args[i].startswith("--"):
            flags.setdefault(args[i][2:], []).append(args[i + 1])
            i += 2
        else:
            pos.append(args[i])
            i += 1
    return flags, pos


def main(argv):
    if len(argv) < 2:
        sys.exit(__doc__)
    flags, pos = parse_flags(argv[2:])
    if argv[1] == "emit" and len(pos) == 3:
        runs = {}
        for v in flags.get("mlflow-run", []):
            k, _, rid = v.partition("=")
            runs[int(k)] = rid
        e = Estate(pos[0], pos[2], flags["model"][0], runs, int(flags["now"][0]))
        if e.manifest["runs"]:
            e.clock = max(e.clock, e.manifest.get("clock", 0))
        {"base": e.base, "more": e.more}[pos[1]]()
        e.manifest["clock"] = e.clock
        e.save()
        return 0
    if argv[1] == "line" and len(pos) == 2:
        t = datetime.datetime.fromtimestamp(int(flags["now"][0]) - 600, datetime.timezone.utc)
        ev = RunEvent(eventType=RunState.START, eventTime=t.isoformat().replace("+00:00", "Z"),
                      run=Run(runId=pos[1]), job=Job(namespace=JOB_NS, name="refresh_dashboards"),
                      inputs=[InputDataset(namespace=LAKE_NS, name="loan_features", facets=FEATURES2["facets"])])
        from openlineage.client.serde import Serde

        with open(pos[0], "w") as f:
            f.write(Serde.to_json(ev))
        return 0
    if argv[1] == "check" and len(pos) == 4:
        return check(*pos)
    if argv[1] == "complete" and len(pos) == 3:
        with open(pos[0]) as f:
            print(completeness(json.load(f), pos[1], int(pos[2])))
        return 0
    sys.exit(__doc__)


if __name__ == "__main__":
    sys.exit(main(sys.argv))
