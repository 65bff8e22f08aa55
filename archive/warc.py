"""Our WARC records beyond the crawl's: the article links the publish stage appends. Reading captures
back (revisits resolved, provenance) is archive/warc_read.py."""

from __future__ import annotations

from pathlib import Path


def append_article_links(path: Path, links: list[dict[str, str]]) -> None:
    """Append one WARC metadata record per archived article, referring to its response capture.

    Each link: {"url", "capture_id", "article_id", "canonical_url"}. A gzipped WARC is a series of
    gzip members, so appending records leaves the captures byte-for-byte as they were.
    """
    import json
    from io import BytesIO

    from common.warc_writer import GzipWarcWriter

    with path.open("ab") as fh:
        writer = GzipWarcWriter(fh)
        for link in links:
            payload = json.dumps(
                {"article_id": link["article_id"], "canonical_url": link["canonical_url"]}
            )
            record = writer.create_warc_record(
                link["url"],
                "metadata",
                payload=BytesIO(payload.encode("utf-8")),
                warc_content_type="application/json",
                warc_headers_dict={"WARC-Refers-To": link["capture_id"]},
            )
            writer.write_record(record)
