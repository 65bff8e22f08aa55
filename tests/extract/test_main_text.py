"""extract/main_text.py is a speed-up only: trafilatura's own text, on every replica page and on pages
built to take each branch; its rewritten XPath expressions select what trafilatura's select."""

import re
from copy import deepcopy

import pytest
import trafilatura
from lxml.etree import XPath, tostring
from trafilatura import xpaths
from trafilatura.htmlprocessing import (
    MANUALLY_CLEANED,
    convert_tags,
    delete_by_link_density,
    prune_unwanted_nodes,
    tree_cleaning,
)
from trafilatura.main_extractor import prune_unwanted_sections
from trafilatura.settings import TAG_CATALOG, Extractor
from trafilatura.utils import load_html

from extract.engine import TRAFILATURA_OPTIONS, ArticleExtractor, OutletContext
from extract.main_text import (
    _faster,
    _first_only,
    _needed_strings,
    _overall_discard,
    _paragraph_chars,
    _prune_guarded,
    _prune_sections,
    _tree_cleaning,
    main_text,
)
from outlets.registry import load_registry
from replica.server import Replica

OPTIONS = Extractor(fast=True, **TRAFILATURA_OPTIONS)
STORY = " ".join(
    f"الفقرة رقم {i} من الخبر تروي ما جرى في المدينة يوم الجمعة بحسب شهود عيان." for i in range(12)
)
COMMENTS = (
    '<div id="comments"><p>تعليق القارئ الأول على الخبر المنشور اليوم وهو طويل بعض الشيء.</p></div>'
    '<ul class="comment-list"><li>تعليق آخر</li></ul>'
    # a <dl> becomes a list only when trafilatura converts tags: its later comment prune, which
    # a forum thread skips, is what removes it
    '<dl class="comment-thread"><dt>قارئ</dt><dd>تعليق القارئ الثاني على الخبر، وهو طويل أيضا.</dd></dl>'
)
# one page per branch: a plain article, a forum thread (comment containers kept), attribute forms
# the rewritten regex tests must treat as trafilatura does (absent, empty, the first of id|class),
# link-heavy blocks and tables, a trailing heading, a duplicated paragraph, and too little text
BUILT = {
    "article": f"<html><body><article><h1>عنوان</h1><p>{STORY}</p>{COMMENTS}</article></body></html>",
    "forum": (
        '<html><head><script type="application/ld+json">{"@type": "DiscussionForumPosting"}'
        f"</script></head><body><main><p>{STORY}</p>{COMMENTS}</main></body></html>"
    ),
    "attributes": (
        '<html><body><div class="" id=""><p class="hidden">مخفي</p>'
        '<div id="sidebar" class="content">جانبي</div><div class="x" id="share-1">مشاركة</div>'
        '<span style="display:none">لا</span><div style="hidden-x">ب</div>'
        f'<div class="post-content"><p>{STORY}</p><p aria-hidden="true">مخفي</p></div>'
        '<section class="bottom link"><a href="/a">رابط</a></section>'
        '<div class="Comments">تعليقات</div><div role="Navigation">تنقل</div></div></body></html>'
    ),
    "links and tables": (
        f'<html><body><div class="entry-content"><p>{STORY}</p>'
        + "".join(f'<div><a href="/{i}">رابط رقم {i}</a></div>' for i in range(8))
        + '<table><tr><td><a href="/t">جدول روابط</a></td></tr></table>'
        + f"<table><tr><td>{STORY[:300]}</td></tr></table><p>{STORY[:400]}</p>"
        + f"<p>{STORY[:400]}</p><h2>عنوان في النهاية</h2></div></body></html>"
    ),
    "too little": "<html><body><article><p>نص قصير جدا.</p></article></body></html>",
    "no paragraphs": f"<html><body><div class='entry'><div>{STORY}</div></div></body></html>",
}


def _replica_pages():
    registry = load_registry()
    for site in Replica(per_outlet=6).sites.values():
        extractor = ArticleExtractor(OutletContext.for_outlet(registry.get(site.outlet)))
        for article in site.articles:
            yield pytest.param(
                site.article_html(article), extractor, id=f"{site.outlet}-{article.index}"
            )


