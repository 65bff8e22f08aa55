"""Why a request failed, as the coverage report names it, and whether the next run asks again
(spiders/failures.py; the table of reasons in docs/crawling.md)."""

from __future__ import annotations

import pytest
from scrapy.exceptions import IgnoreRequest
from scrapy.http import Request, Response
from scrapy.spidermiddlewares.httperror import HttpError
from twisted.internet.error import ConnectionRefusedError, DNSLookupError, TimeoutError
from twisted.python.failure import Failure

from spiders import failures


def _failure(exc: BaseException) -> Failure:
    try:
        raise exc
    except BaseException:
        return Failure()


def _http(status: int) -> Failure:
    response = Response("https://www.orient-news.net/news/1", status=status)
    response.request = Request(response.url)
    return _failure(HttpError(response, "ignored"))


@pytest.mark.parametrize(
    ("failure", "reason", "retried"),
    [
        (_http(503), "http_503", True),
        (_http(500), "http_500", True),
        (_http(501), "http_501", False),  # Not Implemented: the same answer every time
        (_http(429), "http_429", True),
        (_http(408), "http_408", True),
        (_http(404), "http_404", False),
        (_http(410), "http_410", False),
        (_failure(TimeoutError()), "timeout", True),
        (_failure(DNSLookupError()), "dns", True),
        (_failure(ConnectionRefusedError()), "connection_refused", True),
        (_failure(IgnoreRequest("max redirections reached")), "redirect_loop", False),
        (_failure(IgnoreRequest("Forbidden by robots.txt")), "robots_forbidden", False),
        (_failure(IgnoreRequest("Cancelling download: over DOWNLOAD_MAXSIZE")), "too_large", False),
        (_failure(IgnoreRequest("something else")), "ignored", False),
    ],
)
def test_each_failure_has_its_reason_and_only_passing_ones_are_retried(failure, reason, retried):
    assert failures.reason(failure) == reason
    assert failures.retryable(reason) is retried


def test_an_unknown_error_is_named_by_its_type_and_not_retried():
    assert failures.reason(_failure(KeyError("x"))) == "KeyError"
    assert not failures.retryable("KeyError")
