"""The publish hook of the dataset card and Croissant file (archive/dataset_docs.py): called where a
publish refreshes the current-articles table (`finish_run`), best effort like the search index: a card
that cannot be written leaves the snapshot published, the old card in place and a warning naming
`newsarchive dataset card`, which writes it again."""

from __future__ import annotations

import logging

from archive.dataset_card import DatasetInfo
from archive.dataset_docs import write_dataset_docs
from archive.store import Store, StoreError
from common.errors import NewsArchiveError
from newsarchive.config import Settings

logger = logging.getLogger(__name__)


def dataset_info(settings: Settings) -> DatasetInfo:
    """The card's name, terms, outlet names (the registry's, ids if it cannot be read) and replay URL."""
    from outlets.registry import load_registry

    try:
        names = {o.id: o.name for o in load_registry(settings.outlets_path).outlets}
    except (NewsArchiveError, OSError):
        names = {}
    return DatasetInfo(settings.dataset_name, settings.dataset_terms, names, settings.replay_url)


def refresh(store: Store, settings: Settings | None) -> None:
    """Rewrite the card and the Croissant file from the manifests (after the table's refresh)."""
    try:
        write_dataset_docs(store, dataset_info(settings or Settings()))
    except (StoreError, NewsArchiveError, OSError) as exc:
        logger.warning(
            "the dataset card was not rewritten (%s); `newsarchive dataset card` writes it", exc
        )
