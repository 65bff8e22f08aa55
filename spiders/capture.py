"""Keeps each response as received (status, headers, body before decompression) for the WARC."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import TYPE_CHECKING

if (
    TYPE_CHECKING
):  # task processes import CAPTURE_KEY through spiders/warc.py; scrapy costs them 0.2 s
    from scrapy import Request
    from scrapy.http import Response

CAPTURE_KEY = "newsarchive_capture"


class RawCaptureMiddleware:
    """Placed next to the downloader, so it sees the response before HttpCompressionMiddleware."""

    def process_response(self, request: Request, response: Response, spider=None) -> Response:
        request.meta[CAPTURE_KEY] = {
            "url": response.url,
            "status": response.status,
            "protocol": response.protocol or "HTTP/1.1",
            "request_headers": _pairs(request.headers),
            "response_headers": _pairs(response.headers),
            "body": response.body,
            "fetched_at": datetime.now(UTC).isoformat(timespec="seconds"),
        }
        return response


def _pairs(headers) -> list[tuple[str, str]]:
    return [
        (name.decode("latin-1"), value.decode("latin-1"))
        for name, values in headers.items()
        for value in values
    ]
