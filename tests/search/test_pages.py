"""Pages past the first 1,000 hits: `--page`, `--offset` and the cursor, over two days of 1,300
articles that all mention دوما (one combined index) and over one day (searched alone)."""

from __future__ import annotations

import json
import random
import shutil
from datetime import date

import pytest

from archive.store import open_store
from newsarchive.cli.main import main
from replica.catalog import _paragraph_pool
from tests.search.corpus import Story, _publish, _row

DAYS = (date(2026, 9, 1), date(2026, 9, 2))
PER_DAY = 1300


def _stories(day: date) -> list[Story]:
    rng = random.Random(day.toordinal())
    pool = _paragraph_pool()
    outlets = ("anapress", "orient", "euronews", "enabbaladi", "zamanalwsl")
    return [
        Story(
            f"{day}/{n}",
            outlets[n % 5],
            f"خبر {n}",
            "\n".join(rng.sample(pool, 2)) + f"\nخبر من دوما رقم {n}.",
        )
        for n in range(PER_DAY)
    ]


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    path = tmp_path_factory.mktemp("pages") / "archive"
    store = open_store(path)
    for day in DAYS:
        _publish(store, day, [_row(s, day) for s in _stories(day)], {})
    assert main(["search-index", "--archive", str(path)]) == 0
    return path


@pytest.fixture
def archive(built, tmp_path, monkeypatch):
    monkeypatch.setenv("NEWSARCHIVE_SEARCH_CACHE", str(tmp_path / "cache"))
    shutil.copytree(built, tmp_path / "archive")
    return str(tmp_path / "archive")


def cli(capsys, *args: str) -> tuple[int, list[dict], str]:
    try:
        code = main(list(args))
    except SystemExit as exc:  # argparse refused an argument
        code = int(exc.code or 0)
    out = capsys.readouterr()
    lines = [json.loads(line) for line in out.out.splitlines()] if code == 0 else []
    return code, lines, out.err


def cursor_of(err: str) -> str | None:
    found = [line.split("--cursor ", 1)[1] for line in err.splitlines() if "--cursor " in line]
    return found[0].strip() if found else None


@pytest.mark.slow
@pytest.mark.parametrize("days", [DAYS, DAYS[:1]], ids=["two days", "one day"])
def test_every_hit_once_in_order_over_pages_of_any_size(archive, capsys, days):
    since, until = days[0].isoformat(), days[-1].isoformat()
    base = ["search", "دوما", "--archive", archive, "--json", "--since", since, "--until", until]
    code, stats, err = cli(
        capsys,
        "stats",
        "--query",
        "دوما",
        "--by",
        "day",
        "--format",
        "jsonl",
        "--archive",
        archive,
        "--since",
        since,
        "--until",
        until,
    )
    assert code == 0
    total = sum(row["matches"] for row in stats)
    assert total == PER_DAY * len(days) > 1000
    pages = []
    for page in range(1, 4):
        code, hits, err = cli(capsys, *base, "--limit", "1000", "--page", str(page))
        assert code == 0, err
        pages.append(hits)
    by_page = [h for hits in pages for h in hits]
    assert [h["rank"] for h in by_page] == list(range(1, total + 1))
    assert len({h["id"] for h in by_page}) == total  # every article once
    assert [h["score"] for h in by_page] == sorted((h["score"] for h in by_page), reverse=True)
    # the same order in pages of 293 walked with the cursor, and cut anywhere with --offset
    walked, cursor = [], None
    while True:
        code, hits, err = cli(
            capsys, *base, "--limit", "293", *(["--cursor", cursor] if cursor else [])
        )
        assert code == 0, err
        walked += hits
        cursor = cursor_of(err)
        if cursor is None:
            break
    assert [h["id"] for h in walked] == [h["id"] for h in by_page]
    code, hits, _ = cli(capsys, *base, "--limit", "7", "--offset", "1499")
    assert [h["id"] for h in hits] == [h["id"] for h in by_page[1499:1506]]
    code, hits, err = cli(capsys, *base, "--limit", "10", "--offset", str(total))
    assert code == 0 and hits == [] and f"no hit from {total + 1}" in err and cursor_of(err) is None


@pytest.mark.slow
def test_a_cursor_is_refused_once_the_segments_change_or_for_another_query(archive, capsys):
    code, _, err = cli(capsys, "search", "دوما", "--archive", archive, "--json", "--limit", "100")
    cursor = cursor_of(err)
    assert code == 0 and cursor
    code, hits, err = cli(
        capsys,
        "search",
        "دوما",
        "--archive",
        archive,
        "--json",
        "--limit",
        "100",
        "--cursor",
        cursor,
    )
    assert code == 0 and hits[0]["rank"] == 101
    for other in (
        ["الغوطة"],
        ["دوما", "--exact"],
        ["دوما", "--outlet", "orient"],
        ["دوما", "--since", "2026-09-02"],
    ):
        code, _, err = cli(capsys, "search", *other, "--archive", archive, "--cursor", cursor)
        assert (
            code == 2
            and len(err.strip().splitlines()) == 1
            and "another query or other options" in err
        )
    # a day published (and indexed) since: its hits would shift every page after the first
    later = date(2026, 9, 3)
    _publish(open_store(archive), later, [_row(s, later) for s in _stories(later)[:50]], {})
    assert main(["search-index", "--archive", archive]) == 0
    capsys.readouterr()
    code, _, err = cli(capsys, "search", "دوما", "--archive", archive, "--cursor", cursor)
    assert code == 2 and len(err.strip().splitlines()) == 1
    assert "segments changed since this cursor was made" in err and "first page" in err


@pytest.mark.parametrize(
    "args, named",
    [
        (["--page", "0"], "'0' is not a page number; give a whole number from 1"),
        (["--offset", "-1"], "'-1' is not a number of hits to skip; give a whole number from 0"),
        (["--offset", "1000001"], "give a whole number from 0 to 1000000"),
        (["--limit", "1001"], "give a whole number from 1 to 1000"),
        (["--page", "2", "--offset", "3"], "not allowed with argument --page"),
        (
            ["--cursor", "garbage"],
            "'garbage' is not a search cursor; give the one the previous page",
        ),
        (["--cursor", "eyJ4IjogMX0"], "is not a search cursor"),  # base64 JSON, not a cursor
    ],
)
def test_a_bad_page_is_one_line_naming_it(tmp_path, capsys, monkeypatch, args, named):
    monkeypatch.setenv("NEWSARCHIVE_SEARCH_CACHE", str(tmp_path / "cache"))
    open_store(tmp_path / "archive")
    code, _, err = cli(capsys, "search", "دوما", "--archive", str(tmp_path / "archive"), *args)
    assert code == 2 and named in err and len(err.strip().splitlines()) == 1, err
    assert "Traceback" not in err
