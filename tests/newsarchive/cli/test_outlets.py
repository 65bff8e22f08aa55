"""newsarchive/cli/outlets.py: `newsarchive outlets list|check|capture` as ops run them: every outlet with
its status, each discovery URL's row and the exit code, and one complete capture of a retired outlet's site
(the lifecycle in the registry and what `check` finds on the replica: tests/newsarchive/ops)."""

from __future__ import annotations

import json
import socket

import pytest

from newsarchive.cli.main import main
from replica.server import ReplicaServer
from tests.newsarchive.ops.test_outlet_check import RETIRED, registry_with


def test_list_shows_each_outlets_status_and_since_when_in_text_and_json(tmp_path, capsys):
    path = registry_with(tmp_path, "orient", RETIRED)
    assert main(["outlets", "list", "--outlets", str(path)]) == 0
    out = capsys.readouterr().out
    assert (
        "orient       retired  Orient News  (since 2023-11-15: stopped publishing in November 2023)"
        in out
    )
    assert "anapress     active   Anapress\n" in out  # an active outlet: no since, no why
    assert main(["outlets", "list", "--json", "--outlets", str(path)]) == 0
    rows = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert rows[1] == {
        "id": "orient",
        "name": "Orient News",
        "status": "retired",
        "status_since": "2023-11-15",
        "status_reason": "stopped publishing in November 2023",
    }
    assert rows[0]["status"] == "active" and rows[0]["status_since"] is None
    assert [r["id"] for r in rows] == ["anapress", "orient", "euronews", "enabbaladi", "zamanalwsl"]


def test_check_prints_a_row_per_url_with_its_problem_and_exits_1(monkeypatch, capsys):
    """Nothing answers where the outlet is mapped: every URL has a problem, none is fetched."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        closed = probe.getsockname()[1]  # nothing listens on it once the socket is closed
    hosts = ("www.orient-news.net", "orient-news.net")
    monkeypatch.setenv(
        "NEWSARCHIVE_HOST_MAP", json.dumps({h: f"127.0.0.1:{closed}" for h in hosts})
    )
    assert main(["outlets", "check", "orient"]) == 1
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].split() == ["outlet", "status", "kind", "articles", "listed", "newest", "url"]
    assert lines[1].split() == [
        "orient",
        "-",
        "-",
        "0",
        "0",
        "-",
        "https://www.orient-news.net/feed/",
    ]
    assert lines[2].strip().startswith("PROBLEM: ")
    assert lines[-1] == "3 discovery URLs checked, 0 usable, 3 with a problem"
    assert main(["outlets", "check", "--json", "orient"]) == 1
    rows = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert [(r["outlet"], r["ok"], r["status"]) for r in rows] == [("orient", False, None)] * 3


def test_what_a_server_answers_reaches_the_terminal_escaped(monkeypatch, capsys):
    """A status line of terminal control sequences (http.client quotes it in its error) is shown as
    text, not obeyed: the table goes through the terminal's one escaper."""
    import threading

    hostile = b"\x1b]0;owned\x07\x1b[2J HTTP/1.1 200 OK\r\n\r\n"
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen()
    port = server.getsockname()[1]

    def answer() -> None:
        while True:
            try:
                conn, _ = server.accept()
            except OSError:
                return
            with conn:
                conn.recv(65536)
                conn.sendall(hostile)

    threading.Thread(target=answer, daemon=True).start()
    hosts = ("www.orient-news.net", "orient-news.net")
    monkeypatch.setenv("NEWSARCHIVE_HOST_MAP", json.dumps({h: f"127.0.0.1:{port}" for h in hosts}))
    try:
        assert main(["outlets", "check", "orient"]) == 1
    finally:
        server.close()
    out = capsys.readouterr().out
    assert "\x1b" not in out and "\x07" not in out
    problems = [line.strip() for line in out.splitlines() if "PROBLEM:" in line]
    assert len(problems) == 3 and all("robots.txt unreachable" in p for p in problems)
    assert all("\\x1b]0;owned" in p for p in problems), problems


@pytest.mark.slow  # pipeline runs
def test_a_retired_outlet_is_neither_crawled_nor_alarmed_and_a_capture_on_request_archives_it(
    tmp_path, monkeypatch, capsys
):
    from archive.snapshot import read_manifest, resolve_snapshot
    from archive.store import open_store
    from archive.verify import verify_snapshot
    from newsarchive.config import Settings
    from newsarchive.run.pipeline import run_pipeline
    from tests.conftest import RUN_DAY

    path = registry_with(tmp_path, "orient", RETIRED)
    archive = tmp_path / "archive"
    orient_hosts = {"www.orient-news.net", "orient-news.net"}
    with ReplicaServer(per_outlet=5) as server:
        result = run_pipeline(
            Settings(archive=str(archive), host_map=server.host_map, outlets_path=str(path)),
            RUN_DAY,
        )
        assert not [t for _, h, t in server.replica.requests if h in orient_hosts]  # not crawled
        assert sorted(result.manifest.outlets) == [
            "anapress",
            "enabbaladi",
            "euronews",
            "zamanalwsl",
        ]
        assert result.quality.problems == []  # and not alarmed
        monkeypatch.setenv("NEWSARCHIVE_HOST_MAP", json.dumps(server.host_map))
        code = main(
            [
                "outlets",
                "capture",
                "orient",
                "--date",
                RUN_DAY.isoformat(),
                "--outlets",
                str(path),
                "--archive",
                str(archive),
            ]
        )
        captured = capsys.readouterr()
        orient = sorted(t for _, h, t in server.replica.requests if h in orient_hosts)
    assert code == 0, captured.err
    assert "capture of orient: fetched 5, archived 5 in snapshot 2026-11-21 rev 2" in captured.out
    # robots.txt first, then every discovery document the site serves (index, its sitemap, feed, section)
    assert "/sitemaps/news-1.xml" in orient and "/robots.txt" in orient and "/feed/" in orient
    assert (
        "/ar/news_category/1" in orient
        and len([t for t in orient if t.startswith("/ar/news_show/")]) == 5
    )
    store = open_store(archive)
    ref = resolve_snapshot(store, RUN_DAY.isoformat())
    manifest = read_manifest(store, ref)
    assert manifest["counts"]["outlets"]["orient"]["archived"] == 5
    assert {o: c["archived"] for o, c in manifest["counts"]["outlets"].items()} == {
        "anapress": 5,
        "orient": 5,
        "euronews": 5,
        "enabbaladi": 5,
        "zamanalwsl": 5,
    }  # the day stays whole
    assert verify_snapshot(store, ref) == []
