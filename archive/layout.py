"""The archive's key space: every key and prefix of the archive is spelled here and nowhere else.

The same keys are used in a local directory and in a bucket. This docstring is the reference of the
layout (docs/archive-format.md shows the same block, and tests/docs keeps the two the same):

    snapshots/date=D/rev=N/                      one published snapshot (a rev) of day D
        _CLAIM                                   the run that claimed the rev (create-only, first)
        articles/outlet=O/lang=L/part-0000.parquet   the rev's article rows
        warc/O.warc.gz                           the run's raw captures of outlet O
        indexes/index.cdxj                       CDXJ index of the rev's WARCs
        dedup/index.npz                          dedup index segment (URL keys, hashes, MinHash)
        reextract/O.diff.json                    a derived rev's diff report for outlet O
        manifest.json                            every file with its size and SHA-256, the counts
        manifest.sig.json                        the operator's signature of manifest.json (archive/signing.py)
        manifest.tsr                             an RFC 3161 timestamp reply over manifest.json's SHA-256
        _TIMESTAMP_PENDING                       the TSA did not answer at publish: why (then a sidecar)
        _SUCCESS                                 the manifest's SHA-256, written last: the rev is complete
        _ABANDONED                               a claimed rev that will never be completed
    staging/date=D/run=R/                        scratch space of one run (its tasks exchange data here)
        crawl/O.warc.gz, crawl/O.crawl.json, crawl/O.state.json, crawl/O.gap.json
        extract/O.jsonl, extract/O.extract.json, extract/O.gap.json
        dedup/articles.jsonl, dedup/dedup.json, dedup/index.npz
        _ALIVE                                   the run's heartbeat (its process and last beat): gc leaves it
    state/crawl/O.json.gz                        outlet O's crawl state (seen, pending, validators)
    current/articles/D.parquet                   the current-articles table, one file per day (derived)
    current/articles.record.json                 the table's record: each day file's SHA-256, size, rows, rev
    indexes/date=D/rev=N/                        sidecar CDXJ index of a rev published before indexes existed
    search/v3/date=D/rev=N/segment.tar|.json     search segment of a rev and its pointer (derived)
    ops/live/outlet=O.json                       outlet O's latest try: its run, stage, state, cause, next try
    ops/live/run.json                            the latest run's run-level stages (dedup, publish, quality)
    ops/deadline/date=D.json                     the day's missed-deadline alert, sent once (create-only)
    timestamps/date=D/rev=N/manifest.tsr         a timestamp added after publish (`snapshots timestamp`)

Readers and `gc` find every kind of object through the functions below; nothing else builds a key.
"""

from __future__ import annotations

import hashlib
import re
from datetime import date
from typing import Protocol

SNAPSHOTS = "snapshots"
STAGING = "staging"
STATE = "state"
CURRENT = (
    "current"  # the current-articles table (archive/current_table.py), derived from the snapshots
)
SIDECAR_INDEXES = "indexes"
SEARCH = "search"
OPS = (
    "ops"  # operational records: the live state of runs and outlets (newsarchive/ops/live_state.py)
)
SUCCESS = "_SUCCESS"
CLAIM = "_CLAIM"
ABANDONED = "_ABANDONED"
ALIVE = "_ALIVE"
MANIFEST = "manifest.json"
CDXJ_INDEX = "indexes/index.cdxj"  # under a rev's prefix
MANIFEST_SIGNATURE = "manifest.sig.json"  # written after the manifest, before _SUCCESS
MANIFEST_TIMESTAMP = "manifest.tsr"
TIMESTAMP_PENDING = "_TIMESTAMP_PENDING"
SEAL_OBJECTS = (
    MANIFEST_SIGNATURE,
    MANIFEST_TIMESTAMP,
    TIMESTAMP_PENDING,
)  # not in the manifest: of it
SIDECAR_TIMESTAMPS = "timestamps"
SIDECAR_RECORD = "index.json"  # under a sidecar prefix: what the sidecar index is bound to
SEARCH_FORMAT = 3
SEARCH_PREFIX = f"{SEARCH}/v{SEARCH_FORMAT}/"
# segments of earlier formats (never read; `newsarchive search-index` builds the current one beside them)
OLD_SEARCH_PREFIXES = tuple(f"{SEARCH}/v{n}/" for n in range(1, SEARCH_FORMAT))
CURRENT_TABLE_PREFIX = f"{CURRENT}/articles/"
CURRENT_TABLE_RECORD = (
    f"{CURRENT}/articles.record.json"  # beside the table: its directory holds Parquet only
)
CRAWL_STATE_PREFIX = f"{STATE}/crawl/"
_REV = re.compile(r"^snapshots/date=(\d{4}-\d{2}-\d{2})/rev=(\d+)/")
_RUN = re.compile(r"^staging/date=(\d{4}-\d{2}-\d{2})/run=([A-Za-z0-9._-]+)/")
_SEARCH = re.compile(r"^search/v(\d+)/date=(\d{4}-\d{2}-\d{2})/rev=(\d+)/")
_SAFE = re.compile(r"[^A-Za-z0-9._-]")


class Rev(Protocol):
    """A rev of a day (archive.snapshot.SnapshotRef is one)."""

    @property
    def day(self) -> str: ...

    @property
    def rev(self) -> int: ...


# -- snapshots ----------------------------------------------------------------------------------------
def snapshot_prefix(day: date, rev: int) -> str:
    return f"{SNAPSHOTS}/date={day.isoformat()}/rev={rev}/"


def day_prefix(day: date) -> str:
    return f"{SNAPSHOTS}/date={day.isoformat()}/"


def articles_key(prefix: str, outlet: str, lang: str) -> str:
    return f"{prefix}articles/outlet={outlet}/lang={lang}/part-0000.parquet"


