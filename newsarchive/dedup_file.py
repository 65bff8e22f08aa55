"""`newsarchive dedup INPUT.jsonl`: a researcher's own corpus in, one decision per input line out."""

from __future__ import annotations

import json
import sys
from collections.abc import Iterator
from itertools import islice
from pathlib import Path
from typing import TextIO

from dedup import THRESHOLD
from dedup.engine import BATCH, Deduplicator, Document


class _Bad:
    def __init__(self, line: int, error: str, detail: str):
        self.record = {"line": line, "error": error, "detail": detail}


def _read(stream: TextIO, source: str) -> Iterator[Document | _Bad]:
    for number, line in enumerate(stream, start=1):
        if not line.strip():
            continue
        try:
            row = json.loads(line)
        except json.JSONDecodeError as exc:
            yield _Bad(number, "not-json", f"{source}:{number}: not JSON ({exc.msg} at column {exc.colno})")
            continue
        if not isinstance(row, dict):
            yield _Bad(number, "not-an-object", f"{source}:{number}: expected a JSON object")
            continue
        missing = [field for field in ("id", "text") if row.get(field) in (None, "")]
        if missing:
            yield _Bad(number, "missing-field", f"{source}:{number}: no {' and no '.join(missing)}")
            continue
        if not isinstance(row["text"], str) or not isinstance(row["id"], str | int):
            yield _Bad(number, "wrong-type", f"{source}:{number}: id must be a string or number, text a string")
            continue
        yield Document(id=str(row["id"]), text=row["text"], url=row.get("url"), canonical=row.get("canonical_url"))


def dedup_file(path: Path, threshold: float = THRESHOLD, out: TextIO | None = None) -> int:
    """Prints id, duplicate_of, revision_of, reason, similarity per line, in input order; a bad line gets
    {"line", "error", "detail"} there instead (and on stderr). Exit 1 if any line was bad."""
    out = out or sys.stdout
    source = "-" if str(path) == "-" else str(path)
    stream = sys.stdin if source == "-" else path.open(encoding="utf-8")
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
        if stream is not sys.stdin:
            stream.close()
    return 1 if bad else 0
