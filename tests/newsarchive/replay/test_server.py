"""newsarchive/replay/server.py: a port in use is named in one line (the command's other refusals:
tests/newsarchive/cli/test_replay.py; serving itself: test_archivist.py, test_live_replay.py)."""

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