def _same_as_trafilatura(html: str, extractor: ArticleExtractor | None = None) -> str | None:
    """main_text's answer, checked against bare_extraction's text; with the recovery pass asked for,
    it is bare_extraction's text whether or not the pass runs."""
    tree = load_html(html)
    if extractor is not None:
        extractor.furniture.prune(tree)
    theirs = getattr(trafilatura.bare_extraction(deepcopy(tree), options=OPTIONS), "text", None)
    assert main_text(deepcopy(tree), OPTIONS, recover=True) == (theirs or "")
    ours = main_text(tree, OPTIONS)
    if ours is not None:  # None: trafilatura's recovery pass would run, the caller asks for it
        assert ours == (theirs or "")
    return ours


# pages whose main pass finds too little, so that trafilatura's recovery pass runs: wild paragraphs
# outside the article frame, a teaser block (kept by the recovery, pruned by the main pass), text
# only in a table cell, a code block beside a short paragraph
RECOVERED = {
    "wild paragraphs": (
        f"<html><body><article><h2>عنوان</h2><p>سطر.</p></article><section><p>{STORY}</p></section>"
        "</body></html>"
    ),
    "teaser": f"<html><body><div class='teaser'><p>{STORY}</p></div></body></html>",
    "table cell": f"<html><body><table><tr><td><p>{STORY}</p></td></tr></table></body></html>",
    "code": f"<html><body><pre>{STORY}</pre><p>قصير</p></body></html>",
}


@pytest.mark.parametrize("name", sorted(RECOVERED))
def test_the_recovery_pass_gives_trafilaturas_text(name):
    assert _same_as_trafilatura(RECOVERED[name]) is None  # the main pass alone finds too little
    recovered = main_text(load_html(RECOVERED[name]), OPTIONS, recover=True)
    assert recovered and STORY[:40] in recovered


@pytest.mark.parametrize("html, extractor", list(_replica_pages()))
def test_trafilaturas_text_on_every_replica_page(html, extractor):
    assert _same_as_trafilatura(html, extractor)


@pytest.mark.parametrize("name", sorted(BUILT))
def test_trafilaturas_text_on_each_branch(name):
    ours = _same_as_trafilatura(BUILT[name])
    assert (ours is None) == (name == "too little")
    if name == "forum":
        assert "تعليق القارئ الثاني" in ours  # a thread's comments are its content
    if name == "article":
        assert "تعليق القارئ" not in ours


def test_rewritten_expressions_select_what_trafilaturas_select():
    pages = [load_html(html) for html in BUILT.values()]
    pages += [load_html(p.values[0]) for p in list(_replica_pages())[::7]]
    names = [n for n in dir(xpaths) if isinstance(getattr(xpaths, n), list)]
    checked = 0
    for name in names:
        for expression in getattr(xpaths, name):
            if not isinstance(expression, XPath):
                continue
            faster = _faster(expression)
            for tree in pages:
                assert faster(tree) == expression(tree), (name, expression.path)
                checked += 1
    assert checked > 500


def test_the_first_node_is_the_first_trafilatura_selects():
    """_extract takes only the first node of each BODY_XPATH expression: the rewritten ones give it."""
    pages = [load_html(html) for html in BUILT.values()]
    pages += [load_html(p.values[0]) for p in list(_replica_pages())[::3]]
    pages.append(
        load_html(
            "<html><body><div><div class='post'>أ</div><div class='post'>ب</div></div></body></html>"
        )
    )
    rewritten = 0
    for expression in xpaths.BODY_XPATH:
        first = _first_only(expression)
        rewritten += first.path != _faster(expression).path
        for tree in pages:
            for element in [tree, *tree.iter("div", "article")]:
                assert first(element)[:1] == expression(element)[:1], expression.path
    assert rewritten >= 3


