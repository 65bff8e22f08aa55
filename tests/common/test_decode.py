"""common/decode.py: what is read back from the archive becomes typed values, or one `Malformed` saying
where in the object and what is wrong: bytes that are not UTF-8, a gzip stream damaged or too big, JSON
that does not parse or has NaN, a value of another type (a bool is no number), a missing key, an
impossible value. (Every stored object kind fuzzed through its decoder: tests/test_decoders.py.)"""

from __future__ import annotations

import gzip

import pytest

from common import decode
from common.decode import Fields, Malformed


def _problem(call) -> Malformed:
    with pytest.raises(Malformed) as caught:
        call()
    return caught.value


def test_gzip_members_inflate_and_a_cut_damaged_or_oversized_stream_is_malformed():
    assert decode.gunzip(gzip.compress(b"a") + gzip.compress(b"b")) == b"ab"
    whole = gzip.compress(b"x" * 1000)
    assert "cut short" in str(_problem(lambda: decode.gunzip(whole[:-12])))
    assert "not a gzip stream" in str(_problem(lambda: decode.gunzip(b"\x1f\x8bjunk" * 4)))
    assert "inflates to more than 999 bytes" in str(
        _problem(lambda: decode.gunzip(whole, limit=999))
    )


def test_json_is_utf8_without_nan():
    assert decode.json_value('{"a": [1, "ب"]}'.encode()) == {"a": [1, "ب"]}
    assert "not UTF-8 text" in str(_problem(lambda: decode.json_value(b'{"a": "\xff"}')))
    assert "NaN is not a JSON number" in str(_problem(lambda: decode.json_value(b"[NaN]")))
    assert "not JSON" in str(_problem(lambda: decode.json_value(b"{")))
    assert "not JSON" in str(_problem(lambda: decode.json_value(b"[" * 100_000)))


def test_each_value_is_checked_for_its_type_and_range_and_named_by_its_path():
    assert decode.whole(3, "n", low=1, high=5) == 3 and decode.number(2, "x", low=0, high=3) == 2.0
    assert (
        str(_problem(lambda: decode.whole(True, "rev")))
        == "rev: expected a whole number, found bool"
    )
    assert str(_problem(lambda: decode.whole(9, "rev", high=5))) == "rev: 9 is not from 0 to 5"
    assert "found str" in str(_problem(lambda: decode.number("1", "x", low=0, high=3)))
    assert decode.day("2026-11-21", "day") == "2026-11-21"
    assert "is not a date" in str(_problem(lambda: decode.day("2026-02-30", "day")))
    assert decode.moment("2026-11-21T03:00:00+00:00", "t") == "2026-11-21T03:00:00+00:00"
    assert "not an ISO 8601 time" in str(_problem(lambda: decode.moment("yesterday", "t")))
    assert decode.sha256("a" * 64, "sha") == "a" * 64
    assert "is not" in str(_problem(lambda: decode.sha256("A" * 64, "sha")))
    assert "at most 3" in str(_problem(lambda: decode.text("abcd", "t", limit=3)))
    assert decode.optional(decode.day)(None, "d") is None


def test_lists_and_objects_name_the_item_that_is_wrong():
    assert decode.items([1, 2], "revs", decode.whole) == [1, 2]
    assert str(_problem(lambda: decode.items([1, "2"], "revs", decode.whole))).startswith(
        "revs[1]: expected a whole number"
    )
    assert decode.mapping({"u": "t"}, "seen", decode.text) == {"u": "t"}
    assert "seen['u']: expected a whole number" in str(
        _problem(lambda: decode.mapping({"u": "t"}, "seen", decode.whole))
    )
    assert "expected an object, found list" in str(_problem(lambda: decode.obj([], "state")))


def test_fields_are_read_by_name_with_defaults_and_nested_paths():
    fields = Fields({"day": "2026-11-21", "outlets": {"orient": {"archived": 3}}}, "manifest")
    assert fields.get("day", decode.day) == "2026-11-21"
    assert fields.get("gaps", decode.obj, default={}) == {}
    assert fields.child("outlets").child("orient").get("archived", decode.whole) == 3
    assert str(_problem(lambda: fields.get("rev", decode.whole))) == "manifest.rev: missing"
    assert (
        str(_problem(lambda: fields.child("outlets").child("orient").get("new", decode.whole)))
        == "manifest.outlets.orient.new: missing"
    )
    assert fields.child("extra", default={}).data == {}
    assert "the object: expected an object" in str(_problem(lambda: Fields("x")))
