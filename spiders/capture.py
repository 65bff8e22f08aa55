"""Keeps each response as received (status, headers, body before decompression) for the WARC, and
announces every one of them (`response_captured`): each redirect hop and each retried error too, which
never reach the spider."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import TYPE_CHECKING, TypedDict

if (
    TYPE_CHECKING
):  # task processes import CAPTURE_KEY through spiders/warc.py; scrapy costs them 0.2 s
    from scrapy import Request, Spider
    from scrapy.crawler import Crawler
    from scrapy.http import Headers, Response

CAPTURE_KEY = "newsarchive_capture"
# signal (request, capture): a response as the downloader received it, before any middleware judged it
response_captured = object()


class Capture(TypedDict):
    """A response as received: request meta CAPTURE_KEY, the `response_captured` signal's `capture`, and
    (with the spider's fields, `ArticleItem`) an article's item; spiders/warc.py writes it."""

    url: str
    status: int
    protocol: str
    request_headers: list[tuple[str, str]]
    response_headers: list[tuple[str, str]]
    body: bytes  # before decompression
    fetched_at: str  # ISO 8601 UTC, seconds


class ArticleItem(Capture):
    """The item the spider yields for an article page it judged (spiders/news.py `parse_article`)."""

    outlet: str
    via: str | None  # the discovery document it was listed on
    discovered_at: str | None  # when (ISO 8601 UTC)


class RawCaptureMiddleware:
    """Placed next to the downloader, so it sees every response (redirects and errors before
    RedirectMiddleware and RetryMiddleware act on them) before HttpCompressionMiddleware."""

    def __init__(self, crawler: Crawler | None = None) -> None:
        self.crawler = crawler

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> RawCaptureMiddleware:
        return cls(crawler)

    def process_response(
        self, request: Request, response: Response, spider: Spider | None = None
    ) -> Response:
        capture: Capture = {
            "url": response.url,
            "status": response.status,
            "protocol": response.protocol or "HTTP/1.1",
            "request_headers": _pairs(request.headers),
            "response_headers": _pairs(response.headers),
            "body": response.body,
            "fetched_at": datetime.now(UTC).isoformat(timespec="seconds"),
        }
        request.meta[CAPTURE_KEY] = capture
        if self.crawler is not None:
            self.crawler.signals.send_catch_log(
                signal=response_captured, request=request, capture=capture
            )
        return response


def _pairs(headers: Headers) -> list[tuple[str, str]]:
    return [
        (name.decode("latin-1"), value.decode("latin-1"))
        for name, values in headers.items()
        for value in values
    ]