@pytest.mark.parametrize(
    "pattern, needed",
    [
        ("^(?:[Cc]omment(?!ary)|comol)", {"omment", "comol"}),
        ("mvp-post-add-(?:box|wrap)|infinite-?scroll", {"mvp-post-add-", "infinite"}),
        ("(^|\\s)bottom|bottom(\\s|$)", {"bottom"}),
        ("article(?:-|__)?body|articleBody|body-text", {"article", "body-text"}),
        ("x+yz", {"yz"}),
        ("(ab)+c", {"ab"}),
        ("(?i)abc", None),
        ("a|[bc]", None),
        ("a?b*", None),
        ("(", None),
    ],
)
def test_the_strings_a_regex_needs(pattern, needed):
    assert _needed_strings(pattern) == (None if needed is None else frozenset(needed))


def test_every_match_of_trafilaturas_regexes_holds_a_needed_string():
    """Every string a regex test of trafilatura's matches contains one of the strings its contains()
    tests look for: the attribute values of the replica's pages, and words built from each pattern's
    own pieces."""
    values = {
        v
        for p in _replica_pages()
        for v in re.findall(r'(?:id|class|style)="([^"]*)"', p.values[0])
    }
    patterns = set()
    for name in dir(xpaths):
        for expression in getattr(xpaths, name) if isinstance(getattr(xpaths, name), list) else []:
            if isinstance(expression, XPath):
                patterns |= set(re.findall(r"re:test\([^,]+,\s*'([^']*)'\s*\)", expression.path))
    pieces = {w for p in patterns for w in re.split(r"[^\w-]+", p) if w}
    values |= pieces | {f"x {w}-y" for w in pieces} | {w.upper() for w in pieces}
    checked = 0
    for pattern in patterns:
        needed = _needed_strings(pattern)
        if needed is None:
            continue
        for value in values:
            if re.search(pattern, value):
                assert any(text in value for text in needed), (pattern, value)
                checked += 1
    assert checked > 100


def test_other_options_are_refused():
    with pytest.raises(ValueError, match="fast, precision"):
        main_text(load_html(BUILT["article"]), Extractor(fast=False, **TRAFILATURA_OPTIONS))


@pytest.mark.parametrize(
    "html",
    [
        *BUILT.values(),
        "<html><body><p>a<b>b<p>c</p>d</b>e</p>f<p><!-- x -->g</p><div><p></p></div></body></html>",
        "<html><body><div>no paragraph at all</div></body></html>",
    ],
)
def test_paragraph_characters_are_what_trafilaturas_expression_counts(html):
    """The linear count stands for `len("".join(tree.xpath("//p//text()")))`, whichever element of
    the document it is asked from, below any limit (an empty node set counts 0)."""
    tree = load_html(html)
    for element in [tree, *tree.iter("div", "article", "p")]:
        expected = len("".join(XPath("//p//text()")(element)))
        assert _paragraph_chars(element, 10**9) == expected
        if expected < 5:
            assert _paragraph_chars(element, 5) == expected
        assert (_paragraph_chars(element, 5) >= 5) == (expected >= 5)


# nested matches (a sidebar inside a nav, a share bar inside the sidebar), tails after each, and a
# page whose matches hold nearly all its text (trafilatura's guard then prunes nothing)
GUARDED = {
    "nested": (
        f'<html><body><div class="post"><div role="navigation">تنقل<div id="sidebar">جانبي'
        '<span class="share-x">مشاركة</span>ذيل ١</div>ذيل ٢</div>ذيل ٣'
        f'<p>{STORY}</p><div class="footer">تذييل</div>ذيل ٤<p class="meta">م</p></div></body></html>'
    ),
    "nearly all of it": (
        f'<html><body><div class="x"><div class="sidebar"><p>{STORY}</p></div>'
        "<p>سطر قصير</p></div></body></html>"
    ),
}


