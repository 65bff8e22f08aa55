"""trafilatura's main extractor on our tree, without the work our options never use.

`trafilatura.bare_extraction(tree, options=...)` in fast mode, favouring precision, without comments
(extract/engine.py's first pass) copies the tree three times (the caller's tree, the tree it cleans, a
backup for the comparison that fast mode skips) and then deep-copies the cleaned tree and lists all of
its elements once more, for a recovery pass that runs only when the main extractor finds too little.
Its XPath expressions walk `.//*` (libxml2 builds descendant-or-self node sets for that) and call
back into Python's `re` for every candidate element, with the attribute or without.

`main_text(tree, options)` runs the same sequence (trafilatura 2.3.1's `trafilatura_sequence`,
`extract_content`, `_extract` and `prune_unwanted_sections`, with the branches these options take) on
the tree the caller parsed and hands over (it is consumed), with no copy and with trafilatura's XPath
expressions rewritten by `_faster` into ones that select the same elements. When the main extractor
finds too little, it returns None before anything is lost but this tree, and the caller parses the
page again and asks for the recovery pass (`recover=True`): then, as extract_content does, the cleaned
tree is deep-copied and its elements listed before the main pass, and trafilatura's own
`recover_wild_text` runs on the copy. Only the pages that need it (13 of the benchmark's 181 pages)
pay for the copy.
tests/extract/test_main_text.py checks the text is `bare_extraction`'s on every replica page and on
pages built to reach each branch; bench/bench_extraction.py checks it on the benchmark's pages.
"""

from __future__ import annotations

import re
import re._constants as _regex_constants
import re._parser as _regex_parser
from collections.abc import Callable
from copy import deepcopy
from typing import Any

from lxml.etree import Element, XPath, _Element, strip_elements, strip_tags
from lxml.html import HtmlElement
from trafilatura import xpaths
from trafilatura.core import _forum_thread_page
from trafilatura.htmlprocessing import (
    MANUALLY_CLEANED,
    MANUALLY_STRIPPED,
    _handle_forms,
    convert_tags,
    delete_by_link_density,
    link_density_test_tables,
    process_node,
    prune_html,
    prune_unwanted_nodes,
    recover_math,
)
from trafilatura.main_extractor import (
    MIN_DUPLICATE_LENGTH,
    NOT_AT_THE_END,
    REBUILT_BLOCKS,
    _elem_text,
    handle_textelem,
    recover_wild_text,
)
from trafilatura.settings import INLINE_FORMATTABLE, TAG_CATALOG, Extractor
from trafilatura.utils import SPACING_PROTECTED, text_chars_test
from trafilatura.xml import delete_element, xmltotxt

from extract.discard import DISCARD

# an EXSLT regex test on an attribute (or a union of attributes); XPath 1.0 literals cannot hold
# their own quote, so a pattern is everything up to the next one
_REGEX_TEST = re.compile(r"re:test\(\s*([^,()]+?)\s*,\s*'([^']*)'\s*(?:,\s*'([^']*)'\s*)?\)")
_POSITIONAL = re.compile(r"position\(\)|last\(\)|\[\s*\d+\s*\]")
_DESCENDANTS = re.compile(r"(?<![\w)\]@:])\.//")
# a regex test is preceded by contains() tests of at most this many strings (each costs libxml2 a
# string copy and a search; more of them cost more than the call into Python they spare)
MAX_CONTAINS_TESTS = 8
_ATTRIBUTE = re.compile(r"@[\w-]+")
_LITERAL = _regex_constants.LITERAL
_BRANCH = _regex_constants.BRANCH
_SUBPATTERN = _regex_constants.SUBPATTERN
_REPEATS = (_regex_constants.MAX_REPEAT, _regex_constants.MIN_REPEAT)
# a regex test on one attribute (not a union such as @id|@class, whose first node is left to lxml)
_SINGLE_ATTRIBUTE_TEST = re.compile(r"re:test\(\s*(@[\w-]+)\s*,")
# the whole expression's first step, when it keeps elements by tag name alone
_LEADING_TAG_TEST = re.compile(
    r"\A\s*descendant::\*\[(\s*self::[\w-]+(?:\s+or\s+self::[\w-]+)*\s*)\](?=\s*(?:\[|\Z))"
)
_SELF_TEST = re.compile(r"self::([\w-]+)")
_PLAIN_TAG = re.compile(r"[\w.-]+")


