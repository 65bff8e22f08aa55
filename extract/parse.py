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
load_html's repairs begin by removing the characters XML forbids (C0 controls other than tab, newline
and carriage return; U+FFFE, U+FFFF) with a regex over the whole page, which finds none on almost
every page after scanning each character in Python's regex engine (0.5 ms of a 173,000-character
page); `_has_invalid_xml_chars` answers the same question with numpy over the page's UTF-16 code units
(0.13 ms), and the regex runs only where it finds one.
tests/extract/test_parse.py checks the trees, the classes and every element's text against
load_html's, and the repair against trafilatura's on every kind of character it removes.
"""

from __future__ import annotations

import numpy as np
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
from trafilatura.utils import DOCTYPE_TAG, FAULTY_HTML, INVALID_XML_CHARS, is_dubious_html


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


def _has_invalid_xml_chars(text: str) -> bool:
    """Whether INVALID_XML_CHARS finds anything in `text`: a C0 control other than tab, newline and
    carriage return, or U+FFFE or U+FFFF. In UTF-16 those are single code units (a character beyond
    the BMP becomes two surrogates, neither of them such a unit)."""
    units = np.frombuffer(text.encode("utf-16-le", "surrogatepass"), dtype="<u2")
    controls = units[units < 0x20]
    # tab, newline and carriage return are the controls XML allows
    if controls.size and ((controls != 0x09) & (controls != 0x0A) & (controls != 0x0D)).any():
        return True
    return bool((units >= 0xFFFE).any())


def repair_html(text: str, beginning: str) -> str:
    """trafilatura.utils.repair_faulty_html(text, beginning) (2.3.1, with its own regexes): the
    forbidden characters removed, a doctype ending in «/>» on the first line and a self-closing
    <html/> in the first lines mended; the whole-page regex runs only when there is one to remove."""
    if _has_invalid_xml_chars(text):
        text = INVALID_XML_CHARS.sub("", text)
    # libxml2/LXML issue: https://bugs.launchpad.net/lxml/+bug/1955915
    if "doctype" in beginning:
        firstline, _, rest = text.partition("\n")
        text = DOCTYPE_TAG.sub("", firstline, count=1) + "\n" + rest
    # self-closing <html/> in the first lines
    for line in text[:4096].splitlines()[:4]:
        if "<html" in line and line.endswith("/>"):
            text = FAULTY_HTML.sub(r"\1>", text, count=1)
            break
    return text


def parse_html(text: str) -> HtmlElement | None:
    """load_html(text)'s tree (None where it gives none), its elements of the same classes (with a
    faster text_content)."""
    beginning = text[:50].lower()
    dubious = is_dubious_html(beginning)
    text = repair_html(text, beginning)
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
