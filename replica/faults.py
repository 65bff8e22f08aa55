"""Switchable faults of the replica: what real news sites do to crawlers, one mode per path.

`replica.faults.set("anapress", "http_500")` breaks every path of an outlet; a list of paths breaks only
those (`replica.faults.set("anapress", "timeout", ["/a/7"])`); `replica.faults.clear()` heals it.
Every mode is served by `serve()` on the raw connection, so resets and truncation are real.

Faults are written `OUTLET:MODE[:PATH]`, several separated by commas (`parse_specs`, the one parser of
`newsarchive replica --fault`, `make run REPLICA=1 FAULT=...` and `make fault FAULT=...`); a running
replica replaces them all at once (`Faults.replace`) and keeps when it first served each (`served`).
"""

from __future__ import annotations

import gzip
import json
import re
import socket
import struct
import threading
import time
from dataclasses import replace
from datetime import UTC, datetime
from functools import cache
from urllib.parse import parse_qs, urlsplit
from xml.sax.saxutils import escape as xml_escape

from replica import markup

HOSTILE = (
    "sitemap_chain",
    "sitemap_fanout",
    "meta_refresh_offsite",
    "backslash_redirect",
    "redirect_self",
    "long_link",
    "hostile_lang",
    "new_furniture",
)
FANOUT = 2000
LONG_URL = 2100  # over Scrapy's URLLENGTH_LIMIT (2,083)
# mode -> what it does (the docs of `newsarchive replica --fault`, and the test matrix)
MODES = {
    "http_500": "500 Internal Server Error",
    "http_503": "503 Service Unavailable with Retry-After: 1, every time",
    "http_429": "429 Too Many Requests with Retry-After: 1, every time",
    "retry_after_once": "429 with Retry-After: 2 on the first request of a path, the page after that",
    "timeout": "accepts the request and never answers (until the client gives up)",
    "slow": "answers after 1.5 s",
    "reset": "closes the connection with a TCP reset before answering",
    "truncated": "announces the full Content-Length, sends half the body, closes",
    "redirect_loop": "302 to the same path with a counter, forever",
    "offsite_redirect": "302 to a host outside the outlet's domains",
    "moved": "301 to the path with ?moved=1, which answers 302 to ?moved=2, which serves the page",
    "robots_disallow": "robots.txt disallows the path (the page itself is fine)",
    "gzip_bomb": "Content-Encoding: gzip whose body inflates to 64 MiB",
    "oversized": "a 24 MiB page",
    "hostile_xml": "XML with an external entity (file:///etc/passwd) and a billion-laughs DTD",
    "malformed_xml": "XML cut off in the middle of an element",
    "charset_wrong": "windows-1256 bytes served as charset=utf-8 (no <meta charset>)",
    "charset_missing": "windows-1256 bytes, no charset in the header, <meta charset=windows-1256>",
    "iso8859_6": "ISO-8859-6 bytes served as charset=iso-8859-6",
    "iso8859_6_mislabelled": "ISO-8859-6 bytes served as charset=windows-1256 (no <meta charset>)",
    "iso8859_6_undeclared": "ISO-8859-6 bytes, no charset in the header or the page",
    "not_html": "application/pdf instead of the page",
    # pages that are cheap to serve and costly to extract (extract/batch.py bounds each page)
    "slow_extract": "the page with one element of 200,000 attributes (2 MB): tens of seconds of lxml",
    "memory_hog": "the page with 7.5 MiB of unclosed <p> tags (2.6 million empty paragraphs): several "
    "hundred MiB of address space to parse",
    # hostile sites: limits and requests Scrapy drops without a word (spiders/drops.py)
    "sitemap_chain": "a sitemap index whose only child is the same path one level deeper (?level=N), endlessly",
    "sitemap_fanout": f"a sitemap index of {FANOUT:,} sitemaps (?n=K), each an empty urlset",
    "meta_refresh_offsite": "the page, with <meta http-equiv=refresh> to a host outside the outlet's domains",
    "backslash_redirect": "302 to https:\\\\elsewhere.example/... (urllib reads it as a path on the outlet's "
    "host; Scrapy, like browsers, requests elsewhere.example)",
    "redirect_self": "302 to the page's own URL (Scrapy's dupefilter drops the redirect)",
    "long_link": f"the feed, sitemap or section page also lists an article URL over {LONG_URL:,} characters",
    "hostile_lang": 'the page declares <html lang="ar/../eg"> and og:locale ../../x (values that must never '
    "become a key or a path)",
    "new_furniture": 'the page with an app promotion after its last paragraph (<p class="app-promo">) that no '
    "generic furniture rule knows: only a prune rule for .app-promo removes it",
}
# the modes whose answer does not use the healthy body: they break a stylesheet, script, font or picture
# as they break a page (the others leave those files as they are)
WITHOUT_BODY = frozenset(
    {
        "http_500",
        "http_503",
        "http_429",
        "timeout",
        "reset",
        "redirect_loop",
        "offsite_redirect",
        "backslash_redirect",
        "redirect_self",
        "gzip_bomb",
        "oversized",
        "not_html",
    }
)
PROMO_LINE = "حمّلوا تطبيقنا على هواتفكم لمتابعة الأخبار العاجلة أولاً بأول"
BOMB_SIZE = 64 * 1024 * 1024
OVERSIZED = 24 * 1024 * 1024
TIMEOUT_HOLD_S = 20.0
SLOW_S = 1.5


