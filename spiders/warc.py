"""Everything a crawl fetched, as WARC/1.1 records (ISO 28500, warcio): one `response` + `request` pair per
capture, or a `revisit` + `request` pair when the payload is identical to one archived already.

- Article pages come as items from the spider; discovery documents (feeds, sitemaps, section pages,
  request meta KIND_KEY = "discovery") and robots.txt are written as their responses arrive (Scrapy's
  `response_received` signal), whatever their status: a 304 on a feed is kept as a 304, a 404 as a 404.
- Provenance: every capture gets a `metadata` record (`application/warc-fields`, `WARC-Concurrent-To`
  its response or revisit, as Heritrix writes its `via:`) with `kind: article | discovery | robots` and,
  when it was found on a discovery document, `via: <the feed, sitemap or section URL>` and
  `discovered-at: <ISO 8601 UTC>`. Readers take only `article` captures for extraction.
- Revisits (profile identical-payload-digest, `WARC-Refers-To`, `-Target-URI`, `-Date`): a 200 whose
  payload digest is that of a response archived in an earlier rev of the day (NEWSARCHIVE_ARCHIVED_DIGESTS,
  written by the crawl stage from archive/warc_digests.py) or written earlier in this crawl keeps its HTTP
  headers and no second copy of the body. NEWSARCHIVE_REVISITS = False writes every body again.
"""

from __future__ import annotations

import base64
import hashlib
import json
import logging
from io import BytesIO
from pathlib import Path
from typing import Any, BinaryIO, NamedTuple
from urllib.parse import urlsplit

from warcio.statusandheaders import StatusAndHeaders

from common.warc_writer import GzipWarcWriter
from spiders.capture import CAPTURE_KEY
from spiders.variables import crawl_setting

logger = logging.getLogger(__name__)
KIND_KEY = "newsarchive_kind"  # request meta: "discovery" for feeds, sitemaps and section pages
VIA_KEY = "newsarchive_via"  # request meta: (the discovery URL it was found on, when: ISO 8601 UTC)
PROVENANCE_TYPE = "application/warc-fields"


class CrawlFiles(NamedTuple):
    warc: Path  # the captures
    report: Path  # the coverage report (JSON)
    state: Path  # what the crawl learnt for the next run (spiders/state.py CrawlRun)


def capture_paths(output_dir: str | Path, outlet: str) -> CrawlFiles:
    """Where a crawl of `outlet` writes its files."""
    out = Path(output_dir)
    return CrawlFiles(
        out / f"{outlet}.warc.gz", out / f"{outlet}.crawl.json", out / f"{outlet}.state.json"
    )


class Original(NamedTuple):
    """An archived response record whose payload a revisit refers to."""

    uri: str
    date: str  # its WARC-Date
    record_id: str


def payload_digest(body: bytes) -> str:
    """WARC-Payload-Digest of a body, as warcio writes it (SHA-1, base32)."""
    return "sha1:" + base64.b32encode(hashlib.sha1(body).digest()).decode("ascii")


def read_digests(path: str | Path) -> dict[str, Original]:
    """The digests file the crawl stage writes: JSON {digest: [uri, date, record_id]}."""
    data = json.loads(Path(path).read_text(encoding="utf-8"))
    return {digest: Original(*entry) for digest, entry in data.items()}


