#!/usr/bin/env bash
# newsarchive on Airflow's CeleryExecutor, every component on 127.0.0.1 (`make cluster`, `make cluster-stop`):
#   PostgreSQL (metadata DB and Celery result backend; Debian's `postgresql`, data directory of our own),
#   Redis (Celery broker; Debian's `redis-server`), SeaweedFS S3 (`weed mini`: the archive, unless
#   NEWSARCHIVE_ARCHIVE names an s3:// bucket), the Airflow api-server, scheduler, dag-processor and
#   triggerer, and NEWSARCHIVE_WORKERS (2) Celery workers named worker-1, worker-2, ...
# Each is started in a session of its own; its PID is in $CLUSTER_HOME/pids/<name>.pid and `stop` ends
# each by that PID (and what is left of its process group). Free ports are picked on the first start and
# kept, with every setting, in $CLUSTER_HOME/cluster.env; `start` again starts only what is not running.
# Local no-login mode (every visitor is admin), as `make run`: for one machine, never exposed.
#
# usage: scripts/cluster.sh start|stop|status|env
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
SETTINGS=(NEWSARCHIVE_CLUSTER_HOME NEWSARCHIVE_CLUSTER_PORT NEWSARCHIVE_PG_BIN NEWSARCHIVE_PG_OPTIONS
  NEWSARCHIVE_WORKERS NEWSARCHIVE_WORKER_CONCURRENCY NEWSARCHIVE_WORKER_QUEUES NEWSARCHIVE_CRAWL_QUEUE
  NEWSARCHIVE_PROCESS_QUEUE NEWSARCHIVE_CRAWL_POOL NEWSARCHIVE_CRAWL_SLOTS NEWSARCHIVE_STOP_GRACE_S
  NEWSARCHIVE_AWS_CONN_ID)
