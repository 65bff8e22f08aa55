"""Where things live in the archive (same keys on a local directory and in a bucket)."""

from __future__ import annotations

import hashlib
import re
from datetime import date

SNAPSHOTS = "snapshots"
STAGING = "staging"
STATE = "state"
CURRENT = "current"  # the current-articles table (archive/current_table.py), derived from the snapshots
SUCCESS = "_SUCCESS"
CLAIM = "_CLAIM"
MANIFEST = "manifest.json"
_REV = re.compile(r"^snapshots/date=(\d{4}-\d{2}-\d{2})/rev=(\d+)/")
_RUN = re.compile(r"^staging/date=(\d{4}-\d{2}-\d{2})/run=([A-Za-z0-9._-]+)/")
_SAFE = re.compile(r"[^A-Za-z0-9._-]")


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


def parse_snapshot_key(key: str) -> tuple[str, int] | None:
    match = _REV.match(key)
    return (match.group(1), int(match.group(2))) if match else None


def parse_staging_key(key: str) -> tuple[str, str] | None:
    """(day, run key) of a staging object."""
    match = _RUN.match(key)
    return (match.group(1), match.group(2)) if match else None
