"""What signing and timestamping cost (issue 27): `snapshots verify` of a signed and timestamped snapshot
beside the same snapshot unsigned (the baseline: verify as it was), the seal check alone, publish with and
without the seal, and a signed WACZ export beside an unsigned one.

One day of BENCH_ARTICLES articles (2000) in two outlets (real WARCs, Parquet, CDXJ), published twice
into two local archives: unsigned, and with an Ed25519 key and an RFC 3161 TSA on loopback (openssl ts,
tests/tsa.py: the TSA's answer time is part of the publish figure). Each timing is the median of
BENCH_REPEATS (7) runs, the two run alternately."""

from __future__ import annotations

import os
import statistics
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from archive.seal import Sealer, check_seal  # noqa: E402
from archive.signing import load_signing_key  # noqa: E402
from archive.snapshot import load_manifest, publish_snapshot, read_manifest_bytes  # noqa: E402
from archive.store import open_store  # noqa: E402
from archive.timestamp import TsaClient  # noqa: E402
from archive.verify import verify  # noqa: E402
from archive.wacz_export import export_wacz  # noqa: E402
from tests.archive.warcs import Page, page_html, row, write_warc  # noqa: E402
from tests.tsa import LocalTSA, TestCA, load_key, pem, write_key  # noqa: E402

ARTICLES = int(os.environ.get("BENCH_ARTICLES", "2000"))
REPEATS = int(os.environ.get("BENCH_REPEATS", "7"))
DAY = date(2026, 11, 20)
STORY = "قال المرصد السوري لحقوق الإنسان إن الاشتباكات تواصلت في محيط مدينة دوما من جهة حرستا. "


def _day(tmp: Path) -> tuple[list[dict], dict[str, Path]]:
    rows, warcs = [], {}
    for o, outlet in enumerate(("enabbaladi", "orient")):
        pages = [
            Page(
                f"https://www.{outlet}.net/archives/{n}",
                f"<urn:uuid:00000000-0000-4000-8000-{n:012d}>",
                "2026-11-20T03:00:00Z",
                page_html(f"عنوان {n}", STORY * 8),
            )
            for n in range(o, ARTICLES, 2)
        ]
        warcs[outlet] = write_warc(
            tmp / f"{outlet}.warc.gz",
            pages,
            {p.record_id: f"id{n:04d}" for n, p in enumerate(pages)},
        )
        rows += [row(n, p, outlet, text=STORY * 8) for n, p in enumerate(pages)]
        for n, r in enumerate(rows[-len(pages) :]):
            r["id"] = f"{outlet[:2]}{n:06d}"
    return rows, warcs


def _pair(first, second) -> tuple[float, float]:
    """Medians of the two, run alternately (the machine's load falls on both alike)."""
    a, b = [], []
    for _ in range(REPEATS):
        for fn, out in ((first, a), (second, b)):
            start = time.perf_counter()
            fn()
            out.append(time.perf_counter() - start)
    return statistics.median(a), statistics.median(b)


def _median(fn) -> float:
    times = []
    for _ in range(REPEATS):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def main() -> None:
    with tempfile.TemporaryDirectory(prefix="bench-signing-") as tmp_name, LocalTSA() as tsa:
        tmp = Path(tmp_name)
        rows, warcs = _day(tmp)
        key = load_signing_key(str(write_key(tmp / "signing.pem", "ed25519")), "key")
        sealer = Sealer(key, (), TsaClient(tsa.url, "tsa", (tsa.ca.cert,)))
        plain, sealed = open_store(tmp / "plain"), open_store(tmp / "sealed")
        publish_plain, publish_sealed = [], []
        publish_snapshot(open_store(tmp / "warm"), DAY, rows, warcs, seal=sealer)  # imports, caches
        for n in range(REPEATS):  # each publish is a new rev of the day
            start = time.perf_counter()
            ref_plain, _ = publish_snapshot(plain, DAY, rows, warcs, run_id=f"p{n}")
            publish_plain.append(time.perf_counter() - start)
            start = time.perf_counter()
            ref, _ = publish_snapshot(sealed, DAY, rows, warcs, run_id=f"s{n}", seal=sealer)
            publish_sealed.append(time.perf_counter() - start)
        anchors = (tsa.ca.cert,)
        assert not verify(sealed, ref, anchors=anchors).problems
        assert not verify(plain, ref_plain).problems
        verify_plain, verify_sealed = _pair(
            lambda: verify(plain, ref_plain, retention=False),
            lambda: verify(sealed, ref, retention=False, anchors=anchors),
        )
        body, manifest = read_manifest_bytes(sealed, ref), load_manifest(sealed, ref)
        seal_only = _median(lambda: check_seal(sealed, ref, body, manifest, anchors))
        stamp_only = _median(lambda: sealer.tsa.stamp(body))  # type: ignore[union-attr]

        p256 = write_key(tmp / "p256.pem", "p256")
        ca = TestCA("Bench Domain Root")
        (tmp / "chain.pem").write_bytes(
            pem(ca.issue(load_key(p256).public_key(), "archive.example.org")) + pem(ca.cert)
        )
        from archive.signing import load_chain

        wkey = load_signing_key(str(p256), "key")
        wsealer = Sealer(wkey, load_chain(str(tmp / "chain.pem"), "cert", wkey), sealer.tsa)
        wacz_plain, wacz_signed = _pair(
            lambda: export_wacz(plain, ref_plain, tmp / "wp", "orient"),
            lambda: export_wacz(sealed, ref, tmp / "ws", "orient", seal=wsealer),
        )
        size = sum(f.size for f in manifest.files)

    print(
        f"one day: {ARTICLES} articles, 2 outlets, {len(manifest.files)} files, {size:,} bytes; median of {REPEATS}"
    )
    print(f"{'':44} {'unsigned':>10} {'signed+TSA':>11} {'extra':>9}")
    for label, a, b in (
        ("snapshots verify (verify(), no retention)", verify_plain, verify_sealed),
        (
            "publish (publish_snapshot)",
            statistics.median(publish_plain),
            statistics.median(publish_sealed),
        ),
        ("WACZ export of one outlet (domain signature)", wacz_plain, wacz_signed),
    ):
        print(f"{label:44} {a:>9.3f}s {b:>10.3f}s {b - a:>+8.3f}s ({(b - a) / a:+.1%})")
    print(f"{'the seal check alone (check_seal)':44} {seal_only * 1000:>10.1f}ms")
    print(f"{'one TSA round trip (openssl ts on loopback)':44} {stamp_only * 1000:>10.1f}ms")


if __name__ == "__main__":
    main()
