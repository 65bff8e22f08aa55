"""The replica's HTTP server: one loopback port serves every outlet, chosen by the Host header."""

from __future__ import annotations

import gzip
import hashlib
import logging
import sys
import threading
import time
from collections import OrderedDict
from datetime import UTC, date, datetime
from email.utils import format_datetime, parsedate_to_datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

from common.errors import ConfigError
from replica import assets, control, faults
from replica.catalog import EPOCH, Catalog
from replica.sites import SITES, Site

logger = logging.getLogger(__name__)
LAST_MODIFIED = format_datetime(EPOCH.astimezone(UTC), usegmt=True)


DAY_HEADER = (
    "X-Replica-Day"  # the run's day, sent by the transport to a mapped host (spiders/transport.py)
)
DAYS_KEPT = 8  # living-replica days kept built in memory


class _World:
    """Every site as it is on one day (or the static replica): catalog, sites by host, documents."""

    def __init__(self, catalog: Catalog):
        self.catalog = catalog
        self.sites: dict[str, Site] = {}
        for site_cls in SITES:
            site = site_cls(catalog)
            for host in site.hosts:
                self.sites[host] = site
        self.documents = {
            (s.outlet, p): doc for s in set(self.sites.values()) for p, doc in s.documents().items()
        }


class Replica:
    """The replica's content: every site, addressable by host name.

    living: the sites play days (replica/days.py). A request's X-Replica-Day header (YYYY-MM-DD) picks
    the day; without it, `day` (default: today, UTC)."""

    def __init__(self, per_outlet: int = 20, *, living: bool = False, day: date | None = None):
        self.living = living
        self.day = day
        self.faults = faults.Faults()
        self.requests: list[
            tuple[float, str, str]
        ] = []  # (monotonic time, host, path?query) of each request
        self._log_lock = threading.Lock()
        self._worlds: OrderedDict[date | None, _World] = OrderedDict()
        self._world_lock = threading.Lock()
        self._static = _World(Catalog(per_outlet=per_outlet)) if not living else None

    def world(self, day: date | None = None) -> _World:
        if self._static is not None:
            return self._static
        day = day or self.day or datetime.now(UTC).date()
        with self._world_lock:
            if day not in self._worlds:
                self._worlds[day] = _World(Catalog(day=day))
                while len(self._worlds) > DAYS_KEPT:
                    self._worlds.popitem(last=False)
            self._worlds.move_to_end(day)
            return self._worlds[day]

    def world_for(self, header: str | None) -> _World:
        """The world a request sees: the day its header names (ignored unless living, or malformed)."""
        if self.living and header:
            try:
                return self.world(date.fromisoformat(header.strip()))
            except ValueError:
                pass
        return self.world()

    @property
    def catalog(self) -> Catalog:
        return self.world().catalog

    @property
    def sites(self) -> dict[str, Site]:
        return self.world().sites

    def site_for(self, host: str, world: _World | None = None) -> Site | None:
        return (world or self.world()).sites.get(host.split(":")[0].lower())

    def log_request(self, host: str, target: str) -> None:
        with self._log_lock:
            self.requests.append((time.monotonic(), host.split(":")[0].lower(), target))

    def requisite(
        self, host: str, target: str, world: _World | None = None
    ) -> tuple[str, bytes] | None:
        """(content type, body) of a stylesheet, script, font or picture at host + path?query."""
        site = self.site_for(host, world)
        return assets.resolve(
            site.outlet if site else None, host.split(":")[0].lower(), urlsplit(target).path
        )

    def resolve(self, host: str, target: str, world: _World | None = None) -> tuple[int, str, str]:
        """(status, content type, text) for a request to host + path?query."""
        world = world or self.world()
        site = self.site_for(host, world)
        if site is None:
            if host.split(":")[0].lower() in assets.CDN_HOSTS:
                if urlsplit(target).path == "/robots.txt":
                    return 200, "text/plain; charset=utf-8", assets.robots()
                return 404, "text/plain; charset=utf-8", "not found\n"
            return 404, "text/plain; charset=utf-8", f"unknown host {host}\n"
        parts = urlsplit(target)
        if parts.path == "/robots.txt":
            return (
                200,
                "text/plain; charset=utf-8",
                site.robots(self.faults.disallowed(site.outlet)),
            )
        if doc := world.documents.get((site.outlet, parts.path)):
            return 200, doc[0] + "; charset=utf-8", doc[1]
        if parts.path == site.section_path:
            page = parse_qs(parts.query).get("page", ["1"])[0]
            html = site.section(int(page)) if page.isdigit() else None
            if html:
                return 200, "text/html; charset=utf-8", html
        if how := site.gone_at(parts.path):
            if how == "home":  # a redirect: the text is where to (_Handler sends it as Location)
                return 301, "text/html; charset=utf-8", site.base + "/"
            if how == "soft404":
                return 200, "text/html; charset=utf-8", site.not_found_html()
            return 404, "text/html; charset=utf-8", "<html><body><h1>404</h1></body></html>"
        if article := site.article_at(parts.path):
            return 200, "text/html; charset=utf-8", site.article_html(article)
        return 404, "text/html; charset=utf-8", "<html><body><h1>404</h1></body></html>"