# check_settings [WHERE]: every NEWSARCHIVE_* variable checked against the settings model
# (newsarchive/variables.py) before anything starts; a wrong one is one line and exit 2. The defaults
# of the ones this script uses come from the model too (none is written here).
check_settings() {
  local out
  [[ -x $ROOT/.venv/bin/newsarchive ]] || { echo "no .venv: run make setup first" >&2; exit 2; }
  if ! out=$("$ROOT/.venv/bin/newsarchive" settings --shell "${SETTINGS[@]}"); then
    [[ -z ${1:-} ]] || echo "  (the value is in $1: correct it there, or delete it to start afresh)" >&2
    exit 2
  fi
  eval "$out"
}
check_settings
CLUSTER_HOME="$NEWSARCHIVE_CLUSTER_HOME"
[[ $CLUSTER_HOME == /* ]] || CLUSTER_HOME="$ROOT/$CLUSTER_HOME"
mkdir -p "$CLUSTER_HOME"
CLUSTER_HOME=$(cd "$CLUSTER_HOME" && pwd)
ENV_FILE="$CLUSTER_HOME/cluster.env"
PIDS="$CLUSTER_HOME/pids"
LOGS="$CLUSTER_HOME/logs"
PY="$ROOT/.venv/bin/python"
AIRFLOW="$ROOT/.venv/bin/airflow"
AWS_VARS=(AWS_ACCESS_KEY_ID AWS_SECRET_ACCESS_KEY AWS_ENDPOINT_URL AWS_DEFAULT_REGION AWS_SESSION_TOKEN)

free_port() { "$PY" -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }
secret() { "$PY" -c 'import base64, os; print(base64.urlsafe_b64encode(os.urandom(32)).decode())'; }
pid_of() { cat "$PIDS/$1.pid" 2>/dev/null || true; }
alive() { local pid; pid=$(pid_of "$1"); [[ -n $pid ]] && kill -0 "$pid" 2>/dev/null; }

# Run a PostgreSQL program: as the `postgres` user when we are root (PostgreSQL refuses to run as root).
as_pg() {
  if [[ $(id -u) == 0 ]]; then setpriv --reuid=postgres --regid=postgres --init-groups -- "$@"; else "$@"; fi
}

# launch NAME COMMAND...: in a new session, output to logs/NAME.log, PID to pids/NAME.pid.
launch() {
  local name=$1; shift
  if alive "$name"; then echo "  $name already running (pid $(pid_of "$name"))"; return 0; fi
  setsid "$@" >"$LOGS/$name.log" 2>&1 </dev/null &
  echo $! >"$PIDS/$name.pid"
  echo "  $name started (pid $!, log $LOGS/$name.log)"
}

write_env() {  # the first start: ports, secrets and settings, kept for every later start and for `stop`
  local pg_bin
  pg_bin="${NEWSARCHIVE_PG_BIN:-$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1)}"
  [[ -x $pg_bin/initdb ]] || {
    echo "PostgreSQL is not installed (no initdb in /usr/lib/postgresql/*/bin): apt-get install postgresql" >&2; exit 1; }
  command -v redis-server >/dev/null || { echo "Redis is not installed: apt-get install redis-server" >&2; exit 1; }
  local pg_data="$CLUSTER_HOME/postgres"
  if [[ $(id -u) == 0 ]] && ! setpriv --reuid=postgres --regid=postgres --init-groups -- test -x "$CLUSTER_HOME"; then
    pg_data=$(mktemp -d /tmp/newsarchive-pg.XXXXXX)  # a parent of $CLUSTER_HOME is closed to user postgres
  fi
  local pg_port redis_port api_port
  pg_port=$(free_port); redis_port=$(free_port); api_port=${NEWSARCHIVE_CLUSTER_PORT:-$(free_port)}
  local db="postgresql+psycopg2://airflow@127.0.0.1:$pg_port/airflow"
  local archive="${NEWSARCHIVE_ARCHIVE:-s3://archive/newsarchive}"
  local own_s3=0
  [[ -z ${NEWSARCHIVE_ARCHIVE:-} ]] && own_s3=1
  local conn_id=${NEWSARCHIVE_AWS_CONN_ID:-}  # the Airflow connection the workers take S3 settings from
  [[ -z $conn_id && ($own_s3 == 1 || -n ${AWS_ACCESS_KEY_ID:-}) ]] && conn_id=newsarchive_s3
  local crawl_queue="$NEWSARCHIVE_CRAWL_QUEUE" process_queue="$NEWSARCHIVE_PROCESS_QUEUE"
  {
    echo "# written by scripts/cluster.sh on the first start; edit, or delete $CLUSTER_HOME, to change"
    declare -A values=(
      [PG_BIN]="$pg_bin" [PG_DATA]="$pg_data" [PG_PORT]="$pg_port" [REDIS_PORT]="$redis_port"
      [API_PORT]="$api_port" [OWN_S3]="$own_s3"
      [NEWSARCHIVE_WORKERS]="$NEWSARCHIVE_WORKERS"
      [NEWSARCHIVE_WORKER_CONCURRENCY]="$NEWSARCHIVE_WORKER_CONCURRENCY"
      [NEWSARCHIVE_WORKER_QUEUES]="${NEWSARCHIVE_WORKER_QUEUES:-$crawl_queue,$process_queue}"
      [NEWSARCHIVE_CRAWL_QUEUE]="$crawl_queue" [NEWSARCHIVE_PROCESS_QUEUE]="$process_queue"
      [NEWSARCHIVE_CRAWL_POOL]="$NEWSARCHIVE_CRAWL_POOL"
      [NEWSARCHIVE_CRAWL_SLOTS]="$NEWSARCHIVE_CRAWL_SLOTS"
      [NEWSARCHIVE_ARCHIVE]="$archive"
      [NEWSARCHIVE_AWS_CONN_ID]="$conn_id"
      [AIRFLOW_HOME]="$CLUSTER_HOME/airflow"
      [AIRFLOW__CORE__EXECUTOR]=CeleryExecutor
      [AIRFLOW__CORE__DAGS_FOLDER]="$ROOT/dags"
      [AIRFLOW__CORE__PLUGINS_FOLDER]="$ROOT/plugins"  # the "Archive" page (newsarchive/archive_page)
      [AIRFLOW__CORE__LOAD_EXAMPLES]=False
      [AIRFLOW__CORE__PARALLELISM]="${AIRFLOW__CORE__PARALLELISM:-8}"
      [AIRFLOW__CORE__DAGS_ARE_PAUSED_AT_CREATION]=False
      [AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_ALL_ADMINS]=True
      [AIRFLOW__CORE__FERNET_KEY]="${AIRFLOW__CORE__FERNET_KEY:-$(secret)}"
      [AIRFLOW__CORE__EXECUTION_API_SERVER_URL]="http://127.0.0.1:$api_port/execution/"
      [AIRFLOW__DATABASE__SQL_ALCHEMY_CONN]="$db"
      [AIRFLOW__CELERY__BROKER_URL]="redis://127.0.0.1:$redis_port/0"
      # a task's message is redelivered after this long unacknowledged: longer than any task (3 h timeout)
      [AIRFLOW__CELERY_BROKER_TRANSPORT_OPTIONS__VISIBILITY_TIMEOUT]="${AIRFLOW__CELERY_BROKER_TRANSPORT_OPTIONS__VISIBILITY_TIMEOUT:-21600}"
      [AIRFLOW__CELERY__RESULT_BACKEND]="db+postgresql://airflow@127.0.0.1:$pg_port/airflow"
      [AIRFLOW__OPERATORS__DEFAULT_QUEUE]="$process_queue"
      [AIRFLOW__API__HOST]=127.0.0.1
      [AIRFLOW__API__PORT]="$api_port"
      [AIRFLOW__API__BASE_URL]="http://127.0.0.1:$api_port"
      [AIRFLOW__API__SECRET_KEY]="${AIRFLOW__API__SECRET_KEY:-$(secret)}"
      [AIRFLOW__API_AUTH__JWT_SECRET]="${AIRFLOW__API_AUTH__JWT_SECRET:-$(secret)}"
      [AIRFLOW__DAG_PROCESSOR__REFRESH_INTERVAL]="${AIRFLOW__DAG_PROCESSOR__REFRESH_INTERVAL:-30}"
      [AIRFLOW__DAG_PROCESSOR__PARSING_PROCESSES]="${AIRFLOW__DAG_PROCESSOR__PARSING_PROCESSES:-1}"
    )
    local name
    # every other NEWSARCHIVE_* and AIRFLOW__* setting of the caller (host map, schedule, timeouts ...) too
    for name in $(compgen -e | grep -E '^(NEWSARCHIVE_|AIRFLOW__)' || true); do
      [[ -v "values[$name]" || $name == NEWSARCHIVE_CLUSTER_HOME || -z ${!name} ]] || values[$name]="${!name}"
    done
    if [[ $own_s3 == 0 ]]; then  # the user's bucket: its credentials go into the Airflow connection
      for name in "${AWS_VARS[@]}"; do [[ -n ${!name:-} ]] && values[$name]="${!name}"; done
    fi
    for name in $(printf '%s\n' "${!values[@]}" | sort); do
      printf 'export %s=%q\n' "$name" "${values[$name]}"
    done
  } >"$ENV_FILE.tmp"
  chmod 600 "$ENV_FILE.tmp"
  mv "$ENV_FILE.tmp" "$ENV_FILE"
}

