"""The archive's metrics: per outlet its state and its latest run's counts (the manifest's: discovered,
fetched, failed by reason, extracted, duplicates, new, archived, WARC bytes; while a run is going, the
live record's), the durations of each stage, and the health check's verdict.

`points()` makes them once, from the status (newsarchive/ops/status.py) and the manifests it read; two
sinks write them: a Prometheus text file (prometheus_client's exposition, written atomically, for
node_exporter's textfile collector or any scraper) and an OpenTelemetry collector over OTLP (the SDK's
exporter; the same standard variables as Airflow's own metrics). Metrics never fail a task: a sink that
cannot be written is logged and skipped.
"""

from __future__ import annotations

import logging
import math
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from archive import layout
from archive.store import Store
from newsarchive.config import Settings
from newsarchive.ops.health import verdict
from newsarchive.ops.live_state import RUN, STATES, LiveState
from newsarchive.ops.status import ArchiveStatus, Manifests, latest_published

if TYPE_CHECKING:
    from opentelemetry.metrics import _Gauge as Gauge  # exported under this name while experimental
    from prometheus_client.core import GaugeMetricFamily

logger = logging.getLogger(__name__)

# name -> (unit, help): every metric is a gauge (a run's figures, a state), labelled as listed per point
METRICS: dict[str, tuple[str, str]] = {
    "newsarchive_outlet_state": (
        "",
        "1 for the outlet's current state (running, retrying, failed, ok, stale), 0 for the others",
    ),
    "newsarchive_outlet_next_try_timestamp_seconds": (
        "s",
        "when a retrying outlet's next try starts",
    ),
    "newsarchive_outlet_last_complete_timestamp_seconds": (
        "s",
        "the newest day (00:00 UTC) whose snapshot holds the outlet's own run",
    ),
    "newsarchive_outlet_run_info": (
        "",
        "the run the outlet's figures come from (labels day, run_id)",
    ),
    "newsarchive_outlet_discovered": ("", "article URLs the latest run discovered"),
    "newsarchive_outlet_fetched": ("", "article pages the latest run fetched"),
    "newsarchive_outlet_failed": (
        "",
        "requests or pages that failed in the latest run, by stage and reason",
    ),
    "newsarchive_outlet_extracted": ("", "articles the latest run extracted"),
    "newsarchive_outlet_duplicates": ("", "of the latest run's articles, duplicates"),
    "newsarchive_outlet_new": ("", "of the latest run's articles, not duplicates"),
    "newsarchive_outlet_archived": ("", "the outlet's articles in the latest run's snapshot"),
    "newsarchive_outlet_bytes": ("By", "bytes of the outlet's WARC in the latest run's snapshot"),
    "newsarchive_stage_duration_seconds": ("s", "how long each stage of the latest run took"),
    "newsarchive_health_state": ("", "newsarchive health: 0 OK, 1 WARNING, 2 CRITICAL, 3 UNKNOWN"),
    "newsarchive_today_complete": ("", "1 when today's snapshot is complete"),
    "newsarchive_deadline_missed": (
        "",
        "1 when today's snapshot is not complete past its deadline",
    ),
    "newsarchive_canary_problems": ("", "problems the canary found in the newest snapshot"),
}
STATE_SET = (*STATES, "stale")


@dataclass(frozen=True)
class Point:
    name: str
    value: float
    labels: tuple[tuple[str, str], ...] = ()


def _stamp(when: str | None) -> float | None:
    try:
        return datetime.fromisoformat(when).timestamp() if when else None
    except ValueError:
        return None


def _live_counts(outlet: str, record: LiveState) -> Iterator[Point]:
    o = (("outlet", outlet),)
    for name in ("discovered", "fetched"):
        if name in record.counts:
            yield Point(f"newsarchive_outlet_{name}", record.counts[name], o)
    for reason, n in sorted(record.failed.items()):
        yield Point("newsarchive_outlet_failed", n, (*o, ("stage", "crawl"), ("reason", reason)))


