"""The bucket as a dataset: its card (`README.md`) and Croissant metadata (`croissant.json`, archive/croissant.py)
at the archive's root, rewritten from the manifests of each day's newest complete rev at every publish.

The card says what the bucket holds (the current-articles table and the snapshots), the outlets with
their first and last day, the days covered and those without a snapshot, the gaps (an outlet's failed
stage that day), the articles per outlet and the rows per language, how to load the table with pandas,
DuckDB, polars, pyarrow and Hugging Face `datasets`, the schema (archive/schema.py's data dictionary), how
to cite it and the terms that apply. Both files are derived data: `newsarchive dataset card` writes them
again, `--check` tells whether they are the manifests' as they are now. `decode_card` is the one way the
card is read back (a bounded UTF-8 text naming its schema version).
"""

from __future__ import annotations

import logging
from collections import Counter, defaultdict
from collections.abc import Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import date, timedelta

from archive import layout
from archive.records import Manifest
from archive.schema import SCHEMA_VERSION, dictionary_markdown
from archive.snapshot import DamagedObject, SnapshotRef, load_manifest, newest_revs
from archive.store import LocalStore, Store
from common.escape import bibtex, json_text, markdown

logger = logging.getLogger(__name__)
MAX_CARD_BYTES = 8 << 20
CARD_TITLE = "# "
TABLE_GLOB = f"{layout.CURRENT_TABLE_PREFIX}*.parquet"


@dataclass(frozen=True)
class DatasetInfo:
    """What the manifests do not say: the dataset's name and terms, the outlets' names (the registry),
    the replay server citations point at (Settings: dataset_name, dataset_terms, replay_url)."""

    name: str = "newsarchive: Arabic news articles"
    terms: str = "The articles remain the work and the copyright of their outlets."
    outlet_names: Mapping[str, str] = field(default_factory=dict)
    replay_url: str = "http://127.0.0.1:8090/all"


@dataclass
class OutletSummary:
    first: str = ""
    last: str = ""
    days: int = 0  # days with articles of its own or carried
    articles: int = (
        0  # not duplicates: `articles_all WHERE NOT is_duplicate` (a story's versions each)
    )
    duplicates: int = 0
    languages: Counter[str] = field(
        default_factory=Counter
    )  # rows as archived, duplicates included
    gaps: list[str] = field(default_factory=list)  # "D stage:reason"


@dataclass
class DatasetSummary:
    """The newest complete rev of every day, as its manifest counts it."""

    revs: list[SnapshotRef]
    outlets: dict[str, OutletSummary]
    damaged: list[str]  # manifests that could not be read (their days are left out, named)

    @property
    def days(self) -> list[str]:
        return [ref.day for ref in self.revs]

    @property
    def missing(self) -> list[str]:
        """Days between the first and the last without a snapshot, as ranges ("D" or "D to D")."""
        have = set(self.days)
        if not have:
            return []
        first, last = date.fromisoformat(min(have)), date.fromisoformat(max(have))
        runs: list[tuple[date, date]] = []
        for n in range((last - first).days + 1):
            day = first + timedelta(days=n)
            if day.isoformat() in have:
                continue
            if runs and runs[-1][1] == day - timedelta(days=1):
                runs[-1] = (runs[-1][0], day)
            else:
                runs.append((day, day))
        return [f"{a}" if a == b else f"{a} to {b}" for a, b in runs]

    @property
    def articles(self) -> int:
        return sum(o.articles for o in self.outlets.values())

    @property
    def languages(self) -> Counter[str]:
        total: Counter[str] = Counter()
        for outlet in self.outlets.values():
            total.update(outlet.languages)
        return total


def summarise(store: Store) -> DatasetSummary:
    """The summary of every day's newest complete rev, from its manifest (read in parallel)."""
    revs = newest_revs(store)
    workers = 2 if isinstance(store, LocalStore) else 16

    def load(ref: SnapshotRef) -> Manifest | str:
        try:
            return load_manifest(store, ref)
        except DamagedObject as exc:
            return str(exc)

    with ThreadPoolExecutor(max_workers=workers) as pool:
        manifests = list(pool.map(load, revs))
    outlets: dict[str, OutletSummary] = defaultdict(OutletSummary)
    damaged, kept = [], []
    for ref, manifest in zip(revs, manifests, strict=True):
        if isinstance(manifest, str):
            damaged.append(manifest)
            continue
        kept.append(ref)
        for name, counts in sorted(manifest.outlets.items()):
            outlet = outlets[name]
            if counts.gap is not None:
                outlet.gaps.append(f"{ref.day} {counts.gap.stage}:{counts.gap.reason}")
            if counts.archived:
                outlet.first = outlet.first or ref.day
                outlet.last = ref.day
                outlet.days += 1
            outlet.articles += counts.current
            outlet.duplicates += counts.archived - counts.current
            outlet.languages.update(counts.languages)
    return DatasetSummary(kept, dict(sorted(outlets.items())), damaged)