load_env() {
  [[ -f $ENV_FILE ]] || write_env
  # shellcheck disable=SC1090
  source "$ENV_FILE"
  check_settings "$ENV_FILE"  # a value edited there is checked too, before anything starts
  export PATH="$ROOT/.venv/bin:$PATH"
  URL="http://127.0.0.1:$API_PORT"
}

start_postgres() {
  if [[ ! -f $PG_DATA/PG_VERSION ]]; then
    mkdir -p "$PG_DATA"
    [[ $(id -u) == 0 ]] && chown postgres: "$PG_DATA"
    chmod 700 "$PG_DATA"
    as_pg "$PG_BIN/initdb" -D "$PG_DATA" -U airflow --auth=trust -E UTF8 --locale=C.UTF-8 \
      >"$LOGS/initdb.log" 2>&1 || { tail -20 "$LOGS/initdb.log"; exit 1; }
  fi
  local -a as_postgres=()  # PostgreSQL's server must not run as root
  [[ $(id -u) == 0 ]] && as_postgres=(setpriv --reuid=postgres --regid=postgres --init-groups --)
  # loopback only, trust auth: a machine of one user (see README: "Running on a cluster" for many machines)
  # shellcheck disable=SC2086
  launch postgres "${as_postgres[@]}" "$PG_BIN/postgres" -D "$PG_DATA" -p "$PG_PORT" -c listen_addresses=127.0.0.1 \
    -c unix_socket_directories= -c max_connections=200 -c synchronous_commit=off ${NEWSARCHIVE_PG_OPTIONS:-}
  for _ in $(seq 1 60); do
    "$PG_BIN/pg_isready" -q -h 127.0.0.1 -p "$PG_PORT" && break
    alive postgres || { echo "PostgreSQL exited; see $LOGS/postgres.log"; tail -20 "$LOGS/postgres.log"; exit 1; }
    sleep 0.5
  done
  "$PG_BIN/psql" -h 127.0.0.1 -p "$PG_PORT" -U airflow -d postgres -tAc "SELECT 1 FROM pg_database WHERE datname='airflow'" \
    | grep -q 1 || "$PG_BIN/createdb" -h 127.0.0.1 -p "$PG_PORT" -U airflow airflow
}