def points(
    status: ArchiveStatus, manifests: Manifests, live: Mapping[str, LiveState]
) -> list[Point]:
    """Every metric at this moment (labels: outlet, and state, stage, reason, day, run_id as listed)."""
    out: list[Point] = []
    latest = latest_published(manifests)
    for s in status.outlets:
        o = (("outlet", s.outlet),)
        out += [
            Point("newsarchive_outlet_state", float(s.state == st), (*o, ("state", st)))
            for st in STATE_SET
        ]
        if (when := _stamp(s.next_try_at)) is not None:
            out.append(Point("newsarchive_outlet_next_try_timestamp_seconds", when, o))
        if s.last_complete_day:
            day = datetime.combine(
                date.fromisoformat(s.last_complete_day), datetime.min.time(), UTC
            )
            out.append(
                Point("newsarchive_outlet_last_complete_timestamp_seconds", day.timestamp(), o)
            )
        record, published = live.get(s.outlet), latest.get(s.outlet)
        if s.day and s.run_id:
            out.append(
                Point("newsarchive_outlet_run_info", 1, (*o, ("day", s.day), ("run_id", s.run_id)))
            )
        if record is not None and (published is None or published[1].run_id != record.run_id):
            out += _live_counts(s.outlet, record)  # a run still going: the crawl's figures so far
        elif published is not None:
            ref, manifest = published
            counts = manifest.outlets[s.outlet]
            crawl = counts.crawl
            figures = {
                "discovered": crawl.discovered if crawl else 0,
                "fetched": crawl.fetched if crawl else 0,
                "extracted": counts.extracted,
                "duplicates": counts.duplicates,
                "new": counts.new,
                "archived": counts.archived,
            }
            out += [Point(f"newsarchive_outlet_{k}", v, o) for k, v in figures.items()]
            failed: dict[tuple[str, str], int] = {}
            for stage, reasons in (
                ("crawl", dict(crawl.failed) if crawl else {}),
                ("discovery", dict(crawl.discovery_failed) if crawl else {}),
                ("extract", dict(counts.extract_failed)),
            ):
                for reason, n in reasons.items():
                    failed[(stage, str(reason))] = failed.get((stage, str(reason)), 0) + int(n)
            out += [
                Point("newsarchive_outlet_failed", n, (*o, ("stage", st), ("reason", r)))
                for (st, r), n in sorted(failed.items())
            ]
            warc = layout.warc_key(ref.prefix, s.outlet)
            size = next((f.size for f in manifest.files if f.key == warc), None)
            if size is not None:
                out.append(Point("newsarchive_outlet_bytes", size, o))
        if record is not None:
            for stage, seconds in sorted(record.durations.items()):
                out.append(
                    Point("newsarchive_stage_duration_seconds", seconds, (*o, ("stage", stage)))
                )
    if (run := live.get(RUN)) is not None:
        for stage, seconds in sorted(run.durations.items()):
            labels = (("outlet", ""), ("stage", stage))
            out.append(Point("newsarchive_stage_duration_seconds", seconds, labels))
    out += [
        Point("newsarchive_health_state", verdict(status).code),
        Point("newsarchive_today_complete", float(status.today.state == "complete")),
        Point("newsarchive_deadline_missed", float(status.deadline_missed)),
        Point("newsarchive_canary_problems", len(status.canary.problems)),
    ]
    return out


def _families(pts: Iterable[Point]) -> list[GaugeMetricFamily]:
    from prometheus_client.core import GaugeMetricFamily

    by_name: dict[str, list[Point]] = {}
    for p in pts:
        by_name.setdefault(p.name, []).append(p)
    families: list[GaugeMetricFamily] = []
    for name, group in by_name.items():
        unit, doc = METRICS[name]
        family = GaugeMetricFamily(name, doc, labels=[k for k, _ in group[0].labels])
        for p in group:
            family.add_metric([v for _, v in p.labels], p.value)
        families.append(family)
    return families