# -- the card ------------------------------------------------------------------------------------------------
def render_card(summary: DatasetSummary, info: DatasetInfo, location: str | None = None) -> str:
    """The card: YAML front matter (as Hugging Face reads it), then the sections a reader needs."""
    days = summary.days
    span = f"{days[0]} to {days[-1]}" if days else "no days yet"
    languages = sorted(summary.languages)
    root = location or "."
    s3 = location if location and location.startswith("s3://") else "s3://BUCKET/PREFIX"
    lines = [
        "---",
        f"pretty_name: {json_text(info.name)}",
        "language:",
        *[f"- {json_text(lang)}" for lang in languages or ["ar"]],
        "license: other",
        "configs:",
        "- config_name: default",
        f"  data_files: {TABLE_GLOB}",
        "---",
        "",
        f"{CARD_TITLE}{markdown(info.name)}",
        "",
        f"News articles archived daily from {len(summary.outlets)} outlets, {span}: "
        f"{summary.articles:,} current articles (duplicates flagged apart) on {len(days)} days. "
        f"Schema version {SCHEMA_VERSION}. Written by newsarchive from the snapshots' manifests at "
        "every publish; `newsarchive dataset card` writes it again.",
        "",
        "## What it holds",
        "",
        f"- `{TABLE_GLOB}`: the current-articles table, one Parquet file per day holding the day's newest "
        "complete snapshot (duplicates kept, `is_duplicate` true); "
        f"`{layout.CURRENT_TABLE_RECORD}` holds each file's SHA-256.",
        "- `snapshots/date=D/rev=N/`: every snapshot as published (WARC captures, Parquet parts, CDXJ "
        "index, `manifest.json` with every file's SHA-256, `_SUCCESS` written last): the record.",
        f"- `{layout.CROISSANT}`: this card's facts as Croissant 1.0 metadata (MLCommons).",
        "",
        "## Outlets",
        "",
        "| outlet | name | first day | last day | days | articles | duplicates | rows by language |",
        "| --- | --- | --- | --- | --- | --- | --- | --- |",
    ]
    for outlet_id, o in summary.outlets.items():
        langs = ", ".join(f"{markdown(lang)} {n:,}" for lang, n in sorted(o.languages.items()))
        lines.append(
            f"| {markdown(outlet_id)} | {markdown(info.outlet_names.get(outlet_id, outlet_id))} | "
            f"{o.first or '-'} | {o.last or '-'} | {o.days} | {o.articles:,} | {o.duplicates:,} | "
            f"{langs or '-'} |"
        )
    lines += [
        "",
        f"Articles: {summary.articles:,} in all, each version of a story counted (what `SELECT "
        "count(*) FROM articles_all WHERE NOT is_duplicate` gives; `articles` counts stories). Rows by "
        "language count every archived row, duplicates included: "
        + (
            ", ".join(f"{markdown(k)} {v:,}" for k, v in sorted(summary.languages.items()))
            or "none"
        )
        + ".",
        "",
        "## Days and gaps",
        "",
        f"Days with a snapshot: {len(days)} ({span}).",
        "Days without one in between: " + (", ".join(summary.missing) or "none") + ".",
    ]
    gaps = [(o, g) for o, s in summary.outlets.items() for g in s.gaps]
    lines.append(
        "Gaps (an outlet's failed stage and reason that day; a dip on such a day is not news): "
        + ("; ".join(f"{markdown(o)} {markdown(g)}" for o, g in gaps) or "none")
        + "."
    )
    if summary.damaged:
        lines.append(
            "Left out, their manifest could not be read: "
            + "; ".join(map(markdown, summary.damaged))
        )
    lines += [
        "",
        "## Load it",
        "",
        f"From the archive's root ({markdown(root)}); every tool reads the directory with nothing added:",
        "",
        "```python",
        "import duckdb",
        "import pandas as pd",
        "import polars as pl",
        "from datasets import load_dataset",
        "",
        f'df = pd.read_parquet("{layout.CURRENT_TABLE_PREFIX}", filters=[("is_duplicate", "==", False)])',
        f"con = duckdb.sql(\"SELECT outlet, count(*) FROM '{TABLE_GLOB}' WHERE NOT is_duplicate GROUP BY outlet\")",
        f'lf = pl.scan_parquet("{TABLE_GLOB}").filter(~pl.col("is_duplicate"))',
        f'ds = load_dataset("parquet", data_files="{TABLE_GLOB}", split="train")',
        "```",
        "",
        f"From a bucket ({markdown(s3)}): pyarrow's `S3FileSystem`, polars' `storage_options` or DuckDB with "
        "`duckdb.register_filesystem(s3fs.S3FileSystem())` read the same paths under the bucket's "
        "prefix; `newsarchive query --archive s3://...` runs SQL over it, checked against the record.",
        "",
        "## Schema",
        "",
        dictionary_markdown().rstrip("\n"),
        "",
        "## Cite it",
        "",
        "Cite an article with `newsarchive export --format bibtex` or `--format csl-json`: the article "
        "as published, the snapshot that keeps it, and its capture as a Memento "
        f"({markdown(info.replay_url)}/YYYYMMDDhhmmss/URL). Cite the dataset as:",
        "",
        "```bibtex",
        "@misc{newsarchive,",
        f"  title = {{{bibtex(info.name)}}},",
        "  howpublished = {newsarchive snapshots"
        + (f", {days[0]} to {days[-1]}" if days else "")
        + "},",
        f"  note = {{Schema version {SCHEMA_VERSION}}},",
        f"  year = {{{days[-1][:4] if days else ''}}}",
        "}",
        "```",
        "",
        "## Terms",
        "",
        markdown(info.terms),
        "",
    ]
    return "\n".join(lines)


def decode_card(data: bytes) -> str:
    """The card as text: bounded, UTF-8, with its front matter, title and schema version; anything else
    is a DamagedObject naming it and the repair."""
    where = layout.DATASET_CARD
    try:
        if len(data) > MAX_CARD_BYTES:
            raise ValueError(f"{len(data):,} bytes, more than a card ever holds")
        text = data.decode("utf-8")
        if not text.startswith("---\n") or f"\n{CARD_TITLE}" not in text:
            raise ValueError("no front matter and title")
        if "Schema version " not in text:
            raise ValueError("it names no schema version")
    except (ValueError, UnicodeDecodeError) as exc:
        raise DamagedObject(
            f"{where}: damaged ({exc}); `newsarchive dataset card` writes it again"
        ) from None
    return text
