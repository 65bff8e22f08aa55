"""newsarchive/run/gone.py: which captures show an article gone (a revisit answered 404/410 or redirected
away, a soft 404 on the outlet's "not found" template) and the evidence row that keeps each; a first
fetch that fails is no deletion."""

from __future__ import annotations

import pytest

from archive.warc_read import Capture
from newsarchive.run.gone import gone_reason, gone_row
from outlets.model import Outlet

URL = "https://www.example.com/news/1"
OUTLET = Outlet(
    "example",
    "Example",
    "ar",
    "Asia/Damascus",
    ("example.com",),
    r"/news/\d+",
    not_found=("الصفحة غير موجودة",),
)


def _capture(status: int, via: str | None, body: str = "<p>نص</p>") -> Capture:
    return Capture(
        URL,
        status,
        "text/html",
        body.encode(),
        "<urn:uuid:1>",
        "2026-11-21T10:00:00Z",
        via,
        "2026-11-21T09:59:00Z",
    )


@pytest.mark.parametrize(
    "status, via, body, reason",
    [
        (404, URL, "", "http_404"),
        (410, URL, "", "http_410"),
        (301, URL, "", "redirect"),
        (308, URL, "", "redirect"),
        (200, URL, "<h1>الصفحة غير موجودة</h1>", "soft_404"),
        (200, "https://www.example.com/rss", "<h1>الصفحة غير موجودة</h1>", "soft_404"),
        (404, "https://www.example.com/rss", "", None),  # a first fetch that failed
        (301, "https://www.example.com/rss", "", None),
        (200, URL, "<p>نص</p>", None),
        (500, URL, "", None),
    ],
)
def test_a_capture_is_a_deletion_only_for_a_revisit_gone_or_a_soft_404(status, via, body, reason):
    assert gone_reason(_capture(status, via, body), OUTLET) == reason


def test_an_outlet_without_a_not_found_template_has_no_soft_404():
    plain = Outlet("plain", "Plain", "ar", "UTC", ("example.com",), r"/news/\d+")
    assert gone_reason(_capture(200, URL, "<h1>الصفحة غير موجودة</h1>"), plain) is None


def test_the_evidence_row_keeps_the_capture_and_its_id_is_the_pages_facts_only():
    capture = _capture(404, URL, "")
    row = gone_row(capture, OUTLET, "http_404", "trafilatura")
    assert (row.url, row.outlet, row.text, row.title, row.capture_id) == (
        URL,
        "example",
        "",
        "",
        "<urn:uuid:1>",
    )
    assert row.via == URL and row.fetched_at.isoformat() == "2026-11-21T10:00:00+00:00"
    assert row.gone == "http_404" and row.extractor == "trafilatura"
    again = gone_row(
        Capture(**{**capture.__dict__, "record_id": "<urn:uuid:2>"}), OUTLET, "http_404", "x"
    )
    assert again.id == row.id  # another capture of the same deletion: the same row id
    assert gone_row(capture, OUTLET, "redirect", "trafilatura").id != row.id
