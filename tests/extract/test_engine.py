"""Golden tests on the replica outlets: every story line kept, no furniture, metadata exact."""

import gzip

import pytest

from common.errors import ExtractionError
from extract.engine import ArticleExtractor, OutletContext
from outlets.model import CleanupRules
from outlets.registry import load_registry
from replica.catalog import furniture_lines
from replica.server import Replica
from tests.conftest import FURNITURE_LINE, normalise_ws

REPLICA = Replica(per_outlet=12)
SITES = {s.outlet: s for s in REPLICA.sites.values()}


def _cases():
    for outlet, site in SITES.items():
        for article in site.articles:
            yield pytest.param(outlet, article, id=f"{outlet}-{article.index}")


def _expected_date(site, article) -> tuple[str, str]:
    """What the page says: its JSON-LD; else the date line it prints (in the outlet's local time, with
    the time of day when it prints one); else the date in its URL."""
    if site.structured_date(article):
        return article.published.isoformat(), "jsonld"
    if site.date_line(article):
        local = site.local_published(article)
        return (local.isoformat() if site.date_line_has_time else local.date().isoformat()), "text"
    return f"{article.published:%Y-%m-%d}", "url"


def test_replica_sites_print_times_in_the_registry_time_zone():
    registry = load_registry()
    assert {o: s.timezone for o, s in SITES.items()} == {o: registry.get(o).timezone for o in SITES}


def test_every_date_source_is_exercised():
    sources = {_expected_date(site, a)[1] for site in SITES.values() for a in site.articles}
    assert sources == {"jsonld", "text", "url"}


@pytest.mark.parametrize("outlet_id, article", list(_cases()))
def test_story_kept_furniture_gone_metadata_exact(outlet_id, article):
    outlet = load_registry().get(outlet_id)
    site = SITES[outlet_id]
    html = site.article_html(article).encode("utf-8")
    result = ArticleExtractor(OutletContext.for_outlet(outlet)).extract(
        html, site.url(article), "text/html; charset=utf-8"
    )
    lines = [normalise_ws(x) for x in result.text.split("\n")]
    for line in article.story_lines:
        assert normalise_ws(line) in lines, f"story line lost: {line[:60]}"
    furniture = {
        normalise_ws(x)
        for x in furniture_lines(REPLICA.catalog, article) + [site.date_line(article) or ""]
    }
    assert not [x for x in lines if x in furniture], "furniture line kept"
    assert not [x for x in lines if FURNITURE_LINE.match(x)], "furniture label kept"
    assert result.title == article.title
    assert result.author == article.author
    assert (result.published, result.date_source) == _expected_date(site, article)
    assert result.modified == (article.modified.isoformat() if article.modified else None)
    assert result.language == "ar"
    assert result.outlet == outlet_id
    assert result.canonical_url == site.url(article)


@pytest.mark.parametrize("outlet_id", sorted(SITES))
def test_generic_backstop_works_without_outlet_rules(outlet_id):
    """With no selectors and no extra labels (an outlet nobody wrote rules for), the Arabic furniture
    is still recognised by its words: every story line kept, no furniture line, on every article."""
    site = SITES[outlet_id]
    extractor = ArticleExtractor(OutletContext(timezone=site.timezone, language="ar"))
    for article in site.articles:
        result = extractor.extract(site.article_html(article).encode(), site.url(article))
        lines = [normalise_ws(x) for x in result.text.split("\n")]
        furniture = {
            normalise_ws(x)
            for x in furniture_lines(REPLICA.catalog, article) + [site.date_line(article) or ""]
        }
        assert all(normalise_ws(x) in lines for x in article.story_lines), article.index
        assert not [x for x in lines if x in furniture or FURNITURE_LINE.match(x)], article.index


@pytest.mark.parametrize(
    "body, reason",
    [
        (b"", "empty"),
        (b"   \n ", "empty"),
        (b"\x00\x01\x02PNG\x00" * 50, "binary"),
        (b"just some words, no markup at all", "not-html"),
        (gzip.compress(b"x" * 100, mtime=0), "binary"),
        (b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj<<>>endobj\n%%EOF\n", "not-html"),
        (
            b"<!DOCTYPE html><html><head><title>t</title></head><body><p>" + "كلمة ".encode() * 400,
            "truncated",
        ),
        (b"<html><body>" + b"<p>x</p>" * (1024 * 1024 + 1) + b"</body></html>", "oversized"),
    ],
)
def test_bad_documents_give_a_reason(body, reason):
    with pytest.raises(ExtractionError) as err:
        ArticleExtractor().extract(body, "https://example.org/x")
    assert err.value.reason == reason


def test_section_page_says_it_has_no_article():
    site = SITES["zamanalwsl"]
    with pytest.raises(ExtractionError) as err:
        ArticleExtractor().extract(
            site.section(1).encode(), "https://www.zamanalwsl.net/news/section/1"
        )
    assert err.value.reason == "no-article"


def test_windows_1256_page_without_charset_header_decodes():
    site = SITES["orient"]
    article = site.articles[0]
    html = site.article_html(article).replace('<meta charset="utf-8">', "")
    result = ArticleExtractor().extract(
        html.encode("cp1256", errors="replace"), site.url(article), "text/html"
    )
    assert normalise_ws(article.story_lines[0]) in [
        normalise_ws(x) for x in result.text.split("\n")
    ]


def test_outlet_labels_and_selectors_from_the_registry_remove_what_the_generic_rules_do_not_know():
    site = SITES["zamanalwsl"]
    article = site.articles[1]
    extra = (
        '<div class="app-box"><p>حمّل تطبيق زمان الوصل</p><p>تابع آخر أخبار سوريا لحظة بلحظة على هاتفك</p></div>'
        '<p class="promo">مساحة إعلانية للرعاة الكرام هنا</p>'
    )
    html = (
        site.article_html(article).replace("<p>اقرأ أيضاً:", extra + "<p>اقرأ أيضاً:").encode()
    )  # inside the story
    generic = ArticleExtractor(OutletContext()).extract(html, site.url(article)).text
    assert "لحظة بلحظة على هاتفك" in generic and "مساحة إعلانية للرعاة الكرام هنا" in generic
    rules = CleanupRules(prune=(".promo",), labels=("حمل تطبيق زمان الوصل",))
    text = ArticleExtractor(OutletContext(rules=rules)).extract(html, site.url(article)).text
    assert "لحظة بلحظة" not in text and "حمّل تطبيق" not in text and "مساحة إعلانية" not in text
    assert all(normalise_ws(x) in normalise_ws(text) for x in article.story_lines)
