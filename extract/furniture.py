"""Arabic page furniture: what news pages put around the story, recognised by its words.

Two passes, neither relying on the site's class names:
1. on the HTML tree, a block whose heading or label is furniture («الأكثر قراءة», «أخبار متعلقة» ...)
   is removed with the link list it opens, plus the outlet's own CSS selectors from the registry;
2. on the extracted text, lines that are furniture labels, counters or widgets are dropped, with the
   list of links that follows a «للمزيد» / «اقرأ أيضاً» label.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache
from urllib.parse import urlsplit

from lxml import html as lxml_html
from lxml.cssselect import CSSSelector
from lxml.etree import XPath

from extract.arabic import FOLD
from extract.dates import is_date_line
from outlets.model import CleanupRules

# Labels that open a block of furniture (matched after normalisation, trailing colon ignored).
BLOCK_LABELS = (
    "الأكثر قراءة",
    "الأكثر مشاهدة",
    "الأكثر تداولا",
    "المزيد",
    "اقرأ أيضا",
    "اقرأ ايضا",
    "مواضيع ذات صلة",
    "أخبار متعلقة",
    "أخبار ذات صلة",
    "مواضيع إضافية",
    "مقالات ذات صلة",
    "شارك هذا المقال",
    "شارك",
    "اعلان",
    "إعلان",
    "تابعونا",
    "حجم الخط",
    "أقسام",
    "الوسوم",
    "كلمات مفتاحية",
    "أهم المواضيع",
    "أهم التصنيفات",
    "اشترك في النشرة",
    "روابط ذات صلة",
)
# Whole lines of extracted text that are furniture.
_LINE_PATTERNS = [
    r"التعليقات\s*\(\s*\d+\s*\)",  # \d is Unicode: Arabic-Indic digits too
    r"[\d,.]+\s*(مشاهدة|مشاهدات|قراءة)",
    r"(مشاهدة|مشاهدات)\s*:?\s*[\d,.]+",
    r"حجم الخط\s*:?.*",
    r"شارك هذا المقال.*",
    r"نسخ/لصق رابط.*",
    r"(Copy to clipboard|Copied|Close Button)",
    r"تابعونا.*",
    r"\d+",
    r"\d{1,2}:\d{2}",
]
# A bare link to the page's own site (its short link, «http://anapress.net/a/...»). Links to other
# sites are content (sources, shop links) and stay.
_OWN_LINK = r"https?://(?:www\.)?{host}(?:[/?#]\S*)?"
# A label line whose following list lines (links) are furniture too.
_LIST_OPENERS = [
    r"للمزيد على.*",
    r"اقرأ (أيضاً|أيضا|ايضا).*",
    r"(مواضيع|أخبار|مقالات) (ذات صلة|متعلقة|إضافية).*",
]
MAX_FURNITURE_WORDS = 14
# One translation table (C speed; this runs on every short element of every page): tashkeel and
# tatweel removed, hamza/madda alef forms to bare alef, separators and decoration to spaces.
_LABEL_TABLE = str.maketrans({**FOLD, **{c: " " for c in ":：*•|»«\"'!.…-–—💡✨🔥"}})


def normalise_label(text: str) -> str:
    """Casefold-like key for label matching: NFKC, no tashkeel/tatweel, alef forms unified."""
    if not unicodedata.is_normalized("NFKC", text):
        text = unicodedata.normalize("NFKC", text)
    return " ".join(text.translate(_LABEL_TABLE).split())


_cached_label = lru_cache(maxsize=1 << 14)(normalise_label)
CACHED_CHARS = 400  # at most 16,384 × 400 characters kept


def _label_key(text: str) -> str:
    """normalise_label, remembered for short texts: a site's labels, menus and widgets recur on
    every page (str.translate with a table looks up every character of Arabic text)."""
    return _cached_label(text) if len(text) <= CACHED_CHARS else normalise_label(text)


_BLOCK_KEYS = frozenset(normalise_label(label) for label in BLOCK_LABELS)
_LABEL_TAGS = (
    "h1",
    "h2",
    "h3",
    "h4",
    "h5",
    "h6",
    "span",
    "strong",
    "b",
    "div",
    "p",
    "button",
    "label",
)


def _short_text(element: lxml_html.HtmlElement, limit: int) -> str | None:
    """The element's text if it has at most `limit` characters, else None, without building the
    text of a large container (most elements on a page are not labels)."""
    if len(element) == 0:  # a leaf's text is its own (half the candidates; no iterator needed)
        text = element.text or ""
        return text if len(text) <= limit else None
    parts, size = [], 0
    for piece in element.itertext():
        size += len(piece)
        if size > limit:
            return None
        parts.append(piece)
    return "".join(parts)


# A CSS selector libxml2 can test in the same walk as others: one `descendant-or-self::*[P]` step
# (cssselect's form for a class, id or attribute selector) whose predicate reads only the element's
# own attributes. A predicate that looks at children or siblings (`:empty`, `:first-child`) may answer
# differently once an earlier selector's elements are gone, so such a selector keeps its own walk.
_ONE_STEP = "descendant-or-self::*["
_OWN_ATTRIBUTES_ONLY = re.compile(
    # string literals, attributes, operators, and functions given arguments: normalize-space() and
    # string-length() without one read the element's text, a bare word is a child element, a
    # number alone a position; none of those is accepted
    r"""(?:'[^']*'|"[^"]*"|@[\w-]+|[\s(),=!]|\b(?:and|or)\b"""
    r"|\b(?:not|contains|concat|starts-with|substring)\s*\("
    r"|\b(?:normalize-space|string-length)\s*\((?=\s*@))*"
)


