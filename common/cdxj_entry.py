"""One WARC record's CDXJ line, as `cdxj-indexer` writes it (archive/cdxj.py's fields: the standard
ones and the record id, refers-to URI and date), from the record as it is written: the crawl's WARC
writer emits each line beside its record (spiders/warc.py, the CDXJ sidecar), so publish need not read
the WARC again. Byte for byte the line `cdxj-indexer` makes of the same record
(tests/common/test_cdxj_entry.py); publish adds the article fields (archive/cdxj.py).

`record` is any record with warcio's shape (`rec_type`, `rec_headers`, `http_headers`): one being
written by warcio's builder, or one read by common/warc_reader.py.
"""

from __future__ import annotations

import json
import re
from typing import Any

INDEXED_RECORDS = ("response", "revisit", "resource")
SIDECAR_SUFFIX = ".cdxj"  # a WARC's sidecar: `<name>.warc.gz.cdxj` beside it (never in a snapshot)
_RE_SPACE = re.compile(r"[;\s]")
_EXTRA = ("WARC-Record-ID", "WARC-Refers-To-Target-URI", "WARC-Refers-To-Date")


def sidecar_name(warc_name: str) -> str:
    """The file name of a WARC's CDXJ sidecar (the crawl's output, staged with the WARC)."""
    return warc_name + SIDECAR_SUFFIX


def cdxj_line(record: Any, offset: int, length: int, filename: str) -> str | None:
    """The CDXJ line (no newline) of `record`, stored at `offset` for `length` bytes of the WARC named
    `filename` in the index; None for a record the index leaves out (request, metadata, warcinfo)."""
    from surt import surt  # the crawl's process imports it anyway (tldextract)
    from warcio.timeutils import iso_date_to_timestamp

    rec_type = record.rec_type
    if rec_type not in INDEXED_RECORDS:
        return None
    headers, http = record.rec_headers, record.http_headers
    url = headers.get_header("WARC-Target-URI")
    entry: dict[str, str] = {}
    if url is not None:
        entry["url"] = url
    if rec_type == "revisit":
        mime: str | None = "warc/revisit"
    else:
        if rec_type == "response":
            mime = http.get_header("Content-Type") if http else None
        else:
            mime = headers.get_header("Content-Type")
        if mime:
            mime = _RE_SPACE.split(mime, 1)[0].strip()
    if mime is not None:
        entry["mime"] = mime
    if http:
        entry["status"] = http.get_statuscode()
    digest = headers.get_header("WARC-Payload-Digest")
    if digest is not None:
        entry["digest"] = digest
    entry["length"], entry["offset"], entry["filename"] = str(length), str(offset), filename
    for name in _EXTRA:
        value = headers.get_header(name)
        if value is not None:
            entry[name.lower()] = value
    url = entry.get("url") or url
    try:
        key = surt(url)
    except Exception:  # cdxj-indexer's own rule: a URL that SURT cannot parse is its own key
        key = url
    return f"{key} {iso_date_to_timestamp(headers.get_header('WARC-Date'))} {json.dumps(entry)}"
