"""The crawler's per-outlet state in the archive (model: spiders/state.py; key: layout.crawl_state_key).

Runs fold into it with a conditional write (If-Match on the version read, retried on a lost race), so two
runs committing at once never lose each other's update. A damaged state fails only its own outlet, with
one line naming the object and the repair (`newsarchive repair crawl-state OUTLET`)."""

from __future__ import annotations

import logging
import time

from archive import layout
from archive.store import ObjectChanged, ObjectNotFound, Store
from common.errors import NewsArchiveError
from spiders.state import CrawlRun, CrawlState

logger = logging.getLogger(__name__)
COMMIT_TRIES = 20


class CrawlStateError(NewsArchiveError):
    reason = "damaged_state"


def _load(store: Store, outlet: str) -> tuple[CrawlState, str]:
    key = layout.crawl_state_key(outlet)
    try:
        blob, version = store.get_versioned(key)
    except ObjectNotFound:
        return CrawlState(outlet=outlet), ""
    try:
        return CrawlState.from_bytes(blob, outlet), version
    except (ValueError, TypeError, KeyError, AttributeError) as exc:
        raise CrawlStateError(
            f"{store.url}/{key} is damaged ({exc}); run `newsarchive repair crawl-state {outlet}` to rebuild it "
            "from the archive's snapshots"
        ) from None


def load_crawl_state(store: Store, outlet: str) -> CrawlState:
    """The outlet's state, or an empty one (a first crawl) when the archive has none."""
    return _load(store, outlet)[0]


def commit_crawl_run(store: Store, run: CrawlRun, not_archived: dict[str, str] | None = None) -> CrawlState:
    """Fold an archived run into the outlet's state (idempotent: committing a run twice changes nothing)."""
    key = layout.crawl_state_key(run.outlet)
    for attempt in range(COMMIT_TRIES):
        state, version = _load(store, run.outlet)
        new = state.after(run, not_archived)
        try:
            store.put_bytes(key, new.to_bytes(), if_match=version)
            return new
        except ObjectChanged:
            logger.info("%s: crawl state changed under us, folding the run in again", run.outlet)
            time.sleep(0.05 * (attempt + 1))
    raise CrawlStateError(f"{store.url}/{key}: {COMMIT_TRIES} concurrent writers in a row; run again")


def rebuild_crawl_state(store: Store, outlet: str, seen: dict[str, str]) -> CrawlState:
    """Replace a damaged state with one whose seen set is what the archive holds (pending work, validators
    and given-up pages are lost; the next crawl finds them again). The damaged object is kept aside."""
    key = layout.crawl_state_key(outlet)
    try:
        blob, version = store.get_versioned(key)
        store.put_bytes(f"{key}.damaged-{int(time.time())}", blob)
    except ObjectNotFound:
        version = ""
    state = CrawlState(outlet=outlet, seen=seen)
    store.put_bytes(key, state.to_bytes(), if_match=version)
    return state