def _guard_regex_test(match: re.Match[str]) -> str:
    """`re:test(@class, P)` → `(@class and re:test(@class, P))` when P cannot match the empty string,
    which is what an absent attribute gives re:test: the same truth value without a call into
    Python for every element that lacks the attribute. When every match of P contains one of a few
    strings (`_needed_strings`), `contains()` tests of them come before the call: libxml2 answers
    them in C, and most class names contain none."""
    argument, pattern = match.group(1), match.group(2)
    ignore_case = re.IGNORECASE if "i" in (match.group(3) or "") else 0
    if re.compile(pattern, re.UNICODE | ignore_case).search("") is not None:
        return match.group(0)
    needed = None if ignore_case else _needed_strings(pattern)
    attributes = [a.strip() for a in argument.split("|")]
    if (
        needed is None
        or len(needed) * len(attributes) > MAX_CONTAINS_TESTS
        or not all(_ATTRIBUTE.fullmatch(a) for a in attributes)
        or any("'" in text for text in needed)
    ):
        return f"(({argument}) and {match.group(0)})"
    # a union's string is its first node's: testing every attribute of it is the weaker condition
    tests = " or ".join(f"contains({a}, '{text}')" for a in attributes for text in sorted(needed))
    return f"(({argument}) and ({tests}) and {match.group(0)})"


def _needed_strings(pattern: str) -> frozenset[str] | None:
    """Non-empty strings one of which every match of the (case-sensitive) regex contains, or None
    when the pattern gives none."""
    try:
        parsed = _regex_parser.parse(pattern, re.UNICODE)
    except re.error:
        return None
    if parsed.state.flags & re.IGNORECASE:
        return None
    return _sequence_needs(list(parsed))


def _sequence_needs(items: list[tuple[Any, Any]]) -> frozenset[str] | None:
    """For a sequence of parsed regex items: each run of literal characters, each alternation whose
    every branch needs something, each group or repeat taken at least once, needs its strings; the
    sequence needs those of one of them (the longest shortest string, then the fewest strings)."""
    found: list[frozenset[str]] = []
    run: list[str] = []
    for op, value in [*items, (None, None)]:
        if op is _LITERAL:
            run.append(chr(value))
            continue
        if run:
            found.append(frozenset(["".join(run)]))
            run = []
        need: frozenset[str] | None = None
        if op is _BRANCH:
            branches = [_sequence_needs(list(branch)) for branch in value[1]]
            if all(b is not None for b in branches):
                need = frozenset().union(*[b for b in branches if b is not None])
        elif op is _SUBPATTERN and not value[1] & re.IGNORECASE:
            need = _sequence_needs(list(value[3]))
        elif op in _REPEATS and value[0] >= 1:
            need = _sequence_needs(list(value[2]))
        if need:
            found.append(need)
    if not found:
        return None
    best = max(found, key=lambda texts: (min(map(len, texts)), -len(texts)))
    # a string holding another of them adds nothing («articleBody» when «article» is there)
    return frozenset(t for t in best if not any(o != t and o in t for o in best))


def _string_argument(match: re.Match[str]) -> str:
    """`re:test(@class, P)` → `re:test(string(@class), P)`: the same string (re:test takes the first
    node of a node set, and @class is at most one), handed to Python as a string instead of a list of
    attribute results, each of which made lxml create the element holding it."""
    return f"re:test(string({match.group(1)}),"


def _tag_union(match: re.Match[str]) -> str:
    """`descendant::*[self::div or self::p]` → `(descendant::div | descendant::p)`: the same elements
    in the same (document) order; libxml2 matches a name test in C where `self::div` builds a node
    set for every element. Only where no predicate depends on position: the predicates that follow
    then select the same elements from the union as from the step."""
    tags = _SELF_TEST.findall(match.group(1))
    return "(" + " | ".join(f"descendant::{tag}" for tag in tags) + ")"


def _faster(expression: XPath) -> XPath:
    """The same selection, cheaper to evaluate: regex tests guarded by the attribute's presence and
    given the attribute's string, and when no predicate depends on position, `.//` as the descendant
    axis (for a predicate that does not, `.//*[p]` and `descendant::*[p]` are the same set, in the
    same document order) and a leading test of tag names as a union of name steps."""
    source = _REGEX_TEST.sub(_guard_regex_test, expression.path)
    source = _SINGLE_ATTRIBUTE_TEST.sub(_string_argument, source)
    if not _POSITIONAL.search(source):
        source = _DESCENDANTS.sub("descendant::", source)
        source = _LEADING_TAG_TEST.sub(_tag_union, source)
    return XPath(source, namespaces={"re": xpaths.REGEXP_NS})


