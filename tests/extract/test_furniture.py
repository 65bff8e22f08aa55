"""extract/furniture.py: the furniture around an Arabic story, recognised by its words on the HTML tree
(a labelled block and the link list it opens) and on the extracted text (labels, counters, widgets, the
links after «اقرأ أيضاً»), with the outlet's own selectors and labels added; the story stays whole.
(The whole extractor on every replica page: test_engine.py.)"""

from __future__ import annotations

import pytest
from lxml import html as lxml_html
from lxml.cssselect import CSSSelector

from extract.furniture import (
    _OWN_ATTRIBUTES_ONLY,
    MAX_FURNITURE_WORDS,
    FurnitureFilter,
    _at_most_words,
    _own_attributes_predicate,
    normalise_label,
)
from outlets.model import CleanupRules
from outlets.registry import load_registry
from replica.server import Replica

STORY = (
    "قال ناشطون إن خمسة عشر شخصا قتلوا في قصف على ريف إدلب الجنوبي صباح اليوم.",
    "وأضافوا أن الطيران استهدف السوق الشعبي في البلدة وقت الذروة.",
)


def _page(around: str, rules: CleanupRules | None = None) -> str:
    """The text left of a page whose story sits next to `around`, after the tree pass."""
    tree = lxml_html.fromstring(
        f"<html><body><article><p>{STORY[0]}</p><p>{STORY[1]}</p></article>{around}</body></html>"
    )
    FurnitureFilter(rules).prune(tree)
    return tree.text_content()


def test_a_labelled_block_goes_with_the_lists_it_opens_and_the_story_stays():
    text = _page(
        '<div class="x1"><h3>الأكثر قراءة</h3><ul><li><a href="/1">خبر أول</a></li></ul>'
        '<ol><li><a href="/2">خبر ثان</a></li></ol></div>'
        "<div><span>أخبار متعلقة:</span><div><a href='/3'>عنوان مقال آخر</a></div></div>"
    )
    assert "الأكثر قراءة" not in text and "خبر أول" not in text and "خبر ثان" not in text
    assert "أخبار متعلقة" not in text and "عنوان مقال آخر" not in text
    assert STORY[0] in text and STORY[1] in text


def test_a_label_is_matched_whatever_its_tashkeel_alef_and_decoration():
    assert normalise_label("اِقْرَأْ أَيْضاً:") == normalise_label("اقرا ايضا")
    assert normalise_label("  «المـــزيد» … ") == "المزيد"
    assert normalise_label("ﺍﻟﻤﺰﻳﺪ") == "المزيد"  # presentation forms (NFKC)
    text = _page("<h4>أَخْبَارٌ ذَاتُ صِلَةٍ</h4><ul><li><a href='/9'>عنوان</a></li></ul>")
    assert "عنوان" not in text


def test_a_paragraph_that_only_mentions_a_label_is_story():
    sentence = "وقال إن المزيد من العائلات نزحت نحو الشمال خلال الأيام الماضية بسبب القصف"
    assert sentence in _page(f"<p>{sentence}</p>")


def test_the_outlets_selectors_and_labels_are_added_to_the_generic_ones():
    rules = CleanupRules(prune=(".app-box",), labels=("حمّل تطبيقنا",))
    around = (
        '<div class="app-box"><p>تابع آخر الأخبار لحظة بلحظة على هاتفك</p></div>'
        "<div><b>حمل تطبيقنا</b><ul><li><a href='/app'>أندرويد</a></li></ul></div>"
    )
    generic = _page(around)
    assert "لحظة بلحظة" in generic and "أندرويد" in generic
    ours = _page(around, rules)
    assert "لحظة بلحظة" not in ours and "أندرويد" not in ours and STORY[1] in ours


def test_text_lines_of_labels_counters_and_widgets_are_dropped():
    text = "\n".join(
        [
            "عنوان الخبر",  # the headline repeated at the top of the body
            STORY[0],
            "التعليقات (١٢)",
            "1,204 مشاهدة",
            "حجم الخط: كبير",
            "شارك هذا المقال عبر",
            "12:45",
            "الاثنين 21 نوفمبر 2026",
            "http://anapress.net/a/77",  # the page's own short link
            "المصدر: https://example.org/report",  # a source: content
            STORY[1],
            "عنوان الخبر",  # further down it is the story's
        ]
    )
    kept = FurnitureFilter().filter_text(
        text, title="عنوان الخبر", url="https://www.anapress.net/a/77"
    )
    assert kept.split("\n") == [
        STORY[0],
        "المصدر: https://example.org/report",
        STORY[1],
        "عنوان الخبر",
    ]


def test_the_links_after_a_read_also_label_go_until_the_story_goes_on():
    long_line = " ".join(["كلمة"] * (MAX_FURNITURE_WORDS + 1))
    text = "\n".join(
        [STORY[0], "اقرأ أيضاً:", "- قصف على ريف حلب", "• عنوان قصير آخر", long_line, STORY[1]]
    )
    assert FurnitureFilter().filter_text(text).split("\n") == [STORY[0], long_line, STORY[1]]


def test_furniture_lines_are_what_filter_text_removes():
    """The quality check's probe: an archived text's furniture lines, each once as it stands."""
    furniture = FurnitureFilter(CleanupRules(labels=("روابط الرعاة",)))
    text = f"{STORY[0]}\n  الأكثر مشاهدة  \nروابط الرعاة\n{STORY[1]}\n"
    assert furniture.furniture_lines(text) == ["الأكثر مشاهدة", "روابط الرعاة"]
    assert furniture.furniture_lines("\n".join(STORY)) == []


