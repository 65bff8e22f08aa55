import gzip
import json
import subprocess
import sys

import pytest

from replica.server import Replica

pytestmark = pytest.mark.slow  # CLI subprocesses

REPLICA = Replica(per_outlet=2)


def _run(*args):
    return subprocess.run(
        [sys.executable, "-m", "newsarchive.cli.main", "extract", *args],
        capture_output=True,
        text=True,
    )


def test_extract_html_and_gz_files_as_json_lines(tmp_path):
    site = next(s for s in REPLICA.sites.values() if s.outlet == "euronews")
    article = site.articles[0]
    html = site.article_html(article).encode("utf-8")
    (tmp_path / "a.html").write_bytes(html)
    (tmp_path / "b.html.gz").write_bytes(gzip.compress(html))
    r = _run(
        str(tmp_path / "a.html"),
        str(tmp_path / "b.html.gz"),
        "--url",
        site.url(article),
        "--outlet",
        "euronews",
    )
    assert r.returncode == 0, r.stderr
    records = [json.loads(line) for line in r.stdout.splitlines()]
    assert [x["source"] for x in records] == [str(tmp_path / "a.html"), str(tmp_path / "b.html.gz")]
    for record in records:
        assert record["title"] == article.title
        assert record["author"] == "Ammar Kat"
        assert record["published"] == "2018-04-06T17:32:00+02:00"
        assert record["language"] == "ar"
        assert record["url"] == site.url(article)
        assert "قال محمد علوش المسؤول السياسي" in record["text"]
        assert record["date_source"] == "jsonld"
        assert record["canonical_url"] == site.url(article)
        assert "modified" in record


def test_one_bad_document_does_not_stop_the_batch(tmp_path):
    """Each bad input gets its own error record with the reason; the good page after them is extracted."""
    site = next(s for s in REPLICA.sites.values() if s.outlet == "zamanalwsl")
    html = site.article_html(site.articles[1]).encode("utf-8")
    files = {
        "truncated.html": html[: len(html) // 2],
        "binary.html": b"\x89PNG\r\n\x1a\n\x00\x00" * 64,
        "section.html": site.section(1).encode("utf-8"),
        "notes.txt.gz": gzip.compress(b"just some words, no markup at all"),
        "good.html.gz": gzip.compress(html),
    }
    for name, data in files.items():
        (tmp_path / name).write_bytes(data)
    r = _run(*(str(tmp_path / name) for name in files), "--outlet", "zamanalwsl")
    assert r.returncode == 1
    records = {
        json.loads(line)["source"].rsplit("/", 1)[1]: json.loads(line)
        for line in r.stdout.splitlines()
    }
    assert {name: rec.get("error") for name, rec in records.items()} == {
        "truncated.html": "truncated",
        "binary.html": "binary",
        "section.html": "no-article",
        "notes.txt.gz": "not-html",
        "good.html.gz": None,
    }
    assert all(rec["detail"] for name, rec in records.items() if name != "good.html.gz")
    assert records["good.html.gz"]["title"] == site.articles[1].title


def test_unreadable_and_non_article_files_get_error_records(tmp_path):
    (tmp_path / "empty.html").write_bytes(b"")
    r = _run(str(tmp_path / "missing.html"), str(tmp_path / "empty.html"))
    assert r.returncode == 1
    records = [json.loads(line) for line in r.stdout.splitlines()]
    assert records[0]["error"] == "unreadable" and "missing.html" in records[0]["detail"]
    assert records[1]["error"] == "empty"
    assert "missing.html: unreadable" in r.stderr


def test_records_keep_the_order_given_with_unreadable_files_between_pages(tmp_path):
    """Pages go to worker processes, files that cannot be read do not: the output is still in order."""
    import os

    site = next(s for s in REPLICA.sites.values() if s.outlet == "orient")
    (tmp_path / "a.html").write_text(site.article_html(site.articles[0]), encoding="utf-8")
    os.mkfifo(tmp_path / "fifo")
    names = ["fifo", "a.html", "missing.html", "a.html", str(tmp_path)]
    r = _run(*(str(tmp_path / n) for n in names), "--outlet", "orient")
    assert r.returncode == 1
    records = [json.loads(line) for line in r.stdout.splitlines()]
    assert [x["source"] for x in records] == [str(tmp_path / n) for n in names]
    assert [x.get("error") for x in records] == [
        "not-a-file",
        None,
        "unreadable",
        None,
        "not-a-file",
    ]