def _closing(source: str, start: int) -> int:
    """The index of the bracket closing the one at `start` (quotes respected), or -1."""
    depth, quote = 0, ""
    for i in range(start, len(source)):
        ch = source[i]
        if quote:
            quote = "" if ch == quote else quote
        elif ch in "'\"":
            quote = ch
        elif ch in "([":
            depth += 1
        elif ch in ")]":
            depth -= 1
            if depth == 0:
                return i
    return -1


def _is_one_step(source: str) -> bool:
    """`.//*` followed by predicates only, nothing after them."""
    i = len(".//*")
    if not source.startswith(".//*["):
        return False
    while i < len(source) and source[i] == "[":
        i = _closing(source, i)
        if i < 0:
            return False
        i += 1
        while i < len(source) and source[i].isspace():
            i += 1
    return i == len(source)


def _first_only(expression: XPath) -> XPath:
    """An expression whose first node (in document order) is `expression`'s first node, for a caller
    that takes only that one (main_extractor._extract with BODY_XPATH), evaluated like `_faster`'s.
    `(E)[1]` and `.//*[p][1]` both have the first node of `.//*[p]` as theirs when p does not depend
    on position (the first element in document order that passes p is the first of its siblings to
    pass it); any other expression is `_faster`'s."""
    source = expression.path.strip()
    if source.endswith("[1]"):
        body = source[:-3].strip()
        if body.startswith("(") and _closing(body, 0) == len(body) - 1:
            body = body[1:-1].strip()
        if _is_one_step(body) and not _POSITIONAL.search(body):
            first = _faster(XPath(body, namespaces={"re": xpaths.REGEXP_NS}))
            return XPath(f"({first.path})[1]", namespaces={"re": xpaths.REGEXP_NS})
    return _faster(expression)


def _all_faster(expressions: list[XPath]) -> list[XPath]:
    return [_faster(x) for x in expressions]


RAW_TREE_PRUNE = _all_faster(xpaths.RAW_TREE_PRUNE_XPATH)
REMOVE_COMMENTS_AND_LISTS = _all_faster(xpaths.REMOVE_COMMENTS_AND_LISTS_XPATH)
REMOVE_COMMENTS = _all_faster(xpaths.REMOVE_COMMENTS_XPATH)
BODY = [_first_only(x) for x in xpaths.BODY_XPATH]  # _extract takes the first node
OVERALL_DISCARD = _all_faster(xpaths.OVERALL_DISCARD_XPATH)
DISCARD_IMAGE_ELEMENTS = _all_faster(xpaths.DISCARD_IMAGE_ELEMENTS)
TEASER_DISCARD = _all_faster(xpaths.TEASER_DISCARD_XPATH)
PRECISION_DISCARD = _all_faster(xpaths.PRECISION_DISCARD_XPATH)
_ELEMENTS = XPath(".//*")
_ELEMENT_COUNT = XPath("count(descendant-or-self::*)")
# an attribute name libxml2's HTML parser never gives (it lowercases names), so no page can hold it
_MARK = "NEWSARCHIVE-MATCH"
_OUTERMOST_MARKED = XPath(f"descendant::*[@{_MARK}][not(ancestor::*[@{_MARK}])]")


def supported(options: Extractor) -> bool:
    """The options this sequence reproduces (extract/engine.py's fast pass); any other goes to
    trafilatura itself."""
    return (
        options.fast
        and options.focus == "precision"
        and not options.comments
        and options.tables
        and not options.images
        and not options.links
        and options.format == "python"
        and not options.formatting
        and not options.lang
        and not options.with_metadata
        and not options.dedup
        and not options.max_tree_size
    )


