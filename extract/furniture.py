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

from lxml import html as lxml_html

from extract.rules import CleanupRules

# Labels that open a block of furniture (matched after normalisation, trailing colon ignored).
BLOCK_LABELS = (
    "الأكثر قراءة", "الأكثر مشاهدة", "الأكثر تداولا", "المزيد", "اقرأ أيضا", "اقرأ ايضا",
    "مواضيع ذات صلة", "أخبار متعلقة", "أخبار ذات صلة", "مواضيع إضافية", "مقالات ذات صلة",
    "شارك هذا المقال", "شارك", "اعلان", "إعلان", "تابعونا", "حجم الخط", "أقسام", "الوسوم",
    "كلمات مفتاحية", "أهم المواضيع", "أهم التصنيفات", "اشترك في النشرة", "روابط ذات صلة",
)
# Whole lines of extracted text that are furniture.
_LINE_PATTERNS = [
    r"التعليقات\s*\(\s*[\d٠-٩]+\s*\)",
    r"[\d٠-٩,.]+\s*(مشاهدة|مشاهدات|قراءة)",
    r"(مشاهدة|مشاهدات)\s*:?\s*[\d٠-٩,.]+",
    r"حجم الخط\s*:?.*",
    r"شارك هذا المقال.*",
    r"نسخ/لصق رابط.*",
    r"(Copy to clipboard|Copied|Close Button)",
    r"تابعونا.*",
    r"[\d٠-٩]+",
    r"[\d٠-٩]{1,2}:[\d٠-٩]{2}",
    r"https?://\S+",
]
# A label line whose following list lines (links) are furniture too.
_LIST_OPENERS = [r"للمزيد على.*", r"اقرأ (أيضاً|أيضا|ايضا).*", r"(مواضيع|أخبار|مقالات) (ذات صلة|متعلقة|إضافية).*"]
_TASHKEEL = re.compile(r"[\u064B-\u0652\u0640]")
MAX_FURNITURE_WORDS = 14


def normalise_label(text: str) -> str:
    """Casefold-like key for label matching: NFKC, no tashkeel/tatweel, alef forms unified."""
    text = unicodedata.normalize("NFKC", text)
    text = _TASHKEEL.sub("", text)
    text = re.sub("[إأآ]", "ا", text)
    text = re.sub(r"[\s:：*•|»«\"'!.…\-–—💡✨🔥]+", " ", text)
    return text.strip()


_BLOCK_KEYS = frozenset(normalise_label(label) for label in BLOCK_LABELS)


class FurnitureFilter:
    """Built once per outlet's rules; applied to the HTML tree, then to the extracted text."""

    def __init__(self, rules: CleanupRules | None = None):
        rules = rules or CleanupRules()
        self.selectors = rules.prune
        self.block_keys = _BLOCK_KEYS | {normalise_label(x) for x in rules.labels}
        self.line_res = [re.compile(rf"^(?:{p})$") for p in _LINE_PATTERNS]
        self.opener_res = [re.compile(rf"^(?:{p})$") for p in _LIST_OPENERS]

    # -- pass 1: the tree -------------------------------------------------------------------
    def prune(self, tree: lxml_html.HtmlElement) -> None:
        for selector in self.selectors:
            for element in tree.cssselect(selector):
                _drop(element)
        for element in list(tree.iter("h1", "h2", "h3", "h4", "h5", "h6", "span", "strong", "b",
                                      "div", "p", "button", "label")):
            if element.getparent() is None or len(element) > 2:
                continue
            own = normalise_label(element.text_content())
            if own not in self.block_keys:
                continue
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
        if parent is not None and parent.tag not in ("body", "article", "main") \
                and _is_link_list(parent) and parent.getparent() is not None:
            _drop(parent)

    # -- pass 2: the text -------------------------------------------------------------------
    def filter_text(self, text: str, title: str | None = None) -> str:
        kept: list[str] = []
        in_list = False
        title_key = normalise_label(title) if title else None
        for raw in text.split("\n"):
            line = raw.strip()
            if not line:
                continue
            short = len(line.split()) <= MAX_FURNITURE_WORDS
            key = normalise_label(line)
            if in_list and (line.startswith(("-", "•")) or short):
                continue
            in_list = False
            if short and any(r.match(line) for r in self.opener_res):
                in_list = True
                continue
            if short and (key in self.block_keys or any(r.match(line) for r in self.line_res)):
                continue
            if title_key and key == title_key and not kept:
                continue  # the headline repeated at the top of the body
            kept.append(line)
        return "\n".join(kept)


    def furniture_lines(self, text: str) -> list[str]:
        """The lines of an (archived) text that filter_text would remove: the quality check's probe."""
        kept = set(self.filter_text(text).split("\n"))
        return [line.strip() for line in text.split("\n") if line.strip() and line.strip() not in kept]


def _is_link_list(element: lxml_html.HtmlElement) -> bool:
    """True when the element's text is mostly link text (a list of headlines, tags, share buttons)."""
    text = element.text_content().strip()
    if not text:
        return True
    link_text = sum(len(a.text_content().strip()) for a in element.iter("a"))
    return link_text / len(text) > 0.6 or len(text.split()) <= MAX_FURNITURE_WORDS


def _drop(element: lxml_html.HtmlElement) -> None:
    if element.getparent() is not None:
        element.drop_tree()
