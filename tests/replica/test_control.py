"""Faults changed on a running replica (what `make fault` and `make heal` call): same port, same process,
one parser for every way faults are written."""

from __future__ import annotations

import json
import urllib.error
import urllib.request

import pytest

from replica.faults import FaultSpecError, parse_specs
from replica.server import ReplicaServer

OUTLETS = ["anapress", "enabbaladi", "euronews", "orient", "zamanalwsl"]


def _call(port: int, method: str = "GET", body: str | None = None, host: str | None = None):
    request = urllib.request.Request(
        f"http://127.0.0.1:{port}/_replica/faults"
        if host is None
        else f"http://127.0.0.1:{port}/robots.txt",
        data=body.encode() if body is not None else None,
        method=method,
        headers={"Host": host} if host else {},
    )
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, response.read().decode()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read().decode()


def test_faults_change_on_the_running_replica_and_it_says_when_the_first_was_served():
    with ReplicaServer(per_outlet=3) as server:
        port = server.port
        assert _call(port, host="www.zamanalwsl.net")[0] == 200
        status, text = _call(port, "PUT", "zamanalwsl:http_500, orient:timeout:/x")
        assert status == 200 and "fault: zamanalwsl (every path): http_500" in text
        assert _call(port, host="www.zamanalwsl.net")[0] == 500
        listing = json.loads(_call(port)[1])
        assert {(f["outlet"], f["mode"], f["path"]) for f in listing["faults"]} == {
            ("zamanalwsl", "http_500", None),
            ("orient", "timeout", "/x"),
        }
        served = listing["served"]["zamanalwsl"]["http_500"]
        assert served["count"] == 1 and served["first"].startswith("20")
        status, text = _call(port, "PUT", "euronews:http_503")  # exactly these from now on
        assert status == 200 and _call(port, host="www.zamanalwsl.net")[0] == 200
        status, text = _call(port, "PUT", "bogus:http_500")
        assert status == 400 and "unknown outlet 'bogus'" in text and text.count("\n") == 1
        assert json.loads(_call(port)[1])["faults"][0]["outlet"] == "euronews"  # kept on a bad one
        assert _call(port, "DELETE") == (200, "healed: no fault is served\n")
        assert json.loads(_call(port)[1])["faults"] == []
        assert server.port == port  # the same server throughout


@pytest.mark.parametrize(
    "text, named",
    [
        ("zamanalwsl", "unknown mode ''"),
        ("zamanalwsl:http_501", "unknown mode 'http_501'"),
        ("nobody:http_500", "unknown outlet 'nobody'"),
        ("orient:timeout:x", "must start with /"),
    ],
)
def test_a_fault_written_wrong_is_named_with_what_to_write(text, named):
    with pytest.raises(FaultSpecError, match=named):
        parse_specs(text, OUTLETS)