@pytest.mark.parametrize("name", sorted(GUARDED))
def test_the_over_pruning_guard_deletes_what_trafilaturas_deletes(name):
    ours, theirs = load_html(GUARDED[name]), load_html(GUARDED[name])
    _prune_guarded(ours, _overall_discard(ours))
    prune_unwanted_nodes(theirs, xpaths.OVERALL_DISCARD_XPATH, with_backup=True)
    assert tostring(ours, encoding=str) == tostring(theirs, encoding=str)
    assert "NEWSARCHIVE-MATCH" not in tostring(ours, encoding=str)  # the marks are gone
    text = ours.text_content()
    if name == "nested":  # the outermost matches go with what they hold; their tails stay
        assert "تنقل" not in text and "مشاركة" not in text and "تذييل" not in text
        assert all(f"ذيل {n}" in text for n in "٣٤") and STORY in text
    else:  # deleting the sidebar would leave a seventh of the text or less: nothing is deleted
        assert STORY in text and "سطر قصير" in text


# the cleaning's branches: the same tag nested (trafilatura's loop ends inside the removed element,
# so a later one of that tag stays), a tag removed inside another removed earlier, a form wrapping
# the page and a search form, a figure holding a table, a layout table, MathML with its TeX
CLEANED = {
    "nested asides": (
        f"<html><body><aside>aside-1<aside>aside-2</aside>tail-1</aside><p>{STORY}</p>"
        "<aside>aside-3</aside><div><aside>aside-4</aside></div><nav><script>x</script>"
        "<aside>aside-5</aside></nav>tail-2</body></html>"
    ),
    "forms": (
        f"<html><body><form id='aspnetForm'><div><p>{STORY}</p></div>"
        "<form class='search'><input name='q'><button>بحث</button></form></form></body></html>"
    ),
    "figures and tables": (
        "<html><body><figure><table><tr><td>خلية</td></tr></table></figure><figure><img src='a.jpg'>"
        f"<figcaption>صورة</figcaption></figure><table role='presentation'><tr><td><p>{STORY}</p>"
        "</td></tr></table><time>الآن</time><svg><use href='#i'/></svg></body></html>"
    ),
    "math": (
        "<html><body><p>المعادلة <math display='block'><semantics><mi>x</mi><annotation "
        "encoding='application/x-tex'>x^2</annotation></semantics></math> ذيل</p>"
        f"<p>{STORY}</p><p><math alttext='y'><mi>y</mi></math></p></body></html>"
    ),
    "nothing to clean": f"<html><body><p>{STORY}</p></body></html>",
}


@pytest.mark.parametrize("html", [*CLEANED.values(), *(p.values[0] for p in _replica_pages())])
def test_the_cleaning_leaves_trafilaturas_tree(html):
    ours, theirs = load_html(html), load_html(html)
    assert tostring(_tree_cleaning(ours, OPTIONS), encoding=str) == tostring(
        tree_cleaning(theirs, OPTIONS), encoding=str
    )


def test_a_nested_tag_ends_the_loop_as_trafilaturas_iteration_does():
    cleaned = tostring(_tree_cleaning(load_html(CLEANED["nested asides"]), OPTIONS), encoding=str)
    assert "aside-1" not in cleaned and "aside-2" not in cleaned and "tail-1" not in cleaned
    assert "tail-2" in cleaned  # the tail of what is removed stays
    # trafilatura's loop went on inside the removed <aside>: the later ones stay (its output)
    assert "aside-3" in cleaned and "aside-4" in cleaned
    assert "<nav" not in cleaned and "aside-5" not in cleaned  # removed with the <nav> holding it


def test_a_wildcard_added_to_trafilaturas_cleaning_list_still_runs():
    # the list is public and users edit it in place; a name no found element carries is not skipped
    html = f"<html><body><p>{STORY}</p><custom-box>box</custom-box></body></html>"
    for added in ("{*}custom-box", "custom-box"):
        MANUALLY_CLEANED.append(added)
        try:
            cleaned = tostring(_tree_cleaning(load_html(html), OPTIONS), encoding=str)
        finally:
            MANUALLY_CLEANED.remove(added)
        assert "box" not in cleaned and STORY[:40] in cleaned


