"""A run: its logical date and its id (the Airflow run id, or one the CLI makes), and the staging space
that belongs to it alone (archive/layout.staging_prefix). Every stage of a run reads and writes only its
own run's staging objects, so no run ever publishes another run's leftovers."""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import UTC, date, datetime

from archive import layout
from common.cdxj_entry import sidecar_name

STAGES = ("crawl", "extract")  # the per-outlet stages (a gap record names one)


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

    def warc_index(self, outlet: str) -> str:
        """The CDXJ lines the crawl wrote with the WARC (common/cdxj_entry.py), used by publish."""
        return layout.staged_key(self.staging, "crawl", sidecar_name(f"{outlet}.warc.gz"))

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

    def extract_outputs(self, outlet: str) -> tuple[str, ...]:
        return (self.articles(outlet), self.extract_report(outlet), self.gap("extract", outlet))

    def outlet_outputs(self, outlet: str) -> tuple[str, ...]:
        """Every staging object of one outlet, crawl and extraction."""
        crawl = (
            self.warc(outlet),
            self.warc_index(outlet),
            self.crawl_run(outlet),
            self.crawl_report(outlet),
        )
        return crawl + (self.gap("crawl", outlet),) + self.extract_outputs(outlet)

    def outlet_of(self, key: str) -> str | None:
        """The outlet a staging object of this run belongs to (None: the dedup stage's, or not ours)."""
        stage, _, name = key.removeprefix(self.staging).partition("/")
        if stage not in STAGES or "/" in name:
            return None
        outlet = name.split(".", 1)[0]
        return outlet if key in self.outlet_outputs(outlet) else None

    @property
    def dedup_rows(self) -> str:
        return layout.staged_key(self.staging, "dedup", "articles.jsonl")

    @property
    def dedup_report(self) -> str:
        return layout.staged_key(self.staging, "dedup", "dedup.json")

    @property
    def dedup_segment(self) -> str:
        return layout.staged_key(self.staging, "dedup", "index.npz")

    @property
    def dedup_outputs(self) -> tuple[str, ...]:
        return (self.dedup_rows, self.dedup_segment, self.dedup_report)
