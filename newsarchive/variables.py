"""Every NEWSARCHIVE_* variable, declared once: its kind (type and range), default, what it sets and which
process reads it. `VARIABLES` is the one table: the crawl process's own (spiders/variables.py) and these.

Each process checks the whole environment against it where it starts, before it does anything: the CLI
(newsarchive/cli/main.py), the DAG files when they are parsed, task processes (their Settings), and
scripts/airflow.sh and scripts/cluster.sh (through `newsarchive settings --shell`) before they start a
process. A wrong value, an internal variable set, or a NEWSARCHIVE_* name that is not declared here is
one line naming it and what it accepts. docs/configuration.md's table is generated from this one
(tools/settings_table.py; tests/newsarchive/test_variables.py checks it is up to date)."""

from __future__ import annotations

import os
from collections.abc import Mapping
from typing import Any

from common.values import (
    Ages,
    ArchiveLocation,
    CollectionUrl,
    Cron,
    Duration,
    Emails,
    Flag,
    HostName,
    Name,
    Names,
    Number,
    PathKind,
    PgOptions,
    Text,
    TimeOfDay,
    Url,
    Whole,
)
from common.variables import Variable, read_environment
from dedup import THRESHOLD, THRESHOLD_KIND
from extract.batch import DEFAULT_MEMORY_MB, DEFAULT_TIMEOUT_S
from spiders import settings as spider_settings
from spiders.variables import CRAWL_VARIABLES

DEFAULT_ARCHIVE = "./var/archive"
MAX_DAYS = 3650  # windows and histories: ten years
# outlets crawled at once, by a one-shot run and by the DAG's crawl pool: every active outlet of the
# registry (5) together finished 10,000 replica articles in 134-136 s against 153-162 s two at a time
# one-shot; the DAG under the scheduler, with make run's parallelism at the slots + 1, in 128-166 s
# across runs on two evenings, against 154.0 s with 2 slots and parallelism 4 (docs/benchmarks.md, Running)
DEFAULT_CRAWL_CONCURRENCY = 5
MAX_USER_AGENT_CHARS = 512
# citations and the dataset card (newsarchive/research/citations.py, archive/dataset_card.py)
DEFAULT_REPLAY_URL = (
    "http://127.0.0.1:8090/all"  # `newsarchive replay`'s default port, collection all
)
DEFAULT_DATASET_NAME = "newsarchive: Arabic news articles"
DEFAULT_DATASET_TERMS = (
    "The articles remain the work and the copyright of their outlets. They are archived for research "
    "and preservation: read, count, analyse and quote them as research allows where you are, cite the "
    "archived copy beside the original, and ask the outlet before republishing an article."
)
MAX_DATASET_TEXT = 4000
CLI = "CLI, tasks"
DAG = "DAG (parse)"
RUN = "make run (scripts/airflow.sh)"
CLUSTER = "make cluster (scripts/cluster.sh)"
AIRFLOW = "Airflow (task processes, Archive page)"

