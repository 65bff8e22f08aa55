"""A page's HTML parsed once into the tree every extraction pass works on.

trafilatura's own parse (`trafilatura.utils.load_html` on a string: the same repairs, the same libxml2
options, comments and processing instructions dropped, the same fallback to bytes and the same
rejection of a dubious document), with one difference that changes no answer: lxml.html's parser
chooses each element's Python class in Python (`HtmlElementClassLookup.lookup`, a call for every
element object lxml creates: every element an XPath result, an iteration or a parent link hands back,
about 2,700 per page of the extraction benchmark), this one in C (a table keyed by tag name, the same
classes: `FormElement` for <form>, `InputElement` for <input> ..., `HtmlElement` for the rest). The
HTML parser gives lower-case tag names, which lxml.html's lookup lowers again; nothing in extraction
renames an element to an upper-case tag.
Each of those classes is given `text_content()` by libxml2's text serialiser (the text nodes under
the element, concatenated in C), the string lxml.html's XPath `string()` builds at three times the
cost; trafilatura's link-density tests and our furniture and byline passes call it on most blocks.
tests/extract/test_parse.py checks the trees, the classes and every element's text against
load_html's.
"""

from __future__ import annotations

from lxml.etree import (
    ElementDefaultClassLookup,
    ElementNamespaceClassLookup,
    LxmlError,
    tostring,
)
from lxml.html import (
    HtmlComment,
    HtmlElement,
    HtmlElementClassLookup,
    HtmlEntity,
    HTMLParser,
    HtmlProcessingInstruction,
    fromstring,
)
from trafilatura.utils import is_dubious_html, repair_faulty_html


class _FastText:
    """text_content() as the C serialiser gives it: the same string as lxml.html's."""

    def text_content(self) -> str:
        text: str = tostring(self, method="text", encoding=str, with_tail=False)
        return text


def _fast(element_class: type) -> type:
    """`element_class` with _FastText's text_content (lxml allows such subclasses: no state)."""
    return type(element_class.__name__, (_FastText, element_class), {"__module__": __name__})


ELEMENT = _fast(HtmlElement)
BY_TAG = {
    tag: _fast(element_class)
    for tag, element_class in HtmlElementClassLookup._default_element_classes.items()
}


def _parser() -> HTMLParser:
    """trafilatura's HTML_PARSER options, with lxml.html's element classes (text_content in C)
    looked up in C."""
    parser = HTMLParser(
        collect_ids=False,
        default_doctype=False,
        encoding="utf-8",
        remove_comments=True,
        remove_pis=True,
    )
    lookup = ElementNamespaceClassLookup(
        ElementDefaultClassLookup(
            element=ELEMENT,
            comment=HtmlComment,
            pi=HtmlProcessingInstruction,
            entity=HtmlEntity,
        )
    )
    by_tag = lookup.get_namespace(None)  # this lookup's own table, not lxml's global one
    for tag, element_class in BY_TAG.items():
        by_tag[tag] = element_class
    parser.set_element_class_lookup(lookup)
    return parser


PARSER = _parser()


def _from_bytes(text: str) -> HtmlElement | None:
    try:
        return fromstring(text.encode("utf8", "surrogatepass"), parser=PARSER)
    except (ValueError, LxmlError):
        return None


def parse_html(text: str) -> HtmlElement | None:
    """load_html(text)'s tree (None where it gives none), its elements of the same classes (with a
    faster text_content)."""
    beginning = text[:50].lower()
    dubious = is_dubious_html(beginning)
    text = repair_faulty_html(text, beginning)
    tree: HtmlElement | None = None
    from_bytes = False
    try:
        tree = fromstring(text, parser=PARSER)
    except ValueError:  # a string with an encoding declaration: lxml wants bytes
        tree, from_bytes = _from_bytes(text), True
    except LxmlError:
        tree = None
    if (tree is None or len(tree) < 1) and not from_bytes:
        tree = _from_bytes(text)
    if tree is not None and dubious and len(tree) < 2:
        return None  # not (well-formed) HTML
    return tree
