"""The metrics reach a collector: the Prometheus text file (parsed by prometheus_client's parser) and an
OpenTelemetry collector on loopback (an OTLP/HTTP receiver that decodes the protobuf)."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta

from prometheus_client.parser import text_string_to_metric_families

from archive import layout
from archive.records import CrawlReport, Manifest, OutletCounts
from newsarchive.config import Settings
from newsarchive.ops import live_state
from newsarchive.ops.metrics import points, publish_metrics, push_otlp
from newsarchive.ops.status import compute, read_status
from tests.newsarchive.ops.test_health import OUTLETS, _archive, _record
from tests.otlp import OtlpReceiver


def _samples(text: str) -> dict:
    return {
        (s.name, tuple(sorted(s.labels.items()))): s.value
        for family in text_string_to_metric_families(text)
        for s in family.samples
    }


def test_the_counts_the_manifest_holds_per_outlet_and_the_stage_durations():
    crawl = CrawlReport(
        "orient", discovered=30, fetched=25, failed={"http_404": 2}, discovery_failed={"dns": 1}
    )
    counts = OutletCounts(
        crawl=crawl, extracted=24, extract_failed={"no_text": 1}, duplicates=4, new=20, archived=24
    )
    ref_day = "2026-12-06"
    manifest = Manifest(
        ref_day,
        1,
        "2026-12-06T03:05:00+00:00",
        "scheduled__6",
        "newsarchive",
        "",
        {"orient": counts},
        [],
    )
    from archive.records import FileEntry
    from archive.snapshot import SnapshotRef

    ref = SnapshotRef(ref_day, 1)
    manifest.files.append(FileEntry(layout.warc_key(ref.prefix, "orient"), 123456, "0" * 64))
    now = datetime(2026, 12, 6, 3, 10, tzinfo=UTC)
    run = live_state.transition(
        None,
        subject="run",
        day=ref_day,
        run_id="scheduled__6",
        stage="publish",
        state="ok",
        when=now,
        ended=("publish", now - timedelta(seconds=7.5)),
    )
    status = compute([(ref, manifest)], {"run": run}, ["orient"], now=now, stale_days=2)
    pts = points(status, [(ref, manifest)], {"run": run})
    by = {(p.name, p.labels): p.value for p in pts}
    o = (("outlet", "orient"),)
    assert by[("newsarchive_outlet_discovered", o)] == 30
    assert by[("newsarchive_outlet_fetched", o)] == 25
    assert by[("newsarchive_outlet_extracted", o)] == 24
    assert by[("newsarchive_outlet_duplicates", o)] == 4
    assert by[("newsarchive_outlet_new", o)] == 20
    assert by[("newsarchive_outlet_bytes", o)] == 123456
    assert by[("newsarchive_outlet_failed", (*o, ("stage", "crawl"), ("reason", "http_404")))] == 2
    assert by[("newsarchive_outlet_failed", (*o, ("stage", "discovery"), ("reason", "dns")))] == 1
    assert by[("newsarchive_outlet_failed", (*o, ("stage", "extract"), ("reason", "no_text")))] == 1
    assert by[("newsarchive_stage_duration_seconds", (("outlet", ""), ("stage", "publish")))] == 7.5
    assert by[("newsarchive_outlet_state", (*o, ("state", "ok")))] == 1


def test_a_failing_try_reaches_the_text_file_and_the_otlp_collector(tmp_path):
    today = datetime.now(UTC).date()
    store = _archive(tmp_path, [today])
    now = datetime.now(UTC)
    live_state.write(
        store,
        _record(
            "zamanalwsl",
            "retrying",
            now,
            reason="http_500",
            next_try_at=now + timedelta(minutes=2),
            counts={"discovered": 0, "fetched": 0},
            failed={"http_500": 3},
        ),
    )
    textfile = tmp_path / "textfile" / "newsarchive.prom"
    with OtlpReceiver() as otlp:
        settings = Settings(
            archive=str(tmp_path / "archive"),
            metrics_file=str(textfile),
            otlp=(otlp.endpoint + "/v1/metrics", "http/protobuf"),
        )
        publish_metrics(settings, store, OUTLETS)
        point = otlp.wait_for(
            lambda p: (
                p.name == "newsarchive_outlet_state"
                and p.attributes == {"outlet": "zamanalwsl", "state": "retrying"}
            ),
            timeout=10,
        )
        assert point is not None and point.value == 1 and point.service == "newsarchive"
        failed = [p for p in otlp.points if p.name == "newsarchive_outlet_failed"]
        assert any(p.attributes.get("reason") == "http_500" and p.value == 3 for p in failed)
    samples = _samples(textfile.read_text())
    assert (
        samples[("newsarchive_outlet_state", (("outlet", "zamanalwsl"), ("state", "retrying")))]
        == 1
    )
    assert samples[("newsarchive_outlet_fetched", (("outlet", "zamanalwsl"),))] == 0
    assert samples[("newsarchive_health_state", ())] == 2
    assert not [
        p for p in textfile.parent.iterdir() if p.name != "newsarchive.prom"
    ]  # no temp left
    status, _, _ = read_status(store, OUTLETS, now=now, stale_days=2)
    assert status.outlet("zamanalwsl").state == "retrying"


def test_a_collector_that_is_down_costs_a_warning_never_the_task(caplog):
    started = time.monotonic()
    taken = push_otlp("http://127.0.0.1:9/v1/metrics", "http/protobuf", [], timeout_s=2)
    assert taken is True  # nothing to send: nothing sent
    from newsarchive.ops.metrics import Point

    taken = push_otlp(
        "http://127.0.0.1:9/v1/metrics",
        "http/protobuf",
        [Point("newsarchive_today_complete", 1)],
        2,
    )
    assert taken is False and time.monotonic() - started < 30
