# mlflow-harness.sh: the real-MLflow harness itself: the venv, the server, the fixture's populate,
# REST reads with plain curl, the artifact proxy, aliases and tags both ways, stop and restart.
# What the MLflow plugin relies on is asserted here, so an MLflow upgrade that changes it fails here;
# where MLflow 3 answers differently, both answers are asserted, each on its own series.
# mlflow-series: 2 3
. "$STEWARD_TOP/tests/lib.sh"
. "$STEWARD_TOP/tests/integration/lib-mlflow.sh"

mlflow_venv
pin=$(sed -n 's/^mlflow==//p' "$MLFLOW_REQUIREMENTS")
expect 0 "the venv's mlflow imports" "$MLFLOW_PY" -c 'import mlflow; print(mlflow.__version__)'
same "the venv has the pinned mlflow" "$OUT" "$pin"

mlflow_start
expect 0 "health" curl -fsS "$MLFLOW_URL/health"
same "health body" "$OUT" OK
expect 0 "populate 3 models x 2 versions" mlfx populate --models 3 --versions 2
has "populate says what it made" "$ERR" "populated 3 models, 6 versions in"

# --- registered models: pages of max_results (at most 1000), page_token from next_page_token ---
expect 0 "search models, page 1" mlapi "mlflow/registered-models/search?max_results=2"
same "page 1 status" "$HTTP" 200
valid "page 1"
same "page 1 size" "$(jlen '$.registered_models')" 2
same "page 1 is sorted by name" "$(j '$.registered_models[0].name') $(j '$.registered_models[1].name')" "model-001 model-002"
same "model-001 tier" "$(jtag '$.registered_models[0].tags' steward.tier)" low
same "model-002 tier" "$(jtag '$.registered_models[1].tags' steward.tier)" medium
same "model-001 owner" "$(jtag '$.registered_models[0].tags' steward.owner)" team-a
tok=$(j '$.next_page_token')
lacks "page 1 has a next page" "$tok" "null"
expect 0 "search models, page 2" mlapi "mlflow/registered-models/search" -G --data-urlencode max_results=2 --data-urlencode "page_token=$tok"
same "page 2 has the rest" "$(jlen '$.registered_models') $(j '$.registered_models[0].name')" "1 model-003"
same "model-003 tier" "$(jtag '$.registered_models[0].tags' steward.tier)" high
same "the last page has no token" "$(jtype '$.next_page_token')" ""
expect 0 "search models, over the limit" mlapi "mlflow/registered-models/search?max_results=1001"
same "max_results 1001 is refused" "$HTTP $(j '$.error_code')" "400 INVALID_PARAMETER_VALUE"

# --- aliases live on the registered model (model-versions/search does not return them) ---
expect 0 "get model-001" mlapi "mlflow/registered-models/get?name=model-001"
same "model-001 aliases" "$(j '$.registered_model.aliases')" '[{"alias":"production","version":"1"},{"alias":"staging","version":"2"}]'

# --- versions: ask for a stable order; page tokens are offsets ---
expect 0 "search versions" mlapi "mlflow/model-versions/search" -G --data-urlencode "filter=name='model-002'" \
	--data-urlencode "order_by=version_number ASC" --data-urlencode max_results=1
same "versions page 1" "$(jlen '$.model_versions') $(j '$.model_versions[0].version')" "1 1"
src1=$(j '$.model_versions[0].source')
tok=$(j '$.next_page_token')
expect 0 "search versions, page 2" mlapi "mlflow/model-versions/search" -G --data-urlencode "filter=name='model-002'" \
	--data-urlencode "order_by=version_number ASC" --data-urlencode max_results=1 --data-urlencode "page_token=$tok"
same "versions page 2" "$(jlen '$.model_versions') $(j '$.model_versions[0].version')" "1 2"
same "no aliases in version search" "$(jtype '$.model_versions[0].aliases')" ""
src=$(j '$.model_versions[0].source')
run_id=$(j '$.model_versions[0].run_id')
same "version tag" "$(jtag '$.model_versions[0].tags' training.data)" holdout-2025q4
has "the description is the card" "$(j '$.model_versions[0].description')" "## Intended use"
same "the source is the run's model directory" "$src" "mlflow-artifacts:/1/$run_id/artifacts/model"
expect 0 "fixture describe" mlfx describe model-002 2
same "describe agrees with REST" "$(j '$.source') $(j '$.run_id')" "$src $run_id"
same "version user_id stays empty" "$(j '$.user_id')" ""

