"""extract/parse.py gives trafilatura's load_html tree, with the same element classes."""

import pytest
from lxml.etree import tostring
from lxml.html import FormElement
from trafilatura.utils import load_html, repair_faulty_html

from extract.parse import parse_html, repair_html
from replica.server import Replica

PAGES = {
    "article": "<!DOCTYPE html><html lang='ar'><body><p>نص <!-- x --> بعد التعليق</p>"
    "<form><input name='q' value='1'><select><option>أ</option></select><textarea>ت</textarea>"
    "<label for='q'>بحث</label></form><?php echo 1 ?></body></html>",
    "fragment": "<p>فقرة واحدة</p>",
    "two blocks": "<div>أ</div><div>ب</div>",
    "not html": "just some text, no tag at all",
    "empty": "",
    "encoding declared": '<?xml version="1.0" encoding="utf-8"?><html><body><p>س</p></body></html>',
    "self-closing html": '<html lang="ar"/>\n<body><p>نص</p></body>',
    "control characters": "<html><body><p>a\x00b\x0bc\ufffe</p></body></html>",
    "entities and scripts": "<html><body><p>a &amp; b &nbsp; &unknown; &#1575;<script>x<y</script>"
    "<style>p{}</style><b>ط</b>tail</p></body></html>",
    "doctype with slash": '<!DOCTYPE html PUBLIC "-//W3C//DTD XHTML 1.0//EN" "x.dtd"/>\n<html><p>ن</p></html>',
}


def _replica_pages() -> list[str]:
    sites = Replica(per_outlet=2).sites.values()
    return [site.article_html(article) for site in sites for article in site.articles]


@pytest.mark.parametrize("html", [*PAGES.values(), *_replica_pages()[::3]])
def test_the_tree_and_its_classes_are_load_htmls(html):
    theirs, ours = load_html(html), parse_html(html)
    assert (ours is None) == (theirs is None)
    if theirs is None:
        return
    assert tostring(ours, encoding="unicode") == tostring(theirs, encoding="unicode")
    for mine, lxmls in zip(ours.iter(), theirs.iter(), strict=True):
        assert mine.tag == lxmls.tag
        # lxml.html's class for the tag (FormElement for <form> ...), text_content given in C
        assert type(mine).__mro__[2] is type(lxmls)
        assert mine.text_content() == lxmls.text_content()
    assert any(isinstance(e, FormElement) for e in ours.iter()) == ("<form" in html)


# every character the repair removes, the controls it keeps, and characters whose UTF-16 form is
# near them (U+FFFD, the surrogates of a character beyond the BMP, a lone surrogate)
_REMOVED = [chr(c) for c in range(0x20) if c not in (0x09, 0x0A, 0x0D)] + ["\ufffe", "\uffff"]
_KEPT = ["\t", "\n", "\r", " ", "\x7f", "\x85", "\ufffd", "\U0010fffe", "\U0001ffff", "\ud800"]


@pytest.mark.parametrize("char", _REMOVED + _KEPT, ids=lambda c: f"U+{ord(c):04X}")
@pytest.mark.parametrize(
    "template",
    [
        "<html><body><p>a{}b</p></body></html>",
        "{}",
        "<!DOCTYPE html/>{}\n<html><p>نص</p></html>",
        "<html lang='ar'/>\n<body>{}</body>",
        "نص عربي{}نص{}",
    ],
)
def test_the_repair_is_trafilaturas(template, char):
    html = template.replace("{}", char)
    beginning = html[:50].lower()
    assert repair_html(html, beginning) == repair_faulty_html(html, beginning)
    assert (char in repair_html(html, beginning)) == (char in _KEPT)


@pytest.mark.parametrize("html", [*PAGES.values(), *_replica_pages()])
def test_the_repair_of_whole_pages_is_trafilaturas(html):
    beginning = html[:50].lower()
    assert repair_html(html, beginning) == repair_faulty_html(html, beginning)
