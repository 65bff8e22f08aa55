import re
import urllib.request
from urllib.parse import urlsplit

import pytest

from replica.catalog import Catalog
from tests.conftest import SEEDS_DIR, normalise_ws


def _get(replica, host, path):
    req = urllib.request.Request(f"http://127.0.0.1:{replica.port}{path}", headers={"Host": host})
    with urllib.request.urlopen(req) as resp:
        return resp.status, resp.headers.get("Content-Type"), resp.read().decode("utf-8")


def test_each_seed_story_is_one_article_of_its_outlet():
    catalog = Catalog(per_outlet=20)
    seeds = [a for a in catalog.all() if a.seed]
    assert sorted(a.seed[:3] for a in seeds) == ["000", "001", "002", "003", "004"]
    assert {a.seed[:3]: a.outlet for a in seeds} == {
        "000": "anapress",
        "001": "orient",
        "002": "enabbaladi",
        "003": "zamanalwsl",
        "004": "euronews",
    }
    assert all(len(items) == 20 for items in catalog.articles.values())


@pytest.mark.skipif(not SEEDS_DIR.exists(), reason="the user's seed texts are not beside the repo")
def test_seed_story_lines_are_the_users_own_text():
    for article in (a for a in Catalog(per_outlet=1).all()):
        seed_text = normalise_ws((SEEDS_DIR / article.seed).read_text(encoding="utf-8"))
        for line in article.story_lines:
            assert normalise_ws(line) in seed_text


def test_volume_is_deterministic():
    a, b = Catalog(per_outlet=300), Catalog(per_outlet=300)
    assert [x.title for x in a.all()] == [x.title for x in b.all()]
    assert len(a.all()) == 1500


def test_replica_serves_robots_feeds_sitemaps_sections_articles(replica):
    status, ctype, robots = _get(replica, "www.orient-news.net", "/robots.txt")
    assert status == 200 and "Sitemap: https://www.orient-news.net/sitemap.xml" in robots
    status, ctype, feed = _get(replica, "www.anapress.net", "/rss")
    assert "rss" in ctype and "https://www.anapress.net/a/254711180498222" in feed
    _, _, index = _get(replica, "www.orient-news.net", "/sitemap.xml")
    assert "<sitemapindex" in index
    _, _, news = _get(replica, "arabic.euronews.com", "/sitemaps/ar/latest-news.xml")
    assert "<news:publication_date>" in news
    _, _, section = _get(replica, "www.zamanalwsl.net", "/news/section/1")
    assert "/news/article/85512/" in section
    status, ctype, page = _get(replica, "www.anapress.net", "/a/254711180498222")
    assert status == 200 and "text/html" in ctype
    for furniture in ("المزيد", "مشاهدة", "حجم الخط", "الأكثر قراءة", "اعلان"):
        assert furniture in page


def _raw(server, host, target):
    """One request, redirects not followed: (status, headers, body)."""
    import http.client

    conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=10)
    conn.request("GET", target, headers={"Host": host})
    resp = conn.getresponse()
    body = resp.read().decode("utf-8")
    conn.close()
    return resp.status, resp.headers, body


def test_hostile_site_modes_serve_what_they_describe():
    from replica.faults import FANOUT, LONG_URL
    from replica.server import ReplicaServer

    with ReplicaServer(per_outlet=3) as server:
        faults, host = server.replica.faults, "www.anapress.net"
        article = urlsplit(
            server.replica.sites[host].url(server.replica.sites[host].articles[1])
        ).path
        faults.set("orient", "sitemap_chain", ["/sitemap.xml"])
        _, _, index = _raw(server, "www.orient-news.net", "/sitemap.xml?level=7")
        assert (
            "<sitemapindex" in index
            and "https://www.orient-news.net/sitemap.xml?level=8</loc>" in index
        )
        faults.set("orient", "sitemap_fanout", ["/sitemap.xml"])
        _, _, index = _raw(server, "www.orient-news.net", "/sitemap.xml")
        assert index.count("<sitemap>") == FANOUT
        assert "<url>" not in _raw(server, "www.orient-news.net", "/sitemap.xml?n=5")[2]
        faults.set("anapress", "meta_refresh_offsite", [article])
        status, _, page = _raw(server, host, article)
        assert status == 200 and f'content="0; url=https://elsewhere.example{article}"' in page
        faults.set("anapress", "backslash_redirect", [article])
        status, headers, _ = _raw(server, host, article)
        assert status == 302 and headers["Location"] == f"https:\\\\elsewhere.example{article}"
        faults.set("anapress", "redirect_self", [article])
        status, headers, _ = _raw(server, host, article)
        assert status == 302 and headers["Location"] == article
        faults.set("anapress", "long_link", ["/rss", "/section/syria"])
        for path in ("/rss", "/section/syria"):
            long = [
                u
                for u in re.findall(
                    r"https://www\.anapress\.net/a/\d+", _raw(server, host, path)[2]
                )
                if len(u) > LONG_URL
            ]
            assert len(long) == 1, path


