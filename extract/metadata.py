"""Article metadata from the page itself: title, author, dates (with their source), canonical URL."""

from __future__ import annotations

import html
import json
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from lxml import etree
from lxml.html import HtmlElement

from extract.dates import date_in_text, date_in_url, normalise_date
from extract.sanitize import MAX_AUTHOR_CHARS, MAX_TITLE_CHARS, clean_line, primary_language

BYLINE_LABELS = ("بقلم", "كتب", "كتبه", "كتبت", "إعداد", "اعداد", "تحرير")
_BYLINE = re.compile(rf"^\s*(?:{'|'.join(BYLINE_LABELS)})\s*[:：]\s*(.*?)\s*$")
# a byline's label and colon anywhere in a text: a text node _BYLINE matches holds one
_BYLINE_LABEL = re.compile(rf"(?:{'|'.join(BYLINE_LABELS)})\s*[:：]")
# text nodes that may hold a byline, chosen by lxml (most text nodes are not bylines): a colon first
# (one search each, where «كتب» is a common word), then a label, then the length
_BYLINE_NODES = etree.XPath(
    "//body//text()[contains(., ':') or contains(., '：')]"
    f"[{' or '.join(f'contains(., {label!r})' for label in BYLINE_LABELS)}]"
    "[string-length(normalize-space()) < 80]"
)
_ARTICLE_TYPES = {
    "NewsArticle",
    "Article",
    "ReportageNewsArticle",
    "BlogPosting",
    "AnalysisNewsArticle",
    "OpinionNewsArticle",
    "LiveBlogPosting",
    "WebPage",
}
# meta elements' attributes naming a publication date, a modification date, an author (values: any of)
_PUBLISHED_ATTRIBUTES: Mapping[str, tuple[str, ...]] = {
    "property": ("article:published_time", "og:published_time"),
    "itemprop": ("datePublished",),
    "name": ("pubdate", "publishdate", "date", "DC.date.issued"),
}
_MODIFIED_ATTRIBUTES: Mapping[str, tuple[str, ...]] = {
    "property": ("article:modified_time", "og:updated_time"),
    "itemprop": ("dateModified",),
    "name": ("lastmod",),
}
_AUTHOR_ATTRIBUTES: Mapping[str, tuple[str, ...]] = {
    "name": ("author",),
    "property": ("article:author",),
}
# the short text next to the headline, where pages print the date: after it first, then just before
# it (story paragraphs are longer, and a date they mention is not the publication date)
_SHORT_TEXT = (
    "[normalize-space()][string-length(normalize-space()) < 100]"
    "[not(ancestor::script or ancestor::style)]"
)
_AFTER_TITLE = etree.XPath(f"following::text(){_SHORT_TEXT}[position() <= 20]")
_BEFORE_TITLE = etree.XPath(f"preceding::text(){_SHORT_TEXT}[position() <= 10]")
_BODY_START = etree.XPath(f"//body//text(){_SHORT_TEXT}[position() <= 40]")
_NORMALIZE_SPACE = etree.XPath("normalize-space(.)")
_TITLE_SEPARATORS = (" | ", " - ", " – ", " — ", " :: ", " « ", " » ")
_LANG = etree.XPath("/html/@lang")