class FaultSpecError(ValueError):
    """A fault written wrong: the message says what to write instead."""


def parse_specs(
    text: str, outlets: list[str] | tuple[str, ...]
) -> list[tuple[str, str, str | None]]:
    """`OUTLET:MODE[:PATH][,OUTLET:MODE[:PATH]...]` as (outlet, mode, path or None); FaultSpecError
    naming the first wrong one."""
    specs = []
    for spec in (s.strip() for s in text.split(",")):
        if not spec:
            continue
        outlet, _, rest = spec.partition(":")
        mode, _, path = rest.partition(":")
        if outlet not in outlets:
            raise FaultSpecError(
                f"fault {spec!r}: unknown outlet {outlet!r}; choose one of {', '.join(sorted(outlets))}"
            )
        if mode not in MODES:
            raise FaultSpecError(
                f"fault {spec!r}: unknown mode {mode!r}; write OUTLET:MODE[:PATH] with a mode of "
                f"{', '.join(MODES)}"
            )
        if path and (not path.startswith("/") or not path.isprintable() or len(path) > 2000):
            raise FaultSpecError(f"fault {spec!r}: the path must start with / (e.g. /rss.php)")
        specs.append((outlet, mode, path or None))
    return specs


def describe(outlet: str, mode: str, path: str | None) -> str:
    return f"fault: {outlet} {path or '(every path)'}: {mode} - {MODES[mode]}"


