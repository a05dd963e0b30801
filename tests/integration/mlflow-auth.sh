# mlflow-auth.sh: steward against an MLflow that wants credentials: `mlflow server --app-name basic-auth`
# read with the plugin's username_env/password_env, and Bearer tokens (token_env) through a real nginx
# in front of it; wrong credentials fail once, with the server's own message, and record nothing.
# mlflow-series: 2 3
. "$STEWARD_TOP/tests/lib.sh"
. "$STEWARD_TOP/tests/integration/lib-mlflow.sh"

export STEWARD_NOW=$(date +%s) # MLflow stamps real times; the clocks must agree
DB="$TMPD/s.db"
K="$TMPD/keys"
mkdir -p "$K"
export STEWARD_PASSPHRASE=correct-horse-battery-staple XDG_CONFIG_HOME="$TMPD/cfg"
# Fresh secrets every run (MLflow 3 wants passwords of 12 characters or more).
secret() { od -An -N12 -tx1 /dev/urandom | tr -d ' \n'; }

# --- the server: MLflow's basic-auth app, configured the way MLflow documents it ---
# MLFLOW_AUTH_CONFIG_PATH names the app's ini file: its own user store in $TMPD, READ for every
# user by default, and the admin user it creates on first start (MLflow 3 ships no admin password
# and refuses its old default, so one is made here).
ADMIN=steward-admin
ADMIN_PW=$(secret)
cat >"$TMPD/auth.ini" <<EOF
[mlflow]
default_permission = READ
database_uri = sqlite:///$TMPD/auth.db
admin_username = $ADMIN
admin_password = $ADMIN_PW
authorization_function = mlflow.server.auth:authenticate_request_basic_auth
EOF
export MLFLOW_AUTH_CONFIG_PATH="$TMPD/auth.ini"
# The auth app signs its CSRF tokens with this key and, in both series, will not start without one.
MLFLOW_FLASK_SERVER_SECRET_KEY=$(secret)
export MLFLOW_FLASK_SERVER_SECRET_KEY
MLFLOW_SERVER_ARGS="--app-name basic-auth"
mlflow_start

NOAUTH='You are not authenticated. Please see https://www.mlflow.org/docs/latest/auth/index.html#authenticating-to-mlflow on how to authenticate.'
# count NEEDLE TEXT: how many times NEEDLE occurs in TEXT.
count() { printf '%s' "$2" | awk -v n="$1" '{ s = $0; while ((i = index(s, n)) > 0) { c++; s = substr(s, i + length(n)) } } END { print c + 0 }'; }

expect 0 "no credentials" mlapi "mlflow/registered-models/search"
same "no credentials: 401" "$HTTP" 401
same "no credentials: MLflow's message" "$OUT" "$NOAUTH"
expect 0 "the admin's basic credentials" mlapi "mlflow/registered-models/search" -u "$ADMIN:$ADMIN_PW"
same "admin: 200" "$HTTP" 200
expect 0 "a Bearer token" mlapi "mlflow/registered-models/search" -H "Authorization: Bearer $(secret)"
same "the basic-auth app takes no Bearer token" "$HTTP $OUT" "401 $NOAUTH"
expect 0 "/health needs no credentials" curl -fsS "$MLFLOW_URL/health"

# Two users besides the admin: the pipeline that registers models, and steward's reader.
WRITER=ml-pipeline
WRITER_PW=$(secret)
READER=steward-sync
READER_PW=$(secret)
for u in "$WRITER:$WRITER_PW" "$READER:$READER_PW"; do
	expect 0 "create user ${u%%:*}" mlapi mlflow/users/create -X POST -u "$ADMIN:$ADMIN_PW" -H 'Content-Type: application/json' \
		-d "{\"username\": \"${u%%:*}\", \"password\": \"${u#*:}\"}"
	same "user ${u%%:*} created" "$HTTP $(j '$.user.username')" "200 ${u%%:*}"
done
expect 0 "the pipeline populates MLflow with its own credentials" \
	env MLFLOW_TRACKING_USERNAME="$WRITER" MLFLOW_TRACKING_PASSWORD="$WRITER_PW" \
	"$MLFLOW_PY" "$STEWARD_TOP/tests/integration/mlflow_fixture.py" populate --models 2 --versions 2
expect 0 "the reader can read" mlapi "mlflow/model-versions/search" -G -u "$READER:$READER_PW" \
	--data-urlencode "filter=name='model-001'" --data-urlencode "order_by=version_number ASC"
