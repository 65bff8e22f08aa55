"""Article extraction: trafilatura for the main text, our furniture filter and metadata around it."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from urllib.parse import urljoin

import trafilatura
from lxml import etree
from lxml import html as lxml_html
from trafilatura.settings import Extractor as TrafilaturaOptions

from extract.decode import decode_html
from extract.furniture import FurnitureFilter
from extract.language import detect_language
from extract.metadata import read_metadata
from extract.models import Article, ExtractionError, article_id
from extract.rules import CleanupRules

logger = logging.getLogger(__name__)
MIN_TEXT_CHARS = 200


@dataclass(frozen=True)
class OutletContext:
    """What extraction needs to know about the outlet a page came from."""

    outlet: str = ""
    timezone: str = "UTC"
    language: str | None = None
    rules: CleanupRules = CleanupRules()


class ArticleExtractor:
    """Built once per outlet (options and filters compiled once), then called per page."""

    def __init__(self, context: OutletContext | None = None):
        self.context = context or OutletContext()
        self.furniture = FurnitureFilter(self.context.rules)
        self.options = TrafilaturaOptions(
            output_format="python", comments=False, tables=True, precision=True, with_metadata=False
        )

    def extract(self, body: bytes | str, url: str, content_type: str | None = None) -> Article:
        """One page to one Article, or ExtractionError saying why there is none."""
        text = body if isinstance(body, str) else decode_html(body, content_type)
        if "<" not in text[:2048]:
            raise ExtractionError("not-html", "the document has no markup")
        try:
            tree = lxml_html.document_fromstring(text)
        except (etree.ParserError, ValueError) as exc:
            raise ExtractionError("unparseable", str(exc)) from None
        meta = read_metadata(tree, self.context.timezone)
        self.furniture.prune(tree)
        extracted = trafilatura.bare_extraction(tree, url=url, options=self.options)
        raw_text = getattr(extracted, "text", None) or ""
        clean = self.furniture.filter_text(raw_text, meta.title)
        if len(clean) < MIN_TEXT_CHARS:
            raise ExtractionError(
                "no-article", f"only {len(clean)} characters of main text (a section or index page?)"
            )
        canonical = urljoin(url, meta.canonical_url) if meta.canonical_url else url
        return Article(
            id=article_id(url, canonical, clean),
            url=url,
            canonical_url=canonical,
            outlet=self.context.outlet,
            title=meta.title or getattr(extracted, "title", None) or "",
            author=meta.author or getattr(extracted, "author", None),
            published=meta.published,
            date_source=meta.date_source,
            modified=meta.modified,
            language=detect_language(clean, meta.lang or self.context.language),
            text=clean,
        )
