"""`newsarchive dedup INPUT.jsonl`: a researcher's own corpus in, one decision per input line out."""

from __future__ import annotations

import json
import sys
from collections.abc import Iterator
from itertools import islice
from pathlib import Path
from typing import BinaryIO, TextIO
from urllib.parse import urlsplit

from dedup import THRESHOLD
from dedup.engine import BATCH, Deduplicator, Document
from extract.sanitize import MAX_URL_CHARS


class _Bad:
    def __init__(self, line: int, error: str, detail: str):
        self.record = {"line": line, "error": error, "detail": detail}


MAX_LINE_BYTES = (
    16 * 1024 * 1024
)  # one document; an article's text is a few KB, a whole page at most 8 MiB
_CHUNK = 1024 * 1024


def _lines(stream: BinaryIO) -> Iterator[tuple[int, bytes | None]]:
    """(line number, bytes) per line; None for a line over MAX_LINE_BYTES, which is skipped without
    ever holding more than MAX_LINE_BYTES of it."""
    number = 0
    while line := stream.readline(MAX_LINE_BYTES + 1):
        number += 1
        if len(line) > MAX_LINE_BYTES and not line.endswith(b"\n"):
            while (rest := stream.readline(_CHUNK)) and not rest.endswith(b"\n"):
                pass
            yield number, None
            continue
        yield number, line


def _parses(url: str) -> bool:
    """The URL can be parsed (dedup normalises it): «http://[::1» and a port of 99999 cannot."""
    try:
        urlsplit(url.strip()).port  # noqa: B018
    except ValueError:
        return False
    return len(url) <= MAX_URL_CHARS


def _read(stream: BinaryIO, source: str) -> Iterator[Document | _Bad]:
    for number, raw in _lines(stream):
        if raw is None:
            yield _Bad(
                number,
                "line-too-long",
                f"{source}:{number}: line over {MAX_LINE_BYTES} bytes; "
                "split the document or leave it out",
            )
            continue
        try:
            line = raw.decode("utf-8")
        except UnicodeDecodeError as exc:
            yield _Bad(
                number, "not-utf8", f"{source}:{number}: not UTF-8 text (byte {exc.start + 1})"
            )
            continue
        if not line.strip():
            continue
        try:
            row = json.loads(line)
        except json.JSONDecodeError as exc:
            yield _Bad(
                number, "not-json", f"{source}:{number}: not JSON ({exc.msg} at column {exc.colno})"
            )
            continue
        except (ValueError, RecursionError) as exc:  # nested too deeply, an integer of 5,000 digits
            yield _Bad(
                number,
                "not-json",
                f"{source}:{number}: not usable JSON ({type(exc).__name__}: {str(exc)[:80]})",
            )
            continue
        if not isinstance(row, dict):
            yield _Bad(number, "not-an-object", f"{source}:{number}: expected a JSON object")
            continue
        missing = [field for field in ("id", "text") if row.get(field) in (None, "")]
        if missing:
            yield _Bad(number, "missing-field", f"{source}:{number}: no {' and no '.join(missing)}")
            continue
        if (
            not isinstance(row["text"], str)
            or not isinstance(row["id"], str | int)
            or isinstance(row["id"], bool)
        ):
            yield _Bad(
                number,
                "wrong-type",
                f"{source}:{number}: id must be a string or number, text a string",
            )
            continue
        if any(
            row.get(key) is not None and not isinstance(row[key], str)
            for key in ("url", "canonical_url")
        ):
            yield _Bad(
                number, "wrong-type", f"{source}:{number}: url and canonical_url must be strings"
            )
            continue
        if bad := next(
            (
                row[key]
                for key in ("url", "canonical_url")
                if row.get(key) and not _parses(row[key])
            ),
            None,
        ):
            yield _Bad(
                number,
                "bad-url",
                f"{source}:{number}: {bad[:80]!r} is not a URL; fix it or leave the field out",
            )
            continue
        yield Document(
            id=str(row["id"]),
            text=row["text"],
            url=row.get("url"),
            canonical=row.get("canonical_url"),
        )


def dedup_file(path: Path, threshold: float = THRESHOLD, out: TextIO | None = None) -> int:
    """Prints id, duplicate_of, revision_of, reason, similarity per line, in input order; a bad line gets
    {"line", "error", "detail"} there instead (and on stderr). Exit 1 if any line was bad."""
    out = out or sys.stdout
    source = "-" if str(path) == "-" else str(path)
    stream = sys.stdin.buffer if source == "-" else path.open("rb")
    deduplicator = Deduplicator(threshold=threshold)
    bad = 0
    try:
        items = _read(stream, source)
        while chunk := list(islice(items, BATCH)):  # bounded memory, output in input order
            decisions = iter(deduplicator.run(item for item in chunk if isinstance(item, Document)))
            for item in chunk:
                if isinstance(item, _Bad):
                    bad += 1
                    print(f"newsarchive dedup: {item.record['detail']}", file=sys.stderr)
                    print(json.dumps(item.record, ensure_ascii=False), file=out)
                else:
                    print(json.dumps(next(decisions).to_dict(), ensure_ascii=False), file=out)
    finally:
        if stream is not sys.stdin.buffer:
            stream.close()
    return 1 if bad else 0
