"""Article history end to end on the living replica, under the CLI: `newsarchive run` on day D, D+1 and
D+7 with the revisit schedule (+1, +7 days), then `newsarchive history` of each kind of change: a new
headline (and slug) the next day, a paragraph added and a figure corrected a week on, and the three
kinds of deletion (404, a redirect to the home page, the outlet's not-found page with status 200)."""

from __future__ import annotations

import json
from datetime import date, timedelta

import pytest

from newsarchive.cli.main import main
from replica.days import _own_articles

pytestmark = pytest.mark.slow
DAY = date(2026, 11, 21)
RUN_DAYS = (DAY, DAY + timedelta(days=1), DAY + timedelta(days=7))


def url_of(replica, outlet: str, n: int) -> str:
    site = next(s for s in replica.replica.world(DAY).sites.values() if s.outlet == outlet)
    return site.url(_own_articles(outlet, DAY)[n])


@pytest.fixture(scope="module")
def archive(living_replica, tmp_path_factory):
    where = tmp_path_factory.mktemp("history") / "archive"
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("NEWSARCHIVE_HOST_MAP", json.dumps(living_replica.host_map))
        mp.setenv("NEWSARCHIVE_REVISIT_DAYS", "1,7")
        mp.setenv("XDG_CACHE_HOME", str(where.parent / "cache"))
        for day in RUN_DAYS:
            assert main(["run", "--archive", str(where), "--date", day.isoformat()]) == 0
    return str(where)


def history(capsys, archive: str, url: str) -> dict:
    capsys.readouterr()
    assert main(["history", url, "--archive", archive, "--format", "json"]) == 0
    return json.loads(capsys.readouterr().out)


@pytest.mark.parametrize(
    "outlet, n, changes, gone",
    [
        ("orient", 0, ["new", "edited"], None),
        ("enabbaladi", 1, ["new", "edited"], None),
        ("anapress", 1, ["new", "edited"], None),
        ("zamanalwsl", 1, ["new", "gone"], "http_404"),
        ("euronews", 2, ["new", "gone"], "redirect"),
        ("enabbaladi", 2, ["new", "gone"], "soft_404"),
    ],
)
def test_each_kind_of_change_is_a_dated_version(
    living_replica, archive, capsys, outlet, n, changes, gone
):
    story = history(capsys, archive, url_of(living_replica, outlet, n))
    versions = story["versions"]
    assert [v["change"] for v in versions] == changes
    assert versions[0]["snapshot"][:10] == DAY.isoformat()
    last = versions[-1]
    assert last["gone"] == gone and last["capture_id"]  # the deletion's capture is the evidence
    if outlet == "orient":  # a new headline the next day, under a new slug, the same story
        assert last["snapshot"][:10] == RUN_DAYS[1].isoformat()
        assert ["+", "محدّث:"] in last["diff"]["title"]
    if outlet == "enabbaladi" and not gone:  # a paragraph added a week on
        assert last["snapshot"][:10] == RUN_DAYS[2].isoformat()
        assert [p["kind"] for p in last["diff"]["paragraphs"]] == ["added"]
    if outlet == "anapress":  # the casualty figure corrected a week on
        assert (last["diff"]["numbers_removed"], last["diff"]["numbers_added"]) == (["١٢"], ["١٥"])
    if gone:
        assert last["snapshot"][:10] == RUN_DAYS[1].isoformat()


def test_an_unchanged_story_is_one_version_its_revisit_a_304(living_replica, archive, capsys):
    url = url_of(living_replica, "euronews", 3)
    story = history(capsys, archive, url)
    assert [v["change"] for v in story["versions"]] == ["new"]
    assert main(["captures", url, "--archive", archive, "--json"]) == 0
    captures = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    # the +1 revisit asked If-Modified-Since its first fetch: a 304, kept in the WARC, no new row
    assert [str(c["status"]) for c in captures][:2] == ["200", "304"]


def test_articles_holds_each_story_once_at_its_latest_version(archive, capsys):
    capsys.readouterr()
    sql = (
        "SELECT count(*) - count(DISTINCT story_id) AS repeated, "
        "count(*) FILTER (WHERE title LIKE 'محدّث:%') AS retitled FROM articles"
    )
    assert main(["query", sql, "--archive", archive, "--format", "csv"]) == 0
    repeated, retitled = capsys.readouterr().out.splitlines()[1].split(",")
    assert repeated == "0" and int(retitled) >= 1
