#!/usr/bin/env bash
# Start or stop Airflow standalone for newsarchive: 127.0.0.1:8080, SQLite metadata DB in var/airflow,
# local no-login mode (every visitor is admin: for a single local machine only, never exposed), the
# project's plugin (plugins/: the "Archive" page) loaded.
#   REPLICA=1: also start the living replica of the outlets (newsarchive replica --living) on loopback and
#     point the crawls at it (NEWSARCHIVE_HOST_MAP); the archive is then var/replica/archive.
#     FAULT=outlet:mode[:path][,...]: the replica starts with these faults (rehearsals).
#   Without it, the outlets are probed first: if none is reachable, the DAG is left paused and the
#     terminal and the Archive page say how to use the replica instead.
#   OTEL_EXPORTER_OTLP_ENDPOINT (or ..._METRICS_ENDPOINT) set: Airflow's own metrics go to that
#     OpenTelemetry collector too ([metrics] otel_on), beside the project's.
# usage: scripts/airflow.sh start | stop | backfill FROM TO | trigger DATE | fault SPEC | heal
#   backfill: one run per day from FROM to TO (YYYY-MM-DD, inclusive; one day: FROM = TO)
#   trigger: one run for DATE now; fault: the running replica serves exactly SPEC from now on; heal: no fault
# Every process it starts is recorded with its start time (PID files and *.start): stop ends those
# processes only, and only while they are still the ones it started.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
export AIRFLOW_HOME="${AIRFLOW_HOME:-$ROOT/var/airflow}"
export AIRFLOW__CORE__DAGS_FOLDER="$ROOT/dags"
export AIRFLOW__CORE__LOAD_EXAMPLES=False
# paused until the API server answers (the script unpauses it then): a task started before it is up
# cannot reach the execution API and waits out a 2-minute retry
export AIRFLOW__CORE__DAGS_ARE_PAUSED_AT_CREATION=True
export AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_ALL_ADMINS=True
export AIRFLOW__API__HOST=127.0.0.1
export AIRFLOW__API__PORT="${AIRFLOW_PORT:-8080}"
export AIRFLOW__DAG_PROCESSOR__REFRESH_INTERVAL=30
# a task's supervisor notices the task process's exit only at its next heartbeat wait (default 5 s): with
# 5 s, every finished task held its executor slot and delayed its downstream tasks by up to 5 s (seen in
# every task of a run here); 1 s costs one heartbeat a second per running task, on loopback
export AIRFLOW__WORKERS__MIN_HEARTBEAT_INTERVAL="${AIRFLOW__WORKERS__MIN_HEARTBEAT_INTERVAL:-1}"
export AIRFLOW__CORE__PLUGINS_FOLDER="$ROOT/plugins"
if [[ -n ${OTEL_EXPORTER_OTLP_ENDPOINT:-}${OTEL_EXPORTER_OTLP_METRICS_ENDPOINT:-} ]]; then
  export AIRFLOW__METRICS__OTEL_ON="${AIRFLOW__METRICS__OTEL_ON:-True}"
fi
export NEWSARCHIVE_REACHABILITY_FILE="$AIRFLOW_HOME/reachability.json"
REPLICA_ENV="$AIRFLOW_HOME/replica.env"  # the running replica's host map and archive (for backfill, stop)
if [[ ${1:-} != start && -f $REPLICA_ENV ]]; then source "$REPLICA_ENV"; fi
if [[ -n ${REPLICA:-} && ${REPLICA:-} != 0 ]]; then
  export NEWSARCHIVE_ARCHIVE="${NEWSARCHIVE_ARCHIVE:-$ROOT/var/replica/archive}"
