"""`newsarchive extract`: saved pages in, one JSON object per page out (JSON Lines on stdout)."""

from __future__ import annotations

import gzip
import json
import sys
from pathlib import Path

from extract.engine import ArticleExtractor, OutletContext
from extract.models import ExtractionError
from newsarchive.registry import load_registry
from newsarchive.stages import context_for


def read_page(path: Path) -> bytes:
    data = path.read_bytes()
    if path.suffix == ".gz" or data[:2] == b"\x1f\x8b":
        try:
            return gzip.decompress(data)
        except (OSError, EOFError) as exc:
            raise ExtractionError("bad-gzip", f"cannot decompress: {exc}") from None
    return data


def extract_files(paths: list[Path], *, url: str | None, outlet_id: str | None,
                  outlets_path: str | None) -> int:
    """Prints a record per file; a file with no article gets an `error` record. Exit 1 if any failed."""
    context = context_for(load_registry(outlets_path).get(outlet_id)) if outlet_id else OutletContext()
    extractor = ArticleExtractor(context)
    failed = 0
    for path in paths:
        record: dict = {"source": str(path)}
        try:
            body = read_page(path)
            article = extractor.extract(body, url or path.resolve().as_uri())
            record.update(article.to_dict())
        except OSError as exc:
            record.update(error="unreadable", detail=f"cannot read {path}: {exc.strerror or exc}")
        except ExtractionError as exc:
            record.update(error=exc.reason, detail=exc.detail)
        if "error" in record:
            failed += 1
            print(f"newsarchive extract: {path}: {record['error']}: {record['detail']}", file=sys.stderr)
        print(json.dumps(record, ensure_ascii=False))
    return 1 if failed else 0