class _Collector:
    def __init__(self, pts: list[Point]):
        self.pts = pts

    def collect(self) -> list[GaugeMetricFamily]:  # prometheus_client's collector protocol
        return _families(self.pts)


def prometheus_text(pts: list[Point]) -> str:
    """The points in Prometheus' text exposition format (prometheus_client writes and escapes it)."""
    from prometheus_client import CollectorRegistry, generate_latest

    registry = CollectorRegistry(auto_describe=False)
    registry.register(_Collector(pts))
    return generate_latest(registry).decode("utf-8")


def write_textfile(path: str, pts: list[Point]) -> None:
    """The Prometheus text file, replaced atomically (a scraper never reads half of it)."""
    from prometheus_client import CollectorRegistry, write_to_textfile

    Path(path).parent.mkdir(parents=True, exist_ok=True)
    registry = CollectorRegistry(auto_describe=False)
    registry.register(_Collector(pts))
    write_to_textfile(path, registry)


def push_otlp(endpoint: str, protocol: str, pts: list[Point], timeout_s: float = 5.0) -> bool:
    """The points to an OpenTelemetry collector as gauges (resource service.name=newsarchive); True when
    the collector took them."""
    from opentelemetry.sdk.metrics import MeterProvider
    from opentelemetry.sdk.metrics.export import InMemoryMetricReader, MetricExportResult
    from opentelemetry.sdk.resources import Resource

    exporter: Any
    if protocol == "grpc":
        from opentelemetry.exporter.otlp.proto.grpc.metric_exporter import OTLPMetricExporter

        target = endpoint.split("://", 1)[-1]
        exporter = OTLPMetricExporter(
            endpoint=target, insecure=endpoint.startswith("http://"), timeout=timeout_s
        )
    else:
        from opentelemetry.exporter.otlp.proto.http.metric_exporter import (
            OTLPMetricExporter as HttpExporter,
        )

        exporter = HttpExporter(endpoint=endpoint, timeout=timeout_s)
    reader = InMemoryMetricReader()
    provider = MeterProvider(
        resource=Resource.create({"service.name": "newsarchive"}),
        metric_readers=[reader],
        shutdown_on_exit=False,
    )
    meter = provider.get_meter("newsarchive")
    gauges: dict[str, Gauge] = {}
    for p in pts:
        if p.name not in gauges:
            unit, doc = METRICS[p.name]
            gauges[p.name] = meter.create_gauge(p.name, unit=unit, description=doc)
        gauges[p.name].set(p.value, dict(p.labels))
    data = reader.get_metrics_data()
    try:
        result = exporter.export(data, timeout_millis=timeout_s * 1000) if data else None
    finally:
        exporter.shutdown()
        provider.shutdown(timeout_millis=math.ceil(timeout_s * 1000))
    if result is not None and result != MetricExportResult.SUCCESS:
        logger.warning("metrics not taken by the collector at %s (%s)", endpoint, result.name)
        return False
    return True


def publish_metrics(settings: Settings, store: Store, active: Iterable[str]) -> list[Point]:
    """After a live record changed: the figures as they are now, to the Prometheus text file and to the
    OpenTelemetry collector, whichever are configured (nothing is read when neither is)."""
    if not settings.metrics_file and not settings.otlp:
        return []
    from newsarchive.ops.status import read_status

    status, manifests, live = read_status(
        store,
        active,
        now=datetime.now(UTC),
        stale_days=settings.stale_days,
        deadline=settings.deadline,
    )
    pts = points(status, manifests, live)
    if settings.metrics_file:
        try:
            write_textfile(settings.metrics_file, pts)
        except OSError as exc:
            logger.warning("metrics file %s not written: %s", settings.metrics_file, exc)
    if settings.otlp:
        push_otlp(*settings.otlp, pts)
    return pts