same "two versions" "$HTTP $(jlen '$.model_versions')" "200 2"
# Neither series records who registered a version, authenticated or not: user_id stays empty.
same "a version's user_id stays empty even for an authenticated writer" "$(jtype '$.model_versions[0].user_id')" ""
run1=$(j '$.model_versions[0].run_id')
expect 0 "the version's run" mlapi "mlflow/runs/get?run_id=$run1" -u "$READER:$READER_PW"
# The run's user_id is what the client says (the fixture's mlflow.user tag), not the login either.
same "the run's author is the client's word" "$(j '$.run.info.user_id') $(jtag '$.run.data.tags' mlflow.user)" "j.chen j.chen"
expect 0 "the reader may not move an alias" mlapi mlflow/registered-models/alias -X POST -u "$READER:$READER_PW" \
	-H 'Content-Type: application/json' -d '{"name": "model-001", "alias": "x", "version": "1"}'
same "READ is not EDIT: 403" "$HTTP" 403

# --- steward: basic credentials from the environment (username_env, password_env) ---
as() {
	who=$1
	shift
	"$STEWARD" "$@" --db "$DB" --key "$K/$who.key"
}
"$STEWARD" init --db "$DB" --admin ada >/dev/null || fail "init"
cp "$TMPD/cfg/steward/keys/ada.key" "$K/ada.key"
"$STEWARD" key gen ci --out "$K/ci.key" >/dev/null || fail "key ci"
as ada principal add ci --role pipeline --pubkey "$K/ci.key.pub" >/dev/null || fail "add ci"
CFG="$TMPD/basic.conf"
printf '[plugin ml]\ntype = mlflow\nurl = %s\nusername_env = ML_USER\npassword_env = ML_PASS\ntimeout = 20\n' "$MLFLOW_URL" >"$CFG"
ledger() { store_sql "$1" "SELECT count(*) FROM ledger"; }

export ML_USER="$READER" ML_PASS="$READER_PW"
expect 0 "sync with basic credentials" as ci sync --config "$CFG" --json
valid "sync --json"
same "2 models" "$(j '$[0].models')" 2
same "4 versions" "$(j '$[0].versions')" 4
same "every digest verified through the authenticated artifact proxy" "$(store_sql "$DB" "SELECT count(*) FROM version_sync WHERE digest_verified = 1")" 4
expect 0 "plugin list with basic credentials" "$STEWARD" plugin list --db "$DB" --config "$CFG" --json
same "healthy" "$(j '$[0].health')" ok

# A wrong password: MLflow's 401 and its message, once; nothing recorded (the requests it takes are
# counted below, through nginx: 2.x's auth app silences gunicorn's access log).
export ML_PASS="$(secret)"
N=$(ledger "$DB")
expect 1 "sync with a wrong password" as ci sync --config "$CFG"
has "MLflow's own message" "$ERR" "MLflow answered 401 to GET /api/2.0/mlflow/registered-models/search"
has "... with its text" "$ERR" "$NOAUTH"
same "said once" "$(count "You are not authenticated" "$ERR")" 1
has "the sync says nothing was recorded" "$ERR" "nothing was recorded"
same "nothing recorded" "$(ledger "$DB")" "$N"
expect 0 "plugin list after it" "$STEWARD" plugin list --db "$DB" --config "$CFG" --json
same "degraded" "$(j '$[0].health')" degraded
has "with MLflow's message" "$(j '$[0].message')" "$NOAUTH"
same "said once there too" "$(count "You are not authenticated" "$OUT")" 1
unset ML_PASS
expect 1 "password_env naming an unset variable" as ci sync --config "$CFG"
has "names the variable" "$ERR" "ML_PASS"
export ML_PASS="$READER_PW"
expect 0 "the right password again" as ci sync --config "$CFG" --json
same "an unchanged server: nothing written" "$(j '$[0].written')" 0

# --- nginx in front of MLflow: a request counter, and a Bearer-token proxy ---
# Two test stand-ins in one real nginx, each server with its own access log of
# "<request line> <status> upstream=<MLflow's status, or - when nginx answered itself>":
#   THE COUNTER (port CPORT): passes every request through to MLflow unchanged, to count what
#     steward sends (MLflow 2.x's auth app silences gunicorn's access log: its alembic migrations
#     reconfigure logging);
#   THE BEARER PROXY (port NPORT): MLflow's basic-auth app takes no Bearer token (asserted above), so
#     deployments that hand out tokens put a proxy in front. This one answers 401 (JSON, MLflow's
#     error shape) unless the request carries "Authorization: Bearer $TOKEN", and forwards the rest
#     to MLflow with the reader's basic credentials.
NGINX=$(command -v nginx 2>/dev/null || echo /usr/sbin/nginx)
if [ ! -x "$NGINX" ]; then
	if [ "${STEWARD_SKIP_MLFLOW:-}" = 1 ]; then
		echo "SKIP $T_NAME: the request-count and Bearer-token tests: nginx is not installed (scripts/install-deps installs it)"
		finish
		exit
	fi
	fail "nginx is not installed: scripts/install-deps installs it (set STEWARD_SKIP_MLFLOW=1 to skip offline)"
	finish
	exit