@dataclass
class _Head:
    """The elements metadata is read from, found in one walk of the document in document order: what
    `//script[@type="application/ld+json"]/text()`, `//meta`, `//time`, `(//h1)[1]`, `//title/text()`,
    `//link[@rel="canonical"]` and `//body` select (one XPath search each walked the whole tree)."""

    jsonld: list[str]
    metas: list[dict[str, str]]  # each meta element's attributes that name it, and its content
    times: list[HtmlElement]
    h1: HtmlElement | None
    titles: list[str]
    canonical: list[str]  # link rel=canonical hrefs and og:url contents, in document order
    bodies: list[HtmlElement]

    @classmethod
    def of(cls, tree: HtmlElement) -> _Head:
        head = cls([], [], [], None, [], [], [])
        for element in tree.getroottree().getroot().iter(_HEAD_TAGS):
            tag = element.tag
            if tag == "meta":
                meta = {
                    name: value
                    for name in _META_ATTRIBUTES
                    if (value := element.get(name)) is not None
                }
                head.metas.append(meta)
                if meta.get("property") == "og:url" and "content" in meta:
                    head.canonical.append(meta["content"])
            elif tag == "script":
                if element.get("type") == "application/ld+json":
                    head.jsonld += _text_children(element)
            elif tag == "time":
                head.times.append(element)
            elif tag == "h1":
                if head.h1 is None:
                    head.h1 = element
            elif tag == "title":
                head.titles += _text_children(element)
            elif tag == "link":
                if element.get("rel") == "canonical" and element.get("href") is not None:
                    head.canonical.append(element.get("href"))
            else:
                head.bodies.append(element)
        return head

    def meta_contents(self, attributes: Mapping[str, tuple[str, ...]]) -> list[str]:
        """The content of every meta element with one of these attribute values (attributes among
        _META_ATTRIBUTES: those are the ones kept)."""
        if not attributes.keys() <= set(_META_ATTRIBUTES):
            raise ValueError(
                f"meta elements are read by {_META_ATTRIBUTES}, not {list(attributes)}"
            )
        return [
            meta["content"]
            for meta in self.metas
            if "content" in meta
            and any(meta.get(name) in values for name, values in attributes.items())
        ]

    def time_texts(self) -> list[str]:
        """`//time//text()`: every text node inside a <time> once (a <time> inside another is
        already in its text)."""
        outer = [t for t in self.times if next(t.iterancestors("time"), None) is None]
        return [text for t in outer for text in t.itertext()]


_HEAD_TAGS = ("meta", "script", "time", "h1", "title", "link", "body")
# the attributes a meta element is read by (the keys of the *_ATTRIBUTES maps above), and its value
_META_ATTRIBUTES = ("property", "itemprop", "name", "content")


def _text_children(element: HtmlElement) -> list[str]:
    """`element/text()`: its text and its children's tails, the non-empty ones."""
    return [t for t in (element.text, *(child.tail for child in element)) if t]


@dataclass(frozen=True)
class PageMetadata:
    title: str | None
    author: str | None
    published: str | None
    date_source: str | None  # jsonld, meta, time, text, url
    modified: str | None
    canonical_url: str | None
    lang: str | None


def _jsonld_articles(head: _Head) -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = []
    for text in head.jsonld:
        try:
            data = json.loads(text)
        except (
            ValueError,
            TypeError,
            RecursionError,
        ):  # not JSON, nested too deep, a 5,000-digit number
            continue
        stack = data if isinstance(data, list) else [data]
        while stack:
            item = stack.pop(0)
            if not isinstance(item, dict):
                continue
            stack.extend(item.get("@graph", []) if isinstance(item.get("@graph"), list) else [])
            kind = item.get("@type")
            kinds = {k for k in (kind if isinstance(kind, list) else [kind]) if isinstance(k, str)}
            if kinds & _ARTICLE_TYPES:
                found.append(item)
    # an article type before a generic WebPage
    return sorted(found, key=lambda item: "WebPage" in str(item.get("@type")))


def _author_name(value: object, depth: int = 0) -> str | None:
    if isinstance(value, list):
        if depth > 2:  # a list of authors, perhaps of lists; deeper is not a byline
            return None
        names = [n for n in (_author_name(v, depth + 1) for v in value) if n]
        return ", ".join(dict.fromkeys(names)) or None
    if isinstance(value, dict):
        value = value.get("name")
    value = _string(value)
    return value.strip() if value and value.strip() else None


def _first(values: Sequence[object]) -> str | None:
    for value in values:
        if isinstance(value, str) and value.strip():
            return value.strip()
    return None


def _listed(value: object) -> list[object]:
    return value if isinstance(value, list) else [value]


def _string(value: object) -> str | None:
    """A JSON-LD string value; many CMSes HTML-escape them («&#8220;», «&amp;»), never meant literally."""
    return html.unescape(value) if isinstance(value, str) else None


def _published(
    tree: HtmlElement, head: _Head, ld: dict[str, Any], url: str, timezone: str
) -> tuple[str | None, str | None]:
    """The publication date and where it came from, most explicit source first."""
    if found := normalise_date(_string(ld.get("datePublished")), timezone):
        return found, "jsonld"
    for value in head.meta_contents(_PUBLISHED_ATTRIBUTES):
        if found := normalise_date(value, timezone):
            return found, "meta"
    for value in (t.get("datetime") for t in head.times):
        if value is not None and (found := normalise_date(value, timezone)):
            return found, "time"
    if found := date_in_text(" ".join(head.time_texts()), timezone):
        return found, "time"
    if found := date_in_text(_near_title(tree, head), timezone):
        return found, "text"
    if found := date_in_url(url):
        return found, "url"
    return None, None


