"""common/cdxj_entry.py and the CDXJ sidecar: the line the writer emits for each record is byte for byte
the line cdxj-indexer makes of it, publish's index from the sidecar is the index it made by reading the
WARC, and a sidecar that does not check out is never used."""

from __future__ import annotations

import logging
import re
from pathlib import Path

import pytest

from archive.cdxj import _read_lines, sidecar_lines, write_index
from common.cdxj_entry import cdxj_line, sidecar_name
from common.warc_writer import GzipWarcWriter
from tests.common.test_warc_reader import _mixed_warc

NAME = "warc/x.warc.gz"


def _with_sidecar(tmp_path: Path) -> tuple[Path, Path]:
    lines: list[str] = []

    def indexed(record, offset, length):
        if (line := cdxj_line(record, offset, length, NAME)) is not None:
            lines.append(line)

    warc = _mixed_warc(tmp_path / "x.warc.gz", lambda fh: GzipWarcWriter(fh, on_record=indexed))
    sidecar = warc.with_name(sidecar_name(warc.name))
    sidecar.write_text("".join(line + "\n" for line in lines), encoding="utf-8")
    return warc, sidecar


def test_the_writers_lines_are_the_indexers_byte_for_byte(tmp_path):
    warc, sidecar = _with_sidecar(tmp_path)
    theirs = [line for line in _read_lines(warc, NAME) if line]
    assert sidecar.read_text(encoding="utf-8").splitlines() == theirs
    assert len(theirs) == 6  # the responses and the revisit; never request, metadata, warcinfo


def test_publish_indexes_from_the_sidecar_without_reading_the_warc(tmp_path):
    warc, sidecar = _with_sidecar(tmp_path)
    read, from_sidecar = tmp_path / "read.cdxj", tmp_path / "sidecar.cdxj"
    bare = tmp_path / "bare" / warc.name
    bare.parent.mkdir()
    bare.write_bytes(warc.read_bytes())  # the same WARC without a sidecar: read
    write_index({NAME: bare}, [], read)
    warc.write_bytes(b"\0" * warc.stat().st_size)  # the sidecar is used, the WARC never read
    write_index({NAME: warc}, [], from_sidecar)
    assert from_sidecar.read_bytes() == read.read_bytes() and read.stat().st_size > 0


@pytest.mark.parametrize(
    "damage",
    [
        lambda t: re.sub(r'"offset": "\d+"', '"offset": "999999999"', t, count=1),  # outside
        lambda t: t.replace(NAME, "warc/other.warc.gz", 1),  # another WARC's
        lambda t: "\n".join(reversed(t.splitlines())) + "\n",  # not in file order
        lambda t: t[: len(t) // 2],  # cut short in a line
        lambda t: "garbage\n" + t,
    ],
)
def test_a_damaged_sidecar_is_named_and_the_warc_read_instead(tmp_path, damage, caplog):
    warc, sidecar = _with_sidecar(tmp_path)
    expected = tmp_path / "expected.cdxj"
    sidecar.rename(tmp_path / "aside")
    write_index({NAME: warc}, [], expected)
    sidecar.write_text(damage((tmp_path / "aside").read_text(encoding="utf-8")), encoding="utf-8")
    out = tmp_path / "out.cdxj"
    with caplog.at_level(logging.WARNING, logger="archive.cdxj"):
        assert sidecar_lines(warc, NAME) is None
        write_index({NAME: warc}, [], out)
    assert out.read_bytes() == expected.read_bytes()
    assert f"{NAME}: CDXJ sidecar line" in caplog.text and "reading the WARC" in caplog.text