def _own_attributes_predicate(selector: CSSSelector) -> str | None:
    """P when the selector's XPath is `descendant-or-self::*[P]` with P reading only the element's own
    attributes, else None."""
    path: str = selector.path
    if not (path.startswith(_ONE_STEP) and path.endswith("]")):
        return None
    predicate = path[len(_ONE_STEP) : -1]
    # the brackets and quotes of P are its own: no «][» closing the step before the end
    return predicate if _OWN_ATTRIBUTES_ONLY.fullmatch(predicate) else None


def _fewer_walks(selectors: list[CSSSelector]) -> list[XPath]:
    """The selectors as XPaths that remove the same elements: each run of consecutive selectors that
    test only the element's own attributes joined into one (a walk of the page each costs more than
    the tests). A joined run selects the union of its selectors' elements, whatever the others
    removed before (only elements in removed subtrees differ, and removing those again changes
    nothing), and removing them in one order or another leaves the same tree; a selector that looks
    around the element keeps its place, so it sees the page as every selector before it left it."""
    walks: list[XPath] = []
    run: list[str] = []

    def close_run() -> None:
        if run:
            walks.append(XPath(_ONE_STEP + " or ".join(f"({p})" for p in run) + "]"))
            run.clear()

    for selector in selectors:
        predicate = _own_attributes_predicate(selector)
        if predicate is None:
            close_run()
            walks.append(selector)
        else:
            run.append(predicate)
    close_run()
    return walks


