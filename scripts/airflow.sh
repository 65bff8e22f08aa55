#!/usr/bin/env bash
# Start or stop Airflow standalone for newsarchive: 127.0.0.1:8080, SQLite metadata DB in var/airflow,
# local no-login mode (every visitor is admin: for a single local machine only, never exposed).
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
export AIRFLOW_HOME="${AIRFLOW_HOME:-$ROOT/var/airflow}"
export AIRFLOW__CORE__DAGS_FOLDER="$ROOT/dags"
export AIRFLOW__CORE__LOAD_EXAMPLES=False
export AIRFLOW__CORE__PARALLELISM="${AIRFLOW__CORE__PARALLELISM:-4}"
export AIRFLOW__CORE__DAGS_ARE_PAUSED_AT_CREATION=False
export AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_ALL_ADMINS=True
export AIRFLOW__API__HOST=127.0.0.1
export AIRFLOW__API__PORT="${AIRFLOW_PORT:-8080}"
export AIRFLOW__DAG_PROCESSOR__REFRESH_INTERVAL=30
export NEWSARCHIVE_ARCHIVE="${NEWSARCHIVE_ARCHIVE:-$ROOT/var/archive}"
export PATH="$ROOT/.venv/bin:$PATH"
AIRFLOW="$ROOT/.venv/bin/airflow"
PIDFILE="$AIRFLOW_HOME/standalone.pid"
LOG="$AIRFLOW_HOME/standalone.log"
URL="http://127.0.0.1:$AIRFLOW__API__PORT"
# where task processes reach the API server (the default assumes port 8080)
export AIRFLOW__CORE__EXECUTION_API_SERVER_URL="${AIRFLOW__CORE__EXECUTION_API_SERVER_URL:-$URL/execution/}"

start() {
  mkdir -p "$AIRFLOW_HOME"
  if [[ -f $PIDFILE ]] && kill -0 "$(cat "$PIDFILE")" 2>/dev/null; then
    echo "Airflow is already running (pid $(cat "$PIDFILE")): $URL"; return 0
  fi
  "$AIRFLOW" db migrate >"$AIRFLOW_HOME/migrate.log" 2>&1
  # the pool that bounds concurrent outlet crawls (each is a scrapy process)
  "$AIRFLOW" pools set "${NEWSARCHIVE_CRAWL_POOL:-newsarchive_crawl}" "${NEWSARCHIVE_CRAWL_SLOTS:-2}" \
    "concurrent outlet crawls (newsarchive)" >>"$AIRFLOW_HOME/migrate.log" 2>&1
  setsid nohup "$AIRFLOW" standalone >"$LOG" 2>&1 &
  echo $! >"$PIDFILE"
  echo -n "starting Airflow (log: $LOG) "
  for _ in $(seq 1 180); do
    curl -fsS "$URL/api/v2/monitor/health" >/dev/null 2>&1 && break
    kill -0 "$(cat "$PIDFILE")" 2>/dev/null || { echo; echo "Airflow exited; see $LOG"; tail -20 "$LOG"; exit 1; }
    echo -n .; sleep 2
  done
  "$AIRFLOW" dags reserialize >/dev/null 2>&1 || true
  for _ in $(seq 1 60); do
    "$AIRFLOW" dags unpause news_archive >/dev/null 2>&1 && break
    echo -n .; sleep 2
  done
  echo
  "$AIRFLOW" dags list -o plain 2>/dev/null | grep -E "dag_id|news_archive" || true
  echo "Airflow UI: $URL  (DAG news_archive, unpaused; archive: $NEWSARCHIVE_ARCHIVE)"
  echo "Stop it with: make stop"
}

stop() {
  [[ -f $PIDFILE ]] || { echo "Airflow is not running (no $PIDFILE)"; return 0; }
  local pid; pid=$(cat "$PIDFILE")
  if kill -0 "$pid" 2>/dev/null; then
    # SIGTERM to the whole group (api-server, scheduler, dag-processor, triggerer, task processes): each
    # stops cleanly at once; standalone itself would wait a minute on SIGINT. Whatever is left after 10 s
    # is killed.
    kill -TERM -- "-$pid" 2>/dev/null || kill -TERM "$pid" 2>/dev/null || true
    for _ in $(seq 1 50); do kill -0 -- "-$pid" 2>/dev/null || break; sleep 0.2; done
    kill -KILL -- "-$pid" 2>/dev/null || true
  fi
  rm -f "$PIDFILE"
  echo "Airflow stopped"
}

case "${1:-}" in
  start) start ;;
  stop) stop ;;
  *) echo "usage: $0 start|stop" >&2; exit 2 ;;
esac