APP_VARIABLES: tuple[Variable[Any], ...] = (
    Variable(
        "NEWSARCHIVE_ARCHIVE",
        ArchiveLocation(),
        DEFAULT_ARCHIVE,
        "the archive: a local directory or s3://bucket/prefix; `--archive`",
        f"{CLI}, Archive page, scripts",
        settings_field="archive",
    ),
    Variable(
        "NEWSARCHIVE_OUTLETS",
        PathKind("file"),
        None,
        "the outlet registry file; `--outlets`",
        f"{CLI}, crawl process",
        default_text="./outlets.toml, else the project's",
        settings_field="outlets_path",
    ),
    Variable(
        "NEWSARCHIVE_USER_AGENT",
        Text(MAX_USER_AGENT_CHARS),
        spider_settings.USER_AGENT,
        "the crawl's User-Agent: name the project and a contact URL",
        CLI,
        settings_field="user_agent",
    ),
    Variable(
        "NEWSARCHIVE_REFETCH",
        Flag(),
        False,
        "recapture: ignore the crawl state (seen URLs, validators); `run --refetch`",
        CLI,
        settings_field="refetch",
    ),
    Variable(
        "NEWSARCHIVE_DEDUP_WINDOW_DAYS",
        Whole(0, MAX_DAYS, "days"),
        30,
        "days of archived snapshots a run is checked against for duplicates",
        CLI,
        settings_field="dedup_window_days",
    ),
    Variable(
        "NEWSARCHIVE_REVISIT_DAYS",
        Ages(MAX_DAYS),
        (1, 7, 30),
        "ages (days after its first capture) at which an archived article is fetched again to see "
        "whether it changed or went (conditional GET, inside the crawl's limits); empty: only when "
        "discovery lists it again",
        CLI,
        settings_field="revisit_days",
    ),
    Variable(
        "NEWSARCHIVE_DEDUP_THRESHOLD",
        THRESHOLD_KIND,
        THRESHOLD,
        "near-duplicate threshold (estimated Jaccard of word 3-shingles); `dedup --threshold`",
        CLI,
        settings_field="dedup_threshold",
    ),
    Variable(
        "NEWSARCHIVE_QUALITY_MIN_SHARE",
        Number(0.0, 1.0),
        0.5,
        "quality check: an outlet below this share of its recent median fails",
        CLI,
        settings_field="quality_min_share",
    ),
    Variable(
        "NEWSARCHIVE_QUALITY_HISTORY_DAYS",
        Whole(1, MAX_DAYS, "days"),
        14,
        "quality check: days of history the median is taken over",
        CLI,
        settings_field="quality_history_days",
    ),
    Variable(
        "NEWSARCHIVE_EXTRACT_TIMEOUT_S",
        Duration(0.0, 3600.0, "seconds", low_open=True),
        DEFAULT_TIMEOUT_S,
        "extraction time limit per page; past it the page fails with reason `timeout`",
        CLI,
        settings_field="extract_timeout_s",
    ),
    Variable(
        "NEWSARCHIVE_CRAWL_CONCURRENCY",
        Whole(1, 64, "crawls at once"),
        DEFAULT_CRAWL_CONCURRENCY,
        "outlets a one-shot run (`newsarchive run`, `demo`) crawls at once, each in its own `scrapy crawl` "
        "process (each outlet is its own host, each host throttled on its own); the DAG's are its "
        "crawl pool's slots (NEWSARCHIVE_CRAWL_SLOTS)",
        CLI,
        settings_field="crawl_concurrency",
    ),
    Variable(
        "NEWSARCHIVE_EXTRACT_WORKERS",
        Whole(1, 256, "worker processes"),
        None,
        "extraction worker processes: the most a batch starts (one at a time, as its backlog justifies)",
        CLI,
        default_text="one per CPU",
        settings_field="extract_workers",
    ),
    Variable(
        "NEWSARCHIVE_QUERY_TIMEOUT_S",
        Whole(1, 7 * 86400, "seconds per query"),
        300,
        "`newsarchive query`: the time limit of one query",
        CLI,
        settings_field="query_timeout_s",
    ),
    Variable(
        "NEWSARCHIVE_QUERY_MEMORY_MIB",
        Whole(64, 1 << 20, "MiB of memory per query"),
        1024,
        "`newsarchive query`: DuckDB's memory limit for one query",
        CLI,
        settings_field="query_memory_mib",
    ),
    Variable(
        "NEWSARCHIVE_QUERY_SPILL_MIB",
        Whole(0, 1 << 24, "MiB of spill per query"),
        4096,
        "`newsarchive query`: the most one query spills to disk past its memory (removed when it ends)",
        CLI,
        settings_field="query_spill_mib",
    ),
    Variable(
        "NEWSARCHIVE_DEADLINE",
        TimeOfDay(),
        None,
        "the time of day (UTC) by which the day's snapshot must be complete; missing it alerts once",
        f"{DAG}, {AIRFLOW}, CLI (`health`)",
        default_text="off",
        settings_field="deadline",
    ),
    Variable(
        "NEWSARCHIVE_STALE_DAYS",
        Whole(1, MAX_DAYS, "days"),
        2,
        "an outlet with no complete snapshot in this many days (today included) is stale",
        f"{AIRFLOW}, CLI (`health`)",
        settings_field="stale_days",
    ),
    Variable(
        "NEWSARCHIVE_METRICS_FILE",
        PathKind("output", ".prom"),
        None,
        "a Prometheus text file rewritten as runs go (node_exporter's textfile collector reads *.prom)",
        AIRFLOW,
        default_text="none",
        settings_field="metrics_file",
    ),
    Variable(
        "NEWSARCHIVE_EXTRACT_MEMORY_MB",
        Whole(256, 1 << 20, "MiB per worker"),
        DEFAULT_MEMORY_MB,
        "address space of each extraction worker (RLIMIT_AS); a page past it fails with reason `memory`",
        CLI,
        settings_field="extract_memory_mb",
    ),
    Variable(
        "NEWSARCHIVE_SIGNING_KEY",
        PathKind("file"),
        None,
        "a PEM private key (Ed25519 or ECDSA P-256, unencrypted): every published manifest is signed",
        CLI,
        default_text="none: unsigned",
        settings_field="signing_key",
    ),
    Variable(
        "NEWSARCHIVE_SIGNING_CERT",
        PathKind("file"),
        None,
        "the signing key's certificate chain (PEM): WACZ files get the spec's domain-identity signature",
        CLI,
        default_text="none",
        settings_field="signing_cert",
    ),
    Variable(
        "NEWSARCHIVE_TSA_URL",
        Url(),
        None,
        "an RFC 3161 time-stamping authority: every published manifest is timestamped",
        CLI,
        default_text="none: no timestamp",
        settings_field="tsa_url",
    ),
    Variable(
        "NEWSARCHIVE_TSA_CA",
        PathKind("file"),
        None,
        "the TSA's root certificate(s) (PEM) a timestamp's chain must lead to (publish, verify)",
        CLI,
        default_text="none",
        settings_field="tsa_ca",
    ),
    Variable(
        "NEWSARCHIVE_REPLAY_URL",
        CollectionUrl(),
        DEFAULT_REPLAY_URL,
        "the replay collection citations point to: <replay_url>/<14-digit timestamp>/<url>",
        CLI,
        settings_field="replay_url",
    ),
    Variable(
        "NEWSARCHIVE_DATASET_NAME",
        Text(MAX_DATASET_TEXT, strip=True),
        DEFAULT_DATASET_NAME,
        "the dataset's name in the bucket's card (README.md) and Croissant file",
        CLI,
        settings_field="dataset_name",
    ),
    Variable(
        "NEWSARCHIVE_DATASET_TERMS",
        Text(MAX_DATASET_TEXT, strip=True),
        DEFAULT_DATASET_TERMS,
        "the terms of use the card and the Croissant file state",
        CLI,
        default_text="the outlets keep their copyright; research use, cite the archived copy",
        settings_field="dataset_terms",
    ),
    Variable(
        "NEWSARCHIVE_RETENTION_DAYS",
        Whole(0, 36500, "days"),
        0,
        "S3 Object Lock retention of published objects (the bucket must have Object Lock); 0: none; "
        "`run --retention-days`",
        CLI,
        settings_field="retention_days",
    ),
    Variable(
        "NEWSARCHIVE_SEARCH_CACHE",
        PathKind("directory"),
        None,
        "where search segments of an S3 archive are kept once downloaded and checked",
        "CLI (search, stats)",
        default_text="$XDG_CACHE_HOME/newsarchive/search",
    ),
    Variable(
        "NEWSARCHIVE_PYWB",
        PathKind("executable"),
        None,
        "the `wayback` program `newsarchive replay` runs",
        "CLI (replay)",
        default_text=".venv-pywb/bin/wayback, else on PATH",
    ),
    # the DAG and the Airflow deployments
    Variable(
        "NEWSARCHIVE_SCHEDULE",
        Cron(),
        "0 3 * * *",
        "the news_archive DAG's schedule (UTC); empty: triggered runs only",
        DAG,
        empty_is_value=True,
    ),
    Variable(
        "NEWSARCHIVE_CRAWL_POOL",
        Name(),
        "newsarchive_crawl",
        "the Airflow pool bounding concurrent outlet crawls",
        f"{DAG}, {RUN}, {CLUSTER}",
    ),
    Variable(
        "NEWSARCHIVE_CRAWL_SLOTS",
        Whole(1, 1000, "slots"),
        DEFAULT_CRAWL_CONCURRENCY,
        "the crawl pool's slots: outlet crawls at once over the whole deployment (as many as a "
        "one-shot run crawls at once); `make run` lets Airflow run one task more than this at once "
        "(AIRFLOW__CORE__PARALLELISM, unless set) so an extraction never waits for a crawl to end",
        f"{RUN}, {CLUSTER}",
    ),
    Variable(
        "NEWSARCHIVE_CRAWL_QUEUE",
        Name(),
        "crawl",
        "the Celery queue of the crawl tasks",
        f"{DAG}, {CLUSTER}",
    ),
    Variable(
        "NEWSARCHIVE_PROCESS_QUEUE",
        Name(),
        "process",
        "the Celery queue of every other task",
        f"{DAG}, {CLUSTER}",
    ),
    Variable(
        "NEWSARCHIVE_AWS_CONN_ID",
        Name(),
        None,
        "the Airflow `aws` connection task processes and the Archive page take S3 settings from",
        AIRFLOW,
        default_text="none: boto3's environment",
    ),
    Variable(
        "NEWSARCHIVE_ALERT_SMTP_CONN_ID",
        Name(),
        None,
        "alerts by e-mail: an Airflow `smtp` connection",
        AIRFLOW,
        default_text="none: no e-mail",
    ),
    Variable(
        "NEWSARCHIVE_ALERT_EMAIL_TO",
        Emails(),
        (),
        "alert recipients (needed with the SMTP connection)",
        AIRFLOW,
        default_text="none",
    ),
    Variable(
        "NEWSARCHIVE_ALERT_SLACK_CONN_ID",
        Name(),
        None,
        "alerts to Slack: an Airflow `slackwebhook` connection",
        AIRFLOW,
        default_text="none: no Slack message",
    ),
    Variable(
        "NEWSARCHIVE_WORKER_HOSTNAME",
        HostName(),
        None,
        "the name a Celery worker gives its task instances (several workers on one machine)",
        "Celery worker (set by make cluster)",
        default_text="the machine's FQDN",
    ),
    Variable(
        "NEWSARCHIVE_REACHABILITY_FILE",
        PathKind("output"),
        None,
        "the outlets' reachability probe, shown on the Archive page",
        f"Archive page (set by {RUN})",
        default_text="none",
    ),
    Variable(
        "NEWSARCHIVE_REPLICA_PORT",
        Whole(0, 65535),
        0,
        "the living replica's port with `make run REPLICA=1`; 0: a free port",
        RUN,
    ),
    Variable(
        "NEWSARCHIVE_WORKERS",
        Whole(1, 64, "Celery workers"),
        2,
        "Celery workers `make cluster` starts",
        CLUSTER,
    ),
    Variable(
        "NEWSARCHIVE_WORKER_CONCURRENCY",
        Whole(1, 64, "tasks"),
        2,
        "tasks at once per Celery worker",
        CLUSTER,
    ),
    Variable(
        "NEWSARCHIVE_WORKER_QUEUES",
        Names(),
        None,
        "the queues every Celery worker serves",
        CLUSTER,
        default_text="the crawl and process queues",
    ),
    Variable(
        "NEWSARCHIVE_CLUSTER_HOME",
        PathKind("directory"),
        "var/cluster",
        "everything the cluster keeps (its settings in cluster.env, data, logs, PIDs)",
        CLUSTER,
    ),
    Variable(
        "NEWSARCHIVE_CLUSTER_PORT",
        Whole(1, 65535),
        None,
        "the api-server's port",
        CLUSTER,
        default_text="a free port, kept",
    ),
    Variable(
        "NEWSARCHIVE_PG_BIN",
        PathKind("directory"),
        None,
        "where initdb and postgres are",
        CLUSTER,
        default_text="the newest /usr/lib/postgresql/*/bin",
    ),
    Variable(
        "NEWSARCHIVE_PG_OPTIONS",
        PgOptions(),
        (),
        "more options for PostgreSQL",
        CLUSTER,
        default_text="none",
    ),
    Variable(
        "NEWSARCHIVE_STOP_GRACE_S",
        Whole(0, 3600, "seconds"),
        30,
        "how long `make cluster-stop` lets running tasks finish",
        CLUSTER,
    ),
)

VARIABLES: tuple[Variable[Any], ...] = (*APP_VARIABLES, *CRAWL_VARIABLES)
BY_NAME: dict[str, Variable[Any]] = {v.name: v for v in VARIABLES}


def environment(env: Mapping[str, str] | None = None) -> dict[str, Any]:
    """Every variable's value from `env` (the process's environment by default), checked against the
    table: the first wrong one is a ConfigError naming it and what it accepts."""
    return read_environment(VARIABLES, os.environ if env is None else env)
