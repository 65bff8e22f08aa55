"""Pages of a search's hits past the first: `--page`/`--offset`, and a cursor that keeps them stable.

Hits are in one total order (search/engine.py), so the pages cut from one set of segments are disjoint
and together the whole result. A cursor is what the previous page printed: the offset of the next hit,
and digests of what the pages are cut from (the query with its options, and the segments searched:
each day's rev and its segment's SHA-256). A cursor given for another query, or after the segments
changed (a day published, rebuilt or removed), is refused in one line instead of a page that would
skip or repeat hits."""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from common.errors import NewsArchiveError

if TYPE_CHECKING:  # the CLI reads MAX_OFFSET before anything imports tantivy
    from search.segments_local import LocalSegment

MAX_OFFSET = 1_000_000  # the deepest hit a page may start at (its top-k is held in memory)


class CursorError(NewsArchiveError, ValueError):
    reason = "bad_cursor"


def segments_digest(segments: Iterable[LocalSegment]) -> str:
    """The segments searched: each day's rev and its segment's SHA-256 (the name of its directory)."""
    named = sorted(f"{s.ref.day} {s.ref.rev} {s.path.name}" for s in segments)
    return hashlib.sha256("\n".join(named).encode()).hexdigest()[:16]


def query_digest(*parts: object) -> str:
    return hashlib.sha256(json.dumps([str(p) for p in parts]).encode()).hexdigest()[:16]


@dataclass(frozen=True)
class Cursor:
    offset: int  # the next page's first hit, counted from 0
    query: str  # query_digest of the query and its options
    segments: str  # segments_digest of the segments searched

    def encode(self) -> str:
        raw = f"1.{self.offset}.{self.query}.{self.segments}".encode()
        return base64.urlsafe_b64encode(raw).decode().rstrip("=")

    @classmethod
    def decode(cls, text: str) -> Cursor:
        try:
            raw = base64.urlsafe_b64decode(text + "=" * (-len(text) % 4)).decode("ascii")
            version, offset, query, segments = raw.split(".")
            if version != "1" or len(query) != 16 or len(segments) != 16:
                raise ValueError(raw)
            cursor = cls(int(offset), query, segments)
        except (ValueError, UnicodeDecodeError, binascii.Error):
            raise CursorError(
                f"{text[:40]!r} is not a search cursor; give the one the previous page printed"
            ) from None
        if not 0 <= cursor.offset <= MAX_OFFSET:
            raise CursorError(f"the cursor's offset {cursor.offset} is out of range")
        return cursor

    def check(self, query: str, segments: str) -> None:
        """CursorError unless the next page is cut from what this cursor's pages were."""
        if query != self.query:
            raise CursorError(
                "this cursor was made for another query or other options; give the query, "
                "--exact, --outlet, --lang, --include-duplicates, --since and --until of its first page"
            )
        if segments != self.segments:
            raise CursorError(
                "the search segments changed since this cursor was made (a day was published, "
                "indexed again or removed), so its next page would skip or repeat hits; start again "
                "from the first page"
            )
