"""`newsarchive replay`'s refusals, in process (serving itself is tested in test_archivist.py)."""

import socket

from newsarchive.cli.main import main


def test_a_busy_port_is_named(tmp_path, capsys):
    (tmp_path / "archive").mkdir()
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        assert main(["replay", "--port", str(port), "--archive", str(tmp_path / "archive")]) == 2
    err = capsys.readouterr().err
    assert (
        err
        == f"newsarchive: error: --port {port}: the port is in use on 127.0.0.1; give another (0 picks a free one)\n"
    )


def test_an_archive_without_snapshots_has_nothing_to_replay(tmp_path, capsys):
    (tmp_path / "archive").mkdir()
    assert main(["replay", "--port", "0", "--archive", str(tmp_path / "archive")]) == 1
    assert "no indexed snapshots in" in capsys.readouterr().err
    assert main(["replay", "--port", "0", "--archive", str(tmp_path / "missing")]) == 2
    assert "does not exist" in capsys.readouterr().err
