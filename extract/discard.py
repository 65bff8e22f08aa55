"""trafilatura's OVERALL_DISCARD_XPATH as one walk of the tree in Python.

`prune_unwanted_sections` first selects with two XPath expressions the parts of a page that are
furniture: containers whose id or class names sharing buttons, sidebars, bylines and sixty more
(expression 0), and any element hidden or held for comments (expression 1). libxml2 calls back into
Python's `re` for each element with a class, with a pattern of about eighty alternatives, once per
expression: on the article-extraction benchmark's pages that was about a tenth of our extraction
time. `DISCARD(tree)` walks the elements once and asks `re` once per distinct attribute value (a
page repeats a few dozen class names over hundreds of elements).

The two expressions are not copied here: `DISCARD` is built from trafilatura's own, and only when
each has exactly the shape this walk evaluates (`_SHAPES`, the expression with each regex pattern
taken out) and both select the same elements of a page of each attribute form (`_PROBE`: what the
source does not say, such as the namespace `re:` is bound to); the patterns are trafilatura's. A
trafilatura whose expressions differ gets None, and the caller evaluates its XPath instead. The walk keeps XPath's meaning where it is subtle:
- an absent attribute is the empty string (`contains`, `starts-with`, `re:test` on it);
- `@id|@class` is the first of the two in the element's attribute order (document order), which is
  what both `string()` and lxml's `re:test` take of a node set;
- `re:test(s, p)` is `re.search(p, s)` with re.UNICODE, as lxml's EXSLT implementation does.
tests/extract/test_discard.py compares the selection with trafilatura's XPath on every replica
page, the benchmark's pages and pages built for each attribute form.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from functools import lru_cache
from typing import NamedTuple

from lxml.etree import XPath, XPathError, _Element
from lxml.html import fromstring
from trafilatura import xpaths

# each expression of OVERALL_DISCARD_XPATH with its whitespace collapsed and every regex pattern
# replaced by P: the shape `_Discard` evaluates
_SHAPES = (
    ".//*[self::div or self::item or self::list or self::p or self::section or self::span]"
    "[ @data-lp-replacement-content or contains(translate(@role, 'N', 'n'), 'nav') or "
    "contains(@data-component, 'MostPopularStories') or re:test(@id|@class, P) or "
    "re:test(@id, P) or re:test(@class, P)]",
    ".//*[@class='comments-title' or starts-with(@id|@class, 'reply-') or re:test(@id|@style, P) "
    "or contains(@style, 'display:none') or contains(@style, 'display: none') or "
    "re:test(@id, P) or re:test(@class, P) or @aria-hidden='true']",
)
# re:test's second argument (an XPath 1.0 literal cannot hold its own quote)
_REGEX_ARGUMENT = re.compile(r"(re:test\([^,()]+,\s*)'([^']*)'(\s*\))")
_CONTAINERS = frozenset(("div", "item", "list", "p", "section", "span"))
# the answers kept per pattern: enough distinct values for the benchmark's 181 pages (fewer made
# every pass miss), and only for elements whose id, class and style are short together (a page's
# class names and ids are; a hostile page's long values are searched each time), so what pages
# leave behind stays small: at most 8,192 x 200 characters for each of the six patterns, about
# 10 million characters in all, and usually far less (the values are shared between patterns)
_CACHED_VALUES = 8192
_CACHED_LENGTH = 200


# a string literal of XPath 1.0, or a run of whitespace outside one
_LITERAL_OR_SPACE = re.compile(r"('[^']*'|\"[^\"]*\")|\s+")


def _shape(source: str) -> tuple[str, list[str]]:
    """The expression with its regex patterns taken out, and the patterns in order. Whitespace
    outside string literals is collapsed; inside them it is part of what the walk must test."""
    patterns = [m.group(2) for m in _REGEX_ARGUMENT.finditer(source)]
    shape = _REGEX_ARGUMENT.sub(r"\1P\3", source).strip()
    return _LITERAL_OR_SPACE.sub(lambda m: m.group(1) or " ", shape), patterns


class _Tests(NamedTuple):
    """re:test(value, pattern) for each regex test of the two expressions, in their order."""

    cookie: Callable[[str], bool]  # expression 0: @id|@class
    container_id: Callable[[str], bool]
    container_class: Callable[[str], bool]
    hidden: Callable[[str], bool]  # expression 1: @id|@style
    element_id: Callable[[str], bool]
    element_class: Callable[[str], bool]


def _tests(patterns: list[str], remembered: bool) -> _Tests:
    searches = [re.compile(p, re.UNICODE).search for p in patterns]
    tests = [lambda value, search=search: search(value) is not None for search in searches]
    return _Tests(*(lru_cache(maxsize=_CACHED_VALUES)(t) if remembered else t for t in tests))


def _first(attributes: dict[str, str], items: list[tuple[str, str]], one: str, other: str) -> str:
    """The string of `@one|@other`: the value of whichever of the two comes first on the element."""
    if one in attributes and other in attributes:
        return next(value for name, value in items if name == one or name == other)
    return attributes.get(one) or attributes.get(other) or ""


class _Discard:
    """The two expressions' patterns, compiled once, and the walk that applies them."""

    def __init__(self, patterns: list[str]) -> None:
        self.remembered = _tests(patterns, remembered=True)  # for short values
        self.searched = _tests(patterns, remembered=False)

    def __call__(self, tree: _Element) -> list[_Element]:
        """The elements expression 0 selects under `tree`, in document order, then those that only
        expression 1 selects, in document order: the order in which trafilatura's
        prune_unwanted_nodes meets them."""
        containers: list[_Element] = []
        hidden: list[_Element] = []
        remembered, searched, limit = self.remembered, self.searched, _CACHED_LENGTH
        for elem in tree.iterdescendants():
            items = elem.items()
            if not items:
                continue  # no attribute: no test of either expression holds (checked at import)
            attributes = dict(items)
            ident, klass = attributes.get("id", ""), attributes.get("class", "")
            style = attributes.get("style", "")
            # every value a regex tests is one of these three
            tests = remembered if len(ident) + len(klass) + len(style) <= limit else searched
            first_id_or_class = _first(attributes, items, "id", "class")
            if elem.tag in _CONTAINERS and (
                "data-lp-replacement-content" in attributes
                or "nav" in attributes.get("role", "").replace("N", "n")
                or "MostPopularStories" in attributes.get("data-component", "")
                or tests.cookie(first_id_or_class)
                or tests.container_id(ident)
                or tests.container_class(klass)
            ):
                containers.append(elem)
            elif (
                klass == "comments-title"
                or first_id_or_class.startswith("reply-")
                or tests.hidden(_first(attributes, items, "id", "style"))
                or "display:none" in style
                or "display: none" in style
                or tests.element_id(ident)
                or tests.element_class(klass)
                or attributes.get("aria-hidden") == "true"
            ):
                hidden.append(elem)
        return containers + hidden


