"""Item pipeline: every capture becomes a WARC request + response record pair (ISO 28500, warcio)."""

from __future__ import annotations

import logging
from io import BytesIO
from pathlib import Path
from typing import BinaryIO, NamedTuple

from warcio.statusandheaders import StatusAndHeaders
from warcio.warcwriter import WARCWriter

logger = logging.getLogger(__name__)


class CrawlFiles(NamedTuple):
    warc: Path  # the captures
    report: Path  # the coverage report (JSON)
    state: Path  # what the crawl learnt for the next run (spiders/state.py CrawlRun)


def capture_paths(output_dir: str | Path, outlet: str) -> CrawlFiles:
    """Where a crawl of `outlet` writes its files."""
    out = Path(output_dir)
    return CrawlFiles(out / f"{outlet}.warc.gz", out / f"{outlet}.crawl.json", out / f"{outlet}.state.json")


class WarcPipeline:
    def __init__(self, crawler, output_dir: str):
        self.crawler = crawler
        self.output_dir = output_dir
        self._file: BinaryIO | None = None
        self._writer: WARCWriter | None = None

    @classmethod
    def from_crawler(cls, crawler):
        # imported here: task processes import capture_paths but never run scrapy in-process (the crawl
        # is a subprocess), and importing scrapy costs each of them 0.2 s
        from scrapy.exceptions import NotConfigured

        output_dir = crawler.settings.get("NEWSARCHIVE_OUTPUT_DIR")
        if not output_dir:
            raise NotConfigured("NEWSARCHIVE_OUTPUT_DIR is not set; captures are not written")
        return cls(crawler, output_dir)

    def open_spider(self, spider=None) -> None:
        outlet = self.crawler.spider.outlet.id
        path = capture_paths(self.output_dir, outlet).warc
        path.parent.mkdir(parents=True, exist_ok=True)
        self._file = path.open("wb")
        self._writer = WARCWriter(self._file, gzip=True)
        info = self._writer.create_warcinfo_record(
            path.name, {"software": "newsarchive (Scrapy)", "format": "WARC File Format 1.1",
                        "outlet": outlet}
        )
        self._writer.write_record(info)

    def process_item(self, item, spider=None):
        writer = self._writer
        url = item["url"]
        status_line = f"{item['status']} {_reason(item['status'])}"
        response = writer.create_warc_record(
            url, "response", payload=BytesIO(item["body"]),
            http_headers=StatusAndHeaders(status_line, item["response_headers"], protocol=item["protocol"]),
            warc_headers_dict={"WARC-Date": item["fetched_at"].replace("+00:00", "Z")},
        )
        request = writer.create_warc_record(
            url, "request", payload=BytesIO(b""),
            http_headers=StatusAndHeaders(f"GET {_path(url)} {item['protocol']}", item["request_headers"],
                                          is_http_request=True),
            warc_headers_dict={"WARC-Date": item["fetched_at"].replace("+00:00", "Z")},
        )
        writer.write_request_response_pair(request, response)
        return {"url": url, "outlet": item["outlet"], "status": item["status"]}

    def close_spider(self, spider=None) -> None:
        if self._file:
            self._file.close()


def _path(url: str) -> str:
    from urllib.parse import urlsplit

    parts = urlsplit(url)
    return (parts.path or "/") + (f"?{parts.query}" if parts.query else "")


def _reason(status: int) -> str:
    from http import HTTPStatus

    try:
        return HTTPStatus(status).phrase
    except ValueError:
        return "Unknown"
