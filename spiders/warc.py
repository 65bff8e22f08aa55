"""Everything a crawl fetched, as WARC/1.1 records (ISO 28500, warcio): one `response` + `request` pair per
capture, or a `revisit` + `request` pair when the payload is identical to one archived already.

- Every response is evidence: each one the downloader receives (spiders/capture.py's
  `response_captured`) is written as it arrives, whatever its status, each redirect hop (3xx) and each
  retried error (4xx, 5xx) included: discovery documents (feeds, sitemaps, section pages, request meta
  KIND_KEY = "discovery"), robots.txt, page requisites (KIND_KEY = "requisite") and the article
  responses that are not 2xx. An article's 2xx comes as an item from the spider, once judged.
  The report counts the records by status (`records`) and names the error responses (4xx, 5xx) and
  robots.txt answers (`evidence`: record id, URL, status, kind; the first MAX_NAMED), so a gap record
  can name the records that prove it.
- Provenance: every capture gets a `metadata` record (`application/warc-fields`, `WARC-Concurrent-To`
  its response or revisit, as Heritrix writes its `via:`) with `kind: article | discovery | robots |
  requisite` and, when it was found on a document, `via: <the feed, sitemap, section URL; for a
  requisite the page or stylesheet that references it>` and `discovered-at: <ISO 8601 UTC>`. Readers
  take only `article` captures for extraction.
- Revisits (profile identical-payload-digest, `WARC-Refers-To`, `-Target-URI`, `-Date`): a 200 whose
  payload digest is that of a response archived in an earlier rev of the day (NEWSARCHIVE_ARCHIVED_DIGESTS,
  written by the crawl stage from archive/warc_digests.py) or written earlier in this crawl keeps its HTTP
  headers and no second copy of the body. A requisite (the same stylesheet, font or logo every day) is
  also a revisit of a payload archived on an earlier day: the crawl state names those originals
  (spiders/state.py `requisites`). NEWSARCHIVE_REVISITS = False writes every body again.
"""

from __future__ import annotations

import json
import logging
from io import BytesIO
from pathlib import Path
from typing import TYPE_CHECKING, Any, BinaryIO, NamedTuple, TextIO, TypedDict
from urllib.parse import urlsplit

from warcio.statusandheaders import StatusAndHeaders

from archive import layout
from common.cdxj_entry import cdxj_line, sidecar_name
from common.warc_writer import GzipWarcWriter, sha1_digest
from spiders.capture import ArticleItem, Capture, response_captured
from spiders.variables import crawl_setting

# scrapy is imported where a crawl runs, never by the task processes importing this module
if TYPE_CHECKING:
    from scrapy import Request, Spider
    from scrapy.crawler import Crawler

    from spiders.news import NewsSpider

logger = logging.getLogger(__name__)
KIND_KEY = "newsarchive_kind"  # request meta: "discovery" (feeds, sitemaps, sections), "requisite"
VIA_KEY = "newsarchive_via"  # request meta: (the URL it was found on, when: ISO 8601 UTC)
PROVENANCE_TYPE = "application/warc-fields"
MAX_NAMED = 50  # error responses and robots.txt answers the report names by record id
WRITE_FAILED = "write_failed"  # the finish reason of a crawl that could not write its files whole
WRITE_ERROR_STAT = "newsarchive/write_error"  # what failed, for the report (spiders/report.py)


class CrawlFiles(NamedTuple):
    warc: Path  # the captures
    report: Path  # the coverage report (JSON)
    state: Path  # what the crawl learnt for the next run (spiders/state.py CrawlRun)
    cdxj: Path  # the WARC's CDXJ lines, written with each record (common/cdxj_entry.py), file order


def capture_paths(output_dir: str | Path, outlet: str) -> CrawlFiles:
    """Where a crawl of `outlet` writes its files."""
    out = Path(output_dir)
    warc = out / f"{outlet}.warc.gz"
    return CrawlFiles(
        warc,
        out / f"{outlet}.crawl.json",
        out / f"{outlet}.state.json",
        out / sidecar_name(warc.name),
    )


class Original(NamedTuple):
    """An archived response record whose payload a revisit refers to."""

    uri: str
    date: str  # its WARC-Date
    record_id: str


def payload_digest(body: bytes) -> str:
    """WARC-Payload-Digest of a body, as warcio writes it (SHA-1, base32)."""
    return sha1_digest(body)


def response_record(
    writer: Any, url: str, body: bytes, http: StatusAndHeaders, digest: str, headers: dict[str, str]
) -> Any:
    """A response record as the crawl writes it (warcio's, unwritten): with the body's length and its
    payload digest (`payload_digest(body)`), warcio neither copies the body to a temporary file nor
    hashes it twice (it computes only the block digest). bench/bench_warc.py times this."""
    return writer.create_warc_record(
        url,
        "response",
        payload=BytesIO(body),
        length=len(body),
        http_headers=http,
        warc_headers_dict={**headers, "WARC-Payload-Digest": digest},
    )


