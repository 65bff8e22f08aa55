"""Page requisites: what an article page needs to look as its readers saw it, found and budgeted.

Found (no network, no Scrapy): in the page's HTML, `<link rel=stylesheet|icon|preload>`, `<img src
srcset>`, `<source srcset>`, `<script src>`, `<video poster>`, `url(...)` in `<style>` blocks and
`style` attributes, all against the page's `<base href>`; in a fetched stylesheet, `url(...)` (fonts of
`@font-face`, background pictures) and `@import`. Only http(s) URLs, each once, at most MAX_LINKS per
document (a hostile page cannot make a crawl parse or schedule without end). Which hosts may serve them
is the outlet's to say (`Outlet.serves_requisites`: its domains and the CDN hosts it lists).

Budgeted (`Budget`): per page and per crawl, a count of requests and the bytes received. The counts
are checked when a requisite is scheduled; the bytes again when it is about to be downloaded
(`RequisiteBudgetMiddleware`), since responses of requests scheduled together arrive later, and the
bytes still allowed then become its `download_maxsize`: no single response passes them, and the
requests already downloading (at most the per-domain concurrency) are all a budget can be passed by.
A requisite over a budget is not requested and is counted by the budget that stopped it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from html.parser import HTMLParser
from urllib.parse import urljoin

MAX_LINKS = 500  # links taken from one page or one stylesheet
MAX_CSS_CHARS = 2_000_000  # of a stylesheet read for links
MAX_HTML_CHARS = 16 * 1024 * 1024  # of a page read for links (DOWNLOAD_MAXSIZE bounds it anyway)
MIB = 1024 * 1024
PAGE_KEY = (
    "newsarchive_page"  # request meta of a requisite: the article page whose budget it spends
)
_URL = re.compile(r"""url\(\s*(?:"([^"]{1,2083})"|'([^']{1,2083})'|([^)'"\s]{1,2083}))\s*\)""")
_IMPORT = re.compile(r"""@import\s+(?:"([^"]{1,2083})"|'([^']{1,2083})')""")
_COMMENT = re.compile(r"/\*.*?\*/", re.S)
_LINK_RELS = {"stylesheet", "icon", "shortcut", "apple-touch-icon", "preload", "modulepreload"}
_PRELOAD_AS = {"style", "font", "image", "script"}


_REFERRING_TAGS = frozenset(("base", "link", "img", "source", "script", "video", "style"))
_TAG_NAME = re.compile(r"<([a-zA-Z][^\t\n\r\f />\x00]*)")  # html.parser's tagfind_tolerant's name
_STYLE_ATTR = re.compile("style", re.I)


class _Links(HTMLParser):
    """The references of one HTML document, as the tags stream by (Python's tokenizer: linear in the
    document, where lxml's HTML parser takes minutes on one element of 200,000 attributes).

    A start tag that cannot refer to anything (not one of _REFERRING_TAGS, no "style" in it, not an
    element whose content the tokenizer reads as text) is stepped over where the tokenizer finds its
    end, without parsing its attributes: most of a page's tags, and what found no more than it would.
    Nor does it count lines: nothing here reports a position."""

    kept_tags = _REFERRING_TAGS.union(  # and the tokenizer's own text-content elements
        getattr(HTMLParser, "CDATA_CONTENT_ELEMENTS", ()),
        getattr(HTMLParser, "RCDATA_CONTENT_ELEMENTS", ()),
    )

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.base: str | None = None
        self.found: list[str] = []
        self.in_style = False

    def parse_starttag(self, i: int) -> int:
        name = _TAG_NAME.match(self.rawdata, i)
        if name is None or name.group(1).lower() in self.kept_tags:
            return super().parse_starttag(i)
        end = self.check_for_whole_start_tag(i)
        if end < 0 or _STYLE_ATTR.search(self.rawdata, i, end):
            return super().parse_starttag(i)
        self.in_style = False  # as handle_starttag leaves it for any other tag
        return end

    def updatepos(self, i: int, j: int) -> int:
        """The tokenizer's step from i to j, without counting lines and columns (`getpos`, unused)."""
        return j

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        get = dict(attrs[:64]).get  # a tag's first attributes: those a page loads files by
        if tag == "base" and self.base is None and get("href"):
            self.base = (get("href") or "").strip()
        elif tag == "link":
            rels = set((get("rel") or "").lower().split())
            if rels & _LINK_RELS and (
                not rels & {"preload", "modulepreload"}
                or (get("as") or "script").lower() in _PRELOAD_AS
            ):
                self.found.append(get("href") or "")
        elif tag in ("img", "source"):
            self.found.append(get("src") or "")
            self.found += _srcset(get("srcset") or "")
        elif tag == "script":
            self.found.append(get("src") or "")
        elif tag == "video":
            self.found.append(get("poster") or "")
        self.in_style = tag == "style"
        if style := get("style"):
            self.found += css_links(style, "", absolute=False)
        if len(self.found) > 4 * MAX_LINKS:
            raise _Enough

    def handle_endtag(self, tag: str) -> None:
        self.in_style = False

    def handle_data(self, data: str) -> None:
        if self.in_style:
            self.found += css_links(data, "", absolute=False)


