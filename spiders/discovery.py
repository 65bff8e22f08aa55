"""Article URLs from feeds, sitemaps and section pages. XML is parsed without entities or network."""

from __future__ import annotations

from lxml import etree

from common.errors import NewsArchiveError

_PARSER = etree.XMLParser(
    resolve_entities=False, no_network=True, load_dtd=False, huge_tree=False, recover=True
)


class DiscoveryError(NewsArchiveError, ValueError):
    """A feed or sitemap that cannot be read; `reason` is what the coverage report counts."""

    def __init__(self, reason: str, detail: str):
        super().__init__(f"{reason}: {detail}")
        self.reason = reason


def _root(body: bytes) -> tuple[etree._Element, bool]:
    """The document's root, and whether the parser had to recover from broken XML (entries are salvaged)."""
    try:
        root = etree.fromstring(body, parser=_PARSER)
    except etree.XMLSyntaxError as exc:
        raise DiscoveryError("not_xml", str(exc)) from None
    if root is None:
        raise DiscoveryError("not_xml", "empty XML document")
    dtd = root.getroottree().docinfo.internalDTD
    if dtd is not None and any(True for _ in dtd.iterentities()):
        raise DiscoveryError(
            "hostile_xml",
            "the document declares XML entities; feeds and sitemaps never need "
            "them (external entities, entity expansion bombs)",
        )
    return root, len(_PARSER.error_log) > 0


def _local(tag: object) -> str:
    return etree.QName(tag).localname if isinstance(tag, str) else ""


def parse_feed(body: bytes) -> tuple[list[str], bool]:
    """Links of an RSS 2.0 or Atom feed in document order, and whether the XML was broken (salvaged)."""
    root, damaged = _root(body)
    links = []
    for element in root.iter():
        name = _local(element.tag)
        if name == "item":
            for child in element:
                if _local(child.tag) == "link" and child.text and child.text.strip():
                    links.append(child.text.strip())
                    break
        elif name == "entry":
            for child in element:
                if _local(child.tag) == "link" and child.get("rel", "alternate") == "alternate":
                    if href := child.get("href"):
                        links.append(href.strip())
                        break
    return links, damaged


def parse_sitemap(body: bytes) -> tuple[str, list[tuple[str, str | None]], bool]:
    """("index", [(sitemap, lastmod)], damaged) or ("urlset", [(url, lastmod)], damaged)."""
    root, damaged = _root(body)
    kind = _local(root.tag).lower()
    if kind not in ("sitemapindex", "urlset"):
        raise DiscoveryError(
            "not_a_sitemap", f"root element <{kind}> is neither sitemapindex nor urlset"
        )
    entries = []
    for entry in root:
        loc = lastmod = None
        for child in entry:
            name = _local(child.tag)
            if name == "loc" and child.text:
                loc = child.text.strip()
            elif name == "lastmod" and child.text:
                lastmod = child.text.strip()
        if loc:
            entries.append((loc, lastmod))
    return ("index" if kind == "sitemapindex" else "urlset"), entries, damaged
