"""Citations: one Citation per archived row, as CSL-JSON and BibTeX, through `export`."""

from __future__ import annotations

import json
from datetime import UTC, date

import pytest

from archive.readers import load_articles
from archive.snapshot import publish_snapshot
from archive.store import open_store
from newsarchive.cli.main import main
from newsarchive.research.citations import citation_of, to_bibtex, to_csl
from tests.archive.test_current_table import row

DAY = date(2026, 11, 21)


def test_citation_of_a_table_row_names_the_article_and_where_it_is_kept():
    data = {
        **row(
            7,
            author="سلام السعدي",
            capture_id="<urn:uuid:1>",
            fetched_at="2026-11-21T23:05:00+00:00",
        ).to_dict(),
        "snapshot_date": date(2026, 11, 21),
        "snapshot_rev": 2,
    }
    c = citation_of(data, {"orient": "Orient News"})
    assert (c.article_id, c.title, c.outlet, c.outlet_name, c.author) == (
        f"{7:016x}",
        "عنوان 7",
        "orient",
        "Orient News",
        "سلام السعدي",
    )
    assert (c.published, c.url, c.archived, c.snapshot, c.capture_id) == (
        "2026-11-21",
        "https://www.orient-news.net/news/7",
        "2026-11-21",
        "2026-11-21 rev 2",
        "<urn:uuid:1>",
    )
    csl = to_csl(c)
    assert csl["type"] == "article-newspaper" and csl["container-title"] == "Orient News"
    assert (
        csl["issued"] == {"date-parts": [[2026, 11, 21]]}
        and csl["archive_location"] == "snapshots/date=2026-11-21/rev=2"
    )
    assert "capture <urn:uuid:1>" in csl["note"] and csl["author"] == [{"literal": "سلام السعدي"}]
    assert citation_of(row(7)) == citation_of(row(7).to_dict())  # an ArchivedRow or its dict


def test_bibtex_escapes_what_a_page_puts_in_its_title():
    from pybtex import errors
    from pybtex.database import parse_string

    hostile = row(8, author="A & B}", title=r"}\input{/etc/passwd} 100% #1 $x$ ~_^")
    entry = to_bibtex(citation_of({**hostile.to_dict(), "url": "https://x.example/a b{c}"}))
    depth = 0
    for ch in entry:  # BibTeX counts every brace, escaped or not
        depth += {"{": 1, "}": -1}.get(ch, 0)
        assert depth >= 0
    assert depth == 0
    assert (
        r"\textbraceright{}\textbackslash{}input\textbraceleft{}/etc/passwd\textbraceright{} 100\% "
        r"\#1 \$x\$ \textasciitilde{}\_\textasciicircum{}" in entry
    )
    assert "url = {https://x.example/a%20b%7Bc%7D}" in entry
    assert entry.startswith("@article{orient20261121-0000000000000008,")
    errors.set_strict_mode(True)
    assert list(parse_string(entry, "bibtex").entries) == ["orient20261121-0000000000000008"]


def test_export_csl_json_and_bibtex_cite_exactly_the_exported_articles(tmp_path, capsys):
    store = open_store(tmp_path / "archive")
    publish_snapshot(
        store, DAY, [row(1), row(2, outlet="anapress"), row(3, duplicate_of=f"{1:016x}")], {}
    )
    args = [
        "export",
        "--archive",
        str(tmp_path / "archive"),
        "--since",
        "2026-11-21",
        "--until",
        "2026-11-21",
    ]
    assert main([*args, "--format", "csl-json", "--out", str(tmp_path / "c.json")]) == 0
    assert main([*args, "--format", "bibtex", "--out", str(tmp_path / "c.bib")]) == 0
    exported = sorted(load_articles(store, DAY, DAY).column("id").to_pylist())
    items = json.loads((tmp_path / "c.json").read_text(encoding="utf-8"))
    assert sorted(item["id"] for item in items) == exported
    assert {item["container-title"] for item in items} == {"Orient News", "Anapress"}
    assert all(item["archive_location"] == "snapshots/date=2026-11-21/rev=1" for item in items)
    bib = (tmp_path / "c.bib").read_text(encoding="utf-8")
    assert bib.count("@article{") == len(exported) and all(f"-{i}," in bib for i in exported)
    capsys.readouterr()


