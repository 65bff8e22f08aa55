"""Article extraction: trafilatura for the main text, our furniture filter and metadata around it."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

import trafilatura
from lxml.html import HtmlElement
from trafilatura.settings import Extractor as TrafilaturaOptions

from common.errors import ExtractionError
from extract.decode import decode_html
from extract.furniture import FurnitureFilter
from extract.language import detect_language
from extract.main_text import main_text
from extract.metadata import read_metadata
from extract.models import Article, article_id
from extract.parse import parse_html
from extract.sanitize import article_language, clean_text, safe_url
from extract.timing import NO_CLOCK, StageClock
from outlets.model import CleanupRules, Outlet

# Every complete page ends with </html> or </body> (all 181 benchmark pages do, within their last
# 4 KiB); a page without either near its end was cut off in transfer or on disk.
_DOCUMENT_END = re.compile(r"</(?:html|body)\s*>", re.IGNORECASE)
END_WINDOW = 64 * 1024
_MARKUP = re.compile(r"<[!?/a-zA-Z]")
MARKUP_WINDOW = 4096
MIN_TEXT_CHARS = 200
# trafilatura's main extractor alone (its "fast" mode) is right on most news pages; its comparison
# with readability and jusText costs more than the rest of our pipeline together and is only worth
# it when the main extractor under-delivers. Below this many characters we run the full cascade.
FULL_CASCADE_BELOW = 500
# trafilatura's options for both passes (extract/provenance.py hashes them into each row's `extractor`)
TRAFILATURA_OPTIONS: dict[str, Any] = dict(
    output_format="python", comments=False, tables=True, precision=True, with_metadata=False
)


@dataclass(frozen=True)
class OutletContext:
    """What extraction needs to know about the outlet a page came from."""

    outlet: str = ""
    timezone: str = "UTC"
    language: str | None = None
    rules: CleanupRules = CleanupRules()

    @classmethod
    def for_outlet(cls, outlet: Outlet) -> OutletContext:
        return cls(
            outlet=outlet.id,
            timezone=outlet.timezone,
            language=outlet.language,
            rules=outlet.cleanup,
        )


class ArticleExtractor:
    """Built once per outlet (options and filters compiled once), then called per page."""

    def __init__(self, context: OutletContext | None = None, clock: StageClock = NO_CLOCK):
        self.context = context or OutletContext()
        self.clock = clock  # bench/bench_extraction.py's profile split
        self.furniture = FurnitureFilter(self.context.rules)
        self.fast_options = TrafilaturaOptions(fast=True, **TRAFILATURA_OPTIONS)
        self.full_options = TrafilaturaOptions(fast=False, **TRAFILATURA_OPTIONS)

    def extract(self, body: bytes | str, url: str, content_type: str | None = None) -> Article:
        """One page to one Article, or ExtractionError saying why there is none."""
        clock = self.clock
        clock.start()
        text = body if isinstance(body, str) else decode_html(body, content_type)
        if not _MARKUP.search(text, 0, MARKUP_WINDOW):
            raise ExtractionError(
                "not-html", f"no HTML tag in its first {MARKUP_WINDOW} characters"
            )
        if not _DOCUMENT_END.search(text, max(0, len(text) - END_WINDOW)):
            raise ExtractionError(
                "truncated",
                f"no </body> or </html> in its last {END_WINDOW} characters: the document "
                "was cut off (fetch it again)",
            )
        clock.lap("decode and checks")
        tree = _parse(text)
        clock.lap("parse")
        meta = read_metadata(tree, self.context.timezone, url)
        clock.lap("metadata and dates")
        self.furniture.prune(tree)
        clock.lap("furniture (tree)")
        # the tree is no longer needed: trafilatura's main extractor consumes it, without copies
        main = main_text(tree, self.fast_options)
        clock.lap("trafilatura")
        if main is None:
            # the recovery pass, on a fresh parse: this one keeps a backup copy. bare_extraction
            # answers these errors with no document (the full cascade follows), and so do we
            try:
                main = main_text(self._pruned(text), self.fast_options, recover=True) or ""
            except (TypeError, ValueError):
                main = ""
            clock.lap("trafilatura's recovery")
        if len(main) < FULL_CASCADE_BELOW:
            # trafilatura itself: its main extractor, then its comparison with other extractors
            full = trafilatura.bare_extraction(
                self._pruned(text), url=url, options=self.full_options
            )
            main = _text(full)
            clock.lap("trafilatura itself (full cascade)")
        clean = clean_text(self.furniture.filter_text(main, meta.title, url))
        clock.lap("furniture (text)")
        if len(clean) < MIN_TEXT_CHARS:
            raise ExtractionError(
                "no-article",
                f"only {len(clean)} characters of main text (a section or index page?)",
            )
        language = article_language(detect_language(clean, meta.lang or self.context.language))
        clock.lap("language")
        # every value taken from the page is checked before it becomes a column (extract/sanitize.py)
        canonical = safe_url(url, meta.canonical_url) or url
        article = Article(
            id=article_id(url, canonical, clean),
            url=url,
            canonical_url=canonical,
            outlet=self.context.outlet,
            title=meta.title or "",
            author=meta.author,
            published=meta.published,
            date_source=meta.date_source,
            modified=meta.modified,
            language=language,
            text=clean,
        )
        clock.lap("record")
        return article

    def _pruned(self, text: str) -> HtmlElement:
        """The page parsed again, furniture pruned: for a pass after the main one consumed its tree."""
        tree = _parse(text)
        self.furniture.prune(tree)
        return tree


def _parse(text: str) -> HtmlElement:
    """trafilatura's own parse (comments dropped, repairs applied; extract/parse.py): text after an
    HTML comment inside a paragraph is otherwise lost (React pages put <!-- --> between text runs)."""
    tree = parse_html(text)
    if tree is None:
        raise ExtractionError("unparseable", "lxml could not parse the document as HTML")
    return tree


def _text(document: object) -> str:
    return getattr(document, "text", None) or ""
