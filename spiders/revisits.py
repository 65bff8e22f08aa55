"""The revisit schedule as a crawl uses it: the archived articles to fetch again (a conditional GET with
If-Modified-Since = when it was last fetched, at the latest the end of its snapshot's day), given by the
crawl stage (newsarchive/run/revisits.py decides them from the archive's stories) in
NEWSARCHIVE_REVISIT_FILE.

- `due`: articles whose age since their first capture is one of the schedule's ages (default +1, +7 and
  +30 days): requested at the start of the crawl, after the pending retries, inside the article limit
  (what the limit stops is counted `skipped/revisit_cap`);
- `known`: every live story of the last days by URL key: an article discovery lists again is revisited
  instead of skipped as seen.
A revisit names the page itself as where the crawl found it (its WARC provenance `via` is its own URL),
so extraction can tell a revisit's 404, 410 or redirect away (a deletion) from a first fetch's.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.utils import format_datetime
from pathlib import Path

from common import decode
from spiders.state import seen_key

MAX_FILE = 256 << 20


@dataclass(frozen=True)
class Revisits:
    due: tuple[tuple[str, str], ...] = ()  # (URL, If-Modified-Since: ISO 8601 UTC)
    known: dict[str, str] = field(default_factory=dict)  # URL key -> If-Modified-Since

    @classmethod
    def from_bytes(cls, data: bytes) -> Revisits:
        """The file's one decoder: decode.Malformed names the first thing that is wrong."""
        f = decode.Fields(decode.json_value(data))

        def pair(value: object, where: str) -> tuple[str, str]:
            found = decode.items(value, where, decode.text)
            if len(found) != 2:
                raise decode.Malformed(
                    where, f"expected [url, fetched_at], found {len(found)} items"
                )
            return found[0], decode.moment(found[1], where)

        due = f.get("due", lambda v, w: decode.items(v, w, pair))
        known = f.get("known", lambda v, w: decode.mapping(v, w, decode.moment))
        return cls(tuple(due), {seen_key(url): when for url, when in known.items()})

    @classmethod
    def read(cls, path: str | Path) -> Revisits:
        file = Path(path)
        if file.stat().st_size > MAX_FILE:
            raise decode.Malformed(str(path), f"over {MAX_FILE} bytes")
        return cls.from_bytes(file.read_bytes())

    def since(self, url: str) -> str | None:
        """The If-Modified-Since of a revisit of this article (None: not a story it follows)."""
        return self.known.get(seen_key(url))


def http_date(moment: str) -> str:
    """An ISO 8601 instant as an HTTP date (If-Modified-Since)."""
    when = datetime.fromisoformat(moment)
    return format_datetime(
        (when if when.tzinfo else when.replace(tzinfo=UTC)).astimezone(UTC), usegmt=True
    )