class _Enough(Exception):
    pass


def page_links(markup: str | bytes, url: str) -> list[str]:
    """The requisites an HTML page references, absolute, in document order, each once."""
    if isinstance(markup, bytes):
        markup = markup.decode("utf-8", "replace")
    parser = _Links()
    try:
        parser.feed(markup[:MAX_HTML_CHARS])
        parser.close()
    except _Enough:
        pass
    except (AssertionError, ValueError):  # the tokenizer's own complaints: what was read so far
        pass
    base = url
    if parser.base:
        try:
            base = urljoin(url, parser.base)
        except ValueError:
            pass
    return _absolute(parser.found, base)


def css_links(text: str, url: str, *, absolute: bool = True) -> list[str]:
    """The URLs a stylesheet references: `url(...)` (fonts, pictures) and `@import`."""
    text = _COMMENT.sub(" ", text[:MAX_CSS_CHARS])
    found = [next(g for g in m.groups() if g) for m in _IMPORT.finditer(text)]
    found += [next(g for g in m.groups() if g) for m in _URL.finditer(text)]
    return _absolute(found, url) if absolute else found


def _srcset(value: str) -> list[str]:
    """Every candidate of a srcset ("a.png 320w, b.png 640w"): a reader's screen picks one of them."""
    return [part.split()[0] for part in value.split(",") if part.split()]


def _absolute(refs: list[str], base: str) -> list[str]:
    out: dict[str, None] = {}
    for ref in refs:
        ref = ref.strip()
        if not ref or ref.startswith(("data:", "#", "javascript:", "about:", "blob:")):
            continue
        try:
            absolute = urljoin(base, ref).split("#", 1)[0]
        except ValueError:
            continue
        if absolute.lower().startswith(("http://", "https://")):
            out.setdefault(absolute)
        if len(out) >= MAX_LINKS:
            break
    return list(out)


@dataclass
class _Spent:
    requests: int = 0
    bytes: int = 0


@dataclass
class Budget:
    """The requisite budgets of one crawl: count and bytes, per page and per run (0 requests: none)."""

    per_page: int
    page_bytes: int
    per_run: int
    run_bytes: int
    run: _Spent = field(default_factory=_Spent)
    pages: dict[str, _Spent] = field(default_factory=dict)

    @classmethod
    def of(cls, per_page: int, page_mib: float, per_run: int, run_mib: float) -> Budget:
        return cls(per_page, int(page_mib * MIB), per_run, int(run_mib * MIB))

    def refusal(self, page: str) -> str | None:
        """None if one more requisite of `page` may be requested; else the budget that stops it."""
        spent = self.pages.get(page, _Spent())
        if self.run.requests >= self.per_run:
            return "budget_run_count"
        if spent.requests >= self.per_page:
            return "budget_page_count"
        return self.bytes_refusal(page)

    def bytes_refusal(self, page: str) -> str | None:
        """None if `page`'s requisites and the crawl's may still receive bytes; else the budget spent."""
        if self.run.bytes >= self.run_bytes:
            return "budget_run_bytes"
        if self.pages.get(page, _Spent()).bytes >= self.page_bytes:
            return "budget_page_bytes"
        return None

    def requested(self, page: str) -> None:
        self.pages.setdefault(page, _Spent()).requests += 1
        self.run.requests += 1

    def room(self, page: str) -> int:
        """The bytes one more response for `page` may have: what both byte budgets still allow."""
        spent = self.pages.get(page, _Spent())
        return max(1, min(self.page_bytes - spent.bytes, self.run_bytes - self.run.bytes))

    def received(self, page: str, size: int) -> None:
        self.pages.setdefault(page, _Spent()).bytes += size
        self.run.bytes += size