def test_a_citation_carries_the_replay_url_its_memento_datetime_and_biblatex_language(monkeypatch):
    from pybtex import errors
    from pybtex.database import parse_string

    data = row(9, capture_id="<urn:uuid:9>", fetched_at="2026-11-21T23:05:07+00:00").to_dict()
    c = citation_of(data, replay_base="https://replay.example.org/news/")
    url = "https://www.orient-news.net/news/9"
    assert c.replay_url == f"https://replay.example.org/news/20261121230507/{url}"
    assert c.memento_datetime == "2026-11-21T23:05:07Z" and c.url == url
    entry = to_bibtex(c)
    assert "langid = {arabic}" in entry and "langid = {ar}" not in entry
    assert "Memento-Datetime: Sat, 21 Nov 2026 23:05:07 GMT" in entry
    errors.set_strict_mode(True)
    [parsed] = parse_string(entry, "bibtex").entries.values()
    assert parsed.fields["langid"] == "arabic" and parsed.fields["url"] == url
    assert f"replay https://replay.example.org/news/20261121230507/{url}" in to_csl(c)["note"]
    # a language biblatex has no name for gets no langid; a row never fetched, no replay URL
    other = citation_of({**data, "language": "xx", "fetched_at": None})
    assert "langid" not in to_bibtex(other) and other.replay_url is None
    assert citation_of({**data, "language": "ar-SY"}).language == "ar-SY"
    assert "langid = {arabic}" in to_bibtex(citation_of({**data, "language": "ar-SY"}))


def test_export_cites_with_the_replay_server_the_settings_name(tmp_path, capsys, monkeypatch):
    store = open_store(tmp_path / "archive")
    publish_snapshot(store, DAY, [row(1, fetched_at="2026-11-21T03:00:00Z")], {})
    monkeypatch.setenv("NEWSARCHIVE_REPLAY_URL", "https://replay.example.org/arabic-news")
    out = tmp_path / "c.json"
    argv = ["export", "--archive", str(tmp_path / "archive"), "--since", "2000-01-01"]
    assert main([*argv, "--until", "2999-12-31", "--format", "csl-json", "--out", str(out)]) == 0
    [item] = json.loads(out.read_text(encoding="utf-8"))
    assert (
        "replay https://replay.example.org/arabic-news/20261121030000/"
        "https://www.orient-news.net/news/1 (Memento-Datetime: Sat, 21 Nov 2026 03:00:00 GMT)"
    ) in item["note"]
    monkeypatch.setenv("NEWSARCHIVE_REPLAY_URL", "ftp://x")
    capsys.readouterr()
    assert main([*argv, "--until", "2999-12-31", "--format", "bibtex", "--out", str(out)]) == 2
    assert "NEWSARCHIVE_REPLAY_URL='ftp://x': give the http(s) URL" in capsys.readouterr().err


@pytest.mark.slow
def test_every_cited_replay_url_opens_its_capture_with_that_memento_datetime(
    demo_run, tmp_path, monkeypatch
):
    """On the demo run: `export --format csl-json` with the replay server's URL; pywb answers each
    citation's replay URL with the capture itself, at the citation's Memento-Datetime."""
    import urllib.request
    from email.utils import format_datetime

    from newsarchive.replay.server import PywbServer, prepare, pywb_command

    pywb_command()
    settings, _ = demo_run
    store = open_store(settings.archive)
    with PywbServer(prepare(store, tmp_path / "site")) as server:
        monkeypatch.setenv("NEWSARCHIVE_REPLAY_URL", f"{server.url}/all")
        out = tmp_path / "cited.json"
        argv = ["export", "--archive", settings.archive, "--since", "2026-11-21", "--until"]
        assert main([*argv, "2026-11-21", "--format", "csl-json", "--out", str(out)]) == 0
        rows = {r["id"]: r for r in load_articles(store, DAY, DAY).to_pylist()}
        items = json.loads(out.read_text(encoding="utf-8"))
        assert len(items) == len(rows) > 20
        for item in items[::4]:
            article = rows[item["id"]]
            c = citation_of(article, replay_base=f"{server.url}/all")
            assert c.replay_url in item["note"]
            with urllib.request.urlopen(c.replay_url, timeout=60) as response:
                body = response.read().decode("utf-8", "replace")
                when = format_datetime(article["fetched_at"].astimezone(UTC), usegmt=True)
                assert response.headers["Memento-Datetime"] == when, c.replay_url
            assert article["title"].split()[0] in body
