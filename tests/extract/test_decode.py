"""extract/decode.py: bytes to text for Arabic pages in UTF-8, windows-1256 or ISO-8859-6 whatever the
server or the page claims; an empty, oversized or binary document is one error naming why."""

from __future__ import annotations

import codecs

import pytest

from common.errors import ExtractionError
from extract.decode import MAX_BYTES, decode_html

TEXT = "<p>قالت الحكومة السورية إن المفاوضات مستمرة</p>"


@pytest.mark.parametrize("charset", ["cp1256", "iso8859-6"])
def test_a_single_byte_page_is_read_in_its_charset_whatever_is_declared(charset):
    body = f'<html><head><meta charset="utf-8"></head><body>{TEXT}</body></html>'.encode(charset)
    assert TEXT in decode_html(body)  # the page lies: not UTF-8
    assert TEXT in decode_html(body, "text/html; charset=utf-8")
    other = "iso8859-6" if charset == "cp1256" else "cp1256"
    assert TEXT in decode_html(body, f"text/html; charset={other}")  # the header lies too


def test_utf8_a_bom_and_a_declared_charset_are_honoured():
    assert decode_html(TEXT.encode()) == TEXT
    assert decode_html(codecs.BOM_UTF8 + TEXT.encode()) == TEXT
    assert decode_html(codecs.BOM_UTF16_LE + TEXT.encode("utf-16-le")) == TEXT
    latin = "<p>Déjà vu à Genève</p>"
    assert decode_html(latin.encode("latin-1"), "text/html; charset=ISO-8859-1") == latin


@pytest.mark.parametrize(
    "body, reason",
    [
        (b"", "empty"),
        (b"  \n\t ", "empty"),
        (b"<html>\x00\x01\x02</html>", "binary"),
        (b"<p>" + b"x" * MAX_BYTES + b"</p>", "oversized"),
    ],
)
def test_an_empty_binary_or_oversized_document_is_an_error_naming_why(body, reason):
    with pytest.raises(ExtractionError) as caught:
        decode_html(body)
    assert caught.value.reason == reason
