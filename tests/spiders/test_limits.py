"""Every limit holds where requests are made, and the coverage report says what it stopped."""

from __future__ import annotations

from urllib.parse import urlsplit

import pytest

from replica.faults import FANOUT
from replica.server import ReplicaServer
from spiders.state import CrawlState
from tests.spiders.runs import crawl

pytestmark = pytest.mark.slow  # crawl subprocesses


def _requested(server, host: str, path: str) -> list[str]:
    return [t for _, h, t in server.replica.requests if h == host and urlsplit(t).path == path]


def test_a_deep_sitemap_index_chain_stops_at_the_depth_limit_and_is_reported(tmp_path):
    with ReplicaServer(per_outlet=20) as server:
        server.replica.faults.set(
            "orient", "sitemap_chain", ["/sitemap.xml"]
        )  # endless; 300 levels were followed
        report, _ = crawl(server, "orient", tmp_path, NEWSARCHIVE_MAX_SITEMAP_DEPTH="3")
        chain = _requested(server, "www.orient-news.net", "/sitemap.xml")
    assert len(chain) == 4  # the registry's sitemap and 3 nested indexes
    assert report.truncated_discovery == {"sitemap_depth": 1}
    assert report.fetched == 20  # the section page still finds every story


def test_discovery_documents_stop_at_the_per_crawl_limit_and_are_reported(tmp_path):
    with ReplicaServer(per_outlet=20) as server:
        server.replica.faults.set("orient", "sitemap_fanout", ["/sitemap.xml"])
        report, _ = crawl(server, "orient", tmp_path, NEWSARCHIVE_MAX_DISCOVERY_DOCUMENTS="30")
        fetched_children = [
            t for t in _requested(server, "www.orient-news.net", "/sitemap.xml") if "?n=" in t
        ]
    # the registry's sitemap, feed and section page, then 27 of the index's sitemaps
    assert report.discovery_requests == 30 and len(fetched_children) == 27
    assert report.truncated_discovery == {"discovery_documents": FANOUT - 27}


def test_section_pagination_beyond_the_limit_is_reported_as_truncated_discovery(tmp_path):
    with ReplicaServer(per_outlet=120) as server:  # 3 section pages of 40 stories
        report, _ = crawl(server, "zamanalwsl", tmp_path, NEWSARCHIVE_MAX_SECTION_PAGES="2")
    assert report.truncated_discovery == {"section_pages": 1}
    assert report.discovered == report.fetched == 80


def test_the_page_cap_covers_pending_retries_and_the_rest_stay_pending(tmp_path):
    """cap 10 with 50 pending: 10 fetched, 40 still pending with the attempts they had."""
    with ReplicaServer(per_outlet=50) as server:
        site = server.replica.sites["www.anapress.net"]
        pending = {site.url(a): 2 for a in site.articles}
        report, run = crawl(
            server,
            "anapress",
            tmp_path,
            CrawlState("anapress", pending=pending),
            NEWSARCHIVE_MAX_ARTICLES="10",
        )
        articles = [t for _, h, t in server.replica.requests if t.startswith("/a/")]
    assert report.retried_pending == report.article_requests == report.fetched == 10
    assert len(articles) == 10
    assert report.skipped["page_cap"] == 40 and report.pending == 40
    assert set(run.pending) | {u for u in pending if any(u.endswith(t) for t in articles)} == set(
        pending
    )
    assert set(run.pending.values()) == {2}  # not counted as attempts
