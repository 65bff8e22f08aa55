"""An OpenTelemetry collector on loopback for tests and benches: an OTLP/HTTP receiver (POST /v1/metrics,
protobuf) that decodes every request with the OTLP protobuf definitions and keeps each data point, with
its metric name, attributes, value and the time it arrived."""

from __future__ import annotations

import gzip
import threading
import time
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from opentelemetry.proto.collector.metrics.v1.metrics_service_pb2 import (
    ExportMetricsServiceRequest,
    ExportMetricsServiceResponse,
)


@dataclass(frozen=True)
class DataPoint:
    service: str
    name: str
    attributes: dict[str, str]
    value: float
    received: float  # time.time() when it arrived


def _value(point) -> float:
    kind = point.WhichOneof("value")
    return float(getattr(point, kind)) if kind else float("nan")


def _decode(body: bytes, received: float) -> list[DataPoint]:
    request = ExportMetricsServiceRequest()
    request.ParseFromString(body)
    out = []
    for rm in request.resource_metrics:
        attrs = {a.key: a.value.string_value for a in rm.resource.attributes}
        service = attrs.get("service.name", "")
        for sm in rm.scope_metrics:
            for metric in sm.metrics:
                kind = metric.WhichOneof("data")
                points = getattr(metric, kind).data_points if kind in ("gauge", "sum") else []
                for p in points:
                    labels = {a.key: a.value.string_value for a in p.attributes}
                    out.append(DataPoint(service, metric.name, labels, _value(p), received))
                if kind in ("histogram", "exponential_histogram"):
                    for p in getattr(metric, kind).data_points:
                        labels = {a.key: a.value.string_value for a in p.attributes}
                        out.append(
                            DataPoint(service, metric.name, labels, float(p.count), received)
                        )
    return out


class OtlpReceiver:
    """`with OtlpReceiver() as otlp:` ... `otlp.endpoint` (base URL for OTEL_EXPORTER_OTLP_ENDPOINT)."""

    def __init__(self) -> None:
        self.points: list[DataPoint] = []
        self.changed = threading.Condition()
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802 (http.server's naming)
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                if self.headers.get("Content-Encoding") == "gzip":
                    body = gzip.decompress(body)
                points = _decode(body, time.time()) if self.path == "/v1/metrics" else []
                with receiver.changed:
                    receiver.points.extend(points)
                    receiver.changed.notify_all()
                answer = ExportMetricsServiceResponse().SerializeToString()
                self.send_response(200)
                self.send_header("Content-Type", "application/x-protobuf")
                self.send_header("Content-Length", str(len(answer)))
                self.end_headers()
                self.wfile.write(answer)

            def log_message(self, *args: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    @property
    def endpoint(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}"

    def __enter__(self) -> OtlpReceiver:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.shutdown()
        self.server.server_close()

    def wait_for(self, match, timeout: float = 60.0) -> DataPoint | None:
        """The first point `match(point)` accepts, waiting up to `timeout` seconds for it."""
        deadline = time.monotonic() + timeout
        with self.changed:
            while True:
                found = next((p for p in self.points if match(p)), None)
                left = deadline - time.monotonic()
                if found is not None or left <= 0:
                    return found
                self.changed.wait(left)
