"""Outlet lifecycle (paused, retired) in the registry, and `newsarchive outlets check` on the replica
(newsarchive/ops/outlet_check.py; `outlets list` and `outlets capture`: tests/newsarchive/cli/test_outlets.py)."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import pytest

from common.errors import ConfigError
from newsarchive.airflow_glue import tasks as airflow_tasks
from newsarchive.cli.main import main
from outlets.registry import load_registry
from replica.server import ReplicaServer
from tests.conftest import ROOT

RETIRED = 'status = "retired"\nstatus_since = 2023-11-15\nstatus_reason = "stopped publishing in November 2023"\n'


def registry_with(tmp_path: Path, outlet: str, lines: str) -> Path:
    """outlets.toml with `lines` added to one outlet's entry (right after its id)."""
    text = (ROOT / "outlets.toml").read_text(encoding="utf-8")
    marker = f'id = "{outlet}"\n'
    assert marker in text
    path = tmp_path / "outlets.toml"
    path.write_text(text.replace(marker, marker + lines), encoding="utf-8")
    return path


def test_a_retired_outlet_keeps_its_date_and_reason_and_is_not_crawled_daily(tmp_path, monkeypatch):
    path = registry_with(tmp_path, "orient", RETIRED)
    registry = load_registry(path)
    orient = registry.get("orient")
    assert (orient.status, orient.status_since, orient.active) == (
        "retired",
        date(2023, 11, 15),
        False,
    )
    assert "orient" in registry.ids and "orient" not in registry.active_ids
    monkeypatch.setenv("NEWSARCHIVE_OUTLETS", str(path))
    assert airflow_tasks.list_outlets() == [
        "anapress",
        "euronews",
        "enabbaladi",
        "zamanalwsl",
    ]  # the DAG's list


@pytest.mark.parametrize(
    ("lines", "message"),
    [
        ('status = "gone"\n', "status 'gone' is not one of active, paused, retired"),
        ('status = "paused"\nstatus_reason = "site down"\n', "a paused outlet needs status_since"),
        (
            'status = "retired"\nstatus_since = "2023-11"\nstatus_reason = "x"\n',
            "a retired outlet needs status_since",
        ),
        ('status = "retired"\nstatus_since = 2023-11-15\n', "missing 'status_reason'"),
        (
            "status_since = 2023-11-15\n",
            "status_since and status_reason belong to a paused or retired outlet",
        ),
    ],
)
def test_a_wrong_lifecycle_entry_is_named(tmp_path, lines, message):
    with pytest.raises(ConfigError, match="entry #2 \\(orient\\)") as caught:
        load_registry(registry_with(tmp_path, "orient", lines))
    assert message in str(caught.value)


def test_a_run_refuses_a_retired_outlet_by_name_and_points_to_capture(tmp_path, capsys):
    path = registry_with(tmp_path, "orient", RETIRED)
    code = main(
        ["run", "--outlet", "orient", "--outlets", str(path), "--archive", str(tmp_path / "a")]
    )
    err = capsys.readouterr().err
    assert (
        code == 2
        and "outlet orient is retired since 2023-11-15" in err
        and "newsarchive outlets capture" in err
    )
    assert "Traceback" not in err


@pytest.fixture(scope="module")
def check_replica():
    with ReplicaServer(per_outlet=30) as server:
        yield server


def _check(server, monkeypatch, capsys, *ids: str) -> tuple[int, list[dict]]:
    monkeypatch.setenv("NEWSARCHIVE_HOST_MAP", json.dumps(server.host_map))
    code = main(["outlets", "check", "--json", *ids])
    return code, [json.loads(line) for line in capsys.readouterr().out.splitlines()]