def main_text(tree: HtmlElement, options: Extractor, recover: bool = False) -> str | None:
    """bare_extraction(tree, options=options).text for the options `supported` accepts ("" where it
    gives no document), or None when trafilatura's recovery pass would run and `recover` is off.
    Consumes `tree`."""
    if not supported(options):
        raise ValueError("main_text reproduces the fast, precision, no-comments pass only")
    is_forum = _forum_thread_page(tree)
    tree = prune_unwanted_nodes(tree, RAW_TREE_PRUNE)
    tree = prune_unwanted_nodes(tree, REMOVE_COMMENTS_AND_LISTS)
    cleaned = convert_tags(_tree_cleaning(tree, options), options, options.url)
    if not is_forum:
        cleaned = prune_unwanted_nodes(cleaned, REMOVE_COMMENTS)
    if recover:  # extract_content's backup, and the elements in source order, before the main pass
        backup, order = deepcopy(cleaned), list(cleaned.iter())
    result_body, temp_text, potential_tags = _extract(cleaned, options)
    if len(result_body) == 0 or len(temp_text) < options.min_extracted_size:
        if not recover:
            return None  # extract_content's recovery pass (recover_wild_text) would run
        # extract_content's recovery: wild text on the backup, but not the copies of what the main
        # pass consumed
        consumed: set[_Element] = {
            twin for elem, twin in zip(order, backup.iter(), strict=True) if elem.tag == "done"
        }
        result_body = recover_wild_text(backup, result_body, options, potential_tags, consumed)
        temp_text = " ".join(result_body.itertext()).strip()
    previous = None
    for el in list(result_body):
        current = _elem_text(el)
        if current and current == previous and len(current) > MIN_DUPLICATE_LENGTH:
            delete_element(el, keep_tail=False)
        else:
            previous = current
    strip_elements(result_body, "done")
    strip_tags(result_body, "div")
    for linebreak in result_body.iter("lb"):
        if (
            linebreak.tail
            and not text_chars_test(linebreak.tail)
            and not any(anc.tag in SPACING_PROTECTED for anc in linebreak.iterancestors())
        ):
            linebreak.tail = None
    if len(temp_text) < options.min_output_size and options.min_output_comm_size > 0:
        return ""  # bare_extraction: "text and comments not long enough", no document
    text: str = xmltotxt(result_body, options.formatting)
    return text


def _tree_cleaning(tree: HtmlElement, options: Extractor) -> HtmlElement:
    """htmlprocessing.tree_cleaning(tree, options) for these options (tables on, no images,
    precision): the same steps in the same order, but a tag of the cleaning list is looked for only
    when one walk of the page found it (trafilatura walks the page once for each of its 50 tags,
    most of which a page does not have). Deleting creates no element, so a tag absent before the
    deletions is absent after them, and the loops left out would have deleted nothing. Each loop
    that runs is trafilatura's, with its way of iterating while it deletes."""
    recover_math(tree)
    cleaning_list, stripping_list = MANUALLY_CLEANED.copy(), MANUALLY_STRIPPED.copy()
    clean_forms = "form" in cleaning_list
    if clean_forms:
        cleaning_list.remove("form")
    # figures holding a table and ARIA layout tables are kept as containers
    for elem in tree.iter("figure", "table"):
        if elem.tag == "figure":
            keep = elem.find(".//table") is not None
        else:
            keep = elem.get("role") in ("presentation", "none")
        if keep:
            elem.tag = "div"
    strip_tags(tree, stripping_list)
    present = {element.tag for element in tree.iter(*cleaning_list)} if cleaning_list else set()
    # a wildcard or a namespaced name (the lists are public, users edit them) is not a tag a found
    # element can have: its loop always runs
    present.update(t for t in cleaning_list if not _PLAIN_TAG.fullmatch(t))
    for expression in cleaning_list:
        if expression in present:
            for element in tree.iter(expression):
                delete_element(element)
    if clean_forms:
        _handle_forms(tree)
    return prune_html(tree, options.focus)


def _prune_sections(tree: HtmlElement, potential_tags: set[str]) -> HtmlElement:
    """prune_unwanted_sections for these options (precision, no images, teasers pruned)."""
    tree = _prune_guarded(tree, _overall_discard(tree))
    if "graphic" not in potential_tags:
        tree = prune_unwanted_nodes(tree, DISCARD_IMAGE_ELEMENTS)
    tree = prune_unwanted_nodes(tree, TEASER_DISCARD)
    tree = prune_unwanted_nodes(tree, PRECISION_DISCARD)
    # a link-density test reads the links (`ref`) under an element: with none in the tree, every test
    # keeps every element (no pass deletes, and none makes a link)
    linked = next(tree.iter("ref"), None) is not None
    for _ in range(2 if linked else 0):
        before = _ELEMENT_COUNT(tree)
        tree = delete_by_link_density(tree, "div", backtracking=True, favor_precision=True)
        tree = delete_by_link_density(tree, "list", backtracking=False, favor_precision=True)
        tree = delete_by_link_density(tree, "p", backtracking=False, favor_precision=True)
        # the same count: nothing under the tree was deleted (at most the tree itself, detached from
        # its page, where deleting it again does nothing and the tests below it answer the same), so a
        # second round, whose tests only read the tree, would repeat these
        if _ELEMENT_COUNT(tree) == before:
            break
    boilerplate_tables = [e for e in tree.iter("table") if link_density_test_tables(e) is True]
    for elem in boilerplate_tables:
        delete_element(elem, keep_tail=False)
    while len(tree) > 0 and (tree[-1].tag == "head"):
        delete_element(tree[-1], keep_tail=False)
    if linked:
        tree = delete_by_link_density(tree, "head", backtracking=False, favor_precision=True)
        tree = delete_by_link_density(tree, "quote", backtracking=False, favor_precision=True)
    strip_tags(tree, "span", *(() if "ref" in potential_tags else ("ref",)))
    return tree


