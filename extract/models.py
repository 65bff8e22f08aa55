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
    date_source: str | None  # where `published` came from: jsonld, meta, time, text, url, trafilatura
    modified: str | None
    language: str
    text: str

    def to_dict(self) -> dict:
        return asdict(self)


def article_id(canonical_url: str) -> str:
    """A stable id: the first 16 hex digits of SHA-256 of the canonical URL."""
    return hashlib.sha256(canonical_url.encode("utf-8")).hexdigest()[:16]


class ExtractionError(Exception):
    """A document yielded no article; `reason` is a short machine-readable cause."""

    def __init__(self, reason: str, detail: str):
        super().__init__(f"{reason}: {detail}")
        self.reason = reason
        self.detail = detail