class _Handler(BaseHTTPRequestHandler):
    server: _Server
    protocol_version = "HTTP/1.1"

    def do_PUT(self) -> None:  # noqa: N802 (http.server's naming)
        if control.handles(self):
            return control.answer(self, "PUT")
        self.reply(405, "text/plain", b"method not allowed\n", compress=False)

    def do_DELETE(self) -> None:  # noqa: N802
        if control.handles(self):
            return control.answer(self, "DELETE")
        self.reply(405, "text/plain", b"method not allowed\n", compress=False)

    def do_GET(self) -> None:  # noqa: N802 (http.server's naming)
        if control.handles(self):
            return control.answer(self, "GET")
        replica = self.server.replica
        host = self.headers.get("Host", "")
        replica.log_request(host, self.path)
        world = replica.world_for(self.headers.get(DAY_HEADER))
        site = replica.site_for(host, world)
        path = urlsplit(self.path).path
        mode = replica.faults.mode_for(site.outlet, path) if site else None
        if (requisite := replica.requisite(host, self.path, world)) is not None:
            ctype, body = requisite
            if (
                mode in faults.WITHOUT_BODY
            ):  # a fault that needs the healthy page's text leaves it be
                replica.faults.note_served(site.outlet, mode)  # type: ignore[union-attr]
                return faults.serve(self, mode, site.outlet, path, (200, ctype, ""))  # type: ignore[union-attr]
            return self.reply(200, ctype, body, compress=not ctype.startswith(("image/", "font/")))
        ok = replica.resolve(host, self.path, world)
        if mode:
            replica.faults.note_served(site.outlet, mode)
            faults.serve(self, mode, site.outlet, path, ok)
        elif ok[0] == 301:
            self.reply(301, ok[1], b"", headers={"Location": ok[2]}, compress=False)
        else:
            status, ctype, text = ok
            article = site.article_at(path) if site and status == 200 else None
            changed = (article.modified or article.published) if article else None
            self.reply(status, ctype, text.encode("utf-8"), last_modified=changed)

    def reply(
        self,
        status: int,
        ctype: str,
        body: bytes,
        *,
        headers: dict[str, str] | None = None,
        compress: bool = True,
        last_modified: datetime | None = None,
    ) -> None:
        """Send a response; 200s carry validators and answer conditional requests with 304. An article
        page's Last-Modified is when its story last changed, compared as a time (a revisit's
        If-Modified-Since is when the archive last fetched it)."""
        extra = dict(headers or {})
        if status == 200:
            etag = '"' + hashlib.blake2b(body, digest_size=12).hexdigest() + '"'
            modified = (
                format_datetime(last_modified.astimezone(UTC), usegmt=True)
                if last_modified
                else LAST_MODIFIED
            )
            extra.update({"ETag": etag, "Last-Modified": modified})
            since = self.headers.get("If-Modified-Since")
            if etag in self.headers.get("If-None-Match", "") or (
                "If-None-Match" not in self.headers
                and since is not None
                and (since == modified or _not_after(last_modified, since))
            ):
                status, body = 304, b""
        self.send_response(status)
        if status != 304:
            self.send_header("Content-Type", ctype)
        for name, value in extra.items():
            self.send_header(name, value)
        if compress and "gzip" in self.headers.get("Accept-Encoding", "") and len(body) > 1024:
            body = gzip.compress(body, compresslevel=6, mtime=0)  # what web servers use
            self.send_header("Content-Encoding", "gzip")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: object) -> None:  # noqa: A002
        logger.debug("replica: " + format, *args)


def _not_after(changed: datetime | None, since: str) -> bool:
    """The page last changed no later than the HTTP date `since` (False when either is unknown)."""
    if changed is None:
        return False
    try:
        return changed.replace(microsecond=0) <= parsedate_to_datetime(since)
    except (TypeError, ValueError):
        return False


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    replica: Replica

    def handle_error(self, request, client_address) -> None:
        """A client that hangs up (size limit, timeout) is part of the faults we serve; anything else is logged."""
        if isinstance(sys.exc_info()[1], (ConnectionResetError, BrokenPipeError)):
            return
        super().handle_error(request, client_address)


class ReplicaServer:
    """Serves a Replica on 127.0.0.1 in a background thread (port 0 picks a free port)."""

    def __init__(
        self, per_outlet: int = 20, port: int = 0, *, living: bool = False, day: date | None = None
    ):
        self.replica = Replica(per_outlet=per_outlet, living=living, day=day)
        if not isinstance(port, int) or not 0 <= port <= 65535:
            raise ConfigError(
                f"replica port {port!r} is out of range; give 0-65535 (0 picks a free port)"
            )
        try:
            self._server = _Server(("127.0.0.1", port), _Handler)
        except OSError as exc:
            raise ConfigError(
                f"replica port {port} on 127.0.0.1 cannot be used ({exc.strerror or exc}); "
                "give another port, or 0 for a free one"
            ) from None
        self._server.replica = self.replica
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    @property
    def port(self) -> int:
        return self._server.server_address[1]

    @property
    def host_map(self) -> dict[str, str]:
        """Every outlet host (and the CDN host) mapped to this server's loopback address."""
        hosts = [*self.replica.sites, *assets.CDN_HOSTS]
        return {host: f"127.0.0.1:{self.port}" for host in hosts}

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