def _one_after_another(html: str, rules: CleanupRules) -> str:
    """The page after each selector's elements were removed in turn, as a reader of the rules
    expects (the filter joins selectors that test only an element's own attributes), then the
    labelled blocks."""
    tree = lxml_html.fromstring(html)
    for css in rules.prune:
        for element in CSSSelector(css, translator="html")(tree):
            if element.getparent() is not None:
                element.drop_tree()
    FurnitureFilter(CleanupRules(labels=rules.labels)).prune(tree)
    return lxml_html.tostring(tree, encoding="unicode")


_NESTED = (
    "<html><body><div class='ad'>a<p class='x'>b</p>t1<span id='s'>c</span>t2</div>t3"
    "<p class='note'>d</p>t4<p data-kind='promo'>e</p>t5<ul><li class='x'>f</li></ul>"
    "<div><p>first</p><p class='tail'>g</p></div><div class='box'><span class='ad'>h</span></div>"
    "<p lang='ar-SY'>i</p><a href='https://x.example/'>j</a></body></html>"
)


@pytest.mark.parametrize(
    "prune",
    [
        (".ad", ".x", "#s", "[data-kind='promo']", "[href^='https']", "[lang|=ar]"),
        # after the .ad span is gone, the box is empty; after .note, «first»'s list moves on
        (".ad", ".box:empty", ".x"),
        (".tail", "p:first-child", ".note"),
        ("div .x", ".ad > .x", ".ad", ".note, .tail"),
        (".note:not(.ad)", ".ad.x", "[class~='box']"),
    ],
)
def test_the_outlets_selectors_remove_what_they_remove_one_after_another(prune):
    rules = CleanupRules(prune=prune)
    tree = lxml_html.fromstring(_NESTED)
    FurnitureFilter(rules).prune(tree)
    assert lxml_html.tostring(tree, encoding="unicode") == _one_after_another(_NESTED, rules)


def test_a_selector_that_looks_around_the_element_sees_what_the_selectors_before_it_left():
    rules = CleanupRules(prune=(".lead", "p:first-child", ".box:empty", ".ad", "#promo"))
    html = (
        "<html><body><div><p class='lead'>L</p><p>second</p></div>"
        "<div class='box'><span class='ad'>A</span></div><p>story</p><p id='promo'>P</p></body></html>"
    )
    tree = lxml_html.fromstring(html)
    FurnitureFilter(rules).prune(tree)
    page = lxml_html.tostring(tree, encoding="unicode")
    # «second» is its list's first child once .lead is gone; the box is not empty while .ad is in it
    assert "second" not in page and "L" not in page and "A" not in page and "P<" not in page
    assert 'class="box"' in page and "story" in page
    assert page == _one_after_another(html, rules)


def test_each_outlets_selectors_on_its_replica_pages_as_one_after_another():
    sites = {site.outlet: site for site in Replica(per_outlet=3).sites.values()}
    registry = load_registry()
    assert set(sites) <= set(registry.ids)
    for outlet_id, site in sites.items():
        rules = registry.get(outlet_id).cleanup
        for article in site.articles:
            html = site.article_html(article)
            tree = lxml_html.fromstring(html)
            FurnitureFilter(rules).prune(tree)
            assert lxml_html.tostring(tree, encoding="unicode") == _one_after_another(html, rules)


@pytest.mark.parametrize("words", [1, 13, 14, 15, 40])
def test_a_line_is_short_up_to_the_furniture_word_count(words):
    line = " ".join(f"كلمة{i}" for i in range(words))
    kept = FurnitureFilter().filter_text(f"{STORY[0]}\nاقرأ أيضاً:\n{line}\n{STORY[1]}")
    # after «اقرأ أيضاً», a list opener, the short lines that follow are its links
    assert (line in kept.split("\n")) == (words > MAX_FURNITURE_WORDS)
    assert kept.startswith(STORY[0])


@pytest.mark.parametrize(
    ("css", "joined"),
    [
        (".news-ticker", True),
        ("#x", True),
        ("[data-kind='promo']", True),
        (".a.b", True),
        (".a:not(.b)", True),
        ("[lang|=ar]", True),
        ("[x]", True),
        ("[x*=']']", True),  # a bracket inside a literal
        # each of these reads other nodes than the element's attributes, or depends on position
        ("p:first-child", False),
        (".a:empty", False),
        ("div .b", False),
        (".a > .b", False),
        (".a, .b", False),
        (":hover", False),
        ("div.x", False),
    ],
)
def test_a_selector_joins_the_others_only_when_it_reads_the_elements_own_attributes(css, joined):
    assert (_own_attributes_predicate(CSSSelector(css, translator="html")) is not None) == joined


@pytest.mark.parametrize(
    "predicate",
    ["string-length()", "normalize-space()", "contains", "1", "child", "not(*)", "@a = 'x' and p"],
)
def test_a_predicate_reading_text_children_or_position_is_not_joined(predicate):
    assert _OWN_ATTRIBUTES_ONLY.fullmatch(predicate) is None


def test_each_outlets_class_selectors_are_tested_in_one_walk():
    for outlet in load_registry().outlets:
        if outlet.cleanup.prune:
            assert len(FurnitureFilter(outlet.cleanup).selectors) == 1, outlet.id
    mixed = CleanupRules(prune=(".a", "#b", "p:first-child", ".c", "[d]", ".e:empty"))
    assert len(FurnitureFilter(mixed).selectors) == 4  # .a #b | p:first-child | .c [d] | .e:empty


@pytest.mark.parametrize(
    "text", ["", " ", "a", "a b", " a  b\n", "a\tb c\u00a0d", "x " * 14, "x " * 15]
)
@pytest.mark.parametrize("words", [0, 1, 2, 14])
def test_at_most_words_counts_as_split_does(text, words):
    assert _at_most_words(text, words) == (len(text.split()) <= words)
