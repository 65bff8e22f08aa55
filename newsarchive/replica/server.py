"""The replica's HTTP server: one loopback port serves every outlet, chosen by the Host header."""

from __future__ import annotations

import gzip
import logging
import threading
from functools import cached_property
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

from newsarchive.replica.catalog import Catalog
from newsarchive.replica.sites import SITES, Site

logger = logging.getLogger(__name__)


class Replica:
    """The replica's content: every site, addressable by host name."""

    def __init__(self, per_outlet: int = 20):
        self.catalog = Catalog(per_outlet=per_outlet)
        self.sites: dict[str, Site] = {}
        for site_cls in SITES:
            site = site_cls(self.catalog)
            for host in site.hosts:
                self.sites[host] = site

    @cached_property
    def _documents(self) -> dict[tuple[str, str], tuple[str, str]]:
        return {(s.outlet, p): doc for s in set(self.sites.values()) for p, doc in s.documents().items()}

    def resolve(self, host: str, target: str) -> tuple[int, str, str]:
        """(status, content type, text) for a request to host + path?query."""
        site = self.sites.get(host.split(":")[0].lower())
        if site is None:
            return 404, "text/plain; charset=utf-8", f"unknown host {host}\n"
        parts = urlsplit(target)
        if parts.path == "/robots.txt":
            return 200, "text/plain; charset=utf-8", site.robots()
        if doc := self._documents.get((site.outlet, parts.path)):
            return 200, doc[0] + "; charset=utf-8", doc[1]
        if parts.path == site.section_path:
            page = parse_qs(parts.query).get("page", ["1"])[0]
            html = site.section(int(page)) if page.isdigit() else None
            if html:
                return 200, "text/html; charset=utf-8", html
        if article := site.article_at(parts.path):
            return 200, "text/html; charset=utf-8", site.article_html(article)
        return 404, "text/html; charset=utf-8", "<html><body><h1>404</h1></body></html>"


class _Handler(BaseHTTPRequestHandler):
    server: _Server
    protocol_version = "HTTP/1.1"

    def do_GET(self) -> None:  # noqa: N802 (http.server's naming)
        status, ctype, text = self.server.replica.resolve(self.headers.get("Host", ""), self.path)
        body = text.encode("utf-8")
        self.send_response(status)
        self.send_header("Content-Type", ctype)
        if "gzip" in self.headers.get("Accept-Encoding", "") and len(body) > 1024:
            body = gzip.compress(body, mtime=0)
            self.send_header("Content-Encoding", "gzip")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: object) -> None:  # noqa: A002
        logger.debug("replica: " + format, *args)


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    replica: Replica


class ReplicaServer:
    """Serves a Replica on 127.0.0.1 in a background thread (port 0 picks a free port)."""

    def __init__(self, per_outlet: int = 20, port: int = 0):
        self.replica = Replica(per_outlet=per_outlet)
        self._server = _Server(("127.0.0.1", port), _Handler)
        self._server.replica = self.replica
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    @property
    def port(self) -> int:
        return self._server.server_address[1]

    @property
    def host_map(self) -> dict[str, str]:
        """Every outlet host mapped to this server's loopback address."""
        return {host: f"127.0.0.1:{self.port}" for host in self.replica.sites}

    def start(self) -> ReplicaServer:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()

    def __enter__(self) -> ReplicaServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()
