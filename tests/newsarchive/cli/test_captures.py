"""`newsarchive captures` and `snapshots index` as a user runs them (in process): output, exit codes and
one-line errors."""

import json

import pytest

from newsarchive.cli.main import main
from tests.archive.test_cdxj import _make_unindexed
from tests.archive.warcs import one_page_snapshot

URL = "https://www.enabbaladi.net/archives/2026/11/%D8%AD%D9%84%D8%A8"


@pytest.fixture(autouse=True)
def cache_home(tmp_path, monkeypatch):
    """`captures` keeps checked indexes in $XDG_CACHE_HOME: a fresh one per test, never the user's."""
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    return tmp_path / "cache"


def _archive(tmp_path):
    store, ref = one_page_snapshot(tmp_path, URL)
    return store, ref, str(tmp_path / "archive")


def test_captures_text_json_and_nothing_found(tmp_path, capsys):
    _, _, archive = _archive(tmp_path)
    assert main(["captures", "enabbaladi.net/archives/2026/11/حلب", "--archive", archive]) == 0
    out = capsys.readouterr().out
    assert out.startswith(
        "1 captures of https://enabbaladi.net/archives/2026/11/%D8%AD%D9%84%D8%A8 in "
    )
    assert (
        "2026-11-20T03:00:00Z  200  text/html  2026-11-20 rev 1" in out and "article=id0001" in out
    )
    assert main(["captures", URL + "?fbclid=1", "--json", "--archive", archive]) == 0
    (line,) = capsys.readouterr().out.splitlines()
    assert json.loads(line)["article"] == "id0001" and json.loads(line)["duplicate"] is False
    assert main(["captures", URL, "--since", "2026-11-21", "--archive", archive]) == 1
    assert capsys.readouterr().out.startswith("0 captures of ")
    assert len(list((tmp_path / "cache" / "newsarchive" / "cdxj").glob("*.cdxj"))) == 1
    assert (
        main(["captures", URL, "--no-cache", "--cache", str(tmp_path / "c2"), "--archive", archive])
        == 0
    )
    assert not (tmp_path / "c2").exists()


def test_captures_bad_input_is_one_line(tmp_path, capsys):
    _, _, archive = _archive(tmp_path)
    for argv in (
        ["captures", "a b", "--archive", archive],
        ["captures", URL, "--since", "2026-11-21", "--until", "2026-11-20", "--archive", archive],
        ["captures", URL, "--archive", str(tmp_path / "nowhere")],
    ):
        assert main(argv) == 2
        err = capsys.readouterr().err
        assert (
            err.startswith("newsarchive: error: ")
            and err.count("\n") == 1
            and "Traceback" not in err
        )


def test_snapshots_index_writes_a_sidecar_once(tmp_path, capsys):
    store, ref, archive = _archive(tmp_path)
    assert main(["snapshots", "index", "2026-11-20", "--archive", archive]) == 2
    assert "already has its own index" in capsys.readouterr().err
    _make_unindexed(store, ref)
    assert main(["captures", URL, "--archive", archive]) == 1
    assert "snapshots index 2026-11-20 --rev 1" in capsys.readouterr().err
    assert main(["snapshots", "index", "2026-11-20", "--archive", archive]) == 0
    assert "sidecar CDXJ index of 1 captures" in capsys.readouterr().out
    assert main(["captures", URL, "--archive", archive]) == 0
    assert main(["snapshots", "verify", "2026-11-20", "--archive", archive]) == 0
    sidecar = tmp_path / "archive" / "indexes" / "date=2026-11-20" / "rev=1" / "index.cdxj"
    sidecar.write_bytes(sidecar.read_bytes().replace(b'"200"', b'"404"'))
    capsys.readouterr()
    assert main(["snapshots", "verify", "2026-11-20", "--archive", archive]) == 1
    assert "indexes/date=2026-11-20/rev=1/index.cdxj: expected" in capsys.readouterr().err


def test_snapshots_show_lists_files_and_sizes(tmp_path, capsys):
    _, _, archive = _archive(tmp_path)
    assert main(["snapshots", "show", "2026-11-20", "--archive", archive]) == 0
    out = capsys.readouterr().out
    assert "articles/ (1 Parquet parts, 1 rows)" in out
    assert any(
        line.split()[:1] == ["indexes/index.cdxj"] and int(line.split()[-1].replace(",", "")) > 0
        for line in out.splitlines()
    )
    assert "warc/enabbaladi.warc.gz" in out
