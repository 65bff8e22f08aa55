"""Incremental crawling across runs: the crawl state lives in the archive, so a rerun fetches only what is new."""

from __future__ import annotations

import json
import shutil
from datetime import timedelta
from urllib.parse import urlsplit

import pytest

from archive.snapshot import read_articles, read_manifest, resolve_snapshot
from archive.store import open_store
from newsarchive.config import Settings
from newsarchive.run import stages
from newsarchive.run.pipeline import run_pipeline
from newsarchive.run.runs import RunRef
from replica.catalog import OUTLETS
from replica.server import ReplicaServer
from spiders.state import load_crawl_state
from tests.conftest import RUN_DAY

pytestmark = pytest.mark.slow  # crawl subprocesses and pipeline runs

DAY2, DAY3 = RUN_DAY + timedelta(days=1), RUN_DAY + timedelta(days=2)


def _reports(store, day) -> dict[str, dict]:
    manifest = read_manifest(store, resolve_snapshot(store, day.isoformat()))
    return manifest["counts"]["outlets"]


def test_rerun_with_nothing_new_requests_only_discovery_documents(demo_run, tmp_path):
    settings, _ = demo_run
    archive = tmp_path / "archive"
    shutil.copytree(settings.archive, archive)
    # the incremental crawl alone: no revisits (issue 28's schedule fetches seen pages again)
    settings = settings.with_(archive=str(archive), revisit_days=())
    store = open_store(settings.archive)
    for outlet in OUTLETS:
        state = load_crawl_state(store, outlet)
        assert len(state.seen) == 20 and set(state.seen.values()) == {RUN_DAY.isoformat()}
        assert state.validators and state.pending == {}

    result = run_pipeline(settings, DAY2)

    assert result.failures == {}
    for outlet, report in _reports(store, DAY2).items():
        # from the crawl's own stats: not one article request, only feeds / sitemaps / section pages
        assert report["article_requests"] == 0, outlet
        assert report["requested"] == report["discovery_requests"] + report["robots_requests"], (
            outlet
        )
        assert report["not_modified"] == report["discovery_requests"], (
            outlet
        )  # conditional GET: 304s
        assert report["fetched"] == 0 and report["archived"] == 0
    ref = resolve_snapshot(store, DAY2.isoformat())
    assert read_articles(store, ref).num_rows == 0
    # and the canary says why the day is empty, outlet by outlet
    problems = read_manifest(store, ref)["counts"]["quality"]["problems"]
    assert len(problems) == 5 and all(
        "0 new articles on the day (nothing new:" in p and "discovery documents not modified" in p
        for p in problems
    )


def test_new_articles_are_the_only_ones_fetched_and_a_same_day_rerun_recaptures_its_day(
    demo_run, tmp_path
):
    """The outlets publish 3 more stories; the next day fetches exactly those. Rerunning that day (a new rev
    that supersedes it) captures that day's 3 again, and still nothing archived on other days."""
    settings, _ = demo_run
    archive = tmp_path / "archive"
    shutil.copytree(settings.archive, archive)
    store = open_store(archive)
    with ReplicaServer(per_outlet=23) as grown:
        # the incremental crawl alone: no revisits (issue 28's schedule fetches seen pages again)
        settings = settings.with_(archive=str(archive), host_map=grown.host_map, revisit_days=())
        run_pipeline(settings, DAY3)
        for outlet, report in _reports(store, DAY3).items():
            assert (report["article_requests"], report["fetched"], report["archived"]) == (
                3,
                3,
                3,
            ), outlet
            assert report["skipped"]["seen"] == 20
        first = read_articles(store, resolve_snapshot(store, DAY3.isoformat())).to_pylist()

        run_pipeline(settings, DAY3)  # e.g. the DAG run cleared and run again
        ref = resolve_snapshot(store, DAY3.isoformat())
        assert ref.rev == 2
        for outlet, report in _reports(store, DAY3).items():
            assert report["article_requests"] == 3 and report["not_modified"] == 0, outlet
        again = read_articles(store, ref).to_pylist()
    assert sorted(r["url"] for r in again) == sorted(r["url"] for r in first) and len(first) == 15
    days = sorted(load_crawl_state(store, "orient").seen.values())
    assert days == [RUN_DAY.isoformat()] * 20 + [DAY3.isoformat()] * 3