def _overall_discard(
    tree: HtmlElement, walk: Callable[[Any], list[_Element]] | None = DISCARD
) -> list[_Element]:
    """What OVERALL_DISCARD_XPATH's expressions select, in turn: by extract/discard.py's walk, or by
    the expressions when this trafilatura's are not the ones the walk evaluates (`walk` None)."""
    if walk is not None:
        return walk(tree)
    return [elem for expression in OVERALL_DISCARD for elem in expression(tree)]


def _prune_guarded(tree: HtmlElement, selected: list[_Element]) -> HtmlElement:
    """prune_unwanted_nodes(tree, nodelist, with_backup=True) where `selected` is what the nodelist's
    expressions select, in turn: the outermost matches are deleted unless that would leave a seventh
    of the text or less. trafilatura finds the outermost ones by walking every match's ancestors in
    Python (a proxy object made for each); here the matches are marked and libxml2 selects the
    marked elements without a marked ancestor (the same ones, kept in trafilatura's order), then the
    marks are taken off."""
    matches = dict.fromkeys(selected)
    if not matches:
        return tree
    for elem in matches:
        elem.set(_MARK, "")
    try:
        outermost = set(_OUTERMOST_MARKED(tree))
    finally:
        for elem in matches:
            del elem.attrib[_MARK]
    outer = [elem for elem in matches if elem in outermost]
    old_len = len(tree.text_content())
    if old_len - sum(len(elem.text_content()) for elem in outer) > old_len / 7:
        for elem in outer:
            delete_element(elem)
    return tree


def _paragraph_chars(tree: HtmlElement, enough: int) -> int:
    """The characters of `//p//text()` in the tree's document (trafilatura's test, as it counts them: every
    text node under a paragraph once), counted up to `enough`. libxml2 evaluates that expression in time
    quadratic in the paragraphs (a page of 600,000 empty ones took minutes); this walk is linear."""
    total = 0
    for paragraph in tree.getroottree().getroot().iter("p"):
        if next(paragraph.iterancestors("p"), None) is not None:
            continue  # its text is counted with the outer paragraph's
        for text in paragraph.itertext():
            total += len(text)
            if total >= enough:
                return total
    return total


def _extract(tree: HtmlElement, options: Extractor) -> tuple[_Element, str, set[str]]:
    """main_extractor._extract for these options (tables on, no images, no links): the body, its
    text, and the tags it let through (the recovery pass takes them on)."""
    potential_tags = set(TAG_CATALOG) | {"table", "td", "th", "tr"}
    result_body = Element("body")
    for expr in BODY:
        subtree = next((s for s in expr(tree) if s is not None), None)
        if subtree is None:
            continue
        subtree = _prune_sections(subtree, potential_tags)
        if len(subtree) == 0:
            continue
        if _paragraph_chars(subtree, options.min_extracted_size) < max(
            options.min_extracted_size, 1
        ):
            potential_tags.add("div")  # factor 1: precision
        subelems = _ELEMENTS(subtree)
        tags = {e.tag for e in subelems}
        if tags == {"lb"} or (
            subtree.tag == "div" and "div" in potential_tags and tags <= INLINE_FORMATTABLE | {"lb"}
        ):
            subelems = [subtree]
        lead, start = None, len(result_body)
        if subelems != [subtree] and text_chars_test(subtree.text):
            lead = Element("p")
            lead.text = subtree.text
            lead = process_node(lead, options)
        for elem in subelems:
            if elem.getroottree().getroot() is result_body:
                continue
            tag, tail = elem.tag, elem.tail
            processed_elem = handle_textelem(elem, potential_tags, options)
            if processed_elem is not None:
                result_body.append(processed_elem)
                if elem.getroottree().getroot() is not result_body:
                    elem.tag = "done"
            if (
                tag in REBUILT_BLOCKS
                and text_chars_test(tail)
                and (processed_elem is None or processed_elem.tail is None)
            ):
                tail_elem = Element("p")
                tail_elem.text = tail
                if process_node(tail_elem, options) is not None:
                    result_body.append(tail_elem)
        while len(result_body) > 0 and (result_body[-1].tag in NOT_AT_THE_END):
            delete_element(result_body[-1], keep_tail=False)
        if sum(e.tag != "graphic" for e in result_body) > 1:
            if lead is not None:
                result_body.insert(start, lead)
            break
    temp_text = " ".join(result_body.itertext()).strip()
    return result_body, temp_text, potential_tags