def _near_title(tree: HtmlElement, head: _Head) -> str:
    """The visible text around the headline (or the top of the page when there is no <h1>)."""
    if head.h1 is None:
        return " ".join(_BODY_START(tree))
    return " ".join(_AFTER_TITLE(head.h1)) + " \n " + " ".join(reversed(_BEFORE_TITLE(head.h1)))


def _without_site_name(title: str, site_names: list[str | None]) -> str:
    """«الخبر | يورونيوز» → «الخبر»: many pages put the site's name in og:title and <title>."""
    for name in filter(None, (n.strip() if n else None for n in site_names)):
        for sep in _TITLE_SEPARATORS:
            if title.endswith(sep + name) and len(title) > len(sep + name):
                return title[: -len(sep + name)].strip()
            if title.startswith(name + sep) and len(title) > len(name + sep):
                return title[len(name + sep) :].strip()
    return title


def _byline(tree: HtmlElement, head: _Head) -> str | None:
    """«بقلم: name», with the name in the same text or in the element around it («بقلم: <a>name</a>»)."""
    # a text node holding a label puts it in its body's text: most pages have none, and one string
    # search over that text is cheaper than testing every text node
    texts = [body.text_content() for body in head.bodies]
    if not any(label in text for text in texts for label in BYLINE_LABELS):
        return None
    if not any(_BYLINE_LABEL.search(text) for text in texts):
        return None  # a label word, but not as a label (82 of the replica's 360 pages)
    for text in _BYLINE_NODES(tree):
        if not _BYLINE.match(str(text)):
            continue
        holder = text.getparent() if text.is_text else None
        whole = " ".join((holder.text_content() if holder is not None else str(text)).split())
        if (match := _BYLINE.match(whole)) and 0 < len(match.group(1)) < 80:
            return match.group(1)
    return None


def read_metadata(tree: HtmlElement, timezone: str = "UTC", url: str = "") -> PageMetadata:
    """Metadata the page declares: JSON-LD first, then meta tags, then <time>, visible text, URL."""
    head = _Head.of(tree)
    ld = next(iter(_jsonld_articles(head)), {})
    published, source = _published(tree, head, ld, url, timezone)
    modified = normalise_date(_string(ld.get("dateModified")), timezone) or next(
        (
            d
            for d in (normalise_date(v, timezone) for v in head.meta_contents(_MODIFIED_ATTRIBUTES))
            if d
        ),
        None,
    )
    # article:author is often the author's profile URL, not a name
    meta_author = next(
        (
            a
            for a in head.meta_contents(_AUTHOR_ATTRIBUTES)
            if a.strip() and not a.startswith(("http://", "https://"))
        ),
        None,
    )
    author = _author_name(ld.get("author")) or meta_author or _byline(tree, head)
    titles: tuple[Callable[[], list[str]], ...] = (
        lambda: head.meta_contents({"property": ("og:title",)}),
        lambda: [_NORMALIZE_SPACE(head.h1) if head.h1 is not None else ""],
        lambda: head.titles,
    )
    title = _string(ld.get("headline")) or next(
        filter(None, (_first(_listed(values())) for values in titles)), None
    )
    if title:
        publisher = ld.get("publisher")
        title = _without_site_name(
            " ".join(title.split()),
            [
                _first(head.meta_contents({"property": ("og:site_name",)})),
                _string(publisher.get("name")) if isinstance(publisher, dict) else None,
            ],
        )
    return PageMetadata(
        title=clean_line(title, MAX_TITLE_CHARS),
        author=clean_line(author, MAX_AUTHOR_CHARS),
        published=published,
        date_source=source,
        modified=modified,
        # resolved and checked by the caller (extract.sanitize.safe_url)
        canonical_url=_first(head.canonical),
        # a page's lang is a prior only when it is a well-formed BCP 47 tag; its primary subtag, so
        # «ar-EG» and «ar» pages get the same language as langdetect's answers («ar»)
        lang=primary_language(_first(_LANG(tree))),
    )
