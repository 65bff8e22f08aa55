"""`snapshots verify` reads WARCs below warcio: a gzip member cut short inside the file, a wrong
Content-Length and a digest that does not match are named by file and offset, in a snapshot whose
manifest checksums were taken of the damaged file (damage that came in before publishing)."""

from __future__ import annotations

import gzip
import re
import zlib
from pathlib import Path

import pytest
from warcio.archiveiterator import ArchiveIterator

from archive.snapshot import publish_snapshot
from archive.store import open_store
from archive.verify import verify_snapshot
from archive.warc_check import check_warc
from tests.archive.test_snapshot import DAY, _article, write_warc


def members(data: bytes) -> list[tuple[int, int]]:
    """(offset, length) of every gzip member."""
    found, offset = [], 0
    while offset < len(data):
        inflater = zlib.decompressobj(zlib.MAX_WBITS | 16)
        inflater.decompress(data[offset:])
        length = len(data) - offset - len(inflater.unused_data)
        found.append((offset, length))
        offset += length
    return found


def splice(data: bytes, n: int, member: bytes) -> bytes:
    offset, length = members(data)[n]
    return data[:offset] + member + data[offset + length :]


@pytest.fixture
def whole(tmp_path) -> Path:
    return write_warc(tmp_path / "orient.warc.gz", [1, 2, 4])


def test_a_whole_warc_has_no_problems(whole):
    assert check_warc(whole, "orient.warc.gz") == []


def test_a_gzip_member_cut_short_inside_the_file_is_named_with_its_offset(whole):
    data = whole.read_bytes()
    offset, length = members(data)[1]
    whole.write_bytes(splice(data, 1, data[offset : offset + length // 2]))
    problems = check_warc(whole, "orient.warc.gz")
    assert len(problems) == 1 and f"the gzip member at offset {offset} is" in problems[0], problems


def test_a_file_cut_short_is_a_truncated_member(whole):
    data = whole.read_bytes()
    offset, length = members(data)[-1]
    whole.write_bytes(data[: offset + length - 10])
    assert check_warc(whole, "w") == [
        f"w: the gzip member at offset {offset} is truncated (the file ends "
        f"{length - 10} bytes into it)"
    ]


def test_warcio_alone_reads_past_a_member_cut_short_at_the_end(whole):
    """Why the check exists: warcio reads a WARC whose last member is cut short without an error."""
    data = whole.read_bytes()
    offset, length = members(data)[-1]
    whole.write_bytes(data[: offset + length - 10])
    with whole.open("rb") as fh:
        records = [r.rec_type for r in ArchiveIterator(fh)]
    assert records == ["response"] * 3 and check_warc(whole, "w") != []


def _rewrite(path: Path, n: int, change) -> int:
    data = path.read_bytes()
    offset, length = members(data)[n]
    record = change(gzip.decompress(data[offset : offset + length]))
    path.write_bytes(splice(data, n, gzip.compress(record)))
    return offset


def test_a_wrong_content_length_is_named(whole):
    offset = _rewrite(
        whole,
        2,
        lambda r: re.sub(
            rb"Content-Length: (\d+)", lambda m: b"Content-Length: %d" % (int(m[1]) + 7), r, count=1
        ),
    )
    [problem] = check_warc(whole, "orient.warc.gz")
    assert (
        f"at offset {offset}" in problem
        and "Content-Length is" in problem
        and "its block is" in problem
    )


def test_a_changed_body_fails_its_digests(whole):
    offset = _rewrite(whole, 0, lambda r: r.replace("رقم 1".encode(), "رقم 7".encode()))
    problems = check_warc(whole, "orient.warc.gz")
    assert [p for p in problems if "WARC-Block-Digest" in p and f"offset {offset}" in p]
    assert [p for p in problems if "WARC-Payload-Digest" in p]


def _cut_member(path: Path) -> str:
    data = path.read_bytes()
    offset, length = members(data)[1]
    path.write_bytes(splice(data, 1, data[offset : offset + length - 30]))
    return f"the gzip member at offset {offset} is"


def _wrong_length(path: Path) -> str:
    offset = _rewrite(
        path,
        1,
        lambda r: re.sub(
            rb"Content-Length: (\d+)", lambda m: b"Content-Length: %d" % (int(m[1]) - 3), r, count=1
        ),
    )
    return f"at offset {offset}: Content-Length is"


@pytest.mark.parametrize("damage", [_cut_member, _wrong_length])
def test_verify_names_damage_that_came_in_before_the_checksums(archive_url, whole, damage):
    store = open_store(archive_url)
    expected = damage(whole)
    ref, manifest = publish_snapshot(
        store, DAY, [_article(1), _article(2)], {"orient": whole}, run_id="t"
    )
    problems = verify_snapshot(store, ref)
    key = f"{ref.prefix}warc/orient.warc.gz"
    assert problems and problems[0].startswith(key) and expected in problems[0], problems