start_s3() {  # SeaweedFS as the tests run it (tests/s3server.py), its endpoint kept in s3/endpoint
  [[ $OWN_S3 == 1 ]] || return 0
  if ! alive s3; then
    "$PY" - "$CLUSTER_HOME/s3" "$PIDS/s3.pid" "${NEWSARCHIVE_ARCHIVE#s3://}" <<'EOF'
import sys
from pathlib import Path

from tests.s3server import SeaweedS3

data_dir, pid_file, bucket = Path(sys.argv[1]), Path(sys.argv[2]), sys.argv[3].split("/")[0]
server = SeaweedS3(data_dir).start()
pid_file.write_text(f"{server.proc.pid}\n")
server.create_bucket(bucket)
(data_dir / "endpoint").write_text(server.endpoint)
EOF
    echo "  s3 started (pid $(pid_of s3), SeaweedFS at $(cat "$CLUSTER_HOME/s3/endpoint"), log $CLUSTER_HOME/s3/weed.log)"
  else
    echo "  s3 already running (pid $(pid_of s3))"
  fi
  export AWS_ENDPOINT_URL AWS_ACCESS_KEY_ID AWS_SECRET_ACCESS_KEY AWS_DEFAULT_REGION=us-east-1
  AWS_ENDPOINT_URL=$(cat "$CLUSTER_HOME/s3/endpoint")
  read -r AWS_ACCESS_KEY_ID AWS_SECRET_ACCESS_KEY < <("$PY" -c \
    'from tests.s3server import ACCESS_KEY, SECRET_KEY; print(ACCESS_KEY, SECRET_KEY)')
}

