"""`newsarchive repair crawl-state OUTLET`: an outlet's crawl state rebuilt from the archive's snapshots."""

from __future__ import annotations

import logging

from archive.snapshot import DamagedObject, list_snapshots, load_manifest, read_rows
from archive.store import open_store
from dedup.urls import canonical_url
from newsarchive.config import Settings
from spiders.state import rebuild_crawl_state

logger = logging.getLogger(__name__)


def repair_crawl_state(settings: Settings, outlet: str) -> int:
    """Rebuild an outlet's crawl state from the archive: every URL whose article a snapshot holds is seen
    (on the day of that snapshot). Returns how many. Pending retries and validators start afresh."""
    store = open_store(settings.archive)
    seen: dict[str, str] = {}
    for ref in list_snapshots(store):
        try:
            manifest = load_manifest(store, ref)
            rows = read_rows(store, manifest, keep=lambda key: f"/outlet={outlet}/" in key)
        except (
            DamagedObject
        ) as exc:  # its pages are then fetched again: nothing is lost by skipping it
            logger.warning("repair: %s skipped: %s", ref.label, exc)
            continue
        for row in rows:
            seen.setdefault(canonical_url(row.url), ref.day)
    rebuild_crawl_state(store, outlet, seen)
    return len(seen)
