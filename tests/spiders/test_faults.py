"""What real news sites do to crawlers, served by the replica's fault modes (replica/faults.py).

For every fault: the run completes, the other outlets are unaffected, the outlet's coverage report counts
the failure by reason, and nothing archived before is touched.
"""

from __future__ import annotations

import gzip
import hashlib
from collections import Counter
from datetime import timedelta
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from archive.snapshot import read_articles, read_manifest, resolve_snapshot
from archive.store import open_store
from archive.verify import verify_snapshot
from newsarchive.config import Settings
from newsarchive.run.pipeline import run_pipeline
from replica.faults import MODES
from replica.server import ReplicaServer
from spiders.state import load_crawl_state
from tests.conftest import RUN_DAY, normalise_ws

pytestmark = pytest.mark.slow  # pipeline runs over the replica

DAY2 = RUN_DAY + timedelta(days=1)
# fault mode -> the reason the coverage report counts, or None when the page must still be archived
ARTICLE_FAULTS = {
    "http_500": "http_500",
    "http_503": "http_503",
    "http_429": "http_429",
    "retry_after_once": None,
    "timeout": "timeout",
    "slow": None,
    "reset": "connection_lost",
    "truncated": "truncated",
    "redirect_loop": "redirect_loop",
    "offsite_redirect": "offsite_redirect",
    "robots_disallow": "robots_forbidden",
    "gzip_bomb": "too_large",
    "oversized": "too_large",
    "charset_wrong": None,
    "charset_missing": None,
    "iso8859_6": None,
    "iso8859_6_mislabelled": None,
    "iso8859_6_undeclared": None,
    "not_html": "not_html",
}
TRANSIENT = {"http_500", "http_503", "http_429", "timeout", "reset", "truncated"}
LIMITS = {
    "DOWNLOAD_TIMEOUT": "4",
    "RETRY_TIMES": "1",
    "DOWNLOAD_MAXSIZE": str(4 * 1024 * 1024),
    "DOWNLOAD_WARNSIZE": str(2 * 1024 * 1024),
}


