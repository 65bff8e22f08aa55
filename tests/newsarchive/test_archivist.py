"""The archivist's tools on a real pipeline run over the replica and on SeaweedFS S3: `captures`,
`replay` through pywb (Wayback URLs, CDX API, Memento) rendered in headless Chromium, and WACZ export."""

import json
import re
import shutil
import subprocess
import sys
import urllib.request
from datetime import date
from pathlib import Path

import pytest
from wacz.main import main as wacz_main

from archive.captures import find_captures
from archive.readers import load_articles
from archive.snapshot import publish_snapshot
from archive.store import open_store
from dedup.urls import canonical_url
from newsarchive.replay.server import PywbServer, prepare, pywb_command
from tests.archive.warcs import Page, page_html, row, write_warc
from tests.conftest import ROOT, RUN_DAY, normalise_ws

pytestmark = pytest.mark.slow
ARTIFACTS = ROOT / "var" / "test-artifacts"


def _get(url, headers=None):
    req = urllib.request.Request(url, headers=headers or {})

    class NoRedirect(urllib.request.HTTPRedirectHandler):
        def redirect_request(self, *args, **kwargs):
            return None

    opener = urllib.request.build_opener(NoRedirect)
    try:
        with opener.open(req, timeout=30) as r:
            return r.status, dict(r.headers), r.read().decode("utf-8", "replace")
    except urllib.error.HTTPError as e:
        return e.code, dict(e.headers), e.read().decode("utf-8", "replace")


def _visible_text(dom: str) -> str:
    import html

    text = re.sub(r"<(script|style)\b.*?</\1>", " ", dom, flags=re.S | re.I)
    return normalise_ws(html.unescape(re.sub(r"<[^>]+>", " ", text)))


def _chromium(chromium, profile, *args):
    return subprocess.run(
        [
            chromium,
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--no-first-run",
            "--disable-dev-shm-usage",
            f"--user-data-dir={profile}",
            "--window-size=1200,900",
            "--virtual-time-budget=10000",
            *args,
        ],
        capture_output=True,
        text=True,
        timeout=180,
        check=False,
    )


@pytest.fixture(scope="module")
def archived(demo_run):
    """The demo run's archive and one Arabic article of it (enabbaladi), with its capture."""
    settings, _ = demo_run
    store = open_store(settings.archive)
    table = load_articles(store, RUN_DAY, RUN_DAY, outlet="enabbaladi")
    article = max(table.to_pylist(), key=lambda a: len(a["text"]))
    return settings, store, article


def _cli(settings, *args):
    import os

    env = {
        **os.environ,
        "XDG_CACHE_HOME": str(Path(settings.archive).parent / "cache"),
    }  # never the user's
    return subprocess.run(
        [sys.executable, "-m", "newsarchive.cli.main", *args, "--archive", settings.archive],
        capture_output=True,
        text=True,
        timeout=300,
        env=env,
    )


def test_captures_cli_finds_the_article_in_every_form(archived):
    settings, store, article = archived
    url = article["url"]
    bare = url.replace("https://www.", "http://")
    for given in (url, bare + "?utm_source=facebook&fbclid=x", bare + "/"):
        r = _cli(settings, "captures", given, "--json")
        assert r.returncode == 0, r.stderr
        captures = [json.loads(line) for line in r.stdout.splitlines()]
        assert [(c["article"], c["status"], c["snapshot"], c["duplicate"]) for c in captures] == [
            (article["id"], "200", f"{RUN_DAY} rev 1", False)
        ], given
        assert captures[0]["record_id"] == article["capture_id"]
    r = _cli(settings, "captures", url, "--since", "2026-11-22", "--until", "2026-11-23")
    assert r.returncode == 1 and r.stdout.startswith("0 captures of ")