def test_outlets_check_reports_every_discovery_url_of_the_registry(
    check_replica, monkeypatch, capsys
):
    check_replica.replica.faults.clear()
    code, rows = _check(check_replica, monkeypatch, capsys)
    registry = load_registry(ROOT / "outlets.toml")
    assert [r["url"] for r in rows] == [
        u for o in registry.outlets for u in o.feeds + o.sitemaps + o.sections
    ]
    assert code == 0, [r for r in rows if not r["ok"]]
    by_url = {r["url"]: r for r in rows}
    # the publicly known addresses are in the registry and answer (issue 16)
    orient_feed = by_url["https://www.orient-news.net/feed/"]
    assert (orient_feed["status"], orient_feed["kind"], orient_feed["articles"]) == (
        200,
        "feed",
        20,
    )
    assert orient_feed["newest"] and orient_feed["newest"] >= "2026-"
    assert by_url["https://www.orient-news.net/sitemap.xml"]["kind"] == "sitemap index"
    for url in ("https://www.zamanalwsl.net/news/rss/94/", "https://www.zamanalwsl.net/rss.php"):
        assert (by_url[url]["kind"], by_url[url]["articles"]) == ("feed", 20)
    articles = by_url["https://arabic.euronews.com/sitemaps/ar/articles.xml"]
    assert (articles["kind"], articles["articles"], articles["listed"]) == ("sitemap", 30, 30)
    section = by_url["https://www.anapress.net/section/syria"]
    assert (
        section["kind"] == "section" and section["articles"] == 30 and section["listed"] > 30
    )  # + navigation
    # robots.txt first, once per host, then one request per URL
    hosts = [(h, t) for _, h, t in check_replica.replica.requests]
    assert hosts[0] == ("www.anapress.net", "/robots.txt")
    assert sum(1 for h, t in hosts if t == "/robots.txt") == len({h for h, _ in hosts})


def test_outlets_check_names_each_faulty_url_and_checks_the_rest(
    check_replica, monkeypatch, capsys
):
    faults = check_replica.replica.faults
    faults.set("euronews", "http_500", ["/rss"])
    faults.set("orient", "hostile_xml", ["/feed/"])
    faults.set("zamanalwsl", "robots_disallow", ["/rss.php"])
    faults.set("enabbaladi", "offsite_redirect", ["/feed"])
    faults.set("anapress", "http_500", ["/robots.txt"])
    try:
        code, rows = _check(
            check_replica,
            monkeypatch,
            capsys,
            "euronews",
            "orient",
            "zamanalwsl",
            "enabbaladi",
            "anapress",
        )
        before = len(check_replica.replica.requests)
        assert main(["outlets", "check", "euronews"]) == 1
        table = capsys.readouterr().out
    finally:
        faults.clear()
    by_url = {r["url"]: r for r in rows}
    assert code == 1
    assert (
        by_url["https://arabic.euronews.com/rss"]["status"],
        by_url["https://arabic.euronews.com/rss"]["error"],
    ) == (500, "HTTP 500")
    assert "hostile_xml" in by_url["https://www.orient-news.net/feed/"]["error"]
    disallowed = by_url["https://www.zamanalwsl.net/rss.php"]
    assert (
        disallowed["error"] == "disallowed by robots.txt: not fetched"
        and disallowed["status"] is None
    )
    assert "offsite_redirect" in by_url["https://www.enabbaladi.net/feed"]["error"]
    # a robots.txt that could not be read is not a robots.txt that disallows: each says which
    for url, row in by_url.items():
        if url.startswith("https://www.anapress.net/"):
            assert row["error"] == (
                "robots.txt answered HTTP 500: not fetched, as nothing from this host now"
            ), row
    assert by_url["https://www.zamanalwsl.net/news/rss/94/"]["ok"]  # one bad URL costs only itself
    assert by_url["https://arabic.euronews.com/sitemaps/ar/latest-news.xml"]["ok"]
    assert (
        "PROBLEM: HTTP 500" in table
        and "3 discovery URLs checked, 2 usable, 1 with a problem" in table
    )
    assert before < len(check_replica.replica.requests)
