"""`make bench` (WARC part, issue 31): writing the crawl's WARC records with the project's writer
(common/warc_writer.py: warcio's records, one gzip member per record, deflated by libdeflate at level 6) beside warcio's own writer
(level 9, what the crawl used before), on the replica's article pages, in interleaved rounds. Ours is
given response records as spiders/warc.py creates them (the payload's length and digest given, the
digest's time counted; the crawl also sets WARC-Date, which neither side does here); warcio's writer
twice: with records as the crawl created them before (the payload alone: warcio copies it to a temporary
file and hashes it twice), the issue's baseline, and with the crawl's records of today, which compares
the writers alone. Then each file is read back with the project's reader (common/warc_reader.py) and
warcio's ArchiveIterator, every record's payload read.
Pages: the article-extraction benchmark's real pages (../shared, default) or the replica's.
Prints CPU ms per 1,000 records, MB/s of payload, file sizes (medians over the rounds), and the median
of the ratios taken within each round (which need not equal the ratio of the medians).

    python bench/bench_warc.py [--pages 2000] [--rounds 5] [--pages-from benchmark|replica]
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from io import BytesIO
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from warcio.archiveiterator import ArchiveIterator  # noqa: E402
from warcio.statusandheaders import StatusAndHeaders  # noqa: E402
from warcio.warcwriter import WARCWriter  # noqa: E402

from common.warc_reader import read_records  # noqa: E402
from common.warc_writer import GzipWarcWriter  # noqa: E402
from replica.server import Replica  # noqa: E402
from spiders.warc import payload_digest, response_record  # noqa: E402

OURS = "ours (level 6)"
BEFORE = "warcio (level 9), records as the crawl made them"
SAME_RECORDS = "warcio (level 9), records as the crawl makes them"
CORPUS = Path(__file__).resolve().parents[2] / "shared/corpora/article-extraction-benchmark/html"


def _benchmark_pages(n: int) -> list[tuple[str, bytes]]:
    """The article-extraction benchmark's real pages (../shared), repeated up to n."""
    import gzip

    files = sorted(CORPUS.glob("*.html.gz"))
    if not files:
        raise SystemExit(f"no pages in {CORPUS}: give --pages-from replica")
    bodies = [gzip.decompress(f.read_bytes()) for f in files]
    return [(f"https://bench.test/{i}", bodies[i % len(bodies)]) for i in range(n)]


