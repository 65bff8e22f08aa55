"""The living replica: each simulated day brings new articles, revisions and syndicated copies."""

from __future__ import annotations

import urllib.request
from datetime import date, timedelta

import pytest

from replica.catalog import OUTLETS, Catalog
from replica.days import HISTORY_DAYS, RATES, SYNDICATION, articles_on, count_on
from replica.server import ReplicaServer

DAY = date(2026, 11, 23)


def test_a_day_is_deterministic_and_new_articles_come_every_day():
    assert [a.title for a in articles_on("orient", DAY)] == [
        a.title for a in articles_on("orient", DAY)
    ]
    for outlet in OUTLETS:
        today = {a.key for a in articles_on(outlet, DAY)}
        tomorrow = {a.key for a in articles_on(outlet, DAY + timedelta(days=1))}
        new = tomorrow - today
        assert len(new) == count_on(outlet, DAY + timedelta(days=1)) + sum(
            1 for r, _, _ in SYNDICATION if r == outlet
        )
        assert today - tomorrow, f"{outlet}: the oldest day leaves the listing"


def test_rates_are_outlet_specific_and_fridays_quieter():
    week = [DAY + timedelta(days=k) for k in range(7)]
    totals = {o: sum(count_on(o, d) for d in week) for o in OUTLETS}
    assert totals["euronews"] > totals["orient"] > totals["zamanalwsl"]
    friday = next(d for d in week if d.weekday() == 4)
    assert count_on("anapress", friday) < RATES["anapress"]


def test_a_revision_keeps_its_canonical_url_and_a_syndicated_copy_its_text():
    catalog = Catalog(day=DAY)
    revised = [a for a in catalog.articles["orient"] if "first_title" in a.extra]
    assert len(revised) == HISTORY_DAYS - 1
    copy = next(a for a in catalog.articles["enabbaladi"] if "syndicated_from" in a.extra)
    source = next(
        a
        for a in catalog.articles["euronews"]
        if f"euronews:{a.key}" == copy.extra["syndicated_from"]
    )
    assert copy.blocks == source.blocks and copy.key != source.key


def _get(port: int, host: str, path: str, day: str | None = None) -> str:
    headers = {"Host": host} | ({"X-Replica-Day": day} if day else {})
    req = urllib.request.Request(f"http://127.0.0.1:{port}{path}", headers=headers)
    with urllib.request.urlopen(req) as resp:
        return resp.read().decode("utf-8")


def test_the_server_plays_the_day_a_request_names():
    with ReplicaServer(living=True, day=DAY) as server:
        site = server.replica.world(DAY).sites["www.anapress.net"]
        first = site.url(site.articles[0])
        feed_default = _get(server.port, "www.anapress.net", "/rss")
        feed_next = _get(
            server.port, "www.anapress.net", "/rss", (DAY + timedelta(days=1)).isoformat()
        )
        assert first in feed_default and feed_next != feed_default
        assert _get(server.port, "www.anapress.net", "/rss", "not-a-date") == feed_default
        orient = server.replica.world(DAY).sites["www.orient-news.net"]
        revised = next(a for a in orient.articles if "first_title" in a.extra)
        old_path = orient.first_url(revised).split("orient-news.net", 1)[1]
        page = _get(server.port, "www.orient-news.net", old_path)
        assert "محدّث" in page and f'rel="canonical" href="{orient.first_url(revised)}"' in page


@pytest.mark.slow  # two pipeline runs (scrapy crawl processes)
def test_two_consecutive_days_through_the_pipeline(tmp_path):
    from archive.snapshot import read_articles, read_manifest, resolve_snapshot
    from archive.store import open_store
    from newsarchive.config import Settings
    from newsarchive.run.pipeline import run_pipeline

    with ReplicaServer(living=True) as server:
        # the incremental crawl alone: no revisits (issue 28's schedule fetches seen pages again)
        settings = Settings(
            archive=str(tmp_path / "archive"), host_map=server.host_map, revisit_days=()
        )
        first = run_pipeline(settings, DAY)
        second = run_pipeline(settings, DAY + timedelta(days=1))
    assert first.failures == {} and second.failures == {}
    store = open_store(settings.archive)
    day2 = resolve_snapshot(store, (DAY + timedelta(days=1)).isoformat())
    manifest = read_manifest(store, day2)
    outlets = manifest["counts"]["outlets"]
    for outlet in OUTLETS:  # every outlet has new articles on the second day, none of day 1's again
        assert outlets[outlet]["new"] > 0, (
            outlet
        )  # (generated stories share paragraphs: a few are near-dups)
        assert outlets[outlet]["fetched"] <= count_on(outlet, DAY + timedelta(days=1)) + 2, outlet
        assert outlets[outlet]["skipped"].get("seen", 0) > 0, outlet
    rows = read_articles(store, day2).to_pylist()
    revisions = [r for r in rows if r["revision_of"]]
    assert revisions and all(r["outlet"] == "orient" for r in revisions)
    assert all(
        r["reason"] == "revision" and not r["duplicate_of"] for r in revisions
    )  # kept as an original
    by_id = {r["id"]: r for r in rows}
    cross = [
        r
        for r in rows
        if r["duplicate_of"] in by_id and by_id[r["duplicate_of"]]["outlet"] != r["outlet"]
    ]
    pairs = {frozenset((r["outlet"], by_id[r["duplicate_of"]]["outlet"])) for r in cross}
    assert {frozenset(("enabbaladi", "euronews")), frozenset(("zamanalwsl", "anapress"))} <= pairs
    assert outlets["orient"]["revisions"] >= 1