def test_replay_in_chromium_shows_the_arabic_article(archived, tmp_path):
    chromium = shutil.which("chromium") or shutil.which("chromium-browser")
    if chromium is None:
        pytest.skip("Debian package chromium is not installed (.ci/run installs it)")
    settings, store, article = archived
    (capture,) = find_captures(store, article["url"], canonical_url).captures
    stamp = capture.timestamp
    site = prepare(store, tmp_path / "site")
    assert (
        site.collections["all"] == site.collections[RUN_DAY.isoformat()] > 0 and site.skipped == []
    )
    with PywbServer(site) as server:
        url = article["url"]
        # the CDX server API: one capture of the page; our metadata records are not captures
        status, _, body = _get(f"{server.url}/all/cdx?url={url}&output=json")
        lines = [json.loads(line) for line in body.splitlines()]
        assert status == 200 and [(c["timestamp"], c["mime"], c["status"]) for c in lines] == [
            (stamp, "text/html", "200")
        ]
        # Memento: the TimeGate redirects to the memento, the TimeMap lists it
        status, headers, _ = _get(
            f"{server.url}/all/{url}", {"Accept-Datetime": "Sat, 21 Nov 2026 23:00:00 GMT"}
        )
        assert status in (302, 307) and headers["Location"] == f"{server.url}/all/{stamp}/{url}"
        status, _, timemap = _get(f"{server.url}/{RUN_DAY}/timemap/link/{url}")
        assert status == 200 and f'/{RUN_DAY}/{stamp}/{url}>; rel="memento"' in timemap
        # the page as captured, rendered by a browser
        page = f"{server.url}/all/{stamp}/{url}"
        status, headers, _ = _get(page)
        assert status == 200 and "Memento-Datetime" in headers
        dom = _chromium(chromium, tmp_path / "profile", "--dump-dom", page).stdout
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        (ARTIFACTS / "replay_enabbaladi.html").write_text(dom)
        title = re.search(r"<title>(.*?)</title>", dom, re.S)
        assert title and article["title"] in normalise_ws(title.group(1))
        story_line = max(article["text"].splitlines(), key=len)
        assert normalise_ws(story_line) in _visible_text(dom)
        shot = ARTIFACTS / "replay_enabbaladi.png"
        shot.unlink(missing_ok=True)
        _chromium(chromium, tmp_path / "profile2", f"--screenshot={shot}", page)
        assert shot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and shot.stat().st_size > 10_000


def test_wacz_export_of_the_run_validates(archived, tmp_path):
    settings, store, article = archived
    r = _cli(
        settings,
        "snapshots",
        "get",
        RUN_DAY.isoformat(),
        "--format",
        "wacz",
        "--dest",
        str(tmp_path / "w"),
    )
    assert r.returncode == 0, r.stderr
    files = sorted((tmp_path / "w").glob("*.wacz"))
    assert [f.name.split("-rev1-")[1] for f in files] == [
        "anapress.wacz",
        "enabbaladi.wacz",
        "euronews.wacz",
        "orient.wacz",
        "zamanalwsl.wacz",
    ]
    for f in files:
        assert wacz_main(["validate", "-f", str(f)]) == 0
    import zipfile

    with zipfile.ZipFile(tmp_path / "w" / f"{RUN_DAY}-rev1-enabbaladi.wacz") as z:
        pages = {p["id"]: p for p in map(json.loads, z.read("pages/pages.jsonl").splitlines()[1:])}
    assert (
        pages[article["id"]]["text"] == article["text"]
        and pages[article["id"]]["title"] == article["title"]
    )


def test_replay_from_s3(s3_server, tmp_path):
    """An S3 archive: its WARCs are downloaded (checked) and served; an Arabic URL replays."""
    pywb_command()
    store = open_store("s3://archive/replay-test")
    url = "https://www.enabbaladi.net/archives/2026/11/%D8%AD%D9%84%D8%A8"
    page = Page(
        url,
        "<urn:uuid:00000000-0000-4000-8000-000000000009>",
        "2026-11-20T03:00:00Z",
        page_html("حلب تستعيد أسواقها", "عاد الباعة إلى سوق المدينة القديمة"),
    )
    warc = write_warc(tmp_path / "e.warc.gz", [page], {page.record_id: "id0009"})
    publish_snapshot(store, date(2026, 11, 20), [row(9, page, "enabbaladi")], {"enabbaladi": warc})
    # the next day's crawl found the same payload: a revisit record, no second copy of the bytes
    again = Page(
        url,
        "<urn:uuid:00000000-0000-4000-8000-000000000010>",
        "2026-11-21T03:00:00Z",
        page.body,
        revisit_of=(url, page.fetched_at),
    )
    publish_snapshot(
        store, date(2026, 11, 21), [], {"enabbaladi": write_warc(tmp_path / "r.warc.gz", [again])}
    )
    site = prepare(store, tmp_path / "site")
    assert (
        tmp_path
        / "site"
        / "snapshots"
        / "date=2026-11-20"
        / "rev=1"
        / "warc"
        / "enabbaladi.warc.gz"
    ).is_file()
    assert site.collections == {
        "all": 2,
        "2026-11-20": 1,
        "2026-11-21": 2,
    }  # the revisit and its original
    with PywbServer(site) as server:
        status, _, body = _get(f"{server.url}/2026-11-20/20261120030000/{url}")
        assert status == 200 and "عاد الباعة إلى سوق المدينة القديمة" in body
        assert "<title>حلب تستعيد أسواقها</title>" in body
        # the revisit replays with the original's payload, in the day's own collection too
        for coll in ("2026-11-21", "all"):
            status, headers, body = _get(f"{server.url}/{coll}/20261121030000/{url}")
            assert status == 200 and "عاد الباعة إلى سوق المدينة القديمة" in body, (
                coll,
                status,
                body[:300],
            )
            assert headers["Memento-Datetime"] == "Sat, 21 Nov 2026 03:00:00 GMT"