class WarcPipeline:
    def __init__(self, crawler, output_dir: str, revisits: bool = True, digests_file: str = ""):
        self.crawler = crawler
        self.output_dir = output_dir
        self.revisits = revisits
        self.digests_file = digests_file
        self.originals: dict[str, Original] = {}
        self._file: BinaryIO | None = None
        self._writer: GzipWarcWriter | None = None

    @classmethod
    def from_crawler(cls, crawler):
        # imported here: task processes import capture_paths but never run scrapy in-process (the crawl
        # is a subprocess), and importing scrapy costs each of them 0.2 s
        from scrapy import signals
        from scrapy.exceptions import NotConfigured

        output_dir = crawler.settings.get("NEWSARCHIVE_OUTPUT_DIR")
        if not output_dir:
            raise NotConfigured("NEWSARCHIVE_OUTPUT_DIR is not set; captures are not written")
        pipeline = cls(
            crawler,
            output_dir,
            crawl_setting(crawler.settings, "NEWSARCHIVE_REVISITS"),
            crawl_setting(crawler.settings, "NEWSARCHIVE_ARCHIVED_DIGESTS") or "",
        )
        crawler.signals.connect(pipeline.response_received, signal=signals.response_received)
        return pipeline

    def open_spider(self, spider=None) -> None:
        outlet = self.crawler.spider.outlet.id
        path = capture_paths(self.output_dir, outlet).warc
        path.parent.mkdir(parents=True, exist_ok=True)
        if self.revisits and self.digests_file:
            self.originals = read_digests(self.digests_file)
        self._file = path.open("wb")
        self._writer = GzipWarcWriter(self._file)
        info = self._writer.create_warcinfo_record(
            path.name,
            {
                "software": "newsarchive (Scrapy)",
                "format": "WARC File Format 1.1",
                "outlet": outlet,
            },
        )
        self._writer.write_record(info)

    def response_received(self, response, request, spider=None) -> None:
        """Discovery documents and robots.txt, as they arrive (articles come as items, once judged)."""
        kind = request.meta.get(KIND_KEY)
        robots = (
            request.meta.get("dont_obey_robotstxt") and urlsplit(request.url).path == "/robots.txt"
        )
        capture = request.meta.get(CAPTURE_KEY)
        if (kind == "discovery" or robots) and capture is not None and self._writer is not None:
            self.write_capture(
                capture, request.meta.get(VIA_KEY), "robots" if robots else "discovery"
            )
            self.crawler.stats.inc_value("newsarchive/warc/discovery_records")

    def process_item(self, item, spider=None):
        via = (item["via"], item["discovered_at"]) if item.get("via") else None
        self.write_capture(item, via, "article")
        return {"url": item["url"], "outlet": item["outlet"], "status": item["status"]}

    def write_capture(
        self, capture: dict[str, Any], via: tuple[str, str] | None, kind: str = "article"
    ) -> str:
        """A response (or revisit) + request pair, then its provenance; the response's record id."""
        writer = self._writer
        assert writer is not None
        url, body, status = capture["url"], capture["body"], capture["status"]
        date = capture["fetched_at"].replace("+00:00", "Z")
        http = StatusAndHeaders(
            f"{status} {_reason(status)}", capture["response_headers"], protocol=capture["protocol"]
        )
        digest = payload_digest(body)
        original = self.originals.get(digest) if self.revisits and status == 200 and body else None
        if original is not None:
            response = writer.create_revisit_record(
                url,
                digest,
                original.uri,
                original.date,
                http_headers=http,
                warc_headers_dict={"WARC-Date": date, "WARC-Refers-To": original.record_id},
            )
            self.crawler.stats.inc_value("newsarchive/warc/revisits")
            self.crawler.stats.inc_value("newsarchive/warc/revisit_bytes_saved", len(body))
        else:
            response = writer.create_warc_record(
                url,
                "response",
                payload=BytesIO(body),
                http_headers=http,
                warc_headers_dict={"WARC-Date": date},
            )
        request = writer.create_warc_record(
            url,
            "request",
            payload=BytesIO(b""),
            http_headers=StatusAndHeaders(
                f"GET {_path(url)} {capture['protocol']}",
                capture["request_headers"],
                is_http_request=True,
            ),
            warc_headers_dict={"WARC-Date": date},
        )
        writer.write_request_response_pair(request, response)
        record_id = response.rec_headers.get_header("WARC-Record-ID")
        if original is None and status == 200 and body:
            self.originals.setdefault(digest, Original(url, date, record_id))
        fields = f"kind: {kind}\r\n"
        if via:
            fields += f"via: {_field(via[0])}\r\ndiscovered-at: {_field(via[1])}\r\n"
        writer.write_record(
            writer.create_warc_record(
                url,
                "metadata",
                payload=BytesIO(fields.encode("utf-8")),
                warc_content_type=PROVENANCE_TYPE,
                warc_headers_dict={"WARC-Date": date, "WARC-Concurrent-To": record_id},
            )
        )
        return record_id

    def close_spider(self, spider=None) -> None:
        if self._file:
            self._file.close()


def _field(value: str) -> str:
    """A warc-fields value on one line (a URL from a page never breaks the record's format)."""
    return " ".join(str(value).split())


def _path(url: str) -> str:
    parts = urlsplit(url)
    return (parts.path or "/") + (f"?{parts.query}" if parts.query else "")


def _reason(status: int) -> str:
    from http import HTTPStatus

    try:
        return HTTPStatus(status).phrase
    except ValueError:
        return "Unknown"