def _pages(n: int) -> list[tuple[str, bytes]]:
    replica = Replica(per_outlet=max(1, n // 5 + 1))
    pages = [
        (f"https://{site.outlet}.test/{article.key}", site.article_html(article).encode("utf-8"))
        for site in replica.sites.values()
        for article in site.articles
    ]
    return pages[:n]


def _write(writer_of, pages: list[tuple[str, bytes]], path: Path, as_crawl: bool) -> float:
    """CPU seconds to write a response record per page. `as_crawl`: as spiders/warc.py creates them
    (the payload's length and digest given: warcio then neither copies the body to a temporary file nor
    hashes it twice; the digest's time is counted here); else as the crawl created them before
    (warcio's create_warc_record with the payload alone)."""
    start = time.process_time()
    with path.open("wb") as fh:
        writer = writer_of(fh)
        for url, body in pages:
            headers = StatusAndHeaders(
                "200 OK", [("Content-Type", "text/html; charset=utf-8")], "HTTP/1.1"
            )
            if as_crawl:
                record = response_record(writer, url, body, headers, payload_digest(body), {})
            else:
                record = writer.create_warc_record(
                    url, "response", payload=BytesIO(body), http_headers=headers
                )
            writer.write_record(record)
    return time.process_time() - start


def _read(path: Path) -> float:
    start = time.process_time()
    with path.open("rb") as fh:
        for record in ArchiveIterator(fh):
            record.content_stream().read()
    return time.process_time() - start


def _read_ours(path: Path) -> float:
    start = time.process_time()
    for record in read_records(path):
        record.payload()
    return time.process_time() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pages", type=int, default=2000)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--pages-from", choices=("benchmark", "replica"), default="benchmark")
    args = parser.parse_args()
    pages = _benchmark_pages(args.pages) if args.pages_from == "benchmark" else _pages(args.pages)
    payload = sum(len(b) for _, b in pages)
    print(
        f"load average {os.getloadavg()[0]:.1f}; {len(pages)} {args.pages_from} pages, {payload / 1e6:.1f} MB of HTML"
    )
    # name: (the writer, records created as the crawl creates them now); the third row is warcio's
    # writer given the crawl's records, so the writer alone can be compared
    writers = {
        OURS: (lambda fh: GzipWarcWriter(fh), True),
        BEFORE: (lambda fh: WARCWriter(fh, gzip=True, warc_version="1.1"), False),
        SAME_RECORDS: (lambda fh: WARCWriter(fh, gzip=True, warc_version="1.1"), True),
    }
    times: dict[str, list[float]] = {k: [] for k in writers}
    reads: dict[str, list[float]] = {k: [] for k in writers}
    sizes: dict[str, int] = {}
    ratios: dict[str, list[float]] = {BEFORE: [], SAME_RECORDS: []}
    read_ratios = []
    with tempfile.TemporaryDirectory() as tmp:
        for r in range(args.rounds):
            order = list(writers)[r % 3 :] + list(writers)[: r % 3]
            for name in order:
                path = Path(tmp) / f"{r}-{list(writers).index(name)}.warc.gz"
                writer_of, as_crawl = writers[name]
                times[name].append(_write(writer_of, pages, path, as_crawl))
                reads[name].append(_read(path))
                sizes[name] = path.stat().st_size
                if name == OURS:
                    ours_read = _read_ours(path)
                    read_ratios.append(reads[name][-1] / ours_read)
            for name in ratios:
                ratios[name].append(times[name][-1] / times[OURS][-1])
        _cdxj(pages, Path(tmp))
    for name in writers:
        w, rd = statistics.median(times[name]), statistics.median(reads[name])
        print(
            f"{name:50} write {w * 1e6 / len(pages):7.1f} ms/1,000 records ({payload / w / 1e6:5.1f} MB/s)"
            f"  read {rd * 1e6 / len(pages):6.1f} ms/1,000 ({payload / rd / 1e6:5.1f} MB/s)"
            f"  file {sizes[name] / 1e6:6.2f} MB"
        )
    for name, values in ratios.items():
        print(
            f"write: ours {statistics.median(values):.2f}x {name} (median of the rounds' ratios, range "
            f"{min(values):.2f}-{max(values):.2f}x, {args.rounds} rounds); "
            f"file {sizes[OURS] / sizes[name]:.3f}x the size"
        )
    print(
        f"read: ours (common/warc_reader.py) {statistics.median(read_ratios):.2f}x warcio's ArchiveIterator "
        f"on the same file (range {min(read_ratios):.2f}-{max(read_ratios):.2f}x)"
    )


def _cdxj(pages: list[tuple[str, bytes]], tmp: Path) -> None:
    """Publish's CDXJ index of one WARC: from the lines the writer emitted (the crawl's sidecar) beside
    reading the WARC with cdxj-indexer (what publish did before, and still does without a sidecar)."""
    from archive.cdxj import write_index
    from common.cdxj_entry import cdxj_line, sidecar_name

    name = "warc/bench.warc.gz"
    lines: list[str] = []
    with_sidecar = tmp / "sidecar" / "bench.warc.gz"
    with_sidecar.parent.mkdir()

    def indexed(record, offset, length):
        if (line := cdxj_line(record, offset, length, name)) is not None:
            lines.append(line)

    start = time.process_time()
    _write(lambda fh: GzipWarcWriter(fh, on_record=indexed), pages, with_sidecar, True)
    written = time.process_time() - start
    with_sidecar.with_name(sidecar_name(with_sidecar.name)).write_text(
        "".join(line + "\n" for line in lines), encoding="utf-8"
    )
    bare = tmp / "bare.warc.gz"
    bare.write_bytes(with_sidecar.read_bytes())
    times = {}
    for label, path in (("sidecar", with_sidecar), ("read", bare)):
        start = time.process_time()
        write_index({name: path}, [], tmp / f"{label}.cdxj")
        times[label] = time.process_time() - start
    same = (tmp / "sidecar.cdxj").read_bytes() == (tmp / "read.cdxj").read_bytes()
    print(
        f"CDXJ at publish, {len(lines):,} records: from the crawl's sidecar {times['sidecar']:.2f} s "
        f"vs reading the WARC (cdxj-indexer) {times['read']:.2f} s: {times['read'] / times['sidecar']:.1f}x; "
        f"identical index: {same}; writing with the lines {written:.2f} s"
    )


if __name__ == "__main__":
    main()