def _bytes(server, host, target):
    import http.client

    conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=10)
    conn.request("GET", target, headers={"Host": host})
    resp = conn.getresponse()
    body = resp.read()
    conn.close()
    return resp.status, resp.headers.get("Content-Type"), body


def test_pages_reference_requisites_the_replica_serves_from_the_site_and_a_cdn(replica):
    import struct

    _, _, page = _get(replica, "www.anapress.net", "/a/254711180498222")
    assert '<link rel="stylesheet" href="/assets/css/anapress.css">' in page
    assert 'srcset="/img/254711180498222-320.png 320w, /img/254711180498222.png 640w"' in page
    assert "https://www.googletagmanager.com/gtag/js" in page  # a third party's: never fetched
    status, ctype, css = _get(replica, "www.anapress.net", "/assets/css/anapress.css")
    assert status == 200 and ctype.startswith("text/css")
    assert 'src: url("/assets/fonts/anapress-kufi.woff")' in css and 'url("../img/band.png")' in css
    status, ctype, font = _bytes(replica, "www.anapress.net", "/assets/fonts/anapress-kufi.woff")
    assert (status, ctype, font[:4]) == (200, "font/woff", b"wOFF")
    for target, width in (("/img/254711180498222.png", 640), ("/img/254711180498222-320.png", 320)):
        status, ctype, png = _bytes(replica, "www.anapress.net", target)
        assert (status, ctype, png[:8]) == (200, "image/png", b"\x89PNG\r\n\x1a\n")
        assert struct.unpack(">II", png[16:24]) == (width, width * 9 // 16)
    # Euronews loads its files from its CDN host, as absolute URLs; the CDN's stylesheet uses root paths
    euronews = replica.replica.sites["arabic.euronews.com"]
    _, _, page = _get(
        replica, "arabic.euronews.com", urlsplit(euronews.url(euronews.articles[0])).path
    )
    assert 'href="https://static.euronews.com/css/euronews.css"' in page
    assert "replica" not in _get(replica, "static.euronews.com", "/robots.txt")[2]
    status, _, css = _get(replica, "static.euronews.com", "/css/euronews.css")
    assert status == 200 and 'url("/fonts/euronews-kufi.woff")' in css
    assert _bytes(replica, "static.euronews.com", "/fonts/euronews-kufi.woff")[2][:4] == b"wOFF"
    assert "static.euronews.com" in replica.host_map
    # Enab Baladi's stylesheet imports the one holding its font, by a relative URL
    _, _, css = _get(replica, "www.enabbaladi.net", "/wp-content/themes/enab/style.css")
    assert '@import url("fonts.css")' in css
    _, _, fonts = _get(replica, "www.enabbaladi.net", "/wp-content/themes/enab/fonts.css")
    assert 'url("fonts/enab-kufi.woff")' in fonts
    # the same path is the same bytes (a revisit the next day); another picture is another payload
    assert _bytes(replica, "www.anapress.net", "/img/1.png") == _bytes(
        replica, "www.anapress.net", "/img/1.png"
    )
    assert _bytes(replica, "www.anapress.net", "/img/1.png") != _bytes(
        replica, "www.anapress.net", "/img/2.png"
    )
    assert _bytes(replica, "www.anapress.net", "/assets/css/nothing.css")[0] == 404