# --- the version's run: metrics (slices as <metric>/<key>:<value>), params, author ---
expect 0 "get the run" mlapi "mlflow/runs/get?run_id=$run_id"
same "run author" "$(j '$.run.info.user_id')" a.okafor
same "auc" "$(jtag '$.run.data.metrics' auc)" 0.92
same "auc on region=EU" "$(jtag '$.run.data.metrics' 'auc/region:EU')" 0.91
same "param" "$(jtag '$.run.data.params' dataset)" holdout

# --- artifacts through the proxy ---
# A version's source "mlflow-artifacts:/<path>" (for these runs <experiment>/<run id>/artifacts/model)
# maps to the proxy path <path>: list a directory with
#   GET /api/2.0/mlflow-artifacts/artifacts?path=<path>[/<subdir>]
#   -> {"files": [{"path": <basename>, "is_dir": bool, "file_size": n (files only)}]}, {} when empty
#      or missing; "path" is the entry's own name, relative to the listed directory
# and fetch a file with GET /api/2.0/mlflow-artifacts/artifacts/<path>/<relative path> (raw bytes,
# chunked, no Content-Length; a missing file is a 500 INTERNAL_ERROR).
# A source may also carry an authority (mlflow-artifacts://host:port/<path>); it is ignored the same way.
root=${src#mlflow-artifacts:/}
# proxy_manifest ROOT: "path size sha256" for every file under ROOT, fetched through the proxy, sorted.
proxy_manifest() {
	todo=.
	while [ -n "$todo" ]; do
		d=${todo%% *}
		case $todo in *" "*) todo=${todo#* } ;; *) todo= ;; esac
		sub=$1${d#.}
		mlapi mlflow-artifacts/artifacts -G --data-urlencode "path=$sub" >"$TMPD/listing" || return 1
		sqlite3 -separator ' ' :memory: "SELECT json_extract(value, '\$.path'), json_extract(value, '\$.is_dir') FROM json_each(CAST(readfile('$TMPD/listing') AS TEXT), '\$.files')" >"$TMPD/entries"
		while read -r name isdir; do
			if [ "$isdir" = 1 ]; then
				todo="${todo:+$todo }$d/$name"
			else
				rel=${d#./}/$name
				rel=${rel#./}
				rel=${rel#/}
				curl -fsS --max-time 20 -o "$TMPD/blob" "$MLFLOW_URL/api/2.0/mlflow-artifacts/artifacts/$1/$rel" || return 1
				echo "$rel $(wc -c <"$TMPD/blob" | tr -d ' ') $(sha256sum "$TMPD/blob" | cut -c1-64)"
			fi
		done <"$TMPD/entries"
	done | LC_ALL=C sort
}
expect 0 "list the model directory" mlapi mlflow-artifacts/artifacts -G --data-urlencode "path=$root"
has "MLmodel listed" "$OUT" '"path": "MLmodel"'
has "the pickled model listed" "$OUT" '"path": "python_model.pkl"'
expect 0 "list a missing directory" mlapi mlflow-artifacts/artifacts -G --data-urlencode "path=$root/nope"
same "a missing directory is empty" "$HTTP $OUT" "200 {}"
expect 0 "the manifest through the proxy" proxy_manifest "$root"
pm=$OUT
same "seven files" "$(printf '%s\n' "$pm" | wc -l | tr -d ' ')" 7
has "nested files get their relative path" "$pm" "artifacts/weights.json "
has "code/ is walked" "$pm" "code/mlflow_fixture.py "
expect 0 "fixture files (the client's own download)" mlfx files model-002 2
same "the proxy walk matches MLflow's client" "$pm" "$(sqlite3 -separator ' ' :memory: "SELECT json_extract(value, '\$.path'), json_extract(value, '\$.size'), json_extract(value, '\$.sha256') FROM json_each(CAST(readfile('$TMPD/out') AS TEXT))" | LC_ALL=C sort)"
disk=$(cd "$TMPD/mlartifacts/$root" && find . -type f | sed 's|^\./||' | LC_ALL=C sort | while read -r f; do
	echo "$f $(wc -c <"$f" | tr -d ' ') $(sha256sum "$f" | cut -c1-64)"
done)
same "the proxy walk matches the bytes on disk" "$pm" "$disk"
expect 0 "version 1's manifest" proxy_manifest "${src1#mlflow-artifacts:/}"
lacks "versions differ in bytes" "$OUT" "$(printf '%s\n' "$pm" | grep '^artifacts/weights.json ')"

# --- aliases and tags: written by one side, read by the other ---
expect 0 "fixture moves production" mlfx set-alias model-002 production 2
expect 0 "REST reads the alias" mlapi "mlflow/registered-models/alias?name=model-002&alias=production"
same "production is 2" "$(j '$.model_version.version')" 2
has "get-by-alias lists the aliases" "$(j '$.model_version.aliases')" '"production"'
expect 0 "REST sets an alias" mlapi mlflow/registered-models/alias -X POST -H 'Content-Type: application/json' \
	-d '{"name": "model-003", "alias": "canary", "version": "1"}'
same "set alias answers {}" "$HTTP $OUT" "200 {}"
expect 0 "fixture reads it" mlfx get-alias model-003 canary
same "canary is 1" "$OUT" 1
expect 0 "REST deletes an alias (JSON body)" mlapi mlflow/registered-models/alias -X DELETE -H 'Content-Type: application/json' \
	-d '{"name": "model-003", "alias": "canary"}'
same "delete alias answers {}" "$HTTP $OUT" "200 {}"
expect 1 "fixture: alias gone" mlfx get-alias model-003 canary
has "fixture: MLflow's message" "$ERR" "Registered model alias canary not found"
expect 0 "REST: alias gone" mlapi "mlflow/registered-models/alias?name=model-003&alias=canary"
same "a missing alias is a 400, not a 404" "$HTTP $(j '$.error_code')" "400 INVALID_PARAMETER_VALUE"
expect 0 "REST sets a version tag" mlapi mlflow/model-versions/set-tag -X POST -H 'Content-Type: application/json' \
	-d '{"name": "model-001", "version": "2", "key": "steward.approved-by", "value": "rosa,ravi"}'
same "set-tag answers {}" "$HTTP $OUT" "200 {}"
expect 0 "fixture reads the tag" mlfx tags model-001 2
same "tag value" "$(j '$."steward.approved-by"')" "rosa,ravi"
expect 0 "fixture deletes staging" mlfx delete-alias model-001 staging
expect 0 "get model-001 again" mlapi "mlflow/registered-models/get?name=model-001"
same "only production left" "$(j '$.registered_model.aliases')" '[{"alias":"production","version":"1"}]'

# --- errors: {"error_code": ..., "message": ...} with the HTTP status ---
expect 0 "unknown model" mlapi "mlflow/registered-models/get?name=nope"
same "unknown model: 404" "$HTTP $(j '$.error_code')" "404 RESOURCE_DOES_NOT_EXIST"
has "unknown model: message" "$(j '$.message')" "Registered Model with name=nope not found"
expect 0 "alias to a missing version" mlapi mlflow/registered-models/alias -X POST -H 'Content-Type: application/json' \
	-d '{"name": "model-001", "alias": "x", "version": "99"}'
same "missing version: 404" "$HTTP $(j '$.error_code')" "404 RESOURCE_DOES_NOT_EXIST"
expect 0 "POST without JSON content type" mlapi mlflow/registered-models/alias -X POST -d '{"name": "model-001", "alias": "x", "version": "1"}'
same "wrong content type: 400" "$HTTP $(j '$.error_code')" "400 INVALID_PARAMETER_VALUE"

expect 0 "add a version" mlfx add-version model-001
same "it is version 3" "$OUT" 3

# --- what pipelines also make, on both series: a name with spaces, a version with no author, register ---
expect 0 "populate a model whose name has spaces" mlfx populate --models 1 --versions 1 --prefix 'Fraud Scoring '
expect 0 "REST reads it by name" mlapi "mlflow/registered-models/get" -G --data-urlencode "name=Fraud Scoring 001"
same "its name and tier" "$HTTP $(j '$.registered_model.name') $(jtag '$.registered_model.tags' steward.tier)" "200 Fraud Scoring 001 low"
expect 0 "REST searches its versions by name" mlapi "mlflow/model-versions/search" -G --data-urlencode "filter=name='Fraud Scoring 001'"
same "one version" "$(jlen '$.model_versions') $(j '$.model_versions[0].name')" "1 Fraud Scoring 001"
expect 0 "a version whose run has no author" mlfx add-version model-003 --no-user
same "it is version 3" "$OUT" 3
expect 0 "describe it" mlfx describe model-003 3
same "its user_id is empty" "$(j '$.user_id')" ""
nu_run=$(j '$.run_id')
expect 0 "REST: the version" mlapi "mlflow/model-versions/get?name=model-003&version=3"
same "REST leaves user_id out when empty" "$(jtype '$.model_version.user_id')" ""
expect 0 "REST: its run" mlapi "mlflow/runs/get?run_id=$nu_run"
same "no mlflow.user tag" "$(jtag '$.run.data.tags' mlflow.user)" ""
same "MLflow's client files such a run under user_id 'unknown'" "$(j '$.run.info.user_id')" unknown
expect 0 "register a run's model directory" mlfx register model-004 "runs:/$run_id/model"
same "a new model's first version" "$OUT" 1
expect 0 "REST: the registered version" mlapi "mlflow/model-versions/get?name=model-004&version=1"
same "runs:/<run>/model with files under model/ registers their mlflow-artifacts: URI" \
	"$(j '$.model_version.source') $(j '$.model_version.run_id')" "mlflow-artifacts:/1/$run_id/artifacts/model $run_id"
expect 0 "register creates the model with the fixture's tags" mlapi "mlflow/registered-models/get?name=model-004"
same "model-004's tier" "$(jtag '$.registered_model.tags' steward.tier)" critical

if [ "$MLFLOW_SERIES" = 3 ]; then
	# --- MLflow 3's own ways: LoggedModels (source models:/m-<id>), datasets, metrics linked to both ---
	expect 0 "log a model the MLflow 3 way" mlfx log-model scoring-010 --user rosa --dataset eval-2025q4
	same "its version" "$OUT" 1
	OUT=$(printf '%s\n' "$ERR" | grep '^{' | tail -n 1)
	valid "log-model's JSON line"
	mid=$(j '$.model_id')
	lrun=$(j '$.run_id')
	ddig=$(j '$.dataset.digest')
	case $mid in m-[0-9a-f]*) ok ;; *) fail "a model id is m-<hex>: got '$mid'" ;; esac
	same "the fixture reports the version's source" "$(j '$.source') $(j '$.model_uri')" "models:/$mid models:/$mid"
	same "the dataset's name" "$(j '$.dataset.name')" eval-2025q4
	# The version: source models:/m-<id>; the REST version carries no model_id field of its own.
	expect 0 "REST: the version" mlapi "mlflow/model-versions/get?name=scoring-010&version=1"
	same "source is models:/<model id>" "$(j '$.model_version.source')" "models:/$mid"
	same "run_id is the run that logged it" "$(j '$.model_version.run_id')" "$lrun"
	same "no model_id on the version" "$(jtype '$.model_version.model_id')" ""
	same "the card set after registration" "$(j '$.model_version.description' | head -n 1)" "# scoring-010 version 1"
	same "version tag" "$(jtag '$.model_version.tags' training.data)" holdout-2025q4
	expect 0 "REST: version search shows the same source" mlapi "mlflow/model-versions/search" -G --data-urlencode "filter=name='scoring-010'"
	same "search: models:/<model id>" "$(j '$.model_versions[0].source')" "models:/$mid"
	# The LoggedModel: GET /api/2.0/mlflow/logged-models/<id> -> {"model": {"info": {...}, "data": {"metrics": [...]}}}
	expect 0 "REST: the LoggedModel" mlapi "mlflow/logged-models/$mid"
	same "logged-models/get: 200" "$HTTP" 200
	same "model.info.model_id" "$(j '$.model.info.model_id')" "$mid"
	same "model.info.artifact_uri is where its files are" "$(j '$.model.info.artifact_uri')" "mlflow-artifacts:/1/models/$mid/artifacts"
	same "model.info.source_run_id" "$(j '$.model.info.source_run_id')" "$lrun"
	same "model.info.name is log_model's name" "$(j '$.model.info.name')" model
	same "model.info.status" "$(j '$.model.info.status')" LOGGED_MODEL_READY
	same "model.info.experiment_id" "$(j '$.model.info.experiment_id')" 1
	has "its tags name the registered versions" "$(jtag '$.model.info.tags' mlflow.modelVersions)" '"name": "scoring-010"'
	lroot=$(j '$.model.info.artifact_uri')
	lroot=${lroot#mlflow-artifacts:/}
	# Its metrics are the only place that shows their links: dataset_name, dataset_digest, model_id, run_id.
	printf '%s' "$OUT" >"$TMPD/lm.json"
	lmetric() { sqlite3 :memory: "SELECT json_extract(value, '\$.$2') FROM json_each(CAST(readfile('$TMPD/lm.json') AS TEXT), '\$.model.data.metrics') WHERE json_extract(value, '\$.key') = '$1'"; }
	# scoring-010 is model number 10: auc of version 1 is 0.84 + 0.02 * (11 % 6), EU 0.01 below it
	same "a metric of the LoggedModel" "$(lmetric auc value) $(lmetric 'auc/region:EU' value)" "0.94 0.93"
	same "... names its dataset" "$(lmetric auc dataset_name) $(lmetric auc dataset_digest)" "eval-2025q4 $ddig"
	same "... its model and run" "$(lmetric auc model_id) $(lmetric auc run_id)" "$mid $lrun"
	same "... a slice metric too" "$(lmetric 'auc/region:EU' dataset_name)" eval-2025q4
	same "all six metrics" "$(jlen '$.model.data.metrics')" 6
	expect 0 "REST: an unknown LoggedModel" mlapi "mlflow/logged-models/m-00000000000000000000000000000000"
	same "unknown LoggedModel: 404" "$HTTP $(j '$.error_code')" "404 RESOURCE_DOES_NOT_EXIST"
	# The run: inputs.dataset_inputs[] {tags: [{key: mlflow.data.context}], dataset: {name, digest,
	# source_type, source (JSON text), schema, profile}}, outputs.model_outputs[] {model_id, step};
	# its data.metrics are plain {key, value, timestamp, step}: no dataset or model fields.
	for how in get search; do
		if [ "$how" = get ]; then
			expect 0 "REST: runs/get of the logging run" mlapi "mlflow/runs/get?run_id=$lrun"
			r='$.run'
		else
			expect 0 "REST: runs/search for it" mlapi mlflow/runs/search -X POST -H 'Content-Type: application/json' \
				-d "{\"experiment_ids\": [\"1\"], \"filter\": \"attributes.run_id = '$lrun'\"}"
			r='$.runs[0]'
		fi
		same "runs/$how: the dataset input" "$(j "$r.inputs.dataset_inputs[0].dataset.name") $(j "$r.inputs.dataset_inputs[0].dataset.digest")" "eval-2025q4 $ddig"
		same "runs/$how: its source" "$(j "$r.inputs.dataset_inputs[0].dataset.source_type") $(j "$r.inputs.dataset_inputs[0].dataset.source")" \
			'local {"uri": "file:///steward-fixture/eval-2025q4.parquet"}'
		same "runs/$how: its context" "$(jtag "$r.inputs.dataset_inputs[0].tags" mlflow.data.context)" training
		same "runs/$how: no dataset param beside it" "$(jtag "$r.data.params" dataset) $(jtag "$r.data.params" n_estimators)" " 110"
		same "runs/$how: the model output" "$(j "$r.outputs.model_outputs[0].model_id")" "$mid"
		same "runs/$how: the author" "$(j "$r.info.user_id") $(jtag "$r.data.tags" mlflow.user)" "rosa rosa"
		same "runs/$how: the metrics are there" "$(jtag "$r.data.metrics" auc)" 0.94
		printf '%s' "$OUT" >"$TMPD/run.json"
		same "runs/$how: but without dataset_name, dataset_digest or model_id" \
			"$(sqlite3 :memory: "SELECT count(*) FROM json_each(CAST(readfile('$TMPD/run.json') AS TEXT), '$r.data.metrics') WHERE json_type(value, '\$.dataset_name') IS NOT NULL OR json_type(value, '\$.dataset_digest') IS NOT NULL OR json_type(value, '\$.model_id') IS NOT NULL")" 0
	done
	# Its files: under the artifact_uri, through the same proxy as a run's; the LoggedModel's own
	# listing (logged-models/<id>/artifacts/directories) names paths relative to the model's root.
	expect 0 "the LoggedModel's manifest through the proxy" proxy_manifest "$lroot"
	lpm=$OUT
	has "its MLmodel" "$lpm" "MLmodel "
	has "its weights" "$lpm" "artifacts/weights.json "
	expect 0 "fixture logged-model-files (MLflow's client)" mlfx logged-model-files scoring-010 1
	same "the proxy walk matches MLflow's client" "$lpm" "$(sqlite3 -separator ' ' :memory: "SELECT json_extract(value, '\$.path'), json_extract(value, '\$.size'), json_extract(value, '\$.sha256') FROM json_each(CAST(readfile('$TMPD/out') AS TEXT))" | LC_ALL=C sort)"
	ldisk=$(cd "$TMPD/mlartifacts/$lroot" && find . -type f | sed 's|^\./||' | LC_ALL=C sort | while read -r f; do
		echo "$f $(wc -c <"$f" | tr -d ' ') $(sha256sum "$f" | cut -c1-64)"
	done)
	same "... and the bytes on disk" "$lpm" "$ldisk"
	expect 0 "the LoggedModel's own listing" mlapi "mlflow/logged-models/$mid/artifacts/directories" -G --data-urlencode artifact_directory_path=artifacts
	same "it names the root and paths from it" "$(j '$.root_uri') $(j '$.files[0].path') $(j '$.files[0].is_dir')" "mlflow-artifacts:/$lroot artifacts/weights.json 0"
	expect 0 "the run's own artifacts" mlapi mlflow-artifacts/artifacts -G --data-urlencode "path=1/$lrun/artifacts"
	same "hold no model: it lives under models/<id>" "$HTTP $OUT" "200 {}"
	expect 1 "logged-model-files refuses a version with plain run files" mlfx logged-model-files model-002 2
	has "it says why" "$ERR" "not a LoggedModel"
	# A LoggedModel registered later from its run: runs:/<run>/model resolves to models:/m-<id>.
	expect 0 "log a model without registering it" mlfx log-model scoring-010 --no-register
	umid=$OUT
	OUT=$(printf '%s\n' "$ERR" | grep '^{' | tail -n 1)
	same "nothing registered" "$(jtype '$.version') $(jtype '$.source') $(j '$.model_id')" "null null $umid"
	urun=$(j '$.run_id')
	expect 0 "register it from its run" mlfx register scoring-010 "runs:/$urun/model"
	same "it becomes version 2" "$OUT" 2
	same "register reports the source" "$(printf '%s\n' "$ERR" | tail -n 1)" "models:/$umid"
	expect 0 "REST: version 2" mlapi "mlflow/model-versions/get?name=scoring-010&version=2"
	same "runs:/<run>/model of a LoggedModel registers as models:/<model id>" "$(j '$.model_version.source') $(j '$.model_version.run_id')" "models:/$umid $urun"
	expect 0 "the default author is the fixture's" mlapi "mlflow/runs/get?run_id=$urun"
	same "a.okafor wrote version 2" "$(jtag '$.run.data.tags' mlflow.user)" a.okafor
else
	expect 1 "log-model needs MLflow 3" mlfx log-model scoring-010
	has "log-model says so" "$ERR" "needs MLflow 3"
fi

# --- stop and restart: same port, same data ---
port=$MLFLOW_PORT
pid=$MLFLOW_PID
mlflow_stop
if kill -0 "-$pid" 2>/dev/null; then fail "stop: server processes left"; else ok; fi
expect 7 "stopped: no answer" curl -sS --max-time 5 "$MLFLOW_URL/health"
expect 7 "stopped: mlapi reports curl's status" mlapi "mlflow/registered-models/search"
same "stopped: no HTTP status" "$HTTP" 000
mlflow_start
same "restart: same port" "$MLFLOW_PORT" "$port"
expect 0 "restart: production still 2" mlfx get-alias model-002 production
same "restart: alias kept" "$OUT" 2
expect 0 "restart: versions kept" mlapi "mlflow/model-versions/search?filter=name%3D%27model-001%27"
same "restart: three versions" "$(jlen '$.model_versions')" 3
expect 0 "restart: artifacts kept" proxy_manifest "$root"
same "restart: same bytes" "$OUT" "$pm"
mlflow_restart KILL
expect 0 "after a KILL: tag kept" mlfx tags model-001 2
same "after a KILL: tag value" "$(j '$."steward.approved-by"')" "rosa,ravi"

finish