fi
TOKEN=$(secret)
NG="$TMPD/nginx"
mkdir -p "$NG"
port() { "$MLFLOW_PY" -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }
CPORT=$(port)
NPORT=$(port)
BASIC=$(printf '%s:%s' "$READER" "$READER_PW" | base64 | tr -d '\n')
# Run as root (CI), nginx would hand its workers to another user, who cannot enter $TMPD (mode 0700).
[ "$(id -u)" -eq 0 ] && ng_user="user root;" || ng_user=
cat >"$NG/nginx.conf" <<EOF
# the counter and the Bearer proxy of tests/integration/mlflow-auth.sh (test stand-ins)
$ng_user
daemon off;
worker_processes 1;
pid $NG/nginx.pid;
error_log $NG/error.log;
events { worker_connections 64; }
http {
	log_format steward '\$request \$status upstream=\$upstream_status';
	client_body_temp_path $NG/body;
	proxy_temp_path $NG/proxy;
	fastcgi_temp_path $NG/fastcgi;
	uwsgi_temp_path $NG/uwsgi;
	scgi_temp_path $NG/scgi;
	proxy_http_version 1.1;
	proxy_buffering off;
	map \$http_authorization \$bearer_ok {
		"Bearer $TOKEN" 1;
		default 0;
	}
	server {
		listen 127.0.0.1:$CPORT;
		access_log $NG/counter.log steward;
		location / {
			proxy_pass http://127.0.0.1:$MLFLOW_PORT;
		}
	}
	server {
		listen 127.0.0.1:$NPORT;
		access_log $NG/bearer.log steward;
		location / {
			# the type of the proxy's own answers; MLflow's keep theirs
			default_type application/json;
			if (\$bearer_ok = 0) {
				add_header WWW-Authenticate 'Bearer realm="steward-test"' always;
				return 401 '{"error_code": "UNAUTHENTICATED", "message": "bearer proxy: no valid Bearer token"}';
			}
			proxy_set_header Authorization "Basic $BASIC";
			proxy_pass http://127.0.0.1:$MLFLOW_PORT;
		}
	}
}
EOF
"$NGINX" -p "$NG/" -c "$NG/nginx.conf" -e "$NG/error.log" </dev/null >>"$NG/error.log" 2>&1 &
NGINX_PID=$!
trap 'kill "$NGINX_PID" 2>/dev/null; wait "$NGINX_PID" 2>/dev/null; mlflow_cleanup' EXIT
n=0
until curl -s -o /dev/null --max-time 2 "http://127.0.0.1:$NPORT/health" && curl -s -o /dev/null --max-time 2 "http://127.0.0.1:$CPORT/health"; do
	kill -0 "$NGINX_PID" 2>/dev/null || break
	n=$((n + 1))
	[ "$n" -lt 100 ] || break
	sleep 0.1
done
if ! kill -0 "$NGINX_PID" 2>/dev/null; then
	fail "nginx did not start: $(tail -n 5 "$NG/error.log")"
	finish
	exit
fi
ok
# lines LOG PATTERN: how many lines of nginx's LOG contain PATTERN (each is written as its answer goes).
lines() { grep -c -F -e "$2" "$NG/$1.log"; }

# The counter: what a wrong password costs MLflow.
CCFG="$TMPD/counter.conf"
printf '[plugin ml]\ntype = mlflow\nurl = http://127.0.0.1:%s\nusername_env = ML_USER\npassword_env = ML_PASS\ntimeout = 20\n' "$CPORT" >"$CCFG"
export ML_PASS="$(secret)"
c0=$(lines counter " ")
expect 1 "sync with a wrong password, counted" as ci sync --config "$CCFG"
same "said once" "$(count "You are not authenticated" "$ERR")" 1
same "one request, no retry" "$(($(lines counter " ") - c0))" 1
same "... the models search, refused by MLflow itself" "$(tail -n 1 "$NG/counter.log")" \
	"GET /api/2.0/mlflow/registered-models/search?max_results=1000 HTTP/1.1 401 upstream=401"
