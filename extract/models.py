"""The records extraction produces."""

from __future__ import annotations

import hashlib
from dataclasses import asdict, dataclass


@dataclass(frozen=True)
class Article:
    id: str
    url: str
    canonical_url: str
    outlet: str
    title: str
    author: str | None
    published: str | None  # ISO 8601 with offset
    date_source: (
        str | None
    )  # where `published` came from: jsonld, meta, time, text, url, trafilatura
    modified: str | None
    language: str
    text: str

    def to_dict(self) -> dict[str, object]:
        return asdict(self)


def article_id(url: str, canonical_url: str, text: str) -> str:
    """A stable id of one capture's article: the first 16 hex digits of SHA-256 of the fetched URL, the
    canonical URL and the text. A revision (same URL, new text) and a copy under another URL get ids of
    their own, so `duplicate_of` and `revision_of` always point at another row."""
    return hashlib.sha256(f"{url}\n{canonical_url}\n{text}".encode()).hexdigest()[:16]
