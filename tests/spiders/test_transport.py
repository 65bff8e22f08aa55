"""spiders/transport.py: a mapped host is requested from its loopback address with its own Host header and
the run's day, and answers under its real URL; a host that is not mapped is requested as it is.

Scrapy's download handler needs a running Twisted reactor, which runs once per process: the handler is
driven by a small script in a process of its own (so the test is slow), against an HTTP server in the
test that records what it was sent."""

from __future__ import annotations

import json
import subprocess
import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from tests.conftest import ROOT

pytestmark = pytest.mark.slow  # a process with a Twisted reactor of its own

SCRIPT = """
import json, sys
from scrapy.utils.reactor import install_reactor
install_reactor("twisted.internet.asyncioreactor.AsyncioSelectorReactor")
from twisted.internet import reactor
from scrapy import Request
from scrapy.utils.defer import deferred_from_coro
from scrapy.utils.test import get_crawler
from spiders.transport import HostMapDownloadHandler

seen = []

async def fetch_all():
    for settings, urls in json.loads(sys.argv[1]):  # one handler per crawl's settings
        handler = HostMapDownloadHandler(get_crawler(settings_dict=settings))
        for url in urls:
            request = Request(url)
            response = await handler.download_request(request)
            seen.append({"url": response.url, "status": response.status, "body": response.text,
                         "latency": request.meta.get("download_latency")})

def done(result):
    print(json.dumps(seen if result is None else repr(result)), flush=True)
    reactor.stop()

reactor.callWhenRunning(lambda: deferred_from_coro(fetch_all()).addBoth(done))
reactor.run()
"""


class _Recorder(BaseHTTPRequestHandler):
    sent: list[dict[str, str]] = []

    def do_GET(self) -> None:  # noqa: N802 - http.server's name
        headers = {k.lower(): v for k, v in self.headers.items()}
        _Recorder.sent.append({"path": self.path, **headers})
        body = f"you asked for {self.path}".encode()
        self.send_response(200)
        self.send_header("Content-Type", "text/plain; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def recorder():
    _Recorder.sent = []
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Recorder)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server.server_address[1], _Recorder.sent
    server.shutdown()
    server.server_close()


def _fetch(*crawls: tuple[dict[str, str], list[str]]) -> list[dict]:
    """Each URL fetched by the handler of its crawl's settings: the responses, in order."""
    proc = subprocess.run(
        [sys.executable, "-c", SCRIPT, json.dumps(crawls)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert proc.returncode == 0, proc.stderr[-2000:]
    return json.loads(proc.stdout.splitlines()[-1])


def test_a_mapped_host_is_fetched_from_loopback_under_its_own_name_and_url(recorder):
    port, sent = recorder
    mapping = {"NEWSARCHIVE_HOST_MAP": json.dumps({"www.anapress.net": f"127.0.0.1:{port}"})}
    mapped = "https://www.anapress.net/ar/news?id=7#comments"
    plain = f"http://127.0.0.1:{port}/robots.txt"
    got = _fetch(
        ({**mapping, "NEWSARCHIVE_RUN_DAY": "2026-11-21"}, [mapped, plain]),
        (mapping, ["https://www.anapress.net"]),  # no run day: the replica plays its own
    )
    # the response keeps the URL Scrapy asked for; the fragment never leaves the process
    assert [g["url"] for g in got] == [mapped, plain, "https://www.anapress.net"]
    assert [g["body"] for g in got] == [
        "you asked for /ar/news?id=7",
        "you asked for /robots.txt",
        "you asked for /",
    ]
    assert sent[0]["host"] == "www.anapress.net" and sent[0]["x-replica-day"] == "2026-11-21"
    # a host that is not mapped is requested as it is, and never told the run's day
    assert sent[1]["host"] == f"127.0.0.1:{port}" and "x-replica-day" not in sent[1]
    assert sent[2]["host"] == "www.anapress.net" and "x-replica-day" not in sent[2]
    # what the handler measured reaches the request the rest of Scrapy sees (AutoThrottle reads it)
    assert all(isinstance(g["latency"], float) and g["latency"] > 0 for g in got)
