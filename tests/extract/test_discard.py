"""extract/discard.py selects what trafilatura's OVERALL_DISCARD_XPATH selects, in the same order, on
every replica page, on each attribute form its XPath treats in its own way, and on generated
elements; for expressions of any other shape it gives way to the XPath."""

import random

import pytest
from lxml.etree import ProcessingInstruction, XPath
from lxml.html import fromstring
from trafilatura import xpaths
from trafilatura.htmlprocessing import convert_tags, prune_unwanted_nodes
from trafilatura.settings import Extractor
from trafilatura.utils import load_html

from extract.discard import DISCARD, build
from extract.engine import TRAFILATURA_OPTIONS
from extract.main_text import RAW_TREE_PRUNE, REMOVE_COMMENTS_AND_LISTS, _tree_cleaning
from replica.server import Replica

OPTIONS = Extractor(fast=True, **TRAFILATURA_OPTIONS)
REGEXP = {"re": xpaths.REGEXP_NS}


def _trafilaturas(tree):
    return list(dict.fromkeys(e for x in xpaths.OVERALL_DISCARD_XPATH for e in x(tree)))


def _ours(tree):
    assert DISCARD is not None  # this trafilatura's expressions are the ones the walk evaluates
    return DISCARD(tree)  # as it comes: each element once


def _as_main_text_sees_it(html: str):
    """The tree prune_unwanted_sections meets: pruned, cleaned and with trafilatura's tags."""
    tree = load_html(html)
    tree = prune_unwanted_nodes(tree, RAW_TREE_PRUNE)
    tree = prune_unwanted_nodes(tree, REMOVE_COMMENTS_AND_LISTS)
    return convert_tags(_tree_cleaning(tree, OPTIONS), OPTIONS, None)


def _replica_pages():
    for site in Replica(per_outlet=6).sites.values():
        for article in site.articles:
            yield pytest.param(site.article_html(article), id=f"{site.outlet}-{article.index}")


@pytest.mark.parametrize("html", list(_replica_pages()))
def test_every_replica_page_and_each_of_its_parts(html):
    tree = _as_main_text_sees_it(html)
    parts = [tree, *tree.iter("div", "section", "main", "article")]
    for part in parts:  # _extract hands prune_unwanted_sections a part of the page
        assert _ours(part) == _trafilaturas(part)


def test_the_replica_pages_hold_what_the_expressions_select():
    pages = [_as_main_text_sees_it(p.values[0]) for p in _replica_pages()]
    selecting = [tree for tree in pages if _trafilaturas(tree)]
    assert len(selecting) >= len(pages) * 2 // 3, (len(selecting), len(pages))  # 42 of 54 today


# each form of an attribute the XPath treats in its own way: absent or empty, the first of
# @id|@class (and @id|@style) in the element's attribute order, a translated role, an exact class,
# the containers' tag test, nesting, comments and processing instructions
FORMS = (
    '<div class="x" id="cookie-bar">class first: @id|@class is "x"</div>'
    '<div id="cookie-bar" class="x">id first: "cookie-bar"</div>'
    '<span class="x" id="reply-3">class first</span><span id="reply-3" class="x">id first</span>'
    '<em style="color: red" id="hidden-a">style first</em><em id="hidden-a" style="x">id first</em>'
    '<em style="hidden">style only</em><em id="" style="hidden">an empty id comes first</em>'
    '<div class="" id="">empty</div><div id="">empty id</div><div class="">empty class</div>'
    '<div role="NAVigation">translated role</div><div role="NAV">only N is translated</div>'
    '<p data-lp-replacement-content="">present, empty</p>'
    '<div data-component="xMostPopularStoriesy">component</div>'
    '<em class="comments-title">exact</em><em class="comments-title2">the regex</em>'
    '<em class="sidebar">not a container: only expression 1 applies</em>'
    '<section class="share-buttons"><div class="sidebar"><p class="hide-x">nested</p></div></section>'
    '<td aria-hidden="true">t</td><td aria-hidden="TRUE">case</td>'
    '<div style="display:none">a</div><div style="display: none">b</div>'
    '<div style="display:  none">two spaces</div>'
    '<div class="menu">menu</div><div class="Menu">case</div><div class="x ad y">ad</div>'
    '<div class="x-ad-y">ad</div><div class="ad-x">ad</div><div class="bad-x">bad-</div>'
    '<div id="ad-x">id ad</div><div id="x-ad">id ad, not at the start</div>'
    "<!-- a comment --><?pi x?><div class='widget'>w</div>"
)


def test_each_attribute_form():
    tree = fromstring(f"<div>{FORMS}</div>")
    # libxml2's HTML parser makes `<?pi?>` a comment: a processing instruction, made through the
    # API, whose pseudo-attributes a walk reading `.attrib` would take for attributes
    tree.append(ProcessingInstruction("x", 'class="comments-title" id="sidebar"'))
    assert len(_trafilaturas(tree)) == 20
    assert _ours(tree) == _trafilaturas(tree)
    for part in tree.iter("*"):  # elements only
        assert _ours(part) == _trafilaturas(part)


