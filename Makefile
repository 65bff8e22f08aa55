# newsarchive: `make run` (scheduled pipeline on Airflow) and `make test` are all a new user needs.
SHELL := /bin/bash
export UV_PYTHON_DOWNLOADS := never
UV := $(shell command -v uv 2>/dev/null || echo "python3 -m uv")
VENV := .venv
PYTEST_ARGS ?=

.PHONY: setup run stop cluster cluster-stop demo test test-fast lint bench eval clean

$(VENV)/.synced: pyproject.toml uv.lock
	@command -v uv >/dev/null 2>&1 || python3 -m uv --version >/dev/null 2>&1 || python3 -m pip install --quiet uv
	$(UV) sync --frozen --python 3.11 --extra airflow --extra cluster --compile-bytecode
	@touch $@

setup: $(VENV)/.synced  ## build .venv from uv.lock with the machine's Python 3.11 (extras airflow, cluster)

run: setup  ## start Airflow standalone on 127.0.0.1:8080 with the news_archive DAG unpaused
	scripts/airflow.sh start

stop:  ## stop what `make run` started
	scripts/airflow.sh stop

cluster: setup  ## CeleryExecutor on 127.0.0.1: PostgreSQL, Redis, SeaweedFS S3, Airflow and two Celery workers (needs Debian's postgresql, redis-server)
	scripts/cluster.sh start

cluster-stop:  ## stop what `make cluster` started, each by its PID
	scripts/cluster.sh stop

demo: setup  ## serve the outlet replica on loopback and run the pipeline on it (offline)
	$(VENV)/bin/newsarchive demo

test: setup  ## the whole test suite (local replica, local S3 server, real Airflow; no internet)
	$(VENV)/bin/pytest $(PYTEST_ARGS)

test-fast: setup  ## the unit tier (no crawl subprocess, no pipeline run, no Airflow, no S3 server): under 30 s
	$(VENV)/bin/pytest -m "not slow" $(PYTEST_ARGS)

bench: setup  ## benchmark scripts that print their figures
	$(VENV)/bin/python bench/bench_archive.py
	$(VENV)/bin/python bench/bench_dedup.py
	$(VENV)/bin/python bench/bench_crawl.py
	$(VENV)/bin/python bench/bench_run.py
	$(VENV)/bin/python bench/bench_cluster.py
	$(VENV)/bin/python bench/bench_reextract.py

eval: setup  ## extraction quality and speed beside plain trafilatura (benchmark corpus in ../shared); dedup threshold sweep
	$(VENV)/bin/python bench/eval_extraction.py
	$(VENV)/bin/python bench/eval_dedup.py

lint: setup  ## ruff, then mypy (strict on extract/, dedup/, archive/; [tool.mypy] in pyproject.toml)
	$(VENV)/bin/ruff check .
	$(VENV)/bin/mypy

clean:
	rm -rf var .pytest_cache