class Faults:
    """outlet -> {path or "*": mode}; thread-safe, changeable while the server runs."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._by_outlet: dict[str, dict[str, str]] = {}
        self._hits: dict[tuple[str, str], int] = {}
        self._served: dict[tuple[str, str], tuple[str, int]] = {}  # (outlet, mode): (first, count)

    def replace(self, specs: list[tuple[str, str, str | None]]) -> None:
        """Exactly these faults from now on (an empty list heals every outlet), in one step."""
        rules: dict[str, dict[str, str]] = {}
        for outlet, mode, path in specs:
            if mode not in MODES:
                raise ValueError(f"unknown fault mode {mode!r}; choose one of {sorted(MODES)}")
            rules.setdefault(outlet, {})[path or "*"] = mode
        with self._lock:
            self._by_outlet = rules
            self._hits.clear()

    def listing(self) -> list[tuple[str, str, str | None]]:
        with self._lock:
            return [
                (outlet, mode, None if path == "*" else path)
                for outlet, rules in sorted(self._by_outlet.items())
                for path, mode in sorted(rules.items())
            ]

    def note_served(self, outlet: str, mode: str) -> None:
        """Count an answer given with a fault (the first one's time is when the fault began to show)."""
        with self._lock:
            first, count = self._served.get((outlet, mode), ("", 0))
            self._served[(outlet, mode)] = (first or datetime.now(UTC).isoformat(), count + 1)

    def served(self) -> dict[str, dict[str, dict[str, object]]]:
        with self._lock:
            out: dict[str, dict[str, dict[str, object]]] = {}
            for (outlet, mode), (first, count) in sorted(self._served.items()):
                out.setdefault(outlet, {})[mode] = {"first": first, "count": count}
            return out

    def set(self, outlet: str, mode: str, paths: list[str] | None = None) -> None:
        if mode not in MODES:
            raise ValueError(f"unknown fault mode {mode!r}; choose one of {sorted(MODES)}")
        with self._lock:
            rules = self._by_outlet.setdefault(outlet, {})
            for path in paths or ["*"]:
                rules[path] = mode

    def clear(self, outlet: str | None = None) -> None:
        with self._lock:
            if outlet is None:
                self._by_outlet.clear()
                self._hits.clear()
            else:
                self._by_outlet.pop(outlet, None)

    def mode_for(self, outlet: str, path: str) -> str | None:
        with self._lock:
            rules = self._by_outlet.get(outlet, {})
            return rules.get(path) or rules.get("*")

    def disallowed(self, outlet: str) -> list[str]:
        with self._lock:
            return [
                p
                for p, m in self._by_outlet.get(outlet, {}).items()
                if m == "robots_disallow" and p != "*"
            ]

    def hit(self, outlet: str, path: str) -> int:
        """How many times this path was requested before (for modes that change after the first)."""
        with self._lock:
            n = self._hits.get((outlet, path), 0)
            self._hits[(outlet, path)] = n + 1
            return n


@cache
def _bomb() -> bytes:
    return gzip.compress(b"\0" * BOMB_SIZE, compresslevel=9, mtime=0)


def _hostile_xml() -> bytes:
    return (
        b'<?xml version="1.0"?>\n<!DOCTYPE rss [\n<!ENTITY xxe SYSTEM "file:///etc/passwd">\n'
        b'<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">\n'
        b'<!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">\n'
        b'<!ENTITY lol4 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;">\n]>\n'
        b'<rss version="2.0"><channel><title>&lol4;</title>'
        b"<item><title>&xxe;</title><link>&xxe;</link></item></channel></rss>\n"
    )


_SCRIPT = re.compile(r"(<script[^>]*>)(.*?)(</script>)", re.S)


def _legacy(text: str, codec: str, meta: str | None = None) -> bytes:
    """The page in a single-byte charset, as a legacy CMS writes it: characters the charset lacks
    become character references in the markup and \\u escapes inside scripts (JSON-LD)."""
    text = text.replace('<meta charset="utf-8">', f'<meta charset="{meta}">' if meta else "")

    def script(match: re.Match) -> str:
        body = "".join(
            ch if _encodable(ch, codec) else json.dumps(ch)[1:-1] for ch in match.group(2)
        )
        return match.group(1) + body + match.group(3)

    return _SCRIPT.sub(script, text).encode(codec, errors="xmlcharrefreplace")


def _encodable(ch: str, codec: str) -> bool:
    try:
        ch.encode(codec)
    except UnicodeEncodeError:
        return False
    return True


def _hostile(
    handler, mode: str, path: str, ok: tuple[int, str, str]
) -> tuple[int, str, str, dict[str, str]]:
    """(status, content type, text, headers) of the hostile-site modes."""
    status, ctype, text = ok
    site = handler.server.replica.site_for(handler.headers.get("Host", ""))
    query = parse_qs(urlsplit(handler.path).query)
    if mode == "sitemap_chain":
        level = int(query.get("level", ["0"])[0]) + 1
        return (
            200,
            "application/xml",
            markup.sitemap_index([(f"{site.base}{path}?level={level}", _now())]),
            {},
        )
    if mode == "sitemap_fanout":
        if "n" in query:
            return 200, "application/xml", markup.urlset([]), {}
        children = [(f"{site.base}{path}?n={n}", _now()) for n in range(FANOUT)]
        return 200, "application/xml", markup.sitemap_index(children), {}
    if mode == "meta_refresh_offsite":
        refresh = f'<meta http-equiv="refresh" content="0; url=https://elsewhere.example{path}">'
        return status, ctype, text.replace("<head>", "<head>" + refresh, 1), {}
    if mode == "backslash_redirect":
        return 302, "text/plain", "", {"Location": f"https:\\\\elsewhere.example{path}"}
    if mode == "redirect_self":
        return 302, "text/plain", "", {"Location": handler.path}
    if mode == "long_link":
        first = site.articles[0]
        url = xml_escape(site.url(replace(first, key=first.key + "1" * LONG_URL)))
        for anchor, link in (
            (r"<channel>", f"<item><title>long</title><link>{url}</link></item>"),
            (r"<urlset[^>]*>", f"<url><loc>{url}</loc></url>"),
            (r"<body>", f'<a href="{url}">x</a>'),
        ):
            text, found = re.subn(anchor, lambda m, link=link: m.group(0) + link, text, count=1)
            if found:
                break
        return status, ctype, text, {}
    if mode == "hostile_lang":
        text = re.sub(r'<html([^>]*) lang="[^"]*"', r'<html\1 lang="ar/../eg"', text, count=1)
        return (
            status,
            ctype,
            text.replace("<head>", '<head><meta property="og:locale" content="../../x">', 1),
            {},
        )
    if mode == "new_furniture":
        head, end, tail = text.rpartition("</p>")
        promo = (
            f'<p class="app-promo">{PROMO_LINE}</p>' if end else ""
        )  # feeds and sitemaps unchanged
        return status, ctype, head + end + promo + tail, {}
    raise ValueError(f"unknown fault mode {mode!r}")


@cache
def _costly(mode: str) -> str:
    if mode == "slow_extract":
        return "<div " + " ".join(f"a{i}=v" for i in range(200_000)) + "></div>"
    return memory_hog_paragraphs()


def memory_hog_paragraphs() -> str:
    """7.5 MiB of unclosed <p> tags: 2.6 million empty paragraphs, several hundred MiB of address space
    as soon as they are parsed (under the 8 MiB an extracted page may have)."""
    return "<p>" * (int(7.5 * 1024 * 1024) // 3)


def _now() -> datetime:
    return datetime.now(UTC).replace(microsecond=0)


def serve(handler, mode: str, outlet: str, path: str, ok: tuple[int, str, str]) -> None:
    """Answer handler's request with the fault; `ok` is what the path serves when healthy."""
    status, ctype, text = ok
    faults: Faults = handler.server.replica.faults
    if mode == "http_500":
        return handler.reply(500, "text/html; charset=utf-8", b"<h1>500 Internal Server Error</h1>")
    if mode in ("http_503", "http_429"):
        return handler.reply(
            int(mode[-3:]),
            "text/html; charset=utf-8",
            b"<h1>busy</h1>",
            headers={"Retry-After": "1"},
        )
    if mode == "retry_after_once":
        if faults.hit(outlet, path) == 0:
            return handler.reply(429, "text/plain", b"slow down", headers={"Retry-After": "2"})
        return handler.reply(status, ctype, text.encode("utf-8"))
    if mode == "timeout":
        time.sleep(TIMEOUT_HOLD_S)
        handler.close_connection = True
        return None
    if mode == "slow":
        time.sleep(SLOW_S)
        return handler.reply(status, ctype, text.encode("utf-8"))
    if mode == "reset":
        handler.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        handler.close_connection = True
        return None
    if mode == "truncated":
        body = text.encode("utf-8")
        handler.send_response(status)
        handler.send_header("Content-Type", ctype)
        handler.send_header("Content-Length", str(len(body)))
        handler.end_headers()
        handler.wfile.write(body[: len(body) // 2])
        handler.wfile.flush()
        handler.close_connection = True
        return None
    if mode == "redirect_loop":
        n = faults.hit(outlet, path) + 1
        return handler.reply(302, "text/plain", b"", headers={"Location": f"{path}?r={n}"})
    if mode == "moved":  # a site reorganised: each hop of the chain is a response of its own
        hop = parse_qs(urlsplit(handler.path).query).get("moved", ["0"])[0]
        if hop in ("0", "1"):
            return handler.reply(
                301 if hop == "0" else 302,
                "text/html; charset=utf-8",
                b"<h1>Moved</h1>",
                headers={"Location": f"{path}?moved={int(hop) + 1}"},
            )
        return handler.reply(status, ctype, text.encode("utf-8"))
    if mode == "offsite_redirect":
        return handler.reply(
            302, "text/plain", b"", headers={"Location": f"https://elsewhere.example{path}"}
        )
    if mode == "robots_disallow":
        return handler.reply(status, ctype, text.encode("utf-8"))
    if mode == "gzip_bomb":
        return handler.reply(
            200,
            "text/html; charset=utf-8",
            _bomb(),
            headers={"Content-Encoding": "gzip"},
            compress=False,
        )
    if mode == "oversized":
        return handler.reply(
            200, "text/html; charset=utf-8", b"<html><body>" + b"x" * OVERSIZED, compress=False
        )
    if mode == "hostile_xml":
        return handler.reply(200, "application/xml", _hostile_xml())
    if mode == "malformed_xml":
        body = text.encode("utf-8")
        return handler.reply(200, ctype, body[: len(body) * 2 // 3])
    if mode == "charset_wrong":
        return handler.reply(status, "text/html; charset=utf-8", _legacy(text, "cp1256"))
    if mode == "charset_missing":
        return handler.reply(status, "text/html", _legacy(text, "cp1256", meta="windows-1256"))
    if mode == "iso8859_6":
        return handler.reply(status, "text/html; charset=iso-8859-6", _legacy(text, "iso8859-6"))
    if mode == "iso8859_6_mislabelled":
        return handler.reply(status, "text/html; charset=windows-1256", _legacy(text, "iso8859-6"))
    if mode == "iso8859_6_undeclared":
        return handler.reply(status, "text/html", _legacy(text, "iso8859-6"))
    if mode in HOSTILE:
        status, ctype, body, headers = _hostile(handler, mode, path, ok)
        return handler.reply(status, ctype, body.encode("utf-8"), headers=headers)
    if mode in ("slow_extract", "memory_hog"):
        head, end, tail = text.rpartition("</body>")
        return handler.reply(status, ctype, (head + _costly(mode) + end + tail).encode("utf-8"))
    if mode == "not_html":
        return handler.reply(
            200, "application/pdf", b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj<<>>endobj\n%%EOF\n"
        )
    raise ValueError(f"unknown fault mode {mode!r}")
