"""Where a crawl learns which payloads are archived already, so it writes `revisit` records for them.

The one lookup: the payload digests of the outlet's `response` records (status 200) in the WARCs of the
complete revs of the run's own day. That is what a rerun of a date, a cleared DAG run or a `--refetch` of
the day captures again; a revisit then always refers to a record of the same day and outlet, where
archive/warc_read.py looks for its original. (Pages served again under another URL within one crawl are
found by the crawl itself, spiders/warc.py.) Each WARC is checked against its manifest's SHA-256 first;
one that cannot be read costs only its revisits: its pages are written in full.
"""

from __future__ import annotations

import json
import logging
from datetime import date
from pathlib import Path

from warcio.exceptions import ArchiveLoadFailed

from archive import layout
from archive.snapshot import SnapshotRef, day_revs, download_checked, load_manifest
from archive.store import ObjectNotFound, Store
from common.errors import NewsArchiveError
from common.warc_reader import read_records

logger = logging.getLogger(__name__)


def archived_digests(store: Store, day: date, outlet: str, tmp: Path) -> dict[str, list[str]]:
    """{payload digest: [target URI, WARC-Date, WARC-Record-ID]} of the outlet's archived responses of
    `day`; the oldest capture of a payload wins (a later rev's revisits refer to it already)."""
    digests: dict[str, list[str]] = {}
    revs = day_revs(store, day, claims_of_complete=False)
    for rev in sorted(r.rev for r in revs.values() if r.complete and not r.abandoned):
        ref = SnapshotRef(day.isoformat(), rev)
        key = layout.warc_key(ref.prefix, outlet)
        local = tmp / f"digests-rev{rev}.warc.gz"
        try:
            entry = load_manifest(store, ref).file(key)
            if entry is None:
                continue
            download_checked(store, entry, local)
            for record in read_records(local):
                headers = record.rec_headers
                digest = headers.get_header("WARC-Payload-Digest")
                if (
                    record.rec_type == "response"
                    and digest
                    and record.http_headers is not None
                    and record.http_headers.get_statuscode() == "200"
                ):
                    digests.setdefault(
                        digest,
                        [
                            headers.get_header("WARC-Target-URI"),
                            headers.get_header("WARC-Date"),
                            headers.get_header("WARC-Record-ID"),
                        ],
                    )
        except (
            ObjectNotFound,
            NewsArchiveError,
            ArchiveLoadFailed,
            OSError,
            EOFError,
            ValueError,
        ) as exc:
            logger.warning("%s: no revisits against %s (%s)", outlet, key, exc)
        finally:
            local.unlink(missing_ok=True)
    return digests


def write_digests(digests: dict[str, list[str]], path: Path) -> Path:
    """The file the crawl reads (NEWSARCHIVE_ARCHIVED_DIGESTS, spiders/warc.py read_digests)."""
    path.write_text(json.dumps(digests), encoding="utf-8")
    return path
