"""Article URLs from feeds, sitemaps and section pages. XML is parsed without entities or network."""

from __future__ import annotations

from lxml import etree

_PARSER = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False, huge_tree=False, recover=True)


class DiscoveryError(ValueError):
    """A feed or sitemap that cannot be read."""


def _root(body: bytes) -> etree._Element:
    try:
        root = etree.fromstring(body, parser=_PARSER)
    except etree.XMLSyntaxError as exc:
        raise DiscoveryError(f"not XML: {exc}") from None
    if root is None:
        raise DiscoveryError("empty XML document")
    return root


def _local(tag: object) -> str:
    return etree.QName(tag).localname if isinstance(tag, str) else ""


def parse_feed(body: bytes) -> list[str]:
    """Links of an RSS 2.0 or Atom feed, in document order."""
    root = _root(body)
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
    return links


def parse_sitemap(body: bytes) -> tuple[str, list[tuple[str, str | None]]]:
    """("index", [(sitemap, lastmod)]) or ("urlset", [(url, lastmod)])."""
    root = _root(body)
    kind = _local(root.tag).lower()
    if kind not in ("sitemapindex", "urlset"):
        raise DiscoveryError(f"root element <{kind}> is neither sitemapindex nor urlset")
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
    return ("index" if kind == "sitemapindex" else "urlset"), entries