def test_failed_pages_are_retried_by_the_next_run_even_when_discovery_is_unchanged(tmp_path):
    """Nothing is lost to a bad day: pages that failed with 5xx are pending in the state and requested
    first next time, although the feed answers 304 and would not list them as new."""
    with ReplicaServer(per_outlet=20) as replica:
        site = replica.replica.sites["www.anapress.net"]
        broken = [urlsplit(site.url(a)).path for a in site.articles[1:3]]
        replica.replica.faults.set("anapress", "http_500", broken)
        settings = Settings(
            archive=str(tmp_path / "archive"),
            host_map=replica.host_map,
            scrapy_settings={"RETRY_TIMES": "0"},
        )

        # a crawl whose snapshot is never published changes nothing in the state
        stages.crawl_stage(settings, RunRef.new_cli(RUN_DAY), "anapress")
        store = open_store(settings.archive)
        assert load_crawl_state(store, "anapress").seen == {}

        run_pipeline(settings, RUN_DAY, ["anapress"])
        state = load_crawl_state(store, "anapress")
        assert sorted(urlsplit(u).path for u in state.pending) == sorted(broken)
        assert len(state.seen) == 18

        replica.replica.faults.clear()
        run_pipeline(settings, DAY2, ["anapress"])
        report = _reports(store, DAY2)["anapress"]
        assert report["retried_pending"] == 2 and report["fetched"] == 2 and report["archived"] == 2
        assert report["not_modified"] == report["discovery_requests"]
        state = load_crawl_state(store, "anapress")
        assert state.pending == {} and len(state.seen) == 20


def test_sitemap_lastmod_skips_entries_older_than_the_last_crawl(replica, tmp_path):
    """A sitemap-only outlet: entries last modified before the previous crawl (minus the margin) are not
    requested; the rest are."""
    from spiders.state import CrawlState
    from tests.spiders.test_spider import _scrapy

    registry = tmp_path / "outlets.toml"
    registry.write_text(
        '[[outlet]]\nid = "euronews"\nname = "Euronews"\nlanguage = "ar"\ndomains = ["arabic.euronews.com"]\n'
        'sitemaps = ["https://arabic.euronews.com/sitemaps/ar/latest-news.xml"]\n'
        "article_pattern = '^https?://arabic\\.euronews\\.com/\\d{4}/\\d{2}/\\d{2}/[^/?#]+$'\n",
        encoding="utf-8",
    )
    articles = replica.replica.catalog.articles["euronews"]
    last_crawl = max(a.published for a in articles)
    cutoff = last_crawl - timedelta(hours=6)
    state = tmp_path / "state.json.gz"
    state.write_bytes(
        CrawlState("euronews", crawls={"2026-11-20": last_crawl.isoformat()}).to_bytes()
    )
    r = _scrapy(
        "crawl",
        "news",
        "-a",
        "outlet=euronews",
        "-s",
        f"NEWSARCHIVE_OUTPUT_DIR={tmp_path}",
        "-s",
        f"NEWSARCHIVE_HOST_MAP={json.dumps(replica.host_map)}",
        "-s",
        f"NEWSARCHIVE_STATE_FILE={state}",
        "-s",
        "NEWSARCHIVE_RUN_DAY=2026-11-21",
        "-s",
        "NEWSARCHIVE_LASTMOD_MARGIN_HOURS=6",
        env_extra={"NEWSARCHIVE_OUTLETS": str(registry)},
    )
    assert r.returncode == 0, r.stderr[-2000:]
    report = json.loads((tmp_path / "euronews.crawl.json").read_text())
    old = sum(a.published < cutoff for a in articles)
    assert 0 < old < len(articles)
    assert report["skipped"]["lastmod"] == old
    assert report["article_requests"] == report["fetched"] == len(articles) - old
