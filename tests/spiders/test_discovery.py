"""Feed and sitemap parsing (spiders/discovery.py): bytes in, links out; no network, no entities."""

import pytest

from spiders.discovery import DiscoveryError, parse_feed, parse_sitemap

RSS = b"""<?xml version="1.0" encoding="utf-8"?>
<rss version="2.0"><channel><title>t</title>
<item><title>a</title><link> https://x.test/a/1 </link></item>
<item><title>no link</title></item>
<item><link>https://x.test/a/2</link><link>https://x.test/ignored</link></item>
</channel></rss>"""

ATOM = b"""<?xml version="1.0"?><feed xmlns="http://www.w3.org/2005/Atom">
<entry><link rel="self" href="https://x.test/self"/><link href="https://x.test/a/1"/></entry>
<entry><link rel="alternate" href="https://x.test/a/2"/></entry>
<entry><title>no link</title></entry>
</feed>"""


def test_rss_and_atom_links_in_document_order():
    assert parse_feed(RSS) == (["https://x.test/a/1", "https://x.test/a/2"], False)
    assert parse_feed(ATOM) == (["https://x.test/a/1", "https://x.test/a/2"], False)


def test_a_broken_feed_gives_the_links_before_the_damage_and_says_so():
    links, damaged = parse_feed(
        RSS[: RSS.index(b"<item><link>")] + b"<item><link>https://x.test/a/"
    )
    assert links[0] == "https://x.test/a/1" and damaged


def test_sitemap_urlset_and_index_with_their_lastmod():
    urlset = (
        b'<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">'
        b"<url><loc>https://x.test/a/1</loc><lastmod> 2026-11-20 </lastmod></url>"
        b"<url><loc>https://x.test/a/2</loc></url><url><lastmod>2026-11-20</lastmod></url></urlset>"
    )
    assert parse_sitemap(urlset) == (
        "urlset",
        [("https://x.test/a/1", "2026-11-20"), ("https://x.test/a/2", None)],
        False,
    )
    index = (
        b'<sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">'
        b"<sitemap><loc>https://x.test/s1.xml</loc><lastmod>2026-11-21T03:00:00Z</lastmod></sitemap>"
        b"</sitemapindex>"
    )
    assert parse_sitemap(index) == (
        "index",
        [("https://x.test/s1.xml", "2026-11-21T03:00:00Z")],
        False,
    )


@pytest.mark.parametrize(
    "body, reason",
    [
        (b"", "not_xml"),
        (b"plain text, not XML", "not_xml"),
        (b"<html><body>a page</body></html>", "not_a_sitemap"),
        (
            b'<?xml version="1.0"?><!DOCTYPE r [<!ENTITY a "aaaaaaaaaa">]><urlset><url><loc>&a;</loc></url></urlset>',
            "hostile_xml",
        ),
        (
            b'<?xml version="1.0"?><!DOCTYPE r [<!ENTITY x SYSTEM "file:///etc/passwd">]><urlset>&x;</urlset>',
            "hostile_xml",
        ),
    ],
)
def test_unreadable_or_hostile_sitemaps_are_refused_with_a_reason(body, reason):
    with pytest.raises(DiscoveryError) as caught:
        parse_sitemap(body)
    assert caught.value.reason == reason


def test_a_feed_with_entities_is_refused():
    with pytest.raises(DiscoveryError, match="hostile_xml"):
        parse_feed(
            b'<?xml version="1.0"?><!DOCTYPE rss [<!ENTITY a "x">]><rss><channel><item>'
            b"<link>&a;</link></item></channel></rss>"
        )