configure() {  # the pool, the S3 connection and the DAG, through the REST API (no login in this mode)
  "$PY" - "$URL" <<'EOF'
import json, os, sys, time, urllib.error, urllib.request

url = sys.argv[1]

def call(method: str, path: str, body: object | None = None) -> dict:
    data = json.dumps(body).encode() if body is not None else None
    req = urllib.request.Request(url + path, data=data, method=method, headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(req, timeout=30) as response:
        return json.load(response)

def upsert(path: str, entity: dict) -> None:
    result = call("PATCH", path, {"actions": [{"action": "create", "entities": [entity],
                                               "action_on_existence": "overwrite"}]})
    if result.get("create", {}).get("errors"):
        sys.exit(f"{path}: {result['create']['errors']}")

upsert("/api/v2/pools", {"name": os.environ["NEWSARCHIVE_CRAWL_POOL"], "slots": int(os.environ["NEWSARCHIVE_CRAWL_SLOTS"]),
                         "description": "concurrent outlet crawls over the whole cluster (newsarchive)",
                         "include_deferred": False})
if os.environ.get("AWS_ACCESS_KEY_ID") and os.environ.get("NEWSARCHIVE_AWS_CONN_ID"):  # else: made by the user
    extra = {k: v for k, v in (("endpoint_url", os.environ.get("AWS_ENDPOINT_URL")),
                               ("region_name", os.environ.get("AWS_DEFAULT_REGION"))) if v}
    upsert("/api/v2/connections", {"connection_id": os.environ["NEWSARCHIVE_AWS_CONN_ID"], "conn_type": "aws",
                                   "login": os.environ["AWS_ACCESS_KEY_ID"],
                                   "password": os.environ["AWS_SECRET_ACCESS_KEY"], "extra": json.dumps(extra)})
for _ in range(180):  # the dag-processor's first parse
    try:
        call("PATCH", "/api/v2/dags/news_archive", {"is_paused": False})
        break
    except urllib.error.HTTPError as exc:
        if exc.code != 404:
            raise
        time.sleep(1)
else:
    sys.exit("DAG news_archive did not appear within 180 s; see the dag-processor's log")
EOF
}

wait_healthy() {
  echo -n "  waiting for the api-server, scheduler, dag-processor, triggerer "
  for _ in $(seq 1 240); do
    if "$PY" - "$URL/api/v2/monitor/health" <<'EOF'
import json, sys, urllib.request
try:
    health = json.load(urllib.request.urlopen(sys.argv[1], timeout=5))
except (OSError, ValueError):
    sys.exit(1)
parts = ("metadatabase", "scheduler", "dag_processor", "triggerer")
sys.exit(0 if all((health.get(part) or {}).get("status") == "healthy" for part in parts) else 1)
EOF
    then
      echo " ok"; return 0
    fi
    local name
    for name in api-server scheduler dag-processor triggerer; do
      alive "$name" || { echo; echo "$name exited; see $LOGS/$name.log"; tail -20 "$LOGS/$name.log"; exit 1; }
    done
    echo -n .; sleep 1
  done
  echo; echo "the cluster did not become healthy within 240 s; logs in $LOGS"; exit 1
}

wait_workers() {
  local i name
  for i in $(seq 1 "$NEWSARCHIVE_WORKERS"); do
    name=worker-$i
    for _ in $(seq 1 180); do
      grep -q "$name@.* ready\." "$LOGS/$name.log" 2>/dev/null && break
      alive "$name" || { echo "$name exited; see $LOGS/$name.log"; tail -20 "$LOGS/$name.log"; exit 1; }
      sleep 1
    done
    grep -q "$name@.* ready\." "$LOGS/$name.log" || { echo "$name not ready within 180 s; see $LOGS/$name.log"; exit 1; }
  done
}

start() {
  mkdir -p "$PIDS" "$LOGS"
  load_env
  echo "newsarchive cluster in $CLUSTER_HOME"
  start_postgres
  launch redis redis-server --bind 127.0.0.1 --port "$REDIS_PORT" --daemonize no --save "" --appendonly no \
    --dir "$CLUSTER_HOME" --protected-mode yes
  start_s3
  mkdir -p "$AIRFLOW_HOME"
  if ! alive api-server; then  # (a running api-server: this start only brings back what had stopped)
    "$AIRFLOW" db migrate >"$LOGS/migrate.log" 2>&1 || { echo "airflow db migrate failed:"; tail -20 "$LOGS/migrate.log"; exit 1; }
  fi
  # the central components: they never touch the archive, so they get no S3 credentials
  local -a no_aws=(env)
  local var
  for var in "${AWS_VARS[@]}"; do no_aws+=(-u "$var"); done
  launch api-server "${no_aws[@]}" "$AIRFLOW" api-server --pid "$PIDS/api-server.airflow.pid"
  launch scheduler "${no_aws[@]}" "$AIRFLOW" scheduler --pid "$PIDS/scheduler.airflow.pid"
  launch dag-processor "${no_aws[@]}" "$AIRFLOW" dag-processor --pid "$PIDS/dag-processor.airflow.pid"
  launch triggerer "${no_aws[@]}" "$AIRFLOW" triggerer --pid "$PIDS/triggerer.airflow.pid"
  # the workers: the archive's credentials come from the Airflow connection, as on a machine of their own
  local i log_port
  for i in $(seq 1 "$NEWSARCHIVE_WORKERS"); do
    log_port=$(free_port)
    launch "worker-$i" "${no_aws[@]}" NEWSARCHIVE_WORKER_HOSTNAME="worker-$i" \
      AIRFLOW__CORE__HOSTNAME_CALLABLE=newsarchive.airflow_glue.worker_name.hostname \
      AIRFLOW__LOGGING__WORKER_LOG_SERVER_PORT="$log_port" \
      "$AIRFLOW" celery worker --celery-hostname "worker-$i@%h" --queues "$NEWSARCHIVE_WORKER_QUEUES" \
      --concurrency "$NEWSARCHIVE_WORKER_CONCURRENCY" --pid "$PIDS/worker-$i.airflow.pid"
  done
  wait_healthy
  configure
  wait_workers
  echo "newsarchive cluster: UI and REST API on $URL  (DAG news_archive, unpaused)"
  echo "  metadata DB postgresql://airflow@127.0.0.1:$PG_PORT/airflow, broker redis://127.0.0.1:$REDIS_PORT/0"
  echo "  archive $NEWSARCHIVE_ARCHIVE${AWS_ENDPOINT_URL:+ at $AWS_ENDPOINT_URL}${NEWSARCHIVE_AWS_CONN_ID:+ (Airflow connection $NEWSARCHIVE_AWS_CONN_ID)}"
  echo "  $NEWSARCHIVE_WORKERS workers x $NEWSARCHIVE_WORKER_CONCURRENCY on queues $NEWSARCHIVE_WORKER_QUEUES; pool $NEWSARCHIVE_CRAWL_POOL: $NEWSARCHIVE_CRAWL_SLOTS slots"
  echo "  settings: $ENV_FILE; logs: $LOGS; stop with: make cluster-stop"
}

# stop_all SIGNAL GRACE_S NAME...: the signal to each one's PID, up to GRACE_S for them to exit, then SIGKILL
# to what is left of each one's process group (its PID is the group's id: `launch` gave it a new session).
stop_all() {
  local sig=$1 grace=$2 name pid
  shift 2
  local -A pids=()
  for name in "$@"; do
    pid=$(pid_of "$name")
    [[ -n $pid ]] || continue
    pids[$name]=$pid
    kill "-$sig" "$pid" 2>/dev/null || true
  done
  for _ in $(seq 1 $((grace * 10))); do
    local running=0
    for pid in "${pids[@]}"; do
      if kill -0 "$pid" 2>/dev/null && [[ $(ps -o stat= -p "$pid" 2>/dev/null) != Z* ]]; then running=1; fi
    done
    [[ $running == 0 ]] && break
    sleep 0.1
  done
  for name in "${!pids[@]}"; do
    kill -KILL -- "-${pids[$name]}" 2>/dev/null || true
    rm -f "$PIDS/$name.pid"
    echo "  $name stopped (pid ${pids[$name]})"
  done
}

stop() {
  [[ -f $ENV_FILE ]] || { echo "no cluster in $CLUSTER_HOME"; return 0; }
  # shellcheck disable=SC1090
  source "$ENV_FILE"
  check_settings "$ENV_FILE"
  local -a workers=()
  local f
  for f in "$PIDS"/worker-*.pid; do [[ $f == *.airflow.pid || ! -e $f ]] || workers+=("$(basename "$f" .pid)"); done
  # Celery's warm shutdown: running tasks get the grace period, then they are killed (and retried later)
  [[ ${#workers[@]} == 0 ]] || stop_all TERM "$NEWSARCHIVE_STOP_GRACE_S" "${workers[@]}"
  stop_all TERM 30 scheduler triggerer dag-processor api-server
  stop_all TERM 10 redis
  stop_all INT 30 postgres  # PostgreSQL's fast shutdown
  stop_all KILL 10 s3       # weed ignores SIGTERM for a while (tests/s3server.py)
  echo "newsarchive cluster stopped"
}

status() {
  [[ -f $ENV_FILE ]] || { echo "no cluster in $CLUSTER_HOME"; return 1; }
  local name f all=0
  for f in "$PIDS"/*.pid; do
    [[ -e $f ]] || continue
    name=$(basename "$f" .pid)
    [[ $name == *.airflow ]] && continue
    if alive "$name"; then echo "$name running (pid $(pid_of "$name"))"; else echo "$name NOT running"; all=1; fi
  done
  return $all
}

case "${1:-}" in
  start) start ;;
  stop) stop ;;
  status) status ;;
  env) cat "$ENV_FILE" ;;
  *) echo "usage: $0 start|stop|status|env" >&2; exit 2 ;;
esac
