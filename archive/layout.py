"""Where things live in the archive (same keys on a local directory and in a bucket)."""

from __future__ import annotations

import re
from datetime import date

SNAPSHOTS = "snapshots"
STAGING = "staging"
STATE = "state"
SUCCESS = "_SUCCESS"
MANIFEST = "manifest.json"
_REV = re.compile(r"^snapshots/date=(\d{4}-\d{2}-\d{2})/rev=(\d+)/")


def snapshot_prefix(day: date, rev: int) -> str:
    return f"{SNAPSHOTS}/date={day.isoformat()}/rev={rev}/"


def articles_key(prefix: str, outlet: str, lang: str, part: int = 0) -> str:
    return f"{prefix}articles/outlet={outlet}/lang={lang}/part-{part:04d}.parquet"


def warc_key(prefix: str, outlet: str) -> str:
    return f"{prefix}warc/{outlet}.warc.gz"


def dedup_index_key(prefix: str) -> str:
    """The snapshot's dedup index segment (URL keys, content hashes, MinHash signatures)."""
    return f"{prefix}dedup/index.npz"


def crawl_state_key(outlet: str) -> str:
    """What the crawler remembers about an outlet across runs (spiders/state.py); shared by every worker."""
    return f"{STATE}/crawl/{outlet}.json.gz"


def staging_prefix(day: date) -> str:
    """Scratch space of one run, keyed by the run's logical date; tasks exchange data here."""
    return f"{STAGING}/date={day.isoformat()}/"


def parse_snapshot_key(key: str) -> tuple[str, int] | None:
    match = _REV.match(key)
    return (match.group(1), int(match.group(2))) if match else None