# the link-density passes: no link at all (every test keeps every element), links that one round
# settles, a div that only the second round deletes (the first round's paragraph pass takes the long
# link out of it, which leaves it short and made of links), a heading and a quote made of links (the
# passes after the two rounds), and a block of links that is the whole subtree (_extract hands
# _prune_sections a part of the page: the div pass deletes the part itself)
LINKED = {
    "no links": f"<html><body><div class='entry'><p>{STORY}</p><div>سطر</div></div></body></html>",
    "one round": BUILT["links and tables"],
    "second round": (
        f"<html><body><div class='entry'><p>{STORY}</p>"
        "<div id='box7'>x <a href='/1'>أ</a> <a href='/2'>ب</a> <a href='/3'>ج</a>"
        f"<p><a href='/long'>{'رابط طويل جدا ' * 12}</a></p></div><p>{STORY[:300]}</p></div>"
        "</body></html>"
    ),
    "heading and quote": (
        f"<html><body><div class='entry'><p>{STORY}</p>"
        "<h3 id='head8'><a href='/1'>عنوان رابط</a> <a href='/2'>آخر</a></h3>"
        "<blockquote id='quote8'><a href='/3'>اقتباس رابط</a> <a href='/4'>آخر</a></blockquote>"
        f"<p>{STORY[:300]}</p></div></body></html>"
    ),
    "a part made of links": (
        f"<html><body><p>{STORY}</p><div id='links9'><a href='/1'>أ</a> <a href='/2'>ب</a> "
        "<a href='/3'>ج</a></div>ذيل الروابط</body></html>"
    ),
}
_TAGS = frozenset(TAG_CATALOG) | {"table", "td", "th", "tr"}


def _converted(html: str):
    """A page as _extract's caller leaves it: cleaned, with its links turned into `ref`s."""
    return convert_tags(tree_cleaning(load_html(html), OPTIONS), OPTIONS)


@pytest.mark.parametrize(
    "html",
    [
        *(pytest.param(html, id=name) for name, html in LINKED.items()),
        *(pytest.param(p.values[0], id=p.id) for p in _replica_pages()),
    ],
)
def test_the_sections_pruned_are_trafilaturas(html):
    ours = _prune_sections(_converted(html), set(_TAGS))
    theirs = prune_unwanted_sections(_converted(html), set(_TAGS), OPTIONS)
    assert tostring(ours, encoding=str) == tostring(theirs, encoding=str)


@pytest.mark.parametrize("name", sorted(LINKED))
def test_a_part_of_the_page_is_pruned_as_trafilatura_prunes_it(name):
    """_extract hands _prune_sections one element of the page: each div in turn, the whole page
    compared after (a part deleted whole leaves its tail to the page around it)."""
    divs = len(list(_converted(LINKED[name]).iter("div")))
    assert divs
    for n in range(divs):
        ours_page, theirs_page = _converted(LINKED[name]), _converted(LINKED[name])
        ours = _prune_sections(list(ours_page.iter("div"))[n], set(_TAGS))
        theirs = prune_unwanted_sections(list(theirs_page.iter("div"))[n], set(_TAGS), OPTIONS)
        assert tostring(ours, encoding=str) == tostring(theirs, encoding=str)
        assert tostring(ours_page, encoding=str) == tostring(theirs_page, encoding=str)


def test_a_second_link_density_round_runs_when_the_first_deleted():
    html = LINKED["second round"]
    pruned = tostring(_prune_sections(_converted(html), set(_TAGS)), encoding=str)
    assert "box7" not in pruned and "رابط طويل" not in pruned and STORY[:40] in pruned
    once = _converted(html)  # one round of the three passes leaves the div
    for tag, backtracking in (("div", True), ("list", False), ("p", False)):
        delete_by_link_density(once, tag, backtracking=backtracking, favor_precision=True)
    assert "box7" in tostring(once, encoding=str)


def test_linked_headings_and_quotes_are_pruned():
    pruned = tostring(
        _prune_sections(_converted(LINKED["heading and quote"]), set(_TAGS)), encoding=str
    )
    assert "head8" not in pruned and "quote8" not in pruned and STORY[:40] in pruned


def test_a_part_made_of_links_goes_and_its_tail_stays():
    page = _converted(LINKED["a part made of links"])
    part = next(d for d in page.iter("div") if d.get("id") == "links9")
    _prune_sections(part, set(_TAGS))
    text = tostring(page, encoding=str)
    assert "links9" not in text and "ذيل الروابط" in text
