"""outlets/model.py: what an outlet allows (its domains and their subdomains; requisites also from the CDN
hosts it lists, each exactly), which URLs are its articles (RE2, linear), its soft-404 template, its
status; a registry's outlets by id, an unknown id named with the known ones."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from common.errors import UnknownOutletError
from outlets.model import Outlet, Registry

OUTLET = Outlet(
    "orient",
    "Orient News",
    "ar",
    "Asia/Damascus",
    ("orient-news.net",),
    r"https://www\.orient-news\.net/ar/news/\d+",
    feeds=("https://www.orient-news.net/rss",),
    sections=("https://www.orient-news.net/ar/news",),
    not_found=("الصفحة غير موجودة",),
    cdns=("cdn.example-cdn.com",),
)
PAUSED = Outlet(
    "zaman",
    "Zaman",
    "ar",
    "UTC",
    ("zamanalwsl.net",),
    "x",
    status="paused",
    status_since=date(2026, 11, 1),
    status_reason="site rebuilt",
)


def test_an_outlet_allows_its_domains_and_subdomains_and_requisites_from_its_cdns():
    assert OUTLET.allows("https://www.orient-news.net/ar/news/1")
    assert OUTLET.allows("https://ORIENT-NEWS.NET./x") and OUTLET.allows_host("m.orient-news.net")
    assert not OUTLET.allows("https://evil-orient-news.net/") and not OUTLET.allows("mailto:x")
    assert not OUTLET.allows("https://orient-news.net.evil.com/")
    assert OUTLET.serves_requisites("cdn.example-cdn.com") and OUTLET.serves_requisites(
        "orient-news.net"
    )
    assert not OUTLET.serves_requisites("other.example-cdn.com")  # the CDN's other customers
    assert OUTLET.discovery_urls == OUTLET.feeds + OUTLET.sections


def test_articles_templates_and_status():
    assert OUTLET.is_article("https://www.orient-news.net/ar/news/123")
    assert not OUTLET.is_article("https://www.orient-news.net/ar/about")
    assert OUTLET.is_not_found("<h1>الصفحة غير موجودة</h1>") and not OUTLET.is_not_found(
        "<p>خبر</p>"
    )
    assert OUTLET.active and OUTLET.describe_status() == "active"
    assert not PAUSED.active and PAUSED.describe_status() == "paused since 2026-11-01: site rebuilt"


def test_a_registry_gives_outlets_by_id_and_names_an_unknown_one():
    registry = Registry(Path("outlets.toml"), (OUTLET, PAUSED))
    assert registry.ids == ["orient", "zaman"] and registry.active_ids == ["orient"]
    assert registry.get("zaman") is PAUSED and registry.select(None) == [OUTLET, PAUSED]
    assert registry.select(["zaman"]) == [PAUSED]
    with pytest.raises(UnknownOutletError) as caught:
        registry.select(["orient", "nope"])
    assert "unknown outlet 'nope'; known outlets: orient, zaman" in str(caught.value)
