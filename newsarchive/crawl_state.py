"""The crawler's per-outlet state in the archive (model: spiders/state.py; key: layout.crawl_state_key)."""

from __future__ import annotations

from archive import layout
from archive.store import ObjectNotFound, Store
from newsarchive.errors import NewsArchiveError
from spiders.state import CrawlRun, CrawlState


class CrawlStateError(NewsArchiveError):
    pass


def load_crawl_state(store: Store, outlet: str) -> CrawlState:
    """The outlet's state, or an empty one (a first crawl) when the archive has none."""
    key = layout.crawl_state_key(outlet)
    try:
        blob = store.get_bytes(key)
    except ObjectNotFound:
        return CrawlState(outlet=outlet)
    try:
        return CrawlState.from_bytes(blob, outlet)
    except ValueError as exc:
        raise CrawlStateError(
            f"{store.url}/{key} is unreadable ({exc}); delete it to make the next crawl of {outlet} a full one"
        ) from None


def commit_crawl_run(store: Store, run: CrawlRun) -> CrawlState:
    """Fold an archived run into the outlet's state (idempotent: committing a run twice changes nothing)."""
    state = load_crawl_state(store, run.outlet).after(run)
    store.put_bytes(layout.crawl_state_key(run.outlet), state.to_bytes(), overwrite=True)
    return state
