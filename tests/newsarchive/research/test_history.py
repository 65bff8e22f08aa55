"""`newsarchive history URL`: a story's versions with dates and word-level diffs, as text, JSON, HTML."""

from __future__ import annotations

import json

from newsarchive.cli.main import main
from tests.archive.test_stories import URL
from tests.newsarchive.conftest import MOVED


def test_text_shows_each_version_dated_with_its_word_diff(story_archive, capsys):
    assert main(["history", URL, "--archive", story_archive]) == 0
    out = capsys.readouterr().out
    assert "4 version(s), gone" in out
    assert "v1  2026-11-21 03:00 UTC  new" in out
    assert "v2  2026-11-22 03:00 UTC  edited" in out
    assert "{+محدّث:+} قصف على ريف إدلب" in out
    assert "[-١٢-] {+١٥+}" in out and "numbers: \u200f١٢ → ١٥" in out
    assert "seen again unchanged 1 time(s), last 2026-11-23" in out
    assert "v4  2026-11-25 03:00 UTC  gone (http_404)" in out
    assert f"at {MOVED}" in out
    assert "\x1b[" not in out  # no colours when the output is not a terminal
    # every line of Arabic text begins with a right-to-left mark
    arabic = [line for line in out.splitlines() if "قصف" in line]
    assert arabic and all(line.lstrip().startswith("\u200f") for line in arabic)


def test_any_url_of_the_story_json_and_html(story_archive, capsys):
    assert main(["history", MOVED, "--archive", story_archive, "--format", "json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert [v["change"] for v in data["versions"]] == ["new", "edited", "edited", "gone"]
    assert data["gone"] and data["urls"] == [URL, MOVED]
    edit = data["versions"][2]["diff"]
    assert edit["numbers_removed"] == ["١٢"] and edit["numbers_added"] == ["١٥"]
    assert main(["history", data["story_id"], "--archive", story_archive, "--format", "html"]) == 0
    page = capsys.readouterr().out
    assert '<dd dir="rtl" lang="ar">' in page and "<del>١٢</del> <ins>١٥</ins>" in page


def test_an_unknown_url_is_one_line(story_archive, capsys):
    assert main(["history", "https://www.orient-news.net/news/1", "--archive", story_archive]) == 2
    err = capsys.readouterr().err
    assert "is in no story of the archive's table" in err
    assert "Traceback" not in err and len(err.strip().splitlines()) == 1


def test_articles_is_the_latest_version_and_article_versions_every_one(story_archive, capsys):
    sql = (
        "SELECT (SELECT count(*) FROM articles) AS current, "
        "(SELECT string_agg(change, ' ' ORDER BY version) FROM article_versions) AS changes, "
        "(SELECT count(*) FROM articles_all) AS captures, "
        "(SELECT max(version) FROM articles) AS shown"
    )
    assert main(["query", sql, "--archive", story_archive, "--format", "csv"]) == 0
    out = capsys.readouterr().out.splitlines()
    # one story: its last text (version 3; version 4 is its deletion), not five captures
    assert out[1] == '1,"new edited edited gone",5,3'
