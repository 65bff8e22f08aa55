"""common/langtag.py: a BCP 47 language tag in its canonical case, or None for anything that is not one."""

from __future__ import annotations

import pytest

from common.langtag import MAX_TAG_CHARS, language_tag


@pytest.mark.parametrize(
    "value, tag",
    [
        ("ar", "ar"),
        ("AR-eg", "ar-EG"),
        ("ar_EG", "ar-EG"),
        (" en-gb ", "en-GB"),
        ("zh-hant-tw", "zh-Hant-TW"),
        ("ar-arab-001", "ar-Arab-001"),
        ("de-ch-1996", "de-CH-1996"),
        ("en-u-ca-gregory", "en-u-ca-gregory"),
        ("ar-x-news", "ar-x-news"),
    ],
)
def test_a_well_formed_tag_comes_back_in_its_canonical_case(value, tag):
    assert language_tag(value) == tag


@pytest.mark.parametrize(
    "value",
    [
        "",
        "a",
        "arabic language",
        "x-foo",
        "i-klingon",
        "ar-",
        "ar--eg",
        "../etc/passwd",
        "ar\x00",
        "عربي",
        "ar-EG" + "-abcde" * 20,
        7,
        None,
        b"ar",
    ],
)
def test_anything_else_is_none(value):
    assert language_tag(value) is None


def test_a_tag_is_bounded_before_it_is_matched():
    assert language_tag("a" * (MAX_TAG_CHARS + 1)) is None
