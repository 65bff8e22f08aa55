"""Article metadata from the page itself: title, author, dates (with their source), canonical URL."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

from lxml import html as lxml_html

_BYLINE = re.compile(r"^\s*(?:بقلم|كتب|كتبه|إعداد|اعداد|تحرير)\s*[:：]\s*(.+?)\s*$")
_ARTICLE_TYPES = {"NewsArticle", "Article", "ReportageNewsArticle", "BlogPosting", "AnalysisNewsArticle"}


@dataclass(frozen=True)
class PageMetadata:
    title: str | None
    author: str | None
    published: str | None
    date_source: str | None
    modified: str | None
    canonical_url: str | None
    lang: str | None


def _jsonld_articles(tree: lxml_html.HtmlElement) -> list[dict]:
    found: list[dict] = []
    for script in tree.xpath('//script[@type="application/ld+json"]'):
        try:
            data = json.loads(script.text_content())
        except (json.JSONDecodeError, TypeError):
            continue
        stack = data if isinstance(data, list) else [data]
        while stack:
            item = stack.pop()
            if not isinstance(item, dict):
                continue
            stack.extend(item.get("@graph", []) if isinstance(item.get("@graph"), list) else [])
            kind = item.get("@type")
            kinds = set(kind) if isinstance(kind, list) else {kind}
            if kinds & _ARTICLE_TYPES:
                found.append(item)
    return found


def _author_name(value: object) -> str | None:
    if isinstance(value, list):
        names = [n for n in (_author_name(v) for v in value) if n]
        return ", ".join(names) or None
    if isinstance(value, dict):
        value = value.get("name")
    return value.strip() if isinstance(value, str) and value.strip() else None


def normalise_date(value: str | None, timezone: str) -> str | None:
    """ISO 8601 with offset; a date-time without offset is taken in the outlet's time zone."""
    if not value:
        return None
    try:
        parsed = datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
    except ValueError:
        return None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=ZoneInfo(timezone))
    return parsed.isoformat()


def _first(tree: lxml_html.HtmlElement, *xpaths: str) -> str | None:
    for xp in xpaths:
        for value in tree.xpath(xp):
            if isinstance(value, str) and value.strip():
                return value.strip()
    return None


def read_metadata(tree: lxml_html.HtmlElement, timezone: str = "UTC") -> PageMetadata:
    """Metadata the page declares: JSON-LD first, then meta tags, then <time> and bylines."""
    ld = next(iter(_jsonld_articles(tree)), {})
    published, source = None, None
    for candidate, where in (
        (ld.get("datePublished"), "jsonld"),
        (_first(tree, '//meta[@property="article:published_time"]/@content',
                '//meta[@itemprop="datePublished"]/@content'), "meta"),
        (_first(tree, "//time/@datetime"), "time"),
    ):
        if published := normalise_date(candidate if isinstance(candidate, str) else None, timezone):
            source = where
            break
    modified = normalise_date(
        ld.get("dateModified") if isinstance(ld.get("dateModified"), str) else
        _first(tree, '//meta[@property="article:modified_time"]/@content'),
        timezone,
    )
    author = _author_name(ld.get("author")) or _first(tree, '//meta[@name="author"]/@content')
    if not author:
        for text in tree.xpath("//body//text()[string-length(normalize-space()) < 80]"):
            if match := _BYLINE.match(str(text)):
                author = match.group(1)
                break
    title = (ld.get("headline") if isinstance(ld.get("headline"), str) else None) or _first(
        tree, '//meta[@property="og:title"]/@content', "//h1//text()", "//title/text()"
    )
    return PageMetadata(
        title=title.strip() if title else None,
        author=author,
        published=published,
        date_source=source,
        modified=modified,
        canonical_url=_first(tree, '//link[@rel="canonical"]/@href', '//meta[@property="og:url"]/@content'),
        lang=(_first(tree, "/html/@lang") or "").split("-")[0].lower() or None,
    )