def _tree_digest(root: Path) -> dict[str, str]:
    return {
        str(p.relative_to(root)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(root.rglob("*"))
        if p.is_file()
    }


def test_every_article_fault_is_counted_by_reason_and_nothing_archived_is_touched(tmp_path):
    archive = tmp_path / "archive"
    with ReplicaServer(per_outlet=20) as day1_replica:
        run_pipeline(
            Settings(archive=str(archive), host_map=day1_replica.host_map),
            RUN_DAY,
            ["anapress", "orient"],
        )
    store = open_store(archive)
    day1 = resolve_snapshot(store, RUN_DAY.isoformat())
    before = _tree_digest(archive / day1.prefix)

    with ReplicaServer(
        per_outlet=40
    ) as replica:  # 20 new stories per outlet; 19 of anapress's are faulty
        site = replica.replica.sites["www.anapress.net"]
        new = site.articles[20:]
        path_of = {
            mode: urlsplit(site.url(a)).path for mode, a in zip(ARTICLE_FAULTS, new, strict=False)
        }
        for mode, path in path_of.items():
            replica.replica.faults.set("anapress", mode, [path])
        settings = Settings(archive=str(archive), host_map=replica.host_map, scrapy_settings=LIMITS)
        result = run_pipeline(settings, DAY2, ["anapress", "orient"])
        log = list(replica.replica.requests)

    assert result.failures == {}
    outlets = read_manifest(store, resolve_snapshot(store, DAY2.isoformat()))["counts"]["outlets"]
    anapress, orient = outlets["anapress"], outlets["orient"]
    expected = Counter(r for r in ARTICLE_FAULTS.values() if r)
    assert anapress["failed"] == dict(expected)
    assert anapress["robots_forbidden"] == 1
    recovered = sum(r is None for r in ARTICLE_FAULTS.values())
    assert anapress["fetched"] == len(new) - len(ARTICLE_FAULTS) + recovered
    assert anapress["archived"] == anapress["fetched"]
    assert anapress["retry_after"]["waited"] >= 1
    # the other outlet is unaffected
    assert (orient["fetched"], orient["failed"], orient["archived"]) == (20, {}, 20)
    # what was archived the day before is exactly as it was
    assert _tree_digest(archive / day1.prefix) == before and verify_snapshot(store, day1) == []

    # Retry-After: 2 was honoured: the retry came no sooner than 2 s after the 429
    times = [t for t, _, target in log if target == path_of["retry_after_once"]]
    assert len(times) == 2 and times[1] - times[0] >= 1.9
    # a disallowed page is never requested; an offsite redirect is never followed
    assert not any(target == path_of["robots_disallow"] for _, _, target in log)
    # pages in windows-1256 or ISO-8859-6, with a right, wrong or missing charset, decode to the right
    # text and title
    rows = {
        urlsplit(r["url"]).path: r
        for r in read_articles(store, resolve_snapshot(store, DAY2.isoformat())).to_pylist()
    }
    for mode in (
        "charset_wrong",
        "charset_missing",
        "iso8859_6",
        "iso8859_6_mislabelled",
        "iso8859_6_undeclared",
        "slow",
        "retry_after_once",
    ):
        article = new[list(ARTICLE_FAULTS).index(mode)]
        assert rows[path_of[mode]]["title"] == article.title, mode
        for line in article.story_lines:
            assert normalise_ws(line) in normalise_ws(rows[path_of[mode]]["text"]), mode
    # transient failures are pending for the next run; permanent ones are not retried
    state = load_crawl_state(store, "anapress")
    assert sorted(urlsplit(u).path for u in state.pending) == sorted(path_of[m] for m in TRANSIENT)
    permanent = {m for m, r in ARTICLE_FAULTS.items() if r and m not in TRANSIENT}
    assert sorted(urlsplit(u).path for u in state.gave_up) == sorted(path_of[m] for m in permanent)


def test_discovery_faults_and_an_outlet_that_is_down(tmp_path):
    """A hostile feed (external entity, entity bomb) is refused, a broken sitemap is salvaged, section pages
    still find every story; an outlet answering 500 to everything fails alone, named, and is a gap."""
    with ReplicaServer(per_outlet=20) as replica:
        replica.replica.faults.set("anapress", "hostile_xml", ["/rss"])
        replica.replica.faults.set("orient", "malformed_xml", ["/sitemaps/news-1.xml"])
        replica.replica.faults.set("euronews", "http_500")
        settings = Settings(
            archive=str(tmp_path / "archive"),
            host_map=replica.host_map,
            scrapy_settings={"RETRY_TIMES": "0"},
        )
        result = run_pipeline(settings, RUN_DAY, ["anapress", "orient", "euronews"])

    assert list(result.failures) == ["euronews"]
    assert (
        "outlet euronews" in result.failures["euronews"]
        and "http_500" in result.failures["euronews"]
    )
    store = open_store(settings.archive)
    ref = resolve_snapshot(store, RUN_DAY.isoformat())
    outlets = read_manifest(store, ref)["counts"]["outlets"]
    assert outlets["euronews"]["status"] == "gap" and outlets["euronews"]["gap_stage"] == "crawl"
    assert (
        outlets["euronews"]["gap_reason"] == "http_500"
        and "every discovery URL failed" in outlets["euronews"]["gap"]
    )
    assert outlets["anapress"]["discovery_failed"] == {"hostile_xml": 1}
    assert outlets["orient"]["discovery_failed"] == {"malformed_xml": 1}
    assert outlets["anapress"]["fetched"] == outlets["orient"]["fetched"] == 20
    assert verify_snapshot(store, ref) == []
    for warc in (Path(settings.archive) / ref.prefix / "warc").glob("*.warc.gz"):
        assert b"root:x:0:0" not in gzip.decompress(
            warc.read_bytes()
        )  # no external entity was resolved


def test_every_fault_mode_is_exercised_by_a_test():
    from tests.spiders.test_drops import DROPS

    discovery = {"hostile_xml", "malformed_xml"}
    limits = {"sitemap_chain", "sitemap_fanout"}  # tests/spiders/test_limits.py
    dropped = set(DROPS) | {"long_link"}  # tests/spiders/test_drops.py
    keys = {"hostile_lang"}  # tests/newsarchive/test_damaged.py
    rules = {"new_furniture"}  # tests/newsarchive/reextract/test_day.py
    evidence = {"moved"}  # tests/spiders/test_capture.py
    costly = {"slow_extract", "memory_hog"}  # tests/newsarchive/run/test_extraction_bounds.py
    assert set(MODES) == (
        set(ARTICLE_FAULTS) | discovery | limits | dropped | keys | rules | costly | evidence
    )


def test_unknown_fault_mode_is_a_clear_error():
    from replica.faults import Faults

    with pytest.raises(ValueError, match="unknown fault mode 'nonsense'; choose one of"):
        Faults().set("anapress", "nonsense")
