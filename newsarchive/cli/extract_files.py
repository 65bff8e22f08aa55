"""`newsarchive extract`: saved pages in, one JSON object per page out (JSON Lines on stdout).

Pages are read with bounded reads (extract/files.py: regular files only, at most the extractor's size
limit, gzip inflated as a stream) and extracted in worker processes with the per-page time limit
(extract/batch.py), so one hostile page costs its own record and never the batch."""

from __future__ import annotations

import json
import os
import sys
from collections import deque
from collections.abc import Iterator
from pathlib import Path

from common.errors import ExtractionError
from extract.batch import Page, extract_pages
from extract.decode import MAX_BYTES
from extract.engine import OutletContext
from extract.files import read_document
from extract.models import Article
from newsarchive.config import Settings
from outlets.registry import load_registry


def read_page(path: Path) -> bytes:
    """The page's bytes (inflated when gzip); ExtractionError not-a-file, oversized or bad-gzip."""
    return read_document(path, MAX_BYTES)


def extract_files(
    paths: list[Path],
    *,
    url: str | None,
    outlet_id: str | None,
    outlets_path: str | None,
    timeout_s: float | None = None,
    workers: int | None = None,
) -> int:
    """Prints a record per file, in the order given; a file with no article gets an `error` record.
    Exit 1 if any failed. The time limit and workers default to the settings (NEWSARCHIVE_EXTRACT_*), the memory
    limit per worker is NEWSARCHIVE_EXTRACT_MEMORY_MB."""
    context = (
        OutletContext.for_outlet(load_registry(outlets_path).get(outlet_id))
        if outlet_id
        else OutletContext()
    )
    settings = Settings.from_env()
    timeout_s = timeout_s or settings.extract_timeout_s
    workers = workers or settings.extract_workers
    workers = max(1, min(workers or os.cpu_count() or 1, len(paths)))
    unread: dict[
        int, dict[str, object]
    ] = {}  # records of files that could not be read, by position
    sent: deque[int] = (
        deque()
    )  # positions of the pages handed over, in order (results come back in it)

    def pages() -> Iterator[Page]:
        for position, path in enumerate(paths):
            try:
                body = read_page(path)
            except OSError as exc:
                unread[position] = _error(
                    path, "unreadable", f"cannot read {path}: {exc.strerror or exc}"
                )
                continue
            except ExtractionError as exc:
                unread[position] = _error(path, exc.reason, exc.detail)
                continue
            sent.append(position)
            yield Page(body, url or path.resolve().as_uri(), source=str(path))

    failed = 0
    done = 0  # files printed so far, in order
    for _page, result in extract_pages(
        context, pages(), workers=workers, timeout_s=timeout_s, memory_mb=settings.extract_memory_mb
    ):
        position = sent.popleft()
        while done < position:
            failed += _print(unread.pop(done))
            done += 1
        failed += _print(_record(paths[position], result))
        done += 1
    while done < len(paths):
        failed += _print(unread.pop(done))
        done += 1
    return 1 if failed else 0


def _error(path: Path, reason: str, detail: str) -> dict[str, object]:
    return {"source": str(path), "error": reason, "detail": detail}


def _record(path: Path, result: Article | ExtractionError) -> dict[str, object]:
    if isinstance(result, ExtractionError):
        return _error(path, result.reason, result.detail)
    return {"source": str(path), **result.to_dict()}


def _print(record: dict[str, object]) -> int:
    """Print one record (and an error's line on stderr); 1 if it is an error."""
    if "error" in record:
        print(
            f"newsarchive extract: {record['source']}: {record['error']}: {record['detail']}",
            file=sys.stderr,
        )
    print(json.dumps(record, ensure_ascii=False))
    return 1 if "error" in record else 0
