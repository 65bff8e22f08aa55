"""spiders/revisits.py: the revisit file the crawl reads (one decoder); the schedule written into it is
newsarchive/run/revisits.py's (tests/newsarchive/run/test_revisits.py)."""

from __future__ import annotations

import json

import pytest

from common import decode
from spiders.revisits import Revisits, http_date
from tests.archive.test_stories import URL


def test_the_crawl_reads_the_file_through_one_decoder(tmp_path):
    data = {
        "due": [[URL, "2026-11-21T00:00:00+00:00"]],
        "known": {URL: "2026-11-21T00:00:00+00:00"},
    }
    revisits = Revisits.from_bytes(json.dumps(data).encode())
    assert revisits.due == ((URL, "2026-11-21T00:00:00+00:00"),)
    assert revisits.since(URL.replace("https://www.", "http://")) == "2026-11-21T00:00:00+00:00"
    assert http_date("2026-11-21T00:00:00+00:00") == "Sat, 21 Nov 2026 00:00:00 GMT"
    for bad in (
        {"due": [[URL]], "known": {}},
        {"due": [], "known": {URL: "yesterday"}},
        {"due": []},
    ):
        with pytest.raises(decode.Malformed):
            Revisits.from_bytes(json.dumps(bad).encode())
