"""`newsarchive replay` as an archivist runs it, in headless Chromium: an article captured with its
requisites replays styled (its web font loaded, its picture at full width, its colours on screen), where
the page alone does not; and a snapshot published while replay runs is served without a restart."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from datetime import timedelta
from pathlib import Path

import pytest

from archive.capture_index import index_source, read_index
from archive.snapshot import resolve_snapshot
from archive.store import open_store
from newsarchive.config import Settings
from newsarchive.replay.server import free_port
from newsarchive.run.pipeline import run_pipeline
from replica.assets import THEMES
from replica.server import ReplicaServer
from tests.cdp import Browser, chromium_or_skip
from tests.conftest import ROOT, RUN_DAY
from tests.spiders.runs import FAST

pytestmark = pytest.mark.slow  # pipeline runs, pywb, Chromium
ARTIFACTS = ROOT / "var" / "test-artifacts"
THEME = THEMES["anapress"]
LOOK = """(() => {
  const face = [...document.fonts].find(f => f.family.replace(/"/g, '') === %s);
  const pictures = [...document.images].filter(i => i.getAttribute('width') === '640');
  return {
    font: face ? face.status : 'none',
    brand: getComputedStyle(document.querySelector(%s)).fontFamily,
    background: getComputedStyle(document.body).backgroundColor,
    pictures: pictures.map(i => [i.naturalWidth, i.currentSrc]),
  };
})()"""


def _rgb(colour: str) -> tuple[int, int, int]:
    return int(colour[1:3], 16), int(colour[3:5], 16), int(colour[5:7], 16)


def _get(url: str) -> tuple[int, str]:
    try:
        with urllib.request.urlopen(url, timeout=30) as r:
            return r.status, r.read().decode("utf-8", "replace")
    except urllib.error.HTTPError as e:
        return e.code, ""


def _article(store, day) -> tuple[str, str]:
    """(URL, timestamp) of an article captured in the day's snapshot."""
    ref = resolve_snapshot(store, day.isoformat())
    for line in read_index(store, index_source(store, ref)).splitlines():
        key, stamp, raw = line.split(b" ", 2)
        entry = json.loads(raw)
        if entry.get("article") and entry.get("status") == "200":
            return entry["url"], stamp.decode()
    raise AssertionError("no article in the snapshot")


def _look(browser: Browser, url: str, shot: Path) -> dict:
    browser.open(url)
    look = browser.evaluate(LOOK % (json.dumps(THEME.font_family), json.dumps(THEME.brand)))
    image = browser.screenshot(shot)
    look["background_share"] = image.share(_rgb(THEME.background))
    look["accent_share"] = image.share(_rgb(THEME.accent), tolerance=24)
    return look


def test_replay_shows_the_page_as_readers_saw_it_and_serves_new_snapshots_without_a_restart(
    tmp_path,
):
    chromium_or_skip()
    archive = tmp_path / "archive"
    day2 = RUN_DAY + timedelta(days=1)
    with ReplicaServer(per_outlet=3, living=True) as server:
        settings = Settings(archive=str(archive), host_map=server.host_map, scrapy_settings=FAST)
        run_pipeline(settings, RUN_DAY, ["anapress"])
    store = open_store(archive)
    url, stamp = _article(store, RUN_DAY)
    port = free_port()
    log = tmp_path / "replay.out"
    env = {**os.environ, "XDG_CACHE_HOME": str(tmp_path / "cache")}
    with log.open("wb") as out:
        replay = subprocess.Popen(
            [sys.executable, "-m", "newsarchive.cli.main", "replay", "--port", str(port)]
            + ["--refresh", "1", "--archive", str(archive), "--workdir", str(tmp_path / "site")],
            stdout=out,
            stderr=subprocess.STDOUT,
            env=env,
        )
    try:
        base = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 90
        while "pywb replaying" not in log.read_text() and time.monotonic() < deadline:
            assert replay.poll() is None, log.read_text()
            time.sleep(0.3)
        with Browser(tmp_path / "profile") as browser:
            # the replica is gone: whatever styles the page comes from the archive
            styled = _look(browser, f"{base}/all/{stamp}/{url}", ARTIFACTS / "replay_styled.png")
            # the page alone, as the archive held it before requisites were captured: its HTML as
            # archived (pywb's id_ mode), opened from a file so that nothing else can style it
            status, html = _get(f"{base}/all/{stamp}id_/{url}")
            assert status == 200 and THEME.stylesheet in html
            (tmp_path / "bare.html").write_text(html, encoding="utf-8")
            bare = _look(browser, (tmp_path / "bare.html").as_uri(), ARTIFACTS / "replay_bare.png")
        assert styled["font"] == "loaded" and THEME.font_family in styled["brand"]
        assert styled["background"] == "rgb(244, 239, 230)"  # THEME.background
        # each picture loaded, the 640 px one of its srcset (its natural width: 640 px at the density
        # srcset gives it on this 1200 px window)
        assert styled["pictures"] and all(
            w > 600 and src.endswith(".png") and "-320" not in src for w, src in styled["pictures"]
        )
        assert styled["background_share"] > 0.3 and styled["accent_share"] > 0.02
        assert bare["font"] != "loaded" and bare["background"] == "rgba(0, 0, 0, 0)"
        assert all(w == 0 for w, _ in bare["pictures"]) and bare["background_share"] < 0.01

        # the next day's run, published while replay runs, is served by the same process
        status, body = _get(f"{base}/{day2}/cdx?url=https://www.anapress.net/robots.txt")
        assert status == 404 or body.strip() == "", (status, body[:200])
        with ReplicaServer(per_outlet=3, living=True) as server:
            settings = Settings(
                archive=str(archive), host_map=server.host_map, scrapy_settings=FAST
            )
            run_pipeline(settings, day2, ["anapress"])
        new_url, new_stamp = _article(store, day2)
        deadline = time.monotonic() + 60
        while f"now replaying snapshot {day2} rev 1" not in log.read_text():
            assert time.monotonic() < deadline and replay.poll() is None, log.read_text()
            time.sleep(0.5)
        status, body = _get(f"{base}/{day2}/cdx?url={new_url}&output=json")
        assert status == 200 and new_stamp in body
        status, page = _get(f"{base}/all/{new_stamp}/{new_url}")
        assert status == 200 and THEME.stylesheet in page
        assert replay.poll() is None  # never restarted
    finally:
        replay.send_signal(signal.SIGTERM)
        replay.wait(60)
    assert replay.returncode == 0, log.read_text()
