"""Captures as evidence, in real crawls of the replica: each article page with its requisites (within
budgets, from the outlet's domains and the CDN it lists, each payload stored once across pages and
days), every redirect hop and error answer kept, and an outlet that is down published with the records
its gap names (through the CLI an archivist uses)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import zipfile
from datetime import timedelta
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from warcio.archiveiterator import ArchiveIterator

from archive.capture_index import index_source, read_index
from archive.readers import load_articles
from archive.snapshot import read_manifest, resolve_snapshot
from archive.store import open_store
from archive.verify import verify_snapshot
from archive.warc_read import iter_captures
from newsarchive.config import Settings
from newsarchive.run.crawl import run_crawl
from newsarchive.run.pipeline import run_pipeline
from outlets.registry import load_registry
from replica.server import ReplicaServer
from spiders.settings import CONCURRENT_REQUESTS_PER_DOMAIN
from spiders.warc import capture_paths
from tests.conftest import ROOT, RUN_DAY
from tests.spiders.runs import FAST, crawl, crawl_days

pytestmark = pytest.mark.slow  # crawl subprocesses, pipeline runs, CLI subprocesses
SHARED = {  # what every anapress page loads: its stylesheet, the font and picture the CSS names, ...
    "/assets/css/anapress.css",
    "/assets/fonts/anapress-kufi.woff",
    "/assets/img/band.png",
    "/assets/js/anapress.js",
    "/favicon.png",
}


def _records(warc: Path) -> list[tuple[str, str, str, str | None]]:
    """(type, status, URL, WARC-Refers-To) of each response and revisit record."""
    out = []
    with warc.open("rb") as fh:
        for r in ArchiveIterator(fh):
            if r.rec_type in ("response", "revisit"):
                h = r.rec_headers
                out.append(
                    (
                        r.rec_type,
                        r.http_headers.get_statuscode(),
                        h.get_header("WARC-Target-URI"),
                        h.get_header("WARC-Refers-To"),
                    )
                )
    return out


def test_requisites_come_with_each_page_once_per_crawl_and_as_revisits_the_next_day(tmp_path):
    with ReplicaServer(living=True) as server:
        reports, state = crawl_days(server, "anapress", tmp_path, 2)
    day1, day2 = (r.to_dict() for r in reports)
    warc1 = capture_paths(tmp_path / "day0", "anapress").warc
    warc2 = capture_paths(tmp_path / "day1", "anapress").warc
    for report, warc in ((day1, warc1), (day2, warc2)):
        pages = report["fetched"]
        requisites = report["requisites"]
        # the files every page shares are fetched once; each page's own picture in two sizes (srcset)
        assert requisites["requested"] == requisites["fetched"] == len(SHARED) + 2 * pages
        # the stylesheet, script and favicon each page names again (the font and band: the CSS's)
        assert requisites["shared"] == 3 * (pages - 1)
        assert requisites["skipped"] == {"offsite": pages}  # the tag manager of another company
        assert requisites["failed"] == {}
        unresolved: list = []  # the next day's revisits: their originals are in the first day's WARC
        captures = list(iter_captures(warc, None, unresolved, kinds=frozenset({"requisite"})))
        assert len(captures) + len(unresolved) == requisites["fetched"]
        assert all(c.status == 200 and c.via for c in captures)
    # the next day, the same stylesheet, font, pictures and script are revisits of the first day's
    # records (the crawl state names them); nothing of them is stored twice
    first = {url: rid for kind, _, url, rid in _records(warc1) if kind == "response"}
    ids = {
        h.get_header("WARC-Target-URI"): h.get_header("WARC-Record-ID")
        for h in (r.rec_headers for r in ArchiveIterator(warc1.open("rb")))
        if h.get_header("WARC-Type") == "response"
    }
    revisits = [(url, refers) for kind, _, url, refers in _records(warc2) if kind == "revisit"]
    assert day2["requisites"]["revisits"] == len(SHARED) == len(revisits)
    assert {urlsplit(url).path for url, _ in revisits} == SHARED
    assert all(refers == ids[url] for url, refers in revisits) and first
    assert {e[3] for e in state.requisites.values()} == {
        RUN_DAY.isoformat(),
        (RUN_DAY + timedelta(1)).isoformat(),
    }


def test_budgets_hold_and_are_reported_and_an_outlet_can_go_without(tmp_path):
    with ReplicaServer(per_outlet=20) as server:
        report, _ = crawl(
            server,
            "anapress",
            tmp_path / "budget",
            NEWSARCHIVE_REQUISITES_PER_PAGE="3",
            NEWSARCHIVE_REQUISITE_MIB_PER_RUN="0.1",
        )
        log = (tmp_path / "budget" / "crawl.log").read_text(encoding="utf-8")
        registry = tmp_path / "outlets.toml"
        registry.write_text(
            (ROOT / "outlets.toml")
            .read_text(encoding="utf-8")
            .replace('id = "anapress"\n', 'id = "anapress"\nrequisites = false\n'),
            encoding="utf-8",
        )
        settings = Settings(
            archive=str(tmp_path / "a"), host_map=server.host_map, scrapy_settings=FAST
        )
        off = run_crawl(
            settings, load_registry(registry), "anapress", tmp_path / "off", None, RUN_DAY
        )
    report, off = report.to_dict(), off.to_dict()
    requisites = report["requisites"]
    skipped = requisites["skipped"]
    assert skipped.get("budget_page_count", 0) > 0 and skipped.get("budget_run_bytes", 0) > 0
    # 20 pages' pictures weigh 1.2 MB; past the budget only the requests already downloading arrive
    # (at most the per-domain concurrency, each no larger than the room left)
    assert requisites["bytes"] <= 0.1 * 1024 * 1024 + CONCURRENT_REQUESTS_PER_DOMAIN * 64 * 1024
    assert "the requisite budget budget_run_bytes is reached at" in log
    assert off["requisites"]["requested"] == 0 and off["fetched"] == 20
    kinds = {c.kind for c in iter_captures(capture_paths(tmp_path / "off", "anapress").warc)}
    assert kinds == {"robots", "discovery", "article"}


def test_a_cdn_listed_by_the_outlet_serves_its_requisites_and_its_robots_txt_is_kept(tmp_path):
    with ReplicaServer(per_outlet=3) as server:
        report = crawl(server, "euronews", tmp_path)[0].to_dict()
    hosts = {
        (c.kind, urlsplit(c.url).hostname)
        for c in iter_captures(capture_paths(tmp_path, "euronews").warc)
    }
    assert ("requisite", "static.euronews.com") in hosts and (
        "robots",
        "static.euronews.com",
    ) in hosts
    assert report["requisites"]["failed"] == {} and report["requisites"]["fetched"] == 5 + 2 * 3


def test_each_redirect_hop_and_each_retried_error_is_a_record_of_its_own(tmp_path):
    with ReplicaServer(per_outlet=4) as server:
        site = server.replica.sites["www.anapress.net"]
        article = urlsplit(site.url(site.articles[1])).path
        broken = urlsplit(site.url(site.articles[2])).path
        server.replica.faults.set("anapress", "moved", ["/rss", article])
        server.replica.faults.set("anapress", "http_503", [broken])
        report = crawl(server, "anapress", tmp_path, RETRY_TIMES="1")[0].to_dict()
    records = [
        (s, urlsplit(u).path + ("?" + urlsplit(u).query if urlsplit(u).query else ""))
        for _, s, u, _ in _records(capture_paths(tmp_path, "anapress").warc)
    ]
    for path in ("/rss", article):
        assert ("301", path) in records and ("302", path + "?moved=1") in records
        assert ("200", path + "?moved=2") in records
    assert records.count(("503", broken)) == 2  # the first answer and the retry's
    assert report["records"]["301"] == report["records"]["302"] == 2
    assert report["records"]["503"] == 2 and report["failed"] == {"http_503": 1}
    named = [(e["status"], urlsplit(e["url"]).path, e["kind"]) for e in report["evidence"]]
    assert named == [
        (200, "/robots.txt", "robots"),
        (503, broken, "article"),
        (503, broken, "article"),
    ]


def test_an_outlet_that_is_down_is_published_with_the_answers_its_gap_names(tmp_path):
    archive = tmp_path / "archive"
    with ReplicaServer(per_outlet=5) as server:
        server.replica.faults.set("euronews", "http_500")
        settings = Settings(
            archive=str(archive), host_map=server.host_map, scrapy_settings={"RETRY_TIMES": "1"}
        )
        result = run_pipeline(settings, RUN_DAY, ["anapress", "euronews"])
    assert list(result.failures) == ["euronews"]
    store = open_store(archive)
    ref = resolve_snapshot(store, RUN_DAY.isoformat())
    manifest = read_manifest(store, ref)
    euronews = manifest["counts"]["outlets"]["euronews"]
    assert euronews["status"] == "gap" and euronews["gap_reason"] == "http_500"
    assert f"{ref.prefix}warc/euronews.warc.gz" in {f["key"] for f in manifest["files"]}
    # the gap names the records that prove the outage: robots.txt, feed and sitemaps, each tried twice
    index = [
        json.loads(line.split(b" ", 2)[2])
        for line in read_index(store, index_source(store, ref)).splitlines()
    ]
    by_id = {e["record_id"]: e for e in index if e["filename"] == "warc/euronews.warc.gz"}
    assert sorted(by_id) == sorted(euronews["gap_records"]) and len(by_id) == 2 * 4
    assert {e["status"] for e in by_id.values()} == {"500"}
    assert verify_snapshot(store, ref) == []
    # an archivist finds them by URL, with their status, and packages them
    env = {**os.environ, "XDG_CACHE_HOME": str(tmp_path / "cache")}

    def cli(*args):
        return subprocess.run(
            [sys.executable, "-m", "newsarchive.cli.main", *args, "--archive", str(archive)],
            capture_output=True, text=True, timeout=300, env=env,
        )  # fmt: skip

    found = cli("captures", "https://arabic.euronews.com/rss", "--json")
    assert found.returncode == 0, found.stderr
    captures = [json.loads(line) for line in found.stdout.splitlines()]
    assert [(c["status"], c["snapshot"]) for c in captures] == [("500", f"{RUN_DAY} rev 1")] * 2
    assert {c["record_id"] for c in captures} <= set(euronews["gap_records"])
    got = cli(
        "snapshots",
        "get",
        RUN_DAY.isoformat(),
        "--format",
        "wacz",
        "--outlet",
        "euronews",
        "--dest",
        str(tmp_path / "w"),
    )
    assert got.returncode == 0, got.stderr
    from wacz.main import main as wacz_main

    (package,) = (tmp_path / "w").glob("*.wacz")
    assert wacz_main(["validate", "-f", str(package)]) == 0
    with zipfile.ZipFile(package) as z:
        assert len(z.read("indexes/index.cdxj").splitlines()) == 2 * 4


def test_captures_follow_a_revised_story_to_its_new_slug_and_from_a_host_variant(tmp_path):
    """Orient revises yesterday's first story under a new slug (the living replica): `captures` of
    either URL, or of the first one on the `m.` host, lists both captures, the revision named."""
    archive = tmp_path / "archive"
    with ReplicaServer(living=True) as server:
        settings = Settings(
            archive=str(archive),
            host_map=server.host_map,
            scrapy_settings={**FAST, "NEWSARCHIVE_REQUISITES_PER_PAGE": "0"},
        )
        for n in range(2):
            run_pipeline(settings, RUN_DAY + timedelta(days=n), ["orient"])
    rows = load_articles(open_store(archive), RUN_DAY, RUN_DAY + timedelta(days=1)).to_pylist()
    (revision,) = [r for r in rows if r["revision_of"]]
    (first,) = [r for r in rows if r["id"] == revision["revision_of"]]
    assert first["url"] != revision["url"]  # a new slug
    env = {**os.environ, "XDG_CACHE_HOME": str(tmp_path / "cache")}
    for given in (first["url"], revision["url"], first["url"].replace("://www.", "://m.")):
        found = subprocess.run(
            [sys.executable, "-m", "newsarchive.cli.main", "captures", given, "--json"]
            + ["--archive", str(archive)],
            capture_output=True, text=True, timeout=300, env=env,
        )  # fmt: skip
        assert found.returncode == 0, found.stderr
        captures = [json.loads(line) for line in found.stdout.splitlines()]
        listed = [(c["article"], c["revision_of"], c["snapshot"]) for c in captures]
        # the first capture, then the revision under its new slug; the revisit schedule may add the
        # old slug's own revisit of day 2 (its redirect or its page again) between them
        assert listed[0] == (first["id"], None, f"{RUN_DAY} rev 1"), given
        assert (revision["id"], first["id"], f"{RUN_DAY + timedelta(days=1)} rev 1") in listed, (
            given
        )
        assert {c["snapshot"] for c in captures} <= {
            f"{RUN_DAY} rev 1",
            f"{RUN_DAY + timedelta(days=1)} rev 1",
        }
