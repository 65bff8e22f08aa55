"""newsarchive/ops/reachability.py: the probe behind the Archive page's offline notice, saying when no
outlet answers and how to use the replica."""

from __future__ import annotations

import socket

from newsarchive.config import Settings
from newsarchive.ops.reachability import REPLICA_HINT, check


def test_reachability_says_when_no_outlet_answers_and_how_to_use_the_replica():
    with socket.socket() as listening:
        listening.bind(("127.0.0.1", 0))
        listening.listen()
        port = listening.getsockname()[1]
        with socket.socket() as closed:
            closed.bind(("127.0.0.1", 0))
            closed_port = closed.getsockname()[1]
        hosts = [
            "www.anapress.net",
            "www.orient-news.net",
            "arabic.euronews.com",
            "www.enabbaladi.net",
            "www.zamanalwsl.net",
        ]
        ok = check(Settings(host_map={h: f"127.0.0.1:{port}" for h in hosts}), timeout=2)
        assert ok["unreachable"] == 0 and ok["message"] == ""
        down = check(Settings(host_map={h: f"127.0.0.1:{closed_port}" for h in hosts}), timeout=2)
    assert down["reachable"] == 0 and REPLICA_HINT in str(down["message"])
    assert "connection_refused" in str(down["message"])
