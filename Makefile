# newsarchive: `make run` (scheduled pipeline on Airflow) and `make test` are all a new user needs.
SHELL := /bin/bash
export UV_PYTHON_DOWNLOADS := never
UV := $(shell command -v uv 2>/dev/null || echo "python3 -m uv")
VENV := .venv
PYTEST_ARGS ?=
# make test's workers: most of the slow tier waits on subprocesses (crawls, Airflow, S3), so more workers than CPUs
TEST_WORKERS ?= 4
# the tests keep the bytecode of our modules and pytest's rewritten test modules (__pycache__, ignored
# by git) even where PYTHONDONTWRITEBYTECODE is set: each run and each of its subprocesses would
# compile them again (the unit tier spent about 3 s of its 30 rewriting asserts)
TEST_ENV := PYTHONDONTWRITEBYTECODE=

.PHONY: setup run stop backfill trigger fault heal cluster cluster-stop demo test test-fast lint docs bench eval clean

$(VENV)/.synced: pyproject.toml uv.lock
	@command -v uv >/dev/null 2>&1 || python3 -m uv --version >/dev/null 2>&1 || python3 -m pip install --quiet uv
	$(UV) sync --frozen --python 3.11 --extra airflow --extra cluster --compile-bytecode
	@touch $@

# pywb pins redis 2.x (the cluster extra needs redis 5+), so `newsarchive replay` runs it from its own venv
PYWB_VENV := .venv-pywb
$(PYWB_VENV)/.synced: Makefile
	$(UV) venv --quiet --allow-existing --python 3.11 $(PYWB_VENV)
	$(UV) pip install --quiet --python $(PYWB_VENV)/bin/python "pywb==2.10.0"
	@touch $@

setup: $(VENV)/.synced $(PYWB_VENV)/.synced  ## build .venv from uv.lock with the machine's Python 3.11 (extras airflow, cluster), and .venv-pywb

run: setup  ## start Airflow standalone on 127.0.0.1:8080 with the news_archive DAG unpaused; REPLICA=1: on the living replica (offline), FAULT=outlet:mode[,outlet:mode] with faults
	REPLICA=$(REPLICA) FAULT="$(FAULT)" scripts/airflow.sh start

backfill:  ## one DAG run per day, FROM=YYYY-MM-DD TO=YYYY-MM-DD (inclusive), on the Airflow `make run` started
	scripts/airflow.sh backfill $(FROM) $(TO)

trigger:  ## one run for DATE=YYYY-MM-DD now, on the Airflow `make run` started
	scripts/airflow.sh trigger "$(DATE)"

fault:  ## FAULT=outlet:mode[:path][,...]: the running replica (make run REPLICA=1) serves exactly these faults from now on
	scripts/airflow.sh fault "$(FAULT)"

heal:  ## the running replica serves no fault any more
	scripts/airflow.sh heal

stop:  ## stop what `make run` started (Airflow and the replica, each only if it is still the process it started)
	scripts/airflow.sh stop

cluster: setup  ## CeleryExecutor on 127.0.0.1: PostgreSQL, Redis, SeaweedFS S3, Airflow and two Celery workers (needs Debian's postgresql, redis-server)
	scripts/cluster.sh start

cluster-stop:  ## stop what `make cluster` started, each by its PID
	scripts/cluster.sh stop

demo: setup  ## serve the outlet replica on loopback and run the pipeline on it (offline)
	$(VENV)/bin/newsarchive demo

test: setup  ## the whole test suite (local replica, local S3 server, real Airflow; no internet), over TEST_WORKERS pytest-xdist workers
	$(TEST_ENV) $(VENV)/bin/pytest -n $(TEST_WORKERS) --dist loadgroup $(PYTEST_ARGS)

test-fast: setup  ## the unit tier over every CPU (no crawl subprocess, no pipeline run, no Airflow, no S3 server): under 30 s
	$(TEST_ENV) $(VENV)/bin/pytest -m "not slow" -n auto $(PYTEST_ARGS)

docs: setup  ## the docs site (mkdocs.yml, Material theme), built strictly into site/: a broken link or a page left out of the nav fails
	NO_MKDOCS_2_WARNING=1 $(VENV)/bin/mkdocs build --strict

bench: setup  ## benchmark scripts that print their figures
	$(VENV)/bin/python bench/bench_extraction.py
	$(VENV)/bin/python bench/bench_archive.py
	$(VENV)/bin/python bench/bench_warc.py
	$(VENV)/bin/python bench/bench_revisit.py
	$(VENV)/bin/python bench/bench_requisites.py
	$(VENV)/bin/python bench/bench_dedup.py
	$(VENV)/bin/python bench/bench_crawl.py
	$(VENV)/bin/python bench/bench_crawl_nginx.py
	$(VENV)/bin/python bench/bench_run.py
	$(VENV)/bin/python bench/bench_cluster.py
	$(VENV)/bin/python bench/bench_archivist.py
	$(VENV)/bin/python bench/bench_archive_page.py
	$(VENV)/bin/python bench/bench_ops.py
	$(VENV)/bin/python bench/bench_first_run.py
	$(VENV)/bin/python bench/bench_research.py
	$(VENV)/bin/python bench/bench_dataset.py
	$(MAKE) bench/.venv-duckdb-fts/.synced && $(VENV)/bin/python bench/bench_search.py
	$(VENV)/bin/python bench/bench_stemmers.py
	$(VENV)/bin/python bench/bench_reextract.py
	$(VENV)/bin/python bench/bench_signing.py

# DuckDB FTS for bench/bench_search.py's baseline: the PyPI package that ships the extension exists for
# DuckDB 1.4.4 only, the project pins 2.0, so it gets a venv of its own (nothing is installed at run time)
bench/.venv-duckdb-fts/.synced:
	$(UV) venv -q --allow-existing --python 3.11 bench/.venv-duckdb-fts
	$(UV) pip install -q --python bench/.venv-duckdb-fts/bin/python duckdb==1.4.4 duckdb-ext-fts==1.4.4.20260205
	@touch $@

eval: setup  ## extraction quality and speed beside plain trafilatura (benchmark corpus in ../shared); dedup threshold sweep
	$(VENV)/bin/python bench/eval_extraction.py
	$(VENV)/bin/python bench/eval_dedup.py

lint: setup  ## ruff check, ruff format --check, then mypy ([tool.mypy] in pyproject.toml)
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/mypy

clean:
	rm -rf var site .pytest_cache
