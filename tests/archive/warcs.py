"""Real WARC files for tests (warcio): article responses at given URLs and times, revisits of them, and
our own metadata records, as the crawl and publish write them."""

from __future__ import annotations

import hashlib
from base64 import b32encode
from dataclasses import dataclass
from io import BytesIO
from pathlib import Path
from typing import TYPE_CHECKING

from warcio.statusandheaders import StatusAndHeaders
from warcio.warcwriter import WARCWriter

from archive.warc import append_article_links

if TYPE_CHECKING:
    from archive.snapshot import SnapshotRef
    from archive.store import Store


@dataclass(frozen=True)
class Page:
    url: str  # as the crawl records it (Scrapy: percent-encoded)
    record_id: str
    fetched_at: str  # WARC-Date, e.g. 2026-11-21T03:00:00Z
    body: bytes
    revisit_of: tuple[str, str] | None = (
        None  # (url, WARC-Date) of the capture with the same payload
    )


def page_html(title: str, story: str) -> bytes:
    return (
        f'<!doctype html><html lang="ar" dir="rtl"><head><meta charset="utf-8"><title>{title}</title></head>'
        f"<body><article><h1>{title}</h1><p>{story}</p></article></body></html>"
    ).encode()


def payload_digest(body: bytes) -> str:
    return "sha1:" + b32encode(hashlib.sha1(body).digest()).decode()


def write_warc(path: Path, pages: list[Page], articles: dict[str, str] | None = None) -> Path:
    """A WARC/1.1 with a request/response pair (or a revisit) per page, then one metadata record per
    archived article (record id -> article id), as publish appends them."""
    with path.open("wb") as fh:
        writer = WARCWriter(fh, gzip=True, warc_version="1.1")
        for page in pages:
            http = StatusAndHeaders(
                "200 OK",
                [
                    ("Content-Type", "text/html; charset=utf-8"),
                    ("Content-Length", str(len(page.body))),
                ],
                protocol="HTTP/1.1",
            )
            headers = {"WARC-Record-ID": page.record_id, "WARC-Date": page.fetched_at}
            if page.revisit_of:
                record = writer.create_revisit_record(
                    page.url,
                    payload_digest(page.body),
                    page.revisit_of[0],
                    page.revisit_of[1],
                    http_headers=http,
                    warc_headers_dict=headers,
                )
            else:
                record = writer.create_warc_record(
                    page.url,
                    "response",
                    payload=BytesIO(page.body),
                    http_headers=http,
                    warc_headers_dict=headers,
                )
            writer.write_record(record)
    links = [
        {"url": p.url, "capture_id": p.record_id, "article_id": a, "canonical_url": p.url}
        for p in pages
        for rid, a in (articles or {}).items()
        if rid == p.record_id
    ]
    if links:
        append_article_links(path, links)
    return path


def row(
    n: int,
    page: Page,
    outlet: str,
    duplicate_of: str | None = None,
    title: str = "عنوان",
    text: str = "نص",
) -> dict:
    return {
        "id": f"id{n:04d}",
        "url": page.url,
        "canonical_url": page.url,
        "outlet": outlet,
        "title": title,
        "author": None,
        "published": "2026-11-20T09:00:00+03:00",
        "date_source": "jsonld",
        "modified": None,
        "language": "ar",
        "text": text,
        "duplicate_of": duplicate_of,
        "reason": "canonical_url" if duplicate_of else None,
        "capture_id": page.record_id,
        "fetched_at": page.fetched_at,
    }


ONE_PAGE_DAY = "2026-11-20"


def one_page_snapshot(
    directory: Path, url: str = "https://www.enabbaladi.net/archives/1"
) -> tuple[Store, SnapshotRef]:
    """An archive in `directory`/archive with one snapshot (2026-11-20 rev 1) of one enabbaladi page at
    `url`, its WARC and its row: what the CLI's replay, captures and WACZ tests start from."""
    from datetime import date

    from archive.snapshot import publish_snapshot
    from archive.store import open_store

    store = open_store(directory / "archive")
    page = Page(
        url,
        "<urn:uuid:00000000-0000-4000-8000-000000000001>",
        f"{ONE_PAGE_DAY}T03:00:00Z",
        page_html("حلب", "نص"),
    )
    warc = write_warc(directory / "e.warc.gz", [page], {page.record_id: "id0001"})
    ref, _ = publish_snapshot(
        store,
        date.fromisoformat(ONE_PAGE_DAY),
        [row(1, page, "enabbaladi")],
        {"enabbaladi": warc},
    )
    return store, ref
