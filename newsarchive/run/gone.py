"""A revisit that finds its article gone: which captures say so, and the row that keeps them as evidence.

The crawl marks a revisit (spiders/revisits.py) by naming the page itself as where it found it (`via`
is the page's own URL). A revisit answered 404 or 410, or redirected off the article pages (to the home
page or a section: a redirect to another article is followed as a slug change), and any article page that
is the outlet's "not found" template (`not_found` in outlets.toml: a soft 404, status 200), becomes a row
with `gone` set and no text: the story's `gone` version (archive/stories.py), its capture the evidence.
A first fetch that fails is not a deletion (the crawl counts it and gives the page up, spiders/failures.py).
"""

from __future__ import annotations

import hashlib

from archive.records import ArchivedRow
from archive.warc_read import Capture
from outlets.model import Outlet

REDIRECTS = (301, 302, 303, 307, 308)


def gone_reason(capture: Capture, outlet: Outlet) -> str | None:
    """Why the capture shows its article gone (archive/stories.py GONE), or None."""
    revisit = capture.via is not None and capture.via == capture.url
    if revisit and capture.status in (404, 410):
        return f"http_{capture.status}"
    if revisit and capture.status in REDIRECTS:
        return "redirect"
    if capture.status == 200 and outlet.not_found:
        return "soft_404" if outlet.is_not_found(capture.body.decode("utf-8", "replace")) else None
    return None


def gone_row(capture: Capture, outlet: Outlet, reason: str, extractor: str) -> ArchivedRow:
    """The evidence row of a deletion: the page's URL, no title or text, the capture it was seen in.
    Its id is the page's URL and the reason (an article's is its URL, canonical URL and text)."""
    # made of the page's facts only, as an article's id is (never the capture's random record id), so
    # the same deletion gives the same row whichever path archived it (tests/equivalence.py)
    digest = hashlib.sha256(f"{capture.url}\n{capture.url}\ngone:{reason}".encode()).hexdigest()
    return ArchivedRow(
        id=digest[:16],
        url=capture.url,
        canonical_url=capture.url,
        outlet=outlet.id,
        title="",
        author=None,
        published=None,
        date_source=None,
        modified=None,
        language="und",
        text="",
        capture_id=capture.record_id,
        fetched_at=capture.fetched_at,  # type: ignore[arg-type]  # ISO text, typed by the row
        via=capture.via,
        discovered_at=capture.discovered_at,  # type: ignore[arg-type]
        extractor=extractor,
        gone=reason,
    )
