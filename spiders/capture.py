"""Keeps each response as received (status, headers, body before decompression) for the WARC, and
announces every one of them (`response_captured`): each redirect hop and each retried error too, which
never reach the spider."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import TYPE_CHECKING

if (
    TYPE_CHECKING
):  # task processes import CAPTURE_KEY through spiders/warc.py; scrapy costs them 0.2 s
    from scrapy import Request
    from scrapy.http import Response

CAPTURE_KEY = "newsarchive_capture"
# signal (request, capture): a response as the downloader received it, before any middleware judged it
response_captured = object()


class RawCaptureMiddleware:
    """Placed next to the downloader, so it sees every response (redirects and errors before
    RedirectMiddleware and RetryMiddleware act on them) before HttpCompressionMiddleware."""

    def __init__(self, crawler=None) -> None:
        self.crawler = crawler

    @classmethod
    def from_crawler(cls, crawler) -> RawCaptureMiddleware:
        return cls(crawler)

    def process_response(self, request: Request, response: Response, spider=None) -> Response:
        capture = request.meta[CAPTURE_KEY] = {
            "url": response.url,
            "status": response.status,
            "protocol": response.protocol or "HTTP/1.1",
            "request_headers": _pairs(request.headers),
            "response_headers": _pairs(response.headers),
            "body": response.body,
            "fetched_at": datetime.now(UTC).isoformat(timespec="seconds"),
        }
        if self.crawler is not None:
            self.crawler.signals.send_catch_log(
                signal=response_captured, request=request, capture=capture
            )
        return response


def _pairs(headers) -> list[tuple[str, str]]:
    return [
        (name.decode("latin-1"), value.decode("latin-1"))
        for name, values in headers.items()
        for value in values
    ]
