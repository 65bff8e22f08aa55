"""Why a request failed, as a short reason for the coverage report, and whether a later run should retry it."""

from __future__ import annotations

from scrapy import Request
from scrapy.exceptions import (
    CannotResolveHostError,
    DownloadCancelledError,
    DownloadConnectionRefusedError,
    DownloadFailedError,
    DownloadTimeoutError,
    IgnoreRequest,
    ResponseDataLossError,
)
from scrapy.spidermiddlewares.httperror import HttpError
from twisted.internet.error import (
    ConnectionLost,
    ConnectionRefusedError,
    DNSLookupError,
    TimeoutError,
)
from twisted.python.failure import Failure
from twisted.web._newclient import ResponseFailed, ResponseNeverReceived

from spiders.drops import DroppedRequest

_BY_TYPE: tuple[tuple[tuple[type[BaseException], ...], str], ...] = (
    ((DownloadTimeoutError, TimeoutError), "timeout"),
    ((DownloadCancelledError,), "too_large"),  # DOWNLOAD_MAXSIZE: announced or received
    ((ResponseDataLossError,), "truncated"),
    ((DownloadConnectionRefusedError, ConnectionRefusedError), "connection_refused"),
    ((CannotResolveHostError, DNSLookupError), "dns"),
    (
        (DownloadFailedError, ConnectionLost, ResponseFailed, ResponseNeverReceived),
        "connection_lost",
    ),
)
_IGNORED = (
    ("max redirections", "redirect_loop"),
    ("robots.txt", "robots_forbidden"),
    ("DOWNLOAD_MAXSIZE", "too_large"),  # a compressed body that inflates past the limit (gzip bomb)
)
# A later run tries these URLs again; the others are the page's own answer and stay failed. A request
# Scrapy dropped (spiders/drops.py) is permanent when the URL itself is the cause (too long, offsite);
# a duplicate may be a one-run accident (a redirect to a page also scheduled), and `not_finished` is a
# page a finished crawl never answered. (Pages cut by the page cap, or left unanswered when a crawl
# stops early, are pending without a failure: spiders/news.py.)
RETRYABLE = frozenset(
    {
        "timeout",
        "truncated",
        "connection_refused",
        "connection_lost",
        "dns",
        "http_408",
        "http_429",
        "dropped_duplicate",
        "not_finished",
    }
)


def reason(failure: Failure) -> str:
    # what Failure.check tests by its type, tested with isinstance: mypy knows the type in each branch
    error = failure.value
    if isinstance(error, DroppedRequest):
        return error.reason
    if isinstance(error, HttpError):
        return f"http_{error.response.status}"
    if isinstance(error, IgnoreRequest):
        text = str(error)
        return next((r for needle, r in _IGNORED if needle in text), "ignored")
    for types, name in _BY_TYPE:
        if isinstance(error, types):
            return name
    return type(error).__name__


def failed_request(failure: Failure) -> Request:
    """The request an errback's failure is about: Scrapy sets it on the Failure (scrapy.core.scraper), as
    spiders/drops.py does for a request it drops."""
    request: Request = failure.request  # type: ignore[attr-defined]  # Scrapy's, set at run time
    return request


def retryable(reason_: str) -> bool:
    return reason_ in RETRYABLE or (reason_.startswith("http_5") and reason_ != "http_501")
