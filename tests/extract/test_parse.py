"""extract/parse.py gives trafilatura's load_html tree, with the same element classes."""

import pytest
from lxml.etree import tostring
from lxml.html import FormElement
from trafilatura.utils import load_html

from extract.parse import parse_html
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