def build(expressions: list[XPath]) -> _Discard | None:
    """The walk that selects what `expressions` select, or None when they are not of `_SHAPES`."""
    shapes, patterns = [], []
    for expression in expressions:
        shape, found = _shape(expression.path)
        shapes.append(shape)
        patterns += found
    if tuple(shapes) != _SHAPES:
        return None
    try:
        # the walk skips elements without attributes: it may only if every test is false on them
        if any(re.search(pattern, "", re.UNICODE) for pattern in patterns):
            return None
    except re.error:
        return None  # a pattern Python's re does not take: lxml's re:test would not either
    walk = _Discard(patterns)
    # what the source does not say (the namespace `re:` is bound to, the expression's flags) is
    # checked by selecting from a page of each attribute form with both
    probe = fromstring(_PROBE)
    try:
        selected = list(dict.fromkeys(e for expression in expressions for e in expression(probe)))
    except XPathError:
        return None  # re: bound to another namespace, or regular expressions turned off
    return walk if walk(probe) == selected else None


# each attribute form whose meaning is subtle (see the module's docstring), and an element each
# test selects alone (13 of the 20 are furniture to trafilatura 2.3.1)
_PROBE = (
    "<div>"
    '<div class="x" id="cookie-bar">1</div><div id="cookie-bar" class="x">2</div>'
    '<span class="x" id="reply-3">3</span><span id="reply-3" class="x">4</span>'
    '<em style="color: red" id="hidden-a">5</em><em id="hidden-a" style="x">6</em>'
    '<div class="" id="">7</div><div role="NAVigation">8</div><p data-lp-replacement-content="">9</p>'
    '<div data-component="xMostPopularStoriesy">10</div><em class="comments-title">11</em>'
    '<em class="sidebar">12</em><div class="sidebar">13</div><div id="related-1">14</div>'
    '<td aria-hidden="true">15</td><div style="display:none">16</div><div style="display: none">17</div>'
    '<div id="akismet">18</div><div class="hide-1">19</div><div class="x">20</div>'
    "</div>"
)

# None when trafilatura's expressions are not the ones this walk evaluates
DISCARD = build(xpaths.OVERALL_DISCARD_XPATH)