NAMES = ["id", "class", "style", "role", "aria-hidden", "data-component", "title"]
VALUES = [
    "", "cookie", "reply-1", "hidden", "display:none", "display: none", "true", "nav", "Nav",
    "NAV", "sidebar", "x", "comments-title", "message", "akismet", " hidden", "hide-1", "ad-1",
    "menu", "MostPopularStories", "widget", "share-", "bar", "reader-comments", "x y",
]  # fmt: skip
TAGS = ["div", "p", "span", "section", "list", "item", "em", "td", "head"]


def test_generated_elements():
    """Random attribute sets, in random orders, on random tags and nestings."""
    rng = random.Random(31)
    for _ in range(40):
        html = []
        for _ in range(60):
            names = rng.sample(NAMES, rng.randint(0, 4))
            attrs = " ".join(f'{n}="{"".join(rng.sample(VALUES, 2))}"' for n in names)
            tag = rng.choice(TAGS)
            html.append(f"<{tag} {attrs}>t" + ("" if rng.random() < 0.5 else f"</{tag}>"))
        tree = fromstring("<div>" + "".join(html) + "</div>")
        assert _ours(tree) == _trafilaturas(tree)


def test_the_order_is_trafilaturas():
    """Expression 0's matches in document order, then those only expression 1 selects: an element
    both select keeps its first place."""
    tree = fromstring(
        '<div><em class="hide-1">1</em><div class="sidebar">2</div><div class="sidebar hide-x">3</div></div>'
    )
    assert [e.text for e in DISCARD(tree)] == ["2", "3", "1"]  # type: ignore[misc]
    assert [e.text for e in _trafilaturas(tree)] == ["2", "3", "1"]


def test_other_expressions_are_left_to_the_xpath():
    first, second = xpaths.OVERALL_DISCARD_XPATH
    assert build([first, second]) is not None
    assert build([second, first]) is None
    changed = XPath(first.path.replace("'nav'", "'navi'"), namespaces=REGEXP)
    assert build([changed, second]) is None
    # a pattern that matches the empty string would select elements without the attribute
    emptying = XPath(first.path.replace("'cookie'", "'cookie|'"), namespaces=REGEXP)
    assert build([emptying, second]) is None
    # a literal's spaces are what the walk tests: changed, the shape differs
    spaced = XPath(second.path.replace("'display: none'", "'display:\n  none'"), namespaces=REGEXP)
    assert build([first, spaced]) is None
    # what the source does not say: where re: points, whether regular expressions are on
    elsewhere = XPath(first.path, namespaces={"re": "urn:elsewhere"})
    assert build([elsewhere, second]) is None
    assert build([XPath(first.path, namespaces=REGEXP, regexp=False), second]) is None
    # a pattern Python's re does not take
    broken = XPath(first.path.replace("'cookie'", "'cookie('"), namespaces=REGEXP)
    assert build([broken, second]) is None
    # another pattern in the same place is evaluated as it says
    other = XPath(first.path.replace("'cookie'", "'gdpr'"), namespaces=REGEXP)
    walk = build([other, second])
    assert walk is not None
    tree = fromstring('<div><div id="gdpr-1">g</div><div id="cookie-1">c</div></div>')
    assert [e.text for e in walk(tree)] == ["g"]


def test_long_values_are_answered_and_not_kept():
    """A hostile page's long class, id or style values are searched each time, never remembered:
    what one page leaves behind in the walk stays small. Short ones are remembered."""
    assert DISCARD is not None

    def kept():
        return [test.cache_info().currsize for test in DISCARD.remembered]  # type: ignore[union-attr]

    before = kept()
    long_class = "x" * 300 + " sidebar " + "-".join(str(i) for i in range(100))
    long_style = "color: red; " * 40 + "display:none"
    tree = fromstring(
        f'<div><div class="{long_class}">1</div><em id="a-{long_class}" style="{long_style}">2</em>'
        f'<div class="{long_class[:-1]}">3</div></div>'
    )
    assert [e.text for e in DISCARD(tree)] == ["1", "3", "2"]
    assert [e.text for e in _trafilaturas(tree)] == ["1", "3", "2"]
    assert kept() == before
    short = fromstring('<div><div class="never-seen-before-31">4</div></div>')
    assert DISCARD(short) == _trafilaturas(short) == []
    assert kept()[2] == before[2] + 1  # the container class test remembered the short value


def test_without_the_walk_the_expressions_select():
    """main_text's path for a trafilatura whose expressions the walk does not evaluate."""
    from extract.main_text import _overall_discard

    tree = fromstring(f"<div>{FORMS}</div>")
    assert _overall_discard(tree, None) == _trafilaturas(tree) == _overall_discard(tree)