def warc_key(prefix: str, outlet: str) -> str:
    return f"{prefix}warc/{outlet}.warc.gz"


def dedup_index_key(prefix: str) -> str:
    """The snapshot's dedup index segment (URL keys, content hashes, MinHash signatures)."""
    return f"{prefix}dedup/index.npz"


def cdxj_index_key(prefix: str) -> str:
    """The rev's CDXJ index of its WARCs."""
    return prefix + CDXJ_INDEX


def reextract_report_key(prefix: str, outlet: str) -> str:
    """Where a derived rev keeps an outlet's diff report (under the snapshot's prefix)."""
    return f"{prefix}reextract/{outlet}.diff.json"


def parse_snapshot_key(key: str) -> tuple[str, int] | None:
    match = _REV.match(key)
    return (match.group(1), int(match.group(2))) if match else None


# -- staging: one run's scratch space -----------------------------------------------------------------
def run_key(run_id: str) -> str:
    """A run id as a key segment: Airflow's `scheduled__2026-11-21T03:00:00+00:00` and any other id map
    to [A-Za-z0-9._-] only, with a hash suffix whenever characters had to be replaced."""
    safe = _SAFE.sub("_", run_id)[:80]
    if safe != run_id:
        safe += "-" + hashlib.sha256(run_id.encode("utf-8")).hexdigest()[:8]
    return safe


def staging_prefix(day: date, run_id: str) -> str:
    """Scratch space of one run (its logical date and run id); the run's tasks exchange data here and
    nothing else ever reads it."""
    return f"{STAGING}/date={day.isoformat()}/run={run_key(run_id)}/"


def staged_key(staging: str, stage: str, name: str) -> str:
    """An object of one stage in a run's staging: `staged_key(prefix, "crawl", "orient.warc.gz")`."""
    return f"{staging}{stage}/{name}"


def heartbeat_key(staging: str) -> str:
    """A run's heartbeat, in its own staging (newsarchive/run/liveness.py)."""
    return staging + ALIVE


def parse_staging_key(key: str) -> tuple[str, str] | None:
    """(day, run key) of a staging object."""
    match = _RUN.match(key)
    return (match.group(1), match.group(2)) if match else None


# -- state ---------------------------------------------------------------------------------------------
def crawl_state_key(outlet: str) -> str:
    """Where an outlet's crawl state lives (shared by every worker)."""
    return f"{CRAWL_STATE_PREFIX}{outlet}.json.gz"


# -- derived data: the current-articles table, sidecar indexes, search segments --------------------------
def current_table_key(day: str) -> str:
    return f"{CURRENT_TABLE_PREFIX}{day}.parquet"


def current_table_day(key: str) -> str | None:
    """The day a current-table key holds, or None for any other key."""
    name = key.removeprefix(CURRENT_TABLE_PREFIX)
    if key.startswith(CURRENT_TABLE_PREFIX) and name.endswith(".parquet") and "/" not in name:
        try:
            return date.fromisoformat(name.removesuffix(".parquet")).isoformat()
        except ValueError:
            return None
    return None


def sidecar_prefix(ref: Rev) -> str:
    """A sidecar CDXJ index of a rev published before indexes existed (the rev itself is never rewritten)."""
    return f"{SIDECAR_INDEXES}/date={ref.day}/rev={ref.rev}/"


def sidecar_index_key(ref: Rev) -> str:
    """The sidecar CDXJ index itself (its record, `SIDECAR_RECORD`, is written beside it, last)."""
    return sidecar_prefix(ref) + "index.cdxj"


def sidecar_record_key(ref: Rev) -> str:
    return sidecar_prefix(ref) + SIDECAR_RECORD


def timestamp_sidecar_key(ref: Rev) -> str:
    """A rev's manifest timestamp added after publish (the TSA was down): create-only, the rev untouched."""
    return f"{SIDECAR_TIMESTAMPS}/date={ref.day}/rev={ref.rev}/{MANIFEST_TIMESTAMP}"


def search_segment_key(ref: Rev) -> str:
    return f"{SEARCH_PREFIX}date={ref.day}/rev={ref.rev}/segment.tar"


def search_pointer_key(ref: Rev) -> str:
    return f"{SEARCH_PREFIX}date={ref.day}/rev={ref.rev}/segment.json"


def old_search_pointer_keys(ref: Rev) -> list[str]:
    """Where a segment of an earlier format of this rev would have its pointer."""
    return [f"{prefix}date={ref.day}/rev={ref.rev}/segment.json" for prefix in OLD_SEARCH_PREFIXES]


def parse_search_key(key: str) -> tuple[int, str, int] | None:
    """(format, day, rev) of a search segment object."""
    match = _SEARCH.match(key)
    return (int(match.group(1)), match.group(2), int(match.group(3))) if match else None


# -- ops: what is happening now (never part of a snapshot; overwritten as runs go) ---------------------
LIVE_PREFIX = f"{OPS}/live/"


def live_outlet_key(outlet: str) -> str:
    """An outlet's latest try (newsarchive/ops/live_state.py)."""
    return f"{LIVE_PREFIX}outlet={outlet}.json"


def live_run_key() -> str:
    """The latest run's run-level stages."""
    return f"{LIVE_PREFIX}run.json"


def live_outlet_of(key: str) -> str | None:
    """The outlet a live-state key names, or None for any other key."""
    name = key.removeprefix(f"{LIVE_PREFIX}outlet=")
    if key.startswith(f"{LIVE_PREFIX}outlet=") and name.endswith(".json") and "/" not in name:
        return name.removesuffix(".json")
    return None


def deadline_alert_key(day: date) -> str:
    """The marker of a day's missed-deadline alert: written create-only, so a day alerts once."""
    return f"{OPS}/deadline/date={day.isoformat()}.json"
