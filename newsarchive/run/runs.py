"""A run: its logical date and its id (the Airflow run id, or one the CLI makes), and the staging space
that belongs to it alone (archive/layout.staging_prefix). Every stage of a run reads and writes only its
own run's staging objects, so no run ever publishes another run's leftovers."""

from __future__ import annotations

import json
import secrets
from dataclasses import dataclass
from datetime import UTC, date, datetime

from archive import layout
from archive.records import Gap
from archive.store import ObjectNotFound, Store, StoreError


@dataclass(frozen=True)
class RunRef:
    day: date
    run_id: str

    @classmethod
    def new_cli(cls, day: date) -> RunRef:
        stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S")
        return cls(day, f"cli__{day.isoformat()}__{stamp}__{secrets.token_hex(3)}")

    @property
    def staging(self) -> str:
        return layout.staging_prefix(self.day, self.run_id)

    # the staging objects, by stage
    def warc(self, outlet: str) -> str:
        return layout.staged_key(self.staging, "crawl", f"{outlet}.warc.gz")

    def crawl_report(self, outlet: str) -> str:
        return layout.staged_key(self.staging, "crawl", f"{outlet}.crawl.json")

    def crawl_run(self, outlet: str) -> str:
        return layout.staged_key(self.staging, "crawl", f"{outlet}.state.json")

    def articles(self, outlet: str) -> str:
        return layout.staged_key(self.staging, "extract", f"{outlet}.jsonl")

    def extract_report(self, outlet: str) -> str:
        return layout.staged_key(self.staging, "extract", f"{outlet}.extract.json")

    def gap(self, stage: str, outlet: str) -> str:
        return layout.staged_key(self.staging, stage, f"{outlet}.gap.json")

    @property
    def dedup_rows(self) -> str:
        return layout.staged_key(self.staging, "dedup", "articles.jsonl")

    @property
    def dedup_report(self) -> str:
        return layout.staged_key(self.staging, "dedup", "dedup.json")

    @property
    def dedup_segment(self) -> str:
        return layout.staged_key(self.staging, "dedup", "index.npz")


def put_json(store: Store, key: str, value: object) -> None:
    store.put_bytes(
        key, json.dumps(value, ensure_ascii=False, indent=1).encode("utf-8"), overwrite=True
    )


def get_json(store: Store, key: str) -> dict:
    return json.loads(store.get_bytes(key))


def record_gap(store: Store, run: RunRef, stage: str, outlet: str, exc: BaseException) -> Gap:
    """Note in the run's staging why an outlet's stage failed (best effort: if the store is down too,
    publish reports the stage as not finished)."""
    reason = getattr(exc, "reason", None) or f"{stage}_error"
    gap = Gap(
        stage=stage,
        reason=str(reason),
        message=str(exc).splitlines()[0] if str(exc) else type(exc).__name__,
        records=tuple(getattr(exc, "records", ())),  # a crawl's error answers, kept in its WARC
    )
    try:
        put_json(store, run.gap(stage, outlet), gap.__dict__)
    except StoreError:
        pass
    return gap


def clear_gap(store: Store, run: RunRef, stage: str, outlet: str) -> None:
    store.delete(run.gap(stage, outlet))


def read_gap(store: Store, run: RunRef, stage: str, outlet: str) -> Gap:
    try:
        data = get_json(store, run.gap(stage, outlet))
        return Gap(
            stage=str(data["stage"]),
            reason=str(data["reason"]),
            message=str(data["message"]),
            records=tuple(str(r) for r in data.get("records") or ()),
        )
    except (ObjectNotFound, ValueError, KeyError, TypeError):
        return Gap(
            stage=stage,
            reason="not_finished",
            message=f"the {stage} of this outlet did not finish in this run (no {stage} output in its staging)",
        )