class FurnitureFilter:
    """Built once per outlet's rules; applied to the HTML tree, then to the extracted text."""

    def __init__(self, rules: CleanupRules | None = None):
        rules = rules or CleanupRules()
        self.selectors = _fewer_walks([CSSSelector(css, translator="html") for css in rules.prune])
        self.block_keys = _BLOCK_KEYS | {normalise_label(x) for x in rules.labels}
        # A label's raw text may carry tashkeel, punctuation and layout whitespace that normalising
        # removes: four times the longest label plus a margin covers them.
        self.label_limit = 4 * max(len(k) for k in self.block_keys) + 40
        self.line_res = [re.compile(rf"^(?:{p})$") for p in _LINE_PATTERNS]
        self.opener_res = [re.compile(rf"^(?:{p})$") for p in _LIST_OPENERS]

    # -- pass 1: the tree -------------------------------------------------------------------
    def prune(self, tree: lxml_html.HtmlElement) -> None:
        for selector in self.selectors:
            for element in selector(tree):
                _drop(element)
        limit, keys = self.label_limit, self.block_keys
        # a candidate's text is read first (no earlier drop changes it: a drop changes the elements
        # before the candidate in document order, or detaches it whole), the parent looked up only
        # for the few texts short enough to be a label
        for element in [e for e in tree.iter(_LABEL_TAGS) if len(e) <= 2]:
            # a leaf's text is its own (half the candidates)
            text = (element.text or "") if len(element) == 0 else _short_text(element, limit)
            if text is None or len(text) > limit:
                continue
            if _label_key(text) in keys and element.getparent() is not None:
                self._drop_block(element)

    def _drop_block(self, label: lxml_html.HtmlElement) -> None:
        """Drop the label, the lists it opens and a container holding nothing else."""
        parent = label.getparent()
        for sibling in list(label.itersiblings()):
            if sibling.tag in ("ul", "ol") or (sibling.tag == "div" and _is_link_list(sibling)):
                _drop(sibling)
            else:
                break
        _drop(label)
        if (
            parent is not None
            and parent.tag not in ("body", "article", "main")
            and _is_link_list(parent)
            and parent.getparent() is not None
        ):
            _drop(parent)

    # -- pass 2: the text -------------------------------------------------------------------
    def filter_text(self, text: str, title: str | None = None, url: str | None = None) -> str:
        kept: list[str] = []
        line_res = self.line_res + _own_link(url)
        in_list = False
        title_key = normalise_label(title) if title else None
        for raw in text.split("\n"):
            line = raw.strip()
            if not line:
                continue
            short = _at_most_words(line, MAX_FURNITURE_WORDS)
            if in_list and (line.startswith(("-", "•")) or short):
                continue
            in_list = False
            if short and any(r.match(line) for r in self.opener_res):
                in_list = True
                continue
            # a line's key is needed only to compare it with a label or the title
            key = _label_key(line) if short or (title_key and not kept) else None
            if short and (
                key in self.block_keys or any(r.match(line) for r in line_res) or is_date_line(line)
            ):
                continue
            if title_key and key == title_key and not kept:
                continue  # the headline repeated at the top of the body
            kept.append(line)
        return "\n".join(kept)

    def furniture_lines(self, text: str, url: str | None = None) -> list[str]:
        """The lines of an (archived) text that filter_text would remove: the quality check's probe."""
        kept = set(self.filter_text(text, url=url).split("\n"))
        return [
            line.strip() for line in text.split("\n") if line.strip() and line.strip() not in kept
        ]


def _at_most_words(text: str, words: int) -> bool:
    """len(text.split()) <= words, without splitting the rest of a long paragraph."""
    return len(text.split(maxsplit=words)) <= words


def _own_link(url: str | None) -> list[re.Pattern[str]]:
    host = (urlsplit(url).hostname or "").removeprefix("www.") if url else ""
    return [_own_link_pattern(host)] if host else []


@lru_cache(maxsize=1024)
def _own_link_pattern(host: str) -> re.Pattern[str]:
    """A bare link to `host` (an outlet's pages share a few hosts: built once per host)."""
    return re.compile(_OWN_LINK.format(host=re.escape(host)) + "$", re.IGNORECASE)


def _is_link_list(element: lxml_html.HtmlElement) -> bool:
    """True when the element's text is mostly link text (a list of headlines, tags, share buttons)."""
    text = element.text_content().strip()
    if not text:
        return True
    link_text = sum(len(a.text_content().strip()) for a in element.iter("a"))
    return link_text / len(text) > 0.6 or _at_most_words(text, MAX_FURNITURE_WORDS)


def _drop(element: lxml_html.HtmlElement) -> None:
    if element.getparent() is not None:
        element.drop_tree()