def read_digests(path: str | Path) -> dict[str, Original]:
    """The digests file the crawl stage writes: JSON {digest: [uri, date, record_id]}."""
    data = json.loads(Path(path).read_text(encoding="utf-8"))
    return {digest: Original(*entry) for digest, entry in data.items()}


class Evidence(TypedDict):
    """An error response (4xx, 5xx) or robots.txt answer the report names (`evidence`)."""

    record_id: str
    url: str
    status: int
    kind: str


class Written(TypedDict):
    """What the pipeline passes on for an article's item once written (Scrapy logs it)."""

    url: str
    outlet: str
    status: int


class WarcPipeline:
    def __init__(
        self, crawler: Crawler, output_dir: str, revisits: bool = True, digests_file: str = ""
    ) -> None:
        self.crawler = crawler
        self.output_dir = output_dir
        self.revisits = revisits
        self.digests_file = digests_file
        self.originals: dict[str, Original] = {}
        self.requisite_originals: dict[str, Original] = {}  # archived on earlier days (crawl state)
        self.records: dict[str, int] = {}  # records written, by HTTP status
        self.evidence: list[Evidence] = []
        self._file: BinaryIO | None = None
        self._index: TextIO | None = None
        self._index_name = ""  # the WARC as the snapshot's index names it
        self._index_path = Path()
        self._writer: GzipWarcWriter | None = None
        self._warc_path = Path()
        self.write_error = ""  # the first write that failed: nothing more is written
        self._closing: object = None  # the engine's close, once a write failed

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> WarcPipeline:
        # imported here: task processes import capture_paths but never run scrapy in-process (the crawl
        # is a subprocess), and importing scrapy costs each of them 0.2 s
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
        crawler.signals.connect(pipeline.response_captured, signal=response_captured)
        return pipeline

    def open_spider(self, spider: Spider | None = None) -> None:
        news = self._spider()
        outlet = news.outlet.id
        files = capture_paths(self.output_dir, outlet)
        path = files.warc
        path.parent.mkdir(parents=True, exist_ok=True)
        if self.revisits and self.digests_file:
            self.originals = read_digests(self.digests_file)
        # what the coverage report (spiders/report.py) takes from the WARC, kept up to date as it grows
        self.crawler.stats.set_value("newsarchive/records", self.records)
        self.crawler.stats.set_value("newsarchive/evidence", self.evidence)
        if self.revisits:
            self.requisite_originals = {
                digest: Original(*entry[:3]) for digest, entry in news.state.requisites.items()
            }
        self._warc_path = path
        self._index_path = files.cdxj
        self._index_name = layout.warc_key("", outlet)
        try:
            self._file = path.open("wb")
            # written under a temporary name, renamed once the crawl closes it: a sidecar is always whole
            self._index = files.cdxj.with_suffix(".part").open("w", encoding="utf-8", newline="\n")
            self._writer = GzipWarcWriter(self._file, on_record=self._indexed)
            info = self._writer.create_warcinfo_record(
                path.name,
                {
                    "software": "newsarchive (Scrapy)",
                    "format": "WARC File Format 1.1",
                    "outlet": outlet,
                },
            )
            self._writer.write_record(info)
        except OSError as exc:
            self._write_failed(exc)

    def response_captured(self, request: Request, capture: Capture) -> None:
        """Every response as it arrives, except an article's 2xx (an item, once the spider judged it)."""
        if self._writer is None:
            return
        kind = _kind(request)
        if kind == "article" and 200 <= capture["status"] < 300:
            return
        if not self._written(capture, request.meta.get(VIA_KEY), kind):
            return
        if kind in ("discovery", "robots"):
            self.crawler.stats.inc_value("newsarchive/warc/discovery_records")

    def process_item(self, item: ArticleItem, spider: Spider | None = None) -> Written:
        via, at = item.get("via"), item.get("discovered_at")  # both or neither (spiders/news.py)
        self._written(item, (via, at) if via and at else None, "article")
        return {"url": item["url"], "outlet": item["outlet"], "status": item["status"]}

    def _written(self, capture: Capture, via: tuple[str, str] | None, kind: str) -> bool:
        """write_capture, unless a write failed already; False if it was not written."""
        if self._writer is None:
            return False
        try:
            self.write_capture(capture, via, kind)
            return True
        except OSError as exc:
            self._write_failed(exc)
            return False

    def _write_failed(self, exc: OSError | str, stop: bool = True) -> None:
        """A write of the WARC or its sidecar failed (a full disk, a size limit, an I/O error): nothing
        more is written, the crawl stops, and its report says why (`write_error`, finish reason
        WRITE_FAILED), so newsarchive/run/crawl.py fails the outlet: the WARC is not whole. Scrapy would
        only log an error raised here and go on crawling."""
        if self.write_error:
            return
        self.write_error = f"{self._warc_path.name}: {exc}"
        self._writer = None
        self.crawler.stats.set_value(WRITE_ERROR_STAT, self.write_error)
        logger.error("the crawl stops: %s", self.write_error)
        if stop and self.crawler.crawling:  # (a pipeline can be used without a crawl: the tests)
            from scrapy.utils.defer import deferred_from_coro  # scrapy: see from_crawler

            closing = self.crawler.engine.close_spider_async(reason=WRITE_FAILED)
            self._closing = deferred_from_coro(closing)

    def write_capture(
        self, capture: Capture, via: tuple[str, str] | None, kind: str = "article"
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
        original = None
        if self.revisits and status == 200 and body:
            original = self.originals.get(digest)
            if original is None and kind == "requisite":
                original = self.requisite_originals.get(digest)
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
            if kind == "requisite":
                self.crawler.stats.inc_value("newsarchive/requisites/revisits")
        else:
            response = response_record(writer, url, body, http, digest, {"WARC-Date": date})
        request = writer.create_warc_record(
            url,
            "request",
            payload=BytesIO(b""),
            length=0,
            http_headers=StatusAndHeaders(
                f"GET {_path(url)} {capture['protocol']}",
                capture["request_headers"],
                is_http_request=True,
            ),
            warc_headers_dict={"WARC-Date": date},
        )
        writer.write_request_response_pair(request, response)
        # warcio is untyped; the records it creates always carry their WARC-Record-ID
        record_id: str = response.rec_headers.get_header("WARC-Record-ID")
        if original is None and status == 200 and body:
            self.originals.setdefault(digest, Original(url, date, record_id))
            if kind == "requisite":  # the original of the revisits of later days
                self._spider().run.requisites.setdefault(digest, [url, date, record_id])
        self._count(record_id, url, status, kind)
        fields = f"kind: {kind}\r\n"
        if via:
            fields += f"via: {_field(via[0])}\r\ndiscovered-at: {_field(via[1])}\r\n"
        provenance = fields.encode("utf-8")
        writer.write_record(
            writer.create_warc_record(
                url,
                "metadata",
                payload=BytesIO(provenance),
                length=len(provenance),
                warc_content_type=PROVENANCE_TYPE,
                warc_headers_dict={"WARC-Date": date, "WARC-Concurrent-To": record_id},
            )
        )
        return record_id

    def _count(self, record_id: str, url: str, status: int, kind: str) -> None:
        """The records by status; the first MAX_NAMED error responses and robots.txt answers by id."""
        self.records[str(status)] = self.records.get(str(status), 0) + 1
        if (status >= 400 or kind == "robots") and len(self.evidence) < MAX_NAMED:
            self.evidence.append(
                {"record_id": record_id, "url": url, "status": status, "kind": kind}
            )

    def _indexed(self, record: Any, offset: int, length: int) -> None:
        """A record just written: its CDXJ line into the sidecar (a capture, not request or metadata)."""
        line = cdxj_line(record, offset, length, self._index_name)
        if line is not None and self._index is not None:
            self._index.write(line + "\n")

    def close_spider(self, spider: Spider | None = None) -> None:
        """Close the WARC and its sidecar; the WARC must hold every byte its records were written with
        (a write that failed in part, or a flush at close, leaves it short: a failed write)."""
        written = self._writer.offset if self._writer is not None else None
        try:
            if self._file:
                self._file.close()
            if self._index:
                self._index.close()
            if written is not None and (size := self._warc_path.stat().st_size) != written:
                self._write_failed(
                    f"it holds {size:,} of the {written:,} bytes written", stop=False
                )
        except OSError as exc:
            self._write_failed(exc, stop=False)
        if self._index is not None:
            part = Path(self._index.name)
            if self.write_error:
                part.unlink(missing_ok=True)  # the WARC is not whole: no sidecar of it
            else:
                part.replace(self._index_path)

    def _spider(self) -> NewsSpider:
        from spiders.news import news_spider  # scrapy: see from_crawler

        return news_spider(self.crawler.spider)


def _kind(request: Request) -> str:
    """What a request was for: robots (robots.txt, asked by Scrapy), discovery, requisite or article."""
    if request.meta.get("dont_obey_robotstxt") and urlsplit(request.url).path == "/robots.txt":
        return "robots"
    return str(request.meta.get(KIND_KEY) or "article")


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