fi
export NEWSARCHIVE_ARCHIVE="${NEWSARCHIVE_ARCHIVE:-$ROOT/var/archive}"
export PATH="$ROOT/.venv/bin:$PATH"
AIRFLOW="$ROOT/.venv/bin/airflow"
PIDFILE="$AIRFLOW_HOME/standalone.pid"
REPLICA_PIDFILE="$AIRFLOW_HOME/replica.pid"
LOG="$AIRFLOW_HOME/standalone.log"
URL="http://127.0.0.1:$AIRFLOW__API__PORT"
# where task processes reach the API server (the default assumes port 8080)
export AIRFLOW__CORE__EXECUTION_API_SERVER_URL="${AIRFLOW__CORE__EXECUTION_API_SERVER_URL:-$URL/execution/}"

proc_start() {  # a process's start time (clock ticks since boot, /proc/PID/stat field 22); empty if gone
  local stat
  stat=$(cat "/proc/$1/stat" 2>/dev/null) || return 0
  stat=${stat##*) }
  # shellcheck disable=SC2086
  set -- $stat
  echo "${20:-}"
}

record() {  # record PIDFILE PID: the PID and its start time, so stop never signals a PID reused since
  echo "$2" >"$1"
  proc_start "$2" >"$1.start"
}

pid_of() { [[ -f $1 ]] && head -c 32 "$1" | tr -dc 0-9; }

owned() {  # owned PIDFILE: the process recorded there is alive and is still the one started
  local pid; pid=$(pid_of "$1")
  [[ -n $pid ]] && kill -0 "$pid" 2>/dev/null || return 1
  [[ ! -f $1.start ]] || [[ $(proc_start "$pid") == "$(cat "$1.start")" ]]
}

start_replica() {  # the living replica on loopback; exports its host map
  local log="$AIRFLOW_HOME/replica.log" map=""
  local faults=()
  [[ -n ${FAULT:-} ]] && faults=(--fault "$FAULT")
  setsid nohup "$ROOT/.venv/bin/newsarchive" replica --living --port "$NEWSARCHIVE_REPLICA_PORT" \
    "${faults[@]}" >"$log" 2>&1 &
  record "$REPLICA_PIDFILE" $!
  for _ in $(seq 1 100); do
    map=$(grep -m1 '^{' "$log" 2>/dev/null || true)
    [[ -n $map ]] && break
    if ! owned "$REPLICA_PIDFILE"; then
      rm -f "$REPLICA_PIDFILE" "$REPLICA_PIDFILE.start"
      echo "the replica did not start: $(grep -v '^ *$' "$log" | tail -1) (log: $log)" >&2; exit 2
    fi
    sleep 0.1
  done
  [[ -n $map ]] || { echo "the replica did not start within 10 s; see $log"; exit 1; }
  export NEWSARCHIVE_HOST_MAP="$map"
  printf 'export NEWSARCHIVE_HOST_MAP=%q\nexport NEWSARCHIVE_ARCHIVE=%q\n' "$map" "$NEWSARCHIVE_ARCHIVE" >"$REPLICA_ENV"
  echo "living replica of the outlets on $(replica_address) (log: $log)"
  grep '^fault: ' "$log" || true
}

replica_address() {  # 127.0.0.1:PORT of the running replica, from its host map
  grep -o '127.0.0.1:[0-9]*' <<<"${NEWSARCHIVE_HOST_MAP:-}" | head -1
}

stop_replica() {
  [[ -f $REPLICA_PIDFILE ]] || return 0
  local pid; pid=$(pid_of "$REPLICA_PIDFILE")
  if owned "$REPLICA_PIDFILE"; then
    kill -TERM -- "-$pid" 2>/dev/null || kill -TERM "$pid" 2>/dev/null || true
    for _ in $(seq 1 25); do kill -0 "$pid" 2>/dev/null || break; sleep 0.2; done
    owned "$REPLICA_PIDFILE" && kill -KILL -- "-$pid" 2>/dev/null || true
    echo "replica stopped (pid $pid)"
  else
    echo "replica (pid $pid) had already exited"
  fi
  rm -f "$REPLICA_PIDFILE" "$REPLICA_PIDFILE.start" "$REPLICA_ENV"
}

replica_control() {  # METHOD [BODY]: the running replica's faults (replica/control.py)
  owned "$REPLICA_PIDFILE" && [[ -n $(replica_address) ]] || {
    echo "no replica started by make run REPLICA=1 is running (start one with make run REPLICA=1)" >&2; exit 1; }
  local answer code
  answer=$(curl -sS -X "$1" --data-binary "${2:-}" -H "Content-Type: text/plain" \
    "http://$(replica_address)/_replica/faults" -w '\n%{http_code}') || { echo "the replica did not answer" >&2; exit 1; }
  code=${answer##*$'\n'}
  answer=${answer%$'\n'*}
  if [[ $code != 200 ]]; then echo "${answer//$'\n'/ }" >&2; exit 2; fi
  echo "$answer"
  echo "replica pid $(pid_of "$REPLICA_PIDFILE") on $(replica_address)"
}

pause_before_start() {  # an existing DB's DAG is paused before the scheduler starts (a new one is created paused)
  local db="$AIRFLOW_HOME/airflow.db"
  if [[ -z ${AIRFLOW__DATABASE__SQL_ALCHEMY_CONN:-} ]] && ! grep -qs '^sql_alchemy_conn *= *[^s ]' "$AIRFLOW_HOME/airflow.cfg"; then
    # the default SQLite DB: one UPDATE (the airflow CLI would take ~5 s); nothing to do before it exists
    [[ -f $db ]] || return 0
    "$ROOT/.venv/bin/python" - "$db" <<'PY'
import sqlite3, sys
db = sqlite3.connect(sys.argv[1], timeout=30)
try:
    with db:
        db.execute("UPDATE dag SET is_paused = 1 WHERE dag_id = 'news_archive'")
except sqlite3.OperationalError:  # no dag table yet: standalone creates the DAG paused
    pass
PY
  else
    "$AIRFLOW" db migrate >"$AIRFLOW_HOME/migrate.log" 2>&1
    "$AIRFLOW" dags pause news_archive >/dev/null 2>&1 || true
  fi
}

# Before anything starts: every NEWSARCHIVE_* variable checked against the settings model
# (newsarchive/variables.py; a wrong one is one line and exit 2), and the defaults of the ones used here
# taken from it (none is written in this script).
check_settings() {
  local out
  [[ -x $ROOT/.venv/bin/newsarchive ]] || { echo "no .venv: run make setup first" >&2; exit 2; }
  out=$("$ROOT/.venv/bin/newsarchive" settings --shell NEWSARCHIVE_CRAWL_POOL NEWSARCHIVE_CRAWL_SLOTS \
    NEWSARCHIVE_REPLICA_PORT) || exit 2
  eval "$out"
}

set_pool() {  # the pool that bounds concurrent outlet crawls (each is a scrapy process), set before unpausing
  local name="$NEWSARCHIVE_CRAWL_POOL" slots="$NEWSARCHIVE_CRAWL_SLOTS"
  local body
  body=$(printf '{"name": "%s", "slots": %s, "description": "concurrent outlet crawls (newsarchive)", "include_deferred": false}' "$name" "$slots")
  curl -fsS -X PATCH "$URL/api/v2/pools/$name" -H "Content-Type: application/json" -d "$body" >/dev/null 2>&1 \
    || curl -fsS -X POST "$URL/api/v2/pools" -H "Content-Type: application/json" -d "$body" >/dev/null \
    || { echo; echo "could not set the pool $name through $URL; see $LOG"; exit 1; }
}

start() {
  check_settings
  # tasks at once: every crawl slot and one more, so an outlet's extraction starts as its crawl ends
  export AIRFLOW__CORE__PARALLELISM="${AIRFLOW__CORE__PARALLELISM:-$((NEWSARCHIVE_CRAWL_SLOTS + 1))}"
  if [[ -n ${FAULT:-} && ( -z ${REPLICA:-} || ${REPLICA:-} == 0 ) ]]; then
    echo "FAULT=$FAULT needs the replica: make run REPLICA=1 FAULT=$FAULT" >&2; exit 2
  fi
  mkdir -p "$AIRFLOW_HOME"
  if owned "$PIDFILE"; then
    echo "Airflow is already running (pid $(pid_of "$PIDFILE")): $URL  (make stop first to change REPLICA)"; return 0
  fi
  local paused=0
  rm -f "$REPLICA_ENV" "$NEWSARCHIVE_REACHABILITY_FILE"
  if [[ -n ${REPLICA:-} && ${REPLICA:-} != 0 ]]; then
    start_replica
  elif [[ -z ${NEWSARCHIVE_HOST_MAP:-} ]]; then
    # a fast probe of the outlets (a few seconds): offline, a live run would stay red for 15 minutes
    set +e
    "$ROOT/.venv/bin/python" -m newsarchive.ops.reachability --out "$NEWSARCHIVE_REACHABILITY_FILE"
    local rc=$?
    set -e
    [[ $rc == 3 ]] && paused=1
  fi
  # standalone migrates (or creates) the DB itself; the DAG must be paused before its scheduler starts
  pause_before_start
  setsid nohup "$AIRFLOW" standalone >"$LOG" 2>&1 &
  record "$PIDFILE" $!
  echo -n "starting Airflow (log: $LOG) "
  local i up=0
  for i in $(seq 1 1440); do  # up to 6 min, polled every 0.25 s (the run starts as soon as it answers)
    curl -fsS "$URL/api/v2/monitor/health" >/dev/null 2>&1 && { up=1; break; }
    owned "$PIDFILE" || { echo; echo "Airflow exited; see $LOG"; tail -20 "$LOG"; exit 1; }
    (( i % 8 )) || echo -n .
    sleep 0.25
  done
  [[ $up == 1 ]] || { echo; echo "Airflow's API server did not answer within 6 min; see $LOG (make stop)"; exit 1; }
  # through the REST API from here (an airflow CLI call costs ~5 s of imports on a 2-core machine)
  set_pool
  local action=unpause paused_json=false
  [[ $paused == 1 ]] && { action=pause; paused_json=true; }
  # the execution API (what task processes call) answers its first request slowly: warm it up before
  # the first task needs it, so that task does not wait out a client retry
  curl -fsS "$URL/execution/health" >/dev/null 2>&1 || true
  local answer=""
  for i in $(seq 1 480); do  # the DAG exists once the dag-processor has parsed it (a second or two)
    answer=$(curl -fsS -X PATCH "$URL/api/v2/dags/news_archive" -H "Content-Type: application/json" \
      -d "{\"is_paused\": $paused_json}" 2>/dev/null) && break
    answer=""
    (( i % 8 )) || echo -n .
    sleep 0.25
  done
  echo
  local state="${action}d"
  [[ -n $answer ]] || { echo "the DAG news_archive did not appear within 2 min; see $LOG and the UI"; state="left paused"; }
  echo "Airflow UI: $URL  (DAG news_archive, $state; archive: $NEWSARCHIVE_ARCHIVE)"
  echo "Archive page: $URL/plugin/archive  (health: newsarchive health --archive $NEWSARCHIVE_ARCHIVE)"
  if [[ $paused == 1 ]]; then
    echo "OFFLINE: no outlet is reachable from this machine, so the DAG is left paused (a live run would fail"
    echo "after 15 minutes of retries). For an offline run use the replica: make stop && make run REPLICA=1"
  fi
  echo "Stop it with: make stop"
}

backfill() {  # one run per day from $1 to $2 (inclusive), one at a time, by the running scheduler
  local from=${1:-} to=${2:-}
  [[ $from =~ ^[0-9]{4}-[0-9]{2}-[0-9]{2}$ && $to =~ ^[0-9]{4}-[0-9]{2}-[0-9]{2}$ ]] || {
    echo "usage: $0 backfill FROM TO (dates YYYY-MM-DD, inclusive; one day: FROM = TO)" >&2; exit 2; }
  owned "$PIDFILE" || { echo "Airflow is not running: make run first" >&2; exit 1; }
  # Through the REST API: `airflow backfill create` writes to the SQLite DB beside the running scheduler
  # and fails with "database is locked". The DAG's runs fall at 03:00 UTC, so the window runs to the end
  # of the last day (FROM = TO is one run; a window ending at TO 00:00 would leave that day out).
  local body
  body=$(printf '{"dag_id": "news_archive", "from_date": "%sT00:00:00Z", "to_date": "%sT23:59:59Z", "max_active_runs": 1}' "$from" "$to")
  local answer
  answer=$(curl -sS -X POST "$URL/api/v2/backfills" -H "Content-Type: application/json" -d "$body" -w '\n%{http_code}')
  local code=${answer##*$'\n'}
  answer=${answer%$'\n'*}
  if [[ $code != 200 ]]; then echo "backfill refused (HTTP $code): $answer" >&2; exit 1; fi
  echo "backfill of news_archive from $from to $to created (one run at a time): $URL/dags/news_archive"
}

trigger() {  # one run for the day $1, now, by the running scheduler
  local day=${1:-}
  [[ $day =~ ^[0-9]{4}-[0-9]{2}-[0-9]{2}$ ]] && date -u -d "$day" +%F >/dev/null 2>&1 || {
    echo "usage: $0 trigger DATE (YYYY-MM-DD, e.g. make trigger DATE=$(date -u +%F))" >&2; exit 2; }
  [[ ! $day > $(date -u +%F) ]] || {
    echo "DATE=$day is after today ($(date -u +%F), UTC): a run sees the sites as they are today" >&2; exit 2; }
  owned "$PIDFILE" || { echo "Airflow is not running: make run first" >&2; exit 1; }
  local answer code
  answer=$(curl -sS -X POST "$URL/api/v2/dags/news_archive/dagRuns" -H "Content-Type: application/json" \
    -d "{\"logical_date\": \"${day}T00:00:00Z\", \"note\": \"make trigger DATE=$day\"}" -w '\n%{http_code}')
  code=${answer##*$'\n'}
  answer=${answer%$'\n'*}
  if [[ $code != 200 ]]; then echo "trigger refused (HTTP $code): $answer" >&2; exit 1; fi
  local run_id
  run_id=$(sed -n 's/.*"dag_run_id": *"\([^"]*\)".*/\1/p' <<<"$answer")
  echo "run $run_id for $day started: $URL/dags/news_archive/runs/$run_id  (Archive page: $URL/plugin/archive)"
}

stop() {
  stop_replica
  [[ -f $PIDFILE ]] || { echo "Airflow is not running (no $PIDFILE)"; return 0; }
  local pid; pid=$(pid_of "$PIDFILE")
  if owned "$PIDFILE"; then
    # SIGTERM to the whole group (api-server, scheduler, dag-processor, triggerer, task processes): each
    # stops cleanly at once; standalone itself would wait a minute on SIGINT. Whatever is left after 10 s
    # is killed.
    kill -TERM -- "-$pid" 2>/dev/null || kill -TERM "$pid" 2>/dev/null || true
    for _ in $(seq 1 50); do kill -0 -- "-$pid" 2>/dev/null || break; sleep 0.2; done
    owned "$PIDFILE" && kill -KILL -- "-$pid" 2>/dev/null || true
    echo "Airflow stopped (pid $pid)"
  else
    echo "Airflow (pid $pid) had already exited"
  fi
  rm -f "$PIDFILE" "$PIDFILE.start"
}

case "${1:-}" in
  start) start ;;
  stop) stop ;;
  backfill) shift; backfill "$@" ;;
  trigger) shift; trigger "$@" ;;
  fault)
    [[ -n ${2:-} ]] || { echo "usage: $0 fault OUTLET:MODE[:PATH][,...] (make fault FAULT=zamanalwsl:http_500)" >&2; exit 2; }
    replica_control PUT "$2" ;;
  heal) replica_control DELETE ;;
  *) echo "usage: $0 start|stop|backfill FROM TO|trigger DATE|fault SPEC|heal" >&2; exit 2 ;;
esac
