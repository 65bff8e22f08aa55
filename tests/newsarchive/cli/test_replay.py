"""newsarchive/cli/replay.py: `newsarchive replay` refuses what it cannot serve before starting pywb: an
archive that is not there, one without an indexed snapshot (each snapshot left out named), bad options.
(Serving, and snapshots published while it serves: tests/newsarchive/replay/test_live_replay.py.)"""

from __future__ import annotations

import pytest

from newsarchive.cli.main import main
from tests.archive.test_cdxj import _make_unindexed
from tests.archive.warcs import one_page_snapshot


def test_an_archive_without_snapshots_has_nothing_to_replay(tmp_path, capsys):
    (tmp_path / "archive").mkdir()
    assert main(["replay", "--port", "0", "--archive", str(tmp_path / "archive")]) == 1
    assert "no indexed snapshots in" in capsys.readouterr().err
    assert main(["replay", "--port", "0", "--archive", str(tmp_path / "missing")]) == 2
    assert "does not exist" in capsys.readouterr().err


def test_a_snapshot_without_its_index_is_named_and_left_out(tmp_path, capsys):
    """A snapshot without a capture index (an older version published it so) is named in a warning with
    how to index it, and not served; the site pywb would read is prepared in --workdir all the same."""
    store, ref = one_page_snapshot(tmp_path)
    _make_unindexed(store, ref)
    argv = ["replay", "--port", "0", "--archive", str(tmp_path / "archive")]
    assert main([*argv, "--workdir", str(tmp_path / "site")]) == 1
    assert capsys.readouterr().err.splitlines() == [
        "newsarchive: warning: snapshot 2026-11-20 rev 1 has no CDXJ index; make one with "
        "`newsarchive snapshots index 2026-11-20 --rev 1`",
        f"no indexed snapshots in {store.url}: nothing to replay",
    ]
    assert "collections_root" in (tmp_path / "site" / "config.yaml").read_text()


@pytest.mark.parametrize(
    ("option", "named"),
    [(["--refresh", "0"], "--refresh"), (["--port", "65536"], "--port")],
)
def test_a_bad_option_is_one_line_and_exit_2(tmp_path, option, named, capsys):
    with pytest.raises(SystemExit) as done:
        main(["replay", *option, "--archive", str(tmp_path)])
    err = capsys.readouterr().err
    assert done.value.code == 2 and err.count("\n") == 1 and named in err


def test_a_workdir_that_is_a_file_is_refused(tmp_path, capsys):
    (tmp_path / "archive").mkdir()
    (tmp_path / "file").write_text("")
    argv = ["replay", "--port", "0", "--archive", str(tmp_path / "archive")]
    with pytest.raises(SystemExit) as done:
        main([*argv, "--workdir", str(tmp_path / "file")])
    err = capsys.readouterr().err
    assert done.value.code == 2 and err.count("\n") == 1 and "--workdir" in err