c0=$(lines counter " ")
expect 0 "plugin list with a wrong password, counted" "$STEWARD" plugin list --db "$DB" --config "$CCFG" --json
same "still degraded" "$(j '$[0].health')" degraded
# (it shows the health the last sync recorded; were it to ask the server, once at most)
if [ "$(($(lines counter " ") - c0))" -le 1 ]; then ok; else fail "plugin list asked more than once: $(($(lines counter " ") - c0))"; fi
export ML_PASS="$READER_PW"
c0=$(lines counter " ")
o0=$(lines counter " 200 upstream=200")
expect 0 "the counter is transparent: the right password syncs" as ci sync --config "$CCFG" --json
same "nothing new through it" "$(j '$[0].written')" 0
same "every request of it answered 200 by MLflow" "$(($(lines counter " 200 upstream=200") - o0))" "$(($(lines counter " ") - c0))"

# The Bearer proxy.
expect 0 "the proxy without a token" curl -sS -o /dev/null -w '%{http_code}' "http://127.0.0.1:$NPORT/api/2.0/mlflow/registered-models/search"
same "the proxy wants a token" "$OUT" 401
expect 0 "the proxy with the token" curl -sS -o /dev/null -w '%{http_code}' -H "Authorization: Bearer $TOKEN" \
	"http://127.0.0.1:$NPORT/api/2.0/mlflow/registered-models/search"
same "the proxy lets it through with basic credentials" "$OUT" 200

DB2="$TMPD/bearer.db"
XDG_CONFIG_HOME="$TMPD/cfg2" "$STEWARD" init --db "$DB2" --admin ada >/dev/null || fail "init the second store"
cp "$TMPD/cfg2/steward/keys/ada.key" "$K/ada2.key"
"$STEWARD" principal add ci --role pipeline --pubkey "$K/ci.key.pub" --db "$DB2" --key "$K/ada2.key" >/dev/null || fail "add ci to the second store"
BCFG="$TMPD/bearer.conf"
printf '[plugin ml]\ntype = mlflow\nurl = http://127.0.0.1:%s\ntoken_env = ML_TOKEN\ntimeout = 20\n' "$NPORT" >"$BCFG"
bsync() { "$STEWARD" sync --db "$DB2" --config "$BCFG" --key "$K/ci.key" "$@"; }
export ML_TOKEN="$TOKEN"
b0=$(lines bearer " ")
o0=$(lines bearer " 200 upstream=200")
expect 0 "sync with a Bearer token through the proxy" bsync --json
same "2 models, 4 versions" "$(j '$[0].models') $(j '$[0].versions')" "2 4"
digests() { store_sql "$1" "SELECT m.name || ' ' || v.version || ' ' || v.digest FROM versions v JOIN models m ON m.id = v.model_id ORDER BY 1"; }
same "the same digests as the basic-auth sync" "$(digests "$DB2")" "$(digests "$DB")"
same "every digest verified through the proxy" "$(store_sql "$DB2" "SELECT count(*) FROM version_sync WHERE digest_verified = 1")" 4
has "artifact bytes came through the proxy" "$(cat "$NG/bearer.log")" "GET /api/2.0/mlflow-artifacts/artifacts/"
same "every request of it went on to MLflow and back 200" "$(($(lines bearer " 200 upstream=200") - o0))" "$(($(lines bearer " ") - b0))"
expect 0 "plugin list with the token" "$STEWARD" plugin list --db "$DB2" --config "$BCFG" --json
same "healthy through the proxy" "$(j '$[0].health')" ok
export ML_TOKEN="$(secret)"
b0=$(lines bearer " ")
N=$(ledger "$DB2")
expect 1 "sync with a wrong token" bsync
has "the proxy's answer" "$ERR" "401 to GET /api/2.0/mlflow/registered-models/search"
has "... its message" "$ERR" "UNAUTHENTICATED: bearer proxy: no valid Bearer token"
same "said once" "$(count "no valid Bearer token" "$ERR")" 1
same "nothing recorded" "$(ledger "$DB2")" "$N"
same "one request, no retry" "$(($(lines bearer " ") - b0))" 1
same "... refused by the proxy, MLflow never asked" "$(tail -n 1 "$NG/bearer.log")" \
	"GET /api/2.0/mlflow/registered-models/search?max_results=1000 HTTP/1.1 401 upstream=-"
expect 0 "plugin list with a wrong token" "$STEWARD" plugin list --db "$DB2" --config "$BCFG" --json
same "degraded" "$(j '$[0].health')" degraded
has "with the proxy's message" "$(j '$[0].message')" "no valid Bearer token"

finish
